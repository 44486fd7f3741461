"""One reader session in a fresh process, timed from inside (used by bench_ui.py; not a benchmark itself).

``python _ui_session.py zuozhuan ARTICLES DB`` opens zuozhuan.txt, pages right after opening, switches
views; ``python _ui_session.py annotations ARTICLES DB ARTICLE`` opens an article with many annotations,
switches views and shows the panel. Each prints one JSON line of figures (milliseconds, MB).

"Painted" is when a ``call_after_refresh`` queued by the screen's ``_show_view`` (or the panel's toggle)
runs. A frame is timed from posting the key until the app has rendered the update that shows it (the
``_display`` call; headless, so nothing is written to a terminal), with TEXTUAL_FPS=1000 so that Textual's
60 fps pacing does not add its idle wait: what is left is the work of that frame, including any wait for
the GIL while background threads run.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import json
import os
import sys
import time
from pathlib import Path

os.environ["TEXTUAL_ANIMATIONS"] = "none"
os.environ.setdefault("TEXTUAL_FPS", "1000")

SIZE = (120, 40)
ZUOZHUAN_ID = "zuozhuan.txt"
MB = 1024 * 1024


def rss() -> tuple[float, float]:
    """(VmRSS, VmHWM) of this process in MB."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) * 1024 / MB
    return values["VmRSS"], values["VmHWM"]


def hooked_classes():
    """The reader's App and screens, subclassed (here only) to record paints and frames."""
    from reader.app import ReaderApp
    from reader.screens.library import LibraryScreen
    from reader.screens.reading import ReadingScreen

    class TimedApp(ReaderApp):
        # Textual resolves a relative CSS_PATH against the subclass's file: point it at the reader's own.
        CSS_PATH = str(Path(inspect.getfile(ReaderApp)).with_name(str(ReaderApp.CSS_PATH)))

        def __init__(self, workspace) -> None:
            super().__init__(workspace)
            self.painted: dict[str, float] = {}
            self._painted_events: dict[str, asyncio.Event] = {}
            self.frames: list[float] = []

        def push_screen(self, screen, *args, **kwargs):
            if type(screen) is LibraryScreen:
                screen = TimedLibrary(self.workspace)
            return super().push_screen(screen, *args, **kwargs)

        def _display(self, screen, renderable) -> None:
            super()._display(screen, renderable)
            if renderable is not None:
                self.frames.append(time.perf_counter())

        def mark(self, name: str) -> None:
            self.painted[name] = time.perf_counter()
            self._painted_events.setdefault(name, asyncio.Event()).set()

        def forget(self, name: str) -> None:
            self.painted.pop(name, None)
            self._painted_events.pop(name, None)

        async def wait_painted(self, name: str, timeout: float = 120) -> float:
            event = self._painted_events.setdefault(name, asyncio.Event())
            await asyncio.wait_for(event.wait(), timeout)
            return self.painted[name]

    class TimedLibrary(LibraryScreen):
        def _articles_loaded(self, *args) -> None:
            super()._articles_loaded(*args)
            self.call_after_refresh(self.app.mark, "library")

    class TimedReading(ReadingScreen):
        def _show_view(self, view_text, cursor, selection, layout=None) -> None:
            super()._show_view(view_text, cursor, selection, layout)
            self.call_after_refresh(self.app.mark, f"view:{view_text.view}")

        def action_toggle_panel(self) -> None:
            super().action_toggle_panel()
            self.call_after_refresh(self.app.mark, "panel")

    return TimedApp, TimedReading


