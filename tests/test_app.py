"""Pilot tests of the whole app (reader.app.ReaderApp): every user flow, asserting what a user would notice.

Each test runs the real app on a temporary copy of the seeds (fixtures in conftest.py) at 120×36.
Actions that start thread workers (loading, converting, saving, exporting) are followed by `settle`.
"""

from __future__ import annotations

import json
from pathlib import Path

from rich.color import Color
from rich.style import Style
from textual import events
from textual.pilot import Pilot
from textual.timer import Timer
from textual.widgets import DataTable, Input, OptionList, Static

from _pilot import palette_search, record_notifications, settle
from reader.app import ReaderApp
from reader.convert import VIEW_LABELS, VIEWS
from reader.library import Library
from reader.sanitise import normalise
from reader.screens.annotate import AnnotateDialog
from reader.screens.export import ExportDialog
from reader.screens.help import HelpScreen
from reader.screens.library import LibraryScreen
from reader.screens.reading import ReadingScreen
from reader.store import Annotation
from reader.widgets.document import DocumentView
from reader.widgets.panel import AnnotationPanel
from reader.workspace import Workspace

SIZE = (120, 36)
ARTICLE = "002_ced27b30dc7015ea.txt"  # Traditional, 4,564 characters
#: a whole one-sentence paragraph of ARTICLE, phrase-aligned in every view. ARTICLE is Taiwanese, so since
#: views follow the source's script its Taiwan view is the original (it used to turn 用戶 into 使用者, and
#: the view offsets were 252–287); the 繁體 view writes OpenCC's standard forms (平台 -> 平臺)
PASSAGE = (251, 285)
PASSAGE_PARAGRAPH = 4  # `}` pressed this many times from the top lands on PASSAGE[0]
#: another phrase-aligned sentence, further down (Taiwan offsets were +17 here; now +0)
LATER = (2159, 2184)
LONG_ARTICLE = "000_7bd28feb70503cb0.txt"
#: "X平台" of ARTICLE in each view (the 繁體 view writes the OpenCC standard 臺)
X_PLATFORM = {
    "original": "X平台",
    "simplified": "X平台",
    "traditional": "X平臺",
    "taiwan": "X平台",
    "hongkong": "X平台",
}

SCRIPTS = {
    "000_7bd28feb70503cb0.txt": "繁",
    "001_8eaa32b1d9703bf4.txt": "简",
    "002_ced27b30dc7015ea.txt": "繁",
    "003_354cf6c445f5e220.txt": "繁",
    "004_b2f79115014bf41b.txt": "简",
}


# -- helpers ------------------------------------------------------------------------------------------


def make_app(seeds_dir: Path, db_dir: Path) -> ReaderApp:
    return ReaderApp(Workspace(seeds_dir, db_dir))


def library(app: ReaderApp) -> LibraryScreen:
    assert isinstance(app.screen, LibraryScreen)
    return app.screen


def row_ids(app: ReaderApp) -> list[str]:
    table = library(app).query_one(DataTable)
    return [str(row.key.value) for row in table.ordered_rows]


def row_cells(app: ReaderApp) -> dict[str, list[str]]:
    table = library(app).query_one(DataTable)
    return {str(row.key.value): [str(cell) for cell in table.get_row(row.key)] for row in table.ordered_rows}


def table_lines(table: DataTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


def filter_value(app: ReaderApp) -> str:
    return library(app).query_one("#library-filter", Input).value


async def open_article(pilot: Pilot, article_id: str = ARTICLE) -> ReadingScreen:
    """From the library: put the row cursor on the article and press Enter."""
    await settle(pilot)
    table = library(pilot.app).query_one(DataTable)
    table.focus()
    table.move_cursor(row=row_ids(pilot.app).index(article_id))  # as if by arrow keys
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReadingScreen)
    assert screen.article is not None and screen.info.id == article_id
    return screen


def document(screen: ReadingScreen) -> DocumentView:
    return screen.query_one(DocumentView)


def header(screen: ReadingScreen) -> str:
    return str(screen.query_one("#reading-header", Static).render())


def highlighted_texts(doc: DocumentView) -> list[str]:
    return [doc.text[h.start : h.end] for h in doc.highlights]


