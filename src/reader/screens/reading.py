"""The reading screen: one article in any script view, with highlights, tagging, a side panel and undo."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Input, Static
from textual.worker import Worker, WorkerState, get_current_worker

from reader.articles import Article, ArticleInfo
from reader.convert import VIEW_LABELS, VIEWS, ViewText
from reader.errors import ConflictError, ReaderError
from reader.layout import Layout, wrap_text
from reader.passages import PassageView
from reader.sanitise import safe_line
from reader.screens.annotate import AnnotateDialog, AnnotationDraft
from reader.screens.conflict import ask_about_conflict
from reader.search import Match, find_in_text, fold
from reader.store import Annotation
from reader.widgets.document import DocumentView, Highlight
from reader.widgets.panel import AnnotationPanel, PanelEntry
from reader.workspace import Workspace

#: how often (seconds) a changed reading position is written to the store
POSITION_SAVE_INTERVAL = 3.0
#: seconds after an article is shown before the other views are converted and wrapped in the background
PREFETCH_DELAY = 0.5
#: characters past the reading position wrapped before a long article is first shown (a few screens)
FIRST_PART_CHARS = 6_000


@dataclass(frozen=True)
class UndoStep:
    """What to put back: the annotation as it was before a delete or an edit."""

    kind: str  # "delete" | "edit" | "add"
    before: Annotation | None
    after: Annotation | None


class SearchInput(Input):
    """The in-article search box: Enter / ↓ next match, ↑ previous, Esc closes (and clears the matches)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,shift+enter", "screen.search_next", "Next", show=False, id="search.next"),
        Binding("up", "screen.search_previous", "Previous", show=False, id="search.previous"),
        Binding("escape", "screen.close_search", "Close", show=False, id="search.close"),
    ]


class ReadingScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "s", "cycle_view", "Script", id="cycle-view", tooltip="Cycle original → 简体 → 繁體 → 臺灣 → 香港"
        ),
        Binding("a", "annotate", "Annotate", id="annotate", tooltip="Highlight and tag the selection"),
        Binding("e", "edit", "Edit", id="edit", tooltip="Edit the highlight under the cursor"),
        Binding("d", "delete", "Delete", id="delete", tooltip="Delete the highlight under the cursor"),
        Binding("u", "undo", "Undo", id="undo", tooltip="Undo the last add, edit or delete"),
        Binding("p", "toggle_panel", "Panel", id="panel", tooltip="Show/hide this article's annotations"),
        Binding("n", "next_highlight", "Next hl", id="next-highlight", tooltip="Jump to the next highlight"),
        Binding(
            "N",
            "previous_highlight",
            "Prev hl",
            show=False,
            id="prev-highlight",
            tooltip="Jump to the previous highlight",
        ),
        Binding("slash", "open_search", "Find", id="find", tooltip="Find in this article (any script)"),
        Binding("f3", "search_next", "Next match", show=False, id="find-next", tooltip="Next search match"),
        Binding(
            "shift+f3", "search_previous", "Prev match", show=False, id="find-prev", tooltip="Previous match"
        ),
        Binding("escape", "back", "Library", id="back", tooltip="Back to the library"),
    ]

    def __init__(
        self, workspace: Workspace, info: ArticleInfo, *, select: tuple[int, int] | None = None
    ) -> None:
        """`select`: a range of the original text to open at, selected (a passage, a search match)."""
        super().__init__()
        self.workspace = workspace
        self.info = info
        self._initial_selection = select
        #: search matches in the original text, and the index of the current one
        self.search_matches: list[Match] = []
        self.search_current: int | None = None
        self._folded: str | None = None
        self.article: Article | None = None
        self.view_text: ViewText | None = None
        self.view_name = "original"
        #: the view a conversion is running for, so that pressing `s` quickly steps through the views
        self._pending_view: str | None = None
        #: views wrapped in workers ahead of time, by (view, wrap width): switching is then instant
        self._layouts: dict[tuple[str, int], Layout] = {}
        #: set once the article has been painted the first time (the loader waits for it)
        self._first_paint = threading.Event()
        self.annotations: list[Annotation] = []
        self.undo_stack: list[UndoStep] = []
        self._saved_position: tuple[int, str] | None = None
        #: the last position seen, for on_unmount (by then the DocumentView is gone and cannot be asked)
        self._last_position: tuple[int, str] | None = None

    # -- layout ---------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(Text(safe_line(self.info.title)), id="reading-header")
        with Horizontal(id="reading-body"):
            yield DocumentView(id="document")
            yield AnnotationPanel(id="panel", classes="hidden")
        with Horizontal(id="reading-search", classes="hidden"):
            yield SearchInput(placeholder="find (简/繁 alike) · enter/↓ next · ↑ previous · esc closes")
            yield Static(Text(""), id="reading-search-count")
        yield Footer()

    def on_mount(self) -> None:
        document = self.query_one(DocumentView)
        document.focus()
        # A loading indicator only if opening takes more than a moment (mounting one costs ~40 ms).
        self._loading_timer = self.set_timer(0.2, self._show_loading)
        self.load_article()
        self.set_interval(POSITION_SAVE_INTERVAL, self.save_position)

    def on_unmount(self) -> None:
        self.save_position()

    # -- loading and views ----------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def load_article(self) -> None:
        try:
            article = self.workspace.load(self.info.id)
            state = self.workspace.reading_state(self.info.id)
            view = state.view if state and state.view in VIEWS else "original"
            view_text = self.workspace.view(article, view)
            annotations = self.workspace.annotations(article)
        except ReaderError as exc:
            self.app.call_from_thread(self._load_failed, str(exc))
            return
        position = state.position if state else 0
        # A long article is shown as soon as the part around where reading resumes is wrapped; the rest
        # is wrapped next and swapped in (same lines, more of them).
        resume = self._initial_selection[0] if self._initial_selection is not None else position
        upto = view_text.offsets.to_view(min(max(resume, 0), len(article.text))) + FIRST_PART_CHARS
        first = self._prepare_layout(view_text, upto=upto)
        self.app.call_from_thread(self._loaded, article, view_text, annotations, position, first)
        if first is not None and not first.complete:
            self._first_paint.wait(timeout=2)  # don't compete with the first paint for the GIL
            whole = self._prepare_layout(view_text)
            if whole is not None:
                self.app.call_from_thread(self._complete_layout, view_text, whole)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Workers here don't take the app down on an unexpected error: they say so, in one line."""
        if event.state == WorkerState.ERROR and self.is_attached:
            error = event.worker.error
            if event.worker.group == "convert":  # the view stays as it was, usable
                self._pending_view = None
                self.query_one(DocumentView).loading = False
            self.notify(
                f"{type(error).__name__}: {error}",
                title="Something went wrong",
                severity="error",
                markup=False,
            )

    def _prepare_layout(self, view_text: ViewText, upto: int | None = None) -> Layout | None:
        """Wrap a view's text for the document's current width (call from a worker thread).

        With ``upto``, only as far as that (a first part, not kept); whole layouts are kept per width.
        """
        if not self.is_attached:
            return None
        width = self.app.call_from_thread(self.query_one(DocumentView).wrap_width)
        key = (view_text.view, width)
        layout = self._layouts.get(key)
        if layout is not None and layout.text is view_text.text:
            return layout
        layout = wrap_text(view_text.text, width, upto=upto)
        if layout.complete:
            self._layouts[key] = layout
        return layout

    def _complete_layout(self, view_text: ViewText, layout: Layout) -> None:
        if self.view_text is view_text:
            self.query_one(DocumentView).complete_layout(layout)

    @work(thread=True, exclusive=True, group="prefetch", exit_on_error=False)
    def prefetch_views(self) -> None:
        """After opening: convert and wrap the other views in the background, so `s` is instant."""
        worker = get_current_worker()
        for view in VIEWS:
            if worker.is_cancelled or self.article is None:
                return
            self._prepare_layout(self.workspace.view(self.article, view))

    def _load_failed(self, message: str) -> None:
        self.notify(message, title="Cannot open", severity="error", markup=False)
        self.dismiss()

    def _loaded(
        self,
        article: Article,
        view_text: ViewText,
        annotations: list[Annotation],
        position: int,
        layout: Layout | None = None,
    ) -> None:
        self._loading_timer.stop()
        self.article, self.annotations = article, annotations
        self._saved_position = (position, view_text.view)
        position = min(max(position, 0), len(article.text))
        selection = None
        if self._initial_selection is not None:
            start, end = (min(max(p, 0), len(article.text)) for p in self._initial_selection)
            position, selection = start, view_text.offsets.range_to_view(start, end)
        self._show_view(view_text, view_text.offsets.to_view(position), selection, layout)
        self.call_after_refresh(self._first_paint.set)
        if selection is not None:
            self.query_one(DocumentView).move_cursor(selection[0], selection=selection, center=True)
        self.set_timer(PREFETCH_DELAY, self.prefetch_views)  # after the first paint, not competing with it
        orphans = sum(1 for a in annotations if a.status == "orphan")
        if orphans:
            self.notify(
                f"{orphans} annotation(s) no longer match the article's text; "
                "they are kept in the panel (p).",
                severity="warning",
                markup=False,
            )

    def _show_view(
        self,
        view_text: ViewText,
        cursor: int,
        selection: tuple[int, int] | None,
        layout: Layout | None = None,
    ) -> None:
        self.view_text, self.view_name = view_text, view_text.view
        document = self.query_one(DocumentView)
        document.loading = False
        width = document.wrap_width()
        layout = self._layouts.get((view_text.view, width)) or layout
        document.set_document(view_text.text, keep_offset=cursor, layout=layout)
        document.set_highlights(self._highlights())
        self._draw_search_matches()
        document.move_cursor(cursor, selection=selection)
        self._refresh_panel()
        self._refresh_header()

    def action_cycle_view(self) -> None:
        if self.article is None or self.view_text is None:
            return
        current = self._pending_view or self.view_name
        self.switch_view(VIEWS[(VIEWS.index(current) + 1) % len(VIEWS)])

    def switch_view(self, view: str) -> None:
        if self.article is None or self.view_text is None or view == (self._pending_view or self.view_name):
            return
        self._pending_view = view
        document = self.query_one(DocumentView)
        offsets = self.view_text.offsets
        cursor = offsets.to_original(document.cursor)
        selection = offsets.range_to_original(*document.selection) if document.selection else None
        self._convert(view, cursor, selection)

    @work(thread=True, exclusive=True, group="convert", exit_on_error=False)
    def _convert(self, view: str, cursor: int, selection: tuple[int, int] | None) -> None:
        assert self.article is not None
        timer = self.app.call_from_thread(self.set_timer, 0.15, self._show_loading)
        view_text = self.workspace.view(self.article, view)
        self._prepare_layout(view_text)
        self.app.call_from_thread(timer.stop)
        if not get_current_worker().is_cancelled:  # a later `s` superseded this one
            self.app.call_from_thread(self._converted, view_text, cursor, selection)

    def _show_loading(self) -> None:
        """A loading timer's callback. Stopping a timer does not recall a tick it has already queued, so
        the indicator goes up only while the article or a view is really still on its way (else nothing
        would ever take it down)."""
        if self.article is None or self._pending_view is not None:
            self.query_one(DocumentView).loading = True

    def _converted(self, view_text: ViewText, cursor: int, selection: tuple[int, int] | None) -> None:
        if self._pending_view == view_text.view:
            self._pending_view = None
        offsets = view_text.offsets
        view_selection = offsets.range_to_view(*selection) if selection else None
        self._show_view(view_text, offsets.to_view(cursor), view_selection)
        self.notify(f"{VIEW_LABELS[view_text.view]} view", timeout=1.2)

    # -- header, highlights, panel --------------------------------------------------------------------
    def _highlights(self) -> list[Highlight]:
        if self.view_text is None:
            return []
        offsets = self.view_text.offsets
        highlights = []
        for annotation in self.annotations:
            if annotation.status == "orphan":
                continue
            start, end = offsets.range_to_view(annotation.start, annotation.end)
            highlights.append(Highlight(start, end, self._color(annotation), annotation.id))
        return highlights

    def _color(self, annotation: Annotation) -> str:
        """The highlight colour (hex): the annotation's own, else its first tag's in the codebook."""
        return self.workspace.color_for(annotation)

    def _view_slice(self, annotation: Annotation) -> str:
        if self.view_text is None:
            return annotation.quote
        return PassageView(self.workspace.converter, self.view_text.view, self.view_text).of(annotation)

    def _refresh_panel(self) -> None:
        entries = [PanelEntry(a, self._view_slice(a), self._color(a)) for a in self.annotations]
        self.query_one(AnnotationPanel).set_entries(entries)

    def _refresh_header(self) -> None:
        document = self.query_one(DocumentView)
        header = Text(no_wrap=True, overflow="ellipsis")
        title = self.workspace.converter.convert(self.info.title, self.view_name)
        header.append(safe_line(title), style="bold")
        header.append(f"  ·  {VIEW_LABELS[self.view_name]}", style="bold cyan")
        length = len(self.view_text.text) if self.view_text else 0
        header.append(f"  ·  {document.cursor * 100 // length if length else 0}%")
        if document.selection:
            start, end = document.selection
            header.append(f"  ·  {end - start} selected", style="bold")
        count = len(self.annotations)
        header.append(f"  ·  {count} annotation{'s' if count != 1 else ''}")
        self.query_one("#reading-header", Static).update(header)

    @on(DocumentView.CursorMoved)
    @on(DocumentView.SelectionChanged)
    def _document_changed(self) -> None:
        self._last_position = self.current_position()
        self._refresh_header()

    def _reload_annotations(self, cursor: int | None = None) -> None:
        """After any change: re-read this article's annotations and repaint highlights and panel."""
        assert self.article is not None
        self.annotations = self.workspace.annotations(self.article)
        self.query_one(DocumentView).set_highlights(self._highlights())
        self._refresh_panel()
        self._refresh_header()

    # -- annotating -----------------------------------------------------------------------------------
    def _annotation_at_cursor(self) -> Annotation | None:
        if self.view_text is None:
            return None
        document = self.query_one(DocumentView)
        position = self.view_text.offsets.to_original(document.cursor)
        containing = [a for a in self.annotations if a.status != "orphan" and a.start <= position < a.end]
        if not containing:
            return None
        return min(containing, key=lambda a: (a.end - a.start, a.created))

    def action_annotate(self) -> None:
        if self.view_text is None or self.article is None:
            return
        document = self.query_one(DocumentView)
        if not document.selection or document.selection[0] == document.selection[1]:
            self.notify(
                "Select a passage first: shift+arrows, v (sentence) or drag with the mouse.", markup=False
            )
            return
        view_start, view_end = document.selection
        start, end = self.view_text.offsets.range_to_original(view_start, view_end)
        quote = self.view_text.text[view_start:view_end]

        def save(draft: AnnotationDraft | None) -> None:
            if draft is not None:
                self._save_new(start, end, draft)

        self.app.push_screen(AnnotateDialog(quote, self.workspace.known_tags()), save)

    @work(thread=True, group="save", exit_on_error=False)
    def _save_new(self, start: int, end: int, draft: AnnotationDraft) -> None:
        assert self.article is not None
        try:
            annotation = self.workspace.annotate(
                self.article,
                start,
                end,
                tags=draft.tags,
                note=draft.note,
                color=draft.color,
                view=self.view_name,
            )
        except ReaderError as exc:
            self.app.call_from_thread(
                self.notify, str(exc), title="Not saved", severity="error", markup=False
            )
            return
        self.app.call_from_thread(self._after_change, UndoStep("add", None, annotation), "Saved")

    def _after_change(self, step: UndoStep, message: str) -> None:
        self.undo_stack.append(step)
        self._reload_annotations()
        document = self.query_one(DocumentView)
        if step.kind == "add":
            document.clear_selection()
        self.notify(message, timeout=1.5, markup=False)

    def action_edit(self) -> None:
        annotation = self._annotation_at_cursor()
        if annotation is None:
            self.notify("No highlight under the cursor.", markup=False)
            return

        def save(draft: AnnotationDraft | None) -> None:
            if draft is not None:
                self._save_edit(annotation, draft)

        dialog = AnnotateDialog.editing(annotation, self._view_slice(annotation), self.workspace.known_tags())
        self.app.push_screen(dialog, save)

    @work(thread=True, group="save", exit_on_error=False)
    def _save_edit(self, annotation: Annotation, draft: AnnotationDraft) -> None:
        try:
            edited = self.workspace.edit(annotation, tags=draft.tags, note=draft.note, color=draft.color)
        except ConflictError as conflict:  # another copy of reader saved it meanwhile: ask
            self.app.call_from_thread(
                ask_about_conflict, self, self.workspace, conflict, self._after_conflict
            )
            return
        except ReaderError as exc:
            self.app.call_from_thread(
                self.notify, str(exc), title="Not saved", severity="error", markup=False
            )
            return
        self.app.call_from_thread(self._after_change, UndoStep("edit", annotation, edited), "Saved")

    def _after_conflict(self, message: str) -> None:
        self._reload_annotations()
        self.notify(message, timeout=1.5, markup=False)

    def action_delete(self) -> None:
        annotation = self._annotation_at_cursor()
        if annotation is None:
            self.notify("No highlight under the cursor.", markup=False)
            return
        self._delete(annotation)

    @work(thread=True, group="save", exit_on_error=False)
    def _delete(self, annotation: Annotation) -> None:
        try:
            self.workspace.delete(annotation)
        except ReaderError as exc:
            self.app.call_from_thread(
                self.notify, str(exc), title="Not deleted", severity="error", markup=False
            )
            return
        self.app.call_from_thread(
            self._after_change, UndoStep("delete", annotation, None), "Deleted · u undoes"
        )

    def action_undo(self) -> None:
        if not self.undo_stack:
            self.notify("Nothing to undo.", markup=False)
            return
        self._undo(self.undo_stack.pop())

    @work(thread=True, group="save", exit_on_error=False)
    def _undo(self, step: UndoStep) -> None:
        try:
            if step.kind == "add" and step.after is not None:
                self.workspace.delete(step.after)
            elif step.before is not None:
                self.workspace.restore(step.before)
        except ReaderError as exc:
            self.app.call_from_thread(
                self.notify, str(exc), title="Undo failed", severity="error", markup=False
            )
            return
        labels = {"add": "Undid highlight", "edit": "Undid edit", "delete": "Restored highlight"}
        self.app.call_from_thread(self._after_undo, labels[step.kind])

    def _after_undo(self, message: str) -> None:
        self._reload_annotations()
        self.notify(message, timeout=1.5, markup=False)

    # -- panel and navigation -------------------------------------------------------------------------
    def action_toggle_panel(self) -> None:
        panel = self.query_one(AnnotationPanel)
        panel.toggle_class("hidden")
        if panel.has_class("hidden"):
            self.query_one(DocumentView).focus()
        else:
            panel.query_one("OptionList").focus()

    @on(AnnotationPanel.Jump)
    def _jump(self, event: AnnotationPanel.Jump) -> None:
        self.jump_to(event.annotation)

    def jump_to(self, annotation: Annotation) -> None:
        if self.view_text is None:
            return
        start, end = self.view_text.offsets.range_to_view(annotation.start, annotation.end)
        document = self.query_one(DocumentView)
        document.move_cursor(start, selection=(start, end), center=True)
        document.focus()

    def _jump_relative(self, forward: bool) -> None:
        if self.view_text is None:
            return
        document = self.query_one(DocumentView)
        here = self.view_text.offsets.to_original(document.cursor)
        live = [a for a in self.annotations if a.status != "orphan"]
        if forward:
            later = [a for a in live if a.start > here]
            target = min(later, key=lambda a: a.start) if later else None
        else:
            earlier = [a for a in live if a.start < here]
            target = max(earlier, key=lambda a: a.start) if earlier else None
        if target is None:
            self.notify("No more highlights that way.", timeout=1.2, markup=False)
            return
        self.jump_to(target)

    def action_next_highlight(self) -> None:
        self._jump_relative(forward=True)

    def action_previous_highlight(self) -> None:
        self._jump_relative(forward=False)

    def action_back(self) -> None:
        if not self.query_one("#reading-search").has_class("hidden"):  # Esc first closes the search
            self.action_close_search()
            return
        self.dismiss()

    # -- find in this article ---------------------------------------------------------------------------
    def action_open_search(self) -> None:
        if self.article is None:
            return
        self.query_one("#reading-search").remove_class("hidden")
        search_input = self.query_one(SearchInput)
        search_input.focus()
        if search_input.value:
            search_input.select_all()

    def action_close_search(self) -> None:
        self.query_one("#reading-search").add_class("hidden")
        self.search_matches, self.search_current = [], None
        self.query_one(SearchInput).value = ""
        self._draw_search_matches()
        self.query_one(DocumentView).focus()

    @on(Input.Changed, "SearchInput")
    def _search_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.article is None or self.view_text is None:
            return
        if self._folded is None:
            self._folded = fold(self.article.text, self.workspace.converter)
        matches = find_in_text(self.article.text, event.value, self.workspace.converter, folded=self._folded)
        self.search_matches = matches
        self.search_current = None
        if matches:
            # the first match at or after the cursor (else the first one): the view follows as you type
            here = self.view_text.offsets.to_original(self.query_one(DocumentView).cursor)
            after = [i for i, m in enumerate(matches) if m.start >= here]
            self._go_to_match(after[0] if after else 0)
        else:
            self._draw_search_matches()

    @on(Input.Submitted, "SearchInput")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_search_next()

    def action_search_next(self) -> None:
        self._step_match(1)

    def action_search_previous(self) -> None:
        self._step_match(-1)

    def _step_match(self, step: int) -> None:
        if not self.search_matches:
            if self.query_one(SearchInput).value:
                self.notify("No matches.", timeout=1.2, markup=False)
            return
        current = self.search_current
        if current is None:
            current = -1 if step > 0 else 0
        self._go_to_match((current + step) % len(self.search_matches))

    def _go_to_match(self, index: int) -> None:
        self.search_current = index
        self._draw_search_matches()
        if self.view_text is None:
            return
        match = self.search_matches[index]
        start, _ = self.view_text.offsets.range_to_view(match.start, match.end)
        self.query_one(DocumentView).move_cursor(start, center=True)

    def _draw_search_matches(self) -> None:
        """Map the matches (original offsets) to the current view, draw them and show "3/17"."""
        document = self.query_one(DocumentView)
        ranges = []
        if self.view_text is not None:
            ranges = [self.view_text.offsets.range_to_view(m.start, m.end) for m in self.search_matches]
        document.set_search_matches(ranges, self.search_current)
        count = Text(no_wrap=True)
        if self.search_matches:
            shown = "–" if self.search_current is None else str(self.search_current + 1)
            count.append(f"{shown}/{len(self.search_matches)}", style="bold")
        elif self.query_one(SearchInput).value.strip():
            count.append("no matches", style="bold red")
        self.query_one("#reading-search-count", Static).update(count)

    # -- reading position -----------------------------------------------------------------------------
    def current_position(self) -> tuple[int, str] | None:
        if self.view_text is None:
            return None
        document = self.query_one(DocumentView)
        return self.view_text.offsets.to_original(document.cursor), self.view_name

    def save_position(self) -> None:
        """Remember where the reader is (original offset + view), only when it changed."""
        try:
            position = self.current_position()
        except Exception:  # the screen is being torn down: save the last position seen
            position = self._last_position
        if position is None or position == self._saved_position:
            return
        try:
            self.workspace.remember_position(self.info.id, *position)
        except ReaderError as exc:
            self.notify(str(exc), title="Position not saved", severity="warning", markup=False)
            return
        self._saved_position = position
