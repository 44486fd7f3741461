"""Finding the article files under a folder: every ``*.txt``, following symlinks without looping.

One ``scandir`` per folder; :func:`discover` keeps each file's stat (what the library's cache is checked
against), :func:`walk` ``with_stat=False`` only names and paths (a search checks each file as it reaches it).

An article's id is its path under the folder, as text. A file name need not be UTF-8 (POSIX allows any
bytes); Python hands the stray bytes over as lone surrogates (``x\udcff.txt``), which no JSON encoder,
XML file, CSV or store file can hold, and which cannot be typed. :func:`id_of` writes each such byte
as ``\xff`` instead (``x\xff.txt``): an id like any other, shown, stored, exported and re-imported as it is,
and typed back on a command line. The file is always reached by the path discovery found, never by
rebuilding it from such an id (:func:`path_is_id`).
"""

from __future__ import annotations

import builtins
import operator
import os
import re
import stat
from collections import Counter
from pathlib import Path
from typing import Any, TypeVar, cast

from reader.errors import UsageError
from reader.logs import logger
from reader.sanitise import safe_line

__all__ = ["Found", "discover", "id_of", "path_is_id", "walk"]

log = logger(__name__)

Found = list[tuple[str, str, os.stat_result]]  # (article id, path, stat), sorted by id


#: a lone surrogate: a byte of a file name that is not UTF-8 (os.fsdecode's surrogateescape)
_STRAY_BYTE = re.compile("[\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def id_of(relative: str) -> str:
    """The id of the article at ``relative`` (its path under the folder, ``/``-separated, as os.fsdecode
    gives it): the path itself, each byte that is not UTF-8 written as ``\\xff``. Valid text throughout."""
    if relative.isprintable() or _STRAY_BYTE.search(relative) is None:
        return relative
    return _STRAY_BYTE.sub(_escape, relative)


def path_is_id(article_id: str, root: Path, path: str | Path) -> bool:
    """Whether ``root / article_id`` is the article's ``path`` (not so for a name written with ``\\x``)."""
    return "\\" not in article_id or os.fspath(root / article_id) == os.fspath(path)


Entry = TypeVar("Entry", bound=tuple[Any, ...])


def _separate(entries: list[Entry], escaped: dict[str, str]) -> list[Entry]:
    """``entries`` with a distinct id for each name :func:`id_of` changed whose id another file has (a
    file whose name is that very text, ``x\\xff.txt``): its stray bytes as ``\\udcff``, then a number."""
    counts = Counter(entry[0] for entry in entries)
    if all(counts[id_of(relative)] == 1 for relative in escaped.values()):
        return entries
    taken = set(counts)
    separated = []
    for entry in entries:
        relative = escaped.get(entry[1])
        if relative is not None and counts[entry[0]] > 1:
            article_id = _STRAY_BYTE.sub(lambda m: f"\\u{ord(m[0]):04x}", relative)
            stem, dot, suffix = article_id.rpartition(".")
            number = 1
            while article_id in taken:
                number += 1
                article_id = f"{stem} ({number}){dot}{suffix}"
            taken.add(article_id)
            entry = cast("Entry", (article_id, *entry[1:]))
        separated.append(entry)
    return separated


def discover(root: Path) -> Found:
    """(id, path, stat) of every ``*.txt`` under ``root``, following symlinks without looping.

    Each directory is walked once, identified by (st_dev, st_ino). Real directories are walked before
    symlinked ones, so a directory that is also reachable through a link keeps its real path as its id.
    """
    return walk(root, with_stat=True).found


def walk(root: Path, *, with_stat: bool) -> _Walk:
    try:
        root_st = os.stat(root)
    except OSError:
        root_st = None
    if root_st is None or not stat.S_ISDIR(root_st.st_mode):
        raise UsageError(safe_line(f"articles folder not found: {root}; pass --articles DIR"))
    walk = _Walk({(root_st.st_dev, root_st.st_ino)}, with_stat)
    walk.stack.append(("", os.fspath(root)))
    while walk.stack or walk.links:
        if not walk.stack:
            walk.follow_next_link()
            continue
        walk.scan(*walk.stack.pop())
    if walk.escaped:
        walk.found = _separate(walk.found, walk.escaped)
        walk.names = _separate(walk.names, walk.escaped)
    walk.found.sort(key=operator.itemgetter(0))
    walk.names.sort(key=operator.itemgetter(0))
    return walk


class _Walk:
    """The state of :func:`discover`: folders still to scan, symlinked folders for later, what is found."""

    def __init__(self, visited: set[tuple[int, int]], with_stat: bool) -> None:
        self.visited = visited
        self.with_stat = with_stat
        self.found: Found = []
        self.names: builtins.list[tuple[str, str]] = []  # (id, path), when not with_stat
        self.stack: list[tuple[str, str]] = []  # (id prefix, directory path)
        self.links: list[tuple[str, str]] = []
        self.escaped: dict[str, str] = {}  # path -> its path under the root, of each name id_of changed

    def follow_next_link(self) -> None:
        self.links.sort(reverse=True)
        prefix, dir_path = self.links.pop()
        try:
            st = os.stat(dir_path)
        except OSError as exc:
            log.debug("not following %s: %s", dir_path, exc)
            return
        key = (st.st_dev, st.st_ino)
        if key not in self.visited:
            self.visited.add(key)
            self.stack.append((prefix, dir_path))

    def scan(self, prefix: str, dir_path: str) -> None:
        try:
            entries = os.scandir(dir_path)
        except OSError as exc:
            log.debug("cannot list %s: %s", dir_path, exc)
            return
        with entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                try:
                    self._add(prefix, entry)
                except OSError as exc:  # vanished, broken link, no permission: not listable
                    log.debug("skipping %s: %s", entry.path, exc)

    def _add(self, prefix: str, entry: os.DirEntry[str]) -> None:
        name = entry.name
        if entry.is_dir():
            if entry.is_symlink():
                self.links.append((prefix + name + "/", entry.path))
                return
            st = entry.stat(follow_symlinks=False)
            key = (st.st_dev, st.st_ino)
            if key not in self.visited:  # e.g. a bind mount of an ancestor
                self.visited.add(key)
                self.stack.append((prefix + name + "/", entry.path))
        elif name[-4:].lower() == ".txt" and entry.is_file():
            relative = prefix + name
            article_id = id_of(relative)
            if article_id is not relative:
                self.escaped[entry.path] = relative
            if self.with_stat:
                self.found.append((article_id, entry.path, entry.stat()))
            else:
                self.names.append((article_id, entry.path))
