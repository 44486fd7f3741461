"""Team work from the command line: ``reader sync``, ``reader coders``, ``reader coded``, ``reader merge``.

See docs/TEAMS.md for the layout, the codebook's merge rule and the sync protocol.
"""

from __future__ import annotations

import argparse
from typing import Any

from reader.cli._common import Parser, info, out, out_json, workspace
from reader.sanitise import safe_line


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    _add_sync_parser(sub, common)
    _add_coders_parser(sub, common)
    _add_coded_parser(sub, common)
    _add_merge_parser(sub, common)


def _add_sync_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p_sync = sub.add_parser(
        "sync",
        parents=[common],
        help="share your annotations through git: commit yours, fetch, merge, push",
        description="Commit this coder's folder, fetch the remote, merge it (only if it merges cleanly: "
        "otherwise nothing changes and the files are named), apply others' codebook changes to your "
        "annotations, and push. Uses your git and its remote (docs/TEAMS.md).",
    )
    p_sync.add_argument(
        "--remote", metavar="NAME", help="the git remote (default: the branch's, else origin)"
    )
    p_sync.add_argument("--no-push", action="store_true", help="commit, fetch and merge, but do not push")
    p_sync.add_argument("--json", action="store_true", help="what was done, as JSON")
    p_sync.set_defaults(run=run_sync)


def _add_coders_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p_coders = sub.add_parser(
        "coders",
        parents=[common],
        help="the coders of this database: who you are, everyone's annotations",
        description="Every coder with a folder here, with their annotations and the articles they "
        "marked coded; you first.",
    )
    p_coders.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p_coders.set_defaults(run=run_coders)


def _add_coded_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p_coded = sub.add_parser(
        "coded",
        parents=[common],
        help="mark articles as coded by you (blind coding shows others' work after it)",
        description="Mark articles as finished by you (or, with --undo, not). Agreement compares the "
        "articles every compared coder marked coded, when there are such marks.",
    )
    p_coded.add_argument("article", nargs="*", metavar="ARTICLE", help="article ids or paths")
    p_coded.add_argument("--undo", action="store_true", help="unmark them")
    p_coded.add_argument("--json", action="store_true", help="print the marks as JSON")
    p_coded.set_defaults(run=run_coded)


def _add_merge_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """``reader merge`` and its action ``reader merge decide``."""
    p_merge = sub.add_parser(
        "merge",
        parents=[common],
        help="make an agreed version from several coders' annotations",
        description="With no action: codings every coder made alike are merged into the agreed version, "
        "and the differences are listed, each with a key. `reader merge decide KEY --take CODER` (or --all, "
        "--none) records the team's decision, with who made it.",
    )
    p_merge.add_argument(
        "--coders", nargs="+", default=[], metavar="CODER", help="only these coders (default: everyone)"
    )
    p_merge.add_argument("--article", action="append", default=[], metavar="ID", help="only this article")
    p_merge.add_argument("--json", action="store_true", help="print JSON instead of a list")
    p_merge.set_defaults(run=run_merge)
    actions = p_merge.add_subparsers(dest="merge_action", metavar="ACTION", parser_class=Parser)
    p_decide = actions.add_parser("decide", parents=[common], help="decide one difference")
    p_decide.add_argument("item", metavar="KEY", help="the difference's key, as `reader merge` lists it")
    choice = p_decide.add_mutually_exclusive_group(required=True)
    choice.add_argument("--take", metavar="CODER", help="that coder's annotations of this passage")
    choice.add_argument("--all", action="store_true", help="every coder's annotations of it")
    choice.add_argument("--none", action="store_true", help="none: nothing there in the agreed version")
    p_decide.add_argument("--note", default="", help="why (kept with the decision)")
    p_decide.add_argument(
        "--coders",
        nargs="+",
        default=[],
        metavar="CODER",
        help="the coders the merge compares (as for `reader merge`)",
    )
    p_decide.set_defaults(run=run_merge)


def run_sync(args: argparse.Namespace) -> int:
    from reader.sync import sync

    ws = workspace(args)
    report = sync(
        ws, remote=args.remote, push=not args.no_push, progress=lambda step: info(f"reader: {step}")
    )
    if args.json:
        out_json(
            {
                "repository": str(report.repository),
                "branch": report.branch,
                "remote": report.remote,
                "committed": report.committed,
                "merged": report.merged,
                "pushed": report.pushed,
                "codebook_applied": report.codebook_applied,
                "annotations_retagged": report.retagged,
                "notices": report.notices,
                "codebook_conflicts": report.conflicts,
            }
        )
    else:
        out("\n".join(report.lines()) + "\n")
    return 0


def run_coders(args: argparse.Namespace) -> int:
    from reader.team import coders_overview

    ws = workspace(args)
    rows = coders_overview(ws)
    if args.json:
        out_json({"you": ws.coder, "coders": rows})
        return 0
    out(f"{'annotations':>11} {'articles':>8} {'coded':>5}  coder\n")
    for row in rows:
        mark = "  (you)" if row["you"] else ""
        out(
            f"{row['annotations']:>11} {row['articles']:>8} {len(row['coded']):>5}  "
            f"{safe_line(row['coder'], 80)}{mark}\n"
        )
    return 0


def run_coded(args: argparse.Namespace) -> int:
    from reader.team import CodedMarks

    ws = workspace(args)
    marks = CodedMarks(ws.store)
    ids = [ws.library.resolve(a) for a in args.article]
    if ids:
        marks.mark(ids, done=not args.undo)
    mine = marks.of(ws.coder)
    if args.json:
        out_json({"coder": ws.coder, "coded": sorted(mine)})
    elif ids:
        verb = "unmarked" if args.undo else "marked"
        info(f"{verb} {len(ids)} article(s); {len(mine)} coded by {safe_line(ws.coder)}")
    else:
        out("".join(f"{safe_line(a, 200)}\n" for a in sorted(mine)))
    return 0


def run_merge(args: argparse.Namespace) -> int:
    from reader.merging import Merger

    ws = workspace(args)
    merger = Merger(ws, coders=args.coders or None)
    if getattr(args, "merge_action", None) == "decide":
        choice = f"take:{args.take}" if args.take else "all" if args.all else "none"
        decision = merger.decide(args.item, choice, note=args.note)
        info(
            f"decided {decision.item}: {decision.describe()} "
            f"({len(decision.annotations)} annotation(s) agreed)"
        )
        return 0
    articles = [ws.library.resolve(a) for a in args.article]
    result = merger.merge(articles=articles or None)
    if args.json:
        out_json(result.to_dict())
        return 0
    out("\n".join(safe_line(line, 2000) for line in result.lines()) + "\n")
    return 0
