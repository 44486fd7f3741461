"""Inter-coder agreement: how far two or more coders who coded the same articles agree, per tag and overall.

**Units.** Agreement is counted over units of text, not over annotations: by default sentences (from
:func:`reader.sentences.sentence_spans`), or paragraphs, or single characters. A coder gives a unit a tag
if one of their annotations with that tag overlaps the unit. Character units are offered for comparison
with other tools, but they inflate kappa: most characters of an article are coded by nobody, and every
one of them counts as agreement (QualCoder #667). Line breaks are never units.

**Coefficients** (every coder is taken to have coded every article compared; one who made no annotation
in an article said "none of these tags" for each of its units):

- *percent agreement*: the share of agreeing coder pairs per unit, averaged over units (Fleiss' P̄; with
  two coders simply the share of units on which they agree);
- *Cohen's kappa* (Cohen 1960), two coders only;
- *Fleiss' kappa* (Fleiss 1971), any number of coders (with two it equals Scott's pi);
- *Krippendorff's alpha* (Krippendorff 2004/2011), any number of coders, nominal data.

Per tag, each unit's value is yes/no. Overall, each unit's value is the *set* of tags a coder gave it:
percent agreement and both kappas count two sets as agreeing only if they are equal (every distinct set is
a category); alpha is given both nominally and with the MASI distance (Passonneau 2006), which gives partial
credit to overlapping sets.

Every figure is computed from weighted "profiles" (the tuple of the coders' values for a unit, with how
many units — or for character units how many characters — have it), so a 600,000-character article
costs a few distinct profiles, not 600,000 items. The test suite checks every coefficient against
published worked examples and against nltk's ``AnnotationTask`` (Apache-2.0), which does the same maths
one rated item at a time.
"""

from __future__ import annotations

import bisect
import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, TypeVar

from reader.articles import paragraph_spans
from reader.errors import UsageError
from reader.sentences import sentence_spans
from reader.tags import ancestors, normalise_tags, under, under_any_alike

UNITS = ("sentence", "paragraph", "character")

L = TypeVar("L", bound=Hashable)
#: one annotation as agreement sees it: start, end (code points into the article's text) and its tags
Span = tuple[int, int, Sequence[str]]
#: a unit's values, one per coder (in coder order), and how much it weighs (units, or characters)
Profiles = Mapping[tuple[L, ...], int]


# ------------------------------------------------------------------------------------------ coefficients


def nominal_distance(a: object, b: object) -> float:
    return 0.0 if a == b else 1.0


def masi_distance(a: frozenset[str], b: frozenset[str]) -> float:
    """MASI distance (Passonneau 2006): 1 - Jaccard × monotonicity; two empty sets are identical."""
    if a == b:
        return 0.0
    common = len(a & b)
    if common == 0:
        return 1.0
    monotonicity = Fraction(2, 3) if common == min(len(a), len(b)) else Fraction(1, 3)
    return float(1 - Fraction(common, len(a | b)) * monotonicity)


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def percent_agreement(profiles: Profiles[Any]) -> float | None:
    """Mean over units of the share of coder pairs that agree (Fleiss' P̄); None without units."""
    total = sum(profiles.values())
    if not total:
        return None
    agreeing = 0.0
    for values, weight in profiles.items():
        counts = Counter(values).values()
        agreeing += weight * sum(_pairs(c) for c in counts) / _pairs(len(values))
    return agreeing / total


def cohen_kappa(profiles: Profiles[Any]) -> float | None:
    """Cohen's kappa for two coders; None if undefined (no units, or chance agreement is certain)."""
    total = sum(profiles.values())
    if not total:
        return None
    first: Counter[Any] = Counter()
    second: Counter[Any] = Counter()
    observed = 0
    for (a, b), weight in profiles.items():
        first[a] += weight
        second[b] += weight
        observed += weight * (a == b)
    expected = sum(first[k] * second[k] for k in first) / (total * total)
    return _chance_corrected(observed / total, expected)


def fleiss_kappa(profiles: Profiles[Any]) -> float | None:
    """Fleiss' kappa: every unit rated by the same number of coders; None if undefined."""
    total = sum(profiles.values())
    if not total:
        return None
    raters = len(next(iter(profiles)))
    category: Counter[Any] = Counter()
    agreeing = 0.0
    for values, weight in profiles.items():
        counts = Counter(values)
        for label, n in counts.items():
            category[label] += weight * n
        agreeing += weight * sum(n * (n - 1) for n in counts.values()) / (raters * (raters - 1))
    expected = sum((n / (total * raters)) ** 2 for n in category.values())
    return _chance_corrected(agreeing / total, expected)


