"""The UI: start-up, opening a 624k-character article, switching its script view, paging, memory.

Run with ``python benchmarks/run.py ui`` (about a minute). Every figure is printed beside its target or
reference:

* start-up to a painted library (5 seeds) vs a bare Textual app showing a five-row DataTable (target ≤ 1.3×):
  each in its own process on a pseudo-terminal (120×40, the real Linux driver), from process start until it
  exits right after its first painted screen; runs interleaved; CPU time (user+sys) too, which suffers less
  from other load on the machine. The only hook is benchmark-side subclassing: the reader's library screen
  calls ``app.exit`` from ``call_after_refresh`` once its table is filled (nothing in src). The reader runs
  through ``reader.cli.main`` with the library's metadata cache written (as from the second start on); the
  first start on a folder (no cache) is a line of its own. Bytecode is cached in a temporary
  PYTHONPYCACHEPREFIX for both apps. Also in-process (headless ``run_test``, imports done) for context.
* opening shared/corpus/zuozhuan.txt from the library to the painted reading screen (target ≤ 300 ms),
  switching its view (target ≤ 150 ms, uncached and cached), page-down (target ≤ 20 ms for the widget's
  work: the action plus ``render_line`` for every visible row) and RSS with it open (target ≤ 150 MB):
  each session in a fresh process (``run_test``, 120×40), so one-time costs of a real session are included.
  "Painted" is when a ``call_after_refresh`` queued by the screen's ``_show_view`` runs.
* a breakdown of where opening and switching spend their time, measured directly on the core.

Medians over several runs; TEXTUAL_ANIMATIONS=none.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import inspect
import json
import os
import pty
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

from _report import REPO, ZUOZHUAN, report

os.environ["TEXTUAL_ANIMATIONS"] = "none"

SIZE = (120, 40)
STARTUP_RUNS = 9
COLD_STARTUP_RUNS = 5
INPROCESS_RUNS = 5
SESSIONS = 5
PAGE_DOWNS = 30
PILOT_PRESSES = 10
ZUOZHUAN_ID = "zuozhuan.txt"
SEEDS = REPO / "seeds"
MB = 1024 * 1024

# A bare Textual app: one DataTable (the library's widget) with five rows; exits after its first paint.
BARE_APP = """
import os
from textual.app import App
from textual.widgets import DataTable

class Bare(App):
    def compose(self):
        yield DataTable(cursor_type="row")

    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("Title", "Script", "Length", "Read", "Notes")
        for n in range(5):
            table.add_row(f"第{n}篇文章的标题", "简", "3,000", "8 min", "")
        table.focus()
        self.call_after_refresh(self.painted)

    def painted(self):
        if self.query_one(DataTable).row_count != 5:
            os._exit(3)
        self.exit()

Bare().run()
"""

# The real `reader` entry point (cli.main: argument parsing, OpenCC check, Workspace, ReaderApp.run), with
# the app subclassed so that its library screen exits right after the first paint of the filled table.
READER_APP = """
import os, sys
from reader import app as reader_app
from reader import cli
from reader.screens.library import LibraryScreen

class FirstPaintLibrary(LibraryScreen):
    def _articles_loaded(self, *args):
        super()._articles_loaded(*args)
        self.call_after_refresh(self.painted)

    def painted(self):
        if len(self._infos) != 5 or self.query_one("#library-table").row_count != 5:
            os._exit(3)
        self.app.exit()

class FirstPaintApp(reader_app.ReaderApp):
    CSS_PATH = os.path.join(os.path.dirname(reader_app.__file__), reader_app.ReaderApp.CSS_PATH)

    def push_screen(self, screen, *args, **kwargs):
        if type(screen) is LibraryScreen:
            screen = FirstPaintLibrary(self.workspace)
        return super().push_screen(screen, *args, **kwargs)

reader_app.ReaderApp = FirstPaintApp
sys.exit(cli.main([]))
"""


# ------------------------------------------------------------------------------------------------ helpers


def _rss() -> tuple[float, float]:
    """(VmRSS, VmHWM) of this process in MB."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) * 1024 / MB
    return values["VmRSS"], values["VmHWM"]


