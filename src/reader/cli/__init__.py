"""Command line: ``reader`` opens the app; sub-commands are the scripting face of the same core.

One module per command family (``library``, ``annotate``, ``exchange``, ``tags``, ``search``, ``gloss``,
``words``, ``agreement``, ``add``, ``show``, ``config``); each has ``register(sub, common)``, which adds its
parsers with ``set_defaults(run=...)``. A new command is a new module listed in :data:`COMMAND_MODULES`
with the commands it adds. Only the module of the command being run is imported, and ``register`` imports
nothing heavy (choices come from small modules such as :mod:`reader.choices`): `reader annotate` is a
whole process per save, and most of its time is imports.

Exit codes are one rule (README, "Command line"): 0 success; 2 a user or data problem explained in one line
on stderr (a mistake, a bad or damaged file, a locked database, a broken environment; never a traceback);
1 only for a bug (an unexpected exception), one line saying where to report it (the traceback with
READER_DEBUG=1). Every output goes through the helpers of ``_common`` (terminal-safe, any encoding).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import re
import sys
from collections.abc import Sequence

from reader import __version__
from reader.cli._common import (
    BUG_REPORTS,
    EXIT_BUG,
    EXIT_OK,
    EXIT_USAGE,
    Parser,
    can_encode,
    configure_streams,
    fail,
    report_bug,
    report_escapes,
)
from reader.errors import ReaderError, UsageError
from reader.sanitise import safe_line

_NOT_UTF8 = re.compile("[\ud800-\udfff]")

__all__ = ["EXIT_BUG", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]

#: the modules of reader.cli that add sub-commands, in the order `reader --help` lists them, with the
#: commands each adds (a test checks this against what their ``register`` adds)
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "library": ("list", "convert"),
    "annotate": ("annotate",),
    "exchange": ("export", "import"),
    "tags": ("tags",),
    "search": ("search",),
    "gloss": ("gloss",),
    "words": ("words",),
    "agreement": ("agreement",),
    "team": ("sync", "coders", "coded", "merge"),
    "add": ("add",),
    "show": ("show", "correct"),
    "overrides": ("overrides",),
    "config": ("config",),
}
_MODULE_OF = {command: module for module, commands in COMMAND_MODULES.items() for command in commands}
#: the options of `reader` itself that take a value (the command's name is the first word after them)
_VALUE_OPTIONS = ("--articles", "--db", "--log", "--coder")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole parser; given the command line, only the named command's module is imported and added
    (importing every command's module costs more than a quick command's work: `reader annotate`)."""
    parser = Parser(
        prog="reader",
        description="Read and annotate Chinese articles in the terminal. With no command, opens the reader.",
    )
    parser.add_argument("--version", action="version", version=f"reader {__version__}")
    articles_help = "articles folder (default: $READER_ARTICLES or ./seeds)"
    db_help = "annotation database folder (default: $READER_DB or ./annotations)"
    parser.add_argument("--articles", metavar="DIR", help=articles_help)
    parser.add_argument("--db", metavar="PATH", help=db_help)
    log_help = "append a debug log to FILE (default: $READER_LOG, else no log)"
    parser.add_argument("--log", metavar="FILE", help=log_help)
    coder_help = "your name on what you annotate (default: $READER_CODER, else `reader config coder`)"
    parser.add_argument("--coder", metavar="NAME", help=coder_help)
    # Sub-commands accept the same options after their name; SUPPRESS keeps a value given before it.
    common = Parser(add_help=False)
    common.add_argument("--articles", metavar="DIR", default=argparse.SUPPRESS, help=articles_help)
    common.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help=db_help)
    common.add_argument("--log", metavar="FILE", default=argparse.SUPPRESS, help=log_help)
    common.add_argument("--coder", metavar="NAME", default=argparse.SUPPRESS, help=coder_help)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    named = None if argv is None else _MODULE_OF.get(_command_name(argv) or "")
    for name in COMMAND_MODULES if named is None else (named,):
        importlib.import_module(f"reader.cli.{name}").register(sub, common)
    return parser


def _command_name(argv: Sequence[str]) -> str | None:
    """The first word of ``argv`` that is neither an option of `reader` itself nor an option's value: the
    command's name, if there is one (argparse decides the rest, errors included)."""
    words = iter(argv)
    for word in words:
        if word == "--":
            return next(words, None)
        if not word.startswith("-") or word == "-":
            return word
        if "=" not in word and len(word) > 2 and any(o.startswith(word) for o in _VALUE_OPTIONS):
            next(words, None)  # its value (an abbreviation such as --art counts, as argparse allows it)
    return None


def run() -> int:
    """The ``reader`` program (its console script and ``python -m reader``): :func:`main`, then a process
    that ends without the collector's last passes over what the command made."""
    code = main()
    # The interpreter's exit collects every tracked object again (~10 ms of a cold `reader list` of 10,000
    # articles); frozen, they are simply freed with the process. Cycles are then not finalised at exit:
    # nothing relies on that (every file reader writes is closed explicitly; atexit hooks run before).
    gc.freeze()
    return code


def main(argv: Sequence[str] | None = None) -> int:
    configure_streams()
    try:
        return _main(argv)
    finally:
        report_escapes()


