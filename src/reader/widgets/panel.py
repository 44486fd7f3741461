"""The side panel: this article's annotations in document order, filterable by tag."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option, OptionDoesNotExist

from reader.sanitise import safe_line
from reader.store import Annotation

#: the panel is 46 cells wide: a quote line keeps to one row
QUOTE_CELLS = 38


@dataclass(frozen=True)
class PanelEntry:
    annotation: Annotation
    text: str  # the passage in the current view
    color: str  # the highlight colour (hex), as the document draws it


class AnnotationPanel(Vertical):
    """Lists entries; choosing one posts ``Jump`` with the annotation."""

    @dataclass
    class Jump(Message):
        annotation: Annotation

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._entries: list[PanelEntry] = []

    def compose(self) -> ComposeResult:
        yield Static(Text("Annotations", style="bold"), id="panel-title")
        yield Input(placeholder="filter by tag", id="panel-filter")
        yield OptionList(id="panel-list")

    def set_entries(self, entries: list[PanelEntry]) -> None:
        self._entries = entries
        self._refresh_list()

    @property
    def tag_filter(self) -> str:
        return self.query_one("#panel-filter", Input).value.strip().casefold()

    def _refresh_list(self) -> None:
        option_list = self.query_one(OptionList)
        highlighted = option_list.highlighted_option.id if option_list.highlighted_option else None
        wanted = self.tag_filter
        options = []
        for entry in self._entries:
            annotation = entry.annotation
            if wanted and not any(wanted in tag.casefold() for tag in annotation.tags):
                continue
            options.append(Option(self._render_entry(entry), id=annotation.id))
        option_list.clear_options()
        option_list.add_options(options)
        title = self.query_one("#panel-title", Static)
        shown = len(options)
        title.update(
            Text(
                f"Annotations ({shown}{'' if shown == len(self._entries) else f' of {len(self._entries)}'})",
                style="bold",
            )
        )
        if highlighted is not None:
            with contextlib.suppress(OptionDoesNotExist):  # the highlighted one was filtered out
                option_list.highlighted = option_list.get_option_index(highlighted)

    @staticmethod
    def _render_entry(entry: PanelEntry) -> Text:
        annotation = entry.annotation
        one_line = safe_line(entry.text)
        quote = set_cell_size(one_line, QUOTE_CELLS + 1)
        if cell_len(one_line) > QUOTE_CELLS:
            quote = set_cell_size(quote, QUOTE_CELLS - 1).rstrip() + "…"
        else:
            quote = quote.rstrip()
        colour = entry.color
        text = Text()
        text.append("▌", style=colour)
        text.append(quote)
        if annotation.status == "orphan":
            text.append("  (orphan: quote not found)", style="bold red")
        if annotation.tags:
            text.append("\n ")
            for tag in annotation.tags:
                text.append(f" #{safe_line(tag)}", style="bold")
        if annotation.note:
            note = safe_line(annotation.note, 60)
            text.append(f"\n  {note}", style="italic dim")
        return text

    @on(Input.Changed, "#panel-filter")
    def _filter_changed(self) -> None:
        self._refresh_list()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        chosen = next((e for e in self._entries if e.annotation.id == event.option.id), None)
        if chosen is not None:
            self.post_message(self.Jump(chosen.annotation))
