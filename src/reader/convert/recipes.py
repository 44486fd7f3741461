"""Which OpenCC conversion makes each view, given the script (and region) the source is written in.

A *recipe* is a chain of shipped OpenCC configs, applied as one custom config (an empty chain is the
identity). Simplified text goes through the Simplified-input configs, as it always did; Traditional text
through the Traditional-input ones, so a Taiwanese article read in 臺灣 is not rewritten (t2tw changes
none of seeds 000 and 002, s2twp changed 95 and 69 places). ``taiwan`` and ``hongkong`` name a
Traditional source of that region, for the region-specific configs (tw2s, hk2s, tw2sp).

Phrase localisation (软件 -> 軟體, 数据 -> 資料, and back) is a separate layer: the ``p`` configs. It is on
by default only for Simplified text read in 臺灣, which is what that view is for.
"""

from __future__ import annotations

from dataclasses import dataclass

from reader.choices import SOURCES
from reader.errors import UsageError

__all__ = ["SOURCES", "Recipe", "check_source", "default_phrases", "recipe"]


# (source script, view) -> (chain without phrases, chain with phrases). "regional" is a Traditional text of
# unknown region (what automatic detection finds): its 繁體 view undoes both regions' variants.
_TABLE: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {
    ("simplified", "simplified"): (("t2s",), ("t2s",)),
    ("simplified", "traditional"): (("s2t",), ("s2t",)),
    ("simplified", "taiwan"): (("s2tw",), ("s2twp",)),
    ("simplified", "hongkong"): (("s2hk",), ("s2hkp",)),
    ("traditional", "simplified"): (("t2s",), ("tw2sp",)),
    ("traditional", "traditional"): ((), ()),
    ("traditional", "taiwan"): (("t2tw",), ("t2tw",)),
    ("traditional", "hongkong"): (("t2hk",), ("t2hk",)),
    ("regional", "simplified"): (("t2s",), ("tw2sp",)),
    ("regional", "traditional"): (("tw2t", "hk2t"), ("tw2t", "hk2t")),
    ("regional", "taiwan"): (("t2tw",), ("t2tw",)),
    ("regional", "hongkong"): (("t2hk",), ("t2hk",)),
    ("taiwan", "simplified"): (("tw2s",), ("tw2sp",)),
    ("taiwan", "traditional"): (("tw2t",), ("tw2t",)),
    ("taiwan", "taiwan"): ((), ()),
    ("taiwan", "hongkong"): (("tw2t", "t2hk"), ("tw2t", "t2hk")),
    ("hongkong", "simplified"): (("hk2s",), ("hk2sp",)),
    ("hongkong", "traditional"): (("hk2t",), ("hk2t",)),
    ("hongkong", "taiwan"): (("hk2t", "t2tw"), ("hk2t", "t2tw")),
    ("hongkong", "hongkong"): ((), ()),
}


@dataclass(frozen=True)
class Recipe:
    chain: tuple[str, ...]  # what makes the view
    plain: tuple[str, ...]  # the same without phrase localisation (== chain when phrases are off)

    @property
    def localises(self) -> bool:
        """True if phrases are substituted (the view then differs from ``plain`` by whole words)."""
        return self.chain != self.plain


def check_source(source: str) -> str:
    if source not in SOURCES:
        raise UsageError(f"unknown source script {source!r}; choose one of: {', '.join(SOURCES)}")
    return source


def default_phrases(script: str, view: str) -> bool:
    """Phrase localisation by default: only Simplified text read in 臺灣."""
    return script == "simplified" and view == "taiwan"


def recipe(script: str, view: str, phrases: bool | None) -> Recipe:
    """The recipe for text in ``script`` ("simplified", "traditional", "regional", "taiwan", "hongkong")."""
    plain, localised = _TABLE[(script, view)]
    on = default_phrases(script, view) if phrases is None else phrases
    return Recipe(localised if on else plain, plain)
