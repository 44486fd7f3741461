"""The codebook screen (ctrl+t): the tag tree, rename, merge, colour, describe, delete and undo."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from _pilot import record_notifications, settle
from _seeded import (
    SIMPLIFIED,
    SIZE,
    choose,
    cursor_on,
    open_from_library,
    open_tags,
    seeded,
    tag_line,
    tree_lines,
)
from reader.colors import COLORS
from reader.screens.dialogs import ChoiceDialog, InputDialog
from reader.screens.passages import PassagesScreen
from reader.widgets.document import DocumentView

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

        # create (the whole path typed: the field starts empty, its hint names the tag at the cursor)
        await cursor_on(pilot, screen, "平台")
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, InputDialog) and app.screen.query_one(Input).value == ""
        assert app.screen.query_one(Input).placeholder == "e.g. 平台/…"
        await pilot.press(*"平台/抖音", "enter")
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
