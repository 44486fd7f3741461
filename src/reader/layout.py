"""Chinese-aware line wrapping (UI-free: never imports textual; sentences: ``reader.sentences``).

`wrap_text` turns the text of a script view into *display lines*, each a ``(start, end)`` code point range
into the text (end exclusive, never covering a ``"\\n"``), wrapped by terminal cells (GUIDE.md §2: CJK and
full-width punctuation are 2 cells, ASCII and “”…—· are 1, combining marks and ZWSP are 0).

Rules
-----
* Paragraphs are the lines of the text. Every non-empty paragraph is followed by one *blank display line*,
  a zero-length range ``(p, p)`` at the paragraph end ``p`` (the index of its ``"\\n"``, or ``len(text)``).
  Empty source lines produce no display line of their own, so runs of them collapse into that one blank.
* Kinsoku (禁则): no line begins with closing punctuation (``CLOSING``: ，。、；：？！）」』》〉… and their
  ASCII cousins ``.,;:?!)]}%``) and none ends with opening punctuation (``OPENING``: （「『《〈‘“ ``([{``).
  The rules hold **across spaces**: web text often has a space before a full stop (``文字 。``) or after an
  opening bracket (``「 文字``), so a break is refused wherever the nearest visible character after it is
  closing punctuation or the nearest visible one before it is opening punctuation (a line holding only
  `` 。`` is as wrong as one starting with ``。``). Runs of more than ``_SPACE_LOOKAHEAD`` spaces are not
  looked across (they are wider than any line anyway, and looking would cost time on hostile files).
  We resolve a violation by **pushing characters down** (推出): the break moves left until it is legal, so the
  offending punctuation takes the previous character(s) with it to the next line. We never hang punctuation
  past the width, so **no line is ever wider than ``width``** (the one exception: a single character wider
  than the width, e.g. a CJK character at width 1, which occupies a line of its own).
  If no legal break exists in the whole line (e.g. a paragraph of only ！！！！), the line is broken at the
  width anyway: the rules are then unavoidable to break.
* Runs of Latin letters and digits (``TikTok``, ``2025``) are not broken, nor are they broken after a joiner
  inside a word (``3.14``, ``photo.jpg``, ``don't``): the break moves before the run, so the word starts the
  next line. A run longer than the width starts a new line and is folded there (the
  CSS ``overflow-wrap: break-word`` behaviour).
* Zero-width characters (combining marks, ZWSP) never start a line: they stay with the character before.
* A tab or a (normally sanitised away) control character counts 1 cell: the view renders it as one visible
  cell. Grapheme clusters (ZWJ emoji, VS16) are measured per code point.

Performance: cell widths come from a table of all code points (built once from Rich's own cell table),
mapped over the whole text at C speed into one byte per character, then per over-long paragraph a
cumulative sum (``itertools.accumulate``) searched with ``bisect``. Python-level work is per *line*, not
per character.
"""

from __future__ import annotations

import sys
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import accumulate

from rich.cells import get_character_cell_size

__all__ = [
    "CLOSING",
    "OPENING",
    "SPACE_CHARS",
    "Layout",
    "can_break",
    "cell_widths",
    "char_width",
    "refold",
    "wrap_more",
    "wrap_text",
]

CLOSING: frozenset[str] = frozenset(
    "，。、；：？！）」』》〉】〕〗〙〛｝］｠…‥’”〞〟・·％‰℃°﹐﹑﹒﹔﹕﹖﹗﹚﹜﹞｡､｣ヽヾゝゞ々〻ー.,;:?!)]}%"
)
"""Characters that must not begin a display line (行首禁则)."""

OPENING: frozenset[str] = frozenset("（「『《〈【〔〖〘〚｛［｟‘“〝﹙﹛﹝｢([{¥$£€＄￥")
"""Characters that must not end a display line (行尾禁则)."""

_NO_SPLIT_PAIRS: frozenset[str] = frozenset("—…⋯―─")
"""Doubled dashes and ellipses (——, ……) are one mark: never break between two equal ones."""

