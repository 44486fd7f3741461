"""``reader add``: saved web pages, EPUB, DOCX and PDF files become clean ``.txt`` articles."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from reader.cli._common import out


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "add",
        parents=[common],
        help="add web pages, EPUB, DOCX or PDF files as articles",
        description="Extract the article of each file (or of every supported file under each folder: "
        ".html .htm .mhtml .epub .docx .pdf) into the articles folder as NAME.txt, with NAME.meta.json "
        "(source, URL, site, author, date, extraction tool) and the original kept as NAME.source.EXT. "
        "Nothing is ever overwritten; a source added before is skipped.",
    )
    p.add_argument("paths", nargs="+", metavar="FILE_OR_FOLDER")
    p.add_argument("--json", action="store_true", help="one JSON object per source")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from reader.ingest import add_paths
    from reader.sanitise import safe_json_text, safe_line
    from reader.workspace import Paths

    root = Paths.resolve(args.articles, args.db).articles
    results = add_paths([Path(p) for p in args.paths], root)
    failed = 0
    for r in results:
        if r.status == "error":
            failed += 1
        if args.json:
            record = {
                "source": str(r.source),
                "status": r.status,
                "article": r.article_id,
                "message": r.message,
            }
            out(safe_json_text(json.dumps(record, ensure_ascii=False)) + "\n")
        elif r.status == "error":
            print(f"reader: error: {safe_line(r.message, 1000)}", file=sys.stderr)
        else:
            detail = f"{r.article_id}  ({r.message})"
            out(f"{r.status:<9} {safe_line(str(r.source))} -> {safe_line(detail)}\n")
    added = sum(r.status == "added" for r in results)
    print(f"{added} added, {len(results) - added - failed} already there, {failed} failed", file=sys.stderr)
    return 2 if failed else 0
