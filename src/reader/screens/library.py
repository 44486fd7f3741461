"""The library: every article in a sortable, filterable table. Enter opens one."""

from __future__ import annotations

import math
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.events import Key
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static
from textual.widgets.data_table import ColumnKey

from reader.articles import ArticleInfo
from reader.errors import ReaderError
from reader.sanitise import safe_line
from reader.screens.dialogs import ChoiceDialog, confirm_choices
from reader.shorttext import clip_line
from reader.widgets.header import HeaderLine, Part
from reader.widgets.keybar import KeyBar
from reader.widgets.toast import notify_replacing
from reader.workspace import Workspace

SCRIPT_LABELS = {"simplified": "简", "traditional": "繁", "mixed": "混", "none": "–", "": ""}
#: keys typed in the filter box that move the table's cursor instead (fzf style)
_TABLE_KEYS_FROM_FILTER = {
    "up": "action_cursor_up",
    "down": "action_cursor_down",
    "pageup": "action_page_up",
    "pagedown": "action_page_down",
}
COLUMNS = (
    ("title", "Title"),
    ("script", "Script"),
    ("chars", "Length"),
    ("minutes", "Read"),
    ("notes", "Notes"),
)


TITLE_MIN_CELLS = 16  # 8 Chinese characters: what is left of 60 columns
#: the other columns' widths: room for their label and the sort arrow
COLUMN_CELLS = {"script": 8, "chars": 8, "minutes": 8, "notes": 7}
#: script + length + reading time + notes columns, their padding and the scrollbar
OTHER_COLUMNS_CELLS = sum(COLUMN_CELLS.values()) + 2 * len(COLUMNS) + 2
#: columns sorted large to small first (a length, a time, a count); the title and script A to Z
DESCENDING_FIRST = ("chars", "minutes", "notes")
#: the sorted column's label ends with its direction
ARROWS = {False: " ▲", True: " ▼"}


def _reading_time(minutes: float) -> str:
    if minutes < 1:
        return "<1 min"
    return f"{math.ceil(minutes)} min"


#: Listed before the first paint if the metadata cache remembers at most this many articles (a stat each).
QUICK_LISTING_MAX = 500


class ArticleTable(DataTable):
    """The list of articles; Enter (shown in the footer) opens the highlighted one.

    Enter is the table's own key, not a priority binding of the screen: a priority binding runs as soon
    as the key arrives, before a Down still waiting in the table's queue, and opened the wrong article.
    It opens the article directly (not through the table's RowSelected message) so that it can run as it
    arrives when no key typed before it is on its way (widgets/typeahead.py): the keys after it go to the
    article.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "screen.open", "Open", id="open", tooltip="Open the highlighted article")
    ]


class FilterInput(Input):
    """The title filter; Enter opens the article the cursor is on (in order after the typed text)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Open", tooltip="Open the highlighted article")
    ]


