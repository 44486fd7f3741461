"""What the library shows of each article beyond its file: the real title, body length, damage, site, date.

A scraped page's first line is often its menu (seed 001: ``推广 热搜: page 数据 …``), so the list shows the
title ``reader.structure`` detects, counts length and reading time on the body only, marks an article
with damage (``⚠``) or an appended next article (``+``), and shows the site and date of added articles
(``reader.ingest.read_metadata``). The filter matches all of it.

The figures come from ``Analyser.summaries`` (its cache: ``<db>/local/cache/structure-index.json``), in a
worker, a batch of articles at a time: the first paint never waits for them, and until an article's
figures arrive its row shows what its file's head says.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from reader.articles import ArticleInfo
from reader.errors import ReaderError
from reader.sanitise import safe_line
from reader.workspace import Workspace

__all__ = ["BATCH", "ArticleFacts", "collect_facts", "reading_time"]

#: articles summarised between two updates of the list
BATCH = 200


@dataclass(frozen=True)
class ArticleFacts:
    title: str
    body_chars: int
    damage: int
    appended: bool
    site: str = ""
    date: str = ""
    #: the title, site and date folded (简体, case-folded) for the filter
    folded: str = ""

    @property
    def marks(self) -> str:
        """``⚠`` for damage, ``+`` for an appended article (the detail line says what they mean)."""
        return ("⚠" if self.damage else "") + ("+" if self.appended else "")

    @property
    def reading_minutes(self) -> float:
        return self.body_chars / 400

    def detail(self, info: ArticleInfo) -> str:
        """One line for the library's detail row."""
        said = [f"{self.body_chars:,} of {info.chars:,} characters are the article"]
        if self.damage:
            said.append(f"⚠ {self.damage} damaged spot{'s' if self.damage != 1 else ''}")
        if self.appended:
            said.append("+ another article appended")
        said += [part for part in (self.site, self.date) if part]
        return " · ".join(said)


def reading_time(minutes: float) -> str:
    if minutes < 1:
        return "<1 min"
    return f"{math.ceil(minutes)} min"


def collect_facts(
    workspace: Workspace,
    infos: Sequence[ArticleInfo],
    deliver: Callable[[dict[str, ArticleFacts], int, int], None],
    cancelled: Callable[[], bool] = lambda: False,
) -> None:
    """Figures for every readable article, ``deliver``-ed a batch at a time (call from a worker).

    ``deliver(facts, done, total)``; an article that cannot be read is left out (the list shows its error).
    """
    readable = [info for info in infos if not info.error]
    total = len(readable)
    fold = workspace.converter.convert
    for first in range(0, total, BATCH):
        if cancelled():
            return
        batch = readable[first : first + BATCH]
        try:
            summaries = workspace.analyser.summaries(batch)
        except (ReaderError, OSError):  # a damaged corrections file: the rows keep their file figures
            summaries = {}
        facts = {}
        for info in batch:
            summary = summaries.get(info.id)
            if summary is not None:
                facts[info.id] = _facts(workspace, info, summary, fold)
        deliver(facts, min(first + BATCH, total), total)
    if not total:
        deliver({}, 0, 0)


def _facts(
    workspace: Workspace, info: ArticleInfo, summary: dict, fold: Callable[[str, str], str]
) -> ArticleFacts:
    from reader.ingest import read_metadata

    metadata = read_metadata(workspace.library.root, info.id) or {}
    site, date = (safe_line(str(metadata.get(key) or "")) for key in ("site", "date"))
    title = safe_line(str(summary.get("title") or "")) or info.title
    folded = "\n".join(fold(part, "simplified").casefold() for part in (title, site, date) if part)
    return ArticleFacts(
        title,
        int(summary.get("body_chars") or 0),
        int(summary.get("damage") or 0),
        bool(summary.get("appended")),
        site,
        date[:10],
        folded,
    )


def matching(facts: dict[str, ArticleFacts], ids: Iterable[str], folded_query: str) -> set[str]:
    """The ids whose detected title, site or date contain the folded query."""
    return {i for i in ids if i in facts and folded_query in facts[i].folded}
