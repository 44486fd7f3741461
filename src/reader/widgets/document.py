"""The document view of the reading screen: wrapped Chinese text on Textual's Line API.

`DocumentView` is a `ScrollView` whose virtual height is the number of display lines of a `Layout`
(`reader.layout.wrap_text`); `render_line` draws one display line from the text, the highlights, the selection
and the cursor, with an LRU cache of Strips keyed by everything that line's look depends on. So moving the
cursor re-renders two lines, paging renders one screen, and nothing is proportional to the document size
except wrapping (GUIDE.md §2).

Drawing (all styles are built from Segments, never markup: article text is data, "[b]" stays "[b]"):

* **Highlights** paint their colour (a Rich colour name or hex) as the background, with black or white text
  for contrast. Where **two or more highlights overlap**, the background is the average of their colours
  darkened by a third: distinct from each highlight alone, even from two overlapping highlights of the same
  colour, and the overlap's extent is visible at a glance.
* **The selection** makes text bold and underlined. On cells without a highlight it also paints the selection
  background (component class ``documentview--selection``); on highlighted cells it keeps the highlight
  background, so highlight extents stay visible inside a selection.
* **Search matches** (`set_search_matches`) are bold, underlined and yellow (component class
  ``documentview--match``; on a highlight only bold and underlined, keeping its colours); the current match
  is black on yellow (``documentview--match-current``), over highlights and selection alike.
* **The cursor** is a one-character block (component class ``documentview--cursor``, reverse by default)
  on the character at `cursor`; on a blank line (between paragraphs) a one-cell block at the left margin.

The text is centred in a measure of `measure` cells (80 = 40 CJK characters); when the widget is narrower
the text uses its width minus 2. Textual's built-in mouse selection is off (``ALLOW_SELECT = False``): the
view has its own anchor-based selection in view offsets (what the screen annotates), and two competing drag
selections would confuse. ``ctrl+c`` copies the view's selection.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import pairwise
from typing import ClassVar

from rich.color import Color as RichColor
from rich.color import ColorParseError
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reader.layout import (
    Layout,
    next_paragraph_start,
    next_sentence_start,
    prev_paragraph_start,
    prev_sentence_start,
    sentence_bounds,
    wrap_text,
)
from reader.sanitise import CONTROL_TABLE

__all__ = ["DocumentView", "Highlight"]

_RENDER_TABLE: dict[int, str] = {**CONTROL_TABLE, 0x09: " "}
"""Defence in depth: the view text should be sanitised already; a tab is drawn as one space (1 cell)."""

DEFAULT_HIGHLIGHT_COLOR = "#d7af00"
"""Used for a highlight whose colour is empty or not a colour Rich can parse."""


@dataclass(frozen=True)
class Highlight:
    """A highlighted range of the *view* text (the screen maps annotation offsets to the view)."""

    start: int
    end: int
    color: str
    key: str


def _parse_rgb(color: str) -> tuple[int, int, int]:
    try:
        triplet = RichColor.parse(color or DEFAULT_HIGHLIGHT_COLOR).get_truecolor()
    except ColorParseError:
        triplet = RichColor.parse(DEFAULT_HIGHLIGHT_COLOR).get_truecolor()
    return triplet.red, triplet.green, triplet.blue


def _highlight_style(colors: tuple[str, ...]) -> Style:
    """Background (and contrasting text) for the highlights `colors` overlapping on a cell."""
    rgbs = [_parse_rgb(color) for color in colors]
    red, green, blue = (sum(channel) / len(rgbs) for channel in zip(*rgbs, strict=True))
    if len(rgbs) > 1:  # overlap: darker than any of its parts (see module docstring)
        red, green, blue = red * 0.66, green * 0.66, blue * 0.66
    luminance = (0.299 * red + 0.587 * green + 0.114 * blue) / 255
    background = RichColor.from_rgb(red, green, blue)
    foreground = RichColor.from_rgb(0, 0, 0) if luminance > 0.5 else RichColor.from_rgb(255, 255, 255)
    return Style(color=foreground, bgcolor=background)


class DocumentView(ScrollView, can_focus=True):
    """A scrollable, wrapped view of one article text with a cursor, a selection and highlights."""

    ALLOW_SELECT = False

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "documentview--cursor",
        "documentview--selection",
        "documentview--match",
        "documentview--match-current",
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
            color: #000000;
            background: #ffd700;
            text-style: bold;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False, id="document.up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="document.down"),
        Binding("left,h", "cursor_left", "Left", show=False, id="document.left"),
        Binding("right,l", "cursor_right", "Right", show=False, id="document.right"),
        Binding("shift+up", "cursor_up(True)", "Select up", show=False, id="document.select_up"),
        Binding("shift+down", "cursor_down(True)", "Select down", show=False, id="document.select_down"),
        Binding("shift+left", "cursor_left(True)", "Select left", show=False, id="document.select_left"),
        Binding("shift+right", "cursor_right(True)", "Select right", show=False, id="document.select_right"),
        Binding("pageup", "page_up", "Page up", show=False, id="document.page_up"),
        Binding("pagedown,space", "page_down", "Page down", show=False, id="document.page_down"),
        Binding("shift+pageup", "page_up(True)", "Select page up", show=False, id="document.select_page_up"),
        Binding(
            "shift+pagedown",
            "page_down(True)",
            "Select page down",
            show=False,
            id="document.select_page_down",
        ),
        Binding("home", "line_start", "Line start", show=False, id="document.line_start"),
        Binding("end", "line_end", "Line end", show=False, id="document.line_end"),
        Binding(
            "shift+home", "line_start(True)", "Select to line start", show=False, id="document.select_home"
        ),
        Binding("shift+end", "line_end(True)", "Select to line end", show=False, id="document.select_end"),
        Binding("g", "document_start", "Top", show=False, id="document.top"),
        Binding("G", "document_end", "Bottom", show=False, id="document.bottom"),
        Binding(
            "right_parenthesis", "next_sentence", "Next sentence", show=False, id="document.next_sentence"
        ),
        Binding(
            "left_parenthesis", "prev_sentence", "Prev sentence", show=False, id="document.prev_sentence"
        ),
        Binding(
            "right_curly_bracket",
            "next_paragraph",
            "Next paragraph",
            show=False,
            id="document.next_paragraph",
        ),
        Binding(
            "left_curly_bracket", "prev_paragraph", "Prev paragraph", show=False, id="document.prev_paragraph"
        ),
        Binding("v", "select_sentence", "Select sentence", id="document.select_sentence"),
        Binding("escape", "clear_selection", "Clear selection", id="document.clear_selection"),
        Binding("ctrl+c", "copy_selection", "Copy", show=False, id="document.copy"),
    ]

    measure: reactive[int] = reactive(80)
    """Width of the text column in cells (80 cells = 40 CJK characters)."""

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
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._doc_text = text
        self._doc_layout: Layout | None = None
        self._prepared_layout: Layout | None = None
        self._layout_version = 0
        self._margin = 0
        self._cursor = 0
        self._anchor: int | None = None
        self._selection: tuple[int, int] | None = None
        self._goal_x: int | None = None
        self._dragging = False
        self._sentence_selection: tuple[int, int] | None = None
        """The selection made by "v": pressing "v" again extends it by a sentence."""
        self._highlights: list[Highlight] = []
        self._hl_bounds: list[int] = []
        self._hl_active: list[tuple[str, ...]] = []
        self._hl_version = 0
        self._match_starts: list[int] = []
        self._match_ends: list[int] = []
        self._current_match: int | None = None
        self._match_version = 0
        self._strip_cache: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._style_cache: dict[tuple[tuple[str, ...], bool, bool, int], Style] = {}
        self._base_style: Style | None = None

    # --- public API ------------------------------------------------------------------------------

    @property
    def text(self) -> str:
        """The text shown (of the current script view)."""
        return self._doc_text

    @property
    def text_layout(self) -> Layout | None:
        """The current wrapping (None until the widget has a size)."""
        return self._doc_layout

    @property
    def cursor(self) -> int:
        """The offset of the character under the cursor."""
        return self._cursor

    @cursor.setter
    def cursor(self, offset: int) -> None:
        self._move_to(offset, select=False)

    @property
    def selection(self) -> tuple[int, int] | None:
        """The selected ``(start, end)`` range, end exclusive, or None."""
        return self._selection

    @selection.setter
    def selection(self, selection: tuple[int, int] | None) -> None:
        """Select ``(start, end)`` with the cursor at its end (as if made by shift+right), or clear it."""
        if selection is None:
            self._anchor = None
            self._set_selection(None)
            return
        size = len(self._doc_text)
        start, end = (max(0, min(p, size)) for p in sorted(selection))
        self._anchor = start
        self._set_selection((start, end) if end > start else None)
        self._set_cursor(end)
        self.scroll_to_cursor()

    @property
    def selected_text(self) -> str:
        """The selected part of the text ("" when nothing is selected)."""
        if self._selection is None:
            return ""
        start, end = self._selection
        return self._doc_text[start:end]

    @property
    def highlights(self) -> list[Highlight]:
        """The highlights drawn, in document order (set with `set_highlights`)."""
        return list(self._highlights)

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

    def set_document(
        self, text: str, *, keep_offset: int | None = None, layout: Layout | None = None
    ) -> None:
        """Show `text`, the cursor at `keep_offset` (clamped) on the screen row the cursor had, else at 0.

        Highlights are kept (the screen sets the ones of the new view); the selection is cleared.
        ``layout``: the text already wrapped (in a worker) at :meth:`wrap_width`; used if it still fits.
        """
        old_row = self._cursor_row()
        had_selection = self._selection is not None
        self._doc_text = text
        self._doc_layout = None
        self._prepared_layout = layout
        self._strip_cache.clear()
        self._anchor = None
        self._selection = None
        self._goal_x = None
        self._cursor = max(0, min(keep_offset or 0, len(text)))
        if self._rewrap(force=True):
            self._cursor = self._clamp(self._cursor)
            layout = self._doc_layout
            assert layout is not None
            line = layout.line_of_offset(self._cursor)
            if keep_offset is None:
                self.scroll_to(y=0, animate=False, force=True)
            elif old_row is not None:
                self.scroll_to(y=max(0, line - old_row), animate=False, force=True)
            self.scroll_to_cursor()
        self.refresh()
        self.post_message(self.CursorMoved(self._cursor, self))
        if had_selection:
            self.post_message(self.SelectionChanged(None, self))

    def move_cursor(
        self, offset: int, *, selection: tuple[int, int] | None = None, center: bool = False
    ) -> None:
        """Put the cursor at `offset` and set (or clear) the selection; scroll the cursor into view.

        With `center`, a cursor that is off screen is brought to the middle of the view (jumping to a
        highlight); one already on screen does not move the view.
        """
        pos = self._clamp(offset)
        if selection is not None:
            start, end = (max(0, min(p, len(self._doc_text))) for p in sorted(selection))
            if end > start:
                self._anchor = end if pos == start else start
                self._set_selection((start, end))
            else:
                selection = None
        if selection is None:
            self._anchor = None
            self._set_selection(None)
        self._set_cursor(pos)
        self._goal_x = None
        self.scroll_to_cursor(center=center)

    def clear_selection(self) -> None:
        """Remove the selection (the cursor stays)."""
        self._anchor = None
        self._set_selection(None)

    def set_highlights(self, highlights: list[Highlight]) -> None:
        """Replace the highlights (view coordinates) and repaint."""
        self._highlights = sorted(
            (h for h in highlights if h.end > h.start), key=lambda h: (h.start, -h.end, h.key)
        )
        self._index_highlights()
        self._hl_version += 1
        self.refresh()

    def set_search_matches(self, matches: list[tuple[int, int]], current: int | None = None) -> None:
        """Show search matches (view coordinates, non-overlapping); `current` indexes the one to stand out."""
        kept = sorted((start, end) for start, end in matches if end > start)
        self._match_starts = [start for start, _ in kept]
        self._match_ends = [end for _, end in kept]
        self._current_match = current if current is not None and 0 <= current < len(kept) else None
        self._match_version += 1
        self.refresh()

    @property
    def search_matches(self) -> list[tuple[int, int]]:
        """The search matches drawn (view coordinates), in document order."""
        return list(zip(self._match_starts, self._match_ends, strict=True))

    @property
    def current_match(self) -> int | None:
        """The index of the current search match, or None."""
        return self._current_match

    def _match_at(self, pos: int) -> int:
        """0: no search match at `pos`; 1: a match; 2: the current match."""
        index = bisect_right(self._match_starts, pos) - 1
        if index < 0 or pos >= self._match_ends[index]:
            return 0
        return 2 if index == self._current_match else 1

    def scroll_to_cursor(self, *, center: bool = False) -> None:
        """Scroll (without animation) so the cursor's line is visible.

        Every scroll here is ``force=True``: right after a (re)wrap the scrollbar is not shown yet, and
        Textual ignores unforced scrolls until it is.
        """
        layout = self._doc_layout
        if layout is None:
            return
        line = layout.line_of_offset(self._cursor)
        height = max(1, self.scrollable_content_region.height)
        top = round(self.scroll_y)
        if center and not top <= line < top + height:
            self.scroll_to(y=max(0, line - height // 2), animate=False, force=True)
        elif line < top:
            self.scroll_to(y=line, animate=False, force=True)
        elif line >= top + height:
            self.scroll_to(y=line - height + 1, animate=False, force=True)

    def offset_at_point(self, x: int, y: int) -> int:
        """The text offset under widget content coordinates (`x`, `y`); past a line's end: its end."""
        layout = self._doc_layout
        if layout is None:
            return 0
        line = max(0, min(y + round(self.scroll_y), len(layout) - 1))
        return layout.offset_at(line, x - self._margin)

    # --- wrapping --------------------------------------------------------------------------------

    def complete_layout(self, layout: Layout) -> None:
        """Replace a first part shown so far (``Layout.complete`` False) by the whole layout.

        Its lines are the first part's lines followed by the rest, so nothing on screen moves; the
        document just becomes longer. Ignored if the text or the width changed meanwhile.
        """
        current = self._doc_layout
        if (
            current is None
            or current.complete
            or not layout.complete
            or layout.text is not self._doc_text
            or layout.width != current.width
        ):
            return
        self._doc_layout = layout
        self._layout_version += 1
        self.virtual_size = Size(self.scrollable_content_region.width, len(layout))
        self.refresh()

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
        wrap_width, margin = self._text_width()
        self._margin = margin
        old = self._doc_layout
        if old is not None and old.width == wrap_width and not force:
            self.virtual_size = Size(self.scrollable_content_region.width, len(old))
            return True
        anchor: int | None = None
        row = 0
        if old is not None:
            top = round(self.scroll_y)
            height = self.scrollable_content_region.height
            cursor_line = old.line_of_offset(self._cursor)
            if top <= cursor_line < top + height:
                anchor, row = self._cursor, cursor_line - top
            elif top < len(old):
                anchor, row = old.starts[top], 0
        prepared, self._prepared_layout = self._prepared_layout, None
        if prepared is not None and prepared.width == wrap_width and prepared.text is self._doc_text:
            layout = prepared
        else:
            layout = wrap_text(self._doc_text, wrap_width)
        self._doc_layout = layout
        self._layout_version += 1
        self.virtual_size = Size(self.scrollable_content_region.width, len(layout))
        if anchor is not None:
            self.scroll_to(y=max(0, layout.line_of_offset(anchor) - row), animate=False, force=True)
        elif old is None:  # first wrap of this text (set_document may have run before we had a size)
            self._cursor = self._clamp(self._cursor)
            self.scroll_to_cursor(center=True)
        self.refresh()
        return True

    def on_resize(self, event: events.Resize) -> None:
        self._rewrap()

    def watch_measure(self) -> None:
        self._rewrap()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strip_cache.clear()
        self._style_cache.clear()
        self._base_style = None

    # --- highlights ------------------------------------------------------------------------------

    def _index_highlights(self) -> None:
        """Sweep the highlights into elementary intervals: colours active on ``[bounds[i], bounds[i+1])``."""
        bounds: list[int] = []
        active_at: list[tuple[str, ...]] = []
        points = sorted({h.start for h in self._highlights} | {h.end for h in self._highlights})
        pending = iter(self._highlights)
        upcoming = next(pending, None)
        active: list[Highlight] = []
        for point in points:
            active = [h for h in active if h.end > point]
            while upcoming is not None and upcoming.start <= point:
                active.append(upcoming)
                upcoming = next(pending, None)
            bounds.append(point)
            active_at.append(tuple(h.color for h in active))
        self._hl_bounds = bounds
        self._hl_active = active_at

    def _colors_at(self, pos: int) -> tuple[str, ...]:
        index = bisect_right(self._hl_bounds, pos) - 1
        return self._hl_active[index] if index >= 0 else ()

    # --- rendering -------------------------------------------------------------------------------

    def _base(self) -> Style:
        """The widget's own text style (cached: `rich_style` resolves CSS each time)."""
        if self._base_style is None:
            self._base_style = self.rich_style
        return self._base_style

    def _style(self, colors: tuple[str, ...], selected: bool, cursor: bool, match: int = 0) -> Style:
        key = (colors, selected, cursor, match)
        style = self._style_cache.get(key)
        if style is None:
            style = self._base()
            if colors:
                style += _highlight_style(colors)
            if selected:
                selection = self.get_component_rich_style("documentview--selection", partial=True)
                style += Style(bold=True, underline=True)
                if not colors and selection.bgcolor is not None:
                    style += Style(bgcolor=selection.bgcolor)
            if match == 1:
                found = self.get_component_rich_style("documentview--match", partial=True)
                style += Style(bold=True, underline=True) if colors else found
            elif match == 2:
                style += self.get_component_rich_style("documentview--match-current", partial=True)
            if cursor:
                style += self.get_component_rich_style("documentview--cursor", partial=True)
            self._style_cache[key] = style
        return style

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        layout = self._doc_layout
        index = round(self.scroll_y) + y
        if layout is None or not 0 <= index < len(layout):
            return Strip.blank(width, self._base())
        start, end = layout.starts[index], layout.ends[index]
        selection = self._selection
        clip: tuple[int, int] | None = None
        if selection is not None:
            sel_start, sel_end = selection
            if start == end:
                clip = (start, start) if sel_start <= start < sel_end else None
            elif sel_start < end and sel_end > start:
                clip = (max(sel_start, start), min(sel_end, end))
        cursor = self._cursor if start <= self._cursor < max(end, start + 1) else None
        key = (
            index,
            width,
            self._margin,
            self._layout_version,
            self._hl_version,
            self._match_version,
            clip,
            cursor,
        )
        strip = self._strip_cache.get(key)
        if strip is None:
            strip = self._build_strip(start, end, width, clip, cursor)
            self._strip_cache[key] = strip
        return strip

    def _build_strip(
        self, start: int, end: int, width: int, clip: tuple[int, int] | None, cursor: int | None
    ) -> Strip:
        base = self._base()
        segments: list[Segment] = []
        if self._margin:
            segments.append(Segment(" " * self._margin, base))
        if start == end:  # the blank line after a paragraph
            if cursor is not None or clip is not None:
                segments.append(Segment(" ", self._style((), clip is not None, cursor is not None)))
            return Strip(segments).adjust_cell_length(width, base)
        points = {start, end}
        bounds = self._hl_bounds
        points.update(bounds[bisect_right(bounds, start) : bisect_left(bounds, end)])
        if clip is not None:
            points.update(clip)
        match_starts, match_ends = self._match_starts, self._match_ends
        for index in range(bisect_right(match_ends, start), bisect_left(match_starts, end)):
            points.add(max(match_starts[index], start))
            points.add(min(match_ends[index], end))
        if cursor is not None:
            points.add(cursor)
            points.add(min(cursor + 1, end))
        chars = self._doc_text[start:end].translate(_RENDER_TABLE)
        colors_at = self._colors_at
        for left, right in pairwise(sorted(points)):
            selected = clip is not None and clip[0] <= left < clip[1]
            match = self._match_at(left) if match_starts else 0
            style = self._style(colors_at(left), selected, left == cursor, match)
            segments.append(Segment(chars[left - start : right - start], style))
        return Strip(segments).adjust_cell_length(width, base)

    # --- cursor and selection --------------------------------------------------------------------

    def _clamp(self, pos: int) -> int:
        """Clamp `pos` to a place the block cursor can sit (a character of a line, or a blank line)."""
        pos = max(0, min(pos, len(self._doc_text)))
        layout = self._doc_layout
        if layout is None:
            return pos
        line = layout.line_of_offset(pos)
        return min(max(pos, layout.starts[line]), layout.last_stop(line))

    def _cursor_row(self) -> int | None:
        """The screen row of the cursor, or None if it is not on screen."""
        layout = self._doc_layout
        if layout is None:
            return None
        row = layout.line_of_offset(self._cursor) - round(self.scroll_y)
        return row if 0 <= row < self.scrollable_content_region.height else None

    def _refresh_offsets(self, *offsets: int) -> None:
        layout = self._doc_layout
        if layout is None:
            return
        lines = [layout.line_of_offset(offset) for offset in offsets]
        first, last = min(lines), max(lines)
        top = round(self.scroll_y)
        height = self.scrollable_content_region.height
        first, last = max(first, top), min(last, top + height - 1)
        if first <= last:
            self.refresh_lines(first, last - first + 1)

    def _set_cursor(self, pos: int) -> None:
        if pos == self._cursor:
            return
        old = self._cursor
        self._cursor = pos
        self._refresh_offsets(old)
        self._refresh_offsets(pos)
        self.post_message(self.CursorMoved(pos, self))

    def _set_selection(self, selection: tuple[int, int] | None) -> None:
        if selection == self._selection:
            return
        old = self._selection
        self._selection = selection
        ends = [pos for pair in (old, selection) if pair is not None for pos in pair]
        if ends:
            self._refresh_offsets(min(ends), max(ends))
        if (old is None) != (selection is None):
            self.refresh_bindings()  # escape / ctrl+c are ours only while something is selected
        self.post_message(self.SelectionChanged(selection, self))

    def _move_to(self, pos: int, *, select: bool, keep_goal: bool = False, clamp: bool = True) -> None:
        """Move the cursor to `pos`; with `select`, extend the selection from its anchor, else clear it."""
        pos = self._clamp(pos) if clamp else max(0, min(pos, len(self._doc_text)))
        if select:
            if self._anchor is None:
                self._anchor = self._cursor
            anchor = self._anchor
            self._set_selection((min(anchor, pos), max(anchor, pos)) if pos != anchor else None)
        else:
            self._anchor = None
            self._set_selection(None)
        self._set_cursor(pos)
        if not keep_goal:
            self._goal_x = None
        self.scroll_to_cursor()

    def _vertical_move(self, lines: int, select: bool) -> None:
        layout = self._doc_layout
        if layout is None:
            return
        line = layout.line_of_offset(self._cursor)
        if self._goal_x is None:
            self._goal_x = layout.cell_x_of_offset(line, self._cursor)
        target = max(0, min(line + lines, len(layout) - 1))
        if target == line:
            pos = (
                layout.starts[line]
                if lines < 0
                else (layout.ends[line] if select else layout.last_stop(line))
            )
        else:
            pos = layout.offset_at(target, self._goal_x)
            if not select:
                pos = min(pos, layout.last_stop(target))
        self._move_to(pos, select=select, keep_goal=True, clamp=not select)

    def action_cursor_up(self, select: bool = False) -> None:
        self._vertical_move(-1, select)

    def action_cursor_down(self, select: bool = False) -> None:
        self._vertical_move(1, select)

    def action_cursor_left(self, select: bool = False) -> None:
        layout = self._doc_layout
        if layout is None:
            return
        line = layout.line_of_offset(self._cursor)
        if self._cursor > layout.starts[line]:
            pos = self._cursor - 1
        elif line > 0:
            pos = layout.last_stop(line - 1)
            if select and layout.ends[line - 1] > layout.starts[line - 1]:
                pos = layout.ends[line - 1] - 1
        else:
            pos = 0
        self._move_to(pos, select=select)

    def action_cursor_right(self, select: bool = False) -> None:
        layout = self._doc_layout
        if layout is None:
            return
        line = layout.line_of_offset(self._cursor)
        if self._cursor < layout.last_stop(line):
            pos = self._cursor + 1
        elif line + 1 < len(layout):
            pos = layout.starts[line + 1]
        else:
            pos = layout.ends[line] if select else self._cursor
        self._move_to(pos, select=select, clamp=not select)

    def _page(self, direction: int, select: bool) -> None:
        layout = self._doc_layout
        if layout is None:
            return
        height = max(1, self.scrollable_content_region.height - 1)  # keep one line of context
        row = self._cursor_row()
        self.scroll_to(
            y=max(0, min(self.max_scroll_y, round(self.scroll_y) + direction * height)), animate=False
        )
        if row is None:  # the cursor was scrolled away (mouse wheel): land on the first line shown
            line = round(self.scroll_y)
            self._move_to(layout.starts[min(line, len(layout) - 1)], select=select)
        else:
            self._vertical_move(direction * height, select)

    def action_page_down(self, select: bool = False) -> None:
        self._page(1, select)

    def action_page_up(self, select: bool = False) -> None:
        self._page(-1, select)

    def action_line_start(self, select: bool = False) -> None:
        layout = self._doc_layout
        if layout is not None:
            self._move_to(layout.starts[layout.line_of_offset(self._cursor)], select=select)

    def action_line_end(self, select: bool = False) -> None:
        layout = self._doc_layout
        if layout is not None:
            line = layout.line_of_offset(self._cursor)
            if select:
                self._move_to(layout.ends[line], select=True, clamp=False)
            else:
                self._move_to(layout.last_stop(line), select=False)

    def action_document_start(self) -> None:
        self._move_to(0, select=False)

    def action_document_end(self) -> None:
        layout = self._doc_layout
        if layout is None:
            return
        line = len(layout) - 1
        while line > 0 and layout.is_blank(line):
            line -= 1
        self._move_to(layout.starts[line], select=False)
        self.scroll_to(y=self.max_scroll_y, animate=False, force=True)  # show the final blank line too

    def action_next_sentence(self) -> None:
        self._move_to(next_sentence_start(self._doc_text, self._cursor), select=False)

    def action_prev_sentence(self) -> None:
        self._move_to(prev_sentence_start(self._doc_text, self._cursor), select=False)

    def action_next_paragraph(self) -> None:
        self._move_to(next_paragraph_start(self._doc_text, self._cursor), select=False)

    def action_prev_paragraph(self) -> None:
        self._move_to(prev_paragraph_start(self._doc_text, self._cursor), select=False)

    def action_select_sentence(self) -> None:
        """Select the sentence under the cursor; pressed again, extend the selection by the next sentence."""
        text = self._doc_text
        pos = self._cursor
        if self._selection is not None and self._selection == self._sentence_selection:
            assert self._anchor is not None
            following = next_sentence_start(text, pos)
            if following >= len(text):
                return
            start, end = self._anchor, sentence_bounds(text, following)[1]
        else:
            start, end = sentence_bounds(text, pos)
            if end <= start and 0 < pos <= len(text) and text[pos - 1] != "\n":
                # at the end of a paragraph (End, or after a selection): the sentence just before
                start, end = sentence_bounds(text, pos - 1)
        if end <= start:
            return
        self._anchor = start
        self._set_selection((start, end))
        self._sentence_selection = (start, end)
        self._set_cursor(end)
        self._goal_x = None
        self.scroll_to_cursor()

    def action_clear_selection(self) -> None:
        self.clear_selection()

    def action_copy_selection(self) -> None:
        if self._selection is not None:
            self.app.copy_to_clipboard(self.selected_text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # With nothing selected, escape and ctrl+c are not ours: let them reach the screen (go back / copy).
        if action in ("clear_selection", "copy_selection"):
            return self._selection is not None
        return True

    # --- mouse -----------------------------------------------------------------------------------

    def _event_offset(self, event: events.MouseEvent) -> tuple[int, int]:
        """Mouse position relative to the content area (may be outside it while dragging)."""
        gutter = self.styles.gutter
        return event.x - gutter.left, event.y - gutter.top

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button != 1 or self._doc_layout is None:
            return
        x, y = self._event_offset(event)
        self._dragging = True
        self.capture_mouse()
        self._move_to(self.offset_at_point(x, y), select=False)
        self._anchor = self._cursor

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if not self._dragging or self._doc_layout is None:
            return
        x, y = self._event_offset(event)
        height = self.scrollable_content_region.height
        if y < 0:
            self.scroll_to(y=max(0, round(self.scroll_y) - 1), animate=False, force=True)
            y = 0
        elif y >= height:
            self.scroll_to(y=min(self.max_scroll_y, round(self.scroll_y) + 1), animate=False, force=True)
            y = height - 1
        pos = self.offset_at_point(x, y)
        anchor = self._anchor if self._anchor is not None else self._cursor
        self._anchor = anchor
        self._set_selection((min(anchor, pos), max(anchor, pos)) if pos != anchor else None)
        self._set_cursor(self._clamp(pos))
        self._goal_x = None

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._dragging:
            self._dragging = False
            self.release_mouse()
            if self._selection is None:
                self._anchor = None