def _run_in_pty(argv: list[str], env: dict[str, str], cwd: Path, timeout: float = 60) -> tuple[float, float]:
    """(wall, CPU user+sys) seconds of a process on a 120×40 pseudo-terminal, its output drained."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    output = bytearray()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, start_new_session=True
    )
    os.close(slave)
    cpu = 0.0
    try:
        deadline = t0 + timeout
        while True:
            ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.perf_counter()))
            if not ready:
                raise TimeoutError(f"{argv[:2]} did not exit within {timeout} s")
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every copy of the terminal's slave side is closed (the process ended)
                break
            if not data:
                break
            output += data
        while True:  # reap it ourselves, for its resource usage
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{argv[:2]} did not exit within {timeout} s")
            time.sleep(0.0005)
        elapsed = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        cpu = usage.ru_utime + usage.ru_stime
    finally:
        if proc.returncode is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(master)
    if proc.returncode != 0:
        tail = output[-2000:].decode("utf-8", "replace")
        raise RuntimeError(f"{argv[:2]} exited with {proc.returncode}: {tail}")
    return elapsed, cpu


def _env(articles: Path, db: Path, pycache: Path) -> dict[str, str]:
    """The reader's environment, its bytecode cached under `pycache` (as after any first run).

    This machine sets PYTHONDONTWRITEBYTECODE and the editable install has no __pycache__, so without it
    the reader's own modules would be compiled from source at every start while Textual's are not. The
    prefix keeps the bytecode out of the source tree.
    """
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return {
        **env,
        "TERM": "xterm-256color",
        "COLUMNS": str(SIZE[0]),
        "LINES": str(SIZE[1]),
        "TEXTUAL_ANIMATIONS": "none",
        "READER_ARTICLES": str(articles),
        "READER_DB": str(db),
    }


def _prime(articles: Path, db: Path) -> None:
    """Let the library write its metadata cache, as after the first run of the reader on that folder."""
    from reader.workspace import Workspace

    workspace = Workspace(articles, db)
    workspace.articles()
    workspace.store.close()


def _fresh_db(primed: Path, parent: Path) -> Path:
    target = Path(tempfile.mkdtemp(dir=parent, prefix="db-"))
    shutil.copytree(primed, target, dirs_exist_ok=True)
    return target


# ------------------------------------------------------------------------------------------ hooked classes


def _hooked_classes():
    """The reader's App and screens, subclassed (here only) to record when a screen has been painted."""
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

        def push_screen(self, screen, *args, **kwargs):
            if type(screen) is LibraryScreen:
                screen = TimedLibrary(self.workspace)
            return super().push_screen(screen, *args, **kwargs)

        def mark(self, name: str) -> None:
            self.painted[name] = time.perf_counter()
            self._painted_events.setdefault(name, asyncio.Event()).set()

        def forget(self, name: str) -> None:
            self.painted.pop(name, None)
            self._painted_events.pop(name, None)

        async def wait_painted(self, name: str, timeout: float = 60) -> float:
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

    return TimedApp, TimedReading


def _bare_app_class():
    from textual.app import App
    from textual.widgets import DataTable

    class Bare(App[None]):
        def __init__(self) -> None:
            super().__init__()
            self.painted_at = 0.0
            self.painted = asyncio.Event()

        def compose(self):
            yield DataTable(cursor_type="row")

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("Title", "Script", "Length", "Read", "Notes")
            for n in range(5):
                table.add_row(f"第{n}篇文章的标题", "简", "3,000", "8 min", "")
            table.focus()
            self.call_after_refresh(self._painted)

        def _painted(self) -> None:
            self.painted_at = time.perf_counter()
            self.painted.set()

    return Bare


# ------------------------------------------------------------------------------------- session (a child)