def cell_styles(doc: DocumentView) -> dict[int, Style]:
    """The rendered style of every character on screen, by its offset in the view text."""
    layout = doc.text_layout
    assert layout is not None
    top = round(doc.scroll_y)
    styles: dict[int, Style] = {}
    for y in range(doc.scrollable_content_region.height):
        line = top + y
        if line >= len(layout):
            break
        chars = [segment.style or Style() for segment in doc.render_line(y) for _ in segment.text]
        start, end = layout.starts[line], layout.ends[line]
        for offset, style in zip(range(start, end), chars[doc._margin :], strict=False):
            styles[offset] = style
    return styles


def colour_of(workspace: Workspace, annotation: Annotation) -> Color:
    """The colour the annotation is drawn in: its own, else its first tag's in the codebook."""
    return Color.parse(workspace.color_for(annotation))


def painted(style: Style, colour: Color) -> bool:
    return style.bgcolor is not None and style.bgcolor.get_truecolor() == colour.get_truecolor()


async def type_text(pilot: Pilot, text: str) -> None:
    await pilot.press(*text)


async def go_to_passage(pilot: Pilot, screen: ReadingScreen) -> None:
    """`g`, then `}` paragraph by paragraph down to PASSAGE."""
    await pilot.press("g", *["right_curly_bracket"] * PASSAGE_PARAGRAPH)
    doc = document(screen)
    assert screen.view_text is not None
    assert doc.cursor == screen.view_text.offsets.to_view(PASSAGE[0])


async def annotate_selection(pilot: Pilot, tags: str, note: str) -> None:
    """`a`, fill in the tags and the note, Enter; wait for the save. (Typing them: see test 2.)"""
    await pilot.press("a")
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, AnnotateDialog)
    dialog.query_one("#annotate-tags", Input).value = tags
    dialog.query_one("#annotate-note", Input).value = note
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ReadingScreen)


async def highlight_passage(
    pilot: Pilot, screen: ReadingScreen, tags: str = "難民, 平台", note: str = "a note"
) -> Annotation:
    """Select PASSAGE with `v` and annotate it; the one annotation of the article."""
    assert screen.view_text is not None
    document(screen).cursor = screen.view_text.offsets.to_view(PASSAGE[0])  # see test 2 for the keys
    await pilot.press("v")
    assert document(screen).selection == screen.view_text.offsets.range_to_view(*PASSAGE)
    await annotate_selection(pilot, tags, note)
    (annotation,) = screen.workspace.store.for_article(screen.info.id)
    return annotation


async def show_view(pilot: Pilot, screen: ReadingScreen, view: str) -> None:
    """Switch straight to `view` (what the palette's "View: …" does; `s` is tested in test 3)."""
    screen.switch_view(view)
    await settle(pilot)
    assert screen.view_name == view


async def cycle_view(pilot: Pilot, screen: ReadingScreen) -> str:
    before = screen.view_name
    await pilot.press("s")
    await settle(pilot)
    assert screen.view_name == VIEWS[(VIEWS.index(before) + 1) % len(VIEWS)]
    return screen.view_name


# -- 1. library -----------------------------------------------------------------------------------------


