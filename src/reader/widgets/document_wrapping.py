"""The document view's text laid out on Textual's Line API: wrapped in steps, folded, scrolled by rows.

:class:`WrappedText` is a `ScrollView` whose virtual height is the number of display lines of a `Layout`
(`reader.layout.wrap_text`) times the rows each takes (2 with the reading line: readings, then text; the
layout counts lines, scrolling, the scrollbar and the mouse count rows). A long text is shown once the
part around the cursor is wrapped; the rest is wrapped a few thousand characters at a time between frames
(and at once as far as a key needs), while the scrollbar uses an estimate of the final height. Folded
regions (``document_layers``) are part of the layout: folding or opening one wraps again in place.

The text is centred in a measure of `measure` cells (80 = 40 CJK characters); when the widget is narrower
the text uses its width minus 2. What a line looks like: ``document_display.TextDisplay``.
"""

from __future__ import annotations

from textual import events
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.timer import Timer

from reader.caret import Caret
from reader.folding import Fold
from reader.layout import Layout, refold, wrap_more, wrap_text
from reader.readingline import ReadingLine
from reader.widgets.document_layers import TextLayers
from reader.widgets.document_readings import ReadingRows

__all__ = ["WRAP_AHEAD_CHARS", "WRAP_STEP_CHARS", "WrappedText"]


#: characters wrapped per step while the rest of a long text is wrapped between frames (~1 ms)
WRAP_STEP_CHARS = 8_000
#: seconds between two such steps (keys and paints go first)
WRAP_STEP_PAUSE = 0.005
#: characters past the cursor that must be wrapped before a key moves it (a few screens)
WRAP_AHEAD_CHARS = 6_000


