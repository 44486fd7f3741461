"""Export and import at 100,000 annotations over 1,000 articles.

Run with ``python benchmarks/run.py export``. Targets (the export/import issue): JSON export ≤ 2 s, import
of that file into an empty database ≤ 10 s. Both are timed in-process on a fresh Workspace (cold caches,
as in a new ``reader`` process), median of three runs; the W3C, CSV and Markdown figures are for
information.

The "scale" issue also asks that the JSON export be no slower than before the store was rebuilt. Give a
checkout of that version (e.g. ``git worktree add --detach /tmp/prestore e1559e7``) as
``READER_BENCH_BASELINE=/tmp/prestore/src``: each version then populates its own database with the same
annotations and exports it in a process of its own, alternately, and both medians are printed.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _report import report

from reader.export import build_export, render_bytes, write_atomically
from reader.importer import import_file
from reader.store import make_annotation
from reader.workspace import Workspace

ARTICLES = 1_000
PER_ARTICLE = 100
TOTAL = ARTICLES * PER_ARTICLE
RUNS = 3  # the machine may be busy: the targets are judged on the median
SENTENCES = [
    "学而时习之，不亦说乎？",
    "有朋自远方来，不亦乐乎？",
    "人不知而不愠，不亦君子乎？",
    "其为人也孝弟，而好犯上者，鲜矣。",
    "巧言令色，鲜矣仁！",
    "吾日三省吾身。",
]
TAGS = ["孔子", "学习", "朋友", "君子", "论语", "快乐", "礼", "仁"]


def _write_articles(folder: Path, rng: random.Random) -> None:
    folder.mkdir()
    for n in range(ARTICLES):
        body = "".join(rng.choice(SENTENCES) for _ in range(120))
        text = f"论语选读 第{n}篇\n" + "\n".join(body[i : i + 200] for i in range(0, len(body), 200)) + "\n"
        (folder / f"{n:04d}.txt").write_text(text, encoding="utf-8")


def _populate(workspace: Workspace, rng: random.Random) -> None:
    """One bulk save per article file (1,000 fsynced writes, not 100,000)."""
    for info in workspace.articles():
        article = workspace.load(info.id)
        batch = []
        for _ in range(PER_ARTICLE):
            start = rng.randrange(len(article.text) - 12)
            batch.append(
                make_annotation(
                    article,
                    start,
                    start + rng.randint(2, 12),
                    tags=rng.sample(TAGS, 2),
                    note=rng.choice(["", '一条笔记，带逗号, "引号"\n和换行']),
                    color=rng.choice(["", "", "blue", "#336699"]),
                )
            )
        workspace.store.put_many(info.id, batch)


def _export(articles: Path, db: Path, fmt: str, out: Path) -> tuple[float, int]:
    workspace = Workspace(articles, db)
    t0 = time.perf_counter()
    data = build_export(workspace, "original")
    write_atomically(out, render_bytes(data, fmt))
    elapsed = time.perf_counter() - t0
    workspace.store.close()
    return elapsed, len(data["annotations"])


def _import(articles: Path, db: Path, source: Path) -> tuple[float, int]:
    workspace = Workspace(articles, db)
    t0 = time.perf_counter()
    result = import_file(workspace, source)
    elapsed = time.perf_counter() - t0
    workspace.store.close()
    return elapsed, result.added


BASELINE_RUNS = 5
HERE = Path(__file__).resolve().parent


def _against_baseline(root: Path, baseline: str) -> None:
    """This checkout and ``baseline`` (a src folder), each exporting its own copy, alternately."""
    versions = {"this checkout": str(HERE.parent / "src"), "baseline": baseline}
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    times: dict[str, list[float]] = {name: [] for name in versions}

    def run(name: str, what: str) -> str:
        cmd = [sys.executable, str(HERE / "_export_run.py"), str(root / name.replace(" ", "-")), what]
        path_env = {**env, "PYTHONPATH": os.pathsep.join([versions[name], str(HERE)])}
        return subprocess.run(cmd, env=path_env, check=True, capture_output=True, text=True).stdout

    for name in versions:
        run(name, "populate")
    for _ in range(BASELINE_RUNS):
        for name in versions:
            times[name].append(float(run(name, "export").split()[-1]))
    ours, theirs = (statistics.median(times[name]) for name in versions)
    report(
        f"export JSON, 100k: this checkout, median of {BASELINE_RUNS}",
        ours,
        "s",
        f"target ≤ the baseline ({theirs:.2f} s, {baseline}), alternating",
        ours <= theirs,
    )


def main() -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        articles, db = root / "articles", root / "db"
        t0 = time.perf_counter()
        _write_articles(articles, rng)
        workspace = Workspace(articles, db)
        _populate(workspace, rng)
        workspace.store.close()
        report("populate 100k annotations / 1,000 articles", time.perf_counter() - t0, "s", "setup only")

        out = root / "export.json"
        runs = [_export(articles, db, "json", out) for _ in range(RUNS)]
        assert all(n == TOTAL for _, n in runs), runs
        seconds = statistics.median(s for s, _ in runs)
        target = f"target ≤ 2 s (median of {RUNS})"
        report("export JSON, 100k annotations (fresh workspace)", seconds, "s", target, seconds <= 2)
        size = out.stat().st_size / 1e6
        report("  size of the JSON export", size, "MB", "information")

        runs = [_import(articles, root / f"db-import-{i}", out) for i in range(RUNS)]
        assert all(n == TOTAL for _, n in runs), runs
        seconds = statistics.median(s for s, _ in runs)
        target = f"target ≤ 10 s (median of {RUNS})"
        report("import that JSON into an empty database", seconds, "s", target, seconds <= 10)
        seconds, n = _import(articles, root / "db-import-0", out)
        assert n == 0
        report("import the same file again (all unchanged)", seconds, "s", "information")

        w3c = root / "export.jsonld"
        seconds, n = _export(articles, db, "w3c", w3c)
        report("export W3C JSON-LD, 100k annotations", seconds, "s", "information")
        seconds, n = _import(articles, root / "db-w3c", w3c)
        assert n == TOTAL, n
        report("import the W3C file into an empty database", seconds, "s", "information")
        seconds, _ = _export(articles, db, "csv", root / "export.csv")
        report("export CSV, 100k annotations", seconds, "s", "information")
        seconds, _ = _export(articles, db, "md", root / "export.md")
        report("export Markdown, 100k annotations", seconds, "s", "information")
        baseline = os.environ.get("READER_BENCH_BASELINE")
        if baseline:
            _against_baseline(root, baseline)


if __name__ == "__main__":
    main()
