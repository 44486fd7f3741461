"""Script views and their offset maps (reader.convert)."""

from __future__ import annotations

import itertools
import json
import string
import subprocess
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import reader.convert.align
import reader.convert.build
from reader.convert import (
    VIEW_CONFIGS,
    VIEW_LABELS,
    VIEWS,
    Converter,
    OffsetMap,
    ViewText,
    check_opencc,
)
from reader.errors import EnvironmentProblem, UsageError
from reader.sanitise import normalise

DATA = Path(__file__).resolve().parent / "data"
SEEDS_DIR = Path(__file__).resolve().parents[1] / "seeds"
SEEDS = [normalise(p.read_text(encoding="utf-8")) for p in sorted(SEEDS_DIR.glob("*.txt"))]

CONVERTER = Converter()

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)


@dataclass(frozen=True)
class FakeArticle:
    text: str
    sha256: str


# ------------------------------------------------------------------------------------------ constants


def test_views_and_labels() -> None:
    assert VIEWS[0] == "original"
    assert set(VIEW_CONFIGS) == set(VIEWS) - {"original"}
    assert set(VIEW_LABELS) == set(VIEWS)


# ------------------------------------------------------------------------------------------ conformance

#: every OpenCC config in the reference cases -> how the reader asks for it: (source, view, phrases)
CONFIG_REQUESTS: dict[str, tuple[str, str, bool | None]] = {
    "s2t": ("simplified", "traditional", None),
    "s2tw": ("simplified", "taiwan", False),
    "s2twp": ("simplified", "taiwan", None),
    "s2hk": ("simplified", "hongkong", None),
    "s2hkp": ("simplified", "hongkong", True),
    "t2s": ("traditional", "simplified", None),
    "t2tw": ("traditional", "taiwan", None),
    "t2hk": ("traditional", "hongkong", None),
    "tw2s": ("taiwan", "simplified", False),
    "tw2sp": ("taiwan", "simplified", True),
    "tw2t": ("taiwan", "traditional", None),
    "hk2s": ("hongkong", "simplified", None),
    "hk2sp": ("hongkong", "simplified", True),
    "hk2t": ("hongkong", "traditional", None),
}
CASES = json.loads((DATA / "opencc-testcases.json").read_text(encoding="utf-8"))["cases"]


def _conformance_cases() -> list:
    params = []
    for case in CASES:
        for config, expected in case["expected"].items():
            if config in CONFIG_REQUESTS:
                params.append(pytest.param(config, case["input"], expected, id=f"{case['id']}-{config}"))
    return params


CONFORMANCE = _conformance_cases()


def test_conformance_cases_cover_every_config_but_japanese() -> None:
    configs = {config for case in CASES for config in case["expected"]}
    assert configs - set(CONFIG_REQUESTS) == {"jp2t", "t2jp"}
    assert len(CONFORMANCE) == 535


@pytest.mark.parametrize(("config", "source", "expected"), CONFORMANCE)
def test_opencc_conformance(config: str, source: str, expected: str) -> None:
    script, view, phrases = CONFIG_REQUESTS[config]
    assert CONVERTER.convert(source, view, source=script, phrases=phrases) == expected
    built = CONVERTER.build_view(source, view, source=script, phrases=phrases)
    assert built.text == expected
    _check_map(source, built)


# ------------------------------------------------------------------------------------------ seeds

SEED = {
    path.name[:3]: normalise(path.read_text(encoding="utf-8")) for path in sorted(SEEDS_DIR.glob("*.txt"))
}


def test_seed_phrases() -> None:
    for view in ("taiwan", "traditional"):
        assert "恢復相關" in CONVERTER.convert("正在恢复相关服务", view)
    assert CONVERTER.convert("字节跳动", "traditional") == "字節跳動"
    assert CONVERTER.convert("算法", "taiwan") == "演算法"
    assert CONVERTER.convert("演算法", "taiwan") == "演算法"
    assert CONVERTER.convert("合作伙伴", "traditional") == "合作伙伴"


