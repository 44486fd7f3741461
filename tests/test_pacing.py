"""Background work that gives way to the UI (reader.pacing), and the pause hook of view building."""

from __future__ import annotations

import gc
import hashlib
from itertools import chain, repeat
from pathlib import Path
from types import SimpleNamespace

import pytest

from reader.articles import load_file
from reader.convert import VIEWS, Converter, OverrideList, check_override
from reader.pacing import Pacer, WorkCancelled
from reader.segmentation import PACE_WORDS
from reader.words import ViewWords, Words, segment_article

ROOT = Path(__file__).resolve().parents[1]
ZUOZHUAN = Path(__file__).parent / "data" / "zuozhuan.txt"


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_pause_hands_the_gil_over_once_a_slice_is_used_up() -> None:
    fake = FakeTime()
    pacer = Pacer(slice_seconds=0.003, clock=fake.clock, sleep=fake.sleep)
    pause = pacer.hook()
    pause()  # no time has passed: no need to sleep
    assert fake.slept == []
    fake.now += 0.004
    pause()
    assert len(fake.slept) == 1 and fake.slept[0] < 0.002


def test_a_pause_waits_while_the_ui_has_input() -> None:
    fake = FakeTime()
    pacer = Pacer(quiet=0.4, clock=fake.clock, sleep=fake.sleep)
    pause = pacer.hook()
    pacer.touch()  # a key
    assert pacer.busy()
    pause()
    assert fake.now >= 100.4 and not pacer.busy()  # resumed only after 0.4 s without input


def test_a_pause_raises_once_the_work_is_cancelled() -> None:
    fake = FakeTime()
    pacer = Pacer(clock=fake.clock, sleep=fake.sleep)
    cancelled = False
    pause = pacer.hook(lambda: cancelled)
    pause()
    cancelled = True
    with pytest.raises(WorkCancelled):
        pause()
    pacer.touch()  # also while waiting for the UI to be quiet
    cancelled = False
    calls = iter([False, True])
    with pytest.raises(WorkCancelled):
        pacer.hook(lambda: next(calls, True))()


def _counting(calls: list[int]):
    """A progress callback that notes how far each call says the work is."""

    def progress(done: int, total: int) -> None:
        calls.append(done)

    return progress


@pytest.mark.parametrize("view", VIEWS)
def test_views_built_in_small_chunks_are_the_views_built_at_once(view: str) -> None:
    """Background preparation builds a view 8,000 characters at a time, pausing between (the convert
    package's chunks are whole paragraphs); the view must be the one built in its usual large chunks."""
    converter = Converter()
    texts = [load_file(path).text for path in sorted((ROOT / "seeds").glob("*.txt"))]
    texts.append(load_file(ZUOZHUAN).text[:150_000])
    for text in texts:
        pauses: list[int] = []
        pieces = converter.build_view(text, view, progress=_counting(pauses), chunk_chars=8_000)
        whole = converter.build_view(text, view)
        assert pieces.text == whole.text
        assert pieces.offsets.segments == whole.offsets.segments
        if view != "original" and len(text) > 100_000:
            assert len(pauses) > 10


def test_a_pause_that_raises_abandons_the_view_and_caches_nothing() -> None:
    converter = Converter()
    article = load_file(ZUOZHUAN)

    def stop() -> None:
        raise WorkCancelled

    with pytest.raises(WorkCancelled):
        converter.view(article, "traditional", progress=lambda done, total: stop(), chunk_chars=8_000)
    pauses: list[int] = []
    converter.view(
        article, "traditional", progress=lambda done, total: pauses.append(done), chunk_chars=8_000
    )
    assert pauses  # it was built now, not taken from a cache


def test_work_someone_waits_for_hurries_and_other_work_holds() -> None:
    fake = FakeTime()
    pacer = Pacer(quiet=0.05, clock=fake.clock, sleep=fake.sleep)
    pacer.touch()  # a key: the view that key asked for is the one this work prepares
    pacer.hook(hurry=lambda: True)()
    assert fake.now < 100.01  # no wait for quiet
    holding = chain([True] * 10, repeat(False))
    pacer.hook(hold=lambda: next(holding))()  # the user waits for other work: this waits until it is done
    assert fake.now >= 100.1


