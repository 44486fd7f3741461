"""How many annotations and articles carry each tag, rolled up to its parents, for the codebook's counts.

Kept apart from :class:`reader.codebook.Codebook` because counting has its own cost model: it works from
the store's per-article tag counts (its index: no annotation read), and reads an article's annotations
only where a tag and one of its sub-tags both occur (an annotation carrying both counts once for the
parent), caching those per article while its counts hold.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from reader.store import AnnotationStore
from reader.tags import ancestors


class TagUsage:
    """Per tag: own passages, rolled-up passages and rolled-up articles, over an :class:`AnnotationStore`."""

    def __init__(self, store: AnnotationStore) -> None:
        self.store = store
        self._rolled: dict[str, tuple[Any, Counter[str]]] = {}  # article id -> (its counts, rolled up)

    def counts(self) -> tuple[Counter[str], Counter[str], Counter[str]]:
        """(own passages, rolled-up passages, rolled-up articles) per tag.

        From the store's per-article tag counts (no annotation is read), except in articles where one tag
        and one of its sub-tags both occur: only there can an annotation carry both, and it must count once
        for the parent, so those articles' annotations are read.
        """
        own: Counter[str] = Counter()
        passages: Counter[str] = Counter()
        articles: Counter[str] = Counter()
        for article_id, counts in self.store.article_tags().items():
            own.update(counts)
            rolled_here = {a for tag in counts for a in ancestors(tag)} | set(counts)
            articles.update(rolled_here)
            if any(a in counts for tag in counts for a in ancestors(tag)):
                passages.update(self._rolled_passages(article_id, counts))
            else:
                for tag, n in counts.items():
                    passages[tag] += n
                    for a in ancestors(tag):
                        passages[a] += n
        return own, passages, articles

    def _rolled_passages(self, article_id: str, counts: dict[str, int]) -> Counter[str]:
        """Per tag, this article's annotations carrying it or a sub-tag; cached while its counts hold."""
        cached = self._rolled.get(article_id)
        if cached is not None and cached[0] == counts:
            return cached[1]
        counter: Counter[str] = Counter()
        for record in self.store.records(article_id):
            rolled: set[str] = set()
            for tag in record["tags"]:
                rolled.add(tag)
                rolled.update(ancestors(tag))
            counter.update(rolled)
        self._rolled[article_id] = (dict(counts), counter)
        return counter
