"""The side panel: this article's annotations in document order, filterable by tag.

An article may carry 100,000 annotations, so the list is virtual (Textual's Line API, like the document
view): :class:`AnnotationList` draws only the rows on screen, each entry's passage is taken from the current
script view only when its row is drawn, and while the panel is hidden nothing is computed at all. Giving
the panel new annotations, or a new view of them, is O(1); showing it or changing the tag filter is one
pass over the annotations' tags (the filter), not a rendering of every entry.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.containers import Vertical
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Input, Static

from reader.sanitise import safe_line
from reader.store import Annotation

__all__ = ["QUOTE_CELLS", "AnnotationList", "AnnotationPanel"]

#: the panel is 46 cells wide: a quote line keeps to one row
QUOTE_CELLS = 38
NOTE_CHARS = 60

TextOf = Callable[[Annotation], str]
ColourOf = Callable[[Annotation], str]


def entry_rows(annotation: Annotation) -> int:
    """Rows an entry takes: the passage, then its tags and its note if it has them."""
    return 1 + bool(annotation.tags) + bool(annotation.note)


def _quote(text: str) -> str:
    """The passage on one row of QUOTE_CELLS cells, with an ellipsis if it is longer."""
    flat = safe_line(text)
    if cell_len(flat) > QUOTE_CELLS:
        return set_cell_size(set_cell_size(flat, QUOTE_CELLS + 1), QUOTE_CELLS - 1).rstrip() + "…"
    return flat.rstrip()


def entry_lines(annotation: Annotation, text: str, colour: str) -> list[list[Segment]]:
    """The rows of one entry as segments (article text, tags and notes are data, never markup)."""
    first = [Segment("▌", Style.parse(colour) if colour else Style()), Segment(_quote(text))]
    if annotation.status == "orphan":
        first.append(Segment("  (orphan: quote not found)", Style(bold=True, color="red")))
    rows = [first]
    if annotation.tags:
        tags = (Segment(f" #{safe_line(tag)}", Style(bold=True)) for tag in annotation.tags)
        rows.append([Segment(" "), *tags])
    if annotation.note:
        rows.append([Segment(f"  {safe_line(annotation.note, NOTE_CHARS)}", Style(italic=True, dim=True))])
    return rows


def _fit(segments: list[Segment], width: int, style: Style) -> Strip:
    """One row at exactly `width` cells, in `style`, ending with "…" if it had to be cut."""
    strip = Strip(segments)
    if strip.cell_length > width:
        strip = Strip([*strip.crop(0, max(0, width - 1)), Segment("…")])
    return strip.adjust_cell_length(width).apply_style(style)


class AnnotationList(ScrollView, can_focus=True):
    """The entries shown, drawn row by row; Enter (or a click) posts :class:`Chosen`."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"annotation-list--highlighted"}

    DEFAULT_CSS = """
    AnnotationList {
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        border: tall $border-blurred;
        padding: 0 1;
        background: $surface;
        & > .annotation-list--highlighted {
            color: $foreground;
            background: $block-cursor-blurred-background;
        }
        &:focus {
            border: tall $border;
            background-tint: $foreground 5%;
            & > .annotation-list--highlighted {
                color: $block-cursor-foreground;
                background: $block-cursor-background;
                text-style: $block-cursor-text-style;
            }
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", show=False, id="panel.up"),
        Binding("down,j", "move(1)", "Down", show=False, id="panel.down"),
        Binding("home", "move_to(0)", "First", show=False, id="panel.first"),
        Binding("end", "move_to(-1)", "Last", show=False, id="panel.last"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="panel.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="panel.page_down"),
        Binding("enter", "choose", "Jump", show=False, id="panel.jump", tooltip="Jump to the annotation"),
    ]

    @dataclass
    class Chosen(Message):
        annotation: Annotation

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._annotations: Sequence[Annotation] = ()
        self._shown: Sequence[int] = []  # indices into _annotations, in order
        self._tops: list[int] = [0]  # first row of each shown entry, then the total
        self._text_of: TextOf = lambda annotation: annotation.quote
        self._colour_of: ColourOf = lambda annotation: ""
        self._version = 0
        self._rows: LRUCache[tuple[int, int], list[list[Segment]]] = LRUCache(256)
        self.highlighted: int | None = None
        """The highlighted entry: an index into :attr:`shown_ids`."""

    # -- content

    def show_entries(
        self, annotations: Sequence[Annotation], shown: Sequence[int], text_of: TextOf, colour_of: ColourOf
    ) -> None:
        """List ``annotations[i]`` for each i in `shown`; the highlighted annotation stays if still listed."""
        keep = self.highlighted_annotation
        self._annotations, self._shown = annotations, shown
        listed = annotations if len(shown) == len(annotations) else [annotations[i] for i in shown]
        rows = (1 + bool(annotation.tags) + bool(annotation.note) for annotation in listed)  # entry_rows
        self._tops = list(accumulate(rows, initial=0))
        self.set_view(text_of, colour_of)
        self.highlighted = 0 if shown else None
        if keep is not None:
            self.highlighted = next((n for n, i in enumerate(shown) if annotations[i] is keep), None)
            if self.highlighted is None:  # the same annotation, re-read after a change
                self.highlighted = next((n for n, i in enumerate(shown) if annotations[i].id == keep.id), 0)
        self.virtual_size = Size(self.scrollable_content_region.width, self._tops[-1])
        self._scroll_to_highlighted()

    def set_view(self, text_of: TextOf, colour_of: ColourOf) -> None:
        """The same entries, their passages taken from another view (or their colours changed)."""
        self._text_of, self._colour_of = text_of, colour_of
        self._version += 1
        self._rows.clear()
        self.refresh()

    @property
    def shown_ids(self) -> list[str]:
        """The ids of the annotations listed, top to bottom."""
        return [self._annotations[i].id for i in self._shown]

    @property
    def highlighted_annotation(self) -> Annotation | None:
        if self.highlighted is None or not 0 <= self.highlighted < len(self._shown):
            return None
        return self._annotations[self._shown[self.highlighted]]

    # -- keys and mouse

    def _highlight(self, entry: int) -> None:
        if not self._shown:
            return
        self.highlighted = max(0, min(entry, len(self._shown) - 1))
        self._scroll_to_highlighted()
        self.refresh()

    def _scroll_to_highlighted(self) -> None:
        if self.highlighted is None:
            return
        top, bottom = self._tops[self.highlighted], self._tops[self.highlighted + 1]
        self.scroll_to_region(Region(0, top, 1, bottom - top), animate=False, force=True)

    def action_move(self, step: int) -> None:
        self._highlight((self.highlighted if self.highlighted is not None else -1) + step)

    def action_move_to(self, entry: int) -> None:
        self._highlight(entry if entry >= 0 else len(self._shown) - 1)

    def action_page(self, direction: int) -> None:
        if self.highlighted is None:
            return
        row = self._tops[self.highlighted] + direction * max(1, self.scrollable_content_region.height - 1)
        self._highlight(bisect_right(self._tops, max(0, row)) - 1)

    def action_choose(self) -> None:
        annotation = self.highlighted_annotation
        if annotation is not None:
            self.post_message(self.Chosen(annotation))

    def on_click(self, event: events.Click) -> None:
        row = round(self.scroll_y) + event.y - self.styles.gutter.top
        entry = bisect_right(self._tops, row) - 1
        if 0 <= entry < len(self._shown):
            self._highlight(entry)
            self.action_choose()

    # -- drawing

    def _entry_rows(self, entry: int) -> list[list[Segment]]:
        key = (entry, self._version)
        rows = self._rows.get(key)
        if rows is None:
            annotation = self._annotations[self._shown[entry]]
            rows = entry_lines(annotation, self._text_of(annotation), self._colour_of(annotation))
            self._rows[key] = rows
        return rows

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        row = round(self.scroll_y) + y
        base = self.rich_style
        if not 0 <= row < self._tops[-1]:
            return Strip.blank(width, base)
        entry = bisect_right(self._tops, row) - 1
        style = base
        if entry == self.highlighted:
            style = base + self.get_component_rich_style("annotation-list--highlighted", partial=True)
        return _fit(self._entry_rows(entry)[row - self._tops[entry]], width, style)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self._tops[-1])


class AnnotationPanel(Vertical):
    """The title, a tag filter and the list; choosing an entry posts :class:`Jump` with its annotation."""

    @dataclass
    class Jump(Message):
        annotation: Annotation

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._annotations: Sequence[Annotation] = ()
        self._text_of: TextOf = lambda annotation: annotation.quote
        self._colour_of: ColourOf = lambda annotation: ""
        #: the annotations (the very list) and the filter the list was last filled from
        self._listed: tuple[Sequence[Annotation], str] | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("Annotations", style="bold"), id="panel-title")
        yield Input(placeholder="filter by tag", id="panel-filter")
        yield AnnotationList(id="panel-list")

    @property
    def is_open(self) -> bool:
        return not self.has_class("hidden")

    def open(self) -> None:
        self.remove_class("hidden")
        self._sync()
        self.query_one(AnnotationList).focus()

    def close(self) -> None:
        self.add_class("hidden")

    def set_annotations(
        self, annotations: Sequence[Annotation], text_of: TextOf, colour_of: ColourOf
    ) -> None:
        """What to list (in document order) and how: the passage of each in the current view, its colour.

        Cheap: the list is filled only when the panel is shown.
        """
        self._annotations, self._text_of, self._colour_of = annotations, text_of, colour_of
        self._sync()

    @property
    def tag_filter(self) -> str:
        return self.query_one("#panel-filter", Input).value.strip().casefold()

    @property
    def shown_ids(self) -> list[str]:
        """The annotations listed, top to bottom (after the tag filter)."""
        return self.query_one(AnnotationList).shown_ids

    def _sync(self) -> None:
        if not self.is_open or not self.is_mounted:
            return
        entries = self.query_one(AnnotationList)
        wanted = self.tag_filter
        listed = self._listed
        if listed is not None and listed[0] is self._annotations and listed[1] == wanted:
            # the same entries (the same list object, never compared item by item): only the view changed
            entries.set_view(self._text_of, self._colour_of)
            return
        annotations = self._annotations
        shown: Sequence[int] = range(len(annotations))
        if wanted:
            shown = [
                i
                for i, annotation in enumerate(annotations)
                if any(wanted in tag.casefold() for tag in annotation.tags)
            ]
        entries.show_entries(annotations, shown, self._text_of, self._colour_of)
        self._listed = (annotations, wanted)
        total = len(annotations)
        count = f"{len(shown)}" if len(shown) == total else f"{len(shown)} of {total}"
        self.query_one("#panel-title", Static).update(Text(f"Annotations ({count})", style="bold"))

    @on(Input.Changed, "#panel-filter")
    def _filter_changed(self) -> None:
        self._sync()

    @on(AnnotationList.Chosen)
    def _chosen(self, event: AnnotationList.Chosen) -> None:
        event.stop()
        self.post_message(self.Jump(event.annotation))
