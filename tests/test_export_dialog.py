"""The in-app export dialog (`x` or the command palette), driven with Pilot.

The app runs on temporary copies (fixtures in conftest.py); the current folder is a temporary one, so the
default path `reader-export-<time>.<ext>` lands there.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, ProgressBar, Select, Static

from _export_fixtures import OTHER, SIMP, TRAD, make_annotations
from _pilot import palette_search, record_notifications, settle, wait_until
from reader.app import ReaderApp
from reader.screens import export as export_screen
from reader.screens.export import ExportDialog
from reader.screens.library import LibraryScreen
from reader.screens.reading import ReadingScreen
from reader.shorttext import clip_line
from reader.workspace import Workspace

SIZE = (120, 40)


@pytest.fixture
def app(seeds_dir: Path, db_dir: Path, tmp_path: Path, monkeypatch) -> ReaderApp:
    monkeypatch.chdir(tmp_path)
    workspace = Workspace(seeds_dir, db_dir)
    make_annotations(workspace)  # 4 annotations in SIMP (2), TRAD, OTHER
    return ReaderApp(workspace)


async def open_dialog(pilot: Pilot) -> ExportDialog:
    await settle(pilot)
    await pilot.press("x")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, ExportDialog)
    return dialog


def path_input(dialog: ExportDialog) -> Input:
    return dialog.query_one("#export-path", Input)


async def test_x_opens_the_dialog_with_sensible_defaults(app, tmp_path):
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        assert dialog.query_one("#export-format", Select).value == "json"
        assert dialog.query_one("#export-view", Select).value == "original"
        value = path_input(dialog).value
        assert value.startswith("reader-export-") and value.endswith(".json")
        assert not dialog.query("#export-this-article")  # no article from the library
        assert dialog.query_one("#export-progress", ProgressBar).has_class("hidden")
        # `x` typed into a field is a letter, not a second dialog
        await pilot.press("x")
        assert path_input(dialog).value == "x"  # the default was selected: typing replaces it
        assert sum(isinstance(s, ExportDialog) for s in app.screen_stack) == 1
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)
    assert not list(tmp_path.glob("reader-export-*"))  # cancelled: nothing written


async def test_export_csv_writes_the_file_and_notifies_its_path(app, tmp_path):
    seen = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        dialog.query_one("#export-format", Select).value = "csv"
        await pilot.pause()
        assert path_input(dialog).value.endswith(".csv")  # the extension follows the format
        dialog.query_one("#export-view", Select).value = "traditional"
        path_input(dialog).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)  # closed when done
    (written,) = tmp_path.glob("reader-export-*.csv")
    rows = list(csv.DictReader(io.StringIO(written.read_bytes().decode("utf-8-sig"), newline="")))
    assert len(rows) == 4 and "字節跳動" in {r["text"] for r in rows}
    assert seen[-1] == (f"Exported 4 annotations to {written.resolve()}", "Export", "information")


async def test_filters_and_a_chosen_path(app, tmp_path):
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        dialog.query_one("#export-format", Select).value = "w3c"
        dialog.query_one("#export-tags", Input).value = "公司， 平台"  # full-width comma too
        path_input(dialog).value = str(tmp_path / "mine.jsonld")
        await pilot.click("#export-run")
        await settle(pilot)
    doc = json.loads((tmp_path / "mine.jsonld").read_text(encoding="utf-8"))
    assert doc["type"] == "AnnotationCollection" and doc["total"] == 2  # 公司 in SIMP, 平台 in OTHER


async def test_from_an_article_it_offers_only_that_article_in_its_view(app, tmp_path):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ReadingScreen(app.workspace, app.workspace.library.info(SIMP)))
        await settle(pilot)
        reading = app.screen
        assert isinstance(reading, ReadingScreen)
        reading.switch_view("taiwan")
        await settle(pilot)
        dialog = await open_dialog(pilot)
        assert dialog.query_one("#export-view", Select).value == "taiwan"
        checkbox = dialog.query_one("#export-this-article", Checkbox)
        title = app.workspace.library.info(SIMP).title
        # the title cut with … to fit a narrow dialog (this one's is 46 cells)
        assert checkbox.value is False and str(checkbox.label) == f"Only this article: {clip_line(title, 30)}"
        assert str(checkbox.label).endswith("…") and title.startswith(str(checkbox.label)[19:-1])
        checkbox.value = True
        dialog.query_one("#export-format", Select).value = "md"
        path_input(dialog).value = "only-this.md"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is reading
    md = (tmp_path / "only-this.md").read_text(encoding="utf-8")
    assert "2 passages in 1 article ·" in md and f"`{SIMP}`" in md
    assert TRAD not in md and OTHER not in md


async def test_an_error_keeps_the_dialog_open_to_fix_it(app, tmp_path):
    seen = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        path_input(dialog).value = str(tmp_path / "no" / "such" / "folder.json")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog
        status = dialog.query_one("#export-status", Static)
        assert status.has_class("error") and "does not exist" in str(status.render())
        assert seen[-1][1:] == ("Export failed", "error")
        assert not path_input(dialog).disabled and app.focused is path_input(dialog)
        path_input(dialog).value = ""
        await pilot.press("enter")
        assert "file name" in str(status.render())
        path_input(dialog).value = "fixed.json"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)
    assert len(json.loads((tmp_path / "fixed.json").read_text(encoding="utf-8"))["annotations"]) == 4


async def test_the_palette_opens_the_dialog(app):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await palette_search(pilot, "export", "Export: annotations to a file")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ExportDialog)


async def test_progress_is_shown_for_many_articles(seeds_dir, db_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(export_screen, "PROGRESS_INTERVAL", 0)
    for n in range(40):
        (seeds_dir / f"extra-{n:02d}.txt").write_text(f"第{n}篇\n学而时习之，不亦说乎？\n", encoding="utf-8")
    workspace = Workspace(seeds_dir, db_dir)
    workspace.articles()
    for n in range(40):
        workspace.annotate(workspace.load(f"extra-{n:02d}.txt"), 3, 8, tags=["学"])
    app = ReaderApp(workspace)
    seen: list[tuple[float | None, float]] = []
    original = ExportDialog._show_progress

    def record(self, done, total):
        original(self, done, total)
        bar = self.query_one("#export-progress", ProgressBar)
        seen.append((bar.total, bar.progress))

    monkeypatch.setattr(ExportDialog, "_show_progress", record)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        path_input(dialog).value = "big.json"
        await pilot.press("enter")
        await settle(pilot)
    assert seen[-1] == (40, 40) and len(seen) > 2 and seen[0][1] < 40
    assert len(json.loads((tmp_path / "big.json").read_text(encoding="utf-8"))["annotations"]) == 40


async def test_esc_during_a_long_export_cancels_it(app, tmp_path, monkeypatch):
    import time

    monkeypatch.setattr(export_screen, "PROGRESS_INTERVAL", 0)

    def slow_build(workspace, view, *, tags, article_ids, progress):
        for done in range(1000):  # until the worker is cancelled: progress() raises then
            progress(done, 1000)
            time.sleep(0.01)
        raise AssertionError("not cancelled")

    monkeypatch.setattr(export_screen, "build_export", slow_build)
    seen = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        path_input(dialog).value = "never.json"
        await pilot.press("enter")
        progress = dialog.query_one("#export-progress", ProgressBar)
        await wait_until(pilot, lambda: progress.progress > 0, "the export's progress")
        assert dialog.running and not progress.has_class("hidden")
        assert path_input(dialog).disabled
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)
    assert not (tmp_path / "never.json").exists()
    assert seen[-1] == ("Export cancelled", "Export", "information")
