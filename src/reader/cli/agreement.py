"""``reader agreement``: inter-coder agreement of the coders in the database (``reader.team.coders_work``),
or, with ``--from-exports A.json B.json …``, of one export per coder (each named after its file)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from reader.cli._common import out, workspace
from reader.errors import ArticleError, UsageError

DISAGREEMENTS_SHOWN = 50


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    from reader.agreement import UNITS

    p = sub.add_parser(
        "agreement",
        parents=[common],
        help="inter-coder agreement (percent, Cohen's and Fleiss' kappa, Krippendorff's alpha)",
        description="Agreement between coders who coded the same articles, per tag and overall, and the "
        "passages where they differ. By default the coders of this database (everyone but the agreed "
        "version), over the articles each of them marked coded (`reader coded`), else those any of them "
        "annotated. With --from-exports, each export (reader export --format json or w3c) is one coder, "
        "taken to have coded every article that any export covers.",
    )
    p.add_argument("--coders", nargs="+", default=[], metavar="CODER", help="only these coders (two or more)")
    p.add_argument(
        "--from-exports", nargs="+", default=None, metavar="FILE", help="one export per coder (two or more)"
    )
    p.add_argument("--tag", action="append", default=[], metavar="TAG", help="only this tag and its sub-tags")
    p.add_argument("--article", action="append", default=[], metavar="ID", help="only this article")
    p.add_argument("--unit", choices=UNITS, default="sentence", help="what is compared (default: sentences)")
    p.add_argument("--json", action="store_true", help="the figures and every disagreement as JSON")
    p.set_defaults(run=run_agreement)


def _coder_names(paths: list[Path]) -> list[str]:
    stems = [p.stem for p in paths]
    if len(set(stems)) == len(stems):
        return stems
    return [str(p) for p in paths]


def _load(args: argparse.Namespace) -> tuple[dict[str, dict[str, list[Any]]], dict[str, str], int]:
    """Per coder, article -> spans; the articles' texts; how many orphans were left out."""
    from reader.anchoring import anchored_to
    from reader.importer import read_file

    paths = [Path(p) for p in args.from_exports]
    if len(paths) < 2:
        raise UsageError("agreement needs two or more exports, one per coder")
    ws = workspace(args)
    wanted = {ws.library.resolve(a) for a in args.article}
    coders: dict[str, dict[str, list[Any]]] = {}
    texts: dict[str, str] = {}
    shas: dict[str, str] = {}
    orphans = 0
    for name, path in zip(_coder_names(paths), paths, strict=True):
        if not path.is_file():
            raise UsageError(f"cannot read {path}: no such file")
        _, annotations = read_file(path)
        spans: dict[str, list[Any]] = {}
        for _, a in annotations:
            if wanted and a.article_id not in wanted:
                continue
            if a.article_id not in texts:
                try:
                    article = ws.load(a.article_id)
                except (ArticleError, UsageError) as exc:
                    raise UsageError(f"{path}: article {a.article_id} cannot be read ({exc})") from None
                texts[a.article_id], shas[a.article_id] = article.text, article.sha256
            text = texts[a.article_id]
            if a.status == "orphan" or a.quote != text[a.start : a.end]:
                a = anchored_to(a, text, shas[a.article_id])
                if a.status == "orphan":
                    orphans += 1
                    continue
            spans.setdefault(a.article_id, []).append((a.start, a.end, a.tags))
        coders[name] = spans
    for article_id in wanted - set(texts):
        texts[article_id] = ws.load(article_id).text
    return coders, texts, orphans


def _number(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "—"
    value = round(value, 3) + 0.0  # no "-0.000"
    return f"{value:.1%}" if percent else f"{value:.3f}"


def _from_database(args: argparse.Namespace) -> tuple[dict[str, dict[str, list[Any]]], dict[str, str], int]:
    from reader.merging import refresh_agreed
    from reader.team import coders_work

    ws = workspace(args)
    if "agreed" in args.coders:
        refresh_agreed(ws)
    work = coders_work(ws, args.coders or None, args.article)
    if work.rule == "coded":
        print(f"reader: comparing the {len(work.texts)} articles every coder marked coded", file=sys.stderr)
    for coder, n in work.lagging.items():
        print(
            f"reader: warning: {coder} has not yet had {n} codebook change(s) of others applied (they are "
            "applied when they sync): renamed tags may count as different",
            file=sys.stderr,
        )
    return dict(work.spans), work.texts, work.orphans


def run_agreement(args: argparse.Namespace) -> int:
    from reader.agreement import compute
    from reader.sanitise import safe_line

    if args.from_exports is not None and args.coders:
        raise UsageError("give either --from-exports or --coders, not both")
    coders, texts, orphans = _load(args) if args.from_exports is not None else _from_database(args)
    if not texts:
        where = "the exports have" if args.from_exports is not None else "the coders have"
        raise UsageError(f"{where} no annotations (in the chosen articles): nothing to compare")
    result = compute(coders, texts, unit=args.unit, tags=args.tag)
    if args.json:
        import orjson

        from reader.sanitise import safe_json_text

        data = result.to_dict()
        for item in data["disagreements"]:
            item["text"] = texts[item["article_id"]][item["start"] : item["end"]]
        data["orphans_left_out"] = orphans
        out(safe_json_text(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()) + "\n")
        return 0
    unit = {"sentence": "sentences", "paragraph": "paragraphs", "character": "characters"}[args.unit]
    lines = [
        f"agreement of {', '.join(result.coders)} over {len(result.articles)} articles, "
        f"{result.overall.units} {unit}",
        f"{'units':>8} {'coded':>7} {'agree':>7} {'Cohen κ':>8} {'Fleiss κ':>9} {'α':>7}  tag",
    ]
    rows = [("(all tags)", result.overall), *result.per_tag.items()]
    for tag, f in rows:
        label = tag if f is not result.overall else f"{tag}; α with MASI {_number(f.alpha_masi)}"
        lines.append(
            f"{f.units:>8} {f.coded:>7} {_number(f.percent, True):>7} {_number(f.cohen_kappa):>8} "
            f"{_number(f.fleiss_kappa):>9} {_number(f.alpha):>7}  {label}"
        )
    lines.append(f"disagreements: {len(result.disagreements)}")
    for d in result.disagreements[:DISAGREEMENTS_SHOWN]:
        passage = texts[d.article_id][d.start : d.end]
        passage = passage if len(passage) <= 30 else passage[:29] + "…"
        who = " | ".join(f"{c}: {', '.join(t) or '—'}" for c, t in zip(result.coders, d.tags, strict=True))
        lines.append(f"  {d.article_id} {d.start}–{d.end} «{passage}»  {who}")
    if len(result.disagreements) > DISAGREEMENTS_SHOWN:
        lines.append(f"  … and {len(result.disagreements) - DISAGREEMENTS_SHOWN} more (--json lists all)")
    out("\n".join(safe_line(line, 2000) for line in lines) + "\n")
    if orphans:
        print(f"reader: {orphans} annotations whose passage is gone were left out", file=sys.stderr)
    return 0
