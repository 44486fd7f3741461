"""Aligning an original text with its conversion: the non-identity segments of the offset map.

How (GUIDE.md §1, re-measured with OpenCC 1.4.2):

* t2s, s2t and s2hk did not change the length of any text we tried; s2twp replaces vocabulary (U盘 ->
  隨身碟, 方便面 -> 泡麵), so about 1% of modern text changes length there, in both directions. A single
  character always converts to a single character, and OpenCC never matches a phrase across punctuation or
  whitespace. Nothing below relies on the first point; everything is checked on the text at hand.
* So: convert the whole text once (that is the view), then look at each paragraph. One whose conversion
  has its length and differs from it only at a few isolated characters maps one-for-one (a hidden length
  change would shift a whole stretch). Otherwise compare it with its *baseline*, the character-by-character
  conversion (``str.translate`` with a per-character cache); if they differ, split the paragraph and its
  conversion at separators (punctuation, symbols, whitespace) into runs that pair up; a run equal to its
  baseline, or differing from it only at isolated characters, maps one-for-one. Only the remaining runs
  (0.1% of zuozhuan's runs, ~10% in modern tech news) are cut exactly: a position is a cut where
  ``convert(run[:i]) + convert(run[i:]) == convert(run)`` (the boundaries of the words OpenCC matched), and
  each piece between cuts that does not map character by character is an atomic segment (隨身碟泡麵, an
  equal-length +1/-1 pair, gives two segments).
* The map stores only those segments; between them the offset delta is constant. A position strictly
  inside a segment snaps outward (``side="start"`` to its start, ``side="end"`` to its end).
"""

from __future__ import annotations

import itertools
import operator
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Sequence
from functools import cache

from reader.convert.offsets import Segment


@cache
def _separators() -> re.Pattern[str]:
    """Runs of separators: punctuation, symbols, separators, controls, format chars, surrogates, whitespace.

    BMP only: astral ranges make every character test slow (x5 on 624k chars); leaving a separator out only
    makes runs longer, which is always safe.
    """
    ranges: list[list[int]] = []
    for code in range(0x10000):
        ch = chr(code)
        cat = unicodedata.category(ch)
        if cat[0] in "PZS" or cat in ("Cc", "Cf", "Cs") or ch.isspace():
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    body = "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges
    )
    return re.compile(f"([{body}]+)")


_SURROGATES = re.compile("([\ud800-\udfff]+)")


class _CharTable(dict[int, str]):
    """``str.translate`` table: each character's conversion on its own, filled on first use."""

    def __init__(self, convert: Callable[[str], str]) -> None:
        super().__init__()
        self._convert = convert

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        try:
            out = self._convert(ch)
        except UnicodeEncodeError:
            out = ch
        if len(out) != 1:  # never seen; keep the baseline one-for-one with the original
            out = ch
        self[code] = out
        return out


def _isolated_changes(a: str, b: str) -> bool:
    """True if equal-length ``a`` and ``b`` differ only at single characters with equal neighbours.

    Such a run cannot hide a length change (that would shift a whole stretch), so it maps one-for-one.
    """
    last = -2
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if x != y:
            if i == last + 1:
                return False
            last = i
    return True


def _few_isolated_changes(a: str, b: str) -> bool:
    """:func:`_isolated_changes` for long strings that differ in few places (t2s on Simplified text).

    Bisects with slice comparisons (memcmp speed) and gives up after ``len(a) // 64 + 4`` differences, when
    translating to the baseline is the cheaper test.
    """
    budget = len(a) // 64 + 4
    last = -2
    stack = [(0, len(a))]
    while stack:
        lo, hi = stack.pop()
        if a[lo:hi] == b[lo:hi]:
            continue
        if hi - lo > 32:
            mid = (lo + hi) // 2
            stack.append((mid, hi))
            stack.append((lo, mid))
            continue
        for i in range(lo, hi):
            if a[i] != b[i]:
                if i == last + 1:
                    return False
                last = i
                budget -= 1
                if budget < 0:
                    return False
    return True


_WALK_LIMIT = 256  # a run up to this long is cut exactly, position by position (O(n**2) characters)
_WINDOW = 64  # context each side when looking for a place to split a longer run


