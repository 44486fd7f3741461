"""Search every article of a workspace: hits stream out in library order from the first chunk.

A search scans the memory-mapped folded corpus (:mod:`reader.search.index`) for the articles with a match,
then for each of them: decodes its folded text (a ``str`` pattern gives exact code point offsets), reads
the article file for the context, and looks up the tags of each match by position
(:mod:`reader.search.tagspans`). Nothing is done per annotation, and nothing for an article without a
match but the byte scan.

What a search pays before its first hit is kept small: the index is checked with one stat per article file
(no metadata listing), and a query's variants are cached on disk (``variants.json``, keyed by the query,
the user's overrides file and the installed OpenCC), so a repeated query loads no OpenCC dictionary.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from itertools import repeat
from operator import add
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from reader.logs import logger
from reader.search.index import CorpusIndex, build_index, load_index
from reader.search.layouts import Interval
from reader.search.tagspans import TagSpans
from reader.search.text import fold, query_variants, variants_pattern, whole_word

if TYPE_CHECKING:
    from reader.convert import Converter
    from reader.store import JsonDict
    from reader.workspace import Workspace

log = logger(__name__)

Convert = Callable[[str, str], str]  # (text, view) -> text in that view

#: characters of context each side of a corpus hit
CONTEXT = 30
VARIANTS_NAME = "variants.json"
#: reader.convert.overrides.OVERRIDES_FILE (not imported: that imports the whole converter)
OVERRIDES_FILE = "overrides.json"
_VARIANTS_KEPT = 256
_VARIANTS_SCHEMA = 1


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


@dataclass(frozen=True)
class ArticleHits:
    """Every match in one article, with what showing them needs: for printing many hits in bulk.

    Match ``k`` is ``text[starts[k]:ends[k]]``. ``tagsets``: per match, an index into ``tags`` (0 is no
    tag); None when no annotation overlaps any match.
    """

    article_id: str
    title: str
    text: str  # the article's normalised original text (offsets are into it)
    starts: list[int]
    ends: list[int]
    tagsets: list[int] | None
    tags: list[tuple[str, ...]]

    def hits(self, view: str = "original", convert: Convert | None = None) -> list[SearchHit]:
        """The matches as :class:`SearchHit` s, context in ``view`` (``convert(text, view)`` converts)."""
        line = self.text.replace("\n", " ")
        tags, tagsets = self.tags, self.tagsets
        hits = []
        for k, (a, b) in enumerate(zip(self.starts, self.ends, strict=True)):
            before, match, after = line[max(0, a - CONTEXT) : a], line[a:b], line[b : b + CONTEXT]
            if view != "original" and convert is not None:
                before, match, after = convert(before, view), convert(match, view), convert(after, view)
            hit_tags = tags[tagsets[k]] if tagsets is not None else ()
            hits.append(SearchHit(self.article_id, self.title, a, b, before, match, after, hit_tags))
        return hits

    def only(self, keep: list[int]) -> ArticleHits:
        """The same article with only the matches numbered in ``keep``."""
        starts, ends, tagsets = self.starts, self.ends, self.tagsets
        return ArticleHits(
            self.article_id,
            self.title,
            self.text,
            [starts[k] for k in keep],
            [ends[k] for k in keep],
            None if tagsets is None else [tagsets[k] for k in keep],
            self.tags,
        )


class CorpusSearch:
    """Search every article of a workspace; the index is built on first use and kept fresh after."""

    def __init__(self, workspace: Workspace, cache_dir: Path | None = None) -> None:
        self.workspace = workspace
        default = workspace.store.local_dir / "cache" / "search"
        if workspace.store.read_only:  # a read-only database: the index lives as long as this process
            default = _temporary_folder()
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default
        self._index: CorpusIndex | None = None
        self._lock = threading.Lock()
        self._variants: dict[tuple[str, bytes], list[str]] = {}
        self.last_build: dict[str, int] = {}  # what the last refresh did: {"read": n, "copied": n}

    @property
    def converter(self) -> Converter:
        return self.workspace.converter

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

    def _refresh(self) -> CorpusIndex:
        found = self.workspace.library.files()
        current = self._index or load_index(self.cache_dir)
        if current is not None and current.matches(found):
            current.paths = {article_id: path for article_id, path, _ in found}
            self._index = current
            self.last_build = {"read": 0, "copied": 0}
            return current
        # The previous generation is not closed here: a search still running in another thread may be
        # reading it; its map is released when the last reference goes.
        built, self.last_build = build_index(self.cache_dir, found, current, self._fold)
        self._index = built
        return built

    def _fold(self, text: str) -> str:
        return fold(text, self.converter)

    # -- the query

    def variants(self, query: str) -> list[str]:
        """:func:`~reader.search.text.query_variants` of ``query``, from the cache when it was seen before
        with the same overrides and OpenCC."""
        query = query.strip().replace("\0", "")
        if not query:
            return []
        cache = _VariantCache(self)
        key = (query, cache.fingerprint)
        found = self._variants.get(key)
        if found is None:
            found = self._variants[key] = cache.get(query)
        return found

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
        if view != "original":
            from reader.convert import check_view

            check_view(view)
        convert = self.converter.convert if view != "original" else None
        for found in self.search_articles(query, tags=tags, whole_words=whole_words, cancelled=cancelled):
            yield from found.hits(view, convert)

    def search_articles(
        self,
        query: str,
        *,
        tags: Iterable[str] = (),
        whole_words: bool = False,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> Iterator[ArticleHits]:
        """:meth:`search`, one :class:`ArticleHits` per article with a match (what the CLI prints from)."""
        from reader.tags import normalise_tags

        wanted = normalise_tags(tags)
        variants = self.variants(query)
        if not variants:
            return
        with self._lock:
            index = self._refresh()
        tagged = set(_articles_with_tags(self.workspace, wanted)) if wanted else None
        spans = TagSpans(self.cache_dir, self.workspace.store)
        pattern = variants_pattern(variants)
        length = len(variants[0]) if len({len(v) for v in variants}) == 1 else 0
        byte_patterns = [_byte_pattern(v) for v in variants]
        try:
            for i in index.articles_with(byte_patterns, cancelled):
                if cancelled():
                    return
                if tagged is not None and index.ids[i] not in tagged:
                    continue
                found = self._article_hits(index, i, pattern, length, spans, wanted, whole_words)
                if found is not None:
                    yield found
        finally:
            spans.save()

    def _article_hits(
        self,
        index: CorpusIndex,
        i: int,
        pattern: re.Pattern[str],
        length: int,
        spans_cache: TagSpans,
        wanted: tuple[str, ...],
        whole_words: bool,
    ) -> ArticleHits | None:
        folded = index.folded_text(i)
        starts, ends = _matches(pattern, length, folded)
        if not starts:
            return None
        got = index.original(i)
        if got is None:
            return None
        text, same = got
        article_id, sha = index.ids[i], index.shas[i]
        if not same or len(text) != len(folded):  # changed since it was indexed: search it as it is now
            starts, ends = _matches(pattern, length, fold(text, self.converter))
            sha = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        if whole_words:
            from reader.words import words_for

            words = words_for(self.workspace).for_text(text, sha)
            whole = [k for k, (a, b) in enumerate(zip(starts, ends, strict=True)) if whole_word(words, a, b)]
            starts, ends = [starts[k] for k in whole], [ends[k] for k in whole]
            if not starts:
                return None
        layout = spans_cache.layout(article_id, sha, len(text), _placer(text, sha))
        tagsets = None if layout is None else layout.tagsets_of(starts, ends, length, spans_cache.join)
        found = ArticleHits(article_id, index.titles[i], text, starts, ends, tagsets, spans_cache.tagsets)
        if wanted:
            if tagsets is None:
                return None
            found = found.only([k for k, t in enumerate(tagsets) if t and spans_cache.passes(t, wanted)])
            if not found.starts:
                return None
        return found


def _matches(pattern: re.Pattern[str], length: int, folded: str) -> tuple[list[int], list[int]]:
    """Starts and ends of every match in ``folded``; ``length``: that of every variant, if they have one
    (then a match costs only its start: a common word has ~500,000)."""
    if length:
        starts = [m.start() for m in pattern.finditer(folded)]
        return starts, list(map(add, starts, repeat(length)))
    spans = [m.span() for m in pattern.finditer(folded)]
    return [a for a, _ in spans], [b for _, b in spans]


def _placer(text: str, sha: str) -> Callable[[list[JsonDict]], list[Interval]]:
    """Records (document order) -> (start, end, tags) on ``text``: as stored when they were made on this
    text, else re-anchored in memory (search never writes; opening the article saves re-anchoring)."""

    def place(records: list[JsonDict]) -> list[Interval]:
        if all(r["article_sha256"] == sha and r.get("status") != "orphan" for r in records):
            return [(r["start"], r["end"], r["tags"]) for r in records]
        from reader.anchoring import anchored_to
        from reader.store import Annotation

        placed = []
        for r in records:
            annotation = Annotation.from_dict(r)
            if annotation.article_sha256 != sha or annotation.status == "orphan":
                annotation = anchored_to(annotation, text, sha)
            if annotation.status != "orphan":
                placed.append(annotation)
        placed.sort(key=lambda a: (a.start, a.end, a.created))
        return [(a.start, a.end, a.tags) for a in placed]

    return place


class _VariantCache:
    """``variants.json``: recent queries' variants, valid while the overrides file and OpenCC are the same."""

    def __init__(self, search: CorpusSearch) -> None:
        self.search = search
        self.path = search.cache_dir / VARIANTS_NAME
        overrides = search.workspace.store.file_version(OVERRIDES_FILE)
        self.fingerprint = orjson.dumps([overrides, _opencc_fingerprint()])

    def get(self, query: str) -> list[str]:
        fingerprint = orjson.loads(self.fingerprint)  # as it reads back from the file
        queries: dict[str, list[str]] = {}
        try:
            data = orjson.loads(self.path.read_bytes())
            if data.get("schema") == _VARIANTS_SCHEMA and data.get("fingerprint") == fingerprint:
                queries = data["queries"]
                found = queries.get(query)
                if type(found) is list and found and all(type(v) is str and v for v in found):
                    return found
        except (OSError, ValueError, TypeError, AttributeError, KeyError, orjson.JSONDecodeError) as e:
            if not isinstance(e, FileNotFoundError):
                log.debug("ignoring the search's query cache %s: %s", self.path, e)
        variants = query_variants(query, self.search.converter)
        if type(queries) is not dict:
            queries = {}
        queries = dict(list(queries.items())[-(_VARIANTS_KEPT - 1) :])
        queries[query] = variants
        payload = {"schema": _VARIANTS_SCHEMA, "fingerprint": fingerprint, "queries": queries}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{VARIANTS_NAME}.{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_bytes(orjson.dumps(payload))
            os.replace(tmp, self.path)
        except (OSError, TypeError) as e:  # a cache; (TypeError: a query orjson cannot write)
            log.debug("cannot write the search's query cache %s: %s", self.path, e)
        return variants


@cache
def _opencc_fingerprint() -> list[Any]:
    """The installed OpenCC binding, without importing it: its module file's path, mtime and size."""
    from importlib.util import find_spec

    spec = find_spec("opencc")
    origin = spec.origin if spec is not None else None
    if not origin:
        return []
    try:
        st = os.stat(origin)
    except OSError:
        return [origin]
    return [origin, st.st_mtime_ns, st.st_size]


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
    from reader.tags import under_any_alike

    for article_id, counts in workspace.store.article_tags().items():
        if any(under_any_alike(t, wanted) for t in counts):
            yield article_id
