"""The article library: every ``*.txt`` under a folder, listed cheaply and cached by ``(size, mtime_ns)``.

:meth:`Library.list` reads only a small head of each file it has no up-to-date metadata for
(:func:`reader.articles.head_info`) and remembers what it learnt, in memory and, with a ``cache_dir``, in
``articles-cache.json``; :meth:`Library.load` reads a whole file and records its exact metadata.
"""

from __future__ import annotations

import atexit
import builtins
import os
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import orjson

from reader.articles import Article, ArticleInfo, build_article, error_info, head_info, read_all, read_error
from reader.discovery import Found, discover, id_of, path_is_id, walk
from reader.errors import ArticleError, UsageError
from reader.heads import Todo, describe_heads
from reader.logs import logger
from reader.sanitise import safe_line
from reader.store.files import atomic_write

log = logger(__name__)

CACHE_FILE = "articles-cache.json"
CACHE_VERSION = 1
#: what opening articles learnt is written at most this often (and at exit): opening 10,000 articles in a
#: row (an export, `reader list` of mixed-script articles) rewrote the whole cache after each one
LOAD_FLUSH_SECONDS = 1.0
#: a listing that reads files hands what it has so far to ``on_batch`` once this many are known, and then
#: every BATCH_SECONDS: a screen shows the first rows of 10,000 new articles long before the last is read
FIRST_BATCH = 100
BATCH_SECONDS = 2.0


# --------------------------------------------------------------------------------------------- cache


def _stale(info: ArticleInfo | None, st: os.stat_result | None) -> bool:
    """No metadata for this file, or metadata of another version of it (size or mtime changed); a file
    not stat'ed yet (None) is read."""
    return info is None or st is None or info.size != st.st_size or info.mtime_ns != st.st_mtime_ns


_INFO_FIELDS: dict[str, type | tuple[type, ...]] = {
    "title": str,
    "script": str,
    "chars": int,
    "chars_exact": bool,
    "paragraphs": int,
    "reading_minutes": (int, float),
    "size": int,
    "mtime_ns": int,
}


def _info_to_json(info: ArticleInfo) -> dict[str, Any]:
    # the fields of _INFO_FIELDS spelt out: a getattr loop over them was half the cost of writing the cache
    out: dict[str, Any] = {
        "title": info.title,
        "script": info.script,
        "chars": info.chars,
        "chars_exact": info.chars_exact,
        "paragraphs": info.paragraphs,
        "reading_minutes": info.reading_minutes,
        "size": info.size,
        "mtime_ns": info.mtime_ns,
        "error": info.error,
    }
    if info.script_counts is not None:
        out["script_counts"] = info.script_counts
    return out


def _info_from_json(article_id: str, path: Path, raw: Any) -> ArticleInfo | None:
    """An entry from the cache file, or None if it is not what we wrote."""
    if not isinstance(raw, dict):
        return None
    for name, kind in _INFO_FIELDS.items():
        value = raw.get(name)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            return None
    error = raw.get("error")
    if error is not None and not isinstance(error, str):
        return None
    counts = raw.get("script_counts")  # absent from caches written before it was kept
    if counts is not None and not (
        type(counts) is list and len(counts) == 2 and all(type(n) is int and n >= 0 for n in counts)
    ):
        return None
    return ArticleInfo(
        id=article_id,
        path=path,
        title=raw["title"],
        script=raw["script"],
        chars=raw["chars"],
        chars_exact=raw["chars_exact"],
        paragraphs=raw["paragraphs"],
        reading_minutes=float(raw["reading_minutes"]),
        size=raw["size"],
        mtime_ns=raw["mtime_ns"],
        error=error,
        script_counts=None if counts is None else (counts[0], counts[1]),
    )


# --------------------------------------------------------------------------------------------- library


