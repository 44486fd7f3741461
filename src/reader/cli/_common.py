"""What every sub-command shares: the parser class, exit codes, output helpers and the workspace.

Every byte a command writes goes through the helpers here, which make it safe for a terminal
(``reader.sanitise``): :func:`out` for text (fields already made one-line with ``safe_line``),
:func:`out_json` for JSON (every control character escaped), :func:`info` and :func:`fail` for one line on
stderr. Nothing writes user data that has not been through ``reader.sanitise``.

Exit codes, one rule (README, "Command line"): 0 success; 2 a user or data problem, explained in one line on
stderr; 1 only for a bug (an unexpected exception), with one line saying where to report it.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import json
import os
import sys

from reader.errors import UsageError
from reader.sanitise import NEEDS_SANITISING, safe_json_text, safe_line, sanitise

TYPE_CHECKING = False  # typing is not imported at run time: `reader annotate` is a process per save
if TYPE_CHECKING:
    from typing import Any, NoReturn

    from reader.workspace import Workspace

EXIT_OK = 0
#: a user or data problem (a mistake, a bad file, a damaged database, a locked store, a broken environment)
EXIT_USAGE = 2
#: a bug: an exception nobody expected
EXIT_BUG = 1
#: where a bug is reported
BUG_REPORTS = "https://github.com/reader/reader/issues"
#: READER_DEBUG=1 adds the traceback to the one line a bug prints
DEBUG_VARIABLE = "READER_DEBUG"


class HelpFormatter(argparse.HelpFormatter):
    """argparse's, told the terminal's width: argparse makes a formatter for every argument it adds (to
    check its metavar) and, not told, asks ``shutil.get_terminal_size``, whose import (with bz2 and lzma)
    was ~1 ms of every command. Same width: ``$COLUMNS``, else the terminal's, else 80; minus 2."""

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None
    ) -> None:
        width = _columns() - 2 if width is None else width
        super().__init__(prog, indent_increment, max_help_position, width)


def _columns() -> int:
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class Parser(argparse.ArgumentParser):
    """argparse, but misuse is one line (what is wrong and where to look), exit code 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {safe_line(message)} (see `{self.prog} --help`)\n")


def workspace(args: argparse.Namespace) -> Workspace:
    from reader.workspace import Paths, Workspace

    paths = Paths.resolve(args.articles, args.db)
    if not paths.articles.is_dir():
        raise UsageError(
            f"articles folder not found: {paths.articles} "
            "(run from the project folder or pass --articles DIR)"
        )
    return Workspace(paths.articles, paths.db, coder=getattr(args, "coder", None))


# -- writing ---------------------------------------------------------------------------------------------


def out(text: str) -> None:
    """Text to stdout, control characters shown as symbols (newlines and tabs kept: they are the layout)."""
    sys.stdout.write(sanitise(text) if NEEDS_SANITISING.search(text) else text)
    sys.stdout.flush()


def json_text(value: Any, *, indent: int | None = 2) -> str:
    """``value`` as JSON text (Chinese as is) with every control character a ``\\uXXXX`` escape."""
    return safe_json_text(json.dumps(value, ensure_ascii=False, indent=indent))


def out_json(value: Any, *, indent: int | None = 2) -> None:
    sys.stdout.write(json_text(value, indent=indent) + "\n")
    sys.stdout.flush()


def info(message: str) -> None:
    """One line on stderr that is not an error (a summary, where a file was written)."""
    print(safe_line(message), file=sys.stderr)


def fail(message: str) -> None:
    print(f"reader: error: {safe_line(message, 1000)}", file=sys.stderr)


# -- encodings ------------------------------------------------------------------------------------------
# stdout/stderr may be a pipe or a file in an encoding that cannot hold Chinese (PYTHONIOENCODING=ascii, a
# Latin-1 or Big5 locale). Characters it cannot hold are written as \uXXXX escapes (surrogate pairs above
# U+FFFF: valid inside JSON strings too) instead of crashing, and stderr says how to see them.

_ESCAPE_HANDLER = "reader-escape"
#: stdout's handler also notes that it escaped (stderr's errors stay one line: no note for them)
_ESCAPE_NOTING_HANDLER = "reader-escape-noted"
_escaped: list[str] = []


def _escape(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    pieces = []
    for char in error.object[error.start : error.end]:
        code = ord(char)
        if code > 0xFFFF:
            code -= 0x10000
            pieces.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            pieces.append(f"\\u{code:04x}")
    return "".join(pieces), error.end


def _escape_noted(error: UnicodeError) -> tuple[str, int]:
    escaped = _escape(error)
    if isinstance(error, UnicodeEncodeError) and error.encoding not in _escaped:
        _escaped.append(error.encoding)
    return escaped


def configure_streams() -> None:
    """Make stdout and stderr escape what their encoding cannot hold instead of raising."""
    for name, handler in ((_ESCAPE_HANDLER, _escape), (_ESCAPE_NOTING_HANDLER, _escape_noted)):
        try:
            codecs.lookup_error(name)
        except LookupError:
            codecs.register_error(name, handler)
    for stream, name in ((sys.stdout, _ESCAPE_NOTING_HANDLER), (sys.stderr, _ESCAPE_HANDLER)):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # a closed or exotic stream: leave it
                reconfigure(errors=name)


def report_escapes() -> None:
    """If some characters had to be escaped, say so once, and how to fix it (ASCII only: it always fits)."""
    if _escaped:
        encodings = ", ".join(_escaped)
        print(
            f"reader: note: the output encoding ({encodings}) cannot hold some characters; they were written "
            "as \\uXXXX escapes. For the characters themselves use a UTF-8 locale (export LANG=C.UTF-8) "
            "or PYTHONIOENCODING=utf-8.",
            file=sys.stderr,
        )
        _escaped.clear()


def can_encode(stream: Any, sample: str) -> bool:
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        sample.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


# -- bugs -----------------------------------------------------------------------------------------------


def report_bug(exc: BaseException) -> int:
    """One line for an unexpected exception (where it happened, where to report it); the traceback only
    with READER_DEBUG=1. Returns the exit code for a bug."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    if frames:
        last = frames[-1]
        where = f" at {os.path.basename(last.filename)}:{last.lineno}"
    message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if os.environ.get(DEBUG_VARIABLE, "") not in ("", "0"):
        sys.stderr.write(sanitise("".join(traceback.format_exception(exc))))
        hint = ""
    else:
        hint = f"; {DEBUG_VARIABLE}=1 shows the traceback"
    print(
        safe_line(
            f"reader: internal error (a bug in reader): {message}{where}; please report it at {BUG_REPORTS} "
            f"with the command you ran{hint}",
            1000,
        ),
        file=sys.stderr,
    )
    return EXIT_BUG


def warn(message: str) -> None:
    """A problem that did not stop the command (one line on stderr)."""
    print(f"reader: warning: {safe_line(message, 1000)}", file=sys.stderr)
