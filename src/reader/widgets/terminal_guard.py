"""The safety net under every painted line: nothing that drives a terminal leaves the app.

Screens and widgets show user data through :func:`reader.sanitise.safe_line` / ``sanitise`` (visible
symbols such as ␛). Textual's own widgets can still hold raw controls (text pasted into an ``Input``,
a message of a library exception), and Rich/Textual strip only BEL, BS, VT, FF and CR (GUIDE.md §4). This
line filter runs on every line of every widget as it is painted (Textual caches the result per line) and
drops whatever :func:`reader.sanitise.terminal_guard` says a terminal would obey, keeping the line's width.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from reader.sanitise import UNSAFE, terminal_guard


class TerminalGuard(LineFilter):
    """Removes terminal controls from painted text (segments that are Textual's own controls are kept)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if UNSAFE.search("".join([segment.text for segment in segments])) is None:  # nearly always
            return segments
        return [
            segment if segment.control else Segment(terminal_guard(segment.text), segment.style)
            for segment in segments
        ]


#: one instance: Textual caches filtered lines per filter object
TERMINAL_GUARD = TerminalGuard()
