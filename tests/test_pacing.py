"""Background work that gives way to the UI (reader.pacing), and the pause hook of view building."""

from __future__ import annotations

from itertools import chain, repeat
from pathlib import Path

import pytest

from reader.articles import load_file
from reader.convert import VIEWS, Converter
from reader.pacing import Pacer, WorkCancelled

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