@pytest.mark.parametrize("seed", ["000", "002"])
def test_taiwanese_seeds_are_unchanged_in_the_taiwan_view(seed: str) -> None:
    # s2twp rewrote 95 and 69 places here (用戶 -> 使用者, 數據 -> 資料, 從未在線上購買 -> 從未線上上購買)
    built = CONVERTER.build_view(SEED[seed], "taiwan")
    assert built.text == SEED[seed]
    assert built.offsets.identity and not built.phrases_on and not built.phrases


def test_seed_002_keeps_its_intervention_in_every_traditional_view() -> None:
    assert "政府過度干預企業" in SEED["002"]
    for view in ("traditional", "taiwan", "hongkong"):
        assert "過度干預" in CONVERTER.build_view(SEED["002"], view).text, view


def test_seed_003_leftovers_are_still_repaired() -> None:
    text = SEED["003"]
    built = CONVERTER.build_view(text, "traditional")
    for leftover, repaired in [
        ("涌入", "湧入"),
        ("之后", "之後"),
        ("回遷并不", "回遷並不"),
        ("專注于", "專注於"),
    ]:
        at = text.index(leftover)
        assert built.text[at : at + len(leftover)] == repaired
    repairs = {(r.source, r.text) for r in built.repairs}
    assert {("涌", "湧"), ("后", "後"), ("于", "於"), ("并", "並")} <= repairs
    assert all(built.text[r.view_start : r.view_end] == r.text for r in built.repairs)


def test_simplified_seeds_keep_their_taiwan_phrasing() -> None:
    assert "字節跳動" in CONVERTER.build_view(SEED["001"], "taiwan").text
    assert "恢復相關" in CONVERTER.build_view(SEED["004"], "taiwan").text


def test_seed_views_are_consistent() -> None:
    for text in SEED.values():
        for view in VIEWS:
            built = CONVERTER.build_view(text, view)
            _check_map(text, built, exact=False)
            assert CONVERTER.convert(text, view, source="auto") == built.text


def test_original_and_unknown_views() -> None:
    text = "软件\n"
    assert CONVERTER.convert(text, "original") is text
    with pytest.raises(UsageError, match="original, simplified, traditional, taiwan, hongkong"):
        CONVERTER.convert(text, "klingon")
    with pytest.raises(UsageError):
        CONVERTER.view(FakeArticle(text, "x"), "t2s")


def test_lone_surrogates_do_not_crash() -> None:
    assert CONVERTER.convert("软\ud800件", "traditional") == "軟\ud800件"
    built = CONVERTER.build_view("买U盘\ud800软件", "taiwan", source="simplified")
    assert built.text == "買隨身碟\ud800軟體"
    assert built.offsets.range_to_view(3, 4) == (4, 5)


def test_a_shipped_config_is_loaded_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """A workspace's converter, the tags' script folding and the search each have a Converter: the
    dictionaries of a shipped config are loaded once for all of them (a user-chosen word list still gets
    a config of its own)."""
    import opencc

    from reader.convert import engine

    made = []

    class Counting(opencc.OpenCC):  # type: ignore[misc]
        def __init__(self, config: str) -> None:
            made.append(config)
            super().__init__(config)

    monkeypatch.setattr(opencc, "OpenCC", Counting)
    engine._shipped_instance.cache_clear()
    try:
        first, second = Converter(), Converter()
        assert first.convert_config("軟體", "t2s") == second.convert_config("軟體", "t2s") == "软体"
        assert second.convert("软体", "traditional") == first.convert("软体", "traditional") == "軟體"
        assert made == ["t2s", "s2t"]
        custom = first.engine.converter(("t2s",), overrides=(("軟體", "软件"),))
        assert custom is not None and custom("軟體") == "软件"
        assert len(made) == 3 and made[-1].endswith(".json")
        with pytest.raises(UsageError, match="unknown OpenCC config"):
            first.convert_config("x", "nonsense")
    finally:
        engine._shipped_instance.cache_clear()


# ------------------------------------------------------------------------------------------ offset maps


