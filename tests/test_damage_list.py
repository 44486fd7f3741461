"""The side panel's "Damage" section: listed once mounted, and never an error when the damage found in a
worker arrives as its screen is closed (CI once saw the app stop there: Escape right after opening)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import Vertical

from reader.damage import Damage
from reader.widgets.damage_list import DamageSection

TEXT = "第一段文字。\n\n第二段?文字。"
SPOTS = (
    Damage(kind="lost", start=9, end=10, repair=None, note="a character was lost here"),
    Damage(kind="lost", start=11, end=12, repair="字", note="a character was lost here"),
)


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield Vertical(id="panel")


async def test_a_section_made_with_its_spots_lists_them_once_mounted() -> None:
    async with Host().run_test() as pilot:
        section = DamageSection(SPOTS, TEXT, id="panel-damage")
        await pilot.app.query_one("#panel").mount(section)
        await pilot.pause()
        assert len(section.rows) == 2
        assert section.display


async def test_damage_that_arrives_after_its_section_is_gone_is_no_error() -> None:
    """Before: ``show`` asked for the list that had gone with the section (NoMatches: the app stopped)."""
    async with Host().run_test() as pilot:
        section = DamageSection(id="panel-damage")
        await pilot.app.query_one("#panel").mount(section)
        await pilot.pause()
        await section.remove()
        section.show(SPOTS, TEXT)  # as the worker's result would, once the screen is closed
        await pilot.pause()
        assert not section.is_attached


async def test_damage_shown_before_the_section_is_mounted_is_listed_when_it_is() -> None:
    async with Host().run_test() as pilot:
        section = DamageSection(id="panel-damage")
        section.show(SPOTS, TEXT)  # not on a screen yet: kept
        await pilot.app.query_one("#panel").mount(section)
        await pilot.pause()
        assert len(section.rows) == 2
