"""Annotation store: saves that do not grow with the article, `reader annotate`, import, reads, counts.

Run with ``python benchmarks/run.py store``. Each figure is printed beside a reference measured in the same
run (SQLite in WAL mode, a bare Python process) and its target (the "scale" issue):

- save with 100,000 annotations in the same article: p95 ≤ 10 ms
- `reader annotate` on that article (whole process): ≤ 2x a Python process doing one SQLite insert
- import of 1,000 annotations into 1,000 articles: ≤ 0.3 s
- for_article() on 100,000 annotations (what opening the article pays): as fast as possible
"""

from __future__ import annotations

import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import orjson
from _report import report

from reader.store import AnnotationStore, Change, make_annotation

BIG = 100_000
SAVES = 200
ARTICLES = 1_000
TEXT = "学而时习之，不亦说乎？有朋自远方来，不亦乐乎？人不知而不愠，不亦君子乎？" * 40
TAGS = ["孔子", "学习", "朋友", "君子", "论语", "快乐", "礼", "仁"]
BIG_ID = "大文章.txt"


def _article(article_id: str, text: str = TEXT) -> SimpleNamespace:
    return SimpleNamespace(text=text, sha256="0" * 64, info=SimpleNamespace(id=article_id))


def _annotations(art: SimpleNamespace, n: int, rng: random.Random) -> list:
    out = []
    for _ in range(n):
        start = rng.randrange(len(art.text) - 10)
        out.append(
            make_annotation(
                art, start, start + rng.randint(1, 10), tags=rng.sample(TAGS, 2), note="一条笔记" * 5
            )
        )
    return out


def _pct(times: list[float], q: float) -> float:
    times = sorted(times)
    return times[min(len(times) - 1, int(q * len(times)))] * 1e3


def _sqlite_inserts(folder: Path, n: int) -> list[float]:
    """Per-insert time of a durable SQLite insert (WAL, synchronous=FULL) into a table of 100k rows."""
    db = sqlite3.connect(folder / "ref.sqlite", isolation_level=None)
    db.execute("pragma journal_mode=wal")
    db.execute("pragma synchronous=full")
    db.execute("create table a (id text primary key, article text, doc blob)")
    row = orjson.dumps(make_annotation(_article("x"), 0, 5, tags=TAGS[:2], note="一条笔记" * 5).to_dict())
    db.execute("begin")
    db.executemany("insert into a values (?, 'x', ?)", ((str(i), row) for i in range(BIG)))
    db.execute("commit")
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        db.execute("insert into a values (?, 'x', ?)", (f"new{i}", row))
        times.append(time.perf_counter() - t0)
    db.close()
    return times


def _bench_saves(folder: Path, rng: random.Random) -> None:
    art = _article(BIG_ID)
    with AnnotationStore(folder) as store:
        t0 = time.perf_counter()
        store.put_many(BIG_ID, _annotations(art, BIG, rng))
        store.compact(BIG_ID)
        report("populate 100k annotations in one article", time.perf_counter() - t0, "s", "setup only")
        store.for_article(BIG_ID)  # the article is open, as in the reading screen
        times = []
        for _ in range(SAVES):
            a = _annotations(art, 1, rng)[0]
            t0 = time.perf_counter()
            store.add(a)
            times.append(time.perf_counter() - t0)
    ref = _sqlite_inserts(folder.parent, SAVES)
    target = f"target p95 ≤ 10 ms; SQLite WAL insert at 100k rows: p95 {_pct(ref, 0.95):.2f} ms"
    report(
        "save (add) at 100k in the same article: median",
        _pct(times, 0.5),
        "ms",
        f"SQLite {_pct(ref, 0.5):.2f}",
    )
    report(
        "save (add) at 100k in the same article: p95",
        _pct(times, 0.95),
        "ms",
        target,
        _pct(times, 0.95) <= 10,
    )
    with AnnotationStore(folder) as store:  # a process that has not read the article: `reader annotate`
        store.counts()
        times = []
        for _ in range(50):
            a = _annotations(art, 1, rng)[0]
            t0 = time.perf_counter()
            store.add(a, fresh=True)
            times.append(time.perf_counter() - t0)
    report("save (add fresh, article not read) at 100k: p95", _pct(times, 0.95), "ms", target)