def _check_map(text: str, built: ViewText, *, exact: bool = True) -> None:
    """Invariants of every map: ends, monotonicity both ways and sides, segments really convert.

    ``exact``: the view was made by one recipe (an explicit source), so each segment is that recipe's
    conversion of its original; with "auto" each run has its own recipe.
    """
    m, view = built.offsets, built.text
    n = len(text)
    for side in ("start", "end"):
        forward = [m.to_view(i, side) for i in range(n + 1)]
        backward = [m.to_original(i, side) for i in range(len(view) + 1)]
        assert forward[0] == 0 and forward[-1] == len(view)
        assert backward[0] == 0 and backward[-1] == n
        assert all(x <= y for x, y in itertools.pairwise(forward))
        assert all(x <= y for x, y in itertools.pairwise(backward))
    assert m.identity == (not m.segments)
    if exact:
        for a, b, c, d in m.segments:
            assert (
                CONVERTER.convert(text[a:b], built.view, source=built.source, phrases=built.phrases_on)
                == view[c:d]
            )


def test_u_disk_segment_and_snapping() -> None:
    text = "我买了U盘。"
    built = CONVERTER.build_view(text, "taiwan", source="simplified")
    assert built.text == "我買了隨身碟。"
    m = built.offsets
    assert m.segments == ((3, 5, 3, 6),)
    assert m.range_to_view(4, 5) == (3, 6)  # 盘 alone snaps out to 隨身碟
    assert m.range_to_view(3, 4) == (3, 6)  # so does U
    assert m.to_view(4, "start") == 3 and m.to_view(4, "end") == 6
    assert m.range_to_view(5, 6) == (6, 7)  # 。after it is shifted by one
    assert m.range_to_original(4, 5) == (3, 5)  # 身 in the view is U盘 in the original


def test_highlight_made_in_view_round_trips() -> None:
    text = "我买了U盘。"
    built = CONVERTER.build_view(text, "taiwan", source="simplified")
    for start, end in [(3, 6), (4, 5), (3, 4), (2, 6), (4, 7)]:
        orig = built.offsets.range_to_original(start, end)
        back = built.offsets.range_to_view(*orig)
        assert back[0] <= start and back[1] >= end
        again = built.offsets.range_to_original(*back)
        assert again == orig  # stable after one snap
    orig = built.offsets.range_to_original(3, 6)
    assert text[orig[0] : orig[1]] == "U盘"
    assert built.text[slice(*built.offsets.range_to_view(*orig))] == "隨身碟"


def test_equal_length_run_hiding_a_length_change() -> None:
    # U盘 grows by one and 方便面 shrinks by one inside one run: the map must still see both.
    built = CONVERTER.build_view("买U盘方便面吗", "taiwan", source="simplified")
    assert built.text == "買隨身碟泡麵嗎"
    assert built.offsets.segments == ((1, 3, 1, 4), (3, 6, 4, 6))
    assert built.offsets.to_view(3) == 4


def test_identity_views() -> None:
    text = "正在恢复相关服务，字节跳动。\n"
    for view in ("original", "traditional", "hongkong", "simplified"):
        assert CONVERTER.build_view(text, view, source="simplified").offsets.identity
    assert OffsetMap.identity_map(3).to_view(5) == 3  # clamped
    assert OffsetMap.identity_map(3).to_original(-1) == 0


def test_offset_map_rejects_inconsistent_segments() -> None:
    with pytest.raises(ValueError):
        OffsetMap(5, 6, [(1, 3, 2, 5)])  # gap before the segment is 1 vs 2
    with pytest.raises(ValueError):
        OffsetMap(5, 5, [(1, 3, 1, 4)])  # lengths after it do not match


@pytest.mark.parametrize(
    "text",
    [
        "买U盘",
        "U盘方便面",
        "打印机和鼠标",
        "我用算法和U盘，还有方便面。\n内存条三文鱼 航天飞机",
        "的士卒打开城门",
        "台式机B超",
    ],
)
def test_every_phrase_aligned_pair_exhaustively(text: str) -> None:
    for view in VIEWS:
        built = CONVERTER.build_view(text, view, source="simplified")
        _check_map(text, built)
        whole = CONVERTER.convert(text, view)
        for a in range(len(text) + 1):
            for b in range(a, len(text) + 1):
                middle = CONVERTER.convert(text[a:b], view)
                if CONVERTER.convert(text[:a], view) + middle + CONVERTER.convert(text[b:], view) == whole:
                    m = built.offsets
                    assert built.text[m.to_view(a, "start") : m.to_view(b, "end")] == middle, (view, a, b)


