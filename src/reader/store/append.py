"""A new annotation's record, and its save by a process that has not read the article (`reader annotate`).

`reader annotate` is a whole process per save, and its target (issue 10) is 2x a Python process doing one
SQLite insert: ~34 ms, of which starting Python and argparse take ~20. So this module imports only light
standard modules and the store's light ones (:mod:`.files`, :mod:`.names`), and :func:`append_new` saves
a record without importing the rest of the store (dataclasses, pathlib, orjson: ~30 ms more). It is the
store's own save, not a second one: the same lock (:func:`~.files.lock_file`), the same log line (what
:func:`reader.store.changes.encode` writes, byte for byte: tests/test_store_append.py), the same append and
fsync (:func:`append_line`, which :meth:`ArticleFile.append_after` uses), the same index entry.

It only does the plain case and declines (returns None, having written nothing) otherwise: the caller then
saves through :class:`~reader.store.store.AnnotationStore`, which handles everything else (a folder to set
up, claim or upgrade, a journal to finish, an index that does not know the article's current files,
another process's appends the index has not followed, a torn last line). A compaction that falls due is
the caller's to run (it needs the whole store).
"""

from __future__ import annotations

import json
import os
import time
import zlib
from contextlib import suppress

from reader.errors import UsageError
from reader.store.entries import count_tags, follow_text, valid_entry
from reader.store.files import atomic_write, cannot, lock_file, signature, unlock_file, write_all
from reader.store.names import (
    ARTICLES,
    ARTICLES_DIR,
    CODER_FILE,
    CODERS_DIR,
    INDEX_DIR,
    INDEX_SCHEMA,
    JOURNAL_NAME,
    LOCAL_DIR,
    LOCK_NAME,
    LOG_SUFFIX,
    MANIFEST_NAME,
    MANIFEST_SCHEMA,
    MIN_COMPACT_BYTES,
    SNAPSHOT_SUFFIX,
    article_stem,
)
from reader.tags import normalise_tags

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from reader.store.files import StrPath

CONTEXT_CHARS = 32
"""Characters of context kept each side of an annotation's quote (to re-anchor it if the text changes)."""

#: what :func:`append_new` returns: the record is saved; saved and the log has outgrown its snapshot
SAVED, COMPACTION_DUE = "saved", "compaction due"


def now_iso() -> str:
    """Current UTC time as ISO-8601 with microseconds, e.g. ``2026-11-23T15:20:00.123456+00:00`` (what
    ``datetime.now(UTC).isoformat(timespec="microseconds")`` gives, without importing datetime)."""
    ns = time.time_ns()
    seconds, micro = divmod(ns // 1000, 1_000_000)
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds))}.{micro:06d}+00:00"


