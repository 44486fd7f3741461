"""AnnotationStore: the database folder as one object (see the package docstring for the layout)."""

from __future__ import annotations

import hashlib
import os
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from reader.errors import (
    ConflictError,
    ReaderError,
    StoreCorruptError,
    StoreError,
    StoreLockedError,
    StoreReadOnlyError,
    UsageError,
)
from reader.store.changes import SCHEMA, Op
from reader.store.files import (
    DatabaseLock,
    Signature,
    atomic_write,
    cannot,
    gc_paused,
    read_bytes,
    remove_temp_files,
    stat_signature,
)
from reader.store.folder import (
    ARTICLES_DIR,
    LOCAL_DIR,
    MANIFEST_NAME,
    make_folders,
    manifest_schema,
    open_folder,
    upgrade,
)
from reader.store.index import Index
from reader.store.journal import JOURNAL_NAME, Change, Journal, check_readable
from reader.store.log import LOG_SUFFIX, MIN_COMPACT_BYTES, SNAPSHOT_SUFFIX, ArticleFile
from reader.store.positions import Positions
from reader.store.records import (
    Annotation,
    ArticleState,
    JsonDict,
    annotations_of,
    checked,
    now_iso,
)
from reader.store.snapshot import in_document_order

DEFAULT_PATH = Path("annotations")
LOCK_NAME = "lock"
INDEX_NAME = "index.json"
POSITIONS_DIR = "positions"