def _reads(folder: Path) -> None:
    with AnnotationStore(folder) as store:
        t0 = time.perf_counter()
        n = len(store.for_article(BIG_ID))
        ms = (time.perf_counter() - t0) * 1e3
    report(
        f"for_article() on {n:,} annotations, new process",
        ms,
        "ms",
        "opening the article; as fast as possible",
    )
    with AnnotationStore(folder) as store:
        t0 = time.perf_counter()
        store.records(BIG_ID)
        ms = (time.perf_counter() - t0) * 1e3
    report("records() on the same (what export reads)", ms, "ms", "no Annotation objects")


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall time (ms), peak RSS (MB, by /usr/bin/time where it exists) and CPU time (ms, user + system)
    of one run of ``cmd``."""
    timer = ["/usr/bin/time", "-f", "%M"] if Path("/usr/bin/time").exists() else []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run([*timer, *cmd], env=env, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    peak = int(done.stderr.strip().splitlines()[-1]) / 1024 if timer else 0.0
    return wall * 1e3, peak, cpu * 1e3


def _process(cmd: list[str], env: dict[str, str], runs: int = 7) -> tuple[float, float, float]:
    """Median wall time (ms), peak RSS (MB) and least CPU time (ms: it moves far less than the wall time
    when other processes compete for the cores) of ``runs`` runs of ``cmd``."""
    done = [_run(cmd, env) for _ in range(runs)]
    return statistics.median(d[0] for d in done), max(d[1] for d in done), min(d[2] for d in done)


def _paired(
    cmd: list[str], ref: list[str], env: dict[str, str], runs: int
) -> tuple[tuple[float, float, float], tuple[float, float, float], float]:
    """:func:`_process` of ``cmd`` and of ``ref``, run alternately so both see the same load, and the
    median of the pairs' wall-time ratios: this VM's speed drifts by 10-40% within minutes, and a ratio
    taken pair by pair follows it where a ratio of two batches' medians does not."""
    pairs = [(_run(ref, env), _run(cmd, env)) for _ in range(runs)]
    med = statistics.median
    ours = med(b[0] for _, b in pairs), max(b[1] for _, b in pairs), min(b[2] for _, b in pairs)
    theirs = med(a[0] for a, _ in pairs), max(a[1] for a, _ in pairs), min(a[2] for a, _ in pairs)
    return ours, theirs, med(b[0] / a[0] for a, b in pairs)


#: the standard library that `reader annotate`'s quick save imports (reader.store.append): the least a
#: Python command line with argparse that reads an article and appends a JSON line could import
_FLOOR = "import argparse, json, hashlib, fcntl, zlib, unicodedata"


