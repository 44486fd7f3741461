"""The reading screen's reading aids: the article's words, the reading line, the dictionary, user words.

:class:`WordAids` belongs to one ``ReadingScreen`` and does the work the issue "reading aids" asks of it,
never on the UI thread:

* **Words.** When the article has loaded, a thread worker segments it (``reader.words``: from the disk
  cache in ~40 ms, else ~0.3–0.8 s for zuozhuan, plus loading the segmenter once) and maps the words into
  the view shown; the document view's word motions move by characters until then. A view whose offset map
  is not the identity (臺灣 with phrases) is mapped in a worker when it is first shown. When the user's
  words may have changed (a save with a new tag, back from the codebook, ``+``) a worker asks
  ``Words.refresh_user_words()`` and segments again only if the segmenter's fingerprint moved.
* **The reading line** (``r``): off → pinyin → zhuyin (→ jyutping in the 香港 view) → off, remembered in
  the settings (``reading``); a ``reader.readingline.ReadingLine`` per view, read in the document view's
  own worker (``widgets/document_readings``).
* **The dictionary** (``i``): ``dictionary.prepare()`` runs in the segmentation worker, so the popup
  (``screens/dictionary``) finds it open.
* **User words** (``+``): the selection is appended to ``<db>/user-words.txt``; the article is segmented
  again.
* **Snapping** selections to words: the ``snap_words`` setting (a palette command toggles it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from reader.convert import ViewText
from reader.errors import ReaderError
from reader.pacing import Pacer, WorkCancelled
from reader.readingline import ReadingLine, reading_systems
from reader.sanitise import safe_line
from reader.screens.handover import show
from reader.segmentation import ArticleWords, ViewWords
from reader.settings import load_settings, set_setting
from reader.viewcache import PIECE_CHARS
from reader.wordprocess import adopt
from reader.words import USER_WORDS_FILE, add_user_words, dictionary_for, words_for

if TYPE_CHECKING:
    from reader.articles import Article
    from reader.screens.reading import ReadingScreen
    from reader.widgets.document import DocumentView

__all__ = ["WordAids"]

log = logging.getLogger(__name__)

READING_NAMES = {"pinyin": "pinyin", "zhuyin": "zhuyin (注音)", "jyutping": "jyutping (粵拼)"}


class WordAids:
    """Words, reading line, dictionary and user words of one reading screen (see the module docstring)."""

    def __init__(self, screen: ReadingScreen) -> None:
        self.screen = screen
        self.workspace = screen.workspace
        self.article_words: ArticleWords | None = None
        self.fingerprint: str | None = None
        self._view_words: dict[str, ViewWords] = {}
        self._mapping: set[str] = set()  # views whose words a worker is mapping
        self._lines: dict[tuple[str, str, int], ReadingLine] = {}
        self._started = False
        self._checking = False  # a check of the user words is running (another is run after it if asked)
        self._check_again = False
        settings = load_settings(self.workspace.store.path)
        reading = settings.values.get("reading", "off")
        self.system: str | None = reading if reading in READING_NAMES else None
        self.snap = settings.values.get("snap_words", "off") == "on"

    # -- state ------------------------------------------------------------------------------------------
    @property
    def document(self) -> DocumentView:
        from reader.widgets.document import DocumentView

        return self.screen.query_one(DocumentView)

    @property
    def ready(self) -> bool:
        """The words of the view shown are known (word motions move by words)."""
        return self.document.words is not None

    def words_in(self, view: str) -> ViewWords | None:
        return self._view_words.get(view)

    def _run(self, work: Callable[[], None], group: str) -> None:
        self.screen.run_worker(work, thread=True, group=group, exclusive=True, exit_on_error=False)

    # -- words ------------------------------------------------------------------------------------------
    def _start(self) -> None:
        """Once the first view is shown: segment the article (and open the dictionary) in a worker; word
        motions move by characters meanwhile."""
        article = self.screen.article
        if self._started or article is None:
            return
        self._started = True
        self.document.snap_words = self.snap
        self._run(lambda: self._segment(article, prepare_dictionary=True), "words")

    def _segment(self, article: Article, *, prepare_dictionary: bool = False) -> None:
        """In a thread: the words of `article` (cached, or cut now), then the view shown's.

        rjieba cuts in the helper process (``reader.wordprocess``: it would hold the GIL here); the 简体
        view it cuts is converted first in small pieces that wait while the user types or pages.
        """
        words = words_for(self.workspace)
        adopt(words)
        fingerprint = words.refresh_user_words()
        article_words = words.stored(article)
        pause = self._pause_hook()
        try:
            if article_words is None:
                self.workspace.converter.view(
                    article, "simplified", progress=lambda done, total: pause(), chunk_chars=PIECE_CHARS
                )
                article_words = words.for_article(article, pause)
            view_text = self.screen.view_text
            view_words = ViewWords(article_words, view_text.offsets, pause) if view_text is not None else None
        except WorkCancelled:
            return
        self._post(self._segmented, article, fingerprint, article_words, view_text, view_words)
        if prepare_dictionary:
            try:
                dictionary_for(self.workspace).prepare()
            except ReaderError as exc:  # no CC-CEDICT: said when the popup is asked for
                log.debug("dictionary not prepared: %s", exc)

    def _pause_hook(self) -> Callable[[], None]:
        """For a worker of this screen: the app's pause hook (``reader.pacing``), which stops once the screen
        is closed (an app without a pacer, in some tests: never pauses)."""
        pacer = getattr(self.screen.app, "pacer", None)
        if not isinstance(pacer, Pacer):
            return lambda: None
        return pacer.hook(lambda: not self.screen.is_attached)

    def _post(self, callback: Callable[..., None], *args: object) -> None:
        """From a worker: run `callback` on the UI thread (not once the screen is gone; once the app is
        gone this raises, which ends the worker: screens/handover.py)."""
        show(self.screen, callback, *args)

    def _segmented(
        self,
        article: Article,
        fingerprint: str,
        article_words: ArticleWords,
        view_text: ViewText | None,
        view_words: ViewWords | None,
    ) -> None:
        if article is not self.screen.article:
            return
        self.article_words, self.fingerprint = article_words, fingerprint
        self._view_words.clear()
        self._lines.clear()
        if view_text is not None and view_words is not None:
            self._view_words[view_text.view] = view_words
        self.view_shown()
        self.screen.words_ready()

    def view_shown(self) -> None:
        """The screen shows a view (the first, or after a switch): its words and reading line."""
        view_text = self.screen.view_text
        if view_text is None:
            return
        self._start()
        words = self._view_words.get(view_text.view)
        if words is None and self.article_words is not None:
            if view_text.offsets.identity:  # shares the article's arrays: free
                words = self._view_words[view_text.view] = ViewWords(self.article_words, view_text.offsets)
            elif view_text.view not in self._mapping:
                self._mapping.add(view_text.view)
                article_words = self.article_words
                self._run(lambda: self._map(article_words, view_text), f"words-{view_text.view}")
        self.document.set_words(words)
        if self.system == "jyutping" and view_text.view != "hongkong":
            self.system = "pinyin"  # Cantonese readings belong to the 香港 view
        self._show_reading_line()

    def _map(self, article_words: ArticleWords, view_text: ViewText) -> None:
        try:  # a linear walk: ~0.2 s on zuozhuan, in pieces that wait while the user types or pages
            view_words = ViewWords(article_words, view_text.offsets, self._pause_hook())
        except WorkCancelled:
            return
        self._post(self._mapped, article_words, view_text, view_words)

    def _mapped(self, article_words: ArticleWords, view_text: ViewText, view_words: ViewWords) -> None:
        self._mapping.discard(view_text.view)
        if article_words is not self.article_words:  # segmented again meanwhile: map the new words
            if self.screen.view_text is view_text and view_text.view not in self._view_words:
                self.view_shown()
            return
        self._view_words[view_text.view] = view_words
        if self.screen.view_text is view_text:
            self.view_shown()

    def check_user_words(self) -> None:
        """The codebook or the user's words may have changed: segment again if the words did."""
        article = self.screen.article
        if article is None or self.fingerprint is None:
            return
        if self._checking:  # asked twice at once (back from a dialog, then its save): once more after it
            self._check_again = True
            return
        self._checking = True
        check = partial(self._resegment_if_changed, article)
        self.screen.run_worker(check, thread=True, group="words-check", exit_on_error=False)

    def _resegment_if_changed(self, article: Article) -> None:
        try:
            if words_for(self.workspace).refresh_user_words() != self.fingerprint:
                self._segment(article)
        finally:
            self._post(self._checked)

    def _checked(self) -> None:
        self._checking = False
        if self._check_again:
            self._check_again = False
            self.check_user_words()

    # -- the reading line -------------------------------------------------------------------------------
    def cycle_reading_line(self) -> None:
        """``r``: off → pinyin → zhuyin (→ jyutping in the 香港 view) → off."""
        view_text = self.screen.view_text
        if view_text is None:
            return
        choices: list[str | None] = [None, *reading_systems(view_text.view)]
        self.system = choices[(choices.index(self.system) + 1) % len(choices)]
        self._show_reading_line()
        self._remember("reading", self.system or "off")
        shown = READING_NAMES[self.system] if self.system else "off"
        self.screen.notify(f"Reading line: {shown}", timeout=1.5)

    def _show_reading_line(self) -> None:
        view_text = self.screen.view_text
        if view_text is None or self.system is None:
            self.document.set_reading_line(None)
            return
        words = self._view_words.get(view_text.view)
        key = (view_text.view, self.system, id(words))
        line = self._lines.get(key)
        if line is None or line.text is not view_text.text:
            line = ReadingLine(view_text.text, self.system, converter=self.workspace.converter, words=words)
            self._lines = {
                k: v for k, v in self._lines.items() if k[0] != view_text.view or k[2] == id(words)
            }
            self._lines[key] = line
        self.document.set_reading_line(line)

    # -- snapping and settings --------------------------------------------------------------------------
    def toggle_snap(self) -> None:
        self.snap = not self.snap
        self.document.snap_words = self.snap
        self._remember("snap_words", "on" if self.snap else "off")
        self.screen.notify(
            "Selections snap to whole words" if self.snap else "Selections move by characters", timeout=1.5
        )

    def _remember(self, key: str, value: str) -> None:
        db = self.workspace.store.path

        def write() -> None:
            try:
                set_setting(db, key, value)
            except ReaderError as exc:
                log.warning("setting %s not saved: %s", key, exc)

        writer = getattr(self.screen.app, "background_writes", None)
        if writer is not None:
            writer.submit(write)

    # -- user words -------------------------------------------------------------------------------------
    def add_selection_to_user_words(self) -> None:
        """``+``: the selection becomes one of the user's words (kept whole by the segmenter)."""
        word = self.document.selected_text.strip()
        if not word or "\n" in word or any(c.isspace() for c in word) or len(word) > 32:
            self.screen.notify(
                "Select one word first (shift+w selects the word under the cursor; shift+arrows or drag "
                "for more).",
                timeout=3,
            )
            return
        article = self.screen.article
        path = self.workspace.store.path / USER_WORDS_FILE

        def add() -> None:
            try:
                added = add_user_words(path, [word])
            except OSError as exc:
                self._post(self._say, f"{path}: cannot add the word ({exc.strerror or exc})", "error")
                return
            shown = safe_line(word, 40)
            self._post(
                self._say,
                f"{shown} added to your words; the article is segmented again"
                if added
                else f"{shown} is already one of your words",
                "information",
            )
            if added and article is not None:
                self._resegment_if_changed(article)

        self._run(add, "user-words")

    def _say(self, message: str, severity: str) -> None:
        self.screen.notify(message, timeout=3, severity=severity)  # type: ignore[arg-type]