def _assert_aligned_pairs_exact(text: str, built: ViewText, convert) -> None:
    """Every phrase-aligned (a, b) maps exactly: the view slice is convert(text[a:b])."""
    whole = convert(text)
    heads = [convert(text[:i]) for i in range(len(text) + 1)]
    tails = [convert(text[i:]) for i in range(len(text) + 1)]
    m = built.offsets
    for a in range(len(text) + 1):
        for b in range(a, len(text) + 1):
            middle = convert(text[a:b])
            if heads[a] + middle + tails[b] == whole:
                assert built.text[m.to_view(a, "start") : m.to_view(b, "end")] == middle, (a, b)


@pytest.mark.parametrize("limit", [8, 3])
def test_long_unpunctuated_runs_are_chunked(limit: int, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "数据库局部航天飞机国么比我用算法和U盘还有方便面内存条三文鱼松松发布打印机和鼠标"
    monkeypatch.setattr(reader.convert.align, "_WALK_LIMIT", limit)
    for view in ("taiwan", "traditional"):
        built = CONVERTER.build_view(text, view, source="simplified")
        assert built.text == CONVERTER.convert(text, view)
        _check_map(text, built)
        if limit == 8:  # chunks of 4..8 characters still find every cut
            _assert_aligned_pairs_exact(text, built, lambda s, v=view: CONVERTER.convert(s, v))


def _synthetic_build(text: str, convert) -> ViewText:
    table = reader.convert.align._CharTable(convert)
    out, segments = reader.convert.align._build(text, convert(text), convert, table)
    return ViewText("synthetic", out, OffsetMap(len(text), len(out), segments))


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("甲，乙", "丙丁戊，己"),  # a "phrase" across a separator, separators still pair up
        ("，", "、、"),  # a separator that converts: runs do not pair up
        ("乙二", "丙\n丁"),  # a newline created: converted paragraph by paragraph
    ],
)
def test_fallbacks_with_a_synthetic_converter(source: str, target: str) -> None:
    def convert(s: str) -> str:
        return s.replace(source, target)

    text = "一甲，乙二三。\n四甲，乙二五"
    built = _synthetic_build(text, convert)
    assert built.text == "\n".join(convert(p) for p in text.split("\n")) == convert(text)
    m = built.offsets
    for side in ("start", "end"):
        forward = [m.to_view(i, side) for i in range(len(text) + 1)]
        assert forward[0] == 0 and forward[-1] == len(built.text)
        assert all(x <= y for x, y in itertools.pairwise(forward))
    _assert_aligned_pairs_exact(text, built, convert)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab", max_size=200), st.lists(st.integers(0, 199), max_size=12))
def test_few_isolated_changes_agrees_with_the_simple_scan(text: str, flips: list[int]) -> None:
    changed = list(text)
    for i in flips:
        if i < len(changed):
            changed[i] = "x"
    other = "".join(changed)
    expected = reader.convert.align._isolated_changes(text, other)
    budget = len(text) // 64 + 4
    if sum(x != y for x, y in zip(text, other, strict=True)) <= budget:
        assert reader.convert.align._few_isolated_changes(text, other) == expected
    elif not expected:
        assert not reader.convert.align._few_isolated_changes(text, other)


# ------------------------------------------------------------------------------------------ properties

COMMON = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方"
    "后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开"
    "它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此"
    "變條隻沒結解問意建月公無係軍很情者最立代想已通並提直題黨程展五果料象員革位入常文總次品式活設及管特件長求"
)
PHRASES = [
    "U盘",
    "软件",
    "算法",
    "演算法",
    "打印机",
    "鼠标",
    "信息",
    "网络",
    "内存",
    "硬盘",
    "内存条",
    "字节",
    "的士",
    "方便面",
    "航天飞机",
    "互联网",
    "台式机",
    "B超",
    "博客",
    "发布",
    "打开",
    "正在恢复相关服务",
    "字节跳动",
    "軟體",
]
PUNCT = "，。、；：？！“”「」（）《》…—·,.!?()\"' \t\u3000"

