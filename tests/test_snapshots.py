"""Snapshot tests (pytest-textual-snapshot): every screen at 60×20, 80×24 and 120×36, compared with
tests/__snapshots__/. Down to 60×20 every control is on screen and nothing is cut without an ellipsis.

After an intended UI change: `pytest tests/test_snapshots.py --snapshot-update`, then look at the SVGs (and
their diff: `git diff --stat tests/__snapshots__` names the ones that changed).

Deterministic by construction: a fixed terminal size; a temporary copy of the seeds opened through a
*relative* path (`articles`, after chdir into the test's temporary folder), so no header shows a
machine-specific path; annotations made through the Workspace before the app starts (their colours are
their tags', stable); the export's default file name fixed; every worker finished and every notification
cleared before the screenshot; no blinking text cursor. Nothing shown depends on the clock.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, TextArea

from _pilot import settle, wait_until
from _seeded import LATER, PASSAGE, SIMPLIFIED, TRADITIONAL, cursor_on
from reader.app import ReaderApp
from reader.screens import export as export_screen
from reader.screens.annotate import AnnotateDialog
from reader.screens.export import ExportDialog
from reader.screens.help import HelpScreen
from reader.screens.library import LibraryScreen
from reader.screens.passages import PassagesScreen
from reader.screens.reading import ReadingScreen
from reader.screens.search import CorpusSearchScreen
from reader.screens.tags import TagsScreen
from reader.widgets.document import DocumentView
from reader.workspace import Workspace

SIZES = {"60x20": (60, 20), "80x24": (80, 24), "120x36": (120, 36)}
Step = Callable[[Pilot], Awaitable[None]]


@pytest.fixture(params=list(SIZES))
def size(request: pytest.FixtureRequest) -> tuple[int, int]:
    return SIZES[request.param]


@pytest.fixture
def app(seeds_dir: Path, db_dir: Path, monkeypatch: pytest.MonkeyPatch) -> ReaderApp:
    """The app on the seeds with four annotations in two articles (tags in a tree, notes, a long note)."""
    monkeypatch.chdir(seeds_dir.parent)
    monkeypatch.setattr(export_screen, "default_export_name", lambda fmt: f"reader-export.{fmt}")
    workspace = Workspace(Path(seeds_dir.name), Path(db_dir.name))
    traditional, simplified = workspace.load(TRADITIONAL), workspace.load(SIMPLIFIED)
    note = "70萬 new users in two days, says an unnamed source; the figure is not confirmed elsewhere."
    workspace.annotate(traditional, *PASSAGE, tags=["難民", "平台/小红书"], note=note)
    workspace.annotate(traditional, *LATER, tags=["来源"], note="Sensor Tower")
    workspace.annotate(simplified, 10, 20, tags=["難民"])
    workspace.annotate(simplified, 40, 52, tags=["難民", "来源"], note="两个标签")
    return ReaderApp(workspace)


async def still(pilot: Pilot) -> None:
    """Before the screenshot: no toasts, no blinking cursor."""
    await settle(pilot)
    pilot.app.clear_notifications()
    for text_input in pilot.app.screen.query(Input):
        text_input.cursor_blink = False
    for area in pilot.app.screen.query(TextArea):
        area.cursor_blink = False
    await pilot.pause()


async def screen_is(pilot: Pilot, kind: type) -> None:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, kind), kind.__name__)
    await settle(pilot)


async def open_article(pilot: Pilot, article_id: str = TRADITIONAL) -> ReadingScreen:
    await settle(pilot)
    library = pilot.app.screen
    assert isinstance(library, LibraryScreen)
    table = library.query_one(DataTable)
    table.move_cursor(row=[row.key.value for row in table.ordered_rows].index(article_id))
    await pilot.press("enter")
    await screen_is(pilot, ReadingScreen)
    screen = pilot.app.screen
    assert isinstance(screen, ReadingScreen)
    return screen


async def at_passage(pilot: Pilot) -> ReadingScreen:
    screen = await open_article(pilot)
    screen.query_one(DocumentView).cursor = PASSAGE[0]
    await pilot.pause()
    return screen


async def library(pilot: Pilot) -> None:
    await settle(pilot)
    assert isinstance(pilot.app.screen, LibraryScreen)


async def reading_with_panel(pilot: Pilot) -> None:
    await at_passage(pilot)
    await pilot.press("p")


async def annotate_dialog(pilot: Pilot) -> None:
    await at_passage(pilot)
    await pilot.press("v", "v", "a")  # two sentences: on a short screen the quote is cut with …
    await screen_is(pilot, AnnotateDialog)
    dialog = pilot.app.screen
    dialog.query_one("#annotate-tags", Input).value = "難民, 抖音"
    dialog.query_one("#annotate-note", TextArea).load_text("unnamed source\nsecond line of the note")


async def edit_dialog(pilot: Pilot) -> None:
    await at_passage(pilot)
    await pilot.press("e")
    await screen_is(pilot, AnnotateDialog)


async def codebook(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("ctrl+t")
    await screen_is(pilot, TagsScreen)


async def passages(pilot: Pilot) -> None:
    await codebook(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, TagsScreen)
    await cursor_on(pilot, screen, "難民")
    await pilot.press("enter")
    await screen_is(pilot, PassagesScreen)


async def overview(pilot: Pilot) -> None:
    await passages(pilot)
    await pilot.press("o")


async def corpus_search(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("ctrl+f")
    await screen_is(pilot, CorpusSearchScreen)
    await pilot.press(*"字节跳动")


async def export_dialog(pilot: Pilot) -> None:
    await open_article(pilot)
    await pilot.press("x")
    await screen_is(pilot, ExportDialog)


async def help_screen(pilot: Pilot) -> None:
    await open_article(pilot)
    await pilot.press("question_mark")
    await screen_is(pilot, HelpScreen)


async def settings(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("f2")
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "SettingsDialog", "the settings")


def check(snap_compare, app: ReaderApp, size: tuple[int, int], step: Step) -> None:
    async def run_before(pilot: Pilot) -> None:
        await step(pilot)
        await still(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_library(snap_compare, app: ReaderApp, size: tuple[int, int]) -> None:
    """The seeds with script, length, reading time, notes; the sorted column's ▲; the folder in the header."""
    check(snap_compare, app, size, library)


