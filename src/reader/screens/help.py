"""`?`: every key of the screen underneath, grouped by where it comes from."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from reader.sanitise import safe_line
from reader.screens.compact import CompactWhenShort
from reader.shorttext import clip_line, text_cells, wrap_lines

MOUSE_HELP = [
    ("click", "move the cursor / open an article"),
    ("drag", "select a passage"),
    ("wheel", "scroll"),
    ("ctrl+p", "command palette: views, export, navigation, articles"),
]


#: the key column is at most this wide (a key longer than that is cut with "…")
KEY_CELLS = 14

#: inherited bindings that mean nothing in this app (the document never scrolls sideways)
UNHELPFUL_ACTIONS = {"page_left", "page_right", "scroll_left", "scroll_right", "scroll_home", "scroll_end"}
#: Textual's own keys on every screen: listed last, after this app's
GENERIC_ACTIONS = {"app.focus_next", "app.focus_previous", "focus_next", "focus_previous", "screen.copy_text"}


class HelpScreen(CompactWhenShort, ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="close-help"),
    ]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self._under = under
        self._keys: list[tuple[str, str]] = []
        self._width = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(Text("Keys", style="bold"), id="help-title")
            yield DataTable(id="help-keys", cursor_type="row", zebra_stripes=True)
            yield Static(Text("esc or ? closes this", style="dim"))

    def on_mount(self) -> None:
        self._keys = self._rows()
        self.query_one(DataTable).focus()
        self._fill()

    def on_resize(self) -> None:
        self._fill()

    def _rows(self) -> list[tuple[str, str]]:
        """(key, what it does) for every key of the screen underneath, in the order of :meth:`rank`."""
        rows: list[tuple[str, str]] = []
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
            rows.append((safe_line(display), safe_line(description)))
        return rows + MOUSE_HELP

    def _fill(self) -> None:
        """The table at the box's width: a description wraps (the document's rules) rather than run off."""
        table = self.query_one(DataTable)
        room = table.size.width or min(self.app.size.width, 80) - 6
        key_cells = min(max(text_cells(key) for key, _ in self._keys), KEY_CELLS)
        # each column has cell_padding cells on both sides; the table's own scrollbar takes 2
        width = max(room - key_cells - 4 * table.cell_padding - 2, 10)
        if width == self._width:
            return
        self._width = width
        row = table.cursor_row
        table.clear(columns=True)
        table.add_column("Key", width=key_cells)
        table.add_column("What it does", width=width)
        for key, description in self._keys:
            lines = wrap_lines(description, width)
            table.add_row(
                Text(clip_line(key, key_cells), style="bold"), Text("\n".join(lines)), height=len(lines)
            )
        table.move_cursor(row=row)