def krippendorff_alpha(
    units: Mapping[tuple[Any, ...], int] | Iterable[tuple[tuple[Any, ...], int]],
    distance: Callable[[Any, Any], float] = nominal_distance,
) -> float | None:
    """Krippendorff's alpha over weighted units whose values may be missing (None).

    Units with fewer than two values are not pairable and are left out, as Krippendorff prescribes.
    None if undefined: no pairable values, or no variation at all (expected disagreement 0).
    """
    items = units.items() if isinstance(units, Mapping) else units
    totals: Counter[Any] = Counter()
    observed = 0.0
    pairable = 0
    for values, weight in items:
        counts = Counter(v for v in values if v is not None)
        m = sum(counts.values())
        if m < 2:
            continue
        pairable += weight * m
        for label, n in counts.items():
            totals[label] += weight * n
        observed += weight * _disagreement(counts, distance) / (m - 1)
    if pairable < 2:
        return None
    expected = _disagreement(totals, distance) / (pairable - 1)
    if expected == 0:
        return None
    return 1.0 - observed / expected


def _disagreement(counts: Mapping[Any, int], distance: Callable[[Any, Any], float]) -> float:
    """Σ over ordered pairs of distinct values c, k of n_c · n_k · δ(c, k)."""
    labels = list(counts)
    total = 0.0
    for i, c in enumerate(labels):
        for k in labels[i + 1 :]:
            total += 2 * counts[c] * counts[k] * distance(c, k)
    return total


def _chance_corrected(observed: float, expected: float) -> float | None:
    if expected >= 1.0 - 1e-12:
        return None  # every rating the same category: the coefficient is undefined
    return (observed - expected) / (1.0 - expected)


# ---------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Figures:
    units: int  # units compared (for character units: characters)
    coded: int  # of those, units that at least one coder coded (with this tag, or with any tag)
    percent: float | None  # 0..1
    cohen_kappa: float | None  # two coders only
    fleiss_kappa: float | None
    alpha: float | None  # Krippendorff, nominal
    alpha_masi: float | None = None  # Krippendorff with MASI distance on tag sets (overall only)

    def to_dict(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "coded": self.coded,
            "percent_agreement": self.percent,
            "cohen_kappa": self.cohen_kappa,
            "fleiss_kappa": self.fleiss_kappa,
            "krippendorff_alpha": self.alpha,
            "krippendorff_alpha_masi": self.alpha_masi,
        }


@dataclass(frozen=True)
class Disagreement:
    """A stretch of an article (one unit, or for character units a run of characters) coded differently."""

    article_id: str
    start: int
    end: int
    tags: tuple[tuple[str, ...], ...]  # per coder, in AgreementResult.coders order

    def to_dict(self, coders: Sequence[str]) -> dict[str, Any]:
        return {
            "article_id": self.article_id,
            "start": self.start,
            "end": self.end,
            "tags": {coder: list(tags) for coder, tags in zip(coders, self.tags, strict=True)},
        }


@dataclass(frozen=True)
class AgreementResult:
    coders: tuple[str, ...]
    unit: str
    articles: tuple[str, ...]
    overall: Figures
    per_tag: dict[str, Figures] = field(default_factory=dict)
    disagreements: tuple[Disagreement, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "coders": list(self.coders),
            "unit": self.unit,
            "articles": list(self.articles),
            "overall": self.overall.to_dict(),
            "tags": {tag: figures.to_dict() for tag, figures in self.per_tag.items()},
            "disagreements": [d.to_dict(self.coders) for d in self.disagreements],
        }


# ------------------------------------------------------------------------------------------------ units


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    weight: int  # 1, or for a run of characters its length
    values: tuple[frozenset[str], ...]  # per coder: the tags given to it


def check_unit(unit: str) -> str:
    if unit not in UNITS:
        raise UsageError(f"unknown unit {unit!r}; choose one of: {', '.join(UNITS)}")
    return unit


def _clip(spans: Iterable[Span], size: int) -> list[tuple[int, int, frozenset[str]]]:
    out = []
    for start, end, tags in spans:
        start, end = max(0, start), min(size, end)
        if start < end:
            out.append((start, end, frozenset(normalise_tags(tags))))
    return out


def _text_units(text: str, unit: str, coded: Sequence[list[tuple[int, int, frozenset[str]]]]) -> list[_Unit]:
    """Sentences or paragraphs of ``text`` with each coder's tags (from annotations overlapping them)."""
    spans = sentence_spans(text) if unit == "sentence" else list(paragraph_spans(text))
    starts = [s for s, _ in spans]
    ends = [e for _, e in spans]
    per_coder: list[list[set[str]]] = []
    for spans_of_coder in coded:
        tags: list[set[str]] = [set() for _ in spans]
        for start, end, labels in spans_of_coder:
            first = bisect.bisect_right(ends, start)  # first unit ending after the annotation starts
            last = bisect.bisect_left(starts, end)  # units starting before it ends
            for i in range(first, last):
                tags[i].update(labels)
        per_coder.append(tags)
    return [_Unit(s, e, 1, tuple(frozenset(tags[i]) for tags in per_coder)) for i, (s, e) in enumerate(spans)]


