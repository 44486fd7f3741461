"""Code every match: the review list of a search's hits, each checked or not, before they are tagged.

Opened from the find bar (``ctrl+l``: the hits in this article) or the corpus search (``ctrl+l``: in every
article). The screen finds the hits in a worker (``reader.coding.plan_matches``: any script, so 软件 finds
軟體; whole words if the search asked for them), lists them with their context, each checked except those
already coded exactly so (looked up again, in a worker, as the tags are typed), and returns the tags, the
note and the checked hits; the caller saves them as one journalled change (``reader.coding.apply_plan``)
that one undo takes back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, SelectionList, Static
from textual.widgets.selection_list import Selection

from reader.coding import PlannedCode, plan_matches
from reader.errors import ReaderError
from reader.sanitise import safe_line
from reader.screens.annotate import TagSuggester, check_tags
from reader.screens.handover import dismiss_when_on_top, show
from reader.shorttext import clip_line, fit_context, text_cells
from reader.widgets.keybar import KeyBar
from reader.workspace import Workspace

__all__ = ["MAX_REVIEW", "CodeMatchesScreen", "CodingDraft"]

#: hits listed for review at most (more: narrow the search first)
MAX_REVIEW = 5_000
#: cells of an article's title in a row of the list
TITLE_CELLS = 18
#: seconds after the last change of the tags before "already coded" is looked up again
TAGS_SETTLE = 0.4


@dataclass(frozen=True)
class CodingDraft:
    """What the review decided: these hits get these tags and note."""

    plan: tuple[PlannedCode, ...]
    tags: tuple[str, ...]
    note: str


class HitList(SelectionList[int]):
    """The hits, each with a check box: space toggles, ``a`` checks all, ``n`` none."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "check_all", "All", id="coding.all", tooltip="Check every hit"),
        Binding("n", "check_none", "None", id="coding.none", tooltip="Uncheck every hit"),
    ]

    def action_check_all(self) -> None:
        self.select_all()

    def action_check_none(self) -> None:
        self.deselect_all()


