"""A screen's one-line header: facts that must stay (the view, the position, a count) and text that gives way
(a title, a folder, a list of tags) cut with ``…``.

A title is an article's first line and may be a whole paragraph (seed 003); drawn first, it pushed the view,
the position and the count off the line at 80 columns. Here the parts that do not shrink are laid out first
and the shrinking ones share what is left, cut with ``reader.shorttext.clip_line`` (never half a wide
character, never a newline). If even the fixed parts do not fit, the last ones are dropped, then the line
is cut with ``…``. Text is data: it is made safe by ``clip_line`` and styled with ``Text``, never markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from reader.shorttext import clip_line, text_cells

__all__ = ["HeaderLine", "Part", "fit_parts"]

#: between two parts; the narrow one on a screen narrower than 80 columns, when something must be cut
SEPARATOR, NARROW_SEPARATOR = "  ·  ", " · "
WIDE_FROM = 78
#: a shrinking part is never given less than this (else the fixed parts give way)
MIN_SHRINK_CELLS = 8


@dataclass(frozen=True)
class Part:
    text: str
    style: str = ""
    #: cut with "…" to leave room for the others (a title, a path, a list of tags)
    shrink: bool = False
    #: which end of a shrinking part stays: "start" (a title) or "end" (a path)
    keep: str = "start"


def fit_parts(parts: Sequence[Part], width: int) -> Text:
    """`parts` on one line of at most `width` cells (see the module docstring): with narrow separators
    below 80 columns (a header's line on an 80-column screen is 78 wide), unless everything fits whole."""
    shown = [part for part in parts if part.text]
    whole = SEPARATOR.join(part.text for part in shown)
    if text_cells(whole) <= width and clip_line(whole, width) == whole:
        return _line(shown, SEPARATOR, width, width)
    separator = SEPARATOR if width >= WIDE_FROM else NARROW_SEPARATOR
    while True:
        fixed = sum(text_cells(p.text) for p in shown if not p.shrink)
        fixed += text_cells(separator) * max(len(shown) - 1, 0)
        shrinking = sum(1 for p in shown if p.shrink)
        room = width - fixed
        fixed_parts = [p for p in shown if not p.shrink]
        if not fixed_parts or room >= MIN_SHRINK_CELLS * shrinking:
            break
        shown.remove(fixed_parts[-1])  # the least important fixed part (they come in order of importance)
    return _line(shown, separator, max(room, 0) // max(shrinking, 1), width)


def _line(shown: Sequence[Part], separator: str, share: int, width: int) -> Text:
    """The parts joined by `separator`, each shrinking one cut to `share` cells."""
    line = Text(no_wrap=True, overflow="ellipsis", end="")
    for index, part in enumerate(shown):
        if index:
            line.append(separator, style="dim")
        text = clip_line(part.text, share, keep=part.keep) if part.shrink else clip_line(part.text, width)
        line.append(text, style=part.style)
    if line.cell_len > width:
        line = Text(clip_line(line.plain, width), no_wrap=True, end="")
    return line


class HeaderLine(Static):
    """A one-line header that fits its parts to its width, again when the width changes."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes)
        self._parts: tuple[Part, ...] = ()
        self._fitted: tuple[tuple[Part, ...], int] | None = None

    def show(self, *parts: Part) -> None:
        """Show `parts` (in order of importance among the fixed ones); cheap when nothing changed."""
        self._parts = parts
        self._fit()

    @property
    def text(self) -> str:
        """What the header shows now (plain)."""
        return str(self.render())

    def _fit(self) -> None:
        width = self.content_region.width or max(self.app.size.width - 2, 1)
        if self._fitted == (self._parts, width):
            return
        self._fitted = (self._parts, width)
        self.update(fit_parts(self._parts, width), layout=False)  # one line whatever it says: no layout pass

    def on_resize(self) -> None:
        self._fit()
