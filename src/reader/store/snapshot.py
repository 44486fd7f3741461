"""An article's snapshot file: its records in TinyDB's JSON layout, read and written (see :mod:`.log`).

Opening an article of 100,000 annotations reads all of them, so this is written for speed:

* Records are kept as the dicts ``orjson`` made, with ``tags`` turned into a tuple once, as they are read
  (what :class:`~reader.store.records.Annotation` holds): an Annotation then wraps its record's dict
  instead of copying it (:func:`~reader.store.records.annotations_of`), and no record is copied.
* A snapshot is written in document order (start, end, created). Whether the records of a snapshot are
  in that order is found while they are checked, and remembered with the trust in what was checked (the
  index entry); a caller that knows it merges the few records the log changed into them instead of
  sorting 100,000 (:func:`in_document_order`).
"""

from __future__ import annotations

import os
from bisect import bisect_right
from collections.abc import Collection
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from reader.errors import StoreCorruptError
from reader.store.changes import SCHEMA
from reader.store.files import corrupt
from reader.store.records import DOCUMENT_ORDER, ArticleState, JsonDict, check_annotation, typed_fields

LEGACY_SCHEMA = 1
META = "meta"
ANNOTATIONS = "annotations"
STATE = "state"
ONE = "1"  # doc id of the single record in the "meta" and "state" tables


class Snapshot(NamedTuple):
    article_id: str
    seq: int
    docs: dict[str, JsonDict]  # id -> record (tags a tuple)
    legacy_state: JsonDict | None
    ordered: bool  # the records are in document order (known only when they were checked)


#: a snapshot's records are parsed this many bytes at a time (see :func:`_loads`)
PIECE_BYTES = 512 * 1024
#: the compact layout (:func:`snapshot_bytes`): the end of its first line (meta) and of the file
COMPACT_OPEN = b',"annotations":{'
COMPACT_END = b"\n}}\n"


def compact_head(line: bytes) -> Any:
    """The first line of a snapshot in the compact layout, parsed (its tables before the annotations);
    None if it is not such a line."""
    if not line.endswith(COMPACT_OPEN):
        return None
    try:
        return orjson.loads(line[: -len(COMPACT_OPEN)] + b"}")
    except orjson.JSONDecodeError:
        return None


def _loads(raw: bytes) -> Any:
    """``orjson.loads(raw)``, the same result or error; a big snapshot in the compact layout
    (:func:`snapshot_bytes`) a piece of its lines at a time. orjson holds the GIL for a whole call (~0.5 s
    for 100,000 records), so a thread reading an article's annotations while its first screen is shown
    froze the UI; between pieces the UI thread runs. A piece ends after a line that ends with a comma,
    so the pieces parse exactly when the whole would."""
    head_end = raw.find(b"\n")
    big = head_end >= 0 and len(raw) >= 2 * PIECE_BYTES and raw.endswith(COMPACT_END)
    data = compact_head(raw[:head_end]) if big else None
    if type(data) is not dict:
        return orjson.loads(raw)  # (small, or not the compact layout: the whole's result or error)
    docs: dict[str, Any] = {}
    start, stop = head_end + 1, len(raw) - len(COMPACT_END) + 1  # the record lines: raw[start:stop]
    while start < stop:
        end = raw.find(b"\n", min(start + PIECE_BYTES, stop - 1), stop)
        end = stop - 1 if end < 0 else end
        if end < stop - 1 and raw[end - 1] != 0x2C:  # a line in the middle without its comma
            return orjson.loads(raw)
        piece = raw[start:end] if end == stop - 1 else raw[start : end - 1]
        try:
            docs.update(orjson.loads(b"{" + piece + b"}"))
        except orjson.JSONDecodeError:  # a record over two lines, a damaged one: the whole's result or error
            return orjson.loads(raw)
        start = end + 1
    data[ANNOTATIONS] = docs
    return data


def may_hold_state(path: Path) -> bool:
    """False if the snapshot at ``path`` holds no legacy ``state`` table for sure: it does not exist, or it
    is in the compact layout :func:`snapshot_bytes` writes (meta, then annotations, then nothing), which
    has none. Two small reads instead of parsing the file (a reading position's look-up, on opening)."""
    try:
        with path.open("rb") as f:
            head = f.read(4096).partition(b"\n")[0]
            f.seek(-len(COMPACT_END), os.SEEK_END)
            tail = f.read()
    except FileNotFoundError:
        return False
    except OSError:
        return True  # reading it whole says what is wrong
    compact = head.startswith(b'{"meta":{"1":{"schema":2,') and head.endswith(COMPACT_OPEN)
    return not (compact and tail == COMPACT_END)