class Library:
    """The ``*.txt`` articles under ``root``; metadata cached in memory and, with ``cache_dir``, on disk."""

    def __init__(self, root: Path, cache_dir: Path | None = None) -> None:
        self.root = Path(root)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._lock = threading.RLock()
        self._cache: dict[str, ArticleInfo] | None = None  # id -> info, for this root
        self._other_roots: dict[str, Any] = {}  # other roots' sections of a shared cache file
        self._listed: dict[str, ArticleInfo] | None = None  # the last list(), by id
        self._dirty = False  # the cache has changes not yet written
        self._written_at = -LOAD_FLUSH_SECONDS  # time.monotonic() of the last write of the cache file
        self._flush_at_exit = False  # an exit hook will write what is left

    # -- public API

    def list(self, on_batch: Callable[[builtins.list[ArticleInfo]], None] | None = None) -> list[ArticleInfo]:
        """Every article, sorted by id; files that cannot be read are listed with ``error`` set (with no
        cache yet, a file removed between the walk and its read is left out, as one removed before).

        ``on_batch``: while a listing reads files (no up-to-date metadata for them), it is given the
        articles listed so far (sorted by id: a prefix of the result), after the first FIRST_BATCH and then
        every BATCH_SECONDS; it runs on the listing's thread, under the library's lock.
        """
        if on_batch is None:
            with self._lock:
                if not self._load_cache():
                    # Nothing cached, so every file is read: the stat each needs is taken by the process
                    # that reads it (reader.heads: over the cores), not one by one in the walk beforehand.
                    unread = [(article_id, path, None) for article_id, path in self.names()]
                    return self._list(unread)
        return self._list(discover(self.root), on_batch)

    def files(self) -> Found:
        """(id, path, stat) of every article file, sorted by id: one ``stat`` each, nothing read and no
        metadata touched (for a cache that checks its own freshness, like the corpus search index)."""
        return discover(self.root)

    def names(self) -> builtins.list[tuple[str, str]]:
        """(id, path) of every article file, sorted by id, as :meth:`files` finds them but without a
        ``stat`` each (the corpus search checks each file when it reaches it)."""
        return walk(self.root, with_stat=False).names

    def _list(
        self, found: Sequence[Todo], on_batch: Callable[[builtins.list[ArticleInfo]], None] | None = None
    ) -> builtins.list[ArticleInfo]:
        with self._lock:
            cache = self._load_cache()
            if on_batch is None:
                infos = self._all_at_once(cache, found)
            else:  # with on_batch, always discover()'s files, each with its stat
                infos = self._in_batches(cache, cast(Found, found), on_batch)
            if len(cache) != len(infos):  # forget files that are gone
                present = {info.id for info in infos}
                for article_id in [key for key in cache if key not in present]:
                    del cache[article_id]
                self._dirty = True
            self._listed = {info.id: info for info in infos}
            self._flush()
        return infos

    def _all_at_once(
        self, cache: dict[str, ArticleInfo], found: Sequence[Todo]
    ) -> builtins.list[ArticleInfo]:
        """Cached metadata of unchanged files, the heads of the others (over every core when they are
        many: ``reader.heads``; a file found without its stat and gone by the time it is read is left
        out, as the walk leaves out one gone before its stat)."""
        todo = [(article_id, path, st) for article_id, path, st in found if _stale(cache.get(article_id), st)]
        if todo:
            for info in describe_heads(todo):
                cache[info.id] = info
            self._dirty = True
        return [known for article_id, _, _ in found if (known := cache.get(article_id)) is not None]

    def _in_batches(
        self,
        cache: dict[str, ArticleInfo],
        found: Found,
        on_batch: Callable[[builtins.list[ArticleInfo]], None],
    ) -> builtins.list[ArticleInfo]:
        infos: builtins.list[ArticleInfo] = []
        due, deadline = FIRST_BATCH, None  # the first batch by count, the next ones by time
        for article_id, path, st in found:
            if _stale(cache.get(article_id), st):
                due -= 1  # one more file read
            infos.append(self._current(cache, article_id, path, st))
            if due <= 0 and (deadline is None or time.monotonic() >= deadline):
                on_batch(infos[:])
                due, deadline = 0, time.monotonic() + BATCH_SECONDS
        return infos

    def list_if_quick(self, max_unread: int = 32) -> builtins.list[ArticleInfo] | None:
        """:meth:`list`, but only if at most ``max_unread`` files have no up-to-date cached metadata
        (else None, having read no file): cheap enough to do before the first paint of a small folder."""
        found = discover(self.root)
        with self._lock:
            cache = self._load_cache()
            unread = 0
            for article_id, _, st in found:
                if _stale(cache.get(article_id), st):
                    unread += 1
                    if unread > max_unread:
                        return None
        return self._list(found)

    def remembered(self) -> builtins.list[ArticleInfo]:
        """The articles as the metadata cache last saw them, sorted by id, without touching any file.

        Possibly stale (files added, changed or removed since): for showing a library at once while
        :meth:`list` runs in a worker. Empty when there is no cache yet.
        """
        with self._lock:
            cache = self._load_cache()
            return sorted(cache.values(), key=lambda info: info.id)

    def info(self, article_id: str) -> ArticleInfo:
        """The listed metadata of one article; UsageError if there is no such article."""
        with self._lock:
            info = self._lookup(article_id)
            self._flush()
        return info

    def load(self, article_id: str) -> Article:
        """Read, decode and normalise a whole article; ArticleError (naming the file) if it cannot."""
        with self._lock:
            info = self._lookup(article_id)
        path = info.path
        try:
            data, st = read_all(path)
        except OSError as exc:
            with self._lock:
                self._flush()
            raise read_error(path, exc) from exc
        same_file = (info.size, info.mtime_ns) == (st.st_size, st.st_mtime_ns) and not info.error
        try:
            article = build_article(
                article_id,
                path,
                data,
                st.st_size,
                st.st_mtime_ns,
                known_script=info.script if same_file else None,
                known_counts=info.script_counts if same_file else None,
            )
        except ArticleError as exc:
            with self._lock:
                self._remember(error_info(article_id, path, st.st_size, st.st_mtime_ns, str(exc)))
                self._flush(soon=True)
            raise
        with self._lock:
            self._remember(article.info)
            self._flush(soon=True)
        return article

    def resolve(self, id_or_path: str) -> str:
        """The article id for an id, or for a filesystem path to an article inside the root.

        An id may be given as the file's name itself when that is not UTF-8 (its bytes, as a shell passes
        them), or as written in the listing (``x\\xff.txt``).
        """
        with self._lock:
            listed = self._listed
        if listed is not None and id_or_path in listed:
            return id_or_path
        paths = {article_id: path for article_id, path, _ in discover(self.root)}
        if id_or_path in paths:
            return id_or_path
        if id_of(id_or_path) is not id_or_path:  # the name's own bytes: the file there, whatever its id
            found = self._id_at(id_or_path, paths)
            if found is not None:
                return found
        candidate = Path(id_or_path).expanduser()
        if candidate.is_file():
            found = self._id_for_path(candidate, paths)
            if found is not None:
                return found
            raise UsageError(
                safe_line(
                    f"{candidate} is not an article in {self.root} (only *.txt files, not hidden ones); "
                    "`reader list` shows the ids"
                )
            )
        raise self._unknown(id_or_path)

    # -- helpers (the caller holds self._lock for the cache ones)

    def _current(
        self, cache: dict[str, ArticleInfo], article_id: str, path: str, st: os.stat_result
    ) -> ArticleInfo:
        """Cached metadata if the file is unchanged, else what its head says (and remember that)."""
        info = cache.get(article_id)
        if info is None or _stale(info, st):
            info = head_info(article_id, Path(path), st.st_size, st.st_mtime_ns)
            cache[article_id] = info
            self._dirty = True
        return info

    def _lookup(self, article_id: str) -> ArticleInfo:
        """Listed metadata, else find the file by walking the folder (stat only) and read just its head."""
        if self._listed is not None and article_id in self._listed:
            return self._listed[article_id]
        for found_id, path, st in discover(self.root):
            if found_id == article_id:
                info = self._current(self._load_cache(), article_id, path, st)
                if self._listed is not None:
                    self._listed[article_id] = info
                return info
        raise self._unknown(article_id)

    def _remember(self, info: ArticleInfo) -> None:
        cache = self._load_cache()
        if cache.get(info.id) != info:
            cache[info.id] = info
            self._dirty = True
        if self._listed is not None and info.id in self._listed:
            self._listed[info.id] = info

    def _flush(self, *, soon: bool = False) -> None:
        """Write the cache if it changed; ``soon``: unless it was written less than a second ago (then
        the next write, or the exit of the process, takes the change along)."""
        if not self._dirty:
            return
        if soon and time.monotonic() - self._written_at < LOAD_FLUSH_SECONDS:
            if not self._flush_at_exit:
                self._flush_at_exit = True
                atexit.register(_flush_if_alive, weakref.ref(self))
            return
        self._dirty = False
        self._written_at = time.monotonic()
        self._save_cache()

    def _unknown(self, article_id: str) -> UsageError:
        return UsageError(safe_line(f"no article '{article_id}' in {self.root}; `reader list` shows the ids"))

    def _id_for_path(self, path: Path, paths: dict[str, str]) -> str | None:
        # Lexically first, so that a path through a symlinked folder keeps the id it is listed under.
        lexical = (Path(os.path.abspath(self.root)), Path(os.path.abspath(path)))
        for base, target in (lexical, (self.root.resolve(), path.resolve())):
            try:
                relative = target.relative_to(base).as_posix()
            except ValueError:
                continue
            found = self._id_at(relative, paths) if id_of(relative) is not relative else relative
            if found in paths:
                return found
        # Last resort: the same file reached through a different link.
        real = path.resolve()
        for article_id, found in paths.items():
            if Path(found).resolve() == real:
                return article_id
        return None

    def _id_at(self, relative: str, paths: dict[str, str]) -> str | None:
        """The id of the file at ``relative`` under the root, a name that is not UTF-8 (its id may not be
        ``id_of(relative)``: discovery._separate)."""
        wanted = os.path.join(os.fspath(self.root), relative)
        return next((article_id for article_id, path in paths.items() if path == wanted), None)

    def _cache_path(self) -> Path | None:
        return self.cache_dir / CACHE_FILE if self.cache_dir is not None else None

    def _root_key(self) -> str:
        return str(self.root.resolve())

    def _load_cache(self) -> dict[str, ArticleInfo]:
        if self._cache is not None:
            return self._cache
        self._cache = {}
        cache_path = self._cache_path()
        if cache_path is None:
            return self._cache
        try:
            raw = orjson.loads(cache_path.read_bytes())
        except FileNotFoundError:
            return self._cache
        except (OSError, orjson.JSONDecodeError) as exc:
            log.debug("ignoring the metadata cache %s: %s", cache_path, exc)
            return self._cache  # unreadable or corrupt: rebuild
        if not isinstance(raw, dict) or raw.get("version") != CACHE_VERSION:
            return self._cache
        roots = raw.get("roots")
        if not isinstance(roots, dict):
            return self._cache
        key = self._root_key()
        self._other_roots = {name: section for name, section in roots.items() if name != key}
        section = roots.get(key)
        if isinstance(section, dict):
            for article_id, entry in section.items():
                if not isinstance(article_id, str):
                    continue
                info = _info_from_json(article_id, self.root / article_id, entry)
                if info is not None:
                    self._cache[article_id] = info
        return self._cache

    def _save_cache(self) -> None:
        """Write the cache file atomically; a cache that cannot be written is only a slower start."""
        cache_path = self._cache_path()
        if cache_path is None or self._cache is None:
            return
        section = {
            article_id: _info_to_json(info)
            for article_id, info in self._cache.items()
            # the cache rebuilds a path from its id: not so for a name that is not UTF-8 (listed, not cached)
            if path_is_id(article_id, self.root, info.path)
        }
        payload = orjson.dumps(
            {"version": CACHE_VERSION, "roots": {**self._other_roots, self._root_key(): section}}
        )
        try:
            cache_path.parent.mkdir(parents=True, exist_ok=True)
            # not durable: a cache lost in a crash is rebuilt (and no tempfile, whose import is ~3 ms of
            # every `reader list`)
            atomic_write(cache_path, payload, durable=False)
        except OSError as exc:
            log.debug("cannot write the metadata cache %s: %s", cache_path, exc)


def _flush_if_alive(ref: weakref.ref[Library]) -> None:
    library = ref()
    if library is not None:
        with library._lock:
            library._flush()
