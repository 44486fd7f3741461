"""Pilot tests of the whole app (reader.app.ReaderApp), one user flow per test: the library, what is shown as
data not markup, help and the palette, the exports, the key bar. Reading and annotating: test_app_reading.py.

Each test runs the real app on a temporary copy of the seeds (fixtures in conftest.py) at 120×36.
Actions that start thread workers (loading, converting, saving, exporting) are followed by `settle`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual import events
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static

from _app import (
    ARTICLE,
    PASSAGE,
    SCRIPTS,
    SIZE,
    annotate_selection,
    cycle_view,
    document,
    filter_value,
    header,
    highlight_passage,
    library,
    make_app,
    open_article,
    panel_lines,
    row_cells,
    row_ids,
    table_lines,
    type_text,
)
from _pilot import palette_search, record_notifications, settle
from reader.app import ReaderApp
from reader.library import Library
from reader.sanitise import normalise
from reader.screens.export import ExportDialog
from reader.screens.help import HelpScreen
from reader.screens.library import LibraryScreen
from reader.screens.reading import ReadingScreen
from reader.widgets.document import DocumentView
from reader.widgets.keybar import KeyBar
from reader.widgets.panel import AnnotationList


@pytest.fixture
def app(seeds_dir: Path, db_dir: Path) -> ReaderApp:
    return make_app(seeds_dir, db_dir)


# -- 1. library -----------------------------------------------------------------------------------------

DAMAGED = "zz_damaged.txt"


@pytest.fixture
def damaged(seeds_dir: Path) -> str:
    (seeds_dir / DAMAGED).write_bytes(b"\x00\x01\x02binary\x00\xff\xfe" * 64)
    return DAMAGED


async def test_library_lists_every_article_with_its_script_and_flags_a_damaged_one(
    app: ReaderApp, damaged: str
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        cells = row_cells(app)
        assert set(cells) == {*SCRIPTS, damaged}
        assert {article_id: row[1] for article_id, row in cells.items() if article_id in SCRIPTS} == SCRIPTS
        assert "cannot read" in cells[damaged][0]
        assert cells[damaged][1] == ""
        assert library(app).query_one(DataTable).has_focus


async def test_typing_filters_titles_in_any_script_and_escape_clears(app: ReaderApp, damaged: str) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = library(app).query_one(DataTable)
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
        # the detected title or the first line (001's first line is its site's menu: 推广 热搜: … 红书 …)
        first_lines = {info.id: info.title for info in library(app)._infos}
        assert all(
            any(word in text for word in ("红书", "紅書") for text in (row[0], first_lines[article_id]))
            for article_id, row in shown.items()
        )
        assert any("紅書" in row[0] for row in shown.values())
        assert any("紅書" in line for line in table_lines(table))
        # escape clears the filter and gives the keys back to the table
        await pilot.press("escape")
        assert filter_value(app) == ""
        assert len(row_ids(app)) == 6
        assert table.has_focus


async def test_o_sorts_by_the_next_column_and_again_the_other_way_showing_which(app: ReaderApp) -> None:
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = library(app).query_one(DataTable)

        def labels() -> list[str]:
            return [str(column.label) for column in table.ordered_columns]

        assert labels()[:2] == ["Title ▲", "Script"]
        # `o` sorts by the next column (title → script), again the other way round, then the next (length,
        # longest first); the sorted column's header says which and how (▲ A to Z, ▼ the other way)
        by_title = row_ids(app)
        await pilot.press("o")
        by_script = row_ids(app)
        assert by_script != by_title
        scripts = [row_cells(app)[i][1] for i in by_script]
        assert scripts == sorted(scripts)
        assert notes[-1][0] == "Sorted by Script"
        assert labels()[:3] == ["Title", "Script ▲", "Length"]
        await pilot.press("o")
        assert [row_cells(app)[i][1] for i in row_ids(app)] == sorted(scripts, reverse=True)
        assert labels()[1] == "Script ▼"
        await pilot.press("o")
        lengths = [int(row_cells(app)[i][2].lstrip("~").replace(",", "")) for i in row_ids(app)]
        assert lengths == sorted(lengths, reverse=True)
        assert notes[-1][0] == "Sorted by Length (descending)"
        assert labels()[1:3] == ["Script", "Length ▼"]
        assert any("Length ▼" in line for line in table_lines(table))


async def test_enter_on_a_damaged_article_says_why_and_stays_in_the_library(
    app: ReaderApp, damaged: str
) -> None:
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = library(app).query_one(DataTable)
        table.move_cursor(row=row_ids(app).index(damaged))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)
        assert app.is_running
        message, title, severity = notes[-1]
        assert (title, severity) == ("Cannot open", "error")
        assert message == app.workspace.library.info(damaged).error
        assert damaged in str(library(app).query_one("#library-detail", Static).render())


async def test_enter_opens_the_article(app: ReaderApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, ARTICLE)
        assert screen.info.title in header(screen)
        assert screen.article is not None
        assert document(screen).text == screen.article.text
        assert document(screen).has_focus


async def test_down_then_enter_typed_ahead_open_the_second_row(app: ReaderApp) -> None:
    """Down then Enter arriving together (a fast typist, a paste, a script) open the second row, not the
    first: Enter must not overtake the Down still waiting in the table's queue."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = row_ids(app)
        for key, character in (("down", None), ("enter", "\r")):  # as the driver delivers them
            app.post_message(events.Key(key, character))
        await settle(pilot)
        assert isinstance(app.screen, ReadingScreen) and app.screen.info.id == ids[1]


