"""The Textual app: wiring only. Screens and widgets live in ``screens/`` and ``widgets/``."""

from __future__ import annotations

import gc

#: Start-up creates hundreds of thousands of objects that live as long as the app (Textual's classes and
#: styles, the first screen): with the default thresholds the cycle collector walks them again and again
#: before anything is on screen (~5% of the start-up). It runs rarely until the first screen is painted
#: (:meth:`ReaderApp._started`), then as usual.
_USUAL_GC_THRESHOLDS = gc.get_threshold()
gc.set_threshold(50_000, 50, 100)

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.filter import LineFilter
from textual.notifications import Notification, Notify, SeverityLevel
from textual.theme import Theme
from textual.timer import Timer

from reader.errors import EnvironmentProblem, ReaderError
from reader.logs import logger, quieten
from reader.pacing import Pacer, WorkCancelled
from reader.sanitise import safe_line, sanitise
from reader.screens.library import LibraryScreen
from reader.settings import DEFAULT_MEASURE, THEMES, Settings, load_settings, set_setting
from reader.widgets.terminal_guard import TERMINAL_GUARD
from reader.widgets.typeahead import Typeahead, route_key
from reader.workspace import Workspace

log = logger(__name__)
quieten()  # the screens log through `logging` itself: their records must never reach the terminal

#: seconds a theme chosen in the palette must stay before it is saved (the palette tries each one out)
THEME_SAVE_DELAY = 0.5
#: seconds after the first paint before the word segmenter's helper starts (its imports and process start
#: would compete with writing that paint to the terminal; opening an article starts it anyway)
WORDS_WARM_UP_DELAY = 0.5
#: seconds without a key before each step of the converter's warm-up (a step cannot pause: up to ~70 ms)
CONVERTER_WARM_UP_IDLE = 0.3


def _reader_commands() -> type[Provider]:
    """The palette's commands, imported when the palette first opens (not on the way to the first paint)."""
    from reader.screens.commands import ReaderCommands

    return ReaderCommands


