"""``reader overrides``: the user's corrections to the script views (add, list, remove).

An override says "in this view, write SOURCE as TARGET" (干預 stays 干預 in 臺灣; 发 is 髮 in 头发),
for the whole corpus or, with ``--article``, for one article. ``reader convert``, search, export and the
app all apply them (``reader.convert.overrides``).
"""

from __future__ import annotations

import argparse
from typing import Any

from reader.cli._common import Parser, out, out_json


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    from reader.convert.overrides import TARGET_VIEWS

    views = ", ".join(TARGET_VIEWS)
    p = sub.add_parser(
        "overrides",
        parents=[common],
        help="corrections to the script views: how a phrase is written in a view",
        description="With no action, list the overrides. An override applies to one view, for the whole "
        "corpus or (--article) one article; an article's own override wins over the corpus'.",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(run=run)
    actions = p.add_subparsers(dest="overrides_action", metavar="ACTION", parser_class=Parser)
    add = actions.add_parser("add", parents=[common], help="write SOURCE as TARGET in a view")
    add.add_argument("source", metavar="SOURCE", help="the phrase as the article writes it")
    add.add_argument("target", metavar="TARGET", help="how the view should write it")
    add.add_argument("--view", required=True, choices=TARGET_VIEWS, metavar="VIEW", help=f"one of {views}")
    add.add_argument("--article", default="", help="only in this article (id or file path)")
    lst = actions.add_parser("list", parents=[common], help="list the overrides")
    lst.add_argument("--json", action="store_true", help="print JSON instead of a table")
    remove = actions.add_parser("remove", parents=[common], help="remove an override")
    remove.add_argument("source", metavar="SOURCE")
    remove.add_argument("--view", required=True, choices=TARGET_VIEWS, metavar="VIEW", help=f"one of {views}")
    remove.add_argument("--article", default="", help="the article the override is for, if any")


def run(args: argparse.Namespace) -> int:
    from reader.cli._common import workspace
    from reader.convert import check_override
    from reader.sanitise import safe_line

    ws = workspace(args)
    overrides = ws.converter.overrides
    action = args.overrides_action
    article = ws.library.resolve(args.article) if getattr(args, "article", "") else ""
    where = f" in article {safe_line(article)}" if article else " in every article"
    if action == "add":
        added = overrides.add(check_override(args.view, args.source, args.target, article))
        out(f"{safe_line(added.source)} -> {safe_line(added.target)} in the {added.view} view{where}\n")
        return 0
    if action == "remove":
        removed = overrides.remove(args.view, args.source, article)
        out(f"removed {safe_line(removed.source)} -> {safe_line(removed.target)} ({removed.view}){where}\n")
        return 0
    items = overrides.all()
    if args.json:
        out_json([o.to_json() for o in items])
        return 0
    if not items:
        out("no overrides (add one with `reader overrides add SOURCE TARGET --view VIEW`)\n")
        return 0
    lines = [f"{'VIEW':<12}{'SOURCE':<12}{'TARGET':<12}ARTICLE"]
    for o in items:
        lines.append(
            f"{o.view:<12}{_pad(safe_line(o.source, 40), 12)}{_pad(safe_line(o.target, 40), 12)}"
            f"{safe_line(o.article) or '(all)'}"
        )
    out("\n".join(lines) + "\n")
    return 0


def _pad(text: str, width: int) -> str:
    from rich.cells import cell_len

    return text + " " * max(1, width - cell_len(text))
