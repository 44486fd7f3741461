"""Helpers shared by the Pilot tests: waiting for what the user would wait for, not for a fixed time,
and recording notifications.

A fixed `pilot.pause(0.3)` passes on a quiet machine and fails on a busy CI runner; these helpers poll
the condition itself (every 20 ms, up to a generous deadline) and say what never happened.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from textual.app import App
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import OptionList
from textual.worker import WorkerCancelled

DEADLINE = 20.0


async def settle(pilot: Pilot) -> None:
    """Let messages, then every thread worker, then the messages they posted, run. A worker that a newer
    one of its exclusive group cancelled meanwhile is not an error (``wait_for_complete`` raised for it,
    which failed a test now and then on a busy machine); one that failed still is."""
    await pilot.pause()
    for worker in list(pilot.app.workers):
        with contextlib.suppress(WorkerCancelled):
            await worker.wait()
    await pilot.pause()


def record_notifications(app: App) -> list[tuple[str, str, str]]:
    """(message, title, severity) of every notification, also the ones whose toast has expired."""
    seen: list[tuple[str, str, str]] = []
    original = app.notify

    def notify(message, *, title="", severity="information", **kwargs):
        seen.append((str(message), title, severity))
        return original(message, title=title, severity=severity, **kwargs)

    app.notify = notify  # type: ignore[method-assign]
    return seen


async def wait_until(
    pilot: Pilot, condition: Callable[[], bool], what: str, timeout: float = DEADLINE
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}")
        await pilot.pause(0.02)


def palette_prompts(pilot: Pilot) -> list[str]:
    """The prompts the open command palette lists, top first."""
    screen = pilot.app.screen
    if not isinstance(screen, CommandPalette):
        return []
    options = screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def palette_search(pilot: Pilot, query: str, first: str) -> list[str]:
    """Open the palette, type `query`, and wait until its first result starts with `first`."""
    await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, CommandPalette), "the command palette")
    await pilot.press(*query)

    def first_is_expected() -> bool:
        prompts = palette_prompts(pilot)
        return bool(prompts) and prompts[0].startswith(first)

    await wait_until(pilot, first_is_expected, f"the palette to list {first!r} first for {query!r}")
    return palette_prompts(pilot)
