"""Pilot tests of the review screens: the codebook (tags), passages by tag, find in an article, corpus search.

Each test runs the real app on a temporary copy of the seeds (fixtures in conftest.py) at 120×36, with a few
annotations made through the Workspace first. Actions that start thread workers are followed by `settle`.
"""

from __future__ import annotations

from pathlib import Path

from rich.color import Color
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList, Static, Tree

from _pilot import palette_search, record_notifications, settle
from reader.app import ReaderApp
from reader.colors import COLORS
from reader.screens.annotate import AnnotateDialog
from reader.screens.dialogs import ChoiceDialog, InputDialog
from reader.screens.library import LibraryScreen
from reader.screens.passages import PassagesScreen, bar
from reader.screens.reading import ReadingScreen
from reader.screens.search import CorpusSearchScreen
from reader.screens.tags import TagsScreen
from reader.store import Annotation
from reader.widgets.document import DocumentView
from reader.workspace import Workspace

SIZE = (120, 36)
TRADITIONAL = "002_ced27b30dc7015ea.txt"  # 數據 twice; the passage below
SIMPLIFIED = "004_b2f79115014bf41b.txt"
PASSAGE = (251, 285)  # a one-sentence paragraph of TRADITIONAL
LATER = (2159, 2184)


def seeded(seeds_dir: Path, db_dir: Path) -> tuple[ReaderApp, list[Annotation]]:
    """The app on a workspace with four annotations in two articles (in reading order)."""
    workspace = Workspace(seeds_dir, db_dir)
    simplified = workspace.load(SIMPLIFIED)
    traditional = workspace.load(TRADITIONAL)
    annotations = [
        workspace.annotate(traditional, *PASSAGE, tags=["難民", "平台/小红书"], note="匿名来源"),
        workspace.annotate(traditional, *LATER, tags=["来源"], note="[b]not markup[/b]"),
        workspace.annotate(simplified, 10, 20, tags=["難民"]),
        workspace.annotate(simplified, 40, 52, tags=["難民", "来源"]),
    ]
    return ReaderApp(workspace), sorted(annotations, key=lambda a: (a.article_id, a.start))


def tree_lines(screen: TagsScreen) -> list[str]:
    tree = screen.query_one(Tree)
    return [
        tree.render_line(y).text.rstrip() for y in range(tree.size.height) if tree.render_line(y).text.strip()
    ]


def tag_line(screen: TagsScreen, leaf: str) -> str:
    (line,) = [line for line in tree_lines(screen) if f" {leaf}  " in line]
    return line


async def open_tags(pilot: Pilot) -> TagsScreen:
    await settle(pilot)
    await pilot.press("ctrl+t")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, TagsScreen)
    return screen


async def cursor_on(pilot: Pilot, screen: TagsScreen, tag: str) -> None:
    tree = screen.query_one(Tree)
    node = next(n for n in _nodes(tree.root) if n.data is not None and n.data.name == tag)
    tree.move_cursor(node)
    await pilot.pause()
    assert screen.current_name() == tag


def _nodes(node):
    for child in node.children:
        yield child
        yield from _nodes(child)


async def choose(pilot: Pilot, value: str) -> None:
    """In an open ChoiceDialog: highlight `value`, Enter."""
    dialog = pilot.app.screen
    assert isinstance(dialog, ChoiceDialog)
    values = [v for _, v in dialog._choices]
    dialog.query_one(OptionList).highlighted = values.index(value)
    await pilot.press("enter")
    await settle(pilot)


async def open_from_library(pilot: Pilot, article_id: str) -> ReadingScreen:
    await settle(pilot)
    library = pilot.app.screen
    assert isinstance(library, LibraryScreen)
    table = library.query_one(DataTable)
    table.move_cursor(row=[str(row.key.value) for row in table.ordered_rows].index(article_id))
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReadingScreen) and screen.article is not None
    return screen


def on_screen(document: DocumentView, offset: int) -> bool:
    layout = document.text_layout
    assert layout is not None
    row = layout.line_of_offset(offset) - round(document.scroll_y)
    return 0 <= row < document.scrollable_content_region.height


def style_at(document: DocumentView, offset: int):
    """The rendered style of the character at `offset` (on screen)."""
    layout = document.text_layout
    assert layout is not None
    line = layout.line_of_offset(offset)
    chars = [
        segment.style
        for segment in document.render_line(line - round(document.scroll_y))
        for _ in segment.text
    ]
    return chars[document._margin + offset - layout.starts[line]]


