"""Handing a worker thread's result to the UI thread, for a screen the user may close meanwhile.

Screens run slow work in thread workers, and the user keeps going: Esc closes the article while its
annotation is being saved, ctrl+t opens the codebook over a screen that is still loading. What textual
8.2.8 does then (measured; the tests in ``tests/test_handover.py`` hold each case):

- ``self.app`` in a worker thread walks up the DOM to the app. Once the screen is closed it raises
  ``NoActiveAppError``, so ``self.app.call_from_thread(self.notify, "Not saved")`` from a closed
  screen's worker never reaches the user: the screen's workers were cancelled when it was unmounted, and a
  cancelled worker's error is dropped. Whatever the user must learn about their data (saved, not saved, a
  conflict to settle) goes through :func:`tell`, with the app taken on the UI thread when the work started.
- A call handed over while the screen was open can run after it closed (a key was queued first), and
  a worker superseded by a newer one of its ``exclusive`` group (cancelled, but its thread runs on) still
  hands over a stale result. :func:`show` drops both, checked on the UI thread, where closing and
  cancelling happen: a check in the worker leaves a window.
- ``Screen.dismiss()`` pops whichever screen is on top: from a screen the user has covered (the codebook,
  help, settings over it), it closed the one the user was looking at. :func:`dismiss_when_on_top`.
- After the app has exited, ``call_from_thread`` raises ``RuntimeError`` in the worker; the worker was
  cancelled at exit, so it stops there, silently (``App.run`` waits for its thread).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.dom import DOMNode
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.types import NoActiveAppError
from textual.worker import NoActiveWorker, Worker, get_current_worker

__all__ = ["dismiss_when_on_top", "show", "tell"]


def show(node: DOMNode, handler: Callable[..., object], *args: Any) -> bool:
    """(A worker thread) Run ``handler(*args)`` on the UI thread if ``node`` is still on a screen and
    this worker has not been cancelled by then; False if the call was dropped (a worker that loops
    stops on False or on ``is_cancelled``). After the app has exited it raises ``RuntimeError``."""
    try:
        app = node.app
    except NoActiveAppError:  # closed already: the DOM no longer leads to the app
        return False
    try:
        worker: Worker[Any] | None = get_current_worker()
    except NoActiveWorker:  # a plain thread (tests): only the node is looked at
        worker = None
    return bool(app.call_from_thread(_if_current, node, worker, handler, args))


def _if_current(
    node: DOMNode, worker: Worker[Any] | None, handler: Callable[..., object], args: tuple[Any, ...]
) -> bool:
    if not node.is_attached or (worker is not None and worker.is_cancelled):
        return False
    handler(*args)
    return True


def tell(
    app: App[Any],
    message: str,
    *,
    title: str = "",
    severity: SeverityLevel = "information",
    timeout: float | None = None,
) -> None:
    """(A worker thread) A notification that reaches the user whichever screen is showing now: what
    happened to their data is never dropped with the screen that started the work."""
    app.call_from_thread(
        app.notify,
        message,
        title=title,
        severity=severity,
        timeout=timeout,
        markup=False,
    )


def dismiss_when_on_top(screen: Screen[Any], result: Any = None) -> None:
    """(The UI thread) ``screen.dismiss(result)`` now if the user is looking at it, else as soon as they
    come back to it; nothing if it is closed already."""
    if not screen.is_attached:
        return
    if screen.is_active:
        screen.dismiss(result)
        return
    signal = screen.app.screen_change_signal

    def changed(current: Screen[Any]) -> None:
        if current is screen and screen.is_active:
            signal.unsubscribe(screen)
            screen.dismiss(result)

    signal.subscribe(screen, changed)
