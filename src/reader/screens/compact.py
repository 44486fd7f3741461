"""Dialogs that fit a short terminal: every control on screen down to 60×20.

Textual's fields take three rows each (a border above and below); four of them, a quote and the buttons
did not fit in 24 rows, so Save and Cancel were off-screen. Below :data:`SHORT_ROWS` rows a dialog's
fields, selects and buttons are *compact* (Textual's one-row style without borders) and the screen has the
class ``-short``, which ``app.tcss`` uses for less padding and fewer quoted lines. The box itself is no
wider or taller than the screen (``max-width``/``max-height: 100%``) and scrolls if it must, so what does
not fit is reached with Tab (the focused control is scrolled into view).
"""

from __future__ import annotations

from textual.screen import Screen

__all__ = ["SHORT_ROWS", "CompactWhenShort"]

#: below this many rows, dialogs are compact
SHORT_ROWS = 30


class CompactWhenShort(Screen):
    """A mixin for dialogs (put it before ``ModalScreen`` in the bases): compact below SHORT_ROWS rows."""

    def on_mount(self) -> None:
        self._fit_height()

    def on_resize(self) -> None:
        self._fit_height()

    @property
    def is_short(self) -> bool:
        return self.app.size.height < SHORT_ROWS

    def _fit_height(self) -> None:
        short = self.is_short
        self.set_class(short, "-short")
        # by type name: importing TextArea and Select for an isinstance check cost ~6 ms of the start-up
        for widget in self.query("Input, Select, Button, TextArea"):
            widget.compact = short  # type: ignore[attr-defined]  # each of these four has it
        self.fitted(short)

    def fitted(self, short: bool) -> None:
        """Called after a change of size: the dialog's own adjustments (a quote's lines)."""
