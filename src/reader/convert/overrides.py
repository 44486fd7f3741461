"""User corrections to a view: "in this view, write SOURCE as TARGET", for the corpus or one article.

Kept in ``<db>/overrides.json`` (readable UTF-8, written atomically: temp file, fsync, rename, fsync of
the folder), so ``reader convert``, search, export and the app all see the same list, and a restart keeps
it. They are applied by OpenCC itself: each one becomes an entry of a plain-text dictionary placed first
in the config's conversion step (and in its segmentation, so the phrase is matched whole), never by
editing the converted text, so the offset maps stay exact (``reader.convert.engine``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

from reader.errors import StoreCorruptError, UsageError

__all__ = ["OVERRIDES_FILE", "TARGET_VIEWS", "Override", "OverrideList", "check_override"]

OVERRIDES_FILE = "overrides.json"
_SCHEMA = 1
_MAX_LENGTH = 32  # a phrase, not a paragraph: OpenCC matches dictionary keys within one clause
#: views an override can target (the original is never converted)
TARGET_VIEWS = ("simplified", "traditional", "taiwan", "hongkong")


@dataclass(frozen=True, order=True)
class Override:
    view: str
    source: str  # as the article writes it
    target: str  # what the view writes instead
    article: str = ""  # an article id, or "" for the whole corpus

    def to_json(self) -> dict[str, str]:
        return {"view": self.view, "source": self.source, "target": self.target, "article": self.article}


def _clean(text: str, what: str) -> str:
    text = unicodedata.normalize("NFC", text.strip())
    if not text:
        raise UsageError(f"the override's {what} is empty")
    if len(text) > _MAX_LENGTH:
        raise UsageError(f"the override's {what} is longer than {_MAX_LENGTH} characters: give one phrase")
    if any(ch.isspace() or unicodedata.category(ch)[0] in "CZ" for ch in text):
        raise UsageError(
            f"the override's {what} {text!r} has a space or a control character: give one phrase"
        )
    return text


def check_override(view: str, source: str, target: str, article: str = "") -> Override:
    """An :class:`Override` from user input, or a one-line UsageError saying what is wrong."""
    if view not in TARGET_VIEWS:
        raise UsageError(f"an override needs a view, one of: {', '.join(TARGET_VIEWS)} (not {view!r})")
    return Override(view, _clean(source, "source"), _clean(target, "target"), article)


class OverrideList:
    """The overrides of one database folder; re-read whenever the file changed (another process)."""

    def __init__(self, db: Path | None) -> None:
        self.path = db / OVERRIDES_FILE if db is not None else None
        self._lock = threading.Lock()
        self._signature: tuple[int, int, int] | None = None
        self._items: tuple[Override, ...] = ()

    def _stat(self) -> tuple[int, int, int] | None:
        if self.path is None:
            return None
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def all(self) -> tuple[Override, ...]:
        """Every override, sorted; cheap when the file did not change (one ``stat``)."""
        signature = self._stat()
        with self._lock:
            if signature != self._signature:
                self._items = self._read() if signature is not None else ()
                self._signature = signature
            return self._items

    def for_view(self, view: str, article: str = "") -> tuple[Override, ...]:
        """The overrides that apply to ``view`` of ``article``: the article's own first, then the corpus'."""
        items = self.all()
        own = [o for o in items if o.view == view and article and o.article == article]
        shadowed = {o.source for o in own}
        corpus = [o for o in items if o.view == view and not o.article and o.source not in shadowed]
        return tuple(own + corpus)

    def add(self, override: Override) -> Override:
        """Add or replace (same view, source and article) an override; returns it."""
        key = (override.view, override.source, override.article)
        with self._locked():
            items = [o for o in self._read() if (o.view, o.source, o.article) != key]
            self._write([*items, override])
        return override

    def remove(self, view: str, source: str, article: str = "") -> Override:
        """Remove one override; UsageError if there is none like it."""
        source = unicodedata.normalize("NFC", source.strip())
        with self._locked():
            items = list(self._read())
            for o in items:
                if (o.view, o.source, o.article) == (view, source, article):
                    items.remove(o)
                    self._write(items)
                    return o
        where = f" for article {article}" if article else ""
        raise UsageError(f"no override of {source!r} in view {view}{where} (see `reader overrides list`)")

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Read-modify-write under an advisory lock, so two processes adding at once both keep theirs."""
        if self.path is None:
            raise UsageError("overrides need a database folder (--db)")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _read(self) -> tuple[Override, ...]:
        if self.path is None:
            return ()
        try:
            record = orjson.loads(self.path.read_bytes())
            items = tuple(
                sorted(
                    Override(str(o["view"]), str(o["source"]), str(o["target"]), str(o.get("article", "")))
                    for o in record["overrides"]
                )
            )
        except FileNotFoundError:
            return ()
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StoreCorruptError(
                f"{self.path}: not a readable override list ({type(exc).__name__}); fix or remove the file"
            ) from exc
        return items

    def _write(self, items: list[Override]) -> None:
        if self.path is None:
            raise UsageError("overrides need a database folder (--db)")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        record = {"schema": _SCHEMA, "overrides": [o.to_json() for o in sorted(set(items))]}
        data = orjson.dumps(record, option=orjson.OPT_INDENT_2) + b"\n"
        fd, tmp = tempfile.mkstemp(prefix=".overrides-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        with contextlib.suppress(OSError):  # the rename itself is durable once the folder is synced
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        with self._lock:
            self._signature = None  # re-read on next use (cheap), whatever the timestamps say
