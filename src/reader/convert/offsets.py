"""Offset maps between an original text and one of its views (both in code points).

Only the segments that do not map one-for-one are stored; between them the offset delta is constant.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from typing import Literal

__all__ = ["OffsetMap", "Segment", "Side"]

Side = Literal["start", "end"]
Segment = tuple[int, int, int, int]  # (orig_start, orig_end, view_start, view_end)


def _map(
    pos: int, side: str, starts: list[int], ends: list[int], t_starts: list[int], t_ends: list[int]
) -> int:
    k = bisect_right(starts, pos) - 1
    if k < 0:
        return pos
    if pos < ends[k]:
        if pos == starts[k] or side == "start":
            return t_starts[k]
        return t_ends[k]
    return pos - ends[k] + t_ends[k]


class OffsetMap:
    """Positions between an original text and one of its views (both in code points).

    Only the segments that do not map one-for-one are stored, as sorted parallel lists; between them the
    offset delta is constant. Every segment is non-empty on both sides. Positions are clamped to
    ``[0, length]``; a position strictly inside a segment snaps outward to the segment's start
    (``side="start"``) or end (``side="end"``), so ``range_to_view`` never shrinks a range.

    ``identity`` means every position maps to itself, *not* that the texts are equal: the traditional view
    of a Simplified text is an identity map with different characters (slice the view text, never reuse
    the original's).
    """

    __slots__ = ("_oe", "_os", "_ve", "_vs", "identity", "original_length", "view_length")

    def __init__(self, original_length: int, view_length: int, segments: Iterable[Segment] = ()) -> None:
        segs = list(segments)
        self._os = [s[0] for s in segs]
        self._oe = [s[1] for s in segs]
        self._vs = [s[2] for s in segs]
        self._ve = [s[3] for s in segs]
        self.original_length = original_length
        self.view_length = view_length
        self.identity: bool = not segs
        self._validate()

    @classmethod
    def identity_map(cls, length: int) -> OffsetMap:
        return cls(length, length)

    def _validate(self) -> None:
        prev_o = prev_v = 0
        for a, b, c, d in zip(self._os, self._oe, self._vs, self._ve, strict=True):
            if not (prev_o <= a < b and prev_v <= c < d) or a - prev_o != c - prev_v:
                raise ValueError(f"inconsistent offset segment {(a, b, c, d)}")
            prev_o, prev_v = b, d
        if self.original_length - prev_o != self.view_length - prev_v or prev_o > self.original_length:
            raise ValueError("offset segments do not match the text lengths")

    @property
    def segments(self) -> tuple[Segment, ...]:
        """The non-identity segments ``(orig_start, orig_end, view_start, view_end)``, in order."""
        return tuple(zip(self._os, self._oe, self._vs, self._ve, strict=True))

    def to_view(self, pos: int, side: Side = "start") -> int:
        """The view position for an original position."""
        pos = min(max(pos, 0), self.original_length)
        if self.identity:
            return pos
        if side not in ("start", "end"):
            raise ValueError(f"side must be 'start' or 'end', not {side!r}")
        return _map(pos, side, self._os, self._oe, self._vs, self._ve)

    def to_original(self, pos: int, side: Side = "start") -> int:
        """The original position for a view position."""
        pos = min(max(pos, 0), self.view_length)
        if self.identity:
            return pos
        if side not in ("start", "end"):
            raise ValueError(f"side must be 'start' or 'end', not {side!r}")
        return _map(pos, side, self._vs, self._ve, self._os, self._oe)

    def range_to_view(self, start: int, end: int) -> tuple[int, int]:
        return self.to_view(start, "start"), self.to_view(end, "end")

    def range_to_original(self, start: int, end: int) -> tuple[int, int]:
        return self.to_original(start, "start"), self.to_original(end, "end")

    def __repr__(self) -> str:
        return (
            f"OffsetMap(original_length={self.original_length}, view_length={self.view_length}, "
            f"segments={len(self._os)})"
        )
