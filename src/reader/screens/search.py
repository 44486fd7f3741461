"""Search the whole corpus in any script (数据 finds 數據); results stream in as they are found.

A thread worker runs `CorpusSearch.search` and posts the hits in batches (every ~50 ms); a new query
cancels the running search. Enter on a result opens the article with the match selected. "whole words"
(``ctrl+o``, or the check box) keeps only matches that are whole words (数据 but not inside 大数据);
``ctrl+l`` codes every match after a review list (``screens/coding.py``), ``ctrl+z`` undoes that.
"""

from __future__ import annotations

from time import monotonic
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Checkbox, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from reader.coding import AppliedCoding, apply_plan, undo_applied
from reader.errors import ReaderError
from reader.sanitise import safe_line
from reader.screens.annotate import parse_tags
from reader.screens.handover import show, tell
from reader.screens.passages import clip, list_width, match_row
from reader.search import CorpusSearch, SearchHit
from reader.shorttext import clip_line, text_cells
from reader.widgets.keybar import KeyBar
from reader.workspace import Workspace

#: seconds between two batches of results posted to the list
BATCH_SECONDS = 0.05
#: results shown at most (the count goes on)
MAX_SHOWN = 2000


class CorpusSearchScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="search.back", tooltip="Close the search"),
        Binding("ctrl+o", "whole_words", "Whole words", id="search.words", tooltip="Whole words only"),
        Binding(
            "ctrl+l", "code_all", "Code all", id="search.code", tooltip="Tag every match (a review first)"
        ),
        Binding("ctrl+z", "undo_coding", "Undo coding", id="search.undo", tooltip="Undo the last coding"),
    ]

    def __init__(self, workspace: Workspace, query: str = "", *, whole_words: bool = False) -> None:
        super().__init__()
        self.workspace = workspace
        self.search_engine = CorpusSearch(workspace)
        self.hits: list[SearchHit] = []
        self.searching = False
        self._generation = 0
        self._initial = query
        self._width = 0  # the list's width its rows were cut to
        self._initial_whole_words = whole_words
        #: what each "code every match" from here saved (ctrl+z undoes the last)
        self.codings: list[AppliedCoding] = []
        #: the title the library shows for an article (its detected title, when known), else the hit's
        self._titles: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        with Horizontal(id="search-bar"):
            yield Input(
                value=self._initial,
                placeholder="Search every article (简/繁 alike)",
                select_on_focus=False,
                id="search-query",
            )
            # Tab reaches it (ctrl+t is the codebook on every screen)
            yield Input(placeholder="tags…", id="search-tags")
            words = "Whole words only (ctrl+o): 数据 but not inside 大数据"
            yield Checkbox("words", self._initial_whole_words, id="search-words", tooltip=words)
            body = "Leave out menus, footers, appended articles"
            yield Checkbox("body only", id="search-body-only", tooltip=body)
        yield Static(Text(""), id="search-status")
        yield OptionList(id="search-results")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#search-query", Input).focus()
        self.call_after_refresh(self._refit)  # the list's width is known after the first layout
        if self._initial:
            self.start_search()

    def on_unmount(self) -> None:
        self._generation += 1  # a running search stops at its next check (its mapped files close with it)

    # -- searching -------------------------------------------------------------------------------------
    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _changed(self) -> None:
        self.start_search()

    @property
    def whole_words(self) -> bool:
        return self.query_one("#search-words", Checkbox).value

    def action_whole_words(self) -> None:
        box = self.query_one("#search-words", Checkbox)
        box.value = not box.value

    def start_search(self) -> None:
        query = self.query_one("#search-query", Input).value
        tags = parse_tags(self.query_one("#search-tags", Input).value)
        whole_words = self.whole_words
        self._generation += 1
        self.hits = []
        self.query_one(OptionList).clear_options()
        if not query.strip():
            self.searching = False
            self._show_status()
            return
        self.searching = True
        self._show_status()
        body_only = self.query_one("#search-body-only", Checkbox).value
        self._search(self._generation, query, tags, whole_words, body_only)

    @work(thread=True, exclusive=True, group="corpus-search", exit_on_error=False)
    def _search(
        self,
        generation: int,
        query: str,
        tags: tuple[str, ...],
        whole_words: bool = False,
        body_only: bool = False,
    ) -> None:
        worker = get_current_worker()
        keep = None
        if body_only:  # the article's body only (reader.analysis: each article analysed once, cached)
            from reader.analysis import BodyFilter

            keep = BodyFilter(self.workspace.analyser).keep

        def cancelled() -> bool:
            return worker.is_cancelled or generation != self._generation

        batch: list[SearchHit] = []
        last = monotonic()
        try:
            titles = self.workspace.analyser.known_titles(self.workspace.articles())
        except (ReaderError, OSError):  # (a damaged corrections file: the files' first lines, then)
            titles = {}
        show(self, setattr, self, "_titles", titles)
        try:
            hits = self.search_engine.search(query, tags=tags, whole_words=whole_words, cancelled=cancelled)
            for hit in hits:
                if keep is not None and not keep(hit.article_id, hit.start, hit.end):
                    continue
                batch.append(hit)
                if monotonic() - last >= BATCH_SECONDS:
                    show(self, self._add_hits, generation, batch, False)
                    batch, last = [], monotonic()
        except ReaderError as exc:
            show(self, self._search_failed, safe_line(str(exc)))
        if not cancelled():
            show(self, self._add_hits, generation, batch, True)

    def _search_failed(self, message: str) -> None:
        self.notify(message, title="Search failed", severity="error", markup=False)

    def _add_hits(self, generation: int, batch: list[SearchHit], done: bool) -> None:
        if generation != self._generation:  # a newer search has started: these are stale
            return
        room = MAX_SHOWN - len(self.hits)
        option_list = self.query_one(OptionList)
        self._refit()
        first = len(self.hits)
        if room > 0:
            option_list.add_options(
                [Option(self._hit_text(hit), id=str(first + i)) for i, hit in enumerate(batch[:room])]
            )
        self.hits.extend(batch)
        if done:
            self.searching = False
        if first == 0 and self.hits and option_list.highlighted is None:
            option_list.highlighted = 0
        self._show_status()

    def _hit_text(self, hit: SearchHit) -> Text:
        """Two rows cut to the list's width with "…" (a newline in the context never breaks a row): the
        title and the tags of the passages around the match, then the match in its context."""
        cells = self._width
        text = Text(no_wrap=True, end="")
        # the tags (at most half the row) before the title gives way
        tags = clip_line(" ".join(f"#{safe_line(tag)}" for tag in hit.tags), cells // 2) if hit.tags else ""
        title = self._titles.get(hit.article_id) or hit.title
        text.append(clip(title, cells - text_cells(tags) - 2 if tags else cells), style="bold")
        if tags:
            text.append("  ")
            text.append(tags, style="bold cyan")
        text.append("\n  ")
        match = match_row(
            hit.before,
            hit.match,
            hit.after,
            cells - 2,
            "bold black on #ffd700",
            cut_before=True,
            cut_after=True,
        )
        text.append_text(match)
        return text

    def on_resize(self) -> None:
        self._refit()

    def _refit(self) -> None:
        """Rows cut to the list's width, again when it changes (known after the first layout)."""
        option_list = self.query_one(OptionList)
        if list_width(option_list) == self._width:
            return
        self._width = list_width(option_list)
        highlighted = option_list.highlighted
        shown = self.hits[:MAX_SHOWN]
        option_list.clear_options()
        option_list.add_options([Option(self._hit_text(hit), id=str(i)) for i, hit in enumerate(shown)])
        option_list.highlighted = highlighted

    def _show_status(self) -> None:
        status = Text(no_wrap=True, overflow="ellipsis")
        if not self.query_one("#search-query", Input).value.strip():
            status.append(
                "Type to search every article; 数据 also finds 數據. Tab: only passages with these tags.",
                style="dim",
            )
        else:
            articles = len({hit.article_id for hit in self.hits})
            count = len(self.hits)
            status.append(f"{count} match{'es' if count != 1 else ''} ")
            status.append(f"in {articles} article{'s' if articles != 1 else ''}")
            if count > MAX_SHOWN:
                status.append(f" (first {MAX_SHOWN} shown)")
            if self.searching:
                status.append("  · searching…", style="bold yellow")
        self.query_one("#search-status", Static).update(status)

    # -- opening ---------------------------------------------------------------------------------------
    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.hits:
            self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _open(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        hit = self.hits[int(event.option.id or 0)]
        try:
            info = self.workspace.library.info(hit.article_id)
        except ReaderError as exc:
            self.notify(safe_line(str(exc)), title="Cannot open", severity="error", markup=False)
            return
        from reader.screens.reading import ReadingScreen

        self.app.push_screen(ReadingScreen(self.workspace, info, select=(hit.start, hit.end)))

    # -- code every match ------------------------------------------------------------------------------
    def action_code_all(self) -> None:
        """Tag every match of the search (those listed: a tag filter applies), after a review."""
        from reader.screens.coding import CodeMatchesScreen

        query = self.query_one("#search-query", Input).value
        if not query.strip():
            self.notify("Type a search first.", markup=False)
            return
        tags = parse_tags(self.query_one("#search-tags", Input).value)
        narrowed = bool(tags) or self.query_one("#search-body-only", Checkbox).value
        if narrowed and self.searching:
            self.notify("Wait for the search to finish: only its matches are coded.", markup=False)
            return
        keep = {(h.article_id, h.start, h.end) for h in self.hits} if narrowed else None
        screen = CodeMatchesScreen(self.workspace, query, whole_words=self.whole_words, keep=keep)
        self.app.push_screen(screen, self._code)

    def _code(self, draft) -> None:  # CodingDraft | None (imported with the screen)
        if draft is not None:
            self._coding(
                self.app, lambda: apply_plan(self.workspace, draft.plan, tags=draft.tags, note=draft.note)
            )

    def action_undo_coding(self) -> None:
        if not self.codings:
            self.notify("No coding to undo.", markup=False)
            return
        applied = self.codings.pop()
        self._coding(self.app, lambda: undo_applied(self.workspace, applied))

    @work(thread=True, group="coding", exit_on_error=False)
    def _coding(self, app: App[object], change) -> None:
        """Save a coding (or undo one) off the UI thread, then search again: the results show the tags.
        (``app`` taken on the UI thread: how it went is said even if the search is closed meanwhile.)"""
        try:
            result = change()
        except ReaderError as exc:
            tell(app, safe_line(str(exc)), title="Not coded", severity="error")
            return
        if not show(self, self._coded, result):
            tell(app, self._coded_message(result, undoable=False))  # (the search, and its ctrl+z, closed)

    def _coded(self, result: AppliedCoding | int) -> None:
        if isinstance(result, AppliedCoding):
            self.codings.append(result)
        self.notify(self._coded_message(result), markup=False)
        self.start_search()

    @staticmethod
    def _coded_message(result: AppliedCoding | int, *, undoable: bool = True) -> str:
        if isinstance(result, AppliedCoding):
            count = len(result.annotations)
            articles = len({a.article_id for a in result.annotations})
            message = f"Coded {count} match{'es' if count != 1 else ''} in {articles} article"
            return message + f"{'s' if articles != 1 else ''}" + (" · ctrl+z undoes" if undoable else "")
        return f"Undid the coding of {result} match{'es' if result != 1 else ''}"

    def action_back(self) -> None:
        self.dismiss()
