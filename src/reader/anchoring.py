"""Finding passages regardless of script, and re-anchoring annotations when an article's text changes.

Two jobs share one idea, that a passage is identified by its quote first and its offsets second
(the W3C TextQuoteSelector + TextPositionSelector pair, GUIDE.md §5):

* ``find_quote``: a quote typed in any script (简体, 繁體, Taiwan phrasing...) is found in the original by
  searching every script view and mapping each hit back through the view's offset map, plus a
  script-folded search for quotes that mix scripts.
* ``reanchor``: an annotation whose article changed is put back where its quote is now: trust the old
  position if the quote is still there, else the exact quote nearest the old position, else a fuzzy match
  scored on quote, prefix, suffix and distance, else it becomes an orphan (kept, shown, never dropped).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from reader.choices import VIEWS

if TYPE_CHECKING:
    from reader.articles import Article
    from reader.convert import Converter
    from reader.store import Annotation

AnchorStatus = Literal["anchored", "reanchored", "orphan"]

#: below this fuzzy score (0–100) a candidate is not the same passage
FUZZY_THRESHOLD = 75.0


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    status: AnchorStatus


def fold(text: str, converter: Converter) -> str:
    """Script-insensitive form of ``text``: Simplified, same length (t2s is character-for-character)."""
    # OpenCC's t2s itself: the user's overrides of the 简体 view must not change what matches what
    folded = converter.convert_config(text, "t2s")
    if len(folded) != len(text):  # never expected; keep offsets valid regardless
        folded = "".join(converter.convert_config(ch, "t2s") or ch for ch in text)
        if len(folded) != len(text):
            return text
    return folded


def _occurrences(haystack: str, needle: str) -> list[int]:
    if not needle:
        return []
    return [m.start() for m in re.finditer(re.escape(needle), haystack)]


def find_quote(article: Article, quote: str, converter: Converter) -> list[tuple[int, int]]:
    """Every range of the original text that reads as ``quote`` in some script, in document order."""
    quote = quote.strip()
    if not quote:
        return []
    found: set[tuple[int, int]] = set()
    for view in VIEWS:
        view_text = converter.view(article, view)
        for start in _occurrences(view_text.text, quote):
            found.add(view_text.offsets.range_to_original(start, start + len(quote)))
    folded_quote = fold(quote, converter)
    folded_text = fold(article.text, converter)
    for start in _occurrences(folded_text, folded_quote):
        found.add((start, start + len(quote)))
    # Ranges that overlap another found range and are contained in it come from phrase snapping: keep the
    # smallest distinct passages only.
    ranges = sorted(found)
    distinct = [r for r in ranges if not any(o != r and o[0] >= r[0] and o[1] <= r[1] for o in ranges)]
    return distinct


def reanchor(annotation: Annotation, text: str) -> Anchor:
    """Where ``annotation`` belongs in ``text`` now (see module docstring for the order of attempts)."""
    quote, start, end = annotation.quote, annotation.start, annotation.end
    if 0 <= start < end <= len(text) and text[start:end] == quote:
        return Anchor(start, end, "anchored")
    if not quote:
        return Anchor(start, end, "orphan")
    hits = _occurrences(text, quote)
    if hits:
        best = min(hits, key=lambda s: (abs(s - start), _context_penalty(annotation, text, s, len(quote))))
        return Anchor(best, best + len(quote), "reanchored")
    fuzzy = _fuzzy_anchor(annotation, text)
    if fuzzy is not None:
        return Anchor(fuzzy[0], fuzzy[1], "reanchored")
    return Anchor(start, end, "orphan")


def anchored_to(annotation: Annotation, text: str, sha256: str) -> Annotation:
    """``annotation`` placed in ``text`` (whose sha256 is given) by :func:`reanchor`.

    A found passage gets its new offsets, quote and context; one that is gone becomes an orphan with
    everything else kept as it was.
    """
    from reader.store import CONTEXT_CHARS

    anchor = reanchor(annotation, text)
    if anchor.status == "orphan":
        return annotation if annotation.status == "orphan" else replace(annotation, status="orphan")
    return replace(
        annotation,
        start=anchor.start,
        end=anchor.end,
        quote=text[anchor.start : anchor.end],
        prefix=text[max(0, anchor.start - CONTEXT_CHARS) : anchor.start],
        suffix=text[anchor.end : anchor.end + CONTEXT_CHARS],
        article_sha256=sha256,
        status=anchor.status,
    )


def _context_penalty(annotation: Annotation, text: str, start: int, length: int) -> int:
    prefix_ok = text[max(0, start - len(annotation.prefix)) : start] == annotation.prefix
    suffix_ok = text[start + length : start + length + len(annotation.suffix)] == annotation.suffix
    return 2 - prefix_ok - suffix_ok


def _fuzzy_anchor(annotation: Annotation, text: str) -> tuple[int, int] | None:
    """Best approximate match of the quote, scored on the quote and its context, near the old place.

    The search window is limited to a neighbourhood of the old position first (fast, and edits usually
    keep passages roughly in place), then the whole text.
    """
    from rapidfuzz import fuzz  # lazily: only re-anchoring needs it, and it costs start-up time

    quote = annotation.quote
    windows = []
    radius = max(2000, 20 * len(quote))
    if len(text) > 2 * radius:
        windows.append((max(0, annotation.start - radius), min(len(text), annotation.end + radius)))
    windows.append((0, len(text)))
    for lo, hi in windows:
        alignment = fuzz.partial_ratio_alignment(quote, text[lo:hi], score_cutoff=FUZZY_THRESHOLD)
        if alignment is None:
            continue
        start, end = lo + alignment.dest_start, lo + alignment.dest_end
        if end <= start:
            continue
        context = annotation.prefix + quote + annotation.suffix
        found_context = text[max(0, start - len(annotation.prefix)) : end + len(annotation.suffix)]
        context_score = fuzz.ratio(context, found_context)
        if (alignment.score + context_score) / 2 >= FUZZY_THRESHOLD:
            return start, end
    return None
