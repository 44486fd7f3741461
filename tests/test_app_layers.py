"""Pilot tests of the reading screen's layers (reader.screens.layers) and the library's web facts: marks and
the status line, the phrase toggle, overrides made in the app, folded page parts, the detected title and
body-only figures, damage and the repaired view, structure corrections, `reader add` from the library, and
the body-only toggles of search and export. The core parts: test_marks.py.

Each test runs the real app on a temporary copy of the seeds.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rich.style import Style
from textual.widgets import Checkbox, DataTable, Input, OptionList
from textual.widgets.data_table import ColumnKey

from _app import (
    SIZE,
    annotate_selection,
    cell_styles,
    document,
    header,
    library,
    make_app,
    open_article,
    row_cells,
    row_ids,
    show_view,
)
from _pilot import record_notifications, settle, wait_until
from conftest import DATA
from reader.app import ReaderApp
from reader.convert import check_override
from reader.marks import MarkSet
from reader.screens import article as article_screen
from reader.screens.dialogs import ChoiceDialog, InputDialog
from reader.screens.reading import ReadingScreen
from reader.widgets.damage_list import DamageSection
from reader.widgets.document import DocumentView
from reader.widgets.statusline import StatusLine
from reader.workspace import Workspace

APPENDED = "000_7bd28feb70503cb0.txt"  # Traditional; a byline, photo credits, the next article, a footer
MENU_FIRST = "001_8eaa32b1d9703bf4.txt"  # Simplified; its first line is the site's menu
TAIWANESE = "002_ced27b30dc7015ea.txt"
DAMAGED = "003_354cf6c445f5e220.txt"  # 209 damaged spots of a lossy encoding conversion
SIMPLIFIED = "004_b2f79115014bf41b.txt"  # 菜单 in it is 選單 in 臺灣

MENU_FIRST_TITLE = "TikTok海外关停:危机背后的深层剖析与未来走向"


@pytest.fixture
def app(seeds_dir: Path, db_dir: Path) -> ReaderApp:
    return make_app(seeds_dir, db_dir)


def status(screen: ReadingScreen) -> str:
    return screen.query_one(StatusLine).text


def screen_lines(doc: DocumentView) -> list[str]:
    return [doc.render_line(y).text.strip() for y in range(doc.scrollable_content_region.height)]


def choices(pilot_app: ReaderApp) -> list[str]:
    options = pilot_app.screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def choose(pilot, label_start: str) -> None:
    """In the open ChoiceDialog, choose the option whose label starts with `label_start`."""
    dialog = pilot.app.screen
    assert isinstance(dialog, ChoiceDialog)
    index = next(i for i, label in enumerate(choices(pilot.app)) if label.startswith(label_start))
    dialog.query_one(OptionList).highlighted = index
    await pilot.press("enter")
    await settle(pilot)


# -- script views: marks, phrases, overrides ----------------------------------------------------------------


async def test_phrases_are_underlined_and_the_status_line_says_what_the_source_has(app: ReaderApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, SIMPLIFIED)
        await show_view(pilot, screen, "taiwan")
        await settle(pilot)  # the marks are computed in a worker
        doc = document(screen)
        where = doc.text.index("選單")
        doc.move_cursor(where + 1)
        await settle(pilot)
        assert status(screen).startswith("選單 ← 菜单 · phrase")
        assert "o corrects" in status(screen)
        styles = cell_styles(doc)
        assert styles[where].underline and styles[where + 1].underline  # all of it, under the cursor too
        assert not styles[where - 1].underline  # 的 before it is the same in every script
        # an uncertain character: its alternatives
        uncertain = doc.text.index("之後")
        doc.move_cursor(uncertain + 1)
        await settle(pilot)
        assert "uncertain" in status(screen) or "phrase" in status(screen)
        # away from any mark: what the view changed, and the keys
        doc.move_cursor(doc.text.index("歷史洪流") + 1)
        await settle(pilot)
        assert "phrases" in status(screen) and "P: phrases off" in status(screen)


async def test_the_phrase_key_changes_the_text_and_the_header_says_so(app: ReaderApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, SIMPLIFIED)
        await show_view(pilot, screen, "taiwan")
        doc = document(screen)
        assert "臺灣 +phrases" in header(screen)
        assert "選單" in doc.text and "菜單" not in doc.text
        doc.move_cursor(doc.text.index("選單"))
        await pilot.press("P")
        await settle(pilot)
        assert "+phrases" not in header(screen) and "臺灣" in header(screen)
        assert "菜單" in doc.text and "選單" not in doc.text
        assert doc.text[doc.cursor : doc.cursor + 2] == "菜單"  # the cursor stays on the word
        await pilot.press("P")
        await settle(pilot)
        assert "臺灣 +phrases" in header(screen) and "選單" in doc.text


async def test_a_correction_made_in_the_app_changes_the_view_and_survives_a_restart(
    seeds_dir: Path, db_dir: Path
) -> None:
    app = make_app(seeds_dir, db_dir)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, SIMPLIFIED)
        await show_view(pilot, screen, "taiwan")
        await settle(pilot)
        doc = document(screen)
        where = doc.text.index("選單")
        doc.move_cursor(where)
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert choices(app)[:3] == ["選單", "菜單", "菜单"]  # the view's, without the phrase, the source
        await choose(pilot, "菜單")
        await choose(pilot, "This article only")
        await settle(pilot)
        assert doc.text[where : where + 2] == "菜單"
        assert status(screen).startswith("菜單 ← 菜单 · your correction")
        (override,) = screen.workspace.converter.overrides.all()
        assert (override.view, override.source, override.target, override.article) == (
            "taiwan",
            "菜单",
            "菜單",
            SIMPLIFIED,
        )
    app = make_app(seeds_dir, db_dir)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, SIMPLIFIED)  # reopens in 臺灣, where it was left
        assert screen.view_name == "taiwan"
        doc = document(screen)
        assert "菜單" in doc.text and "選單" not in doc.text
        where = doc.text.index("菜單")
        doc.move_cursor(where)
        await settle(pilot)
        assert status(screen).startswith("菜單 ← 菜单 · your correction")


async def test_a_corpus_correction_typed_in_the_app_reaches_other_articles_and_can_be_removed(
    seeds_dir: Path, db_dir: Path
) -> None:
    (seeds_dir / "other.txt").write_text("回忆\n\n在最后的时光里,我们读书。\n", encoding="utf-8")
    app = make_app(seeds_dir, db_dir)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, SIMPLIFIED)
        await show_view(pilot, screen, "traditional")
        await settle(pilot)
        doc = document(screen)
        assert screen.article is not None
        where = screen.view_text.offsets.to_view(screen.article.text.index("里"))
        assert doc.text[where] == "裏"
        doc.move_cursor(where)
        await settle(pilot)
        assert status(screen).startswith("裏 ← 里 · uncertain: 裏/里")
        await pilot.press("o")
        await settle(pilot)
        await choose(pilot, "something else")
        assert isinstance(app.screen, InputDialog)
        app.screen.query_one(Input).value = "裡"
        await pilot.press("enter")
        await settle(pilot)
        await choose(pilot, "Every article")
        await settle(pilot)
        assert doc.text[where] == "裡"  # (这里 is a phrase of OpenCC's: 這裏, the longer match, stays)
        assert status(screen).startswith("裡 ← 里 · your correction")
        # every article: another one reads it so too
        await pilot.press("escape")
        await settle(pilot)
        other = await open_article(pilot, "other.txt")
        await show_view(pilot, other, "traditional")
        assert "時光裡" in document(other).text
        # undone from the app: the view is OpenCC's again, here and there
        doc = document(other)
        doc.move_cursor(doc.text.index("裡"))
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        await choose(pilot, "remove my correction")
        await settle(pilot)
        assert "時光裏" in doc.text
        assert other.workspace.converter.overrides.all() == ()
        await pilot.press("escape")
        await settle(pilot)
        screen = await open_article(pilot, SIMPLIFIED)  # reopens in 繁體
        assert document(screen).text[where] == "裏"


async def test_highlights_stay_on_their_characters_when_an_override_changes_a_length(app: ReaderApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, SIMPLIFIED)
        await show_view(pilot, screen, "taiwan")
        assert screen.article is not None and screen.view_text is not None
        doc = document(screen)
        original = screen.article.text
        start = original.index("互联网")
        doc.selection = screen.view_text.offsets.range_to_view(start, start + 3)
        assert doc.selected_text == "網際網路"
        await annotate_selection(pilot, "网络", "")
        (annotation,) = screen.workspace.store.for_article(SIMPLIFIED)
        assert annotation.quote == "互联网"
        screen.workspace.converter.overrides.add(check_override("taiwan", "互联网", "互聯網"))
        screen._rebuild_view()
        await settle(pilot)
        (highlight,) = [h for h in doc.highlights if doc.text[h.start : h.end] == "互聯網"]
        offsets = screen.view_text.offsets
        assert offsets.range_to_original(highlight.start, highlight.end) == (start, start + 3)


async def test_a_large_view_is_built_with_a_progress_indicator(
    seeds_dir: Path, db_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the view is built when asked for, not prepared in the background beforehand (that shows no progress)
    monkeypatch.setattr(article_screen, "PREFETCH_DELAY", 3600)
    text = (seeds_dir / SIMPLIFIED).read_text(encoding="utf-8")
    (seeds_dir / "big.txt").write_text("\n".join([text] * 70), encoding="utf-8")  # ~250,000 characters
    app = make_app(seeds_dir, db_dir)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, "big.txt")
        shown: list[str] = []
        line = screen.query_one(StatusLine)
        original_show = line.show
        line.show = lambda parts: (shown.append("".join(p for p, _ in parts)), original_show(parts))[1]  # type: ignore[method-assign]
        screen.switch_view("taiwan")
        await settle(pilot)
        assert screen.view_name == "taiwan"
        building = [s for s in shown if s.startswith("Building the 臺灣 view…")]
        percents = [int(s.rsplit(" ", 1)[1].rstrip("%")) for s in building]
        assert len(percents) >= 3 and percents == sorted(percents) and percents[-1] == 100
        assert not status(screen).startswith("Building")  # gone once the view is shown


# -- web articles: folds, title, body figures ---------------------------------------------------------------


async def test_the_appended_article_is_folded_to_one_line_and_z_shows_it(app: ReaderApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_article(pilot, APPENDED)
        doc = document(screen)
        await pilot.press("G")
        lines = screen_lines(doc)
        assert "⋯ 下一篇文章 (32 lines) ⋯" in lines and "⋯ 頁尾 (17 lines) ⋯" in lines
        assert "15 folded · z shows" in status(screen)
        assert screen.article is not None
        appended_start = screen.article.text.index("往下滑看下一篇文章")
        assert doc.text_layout is not None and doc.text_layout.fold_at(appended_start + 20) is not None
        await pilot.press("z")
        await settle(pilot)
        assert doc.text_layout.fold_at(appended_start + 20) is None
        assert not any(line.startswith("⋯") for line in screen_lines(doc))
        assert "z folds" in status(screen)
        await pilot.press("z")
        await settle(pilot)
        assert doc.text_layout.fold_at(appended_start + 20) is not None


async def test_at_the_top_the_folded_menu_above_the_first_line_is_shown(app: ReaderApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_article(pilot, MENU_FIRST)  # not analysed yet: the folds come after the paint
        doc = document(screen)
        await wait_until(pilot, lambda: bool(doc.closed_folds), "the folds")
        await settle(pilot)
        assert screen_lines(doc)[0] == "⋯ 站點選單 (1 line) ⋯"
        assert doc.text[doc.cursor :].lstrip().startswith(MENU_FIRST_TITLE)  # the cursor after it
        await pilot.press("G", "g")
        assert screen_lines(doc)[0] == "⋯ 站點選單 (1 line) ⋯"
        await pilot.press("down", "down", "up", "up", "up")
        assert screen_lines(doc)[0] == "⋯ 站點選單 (1 line) ⋯"
    app = make_app(app.workspace.library.root, app.workspace.db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_article(pilot, MENU_FIRST)  # analysed: folded from the first paint
        assert screen_lines(document(screen))[0] == "⋯ 站點選單 (1 line) ⋯"


async def test_motion_skips_a_fold_and_a_find_hit_inside_one_opens_it(app: ReaderApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, APPENDED)
        assert screen.article is not None
        doc = document(screen)
        layout = doc.text_layout
        assert layout is not None
        # ")" from the last sentence of the body: the folded byline, next article and footer follow
        await pilot.press("G")
        last = doc.cursor
        await pilot.press("right_parenthesis")
        assert doc.cursor >= last and layout.fold_at(doc.cursor) is None
        # find a phrase of the appended article: the hit opens its fold, the others stay folded
        hidden = screen.article.text.index("成為內部實際運行的數位員工")
        query = "成為內部實際運行"
        await pilot.press("g", "slash")
        await pilot.press(*query)
        await pilot.press("enter")
        await settle(pilot)
        layout = doc.text_layout
        assert layout is not None and layout.fold_at(hidden) is None
        assert doc.cursor == hidden
        assert {f.kind for f in doc.closed_folds} >= {"footer", "media"}  # the others stay folded


async def test_find_in_the_body_only_leaves_out_the_appended_article(app: ReaderApp) -> None:
    from reader.widgets.findbar import FindBar

    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, APPENDED)
        assert screen.analysis is not None
        structure = screen.analysis.structure
        count = screen.query_one("#reading-search-count")
        await pilot.press("slash", *"应用")  # in the body and in the appended article
        await settle(pilot)
        everywhere = list(screen.search_matches)
        body = [m for m in everywhere if structure.region_at(m.start) is None]
        assert 0 < len(body) < len(everywhere)
        await pilot.press("ctrl+b")
        await settle(pilot)
        assert screen.query_one(FindBar).body_only and screen.search_matches == body
        assert str(count.render()).endswith(f"/{len(body)} in the body")
        await pilot.press("backspace", "backspace", *"数位员工")  # only in the appended article
        await settle(pilot)
        assert screen.search_matches == [] and str(count.render()) == "no matches in the body"
        await pilot.press("ctrl+b")  # off again: the page parts are searched too
        await settle(pilot)
        assert len(screen.search_matches) == 4  # 數位員工, four times


async def test_the_header_shows_the_detected_title_and_reading_time_counts_the_body(app: ReaderApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, MENU_FIRST)
        assert header(screen).startswith(MENU_FIRST_TITLE)
        assert screen.analysis is not None
        body = screen.analysis.structure.body_chars
        assert body < len(screen.article.text) - 400  # the menu, byline and footer are not counted
        assert header(screen).endswith(f"  ·  0%  ·  0 annotations  ·  {-(-body // 400)} min")
        await pilot.press("G", "end")  # the last character of the body
        assert "  ·  99%  ·  " in header(screen) or "  ·  100%  ·  " in header(screen)


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_the_header_keeps_the_body_reading_time_last_and_cuts_a_long_title(
    app: ReaderApp, size: tuple[int, int]
) -> None:
    from rich.cells import cell_len

    async with app.run_test(size=size) as pilot:
        screen = await open_article(pilot, DAMAGED)  # its detected title is a whole first sentence
        await settle(pilot)
        assert header(screen).startswith("近期,大量美國TikTok") and "…" in header(screen)
        assert header(screen).endswith("13 min")  # the body's 4,940 characters, not the file's 5,017
        await pilot.press("shift+right", "shift+right")
        await settle(pilot)
        shown = header(screen)
        assert "2 selected" in shown and "0 annotations" in shown and shown.endswith("13 min")
        assert cell_len(shown) <= size[0] - 2


async def test_the_library_shows_real_titles_body_lengths_and_marks(app: ReaderApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        cells = row_cells(app)
        assert cells[MENU_FIRST][0] == MENU_FIRST_TITLE
        assert cells[DAMAGED][0].startswith("⚠ ")
        assert cells[APPENDED][0].startswith("+ ") and cells[TAIWANESE][0].startswith("+ ")
        facts = library(app)._facts
        assert cells[MENU_FIRST][2] == f"{facts[MENU_FIRST].body_chars:,}"
        table = library(app).query_one(DataTable)
        table.move_cursor(row=row_ids(app).index(DAMAGED))
        await pilot.pause()
        detail = str(library(app).query_one("#library-detail").render())
        assert "⚠ 209 damaged spots" in detail
        # the filter matches the detected title (001's first line is its menu)
        await pilot.press(*"深层剖析")
        await settle(pilot)
        assert row_ids(app) == [MENU_FIRST]


async def test_the_first_paint_of_the_library_never_waits_for_the_analysis(
    seeds_dir: Path, db_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from reader.analysis import Analyser

    release = threading.Event()
    real = Analyser.summaries

    def slow(self, infos, progress=None):
        release.wait(10)
        return real(self, infos, progress)

    monkeypatch.setattr(Analyser, "summaries", slow)
    app = make_app(seeds_dir, db_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await wait_until(pilot, lambda: len(row_ids(app)) == 5, "the rows, before the analysis")
        assert row_cells(app)[MENU_FIRST][0].startswith("推广")  # the file's first line, for now
        assert "analysing" not in str(library(app).query_one("#library-header").render())
        release.set()
        await settle(pilot)
        assert row_cells(app)[MENU_FIRST][0] == MENU_FIRST_TITLE


# -- damage and the repaired view ---------------------------------------------------------------------------


async def test_damage_underlined_listed_and_the_repaired_view_anchors_to_the_original(app: ReaderApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, DAMAGED)
        assert screen.article is not None
        doc = document(screen)
        original = screen.article.text
        spot = original.index("地區(qū)")
        doc.move_cursor(spot + 1)
        await settle(pilot)
        assert "(qū)" in status(screen) and "拼音標註 → 區" in status(screen)
        styles = cell_styles(doc)
        assert styles[spot + 2].underline and styles[spot + 2].color is not None
        # listed under "Damage" in the side panel; Enter there jumps to it
        await pilot.press("p")
        await settle(pilot)
        section = screen.query_one(DamageSection)
        assert section.display and len(section.rows) == 209
        assert any(row.startswith("亂碼 ?shù)貢r → 地時") for row in section.rows)  # 當?shù)貢r間: 當地時間
        section.query_one(OptionList).focus()
        await pilot.press("end", "enter")
        await settle(pilot)
        assert doc.selection is not None and doc.has_focus
        await pilot.press("p")
        # the repaired view reads clean
        await pilot.press("R")
        await settle(pilot)
        assert "修復" in header(screen)
        assert "地區(qū)" not in doc.text and "當?shù)貢r間" not in doc.text
        assert "在美國地區" in doc.text and "當地時間" in doc.text
        # a highlight made there lands on the original characters
        assert screen.view_text is not None
        where = doc.text.index("在美國地區") + 3
        doc.selection = (where, where + 2)
        assert doc.selected_text == "地區"
        await annotate_selection(pilot, "地名", "")
        (annotation,) = screen.workspace.store.for_article(DAMAGED)
        assert (annotation.start, annotation.end) == (spot, spot + len("地區(qū)"))
        assert annotation.quote == "地區(qū)" and annotation.view == "original"
        # R again: back to the view it came from, the highlight over the original characters
        await pilot.press("R")
        await settle(pilot)
        assert screen.view_name == "original"
        assert [doc.text[h.start : h.end] for h in doc.highlights] == ["地區(qū)"]


# -- structure corrections ----------------------------------------------------------------------------------


async def test_a_correction_made_in_the_app_beats_the_heuristics_after_a_restart(
    seeds_dir: Path, db_dir: Path
) -> None:
    app = make_app(seeds_dir, db_dir)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, TAIWANESE)
        assert screen.article is not None
        doc = document(screen)
        # the related links the heuristics fold are the article, says the user
        assert screen.analysis is not None
        related = next(r.start for r in screen.analysis.structure.regions if r.kind == "related")
        doc.cursor = related  # opens the fold
        assert doc.text_layout is not None and doc.text_layout.fold_at(related) is None
        await pilot.press("m")
        await settle(pilot)
        assert choices(app)[0].startswith("Article")
        await choose(pilot, "Article")
        await settle(pilot)
        assert screen.analysis is not None and screen.analysis.structure.region_at(related) is None
        # and a body paragraph is not
        paragraph = 251
        doc.cursor = paragraph
        await pilot.press("m")
        await settle(pilot)
        await choose(pilot, "Not article: 相關連結")
        assert doc.text_layout is not None and doc.text_layout.fold_at(paragraph) is not None
    app = make_app(seeds_dir, db_dir)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, TAIWANESE)
        doc = document(screen)
        layout = doc.text_layout
        assert layout is not None
        assert layout.fold_at(paragraph) is not None
        assert layout.fold_at(related) is None
        assert screen.analysis is not None and screen.analysis.structure.region_at(related) is None


# -- reader add, search and export --------------------------------------------------------------------------


async def test_plus_in_the_library_adds_a_saved_page(app: ReaderApp, tmp_path: Path) -> None:
    page = tmp_path / "saved page.html"
    shutil.copy(DATA / "web" / "xinwen_simplified.html", page)
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("plus")
        await settle(pilot)
        assert isinstance(app.screen, InputDialog)
        app.screen.query_one(Input).value = str(tmp_path / "missing.html")
        await pilot.press("enter")
        assert isinstance(app.screen, InputDialog)  # a path that does not exist: said, the dialog stays
        app.screen.query_one(Input).value = f'"{page}"'
        await pilot.press("enter")
        await settle(pilot)
        await wait_until(pilot, lambda: "saved page.txt" in row_ids(app), "the added article in the list")
        await settle(pilot)
        assert any(message.startswith("Added 1 article") for message, _, _ in notes)
        assert library(app)._current_id() == "saved page.txt"
        facts = library(app)._facts["saved page.txt"]
        assert facts.site and facts.date.startswith("20")


async def test_a_wide_library_shows_the_site_and_date_of_added_pages_and_filters_on_them(
    seeds_dir: Path, db_dir: Path
) -> None:
    from reader.ingest import add_paths

    add_paths([DATA / "web" / "xinwen_simplified.html", DATA / "web" / "xinwen_traditional.html"], seeds_dir)
    app = make_app(seeds_dir, db_dir)
    async with app.run_test(size=(80, 24)) as pilot:  # too narrow for the columns: site and date in detail
        await settle(pilot)
        assert len(row_cells(app)[SIMPLIFIED]) == 5
        table = library(app).query_one(DataTable)
        table.move_cursor(row=row_ids(app).index("xinwen_traditional.txt"))
        await pilot.pause()
        assert "台灣日報網 · 2025-03-05" in str(library(app).query_one("#library-detail").render())
    app = make_app(seeds_dir, db_dir)
    async with app.run_test(size=(130, 30)) as pilot:
        await settle(pilot)
        cells = row_cells(app)
        assert cells["xinwen_simplified.txt"][5:] == ["环球观察网", "2025-01-20"]
        assert cells["xinwen_traditional.txt"][5:] == ["台灣日報網", "2025-03-05"]
        assert cells[SIMPLIFIED][5:] == ["", ""]  # not added from a page: nothing known
        # the filter matches a site in either script (台湾 finds 台灣日報網) and a date
        await pilot.press(*"台湾日报")
        await settle(pilot)
        assert row_ids(app) == ["xinwen_traditional.txt"]
        library(app).query_one("#library-filter", Input).value = "2025-01"
        await settle(pilot)
        assert row_ids(app) == ["xinwen_simplified.txt"]
        # a click on the Date header sorts by it (the articles without a date first, the latest last); again:
        # the other way round
        library(app).query_one("#library-filter", Input).value = ""
        library(app)._sort_by("date")
        await settle(pilot)
        assert row_ids(app)[-2:] == ["xinwen_simplified.txt", "xinwen_traditional.txt"]
        library(app)._sort_by("date")
        await settle(pilot)
        assert row_ids(app)[:2] == ["xinwen_traditional.txt", "xinwen_simplified.txt"]
        assert str(library(app).query_one(DataTable).columns[ColumnKey("date")].label).endswith("▼")


async def test_body_only_search_leaves_out_the_appended_article(app: ReaderApp) -> None:
    from reader.screens.search import CorpusSearchScreen

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CorpusSearchScreen)
        await pilot.press(*"往下滑看下一篇文章")
        await settle(pilot)
        everywhere = {hit.article_id for hit in screen.hits}
        assert APPENDED in everywhere
        screen.query_one("#search-body-only", Checkbox).value = True
        await settle(pilot)
        assert screen.hits == [] or APPENDED not in {hit.article_id for hit in screen.hits}


async def test_body_only_export_leaves_out_passages_in_page_parts(
    workspace: Workspace, seeds_dir: Path, db_dir: Path, tmp_path: Path
) -> None:
    import json

    from reader.screens.export import ExportDialog

    article = workspace.load(TAIWANESE)
    workspace.annotate(article, 251, 285, tags=["正文"])
    workspace.annotate(article, 2104, 2120, tags=["連結"])  # in the related links
    app = make_app(seeds_dir, db_dir)
    target = tmp_path / "out.json"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one("#export-body-only", Checkbox).value = True
        dialog.query_one("#export-path", Input).value = str(target)
        dialog.action_export()
        await wait_until(pilot, target.exists, "the export file")
        await settle(pilot)
    tags = [a["tags"] for a in json.loads(target.read_text(encoding="utf-8"))["annotations"]]
    assert tags == [["正文"]]


async def test_a_mark_in_a_highlight_keeps_the_highlight_colour_and_the_underline(app: ReaderApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, SIMPLIFIED)
        await show_view(pilot, screen, "taiwan")
        await settle(pilot)
        doc = document(screen)
        where = doc.text.index("選單")
        doc.selection = (where - 1, where + 2)
        await annotate_selection(pilot, "菜", "")
        doc.move_cursor(where + 6)
        await settle(pilot)
        style: Style = cell_styles(doc)[where]
        assert style.underline and style.bgcolor is not None


async def test_an_analysis_or_marks_that_arrive_after_the_article_is_closed_are_no_error(
    app: ReaderApp,
) -> None:
    """A worker looks whether the screen is still there, then hands its result to the UI thread, where the
    user may have closed it meanwhile (Escape): the result is dropped, the app does not stop."""
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, DAMAGED)
        await wait_until(
            pilot, lambda: screen.analysis is not None and screen.view_text is not None, "the analysis"
        )
        analysis, view_text = screen.analysis, screen.view_text
        assert analysis is not None and view_text is not None
        await pilot.press("escape")
        await wait_until(pilot, lambda: not screen.is_attached, "the article closed")
        screen._analysed(analysis)
        screen._marks_ready(view_text, screen._layers_of(view_text).script or MarkSet())
        await settle(pilot)
        assert app.is_running and not screen.is_attached
