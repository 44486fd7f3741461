"""The word-frequency screen: the most frequent words of the corpus, of one article, or of a tag's passages.

Words are counted by ``reader.frequencies.word_frequencies`` in a thread worker (with its progress
shown), merged across scripts (数据 and 數據 are one word, listed with how each was written). Stop words
are left out; ``s`` makes the highlighted word one (``<db>/stopwords.txt``, copied from the shipped list
the first time), ``u`` puts the last one back. Enter searches the word: across the corpus (whole words),
or, when the screen counts one article, in that article's find bar.
"""

from __future__ import annotations

from collections.abc import Sequence
from time import monotonic
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from reader.errors import ReaderError
from reader.frequencies import WordCount, add_stopword, load_stopwords, remove_stopword, word_frequencies
from reader.sanitise import safe_line
from reader.screens.annotate import parse_tags
from reader.screens.handover import show, tell
from reader.shorttext import clip_line
from reader.widgets.keybar import KeyBar
from reader.workspace import Workspace

__all__ = ["MAX_WORDS", "WordFrequencyScreen"]

#: words listed at most
MAX_WORDS = 2_000
#: seconds between two progress updates
PROGRESS_SECONDS = 0.1


class WordTable(DataTable):
    """The words, most frequent first; Enter searches the highlighted one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Search", id="words.search", tooltip="Search this word"),
    ]


class WordFrequencyScreen(Screen[str | None]):
    """Counts words in `article_ids` (all articles if empty); dismissed with a word when Enter is pressed
    on one in an article's scope (the reading screen then finds it), else it opens the corpus search."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "stop_word", "Stop word", id="words.stop", tooltip="Leave this word out (a stop word)"),
        Binding("u", "unstop", "Undo stop", id="words.unstop", tooltip="Put the last stop word back"),
        # t as in the panel (ctrl+t is the codebook on every screen)
        Binding("t", "focus_tags", "Tags", id="words.tags", tooltip="Only words in passages with tags"),
        Binding("escape", "back", "Back", id="words.back"),
    ]

    DEFAULT_CSS = """
    WordFrequencyScreen #words-header, WordFrequencyScreen #words-status {
        height: 1;
        padding: 0 1;
        background: $panel;
    }
    WordFrequencyScreen #words-table {
        height: 1fr;
    }
    """

    def __init__(
        self, workspace: Workspace, *, article_ids: Sequence[str] = (), title: str = "", tags: str = ""
    ) -> None:
        """``title``: what `article_ids` are (an article's title) for the header; ``tags``: the filter."""
        super().__init__()
        self.workspace = workspace
        self.article_ids = tuple(article_ids)
        self.scope_title = title
        self._initial_tags = tags
        self.words: list[WordCount] = []
        self.counting = False
        self.stopped: list[str] = []  # words made stop words here, last last
        self._progress = (0, 0)
        self._generation = 0

    def compose(self) -> ComposeResult:
        header = Text(no_wrap=True, overflow="ellipsis")
        header.append("Most frequent words", style="bold")
        if self.article_ids:
            header.append(" · ")
            header.append(safe_line(self.scope_title or self.article_ids[0], 60))
        else:
            header.append(" · every article")
        header.append(" · 简/繁 merged")
        yield Static(header, id="words-header")
        yield Input(
            value=self._initial_tags, placeholder="only in passages tagged… (optional)", id="words-tags"
        )
        yield Static(Text(""), id="words-status")
        yield WordTable(id="words-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(WordTable)
        for label in ("#", "Word", "Count", "Articles", "Written as"):
            table.add_column(label, key=label)
        table.focus()
        self.count()

    # -- counting ---------------------------------------------------------------------------------------
    def count(self) -> None:
        self._generation += 1
        self.counting = True
        self._progress = (0, 0)
        self._show_status()
        tags = parse_tags(self.query_one("#words-tags", Input).value)
        self._count(self._generation, tags)

    @work(thread=True, exclusive=True, group="word-frequencies", exit_on_error=False)
    def _count(self, generation: int, tags: tuple[str, ...]) -> None:
        worker = get_current_worker()
        last = 0.0

        def progress(done: int, total: int) -> None:
            nonlocal last
            if worker.is_cancelled or generation != self._generation:
                raise _Stale
            if monotonic() - last >= PROGRESS_SECONDS:
                last = monotonic()
                show(self, self._advanced, generation, done, total)

        workspace = self.workspace
        try:
            stop = load_stopwords(workspace.store.path, workspace.converter)
            counted = word_frequencies(
                workspace,
                tags=tags,
                article_ids=self.article_ids,
                stopwords=stop,
                limit=MAX_WORDS,
                progress=progress,
            )
        except _Stale:
            return
        except ReaderError as exc:
            show(self, self._failed, generation, str(exc))
            return
        show(self, self._counted, generation, counted)

    def _advanced(self, generation: int, done: int, total: int) -> None:
        if generation == self._generation:
            self._progress = (done, total)
            self._show_status()

    def _failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self.counting = False
            self.notify(message, title="Cannot count the words", severity="error", markup=False)
            self._show_status()

    def _counted(self, generation: int, counted: list[WordCount]) -> None:
        if generation != self._generation:
            return
        self.counting = False
        self.words = counted
        table = self.query_one(WordTable)
        table.clear()
        for rank, word in enumerate(counted, 1):
            forms = " ".join(f"{form}×{n}" for form, n in word.forms[:4])
            table.add_row(
                str(rank),
                Text(safe_line(word.word), style="bold"),
                str(word.count),
                str(word.articles),
                Text(clip_line(safe_line(forms), 40), style="dim"),
                key=word.word,
            )
        self._show_status()

    def _show_status(self) -> None:
        status = Text(no_wrap=True, overflow="ellipsis")
        if self.counting:
            done, total = self._progress
            status.append(f"counting… {done}/{total} articles" if total else "counting…", style="bold yellow")
        else:
            status.append(f"{len(self.words)} words", style="bold")
            status.append(" · enter searches · s: stop word · u: put it back", style="dim")
        self.query_one("#words-status", Static).update(status)

    @on(Input.Changed, "#words-tags")
    def _tags_changed(self) -> None:
        self.count()

    @on(Input.Submitted, "#words-tags")
    def _tags_submitted(self) -> None:
        self.query_one(WordTable).focus()

    def action_focus_tags(self) -> None:
        self.query_one("#words-tags", Input).focus()

    # -- the highlighted word ---------------------------------------------------------------------------
    @property
    def highlighted(self) -> WordCount | None:
        table = self.query_one(WordTable)
        if not self.words or table.cursor_row is None or not 0 <= table.cursor_row < table.row_count:
            return None
        key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return next((w for w in self.words if w.word == key.value), None)

    @on(DataTable.RowSelected)
    def _search(self, event: DataTable.RowSelected) -> None:
        event.stop()
        word = self.highlighted
        if word is None:
            return
        if self.article_ids:  # the reading screen underneath finds it
            self.dismiss(word.word)
            return
        from reader.screens.search import CorpusSearchScreen

        self.app.push_screen(CorpusSearchScreen(self.workspace, word.word, whole_words=True))

    def action_stop_word(self) -> None:
        word = self.highlighted
        if word is not None:
            self._edit_stopwords(self.app, word.word, add=True)

    def action_unstop(self) -> None:
        if not self.stopped:
            self.notify("No stop word to put back.", markup=False)
            return
        self._edit_stopwords(self.app, self.stopped[-1], add=False)

    @work(thread=True, group="stopwords", exit_on_error=False)
    def _edit_stopwords(self, app: App[object], word: str, add: bool) -> None:
        """(``app`` taken on the UI thread: a failure is said even if the list is closed meanwhile.)"""
        db = self.workspace.store.path
        try:
            path = add_stopword(db, word) if add else remove_stopword(db, word)
        except OSError as exc:
            tell(app, f"{db}: cannot change the stop words ({exc.strerror or exc})", severity="error")
            return
        show(self, self._stopwords_edited, word, add, str(path))

    def _stopwords_edited(self, word: str, add: bool, path: str) -> None:
        shown = safe_line(word, 40)
        if add:
            self.stopped.append(word)
            self.notify(f"{shown} is a stop word now ({safe_line(path)}) · u puts it back", markup=False)
        else:
            self.stopped.remove(word)
            self.notify(f"{shown} is counted again", markup=False)
        self.count()

    def action_back(self) -> None:
        self.dismiss(None)


class _Stale(Exception):
    """A newer count started: this one stops."""
