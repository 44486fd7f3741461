"""The UI: start-up in a real terminal, a 624k-character article, an article with 100,000 annotations.

Run with ``python benchmarks/run.py ui`` (a few minutes). Every figure is printed beside its target and the
reference measured in the same run:

* start-up to a painted library (5 seeds, metadata cache written as from the second start on) vs a bare
  Textual app showing a five-row ListView and a Footer (target ≤ 1.2×): each started in its own tmux window
  and timed from outside until the pane shows its painted screen (``_ui_startup``), alternating, median of
  10 pairs. Bytecode is cached in a temporary PYTHONPYCACHEPREFIX for both.
* zuozhuan (``_ui_session``, fresh processes, headless 120×40): opening it, every frame of page-downs
  pressed right after it opens and again once the other views are being prepared in the background
  (target: each ≤ 20 ms), view switches, memory.
* an article (seed 000, 8,435 characters) with 0 / 10,000 / 100,000 annotations: open (targets ≤ 150 ms /
  ≤ 1 s), view switch (≤ 60 / ≤ 300 ms), showing the panel; the store's part of opening (reading the
  annotations: the store engineer's) is printed apart from the UI's.
* a breakdown of where opening and switching zuozhuan spend their time, measured directly on the core.
* the reading aids on zuozhuan (``_ui_reading_aids``): words ready after opening (≤ 1 s), page-down frames
  with the reading line (≤ 20 ms), the dictionary popup (≤ 200 ms first, look-ups ≤ 5 ms).

Timings move with the load on the machine (2 cores shared with other test runs): medians are printed, and
the load average at the start and end of the run. ``READER_BENCH_UI=startup,annotations`` (any of
:data:`PARTS`, comma-separated) runs only those parts.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _report import REPO, ZUOZHUAN, report
from _ui_reading_aids import reading_aids
from _ui_startup import BARE_NEEDLES, Startup, TmuxTimer, bare_command

HERE = Path(__file__).resolve().parent
SEEDS = REPO / "seeds"
READER_BIN = Path(sys.executable).parent / "reader"
STARTUP_PAIRS = 10
COLD_STARTS = 5
ZUOZHUAN_SESSIONS = 3
ANNOTATION_SESSIONS = 3
ANNOTATED_ARTICLE = "000_7bd28feb70503cb0.txt"
ANNOTATION_COUNTS = (0, 10_000, 100_000)
TAGS = [f"标签{n}" for n in range(12)]
#: every process of the run codes as this name (READER_CODER): without one the app asks for a name on its
#: first start (a dialog over the library) and the sessions would time that prompt, not the library
BENCH_CODER = "bench"
CODER_PROMPT = "Your name as a coder"  # the first start's dialog (reader.screens.team): never timed


def _load() -> str:
    return "load average " + " / ".join(f"{x:.1f}" for x in os.getloadavg())


def _env(pycache: Path, **extra: str) -> dict[str, str]:
    """The apps' environment: bytecode cached under `pycache` (this machine sets PYTHONDONTWRITEBYTECODE,
    and the editable install has no __pycache__: the reader's own modules would be compiled at each
    start while Textual's are not)."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": str(pycache), "TEXTUAL_ANIMATIONS": "none", **extra}


def _prime(articles: Path, db: Path) -> None:
    """Let the library write its caches, as after the first run of the reader on that folder: the
    articles' metadata, the list's figures from their structure (titles, body length, damage) and the
    titles folded for its sort and filter (``reader.title_folds``)."""
    from reader.workspace import Workspace

    workspace = Workspace(articles, db)
    infos = workspace.articles()
    workspace.analyser.summaries(infos)
    workspace.title_folds.fold(info.title for info in infos)
    workspace.title_folds.save()
    workspace.store.close()


def _copy(primed: Path, parent: Path) -> Path:
    target = Path(tempfile.mkdtemp(dir=parent, prefix="db-"))
    shutil.copytree(primed, target, dirs_exist_ok=True)
    return target


