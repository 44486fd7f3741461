"""The dialog that tags a passage: tags with completion, a note, a colour.

Enter in the tags saves, and so do ctrl+s and the Save button anywhere; the note is a small editor where
Enter makes a new line and a paste keeps every line. Esc cancels. On a short terminal the dialog is compact
(``screens/compact.py``) and the quoted passage keeps to fewer lines, cut with ``…``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from reader.colors import COLORS
from reader.errors import ReaderError, UsageError
from reader.sanitise import safe_line
from reader.screens.compact import CompactWhenShort
from reader.screens.dialogs import AS_TYPED, IN_USE, ChoiceDialog, spelling_question
from reader.store import Annotation
from reader.tags import check_tag, find_equivalent_tag, fold_key, normalise_tags
from reader.widgets.wrapped import WrappedText

TAG_SEPARATORS = (",", "，")


def parse_tags(value: str) -> tuple[str, ...]:
    """Tags as typed: separated by commas (ASCII or full-width)."""
    for separator in TAG_SEPARATORS[1:]:
        value = value.replace(separator, TAG_SEPARATORS[0])
    return normalise_tags(value.split(TAG_SEPARATORS[0]))


def check_tags(value: str) -> tuple[str, ...]:
    """Tags as typed, each checked by the one tag rule (``reader.tags.check_tag``): UsageError naming it.

    Nothing typed is no tags (a plain highlight); a separator at either end is ignored (a completed tag is
    often followed by ", "), but an empty tag between two separators, or a tag with an empty part
    (``/``, ``a//b``, ``/lead``, ``trail/``), is refused.
    """
    for separator in TAG_SEPARATORS[1:]:
        value = value.replace(separator, TAG_SEPARATORS[0])
    value = value.strip().strip(TAG_SEPARATORS[0]).strip()
    if not value:
        return ()
    parts = value.split(TAG_SEPARATORS[0])
    if any(not part.strip() for part in parts):
        raise UsageError("a tag cannot be empty: there are two commas with no tag between them")
    return normalise_tags(check_tag(part) for part in parts)


@dataclass(frozen=True)
class AnnotationDraft:
    tags: tuple[str, ...]
    note: str
    color: str  # "" = the first tag's colour


class TagSuggester(Suggester):
    """Completes the tag being typed (the part after the last comma) from the tags already in use, 简 and 繁
    alike (what is typed is completed into the spelling in use)."""

    def __init__(self, tags: list[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._tags = sorted(tags, key=str.casefold)

    async def get_suggestion(self, value: str) -> str | None:
        normalised = value.replace(TAG_SEPARATORS[1], TAG_SEPARATORS[0])
        cut = normalised.rfind(TAG_SEPARATORS[0]) + 1
        typed = value[cut:].lstrip()
        if not typed:
            return None
        already = set(parse_tags(value[:cut]))
        key = fold_key(typed)  # 简 and 繁 alike: 來 completes 来源
        for tag in self._tags:
            if tag not in already and tag != typed and fold_key(tag).startswith(key):
                return value[: len(value) - len(typed)] + tag
        return None


#: lines of the quoted passage shown (on a short terminal: fewer)
QUOTE_LINES, SHORT_QUOTE_LINES = 4, 2


class AnnotateDialog(CompactWhenShort, ModalScreen[AnnotationDraft | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="cancel-annotation"),
        Binding("ctrl+s", "save", "Save", id="save-annotation"),
    ]

    def __init__(
        self,
        quote: str,
        known_tags: list[str],
        *,
        title: str = "Highlight and tag",
        tags: tuple[str, ...] = (),
        note: str = "",
        color: str = "",
    ) -> None:
        super().__init__()
        self._quote = quote
        self._known_tags = known_tags
        self._title = title
        self._initial = AnnotationDraft(tags, note, color)

    @classmethod
    def editing(cls, annotation: Annotation, passage: str, known_tags: list[str]) -> AnnotateDialog:
        """The dialog for changing an existing highlight, filled with its tags, note and colour."""
        return cls(
            passage,
            known_tags,
            title="Edit highlight",
            tags=annotation.tags,
            note=annotation.note,
            color=annotation.color,
        )

    def compose(self) -> ComposeResult:
        options = [(Text("tag colour (automatic)"), "")] + [
            (Text.assemble(("  ", f"on {hex_}"), f" {name}"), name) for name, hex_ in COLORS.items()
        ]
        with VerticalScroll(id="annotate-box"):
            yield Static(Text(self._title, style="bold"), id="annotate-title")
            yield WrappedText(self._quote, max_lines=QUOTE_LINES, id="annotate-quote")
            yield Label("Tags (comma-separated; → accepts a suggestion)")
            yield Input(
                value=", ".join(self._initial.tags),
                placeholder="e.g. framing/economy, 難民",
                suggester=TagSuggester(self._known_tags),
                id="annotate-tags",
            )
            error = Static(Text(""), id="annotate-error")
            error.display = False  # shown only when the tags are refused
            yield error
            yield Label("Note (enter: new line · ctrl+s saves)")
            yield TextArea(
                self._initial.note,
                soft_wrap=True,
                tab_behavior="focus",
                placeholder="optional",
                id="annotate-note",
            )
            yield Label("Colour")
            yield Select(options, value=self._initial.color, allow_blank=False, id="annotate-color")
            with Horizontal(id="annotate-buttons"):
                yield Button("Save", variant="primary", id="annotate-save")
                yield Button("Cancel", id="annotate-cancel")

    def on_mount(self) -> None:
        self.query_one("#annotate-tags", Input).focus()
        note = self.query_one("#annotate-note", TextArea)
        note.move_cursor(note.document.end)  # editing a note goes on from its end

    def fitted(self, short: bool) -> None:
        self.query_one(WrappedText).max_lines = SHORT_QUOTE_LINES if short else QUOTE_LINES

    @property
    def note(self) -> str:
        """The note as typed (every line of it), without blank lines at its ends."""
        return self.query_one("#annotate-note", TextArea).text.strip()

    @on(Input.Submitted)
    @on(Button.Pressed, "#annotate-save")
    def action_save(self) -> None:
        tags_input = self.query_one("#annotate-tags", Input)
        try:
            tags = check_tags(tags_input.value)
        except ReaderError as exc:
            error = self.query_one("#annotate-error", Static)
            error.update(Text(safe_line(str(exc)), style="bold red"))
            error.display = True
            tags_input.focus()
            return
        color = self.query_one("#annotate-color", Select).value
        draft = AnnotationDraft(tags, self.note, color if isinstance(color, str) else "")
        in_use = self._spelt_in_use(tags)
        if not in_use:
            self.dismiss(draft)
            return

        def chosen(choice: str | None) -> None:
            if choice == IN_USE:
                self.dismiss(replace(draft, tags=normalise_tags(in_use.get(tag, tag) for tag in tags)))
            elif choice == AS_TYPED:
                self.dismiss(draft)  # Esc: back to the dialog, to change the tags

        title, choices = spelling_question(list(in_use.items()))
        self.app.push_screen(ChoiceDialog(title, choices), chosen)

    def _spelt_in_use(self, tags: tuple[str, ...]) -> dict[str, str]:
        """The tags typed that are in use spelt otherwise (来源 for 來源: ``tags.find_equivalent_tag``)."""
        found = {tag: find_equivalent_tag(tag, self._known_tags) for tag in tags}
        return {tag: alike for tag, alike in found.items() if alike is not None and alike != tag}

    @on(Button.Pressed, "#annotate-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
