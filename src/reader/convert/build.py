"""Building one view: chunks of whole paragraphs, runs gathered into lanes, the offset map, the details.

A view is built chunk by chunk (whole paragraphs, about ``CHUNK_CHARS`` characters each), so memory stays
a small multiple of the text and a progress callback can be told after each chunk. Within a chunk the
runs (``reader.convert.runs``) are gathered into two *lanes*, the Simplified runs and the Traditional ones,
each converted by one OpenCC call (runs joined by newlines, which OpenCC never matches across) and aligned
with ``reader.convert.align``; the lanes' outputs are then put back in text order. What the view
substituted (phrases, uncertain characters, repairs, overrides) is worked out on first use.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reader.convert.align import _build, _cuts, _separators, build_localised
from reader.convert.engine import Pairs
from reader.convert.offsets import OffsetMap, Segment
from reader.convert.recipes import Recipe
from reader.convert.runs import Analysis, Run, analyse_chunk
from reader.convert.tables import one_to_many
from reader.convert.viewtext import Substitution, ViewText, _Details

if TYPE_CHECKING:
    from reader.convert.views import Converter

__all__ = ["CHUNK_CHARS", "PHRASE_DICTIONARY", "Build", "Progress", "literal_pattern"]

CHUNK_CHARS = 1 << 20
_CUT_LIMIT = 256  # a clause longer than this is marked as one phrase (cutting is quadratic)
_MARK_BASE = 0x100000  # Supplementary Private Use Area-B: the markers of uncertain characters

Progress = Callable[[int, int], None]
#: the configs with a phrase layer, and the dictionary whose entries may change a length
PHRASE_DICTIONARY = {
    "s2twp": "TWPhrases",
    "s2hkp": "HKPhrases",
    "tw2sp": "TWPhrasesRev",
    "hk2sp": "HKPhrasesRev",
}


@dataclass
class _Lane:
    """One recipe's runs of a chunk, joined by newlines."""

    runs: list[Run]
    recipe: Recipe
    convert: Callable[[str], str] | None
    source: str  # the runs' text (Traditional runs with their repairs made), joined by "\n"
    starts: list[int]  # where each run starts in ``source``


