"""The side panel's "damage" section: every damaged spot of the article, Enter jumps to it.

Mounted into the annotation panel by the reading screen when the article has damage (seed 003: 209 spots
of a lossy encoding conversion). Each row says what kind of damage, the damaged text as the view shows it
and the repair if one is certain (``亂碼 當?shù)貢r間 → 當地時間``). Text is data: rows are ``Text``, clipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from reader.damage import KIND_LABELS, Damage
from reader.shorttext import clip_line

__all__ = ["MAX_ROWS", "DamageSection"]

#: rows listed at most (the title says how many there are)
MAX_ROWS = 1000
_TEXT_CELLS = 18


class DamageSection(Vertical):
    """A title and a list of damaged spots; choosing one posts :class:`Chosen` (original offsets)."""

    DEFAULT_CSS = """
    DamageSection {
        height: auto;
        max-height: 45%;
    }
    DamageSection #damage-title {
        height: 1;
        margin-top: 1;
    }
    DamageSection OptionList {
        height: auto;
        max-height: 12;
    }
    """

    @dataclass
    class Chosen(Message):
        start: int
        end: int

    def __init__(self, spots: Sequence[Damage] = (), text: str = "", **kwargs) -> None:
        """``spots`` of the article whose original text is ``text``: listed once mounted."""
        super().__init__(**kwargs)
        self._spots: Sequence[Damage] = spots
        self._text = text

    def compose(self) -> ComposeResult:
        yield Static(Text("Damage", style="bold"), id="damage-title")
        yield OptionList(id="damage-list")

    def on_mount(self) -> None:
        self.show(self._spots, self._text)

    def show(self, spots: Sequence[Damage], text: str) -> None:
        """List `spots` of the article whose original text is `text` (kept, and listed when mounted, if the
        section is not on a screen: the damage found in a worker can come as its screen is closed)."""
        self._spots, self._text = spots, text
        found = self.query(OptionList) if self.is_attached else None
        if not found:
            return
        options = found.first()
        options.clear_options()
        options.add_options([Option(_row(spot, text), id=str(n)) for n, spot in enumerate(spots[:MAX_ROWS])])
        shown = "" if len(spots) <= MAX_ROWS else f", first {MAX_ROWS} listed"
        repairable = sum(1 for spot in spots if spot.repair)
        title = Text(f"Damage ({len(spots)}, {repairable} repairable{shown})", style="bold")
        self.query_one("#damage-title", Static).update(title)
        self.display = bool(spots)

    @property
    def rows(self) -> list[str]:
        """The rows listed (plain), top to bottom."""
        options = self.query_one(OptionList)
        return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        spot = self._spots[int(event.option.id or 0)]
        self.post_message(self.Chosen(spot.start, spot.end))


def _row(spot: Damage, text: str) -> Text:
    row = Text(no_wrap=True, overflow="ellipsis")
    row.append(KIND_LABELS.get(spot.kind, spot.kind), style="bold #ff5f5f")
    row.append(" " + clip_line(text[spot.start : spot.end], _TEXT_CELLS))
    if spot.repair:
        row.append(" → " + clip_line(spot.repair, _TEXT_CELLS), style="bold")
    return row
