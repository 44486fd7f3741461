"""Keys typed right after a key that opens a field, a dialog or a screen reach that field, in order.

The keys are posted to the app all at once, as the driver delivers keys that arrive together (`tmux
send-keys /數據`, a fast typist): before any of them is handled. Before widgets/typeahead.py ran these keys
as they arrive, the keys after them went to the widget focused before and were lost (the same in tmux:
test_tmux_typeahead.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.widgets import DataTable, Input

from _app import (
    ARTICLE,
    PASSAGE,
    SIZE,
    filter_value,
    highlight_passage,
    library,
    make_app,
    open_article,
    row_ids,
)
from _pilot import settle, wait_until
from reader.app import ReaderApp
from reader.screens.annotate import AnnotateDialog
from reader.screens.reading import ReadingScreen
from reader.screens.search import CorpusSearchScreen
from reader.widgets.document import DocumentView
from reader.widgets.panel import AnnotationPanel
from test_app_typing import SPECIAL

#: what the driver sends for these keys (key, character), besides test_app_typing's
KEYS = {**SPECIAL, "/": ("slash", "/"), "⌃f": ("ctrl+f", "\x06"), "↓": ("down", None)}


def burst(app: ReaderApp, *pieces: str) -> None:
    """Post every key of `pieces` at once, as the driver delivers keys that arrive together."""
    for piece in pieces:
        for key in [piece] if piece in KEYS else list(piece):
            name, character = KEYS.get(key, (key, key))
            app.post_message(events.Key(name, character))


@pytest.fixture
def app(seeds_dir: Path, db_dir: Path) -> ReaderApp:
    return make_app(seeds_dir, db_dir)


async def test_slash_and_a_query_typed_at_once_find_the_query(app: ReaderApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        burst(app, "/", "數據")
        await settle(pilot)
        assert screen.query_one("#reading-search Input", Input).value == "數據"


async def test_letters_that_are_keys_typed_into_the_find_field_are_letters(app: ReaderApp) -> None:
    """`a` annotates (a passage is selected) and `e` edits in an article, but typed into the find field
    they are letters."""
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        await pilot.press("v")
        await settle(pilot)
        burst(app, "/", "and", " ", "e")
        await settle(pilot)
        await pilot.press("space", "a")  # typed slowly too
        assert screen.query_one("#reading-search Input", Input).value == "and e a"
        assert screen.is_current


async def test_t_and_a_tag_typed_at_once_filter_the_panel(app: ReaderApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        await pilot.press("p")
        await settle(pilot)
        burst(app, "t框架")
        await settle(pilot)
        assert screen.query_one("#panel-filter", Input).value == "框架"


async def test_a_and_a_tag_typed_at_once_fill_the_dialogs_tags(app: ReaderApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        assert screen.view_text is not None
        screen.query_one(DocumentView).cursor = screen.view_text.offsets.to_view(PASSAGE[0])
        await pilot.press("v")
        await settle(pilot)
        burst(app, "a難民", ",", " ", "平台")
        await wait_until(pilot, lambda: isinstance(app.screen, AnnotateDialog), "the annotate dialog")
        await settle(pilot)
        assert app.screen.query_one("#annotate-tags", Input).value == "難民, 平台"


async def test_e_and_a_tag_typed_at_once_replace_the_highlights_tags(app: ReaderApp) -> None:
    """The tags are selected when the edit dialog opens (as when typed slowly): typing replaces them."""
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        await highlight_passage(pilot, screen, tags="難民")
        assert screen.view_text is not None
        screen.query_one(DocumentView).cursor = screen.view_text.offsets.to_view(PASSAGE[0])
        await settle(pilot)
        burst(app, "e", "平台")
        await wait_until(pilot, lambda: isinstance(app.screen, AnnotateDialog), "the edit dialog")
        await settle(pilot)
        assert app.screen.query_one("#annotate-tags", Input).value == "平台"


async def test_esc_in_the_dialog_and_a_key_typed_at_once_act_in_the_article(app: ReaderApp) -> None:
    """`p` after Esc opens the panel (it used to be typed into the closing dialog's tags)."""
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        assert screen.view_text is not None
        screen.query_one(DocumentView).cursor = screen.view_text.offsets.to_view(PASSAGE[0])
        await pilot.press("v", "a")
        await wait_until(pilot, lambda: isinstance(app.screen, AnnotateDialog), "the annotate dialog")
        await settle(pilot)
        burst(app, "⎋", "p")
        await wait_until(pilot, lambda: app.screen is screen, "the article")
        await settle(pilot)
        assert screen.query_one(AnnotationPanel).is_open
        assert not screen.workspace.store.for_article(screen.info.id)


async def test_ctrl_f_and_a_query_typed_at_once_search_the_query(app: ReaderApp) -> None:
    """(Passed before too: ctrl+f is a priority binding, run as it arrives; kept so it stays so.)"""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(app, "⌃f", "數據")
        await wait_until(pilot, lambda: isinstance(app.screen, CorpusSearchScreen), "the corpus search")
        await settle(pilot)
        assert app.screen.query_one("#search-query", Input).value == "數據"


async def test_esc_and_letters_typed_at_once_filter_the_library(app: ReaderApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_article(pilot)
        burst(app, "⎋", "Tok")
        await wait_until(pilot, lambda: not isinstance(app.screen, ReadingScreen), "the library")
        await settle(pilot)
        assert filter_value(app) == "Tok"


async def test_esc_in_the_corpus_search_and_letters_typed_at_once_filter_the_library(app: ReaderApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: isinstance(app.screen, CorpusSearchScreen), "the corpus search")
        await settle(pilot)
        burst(app, "⎋", "Tok")
        await wait_until(pilot, lambda: not isinstance(app.screen, CorpusSearchScreen), "the library")
        await settle(pilot)
        assert filter_value(app) == "Tok"


async def test_enter_and_a_key_typed_at_once_act_in_the_article(app: ReaderApp) -> None:
    """`p` after Enter opens the article's panel (it used to start a library filter "p")."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        library(app).query_one(DataTable).move_cursor(row=row_ids(app).index(ARTICLE))
        burst(app, "\r", "p")
        await wait_until(pilot, lambda: isinstance(app.screen, ReadingScreen), "the article")
        await settle(pilot)
        assert app.screen.query_one(AnnotationPanel).is_open


async def test_enter_after_arrows_typed_at_once_opens_the_row_they_reach(app: ReaderApp) -> None:
    """Enter runs as it arrives only when no key typed before it is still on its way: ↓↓⏎ opens the row
    two below, not the row the cursor was on when Enter arrived."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        rows = row_ids(app)
        table = library(app).query_one(DataTable)
        table.focus()
        table.move_cursor(row=0)
        await settle(pilot)
        burst(app, "↓", "↓", "\r")
        await wait_until(pilot, lambda: isinstance(app.screen, ReadingScreen), "the article")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReadingScreen) and screen.info.id == rows[2]


async def test_esc_in_the_find_field_and_a_key_typed_at_once_act_in_the_article(app: ReaderApp) -> None:
    """`p` after Esc closes the find field and opens the panel (it used to be typed into the closing field,
    then lost with it)."""
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        await pilot.press("slash", *"數據")
        await settle(pilot)
        burst(app, "⎋", "p")
        await settle(pilot)
        assert screen.query_one(AnnotationPanel).is_open
        assert screen.query_one("#reading-search Input", Input).value == ""