def current_match_colour(document: DocumentView, offset: int):
    style = style_at(document, offset)
    return style.bgcolor.get_truecolor() if style.bgcolor is not None else None


# -- 1. the codebook ---------------------------------------------------------------------------------------


async def test_tags_tree_rename_merge_colour_delete_and_undo(seeds_dir: Path, db_dir: Path) -> None:
    app, _ = seeded(seeds_dir, db_dir)
    store = app.workspace.store
    seen = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_tags(pilot)
        # hierarchy by "/": 小红书 is indented under 平台 (an implied parent); counts roll up
        lines = tree_lines(screen)
        assert "難民  3 passages · 2 articles" in tag_line(screen, "難民")
        assert "来源  2 passages · 2 articles" in tag_line(screen, "来源")
        parent, child = tag_line(screen, "平台"), tag_line(screen, "小红书")
        assert lines.index(child) == lines.index(parent) + 1
        assert child.index("小红书") > parent.index("平台")

        # rename (a dialog with the name filled in)
        await cursor_on(pilot, screen, "難民")
        await pilot.press("r")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, InputDialog)
        assert dialog.query_one(Input).value == "難民"
        await pilot.press("end", *"潮")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert set(store.tags()) == {"難民潮", "平台/小红书", "来源"}
        assert "難民潮  3 passages" in tag_line(screen, "難民潮")
        assert not [line for line in tree_lines(screen) if " 難民  " in line]
        assert screen.current_name() == "難民潮"  # the cursor follows the renamed tag
        assert any("Renamed 難民 → 難民潮 on 3 passage(s)" in message for message, _, _ in seen)

        # merge 来源 into 難民潮: two passages; the one with both keeps it once
        await cursor_on(pilot, screen, "来源")
        await pilot.press("m")
        await pilot.pause()
        await choose(pilot, "難民潮")
        assert set(store.tags()) == {"難民潮", "平台/小红书"}
        assert store.tags()["難民潮"] == 4
        assert "難民潮  4 passages · 2 articles" in tag_line(screen, "難民潮")

        # colour: the codebook's, and the reading screen's highlights follow it
        await cursor_on(pilot, screen, "難民潮")
        await pilot.press("k")
        await pilot.pause()
        await choose(pilot, "teal")
        assert app.workspace.codebook.color_of("難民潮") == "teal"

        # delete: a confirmation with the count; `u` undoes
        await cursor_on(pilot, screen, "平台")
        await pilot.press("d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ChoiceDialog)
        assert "on 1 passage(s) in 1 article(s)" in str(dialog._title)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert set(store.tags()) == {"難民潮"}
        assert not [line for line in tree_lines(screen) if "平台" in line or "小红书" in line]
        assert any("Deleted 平台 from 1 passage(s) · u undoes" in message for message, _, _ in seen)
        await pilot.press("u")
        await settle(pilot)
        assert set(store.tags()) == {"難民潮", "平台/小红书"}
        assert "小红书  1 passage · 1 article" in tag_line(screen, "小红书")

        # create (under the tag at the cursor) and describe
        await cursor_on(pilot, screen, "平台")
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, InputDialog) and app.screen.query_one(Input).value == "平台/"
        await pilot.press(*"抖音", "enter")
        await settle(pilot)
        assert "抖音  0 passages · 0 articles" in tag_line(screen, "抖音")
        assert screen.current_name() == "平台/抖音"
        await pilot.press("i")
        await pilot.pause()
        await pilot.press(*"Douyin [not markup]", "enter")
        await settle(pilot)
        assert "抖音  0 passages · 0 articles  Douyin [not markup]" in tag_line(screen, "抖音")

        # space marks tags: Enter lists the passages of the marked ones and the one under the cursor
        await cursor_on(pilot, screen, "平台/小红书")
        await pilot.press("space")
        assert screen.marked == {"平台/小红书"}
        assert "✓ ██ 小红书" in tag_line(screen, "小红书")
        await cursor_on(pilot, screen, "難民潮")
        await pilot.press("enter")
        await settle(pilot)
        passages = app.screen
        assert isinstance(passages, PassagesScreen)
        assert passages.tags == ("平台/小红书", "難民潮") and len(passages.entries) == 4
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen

        # Esc: back to the library; the highlights of an article use the codebook colour
        await pilot.press("escape")
        await pilot.pause()
        reading = await open_from_library(pilot, SIMPLIFIED)
        colours = {h.color for h in reading.query_one(DocumentView).highlights}
        assert colours == {COLORS["teal"]}


