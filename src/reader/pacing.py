"""Background work that gives way to the UI (UI-free: never imports textual).

Python runs one thread at a time (the GIL). A worker converting or wrapping a 600k-character article
holds it for 100 ms and more at a stretch (an OpenCC call does not release it at all), and every frame the
UI draws meanwhile waits. So work that only prepares something ahead of time (the other script views of
an open article) is done in small pieces, calling a pause hook between them. The hook:

* lets the UI thread run at least every ``slice`` seconds (a short sleep releases the GIL at once, where
  waiting for Python's switch interval would cost the UI up to 5 ms at each of its handovers);
* waits while the UI has had input in the last ``quiet`` seconds (about a frame: the frame that input
  causes comes first), and while the user waits for other work;
* raises :class:`WorkCancelled` once the work is no longer wanted (its screen closed).

The UI calls :meth:`Pacer.touch` for each key, click or resize.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["Pacer", "WorkCancelled", "freeze_long_lived", "long_lived_objects", "release_long_lived_objects"]


class WorkCancelled(Exception):
    """Raised by a pause hook when the work it paces is no longer wanted."""


def _never() -> bool:
    return False


class Pacer:
    """Paces background threads around the input of the UI thread (one per app)."""

    def __init__(
        self,
        *,
        quiet: float = 0.05,
        slice_seconds: float = 0.003,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.quiet = quiet
        self.slice_seconds = slice_seconds
        self._clock = clock
        self._sleep = sleep
        self._last_input = float("-inf")

    def touch(self) -> None:
        """The UI thread had input (a key, a click, a resize): background work waits a moment."""
        self._last_input = self._clock()

    def busy(self) -> bool:
        """Whether the UI had input within the last ``quiet`` seconds."""
        return self._clock() - self._last_input < self.quiet

    def wait_idle(self, seconds: float, cancelled: Callable[[], bool] = _never) -> None:
        """Wait until the UI has had no input for ``seconds`` (work that cannot pause starts then).

        Raises WorkCancelled if ``cancelled()`` is true, now or meanwhile.
        """
        if cancelled():
            raise WorkCancelled
        while self._clock() - self._last_input < seconds:
            self._sleep(0.02)
            if cancelled():
                raise WorkCancelled

    def hook(
        self,
        cancelled: Callable[[], bool] = _never,
        *,
        hold: Callable[[], bool] = _never,
        hurry: Callable[[], bool] = _never,
    ) -> Callable[[], None]:
        """A pause hook for one piece of background work (call it between pieces, from its thread).

        ``hold()`` true: wait regardless (the user is waiting for other work); ``hurry()`` true: someone
        waits for this very work, so it does not wait for quiet (it still hands the GIL over each slice).
        """
        last_yield = self._clock()

        def waiting() -> bool:
            return hold() or (self.busy() and not hurry())

        def pause() -> None:
            nonlocal last_yield
            if cancelled():
                raise WorkCancelled
            now = self._clock()
            if now - last_yield >= self.slice_seconds:
                self._sleep(0.0005)  # hand the GIL over: a waiting UI thread takes it now
                last_yield = self._clock()
            while waiting():
                self._sleep(0.01)
                if cancelled():
                    raise WorkCancelled
                last_yield = self._clock()

        return pause


_paused = 0
_paused_lock = threading.Lock()


@contextmanager
def long_lived_objects() -> Iterator[None]:
    """A block that makes many objects meant to live long (an article's 100,000 annotations, indexed).

    Python's cycle collector, left on, walks the growing heap again and again while they are made (at
    100,000 annotations: 0.8 s of a 2.4 s open, single pauses of 180 ms), and afterwards walks them at
    every full collection, on whichever thread allocates: the UI thread too, a stalled frame each time.
    So it is paused during the block, and what exists at its end is moved out of its way (``gc.freeze``)
    until :func:`release_long_lived_objects` (when the article is closed: frozen objects are still freed by
    reference counting, but cycles among them only once released).
    """
    global _paused
    with _paused_lock:
        _paused += 1
        gc.disable()
    try:
        yield
    finally:
        with _paused_lock:
            _paused -= 1
            gc.freeze()
            if _paused == 0:
                gc.enable()


def freeze_long_lived() -> None:
    """Move what exists now out of the cycle collector's way, as :func:`long_lived_objects` does at its
    end, for work that may wait for the user a long time (the collector keeps running meanwhile). A full
    collection walks every object: one made while a key's frame is drawn, after a view of a 600k-character
    article was prepared, stalled that frame 7-16 ms."""
    gc.freeze()


def release_long_lived_objects() -> None:
    """Give what :func:`long_lived_objects` froze back to the cycle collector (to reclaim its memory)."""
    gc.unfreeze()
