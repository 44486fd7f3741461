"""Dialogs that stop a mistake before it is made: replacing a file, writing into reader's own folders,
a tag with an empty part; and the command palette, built once per opening."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Select, Static, Tree

from _export_fixtures import make_annotations
from _pilot import palette_prompts, settle, wait_until
from reader.app import ReaderApp
from reader.screens.annotate import AnnotateDialog
from reader.screens.commands import ReaderCommands
from reader.screens.dialogs import ChoiceDialog, InputDialog
from reader.screens.export import ExportDialog
from reader.screens.library import LibraryScreen
from reader.screens.reading import ReadingScreen
from reader.screens.tags import TagsScreen
from reader.workspace import Workspace

SIZE = (120, 40)
TRAD = "002_ced27b30dc7015ea.txt"


@pytest.fixture
def app(seeds_dir: Path, db_dir: Path, tmp_path: Path, monkeypatch) -> ReaderApp:
    monkeypatch.chdir(tmp_path)
    workspace = Workspace(seeds_dir, db_dir)
    make_annotations(workspace)
    return ReaderApp(workspace)


async def open_export(pilot: Pilot) -> ExportDialog:
    await settle(pilot)
    await pilot.press("x")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ExportDialog), "the export dialog")
    return pilot.app.screen  # type: ignore[return-value]


def status_of(dialog: ExportDialog) -> str:
    return str(dialog.query_one("#export-status", Static).render())


# -- export dialog -------------------------------------------------------------------------------------


async def test_replacing_an_existing_file_is_asked_first(app, tmp_path):
    existing = tmp_path / "notes.json"
    existing.write_text("keep me", encoding="utf-8")
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_export(pilot)
        dialog.query_one("#export-path", Input).value = str(existing)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceDialog), "the replace question")
        question = str(app.screen.query_one(".dialog-title", Static).render())
        assert question == f"{existing} exists. Replace it?"
        await pilot.press("enter")  # the first choice is "Cancel"
        await settle(pilot)
        assert app.screen is dialog and existing.read_text(encoding="utf-8") == "keep me"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceDialog), "the question again")
        await pilot.press("down", "enter")  # "Replace it"
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)
    assert existing.read_text(encoding="utf-8").startswith("{")


async def test_reader_folders_are_refused_in_the_dialog(app, seeds_dir, db_dir):
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_export(pilot)
        for target in (seeds_dir / "x.json", db_dir / "x.json"):
            dialog.query_one("#export-path", Input).value = str(target)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is dialog and "inside" in status_of(dialog)
            assert not target.exists()


async def test_the_csv_formula_choice_is_in_the_dialog(app, tmp_path):
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_export(pilot)
        keep = dialog.query_one("#export-csv-formulas", Checkbox)
        assert keep.has_class("hidden")  # only for CSV
        dialog.query_one("#export-format", Select).value = "csv"
        await pilot.pause()
        assert not keep.has_class("hidden") and keep.value is False
        dialog.query_one("#export-path", Input).value = str(tmp_path / "safe.csv")
        app.workspace.annotate(app.workspace.load(TRAD), 0, 2, tags=["=1+1"])
        await pilot.press("enter")
        await settle(pilot)
    app = ReaderApp(app.workspace)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_export(pilot)
        dialog.query_one("#export-format", Select).value = "csv"
        await pilot.pause()
        dialog.query_one("#export-csv-formulas", Checkbox).value = True
        dialog.query_one("#export-path", Input).value = str(tmp_path / "kept.csv")
        await pilot.press("ctrl+s")
        await settle(pilot)

    def tags(name: str) -> set[str]:
        text = (tmp_path / name).read_bytes().decode("utf-8-sig")
        return {row["tags"] for row in csv.DictReader(io.StringIO(text, newline=""))}

    assert "=1+1" in tags("kept.csv")
    assert not any(t.startswith(("=", "+", "-", "@")) for t in tags("safe.csv"))


# -- tag rules in the dialogs ----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["a//b", "/lead", "trail/", "/", "好, , 坏"])
async def test_annotate_dialog_refuses_a_tag_with_an_empty_part(seeds_dir, db_dir, typed):
    workspace = Workspace(seeds_dir, db_dir)
    app = ReaderApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ReadingScreen(workspace, workspace.library.info(TRAD)))
        await settle(pilot)
        await pilot.press("v", "a")
        await wait_until(pilot, lambda: isinstance(app.screen, AnnotateDialog), "the annotate dialog")
        dialog = app.screen
        dialog.query_one("#annotate-tags", Input).value = typed
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog  # still open, nothing saved
        error = dialog.query_one("#annotate-error", Static)
        assert error.display and "empty" in str(error.render())
        assert workspace.store.for_article(TRAD) == []
        dialog.query_one("#annotate-tags", Input).value = "framing/economy, 好"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReadingScreen)
        (saved,) = workspace.store.for_article(TRAD)
        assert saved.tags == ("framing/economy", "好")


async def test_edit_dialog_refuses_it_too_and_a_trailing_comma_is_fine(seeds_dir, db_dir):
    workspace = Workspace(seeds_dir, db_dir)
    annotation = workspace.annotate(workspace.load(TRAD), 0, 4, tags=["old"])
    app = ReaderApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ReadingScreen(workspace, workspace.library.info(TRAD)))
        await settle(pilot)
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, AnnotateDialog), "the edit dialog")
        dialog = app.screen
        dialog.query_one("#annotate-tags", Input).value = "new//tag"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog and "empty part" in str(dialog.query_one("#annotate-error").render())
        dialog.query_one("#annotate-tags", Input).value = "new, "  # as left by completion
        await pilot.press("enter")
        await settle(pilot)
    assert workspace.store.get(TRAD, annotation.id).tags == ("new",)


async def test_codebook_new_and_rename_dialogs_check_the_name(seeds_dir, db_dir):
    workspace = Workspace(seeds_dir, db_dir)
    workspace.codebook.create("framing")
    app = ReaderApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: isinstance(app.screen, TagsScreen), "the codebook")
        await settle(pilot)
        app.screen.query_one(Tree).move_cursor_to_line(0)
        await pilot.press("c")  # an empty field (a prefilled "framing/" made 框架/框架/經濟 of a full path)
        await wait_until(pilot, lambda: isinstance(app.screen, InputDialog), "the new-tag dialog")
        dialog = app.screen
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog
        assert "cannot be empty" in str(dialog.query_one(".dialog-error", Static).render())
        await pilot.press(*"framing/", "enter")  # Enter on a path ending in / would make an empty part
        await pilot.pause()
        assert app.screen is dialog
        assert "empty part" in str(dialog.query_one(".dialog-error", Static).render())
        await pilot.press(*"economy", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TagsScreen)
    assert "framing/economy" in {t.name for t in workspace.codebook.tags()}


# -- command palette -------------------------------------------------------------------------------------


async def test_palette_builds_its_commands_once_per_opening(app, monkeypatch):
    built: list[int] = []
    original = ReaderCommands._commands

    def counting(self):
        built.append(1)
        return original(self)

    monkeypatch.setattr(ReaderCommands, "_commands", counting)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"open 年輕人")
        await wait_until(
            pilot, lambda: any(p.startswith("Open: 年輕人") for p in palette_prompts(pilot)), "the article"
        )
        assert len(built) == 1  # not once per key
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.press(*"export")
        await wait_until(pilot, lambda: any(p.startswith("Export") for p in palette_prompts(pilot)), "export")
        assert len(built) == 2
