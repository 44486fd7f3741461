"""The change log's line format: one JSON object per line, each a change with a sequence number.

See :mod:`reader.store.log` for where the lines live and how they are applied. Everything here is pure:
bytes in, :class:`Op` out (and back), plus reading a log's new tail from a known offset.
"""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from reader.store.files import cannot, corrupt
from reader.store.records import JsonDict, check_annotation

SCHEMA = 2  # of the manifest, the snapshots' meta and the logs' header


class Op(NamedTuple):
    """One change: ``put`` of a whole record or ``del`` of an id; ``was``: the tags it replaced/removed.

    A NamedTuple, not a frozen dataclass: reading an article builds one per log line, and this is ~3x
    cheaper to build."""

    kind: str  # "put" | "del"
    seq: int
    record: JsonDict | None  # put
    id: str
    was: tuple[str, ...] | None  # None: nothing was there before


def encode(op: Op) -> bytes:
    if op.kind == "put":
        body: JsonDict = {"seq": op.seq, "put": op.record, "was": None if op.was is None else list(op.was)}
    else:
        body = {"seq": op.seq, "del": op.id, "was": None if op.was is None else list(op.was)}
    return orjson.dumps(body, option=orjson.OPT_APPEND_NEWLINE)


def header(article_id: str, after: int) -> bytes:
    return orjson.dumps(
        {"log": SCHEMA, "article_id": article_id, "after": after}, option=orjson.OPT_APPEND_NEWLINE
    )


def _decode(line: bytes | Any, article_id: str | None, check: bool = True) -> Op:
    """A log line (or its parsed object) as an Op; ValueError (or orjson's) if it is not one.

    ``check=False`` skips checking the record's fields: only for a line already checked (see
    :func:`parse_lines`)."""
    obj = orjson.loads(line) if isinstance(line, bytes) else line
    if type(obj) is not dict or type(obj.get("seq")) is not int:
        raise ValueError("not a change (no seq)")
    was = obj.get("was")
    if was is not None and (type(was) is not list or not all(type(t) is str for t in was)):
        raise ValueError("'was' must be a list of strings")
    was_t = None if was is None else tuple(was)
    if "put" in obj:
        record = obj["put"]
        if check or type(record) is not dict:
            check_annotation(record)
        if article_id is not None and record["article_id"] != article_id:
            raise ValueError(f"annotation {record['id']} is of article {record['article_id']!r}")
        return Op("put", obj["seq"], record, record["id"], was_t)
    if type(obj.get("del")) is str:
        return Op("del", obj["seq"], None, obj["del"], was_t)
    raise ValueError("neither put nor del")


def decode_header(line: bytes) -> tuple[str, int]:
    obj = orjson.loads(line)
    if (
        type(obj) is not dict
        or obj.get("log") != SCHEMA
        or type(obj.get("article_id")) is not str
        or type(obj.get("after")) is not int
    ):
        raise ValueError("no valid header line")
    return obj["article_id"], obj["after"]


def parse_lines(
    path: Path, data: bytes, article_id: str | None, after: int, *, strict: bool = True, trusted: int = 0
) -> tuple[list[Op], int]:
    """The changes in ``data`` (whole lines from a log) and how many bytes they take.

    A torn last line (no newline, or not valid) is left out and not counted. A bad line before it raises
    StoreCorruptError when ``strict``, else ValueError (an incremental reader then reads whole). The
    records of lines within the first ``trusted`` bytes (checked before, and proven unchanged by a CRC)
    are not checked again.
    """
    ops: list[Op] = []
    used = 0
    last = after
    lines: list[Any] = data.split(b"\n")
    lines.pop()  # after the last newline: empty, or a torn line
    if len(lines) > 1:  # one parse for all the lines (each parsed alone only to find a bad one)
        sizes = [len(line) for line in lines]
        with suppress(orjson.JSONDecodeError):
            parsed = orjson.loads(b"[" + b",".join(lines) + b"]")
            if len(parsed) == len(lines):  # else a line held more than one value: go line by line
                lines = parsed
    for n, line in enumerate(lines):
        try:
            op = _decode(line, article_id, used >= trusted)
            if op.seq <= last:
                raise ValueError(f"change {op.seq} comes after change {last}")
        except ValueError as e:  # orjson.JSONDecodeError is a ValueError
            if n == len(lines) - 1:  # a torn final line: never acknowledged, ignored
                break
            if not strict:
                raise
            raise corrupt(path, f"change log line {n + 1} is not valid ({e})") from e
        ops.append(op)
        last = op.seq
        used += (len(line) if isinstance(line, bytes) else sizes[n]) + 1
    return ops, used


def read_tail(path: Path, ino: int, offset: int, seq: int) -> tuple[list[Op], int, bytes] | None:
    """New changes in the log since byte ``offset`` (which follows change ``seq``), the new offset and
    the bytes read up to it (for the CRC of the log).

    None when the log is not the one read before (replaced, cut, or the offset is not a line start):
    the caller reads the article whole.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise cannot(path, "read", e) from e
    try:
        st = os.fstat(fd)
        if st.st_ino != ino or st.st_size < offset or offset < 1:
            return None
        if st.st_size == offset:
            return [], offset, b""
        data = os.pread(fd, st.st_size - offset + 1, offset - 1)
    except OSError as e:
        raise cannot(path, "read", e) from e
    finally:
        os.close(fd)
    if data[:1] != b"\n":
        return None
    try:
        ops, used = parse_lines(path, data[1:], None, seq, strict=False)
    except ValueError:
        return None
    return ops, offset + used, data[1 : 1 + used]
