"""What the document view draws: a wrapped text's lines with their highlights, search matches and marks.

:class:`TextDisplay` draws the display lines of a :class:`~reader.widgets.document_wrapping.WrappedText`
(its base: wrapping, folds, scrolling): `render_line` draws one display line from the text, the
highlights, the selection and the cursor (the :class:`reader.caret.Caret` state), with an LRU cache of
Strips keyed by everything that line's look depends on. So moving the cursor re-renders two lines, paging
renders one screen, and nothing is proportional to the document size (GUIDE.md §2) or to the number of
highlights: they come from a :class:`reader.highlights.HighlightSource` asked per line, so 100,000
annotations cost nothing until their lines are drawn (how runs are painted: ``document_style``).

Keys, mouse and messages: ``reader.widgets.document.DocumentView``. With the reading line on
(``document_readings``) a row of readings is drawn above each display line.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.strip import Strip

from reader.highlights import Highlight, HighlightList, HighlightSource, pieces
from reader.marks import Mark, MarkSet
from reader.readingline import ReadingLine
from reader.sanitise import CONTROL_TABLE
from reader.widgets.document_readings import ReadingRows
from reader.widgets.document_style import CURRENT_MATCH, MATCH, NO_MATCH, RunStyles
from reader.widgets.document_wrapping import WrappedText
from reader.widgets.scrollbar_rows import move_thumb

__all__ = ["TextDisplay"]


_RENDER_TABLE: dict[int, str] = {**CONTROL_TABLE, 0x09: " "}
"""Defence in depth: the view text should be sanitised already; a tab is drawn as one space (1 cell)."""


class TextDisplay(WrappedText):
    """A wrapped text with its highlights, search matches, selection and cursor; scrolls, does not edit."""

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
        self._highlights: HighlightSource = HighlightList()
        self._hl_version = 0
        self._match_starts: list[int] = []
        self._match_ends: list[int] = []
        self._current_match: int | None = None
        self._match_version = 0
        self._strip_cache: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._run_styles: RunStyles | None = None
        self._reading_style: Style | None = None

    @property
    def highlights(self) -> list[Highlight]:
        """Every highlight, in document order (computed on demand: drawing asks only for its lines)."""
        return self._highlights.all()

    @highlights.setter
    def highlights(self, highlights: list[Highlight]) -> None:
        self.set_highlights(highlights)

    def set_highlights(self, highlights: list[Highlight]) -> None:
        """Replace the highlights with these (view coordinates) and repaint."""
        self.set_highlight_source(HighlightList(highlights))

    def set_highlight_source(self, source: HighlightSource) -> None:
        """Draw the highlights `source` gives for each line (see ``reader.highlights``) and repaint."""
        self._highlights = source
        self._hl_version += 1
        self.refresh()

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

    @property
    def search_matches(self) -> list[tuple[int, int]]:
        """The search matches drawn (view coordinates), in document order."""
        return list(zip(self._match_starts, self._match_ends, strict=True))

    @property
    def current_match(self) -> int | None:
        """The index of the current search match, or None."""
        return self._current_match

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        # ScrollView.watch_scroll_y, but the scrollbar repaints only the rows whose look changes (not all of
        # them at every page-down: ``scrollbar_rows``)
        if self.show_vertical_scrollbar:
            move_thumb(self.vertical_scrollbar, new_value)
        if round(old_value) != round(new_value):
            self.refresh(self.size.region)
        if self.reading_rows is not None:  # keep the readings a few screens ahead of the scroll
            self.reading_rows.want(self)

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
