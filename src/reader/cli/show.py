"""``reader show`` (an article's structure, damage and metadata) and ``reader correct`` (fix them)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from reader.cli._common import out, workspace
from reader.errors import UsageError


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "show",
        parents=[common],
        help="an article's title, body, non-article regions, damage and metadata",
        description="Offsets are code points into the article's original (normalised) text.",
    )
    p.add_argument("article", metavar="ARTICLE")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="everything as one JSON object")
    mode.add_argument(
        "--repaired", action="store_true", help="print the text with every certain damage repair applied"
    )
    p.set_defaults(run=run_show)

    from reader.structure import KINDS

    c = sub.add_parser(
        "correct",
        parents=[common],
        help="mark a passage as not the article (or as the article); wins over the detection",
        description="The passage is widened to whole lines. Corrections are kept in the database and "
        "follow the text if the article file changes. Without --not-article/--article, lists them.",
    )
    c.add_argument("article", metavar="ARTICLE")
    verdict = c.add_mutually_exclusive_group()
    verdict.add_argument("--not-article", action="store_true", help="the passage is not the article")
    verdict.add_argument(
        "--article", dest="is_article", action="store_true", help="the passage is the article"
    )
    verdict.add_argument("--remove", metavar="ID", help="remove a correction")
    c.add_argument("--quote", help="the passage (as in the original text)")
    c.add_argument("--start", type=int, help="start offset (code points in the original)")
    c.add_argument("--end", type=int, help="end offset (with --start)")
    c.add_argument("--kind", default="", choices=KINDS, metavar="KIND", help=f"one of {', '.join(KINDS)}")
    c.add_argument("--note", default="", help="why")
    c.set_defaults(run=run_correct)


def _analyser(args: argparse.Namespace) -> tuple[Any, Any]:
    from reader.analysis import Analyser
    from reader.workspace import Paths

    ws = workspace(args)
    return ws, Analyser(ws.library, Paths.resolve(args.articles, args.db).db)


def run_show(args: argparse.Namespace) -> int:
    from reader.sanitise import safe_json_text, safe_line, sanitise

    ws, analyser = _analyser(args)
    article = ws.load(ws.library.resolve(args.article))
    analysis = analyser.analyse(article)
    if args.json:
        data = {"chars": len(article.text), **analysis.to_dict()}
        out(safe_json_text(json.dumps(data, ensure_ascii=False, indent=2)) + "\n")
        return 0
    if args.repaired:
        out(sanitise(analysis.repaired(article.text).text))
        return 0
    text = article.text
    s = analysis.structure
    lines = [
        f"title     {safe_line(s.title)}",
        f"body      {s.body[0]}-{s.body[1]} ({s.body_chars} characters)",
    ]
    for key, value in (analysis.metadata or {}).items():
        if key in ("site", "author", "date", "url", "tool") and value:
            lines.append(f"{key:<9} {safe_line(str(value))}")
    for r in s.regions:
        first = text[r.start : r.end].split("\n", 1)[0]
        lines.append(f"region    {r.kind:<10} {r.start}-{r.end} ({r.lines} lines) {safe_line(first, 60)}")
    for d in analysis.damage:
        repair = f" -> {safe_line(d.repair)}" if d.repair is not None else ""
        lines.append(f"damage    {d.kind:<10} {d.start}-{d.end} {safe_line(text[d.start : d.end])}{repair}")
    for c in analysis.corrections:
        lines.append(f"corrected {c.verdict:<11} {c.start}-{c.end} {c.id} {c.status}")
    out("\n".join(lines) + "\n")
    return 0


def run_correct(args: argparse.Namespace) -> int:
    from reader.sanitise import safe_line

    ws, analyser = _analyser(args)
    article = ws.load(ws.library.resolve(args.article))
    if args.remove:
        gone = analyser.corrections.remove(article.info.id, args.remove)
        if gone is None:
            raise UsageError(f"no correction {args.remove!r} on {article.info.id}")
        out(f"removed {gone.id}\n")
        return 0
    if not (args.not_article or args.is_article):
        for c in analyser.corrections.anchored(article):
            out(f"{c.id}  {c.verdict:<11} {c.start}-{c.end} {c.status}  {safe_line(c.quote, 60)}\n")
        return 0
    start, end = _passage(ws, article, args)
    verdict = "not-article" if args.not_article else "article"
    correction = analyser.correct(article, start, end, verdict, args.kind, args.note)
    out(correction.id + "\n")
    return 0


def _passage(ws: Any, article: Any, args: argparse.Namespace) -> tuple[int, int]:
    if args.quote is not None:
        if args.start is not None or args.end is not None:
            raise UsageError("give either --quote or --start/--end")
        hits = ws.find(article, args.quote)
        if len(hits) != 1:
            found = "not found" if not hits else f"found {len(hits)} times; use --start/--end"
            raise UsageError(f"quote {args.quote!r} {found} in {article.info.id}")
        return hits[0]
    if args.start is None or args.end is None:
        raise UsageError("give the passage: --quote TEXT, or --start N --end M")
    if not 0 <= args.start < args.end <= len(article.text):
        raise UsageError(f"--start {args.start} --end {args.end} is not a passage of {article.info.id}")
    return args.start, args.end
