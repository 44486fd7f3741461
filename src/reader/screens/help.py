"""`?`: every key of the screen underneath, grouped by where it comes from."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from reader.sanitise import safe_line

MOUSE_HELP = [
    ("click", "move the cursor / open an article"),
    ("drag", "select a passage"),
    ("wheel", "scroll"),
    ("ctrl+p", "command palette: views, export, navigation, articles"),
]


#: inherited bindings that mean nothing in this app (the document never scrolls sideways)
UNHELPFUL_ACTIONS = {"page_left", "page_right", "scroll_left", "scroll_right", "scroll_home", "scroll_end"}
#: Textual's own keys on every screen: listed last, after this app's
GENERIC_ACTIONS = {"app.focus_next", "app.focus_previous", "screen.copy_text"}


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="close-help"),
    ]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self._under = under

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Text("Keys", style="bold"), id="help-title")
            yield DataTable(id="help-keys", cursor_type="row", zebra_stripes=True)
            yield Static(Text("esc or ? closes this", style="dim"))

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Key", "What it does")
        seen: set[tuple[str, str]] = set()

        # the screen's own keys first (s, a, e, …): the focused widget's movement keys would fill the view;
        # then the focused widget's, the app's, and last Textual's generic ones (tab, copy)
        def rank(active: ActiveBinding) -> int:
            if active.binding.action in GENERIC_ACTIONS:
                return 3
            if active.node is self._under:
                return 0
            return 2 if active.node is self.app else 1

        actives = sorted(self._under.active_bindings.values(), key=rank)
        for active in actives:
            binding = active.binding
            if binding.action in UNHELPFUL_ACTIONS or binding.key.startswith("super+"):  # ⌘ keys: macOS GUIs
                continue
            description = binding.tooltip or binding.description or binding.action
            display = self.app.get_key_display(binding)
            if (display, description) in seen:
                continue
            seen.add((display, description))
            table.add_row(Text(safe_line(display), style="bold"), Text(safe_line(description)))
        for key, description in MOUSE_HELP:
            table.add_row(Text(key, style="bold"), Text(description))
        table.focus()
