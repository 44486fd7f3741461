"""Two copies of the app editing the same annotation: the second save asks instead of overwriting.

Two Workspaces on one folder stand for two processes (each has its own store and caches).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual.widgets import TextArea

from _pilot import settle
from reader.app import ReaderApp
from reader.screens.annotate import AnnotateDialog
from reader.screens.conflict import ConflictDialog
from reader.screens.passages import PassagesScreen
from reader.screens.reading import ReadingScreen
from reader.store import now_iso
from reader.workspace import Workspace
from test_app import ARTICLE, PASSAGE, highlight_passage, open_article

SIZE = (120, 36)


async def _edit_note(pilot, app: ReaderApp, note: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("e")
    await pilot.pause()
    dialog = app.screen
    assert isinstance(dialog, AnnotateDialog)
    dialog.query_one("#annotate-note", TextArea).load_text(note)
    await pilot.press("enter")
    await settle(pilot)


async def test_reading_screen_asks_and_keep_both_stores_both(seeds_dir: Path, db_dir: Path) -> None:
    app = ReaderApp(Workspace(seeds_dir, db_dir))
    other = Workspace(seeds_dir, db_dir)  # the second copy of reader
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        added = await highlight_passage(pilot, screen, note="original")
        theirs = other.edit(added, note="theirs")
        await pilot.press("N")  # onto the highlight (still showing the version this copy opened)
        await _edit_note(pilot, app, "mine")
        dialog = app.screen
        assert isinstance(dialog, ConflictDialog)
        title = str(dialog._title)
        assert "theirs" in title and "mine" in title
        await pilot.press("down", "down", "enter")  # keep both
        await settle(pilot)
        assert isinstance(app.screen, ReadingScreen)
        notes = sorted(a.note for a in app.workspace.store.for_article(ARTICLE))
        assert notes == ["mine", "theirs"]
        kept = other.store.get(ARTICLE, added.id)
        assert kept is not None and kept.note == "theirs" and kept == theirs
        assert {(a.start, a.end) for a in other.store.for_article(ARTICLE)} == {PASSAGE}


async def test_passages_screen_asks_and_keep_mine_replaces_theirs(seeds_dir: Path, db_dir: Path) -> None:
    workspace = Workspace(seeds_dir, db_dir)
    a = workspace.annotate(workspace.load(ARTICLE), *PASSAGE, tags=["冲突"], note="original")
    app = ReaderApp(workspace)
    other = Workspace(seeds_dir, db_dir)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.action_passages(("冲突",))
        await settle(pilot)
        assert isinstance(app.screen, PassagesScreen)
        other.store.update(replace(a, note="theirs", modified=now_iso()))
        await _edit_note(pilot, app, "mine")
        assert isinstance(app.screen, ConflictDialog)
        await pilot.press("enter")  # keep mine
        await settle(pilot)
        assert isinstance(app.screen, PassagesScreen)
        (stored,) = other.store.for_article(ARTICLE)
        assert stored.note == "mine" and stored.id == a.id


async def test_escape_keeps_theirs_and_saves_nothing_of_mine(seeds_dir: Path, db_dir: Path) -> None:
    app = ReaderApp(Workspace(seeds_dir, db_dir))
    other = Workspace(seeds_dir, db_dir)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        added = await highlight_passage(pilot, screen, note="original")
        other.delete(added)
        await pilot.press("N")
        await _edit_note(pilot, app, "mine")
        assert isinstance(app.screen, ConflictDialog)
        assert "deleted" in str(app.screen._title)
        await pilot.press("escape")
        await settle(pilot)
        assert app.workspace.store.for_article(ARTICLE) == []
