"""Command palette (ctrl+p): script views, export, navigation, and every article by title."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from reader.convert import VIEW_LABELS, VIEWS
from reader.sanitise import safe_line

if TYPE_CHECKING:
    from reader.app import ReaderApp


class ReaderCommands(Provider):
    """Prefixed commands, so typing "view", "export" or "open" narrows to a family."""

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        from reader.screens.reading import ReadingScreen

        app = cast("ReaderApp", self.app)
        screen = self.screen
        commands: list[tuple[str, Callable[[], object], str]] = []
        if isinstance(screen, ReadingScreen):
            for view in VIEWS:
                commands.append(
                    (
                        f"View: {VIEW_LABELS[view]} ({view})",
                        partial(screen.switch_view, view),
                        "Show this article in that script",
                    )
                )
            commands.append(
                ("Panel: show/hide annotations", screen.action_toggle_panel, "This article's highlights")
            )
            commands.append(
                ("Go: next highlight", screen.action_next_highlight, "Jump to the next highlight")
            )
            commands.append(
                ("Go: previous highlight", screen.action_previous_highlight, "Jump to the previous highlight")
            )
            commands.append(("Go: back to the library", screen.action_back, "Close this article"))
        commands.append(
            ("Export: annotations to a file…", app.action_export, "JSON, W3C Web Annotation, CSV or Markdown")
        )
        workspace = getattr(app, "workspace", None)
        if workspace is not None:
            commands.append(
                ("Tags: open the codebook", app.action_tags, "Create, rename, merge, colour, delete tags")
            )
            commands.append(
                ("Search: the whole corpus", app.action_corpus_search, "Every article, any script")
            )
            commands.append(
                ("Passages: by tag… (choose in the codebook)", app.action_tags, "Enter on a tag lists them")
            )
            here = (screen.info.id,) if isinstance(screen, ReadingScreen) else ()
            view = screen.view_name if isinstance(screen, ReadingScreen) else "original"
            for tag in sorted(workspace.store.tags(), key=str.casefold):
                # the tag is in the name (shown as Text), never in the help (parsed as markup)
                commands.append(
                    (
                        f"Passages: by tag {tag}",
                        partial(app.action_passages, (tag,), (), view),
                        "Every passage with this tag, across the corpus",
                    )
                )
                if here:
                    commands.append(
                        (
                            f"Passages: by tag {tag}, this article",
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
                        f"Open: {info.title} ({safe_line(info.id)})",
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
        for name, callback, help_text in self._commands():
            if name.startswith(("Open:", "Passages: by tag ")):  # one per article / tag: found by typing
                continue
            yield DiscoveryHit(Text(name), callback, text=name, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                # Text, not matcher.highlight(): that parses its argument as markup; titles are data.
                yield Hit(score, Text(name), callback, text=name, help=help_text)
