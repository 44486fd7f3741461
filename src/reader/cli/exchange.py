"""``reader export`` and ``reader import``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from reader.cli._common import EXIT_USAGE, fail, info, out, warn, workspace
from reader.errors import UsageError
from reader.sanitise import safe_line

#: `-o -`: standard output
STDOUT = "-"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    _add_export_parser(sub, common)
    _add_import_parser(sub, common)


def _add_export_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    from reader.export import CSV_FORMULAS

    p_export = sub.add_parser(
        "export",
        parents=[common],
        help="export annotations (json, w3c, csv, md, jsonl, qdpx, qdc)",
        description="Export annotations. Filters combine: tags are OR, articles are OR, the two are AND.",
    )
    _add_format_arguments(p_export)
    _add_selection_arguments(p_export)
    p_export.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write to FILE (a new file or a regular file, replaced atomically); `-' or none: stdout",
    )
    p_export.add_argument(
        "--csv-formulas",
        default="neutralise",
        choices=CSV_FORMULAS,
        help="csv: a cell starting with = + - @, a tab or a line break gets a leading ' so spreadsheets "
        "do not run it as a formula (neutralise, the default), or is written as it is (keep)",
    )
    p_export.add_argument(
        "--body-only",
        action="store_true",
        help="only passages in the article's body (not in menus, footers, captions or appended articles)",
    )
    p_export.set_defaults(run=run_export)


def _add_format_arguments(p_export: argparse.ArgumentParser) -> None:
    """The format and the options of one format (``_format_options`` checks they match)."""
    from reader.export import FORMATS

    p_export.add_argument(
        "--format",
        default="json",
        choices=FORMATS,
        help="json (reader's own, re-importable), w3c (Web Annotation JSON-LD, re-importable), "
        "csv (UTF-8 with BOM), md (Markdown), jsonl (doccano / Label Studio), "
        "qdpx (REFI-QDA project, re-importable), qdc (REFI-QDA codebook)",
    )
    p_export.add_argument(
        "--jsonl-shape",
        choices=("doccano", "labelstudio"),
        help="jsonl: one line per article in doccano's or Label Studio's shape (default doccano)",
    )
    p_export.add_argument(
        "--offsets",
        choices=("codepoints", "utf16"),
        help="jsonl: offsets in Unicode code points (default) or UTF-16 units (JavaScript tools)",
    )
    p_export.add_argument(
        "--line-endings",
        choices=("crlf", "lf"),
        help="qdpx: line breaks of the source text files: crlf (default; MAXQDA, ATLAS.ti) or lf "
        "(QualCoder, Taguette); positions count a line break as one character either way",
    )


def _add_selection_arguments(p_export: argparse.ArgumentParser) -> None:
    """The script of the passages and which annotations: tags, articles, coders."""
    from reader.choices import VIEWS

    p_export.add_argument(
        "--view", default="original", choices=VIEWS, metavar="VIEW", help="script of the passage text"
    )
    p_export.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="TAG",
        help="only passages with this tag or a sub-tag, 简 and 繁 alike (repeatable)",
    )
    p_export.add_argument(
        "--article", action="append", default=[], metavar="ID", help="only this article (repeatable)"
    )
    p_export.add_argument(
        "--coders",
        nargs="+",
        metavar="CODER",
        help="only these coders' annotations (`agreed`: the agreed version of reader merge); "
        "default: everyone's",
    )


def _add_import_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p_import = sub.add_parser(
        "import",
        parents=[common],
        help="import a json, w3c or REFI-QDA (qdpx, qdc) file",
        description="Import annotations from a `reader export --format json|w3c` file, or a REFI-QDA "
        "project (.qdpx: codes, sources added as articles when missing, selections) or codebook (.qdc). "
        "Importing the same file twice changes nothing.",
    )
    p_import.add_argument("file", metavar="FILE")
    p_import.set_defaults(run=run_import)


def _format_options(args: argparse.Namespace) -> dict[str, Any]:
    """The sub-options of the chosen format; one given for another format is a mistake, said so."""
    owners = {"jsonl_shape": "jsonl", "offsets": "jsonl", "line_endings": "qdpx"}
    options: dict[str, Any] = {}
    for name, fmt in owners.items():
        value = getattr(args, name)
        if value is None:
            continue
        if args.format != fmt:
            flag = "--" + name.replace("_", "-")
            raise UsageError(f"{flag} applies to --format {fmt} only")
        options[name] = value
    if args.format in ("qdpx", "qdc"):
        options["tags"] = args.tag
    return options


def run_export(args: argparse.Namespace) -> int:
    from reader.export import (
        BINARY_FORMATS,
        WORKSPACE_FORMATS,
        build_export,
        check_output,
        left_out,
        render_bytes,
        write_atomically,
    )
    from reader.workspace import Paths

    options = _format_options(args)
    output = None if args.output in (None, STDOUT) else Path(args.output)
    if args.format in BINARY_FORMATS and output is None and sys.stdout.isatty():
        raise UsageError(f"a {args.format} file is a zip archive, not text: give a file name with -o FILE")
    paths = Paths.resolve(args.articles, args.db)
    protected = (paths.articles, paths.db)
    if output is not None:
        check_output(output, protected)  # before the (long) export: a wrong path is told at once
    ws = workspace(args)
    coders = args.coders
    if coders is not None and "agreed" in coders:
        from reader.merging import refresh_agreed

        refresh_agreed(ws)
    data = build_export(ws, args.view, tags=args.tag, article_ids=args.article, coders=coders)
    made = {r["creator"] for r in data["annotations"]}
    for coder in [c for c in coders or () if c not in made]:
        warn(f"no annotation of coder {coder!r} was exported (`reader coders` lists the coders)")
    missing = left_out(ws, args.article)
    _warn_unmatched_tags(args, data)
    if args.body_only:
        from reader.analysis import Analyser, body_only_export

        data = body_only_export(data, Analyser(ws.library, paths.db))
    if args.format in WORKSPACE_FORMATS:
        payload = render_bytes(data, args.format, workspace=ws, **options)
    else:
        payload = render_bytes(data, args.format, csv_formulas=args.csv_formulas)
    if output is not None:
        write_atomically(output, payload, protected=protected)
        info(f"exported {len(data['annotations'])} annotations to {output}")
    else:
        # bytes, so the output is UTF-8 whatever the locale (and the CSV keeps its byte-order mark); every
        # format is terminal-safe already (JSON escapes controls, CSV and Markdown show them as symbols)
        sys.stdout.flush()
        sys.stdout.buffer.write(payload)
        sys.stdout.buffer.flush()
    for line in missing:
        fail(f"left out of the export: {line}")
    return EXIT_USAGE if missing else 0


def _warn_unmatched_tags(args: argparse.Namespace, data: dict[str, Any]) -> None:
    """One line on stderr for each --tag that kept no passage (a typo must not pass for an empty result)."""
    if not args.tag:
        return
    from reader.tags import unmatched_filters

    used = {tag for record in data["annotations"] for tag in record["tags"]}
    where = " in the chosen articles" if args.article else ""
    for tag in unmatched_filters(args.tag, used):
        info(
            f"reader: warning: --tag {tag}: no passage{where} has this tag or a sub-tag (简 and 繁 alike); "
            "`reader tags` lists the tags"
        )


def run_import(args: argparse.Namespace) -> int:
    from reader.importer import import_file

    path = Path(args.file)
    if not path.is_file():
        reason = "it is a folder" if path.is_dir() else "no such file"
        raise UsageError(f"cannot import {safe_line(str(path))}: {reason}")
    ws = workspace(args)
    report = import_file(ws, path)
    out("".join(safe_line(line) + "\n" for line in report.lines()))
    return 0
