"""Results of thread workers that arrive after the user has moved on (screens/handover.py).

The user does not wait for a worker: Esc closes the article while its highlight is saved, ctrl+t opens the
codebook over a screen that is still looking something up. Each test holds the worker at the moment that
matters (a stand-in for the slow call waits on an Event), does what the user would do meanwhile, lets the
worker go and looks at what the user sees: no lost "Not saved", no screen closed that the user was
looking at, no stale listing over a newer one.

A closed screen's workers are cancelled, and ``settle`` does not wait for a cancelled worker's thread
(it runs on): after closing, the tests wait for what the user would see, not for the workers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, TextArea

from _app import ARTICLE, PASSAGE, document, make_app, open_article, row_ids
from _pilot import DEADLINE, record_notifications, settle, wait_until
from _seeded import cursor_on, open_tags, seeded
from _words import dictionary_index, install_dictionary  # noqa: F401  (fixture)
from reader.app import ReaderApp
from reader.errors import ArticleError, ConflictError, ReaderError, StoreError
from reader.screens import coding as coding_screen
from reader.screens.annotate import AnnotateDialog
from reader.screens.coding import CodeMatchesScreen, HitList
from reader.screens.conflict import ConflictDialog
from reader.screens.dialogs import InputDialog
from reader.screens.handover import show
from reader.screens.library import LibraryScreen
from reader.screens.passages import PassagesScreen
from reader.screens.reading import ReadingScreen
from reader.screens.tags import TagsScreen
from reader.store import now_iso

SIZE = (120, 36)
SIMPLIFIED = "001_8eaa32b1d9703bf4.txt"


class Held:
    """Stands in for a slow call of a worker: the call waits until the test lets it go, then does `then`."""

    def __init__(self, then: Callable[..., Any]) -> None:
        self.then = then
        self.entered = threading.Event()
        self.released = threading.Event()
        self.thread = 0  # the worker thread that called

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.thread = threading.get_ident()
        self.entered.set()
        self.released.wait(DEADLINE)
        return self.then(*args, **kwargs)


@pytest.fixture
def app(seeds_dir: Path, db_dir: Path) -> ReaderApp:
    return make_app(seeds_dir, db_dir)


async def _highlight_and_close(pilot, screen: ReadingScreen, held: Held) -> None:  # type: ignore[no-untyped-def]
    """Select PASSAGE, `a`, a tag, Enter; Esc Esc while the save is held; then let the save go on."""
    assert screen.view_text is not None
    document(screen).cursor = screen.view_text.offsets.to_view(PASSAGE[0])
    await pilot.press("v", "a")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, AnnotateDialog), "the dialog")
    pilot.app.screen.query_one("#annotate-tags", Input).value = "難民"
    await pilot.press("enter")
    await wait_until(pilot, held.entered.is_set, "the save to start")
    await pilot.press("escape", "escape")  # the selection, then the article
    await wait_until(pilot, lambda: not screen.is_attached, "the article closed")
    held.released.set()


async def test_a_highlight_saved_as_the_article_is_closed_is_kept_and_said(app: ReaderApp) -> None:
    seen = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        held = Held(app.workspace.annotate)
        app.workspace.annotate = held  # type: ignore[method-assign]
        await _highlight_and_close(pilot, screen, held)
        await wait_until(pilot, lambda: ("Saved", "", "information") in seen, "the save said")
        assert app.is_running and isinstance(app.screen, LibraryScreen)
        (stored,) = app.workspace.store.for_article(ARTICLE)
        assert (stored.start, stored.end, stored.tags) == (*PASSAGE, ("難民",))
        assert ("Saved", "", "information") in seen


async def test_a_highlight_that_cannot_be_saved_says_so_after_the_article_is_closed(app: ReaderApp) -> None:
    """Before, the worker's ``self.app`` raised for the closed screen: the failure reached no one and the
    user believed the highlight saved."""
    seen = record_notifications(app)

    def full_disk(*args: object, **kwargs: object) -> None:
        raise StoreError("db/annotations: no space left on device: free some space and save again")

    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        held = Held(full_disk)
        app.workspace.annotate = held  # type: ignore[method-assign]
        await _highlight_and_close(pilot, screen, held)
        await wait_until(pilot, lambda: any(severity == "error" for *_, severity in seen), "the failure said")
        assert app.is_running and isinstance(app.screen, LibraryScreen)
        assert not app.workspace.store.for_article(ARTICLE)
        full = "db/annotations: no space left on device: free some space and save again"
        assert [(message, title) for message, title, severity in seen if severity == "error"] == [
            (full, "Not saved")
        ]


async def test_an_edit_that_conflicts_after_the_article_is_closed_still_asks(
    seeds_dir: Path, db_dir: Path
) -> None:
    """Another copy of reader changed the highlight; the user edited it and closed the article before the
    save found out. The question comes over the library, and the answer is kept."""
    app = make_app(seeds_dir, db_dir)
    workspace = app.workspace
    original = workspace.annotate(workspace.load(ARTICLE), *PASSAGE, tags=["难民"], note="original")
    theirs = replace(original, note="theirs", modified=now_iso())
    seen = record_notifications(app)

    def conflict(annotation: object, **changes: Any) -> None:
        raise ConflictError("changed by another copy", replace(original, note="mine"), theirs)

    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        workspace.store.update(theirs)
        held = Held(conflict)
        workspace.edit = held  # type: ignore[method-assign]
        await pilot.press("n", "e")
        await wait_until(pilot, lambda: isinstance(app.screen, AnnotateDialog), "the dialog")
        app.screen.query_one("#annotate-note", TextArea).load_text("mine")
        await pilot.press("enter")
        await wait_until(pilot, held.entered.is_set, "the save to start")
        await pilot.press("escape", "escape")  # the selection (`n` selected the highlight), the article
        await wait_until(pilot, lambda: not screen.is_attached, "the article closed")
        held.released.set()
        await wait_until(pilot, lambda: isinstance(app.screen, ConflictDialog), "the question")
        await pilot.press("enter")  # keep mine
        await wait_until(pilot, lambda: ("Saved (yours kept)", "", "information") in seen, "the outcome")
        assert isinstance(app.screen, LibraryScreen)
        (stored,) = workspace.store.for_article(ARTICLE)
        assert stored.note == "mine"
        assert ("Saved (yours kept)", "", "information") in seen


async def test_a_passage_edit_that_fails_after_the_list_is_closed_says_so(
    seeds_dir: Path, db_dir: Path
) -> None:
    app = make_app(seeds_dir, db_dir)
    workspace = app.workspace
    workspace.annotate(workspace.load(ARTICLE), *PASSAGE, tags=["难民"], note="original")
    seen = record_notifications(app)

    def read_only(*args: object, **kwargs: object) -> None:
        raise StoreError("db: the database folder is read-only: check its permissions")

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.action_passages(("难民",))
        await wait_until(pilot, lambda: isinstance(app.screen, PassagesScreen), "the passages")
        passages = app.screen
        await settle(pilot)
        held = Held(read_only)
        workspace.edit = held  # type: ignore[method-assign]
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, AnnotateDialog), "the dialog")
        app.screen.query_one("#annotate-note", TextArea).load_text("mine")
        await pilot.press("enter")
        await wait_until(pilot, held.entered.is_set, "the save to start")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not passages.is_attached, "the passages closed")
        held.released.set()
        failure = ("db: the database folder is read-only: check its permissions", "Not saved", "error")
        await wait_until(pilot, lambda: failure in seen, "the failure said")


async def test_a_codebook_rename_is_said_after_the_codebook_is_closed(seeds_dir: Path, db_dir: Path) -> None:
    app, _ = seeded(seeds_dir, db_dir)
    codebook = app.workspace.codebook
    held = Held(codebook.rename)
    seen = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        tags = await open_tags(pilot)
        await cursor_on(pilot, tags, "来源")
        codebook.rename = held  # type: ignore[method-assign]
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, InputDialog), "the dialog")
        await pilot.press("end", *"地")
        await pilot.press("enter")
        await wait_until(pilot, held.entered.is_set, "the rename to start")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not tags.is_attached, "the codebook closed")
        held.released.set()
        said = ("Renamed 来源 → 来源地 on 2 passage(s)", "", "information")
        await wait_until(pilot, lambda: said in seen, "the rename said")
        assert "来源地" in app.workspace.store.tags()


async def test_a_listing_overtaken_by_a_newer_one_does_not_replace_it(seeds_dir: Path, db_dir: Path) -> None:
    """The first listing of a big folder is still running when a second one starts (an added article, a
    sync): the first one's older list arrived last and hid the new article."""
    app = make_app(seeds_dir, db_dir)
    listed = app.workspace.articles
    everything = sorted(info.id for info in listed())

    served: list[str] = []

    def articles(on_batch: object = None) -> list[Any]:
        """The first call: the folder as it was before its newest article (and slow); then as it is."""
        served.append("older" if not served else "newer")
        return first() if served[-1] == "older" else listed()

    first = Held(lambda: listed()[:-1])
    handed_over_by_first: list[object] = []  # (its listing, then its sync state)
    hand_over = app.call_from_thread

    def counted(callback: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        result = hand_over(callback, *args, **kwargs)
        if threading.get_ident() == first.thread:
            handed_over_by_first.append(callback)
        return result

    app.call_from_thread = counted  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        library = app.screen
        assert isinstance(library, LibraryScreen)
        app.workspace.articles = articles  # type: ignore[method-assign]
        library.load_articles()
        await wait_until(pilot, first.entered.is_set, "the first listing")
        library.load_articles()
        listings = [w for w in app.workers if w.group == "library"]  # (the older one is cancelled: done)
        await wait_until(pilot, lambda: all(w.is_finished for w in listings), "the newer listing shown")
        assert served == ["older", "newer"] and sorted(row_ids(app)) == everything
        first.released.set()
        await wait_until(pilot, lambda: len(handed_over_by_first) == 2, "the older listing handed over")
        await pilot.pause()
        assert sorted(row_ids(app)) == everything


async def test_an_article_that_cannot_be_opened_does_not_close_the_codebook_opened_over_it(
    app: ReaderApp,
) -> None:
    """The article's file turns out unreadable while the user has already opened the codebook (ctrl+t)
    over the loading article: the codebook stays, the article closes when the user comes back to it."""

    def unreadable(*args: object, **kwargs: object) -> None:
        raise ArticleError(f"{ARTICLE}: cannot read it (permission denied): check the file's permissions")

    held = Held(unreadable)
    seen = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        library = app.screen
        assert isinstance(library, LibraryScreen)
        app.workspace.load = held  # type: ignore[method-assign]
        table = library.query_one(DataTable)
        table.focus()
        table.move_cursor(row=row_ids(app).index(ARTICLE))
        await pilot.press("enter")
        await wait_until(pilot, held.entered.is_set, "the article to start loading")
        reading = app.screen
        assert isinstance(reading, ReadingScreen)
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: isinstance(app.screen, TagsScreen), "the codebook")
        held.released.set()
        await settle(pilot)
        assert isinstance(app.screen, TagsScreen) and reading.is_attached
        assert any(title == "Cannot open" and severity == "error" for _, title, severity in seen)
        await pilot.press("escape")
        await settle(pilot)
        assert not reading.is_attached and app.screen is library