# -- 2. passages by tag ------------------------------------------------------------------------------------


async def test_passages_by_tag_open_return_edit_and_overview(seeds_dir: Path, db_dir: Path) -> None:
    app, annotations = seeded(seeds_dir, db_dir)
    refugees = [a for a in annotations if "難民" in a.tags]
    async with app.run_test(size=SIZE) as pilot:
        tags = await open_tags(pilot)
        await cursor_on(pilot, tags, "難民")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PassagesScreen)
        # every passage with the tag, article order then offset: the list shows title, passage, tags, note
        assert [e.annotation.id for e in screen.entries] == [a.id for a in refugees]
        header = str(screen.query_one("#passages-header", Static).render())
        assert "Passages tagged 難民" in header and "3 in 2 articles" in header
        option_list = screen.query_one(OptionList)
        first = str(option_list.get_option_at_index(0).prompt)
        assert "一名接近該公司人士透露" in first and "#難民 #平台/小红书" in first and "匿名来源" in first

        # Enter on the second passage: the article opens there, the passage selected
        await pilot.press("down")
        assert option_list.highlighted == 1
        await pilot.press("enter")
        await settle(pilot)
        reading = app.screen
        assert isinstance(reading, ReadingScreen) and reading.view_text is not None
        chosen = refugees[1]
        document = reading.query_one(DocumentView)
        assert reading.info.id == chosen.article_id
        assert document.selection == reading.view_text.offsets.range_to_view(chosen.start, chosen.end)
        # Esc clears the selection, Esc again: back in the list, on the same row
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert app.screen is screen
        assert screen.query_one(OptionList).highlighted == 1

        # `e`: the annotate dialog edits tags and note; the list shows the change
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AnnotateDialog)
        dialog.query_one("#annotate-note", Input).value = "编辑过"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        stored = app.workspace.store.get(chosen.article_id, chosen.id)
        assert stored is not None and stored.note == "编辑过"
        assert "编辑过" in str(screen.query_one(OptionList).get_option_at_index(1).prompt)
        assert screen.query_one(OptionList).highlighted == 1

        # `s`: the passages in another script (the same row stays chosen)
        await pilot.press("s")
        await settle(pilot)
        assert screen.view == "simplified" and "简体" in str(
            screen.query_one("#passages-header", Static).render()
        )
        assert "一名接近该公司人士透露" in str(screen.query_one(OptionList).get_option_at_index(0).prompt)
        assert screen.query_one(OptionList).highlighted == 1

        # the overview: bars per tag and a tag × article grid
        await pilot.press("o")
        await pilot.pause()
        bars = str(screen.query_one("#passages-bars", Static).render())
        assert "難民" in bars and bar(3, 3) in bars
        grid = screen.query_one("#passages-grid", DataTable)
        assert grid.row_count == 3  # 難民, then the other tags on those passages
        assert str(grid.get_row_at(0)[0]) == "難民"
        assert [str(cell).strip() for cell in grid.get_row_at(0)[1:]] == ["1", "2"]  # 002 and 004
        await pilot.press("o")
        await pilot.pause()
        assert screen.query_one(OptionList).has_focus


# -- 3. find in an article --------------------------------------------------------------------------------


