"""The converter: script views of articles, cached, with the user's overrides applied."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from typing import Any

from reader.convert.align import _CharTable, _separators
from reader.convert.build import PHRASE_DICTIONARY, Build, Progress, literal_pattern
from reader.convert.engine import Engine, Pairs
from reader.convert.offsets import OffsetMap
from reader.convert.overrides import OverrideList
from reader.convert.recipes import Recipe, check_source, recipe
from reader.convert.tables import length_changing, simplified_chars, variant_pairs
from reader.convert.viewtext import VIEW_LABELS, VIEWS, Substitution, SupportsText, ViewText, check_view
from reader.errors import UsageError

__all__ = ["VIEWS", "VIEW_LABELS", "Converter", "Substitution", "SupportsText", "ViewText", "check_view"]


class Converter:
    """OpenCC conversions for the script views, with an LRU cache of built views.

    ``overrides``: the user's corrections (``reader.convert.overrides``); without one, none apply.
    """

    def __init__(
        self, cache_size: int = 16, cache_chars: int = 50_000_000, overrides: OverrideList | None = None
    ) -> None:
        self._cache_size = cache_size
        self._cache_chars = cache_chars
        self._cache: OrderedDict[tuple[Any, ...], ViewText] = OrderedDict()
        self._cached_chars = 0
        self._lock = threading.Lock()
        self.engine = Engine()
        self.overrides = overrides or OverrideList(None)
        self._tables: dict[Any, _CharTable] = {}
        self._variants: frozenset[tuple[str, str]] | None = None
        self._simplified: re.Pattern[str] | None = None
        self._suspects: dict[tuple[str, ...], re.Pattern[str] | None] = {}

    # -- plain conversion

    def convert(
        self,
        text: str,
        view: str,
        *,
        source: str = "simplified",
        phrases: bool | None = None,
        article: str = "",
    ) -> str:
        """``text`` in ``view`` ("original" returns it unchanged), no offset map.

        ``source`` defaults to "simplified", the recipe a query or a quote gets (too short to tell its
        script); pass "auto" to decide run by run as articles are.
        """
        if check_view(view) == "original":
            return text
        if check_source(source) == "auto":
            return self.build_view(text, view, source="auto", phrases=phrases, article=article).text
        convert = self._lane_converter(self._recipe(source, view, phrases).chain, view, article)
        return text if convert is None else convert(text)

    def convert_config(self, text: str, config: str) -> str:
        """``text`` converted with any OpenCC config by name (e.g. "tw2sp", "hk2s"), no offset map.

        For conversions outside the five views, such as a Taiwan phrase's mainland form (軟體 -> 软件).
        UsageError for a config name OpenCC does not know.
        """
        try:
            convert = self.engine.converter((config,))
        except (RuntimeError, ValueError, OSError) as exc:  # the binding's error for a broken config
            raise UsageError(f"unknown OpenCC config {config!r}") from exc
        assert convert is not None
        return convert(text)

    # -- views

    def view(
        self,
        article: SupportsText,
        view: str,
        *,
        source: str = "auto",
        phrases: bool | None = None,
        progress: Progress | None = None,
        chunk_chars: int | None = None,
    ) -> ViewText:
        """The article in ``view``, with its offset map; cached per (article sha256, view, options).

        ``article.info`` (a ``reader.articles.Article``) gives the detected script and the id that
        article-specific overrides name; without it both are worked out / empty. ``chunk_chars``: smaller
        chunks than ``CHUNK_CHARS`` (the same view), for work in the background that must stop often
        (``progress`` is told after each; it may raise to give up).
        """
        check_view(view)
        check_source(source)
        info = getattr(article, "info", None)
        article_id = str(getattr(info, "id", "") or "")
        applied = self.overrides.for_view(view, article_id)
        key = (article.sha256, view, source, phrases, applied)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        built = self.build_view(
            article.text,
            view,
            source=source,
            phrases=phrases,
            script=getattr(info, "script", None) or None,
            article=article_id,
            progress=progress,
            chunk_chars=chunk_chars,
        )
        with self._lock:
            hit = self._cache.get(key)  # another thread may have built it meanwhile: keep one object
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
            self._cache[key] = built
            self._cached_chars += len(built.text)
            while len(self._cache) > 1 and (
                len(self._cache) > self._cache_size or self._cached_chars > self._cache_chars
            ):
                _, old = self._cache.popitem(last=False)
                self._cached_chars -= len(old.text)
        return built

    def warm_up(self, before_each: Callable[[], None] = lambda: None) -> None:
        """Make now what an article's first views would make while the user reads it (call from a thread).

        Constructing an OpenCC config loads its dictionaries in C, holding the GIL throughout (s2t ~70 ms,
        s2tw ~35 ms): no frame is drawn meanwhile, and the reading screen prepares every view soon after
        opening. So the configs the views of a Simplified or a Traditional article use are made here,
        with the character tables their analysis and alignment need (not the marked s2t of a view's
        details: 16 MB more, made when a converted view is first shown). ``before_each`` is called before
        each step, which cannot pause (the app waits there until the user is idle; raising stops).
        """
        chains: list[tuple[str, ...]] = [("t2s",), ("s2t",)]  # what every auto-detected article's runs use
        for script in ("simplified", "regional"):
            for view in VIEWS[1:]:
                made = recipe(script, view, None)
                chains.extend(chain for chain in (made.chain, made.plain) if chain and chain not in chains)
        steps: list[Callable[[], object]] = [partial(self.engine.converter, chain) for chain in chains]
        steps += [self._simplified_chars, self._variant_pairs, _separators]
        steps += [partial(self._length_changing, chain) for chain in chains]
        for step in steps:
            before_each()
            step()

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()
            self._cached_chars = 0

    def build_view(
        self,
        text: str,
        view: str,
        *,
        source: str = "auto",
        phrases: bool | None = None,
        script: str | None = None,
        article: str = "",
        progress: Progress | None = None,
        chunk_chars: int | None = None,
    ) -> ViewText:
        """Convert ``text`` and build its offset map (uncached; ``view`` caches).

        ``script``: the article's detected script, if known (else detected here, for "auto").
        """
        if check_view(view) == "original":
            return ViewText(view, text, OffsetMap.identity_map(len(text)), "original", script or "")
        check_source(source)
        if source == "auto" and script is None:
            from reader.scripts import detect_script

            script = detect_script(text)
        build = Build(self, text, view, source, phrases, script or "", article)
        return build.run(progress, chunk_chars)

    # -- helpers shared with _Build

    def _recipe(self, script: str, view: str, phrases: bool | None) -> Recipe:
        return recipe(script, view, phrases)

    def _lane_converter(self, chain: tuple[str, ...], view: str, article: str) -> Callable[[str], str] | None:
        pairs: Pairs = tuple((o.source, o.target) for o in self.overrides.for_view(view, article))
        return self.engine.converter(chain, pairs)

    def _table(self, key: Any, convert: Callable[[str], str]) -> _CharTable:
        table = self._tables.get(key)
        if table is None:
            with self._lock:
                table = self._tables.setdefault(key, _CharTable(convert))
        return table

    def _length_changing(self, chain: tuple[str, ...]) -> re.Pattern[str] | None:
        """The phrase values of ``chain``'s phrase dictionaries that change a length, as one pattern."""
        if chain not in self._suspects:
            values: set[str] = set()
            for config in chain:
                name = PHRASE_DICTIONARY.get(config)
                for value in length_changing(name) if name else ():
                    # tw2sp / hk2sp convert the phrase's value to Simplified after choosing it
                    values.add(self.convert_config(value, "t2s") if config.endswith("2sp") else value)
            self._suspects[chain] = literal_pattern(values) if values else None
        return self._suspects[chain]

    def _simplified_chars(self) -> re.Pattern[str]:
        """The characters s2t changes on their own (the only ones that can be Simplified leftovers)."""
        if self._simplified is None:
            self._simplified = simplified_chars(self.convert_config)
        return self._simplified

    def _variant_pairs(self) -> frozenset[tuple[str, str]]:
        if self._variants is None:
            self._variants = variant_pairs(self.convert_config)
        return self._variants