async def test_a_filter_and_enter_typed_ahead_open_what_the_filter_finds(app: ReaderApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
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


# -- 8. the CLI export sees what the app saved ---------------------------------------------------------------


async def test_annotation_made_in_the_app_is_in_cli_export(app: ReaderApp, run_reader) -> None:
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
HOSTILE_ID = "zz_hostile.txt"
ESCAPE_NAME = "zz_\x1b]0;pwned\x07.txt"  # an empty file: its title is its name
MARKUP_NAME = "zz_[b]bad[red].txt"  # a damaged file whose name looks like markup


@pytest.fixture
def hostile_app(seeds_dir: Path, db_dir: Path) -> ReaderApp:
    (seeds_dir / HOSTILE_ID).write_text(HOSTILE_TITLE + "\n\n" + HOSTILE_BODY, encoding="utf-8")
    (seeds_dir / MARKUP_NAME).write_bytes(b"\x00\x01[/]\x00\xff" * 64)
    (seeds_dir / ESCAPE_NAME).write_text("\n", encoding="utf-8")
    # the folder's name (in the library header) carries an ESC sequence too
    root = seeds_dir.rename(seeds_dir.with_name("articles\x1b]0;pwned\x07"))
    return make_app(root, db_dir)


async def test_titles_folder_and_file_names_are_shown_literally_in_the_library(
    hostile_app: ReaderApp,
) -> None:
    app = hostile_app
    title = normalise(HOSTILE_TITLE)
    assert "\x1b" not in title and "[bold red]x[/] [@click=app.quit]boom[/]" in title
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = library(app).query_one(DataTable)
        assert row_cells(app)[HOSTILE_ID][0] == title
        assert any("[bold red]x[/] [@click=app.quit]boom[/]" in line for line in table_lines(table))
        # nothing on screen carries a raw ESC: not the title, the folder, the file name (row and detail line)
        table.move_cursor(row=row_ids(app).index(ESCAPE_NAME))
        await pilot.pause()
        assert "articles␛]0;pwned␇" in str(library(app).query_one("#library-header", Static).render())
        assert "zz_␛]0;pwned␇.txt" in str(library(app).query_one("#library-detail", Static).render())
        assert "\x1b" not in app.export_screenshot()


async def test_a_damaged_file_named_like_markup_is_reported_as_plain_text(hostile_app: ReaderApp) -> None:
    app = hostile_app
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        library(app).query_one(DataTable).move_cursor(row=row_ids(app).index(MARKUP_NAME))
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, LibraryScreen)
        assert notes[-1][1:] == ("Cannot open", "error")


