"""The tags of the passages a match lies in, looked up by position instead of by scanning annotations.

For an article with annotations, a *segment map*: ``bounds`` (sorted positions where the tags covering the
text change) and, for each segment ``[bounds[k], bounds[k+1])``, the id of its tag tuple (0: no tags). A
segment's tuple is the tags of the annotations covering it, in document order (start, end, created), each
tag once. The tags of a match ``[a, b)`` are those of the segments it overlaps, joined in order: exactly the
tags of the annotations overlapping it, in document order (an annotation that starts inside the match
starts after every one that covers its first character). Zero-length and orphaned annotations cover
nothing. So a match costs one bisect, whatever the number of annotations.

Built lazily, only for articles with a match, from the store's records (re-anchored in memory, never saved,
if the article's text changed since they were made), and cached on disk by the store's version of the
article (:meth:`reader.store.AnnotationStore.article_version`: two stats, no read) and the article's
sha256. In the search cache folder:

* ``tagspans.json``: {"schema", "data": the data file's name, "tagsets": [[tag, ...], ...], "articles":
  {id: [version, sha256, offset, segments]}};
* ``tagspans-<gen>.bin``: per article, its ``segments + 1`` bounds then ``segments`` tagset ids (int32).

A save writes a new data file (all live entries) and then the directory, atomically; an unreadable or
inconsistent cache is rebuilt. Only searches that built a new entry save.
"""

from __future__ import annotations

import logging
import mmap
import os
import secrets
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from reader.tags import under_any_alike

if TYPE_CHECKING:
    from reader.store import AnnotationStore, JsonDict

log = logging.getLogger(__name__)

SCHEMA = 1
DIRECTORY = "tagspans.json"
_INT = "i"
_ITEM = array(_INT).itemsize

Interval = tuple[int, int, Sequence[str]]  # start, end, tags


class Segments(NamedTuple):
    bounds: list[int]  # segments + 1 positions
    tagsets: list[int]  # segments tagset ids


def build_segments(intervals: Iterable[Interval], intern: Callable[[tuple[str, ...]], int]) -> Segments:
    """The segment map of ``intervals`` given in document order (start, end, created).

    A sweep over the sorted start and end positions keeping the covering intervals in document order
    (appended as they start, so the list stays in order); neighbouring segments with the same tags merge.
    """
    spans = [(s, e, tags) for s, e, tags in intervals if e > s and tags]
    if not spans:
        return Segments([], [])
    points = sorted({s for s, _, _ in spans} | {e for _, e, _ in spans})
    active: list[Interval] = []
    bounds: list[int] = []
    ids: list[int] = []
    p = 0
    for x in points[:-1]:
        active = [a for a in active if a[1] > x]
        while p < len(spans) and spans[p][0] == x:
            active.append(spans[p])
            p += 1
        tagset = intern(tuple(dict.fromkeys(t for a in active for t in a[2])))
        if not ids or ids[-1] != tagset:
            bounds.append(x)
            ids.append(tagset)
    bounds.append(points[-1])
    return Segments(bounds, ids)


