"""Command palette (ctrl+p): script views, export, navigation, and every article by title.

The commands (one per article and per tag) are built once when the palette opens, in a thread (listing
the folder of a large library takes a moment), and every keystroke only matches against them. Matching
is 简 and 繁 alike (``reader.tags.fold_key`` on both sides: 小红书 finds 小紅書); names show as they are.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from reader.convert import VIEW_LABELS, VIEWS
from reader.sanitise import safe_line
from reader.tags import fold_key

if TYPE_CHECKING:
    from reader.app import ReaderApp
    from reader.screens.reading import ReadingScreen
    from reader.workspace import Workspace


Command = tuple[str, Callable[[], object], str]
#: a command and its name folded for matching (Simplified, case-folded)
Folded = tuple[str, Callable[[], object], str, str]
#: commands matched between two chances for the event loop to run (a keystroke, a repaint)
YIELD_EVERY = 200


class ReaderCommands(Provider):
    """Prefixed commands, so typing "view", "export" or "open" narrows to a family."""

    _built: list[Folded] | None = None

    async def startup(self) -> None:
        """Build every command once per opening of the palette (Textual makes a provider per opening)."""
        self._built = await asyncio.to_thread(self._folded)

    def _all(self) -> list[Folded]:
        if self._built is None:  # searched before startup finished (Textual waits for it; be safe anyway)
            self._built = self._folded()
        return self._built

    def _folded(self) -> list[Folded]:
        return [(name, callback, help_text, fold_key(name)) for name, callback, help_text in self._commands()]

    def _commands(self) -> list[Command]:
        from reader.screens.reading import ReadingScreen

        app = cast("ReaderApp", self.app)
        screen = self.screen
        reading = screen if isinstance(screen, ReadingScreen) else None
        commands = self._reading_commands(reading) if reading is not None else []
        commands += self._app_commands(app)
        workspace = getattr(app, "workspace", None)
        if workspace is not None:
            commands += self._corpus_commands(app, workspace, reading)
        return commands

    @staticmethod
    def _reading_commands(screen: ReadingScreen) -> list[Command]:
        """What the open article offers: its views, the panel, moves, the reading aids."""
        commands: list[Command] = [
            (
                f"View: {VIEW_LABELS[view]} ({view})",
                partial(screen.switch_view, view),
                "Show this article in that script",
            )
            for view in VIEWS
        ]
        commands += [
            ("Panel: show/hide annotations", screen.action_toggle_panel, "This article's highlights"),
            ("Go: next highlight", screen.action_next_highlight, "Jump to the next highlight"),
            ("Go: previous highlight", screen.action_previous_highlight, "Jump to the previous highlight"),
            ("Go: back to the library", screen.action_back, "Close this article"),
            (
                "Reading line: pinyin / zhuyin / off (r)",
                screen.action_reading_line,
                "Readings above the text",
            ),
            ("Dictionary: the word under the cursor (i)", screen.action_dictionary, "CC-CEDICT"),
            (
                "Words: snap selections to whole words (on/off)",
                screen.action_toggle_snap,
                "Shift+arrows and the mouse select whole words",
            ),
            ("Words: add the selection to my words (+)", screen.action_add_word, "Kept whole from now on"),
            ("Words: most frequent in this article", screen.action_word_frequencies, "简/繁 merged"),
        ]
        return commands

    @staticmethod
    def _app_commands(app: ReaderApp) -> list[Command]:
        """Everywhere: export and settings."""
        return [
            (
                "Export: annotations to a file…",
                app.action_export,
                "JSON, W3C Web Annotation, CSV or Markdown",
            ),
            (
                "Settings: coder, view, theme, wrap width (F2)",
                app.action_settings,
                "This copy's own settings",
            ),
        ]

    def _corpus_commands(
        self, app: ReaderApp, workspace: Workspace, reading: ReadingScreen | None
    ) -> list[Command]:
        """The team, the codebook, search, words, passages by each tag, and opening each article."""
        commands: list[Command] = [
            ("Team: sync with the team", app.action_sync, "Commit, fetch, merge, push (git)"),
            ("Team: agreement between coders", app.action_agreement, "Kappa, alpha, differences"),
            ("Team: merge into an agreed version", app.action_merge, "Decide the differences"),
            ("Team: your coder name…", app.action_set_coder, "Your name on your annotations"),
            ("Tags: open the codebook", app.action_tags, "Create, rename, merge, colour, delete tags"),
            ("Search: the whole corpus", app.action_corpus_search, "Every article, any script"),
            ("Words: most frequent in the corpus (w)", app.action_words, "简/繁 merged"),
            ("Passages: by tag… (choose in the codebook)", app.action_tags, "Enter on a tag lists them"),
        ]
        here = (reading.info.id,) if reading is not None else ()
        view = reading.view_name if reading is not None else "original"
        for tag in sorted(workspace.store.tags(), key=str.casefold):
            # the tag is in the name (shown as Text, made safe), never in the help (parsed as markup)
            shown = safe_line(tag)
            commands.append(
                (
                    f"Passages: by tag {shown}",
                    partial(app.action_passages, (tag,), (), view),
                    "Every passage with this tag, across the corpus",
                )
            )
            if here:
                commands.append(
                    (
                        f"Passages: by tag {shown}, this article",
                        partial(app.action_passages, (tag,), here, view),
                        "This article's passages with this tag",
                    )
                )
        for info in workspace.library.list():
            if info.error:
                continue
            # help text is parsed as markup by the palette: never put article data in it.
            commands.append(
                (
                    f"Open: {safe_line(info.title)} ({safe_line(info.id)})",
                    partial(self._open, info),
                    "Open this article",
                )
            )
        return commands

    def _open(self, info) -> None:
        from reader.screens.reading import ReadingScreen

        app = cast("ReaderApp", self.app)
        app.push_screen(ReadingScreen(app.workspace, info))

    async def discover(self) -> Hits:
        for name, callback, help_text, _ in self._all():
            if name.startswith(("Open:", "Passages: by tag ")):  # one per article / tag: found by typing
                continue
            yield DiscoveryHit(Text(name), callback, text=name, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(fold_key(query))
        for index, (name, callback, help_text, folded) in enumerate(self._all()):
            if index % YIELD_EVERY == YIELD_EVERY - 1:
                # Textual's fuzzy matcher costs ~40 µs a command: at thousands of articles, let the next
                # keystroke in (it cancels this search) instead of holding the event loop for the whole list
                await asyncio.sleep(0)
            score = matcher.match(folded)
            if score > 0:
                # Text, not matcher.highlight(): that parses its argument as markup; titles are data.
                yield Hit(score, Text(name), callback, text=name, help=help_text)
