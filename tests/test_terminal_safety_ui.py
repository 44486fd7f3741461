"""Nothing the user wrote reaches the terminal raw, in the app: one hostile string in every field (file name,
title, tag, note, description, query), and every screen checked as it is painted.

``painted(app)`` is the text of every cell the compositor would send to the terminal (what
``App.export_screenshot`` renders, without the styles). A screen passes if it carries no raw control
character *and* shows the hostile text as visible symbols (␛ … ⏎): the first is the terminal's safety, the
second proves the screen itself made the text safe (the terminal guard under every line only drops what a
screen forgot, so a forgetful screen would lose the ␛ and fail the second check).
"""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static, Tree

from _hostile import HOSTILE, HOSTILE_FILE, HOSTILE_FILE_VISIBLE, VISIBLE, raw_controls, write_hostile_article
from _pilot import palette_prompts, settle, wait_until
from reader.app import ReaderApp
from reader.screens.annotate import AnnotateDialog
from reader.screens.dialogs import ChoiceDialog, InputDialog
from reader.screens.export import ExportDialog
from reader.screens.help import HelpScreen
from reader.screens.library import LibraryScreen
from reader.screens.passages import PassagesScreen
from reader.screens.reading import ReadingScreen
from reader.screens.search import CorpusSearchScreen
from reader.screens.tags import TagsScreen
from reader.workspace import Workspace

SIZE = (150, 44)
SIMP = "001_8eaa32b1d9703bf4.txt"
#: what fits in the narrowest place (the panel): proof that ESC, BEL and CSI were turned into symbols
SHORT = "危␛]0;pwned␇␛[2J"
TITLE = "0标题␛]0;pwned␇␛[2J"


def painted(app: ReaderApp) -> str:
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
    )
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False)


def assert_safe(app: ReaderApp, where: str, *visible: str) -> str:
    text = painted(app)
    leaks = raw_controls(text)
    assert not leaks, f"{where}: raw {leaks!r} painted:\n{text}"
    for fragment in visible:
        assert fragment in text, f"{where}: {fragment!r} is not on the screen:\n{text}"
    return text


def hostile_app(seeds_dir: Path, db_dir: Path) -> ReaderApp:
    write_hostile_article(seeds_dir)
    ws = Workspace(seeds_dir, db_dir)
    ws.annotate(ws.load(HOSTILE_FILE), 0, 4, tags=[HOSTILE], note=HOSTILE)
    simp = ws.load(SIMP)
    start, end = ws.find(simp, "字节跳动")[0]
    ws.annotate(simp, start, end, tags=[HOSTILE, "plain"], note=HOSTILE)
    ws.codebook.set_description(HOSTILE, HOSTILE)
    return ReaderApp(ws)


async def press_until(pilot: Pilot, key: str, screen_type: type, what: str) -> None:
    await pilot.press(key)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, screen_type), what)
    await settle(pilot)


