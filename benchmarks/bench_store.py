"""Annotation store at 100,000 annotations over 1,000 articles: save latency, counts(), all().

Run with ``python benchmarks/run.py store``. Also times TinyDB's default JSONStorage on one 100k-doc file
for reference (shared/GUIDE.md §3: ~570 ms per insert).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import orjson
from _report import report
from tinydb import TinyDB

from reader.store import ANNOTATIONS, AnnotationStore, ArticleFileStorage, make_annotation

ARTICLES = 1_000
PER_ARTICLE = 100
SAVES = 200
TEXT = "学而时习之，不亦说乎？有朋自远方来，不亦乐乎？人不知而不愠，不亦君子乎？" * 40
TAGS = ["孔子", "学习", "朋友", "君子", "论语", "快乐", "礼", "仁"]


def _article(n: int) -> SimpleNamespace:
    return SimpleNamespace(text=TEXT, sha256="0" * 64, info=SimpleNamespace(id=f"文章/{n:04d}.txt"))


def _populate(store: AnnotationStore, rng: random.Random) -> list[SimpleNamespace]:
    """Write each article file once through the storage layer (1,000 fsynced writes, not 100,000)."""
    articles = [_article(n) for n in range(ARTICLES)]
    for art in articles:
        docs = {}
        for _ in range(PER_ARTICLE):
            start = rng.randrange(len(TEXT) - 10)
            a = make_annotation(
                art, start, start + rng.randint(1, 10), tags=rng.sample(TAGS, 2), note="一条笔记" * 5
            )
            docs[a.id] = a.to_dict()
        ArticleFileStorage(store.file_for(art.info.id), art.info.id).write({ANNOTATIONS: docs})
    return articles


def _tinydb_default_reference(folder: Path, rng: random.Random) -> float:
    """Median insert time (s) with TinyDB's default JSONStorage into one file of 100k documents."""
    art = _article(0)
    docs = {}
    for i in range(ARTICLES * PER_ARTICLE):
        start = rng.randrange(len(TEXT) - 10)
        docs[str(i + 1)] = make_annotation(
            art, start, start + 5, tags=TAGS[:2], note="一条笔记" * 5
        ).to_dict()
    path = folder / "tinydb-default.json"
    path.write_bytes(orjson.dumps({"_default": docs}))
    times = []
    with TinyDB(path) as db:
        table = db.table("_default")
        for _ in range(3):
            doc = make_annotation(art, 0, 5, tags=TAGS[:2]).to_dict()
            t0 = time.perf_counter()
            table.insert(doc)
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "annotations"
        store = AnnotationStore(folder)
        t0 = time.perf_counter()
        articles = _populate(store, rng)
        report("populate 100k annotations / 1,000 files", time.perf_counter() - t0, "s", "setup only")

        t0 = time.perf_counter()
        counts = store.counts()
        report("counts() first call (builds index.json)", (time.perf_counter() - t0) * 1e3, "ms", "once")
        assert sum(counts.values()) == ARTICLES * PER_ARTICLE

        times = []
        for _ in range(SAVES):
            art = rng.choice(articles)
            start = rng.randrange(len(TEXT) - 10)
            a = make_annotation(art, start, start + 4, tags=["新"], note="新的笔记")
            t0 = time.perf_counter()
            store.add(a)
            times.append(time.perf_counter() - t0)
        times.sort()
        target = "target ≤ 20 ms (TinyDB default storage ~570 ms at 100k docs)"
        median = statistics.median(times) * 1e3
        report("add(): median save at 100k, fsynced", median, "ms", target, median <= 20)
        report("add(): p95 save at 100k, fsynced", times[int(0.95 * len(times))] * 1e3, "ms", target)

        total = ARTICLES * PER_ARTICLE + SAVES
        screen = "library screen: ≤ 50 ms"
        other = AnnotationStore(folder)  # another process, before the saver wrote index.json
        t0 = time.perf_counter()
        assert sum(other.counts().values()) == total
        report(
            "counts() elsewhere, 200 files changed since index",
            (time.perf_counter() - t0) * 1e3,
            "ms",
            "once",
        )
        other.close()

        t0 = time.perf_counter()
        assert sum(store.counts().values()) == total
        report(
            "counts() in the saving process (writes index.json)",
            (time.perf_counter() - t0) * 1e3,
            "ms",
            screen,
        )
        fresh = AnnotationStore(folder)  # a new process: index read from disk
        t0 = time.perf_counter()
        assert sum(fresh.counts().values()) == total
        ms = (time.perf_counter() - t0) * 1e3
        report("counts() new instance, 1,000 articles", ms, "ms", screen, ms <= 50)
        t0 = time.perf_counter()
        assert sum(fresh.counts().values()) == total
        ms = (time.perf_counter() - t0) * 1e3
        report("counts() warm, 1,000 articles", ms, "ms", screen, ms <= 50)
        t0 = time.perf_counter()
        tags = fresh.tags()
        report("tags() warm", (time.perf_counter() - t0) * 1e3, "ms", "as cheap as counts()")
        assert tags["新"] == SAVES

        t0 = time.perf_counter()
        n = sum(1 for _ in store.all())
        report("all(): iterate 100k annotations", time.perf_counter() - t0, "s", "export, no target")
        assert n == total
        t0 = time.perf_counter()
        store.for_article(articles[0].info.id)
        fresh.for_article(articles[1].info.id)
        report("for_article() uncached, ~100 annotations", (time.perf_counter() - t0) / 2 * 1e3, "ms", "open")
        fresh.close()
        store.close()

        ref = _tinydb_default_reference(Path(tmp), rng)
        report("TinyDB default JSONStorage insert at 100k docs", ref * 1e3, "ms", "GUIDE §3: ~570 ms")


if __name__ == "__main__":
    main()