async def test_library_lists_filters_sorts_reports_errors_and_opens(seeds_dir: Path, db_dir: Path) -> None:
    (seeds_dir / "zz_damaged.txt").write_bytes(b"\x00\x01\x02binary\x00\xff\xfe" * 64)
    app = make_app(seeds_dir, db_dir)
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        cells = row_cells(app)
        assert set(cells) == {*SCRIPTS, "zz_damaged.txt"}
        assert {article_id: row[1] for article_id, row in cells.items() if article_id in SCRIPTS} == SCRIPTS
        assert "cannot read" in cells["zz_damaged.txt"][0]
        assert cells["zz_damaged.txt"][1] == ""
        table = library(app).query_one(DataTable)
        assert table.has_focus

        # typing starts a filter; 红书 finds titles written 紅書 as well
        await type_text(pilot, "红书")
        assert filter_value(app) == "红书"
        shown = row_cells(app)
        assert set(shown) == {
            "001_8eaa32b1d9703bf4.txt",
            "002_ced27b30dc7015ea.txt",
            "003_354cf6c445f5e220.txt",
            "004_b2f79115014bf41b.txt",
        }
        assert all("红书" in row[0] or "紅書" in row[0] for row in shown.values())
        assert any("紅書" in row[0] for row in shown.values())
        assert any("紅書" in line for line in table_lines(table))
        # escape clears the filter and gives the keys back to the table
        await pilot.press("escape")
        assert filter_value(app) == ""
        assert len(row_ids(app)) == 6
        assert table.has_focus

        # `o` sorts by the next column (title → script → length, descending)
        by_title = row_ids(app)
        await pilot.press("o")
        by_script = row_ids(app)
        assert by_script != by_title
        scripts = [row_cells(app)[i][1] for i in by_script]
        assert scripts == sorted(scripts)
        assert notes[-1][0] == "Sorted by Script"
        await pilot.press("o")
        lengths = [int(row_cells(app)[i][2].lstrip("~").replace(",", "")) for i in row_ids(app)]
        assert lengths == sorted(lengths, reverse=True)
        assert notes[-1][0] == "Sorted by Length (descending)"

        # Enter on the damaged file: an error notification, still in the library, still running
        ids = row_ids(app)
        table.move_cursor(row=ids.index("zz_damaged.txt"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)
        assert app.is_running
        message, title, severity = notes[-1]
        assert (title, severity) == ("Cannot open", "error")
        assert message == app.workspace.library.info("zz_damaged.txt").error
        assert "zz_damaged.txt" in str(library(app).query_one("#library-detail", Static).render())

        # Enter on an article opens it
        screen = await open_article(pilot, ARTICLE)
        assert screen.info.title in header(screen)
        assert document(screen).text == screen.article.text
        assert document(screen).has_focus


async def test_keys_typed_ahead_are_taken_in_order(seeds_dir: Path, db_dir: Path) -> None:
    """Down then Enter arriving together (a fast typist, a paste, a script) open the second row, not the
    first: Enter must not overtake the Down still waiting in the table's queue. Likewise a filter typed
    and Enter at once open what the filter finds."""
    app = make_app(seeds_dir, db_dir)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = row_ids(app)
        for key, character in (("down", None), ("enter", "\r")):  # as the driver delivers them
            app.post_message(events.Key(key, character))
        await settle(pilot)
        assert isinstance(app.screen, ReadingScreen) and app.screen.info.id == ids[1]
        await pilot.press("escape")
        await settle(pilot)

        for key, character in (("年", "年"), ("轻", "轻"), ("enter", "\r")):  # 年轻 finds 年輕人…
            app.post_message(events.Key(key, character))
        await settle(pilot)
        assert isinstance(app.screen, ReadingScreen), filter_value(app)
        assert app.screen.info.id == "000_7bd28feb70503cb0.txt"


async def test_a_late_loading_tick_never_leaves_loading_on_screen(
    seeds_dir: Path, db_dir: Path, monkeypatch
) -> None:
    """The library, an article and a view switch show "Loading" only if they take a moment. On a busy
    machine the timer can fire just as the work arrives: its tick is queued, `stop()` cannot recall it,
    and the indicator went up over a listing that was already there and stayed up for good (it did in
    CI). Here stopping the screens' one-shot timers never works, so every such tick comes late."""
    original_stop = Timer.stop

    def stop(timer: Timer) -> None:
        target = timer._target()
        if timer._repeat != 0 or not isinstance(target, LibraryScreen | ReadingScreen):
            original_stop(timer)

    monkeypatch.setattr(Timer, "stop", stop)
    # as on a folder too large to list before the first paint: the worker lists it
    monkeypatch.setattr(Library, "list_if_quick", lambda library, max_unread=32: None)
    app = make_app(seeds_dir, db_dir)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.pause(0.4)  # past the library's 0.25 s timer
        table = library(app).query_one(DataTable)
        assert len(row_ids(app)) == 5
        assert not table.loading

        screen = await open_article(pilot, ARTICLE)
        await pilot.pause(0.3)  # past the article's 0.2 s timer
        assert not document(screen).loading
        await cycle_view(pilot, screen)
        await pilot.pause(0.25)  # past the view switch's 0.15 s timer
        assert not document(screen).loading
        assert "Loading" not in "".join(
            segment.text for y in range(3) for segment in document(screen).render_line(y)
        )


# -- 2. reading and annotating ------------------------------------------------------------------------------


async def test_cursor_selection_and_annotate(seeds_dir: Path, db_dir: Path) -> None:
    app = make_app(seeds_dir, db_dir)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        doc = document(screen)
        layout = doc.text_layout
        assert layout is not None
        assert doc.cursor == 0
        assert "原文" in header(screen)
        assert "0 annotations" in header(screen)

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

        # shift+right ×3 selects three characters; escape drops the selection but stays in the article
        await pilot.press(*["shift+right"] * 3)
        assert doc.selection == (0, 3)
        assert doc.selected_text == screen.article.text[:3] == "「Ti"
        assert "3 selected" in header(screen)
        await pilot.press("escape")
        assert doc.selection is None
        assert isinstance(app.screen, ReadingScreen)

        # `v` selects the sentence under the cursor
        await go_to_passage(pilot, screen)
        await pilot.press("v")
        assert doc.selection == PASSAGE
        quote = screen.article.text[slice(*PASSAGE)]
        assert doc.selected_text == quote

        # `a`: the dialog shows the passage; two tags and a note; Enter saves
        await pilot.press("a")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AnnotateDialog)
        assert str(dialog.query_one("#annotate-quote", Static).render()) == quote
        assert dialog.query_one("#annotate-tags", Input).has_focus
        await type_text(pilot, "難民, 平台")
        await pilot.press("tab")
        await type_text(pilot, "匿名 source")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReadingScreen)

        (saved,) = app.workspace.store.for_article(ARTICLE)
        assert (saved.start, saved.end) == PASSAGE
        assert saved.quote == quote
        assert saved.tags == ("難民", "平台")
        assert saved.note == "匿名 source"
        assert saved.view == "original"
        assert "1 annotation" in header(screen)
        assert doc.selection is None

        # visible: the highlight is drawn over exactly the passage, in the tag's colour
        assert [(h.start, h.end, h.key) for h in doc.highlights] == [(*PASSAGE, saved.id)]
        styles = cell_styles(doc)
        colour = colour_of(screen.workspace, saved)
        assert all(painted(styles[offset], colour) for offset in range(*PASSAGE))
        outside = [offset for offset in (PASSAGE[0] - 2, PASSAGE[0] - 1, PASSAGE[1] + 2) if offset in styles]
        assert outside
        assert not any(painted(styles[offset], colour) for offset in outside)


