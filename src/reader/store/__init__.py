"""Annotation store: per article, a TinyDB-layout snapshot plus an append-only change log; one folder.

Layout of the database folder (default ``annotations/``)::

    reader-db.json                 manifest {"schema": 2, ...}                          shared
    codebook.json                  tag colours and descriptions (reader.codebook)       shared
    articles/<sha1[:20]>.json      snapshot of one article's annotations (TinyDB JSON)  shared
    articles/<sha1[:20]>.log       its change log: JSON lines appended after the snapshot   shared
    local/                         this computer only; holds a ``.gitignore`` of ``*``
        lock                       every write holds this file's flock (files.lock_file)
        journal.json               write-ahead journal of a multi-article change, while it runs
        index.json                 cache: per article file, count, tag counts, versions read
        positions/<sha1[:20]>.json reading position per article (last writer wins, no lock)
        cache/                     article metadata and search caches (reader.articles, reader.search)

Everything outside ``local/`` is the data a project shares (a later "teams" feature syncs the folder
through git: each coder's annotations in a folder of their own beside ``articles/``, the codebook shared);
``local/`` is rebuilt or recreated at will and is never synced.

Why this shape. A save must not cost more as an article grows: rewriting a 100,000-annotation file took
~1 s. So a save is one append of one JSON line to the article's log and one fsync (plus a folder fsync
only when a file is created), about the cost of a SQLite WAL insert; the snapshot is rewritten (atomically:
temp file, fsync, rename, fsync folder) only when the log has grown past it, which keeps reading an article
at most ~2x its size. Details of the format: :mod:`reader.store.log`.

Crash safety. A save returns only once its line is fsynced. A kill -9 or power loss can leave only a torn
last line, which was never acknowledged: readers ignore it and the next writer cuts it off. Changes to
several article files (import, tag rename/merge/delete and their undo) go through one write-ahead journal
(:mod:`reader.store.journal`) and are all or nothing even across a kill -9 or a full disk. Anything that
does not validate is a one-line :class:`~reader.errors.StoreCorruptError` naming the file, which is never
overwritten; one bad article file does not stop the others (:meth:`AnnotationStore.problems`), and
:meth:`AnnotationStore.set_aside` moves it away when the user asks.

Two writers. Every write holds one exclusive lock on ``local/lock``; under it a writer first reads what
others appended (only the new tail of each log: it remembers the inode and offset it read to; a replaced
file, as after another process's compaction, is read whole), so nothing is overwritten. Readers take no
lock. A read-only folder is opened read-only (:attr:`AnnotationStore.read_only`): everything reads, nothing
saves.

Counting. ``counts()`` and ``tags()`` come from the index, which follows the logs incrementally (each log
line carries the tags it replaced), so neither a save nor a count does work proportional to the number of
annotations. Schema-1 databases (one JSON file per article, rewritten whole on each save) open as they are:
their files are valid snapshots, and the first write upgrades the manifest and moves the lock and index
into ``local/``.

Modules: :mod:`~reader.store.records` (dataclasses and their checks), :mod:`~reader.store.files` (atomic
writes, fsync/syncfs, the lock), :mod:`~reader.store.names` (the names of the layout's files and folders, of
coders and their folders), :mod:`~reader.store.append` (a new record, the append of a line, and `reader
annotate`'s quick save: light modules, see docs/ARCHITECTURE.md), :mod:`~reader.store.changes` (the log's
line format),
:mod:`~reader.store.log` (one article's snapshot and log), :mod:`~reader.store.journal`,
:mod:`~reader.store.index`, :mod:`~reader.store.positions`, :mod:`~reader.store.folder` (manifest, layout,
upgrade), :mod:`~reader.store.coders` and :mod:`~reader.store.roster` (the coders' folders),
:mod:`~reader.store.reading` (AnnotationReader: reading every coder's annotations, counts, problems) and
:mod:`~reader.store.store` (AnnotationStore: the reader plus writing).
"""

TYPE_CHECKING = False
if TYPE_CHECKING:
    from reader.store.changes import SCHEMA
    from reader.store.folder import LOCAL_DIR, MANIFEST_NAME
    from reader.store.journal import Change
    from reader.store.log import ANNOTATIONS, META
    from reader.store.records import (
        CONTEXT_CHARS,
        Annotation,
        ArticleLike,
        ArticleState,
        JsonDict,
        make_annotation,
        now_iso,
    )
    from reader.store.store import DEFAULT_PATH, AnnotationStore
    from reader.tags import normalise_tags

    SCHEMA_VERSION = SCHEMA

#: where each name of the package lives: imported on first use (PEP 562), so that importing one light
#: module of the package (``reader.store.append``, for `reader annotate`) does not import the whole store
_HOMES = {
    "SCHEMA_VERSION": ("reader.store.changes", "SCHEMA"),
    "LOCAL_DIR": ("reader.store.folder", "LOCAL_DIR"),
    "MANIFEST_NAME": ("reader.store.folder", "MANIFEST_NAME"),
    "Change": ("reader.store.journal", "Change"),
    "ANNOTATIONS": ("reader.store.log", "ANNOTATIONS"),
    "META": ("reader.store.log", "META"),
    "CONTEXT_CHARS": ("reader.store.records", "CONTEXT_CHARS"),
    "Annotation": ("reader.store.records", "Annotation"),
    "ArticleLike": ("reader.store.records", "ArticleLike"),
    "ArticleState": ("reader.store.records", "ArticleState"),
    "JsonDict": ("reader.store.records", "JsonDict"),
    "make_annotation": ("reader.store.records", "make_annotation"),
    "now_iso": ("reader.store.records", "now_iso"),
    "DEFAULT_PATH": ("reader.store.store", "DEFAULT_PATH"),
    "AnnotationStore": ("reader.store.store", "AnnotationStore"),
    "normalise_tags": ("reader.tags", "normalise_tags"),
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'reader.store' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(home[0]), home[1])
    globals()[name] = value
    return value


__all__ = [
    "ANNOTATIONS",
    "CONTEXT_CHARS",
    "DEFAULT_PATH",
    "LOCAL_DIR",
    "MANIFEST_NAME",
    "META",
    "SCHEMA_VERSION",
    "Annotation",
    "AnnotationStore",
    "ArticleLike",
    "ArticleState",
    "Change",
    "JsonDict",
    "make_annotation",
    "normalise_tags",
    "now_iso",
]
