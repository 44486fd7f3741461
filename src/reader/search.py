"""Script-insensitive search: in one text (the in-article ``/``) and across the whole corpus.

Folding: every text and query is compared in its Simplified form (OpenCC t2s), which converts each
character to exactly one character, so a position in the folded text is the same position in the
original; ASCII letters are lower-cased too (also one-for-one). A query is searched as several *variants*
(:func:`query_variants`): its folded form, the folded forms of its Taiwan and Hong Kong phrasings and the
mainland form of a Taiwan/HK phrase, so 数据 finds 數據, 软件 finds 軟體 and 軟體 finds 软件.

The corpus index (:class:`CorpusSearch`), kept in ``<db>/local/cache/search/``:

* ``corpus-<gen>.folded``: the folded text of every article, UTF-8, concatenated in library order;
* ``corpus-<gen>.orig``: the original (normalised) texts, the same way, for the context of each hit;
* ``search-index.json``: the generation and, per article, id, size, mtime_ns, title, sha256 and the byte
  ranges of its two texts.

Both data files are memory-mapped, never read into the heap (50 M characters are ~150 MB of UTF-8 each;
mapped pages are the kernel's page cache, shared and reclaimable). A search scans the folded file with one
compiled literal pattern per variant (UTF-8 is self-synchronising, so a byte match is always a character
match), a few MB at a time on article boundaries, and decodes only the articles that have a hit, where a
``str`` pattern gives exact code point offsets. So hits stream out in library order from the first chunk.

The index is checked on every search against the library listing (a ``stat`` per file): articles whose
(size, mtime_ns) changed, new ones and removed ones are re-read; unchanged ones are copied byte-for-byte
from the previous generation. A new generation is written to fresh files and published by replacing
``search-index.json`` atomically, so another process searching meanwhile keeps its mapped files intact.
"""

from __future__ import annotations

import logging
import mmap
import os
import re
import secrets
import threading
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from reader.anchoring import fold as fold_script
from reader.convert import check_view
from reader.errors import ArticleError, StoreError, UsageError
from reader.tags import under_any_alike

if TYPE_CHECKING:
    from reader.convert import Converter
    from reader.store import Annotation
    from reader.words import ArticleWords
    from reader.workspace import Workspace

__all__ = ["CONTEXT", "CorpusSearch", "Match", "SearchHit", "find_in_text", "fold", "query_variants"]

log = logging.getLogger(__name__)

#: characters of context each side of a corpus hit
CONTEXT = 30
INDEX_SCHEMA = 1
INDEX_NAME = "search-index.json"
_CHUNK_BYTES = 4 << 20  # scan this much of the folded corpus before handling its articles

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_ASCII_LOWER_BYTES = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")


def fold(text: str, converter: Converter) -> str:
    """What searches compare: Simplified and ASCII lower-case; same length as ``text`` (offsets carry
    over). :func:`find_in_text` takes it ready-made (cache it per article)."""
    return fold_script(text, converter).translate(_ASCII_LOWER)


def query_variants(query: str, converter: Converter) -> list[str]:
    """The folded strings that count as a match for ``query``: longest first, no duplicates, none empty.

    The query folded to Simplified; the folded forms of its Taiwan (s2twp) and Hong Kong (s2hk) phrasing;
    the mainland form of a Taiwan (tw2sp) or Hong Kong (hk2s) phrase; and, for each of the user's
    corpus-wide overrides whose view form is in the query, the query with the source's form instead (a
    search for what a view shows finds the article that the override changed). Surrounding whitespace is
    ignored.
    """
    query = query.strip().replace("\0", "")
    if not query:
        return []
    forms = [
        query,
        converter.convert(query, "taiwan"),
        converter.convert(query, "hongkong"),
        converter.convert_config(query, "tw2sp"),
        converter.convert_config(query, "hk2s"),
        converter.convert_config(converter.convert(query, "traditional"), "tw2sp"),
    ]
    folded_query = fold(query, converter)
    for override in converter.overrides.all():
        if not override.article and fold(override.target, converter) in folded_query:
            forms.append(
                folded_query.replace(fold(override.target, converter), fold(override.source, converter))
            )
    seen: dict[str, None] = {}
    for form in forms:
        folded = fold(form, converter)
        if folded:
            seen.setdefault(folded, None)
    return sorted(seen, key=len, reverse=True)


def _pattern(variants: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(v) for v in variants))


