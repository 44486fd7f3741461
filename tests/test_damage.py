"""Damage detection (reader.damage): what a reader of seed 003 sees underlined, and the repaired view."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DATA, SEEDS
from reader.damage import Damage, find_damage, readings, repaired_view
from reader.sanitise import normalise

SEED_003 = SEEDS / "003_354cf6c445f5e220.txt"


def seed(name: str) -> str:
    return normalise((SEEDS / name).read_text(encoding="utf-8"))


def test_seed_003_lists_its_pinyin_runs_and_lost_characters() -> None:
    text = normalise(SEED_003.read_text(encoding="utf-8"))
    spots = find_damage(text)
    kinds = {d.kind for d in spots}
    assert kinds == {"pinyin", "garbled", "lost"}
    pinyin = [d for d in spots if d.kind == "pinyin"]
    assert len(pinyin) == 201  # the issue counted 201 places
    assert all(text[d.start + 1] == "(" and text[d.end - 1] == ")" for d in pinyin)
    assert text[pinyin[0].start : pinyin[0].end] == "區(qū)" and pinyin[0].repair == "區"
    # every `?` that is not a question mark is inside a spot; the article's own question marks are not
    question_marks = [i for i, ch in enumerate(text) if ch == "?"]
    flagged = [i for i in question_marks if any(d.start <= i < d.end for d in spots)]
    assert text[text.index("影響幾何") + 4] == "?" and text.index("影響幾何") + 4 not in flagged
    assert len(flagged) == len(question_marks) - 3  # 影響幾何? 轉型? and the doubtful 副教授?)
    spots_by_quote = {text[d.start : d.end]: d for d in spots}
    assert spots_by_quote["?shù)貢r"].repair == "地時"
    assert spots_by_quote["?qū)V"].repair is None  # three characters fit the reading: no certain repair
    assert len(spots) == 209


def test_the_repaired_view_reads_clean_and_maps_back_to_the_original() -> None:
    text = normalise(SEED_003.read_text(encoding="utf-8"))
    view = repaired_view(text, find_damage(text))
    assert "美國地區App Store" in view.text and "地區(qū)" not in view.text
    assert "截至美國當地時間1月21日" in view.text
    assert "與當地KOL合作" in view.text
    # a passage selected in the repaired view is stored against the original, which is unchanged
    start = view.text.index("當地時間")
    o_start, o_end = view.offsets.range_to_original(start, start + 4)
    assert text[o_start:o_end] == "當?shù)貢r間"
    assert view.offsets.range_to_view(o_start, o_end) == (start, start + 4)
    # outside repaired spots positions move by the repairs before them only
    later = view.text.index("(作者")
    assert text[view.offsets.to_original(later) :].startswith("(作者")


def test_clean_seeds_and_parentheses_in_english_are_not_damage() -> None:
    for name in ("000_7bd28feb70503cb0.txt", "001_8eaa32b1d9703bf4.txt", "004_b2f79115014bf41b.txt"):
        assert find_damage(seed(name)) == []
    assert find_damage("社交(social)媒體(media)和(hé)") == [
        Damage("pinyin", 19, 24, "和", "和 followed by its reading")
    ]
    assert [d.kind for d in find_damage("社交(social)媒體(media)")] == []
    assert [(d.kind, d.repair) for d in find_damage("人(rén)")] == [("pinyin", "人")]
    assert find_damage("人(rèn)") == []  # not one of 人's readings


def test_lost_characters_in_full_width_text_and_replacement_characters() -> None:
    zuozhuan = (DATA / "zuozhuan.txt").read_text(encoding="utf-8")
    spots = find_damage(zuozhuan)
    assert len(spots) == 18 and all(d.kind == "lost" and d.repair is None for d in spots)
    assert zuozhuan[spots[0].start - 2 : spots[0].end + 2] == "又在?地演"
    # in full-width text an ASCII ? between Han characters is a lost character, a full-width ？ is not
    assert [(d.kind, d.start) for d in find_damage("他说：我?不知道。你呢？好。")] == [("lost", 4)]
    assert [(d.kind, d.start, d.end) for d in find_damage("数\ufffd\ufffd据")] == [("lost", 1, 3)]


def test_mojibake_is_found_with_ftfy_and_repaired() -> None:
    text = "标题\n这是 ä¸­æ–‡ 的测试\n正文"
    spots = find_damage(text)
    assert [d.kind for d in spots] == ["mojibake"]
    view = repaired_view(text, spots)
    assert view.text == "标题\n这是 中文 的测试\n正文"
    assert text[spots[0].start : spots[0].end].startswith("ä")


def test_reading_lookup_knows_heteronyms() -> None:
    assert {"qū", "ōu"} <= readings("區")
    assert "shù" in readings("數")


_HAN = st.sampled_from("地區數據發展的一是不了人")
_PIECES = st.lists(
    st.one_of(
        _HAN,
        st.sampled_from(["區(qū)", "數(shù)", "發(fā)", ",", "。", "\n", "(a)", "?"]),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(_PIECES)
def test_repaired_view_offsets_are_consistent(pieces: list[str]) -> None:
    """Every view position maps into the original and back to itself or outward (never shrinks)."""
    text = "".join(pieces)
    view = repaired_view(text, find_damage(text))
    assert view.offsets.original_length == len(text) and view.offsets.view_length == len(view.text)
    for pos in range(len(view.text) + 1):
        start = view.offsets.to_original(pos, "start")
        assert 0 <= start <= len(text)
        assert view.offsets.to_view(start, "start") <= pos
    assert "(qū)" not in view.text and "(shù)" not in view.text
