"""Word segmentation and word boundaries in any script view's coordinates (pure: no caches, no files).

Chinese has no spaces, and a segmenter's answer depends on the script: on seed 002 jieba cuts the
Traditional 恐曇花一現 as 恐曇花/一現 but its 简体 view as 恐/昙花一现. So we always segment the 简体 view
(jieba's dictionary is Simplified) and carry the boundaries back to the original through the view's offset
map (:func:`segment_article`); every other view gets them through its own map (:class:`ViewWords`). A word
is stored once, in original coordinates, like an annotation.

The segmenter is rjieba (jieba-rs, MIT; ~4–6 M chars/s on zuozhuan against pure-Python jieba's 0.3 M; see
``benchmarks/bench_words.py``). jieba's 2013 dictionary lacks modern words (大数据, 字节跳动, 短视频 come
out as two words), so CC-CEDICT's ~30k headwords that jieba does not know are added at a low frequency,
:data:`CEDICT_WORD_FREQ`, chosen on the seeds: at 5 they fixed 字节跳动, 短视频, 热搜 but 大数据 still lost
to 大/数据 and a few HMM-found words split (按下, 下架); at 50 those came back and 线上, 可持续, 大数据
joined (36 more changes, nearly all better); at 300 common pairs fused wrongly (都会, 和数, 跳/脱单/一).
The user's words (codebook tags and ``<db>/user-words.txt``) are added with the frequency jieba suggests,
which makes them always one word.

Only *word tokens* are kept (a token with a letter, digit or ideograph): punctuation and spaces are the
gaps between words, so ``w`` never stops on a comma. Caching and the user's words: :mod:`reader.words`.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import re
import threading
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from reader.convert import Converter, OffsetMap, Segment, SupportsText, ViewText

__all__ = [
    "CEDICT_WORD_FREQ",
    "ArticleWords",
    "Segmenter",
    "Span",
    "ViewWords",
    "is_word_token",
    "segment_article",
]

#: jieba frequency given to CC-CEDICT words jieba does not know (see the module docstring for the choice)
CEDICT_WORD_FREQ = 50
_CHUNK = 1 << 16  # segment at most about this many characters per call (bounds the token list)
_SURROGATES = re.compile("[\ud800-\udfff]")
#: words mapped between two calls of a worker's pause hook (~1 ms: the UI thread's frames come first)
PACE_WORDS = 4096


def _go_on() -> None:
    """The pause hook of work nobody paces."""


Span = tuple[int, int]


def is_word_token(token: str) -> bool:
    """A token that is a word: it has a letter, a digit or an ideograph (not punctuation or space)."""
    return bool(token) and (token[0].isalnum() or any(c.isalnum() for c in token))


# --------------------------------------------------------------------------------------------- segmenter


class Segmenter:
    """rjieba with CC-CEDICT's extra words and the user's words; thread-safe, loaded on first use.

    ``extra_words``: called once, at load, for the words to add at :data:`CEDICT_WORD_FREQ` (the
    dictionary's headwords); words jieba already knows are skipped.
    """

    def __init__(self, extra_words: Callable[[], Iterable[str]] | None = None) -> None:
        self._extra_words = extra_words
        self._jieba: Any = None
        self._added: frozenset[str] = frozenset()  # user words the loaded jieba has
        self._wanted: frozenset[str] = frozenset()  # user words it should have
        self._lock = threading.Lock()
        self._extras_key = "cedict" if extra_words is not None else "plain"

    def _load(self) -> Any:
        import rjieba

        jieba = rjieba.Jieba()
        if self._extra_words is not None:
            for word in self._extra_words():
                if not jieba.has_word(word):
                    jieba.add_word(word, CEDICT_WORD_FREQ, None)
        return jieba

    def use_user_words(self, words: Iterable[str]) -> None:
        """Make ``words`` the user's words (applied at the next cut; cheap when nothing changed)."""
        wanted = frozenset(w for w in words if w and not any(c.isspace() for c in w))
        with self._lock:
            self._wanted = wanted

    def fingerprint(self) -> str:
        """Changes whenever the same text could be cut differently."""
        try:
            version = importlib.metadata.version("rjieba")
        except importlib.metadata.PackageNotFoundError:
            version = "?"
        with self._lock:
            digest = hashlib.sha256("\n".join(sorted(self._wanted)).encode()).hexdigest()[:16]
        return f"rjieba-{version}-{self._extras_key}{CEDICT_WORD_FREQ}-{digest}"

    def prepare(self) -> None:
        """Load jieba and its words (~0.3 s once; a removed user word means loading again)."""
        with self._lock:
            if self._jieba is None or not self._added <= self._wanted:
                self._jieba = self._load()
                self._added = frozenset()
            for word in sorted(self._wanted - self._added):
                self._jieba.add_word(word, None, None)
            self._added = self._wanted

    def word_spans(self, text: str) -> tuple[array[int], array[int]]:
        """Starts and ends of the word tokens of ``text`` (code points), in order, never overlapping."""
        self.prepare()
        if _SURROGATES.search(text):  # cannot cross into Rust; one-for-one, so offsets hold
            text = _SURROGATES.sub("\ufffd", text)
        starts: array[int] = array("i")
        ends: array[int] = array("i")
        pos = 0
        for chunk in _chunks(text):
            with self._lock:
                tokens = self._jieba.cut(chunk)
            if sum(map(len, tokens)) != len(chunk):  # never seen; one character per token keeps offsets
                tokens = list(chunk)
            for token in tokens:
                end = pos + len(token)
                if is_word_token(token):
                    starts.append(pos)
                    ends.append(end)
                pos = end
        return starts, ends

    def cut(self, text: str) -> list[str]:
        """The word tokens of ``text`` as strings (punctuation and spaces left out)."""
        starts, ends = self.word_spans(text)
        return [text[a:b] for a, b in zip(starts, ends, strict=True)]


def _chunks(text: str) -> Iterator[str]:
    """Pieces of about ``_CHUNK`` characters, cut after a newline where there is one."""
    start, n = 0, len(text)
    while n - start > _CHUNK:
        cut = text.rfind("\n", start + _CHUNK // 2, start + _CHUNK)
        end = cut + 1 if cut >= 0 else start + _CHUNK
        yield text[start:end]
        start = end
    if start < n or n == 0:
        yield text[start:]


# --------------------------------------------------------------------------------------------- boundaries


@dataclass(frozen=True)
class ArticleWords:
    """The words of one text version, as parallel arrays of starts and ends in *original* coordinates."""

    starts: array[int]
    ends: array[int]
    length: int  # of the original text

    def __len__(self) -> int:
        return len(self.starts)

    def spans(self) -> Iterator[Span]:
        return zip(self.starts, self.ends, strict=True)

    def word_index(self, pos: int) -> int | None:
        """Index of the word containing position ``pos`` (its start <= pos < its end)."""
        i = bisect_right(self.starts, pos) - 1
        return i if i >= 0 and pos < self.ends[i] else None

    def is_boundary(self, pos: int) -> bool:
        """``pos`` is not strictly inside a word (a whole-word match may start or end there)."""
        i = bisect_right(self.starts, pos) - 1
        return i < 0 or pos >= self.ends[i] or pos == self.starts[i]

    def in_view(self, view: ViewText) -> ViewWords:
        return ViewWords(self, view.offsets)


class ViewWords:
    """The words of an article in one view's coordinates: motions, word-at, snapping, ranges.

    Positions are code points into the view text; the cursor is on the character at its position (as in
    the document view), a selection is ``(start, end)`` with ``end`` exclusive. An identity view shares
    the original's arrays; any other view maps them once through its offset map (a linear walk, ~0.2 s
    for zuozhuan's 300k words: build it in a worker). Where the view rewrote a phrase across a word
    boundary (s2twp: 方便面 -> 泡麵 spanning two words) the words touching it become one word there, so
    every view's words are ordered and disjoint.
    """

    def __init__(self, words: ArticleWords, offsets: OffsetMap, pause: Callable[[], None] = _go_on) -> None:
        """``pause``: called every ``PACE_WORDS`` words of the walk (a worker's pause hook: may raise)."""
        self.words = words
        self.offsets = offsets
        self.length = offsets.view_length
        if offsets.identity:
            self.starts, self.ends = words.starts, words.ends
        else:
            self.starts, self.ends = _map_spans(words, offsets, pause)

    def __len__(self) -> int:
        return len(self.starts)

    def word_at(self, pos: int) -> Span | None:
        """``(start, end)`` of the word under the character at ``pos``; None on punctuation or space."""
        i = bisect_right(self.starts, pos) - 1
        if i >= 0 and pos < self.ends[i]:
            return self.starts[i], self.ends[i]
        return None

    def next_start(self, pos: int) -> int:
        """``w``: the start of the first word after ``pos``; the text's length if there is none."""
        i = bisect_right(self.starts, pos)
        return self.starts[i] if i < len(self.starts) else self.length

    def previous_start(self, pos: int) -> int:
        """``b``: the start of the word before ``pos`` (of this word if ``pos`` is inside it); 0 if none."""
        i = bisect_left(self.starts, pos) - 1
        return self.starts[i] if i >= 0 else 0

    def end_of_word(self, pos: int) -> int:
        """``e``: the last character of this word if the cursor is before it, else of the next word.

        ``pos`` itself if no word ends after it.
        """
        i = bisect_right(self.ends, pos + 1)
        return self.ends[i] - 1 if i < len(self.ends) else pos

    def between(self, start: int, end: int) -> list[Span]:
        """The words overlapping ``[start, end)``, in order."""
        first = bisect_right(self.ends, start)
        last = bisect_left(self.starts, end)
        return list(zip(self.starts[first:last], self.ends[first:last], strict=True))

    def snap(self, start: int, end: int) -> Span:
        """A selection grown to whole words: an edge strictly inside a word moves to that word's edge."""
        if start > end:
            start, end = end, start
        if start == end:
            return self.word_at(start) or (start, end)
        first = self.word_at(start)
        last = self.word_at(end - 1)
        return (first[0] if first else start, max(last[1], end) if last else end)

    def extend(self, start: int, end: int) -> Span:
        """shift+``w``: the selection grown to the end of the next word (of this word if ``end`` is in it)."""
        i = bisect_right(self.ends, end)
        return (start, self.ends[i]) if i < len(self.ends) else (start, end)

    def is_boundary(self, pos: int) -> bool:
        """``pos`` is not strictly inside a word of this view."""
        span = self.word_at(pos)
        return span is None or span[0] == pos


def _map_sorted(
    positions: array[int], segments: tuple[Segment, ...], side: str, pause: Callable[[], None]
) -> array[int]:
    """``OffsetMap.to_view`` of sorted positions in one walk over the map's segments."""
    out: array[int] = array("i")
    k, delta, n = 0, 0, len(segments)
    for at in range(0, len(positions), PACE_WORDS):
        pause()
        for p in positions[at : at + PACE_WORDS]:
            while k < n and segments[k][1] <= p:
                delta = segments[k][3] - segments[k][1]
                k += 1
            if k < n and segments[k][0] < p:  # strictly inside a rewritten phrase: snap outward
                out.append(segments[k][2] if side == "start" else segments[k][3])
            else:
                out.append(p + delta)
    return out


def _map_spans(
    words: ArticleWords, offsets: OffsetMap, pause: Callable[[], None]
) -> tuple[array[int], array[int]]:
    segments = offsets.segments
    v_starts = _map_sorted(words.starts, segments, "start", pause)
    v_ends = _map_sorted(words.ends, segments, "end", pause)
    return _merged(v_starts, v_ends, pause)


def _merged(
    starts_in: array[int], ends_in: array[int], pause: Callable[[], None]
) -> tuple[array[int], array[int]]:
    """Words made one where a conversion rewrote a phrase across their boundary (so they overlap now)."""
    starts: array[int] = array("i")
    ends: array[int] = array("i")
    for at in range(0, len(starts_in), PACE_WORDS):
        pause()
        for a, b in zip(starts_in[at : at + PACE_WORDS], ends_in[at : at + PACE_WORDS], strict=True):
            if ends and a < ends[-1]:  # two words inside one rewritten phrase: one word in this view
                ends[-1] = max(ends[-1], b)
            else:
                starts.append(a)
                ends.append(b)
    return starts, ends


def segment_article(
    article: SupportsText,
    converter: Converter,
    segmenter: Segmenter,
    pause: Callable[[], None] | None = None,
) -> ArticleWords:
    """Segment the 简体 view of ``article`` and map the boundaries to the original (the slow part).

    ``pause`` as for :class:`ViewWords` (the mapping is a walk in Python: ~0.2 s for zuozhuan)."""
    pause = pause or _go_on
    simplified = converter.view(article, "simplified")
    starts, ends = segmenter.word_spans(simplified.text)
    offsets = simplified.offsets
    if not offsets.identity:
        to_original = offsets.to_original
        o_starts: array[int] = array("i")
        o_ends: array[int] = array("i")
        for at in range(0, len(starts), PACE_WORDS):
            pause()
            o_starts.extend(to_original(a, "start") for a in starts[at : at + PACE_WORDS])
            o_ends.extend(to_original(b, "end") for b in ends[at : at + PACE_WORDS])
        starts, ends = _merged(o_starts, o_ends, pause)
    return ArticleWords(starts, ends, len(article.text))
