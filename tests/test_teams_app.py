"""Team work in the app: the coder's name asked on first start, whose work the reading screen shows
(everyone's in coder colours and decorations, mine, one coder's, blind), the agreement screen and its
differences opening the passage, the merge screen recording decisions, and sync in a worker."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import DataTable, OptionList

from _app import ARTICLE, LATER, PASSAGE, SIZE, document, header, open_article, panel_lines
from _pilot import record_notifications, settle, wait_until
from conftest import READER_BIN
from reader.app import ReaderApp
from reader.merge_decisions import read_decisions
from reader.screens.dialogs import InputDialog
from reader.screens.library import LibraryScreen
from reader.screens.reading import ReadingScreen
from reader.screens.team import AgreementScreen, MergeScreen
from reader.settings import load_settings, set_setting
from reader.widgets.header import HeaderLine
from reader.widgets.panel import AnnotationList
from reader.workspace import Workspace

TEN = "ten.txt"
TEN_TEXT = "".join(f"第{i}句话说了一件事。" for i in range(10))  # ten sentences of ten characters


def coder_ws(articles: Path, db: Path, name: str) -> Workspace:
    return Workspace(articles, db, coder=name)


def sentence(i: int) -> tuple[int, int]:
    return 10 * i + 1, 10 * i + 8  # inside sentence i: the unit is the sentence


@pytest.fixture
def ten(tmp_path: Path) -> Path:
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / TEN).write_text(TEN_TEXT, encoding="utf-8")
    return folder


def two_coders_on_ten(articles: Path, db: Path) -> None:
    """Ann codes sentences 0–3 X, Bob 0, 1, 4 X: worked by hand in test_teams_agreement_merge (κ .348)."""
    for name, sentences in (("Ann", (0, 1, 2, 3)), ("Bob", (0, 1, 4))):
        ws = coder_ws(articles, db, name)
        article = ws.load(TEN)
        for i in sentences:
            ws.annotate(article, *sentence(i), tags=["X"])
        ws.store.close()


# ------------------------------------------------------------------------------------------ the coder


async def test_first_start_asks_for_the_coder_name_and_signs_annotations_with_it(
    seeds_dir: Path, db_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("READER_CODER", raising=False)
    app = ReaderApp(Workspace(seeds_dir, db_dir))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, InputDialog), "the coder question")
        await pilot.press(*"Ann Lee", "enter")
        await wait_until(pilot, lambda: app.workspace.coder == "Ann Lee", "the name taken")
        assert load_settings(db_dir).get("coder") == "Ann Lee"
        ws = app.workspace
        article = ws.load(ARTICLE)
        made = ws.annotate(article, *PASSAGE, tags=["t"])
        assert ws.creator_of(made) == "Ann Lee"
    # the next start knows the name: no question
    app = ReaderApp(Workspace(seeds_dir, db_dir))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not isinstance(app.screen, InputDialog)
        assert app.workspace.coder == "Ann Lee"


async def test_a_reserved_coder_name_is_refused_in_the_dialog(
    seeds_dir: Path, db_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("READER_CODER", raising=False)
    app = ReaderApp(Workspace(seeds_dir, db_dir))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, InputDialog), "the coder question")
        await pilot.press(*"agreed", "enter")
        await settle(pilot)
        assert isinstance(app.screen, InputDialog)  # the dialog stays open, saying why
        assert load_settings(db_dir).get("coder") in (None, "")


# ------------------------------------------------------------------------------------ coder views


def ann_and_bob_on_the_seed(seeds_dir: Path, db_dir: Path) -> None:
    bob = coder_ws(seeds_dir, db_dir, "Bob")
    bob.annotate(bob.load(ARTICLE), *LATER, tags=["bob-tag"])
    bob.store.close()
    ann = coder_ws(seeds_dir, db_dir, "Ann")
    ann.annotate(ann.load(ARTICLE), *PASSAGE, tags=["ann-tag"])
    ann.store.close()


def shown(screen: ReadingScreen) -> dict[str, str]:
    """The highlighted passages' original text -> their colour (with a coder's decoration after |)."""
    doc = document(screen)
    return {doc.text[h.start : h.end]: h.color for h in doc.highlights}


async def test_everyone_s_work_in_coder_styles_then_mine_then_one_coder_s(
    seeds_dir: Path, db_dir: Path
) -> None:
    ann_and_bob_on_the_seed(seeds_dir, db_dir)
    app = ReaderApp(coder_ws(seeds_dir, db_dir, "Ann"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        text = screen.article.text if screen.article else ""
        passage, later = text[PASSAGE[0] : PASSAGE[1]], text[LATER[0] : LATER[1]]
        await wait_until(pilot, lambda: len(shown(screen)) == 2, "both coders' highlights")
        colours = shown(screen)
        assert "everyone's" in header(screen)
        ann_colour, bob_colour = colours[passage], colours[later]
        # a distinct colour and a distinct underline style per coder (for colour-blind users too)
        assert ann_colour.split("|")[0] != bob_colour.split("|")[0]
        assert ann_colour.split("|")[1] != bob_colour.split("|")[1]
        await pilot.press("c")
        await wait_until(pilot, lambda: list(shown(screen)) == [passage], "mine only")
        assert "mine" in header(screen)
        await pilot.press("c")
        await wait_until(pilot, lambda: list(shown(screen)) == [later], "Bob's only")
        assert "Bob's" in header(screen)
        await pilot.press("c")
        await wait_until(pilot, lambda: len(shown(screen)) == 2, "everyone's again")
        await pilot.press("p")  # the panel names the other coder's annotation's coder
        entries = screen.query_one(AnnotationList)
        await wait_until(pilot, lambda: any("— Bob" in line for line in panel_lines(entries)), "Bob named")
        assert not any("— Ann" in line for line in panel_lines(entries))  # mine: no name


async def test_blind_coding_hides_others_until_the_article_is_marked_coded(
    seeds_dir: Path, db_dir: Path
) -> None:
    ann_and_bob_on_the_seed(seeds_dir, db_dir)
    set_setting(db_dir, "blind", True)
    app = ReaderApp(coder_ws(seeds_dir, db_dir, "Ann"))
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        await wait_until(pilot, lambda: len(shown(screen)) == 1, "my highlight only")
        await pilot.press("c")
        await settle(pilot)
        assert len(shown(screen)) == 1  # still hidden
        assert any("blind coding" in message for message, _, _ in notes)
        await pilot.press("C")  # marked coded by Ann
        await wait_until(pilot, lambda: any("Marked coded" in m for m, _, _ in notes), "the mark")
        text = screen.article.text if screen.article else ""
        await pilot.press("c")  # mine → Bob's → everyone's
        await wait_until(pilot, lambda: list(shown(screen)) == [text[LATER[0] : LATER[1]]], "Bob's")
        await pilot.press("c")
        await wait_until(pilot, lambda: len(shown(screen)) == 2, "everyone's once coded")


async def test_another_coder_s_annotation_cannot_be_deleted_here(seeds_dir: Path, db_dir: Path) -> None:
    ann_and_bob_on_the_seed(seeds_dir, db_dir)
    app = ReaderApp(coder_ws(seeds_dir, db_dir, "Ann"))
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        await wait_until(pilot, lambda: len(shown(screen)) == 2, "both highlights")
        bob_s = next(a for a in screen._everyone if a.creator == "Bob")
        screen.jump_to(bob_s)
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert any("read-only" in message for message, _, _ in notes)
    cat = coder_ws(seeds_dir, db_dir, "Cat")
    left = [a.creator for a in cat.annotations(cat.load(ARTICLE))]
    assert sorted(left) == ["Ann", "Bob"]


# ------------------------------------------------------------------------------- agreement and merge


async def test_the_agreement_screen_shows_the_hand_worked_figures_and_opens_a_difference(
    ten: Path, tmp_path: Path
) -> None:
    db = tmp_path / "db"
    two_coders_on_ten(ten, db)
    app = ReaderApp(coder_ws(ten, db, "Ann"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.run_action("agreement")
        await wait_until(pilot, lambda: isinstance(app.screen, AgreementScreen), "the agreement screen")
        await settle(pilot)
        screen = app.screen
        table = screen.query_one(DataTable)
        await wait_until(pilot, lambda: table.row_count == 2, "the overall row and tag X's")
        overall = [str(cell) for cell in table.get_row_at(0)]
        # by hand: 10 sentences, 7 agree, Cohen's κ = (.7 − .54) / .46 = .348
        assert overall[:4] == ["10", "5", "70.0%", "0.348"]
        differences = screen.query_one(OptionList)
        assert differences.option_count == 3  # sentences 2, 3 (Ann only) and 4 (Bob only)
        differences.focus()
        differences.highlighted = 0
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReadingScreen), "the passage")
        reading = app.screen
        await settle(pilot)
        assert reading.info.id == TEN
        assert document(reading).selection == (20, 30)  # sentence 2, as the unit was compared
        await pilot.press("escape", "escape")  # the selection, then the article
        await wait_until(pilot, lambda: isinstance(app.screen, AgreementScreen), "back to agreement")
        await pilot.press("u")  # paragraphs: the one paragraph of this text
        agreement_header = screen.query_one("#agreement-header")
        await wait_until(pilot, lambda: "paragraph units" in str(agreement_header.render()), "paragraphs")


async def test_the_merge_screen_records_each_decision_with_who_made_it(ten: Path, tmp_path: Path) -> None:
    db = tmp_path / "db"
    two_coders_on_ten(ten, db)
    app = ReaderApp(coder_ws(ten, db, "Cat"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.run_action("merge")
        await wait_until(pilot, lambda: isinstance(app.screen, MergeScreen), "the merge screen")
        await settle(pilot)
        screen = app.screen
        items = screen.query_one(OptionList)
        await wait_until(pilot, lambda: items.option_count == 3, "three differences to decide")
        header_text = str(screen.query_one("#merge-header").render())
        assert "2 identical merged now" in header_text  # sentences 0 and 1
        items.highlighted = 0
        await pilot.press("2")  # Bob's (nothing there: sentence 2 is Ann's only)
        await wait_until(pilot, lambda: items.option_count == 2, "one decided")
        await pilot.press("a")
        await wait_until(pilot, lambda: items.option_count == 1, "two decided")
    decisions = list(read_decisions(coder_ws(ten, db, "Cat")).current.values())
    assert sorted(d.choice for d in decisions) == ["all", "identical", "identical", "take:Bob"]
    assert {d.by for d in decisions} == {"Cat"}


# --------------------------------------------------------------------------------------------- sync


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=setup", "-c", "user.email=setup@example.invalid", *args],
        cwd=cwd,
        capture_output=True,
        check=True,
    )


def ann_and_bob_clones(ten: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A project on a bare "shared drive" and two clones; Bob has coded sentence 0 and synced."""
    remote = tmp_path / "team.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    project = tmp_path / "project"
    shutil.copytree(ten, project / "seeds")
    git(project, "init", "--quiet", "--initial-branch=main")
    git(project, "add", "seeds")
    git(project, "commit", "--quiet", "-m", "articles")
    git(project, "remote", "add", "origin", str(remote))
    git(project, "push", "--quiet", "--set-upstream", "origin", "main")
    ann, bob = tmp_path / "ann", tmp_path / "bob"
    for clone in (ann, bob):
        git(tmp_path, "clone", "--quiet", str(remote), str(clone))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "READER_CODER": "Bob"}
    run = {"cwd": bob, "env": env, "check": True, "capture_output": True}
    subprocess.run([str(READER_BIN), "annotate", TEN, "--start", "1", "--end", "8", "--tag", "X"], **run)
    subprocess.run([str(READER_BIN), "sync"], **run)
    return ann, bob


