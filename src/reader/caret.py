"""The cursor and the selection of a wrapped text, as a plain state machine (UI-free: never imports textual).

The document view (``reader.widgets.document``) owns one :class:`Caret` and turns keys and mouse events
into its methods; the caret only moves offsets. After each call the view compares ``cursor`` and
``selection`` with what they were, repaints the lines that changed, posts its messages and scrolls. So
every rule of movement is testable without a terminal (Textual's ``TextArea`` splits its document
navigator off the same way).

Offsets are code points of the view text. The cursor is a block on the character at ``cursor``; on a
blank display line (between paragraphs) it sits at the line's offset. ``selection`` is ``(start, end)``,
end exclusive, or None; ``anchor`` is the end that stays put while a shift+movement extends it.

Word motions (``w`` / ``b`` / ``E`` / ``W``) ask a :class:`WordBoundaries` provider (a
``reader.words.ViewWords``: the article's words mapped into the view shown) set as ``words``; until the
article is segmented it is None and they move by characters. ``snap_words`` grows every selection made by
shift+movement or the mouse to whole words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from reader.layout import Layout
from reader.sentences import (
    next_paragraph_start,
    next_sentence_start,
    prev_paragraph_start,
    prev_sentence_start,
    sentence_bounds,
)

__all__ = ["Caret", "WordBoundaries"]


class WordBoundaries(Protocol):
    """Where the words of the text are (``reader.segmentation.ViewWords`` is one)."""

    def word_at(self, pos: int) -> tuple[int, int] | None: ...
    def next_start(self, pos: int) -> int: ...
    def previous_start(self, pos: int) -> int: ...
    def end_of_word(self, pos: int) -> int: ...
    def extend(self, start: int, end: int) -> tuple[int, int]: ...
    def snap(self, start: int, end: int) -> tuple[int, int]: ...


class Caret:
    """Cursor, anchor, selection and the column kept across up/down moves, over a text and its layout."""

    def __init__(self, text: str = "", layout: Layout | None = None) -> None:
        self.text = text
        self.layout = layout
        self.cursor = 0
        self.anchor: int | None = None
        self.selection: tuple[int, int] | None = None
        #: the cell column up/down aim for (kept across a run of vertical moves)
        self.goal_x: int | None = None
        #: the selection "v" made: pressing "v" again while it is still the selection extends it
        self.sentence_selection: tuple[int, int] | None = None
        #: the words of the text (None until they are known: word motions then move by characters)
        self.words: WordBoundaries | None = None
        #: grow selections made by shift+movement and the mouse to whole words
        self.snap_words = False

    # -- state -------------------------------------------------------------------------------------

    def reset(self, text: str, cursor: int = 0) -> None:
        """A new text (the layout follows separately): no selection, the cursor at `cursor` (clamped)."""
        self.text = text
        self.anchor = None
        self.selection = None
        self.goal_x = None
        self.cursor = max(0, min(cursor, len(text)))

    def clamp(self, pos: int) -> int:
        """`pos` moved to a place the block cursor can sit (a character of a line, or a blank line)."""
        pos = max(0, min(pos, len(self.text)))
        layout = self.layout
        if layout is None:
            return pos
        line = layout.line_of_offset(pos)
        return min(max(pos, layout.starts[line]), layout.last_stop(line))

    def _bounded(self, pos: int) -> int:
        return max(0, min(pos, len(self.text)))

    def out_of_folds(self, pos: int, forward: bool = True) -> int:
        """`pos`, or if it is inside a folded range (``Layout.folds``) the place just after it (the blank
        line that follows), or with `forward` False just before it (the text's start: after it)."""
        layout = self.layout
        fold = layout.fold_at(pos) if layout is not None else None
        while fold is not None:
            start, end = fold
            pos = start - 1 if not forward and start > 0 else end
            fold = layout.fold_at(pos) if layout is not None else None
        return pos

    def _past_folds(self, pos: int, step: Callable[[str, int], int], forward: bool) -> int:
        """A sentence or paragraph motion's target, taken again from a fold's edge while it is folded."""
        layout = self.layout
        fold = layout.fold_at(pos) if layout is not None else None
        while fold is not None and layout is not None:
            edge = fold[1] if forward else fold[0]
            if not forward and edge == 0:
                return self.out_of_folds(pos)
            pos = step(self.text, edge)
            fold = layout.fold_at(pos)
        return pos

    @property
    def selected_text(self) -> str:
        if self.selection is None:
            return ""
        start, end = self.selection
        return self.text[start:end]

    # -- plain moves ---------------------------------------------------------------------------------

    def move_to(self, pos: int, *, select: bool, keep_goal: bool = False, clamp: bool = True) -> None:
        """Move the cursor to `pos`; with `select`, extend the selection from its anchor, else clear it."""
        pos = self.clamp(pos) if clamp else self._bounded(pos)
        pos = self.out_of_folds(pos, forward=pos >= self.cursor)
        if select:
            if self.anchor is None:
                self.anchor = self.cursor
            anchor = self.anchor
            self.selection = self._snapped(anchor, pos)
        else:
            self.anchor = None
            self.selection = None
        self.cursor = pos
        if not keep_goal:
            self.goal_x = None

    def vertical(self, lines: int, select: bool) -> None:
        """`lines` display lines down (negative: up), keeping the cell column of the first such move."""
        layout = self.layout
        if layout is None:
            return
        line = layout.line_of_offset(self.cursor)
        if self.goal_x is None:
            self.goal_x = layout.cell_x_of_offset(line, self.cursor)
        target = max(0, min(line + lines, len(layout) - 1))
        if target == line:
            if lines < 0:
                pos = layout.starts[line]
            else:
                pos = layout.ends[line] if select else layout.last_stop(line)
        else:
            pos = layout.offset_at(target, self.goal_x)
            if not select:
                pos = min(pos, layout.last_stop(target))
        self.move_to(pos, select=select, keep_goal=True, clamp=not select)

    def left(self, select: bool) -> None:
        layout = self.layout
        if layout is None:
            return
        line = layout.line_of_offset(self.cursor)
        if self.cursor > layout.starts[line]:
            pos = self.cursor - 1
        elif line > 0:
            pos = layout.last_stop(line - 1)
            if select and layout.ends[line - 1] > layout.starts[line - 1]:
                pos = layout.ends[line - 1] - 1
        else:
            pos = 0
        self.move_to(pos, select=select)

    def right(self, select: bool) -> None:
        layout = self.layout
        if layout is None:
            return
        line = layout.line_of_offset(self.cursor)
        if self.cursor < layout.last_stop(line):
            pos = self.cursor + 1
        elif line + 1 < len(layout):
            pos = layout.starts[line + 1]
        else:
            pos = layout.ends[line] if select else self.cursor
        self.move_to(pos, select=select, clamp=not select)

    def line_start(self, select: bool) -> None:
        layout = self.layout
        if layout is not None:
            self.move_to(layout.starts[layout.line_of_offset(self.cursor)], select=select)

    def line_end(self, select: bool) -> None:
        layout = self.layout
        if layout is None:
            return
        line = layout.line_of_offset(self.cursor)
        if select:
            self.move_to(layout.ends[line], select=True, clamp=False)
        else:
            self.move_to(layout.last_stop(line), select=False)

    def document_start(self) -> None:
        self.move_to(0, select=False)

    def document_end(self) -> None:
        """The start of the last non-blank display line (the layout must be complete to be the end)."""
        layout = self.layout
        if layout is None:
            return
        line = len(layout) - 1
        while line > 0 and (layout.is_blank(line) or line in layout.folded):
            line -= 1
        self.move_to(layout.starts[line], select=False)

    def next_sentence(self) -> None:
        pos = self._past_folds(next_sentence_start(self.text, self.cursor), next_sentence_start, True)
        self.move_to(pos, select=False)

    def prev_sentence(self) -> None:
        pos = self._past_folds(prev_sentence_start(self.text, self.cursor), prev_sentence_start, False)
        self.move_to(pos, select=False)

    def next_paragraph(self) -> None:
        pos = self._past_folds(next_paragraph_start(self.text, self.cursor), next_paragraph_start, True)
        self.move_to(pos, select=False)

    def prev_paragraph(self) -> None:
        pos = self._past_folds(prev_paragraph_start(self.text, self.cursor), prev_paragraph_start, False)
        self.move_to(pos, select=False)

    # -- selections ----------------------------------------------------------------------------------

    def select(self, selection: tuple[int, int] | None) -> None:
        """Select ``(start, end)`` with the cursor at its end (as shift+right would), or clear it."""
        if selection is None:
            self.clear_selection()
            return
        start, end = (self._bounded(p) for p in sorted(selection))
        self.anchor = start
        self.selection = (start, end) if end > start else None
        self.cursor = end

    def place(self, offset: int, selection: tuple[int, int] | None = None) -> None:
        """The cursor at `offset` (clamped) and the selection set to `selection` (or cleared).

        The anchor is the end of the selection away from the cursor, so shift+movement shrinks or grows
        it from there.
        """
        pos = self.clamp(offset)
        if selection is not None:
            start, end = (self._bounded(p) for p in sorted(selection))
            if end > start:
                self.anchor = end if pos == start else start
                self.selection = (start, end)
            else:
                selection = None
        if selection is None:
            self.anchor = None
            self.selection = None
        self.cursor = pos
        self.goal_x = None

    def clear_selection(self) -> None:
        """No selection; the cursor stays."""
        self.anchor = None
        self.selection = None

    def select_sentence(self) -> bool:
        """Select the sentence under the cursor; if "v" made the selection, extend it by the next sentence.

        Returns False when there is nothing to select (the cursor on a blank line, at a paragraph's end, which
        is drawn on the blank line after it, or at the end of the text).
        """
        text, pos = self.text, self.cursor
        if self.selection is not None and self.selection == self.sentence_selection:
            assert self.anchor is not None
            following = next_sentence_start(text, pos)
            if following >= len(text):
                return False
            start, end = self.anchor, sentence_bounds(text, following)[1]
        else:
            # on a blank display line (the cursor on a paragraph's "\n" is drawn there) nothing is selected,
            # not the sentence before it: what is selected is what the cursor is seen on
            start, end = sentence_bounds(text, pos)
        if end <= start:
            return False
        self.anchor = start
        self.selection = (start, end)
        self.sentence_selection = (start, end)
        self.cursor = end
        self.goal_x = None
        return True

    def _snapped(self, anchor: int, pos: int) -> tuple[int, int] | None:
        """The selection between `anchor` and `pos`, grown to whole words if ``snap_words`` is on."""
        if pos == anchor:
            return None
        start, end = min(anchor, pos), max(anchor, pos)
        if self.snap_words and self.words is not None:
            start, end = self.words.snap(start, end)
        return (start, end)

    # -- words ---------------------------------------------------------------------------------------

    def next_word(self, select: bool = False) -> None:
        """``w``: the start of the next word (punctuation and spaces are skipped); by characters without
        words. With `select`, the selection follows."""
        if self.words is None:
            self.right(select)
        else:
            self.move_to(self.words.next_start(self.cursor), select=select)

    def previous_word(self, select: bool = False) -> None:
        """``b``: the start of this word, or of the previous one if the cursor is at a word's start."""
        if self.words is None:
            self.left(select)
        else:
            self.move_to(self.words.previous_start(self.cursor), select=select)

    def word_end(self) -> None:
        """``E``: the last character of this word, or of the next one if the cursor is already there."""
        if self.words is None:
            self.right(False)
        else:
            self.move_to(self.words.end_of_word(self.cursor), select=False)

    def select_word(self) -> bool:
        """shift+``w``: select the word under the cursor; with a selection, grow it to the end of the next
        word. Without words: one character more. False when there is nothing to select (punctuation)."""
        words, selection = self.words, self.selection
        if selection is not None:
            start, end = selection
            new = (start, self._bounded(end + 1)) if words is None else words.extend(start, end)
            if new == selection:
                return False
        else:
            span = words.word_at(self.cursor) if words is not None else None
            if words is None and self.cursor < len(self.text) and self.text[self.cursor] != "\n":
                span = (self.cursor, self.cursor + 1)
            if span is None:
                return False
            new = span
        self.anchor = new[0]
        self.selection = new
        self.cursor = new[1]
        self.goal_x = None
        return True

    def word_under(self, pos: int) -> tuple[int, int] | None:
        """The word at `pos` (a double-click selects it); None without words or on punctuation."""
        return self.words.word_at(pos) if self.words is not None else None

    # -- the mouse -----------------------------------------------------------------------------------

    def press(self, pos: int) -> None:
        """A click: the cursor there, no selection; a drag from here selects."""
        self.move_to(pos, select=False)
        self.anchor = self.cursor

    def drag(self, pos: int) -> None:
        """The mouse dragged to `pos` (not clamped to a cursor stop: a selection may end past a line)."""
        anchor = self.anchor if self.anchor is not None else self.cursor
        self.anchor = anchor
        pos = self._bounded(pos)
        self.selection = self._snapped(anchor, pos)
        self.cursor = self.out_of_folds(self.clamp(pos))
        self.goal_x = None

    def release(self) -> None:
        """The button is up: a click that selected nothing leaves no anchor behind."""
        if self.selection is None:
            self.anchor = None
