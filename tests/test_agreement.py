"""Agreement figures: published worked examples, nltk as an independent implementation, and units.

The published examples:

- Cohen (1960), Table 1: two judges, 200 items, three categories: p_o = .70, p_c = .41, kappa = .29/.59.
- Fleiss (1971), Table 1: 30 patients, 6 psychiatrists each, 5 diagnoses: P̄ = .556, P̄e = .220,
  kappa = .430 (counts as transcribed in JonasMoss/quadagree's data_raw/fleiss1971.csv).
- Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": binary data, two observers, ten
  units: alpha = 0.095; nominal data, four observers, twelve units with missing values: alpha = 0.743.
"""

from __future__ import annotations

import random
from collections import Counter
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.agreement import (
    cohen_kappa,
    compute,
    fleiss_kappa,
    krippendorff_alpha,
    masi_distance,
    percent_agreement,
)
from reader.errors import UsageError

nltk_agreement = pytest.importorskip("nltk.metrics.agreement")
AnnotationTask = nltk_agreement.AnnotationTask


def profiles_from_columns(*columns: list[object]) -> Counter[tuple[object, ...]]:
    return Counter(zip(*columns, strict=True))


# ------------------------------------------------------------------------------- published examples


def test_cohen_1960_table_1() -> None:
    cells = {  # (judge A, judge B) -> items, from the proportions of Cohen's Table 1 times N = 200
        (1, 1): 88, (1, 2): 14, (1, 3): 18,
        (2, 1): 10, (2, 2): 40, (2, 3): 10,
        (3, 1): 2, (3, 2): 6, (3, 3): 12,
    }  # fmt: skip
    profiles = Counter(cells)
    assert percent_agreement(profiles) == pytest.approx(0.70)
    assert cohen_kappa(profiles) == pytest.approx(0.29 / 0.59)
    assert round(cohen_kappa(profiles) or 0, 3) == 0.492


# per patient: raters choosing depression, personality disorder, schizophrenia, neurosis, other
FLEISS_1971 = [
    (0, 0, 0, 6, 0), (0, 3, 0, 0, 3), (0, 1, 4, 0, 1), (0, 0, 0, 0, 6), (0, 3, 0, 3, 0),
    (2, 0, 4, 0, 0), (0, 0, 4, 0, 2), (2, 0, 3, 1, 0), (2, 0, 0, 4, 0), (0, 0, 0, 0, 6),
    (1, 0, 0, 5, 0), (1, 1, 0, 4, 0), (0, 3, 3, 0, 0), (1, 0, 0, 5, 0), (0, 2, 0, 3, 1),
    (0, 0, 5, 0, 1), (3, 0, 0, 1, 2), (5, 1, 0, 0, 0), (0, 2, 0, 4, 0), (1, 0, 2, 0, 3),
    (0, 0, 0, 0, 6), (0, 1, 0, 5, 0), (0, 2, 0, 1, 3), (2, 0, 0, 4, 0), (1, 0, 0, 4, 1),
    (0, 5, 0, 1, 0), (4, 0, 0, 0, 2), (0, 2, 0, 4, 0), (1, 0, 5, 0, 0), (0, 0, 0, 0, 6),
]  # fmt: skip


def fleiss_profiles() -> Counter[tuple[int, ...]]:
    """Fleiss' table as one tuple of six diagnoses per patient (which rater said what is not known)."""
    profiles: Counter[tuple[int, ...]] = Counter()
    for row in FLEISS_1971:
        assert sum(row) == 6
        profiles[tuple(k for k, n in enumerate(row) for _ in range(n))] += 1
    return profiles


def test_fleiss_1971_table_1() -> None:
    profiles = fleiss_profiles()
    assert sum(profiles.values()) == 30
    assert round(percent_agreement(profiles) or 0, 3) == 0.556
    assert round(fleiss_kappa(profiles) or 0, 3) == 0.430


def test_krippendorff_2011_binary_two_observers() -> None:
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert round(krippendorff_alpha(profiles_from_columns(a, b)) or 0, 3) == 0.095


def test_krippendorff_2011_nominal_four_observers_with_missing_values() -> None:
    n = None
    a = [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n]
    b = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3]
    c = [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n]
    d = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n]
    assert round(krippendorff_alpha(profiles_from_columns(a, b, c, d)) or 0, 3) == 0.743


def test_masi_distance_follows_passonneau_2006() -> None:
    ab, a, bc = frozenset("ab"), frozenset("a"), frozenset("bc")
    assert masi_distance(ab, ab) == 0
    assert masi_distance(frozenset(), frozenset()) == 0
    assert masi_distance(ab, a) == pytest.approx(float(1 - Fraction(1, 2) * Fraction(2, 3)))  # subset
    assert masi_distance(ab, bc) == pytest.approx(float(1 - Fraction(1, 3) * Fraction(1, 3)))  # overlap
    assert masi_distance(a, frozenset("c")) == 1  # disjoint
    assert masi_distance(a, frozenset()) == 1


