"""The reading screen: one article in any script view, with highlights, tagging, a side panel and undo.

A chain of classes, each a part of the screen: loading, views and the reading position
(``reader.screens.article.ArticleScreen``); marks, folds, phrases, the repaired view
(``reader.screens.layers.LayeredScreen``); correcting them (``reader.screens.correcting``); the
annotations, their changes with undo, the panel and whose work is shown
(``reader.screens.annotating.AnnotatingScreen``). Here: the keys, the layout, the header, the reading aids
(``screens/wordaids.py``, the dictionary popup) and find in this article (the find bar, coding every match).
"""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal

from reader.articles import ArticleInfo
from reader.finding import Finder
from reader.sanitise import safe_line
from reader.screens.annotating import AnnotatingScreen
from reader.screens.wordaids import WordAids
from reader.search import Match
from reader.widgets.document import DocumentView
from reader.widgets.findbar import FindBar
from reader.widgets.header import HeaderLine, Part
from reader.widgets.keybar import KeyBar
from reader.widgets.panel import AnnotationPanel
from reader.widgets.statusline import StatusLine
from reader.workspace import Workspace


class ReadingScreen(AnnotatingScreen):
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
        self._title, self._title_view = info.title, "original"
        #: words, reading line, dictionary, user words (screens/wordaids.py)
        self.words = WordAids(self)

    # -- layout ---------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield HeaderLine(id="reading-header")
        with Horizontal(id="reading-body"):
            yield DocumentView(id="document")
            yield AnnotationPanel(id="panel", classes="hidden")
        yield FindBar()
        yield StatusLine(id="reading-status")
        yield KeyBar()

    def _loaded_more(self, extra: object) -> None:
        super()._loaded_more(extra)
        assert self.article is not None
        self._finder = Finder(self.article.text, self.workspace.converter)

    def _tags_may_be_new(self) -> None:
        self.words.check_user_words()  # a new tag is a word the segmenter keeps whole

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

    # -- header -------------------------------------------------------------------------------------------
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
        count = self.annotation_count
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