def _titles(articles: Path) -> list[str]:
    from reader.workspace import Workspace

    with tempfile.TemporaryDirectory() as db:
        return [info.title[:6] for info in Workspace(articles, Path(db)).articles()]


# ------------------------------------------------------------------------------------------------ start-up


def startup(workdir: Path) -> None:
    seeds = workdir / "seeds"
    shutil.copytree(SEEDS, seeds)
    primed = workdir / "seeds-db"
    _prime(seeds, primed)
    pycache = workdir / "pycache"
    needles = [*_titles(seeds), "Quit"]
    bare = bare_command(workdir, sys.executable)
    reader = [str(READER_BIN)]
    tmux = TmuxTimer(_env(pycache, READER_ARTICLES=str(seeds)))
    try:

        def run_reader(db: Path) -> Startup:
            return tmux.time_until_painted(reader, needles, {"READER_DB": str(db)}, refuse=[CODER_PROMPT])

        def run_bare() -> Startup:
            return tmux.time_until_painted(bare, BARE_NEEDLES, {})

        for _ in range(2):  # warm-up: bytecode written, files in the page cache
            run_bare()
            run_reader(_copy(primed, workdir))
        pairs = []
        for n in range(STARTUP_PAIRS):  # alternating, each pair in both orders
            if n % 2:
                pairs.append((run_bare(), run_reader(_copy(primed, workdir))))
            else:
                reader_time = run_reader(_copy(primed, workdir))
                pairs.append((run_bare(), reader_time))
        cold = [run_reader(Path(tempfile.mkdtemp(dir=workdir, prefix="cold-"))) for _ in range(COLD_STARTS)]
    finally:
        tmux.close()
    bare_ms = statistics.median(b.wall for b, _ in pairs) * 1e3
    reader_ms = statistics.median(r.wall for _, r in pairs) * 1e3
    ratio = statistics.median(r.wall / b.wall for b, r in pairs)
    cpu_ratio = statistics.median(r.cpu / b.cpu for b, r in pairs)
    bare_cpu = statistics.median(b.cpu for b, _ in pairs) * 1e3
    report(
        "start-up to painted screen: bare ListView + Footer", bare_ms, "ms", "reference (tmux, from outside)"
    )
    report("start-up to painted library, 5 seeds", reader_ms, "ms", f"bare {bare_ms:.0f} ms, same run")
    report("  ratio reader / bare, median of 10 pairs", ratio, "x", "target ≤ 1.2×", ratio <= 1.2)
    report(
        "  ratio of the medians; slowest pair's ratio",
        reader_ms / bare_ms,
        "x",
        f"context; slowest pair ×{max(r.wall / b.wall for b, r in pairs):.2f}",
    )
    report(
        "  ratio of CPU time used until painted",
        cpu_ratio,
        "x",
        f"context, robust to load; bare {bare_cpu:.0f} ms CPU",
    )
    cold_ms = statistics.median(run.wall for run in cold) * 1e3
    report(
        "start-up, first run on a folder (no metadata cache)",
        cold_ms,
        "ms",
        f"context; ×{cold_ms / bare_ms:.2f}",
    )


# ------------------------------------------------------------------------------------------------ sessions


def _session(kind: str, articles: Path, db: Path, pycache: Path, *args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, str(HERE / "_ui_session.py"), kind, str(articles), str(db), *args],
        capture_output=True,
        text=True,
        env=_env(pycache),
        cwd=db.parent,
        timeout=600,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} session failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _median(results: list[dict], key: str) -> float:
    return statistics.median(float(r[key]) for r in results)


def _articles(workdir: Path) -> tuple[Path, Path]:
    """The seeds and zuozhuan in one folder, and a database primed for it (made once per run)."""
    articles, primed = workdir / "articles", workdir / "articles-db"
    if not articles.exists():
        shutil.copytree(SEEDS, articles)
        shutil.copy(ZUOZHUAN, articles / "zuozhuan.txt")
        _prime(articles, primed)
    return articles, primed


