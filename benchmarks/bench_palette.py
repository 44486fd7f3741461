"""Command palette: the cost of one keystroke at 2,000 articles.

The palette's commands (one per article and per tag) are built once when it opens
(``ReaderCommands.startup``); a keystroke only matches the typed text against them. The reference, measured
in the same run, is what a keystroke cost when every search rebuilt the commands (a folder listing each
time). What is left per key is Textual's fuzzy matcher (~40 µs a command); the search yields to the event
loop every few hundred commands, so a newer keystroke cancels it instead of waiting for it.
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from _report import REPO, report

ARTICLES = 2000
#: typed one key at a time; the titles are all different ("第1234篇 …"), as in a real library
TYPED = "open 第123篇"


def _library(root: Path) -> None:
    seeds = sorted((REPO / "seeds").glob("*.txt"))
    for i in range(ARTICLES):
        text = seeds[i % len(seeds)].read_text(encoding="utf-8")[:2000].lstrip()
        (root / f"{i:05d}_{seeds[i % len(seeds)].name}").write_text(f"第{i}篇 {text}", encoding="utf-8")


async def _measure(root: Path) -> tuple[float, float, float]:
    from reader.app import ReaderApp
    from reader.screens.commands import ReaderCommands
    from reader.workspace import Workspace

    app = ReaderApp(Workspace(root / "articles", root / "db"))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        provider = ReaderCommands(app.screen)
        t0 = time.perf_counter()
        await provider.startup()
        opened = time.perf_counter() - t0

        async def per_key(rebuild: bool) -> float:
            times = []
            for end in range(1, len(TYPED) + 1):
                if rebuild:
                    provider._built = None
                t0 = time.perf_counter()
                async for _ in provider.search(TYPED[:end]):
                    pass
                times.append(time.perf_counter() - t0)
            return statistics.median(times)

        cached = statistics.median([await per_key(False) for _ in range(3)])
        rebuilt = statistics.median([await per_key(True) for _ in range(3)])
    return opened, cached, rebuilt


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "articles").mkdir()
        _library(root / "articles")
        try:
            opened, cached, rebuilt = asyncio.run(_measure(root))
        finally:
            shutil.rmtree(root, ignore_errors=True)
    report(
        f"palette keystroke, {ARTICLES:,} articles (median)",
        cached * 1000,
        "ms",
        f"{rebuilt * 1000:.1f} ms rebuilding the commands per key (as before), same run",
    )
    report("palette opening: build every command once", opened * 1000, "ms", "(in a thread; not per key)")


if __name__ == "__main__":
    main()