def new_id() -> str:
    """A random (version 4) UUID, as ``str(uuid.uuid4())`` (``uuid`` imports ``platform``: ~2 ms)."""
    b = bytearray(os.urandom(16))
    b[6] = (b[6] & 0x0F) | 0x40  # version 4
    b[8] = (b[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def new_record(
    article_id: str,
    sha256: str,
    text: str,
    start: int,
    end: int,
    *,
    tags: Any,
    note: str = "",
    color: str = "",
    view: str = "original",
) -> dict[str, Any]:
    """The stored record of a new annotation of ``text[start:end]`` (code points into the article's
    normalised original): the fields of :class:`~reader.store.records.Annotation`, in its order, tags
    normalised. UsageError if the range is not a passage of the text."""
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        raise UsageError(
            f"cannot annotate {start}..{end} in {article_id}: need 0 <= start < end <= {len(text)}"
        )
    now = now_iso()
    return {
        "id": new_id(),
        "article_id": article_id,
        "article_sha256": sha256,
        "start": start,
        "end": end,
        "quote": text[start:end],
        "prefix": text[max(0, start - CONTEXT_CHARS) : start],
        "suffix": text[end : end + CONTEXT_CHARS],
        "tags": list(normalise_tags(tags)),
        "note": note,
        "color": color,
        "created": now,
        "modified": now,
        "view": view,
        "status": "anchored",
        "creator": "",
    }


def put_line(seq: int, record: dict[str, Any]) -> bytes:
    """The log line adding ``record`` as change ``seq`` (nothing was there before): compact JSON in UTF-8,
    the bytes :func:`reader.store.changes.encode` writes with orjson, made with the standard library."""
    body = {"seq": seq, "put": record, "was": None}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def append_line(path: StrPath, ino: int, end: int, payload: bytes) -> bool:
    """Append ``payload`` to the log at ``path``, which must be the file ``ino`` whose acknowledged lines
    end at byte ``end`` (anything after it is a torn line nobody acknowledged: cut off). One write, one
    fsync; the caller holds the lock. False (nothing written) if the file is not that one; StoreError if
    it cannot be written (the log is left as it was)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
    except OSError as e:
        raise cannot(path, "save annotations", e) from e
    try:
        st = os.fstat(fd)
        if st.st_ino != ino or st.st_size < end:
            return False
        if st.st_size > end:
            os.ftruncate(fd, end)
        write_all(fd, payload)
        os.fsync(fd)
    except OSError as e:
        with suppress(OSError):
            os.ftruncate(fd, end)
        raise cannot(path, "save annotations", e) from e
    finally:
        os.close(fd)
    return True


def append_new(
    db: str, coder: str, folder: str, explicit: bool, record: dict[str, Any], timeout: float
) -> str | None:
    """Save a new ``record`` (from :func:`new_record`) in the coder's folder of the database ``db`` by one
    append, if the database is in the plain case (see the module docstring); else None, nothing written.

    ``coder``, ``folder``, ``explicit``: who is coding (:func:`reader.store.coders.coder_for`). Returns
    :data:`SAVED`, or :data:`COMPACTION_DUE` when the caller should compact the article now.
    StoreLockedError if another process holds the lock past ``timeout``; StoreError if a file cannot be
    written.
    """
    local = os.path.join(db, LOCAL_DIR)
    lock = os.path.join(local, LOCK_NAME)
    if not (os.path.exists(lock) and all(os.access(d, os.W_OK | os.X_OK) for d in (db, local))):
        return None  # a new or read-only folder: the store sets it up, or says why it cannot
    fd = lock_file(lock, timeout)
    try:
        return _append_locked(db, coder, folder, explicit, record)
    finally:
        unlock_file(fd)


def _append_locked(db: str, coder: str, folder: str, explicit: bool, record: dict[str, Any]) -> str | None:
    mine = os.path.join(db, CODERS_DIR, folder)
    if not _settled(db, mine, coder, explicit):
        return None
    index_path = os.path.join(db, LOCAL_DIR, INDEX_DIR, f"{folder}.json")
    got = _read_json(index_path)
    if got is None or type(got[0]) is not dict or got[0].get("schema") != INDEX_SCHEMA:
        return None
    data, index_sig = got
    stem = article_stem(record["article_id"])
    entry: Any = data["files"].get(stem) if type(data.get("files")) is dict else None
    if not _usable(entry, record["article_id"]):
        return None
    base = os.path.join(mine, ARTICLES, stem)
    try:
        snap = os.stat(base + SNAPSHOT_SUFFIX)
    except FileNotFoundError:
        snap = None
    if (None if snap is None else list(signature(snap))) != entry["snap"]:
        return None  # compacted since the index was written: the store reads it anew
    try:
        log = os.stat(base + LOG_SUFFIX)
    except FileNotFoundError:
        return None
    if log.st_ino != entry["ino"] or log.st_size != entry["off"]:
        return None  # changes the index has not followed (or a torn line): the store reads them
    line = put_line(entry["seq"] + 1, record)
    if not append_line(base + LOG_SUFFIX, entry["ino"], entry["off"], line):  # pragma: no cover - locked
        return None
    _follow(entry, record, line)
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with suppress(OSError):  # a cache (as Index.save): the next reader recounts from the log
        atomic_write(index_path, payload, durable=False, replaces=index_sig)
    snap_size = 0 if snap is None else snap.st_size
    return COMPACTION_DUE if entry["off"] > max(MIN_COMPACT_BYTES, snap_size) else SAVED


def _settled(db: str, mine: str, coder: str, explicit: bool) -> bool:
    """Nothing for the store's first write to do: no journal to finish, no single-coder folder to move, a
    current manifest, this coder's folder theirs (``coder.json``) with its ``articles/``, the local
    folder's ``.gitignore`` (what ``AnnotationStore.locked()`` sees to otherwise)."""
    if os.path.exists(os.path.join(db, LOCAL_DIR, JOURNAL_NAME)) or os.path.exists(
        os.path.join(db, ARTICLES_DIR)
    ):
        return False
    if not os.path.exists(os.path.join(db, LOCAL_DIR, ".gitignore")):
        return False
    manifest = _read_json(os.path.join(db, MANIFEST_NAME))
    if manifest is None or type(manifest[0]) is not dict or manifest[0].get("schema") != MANIFEST_SCHEMA:
        return False
    coder_file = _read_json(os.path.join(mine, CODER_FILE))
    if coder_file is None or type(coder_file[0]) is not dict or coder_file[0].get("coder") != coder:
        return False
    if explicit and coder_file[0].get("default") is True:
        return False  # a login name's folder that a name set since adopts
    return os.path.isdir(os.path.join(mine, ARTICLES))


def _usable(entry: Any, article_id: str) -> bool:
    """An index entry made from files read and checked, of this article, with its log's inode."""
    return valid_entry(entry) and entry["article_id"] == article_id and entry["ino"] is not None


def _follow(entry: dict[str, Any], record: dict[str, Any], line: bytes) -> None:
    """The entry after appending ``line`` (a put of the new ``record``), as :meth:`.index.Index.follow`."""
    follow_text(entry, record)
    entry["count"] += 1
    count_tags(entry["tags"], added=record["tags"])
    entry["seq"] += 1
    entry["off"] += len(line)
    entry["crc"] = zlib.crc32(line, entry["crc"])


def _read_json(path: str) -> tuple[Any, tuple[int, int, int]] | None:
    """The JSON value in ``path`` and the file's signature; None if it is missing or not JSON."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
            st = os.fstat(f.fileno())
        return json.loads(raw), signature(st)
    except (OSError, ValueError):
        return None
