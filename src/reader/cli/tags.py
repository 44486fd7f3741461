"""``reader tags``: the codebook from a script."""

from __future__ import annotations

import argparse
from typing import Any

from reader.cli._common import Parser, out, out_json, warn, workspace
from reader.sanitise import safe_line


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p_tags = sub.add_parser(
        "tags",
        parents=[common],
        help="the codebook: every tag with colour and counts; rename, merge, delete, colour",
        description="With no action, print every tag (sub-tags `a/b` indented under `a`) with its colour, "
        "passages and articles (counts include sub-tags) and description.",
    )
    p_tags.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p_tags.set_defaults(run=run)
    tag_actions = p_tags.add_subparsers(dest="tags_action", metavar="ACTION", parser_class=Parser)
    t_rename = tag_actions.add_parser("rename", parents=[common], help="rename a tag (and its sub-tags)")
    t_rename.add_argument("old", metavar="OLD")
    t_rename.add_argument("new", metavar="NEW")
    t_merge = tag_actions.add_parser("merge", parents=[common], help="merge one tag into another")
    t_merge.add_argument("source", metavar="FROM")
    t_merge.add_argument("target", metavar="INTO")
    t_delete = tag_actions.add_parser(
        "delete", parents=[common], help="remove a tag (and its sub-tags) from every annotation"
    )
    t_delete.add_argument("tag", metavar="TAG")
    t_color = tag_actions.add_parser("color", parents=[common], help="set a tag's colour")
    t_color.add_argument("tag", metavar="TAG")
    t_color.add_argument("color", metavar="COLOR", help="a colour name, #rrggbb, or '' to reset")
    t_describe = tag_actions.add_parser("describe", parents=[common], help="set a tag's description")
    t_describe.add_argument("tag", metavar="TAG")
    t_describe.add_argument("description", metavar="TEXT")
    t_create = tag_actions.add_parser("create", parents=[common], help="add a tag to the codebook")
    t_create.add_argument("tag", metavar="TAG")
    t_create.add_argument("--color", default="", help="a colour name or #rrggbb")
    t_create.add_argument("--description", default="", help="what the tag means")


def run(args: argparse.Namespace) -> int:
    ws = workspace(args)
    codebook = ws.codebook
    action = args.tags_action
    if action == "rename":
        changed = codebook.rename(args.old, args.new)
        out(f"renamed {safe_line(args.old)} to {safe_line(args.new)}: {changed} annotation(s) changed\n")
        return 0
    if action == "merge":
        changed = codebook.merge(args.source, args.target)
        source, target = safe_line(args.source), safe_line(args.target)
        out(f"merged {source} into {target}: {changed} annotation(s) changed\n")
        return 0
    if action == "delete":
        deleted = codebook.delete(args.tag)
        out(
            f"deleted {safe_line(args.tag)}: removed from {deleted.count} annotation(s) "
            "(the annotations are kept)\n"
        )
        return 0
    if action == "color":
        codebook.set_color(args.tag, args.color)
        out(f"{safe_line(args.tag)}: colour {safe_line(codebook.color_of(args.tag))}\n")
        return 0
    if action == "describe":
        codebook.set_description(args.tag, args.description)
        return 0
    if action == "create":
        codebook.create(args.tag, args.color, args.description)
        return 0
    return _print_codebook(ws, as_json=args.json)


def _print_codebook(ws: Any, *, as_json: bool) -> int:
    from rich.cells import cell_len

    infos = ws.codebook.tags()
    for problem in [ws.codebook.problem, *ws.store.problems()]:
        if problem:
            warn(problem)
    if as_json:
        rows = [
            {
                "name": t.name,
                "color": t.color,
                "description": t.description,
                "passages": t.passages,
                "articles": t.articles,
                "own_passages": t.own_passages,
            }
            for t in infos
        ]
        out_json(rows)
        return 0
    if not infos:
        out("no tags yet\n")
        return 0
    labels = ["  " * t.name.count("/") + safe_line(t.name.rsplit("/", 1)[-1]) for t in infos]
    width = max([cell_len(label) for label in labels] + [3])
    lines = [f"{'TAG'}{' ' * (width - 3)}  {'COLOUR':<8} {'PASSAGES':>8} {'ARTICLES':>8}  DESCRIPTION"]
    for t, label in zip(infos, labels, strict=True):
        lines.append(
            f"{label}{' ' * (width - cell_len(label))}  {safe_line(t.color):<8} {t.passages:>8} "
            f"{t.articles:>8}  {safe_line(t.description)}"
        )
    out("\n".join(line.rstrip() for line in lines) + "\n")
    return 0