async def test_find_in_article_across_scripts(seeds_dir: Path, db_dir: Path) -> None:
    app, _ = seeded(seeds_dir, db_dir)
    async with app.run_test(size=SIZE) as pilot:
        reading = await open_from_library(pilot, TRADITIONAL)
        document = reading.query_one(DocumentView)
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"数据")  # Simplified query, Traditional article
        await pilot.pause()
        assert [document.text[s:e] for s, e in document.search_matches] == ["數據", "數據"]
        count = reading.query_one("#reading-search-count", Static)
        assert str(count.render()) == "1/2"
        first, second = document.search_matches
        assert document.cursor == first[0]
        # the current match is drawn black on yellow, the other bold and underlined
        assert current_match_colour(document, first[0] + 1) == Color.parse("#ffd700").get_truecolor()
        other = style_at(document, second[0]) if on_screen(document, second[0]) else None
        assert other is None or (other.bold and other.underline)

        await pilot.press("enter")  # next match
        await pilot.pause()
        assert document.cursor == second[0] and document.current_match == 1
        assert str(count.render()) == "2/2"
        await pilot.press("enter")  # wraps around
        await pilot.pause()
        assert document.cursor == first[0]
        await pilot.press("up")  # previous, wrapping
        await pilot.pause()
        assert document.cursor == second[0]

        # the matches follow a view switch (the search is in original offsets)
        reading.switch_view("simplified")
        await settle(pilot)
        assert [document.text[s:e] for s, e in document.search_matches] == ["数据", "数据"]
        assert document.current_match == 1

        await pilot.press("escape")  # closes the bar and clears the matches
        await pilot.pause()
        assert document.search_matches == [] and reading.search_matches == []
        assert reading.query_one("#reading-search").has_class("hidden")
        assert document.has_focus
        await pilot.press("slash")
        await pilot.press(*"沒有這個詞")
        await pilot.pause()
        assert str(count.render()) == "no matches"


# -- 4. corpus search --------------------------------------------------------------------------------------


async def test_corpus_search_streams_results_and_opens_at_the_match(seeds_dir: Path, db_dir: Path) -> None:
    app, _ = seeded(seeds_dir, db_dir)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CorpusSearchScreen)
        await pilot.press(*"小红书")
        await settle(pilot)
        articles = {hit.article_id for hit in screen.hits}
        assert len(articles) >= 3  # Simplified 小红书 and Traditional 小紅書 alike
        status = str(screen.query_one("#search-status", Static).render())
        assert f"{len(screen.hits)} matches in {len(articles)} articles" in status
        assert "searching" not in status
        assert screen.query_one(OptionList).option_count == len(screen.hits)

        # a tag restriction: only matches inside passages tagged 平台 (or a sub-tag)
        screen.query_one("#search-tags", Input).value = "平台"
        await settle(pilot)
        assert [(h.article_id, h.match) for h in screen.hits] == [(TRADITIONAL, "小紅書")]
        screen.query_one("#search-tags", Input).value = ""
        await settle(pilot)

        # Enter in the box goes to the list; Enter there opens the article at the match, selected
        await pilot.press("enter", "down", "down")
        hit = screen.hits[2]
        await pilot.press("enter")
        await settle(pilot)
        reading = app.screen
        assert isinstance(reading, ReadingScreen) and reading.view_text is not None
        assert reading.info.id == hit.article_id
        document = reading.query_one(DocumentView)
        assert document.selection == reading.view_text.offsets.range_to_view(hit.start, hit.end)
        assert document.selected_text in {"小红书", "小紅書"}
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert app.screen is screen


# -- 5. the command palette ------------------------------------------------------------------------------


async def test_palette_opens_tags_search_and_passages(seeds_dir: Path, db_dir: Path) -> None:
    app, annotations = seeded(seeds_dir, db_dir)
    workspace = app.workspace
    workspace.annotate(workspace.load(SIMPLIFIED), 60, 64, tags=["[red]粗"], note="[@click=app.quit]x")
    async with app.run_test(size=SIZE) as pilot:
        reading = await open_from_library(pilot, TRADITIONAL)
        for query, first, expected in (
            ("codebook", "Tags: open the codebook", TagsScreen),
            ("whole corpus", "Search: the whole corpus", CorpusSearchScreen),
        ):
            await palette_search(pilot, query, first)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, expected)
            if isinstance(app.screen, TagsScreen):  # tags are data: brackets shown as typed
                assert any("[red]粗" in line for line in tree_lines(app.screen))
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is reading

        await palette_search(pilot, "by tag 来源, this", "Passages: by tag 来源, this article")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PassagesScreen)
        assert screen.tags == ("来源",) and screen.articles == (TRADITIONAL,)
        assert [e.annotation.id for e in screen.entries] == [
            a.id for a in annotations if "来源" in a.tags and a.article_id == TRADITIONAL
        ]

        # a tag and a note with markup in them are listed literally
        await pilot.press("escape")
        await palette_search(pilot, "by tag [red]", "Passages: by tag [red]")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PassagesScreen) and screen.tags == ("[red]粗",)
        prompt = str(screen.query_one(OptionList).get_option_at_index(0).prompt)
        assert "#[red]粗" in prompt and "[@click=app.quit]x" in prompt
