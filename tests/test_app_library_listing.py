"""A first run on a large folder shows the first articles while the rest are still being read."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.widgets import DataTable

import reader.library as library_module
from _app import SIZE, library, make_app, row_ids
from _pilot import settle, wait_until
from reader.library import FIRST_BATCH

ARTICLES = FIRST_BATCH + 60


@pytest.fixture
def big_folder(tmp_path: Path) -> Path:
    root = tmp_path / "many"
    for n in range(ARTICLES):
        path = root / f"{n // 50:02d}" / f"{n:04d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"第{n}篇\n这是一篇关于软件的文章。\n", encoding="utf-8")
    return root


async def test_the_first_rows_show_before_a_long_listing_ends(
    big_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    go_on = threading.Event()
    read = []
    original = library_module.head_info

    def slow_head_info(article_id, *args):  # type: ignore[no-untyped-def]
        read.append(article_id)
        if len(read) > FIRST_BATCH + 10:
            assert go_on.wait(30), "the test never let the listing go on"
        return original(article_id, *args)

    monkeypatch.setattr(library_module, "head_info", slow_head_info)
    app = make_app(big_folder, tmp_path / "db")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: len(row_ids(app)) >= FIRST_BATCH, "the first rows")
            assert len(row_ids(app)) < ARTICLES and not go_on.is_set()  # the listing is still going on
            assert not library(app).query_one(DataTable).loading  # rows, not a loading indicator
            go_on.set()
            await settle(pilot)
            await wait_until(pilot, lambda: len(row_ids(app)) == ARTICLES, "every row")
    finally:
        go_on.set()


@pytest.fixture
def ten_thousand(tmp_path: Path) -> Path:
    root = tmp_path / "ten-thousand"
    for folder in range(10):
        (root / f"{folder:02d}").mkdir(parents=True)
    for n in range(10_000):
        (root / f"{n // 1000:02d}" / f"{n:05d}.txt").write_bytes(
            f"第{n}篇\n这是一篇关于软件的文章。\n".encode()
        )
    return root


async def test_ten_thousand_new_articles_paint_their_first_rows_long_before_the_listing_ends(
    ten_thousand: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app lists in a worker thread, one process (it never forks a threaded process): the first rows
    are on screen while thousands of files are still to be read."""
    read: list[str] = []
    halfway = threading.Event()
    go_on = threading.Event()
    original = library_module.head_info

    def gated_head_info(article_id, *args):  # type: ignore[no-untyped-def]
        read.append(article_id)
        if len(read) == 5_000:
            halfway.set()
            assert go_on.wait(60), "the test never let the listing go on"
        return original(article_id, *args)

    monkeypatch.setattr(library_module, "head_info", gated_head_info)
    app = make_app(ten_thousand, tmp_path / "db")
    try:
        async with app.run_test(size=SIZE) as pilot:
            table = library(app).query_one(DataTable)

            def painted() -> str:
                return "\n".join(table.render_line(y).text for y in range(table.size.height))

            await wait_until(pilot, lambda: "第0篇" in painted(), "the first rows on screen")
            shown = len(row_ids(app))
            assert FIRST_BATCH <= shown < 5_000  # the listing is held half way: these came before
            assert not table.loading
            go_on.set()
            await wait_until(pilot, lambda: len(row_ids(app)) == 10_000, "every row", timeout=120)
    finally:
        go_on.set()