async def _session(articles: Path, db: Path) -> dict[str, object]:
    """One reader session in this (fresh) process: library, open zuozhuan, page, switch views, memory."""
    import gc

    from textual.widgets import DataTable

    import reader.screens.reading as reading_module
    from reader.widgets.document import DocumentView
    from reader.workspace import Workspace

    timed_app, timed_reading = _hooked_classes()
    reading_module.ReadingScreen = timed_reading  # LibraryScreen.action_open imports it from there
    out: dict[str, object] = {}
    t0 = time.perf_counter()
    app = timed_app(Workspace(articles, db))
    async with app.run_test(size=SIZE) as pilot:
        out["library_ms"] = (await app.wait_painted("library") - t0) * 1e3
        await pilot.pause()
        gc.collect()
        out["rss_library"], _ = _rss()

        library = app.screen
        table = library.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(ZUOZHUAN_ID))
        await pilot.pause()
        t0 = time.perf_counter()
        library.action_open()
        out["open_ms"] = (await app.wait_painted("view:original") - t0) * 1e3
        reading = app.screen
        assert isinstance(reading, timed_reading), reading
        document = reading.query_one(DocumentView)
        assert len(document.text) > 600_000, len(document.text)
        # The first paint shows the part around the reading position; the rest is wrapped right after.
        while not (document.text_layout and document.text_layout.complete):
            await asyncio.sleep(0.01)
        out["whole_layout_ms"] = (time.perf_counter() - t0) * 1e3
        await pilot.pause()
        gc.collect()
        out["rss_open"], out["hwm_open"] = _rss()

        # Page-down, the widget's own work: the action, then every visible row rendered.
        rows = out["page_rows"] = document.scrollable_content_region.height
        times = []
        for _ in range(PAGE_DOWNS):
            before = document.scroll_y
            t0 = time.perf_counter()
            document.action_page_down()
            for y in range(rows):
                document.render_line(y)
            times.append(time.perf_counter() - t0)
            assert document.scroll_y > before, "page-down did not scroll"
        out["page_down_ms"] = statistics.median(times) * 1e3
        out["page_down_max_ms"] = max(times) * 1e3
        await pilot.pause()
        times = []
        for _ in range(PILOT_PRESSES):
            t0 = time.perf_counter()
            await pilot.press("pagedown")
            times.append(time.perf_counter() - t0)
        out["pilot_page_down_ms"] = statistics.median(times) * 1e3

        for key, view in (
            ("simplified_uncached_ms", "simplified"),
            ("taiwan_uncached_ms", "taiwan"),
            ("original_ms", "original"),
            ("simplified_cached_ms", "simplified"),
            ("taiwan_cached_ms", "taiwan"),
        ):
            await pilot.pause()
            app.forget(f"view:{view}")
            t0 = time.perf_counter()
            reading.switch_view(view)
            out[key] = (await app.wait_painted(f"view:{view}") - t0) * 1e3
            assert document.text is reading.view_text.text and reading.view_name == view
        await pilot.pause()
        gc.collect()
        out["rss_all_views"], out["hwm_all_views"] = _rss()
        app.exit()
    return out


