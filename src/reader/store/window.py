"""An article's first annotations, read without the rest.

Opening an article under 10,000 highlights used to parse every record before its first screen was drawn
(~45 ms of a 150 ms budget, and more on a VM whose page faults are slow: the records take ~25 MB). A
snapshot holds one record per line in document order (:func:`.snapshot.snapshot_bytes`), so the records
that can reach the first screen, those that start before its end, are the first lines of the file: a
binary search on the lines' ``start`` finds where they end, and only those lines are parsed. The reading
screen reads the rest after its first paint.

Only when that is exactly right, else None (the caller reads everything, as before):

* one coder folder holds the article (several coders' records are merged and coloured by coder);
* the article file is not loaded already (then reading everything costs a stat);
* the snapshot and the log are the versions the index entry was made from (checked before, and the
  snapshot's records were then in document order), so the entry's count is the number of records;
* the snapshot is in the compact layout this module knows (anything else: an older file);
* the entry says every record was made on the article's text as it is now and none is an orphan
  (``on``, :func:`.entries.text_of`): else re-anchoring may move a record from later in the article
  into the first screen.
"""

from __future__ import annotations

import os
import re
import zlib
from pathlib import Path

import orjson

from reader.store.changes import decode_header, parse_lines
from reader.store.files import gc_paused, read_bytes, signature
from reader.store.names import LOG_SUFFIX, SNAPSHOT_SUFFIX
from reader.store.records import DOCUMENT_ORDER, JsonDict
from reader.store.snapshot import COMPACT_END, compact_head

__all__ = ["records_before"]

_HEAD = b'{"meta":{"1":'
#: the record's own start: a key follows a comma, and a string cannot hold an unescaped quote
_START = re.compile(rb',"start":(\d+)[,}]')
_HEAD_BYTES = 4096  # the meta line: its article id is a file name
_CHUNK = 4096  # a record line is ~650 bytes (more with a long note)


