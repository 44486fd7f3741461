"""Highlights for the document view, found by range rather than swept all at once (UI-free).

An article may carry 100,000 annotations. The view draws a screen of ~40 lines at a time, so nothing here
is proportional to the number of annotations except building an index once per change of them:

* :class:`IntervalIndex` answers "which items overlap ``[start, end)``?" in O(log n + k). Items are kept
  in tiers by length (powers of four), each sorted by start: an item of a tier whose lengths are at most
  ``reach`` can only overlap the query if it starts after ``start - reach``, so each tier is one bisect
  and a short scan, even with a few very long items among many short ones.
* :class:`MappedHighlights` shows annotations (offsets into the original text) in a script view: only the
  ones a line asks for are mapped through the view's :class:`~reader.convert.OffsetMap`, each once per
  view. A view switch costs nothing until a line is drawn.
* :class:`HighlightList` holds highlights already in view offsets (tests, small uses).
* :func:`pieces` splits one display line into runs that share the same highlight colours.
* :class:`ColourMemo` caches highlight colours per (own colour, first tag) until the codebook changes, so
  showing 10,000 annotations costs a handful of colour look-ups, not 10,000 ``stat()`` calls.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import islice, pairwise
from operator import attrgetter, itemgetter, le, sub
from typing import Generic, Literal, Protocol, TypeVar

__all__ = [
    "AnnotationSet",
    "ColourMemo",
    "Colours",
    "Highlight",
    "HighlightList",
    "HighlightSource",
    "IntervalIndex",
    "MappedHighlights",
    "Span",
    "pieces",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Highlight:
    """A highlighted range of the *view* text (the screen maps annotation offsets to the view)."""

    start: int
    end: int
    color: str
    key: str


def _order(highlight: Highlight) -> tuple[int, int, str]:
    """Document order: by start, the longer first, then by key (stable across calls)."""
    return highlight.start, -highlight.end, highlight.key


class IntervalIndex(Generic[T]):
    """Items with ``[start, end)`` ranges, queried for the ones overlapping a range.

    Empty ranges are dropped (they overlap nothing). Built in O(n log n) (O(n) for input sorted by start),
    which is meant to happen off the UI thread for large inputs.
    """

    __slots__ = ("_size", "_tiers")

    def __init__(self, items: Iterable[T], span: Callable[[T], tuple[int, int]]) -> None:
        kept = list(items)
        spans = [span(item) for item in kept]
        self._build(kept, [start for start, _ in spans], [end for _, end in spans])

    @classmethod
    def from_columns(cls, items: Sequence[T], starts: list[int], ends: list[int]) -> IntervalIndex[T]:
        """The index of ``items[i]`` spanning ``[starts[i], ends[i])`` (columns the caller already has)."""
        index = cls.__new__(cls)
        index._build(items, starts, ends)
        return index

    def _build(self, items: Sequence[T], starts: list[int], ends: list[int]) -> None:
        # Column-wise (map, sorted, itemgetter run in C): 100,000 annotations are indexed in ~50 ms.
        count = len(items)
        lengths = list(map(sub, ends, starts))
        tier_of = [
            bits >> 1 if length > 0 else -1
            for bits, length in zip(map(int.bit_length, lengths), lengths, strict=True)
        ]
        if all(map(le, starts, islice(starts, 1, None))):  # by start within each tier: stable sorts keep it
            order = sorted(range(count), key=tier_of.__getitem__)
        else:
            order = sorted(range(count), key=lambda i: (tier_of[i], starts[i]))
        tiers_in_order = [tier_of[i] for i in order]
        self._size = count - bisect_right(tiers_in_order, -1)
        self._tiers: list[tuple[int, list[int], list[int], list[T]]] = []
        for tier in sorted(set(tier_of) - {-1}):
            picked = order[bisect_left(tiers_in_order, tier) : bisect_right(tiers_in_order, tier)]
            take = itemgetter(*picked) if len(picked) > 1 else (lambda seq, i=picked[0]: (seq[i],))
            tier_starts, tier_ends = list(take(starts)), list(take(ends))
            reach = max(map(sub, tier_ends, tier_starts))
            self._tiers.append((reach, tier_starts, tier_ends, list(take(items))))

    def __len__(self) -> int:
        return self._size

    def overlapping(self, start: int, end: int) -> list[T]:
        """The items whose range overlaps ``[start, end)``, in no particular order."""
        found: list[T] = []
        for reach, starts, ends, items in self._tiers:
            low = bisect_right(starts, start - reach)
            high = bisect_left(starts, end)
            found.extend(items[i] for i in range(low, high) if ends[i] > start)
        return found

    def containing(self, pos: int) -> list[T]:
        """The items whose range contains `pos`."""
        return self.overlapping(pos, pos + 1)


#: a highlight as drawing needs it: ``(start, end, colour)`` in view offsets
Span = tuple[int, int, str]
#: the highlights on a run of text: ``((colour, how many), ...)`` sorted by colour (an overlap's look
#: depends on which colours and how many, not on their order)
Colours = tuple[tuple[str, int], ...]


class HighlightSource(Protocol):
    """What the document view draws from: highlights (view offsets) by range."""

    def spans(self, start: int, end: int) -> list[Span]:
        """``(start, end, colour)`` of the highlights overlapping ``[start, end)``, in no particular order."""
        ...

    def between(self, start: int, end: int) -> list[Highlight]:
        """The highlights overlapping ``[start, end)``, in document order."""
        ...

    def all(self) -> list[Highlight]:
        """Every highlight, in document order (O(n): for tests and small texts, not for drawing)."""
        ...


class HighlightList:
    """Highlights already in view offsets."""

    def __init__(self, highlights: Iterable[Highlight] = ()) -> None:
        self._all = sorted((h for h in highlights if h.end > h.start), key=_order)
        self._index = IntervalIndex(self._all, lambda h: (h.start, h.end))

    def spans(self, start: int, end: int) -> list[Span]:
        return [(h.start, h.end, h.color) for h in self._index.overlapping(start, end)]

    def between(self, start: int, end: int) -> list[Highlight]:
        return sorted(self._index.overlapping(start, end), key=_order)

    def all(self) -> list[Highlight]:
        return list(self._all)


class Anchored(Protocol):
    """An annotation as far as highlighting goes (``reader.store.Annotation`` is one)."""

    @property
    def id(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


class OffsetsLike(Protocol):
    """What a view's offset map provides (``reader.convert.OffsetMap``)."""

    identity: bool

    def to_original(self, pos: int, side: Literal["start", "end"] = "start") -> int: ...
    def range_to_view(self, start: int, end: int) -> tuple[int, int]: ...
    @property
    def segments(self) -> Sequence[tuple[int, int, int, int]]: ...


