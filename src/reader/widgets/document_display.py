"""What the document view draws: a wrapped text on Textual's Line API, its highlights and search matches.

:class:`TextDisplay` is a `ScrollView` whose virtual height is the number of display lines of a `Layout`
(`reader.layout.wrap_text`); `render_line` draws one display line from the text, the highlights, the
selection and the cursor (the :class:`reader.caret.Caret` state), with an LRU cache of Strips keyed by
everything that line's look depends on. So moving the cursor re-renders two lines, paging renders one
screen, and nothing is proportional to the document size (GUIDE.md §2) or to the number of highlights:

* highlights come from a :class:`reader.highlights.HighlightSource` asked per line, so 100,000 annotations
  cost nothing until their lines are drawn (how runs are painted: ``document_style``);
* a long text is shown once the part around the cursor is wrapped; the rest is wrapped a few thousand
  characters at a time between frames (and at once as far as a key needs), while the scrollbar uses an
  estimate of the final height.

The text is centred in a measure of `measure` cells (80 = 40 CJK characters); when the widget is narrower
the text uses its width minus 2. Keys, mouse and messages: ``reader.widgets.document.DocumentView``.

With the reading line on (``document_readings``) every display line takes two rows, readings above text:
scrolling, the scrollbar and the mouse count *rows* (``_rows`` per line), the layout counts lines.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from reader.caret import Caret
from reader.folding import Fold
from reader.highlights import Highlight, HighlightList, HighlightSource, pieces
from reader.layout import Layout, refold, wrap_more, wrap_text
from reader.marks import Mark, MarkSet
from reader.readingline import ReadingLine
from reader.sanitise import CONTROL_TABLE
from reader.widgets.document_layers import TextLayers
from reader.widgets.document_readings import ReadingRows
from reader.widgets.document_style import CURRENT_MATCH, MATCH, NO_MATCH, RunStyles

__all__ = ["WRAP_AHEAD_CHARS", "WRAP_STEP_CHARS", "TextDisplay"]

_RENDER_TABLE: dict[int, str] = {**CONTROL_TABLE, 0x09: " "}
"""Defence in depth: the view text should be sanitised already; a tab is drawn as one space (1 cell)."""

#: characters wrapped per step while the rest of a long text is wrapped between frames (~1 ms)
WRAP_STEP_CHARS = 8_000
#: seconds between two such steps (keys and paints go first)
WRAP_STEP_PAUSE = 0.005
#: characters past the cursor that must be wrapped before a key moves it (a few screens)
WRAP_AHEAD_CHARS = 6_000


class TextDisplay(ScrollView):
    """A wrapped text with its highlights, search matches, selection and cursor; scrolls, does not edit."""

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
        self._highlights: HighlightSource = HighlightList()
        self._hl_version = 0
        self._match_starts: list[int] = []
        self._match_ends: list[int] = []
        self._current_match: int | None = None
        self._match_version = 0
        self._strip_cache: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._run_styles: RunStyles | None = None
        #: text marks and folded regions (``document_layers``)
        self._layers = TextLayers()
        #: the reading line (None: off); each display line then takes `_rows` = 2 rows
        self.reading_rows: ReadingRows | None = None
        self._reading_style: Style | None = None

    @property
    def text(self) -> str:
        """The text shown (of the current script view)."""
        return self._caret.text

    @property
    def text_layout(self) -> Layout | None:
        """The current wrapping (None until the widget has a size; ``complete`` False while wrapping)."""
        return self._caret.layout

    @property
    def highlights(self) -> list[Highlight]:
        """Every highlight, in document order (computed on demand: drawing asks only for its lines)."""
        return self._highlights.all()

    @highlights.setter
    def highlights(self, highlights: list[Highlight]) -> None:
        self.set_highlights(highlights)

    @property
    def scroll_percent(self) -> float:
        """How far down the document the view is, 0–100 (100 when everything fits)."""
        maximum = self.max_scroll_y
        if maximum <= 0:
            return 100.0
        return max(0.0, min(100.0, self.scroll_y * 100.0 / maximum))

    def set_highlights(self, highlights: list[Highlight]) -> None:
        """Replace the highlights with these (view coordinates) and repaint."""
        self.set_highlight_source(HighlightList(highlights))

    def set_highlight_source(self, source: HighlightSource) -> None:
        """Draw the highlights `source` gives for each line (see ``reader.highlights``) and repaint."""
        self._highlights = source
        self._hl_version += 1
        self.refresh()

    @property
    def _rows(self) -> int:
        """Screen rows per display line: 2 with the reading line (readings, then text), else 1."""
        return 1 if self.reading_rows is None else 2

    @property
    def reading_line(self) -> ReadingLine | None:
        return None if self.reading_rows is None else self.reading_rows.line

    def set_reading_line(self, line: ReadingLine | None) -> None:
        """Draw `line`'s readings above each display line (None: no reading line); the wrapping stays, the
        line at the top of the screen stays at the top."""
        if line is self.reading_line:
            return
        top_line = round(self.scroll_y) // self._rows
        self.reading_rows = None if line is None else ReadingRows(line)
        self._strip_cache.clear()
        self._set_virtual_height()
        if self._caret.layout is not None:
            self.scroll_to(y=top_line * self._rows, animate=False, force=True)
            self.scroll_to_cursor()
        self.refresh()

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

    def set_search_matches(self, matches: list[tuple[int, int]], current: int | None = None) -> None:
        """Show search matches (view coordinates, non-overlapping); `current` indexes the one to stand out."""
        kept = sorted((start, end) for start, end in matches if end > start)
        self._match_starts = [start for start, _ in kept]
        self._match_ends = [end for _, end in kept]
        self._current_match = current if current is not None and 0 <= current < len(kept) else None
        self._match_version += 1
        self.refresh()

    # -- marks and folds (document_layers) ---------------------------------------------------------

    def set_marks(self, layer: str, marks: MarkSet | None) -> None:
        """Underline ``marks`` (view offsets) as the layer named ``layer`` (None or empty: remove it)."""
        self._layers.set_marks(layer, marks)
        self.refresh()

    def marks_at(self, pos: int) -> list[Mark]:
        """The marks covering ``pos`` (one per layer at most)."""
        return self._layers.marks_at(pos)

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

    @property
    def search_matches(self) -> list[tuple[int, int]]:
        """The search matches drawn (view coordinates), in document order."""
        return list(zip(self._match_starts, self._match_ends, strict=True))

    @property
    def current_match(self) -> int | None:
        """The index of the current search match, or None."""
        return self._current_match

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
        if self.virtual_size != size:
            self.virtual_size = size

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self.reading_rows is not None:  # keep the readings a few screens ahead of the scroll
            self.reading_rows.want(self)

    def on_resize(self, event: events.Resize) -> None:
        self._rewrap()

    def watch_measure(self) -> None:
        self._rewrap()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strip_cache.clear()
        self._run_styles = None
        self._reading_style = None

    def _styles(self) -> RunStyles:
        """Run styles from the widget's CSS (rebuilt after a style change: `rich_style` resolves CSS)."""
        if self._run_styles is None:
            component = self.get_component_rich_style
            base = self.rich_style
            self._run_styles = RunStyles(
                base=base,
                foreground=base.color.get_truecolor().hex if base.color is not None else None,
                selection=component("documentview--selection", partial=True),
                match=component("documentview--match", partial=True),
                current_match=component("documentview--match-current", partial=True),
                cursor=component("documentview--cursor", partial=True),
            )
        return self._run_styles

    def _base(self) -> Style:
        return self._styles().base

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        layout = self._caret.layout
        index, row = divmod(round(self.scroll_y) + y, self._rows)
        if layout is not None and index >= len(layout):
            self._wrap_lines(index + 1)
        if layout is None or not 0 <= index < len(layout):
            return Strip.blank(width, self._base())
        start, end = layout.starts[index], layout.ends[index]
        if row < self._rows - 1:  # the reading row (blank above a folded region's line)
            return self._reading_strip(index, start, start if index in layout.folded else end, width)
        selection = self._caret.selection
        clip: tuple[int, int] | None = None
        if selection is not None:
            sel_start, sel_end = selection
            if start == end:
                clip = (start, start) if sel_start <= start < sel_end else None
            elif sel_start < end and sel_end > start:
                clip = (max(sel_start, start), min(sel_end, end))
        cursor = self._caret.cursor
        on_line = cursor if start <= cursor < max(end, start + 1) else None
        key = (
            index,
            width,
            self._margin,
            self._layout_version,
            self._hl_version,
            self._match_version,
            self._layers.version,
            clip,
            on_line,
        )
        strip = self._strip_cache.get(key)
        if strip is None:
            if index in layout.folded:
                strip = self._fold_strip(start, end, width)
            else:
                strip = self._build_strip(start, end, width, clip, on_line)
            self._strip_cache[key] = strip
        return strip

    def _fold_strip(self, start: int, end: int, width: int) -> Strip:
        """A folded region's one line, saying how many highlights it hides."""
        hidden = len(self._highlights.spans(start, end))
        extra = f" · {hidden} highlight{'s' if hidden != 1 else ''}" if hidden else ""
        return self._layers.fold_strip(start, width, self._margin, self._base(), extra)

    def _reading_strip(self, index: int, start: int, end: int, width: int) -> Strip:
        """The reading row above display line `index` (blank until its readings are read)."""
        rows = self.reading_rows
        assert rows is not None
        if self._reading_style is None:
            self._reading_style = self._base() + self.get_component_rich_style(
                "documentview--reading", partial=True
            )
        style = self._reading_style
        key = ("reading", index, width, self._margin, self._layout_version, rows.version)
        strip = self._strip_cache.get(key)
        if strip is None:
            if start == end:
                strip = Strip.blank(width, style)
            else:
                built = rows.strip(start, end, self._text_width()[0], self._margin, width, style)
                if built is None:  # not read yet: blank now, read in a worker, drawn then
                    rows.want(self)
                    return Strip.blank(width, style)
                strip = built
            self._strip_cache[key] = strip
        return strip

    def _match_at(self, pos: int) -> int:
        """NO_MATCH, MATCH or CURRENT_MATCH for the search matches at `pos`."""
        index = bisect_right(self._match_starts, pos) - 1
        if index < 0 or pos >= self._match_ends[index]:
            return NO_MATCH
        return CURRENT_MATCH if index == self._current_match else MATCH

    def _build_strip(
        self, start: int, end: int, width: int, clip: tuple[int, int] | None, cursor: int | None
    ) -> Strip:
        styles = self._styles()
        segments: list[Segment] = []
        if self._margin:
            segments.append(Segment(" " * self._margin, styles.base))
        if start == end:  # the blank line after a paragraph
            if cursor is not None or clip is not None:
                segments.append(Segment(" ", styles((), clip is not None, cursor is not None)))
            return Strip(segments).adjust_cell_length(width, styles.base)
        cuts: list[int] = list(clip) if clip is not None else []
        match_starts, match_ends = self._match_starts, self._match_ends
        for index in range(bisect_right(match_ends, start), bisect_left(match_starts, end)):
            cuts += (match_starts[index], match_ends[index])
        if cursor is not None:
            cuts += (cursor, cursor + 1)
        marks = self._layers.line_marks(start, end)
        for mark in marks:
            cuts += (mark.start, mark.end)
        chars = self.text[start:end].translate(_RENDER_TABLE)
        for left, right, colors in pieces(self._highlights.spans(start, end), start, end, cuts):
            selected = clip is not None and clip[0] <= left < clip[1]
            match = self._match_at(left) if match_starts else NO_MATCH
            marked = self._layers.style_of(m for m in marks if m.start <= left < m.end) if marks else None
            segments.append(
                Segment(
                    chars[left - start : right - start],
                    styles(colors, selected, left == cursor, match, marked),
                )
            )
        return Strip(segments).adjust_cell_length(width, styles.base)