def records_before(
    folder: Path,
    stem: str,
    article_id: str,
    until: int,
    sha256: str,
    entry: JsonDict,
) -> list[JsonDict] | None:
    """The records of ``article_id`` in ``folder`` that start before ``until``, in document order (tags
    tuples, as the store holds them); None if they cannot be read alone exactly (see the module).

    ``entry`` is the index entry of the article file (``Index.entry``): what it was made from, whether
    its snapshot was in document order, the text all its records were made on."""
    snap, ino, off = entry.get("snap"), entry.get("ino"), entry["off"]
    if snap is None or not entry.get("ordered") or entry.get("on") != sha256:
        return None
    try:
        fd = os.open(folder / f"{stem}{SNAPSHOT_SUFFIX}", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if list(signature(os.fstat(fd))) != list(snap):
            return None
        found = _prefix(fd, snap[1], article_id, until)
    except OSError:
        return None
    finally:
        os.close(fd)
    if found is None:
        return None
    snap_seq, lines = found
    log_ops = _log_puts_and_dels(
        folder / f"{stem}{LOG_SUFFIX}", article_id, (ino, off, entry["crc"]), snap_seq
    )
    if log_ops is None:
        return None
    with gc_paused():
        try:  # checked when the entry was made: a surprise here is the full read's to report
            docs: dict[str, JsonDict] = orjson.loads(lines)
            for doc in docs.values():
                doc["tags"] = tuple(doc["tags"])
        except (ValueError, TypeError, KeyError, AttributeError):
            return None
        for seq, key, record in log_ops:
            if seq <= snap_seq:
                continue
            if record is not None and record["start"] < until:
                docs[key] = record | {"tags": tuple(record["tags"])}
            else:
                docs.pop(key, None)
        records = list(docs.values())
        if any(seq > snap_seq for seq, _, _ in log_ops):
            records.sort(key=DOCUMENT_ORDER)
        return records


def _prefix(fd: int, size: int, article_id: str, until: int) -> tuple[int, bytearray] | None:
    """The snapshot's seq and its record lines that start before ``until`` (without the last comma),
    if it is in the compact layout of ``article_id``."""
    head = os.pread(fd, _HEAD_BYTES, 0)
    head_end = head.find(b"\n")
    snap_seq = _head(head, head_end, article_id)
    if snap_seq is None or os.pread(fd, len(COMPACT_END), size - len(COMPACT_END)) != COMPACT_END:
        return None
    lines = _Lines(fd, head_end + 1, size - len(COMPACT_END) + 1)
    cut = lines.first_from(until)
    if cut is None:
        return None
    return snap_seq, _as_object(fd, lines.first, cut)


def _as_object(fd: int, first: int, cut: int) -> bytearray:
    """The lines ``[first, cut)`` read as one JSON object (``{`` + lines + ``}``), in one buffer: not
    read, then copied to add the braces (each copy of a few MB is fresh memory to fault in)."""
    size = cut - first
    if size == 0:
        return bytearray(b"{}")
    buffer = bytearray(size + 2)
    buffer[0], buffer[-1] = 0x7B, 0x7D  # { }
    if os.preadv(fd, [memoryview(buffer)[1 : size + 1]], first) != size:
        raise OSError("the file was cut while being read")
    end = size
    while buffer[end] in b",\n":  # the last line's comma and newline (JSON allows the blanks left)
        buffer[end] = 0x20
        end -= 1
    return buffer


def _head(raw: bytes, head_end: int, article_id: str) -> int | None:
    """The snapshot's seq if its first line is the compact layout's meta of ``article_id``."""
    line = raw[:head_end]
    head = compact_head(line) if head_end >= 0 and line.startswith(_HEAD) else None
    try:
        meta = head["meta"]["1"] if head is not None else None
    except (KeyError, TypeError):
        return None
    if not isinstance(meta, dict) or type(meta.get("seq")) is not int:
        return None
    if meta.get("schema") != 2 or meta.get("article_id") != article_id:
        return None
    return int(meta["seq"])


class _Lines:
    """The record lines ``[first, stop)`` of an open snapshot, read a piece at a time (``pread``): a
    binary search touches a few pages of the file, not all of it."""

    def __init__(self, fd: int, first: int, stop: int) -> None:
        self.fd, self.first, self.stop = fd, first, stop

    def _line_end(self, at: int) -> int:
        """Where the line holding byte ``at`` ends (its newline, or ``stop``)."""
        while at < self.stop:
            chunk = os.pread(self.fd, min(_CHUNK, self.stop - at), at)
            if not chunk:
                return self.stop
            found = chunk.find(b"\n")
            if found >= 0:
                return at + found
            at += len(chunk)
        return self.stop

    def next_line(self, at: int) -> int:
        """The first line start at or after ``at`` (``stop`` if none)."""
        if at <= self.first:
            return self.first
        return min(self._line_end(at - 1) + 1, self.stop)

    def start_of(self, line: int) -> int | None:
        """The ``start`` of the record on the line at ``line``."""
        end = self._line_end(line)
        found = _START.search(os.pread(self.fd, end - line, line))
        return None if found is None else int(found[1])

    def first_from(self, until: int) -> int | None:
        """Where the first line whose record starts at or after ``until`` begins (``stop`` if none):
        a binary search on the lines' starts, which are in document order; None if a line has none."""
        low, high = (
            self.first,
            self.stop,
        )  # lines before `low` start before `until`; the answer is in [low, high]
        while low < high:
            middle = self.next_line((low + high) // 2)
            if middle >= high:  # no line starts in the upper half: walk on from `low`
                break
            start = self.start_of(middle)
            if start is None:
                return None
            if start >= until:
                high = middle
            else:
                low = self.next_line(middle + 1)
        while low < high:
            start = self.start_of(low)
            if start is None:
                return None
            if start >= until:
                return low
            low = self.next_line(low + 1)
        return low


def _log_puts_and_dels(
    path: Path, article_id: str, made_from: tuple[int | None, int, int], snap_seq: int
) -> list[tuple[int, str, JsonDict | None]] | None:
    """The log's changes as (seq, id, record or None for a delete): [] without a log; None unless the
    log is the one the index entry was made from (``made_from``: its inode, length and CRC-32, as a full
    read checks them) and follows the snapshot."""
    ino, size, crc = made_from
    got = read_bytes(path)
    if got is None:
        return [] if ino is None else None
    data, (_, length, inode) = got
    if (inode, length) != (ino, size) or zlib.crc32(data) != crc:
        return None
    end = data.find(b"\n")
    try:
        if end < 0:
            return None
        logged, after = decode_header(data[:end])
        if logged != article_id or after > snap_seq:
            return None
        ops, used = parse_lines(path, data[end + 1 :], article_id, -1, strict=False, trusted=size)
    except ValueError:
        return None
    if end + 1 + used != size:
        return None
    return [(op.seq, op.id, op.record) for op in ops]
