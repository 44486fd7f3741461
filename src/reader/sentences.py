"""Sentences and paragraphs of a text: where the caret's sentence and paragraph motions go, what ``v``
selects, the units agreement counts in. Plain functions over the text (UI-free). A stray ``?`` of encoding
damage inside a Han run is not a sentence end (``reader.damage.LOCAL_DAMAGE_MARK``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from reader.damage import LOCAL_DAMAGE_MARK

__all__ = [
    "SENTENCE_END",
    "next_paragraph_start",
    "next_sentence_start",
    "paragraph_bounds",
    "prev_paragraph_start",
    "prev_sentence_start",
    "sentence_bounds",
    "sentence_spans",
]

SENTENCE_END = "。！？!?…"
_SENTENCE_RE = re.compile(r"[。！？!?…]+[”’」』）)》〉\"'』]*")


def paragraph_bounds(text: str, pos: int) -> tuple[int, int]:
    """``(start, end)`` of the source line containing `pos`; a ``"\\n"`` belongs to the line it ends."""
    pos = min(max(pos, 0), len(text))
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, len(text) if end < 0 else end


def sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    """``(start, end)`` of the sentence containing `pos`, within its paragraph.

    A sentence runs up to and including a run of 。！？!?… plus trailing closing quotes and brackets
    (“好！”他说 → the sentence ends after ”). Leading spaces are not part of it. On a ``"\\n"`` (or past the
    end) the result is the empty range ``(pos, pos)``.
    """
    if pos < 0 or pos >= len(text) or text[pos] == "\n":
        pos = min(max(pos, 0), len(text))
        return pos, pos
    para_start, para_end = paragraph_bounds(text, pos)
    start, end = para_start, para_end
    for stop in _sentence_stops(text, para_start, para_end):
        if stop <= pos:
            start = stop
        else:
            end = stop
            break
    while start < pos and text[start].isspace():
        start += 1
    return start, end


def _sentence_stops(text: str, para_start: int, para_end: int) -> Iterator[int]:
    """Where sentences of one paragraph end, skipping marks that are damage, not punctuation
    (``當?shù)貢r間``, ``??``: see :data:`reader.damage.LOCAL_DAMAGE_MARK`)."""
    for match in _SENTENCE_RE.finditer(text, para_start, para_end):
        if match.group()[0] == "?" and LOCAL_DAMAGE_MARK.match(text, match.start()):
            continue
        yield match.end()


def _sentence_starts(text: str, para_start: int, para_end: int) -> list[int]:
    """Starts of the non-blank sentences of one paragraph."""
    result: list[int] = []
    start = para_start
    for stop in _sentence_stops(text, para_start, para_end):
        result.append(start)
        start = stop
    if start < para_end:
        result.append(start)
    cleaned: list[int] = []
    for start in result:
        while start < para_end and text[start].isspace():
            start += 1
        if start < para_end and (not cleaned or cleaned[-1] != start):
            cleaned.append(start)
    return cleaned


def next_sentence_start(text: str, pos: int) -> int:
    """Start of the first sentence after `pos` (here or in a later paragraph); `len(text)` if none."""
    size = len(text)
    pos = min(max(pos, 0), size)
    para_start, para_end = paragraph_bounds(text, pos)
    while para_start < size:
        for start in _sentence_starts(text, para_start, para_end):
            if start > pos:
                return start
        para_start = para_end + 1
        if para_start > size:
            break
        para_end = text.find("\n", para_start)
        if para_end < 0:
            para_end = size
    return size


def prev_sentence_start(text: str, pos: int) -> int:
    """Start of the last sentence beginning before `pos` (vim's ``(``); 0 if none."""
    pos = min(max(pos, 0), len(text))
    para_start, para_end = paragraph_bounds(text, pos)
    while True:
        for start in reversed(_sentence_starts(text, para_start, para_end)):
            if start < pos:
                return start
        if para_start == 0:
            return 0
        para_end = para_start - 1
        para_start = text.rfind("\n", 0, para_end) + 1


def next_paragraph_start(text: str, pos: int) -> int:
    """Start of the next non-empty paragraph after the one containing `pos`; `len(text)` if none."""
    size = len(text)
    _, end = paragraph_bounds(text, pos)
    start = end + 1
    while start < size and text[start] == "\n":
        start += 1
    return min(start, size)


def prev_paragraph_start(text: str, pos: int) -> int:
    """Start of the paragraph containing `pos` if `pos` is past it, else of the previous non-empty one."""
    pos = min(max(pos, 0), len(text))
    start, end = paragraph_bounds(text, pos)
    if start < pos and start < end:
        return start
    cursor = start - 1  # the "\n" ending the previous line
    while cursor > 0 and text[cursor - 1] == "\n":
        cursor -= 1
    if cursor <= 0:
        return 0
    return text.rfind("\n", 0, cursor) + 1


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every non-blank sentence, in order: the units :func:`sentence_bounds` selects.

    One pass over the text (agreement statistics split whole articles into sentences).
    """
    spans: list[tuple[int, int]] = []
    para_start = 0
    size = len(text)
    while para_start <= size:
        para_end = text.find("\n", para_start)
        if para_end < 0:
            para_end = size
        start = para_start
        for match in _SENTENCE_RE.finditer(text, para_start, para_end):
            _append_sentence(text, spans, start, match.end())
            start = match.end()
        _append_sentence(text, spans, start, para_end)
        para_start = para_end + 1
    return spans


def _append_sentence(text: str, spans: list[tuple[int, int]], start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    if start < end:
        spans.append((start, end))
