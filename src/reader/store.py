"""Annotation store: TinyDB tables in one small JSON file per article, written atomically under a file lock.

Layout of the database folder (default ``annotations/``)::

    reader-db.json              manifest: {"schema": 1, ...}; created on the first write
    reader-db.lock              empty; every mutation holds an exclusive ``flock`` on it
    index.json                  cache: per article file, its article id, count, tag counts and signature
    articles/<sha1[:20]>.json   one per article: tables "meta" (schema, article id), "annotations", "state"

Why this shape (see shared/GUIDE.md §3): TinyDB's default storage rewrites the whole file in place on every
insert, so it is neither atomic nor fast (572 ms per insert at 100k documents). Here each article file holds
~100 annotations, so a save serialises a few kB; it goes to a temp file, is fsynced, ``os.replace``d over the
real file and the folder is fsynced. A save returns only after all of that (durable before reported).

Multi-process safety: every write of any file in the folder (article file, index, manifest) happens under
one exclusive ``flock`` on ``reader-db.lock``; a mutation is a read-modify-write under it, re-reading the
article file first if another process replaced it, so the other process's saves are merged, never
overwritten. One folder-wide lock rather than one per article file: the index and manifest are shared, a
single lock has no lock-ordering questions, and "every writer holds the lock" makes any temp file found
while holding it provably stale (safe to delete after a crash). Saves are human-paced and hold it for a few
ms, so the lost parallelism does not matter. Readers take no lock: files are only ever replaced whole, so a
reader sees the old or the new version, and it reloads whenever the file's signature changed.

A file's signature is ``(st_mtime_ns, st_size, st_ino)``. Inode numbers are recycled and file-system clocks
are coarse, so two saves within one clock tick could repeat a signature; every write therefore makes the new
file's mtime strictly greater than the one it replaces, which keeps signatures unique per version.

``counts()`` and ``tags()`` read ``index.json``, not 100,000 annotations. It is derived data: each entry
carries the signature of the article file it was computed from, and ``counts()`` stats every article file
(cheap) and re-parses only those whose signature differs; a stale, lost or garbled index (say, a crash
between two writes) costs a recount, never a wrong number. So the index is replaced atomically but not
fsynced, and it is not rewritten inside each save: a save updates the entry in memory, and ``counts()`` or
``close()`` writes index.json if the lock is free at that moment. That keeps a save to exactly one durable
file replacement (on ext4 even an un-fsynced rename-over flushes the data, costing as much as an fsync).
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import operator
import os
import secrets
import threading
import time
import uuid
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import MISSING, asdict, dataclass, fields, replace
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any, Protocol

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

from reader.errors import ReaderError, StoreCorruptError, StoreError, StoreLockedError, UsageError
from reader.tags import normalise_tags

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
CONTEXT_CHARS = 32
DEFAULT_PATH = Path("annotations")
MANIFEST_NAME = "reader-db.json"
LOCK_NAME = "reader-db.lock"
INDEX_NAME = "index.json"
ARTICLES_DIR = "articles"

ANNOTATIONS = "annotations"
STATE = "state"
META = "meta"
_ONE = "1"  # doc id of the single record in the "meta" and "state" tables

_LOCK_POLL_S = 0.002
_DUMP_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE

Signature = tuple[int, int, int]
JsonDict = dict[str, Any]


def now_iso() -> str:
    """Current UTC time as ISO-8601 with microseconds, e.g. ``2026-11-23T15:20:00.123456+00:00``."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


# --------------------------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Annotation:
    id: str
    article_id: str
    article_sha256: str
    start: int  # code points into the normalised original
    end: int
    quote: str
    prefix: str  # ~32 chars of context each side
    suffix: str
    tags: tuple[str, ...]
    note: str
    color: str
    created: str  # ISO-8601 UTC
    modified: str
    view: str  # the view it was made in
    status: str = "anchored"  # "anchored" | "reanchored" | "orphan"

    def to_dict(self) -> JsonDict:
        d = {name: getattr(self, name) for name, _, _ in _spec(Annotation)}  # asdict() deep-copies: slow
        d["tags"] = list(self.tags)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Annotation:
        """Build from a stored record; raises ValueError if a field is missing or has the wrong type."""
        return cls(**_typed_fields(cls, d))


