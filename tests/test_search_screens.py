"""Find in an article (`/`) and corpus search (ctrl+f), in any script."""

from __future__ import annotations

from pathlib import Path

from rich.color import Color
from textual.widgets import Input, OptionList, Static

from _pilot import settle
from _seeded import SIZE, TRADITIONAL, current_match_colour, on_screen, open_from_library, seeded, style_at
from reader.screens.reading import ReadingScreen
from reader.screens.search import CorpusSearchScreen
from reader.widgets.document import DocumentView


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
        # the current match is drawn white on violet, the other bold and underlined
        assert current_match_colour(document, first[0] + 1) == Color.parse("#5f00af").get_truecolor()
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


async def test_hits_name_each_article_by_the_title_the_library_shows(seeds_dir: Path, db_dir: Path) -> None:
    """Seed 001 is a scraped page whose first line is its site's menu: the library shows its detected title,
    and so do the search's hits (the file's first line only while no title is detected yet)."""
    app, _ = seeded(seeds_dir, db_dir)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the library detects every article's title in the background
        await pilot.press("ctrl+f")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CorpusSearchScreen)
        await pilot.press(*"关停")
        await settle(pilot)
        rows = [
            (hit.article_id, screen.query_one(OptionList).get_option_at_index(k).prompt.plain)
            for k, hit in enumerate(screen.hits)
        ]
        scraped = [row for article_id, row in rows if article_id.startswith("001_")]
        assert scraped and all(row.startswith("TikTok海外关停") for row in scraped)
        assert not any("热搜" in row for _, row in rows)
