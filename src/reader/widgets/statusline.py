"""The reading screen's status line: what the cursor is on (a marked word, damage) or what the layers hold.

One row above the key bar. It says what the source has under a marked word (``選單 ← 菜单 · phrase``),
how many places a view changed, what is folded, and the progress of a large view being built. Text is data
(a source phrase comes from the article): it is clipped with ``reader.shorttext.clip_line``, never markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from reader.shorttext import clip_line

__all__ = ["StatusLine"]


class StatusLine(Static):
    """One line of ``(text, style)`` parts, cut with "…" to the width."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        padding: 0 1;
        color: $text-muted;
        background: $surface;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes)
        self._parts: tuple[tuple[str, str], ...] = ()

    @property
    def text(self) -> str:
        """What the line says now (plain)."""
        return "".join(part for part, _ in self._parts)

    def show(self, parts: Sequence[tuple[str, str]]) -> None:
        """Show ``(text, style)`` parts; cheap when nothing changed (it runs at every cursor move)."""
        parts = tuple(parts)
        if parts == self._parts:
            return
        self._parts = parts
        self._draw()

    def _draw(self) -> None:
        width = self.content_region.width or max(self.app.size.width - 2, 1)
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        for part, style in self._parts:
            line.append(clip_line(part, width), style=style)
        if line.cell_len > width:
            line.truncate(width, overflow="ellipsis")
        self.update(line, layout=False)

    def on_resize(self) -> None:
        self._draw()
