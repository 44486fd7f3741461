"""Find in one article, in any script: the matches and which one is current (UI-free).

The reading screen's find bar sends the query as it is typed and asks for the next or previous match; the
matches are in original offsets (``reader.search.find_in_text``: 数据 finds 數據), so they stay the same
whatever view is shown and the screen maps them to the view it draws.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from typing import TYPE_CHECKING

from reader.convert import Converter
from reader.search import Match, find_in_text, fold

if TYPE_CHECKING:
    from reader.segmentation import ArticleWords

__all__ = ["Finder"]


class Finder:
    """The matches of the last query in one text, and the current one (an index, or None)."""

    def __init__(self, text: str, converter: Converter) -> None:
        self._text = text
        self._converter = converter
        self._folded: str | None = None  # folded once, on the first query
        self.matches: list[Match] = []
        self.current: int | None = None

    def search(
        self,
        query: str,
        here: int,
        keep: Callable[[Match], bool] | None = None,
        *,
        words: ArticleWords | None = None,
    ) -> int | None:
        """Find `query`; the current match becomes the first at or after `here` (else the first one), so
        the view follows as the query is typed. None when nothing matches. `keep`: the matches to keep
        (the article's body only, say); ``words``: the text's words (original coordinates): only
        whole-word matches count (数据 not inside 大数据)."""
        if self._folded is None:
            self._folded = fold(self._text, self._converter)
        self.matches = find_in_text(self._text, query, self._converter, folded=self._folded, words=words)
        if keep is not None:
            self.matches = [match for match in self.matches if keep(match)]
        self.current = None
        if not self.matches:
            return None
        after = bisect_left([match.start for match in self.matches], here)
        self.current = after if after < len(self.matches) else 0
        return self.current

    def step(self, step: int) -> int | None:
        """The next (`step` 1) or previous (-1) match becomes current, wrapping around; None if none."""
        if not self.matches:
            return None
        current = self.current if self.current is not None else (-1 if step > 0 else 0)
        self.current = (current + step) % len(self.matches)
        return self.current

    def clear(self) -> None:
        self.matches, self.current = [], None