_SPACES: frozenset[str] = frozenset(
    "\t \u00a0\u1680\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))
)
"""Blank characters that kinsoku looks across (tab and Unicode's space separators, 　 included)."""

SPACE_CHARS = "".join(sorted(_SPACES))
"""The same, as a string (for ``str.strip``)."""
_SPACE_LOOKAHEAD = 256
"""Kinsoku looks across at most this many spaces (a longer run is wider than any line)."""

_WORD_CHARS: frozenset[str] = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    + "".join(chr(c) for c in range(0xC0, 0x250) if chr(c).isalpha())
    + "".join(chr(c) for c in range(0x370, 0x530) if chr(c).isalpha())
)
"""Letters and digits of alphabetic scripts: a break never falls between two of them."""

_WORD_JOINERS: frozenset[str] = frozenset(".,:'_/@")
"""Inside a word these join (3.14, 1,000, photo.jpg, don't, a_b, http://x): no break after them."""

# --- cell widths ---------------------------------------------------------------------------------

_UNKNOWN = 255
_FIRST_PLANES = 0x40000
"""The table starts with planes 0-3: every script and every CJK ideograph (extensions B-H included). The
whole of Unicode took 1.1 MB (and as much again to fill it), a third of what importing the reader added to
start-up, in pages faulted in one by one; it is grown to all of it the first time a text holds a character
beyond (a variation selector of plane 14: classical texts have them)."""
_ALL = 0x110000
_TABLE = bytearray([_UNKNOWN]) * _FIRST_PLANES
"""Cell width of every code point in the table (`_UNKNOWN` until measured), so a whole text maps to widths at
C speed."""
_NATIVE_UTF32 = "utf-32-le" if sys.byteorder == "little" else "utf-32-be"


def _fill_table(start: int = 0) -> None:
    """Fill `_TABLE` from ``start`` on from Rich's own cell table (rich >= 15), else leave it to be learnt
    per character.

    Either way the widths equal `rich.cells.get_character_cell_size` (what Rich and Textual render with),
    except that a tab or a control counts 1 cell and a newline 0 (see the module docstring).
    """
    try:
        from rich._unicode_data import load  # private, hence the fallback below
    except ImportError:  # pragma: no cover - older Rich: learn widths character by character instead
        return
    try:
        widths = load("auto").widths
    except Exception:  # pragma: no cover - same fallback
        return
    size = len(_TABLE)
    _TABLE[start:] = b"\x01" * (size - start)
    for first, last, width in widths:
        first, last = max(first, start), min(last, size - 1)
        if first <= last:
            _TABLE[first : last + 1] = bytes([width]) * (last + 1 - first)
    if start == 0:
        for code in (*range(0x20), *range(0x7F, 0xA0)):
            _TABLE[code] = 1
        _TABLE[0x0A] = 0


def _grow_table() -> None:
    """All of Unicode in the table (a text holds a character beyond the first planes)."""
    start = len(_TABLE)
    if start < _ALL:
        _TABLE.extend(bytes([_UNKNOWN]) * (_ALL - start))
        _fill_table(start)


def _measure(char: str) -> int:
    code = ord(char)
    if code == 0x0A:
        return 0
    if char == "\t" or code < 0x20 or 0x7F <= code < 0xA0:
        return 1  # rendered as one visible cell (a space or a control picture)
    return get_character_cell_size(char)


_fill_table()


def char_width(char: str) -> int:
    """Cells that one character occupies in the document view."""
    code = ord(char)
    if code >= len(_TABLE):
        _grow_table()
    width = _TABLE[code]
    if width == _UNKNOWN:
        width = _TABLE[code] = _measure(char)
    return width