chunks = st.one_of(
    st.sampled_from(PHRASES),
    st.text(alphabet=COMMON, min_size=1, max_size=4),
    st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=3),
    st.sampled_from(PUNCT),
    st.just("\n"),
)
random_texts = st.lists(chunks, max_size=24).map("".join)
seed_slices = st.tuples(
    st.integers(0, len(SEEDS) - 1), st.floats(0, 1, allow_nan=False), st.integers(0, 300)
).map(lambda t: SEEDS[t[0]][int(t[1] * len(SEEDS[t[0]])) :][: t[2]])
texts = st.one_of(random_texts, seed_slices)


def _positions(draw: st.DrawFn, text: str) -> tuple[int, int]:
    a = draw(st.integers(0, len(text)))
    b = draw(st.integers(a, len(text)))
    return a, b


@st.composite
def text_and_range(draw: st.DrawFn) -> tuple[str, int, int]:
    text = draw(texts)
    a, b = _positions(draw, text)
    return text, a, b


@PROPERTY_SETTINGS
@given(texts)
def test_map_invariants(text: str) -> None:
    for view in VIEWS:
        built = CONVERTER.build_view(text, view, source="simplified")
        assert built.text == CONVERTER.convert(text, view)
        _check_map(text, built)


@PROPERTY_SETTINGS
@given(text_and_range())
def test_ranges_round_trip_contain_the_original(case: tuple[str, int, int]) -> None:
    text, a, b = case
    for view in VIEWS:
        m = CONVERTER.build_view(text, view, source="simplified").offsets
        vs, ve = m.range_to_view(a, b)
        assert vs <= ve
        os_, oe = m.range_to_original(vs, ve)
        assert os_ <= a and oe >= b
        # and the other way: a range in the view, to the original and back, contains the view range
        view_len = m.view_length
        va, vb = min(a, view_len), min(b, view_len)
        back = m.range_to_view(*m.range_to_original(va, vb))
        assert back[0] <= va and back[1] >= vb


@pytest.mark.parametrize("view", VIEWS)
@PROPERTY_SETTINGS
@given(case=text_and_range())
def test_phrase_aligned_ranges_map_exactly(view: str, case: tuple[str, int, int]) -> None:
    text, a, b = case
    middle = CONVERTER.convert(text[a:b], view)
    aligned = CONVERTER.convert(text[:a], view) + middle + CONVERTER.convert(text[b:], view)
    assume(aligned == CONVERTER.convert(text, view))
    built = CONVERTER.build_view(text, view, source="simplified")
    m = built.offsets
    assert built.text[m.to_view(a, "start") : m.to_view(b, "end")] == middle


# ------------------------------------------------------------------------------------------ cache


def test_view_cache_returns_the_same_object() -> None:
    converter = Converter(cache_size=2)
    a = FakeArticle("我买了U盘。\n软件", "a" * 64)
    first = converter.view(a, "taiwan")
    assert converter.view(a, "taiwan") is first
    assert converter.view(FakeArticle(a.text, a.sha256), "taiwan") is first  # keyed by sha256, not identity
    assert converter.view(a, "original") is converter.view(a, "original")
    original = converter.view(a, "original")
    assert original.text is a.text
    assert converter.view(a, "taiwan") is first  # now "original" is the least recently used
    converter.view(a, "traditional")  # a third entry evicts it
    assert converter.view(a, "taiwan") is first
    assert converter.view(a, "original") is not original
    converter.clear_cache()
    assert converter.view(a, "taiwan") is not first


def test_cache_bounded_by_characters() -> None:
    converter = Converter(cache_size=16, cache_chars=10)
    a = FakeArticle("软件" * 4, "a")
    b = FakeArticle("硬盘" * 4, "b")
    first = converter.view(a, "taiwan")
    converter.view(b, "taiwan")
    assert converter.view(a, "taiwan") is not first  # evicted: both did not fit in 10 characters


# ------------------------------------------------------------------------------------------ check_opencc


def test_check_opencc_accepts_the_official_binding() -> None:
    check_opencc()