# -- 3. the highlight in all five views ------------------------------------------------------------------


async def test_highlight_shows_exactly_in_every_view(seeds_dir: Path, db_dir: Path) -> None:
    app = make_app(seeds_dir, db_dir)
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
            styles, colour = cell_styles(doc), colour_of(screen.workspace, annotation)
            assert all(painted(styles[o], colour) for o in range(highlight.start, highlight.end))
            seen[view] = (expected, highlight.start, highlight.end)
        assert list(seen) == list(VIEWS)
        assert seen["simplified"][0] == "一名接近该公司人士透露,光是这两天,小红书就吸引超过70万名新用户。"
        assert seen["taiwan"][0].endswith("新用戶。")  # Taiwanese already: the Taiwan view is the original
        assert seen["taiwan"][1:] == PASSAGE
        await cycle_view(pilot, screen)
        assert screen.view_name == "original"

        # a highlight made in a converted view is stored against the original text
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


async def test_cursor_and_selection_follow_view_switches(seeds_dir: Path, db_dir: Path) -> None:
    app = make_app(seeds_dir, db_dir)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        doc = document(screen)
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
        # a plain cursor (no selection) follows too
        await pilot.press("escape", "right")
        assert doc.selection is None
        spot = doc.cursor
        assert spot == end + 1
        await pilot.press("s", "s", "s")  # quickly, not waiting for each conversion: steps three views
        await settle(pilot)
        assert screen.view_name == "taiwan"
        assert screen.view_text is not None
        assert doc.cursor == screen.view_text.offsets.to_view(spot)
        assert doc.selection is None


# -- 5. edit, delete, undo -------------------------------------------------------------------------------