def _width_bytes(text: str) -> bytes:
    """The cell width of every character of `text`, one byte each."""
    codes = memoryview(text.encode(_NATIVE_UTF32, "surrogatepass")).cast("I")
    try:
        widths = bytes(map(_TABLE.__getitem__, codes))
    except IndexError:  # a code point beyond the first planes: the table grown to all of Unicode
        _grow_table()
        widths = bytes(map(_TABLE.__getitem__, codes))
    if _UNKNOWN in widths:
        for char in set(text):
            char_width(char)
        widths = bytes(map(_TABLE.__getitem__, codes))
    return widths


def cell_widths(text: str) -> bytes:
    """The cell width of every character of `text`, one byte each (tab and controls 1, newline 0)."""
    return _width_bytes(text)


def can_break(text: str, pos: int, *, words: bool = True) -> bool:
    """Whether a display line may end before ``text[pos]`` (0 < pos < len(text), inside one paragraph).

    With ``words=False`` only the punctuation rules apply (used to fold a word longer than the width).
    """
    char = text[pos]
    before = text[pos - 1]
    if char in CLOSING or before in OPENING:
        return False
    if char in _SPACES and _next_visible(text, pos) in CLOSING:
        return False
    if before in _SPACES and _previous_visible(text, pos) in OPENING:
        return False
    if char == before and char in _NO_SPLIT_PAIRS:
        return False
    if words and char in _WORD_CHARS:
        if before in _WORD_CHARS:
            return False
        if before in _WORD_JOINERS and pos >= 2 and text[pos - 2] in _WORD_CHARS:
            return False
    if words and char in _WORD_JOINERS and before in _WORD_CHARS and text[pos + 1 : pos + 2] in _WORD_CHARS:
        return False
    return char_width(char) != 0


def _next_visible(text: str, pos: int) -> str:
    """The first character at or after `pos` that is not a space ("" if none within the lookahead)."""
    rest = text[pos : pos + _SPACE_LOOKAHEAD].lstrip(SPACE_CHARS)
    return rest[0] if rest else ""


def _previous_visible(text: str, pos: int) -> str:
    """The last character before `pos` that is not a space ("" if none within the lookahead)."""
    rest = text[max(0, pos - _SPACE_LOOKAHEAD) : pos].rstrip(SPACE_CHARS)
    return rest[-1] if rest else ""


# --- layout -------------------------------------------------------------------------------------


@dataclass
class Layout:
    """Display lines of one text at one width: ``starts[i]``/``ends[i]`` are the range of line ``i``."""

    text: str
    width: int
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    #: False for a first part (``wrap_text(..., upto=N)``): its lines are exactly the first lines of the
    #: whole layout, so :func:`wrap_more` extends it (or the whole one replaces it) without moving
    #: anything on screen.
    complete: bool = True
    #: how much of the text is wrapped: lines cover the paragraphs that start before it
    wrapped: int = 0
    #: folded ranges (``reader.folding``): each whole-line range ``(start, end)`` is one display line
    folds: tuple[tuple[int, int], ...] = ()
    #: display line -> index into ``folds``, for the lines that stand for a folded range
    folded: dict[int, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.starts)

    def fold_at(self, pos: int) -> tuple[int, int] | None:
        """The folded range containing `pos` (``start <= pos < end``), or None."""
        if not self.folds:
            return None
        index = bisect_right(self.folds, (pos, 1 << 62)) - 1
        if index >= 0 and self.folds[index][0] <= pos < self.folds[index][1]:
            return self.folds[index]
        return None

    @property
    def lines(self) -> list[tuple[int, int]]:
        """All display lines as ``(start, end)`` pairs (built on demand: prefer `starts`/`ends`)."""
        return list(zip(self.starts, self.ends, strict=True))

    def line(self, index: int) -> tuple[int, int]:
        """The range of display line `index`."""
        return self.starts[index], self.ends[index]

    def line_text(self, index: int) -> str:
        return self.text[self.starts[index] : self.ends[index]]

    def is_blank(self, index: int) -> bool:
        return self.starts[index] == self.ends[index]

    def line_of_offset(self, pos: int) -> int:
        """The display line showing offset `pos`.

        The ``"\\n"`` ending a paragraph (and any empty lines after it) belong to the paragraph's blank line;
        offsets past the text (or past the part wrapped so far) belong to the last line.
        """
        return max(0, bisect_right(self.starts, pos) - 1)

    def offset_at(self, line: int, cell_x: int) -> int:
        """The offset of the character whose cells cover `cell_x` on `line`; past the end: the line end."""
        start, end = self.starts[line], self.ends[line]
        x = 0
        text = self.text
        for pos in range(start, end):
            x += char_width(text[pos])
            if cell_x < x:
                return pos
        return end

    def cell_x_of_offset(self, line: int, pos: int) -> int:
        """Cells from the start of `line` to offset `pos` (clamped to the line)."""
        start, end = self.starts[line], self.ends[line]
        pos = min(max(pos, start), end)
        return sum(_width_bytes(self.text[start:pos]))

    def line_cells(self, line: int) -> int:
        """The width of `line` in cells."""
        return sum(_width_bytes(self.line_text(line)))

    def last_stop(self, line: int) -> int:
        """The last offset a block cursor can sit on in `line` (its start if the line is blank)."""
        start, end = self.starts[line], self.ends[line]
        return end - 1 if end > start else start


