"""``reader list`` and ``reader convert``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from reader.cli._common import out, out_json, workspace
from reader.errors import ReaderError, UsageError


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    from reader.choices import SOURCES, VIEWS

    p_list = sub.add_parser("list", parents=[common], help="list the articles")
    p_list.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p_list.set_defaults(run=run_list)

    p_convert = sub.add_parser("convert", parents=[common], help="print an article or file in a script view")
    p_convert.add_argument("article", metavar="ARTICLE_OR_FILE")
    p_convert.add_argument(
        "--to", required=True, choices=VIEWS, metavar="VIEW", help=f"one of {', '.join(VIEWS)}"
    )
    p_convert.add_argument(
        "--from",
        dest="source",
        default="auto",
        choices=SOURCES,
        metavar="SCRIPT",
        help="the source's script: auto (default: decided clause by clause), simplified, traditional, "
        "or taiwan / hongkong for a Traditional source of that region",
    )
    p_convert.add_argument(
        "--phrases",
        choices=("on", "off"),
        default=None,
        help="localise phrases (软件 -> 軟體); default: on for Simplified text in the taiwan view",
    )
    p_convert.set_defaults(run=run_convert)


def run_list(args: argparse.Namespace) -> int:
    from reader.sanitise import safe_line

    ws = workspace(args)
    counts = ws.store.counts()
    rows: list[dict[str, Any]] = [
        {
            "id": info.id,
            "title": info.title,
            "script": info.script,
            **(_shares(ws, info) if args.json else {}),  # the table has no column for them
            "chars": info.chars,
            "chars_exact": info.chars_exact,
            "annotations": counts.get(info.id, 0),
            "error": info.error or ws.store.problem_for(info.id),
        }
        for info in ws.articles()
    ]
    if args.json:
        _add_structure(args, ws, rows)
        out_json(rows)
        return 0
    # file names, titles and errors are data: one line each, controls shown as symbols
    ids = [safe_line(r["id"]) for r in rows]
    widths = _cells(ids)
    id_width = max([*widths, 2])
    lines = [f"{'ID'.ljust(id_width)}  {'SCRIPT':<11} {'CHARS':>8} {'NOTES':>5}  TITLE"]
    for r, shown_id, width in zip(rows, ids, widths, strict=True):
        chars = f"{'' if r['chars_exact'] else '~'}{r['chars']}"
        title = safe_line(f"[error] {r['error']}" if r["error"] else r["title"])
        lines.append(
            f"{shown_id}{' ' * (id_width - width)}  {r['script'] or '-':<11} {chars:>8} "
            f"{r['annotations']:>5}  {title}"
        )
    out("\n".join(lines) + "\n")
    return 0


def _cells(ids: list[str]) -> list[int]:
    """Terminal cells of each id (made safe). An ASCII one is printable ASCII, one cell a character: rich's
    ``cell_len`` (~2 µs a call, ~5 ms to import) only for the others."""
    if all(map(str.isascii, ids)):
        return [len(i) for i in ids]
    from rich.cells import cell_len

    return [len(i) if i.isascii() else cell_len(i) for i in ids]


def _add_structure(args: argparse.Namespace, ws: Any, rows: list[dict[str, Any]]) -> None:
    """``body_chars``, ``damage``, ``regions``, ``appended``, ``detected_title`` (cached per article
    version: see reader.analysis) and the ``site`` / ``date`` of articles brought in by ``reader add``."""
    from reader.analysis import Analyser
    from reader.ingest import read_metadata
    from reader.workspace import Paths

    analyser = Analyser(ws.library, Paths.resolve(args.articles, args.db).db)
    summaries = analyser.summaries(ws.articles())
    for row in rows:
        summary = summaries.get(row["id"], {})
        row["detected_title"] = summary.get("title")
        for key in ("body_chars", "damage", "regions", "appended"):
            row[key] = summary.get(key)
        meta = read_metadata(ws.library.root, row["id"]) or {}
        row["site"], row["date"] = meta.get("site"), meta.get("date")


def _shares(ws: Any, info: Any) -> dict[str, Any]:
    """For a mixed article, the share of each script among its distinctive characters (``reader list``)."""
    if info.script != "mixed" or info.error:
        return {}
    counts = info.script_counts  # counted when the whole file was listed
    if counts is None:
        from reader.scripts import script_counts

        try:
            article = ws.load(info.id)
        except ReaderError:
            return {}
        counts = article.info.script_counts or script_counts(article.text)
    trad, simp = counts
    total = trad + simp or 1
    return {"shares": {"traditional": round(trad / total, 3), "simplified": round(simp / total, 3)}}


def run_convert(args: argparse.Namespace) -> int:
    """An article of the library, else any file; reads the database's overrides, never writes to it."""
    from reader.articles import load_file
    from reader.convert import Converter, OverrideList
    from reader.library import Library
    from reader.workspace import Paths

    paths = Paths.resolve(args.articles, args.db)
    root = paths.articles
    article = None
    if root.is_dir():
        library = Library(root)
        try:
            article = library.load(library.resolve(args.article))
        except UsageError:
            article = None
    if article is None:
        if not Path(args.article).is_file():
            raise UsageError(f"no article or file {args.article!r} (not an id in {root}, not a file)")
        article = load_file(Path(args.article))
    phrases = None if args.phrases is None else args.phrases == "on"
    converter = Converter(overrides=OverrideList(paths.db))
    out(converter.view(article, args.to, source=args.source, phrases=phrases).text)
    return 0