async def test_edit_delete_and_undo(seeds_dir: Path, db_dir: Path) -> None:
    app = make_app(seeds_dir, db_dir)
    notes = record_notifications(app)
    store = app.workspace.store
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        doc = document(screen)
        added = await highlight_passage(pilot, screen, note="first note")

        # the cursor sits just after the highlight: `e` says so and changes nothing
        await pilot.press("e")
        assert isinstance(app.screen, ReadingScreen)
        assert notes[-1][0] == "No highlight under the cursor."
        await pilot.press("N")  # previous highlight: the cursor to its start, the passage selected
        assert doc.cursor == PASSAGE[0]
        assert doc.selection == PASSAGE

        # `e`: the dialog comes filled in; a new note replaces the old one
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AnnotateDialog)
        assert dialog.query_one("#annotate-tags", Input).value == "難民, 平台"
        assert dialog.query_one("#annotate-note", Input).value == "first note"
        await pilot.press("tab")  # the note's text is selected on focus: typing replaces it
        await type_text(pilot, "新")
        await pilot.press("enter")
        await settle(pilot)
        (edited,) = store.for_article(ARTICLE)
        assert (edited.id, edited.tags, edited.note) == (added.id, added.tags, "新")
        assert (edited.start, edited.end) == PASSAGE

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
        assert (restored.id, restored.tags, restored.note) == (added.id, added.tags, "新")
        assert [h.key for h in doc.highlights] == [added.id]
        assert notes[-1][0] == "Restored highlight"

        # `u` again undoes the edit: the old note is back
        await pilot.press("u")
        await settle(pilot)
        (before_edit,) = store.for_article(ARTICLE)
        assert (before_edit.id, before_edit.note) == (added.id, "first note")

        # and again undoes the add; then there is nothing left to undo
        await pilot.press("u")
        await settle(pilot)
        assert store.for_article(ARTICLE) == []
        assert doc.highlights == []
        await pilot.press("u")
        await settle(pilot)
        assert notes[-1][0] == "Nothing to undo."


# -- 6. the panel ------------------------------------------------------------------------------------------


def option_lines(option_list: OptionList) -> list[str]:
    return [option_list.render_line(y).text for y in range(option_list.size.height)]


async def test_panel_lists_filters_and_jumps(seeds_dir: Path, db_dir: Path) -> None:
    workspace = Workspace(seeds_dir, db_dir)
    article = workspace.load(ARTICLE)
    # made out of document order
    later = workspace.annotate(article, LATER[0], LATER[0] + 6, tags=["平台", "Meta"], note="X-style notes")
    passage = workspace.annotate(article, *PASSAGE, tags=["難民"], note="")
    first = workspace.annotate(article, 0, 8, tags=["标题"], note="headline")
    app = ReaderApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        doc = document(screen)
        await show_view(pilot, screen, "taiwan")
        assert screen.view_text is not None
        offsets = screen.view_text.offsets

        panel = screen.query_one(AnnotationPanel)
        assert not panel.display
        await pilot.press("p")
        await pilot.pause()
        assert panel.display
        option_list = panel.query_one(OptionList)
        assert option_list.has_focus
        assert [option_list.get_option_at_index(i).id for i in range(option_list.option_count)] == [
            first.id,
            passage.id,
            later.id,
        ]
        assert "Annotations (3)" in str(panel.query_one("#panel-title", Static).render())
        shown = "\n".join(option_lines(option_list))
        assert "#標題" not in shown and "#标题" in shown  # tags are shown as typed
        assert "改以類X平台" in shown  # the passage in the current (Taiwan) view: Taiwanese as written
        assert "X-style notes" in shown

        # filter by tag
        await pilot.click("#panel-filter")
        await type_text(pilot, "平台")
        await pilot.pause()
        assert [option_list.get_option_at_index(i).id for i in range(option_list.option_count)] == [later.id]
        assert "Annotations (1 of 3)" in str(panel.query_one("#panel-title", Static).render())
        await pilot.press("backspace", "backspace")
        await pilot.pause()
        assert option_list.option_count == 3

        # choose one: the cursor goes to its start (view offsets) and the passage is selected
        await pilot.press("tab")
        assert option_list.has_focus
        await pilot.press("home", "down", "down", "enter")
        await pilot.pause()
        start, end = offsets.range_to_view(later.start, later.end)
        assert (start, end) == (LATER[0], LATER[0] + 6)  # the Taiwan view of a Taiwanese article: +0
        assert doc.cursor == start
        assert doc.selection == (start, end)
        assert doc.selected_text == "改以類X平台"
        assert doc.has_focus
        layout = doc.text_layout
        assert layout is not None
        assert 0 <= layout.line_of_offset(start) - round(doc.scroll_y) < doc.scrollable_content_region.height

        # `n` / `N` step through the highlights in document order
        await pilot.press("g", "n")
        assert doc.cursor == offsets.to_view(passage.start)
        await pilot.press("n")
        assert doc.cursor == start
        await pilot.press("N", "N")
        assert doc.cursor == offsets.to_view(first.start)

        # `p` hides the panel again and gives the keys back to the text
        await pilot.press("p")
        await pilot.pause()
        assert not panel.display
        assert doc.has_focus