async def test_every_screen_shows_hostile_text_as_symbols(seeds_dir: Path, db_dir: Path) -> None:
    app = hostile_app(seeds_dir, db_dir)
    async with app.run_test(size=SIZE, notifications=True, tooltips=True) as pilot:
        await settle(pilot)
        library = app.screen
        assert isinstance(library, LibraryScreen)
        table = library.query_one(DataTable)
        table.move_cursor(row=[str(row.key.value) for row in table.ordered_rows].index(HOSTILE_FILE))
        await pilot.pause()
        assert_safe(app, "library", TITLE, HOSTILE_FILE_VISIBLE)

        await press_until(pilot, "question_mark", HelpScreen, "help")
        assert_safe(app, "help", "Keys")
        await pilot.press("escape")

        # the palette: an article by its title, the passages of a tag
        await pilot.press("ctrl+p")
        await pilot.press(*"0标题")
        prompts = lambda: palette_prompts(pilot)  # noqa: E731
        await wait_until(pilot, lambda: any("Open: 0标题" in p for p in prompts()), "the palette")
        assert_safe(app, "palette (open)", f"Open: {TITLE}")
        await pilot.press(*["backspace"] * 3, *"by tag 危")
        await wait_until(pilot, lambda: any("by tag 危" in p for p in prompts()), "tag commands")
        assert_safe(app, "palette (tags)", f"Passages: by tag {VISIBLE}")
        await pilot.press("escape")
        await pilot.pause()

        # reading, the panel, the export and annotate dialogs
        await press_until(pilot, "enter", ReadingScreen, "the hostile article")
        reading = app.screen
        assert isinstance(reading, ReadingScreen)
        assert_safe(app, "reading", TITLE, "正文第一段：␛]0;pwned␇清屏␛[2J之后。")
        await pilot.press("p")
        await settle(pilot)
        assert_safe(app, "panel", f"#{SHORT}", "⏎")
        await press_until(pilot, "x", ExportDialog, "the export dialog")
        assert_safe(app, "export dialog", f"Only this article: {TITLE}")
        await pilot.press("escape")
        await pilot.pause()
        await press_until(pilot, "e", AnnotateDialog, "the edit dialog")
        assert_safe(app, "edit dialog", "Edit highlight")  # its fields hold the raw text; shown guarded
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")
        await settle(pilot)

        # the codebook and its dialogs
        await press_until(pilot, "ctrl+t", TagsScreen, "the codebook")
        tags = app.screen
        tree = tags.query_one(Tree)
        node = next(n for n in tree.root.children if n.data is not None and n.data.name == HOSTILE)
        tree.move_cursor(node)
        await pilot.pause()
        assert_safe(app, "codebook", SHORT, f"  {VISIBLE}")  # the tag and its description
        await press_until(pilot, "r", InputDialog, "the rename dialog")
        assert_safe(app, "rename dialog", f"Rename {VISIBLE}")
        await pilot.press("escape")
        await press_until(pilot, "d", ChoiceDialog, "the delete question")
        assert_safe(app, "delete question", f"Delete {VISIBLE}?")
        await pilot.press("escape")
        await pilot.pause()

        # the passages of the tag, their overview, the edit dialog from there
        await press_until(pilot, "enter", PassagesScreen, "the passages")
        await wait_until(pilot, lambda: len(app.screen.entries) == 2, "both passages")
        assert_safe(app, "passages", f"Passages tagged {VISIBLE}", TITLE, f"#{VISIBLE}")
        await pilot.press("o")
        await pilot.pause()
        assert_safe(app, "overview", f"{VISIBLE} ")
        await pilot.press("o", "e")
        await wait_until(pilot, lambda: isinstance(app.screen, AnnotateDialog), "the edit dialog")
        assert_safe(app, "edit dialog (passages)")
        await pilot.press("escape", "escape", "escape")
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)

        # corpus search: results with the hostile title and tags; a query holding raw controls
        await press_until(pilot, "ctrl+f", CorpusSearchScreen, "the search")
        search = app.screen
        query = search.query_one("#search-query", Input)
        query.value = "字节跳动"
        await wait_until(pilot, lambda: not search.searching and len(search.hits) >= 2, "the results")
        await pilot.pause()
        assert_safe(app, "search results", TITLE, f"#{SHORT}")
        query.value = HOSTILE  # as if pasted: the input itself holds the raw text
        await settle(pilot)
        assert_safe(app, "search with a hostile query")

        # a notification carrying user data (an error message quoting a tag, a path…)
        app.notify(HOSTILE, title=HOSTILE)
        await wait_until(pilot, lambda: SHORT in painted(app), "the notification")
        assert_safe(app, "notification", SHORT)


async def test_static_text_from_anywhere_is_guarded(seeds_dir: Path, db_dir: Path) -> None:
    """The terminal guard: a widget that forgot to make its text safe still sends no control."""
    app = ReaderApp(Workspace(seeds_dir, db_dir))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        header = app.screen.query_one("#library-header", Static)
        header.update(f"raw {HOSTILE} raw")  # bypasses reader.sanitise on purpose
        await pilot.pause()
        # the controls are dropped (zero cells wide, so the line keeps its width); the rest is there
        assert_safe(app, "a forgetful widget", "raw 危]0;pwned[2J1m险")
