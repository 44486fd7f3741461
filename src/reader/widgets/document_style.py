"""How the document view paints a run of text: highlights, selection, search matches, cursor.

All styles are built from Rich `Style` objects, never markup (article text is data: "[b]" stays "[b]").

* **Highlights** paint their colour (a Rich colour name or hex) as the background; the text keeps the
  theme's foreground where it reads (``reader.colors.text_color_on``: a light theme's dark text), else black
  or white. Where **two or more highlights overlap**, the background is the average of their colours
  darkened by a third: distinct from each highlight alone, even from two overlapping highlights of the same
  colour, and the overlap's extent is visible at a glance.
* **The selection** makes text bold and underlined. On cells without a highlight it also paints the selection
  background; on highlighted cells it keeps the highlight background, so highlight extents stay visible
  inside a selection.
* **Search matches** are bold, underlined and yellow (on a highlight only bold and underlined, keeping its
  colours); the current match is white on violet, over highlights and selection alike: a colour no
  highlight has, on 16-colour terminals too (the yellow highlight and a yellow current match were one
  colour there).
* **The cursor** is the cursor style (reverse by default) on top of everything.
* **Text marks** (``document_layers``: phrases, uncertain characters, damage…) are underlines painted first,
  under all of the above.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rich.color import Color as RichColor
from rich.color import ColorParseError
from rich.style import Style

from reader.colors import text_color_on
from reader.highlights import Colours

__all__ = ["DEFAULT_HIGHLIGHT_COLOR", "RunStyles", "highlight_style"]

DEFAULT_HIGHLIGHT_COLOR = "#d7af00"
"""Used for a highlight whose colour is empty or not a colour Rich can parse."""

#: what a search match does to a run: none, a match, the current match
NO_MATCH, MATCH, CURRENT_MATCH = 0, 1, 2


@lru_cache(maxsize=1024)
def _parse_rgb(color: str) -> tuple[int, int, int]:
    try:
        triplet = RichColor.parse(color or DEFAULT_HIGHLIGHT_COLOR).get_truecolor()
    except ColorParseError:
        triplet = RichColor.parse(DEFAULT_HIGHLIGHT_COLOR).get_truecolor()
    return triplet.red, triplet.green, triplet.blue


_DECORATIONS = frozenset({"underline", "overline", "italic", "underline2", "strike", "bold"})


@lru_cache(maxsize=4096)
def highlight_style(colors: Colours, foreground: str | None = None) -> Style:
    """Background (and readable text) for the highlights overlapping on a cell: ``colors`` are
    ``(colour, how many)`` pairs (``reader.highlights.pieces``); ``foreground`` is the theme's text colour
    (#rrggbb), kept where it reads on the background. A colour may end in ``|underline`` (or another Rich
    style attribute): a coder's mark in the "everyone" view (``reader.team.CoderView``)."""
    decorations: dict[str, Any] = {}
    if any("|" in color for color, _ in colors):
        decorations = {color.partition("|")[2]: True for color, _ in colors if "|" in color}
        decorations = {name: True for name in decorations if name in _DECORATIONS}
        colors = tuple((color.partition("|")[0], count) for color, count in colors)
    # one plain loop (a first screen under 10,000 highlights builds a few hundred of these; see RunStyles)
    red = green = blue = total = 0
    for color, count in colors:
        r, g, b = _parse_rgb(color)
        red, green, blue, total = red + r * count, green + g * count, blue + b * count, total + count
    shade = 0.66 if total > 1 else 1.0  # overlap: darker than any of its parts (see module docstring)
    red, green, blue = (min(255, round(channel / total * shade)) for channel in (red, green, blue))
    background = f"#{red:02x}{green:02x}{blue:02x}"
    return Style(color=text_color_on(background, foreground), bgcolor=background, **decorations)


@dataclass
class RunStyles:
    """The style of a run of text from what lies on it, cached (a screen uses a few dozen combinations).

    ``base`` is the widget's text style; the others are its component styles (partial: only what they set).
    """

    base: Style
    #: the theme's text colour (#rrggbb), kept on highlights where it reads
    foreground: str | None
    selection: Style
    match: Style
    current_match: Style
    cursor: Style
    _cache: dict[tuple[Colours, bool, bool, int, Style | None], Style] = field(default_factory=dict)

    def __call__(
        self, colors: Colours, selected: bool, cursor: bool, match: int = NO_MATCH, mark: Style | None = None
    ) -> Style:
        key = (colors, selected, cursor, match, mark)
        style = self._cache.get(key)
        if style is None:
            style = self._cache[key] = self._build(colors, selected, cursor, match, mark)
        return style

    def _build(self, colors: Colours, selected: bool, cursor: bool, match: int, mark: Style | None) -> Style:
        style = self.base
        if mark is not None:  # under everything else: a highlight keeps the underline, not the colour
            style += mark
        if colors:
            style += highlight_style(colors, self.foreground)
        if selected:
            style += Style(bold=True, underline=True)
            if not colors and self.selection.bgcolor is not None:
                style += Style(bgcolor=self.selection.bgcolor)
        if match == MATCH:
            style += Style(bold=True, underline=True) if colors else self.match
        elif match == CURRENT_MATCH:
            style += self.current_match
        if cursor:
            style += self.cursor
        return style