def test_reading_with_panel(snap_compare, app: ReaderApp, size: tuple[int, int]) -> None:
    """Highlights (tag colours) and the panel: passages, tags, a note wrapped under its indent; the header
    keeps view, position and count and cuts the title."""
    check(snap_compare, app, size, reading_with_panel)


def test_annotate_dialog(snap_compare, app: ReaderApp, size: tuple[int, int]) -> None:
    """The quoted sentence (cut with … when short of room), tags, a two-line note, colour, Save/Cancel."""
    check(snap_compare, app, size, annotate_dialog)


def test_edit_dialog(snap_compare, app: ReaderApp, size: tuple[int, int]) -> None:
    check(snap_compare, app, size, edit_dialog)


def test_codebook(snap_compare, app: ReaderApp, size: tuple[int, int]) -> None:
    check(snap_compare, app, size, codebook)


def test_passages(snap_compare, app: ReaderApp, size: tuple[int, int]) -> None:
    check(snap_compare, app, size, passages)


def test_overview(snap_compare, app: ReaderApp, size: tuple[int, int]) -> None:
    check(snap_compare, app, size, overview)


def test_corpus_search(snap_compare, app: ReaderApp, size: tuple[int, int]) -> None:
    check(snap_compare, app, size, corpus_search)


def test_export_dialog(snap_compare, app: ReaderApp, size: tuple[int, int]) -> None:
    check(snap_compare, app, size, export_dialog)


def test_help_screen(snap_compare, app: ReaderApp, size: tuple[int, int]) -> None:
    """`?` over an article: the keys of the reading screen, descriptions wrapped."""
    check(snap_compare, app, size, help_screen)


def test_settings(snap_compare, app: ReaderApp, size: tuple[int, int]) -> None:
    check(snap_compare, app, size, settings)
