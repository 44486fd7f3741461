"""The tags of the passages a match lies in, found by position, cached per article on disk.

For each article with a match and annotations, a layout of its tags by position
(:mod:`reader.search.layouts`), built lazily from the store's records (re-anchored in memory, never saved,
if the article's text changed since they were made) and cached with the store's version of the article
(:meth:`reader.store.AnnotationStore.article_versions`: a stat or two per article, nothing read) and the
article's sha256. So a search does nothing per annotation: a lookup per match.

Nor, usually, anything per article: the cache keeps the store's changes stamp
(:meth:`reader.store.AnnotationStore.changes_stamp`, a few stats) taken before the search that checked
every entry; while the store's stamp is that one, entries are used without a version check. A search
under another stamp checks each entry it uses, and the others when it saves (once after each change).

In the search cache folder:

* ``tagspans.dir`` (:mod:`reader.search.tagdir`): the data file's name, the stamp, the table of tag tuples,
  and the articles in columns (10,000 read in ~3 ms): ids, versions (the store's), sha256[:16], kinds (a
  letter each) and ints (per article the byte offset and two numbers of its layout);
* ``tagspans-<gen>.bin``: the layouts (:func:`reader.search.layouts.encode`), one after the other.

A search that built new layouts writes a new data file (every entry still cached) and then the directory,
atomically; an unreadable or inconsistent cache is rebuilt, never trusted.
"""

from __future__ import annotations

import mmap
import os
import secrets
from array import array
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reader.errors import StoreError
from reader.logs import logger
from reader.search import tagdir
from reader.search.layouts import (
    INT,
    ITEM,
    KINDS,
    MASK_BYTES,
    MASK_ITEM,
    BoundsLayout,
    Interval,
    Layout,
    Segments,
    blob_size,
    build_segments,
    decode,
    encode,
    tagsets_in_masks,
)
from reader.tags import under_any_alike

if TYPE_CHECKING:
    from reader.store import AnnotationStore, JsonDict

log = logger(__name__)

DIRECTORY = "tagspans.dir"  # (its version: reader.search.tagdir.MAGIC)
_OLD_DIRECTORY = "tagspans.json"  # the JSON form of earlier versions: removed when a directory is written
_FIELDS = 3  # ints a row of the directory: byte offset, two numbers of layout

Placer = Callable[[], Callable[[list["JsonDict"]], list[Interval]]]
#: an article whose matches' tags are asked: id, sha256, text length, placer, starts, ends
Lookup = tuple[str, str, int, Placer, list[int], list[int]]
#: a layout built by one search, its tags spelt out: article id, the store's version, sha256[:16], the
#: segments' bounds and tags, the text's length (see :meth:`TagSpans.built`)
Built = tuple[str, str, str, list[int], list[tuple[str, ...]], int]


_SHA = 16  # characters of an entry's sha256 kept
_POPULATE_AFTER = 1000  # articles looked up, after which the whole data file is mapped (see _populate)
_MADV_POPULATE_READ = 22  # madvise(2), Linux 5.14 (not in the mmap module of Python 3.11)
_SEP = " "  # between versions (digits and dots)


