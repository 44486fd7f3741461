"""Where an article's tags are, by position: built from its annotations, queried once per match.

:func:`build_segments` turns annotations into a *segment map*: ``bounds`` (sorted positions where the tags
covering the text change) and, for each segment ``[bounds[k], bounds[k+1])``, the id of its tag tuple
(0: no tag; ids index a table shared by all articles). A segment's tuple is the tags of the annotations
covering it in document order (start, end, created), each tag once; neighbouring segments never have the
same tuple. The tags of a match ``[a, b)`` are those of the segments it overlaps, joined in order: exactly
the tags of the annotations overlapping it, in document order (an annotation that starts inside the match
starts after every one covering its first character). Zero-length annotations cover nothing.

A map is kept in one of two layouts, whichever :func:`encode` finds fitting:

* :class:`MaskLayout`, two bytes per character of the text: the id of the character's tag tuple. An
  article's matches cost one C-level lookup (``itemgetter``), so a word with 500,000 matches in 10,000
  articles pays ~20 ms for its tags. For articles whose ids fit 16 bits and whose mask is not much larger
  than the map itself;
* :class:`BoundsLayout`, the map as it is: a match costs a bisect (run by ``map``).

Every match crossing a segment bound (never one of a single character) is joined exactly, one by one.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from itertools import compress, pairwise, repeat
from operator import add, gt, itemgetter, ne, sub
from typing import Any, Final, NamedTuple

INT: Final = "i"
ITEM = array(INT).itemsize
KINDS: Final = "wb"  # what encode() makes: a mask ("w": wide, 16 bits), bounds
MASK_ITEM: Final = "H"  # a mask's tagset ids: 16 bits (an article with a larger id keeps its bounds)
MASK_BYTES = array(MASK_ITEM).itemsize
_MASK_LARGEST = (1 << (8 * MASK_BYTES)) - 1
_MASK_SLACK = 64  # a mask may have this many characters per segment (or 64 Ki) before the bounds are kept

Interval = tuple[int, int, Sequence[str]]  # start, end, tags
Join = Callable[[Iterable[int]], int]  # tagset ids in order -> the id of their tags joined


class Segments(NamedTuple):
    bounds: Sequence[int]  # segments + 1 positions
    tagsets: Sequence[int]  # segments tagset ids


def build_segments(
    intervals: Iterable[Interval], intern: Callable[[tuple[str, ...]], int], table: Sequence[tuple[str, ...]]
) -> Segments:
    """The segment map of ``intervals`` given in document order (start, end, created); ``intern`` gives
    the id of a tag tuple, ``table[id]`` the tuple.

    A sweep over the sorted start and end positions keeping the covering intervals in document order
    (appended as they start, so the list stays in order). Each interval's tags are interned once, and a
    set of covering intervals is joined once per distinct combination (most positions are covered by
    none or one); neighbouring segments with the same tags merge.
    """
    spans = [(s, e, intern(tuple(dict.fromkeys(tags)))) for s, e, tags in intervals if e > s and tags]
    if not spans:
        return Segments([], [])
    points = sorted({s for s, _, _ in spans} | {e for _, e, _ in spans})
    joined: dict[tuple[int, ...], int] = {}
    active: list[tuple[int, int, int]] = []
    bounds: list[int] = []
    ids: list[int] = []
    p, n = 0, len(spans)
    for x in points[:-1]:
        if active:
            active = [a for a in active if a[1] > x]
        while p < n and spans[p][0] == x:
            active.append(spans[p])
            p += 1
        if len(active) <= 1:
            tagset = active[0][2] if active else 0
        else:
            key = tuple(a[2] for a in active)
            tagset = joined.get(key, -1)
            if tagset < 0:
                tagset = joined[key] = intern(tuple(dict.fromkeys(t for i in key for t in table[i])))
        if not ids or ids[-1] != tagset:
            bounds.append(x)
            ids.append(tagset)
    bounds.append(points[-1])
    return Segments(bounds, ids)


class BoundsLayout:
    """The segment map as it is: a bisect per match."""

    def __init__(self, bounds: Sequence[int], ids: Sequence[int]) -> None:
        self.bounds, self.ids = bounds, ids

    @staticmethod
    def largest(tagsets: list[int]) -> int:
        """The largest of ``tagsets`` (from :meth:`tagsets_of`), or more than any if one is negative (a
        stored layout may be damaged: the caller checks what it is about to use)."""
        return max(tagsets) if min(tagsets) >= 0 else 1 << 62

    def tagsets_of(self, starts: list[int], ends: list[int], length: int, join: Join) -> list[int]:
        """Tagset id of each match ``[starts[k], ends[k])``; ``length``: of every match (0: they vary).

        ``bisect_right(bounds, a)`` is one more than the segment where a match starts (0 before the first,
        len(bounds) after the last); the match lies in that one segment unless a bound falls inside it.
        """
        bounds, ids, n = self.bounds, self.ids, len(starts)
        by_slot = [0, *ids, 0]
        first = list(map(bisect_right, repeat(bounds, n), starts))
        out = list(map(by_slot.__getitem__, first))
        if length == 1:
            return out
        last = list(map(bisect_left, repeat(bounds, n), ends))  # bounds before each match's end
        if last != first:
            for k in [k for k in range(n) if last[k] != first[k]]:
                out[k] = join(ids[max(first[k] - 1, 0) : min(last[k], len(ids))])
        return out


class MaskLayout:
    """A tagset id per character (16 bits), in ``masks`` (the whole mapped cache file as 16-bit items,
    nothing copied) from ``offset`` for ``size`` characters. A match's tags are one C-level lookup: the
    ~50 matches of an article cost ~1 µs in all."""

    def __init__(self, masks: Sequence[int], offset: int, size: int) -> None:
        self.masks, self.offset, self.size = masks, offset, size

    @staticmethod
    def largest(tagsets: list[int]) -> int:
        """As :meth:`BoundsLayout.largest` (a mask's ids are unsigned)."""
        return max(tagsets)

    def tagsets_of(self, starts: list[int], ends: list[int], length: int, join: Join) -> list[int]:
        """As :meth:`BoundsLayout.tagsets_of`: :func:`tagsets_in_masks` for this one article (IndexError
        for a match past its mask: a damaged entry, never read from the next one's)."""
        if starts and max(ends) > self.size:
            raise IndexError(max(ends))
        return tagsets_in_masks(self.masks, [(self.offset, starts, ends)], length, join)[0]


Layout = BoundsLayout | MaskLayout


def tagsets_in_masks(
    masks: Sequence[int], placed: list[tuple[int, list[int], list[int]]], length: int, join: Join
) -> list[list[int]]:
    """The tagset id of each match of many articles' masks at once: ``placed`` has each one's mask (its
    offset in ``masks``, the whole mapped file), starts and ends. A match lies in one segment if its
    characters all have the same id (neighbouring segments differ): for two characters, if the first and
    last do; only matches of three or more are looked at one by one. Every match's first and last
    characters are read in two C-level lookups for all: the hot path of a search with tags, where the
    ~8 matches of an article looked up on their own cost ~5 µs, mostly the steps around the lookup.
    IndexError if a mask is cut short (past the file's end)."""
    first: list[int] = []
    last: list[int] = []  # (each match's last character; unused for one-character matches)
    cuts = [0]
    for offset, starts, ends in placed:
        first += map(add, starts, repeat(offset))
        if length != 1:
            last += map(add, ends, repeat(offset - 1))
        cuts.append(len(first))
    out = _pick(masks, first)
    if length != 1:
        at_last = _pick(masks, last)
        crossing = set(compress(range(len(out)), map(ne, out, at_last))) if at_last != out else set()
        if length != 2:  # 3+ characters may leave a segment and come back
            for k in compress(range(len(out)), map(gt, map(sub, last, first), repeat(1))):
                if k not in crossing and len(set(masks[first[k] : last[k] + 1])) > 1:
                    crossing.add(k)
        for k in crossing:
            out[k] = join(dict.fromkeys(masks[first[k] : last[k] + 1]))
    return [out[a:b] for a, b in pairwise(cuts)]


def _pick(values: Any, indices: list[int]) -> list[Any]:
    """``values[i]`` for each of ``indices``, in one C call (``itemgetter``): a third of the time of a
    ``map`` for an article's ~50 matches."""
    if len(indices) > 1:
        return list(itemgetter(*indices)(values))
    return [values[i] for i in indices]


def encode(segments: Segments, text_length: int) -> tuple[str, list[int], bytes]:
    """(kind, meta, blob) to store a non-empty map of a text of ``text_length`` characters: ``"w"`` (a
    mask of the whole text) or ``"b"`` (bounds); see :func:`decode`."""
    bounds, ids = segments
    end = max(text_length, bounds[-1])
    if max(ids) <= _MASK_LARGEST and end <= max(1 << 16, _MASK_SLACK * len(ids)):
        mask = array(MASK_ITEM, bytes(end * MASK_BYTES))
        for k, tagset in enumerate(ids):
            mask[bounds[k] : bounds[k + 1]] = array(MASK_ITEM, [tagset]) * (bounds[k + 1] - bounds[k])
        padding = bytes(-end * MASK_BYTES % ITEM)  # the next blob starts aligned
        return "w", [end, 0], mask.tobytes() + padding
    return "b", [len(ids), 0], array(INT, [*bounds, *ids]).tobytes()


def blob_size(kind: str, meta: Sequence[int]) -> int:
    """Bytes of a stored layout (0: an empty map, where no annotation covers anything)."""
    if kind == "w":
        size = meta[0] * MASK_BYTES
        return size + -size % ITEM
    return (2 * meta[0] + 1) * ITEM if meta[0] else 0


def decode(kind: str, meta: Sequence[int], ints: memoryview, masks: memoryview, offset: int) -> Layout:
    """The layout stored at byte ``offset`` of a mapped file, as views of it (nothing copied: an article's
    layout is found in a microsecond, once per article with a match). ``ints`` and ``masks``: the file
    cast to :data:`INT` and to :data:`MASK_ITEM`."""
    if kind == "w":
        return MaskLayout(masks, offset // MASK_BYTES, meta[0])
    at, n = offset // ITEM, meta[0]
    return BoundsLayout(ints[at : at + n + 1], ints[at + n + 1 : at + 2 * n + 1])
