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
from reader.shorttext import clip_line, text_cells
from reader.store import Annotation
from reader.tags import contains_alike
from reader.widgets.wrapped import wrapped_lines

__all__ = ["NOTE_LINES", "AnnotationList", "AnnotationPanel", "entry_lines", "entry_rows"]

#: a note shows at most this many lines (wrapped with the document's rules, the last cut with "…")
NOTE_LINES = 3
NOTE_INDENT = "  "

TextOf = Callable[[Annotation], str]
ColourOf = Callable[[Annotation], str]


def note_rows(note: str, width: int) -> int:
    """Rows a note takes in a panel `width` cells wide (1 to NOTE_LINES)."""
    if not note:
        return 0
    room = width - len(NOTE_INDENT)
    if "\n" not in note and 2 * len(note) <= room:  # fits whatever its characters (the usual short note)
        return 1
    return len(wrapped_lines(note, width, NOTE_LINES, indent=NOTE_INDENT))


def entry_rows(annotation: Annotation, width: int) -> int:
    """Rows an entry takes: the passage, then its tags (and coder, if another's) and its note if it has
    them."""
    return 1 + bool(annotation.tags or annotation.creator) + note_rows(annotation.note, width)


def entry_lines(annotation: Annotation, text: str, colour: str, width: int) -> list[list[Segment]]:
    """The rows of one entry as segments, each at most `width` cells (text is data, never markup): the
    passage on one row, the tags on one, the note wrapped like the document (no line starts with 。) under
    an indent, cut with "…" on its last row if longer."""
    colour = colour.partition("|")[0]  # "#rrggbb|underline": a coder's colour and mark (reader.team)
    marker = Segment("▌", Style.parse(colour) if colour else Style())
    orphan = "  (orphan: quote not found)" if annotation.status == "orphan" else ""
    passage = clip_line(text, max(width - 1 - text_cells(orphan), 1))
    first = [marker, Segment(passage)]
    if orphan:
        first.append(Segment(orphan, Style(bold=True, color="red")))
    rows = [first]
    if annotation.tags or annotation.creator:  # another coder's annotation carries their name
        coder = f"  — {safe_line(annotation.creator, 30)}" if annotation.creator else ""
        room = max(width - 1 - text_cells(coder), 1)
        tags = clip_line(" ".join(f"#{safe_line(tag)}" for tag in annotation.tags), room)
        row = [Segment(" "), Segment(tags, Style(bold=True))]
        rows.append([*row, Segment(coder, Style(dim=True))] if coder else row)
    if annotation.note:
        lines = wrapped_lines(annotation.note, width, NOTE_LINES, indent=NOTE_INDENT)
        rows.extend([Segment(line, Style(italic=True, dim=True))] for line in lines)
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
        Binding("t", "filter", "Tag filter", id="panel.filter", tooltip="Filter the annotations by tag"),
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
        self._width = 0  # the width the rows were counted for
        self.highlighted: int | None = None
        """The highlighted entry: an index into :attr:`shown_ids`."""
        self.empty_text = ""
        """What the list says when it lists nothing ("no match for …")."""

    # -- content

    def show_entries(
        self, annotations: Sequence[Annotation], shown: Sequence[int], text_of: TextOf, colour_of: ColourOf
    ) -> None:
        """List ``annotations[i]`` for each i in `shown`; the highlighted annotation stays if still listed."""
        keep = self.highlighted_annotation
        self._annotations, self._shown = annotations, shown
        self._count_rows()
        self.set_view(text_of, colour_of)
        self.highlighted = 0 if shown else None
        if keep is not None and shown:  # (a filter that keeps nothing highlights nothing)
            self.highlighted = next((n for n, i in enumerate(shown) if annotations[i] is keep), None)
            if self.highlighted is None:  # the same annotation, re-read after a change
                self.highlighted = next((n for n, i in enumerate(shown) if annotations[i].id == keep.id), 0)
        self.virtual_size = Size(self.scrollable_content_region.width, self._tops[-1])
        self._scroll_to_highlighted()

    def _count_rows(self) -> None:
        """Where each entry starts (its rows depend on the width: a long note wraps)."""
        width = self._width = self._row_width()
        annotations, shown = self._annotations, self._shown
        listed = annotations if len(shown) == len(annotations) else [annotations[i] for i in shown]
        self._tops = list(accumulate((entry_rows(annotation, width) for annotation in listed), initial=0))

    def _row_width(self) -> int:
        return self.scrollable_content_region.width or 40

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
            text, colour = self._text_of(annotation), self._colour_of(annotation)
            rows = entry_lines(annotation, text, colour, self._width)
            self._rows[key] = rows
        return rows

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        row = round(self.scroll_y) + y
        base = self.rich_style
        if not 0 <= row < self._tops[-1]:
            if row == 0 and self.empty_text:
                return _fit([Segment(self.empty_text, Style(dim=True))], width, base)
            return Strip.blank(width, base)
        entry = bisect_right(self._tops, row) - 1
        style = base
        if entry == self.highlighted:
            style = base + self.get_component_rich_style("annotation-list--highlighted", partial=True)
        return _fit(self._entry_rows(entry)[row - self._tops[entry]], width, style)

    def on_resize(self) -> None:
        if self._row_width() != self._width:  # notes wrap anew
            self._count_rows()
            self._version += 1
            self._rows.clear()
            self._scroll_to_highlighted()
        self.virtual_size = Size(self.scrollable_content_region.width, self._tops[-1])

    def action_filter(self) -> None:
        """`t`: to the panel's tag filter."""
        panel = next((node for node in self.ancestors if isinstance(node, AnnotationPanel)), None)
        if panel is not None:
            panel.focus_filter()


class TagFilter(Input):
    """The panel's tag filter: ↑↓, page keys and Enter act on the list (fzf style), Esc goes back to it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "to_list", "List", id="panel.filter.back", tooltip="Back to the annotations"),
        Binding("down", "to_list", show=False),
        Binding("enter", "to_list", "List", show=False),
    ]

    def action_to_list(self) -> None:
        self.screen.set_focus(self.parent.query_one(AnnotationList) if self.parent else None)


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
        yield TagFilter(placeholder="t: filter by tag", id="panel-filter")
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

    def focus_filter(self) -> None:
        """The tag filter takes the keys (`t` in the list)."""
        self.screen.set_focus(self.query_one("#panel-filter", Input))

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
        return self.query_one("#panel-filter", Input).value.strip()

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
            # 简 and 繁 alike (社會 finds 框架/社会): each distinct tag is folded once, not each annotation's
            alike = {tag for tag in {t for a in annotations for t in a.tags} if contains_alike(tag, wanted)}
            shown = [i for i, annotation in enumerate(annotations) if not alike.isdisjoint(annotation.tags)]
        entries.empty_text = self._empty_text(wanted)
        entries.show_entries(annotations, shown, self._text_of, self._colour_of)
        self._listed = (annotations, wanted)
        total = len(annotations)
        count = f"{len(shown)}" if len(shown) == total else f"{len(shown)} of {total}"
        self.query_one("#panel-title", Static).update(Text(f"Annotations ({count})", style="bold"))

    def _empty_text(self, wanted: str) -> str:
        if wanted:
            return f"no match for {clip_line(wanted, 20)}"
        return "none yet: select a passage (v, or shift+arrows) and press a"

    @on(Input.Changed, "#panel-filter")
    def _filter_changed(self) -> None:
        self._sync()

    @on(AnnotationList.Chosen)
    def _chosen(self, event: AnnotationList.Chosen) -> None:
        event.stop()
        self.post_message(self.Jump(event.annotation))