class TagSpans:
    """The cache of tag layouts in ``folder``, for one store. Not thread-safe: one per search."""

    def __init__(self, folder: Path, store: AnnotationStore) -> None:
        self.folder = folder
        self.store = store
        self.tagsets: list[tuple[str, ...]] = [()]
        self._ids: dict[tuple[str, ...], int] | None = {(): 0}  # (None: made from tagsets when first asked)
        # the directory's entries, in columns: row of each article; sha256[:16] of the text each was built
        # on (_SHA characters a row), kind, _FIELDS ints (byte offset, two numbers of layout), the store's
        # version of its annotations (split from the text when first asked)
        self._rows: dict[str, int] = {}
        self._shas = self._kinds = self._versions_text = ""
        self._ints = array("q")
        self._versions: list[str] | None = None
        self._data_name = ""
        self._bytes = memoryview(b"")  # the data file mapped, and the same as ints and as masks
        self._data_ints = self._bytes.cast(INT)
        self._masks = self._bytes.cast(MASK_ITEM)
        self._new: dict[str, tuple[str, str, Segments, int]] = {}
        self._loaded = False
        self._passes: dict[int, bool] = {}
        self._joined: dict[tuple[int, ...], int] = {}
        self._version: Callable[[str], tuple[int, ...] | None] | None = None  # the store listed once
        # the store's changes stamp, taken before anything is read; the directory's; the entries checked
        self._stamp: str | None = None
        self._saved_stamp: str | None = None
        self._trusted = False
        self._checked: set[str] = set()
        self._mapped: mmap.mmap | None = None
        self._asked = 0  # articles looked up (a search that asks for many maps the data file at once)

    @property
    def trusted(self) -> bool:
        """The store has not changed since every entry of the directory was checked: entries are used as
        they are, without a version check (a stat or two) per article. (Known once loaded: kept in
        ``_trusted`` for the once-per-article check.)"""
        return self._trusted

    def loaded_trusted(self) -> bool:
        """:attr:`trusted`, the cache loaded first if no lookup has loaded it yet."""
        if not self._loaded:
            self._load()
        return self._trusted

    def built(self) -> list[Built]:
        """The layouts built since the cache was loaded, each segment's tags spelt out (its id belongs to
        this table): what a forked search's child sends its parent to :meth:`adopt`."""
        table = self.tagsets
        return [
            (article_id, version, sha, list(segments.bounds), [table[t] for t in segments.tagsets], length)
            for article_id, (version, sha, segments, length) in self._new.items()
        ]

    def adopt(self, built: list[Built]) -> None:
        """Keep layouts another TagSpans :meth:`built` as if built here (unless built here too); TypeError or
        ValueError, and none kept, if ``built`` is not what :meth:`built` gives."""
        made = {}
        for article_id, version, sha, bounds, tags, length in built:
            if not (
                all(type(v) is str for v in (article_id, version, sha))
                and type(length) is int
                and all(type(b) is int for b in bounds)
                and len(bounds) == (len(tags) + 1 if tags else 0)
                and all(type(t) is tuple and all(type(tag) is str for tag in t) for t in tags)
            ):
                raise ValueError(f"not a built layout: {article_id!r}")
            made[article_id] = (version, sha, Segments(list(bounds), [self.intern(t) for t in tags]), length)
        for article_id, entry in made.items():
            self._new.setdefault(article_id, entry)

    def _load(self) -> None:
        self._loaded = True
        self._stamp = self.store.changes_stamp()  # first: whatever changes after this moves it
        try:
            directory = tagdir.decode((self.folder / DIRECTORY).read_bytes())
            tagsets, ids, shas, kinds = directory.tagsets, directory.ids, directory.shas, directory.kinds
            ints = directory.ints
            if not tagsets or tagsets[0] != ():  # (a tuple twice is harmless: either id has its tags)
                return
            if not (
                len(shas) == _SHA * len(ids) and len(kinds) == len(ids) and len(ints) == _FIELDS * len(ids)
            ):
                return
            if not set(kinds) <= set(KINDS):
                return
            with open(self.folder / directory.data, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else None
                data = memoryview(mapped if mapped is not None else b"")
            data_ints, masks = data.cast(INT), data.cast(MASK_ITEM)  # (TypeError if cut: damaged)
        except FileNotFoundError:
            return
        except (OSError, ValueError, TypeError) as e:
            log.debug("rebuilding the search's tag spans in %s: %s", self.folder, e)
            return
        self.tagsets, self._ids = tagsets, None
        self._rows = dict(zip(ids, range(len(ids)), strict=True))
        self._shas, self._kinds, self._ints = shas, kinds, ints
        self._versions_text, self._versions = directory.versions, None
        self._data_name, self._bytes, self._mapped = directory.data, data, mapped
        self._data_ints, self._masks = data_ints, masks
        self._saved_stamp = directory.stamp
        self._trusted = self._stamp is not None and self._stamp == self._saved_stamp

    def _version_at(self, row: int) -> str | None:
        """The store's version an entry was made from; None if the column is damaged (then none is used)."""
        if self._versions is None:
            self._versions = self._versions_text.split(_SEP) if self._versions_text else []
        return self._versions[row] if len(self._versions) == len(self._rows) else None

    def _cached(self, article_id: str, version: str | None, sha: str, text_length: int) -> Layout | bool:
        """The stored layout of this version of the article (None: trusted, not checked); True for an
        empty one; False if none."""
        row = self._rows.get(article_id)
        if row is None or self._shas[_SHA * row : _SHA * (row + 1)] != sha:
            return False
        if version is not None and self._version_at(row) != version:
            return False
        kind, at = self._kinds[row], _FIELDS * row
        offset, meta = self._ints[at], self._ints[at + 1 : at + _FIELDS]
        if kind == "w" and meta[0] < text_length:  # (a mask covers the whole text)
            return False
        size = blob_size(kind, meta)
        if not size:
            return True
        if not self._within(offset, size):
            return False  # damaged: built again
        return decode(kind, meta, self._data_ints, self._masks, offset)  # (its ids: checked by tagsets_of)

    def _within(self, offset: int, size: int) -> bool:
        """A stored layout of ``size`` bytes at ``offset`` lies wholly in the data file (else it is damaged:
        built again, never read from another layout's bytes)."""
        return offset >= 0 and not offset % ITEM and offset + size <= len(self._bytes)

    def _populate(self) -> None:
        """Map every page of the data file at once: a search that looks up thousands of articles would
        otherwise take a page fault or two for each (~10% of a common word's search; ~2 ms for 100 MB)."""
        if self._mapped is not None:
            with suppress(OSError, ValueError):  # (Linux 5.14+; elsewhere the pages fault in one by one)
                self._mapped.madvise(_MADV_POPULATE_READ)

    def _mask_at(self, article_id: str, sha256: str, text_length: int) -> int | None:
        """Where the trusted mask of this version of the article starts in the data file (in mask items),
        the commonest entry found with a third of :meth:`_cached`'s steps; None where it would find
        anything else (then it is asked)."""
        row = self._rows.get(article_id)
        if row is None or self._kinds[row] != "w" or article_id in self._new:
            return None
        ints, at = self._ints, _FIELDS * row
        if ints[at + 1] < text_length or ints[at] < 0 or not self._shas.startswith(sha256[:_SHA], _SHA * row):
            return None
        return ints[at] // MASK_BYTES  # (past the file's end: cut short, an IndexError when read)

    def intern(self, tags: tuple[str, ...]) -> int:
        if self._ids is None:  # (only a search that builds or joins needs it: made then)
            self._ids = {tags: i for i, tags in enumerate(self.tagsets)}
        found = self._ids.get(tags)
        if found is None:
            found = self._ids[tags] = len(self.tagsets)
            self.tagsets.append(tags)
        return found

    def join(self, tagsets: Iterable[int]) -> int:
        """The id of the tags of ``tagsets`` one after the other, each tag once (IndexError for an id not in
        the table: a damaged cached layout). Remembered: a common two-character word crosses the same
        pairs of segments thousands of times."""
        ids = tuple(tagsets)
        found = self._joined.get(ids)
        if found is None:
            if ids and min(ids) < 0:
                raise IndexError(min(ids))
            found = self._joined[ids] = self.intern(
                tuple(dict.fromkeys(t for i in ids for t in self.tagsets[i]))
            )
        return found

    def layout(self, article_id: str, sha256: str, text_length: int, placer: Placer) -> Layout | None:
        """The article's tags by position, None if no annotation of it covers anything. ``placer()`` gives
        what turns its stored records (document order) into intervals on the current text (asked only when
        the layout is built: most are cached)."""
        if not self._loaded:
            self._load()
        sha = sha256[:_SHA]
        if self.trusted and article_id not in self._new:
            cached = self._cached(article_id, None, sha, text_length)
            if cached is not False:
                return None if cached is True else cached
        try:
            if self._version is None:
                self._version = self.store.article_versions()
            version = self._version(article_id)
        except StoreError as e:  # an unreadable folder: no tags for this article, nothing else blocked
            log.debug("search: no tags for %s: %s", article_id, e)
            return None
        if version is None:
            return None
        key = ".".join(map(str, version))
        if article_id not in self._new:
            cached = self._cached(article_id, key, sha, text_length)
            if cached is not False:
                self._checked.add(article_id)
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

    def tagsets_of_articles(self, articles: Sequence[Lookup], length: int) -> list[list[int] | None]:
        """The tagset id of each match of each of ``articles`` (id, sha256, text length, placer, starts,
        ends; ``length`` that of every match or 0) in the article (:meth:`layout`), or None for an article
        where no annotation covers anything. While the cache is trusted, the articles with a mask (the
        usual case) are looked up together (:func:`tagsets_in_masks`); the others one by one."""
        if not self._loaded:
            self._load()
        asked = self._asked
        self._asked += len(articles)
        if asked < _POPULATE_AFTER <= self._asked:
            self._populate()
        out: list[list[int] | None] = [None] * len(articles)
        masked: list[int] = []
        if self._trusted:
            placed = []
            for j, (article_id, sha256, text_length, _, starts, ends) in enumerate(articles):
                offset = self._mask_at(article_id, sha256, text_length)
                if offset is not None:
                    placed.append((offset, starts, ends))
                    masked.append(j)
            if placed:
                try:
                    found = tagsets_in_masks(self._masks, placed, length, self.join)
                    if max(map(max, filter(None, found)), default=0) < len(self.tagsets):
                        for j, tagsets in zip(masked, found, strict=True):
                            out[j] = tagsets
                    else:
                        masked = []
                except IndexError:  # (a damaged entry: cut short; looked up one by one, and rebuilt)
                    masked = []
        if len(masked) < len(articles):
            done = set(masked)
            for j, (article_id, sha256, text_length, placer, starts, ends) in enumerate(articles):
                if j not in done:
                    out[j] = self._tagsets_one(
                        article_id, sha256, text_length, placer, (starts, ends, length)
                    )
        return out

    def _tagsets_one(
        self,
        article_id: str,
        sha256: str,
        text_length: int,
        placer: Placer,
        found: tuple[list[int], list[int], int],
    ) -> list[int] | None:
        """:meth:`tagsets_of_articles` for an article whose layout is not a trusted mask, or is damaged."""
        layout = self.layout(article_id, sha256, text_length, placer)
        if layout is None:
            return None
        starts, ends, length = found
        try:
            tagsets = layout.tagsets_of(starts, ends, length, self.join)
            if layout.largest(tagsets) < len(self.tagsets):  # (checked on what is used: cheaper)
                return tagsets
        except IndexError:  # an index past a table
            pass
        if article_id in self._new:  # pragma: no cover - built here: its ids are those of this table
            raise AssertionError(f"tag layout of {article_id!r} out of its table")
        log.debug("search: the cached tag spans of %s are damaged: built again", article_id)
        self._rows.pop(article_id, None)
        layout = self.layout(article_id, sha256, text_length, placer)
        return None if layout is None else layout.tagsets_of(starts, ends, length, self.join)

    def passes(self, tagset: int, wanted: tuple[str, ...]) -> bool:
        """A tagset with a tag under one of ``wanted`` (the ``--tag`` filter, 简 and 繁 alike)."""
        found = self._passes.get(tagset)
        if found is None:
            found = self._passes[tagset] = any(under_any_alike(t, wanted) for t in self.tagsets[tagset])
        return found

    def save(self) -> None:
        """Keep what this search built, with every entry still as the store is, and the stamp it was done
        under (:meth:`AnnotationReader.changes_stamp`) once every entry is checked: the next search then
        trusts them all. A cache: failing to write it costs a rebuild, not an error."""
        if not self._loaded or (not self._new and (self.trusted or self._stamp is None)):
            return
        stamp, stale = self._stamp, set[str]()
        if stamp is not None and not self.trusted:
            found = self._stale()
            if found is None:
                stamp = None  # entries that cannot be checked are kept, as before, but not trusted
            else:
                stale = found
        # (a first save with nothing built still makes a data file: a directory naming none is not loaded)
        self._write(stamp, stale, new_data=bool(self._new) or not self._data_name)

    def _stale(self) -> set[str] | None:
        """The entries this search has not checked whose article's annotations changed since they were
        made (a stat or two each, once after a change); None if the store cannot be listed."""
        try:
            version = self._version or self.store.article_versions()
            return {
                article_id
                for article_id, row in self._rows.items()
                if article_id not in self._checked
                and article_id not in self._new
                and ".".join(map(str, version(article_id) or ())) != self._version_at(row)
            }
        except StoreError as e:
            log.debug("search: cannot check the cached tag spans: %s", e)
            return None

    def _directory(
        self, data_name: str, stamp: str | None, columns: dict[str, list[Any]]
    ) -> tagdir.Directory:
        """What ``tagspans.dir`` holds (:mod:`reader.search.tagdir`)."""
        return tagdir.Directory(
            data=data_name,
            stamp=stamp,
            tagsets=self.tagsets,
            ids=columns["ids"],
            versions=_SEP.join(columns["versions"]),
            shas="".join(columns["shas"]),
            kinds="".join(columns["kinds"]),
            ints=array("q", columns["ints"]),
        )

    def _write(self, stamp: str | None, stale: set[str], *, new_data: bool) -> None:
        """Write the directory of the entries still good and what this search built (into a new data file,
        with the kept entries' bytes, if ``new_data``; else the data file stays), then remove older data
        files."""
        columns: dict[str, list[Any]] = {"ids": [], "versions": [], "shas": [], "kinds": [], "ints": []}
        parts: list[bytes] = []
        offset = 0

        def add(
            article_id: str, version: str, sha: str, kind: str, meta: Iterable[int], blob: bytes | int
        ) -> None:
            nonlocal offset
            for column, value in (("ids", article_id), ("versions", version), ("shas", sha), ("kinds", kind)):
                columns[column].append(value)
            if isinstance(blob, int):  # where it is in the data file kept
                columns["ints"].extend((blob, *meta))
                return
            columns["ints"].extend((offset, *meta))
            parts.append(blob)
            offset += len(blob)

        for article_id, row in self._rows.items():
            version = self._version_at(row)
            if article_id in self._new or article_id in stale or version is None:
                continue
            kind, (at, *meta) = self._kinds[row], self._ints[_FIELDS * row : _FIELDS * (row + 1)]
            if not self._within(at, blob_size(kind, meta)):
                continue  # damaged: built again when next needed
            blob = bytes(self._bytes[at : at + blob_size(kind, meta)]) if new_data else at
            add(article_id, version, self._shas[_SHA * row : _SHA * (row + 1)], kind, meta, blob)
        for article_id, (version, sha, segments, length) in self._new.items():
            made = encode(segments, length) if segments.tagsets else ("b", [0, 0], b"")
            add(article_id, version, sha, *made)
        name = f"tagspans-{secrets.token_hex(6)}.bin" if new_data else self._data_name
        tmp = self.folder / f".{DIRECTORY}.{name}.{secrets.token_hex(4)}.tmp"
        try:
            directory = tagdir.encode(self._directory(name, stamp, columns))
            self.folder.mkdir(parents=True, exist_ok=True)
            if new_data:
                (self.folder / name).write_bytes(b"".join(parts))
            tmp.write_bytes(directory)
            os.replace(tmp, self.folder / DIRECTORY)
        except (OSError, ValueError) as e:  # (ValueError: a column that cannot be encoded: not kept)
            log.debug("cannot write the search's tag spans in %s: %s", self.folder, e)
            for written in (tmp, self.folder / name) if new_data else (tmp,):
                with suppress(OSError):
                    written.unlink()
            return
        for old in [*self.folder.glob("tagspans-*.bin"), self.folder / _OLD_DIRECTORY]:
            if old.name != name:
                with suppress(OSError):
                    old.unlink()
        self._new.clear()
        self._loaded = False  # the next use reads what was written
