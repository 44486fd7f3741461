"""Highlight colours stay distinct and readable on every terminal and theme, and a parent tag's colour never
recolours a sub-tag that has its own.

Terminals with fewer colours get each colour *downgraded* by Rich (Textual renders through it; the system
comes from the terminal or ``TEXTUAL_COLOR_SYSTEM``): truecolor -> the xterm 256-colour palette (tmux's
default) -> the 16 ANSI colours. The checks below downgrade exactly as Rich does.
"""

from __future__ import annotations

import io
import itertools

import pytest
from rich.color import EIGHT_BIT_PALETTE, STANDARD_PALETTE, Color, ColorSystem
from rich.console import Console
from rich.style import Style

from reader.colors import (
    COLORS,
    DEFAULT_COLOR,
    READABLE_CONTRAST,
    check_color,
    color_for_tag,
    contrast_ratio,
    hex_for,
    relative_luminance,
    text_color_on,
)
from reader.workspace import Workspace

#: the foregrounds and page backgrounds of the themes the app offers (Textual's textual-dark and
#: textual-light; checked against Textual itself in test_themes_are_what_textual_ships)
DARK = {"foreground": "#e0e0e0", "background": "#121212", "surface": "#1e1e1e"}
LIGHT = {"foreground": "#1f1f1f", "background": "#e0e0e0", "surface": "#d8d8d8"}
#: page backgrounds of the other light themes and a white page: a highlight must stand out on each
OTHER_LIGHT_PAGES = ["#ffffff", "#fafafa", "#fdf6e3", "#eff1f5", "#faf4ed"]