def _character_units(text: str, coded: Sequence[list[tuple[int, int, frozenset[str]]]]) -> list[_Unit]:
    """Runs of characters over which no coder's tags change, weighted by their number of characters."""
    cuts = {0, len(text)}
    for spans_of_coder in coded:
        for start, end, _ in spans_of_coder:
            cuts.update((start, end))
    pos = text.find("\n")
    while pos >= 0:
        cuts.update((pos, pos + 1))
        pos = text.find("\n", pos + 1)
    bounds = sorted(cuts)
    per_coder: list[list[frozenset[str]]] = []
    for spans_of_coder in coded:
        opening: dict[int, list[frozenset[str]]] = defaultdict(list)
        closing: dict[int, list[frozenset[str]]] = defaultdict(list)
        for start, end, labels in spans_of_coder:
            opening[start].append(labels)
            closing[end].append(labels)
        active: Counter[str] = Counter()
        values = []
        for start in bounds[:-1]:
            for labels in closing.get(start, ()):
                active.subtract(labels)
            for labels in opening.get(start, ()):
                active.update(labels)
            values.append(frozenset(tag for tag, n in active.items() if n > 0))
        per_coder.append(values)
    units = []
    for i, (start, end) in enumerate(itertools.pairwise(bounds)):
        if start < end and text[start] != "\n":
            units.append(_Unit(start, end, end - start, tuple(values[i] for values in per_coder)))
    return units


# --------------------------------------------------------------------------------------------- computing


def compute(
    coders: Mapping[str, Mapping[str, Iterable[Span]]],
    texts: Mapping[str, str],
    *,
    unit: str = "sentence",
    tags: Iterable[str] = (),
) -> AgreementResult:
    """Agreement of ``coders`` (name -> article id -> annotations) over the articles in ``texts``.

    Every coder is taken to have coded every article in ``texts`` (an article missing from a coder's
    mapping counts as coded with no annotation). ``tags`` restricts the comparison to those tags and
    their sub-tags. Offsets are code points into ``texts``.
    """
    check_unit(unit)
    names = tuple(coders)
    if len(names) < 2:
        raise UsageError(f"agreement needs at least two coders; got {len(names)}")
    roots = normalise_tags(tags)
    units_by_article: dict[str, list[_Unit]] = {}
    for article_id in sorted(texts):
        text = texts[article_id]
        coded = []
        for name in names:
            spans = _clip(coders[name].get(article_id, ()), len(text))
            if roots:
                spans = [(s, e, frozenset(t for t in ts if under_any_alike(t, roots))) for s, e, ts in spans]
            coded.append(spans)
        if unit == "character":
            units_by_article[article_id] = _character_units(text, coded)
        else:
            units_by_article[article_id] = _text_units(text, unit, coded)
    all_units = [u for units in units_by_article.values() for u in units]
    return AgreementResult(
        coders=names,
        unit=unit,
        articles=tuple(units_by_article),
        overall=_overall(all_units),
        per_tag={tag: _for_tag(all_units, tag) for tag in _tag_list(all_units, roots)},
        disagreements=tuple(_disagreements(units_by_article, merge=unit == "character")),
    )


def _tag_list(units: Iterable[_Unit], roots: Sequence[str]) -> list[str]:
    used: set[str] = set()
    for u in units:
        for values in u.values:
            used.update(values)
    listed = set(used)
    for tag in used:
        listed.update(ancestors(tag))
    if roots:
        listed = {t for t in listed if under_any_alike(t, roots)}
    return sorted(listed, key=lambda t: t.split("/"))


def _figures(profiles: Counter[tuple[Any, ...]], coded: int, masi: float | None = None) -> Figures:
    two = len(next(iter(profiles))) == 2 if profiles else False
    return Figures(
        units=sum(profiles.values()),
        coded=coded,
        percent=percent_agreement(profiles),
        cohen_kappa=cohen_kappa(profiles) if two else None,
        fleiss_kappa=fleiss_kappa(profiles),
        alpha=krippendorff_alpha(profiles),
        alpha_masi=masi,
    )


def _overall(units: Sequence[_Unit]) -> Figures:
    profiles: Counter[tuple[frozenset[str], ...]] = Counter()
    coded = 0
    for u in units:
        profiles[u.values] += u.weight
        coded += u.weight * any(u.values)
    masi = krippendorff_alpha(profiles, masi_distance) if profiles else None
    return _figures(profiles, coded, masi)


def _for_tag(units: Sequence[_Unit], tag: str) -> Figures:
    profiles: Counter[tuple[bool, ...]] = Counter()
    for u in units:
        profiles[tuple(any(under(t, tag) for t in values) for values in u.values)] += u.weight
    coded = sum(w for values, w in profiles.items() if any(values))
    return _figures(profiles, coded)


def _disagreements(units_by_article: Mapping[str, list[_Unit]], *, merge: bool) -> Iterable[Disagreement]:
    """Units whose coders gave different tag sets; adjacent character runs coded alike are merged."""
    for article_id, units in units_by_article.items():
        current: Disagreement | None = None
        for u in units:
            if len(set(u.values)) == 1:
                continue
            tags = tuple(tuple(sorted(v, key=lambda t: t.split("/"))) for v in u.values)
            if merge and current is not None and current.end == u.start and current.tags == tags:
                current = Disagreement(article_id, current.start, u.end, tags)
                continue
            if current is not None:
                yield current
            current = Disagreement(article_id, u.start, u.end, tags)
        if current is not None:
            yield current
