"""The command palette opens the codebook, corpus search and passages by tag."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList

from _pilot import palette_search, settle
from _seeded import SIMPLIFIED, SIZE, TRADITIONAL, open_from_library, seeded, tree_lines
from reader.screens.passages import PassagesScreen
from reader.screens.search import CorpusSearchScreen
from reader.screens.tags import TagsScreen


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
