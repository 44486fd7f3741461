"""Keys typed ahead reach the field they were typed for, in order.

Textual delivers a key to the widget that has the focus *when the key arrives*, into that widget's queue,
and handles it later; a binding runs only when the key has bubbled back up to the app. Keys that arrive
together (a fast typist, a paste through the keyboard, `tmux send-keys`) are all delivered before the
first is handled, so a key whose handling moves the focus left the keys after it in the old field: the `o`
of "Tok" sorted the library, a note typed after Tab went into the tags, `/數據` left the find field empty.

So the keys that move the focus move it as they arrive, before the keys after them are delivered:

- Tab and shift+Tab are the app's priority bindings (Textual runs those as the key arrives);
- a screen that decides other moves (the library) implements :class:`RoutesKeys`;
- the bindings listed in :data:`RUN_ON_ARRIVAL` (they open a field, a dialog or another screen) are run as
  the key arrives, when no key typed before is still on its way (a key run early must not overtake them:
  `↓↓⏎` opens the third row). Their actions focus with ``screen.set_focus`` (at once), not
  ``widget.focus()`` (which waits behind the keys already queued);
- a key that comes back to the app unhandled from a widget that has lost the focus since (a dialog just
  pushed focuses its first field once composed; a field the key before it focused) is delivered again
  to the focused widget (:meth:`Typeahead.redeliver`).

``ReaderApp.on_event`` calls all of this for every key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual import events
from textual.screen import Screen

if TYPE_CHECKING:
    from textual.app import App
    from textual.widget import Widget

__all__ = ["RUN_ON_ARRIVAL", "RoutesKeys", "Typeahead", "route_key"]

#: ids of the bindings run as their key arrives: each opens a field, a dialog or a screen, or leaves one
RUN_ON_ARRIVAL = frozenset(
    {
        "open",  # Enter on the library's list: the article
        "find",  # `/` in an article: the find field
        "annotate",  # `a`: the annotate dialog
        "edit",  # `e`: the same dialog, editing
        "back",  # Esc in an article: to the library
        "panel.filter",  # `t` in the panel's list: its tag filter
        "panel.filter.back",  # Esc in the tag filter: back to the list
        "search.close",  # Esc in an article's find field: back to the text
        "search.back",  # Esc in the corpus search: to the library
        "cancel-annotation",  # Esc in the annotate dialog: to the article
    }
)


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


class Typeahead:
    """The app's bookkeeping of the keys on their way: where each was delivered, which are not back yet."""

    def __init__(self, app: App) -> None:
        self._app = app
        #: keys delivered and neither stopped by a widget nor back at the app yet, with where they went
        self._on_the_way: dict[events.Key, Widget] = {}

    def delivered(self, event: events.Key) -> None:
        """`event` has just arrived and Textual has delivered it: remember where it went."""
        self._on_the_way[event] = self._app.focused or self._app.screen

    async def run_on_arrival(self, event: events.Key) -> bool:
        """Run `event`'s binding now if it is one of :data:`RUN_ON_ARRIVAL` and nothing typed before it is
        still on its way; True if it ran (the key is then not delivered)."""
        if self._keys_on_the_way():
            return False
        screen = self._app.screen
        if not screen.is_mounted:
            return False
        active = screen.active_bindings.get(event.key)
        if active is None or not active.enabled or active.binding.priority:
            return False
        if active.binding.id not in RUN_ON_ARRIVAL:
            return False
        return await self._app.run_action(active.binding.action, active.node)

    def redeliver(self, event: events.Key) -> bool:
        """`event` is back at the app, unhandled. If the focus has moved on its screen since it was
        delivered (a dialog focuses its first field once composed, a field was focused by the key before
        it), deliver it again to the focused widget; True if so.

        Only keys that came back unhandled: a key a widget used is stopped there and never comes back, and
        no binding has run for it yet (bindings run here, at the app)."""
        target = self._on_the_way.pop(event, None)
        focused = self._app.focused
        if target is None or focused is None or focused is target or not target.is_attached:
            return False
        if (target if isinstance(target, Screen) else target.screen) is not self._app.screen:
            return False
        again = events.Key(event.key, event.character)
        self._on_the_way[again] = focused
        focused._forward_event(again)
        return True

    def _keys_on_the_way(self) -> bool:
        """Forget the keys a widget stopped (or that went to a widget no longer shown); any left?"""
        for key, target in list(self._on_the_way.items()):
            if key._stop_propagation or not target.is_attached:  # Textual has no public "stopped"
                del self._on_the_way[key]
        return bool(self._on_the_way)
