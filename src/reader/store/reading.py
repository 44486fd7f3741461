"""AnnotationReader: a database folder opened for reading every coder's annotations, their counts and
what cannot be read.

The reading half of :class:`~reader.store.store.AnnotationStore`, which adds writing. Reading takes no file
lock (only the in-process mutex, for the caches): it goes on while another process writes, and on a
read-only folder. See the package docstring for the layout.
"""

from __future__ import annotations

import heapq
import os
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from functools import cache
from pathlib import Path

from reader.errors import StoreCorruptError, StoreError
from reader.store.coders import CODERS_DIR, Coder, CoderFolder, coder_for
from reader.store.files import RACY_NS, DatabaseLock, cannot, change_token, gc_paused
from reader.store.folder import LOCAL_DIR, MANIFEST_NAME, open_folder
from reader.store.journal import JOURNAL_NAME, Journal, check_readable
from reader.store.log import LOG_SUFFIX, SNAPSHOT_SUFFIX, ArticleFile
from reader.store.names import LOCK_NAME
from reader.store.records import DOCUMENT_ORDER, Annotation, JsonDict, annotations_of
from reader.store.roster import CoderRoster, article_stem
from reader.store.snapshot import in_document_order
from reader.store.window import records_before


class AnnotationReader:
    """All coders' annotations in a folder, read. Safe to share between threads and processes."""

    def __init__(
        self,
        path: Path | str,
        lock_timeout: float,
        *,
        cache_size: int,
        coder: Coder | str | None,
    ):
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        #: who is coding: their folder is the one written (None/"": the login name, a default coder)
        self.coder = coder if isinstance(coder, Coder) else coder_for(coder)
        self.local_dir = self.path / LOCAL_DIR
        self.manifest_path = self.path / MANIFEST_NAME
        self.lock_path = self.local_dir / LOCK_NAME
        self._lock = DatabaseLock(self.lock_path, lock_timeout)
        self.read_only = open_folder(self.path)
        self._roster = CoderRoster(self.path, self.local_dir, self.coder, cache_size)
        self.journal = Journal(self.local_dir / JOURNAL_NAME, self.path, self._roster.mine.articles_dir)

    # -- coder folders

    @property
    def articles_dir(self) -> Path:
        """The folder this clone writes annotations to (its coder's)."""
        return self._roster.mine.articles_dir

    @property
    def index_path(self) -> Path:
        """The local index (a cache of counts) of this coder's folder."""
        return self._roster.mine.index.path

    @property
    def my_folder(self) -> str:
        """This coder's folder relative to the database (``coders/<folder>``): for their shared files."""
        return f"{CODERS_DIR}/{self.coder.folder}"

    def coders(self) -> list[str]:
        """Every coder with a folder here (this clone's coder first, once they have one; ``agreed`` last
        if there is one)."""
        with self._lock.mutex:
            folders = self._roster.folders()
            return [f.name for f in folders if f is not self._roster.mine or f.articles_dir.is_dir()]

    def coder_folder(self, name: str) -> Path | None:
        """The folder (``coders/<folder>``) of the coder ``name``, if there is one."""
        with self._lock.mutex:
            for f in self._roster.folders():
                if f.name == name:
                    return f.articles_dir.parent
        return None

    def owns(self, article_id: str, annotation_id: str) -> bool:
        """True if the annotation is in this coder's folder: only those can be changed here."""
        with self._lock.mutex:
            return annotation_id in self._load(self._roster.mine, article_id)

    def file_for(self, article_id: str) -> Path:
        """This coder's snapshot file of ``article_id``'s annotations (it may not exist yet); the log is
        beside it."""
        return self.articles_dir / f"{article_stem(article_id)}.json"

    # -- annotations (every coder's, or those of ``coders``)

    def get(self, article_id: str, annotation_id: str) -> Annotation | None:
        """The annotation, whoever's it is (this coder's folder is looked in first)."""
        with self._lock.mutex:
            for f in self._roster.folders():
                try:
                    doc = self._load(f, article_id).get(annotation_id)
                except StoreError:
                    if f is self._roster.mine:
                        raise
                    continue
                if doc is not None:
                    if f is not self._roster.mine and not doc.get("creator"):
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

    def first_annotations(
        self, article_id: str, until: int, sha256: str
    ) -> tuple[list[Annotation], int] | None:
        """The article's annotations that start before ``until`` (as :meth:`for_article` gives them) and
        how many it has in all, read without the others; None when that cannot be done exactly (see
        :mod:`reader.store.window`): read them all. For an article's first screen: the rest follow."""
        stem = article_stem(article_id)
        names = (f"{stem}{SNAPSHOT_SUFFIX}", f"{stem}{LOG_SUFFIX}")
        with self._lock.mutex:
            holding = [
                f for f in self._roster.folders() if any(os.path.exists(f.articles_dir / n) for n in names)
            ]
            if len(holding) != 1:
                return None
            folder = holding[0]
            cached = folder.files.get(article_id)
            if cached is not None and cached.docs is not None:
                return None
            entry = folder.index.entry(stem)
        if entry is None or stem in folder.index.problems:
            return None
        records = records_before(folder.articles_dir, stem, article_id, until, sha256, entry)
        if records is None:
            return None
        with gc_paused():
            return annotations_of(self._with_creator(folder, records)), entry["count"]

    def records(
        self, article_id: str, *, coders: Collection[str] | None = None, own: bool = False
    ) -> list[JsonDict]:
        """The article's annotations as stored records (plain dicts, checked when read, ``tags`` a tuple),
        in document order; another coder's carry their ``creator`` (a record that has none is copied with
        its folder's coder), this coder's as stored (empty: :meth:`creator_of`); ``own``: this coder's
        folder only. For bulk reading (export of 100,000 annotations): read them, never modify them (an
        Annotation of :meth:`for_article` wraps the same dict)."""
        parts = []
        stem = article_stem(article_id)
        with self._lock.mutex:  # a copy of what ordering needs, so that saves need not wait for it
            for f in self._roster.chosen(own):
                docs = dict(self._load(f, article_id))
                if docs:
                    af = f.article(article_id, stem)
                    parts.append((f, docs, af.ordered, set(af.changed)))
        with gc_paused():
            ordered = []
            for f, docs, in_order, changed in parts:
                ordered.append(self._with_creator(f, in_document_order(docs, in_order, changed)))
            found = ordered[0] if len(ordered) == 1 else list(heapq.merge(*ordered, key=DOCUMENT_ORDER))
        if coders is not None:
            me = self.coder.name
            found = [d for d in found if (d.get("creator") or me) in coders]
        return found

    def _with_creator(self, folder: CoderFolder, records: list[JsonDict]) -> list[JsonDict]:
        """Another coder's records with their ``creator`` (one without is copied with the folder's coder);
        this coder's as stored (their own folder's records have none: :meth:`creator_of`)."""
        if folder is self._roster.mine:
            return records
        name = folder.name
        return [d if d.get("creator") else d | {"creator": name} for d in records]

    def article_version(self, article_id: str) -> tuple[int, ...] | None:
        """A version of the article's annotations (every coder's) that changes whenever :meth:`records` can
        change, None if no coder has a file of it. Stats only, nothing read: for caches derived from the
        records (the corpus search's tags by position, ``reader.search.tagspans``)."""
        return _version(article_stem(article_id), [(folder, None) for folder in self._folder_paths()])

    def article_versions(self) -> Callable[[str], tuple[int, ...] | None]:
        """:meth:`article_version` of many articles: the coder folders and their files are listed once
        here, so each article costs only the stats of its own files (a search asks for thousands). A file
        made after this call is seen by the next one; an unreadable folder raises on each call, as
        :meth:`article_version` would."""
        listed = self._listed()
        if not any(names for _, names in listed):  # no annotation anywhere (the usual case): nothing to stat
            return lambda article_id: None
        return lambda article_id: _version(article_stem(article_id), listed)

    def unannotated(self) -> bool:
        """No coder folder holds a file (as listed now): no article has an annotation (a search that finds
        none builds no tag cache, so it may be shared with a forked process: ``reader.search.shared``)."""
        return not any(names for _, names in self._listed())

    def _listed(self) -> list[tuple[str, Collection[str] | OSError]]:
        """Each coder folder's articles folder and the names in it (or why it cannot be listed)."""
        listed: list[tuple[str, Collection[str] | OSError]] = []
        for folder in self._folder_paths():
            try:
                with os.scandir(folder) as entries:
                    listed.append((folder, {entry.name for entry in entries}))
            except FileNotFoundError:
                listed.append((folder, ()))
            except OSError as e:
                listed.append((folder, e))
        return listed

    def _folder_paths(self) -> list[str]:
        """Every coder folder's articles folder, as plain strings (no Path objects on a search's path)."""
        with self._lock.mutex:
            return [os.fspath(f.articles_dir) for f in self._roster.folders()]

    def changes_stamp(self) -> str | None:
        """A value that differs whenever any coder's annotations may have changed since it was taken; None
        when it cannot be given now (a writer holds the lock, a coder folder changed in the last seconds,
        no token or boot id). Take it *before* reading what a cache is made of, keep it with the cache, and
        trust the cache while the stamp is the same: the corpus search's tags (``reader.search.tagspans``)
        then cost no stat per article.

        Made of the boot id (the token is not fsynced: a crash of the machine may lose it), the change
        token every writer renews when it takes the lock (:func:`~.files.mark_changes`), and the mtime of
        every coder folder and of the folder that holds them: files another coder's changes bring (a
        ``git`` pull; ``reader sync`` holds the lock as well) are new files, which change their folder's
        mtime. A folder changed less than :data:`RACY_NS` ago is not trusted yet: a change later in the
        same clock tick would leave its mtime as it is (git's "racily clean" entries)."""
        boot, token = _boot_id(), change_token(self.lock_path)
        if boot is None or token is None:
            return None
        folders = [*self._folder_paths(), os.fspath(self.path / CODERS_DIR)]
        parts, recent = [boot, token.hex()], time.time_ns() - RACY_NS
        for folder in folders:
            try:
                mtime = os.stat(folder).st_mtime_ns
            except FileNotFoundError:
                mtime = 0
            except OSError:
                return None
            if mtime > recent:
                return None
            parts.append(str(mtime))
        return " ".join(parts)

    def all(self, *, coders: Collection[str] | None = None) -> Iterator[Annotation]:
        """Every annotation, by article id then document order. Raises StoreCorruptError if any article
        file cannot be read (a caller that can leave some out uses :meth:`counts` and :meth:`records`)."""
        with self._lock.mutex:
            ids: set[str] = set()
            for f in self._roster.folders():
                entries = self._fresh(f)
                if f.index.problems:
                    raise StoreCorruptError(next(iter(f.index.problems.values()))[1])
                ids.update(e["article_id"] for e in entries.values())
        for article_id in sorted(ids):
            yield from self.for_article(article_id, coders=coders)

    def creator_of(self, annotation: Annotation) -> str:
        """Who made ``annotation``: its creator, or this clone's coder for one of theirs (which, read from
        their folder, keep an empty ``creator`` in memory, as they do on disk)."""
        return annotation.creator or self.coder.name

    @staticmethod
    def _as_read(annotation: Annotation) -> Annotation:
        """As reading it back gives it (this coder's own keep an empty creator: see :meth:`creator_of`)."""
        return annotation

    def _read(self, record: JsonDict) -> Annotation:
        """A record of this coder's folder as an Annotation (creator filled in)."""
        return self._as_read(Annotation.from_dict(record))

    def _article(self, article_id: str) -> ArticleFile:
        return self._roster.mine.article(article_id, article_stem(article_id))

    def _load(self, folder: CoderFolder, article_id: str) -> dict[str, JsonDict]:
        return folder.load(article_id, article_stem(article_id))

    # -- counts from the index (a stat per article file)

    def counts(self, *, own: bool = False) -> dict[str, int]:
        """Article id -> number of annotations, everyone's (``own``: this coder's folder only); articles
        with none, or unreadable, are left out.

        A stat per article file; only logs that grew are read, and only their new tail."""
        total: Counter[str] = Counter()
        with self._lock.mutex:
            for f in self._roster.chosen(own):
                for e in self._fresh(f).values():
                    if e["count"]:
                        total[e["article_id"]] += e["count"]
        return dict(total)

    def tags(self, *, own: bool = False) -> Counter[str]:
        """Tag -> number of annotations carrying it (as cheap as :meth:`counts`)."""
        total: Counter[str] = Counter()
        with self._lock.mutex:
            for f in self._roster.chosen(own):
                for e in self._fresh(f).values():
                    total.update(e["tags"])
        return total

    def article_tags(self, *, own: bool = False) -> dict[str, dict[str, int]]:
        """Article id -> {tag: annotations carrying it} (as cheap as :meth:`counts`)."""
        out: dict[str, dict[str, int]] = {}
        with self._lock.mutex:
            for f in self._roster.chosen(own):
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
            for f in self._roster.folders():
                out[f.name] = {e["article_id"]: e["count"] for e in self._fresh(f).values() if e["count"]}
        return out

    def _fresh(self, folder: CoderFolder) -> dict[str, JsonDict]:
        entries = folder.fresh()
        if folder.index.dirty and not self.read_only:
            self._save_index()
        return entries

    def _save_index(self) -> None:
        if not self.local_dir.is_dir():
            return
        try:
            with self._lock.hold(timeout=0, changes=False):
                for f in self._roster.known():
                    if f.index.dirty:
                        f.index.path.parent.mkdir(exist_ok=True)
                        f.index.save()
        except (StoreError, OSError):
            pass  # locked or unwritable: the index is a cache, written next time

    # -- what cannot be read

    def problems(self) -> list[str]:
        """One line per article file that cannot be read (damaged, unreadable, from a newer version), of
        any coder, and for a pending journal that cannot be finished here (read-only database)."""
        lines: list[str] = []
        with self._lock.mutex:
            for f in self._roster.folders():
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
        troubled = [f for f in self._roster.known() if f.index.problems]
        if not troubled:  # the usual case: no hash of the id (`reader list` asks for each of 10,000)
            return None
        stem = article_stem(article_id)
        for f in troubled:
            got = f.index.problems.get(stem)
            if got is not None:
                return got[1]
        return None


