"""The index: per article file, its article id, annotation count and tag counts, kept without O(n) work.

``local/index.json`` is a cache: each entry names the file versions it was computed from (the snapshot's
signature, the log's inode, the byte offset and seq read up to). :meth:`Index.fresh` stats every article
file; an entry whose log only grew is brought up to date by reading the new tail (each log line carries
the tags it replaced, so counts follow without the records); anything else is recounted from the files. A
stale, lost or garbled index costs a recount, never a wrong number, so it is written without fsync, and
only when the lock happens to be free.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

import orjson

from reader.errors import StoreError
from reader.logs import logger
from reader.store.changes import Op, read_tail
from reader.store.entries import count_tags, follow_text, text_of, valid_entry
from reader.store.files import Signature, atomic_write, cannot, read_bytes, signature
from reader.store.log import LOG_SUFFIX, SNAPSHOT_SUFFIX, ArticleFile
from reader.store.names import INDEX_SCHEMA
from reader.store.records import JsonDict

log = logger(__name__)

FileKey = tuple[Signature | None, int | None, int]  # snapshot signature, log inode, log size


def entry_from(af: ArticleFile) -> JsonDict:
    """A full entry from a loaded article file."""
    count, tags = af.counts()
    return {
        "article_id": af.article_id,
        "count": count,
        "tags": dict(tags),
        "snap": None if af.snap_sig is None else list(af.snap_sig),
        "ino": af.log_ino,
        "off": af.log_off,
        "crc": af.log_crc,
        "seq": af.seq,
        "ordered": af.ordered,  # the snapshot's records are in document order (see reader.store.snapshot)
        "on": text_of(af.docs.values()) if af.docs else None,  # the text every record was made on
    }


def apply_ops(entry: JsonDict, ops: list[Op]) -> bool:
    """Follow ``ops`` in the entry's counts; False if one lacks what that needs (then recount)."""
    tags: dict[str, int] = entry["tags"]
    for op in ops:
        if op.was is not None:
            count_tags(tags, removed=op.was)
        if op.kind == "put":
            assert op.record is not None
            follow_text(entry, op.record)
            if op.was is None:
                entry["count"] += 1
            count_tags(tags, added=op.record["tags"])
        else:
            if op.was is None:
                return False
            entry["count"] -= 1
        entry["seq"] = op.seq
    return True


