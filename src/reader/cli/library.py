"""``reader list`` and ``reader convert``."""

from __future__ import annotations

import argparse
import gc
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reader.cli._common import out, out_json, workspace
from reader.errors import ReaderError, UsageError

if TYPE_CHECKING:
    from reader.articles import ArticleInfo


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
    if args.json:
        return _list_json(args)
    # The table: a one-shot listing makes no reference cycles worth collecting, and the collector's ~100
    # passes over what a cold listing of 10,000 articles makes (stats, infos, lines) cost ~15 ms of this
    # process, all of it outside the part reader.heads splits over the cores; paused for the command.
    collecting = gc.isenabled()
    gc.disable()
    try:
        ws = workspace(args)
        counts = ws.store.counts()
        out(_table(ws.articles(), counts, ws.store.problem_for))
    finally:
        if collecting:
            gc.enable()
    return 0


def _list_json(args: argparse.Namespace) -> int:
    ws = workspace(args)
    counts = ws.store.counts()
    infos = ws.articles()
    rows: list[dict[str, Any]] = [
        {
            "id": info.id,
            "title": info.title,
            "script": info.script,
            **_shares(ws, info),
            "chars": info.chars,
            "chars_exact": info.chars_exact,
            "annotations": counts.get(info.id, 0),
            "error": info.error or ws.store.problem_for(info.id),
        }
        for info in infos
    ]
    _add_structure(args, ws, rows)
    out_json(rows)
    return 0


def _table(infos: list[ArticleInfo], counts: dict[str, int], problem_for: Callable[[str], str | None]) -> str:
    """The table of ``reader list``, straight from the infos (no row dicts: 10,000 rows are printed in
    the serial part of a cold listing, after the forked describing)."""
    from reader.sanitise import safe_line

    # file names, titles and errors are data: one line each, controls shown as symbols
    ids = [safe_line(info.id) for info in infos]
    widths = _cells(ids)
    id_width = max([*widths, 2])
    lines = [f"{'ID'.ljust(id_width)}  {'SCRIPT':<11} {'CHARS':>8} {'NOTES':>5}  TITLE"]
    for info, shown_id, width in zip(infos, ids, widths, strict=True):
        chars = f"{'' if info.chars_exact else '~'}{info.chars}"
        error = info.error or problem_for(info.id)
        title = safe_line(f"[error] {error}" if error else info.title)
        lines.append(
            f"{shown_id}{' ' * (id_width - width)}  {info.script or '-':<11} {chars:>8} "
            f"{counts.get(info.id, 0):>5}  {title}"
        )
    return "\n".join(lines) + "\n"


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