@pytest.fixture
def coding_app(seeds_dir: Path, db_dir: Path, dictionary_index: Path) -> ReaderApp:  # noqa: F811
    install_dictionary(dictionary_index, db_dir)
    return make_app(seeds_dir, db_dir)


async def test_a_failed_look_up_does_not_close_the_screen_opened_over_it(
    coding_app: ReaderApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "Code every match" fails (say, too many matches) while the user has opened the codebook over it:
    the codebook stays; the review closes when the user comes back to it. Before, its ``dismiss()``
    popped the codebook, the screen on top."""
    app = coding_app

    def fails(*args: object, **kwargs: object) -> None:  # (a damaged index, too many matches...)
        raise ReaderError("the search index is damaged: run reader reindex")

    held = Held(fails)
    monkeypatch.setattr(coding_screen, "plan_matches", held)
    seen = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        reading = await open_article(pilot, SIMPLIFIED)
        await wait_until(pilot, lambda: reading.words.article_words is not None, "the words")
        await pilot.press("slash", *"数据", "ctrl+l")
        await wait_until(pilot, held.entered.is_set, "the look-up to start")
        coding = app.screen
        assert isinstance(coding, CodeMatchesScreen)
        coding.query_one(HitList).focus()  # (off the tags field, which keeps ctrl+t)
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: isinstance(app.screen, TagsScreen), "the codebook")
        held.released.set()
        await settle(pilot)
        assert isinstance(app.screen, TagsScreen) and coding.is_attached
        assert ("the search index is damaged: run reader reindex", "Cannot code the matches", "error") in seen
        await pilot.press("escape")
        await settle(pilot)
        assert not coding.is_attached and app.screen is reading


# -- the idiom itself, on a bare textual app ---------------------------------------------------------


class _Slow(Screen[None]):
    def __init__(self, worker: Callable[[_Slow], None]) -> None:
        super().__init__()
        self.worker = worker
        self.shown: list[str] = []

    def compose(self) -> ComposeResult:
        yield Label("result", id="result")

    def on_mount(self) -> None:
        self.run_worker(lambda: self.worker(self), thread=True, exit_on_error=False)

    def result(self, text: str) -> None:
        self.query_one("#result", Label).update(text)
        self.shown.append(text)


async def test_a_result_handed_over_while_open_and_run_after_closing_is_dropped() -> None:
    """The window a check in the worker leaves: the screen is open when the worker hands over, closed
    when the call runs on the UI thread (a key was queued). ``show`` looks again there."""
    handed, went_on = threading.Event(), threading.Event()
    answers: list[bool] = []

    def work(screen: _Slow) -> None:
        app = screen.app  # the screen is still open here

        def late_call(callback: Callable[..., Any], *args: Any) -> Any:
            handed.set()
            went_on.wait(DEADLINE)
            return App.call_from_thread(app, callback, *args)

        app.call_from_thread = late_call  # type: ignore[method-assign]
        answers.append(show(screen, screen.result, "late"))

    host = App[None]()
    async with host.run_test() as pilot:
        screen = _Slow(work)
        await host.push_screen(screen)
        await wait_until(pilot, handed.is_set, "the hand-over")
        host.pop_screen()
        await wait_until(pilot, lambda: not screen.is_attached, "the screen closed")
        went_on.set()
        await wait_until(pilot, lambda: bool(answers), "the worker's answer")
        assert answers == [False] and screen.shown == [] and host.is_running