@dataclass(frozen=True)
class Match:
    start: int  # code points into the original text
    end: int


def find_in_text(
    text: str,
    query: str,
    converter: Converter,
    *,
    folded: str | None = None,
    words: ArticleWords | None = None,
) -> list[Match]:
    """Every non-overlapping match of ``query`` (any script, any variant) in ``text``, in order.

    ``folded`` is ``text`` already folded (pass it when searching the same text repeatedly; it must be
    what :func:`fold` gives). ``words``: the text's words (``reader.words``); if given, only whole-word
    matches count (数据 not inside 大数据).
    """
    variants = query_variants(query, converter)
    if not variants:
        return []
    if folded is None or len(folded) != len(text):
        folded = fold(text, converter)
    found = [Match(m.start(), m.end()) for m in _pattern(variants).finditer(folded)]
    if words is not None:
        found = [m for m in found if _whole(words, m.start, m.end)]
    return found


def _whole(words: ArticleWords, start: int, end: int) -> bool:
    """A match that starts and ends on word boundaries (the whole-word filter of ``--word``)."""
    return words.is_boundary(start) and words.is_boundary(end)


class SearchHit(NamedTuple):
    """One match with its context. A NamedTuple, not a dataclass: a common word makes ~500,000 of them."""

    article_id: str
    title: str
    start: int  # code points into the article's normalised original text
    end: int
    before: str  # ~CONTEXT characters of context, newlines as spaces
    match: str
    after: str
    tags: tuple[str, ...]  # tags of the annotations overlapping the match


# --------------------------------------------------------------------------------------------- the index


@dataclass(frozen=True)
class _Entry:
    article_id: str
    size: int
    mtime_ns: int
    title: str
    sha256: str
    f0: int  # byte range in the folded file
    f1: int
    o0: int  # byte range in the original file
    o1: int


class _Index:
    """One generation of the corpus index, memory-mapped."""

    def __init__(self, folder: Path, generation: str, entries: list[_Entry]) -> None:
        self.folder = folder
        self.generation = generation
        self.entries = entries
        self.by_id = {e.article_id: e for e in entries}
        self.starts = [e.f0 for e in entries]
        self.folded = _map(folder / f"corpus-{generation}.folded")
        self.original = _map(folder / f"corpus-{generation}.orig")

    @property
    def size(self) -> int:
        return self.entries[-1].f1 if self.entries else 0

    def close(self) -> None:
        for m in (self.folded, self.original):
            with suppress(BufferError, ValueError):
                m.close()


class _Empty:
    """Stands in for an mmap of an empty file (mmap cannot map zero bytes)."""

    def __getitem__(self, key: slice) -> bytes:
        return b""

    def close(self) -> None:
        pass


def _map(path: Path) -> Any:
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return _Empty()
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def _entry_to_json(e: _Entry) -> list[Any]:
    return [e.article_id, e.size, e.mtime_ns, e.title, e.sha256, e.f0, e.f1, e.o0, e.o1]


def _entry_from_json(raw: list[Any]) -> _Entry:
    return _Entry(*raw)


