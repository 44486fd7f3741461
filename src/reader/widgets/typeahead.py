"""Keys typed ahead reach the field they were typed for, in order.

Textual delivers a key to the widget that has the focus *when the key arrives*, into that widget's queue,
and handles it later. Keys that arrive together (a fast typist, a paste through the keyboard, a script)
are all delivered before the first is handled, so a key whose handling moves the focus (Tab, a letter
that starts the library's filter, Esc leaving it) used to leave the keys after it in the old field: the
`o` of "Tok" sorted the library instead, a note typed after Tab went into the tags.

So the keys that move the focus move it as they arrive: Tab and shift+Tab are the app's priority
bindings, and a screen that decides other moves (the library) implements :class:`RoutesKeys`; the app asks
it about every key before delivering it (``ReaderApp.on_event``).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from textual import events
from textual.screen import Screen

__all__ = ["RoutesKeys", "route_key"]


@runtime_checkable
class RoutesKeys(Protocol):
    def route_key(self, event: events.Key) -> bool:
        """Called as `event` arrives, before it is delivered: move the focus now if this key moves it.

        Returns True if the key was taken here (it is then not delivered at all). Anything that must happen
        in order with the keys still queued in a widget goes through that widget (``widget.call_later``).
        """
        ...


def route_key(screen: Screen, event: events.Key) -> bool:
    """Let `screen` route `event` if it routes keys; True if it took the key."""
    return isinstance(screen, RoutesKeys) and screen.route_key(event)
