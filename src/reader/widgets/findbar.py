"""The find bar of the reading screen: a query box and a match count.

The bar only says what the user asks for, in messages (:class:`FindBar.Changed` as the query is typed,
:class:`FindBar.Step` for the next or previous match, :class:`FindBar.Closed`); the screen finds the
matches (in any script) and tells the bar the count with :meth:`FindBar.show_count`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static

__all__ = ["FindBar", "FindInput"]


class FindInput(Input):
    """The query box: Enter / ↓ next match, ↑ previous, Esc closes the bar."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,shift+enter", "step(1)", "Next", show=False, id="search.next"),
        Binding("up", "step(-1)", "Previous", show=False, id="search.previous"),
        Binding("escape", "close", "Close", show=False, id="search.close"),
    ]

    def action_step(self, step: int) -> None:
        self.post_message(FindBar.Step(step))

    def action_close(self) -> None:
        bar = self.parent
        if isinstance(bar, FindBar):
            bar.close()


class FindBar(Horizontal):
    """Hidden until :meth:`open`; id ``reading-search`` by default (the count: ``reading-search-count``)."""

    @dataclass
    class Changed(Message):
        """The query is now `query` (typed, or cleared when the bar closed)."""

        query: str

    @dataclass
    class Step(Message):
        """Go to the next (`step` 1) or previous (-1) match."""

        step: int

    class Closed(Message):
        """The bar was closed: the matches should go."""

    def __init__(self, *, id: str = "reading-search") -> None:
        super().__init__(id=id, classes="hidden")

    def compose(self) -> ComposeResult:
        yield FindInput(placeholder="find (简/繁 alike) · enter/↓ next · ↑ previous · esc closes")
        yield Static(Text(""), id=f"{self.id}-count")

    @property
    def is_open(self) -> bool:
        return not self.has_class("hidden")

    @property
    def query_text(self) -> str:
        return self.query_one(FindInput).value

    def open(self) -> None:
        """Show the bar with the cursor in the query box (the last query selected, to type over)."""
        self.remove_class("hidden")
        box = self.query_one(FindInput)
        self.screen.set_focus(box)  # at once: the keys typed after `/` follow it (widgets/typeahead.py)
        if box.value:
            box.select_all()

    def close(self) -> None:
        """Hide the bar and forget the query; posts :class:`Closed`."""
        self.add_class("hidden")
        self.query_one(FindInput).value = ""
        self.post_message(self.Closed())

    def show_count(self, current: int | None, total: int) -> None:
        """ "3/17" (current counted from 1; "–" for none yet), or "no matches" for a query that has none."""
        count = Text(no_wrap=True)
        if total:
            count.append(f"{'–' if current is None else current + 1}/{total}", style="bold")
        elif self.query_text.strip():
            count.append("no matches", style="bold red")
        self.query_one(f"#{self.id}-count", Static).update(count)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(event.value))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Step(1))