def test_undefined_coefficients_are_none_not_a_number() -> None:
    everyone_says_no = Counter({(False, False): 5})
    assert percent_agreement(everyone_says_no) == 1
    assert cohen_kappa(everyone_says_no) is None
    assert fleiss_kappa(everyone_says_no) is None
    assert krippendorff_alpha(everyone_says_no) is None
    assert percent_agreement(Counter()) is None


# --------------------------------------------------------------------- nltk as an independent oracle

labels = st.sampled_from(["a", "b", "c"])


@st.composite
def ratings(draw: st.DrawFn, coders: int) -> list[tuple[str, ...]]:
    items = draw(st.integers(2, 25))
    return [tuple(draw(labels) for _ in range(coders)) for _ in range(items)]


def nltk_task(rows: list[tuple[object, ...]], distance=None) -> AnnotationTask:  # type: ignore[no-untyped-def]
    data = [(f"c{c}", f"i{i}", v) for i, row in enumerate(rows) for c, v in enumerate(row)]
    return AnnotationTask(data) if distance is None else AnnotationTask(data, distance)


def defined(rows: list[tuple[object, ...]]) -> bool:
    return len({v for row in rows for v in row}) > 1


@settings(max_examples=60, deadline=None)
@given(ratings(2))
def test_two_coders_match_nltk(rows: list[tuple[str, ...]]) -> None:
    if not defined(rows):
        return
    task, profiles = nltk_task(rows), Counter(rows)
    assert percent_agreement(profiles) == pytest.approx(task.avg_Ao())
    assert cohen_kappa(profiles) == pytest.approx(task.kappa())
    assert fleiss_kappa(profiles) == pytest.approx(task.pi())  # Scott's pi with two coders
    assert krippendorff_alpha(profiles) == pytest.approx(task.alpha())


@settings(max_examples=60, deadline=None)
@given(st.integers(3, 5).flatmap(ratings))
def test_many_coders_match_nltk(rows: list[tuple[str, ...]]) -> None:
    if not defined(rows):
        return
    task, profiles = nltk_task(rows), Counter(rows)
    assert percent_agreement(profiles) == pytest.approx(task.avg_Ao())
    assert fleiss_kappa(profiles) == pytest.approx(task.pi())  # multi-pi = Fleiss' kappa
    assert krippendorff_alpha(profiles) == pytest.approx(task.alpha())


tag_sets = st.frozensets(st.sampled_from(["x", "y", "z"]), max_size=3)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 4).flatmap(lambda n: st.lists(st.tuples(*[tag_sets] * n), min_size=2, max_size=20)))
def test_masi_alpha_matches_nltk(rows: list[tuple[frozenset[str], ...]]) -> None:
    if not defined(rows):
        return
    task = nltk_task(rows, masi_distance)  # our distance (nltk's rounds 2/3 to 0.67 and fails on two ∅)
    assert krippendorff_alpha(Counter(rows), masi_distance) == pytest.approx(task.alpha())


def test_weights_are_the_same_as_repeated_units() -> None:
    rng = random.Random(7)
    rows = [tuple(rng.choice("ab") for _ in range(3)) for _ in range(40)]
    weighted = Counter(rows)
    task = nltk_task(rows)
    assert len(weighted) < len(rows)
    assert fleiss_kappa(weighted) == pytest.approx(task.pi())
    assert krippendorff_alpha(weighted) == pytest.approx(task.alpha())


# ----------------------------------------------------------------------------------------- units

TEXT = "甲说了一句话。乙回答了。丙没有说话。\n丁写了一封信。戊读了它。"
#       0      6 7    11 12    17 18  19     25 26  30


def span(passage: str, tags: list[str], occurrence: int = 0) -> tuple[int, int, list[str]]:
    start = -1
    for _ in range(occurrence + 1):
        start = TEXT.index(passage, start + 1)
    return start, start + len(passage), tags


def test_sentence_units_count_a_tag_wherever_an_annotation_overlaps_a_sentence() -> None:
    ann = {
        "ann": {"a.txt": [span("一句", ["来源"]), span("丁写了", ["来源"])]},
        "bob": {"a.txt": [span("甲说了一句话。乙", ["来源"])]},  # touches the second sentence too
    }
    result = compute(ann, {"a.txt": TEXT})
    assert result.overall.units == 5
    来源 = result.per_tag["来源"]
    # sentence values: ann = yes, no, no, yes, no ; bob = yes, yes, no, no, no
    assert 来源.coded == 3
    assert 来源.percent == pytest.approx(3 / 5)
    by_hand = Counter({(1, 1): 1, (0, 1): 1, (0, 0): 2, (1, 0): 1})
    assert 来源.cohen_kappa == pytest.approx(cohen_kappa(by_hand))
    assert [(TEXT[d.start : d.end], d.tags) for d in result.disagreements] == [
        ("乙回答了。", ((), ("来源",))),
        ("丁写了一封信。", (("来源",), ())),
    ]


