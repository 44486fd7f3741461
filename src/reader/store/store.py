"""AnnotationStore: the database folder as one object (see the package docstring for the layout).

Reading is :class:`~reader.store.reading.AnnotationReader`'s; this module is what writes: the lock, this
coder's annotations (one append each, or all or nothing through the journal), the agreed version and the
reading positions.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from reader.errors import (
    ConflictError,
    ReaderError,
    StoreCorruptError,
    StoreError,
    StoreLockedError,
    StoreReadOnlyError,
    UsageError,
)
from reader.store.changes import Op
from reader.store.coders import AGREED, Coder
from reader.store.coders import ARTICLES as ARTICLES_SUBDIR
from reader.store.files import (
    Signature,
    atomic_write,
    cannot,
    read_bytes,
    remove_temp_files,
    stat_signature,
    temp_files_in,
)
from reader.store.folder import AGREED_DIR, MANIFEST_SCHEMA, make_folders, manifest_schema
from reader.store.journal import Change
from reader.store.log import MIN_COMPACT_BYTES, SNAPSHOT_SUFFIX, ArticleFile
from reader.store.names import TIDY_MEMO
from reader.store.positions import Positions
from reader.store.reading import AnnotationReader
from reader.store.records import Annotation, ArticleState, JsonDict, checked, now_iso
from reader.store.roster import article_stem
from reader.store.snapshot import may_hold_state, snapshot_bytes

DEFAULT_PATH = Path("annotations")
POSITIONS_DIR = "positions"
AGREED_STAMP = "stamp.json"


class AnnotationStore(AnnotationReader):
    """All coders' annotations and this clone's reading positions, in a folder. Safe to share between
    threads and processes. Only the store's own coder's folder is ever written (see :mod:`.coders`)."""

    def __init__(
        self,
        path: Path | str = DEFAULT_PATH,
        lock_timeout: float = 5.0,
        *,
        cache_size: int = 32,
        coder: Coder | str | None = None,
    ):
        super().__init__(path, lock_timeout, cache_size=cache_size, coder=coder)
        self.positions_dir = self.local_dir / POSITIONS_DIR
        self._positions = Positions(self.positions_dir)
        self._closed = False
        self._checked_folder = False  # this coder's folder is theirs (coder.json), checked at the first write
        self._migrated = manifest_schema(self.path) == MANIFEST_SCHEMA and self._roster.settled()
        if not self.read_only:
            self._tidy_after_crash()

    # -- lifecycle

    def _tidy_after_crash(self) -> None:
        """Finish an interrupted change and remove temp files, if there are any and the lock is free."""
        folders = (self.path, self.articles_dir, self.local_dir, self.positions_dir)
        if not self.journal.pending() and not temp_files_in(folders, self.local_dir / TIDY_MEMO):
            return
        try:
            with self._lock.hold(timeout=0):
                remove_temp_files(folders)
                self._recover()
        except StoreLockedError:
            pass  # another process is writing: it recovers (every writer does before it writes)
        except StoreCorruptError:
            pass  # a damaged journal: reading goes on, writing refuses (see pending_problem())

    def _migrate(self) -> None:
        make_folders(self.path)
        if self._roster.claim():
            self.journal.articles_dir = self._roster.mine.articles_dir
        self._migrated = self._checked_folder = True

    def close(self) -> None:
        """Write the indexes our saves changed if the lock is free; forget cached articles."""
        with self._lock.mutex:
            dirty = any(f.index.dirty for f in self._roster.known())
            if dirty and not self.read_only and not self._closed:
                with suppress(ReaderError):
                    self._save_index()
            for f in self._roster.known():
                f.files.clear()
            self._closed = True

    def __enter__(self) -> AnnotationStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
                    if not self._migrated or not self._roster.settled() or not self._checked_folder:
                        self._migrate()
                    self._recover()
                yield

    def _recover(self) -> None:
        if self.journal.pending():
            self.journal.recover(self._article, self._article_in)
            self._roster.mine.files.clear()  # reload what the recovery wrote

    def _article_in(self, folder: str) -> Any:
        """An ArticleFile factory for the articles folder ``folder`` (relative to the database), for a
        journal written by this clone under another coder name (READER_CODER changed since)."""
        articles_dir = self.path / folder

        def article_for(article_id: str) -> ArticleFile:
            return ArticleFile(articles_dir, article_stem(article_id), article_id)

        return article_for

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
                path.parent.mkdir(parents=True, exist_ok=True)
                return atomic_write(path, payload, replaces=stat_signature(path))
            except OSError as e:
                raise cannot(path, "save", e) from e

    # -- annotations: writing (always this coder's folder)

    def _own(self, annotation: Annotation) -> Annotation:
        """Checked, with ``creator`` empty if it is this coder (a folder's records are its coder's)."""
        annotation = checked(annotation)
        if annotation.creator == self.coder.name:
            annotation = replace(annotation, creator="")
        return annotation

    def _refuse_others(self, article_id: str, annotation_id: str, what: str) -> None:
        """UsageError if the annotation is another coder's (read-only here); nothing if it is nobody's."""
        for f in self._roster.folders()[1:]:
            try:
                docs = self._load(f, article_id)
            except StoreError:
                continue
            if annotation_id in docs:
                raise UsageError(
                    f"annotation {annotation_id} in {article_id} is {f.name}'s: another coder's work is "
                    f"read-only here and cannot be {what} (`reader merge` makes an agreed version)"
                )

    def add(self, annotation: Annotation, *, fresh: bool = False) -> Annotation:
        """Save a new annotation; returns it (tags normalised) once it is on disk.

        ``fresh``: the caller vouches the id is new (a uuid4 just made), so the article's existing
        annotations are not read at all: the save costs one append and one fsync whatever their number.
        """
        stored = self._own(annotation)
        record = stored.to_dict()
        with self.locked():
            af = self._article(annotation.article_id)
            if fresh and af.docs is None and self._add_fresh(af, record):
                return self._as_read(stored)
            af.prepare()
            if annotation.id in (af.docs or {}):
                raise UsageError(f"annotation {annotation.id} already exists in {annotation.article_id}")
            self._append(af, af.ops_for([record], []))
            if fresh:  # the index was stale (a copied or restored folder): so that the next process is quick
                self._roster.mine.index.save()
        return self._as_read(stored)

    def _add_fresh(self, af: ArticleFile, record: JsonDict) -> bool:
        """Append after the version the index knows (checked when it was indexed); False if it cannot."""
        index = self._roster.mine.index
        known = index.known(af.stem)
        if known is None:
            return False
        got = af.append_after(record, known)
        if got is None:
            return False
        ops, size, gained = got
        index.follow(af.stem, ops, size, gained)
        index.save()  # so that the next process reads only what comes after this (no fsync: a cache)
        snap = af.snapshot_path.stat().st_size if af.snapshot_path.exists() else 0
        if size > max(MIN_COMPACT_BYTES, snap):
            self.compact(af.article_id or "")  # reads the article: once per doubling of the log
        return True

    def update(self, annotation: Annotation, *, expected: Annotation | None = None) -> Annotation:
        """Replace a stored annotation (same id and article) with ``annotation`` as given.

        Nothing is stamped: the caller sets ``modified`` for an edit, and an undo can restore a previous
        version exactly. With ``expected`` (what the editor started from), ConflictError if the stored
        annotation is no longer that (another copy of reader changed or deleted it meanwhile). Another
        coder's annotation cannot be changed (UsageError).
        """
        stored = self._own(annotation)
        with self.locked():
            af = self._article(annotation.article_id)
            af.prepare()
            old = (af.docs or {}).get(annotation.id)
            if old is None:
                self._refuse_others(annotation.article_id, annotation.id, "changed")
            # compared as Annotations: a record written without a default field equals one with it
            if expected is not None and (old is None or self._read(old) != self._as_read(checked(expected))):
                theirs = None if old is None else self._read(old)
                raise ConflictError(
                    f"annotation {annotation.id} in {annotation.article_id} was "
                    f"{'deleted' if theirs is None else 'changed'} by another copy of reader since you "
                    "opened it",
                    self._as_read(stored),
                    theirs,
                )
            if old is None:
                raise UsageError(f"no annotation {annotation.id} in {annotation.article_id} to update")
            self._append(af, af.ops_for([stored.to_dict()], []))
        return self._as_read(stored)

    def delete(self, article_id: str, annotation_id: str) -> Annotation:
        """Remove an annotation of this coder's; returns what was removed."""
        with self.locked():
            af = self._article(article_id)
            af.prepare()
            old = (af.docs or {}).get(annotation_id)
            if old is None:
                self._refuse_others(article_id, annotation_id, "deleted")
                raise UsageError(f"no annotation {annotation_id} in {article_id} to delete")
            self._append(af, af.ops_for([], [annotation_id]))
        return self._read(old)

    def put_many(
        self, article_id: str, annotations: Iterable[Annotation] = (), *, remove: Iterable[str] = ()
    ) -> list[Annotation]:
        """Insert or replace many annotations of one article and remove others, in one append and fsync.

        Annotations are stored as given; ids in ``remove`` that are not stored are ignored; nothing is
        written when nothing changes. Returns what was stored (tags normalised). For changes to several
        articles that must happen together, use :meth:`commit`.
        """
        stored = [self._own(a) for a in annotations]
        for a in stored:
            if a.article_id != article_id:
                raise UsageError(f"annotation {a.id} belongs to {a.article_id!r}, not {article_id!r}")
        with self.locked():
            af = self._article(article_id)
            af.prepare()
            self._append(af, af.ops_for([a.to_dict() for a in stored], list(remove)))
        return [self._as_read(a) for a in stored]

    def commit(self, changes: Iterable[Change], *, files: dict[str, bytes] | None = None, what: str) -> int:
        """Apply changes to many articles of this coder's folder (and replace shared ``files``) all or
        nothing, through the journal (see :mod:`reader.store.journal`). ``what`` names the change in
        messages ("import of x.json"). Returns the number of annotations changed."""
        changes = [self._own_change(c) for c in changes]  # records checked by Change.of
        with self.locked():
            done = self.journal.commit(self._article, changes, files or {}, what)
            for af, ops, size in done:
                self._roster.mine.index.note(af, (af.snap_sig, af.log_ino, size), ops)
                self._maybe_compact(af)
        return sum(len(ops) for _, ops, _ in done)

    def _own_change(self, change: Change) -> Change:
        me = self.coder.name
        if not any(r.get("creator") == me for r in change.puts):
            return change
        puts = [r | {"creator": ""} if r.get("creator") == me else r for r in change.puts]
        return Change(change.article_id, puts, change.dels)

    def compact(self, article_id: str) -> None:
        """Write the article's snapshot now (it is also done by itself when the log outgrows it)."""
        with self.locked():
            af = self._article(article_id)
            af.prepare()
            if af.article_id is not None and (af.docs or af.snapshot_path.exists()):
                if af.legacy_state is not None and not self._positions.exists(af.stem):
                    self._positions.write(af.stem, af.legacy_state)
                af.compact()
                self._roster.mine.index.replace(af)

    def set_aside(self, article_id: str) -> list[Path]:
        """Move a damaged article's files out of the way (renamed with a timestamp), so that it starts
        afresh; they are kept for the user to inspect or restore. Returns the new paths. Only this coder's
        files: another coder's damaged file is theirs to fix (it comes back with the next sync)."""
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
            self._roster.mine.files.pop(article_id, None)
            self._roster.mine.index.drop(af.stem)
        return moved

    @staticmethod
    def _position(af: ArticleFile) -> tuple[Signature | None, int | None, int]:
        return (af.snap_sig, af.log_ino, af.log_off)

    def _append(self, af: ArticleFile, ops: list[Op]) -> None:
        """One append (one fsync) under the lock, then the index and maybe a compaction."""
        if not ops:
            return
        before = self._position(af)
        af.append(ops)
        self._roster.mine.index.note(af, before, ops)
        self._maybe_compact(af)

    def _maybe_compact(self, af: ArticleFile) -> None:
        if af.compact_due():
            self.compact(af.article_id or "")

    # -- the agreed version (local/agreed: made from the shared merge decisions by reader.merging)

    def agreed_stamp(self) -> Any:
        """What the agreed version was made from (as :meth:`replace_agreed` was told), None if none."""
        got = read_bytes(self.local_dir / AGREED_DIR / AGREED_STAMP)
        if got is None:
            return None
        try:
            return orjson.loads(got[0])
        except orjson.JSONDecodeError:
            return None

    def replace_agreed(self, by_article: dict[str, list[JsonDict]], stamp: Any) -> None:
        """Write the agreed version: one snapshot per article (records stored as given), nothing else
        left; then the stamp. A cache of what the decisions say: rebuilt, never edited."""
        folder = self.local_dir / AGREED_DIR / ARTICLES_SUBDIR
        with self.locked():
            folder.mkdir(parents=True, exist_ok=True)
            wanted = {}
            for article_id, records in by_article.items():
                docs = {r["id"]: r for r in records}
                snapshot_name = f"{article_stem(article_id)}{SNAPSHOT_SUFFIX}"
                wanted[snapshot_name] = snapshot_bytes(article_id, 0, docs)[0]
            try:
                for name, payload in wanted.items():
                    atomic_write(folder / name, payload, durable=False)
                for path in folder.iterdir():
                    if path.name not in wanted and not path.name.startswith("."):
                        path.unlink()
                atomic_write(self.local_dir / AGREED_DIR / AGREED_STAMP, orjson.dumps(stamp), durable=False)
            except OSError as e:
                raise cannot(folder, "write the agreed version in", e) from e
            agreed = self._roster.others.get(AGREED)
            if agreed is not None:
                agreed.files.clear()

    # -- reading positions (local, never shared; no lock: last writer wins; see reader.store.positions)

    def get_state(self, article_id: str) -> ArticleState | None:
        found = self._positions.read(article_stem(article_id))
        if found is not False:
            return found if isinstance(found, ArticleState) else None
        af = self._article(article_id)
        if af.docs is None and not may_hold_state(af.snapshot_path):
            return None  # not read here: opening an article reads its first annotations alone
        try:  # a schema-1 database kept it in the article file
            self._load(self._roster.mine, article_id)
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
            self._positions.write(article_stem(state.article_id), state.to_dict())
        return state
