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
    """The query box: Enter / ↓ next match, ↑ previous, ctrl+b body only on/off, Esc closes the bar."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,shift+enter", "step(1)", "Next", show=False, id="search.next"),
        Binding("up", "step(-1)", "Previous", show=False, id="search.previous"),
        Binding("ctrl+b", "body_only", "Body only", show=False, id="search.body-only"),
        Binding("escape", "close", "Close", show=False, id="search.close"),
    ]

    def action_step(self, step: int) -> None:
        self.post_message(FindBar.Step(step))

    def action_body_only(self) -> None:
        bar = self.parent
        if isinstance(bar, FindBar):
            bar.body_only = not bar.body_only

    def action_close(self) -> None:
        bar = self.parent
        if isinstance(bar, FindBar):
            bar.close()


class FindBar(Horizontal):
    """Hidden until :meth:`open`; id ``reading-search`` by default (the count: ``reading-search-count``)."""

    @dataclass
    class Changed(Message):
        """The query is now `query` (typed, or cleared when the bar closed); `body_only`: find in the
        article's body only, not in the page parts around it (a menu, a footer, an appended article)."""

        query: str
        body_only: bool = False

    @dataclass
    class Step(Message):
        """Go to the next (`step` 1) or previous (-1) match."""

        step: int

    class Closed(Message):
        """The bar was closed: the matches should go."""

    def __init__(self, *, id: str = "reading-search") -> None:
        super().__init__(id=id, classes="hidden")
        self._body_only = False

    def compose(self) -> ComposeResult:
        yield FindInput(placeholder="find (简/繁 alike) · enter/↓ next · ↑ previous · ^b body only · esc")
        yield Static(Text(""), id=f"{self.id}-count")

    @property
    def is_open(self) -> bool:
        return not self.has_class("hidden")

    @property
    def query_text(self) -> str:
        return self.query_one(FindInput).value

    @property
    def body_only(self) -> bool:
        """Whether matches in the page parts around the article are left out (ctrl+b in the box)."""
        return self._body_only

    @body_only.setter
    def body_only(self, body_only: bool) -> None:
        self._body_only = body_only
        self.post_message(self.Changed(self.query_text, body_only))

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
        if self._body_only:
            count.append(" in the body" if total or self.query_text.strip() else "body only", style="cyan")
        self.query_one(f"#{self.id}-count", Static).update(count)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(event.value, self._body_only))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Step(1))
