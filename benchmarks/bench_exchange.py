"""REFI-QDA and JSON Lines at 100,000 annotations, and agreement over a whole long article.

Run with ``python benchmarks/run.py exchange``. Each figure is printed beside the JSON export / import of
the same annotations measured in the same run (the reference the issue's targets were set on: export
≤ 2 s, import ≤ 10 s), and agreement beside nltk's AnnotationTask on the same units.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from _report import ZUOZHUAN, report
from bench_export import TOTAL, _populate, _write_articles

from reader.agreement import compute
from reader.export import build_export, render_bytes, write_atomically
from reader.importer import import_file
from reader.workspace import Workspace


def _export(articles: Path, db: Path, fmt: str, out: Path, **options: str) -> float:
    workspace = Workspace(articles, db)
    t0 = time.perf_counter()
    data = build_export(workspace, "original")
    extra = {"workspace": workspace, **options} if fmt in ("jsonl", "qdpx") else {}
    write_atomically(out, render_bytes(data, fmt, **extra))
    elapsed = time.perf_counter() - t0
    workspace.store.close()
    return elapsed


def _import(articles: Path, db: Path, source: Path) -> float:
    workspace = Workspace(articles, db)
    t0 = time.perf_counter()
    result = import_file(workspace, source)
    elapsed = time.perf_counter() - t0
    assert result.added == TOTAL, result.summary()
    workspace.store.close()
    return elapsed


def _exchange(root: Path) -> None:
    rng = random.Random(7)
    articles, db = root / "articles", root / "db"
    _write_articles(articles, rng)
    workspace = Workspace(articles, db)
    _populate(workspace, rng)
    workspace.store.close()
    json_export = _export(articles, db, "json", root / "e.json")
    json_import = _import(articles, root / "db-json", root / "e.json")
    reference = f"JSON {json_export:.2f} s this run"
    seconds = _export(articles, db, "qdpx", root / "e.qdpx")
    report("export qdpx, 100k annotations", seconds, "s", reference)
    seconds = _import(articles, root / "db-qdpx", root / "e.qdpx")
    json_reference = f"JSON import {json_import:.2f} s this run"
    report("import that qdpx into an empty database", seconds, "s", json_reference)
    seconds = _export(articles, db, "jsonl", root / "e.jsonl", jsonl_shape="labelstudio", offsets="utf16")
    report("export jsonl (Label Studio, UTF-16), 100k annotations", seconds, "s", reference)


def _agreement() -> None:
    from nltk.metrics.agreement import AnnotationTask

    text = ZUOZHUAN.read_text(encoding="utf-8")
    rng = random.Random(3)
    coders: dict[str, dict[str, list[tuple[int, int, list[str]]]]] = {}
    for name in ("ann", "bob", "cat"):
        spans = []
        for _ in range(2_000):
            start = rng.randrange(len(text) - 40)
            spans.append((start, start + rng.randint(5, 40), [rng.choice("ABCDE")]))
        coders[name] = {"zuozhuan": spans}
    for unit in ("sentence", "character"):
        t0 = time.perf_counter()
        result = compute(coders, {"zuozhuan": text}, unit=unit)
        seconds = time.perf_counter() - t0
        units = f"{result.overall.units} units"
        report(f"agreement, 3 coders × 2,000 passages, {unit}s", seconds, "s", units)
    # nltk on the same sentence units, one tag: what a one-item-per-unit computation costs
    units = compute(coders, {"zuozhuan": text}).overall.units
    rows = [(c, i, rng.random() < 0.1) for i in range(units) for c in coders]
    t0 = time.perf_counter()
    AnnotationTask(rows).alpha()
    seconds = time.perf_counter() - t0
    report("  nltk AnnotationTask.alpha, same sentence units, 1 tag", seconds, "s", "reference")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _exchange(Path(tmp))
    _agreement()


if __name__ == "__main__":
    main()