def toasts(app: ReaderApp) -> list[str]:
    """The text of the toasts on the screen, as the user reads them (by type name: textual.widgets does not
    export Toast)."""
    return [str(toast.render()) for toast in app.screen.query("Toast")]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
async def test_sync_in_the_app_brings_another_coder_s_work(ten: Path, tmp_path: Path) -> None:
    ann, _ = ann_and_bob_clones(ten, tmp_path)
    app = ReaderApp(Workspace(ann / "seeds", ann / "annotations", coder="Ann"))
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("S")
        await wait_until(pilot, lambda: any(title == "Synced" for _, title, _ in notes), "the sync")
        ws = app.workspace
        assert [a.creator for a in ws.annotations(ws.load(TEN))] == ["Bob"]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
async def test_a_new_sync_takes_the_last_one_s_outcome_off_the_screen(ten: Path, tmp_path: Path) -> None:
    """A second S within seconds of the first: the first sync's "Synced … pushed" (shown for 6 s) must
    not stand on the screen as if it were the new sync's outcome (the tmux team test read it as such,
    and Bob synced before Ann's work was pushed)."""
    ann, _ = ann_and_bob_clones(ten, tmp_path)
    app = ReaderApp(Workspace(ann / "seeds", ann / "annotations", coder="Ann"))
    notes = record_notifications(app)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("S")
        await wait_until(pilot, lambda: any("Bob merged" in t for t in toasts(app)), "the first outcome")
        ws = app.workspace
        ws.annotate(ws.load(TEN), *sentence(1), tags=["X"])
        await pilot.press("S")
        await wait_until(pilot, lambda: any("Syncing" in t for t in toasts(app)), "the second sync")
        assert not any("Bob merged" in t for t in toasts(app)), toasts(app)
        await wait_until(pilot, lambda: sum(title == "Synced" for _, title, _ in notes) == 2, "its outcome")
        await settle(pilot)
        assert any("1 commit(s) of yours, nothing new from others, pushed" in t for t in toasts(app))


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
async def test_the_library_header_counts_a_save_made_in_an_article_as_unsynced(
    ten: Path, tmp_path: Path
) -> None:
    """Back from coding an article, the header says there is work to sync (it said "up to date")."""
    ann, _ = ann_and_bob_clones(ten, tmp_path)
    app = ReaderApp(Workspace(ann / "seeds", ann / "annotations", coder="Ann"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("S")
        line = library_header(app)
        await wait_until(pilot, lambda: "sync: up to date" in line(), "the synced header")
        screen = await open_article(pilot, TEN)
        screen.workspace.annotate(screen.article, *sentence(1), tags=["X"])
        await pilot.press("escape")
        await wait_until(pilot, lambda: "sync: 1 unsynced" in line(), "the save counted")
        await pilot.press("S")
        await wait_until(pilot, lambda: "sync: up to date" in line(), "the header after the sync")


def library_header(app: ReaderApp) -> Callable[[], str]:
    screen = app.screen
    assert isinstance(screen, LibraryScreen)
    header_line = screen.query_one(HeaderLine)
    return lambda: str(header_line.render())


async def test_a_new_name_from_an_article_goes_back_to_the_library_and_codes_as_it(
    seeds_dir: Path, db_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("READER_CODER", raising=False)
    set_setting(db_dir, "coder", "Ann")
    app = ReaderApp(Workspace(seeds_dir, db_dir))
    async with app.run_test(size=SIZE) as pilot:
        await open_article(pilot)
        await app.run_action("set_coder")
        await wait_until(pilot, lambda: isinstance(app.screen, InputDialog), "the name dialog")
        await pilot.press(*"Bob", "enter")
        await wait_until(pilot, lambda: app.workspace.coder == "Bob", "the new name")
        await settle(pilot)
        assert type(app.screen).__name__ == "LibraryScreen"
        screen = await open_article(pilot)
        assert screen.workspace.store is app.workspace.store and not app.workspace.store.read_only


async def test_a_new_name_in_the_settings_dialog_is_coded_as_at_once(
    seeds_dir: Path, db_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from textual.widgets import Input

    from reader.screens.settings import SettingsDialog

    monkeypatch.delenv("READER_CODER", raising=False)
    set_setting(db_dir, "coder", "Ann")
    app = ReaderApp(Workspace(seeds_dir, db_dir))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsDialog), "the settings")
        app.screen.query_one("#settings-coder", Input).value = "Bob"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.workspace.coder == "Bob", "coding as Bob")
        ws = app.workspace
        made = ws.annotate(ws.load(ARTICLE), *PASSAGE, tags=["t"])
        assert ws.creator_of(made) == "Bob" and ws.store.coders()[0] == "Bob"


async def test_the_library_header_names_the_coder_given_at_first_start(
    tmp_path: Path, seeds_dir: Path, db_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a team's repository the header shows who is coding: the name just given, not the one before."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    remote = ["git", "-C", str(tmp_path), "remote", "add", "origin", str(tmp_path / "elsewhere.git")]
    subprocess.run(remote, check=True)  # a team's repository has a remote
    monkeypatch.delenv("READER_CODER", raising=False)
    app = ReaderApp(Workspace(seeds_dir, db_dir))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, InputDialog), "the coder question")
        await pilot.press(*"Ann Lee", "enter")
        await wait_until(pilot, lambda: app.workspace.coder == "Ann Lee", "the name taken")
        library = app.screen
        assert isinstance(library, LibraryScreen)
        line = library.query_one(HeaderLine)
        await wait_until(pilot, lambda: "Ann Lee" in str(line.render()), "the header's name")