def zuozhuan(workdir: Path) -> None:
    articles, primed = _articles(workdir)
    pycache = workdir / "pycache"
    results = [
        _session("zuozhuan", articles, _copy(primed, workdir), pycache) for _ in range(ZUOZHUAN_SESSIONS)
    ]
    chars = f"{len(ZUOZHUAN.read_text(encoding='utf-8')):,} chars"
    value = _median(results, "open_ms")
    report(f"open zuozhuan ({chars}) to painted screen", value, "ms", "target ≤ 300 ms", value <= 300)
    report("  … in CPU time (the process, every thread)", _median(results, "open_cpu_ms"), "ms", "context")
    report(
        "  … all of it wrapped (between frames), after", _median(results, "layout_rest_ms"), "ms", "context"
    )
    for key, label in (
        ("frames_after_open_ms", "page-down right after opening: frame"),
        ("frames_during_preparation_ms", "page-down while other views are prepared: frame"),
    ):
        frames = [frame for r in results for frame in r[key]]
        worst = max(frames)
        report(f"{label}, slowest", worst, "ms", "target: every frame ≤ 20 ms", worst <= 20)
        report(f"  … median of {len(frames)}", statistics.median(frames), "ms", "context")
    for key, label in (
        ("simplified_first_ms", "view original → 简体, first (uncached)"),
        ("taiwan_first_ms", "view 简体 → 臺灣"),
        ("original_ms", "view 臺灣 → original"),
        ("simplified_again_ms", "view original → 简体, again"),
        ("taiwan_again_ms", "view 简体 → 臺灣, again"),
    ):
        value = _median(results, key)
        report(label, value, "ms", "target ≤ 150 ms", value <= 150)
    library_rss, open_rss = _median(results, "rss_library"), _median(results, "rss_open")
    report("RSS, library only (5 seeds + zuozhuan listed)", library_rss, "MB", "reference")
    report("RSS with zuozhuan open", open_rss, "MB", "target ≤ 150 MB", open_rss <= 150)
    report("  RSS after all five views built", _median(results, "rss_all_views"), "MB", "context: view cache")


def _annotated_db(articles: Path, primed: Path, count: int, workdir: Path) -> Path:
    """A database with `count` annotations (random passages of 2–40 characters, 12 tags) on one article."""
    from reader.store import make_annotation
    from reader.workspace import Workspace

    db = _copy(primed, workdir)
    if count:
        workspace = Workspace(articles, db)
        article = workspace.load(ANNOTATED_ARTICLE)
        rng = random.Random(count)
        size = len(article.text)
        made = []
        for _ in range(count):
            start = rng.randrange(size - 41)
            note = "一条笔记" if rng.random() < 0.2 else ""
            made.append(
                make_annotation(
                    article, start, start + rng.randint(2, 40), tags=[rng.choice(TAGS)], note=note
                )
            )
        workspace.store.put_many(ANNOTATED_ARTICLE, made)
        workspace.store.close()
    return db


