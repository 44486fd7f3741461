"""Runs: which stretches of an article are written in Simplified and which in Traditional.

With ``--from auto`` an article is converted run by run. A paragraph is split into clauses at separators
(OpenCC never matches a phrase across punctuation or whitespace, so this loses nothing) and each clause
is Traditional if it has a character that only Traditional text uses (t2s changes it), Simplified if the
article is Simplified, and otherwise Simplified only if it has *leftovers*.

A leftover is a character a Simplified conversion would change (于, 并, the 后 of 之后, the 涌 of 涌入)
where OpenCC's own writing of the same words differs: the clause is converted to Simplified and back
(t2s, then s2t, which decides by OpenCC's phrase tables) and a character counts if the round trip changes
it to something that is not merely its regional variant (台/臺, 群/羣, 才/纔 are variants: a Taiwanese
text writes them so on purpose). 干 in 過度干預 survives the round trip (干预 -> 干預), so it is no
leftover; 之后 comes back as 之後, so 后 is. Inside Traditional clauses the leftovers are repaired to the
round trip's character before the view's Traditional-input config runs; a Simplified clause goes through
the Simplified-input config (with its phrase layer).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from reader.convert.align import _separators

__all__ = ["Analysis", "Run", "analyse_chunk"]

Convert = Callable[[str], str]


@dataclass(frozen=True)
class Run:
    start: int  # chunk-relative
    end: int
    kind: str  # "S" (convert as Simplified) or "T" (as Traditional)


@dataclass
class Analysis:
    runs: list[Run]
    repairs: dict[int, str]  # chunk position -> repaired character, inside T runs


def analyse_chunk(
    chunk: str,
    default: str,
    t2s: Convert,
    s2t: Convert,
    simplified_chars: re.Pattern[str],
    variants: frozenset[tuple[str, str]],
    protected: Callable[[str], Iterable[tuple[int, int]]],
) -> Analysis:
    """The runs of ``chunk`` (whole paragraphs, ``\\n``-separated) and the repairs in its T runs.

    ``default`` is "S" (a Simplified article) or "T" (Traditional or mixed). ``simplified_chars`` matches
    the characters a Simplified conversion changes (s2t, one at a time): only they can be leftovers.
    ``protected(text)`` gives the ranges user overrides cover: never repaired (the override decides).

    In a Simplified article a clause is Traditional only with at least two Traditional-only characters
    (a lone 乾 or 覆 is normal in Simplified text, and t2s "changes" rare classical names); its Traditional
    runs get no repairs. The chunk is compared with its t2s conversion as whole strings (``_differences``
    bisects with slice comparisons), so only paragraphs with something to decide are looked at closely.
    In a Traditional article only the clauses with a ``simplified_chars`` character are converted (to
    Simplified and back) to look for leftovers.
    """
    if default == "T":
        return _traditional_chunk(chunk, t2s, s2t, simplified_chars, variants, protected)
    folded = t2s(chunk)
    if folded == chunk or len(folded) != len(chunk):
        return Analysis([Run(0, len(chunk), "S")], {})  # a Simplified chunk: the common case, one run
    diffs = _differences(chunk, folded)
    runs: list[Run] = []
    done = 0
    for para_start, para_end, mine in _by_paragraph(chunk, diffs):
        if para_start > done:
            _append(runs, Run(done, para_start, "S"))
        found = _simplified_paragraph(chunk[para_start:para_end], [i - para_start for i in mine])
        for start, stop, kind, _ in found:
            _append(runs, Run(para_start + start, para_start + stop, kind))
        done = para_end
    if done < len(chunk) or not runs:
        _append(runs, Run(done, len(chunk), "S"))
    return Analysis(runs, {})


def _traditional_chunk(
    chunk: str,
    t2s: Convert,
    s2t: Convert,
    simplified_chars: re.Pattern[str],
    variants: frozenset[tuple[str, str]],
    protected: Callable[[str], Iterable[tuple[int, int]]],
) -> Analysis:
    positions = {m.start() for m in simplified_chars.finditer(chunk)}
    if positions:
        for a, b in protected(chunk):
            positions.difference_update(range(a, b))
    clauses = [
        (para_start + start, para_start + stop, para_start + end)
        for para_start, para_end, mine in _by_paragraph(chunk, sorted(positions))
        for start, stop, end in _clause_spans(chunk[para_start:para_end])
        if any(para_start + start <= i < para_start + stop for i in mine)
    ]
    texts = [chunk[start:stop] for start, stop, _ in clauses]
    folded = t2s("\n".join(texts)).split("\n")
    back = s2t("\n".join(folded)).split("\n")
    runs: list[Run] = []
    repairs: dict[int, str] = {}
    done = 0
    for (start, _stop, end), text, fold, trip in zip(clauses, texts, folded, back, strict=False):
        if not (len(fold) == len(trip) == len(text)):  # pragma: no cover - t2s, s2t keep lengths
            continue
        leftovers = {
            start + i: trip[i]
            for i in range(len(text))
            if start + i in positions
            and trip[i] != text[i]
            and fold[i] == text[i]
            and (text[i], trip[i]) not in variants
        }
        if not leftovers:
            continue
        _append(runs, Run(done, start, "T"))
        if fold == text:  # Simplified through and through: a Simplified clause
            _append(runs, Run(start, end, "S"))
        else:
            _append(runs, Run(start, end, "T"))
            repairs.update(leftovers)
        done = end
    _append(runs, Run(done, len(chunk), "T"))
    return Analysis(runs, repairs)


Found = list[tuple[int, int, str, list[tuple[int, str]]]]  # (start, end, kind, repairs) per clause


def _by_paragraph(chunk: str, positions: list[int]) -> Iterable[tuple[int, int, list[int]]]:
    """(start, end, positions in it) of each paragraph with one of the sorted ``positions``."""
    k = 0
    while k < len(positions):
        i = positions[k]
        start = chunk.rfind("\n", 0, i) + 1
        newline = chunk.find("\n", i)
        end = len(chunk) if newline < 0 else newline + 1
        mine = []
        while k < len(positions) and positions[k] < end:
            mine.append(positions[k])
            k += 1
        yield start, end, mine


def _differences(a: str, b: str) -> list[int]:
    """Positions where equal-length ``a`` and ``b`` differ: bisects with slice comparisons (memcmp)."""
    found: list[int] = []
    stack = [(0, len(a))]
    while stack:
        lo, hi = stack.pop()
        if a[lo:hi] == b[lo:hi]:
            continue
        if hi - lo > 64:
            mid = (lo + hi) // 2
            stack.append((mid, hi))
            stack.append((lo, mid))
            continue
        found.extend(i for i in range(lo, hi) if a[i] != b[i])
    return found


def _simplified_paragraph(para: str, diffs: list[int]) -> Found:
    if len(diffs) < 2:
        return [(0, len(para), "S", [])]
    found: Found = []
    for start, stop, end in _clause_spans(para):
        count = bisect_left(diffs, stop) - bisect_left(diffs, start)  # (diffs are sorted)
        _merge(found, start, end, "T" if count >= 2 else "S", [])
    return found


def _clause_spans(para: str) -> Iterable[tuple[int, int, int]]:
    """(start, end of the clause, end with the separators after it) for each clause of a paragraph."""
    pieces = _separators().split(para)
    pos = 0
    for k in range(0, len(pieces), 2):
        stop = pos + len(pieces[k])
        end = stop + (len(pieces[k + 1]) if k + 1 < len(pieces) else 0)
        yield pos, stop, end
        pos = end


def _merge(found: Found, start: int, end: int, kind: str, fixes: list[tuple[int, str]]) -> None:
    if found and found[-1][2] == kind:
        found[-1] = (found[-1][0], end, kind, found[-1][3] + fixes)
    else:
        found.append((start, end, kind, fixes))


def _append(runs: list[Run], run: Run) -> None:
    if run.start == run.end:
        return
    if runs and runs[-1].kind == run.kind and runs[-1].end == run.start:
        runs[-1] = Run(runs[-1].start, run.end, run.kind)
    else:
        runs.append(run)
