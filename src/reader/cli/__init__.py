"""Command line: ``reader`` opens the app; sub-commands are the scripting face of the same core.

One module per command family (``library``, ``annotate``, ``exchange``, ``tags``, ``search``, ``gloss``,
``words``, ``agreement``); each has
``register(sub, common)``, which adds its parsers with ``set_defaults(run=...)``. A new command is a new
module listed in :data:`COMMAND_MODULES`.

Every user mistake ends as one line on stderr and exit code 2 (never a traceback); problems with the
database or the environment end as one line and exit code 1.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

from reader import __version__
from reader.cli._common import EXIT_FAILURE, EXIT_USAGE, Parser, fail
from reader.errors import ArticleError, ReaderError, UsageError

__all__ = ["EXIT_FAILURE", "EXIT_USAGE", "build_parser", "main"]

#: the modules of reader.cli that add sub-commands, in the order `reader --help` lists them
COMMAND_MODULES = ("library", "annotate", "exchange", "tags", "search", "gloss", "words", "agreement")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="reader",
        description="Read and annotate Chinese articles in the terminal. With no command, opens the reader.",
    )
    parser.add_argument("--version", action="version", version=f"reader {__version__}")
    articles_help = "articles folder (default: $READER_ARTICLES or ./seeds)"
    db_help = "annotation database folder (default: $READER_DB or ./annotations)"
    parser.add_argument("--articles", metavar="DIR", help=articles_help)
    parser.add_argument("--db", metavar="PATH", help=db_help)
    # Sub-commands accept the same options after their name; SUPPRESS keeps a value given before it.
    common = Parser(add_help=False)
    common.add_argument("--articles", metavar="DIR", default=argparse.SUPPRESS, help=articles_help)
    common.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help=db_help)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(f"reader.cli.{name}").register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        from reader.convert import check_opencc

        check_opencc()
        return _dispatch(args)
    except (UsageError, ArticleError) as exc:
        fail(str(exc))
        return EXIT_USAGE
    except ReaderError as exc:
        fail(str(exc))
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def _dispatch(args: argparse.Namespace) -> int:
    if args.command is None:
        return _run_app(args)
    run = args.run
    return int(run(args))


def _run_app(args: argparse.Namespace) -> int:
    from reader.cli._common import workspace

    ws = workspace(args)
    from reader.app import ReaderApp

    ReaderApp(ws).run()
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
