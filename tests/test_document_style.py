"""The document view's run styles are exactly the colours of the plain formula, however they are computed.

``highlight_style`` and ``RunStyles`` are built for speed (an article's first screen under 10,000 highlights
meets ~650 new overlap colours at opening); the reference below is the formula they replaced, written plainly
(Rich styles from "#rrggbb" strings, WCAG contrast computed afresh): the shown colours must not move.
"""

from __future__ import annotations

import random

import pytest
from rich.color import Color, ColorParseError, ColorSystem
from rich.style import Style

from reader.colors import BLACK, COLORS, READABLE_CONTRAST, WHITE, relative_luminance, text_color_on
from reader.highlights import Colours
from reader.widgets.document_style import (
    CURRENT_MATCH,
    DEFAULT_HIGHLIGHT_COLOR,
    MATCH,
    NO_MATCH,
    RunStyles,
    highlight_style,
)

#: the textual-dark and textual-light foregrounds (tests/test_colors.py), and no theme colour
FOREGROUNDS = ["#e0e0e0", "#1f1f1f", None]
#: what a highlight's colour can be: the palette's hex (as drawn), a Rich name, a coder's mark in the
#: "everyone" view ("|underline"), and what falls back to the default colour
COLOUR_CHOICES = [
    *COLORS.values(),
    *(f"{hex_}|underline" for hex_ in COLORS.values()),
    "#FF8787",
    "red",
    "blue|bold",
    "#5fafff|italic",
    "#87d75f|blink",  # not a decoration a mark uses: ignored
    "",
    "nonsense",
    "|underline",
]
DECORATIONS = {"underline", "overline", "italic", "underline2", "strike", "bold"}


def luminance_formula(hex_color: str) -> float:
    channels = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    red, green, blue = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_formula(first: str, second: str) -> float:
    high, low = sorted((luminance_formula(first), luminance_formula(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_colour_formula(background: str, foreground: str | None) -> str:
    if foreground is not None and contrast_formula(background, foreground) >= READABLE_CONTRAST:
        return foreground
    return BLACK if contrast_formula(background, BLACK) >= contrast_formula(background, WHITE) else WHITE


def rgb_formula(color: str) -> tuple[int, int, int]:
    try:
        triplet = Color.parse(color or DEFAULT_HIGHLIGHT_COLOR).get_truecolor()
    except ColorParseError:
        triplet = Color.parse(DEFAULT_HIGHLIGHT_COLOR).get_truecolor()
    return triplet.red, triplet.green, triplet.blue


def highlight_formula(colors: Colours, foreground: str | None) -> Style:
    """The average of the colours (darkened by a third where they overlap), text that reads on it."""
    decorations = {
        color.partition("|")[2]: True for color, _ in colors if color.partition("|")[2] in DECORATIONS
    }
    weighted = [(rgb_formula(color.partition("|")[0]), count) for color, count in colors]
    total = sum(count for _, count in weighted)
    shade = 0.66 if total > 1 else 1.0
    red, green, blue = (
        min(255, round(sum(rgb[channel] * count for rgb, count in weighted) / total * shade))
        for channel in range(3)
    )
    background = f"#{red:02x}{green:02x}{blue:02x}"
    return Style(color=text_colour_formula(background, foreground), bgcolor=background, **decorations)


def run_formula(styles: RunStyles, colors: Colours, selected: bool, cursor: bool, match: int) -> Style:
    style = styles.base
    if colors:
        style += highlight_formula(colors, styles.foreground)
    if selected:
        style += Style(bold=True, underline=True)
        if not colors and styles.selection.bgcolor is not None:
            style += Style(bgcolor=styles.selection.bgcolor)
    if match == MATCH:
        style += Style(bold=True, underline=True) if colors else styles.match
    elif match == CURRENT_MATCH:
        style += styles.current_match
    if cursor:
        style += styles.cursor
    return style


def random_mixes(seed: int, count: int) -> list[Colours]:
    rng = random.Random(seed)
    mixes = []
    for _ in range(count):
        chosen = rng.sample(COLOUR_CHOICES, rng.randint(1, 6))
        mixes.append(tuple(sorted((color, rng.randint(1, 8)) for color in chosen)))
    return mixes


def shown(style: Style) -> str:
    """What a truecolor terminal receives for a character in that style."""
    return style.render("字", color_system=ColorSystem.TRUECOLOR)


@pytest.mark.parametrize("foreground", FOREGROUNDS)
def test_highlight_styles_are_the_formulas_on_random_mixes(foreground: str | None) -> None:
    for colors in random_mixes(seed=len(str(foreground)), count=3000):
        expected = highlight_formula(colors, foreground)
        style = highlight_style(colors, foreground)
        assert style == expected, colors
        assert shown(style) == shown(expected), colors


@pytest.mark.parametrize(
    "base",
    [
        Style(color="#e0e0e0", bgcolor="#1e1e1e"),  # what the widget's CSS gives
        Style(color="#1f1f1f", bgcolor="#e0e0e0", italic=True),  # a base with its own text style
        Style(color="#e0e0e0", bgcolor="#1e1e1e", meta={"@click": "noop"}),
    ],
)
def test_run_styles_are_the_formulas_with_selection_matches_and_cursor(base: Style) -> None:
    assert base.color is not None
    styles = RunStyles(
        base=base,
        foreground=base.color.get_truecolor().hex,
        selection=Style(bgcolor="#0178d4"),
        match=Style(color="black", bgcolor="yellow", bold=True, underline=True),
        current_match=Style(color="white", bgcolor="#8700af"),
        cursor=Style(reverse=True),
    )
    rng = random.Random(7)
    for colors in [(), *random_mixes(seed=11, count=2000)]:
        # mostly the common case (nothing but highlights), as on a screen
        selected, cursor = rng.random() < 0.2, rng.random() < 0.1
        match = rng.choice([NO_MATCH, NO_MATCH, NO_MATCH, MATCH, CURRENT_MATCH])
        expected = run_formula(styles, colors, selected, cursor, match)
        style = styles(colors, selected, cursor, match)
        assert style == expected, (colors, selected, cursor, match)
        assert shown(style) == shown(expected)
        assert style.meta == expected.meta


def test_luminance_and_text_colour_are_the_wcag_formulas() -> None:
    rng = random.Random(3)
    greys = [f"#{v:02x}{v:02x}{v:02x}" for v in range(256)]
    others = [f"#{rng.randrange(1 << 24):06x}" for _ in range(3000)]
    for background in greys + others:
        assert relative_luminance(background) == luminance_formula(background)
        for foreground in FOREGROUNDS:
            assert text_color_on(background, foreground) == text_colour_formula(background, foreground)
