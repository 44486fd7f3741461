"""Pilot tests of reading and annotating in the whole app (reader.app.ReaderApp), one user flow per test:
cursor and selection, highlights in every view, edit / delete / undo. The library and the rest: test_app.py;
the panel, the reading position and many annotations: test_app_panel.py.

Each test runs the real app on a temporary copy of the seeds (fixtures in conftest.py) at 120×36.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Static, TextArea

from _app import (
    ARTICLE,
    LATER,
    PASSAGE,
    SIZE,
    X_PLATFORM,
    annotate_selection,
    cell_styles,
    colour_of,
    cycle_view,
    document,
    go_to_passage,
    header,
    highlight_passage,
    highlighted_texts,
    make_app,
    open_article,
    painted,
    show_view,
    type_text,
)
from _pilot import record_notifications, settle
from reader.app import ReaderApp
from reader.convert import VIEW_LABELS, VIEWS
from reader.screens.annotate import AnnotateDialog
from reader.screens.reading import ReadingScreen


@pytest.fixture
def app(seeds_dir: Path, db_dir: Path) -> ReaderApp:
    return make_app(seeds_dir, db_dir)


# -- 2. reading and annotating ------------------------------------------------------------------------------


async def test_cursor_keys_move_by_character_line_and_page(app: ReaderApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        doc = document(screen)
        layout = doc.text_layout
        assert layout is not None
        assert doc.cursor == 0
        assert "原文" in header(screen)
        assert "0 annotations" in header(screen)

        await pilot.press("z")  # the page parts shown (the byline under the title is folded): all is text
        # display line 1 is the blank line after the first paragraph (the title)
        await pilot.press("j", "j")
        assert doc.cursor == layout.starts[2]
        await pilot.press("l")
        assert doc.cursor == layout.starts[2] + 1
        await pilot.press("k", "k")  # back up, in the same column: 「 is two cells wide
        assert doc.cursor == 1
        await pilot.press("pagedown")
        assert layout.line_of_offset(doc.cursor) > doc.scrollable_content_region.height - 5
        assert doc.scroll_y > 0
        await pilot.press("g")
        assert doc.cursor == 0
        assert doc.scroll_y == 0


async def test_shift_right_selects_and_escape_clears_the_selection_only(app: ReaderApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        doc = document(screen)
        assert screen.article is not None
        # shift+right ×3 selects three characters; escape drops the selection but stays in the article
        await pilot.press(*["shift+right"] * 3)
        assert doc.selection == (0, 3)
        assert doc.selected_text == screen.article.text[:3] == "「Ti"
        assert "3 selected" in header(screen)
        await pilot.press("escape")
        assert doc.selection is None
        assert isinstance(app.screen, ReadingScreen)


async def test_the_header_position_follows_each_page_down(app: ReaderApp) -> None:
    # the header says how far into the body the cursor is; paging moves it on, and the header with it
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        doc = document(screen)
        assert "  ·  0%  ·  " in header(screen)
        shown = []
        while doc.scroll_y < doc.max_scroll_y:
            await pilot.press("pagedown")
            percent = int(header(screen).split("  ·  ")[2].rstrip("%"))
            assert f"{percent}%" == screen.position_label(doc.cursor)
            shown.append(percent)
        assert len(shown) >= 2 and shown == sorted(set(shown)), shown  # on at each page, never stuck
        await pilot.press("g")
        assert "  ·  0%  ·  " in header(screen)


async def test_v_selects_the_sentence_and_a_tags_and_saves_it(app: ReaderApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        doc = document(screen)
        assert screen.article is not None
        # `v` selects the sentence under the cursor
        await go_to_passage(pilot, screen)
        await pilot.press("v")
        assert doc.selection == PASSAGE
        quote = screen.article.text[slice(*PASSAGE)]
        assert doc.selected_text == quote

        # `a`: the dialog shows the passage; two tags, a note of two lines (Enter: a new line); ctrl+s saves
        await pilot.press("a")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AnnotateDialog)
        assert str(dialog.query_one("#annotate-quote", Static).render()).replace("\n", "") == quote  # wrapped
        assert dialog.query_one("#annotate-tags", Input).has_focus
        await type_text(pilot, "難民, 平台")
        await pilot.press("tab")
        await type_text(pilot, "匿名 source")
        await pilot.press("enter")
        await type_text(pilot, "第二行")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ReadingScreen)

        (saved,) = app.workspace.store.for_article(ARTICLE)
        assert (saved.start, saved.end) == PASSAGE
        assert saved.quote == quote
        assert saved.tags == ("難民", "平台")
        assert saved.note == "匿名 source\n第二行"
        assert saved.view == "original"
        assert "1 annotation" in header(screen)
        assert doc.selection is None


async def test_a_saved_highlight_is_drawn_over_exactly_its_passage(app: ReaderApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        doc = document(screen)
        saved = await highlight_passage(pilot, screen)
        # visible: the highlight is drawn over exactly the passage, in the tag's colour
        assert [(h.start, h.end, h.key) for h in doc.highlights] == [(*PASSAGE, saved.id)]
        styles = cell_styles(doc)
        colour = colour_of(screen.workspace, saved)
        assert all(painted(styles[offset], colour) for offset in range(*PASSAGE))
        outside = [offset for offset in (PASSAGE[0] - 2, PASSAGE[0] - 1, PASSAGE[1] + 2) if offset in styles]
        assert outside
        assert not any(painted(styles[offset], colour) for offset in outside)


# -- 3. the highlight in all five views ------------------------------------------------------------------


async def test_highlight_shows_exactly_in_every_view(app: ReaderApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        annotation = await highlight_passage(pilot, screen)
        doc = document(screen)
        converter = app.workspace.converter
        seen = {}
        for step in range(len(VIEWS)):
            if step:
                await cycle_view(pilot, screen)
            view = screen.view_name
            assert f"·  {VIEW_LABELS[view]}  ·" in header(screen)
            expected = converter.convert(annotation.quote, view, source="auto")  # a Traditional quote
            assert highlighted_texts(doc) == [expected]
            (highlight,) = doc.highlights
            assert screen.view_text is not None
            assert (highlight.start, highlight.end) == screen.view_text.offsets.range_to_view(*PASSAGE)
            # and it is what is drawn: scroll it into view, then every cell of it carries the colour
            doc.move_cursor(highlight.start)
            await pilot.pause()
            styles = cell_styles(doc)
            assert all(
                painted(styles[o], colour_of(screen.workspace, annotation))
                for o in range(highlight.start, highlight.end)
            )
            seen[view] = (expected, highlight.start, highlight.end)
        assert list(seen) == list(VIEWS)
        assert seen["simplified"][0] == "一名接近该公司人士透露,光是这两天,小红书就吸引超过70万名新用户。"
        assert seen["taiwan"][0].endswith("新用戶。")  # Taiwanese already: the Taiwan view is the original
        assert seen["taiwan"][1:] == PASSAGE
        await cycle_view(pilot, screen)
        assert screen.view_name == "original"


async def test_a_highlight_made_in_a_converted_view_is_stored_against_the_original(app: ReaderApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        annotation = await highlight_passage(pilot, screen)
        doc = document(screen)
        converter = app.workspace.converter
        assert screen.article is not None
        await show_view(pilot, screen, "taiwan")
        assert screen.view_text is not None
        doc.cursor = screen.view_text.offsets.to_view(LATER[0])
        await pilot.press("v")
        assert doc.selected_text == converter.convert(
            screen.article.text[slice(*LATER)], "taiwan", source="auto"
        )
        await annotate_selection(pilot, "平台", "")
        (later,) = [a for a in app.workspace.store.for_article(ARTICLE) if a.id != annotation.id]
        assert (later.start, later.end) == LATER
        assert later.view == "taiwan"
        assert later.quote == screen.article.text[slice(*LATER)]
        assert highlighted_texts(doc) == [
            converter.convert(annotation.quote, "taiwan", source="auto"),
            converter.convert(later.quote, "taiwan", source="auto"),
        ]


# -- 4. cursor and selection follow a view switch -------------------------------------------------------


async def test_the_selection_follows_every_view_switch(app: ReaderApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        doc = document(screen)
        assert screen.article is not None
        original = screen.article.text
        start, end = LATER[0] + 3, LATER[0] + 6
        doc.cursor = start
        await pilot.press(*["shift+right"] * 3)
        assert doc.selection == (start, end)
        assert doc.selected_text == original[start:end] == "X平台"
        for _ in range(len(VIEWS)):
            view = await cycle_view(pilot, screen)
            assert screen.view_text is not None
            offsets = screen.view_text.offsets
            assert doc.cursor == offsets.to_view(end)
            assert doc.selection == offsets.range_to_view(start, end)
            assert doc.selected_text == X_PLATFORM[view]
            assert "3 selected" in header(screen)
            if view == "taiwan":
                assert doc.selection == (start, end)  # a Taiwanese article's Taiwan view is the original
                assert doc.selected_text == "X平台"
            # the cursor stays on screen
            layout = doc.text_layout
            assert layout is not None
            row = layout.line_of_offset(doc.cursor) - round(doc.scroll_y)
            assert 0 <= row < doc.scrollable_content_region.height
        assert screen.view_name == "original"
        assert doc.selection == (start, end)


async def test_the_cursor_follows_quick_view_switches(app: ReaderApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        doc = document(screen)
        doc.cursor = LATER[0] + 7
        spot = doc.cursor
        await pilot.press("s", "s", "s")  # quickly, not waiting for each conversion: steps three views
        await settle(pilot)
        assert screen.view_name == "taiwan"
        assert screen.view_text is not None
        assert doc.cursor == screen.view_text.offsets.to_view(spot)
        assert doc.selection is None


# -- 5. edit, delete, undo -------------------------------------------------------------------------------


async def test_e_and_d_without_a_highlight_under_the_cursor_say_so(app: ReaderApp) -> None:
    notes = record_notifications(app)
    store = app.workspace.store
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        await highlight_passage(pilot, screen, note="first note")
        # the cursor sits just after the highlight: `e` and `d` say so and change nothing
        await pilot.press("e")
        assert isinstance(app.screen, ReadingScreen)
        assert notes[-1][0] == "No highlight under the cursor."
        await pilot.press("d")
        await settle(pilot)
        assert notes[-1][0] == "No highlight under the cursor."
        assert len(store.for_article(ARTICLE)) == 1


async def test_e_edits_the_highlight_under_the_cursor(app: ReaderApp) -> None:
    store = app.workspace.store
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        doc = document(screen)
        added = await highlight_passage(pilot, screen, note="first note")
        await pilot.press("N")  # previous highlight: the cursor to its start, the passage selected
        assert doc.cursor == PASSAGE[0]
        assert doc.selection == PASSAGE

        # `e`: the dialog comes filled in; a new note replaces the old one
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AnnotateDialog)
        assert dialog.query_one("#annotate-tags", Input).value == "難民, 平台"
        assert dialog.query_one("#annotate-note", TextArea).text == "first note"
        await pilot.press("tab")  # the note's cursor is at its end: a new line follows it
        await pilot.press("enter")
        await type_text(pilot, "新")
        await pilot.press("ctrl+s")
        await settle(pilot)
        (edited,) = store.for_article(ARTICLE)
        assert (edited.id, edited.tags, edited.note) == (added.id, added.tags, "first note\n新")
        assert (edited.start, edited.end) == PASSAGE


async def test_d_deletes_the_highlight_and_u_restores_it(app: ReaderApp) -> None:
    notes = record_notifications(app)
    store = app.workspace.store
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        doc = document(screen)
        added = await highlight_passage(pilot, screen, note="kept")
        await pilot.press("N")
        # `d` deletes the highlight under the cursor
        await pilot.press("d")
        await settle(pilot)
        assert store.for_article(ARTICLE) == []
        assert doc.highlights == []
        assert "0 annotations" in header(screen)
        assert not any(painted(s, colour_of(screen.workspace, added)) for s in cell_styles(doc).values())

        # `u` brings it back: same id, tags and note, drawn again
        await pilot.press("u")
        await settle(pilot)
        (restored,) = store.for_article(ARTICLE)
        assert (restored.id, restored.tags, restored.note) == (added.id, added.tags, "kept")
        assert [h.key for h in doc.highlights] == [added.id]
        assert notes[-1][0] == "Restored highlight"


async def test_u_undoes_an_edit_then_the_add_then_has_nothing_left(app: ReaderApp) -> None:
    notes = record_notifications(app)
    store = app.workspace.store
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        doc = document(screen)
        added = await highlight_passage(pilot, screen, note="first note")
        await pilot.press("N", "e")
        await pilot.pause()
        assert isinstance(app.screen, AnnotateDialog)
        app.screen.query_one("#annotate-note", TextArea).load_text("新")
        await pilot.press("enter")
        await settle(pilot)
        assert store.for_article(ARTICLE)[0].note == "新"

        # `u` undoes the edit: the old note is back
        await pilot.press("u")
        await settle(pilot)
        (before_edit,) = store.for_article(ARTICLE)
        assert (before_edit.id, before_edit.note) == (added.id, "first note")
        assert notes[-1][0] == "Undid edit"

        # and again undoes the add; then there is nothing left to undo
        await pilot.press("u")
        await settle(pilot)
        assert store.for_article(ARTICLE) == []
        assert doc.highlights == []
        await pilot.press("u")
        await settle(pilot)
        assert notes[-1][0] == "Nothing to undo."