def _fake_module(tmp_path: Path, *files: str) -> types.ModuleType:
    folder = tmp_path / "site-packages" / "opencc"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("", encoding="utf-8")
    for name in files:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}", encoding="utf-8")
    module = types.ModuleType("opencc")
    module.__file__ = str(folder / "__init__.py")
    module.OpenCC = type("OpenCC", (), {"convert": lambda self, text: text})  # type: ignore[attr-defined]
    return module


def _one_line(exc: pytest.ExceptionInfo[EnvironmentProblem]) -> str:
    message = str(exc.value)
    assert "\n" not in message
    return message


def test_check_opencc_rejects_the_reimplementation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _fake_module(tmp_path, "opencc.py", "config/s2t.json")
    monkeypatch.setitem(sys.modules, "opencc", fake)
    with pytest.raises(EnvironmentProblem) as exc:
        check_opencc()
    message = _one_line(exc)
    assert "opencc-python-reimplemented" in message
    assert "pip uninstall -y opencc-python-reimplemented opencc && pip install OpenCC" in message
    with pytest.raises(EnvironmentProblem):  # a fresh Converter refuses to convert with it
        Converter().convert("软件", "traditional")


def test_check_opencc_looks_at_the_module_in_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Both installed, the reimplementation's files written last: the C++ library is on disk but unused.
    fake = _fake_module(tmp_path, "opencc.py", "clib/opencc_clib.cpython-311-x86_64-linux-gnu.so")
    monkeypatch.setitem(sys.modules, "opencc", fake)
    with pytest.raises(EnvironmentProblem, match="opencc-python-reimplemented"):
        check_opencc()
    # what the official __init__ provides: OpenCC subclasses opencc_clib._OpenCC
    clib = types.SimpleNamespace(_OpenCC=type("_OpenCC", (), {}))
    official = types.ModuleType("opencc")
    official.opencc_clib = clib  # type: ignore[attr-defined]
    official.OpenCC = type("OpenCC", (clib._OpenCC,), {})  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "opencc", official)
    check_opencc()


def test_check_opencc_rejects_an_unknown_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "opencc", _fake_module(tmp_path))
    with pytest.raises(EnvironmentProblem) as exc:
        check_opencc()
    message = _one_line(exc)
    assert "not the official OpenCC binding" in message and "pip install OpenCC" in message


def test_check_opencc_reports_a_missing_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "opencc", None)
    with pytest.raises(EnvironmentProblem) as exc:
        check_opencc()
    message = _one_line(exc)
    assert "not importable" in message and "pip install OpenCC" in message


# ------------------------------------------------------------------------------------------ sources and runs

mixed_chunks = st.one_of(
    chunks,
    st.sampled_from(
        [
            "過度干預",
            "政府",
            "用戶",
            "數據",
            "平台",
            "之后",
            "涌入",
            "专注于",
            "臺灣",
            "鑒于",
            "並不",
            "群體",
            "台北",
        ]
    ),
)
mixed_texts = st.one_of(st.lists(mixed_chunks, max_size=24).map("".join), seed_slices)


@st.composite
def mixed_text_and_range(draw: st.DrawFn) -> tuple[str, int, int]:
    text = draw(mixed_texts)
    a, b = _positions(draw, text)
    return text, a, b


@PROPERTY_SETTINGS
@given(mixed_texts, st.sampled_from(["auto", "simplified", "traditional", "taiwan", "hongkong"]))
def test_map_invariants_for_every_source(text: str, source: str) -> None:
    for view in VIEWS:
        built = CONVERTER.build_view(text, view, source=source)
        _check_map(text, built, exact=source != "auto")
        for sub in built.substitutions():
            assert built.text[sub.view_start : sub.view_end] == sub.text
            assert text[sub.start : sub.end] == sub.source


