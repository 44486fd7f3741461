"""Shared printing for benchmarks: every figure is printed beside what it is compared to."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
ZUOZHUAN = SHARED / "corpus" / "zuozhuan.txt"
REPO = Path(__file__).resolve().parents[1]


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
