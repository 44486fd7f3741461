"""The reading line of one view text: readings computed per block in a worker, placed per display line.

The document view draws a row of readings (pinyin, zhuyin or jyutping) above each wrapped line when the
reading line is on. Reading text costs ~16 µs a character (pypinyin; its first use in a process ~0.4 s,
ToJyutping's ~1 s), too much for a frame, so the readings are computed off the UI thread a *block* at a
time (a paragraph, or a piece of about :data:`BLOCK_CHARS` of a longer one, cut at a word's start so a
phrase is never split) and kept; drawing a line only places the readings of its blocks
(:func:`reader.readings.place_readings`, microseconds) or, if a block is not read yet, draws the row
blank and asks for it (:meth:`ReadingLine.missing`). The wrapping of the text never depends on readings.

UI-free: the widget's layer (``reader.widgets.document_readings``) runs :meth:`ReadingLine.compute` in a
thread worker.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

from reader.readings import PlacedReading, ReadingSpan, check_system, place_readings, view_readings

if TYPE_CHECKING:
    from reader.convert import Converter
    from reader.segmentation import ViewWords

__all__ = ["BLOCK_CHARS", "MAX_BLOCKS", "ReadingLine", "reading_systems"]

#: a paragraph longer than this is read in pieces of about this many characters (~3 ms of pypinyin)
BLOCK_CHARS = 200
#: blocks kept (about 2 MB of readings at most; zuozhuan has 5,364 paragraphs)
MAX_BLOCKS = 2_048

Block = tuple[int, int]


def reading_systems(view: str) -> tuple[str, ...]:
    """The readings the reading line offers in `view`: jyutping (Cantonese) only in the 香港 view."""
    return ("pinyin", "zhuyin", "jyutping") if view == "hongkong" else ("pinyin", "zhuyin")


class ReadingLine:
    """Readings of ``text`` in ``system``, grouped by ``words`` (a ``ViewWords`` of the same view, or None:
    then one reading per character); thread-safe (one worker computes while the UI thread places)."""

    def __init__(
        self,
        text: str,
        system: str,
        *,
        converter: Converter | None = None,
        words: ViewWords | None = None,
    ) -> None:
        self.text = text
        self.system = check_system(system)
        self.converter = converter
        self.words = words
        self._blocks: OrderedDict[int, list[ReadingSpan]] = OrderedDict()
        self._cuts: dict[int, list[int]] = {}  # paragraph start -> its block starts (long paragraphs)
        self._lock = threading.Lock()

    # -- blocks ---------------------------------------------------------------------------------------

    def _paragraph(self, pos: int) -> Block:
        text = self.text
        start = text.rfind("\n", 0, pos) + 1
        end = text.find("\n", pos)
        return start, len(text) if end < 0 else end

    def _block_starts(self, start: int, end: int) -> list[int]:
        """Where the blocks of the paragraph ``[start, end)`` start: every BLOCK_CHARS, moved back to the
        start of the word there (never before the previous cut)."""
        cuts = self._cuts.get(start)
        if cuts is None:
            cuts = [start]
            for raw in range(start + BLOCK_CHARS, end, BLOCK_CHARS):
                span = self.words.word_at(raw) if self.words is not None else None
                cut = span[0] if span is not None and span[0] > cuts[-1] else raw
                cuts.append(cut)
            self._cuts[start] = cuts
        return cuts

    def block_of(self, pos: int) -> Block:
        """The block holding position `pos` (a newline belongs to the paragraph it ends)."""
        pos = max(0, min(pos, len(self.text)))
        start, end = self._paragraph(pos)
        if end - start <= BLOCK_CHARS:
            return start, end
        cuts = self._block_starts(start, end)
        for i in range(len(cuts) - 1, -1, -1):
            if cuts[i] <= pos:
                return cuts[i], cuts[i + 1] if i + 1 < len(cuts) else end
        return start, end  # not reached: cuts[0] == start <= pos

    def _blocks_over(self, start: int, end: int) -> list[Block]:
        blocks = []
        pos = start
        while True:
            block = self.block_of(pos)
            blocks.append(block)
            if block[1] >= end or block[1] >= len(self.text):
                return blocks
            pos = block[1] + (1 if block[1] < len(self.text) and self.text[block[1]] == "\n" else 0)
            if pos >= end:
                return blocks

    def missing(self, start: int, end: int) -> list[Block]:
        """The blocks over ``[start, end)`` not read yet."""
        with self._lock:
            have = self._blocks
            return [b for b in self._blocks_over(start, end) if b[0] not in have]

    def compute(self, start: int, end: int, *, pause: Callable[[], None] | None = None) -> int:
        """Read every block over ``[start, end)`` not read yet (in a worker); how many were read.

        ``pause`` is called before each block (a ``reader.pacing`` hook: yields to the UI, may raise to
        stop): a worker started by a key (a page-down that brings the screens read ahead one nearer) then
        waits until the keys stop before its first block, instead of reading it inside that key's frame.
        """
        done = 0
        for a, b in self.missing(start, end):
            if pause is not None:
                pause()
            spans = view_readings(self.text, a, b, self.system, words=self.words, converter=self.converter)
            with self._lock:
                self._blocks[a] = spans
                while len(self._blocks) > MAX_BLOCKS:
                    self._blocks.popitem(last=False)
            done += 1
        return done

    # -- lines ----------------------------------------------------------------------------------------

    def spans(self, start: int, end: int) -> list[ReadingSpan] | None:
        """The readings over ``[start, end)`` (view offsets), or None while a block of it is unread."""
        found: list[ReadingSpan] = []
        with self._lock:
            for a, _ in self._blocks_over(start, end):
                spans = self._blocks.get(a)
                if spans is None:
                    return None
                self._blocks.move_to_end(a)
                found.extend(s for s in spans if s.end > start and s.start < end)
        return found

    def placed(self, start: int, end: int, width: int) -> list[PlacedReading] | None:
        """Where the readings of the display line ``text[start:end]`` go on the row above it (cells from
        the line's first cell, at most `width`), or None while they are not read yet."""
        spans = self.spans(start, end)
        if spans is None:
            return None
        return place_readings(self.text[start:end], spans, line_start=start, width=width)
