"""The library with a damaged annotation file (row marked, message, set aside on request) and read-only."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from _pilot import record_notifications, settle
from reader.app import ReaderApp
from reader.screens.dialogs import ChoiceDialog
from reader.screens.library import LibraryScreen
from reader.workspace import Workspace

SIZE = (120, 36)
DAMAGED = "001_8eaa32b1d9703bf4.txt"
GOOD = "002_ced27b30dc7015ea.txt"


def _row_text(app: ReaderApp, article_id: str) -> str:
    table = app.screen.query_one(DataTable)
    return " ".join(str(cell) for cell in table.get_row(article_id))


async def test_a_damaged_annotation_file_is_marked_explained_and_set_aside_on_request(
    seeds_dir: Path, db_dir: Path
) -> None:
    workspace = Workspace(seeds_dir, db_dir)
    workspace.annotate(workspace.load(DAMAGED), 0, 5, tags=["x"])
    workspace.annotate(workspace.load(GOOD), 0, 5, tags=["y"])
    log = workspace.store.file_for(DAMAGED).with_suffix(".log")
    log.write_bytes(b"damaged\nby another tool\n")
    app = ReaderApp(Workspace(seeds_dir, db_dir))
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        assert "annotations damaged" in _row_text(app, DAMAGED)
        assert "damaged" not in _row_text(app, GOOD)
        table = screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(DAMAGED))
        await pilot.pause()
        assert str(log) in str(screen.query_one("#library-detail", Static).render())
        await pilot.press("enter")  # opening says why not, and what to do
        await pilot.pause()
        assert any(str(log) in message and "ctrl+r" in message for message, _, _ in notes)
        assert isinstance(app.screen, LibraryScreen)

        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("down", "enter")  # "Set it aside" (the first choice cancels)
        await settle(pilot)
        assert "damaged" not in _row_text(app, DAMAGED)
        assert [p.read_bytes() for p in log.parent.glob(f"{log.name}.set-aside-*")] == [
            b"damaged\nby another tool\n"
        ]
        await pilot.press("enter")  # it opens now, with no annotations
        await settle(pilot)
        assert not isinstance(app.screen, LibraryScreen)


@pytest.mark.slow
async def test_the_app_on_a_read_only_database_says_so_in_its_header(
    seeds_dir: Path, db_dir: Path, tmp_path: Path
):
    Workspace(seeds_dir, db_dir).annotate(Workspace(seeds_dir, db_dir).load(GOOD), 0, 5, tags=["y"])
    ro = tmp_path / "ro"
    ro.mkdir()
    if subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(ro)], capture_output=True
    ).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        shutil.copytree(db_dir, ro / "db")
        subprocess.run(["mount", "-o", "remount,ro", str(ro)], check=True)
        workspace = Workspace(seeds_dir, ro / "db")
        assert workspace.read_only
        app = ReaderApp(workspace)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            header = str(app.screen.query_one("#library-header", Static).render())
            assert "read-only" in header
            assert "1" in _row_text(app, GOOD)  # the annotation count is read
    finally:
        subprocess.run(["umount", "-l", str(ro)], check=False)
