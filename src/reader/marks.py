"""Text marks: ranges of a view's text with a kind, drawn as underlines under the highlights (UI-free).

A script view does more than write the same characters in another script: it localises phrases
(菜单 → 選單), decides characters OpenCC converts one to many (后 → 後 or 后), repairs Simplified leftovers
in Traditional text and applies the user's overrides; an article may be damaged by a lossy encoding
conversion (``地區(qū)``). Each such place is a :class:`Mark` in **view** offsets, so the document view can
underline it and the status line can say what the source has there (:meth:`Mark.describe`).

The layer is general: a mark is a range, a ``kind`` and an optional ``style`` (a Rich style string the
document view parses; empty: the view's style for the kind). Other layers (a coder's underlines, say)
make their own :class:`MarkSet` and give it to the document view under their own layer name.

Building marks walks a view's substitutions once (computed on first use by ``reader.convert``): do it in
a worker for a large article; a :class:`MarkSet` answers per line in O(log n + k).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reader.highlights import IntervalIndex

if TYPE_CHECKING:
    from reader.convert import OffsetMap, ViewText
    from reader.damage import Damage

__all__ = [
    "CORRECTABLE",
    "KIND_NAMES",
    "Mark",
    "MarkSet",
    "damage_marks",
    "substitution_marks",
]

#: what each kind is called where the user reads it (the status line, the panel)
KIND_NAMES = {
    "phrase": "phrase",
    "uncertain": "uncertain",
    "repair": "repaired leftover",
    "override": "your correction",
    "damage": "damage",
    "repaired": "repaired damage",
}
#: kinds the user can correct with an override (a conversion the view chose)
CORRECTABLE = frozenset({"phrase", "uncertain", "repair", "override"})


@dataclass(frozen=True)
class Mark:
    """A marked range ``[start, end)`` of a view's text.

    ``source``: what the original has there; ``text``: what the view shows; ``choices``: the ways an
    uncertain character can be written; ``note``: more to say (damage: its kind and whether it can be
    repaired); ``start_original`` / ``end_original``: the range in the original (an override names it).
    """

    start: int
    end: int
    kind: str
    source: str = ""
    text: str = ""
    choices: tuple[str, ...] = ()
    note: str = ""
    style: str = ""
    start_original: int = -1
    end_original: int = -1

    def describe(self) -> str:
        """One line for the status line: ``選單 ← 菜单 · phrase``, ``後 ← 后 · uncertain: 後/后``."""
        name = KIND_NAMES.get(self.kind, self.kind)
        if self.kind == "damage":
            return f"{self.source} · {self.note or name}"
        if self.kind == "repaired":
            return f"{self.text} ← {self.source} · {self.note or name}"
        line = f"{self.text} ← {self.source} · {name}"
        if self.kind == "uncertain" and self.choices:
            line += ": " + "/".join(self.choices)
        return line


class MarkSet:
    """Marks of one layer in one view, found by range (drawing asks per line) or by position."""

    def __init__(self, marks: Iterable[Mark] = ()) -> None:
        self.marks: list[Mark] = sorted(
            (m for m in marks if m.end > m.start), key=lambda m: (m.start, m.end, m.kind)
        )
        self._starts = [m.start for m in self.marks]
        self._index = IntervalIndex.from_columns(self.marks, self._starts, [m.end for m in self.marks])
        self._counts: Counter[str] | None = None

    def __len__(self) -> int:
        return len(self.marks)

    def __bool__(self) -> bool:
        return bool(self.marks)

    def spans(self, start: int, end: int) -> list[Mark]:
        """The marks overlapping ``[start, end)``, in no particular order."""
        return self._index.overlapping(start, end)

    def at(self, pos: int) -> Mark | None:
        """The shortest mark covering ``pos`` (the first of equals), or None."""
        found = self._index.containing(pos)
        return min(found, key=lambda m: (m.end - m.start, m.start, m.kind)) if found else None

    def after(self, pos: int) -> Mark | None:
        """The first mark starting after ``pos``."""
        index = bisect_right(self._starts, pos)
        return self.marks[index] if index < len(self.marks) else None

    def before(self, pos: int) -> Mark | None:
        """The last mark starting before ``pos``."""
        index = bisect_left(self._starts, pos) - 1
        return self.marks[index] if index >= 0 else None

    def counts(self) -> Counter[str]:
        """How many marks of each kind (counted once: the status line asks at every cursor move)."""
        if self._counts is None:
            self._counts = Counter(m.kind for m in self.marks)
        return self._counts


def substitution_marks(view_text: ViewText) -> list[Mark]:
    """A mark for every substitution the view made: phrases, uncertain characters, repairs, overrides.

    Computes the view's substitutions if they were not yet (O(text)): call it from a worker.
    """
    return [
        Mark(
            s.view_start,
            s.view_end,
            s.kind,
            source=s.source,
            text=s.text,
            choices=s.choices if s.kind == "uncertain" else (),
            start_original=s.start,
            end_original=s.end,
        )
        for s in view_text.substitutions()
    ]


def damage_marks(
    damage: Sequence[Damage], original: str, offsets: OffsetMap, view_text: str, *, repaired: bool = False
) -> list[Mark]:
    """A mark for every damage spot of ``original``, in the offsets of a view of it (``view_text``).

    In the repaired view (``repaired``) a spot that was repaired is marked ``repaired`` (the status line
    says what it read before); one without a certain repair stays ``damage``.
    """
    from reader.damage import KIND_LABELS

    marks = []
    for spot in damage:
        start, end = offsets.range_to_view(spot.start, spot.end)
        label = KIND_LABELS.get(spot.kind, spot.kind)
        if repaired and spot.repair:
            note = f"{label}, repaired"
            marks.append(
                Mark(
                    start,
                    end,
                    "repaired",
                    source=original[spot.start : spot.end],
                    text=view_text[start:end],
                    note=note,
                    start_original=spot.start,
                    end_original=spot.end,
                )
            )
            continue
        fix = f" → {spot.repair}" if spot.repair else ", no certain repair"
        marks.append(
            Mark(
                start,
                end,
                "damage",
                source=view_text[start:end],
                note=f"{label}{fix}",
                start_original=spot.start,
                end_original=spot.end,
            )
        )
    return marks
