"""What every sub-command shares: the parser class, exit codes, output helpers and the workspace."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, NoReturn

from reader.errors import UsageError

if TYPE_CHECKING:
    from reader.workspace import Workspace

EXIT_USAGE = 2
EXIT_FAILURE = 1


class Parser(argparse.ArgumentParser):
    """argparse, but misuse is one line (what is wrong and where to look), exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def workspace(args: argparse.Namespace) -> Workspace:
    from reader.workspace import Paths, Workspace

    paths = Paths.resolve(args.articles, args.db)
    if not paths.articles.is_dir():
        raise UsageError(
            f"articles folder not found: {paths.articles} "
            "(run from the project folder or pass --articles DIR)"
        )
    return Workspace(paths.articles, paths.db)


def out(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def fail(message: str) -> None:
    from reader.sanitise import safe_line

    print(f"reader: error: {safe_line(message, 1000)}", file=sys.stderr)
