"""Command line: ``reader`` opens the app; sub-commands are the scripting face of the same core.

Every user mistake ends as one line on stderr and exit code 2 (never a traceback); problems with the
database or the environment end as one line and exit code 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from reader import __version__
from reader.errors import ArticleError, ReaderError, UsageError

EXIT_USAGE = 2
EXIT_FAILURE = 1


class _Parser(argparse.ArgumentParser):
    """argparse, but misuse is one line (what is wrong and where to look), exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    from reader.convert import VIEWS
    from reader.export import FORMATS

    parser = _Parser(
        prog="reader",
        description="Read and annotate Chinese articles in the terminal. With no command, opens the reader.",
    )
    parser.add_argument("--version", action="version", version=f"reader {__version__}")
    articles_help = "articles folder (default: $READER_ARTICLES or ./seeds)"
    db_help = "annotation database folder (default: $READER_DB or ./annotations)"
    parser.add_argument("--articles", metavar="DIR", help=articles_help)
    parser.add_argument("--db", metavar="PATH", help=db_help)
    # Sub-commands accept the same options after their name; SUPPRESS keeps a value given before it.
    common = _Parser(add_help=False)
    common.add_argument("--articles", metavar="DIR", default=argparse.SUPPRESS, help=articles_help)
    common.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help=db_help)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p_list = sub.add_parser("list", parents=[common], help="list the articles")
    p_list.add_argument("--json", action="store_true", help="print JSON instead of a table")

    p_convert = sub.add_parser("convert", parents=[common], help="print an article or file in a script view")
    p_convert.add_argument("source", metavar="ARTICLE_OR_FILE")
    p_convert.add_argument(
        "--to", required=True, choices=VIEWS, metavar="VIEW", help=f"one of {', '.join(VIEWS)}"
    )

    p_annotate = sub.add_parser("annotate", parents=[common], help="highlight and tag a passage")
    p_annotate.add_argument("article", metavar="ARTICLE")
    where = p_annotate.add_mutually_exclusive_group(required=True)
    where.add_argument("--quote", help="the passage, typed in any script")
    where.add_argument("--start", type=int, help="start offset (code points, in --view's text)")
    p_annotate.add_argument("--end", type=int, help="end offset (with --start)")
    p_annotate.add_argument("--occurrence", type=int, metavar="N", help="which match of --quote (1 = first)")
    p_annotate.add_argument("--tag", action="append", required=True, metavar="TAG", help="a tag (repeatable)")
    p_annotate.add_argument("--note", default="", help="a note")
    p_annotate.add_argument("--color", default="", help="colour name or #rrggbb (default: the tag's colour)")
    p_annotate.add_argument(
        "--view", default="original", choices=VIEWS, metavar="VIEW", help="view the offsets refer to"
    )

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

    p_import = sub.add_parser(
        "import",
        parents=[common],
        help="import a json or w3c export",
        description="Import annotations from a `reader export --format json|w3c` file. All or nothing; "
        "importing the same file twice changes nothing.",
    )
    p_import.add_argument("file", metavar="FILE")

    p_tags = sub.add_parser(
        "tags",
        parents=[common],
        help="the codebook: every tag with colour and counts; rename, merge, delete, colour",
        description="With no action, print every tag (sub-tags `a/b` indented under `a`) with its colour, "
        "passages and articles (counts include sub-tags) and description.",
    )
    p_tags.add_argument("--json", action="store_true", help="print JSON instead of a table")
    tag_actions = p_tags.add_subparsers(dest="tags_action", metavar="ACTION", parser_class=_Parser)
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

    p_search = sub.add_parser(
        "search",
        parents=[common],
        help="search every article, in any script",
        description="Print every match as `ARTICLE:START-END  …before[match]after…` (offsets are code "
        "points into the original text), as it is found. 数据 finds 數據, 软件 finds 軟體 and the reverse. "
        "With --json, one JSON object per line (JSON Lines), also streamed.",
    )
    p_search.add_argument("query", metavar="QUERY")
    p_search.add_argument("--json", action="store_true", help="JSON Lines: one object per match")
    p_search.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="TAG",
        help="only matches inside a passage with this tag or a sub-tag (repeatable: any of them)",
    )
    p_search.add_argument(
        "--view", default="original", choices=VIEWS, metavar="VIEW", help="script of the printed context"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        from reader.convert import check_opencc

        check_opencc()
        return _dispatch(args)
    except (UsageError, ArticleError) as exc:
        _fail(str(exc))
        return EXIT_USAGE
    except ReaderError as exc:
        _fail(str(exc))
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def _fail(message: str) -> None:
    from reader.sanitise import safe_line

    print(f"reader: error: {safe_line(message, 1000)}", file=sys.stderr)


def _workspace(args: argparse.Namespace):
    from reader.workspace import Paths, Workspace

    paths = Paths.resolve(args.articles, args.db)
    if not paths.articles.is_dir():
        raise UsageError(
            f"articles folder not found: {paths.articles} "
            "(run from the project folder or pass --articles DIR)"
        )
    return Workspace(paths.articles, paths.db)


def _dispatch(args: argparse.Namespace) -> int:
    if args.command is None:
        return _run_app(args)
    handler = {
        "list": _cmd_list,
        "convert": _cmd_convert,
        "annotate": _cmd_annotate,
        "export": _cmd_export,
        "import": _cmd_import,
        "tags": _cmd_tags,
        "search": _cmd_search,
    }
    return handler[args.command](args)


def _run_app(args: argparse.Namespace) -> int:
    workspace = _workspace(args)
    from reader.app import ReaderApp

    ReaderApp(workspace).run()
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    from rich.cells import cell_len

    workspace = _workspace(args)
    counts = workspace.store.counts()
    rows = [
        {
            "id": info.id,
            "title": info.title,
            "script": info.script,
            "chars": info.chars,
            "chars_exact": info.chars_exact,
            "annotations": counts.get(info.id, 0),
            "error": info.error,
        }
        for info in workspace.articles()
    ]
    if args.json:
        _out(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return 0
    id_width = max([cell_len(r["id"]) for r in rows] + [2])
    lines = [f"{'ID'.ljust(id_width)}  {'SCRIPT':<11} {'CHARS':>8} {'NOTES':>5}  TITLE"]
    for r in rows:
        chars = f"{'' if r['chars_exact'] else '~'}{r['chars']}"
        title = f"[error] {r['error']}" if r["error"] else r["title"]
        lines.append(
            f"{r['id']}{' ' * (id_width - cell_len(r['id']))}  {r['script'] or '-':<11} {chars:>8} "
            f"{r['annotations']:>5}  {title}"
        )
    _out("\n".join(lines) + "\n")
    return 0


def _cmd_convert(args: argparse.Namespace) -> int:
    """An article of the library, else any file; needs no database."""
    from reader.articles import Library, load_file
    from reader.convert import Converter
    from reader.workspace import Paths

    root = Paths.resolve(args.articles, args.db).articles
    article = None
    if root.is_dir():
        library = Library(root)
        try:
            article = library.load(library.resolve(args.source))
        except UsageError:
            article = None
    if article is None:
        if not Path(args.source).is_file():
            raise UsageError(f"no article or file {args.source!r} (not an id in {root}, not a file)")
        article = load_file(Path(args.source))
    _out(Converter().view(article, args.to).text)
    return 0


def _cmd_annotate(args: argparse.Namespace) -> int:
    from reader.colors import check_color

    workspace = _workspace(args)
    article = workspace.load(workspace.library.resolve(args.article))
    color = check_color(args.color)
    if args.quote is not None:
        if args.end is not None:
            raise UsageError("--end goes with --start, not with --quote")
        matches = workspace.find(article, args.quote)
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
        view = workspace.view(article, args.view)
        if not 0 <= args.start < args.end <= len(view.text):
            raise UsageError(
                f"--start {args.start} --end {args.end} is not a passage of {article.info.id} "
                f"({len(view.text)} characters in the {args.view} view)"
            )
        start, end = view.offsets.range_to_original(args.start, args.end)
    annotation = workspace.annotate(
        article, start, end, tags=args.tag, note=args.note, color=color, view=args.view
    )
    _out(annotation.id + "\n")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from reader.export import build_export, render_bytes, write_atomically

    if args.output:
        target = Path(args.output)
        if target.is_dir():
            raise UsageError(f"cannot write {target}: it is a folder; give a file name with -o")
        if not (target.parent if str(target.parent) else Path(".")).is_dir():
            raise UsageError(f"cannot write {target}: folder {target.parent} does not exist")
    workspace = _workspace(args)
    data = build_export(workspace, args.view, tags=args.tag, article_ids=args.article)
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


def _cmd_import(args: argparse.Namespace) -> int:
    from reader.importer import import_file

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"cannot import {path}: {'it is a folder' if path.is_dir() else 'no such file'}")
    workspace = _workspace(args)
    report = import_file(workspace, path)
    _out("\n".join(report.lines()) + "\n")
    return 0


def _cmd_tags(args: argparse.Namespace) -> int:
    from rich.cells import cell_len

    workspace = _workspace(args)
    codebook = workspace.codebook
    action = args.tags_action
    if action == "rename":
        changed = codebook.rename(args.old, args.new)
        _out(f"renamed {args.old} to {args.new}: {changed} annotation(s) changed\n")
        return 0
    if action == "merge":
        changed = codebook.merge(args.source, args.target)
        _out(f"merged {args.source} into {args.target}: {changed} annotation(s) changed\n")
        return 0
    if action == "delete":
        deleted = codebook.delete(args.tag)
        _out(f"deleted {args.tag}: removed from {deleted.count} annotation(s) (the annotations are kept)\n")
        return 0
    if action == "color":
        codebook.set_color(args.tag, args.color)
        _out(f"{args.tag}: colour {codebook.color_of(args.tag)}\n")
        return 0
    if action == "describe":
        codebook.set_description(args.tag, args.description)
        return 0
    if action == "create":
        codebook.create(args.tag, args.color, args.description)
        return 0
    infos = codebook.tags()
    if args.json:
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
        _out(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return 0
    if not infos:
        _out("no tags yet\n")
        return 0
    labels = ["  " * t.name.count("/") + t.name.rsplit("/", 1)[-1] for t in infos]
    width = max([cell_len(label) for label in labels] + [3])
    lines = [f"{'TAG'}{' ' * (width - 3)}  {'COLOUR':<8} {'PASSAGES':>8} {'ARTICLES':>8}  DESCRIPTION"]
    for t, label in zip(infos, labels, strict=True):
        lines.append(
            f"{label}{' ' * (width - cell_len(label))}  {t.color:<8} {t.passages:>8} {t.articles:>8}  "
            f"{t.description}"
        )
    _out("\n".join(line.rstrip() for line in lines) + "\n")
    return 0


def _cmd_search(args: argparse.Namespace) -> int:

    from reader.search import CorpusSearch

    if not args.query.strip():
        raise UsageError("the search query is empty")
    workspace = _workspace(args)
    search = CorpusSearch(workspace)
    matches = 0
    articles: set[str] = set()
    write = sys.stdout.write
    for hit in search.search(args.query, tags=args.tag, view=args.view):
        if hit.article_id not in articles:
            sys.stdout.flush()  # stream: everything found so far is out before the next article
            articles.add(hit.article_id)
        matches += 1
        if args.json:
            write(json.dumps(hit._asdict(), ensure_ascii=False) + "\n")
        else:
            tags = "  " + " ".join(f"#{t}" for t in hit.tags) if hit.tags else ""
            write(f"{hit.article_id}:{hit.start}-{hit.end}  …{hit.before}[{hit.match}]{hit.after}…{tags}\n")
    sys.stdout.flush()
    print(f"{matches} match(es) in {len(articles)} article(s)", file=sys.stderr)
    return 0


def _out(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
