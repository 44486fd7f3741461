"""The changes the reading screen makes to annotations, each returning what undoes it (UI-free).

Every change is one call on the Workspace (run by the screen in a worker thread); what it returns is the
:class:`UndoStep` that ``u`` replays: an add is undone by deleting, an edit or a delete by putting the
annotation back exactly as it was (same id, tags, note, colour, timestamps), a "code every match" by
deleting every annotation it made, in one journalled change (``reader.coding``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reader.articles import Article
from reader.coding import AppliedCoding, PlannedCode, apply_plan, undo_applied
from reader.store import Annotation
from reader.workspace import Workspace

__all__ = ["Edits", "UndoStep"]


@dataclass(frozen=True)
class UndoStep:
    """What to put back: the annotation as it was before a delete or an edit."""

    kind: str  # "delete" | "edit" | "add" | "coding"
    before: Annotation | None
    after: Annotation | None
    coding: AppliedCoding | None = None  # what a "code every match" saved

    @property
    def undone(self) -> str:
        """What undoing it says."""
        if self.kind == "coding":
            count = len(self.coding.annotations) if self.coding else 0
            return f"Undid the coding of {count} match{'es' if count != 1 else ''}"
        return {"add": "Undid highlight", "edit": "Undid edit", "delete": "Restored highlight"}[self.kind]


class Edits:
    """Add, edit, delete and undo, on one workspace."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def add(
        self, article: Article, start: int, end: int, *, tags: Sequence[str], note: str, color: str, view: str
    ) -> UndoStep:
        annotation = self.workspace.annotate(
            article, start, end, tags=list(tags), note=note, color=color, view=view
        )
        return UndoStep("add", None, annotation)

    def edit(self, annotation: Annotation, *, tags: Sequence[str], note: str, color: str) -> UndoStep:
        edited = self.workspace.edit(annotation, tags=list(tags), note=note, color=color)
        return UndoStep("edit", annotation, edited)

    def delete(self, annotation: Annotation) -> UndoStep:
        self.workspace.delete(annotation)
        return UndoStep("delete", annotation, None)

    def code(
        self, plan: Sequence[PlannedCode], *, tags: Sequence[str], note: str, color: str, view: str
    ) -> UndoStep:
        """Code every reviewed match of a search (one journalled change)."""
        applied = apply_plan(self.workspace, plan, tags=tags, note=note, color=color, view=view)
        return UndoStep("coding", None, None, applied)

    def undo(self, step: UndoStep) -> None:
        if step.kind == "coding" and step.coding is not None:
            undo_applied(self.workspace, step.coding)
        elif step.kind == "add" and step.after is not None:
            self.workspace.delete(step.after)
        elif step.before is not None:
            self.workspace.restore(step.before)
