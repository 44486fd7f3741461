"""Script views of an article (OpenCC) and the offset maps between each view and the original.

Every stored offset is a code point into the normalised original text; a view is derived from it, and an
:class:`OffsetMap` translates positions both ways.

How the map is built (GUIDE.md §1, re-measured with OpenCC 1.4.2):

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

import importlib
import itertools
import re
import threading
import unicodedata
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, Protocol

from reader.errors import EnvironmentProblem, UsageError

__all__ = [
    "VIEWS",
    "VIEW_CONFIGS",
    "VIEW_LABELS",
    "Converter",
    "OffsetMap",
    "ViewText",
    "check_opencc",
]

VIEWS = ("original", "simplified", "traditional", "taiwan", "hongkong")
VIEW_CONFIGS = {"simplified": "t2s", "traditional": "s2t", "taiwan": "s2twp", "hongkong": "s2hk"}
VIEW_LABELS = {
    "original": "原文",
    "simplified": "简体",
    "traditional": "繁體",
    "taiwan": "臺灣",
    "hongkong": "香港",
}

Side = Literal["start", "end"]
Segment = tuple[int, int, int, int]  # (orig_start, orig_end, view_start, view_end)

_FIX = "run `pip uninstall -y opencc-python-reimplemented opencc && pip install OpenCC`"


# --------------------------------------------------------------------------------------------- OpenCC check


def check_opencc() -> None:
    """Raise :class:`EnvironmentProblem` (one line) unless ``opencc`` is the official OpenCC binding.

    The official wheels (``pip install OpenCC``) contain ``opencc/clib/opencc_clib*.so``. The pure-Python
    opencc-python-reimplemented installs the same module name (``opencc/opencc.py`` and
    ``opencc/config/*.json``) and converts differently (恢複相關, 演演算法), so it must not be used.
    """
    try:
        module = importlib.import_module("opencc")
    except Exception as exc:  # ImportError, or a half-uninstalled package failing inside its __init__
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise EnvironmentProblem(f"the official OpenCC binding is not importable ({reason}): {_FIX}") from exc
    if _is_official(module):
        return
    where = _module_dir(module)
    if _is_reimplemented(module, where):
        raise EnvironmentProblem(
            "the installed `opencc` module is opencc-python-reimplemented, not the official OpenCC binding: "
            + _FIX
        )
    raise EnvironmentProblem(
        f"the installed `opencc` module ({where or 'unknown location'}) is not the official OpenCC binding "
        f"(no opencc.clib): {_FIX}"
    )


def _module_dir(module: Any) -> Path | None:
    file = getattr(module, "__file__", None)
    return Path(file).resolve().parent if file else None


def _is_official(module: Any) -> bool:
    """The module in use (not merely files on disk: installs overwrite each other) wraps the C++ library."""
    clib = getattr(module, "opencc_clib", None)  # set by the official __init__ (1.1.x to 1.4.x)
    base = getattr(clib, "_OpenCC", None)
    engine = getattr(module, "OpenCC", None)
    return isinstance(base, type) and isinstance(engine, type) and issubclass(engine, base)


def _is_reimplemented(module: Any, where: Path | None) -> bool:
    if getattr(module, "opencc", None) is not None:
        return True  # `from .opencc import OpenCC` in its __init__
    return where is not None and (where / "opencc.py").is_file()


# --------------------------------------------------------------------------------------------- offset map


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


@dataclass(frozen=True)
class ViewText:
    view: str
    text: str
    offsets: OffsetMap


class SupportsText(Protocol):
    """What :meth:`Converter.view` needs of an article: ``reader.articles.Article`` fits."""

    @property
    def text(self) -> str: ...

    @property
    def sha256(self) -> str: ...


# --------------------------------------------------------------------------------------------- alignment


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


# --------------------------------------------------------------------------------------------- converter


class Converter:
    """OpenCC conversions for the script views, with an LRU cache of built views.

    One ``opencc.OpenCC`` per config, created lazily under a lock, so views can be built from a worker
    thread. The cache holds at most ``cache_size`` views and about ``cache_chars`` characters of view text.
    """

    def __init__(self, cache_size: int = 16, cache_chars: int = 50_000_000) -> None:
        self._cache_size = cache_size
        self._cache_chars = cache_chars
        self._cache: OrderedDict[tuple[str, str], ViewText] = OrderedDict()
        self._cached_chars = 0
        self._lock = threading.Lock()
        self._instances: dict[str, Any] = {}
        self._tables: dict[str, _CharTable] = {}
        self._checked = False

    # -- plain conversion

    def convert(self, text: str, view: str) -> str:
        """``text`` in the script of ``view`` ("original" returns it unchanged)."""
        config = _config(view)
        if config is None:
            return text
        return self._converter(config)(text)

    def convert_config(self, text: str, config: str) -> str:
        """``text`` converted with any OpenCC config by name (e.g. "tw2sp", "hk2s"), no offset map.

        For conversions outside the five views, such as a Taiwan phrase's mainland form (軟體 -> 软件).
        UsageError for a config name OpenCC does not know.
        """
        if not re.fullmatch(r"[a-z0-9]+", config):
            raise UsageError(f"unknown OpenCC config {config!r}")
        try:
            return self._converter(config)(text)
        except (RuntimeError, ValueError, OSError) as exc:  # the binding's error for a missing config
            raise UsageError(f"unknown OpenCC config {config!r}") from exc

    def _converter(self, config: str) -> Callable[[str], str]:
        instance = self._instances.get(config)
        if instance is None:
            with self._lock:
                instance = self._instances.get(config)
                if instance is None:
                    if not self._checked:
                        check_opencc()
                        self._checked = True
                    import opencc

                    instance = opencc.OpenCC(config)
                    self._instances[config] = instance
        raw = instance.convert

        def convert(text: str) -> str:
            try:
                return raw(text)
            except UnicodeEncodeError:  # lone surrogates cannot cross into C++: keep them as they are
                parts = _SURROGATES.split(text)
                return "".join(p if i % 2 else raw(p) for i, p in enumerate(parts))

        return convert

    def _table(self, config: str, convert: Callable[[str], str]) -> _CharTable:
        table = self._tables.get(config)
        if table is None:
            with self._lock:
                table = self._tables.setdefault(config, _CharTable(convert))
        return table

    # -- views

    def view(self, article: SupportsText, view: str) -> ViewText:
        """The article in ``view``, with its offset map; cached per (article sha256, view)."""
        _config(view)
        key = (article.sha256, view)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        built = self.build_view(article.text, view)
        with self._lock:
            hit = self._cache.get(key)  # another thread may have built it meanwhile: keep one object
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
            self._cache[key] = built
            self._cached_chars += len(built.text)
            while len(self._cache) > 1 and (
                len(self._cache) > self._cache_size or self._cached_chars > self._cache_chars
            ):
                _, old = self._cache.popitem(last=False)
                self._cached_chars -= len(old.text)
        return built

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()
            self._cached_chars = 0

    def build_view(self, text: str, view: str) -> ViewText:
        """Convert ``text`` and build its offset map (uncached; ``view`` caches)."""
        config = _config(view)
        if config is None:
            return ViewText(view, text, OffsetMap.identity_map(len(text)))
        convert = self._converter(config)
        out, segments = _build(text, convert(text), convert, self._table(config, convert))
        return ViewText(view, out, OffsetMap(len(text), len(out), segments))


def check_view(view: str) -> str:
    """``view`` if it names a view; else a UsageError listing the views (the one place that says so)."""
    if view not in VIEWS:
        raise UsageError(f"unknown view {view!r}; choose one of: {', '.join(VIEWS)}")
    return view


def _config(view: str) -> str | None:
    if check_view(view) == "original":
        return None
    return VIEW_CONFIGS[view]


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
