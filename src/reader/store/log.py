"""One article's annotations on disk: a snapshot in TinyDB's JSON layout plus an append-only change log.

``articles/<stem>.json`` (the snapshot), one annotation per line (:func:`.snapshot.snapshot_bytes`)::

    {"meta":{"1":{"schema":2,"article_id":"...","seq":41}},"annotations":{
    "<id>":{...},
    "<id>":{...}
    }}

It is a TinyDB database (tables ``meta`` and ``annotations``; ``TinyDB(path)`` opens it); schema-1 files
written before the log existed are valid snapshots with ``seq`` 0 (and may hold a legacy ``state`` table).

``articles/<stem>.log`` (the change log), JSON lines::

    {"log": 2, "article_id": "...", "after": 41}                header: follows the snapshot with seq 41
    {"seq": 42, "put": {...whole record...}, "was": null}        added (``was``: tags it replaced, if any)
    {"seq": 43, "del": "<id>", "was": ["tag", ...]}              deleted

The records are the snapshot's with every line whose ``seq`` is above the snapshot's applied in order.
``was`` lets the index follow tag counts from the log alone. A save appends one or more whole lines in one
``write`` and fsyncs; a crash can only leave a *torn final line* (unacknowledged): readers ignore it and
the next writer, holding the lock, cuts it off. A bad line before the last is corruption.

Compaction (when the log outgrows the snapshot) writes a new snapshot atomically, then replaces the log by
one holding only a new header; a reader that read the old snapshot and the new log notices the snapshot
changed and reads again.
"""

from __future__ import annotations

import os
import zlib
from collections import Counter
from contextlib import suppress
from pathlib import Path

import orjson

from reader.errors import StoreError
from reader.store.append import append_line
from reader.store.changes import Op, decode_header, encode, header, parse_lines, read_tail
from reader.store.files import (
    Signature,
    atomic_write,
    cannot,
    corrupt,
    gc_paused,
    read_bytes,
    read_whole,
    stat_signature,
    write_all,
)
from reader.store.names import LOG_SUFFIX, MIN_COMPACT_BYTES, SNAPSHOT_SUFFIX
from reader.store.records import JsonDict
from reader.store.snapshot import (
    ANNOTATIONS,
    LEGACY_SCHEMA,
    META,
    in_document_order,
    parse_snapshot,
    snapshot_bytes,
)

__all__ = [
    "ANNOTATIONS",
    "LEGACY_SCHEMA",
    "LOG_SUFFIX",
    "META",
    "MIN_COMPACT_BYTES",
    "SNAPSHOT_SUFFIX",
    "ArticleFile",
]

_TAIL_CHUNK = 64 * 1024
_RETRIES = 20


def _read_log(path: Path) -> tuple[bytes, int] | None:
    """The log's bytes and inode, None if there is none."""
    try:
        got = read_whole(path)
    except OSError as e:
        raise cannot(path, "read", e) from e
    return None if got is None else (got[0], got[1].st_ino)