@dataclass(frozen=True)
class ArticleState:
    """Where the user was in an article. :meth:`AnnotationStore.set_state` stamps an empty ``updated``."""

    article_id: str
    position: int  # code point into the normalised original
    view: str = "original"
    updated: str = ""  # ISO-8601 UTC

    def to_dict(self) -> JsonDict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ArticleState:
        return cls(**_typed_fields(cls, d))


_INT_FIELDS = {"start", "end", "position"}
_SPECS: dict[type, tuple[tuple[str, str, bool], ...]] = {}


def _spec(cls: type) -> tuple[tuple[str, str, bool], ...]:
    """(name, kind, has_default) per field; computed once per class because ``fields()`` is slow."""
    spec = _SPECS.get(cls)
    if spec is None:
        spec = tuple(
            (
                f.name,
                "tags" if f.name == "tags" else "int" if f.name in _INT_FIELDS else "str",
                f.default is not MISSING,
            )
            for f in fields(cls)
        )
        _SPECS[cls] = spec
    return spec


def _typed_fields(cls: type, d: dict[str, Any]) -> dict[str, Any]:
    """The dataclass fields of ``cls`` taken from ``d`` with their types checked (unknown keys ignored).

    Runs for every record loaded from disk, so it is written for speed.
    """
    if not isinstance(d, dict):
        raise ValueError(f"expected an object, got {type(d).__name__}")
    kwargs: dict[str, Any] = {}
    for name, kind, has_default in _spec(cls):
        try:
            v = d[name]
        except KeyError:
            if has_default:
                continue
            raise ValueError(f"field {name!r} is missing") from None
        if kind == "str":
            if type(v) is not str:
                raise ValueError(f"field {name!r} must be a string")
        elif kind == "int":
            if type(v) is not int:
                raise ValueError(f"field {name!r} must be an integer")
        else:
            if type(v) not in (list, tuple) or not all(type(t) is str for t in v):
                raise ValueError(f"field {name!r} must be a list of strings")
            v = tuple(v)
        kwargs[name] = v
    return kwargs


_ANNOTATION_STRS = itemgetter(
    "id",
    "article_id",
    "article_sha256",
    "quote",
    "prefix",
    "suffix",
    "note",
    "color",
    "created",
    "modified",
    "view",
)
_ANNOTATION_INTS = itemgetter("start", "end")
_ONLY_STR = {str}


def _check_annotation(d: dict[str, Any]) -> None:
    """Raise ValueError unless ``d`` is a valid Annotation record (what :func:`_typed_fields` checks).

    Exporting 100,000 annotations checks every record, so the common case is a few C-level calls;
    anything odd falls back to :func:`_typed_fields` for a precise message.
    """
    try:
        start, end = _ANNOTATION_INTS(d)
        tags = d["tags"]
        ok = (
            type(start) is int
            and type(end) is int
            and set(map(type, _ANNOTATION_STRS(d))) == _ONLY_STR
            and type(tags) in (list, tuple)
            and (not tags or set(map(type, tags)) == _ONLY_STR)
            and type(d.get("status", "")) is str
        )
    except (KeyError, TypeError):
        ok = False
    if not ok:
        _typed_fields(Annotation, d)  # raises the precise error
        raise ValueError("invalid annotation record")  # pragma: no cover


class _InfoLike(Protocol):
    @property
    def id(self) -> str: ...


