"""An article's script views, converted and wrapped ahead of time (UI-free: never imports textual).

Switching the script view of a 600k-character article must not make the reader wait for OpenCC and the
wrapping (~0.3 s): after the article opens, a background thread prepares the other views, in the order `s`
goes through them, in small pieces paced by ``reader.pacing`` (it waits about a frame after each key, it
holds while the user waits for another view, it hurries when the user waits for the one it is preparing).
The reading screen asks here for a view's layout (whole if prepared, else a first part around the cursor)
and, when the view it switches to is being prepared, waits for that work instead of doing it twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from reader.convert import Converter, SupportsText, ViewText
from reader.layout import Layout, wrap_more, wrap_text
from reader.pacing import freeze_long_lived, release_long_lived_objects

__all__ = ["FIRST_PART_CHARS", "WRAP_STEP_CHARS", "PreparedViews"]

#: characters past the reading position wrapped before a view is first shown (a few screens)
FIRST_PART_CHARS = 6_000
#: characters wrapped between two pauses of background work (~1 ms)
WRAP_STEP_CHARS = 8_000
#: characters converted between two pauses (whole paragraphs: ~1-2 ms of OpenCC and alignment)
PIECE_CHARS = 4_000


class PreparedViews:
    """Whole layouts by (view, wrap width), and which view is being prepared right now."""

    def __init__(self, converter: Converter) -> None:
        self._converter = converter
        #: the ranges folded in a view (``reader.folding``), so layouts made here match the one shown
        self.folds_of: Callable[[ViewText], tuple[tuple[int, int], ...]] = lambda view_text: ()
        self._layouts: dict[tuple[str, int], Layout] = {}
        self._preparing: tuple[str, threading.Event] = ("", threading.Event())
        self._closed = threading.Event()

    def close(self) -> None:
        """The screen is closing (call before it releases its long-lived objects): a preparation still
        running keeps nothing frozen after that release (see :meth:`prepare`)."""
        self._closed.set()

    @property
    def preparing(self) -> str:
        """The view being prepared in the background ("" when none)."""
        return self._preparing[0]

    def layout(self, view: str, width: int) -> Layout | None:
        """The whole layout of `view` at `width`, if it has been prepared (or kept)."""
        return self._layouts.get((view, width))

    def keep(self, view: str, layout: Layout) -> None:
        """Keep a whole layout made elsewhere (the one on screen, when the view is left)."""
        if layout.complete:
            self._layouts.setdefault((view, layout.width), layout)

    def first_part(self, view_text: ViewText, width: int, around: int) -> Layout:
        """The view wrapped as far as a few screens past `around` (the whole one if prepared)."""
        return self.layout(view_text.view, width) or wrap_text(
            view_text.text, width, upto=around + FIRST_PART_CHARS, folds=self.folds_of(view_text)
        )

    def wait_for(self, view: str, timeout: float = 10) -> None:
        """If `view` is being prepared, wait until that is done (the work hurries: see the module doc)."""
        preparing, ready = self._preparing
        if preparing == view:
            ready.wait(timeout)

    def prepare(
        self,
        article: SupportsText,
        views: Sequence[str],
        width: Callable[[], int | None],
        pause: Callable[[], None],
    ) -> None:
        """Convert each of `views` and wrap it whole at ``width()`` (call from a worker thread).

        `pause` is called between pieces and may raise to stop (``reader.pacing.WorkCancelled``); ``width()``
        None stops too (the screen is gone).
        """
        for view in views:
            self._preparing = (view, threading.Event())
            try:
                view_text = self._converter.view(
                    article, view, progress=lambda done, total: pause(), chunk_chars=PIECE_CHARS
                )
                wrap_width = width()
                if wrap_width is None:
                    return
                if self.layout(view, wrap_width) is None:
                    self._layouts[(view, wrap_width)] = self._wrap_whole(view_text, wrap_width, pause)
                freeze_long_lived()  # they live with the article: out of the collector's way
                if self._closed.is_set():  # closed meanwhile: its release may have come before this freeze
                    release_long_lived_objects()
            finally:
                self._preparing[1].set()

    def _wrap_whole(self, view_text: ViewText, width: int, pause: Callable[[], None]) -> Layout:
        layout = wrap_text(view_text.text, width, upto=0, folds=self.folds_of(view_text))
        while not layout.complete:
            pause()
            wrap_more(layout, layout.wrapped + WRAP_STEP_CHARS)
        return layout