# -- 7. the reading position survives a restart ------------------------------------------------------------


async def test_position_and_view_remembered_after_restart(seeds_dir: Path, db_dir: Path) -> None:
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

    app = make_app(seeds_dir, db_dir)  # a new app on a new Workspace, the same folders
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, LONG_ARTICLE)
        doc = document(screen)
        assert screen.view_name == "taiwan"
        assert "臺灣" in header(screen)
        assert screen.view_text is not None
        assert doc.cursor == screen.view_text.offsets.to_view(position[0])
        assert screen.current_position() == position
        layout = doc.text_layout
        assert layout is not None
        assert (
            0
            <= layout.line_of_offset(doc.cursor) - round(doc.scroll_y)
            < doc.scrollable_content_region.height
        )

        # quitting straight from the article remembers the position too
        await pilot.press("s", "pagedown", "pagedown")
        await settle(pilot)
        assert screen.view_name == "hongkong"
        second = screen.current_position()
        assert second is not None and second != position
        await pilot.press("ctrl+q")
        await pilot.pause()

    app = make_app(seeds_dir, db_dir)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, LONG_ARTICLE)
        assert screen.current_position() == second
        assert "香港" in header(screen)


# -- 8. the CLI export sees what the app saved ---------------------------------------------------------------


async def test_annotation_made_in_the_app_is_in_cli_export(seeds_dir: Path, db_dir: Path, run_reader) -> None:
    app = make_app(seeds_dir, db_dir)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        annotation = await highlight_passage(pilot, screen, tags="難民, 平台", note="for the export")

    result = run_reader("export", check=True)
    data = json.loads(result.stdout)
    (exported,) = data["annotations"]
    assert exported["id"] == annotation.id
    assert exported["article_id"] == ARTICLE
    assert (exported["start"], exported["end"]) == PASSAGE
    assert exported["tags"] == ["難民", "平台"]
    assert exported["note"] == "for the export"
    assert exported["quote"] == exported["text"] == annotation.quote

    taiwan = json.loads(run_reader("export", "--view", "taiwan", check=True).stdout)
    assert taiwan["annotations"][0]["text"].endswith("新用戶。")  # Taiwanese already: not re-phrased


# -- 9. markup and control sequences are data ----------------------------------------------------------------

HOSTILE_TITLE = "[bold red]x[/] [@click=app.quit]boom[/] \x1b]0;pwned\x07 標題"
HOSTILE_BODY = "正文[b]粗[/b],[@click=app.quit]點我[/]。\x1b[31m紅\x1b[0m結束。\n\n第二段[/]。\n"


