"""What a page-down on zuozhuan costs, widget by widget (a diagnostic, not a benchmark: no target).

``python benchmarks/_ui_profile.py [--right-away] [--callers]`` opens zuozhuan.txt at 120×40 as
``_ui_session.py`` does (a database primed like ``run.py ui``'s), waits 4 s for the background preparation
(``--right-away``: pages at once, as the "after opening" row does), then posts 20 page-downs 0.1 s apart
and prints, per page-down: the frame (wall, and the UI thread's CPU: the difference is waiting for the GIL),
the ``refresh()`` calls by widget class and kind (``--callers``: from where), each widget class's
``render_lines`` (calls, lines, ms), the key handling, the layout passes and the whole render. The
instrumentation adds ~0.3 ms a frame (``--callers`` more): compare two trees with the same options.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import _ui_session as session
from bench_ui import BENCH_CODER, _prime

HERE = Path(__file__).resolve().parent
PRESSES = 20

refreshes: Counter[tuple[str, str]] = Counter()
callers: Counter[tuple[str, str]] = Counter()
renders: defaultdict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0])  # calls, lines, seconds
calls: defaultdict[str, list[float]] = defaultdict(lambda: [0, 0.0])  # calls, seconds
frame_ends: list[tuple[float, float]] = []  # (perf_counter, thread_time) at the end of each screen update
recording = False


def instrument(with_callers: bool) -> None:
    """Wrap Textual's and the reader's methods to count and time them while `recording`."""
    from textual._compositor import Compositor
    from textual.screen import Screen
    from textual.widget import Widget

    from reader.app import ReaderApp
    from reader.widgets.document import DocumentView

    refresh = Widget.refresh

    def counted_refresh(self: Widget, *regions: Any, **kwargs: Any) -> Widget:
        if recording:
            kind = "layout" if kwargs.get("layout") else "repaint" if kwargs.get("repaint", True) else "-"
            refreshes[type(self).__name__, kind] += 1
            if with_callers:
                stack = traceback.extract_stack(limit=5)[:-1]
                where = " < ".join(f"{Path(f.filename).name}:{f.name}" for f in reversed(stack))
                callers[f"{type(self).__name__} {kind}", where] += 1
        return refresh(self, *regions, **kwargs)

    render_lines = Widget.render_lines

    def timed_render_lines(self: Widget, crop: Any) -> Any:
        if not recording:
            return render_lines(self, crop)
        t0 = time.perf_counter()
        strips = render_lines(self, crop)
        entry = renders[type(self).__name__]
        entry[0] += 1
        entry[1] += crop.height
        entry[2] += time.perf_counter() - t0
        return strips

    Widget.refresh = counted_refresh  # type: ignore[method-assign]
    Widget.render_lines = timed_render_lines  # type: ignore[method-assign]
    timed(Screen, "_refresh_layout", "layout pass (Screen._refresh_layout)")
    timed(Compositor, "render_update", "render (Compositor.render_update)")
    timed(DocumentView, "_page", "the action (DocumentView._page)")
    timed(ReaderApp, "_key", "key handling, with the action (ReaderApp._key)")
    update = Screen._on_timer_update

    def screen_update(self: Screen) -> None:
        try:
            update(self)
        finally:
            frame_ends.append((time.perf_counter(), time.thread_time()))

    Screen._on_timer_update = screen_update  # type: ignore[method-assign]


def timed(cls: type, name: str, label: str) -> None:
    method = getattr(cls, name)

    if asyncio.iscoroutinefunction(method):

        async def timed_async(self: object, *args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return await method(self, *args, **kwargs)
            finally:
                note(label, t0)

        setattr(cls, name, timed_async)
    else:

        def timed_sync(self: object, *args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return method(self, *args, **kwargs)
            finally:
                note(label, t0)

        setattr(cls, name, timed_sync)


def note(label: str, t0: float) -> None:
    if recording:
        calls[label][0] += 1
        calls[label][1] += time.perf_counter() - t0


async def page_downs(app: Any, document: Any) -> list[tuple[float, float]]:
    """(wall ms, UI-thread CPU ms) from posting each page-down to the end of the update that shows it."""
    from textual import events

    frames = []
    for _ in range(PRESSES):
        before, seen = document.scroll_y, len(app.frames)
        t0, cpu0 = time.perf_counter(), time.thread_time()
        app.post_message(events.Key("pagedown", None))
        deadline = t0 + 5
        while not (document.scroll_y != before and any(f > t0 for f in app.frames[seen:])):
            if time.perf_counter() > deadline:
                raise TimeoutError("page-down did not show")
            await asyncio.sleep(0.0005)
        shown = next(f for f in app.frames[seen:] if f > t0)
        cpu = next(c for p, c in frame_ends if p >= shown)
        frames.append(((shown - t0) * 1e3, (cpu - cpu0) * 1e3))
        await asyncio.sleep(0.1)
    return frames


async def profile(articles: Path, db: Path, right_away: bool) -> list[tuple[float, float]]:
    global recording
    from reader.widgets.document import DocumentView

    out: dict[str, object] = {}
    app, _reading, data_table = session.timed_app(articles, db, out)
    async with app.run_test(size=session.SIZE) as pilot:
        await session.open_from_library(app, pilot, data_table, session.ZUOZHUAN_ID, out)
        document = app.screen.query_one(DocumentView)
        if not right_away:
            await asyncio.sleep(4)
        recording = True
        frames = await page_downs(app, document)
        recording = False
        app.exit()
    return frames


def report(frames: list[tuple[float, float]], with_callers: bool) -> None:
    def per(value: float) -> float:
        return value / PRESSES

    walls = sorted(wall for wall, _ in frames)
    cpus = sorted(cpu for _, cpu in frames)
    print(f"frames (wall ms): {[round(wall, 1) for wall, _ in frames]}")
    middle = PRESSES // 2
    print(f"  median {walls[middle]:.1f}, slowest {walls[-1]:.1f}; UI-thread CPU median {cpus[middle]:.1f}")
    print("refresh() per page-down:")
    for (name, kind), count in refreshes.most_common():
        print(f"  {per(count):5.2f}  {name} ({kind})")
    if with_callers:
        for (what, where), count in callers.most_common():
            print(f"  {per(count):5.2f}  {what}: {where}")
    print("render_lines per page-down: calls, lines, ms")
    for name, (count, lines, seconds) in sorted(renders.items(), key=lambda item: -item[1][2]):
        print(f"  {name:24} {per(count):5.2f} {per(lines):6.1f} {per(seconds) * 1e3:7.3f}")
    print(f"  {'all':24} {'':5} {'':6} {per(sum(r[2] for r in renders.values())) * 1e3:7.3f}")
    for label, (count, seconds) in calls.items():
        print(f"{label}: {per(count):.2f} a page-down, {per(seconds) * 1e3:.3f} ms")


def main() -> None:
    right_away, with_callers = "--right-away" in sys.argv, "--callers" in sys.argv
    os.environ.setdefault("READER_CODER", BENCH_CODER)
    work = Path(tempfile.mkdtemp(prefix="ui-profile-"))
    try:
        articles = work / "articles"
        shutil.copytree(HERE.parent / "seeds", articles)
        shutil.copy(HERE.parent / "tests" / "data" / "zuozhuan.txt", articles / "zuozhuan.txt")
        _prime(articles, work / "db")
        instrument(with_callers)
        frames = asyncio.run(profile(articles, work / "db", right_away))
        report(frames, with_callers)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
