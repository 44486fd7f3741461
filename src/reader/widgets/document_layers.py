"""The document view's display layers under the highlights: text marks (underlines) and folded regions.

* **Marks** (``reader.marks``): named layers of :class:`~reader.marks.MarkSet` in view offsets (the reading
  screen's ``script`` layer: phrases, uncertain characters, repairs, overrides; its ``damage`` layer; a
  coder's underlines could be another). A marked run is painted with its mark's style (``Mark.style``,
  else :data:`MARK_STYLES` for its kind) *under* highlights, selection, search matches and the cursor: a
  highlight's colours replace a mark's colour but keep its underline.
* **Folds** (``reader.folding``): ranges drawn as one dim line each (``⋯ 站點選單 (3 lines) ⋯``). The
  layout does the folding (``wrap_text(..., folds=)``); here is which folds are closed: all of them while
  folding is on, except the ones opened one by one (a find hit or a jump inside one opens it).

Styles are Rich ``Style`` objects, never markup; labels are our own text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from reader.folding import Fold
from reader.marks import Mark, MarkSet

__all__ = ["MARK_STYLES", "TextLayers"]

MARK_STYLES: dict[str, Style] = {
    "phrase": Style(underline=True),
    "uncertain": Style(underline=True, color="#d78700"),
    "repair": Style(underline=True, color="#00afaf"),
    "override": Style(underline=True, color="#5faf00"),
    "damage": Style(underline=True, color="#ff5f5f"),
    "repaired": Style(underline=True, color="#00afaf"),
}
"""The look of each kind of mark (readable on dark and light themes); others: a plain underline."""
_PLAIN_MARK = Style(underline=True)
_FOLD_STYLE = Style(dim=True, italic=True)


class TextLayers:
    """Mark layers and folds of one document view; ``version`` changes whenever what they draw does."""

    def __init__(self) -> None:
        self._marks: dict[str, MarkSet] = {}
        self._styles: dict[str, Style] = {}
        self.version = 0
        self.folds: tuple[Fold, ...] = ()
        #: regions folded (True) or all shown (False)
        self.folding = True
        #: folds opened one by one while folding is on (by ``Fold.index``)
        self.opened: set[int] = set()

    # -- marks

    def set_marks(self, layer: str, marks: MarkSet | None) -> None:
        if marks:
            self._marks[layer] = marks
        else:
            self._marks.pop(layer, None)
        self.version += 1

    def marks(self, layer: str) -> MarkSet | None:
        return self._marks.get(layer)

    def marks_at(self, pos: int) -> list[Mark]:
        """The marks covering ``pos``, one per layer at most (the shortest), in layer order."""
        found = (marks.at(pos) for marks in self._marks.values())
        return [mark for mark in found if mark is not None]

    def line_marks(self, start: int, end: int) -> list[Mark]:
        """The marks overlapping a display line, every layer's."""
        if not self._marks:
            return []
        return [mark for marks in self._marks.values() for mark in marks.spans(start, end)]

    def style_of(self, marks: Iterable[Mark]) -> Style | None:
        """The combined style of the marks on a run (None: unmarked)."""
        style: Style | None = None
        for mark in marks:
            part = self._style(mark)
            style = part if style is None else style + part
        return style

    def _style(self, mark: Mark) -> Style:
        key = mark.style or mark.kind
        style = self._styles.get(key)
        if style is None:
            style = Style.parse(mark.style) if mark.style else MARK_STYLES.get(mark.kind, _PLAIN_MARK)
            self._styles[key] = style
        return style

    # -- folds

    def set_folds(self, folds: Sequence[Fold]) -> None:
        self.folds = tuple(folds)
        self.version += 1

    def ranges(self) -> tuple[tuple[int, int], ...]:
        """The ranges folded now, for ``wrap_text``."""
        if not self.folding:
            return ()
        return tuple((f.start, f.end) for f in self.folds if f.index not in self.opened)

    def closed(self) -> list[Fold]:
        """The folds closed now."""
        if not self.folding:
            return []
        return [f for f in self.folds if f.index not in self.opened]

    def folds_over(self, *offsets: int) -> list[Fold]:
        """The closed folds containing any of ``offsets``."""
        return [f for f in self.closed() if any(f.start <= pos < f.end for pos in offsets)]

    def fold_strip(self, start: int, width: int, margin: int, base: Style, extra: str = "") -> Strip:
        """The one dim line drawn for the closed fold starting at ``start`` (``extra``: said after it)."""
        fold = next((f for f in self.folds if f.start == start), None)
        label = (fold.label if fold is not None else "⋯") + extra
        segments = [Segment(" " * margin, base), Segment(label, base + _FOLD_STYLE)]
        return Strip(segments).crop(0, width).adjust_cell_length(width, base)