def _main(argv: Sequence[str] | None) -> int:
    try:
        words = sys.argv[1:] if argv is None else list(argv)
        app = None if _command_name(words) else _app_arguments(words)  # a command: one parser less
        args = app or build_parser(words).parse_args(words)
        from reader.logs import configure

        configure(args.log)
        return _dispatch(args)
    except ReaderError as exc:  # a user or data problem: one line
        fail(str(exc))
        return EXIT_USAGE
    except BrokenPipeError:  # `reader list | head`: the reader of our output has gone, nothing is wrong
        _discard_stdout()
        return EXIT_OK
    except OSError as exc:  # the file system said no (permissions, a full disk…): also the user's to fix
        fail(_describe_os_error(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except ModuleNotFoundError as exc:
        if (exc.name or "reader").split(".")[0] == "reader":
            return report_bug(exc)
        fail(  # a dependency is missing: the environment's to fix, not a bug
            f"the Python package that provides {exc.name!r} is not installed in this environment; "
            "install reader's dependencies again (`pip install -e .` in the project folder)"
        )
        return EXIT_USAGE
    except Exception as exc:
        return report_bug(exc)


def _describe_os_error(exc: OSError) -> str:
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror or exc}; check the path and its permissions"


def _discard_stdout() -> None:
    """Point stdout at /dev/null so that the flush at exit does not complain about the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # pragma: no cover
        pass


#: arguments that name files (any bytes the file system allows), articles included (an article's id is its
#: path in the folder: a name that is not UTF-8 is kept as is, docs/ARCHITECTURE.md "File names that are not
#: UTF-8"); every other one is text that may be stored
_PATH_ARGUMENTS = frozenset(
    {"articles", "db", "log", "output", "file", "source", "stopwords", "from_exports", "article", "paths"}
)


def check_text_arguments(args: argparse.Namespace) -> None:
    """Refuse (exit 2) a text argument that is not valid UTF-8 (Python hands its bytes over as lone
    surrogates): a tag, note or quote like that could be neither stored nor shown."""
    for name, value in vars(args).items():
        if name in _PATH_ARGUMENTS:
            continue
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, str) and _NOT_UTF8.search(item):
                raise UsageError(
                    f"the {name} argument is not valid UTF-8 text ({safe_line(item)}); "
                    "check the encoding of your terminal or script (a UTF-8 locale, e.g. LANG=C.UTF-8)"
                )


def _app_arguments(argv: Sequence[str]) -> argparse.Namespace | None:
    """Plain ``reader [--articles DIR] [--db PATH] [--log FILE]`` (the app), parsed without building every
    sub-command's parser: that imports most of the core before the first paint. None for anything else
    (the full parser handles it, errors and ``--help`` included)."""
    quick = argparse.ArgumentParser(add_help=False, allow_abbrev=False, exit_on_error=False)
    quick.add_argument("--articles")
    quick.add_argument("--db")
    quick.add_argument("--log")
    quick.add_argument("--coder")
    try:
        args, rest = quick.parse_known_args(list(argv))
    except argparse.ArgumentError:
        return None
    if rest:
        return None
    args.command = None
    return args


def _dispatch(args: argparse.Namespace) -> int:
    check_text_arguments(args)
    if args.command is None:
        return _run_app(args)
    run = args.run
    return int(run(args))


#: what the app must be able to draw (both scripts and the symbols it shows for controls and marks)
_DRAWN_SAMPLE = "简繁␛⏎…▌█·"


def check_terminal() -> None:
    """The app draws on a terminal and reads keys from one: refuse (exit 2) instead of writing escape codes
    into a file. Textual's Linux driver draws on stderr and reads stdin; stdout must not be a file either
    (nothing useful would be in it)."""
    for name, stream in (("input", sys.__stdin__), ("output", sys.__stdout__), ("error", sys.__stderr__)):
        if stream is None or not stream.isatty():
            raise UsageError(
                f"standard {name} is not a terminal (it is a file or a pipe), and the reader app needs one; "
                "run `reader` in a terminal without redirecting it, or use a command for scripts "
                "(`reader list`, `reader export`, `reader --help`)"
            )
    if not can_encode(sys.__stderr__, _DRAWN_SAMPLE):
        encoding = getattr(sys.__stderr__, "encoding", "?")
        raise UsageError(
            f"the terminal's encoding ({encoding}) cannot show Chinese; use a UTF-8 locale "
            "(e.g. `export LANG=C.UTF-8`) and start reader again"
        )


def size_from_the_terminal() -> None:
    """Let Textual take the screen's size from the terminal, never from stale COLUMNS and LINES.

    Textual sizes the screen (at start and on each resize) with ``shutil.get_terminal_size()``, which
    prefers those variables to the terminal. GNU readline exports them once, with the size its terminal
    had then, so a reader started from a Python REPL, IPython or pytest drew a screen of another size
    (200×50 into 80×24) and never followed a resize (docs/STATUS.md, "CI"). The terminal the app draws on
    knows its size: the variables go only when it tells it.
    """
    stream = sys.__stdout__
    if stream is None:
        return
    try:
        size = os.get_terminal_size(stream.fileno())
    except (OSError, ValueError):
        return
    if size.columns > 0 and size.lines > 0:
        os.environ.pop("COLUMNS", None)
        os.environ.pop("LINES", None)


def _run_app(args: argparse.Namespace) -> int:
    from reader.cli._common import workspace
    from reader.scripts import check_opencc_files

    # refuse a wrong OpenCC before the app starts (commands check it on first use); by its files: the
    # binding is imported after the first paint (the library's titles are folded from a cache)
    check_opencc_files()
    check_terminal()
    size_from_the_terminal()
    ws = workspace(args)
    from reader.app import ReaderApp

    app = ReaderApp(ws)
    app.run()
    if app.refused is not None:  # (a wrong OpenCC binding, found once imported after the first paint)
        print(f"reader: {safe_line(app.refused)}", file=sys.stderr)
        return EXIT_USAGE
    if app.return_code:  # the app crashed: Textual has printed what happened
        print(
            f"reader: the app stopped on an error (a bug in reader); please report it at {BUG_REPORTS} "
            "with the text above",
            file=sys.stderr,
        )
        return EXIT_BUG
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