class LibraryScreen(Screen[None]):
    """Article list. Typing filters by title in any script (红书 finds 紅書)."""

    AUTO_FOCUS = "#library-table"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="filter", tooltip="Filter titles (any script)"),
        Binding(
            "o",
            "cycle_sort",
            "Sort",
            id="sort",
            tooltip="Sort by the next column; again: the other way round",
        ),
        Binding(
            "ctrl+f",
            "app.corpus_search",
            "Search all",
            id="corpus-search",
            priority=True,
            tooltip="Search every article (any script)",
        ),
        Binding(
            "ctrl+t", "app.tags", "Tags", id="tags", priority=True, tooltip="Open the codebook: every tag"
        ),
        Binding(  # not in the key bar (a team project's header shows the sync state): q keeps its place at 80
            "S", "app.sync", "Sync", show=False, id="sync", tooltip="Share annotations with the team (git)"
        ),
        Binding(
            "A", "app.agreement", "Agreement", show=False, id="agreement", tooltip="Agreement between coders"
        ),
        Binding(
            "M", "app.merge", "Merge", show=False, id="merge", tooltip="Merge coders into an agreed version"
        ),
        Binding("q", "app.quit", "Quit", id="quit-library"),
        Binding(
            "ctrl+r",
            "set_aside",
            "Start afresh",
            id="set-aside",
            tooltip="Move the article's damaged annotation file aside and start its annotations afresh",
        ),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self._infos: list[ArticleInfo] = []
        self._listed = False  # a listing (remembered or fresh) has been shown
        self._folded_titles: dict[str, str] = {}
        self._counts: dict[str, int] = {}
        self._sort_column = "title"
        self._sort_reverse = False
        #: `o` chose the sorted column (pressed again, it reverses it)
        self._sorted_by_o = False

    def compose(self) -> ComposeResult:
        # paths and file names are data: safe_line makes control characters (ESC…) visible symbols
        yield HeaderLine(id="library-header")
        # select_on_focus=False: type-to-filter focuses the box *after* inserting the first character,
        # and select-all-on-focus would make the second character replace it.
        yield FilterInput(
            placeholder="Type to filter titles (简/繁 alike) · esc clears",
            select_on_focus=False,
            id="library-filter",
        )
        yield ArticleTable(id="library-table", cursor_type="row", zebra_stripes=True)
        yield Static(Text(""), id="library-detail")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        title_width = self._title_width(self.app.size.width)  # so the first layout needs no second pass
        for key, label in COLUMNS:
            table.add_column(label, key=key, width=title_width if key == "title" else COLUMN_CELLS[key])
        self._label_columns()
        # paths and file names are data: clip_line (in HeaderLine) shows control characters as symbols
        parts = [Part("reader"), Part(str(self.workspace.library.root), shrink=True, keep="end")]
        if self.workspace.read_only:  # the database folder cannot be written
            parts.append(Part("read-only: nothing can be saved", style="bold red"))
        self._header_parts = parts
        self.query_one(HeaderLine).show(*parts)
        table.focus()
        # A loading indicator only if listing takes more than a moment (mounting one costs ~40 ms).
        self._loading_timer = self.set_timer(0.25, self._show_loading)
        # A folder of up to a few hundred articles, few of them new or changed since the metadata cache
        # saw them, is listed here before the first paint (milliseconds, and quicker than a worker that
        # competes with the mounting screen). A larger one shows what the cache remembers at once, and
        # a worker then lists the folder as it is now.
        library = self.workspace.library
        remembered = library.remembered()
        self.set_timer(1.0, self.show_sync_state)  # a team's project: how far from the remote (git, a worker)
        listed = library.list_if_quick() if len(remembered) <= QUICK_LISTING_MAX else None
        if listed is not None:
            self._articles_loaded(listed, self.workspace.store.counts(), self._fold_titles(listed))
            return
        if remembered:
            self._articles_loaded(remembered, self.workspace.store.counts(), {})
        self.load_articles()

    def on_resize(self) -> None:
        """The title column takes what the other columns leave (they are narrow and fixed)."""
        table = self.query_one(DataTable)
        column = table.columns.get(ColumnKey("title")) if table.columns else None
        width = self._title_width(self.size.width)
        if column is not None and column.width != width:
            column.width = width
            table.refresh()

    @staticmethod
    def _title_width(screen_width: int) -> int:
        return max(TITLE_MIN_CELLS, screen_width - OTHER_COLUMNS_CELLS)

    def on_screen_resume(self) -> None:
        # Back from an article: the table has the keys (q quits), even if it was opened from the filter.
        self.query_one(DataTable).focus()
        if self._infos:
            self._counts = self.workspace.store.counts()
            self._fill_table(keep=self._current_id())

    def _show_loading(self) -> None:
        """The timer's callback. Stopping a timer does not recall a tick it has already queued, so a
        listing that arrives just as the timer fires must not be covered by an indicator nothing clears."""
        if not self._listed:
            self.query_one(DataTable).loading = True

    @work(thread=True, exclusive=True, group="library")
    def load_articles(self) -> None:
        counts = self.workspace.store.counts()

        def show(infos: list[ArticleInfo]) -> None:  # the first rows of a long listing, then the rest
            self.app.call_from_thread(self._articles_loaded, infos, counts, self._fold_titles(infos))

        infos = self.workspace.articles(on_batch=None if self._listed else show)
        show(infos)
        self.app.call_from_thread(self.show_sync_state)

    @work(thread=True, exclusive=True, group="sync-state", exit_on_error=False)
    def show_sync_state(self) -> None:
        """The coder and the sync state in the header (nothing outside a team's git repository)."""
        from reader.screens.team import sync_label

        label = sync_label(self.workspace)
        if label:
            team = [Part(self.workspace.coder, style="bold"), Part(label)]
            self.app.call_from_thread(self.query_one(HeaderLine).show, *self._header_parts, *team)

    def _fold_titles(self, infos: list[ArticleInfo]) -> dict[str, str]:
        """Titles in Simplified and case-folded, for filtering and sorting regardless of script."""
        fold = self.workspace.converter.convert
        return {info.id: fold(info.title, "simplified").casefold() for info in infos}

    def _articles_loaded(
        self, infos: list[ArticleInfo], counts: dict[str, int], folded: dict[str, str]
    ) -> None:
        self._infos, self._counts, self._folded_titles = infos, counts, folded
        self._listed = True
        table = self.query_one(DataTable)
        self._loading_timer.stop()
        table.loading = False
        self._fill_table(keep=self._current_id())

    # -- table ----------------------------------------------------------------------------------------
    def _visible(self) -> list[ArticleInfo]:
        query = self.query_one("#library-filter", Input).value.strip()
        infos = self._infos
        if query:
            folded = self.workspace.converter.convert(query, "simplified").casefold()
            infos = [
                i for i in infos if folded in self._folded_titles.get(i.id, "") or folded in i.id.casefold()
            ]
        key = {
            "title": lambda i: self._folded_titles.get(i.id, i.title),
            "script": lambda i: i.script,
            "chars": lambda i: i.chars,
            "minutes": lambda i: i.reading_minutes,
            "notes": lambda i: self._counts.get(i.id, 0),
        }[self._sort_column]
        return sorted(infos, key=key, reverse=self._sort_reverse)

    def _fill_table(self, keep: str | None = None) -> None:
        table = self.query_one(DataTable)
        table.clear()
        rows = []
        for info in self._visible():
            style = "dim" if info.error else ""
            title = Text(safe_line(info.title), style=style, no_wrap=True, overflow="ellipsis")
            if info.error:
                title.append("  ⚠ cannot read", style="dim italic")
            elif self.workspace.store.problem_for(info.id):
                title.append("  ⚠ annotations damaged", style="red italic")
            chars = f"{'' if info.chars_exact else '~'}{info.chars:,}"
            rows.append(
                (
                    title,
                    Text(SCRIPT_LABELS.get(info.script, "?"), style=style, justify="center"),
                    Text(chars, style=style, justify="right"),
                    Text(
                        _reading_time(info.reading_minutes) if not info.error else "",
                        style=style,
                        justify="right",
                    ),
                    Text(str(self._counts.get(info.id, 0) or ""), style=style, justify="right"),
                )
            )
        keys = [info.id for info in self._visible()]
        for key, row in zip(keys, rows, strict=True):
            table.add_row(*row, key=key)
        if keep and keep in keys:
            table.move_cursor(row=keys.index(keep))
        self._show_detail()

    def _current_id(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return row_key.value

    def _show_detail(self) -> None:
        detail = self.query_one("#library-detail", Static)
        article_id = self._current_id()
        info = next((i for i in self._infos if i.id == article_id), None)
        if info is None:
            query = self.query_one("#library-filter", Input).value.strip()
            text = Text(no_wrap=True, overflow="ellipsis")
            if query and not self.query_one(DataTable).row_count:
                text.append("no match", style="bold")
                text.append(f" for {clip_line(query, 24)} · {len(self._infos)} articles · esc clears")
            detail.update(text)
            return
        text = Text(safe_line(info.id), style="bold", no_wrap=True, overflow="ellipsis")
        problem = self.workspace.store.problem_for(info.id)
        if info.error or problem:
            text.append(f"  {safe_line(info.error or problem or '')}", style="red")
        else:
            text.append(f"  {info.paragraphs} paragraphs · {self._counts.get(info.id, 0)} annotations")
        detail.update(text)

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self) -> None:
        self._show_detail()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "set_aside":  # only on a row whose annotation file is damaged
            article_id = self._current_id()
            return article_id is not None and self.workspace.store.problem_for(article_id) is not None
        return True

    def action_set_aside(self) -> None:
        article_id = self._current_id()
        if article_id is None or self.workspace.store.problem_for(article_id) is None:
            return
        title = Text(
            f"Start the annotations of {safe_line(article_id)} afresh? The damaged file is kept, renamed.",
            style="bold",
        )

        def answer(choice: str | None) -> None:
            if choice != "yes":
                return
            try:
                moved = self.workspace.store.set_aside(article_id)
            except ReaderError as exc:
                self.notify(str(exc), title="Not done", severity="error", markup=False)
                return
            self._counts = self.workspace.store.counts()
            self._fill_table(keep=article_id)
            names = ", ".join(p.name for p in moved)
            self.notify(f"Set aside as {names}; {article_id} starts afresh", timeout=4, markup=False)

        self.app.push_screen(ChoiceDialog(title, confirm_choices("Set it aside")), answer)

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open()

    @on(DataTable.HeaderSelected)
    def _header_selected(self, event: DataTable.HeaderSelected) -> None:
        self._sort_by(str(event.column_key.value))

    def _sort_by(self, column: str) -> None:
        """A click on a column's header: sort by it; on the sorted column: the other way round."""
        if column == self._sort_column:
            self._sort_reverse = not self._sort_reverse
        else:
            self._sort_column, self._sort_reverse = column, column in DESCENDING_FIRST
        self._sorted_by_o = False
        self._sorted()

    def action_cycle_sort(self) -> None:
        """`o`: sort by the next column; pressed again, that column the other way round; then the next."""
        column = self._sort_column
        if self._sorted_by_o and self._sort_reverse == (column in DESCENDING_FIRST):
            self._sort_reverse = not self._sort_reverse
        else:
            keys = [key for key, _ in COLUMNS]
            column = keys[(keys.index(column) + 1) % len(keys)]
            self._sort_column, self._sort_reverse = column, column in DESCENDING_FIRST
        self._sorted_by_o = True
        self._sorted()

    def _sorted(self) -> None:
        self._fill_table(keep=self._current_id())
        self._label_columns()
        label = dict(COLUMNS)[self._sort_column]
        message = f"Sorted by {label}{' (descending)' if self._sort_reverse else ''}"
        notify_replacing(self, "sort", message, timeout=1.5)

    def _label_columns(self) -> None:
        """Each column's label; the sorted one's ends with ▲ (A to Z, small to large) or ▼."""
        table = self.query_one(DataTable)
        for key, label in COLUMNS:
            arrow = ARROWS[self._sort_reverse] if key == self._sort_column else ""
            table.columns[ColumnKey(key)].label = Text(label + arrow)
        table.refresh()

    # -- filter ---------------------------------------------------------------------------------------
    def action_filter(self) -> None:
        self.query_one("#library-filter", Input).focus()

    @on(Input.Changed, "#library-filter")
    def _filter_changed(self) -> None:
        self._fill_table()

    @on(Input.Submitted, "#library-filter")
    def _filter_submitted(self) -> None:
        self.action_open()

    def route_key(self, event: Key) -> bool:
        """As a key arrives (widgets/typeahead.py): a printable key on the list that no binding claims starts
        a filter, so the focus moves to the filter box before the key is delivered there, and the keys typed
        after it follow it; Esc in the box clears it (in order with the letters still queued there) and gives
        the list the keys after it."""
        filter_input = self.query_one("#library-filter", Input)
        table = self.query_one(DataTable)
        focused = self.focused
        if (
            focused is table
            and event.is_printable
            and event.character
            and event.key not in self.active_bindings
        ):
            self.set_focus(filter_input, scroll_visible=False)  # q, o, /, ?, x (the app's export) stay keys
        elif focused is filter_input and event.key == "escape":
            filter_input.call_later(setattr, filter_input, "value", "")
            self.set_focus(table, scroll_visible=False)
            return True
        return False

    def on_key(self, event: Key) -> None:
        filter_input = self.query_one("#library-filter", Input)
        if filter_input.has_focus:
            table_action = _TABLE_KEYS_FROM_FILTER.get(event.key)
            if table_action is not None:
                getattr(self.query_one(DataTable), table_action)()
                event.stop()
        elif event.key == "escape" and filter_input.value:  # Esc on the list clears a filter left in place
            filter_input.value = ""
            event.stop()

    # -- open -----------------------------------------------------------------------------------------
    def action_open(self) -> None:
        article_id = self._current_id()
        if article_id is None:
            return
        info = next(i for i in self._infos if i.id == article_id)
        if info.error:
            self.notify(safe_line(info.error), title="Cannot open", severity="error", markup=False)
            return
        problem = self.workspace.store.problem_for(article_id)
        if problem:
            self.notify(
                f"{problem} · ctrl+r starts its annotations afresh",
                title="Cannot open",
                severity="error",
                markup=False,
            )
            return
        from reader.screens.reading import ReadingScreen

        self.app.push_screen(ReadingScreen(self.workspace, info))
