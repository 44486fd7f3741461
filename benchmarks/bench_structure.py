"""Structure and damage detection: precision/recall on labelled articles, and the cost at 10,000 articles.

Run with ``python benchmarks/run.py structure``.

* Precision and recall of "not the article" (per non-empty line, and per character) on the seeds and on
  the scraped-page fixtures (tests/data/web), against hand labels; damage spots on seed 003. Target (the
  issue): at least 0.9 each.
* ``reader list --json`` needs body length, damage and region counts for every article. Measured with the
  analyser alone on a generated corpus of 10,000 articles (the seeds' boilerplate around slices of
  zuozhuan, ~5,000 characters each): the first run (every article read and analysed) and a later one
  (nothing changed: the cache answers), beside ``Library.list()`` on the same folder, cold and warm.
"""

from __future__ import annotations

import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _report import REPO, ZUOZHUAN, report

sys.path.insert(0, str(REPO / "tests"))

from _structure_eval import evaluate
from reader.analysis import Analyser
from reader.damage import find_damage
from reader.library import Library
from reader.structure import detect

ARTICLES = 10_000
SLICE = 4_000


def _accuracy() -> None:
    sets = [
        ("seeds", REPO / "seeds", REPO / "tests" / "data" / "structure_labels.json"),
        (
            "scraped fixtures",
            REPO / "tests" / "data" / "web",
            REPO / "tests" / "data" / "web" / "structure_labels.json",
        ),
    ]
    for name, folder, labels in sets:
        scores = evaluate(folder, labels)
        for key, what in (("lines", "lines"), ("chars", "characters")):
            s = scores[key]
            report(
                f"{name}: non-article {what} precision", s.precision, "", "target ≥ 0.90", s.precision >= 0.9
            )
            report(f"{name}: non-article {what} recall", s.recall, "", "target ≥ 0.90", s.recall >= 0.9)
        report(f"{name}: region kinds right (of detected lines)", scores["kinds"], "", "no target")
        right, total = scores["titles"]
        report(f"{name}: titles right", right, f"/ {total}", "all", right == total)
        damage = scores["damage"]
        if damage.tp + damage.fn:
            report(
                f"{name}: damage spots precision",
                damage.precision,
                "",
                "target ≥ 0.90",
                damage.precision >= 0.9,
            )
            report(f"{name}: damage spots recall", damage.recall, "", "target ≥ 0.90", damage.recall >= 0.9)


def _generate(folder: Path) -> None:
    zz = ZUOZHUAN.read_text(encoding="utf-8")
    seeds = [p.read_text(encoding="utf-8") for p in sorted((REPO / "seeds").glob("*.txt"))]
    rng = random.Random(11)
    for i in range(ARTICLES):
        seed = seeds[i % len(seeds)]
        head, tail = seed[:400], seed[-600:]
        a = rng.randrange(len(zz) - SLICE)
        body = "\n\n".join(zz[a : a + SLICE].split("\n"))
        sub = folder / f"{i // 1000:02d}"
        sub.mkdir(exist_ok=True)
        (sub / f"{i:05d}.txt").write_text(f"{head}\n\n{body}\n\n{tail}", encoding="utf-8")


def _cost() -> None:
    text = ZUOZHUAN.read_text(encoding="utf-8")
    t0 = time.perf_counter()
    detect(text)
    structure_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    find_damage(text)
    damage_s = time.perf_counter() - t0
    report("zuozhuan (624k chars): structure", structure_s * 1000, "ms", "no target (once per version)")
    report("zuozhuan (624k chars): damage", damage_s * 1000, "ms", "no target (once per version)")

    folder = Path(tempfile.mkdtemp(prefix="reader-bench-structure-"))
    try:
        articles, db = folder / "articles", folder / "db"
        articles.mkdir()
        _generate(articles)
        t0 = time.perf_counter()
        infos = Library(articles, cache_dir=db / "cache").list()
        list_cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        infos = Library(articles, cache_dir=db / "cache").list()
        list_warm = time.perf_counter() - t0
        library = Library(articles, cache_dir=db / "cache")
        t0 = time.perf_counter()
        Analyser(library, db).summaries(infos)
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        Analyser(Library(articles, cache_dir=db / "cache"), db).summaries(infos)
        warm = time.perf_counter() - t0
        report("10k articles: Library.list(), first / cached", list_cold, "s", f"{list_warm:.2f} s cached")
        report(
            "10k articles: structure+damage, first run", cold, "s", f"Library.list() first {list_cold:.2f} s"
        )
        report(
            "10k articles: structure+damage, cached",
            warm,
            "s",
            f"Library.list() cached {list_warm:.2f} s; target ≤ 1 s",
            warm <= 1.0,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    _accuracy()
    _cost()


if __name__ == "__main__":
    main()