def timed_app(articles: Path, db: Path, out: dict[str, object]):
    """The hooked app on a Workspace whose annotation loading (the store's part of opening) is timed."""
    from textual.widgets import DataTable

    import reader.screens.reading as reading_module
    from reader.workspace import Workspace

    app_class, timed_reading = hooked_classes()
    reading_module.ReadingScreen = timed_reading  # LibraryScreen.action_open imports it from there
    workspace = Workspace(articles, db)
    out["store_load_ms"] = out["store_load_cpu_ms"] = out["store_rest_ms"] = 0.0

    def timed(method):
        """The store's part of opening, measured where it runs (the load worker): until the first paint;
        what is read after it (the rest of an article's annotations, ``store_rest_ms``) apart."""

        def run(*args, **kwargs):
            t0, cpu0 = time.perf_counter(), time.thread_time()
            result = method(*args, **kwargs)
            if "view:original" in app.painted:
                out["store_rest_ms"] += (time.perf_counter() - t0) * 1e3
            else:
                out["store_load_ms"] += (time.perf_counter() - t0) * 1e3
                out["store_load_cpu_ms"] += (time.thread_time() - cpu0) * 1e3  # this thread's: less noisy
            return result

        return run

    workspace.annotations = timed(workspace.annotations)  # type: ignore[method-assign]
    workspace.first_annotations = timed(workspace.first_annotations)  # type: ignore[method-assign]
    workspace.reading_state = timed(workspace.reading_state)  # type: ignore[method-assign]
    app = app_class(workspace)
    return app, timed_reading, DataTable


async def settled(app) -> None:
    """Until the work that follows the library's first paint is done: its facts (a worker) and loading the
    word segmenter (a thread, from ``WORDS_WARM_UP_DELAY`` after the paint). A user reads the list before
    opening an article; opening at once after the start is the reading-aids benchmark's own figure."""
    import threading

    from reader.app import WORDS_WARM_UP_DELAY

    await asyncio.sleep(WORDS_WARM_UP_DELAY + 0.1)
    deadline = time.perf_counter() + 60
    while any(t.name == "reader-words-warm-up" for t in threading.enumerate()) or any(
        worker.is_running for worker in app.workers
    ):
        if time.perf_counter() > deadline:
            raise TimeoutError("the library's background work did not finish")
        await asyncio.sleep(0.01)


async def open_from_library(
    app, pilot, data_table, article_id: str, out: dict[str, object], settle: bool = True
) -> float:
    """Milliseconds from Enter on `article_id` in the painted library, once its background work is done
    (:func:`settled`; at once if not `settle`), to its painted reading screen; ``out["open_cpu_ms"]``: the
    CPU time of the whole process (every thread) meanwhile, which moves less with the load."""
    await app.wait_painted("library")
    if settle:
        await settled(app)
    await pilot.pause()
    library = app.screen
    table = library.query_one(data_table)
    table.move_cursor(row=table.get_row_index(article_id))
    await pilot.pause()
    t0, cpu0 = time.perf_counter(), time.process_time()
    library.action_open()
    painted = await app.wait_painted("view:original")
    out["open_cpu_ms"] = (time.process_time() - cpu0) * 1e3
    return (painted - t0) * 1e3


async def page_frames(app, document, presses: int, gap: float) -> list[float]:
    """Post `presses` page-downs `gap` seconds apart; the time until each one's frame is rendered."""
    from textual import events

    times = []
    for _ in range(presses):
        before = document.scroll_y
        seen = len(app.frames)
        t0 = time.perf_counter()
        app.post_message(events.Key("pagedown", None))
        while True:
            await asyncio.sleep(0.0005)
            if document.scroll_y != before and len(app.frames) > seen and app.frames[-1] > t0:
                # the first frame rendered after the scroll: frames are appended in order
                done = next(f for f in app.frames[seen:] if f > t0)
                times.append((done - t0) * 1e3)
                break
            if time.perf_counter() - t0 > 5:
                raise TimeoutError("page-down did not show")
        await asyncio.sleep(gap)
    return times


