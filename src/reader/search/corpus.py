"""Search every article of a workspace: hits stream out in library order from the first chunk.

A search scans the memory-mapped folded corpus (:mod:`reader.search.index`) for the articles with a match,
then for each of them: decodes its folded text (a ``str`` pattern gives exact code point offsets), reads
the article file for the context, and looks up the tags of each match by position
(:mod:`reader.search.tagspans`). Nothing is done per annotation, and nothing for an article without a
match but the byte scan.

What a search pays before its first hit is kept small: no ``stat`` of every article file first (each is
checked when the scan reaches it, :class:`_Scan`), the store's folders are listed once per search for the
tags (:meth:`reader.store.AnnotationStore.article_versions`), and a query's variants are cached on disk
(``variants.json``, keyed by the query, the user's overrides file and the installed OpenCC), so a
repeated query loads no OpenCC dictionary.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from functools import cache, partial
from itertools import repeat
from operator import add
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from reader.logs import logger
from reader.search.index import CorpusIndex, build_index, file_key, load_index, read_article
from reader.search.layouts import Interval
from reader.search.tagspans import TagSpans
from reader.search.text import fold, variants_pattern, whole_word
from reader.search.variants import VariantCache

if TYPE_CHECKING:
    from reader.convert import Converter
    from reader.store import JsonDict
    from reader.workspace import Workspace

log = logger(__name__)

Convert = Callable[[str, str], str]  # (text, view) -> text in that view
#: what a search prints of an article's matches: its output and how many matches it holds (None: none kept)
Render = Callable[["ArticleHits"], tuple[bytes, int] | None]
#: a search's output in order, a run of articles at a time: the bytes, the matches and the articles in them
Rendered = tuple[bytes, int, int]

#: characters of context each side of a corpus hit
CONTEXT = 30


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
        return self._refresh_from(self.workspace.library.files())

    def _refresh_from(self, found: list[tuple[str, str, os.stat_result]]) -> CorpusIndex:
        current = self._index or load_index(self.cache_dir)
        if current is not None and current.matches(found):
            self._index = current
            self.last_build = {"read": 0, "copied": 0}
            return current
        # The previous generation is not closed here: a search still running in another thread may be
        # reading it; its map is released when the last reference goes.
        built, self.last_build = build_index(self.cache_dir, found, current, self._fold)
        self._index = built
        return built

    def _current(self) -> tuple[CorpusIndex, dict[str, str] | None]:
        """The index as it is (a search checks each file as it reaches it), or built now the first time;
        and then the path of each article, all just checked."""
        with self._lock:
            if self._index is None:
                self._index = load_index(self.cache_dir)
            if self._index is not None:
                return self._index, None
            found = self.workspace.library.files()
            return self._refresh_from(found), {article_id: path for article_id, path, _ in found}

    def _fold(self, text: str) -> str:
        return fold(text, self.converter)

    # -- the query

    def variants(self, query: str) -> list[str]:
        """:func:`~reader.search.text.query_variants` of ``query``, from the cache when it was seen before
        with the same overrides and OpenCC."""
        query = query.strip().replace("\0", "")
        if not query:
            return []
        cache = VariantCache(self)
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
        return self._searched(query, tags, whole_words, cancelled, lambda scan: scan.articles(cancelled))

    def search_output(
        self,
        query: str,
        render: Render,
        *,
        tags: Iterable[str] = (),
        whole_words: bool = False,
        share: bool = True,
    ) -> Generator[Rendered, None, None]:
        """:meth:`search_articles`, each article rendered (``render``: its output and number of matches, or
        None to leave it out), as (output, matches, articles) in library order; a big search shared with a
        forked copy of this process when it pays (``share``; :mod:`reader.search.shared`)."""
        from reader.search.shared import shared_output

        return self._searched(
            query, tags, whole_words, _never, lambda scan: shared_output(scan, render, share)
        )

    def _searched(
        self,
        query: str,
        tags: Iterable[str],
        whole_words: bool,
        cancelled: Callable[[], bool],
        run: Callable[[_Scan], Iterator[Any]],
    ) -> Generator[Any, None, None]:
        """What ``run`` makes of the scan of a search, and then the caches kept up to date."""
        from reader.tags import normalise_tags

        wanted = normalise_tags(tags)
        variants = self.variants(query)
        if not variants:
            return
        index, checked = self._current()
        scan = _Scan(self, index, variants, wanted, whole_words, checked)
        try:
            yield from run(scan)
            if scan.stale and not cancelled():  # files changed, came or went: the next search has them
                self.refresh()
            elif checked is None:
                self.last_build = {"read": 0, "copied": 0}
        finally:
            scan.spans.save()


def _never() -> bool:
    return False


class _Scan:
    """One search over one generation of the index, checking each article file's freshness as it reaches
    it: a file whose key changed since it was indexed, and a file the index does not have, are read and
    searched as they are now (and the index refreshed after the search). So the first hits stream out
    right after start-up, with no ``stat`` of every file first."""

    def __init__(
        self,
        search: CorpusSearch,
        index: CorpusIndex,
        variants: list[str],
        wanted: tuple[str, ...],
        whole_words: bool,
        checked: dict[str, str] | None,
    ) -> None:
        self.search, self.index, self.wanted, self.whole_words = search, index, wanted, whole_words
        self.tagged = set(_articles_with_tags(search.workspace, wanted)) if wanted else None
        self.spans = TagSpans(search.cache_dir, search.workspace.store)
        self.pattern = variants_pattern(variants)
        self.length = len(variants[0]) if len({len(v) for v in variants}) == 1 else 0
        self.byte_patterns = [_byte_pattern(v) for v in variants]
        self.stale = False
        # ``checked``: the path of every article when the index was just checked against the folder (else
        # it is listed here, one ``scandir`` per folder, and each file checked as the scan reaches it)
        self.checked = checked is not None
        self.paths, self.new = checked or {}, list[str]()
        if checked is None:
            listing = search.workspace.library.names()
            self.paths = dict(listing)
            known = set(index.ids)
            self.new = [article_id for article_id, _ in listing if article_id not in known]
            self.stale = bool(self.new) or len(self.paths) != len(index.ids)

    def articles(self, cancelled: Callable[[], bool]) -> Iterator[ArticleHits]:
        """Every article with a match, in library order; the files the index does not have in their place."""
        index, paths, new = self.index, self.paths, self.new
        p = 0
        pending: list[_Untagged] = []
        for batch, hit in index.chunks(self.byte_patterns, cancelled):
            for i in batch:
                if cancelled():
                    return
                article_id = index.ids[i]
                while p < len(new) and new[p] < article_id:  # a file the index does not have yet
                    found = self._fresh(new[p], paths[new[p]])
                    p += 1
                    if found is not None:
                        pending.append(found)
                if self.tagged is not None and article_id not in self.tagged:
                    continue
                found = self._indexed(i, paths, i in hit, self.checked)
                if found is not None:
                    pending.append(found)
                if len(pending) >= TAG_BATCH:
                    yield from self._tagged(pending)
                    pending = []
            yield from self._tagged(pending)  # (a chunk's last: a rare word's hits come as they are found)
            pending = []
        for article_id in new[p:]:
            if cancelled():
                return
            found = self._fresh(article_id, paths[article_id])
            if found is not None:
                yield from self._tagged([found])

    def piece(self, k: int, j: int) -> Iterator[ArticleHits]:
        """The articles ``[k, j)`` of the index with a match, in order, as :meth:`articles` finds them (for a
        search whose folder has no file the index lacks: :mod:`reader.search.shared`)."""
        hit, pending = self.index.hits(self.byte_patterns, k, j), list[_Untagged]()
        for i in range(k, j):
            if self.tagged is None or self.index.ids[i] in self.tagged:
                found = self._indexed(i, self.paths, i in hit, self.checked)
                if found is not None:
                    pending.append(found)
                if len(pending) >= TAG_BATCH:
                    yield from self._tagged(pending)
                    pending = []
        yield from self._tagged(pending)

    def _indexed(self, i: int, paths: dict[str, str], hit: bool, checked: bool) -> _Untagged | None:
        """Article ``i`` of the index: its matches, if it had some when indexed or has changed since."""
        index, article_id = self.index, self.index.ids[i]
        path = paths.get(article_id)
        if path is None:  # gone
            return None
        if not hit:
            if checked:
                return None
            try:
                st = os.stat(path)
            except OSError:  # gone since the listing
                self.stale = True
                return None
            if file_key(st) == index.keys[i]:
                return None
            return self._fresh(article_id, path, st)
        got = index.original(i, path)
        if got is None:
            return None
        text, same = got
        folded = index.folded_text(i) if same else ""
        if len(text) != len(folded):  # changed since it was indexed: as it is now, title included
            return self._fresh(article_id, path)
        return self._hits(article_id, index.titles[i], text, folded, index.shas[i])

    def _fresh(self, article_id: str, path: str, st: os.stat_result | None = None) -> _Untagged | None:
        """A file the index does not have as it is now: read, folded and searched."""
        if self.tagged is not None and article_id not in self.tagged:
            return None
        self.stale = True
        try:
            got = read_article(article_id, path, st or os.stat(path), self.search._fold)
        except OSError:  # gone since the listing
            return None
        if not got.sha256:
            return None
        return self._hits(article_id, got.title, got.text, got.folded, got.sha256)

    def _hits(self, article_id: str, title: str, text: str, folded: str, sha: str) -> _Untagged | None:
        starts, ends = _matches(self.pattern, self.length, folded)
        if not starts:
            return None
        if self.whole_words:
            from reader.words import words_for

            words = words_for(self.search.workspace).for_text(text, sha)
            whole = [k for k, (a, b) in enumerate(zip(starts, ends, strict=True)) if whole_word(words, a, b)]
            starts, ends = [starts[k] for k in whole], [ends[k] for k in whole]
            if not starts:
                return None
        return article_id, title, text, starts, ends, sha

    def _tagged(self, pending: list[_Untagged]) -> Iterator[ArticleHits]:
        """The articles of ``pending`` with the tags of their matches (only those with a wanted tag, if
        any), looked up together (:meth:`TagSpans.tagsets_of_articles`): the tag cache's directory and code
        are then in the CPU's caches, where one lookup right after reading and searching an article takes
        twice as long."""
        spans, wanted = self.spans, self.wanted
        asked = [
            (article_id, sha, len(text), partial(_placer, text, sha), starts, ends)
            for article_id, _, text, starts, ends, sha in pending
        ]
        found_tags = spans.tagsets_of_articles(asked, self.length)
        for (article_id, title, text, starts, ends, _), tagsets in zip(pending, found_tags, strict=True):
            found = ArticleHits(article_id, title, text, starts, ends, tagsets, spans.tagsets)
            if wanted:
                if tagsets is None:
                    continue
                found = found.only([k for k, t in enumerate(tagsets) if t and spans.passes(t, wanted)])
                if not found.starts:
                    continue
            yield found


#: an article's matches before their tags are looked up: id, title, text, starts, ends, sha256
_Untagged = tuple[str, str, str, list[int], list[int], str]
#: articles with matches whose tags are looked up together (see :meth:`_Scan._tagged`); a chunk's last are
#: looked up at its end, so the hits of a rare word come as they are found
TAG_BATCH = 32


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
