"""The export dialog (`x`, or "Export" in the command palette): format, script, filters and file.

The export runs in a thread worker: a progress bar counts the articles done, Esc cancels (nothing is
written), and when the file is written the dialog closes with a notification naming its full path. An
error (say, a folder that does not exist, or a path inside the articles or database folder) is shown in
the dialog, which stays open to fix it; an existing file is replaced only after a "Replace it?" question.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, ProgressBar, Select, Static
from textual.worker import Worker, WorkerState, get_current_worker

from reader.articles import ArticleInfo
from reader.convert import VIEW_LABELS, VIEWS
from reader.errors import ReaderError
from reader.export import (
    EXTENSIONS,
    FORMAT_LABELS,
    FORMATS,
    build_export,
    check_output,
    default_export_name,
    protected_folders,
    render_bytes,
    write_atomically,
)
from reader.sanitise import safe_line
from reader.screens.annotate import TagSuggester, parse_tags
from reader.screens.compact import CompactWhenShort
from reader.screens.dialogs import ChoiceDialog, confirm_choices
from reader.screens.handover import dismiss_when_on_top, show
from reader.shorttext import clip_line
from reader.tags import unmatched_filters
from reader.workspace import Workspace

#: seconds between two progress updates sent to the UI
PROGRESS_INTERVAL = 0.1


class _Cancelled(Exception):
    pass


class ExportDialog(CompactWhenShort, ModalScreen[Path | None]):
    """Dismissed with the written file's path, or None if cancelled."""

    DEFAULT_CSS = """
    ExportDialog {
        align: center middle;
    }
    #export-box {
        width: 80;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        padding: 1 2;
        border: thick $accent;
        background: $panel;
    }
    #export-title {
        margin-bottom: 1;
    }
    #export-choices {
        height: auto;
    }
    #export-choices Vertical {
        width: 1fr;
        height: auto;
    }
    #export-choices Vertical:first-child {
        margin-right: 2;
    }
    #export-box Select, #export-box Input {
        margin-bottom: 1;
    }

    #export-progress.hidden, #export-status.hidden, #export-csv-formulas.hidden {
        display: none;
    }
    #export-status {
        color: $text-muted;
    }
    #export-tags-warning {
        color: $warning;
        margin-bottom: 1;
    }

    #export-status.error {
        color: $error;
    }
    #export-buttons {
        height: auto;
        margin-top: 1;
        align-horizontal: right;
    }
    #export-buttons Button {
        margin-left: 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="cancel-export"),
        Binding("ctrl+s", "export", "Export", id="run-export"),
    ]

    def __init__(
        self,
        workspace: Workspace,
        article: ArticleInfo | None = None,
        *,
        fmt: str = "json",
        view: str = "original",
    ) -> None:
        super().__init__()
        self.workspace = workspace
        self.article = article
        self._fmt = fmt if fmt in FORMATS else "json"
        self._view = view if view in VIEWS else "original"
        self._worker: Worker[None] | None = None
        self._body_only = False

    # -- layout ---------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        try:
            known_tags = [tag for tag, _ in self.workspace.store.tags().most_common()]
        except ReaderError:
            known_tags = []
        self._known_tags = known_tags
        with VerticalScroll(id="export-box"):
            yield Static(Text("Export annotations", style="bold"), id="export-title")
            with Horizontal(id="export-choices"):
                with Vertical():
                    yield Label("Format")
                    yield Select(
                        [(Text(FORMAT_LABELS[f]), f) for f in FORMATS],
                        value=self._fmt,
                        allow_blank=False,
                        id="export-format",
                    )
                with Vertical():
                    yield Label("Script of the passages")
                    yield Select(
                        [(Text(f"{VIEW_LABELS[v]} ({v})"), v) for v in VIEWS],
                        value=self._view,
                        allow_blank=False,
                        id="export-view",
                    )
            yield Label("Only these tags, sub-tags too (comma-separated; empty: all)")
            yield Input(placeholder="all tags", suggester=TagSuggester(known_tags), id="export-tags")
            warning = Static("", id="export-tags-warning")
            warning.display = False  # shown while a filter tag keeps nothing
            yield warning
            if self.article is not None:
                title = clip_line(self.article.title, 30)
                yield Checkbox(Text(f"Only this article: {title}"), id="export-this-article")
            yield Checkbox(
                Text("Body only: not menus, footers, appended articles"),
                id="export-body-only",
            )
            yield Checkbox(
                Text("CSV: keep = + - @ at the start of cells (a spreadsheet may run them)"),
                id="export-csv-formulas",
                classes="" if self._fmt == "csv" else "hidden",
            )
            yield Label("File")
            yield Input(value=default_export_name(self._fmt), id="export-path")
            yield ProgressBar(show_eta=False, id="export-progress", classes="hidden")
            yield Static("", id="export-status", classes="hidden")
            with Horizontal(id="export-buttons"):
                yield Button("Export", variant="primary", id="export-run")
                yield Button("Cancel", id="export-cancel")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    # -- form -----------------------------------------------------------------------------------------
    @on(Select.Changed, "#export-format")
    def _format_changed(self, event: Select.Changed) -> None:
        """Keep the file name's extension in step with the format (if it has one of ours)."""
        if not isinstance(event.value, str):
            return
        self.query_one("#export-csv-formulas", Checkbox).set_class(event.value != "csv", "hidden")
        path_input = self.query_one("#export-path", Input)
        path = Path(path_input.value)
        known = {f".{ext}" for ext in EXTENSIONS.values()}
        if path.suffix.lower() in known:
            path_input.value = str(path.with_suffix(f".{EXTENSIONS[event.value]}"))

    @on(Input.Changed, "#export-tags")
    def _tags_changed(self, event: Input.Changed) -> None:
        """A filter tag that keeps no passage says so as it is typed (a typo must not pass for an empty
        result): no tag in use is it or under it, 简 and 繁 alike (the filter keeps sub-tags too)."""
        unmatched = unmatched_filters(parse_tags(event.value), self._known_tags)
        warning = self.query_one("#export-tags-warning", Static)
        warning.display = bool(unmatched)
        if unmatched:
            names = ", ".join(clip_line(tag, 30) for tag in unmatched)
            warning.update(Text(f"no passage has {names} or a sub-tag: that filter keeps nothing"))

    @property
    def running(self) -> bool:
        return self._worker is not None and self._worker.state in (WorkerState.PENDING, WorkerState.RUNNING)

    @on(Input.Submitted)
    @on(Button.Pressed, "#export-run")
    def action_export(self) -> None:
        if self.running:
            return
        fmt = self.query_one("#export-format", Select).value
        view = self.query_one("#export-view", Select).value
        if not isinstance(fmt, str) or not isinstance(view, str):
            return
        tags = list(parse_tags(self.query_one("#export-tags", Input).value))
        article_ids: list[str] = []
        if self.article is not None and self.query_one("#export-this-article", Checkbox).value:
            article_ids = [self.article.id]
        raw_path = self.query_one("#export-path", Input).value.strip()
        if not raw_path:
            self._show_status("Give a file name.", error=True)
            self.query_one("#export-path", Input).focus()
            return
        path = Path(raw_path).expanduser()
        keep = self.query_one("#export-csv-formulas", Checkbox).value
        csv_formulas = "keep" if keep else "neutralise"
        self._body_only = self.query_one("#export-body-only", Checkbox).value
        try:
            target = check_output(path, protected_folders(self.workspace))
        except ReaderError as exc:
            self._failed(str(exc))
            return

        def start() -> None:
            self._start(path, fmt, view, tags, article_ids, csv_formulas)

        if not target.exists():
            start()
            return

        def replace(answer: str | None) -> None:
            if answer == "yes":
                start()
            else:
                self.query_one("#export-path", Input).focus()

        question = Text(f"{safe_line(str(path))} exists. Replace it?", style="bold")
        self.app.push_screen(ChoiceDialog(question, confirm_choices("Replace it")), replace)

    def _start(
        self, path: Path, fmt: str, view: str, tags: list[str], article_ids: list[str], csv_formulas: str
    ) -> None:
        self._set_running(True)
        self._show_status("Collecting annotations…")
        self._worker = self.run_worker(
            lambda: self._export(path, fmt, view, tags, article_ids, csv_formulas),
            name="export",
            group="export",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        if self._worker is not None and self.running:
            self._worker.cancel()
            self.notify("Export cancelled", title="Export", markup=False)
        self.dismiss(None)

    # -- the worker -----------------------------------------------------------------------------------
    def _export(
        self, path: Path, fmt: str, view: str, tags: list[str], article_ids: list[str], csv_formulas: str
    ) -> None:
        worker = get_current_worker()
        last = [0.0]

        def progress(done: int, total: int) -> None:
            if worker.is_cancelled:
                raise _Cancelled
            now = time.monotonic()
            if done == total or now - last[0] >= PROGRESS_INTERVAL:
                last[0] = now
                show(self, self._show_progress, done, total)

        try:
            data = build_export(self.workspace, view, tags=tags, article_ids=article_ids, progress=progress)
            if self._body_only:
                from reader.analysis import body_only_export

                data = body_only_export(data, self.workspace.analyser)
            count = len(data["annotations"])
            show(self, self._show_status, f"Writing {count} annotations…")
            payload = render_bytes(data, fmt, workspace=self.workspace, csv_formulas=csv_formulas)
            if worker.is_cancelled:
                return
            write_atomically(path, payload, protected=protected_folders(self.workspace))
        except _Cancelled:
            return
        except ReaderError as exc:
            show(self, self._failed, str(exc))
            return
        show(self, self._done, path, count)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self._worker and event.state == WorkerState.ERROR:  # a bug: say so, keep running
            self._failed(f"unexpected error: {event.worker.error}")

    # -- UI updates (on the event loop) ------------------------------------------------------------------
    def _set_running(self, running: bool) -> None:
        for widget in self.query("#export-box Select, #export-box Input, #export-box Checkbox"):
            widget.disabled = running
        self.query_one("#export-run", Button).disabled = running
        self.query_one("#export-progress", ProgressBar).set_class(not running, "hidden")
        if running:
            self.query_one("#export-progress", ProgressBar).update(total=None, progress=0)
            self.query_one("#export-cancel", Button).focus()

    def _show_progress(self, done: int, total: int) -> None:
        if self.is_attached:
            self.query_one("#export-progress", ProgressBar).update(total=max(total, 1), progress=done)
            self._show_status(f"Collecting annotations… {done}/{total} articles")

    def _show_status(self, message: str, *, error: bool = False) -> None:
        if not self.is_attached:
            return
        status = self.query_one("#export-status", Static)
        status.update(Text(safe_line(message)))
        status.set_class(False, "hidden")
        status.set_class(error, "error")

    def _failed(self, message: str) -> None:
        self.notify(safe_line(message), title="Export failed", severity="error", markup=False)
        if self.is_attached:
            self._set_running(False)
            self._show_status(message, error=True)
            self.query_one("#export-path", Input).focus()

    def _done(self, path: Path, count: int) -> None:
        where = safe_line(str(path.resolve()))
        self.notify(f"Exported {count} annotations to {where}", title="Export", markup=False)
        dismiss_when_on_top(self, path)  # (not the codebook or help the user opened over it meanwhile)
