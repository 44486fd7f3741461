"""Readings: pinyin with tone marks, zhuyin (bopomofo) or jyutping, per character and per word, and a
reading line placed above a wrapped line of text in terminal cells.

* Mandarin (pinyin, zhuyin): pypinyin (MIT). It reads phrases, not characters (重庆 → chóng qìng, 银行 →
  yín háng), but its phrase table is Simplified: 重慶 comes out zhòng qìng. So every text is read in its
  Simplified form (t2s maps character for character, so readings stay aligned with the view's text).
  Passing our own segmentation to pypinyin was tried and is worse: a word missing from its phrase table
  (重庆市) is then read character by character (zhòng). pypinyin's own phrase matching is used on the
  text, and our words only *group* the readings (one reading per word in the reading line).
* Cantonese (jyutping): ToJyutping (BSD-2-Clause, 0.3 MB, reads Traditional text with its own phrase trie;
  loads in ~0.5 s and ~75 MB, so only when asked). pycantonese does the same but its wheel is 42 MB.

A reading line cannot be wider than its text line (CJK wrapping must not change when readings are shown),
and a pinyin word is usually wider than its characters (chóngqìng: 9 cells over 4), so
:func:`place_readings` places each word's reading at its first cell, or later while it still starts inside
the word, one space after the previous one; a reading that cannot is left out (the popup shows it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from reader.errors import UsageError
from reader.pacing import long_lived_objects

if TYPE_CHECKING:
    from reader.convert import Converter
    from reader.words import ViewWords

__all__ = [
    "SYSTEMS",
    "PlacedReading",
    "ReadingSpan",
    "char_readings",
    "check_system",
    "load_pypinyin",
    "place_readings",
    "reading_line",
    "reading_spans",
    "view_readings",
]

SYSTEMS = ("pinyin", "zhuyin", "jyutping")
_LOCK = threading.Lock()


def check_system(system: str) -> str:
    if system not in SYSTEMS:
        raise UsageError(f"unknown reading {system!r}; choose one of: {', '.join(SYSTEMS)}")
    return system


@dataclass(frozen=True)
class ReadingSpan:
    """The reading of ``text[start:end]`` (a word, or one character outside any word)."""

    start: int
    end: int
    reading: str  # syllables written together: "chóngqìng", "ㄔㄨㄥˊㄑㄧㄥˋ", "hoeng1gong2"
    syllables: tuple[str, ...]  # one per character ("" for a character without a reading)


@dataclass(frozen=True)
class PlacedReading:
    cell: int  # column of the reading's first cell in the line
    reading: str
    start: int  # the characters it reads (offsets in the line)
    end: int


# Both tables below are ~200,000 (pypinyin) and ~270,000 (ToJyutping) Python objects that live as long as the
# process: left to the cycle collector, each full collection walks them again (16 ms and 60 ms), on whichever
# thread allocates, so a page-down frame under the reading line stalled for 35-48 ms. They are loaded as
# long-lived objects (frozen, see reader.pacing), like an article's annotations.
@lru_cache(maxsize=1)
def load_pypinyin() -> tuple[Callable[..., Any], Any]:
    """pypinyin's ``pinyin`` and ``Style``: every module that reads pinyin loads them here (see above)."""
    with _LOCK, long_lived_objects():
        from pypinyin import Style, pinyin

    return pinyin, Style


@lru_cache(maxsize=1)
def _jyutping() -> Callable[[str], list[tuple[str, str | None]]]:
    with _LOCK, long_lived_objects():
        import ToJyutping

    convert: Callable[[str], list[tuple[str, str | None]]] = ToJyutping.get_jyutping_list
    return convert


def _no_reading(chars: str) -> list[str]:
    return [""] * len(chars)


@lru_cache(maxsize=512)
def _mandarin(simplified: str, system: str) -> tuple[str, ...]:
    pinyin, style = load_pypinyin()
    chosen = style.TONE if system == "pinyin" else style.BOPOMOFO
    rows = pinyin(simplified, style=chosen, errors=_no_reading)
    result = tuple((row[0] if row else "") or "" for row in rows)
    if len(result) != len(simplified):  # never seen; character by character keeps the alignment
        result = tuple(
            (pinyin(ch, style=chosen, errors=_no_reading) or [[""]])[0][0] or "" for ch in simplified
        )
    return result


@lru_cache(maxsize=512)
def _cantonese(text: str) -> tuple[str, ...]:
    pairs = _jyutping()(text)
    if len(pairs) == len(text) and all(len(ch) == 1 for ch, _ in pairs):
        return tuple(jp or "" for _, jp in pairs)
    return tuple((_jyutping()(ch) or [("", None)])[0][1] or "" for ch in text)