A = TypeVar("A", bound=Anchored)


class MappedHighlights(Generic[A]):
    """Annotations (original offsets) drawn in one script view, mapped only when a line asks for them.

    ``index`` holds the annotations to draw (orphans left out) by their original range; ``colour`` gives
    an annotation's highlight colour. A query in view offsets is widened to the original offsets that can
    map into it (a position inside a converted phrase snaps outward, by at most the longest phrase), then
    each candidate is mapped exactly as ``OffsetMap.range_to_view`` maps it (once per view: the spans are
    kept) and kept if it overlaps.
    """

    def __init__(self, index: IntervalIndex[A], offsets: OffsetsLike, colour: Callable[[A], str]) -> None:
        self._index = index
        self._offsets = offsets
        self._colour = colour
        self._spans: dict[int, Span] = {}  # id(annotation) -> its span in this view
        segments = () if offsets.identity else offsets.segments
        #: how far a view position can be from the original positions that map to it (0 for identity)
        self._slack = max((max(b - a, d - c) for a, b, c, d in segments), default=0)

    def _candidates(self, start: int, end: int) -> list[A]:
        offsets = self._offsets
        if offsets.identity:
            return self._index.overlapping(start, end)
        low = offsets.to_original(start, "start") - self._slack
        high = offsets.to_original(end, "end") + self._slack
        return self._index.overlapping(low, max(high, low + 1))

    def _span(self, annotation: A) -> Span:
        if self._offsets.identity:
            span = (annotation.start, annotation.end, self._colour(annotation))
        else:
            span = (*self._offsets.range_to_view(annotation.start, annotation.end), self._colour(annotation))
        self._spans[id(annotation)] = span
        return span

    def spans(self, start: int, end: int) -> list[Span]:
        known, found = self._spans, []
        for annotation in self._candidates(start, end):
            span = known.get(id(annotation)) or self._span(annotation)
            if span[0] < end and span[1] > start and span[1] > span[0]:
                found.append(span)
        return found

    def between(self, start: int, end: int) -> list[Highlight]:
        found = []
        for annotation in self._candidates(start, end):
            first, last, colour = self._spans.get(id(annotation)) or self._span(annotation)
            if first < end and last > start and last > first:
                found.append(Highlight(first, last, colour, annotation.id))
        found.sort(key=_order)
        return found

    def all(self) -> list[Highlight]:
        return self.between(-1, 1 << 62)


