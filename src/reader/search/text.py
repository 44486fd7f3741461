"""Script-insensitive matching in one text: folding, the variants of a query, and every match of it.

Folding: every text and query is compared in its Simplified form (OpenCC t2s), which converts each
character to exactly one character, so a position in the folded text is the same position in the
original; ASCII letters are lower-cased too (also one-for-one). A query is searched as several *variants*
(:func:`query_variants`): its folded form, the folded forms of its Taiwan and Hong Kong phrasings and the
mainland form of a Taiwan/HK phrase, so 数据 finds 數據, 软件 finds 軟體 and 軟體 finds 软件.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reader.convert import Converter
    from reader.words import ArticleWords

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
ASCII_LOWER_BYTES = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")


def fold(text: str, converter: Converter) -> str:
    """What searches compare: Simplified and ASCII lower-case; same length as ``text`` (offsets carry
    over). :func:`find_in_text` takes it ready-made (cache it per article)."""
    from reader.anchoring import fold as fold_script  # (imports the converter: not needed by every search)

    return fold_script(text, converter).translate(_ASCII_LOWER)


def query_variants(query: str, converter: Converter) -> list[str]:
    """The folded strings that count as a match for ``query``: longest first, no duplicates, none empty.

    The query folded to Simplified; the folded forms of its Taiwan (s2twp) and Hong Kong (s2hk) phrasing;
    the mainland form of a Taiwan (tw2sp) or Hong Kong (hk2s) phrase; and, for each of the user's
    corpus-wide overrides whose view form is in the query, the query with the source's form instead (a
    search for what a view shows finds the article that the override changed). Surrounding whitespace is
    ignored.
    """
    query = query.strip().replace("\0", "")
    if not query:
        return []
    forms = [
        query,
        converter.convert(query, "taiwan"),
        converter.convert(query, "hongkong"),
        converter.convert_config(query, "tw2sp"),
        converter.convert_config(query, "hk2s"),
        converter.convert_config(converter.convert(query, "traditional"), "tw2sp"),
    ]
    folded_query = fold(query, converter)
    for override in converter.overrides.all():
        if not override.article and fold(override.target, converter) in folded_query:
            forms.append(
                folded_query.replace(fold(override.target, converter), fold(override.source, converter))
            )
    seen: dict[str, None] = {}
    for form in forms:
        folded = fold(form, converter)
        if folded:
            seen.setdefault(folded, None)
    return sorted(seen, key=len, reverse=True)


def variants_pattern(variants: list[str]) -> re.Pattern[str]:
    """One pattern matching any of ``variants`` (literally), the longest where several start together."""
    return re.compile("|".join(re.escape(v) for v in variants))


@dataclass(frozen=True)
class Match:
    start: int  # code points into the original text
    end: int


def find_in_text(
    text: str,
    query: str,
    converter: Converter,
    *,
    folded: str | None = None,
    words: ArticleWords | None = None,
) -> list[Match]:
    """Every non-overlapping match of ``query`` (any script, any variant) in ``text``, in order.

    ``folded`` is ``text`` already folded (pass it when searching the same text repeatedly; it must be
    what :func:`fold` gives). ``words``: the text's words (``reader.words``); if given, only whole-word
    matches count (数据 not inside 大数据).
    """
    variants = query_variants(query, converter)
    if not variants:
        return []
    if folded is None or len(folded) != len(text):
        folded = fold(text, converter)
    found = [Match(m.start(), m.end()) for m in variants_pattern(variants).finditer(folded)]
    if words is not None:
        found = [m for m in found if whole_word(words, m.start, m.end)]
    return found


def whole_word(words: ArticleWords, start: int, end: int) -> bool:
    """A match that starts and ends on word boundaries (the whole-word filter of ``--word``)."""
    return words.is_boundary(start) and words.is_boundary(end)