async def zuozhuan_session(articles: Path, db: Path) -> dict[str, object]:
    """Open zuozhuan, page right away, page again once background preparation runs, switch views."""
    from reader.widgets.document import DocumentView

    out: dict[str, object] = {}
    app, timed_reading, data_table = timed_app(articles, db, out)
    async with app.run_test(size=SIZE) as pilot:
        await app.wait_painted("library")
        gc.collect()
        out["rss_library"], _ = rss()
        out["open_ms"] = await open_from_library(app, pilot, data_table, ZUOZHUAN_ID, out)
        opened = time.perf_counter()
        reading = app.screen
        assert isinstance(reading, timed_reading), reading
        document = reading.query_one(DocumentView)
        assert len(document.text) > 600_000, len(document.text)

        async def wrapped() -> None:  # the rest of the text is wrapped between frames: until when?
            while not (document.text_layout and document.text_layout.complete):
                await asyncio.sleep(0.005)
            out["layout_rest_ms"] = (time.perf_counter() - opened) * 1e3

        watch = asyncio.create_task(wrapped())
        # right after the first paint, while the rest is wrapped and (from 0.5 s) other views prepared
        first = await page_frames(app, document, 10, 0.1)
        await asyncio.sleep(1.0)  # the user pauses: background preparation resumes
        second = await page_frames(app, document, 10, 0.1)
        out["frames_after_open_ms"] = first
        out["frames_during_preparation_ms"] = second
        await watch
        await pilot.pause()
        gc.collect()
        out["rss_open"], out["hwm_open"] = rss()
        out["page_rows"] = document.scrollable_content_region.height
        await switch_views(app, pilot, reading, document, out)
        await pilot.pause()
        gc.collect()
        out["rss_all_views"], out["hwm_all_views"] = rss()
        app.exit()
    return out


async def switch_views(app, pilot, reading, document, out: dict[str, object]) -> None:
    """Every view in turn, then two again (cached); the original view first has to be left."""
    sequence = (
        ("simplified_first_ms", "simplified"),
        ("taiwan_first_ms", "taiwan"),
        ("original_ms", "original"),
        ("simplified_again_ms", "simplified"),
        ("taiwan_again_ms", "taiwan"),
    )
    for key, view in sequence:
        await pilot.pause()
        app.forget(f"view:{view}")
        t0 = time.perf_counter()
        reading.switch_view(view)
        out[key] = (await app.wait_painted(f"view:{view}") - t0) * 1e3
        assert document.text is reading.view_text.text and reading.view_name == view


async def annotations_session(articles: Path, db: Path, article_id: str) -> dict[str, object]:
    """Open an article with many annotations, switch views four times, show the panel, switch again."""
    from reader.widgets.document import DocumentView
    from reader.widgets.panel import AnnotationPanel

    out: dict[str, object] = {}
    app, timed_reading, data_table = timed_app(articles, db, out)
    async with app.run_test(size=SIZE) as pilot:
        out["open_ms"] = await open_from_library(app, pilot, data_table, article_id, out)
        reading = app.screen
        assert isinstance(reading, timed_reading), reading
        document = reading.query_one(DocumentView)
        await asyncio.sleep(1.5)  # let the background preparation of the other views finish
        switches = []
        for view in ("simplified", "traditional", "original", "simplified"):
            await pilot.pause()
            app.forget(f"view:{view}")
            t0 = time.perf_counter()
            reading.switch_view(view)
            switches.append((await app.wait_painted(f"view:{view}") - t0) * 1e3)
            assert reading.view_name == view
            assert bool(document.highlights) == bool(reading.annotations)  # drawn
        out["switch_ms"] = switches
        await pilot.pause()
        t0 = time.perf_counter()
        reading.action_toggle_panel()
        out["panel_ms"] = (await app.wait_painted("panel") - t0) * 1e3
        panel = reading.query_one(AnnotationPanel)
        out["panel_entries"] = len(panel.shown_ids)
        await pilot.pause()
        app.forget("view:traditional")
        t0 = time.perf_counter()
        reading.switch_view("traditional")
        out["switch_with_panel_ms"] = (await app.wait_painted("view:traditional") - t0) * 1e3
        app.exit()
    return out


if __name__ == "__main__":
    kind, articles_dir, db_dir, *rest = sys.argv[1:]
    with contextlib.redirect_stdout(sys.stderr):
        if kind == "zuozhuan":
            result = asyncio.run(zuozhuan_session(Path(articles_dir), Path(db_dir)))
        else:
            result = asyncio.run(annotations_session(Path(articles_dir), Path(db_dir), rest[0]))
    print(json.dumps(result), flush=True)
