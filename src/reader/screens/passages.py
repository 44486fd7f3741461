"""Every passage with the chosen tags across the corpus, in reading order, and an overview of them.

A tag also matches its sub-tags (``framing`` finds ``framing/economy``). Enter opens the article at the
passage (Esc there comes back to the same row); `e` edits the passage's tags and note; `o` toggles the
overview: passages per tag as bars, and a tag × article grid of counts.
"""

from __future__ import annotations

from collections import Counter
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.color import Color
from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import ContentSwitcher, DataTable, OptionList, Static
from textual.widgets.option_list import Option

from reader.articles import ArticleInfo
from reader.colors import hex_for
from reader.convert import VIEW_LABELS, VIEWS
from reader.errors import ConflictError, ReaderError
from reader.passages import CONTEXT, PassageEntry
from reader.sanitise import safe_line
from reader.screens.annotate import AnnotateDialog, AnnotationDraft
from reader.screens.conflict import ask_about_conflict
from reader.screens.handover import show, tell
from reader.shorttext import clip_line, fit_context, text_cells
from reader.tags import under_any_alike
from reader.widgets.header import HeaderLine, Part
from reader.widgets.keybar import KeyBar
from reader.workspace import Workspace

BAR_CELLS = 40
#: a tag's label in the overview is cut to this many cells
TAG_CELLS = 24
_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(value: int, maximum: int, cells: int = BAR_CELLS) -> str:
    """A horizontal bar of `value` out of `maximum`, `cells` wide at most, in eighths of a cell."""
    if maximum <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value * cells * 8 / maximum))
    return "█" * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")


#: article titles in lists are cut to this many cells (a title is an article's first line: it can be long)
TITLE_CELLS = 80


def clip(text: str, cells: int = TITLE_CELLS) -> str:
    """`text` on one safe line, cut to at most `cells` terminal cells, with "…" if cut (``clip_line``)."""
    return clip_line(text, cells)


def match_row(
    before: str, match: str, after: str, cells: int, match_style: str, *, cut_before: bool, cut_after: bool
) -> Text:
    """A match (or passage) with its context on one row of `cells` cells, the match styled, the context
    dim and cut with "…" on its outer sides (``shorttext.fit_context``: a newline never breaks the row)."""
    shown = fit_context(before, match, after, cells, cut_before=cut_before, cut_after=cut_after)
    before, match, after = shown
    return Text.assemble((before, "dim"), (match, match_style), (after, "dim"), no_wrap=True, end="")


def list_width(option_list: OptionList) -> int:
    """Cells a row of `option_list` has (its options have a cell of padding each side)."""
    return max((option_list.scrollable_content_region.width or option_list.app.size.width - 4) - 2, 10)


class PassagesScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit", "Edit", id="passages.edit", tooltip="Edit the passage's tags and note"),
        Binding("o", "overview", "Overview", id="passages.overview", tooltip="Bars and a tag × article grid"),
        Binding(
            "s",
            "cycle_view",
            "Script",
            id="passages.view",
            tooltip="Passages in original → 简体 → 繁體 → 臺灣 → 香港",
        ),
        Binding("escape", "back", "Back", id="passages.back", tooltip="Close the passages list"),
    ]

    def __init__(
        self,
        workspace: Workspace,
        tags: tuple[str, ...],
        *,
        articles: tuple[str, ...] = (),
        view: str = "original",
    ) -> None:
        super().__init__()
        self.workspace = workspace
        self.tags = tags
        self.articles = articles
        self.view = view
        self.entries: list[PassageEntry] = []
        self._width = 0  # the list's width when its rows were cut
        #: set when an article is opened from here: coming back, the list is re-read (it may have changed)
        self._reload_on_resume = False

    def compose(self) -> ComposeResult:
        yield HeaderLine(id="passages-header")
        with ContentSwitcher(initial="passages-list", id="passages-switcher"):
            yield OptionList(id="passages-list")
            with VerticalScroll(id="passages-overview"):
                yield Static(Text(""), id="passages-bars")
                yield DataTable(id="passages-grid", cursor_type="cell", zebra_stripes=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.query_one(HeaderLine).show(Part("Reading the passages…", style="bold"))
        self.load()

    def on_screen_resume(self) -> None:
        if self._reload_on_resume:
            self._reload_on_resume = False
            self.load(keep=self.current())

    # -- loading ---------------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="passages", exit_on_error=False)
    def load(self, keep: PassageEntry | None = None) -> None:
        entries = self.workspace.passages(self.tags, self.articles, self.view)
        show(self, self._fill, entries, keep)

    def _fill(self, entries: list[PassageEntry], keep: PassageEntry | None) -> None:
        self.entries = entries
        option_list = self.query_one(OptionList)
        old = option_list.highlighted
        option_list.clear_options()
        self._width = self._fitted_width()
        option_list.add_options(
            [Option(self._entry_text(entry), id=str(index)) for index, entry in enumerate(entries)]
        )
        if entries:
            index = 0
            if keep is not None:
                ids = [e.annotation.id for e in entries]
                wanted = keep.annotation.id
                index = ids.index(wanted) if wanted in ids else min(old or 0, len(entries) - 1)
            option_list.highlighted = index
        articles = len({e.info.id for e in entries})
        parts = [
            Part("Passages tagged " + " or ".join(safe_line(tag) for tag in self.tags), "bold", shrink=True),
            Part(f"{len(entries)} in {articles} article{'s' if articles != 1 else ''}"),
            Part(VIEW_LABELS.get(self.view, self.view)),
        ]
        if self.articles:
            parts.append(Part(f"only {len(self.articles)} article(s)"))
        self.query_one(HeaderLine).show(*parts)
        self._fill_overview()

    def _entry_text(self, entry: PassageEntry) -> Text:
        """Three rows, each cut to the list's width with "…": the title, the passage in its context, the
        tags and the note."""
        cells = self._width
        text = Text(no_wrap=True, end="")
        text.append("▌", style=entry.color)
        text.append(clip(entry.info.title, cells - 1), style="bold")
        text.append("\n  ")
        orphan = "  (orphan: quote not found)" if entry.annotation.status == "orphan" else ""
        text.append_text(
            match_row(
                entry.before,
                entry.passage,
                entry.after,
                cells - 2 - len(orphan),
                f"bold on {entry.color}",
                cut_before=len(entry.before) == CONTEXT,
                cut_after=len(entry.after) == CONTEXT,
            )
        )
        if orphan:
            text.append(orphan, style="bold red")
        text.append("\n  ")
        room = cells - 2
        tags = clip_line(" ".join(f"#{safe_line(tag)}" for tag in entry.annotation.tags), room)
        text.append(tags, style="bold")
        note = entry.annotation.note
        rest = room - text_cells(tags) - (2 if tags else 0)
        if note and rest > 1:
            text.append("  " if tags else "")
            text.append(clip_line(note, rest), style="italic dim")
        return text

    def on_resize(self) -> None:
        """The rows are cut to the list's width: again when it changes."""
        option_list = self.query_one("#passages-list", OptionList)
        if self.entries and list_width(option_list) != self._width:
            self._fill(self.entries, self.current())

    def _fitted_width(self) -> int:
        """The list's width (known after the first layout: a fill before it is fitted again after it)."""
        option_list = self.query_one("#passages-list", OptionList)
        if not option_list.scrollable_content_region.width:
            self.call_after_refresh(self.on_resize)
        return list_width(option_list)

    def current(self) -> PassageEntry | None:
        index = self.query_one(OptionList).highlighted
        return self.entries[index] if index is not None and 0 <= index < len(self.entries) else None

    # -- overview --------------------------------------------------------------------------------------
    def tag_counts(self) -> Counter[str]:
        """Passages per tag, over every tag on the listed passages (the chosen ones first)."""
        counts: Counter[str] = Counter()
        for entry in self.entries:
            counts.update(set(entry.annotation.tags))
        return counts

    def _fill_overview(self) -> None:
        counts = self.tag_counts()
        tags = sorted(counts, key=lambda t: (not under_any_alike(t, self.tags), -counts[t], t))[:30]
        shown = {tag: safe_line(tag) for tag in tags}
        bars = Text()
        width = min(max([cell_len(t) for t in shown.values()] + [4]), TAG_CELLS)
        maximum = max(counts.values(), default=0)
        colors = {tag: hex_for(self.workspace.codebook.color_of(tag)) for tag in tags}
        bars.append("Passages per tag\n", style="bold")
        room = self.app.size.width - width - 8  # the label, the count, the padding
        for tag in tags:
            bars.append(set_cell_size(clip_line(shown[tag], width), width) + " ")
            bars.append(bar(counts[tag], maximum, max(min(BAR_CELLS, room), 4)), style=colors[tag])
            bars.append(f" {counts[tag]}\n")
        bars.append("\nTag × article (passages)", style="bold")
        self.query_one("#passages-bars", Static).update(bars)

        table = self.query_one("#passages-grid", DataTable)
        table.clear(columns=True)
        articles: dict[str, ArticleInfo] = {}
        for entry in self.entries:
            articles.setdefault(entry.info.id, entry.info)
        grid: Counter[tuple[str, str]] = Counter()
        for entry in self.entries:
            for tag in set(entry.annotation.tags):
                grid[tag, entry.info.id] += 1
        table.add_column(Text("tag"), key="tag")
        for number, info in enumerate(articles.values(), 1):
            short_title = set_cell_size(safe_line(info.title), 10).rstrip()
            table.add_column(Text(f"{number}·{short_title}"), key=info.id)
        top = max(grid.values(), default=0)
        for tag in tags[:15]:
            cells: list[Text] = [Text(shown[tag], style="bold")]
            for article_id in articles:
                value = grid.get((tag, article_id), 0)
                cells.append(self._shade(value, top, colors[tag]))
            table.add_row(*cells, key=tag)

    @staticmethod
    def _shade(value: int, top: int, color: str) -> Text:
        """A count on a background from dark (few) to the tag's colour (most)."""
        if not value:
            return Text("·", style="dim", justify="center")
        rgb = Color.parse(color).get_truecolor()
        share = 0.3 + 0.7 * value / top
        red, green, blue = (int(c * share) for c in (rgb.red, rgb.green, rgb.blue))
        return Text(f" {value} ", style=f"bold white on rgb({red},{green},{blue})", justify="center")

    def action_cycle_view(self) -> None:
        self.view = VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)]
        self.load(keep=self.current())

    def action_overview(self) -> None:
        switcher = self.query_one(ContentSwitcher)
        switcher.current = "passages-overview" if switcher.current == "passages-list" else "passages-list"
        target = "#passages-grid" if switcher.current == "passages-overview" else "#passages-list"
        self.query_one(target).focus()

    # -- open and edit ----------------------------------------------------------------------------------
    @on(OptionList.OptionSelected, "#passages-list")
    def _open(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        entry = self.entries[int(event.option.id or 0)]
        from reader.screens.reading import ReadingScreen

        annotation = entry.annotation
        select = None if annotation.status == "orphan" else (annotation.start, annotation.end)
        self._reload_on_resume = True
        self.app.push_screen(ReadingScreen(self.workspace, entry.info, select=select))

    def action_edit(self) -> None:
        entry = self.current()
        if entry is None:
            return
        annotation = entry.annotation

        def save(draft: AnnotationDraft | None) -> None:
            if draft is not None:
                self._save(self.app, entry, draft)

        dialog = AnnotateDialog.editing(annotation, entry.passage, self.workspace.known_tags())
        self.app.push_screen(dialog, save)

    @work(thread=True, group="passages-save", exit_on_error=False)
    def _save(self, app: App[object], entry: PassageEntry, draft: AnnotationDraft) -> None:
        """(``app`` taken on the UI thread: how the save went is said even if the list is closed.)"""
        try:
            self.workspace.edit(entry.annotation, tags=draft.tags, note=draft.note, color=draft.color)
        except ConflictError as conflict:  # another copy of reader saved it meanwhile: ask

            def done(message: str) -> None:
                self.notify(message, timeout=1.5, markup=False)
                self.load(entry)

            app.call_from_thread(ask_about_conflict, self, self.workspace, conflict, done)
            return
        except ReaderError as exc:
            tell(app, safe_line(str(exc)), title="Not saved", severity="error")
            return
        tell(app, "Saved", timeout=1.5)
        show(self, self.load, entry)

    def action_back(self) -> None:
        self.dismiss()
