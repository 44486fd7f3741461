"""Cold listing of 10,000 articles: ``reader list`` with no metadata cache, and its two costly parts.

Run with ``python benchmarks/run.py library``. Two generated corpora (time excluded), 10,000 articles of
~5,000 characters each:

* *single-script*: each article in one script (a seed slice and a zuozhuan slice, both converted to the
  article's script), as real articles are;
* *mixed*: the corpus of the search benchmark, where half the articles join a Simplified slice and a
  Traditional one, so both scripts must be counted in full.

Targets (the scale issue): cold ``reader list`` of 10,000 articles ≤ 0.8 s; script detection and head
reads at least 2× faster than the previous way, which is measured here as the reference (one regex
``findall`` per script over every head; a buffered ``open().read()`` per head). The wall time of the
listing is printed beside a bare Python process that only reads the same heads, and ``find | xargs head``.
"""

from __future__ import annotations

import functools
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _report import REPO, ZUOZHUAN, report

from reader.articles import HEAD_BYTES, read_head
from reader.convert import Converter
from reader.decoding import decode_head
from reader.library import _discover
from reader.sanitise import normalise
from reader.scripts import _ranges, _script_chars, detect_script

ARTICLES = 10_000
RUNS = 3
ZUOZHUAN_SLICE = 3_800
SEED_SLICE = 1_200

_BARE_READ = """
import os, sys
for d, _, files in os.walk(sys.argv[1]):
    for f in files:
        fd = os.open(os.path.join(d, f), os.O_RDONLY)
        os.read(fd, {head})
        os.close(fd)
"""


def _single_script(folder: Path) -> None:
    converter = Converter()
    zuozhuan = ZUOZHUAN.read_text(encoding="utf-8")
    seeds = [p.read_text(encoding="utf-8") for p in sorted((REPO / "seeds").glob("*.txt"))]
    views = ("simplified", "traditional")
    sources = {v: converter.convert(zuozhuan, v) for v in views}
    seed_views = {v: [converter.convert(s, v) for s in seeds] for v in views}
    rng = random.Random(7)
    for i in range(ARTICLES):
        view = views[i % 2]
        source, seed = sources[view], seed_views[view][i % len(seeds)]
        a, b = rng.randrange(len(source) - ZUOZHUAN_SLICE), rng.randrange(max(1, len(seed) - SEED_SLICE))
        sub = folder / f"{i // 1000:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        text = f"第{i}篇\n{seed[b : b + SEED_SLICE]}\n{source[a : a + ZUOZHUAN_SLICE]}\n"
        (sub / f"{i:05d}.txt").write_text(text, encoding="utf-8")


def _mixed(folder: Path) -> None:
    from bench_search import _generate

    folder.mkdir()
    _generate(folder)


def _wall(argv: list[str], env: dict[str, str] | None = None, before: object = None) -> float:
    """Median wall time of a command over RUNS runs; ``before`` (a callable) runs untimed before each."""
    return _timed(argv, env, before)[0]


def _timed(argv: list[str], env: dict[str, str] | None = None, before: object = None) -> tuple[float, float]:
    """Median wall time and least CPU time (user + system) of a command over RUNS runs: the CPU time moves
    far less than the wall time when other processes compete for the cores."""
    times, cpu = [], []
    for _ in range(RUNS):
        if callable(before):
            before()
        start = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - t0)
        end = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(end.ru_utime - start.ru_utime + end.ru_stime - start.ru_stime)
    return statistics.median(times), min(cpu)


def _cpu(fn: object, items: list) -> float:
    """Best CPU time of ``fn`` over every item, in seconds (CPU time: less noise from other processes)."""
    best = float("inf")
    for _ in range(RUNS):
        t0 = time.process_time()
        for item in items:
            fn(item)  # type: ignore[operator]
        best = min(best, time.process_time() - t0)
    return best


def _old_read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read(HEAD_BYTES)


@functools.cache
def _old_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The previous way: one class per script (BMP characters), every character found by ``findall``."""
    trad, simp = _script_chars()
    trad_class, simp_class = (f"[{_ranges(c for c in chars if c < chr(0x10000))}]" for chars in (trad, simp))
    return re.compile(trad_class), re.compile(simp_class)


def _old_counts(text: str) -> tuple[int, int]:
    trad, simp = _old_patterns()
    return len(trad.findall(text)), len(simp.findall(text))


def _corpus(name: str, articles: Path, work: Path) -> None:
    db = work / "db"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    listing, listing_cpu = _timed(
        [sys.executable, "-m", "reader", "--articles", str(articles), "--db", str(db), "list"],
        env,
        before=lambda: shutil.rmtree(db, ignore_errors=True),
    )
    bare = _wall([sys.executable, "-c", _BARE_READ.format(head=HEAD_BYTES), str(articles)], env)
    print(f"{name}:")
    report("  cold `reader list` (no metadata cache), wall", listing, "s", "target ≤ 0.8 s", listing <= 0.8)
    report("  … its CPU time (least of the runs)", listing_cpu, "s", "the wall time on idle cores")
    report("  reference: bare Python reading the same heads", bare, "s", "reference")
    if shutil.which("find") and shutil.which("xargs") and shutil.which("head"):
        command = f"find {articles} -name '*.txt' -print0 | xargs -0 head -c {HEAD_BYTES} > /dev/null"
        shell = _wall(["sh", "-c", command])
        report("  reference: find | xargs head over the same files", shell, "s", "reference")

    paths = [path for _, path, _ in _discover(articles)]
    old, new = _cpu(_old_read, paths), _cpu(lambda p: read_head(p, HEAD_BYTES), paths)
    compared = f"open().read(): {old:.2f} s, {old / new:.1f}×"
    report("  head reads, CPU time", new, "s", compared, old >= 2 * new)
    texts = [normalise(decode_head(read_head(p, HEAD_BYTES), p)) for p in paths]
    old, new = _cpu(_old_counts, texts), _cpu(detect_script, texts)
    report(
        "  script detection of every head, CPU time",
        new,
        "s",
        f"findall per script: {old:.2f} s, {old / new:.1f}×",
        old >= 2 * new,
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, make in (("single-script", _single_script), ("mixed", _mixed)):
            articles = root / name
            make(articles)
            _corpus(f"{ARTICLES:,} {name} articles (median of {RUNS})", articles, root)


if __name__ == "__main__":
    main()
