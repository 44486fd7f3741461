"""AnnotationStore: the database folder as one object (see the package docstring for the layout)."""

from __future__ import annotations

import hashlib
import heapq
import os
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
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
from reader.store.coders import (
    AGREED,
    CODERS_DIR,
    Coder,
    CoderFolder,
    adopt_default_folder,
    claim_legacy_articles,
    coder_folders,
    coder_for,
    default_coder_name,
    ensure_coder_folder,
    folder_name,
    read_coder_file,
)
from reader.store.coders import ARTICLES as ARTICLES_SUBDIR
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
    AGREED_DIR,
    ARTICLES_DIR,
    LOCAL_DIR,
    MANIFEST_NAME,
    MANIFEST_SCHEMA,
    make_folders,
    manifest_schema,
    open_folder,
    upgrade,
)
from reader.store.journal import JOURNAL_NAME, Change, Journal, check_readable
from reader.store.log import LOG_SUFFIX, MIN_COMPACT_BYTES, SNAPSHOT_SUFFIX, ArticleFile
from reader.store.positions import Positions
from reader.store.records import (
    DOCUMENT_ORDER,
    Annotation,
    ArticleState,
    JsonDict,
    annotations_of,
    checked,
    now_iso,
)
from reader.store.snapshot import in_document_order, snapshot_bytes

DEFAULT_PATH = Path("annotations")
LOCK_NAME = "lock"
INDEX_NAME = "index.json"  # of the single-coder layout's articles/ (read until it is moved)
INDEX_DIR = "index"  # local/index/<coder folder>.json
POSITIONS_DIR = "positions"
AGREED_STAMP = "stamp.json"