def _align_run(run: str, out: str, base: str, convert: Callable[[str], str]) -> list[Segment]:
    """The non-identity segments of ``run`` -> ``out``.

    ``out == convert(run)``; ``base`` is ``run`` converted character by character (same length as ``run``).
    A run longer than ``_WALK_LIMIT`` (unpunctuated text) is first split into chunks where OpenCC's
    conversion splits locally; if the chunks' conversions do not add up to ``out``, the run becomes one
    coarse segment (correct, never observed).
    """
    if len(run) <= _WALK_LIMIT:
        return _pieces(_cuts(run, out, convert), out, base)
    chunks = _chunks(run, convert)
    if "".join(conv for _, _, conv in chunks) != out:
        return [(0, len(run), 0, len(out))]
    segments: list[Segment] = []
    offset = 0
    for start, end, conv in chunks:
        chunk_base = base[start:end]
        if conv != chunk_base and not (len(conv) == end - start and _isolated_changes(conv, chunk_base)):
            cuts = _cuts(run[start:end], conv, convert)
            segments.extend(
                (a + start, b + start, c + offset, d + offset)
                for a, b, c, d in _pieces(cuts, conv, chunk_base)
            )
        offset += len(conv)
    return segments


def _chunks(run: str, convert: Callable[[str], str]) -> list[tuple[int, int, str]]:
    """``(start, end, convert(run[start:end]))`` pieces of at most ``_WALK_LIMIT`` characters."""
    chunks = []
    start, n = 0, len(run)
    while n - start > _WALK_LIMIT:
        end = start + _WALK_LIMIT
        for split in range(start + _WALK_LIMIT // 2, start + _WALK_LIMIT):
            left, right = run[max(start, split - _WINDOW) : split], run[split : split + _WINDOW]
            if convert(left) + convert(right) == convert(left + right):
                end = split
                break
        chunks.append((start, end, convert(run[start:end])))
        start = end
    chunks.append((start, n, convert(run[start:])))
    return chunks


def _pieces(cuts: list[tuple[int, int]], out: str, base: str) -> list[Segment]:
    """The pieces between consecutive cuts that do not map character by character."""
    segments: list[Segment] = []
    for (a, c), (b, d) in itertools.pairwise(cuts):
        if b - a == d - c and (b - a == 1 or out[c:d] == base[a:b]):
            continue  # maps character by character: the constant delta is exact inside it
        segments.append((a, b, c, d))
    return segments


def _cuts(run: str, out: str, convert: Callable[[str], str]) -> list[tuple[int, int]]:
    """The positions ``(i, j)`` where a quote may start or end: ``run[:i]`` corresponds to ``out[:j]``.

    Mostly the boundaries of the words OpenCC matched, where ``convert(run[:i]) + convert(run[i:]) == out``.
    Rarely a position is only half a boundary yet starts or ends a quote that converts exactly as in the
    whole (三文鱼|松松发布: ``convert(run[:i])`` is a prefix of out and some ``convert(run[i:b])`` continues
    it); those are cuts too. The pieces between cuts are atomic.
    """
    n, m = len(run), len(out)
    heads = [convert(run[:i]) for i in range(n)] + [out]
    tails = [out] + [convert(run[i:]) for i in range(1, n + 1)]
    cuts = [(0, 0)]
    for i in range(1, n):
        starts = out.startswith(heads[i])
        ends = out.endswith(tails[i])
        j = len(heads[i]) if starts else m - len(tails[i])
        if starts and ends:
            if j != m - len(tails[i]):
                continue  # two different answers: no cut
        elif starts:  # a quote may start here if some run[i:b] continues the conversion
            rest = out[j:]
            if not any(convert(run[i:b]) + tails[b] == rest for b in range(i + 1, n)):
                continue
        elif ends:  # a quote may end here if some run[a:i] continues a head
            first = out[:j]
            if not any(heads[a] + convert(run[a:i]) == first for a in range(1, i)):
                continue
        else:
            continue
        if cuts[-1][1] < j < m:
            cuts.append((i, j))
    cuts.append((n, m))
    return cuts


def _build(
    text: str, out: str, convert: Callable[[str], str], table: _CharTable
) -> tuple[str, list[Segment]]:
    """The view text and its non-identity segments (see the module docstring)."""
    if out == text:
        return out, []
    paras = text.split("\n")
    outs = out.split("\n")
    rebuilt = False
    if len(outs) != len(paras):
        # never observed: OpenCC made or removed a newline. Go paragraph by paragraph.
        outs = [convert(p) for p in paras]
        rebuilt = True
    split = _separators().split
    segments: list[Segment] = []
    pos_t = pos_o = 0
    for index, (para, conv) in enumerate(zip(paras, outs, strict=True)):
        if conv != para and not (len(conv) == len(para) and _few_isolated_changes(para, conv)):
            base = para.translate(table)
            if conv != base:
                pieces_t = split(para)
                pieces_o = split(conv)
                found = None
                if len(pieces_t) == len(pieces_o) and pieces_t[1::2] == pieces_o[1::2]:
                    found = _runs(pieces_t, pieces_o, base, convert)
                if found is None:  # separators did not pair up: align the paragraph as one run
                    fixed = convert(para)
                    if fixed != conv:
                        outs[index], conv, rebuilt = fixed, fixed, True
                    found = _align_run(para, conv, base, convert)
                segments.extend((a + pos_t, b + pos_t, c + pos_o, d + pos_o) for a, b, c, d in found)
        pos_t += len(para) + 1
        pos_o += len(conv) + 1
    return ("\n".join(outs) if rebuilt else out), segments


def _runs(
    pieces_t: Sequence[str], pieces_o: Sequence[str], base: str, convert: Callable[[str], str]
) -> list[Segment] | None:
    """Segments of one paragraph whose runs paired up; None if a run's conversion is not its own."""
    found: list[Segment] = []
    it = io = 0
    for k in range(0, len(pieces_t), 2):
        run, conv = pieces_t[k], pieces_o[k]
        n = len(run)
        if run != conv:
            rbase = base[it : it + n]
            if conv != rbase and not (len(conv) == n and _isolated_changes(conv, rbase)):
                if convert(run) != conv:
                    return None
                aligned = _align_run(run, conv, rbase, convert)
                found.extend((a + it, b + it, c + io, d + io) for a, b, c, d in aligned)
        it += n
        io += len(conv)
        if k + 1 < len(pieces_t):
            sep = len(pieces_t[k + 1])
            it += sep
            io += sep
    return found


def build_localised(
    text: str,
    out: str,
    convert: Callable[[str], str],
    table: _CharTable,
    length_changing: re.Pattern[str] | None,
) -> tuple[str, list[Segment]]:
    """:func:`_build` for a conversion whose only length-changing dictionary is a phrase table.

    Only OpenCC's phrase dictionaries (TWPhrases, HKPhrases and their reverses) have entries whose value
    is longer or shorter than their key; every other dictionary keeps lengths. So a paragraph whose
    conversion has its length and holds none of those values (``length_changing``, searched once over the
    whole output) had no length change and maps one-for-one (數據 -> 資料 is the same length); only the
    others (0.8% of zuozhuan's paragraphs in 臺灣) are aligned. That is exact, and much cheaper than
    comparing every paragraph with a character-by-character baseline.
    """
    paras = text.split("\n")
    outs = out.split("\n")
    if len(outs) != len(paras):  # pragma: no cover - OpenCC keeps newlines
        return _build(text, out, convert, table)
    # C-level passes over the paragraphs (a generator per paragraph was ~10% of a 50 MB view)
    para_lengths, out_lengths = list(map(len, paras)), list(map(len, outs))
    para_starts = list(itertools.accumulate(map((1).__add__, para_lengths), initial=0))
    out_starts = list(itertools.accumulate(map((1).__add__, out_lengths), initial=0))
    flagged = set(itertools.compress(itertools.count(), map(operator.ne, para_lengths, out_lengths)))
    if length_changing is not None:
        flagged.update(bisect_right(out_starts, m.start()) - 1 for m in length_changing.finditer(out))
    segments: list[Segment] = []
    for k in sorted(flagged):
        para, conv = paras[k], outs[k]
        if para == conv:
            continue
        fixed, found = _build(para, conv, convert, table)
        if fixed != conv:  # pragma: no cover - never seen: align everything the general way
            return _build(text, out, convert, table)
        pos_t, pos_o = para_starts[k], out_starts[k]
        segments.extend((a + pos_t, b + pos_t, c + pos_o, d + pos_o) for a, b, c, d in found)
    return out, segments
