"""The layers of the reading screen over the text: marks, folds, the repaired view, phrases, corrections.

``LayeredScreen`` sits between ``ArticleScreen`` (loading, views, position) and ``CorrectingScreen``
(then ``AnnotatingScreen``: annotations, panel; ``ReadingScreen``: find). What it adds never changes an
offset:

* **Marks** (``reader.marks``, drawn by the document view's ``document_layers``): every place a script view
  substituted a phrase, decided an uncertain character, repaired a leftover or applied an override is
  underlined (layer ``script``), and so is encoding damage in every view (layer ``damage``). With the cursor
  on one, the status line says what the source has (``選單 ← 菜单``); ``w`` corrects it
  (``reader.screens.correcting``).
* **Phrases** (``P``): the phrase layer off and on (on by default for Simplified text read in 臺灣); the
  header says when it is on.
* **Folds** (``z``): the regions of a scraped page that are not the article (``reader.structure``) are one
  dim line each; a find hit or a jump into one opens it. The header's title is the detected title, and its
  position and reading time count the body only (``m`` corrects the detection: ``screens/correcting.py``).
* **The repaired view** (``R``): certain damage repairs applied, with an offset map back to the original.

Work proportional to the article runs in workers: the analysis (cached per article version; when it is not
cached yet it runs after the first paint and the folds appear then), a view's substitutions (~0.8 s for
zuozhuan in 臺灣: the marks appear when ready), the conversion of a large view (with progress).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.worker import get_current_worker

from reader.analysis import Analysis
from reader.articles import Article, ArticleInfo
from reader.convert import VIEW_LABELS, VIEWS, ViewText
from reader.damage import REPAIRED_VIEW
from reader.errors import ReaderError
from reader.folding import Fold, body_position, folds_in_view
from reader.marks import CORRECTABLE, KIND_NAMES, MarkSet, damage_marks, substitution_marks
from reader.pacing import WorkCancelled
from reader.screens.article import ArticleScreen
from reader.screens.handover import show
from reader.widgets.damage_list import DamageSection
from reader.widgets.document import DocumentView
from reader.widgets.statusline import StatusLine
from reader.workspace import Workspace

__all__ = ["LARGE_VIEW_CHARS", "REPAIRED_LABEL", "LayeredScreen"]

log = logging.getLogger(__name__)

REPAIRED_LABEL = "修復"
#: seconds without a key before work that cannot pause starts (an analysis, a large view's marks)
IDLE_SECONDS = 0.4
#: a view of an article this long is built with a progress indicator (in chunks of a twentieth)
LARGE_VIEW_CHARS = 200_000
_MARK_STYLES = {"damage": "bold #ff5f5f", "uncertain": "bold #d78700"}
_KEEP_LAYOUTS = 8


_PLURALS = {
    "phrase": "phrases",
    "uncertain": "uncertain",
    "repair": "repaired leftovers",
    "override": "your corrections",
    "damage": "damaged spots",
    "repaired": "repaired",
}


def _counted(count: int, kind: str) -> str:
    """``68 phrases``, ``1 phrase``; "" for none."""
    if not count:
        return ""
    return f"{count} {KIND_NAMES[kind] if count == 1 else _PLURALS[kind]}"


@dataclass
class ViewLayers:
    """What one view shows over its text: folds, damage marks, and its substitutions (when computed)."""

    folds: tuple[Fold, ...] = ()
    damage: MarkSet | None = None
    script: MarkSet | None = None


class LayeredScreen(ArticleScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("z", "toggle_folds", "Fold", id="toggle-folds", tooltip="Fold or show what is not article"),
        Binding("P", "toggle_phrases", "Phrases", show=False, id="toggle-phrases", tooltip="Phrases on/off"),
        Binding(
            "R", "toggle_repaired", "Repaired", show=False, id="repaired-view", tooltip="Repaired view on/off"
        ),
    ]

    def __init__(
        self, workspace: Workspace, info: ArticleInfo, *, select: tuple[int, int] | None = None
    ) -> None:
        super().__init__(workspace, info, select=select)
        self.analysis: Analysis | None = None
        #: the phrase layer: None as the view's default, else on / off (``P``)
        self.phrases: bool | None = None
        self._layers: dict[int, tuple[ViewText, ViewLayers]] = {}
        self._return_view = "original"  # where `R` goes back to from the repaired view
        self._progress: str = ""
        self._analysing = False
        self._listed_damage = False
        self._document: DocumentView | None = None  # read from workers (_fold_ranges)
        self._views.folds_of = self._fold_ranges

    def _fold_ranges(self, view_text: ViewText) -> tuple[tuple[int, int], ...]:
        """What is folded in a view now (for layouts wrapped in the background)."""
        document = self._document
        if document is None or not document.folding:
            return ()
        opened = document.opened_folds
        return tuple((f.start, f.end) for f in self._layers_of(view_text).folds if f.index not in opened)

    # -- in workers: views and their layers --------------------------------------------------------------
    def _make_view(self, article: Article, view: str) -> ViewText:
        if self.analysis is None:  # only if cached: else after the first paint (_view_shown)
            self.analysis = self._analyse(article, compute=view == REPAIRED_VIEW)
        if view == REPAIRED_VIEW:
            if self.analysis is None:
                view_text = self.workspace.view(article, "original")
            else:
                view_text = self.analysis.repaired(article.text)
        else:
            large = len(article.text) >= LARGE_VIEW_CHARS and view != "original"
            view_text = self.workspace.converter.view(
                article,
                view,
                phrases=self.phrases,
                progress=self._progress_hook(view) if large else None,
                chunk_chars=max(50_000, len(article.text) // 20) if large else None,
            )
        self._remember(view_text, self._layers_for(article, view_text))
        return view_text

    def _analyse(self, article: Article, *, compute: bool) -> Analysis | None:
        try:
            return self.workspace.analyser.analyse(article, compute=compute)
        except (ReaderError, OSError) as exc:  # the reader still works without the layers
            log.warning("cannot analyse %s: %s", article.info.id, exc)
            return None

    def _layers_for(self, article: Article, view_text: ViewText) -> ViewLayers:
        analysis = self.analysis
        script = MarkSet() if view_text.offsets.identity and view_text.view == "original" else None
        if analysis is None:
            return ViewLayers(script=script)
        folds = folds_in_view(analysis.structure, view_text.offsets, view_text.text)
        damage = damage_marks(
            analysis.damage,
            article.text,
            view_text.offsets,
            view_text.text,
            repaired=view_text.view == REPAIRED_VIEW,
        )
        return ViewLayers(folds, MarkSet(damage), script if view_text.view != REPAIRED_VIEW else MarkSet())

    def _remember(self, view_text: ViewText, layers: ViewLayers) -> None:
        self._layers[id(view_text)] = (view_text, layers)
        while len(self._layers) > _KEEP_LAYOUTS:
            self._layers.pop(next(iter(self._layers)))

    def _layers_of(self, view_text: ViewText) -> ViewLayers:
        entry = self._layers.get(id(view_text))
        if entry is not None and entry[0] is view_text:
            return entry[1]
        assert self.article is not None
        layers = self._layers_for(self.article, view_text)
        self._remember(view_text, layers)
        return layers

    def _progress_hook(self, view: str) -> Callable[[int, int], None]:
        label = VIEW_LABELS.get(view, view)

        def report(done: int, total: int) -> None:
            percent = done * 100 // max(total, 1)
            show(self, self._show_progress, f"Building the {label} view… {percent}%")

        return report

    def _show_progress(self, message: str) -> None:
        self._progress = message
        self._refresh_status()

    def _when_idle(self) -> None:
        """In a worker, before work that cannot pause: wait until the user has stopped typing a moment."""
        worker = get_current_worker()
        self._pacer().wait_idle(IDLE_SECONDS, lambda: worker.is_cancelled or not self.is_attached)

    @work(thread=True, exclusive=True, group="marks", exit_on_error=False)
    def _compute_marks(self, view_text: ViewText) -> None:
        """A view's substitutions as marks (O(text): ~0.8 s for zuozhuan in 臺灣), shown when ready."""
        try:
            if len(view_text.text) >= LARGE_VIEW_CHARS:
                self._when_idle()
        except WorkCancelled:
            return
        marks = MarkSet(substitution_marks(view_text))
        show(self, self._marks_ready, view_text, marks)

    def _marks_ready(self, view_text: ViewText, marks: MarkSet) -> None:
        self._layers_of(view_text).script = marks
        if self.view_text is view_text and self.is_attached:  # (closed since the worker's last look)
            self.query_one(DocumentView).set_marks("script", marks)
            self._refresh_status()

    @work(thread=True, exclusive=True, group="analysis", exit_on_error=False)
    def _analyse_later(self, article: Article) -> None:
        """The first analysis of this article version (not cached yet), after the first paint, when the
        user pauses (detection cannot pause: ~0.3 s for zuozhuan)."""
        try:
            self._when_idle()
        except WorkCancelled:
            return
        analysis = self._analyse(article, compute=True)
        if analysis is not None:
            show(self, self._analysed, analysis)

    def _analysed(self, analysis: Analysis) -> None:
        """A new analysis (the first one, or after a correction): folds, damage and title follow it."""
        self.analysis = analysis
        self._analysing = False
        view_text = self.view_text
        if view_text is None or self.article is None or not self.is_attached:  # (closed meanwhile)
            return
        script = self._layers_of(view_text).script
        self._layers.clear()
        layers = self._layers_of(view_text)
        layers.script = script if view_text.view != REPAIRED_VIEW else MarkSet()
        document = self.query_one(DocumentView)
        document.set_marks("damage", layers.damage)
        document.set_folds(layers.folds, keep_open=False)
        self._title_changed()
        self._refresh_header()
        self._refresh_status()
        self._list_damage()

    def _list_damage(self) -> None:
        """The damaged spots under "Damage" in the side panel (mounted there the first time)."""
        self._listed_damage = True
        if self.analysis is None or self.article is None:
            return
        panel = self.query("#panel").first()
        found = panel.query(DamageSection)
        if not self.analysis.damage and not found:
            return
        spots, text = self.analysis.damage, self.article.text
        if found:
            found.first().show(spots, text)
            return
        panel.mount(DamageSection(spots, text, id="panel-damage"))  # (it lists them once mounted)

    @on(DamageSection.Chosen)
    def _damage_chosen(self, event: DamageSection.Chosen) -> None:
        if self.view_text is None:
            return
        start, end = self.view_text.offsets.range_to_view(event.start, event.end)
        document = self.query_one(DocumentView)
        document.move_cursor(start, selection=(start, end), center=True)
        document.focus()

    # -- on the UI thread: showing a view --------------------------------------------------------------
    def _before_show(self, view_text: ViewText) -> None:
        self._progress = ""
        layers = self._layers_of(view_text)
        document = self._document = self.query_one(DocumentView)
        document.set_folds(layers.folds, apply=False)
        document.set_marks("damage", layers.damage)
        document.set_marks("script", layers.script)

    def _view_shown(self) -> None:
        view_text = self.view_text
        if view_text is None or self.article is None:
            return
        if self._layers_of(view_text).script is None:
            self._compute_marks(view_text)
        if self.analysis is None and not self._analysing:
            self._analysing = True
            self._analyse_later(self.article)
        elif not self._listed_damage:
            self._list_damage()
        self._refresh_status()

    def _title_changed(self) -> None:
        """The title to show changed (the analysis found the real one): the subclass re-reads it."""

    def _refresh_header(self) -> None:
        """The subclass draws the header (with :meth:`view_label`, :meth:`position_label` and
        :meth:`reading_time_label`)."""

    # -- the header's parts ------------------------------------------------------------------------------
    @property
    def display_title(self) -> str:
        """The detected title (a scraped page's first line is often its menu), else the first line."""
        if self.analysis is not None and self.analysis.structure.title:
            return self.analysis.structure.title
        return self.info.title

    def view_label(self) -> str:
        """The view's name, and "+phrases" while the phrase layer is on."""
        label = VIEW_LABELS.get(self.view_name, REPAIRED_LABEL)
        if self.view_text is not None and self.view_text.phrases_on:
            label += " +phrases"
        return label

    def position_label(self, cursor: int) -> str:
        """How far into the article's body the cursor is (``42%``; the whole text until analysed)."""
        view_text = self.view_text
        if view_text is None:
            return "0%"
        if self.analysis is None:
            length = len(view_text.text)
            return f"{cursor * 100 // length if length else 0}%"
        done, total = body_position(self.analysis.structure, view_text.offsets.to_original(cursor))
        return f"{done * 100 // total if total else 0}%"

    def reading_time_label(self) -> str:
        """The body's reading time (``19 min``), "" until the article is analysed."""
        if self.analysis is None:
            return ""
        return f"{math.ceil(self.analysis.structure.body_chars / 400)} min"

    # -- the status line ---------------------------------------------------------------------------------
    def _refresh_status(self) -> None:
        if not self.is_mounted:
            return
        status = self.query_one(StatusLine)
        if self._progress:
            status.show([(self._progress, "bold yellow")])
            return
        document = self.query_one(DocumentView)
        marks = document.marks_at(document.cursor)
        if marks:
            parts: list[tuple[str, str]] = []
            for mark in marks:
                if parts:
                    parts.append(("  ·  ", ""))
                parts.append((mark.describe(), _MARK_STYLES.get(mark.kind, "bold")))
            if any(m.kind in CORRECTABLE for m in marks) and self.view_name in VIEWS[1:]:
                parts.append(("  ·  o corrects", "dim"))
            status.show(parts)
            return
        status.show([(self._summary(document), "")])

    def _summary(self, document: DocumentView) -> str:
        """What the layers hold, with the keys that change them."""
        said = []
        layers = self._layers_of(self.view_text) if self.view_text is not None else ViewLayers()
        if layers.script:
            counts = layers.script.counts()
            said += [_counted(counts[kind], kind) for kind in ("phrase", "uncertain", "repair", "override")]
        if self.view_text is not None and self.view_text.phrases_on:
            said.append("P: phrases off")
        if layers.damage:
            counts = layers.damage.counts()
            said += [_counted(counts["repaired"], "repaired"), _counted(counts["damage"], "damage")]
            if self.view_name == REPAIRED_VIEW:
                said.append("R: back")
            elif self.analysis is not None and any(d.repair for d in self.analysis.damage):
                said.append("R: repaired view")
        if layers.folds:
            closed = len(document.closed_folds)
            folds = len(layers.folds)
            said.append(f"{closed} folded · z shows" if closed else f"{folds} page parts · z folds")
        return "  ·  ".join(part for part in said if part)

    def on_document_view_cursor_moved(self) -> None:
        self._refresh_status()

    # -- keys ----------------------------------------------------------------------------------------------
    def action_cycle_view(self) -> None:
        if self.view_name == REPAIRED_VIEW and self._pending_view is None:
            self.switch_view(self._return_view)
            return
        super().action_cycle_view()

    def action_toggle_folds(self) -> None:
        document = self.query_one(DocumentView)
        if self.view_text is None or not self._layers_of(self.view_text).folds:
            self.notify("Nothing to fold: no menu, footer or other page parts found.", timeout=2)
            return
        document.folding = not document.folding
        self.notify("Page parts folded" if document.folding else "Page parts shown", timeout=1.2)
        self._refresh_status()

    def action_toggle_phrases(self) -> None:
        view_text = self.view_text
        if view_text is None or self.view_name not in VIEWS[1:]:
            self.notify("Phrases belong to the script views: s changes the view.", timeout=2)
            return
        self.phrases = not view_text.phrases_on
        self._rebuild_view()

    def action_toggle_repaired(self) -> None:
        if self.view_text is None:
            return
        if self.view_name == REPAIRED_VIEW:
            self.switch_view(self._return_view)
            return
        if self.analysis is None or not any(d.repair for d in self.analysis.damage):
            self.notify("No damage that can be repaired for certain.", timeout=2)
            return
        self._return_view = self.view_name
        self.switch_view(REPAIRED_VIEW)

    def _rebuild_view(self) -> None:
        """Build the view shown again (the phrase layer or an override changed), cursor and selection kept."""
        view_text = self.view_text
        if view_text is None or self.article is None:
            return
        self._views = type(self._views)(self.workspace.converter)  # its layouts are of the old text
        self._views.folds_of = self._fold_ranges
        document = self.query_one(DocumentView)
        cursor = view_text.offsets.to_original(document.cursor)
        selection = view_text.offsets.range_to_original(*document.selection) if document.selection else None
        self._pending_view = self.view_name
        self._convert(self.view_name, cursor, selection)