def _create(path: Path, payload: bytes) -> int:
    """Write a new file in place (no temp file, no fsync); its inode."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
    try:
        write_all(fd, payload)
        return os.fstat(fd).st_ino
    finally:
        os.close(fd)


class ArticleFile:
    """One article's snapshot and log, with its records in memory once loaded.

    Reading needs no lock. Every method that writes must run under the database lock, after
    :meth:`prepare` in the same hold of it.
    """

    def __init__(self, folder: Path, stem: str, article_id: str | None) -> None:
        self.stem = stem
        self.snapshot_path = folder / f"{stem}{SNAPSHOT_SUFFIX}"
        self.log_path = folder / f"{stem}{LOG_SUFFIX}"
        self.article_id = article_id
        self.docs: dict[str, JsonDict] | None = None
        self.legacy_state: JsonDict | None = None
        self.snap_sig: Signature | None = None
        self.snap_seq = 0
        self.seq = 0
        self.log_ino: int | None = None
        self.log_off = 0  # bytes of the log read (whole lines)
        self.log_crc = 0  # CRC-32 of those bytes
        # versions already checked (from the index): the snapshot's signature; the log's inode, length, CRC;
        # whether that snapshot's records were in document order
        self.trusted: Signature | None = None
        self.trusted_log: tuple[int, int, int] | None = None
        self.trusted_ordered = False
        # the snapshot's records (in docs) are in document order but for ids put since (see in_order)
        self.ordered = False
        self.changed: set[str] = set()

    # -- reading

    def load(self) -> dict[str, JsonDict]:
        """The records now: the new tail of the log if only that changed, else everything read again."""
        if self.docs is None or not self._catch_up():
            with gc_paused():
                self._load_whole()
        assert self.docs is not None
        return self.docs

    def in_order(self) -> list[JsonDict]:
        """The records loaded, in document order (start, end, created): without sorting them all when
        the snapshot is known to be in that order (see :mod:`reader.store.snapshot`)."""
        assert self.docs is not None
        return in_document_order(self.docs, self.ordered, self.changed)

    def _catch_up(self) -> bool:
        if stat_signature(self.snapshot_path) != self.snap_sig:
            return False
        if self.log_ino is None:
            return not self.log_path.exists()
        got = read_tail(self.log_path, self.log_ino, self.log_off, self.seq)
        if got is None:
            return False
        ops, self.log_off, consumed = got
        self.log_crc = zlib.crc32(consumed, self.log_crc)
        self._apply(ops)
        return True

    def _load_whole(self) -> None:
        for _ in range(_RETRIES):
            # most articles have no snapshot yet (a log of under 256 KiB): a stat costs less than an open
            snap = None if stat_signature(self.snapshot_path) is None else read_bytes(self.snapshot_path)
            log = _read_log(self.log_path)
            if stat_signature(self.snapshot_path) == (None if snap is None else snap[1]):
                break  # the snapshot did not change while the log was read
        else:  # pragma: no cover - compaction elsewhere 20 times in a row
            raise StoreError(f"{self.snapshot_path}: keeps changing while being read; try again")
        self.docs, self.legacy_state, self.snap_sig = {}, None, None
        self.snap_seq = self.seq = 0
        self.ordered, self.changed = False, set()  # without a snapshot every record comes from the log
        if snap is not None:
            trusted = snap[1] == self.trusted
            got = parse_snapshot(self.snapshot_path, snap[0], self.article_id, check_records=not trusted)
            self.article_id, self.snap_seq, self.docs, self.legacy_state = got[:4]
            self.snap_sig, self.seq = snap[1], self.snap_seq
            self.ordered = self.trusted_ordered if trusted else got.ordered
        self.log_ino, self.log_off, self.log_crc = None, 0, 0
        if log is not None:
            self._read_whole_log(*log)

    def _read_whole_log(self, data: bytes, ino: int) -> None:
        self.log_ino = ino
        end = data.find(b"\n")
        try:  # a log is created whole (atomically), so its first line is always complete
            if end < 0:
                raise ValueError("no complete first line")
            article_id, after = decode_header(data[:end])
        except ValueError as e:
            raise corrupt(self.log_path, f"change log has no valid header ({e})") from e
        if self.article_id is not None and article_id != self.article_id:
            raise corrupt(self.log_path, f"holds article {article_id!r}, expected {self.article_id!r}")
        if after > self.snap_seq:
            raise corrupt(
                self.log_path,
                f"follows change {after} but {self.snapshot_path.name} holds changes up to {self.snap_seq}",
            )
        self.article_id = article_id
        trusted, crc = self._trusted_bytes(data, ino)
        start = max(end + 1, trusted)
        if start > end + 1:  # checked before and unchanged since: applied without a second look
            after = self._apply_trusted(data[end + 1 : start])
        ops, used = parse_lines(self.log_path, data[start:], article_id, after)
        self.log_off = start + used
        self.log_crc = zlib.crc32(memoryview(data)[trusted : self.log_off], crc)  # the rest of the CRC
        self._apply([op for op in ops if op.seq > self.snap_seq])

    def _apply_trusted(self, lines: bytes) -> int:
        """Apply whole lines already checked (see :meth:`_trusted_bytes`); the last seq. (Exporting
        100,000 annotations runs this loop for each of them: it is kept lean.)"""
        docs = self.docs
        assert docs is not None
        seq, snap_seq = self.seq, self.snap_seq
        changed = self.changed.add if self.ordered else None  # unordered: all are sorted anyway
        for obj in orjson.loads(b"[" + lines[:-1].replace(b"\n", b",") + b"]"):
            seq = obj["seq"]
            if seq <= snap_seq:
                continue
            record = obj.get("put")
            if record is not None:
                key = record["id"]
                record["tags"] = tuple(record["tags"])
                docs[key] = record
                if changed is not None:
                    changed(key)
            else:
                docs.pop(obj["del"], None)
        self.seq = max(self.seq, seq)
        return seq

    def _trusted_bytes(self, data: bytes, ino: int) -> tuple[int, int]:
        """How many bytes at the start of the log were checked before (same inode, same CRC), else 0;
        and the CRC-32 of those bytes."""
        known = self.trusted_log
        if known is None or known[0] != ino or known[1] > len(data):
            return 0, 0
        return (known[1], known[2]) if zlib.crc32(memoryview(data)[: known[1]]) == known[2] else (0, 0)

    def _apply(self, ops: list[Op]) -> None:
        docs = self.docs
        assert docs is not None
        for op in ops:
            if op.kind == "put":
                record = op.record
                assert record is not None
                if type(record["tags"]) is not tuple:  # read from the log (ops_for makes tuples)
                    record["tags"] = tuple(record["tags"])
                docs[op.id] = record
                self.changed.add(op.id)
            else:
                docs.pop(op.id, None)
            self.seq = op.seq

    @property
    def snapshot_size(self) -> int:
        return 0 if self.snap_sig is None else self.snap_sig[1]

    def counts(self) -> tuple[int, Counter[str]]:
        """Number of annotations and annotations per tag (loaded records)."""
        assert self.docs is not None
        tags: Counter[str] = Counter()
        for doc in self.docs.values():
            tags.update(doc["tags"])
        return len(self.docs), tags

    # -- writing (lock held)

    def prepare(self) -> None:
        """Before a write: read what others appended and cut a torn tail."""
        self.load()
        if self.log_ino is None:
            return
        size = self._log_size()
        if size != self.log_off:  # unread bytes under the lock: a torn line nobody acknowledged
            if size < self.log_off:  # pragma: no cover - cut behind our back: read again
                self._load_whole()
                return self.prepare()
            self._truncate(self.log_off)

    def ensure_log(self, *, durable: bool = True) -> None:
        """After :meth:`prepare`: create the log (a header only) if the article has none yet."""
        if self.log_ino is None:
            self._new_log(durable=durable)

    def _log_size(self) -> int:
        try:
            return os.stat(self.log_path).st_size
        except OSError as e:
            raise cannot(self.log_path, "read", e) from e

    def _truncate(self, size: int) -> None:
        try:
            fd = os.open(self.log_path, os.O_WRONLY | os.O_CLOEXEC)
            try:
                os.ftruncate(fd, size)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as e:
            raise cannot(self.log_path, "repair", e) from e

    def _new_log(self, *, durable: bool) -> None:
        """A log holding only a header that follows the records in memory (a new or compacted article)."""
        assert self.article_id is not None
        head = header(self.article_id, self.seq)
        try:
            self.log_ino = atomic_write(self.log_path, head, durable=durable)[2]
        except OSError as e:
            raise cannot(self.log_path, "save annotations", e) from e
        self.log_off = len(head)
        self.log_crc = zlib.crc32(head)

    def ops_for(self, puts: list[JsonDict], dels: list[str]) -> list[Op]:
        """The changes that make ``puts`` and ``dels`` true (those already true are left out)."""
        docs = self.docs
        assert docs is not None
        ops: list[Op] = []
        seq = self.seq
        current: dict[str, JsonDict | None] = {}

        def now(key: str) -> JsonDict | None:
            return current[key] if key in current else docs.get(key)

        for key in dels:
            old = now(key)
            if old is not None:
                seq += 1
                ops.append(Op("del", seq, None, key, tuple(old["tags"])))
                current[key] = None
        for rec in puts:
            if type(rec["tags"]) is not tuple:  # stored records hold tuples (see reader.store.snapshot)
                rec = {**rec, "tags": tuple(rec["tags"])}
            key = rec["id"]
            old = now(key)
            if old == rec:
                continue
            seq += 1
            ops.append(Op("put", seq, rec, key, None if old is None else tuple(old["tags"])))
            current[key] = rec
        return ops

    def append(self, ops: list[Op], *, sync: bool = True, fresh_log: bool = False) -> int:
        """Append ``ops`` (from :meth:`ops_for`) in one write; fsynced unless ``sync`` is False (the caller
        then syncs). Returns the log size before, for a rollback. On failure the log is cut back."""
        if not ops:
            return self.log_off
        payload = b"".join(map(encode, ops))
        if self.log_ino is None:  # a new log: header and changes in one write
            assert self.article_id is not None
            head = header(self.article_id, self.seq)
            try:
                if fresh_log:  # written in place: the journal knows it is new (see reader.store.journal)
                    self.log_ino = _create(self.log_path, head + payload)
                else:
                    self.log_ino = atomic_write(self.log_path, head + payload, durable=sync)[2]
            except OSError as e:
                raise cannot(self.log_path, "save annotations", e) from e
            self._apply(ops)
            self.log_off = len(head) + len(payload)
            self.log_crc = zlib.crc32(head + payload)
            return len(head)
        before = self.log_off
        try:
            fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
        except OSError as e:
            raise cannot(self.log_path, "save annotations", e) from e
        try:
            write_all(fd, payload)
            if sync:
                os.fsync(fd)
        except OSError as e:
            with suppress(OSError):
                os.ftruncate(fd, before)  # the unacknowledged part goes: the file is as it was
            raise cannot(self.log_path, "save annotations", e) from e
        finally:
            os.close(fd)
        self._apply(ops)
        self.log_off = before + len(payload)
        self.log_crc = zlib.crc32(payload, self.log_crc)
        return before

    def roll_back(self, size: int) -> None:
        """Cut the log back to ``size`` bytes (undo of appends whose change could not be completed); size
        0 removes a log that the change created."""
        if size == 0:
            try:
                os.unlink(self.log_path)
            except FileNotFoundError:
                pass
            except OSError as e:
                raise cannot(self.log_path, "remove", e) from e
        else:
            self._truncate(size)
        self.docs = None  # read again next time
        self.log_ino, self.log_off, self.log_crc = None, 0, 0

    def append_after(
        self, record: JsonDict, known: tuple[Signature | None, int, int, int]
    ) -> tuple[list[Op], int, bytes] | None:
        """Append a ``put`` of a record with a new id, reading only what the log gained since ``known``.

        ``known`` is (snapshot signature, log inode, offset, seq) of a version already read and checked
        (the index's entry), so the article's existing annotations are not read at all: for ``reader
        annotate`` on an article of 100,000 annotations. Returns the changes read (another process's) and
        appended, with the log's new size and the bytes it gained (for its CRC); None if the files are no
        longer that version (the caller then takes the ordinary way).
        """
        snap, ino, offset, seq = known
        if stat_signature(self.snapshot_path) != snap:
            return None
        got = read_tail(self.log_path, ino, offset, seq)
        if got is None:
            return None
        ops, end, consumed = got
        op = Op("put", (ops[-1].seq if ops else seq) + 1, record, record["id"], None)
        payload = encode(op)
        if not append_line(self.log_path, ino, end, payload):  # pragma: no cover - we hold the lock
            return None
        return [*ops, op], end + len(payload), consumed + payload

    def compact_due(self) -> bool:
        return self.docs is not None and self.log_off > max(self.snapshot_size, MIN_COMPACT_BYTES)

    def compact(self) -> None:
        """A new snapshot of the records in memory, then a fresh log after it (both atomic)."""
        assert self.docs is not None and self.article_id is not None
        payload, ordered = snapshot_bytes(self.article_id, self.seq, self.docs)
        try:
            self.snap_sig = atomic_write(self.snapshot_path, payload, replaces=self.snap_sig)
        except OSError as e:
            raise cannot(self.snapshot_path, "compact annotations", e) from e
        self.docs, self.ordered, self.changed = ordered, True, set()
        self.snap_seq = self.seq
        self.legacy_state = None
        self._new_log(durable=True)