class Build:
    """One view of one text: chunks, lanes, offsets; keeps what the details need."""

    def __init__(
        self,
        converter: Converter,
        text: str,
        view: str,
        source: str,
        phrases: bool | None,
        script: str,
        article: str,
    ) -> None:
        self.c = converter
        self.text = text
        self.view = view
        self.source = source
        self.script = script
        self.article = article
        self.overrides = converter.overrides.for_view(view, article)
        if source == "auto":
            self.default = "S" if script in ("simplified", "none", "") else "T"
            t_script = "regional"
        else:
            self.default = "S" if source == "simplified" else "T"
            t_script = source
        self.recipes = {
            "S": converter._recipe("simplified", view, phrases),
            "T": converter._recipe(t_script, view, phrases),
        }
        self.chunk_plans: list[tuple[int, Analysis]] = []

    def run(self, progress: Progress | None, chunk_chars: int | None = None) -> ViewText:
        outs: list[str] = []
        segments: list[Segment] = []
        out_pos = 0
        total = len(self.text)
        for start, chunk in _chunks(self.text, chunk_chars):
            analysis = self._analyse(chunk)
            self.chunk_plans.append((start, analysis))
            out, segs = self._convert_chunk(chunk, analysis)
            segments.extend((a + start, b + start, c + out_pos, d + out_pos) for a, b, c, d in segs)
            outs.append(out)
            out_pos += len(out)
            if progress is not None:
                progress(start + len(chunk), total)
        text = outs[0] if len(outs) == 1 else "".join(outs)
        offsets = OffsetMap(len(self.text), len(text), segments)
        used = {run.kind for _, analysis in self.chunk_plans for run in analysis.runs}
        phrases_on = any(self.recipes[kind].localises for kind in used)
        result = ViewText(self.view, text, offsets, self.source, self.script, phrases_on, None)
        details = _Details(lambda: _details(self, result))
        object.__setattr__(result, "_details", details)
        return result

    def _analyse(self, chunk: str) -> Analysis:
        if self.source != "auto" or self.recipes["S"] == self.recipes["T"]:
            # one script, or one recipe for both (简体 without phrases is t2s either way, and t2s would
            # undo a leftover's repair): nothing to decide
            return Analysis([Run(0, len(chunk), self.default)], {})
        engine = self.c.engine
        t2s = engine.converter(("t2s",))
        s2t = engine.converter(("s2t",))
        assert t2s is not None and s2t is not None
        sources = [o.source for o in self.overrides]

        def protected(text: str) -> Iterator[tuple[int, int]]:
            for word in sources:
                start = text.find(word)
                while start >= 0:
                    yield start, start + len(word)
                    start = text.find(word, start + 1)

        variants = self.c._variant_pairs() if self.default == "T" else frozenset()
        simplified = self.c._simplified_chars()
        return analyse_chunk(chunk, self.default, t2s, s2t, simplified, variants, protected)

    def lanes(self, chunk: str, analysis: Analysis) -> dict[str, _Lane]:
        lanes: dict[str, _Lane] = {}
        for kind in ("S", "T"):
            runs = [run for run in analysis.runs if run.kind == kind]
            if not runs:
                continue
            pieces, starts, pos = [], [], 0
            for run in runs:
                piece = chunk[run.start : run.end]
                if kind == "T" and analysis.repairs:
                    piece = "".join(analysis.repairs.get(i, chunk[i]) for i in range(run.start, run.end))
                pieces.append(piece)
                starts.append(pos)
                pos += len(piece) + 1
            chain = self.recipes[kind].chain
            lanes[kind] = _Lane(
                runs,
                self.recipes[kind],
                self.c._lane_converter(chain, self.view, self.article),
                "\n".join(pieces),
                starts,
            )
        return lanes

    def _convert_chunk(self, chunk: str, analysis: Analysis) -> tuple[str, list[Segment]]:
        lanes = self.lanes(chunk, analysis)
        run_outputs: dict[int, str] = {}
        segments: list[Segment] = []
        placed: dict[int, int] = {}  # run start in chunk -> its output start
        lane_segments: list[tuple[_Lane, list[Segment], list[int]]] = []
        for lane in lanes.values():
            if lane.convert is None:
                outs = [
                    lane.source[s : s + (r.end - r.start)]
                    for s, r in zip(lane.starts, lane.runs, strict=True)
                ]
                out_starts = lane.starts
                lane_segments.append((lane, [], out_starts))
            else:
                out, segs = self._align(lane)
                outs, out_starts = _split_runs(out, lane)
                lane_segments.append((lane, segs, out_starts))
            for run, piece in zip(lane.runs, outs, strict=True):
                run_outputs[run.start] = piece
        pieces = []
        pos = 0
        for run in analysis.runs:
            placed[run.start] = pos
            piece = run_outputs[run.start]
            pieces.append(piece)
            pos += len(piece)
        for lane, segs, out_starts in lane_segments:
            for a, b, c, d in segs:
                k = bisect_right(lane.starts, a) - 1
                run = lane.runs[k]
                shift_src = run.start - lane.starts[k]
                shift_out = placed[run.start] - out_starts[k]
                segments.append((a + shift_src, b + shift_src, c + shift_out, d + shift_out))
        segments.sort()
        return "".join(pieces), segments

    def _align(self, lane: _Lane) -> tuple[str, list[Segment]]:
        """The lane's conversion and its segments, by the cheapest exact way (see ``align``)."""
        assert lane.convert is not None
        converted = lane.convert(lane.source)
        key = (lane.recipe.chain, self.view, self.article)
        table = self.c._table(key, lane.convert)
        if any(len(o.source) != len(o.target) for o in self.overrides):
            return _build(lane.source, converted, lane.convert, table)
        if not any(config in PHRASE_DICTIONARY for config in lane.recipe.chain):
            # no dictionary in the chain changes a length (tests/test_convert.py checks the tables)
            if len(converted) == len(lane.source):
                return converted, []
            return _build(lane.source, converted, lane.convert, table)  # pragma: no cover
        return build_localised(
            lane.source, converted, lane.convert, table, self.c._length_changing(lane.recipe.chain)
        )


def literal_pattern(words: set[str]) -> re.Pattern[str]:
    """Any of ``words``, grouped by first character: each position tries only the words it can start."""
    by_first: dict[str, list[str]] = {}
    for word in words:
        by_first.setdefault(word[0], []).append(word[1:])
    branches = []
    for first, rests in sorted(by_first.items()):
        tails = "|".join(re.escape(r) for r in sorted(rests, key=len, reverse=True))
        branches.append(f"{re.escape(first)}(?:{tails})")
    return re.compile("|".join(branches))


def _split_runs(out: str, lane: _Lane) -> tuple[list[str], list[int]]:
    """The lane's output cut back into its runs (each run has as many newlines as it had)."""
    lines = out.split("\n")
    outs: list[str] = []
    starts: list[int] = []
    index = pos = 0
    for k, run in enumerate(lane.runs):
        start = lane.starts[k]
        count = lane.source.count("\n", start, start + (run.end - run.start)) + 1
        piece = "\n".join(lines[index : index + count])
        index += count
        outs.append(piece)
        starts.append(pos)
        pos += len(piece) + 1
    if index != len(lines):  # pragma: no cover - OpenCC keeps newlines (and _build re-converts if not)
        raise RuntimeError("OpenCC changed the number of lines of a lane")
    return outs, starts


