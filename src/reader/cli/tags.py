"""``reader tags``: the codebook from a script."""

from __future__ import annotations

import argparse
from typing import Any

from reader.cli._common import Parser, out, out_json, warn, workspace
from reader.errors import ReaderError
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
    t_conflicts = tag_actions.add_parser(
        "conflicts",
        parents=[common],
        help="codebook changes two coders made at once whose order matters (docs/TEAMS.md)",
    )
    t_conflicts.add_argument("--json", action="store_true", help="print JSON instead of a list")
    t_settle = tag_actions.add_parser(
        "settle", parents=[common], help="settle a codebook conflict: keep one side, or mark it fixed"
    )
    t_settle.add_argument(
        "key", metavar="KEY", help="the conflict's key, as `reader tags conflicts` lists it"
    )
    t_settle.add_argument("--keep", metavar="VALUE", help="the name or value to keep (one of the two)")


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
    if action == "conflicts":
        return _print_conflicts(ws, as_json=args.json)
    if action == "settle":
        conflict = codebook.settle(args.key, args.keep)
        kept = f": kept {safe_line(args.keep)}" if args.keep is not None else ""
        out(f"settled {conflict.key}{kept} ({safe_line(conflict.describe(), 300)})\n")
        return 0
    try:
        codebook.catch_up()  # others' renames reach this coder's annotations before they are counted
    except ReaderError as exc:  # locked or damaged: list what there is, and say why
        warn(f"others' codebook changes were not applied to your annotations: {exc}")
    code = _print_codebook(ws, as_json=args.json)
    conflicts = codebook.conflicts()
    if conflicts:
        warn(f"{len(conflicts)} codebook conflict(s) between coders: `reader tags conflicts` lists them")
    return code


def _print_conflicts(ws: Any, *, as_json: bool) -> int:
    conflicts = ws.codebook.conflicts()
    if as_json:
        out_json(
            [
                {
                    "key": c.key,
                    "kind": c.kind,
                    "description": c.describe(),
                    "choices": c.choices(),
                    "operations": [c.first.to_json(), c.second.to_json()],
                }
                for c in conflicts
            ]
        )
        return 0
    if not conflicts:
        out("no codebook conflicts\n")
        return 0
    for c in conflicts:
        choices = " | ".join(safe_line(choice) for choice in c.choices())
        how = (
            f"reader tags settle {c.key} --keep ({choices})"
            if choices
            else f"fix by hand, then: reader tags settle {c.key}"
        )
        out(f"{c.key}  {safe_line(c.describe(), 300)}\n        {how}\n")
    return 0


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