class CorpusSearch:
    """Search every article of a workspace; the index is built on first use and kept fresh after."""

    def __init__(self, workspace: Workspace, cache_dir: Path | None = None) -> None:
        self.workspace = workspace
        self.converter = workspace.converter
        default = workspace.store.local_dir / "cache" / "search"
        if workspace.store.read_only:  # a read-only database: the index lives as long as this process
            default = _temporary_folder()
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default
        self._index: _Index | None = None
        self._lock = threading.Lock()
        self.last_build: dict[str, int] = {}  # what the last refresh did: {"read": n, "copied": n}

    def close(self) -> None:
        with self._lock:
            if self._index is not None:
                self._index.close()
                self._index = None

    # -- index

    def refresh(self) -> None:
        """Bring the index up to date with the articles folder (builds it the first time)."""
        with self._lock:
            self._refresh()

    def _refresh(self) -> _Index:
        infos = self.workspace.articles()
        current = self._index or self._load()
        if current is not None and [(e.article_id, e.size, e.mtime_ns) for e in current.entries] == [
            (i.id, i.size, i.mtime_ns) for i in infos
        ]:
            self._index = current
            self.last_build = {"read": 0, "copied": 0}
            return current
        # The previous generation is not closed here: a search still running in another thread may be
        # reading it; its maps are released when the last reference goes.
        built = self._build(infos, current)
        self._index = built
        return built

    def _load(self) -> _Index | None:
        try:
            data = orjson.loads((self.cache_dir / INDEX_NAME).read_bytes())
            if data.get("schema") != INDEX_SCHEMA:
                return None
            entries = [_entry_from_json(raw) for raw in data["articles"]]
            generation = str(data["generation"])
            folded_size = (self.cache_dir / f"corpus-{generation}.folded").stat().st_size
            orig_size = (self.cache_dir / f"corpus-{generation}.orig").stat().st_size
            if entries and (folded_size != entries[-1].f1 + 1 or orig_size != entries[-1].o1):
                return None  # damaged or half-written: rebuild
            return _Index(self.cache_dir, generation, entries)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError, KeyError, AttributeError, orjson.JSONDecodeError) as e:
            log.debug("rebuilding the search index in %s: %s", self.cache_dir, e)
            return None

    def _build(self, infos: list[Any], old: _Index | None) -> _Index:
        from reader.articles import load_file

        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"{self.cache_dir}: cannot create the search cache ({e.strerror})") from e
        generation = secrets.token_hex(6)
        folded_path = self.cache_dir / f"corpus-{generation}.folded"
        orig_path = self.cache_dir / f"corpus-{generation}.orig"
        entries: list[_Entry] = []
        read = copied = 0
        f_pos = o_pos = 0
        try:
            with open(folded_path, "wb") as ff, open(orig_path, "wb") as fo:
                for info in infos:
                    prev = old.by_id.get(info.id) if old is not None else None
                    if prev is not None and (prev.size, prev.mtime_ns) == (info.size, info.mtime_ns):
                        fb = old.folded[prev.f0 : prev.f1]  # type: ignore[union-attr]
                        ob = old.original[prev.o0 : prev.o1]  # type: ignore[union-attr]
                        title, sha = prev.title, prev.sha256
                        copied += 1
                    else:
                        try:
                            article = load_file(info.path, info.id)
                        except ArticleError as e:
                            log.debug("not searchable: %s", e)
                            fb = ob = b""
                            title, sha = info.title, ""
                        else:
                            text = article.text
                            ob = text.encode("utf-8", "surrogatepass")
                            fb = fold(text, self.converter).encode("utf-8", "surrogatepass")
                            fb = fb.translate(_ASCII_LOWER_BYTES)
                            title, sha = article.info.title, article.sha256
                        read += 1
                    ff.write(fb)
                    ff.write(b"\0")  # so that no byte match spans two articles
                    fo.write(ob)
                    entries.append(
                        _Entry(
                            info.id, info.size, info.mtime_ns, title, sha,
                            f_pos, f_pos + len(fb), o_pos, o_pos + len(ob),
                        )
                    )  # fmt: skip
                    f_pos += len(fb) + 1
                    o_pos += len(ob)
            payload = orjson.dumps(
                {
                    "schema": INDEX_SCHEMA,
                    "generation": generation,
                    "articles": [_entry_to_json(e) for e in entries],
                }
            )
            tmp = self.cache_dir / f".{INDEX_NAME}.{generation}.tmp"
            tmp.write_bytes(payload)
            os.replace(tmp, self.cache_dir / INDEX_NAME)
        except OSError as e:
            for p in (folded_path, orig_path):
                with suppress(OSError):
                    p.unlink()
            raise StoreError(f"{self.cache_dir}: cannot write the search cache ({e.strerror})") from e
        # Older generations: nobody will open them again (a process that mapped one keeps its pages).
        for p in self.cache_dir.glob("corpus-*"):
            if generation not in p.name:
                try:
                    p.unlink()
                except OSError as e:
                    log.debug("cannot remove the old search index file %s: %s", p, e)
        self.last_build = {"read": read, "copied": copied}
        return _Index(self.cache_dir, generation, entries)

    # -- search

    def search(
        self,
        query: str,
        *,
        tags: Iterable[str] = (),
        view: str = "original",
        whole_words: bool = False,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> Iterator[SearchHit]:
        """Every match of ``query`` in every article, article by article in library order.

        ``tags``: only matches overlapping an annotation that carries one of them or a sub-tag (简 and 繁
        alike: 來源 keeps 来源/官方).
        ``view``: the script of the context strings (offsets are always into the original).
        ``whole_words``: only matches that start and end on word boundaries (``reader.words``; an article
        with a match is segmented on first use, then cached).
        Stops early when ``cancelled()`` returns true (checked between chunks and articles).
        """
        check_view(view)
        from reader.tags import normalise_tags

        wanted = normalise_tags(tags)
        variants = query_variants(query, self.converter)
        if not variants:
            return
        with self._lock:
            index = self._refresh()
        yield from self._scan(index, variants, wanted, view, cancelled, whole_words)

    def _scan(
        self,
        index: _Index,
        variants: list[str],
        wanted: tuple[str, ...],
        view: str,
        cancelled: Callable[[], bool],
        whole_words: bool = False,
    ) -> Iterator[SearchHit]:
        byte_patterns = [_byte_pattern(v) for v in variants]
        pattern = _pattern(variants)
        counts = self.workspace.store.counts()
        if wanted:
            tagged = set(_articles_with_tags(self.workspace, wanted))
        entries, starts, folded = index.entries, index.starts, index.folded
        n = len(entries)
        k = 0
        while k < n:
            if cancelled():
                return
            # a chunk: whole articles, about _CHUNK_BYTES of folded text
            j = bisect_right(starts, entries[k].f0 + _CHUNK_BYTES, lo=k + 1)
            pos, end = entries[k].f0, entries[j - 1].f1
            hit_articles: set[int] = set()
            for bp in byte_patterns:
                for m in bp.finditer(folded, pos, end):
                    hit_articles.add(bisect_right(starts, m.start(), k, j) - 1)
            for a in sorted(hit_articles):
                if cancelled():
                    return
                e = entries[a]
                if wanted and e.article_id not in tagged:
                    continue
                yield from self._article_hits(e, index, pattern, wanted, view, counts, whole_words)
            k = j

    def _article_hits(
        self,
        e: _Entry,
        index: _Index,
        pattern: re.Pattern[str],
        wanted: tuple[str, ...],
        view: str,
        counts: dict[str, int],
        whole_words: bool = False,
    ) -> Iterator[SearchHit]:
        ftext = index.folded[e.f0 : e.f1].decode("utf-8", "surrogatepass")
        matches = [(m.start(), m.end()) for m in pattern.finditer(ftext)]
        if not matches:
            return
        text = index.original[e.o0 : e.o1].decode("utf-8", "surrogatepass")
        if whole_words:
            from reader.words import words_for

            article_words = words_for(self.workspace).for_text(text, e.sha256)
            matches = [(a, b) for a, b in matches if _whole(article_words, a, b)]
        annotations = self._annotations(e) if counts.get(e.article_id) else []
        convert = self.converter.convert
        for start, end in matches:
            hit_tags: dict[str, None] = {}
            for ann in annotations:
                if ann.start < end and start < ann.end:
                    for t in ann.tags:
                        hit_tags.setdefault(t, None)
            if wanted and not any(under_any_alike(t, wanted) for t in hit_tags):
                continue
            before = text[max(0, start - CONTEXT) : start].replace("\n", " ")
            match = text[start:end].replace("\n", " ")
            after = text[end : end + CONTEXT].replace("\n", " ")
            if view != "original":
                before, match, after = convert(before, view), convert(match, view), convert(after, view)
            yield SearchHit(e.article_id, e.title, start, end, before, match, after, tuple(hit_tags))

    def _annotations(self, e: _Entry) -> list[Annotation]:
        """The article's annotations placed on its current text (re-anchored if it changed)."""
        store = self.workspace.store
        stored = store.for_article(e.article_id)
        if all(a.article_sha256 == e.sha256 and a.status != "orphan" for a in stored):
            return stored
        try:
            article = self.workspace.load(e.article_id)
        except (ArticleError, UsageError):
            return []
        return [a for a in self.workspace.annotations(article) if a.status != "orphan"]


def _temporary_folder() -> Path:
    import atexit
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="reader-search-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


@cache
def _byte_pattern(variant: str) -> re.Pattern[bytes]:
    return re.compile(re.escape(variant.encode("utf-8", "surrogatepass")))


def _articles_with_tags(workspace: Workspace, wanted: tuple[str, ...]) -> Iterator[str]:
    """Article ids with at least one annotation carrying a wanted tag (from the store's index)."""
    for article_id, counts in workspace.store.article_tags().items():
        if any(under_any_alike(t, wanted) for t in counts):
            yield article_id
