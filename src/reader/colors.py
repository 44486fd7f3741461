"""Highlight colours: named, distinct on every terminal, readable in dark and light themes, stable per tag.

Names are what users type (``--color``, the colour dialogs) and what is stored; the hex values behind them
may change between versions (exports carry the hex of the day as ``display_color``). The values are chosen
so that each name stays itself wherever the reader runs:

* **truecolor and 256 colours**: every value is a colour of the xterm 256-colour cube, so a 256-colour
  terminal (tmux's default) shows exactly it, and no two names share a palette entry (the old green and
  teal were both colour 23);
* **16 colours** (``TEXTUAL_COLOR_SYSTEM=standard``, the Linux console): Rich maps each value to a
  different one of the 16 ANSI colours;
* **readable**: mid-tone backgrounds under black text (contrast at least 6.9:1, WCAG AA asks 4.5:1), and
  the light themes' dark foreground reads on them as well; light enough to stand out on a dark theme's
  background and saturated enough to stand out on a light one's.

``tests/test_colors.py`` checks all of this by downgrading each colour the way Rich does.
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache

from reader.errors import UsageError

#: name -> hex background. Names are what users type (``--color``) and what is stored; keep their order
#: (:func:`color_for_tag` picks by position, so a tag keeps its automatic colour across versions).
COLORS: dict[str, str] = {
    "yellow": "#ffd75f",
    "green": "#87d75f",
    "blue": "#5fafff",
    "pink": "#ff87d7",
    "orange": "#d78700",
    "purple": "#8787ff",
    "teal": "#00d7af",
    "red": "#ff8787",
}
DEFAULT_COLOR = "yellow"
#: text drawn on a highlight when the theme's own foreground does not read on it
BLACK, WHITE = "#000000", "#ffffff"
#: the least contrast (WCAG ratio) highlighted text must have: AA for normal text
READABLE_CONTRAST = 4.5


def color_for_tag(tag: str) -> str:
    """A stable colour name for a tag (crc32, not hash(): the same in every process)."""
    names = list(COLORS)
    return names[zlib.crc32(tag.encode("utf-8")) % len(names)]


_HEX = re.compile(r"#[0-9a-fA-F]{6}")


def check_color(color: str) -> str:
    """A colour as stored: "" (follow the tag), a name from COLORS or #rrggbb; anything else is refused."""
    color = color.strip().lower()
    if color == "" or color in COLORS or _HEX.fullmatch(color):
        return color
    raise UsageError(f"unknown colour {color!r}: use one of {', '.join(COLORS)} or #rrggbb")


def hex_for(color: str) -> str:
    """The #rrggbb of a stored colour (a name or a hex; anything else: the default colour's)."""
    if _HEX.fullmatch(color):
        return color
    return COLORS.get(color, COLORS[DEFAULT_COLOR])


def _linear(channel: int) -> float:
    """The WCAG 2 (sRGB) linear value of an 8-bit channel."""
    value = channel / 255
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


#: the linear value of each 8-bit channel, looked up rather than computed: an article's first screen under
#: 10,000 highlights asks for the contrast of ~600 new overlap colours, each against the theme's text, black
#: and white (``reader.widgets.document_style``)
_LINEAR = tuple(map(_linear, range(256)))


def rgb_luminance(red: int, green: int, blue: int) -> float:
    """WCAG 2 relative luminance of an 8-bit RGB colour (0 black … 1 white)."""
    return 0.2126 * _LINEAR[red] + 0.7152 * _LINEAR[green] + 0.0722 * _LINEAR[blue]


@lru_cache(maxsize=4096)
def relative_luminance(hex_color: str) -> float:
    """WCAG 2 relative luminance of #rrggbb (0 black … 1 white)."""
    return rgb_luminance(int(hex_color[1:3], 16), int(hex_color[3:5], 16), int(hex_color[5:7], 16))


_BLACK_LUMINANCE, _WHITE_LUMINANCE = relative_luminance(BLACK), relative_luminance(WHITE)


def _ratio(first: float, second: float) -> float:
    """WCAG 2 contrast ratio of two relative luminances."""
    return (max(first, second) + 0.05) / (min(first, second) + 0.05)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours (1 … 21)."""
    return _ratio(relative_luminance(first), relative_luminance(second))


def text_color_on(background: str, foreground: str | None = None) -> str:
    """The colour to draw text in on the highlight `background` (both #rrggbb): the theme's `foreground`
    if it reads there (contrast at least :data:`READABLE_CONTRAST`), else black or white, whichever reads
    better. With this palette that is black on every highlight in dark themes, and the theme's own dark
    foreground in light ones."""
    return _text_color(relative_luminance(background), foreground)


def text_color_on_rgb(red: int, green: int, blue: int, foreground: str | None = None) -> str:
    """:func:`text_color_on` for a background given as 8-bit channels (no #rrggbb to format and parse)."""
    return _text_color(rgb_luminance(red, green, blue), foreground)


def _text_color(luminance: float, foreground: str | None) -> str:
    if foreground is not None and _ratio(luminance, relative_luminance(foreground)) >= READABLE_CONTRAST:
        return foreground
    return BLACK if _ratio(luminance, _BLACK_LUMINANCE) >= _ratio(luminance, _WHITE_LUMINANCE) else WHITE
