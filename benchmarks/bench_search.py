"""Corpus search over 10,000 articles (~50 M characters): index build, first result, full search, memory.

Run with ``python benchmarks/run.py search``. The corpus is generated (time excluded) in a temporary folder
from the seeds and zuozhuan: each article is a title, a slice of a seed article (Simplified or Traditional,
modern vocabulary) and a slice of zuozhuan in Simplified or Traditional. Three articles get a rare phrase.
Targets (the issue): first result within 1 s, a full search within 3 s, once the index is built.
"""

from __future__ import annotations

import random
import resource
import shutil
import tempfile
import time
from pathlib import Path

from _report import REPO, ZUOZHUAN, report

from reader.convert import Converter
from reader.search import CorpusSearch
from reader.workspace import Workspace

ARTICLES = 10_000
ZUOZHUAN_SLICE = 3_800
SEED_SLICE = 1_200
RARE = ("量子纠缠", "量子糾纏")


def _generate(folder: Path) -> int:
    converter = Converter()
    zz = ZUOZHUAN.read_text(encoding="utf-8")
    sources = [zz, converter.convert(zz, "traditional")]
    seeds = [p.read_text(encoding="utf-8") for p in sorted((REPO / "seeds").glob("*.txt"))]
    rng = random.Random(7)
    chars = 0
    for i in range(ARTICLES):
        src = sources[i % 2]
        a = rng.randrange(len(src) - ZUOZHUAN_SLICE)
        seed = seeds[i % len(seeds)]
        b = rng.randrange(max(1, len(seed) - SEED_SLICE))
        body = seed[b : b + SEED_SLICE] + "\n" + src[a : a + ZUOZHUAN_SLICE]
        if i in (17, 5_000, 9_990):
            body = body[:500] + RARE[i % 2] + body[500:]
        text = f"第{i}篇\n{body}\n"
        chars += len(text)
        sub = folder / f"{i // 1000:02d}"
        sub.mkdir(exist_ok=True)
        (sub / f"{i:05d}.txt").write_text(text, encoding="utf-8")
    return chars


def _rss_mb(field: str = "VmRSS") -> float:
    """A memory figure of this process from /proc (RssAnon: heap; RssFile: mapped file pages)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def _time_query(search: CorpusSearch, query: str) -> tuple[float, float, int, int]:
    t0 = time.perf_counter()
    first = None
    n = 0
    articles = set()
    for hit in search.search(query):
        if first is None:
            first = time.perf_counter() - t0
        n += 1
        articles.add(hit.article_id)
    total = time.perf_counter() - t0
    return (first if first is not None else total), total, n, len(articles)


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="reader-bench-search-"))
    try:
        articles, db = tmp / "articles", tmp / "db"
        articles.mkdir()
        t0 = time.perf_counter()
        chars = _generate(articles)
        print(
            f"generated {ARTICLES} articles, {chars / 1e6:.1f} M characters "
            f"in {time.perf_counter() - t0:.1f} s (not counted)",
            flush=True,
        )
        rss0 = _rss_mb()
        workspace = Workspace(articles, db)
        search = CorpusSearch(workspace)
        t0 = time.perf_counter()
        search.refresh()
        build = time.perf_counter() - t0
        report("index build (first search, 10k articles)", build, "s", "once; then reused from disk")
        size = sum(p.stat().st_size for p in search.cache_dir.iterdir()) / 1e6
        report("search cache on disk", size, "MB", "2 memory-mapped UTF-8 files + index")

        # a new process: new Workspace and CorpusSearch over the same folders
        workspace = Workspace(articles, db)
        search = CorpusSearch(workspace)
        queries = [
            ("common 晋侯", "晋侯"),
            ("modern 用户", "用户"),
            ("rare 量子纠缠", "量子纠缠"),
            ("Taiwan 軟體 (finds 软件)", "軟體"),
            ("very common 之", "之"),
        ]
        for i, (label, query) in enumerate(queries):
            first, total, n, n_articles = _time_query(search, query)
            note = " (new process)" if i == 0 else ""
            report(f"{label}: first result{note}", first, "s", "target 1 s", first <= 1.0)
            report(f"  full: {n} hits, {n_articles} articles", total, "s", "target 3 s", total <= 3.0)
        # an article changes: the next search re-reads only that one
        victim = articles / "05" / "05000.txt"
        victim.write_text(victim.read_text(encoding="utf-8") + "新的一段。\n", encoding="utf-8")
        first, total, n, _ = _time_query(search, "量子纠缠")
        assert search.last_build == {"read": 1, "copied": ARTICLES - 1}, search.last_build
        report("1 article changed: refresh + full search", total, "s", "target 3 s", total <= 3.0)
        rss = _rss_mb()
        report("process memory (RSS) after searching", rss, "MB", f"{rss0:.0f} MB before the workspace")
        report("  of which heap (RssAnon)", _rss_mb("RssAnon"), "MB", "Python objects, index entries")
        report("  of which mapped files (RssFile)", _rss_mb("RssFile"), "MB", "page cache, reclaimable")
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        report("peak RSS (includes generation)", maxrss, "MB", "mapped pages are page cache")
        search.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
