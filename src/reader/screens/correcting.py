"""Correcting the layers from the reading screen: a conversion (an override) and a page part (a verdict).

``CorrectingScreen`` sits between ``LayeredScreen`` (what the layers show) and ``AnnotatingScreen``:

* ``o`` ("other spelling"; ``c`` is the team's whose-work key, ``w`` the next word) on an underlined word
  of a script view: choose how to write it (the view's choice, OpenCC's other ways, the source, or your
  own) and for what (this article or every article). It becomes an override
  (``reader.convert.overrides``: the CLI, search and export see it too) and the view is built again; the
  converter's cache key includes the overrides, and highlights stay on their characters.
* ``m`` on a selection (or the paragraph under the cursor): "not article" (which kind) or "article"
  (``Analyser.correct``: kept in ``<db>/corrections/``, it wins over the heuristics from then on).

The dialogs are the shared ``ChoiceDialog`` / ``InputDialog``; the writes run in workers.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import App
from textual.binding import Binding, BindingType

from reader.articles import Article
from reader.convert import VIEW_LABELS, VIEWS, check_override
from reader.errors import ReaderError
from reader.marks import CORRECTABLE, Mark
from reader.screens.dialogs import ChoiceDialog, InputDialog
from reader.screens.handover import show, tell
from reader.screens.layers import LayeredScreen
from reader.sentences import paragraph_bounds
from reader.structure import KIND_LABELS, KINDS
from reader.widgets.document import DocumentView

__all__ = ["CorrectingScreen"]

_OTHER = "\x00other"
_REMOVE = "\x00remove"
_CORPUS = "\x00corpus"


class CorrectingScreen(LayeredScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "o",
            "correct_conversion",
            "Correct",
            show=False,
            id="correct-conversion",
            tooltip="Correct the conversion of the marked word under the cursor",
        ),
        Binding(
            "m",
            "mark_region",
            "Not article",
            show=False,
            id="mark-region",
            tooltip="Mark the selection (or paragraph) as not article / article",
        ),
    ]

    # -- correcting a conversion (an override) -------------------------------------------------------------
    def action_correct_conversion(self) -> None:
        document = self.query_one(DocumentView)
        mark = next((m for m in document.marks_at(document.cursor) if m.kind in CORRECTABLE), None)
        if mark is None or self.view_name not in VIEWS[1:]:
            self.notify("Put the cursor on an underlined word of a script view to correct it.", timeout=2.5)
            return
        view = self.view_name
        choices = self._conversion_choices(mark)
        options = [(Text(choice), choice) for choice in choices]
        options.append((Text("something else…", style="italic"), _OTHER))
        if mark.kind == "override":
            options.append((Text("remove my correction", style="italic"), _REMOVE))
        title = f"{mark.source} in the {VIEW_LABELS[view]} view: write it as"

        def chosen(target: str | None) -> None:
            if target == _OTHER:
                check = partial(self._checked_target, view, mark.source)
                self.app.push_screen(
                    InputDialog(f"Write {mark.source} as", value=mark.text, check=check), chosen
                )
            elif target == _REMOVE:
                self._change_override(self.app, partial(self._remove_override, view, mark.source))
            elif target:
                self._ask_scope(view, mark.source, target)

        self.app.push_screen(ChoiceDialog(title, options, current=mark.text), chosen)

    def _conversion_choices(self, mark: Mark) -> list[str]:
        """What the marked text could be written as: the view's choice, OpenCC's others, the source."""
        candidates = [mark.text, *mark.choices]
        if mark.kind in ("phrase", "override"):
            converter = self.workspace.converter
            candidates.append(converter.convert(mark.source, self.view_name, source="auto", phrases=False))
        candidates.append(mark.source)
        return list(dict.fromkeys(c for c in candidates if c))

    @staticmethod
    def _checked_target(view: str, source: str, target: str) -> str:
        return check_override(view, source, target).target

    def _ask_scope(self, view: str, source: str, target: str) -> None:
        options = [
            (Text(f"This article only ({self.info.id})"), self.info.id),
            (Text("Every article (the whole corpus)"), _CORPUS),
        ]

        def chosen(scope: str | None) -> None:
            if scope:
                article = "" if scope == _CORPUS else scope
                self._change_override(self.app, partial(self._add_override, view, source, target, article))

        self.app.push_screen(ChoiceDialog(f"{source} → {target}: for", options), chosen)

    def _add_override(self, view: str, source: str, target: str, article: str) -> str:
        override = check_override(view, source, target, article)
        self.workspace.converter.overrides.add(override)
        where = "this article" if article else "every article"
        return f"{source} → {target} in {VIEW_LABELS[view]} for {where}"

    def _remove_override(self, view: str, source: str) -> str:
        overrides = self.workspace.converter.overrides
        found = next((o for o in overrides.for_view(view, self.info.id) if o.source == source), None)
        if found is None:
            raise ReaderError(f"no correction of {source} in {VIEW_LABELS[view]}")
        overrides.remove(found.view, found.source, found.article)
        return f"Removed your correction of {source}"

    @work(thread=True, group="override", exit_on_error=False)
    def _change_override(self, app: App[object], change: Callable[[], str]) -> None:
        """(``app`` taken on the UI thread: the outcome is said even if the article is closed meanwhile.)"""
        try:
            message = change()
        except ReaderError as exc:
            tell(app, str(exc), title="Not corrected", severity="error")
            return
        if not show(self, self._override_changed, message):
            tell(app, message)

    def _override_changed(self, message: str) -> None:
        self.notify(message, timeout=2.5)
        self._rebuild_view()

    # -- "not article" / "article" -------------------------------------------------------------------------
    def action_mark_region(self) -> None:
        view_text, article = self.view_text, self.article
        if view_text is None or article is None:
            return
        document = self.query_one(DocumentView)
        selection = document.selection or paragraph_bounds(view_text.text, document.cursor)
        start, end = view_text.offsets.range_to_original(*selection)
        if end <= start:
            self.notify("Select a passage (or put the cursor on a paragraph) first.", timeout=2)
            return
        inside = self.analysis is not None and self.analysis.structure.region_at(start) is not None
        article_choice = (Text("Article: part of the text", style="bold"), "article")
        regions = [
            (Text(f"Not article: {KIND_LABELS[kind]} ({kind})"), f"not-article:{kind}") for kind in KINDS
        ]
        options = [article_choice, *regions] if inside else [*regions, article_choice]
        title = f"These {end - start} characters are"

        def chosen(verdict: str | None) -> None:
            if verdict:
                kind = verdict.partition(":")[2]
                self._correct_structure(self.app, article, start, end, verdict.partition(":")[0], kind)

        self.app.push_screen(ChoiceDialog(title, options, current=options[0][1]), chosen)

    @work(thread=True, group="correct", exit_on_error=False)
    def _correct_structure(
        self, app: App[object], article: Article, start: int, end: int, verdict: str, kind: str
    ) -> None:
        analyser = self.workspace.analyser
        try:
            analyser.correct(article, start, end, verdict, kind)
            analysis = analyser.analyse(article)
        except ReaderError as exc:
            tell(app, str(exc), title="Not saved", severity="error")
            return
        said = "not article" if verdict == "not-article" else "article"
        show(self, self._analysed, analysis)
        tell(app, f"Marked as {said}: kept for this article", timeout=2)
