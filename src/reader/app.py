"""The Textual app: wiring only. Screens and widgets live in ``screens/`` and ``widgets/``."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType

from reader.screens.commands import ReaderCommands
from reader.screens.help import HelpScreen
from reader.screens.library import LibraryScreen
from reader.workspace import Workspace


class ReaderApp(App[None]):
    """Browse a folder of Chinese articles, read them in any script, highlight and tag passages."""

    CSS_PATH = "app.tcss"
    TITLE = "reader"
    COMMANDS: ClassVar = App.COMMANDS | {ReaderCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Keys", id="help", tooltip="Show every key"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="quit"),
        Binding("x", "export_json", "Export", id="export", tooltip="Export all annotations as JSON"),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace

    def on_mount(self) -> None:
        self.push_screen(LibraryScreen(self.workspace))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    @work(thread=True, exclusive=True, group="export")
    def action_export_json(self) -> None:
        """Write every annotation to ./reader-export-<UTC time>.json, in a worker, with progress."""
        from reader.screens.export import run_export

        run_export(self)
