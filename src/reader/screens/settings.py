"""The settings dialog (F2, or "Settings" in the command palette): this clone's ``reader.settings``.

The coder name, the view an article first opens in, the theme and the wrap width, as ``reader config``
sets them (the same checks, the same one-line errors). What the file holds that this version does not know
is kept and listed; a bad value in the file is listed in one line (its default applies meanwhile). Saving
writes only what changed; a refused value is said under the fields and nothing after it is saved.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from reader.convert import VIEW_LABELS, VIEWS
from reader.errors import ReaderError
from reader.sanitise import safe_line
from reader.screens.compact import CompactWhenShort
from reader.settings import (
    CODER_ENV,
    DEFAULT_MEASURE,
    KEYS,
    THEMES,
    Settings,
    load_settings,
    set_setting,
    unset_setting,
)
from reader.widgets.wrapped import WrappedText

__all__ = ["SettingsDialog"]


class SettingsDialog(CompactWhenShort, ModalScreen[Settings | None]):
    """Dismissed with the settings as saved, or None if cancelled."""

    DEFAULT_CSS = """
    SettingsDialog {
        align: center middle;
    }
    #settings-box {
        width: 72;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        padding: 1 2;
        border: thick $accent;
        background: $panel;
    }
    #settings-box Label, #settings-notices, #settings-error {
        width: 100%;
    }
    #settings-notices {
        color: $warning;
        margin-bottom: 1;
    }
    #settings-error {
        color: $error;
        text-style: bold;
    }
    #settings-buttons {
        height: auto;
        margin-top: 1;
        align-horizontal: right;
    }
    #settings-buttons Button {
        margin-left: 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="cancel-settings"),
        Binding("ctrl+s", "save", "Save", id="save-settings"),
    ]

    def __init__(self, db: Path, theme: str = "") -> None:
        """`db`: the database folder; `theme`: the theme in use (the palette may have changed it)."""
        super().__init__()
        self._db = db
        self._settings = load_settings(db)
        self._theme = theme if theme in THEMES else self._settings.theme

    def compose(self) -> ComposeResult:
        settings = self._settings
        with VerticalScroll(id="settings-box"):
            yield Static(Text("Settings of this copy of the database", style="bold"), id="settings-title")
            yield WrappedText(safe_line(str(settings.path)), max_lines=2, style="dim", id="settings-path")
            where = f"{safe_line(str(settings.path))}: "  # named above: each notice without it
            notices = [notice.removeprefix(where) for notice in settings.notices()]
            yield WrappedText("\n".join(notices), max_lines=8, id="settings-notices")
            yield Label(f"Coder: {KEYS['coder'].meaning}")
            yield Input(value=settings.coder, placeholder="your name", id="settings-coder")
            override = os.environ.get(CODER_ENV, "").strip()
            if override:
                yield Static(Text(f"{CODER_ENV}={safe_line(override, 40)} overrides it now", style="dim"))
            yield Label("View: the script an article opens in the first time")
            yield Select(
                [(Text(f"{VIEW_LABELS[v]} ({v})"), v) for v in VIEWS],
                value=settings.view,
                allow_blank=False,
                id="settings-view",
            )
            yield Label("Theme (ctrl+p → Theme tries them out)")
            yield Select(
                [(Text(t), t) for t in THEMES], value=self._theme, allow_blank=False, id="settings-theme"
            )
            yield Label(f"Wrap width: the widest a line of text is, in columns (0: {DEFAULT_MEASURE})")
            yield Input(value=str(settings.wrap_width), type="integer", id="settings-wrap")
            error = Static("", id="settings-error")
            error.display = False
            yield error
            with Horizontal(id="settings-buttons"):
                yield Button("Save", variant="primary", id="settings-save")
                yield Button("Cancel", id="settings-cancel")

    def on_mount(self) -> None:
        self.query_one("#settings-notices").display = bool(self._settings.notices())
        self.query_one("#settings-coder", Input).focus()

    def _wanted(self) -> dict[str, Any]:
        """Each setting as the fields have it."""
        view = self.query_one("#settings-view", Select).value
        theme = self.query_one("#settings-theme", Select).value
        return {
            "coder": self.query_one("#settings-coder", Input).value.strip(),
            "view": view,
            "theme": theme,
            "wrap_width": self.query_one("#settings-wrap", Input).value.strip() or "0",
        }

    @on(Input.Submitted)
    @on(Button.Pressed, "#settings-save")
    def action_save(self) -> None:
        settings = self._settings
        try:
            for key, value in self._wanted().items():  # only what changed is written
                if key == "coder" and not value:
                    if "coder" in settings.values:
                        settings = unset_setting(self._db, "coder")
                elif str(value) != str(settings.get(key)):
                    settings = set_setting(self._db, key, value)
        except ReaderError as exc:
            error = self.query_one("#settings-error", Static)
            error.update(Text(safe_line(str(exc))))
            error.display = True
            return
        self.dismiss(settings)

    @on(Button.Pressed, "#settings-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