def hex_of(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def downgraded(hex_color: str, system: ColorSystem) -> Color:
    return Color.parse(hex_color).downgrade(system)


def shown_as(hex_color: str, system: ColorSystem) -> str:
    """The colour a terminal of that system shows (Rich's palette for the 16 ANSI colours)."""
    color = downgraded(hex_color, system)
    palette = EIGHT_BIT_PALETTE if system == ColorSystem.EIGHT_BIT else STANDARD_PALETTE
    assert color.number is not None
    return hex_of(tuple(palette[color.number]))


def lab(hex_color: str) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of #rrggbb: for how far apart two colours look."""
    red, green, blue = (
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
        for c in (int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    )
    x = (0.4124 * red + 0.3576 * green + 0.1805 * blue) / 0.95047
    y = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    z = (0.0193 * red + 0.1192 * green + 0.9505 * blue) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def delta_e(first: str, second: str) -> float:
    return sum((a - b) ** 2 for a, b in zip(lab(first), lab(second), strict=True)) ** 0.5


# --- distinct on every terminal ---------------------------------------------------------------------


def test_names_stay_what_users_type_and_what_is_stored() -> None:
    assert list(COLORS) == ["yellow", "green", "blue", "pink", "orange", "purple", "teal", "red"]
    assert DEFAULT_COLOR in COLORS
    assert all(check_color(name.upper()) == name for name in COLORS)
    assert color_for_tag("来源") == color_for_tag("来源") in COLORS  # stable, whatever the hex values


@pytest.mark.parametrize("system", [ColorSystem.EIGHT_BIT, ColorSystem.STANDARD], ids=["256", "16"])
def test_every_colour_stays_distinct_when_the_terminal_has_fewer_colours(system: ColorSystem) -> None:
    numbers = {name: downgraded(hex_, system).number for name, hex_ in COLORS.items()}
    assert len(set(numbers.values())) == len(COLORS), numbers
    if system == ColorSystem.EIGHT_BIT:
        assert numbers["green"] != numbers["teal"]  # both were palette colour 23 in tmux


def test_a_256_colour_terminal_shows_exactly_the_colour() -> None:
    """Each value is an xterm cube colour: truecolor and 256-colour terminals draw the same thing."""
    for hex_ in COLORS.values():
        assert shown_as(hex_, ColorSystem.EIGHT_BIT) == hex_


@pytest.mark.parametrize("color_system", ["256", "standard"])
def test_textual_colour_systems_render_each_highlight_differently(color_system: str) -> None:
    """What TEXTUAL_COLOR_SYSTEM selects: a Rich console of that system, writing each highlight's escape."""
    console = Console(file=io.StringIO(), color_system=color_system, force_terminal=True)  # type: ignore[arg-type]
    system = console._color_system
    assert system is not None
    codes = {
        name: Style(color="#000000", bgcolor=hex_).render("x", color_system=system)
        for name, hex_ in COLORS.items()
    }
    assert len(set(codes.values())) == len(COLORS), codes


def test_colours_look_apart_from_each_other() -> None:
    closest = min(delta_e(a, b) for a, b in itertools.combinations(COLORS.values(), 2))
    assert closest >= 25


# --- readable in dark and light themes -----------------------------------------------------------------


@pytest.mark.parametrize("theme", [DARK, LIGHT], ids=["dark", "light"])
def test_highlighted_text_reads_in_dark_and_light_themes(theme: dict[str, str]) -> None:
    for name, hex_ in COLORS.items():
        text = text_color_on(hex_, theme["foreground"])
        assert contrast_ratio(hex_, text) >= READABLE_CONTRAST, (name, text)
    # in the light theme the theme's own foreground is kept; in the dark one black replaces it
    if theme is LIGHT:
        assert {text_color_on(hex_, LIGHT["foreground"]) for hex_ in COLORS.values()} == {LIGHT["foreground"]}
    else:
        assert {text_color_on(hex_, DARK["foreground"]) for hex_ in COLORS.values()} == {"#000000"}


@pytest.mark.parametrize("system", [ColorSystem.EIGHT_BIT, ColorSystem.STANDARD], ids=["256", "16"])
def test_black_text_still_reads_after_the_downgrade(system: ColorSystem) -> None:
    """On 16 colours the real shades are the terminal's own: Rich's VGA palette stands in, with WCAG's
    large-text floor (3:1)."""
    floor = READABLE_CONTRAST if system == ColorSystem.EIGHT_BIT else 3.0
    black = shown_as("#000000", system)
    for name, hex_ in COLORS.items():
        assert contrast_ratio(shown_as(hex_, system), black) >= floor, name


@pytest.mark.parametrize(
    "page", [DARK["background"], DARK["surface"], LIGHT["background"], LIGHT["surface"], *OTHER_LIGHT_PAGES]
)
def test_a_highlight_stands_out_on_the_page(page: str) -> None:
    for name, hex_ in COLORS.items():
        assert delta_e(hex_, page) >= 40, (name, page)


def test_themes_are_what_textual_ships() -> None:
    from textual.theme import BUILTIN_THEMES

    for name, expected in (("textual-dark", DARK), ("textual-light", LIGHT)):
        generated = BUILTIN_THEMES[name].to_color_system().generate()
        for key, value in expected.items():
            assert generated[key].lower() == value, (name, key)


def test_text_color_on_picks_the_better_of_black_and_white() -> None:
    assert text_color_on("#101010") == "#ffffff" and text_color_on("#f0f0f0") == "#000000"
    assert text_color_on("#101010", "#e0e0e0") == "#e0e0e0"  # the theme's foreground when it reads
    assert round(contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    assert relative_luminance("#ffffff") == 1.0 and hex_for("nonsense") == COLORS[DEFAULT_COLOR]


# --- a parent's colour and its sub-tags ---------------------------------------------------------------


def test_setting_a_parent_colour_keeps_a_sub_tag_that_has_its_own(workspace: Workspace) -> None:
    """The codebook prefers a tag's own colour (``Codebook.color_of``); the passages, their export and the
    codebook list all follow it, whatever the parent is set to afterwards."""
    article = workspace.load("001_8eaa32b1d9703bf4.txt")
    economy = workspace.annotate(article, 0, 5, tags=["框架/经济"])
    social = workspace.annotate(article, 10, 15, tags=["框架/社会"])
    codebook = workspace.codebook
    codebook.set_color("框架/经济", "red")
    codebook.set_color("框架", "green")
    codebook.set_color("框架", "teal")
    assert codebook.color_of("框架/经济") == "red"
    assert workspace.color_for(economy) == COLORS["red"]
    assert codebook.color_of("框架/社会") == "teal"  # without a colour of its own it follows its parent
    assert workspace.color_for(social) == COLORS["teal"]
    shown = {info.name: info.color for info in codebook.tags()}
    assert shown["框架/经济"] == "red" and shown["框架"] == "teal"
    # and the two stay apart where the reader runs: in tmux (256 colours) and on 16 colours
    for system in (ColorSystem.EIGHT_BIT, ColorSystem.STANDARD):
        assert downgraded(COLORS["red"], system).number != downgraded(COLORS["teal"], system).number
        assert downgraded(COLORS["green"], system).number != downgraded(COLORS["teal"], system).number
