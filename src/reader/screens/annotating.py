"""The annotations of the reading screen: loaded, drawn in the view shown, listed, changed, whose.

``AnnotatingScreen`` sits between ``CorrectingScreen`` and ``ReadingScreen`` (which composes the document
view and the panel, and draws the header through ``_refresh_header``). The annotations are indexed off
the UI thread (``reader.highlights.AnnotationSet``) so that each view draws only the highlights of the
lines on screen; every change of them runs in a worker (:meth:`AnnotatingScreen._change`: run, re-read,
show, or say in one line what went wrong), with undo; in a team's project the coder view chooses whose
annotations are shown (``reader.team.CoderView``).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from typing import NamedTuple

from textual import on, work
from textual.app import App

from reader.articles import Article, ArticleInfo
from reader.colors import DEFAULT_COLOR, color_for_tag, hex_for
from reader.edits import Edits, UndoStep
from reader.errors import ConflictError, ReaderError
from reader.highlights import AnnotationSet, ColourMemo, MappedHighlights
from reader.pacing import long_lived_objects
from reader.passages import PassageView
from reader.screens.annotate import AnnotateDialog, AnnotationDraft
from reader.screens.conflict import ask_about_conflict
from reader.screens.correcting import CorrectingScreen
from reader.screens.handover import show, tell
from reader.store import Annotation
from reader.team import CodedMarks, CoderView
from reader.widgets.document import DocumentView
from reader.widgets.panel import AnnotationPanel
from reader.workspace import Workspace

__all__ = ["AnnotatingScreen"]


class _Shown(NamedTuple):
    """What a worker read, for the UI thread to take whole: the annotations the coder view shows
    (indexed), everyone's (to switch coder views), the coders in their order, and the read's ticket
    (taken before reading: the higher, the later the store was seen)."""

    annotations: AnnotationSet[Annotation]
    everyone: Sequence[Annotation]
    coders: list[str]
    ticket: int


class AnnotatingScreen(CorrectingScreen):
    """One article's annotations on a reading screen (the subclass composes the document and the panel)."""

    def __init__(
        self, workspace: Workspace, info: ArticleInfo, *, select: tuple[int, int] | None = None
    ) -> None:
        super().__init__(workspace, info, select=select)
        self._edits = Edits(workspace)
        self._annotations: AnnotationSet[Annotation] = AnnotationSet()
        self._colours = ColourMemo(self._lookup_colour, workspace.codebook.meta)
        self._passages: PassageView | None = None  # the passages in the view shown (for the panel)
        self.undo_stack: list[UndoStep] = []
        #: whose annotations are shown (reader.team.CoderView): everyone's, mine, one coder's; blind coding
        self._coder_view = CoderView(workspace, blind=bool(workspace.settings.get("blind")))
        self._everyone: Sequence[Annotation] = ()
        self._coder_order: list[str] = []
        #: while only the first screen's annotations are read: all of them (their number), else None; the
        #: original offset before which they are all there is; actions that need all of them, pressed
        #: meanwhile; why the rest could not be read
        self._first_only: int | None = None
        self._first_until = 0
        self._waiting: list[Callable[[], None]] = []
        self._not_read: str | None = None
        self._reads = itertools.count(1)  # tickets of reads: the newest read shown wins (_take)
        self._shown_ticket = 0

    @property
    def annotations(self) -> Sequence[Annotation]:
        """This article's annotations in document order (orphans included)."""
        return self._annotations.all

    @property
    def annotation_count(self) -> int:
        """How many annotations the article has (those shown), also while only the first are read."""
        return len(self._annotations) if self._first_only is None else self._first_only

    # -- loading ------------------------------------------------------------------------------------------
    def _load_more(self, article: Article, shown_until: int) -> object:
        """Everyone's annotations, indexed off the UI thread; of an article with many, only those that
        start before ``shown_until`` if they can be read alone (``Workspace.first_annotations``): the
        rest are read after the first paint (:meth:`_read_the_rest`)."""
        # (only if every annotation is shown: the header counts those shown, and the count is of all)
        shown_all = self._coder_view.shows_all(article.info.id)
        ticket = next(self._reads)
        first = self.workspace.first_annotations(article, shown_until) if shown_all else None
        if first is None:
            return self._read_all(article)
        annotations, count = first
        indexed = self._indexed(annotations, ticket)
        return indexed if len(annotations) == count else (indexed, count, shown_until)

    def _read_all(self, article: Article) -> _Shown:
        """(A worker thread) everyone's annotations as they are now, indexed (see :class:`_Shown`)."""
        ticket = next(self._reads)  # taken before reading: a later ticket saw the store later
        return self._indexed(self.workspace.annotations(article), ticket)

    def _indexed(self, everyone: Sequence[Annotation], ticket: int) -> _Shown:
        """(A worker thread) what the coder view shows, indexed, with everyone's to switch views."""
        shown = AnnotationSet(self._coder_view.visible(everyone, self.info.id))
        return _Shown(shown, everyone, self._coder_view.coders(everyone), ticket)

    def _take(self, shown: _Shown) -> bool:
        """(The UI thread) show what a worker read, unless a read that began later is shown already
        (two saves in a row, the rest of the annotations read while a change was saved)."""
        if shown.ticket < self._shown_ticket:
            return False
        self._annotations, self._everyone, self._coder_order = shown.annotations, shown.everyone, shown.coders
        self._shown_ticket = shown.ticket
        return True

    def _loaded_more(self, extra: object) -> None:
        if not isinstance(extra, _Shown):  # the first screen's: the rest once it is painted
            assert isinstance(extra, tuple)
            extra, self._first_only, self._first_until = extra
        assert isinstance(extra, _Shown)
        self._take(extra)
        self._colours.refresh()

    def _first_painted(self) -> None:
        super()._first_painted()
        if self._first_only is not None:
            self._read_the_rest()

    @work(thread=True, exclusive=True, group="rest", exit_on_error=False)
    def _read_the_rest(self) -> None:
        """All the annotations, after the first screen was drawn with its own."""
        article = self.article
        if article is None:
            return
        try:
            with long_lived_objects():
                annotations = self._read_all(article)
        except ReaderError as exc:
            show(self, self._rest_failed, str(exc))
            return
        show(self, self._all_read, annotations)

    def _rest_failed(self, reason: str) -> None:
        self._waiting, self._not_read = [], reason
        self.notify(reason, title="Not read", severity="error", markup=False)

    def _all_read(self, annotations: _Shown) -> None:
        if self._first_only is not None:  # else a change has read them all since
            self._changed(None, annotations, "")

    def _when_all_read(self, action: Callable[[], None], here: bool = False) -> bool:
        """False if all the annotations are read (or ``here``: the cursor is where those read are all
        that can be there); else True, and ``action`` (one that needs them all, pressed while only the
        first screen's are read) runs once they are, or is refused if they could not be read."""
        if self._first_only is None or (here and self._cursor_in_first()):
            return False
        if self._not_read is not None:
            self.notify(f"This article's annotations could not all be read: {self._not_read}", markup=False)
        elif here:  # (queued, it would act where the cursor is then)
            self.notify("Still reading this article's annotations: a moment.", timeout=1.5, markup=False)
        elif action not in self._waiting:  # (pressed twice: once)
            self._waiting.append(action)
        return True

    def _cursor_in_first(self) -> bool:
        """The cursor is before the end of what the first screen's annotations cover: every annotation
        on it is among them."""
        if self.view_text is None:
            return False
        position = self.view_text.offsets.to_original(self.query_one(DocumentView).cursor)
        return position < self._first_until

    def _tags_may_be_new(self) -> None:
        """A change may have added a tag: the subclass keeps it whole as a word."""

    @work(thread=True, exclusive=True, group="retagged", exit_on_error=False)
    def _reread_if_retagged(self) -> None:
        """A rename, merge or delete in the codebook changed this article's tags: read its annotations
        again (compared by the store's tag counts, no annotation read; off the UI thread)."""
        article = self.article
        if article is None:
            return
        try:
            stored = self.workspace.store.article_tags().get(article.info.id, {})
            if Counter(stored) == Counter(tag for a in self._annotations.all for tag in a.tags):
                return
            with long_lived_objects():
                annotations = self._read_all(article)  # (what the coder view shows: blind coding too)
        except ReaderError as exc:
            show(self, partial(self.notify, str(exc), title="Not read", severity="error", markup=False))
            return
        show(self, self._changed, None, annotations, "")

    # -- highlights and the panel --------------------------------------------------------------------------
    def _lookup_colour(self, color: str, tags: Sequence[str]) -> str:
        try:
            return self.workspace.display_color(color, tags)
        except ReaderError:  # a damaged codebook: the tag's own stable colour (the codebook says why)
            return hex_for(color or (color_for_tag(tags[0]) if tags else DEFAULT_COLOR))

    def _colour(self, annotation: Annotation) -> str:
        """The highlight colour (hex): the annotation's own, else its first tag's in the codebook; in the
        "everyone" view of several coders' work, its coder's colour and decoration (reader.team)."""
        if self._coder_view.by_coder and len(self._coder_order) > 1:
            return self._coder_view.paint(annotation.creator or self.workspace.coder, self._coder_order)
        return self._colours(annotation.color, annotation.tags)

    def _view_slice(self, annotation: Annotation) -> str:
        if self._passages is None or self._passages.view_text is not self.view_text:
            if self.view_text is None:
                return annotation.quote
            self._passages = PassageView(self.workspace.converter, self.script_view, self.view_text)
        return self._passages.of(annotation)

    def _show_annotations(self) -> None:
        """Draw the annotations in the current view (lazily: only lines on screen) and list them."""
        if self.view_text is None:
            return
        highlights = MappedHighlights(self._annotations.index, self.view_text.offsets, self._colour)
        self.query_one(DocumentView).set_highlight_source(highlights)
        self.query_one(AnnotationPanel).set_annotations(self._annotations.all, self._view_slice, self._colour)
        self._refresh_header()

    # -- annotating -----------------------------------------------------------------------------------
    def _change(self, change: Callable[[], UndoStep | None], failed: str, done: str) -> None:
        """Run one change of the annotations off the UI thread, then show them as they now are.

        `change` returns what undoes it (None for an undo itself); a `ReaderError` is said in one line
        titled `failed`, and nothing else happens. The app is taken here, on the UI thread: the user may
        close the article while the change is saved, and is still told how it went (screens/handover.py).
        """
        self._save_change(self.app, change, failed, done)

    @work(thread=True, group="save", exit_on_error=False)
    def _save_change(
        self, app: App[object], change: Callable[[], UndoStep | None], failed: str, done: str
    ) -> None:
        assert self.article is not None
        try:
            step = change()
            with long_lived_objects():
                annotations = self._read_all(self.article)
        except ConflictError as conflict:  # another copy of reader saved it meanwhile: ask (on any screen)
            app.call_from_thread(ask_about_conflict, self, self.workspace, conflict, self._after_conflict)
            return
        except ReaderError as exc:
            tell(app, str(exc), title=failed, severity="error")
            return
        if not show(self, self._changed, step, annotations, done) and done:
            tell(app, done, timeout=1.5)

    def _after_conflict(self, message: str) -> None:
        """The user settled a conflict (screens/conflict.py): show the annotations as they now are."""
        self._change(lambda: None, "Not saved", message)

    def _changed(self, step: UndoStep | None, shown: _Shown, message: str) -> None:
        if step is not None:
            self.undo_stack.append(step)
        if self._take(shown):  # (a read that began later may be shown already)
            self._first_only = None  # a change reads them all
            self._colours.refresh()
            self._show_annotations()
        if step is not None and step.kind == "add":
            self.query_one(DocumentView).clear_selection()
        if step is not None and step.kind in ("add", "edit", "coding"):
            self._tags_may_be_new()
        if message:
            self.notify(message, timeout=1.5, markup=False)
        waiting, self._waiting = self._waiting, []
        for action in waiting:
            action()

    def action_annotate(self) -> None:
        article, view_text = self.article, self.view_text
        if view_text is None or article is None:
            return
        document = self.query_one(DocumentView)
        if not document.selection or document.selection[0] == document.selection[1]:
            self.notify(
                "Select a passage first: shift+arrows, v (sentence) or drag with the mouse.", markup=False
            )
            return
        view_start, view_end = document.selection
        start, end = view_text.offsets.range_to_original(view_start, view_end)
        quote = view_text.text[view_start:view_end]
        view = self.script_view

        def save(draft: AnnotationDraft | None) -> None:
            if draft is not None:
                add = partial(self._edits.add, article, start, end, view=view)
                self._change(
                    partial(add, tags=draft.tags, note=draft.note, color=draft.color), "Not saved", "Saved"
                )

        self.app.push_screen(AnnotateDialog(quote, self.workspace.known_tags()), save)

    def _refuse_others(self, annotation: Annotation) -> bool:
        """True (and says so) if ``annotation`` is another coder's: read-only here."""
        if not annotation.creator or self.workspace.is_mine(annotation):
            return False
        self.notify(
            f"{annotation.creator}'s annotation: other coders' work is read-only here "
            "(c shows only yours; reader merge makes an agreed version).",
            markup=False,
        )
        return True

    def action_edit(self) -> None:
        if self._when_all_read(self.action_edit, here=True):
            return
        annotation = self._annotation_at_cursor()
        if annotation is None:
            self.notify("No highlight under the cursor.", markup=False)
            return
        if self._refuse_others(annotation):
            return

        def save(draft: AnnotationDraft | None) -> None:
            if draft is not None:
                edit = partial(
                    self._edits.edit, annotation, tags=draft.tags, note=draft.note, color=draft.color
                )
                self._change(edit, "Not saved", "Saved")

        dialog = AnnotateDialog.editing(annotation, self._view_slice(annotation), self.workspace.known_tags())
        self.app.push_screen(dialog, save)

    def action_delete(self) -> None:
        if self._when_all_read(self.action_delete, here=True):
            return
        annotation = self._annotation_at_cursor()
        if annotation is None:
            self.notify("No highlight under the cursor.", markup=False)
            return
        if self._refuse_others(annotation):
            return

        self._change(partial(self._edits.delete, annotation), "Not deleted", "Deleted · u undoes")

    def action_undo(self) -> None:
        if not self.undo_stack:
            self.notify("Nothing to undo.", markup=False)
            return
        step = self.undo_stack.pop()
        self._change(partial(self._edits.undo, step), "Undo failed", step.undone)

    def _annotation_at_cursor(self) -> Annotation | None:
        if self.view_text is None:
            return None
        position = self.view_text.offsets.to_original(self.query_one(DocumentView).cursor)
        return self._annotations.at(position)

    # -- coders ---------------------------------------------------------------------------------------
    def action_cycle_coders(self) -> None:
        if self._when_all_read(self.action_cycle_coders):
            return
        if self.article is not None:
            self._show_coders(self._coder_view.cycle(self._everyone, self.info.id))

    def action_mark_coded(self) -> None:
        if self._when_all_read(self.action_mark_coded):
            return
        if self.article is None:
            return
        coded = not self._coder_view.hidden(self.info.id) if self._coder_view.blind else None
        self._mark_coded(self.app, coded)

    @work(thread=True, group="coders", exit_on_error=False)
    def _mark_coded(self, app: App[object], coded: bool | None) -> None:
        marks = CodedMarks(self.workspace.store)
        done = not marks.is_coded(self.info.id) if coded is None else not coded
        try:
            marks.mark([self.info.id], done=done)
        except ReaderError as exc:
            tell(app, str(exc), title="Not marked", severity="error")
            return
        self._coder_view.forget(self.info.id)
        message = "Marked coded by you" if done else "No longer marked coded"
        if done and self._coder_view.blind:
            message += ": others' work can be shown (c)"
        if not show(self, self._show_coders, message):
            tell(app, message)

    @work(thread=True, group="coders", exclusive=True, exit_on_error=False)
    def _show_coders(self, message: str) -> None:
        everyone, coders, ticket = self._everyone, self._coder_order, self._shown_ticket
        annotations = AnnotationSet(self._coder_view.visible(everyone, self.info.id))
        show(self, self._changed, None, _Shown(annotations, everyone, coders, ticket), message)

    # -- panel and navigation -------------------------------------------------------------------------
    def action_toggle_panel(self) -> None:
        if self._when_all_read(self.action_toggle_panel):
            return
        panel = self.query_one(AnnotationPanel)
        if panel.is_open:
            panel.close()
            self.query_one(DocumentView).focus()
        else:
            panel.open()

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
        here = self.view_text.offsets.to_original(self.query_one(DocumentView).cursor)
        target = self._annotations.after(here) if forward else self._annotations.before(here)
        if target is None:
            self.notify("No more highlights that way.", timeout=1.2, markup=False)
            return
        self.jump_to(target)

    def action_next_highlight(self) -> None:
        if self._when_all_read(self.action_next_highlight):
            return
        self._jump_relative(forward=True)

    def action_previous_highlight(self) -> None:
        if self._when_all_read(self.action_previous_highlight):
            return
        self._jump_relative(forward=False)