def test_each_prepared_view_is_moved_out_of_the_cycle_collectors_way() -> None:
    """A prepared view of zuozhuan (its text, offsets and layout) lives as long as the article: frozen, a
    full collection no longer walks it, which stalled the next page-down's frame by 7-16 ms."""
    from reader.viewcache import PreparedViews

    views = PreparedViews(Converter())
    gc.unfreeze()
    try:
        views.prepare(load_file(ZUOZHUAN), ["traditional"], lambda: 80, lambda: None)
        assert views.layout("traditional", 80) is not None
        assert gc.get_freeze_count() > 0
        assert not any(obj is views.layout("traditional", 80) for obj in gc.get_objects())
    finally:
        gc.unfreeze()


def _article(text: str) -> SimpleNamespace:
    return SimpleNamespace(text=text, sha256=hashlib.sha256(text.encode()).hexdigest())


def test_words_are_mapped_in_paced_pieces_and_equal_the_walk_at_once() -> None:
    """Mapping a long article's words to a converted view is a walk in Python (~0.2 s for zuozhuan's 300k
    words): it calls the worker's pause hook every PACE_WORDS words, with the same result."""
    converter = Converter()
    article = _article(load_file(ZUOZHUAN).text[:150_000])
    words = Words(converter).for_article(article)
    taiwan = converter.view(article, "taiwan")
    assert not taiwan.offsets.identity
    pauses: list[int] = []
    paced = ViewWords(words, taiwan.offsets, lambda: pauses.append(1))
    whole = ViewWords(words, taiwan.offsets)
    assert (paced.starts, paced.ends) == (whole.starts, whole.ends)
    assert len(pauses) >= 2 * len(words.starts) // PACE_WORDS

    def stop() -> None:
        raise WorkCancelled

    with pytest.raises(WorkCancelled):
        ViewWords(words, taiwan.offsets, stop)


def test_a_traditional_articles_words_are_mapped_back_in_paced_pieces(tmp_path: Path) -> None:
    """Its words are cut in its 简体 view and mapped back to the original (a walk where that view changed
    lengths, as a user's override can): paced the same way."""
    converter = Converter(overrides=OverrideList(tmp_path))
    converter.overrides.add(check_override("simplified", "短影音平台", "短视频"))
    text = "\n".join([load_file(ROOT / "seeds" / "002_ced27b30dc7015ea.txt").text] * 8)
    article = _article(text)
    assert not converter.view(article, "simplified").offsets.identity
    pauses: list[int] = []
    paced = Words(converter).for_article(article, lambda: pauses.append(1))
    whole = segment_article(article, converter, Words(converter).segmenter)
    assert (paced.starts, paced.ends) == (whole.starts, whole.ends)
    assert len(pauses) >= len(whole.starts) // PACE_WORDS >= 1


def test_waiting_for_idle_work_that_is_no_longer_wanted_stops_at_once() -> None:
    """Cancelled while the user is idle: it raises at once (it used to start the work anyway)."""
    with pytest.raises(WorkCancelled):
        Pacer().wait_idle(0.3, lambda: True)


def test_a_view_prepared_while_its_screen_closes_stays_unfrozen() -> None:
    """The screen closes (and releases what it froze) while a view is being prepared: that view's freeze,
    coming after the release, is released too, so the closed article is not pinned in memory."""
    from reader.pacing import release_long_lived_objects
    from reader.viewcache import PreparedViews

    views = PreparedViews(Converter())

    def width_while_closing() -> int:  # the screen closes right after the worker asked its width
        views.close()
        release_long_lived_objects()
        return 80

    gc.unfreeze()
    try:
        views.prepare(load_file(ZUOZHUAN), ["traditional"], width_while_closing, lambda: None)
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()


def test_an_export_from_an_open_article_keeps_its_views_frozen() -> None:
    """Exporting pauses the collector and moved everything to the oldest generation after, unfreezing the
    open article's prepared views too (the full collections' stalls came back after one export)."""
    from reader.export import paused_gc

    gc.unfreeze()
    try:
        gc.freeze()  # as an open article's prepared views are
        frozen = gc.get_freeze_count()
        with paused_gc():
            made = [[n] for n in range(1000)]
        assert gc.get_freeze_count() >= frozen
        del made
    finally:
        gc.unfreeze()
