"""What is made ahead of time so that reading an article never waits for it: OpenCC's configs (made while the
library is shown) and the detection of a long article's structure (kept by the library's pass)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from _app import ARTICLE, SIZE, cycle_view, make_app, open_article
from _pilot import settle, wait_until
from reader.articles import load_file
from reader.convert import VIEWS, Converter
from reader.library import Library
from reader.pacing import WorkCancelled

ROOT = Path(__file__).resolve().parents[1]
ZUOZHUAN = Path(__file__).parent / "data" / "zuozhuan.txt"
SIMPLIFIED = "004_b2f79115014bf41b.txt"


def _made_configs(converter: Converter, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """The OpenCC configs `converter` constructs from now on (each holds the GIL for 5-70 ms), but the marked
    s2t of a view's details (made when that view is first shown, not ahead)."""
    made: list[tuple[str, ...]] = []
    engine = converter.engine
    real = engine._create

    def create(chain, overrides, markers):  # type: ignore[no-untyped-def]
        if not markers:
            made.append(chain)
        return real(chain, overrides, markers)

    monkeypatch.setattr(engine, "_create", create)
    return made


def test_after_the_warm_up_no_view_of_a_simplified_or_traditional_article_makes_a_config(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    converter = Converter()
    steps: list[int] = []
    converter.warm_up(lambda: steps.append(1))
    assert len(steps) > 10  # the hook ran before each step (the app waits there for the user to be idle)
    made = _made_configs(converter, monkeypatch)
    for name in (ARTICLE, SIMPLIFIED, "000_7bd28feb70503cb0.txt"):
        article = load_file(ROOT / "seeds" / name)
        for view in VIEWS:
            converter.view(article, view)
    assert made == []


def test_a_warm_up_stops_where_its_hook_raises() -> None:
    def busy() -> None:
        raise WorkCancelled

    converter = Converter()
    with pytest.raises(WorkCancelled):
        converter.warm_up(busy)


async def test_the_app_makes_the_configs_while_the_library_is_shown_not_while_an_article_is_read(
    seeds_dir: Path, db_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(seeds_dir, db_dir)
    made = _made_configs(app.workspace.converter, monkeypatch)

    def warming() -> bool:
        return any(thread.name == "reader-words-warm-up" for thread in threading.enumerate())

    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: ("t2hk",) in made and not warming(), "the warm-up", timeout=60)
        assert ("s2t",) in made and ("s2twp",) in made
        before = len(made)
        screen = await open_article(pilot, SIMPLIFIED)
        for _ in VIEWS:
            await cycle_view(pilot, screen)
        await settle(pilot)
        assert made[before:] == []


def test_the_librarys_pass_keeps_the_detection_of_a_long_article_for_its_reading_screen(
    seeds_dir: Path, db_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening an article whose detection is not kept detects it after the first paint, ~0.3 s that cannot
    pause for zuozhuan (a stalled page-down): the library's pass keeps it for long articles."""
    from reader.analysis import KEEP_DETAIL_CHARS, Analyser

    shutil.copy(ZUOZHUAN, seeds_dir / "zuozhuan.txt")
    library = Library(seeds_dir)
    analyser = Analyser(library, db_dir)
    infos = library.list()
    summaries = analyser.summaries(infos)
    long_article = analyser.load("zuozhuan.txt")
    short_article = analyser.load(ARTICLE)
    assert len(short_article.text) < KEEP_DETAIL_CHARS <= len(long_article.text)
    import reader.analysis as analysis_module

    monkeypatch.setattr(analysis_module, "detect", lambda text: pytest.fail("detected again"))
    kept = analyser.analyse(long_article, compute=False)  # what the reading screen asks before its paint
    assert kept is not None and kept.summary() == summaries["zuozhuan.txt"]
    assert analyser.analyse(short_article, compute=False) is None  # short: detected when opened (cheap)


async def test_the_warm_up_stops_once_an_article_is_open(
    seeds_dir: Path, db_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opened before the warm-up started: the reading screen makes what it needs, the warm-up nothing (each
    step would stall a page-down by up to ~70 ms)."""
    app = make_app(seeds_dir, db_dir)
    converter = app.workspace.converter
    made = _made_configs(converter, monkeypatch)
    outcomes: list[str] = []
    real = converter.warm_up

    def warm_up(before_each):  # type: ignore[no-untyped-def]
        try:
            real(before_each)
        except WorkCancelled:
            outcomes.append("stopped")
            raise
        outcomes.append("done")

    monkeypatch.setattr(converter, "warm_up", warm_up)
    async with app.run_test(size=SIZE) as pilot:
        await open_article(pilot, SIMPLIFIED)
        await wait_until(pilot, lambda: bool(outcomes), "the warm-up", timeout=60)
        assert outcomes == ["stopped"]
        assert ("t2hk",) not in made  # a Traditional article's config: never needed by this one
