"""``reader add`` from the library (``+``): a path prompt, then the files added in a worker with progress.

The prompt takes one or more files or folders (quote a path with spaces: ``"my page.html" ~/saved``); a
path that does not exist is said under the field, which stays open. The sources are added one by one
(``reader.ingest.add_paths``: extract, clean, write ``NAME.txt`` + ``NAME.meta.json``, never overwrite),
and each bad file is one line of the summary while the others are added.

:class:`ArticleAdding` belongs to one ``LibraryScreen`` (created on the first ``+``): the prompt, the
worker, its progress in the screen's header, the summary; then the screen lists the folder again.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from reader.errors import ReaderError, UsageError
from reader.sanitise import safe_line
from reader.screens.dialogs import InputDialog
from reader.screens.handover import tell

if TYPE_CHECKING:
    from reader.screens.library import LibraryScreen

__all__ = ["PROMPT", "ArticleAdding", "add_sources", "parse_paths", "summary"]

PROMPT = "Add articles: saved web pages, EPUB, DOCX or PDF (files or folders)"


def parse_paths(value: str) -> list[Path]:
    """The paths typed (shell quoting for spaces, ``~`` expanded); UsageError if none or one is missing."""
    try:
        words = shlex.split(value)
    except ValueError:  # an unclosed quote: take it as one path
        words = [value.strip().strip("\"'")]
    paths = [Path(word).expanduser() for word in words if word.strip()]
    if not paths:
        raise UsageError("give a file or a folder")
    for path in paths:
        if not path.exists():
            raise UsageError(f"no such file or folder: {safe_line(str(path))}")
    return paths


def add_sources(
    paths: list[Path], root: Path, progress: Callable[[int, int, Path], None]
) -> list[tuple[Path, str, str | None, str]]:
    """Add every source under ``paths`` to the articles folder ``root`` (call from a worker).

    Returns ``(source, status, article id, message)`` per source, status "added", "unchanged" or
    "error"; ``progress(done, total, source)`` before each.
    """
    from reader.ingest import add_paths, sources

    files = sources(paths)
    results: list[tuple[Path, str, str | None, str]] = []
    for done, source in enumerate(files):
        progress(done, len(files), source)
        try:
            added = add_paths([source], root)
        except ReaderError as exc:
            results.append((source, "error", None, str(exc)))
            continue
        results += [(r.source, r.status, r.article_id, r.message) for r in added]
    return results


def summary(results: list[tuple[Path, str, str | None, str]]) -> tuple[str, bool]:
    """One line of counts, then one line per file that could not be added; and whether any failed."""
    added = sum(1 for _, status, _, _ in results if status == "added")
    unchanged = sum(1 for _, status, _, _ in results if status == "unchanged")
    failed = [(source, message) for source, status, _, message in results if status == "error"]
    head = f"Added {added} article{'s' if added != 1 else ''}"
    if unchanged:
        head += f", {unchanged} already there"
    if failed:
        head += f", {len(failed)} could not be read:"
    if not results:
        head = "Nothing to add: no saved page, EPUB, DOCX or PDF there"
    lines = [head] + [safe_line(message or str(source), 200) for source, message in failed]
    return "\n".join(lines), bool(failed)


class ArticleAdding:
    """``+`` on one library screen: ask for paths, add them in a worker, say how it went."""

    def __init__(self, screen: LibraryScreen) -> None:
        self.screen = screen
        #: what the header shows while a worker adds ("adding 2/5: page.html"), else ""
        self.progress = ""

    def prompt(self) -> None:
        def check(value: str) -> str:
            parse_paths(value)
            return value

        def chosen(value: str | None) -> None:
            if value:
                self.start(parse_paths(value))

        dialog = InputDialog(PROMPT, placeholder="~/Downloads/page.html  or a folder", check=check)
        self.screen.app.push_screen(dialog, chosen)

    def start(self, paths: list[Path]) -> None:
        self.screen.run_worker(
            partial(self._add, paths), thread=True, exclusive=True, group="add-articles", exit_on_error=False
        )

    def _add(self, paths: list[Path]) -> None:
        """In the worker: every source, with its progress in the header."""
        app = self.screen.app

        def progress(done: int, total: int, source: Path) -> None:
            message = f"adding {done + 1}/{total}: {safe_line(source.name, 40)}"
            app.call_from_thread(self._show_progress, message)

        try:
            results = add_sources(paths, self.screen.workspace.library.root, progress)
        except ReaderError as exc:
            app.call_from_thread(self._show_progress, "")
            tell(app, str(exc), title="Not added", severity="error")
            return
        app.call_from_thread(self._added, results)

    def _show_progress(self, message: str) -> None:
        self.progress = message
        self.screen.show_header()

    def _added(self, results: list[tuple[Path, str, str | None, str]]) -> None:
        self._show_progress("")
        message, failed = summary(results)
        self.screen.notify(
            message, title="reader add", severity="warning" if failed else "information", timeout=6
        )
        added = [article_id for _, status, article_id, _ in results if status == "added" and article_id]
        self.screen.articles_added(added[0] if added else None)
