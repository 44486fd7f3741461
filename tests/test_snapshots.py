"""Snapshot tests (pytest-textual-snapshot): the main screens at 120×36, compared with tests/__snapshots__/.

After an intended UI change: `pytest tests/test_snapshots.py --snapshot-update`, then look at the SVGs.

Deterministic by construction: a fixed terminal size; a temporary copy of the seeds opened through a
*relative* path (`articles`, after chdir into the test's temporary folder), so the library header does not
show a machine-specific path; every worker finished and every notification cleared before the screenshot;
no blinking text cursor. Nothing shown depends on the clock (timestamps are never on screen).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, TextArea

from _pilot import settle
from reader.app import ReaderApp
from reader.screens.annotate import AnnotateDialog
from reader.screens.help import HelpScreen
from reader.screens.library import LibraryScreen
from reader.screens.reading import ReadingScreen
from reader.widgets.document import DocumentView
from reader.workspace import Workspace

SIZE = (120, 36)
ARTICLE = "002_ced27b30dc7015ea.txt"
PASSAGE_START = 251  # a one-sentence paragraph (see test_app.py)

Step = Callable[[Pilot], Awaitable[None]]


@pytest.fixture
def app(seeds_dir: Path, db_dir: Path, monkeypatch: pytest.MonkeyPatch) -> ReaderApp:
    monkeypatch.chdir(seeds_dir.parent)
    return ReaderApp(Workspace(Path(seeds_dir.name), Path(db_dir.name)))


async def still(pilot: Pilot) -> None:
    """Before the screenshot: no toasts, no blinking cursor."""
    await settle(pilot)
    pilot.app.clear_notifications()
    for text_input in pilot.app.screen.query(Input):
        text_input.cursor_blink = False
    await pilot.pause()


async def open_article(pilot: Pilot) -> ReadingScreen:
    await settle(pilot)
    library = pilot.app.screen
    assert isinstance(library, LibraryScreen)
    table = library.query_one(DataTable)
    table.move_cursor(row=[row.key.value for row in table.ordered_rows].index(ARTICLE))
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReadingScreen)
    return screen


async def select_passage(pilot: Pilot) -> ReadingScreen:
    screen = await open_article(pilot)
    screen.query_one(DocumentView).cursor = PASSAGE_START
    await pilot.press("v")
    return screen


def run(*steps: Step) -> Step:
    async def run_before(pilot: Pilot) -> None:
        for step in steps:
            await step(pilot)
        await still(pilot)

    return run_before


def test_library(snap_compare, app: ReaderApp) -> None:
    """The five seeds with script, length, reading time; the header names the folder."""

    async def check(pilot: Pilot) -> None:
        assert isinstance(pilot.app.screen, LibraryScreen)
        assert pilot.app.screen.query_one(DataTable).row_count == 5

    assert snap_compare(app, terminal_size=SIZE, run_before=run(settle, check))


def test_reading_with_highlight_and_panel(snap_compare, app: ReaderApp) -> None:
    """A highlighted sentence (tags 難民, 平台) and the annotation panel listing it."""

    async def highlight(pilot: Pilot) -> None:
        await select_passage(pilot)
        await pilot.press("a")
        await pilot.pause()
        dialog = pilot.app.screen
        assert isinstance(dialog, AnnotateDialog)
        dialog.query_one("#annotate-tags", Input).value = "難民, 平台"
        dialog.query_one("#annotate-note", TextArea).load_text("70萬 new users in two days")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("p")

    assert snap_compare(app, terminal_size=SIZE, run_before=run(highlight))


def test_annotate_dialog(snap_compare, app: ReaderApp) -> None:
    """The dialog over the selected sentence, tags and a note typed in."""

    async def fill(pilot: Pilot) -> None:
        await select_passage(pilot)
        await pilot.press("a")
        await pilot.pause()
        dialog = pilot.app.screen
        assert isinstance(dialog, AnnotateDialog)
        dialog.query_one("#annotate-tags", Input).value = "難民, 平台"
        dialog.query_one("#annotate-note", TextArea).load_text("unnamed source")

    assert snap_compare(app, terminal_size=SIZE, run_before=run(fill))


def test_help_screen(snap_compare, app: ReaderApp) -> None:
    """`?` over an article: the keys of the reading screen."""

    async def help_(pilot: Pilot) -> None:
        await open_article(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)

    assert snap_compare(app, terminal_size=SIZE, run_before=run(help_))