async def test_article_text_with_markup_is_shown_literally_and_never_clicked(hostile_app: ReaderApp) -> None:
    app = hostile_app
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, HOSTILE_ID)
        doc = document(screen)
        title = normalise(HOSTILE_TITLE)
        assert header(screen).startswith(title)
        assert doc.render_line(0).text.strip() == title
        assert "[b]粗[/b],[@click=app.quit]點我[/]。" in "".join(doc.render_line(y).text for y in range(4))
        # clicking where the [@click] "links" are does nothing but move the cursor
        await pilot.click("#reading-header", offset=(20, 0))
        await pilot.click(DocumentView, offset=(doc._margin + 18, 0))
        await pilot.click(DocumentView, offset=(doc._margin + 14, 2))
        await pilot.pause()
        assert app.is_running and app.screen is screen


async def test_tags_and_notes_with_markup_save_and_show_literally(hostile_app: ReaderApp) -> None:
    app = hostile_app
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, HOSTILE_ID)
        await pilot.press("g", "v")
        await annotate_selection(pilot, "[/], [red]", "[b]note[/b] [@click=app.quit]x[/]")
        (saved,) = app.workspace.store.for_article(HOSTILE_ID)
        assert saved.tags == ("[/]", "[red]")
        assert saved.note == "[b]note[/b] [@click=app.quit]x[/]"
        await pilot.press("p")
        await pilot.pause()
        shown = "\n".join(panel_lines(screen.query_one(AnnotationList)))
        assert "#[/] #[red]" in shown
        assert "[b]note[/b] [@click=app.quit]x[/]" in shown


async def test_the_palette_lists_articles_under_their_literal_titles(hostile_app: ReaderApp) -> None:
    app = hostile_app
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, HOSTILE_ID)
        prompts = await palette_search(pilot, "zz", "Open: ")
        assert any("[@click=app.quit]boom[/]" in prompt for prompt in prompts)
        assert any("zz_␛]0;pwned␇.txt" in prompt for prompt in prompts)
        assert "\x1b" not in app.export_screenshot()
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running and app.screen is screen


# -- 10. help and the command palette ---------------------------------------------------------------------


async def test_help_lists_the_screen_keys_first(app: ReaderApp) -> None:
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


async def test_the_palette_switches_the_script_view(app: ReaderApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        await palette_search(pilot, "简体", "View: 简体")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert screen.view_name == "simplified"
        assert "·  简体  ·" in header(screen)
        assert document(screen).text.startswith("「TikTok难民」涌入小红书")


# -- 11. the in-app export ---------------------------------------------------------------------------------


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


async def test_x_exports_the_annotations_to_a_timestamped_file(app: ReaderApp, in_tmp: Path) -> None:
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
        (written,) = in_tmp.glob("reader-export-*.json")
        data = json.loads(written.read_text(encoding="utf-8"))
        (exported,) = data["annotations"]
        assert exported["id"] == annotation.id
        assert exported["tags"] == ["難民", "平台"]
        assert exported["note"] == "exported"
        assert exported["quote"] == annotation.quote
        message, title, _ = notes[-1]
        assert title == "Export"
        assert message == f"Exported 1 annotations to {written.resolve()}"


async def test_escape_in_the_export_dialog_writes_nothing(app: ReaderApp, in_tmp: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert list(in_tmp.glob("reader-export-*")) == []


async def test_x_in_the_library_opens_the_export_not_a_filter(app: ReaderApp, in_tmp: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert filter_value(app) == ""


# -- 13. the key bar ---------------------------------------------------------------------------------------


def key_bar_text(screen) -> str:
    return screen.query_one(KeyBar).render().plain


async def test_the_key_bar_shows_the_keys_of_what_has_focus_and_a_click_presses_one(app: ReaderApp) -> None:
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        line = key_bar_text(library(app))
        assert line.startswith(" ⏎ Open  / Filter  o Sort ") and line.rstrip().endswith("^p palette")
        bar = library(app).query_one(KeyBar)
        sort_x = line.index("o Sort")
        await pilot.click(KeyBar, offset=(sort_x + 1, 0))
        await pilot.pause()
        assert notes[-1][0] == "Sorted by Script"
        assert bar.region.y == SIZE[1] - 1  # docked at the bottom

        screen = await open_article(pilot)
        assert "Clear selection" not in key_bar_text(screen)
        await pilot.press("shift+right")  # the document's escape is active only with a selection
        await pilot.pause()
        assert "esc Clear selection" in key_bar_text(screen)