def _version(
    stem: str, folders: Sequence[tuple[str, Collection[str] | OSError | None]]
) -> tuple[int, ...] | None:
    """The (mtime, size, inode) of an article's snapshot and log in each coder folder, zeros where there is
    none; None if there is no file at all. Each folder comes with the names it holds (None: not listed,
    ask; an OSError: it could not be listed)."""
    version: list[int] = []
    for folder, names in folders:  # plain strings: no Path objects on this path (a search asks 10,000 times)
        if isinstance(names, OSError):
            raise cannot(Path(folder), "read", names)
        for name in (stem + SNAPSHOT_SUFFIX, stem + LOG_SUFFIX):
            path = folder + os.sep + name
            try:  # (most articles have no file: access() says so without the cost of an exception)
                st = os.stat(path) if (os.access(path, os.F_OK) if names is None else name in names) else None
            except FileNotFoundError:
                st = None
            except OSError as e:
                raise cannot(Path(path), "read", e) from e
            version += _NO_FILE if st is None else (st.st_mtime_ns, st.st_size, st.st_ino)
    return tuple(version) if any(version) else None


_NO_FILE = (0, 0, 0)


@cache
def _boot_id() -> str | None:
    """This boot's id (Linux), None elsewhere: then no stamp is given, and caches check every file."""
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as f:
            return f.read().strip() or None
    except OSError:
        return None
