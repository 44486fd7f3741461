"""Highlights found by range (reader.highlights), checked against brute force; the colour memo."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from reader.articles import load_file
from reader.convert import Converter, OffsetMap
from reader.highlights import (
    AnnotationSet,
    ColourMemo,
    Highlight,
    HighlightList,
    IntervalIndex,
    MappedHighlights,
    pieces,
)

ROOT = Path(__file__).resolve().parents[1]
TAIWAN_SEED = ROOT / "seeds" / "001_8eaa32b1d9703bf4.txt"  # Simplified: its 臺灣 view changes phrases


@dataclass(frozen=True)
class Note:
    """An annotation as far as highlighting and navigation go."""

    id: str
    start: int
    end: int
    status: str = "anchored"
    created: str = ""


spans = st.lists(
    st.tuples(st.integers(0, 400), st.integers(0, 60)).map(lambda p: (p[0], p[0] + p[1])), max_size=60
)
long_spans = st.lists(
    st.tuples(st.integers(0, 2000), st.integers(0, 1500)).map(lambda p: (p[0], p[0] + p[1])), max_size=30
)


@given(st.one_of(spans, long_spans), st.integers(-5, 2100), st.integers(0, 300))
def test_interval_index_finds_exactly_the_overlapping_ranges(ranges, start, length) -> None:
    index = IntervalIndex(list(enumerate(ranges)), lambda item: item[1])
    end = start + length
    found = sorted(index.overlapping(start, end))
    expected = [(i, (a, b)) for i, (a, b) in enumerate(ranges) if b > a and a < end and b > start]
    assert found == expected
    assert len(index) == sum(1 for a, b in ranges if b > a)


def test_interval_index_with_one_long_range_among_many_short_ones() -> None:
    ranges = [(0, 100_000)] + [(i * 10, i * 10 + 3) for i in range(10_000)]
    index = IntervalIndex(ranges, lambda r: r)
    assert sorted(index.overlapping(50_000, 50_005)) == [(0, 100_000), (50_000, 50_003)]
    assert index.containing(99_999) == [(0, 100_000)]


def brute_force(notes: list[Note], offsets: OffsetMap, colour: str) -> list[Highlight]:
    mapped = [Highlight(*offsets.range_to_view(n.start, n.end), colour, n.id) for n in notes]
    return sorted((h for h in mapped if h.end > h.start), key=lambda h: (h.start, -h.end, h.key))


def test_mapped_highlights_equal_mapping_every_annotation_in_a_phrase_changing_view() -> None:
    """In the 臺灣 view of a Simplified article phrases change length: every window of the view gets
    exactly the highlights that mapping all annotations would put there, snapped outward like
    range_to_view."""
    article = load_file(TAIWAN_SEED)
    view = Converter().view(article, "taiwan")
    assert not view.offsets.identity
    size = len(article.text)
    notes = [Note(f"n{i}", (i * 37) % size, min(size, (i * 37) % size + 1 + i % 23)) for i in range(600)]
    edges = [Note(f"s{k}", a, b) for k, (a, b, _, _) in enumerate(view.offsets.segments)]  # inside phrases
    notes += edges + [
        Note(f"i{k}", a + 1, b) for k, (a, b, _, _) in enumerate(view.offsets.segments) if b > a + 1
    ]
    source = MappedHighlights(IntervalIndex(notes, lambda n: (n.start, n.end)), view.offsets, lambda n: "red")
    every = brute_force(notes, view.offsets, "red")
    assert source.all() == every
    for start in range(0, len(view.text), 97):
        for length in (1, 40, 400):
            end = start + length
            expected = [h for h in every if h.start < end and h.end > start]
            assert source.between(start, end) == expected
            assert sorted(source.spans(start, end)) == sorted((h.start, h.end, h.color) for h in expected)


@settings(max_examples=60)
@given(spans, st.integers(0, 450), st.integers(1, 80))
def test_mapped_highlights_in_an_identity_view(ranges, start, length) -> None:
    notes = [Note(f"n{i}", a, b) for i, (a, b) in enumerate(ranges)]
    offsets = OffsetMap.identity_map(500)
    source = MappedHighlights(IntervalIndex(notes, lambda n: (n.start, n.end)), offsets, lambda n: "#123456")
    every = brute_force(notes, offsets, "#123456")
    assert source.between(start, start + length) == [
        h for h in every if h.start < start + length and h.end > start
    ]


def test_mapped_highlights_map_and_colour_each_annotation_once() -> None:
    notes = [Note(f"n{i}", i, i + 5) for i in range(100)]
    coloured: list[str] = []

    def colour(note: Note) -> str:
        coloured.append(note.id)
        return "blue"

    source = MappedHighlights(
        IntervalIndex(notes, lambda n: (n.start, n.end)), OffsetMap.identity_map(200), colour
    )
    assert coloured == []  # nothing is done until a line is drawn
    source.between(10, 20)
    source.between(10, 20)
    assert sorted(coloured) == sorted(f"n{i}" for i in range(6, 20))


def test_highlight_list_drops_empty_ranges_and_keeps_document_order() -> None:
    source = HighlightList([Highlight(5, 9, "b", "2"), Highlight(3, 3, "x", "0"), Highlight(1, 9, "a", "1")])
    assert [h.key for h in source.all()] == ["1", "2"]
    assert [h.key for h in source.between(0, 2)] == ["1"]


def test_pieces_cut_a_line_where_highlights_and_cuts_change() -> None:
    highlights = [Highlight(1, 5, "red", "a"), Highlight(3, 8, "blue", "b")]
    spans = [(h.start, h.end, h.color) for h in highlights]
    assert pieces(spans, 0, 10) == [
        (0, 1, ()),
        (1, 3, (("red", 1),)),
        (3, 5, (("blue", 1), ("red", 1))),
        (5, 8, (("blue", 1),)),
        (8, 10, ()),
    ]
    assert pieces([], 0, 10, cuts=(4, 5, 12)) == [(0, 4, ()), (4, 5, ()), (5, 10, ())]
    same = [(0, 6, "red"), (2, 4, "red"), (-3, 20, "blue")]  # the same colour twice counts twice
    assert pieces(same, 1, 5) == [
        (1, 2, (("blue", 1), ("red", 1))),
        (2, 4, (("blue", 1), ("red", 2))),
        (4, 5, (("blue", 1), ("red", 1))),
    ]


@given(spans, st.integers(0, 400), st.integers(1, 80), st.lists(st.integers(0, 500), max_size=4))
def test_pieces_match_checking_every_highlight_at_every_run(ranges, start, length, cuts) -> None:
    end = start + length
    highlights = [Highlight(a, b, f"c{i % 3}", str(i)) for i, (a, b) in enumerate(ranges) if b > a]
    overlapping = [h for h in highlights if h.start < end and h.end > start]
    runs = pieces([(h.start, h.end, h.color) for h in overlapping], start, end, cuts)
    assert runs[0][0] == start and runs[-1][1] == end
    assert all(left < right for left, right, _ in runs)
    assert all(a[1] == b[0] for a, b in pairwise(runs))
    for left, _, colours in runs:
        active = Counter(h.color for h in overlapping if h.start <= left < h.end)
        assert colours == tuple(sorted(active.items()))


def test_colour_memo_looks_each_tag_up_once_until_the_codebook_changes() -> None:
    lookups: list[tuple[str, tuple[str, ...]]] = []
    codebook = {"version": 1}

    def lookup(color: str, tags) -> str:
        lookups.append((color, tuple(tags)))
        return f"#{len(lookups):06d}"

    memo = ColourMemo(lookup, lambda: dict(codebook))
    assert memo.refresh()
    for _ in range(1000):
        memo("", ("难民", "平台"))
        memo("", ("难民",))
        memo("green", ("难民",))
    assert lookups == [("", ("难民",)), ("green", ("难民",))]
    assert not memo.refresh()  # an equal codebook: the colours stand
    codebook["version"] = 2
    assert memo.refresh()
    memo("", ("难民",))
    assert len(lookups) == 3


def test_annotation_set_finds_the_innermost_and_the_neighbours() -> None:
    notes = [
        Note("wide", 0, 50, created="1"),
        Note("inner", 10, 20, created="2"),
        Note("same-inner", 10, 20, created="3"),
        Note("lost", 5, 6, status="orphan"),
        Note("later", 30, 35, created="4"),
    ]
    annotations = AnnotationSet(sorted(notes, key=lambda n: (n.start, n.end, n.created)))
    assert len(annotations) == 5  # orphans are listed
    assert annotations.at(15).id == "inner"  # the shortest, then the older
    assert annotations.at(5).id == "wide"  # orphans are never under the cursor
    assert annotations.at(60) is None
    assert annotations.after(0).id == "inner"
    assert annotations.after(10).id == "later"
    assert annotations.after(30) is None
    assert annotations.before(30).id == "inner"
    assert annotations.before(10).id == "wide"
    assert annotations.before(0) is None


@given(st.lists(st.tuples(st.integers(0, 100), st.integers(1, 20)), max_size=40), st.integers(-1, 125))
def test_annotation_set_neighbours_match_a_scan(pairs, here) -> None:
    notes = sorted(
        (Note(f"n{i}", a, a + n, created=str(i)) for i, (a, n) in enumerate(pairs)),
        key=lambda n: (n.start, n.end, n.created),
    )
    annotations = AnnotationSet(notes)
    later = [n for n in notes if n.start > here]
    earlier = [n for n in notes if n.start < here]
    assert annotations.after(here) == (min(later, key=lambda n: n.start) if later else None)
    assert annotations.before(here) == (max(earlier, key=lambda n: n.start) if earlier else None)
    containing = [n for n in notes if n.start <= here < n.end]
    expected = min(containing, key=lambda n: (n.end - n.start, n.created)) if containing else None
    assert annotations.at(here) == expected
