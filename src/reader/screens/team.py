"""Team work in the app: the coder's name on first start, sync in a worker, agreement, the merge.

Everything here runs the core (``reader.sync``, ``reader.team``, ``reader.agreement``, ``reader.merging``)
in thread workers and shows what it says; nothing is computed on the UI thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, OptionList, Static
from textual.widgets.option_list import Option

from reader.errors import ReaderError
from reader.sanitise import safe_line
from reader.screens.dialogs import InputDialog
from reader.screens.handover import show, tell
from reader.screens.passages import clip
from reader.widgets.keybar import KeyBar
from reader.workspace import Workspace

if TYPE_CHECKING:
    from textual.app import App

    from reader.agreement import AgreementResult
    from reader.merging import Item, MergeResult

UNITS = ("sentence", "paragraph", "character")


# ---------------------------------------------------------------------------------------- the coder


def ask_for_coder(app: App[None], workspace: Workspace) -> None:
    """First start without a name: ask for one (Esc keeps the login name, and asks again next time)."""
    from reader.store.coders import coder_for

    def check(name: str) -> str:
        coder_for(name)  # a reserved name is refused here
        from reader.settings import KEYS

        return str(KEYS["coder"].check(name)) if name else ""

    def chosen(name: str | None) -> None:
        if not name:
            app.notify(f"Coding as {workspace.coder} (the login name) until you set a name.", timeout=4)
            return
        code_as(app, workspace, name)

    title = f"Your name as a coder (on every annotation you make here; now: {workspace.coder})"
    app.push_screen(InputDialog(title, placeholder="e.g. Ann Lee", check=check), chosen)


def code_as(app: App[None], workspace: Workspace, name: str) -> None:
    """Code as ``name`` from now on (the name dialog, the settings dialog): save it, reopen the store."""
    try:
        workspace.set_coder(name)
    except ReaderError as exc:
        app.notify(str(exc), title="Name not saved", severity="error")
        return
    while len(app.screen_stack) > 2:  # back to the library: open screens hold the previous store
        app.pop_screen()
    if workspace.coder != name:  # READER_CODER wins over the setting (reader.settings)
        message = f"Saved, but READER_CODER overrides it: coding as {workspace.coder}."
        app.notify(message, severity="warning", timeout=6)
        return
    app.notify(f"Your annotations are signed {workspace.coder}.", timeout=3)
    from reader.screens.library import LibraryScreen

    for screen in app.screen_stack:  # the library's header names the coder (in a team's repository)
        if isinstance(screen, LibraryScreen):
            screen.show_sync_state()


# ----------------------------------------------------------------------------------------------- sync


def start_sync(app: App[None], workspace: Workspace) -> None:
    """``reader sync`` in a worker: commit, fetch, merge, push; the outcome as a notification."""
    if not workspace.store.coder.explicit:
        app.notify("Set your coder name first (palette: Team: your coder name).", severity="warning")
        return
    # The last sync's outcome ("Synced … pushed", shown for 6 s) goes: left beside this sync's progress
    # it reads as this sync's outcome while this one has not yet committed (the tmux team test read it
    # so and checked the remote too early). notify() gives no handle to remove one toast: clear them all.
    app.clear_notifications()
    app.notify("Syncing with the team…", timeout=2)
    app.run_worker(
        lambda: _sync(app, workspace), thread=True, group="sync", exclusive=True, exit_on_error=False
    )


def _sync(app: App[None], workspace: Workspace) -> None:
    from reader.merging import refresh_agreed
    from reader.sync import sync

    try:
        report = sync(workspace)
        refresh_agreed(workspace)
    except ReaderError as exc:
        app.call_from_thread(app.notify, str(exc), title="Not synced", severity="error", timeout=10)
        return
    app.call_from_thread(_synced, app, "\n".join(report.lines()), bool(report.conflicts))


def _synced(app: App[None], message: str, conflicts: bool) -> None:
    app.notify(message, title="Synced", severity="warning" if conflicts else "information", timeout=6)
    refresh = getattr(app.screen, "load_articles", None)  # the library shows the new counts
    if callable(refresh):
        refresh()


def sync_label(workspace: Workspace) -> str:
    """ "sync: ↑1" for the library's header ("" outside a team's repository); runs git: call it off the UI."""
    from reader.sync import sync_state

    return sync_state(workspace).label()


# ------------------------------------------------------------------------------------------ agreement


class AgreementScreen(Screen[None]):
    """Agreement of the coders of this database: per tag and overall, then where they differ (Enter opens
    the passage)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "u", "cycle_unit", "Unit", id="agreement.unit", tooltip="Sentences → paragraphs → characters"
        ),
        Binding("escape", "app.pop_screen", "Back", id="agreement.back", tooltip="Close"),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.unit = "sentence"
        self.result: AgreementResult | None = None
        self.texts: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Static(Text("Comparing the coders…", style="bold"), id="agreement-header")
        yield DataTable(id="agreement-table", cursor_type="row", zebra_stripes=True)
        yield OptionList(id="agreement-differences")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("units", "coded", "agree", "Cohen κ", "Fleiss κ", "α", "tag"):
            table.add_column(label, key=label)
        self.compute()

    def action_cycle_unit(self) -> None:
        self.unit = UNITS[(UNITS.index(self.unit) + 1) % len(UNITS)]
        self.compute()

    @work(thread=True, exclusive=True, group="agreement", exit_on_error=False)
    def compute(self) -> None:
        from reader.agreement import compute
        from reader.team import coders_work

        try:
            work = coders_work(self.workspace)
            result = compute(work.spans, work.texts, unit=self.unit)
        except ReaderError as exc:
            show(self, self._failed, str(exc))
            return
        show(self, self._show, result, work.texts, work.lagging)

    def _failed(self, message: str) -> None:
        self.query_one("#agreement-header", Static).update(Text(safe_line(message), style="bold red"))

    def _show(self, result: AgreementResult, texts: dict[str, str], lagging: dict[str, int]) -> None:
        self.result, self.texts = result, texts
        header = Text(no_wrap=True, overflow="ellipsis")
        header.append(f"Agreement of {safe_line(', '.join(result.coders))}", style="bold")
        header.append(f"  ·  {len(result.articles)} articles, {result.overall.units} {self.unit} units")
        header.append(f"  ·  {len(result.disagreements)} differences")
        if lagging:
            header.append("  ·  not yet synced: " + ", ".join(safe_line(c) for c in lagging), style="yellow")
        self.query_one("#agreement-header", Static).update(header)
        table = self.query_one(DataTable)
        table.clear()
        for tag, f in [("(all tags)", result.overall), *result.per_tag.items()]:
            table.add_row(
                str(f.units), str(f.coded), _number(f.percent, True), _number(f.cohen_kappa),
                _number(f.fleiss_kappa), _number(f.alpha), Text(safe_line(tag)),
            )  # fmt: skip
        differences = self.query_one(OptionList)
        differences.clear_options()
        for i, d in enumerate(result.disagreements[:1000]):
            passage = clip(texts[d.article_id][d.start : d.end], 40)
            who = " | ".join(
                f"{c}: {', '.join(t) or '—'}" for c, t in zip(result.coders, d.tags, strict=True)
            )
            differences.add_option(
                Option(Text(f"{clip(d.article_id, 30)}  «{passage}»  {safe_line(who)}"), id=str(i))
            )

    @on(OptionList.OptionSelected, "#agreement-differences")
    def _open(self, event: OptionList.OptionSelected) -> None:
        if self.result is None:
            return
        d = self.result.disagreements[int(event.option.id or 0)]
        _open_passage(self, self.workspace, d.article_id, d.start, d.end)


