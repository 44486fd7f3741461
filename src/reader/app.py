"""The Textual app: wiring only. Screens and widgets live in ``screens/`` and ``widgets/``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.filter import LineFilter
from textual.notifications import SeverityLevel

from reader.sanitise import safe_line, sanitise
from reader.screens.commands import ReaderCommands
from reader.screens.help import HelpScreen
from reader.screens.library import LibraryScreen
from reader.widgets.terminal_guard import TERMINAL_GUARD
from reader.workspace import Workspace


class ReaderApp(App[None]):
    """Browse a folder of Chinese articles, read them in any script, highlight and tag passages."""

    CSS_PATH = "app.tcss"
    TITLE = "reader"
    COMMANDS: ClassVar = App.COMMANDS | {ReaderCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Keys", id="help", tooltip="Show every key"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="quit"),
        Binding("x", "export", "Export", id="export", tooltip="Export annotations: JSON, W3C, CSV, Markdown"),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace

    def on_mount(self) -> None:
        self.push_screen(LibraryScreen(self.workspace))

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Every painted line passes the terminal guard (reader.sanitise's safety net), last."""
        return [*super().get_line_filters(), TERMINAL_GUARD]

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Notifications are plain text, made safe: messages carry tags, notes, file names and paths.

        ``markup`` is accepted for Textual's signature and ignored (GUIDE.md §4: never markup from data).
        """
        super().notify(
            sanitise(str(message)), title=safe_line(title), severity=severity, timeout=timeout, markup=False
        )

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_tags(self) -> None:
        """Open the codebook (tags screen)."""
        from reader.screens.tags import TagsScreen

        if not isinstance(self.screen, TagsScreen):
            self.push_screen(TagsScreen(self.workspace))

    def action_corpus_search(self) -> None:
        """Open the search of every article."""
        from reader.screens.search import CorpusSearchScreen

        if not isinstance(self.screen, CorpusSearchScreen):
            self.push_screen(CorpusSearchScreen(self.workspace))

    def action_passages(
        self, tags: tuple[str, ...], articles: tuple[str, ...] = (), view: str = "original"
    ) -> None:
        """List the passages with `tags` (optionally only in `articles`) across the corpus, in `view`."""
        from reader.screens.passages import PassagesScreen

        self.push_screen(PassagesScreen(self.workspace, tags, articles=articles, view=view))

    def action_export(self) -> None:
        """Open the export dialog (from an article, it offers to export only that article)."""
        from textual.screen import ModalScreen

        from reader.screens.export import ExportDialog
        from reader.screens.reading import ReadingScreen

        if isinstance(self.screen, ModalScreen):  # a dialog is open: `x` is not ours to take
            return
        article = self.screen.info if isinstance(self.screen, ReadingScreen) else None
        view = self.screen.view_name if isinstance(self.screen, ReadingScreen) else "original"
        self.push_screen(ExportDialog(self.workspace, article, view=view))
