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
    is_simplified_char: Callable[[str], bool],
    variants: frozenset[tuple[str, str]],
    protected: Callable[[str], Iterable[tuple[int, int]]],
) -> Analysis:
    """The runs of ``chunk`` (whole paragraphs, ``\\n``-separated) and the repairs in its T runs.

    ``default`` is "S" (a Simplified article) or "T" (Traditional or mixed). ``protected(paragraph)``
    gives the ranges user overrides cover: never repaired (the override decides there).
    """
    folded = t2s(chunk)
    if default == "S" and folded == chunk:
        return Analysis([Run(0, len(chunk), "S")], {})  # a Simplified chunk: the common case, one run
    paras = chunk.split("\n")
    folded_paras = folded.split("\n")
    if len(folded_paras) != len(paras):  # pragma: no cover - OpenCC keeps newlines
        folded_paras = [t2s(p) for p in paras]
    if default == "T":
        round_trip = s2t(folded).split("\n")
        if len(round_trip) != len(paras):  # pragma: no cover
            round_trip = [s2t(f) for f in folded_paras]
    else:
        round_trip = [""] * len(paras)
    runs: list[Run] = []
    repairs: dict[int, str] = {}
    pos = 0
    for para, fold, back in zip(paras, folded_paras, round_trip, strict=True):
        end = pos + len(para) + 1  # the newline belongs to the paragraph's last run
        if default == "S" and fold == para:
            _append(runs, Run(pos, end, "S"))
        elif default == "T" and back == para:
            _append(runs, Run(pos, end, "T"))
        else:
            if default == "S":
                back = s2t(fold)
            found = _clauses(para, fold, back, default, is_simplified_char, variants, protected(para))
            for start, stop, kind, fixes in found:
                _append(runs, Run(pos + start, pos + stop, kind))
                repairs.update((pos + i, ch) for i, ch in fixes)
            last = runs[-1]
            runs[-1] = Run(last.start, end, last.kind)
        pos = end
    if runs and runs[-1].end > len(chunk):  # no newline after the chunk's last paragraph
        last = runs[-1]
        runs[-1] = Run(last.start, len(chunk), last.kind)
    return Analysis(runs, repairs)


def _append(runs: list[Run], run: Run) -> None:
    if runs and runs[-1].kind == run.kind and runs[-1].end == run.start:
        runs[-1] = Run(runs[-1].start, run.end, run.kind)
    else:
        runs.append(run)


def _clauses(
    para: str,
    fold: str,
    back: str,
    default: str,
    is_simplified_char: Callable[[str], bool],
    variants: frozenset[tuple[str, str]],
    protected: Iterable[tuple[int, int]],
) -> list[tuple[int, int, str, list[tuple[int, str]]]]:
    """(start, end, kind, repairs) per clause of one paragraph; separators go with the clause before."""
    same = len(fold) == len(para)
    trip = same and len(back) == len(para)
    guarded = set()
    for a, b in protected:
        guarded.update(range(a, b))
    pieces = _separators().split(para)
    out: list[tuple[int, int, str, list[tuple[int, str]]]] = []
    pos = 0
    for k in range(0, len(pieces), 2):
        clause = pieces[k]
        sep = pieces[k + 1] if k + 1 < len(pieces) else ""
        start, stop = pos, pos + len(clause)
        traditional = any(fold[i] != para[i] for i in range(start, stop)) if same else True
        leftovers = []
        if trip:
            for i in range(start, stop):
                ch, fixed = para[i], back[i]
                if (
                    fixed != ch
                    and fold[i] == ch
                    and i not in guarded
                    and (ch, fixed) not in variants
                    and is_simplified_char(ch)
                ):
                    leftovers.append((i, fixed))
        if traditional:
            kind = "T"
        elif default == "S":
            kind = "S"
        else:
            kind = "S" if leftovers else "T"
        end = stop + len(sep)
        if out and out[-1][2] == kind:
            prev = out[-1]
            out[-1] = (prev[0], end, kind, prev[3] + (leftovers if kind == "T" else []))
        else:
            out.append((start, end, kind, leftovers if kind == "T" else []))
        pos = end
    if not out:
        out.append((0, len(para), "S" if default == "S" else "T", []))
    return out
