"""Pilot tests of the panel, the reading position and an article with thousands of annotations, in the whole
app (reader.app.ReaderApp), one user flow per test. Reading and annotating: test_app_reading.py.

Each test runs the real app on a temporary copy of the seeds (fixtures in conftest.py) at 120×36.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from rich.color import Color
from textual.pilot import Pilot
from textual.widgets import Static

from _app import (
    ARTICLE,
    LATER,
    LONG_ARTICLE,
    PASSAGE,
    SIZE,
    cell_styles,
    cycle_view,
    document,
    header,
    make_app,
    open_article,
    painted,
    panel_lines,
    show_view,
    type_text,
)
from _pilot import record_notifications, settle
from reader.app import ReaderApp
from reader.convert import VIEW_LABELS
from reader.errors import StoreError
from reader.screens.library import LibraryScreen
from reader.screens.reading import ReadingScreen
from reader.store import Annotation, make_annotation
from reader.widgets.panel import AnnotationList, AnnotationPanel
from reader.workspace import Workspace


@pytest.fixture
def app(seeds_dir: Path, db_dir: Path) -> ReaderApp:
    return make_app(seeds_dir, db_dir)


# -- 6. the panel ------------------------------------------------------------------------------------------


@pytest.fixture
def three_annotations(workspace: Workspace) -> tuple[Annotation, Annotation, Annotation]:
    """(first, passage, later) in document order, made out of it."""
    article = workspace.load(ARTICLE)
    later = workspace.annotate(article, LATER[0], LATER[0] + 6, tags=["平台", "Meta"], note="X-style notes")
    passage = workspace.annotate(article, *PASSAGE, tags=["難民"], note="")
    first = workspace.annotate(article, 0, 8, tags=["标题"], note="headline")
    return first, passage, later


async def open_panel(pilot: Pilot) -> tuple[ReadingScreen, AnnotationPanel]:
    """Open ARTICLE in the Taiwan view and press `p`."""
    screen = await open_article(pilot)
    await show_view(pilot, screen, "taiwan")
    panel = screen.query_one(AnnotationPanel)
    assert not panel.display
    await pilot.press("p")
    await pilot.pause()
    assert panel.display
    return screen, panel


async def test_panel_lists_the_annotations_in_document_order_in_the_current_view(
    workspace: Workspace, three_annotations
) -> None:
    first, passage, later = three_annotations
    app = ReaderApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen, panel = await open_panel(pilot)
        entries = panel.query_one(AnnotationList)
        assert entries.has_focus
        assert panel.shown_ids == [first.id, passage.id, later.id]
        assert "Annotations (3)" in str(panel.query_one("#panel-title", Static).render())
        shown = "\n".join(panel_lines(entries))
        assert "#標題" not in shown and "#标题" in shown  # tags are shown as typed
        assert "改以類X平台" in shown  # the passage in the current (Taiwan) view: Taiwanese as written
        assert "X-style notes" in shown

        # `p` hides the panel again and gives the keys back to the text
        await pilot.press("p")
        await pilot.pause()
        assert not panel.display
        assert document(screen).has_focus


async def test_panel_filters_by_tag(workspace: Workspace, three_annotations) -> None:
    _, _, later = three_annotations
    app = ReaderApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        _, panel = await open_panel(pilot)
        await pilot.click("#panel-filter")
        await type_text(pilot, "平台")
        await pilot.pause()
        assert panel.shown_ids == [later.id]
        assert "Annotations (1 of 3)" in str(panel.query_one("#panel-title", Static).render())
        await pilot.press("backspace", "backspace")
        await pilot.pause()
        assert len(panel.shown_ids) == 3
        await pilot.press("tab")
        assert panel.query_one(AnnotationList).has_focus


async def test_enter_in_the_panel_jumps_to_the_annotation_and_selects_it(
    workspace: Workspace, three_annotations
) -> None:
    _, _, later = three_annotations
    app = ReaderApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await open_panel(pilot)
        doc = document(screen)
        assert screen.view_text is not None
        # choose one: the cursor goes to its start (view offsets) and the passage is selected
        await pilot.press("home", "down", "down", "enter")
        await pilot.pause()
        start, end = screen.view_text.offsets.range_to_view(later.start, later.end)
        assert (start, end) == (LATER[0], LATER[0] + 6)  # the Taiwan view of a Taiwanese article: +0
        assert doc.cursor == start
        assert doc.selection == (start, end)
        assert doc.selected_text == "改以類X平台"
        assert doc.has_focus
        layout = doc.text_layout
        assert layout is not None
        assert 0 <= layout.line_of_offset(start) - round(doc.scroll_y) < doc.scrollable_content_region.height


async def test_n_and_shift_n_step_through_the_highlights(workspace: Workspace, three_annotations) -> None:
    first, passage, later = three_annotations
    app = ReaderApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        await show_view(pilot, screen, "taiwan")
        doc = document(screen)
        assert screen.view_text is not None
        offsets = screen.view_text.offsets
        # `n` / `N` step through the highlights in document order
        await pilot.press("g", "n")
        assert doc.cursor == offsets.to_view(passage.start)
        await pilot.press("n")
        assert doc.cursor == offsets.to_view(later.start)
        await pilot.press("N", "N")
        assert doc.cursor == offsets.to_view(first.start)


# -- 7. the reading position survives a restart ------------------------------------------------------------


async def reopen_long_article(seeds_dir: Path, db_dir: Path) -> tuple[int, str] | None:
    """A new app on a new Workspace, the same folders: open LONG_ARTICLE and say where it opened."""
    app = make_app(seeds_dir, db_dir)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, LONG_ARTICLE)
        doc = document(screen)
        assert screen.view_text is not None
        layout = doc.text_layout
        assert layout is not None
        row = layout.line_of_offset(doc.cursor) - round(doc.scroll_y)
        assert 0 <= row < doc.scrollable_content_region.height  # the cursor is on screen
        assert VIEW_LABELS[screen.view_name] in header(screen)
        return screen.current_position()


async def test_position_and_view_are_remembered_after_going_back(seeds_dir: Path, db_dir: Path) -> None:
    app = make_app(seeds_dir, db_dir)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, LONG_ARTICLE)
        await show_view(pilot, screen, "taiwan")
        await pilot.press(*["pagedown"] * 4)
        position = screen.current_position()
        assert position is not None
        assert position[1] == "taiwan"
        assert position[0] > 1000
        await pilot.press("escape")  # back to the library
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)

    assert await reopen_long_article(seeds_dir, db_dir) == position


async def test_position_is_remembered_after_quitting_from_the_article(seeds_dir: Path, db_dir: Path) -> None:
    app = make_app(seeds_dir, db_dir)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, LONG_ARTICLE)
        await pilot.press("s", "s", "s", "s", "pagedown", "pagedown")
        await settle(pilot)
        assert screen.view_name == "hongkong"
        position = screen.current_position()
        assert position is not None and position[0] > 0
        await pilot.press("ctrl+q")
        await pilot.pause()

    assert await reopen_long_article(seeds_dir, db_dir) == position


# -- 12. many annotations, and work kept off the UI thread ------------------------------------------------

MANY = 3_000
MANY_TAGS = ("来源", "匿名", "平台")


@pytest.fixture
def crowded(workspace: Workspace) -> list[Annotation]:
    """LONG_ARTICLE with MANY short annotations (three tags), stored in one save."""
    article = workspace.load(LONG_ARTICLE)
    size = len(article.text)
    made = [
        make_annotation(
            article, (i * 7) % (size - 20), (i * 7) % (size - 20) + 3 + i % 9, tags=[MANY_TAGS[i % 3]]
        )
        for i in range(MANY)
    ]
    return workspace.store.put_many(LONG_ARTICLE, made)


async def test_many_annotations_cost_one_colour_look_up_per_tag_not_per_annotation(
    workspace: Workspace, crowded: list[Annotation]
) -> None:
    """Each colour look-up reads the codebook's signature (a stat): it used to happen for every annotation
    at every view switch, and for every one again for the hidden panel."""
    looked_up: list[str] = []
    display_color = workspace.display_color

    def counting(color, tags):
        looked_up.append(tags[0] if tags else "")
        return display_color(color, tags)

    workspace.display_color = counting  # type: ignore[method-assign]
    app = ReaderApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, LONG_ARTICLE)
        await cycle_view(pilot, screen)
        await pilot.press("p")
        await pilot.pause()
        panel = screen.query_one(AnnotationPanel)
        assert len(panel.shown_ids) == MANY
        assert f"Annotations ({MANY})" in str(panel.query_one("#panel-title", Static).render())
        assert len(looked_up) <= len(MANY_TAGS)
        # and what is on screen is drawn: every highlighted cell in its tag's colour
        doc = document(screen)
        assert screen.view_text is not None
        styles = cell_styles(doc)
        colours = {tag: Color.parse(display_color("", (tag,))) for tag in MANY_TAGS}
        shown = [a for a in crowded if a.end <= max(styles)]
        assert shown
        for annotation in shown:
            start, end = screen.view_text.offsets.range_to_view(annotation.start, annotation.end)
            for offset in range(start, end):
                if offset in styles:  # (a line's end is not a cell)
                    assert styles[offset].bgcolor is not None  # highlighted (alone or overlapping)
        alone = next(a for a in shown if all(b is a or b.end <= a.start or b.start >= a.end for b in crowded))
        start, _ = screen.view_text.offsets.range_to_view(alone.start, alone.end)
        assert painted(styles[start], colours[alone.tags[0]])


async def test_the_reading_position_is_written_off_the_ui_thread(app: ReaderApp) -> None:
    written: list[tuple[str, int, str, str]] = []
    remember = app.workspace.remember_position

    def recording(article_id: str, position: int, view: str) -> None:
        written.append((article_id, position, view, threading.current_thread().name))
        remember(article_id, position, view)

    app.workspace.remember_position = recording  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, LONG_ARTICLE)
        await pilot.press("pagedown", "pagedown")
        position = screen.current_position()
        await pilot.press("escape")
        await settle(pilot)
    assert written and written[-1][:3] == (LONG_ARTICLE, *position)
    assert all(thread != threading.main_thread().name for *_, thread in written)


async def test_a_position_that_cannot_be_written_goes_to_the_log_quietly(
    app: ReaderApp, caplog: pytest.LogCaptureFixture
) -> None:
    def failing(article_id: str, position: int, view: str) -> None:
        raise StoreError(f"{article_id}: the disk is full")

    app.workspace.remember_position = failing  # type: ignore[method-assign]
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, LONG_ARTICLE)
        await pilot.press("pagedown")
        screen.save_position()
        await pilot.press("escape")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, LibraryScreen)
    assert "the disk is full" in caplog.text
    assert not [note for note in notes if "disk" in note[0]]
