"""Tests for reader.layout: Chinese-aware wrapping and sentence navigation (no UI)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from reader.damage import LOCAL_DAMAGE_MARK
from reader.layout import CLOSING, OPENING, Layout, can_break, char_width, wrap_more, wrap_text
from reader.sentences import (
    next_paragraph_start,
    next_sentence_start,
    paragraph_bounds,
    prev_paragraph_start,
    prev_sentence_start,
    sentence_bounds,
)

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
ZUOZHUAN = Path(__file__).parent / "data" / "zuozhuan.txt"  # copied from ../shared/corpus
ASCII_WORD = re.compile(r"[A-Za-z0-9]")


def seed_texts() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in SEEDS]


# --- oracles, written independently of the implementation ---------------------------------------


def cells(text: str) -> int:
    return sum(char_width(char) for char in text)


def relaxed_ok(text: str, pos: int) -> bool:
    """Punctuation rules only (across spaces): may a line start at `pos`?"""
    after = text[pos:].lstrip(" \t\u3000")[:1]
    before = text[:pos].rstrip(" \t\u3000")[-1:]
    return (
        after not in CLOSING
        and before not in OPENING
        and not (text[pos] == text[pos - 1] and text[pos] in "—…⋯―─")
        and char_width(text[pos]) != 0
    )


def paragraphs(text: str) -> list[tuple[int, int]]:
    result = []
    start = 0
    for line in text.split("\n"):
        if line:
            result.append((start, start + len(line)))
        start += len(line) + 1
    return result


def check_layout(text: str, width: int, layout: Layout) -> None:
    """Every structural promise of `wrap_text`."""
    assert len(layout.starts) == len(layout.ends) >= 1
    paras = paragraphs(text)
    if not paras:
        assert layout.lines == [(0, 0)]
        return
    # Lines in order, each inside one paragraph, followed by exactly one blank line per paragraph.
    lines = layout.lines
    index = 0
    for para_start, para_end in paras:
        position = para_start
        while lines[index][0] < para_end:
            start, end = lines[index]
            assert start == position, "lines must be contiguous inside a paragraph"
            assert start < end <= para_end
            assert "\n" not in text[start:end]
            position = end
            index += 1
        assert position == para_end, "the paragraph must be covered"
        assert lines[index] == (para_end, para_end), "a blank line must follow each paragraph"
        index += 1
    assert index == len(lines)
    # Every non-newline character in exactly one line.
    covered = [pos for start, end in lines for pos in range(start, end)]
    assert covered == [pos for pos, char in enumerate(text) if char != "\n"]

    for number, (start, end) in enumerate(lines):
        if start == end:
            continue
        para_start, para_end = paragraph_bounds(text, start)
        width_of_line = cells(text[start:end])
        # No line wider than the width, except a lone character wider than the width.
        single = cells(text[start]) > width and all(char_width(c) == 0 for c in text[start + 1 : end])
        assert width_of_line <= width or single, (text[start:end], width_of_line, width)
        if start > para_start:
            prev_start = lines[number - 1][0]
            if text[start] in CLOSING or text[start - 1] in OPENING:
                # Only when no legal break existed anywhere on the previous line.
                assert not any(relaxed_ok(text, b) for b in range(prev_start + 1, start)), (
                    text[prev_start:end],
                    width,
                )
            if ASCII_WORD.match(text[start]) and ASCII_WORD.match(text[start - 1]):
                # A split word: only if it does not fit in a line, or nothing else could be done.
                word_start = start
                while word_start > para_start and ASCII_WORD.match(text[word_start - 1]):
                    word_start -= 1
                word_end = start
                while word_end < para_end and ASCII_WORD.match(text[word_end]):
                    word_end += 1
                too_long = cells(text[word_start:word_end]) > width
                stuck = not any(can_break(text, b) for b in range(prev_start + 1, start))
                assert too_long or stuck, (text[prev_start:end], width)


# --- unit tests ---------------------------------------------------------------------------------


def test_empty_and_blank_texts() -> None:
    assert wrap_text("", 10).lines == [(0, 0)]
    assert wrap_text("\n\n\n", 10).lines == [(0, 0)]


def test_paragraphs_blank_lines_collapse() -> None:
    text = "甲乙\n\n\n丙丁\n"
    layout = wrap_text(text, 10)
    assert layout.lines == [(0, 2), (2, 2), (5, 7), (7, 7)]
    # The newlines (including collapsed empty lines) belong to the blank line.
    assert layout.line_of_offset(2) == 1
    assert layout.line_of_offset(3) == 1
    assert layout.line_of_offset(4) == 1
    assert layout.line_of_offset(5) == 2


def test_wraps_by_cells_not_characters() -> None:
    text = "一二三四五六七八九十"
    layout = wrap_text(text, 8)
    assert [text[s:e] for s, e in layout.lines if e > s] == ["一二三四", "五六七八", "九十"]
    mixed = "abcdefgh一二三四"
    assert [mixed[s:e] for s, e in wrap_text(mixed, 10).lines if e > s] == ["abcdefgh一", "二三四"]


def test_closing_punctuation_is_pushed_down_with_previous_character() -> None:
    text = "一二三四，五六"
    # At width 8 the comma would start line 2: 四 comes down with it.
    assert [text[s:e] for s, e in wrap_text(text, 8).lines if e > s] == ["一二三", "四，五六"]
    quote = "一二三四。」五"
    assert [quote[s:e] for s, e in wrap_text(quote, 8).lines if e > s] == ["一二三", "四。」五"]


def test_opening_punctuation_never_ends_a_line() -> None:
    text = "一二三「四五」"
    assert [text[s:e] for s, e in wrap_text(text, 8).lines if e > s] == ["一二三", "「四五」"]


def test_latin_words_move_whole() -> None:
    text = "一二三TikTok四五"
    assert [text[s:e] for s, e in wrap_text(text, 10).lines if e > s] == ["一二三", "TikTok四五"]
    year = "一二三四2025年"
    assert [year[s:e] for s, e in wrap_text(year, 10).lines if e > s] == ["一二三四", "2025年"]
    file_name = "一二三四photo.jpg"
    assert [file_name[s:e] for s, e in wrap_text(file_name, 12).lines if e > s] == ["一二三四", "photo.jpg"]


def test_long_words_are_folded() -> None:
    text = "一" + "x" * 25
    lines = [text[s:e] for s, e in wrap_text(text, 10).lines if e > s]
    assert lines == ["一", "x" * 10, "x" * 10, "x" * 5]


def test_unavoidable_breaks() -> None:
    text = "！" * 9
    lines = [text[s:e] for s, e in wrap_text(text, 6).lines if e > s]
    assert lines == ["！！！", "！！！", "！！！"]
    single = "中文"
    assert [single[s:e] for s, e in wrap_text(single, 1).lines if e > s] == ["中", "文"]


def test_ellipsis_and_dash_are_not_split() -> None:
    text = "一二三——四"
    assert [text[s:e] for s, e in wrap_text(text, 7).lines if e > s] == ["一二三", "——四"]
    dots = "一二三……四"
    assert [dots[s:e] for s, e in wrap_text(dots, 7).lines if e > s] == ["一二", "三……四"]


def test_zero_width_characters_stay_with_their_base() -> None:
    text = "abcde\u0301fg"
    assert [text[s:e] for s, e in wrap_text(text, 5).lines if e > s] == ["abcde\u0301", "fg"]


def test_cell_widths_agree_with_rich() -> None:
    for char in "中，。“”…—·aZ1 \u200b\u0301한ｱ":
        assert char_width(char) == cell_len(char)
    assert char_width("\t") == 1


def test_offsets_and_columns() -> None:
    text = "ab中文c\n第二段"
    layout = wrap_text(text, 80)
    assert layout.lines == [(0, 5), (5, 5), (6, 9), (9, 9)]
    assert [layout.offset_at(0, x) for x in range(8)] == [0, 1, 2, 2, 3, 3, 4, 5]
    assert [layout.cell_x_of_offset(0, pos) for pos in range(6)] == [0, 1, 2, 4, 6, 7]
    assert layout.offset_at(1, 5) == 5
    assert layout.offset_at(0, -3) == 0
    assert layout.line_of_offset(100) == len(layout) - 1
    assert layout.last_stop(0) == 4 and layout.last_stop(1) == 5


def test_can_break_rules() -> None:
    assert can_break("中文", 1)
    assert not can_break("中，", 1)
    assert not can_break("「中", 1)
    assert not can_break("ab", 1)
    assert can_break("ab", 1, words=False)
    assert not can_break("3.14", 2)
    assert not can_break("don't", 3) and not can_break("don't", 4)
    assert not can_break("a_b", 1) and not can_break("a_b", 2)


# --- properties ---------------------------------------------------------------------------------

ALPHABET = list("中文字词句读书人天地") + list("，。、；：？！）」』》〉…”’") + list("（「『《〈“‘")
ALPHABET += [*"TikTok2025abcxyz", " ", "\n", "\n", "—", "·", "\u200b", ".", ",", "?", "(", ")"]

texts = st.text(alphabet=st.sampled_from(ALPHABET), max_size=300)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, width=st.integers(min_value=1, max_value=40))
def test_wrap_properties(text: str, width: int) -> None:
    layout = wrap_text(text, width)
    check_layout(text, width, layout)


@settings(max_examples=200, deadline=None)
@given(text=texts, width=st.integers(min_value=2, max_value=30), data=st.data())
def test_offset_round_trip(text: str, width: int, data: st.DataObject) -> None:
    layout = wrap_text(text, width)
    for line, (start, end) in enumerate(layout.lines):
        assert layout.line_of_offset(start) == line
        for pos in range(start, end):
            assert layout.line_of_offset(pos) == line
            x = layout.cell_x_of_offset(line, pos)
            if char_width(text[pos]):
                assert layout.offset_at(line, x) == pos
                assert layout.offset_at(line, x + char_width(text[pos]) - 1) == pos
        assert layout.offset_at(line, 10_000) == end
        assert layout.cell_x_of_offset(line, end) == layout.line_cells(line)


@pytest.mark.parametrize("width", [10, 17, 40, 80])
def test_seed_articles_wrap(width: int) -> None:
    for text in seed_texts():
        check_layout(text, width, wrap_text(text, width))


# --- sentences and paragraphs -------------------------------------------------------------------


def test_sentence_bounds_basic() -> None:
    text = "他说：“好！”然后走了。下一句？是的\n新段落。"
    assert sentence_bounds(text, 0) == (0, 7)
    assert text[slice(*sentence_bounds(text, 8))] == "然后走了。"
    assert text[slice(*sentence_bounds(text, 11))] == "然后走了。"  # the 。 ends its sentence
    assert text[slice(*sentence_bounds(text, 13))] == "下一句？"
    assert text[slice(*sentence_bounds(text, 16))] == "是的"
    assert sentence_bounds(text, text.index("\n")) == (text.index("\n"),) * 2
    assert text[slice(*sentence_bounds(text, len(text) - 1))] == "新段落。"


def test_sentence_navigation_basic() -> None:
    text = "一。二！\n\n三？四"
    assert next_sentence_start(text, 0) == 2
    assert next_sentence_start(text, 2) == 6
    assert next_sentence_start(text, 6) == 8
    assert next_sentence_start(text, 8) == len(text)
    assert prev_sentence_start(text, 8) == 6
    assert prev_sentence_start(text, 6) == 2
    assert prev_sentence_start(text, 3) == 2
    assert prev_sentence_start(text, 0) == 0


def test_paragraph_navigation() -> None:
    text = "甲乙\n\n丙丁\n戊"
    assert paragraph_bounds(text, 1) == (0, 2)
    assert paragraph_bounds(text, 2) == (0, 2)  # the newline belongs to the line it ends
    assert paragraph_bounds(text, 5) == (4, 6)
    assert next_paragraph_start(text, 0) == 4
    assert next_paragraph_start(text, 4) == 7
    assert next_paragraph_start(text, 7) == len(text)
    assert prev_paragraph_start(text, 7) == 4
    assert prev_paragraph_start(text, 5) == 4
    assert prev_paragraph_start(text, 4) == 0
    assert prev_paragraph_start(text, 0) == 0


@pytest.mark.parametrize("index", range(len(SEEDS)))
def test_sentences_on_seeds(index: int) -> None:
    text = seed_texts()[index]
    enders = set("。！？!?…")
    # Walking forward visits sentence starts in order; each is the start of its own sentence.
    starts = []
    pos = 0
    while True:
        pos = next_sentence_start(text, pos)
        if pos >= len(text):
            break
        starts.append(pos)
    assert starts == sorted(set(starts))
    assert len(starts) > 10
    for start in starts:
        assert sentence_bounds(text, start)[0] == start
    # Walking back visits the same starts.
    back = []
    pos = len(text)
    while pos > 0:
        pos = prev_sentence_start(text, pos)
        back.append(pos)
    assert sorted(set(back) - {0}) == [start for start in starts if start != 0]
    # Sentence bounds contain the position, stay in the paragraph, end at an ender (+ closers) or the
    # paragraph end, and hold no ender run in the middle.
    for pos in range(0, len(text), 7):
        start, end = sentence_bounds(text, pos)
        if text[pos] == "\n":
            assert start == end == pos
            continue
        para_start, para_end = paragraph_bounds(text, pos)
        assert para_start <= start <= pos < end <= para_end or text[start:pos].isspace()
        sentence = text[start:end]
        assert "\n" not in sentence
        if end < para_end:
            assert sentence.rstrip("”’」』）)》〉\"'")[-1] in enders
        core = sentence.rstrip("”’」』）)》〉\"'").rstrip("".join(enders))
        # a damage mark (當?shù)貢r間, ??) is not punctuation: it may sit inside a sentence
        assert not any(
            char in enders and not LOCAL_DAMAGE_MARK.match(text, start + i) for i, char in enumerate(core)
        )


def test_a_damage_mark_is_not_a_sentence_end() -> None:
    """Seed 003: `v` on a sentence with a lost character used to select from `shù)貢r間…`."""
    text = seed_texts()[3]
    pos = text.index("貢r間")
    start, end = sentence_bounds(text, pos)
    assert text[start:end].startswith("根據(jù)全球移動應用市場情報提供商")
    assert text[start:end].endswith("下載量依然穩(wěn)居首位。")
    # a genuine ASCII question mark still ends its sentence
    start, end = sentence_bounds(text, text.index("影響幾何"))
    assert text[start:end].endswith("影響幾何?")
    assert next_sentence_start(text, text.index("美國當?shù)")) > text.index("凌晨")


# --- a large text --------------------------------------------------------------------------------


def test_wrap_a_large_text() -> None:
    """Zuozhuan (624k characters) wraps by the rules; its speed: `python benchmarks/run.py ui`."""
    text = ZUOZHUAN.read_text(encoding="utf-8")
    layout = wrap_text(text, 80)
    assert len(layout) > 20_000
    # Spot-check the rules on a slice of the lines (the full check is slow in pure Python).
    for start, end in layout.lines[:3000]:
        if end > start:
            assert cells(text[start:end]) <= 80
            assert text[start] not in CLOSING
            assert text[end - 1] not in OPENING or end == paragraph_bounds(text, start)[1]


@pytest.mark.parametrize("upto", [0, 1, 500, 5_000, 50_000, 10**9])
def test_first_part_is_exactly_the_start_of_the_whole_layout(upto):
    """A long article is shown from a first part, then the whole layout replaces it: nothing may move."""
    text = ZUOZHUAN.read_text(encoding="utf-8")[:120_000]
    whole = wrap_text(text, 80)
    part = wrap_text(text, 80, upto=upto)
    assert part.starts == whole.starts[: len(part)] and part.ends == whole.ends[: len(part)]
    assert part.complete == (len(part) == len(whole))
    covered = part.ends[-1] if part.ends else 0
    assert covered >= min(upto, len(text.rstrip("\n")))  # the reading position is inside the first part


@given(
    st.text(alphabet="一二，。「」ab \n", max_size=300),
    st.integers(min_value=1, max_value=20),
    st.lists(st.integers(min_value=0, max_value=60), max_size=12),
)
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
def test_wrapping_piece_by_piece_equals_wrapping_at_once(text, width, steps) -> None:
    """The document view wraps a long text a few thousand characters at a time between frames: whatever
    the pieces, every line is the one `wrap_text` gives for the whole text; the last piece completes it."""
    whole = wrap_text(text, width)
    layout = wrap_text(text, width, upto=steps[0] if steps else 0)
    for step in steps[1:]:
        wrap_more(layout, layout.wrapped + step)
        assert layout.starts == whole.starts[: len(layout)] and layout.ends == whole.ends[: len(layout)]
    wrap_more(layout)
    assert layout.complete and layout.wrapped == len(text)
    assert (layout.starts, layout.ends) == (whole.starts, whole.ends)


def test_wrap_more_on_zuozhuan_in_steps_of_8000_characters() -> None:
    text = ZUOZHUAN.read_text(encoding="utf-8")[:200_000]
    whole = wrap_text(text, 80)
    layout = wrap_text(text, 80, upto=0)
    pieces = 0
    while not layout.complete:
        wrap_more(layout, layout.wrapped + 8_000)
        pieces += 1
    assert pieces > 20
    assert (layout.starts, layout.ends) == (whole.starts, whole.ends)
    wrap_more(layout, 10)  # complete: nothing happens
    assert len(layout) == len(whole)


def test_widths_beyond_the_table_are_rich_s_as_well() -> None:
    """The width table starts with planes 0-3 (every CJK ideograph) and grows to all of Unicode for a
    tag, a private-use or an unassigned code point beyond: the same widths as Rich's."""
    from rich.cells import get_character_cell_size

    from reader.layout import _FIRST_PLANES, cell_widths, char_width

    beyond = "\U000e0001\U000e0041\U000f0000\U0010fffd\U00040000\U0003134a"
    text = "中文 abc" + beyond + "\u3000。\t\n"
    want = [0 if c == "\n" else 1 if c == "\t" else get_character_cell_size(c) for c in text]
    assert list(cell_widths(text)) == want == [char_width(c) for c in text]
    assert any(ord(c) >= _FIRST_PLANES for c in beyond) and ord("\U0003134a") < _FIRST_PLANES