def wrap_text(
    text: str, width: int, *, upto: int | None = None, folds: tuple[tuple[int, int], ...] = ()
) -> Layout:
    """Wrap `text` (paragraphs separated by ``"\\n"``) into display lines at most `width` cells wide.

    With `upto`, only the paragraphs up to the one containing `upto` are wrapped (a first screen of a long
    text, shown while the rest is wrapped); the result has ``complete`` False unless that was everything.
    `folds`: sorted ``(start, end)`` ranges of whole lines (start at a line start, end at its ``"\\n"``),
    each shown as one display line (``Layout.folded``) followed by a blank line.
    """
    layout = Layout(text, max(int(width), 1), complete=False, folds=folds)
    wrap_more(layout, upto)
    while not layout.starts and not layout.complete:  # a first part must show something
        wrap_more(layout, layout.wrapped + max(width, 1))
    return layout


def refold(layout: Layout, folds: tuple[tuple[int, int], ...]) -> int | None:
    """Give `layout` other folded ranges in place, keeping its lines before the first range that changed
    (those are the same with either): a fold opened or closed costs the lines after it, not the whole text.

    Returns the first display line that may have changed (None if the folds are the same); the layout is
    then incomplete from there (:func:`wrap_more` goes on).
    """
    old = layout.folds
    if old == folds:
        return None
    same = 0
    while same < min(len(old), len(folds)) and old[same] == folds[same]:
        same += 1
    first = min(r[0] for r in (*old[same : same + 1], *folds[same : same + 1]))
    layout.folds = folds
    if first >= layout.wrapped and not layout.complete:
        return len(layout)  # not wrapped yet: wrap_more will fold it the new way
    first = layout.text.rfind("\n", 0, first) + 1  # a paragraph's start: always a line's start
    cut = bisect_left(layout.starts, first)
    del layout.starts[cut:], layout.ends[cut:]
    layout.folded = {line: index for line, index in layout.folded.items() if line < cut}
    layout.wrapped = first
    layout.complete = False
    return cut


