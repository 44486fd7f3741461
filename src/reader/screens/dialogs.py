"""Small modal dialogs: ask for a line of text, choose one of a list, confirm. Text is always data."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option


class InputDialog(ModalScreen[str | None]):
    """One line of text. Enter returns it (stripped), Esc returns None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="cancel-input")]

    def __init__(self, title: str, *, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self._title = title
        self._value = value
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(Text(self._title, style="bold"), classes="dialog-title")
            # the cursor at the end, nothing selected: a prefix like "framing/" is there to be continued
            yield Input(
                value=self._value, placeholder=self._placeholder, select_on_focus=False, id="dialog-input"
            )
            yield Static(Text("enter saves · esc cancels", style="dim"))

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceDialog(ModalScreen[str | None]):
    """Choose one of `choices` ((label, value) pairs; labels are Text). Esc returns None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="cancel-choice")]

    def __init__(
        self, title: str | Text, choices: list[tuple[Text, str]], *, current: str | None = None
    ) -> None:
        super().__init__()
        self._title = title if isinstance(title, Text) else Text(title, style="bold")
        self._choices = choices
        self._current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(self._title, classes="dialog-title")
            yield OptionList(
                *[Option(label, id=str(index)) for index, (label, _) in enumerate(self._choices)],
                id="dialog-choices",
            )
            yield Static(Text("enter chooses · esc cancels", style="dim"))

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        values = [value for _, value in self._choices]
        if self._current in values:
            option_list.highlighted = values.index(self._current)
        option_list.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self._choices[int(event.option.id or 0)][1])

    def action_cancel(self) -> None:
        self.dismiss(None)


def confirm_choices(yes: str, no: str = "Cancel") -> list[tuple[Text, str]]:
    """The two choices of a yes/no question (the "no" first, so a stray Enter changes nothing)."""
    return [(Text(no), ""), (Text(yes, style="bold red"), "yes")]