def annotations(workdir: Path) -> None:
    articles, primed = _articles(workdir)
    pycache = workdir / "pycache"
    by_count: dict[int, list[dict]] = {}
    for count in ANNOTATION_COUNTS:
        template = _annotated_db(articles, primed, count, workdir)
        by_count[count] = [
            _session("annotations", articles, _copy(template, workdir), pycache, ANNOTATED_ARTICLE)
            for _ in range(ANNOTATION_SESSIONS)
        ]
    bare = by_count[0]
    open_ref = _median(bare, "open_ms")
    switch_ref = statistics.median(s for r in bare for s in r["switch_ms"])
    report("open seed 000, no annotations", open_ref, "ms", "reference")
    open_cpu_ref = _median(bare, "open_cpu_ms")
    report("  … in CPU time (the process, every thread)", open_cpu_ref, "ms", "reference")
    report("  view switch, no annotations", switch_ref, "ms", "reference")
    targets = {10_000: (150, 60), 100_000: (1000, 300)}
    for count in ANNOTATION_COUNTS[1:]:
        results = by_count[count]
        open_target, switch_target = targets[count]
        opened = _median(results, "open_ms")
        store = _median(results, "store_load_ms")
        report(
            f"open with {count:,} annotations",
            opened,
            "ms",
            f"target ≤ {open_target} ms; none: {open_ref:.0f} ms",
            opened <= open_target,
        )
        open_cpu = _median(results, "open_cpu_ms")
        report(
            "  … in CPU time (the process, every thread)",
            open_cpu,
            "ms",
            f"target ≤ {open_target} ms on idle cores; none: {open_cpu_ref:.0f} ms",
            open_cpu <= open_target,
        )
        report("  … of it the store's load", store, "ms", "wall time in the load worker")
        store_cpu = _median(results, "store_load_cpu_ms")
        report(
            "  … the store's load in CPU time", store_cpu, "ms", "of its thread: the wall time adds GIL waits"
        )
        report("  … the rest: the UI's part", opened - store, "ms", f"none: {open_ref:.0f} ms")
        report(
            "  … annotations read after the first paint",
            _median(results, "store_rest_ms"),
            "ms",
            "the first screen's are read first (reader.store.window)",
        )
        switch = statistics.median(s for r in results for s in r["switch_ms"])
        report(
            f"view switch with {count:,} annotations",
            switch,
            "ms",
            f"target ≤ {switch_target} ms; none: {switch_ref:.0f} ms",
            switch <= switch_target,
        )
        report("  … slowest switch", max(s for r in results for s in r["switch_ms"]), "ms", "context")
        report(f"show the panel ({count:,} entries)", _median(results, "panel_ms"), "ms", "context")
        report(
            "  view switch with the panel shown", _median(results, "switch_with_panel_ms"), "ms", "context"
        )


# ------------------------------------------------------------------------------------------------ breakdown


def components() -> None:
    """Where opening and switching zuozhuan spend their time (ms, this process, fresh caches)."""
    from reader import articles as articles_module
    from reader.convert import Converter
    from reader.layout import wrap_text

    t0 = time.perf_counter()
    article = articles_module.load_file(ZUOZHUAN)
    report(
        "  of open: load (decode + normalise + script)", (time.perf_counter() - t0) * 1e3, "ms", "breakdown"
    )
    t0 = time.perf_counter()
    wrap_text(article.text, 80, upto=6_000)
    report("  of open: wrap the first part at 80 cells", (time.perf_counter() - t0) * 1e3, "ms", "breakdown")
    t0 = time.perf_counter()
    wrap_text(article.text, 80)
    report("  then: wrap all of it (between frames)", (time.perf_counter() - t0) * 1e3, "ms", "breakdown")
    converter = Converter()
    for view in ("simplified", "taiwan"):
        t0 = time.perf_counter()
        converter.build_view(article.text, view)
        report(
            f"  of {view}: build_view (convert + map)", (time.perf_counter() - t0) * 1e3, "ms", "breakdown"
        )


#: the parts of the run, in order; READER_BENCH_UI=startup,annotations runs only those
PARTS = ("startup", "zuozhuan", "reading_aids", "annotations", "components")


def main() -> None:
    os.environ["READER_CODER"] = BENCH_CODER  # this process's workspaces and every app it starts
    chosen = [part for part in os.environ.get("READER_BENCH_UI", "").split(",") if part] or PARTS
    unknown = set(chosen) - set(PARTS)
    if unknown:
        raise SystemExit(f"READER_BENCH_UI: unknown part(s) {sorted(unknown)}; the parts are {PARTS}")
    print(f"# {_load()} at the start", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as tmp:
        workdir = Path(tmp)
        runners = {
            "startup": startup,
            "zuozhuan": zuozhuan,
            "reading_aids": reading_aids,
            "annotations": annotations,
            "components": lambda _: components(),
        }
        for part in (part for part in PARTS if part in chosen):
            if part == "startup" and not shutil.which("tmux"):
                print("start-up: skipped (tmux is not installed)", flush=True)
            else:
                runners[part](workdir)
    print(f"# {_load()} at the end", flush=True)


if __name__ == "__main__":
    main()