def wrap_more(layout: Layout, upto: int | None = None) -> None:
    """Extend a first part through the paragraph containing `upto` (to the end of the text if None).

    The lines added are the ones :func:`wrap_text` gives for the whole text, in order, so a layout wrapped
    piece by piece (a few thousand characters at a time, say, between frames) equals one wrapped at once.
    """
    if layout.complete:
        return
    text, width = layout.text, layout.width
    starts, ends = layout.starts, layout.ends
    pos, size = layout.wrapped, len(text)
    if upto is not None and upto < pos:
        return
    if upto is not None and upto < size:
        cut = text.find("\n", max(upto, pos))
        if cut >= 0 and cut + 1 < size:
            size = cut + 1
    folds = {start: (end, index) for index, (start, end) in enumerate(layout.folds) if end >= pos}
    for start, (end, _) in folds.items():  # a piece never ends inside a fold
        if start < size <= end:
            size = min(end + 1, len(text))
    cells = _width_bytes(text[pos:size])
    base = pos
    find = text.find
    while pos < size:
        if pos in folds:
            stop, index = folds[pos]
            layout.folded[len(starts)] = index
            starts += (pos, stop)  # the fold's line, then the blank line after it
            ends += (stop, stop)
            pos = stop + 1
            continue
        stop = find("\n", pos)
        if stop < 0:
            stop = size
        if stop > pos:
            if stop - pos <= width // 2 or sum(cells[pos - base : stop - base]) <= width:
                starts.append(pos)
                ends.append(stop)
            else:
                _wrap_paragraph(text, cells, base, pos, stop, width, starts, ends)
            starts.append(stop)
            ends.append(stop)
        pos = stop + 1
    layout.wrapped = size
    layout.complete = size >= len(text)
    if layout.complete and not starts:  # empty, or only newlines
        starts.append(0)
        ends.append(0)


def _wrap_paragraph(
    text: str,
    cells: bytes,
    base: int,
    start: int,
    stop: int,
    width: int,
    starts: list[int],
    ends: list[int],
) -> None:
    """Append the display lines of the paragraph ``text[start:stop]`` (which is wider than `width`).

    ``cells[i]`` is the width of ``text[base + i]``.
    """
    offset = start - base
    cum = list(accumulate(cells[offset : offset + stop - start], initial=0))  # cells of text[start:start+i]
    total = cum[-1]
    length = stop - start
    line = start
    while line < stop:
        i = line - start
        limit = cum[i] + width
        if total <= limit:
            starts.append(line)
            ends.append(stop)
            return
        j = bisect_right(cum, limit, i + 1) - 1  # the most characters that fit
        if j <= i:  # one character wider than the line: it gets a line of its own (+ zero-width marks)
            j = i + 1
            while j < length and not cells[offset + j]:
                j += 1
        end = start + j
        if end < stop and not can_break(text, end):
            end = _legal_break(text, line, end)
        starts.append(line)
        ends.append(end)
        line = end


def _previous_candidate(text: str, pos: int) -> int:
    """The next break worth trying left of `pos`, where a break was refused.

    Kinsoku looks across spaces, so a whole run of spaces after opening punctuation, or before closing
    punctuation, is refused at once: it is skipped in one step (else 300 spaces after 「 cost 300 checks of
    300 characters each, on every line of a hostile file).
    """
    if text[pos - 1] not in _SPACES:
        return pos - 1
    low = max(0, pos - _SPACE_LOOKAHEAD)
    kept = text[low:pos].rstrip(SPACE_CHARS)
    if kept and kept[-1] in OPENING:  # every break from the opening mark up to here is refused
        return low + len(kept) - 1
    if text[pos] in _SPACES or text[pos] in CLOSING:  # refused for the closing mark the spaces see
        ahead = text[pos : pos + _SPACE_LOOKAHEAD]
        closing = pos + len(ahead) - len(ahead.lstrip(SPACE_CHARS))
        # the spaces of the run that see that mark (no more than the lookahead) are all refused
        return max(low + len(kept) - 1, closing - _SPACE_LOOKAHEAD)
    return pos - 1


def _legal_break(text: str, line: int, end: int) -> int:
    """The nearest legal break left of `end` (which is not legal) for a line starting at `line`."""
    pos = end - 1
    while pos > line and not can_break(text, pos):
        pos = _previous_candidate(text, pos)
    if pos > line:
        return pos
    # No break honours both the punctuation and the word rules: fold the word (punctuation rules only).
    pos = end
    while pos > line and not can_break(text, pos, words=False):
        pos = _previous_candidate(text, pos)
    return pos if pos > line else end  # unavoidable: break at the width
