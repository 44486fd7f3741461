"""Team work beyond the store: which articles each coder has finished, and an overview of the coders.

``coders/<folder>/coded.json`` (each coder's own, shared through ``reader sync``) lists the articles that
coder has finished coding, with when. Blind coding shows other coders' work in an article only once I have
marked it coded (so what I code is not led by theirs), and agreement compares the articles every compared
coder marked coded, when there are marks (otherwise every article any of them annotated).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import orjson

from reader.errors import StoreError
from reader.store import AnnotationStore, now_iso
from reader.store.coders import AGREED

if TYPE_CHECKING:
    from reader.workspace import Workspace

CODED_FILE = "coded.json"


class CodedMarks:
    """Every coder's "I have finished this article" marks; this coder's are written."""

    def __init__(self, store: AnnotationStore) -> None:
        self.store = store

    def _read(self, folder: str) -> dict[str, str]:
        try:
            got = self.store.read_file(f"{folder}/{CODED_FILE}")
        except StoreError:
            return {}
        if got is None:
            return {}
        try:
            data = orjson.loads(got[0]).get("coded", {})
        except (orjson.JSONDecodeError, AttributeError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}

    def of(self, coder: str) -> set[str]:
        """The articles ``coder`` marked coded."""
        folder = self.store.coder_folder(coder)
        if folder is None:
            return set()
        return set(self._read(folder.relative_to(self.store.path).as_posix()))

    def everyone(self) -> dict[str, set[str]]:
        return {name: self.of(name) for name in self.store.coders() if name != AGREED}

    def mark(self, article_ids: Iterable[str], *, done: bool = True) -> None:
        """Mark (or unmark) articles as coded by this coder."""
        with self.store.locked():
            mine = self._read(self.store.my_folder)
            for article_id in article_ids:
                if done:
                    mine.setdefault(article_id, now_iso())
                else:
                    mine.pop(article_id, None)
            payload = orjson.dumps({"coded": dict(sorted(mine.items()))}, option=orjson.OPT_INDENT_2)
            self.store.write_file(f"{self.store.my_folder}/{CODED_FILE}", payload)

    def is_coded(self, article_id: str) -> bool:
        """This coder has finished ``article_id`` (blind coding shows others' work then)."""
        return article_id in self._read(self.store.my_folder)


def coders_overview(ws: Workspace) -> list[dict[str, Any]]:
    """One row per coder (this clone's first): annotations, articles, coded articles."""
    counts = ws.store.counts_by_coder()
    marks = CodedMarks(ws.store)
    rows = []
    for name, per_article in counts.items():
        rows.append(
            {
                "coder": name,
                "you": name == ws.coder,
                "annotations": sum(per_article.values()),
                "articles": len(per_article),
                "coded": sorted(marks.of(name)),
            }
        )
    return rows