class ArticleLike(Protocol):
    """What :func:`make_annotation` needs of an article (``reader.articles.Article`` fits)."""

    @property
    def text(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def info(self) -> _InfoLike: ...


def make_annotation(
    article: ArticleLike,
    start: int,
    end: int,
    *,
    tags: Iterable[str],
    note: str = "",
    color: str = "",
    view: str = "original",
) -> Annotation:
    """A new annotation of ``article.text[start:end]`` (code points into the normalised original)."""
    text = article.text
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        raise UsageError(
            f"cannot annotate {start}..{end} in {article.info.id}: need 0 <= start < end <= {len(text)}"
        )
    now = now_iso()
    return Annotation(
        id=str(uuid.uuid4()),
        article_id=article.info.id,
        article_sha256=article.sha256,
        start=start,
        end=end,
        quote=text[start:end],
        prefix=text[max(0, start - CONTEXT_CHARS) : start],
        suffix=text[end : end + CONTEXT_CHARS],
        tags=normalise_tags(tags),
        note=note,
        color=color,
        created=now,
        modified=now,
        view=view,
    )


# ---------------------------------------------------------------------------------------- file helpers


def _sig(st: os.stat_result) -> Signature:
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _stat_sig(path: Path) -> Signature | None:
    try:
        return _sig(os.stat(path))
    except FileNotFoundError:
        return None
    except OSError as e:
        raise StoreError(f"{path}: cannot read ({e.strerror})") from e


def _read_bytes(path: Path) -> tuple[bytes, Signature] | None:
    """The file's bytes and the signature of exactly that version (fstat of the same open file)."""
    try:
        with open(path, "rb") as f:
            return f.read(), _sig(os.fstat(f.fileno()))
    except FileNotFoundError:
        return None
    except OSError as e:
        raise StoreError(f"{path}: cannot read ({e.strerror})") from e


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write(
    path: Path, payload: bytes, *, replaces: Signature | None, durable: bool = True
) -> Signature:
    """Write ``payload`` to a temp file beside ``path`` and ``os.replace`` it over ``path``.

    With ``durable`` the temp file is fsynced before the rename and the folder after it, so the new
    version survives a crash or power loss once this returns. The new file's mtime is made greater than
    that of the version it ``replaces`` (see the module docstring). Returns the new file's signature.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view) :]
            st = os.fstat(fd)
            if replaces is not None and st.st_mtime_ns <= replaces[0]:
                os.utime(fd, ns=(st.st_atime_ns, replaces[0] + 1))
                st = os.fstat(fd)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    if durable:
        _fsync_dir(path.parent)
    return _sig(st)


def _dumps(data: Any) -> bytes:
    """Readable JSON: UTF-8 (Chinese stays Chinese, no \\uXXXX escapes), indented."""
    return orjson.dumps(data, option=_DUMP_OPTIONS)


def _corrupt(path: Path, what: str) -> StoreCorruptError:
    what = " ".join(what.split())  # one line
    return StoreCorruptError(
        f"{path}: {what}; reader will not overwrite it: move it aside or restore it from a backup"
    )


def _newer_schema(path: Path, schema: object) -> StoreCorruptError:
    return StoreCorruptError(
        f"{path}: written with schema version {schema!r} but this reader understands {SCHEMA_VERSION}; "
        "upgrade reader (the file is left untouched)"
    )


def _parse_article_file(
    path: Path, raw: bytes, expect_id: str | None, check_records: bool = True
) -> JsonDict:
    """Parse and check an article file; any problem is a StoreCorruptError naming the file.

    ``check_records=False`` skips checking each annotation record: only for a version of the file already
    checked (its signature is the one its index entry was made from), as when exporting 100,000 of them.
    """
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise _corrupt(path, f"not valid JSON ({e})") from e
    if not isinstance(data, dict) or not all(
        isinstance(t, dict) and (not check_records or all(isinstance(doc, dict) for doc in t.values()))
        for t in data.values()
    ):
        raise _corrupt(path, "not a reader annotation file (unexpected structure)")
    meta = data.get(META, {}).get(_ONE)
    if not isinstance(meta, dict) or not isinstance(meta.get("article_id"), str):
        raise _corrupt(path, "not a reader annotation file (no meta record with schema and article id)")
    if meta.get("schema") != SCHEMA_VERSION:
        raise _newer_schema(path, meta.get("schema"))
    article_id = meta["article_id"]
    if expect_id is not None and article_id != expect_id:
        raise _corrupt(path, f"holds article {article_id!r}, expected {expect_id!r}")
    if not check_records:
        return data
    try:
        for key, doc in data.get(ANNOTATIONS, {}).items():
            _check_annotation(doc)  # the check of from_dict() without building the object
            if doc["id"] != key or doc["article_id"] != article_id:
                raise ValueError(f"annotation {key} has id {doc['id']!r} and article {doc['article_id']!r}")
        state = data.get(STATE, {}).get(_ONE)
        if state is not None:
            _typed_fields(ArticleState, state)
    except ValueError as e:
        raise _corrupt(path, f"bad record ({e})") from e
    return data


def _load_article_file(path: Path, expect_id: str | None = None) -> tuple[JsonDict, Signature] | None:
    got = _read_bytes(path)
    if got is None:
        return None
    raw, sig = got
    return _parse_article_file(path, raw, expect_id), sig


_DOCUMENT_ORDER = operator.itemgetter("start", "end", "created")


def _sorted_annotations(docs: Iterable[dict[str, Any]]) -> list[Annotation]:
    """Document order: by (start, end, created)."""
    anns = [Annotation.from_dict(d) for d in docs]
    anns.sort(key=lambda a: (a.start, a.end, a.created))
    return anns


# ------------------------------------------------------------------------------------ TinyDB plumbing


class ArticleFileStorage(Storage):
    """TinyDB storage for one article file: in memory, reloaded when the file changes, written atomically.

    ``read()`` re-parses the file only if its signature changed since we last read or wrote it (another
    process saved). ``write()`` refuses to replace a version it has not seen (it never overwrites another
    process's save or a corrupt file) and returns only once the new version is on disk (fsynced).
    Mutations must run under the store lock; this class does not lock by itself.
    """

    def __init__(self, path: Path, article_id: str) -> None:
        self.path = path
        self.article_id = article_id
        self._data: JsonDict | None = None
        self._sig: Signature | None = None

    @property
    def signature(self) -> Signature | None:
        """Signature of the version in memory (None: no file)."""
        return self._sig

    def invalidate(self) -> None:
        self._data = None
        self._sig = None

    def read(self) -> JsonDict | None:
        sig = _stat_sig(self.path)
        if sig is None:
            self.invalidate()
            return None
        if sig != self._sig or self._data is None:
            self.invalidate()
            loaded = _load_article_file(self.path, self.article_id)
            if loaded is None:  # removed meanwhile
                return None
            self._data, self._sig = loaded
        return self._data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        on_disk = _stat_sig(self.path)
        if on_disk != self._sig:
            self.invalidate()
            raise StoreError(f"{self.path}: changed on disk while saving; nothing was saved, try again")
        data[META] = {_ONE: {"schema": SCHEMA_VERSION, "article_id": self.article_id}}
        ordered = {META: data[META], **data}  # meta first: what a person opening the file looks for
        try:
            self._sig = _atomic_write(self.path, _dumps(ordered), replaces=on_disk)
        except OSError as e:
            self.invalidate()  # TinyDB already changed the dict in memory
            raise StoreError(
                f"{self.path}: cannot save annotations ({e.strerror}); check free space and permissions"
            ) from e
        except BaseException:
            self.invalidate()
            raise
        self._data = data

    def close(self) -> None:
        self.invalidate()


class _Table(Table):
    """Documents keyed by our uuid strings, so TinyDB's cached ``_next_id`` never matters."""

    document_id_class = str  # type: ignore[assignment]


class _DB(TinyDB):
    table_class = _Table


def _entry(data: JsonDict, sig: Signature) -> JsonDict:
    """Index entry for one article file's contents."""
    docs = data.get(ANNOTATIONS, {})
    tags: Counter[str] = Counter()
    for doc in docs.values():
        tags.update(doc["tags"])
    return {
        "article_id": data[META][_ONE]["article_id"],
        "count": len(docs),
        "tags": dict(tags),
        "sig": list(sig),
    }


# ------------------------------------------------------------------------------------------ the store


class AnnotationStore:
    """All annotations and reading states, in a folder. Safe to share between threads and processes."""

    def __init__(self, path: Path | str = DEFAULT_PATH, lock_timeout: float = 5.0, *, cache_size: int = 32):
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.articles_dir = self.path / ARTICLES_DIR
        self.manifest_path = self.path / MANIFEST_NAME
        self.index_path = self.path / INDEX_NAME
        self.lock_path = self.path / LOCK_NAME
        self._cache_size = cache_size
        self._mutex = threading.RLock()
        self._lock_depth = 0
        self._dbs: OrderedDict[str, _DB] = OrderedDict()
        self._index: dict[str, JsonDict] = {}
        self._index_sig: Signature | None = None
        self._dirty: set[str] = set()  # index entries changed by our saves, not yet in index.json
        self._manifest_seen = False
        self._problems: dict[str, tuple[Signature, str]] = {}  # stem -> (signature, message)
        self._lock_fd: int | None = None
        try:
            self.articles_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"{self.path}: cannot create the annotation folder ({e.strerror})") from e
        for folder in (self.path, self.articles_dir):
            if not os.access(folder, os.W_OK | os.X_OK):
                raise StoreError(f"{folder}: annotation folder is not writable; check its permissions")
        try:
            self._lock_fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as e:
            raise StoreError(f"{self.lock_path}: cannot open the lock file ({e.strerror})") from e
        self._check_manifest()
        self._remove_stale_temp_files()

    # -- lifecycle

    def close(self) -> None:
        """Release the lock file; also writes index.json if our saves changed it and the lock is free."""
        with self._mutex:
            if self._dirty and self._lock_fd is not None:
                with suppress(ReaderError):
                    self.counts()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
            self._dbs.clear()

    def __enter__(self) -> AnnotationStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with suppress(Exception):
            if self._lock_fd is not None:
                os.close(self._lock_fd)

    def file_for(self, article_id: str) -> Path:
        """The JSON file that holds ``article_id``'s annotations and state (it may not exist yet)."""
        name = hashlib.sha1(article_id.encode("utf-8"), usedforsecurity=False).hexdigest()[:20]
        return self.articles_dir / f"{name}.json"

    # -- annotations

    def add(self, annotation: Annotation) -> Annotation:
        """Save a new annotation; returns it (tags normalised) once it is on disk."""
        annotation = _checked(annotation)
        with self._locked():
            table = self._table(annotation.article_id, ANNOTATIONS)
            if table.get(doc_id=annotation.id) is not None:  # type: ignore[call-overload]
                raise UsageError(f"annotation {annotation.id} already exists in {annotation.article_id}")
            table.insert(Document(annotation.to_dict(), doc_id=annotation.id))  # type: ignore[arg-type]
            self._after_write(annotation.article_id)
        return annotation

    def update(self, annotation: Annotation) -> Annotation:
        """Replace a stored annotation (same id and article) with ``annotation`` as given.

        Nothing is stamped: the caller sets ``modified`` for an edit, and an undo can restore a previous
        version exactly. Returns what was stored (tags normalised).
        """
        annotation = _checked(annotation)
        with self._locked():
            table = self._table(annotation.article_id, ANNOTATIONS)
            old = table.get(doc_id=annotation.id)  # type: ignore[call-overload]
            if old is None:
                raise UsageError(f"no annotation {annotation.id} in {annotation.article_id} to update")
            table.update(annotation.to_dict(), doc_ids=[annotation.id])  # type: ignore[list-item]
            self._after_write(annotation.article_id)
        return annotation

    def delete(self, article_id: str, annotation_id: str) -> Annotation:
        """Remove an annotation; returns what was removed."""
        with self._locked():
            table = self._table(article_id, ANNOTATIONS)
            old = table.get(doc_id=annotation_id)  # type: ignore[call-overload]
            if old is None:
                raise UsageError(f"no annotation {annotation_id} in {article_id} to delete")
            table.remove(doc_ids=[annotation_id])  # type: ignore[list-item]
            self._after_write(article_id)
        return Annotation.from_dict(old)

    def put_many(
        self, article_id: str, annotations: Iterable[Annotation] = (), *, remove: Iterable[str] = ()
    ) -> list[Annotation]:
        """Insert or replace many annotations of one article and remove others, in a single save.

        For bulk work (import): the article file is written once, under the lock, on top of whatever
        another process saved meanwhile (re-read first, as every mutation does). Annotations are stored as
        given (an existing one with the same id is replaced); ids in ``remove`` that are not stored are
        ignored. Nothing is written when there is nothing to change. Returns what was stored (tags
        normalised).
        """
        checked = [_checked(a) for a in annotations]
        for a in checked:
            if a.article_id != article_id:
                raise UsageError(f"annotation {a.id} belongs to {a.article_id!r}, not {article_id!r}")
        drop = set(remove)
        with self._locked():
            storage = self._db(article_id).storage
            assert isinstance(storage, ArticleFileStorage)
            data = storage.read() or {}
            docs = dict(data.get(ANNOTATIONS, {}))
            gone = [key for key in drop if key in docs]
            if not checked and not gone:
                return []
            for key in gone:
                del docs[key]
            for a in checked:
                docs[a.id] = a.to_dict()
            storage.write({**data, ANNOTATIONS: docs})  # a new dict: the cached one stays intact on failure
            self._after_write(article_id)
        return checked

    def article_tags(self) -> dict[str, dict[str, int]]:
        """Article id -> {tag: annotations carrying it} (from the index, as cheap as :meth:`counts`)."""
        with self._mutex:
            return {e["article_id"]: dict(e["tags"]) for e in self._fresh_index().values() if e["count"]}

    def retag(
        self,
        mapping: Callable[[tuple[str, ...]], tuple[str, ...]],
        *,
        only: Iterable[str] | None = None,
    ) -> list[tuple[str, str, tuple[str, ...]]]:
        """Rewrite the tags of every annotation in every article file: ``tags -> mapping(tags)``.

        For codebook operations (rename, merge, delete a tag). Under the lock for the whole pass; each
        article file whose annotations change is saved once (atomically, like every save), so a crash
        leaves some files done and others not: callers make their mapping idempotent and re-run it (see
        ``reader.codebook``). ``modified`` is not stamped. With ``only``, files whose index shows none of
        those tags are skipped (not read). Returns ``(article_id, annotation_id, old_tags)`` for every
        annotation changed. Raises StoreCorruptError if an article file cannot be read.
        """
        wanted = None if only is None else set(only)
        changed: list[tuple[str, str, tuple[str, ...]]] = []
        with self._locked():
            entries = self._fresh_index()
            if self._problems:
                raise StoreCorruptError(next(iter(self._problems.values()))[1])
            for entry in sorted(entries.values(), key=operator.itemgetter("article_id")):
                if wanted is not None and wanted.isdisjoint(entry["tags"]):
                    continue
                article_id = entry["article_id"]
                storage = self._db(article_id).storage
                assert isinstance(storage, ArticleFileStorage)
                data = storage.read() or {}
                docs = dict(data.get(ANNOTATIONS, {}))
                here = []
                for key, doc in docs.items():
                    old = tuple(doc["tags"])
                    new = mapping(old)
                    if new != old and (new := normalise_tags(new)) != old:
                        docs[key] = {**doc, "tags": list(new)}
                        here.append((article_id, key, old))
                if here:
                    storage.write({**data, ANNOTATIONS: docs})
                    self._after_write(article_id)
                    changed.extend(here)
        return changed

    def get(self, article_id: str, annotation_id: str) -> Annotation | None:
        with self._mutex:
            doc = self._table(article_id, ANNOTATIONS).get(doc_id=annotation_id)  # type: ignore[call-overload]
        return None if doc is None else Annotation.from_dict(doc)

    def for_article(self, article_id: str) -> list[Annotation]:
        """The article's annotations in document order (start, end, created)."""
        with self._mutex:
            docs = self._table(article_id, ANNOTATIONS).all()
        return _sorted_annotations(docs)

    def records(self, article_id: str) -> list[JsonDict]:
        """The article's annotations as stored records (plain dicts), in document order.

        For bulk reading (export of 100,000 annotations): no Annotation objects are built. Each record was
        checked like :meth:`Annotation.from_dict` when the file was read. The dicts are the store's own
        cached copies: read them, never modify them.
        """
        with self._mutex:
            db = self._dbs.get(article_id)
            if db is not None:
                assert isinstance(db.storage, ArticleFileStorage)
                data = db.storage.read() or {}
            else:  # not open: read the file directly rather than set up a TinyDB for one read
                data = self._read_checked(self.file_for(article_id), article_id)
            docs = list(data.get(ANNOTATIONS, {}).values())
        docs.sort(key=_DOCUMENT_ORDER)
        return docs

    def _read_checked(self, path: Path, article_id: str) -> JsonDict:
        """An article file's contents, its records checked unless this very version was checked before
        (the index entry was made from it: same mtime, size and inode)."""
        got = _read_bytes(path)
        if got is None:
            return {}
        raw, sig = got
        entry = self._index.get(path.stem)
        checked = entry is not None and tuple(entry["sig"]) == sig
        return _parse_article_file(path, raw, article_id, check_records=not checked)

    def all(self) -> Iterator[Annotation]:
        """Every annotation, by article id then document order (for export).

        Raises StoreCorruptError if any article file cannot be read: an export must not silently miss
        annotations.
        """
        with self._mutex:
            entries = self._fresh_index()
            if self._problems:
                raise StoreCorruptError(next(iter(self._problems.values()))[1])
            order = sorted(entries.items(), key=lambda kv: kv[1]["article_id"])
        for stem, entry in order:
            loaded = _load_article_file(self.articles_dir / f"{stem}.json", entry["article_id"])
            if loaded is not None:
                yield from _sorted_annotations(loaded[0].get(ANNOTATIONS, {}).values())

    def counts(self) -> dict[str, int]:
        """Article id -> number of annotations (articles with none are left out).

        Served from ``index.json``; costs a ``stat`` per article file, and parses only the files whose
        signature does not match their index entry. Unreadable files are left out (see :meth:`problems`).
        """
        with self._mutex:
            return {e["article_id"]: e["count"] for e in self._fresh_index().values() if e["count"]}

    def tags(self) -> Counter[str]:
        """Tag -> number of annotations carrying it (from the index, as cheap as :meth:`counts`)."""
        total: Counter[str] = Counter()
        with self._mutex:
            for e in self._fresh_index().values():
                total.update(e["tags"])
        return total

    def problems(self) -> list[str]:
        """One line per article file that cannot be read (corrupt or from a newer version)."""
        with self._mutex:
            self._fresh_index()
            return [message for _, message in self._problems.values()]

    # -- reading state

    def get_state(self, article_id: str) -> ArticleState | None:
        with self._mutex:
            doc = self._table(article_id, STATE).get(doc_id=_ONE)  # type: ignore[call-overload]
        return None if doc is None else ArticleState.from_dict(doc)

    def set_state(self, state: ArticleState) -> ArticleState:
        """Save where the user is in an article (``updated`` stamped if empty); returns the saved state."""
        if not isinstance(state.position, int) or state.position < 0:
            raise UsageError(f"reading position must be a non-negative integer, got {state.position!r}")
        if not state.updated:
            state = replace(state, updated=now_iso())
        with self._locked():
            table = self._table(state.article_id, STATE)
            # not upsert(): it writes twice when inserting
            if table.get(doc_id=_ONE) is None:  # type: ignore[call-overload]
                table.insert(Document(state.to_dict(), doc_id=_ONE))  # type: ignore[arg-type]
            else:
                table.update(state.to_dict(), doc_ids=[_ONE])  # type: ignore[list-item]
            self._after_write(state.article_id)
        return state

    # -- internals

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Exclusive: this thread (mutex) and this process (flock on the lock file); re-entrant."""
        with self._mutex:
            if self._lock_fd is None:
                raise StoreError(f"{self.path}: annotation store is closed")
            if self._lock_depth == 0:
                self._acquire_flock(self.lock_timeout)
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
                if self._lock_depth == 0:
                    fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _acquire_flock(self, timeout: float) -> None:
        """Poll a non-blocking flock until ``timeout`` (a blocking flock cannot time out in a library)."""
        assert self._lock_fd is not None
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreLockedError(
                        f"{self.lock_path}: another reader process is writing the annotations "
                        f"(still locked after {timeout:g} s); try again"
                    ) from None
                time.sleep(_LOCK_POLL_S)
            except OSError as e:
                raise StoreError(f"{self.lock_path}: cannot lock ({e.strerror})") from e

    def _try_lock(self) -> bool:
        """Take the lock only if it is free right now (for opportunistic cache writes)."""
        if not self._lock_depth:
            try:
                self._acquire_flock(0)
            except StoreLockedError:
                return False
        self._lock_depth += 1
        return True

    def _unlock(self) -> None:
        self._lock_depth -= 1
        if self._lock_depth == 0 and self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _db(self, article_id: str) -> _DB:
        db = self._dbs.get(article_id)
        if db is None:
            db = _DB(self.file_for(article_id), article_id, storage=ArticleFileStorage)
            self._dbs[article_id] = db
            while len(self._dbs) > self._cache_size:
                self._dbs.popitem(last=False)
        else:
            self._dbs.move_to_end(article_id)
        return db

    def _table(self, article_id: str, name: str) -> Table:
        return self._db(article_id).table(name, cache_size=0)

    def _after_write(self, article_id: str) -> None:
        """Under the lock, after the article file was saved: note it in the index, create the manifest."""
        storage = self._db(article_id).storage
        assert isinstance(storage, ArticleFileStorage) and storage.signature is not None
        data = storage.read()
        assert data is not None
        # In memory only: index.json is written by counts()/close() (see the module docstring).
        self._index[storage.path.stem] = _entry(data, storage.signature)
        self._dirty.add(storage.path.stem)
        if not self._manifest_seen:
            if not self.manifest_path.exists():
                manifest = {"schema": SCHEMA_VERSION, "format": "reader annotations", "created": now_iso()}
                _atomic_write(self.manifest_path, _dumps(manifest), replaces=None)
            self._manifest_seen = True

    def _check_manifest(self) -> None:
        got = _read_bytes(self.manifest_path)
        if got is None:
            return
        try:
            schema = orjson.loads(got[0]).get("schema")
        except (orjson.JSONDecodeError, AttributeError) as e:
            raise _corrupt(self.manifest_path, "not a valid reader database manifest") from e
        if schema != SCHEMA_VERSION:
            raise _newer_schema(self.manifest_path, schema)

    def _remove_stale_temp_files(self) -> None:
        """Temp files left by a killed writer. Every write holds the lock, so with it held any are stale."""
        if not self._try_lock():
            return
        try:
            for folder in (self.path, self.articles_dir):
                for p in folder.glob(".*.tmp"):
                    try:
                        p.unlink()
                    except OSError as e:
                        log.debug("cannot remove the stale temporary file %s: %s", p, e)
        finally:
            self._unlock()

    def _load_index(self) -> dict[str, JsonDict]:
        """The index as on disk (re-read if another process replaced it); garbage counts as empty."""
        sig = _stat_sig(self.index_path)
        if sig is not None and sig == self._index_sig:
            return self._index
        entries: dict[str, JsonDict] = {}
        got = _read_bytes(self.index_path)
        if got is not None:
            sig = got[1]
            with suppress(orjson.JSONDecodeError, AttributeError, TypeError, KeyError, ValueError):
                data = orjson.loads(got[0])
                if data.get("schema") == SCHEMA_VERSION:
                    for stem, e in data["files"].items():
                        if isinstance(e["article_id"], str) and isinstance(e["count"], int):
                            entries[stem] = {
                                "article_id": e["article_id"],
                                "count": e["count"],
                                "tags": dict(e["tags"]),
                                "sig": list(e["sig"]),
                            }
        for stem in self._dirty:  # our own saves not yet in index.json
            if stem in self._index:
                entries[stem] = self._index[stem]
        self._index, self._index_sig = entries, sig
        return entries

    def _save_index(self) -> None:
        """Replace index.json atomically (caller holds the lock). Not fsynced: entries are self-checking."""
        payload = orjson.dumps({"schema": SCHEMA_VERSION, "files": self._index})
        try:
            self._index_sig = _atomic_write(self.index_path, payload, replaces=self._index_sig, durable=False)
            self._dirty.clear()
        except OSError as e:
            log.debug("cannot write %s: %s", self.index_path, e)
            self._index_sig = None  # a cache: failing to write it is not worth failing anything for

    def _fresh_index(self) -> dict[str, JsonDict]:
        """Index entries checked against the article files; recounts stale ones and saves if it can."""
        index = self._load_index()
        fresh: dict[str, JsonDict] = {}
        problems: dict[str, tuple[Signature, str]] = {}
        changed = False
        try:
            scan = list(os.scandir(self.articles_dir))
        except OSError as e:
            raise StoreError(f"{self.articles_dir}: cannot list ({e.strerror})") from e
        for de in scan:
            name = de.name
            if name.startswith(".") or not name.endswith(".json"):
                continue
            stem = name[:-5]
            try:
                sig = _sig(de.stat())
            except FileNotFoundError:
                continue
            known = self._problems.get(stem)
            if known is not None and known[0] == sig:  # still the same unreadable file: don't re-parse
                problems[stem] = known
                continue
            entry = index.get(stem)
            if entry is None or tuple(entry["sig"]) != sig:
                changed = True
                try:
                    loaded = _load_article_file(Path(de.path))
                except StoreCorruptError as err:
                    problems[stem] = (sig, str(err))
                    continue
                if loaded is None:
                    continue
                entry = _entry(*loaded)
            fresh[stem] = entry
        self._problems = problems
        if changed or self._dirty or len(fresh) != len(index):
            self._index = fresh
            if self._try_lock():
                try:
                    self._save_index()
                finally:
                    self._unlock()
        return fresh


def _checked(annotation: Annotation) -> Annotation:
    """The annotation with its tags normalised; UsageError if it cannot be stored."""
    if not isinstance(annotation, Annotation):
        raise UsageError(f"expected an Annotation, got {type(annotation).__name__}")
    if not annotation.id or not annotation.article_id:
        raise UsageError("an annotation needs an id and an article id")
    if not (0 <= annotation.start <= annotation.end):
        raise UsageError(
            f"annotation {annotation.id}: bad range {annotation.start}..{annotation.end} "
            "(need 0 <= start <= end)"
        )
    tags = normalise_tags(annotation.tags)
    return annotation if tags == annotation.tags else replace(annotation, tags=tags)
