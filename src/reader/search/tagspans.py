"""The tags of the passages a match lies in, found by position, cached per article on disk.

For each article with a match and annotations, a layout of its tags by position
(:mod:`reader.search.layouts`), built lazily from the store's records (re-anchored in memory, never saved,
if the article's text changed since they were made) and cached by the store's version of the article
(:meth:`reader.store.AnnotationStore.article_versions`: the store's folders listed once per search, then
a stat or two per article, nothing read) and the article's sha256.
So a search does nothing per annotation: a million annotations cost it a stat or two per article with a
match and a lookup per match. In the search cache folder:

* ``tagspans.json``: {"schema", "data": the data file's name, "tagsets": [[tag, ...], ...], and the
  articles in columns (parsed in a few ms for 10,000): "ids", "versions" (the store's, as text), "shas"
  (sha256[:16]), "kinds" (a letter each) and "ints" (per article the byte offset and two numbers of its
  layout)};
* ``tagspans-<gen>.bin``: the layouts (:func:`reader.search.layouts.encode`), one after the other.

A search that built new layouts writes a new data file (every entry still cached) and then the directory,
atomically; an unreadable or inconsistent cache is rebuilt, never trusted.
"""

from __future__ import annotations

import mmap
import os
import secrets
from collections.abc import Callable, Iterable
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from reader.errors import StoreError
from reader.logs import logger
from reader.search.layouts import (
    BoundsLayout,
    Interval,
    Layout,
    Segments,
    blob_size,
    build_segments,
    decode,
    encode,
)
from reader.tags import under_any_alike

if TYPE_CHECKING:
    from reader.store import AnnotationStore, JsonDict

log = logger(__name__)

SCHEMA = 3
DIRECTORY = "tagspans.json"
_FIELDS = 3  # ints a row of the directory: byte offset, two numbers of layout