class ReaderApp(App[None]):
    """Browse a folder of Chinese articles, read them in any script, highlight and tag passages."""

    CSS_PATH = "app.tcss"
    TITLE = "reader"
    COMMANDS: ClassVar = App.COMMANDS | {_reader_commands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Keys", id="help", tooltip="Show every key"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="quit"),
        Binding("x", "export", "Export", id="export", tooltip="Export annotations: JSON, W3C, CSV, Markdown"),
        # the codebook from every screen (the library shows the key in its key bar)
        Binding("ctrl+t", "tags", "Tags", show=False, id="codebook", tooltip="Open the codebook: every tag"),
        Binding(
            "f2",
            "settings",
            "Settings",
            show=False,
            id="settings",
            tooltip="Settings: coder name, default view, theme, wrap width",
        ),
        # Tab moves the focus as the key arrives (a priority binding), not once the keys typed before it are
        # handled: the keys typed after it go to the next field, not the one being left (widgets/typeahead.py)
        Binding("tab", "focus_next", "Next field", show=False, priority=True, id="focus-next"),
        Binding(
            "shift+tab", "focus_previous", "Previous field", show=False, priority=True, id="focus-previous"
        ),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        #: background work (preparing other script views) waits while the user is typing or clicking
        self.pacer = Pacer()
        #: small writes the UI must not wait for (the reading position), one thread, in order; finished
        #: before the app's exit completes
        self.background_writes = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reader-writes")
        #: the last toast of each kind that replaces its predecessor (notify(..., replace=kind))
        self._replaceable: dict[str, Notification] = {}
        #: this clone's settings (reader.settings): the theme, an article's first view, the wrap width
        self.settings = load_settings(workspace.store.path)
        self._theme_timer: Timer | None = None
        #: keys typed ahead reach the field they were typed for (widgets/typeahead.py)
        self.typeahead = Typeahead(self)
        #: why the app stopped at once (:meth:`refuse`), for ``reader`` to say
        self.refused: str | None = None

    def on_mount(self) -> None:
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self.push_screen(LibraryScreen(self.workspace))
        for problem in self.settings.problems:  # a bad value in the file (its default applies): one line
            self.notify(problem, title="Settings", severity="warning", timeout=10)
        self.call_after_refresh(self._started)
        if not self.workspace.store.coder.explicit and not self.workspace.read_only:
            self.call_after_refresh(self.action_set_coder)  # first start: who is coding?

    # -- settings -----------------------------------------------------------------------------------------
    def _theme_changed(self, theme: Theme) -> None:
        """A theme chosen in the palette is remembered; saved once the choice settles (the palette's theme
        list tries each one out as it is highlighted)."""
        if self._theme_timer is not None:
            self._theme_timer.stop()
        self._theme_timer = self.set_timer(THEME_SAVE_DELAY, self._save_theme)

    def _save_theme(self) -> None:
        name = self.theme
        if name == self.settings.theme or name not in THEMES:
            return
        self.settings = replace(self.settings, values={**self.settings.values, "theme": name})
        self.background_writes.submit(self._write_setting, "theme", name)

    def _write_setting(self, key: str, value: object) -> None:
        """In the background writer: save one setting; a failure is one line (the theme stays on)."""
        try:
            set_setting(self.workspace.store.path, key, value)
        except ReaderError as exc:
            self.call_from_thread(self.notify, str(exc), title="Settings not saved", severity="warning")

    def action_settings(self) -> None:
        """F2: the settings dialog (coder, default view, theme, wrap width)."""
        from textual.screen import ModalScreen

        from reader.screens.settings import SettingsDialog

        if isinstance(self.screen, ModalScreen):
            return

        def saved(settings: Settings | None) -> None:
            if settings is not None:
                self.apply_settings(settings)
                if settings.coder and settings.coder != self.workspace.settings.coder:  # code as them now
                    from reader.screens.team import code_as

                    code_as(self, self.workspace, settings.coder)

        self.push_screen(SettingsDialog(self.workspace.store.path, self.theme), saved)

    def apply_settings(self, settings: Settings) -> None:
        """Show what the settings say now: the theme, the wrap width of every open document."""
        from reader.widgets.document import DocumentView

        self.settings = settings
        if settings.theme in self.available_themes and settings.theme != self.theme:
            self.theme = settings.theme
        for screen in self.screen_stack:
            for view in screen.query(DocumentView):
                view.measure = settings.wrap_width or DEFAULT_MEASURE

    def refuse(self, problem: str) -> None:
        """Stop the app over what the user must fix first (a wrong OpenCC binding): ``reader`` then
        says it in one line and exits 2, as if it had not started (``refused``)."""
        self.refused = problem
        self.exit(return_code=2)

    def _started(self) -> None:
        """The first screen is painted: the cycle collector runs as usual from now on, and a moment later
        (once that paint has reached the terminal) the word segmenter loads in its helper process
        (``reader.wordprocess``) while the user is in the library, the codebook's modules are imported
        (opening the first article would import them on the UI thread), and OpenCC's configs are made
        (``Converter.warm_up``: each holds the GIL for up to ~70 ms, a stalled page-down if made later)."""
        gc.set_threshold(*_USUAL_GC_THRESHOLDS)
        self.set_timer(WORDS_WARM_UP_DELAY, self._start_words_warm_up)

    def _start_words_warm_up(self) -> None:
        threading.Thread(target=self._warm_up_words, name="reader-words-warm-up", daemon=True).start()

    def _warm_up_words(self) -> None:
        from reader.scripts import check_opencc

        try:  # the binding itself, imported now: the start-up only looked at its files (check_opencc_files)
            check_opencc()
        except EnvironmentProblem as problem:
            self.call_from_thread(self.refuse, str(problem))
            return
        import reader.codebook  # noqa: F401  (the reading screen's highlight colours: ~10 ms of opening)
        from reader.wordprocess import warm_up
        from reader.words import words_for

        try:
            warm_up(words_for(self.workspace))
        except Exception as exc:  # only ahead of time: opening an article tries again and says why
            log.debug("the word segmenter was not loaded ahead: %s", exc)
        pacer = self.pacer
        from reader.screens.article import ArticleScreen

        def stop() -> bool:  # the app is closing, or an article is open (its screen makes what it needs)
            return not self.is_running or any(isinstance(s, ArticleScreen) for s in list(self.screen_stack))

        try:  # OpenCC's configs: made while the user is in the library, not while they page an article
            self.workspace.converter.warm_up(lambda: pacer.wait_idle(CONVERTER_WARM_UP_IDLE, stop))
        except WorkCancelled:
            return
        except Exception as exc:  # as above: the first view makes what is missing
            log.debug("the converter was not warmed up: %s", exc)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown | events.MouseScrollDown | events.MouseScrollUp):
            self.pacer.touch()
        if isinstance(event, events.Key):
            await self._key(event)
        else:
            await super().on_event(event)

    async def _key(self, event: events.Key) -> None:
        """Keys typed ahead reach the field they were typed for (widgets/typeahead.py)."""
        if event.is_forwarded:  # back from the widget it was delivered to, unhandled there
            if not self.typeahead.redeliver(event):
                await super().on_event(event)  # the bindings run here
            return
        if route_key(self.screen, event) or await self.typeahead.run_on_arrival(event):
            return
        await super().on_event(event)  # priority bindings, else delivered to the focused widget
        if event.is_forwarded:
            self.typeahead.delivered(event)

    def on_unmount(self) -> None:
        # the screens have been closed (each queued its last write): wait for those writes only
        self.background_writes.shutdown(wait=True)

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Every painted line passes the terminal guard (reader.sanitise's safety net), last."""
        return [*super().get_line_filters(), TERMINAL_GUARD]

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
        replace: str = "",
    ) -> None:
        """Notifications are plain text, made safe: messages carry tags, notes, file names and paths.

        ``markup`` is accepted for Textual's signature and ignored (GUIDE.md §4: never markup from data).
        ``replace``: a toast of that kind (say "view") replaces the last one still shown, so pressing `s`
        five times shows one toast, the latest, instead of a pile (``widgets/toast.py``).
        """
        message, title = sanitise(str(message)), safe_line(title)
        if not replace:
            super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)
            return
        old = self._replaceable.pop(replace, None)
        if old is not None:
            self._unnotify(old, refresh=False)  # the new toast's arrival refreshes the toasts
        timeout = self.NOTIFICATION_TIMEOUT if timeout is None else timeout
        notification = Notification(message, title, severity, timeout, markup=False)
        self._replaceable[replace] = notification
        self.post_message(Notify(notification))

    def action_help(self) -> None:
        from reader.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_tags(self) -> None:
        """Open the codebook (tags screen), from any screen but a dialog."""
        from textual.screen import ModalScreen

        from reader.screens.tags import TagsScreen

        if not isinstance(self.screen, TagsScreen | ModalScreen):
            self.push_screen(TagsScreen(self.workspace))

    def action_corpus_search(self) -> None:
        """Open the search of every article."""
        from reader.screens.search import CorpusSearchScreen

        if not isinstance(self.screen, CorpusSearchScreen):
            self.push_screen(CorpusSearchScreen(self.workspace))

    def action_words(self) -> None:
        """The most frequent words of the corpus (screens/frequencies.py)."""
        from reader.screens.frequencies import WordFrequencyScreen

        if not isinstance(self.screen, WordFrequencyScreen):
            self.push_screen(WordFrequencyScreen(self.workspace))

    def action_passages(
        self, tags: tuple[str, ...], articles: tuple[str, ...] = (), view: str = "original"
    ) -> None:
        """List the passages with `tags` (optionally only in `articles`) across the corpus, in `view`."""
        from reader.screens.passages import PassagesScreen

        self.push_screen(PassagesScreen(self.workspace, tags, articles=articles, view=view))

    # -- team work (screens/team.py)
    def action_set_coder(self) -> None:
        """Ask for this clone's coder name."""
        from reader.screens.team import ask_for_coder

        ask_for_coder(self, self.workspace)

    def action_sync(self) -> None:
        """Share annotations with the team through git (in a worker)."""
        from reader.screens.team import start_sync

        start_sync(self, self.workspace)

    def action_agreement(self) -> None:
        """Agreement between the coders, and where they differ."""
        from reader.screens.team import AgreementScreen

        if not isinstance(self.screen, AgreementScreen):
            self.push_screen(AgreementScreen(self.workspace))

    def action_merge(self) -> None:
        """Merge the coders' annotations into an agreed version, decision by decision."""
        from reader.screens.team import MergeScreen

        if not isinstance(self.screen, MergeScreen):
            self.push_screen(MergeScreen(self.workspace))

    def action_export(self) -> None:
        """Open the export dialog (from an article, it offers to export only that article)."""
        from textual.screen import ModalScreen

        from reader.screens.export import ExportDialog
        from reader.screens.reading import ReadingScreen

        if isinstance(self.screen, ModalScreen):  # a dialog is open: `x` is not ours to take
            return
        article = self.screen.info if isinstance(self.screen, ReadingScreen) else None
        view = self.screen.view_name if isinstance(self.screen, ReadingScreen) else "original"
        self.push_screen(ExportDialog(self.workspace, article, view=view))