def parse_snapshot(path: Path, raw: bytes, article_id: str | None, *, check_records: bool = True) -> Snapshot:
    """A snapshot's contents; StoreCorruptError naming the file.

    ``check_records=False`` skips checking each record: only for a version checked before (the index
    entry was made from exactly this file: same mtime, size and inode); ``ordered`` is then False (the
    caller knows it from that entry)."""
    try:
        data = _loads(raw)
    except orjson.JSONDecodeError as e:
        raise corrupt(path, f"not valid JSON ({e})") from e
    if not isinstance(data, dict) or not all(
        isinstance(t, dict) and (name == ANNOTATIONS or all(isinstance(doc, dict) for doc in t.values()))
        for name, t in data.items()
    ):
        raise corrupt(path, "not a reader annotation file (unexpected structure)")
    meta = data.get(META, {}).get(ONE)
    if not isinstance(meta, dict) or not isinstance(meta.get("article_id"), str):
        raise corrupt(path, "not a reader annotation file (no meta record with schema and article id)")
    schema, seq = meta.get("schema"), meta.get("seq", 0)
    if schema not in (SCHEMA, LEGACY_SCHEMA) or type(seq) is not int:
        raise StoreCorruptError(
            f"{path}: written with schema version {schema!r} but this reader understands {SCHEMA}; "
            "upgrade reader (the file is left untouched)"
        )
    found = meta["article_id"]
    if article_id is not None and found != article_id:
        raise corrupt(path, f"holds article {found!r}, expected {article_id!r}")
    docs = data.get(ANNOTATIONS, {})
    state = data.get(STATE, {}).get(ONE)
    try:
        ordered = _checked(docs, found) if check_records else _tuple_tags(docs)
        if state is not None:
            typed_fields(ArticleState, state)
    except ValueError as e:
        raise corrupt(path, f"bad record ({e})") from e
    except (TypeError, KeyError):
        raise corrupt(path, "not a reader annotation file (unexpected structure)") from None
    return Snapshot(found, seq, docs, state, ordered)


def _tuple_tags(docs: dict[str, Any]) -> bool:
    """Records already checked: only their tags made tuples (one pass, no other look). False: the order
    is not looked at here."""
    for doc in docs.values():
        tags = doc["tags"]  # a TypeError if a record is not a dict
        if type(tags) is list:
            doc["tags"] = tuple(tags)
    return False


def _checked(docs: dict[str, Any], article_id: str) -> bool:
    """Check every record (ValueError naming the bad one), make its tags a tuple; whether the records
    are in document order."""
    ordered = True
    last: tuple[int, int, str] | None = None
    for key, doc in docs.items():
        if type(doc) is not dict:
            raise ValueError(f"annotation {key} is not an object")
        check_annotation(doc)
        if doc["id"] != key or doc["article_id"] != article_id:
            raise ValueError(f"annotation {key} has id {doc['id']!r} and article {doc['article_id']!r}")
        doc["tags"] = tuple(doc["tags"])
        if ordered:
            position = DOCUMENT_ORDER(doc)
            ordered = last is None or last <= position
            last = position
    return ordered


def snapshot_bytes(article_id: str, seq: int, docs: dict[str, JsonDict]) -> tuple[bytes, dict[str, JsonDict]]:
    """A snapshot of ``docs`` in document order (TinyDB's layout), and ``docs`` in that order (what a
    reader of the new file holds).

    One annotation per line, compact (the change log's form of a record): a change to an annotation is a
    change to its line in a diff (``reader sync``'s git), and the file is ~20% smaller and ~15% quicker
    to parse than indented JSON, which opening 100,000 annotations pays (an indented file, as written
    before, reads the same)::

        {"meta":{"1":{"schema":2,"article_id":"a.txt","seq":41}},"annotations":{
        "<id>":{"id":"<id>",...},
        "<id>":{"id":"<id>",...}
        }}
    """
    ordered = dict(sorted(docs.items(), key=lambda item: DOCUMENT_ORDER(item[1])))
    meta = orjson.dumps({META: {ONE: {"schema": SCHEMA, "article_id": article_id, "seq": seq}}})
    dump = orjson.dumps
    lines = b",\n".join([dump(key) + b":" + dump(record) for key, record in ordered.items()])
    payload = b"".join(
        (meta[:-1], b',"', ANNOTATIONS.encode(), b'":{\n', lines, b"\n}}\n" if lines else b"}}\n")
    )
    return payload, ordered


def in_document_order(docs: dict[str, JsonDict], ordered: bool, changed: Collection[str]) -> list[JsonDict]:
    """The records of ``docs`` sorted by (start, end, created).

    ``ordered``: the records of ``docs`` other than those whose ids are in ``changed`` (put after the
    snapshot was read) are already in that order; then only the changed ones are sorted, and put in
    their places by binary search. Else (or if most were changed) all are sorted.
    """
    if not ordered or len(changed) * 4 > len(docs):
        return sorted(docs.values(), key=DOCUMENT_ORDER)
    if not changed:
        return list(docs.values())
    base = [doc for key, doc in docs.items() if key not in changed]
    extra = sorted((docs[key] for key in changed if key in docs), key=DOCUMENT_ORDER)
    out: list[JsonDict] = []
    start = 0
    for doc in extra:  # ties: after the records already there, as a stable sort of docs would mostly do
        at = bisect_right(base, DOCUMENT_ORDER(doc), lo=start, key=DOCUMENT_ORDER)
        out += base[start:at]
        out.append(doc)
        start = at
    out += base[start:]
    return out