class TagSpans:
    """The cache of tag layouts in ``folder``, for one store. Not thread-safe: one per search."""

    def __init__(self, folder: Path, store: AnnotationStore) -> None:
        self.folder = folder
        self.store = store
        self.tagsets: list[tuple[str, ...]] = [()]
        self._ids: dict[tuple[str, ...], int] = {(): 0}
        # the directory, in columns: row of each article; its version, sha256[:16], kind; _FIELDS ints a row
        self._rows: dict[str, int] = {}
        self._versions: list[str] = []
        self._shas: list[str] = []
        self._kinds = ""
        self._ints: list[int] = []
        self._data: Any = b""
        self._new: dict[str, tuple[str, str, Segments, int]] = {}
        self._loaded = False
        self._passes: dict[int, bool] = {}
        self._version: Callable[[str], tuple[int, ...] | None] | None = None  # the store listed once

    def _load(self) -> None:
        self._loaded = True
        try:
            raw = orjson.loads((self.folder / DIRECTORY).read_bytes())
            if raw.get("schema") != SCHEMA:
                return
            tagsets = [tuple(t) for t in raw["tagsets"]]
            ids, versions, shas = raw["ids"], raw["versions"], raw["shas"]
            kinds, ints = raw["kinds"], raw["ints"]
            if not tagsets or tagsets[0] != () or len(set(tagsets)) != len(tagsets):
                return
            if not len(ids) == len(versions) == len(shas) == len(kinds) == len(ints) / _FIELDS:
                return
            with open(self.folder / str(raw["data"]), "rb") as f:
                size = os.fstat(f.fileno()).st_size
                data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        except FileNotFoundError:
            return
        except (OSError, ValueError, TypeError, KeyError, AttributeError, orjson.JSONDecodeError) as e:
            log.debug("rebuilding the search's tag spans in %s: %s", self.folder, e)
            return
        self.tagsets = tagsets
        self._ids = {tags: i for i, tags in enumerate(self.tagsets)}
        self._rows = {article_id: row for row, article_id in enumerate(ids)}
        self._versions, self._shas, self._kinds, self._ints, self._data = versions, shas, kinds, ints, data

    def _cached(self, article_id: str, version: str, sha: str, text_length: int) -> Layout | bool:
        """The stored layout of this version of the article; True for an empty one; False if none."""
        row = self._rows.get(article_id)
        if row is None or article_id in self._new or self._versions[row] != version or self._shas[row] != sha:
            return False
        at, kind = row * _FIELDS, self._kinds[row]
        offset, meta = self._ints[at], self._ints[at + 1 : at + _FIELDS]
        if kind == "m" and meta[1] < text_length:  # (a mask covers the whole text)
            return False
        size = blob_size(kind, meta)
        if not size:
            return True
        if offset + size > len(self._data):
            return False  # damaged: built again
        layout = decode(kind, meta, self._data, offset)
        return layout if layout.largest_id() < len(self.tagsets) else False

    def intern(self, tags: tuple[str, ...]) -> int:
        found = self._ids.get(tags)
        if found is None:
            found = self._ids[tags] = len(self.tagsets)
            self.tagsets.append(tags)
        return found

    def join(self, tagsets: Iterable[int]) -> int:
        """The id of the tags of ``tagsets`` one after the other, each tag once."""
        return self.intern(tuple(dict.fromkeys(t for i in tagsets for t in self.tagsets[i])))

    def layout(
        self,
        article_id: str,
        sha256: str,
        text_length: int,
        placer: Callable[[], Callable[[list[JsonDict]], list[Interval]]],
    ) -> Layout | None:
        """The article's tags by position, None if no annotation of it covers anything. ``placer()`` gives
        what turns its stored records (document order) into intervals on the current text (asked only when
        the layout is built: most are cached)."""
        try:
            if self._version is None:
                self._version = self.store.article_versions()
            version = self._version(article_id)
        except StoreError as e:  # an unreadable folder: no tags for this article, nothing else blocked
            log.debug("search: no tags for %s: %s", article_id, e)
            return None
        if version is None:
            return None
        if not self._loaded:
            self._load()
        key, sha = ".".join(map(str, version)), sha256[:16]
        cached = self._cached(article_id, key, sha, text_length)
        if cached is not False:
            return None if cached is True else cached
        new = self._new.get(article_id)
        if new is not None and new[0] == key and new[1] == sha:
            segments = new[2]
        else:
            try:
                records = self.store.records(article_id)
                segments = build_segments(placer()(records), self.intern, self.tagsets)
                unchanged = self.store.article_version(article_id) == version  # else not worth keeping
            except StoreError as e:  # a damaged file: its article shows no tags, and blocks nothing else
                log.debug("search: no tags for %s: %s", article_id, e)
                return None
            if unchanged:
                self._new[article_id] = (key, sha, segments, text_length)
        return BoundsLayout(*segments) if segments.tagsets else None

    def passes(self, tagset: int, wanted: tuple[str, ...]) -> bool:
        """A tagset with a tag under one of ``wanted`` (the ``--tag`` filter, 简 and 繁 alike)."""
        found = self._passes.get(tagset)
        if found is None:
            found = self._passes[tagset] = any(under_any_alike(t, wanted) for t in self.tagsets[tagset])
        return found

    def save(self, keep: Callable[[str], bool] = lambda article_id: True) -> None:
        """Write what this search built with every entry still cached (of the articles ``keep`` keeps) to a
        new data file, then the directory. A cache: failing to write it costs a rebuild, not an error."""
        if not self._new:
            return
        columns: dict[str, list[Any]] = {"ids": [], "versions": [], "shas": [], "kinds": [], "ints": []}
        parts: list[bytes] = []
        offset = 0

        def add(article_id: str, version: str, sha: str, kind: str, meta: list[int], blob: bytes) -> None:
            nonlocal offset
            for column, value in (("ids", article_id), ("versions", version), ("shas", sha), ("kinds", kind)):
                columns[column].append(value)
            columns["ints"].extend((offset, *meta))
            parts.append(blob)
            offset += len(blob)

        for article_id, row in self._rows.items():
            if article_id not in self._new and keep(article_id):
                at, kind = row * _FIELDS, self._kinds[row]
                off, meta = self._ints[at], self._ints[at + 1 : at + _FIELDS]
                blob = bytes(self._data[off : off + blob_size(kind, meta)])
                add(article_id, self._versions[row], self._shas[row], kind, meta, blob)
        for article_id, (version, sha, segments, length) in self._new.items():
            kind, meta, blob = encode(segments, length) if segments.tagsets else ("b", [0, 0], b"")
            add(article_id, version, sha, kind, meta, blob)
        name = f"tagspans-{secrets.token_hex(6)}.bin"
        directory = {
            "schema": SCHEMA,
            "data": name,
            "tagsets": self.tagsets,
            **columns,
            "kinds": "".join(columns["kinds"]),
        }
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / name).write_bytes(b"".join(parts))
            tmp = self.folder / f".{DIRECTORY}.{name}.tmp"
            tmp.write_bytes(orjson.dumps(directory))
            os.replace(tmp, self.folder / DIRECTORY)
        except OSError as e:
            log.debug("cannot write the search's tag spans in %s: %s", self.folder, e)
            with suppress(OSError):
                (self.folder / name).unlink()
            return
        for old in self.folder.glob("tagspans-*.bin"):
            if old.name != name:
                with suppress(OSError):
                    old.unlink()
        self._new.clear()
        self._loaded = False  # the next use reads what was written