def pieces(
    spans: Iterable[Span], start: int, end: int, cuts: Iterable[int] = ()
) -> list[tuple[int, int, Colours]]:
    """``[start, end)`` cut into runs ``(left, right, colours)`` where the same highlights are active.

    `spans` are the highlights overlapping the range, ``(start, end, colour)``; `cuts` are further places
    to cut at (a selection's edge, the cursor), kept if inside the range. One sweep over the highlights'
    edges: a line under hundreds of overlapping highlights costs what its edges cost, and each run's
    colours are a handful of (colour, count) pairs however many highlights overlap there.
    """
    points = {start, end}
    points.update(p for p in cuts if start < p < end)
    opening: dict[int, list[str]] = {}
    closing: dict[int, list[str]] = {}
    active: dict[str, int] = {}
    for first, last, colour in spans:
        if first <= start:
            active[colour] = active.get(colour, 0) + 1
        elif first < end:
            opening.setdefault(first, []).append(colour)
            points.add(first)
        if start < last < end:
            closing.setdefault(last, []).append(colour)
            points.add(last)
    runs = []
    colours: Colours = tuple(sorted(active.items()))
    for left, right in pairwise(sorted(points)):
        if left in opening or left in closing:
            for colour in closing.get(left, ()):
                active[colour] -= 1
                if not active[colour]:
                    del active[colour]
            for colour in opening.get(left, ()):
                active[colour] = active.get(colour, 0) + 1
            colours = tuple(sorted(active.items()))
        runs.append((left, right, colours))
    return runs


_UNSEEN = object()


class ColourMemo:
    """Highlight colours memoised per (own colour, first tag) until the codebook changes.

    ``lookup(color, tags)`` is the expensive look-up (the codebook's colour for the first tag); ``version()``
    is cheap and returns something that changes when the codebook does (e.g. the codebook's metadata,
    re-read only when its file changed: one ``stat()``). :meth:`refresh` compares it with the last one
    (identity, then equality: an equal codebook gives the same colours).
    """

    def __init__(self, lookup: Callable[[str, Sequence[str]], str], version: Callable[[], object]) -> None:
        self._lookup = lookup
        self._version_of = version
        self._version: object = _UNSEEN
        self._known: dict[tuple[str, str], str] = {}

    def refresh(self) -> bool:
        """Forget the colours if the codebook changed since the last call; True if it did."""
        version = self._version_of()
        if version is self._version or version == self._version:
            return False
        self._version = version
        self._known.clear()
        return True

    def __call__(self, color: str, tags: Sequence[str]) -> str:
        key = (color, tags[0] if tags else "")
        found = self._known.get(key)
        if found is None:
            found = self._known[key] = self._lookup(color, tags[:1])
        return found


class Annotated(Anchored, Protocol):
    """An annotation as the reading screen navigates them (``reader.store.Annotation`` is one)."""

    @property
    def status(self) -> str: ...
    @property
    def created(self) -> str: ...


N = TypeVar("N", bound=Annotated)


class AnnotationSet(Generic[N]):
    """One article's annotations, indexed for drawing and for finding one by position.

    ``all`` is every annotation (orphans too: the panel lists them), in document order; orphans are never
    drawn or jumped to. Build it off the UI thread for large articles (it sorts and indexes).
    """

    def __init__(self, annotations: Sequence[N] = ()) -> None:
        self.all: Sequence[N] = annotations
        statuses = list(map(attrgetter("status"), annotations))
        live = (
            list(annotations)
            if "orphan" not in statuses
            else [a for a in annotations if a.status != "orphan"]
        )
        starts = list(map(attrgetter("start"), live))
        if not all(map(le, starts, islice(starts, 1, None))):  # document order is what callers pass
            live.sort(key=attrgetter("start"))
            starts = list(map(attrgetter("start"), live))
        self._live, self._starts = live, starts
        self.index: IntervalIndex[N] = IntervalIndex.from_columns(
            live, starts, list(map(attrgetter("end"), live))
        )

    def __len__(self) -> int:
        return len(self.all)

    def at(self, pos: int) -> N | None:
        """The innermost annotation covering `pos` (the shortest; the older of equals), or None."""
        containing = self.index.containing(pos)
        return min(containing, key=lambda a: (a.end - a.start, a.created)) if containing else None

    def after(self, pos: int) -> N | None:
        """The first annotation starting after `pos`."""
        index = bisect_right(self._starts, pos)
        return self._live[index] if index < len(self._live) else None

    def before(self, pos: int) -> N | None:
        """The last annotation starting before `pos` (the first in document order of those at that start)."""
        index = bisect_left(self._starts, pos) - 1
        if index < 0:
            return None
        return self._live[bisect_left(self._starts, self._starts[index])]