class AnnotationStore:
    """All annotations and reading positions, in a folder. Safe to share between threads and processes."""

    def __init__(self, path: Path | str = DEFAULT_PATH, lock_timeout: float = 5.0, *, cache_size: int = 32):
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.articles_dir = self.path / ARTICLES_DIR
        self._articles_prefix = os.path.join(self.articles_dir, "")
        self.local_dir = self.path / LOCAL_DIR
        self.manifest_path = self.path / MANIFEST_NAME
        self.lock_path = self.local_dir / LOCK_NAME
        self.positions_dir = self.local_dir / POSITIONS_DIR
        self._positions = Positions(self.positions_dir)
        self.journal = Journal(self.local_dir / JOURNAL_NAME, self.path, self.articles_dir)
        self._cache_size = cache_size
        self._lock = DatabaseLock(self.lock_path, lock_timeout)
        self._files: OrderedDict[str, ArticleFile] = OrderedDict()
        self._index = Index(self.local_dir / INDEX_NAME, self.articles_dir)
        self._closed = False
        self.read_only = open_folder(self.path)
        self._migrated = manifest_schema(self.path) == SCHEMA
        if not self.read_only:
            self._lock.prepare()  # the first save should cost what every save costs
            self._tidy_after_crash()

    # -- lifecycle

    def _tidy_after_crash(self) -> None:
        """Finish an interrupted change and remove temp files, if there are any and the lock is free."""
        folders = (self.path, self.articles_dir, self.local_dir, self.positions_dir)
        if not self.journal.pending() and not any(
            next(iter(folder.glob(".*.tmp")), None) for folder in folders if folder.is_dir()
        ):
            return
        try:
            with self._lock.hold(timeout=0):
                remove_temp_files(folders)
                self._recover()
        except StoreLockedError:
            pass  # another process is writing: it recovers (every writer does before it writes)
        except StoreCorruptError:
            pass  # a damaged journal: reading goes on, writing refuses (see pending_problem())

    def close(self) -> None:
        """Write index.json if our saves changed it and the lock is free; forget cached articles."""
        with self._lock.mutex:
            if self._index.dirty and not self.read_only and not self._closed:
                with suppress(ReaderError):
                    self._save_index()
            self._files.clear()
            self._closed = True

    def __enter__(self) -> AnnotationStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def file_for(self, article_id: str) -> Path:
        """The snapshot file of ``article_id``'s annotations (it may not exist yet); the log is beside it."""
        return self.articles_dir / f"{_stem(article_id)}.json"

    # -- the lock and shared files (for the codebook)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the database's write lock (re-entrant); an interrupted change is finished first."""
        if self._closed:
            raise StoreError(f"{self.path}: annotation store is closed")
        if self.read_only:
            raise StoreReadOnlyError(
                f"{self.path}: the annotation folder is read-only; nothing can be saved (check permissions)"
            )
        with self._lock.mutex:
            first = not self._lock.held
            if first:
                make_folders(self.path)
            with self._lock.hold():
                if first:
                    if not self._migrated:
                        upgrade(self.path)
                        self._migrated = True
                    self._recover()
                yield

    def _recover(self) -> None:
        if self.journal.pending():
            self.journal.recover(self._article)
            self._files.clear()  # reload what the recovery wrote

    def file_version(self, name: str) -> Signature | None:
        """The signature of a shared file of the database folder (e.g. ``codebook.json``), None if absent."""
        return stat_signature(self.path / name)

    def read_file(self, name: str) -> tuple[bytes, Signature] | None:
        return read_bytes(self.path / name)

    def write_file(self, name: str, payload: bytes) -> Signature:
        """Replace a shared file atomically and durably (under the lock)."""
        with self.locked():
            path = self.path / name
            try:
                return atomic_write(path, payload, replaces=stat_signature(path))
            except OSError as e:
                raise cannot(path, "save", e) from e

    # -- annotations: writing

    def add(self, annotation: Annotation, *, fresh: bool = False) -> Annotation:
        """Save a new annotation; returns it (tags normalised) once it is on disk.

        ``fresh``: the caller vouches the id is new (a uuid4 just made), so the article's existing
        annotations are not read at all: the save costs one append and one fsync whatever their number.
        """
        annotation = checked(annotation)
        record = annotation.to_dict()
        with self.locked():
            af = self._article(annotation.article_id)
            if fresh and af.docs is None and self._add_fresh(af, record):
                return annotation
            af.prepare()
            if annotation.id in (af.docs or {}):
                raise UsageError(f"annotation {annotation.id} already exists in {annotation.article_id}")
            self._append(af, af.ops_for([record], []))
        return annotation

    def _add_fresh(self, af: ArticleFile, record: JsonDict) -> bool:
        """Append after the version the index knows (checked when it was indexed); False if it cannot."""
        known = self._index.known(af.stem)
        if known is None:
            return False
        got = af.append_after(record, known)
        if got is None:
            return False
        ops, size, gained = got
        self._index.follow(af.stem, ops, size, gained)
        self._index.save()  # so that the next process reads only what comes after this (no fsync: a cache)
        snap = af.snapshot_path.stat().st_size if af.snapshot_path.exists() else 0
        if size > max(MIN_COMPACT_BYTES, snap):
            self.compact(af.article_id or "")  # reads the article: once per doubling of the log
        return True

    def update(self, annotation: Annotation, *, expected: Annotation | None = None) -> Annotation:
        """Replace a stored annotation (same id and article) with ``annotation`` as given.

        Nothing is stamped: the caller sets ``modified`` for an edit, and an undo can restore a previous
        version exactly. With ``expected`` (what the editor started from), ConflictError if the stored
        annotation is no longer that (another copy of reader changed or deleted it meanwhile).
        """
        annotation = checked(annotation)
        with self.locked():
            af = self._article(annotation.article_id)
            af.prepare()
            old = (af.docs or {}).get(annotation.id)
            # compared as Annotations: a record written without a default field equals one with it
            if expected is not None and (old is None or Annotation.from_dict(old) != checked(expected)):
                theirs = None if old is None else Annotation.from_dict(old)
                raise ConflictError(
                    f"annotation {annotation.id} in {annotation.article_id} was "
                    f"{'deleted' if theirs is None else 'changed'} by another copy of reader since you "
                    "opened it",
                    annotation,
                    theirs,
                )
            if old is None:
                raise UsageError(f"no annotation {annotation.id} in {annotation.article_id} to update")
            self._append(af, af.ops_for([annotation.to_dict()], []))
        return annotation

    def delete(self, article_id: str, annotation_id: str) -> Annotation:
        """Remove an annotation; returns what was removed."""
        with self.locked():
            af = self._article(article_id)
            af.prepare()
            old = (af.docs or {}).get(annotation_id)
            if old is None:
                raise UsageError(f"no annotation {annotation_id} in {article_id} to delete")
            self._append(af, af.ops_for([], [annotation_id]))
        return Annotation.from_dict(old)

    def put_many(
        self, article_id: str, annotations: Iterable[Annotation] = (), *, remove: Iterable[str] = ()
    ) -> list[Annotation]:
        """Insert or replace many annotations of one article and remove others, in one append and fsync.

        Annotations are stored as given; ids in ``remove`` that are not stored are ignored; nothing is
        written when nothing changes. Returns what was stored (tags normalised). For changes to several
        articles that must happen together, use :meth:`commit`.
        """
        stored = [checked(a) for a in annotations]
        for a in stored:
            if a.article_id != article_id:
                raise UsageError(f"annotation {a.id} belongs to {a.article_id!r}, not {article_id!r}")
        with self.locked():
            af = self._article(article_id)
            af.prepare()
            self._append(af, af.ops_for([a.to_dict() for a in stored], list(remove)))
        return stored

    def commit(self, changes: Iterable[Change], *, files: dict[str, bytes] | None = None, what: str) -> int:
        """Apply changes to many articles (and replace shared ``files``) all or nothing, through the
        journal (see :mod:`reader.store.journal`). ``what`` names the change in messages ("import of
        x.json"). Returns the number of annotations changed."""
        changes = list(changes)  # records checked by Change.of (as every save checks them)
        with self.locked():
            done = self.journal.commit(self._article, changes, files or {}, what)
            for af, ops, size in done:
                self._index.note(af, (af.snap_sig, af.log_ino, size), ops)
                self._maybe_compact(af)
        return sum(len(ops) for _, ops, _ in done)

    def compact(self, article_id: str) -> None:
        """Write the article's snapshot now (it is also done by itself when the log outgrows it)."""
        with self.locked():
            af = self._article(article_id)
            af.prepare()
            if af.article_id is not None and (af.docs or af.snapshot_path.exists()):
                if af.legacy_state is not None and not self._positions.exists(af.stem):
                    self._positions.write(af.stem, af.legacy_state)
                af.compact()
                self._index.replace(af)

    def set_aside(self, article_id: str) -> list[Path]:
        """Move a damaged article's files out of the way (renamed with a timestamp), so that it starts
        afresh; they are kept for the user to inspect or restore. Returns the new paths."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        with self.locked():
            af = self._article(article_id)
            moved = []
            for path in (af.snapshot_path, af.log_path):
                if path.exists():
                    target = path.with_name(f"{path.name}.set-aside-{stamp}")
                    try:
                        os.replace(path, target)
                    except OSError as e:
                        raise cannot(path, "move aside", e) from e
                    moved.append(target)
            self._files.pop(article_id, None)
            self._index.drop(af.stem)
        return moved

    def _article(self, article_id: str) -> ArticleFile:
        af = self._files.get(article_id)
        if af is None:
            af = ArticleFile(self.articles_dir, _stem(article_id), article_id)
            self._files[article_id] = af
            while len(self._files) > self._cache_size:
                self._files.popitem(last=False)
        else:
            self._files.move_to_end(article_id)
        return af

    @staticmethod
    def _position(af: ArticleFile) -> tuple[Signature | None, int | None, int]:
        return (af.snap_sig, af.log_ino, af.log_off)

    def _append(self, af: ArticleFile, ops: list[Op]) -> None:
        """One append (one fsync) under the lock, then the index and maybe a compaction."""
        if not ops:
            return
        before = self._position(af)
        af.append(ops)
        self._index.note(af, before, ops)
        self._maybe_compact(af)

    def _maybe_compact(self, af: ArticleFile) -> None:
        if af.compact_due():
            self.compact(af.article_id or "")

    # -- annotations: reading

    def get(self, article_id: str, annotation_id: str) -> Annotation | None:
        with self._lock.mutex:
            doc = self._load(article_id).get(annotation_id)
        return None if doc is None else Annotation.from_dict(doc)

    def for_article(self, article_id: str) -> list[Annotation]:
        """The article's annotations in document order (start, end, created)."""
        docs = self.records(article_id)
        with gc_paused():
            return annotations_of(docs)

    def records(self, article_id: str) -> list[JsonDict]:
        """The article's annotations as stored records (plain dicts, checked when read, ``tags`` a tuple),
        in document order. For bulk reading (export of 100,000 annotations): read them, never modify
        them (an Annotation of :meth:`for_article` wraps the same dict)."""
        with self._lock.mutex:  # a copy of what ordering needs, so that saves need not wait for it
            docs = dict(self._load(article_id))
            af = self._article(article_id)
            ordered, changed = af.ordered, set(af.changed)
        with gc_paused():
            return in_document_order(docs, ordered, changed)

    def article_version(self, article_id: str) -> tuple[int, ...] | None:
        """A version of the article's annotations that changes whenever :meth:`records` can change, None
        if it has no annotation file. Two stats, nothing read: for caches derived from the records (the
        corpus search's tags by position, ``reader.search.tagspans``, asks once per article with a hit)."""
        stem = self._articles_prefix + _stem(article_id)  # plain strings: no Path objects on this path
        version: list[int] = []
        for suffix in (SNAPSHOT_SUFFIX, LOG_SUFFIX):
            path = stem + suffix
            try:  # (most articles have no file: access() says so without the cost of an exception)
                st = os.stat(path) if os.access(path, os.F_OK) else None
            except FileNotFoundError:
                st = None
            except OSError as e:
                raise cannot(Path(path), "read", e) from e
            version += (0, 0, 0) if st is None else (st.st_mtime_ns, st.st_size, st.st_ino)
        return tuple(version) if any(version) else None

    def _load(self, article_id: str) -> dict[str, JsonDict]:
        af = self._article(article_id)
        if af.docs is None:
            af.trusted, af.trusted_log, af.trusted_ordered = self._index.checked(af.stem)
        try:
            return af.load()
        except StoreError:
            self._files.pop(article_id, None)
            raise

    def all(self) -> Iterator[Annotation]:
        """Every annotation, by article id then document order. Raises StoreCorruptError if any article
        file cannot be read (a caller that can leave some out uses :meth:`counts` and :meth:`records`)."""
        with self._lock.mutex:
            entries = self._fresh()
            if self._index.problems:
                raise StoreCorruptError(next(iter(self._index.problems.values()))[1])
            ids = sorted(e["article_id"] for e in entries.values())
        for article_id in ids:
            yield from self.for_article(article_id)

    def counts(self) -> dict[str, int]:
        """Article id -> number of annotations (articles with none, or unreadable, are left out).

        A stat per article file; only logs that grew are read, and only their new tail."""
        with self._lock.mutex:
            return {e["article_id"]: e["count"] for e in self._fresh().values() if e["count"]}

    def tags(self) -> Counter[str]:
        """Tag -> number of annotations carrying it (as cheap as :meth:`counts`)."""
        total: Counter[str] = Counter()
        with self._lock.mutex:
            for e in self._fresh().values():
                total.update(e["tags"])
        return total

    def article_tags(self) -> dict[str, dict[str, int]]:
        """Article id -> {tag: annotations carrying it} (as cheap as :meth:`counts`)."""
        with self._lock.mutex:
            return {e["article_id"]: dict(e["tags"]) for e in self._fresh().values() if e["count"]}

    def problems(self) -> list[str]:
        """One line per article file that cannot be read (damaged, unreadable, from a newer version),
        and for a pending journal that cannot be finished here (read-only database)."""
        with self._lock.mutex:
            self._fresh()
            lines = [message for _, message in self._index.problems.values()]
        pending = self.pending_problem()
        return lines if pending is None else [*lines, pending]

    def pending_problem(self) -> str | None:
        """Why an interrupted multi-article change cannot be finished (a damaged journal, or a read-only
        database), if so."""
        if not self.journal.pending():
            return None
        try:
            check_readable(self.journal.path)
        except StoreCorruptError as e:
            return str(e)
        if not self.read_only:
            return None  # the next write finishes it
        return (
            f"{self.journal.path}: an interrupted change is pending; open the database with write access "
            "(any reader command) to finish it"
        )

    def problem_for(self, article_id: str) -> str | None:
        """Why this article's annotations cannot be read, or None, as of the last :meth:`counts`,
        :meth:`tags` or :meth:`problems` (call one of those first; this one reads no file)."""
        got = self._index.problems.get(_stem(article_id))
        return None if got is None else got[1]

    def _fresh(self) -> dict[str, JsonDict]:
        entries = self._index.fresh(self._cached_by_stem)
        if self._index.dirty and not self.read_only:
            self._save_index()
        return entries

    def _cached_by_stem(self, stem: str) -> ArticleFile | None:
        for af in self._files.values():
            if af.stem == stem:
                return af
        return None

    def _save_index(self) -> None:
        if not self.local_dir.is_dir():
            return
        try:
            with self._lock.hold(timeout=0):
                self._index.save()
        except StoreError:
            pass  # locked or unwritable: the index is a cache, written next time

    # -- reading positions (local, never shared; no lock: last writer wins; see reader.store.positions)

    def get_state(self, article_id: str) -> ArticleState | None:
        found = self._positions.read(_stem(article_id))
        if found is not False:
            return found if isinstance(found, ArticleState) else None
        try:  # a schema-1 database kept it in the article file
            self._load(article_id)
        except StoreError:
            return None
        legacy = self._article(article_id).legacy_state
        return None if legacy is None else ArticleState.from_dict(legacy)

    def set_state(self, state: ArticleState) -> ArticleState:
        """Save where the user is in an article (``updated`` stamped if empty); returns the saved state.

        Never waits for the lock and is not fsynced: a position is a convenience, not a user's work. On a
        read-only database it is not saved.
        """
        if not isinstance(state.position, int) or state.position < 0:
            raise UsageError(f"reading position must be a non-negative integer, got {state.position!r}")
        if not state.updated:
            state = replace(state, updated=now_iso())
        if not self.read_only:
            self._positions.write(_stem(state.article_id), state.to_dict())
        return state


def _stem(article_id: str) -> str:
    return hashlib.sha1(article_id.encode("utf-8"), usedforsecurity=False).hexdigest()[:20]