class TagSpans:
    """The cache of segment maps in ``folder``, for one store. Not thread-safe: one per search."""

    def __init__(self, folder: Path, store: AnnotationStore) -> None:
        self.folder = folder
        self.store = store
        self.tagsets: list[tuple[str, ...]] = [()]
        self._ids: dict[tuple[str, ...], int] = {(): 0}
        self._entries: dict[str, list[Any]] = {}  # id -> [version, sha256, offset, segments] in _data
        self._data: Any = b""
        self._new: dict[str, tuple[list[int], str, Segments]] = {}
        self._loaded = False
        self._passes: dict[int, bool] = {}

    # -- the cache

    def _load(self) -> None:
        self._loaded = True
        try:
            raw = orjson.loads((self.folder / DIRECTORY).read_bytes())
            if raw.get("schema") != SCHEMA:
                return
            tagsets = [tuple(t) for t in raw["tagsets"]]
            entries = raw["articles"]
            with open(self.folder / str(raw["data"]), "rb") as f:
                size = os.fstat(f.fileno()).st_size
                data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
            if any(off + (2 * n + 1) * _ITEM > size for _, _, off, n in entries.values()):
                return
        except FileNotFoundError:
            return
        except (OSError, ValueError, TypeError, KeyError, AttributeError, orjson.JSONDecodeError) as e:
            log.debug("rebuilding the search's tag spans in %s: %s", self.folder, e)
            return
        self.tagsets = tagsets or [()]
        self._ids = {tags: i for i, tags in enumerate(self.tagsets)}
        self._entries = entries
        self._data = data

    def intern(self, tags: tuple[str, ...]) -> int:
        found = self._ids.get(tags)
        if found is None:
            found = self._ids[tags] = len(self.tagsets)
            self.tagsets.append(tags)
        return found

    def segments(
        self, article_id: str, sha256: str, placed: Callable[[list[JsonDict]], list[Interval]]
    ) -> Segments | None:
        """The article's segment map, None if it has no annotations. ``placed`` turns its stored records
        (in document order) into intervals on the current text (see :meth:`CorpusSearch`)."""
        version = self.store.article_version(article_id)
        if version is None:
            return None
        if not self._loaded:
            self._load()
        wanted = list(version)
        new = self._new.get(article_id)
        if new is not None and new[0] == wanted and new[1] == sha256:
            return new[2]
        entry = self._entries.get(article_id)
        if entry is not None and entry[0] == wanted and entry[1] == sha256:
            return _read_segments(self._data, entry[2], entry[3])
        segments = build_segments(placed(self.store.records(article_id)), self.intern)
        after = self.store.article_version(article_id)  # changed meanwhile: not worth keeping
        if after == version:
            self._new[article_id] = (wanted, sha256, segments)
        return segments

    def span_tagsets(self, segments: Segments, starts: list[int], ends: list[int]) -> list[int]:
        """The tagset id of each match ``[starts[k], ends[k])``, with the segments it overlaps joined."""
        bounds, ids = segments
        if not ids:
            return [0] * len(starts)
        first, last = bounds[0], bounds[-1]
        out = []
        for a, b in zip(starts, ends, strict=True):
            if b <= first or a >= last:
                out.append(0)
                continue
            k = bisect_right(bounds, a) - 1
            if k >= 0 and b <= bounds[k + 1]:
                out.append(ids[k])
                continue
            k = max(k, 0)
            stop = bisect_left(bounds, b, k)  # segments k .. stop-1 overlap [a, b)
            joined = dict.fromkeys(t for i in ids[k:stop] for t in self.tagsets[i])
            out.append(self.intern(tuple(joined)))
        return out

    def passes(self, tagset: int, wanted: tuple[str, ...]) -> bool:
        """A tagset with a tag under one of ``wanted`` (the ``--tag`` filter, 简 and 繁 alike)."""
        found = self._passes.get(tagset)
        if found is None:
            found = self._passes[tagset] = any(under_any_alike(t, wanted) for t in self.tagsets[tagset])
        return found

    def save(self) -> None:
        """Write what this search built (with every entry still cached) to a new data file, then the
        directory. A cache: failing to write it costs a rebuild next time, not an error."""
        if not self._new:
            return
        entries: dict[str, list[Any]] = {}
        parts: list[bytes] = []
        offset = 0
        for article_id, (version, sha, off, n) in self._entries.items():
            if article_id in self._new:
                continue
            blob = bytes(self._data[off : off + (2 * n + 1) * _ITEM])
            entries[article_id] = [version, sha, offset, n]
            parts.append(blob)
            offset += len(blob)
        for article_id, (version, sha, segments) in self._new.items():
            if not segments.tagsets:
                continue
            blob = array(_INT, [*segments.bounds, *segments.tagsets]).tobytes()
            entries[article_id] = [version, sha, offset, len(segments.tagsets)]
            parts.append(blob)
            offset += len(blob)
        name = f"tagspans-{secrets.token_hex(6)}.bin"
        directory = {"schema": SCHEMA, "data": name, "tagsets": self.tagsets, "articles": entries}
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


def _read_segments(data: Any, offset: int, n: int) -> Segments:
    values = array(_INT)
    values.frombytes(data[offset : offset + (2 * n + 1) * _ITEM])
    items = values.tolist()
    return Segments(items[: n + 1], items[n + 1 :])
