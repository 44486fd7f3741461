"""Folding the regions of a scraped page that are not the article: a display layer (UI-free).

``reader.structure`` finds the menu, bylines, photo credits, related links, footers and appended articles
of a page (original offsets, whole lines). Here each becomes a :class:`Fold` in a view's offsets; the
document view wraps the text with the folded ranges as one dim line each (``reader.layout``:
``wrap_text(..., folds=)``) labelled ``⋯ 站點選單 (3 lines) ⋯``. Offsets never change: highlights, find and
the stored reading position keep working in original offsets, and a fold can be opened at any time.

Reading time, length and position count the body only (:func:`body_position`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reader.structure import KIND_LABELS

if TYPE_CHECKING:
    from reader.convert import OffsetMap
    from reader.structure import Structure

__all__ = ["Fold", "body_position", "fold_label", "folds_in_view", "ranges"]


@dataclass(frozen=True)
class Fold:
    """A non-article region in a view: ``[start, end)`` from its first line's start to its last line's end.

    ``index`` is the region's place in the article's structure, the same in every view (so a fold opened
    in one view is open in the others).
    """

    start: int
    end: int
    kind: str
    lines: int
    index: int

    @property
    def label(self) -> str:
        return fold_label(self.kind, self.lines)


def fold_label(kind: str, lines: int) -> str:
    """``⋯ 站點選單 (3 lines) ⋯``: what a folded region shows instead of its text."""
    return f"⋯ {KIND_LABELS.get(kind, kind)} ({lines} line{'s' if lines != 1 else ''}) ⋯"


def folds_in_view(structure: Structure, offsets: OffsetMap, text: str) -> tuple[Fold, ...]:
    """The structure's regions as folds of a view of the article (``text``: the view's text).

    A region's edges are line edges in the original; newlines map one to one, so they stay line edges in
    every view. A range that does not (a bad correction) is widened to whole lines.
    """
    folds: list[Fold] = []
    for index, region in enumerate(structure.regions):
        start, end = offsets.range_to_view(region.start, region.end)
        start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", max(end - 1, start))
        end = len(text) if line_end < 0 else line_end
        if end > start and (not folds or start > folds[-1].end):
            folds.append(Fold(start, end, region.kind, region.lines, index))
    return tuple(folds)


def ranges(folds: Iterable[Fold], opened: Sequence[int] | frozenset[int] = ()) -> tuple[tuple[int, int], ...]:
    """The ``(start, end)`` ranges to fold: every fold but the ``opened`` ones (by index)."""
    return tuple((f.start, f.end) for f in folds if f.index not in opened)


def body_position(structure: Structure, pos: int) -> tuple[int, int]:
    """(characters of the body before ``pos``, the body's characters): where the reader is in the article.

    Characters in regions and outside the body range do not count (``Structure.body_chars``).
    """
    body_start, body_end = structure.body
    total = structure.body_chars
    pos = min(max(pos, body_start), body_end)
    regions = structure.regions
    count = bisect_right([r.start for r in regions], pos)
    covered = sum(max(0, min(pos, r.end) - max(body_start, r.start)) for r in regions[:count])
    return max(0, min(total, pos - body_start - covered)), total
