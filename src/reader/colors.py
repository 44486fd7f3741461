"""Highlight colours: named, readable on dark and light terminals, stable per tag."""

from __future__ import annotations

import re
import zlib

from reader.errors import UsageError

#: name -> hex background. Names are what users type (``--color``) and what is stored.
COLORS: dict[str, str] = {
    "yellow": "#8a7a1a",
    "green": "#2e6b34",
    "blue": "#2a4f8a",
    "pink": "#8a2f63",
    "orange": "#8f5118",
    "purple": "#5b3a8a",
    "teal": "#1f6f6f",
    "red": "#8a2a2a",
}
DEFAULT_COLOR = "yellow"


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
    if _HEX.fullmatch(color):
        return color
    return COLORS.get(color, COLORS[DEFAULT_COLOR])
