"""Small modal dialogs: ask for a line of text, choose one of a list, confirm. Text is always data.

Titles and choice labels are made safe here (``reader.sanitise``), whoever built them: a tag or a file name
in a title shows its control characters as symbols and its newlines as ⏎.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from reader.errors import ReaderError
from reader.sanitise import safe_line, safe_text
from reader.screens.compact import CompactWhenShort


class InputDialog(CompactWhenShort, ModalScreen[str | None]):
    """One line of text. Enter returns it (stripped), Esc returns None.

    With ``check`` (say ``reader.tags.check_tag``), Enter returns what it returns; if it raises a
    ReaderError, its message is shown under the field and the dialog stays open to fix the text. With
    ``offer`` (say a tag in use spelt in the other script, ``reader.tags.find_equivalent_tag``), a value it
    gives an alternative for is asked about (:func:`spelling_question`): the alternative, or the text as
    typed; Esc goes back to the text.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="cancel-input")]

    def __init__(
        self,
        title: str,
        *,
        value: str = "",
        placeholder: str = "",
        check: Callable[[str], str] | None = None,
        offer: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__()
        self._title = title
        self._value = value
        self._placeholder = placeholder
        self._check = check
        self._offer = offer

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(Text(safe_line(self._title), style="bold"), classes="dialog-title")
            # the cursor at the end, nothing selected: a prefix like "framing/" is there to be continued
            yield Input(
                value=self._value, placeholder=self._placeholder, select_on_focus=False, id="dialog-input"
            )
            error = Static(Text(""), classes="dialog-error")
            error.display = False  # shown only when the text is refused
            yield error
            yield Static(Text("enter saves · esc cancels", style="dim"))

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        if self._check is not None:
            try:
                value = self._check(value)
            except ReaderError as exc:
                error = self.query_one(".dialog-error", Static)
                error.update(Text(safe_line(str(exc)), style="bold red"))
                error.display = True
                return
        alternative = self._offer(value) if self._offer is not None else None
        if not alternative or alternative == value:
            self.dismiss(value)
            return

        def chosen(choice: str | None) -> None:
            if choice is not None:
                self.dismiss(alternative if choice == IN_USE else value)

        title, choices = spelling_question([(value, alternative)])
        self.app.push_screen(ChoiceDialog(title, choices), chosen)

    def action_cancel(self) -> None:
        self.dismiss(None)


#: the answers of :func:`spelling_question`
IN_USE, AS_TYPED = "in-use", "typed"


def spelling_question(pairs: list[tuple[str, str]]) -> tuple[Text, list[tuple[Text, str]]]:
    """The question (title, choices) when tags typed differ from tags in use only by script or case:
    ``(typed, in use)`` pairs. The spelling in use comes first (Enter takes it): 来源 and 來源 would
    otherwise be two tags, counted and exported apart until merged."""
    title = Text("Already in use, spelt differently (简/繁 or case): ", style="bold")
    title.append(", ".join(f"{safe_line(typed)} → {safe_line(in_use)}" for typed, in_use in pairs))
    choices = [
        (Text("Use the tag in use: " + ", ".join(safe_line(u) for _, u in pairs)), IN_USE),
        (Text("Keep as typed: " + ", ".join(safe_line(t) for t, _ in pairs)), AS_TYPED),
    ]
    return title, choices


class ChoiceDialog(CompactWhenShort, ModalScreen[str | None]):
    """Choose one of `choices` ((label, value) pairs; labels are Text). Esc returns None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="cancel-choice")]

    def __init__(
        self, title: str | Text, choices: list[tuple[Text, str]], *, current: str | None = None
    ) -> None:
        super().__init__()
        self._title = safe_text(title) if isinstance(title, Text) else Text(safe_line(title), style="bold")
        self._choices = choices
        self._current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(self._title, classes="dialog-title")
            yield OptionList(
                *[Option(safe_text(label), id=str(index)) for index, (label, _) in enumerate(self._choices)],
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
    return [(Text(safe_line(no)), ""), (Text(safe_line(yes), style="bold red"), "yes")]