@PROPERTY_SETTINGS
@given(mixed_text_and_range(), st.sampled_from(VIEWS))
def test_a_highlight_made_in_any_view_shows_on_the_same_characters_in_every_other(
    case: tuple[str, int, int], made_in: str
) -> None:
    text, a, b = case
    origin = CONVERTER.build_view(text, made_in)
    va, vb = min(a, origin.offsets.view_length), min(b, origin.offsets.view_length)
    stored = origin.offsets.range_to_original(va, vb)  # what the store keeps
    for view in VIEWS:
        shown = CONVERTER.build_view(text, view)
        vs, ve = shown.offsets.range_to_view(*stored)
        back = shown.offsets.range_to_original(vs, ve)
        assert back[0] <= stored[0] and back[1] >= stored[1]
        # it covers exactly the stored characters unless an edge falls inside a substituted phrase
        if not any(a_ < edge < b_ for a_, b_, _, _ in shown.offsets.segments for edge in stored):
            assert back == stored


def test_a_mixed_article_is_converted_clause_by_clause() -> None:
    text = "這款軟體的用戶數據很多。\n这个软件的用户数据很多。"
    built = CONVERTER.build_view(text, "taiwan", script="mixed")
    first, second = built.text.split("\n")
    assert first == "這款軟體的用戶數據很多。"  # already Taiwanese: untouched
    assert second == "這個軟體的使用者資料很多。"  # Simplified: converted, phrases localised
    assert {p.source for p in built.phrases} == {"软件", "用户", "数据"}
    _check_map(text, built, exact=False)


def test_explicit_source_converts_everything_as_that_script() -> None:
    text = "之后政府過度干預"
    assert CONVERTER.convert(text, "taiwan", source="traditional") == "之后政府過度干預"  # t2tw: no repair
    assert CONVERTER.convert(text, "taiwan", source="auto") == "之後政府過度干預"
    assert CONVERTER.convert(text, "taiwan", source="simplified").startswith("之後政府過度幹預")


def test_regional_variants_are_not_leftovers() -> None:
    for text in ("台北市的平台", "社群媒體才是", "里程碑"):
        assert CONVERTER.convert("我們的" + text, "taiwan", source="auto") == "我們的" + text


# ------------------------------------------------------------------------------------------ substitutions


def test_phrases_are_a_visible_layer_that_can_be_turned_off() -> None:
    text = "点击菜单，发布声明。"
    on = CONVERTER.build_view(text, "taiwan")
    assert on.phrases_on and on.text == "點選選單，釋出宣告。"
    found = {(p.source, p.text) for p in on.phrases}
    assert {("菜单", "選單"), ("发布", "釋出"), ("声明", "宣告")} <= found
    for p in on.phrases:
        assert text[p.start : p.end] == p.source and on.text[p.view_start : p.view_end] == p.text
    off = CONVERTER.build_view(text, "taiwan", phrases=False)
    assert not off.phrases_on and not off.phrases and off.text == "點擊菜單，發佈聲明。"
    assert off.offsets.identity
    assert not CONVERTER.build_view(text, "traditional").phrases_on
    hongkong = CONVERTER.build_view(text, "hongkong", phrases=True)  # s2hkp: on, but no HK phrase here
    assert hongkong.phrases_on and not hongkong.phrases
    assert not CONVERTER.build_view(text, "hongkong").phrases_on  # off by default outside 臺灣


def test_phrases_for_seed_004() -> None:
    built = CONVERTER.build_view(SEED["004"], "taiwan")
    pairs = {(p.source, p.text) for p in built.phrases}
    assert {("菜单", "選單"), ("支持", "支援"), ("发布", "釋出"), ("声明", "宣告")} <= pairs


def test_one_to_many_characters_decided_by_default_are_uncertain() -> None:
    text = "后，皇后。头发，发现。"
    built = CONVERTER.build_view(text, "traditional", source="simplified")
    uncertain = {(u.start, u.source, u.text): u.choices for u in built.uncertain}
    assert uncertain[(0, "后", "後")] == ("後", "后")
    assert (3, "后", "后") not in uncertain  # 皇后: a phrase decided
    assert all(u.source not in "头现" for u in built.uncertain)
    assert not any(u.start in (6, 9) for u in built.uncertain)  # 头发, 发现: phrases decided


