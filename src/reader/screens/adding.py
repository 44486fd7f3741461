"""``reader add`` from the library (``+``): a path prompt, then the files added in a worker with progress.

The prompt takes one or more files or folders (quote a path with spaces: ``"my page.html" ~/saved``); a
path that does not exist is said under the field, which stays open. The sources are added one by one
(``reader.ingest.add_paths``: extract, clean, write ``NAME.txt`` + ``NAME.meta.json``, never overwrite),
and each bad file is one line of the summary while the others are added.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path

from reader.errors import ReaderError, UsageError
from reader.sanitise import safe_line

__all__ = ["PROMPT", "add_sources", "parse_paths", "summary"]

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
