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
from rich.color import ColorParseError, ColorType
from rich.color_triplet import ColorTriplet
from rich.style import Style

from reader.colors import text_color_on_rgb
from reader.highlights import Colours

__all__ = ["DEFAULT_HIGHLIGHT_COLOR", "RunStyles", "highlight_style"]

DEFAULT_HIGHLIGHT_COLOR = "#d7af00"
"""Used for a highlight whose colour is empty or not a colour Rich can parse."""

#: what a search match does to a run: none, a match, the current match
NO_MATCH, MATCH, CURRENT_MATCH = 0, 1, 2


_DECORATIONS = frozenset({"underline", "overline", "italic", "underline2", "strike", "bold"})
_NO_DECORATIONS: frozenset[str] = frozenset()
_TRUECOLOR = ColorType.TRUECOLOR


@lru_cache(maxsize=1024)
def _parse_colour(color: str) -> tuple[int, int, int, str]:
    """``(red, green, blue, decoration)`` of one highlight colour, ``colour`` or ``colour|decoration``
    (decoration "" if none or not one Rich draws as text decoration)."""
    name, _, decoration = color.partition("|")
    try:
        triplet = RichColor.parse(name or DEFAULT_HIGHLIGHT_COLOR).get_truecolor()
    except ColorParseError:
        triplet = RichColor.parse(DEFAULT_HIGHLIGHT_COLOR).get_truecolor()
    return triplet.red, triplet.green, triplet.blue, decoration if decoration in _DECORATIONS else ""


@lru_cache(maxsize=4096)
def highlight_style(colors: Colours, foreground: str | None = None) -> Style:
    """Background (and readable text) for the highlights overlapping on a cell: ``colors`` are
    ``(colour, how many)`` pairs (``reader.highlights.pieces``); ``foreground`` is the theme's text colour
    (#rrggbb), kept where it reads on the background. A colour may end in ``|underline`` (or another Rich
    style attribute): a coder's mark in the "everyone" view (``reader.team.CoderView``).

    A first screen under 10,000 highlights meets ~600 new mixes at opening: one plain loop per mix, and the
    Style shared by every mix of the same background (:func:`_style_on`)."""
    red = green = blue = total = 0
    decorations = _NO_DECORATIONS
    for color, count in colors:
        r, g, b, decoration = _parse_colour(color)
        red, green, blue, total = red + r * count, green + g * count, blue + b * count, total + count
        if decoration:
            decorations = decorations | {decoration}
    shade = 0.66 if total > 1 else 1.0  # overlap: darker than any of its parts (see module docstring)
    # each channel stays within 0..255: an average of 8-bit values, darkened
    return _style_on(
        round(red / total * shade),
        round(green / total * shade),
        round(blue / total * shade),
        foreground,
        decorations,
    )


@lru_cache(maxsize=4096)
def _style_on(red: int, green: int, blue: int, foreground: str | None, decorations: frozenset[str]) -> Style:
    """The highlight Style of one background, shared by every mix that averages to it. Made without
    parsing: the text colour is one of three (Rich caches their parse), the background is built from its
    channels, and a Style of two colours needs none of ``Style()``'s attribute handling."""
    text = RichColor.parse(text_color_on_rgb(red, green, blue, foreground))
    # RichColor.from_rgb(red, green, blue) without its keyword construction: 1.0 us instead of 1.5
    background = RichColor(
        f"#{red:02x}{green:02x}{blue:02x}", _TRUECOLOR, None, ColorTriplet(red, green, blue)
    )
    if decorations:
        attributes: dict[str, Any] = dict.fromkeys(decorations, True)
        return Style(color=text, bgcolor=background, **attributes)
    return Style.from_color(text, background)


@dataclass
class RunStyles:
    """The style of a run of text from what lies on it, cached (a screen uses a few dozen combinations, a
    first screen under 10,000 highlights ~650: each new one costs ~5 us, see :func:`highlight_style`).

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
    #: whether ``base`` sets colours only (the widget's CSS text style does): a highlight sets both colours,
    #: so ``base + highlight`` is the highlight itself (no new Style for each new mix of a first screen)
    _colours_only_base: bool = field(init=False)

    def __post_init__(self) -> None:
        self._colours_only_base = self.base == Style.from_color(self.base.color, self.base.bgcolor)

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
            highlight = highlight_style(colors, self.foreground)
            style = highlight if style is self.base and self._colours_only_base else style + highlight
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
