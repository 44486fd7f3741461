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
