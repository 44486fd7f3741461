"""The keys of the screen on one line: Textual's Footer, drawn by one widget.

Textual's ``Footer`` mounts a widget per key (and mounts them all again whenever the keys change, e.g. when
the focus moves); on the library, the first screen, that was a tenth of the start-up time. ``KeyBar`` draws
the same line (each shown binding's key and description, the command palette's key on the right, disabled
keys dim) as one ``Text``, and is redrawn, not rebuilt, when the keys change. A click on a key presses it.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widget import Widget

__all__ = ["HELP_ACTIONS", "KeyBar"]

#: the key that lists every key: kept when the others do not all fit
HELP_ACTIONS = {"help", "app.help"}


class KeyBar(Widget, can_focus=False):
    """One line of keys, docked at the bottom of its screen."""

    ALLOW_SELECT = False

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "keybar--key",
        "keybar--description",
        "keybar--hover",
        "keybar--separator",
    }

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .keybar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .keybar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .keybar--hover {
            background: $block-hover-background;
        }
        & > .keybar--separator {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        #: (first cell, end cell, key, enabled) of each key drawn, for clicks and hover
        self._spans: list[tuple[int, int, str, bool]] = []
        self._hover: int | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._keys_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _keys_changed(self, screen: object) -> None:
        self.refresh()

    def _shown(self) -> tuple[list[tuple[Binding, bool]], tuple[Binding, bool] | None]:
        """The bindings to show (the first of each action, in order), and the command palette's."""
        active = self.screen.active_bindings
        seen: set[str] = set()
        shown = []
        for _, binding, enabled, _tooltip in active.values():
            if binding.show and binding.action not in seen:
                seen.add(binding.action)
                shown.append((binding, enabled))
        palette = None
        if self.app.ENABLE_COMMAND_PALETTE:
            found = active.get(self.app.COMMAND_PALETTE_BINDING)
            if found is not None:
                palette = (found.binding, found.enabled)
        return shown, palette

    def render(self) -> Text:
        key_style = self.get_component_rich_style("keybar--key")
        description_style = self.get_component_rich_style("keybar--description")
        hover_style = self.get_component_rich_style("keybar--hover", partial=True)
        dim = Style(dim=True)
        shown, palette = self._shown()
        line = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, str, bool]] = []

        def key(binding: Binding, enabled: bool, compact: bool = False) -> None:
            """ " k description " (Footer's keys); compact: "k description " (its palette key)."""
            start = line.cell_len
            extra = (hover_style if len(spans) == self._hover else Style()) + (Style() if enabled else dim)
            display = self.app.get_key_display(binding)
            line.append(display if compact else f" {display} ", key_style + extra)
            if binding.description:
                text = f" {binding.description}" if compact else f"{binding.description} "
                line.append(text, description_style + extra)
            spans.append((start, line.cell_len, binding.key, enabled))

        tail = 0
        if palette is not None:
            tail = cell_len(f"▏{self.app.get_key_display(palette[0])} {palette[0].description} ")
        fitting, cut = self._fitting(shown, self.size.width - tail)
        for binding, enabled in fitting:
            if cut and binding.action in HELP_ACTIONS:
                line.append(" …", description_style)  # more keys than room: `?` lists them all
            key(binding, enabled)
        if cut and not any(binding.action in HELP_ACTIONS for binding, _ in fitting):
            line.append(" …", description_style)
        if palette is not None:
            binding, enabled = palette
            line.append(" " * max(1, self.size.width - line.cell_len - tail))
            line.append("▏", self.get_component_rich_style("keybar--separator"))
            key(binding, enabled, compact=True)
            line.append(" ")
        self._spans = spans
        return line

    def _fitting(
        self, shown: list[tuple[Binding, bool]], room: int
    ) -> tuple[list[tuple[Binding, bool]], bool]:
        """The keys that fit in `room` cells, and whether some were left out: then the help key (`?`, which
        lists them all) is kept, after the others that fit, with "…" before it."""

        def cells(binding: Binding) -> int:
            return cell_len(f" {self.app.get_key_display(binding)} {binding.description} ")

        if sum(cells(binding) for binding, _ in shown) <= room:
            return shown, False
        helps = [item for item in shown if item[0].action in HELP_ACTIONS]
        used = sum(cells(binding) for binding, _ in helps) + cell_len(" …")
        fitting = []
        for item in shown:
            if item in helps:
                continue
            used += cells(item[0])
            if used > room:
                break
            fitting.append(item)
        return fitting + helps, True

    def _span_at(self, x: int) -> int | None:
        return next((n for n, (start, end, _, _) in enumerate(self._spans) if start <= x < end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        hover = self._span_at(event.x)
        if hover != self._hover:
            self._hover = hover
            self.refresh()

    def on_leave(self) -> None:
        if self._hover is not None:
            self._hover = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        found = self._span_at(event.x)
        if found is None:
            return
        _, _, key, enabled = self._spans[found]
        if enabled:
            self.app.simulate_key(key)
        else:
            self.app.bell()
