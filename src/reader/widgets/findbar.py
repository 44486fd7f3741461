"""The find bar of the reading screen: a query box, a "whole words" toggle and a match count.

The bar only says what the user asks for, in messages (:class:`FindBar.Changed` as the query is typed or
the toggle flips, :class:`FindBar.Step` for the next or previous match, :class:`FindBar.CodeAll` to tag
every match, :class:`FindBar.Closed`); the screen finds the matches (in any script) and tells the bar the
count with :meth:`FindBar.show_count`. ``ctrl+o`` flips "whole words" (a click too; Tab reaches it);
``ctrl+l`` codes every match (a review list first).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Checkbox, Input, Static

if TYPE_CHECKING:
    from textual.widget import Widget

__all__ = ["FindBar", "FindInput"]


class FindInput(Input):
    """The query box: Enter / ↓ next match, ↑ previous, ctrl+b body only on/off, Esc closes the bar."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,shift+enter", "step(1)", "Next", show=False, id="search.next"),
        Binding("up", "step(-1)", "Previous", show=False, id="search.previous"),
        Binding("ctrl+b", "body_only", "Body only", show=False, id="search.body-only"),
        Binding("escape", "close", "Close", show=False, id="search.close"),
        Binding("ctrl+o", "whole_words", "Whole words", id="search.whole-words", tooltip="Whole words only"),
        Binding("ctrl+l", "code_all", "Code all", id="search.code-all", tooltip="Tag every match…"),
    ]

    def action_step(self, step: int) -> None:
        self.post_message(FindBar.Step(step))

    def action_body_only(self) -> None:
        bar = self.parent
        if isinstance(bar, FindBar):
            bar.body_only = not bar.body_only

    def action_whole_words(self) -> None:
        bar = self.parent
        if isinstance(bar, FindBar):
            bar.whole_words = not bar.whole_words

    def action_code_all(self) -> None:
        bar = self.parent
        if isinstance(bar, FindBar) and self.value.strip():
            self.post_message(FindBar.CodeAll(self.value, bar.whole_words))

    def action_close(self) -> None:
        bar = self.parent
        if isinstance(bar, FindBar):
            bar.close()


class FindBar(Horizontal):
    """Hidden until :meth:`open`; id ``reading-search`` by default (the count: ``reading-search-count``)."""

    DEFAULT_CSS = """
    FindBar > Checkbox {
        height: 1;
        border: none;
        padding: 0 1;
        background: $panel;
    }
    """

    @dataclass
    class Changed(Message):
        """The query is now `query` (typed, or cleared when the bar closed); `body_only`: find in the
        article's body only, not in the page parts around it (a menu, a footer, an appended article);
        `whole_words`: only whole-word matches."""

        query: str
        body_only: bool = False
        whole_words: bool = False

    @dataclass
    class CodeAll(Message):
        """Tag every match of `query` (after a review)."""

        query: str
        whole_words: bool

    @dataclass
    class Step(Message):
        """Go to the next (`step` 1) or previous (-1) match."""

        step: int

    class Closed(Message):
        """The bar was closed: the matches should go."""

    def __init__(self, *, id: str = "reading-search") -> None:
        super().__init__(id=id, classes="hidden")
        self._body_only = False
        #: what had the focus when the bar opened: Esc gives it back
        self._return_focus: Widget | None = None

    def compose(self) -> ComposeResult:
        yield FindInput(
            placeholder="find (简/繁 alike) · enter/↓ next · ↑ previous · ^b body only · ^l code all"
        )
        yield Checkbox("whole words", id=f"{self.id}-words")
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
        self.post_message(self.Changed(self.query_text, body_only, self.whole_words))

    @property
    def whole_words(self) -> bool:
        """Only whole-word matches (数据 but not inside 大数据)."""
        return self.query_one(Checkbox).value

    @whole_words.setter
    def whole_words(self, on: bool) -> None:
        self.query_one(Checkbox).value = on  # posts Checkbox.Changed: the search runs again

    def open(self, query: str | None = None, *, whole_words: bool | None = None) -> None:
        """Show the bar with the cursor in the query box (the last query selected, to type over); with
        `query`, search it (and set "whole words" if given)."""
        self.remove_class("hidden")
        box = self.query_one(FindInput)
        focused = self.screen.focused
        if focused is not None and self not in focused.ancestors_with_self:
            self._return_focus = focused  # where Esc goes back to
        self.screen.set_focus(box)  # at once: the keys typed after `/` follow it (widgets/typeahead.py)
        if whole_words is not None:
            self.whole_words = whole_words
        if query is not None:
            box.value = query
        elif box.value:
            box.select_all()

    def close(self) -> None:
        """Hide the bar and forget the query; posts :class:`Closed`."""
        self.add_class("hidden")
        self.query_one(FindInput).value = ""
        back = self._return_focus
        # at once, not through Closed: the keys typed after Esc follow the focus (widgets/typeahead.py)
        self.screen.set_focus(back if back is not None and back.is_attached else None)
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
        self.post_message(self.Changed(event.value, self._body_only, self.whole_words))

    @on(Checkbox.Changed)
    def _toggled(self, event: Checkbox.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self.query_text, self._body_only, event.value))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Step(1))
