"""Snapshots of the reading aids at 60×20, 80×24 and 120×36: the reading line (pinyin) with the dictionary
popup on 曇花一現, the "code every match" review list, and the word-frequency screen.

After an intended change: `pytest tests/test_snapshots_words.py --snapshot-update`, then look at the SVGs.
Deterministic: the seeds opened through a relative path, the session's CC-CEDICT index, every worker
finished, the readings of the screen read, no toast, no blinking cursor.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from _pilot import settle, wait_until
from _words import dictionary_index, install_dictionary  # noqa: F401  (fixture)
from reader.app import ReaderApp
from reader.screens.coding import CodeMatchesScreen, HitList
from reader.screens.dictionary import DictionaryPopup
from reader.screens.frequencies import WordFrequencyScreen
from reader.screens.reading import ReadingScreen
from reader.widgets.document import DocumentView
from reader.workspace import Workspace

SIZES = [pytest.param(size, id=f"{size[0]}x{size[1]}") for size in ((60, 20), (80, 24), (120, 36))]
TRADITIONAL = "002_ced27b30dc7015ea.txt"
SIMPLIFIED = "001_8eaa32b1d9703bf4.txt"


@pytest.fixture
def app(seeds_dir: Path, db_dir: Path, dictionary_index: Path, monkeypatch: pytest.MonkeyPatch) -> ReaderApp:  # noqa: F811
    install_dictionary(dictionary_index, db_dir)
    monkeypatch.chdir(seeds_dir.parent)
    return ReaderApp(Workspace(Path(seeds_dir.name), Path(db_dir.name)))


async def still(pilot: Pilot) -> None:
    """Before the screenshot: no toasts, no blinking cursor."""
    await settle(pilot)
    pilot.app.clear_notifications()
    for text_input in pilot.app.screen.query(Input):
        text_input.cursor_blink = False
    await pilot.pause()


async def open_segmented(pilot: Pilot, article_id: str) -> tuple[ReadingScreen, DocumentView]:
    await settle(pilot)
    table = pilot.app.screen.query_one(DataTable)
    table.move_cursor(row=[row.key.value for row in table.ordered_rows].index(article_id))
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReadingScreen)
    document = screen.query_one(DocumentView)
    await wait_until(pilot, lambda: document.words is not None, "the words")
    return screen, document


@pytest.mark.parametrize("size", SIZES)
def test_reading_line_and_dictionary_popup(snap_compare, app: ReaderApp, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        screen, document = await open_segmented(pilot, TRADITIONAL)
        document.cursor = screen.article.text.index("曇花一現") + 1
        await pilot.press("r")
        rows = document.reading_rows
        assert rows is not None
        await wait_until(pilot, lambda: not rows.line.missing(*document.shown_range()), "the readings")
        await still(pilot)  # the "Reading line: pinyin" toast goes before the popup covers its screen
        await pilot.press("i")
        await wait_until(pilot, lambda: getattr(pilot.app.screen, "candidates", None) is not None, "look-up")
        assert isinstance(pilot.app.screen, DictionaryPopup)
        await still(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_code_every_match_review_list(snap_compare, app: ReaderApp, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        await open_segmented(pilot, SIMPLIFIED)
        await pilot.press("slash", *"数据", "ctrl+o", "ctrl+l")
        coding = pilot.app.screen
        assert isinstance(coding, CodeMatchesScreen)
        await wait_until(pilot, lambda: coding.plan is not None, "the hits to review")
        coding.query_one("#coding-tags", Input).focus()
        await pilot.press(*"数据")
        await wait_until(pilot, lambda: coding.already_for == ("数据",), "the hits already coded looked up")
        coding.query_one(HitList).focus()
        await pilot.press("space")  # the first hit unchecked
        await still(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_word_frequencies(snap_compare, app: ReaderApp, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("w")  # from the library: the whole corpus
        words = pilot.app.screen
        assert isinstance(words, WordFrequencyScreen)
        await wait_until(pilot, lambda: words.words and not words.counting, "the count")
        await still(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