class WrappedText(ScrollView):
    """A text wrapped at the widget's width (in steps), folded and scrolled; the subclass draws its lines."""

    measure: reactive[int] = reactive(80)
    """Width of the text column in cells (80 cells = 40 CJK characters)."""

    def __init__(
        self,
        text: str = "",
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._caret = Caret(text)
        self._prepared_layout: Layout | None = None
        self._layout_version = 0
        self._wrap_timer: Timer | None = None
        #: the scrollbar's height while the layout is incomplete (only grows until it is complete)
        self._estimated_lines = 0
        self._margin = 0
        #: text marks and folded regions (``document_layers``)
        self._layers = TextLayers()
        #: the reading line (None: off); each display line then takes `_rows` = 2 rows
        self.reading_rows: ReadingRows | None = None

    @property
    def text(self) -> str:
        """The text shown (of the current script view)."""
        return self._caret.text

    @property
    def text_layout(self) -> Layout | None:
        """The current wrapping (None until the widget has a size; ``complete`` False while wrapping)."""
        return self._caret.layout

    @property
    def scroll_percent(self) -> float:
        """How far down the document the view is, 0–100 (100 when everything fits)."""
        maximum = self.max_scroll_y
        if maximum <= 0:
            return 100.0
        return max(0.0, min(100.0, self.scroll_y * 100.0 / maximum))

    @property
    def _rows(self) -> int:
        """Screen rows per display line: 2 with the reading line (readings, then text), else 1."""
        return 1 if self.reading_rows is None else 2

    @property
    def reading_line(self) -> ReadingLine | None:
        return None if self.reading_rows is None else self.reading_rows.line

    def shown_range(self) -> tuple[int, int] | None:
        """The text offsets of the display lines on screen (start of the first, end of the last)."""
        layout = self._caret.layout
        if layout is None or not len(layout):
            return None
        first = min(round(self.scroll_y) // self._rows, len(layout) - 1)
        last = min(
            (round(self.scroll_y) + self.scrollable_content_region.height) // self._rows, len(layout) - 1
        )
        return layout.starts[first], layout.ends[last]

    # -- folds (document_layers): part of the layout -----------------------------------------------------

    def set_folds(self, folds: tuple[Fold, ...], *, apply: bool = True, keep_open: bool = True) -> None:
        """The regions that can be folded in the text shown (view offsets); `apply`: wrap again now
        (False when a new text follows: ``set_document`` wraps with them). Folds opened one by one stay
        open (``Fold.index`` is the same in every view) unless `keep_open` is False."""
        self._layers.set_folds(folds)
        if not keep_open:
            self._layers.opened.clear()
        if apply:
            self._refold()

    @property
    def folding(self) -> bool:
        """Whether the regions are folded (else all shown)."""
        return self._layers.folding

    @folding.setter
    def folding(self, folding: bool) -> None:
        self._layers.folding = folding
        self._layers.opened.clear()
        self._refold()

    @property
    def closed_folds(self) -> list[Fold]:
        """The folds drawn as one line now."""
        return self._layers.closed()

    @property
    def opened_folds(self) -> frozenset[int]:
        """The folds opened one by one (by ``Fold.index``)."""
        return frozenset(self._layers.opened)

    def open_folds_at(self, *offsets: int) -> bool:
        """Open the closed folds containing any of ``offsets`` (a jump or a find hit there); True if any."""
        folds = self._layers.folds_over(*offsets)
        if not folds:
            return False
        self._layers.opened.update(f.index for f in folds)
        self._refold()
        return True

    def _refold(self) -> None:
        """Fold or unfold in place: the lines before the first change stay, the cursor keeps its row."""
        caret = self._caret
        layout = caret.layout
        if layout is None or layout.folds == self._layers.ranges():
            self.refresh()
            return
        anchor, row = self._screen_anchor(layout)
        refold(layout, self._layers.ranges())
        self._layout_version += 1
        self._estimated_lines = 0
        caret.cursor = caret.out_of_folds(caret.cursor)
        self._wrap_through(max(caret.cursor, anchor or 0) + WRAP_AHEAD_CHARS)
        self._layout_grew()
        if anchor is not None:
            anchor = caret.out_of_folds(anchor)
            y = layout.line_of_offset(anchor) * self._rows - row
            self.scroll_to(y=max(0, y), animate=False, force=True)
        self._show_folds_above_start()
        self.refresh()

    # -- scrolling and wrapping -----------------------------------------------------------------------------

    def scroll_to_cursor(self, *, center: bool = False) -> None:
        """Scroll (without animation) so the cursor's line is visible.

        Every scroll here is ``force=True``: right after a (re)wrap the scrollbar is not shown yet, and
        Textual ignores unforced scrolls until it is.
        """
        layout = self._caret.layout
        if layout is None or self._show_folds_above_start():
            return
        rows = self._rows
        first = layout.line_of_offset(self._caret.cursor) * rows  # the line's rows: first .. last
        last = first + rows - 1
        height = max(rows, self.scrollable_content_region.height)
        top = round(self.scroll_y)
        if center and not (top <= first and last < top + height):
            self.scroll_to(y=max(0, first - (height // 2) // rows * rows), animate=False, force=True)
        elif first < top:
            self.scroll_to(y=first, animate=False, force=True)
        elif last >= top + height:
            self.scroll_to(y=last - height + 1, animate=False, force=True)

    def _show_folds_above_start(self) -> bool:
        """At the first place the cursor can go, scroll to the top: the folds above it (a page's menu)
        are shown too. True if it did."""
        caret, height = self._caret, self.scrollable_content_region.height
        layout = caret.layout
        if layout is None or not layout.folded or caret.cursor != caret.out_of_folds(0):
            return False
        if layout.line_of_offset(caret.cursor) * self._rows >= height:  # more folded lines than fit
            return False
        self.scroll_to(y=0, animate=False, force=True)
        return True

    def offset_at_point(self, x: int, y: int) -> int:
        """The text offset under widget content coordinates (`x`, `y`); past a line's end: its end."""
        layout = self._caret.layout
        if layout is None:
            return 0
        line = max(0, (y + round(self.scroll_y)) // self._rows)
        self._wrap_lines(line + 1)
        line = min(line, len(layout) - 1)
        return layout.offset_at(line, x - self._margin)

    def wrap_width(self) -> int:
        """The width (cells) text is wrapped at, for a worker's ``wrap_text``.

        Before the widget is laid out (an article loads while its screen mounts) this is the width it
        will most likely get: the whole screen less a scrollbar. If that guess is wrong, the first resize
        wraps again.
        """
        width = self.scrollable_content_region.width
        if width <= 0:
            width = self.app.size.width - self.styles.scrollbar_size_vertical
        return self._text_width(width)[0]

    def _cursor_row(self) -> int | None:
        """The screen row of the first row of the cursor's line, or None if its text is not on screen."""
        layout = self._caret.layout
        if layout is None:
            return None
        rows = self._rows
        row = layout.line_of_offset(self._caret.cursor) * rows - round(self.scroll_y)
        return row if 0 <= row + rows - 1 < self.scrollable_content_region.height else None

    def _refresh_offsets(self, *offsets: int) -> None:
        layout = self._caret.layout
        if layout is None:
            return
        lines = [layout.line_of_offset(offset) for offset in offsets]
        rows = self._rows
        first, last = min(lines) * rows, max(lines) * rows + rows - 1
        top = round(self.scroll_y)
        height = self.scrollable_content_region.height
        first, last = max(first, top), min(last, top + height - 1)
        if first <= last:
            self.refresh_lines(first, last - first + 1)

    def _text_width(self, width: int | None = None) -> tuple[int, int]:
        """(wrap width, left margin) for the widget's width (or the given one)."""
        if width is None:
            width = self.scrollable_content_region.width
        measure = max(4, self.measure)
        if width >= measure + 2:
            return measure, (width - measure) // 2
        return max(2, width - 2), 1 if width > 2 else 0

    def _rewrap(self, *, force: bool = False) -> bool:
        """Wrap for the current size, keeping the cursor (or the top line) on the same screen row.

        Returns False if the widget has no size yet (wrapping happens on the first resize).
        """
        if self.scrollable_content_region.width <= 0:
            return False
        caret = self._caret
        wrap_width, margin = self._text_width()
        self._margin = margin
        old = caret.layout
        if old is not None and old.width == wrap_width and not force:
            self._set_virtual_height()
            return True
        anchor, row = self._screen_anchor(old)
        prepared, self._prepared_layout = self._prepared_layout, None
        folds = self._layers.ranges()
        if prepared is not None and prepared.width == wrap_width and prepared.text is caret.text:
            layout = prepared
            refold(layout, folds)  # wrapped with other folds: the lines after the first change again
        else:  # the part up to what must be on screen now; the rest between frames
            target = caret.cursor if anchor is None else anchor
            layout = wrap_text(caret.text, wrap_width, upto=target + WRAP_AHEAD_CHARS, folds=folds)
        caret.layout = layout
        caret.cursor = caret.out_of_folds(caret.cursor)
        self._layout_version += 1
        self._estimated_lines = 0
        self._wrap_through(max(caret.cursor, anchor or 0) + WRAP_AHEAD_CHARS)
        self._layout_grew()  # the scrollbar; and the rest of a long text is wrapped between frames
        if anchor is not None:
            y = layout.line_of_offset(anchor) * self._rows - row
            self.scroll_to(y=max(0, y), animate=False, force=True)
        elif old is None:  # first wrap of this text (set_document may have run before we had a size)
            caret.cursor = caret.clamp(caret.cursor)
            self.scroll_to_cursor(center=True)
        self.refresh()
        return True

    def _screen_anchor(self, old: Layout | None) -> tuple[int | None, int]:
        """The offset to keep on the same screen row across a rewrap (the cursor if shown), and that row."""
        if old is None:
            return None, 0
        top = round(self.scroll_y)
        height = self.scrollable_content_region.height
        rows = self._rows
        cursor_row = old.line_of_offset(self._caret.cursor) * rows
        if top <= cursor_row < top + height:
            return self._caret.cursor, cursor_row - top
        if top // rows < len(old):
            return old.starts[top // rows], top // rows * rows - top
        return None, 0

    def _wrap_through(self, offset: int | None) -> None:
        """Make sure the layout covers `offset` (the whole text if None) before the cursor goes there."""
        layout = self._caret.layout
        if layout is None or layout.complete or (offset is not None and offset < layout.wrapped):
            return
        wrap_more(layout, None if offset is None else offset + WRAP_AHEAD_CHARS)
        self._layout_grew()

    def _wrap_lines(self, lines: int) -> None:
        """Make sure the layout has at least `lines` display lines (or is complete)."""
        layout = self._caret.layout
        if layout is None or layout.complete or len(layout) >= lines:
            return
        while not layout.complete and len(layout) < lines:
            wrap_more(layout, layout.wrapped + WRAP_STEP_CHARS)
        self._layout_grew()

    def _layout_grew(self) -> None:
        self._set_virtual_height()
        layout = self._caret.layout
        if layout is not None and not layout.complete and self._wrap_timer is None and self.is_attached:
            self._wrap_timer = self.set_timer(WRAP_STEP_PAUSE, self._wrap_step)

    def _wrap_step(self) -> None:
        """Wrap a little more of a long text; again after a pause until all of it is wrapped."""
        self._wrap_timer = None
        layout = self._caret.layout
        if layout is None or layout.complete:
            return
        wrap_more(layout, layout.wrapped + WRAP_STEP_CHARS)
        self._layout_grew()

    def _set_virtual_height(self) -> None:
        """The scrollbar's height: the layout's lines, or while it is incomplete an estimate of them."""
        layout = self._caret.layout
        if layout is None:
            return
        lines = len(layout)
        if not layout.complete:
            estimate = lines * len(layout.text) // max(1, layout.wrapped)
            self._estimated_lines = max(self._estimated_lines, estimate, lines)
            lines = self._estimated_lines
        size = Size(self.scrollable_content_region.width, lines * self._rows)
        old = self.virtual_size
        if old == size:
            return
        if self.show_vertical_scrollbar and size.width == old.width and size.height > old.height:
            # Taller while the scrollbar is already shown (the rest of a long text being wrapped between
            # page-downs): nothing else on the screen moves, so no layout pass of the whole screen (~1.5 ms
            # in a page-down frame, as ``virtual_size``'s own reactive asks); the scrollbar is resized
            # and scroll_y checked as the layout pass would (``ScrollView._size_updated``).
            self.set_reactive(ScrollView.virtual_size, size)
            self._scroll_update(size)
        else:
            self.virtual_size = size

    def on_resize(self, event: events.Resize) -> None:
        self._rewrap()

    def watch_measure(self) -> None:
        self._rewrap()