class Index:
    """Entries by file stem, problems by file stem; read from and written to ``path``."""

    def __init__(self, path: Path, articles_dir: Path) -> None:
        self.path = path
        self.articles_dir = articles_dir
        self.entries: dict[str, JsonDict] = {}
        self.problems: dict[str, tuple[FileKey, str]] = {}
        self.dirty = False
        self._sig: Signature | None = None
        self._loaded = False

    def _load(self) -> None:
        """Entries from disk the first time (garbage counts as empty; ours win over the file's)."""
        if self._loaded:
            return
        self._loaded = True
        got = None
        with suppress(StoreError):
            got = read_bytes(self.path)
        if got is None:
            return
        with suppress(orjson.JSONDecodeError, AttributeError, TypeError):
            data = orjson.loads(got[0])
            if data.get("schema") == INDEX_SCHEMA:
                files = {stem: e for stem, e in data["files"].items() if valid_entry(e)}
                self.entries = {**files, **self.entries}
                self._sig = got[1]

    def save(self) -> None:
        """Write the index (caller holds the lock). A cache: failing to write it is not worth an error."""
        payload = orjson.dumps({"schema": INDEX_SCHEMA, "files": self.entries})
        try:
            self.path.parent.mkdir(exist_ok=True)  # local/index: none if only `reader annotate` wrote
            self._sig = atomic_write(self.path, payload, durable=False, replaces=self._sig)
            self.dirty = False
        except OSError as e:
            log.debug("cannot write %s: %s", self.path, e)

    def note(self, af: ArticleFile, before: tuple[Signature | None, int | None, int], ops: list[Op]) -> None:
        """After our own append to ``af``: follow ``ops`` if the entry was at ``before``, else refresh."""
        e = self.entries.get(af.stem)
        snap, ino, off = before
        if e is not None and _key_of(e) == (snap, ino, off) and apply_ops(e, ops):
            e["off"], e["ino"], e["crc"] = af.log_off, af.log_ino, af.log_crc
        elif af.docs is not None:
            self.entries[af.stem] = entry_from(af)
        else:
            return  # stays stale: the next fresh() reads the new tail
        self.problems.pop(af.stem, None)
        self.dirty = True

    def known(self, stem: str) -> tuple[Signature | None, int, int, int] | None:
        """(snapshot signature, log inode, offset, seq) of the checked version the entry was made from."""
        self._load()
        e = self.entries.get(stem)
        if e is None or e.get("ino") is None or stem in self.problems:
            return None
        snap, ino, off = _key_of(e)
        assert ino is not None
        return snap, ino, off, e["seq"]

    def checked(self, stem: str) -> tuple[Signature | None, tuple[int, int, int] | None, bool]:
        """What the entry was made from, whose records were checked: the snapshot's signature, the
        log's (inode, length, CRC-32 of that length), and whether the snapshot's records were in
        document order."""
        self._load()
        e = self.entries.get(stem)
        if e is None:
            return None, None, False
        snap, ino, off = _key_of(e)
        return snap, (None if ino is None else (ino, off, e["crc"])), e.get("ordered", False)

    def entry(self, stem: str) -> JsonDict | None:
        """A copy of the entry of ``stem`` (what it was made from, its count; see :func:`entry_from`)."""
        self._load()
        e = self.entries.get(stem)
        return None if e is None else dict(e)

    def learn_text(self, af: ArticleFile) -> None:
        """Give the entry of ``af`` (just read whole) the text its records were made on, if it was made
        from the same versions and lacks it (an index written before entries had ``on``)."""
        e = self.entries.get(af.stem)
        if e is not None and "on" not in e and _key_of(e) == (af.snap_sig, af.log_ino, af.log_off):
            e["on"] = text_of(af.docs.values()) if af.docs else None
            self.dirty = True

    def follow(self, stem: str, ops: list[Op], offset: int, gained: bytes) -> None:
        """Bring the entry to ``offset`` with ``ops`` read or appended after it (see :meth:`known`);
        ``gained``: the log's bytes from the entry's offset to ``offset``."""
        e = self.entries[stem]
        if apply_ops(e, ops):
            e["off"], e["crc"] = offset, zlib.crc32(gained, e["crc"])
        else:  # pragma: no cover - a del without 'was': recount next time
            del self.entries[stem]
        self.dirty = True

    def replace(self, af: ArticleFile) -> None:
        """After a compaction or a full load of ``af``."""
        self.entries[af.stem] = entry_from(af)
        self.problems.pop(af.stem, None)
        self.dirty = True

    def drop(self, stem: str) -> None:
        self.entries.pop(stem, None)
        self.problems.pop(stem, None)
        self.dirty = True

    def fresh(self, cached: Callable[[str], ArticleFile | None]) -> dict[str, JsonDict]:
        """Every entry checked against the files now (see the module docstring); problems noted."""
        self._load()
        keys = self._scan()
        for stem in [s for s in self.entries if s not in keys]:
            del self.entries[stem]
            self.dirty = True
        problems: dict[str, tuple[FileKey, str]] = {}
        for stem, key in keys.items():
            known = self.problems.get(stem)
            if known is not None and known[0] == key:
                problems[stem] = known
                continue
            try:
                self._refresh(stem, key, cached)
            except StoreError as err:
                self.entries.pop(stem, None)
                problems[stem] = (key, str(err))
        self.problems = problems
        return self.entries

    def _refresh(self, stem: str, key: FileKey, cached: Callable[[str], ArticleFile | None]) -> None:
        e = self.entries.get(stem)
        if e is not None:
            have = _key_of(e)
            if have == key:
                return
            if have[:2] == key[:2] and key[2] > have[2] and have[1] is not None:
                got = read_tail(self.articles_dir / f"{stem}{LOG_SUFFIX}", have[1], have[2], e["seq"])
                if got is not None:
                    trial = {**e, "tags": dict(e["tags"])}
                    if apply_ops(trial, got[0]):
                        trial["off"], trial["crc"] = got[1], zlib.crc32(got[2], e["crc"])
                        self.entries[stem] = trial
                        self.dirty = self.dirty or bool(got[0])
                        return
        af = cached(stem) or ArticleFile(self.articles_dir, stem, None)
        af.load()
        if af.article_id is None:  # neither file holds anything yet
            self.entries.pop(stem, None)
            return
        self.entries[stem] = entry_from(af)
        self.dirty = True

    def _scan(self) -> dict[str, FileKey]:
        """Stem -> (snapshot signature, log inode, log size) of every article file in the folder."""
        snaps: dict[str, Signature | None] = {}
        logs: dict[str, tuple[int, int]] = {}
        try:
            scan = list(os.scandir(self.articles_dir))
        except FileNotFoundError:
            return {}
        except OSError as e:
            raise cannot(self.articles_dir, "list", e) from e
        for de in scan:
            name = de.name
            if name.startswith("."):
                continue
            try:
                if name.endswith(SNAPSHOT_SUFFIX):
                    snaps[name[: -len(SNAPSHOT_SUFFIX)]] = signature(de.stat())
                elif name.endswith(LOG_SUFFIX):
                    st = de.stat()
                    logs[name[: -len(LOG_SUFFIX)]] = (st.st_ino, st.st_size)
            except FileNotFoundError:
                continue
            except OSError as e:  # pragma: no cover - stat of a listed file rarely fails
                raise cannot(Path(de.path), "read", e) from e
        keys: dict[str, FileKey] = {}
        for stem in snaps.keys() | logs.keys():
            ino, size = logs.get(stem, (None, 0))
            keys[stem] = (snaps.get(stem), ino, size)
        return keys


def _key_of(e: JsonDict) -> FileKey:
    snap = e.get("snap")
    return (None if snap is None else (snap[0], snap[1], snap[2]), e.get("ino"), e["off"])