class CodeMatchesScreen(Screen[CodingDraft | None]):
    """Review the hits of `query` (in `article_ids`, or the corpus) and choose the tags to give them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Code them", id="coding.save", tooltip="Tag every checked hit"),
        Binding("escape", "cancel", "Cancel", id="coding.cancel"),
    ]

    DEFAULT_CSS = """
    CodeMatchesScreen #coding-title, CodeMatchesScreen #coding-status {
        height: 1;
        padding: 0 1;
        background: $panel;
    }
    CodeMatchesScreen #coding-fields {
        height: auto;
    }
    CodeMatchesScreen #coding-tags {
        width: 1fr;
    }
    CodeMatchesScreen #coding-note {
        width: 1fr;
    }
    CodeMatchesScreen #coding-hits {
        height: 1fr;
    }
    """

    def __init__(
        self,
        workspace: Workspace,
        query: str,
        *,
        article_ids: Sequence[str] | None = None,
        whole_words: bool = False,
        keep: set[tuple[str, int, int]] | None = None,
        view: str = "original",
    ) -> None:
        """``keep``: only these hits (article id, start, end) of the plan, e.g. the corpus search's hits
        inside passages with a tag; ``view``: the script the context is shown in."""
        super().__init__()
        self.workspace = workspace
        self.search_query = query
        self.article_ids = list(article_ids) if article_ids is not None else None
        self.whole_words = whole_words
        self.keep = keep
        self.view = view
        self.plan: list[PlannedCode] | None = None  # None while the hits are found
        self._tags_timer: Timer | None = None
        self._planned_tags: tuple[str, ...] = ()

    def compose(self) -> ComposeResult:
        where = "this article" if self.article_ids else "every article"
        words = ", whole words" if self.whole_words else ""
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append("Code every match of ", style="bold")
        title.append(safe_line(self.search_query, 40), style="bold black on #ffd700")
        title.append(f" in {where}{words}")
        yield Static(title, id="coding-title")
        with Horizontal(id="coding-fields"):
            yield Input(
                placeholder="tags for every checked hit (comma-separated)",
                suggester=TagSuggester(self.workspace.known_tags()),
                id="coding-tags",
            )
            yield Input(placeholder="note (optional)", id="coding-note")
        yield Static(Text("finding the matches…", style="dim"), id="coding-status")
        yield HitList(id="coding-hits")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#coding-tags", Input).focus()
        self.run_worker(lambda: self._find(()), thread=True, exit_on_error=False, group="coding-plan")

    def _find(self, tags: tuple[str, ...]) -> None:
        try:
            plan = plan_matches(
                self.workspace,
                self.search_query,
                tags=tags,
                article_ids=self.article_ids,
                whole_words=self.whole_words,
            )
        except ReaderError as exc:
            show(self, self._failed, str(exc))
            return
        if self.keep is not None:
            plan = [p for p in plan if (p.article_id, p.start, p.end) in self.keep]
        if self.plan is None:
            show(self, self._found, plan)
        else:
            show(self, self._already_for, tags, plan)

    @on(Input.Changed, "#coding-tags")
    def _tags_changed(self) -> None:
        if self._tags_timer is not None:
            self._tags_timer.stop()
        self._tags_timer = self.set_timer(TAGS_SETTLE, self._look_up_already)

    def _look_up_already(self) -> None:
        """Which hits already carry the tags typed (they are then unchecked)."""
        try:
            tags = check_tags(self.query_one("#coding-tags", Input).value)
        except ReaderError:
            return
        if self.plan is not None and tags != self._planned_tags:
            self.run_worker(lambda: self._find(tags), thread=True, exit_on_error=False, group="coding-plan")

    def _already_for(self, tags: tuple[str, ...], plan: list[PlannedCode]) -> None:
        try:
            typed = check_tags(self.query_one("#coding-tags", Input).value)
        except ReaderError:
            typed = None
        if tags != typed:
            return  # the answer for tags typed before (look-ups can finish out of order): a newer one comes
        if self.plan is None or [(p.article_id, p.start, p.end) for p in plan] != [
            (p.article_id, p.start, p.end) for p in self.plan
        ]:
            return  # an article changed meanwhile: the list stays as it is
        hits = self.query_one(HitList)
        for i, (old, new) in enumerate(zip(self.plan, plan, strict=True)):
            if old.already != new.already:
                hits.replace_option_prompt_at_index(i, self._row(new))
                (hits.deselect if new.already else hits.select)(i)
        self.plan, self._planned_tags = plan, tags
        self._show_status()

    def _failed(self, message: str) -> None:
        self.notify(message, title="Cannot code the matches", severity="error", markup=False)
        dismiss_when_on_top(self, None)  # (the user may have opened the codebook over it meanwhile)

    def _found(self, plan: list[PlannedCode]) -> None:
        if len(plan) > MAX_REVIEW:
            self._failed(
                f"{len(plan):,} matches are too many to review at once (at most {MAX_REVIEW:,}): "
                "narrow the search (whole words, a tag filter, a longer query)"
            )
            return
        self.plan = plan
        hits = self.query_one(HitList)
        hits.add_options([Selection(self._row(code), i, not code.already) for i, code in enumerate(plan)])
        if plan:
            hits.highlighted = 0  # space toggles the first hit at once
        self._show_status()
        if self.query_one("#coding-tags", Input).value.strip():  # typed while the hits were found
            self._look_up_already()

    def _row(self, code: PlannedCode) -> Text:
        """One hit: its article's title, then the match in its context, on one line."""
        width = max(30, self.app.size.width - 8)
        before, match, after = code.before, code.quote, code.after
        if self.view != "original":
            convert = self.workspace.converter.convert
            before, match, after = (convert(part, self.view) for part in (before, match, after))
        row = Text(no_wrap=True, overflow="ellipsis")
        title = clip_line(safe_line(code.title), TITLE_CELLS)
        row.append(title, style="bold")
        row.append(" " * max(1, TITLE_CELLS + 1 - text_cells(title)))
        suffix = "  (already coded)" if code.already else ""
        before, match, after = fit_context(before, match, after, width - TITLE_CELLS - 2 - len(suffix))
        row.append(before, style="dim")
        row.append(match, style="bold black on #ffd700")
        row.append(after, style="dim")
        row.append(suffix, style="italic")
        return row

    def _show_status(self) -> None:
        status = Text(no_wrap=True, overflow="ellipsis")
        if self.plan is None:
            status.append("finding the matches…", style="dim")
        elif not self.plan:
            status.append("No matches.", style="bold red")
        else:
            checked = len(self.query_one(HitList).selected)
            articles = len({p.article_id for p in self.plan})
            status.append(f"{checked} of {len(self.plan)} checked", style="bold")
            status.append(f" in {articles} article{'s' if articles != 1 else ''}")
            status.append(" · space toggles · a all · n none · ctrl+s (or enter in the tags) codes them")
        self.query_one("#coding-status", Static).update(status)

    @on(SelectionList.SelectedChanged)
    def _checked(self) -> None:
        self._show_status()

    @property
    def already_for(self) -> tuple[str, ...]:
        """The tags the hits' "already coded" marks were last looked up for."""
        return self._planned_tags

    @property
    def checked(self) -> list[PlannedCode]:
        if self.plan is None:
            return []
        return [self.plan[i] for i in sorted(self.query_one(HitList).selected)]

    @on(Input.Submitted)
    def action_save(self) -> None:
        tags_input = self.query_one("#coding-tags", Input)
        try:
            tags = check_tags(tags_input.value)
        except ReaderError as exc:
            self.notify(str(exc), title="Not coded", severity="error", markup=False)
            tags_input.focus()
            return
        if not tags:
            self.notify("Type the tags the matches get first.", markup=False)
            tags_input.focus()
            return
        checked = self.checked
        if not checked:
            self.notify("No match is checked.", markup=False)
            return
        note = self.query_one("#coding-note", Input).value.strip()
        self.dismiss(CodingDraft(tuple(checked), tags, note))

    def action_cancel(self) -> None:
        self.dismiss(None)