def test_sub_tags_roll_up_into_their_parent_and_the_overall_set_compares_exact_tags() -> None:
    ann = {
        "ann": {"a.txt": [span("甲说", ["framing/economy"])]},
        "bob": {"a.txt": [span("甲说", ["framing/moral"])]},
    }
    result = compute(ann, {"a.txt": TEXT})
    assert result.per_tag["framing"].percent == 1.0
    assert result.per_tag["framing/economy"].percent == pytest.approx(4 / 5)
    assert result.overall.percent == pytest.approx(4 / 5)
    assert result.overall.alpha_masi is not None


def test_tag_filter_keeps_only_those_tags_and_their_sub_tags() -> None:
    ann = {
        "ann": {"a.txt": [span("甲说", ["framing/economy", "来源"])]},
        "bob": {"a.txt": [span("甲说", ["framing/economy"])]},
    }
    result = compute(ann, {"a.txt": TEXT}, tags=["framing"])
    assert set(result.per_tag) == {"framing", "framing/economy"}
    assert result.overall.percent == 1.0
    assert result.disagreements == ()


def test_paragraph_units() -> None:
    ann = {"ann": {"a.txt": [span("戊读了", ["x"])]}, "bob": {"a.txt": []}}
    result = compute(ann, {"a.txt": TEXT}, unit="paragraph")
    assert result.overall.units == 2
    assert [(d.start, d.end) for d in result.disagreements] == [(TEXT.index("丁"), len(TEXT))]


def test_character_units_weigh_characters_and_skip_line_breaks() -> None:
    ann = {"ann": {"a.txt": [span("一句话", ["x"])]}, "bob": {"a.txt": [span("句话。乙", ["x"])]}}
    result = compute(ann, {"a.txt": TEXT}, unit="character")
    assert result.overall.units == len(TEXT) - 1  # every character but the line break
    x = result.per_tag["x"]
    assert x.coded == 5  # 一句话。乙
    assert x.percent == pytest.approx((len(TEXT) - 1 - 3) / (len(TEXT) - 1))
    # the runs where they differ, each merged into one stretch
    assert [TEXT[d.start : d.end] for d in result.disagreements] == ["一", "。乙"]
    # nltk, one item per character, agrees on the weighted figures
    rows = []
    for i, ch in enumerate(TEXT):
        if ch != "\n":
            rows.append(tuple(any(s <= i < e for s, e, _ in ann[c]["a.txt"]) for c in ("ann", "bob")))
    task = nltk_task(rows)
    assert x.cohen_kappa == pytest.approx(task.kappa())
    assert x.alpha == pytest.approx(task.alpha())


def test_character_percent_agreement_is_inflated_by_uncoded_text() -> None:
    long_text = "。".join(["这是没有人编码的句子"] * 30) + "。关键的一句话在这里。"
    key = long_text.index("关键")
    ann = {
        "ann": {"a.txt": [(key, key + 6, ["x"])]},
        "bob": {"a.txt": [(key + 2, key + 9, ["x"])]},
    }
    by_char = compute(ann, {"a.txt": long_text}, unit="character").per_tag["x"]
    by_sentence = compute(ann, {"a.txt": long_text}).per_tag["x"]
    assert (by_char.percent or 0) > 0.98  # 30 sentences nobody coded make characters look unanimous
    assert by_sentence.percent == 1.0 and by_sentence.units == 31


def test_three_coders_have_no_cohen_kappa_but_fleiss_and_alpha() -> None:
    ann = {name: {"a.txt": [span("甲说", ["x"])] if name != "cat" else []} for name in ("ann", "bob", "cat")}
    result = compute(ann, {"a.txt": TEXT})
    x = result.per_tag["x"]
    assert x.cohen_kappa is None
    assert x.fleiss_kappa is not None and x.alpha is not None
    assert result.to_dict()["tags"]["x"]["units"] == 5


def test_a_coder_without_annotations_in_an_article_coded_nothing_there() -> None:
    ann = {"ann": {"a.txt": [span("甲说", ["x"])]}, "bob": {}}
    result = compute(ann, {"a.txt": TEXT, "b.txt": "另一篇。"})
    assert result.articles == ("a.txt", "b.txt")
    assert result.overall.units == 6
    assert result.per_tag["x"].coded == 1


def test_misuse_is_one_clear_error() -> None:
    with pytest.raises(UsageError, match="two coders"):
        compute({"ann": {}}, {"a.txt": TEXT})
    with pytest.raises(UsageError, match="unknown unit"):
        compute({"a": {}, "b": {}}, {"a.txt": TEXT}, unit="word")
