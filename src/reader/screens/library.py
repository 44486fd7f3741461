"""The library: every article in a sortable, filterable table. Enter opens one.

The table's columns and rows are ``screens/library_table.py`` (``LibraryTable``, this screen's base), the
facts detected per article ``screens/library_facts.py``, ``+`` (reader add) ``screens/adding.py``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.events import Key
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from reader.articles import ArticleInfo
from reader.errors import ReaderError
from reader.sanitise import safe_line
from reader.screens.dialogs import ChoiceDialog, confirm_choices
from reader.screens.handover import show
from reader.screens.library_facts import ArticleFacts, collect_facts
from reader.screens.library_table import LibraryTable
from reader.widgets.header import HeaderLine, Part
from reader.widgets.keybar import KeyBar
from reader.workspace import Workspace

if TYPE_CHECKING:
    from reader.screens.adding import ArticleAdding

#: keys typed in the filter box that move the table's cursor instead (fzf style)
_TABLE_KEYS_FROM_FILTER = {
    "up": "action_cursor_up",
    "down": "action_cursor_down",
    "pageup": "action_page_up",
    "pagedown": "action_page_down",
}


#: Listed before the first paint if the metadata cache remembers at most this many articles (a stat each).
QUICK_LISTING_MAX = 500
#: seconds from the first paint of the list until its facts are collected: the worker's imports and reads
#: would otherwise compete with writing that paint to the terminal (start-up, issue 10)
FIRST_FACTS_DELAY = 0.2


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


class LibraryScreen(LibraryTable):
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
        Binding("plus", "add_articles", "Add", id="add-articles", tooltip="Add web pages, EPUB, DOCX, PDF"),
        # after Quit and Add: at 80 columns the key bar keeps Quit and cuts this (help lists it)
        Binding("w", "app.words", "Words", id="words", tooltip="The most frequent words (简/繁 merged)"),
        Binding(
            "ctrl+r",
            "set_aside",
            "Start afresh",
            id="set-aside",
            tooltip="Move the article's damaged annotation file aside and start its annotations afresh",
        ),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__(workspace)
        self._listed = False  # a listing (remembered or fresh) has been shown
        self._facts_progress = ""
        #: `+`: adding articles (created when first used: its module is not imported at start-up)
        self._adding: ArticleAdding | None = None
        self._select_after_listing: str | None = None
        self._team_parts: list[Part] = []
        self._facts_started = False

    def compose(self) -> ComposeResult:
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

    def show_header(self) -> None:
        """The folder, read-only, the team's sync state and work in progress (facts, ``+``'s progress)."""
        # paths and file names are data: clip_line (in HeaderLine) shows control characters as symbols
        parts = [Part("reader"), Part(str(self.workspace.library.root), shrink=True, keep="end")]
        if self.workspace.read_only:  # the database folder cannot be written
            parts.append(Part("read-only: nothing can be saved", style="bold red"))
        parts += self._team_parts  # the coder and the sync state, in a team's repository
        adding = self._adding.progress if self._adding is not None else ""
        parts += [Part(work, style="bold yellow") for work in (self._facts_progress, adding) if work]
        self.query_one(HeaderLine).show(*parts)

    def on_mount(self) -> None:
        self._add_columns()
        self.show_header()
        self.query_one(DataTable).focus()
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

    def on_screen_resume(self) -> None:
        # Back from an article: the table has the keys (q quits), even if it was opened from the filter.
        self.query_one(DataTable).focus()
        if self._infos:
            self._counts = self.workspace.store.counts()
            self._fill_table(keep=self._current_id())
        if self._team_parts:  # a team's project: what was saved meanwhile is unsynced (not "up to date")
            self.show_sync_state()

    def _show_loading(self) -> None:
        """The timer's callback. Stopping a timer does not recall a tick it has already queued, so a
        listing that arrives just as the timer fires must not be covered by an indicator nothing clears."""
        if not self._listed:
            self.query_one(DataTable).loading = True

    @work(thread=True, exclusive=True, group="library")
    def load_articles(self) -> None:
        counts = self.workspace.store.counts()

        def listed(infos: list[ArticleInfo]) -> None:  # the first rows of a long listing, then the rest
            # (a listing overtaken by a newer one, cancelled, is dropped: its older list came last)
            show(self, self._articles_loaded, infos, counts, self._fold_titles(infos))

        infos = self.workspace.articles(on_batch=None if self._listed else listed)
        listed(infos)
        show(self, self.show_sync_state)

    @work(thread=True, exclusive=True, group="sync-state", exit_on_error=False)
    def show_sync_state(self) -> None:
        """The coder and the sync state in the header (nothing outside a team's git repository)."""
        from reader.screens.team import sync_label

        label = sync_label(self.workspace)
        if label:
            team = [Part(self.workspace.coder, style="bold"), Part(label)]
            show(self, self._show_team, team)

    def _show_team(self, team: list[Part]) -> None:
        self._team_parts = team
        self.show_header()

    def _fold_titles(self, infos: list[ArticleInfo]) -> dict[str, str]:
        """Titles in Simplified and case-folded, for filtering and sorting regardless of script."""
        folded = self.workspace.title_folds.fold(info.title for info in infos)  # (known ones: no OpenCC)
        return {info.id: folded[info.title] for info in infos}

    def _articles_loaded(
        self, infos: list[ArticleInfo], counts: dict[str, int], folded: dict[str, str]
    ) -> None:
        self._infos, self._counts, self._folded_titles = infos, counts, folded
        self._listed = True
        table = self.query_one(DataTable)
        self._loading_timer.stop()
        table.loading = False
        keep, self._select_after_listing = self._select_after_listing or self._current_id(), None
        self._fill_table(keep=keep)
        # after the first paint, never before it; the first time a moment later, once that paint has
        # reached the terminal (the worker's imports are ~40 ms)
        delay = 0.0 if self._facts_started else FIRST_FACTS_DELAY
        self._facts_started = True
        self.call_after_refresh(self._collect_facts, infos, delay)

    # -- what the structure cache knows (library_facts) -----------------------------------------------
    @work(thread=True, exclusive=True, group="library-facts", exit_on_error=False)
    def _collect_facts(self, infos: list[ArticleInfo], delay: float = 0.0) -> None:
        worker = get_current_worker()
        time.sleep(delay)  # a worker from the start (waited for like any other), idle until then
        self.workspace.title_folds.save()  # new titles' folds, for the next start-up's first paint

        def deliver(facts: dict[str, ArticleFacts], done: int, total: int) -> None:
            show(self, self._facts_arrived, facts, done, total)

        collect_facts(self.workspace, infos, deliver, lambda: worker.is_cancelled)

    def _facts_arrived(self, facts: dict[str, ArticleFacts], done: int, total: int) -> None:
        self._facts.update(facts)
        self._show_web_columns()
        self._facts_progress = f"analysing {done:,}/{total:,}" if done < total else ""
        self.show_header()
        if done < total:  # only the rows of this batch change; the order waits for the end
            self._update_rows(facts)
            return
        table = self.query_one(DataTable)
        at_top = table.cursor_row == 0  # the user has not moved: the top row stays the one highlighted
        self._fill_table(keep=None if at_top else self._current_id())
        if at_top and table.row_count:
            table.move_cursor(row=0)

    def _update_rows(self, facts: dict[str, ArticleFacts]) -> None:
        table = self.query_one(DataTable)
        infos = {info.id: info for info in self._infos}
        for article_id in facts:
            if article_id in table.rows and article_id in infos:
                for key, cell in zip(table.columns, self._row(infos[article_id]), strict=True):
                    table.update_cell(article_id, key, cell)

    # -- table ----------------------------------------------------------------------------------------
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

    # -- reader add (screens/adding.py) ---------------------------------------------------------------
    def action_add_articles(self) -> None:
        from reader.screens.adding import ArticleAdding

        if self._adding is None:
            self._adding = ArticleAdding(self)
        self._adding.prompt()

    def articles_added(self, first: str | None) -> None:
        """After ``+``: list the folder again, with the cursor on the first article added (if any)."""
        self._select_after_listing = first
        self.load_articles()

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
