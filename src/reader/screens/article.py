"""One article in any script view: loading it, switching views, preparing the others, the reading position.

``ArticleScreen`` is the part of the reading screen that does not depend on annotations
(``reader.screens.annotating.AnnotatingScreen`` adds highlights, the panel and editing, and
``reader.screens.reading.ReadingScreen`` find, through the hooks below). Work proportional to the article
never runs on the UI thread: loading and converting run in thread workers; the other views are prepared
in the background in small pieces that wait while the user is typing (``reader.pacing``,
``reader.viewcache``); the reading position is written by the app's background writer, never waited for.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

from textual import work
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

from reader.articles import Article, ArticleInfo
from reader.convert import VIEW_LABELS, VIEWS, ViewText
from reader.errors import ReaderError
from reader.layout import Layout
from reader.pacing import Pacer, WorkCancelled, long_lived_objects, release_long_lived_objects
from reader.screens.handover import dismiss_when_on_top, show
from reader.settings import DEFAULT_MEASURE, KEYS, Settings
from reader.viewcache import PreparedViews
from reader.widgets.document import DocumentView
from reader.widgets.toast import notify_replacing
from reader.workspace import Workspace

__all__ = ["POSITION_SAVE_INTERVAL", "PREFETCH_DELAY", "ArticleScreen"]

log = logging.getLogger(__name__)

#: how often (seconds) a changed reading position is written to the store
POSITION_SAVE_INTERVAL = 3.0
#: seconds after an article is shown before the other views are converted and wrapped in the background
PREFETCH_DELAY = 0.5


class ArticleScreen(Screen[None]):
    """One article in a ``DocumentView`` (the subclass composes it), in the view the reader left it in."""

    def __init__(
        self, workspace: Workspace, info: ArticleInfo, *, select: tuple[int, int] | None = None
    ) -> None:
        """`select`: a range of the original text to open at, selected (a passage, a search match)."""
        super().__init__()
        self.workspace = workspace
        self.info = info
        self._initial_selection = select
        self.article: Article | None = None
        self.view_text: ViewText | None = None
        self.view_name = "original"
        #: the view a conversion is running for, so that pressing `s` quickly steps through the views
        self._pending_view: str | None = None
        #: the other views, converted and wrapped in the background: switching is instant
        self._views = PreparedViews(workspace.converter)
        self._own_pacer = Pacer()
        self._saved_position: tuple[int, str] | None = None
        #: the last position seen, for on_unmount (by then the DocumentView is gone and cannot be asked)
        self._last_position: tuple[int, str] | None = None

    # -- hooks for the subclass ------------------------------------------------------------------------
    def _load_more(self, article: Article, shown_until: int) -> object:
        """In the load worker: whatever else the screen shows for `article` (it lives as long as it does);
        ``shown_until``: an offset of the original past the end of the first screen."""
        return None

    def _loaded_more(self, extra: object) -> None:
        """On the UI thread, before the first view is shown: take what :meth:`_load_more` returned."""

    def _view_shown(self) -> None:
        """On the UI thread, after a view was shown (the first one, or after a switch)."""

    def _first_painted(self) -> None:
        """On the UI thread, once the article's first screen is painted."""

    def _make_view(self, article: Article, view: str) -> ViewText:
        """In a worker: the article in `view` (a subclass adds options, layers, other views)."""
        return self.workspace.view(article, view)

    def _before_show(self, view_text: ViewText) -> None:
        """On the UI thread, just before `view_text` replaces the text shown (its folds, its marks)."""

    @property
    def script_view(self) -> str:
        """The script view shown, as stored with an annotation or a position (a view of the original
        that is not a script view, such as the repaired one, counts as the original)."""
        return self.view_name if self.view_name in VIEWS else "original"

    # -- loading and views ------------------------------------------------------------------------------
    def on_mount(self) -> None:
        document = self.query_one(DocumentView)
        document.measure = self._setting("wrap_width") or DEFAULT_MEASURE  # before the first wrap
        document.focus()
        # A loading indicator only if opening takes more than a moment (mounting one costs ~40 ms).
        self._loading_timer = self.set_timer(0.2, self._show_loading)
        self.load_article()
        self.set_interval(POSITION_SAVE_INTERVAL, self.save_position)

    def on_unmount(self) -> None:
        self.save_position()
        self._views.close()  # first: a view prepared meanwhile then freezes nothing after the release
        release_long_lived_objects()

    def _setting(self, key: str) -> Any:
        """A setting of this clone (``reader.settings``, loaded by the app); the default in a bare host."""
        settings = getattr(self.app, "settings", None)
        return settings.get(key) if isinstance(settings, Settings) else KEYS[key].default

    def _pacer(self) -> Pacer:
        pacer = getattr(self.app, "pacer", None)
        return pacer if isinstance(pacer, Pacer) else self._own_pacer

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def load_article(self) -> None:
        try:
            with long_lived_objects():  # the article, its annotations and their index live as long as we do
                article = self.workspace.load(self.info.id)
                state = self.workspace.reading_state(self.info.id)
                # where the reader left it, else the view articles open in (the `view` setting)
                view = state.view if state and state.view in VIEWS else self._setting("view")
                view_text = self._make_view(article, view)
                position = state.position if state else 0
                # A long article is shown as soon as the part around where reading resumes is wrapped;
                # the document view wraps the rest between frames.
                resume = self._initial_selection[0] if self._initial_selection is not None else position
                around = view_text.offsets.to_view(min(max(resume, 0), len(article.text)))
                first = self._first_part(view_text, around)
                extra = self._load_more(article, self._first_screen_end(view_text, first, around))
        except ReaderError as exc:
            show(self, self._load_failed, str(exc))
            return
        show(self, self._loaded, article, view_text, extra, position, first)

    def _first_screen_end(self, view_text: ViewText, layout: Layout | None, around: int) -> int:
        """(A worker) an offset of the original past the end of the first screen: a screen's height of
        lines past the line of `around` (where reading resumes: the first screen holds it)."""
        if layout is None or not len(layout):
            return view_text.offsets.to_original(len(view_text.text), "end") + 1  # all of it
        last = min(layout.line_of_offset(around) + self.app.size.height, len(layout) - 1)
        return view_text.offsets.to_original(layout.line(last)[1], "end") + 1

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

    def _wrap_width(self) -> int | None:
        """The document's wrap width (call from a worker thread); None once the screen is gone."""
        if not self.is_attached:
            return None
        return self.app.call_from_thread(lambda: self.query_one(DocumentView).wrap_width())

    def _first_part(self, view_text: ViewText, around: int) -> Layout | None:
        """A view wrapped as far as a few screens past `around` (a worker's work; the whole if prepared)."""
        width = self._wrap_width()
        return None if width is None else self._views.first_part(view_text, width, around)

    @work(thread=True, exclusive=True, group="prefetch", exit_on_error=False)
    def prefetch_views(self) -> None:
        """After opening: convert and wrap the other views in the background, so `s` is instant.

        In pieces of a millisecond or two that wait while the user types or pages (``reader.pacing``):
        preparing never costs the view on screen a frame.
        """
        worker = get_current_worker()
        views = self._views
        pause = self._pacer().hook(
            lambda: worker.is_cancelled or not self.is_attached,
            hold=lambda: self._pending_view not in (None, views.preparing),  # the user waits for another view
            hurry=lambda: self._pending_view == views.preparing,  # … or for this one
        )
        start = VIEWS.index(self.script_view)
        order = [view for view in VIEWS[start + 1 :] + VIEWS[:start]]  # in the order `s` goes through them
        if self.article is not None:
            with contextlib.suppress(WorkCancelled):
                views.prepare(self.article, order, self._wrap_width, pause)

    def _load_failed(self, message: str) -> None:
        self.notify(message, title="Cannot open", severity="error", markup=False)
        dismiss_when_on_top(self)  # (not the codebook or help the user opened over it meanwhile)

    def _loaded(
        self,
        article: Article,
        view_text: ViewText,
        extra: object,
        position: int,
        layout: Layout | None = None,
    ) -> None:
        self._loading_timer.stop()
        self.article = article
        self._loaded_more(extra)
        self._saved_position = (position, view_text.view)
        position = min(max(position, 0), len(article.text))
        selection = None
        if self._initial_selection is not None:
            start, end = (min(max(p, 0), len(article.text)) for p in self._initial_selection)
            position, selection = start, view_text.offsets.range_to_view(start, end)
        self._show_view(view_text, view_text.offsets.to_view(position), selection, layout)
        if selection is not None:
            self.query_one(DocumentView).move_cursor(selection[0], selection=selection, center=True)
        self.set_timer(PREFETCH_DELAY, self.prefetch_views)  # after the first paint, not competing with it
        self.call_after_refresh(self._first_painted)

    def _show_view(
        self,
        view_text: ViewText,
        cursor: int,
        selection: tuple[int, int] | None,
        layout: Layout | None = None,
    ) -> None:
        document = self.query_one(DocumentView)
        shown = document.text_layout
        if shown is not None and self.view_text is not None:  # kept for coming back
            self._views.keep(self.view_name, shown)
        self.view_text, self.view_name = view_text, view_text.view
        document.loading = False
        layout = self._views.layout(view_text.view, document.wrap_width()) or layout
        self._before_show(view_text)
        document.set_document(view_text.text, keep_offset=cursor, layout=layout)
        document.move_cursor(cursor, selection=selection, open_folds=False)  # a position in a fold: after it
        self._view_shown()

    def action_cycle_view(self) -> None:
        if self.article is None or self.view_text is None:
            return
        current = self._pending_view or self.view_name
        self.switch_view(VIEWS[(VIEWS.index(current) + 1) % len(VIEWS)])

    def switch_view(self, view: str) -> None:
        if self.article is None or self.view_text is None or view == (self._pending_view or self.view_name):
            return
        self._pending_view = view  # background preparation holds, or hurries if it is preparing this view
        document = self.query_one(DocumentView)
        offsets = self.view_text.offsets
        cursor = offsets.to_original(document.cursor)
        selection = offsets.range_to_original(*document.selection) if document.selection else None
        self._convert(view, cursor, selection)

    @work(thread=True, exclusive=True, group="convert", exit_on_error=False)
    def _convert(self, view: str, cursor: int, selection: tuple[int, int] | None) -> None:
        assert self.article is not None
        timer = self.app.call_from_thread(self.set_timer, 0.15, self._show_loading)
        self._views.wait_for(view)  # being prepared in the background? that work hurries, not done twice
        view_text = self._make_view(self.article, view)
        layout = self._first_part(view_text, view_text.offsets.to_view(cursor))
        self.app.call_from_thread(timer.stop)
        # (dropped if a later `s` superseded this one, or the article is closed)
        show(self, self._converted, view_text, cursor, selection, layout)

    def _show_loading(self) -> None:
        """A loading timer's callback. Stopping a timer does not recall a tick it has already queued, so
        the indicator goes up only while the article or a view is really still on its way (else nothing
        would ever take it down)."""
        if self.article is None or self._pending_view is not None:
            self.query_one(DocumentView).loading = True

    def _converted(
        self,
        view_text: ViewText,
        cursor: int,
        selection: tuple[int, int] | None,
        layout: Layout | None = None,
    ) -> None:
        if self._pending_view == view_text.view:
            self._pending_view = None
        offsets = view_text.offsets
        view_selection = offsets.range_to_view(*selection) if selection else None
        self._show_view(view_text, offsets.to_view(cursor), view_selection, layout)
        label = VIEW_LABELS.get(view_text.view, view_text.view)
        notify_replacing(self, "view", f"{label} view", timeout=1.2)

    def current_position(self) -> tuple[int, str] | None:
        if self.view_text is None:
            return None
        document = self.query_one(DocumentView)
        return self.view_text.offsets.to_original(document.cursor), self.script_view

    def save_position(self) -> None:
        """Remember where the reader is (original offset + view), only when it changed.

        Written by the app's background writer (one thread, in order): the UI never waits for the disk.
        A failure goes to the log; the next change of position tries again.
        """
        try:
            position = self.current_position()
        except Exception:  # the screen is being torn down: save the last position seen
            position = self._last_position
        if position is None or position == self._saved_position:
            return
        self._saved_position = position
        article_id, remember = self.info.id, self.workspace.remember_position

        def write() -> None:
            try:
                remember(article_id, *position)
            except ReaderError as exc:
                log.warning("reading position of %s not saved: %s", article_id, exc)

        writer = getattr(self.app, "background_writes", None)
        if writer is not None:
            writer.submit(write)
        else:  # a host app without a writer (tests of this screen alone)
            threading.Thread(target=write, name="reader-position", daemon=False).start()