def test_views_are_built_in_chunks_with_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "\n".join(SEED.values()) * 3
    whole = CONVERTER.build_view(text, "taiwan")
    monkeypatch.setattr(reader.convert.build, "CHUNK_CHARS", 500)
    seen: list[tuple[int, int]] = []
    chunked = Converter().build_view(text, "taiwan", progress=lambda done, total: seen.append((done, total)))
    assert chunked.text == whole.text
    assert chunked.offsets.segments == whole.offsets.segments
    assert len(seen) > 10 and seen[-1] == (len(text), len(text))
    assert all(a[0] < b[0] for a, b in itertools.pairwise(seen))
    assert [(p.start, p.text) for p in chunked.phrases] == [(p.start, p.text) for p in whole.phrases]


# ------------------------------------------------------------------------------------------ OpenCC's tables


def test_only_the_phrase_dictionaries_change_lengths() -> None:
    """What lets a view without phrases have the identity map (and the aligner skip most paragraphs)."""
    from reader.convert.engine import share_dir
    from reader.convert.tables import PHRASE_DICTIONARIES, _dump_dictionary

    for path in sorted(share_dir().glob("*.ocd2")):
        table = _dump_dictionary(path.stem)
        changing = {key for key, values in table.items() for v in values if len(v) != len(key)}
        if path.stem in PHRASE_DICTIONARIES:
            assert changing, path.stem
        else:
            assert not changing, (path.stem, sorted(changing)[:5])


def test_shipped_tables_match_the_installed_opencc() -> None:
    import orjson

    from reader.convert.engine import opencc_version
    from reader.convert.tables import (
        ONE_TO_MANY_TABLE,
        PHRASE_DICTIONARIES,
        build_length_changing,
        build_one_to_many,
    )

    shipped = orjson.loads(ONE_TO_MANY_TABLE.read_bytes())
    if shipped["opencc"] != opencc_version():
        pytest.skip("tables shipped for another OpenCC: regenerate with write_one_to_many()")
    assert {k: tuple(v) for k, v in shipped["s2t"].items()} == build_one_to_many()
    assert shipped["length_changing"] == build_length_changing()
    assert set(shipped["length_changing"]) == set(PHRASE_DICTIONARIES)
    assert shipped["s2t"]["后"] == ["後", "后"] and "个" not in shipped["s2t"]


def _fake_package(tmp_path: Path, init: str, *files: str) -> Path:
    """A folder on sys.path holding an `opencc` package with this __init__ and these files."""
    root = tmp_path / "site"
    folder = root / "opencc"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text(init, encoding="utf-8")
    for name in files:
        name, _, empty = name.partition(":")
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"" if empty else b"\x7fELF")
    return root


@pytest.mark.parametrize(
    ("init", "files", "accepted"),
    [
        ("from .clib import opencc_clib\n", ["clib/opencc_clib.cpython-311-x86_64-linux-gnu.so"], True),
        # an empty library, or one built for another Python: refused before the app starts
        (
            "from .clib import opencc_clib\n",
            ["clib/opencc_clib.cpython-311-x86_64-linux-gnu.so:empty"],
            False,
        ),
        ("from .clib import opencc_clib\n", ["clib/opencc_clib.cpython-27-x86_64-linux-gnu.so"], False),
        ("from .opencc import OpenCC\n", ["opencc.py", "config/s2t.json"], False),
        # both installed, the reimplementation's __init__ written last: the C++ library is on disk, unused
        (
            "from .opencc import OpenCC\n",
            ["opencc.py", "clib/opencc_clib.cpython-311-x86_64-linux-gnu.so"],
            False,
        ),
        ("", [], False),
    ],
)
def test_the_app_checks_opencc_by_its_files_without_importing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, init: str, files: list[str], accepted: bool
) -> None:
    from reader.scripts import check_opencc_files

    monkeypatch.syspath_prepend(str(_fake_package(tmp_path, init, *files)))
    monkeypatch.delitem(sys.modules, "opencc", raising=False)
    if accepted:
        check_opencc_files()
    else:
        with pytest.raises(EnvironmentProblem) as exc:
            check_opencc_files()
        assert "pip install OpenCC" in _one_line(exc)
    assert "opencc" not in sys.modules  # nothing was imported


def test_the_app_s_check_accepts_the_installed_binding_without_importing_it() -> None:
    code = (
        "import sys; from reader.scripts import check_opencc_files; check_opencc_files(); "
        "print('opencc' in sys.modules)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.strip() == "False", run.stderr