class AnnotationStore:
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
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        #: who is coding: their folder is the one written (None/"": the login name, a default coder)
        self.coder = coder if isinstance(coder, Coder) else coder_for(coder)
        self.local_dir = self.path / LOCAL_DIR
        self.manifest_path = self.path / MANIFEST_NAME
        self.lock_path = self.local_dir / LOCK_NAME
        self.positions_dir = self.local_dir / POSITIONS_DIR
        self._positions = Positions(self.positions_dir)
        self._cache_size = cache_size
        self._lock = DatabaseLock(self.lock_path, lock_timeout)
        self._closed = False
        self._others: dict[str, CoderFolder] = {}  # folder name -> another coder's folder (read-only)
        self._checked_folder = False  # this coder's folder is theirs (coder.json), checked at the first write
        self.read_only = open_folder(self.path)
        self._mine = self._my_folder()
        self.journal = Journal(self.local_dir / JOURNAL_NAME, self.path, self._mine.articles_dir)
        self._migrated = manifest_schema(self.path) == MANIFEST_SCHEMA and self._settled()
        if not self.read_only:
            self._lock.prepare()  # the first save should cost what every save costs
            self._tidy_after_crash()

    # -- coder folders

    @property
    def articles_dir(self) -> Path:
        """The folder this clone writes annotations to (its coder's)."""
        return self._mine.articles_dir

    @property
    def index_path(self) -> Path:
        """The local index (a cache of counts) of this coder's folder."""
        return self._mine.index.path

    def _my_folder(self) -> CoderFolder:
        """Where this coder's annotations are: their folder; before the first write, the login name's
        default folder (adopted when a name is set) or the single-coder ``articles/`` (moved)."""
        coders = self.path / CODERS_DIR
        folder = self.coder.folder
        if not (coders / folder / ARTICLES_SUBDIR).exists():
            default = folder_name(default_coder_name())
            got = read_coder_file(coders / default) if self.coder.explicit else None
            if got is not None and got[1]:
                return self._folder_object(self.coder.name, default)
            legacy = self.path / ARTICLES_DIR
            if legacy.is_dir():
                return CoderFolder(
                    self.coder.name, folder, legacy, self.local_dir / INDEX_NAME, self._cache_size
                )
        return self._folder_object(self.coder.name, folder)

    def _folder_object(self, name: str, folder: str) -> CoderFolder:
        articles = self.path / CODERS_DIR / folder / ARTICLES_SUBDIR
        index = self.local_dir / INDEX_DIR / f"{folder}.json"
        return CoderFolder(name, folder, articles, index, self._cache_size)

    def _settled(self) -> bool:
        """This coder's folder is where it belongs (nothing to move or adopt on the first write)."""
        return self._mine.articles_dir == self.path / CODERS_DIR / self.coder.folder / ARTICLES_SUBDIR

    def _claim(self) -> None:
        """Under the lock, before the first write: adopt the default folder or move the single-coder
        ``articles/`` into this coder's folder, write the manifest; idempotent (see :mod:`.coders`)."""
        adopt_default_folder(self.path, self.coder)
        moved = claim_legacy_articles(self.path, self.coder)
        ensure_coder_folder(self.path, self.coder)
        upgrade(self.path, claimed_by=self.coder.name if moved else None)
        if not self._settled():
            self._mine = self._folder_object(self.coder.name, self.coder.folder)
            self.journal.articles_dir = self._mine.articles_dir
        self._others.pop(self.coder.folder, None)

    def _folders(self) -> list[CoderFolder]:
        """Mine first, then every other coder's folder (found anew each time: a pull adds some), then the
        agreed version (``local/agreed``, made by :mod:`reader.merging`)."""
        if not self._settled() and not self._mine.articles_dir.exists():
            self._mine = self._my_folder()  # another process moved it into the coder's folder
        names = coder_folders(self.path)
        mine_path = self._mine.articles_dir
        for folder, name in names.items():
            known = self._others.get(folder)
            if known is None or known.name != name:
                self._others[folder] = self._folder_object(name, folder)
        for folder in [f for f in self._others if f not in names and f != AGREED]:
            del self._others[folder]
        others = [
            f for key, f in sorted(self._others.items()) if key != AGREED and f.articles_dir != mine_path
        ]
        agreed = self.local_dir / AGREED_DIR / ARTICLES_SUBDIR
        if agreed.is_dir():
            if AGREED not in self._others:
                self._others[AGREED] = CoderFolder(
                    AGREED, AGREED, agreed, self.local_dir / INDEX_DIR / f".{AGREED}.json", self._cache_size
                )
            others.append(self._others[AGREED])
        else:
            self._others.pop(AGREED, None)
        return [self._mine, *others]

    def _selected(self, coders: Collection[str] | None) -> list[CoderFolder]:
        folders = self._folders()
        if coders is None:
            return folders
        return [f for f in folders if f.name in coders]

    def coders(self) -> list[str]:
        """Every coder with a folder here (this clone's coder first, once they have one; ``agreed`` last
        if there is one)."""
        with self._lock.mutex:
            folders = self._folders()
            return [f.name for f in folders if f is not self._mine or f.articles_dir.is_dir()]

    def coder_folder(self, name: str) -> Path | None:
        """The folder (``coders/<folder>``) of the coder ``name``, if there is one."""
        with self._lock.mutex:
            for f in self._folders():
                if f.name == name:
                    return f.articles_dir.parent
        return None

    def owns(self, article_id: str, annotation_id: str) -> bool:
        """True if the annotation is in this coder's folder: only those can be changed here."""
        with self._lock.mutex:
            return annotation_id in self._load(self._mine, article_id)

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

    def _migrate(self) -> None:
        make_folders(self.path)
        self._claim()
        self._migrated = self._checked_folder = True

    def close(self) -> None:
        """Write the indexes our saves changed if the lock is free; forget cached articles."""
        with self._lock.mutex:
            dirty = any(f.index.dirty for f in (self._mine, *self._others.values()))
            if dirty and not self.read_only and not self._closed:
                with suppress(ReaderError):
                    self._save_index()
            self._mine.files.clear()
            for f in self._others.values():
                f.files.clear()
            self._closed = True

    def __enter__(self) -> AnnotationStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def file_for(self, article_id: str) -> Path:
        """This coder's snapshot file of ``article_id``'s annotations (it may not exist yet); the log is
        beside it."""
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
                    if not self._migrated or not self._settled() or not self._checked_folder:
                        self._migrate()
                    self._recover()
                yield

    def _recover(self) -> None:
        if self.journal.pending():
            self.journal.recover(self._article, self._article_in)
            self._mine.files.clear()  # reload what the recovery wrote

    def _article_in(self, folder: str) -> Any:
        """An ArticleFile factory for the articles folder ``folder`` (relative to the database), for a
        journal written by this clone under another coder name (READER_CODER changed since)."""
        articles_dir = self.path / folder

        def article_for(article_id: str) -> ArticleFile:
            return ArticleFile(articles_dir, _stem(article_id), article_id)

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

    @property
    def my_folder(self) -> str:
        """This coder's folder relative to the database (``coders/<folder>``): for their shared files."""
        return f"{CODERS_DIR}/{self.coder.folder}"

    # -- annotations: writing (always this coder's folder)

    def _own(self, annotation: Annotation) -> Annotation:
        """Checked, with ``creator`` empty if it is this coder (a folder's records are its coder's)."""
        annotation = checked(annotation)
        if annotation.creator == self.coder.name:
            annotation = replace(annotation, creator="")
        return annotation

    def _refuse_others(self, article_id: str, annotation_id: str, what: str) -> None:
        """UsageError if the annotation is another coder's (read-only here); nothing if it is nobody's."""
        for f in self._folders()[1:]:
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
        return self._as_read(stored)

    @staticmethod
    def _as_read(annotation: Annotation) -> Annotation:
        """As reading it back gives it (this coder's own keep an empty creator: see :meth:`creator_of`)."""
        return annotation

    def creator_of(self, annotation: Annotation) -> str:
        """Who made ``annotation``: its creator, or this clone's coder for one of theirs (which, read from
        their folder, keep an empty ``creator`` in memory, as they do on disk)."""
        return annotation.creator or self.coder.name

    def _add_fresh(self, af: ArticleFile, record: JsonDict) -> bool:
        """Append after the version the index knows (checked when it was indexed); False if it cannot."""
        index = self._mine.index
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

    def _read(self, record: JsonDict) -> Annotation:
        """A record of this coder's folder as an Annotation (creator filled in)."""
        return self._as_read(Annotation.from_dict(record))

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
                self._mine.index.note(af, (af.snap_sig, af.log_ino, size), ops)
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
                self._mine.index.replace(af)

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
            self._mine.files.pop(article_id, None)
            self._mine.index.drop(af.stem)
        return moved

    def _article(self, article_id: str) -> ArticleFile:
        return self._mine.article(article_id, _stem(article_id))

    @staticmethod
    def _position(af: ArticleFile) -> tuple[Signature | None, int | None, int]:
        return (af.snap_sig, af.log_ino, af.log_off)

    def _append(self, af: ArticleFile, ops: list[Op]) -> None:
        """One append (one fsync) under the lock, then the index and maybe a compaction."""
        if not ops:
            return
        before = self._position(af)
        af.append(ops)
        self._mine.index.note(af, before, ops)
        self._maybe_compact(af)

    def _maybe_compact(self, af: ArticleFile) -> None:
        if af.compact_due():
            self.compact(af.article_id or "")

    # -- annotations: reading (every coder's, or those of ``coders``)

    def get(self, article_id: str, annotation_id: str) -> Annotation | None:
        """The annotation, whoever's it is (this coder's folder is looked in first)."""
        with self._lock.mutex:
            for f in self._folders():
                try:
                    doc = self._load(f, article_id).get(annotation_id)
                except StoreError:
                    if f is self._mine:
                        raise
                    continue
                if doc is not None:
                    if f is not self._mine and not doc.get("creator"):
                        doc = doc | {"creator": f.name}
                    return annotations_of([doc])[0]
        return None

    def for_article(self, article_id: str, *, coders: Collection[str] | None = None) -> list[Annotation]:
        """The article's annotations in document order (start, end, created): everyone's, or those whose
        creator is one of ``coders``. Another coder's unreadable file raises like this coder's. This
        coder's own have an empty ``creator`` (:meth:`creator_of`), everyone else's their name."""
        docs = self.records(article_id, coders=coders)
        with gc_paused():
            return annotations_of(docs)

    def records(
        self, article_id: str, *, coders: Collection[str] | None = None, own: bool = False
    ) -> list[JsonDict]:
        """The article's annotations as stored records (plain dicts, checked when read, ``tags`` a tuple),
        in document order; another coder's carry their ``creator`` (a record that has none is copied with
        its folder's coder), this coder's as stored (empty: :meth:`creator_of`); ``own``: this coder's
        folder only. For bulk reading (export of 100,000 annotations): read them, never modify them (an
        Annotation of :meth:`for_article` wraps the same dict)."""
        parts = []
        stem = _stem(article_id)
        with self._lock.mutex:  # a copy of what ordering needs, so that saves need not wait for it
            for f in self._chosen(own):
                docs = dict(self._load(f, article_id))
                if docs:
                    af = f.article(article_id, stem)
                    parts.append((f, docs, af.ordered, set(af.changed)))
        with gc_paused():
            ordered = []
            for f, docs, in_order, changed in parts:
                records = in_document_order(docs, in_order, changed)
                if f is not self._mine:  # (the records of a coder's own folder have no creator)
                    name = f.name
                    records = [d if d.get("creator") else d | {"creator": name} for d in records]
                ordered.append(records)
            found = ordered[0] if len(ordered) == 1 else list(heapq.merge(*ordered, key=DOCUMENT_ORDER))
        if coders is not None:
            me = self.coder.name
            found = [d for d in found if (d.get("creator") or me) in coders]
        return found

    def article_version(self, article_id: str) -> tuple[int, ...] | None:
        """A version of the article's annotations (every coder's) that changes whenever :meth:`records` can
        change, None if no coder has a file of it. Stats only, nothing read: for caches derived from the
        records (the corpus search's tags by position, ``reader.search.tagspans``, asks once per article
        with a hit)."""
        stem = _stem(article_id)
        with self._lock.mutex:
            folders = [os.path.join(f.articles_dir, stem) for f in self._folders()]
        version: list[int] = []
        for base in folders:  # plain strings: no Path objects on this path
            for suffix in (SNAPSHOT_SUFFIX, LOG_SUFFIX):
                path = base + suffix
                try:  # (most articles have no file: access() says so without the cost of an exception)
                    st = os.stat(path) if os.access(path, os.F_OK) else None
                except FileNotFoundError:
                    st = None
                except OSError as e:
                    raise cannot(Path(path), "read", e) from e
                version += (0, 0, 0) if st is None else (st.st_mtime_ns, st.st_size, st.st_ino)
        return tuple(version) if any(version) else None

    def _load(self, folder: CoderFolder, article_id: str) -> dict[str, JsonDict]:
        return folder.load(article_id, _stem(article_id))

    def all(self, *, coders: Collection[str] | None = None) -> Iterator[Annotation]:
        """Every annotation, by article id then document order. Raises StoreCorruptError if any article
        file cannot be read (a caller that can leave some out uses :meth:`counts` and :meth:`records`)."""
        with self._lock.mutex:
            ids: set[str] = set()
            for f in self._folders():
                entries = self._fresh(f)
                if f.index.problems:
                    raise StoreCorruptError(next(iter(f.index.problems.values()))[1])
                ids.update(e["article_id"] for e in entries.values())
        for article_id in sorted(ids):
            yield from self.for_article(article_id, coders=coders)

    def counts(self, *, own: bool = False) -> dict[str, int]:
        """Article id -> number of annotations, everyone's (``own``: this coder's folder only); articles
        with none, or unreadable, are left out.

        A stat per article file; only logs that grew are read, and only their new tail."""
        total: Counter[str] = Counter()
        with self._lock.mutex:
            for f in self._chosen(own):
                for e in self._fresh(f).values():
                    if e["count"]:
                        total[e["article_id"]] += e["count"]
        return dict(total)

    def tags(self, *, own: bool = False) -> Counter[str]:
        """Tag -> number of annotations carrying it (as cheap as :meth:`counts`)."""
        total: Counter[str] = Counter()
        with self._lock.mutex:
            for f in self._chosen(own):
                for e in self._fresh(f).values():
                    total.update(e["tags"])
        return total

    def article_tags(self, *, own: bool = False) -> dict[str, dict[str, int]]:
        """Article id -> {tag: annotations carrying it} (as cheap as :meth:`counts`)."""
        out: dict[str, dict[str, int]] = {}
        with self._lock.mutex:
            for f in self._chosen(own):
                for e in self._fresh(f).values():
                    if not e["count"]:
                        continue
                    have = out.get(e["article_id"])
                    if have is None:
                        out[e["article_id"]] = dict(e["tags"])
                    else:
                        for tag, n in e["tags"].items():
                            have[tag] = have.get(tag, 0) + n
        return out

    def counts_by_coder(self) -> dict[str, dict[str, int]]:
        """Coder -> article id -> annotations in that coder's folder (as cheap as :meth:`counts`)."""
        out: dict[str, dict[str, int]] = {}
        with self._lock.mutex:
            for f in self._folders():
                out[f.name] = {e["article_id"]: e["count"] for e in self._fresh(f).values() if e["count"]}
        return out

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
                wanted[f"{_stem(article_id)}{SNAPSHOT_SUFFIX}"] = snapshot_bytes(article_id, 0, docs)[0]
            try:
                for name, payload in wanted.items():
                    atomic_write(folder / name, payload, durable=False)
                for path in folder.iterdir():
                    if path.name not in wanted and not path.name.startswith("."):
                        path.unlink()
                atomic_write(self.local_dir / AGREED_DIR / AGREED_STAMP, orjson.dumps(stamp), durable=False)
            except OSError as e:
                raise cannot(folder, "write the agreed version in", e) from e
            agreed = self._others.get(AGREED)
            if agreed is not None:
                agreed.files.clear()

    def _chosen(self, own: bool) -> list[CoderFolder]:
        return [self._mine] if own else self._folders()

    def problems(self) -> list[str]:
        """One line per article file that cannot be read (damaged, unreadable, from a newer version), of
        any coder, and for a pending journal that cannot be finished here (read-only database)."""
        lines: list[str] = []
        with self._lock.mutex:
            for f in self._folders():
                self._fresh(f)
                lines.extend(message for _, message in f.index.problems.values())
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
        stem = _stem(article_id)
        for f in (self._mine, *self._others.values()):
            got = f.index.problems.get(stem)
            if got is not None:
                return got[1]
        return None

    def _fresh(self, folder: CoderFolder) -> dict[str, JsonDict]:
        entries = folder.fresh()
        if folder.index.dirty and not self.read_only:
            self._save_index()
        return entries

    def _save_index(self) -> None:
        if not self.local_dir.is_dir():
            return
        try:
            with self._lock.hold(timeout=0):
                for f in (self._mine, *self._others.values()):
                    if f.index.dirty:
                        f.index.path.parent.mkdir(exist_ok=True)
                        f.index.save()
        except (StoreError, OSError):
            pass  # locked or unwritable: the index is a cache, written next time

    # -- reading positions (local, never shared; no lock: last writer wins; see reader.store.positions)

    def get_state(self, article_id: str) -> ArticleState | None:
        found = self._positions.read(_stem(article_id))
        if found is not False:
            return found if isinstance(found, ArticleState) else None
        try:  # a schema-1 database kept it in the article file
            self._load(self._mine, article_id)
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
