"""Short texts on terminal lines, with the document view's rules (UI-free: never imports textual).

The side panel's notes, a corpus search result, a title in a list: text shown outside the document view
still follows its Chinese line-breaking rules (:mod:`reader.layout`: kinsoku across spaces, Latin words
kept whole, cells not characters), so a wrapped note never starts a line with ``。`` and keeps its indent,
and a row never breaks because its text holds a newline.

* :func:`wrap_lines`: a short text wrapped to a width, with an indent (a hanging one if the first line's
  prefix differs);
* :func:`clip_line`: one line of at most N cells, ``…`` where it was cut, paragraph breaks as ``⏎``;
* :func:`fit_context`: a match with its context on one line, the context cut on its outer sides.

Input is data (a note, a title, article text): it is made safe to show (controls become visible symbols,
CR/LF normalised, tabs one space) before it is measured, so what is measured is what is drawn. Output is
plain strings: the caller styles them (never as markup).
"""

from __future__ import annotations

from reader.layout import SPACE_CHARS, cell_widths, wrap_text
from reader.sanitise import normalise

__all__ = ["ELLIPSIS", "NEWLINE_MARK", "clip_line", "fit_context", "text_cells", "wrap_lines"]

ELLIPSIS = "…"
#: what a paragraph break becomes in a one-line clip (the passages list shows it the same way)
NEWLINE_MARK = " ⏎ "


def _displayable(text: str) -> str:
    """`text` with newlines normalised, controls made visible and tabs as one space (offsets irrelevant)."""
    return normalise(text).replace("\t", " ")


def text_cells(text: str) -> int:
    """Terminal cells `text` takes on one line (as the document view measures: tab = 1 cell)."""
    return sum(cell_widths(text))


def wrap_lines(text: str, width: int, *, indent: str = "", first: str | None = None) -> list[str]:
    """`text` wrapped to lines of at most `width` cells, with the document view's rules (kinsoku, whole
    Latin words), each line starting with `indent` and the first with `first` (default: `indent`).

    ``first="• ", indent="  "`` is a hanging indent. Every line of the text starts a new line (an empty one
    gives a line holding only the indent); a wrapped line loses the spaces it broke at. A prefix wider than
    the width leaves one cell for text (so every character is shown). Result: at least one line.
    """
    first = indent if first is None else first
    width = max(int(width), 1)
    lines: list[str] = []
    for paragraph in _displayable(text).split("\n"):
        prefix = first if not lines else indent
        if not paragraph.strip(SPACE_CHARS):
            lines.append(prefix)
            continue
        layout = wrap_text(paragraph, max(width - text_cells(prefix), 1))
        lines.append(prefix + paragraph[layout.starts[0] : layout.ends[0]].rstrip(SPACE_CHARS))
        rest, pieces = paragraph, list(zip(layout.starts[1:], layout.ends[1:], strict=True))
        if text_cells(indent) != text_cells(prefix):  # the first line had another width: re-wrap the rest
            rest = paragraph[layout.ends[0] :]
            layout = wrap_text(rest, max(width - text_cells(indent), 1))
            pieces = list(zip(layout.starts, layout.ends, strict=True))
        for start, end in pieces:
            piece = rest[start:end].strip(SPACE_CHARS)
            if piece:
                lines.append(indent + piece)
    return lines


def _one_line(text: str) -> str:
    """`text` made displayable with each paragraph break shown as ``⏎``."""
    text = _displayable(text)
    if "\n" in text:
        text = NEWLINE_MARK.join(part.strip(SPACE_CHARS) for part in text.split("\n"))
    return text


def clip_line(text: str, cells: int, *, keep: str = "start") -> str:
    """`text` on one line of at most `cells` cells: paragraph breaks shown as ``⏎``, and if it is too wide,
    cut with ``…`` (``keep="start"``: the start is kept and ``…`` ends the line; ``"end"``: the end is kept
    and ``…`` starts it). A wide character is never cut in half, nor a combining mark from its base."""
    if keep not in ("start", "end"):
        raise ValueError(f"keep must be 'start' or 'end', not {keep!r}")
    text = _one_line(text)
    cells = max(int(cells), 0)
    widths = cell_widths(text)
    if sum(widths) <= cells:
        return text
    if cells <= 0:
        return ""
    room = cells - text_cells(ELLIPSIS)
    if keep == "start":
        cut = _fitting(widths, room)  # the first character left out (never a mark: it takes no room)
        return text[:cut].rstrip(SPACE_CHARS) + ELLIPSIS
    cut = len(text) - _fitting(widths[::-1], room)  # the first character kept
    while cut < len(text) and not widths[cut]:  # a mark whose base was left out goes too
        cut += 1
    return ELLIPSIS + text[cut:].lstrip(SPACE_CHARS)


def _fitting(widths: bytes, room: int) -> int:
    """How many of the leading characters (their cell `widths`) fit in `room` cells."""
    total = 0
    for count, width in enumerate(widths):
        total += width
        if total > room:
            return count
    return len(widths)


def fit_context(
    before: str, match: str, after: str, cells: int, *, cut_before: bool = False, cut_after: bool = False
) -> tuple[str, str, str]:
    """A match with its context on one line of at most `cells` cells (a search result, a passage in a
    list): the match is kept whole if it fits, the context around it is cut with ``…`` on the outer sides,
    shared evenly (what one side does not need goes to the other). ``cut_before``/``cut_after``: the
    context given was already cut from a longer text, so that side starts/ends with ``…`` in any case.
    """
    cells = max(int(cells), 0)
    match = clip_line(match, cells)
    room = cells - text_cells(match)
    before, after = _one_line(before), _one_line(after)
    if cut_before:
        before = ELLIPSIS + before.lstrip(SPACE_CHARS)
    if cut_after:
        after = after.rstrip(SPACE_CHARS) + ELLIPSIS
    want_before, want_after = text_cells(before), text_cells(after)
    give_after = min(want_after, max(room - min(want_before, room // 2), 0))
    give_before = max(room - give_after, 0)
    if want_before > give_before:
        before = clip_line(before, give_before, keep="end")
    if want_after > give_after:
        after = clip_line(after, give_after)
    return before, match, after
