"""The reading line as a display layer of the document view: a row of readings above each display line.

With a :class:`reader.readingline.ReadingLine` set (``DocumentView.set_reading_line``) every display line
takes two rows, its readings and its text; the wrapping is the same as without (the readings never
change where a line breaks). Drawing a reading row only places readings already read; a row whose
block is not read yet is drawn blank once, and a thread worker reads the blocks of the screen (then a few
screens around it, paced by the app's ``Pacer`` so that paging never waits for it) and repaints.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.worker import get_current_worker

from reader.layout import cell_widths
from reader.pacing import Pacer, WorkCancelled
from reader.readingline import ReadingLine

if TYPE_CHECKING:
    from reader.widgets.document_display import TextDisplay

__all__ = ["READ_AHEAD_SCREENS", "ReadingRows"]

#: screens of readings read ahead (and behind) of the one shown
READ_AHEAD_SCREENS = 3


class ReadingRows:
    """One text's reading line as drawn by one ``TextDisplay``; ``version`` changes when more is read."""

    def __init__(self, line: ReadingLine) -> None:
        self.line = line
        self.version = 0
        self._scheduled = False

    def strip(
        self, start: int, end: int, wrap_width: int, margin: int, width: int, style: Style
    ) -> Strip | None:
        """The row above the display line ``[start, end)``, or None while its readings are not read."""
        placed = self.line.placed(start, end, wrap_width)
        if placed is None:
            return None
        segments = [Segment(" " * margin, style)] if margin else []
        used = 0
        for reading in placed:
            if reading.cell > used:
                segments.append(Segment(" " * (reading.cell - used), style))
            segments.append(Segment(reading.reading, style))
            used = reading.cell + sum(cell_widths(reading.reading))
        if margin + used > width:  # a narrower widget than the text column (never while laid out)
            return Strip(segments).adjust_cell_length(width, style)
        segments.append(Segment(" " * (width - margin - used), style))
        return Strip(segments, width)  # the cells are known: Strip need not measure them again

    # -- reading in the background --------------------------------------------------------------------

    def want(self, display: TextDisplay) -> None:
        """Read what the screen shows (and around it) if some of it is unread: once per frame at most."""
        if not self._scheduled and display.is_attached:
            self._scheduled = True
            display.call_after_refresh(self._start, display)

    def _start(self, display: TextDisplay) -> None:
        self._scheduled = False
        shown = display.shown_range()
        if shown is None or display.reading_rows is not self:
            return
        start, end = shown
        ahead = READ_AHEAD_SCREENS * max(end - start, 200)
        around = (max(0, start - ahead), end + ahead)
        if not self.line.missing(*around):
            return
        pacer = getattr(display.app, "pacer", None)
        display.run_worker(
            lambda: self._read(display, (start, end), around, pacer if isinstance(pacer, Pacer) else None),
            thread=True,
            group="reading-line",
            exclusive=True,
            exit_on_error=False,
        )

    def _read(
        self, display: TextDisplay, shown: tuple[int, int], around: tuple[int, int], pacer: Pacer | None
    ) -> None:
        """In a thread: the screen first (the user sees blank rows), then around it, paced."""
        worker = get_current_worker()

        def cancelled() -> bool:
            return worker.is_cancelled or display.reading_rows is not self or not display.is_attached

        hurry: Callable[[], None] | None = None
        calm: Callable[[], None] | None = None
        if pacer is not None:
            hurry = pacer.hook(cancelled, hurry=lambda: True)
            calm = pacer.hook(cancelled)
        try:
            if self.line.compute(*shown, pause=hurry):
                self._tell(display)
            start, end = shown
            read = self.line.compute(end, around[1], pause=calm)
            read += self.line.compute(around[0], start, pause=calm)
            if read:
                self._tell(display)
        except WorkCancelled:
            return

    def _tell(self, display: TextDisplay) -> None:
        """From the worker: repaint with what was read (unless the app is closing meanwhile)."""
        if display.is_attached:
            with contextlib.suppress(RuntimeError):  # the app's loop has stopped
                display.app.call_from_thread(self._read_more, display)

    def _read_more(self, display: TextDisplay) -> None:
        if display.reading_rows is self:
            self.version += 1
            display.refresh()
