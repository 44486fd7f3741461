"""A few lines of text wrapped with the document's rules, cut with ``…`` when they do not all fit.

A passage quoted in a dialog, a long message: Rich would wrap it at spaces only (a line may start with
``。``) and a fixed height would cut it mid-line with nothing to say so. Here it is wrapped by
``reader.shorttext.wrap_lines`` (kinsoku, whole Latin words) to the widget's width, again when that
changes, and at most ``max_lines`` are shown, the last ending with ``…`` if there was more.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from reader.shorttext import ELLIPSIS, clip_line, wrap_lines

__all__ = ["WrappedText", "wrapped_lines"]


def wrapped_lines(text: str, width: int, max_lines: int, *, indent: str = "") -> list[str]:
    """`text` wrapped to `width` cells, at most `max_lines` lines, the last cut with "…" if any were left.
    Each paragraph starts a line; blank lines between them are left out (room is short here)."""
    lines = [line for line in wrap_lines(text, width, indent=indent) if line.strip()] or [indent]
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    last = kept[-1]
    cut = clip_line(last, max(width - 1, 1))
    kept[-1] = cut if cut != last else last + ELLIPSIS
    return kept


class WrappedText(Static):
    """`text` wrapped to the widget's width, at most `max_lines` lines (see the module docstring)."""

    def __init__(
        self,
        text: str,
        *,
        max_lines: int = 3,
        style: str = "",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__("", id=id, classes=classes)
        self._text = text
        self._style = style
        self._max_lines = max_lines
        self._fitted: tuple[int, int] | None = None

    @property
    def max_lines(self) -> int:
        return self._max_lines

    @max_lines.setter
    def max_lines(self, lines: int) -> None:
        self._max_lines = max(1, lines)
        self._fit()

    def on_mount(self) -> None:
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        width = self.content_region.width or max(self.app.size.width - 8, 10)
        if self._fitted == (width, self._max_lines):
            return
        self._fitted = (width, self._max_lines)
        lines = wrapped_lines(self._text, width, self._max_lines)
        self.update(Text("\n".join(lines), style=self._style, no_wrap=True, end=""))
