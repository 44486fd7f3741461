"""Fit and finish in the whole app: what a new user met at 120×36, 80×24 and 60×20 (headers that keep what
matters, lines that never break a row or start with 。, sorting that shows itself, …). One flow per test;
the screens' looks at the three sizes are in test_snapshots.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.widgets import Static
from textual.widgets._toast import Toast

from _app import cycle_view, header, library, make_app, open_article, row_ids
from _pilot import settle
from reader.app import ReaderApp
from reader.convert import VIEW_LABELS

LONG_TITLE = "003_354cf6c445f5e220.txt"  # its first line, the title, is a whole paragraph


@pytest.fixture
def app(seeds_dir: Path, db_dir: Path) -> ReaderApp:
    return make_app(seeds_dir, db_dir)


@pytest.mark.parametrize("size", [(80, 24), (120, 36), (60, 20)])
async def test_the_header_keeps_view_position_and_count_and_cuts_the_title(
    app: ReaderApp, size: tuple[int, int]
) -> None:
    async with app.run_test(size=size) as pilot:
        screen = await open_article(pilot, LONG_TITLE)
        shown = header(screen)
        assert "原文" in shown and "0%" in shown and "0 annotations" in shown
        assert "…" in shown  # the title gave way, and says so
        assert cell_len(shown) <= size[0] - 2  # all of it on screen (the header has a cell of padding)
        assert shown.startswith("近期")
        await pilot.press("shift+right", "shift+right")
        await settle(pilot)
        assert "2 selected" in header(screen) and "0 annotations" in header(screen)


def test_fixed_parts_give_way_last_first_when_even_they_do_not_fit() -> None:
    from reader.widgets.header import Part, fit_parts

    parts = [Part("標題" * 20, shrink=True), Part("繁體"), Part("45%"), Part("3 annotations")]
    assert fit_parts(parts, 40).plain == "標題標題標… · 繁體 · 45% · 3 annotations"
    assert fit_parts(parts, 24).plain == "標題標題標… · 繁體 · 45%"  # the count gave way first
    assert fit_parts(parts, 120).plain.count("標題") == 20 and "…" not in fit_parts(parts, 120).plain
    assert all(fit_parts(parts, width).cell_len <= width for width in range(1, 130))


async def test_a_filter_that_matches_nothing_says_no_match(app: ReaderApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"zzzq")
        await settle(pilot)
        detail = str(library(app).query_one("#library-detail", Static).render())
        assert detail.startswith("no match for zzzq")
        assert not row_ids(app)


async def test_toasts_of_cycling_views_replace_each_other(app: ReaderApp) -> None:
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_article(pilot)
        for _ in range(3):
            await cycle_view(pilot, screen)
        await pilot.pause()
        toasts = [str(toast.render()) for toast in app.screen.query(Toast)]
        assert toasts == [f"{VIEW_LABELS['taiwan']} view"]
