"""``reader search``: every article, in any script, streamed."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from reader.cli._common import info, json_text, workspace
from reader.errors import UsageError
from reader.sanitise import safe_line


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    from reader.convert import VIEWS

    p = sub.add_parser(
        "search",
        parents=[common],
        help="search every article, in any script",
        description="Print every match as `ARTICLE:START-END  …before[match]after…` (offsets are code "
        "points into the original text), as it is found. 数据 finds 數據, 软件 finds 軟體 and the reverse. "
        "With --json, one JSON object per line (JSON Lines), also streamed.",
    )
    p.add_argument("query", metavar="QUERY")
    p.add_argument("--json", action="store_true", help="JSON Lines: one object per match")
    p.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="TAG",
        help="only matches inside a passage with this tag or a sub-tag (repeatable: any of them)",
    )
    p.add_argument(
        "--view", default="original", choices=VIEWS, metavar="VIEW", help="script of the printed context"
    )
    p.add_argument(
        "--word",
        action="store_true",
        help="whole words only: 数据 does not match inside 大数据 (words as the app splits them)",
    )
    p.add_argument(
        "--body-only",
        action="store_true",
        help="only matches in the article's body (not in menus, footers, captions or appended articles)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from reader.search import CorpusSearch

    if not args.query.strip():
        raise UsageError("the search query is empty")
    ws = workspace(args)
    search = CorpusSearch(ws)
    matches = 0
    articles: set[str] = set()
    write = sys.stdout.write
    keep = _body_filter(args, ws) if args.body_only else None
    for hit in search.search(args.query, tags=args.tag, view=args.view, whole_words=args.word):
        if keep is not None and not keep(hit.article_id, hit.start, hit.end):
            continue
        if hit.article_id not in articles:
            sys.stdout.flush()  # stream: everything found so far is out before the next article
            articles.add(hit.article_id)
        matches += 1
        if args.json:
            write(json_text(hit._asdict(), indent=None) + "\n")
        else:
            # everything in a result is data: one line, controls shown as symbols
            tags = "  " + " ".join(f"#{safe_line(t)}" for t in hit.tags) if hit.tags else ""
            write(
                f"{safe_line(hit.article_id)}:{hit.start}-{hit.end}  "
                f"…{safe_line(hit.before)}[{safe_line(hit.match)}]{safe_line(hit.after)}…{tags}\n"
            )
    sys.stdout.flush()
    info(f"{matches} match(es) in {len(articles)} article(s)")
    return 0


def _body_filter(args: argparse.Namespace, ws: Any) -> Any:
    from reader.analysis import Analyser, BodyFilter
    from reader.workspace import Paths

    return BodyFilter(Analyser(ws.library, Paths.resolve(args.articles, args.db).db)).keep