def _bench_annotate(folder: Path, tmp: Path) -> None:
    """Both processes with their bytecode cached (in a temporary PYTHONPYCACHEPREFIX, as an installed
    package has it: this machine sets PYTHONDONTWRITEBYTECODE, and the editable install has no
    __pycache__, so reader's modules would be compiled at every start while the stdlib's are not).

    The tag: 新 is new to the database, 孔子 is used 25,000 times; both cost the same, because a tag is in
    the codebook by being used (the codebook is written only for a colour or a description, never by
    `reader annotate`). ``--quote`` takes the ordinary way (the workspace, the whole store and OpenCC, to
    find the passage in any script): shown for context, it has no target of its own."""
    articles = tmp / "articles"
    articles.mkdir()
    (articles / BIG_ID).write_text(TEXT, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env.update(READER_ARTICLES=str(articles), READER_DB=str(folder), PYTHONPYCACHEPREFIX=str(tmp / "pycache"))
    reader = str(Path(sys.executable).parent / "reader")
    cmd = [reader, "annotate", BIG_ID, "--start", "3", "--end", "9", "--tag", "新"]
    known_cmd = [*cmd[:-1], "孔子"]
    quote_cmd = [reader, "annotate", BIG_ID, "--quote", "不亦说乎", "--occurrence", "2", "--tag", "新"]
    sql = "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('pragma journal_mode=wal'); "
    sql += "c.execute('create table if not exists t(x)'); c.execute('insert into t values (1)'); c.commit()"
    ref_cmd = [sys.executable, "-c", sql, str(tmp / "one.sqlite")]
    floor_cmd = [sys.executable, "-c", _FLOOR]
    for warm in (ref_cmd, floor_cmd, cmd, quote_cmd):  # bytecode written, files in the page cache
        _process(warm, env, runs=1)
    (ms, mb, cpu), (ref_ms, ref_mb, ref_cpu), ratio = _paired(cmd, ref_cmd, env, runs=21)
    known_ms, _, known_cpu = _process(known_cmd, env, runs=11)
    floor_ms, _, floor_cpu = _process(floor_cmd, env, runs=11)
    target = f"target ≤ 2x a Python process doing one SQLite insert ({ref_ms:.1f} ms, {ref_mb:.0f} MB)"
    target += f"; {ratio:.2f}x (median of 21 alternate pairs)"
    report("`reader annotate` on the 100k article: wall", ms, "ms", target, ratio <= 2)
    report(
        "  CPU time (least of the runs)",
        cpu,
        "ms",
        f"SQLite process {ref_cpu:.1f} ms ({cpu / ref_cpu:.2f}×; what idle cores take when others load them)",
        cpu <= 2 * ref_cpu,
    )
    report(
        "  the same with a tag used 25,000 times: wall",
        known_ms,
        "ms",
        f"{known_ms / ref_ms:.2f}× the SQLite process (CPU {known_cpu:.1f} ms): a new tag costs no more",
    )
    report(
        "  floor: a process importing only that stdlib",
        floor_ms,
        "ms",
        f"{floor_ms / ref_ms:.2f}× the SQLite process (CPU {floor_cpu:.1f} ms); `{_FLOOR[7:]}`",
    )
    report(
        "`reader annotate` on the 100k article: peak RSS", mb, "MB", f"{ref_mb:.0f} MB for the SQLite process"
    )
    quote_ms, _, quote_cpu = _process(quote_cmd, env, runs=3)
    report(
        "  --quote (the ordinary way: workspace, OpenCC)",
        quote_ms,
        "ms",
        f"context, no target (CPU {quote_cpu:.0f} ms)",
    )
    env.pop("PYTHONPYCACHEPREFIX")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    cold_ms, _, _ = _process(cmd, env, runs=3)
    report(
        "  without cached bytecode (compiled at each start)", cold_ms, "ms", "context: an editable install"
    )


def _bench_import(tmp: Path, rng: random.Random) -> None:
    """1,000 annotations, one per article, written as one journalled change (what `reader import` does
    once it has read and planned the file)."""
    changes = []
    for n in range(ARTICLES):
        art = _article(f"文章/{n:04d}.txt", TEXT[:600])
        changes.append(Change.of(art.info.id, _annotations(art, 1, rng)))
    with AnnotationStore(tmp / "import-db") as store:
        t0 = time.perf_counter()
        store.commit(changes, what="benchmark import")
        s = time.perf_counter() - t0
        assert sum(store.counts().values()) == ARTICLES
    report("import 1,000 annotations into 1,000 articles", s, "s", "target ≤ 0.3 s (was 1.43 s)", s <= 0.3)


def _bench_counts(tmp: Path, rng: random.Random) -> None:
    folder = tmp / "counts-db"
    with AnnotationStore(folder) as store:
        for n in range(ARTICLES):
            art = _article(f"文章/{n:04d}.txt")
            store.put_many(art.info.id, _annotations(art, 100, rng))
        store.counts()
    with AnnotationStore(folder) as fresh, AnnotationStore(folder) as writer:
        t0 = time.perf_counter()
        assert sum(fresh.counts().values()) == ARTICLES * 100
        report(
            "counts() new instance, 1,000 articles",
            (time.perf_counter() - t0) * 1e3,
            "ms",
            "library: ≤ 50 ms",
        )
        for n in range(SAVES):
            art = _article(f"文章/{n % ARTICLES:04d}.txt")
            writer.add(_annotations(art, 1, rng)[0], fresh=True)
        t0 = time.perf_counter()
        assert sum(fresh.counts().values()) == ARTICLES * 100 + SAVES
        ms = (time.perf_counter() - t0) * 1e3
        report("counts() after 200 saves by another process", ms, "ms", "reads only the logs' new tails")
        t0 = time.perf_counter()
        fresh.tags()
        report("tags() warm, 1,000 articles", (time.perf_counter() - t0) * 1e3, "ms", "as cheap as counts()")


def main() -> None:
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        folder = tmp / "annotations"
        _bench_saves(folder, rng)
        _reads(folder)
        _bench_annotate(folder, tmp)
        _bench_import(tmp, rng)
        _bench_counts(tmp, rng)


if __name__ == "__main__":
    main()