def _number(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "—"
    value = round(value, 3) + 0.0
    return f"{value:.1%}" if percent else f"{value:.3f}"


def _open_passage(screen: Screen[None], workspace: Workspace, article_id: str, start: int, end: int) -> None:
    from reader.screens.reading import ReadingScreen

    try:
        info = workspace.library.info(article_id)
    except ReaderError as exc:
        screen.notify(str(exc), severity="error")
        return
    screen.app.push_screen(ReadingScreen(workspace, info, select=(start, end)))


# ---------------------------------------------------------------------------------------------- merge


class MergeScreen(Screen[None]):
    """The merge into the agreed version: identical codings are merged on opening; each difference is
    decided here (1–9: take that coder's, a: all, n: none), with your name on the decision."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *[Binding(str(n), f"take({n})", f"Take {n}", show=n <= 3, id=f"merge.take{n}") for n in range(1, 10)],
        Binding("a", "decide('all')", "All", id="merge.all", tooltip="Keep every coder's annotations here"),
        Binding("n", "decide('none')", "None", id="merge.none", tooltip="Keep nothing here"),
        Binding("escape", "app.pop_screen", "Back", id="merge.back", tooltip="Close"),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.result: MergeResult | None = None
        self.items: list[Item] = []

    def compose(self) -> ComposeResult:
        yield Static(Text("Merging…", style="bold"), id="merge-header")
        yield OptionList(id="merge-items")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.load()

    @work(thread=True, exclusive=True, group="merge", exit_on_error=False)
    def load(self) -> None:
        from reader.merging import Merger

        try:
            result = Merger(self.workspace).merge()
        except ReaderError as exc:
            show(self, self._header, safe_line(str(exc)), "bold red")
            return
        show(self, self._show, result)

    def _header(self, text: str, style: str = "bold") -> None:
        self.query_one("#merge-header", Static).update(Text(text, style=style))

    def _show(self, result: MergeResult) -> None:
        self.result = result
        self.items = [*result.open, *(item for item, _ in result.changed)]
        coders = ", ".join(f"{n} {c}" for n, c in enumerate(result.coders, 1))
        self._header(
            f"Merge: {result.decided} of {result.items} passages agreed "
            f"({result.merged_now} identical merged now), {len(self.items)} to decide  ·  {safe_line(coders)}"
        )
        items = self.query_one(OptionList)
        at = items.highlighted or 0  # after a decision the cursor stays in place: the next difference
        items.clear_options()
        for i, item in enumerate(self.items):
            items.add_option(Option(Text(safe_line(result.item_line(item).strip(), 300)), id=str(i)))
        if self.items:
            items.highlighted = min(at, len(self.items) - 1)

    def _current(self) -> Item | None:
        index = self.query_one(OptionList).highlighted
        return self.items[index] if index is not None and index < len(self.items) else None

    def action_take(self, n: int) -> None:
        item = self._current()
        if self.result is None or item is None:
            return
        if n > len(self.result.coders):
            self.notify(f"There are {len(self.result.coders)} coders.", timeout=2)
            return
        self.decide(self.app, item, f"take:{self.result.coders[n - 1]}")

    def action_decide(self, choice: str) -> None:
        item = self._current()
        if item is not None:
            self.decide(self.app, item, choice)

    @work(thread=True, group="merge-decide", exit_on_error=False)
    def decide(self, app: App[object], item: Item, choice: str) -> None:
        """(``app`` taken on the UI thread: how it went is said even if the merge is closed meanwhile.)"""
        from reader.merging import Merger

        try:
            decision = Merger(self.workspace).decide(item.key, choice)
        except ReaderError as exc:
            tell(app, str(exc), title="Not decided", severity="error")
            return
        tell(app, f"{item.key}: {decision.describe()}", timeout=3)
        show(self, self.load)

    @on(OptionList.OptionSelected, "#merge-items")
    def _open(self, event: OptionList.OptionSelected) -> None:
        item = self.items[int(event.option.id or 0)]
        _open_passage(self, self.workspace, item.article_id, item.start, item.end)
