"""The changes the reading screen makes to annotations, each returning what undoes it (UI-free).

Every change is one call on the Workspace (run by the screen in a worker thread); what it returns is the
:class:`UndoStep` that ``u`` replays: an add is undone by deleting, an edit or a delete by putting the
annotation back exactly as it was (same id, tags, note, colour, timestamps).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reader.articles import Article
from reader.store import Annotation
from reader.workspace import Workspace

__all__ = ["Edits", "UndoStep"]


@dataclass(frozen=True)
class UndoStep:
    """What to put back: the annotation as it was before a delete or an edit."""

    kind: str  # "delete" | "edit" | "add"
    before: Annotation | None
    after: Annotation | None

    @property
    def undone(self) -> str:
        """What undoing it says."""
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

    def undo(self, step: UndoStep) -> None:
        if step.kind == "add" and step.after is not None:
            self.workspace.delete(step.after)
        elif step.before is not None:
            self.workspace.restore(step.before)
