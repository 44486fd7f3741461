"""Fit and finish in the whole app: what a new user met at 120×36, 80×24 and 60×20 (headers that keep what
matters, lines that never break a row or start with 。, sorting that shows itself, …). One flow per test;
the screens' looks at the three sizes are in test_snapshots.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.color import Color, ColorSystem
from textual.widgets import DataTable, Input, OptionList, Select, Static
from textual.widgets._toast import Toast

from _app import (
    ARTICLE,
    LATER,
    PASSAGE,
    cycle_view,
    header,
    library,
    make_app,
    open_article,
    panel_lines,
    row_ids,
)
from _pilot import palette_prompts, palette_search, record_notifications, settle, wait_until
from _seeded import PASSAGE as SEEDED_PASSAGE
from _seeded import SIMPLIFIED as SEEDED_SIMPLIFIED
from _seeded import TRADITIONAL as SEEDED_TRADITIONAL
from _seeded import choose, cursor_on, open_tags, seeded, style_at
from reader.app import ReaderApp
from reader.colors import COLORS, READABLE_CONTRAST, contrast_ratio
from reader.convert import VIEW_LABELS
from reader.screens.annotate import AnnotateDialog
from reader.screens.dialogs import ChoiceDialog, InputDialog
from reader.screens.export import ExportDialog
from reader.screens.help import HelpScreen
from reader.screens.passages import PassagesScreen
from reader.screens.reading import ReadingScreen
from reader.screens.search import CorpusSearchScreen
from reader.screens.tags import TagsScreen
from reader.settings import load_settings, settings_path
from reader.widgets.document import DocumentView
from reader.widgets.keybar import KeyBar
from reader.widgets.panel import AnnotationList, AnnotationPanel
from reader.workspace import Workspace

LONG_TITLE = "003_354cf6c445f5e220.txt"  # its first line, the title, is a whole paragraph


@pytest.fixture
def app(seeds_dir: Path, db_dir: Path) -> ReaderApp:
    return make_app(seeds_dir, db_dir)


@pytest.mark.parametrize("size", [(80, 24), (120, 36), (60, 20)])
async def test_the_header_keeps_view_position_and_count_and_cuts_the_title(
    app: ReaderApp, size: tuple[int, int]
) -> None:
    async with app.run_test(size=size) as pilot:
        screen = await open_article(pilot, LONG_TITLE)
        shown = header(screen)
        assert "原文" in shown and "0%" in shown and "0 annotations" in shown
        assert "…" in shown  # the title gave way, and says so
        assert cell_len(shown) <= size[0] - 2  # all of it on screen (the header has a cell of padding)
        assert shown.startswith("近期")
        await pilot.press("shift+right", "shift+right")
        await settle(pilot)
        assert "2 selected" in header(screen) and "0 annotations" in header(screen)


def test_fixed_parts_give_way_last_first_when_even_they_do_not_fit() -> None:
    from reader.widgets.header import Part, fit_parts

    parts = [Part("標題" * 20, shrink=True), Part("繁體"), Part("45%"), Part("3 annotations")]
    assert fit_parts(parts, 40).plain == "標題標題標… · 繁體 · 45% · 3 annotations"
    assert fit_parts(parts, 24).plain == "標題標題標… · 繁體 · 45%"  # the count gave way first
    assert fit_parts(parts, 120).plain.count("標題") == 20 and "…" not in fit_parts(parts, 120).plain
    assert all(fit_parts(parts, width).cell_len <= width for width in range(1, 130))


async def test_a_filter_that_matches_nothing_says_no_match(app: ReaderApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"zzzq")
        await settle(pilot)
        detail = str(library(app).query_one("#library-detail", Static).render())
        assert detail.startswith("no match for zzzq")
        assert not row_ids(app)


async def test_toasts_of_cycling_views_replace_each_other(app: ReaderApp) -> None:
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_article(pilot)
        for _ in range(3):
            await cycle_view(pilot, screen)
        await pilot.pause()
        toasts = [str(toast.render()) for toast in app.screen.query(Toast)]
        assert toasts == [f"{VIEW_LABELS['taiwan']} view"]


# -- the panel ----------------------------------------------------------------------------------------------

LONG_NOTE = (
    "这段话说明平台在两天内吸引了大量新用户，数字来自一名不具名的知情人士，无法核实。"
    "另一份报道给出的数字不同，需要对照原始数据。\n第二段：记者没有说明统计口径，也没有给出来源链接，"
    "所以这个数字只能当作线索。"
)


@pytest.fixture
def tagged(workspace: Workspace) -> Workspace:
    """ARTICLE with three annotations: tags in both scripts, one with a long note of two paragraphs."""
    article = workspace.load(ARTICLE)
    workspace.annotate(article, 0, 8, tags=["框架/社会"], note=LONG_NOTE)
    workspace.annotate(article, *PASSAGE, tags=["難民"], note="short")
    workspace.annotate(article, LATER[0], LATER[0] + 6, tags=["框架/經濟"])
    return workspace


async def test_p_then_t_filters_the_panel_by_tag_in_either_script(app: ReaderApp, tagged: Workspace) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_article(pilot)
        await pilot.press("p")
        await settle(pilot)
        panel = screen.query_one(AnnotationPanel)
        assert panel.query_one(AnnotationList).has_focus
        assert "t Tag filter" in screen.query_one(KeyBar).render().plain  # how to reach the filter
        await pilot.press("t", *"社會")  # Traditional typed, the tag is Simplified
        await settle(pilot)
        assert panel.query_one("#panel-filter", Input).value == "社會"
        assert len(panel.shown_ids) == 1
        await pilot.press("backspace", "backspace", *"框架")  # a parent finds its sub-tags
        await settle(pilot)
        assert len(panel.shown_ids) == 2
        await pilot.press(*"x")
        await settle(pilot)
        assert panel.shown_ids == []
        assert panel_lines(panel.query_one(AnnotationList))[0].strip() == "no match for 框架x"
        await pilot.press("escape")  # back to the list; Esc again leaves the article
        assert panel.query_one(AnnotationList).has_focus and isinstance(app.screen, ReadingScreen)


async def test_a_long_note_in_the_panel_wraps_like_the_document_under_its_indent(
    app: ReaderApp, tagged: Workspace
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_article(pilot)
        await pilot.press("p")
        await settle(pilot)
        lines = [line.rstrip() for line in panel_lines(screen.query_one(AnnotationList))]
        assert lines[1].strip() == "#框架/社会"
        note = lines[2:5]  # three lines of the note, then the next entry
        assert all(line.startswith("  ") and not line[2:3].isspace() for line in note)
        assert not any(line.strip()[0] in "，。：" for line in note)  # kinsoku: no line starts with 。
        assert note[-1].endswith("…")  # there was more
        assert "这段话说明" in note[0] and lines[5].startswith("▌")


async def test_ctrl_t_opens_the_codebook_from_every_screen(app: ReaderApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: isinstance(app.screen, CorpusSearchScreen), "the corpus search")
        await pilot.press("ctrl+t")  # it used to focus the search's tag field
        await wait_until(pilot, lambda: isinstance(app.screen, TagsScreen), "the codebook")
        await pilot.press("escape", "escape")
        await settle(pilot)
        screen = await open_article(pilot)
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: isinstance(app.screen, TagsScreen), "the codebook from an article")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


# -- every script -------------------------------------------------------------------------------------------


async def test_the_palette_opens_articles_whatever_script_the_title_is_typed_in(app: ReaderApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        prompts = await palette_search(pilot, "小红书", "Open:")
        titles = [prompt for prompt in prompts if prompt.startswith("Open:")]
        assert any("小紅書" in title for title in titles)  # written in Traditional
        assert any("小红书" in title for title in titles)


async def test_a_new_tag_is_typed_whole_and_one_spelt_like_a_tag_in_use_offers_it(
    seeds_dir: Path, db_dir: Path
) -> None:
    app, _ = seeded(seeds_dir, db_dir)  # tags 難民, 平台/小红书, 来源
    codebook = app.workspace.codebook
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_tags(pilot)
        await cursor_on(pilot, screen, "平台")
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, InputDialog), "the new-tag dialog")
        await pilot.press(*"平台/抖音", "enter")  # the full path: the field did not start with 平台/
        await settle(pilot)
        assert "平台/抖音" in {info.name for info in codebook.tags()}
        assert "平台/平台/抖音" not in {info.name for info in codebook.tags()}

        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, InputDialog), "the new-tag dialog")
        await pilot.press(*"來源/官方", "enter")  # 來源 is 来源 in use
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceDialog), "the question")
        assert "來源/官方 → 来源/官方" in str(app.screen.query_one(".dialog-title", Static).render())
        await pilot.press("enter")  # the first choice: the spelling in use
        await settle(pilot)
        names = {info.name for info in codebook.tags()}
        assert "来源/官方" in names and "來源/官方" not in names

        await cursor_on(pilot, screen, "難民")  # renamed to a spelling of a tag in use: the two merge
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, InputDialog), "the rename dialog")
        app.screen.query_one(Input).value = "平台/小紅書"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceDialog), "the question")
        await pilot.press("enter")
        await settle(pilot)
        assert set(app.workspace.store.tags()) == {"平台/小红书", "来源"}


async def test_annotating_with_a_tag_spelt_like_one_in_use_offers_it(seeds_dir: Path, db_dir: Path) -> None:
    app, _ = seeded(seeds_dir, db_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_article(pilot, SEEDED_SIMPLIFIED)
        await pilot.press("v", "a")
        await wait_until(pilot, lambda: isinstance(app.screen, AnnotateDialog), "the annotate dialog")
        await pilot.press(*"來源", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceDialog), "the question")
        await pilot.press("enter")  # the first choice: the tag in use
        await settle(pilot)
        assert app.screen is screen
        (first,) = [a for a in app.workspace.store.for_article(SEEDED_SIMPLIFIED) if a.start == 0]
        assert first.tags == ("来源",)
        await pilot.press("G", "v", "a")
        await wait_until(pilot, lambda: isinstance(app.screen, AnnotateDialog), "the annotate dialog")
        await pilot.press(*"來源", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceDialog), "the question")
        await pilot.press("down", "enter")  # the second: keep it as typed
        await settle(pilot)
        last = app.workspace.store.for_article(SEEDED_SIMPLIFIED)[-1]
        assert last.tags == ("來源",)


async def test_the_export_dialogs_tag_filter_keeps_sub_tags_in_either_script_and_says_when_it_keeps_nothing(
    seeds_dir: Path, db_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app, _ = seeded(seeds_dir, db_dir)  # 来源 on two passages
    article = app.workspace.load(SEEDED_SIMPLIFIED)
    app.workspace.annotate(article, 60, 70, tags=["来源/官方"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportDialog), "the export dialog")
        dialog = app.screen
        warning = dialog.query_one("#export-tags-warning", Static)
        dialog.query_one("#export-tags", Input).value = "來源x"
        await settle(pilot)
        assert warning.display and "no passage has 來源x" in str(warning.render())
        dialog.query_one("#export-tags", Input).value = "來源"  # Traditional: keeps 来源 and 来源/官方
        await settle(pilot)
        assert not warning.display
        path = dialog.query_one("#export-path", Input).value
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, ExportDialog), "the export")
        exported = json.loads((tmp_path / path).read_text(encoding="utf-8"))
        tags = sorted(tuple(a["tags"]) for a in exported["annotations"])
        assert tags == sorted([("来源",), ("難民", "来源"), ("来源/官方",)])


# -- every line ---------------------------------------------------------------------------------------------


def option_rows(option_list: OptionList) -> list[list[str]]:
    return [
        option_list.get_option_at_index(i).prompt.plain.split("\n")  # type: ignore[union-attr]
        for i in range(option_list.option_count)
    ]


async def test_search_results_and_passages_keep_each_row_to_one_line_of_the_list(
    seeds_dir: Path, db_dir: Path
) -> None:
    app, _ = seeded(seeds_dir, db_dir)
    article = app.workspace.load(SEEDED_SIMPLIFIED)
    note = "第一行的笔记，说明这个段落为什么重要。\n第二行：它和前面的报道矛盾。"
    app.workspace.annotate(article, 60, 90, tags=["難民"], note=note)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: isinstance(app.screen, CorpusSearchScreen), "the corpus search")
        await pilot.press(*"小红书")
        await settle(pilot)
        results = app.screen.query_one(OptionList)
        width = results.scrollable_content_region.width - 2
        rows = option_rows(results)
        assert len(rows) >= 10 and all(len(row) == 2 for row in rows)  # title (and tags), then the match
        too_wide = [line for row in rows for line in row if cell_len(line) > width]
        assert not too_wide, (width, too_wide)
        assert all(row[1].startswith("  …") for row in rows)  # the context cut with …
        await pilot.press("escape")
        tags = await open_tags(pilot)
        await cursor_on(pilot, tags, "難民")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PassagesScreen), "the passages")
        await settle(pilot)
        passages = app.screen.query_one(OptionList)
        width = passages.scrollable_content_region.width - 2
        rows = option_rows(passages)
        assert len(rows) == 4 and all(len(row) == 3 for row in rows)  # title, passage, tags and note
        assert all(cell_len(line) <= width for row in rows for line in row)
        assert any("第一行的笔记" in row[2] and row[2].endswith("…") for row in rows)


# -- colours and themes -------------------------------------------------------------------------------------


async def test_highlighted_text_keeps_the_themes_colour_where_it_reads(seeds_dir: Path, db_dir: Path) -> None:
    app, _ = seeded(seeds_dir, db_dir)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_article(pilot, SEEDED_TRADITIONAL)
        document = screen.query_one(DocumentView)
        for theme in ("textual-dark", "textual-light", "solarized-light", "nord"):
            app.theme = theme
            await settle(pilot)
            base = document.rich_style.color  # the theme's text colour, as the view draws it
            assert base is not None
            foreground = base.get_truecolor().hex
            style = style_at(document, SEEDED_PASSAGE[0] + 1)
            assert style.bgcolor is not None and style.color is not None
            text, background = style.color.get_truecolor().hex, style.bgcolor.get_truecolor().hex
            assert contrast_ratio(text, background) >= READABLE_CONTRAST, theme
            if contrast_ratio(foreground, background) >= READABLE_CONTRAST:  # light themes: their own text
                assert text == foreground, theme


async def test_the_current_match_is_a_colour_no_highlight_has_even_on_16_colours(
    seeds_dir: Path, db_dir: Path
) -> None:
    app, _ = seeded(seeds_dir, db_dir)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_article(pilot, SEEDED_TRADITIONAL)
        document = screen.query_one(DocumentView)
        await pilot.press("slash", *"数据")
        await settle(pilot)
        start, _ = document.search_matches[document.current_match or 0]
        style = style_at(document, start)
        assert style.bgcolor is not None
        current = style.bgcolor.downgrade(ColorSystem.STANDARD).number
        highlights = {Color.parse(value).downgrade(ColorSystem.STANDARD).number for value in COLORS.values()}
        assert current not in highlights


async def test_back_from_the_codebook_an_open_article_shows_the_new_colours(
    seeds_dir: Path, db_dir: Path
) -> None:
    app, _ = seeded(seeds_dir, db_dir)  # the passage: 難民 (its colour) and 平台/小红书
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_article(pilot, SEEDED_TRADITIONAL)
        document = screen.query_one(DocumentView)
        before = style_at(document, SEEDED_PASSAGE[0] + 1).bgcolor
        for colour in ("purple", "teal"):
            assert before != Color.parse(COLORS[colour])
            await pilot.press("ctrl+t")
            tags = await wait_for_screen(pilot, TagsScreen)
            await settle(pilot)
            await cursor_on(pilot, tags, "難民")
            await pilot.press("k")
            await wait_for_screen(pilot, ChoiceDialog)
            await choose(pilot, colour)
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is screen
            shown = style_at(document, SEEDED_PASSAGE[0] + 1).bgcolor
            assert shown is not None and shown.get_truecolor() == Color.parse(COLORS[colour]).get_truecolor()
            before = shown
        # a rename (or merge, or delete) changes the article's annotations: shown as they now are
        app.action_tags()  # as the palette's "Tags: open the codebook" does
        tags = await wait_for_screen(pilot, TagsScreen)
        await settle(pilot)
        await cursor_on(pilot, tags, "難民")
        await pilot.press("r")
        await wait_for_screen(pilot, InputDialog)
        app.screen.query_one(Input).value = "難民潮"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        (annotation,) = [a for a in screen.annotations if a.start == SEEDED_PASSAGE[0]]
        assert annotation.tags == ("難民潮", "平台/小红书")
        shown = style_at(document, SEEDED_PASSAGE[0] + 1).bgcolor
        assert (
            shown is not None
            and shown.get_truecolor() == Color.parse(app.workspace.color_for(annotation)).get_truecolor()
        )


async def wait_for_screen(pilot, kind):  # type: ignore[no-untyped-def]
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, kind), kind.__name__)
    return pilot.app.screen


async def test_a_theme_chosen_in_the_palette_is_remembered(seeds_dir: Path, db_dir: Path) -> None:
    app = make_app(seeds_dir, db_dir)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await palette_search(pilot, "theme", "Theme")
        await pilot.press("enter")  # Textual's theme list, in the palette
        await pilot.pause()
        await pilot.press(*"textual-light")
        await wait_until(pilot, lambda: "textual-light" in palette_prompts(pilot)[:1], "textual-light listed")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.theme == "textual-light", "the light theme")
        await wait_until(pilot, lambda: load_settings(db_dir).theme == "textual-light", "the theme saved")
    again = make_app(seeds_dir, db_dir)
    async with again.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert again.theme == "textual-light"


async def test_the_settings_dialog_saves_checks_and_reports_what_the_file_holds(
    seeds_dir: Path, db_dir: Path
) -> None:
    from reader.screens.settings import SettingsDialog  # (here: the module is new)

    path = settings_path(db_dir)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"font": "serif", "view": "klingon"}), encoding="utf-8")
    app = make_app(seeds_dir, db_dir)
    notes = record_notifications(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert any("view" in message and "klingon" in message for message, _, _ in notes)  # at start
        await pilot.press("question_mark")
        await wait_for_screen(pilot, HelpScreen)
        keys = app.screen.query_one(DataTable)
        assert any(str(keys.get_row_at(i)[0]) == "f2" for i in range(keys.row_count))  # listed in help
        await pilot.press("escape", "f2")
        dialog = await wait_for_screen(pilot, SettingsDialog)
        notices = str(dialog.query_one("#settings-notices", Static).render())
        assert "unknown setting" in notices and "font" in notices and "klingon" in notices
        dialog.query_one("#settings-coder", Input).value = "Alice"
        dialog.query_one("#settings-view", Select).value = "simplified"
        dialog.query_one("#settings-wrap", Input).value = "10"
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = str(dialog.query_one("#settings-error", Static).render())
        assert app.screen is dialog and "wrap_width" in error and "from 20 to 400" in error
        assert "\n" not in error
        dialog.query_one("#settings-wrap", Input).value = "40"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, SettingsDialog)
        saved = json.loads(path.read_text(encoding="utf-8"))
        assert saved == {"font": "serif", "coder": "Alice", "view": "simplified", "wrap_width": 40}
        screen = await open_article(pilot)  # opened for the first time: in the view of the setting
        assert screen.view_name == "simplified"
        layout = screen.query_one(DocumentView).text_layout
        assert layout is not None and layout.width == 40


# -- every control reachable ---------------------------------------------------------------------------------


async def _open_dialog(pilot, kind: str) -> None:  # type: ignore[no-untyped-def]
    """Open the dialog `kind` as a user would: from the article (annotate, edit, export), F2, the codebook."""
    if kind == "new tag":
        await settle(pilot)
        await pilot.press("ctrl+t")
        await wait_for_screen(pilot, TagsScreen)
        await settle(pilot)
        await pilot.press("c")
        await wait_for_screen(pilot, InputDialog)
    elif kind == "settings":
        await settle(pilot)
        await pilot.press("f2")
        await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "SettingsDialog", "the settings")
    else:
        screen = await open_article(pilot)
        assert screen.view_text is not None
        screen.query_one(DocumentView).cursor = screen.view_text.offsets.to_view(PASSAGE[0])
        await pilot.press({"annotate": "v", "edit": "e", "export": "x"}[kind])
        if kind == "annotate":
            await pilot.press("v", "a")  # two sentences: a quote longer than a short screen shows
        await wait_for_screen(pilot, ExportDialog if kind == "export" else AnnotateDialog)
    await settle(pilot)


@pytest.mark.parametrize("size", [(60, 20), (80, 24)])
@pytest.mark.parametrize("kind", ["annotate", "edit", "export", "settings", "new tag"])
async def test_every_control_of_every_dialog_is_whole_on_screen_when_tab_reaches_it(
    app: ReaderApp, tagged: Workspace, kind: str, size: tuple[int, int]
) -> None:
    """At 80×24 the annotate dialog's Save and Cancel were below the screen's edge: each control, reached
    with Tab, is drawn whole inside the screen (not clipped by the dialog's box), every button included."""
    from textual.widgets import Button

    async with app.run_test(size=size) as pilot:
        await _open_dialog(pilot, kind)
        dialog = app.screen
        reached: list[object] = []
        while app.focused is not None and app.focused not in reached:
            focused = app.focused
            await settle(pilot)  # the focused control is scrolled into view
            geometry = dialog.find_widget(focused)
            assert geometry.region.area > 0, (kind, focused)
            assert dialog.region.contains_region(geometry.region), (kind, focused, geometry.region)
            assert geometry.visible_region == geometry.region, (kind, focused, geometry.clip)
            reached.append(focused)
            await pilot.press("tab")
        assert app.screen is dialog
        assert reached and all(button in reached for button in dialog.query(Button)), kind
