"""``reader export`` and ``reader import``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from reader.cli._common import out, workspace
from reader.errors import UsageError


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    from reader.convert import VIEWS
    from reader.export import FORMATS

    p_export = sub.add_parser(
        "export",
        parents=[common],
        help="export annotations (json, w3c, csv, md)",
        description="Export annotations. Filters combine: tags are OR, articles are OR, the two are AND.",
    )
    p_export.add_argument(
        "--format",
        default="json",
        choices=FORMATS,
        help="json (reader's own, re-importable), w3c (Web Annotation JSON-LD, re-importable), "
        "csv (UTF-8 with BOM), md (Markdown)",
    )
    p_export.add_argument(
        "--view", default="original", choices=VIEWS, metavar="VIEW", help="script of the passage text"
    )
    p_export.add_argument(
        "--tag", action="append", default=[], metavar="TAG", help="only passages with this tag (repeatable)"
    )
    p_export.add_argument(
        "--article", action="append", default=[], metavar="ID", help="only this article (repeatable)"
    )
    p_export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p_export.set_defaults(run=run_export)

    p_import = sub.add_parser(
        "import",
        parents=[common],
        help="import a json or w3c export",
        description="Import annotations from a `reader export --format json|w3c` file. All or nothing; "
        "importing the same file twice changes nothing.",
    )
    p_import.add_argument("file", metavar="FILE")
    p_import.set_defaults(run=run_import)


def run_export(args: argparse.Namespace) -> int:
    from reader.export import build_export, render_bytes, write_atomically

    if args.output:
        target = Path(args.output)
        if target.is_dir():
            raise UsageError(f"cannot write {target}: it is a folder; give a file name with -o")
        if not (target.parent if str(target.parent) else Path(".")).is_dir():
            raise UsageError(f"cannot write {target}: folder {target.parent} does not exist")
    ws = workspace(args)
    data = build_export(ws, args.view, tags=args.tag, article_ids=args.article)
    payload = render_bytes(data, args.format)
    if args.output:
        write_atomically(Path(args.output), payload)
        print(f"exported {len(data['annotations'])} annotations to {args.output}", file=sys.stderr)
    else:
        # bytes, so the output is UTF-8 whatever the locale (and the CSV keeps its byte-order mark)
        sys.stdout.flush()
        sys.stdout.buffer.write(payload)
        sys.stdout.buffer.flush()
    return 0


def run_import(args: argparse.Namespace) -> int:
    from reader.importer import import_file

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"cannot import {path}: {'it is a folder' if path.is_dir() else 'no such file'}")
    ws = workspace(args)
    report = import_file(ws, path)
    out("\n".join(report.lines()) + "\n")
    return 0