def char_readings(text: str, system: str = "pinyin", *, converter: Converter | None = None) -> list[str]:
    """One reading per character of ``text`` ("" where there is none: punctuation, Latin, digits).

    Pinyin and zhuyin read the Simplified form (``converter`` folds it; pass one for Traditional text).
    """
    check_system(system)
    if not text:
        return []
    if system == "jyutping":
        return list(_cantonese(text))
    simplified = text
    if converter is not None:
        folded = converter.convert(text, "simplified")
        if len(folded) == len(text):
            simplified = folded
    return list(_mandarin(simplified, system))


def reading_spans(text: str, syllables: Sequence[str], words: Sequence[tuple[int, int]]) -> list[ReadingSpan]:
    """Group per-character readings of ``text`` by ``words`` (offsets into ``text``).

    A character with a reading outside every word gets a span of its own; characters without readings
    inside a word (the Latin of "T恤") keep their place in ``syllables`` but add nothing to ``reading``.
    """
    spans: list[ReadingSpan] = []
    pos = 0
    for start, end in [*words, (len(text), len(text))]:
        start, end = max(start, pos), min(end, len(text))
        for i in range(pos, start):  # characters between words
            if syllables[i]:
                spans.append(ReadingSpan(i, i + 1, syllables[i], (syllables[i],)))
        if end > start:
            parts = tuple(syllables[start:end])
            if any(parts):
                spans.append(ReadingSpan(start, end, "".join(parts), parts))
        pos = max(pos, end)
    return spans


def view_readings(
    text: str,
    start: int,
    end: int,
    system: str = "pinyin",
    *,
    words: ViewWords | None = None,
    converter: Converter | None = None,
) -> list[ReadingSpan]:
    """Readings of the words of ``text[start:end]`` (a view's text), in that text's coordinates.

    The range is widened to whole words so a phrase cut by a line end is still read as a phrase; ask for a
    paragraph or a screen at a time (results are cached per text). Spans outside ``[start, end)`` are
    dropped.
    """
    if words is not None:
        start, end = words.snap(start, end)
    start, end = max(0, start), min(len(text), end)
    piece = text[start:end]
    syllables = char_readings(piece, system, converter=converter)
    spans_in_piece = (
        [(a - start, b - start) for a, b in words.between(start, end)] if words is not None else []
    )
    return [
        ReadingSpan(s.start + start, s.end + start, s.reading, s.syllables)
        for s in reading_spans(piece, syllables, spans_in_piece)
    ]


def _cells(text: str) -> int:
    from reader.layout import cell_widths  # not at import: `reader --help` needs only SYSTEMS

    return sum(cell_widths(text))


def place_readings(
    line: str, spans: Sequence[ReadingSpan], *, line_start: int = 0, width: int | None = None
) -> list[PlacedReading]:
    """Where each reading goes on the line above ``line`` (one wrapped display line of a view's text).

    ``spans`` are in view coordinates; ``line_start`` is the view offset of ``line[0]``; ``width`` is the
    text column's width in cells (default: the line's own cells). A reading starts at its word's first
    cell, or later (one space after the reading before it) as long as it still starts inside its word, and
    must end within ``width``; otherwise it is left out. Spans partly outside the line count only with the
    part inside it.
    """
    from reader.layout import cell_widths

    offsets = list(accumulate(cell_widths(line), initial=0))  # drawn per display line: kept quick
    limit = offsets[-1] if width is None else width
    placed: list[PlacedReading] = []
    free = 0  # first cell a reading may use
    for span in spans:
        a, b = max(span.start - line_start, 0), min(span.end - line_start, len(line))
        if b <= a:
            continue
        first, last = offsets[a], offsets[b]
        cell = max(first, free)
        size = _cells(span.reading)
        if cell >= last or cell + size > limit:
            continue
        placed.append(PlacedReading(cell, span.reading, a, b))
        free = cell + size + 1
    return placed


def reading_line(
    line: str, spans: Sequence[ReadingSpan], *, line_start: int = 0, width: int | None = None
) -> str:
    """The reading line as plain text (spaces between readings), as wide as the readings reach."""
    out: list[str] = []
    used = 0
    for p in place_readings(line, spans, line_start=line_start, width=width):
        out.append(" " * (p.cell - used))
        out.append(p.reading)
        used = p.cell + _cells(p.reading)
    return "".join(out)
