"""``reader annotate``: highlight and tag a passage from a script."""

from __future__ import annotations

import argparse
from typing import Any

from reader.cli._common import out, workspace
from reader.errors import UsageError


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    from reader.choices import VIEWS

    p = sub.add_parser("annotate", parents=[common], help="highlight and tag a passage")
    p.add_argument("article", metavar="ARTICLE")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--quote", help="the passage, typed in any script")
    where.add_argument("--start", type=int, help="start offset (code points, in --view's text)")
    p.add_argument("--end", type=int, help="end offset (with --start)")
    p.add_argument("--occurrence", type=int, metavar="N", help="which match of --quote (1 = first)")
    p.add_argument("--tag", action="append", required=True, metavar="TAG", help="a tag (repeatable)")
    p.add_argument("--note", default="", help="a note")
    p.add_argument("--color", default="", help="colour name or #rrggbb (default: the tag's colour)")
    p.add_argument(
        "--view", default="original", choices=VIEWS, metavar="VIEW", help="view the offsets refer to"
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from reader.colors import check_color

    ws = workspace(args)
    article = ws.load(ws.library.resolve(args.article))
    color = check_color(args.color)
    if args.quote is not None:
        if args.end is not None:
            raise UsageError("--end goes with --start, not with --quote")
        matches = ws.find(article, args.quote)
        if not matches:
            raise UsageError(f"quote {args.quote!r} not found in {article.info.id} (in any script)")
        if args.occurrence is None:
            if len(matches) > 1:
                raise UsageError(
                    f"quote {args.quote!r} occurs {len(matches)} times in {article.info.id}; "
                    f"pass --occurrence N (1–{len(matches)})"
                )
            start, end = matches[0]
        else:
            if not 1 <= args.occurrence <= len(matches):
                raise UsageError(
                    f"--occurrence {args.occurrence} is out of range: "
                    f"{args.quote!r} occurs {len(matches)} time(s)"
                )
            start, end = matches[args.occurrence - 1]
    else:
        if args.end is None:
            raise UsageError("--start needs --end")
        if args.occurrence is not None:
            raise UsageError("--occurrence goes with --quote")
        start, end = _offsets(ws, article, args.view, args.start, args.end)
    annotation = ws.annotate(article, start, end, tags=args.tag, note=args.note, color=color, view=args.view)
    out(annotation.id + "\n")
    return 0


def _offsets(ws: Any, article: Any, view_name: str, start: int, end: int) -> tuple[int, int]:
    """``start``..``end`` in ``view_name``'s text as offsets into the original (UsageError if out of it).
    The original view is the article's own text: nothing is converted (nor imported to convert)."""
    view = None if view_name == "original" else ws.view(article, view_name)
    length = len(article.text if view is None else view.text)
    if not 0 <= start < end <= length:
        raise UsageError(
            f"--start {start} --end {end} is not a passage of {article.info.id} "
            f"({length} characters in the {view_name} view)"
        )
    return (start, end) if view is None else view.offsets.range_to_original(start, end)
