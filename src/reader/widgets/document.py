"""The document view of the reading screen: wrapped Chinese text with a cursor, a selection and highlights.

Three parts: where the cursor and the selection go is a plain :class:`reader.caret.Caret` (tested without
a terminal); what is drawn (highlights, search matches, on Textual's Line API) is
``document_display.TextDisplay``, on ``document_wrapping.WrappedText`` (wrapping, folds, scrolling); this
widget adds the keys, the mouse and the messages the screen hears.

Textual's built-in mouse selection is off (``ALLOW_SELECT = False``): the view has its own anchor-based
selection in view offsets (what the screen annotates), and two competing drag selections would confuse.
``ctrl+c`` copies the view's selection.

Words: the screen gives the view its words (:meth:`DocumentView.set_words`, a ``ViewWords`` once the
article is segmented); ``w`` / ``b`` / ``E`` move by them (by characters until then; ``e`` edits a
highlight on the reading screen), shift+``w`` and a double-click select them, and ``snap_words`` grows
selections to whole words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message

from reader.caret import WordBoundaries
from reader.highlights import Highlight
from reader.layout import Layout
from reader.widgets.document_display import TextDisplay
from reader.widgets.document_wrapping import WRAP_AHEAD_CHARS

__all__ = ["DocumentView", "Highlight"]


def _doc_binding(key: str, action: str, description: str, name: str, show: bool = False) -> Binding:
    return Binding(key, action, description, show=show, id=f"document.{name}")


class DocumentView(TextDisplay, can_focus=True):
    """A scrollable, wrapped view of one article text with a cursor, a selection and highlights."""

    ALLOW_SELECT = False

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "documentview--cursor",
        "documentview--selection",
        "documentview--match",
        "documentview--match-current",
        "documentview--reading",
    }

    DEFAULT_CSS = """
    DocumentView {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-gutter: stable;
        & > .documentview--cursor {
            text-style: reverse;
        }
        & > .documentview--selection {
            background: $primary-darken-2;
        }
        & > .documentview--match {
            color: #ffd700;
            text-style: bold underline;
        }
        & > .documentview--match-current {
            color: #ffffff;
            background: #5f00af;
            text-style: bold;
        }
        & > .documentview--reading {
            color: $text-muted;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        _doc_binding("up,k", "cursor_up", "Up", "up"),
        _doc_binding("down,j", "cursor_down", "Down", "down"),
        _doc_binding("left,h", "cursor_left", "Left", "left"),
        _doc_binding("right,l", "cursor_right", "Right", "right"),
        _doc_binding("shift+up", "cursor_up(True)", "Select up", "select_up"),
        _doc_binding("shift+down", "cursor_down(True)", "Select down", "select_down"),
        _doc_binding("shift+left", "cursor_left(True)", "Select left", "select_left"),
        _doc_binding("shift+right", "cursor_right(True)", "Select right", "select_right"),
        _doc_binding("pageup", "page_up", "Page up", "page_up"),
        _doc_binding("pagedown,space", "page_down", "Page down", "page_down"),
        _doc_binding("shift+pageup", "page_up(True)", "Select page up", "select_page_up"),
        _doc_binding("shift+pagedown", "page_down(True)", "Select page down", "select_page_down"),
        _doc_binding("home", "line_start", "Line start", "line_start"),
        _doc_binding("end", "line_end", "Line end", "line_end"),
        _doc_binding("shift+home", "line_start(True)", "Select to line start", "select_home"),
        _doc_binding("shift+end", "line_end(True)", "Select to line end", "select_end"),
        _doc_binding("g", "document_start", "Top", "top"),
        _doc_binding("G", "document_end", "Bottom", "bottom"),
        _doc_binding("right_parenthesis", "next_sentence", "Next sentence", "next_sentence"),
        _doc_binding("left_parenthesis", "prev_sentence", "Prev sentence", "prev_sentence"),
        _doc_binding("right_curly_bracket", "next_paragraph", "Next paragraph", "next_paragraph"),
        _doc_binding("left_curly_bracket", "prev_paragraph", "Prev paragraph", "prev_paragraph"),
        _doc_binding("w", "next_word", "Next word", "next_word"),
        _doc_binding("b", "previous_word", "Previous word", "previous_word"),
        _doc_binding("E", "word_end", "End of word (e edits)", "word_end"),
        _doc_binding("W", "select_word", "Select word / grow by a word", "select_word"),
        _doc_binding("v", "select_sentence", "Select sentence", "select_sentence", show=True),
        _doc_binding("escape", "clear_selection", "Clear selection", "clear_selection", show=True),
        _doc_binding("ctrl+c", "copy_selection", "Copy", "copy"),
    ]

    @dataclass
    class CursorMoved(Message):
        """The cursor moved to `offset` (view coordinates)."""

        offset: int
        document: DocumentView | None = field(default=None, repr=False)

        @property
        def control(self) -> DocumentView | None:
            return self.document

    @dataclass
    class SelectionChanged(Message):
        """The selection is now `selection` (``(start, end)`` in view coordinates) or None."""

        selection: tuple[int, int] | None
        document: DocumentView | None = field(default=None, repr=False)

        @property
        def control(self) -> DocumentView | None:
            return self.document

    def __init__(
        self,
        text: str = "",
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(text, name=name, id=id, classes=classes, disabled=disabled)
        self._dragging = False

    # --- public API ------------------------------------------------------------------------------

    @property
    def cursor(self) -> int:
        """The offset of the character under the cursor."""
        return self._caret.cursor

    @cursor.setter
    def cursor(self, offset: int) -> None:
        """Put the cursor at `offset` (a folded region there is opened, as by :meth:`move_cursor`)."""
        self.open_folds_at(offset)
        self._wrap_through(offset)
        self._update(self._caret.move_to, offset, select=False)

    @property
    def selection(self) -> tuple[int, int] | None:
        """The selected ``(start, end)`` range, end exclusive, or None."""
        return self._caret.selection

    @selection.setter
    def selection(self, selection: tuple[int, int] | None) -> None:
        """Select ``(start, end)`` with the cursor at its end (as if made by shift+right), or clear it."""
        if selection is not None:
            self.open_folds_at(*selection)
            self._wrap_through(max(selection))
        self._update(self._caret.select, selection, scroll=selection is not None)

    @property
    def selected_text(self) -> str:
        """The selected part of the text ("" when nothing is selected)."""
        return self._caret.selected_text

    def set_document(
        self, text: str, *, keep_offset: int | None = None, layout: Layout | None = None
    ) -> None:
        """Show `text`, the cursor at `keep_offset` (clamped) on the screen row the cursor had, else at 0.

        Highlights are kept (the screen sets the ones of the new view); the selection is cleared.
        ``layout``: the text already wrapped (in a worker) at :meth:`wrap_width`, whole or a first part
        around `keep_offset`; used if it still fits.
        """
        caret = self._caret
        old_row = self._cursor_row()
        had_selection = caret.selection is not None
        caret.reset(text, keep_offset or 0)
        caret.layout = None
        self._prepared_layout = layout
        self._strip_cache.clear()
        if self._rewrap(force=True):
            caret.cursor = caret.clamp(caret.cursor)
            layout = caret.layout
            assert layout is not None
            line = layout.line_of_offset(caret.cursor)
            if keep_offset is None:
                self.scroll_to(y=0, animate=False, force=True)
            elif old_row is not None:
                self.scroll_to(y=max(0, line - old_row), animate=False, force=True)
            self.scroll_to_cursor()
        self.refresh()
        self.post_message(self.CursorMoved(caret.cursor, self))
        if had_selection:
            self.post_message(self.SelectionChanged(None, self))

    def move_cursor(
        self,
        offset: int,
        *,
        selection: tuple[int, int] | None = None,
        center: bool = False,
        open_folds: bool = True,
    ) -> None:
        """Put the cursor at `offset` and set (or clear) the selection; scroll the cursor into view.

        With `center`, a cursor that is off screen is brought to the middle of the view (jumping to a
        highlight); one already on screen does not move the view. A folded region the cursor or the
        selection lands in is opened (with `open_folds` False, the cursor lands after it instead).
        """
        if open_folds or selection is not None:
            self.open_folds_at(offset, *(selection or ()))
        self._wrap_through(max((offset, *(selection or ()))))
        self._update(self._caret.place, offset, selection, center=center)

    def clear_selection(self) -> None:
        """Remove the selection (the cursor stays)."""
        self._update(self._caret.clear_selection, scroll=False)

    def cursor_point(self) -> tuple[int, int] | None:
        """The screen cell (x, y) of the character under the cursor, or None if it is not on screen."""
        layout = self._caret.layout
        if layout is None:
            return None
        line = layout.line_of_offset(self._caret.cursor)
        row = line * self._rows + self._rows - 1 - round(self.scroll_y)
        region = self.content_region
        if not 0 <= row < region.height:
            return None
        x = self._margin + layout.cell_x_of_offset(line, self._caret.cursor)
        return region.x + x, region.y + row

    @property
    def words(self) -> WordBoundaries | None:
        """The words of the text shown (None: not known yet; word motions move by characters)."""
        return self._caret.words

    def set_words(self, words: WordBoundaries | None) -> None:
        """The words of the text shown, in its coordinates (a ``ViewWords``), or None."""
        self._caret.words = words

    @property
    def snap_words(self) -> bool:
        """Whether selections made by shift+movement or the mouse grow to whole words."""
        return self._caret.snap_words

    @snap_words.setter
    def snap_words(self, on: bool) -> None:
        self._caret.snap_words = on

    # --- the caret -------------------------------------------------------------------------------

    def _update(
        self, change: Callable[..., object], *args: object, scroll: bool = True, center: bool = False, **kw
    ) -> None:
        """Apply one caret change, then repaint what moved, tell the screen, and keep the cursor in view."""
        caret = self._caret
        cursor, selection = caret.cursor, caret.selection
        change(*args, **kw)
        if caret.selection != selection:
            ends = [pos for pair in (selection, caret.selection) if pair is not None for pos in pair]
            self._refresh_offsets(min(ends), max(ends))
            if (selection is None) != (caret.selection is None):
                self.refresh_bindings()  # escape / ctrl+c are ours only while something is selected
            self.post_message(self.SelectionChanged(caret.selection, self))
        if caret.cursor != cursor:
            self._refresh_offsets(cursor)
            self._refresh_offsets(caret.cursor)
            self.post_message(self.CursorMoved(caret.cursor, self))
        if scroll:
            self.scroll_to_cursor(center=center)

    def _vertical(self, lines: int, select: bool) -> None:
        layout = self._caret.layout
        if layout is not None:
            self._wrap_lines(layout.line_of_offset(self._caret.cursor) + max(lines, 0) + 1)
        self._update(self._caret.vertical, lines, select)

    def action_cursor_up(self, select: bool = False) -> None:
        self._vertical(-1, select)

    def action_cursor_down(self, select: bool = False) -> None:
        self._vertical(1, select)

    def action_cursor_left(self, select: bool = False) -> None:
        self._update(self._caret.left, select)

    def action_cursor_right(self, select: bool = False) -> None:
        self._wrap_through(self._caret.cursor + 1)
        self._update(self._caret.right, select)

    def _page(self, direction: int, select: bool) -> None:
        layout = self._caret.layout
        if layout is None:
            return
        rows = self._rows
        lines = max(1, (self.scrollable_content_region.height - rows) // rows)  # keep a line of context
        row = self._cursor_row()
        self._wrap_lines(round(self.scroll_y) // rows + 3 * lines)
        self.scroll_to(
            y=max(0, min(self.max_scroll_y, round(self.scroll_y) + direction * lines * rows)), animate=False
        )
        if row is None:  # the cursor was scrolled away (mouse wheel): land on the first line shown
            line = min(round(self.scroll_y) // rows, len(layout) - 1)
            self._update(self._caret.move_to, layout.starts[line], select=select)
        else:
            self._vertical(direction * lines, select)

    def action_page_down(self, select: bool = False) -> None:
        self._page(1, select)

    def action_page_up(self, select: bool = False) -> None:
        self._page(-1, select)

    def action_line_start(self, select: bool = False) -> None:
        self._update(self._caret.line_start, select)

    def action_line_end(self, select: bool = False) -> None:
        self._update(self._caret.line_end, select)

    def action_document_start(self) -> None:
        self._update(self._caret.document_start)

    def action_document_end(self) -> None:
        self._wrap_through(None)
        self._update(self._caret.document_end)
        self.scroll_to(y=self.max_scroll_y, animate=False, force=True)  # show the final blank line too

    def _jump(self, move: Callable[[], object]) -> None:
        self._wrap_through(self._caret.cursor + WRAP_AHEAD_CHARS)
        self._update(move)

    def action_next_sentence(self) -> None:
        self._jump(self._caret.next_sentence)

    def action_prev_sentence(self) -> None:
        self._update(self._caret.prev_sentence)

    def action_next_paragraph(self) -> None:
        self._jump(self._caret.next_paragraph)

    def action_prev_paragraph(self) -> None:
        self._update(self._caret.prev_paragraph)

    def action_select_sentence(self) -> None:
        """Select the sentence under the cursor; pressed again, extend the selection by the next sentence."""
        self._jump(self._caret.select_sentence)

    def _word_jump(self, move: Callable[..., object], *args: object) -> None:
        words, cursor = self._caret.words, self._caret.cursor
        self._wrap_through(cursor + WRAP_AHEAD_CHARS)
        if words is not None:  # a word may start further than a few screens on (a long run of symbols)
            self._wrap_through(words.next_start(cursor))
        self._update(move, *args)

    def action_next_word(self, select: bool = False) -> None:
        self._word_jump(self._caret.next_word, select)

    def action_previous_word(self, select: bool = False) -> None:
        self._update(self._caret.previous_word, select)

    def action_word_end(self) -> None:
        self._word_jump(self._caret.word_end)

    def action_select_word(self) -> None:
        """Select the word under the cursor; with a selection, grow it to the end of the next word."""
        self._word_jump(self._caret.select_word)

    def action_clear_selection(self) -> None:
        self.clear_selection()

    def action_copy_selection(self) -> None:
        if self._caret.selection is not None:
            self.app.copy_to_clipboard(self.selected_text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # With nothing selected, escape and ctrl+c are not ours: let them reach the screen (go back / copy).
        if action in ("clear_selection", "copy_selection"):
            return self._caret.selection is not None
        return True

    # --- mouse -----------------------------------------------------------------------------------

    def _event_offset(self, event: events.MouseEvent) -> tuple[int, int]:
        """Mouse position relative to the content area (may be outside it while dragging)."""
        gutter = self.styles.gutter
        return event.x - gutter.left, event.y - gutter.top

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button != 1 or self._caret.layout is None:
            return
        x, y = self._event_offset(event)
        layout = self._caret.layout
        line = round(self.scroll_y) + y
        if line in layout.folded:  # a click on a folded region opens it
            self.open_folds_at(layout.starts[line])
            return
        self._dragging = True
        self.capture_mouse()
        self._update(self._caret.press, self.offset_at_point(x, y))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if not self._dragging or self._caret.layout is None:
            return
        x, y = self._event_offset(event)
        height = self.scrollable_content_region.height
        if y < 0:
            self.scroll_to(y=max(0, round(self.scroll_y) - 1), animate=False, force=True)
            y = 0
        elif y >= height:
            self.scroll_to(y=min(self.max_scroll_y, round(self.scroll_y) + 1), animate=False, force=True)
            y = height - 1
        self._update(self._caret.drag, self.offset_at_point(x, y), scroll=False)

    def on_click(self, event: events.Click) -> None:
        """A double-click selects the word under the mouse (the character, until words are known)."""
        if event.chain != 2 or self._caret.layout is None:
            return
        x, y = self._event_offset(event)
        offset = self.offset_at_point(x, y)
        span = self._caret.word_under(offset)
        if span is None and self._caret.words is None and offset < len(self.text):
            span = (offset, offset + 1)
        if span is not None:
            self._update(self._caret.select, span)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._dragging:
            self._dragging = False
            self.release_mouse()
            self._caret.release()
