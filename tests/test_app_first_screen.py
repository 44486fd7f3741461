"""Opening an article with many annotations draws its first screen from the annotations that reach it
(``Workspace.first_annotations``) and reads the rest after that first paint: the first screen is drawn
exactly as with all of them, the header counts all of them, and what needs them all waits for them."""

from __future__ import annotations

import threading
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import DataTable

from _app import LONG_ARTICLE, cell_styles, document, header, library, row_ids
from _pilot import wait_until
from reader.app import ReaderApp
from reader.screens.reading import ReadingScreen
from reader.settings import set_setting
from reader.store import make_annotation
from reader.widgets.panel import AnnotationPanel
from reader.workspace import Workspace

MANY = 3_000
SIZE = (100, 30)


def crowded_database(seeds_dir: Path, db_dir: Path, coder: str | None = None) -> None:
    """LONG_ARTICLE with MANY annotations all along it, saved by another session (of ``coder``)."""
    workspace = Workspace(seeds_dir, db_dir, coder=coder)
    article = workspace.load(LONG_ARTICLE)
    size = len(article.text)
    made = [
        make_annotation(
            article, (i * 37) % (size - 20), (i * 37) % (size - 20) + 2 + i % 11, tags=[f"t{i % 4}"]
        )
        for i in range(MANY)
    ]
    workspace.store.put_many(LONG_ARTICLE, made)
    workspace.store.compact(LONG_ARTICLE)
    workspace.store.close()


async def open_long_article(pilot: Pilot, app: ReaderApp) -> ReadingScreen:
    """Enter on LONG_ARTICLE in the library, until its first screen shows (no settle: a test may hold the
    rest of its annotations back)."""
    await wait_until(pilot, lambda: LONG_ARTICLE in row_ids(app), "the library")
    table = library(app).query_one(DataTable)
    table.focus()
    table.move_cursor(row=row_ids(app).index(LONG_ARTICLE))
    await pilot.press("enter")
    await wait_until(
        pilot,
        lambda: isinstance(app.screen, ReadingScreen) and app.screen.view_text is not None,
        "the article",
    )
    assert isinstance(app.screen, ReadingScreen)
    return app.screen


def backgrounds(doc) -> dict[int, object]:
    """The highlight colour of every character on screen (text marks, drawn as they arrive, aside)."""
    return {offset: style.bgcolor for offset, style in cell_styles(doc).items()}


async def test_the_first_screen_is_drawn_from_its_own_annotations_and_the_rest_follow(
    seeds_dir: Path, db_dir: Path
) -> None:
    crowded_database(seeds_dir, db_dir)
    workspace = Workspace(seeds_dir, db_dir)
    release, asked = threading.Event(), threading.Event()
    read_all = workspace.annotations

    def held(article, **kwargs):  # the rest is read only when the test says so
        asked.set()
        release.wait(20)
        return read_all(article, **kwargs)

    workspace.annotations = held  # type: ignore[method-assign]
    app = ReaderApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_long_article(pilot, app)
        await wait_until(pilot, asked.is_set, "the rest to be read")  # drawn; the rest is being read
        doc = document(screen)
        assert 0 < len(screen.annotations) < MANY  # only the first screen's are read
        assert f"{MANY} annotations" in header(screen)
        first_screen = backgrounds(doc)
        await pilot.press("p")  # the panel lists them all: it waits for them
        await pilot.pause()
        panel = screen.query_one(AnnotationPanel)
        assert not panel.display
        release.set()
        await wait_until(pilot, lambda: len(screen.annotations) == MANY and panel.display, "all of them")
        assert len(panel.shown_ids) == MANY
        now = backgrounds(doc)  # (folds found meanwhile may hide some of what was shown: compare the rest)
        both = first_screen.keys() & now.keys()
        assert len(both) > 200
        assert {o: now[o] for o in both} == {o: first_screen[o] for o in both}  # the highlights were exact
        assert any(colour is not None for colour in first_screen.values())
        assert f"{MANY} annotations" in header(screen)


async def test_blind_coding_counts_only_what_it_shows(seeds_dir: Path, db_dir: Path) -> None:
    """Bob's annotations are hidden from Ann until she marks the article coded: the header says 0, not
    the number the store holds (what the first screen's read alone would count)."""
    crowded_database(seeds_dir, db_dir, coder="Bob")
    set_setting(db_dir, "blind", True)
    workspace = Workspace(seeds_dir, db_dir, coder="Ann")
    workspace.store.counts()  # every coder's files listed: the store could read the first screen's alone
    app = ReaderApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_long_article(pilot, app)
        await pilot.pause()
        assert "0 annotations" in header(screen)
        assert not screen.annotations


async def test_a_highlight_saved_while_the_rest_is_read_stays_shown(seeds_dir: Path, db_dir: Path) -> None:
    """The rest of the annotations, read before a save, arrive after it: the newer read stays shown, in
    every coder view."""
    crowded_database(seeds_dir, db_dir)
    workspace = Workspace(seeds_dir, db_dir)
    release, asked = threading.Event(), threading.Event()
    read_all = workspace.annotations
    calls = []

    def held(article, **kwargs):  # the first call (the rest) reads, then waits; the save's read does not
        calls.append(1)
        found = read_all(article, **kwargs)
        if len(calls) == 1:
            asked.set()
            release.wait(20)
        return found

    workspace.annotations = held  # type: ignore[method-assign]
    app = ReaderApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_long_article(pilot, app)
        await wait_until(pilot, asked.is_set, "the rest to be read")
        await pilot.press("v", "a")  # a sentence, then the tag dialog
        await wait_until(pilot, lambda: app.screen is not screen, "the tag dialog")
        await pilot.press(*"新标签", "enter")
        await wait_until(pilot, lambda: len(screen.annotations) == MANY + 1, "the saved highlight")
        release.set()
        await wait_until(
            pilot, lambda: not screen.workers or all(not w.is_running for w in screen.workers), "reads"
        )
        await pilot.pause()
        assert len(screen.annotations) == MANY + 1
        assert f"{MANY + 1} annotations" in header(screen)
        await pilot.press("c")  # another coder view (mine): made from everyone's as last read
        await wait_until(pilot, lambda: "mine" in header(screen), "my view")
        await wait_until(pilot, lambda: all(not w.is_running for w in screen.workers), "my view shown")
        await pilot.pause()
        assert len(screen.annotations) == MANY + 1


async def test_a_wrong_opencc_found_after_the_first_paint_stops_the_app_with_its_reason(
    seeds_dir: Path, db_dir: Path, monkeypatch
) -> None:
    import reader.scripts
    from reader.errors import EnvironmentProblem

    def broken() -> None:
        raise EnvironmentProblem("the official OpenCC binding is not importable (opencc_clib): reinstall")

    monkeypatch.setattr(reader.scripts, "check_opencc", broken)
    app = ReaderApp(Workspace(seeds_dir, db_dir))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.refused is not None, "the refusal")
    assert app.refused is not None and "OpenCC" in app.refused and app.return_code == 2
