"""The reading screen: one article in any script view, with highlights, tagging, a side panel and undo.

Loading, views and the reading position: ``reader.screens.article.ArticleScreen``; marks, folds, phrases,
the repaired view: ``reader.screens.layers.LayeredScreen``; correcting them: ``reader.screens.correcting``.
Here: the annotations,
indexed off the UI thread (``reader.highlights.AnnotationSet``) so that each view draws only the highlights
of the lines on screen; every change of them runs in a worker (:meth:`ReadingScreen._change`: run, re-read,
show, or say in one line what went wrong); the panel, the find bar and the header.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal

from reader.articles import Article, ArticleInfo
from reader.colors import DEFAULT_COLOR, color_for_tag, hex_for
from reader.edits import Edits, UndoStep
from reader.errors import ConflictError, ReaderError
from reader.finding import Finder
from reader.highlights import AnnotationSet, ColourMemo, MappedHighlights
from reader.pacing import long_lived_objects
from reader.passages import PassageView
from reader.sanitise import safe_line
from reader.screens.annotate import AnnotateDialog, AnnotationDraft
from reader.screens.conflict import ask_about_conflict
from reader.screens.correcting import CorrectingScreen
from reader.screens.wordaids import WordAids
from reader.search import Match
from reader.store import Annotation
from reader.team import CodedMarks, CoderView
from reader.widgets.document import DocumentView
from reader.widgets.findbar import FindBar
from reader.widgets.header import HeaderLine, Part
from reader.widgets.keybar import KeyBar
from reader.widgets.panel import AnnotationPanel
from reader.widgets.statusline import StatusLine
from reader.workspace import Workspace


class ReadingScreen(CorrectingScreen):
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
        Binding(
            "c",
            "cycle_coders",
            "Coders",
            show=False,  # a solo user never needs it; the footer keeps ^p (listed by ?, README, TEAMS.md)
            id="cycle-coders",
            tooltip="Everyone's annotations → mine → each coder's",
        ),
        Binding(
            "C",
            "mark_coded",
            "Coded",
            show=False,
            id="mark-coded",
            tooltip="Mark this article coded by you (or not); blind coding then shows others' work",
        ),
        Binding(
            "r", "reading_line", "Reading", id="reading-line", tooltip="Reading line: pinyin / zhuyin / off"
        ),
        Binding("i", "dictionary", "Dict", id="dictionary", tooltip="The word under the cursor in CC-CEDICT"),
        Binding(
            "plus",
            "add_word",
            "Add word",
            show=False,
            id="add-word",
            tooltip="Add the selection to your words",
        ),
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
        super().__init__(workspace, info, select=select)
        #: find in this article (the find bar's query): made when the article has loaded
        self._finder: Finder | None = None
        self._edits = Edits(workspace)
        self._annotations: AnnotationSet[Annotation] = AnnotationSet()
        self._colours = ColourMemo(self._lookup_colour, workspace.codebook.meta)
        self._title, self._title_view = info.title, "original"
        self._passages: PassageView | None = None  # the passages in the view shown (for the panel)
        self.undo_stack: list[UndoStep] = []
        #: whose annotations are shown (reader.team.CoderView): everyone's, mine, one coder's; blind coding
        self._coder_view = CoderView(workspace, blind=bool(workspace.settings.get("blind")))
        self._everyone: Sequence[Annotation] = ()
        self._coder_order: list[str] = []
        #: words, reading line, dictionary, user words (screens/wordaids.py)
        self.words = WordAids(self)

    @property
    def annotations(self) -> Sequence[Annotation]:
        """This article's annotations in document order (orphans included)."""
        return self._annotations.all

    # -- layout ---------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield HeaderLine(id="reading-header")
        with Horizontal(id="reading-body"):
            yield DocumentView(id="document")
            yield AnnotationPanel(id="panel", classes="hidden")
        yield FindBar()
        yield StatusLine(id="reading-status")
        yield KeyBar()

    def _load_more(self, article: Article) -> AnnotationSet[Annotation]:
        return self._indexed(self.workspace.annotations(article))  # indexed off the UI thread

    def _indexed(self, everyone: Sequence[Annotation]) -> AnnotationSet[Annotation]:
        """(A worker thread) what the coder view shows, indexed; everyone's kept to switch views."""
        self._everyone = everyone
        self._coder_order = self._coder_view.coders(everyone)
        return AnnotationSet(self._coder_view.visible(everyone, self.info.id))

    def _loaded_more(self, extra: object) -> None:
        assert isinstance(extra, AnnotationSet) and self.article is not None
        self._annotations = extra
        self._finder = Finder(self.article.text, self.workspace.converter)
        self._colours.refresh()

    def _view_shown(self) -> None:
        super()._view_shown()
        self._draw_search_matches()
        self._show_annotations()
        self.words.view_shown()

    def on_screen_resume(self) -> None:
        """Back from another screen (the codebook, a passages list): what changed there shows here."""
        if self.view_text is None:
            return
        if self._colours.refresh():  # the codebook changed colours
            self._show_annotations()
        self.words.check_user_words()  # back from the codebook: a new tag is a word to keep whole
        self._reread_if_retagged()

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
                annotations = AnnotationSet(self.workspace.annotations(article))
        except ReaderError as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Not read", severity="error", markup=False)
            return
        self.app.call_from_thread(self._changed, None, annotations, "")

    # -- loading and views ----------------------------------------------------------------------------

    # -- header, highlights, panel --------------------------------------------------------------------
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

    def _title_in_view(self) -> str:
        if self._title_view != self.view_name:
            self._title = safe_line(self.workspace.converter.convert(self.display_title, self.script_view))
            self._title_view = self.view_name
        return self._title

    def _title_changed(self) -> None:
        self._title_view = ""

    def _refresh_header(self) -> None:
        """The title gives way to the view, the position and the counts (it is cut with "…")."""
        document = self.query_one(DocumentView)
        parts = [
            Part(self._title_in_view(), style="bold", shrink=True),
            Part(self.view_label(), style="bold cyan"),
        ]
        if len(self._coder_order) > 1 or self._coder_view.mode != "everyone":  # whose work is shown
            parts.append(Part(safe_line(self._coder_view.label(), 40), style="bold magenta"))
        parts.append(Part(self.position_label(document.cursor)))
        count = len(self._annotations)
        parts.append(Part(f"{count} annotation{'s' if count != 1 else ''}"))
        if document.selection:
            start, end = document.selection
            parts.append(Part(f"{end - start} selected", style="bold"))
        reading_time = self.reading_time_label()  # the body's: the first to give way in a narrow window
        if reading_time:
            parts.append(Part(reading_time))
        self.query_one(HeaderLine).show(*parts)  # at every cursor move: cheap, no layout pass

    @on(DocumentView.CursorMoved)
    @on(DocumentView.SelectionChanged)
    def _document_changed(self) -> None:
        self._last_position = self.current_position()
        self._refresh_header()

    # -- annotating -----------------------------------------------------------------------------------
    @work(thread=True, group="save", exit_on_error=False)
    def _change(self, change: Callable[[], UndoStep | None], failed: str, done: str) -> None:
        """Run one change of the annotations off the UI thread, then show them as they now are.

        `change` returns what undoes it (None for an undo itself); a `ReaderError` is said in one line
        titled `failed`, and nothing else happens.
        """
        assert self.article is not None
        try:
            step = change()
            with long_lived_objects():
                annotations = self._indexed(self.workspace.annotations(self.article))
        except ConflictError as conflict:  # another copy of reader saved it meanwhile: ask
            self.app.call_from_thread(
                ask_about_conflict, self, self.workspace, conflict, self._after_conflict
            )
            return
        except ReaderError as exc:
            self.app.call_from_thread(self.notify, str(exc), title=failed, severity="error", markup=False)
            return
        self.app.call_from_thread(self._changed, step, annotations, done)

    def _after_conflict(self, message: str) -> None:
        """The user settled a conflict (screens/conflict.py): show the annotations as they now are."""
        self._change(lambda: None, "Not saved", message)

    def _changed(self, step: UndoStep | None, annotations: AnnotationSet[Annotation], message: str) -> None:
        if step is not None:
            self.undo_stack.append(step)
        self._annotations = annotations
        self._colours.refresh()
        self._show_annotations()
        if step is not None and step.kind == "add":
            self.query_one(DocumentView).clear_selection()
        if step is not None and step.kind in ("add", "edit", "coding"):
            self.words.check_user_words()  # a new tag is a word the segmenter keeps whole
        if message:
            self.notify(message, timeout=1.5, markup=False)

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
        if self.article is not None:
            self._show_coders(self._coder_view.cycle(self._everyone, self.info.id))

    def action_mark_coded(self) -> None:
        if self.article is None:
            return
        coded = not self._coder_view.hidden(self.info.id) if self._coder_view.blind else None
        self._mark_coded(coded)

    @work(thread=True, group="coders", exit_on_error=False)
    def _mark_coded(self, coded: bool | None) -> None:
        marks = CodedMarks(self.workspace.store)
        done = not marks.is_coded(self.info.id) if coded is None else not coded
        try:
            marks.mark([self.info.id], done=done)
        except ReaderError as exc:
            self.app.call_from_thread(
                self.notify, str(exc), title="Not marked", severity="error", markup=False
            )
            return
        self._coder_view.forget(self.info.id)
        message = "Marked coded by you" if done else "No longer marked coded"
        if done and self._coder_view.blind:
            message += ": others' work can be shown (c)"
        self.app.call_from_thread(self._show_coders, message)

    @work(thread=True, group="coders", exclusive=True, exit_on_error=False)
    def _show_coders(self, message: str) -> None:
        annotations = AnnotationSet(self._coder_view.visible(self._everyone, self.info.id))
        self.app.call_from_thread(self._changed, None, annotations, message)

    # -- reading aids (screens/wordaids.py, screens/dictionary.py) -------------------------------------
    def action_reading_line(self) -> None:
        self.words.cycle_reading_line()

    def action_toggle_snap(self) -> None:
        self.words.toggle_snap()

    def action_add_word(self) -> None:
        self.words.add_selection_to_user_words()

    def action_word_frequencies(self) -> None:
        """This article's most frequent words; Enter on one finds it here (whole words)."""
        from reader.screens.frequencies import WordFrequencyScreen

        if self.article is None:
            return

        def find(word: str | None) -> None:
            if word:
                self.query_one(FindBar).open(word, whole_words=True)

        screen = WordFrequencyScreen(self.workspace, article_ids=[self.info.id], title=self._title_in_view())
        self.app.push_screen(screen, find)

    def action_dictionary(self) -> None:
        """The word under the cursor in CC-CEDICT, in a popup beside it (↑/↓ shorter / longer words)."""
        from reader.screens.dictionary import DictionaryPopup
        from reader.words import dictionary_for

        view_text = self.view_text
        if view_text is None:
            return
        document = self.query_one(DocumentView)
        document.scroll_to_cursor()
        at = document.cursor_point() or (document.content_region.x, document.content_region.y)
        words = document.words
        pos = document.cursor
        popup = DictionaryPopup(
            dictionary_for(self.workspace),
            view_text.text,
            pos,
            word=words.word_at(pos) if words is not None else None,
            at=at,
            line_rows=2 if document.reading_line is not None else 1,
        )
        self.app.push_screen(popup)

    # -- panel and navigation -------------------------------------------------------------------------
    def action_toggle_panel(self) -> None:
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
        self._jump_relative(forward=True)

    def action_previous_highlight(self) -> None:
        self._jump_relative(forward=False)

    def action_back(self) -> None:
        find_bar = self.query_one(FindBar)
        if find_bar.is_open:  # Esc first closes the search
            find_bar.close()
            return
        self.dismiss()

    # -- find in this article ---------------------------------------------------------------------------
    def action_open_search(self) -> None:
        if self.article is not None:
            self.query_one(FindBar).open()

    def action_close_search(self) -> None:
        self.query_one(FindBar).close()

    @property
    def search_matches(self) -> list[Match]:
        """The matches of the find bar's query (original offsets)."""
        return self._finder.matches if self._finder else []

    @property
    def search_current(self) -> int | None:
        return self._finder.current if self._finder else None

    @on(FindBar.Closed)
    def _search_closed(self) -> None:
        if self._finder is not None:
            self._finder.clear()
        self._draw_search_matches()
        self.query_one(DocumentView).focus()

    @on(FindBar.Changed)
    def _search_changed(self, event: FindBar.Changed) -> None:
        self._find(event.query, event.whole_words, event.body_only)

    def _find(self, query: str, whole_words: bool, body_only: bool) -> None:
        if self._finder is None or self.view_text is None:
            return
        here = self.view_text.offsets.to_original(self.query_one(DocumentView).cursor)
        # whole words before the article is segmented: every match until then (words_ready searches again)
        words = self.words.article_words if whole_words else None
        structure = self.analysis.structure if body_only and self.analysis is not None else None
        keep = (lambda match: structure.region_at(match.start) is None) if structure is not None else None
        self._show_match(self._finder.search(query, here, keep, words=words))

    def words_ready(self) -> None:
        """The article's words are known (or changed): a whole-word search is run again with them."""
        find_bar = self.query_one(FindBar)
        if find_bar.is_open and find_bar.whole_words and find_bar.query_text:
            self._find(find_bar.query_text, True, find_bar.body_only)

    @on(FindBar.CodeAll)
    def _code_all(self, event: FindBar.CodeAll) -> None:
        body_only = self.query_one(FindBar).body_only
        self.code_matches(event.query, event.whole_words, body_only=body_only)

    def code_matches(self, query: str, whole_words: bool, *, body_only: bool = False) -> None:
        """Tag every match of `query` in this article, after a review list; one `u` undoes it all.
        `body_only`: only the matches the find bar keeps (not in the page parts around the article)."""
        from reader.screens.coding import CodeMatchesScreen, CodingDraft

        article = self.article
        if article is None or not query.strip():
            return
        view = self.view_name

        def save(draft: CodingDraft | None) -> None:
            if draft is None:
                return
            count = len(draft.plan)
            code = partial(
                self._edits.code, draft.plan, tags=draft.tags, note=draft.note, color="", view=view
            )
            self._change(code, "Not coded", f"Coded {count} match{'es' if count != 1 else ''} · u undoes")

        keep = {(article.info.id, m.start, m.end) for m in self.search_matches} if body_only else None
        screen = CodeMatchesScreen(
            self.workspace,
            query,
            article_ids=[article.info.id],
            whole_words=whole_words,
            keep=keep,
            view=view,
        )
        self.app.push_screen(screen, save)

    @on(FindBar.Step)
    def _search_step(self, event: FindBar.Step) -> None:
        self._step_match(event.step)

    def action_search_next(self) -> None:
        self._step_match(1)

    def action_search_previous(self) -> None:
        self._step_match(-1)

    def _step_match(self, step: int) -> None:
        current = self._finder.step(step) if self._finder else None
        if current is None and self.query_one(FindBar).query_text:
            self.notify("No matches.", timeout=1.2, markup=False)
        elif current is not None:
            self._show_match(current)

    def _show_match(self, index: int | None) -> None:
        """Draw the matches; the cursor goes to the current one (`index`) if there is one."""
        self._draw_search_matches()
        if self.view_text is not None and index is not None:
            match = self.search_matches[index]
            start, _ = self.view_text.offsets.range_to_view(match.start, match.end)
            self.query_one(DocumentView).move_cursor(start, center=True)

    def _draw_search_matches(self) -> None:
        """Map the matches (original offsets) to the current view, draw them and show "3/17"."""
        ranges = []
        if self.view_text is not None:
            ranges = [self.view_text.offsets.range_to_view(m.start, m.end) for m in self.search_matches]
        self.query_one(DocumentView).set_search_matches(ranges, self.search_current)
        self.query_one(FindBar).show_count(self.search_current, len(self.search_matches))

    # -- reading position -----------------------------------------------------------------------------