async def test_markup_in_articles_tags_and_notes_is_shown_literally(seeds_dir: Path, db_dir: Path) -> None:
    (seeds_dir / "zz_hostile.txt").write_text(HOSTILE_TITLE + "\n\n" + HOSTILE_BODY, encoding="utf-8")
    (seeds_dir / "zz_[b]bad[red].txt").write_bytes(b"\x00\x01[/]\x00\xff" * 64)
    escape_name = "zz_\x1b]0;pwned\x07.txt"  # an empty file: its title is its name
    (seeds_dir / escape_name).write_text("\n", encoding="utf-8")
    # the folder's name (in the library header) carries an ESC sequence too
    root = seeds_dir.rename(seeds_dir.with_name("articles\x1b]0;pwned\x07"))
    app = make_app(root, db_dir)
    notes = record_notifications(app)
    title = normalise(HOSTILE_TITLE)
    assert "\x1b" not in title and "[bold red]x[/] [@click=app.quit]boom[/]" in title
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = library(app).query_one(DataTable)
        assert row_cells(app)["zz_hostile.txt"][0] == title
        assert any("[bold red]x[/] [@click=app.quit]boom[/]" in line for line in table_lines(table))
        # nothing on screen carries a raw ESC: not the title, the folder, the file name (row and detail line)
        table.move_cursor(row=row_ids(app).index(escape_name))
        await pilot.pause()
        assert "articles␛]0;pwned␇" in str(library(app).query_one("#library-header", Static).render())
        assert "zz_␛]0;pwned␇.txt" in str(library(app).query_one("#library-detail", Static).render())
        assert "\x1b" not in app.export_screenshot()

        # a damaged file whose name looks like markup: the error is reported as plain text
        ids = row_ids(app)
        table.move_cursor(row=ids.index("zz_[b]bad[red].txt"))
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, LibraryScreen)
        assert notes[-1][1:] == ("Cannot open", "error")

        screen = await open_article(pilot, "zz_hostile.txt")
        doc = document(screen)
        assert header(screen).startswith(title)
        assert doc.render_line(0).text.strip() == title
        assert "[b]粗[/b],[@click=app.quit]點我[/]。" in "".join(doc.render_line(y).text for y in range(4))
        # clicking where the [@click] "links" are does nothing but move the cursor
        await pilot.click("#reading-header", offset=(20, 0))
        await pilot.click(DocumentView, offset=(doc._margin + 18, 0))
        await pilot.click(DocumentView, offset=(doc._margin + 14, 2))
        await pilot.pause()
        assert app.is_running and app.screen is screen

        # a tag and a note with markup-like text save and show literally in the panel
        await pilot.press("g", "v")
        await annotate_selection(pilot, "[/], [red]", "[b]note[/b] [@click=app.quit]x[/]")
        (saved,) = app.workspace.store.for_article("zz_hostile.txt")
        assert saved.tags == ("[/]", "[red]")
        assert saved.note == "[b]note[/b] [@click=app.quit]x[/]"
        await pilot.press("p")
        await pilot.pause()
        shown = "\n".join(option_lines(screen.query_one(AnnotationPanel).query_one(OptionList)))
        assert "#[/] #[red]" in shown
        assert "[b]note[/b] [@click=app.quit]x[/]" in shown

        # the palette lists the article under its literal title
        prompts = await palette_search(pilot, "zz", "Open: ")
        assert any("[@click=app.quit]boom[/]" in prompt for prompt in prompts)
        assert any("zz_␛]0;pwned␇.txt" in prompt for prompt in prompts)
        assert "\x1b" not in app.export_screenshot()
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running and app.screen is screen


# -- 10. help and the command palette ---------------------------------------------------------------------


async def test_help_screen_and_command_palette(seeds_dir: Path, db_dir: Path) -> None:
    app = make_app(seeds_dir, db_dir)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)

        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        help_table = help_screen.query_one(DataTable)
        rows = {
            str(help_table.get_row_at(i)[0]): str(help_table.get_row_at(i)[1])
            for i in range(help_table.row_count)
        }
        assert rows["s"].startswith("Cycle original → 简体")
        assert rows["a"] == "Highlight and tag the selection"
        assert "drag" in rows
        # the screen's own keys come first, on screen without scrolling; Textual's generic ones last
        assert any(line.split()[:2] == ["s", "Cycle"] for line in table_lines(help_table))
        keys = [str(help_table.get_row_at(i)[0]) for i in range(help_table.row_count)]
        assert keys.index("s") < keys.index("tab") and keys.index("a") < keys.index("^c")
        assert "super+c" not in keys
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen

        await palette_search(pilot, "简体", "View: 简体")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert screen.view_name == "simplified"
        assert "·  简体  ·" in header(screen)
        assert document(screen).text.startswith("「TikTok难民」涌入小红书")


# -- 11. the in-app export ---------------------------------------------------------------------------------


async def test_in_app_export_writes_the_annotations(
    seeds_dir: Path, db_dir: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app(seeds_dir, db_dir)
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        annotation = await highlight_passage(pilot, screen, tags="難民, 平台", note="exported")

        # `x` opens the export dialog; its file name is reader-export-<time>.json; Enter writes it
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        path_input = app.screen.query_one("#export-path", Input)
        assert path_input.has_focus
        assert path_input.value.startswith("reader-export-") and path_input.value.endswith(".json")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        (written,) = tmp_path.glob("reader-export-*.json")
        data = json.loads(written.read_text(encoding="utf-8"))
        (exported,) = data["annotations"]
        assert exported["id"] == annotation.id
        assert exported["tags"] == ["難民", "平台"]
        assert exported["note"] == "exported"
        assert exported["quote"] == annotation.quote
        message, title, _ = notes[-1]
        assert title == "Export"
        assert message == f"Exported 1 annotations to {written.resolve()}"

        # Esc in the dialog cancels: nothing is written
        written.unlink()
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert list(tmp_path.glob("reader-export-*")) == []

        # `x` in the library opens it too (it is not taken as the start of a title filter)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert filter_value(app) == ""
