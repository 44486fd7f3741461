"""Shared printing for benchmarks: every figure is printed beside what it is compared to."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
#: ../shared/corpus/zuozhuan.txt, or its byte-for-byte copy in tests/data (a clone on its own)
ZUOZHUAN = next(
    (p for p in (SHARED / "corpus" / "zuozhuan.txt", REPO / "tests" / "data" / "zuozhuan.txt") if p.exists()),
    REPO / "tests" / "data" / "zuozhuan.txt",
)


def report(name: str, value: float, unit: str, compared_to: str, ok: bool | None = None) -> None:
    """One line: the figure, its unit, and the reference or target it is compared to."""
    verdict = "" if ok is None else ("  [meets target]" if ok else "  [MISSES target]")
    print(f"{name:<52} {value:>10.2f} {unit:<6} vs {compared_to}{verdict}", flush=True)


def timed(fn: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of ``fn`` in seconds over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
