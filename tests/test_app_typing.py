"""Keys typed ahead (a fast typist, a paste through the keyboard, a script): each reaches the field it was
typed for, in order. The keys are posted to the app as the driver delivers a burst, all at once, before
any of them is handled: a key that moves the focus must not leave the keys after it in the old field.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input

from _app import PASSAGE, SIZE, filter_value, library, make_app, open_article, row_ids
from _pilot import settle, wait_until
from reader.app import ReaderApp
from reader.screens.annotate import AnnotateDialog
from reader.screens.reading import ReadingScreen
from reader.widgets.document import DocumentView

#: what the driver sends for these keys (key, character)
SPECIAL = {
    "\t": ("tab", "\t"),
    " ": ("space", " "),
    ",": ("comma", ","),
    "\r": ("enter", "\r"),
    "⎋": ("escape", "\x1b"),
    "⌃s": ("ctrl+s", "\x13"),
}


def burst(app: ReaderApp, *pieces: str) -> None:
    """Post every key of `pieces` at once, as the driver delivers keys that arrive together."""
    for piece in pieces:
        for key in [piece] if piece in SPECIAL else list(piece):
            name, character = SPECIAL.get(key, (key, key))
            app.post_message(events.Key(name, character))


@pytest.fixture
def app(seeds_dir: Path, db_dir: Path) -> ReaderApp:
    return make_app(seeds_dir, db_dir)


async def test_a_filter_typed_fast_keeps_every_letter_even_those_that_are_keys(app: ReaderApp) -> None:
    """`o` sorts and `q` quits on the list, but typed in a filter they are letters: Tok, Iraq."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = library(app)
        order = row_ids(app)
        burst(app, "Tok")
        await settle(pilot)
        assert filter_value(app) == "Tok"
        burst(app, "⎋", "Iraq")  # Esc clears the filter and gives the list the keys after it…
        await settle(pilot)
        assert filter_value(app) == "Iraq"  # … and the next letter starts a new filter
        assert app.is_running and screen.is_current
        burst(app, "⎋", "o")  # after Esc, `o` is the list's: it sorts
        await settle(pilot)
        assert filter_value(app) == ""
        assert row_ids(app) != order and screen.query_one("#library-table").has_focus


async def test_tags_tab_and_a_note_typed_at_once_land_in_their_fields(app: ReaderApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        assert screen.view_text is not None
        screen.query_one(DocumentView).cursor = screen.view_text.offsets.to_view(PASSAGE[0])
        await pilot.press("v", "a")
        await wait_until(pilot, lambda: isinstance(app.screen, AnnotateDialog), "the annotate dialog")
        await settle(pilot)
        burst(app, "難民", ",", " ", "平台", "\t", "unnamed", " ", "source", "⌃s")
        await settle(pilot)
        await wait_until(pilot, lambda: isinstance(app.screen, ReadingScreen), "the dialog to close")
        await settle(pilot)
        (annotation,) = screen.workspace.store.for_article(screen.info.id)
        assert annotation.tags == ("難民", "平台")
        assert annotation.note == "unnamed source"
        assert not app.screen.query(Input).filter("#annotate-tags")


async def test_a_note_pasted_keeps_every_line_and_enter_makes_a_new_one(app: ReaderApp) -> None:
    """The note is a small editor: a bracketed paste of several lines keeps them all (a one-line field kept
    the first), Enter is a new line, ctrl+s saves."""
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        assert screen.view_text is not None
        screen.query_one(DocumentView).cursor = screen.view_text.offsets.to_view(PASSAGE[0])
        await pilot.press("v", "a")
        await wait_until(pilot, lambda: isinstance(app.screen, AnnotateDialog), "the annotate dialog")
        await pilot.press("tab")
        app.post_message(events.Paste("第一行\n第二行 (second)\n第三行"))
        await settle(pilot)
        burst(app, "\r", "end", "⌃s")
        await settle(pilot)
        await wait_until(pilot, lambda: isinstance(app.screen, ReadingScreen), "the dialog to close")
        await settle(pilot)
        (annotation,) = screen.workspace.store.for_article(screen.info.id)
        assert annotation.note == "第一行\n第二行 (second)\n第三行\nend"
