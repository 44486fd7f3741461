"""Passages by tag across the corpus: open the article at a passage and come back, edit, overview."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, OptionList, Static, TextArea

from _pilot import settle
from _seeded import SIZE, cursor_on, open_tags, seeded
from reader.screens.annotate import AnnotateDialog
from reader.screens.passages import PassagesScreen, bar
from reader.screens.reading import ReadingScreen
from reader.widgets.document import DocumentView


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
        dialog.query_one("#annotate-note", TextArea).load_text("编辑过")
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