def _chunks(text: str, size: int | None = None) -> Iterator[tuple[int, str]]:
    """(start, piece) of whole paragraphs, about ``size`` characters each (a huge paragraph alone)."""
    size = size or CHUNK_CHARS
    start, n = 0, len(text)
    while start < n:
        end = start + size
        if end >= n:
            end = n
        else:
            cut = text.rfind("\n", start, end)
            if cut < 0:
                cut = text.find("\n", end)
            end = n if cut < 0 else cut + 1
        yield start, text[start:end]
        start = end
    if n == 0:
        yield 0, ""


# --------------------------------------------------------------------------------------------- details


def _details(build: Build, result: ViewText) -> dict[str, tuple[Substitution, ...]]:
    found: dict[str, list[Substitution]] = {"phrase": [], "uncertain": [], "repair": [], "override": []}
    offsets = result.offsets
    text = build.text

    def add(kind: str, start: int, end: int, choices: Sequence[str] = ()) -> None:
        vs, ve = offsets.range_to_view(start, end)
        found[kind].append(
            Substitution(kind, start, end, vs, ve, text[start:end], result.text[vs:ve], tuple(choices))
        )

    for chunk_start, analysis in build.chunk_plans:
        chunk = text[chunk_start : chunk_start + (analysis.runs[-1].end if analysis.runs else 0)]
        lanes = build.lanes(chunk, analysis)
        for kind, lane in lanes.items():
            if lane.recipe.localises:
                for a, b in _phrase_ranges(build, lane):
                    add("phrase", *_to_chunk(lane, a, b, chunk_start))
            if kind == "S" and lane.recipe.chain and lane.recipe.chain[0].startswith("s2"):
                for pos, choices in _uncertain(build, lane):
                    start, _ = _to_chunk(lane, pos, pos + 1, chunk_start)
                    add("uncertain", start, start + 1, choices)
        for pos, _fixed in sorted(analysis.repairs.items()):
            add("repair", chunk_start + pos, chunk_start + pos + 1, (text[chunk_start + pos],))
    for override in build.overrides:
        start = text.find(override.source)
        while start >= 0:
            add("override", start, start + len(override.source))
            start = text.find(override.source, start + len(override.source))
    return {kind: tuple(sorted(items, key=lambda s: s.start)) for kind, items in found.items()}


def _to_chunk(lane: _Lane, a: int, b: int, chunk_start: int) -> tuple[int, int]:
    k = bisect_right(lane.starts, a) - 1
    shift = lane.runs[k].start - lane.starts[k] + chunk_start
    return a + shift, b + shift


def _phrase_ranges(build: Build, lane: _Lane) -> list[tuple[int, int]]:
    """Ranges of the lane's source where the phrase layer wrote another word than the plain recipe."""
    convert = lane.convert
    plain = build.c._lane_converter(lane.recipe.plain, build.view, build.article)
    if convert is None or plain is None:
        return []
    ranges: list[tuple[int, int]] = []
    split = _separators().split
    pos = 0
    for index, piece in enumerate(split(lane.source)):
        if index % 2 == 0 and piece:  # even pieces are runs of text, odd ones separators
            with_phrases = convert(piece)
            if with_phrases != plain(piece):
                whole = [(0, 0), (len(piece), len(with_phrases))]
                cuts = _cuts(piece, with_phrases, convert) if len(piece) <= _CUT_LIMIT else whole
                for (a, c), (b, d) in itertools.pairwise(cuts):
                    if with_phrases[c:d] != plain(piece[a:b]):
                        ranges.append((pos + a, pos + b))
        pos += len(piece)
    return ranges


def _uncertain(build: Build, lane: _Lane) -> list[tuple[int, tuple[str, ...]]]:
    """Lane positions of characters OpenCC converted by its one-to-many default, with their choices."""
    table = one_to_many()
    chars = sorted(table)
    markers: Pairs = tuple((ch, chr(_MARK_BASE + i)) for i, ch in enumerate(chars))
    overrides: Pairs = tuple((o.source, o.target) for o in build.overrides)
    marked_convert = build.c.engine.converter(("s2t",), overrides, markers)
    assert marked_convert is not None
    found: list[tuple[int, tuple[str, ...]]] = []
    pos = 0
    for line in lane.source.split("\n"):
        marked = marked_convert(line)
        if len(marked) == len(line):
            for i, ch in enumerate(marked):
                if ord(ch) >= _MARK_BASE and ch != line[i]:
                    found.append((pos + i, table[chars[ord(ch) - _MARK_BASE]]))
        pos += len(line) + 1
    return found