def _run_sessions(workdir: Path, articles: Path, primed: Path, pycache: Path) -> list[dict[str, float]]:
    results = []
    for _ in range(SESSIONS):
        db = _fresh_db(primed, workdir)
        proc = subprocess.run(
            [sys.executable, __file__, "--session", str(articles), str(db)],
            capture_output=True,
            text=True,
            env=_env(articles, db, pycache),
            cwd=workdir,
            timeout=300,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"session failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        shutil.rmtree(db, ignore_errors=True)
    return results


# ------------------------------------------------------------------------------------------ in-process


async def _inprocess_startup(seeds: Path, primed: Path, workdir: Path) -> tuple[float, float]:
    """Median ms to the first painted screen in this process (imports done), bare app and reader."""
    from reader.workspace import Workspace

    timed_app, _ = _hooked_classes()
    bare_app = _bare_app_class()
    bare_times, reader_times = [], []
    for n in range(INPROCESS_RUNS + 1):  # the first round warms imports and CSS caches
        t0 = time.perf_counter()
        bare = bare_app()
        async with bare.run_test(size=SIZE):
            await asyncio.wait_for(bare.painted.wait(), 60)
            elapsed = bare.painted_at - t0
        if n:
            bare_times.append(elapsed)
        db = _fresh_db(primed, workdir)
        t0 = time.perf_counter()
        app = timed_app(Workspace(seeds, db))
        async with app.run_test(size=SIZE):
            elapsed = await app.wait_painted("library") - t0
        app.workspace.store.close()
        if n:
            reader_times.append(elapsed)
    return statistics.median(bare_times) * 1e3, statistics.median(reader_times) * 1e3


def _components() -> dict[str, float]:
    """Where opening and switching spend their time (ms, in this process): context for the figures."""
    from reader import articles as articles_module
    from reader import scripts
    from reader.convert import Converter
    from reader.layout import wrap_text

    out = {}
    scripts._scripts.cache_clear()
    scripts._script_chars.cache_clear()
    scripts.opencc_converter.cache_clear()
    t0 = time.perf_counter()
    scripts._scripts()
    out["script_tables"] = (time.perf_counter() - t0) * 1e3
    t0 = time.perf_counter()
    article = articles_module.load_file(ZUOZHUAN)
    out["load"] = (time.perf_counter() - t0) * 1e3
    t0 = time.perf_counter()
    wrap_text(article.text, 80)
    out["wrap"] = (time.perf_counter() - t0) * 1e3
    converter = Converter()
    for view in ("simplified", "taiwan"):
        config = {"simplified": "t2s", "taiwan": "s2twp"}[view]
        t0 = time.perf_counter()
        convert = converter._converter(config)
        out[f"{view}_opencc_init"] = (time.perf_counter() - t0) * 1e3
        t0 = time.perf_counter()
        convert(article.text)
        out[f"{view}_opencc"] = (time.perf_counter() - t0) * 1e3
        t0 = time.perf_counter()
        converter.build_view(article.text, view)
        out[f"{view}_build_view"] = (time.perf_counter() - t0) * 1e3
    return out


# ------------------------------------------------------------------------------------------------ main


def _median(results: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in results)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as tmp:
        workdir = Path(tmp)
        seeds = workdir / "seeds"
        shutil.copytree(SEEDS, seeds)
        articles = workdir / "articles"
        shutil.copytree(SEEDS, articles)
        shutil.copy(ZUOZHUAN, articles / ZUOZHUAN_ID)
        seeds_db, articles_db = workdir / "seeds-db", workdir / "articles-db"
        _prime(seeds, seeds_db)
        _prime(articles, articles_db)

        # -- start-up, process start to first paint, on a pseudo-terminal
        pycache = workdir / "pycache"
        bare_runs, reader_runs, cold_runs = [], [], []
        bare_argv = [sys.executable, "-c", BARE_APP]
        reader_argv = [sys.executable, "-c", READER_APP]
        # Warm-up: write the bytecode of both into `pycache` and bring the files into the page cache.
        _run_in_pty(bare_argv, _env(seeds, seeds_db, pycache), workdir)
        _run_in_pty(reader_argv, _env(seeds, _fresh_db(seeds_db, workdir), pycache), workdir)
        for n in range(STARTUP_RUNS):  # interleaved, so that both see the same load on the machine
            bare_runs.append(_run_in_pty(bare_argv, _env(seeds, seeds_db, pycache), workdir))
            db = _fresh_db(seeds_db, workdir)
            reader_runs.append(_run_in_pty(reader_argv, _env(seeds, db, pycache), workdir))
            if n < COLD_STARTUP_RUNS:
                cold_db = Path(tempfile.mkdtemp(dir=workdir, prefix="cold-"))
                cold_runs.append(_run_in_pty(reader_argv, _env(seeds, cold_db, pycache), workdir))
        bare, bare_cpu = (statistics.median(r[i] for r in bare_runs) * 1e3 for i in (0, 1))
        warm, warm_cpu = (statistics.median(r[i] for r in reader_runs) * 1e3 for i in (0, 1))
        cold = statistics.median(r[0] for r in cold_runs) * 1e3
        report("start-up to painted screen: bare Textual, 5-row table", bare, "ms", "reference (process)")
        report("start-up to painted library, 5 seeds (warm cache)", warm, "ms", f"bare {bare:.0f} ms")
        report("  ratio reader / bare, wall clock", warm / bare, "x", "target ≤ 1.3×", warm / bare <= 1.3)
        report(
            "  ratio reader / bare, CPU time (user+sys)",
            warm_cpu / bare_cpu,
            "x",
            f"{warm_cpu:.0f} / {bare_cpu:.0f} ms CPU; context, robust to load",
        )
        report(
            "start-up, first run on the folder (no metadata cache)",
            cold,
            "ms",
            f"bare {bare:.0f} ms; ×{cold / bare:.2f} (target ≤ 1.3×)",
            cold / bare <= 1.3,
        )
        bare_in, reader_in = asyncio.run(_inprocess_startup(seeds, seeds_db, workdir))
        report("  in-process (run_test, imports done): bare", bare_in, "ms", "reference")
        report(
            "  in-process (run_test, imports done): reader",
            reader_in,
            "ms",
            f"bare {bare_in:.0f} ms; ×{reader_in / bare_in:.2f}",
        )

        # -- a session with zuozhuan, each in a fresh process
        results = _run_sessions(workdir, articles, articles_db, pycache)
        chars = f"{len(ZUOZHUAN.read_text(encoding='utf-8')):,} chars"
        value = _median(results, "open_ms")
        report(f"open zuozhuan ({chars}) to painted screen", value, "ms", "target ≤ 300 ms", value <= 300)
        value = _median(results, "whole_layout_ms")
        report(
            "  … until the whole text is wrapped (scrollable)", value, "ms", "context: first part shown first"
        )
        for key, label in (
            ("simplified_uncached_ms", "view original → 简体, first (uncached)"),
            ("taiwan_uncached_ms", "view 简体 → 臺灣, first (uncached)"),
            ("original_ms", "view 臺灣 → original"),
            ("simplified_cached_ms", "view original → 简体, cached"),
            ("taiwan_cached_ms", "view 简体 → 臺灣, cached"),
        ):
            value = _median(results, key)
            report(label, value, "ms", "target ≤ 150 ms", value <= 150)
        value = _median(results, "page_down_ms")
        report(
            f"page-down: action + render_line × {int(results[0]['page_rows'])} rows",
            value,
            "ms",
            "target ≤ 20 ms",
            value <= 20,
        )
        report(
            "  slowest of 30 page-downs (median over sessions)",
            _median(results, "page_down_max_ms"),
            "ms",
            "context",
        )
        report(
            "  pilot.press('pagedown'), context",
            _median(results, "pilot_page_down_ms"),
            "ms",
            "incl. ~40 ms harness (GUIDE §2)",
        )
        library_rss = _median(results, "rss_library")
        open_rss = _median(results, "rss_open")
        report("RSS, library only (5 seeds + zuozhuan listed)", library_rss, "MB", "reference")
        report("RSS with zuozhuan open", open_rss, "MB", "target ≤ 150 MB", open_rss <= 150)
        report(
            "  increase over library only", open_rss - library_rss, "MB", "GUIDE §2: Line API +9 MiB / 1 MB"
        )
        report("  peak (VmHWM) while opening", _median(results, "hwm_open"), "MB", "context")
        report(
            "  RSS after all five views built (cached)",
            _median(results, "rss_all_views"),
            "MB",
            "context: the view cache",
        )
        report("  session in-process start-up (run_test)", _median(results, "library_ms"), "ms", "context")

        # -- where the time goes (this process, fresh caches)
        parts = _components()
        report("  of open: script tables, once per process", parts["script_tables"], "ms", "breakdown")
        report("  of open: Library load (decode+normalise+script)", parts["load"], "ms", "breakdown")
        report("  of open: wrap_text at 80 cells", parts["wrap"], "ms", "breakdown")
        for view in ("simplified", "taiwan"):
            report(f"  of {view}: OpenCC config load", parts[f"{view}_opencc_init"], "ms", "breakdown")
            report(f"  of {view}: OpenCC convert whole text", parts[f"{view}_opencc"], "ms", "breakdown")
            report(f"  of {view}: build_view (convert + map)", parts[f"{view}_build_view"], "ms", "breakdown")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--session":
        with contextlib.redirect_stdout(sys.stderr):
            result = asyncio.run(_session(Path(sys.argv[2]), Path(sys.argv[3])))
        print(json.dumps(result))
    else:
        main()
