"""Two copies of reader edited the same annotation: show both versions and ask which to keep.

The core detects the conflict (:class:`reader.errors.ConflictError` from ``Workspace.edit``) and settles
it (``Workspace.resolve``); this module only asks. Screens that save an edit call :func:`ask_about_conflict`
from their save worker, so a conflict never overwrites anything silently.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.screen import Screen

from reader.errors import ConflictError, ReaderError
from reader.sanitise import safe_line
from reader.screens.dialogs import ChoiceDialog
from reader.screens.handover import show, tell
from reader.store import Annotation
from reader.workspace import Workspace

CHOICES = [
    (Text("Keep mine (replace theirs)"), "mine"),
    (Text("Keep theirs (drop my edit)"), "theirs"),
    (Text("Keep both (mine as a new highlight)"), "both"),
]


def _version(label: str, annotation: Annotation | None) -> Text:
    if annotation is None:
        return Text(f"\n{label}: deleted", style="dim")
    tags = ", ".join(annotation.tags) or "no tags"
    note = safe_line(annotation.note, 60) or "no note"
    return Text(f"\n{label}: {safe_line(tags, 60)} · {note} · {annotation.color or 'tag colour'}")


class ConflictDialog(ChoiceDialog):
    """Keep mine / keep theirs / keep both; Esc keeps theirs (nothing of mine is saved)."""

    def __init__(self, conflict: ConflictError) -> None:
        mine = conflict.mine if isinstance(conflict.mine, Annotation) else None
        theirs = conflict.theirs if isinstance(conflict.theirs, Annotation) else None
        title = Text("Another copy of reader changed this highlight since you opened it.", style="bold")
        title.append_text(_version("Theirs", theirs))
        title.append_text(_version("Mine", mine))
        choices = CHOICES if theirs is not None else [CHOICES[0], (Text("Drop my edit"), "theirs")]
        super().__init__(title, choices)


def ask_about_conflict(
    screen: Screen[object], workspace: Workspace, conflict: ConflictError, done: Callable[[str], None]
) -> None:
    """Ask the user (on the UI thread, over whichever screen is showing: the one that saved may have
    been closed meanwhile), settle the conflict in a worker, then ``done(message)``."""

    def chosen(choice: str | None) -> None:
        _settle(screen, workspace, conflict, choice or "theirs", done)

    screen.app.push_screen(ConflictDialog(conflict), chosen)


def _settle(
    screen: Screen[object],
    workspace: Workspace,
    conflict: ConflictError,
    choice: str,
    done: Callable[[str], None],
) -> None:
    """(The UI thread) The app is taken here: the screen may be closed by the time it is settled, and
    the user is told how it went all the same (screens/handover.py)."""
    app = screen.app

    def run() -> None:
        try:
            workspace.resolve(conflict, choice)
        except ReaderError as exc:
            tell(app, str(exc), title="Not saved", severity="error")
            return
        messages = {"mine": "Saved (yours kept)", "theirs": "Kept theirs", "both": "Saved both"}
        if not show(screen, done, messages[choice]):
            tell(app, messages[choice])

    screen.run_worker(run, thread=True, group="save", exit_on_error=False)
