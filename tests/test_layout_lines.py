"""Every line: kinsoku across spaces, and the short-text helpers (notes, rows) that use the same rules.

The oracles here are written independently of ``reader.layout``: a break is *forbidden* where the nearest
visible character after it is closing punctuation or the nearest visible one before it is opening
punctuation (spaces are looked across), inside a doubled dash or ellipsis, or before a zero-width mark.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reader.layout as layout_module
from reader.articles import load_file
from reader.layout import CLOSING, OPENING, char_width, wrap_text
from reader.shorttext import clip_line, fit_context, text_cells, wrap_lines

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
SPACES = " \t\u3000\u00a0"


def cells(text: str) -> int:
    return sum(char_width(char) for char in text)


def visible_after(text: str, pos: int) -> str:
    while pos < len(text) and text[pos] in SPACES:
        pos += 1
    return text[pos] if pos < len(text) else ""


def visible_before(text: str, pos: int) -> str:
    pos -= 1
    while pos >= 0 and text[pos] in SPACES:
        pos -= 1
    return text[pos] if pos >= 0 else ""


def kinsoku_ok(text: str, pos: int) -> bool:
    """A line may begin at `pos` as far as punctuation goes (newlines end the look, as paragraphs do)."""
    return visible_after(text, pos) not in CLOSING and visible_before(text, pos) not in OPENING


def allowed(text: str, pos: int) -> bool:
    """Any break the wrapping may take when it has to fold a long word (punctuation rules only)."""
    doubled = text[pos] == text[pos - 1] and text[pos] in "—…⋯―─"
    return kinsoku_ok(text, pos) and not doubled and char_width(text[pos]) != 0


def breaks(text: str, width: int) -> list[int]:
    """Offsets where `wrap_text` ends a display line inside a paragraph."""
    layout = wrap_text(text, width)
    return [
        end
        for end, next_start in zip(layout.ends, layout.starts[1:], strict=False)
        if end == next_start and end < len(text) and text[end] != "\n" and end > 0 and text[end - 1] != "\n"
    ]


def unbreakable_run(text: str, pos: int) -> str:
    """The run around `pos` that no allowed break divides (within its paragraph)."""
    start = pos
    while start > 0 and text[start - 1] != "\n" and not allowed(text, start):
        start -= 1
    end = pos + 1
    while end < len(text) and text[end] != "\n" and not allowed(text, end):
        end += 1
    return text[start:end]


def kinsoku_violations(text: str, width: int) -> list[str]:
    """Breaks that begin a line with closing punctuation or end one with opening punctuation, where a
    legal layout was possible (the run that cannot be divided fits in a line)."""
    return [
        text[max(0, pos - 8) : pos] + "|" + text[pos : pos + 8]
        for pos in breaks(text, width)
        if not kinsoku_ok(text, pos) and cells(unbreakable_run(text, pos)) <= width
    ]


# --- kinsoku across spaces -----------------------------------------------------------------------


def test_a_space_before_a_full_stop_does_not_let_the_stop_start_a_line() -> None:
    text = "一二三四五六 。七八"
    lines = [text[s:e] for s, e in wrap_text(text, 12).lines if e > s]
    assert lines == ["一二三四五", "六 。七八"]
    assert all(not line.lstrip(SPACES).startswith("。") for line in lines)


def test_a_space_after_an_opening_bracket_does_not_let_the_bracket_end_a_line() -> None:
    text = "一二三四「 五六七」"
    lines = [text[s:e] for s, e in wrap_text(text, 11).lines if e > s]
    assert lines == ["一二三四", "「 五六七」"]


def test_ideographic_spaces_and_several_spaces_are_looked_across() -> None:
    text = "一二三四五\u3000\u3000，六七"
    assert [text[s:e] for s, e in wrap_text(text, 12).lines if e > s] == ["一二三四", "五\u3000\u3000，六七"]
    text = "一二三四五   ！六七"
    assert [text[s:e] for s, e in wrap_text(text, 12).lines if e > s] == ["一二三四", "五   ！六七"]


@pytest.mark.parametrize("path", SEEDS, ids=[path.name[:3] for path in SEEDS])
def test_no_seed_line_begins_with_closing_or_ends_with_opening_at_any_width(path: Path) -> None:
    """The seeds have 18 places with a space before punctuation: at 80 columns 000 ended a line with
    `「 `, at 100 columns 001 had a line holding only ` 。`."""
    text = load_file(path).text
    for width in range(12, 161):
        assert kinsoku_violations(text, width) == [], width


def test_seed_001_has_no_line_of_only_a_full_stop() -> None:
    text = load_file(SEEDS[1]).text
    for width in (80, 100, 120):
        layout = wrap_text(text, width)
        assert all(text[s:e].strip() not in CLOSING for s, e in layout.lines if e > s)


ALPHABET = list("中文字词句人天地") + list("，。、；：？！）」』》…”") + list("（「『《“")
ALPHABET += [*"TikTok2025ab", " ", " ", " ", "\u3000", "\t", "\n", "—", ".", ",", "(", ")"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(alphabet=st.sampled_from(ALPHABET), max_size=200), width=st.integers(1, 40))
def test_kinsoku_holds_across_spaces_for_any_text_and_width(text: str, width: int) -> None:
    """No line starts with closing punctuation or ends with opening punctuation (spaces looked across),
    except where a single unbreakable run is wider than the line."""
    assert kinsoku_violations(text, width) == []


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(alphabet=st.sampled_from(ALPHABET), max_size=120),
    runs=st.lists(st.tuples(st.integers(0, 120), st.integers(200, 320)), max_size=3),
    width=st.integers(1, 90),
)
def test_long_space_runs_are_skipped_whole_with_the_same_lines(
    text: str, runs: list[tuple[int, int]], width: int
) -> None:
    """Runs of hundreds of spaces (hostile files) are skipped in one step when looking for a break: the
    lines are exactly those of trying every position."""
    for at, length in runs:
        text = text[:at] + " " * length + text[at:]
    fast = wrap_text(text, width)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(layout_module, "_previous_candidate", lambda _text, pos: pos - 1)
        slow = wrap_text(text, width)
    assert (fast.starts, fast.ends) == (slow.starts, slow.ends)


# --- wrap_lines: notes and other short texts -----------------------------------------------------


def test_wrap_lines_keeps_the_indent_and_never_starts_a_line_with_a_stop() -> None:
    note = "这位匿名消息人士的说法无法核实 。需要第二个来源"
    lines = wrap_lines(note, 20, indent="  ")
    assert lines == ["  这位匿名消息人士的", "  说法无法核实 。需", "  要第二个来源"]
    assert all(cells(line) <= 20 for line in lines)


def test_wrap_lines_hanging_indent_and_paragraphs() -> None:
    lines = wrap_lines("第一行很长很长很长很长\n\n第二段 words stay whole", 14, first="• ", indent="  ")
    assert lines == ["• 第一行很长很", "  长很长很长", "  ", "  第二段 words", "  stay whole"]


def test_wrap_lines_makes_data_safe_to_show() -> None:
    lines = wrap_lines("a\x1b[2Jb\tc\r\nd", 40)
    assert lines == ["a␛[2Jb c", "d"]


def test_wrap_lines_with_a_prefix_wider_than_the_width_still_shows_everything() -> None:
    assert wrap_lines("一二", 3, indent="    ") == ["    一", "    二"]
    assert wrap_lines("", 10, indent="  ") == ["  "]


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(ALPHABET), max_size=120),
    width=st.integers(4, 40),
    indent=st.sampled_from(["", "  ", "• ", "\u3000"]),
    first=st.sampled_from([None, "", "▌", "#1 "]),
)
def test_wrap_lines_properties(text: str, width: int, indent: str, first: str | None) -> None:
    lines = wrap_lines(text, width, indent=indent, first=first)
    head = indent if first is None else first
    assert lines[0].startswith(head) and all(line.startswith(indent) for line in lines[1:])
    for i, line in enumerate(lines):
        prefix = head if i == 0 else indent
        body = line[len(prefix) :]
        room = max(width - cells(prefix), 1)
        # at most the width, unless one character is wider than the room the prefix leaves
        assert cells(line) <= width or (cells(body[:1]) > room and cells(body[1:]) == 0), (line, width)
    # nothing but spaces is lost, in order
    shown = "".join(line[len(head if i == 0 else indent) :] for i, line in enumerate(lines))
    assert shown.translate({ord(c): None for c in SPACES}) == text.translate(
        {ord(c): None for c in SPACES + "\n"}
    )


# --- clip_line and fit_context: one-line rows ----------------------------------------------------


def test_clip_line_ends_with_an_ellipsis_at_the_cell_width() -> None:
    title = "年輕人到底為何熱愛TikTok?Z世代找到舞台"
    assert clip_line(title, 100) == title
    assert clip_line(title, 12) == "年輕人到底…"
    assert clip_line(title, 13) == "年輕人到底為…"
    assert clip_line(title, 12, keep="end") == "…代找到舞台"
    assert clip_line("abc", 0) == ""


def test_clip_line_shows_newlines_and_controls_on_one_line() -> None:
    assert clip_line("第一段\n第二段", 40) == "第一段 ⏎ 第二段"
    assert clip_line("x\x1b]0;pwned\x07y", 40) == "x␛]0;pwned␇y"


def test_clip_line_never_separates_a_mark_from_its_base() -> None:
    assert clip_line("abe\u0301fghij", 4) == "abe\u0301…"
    assert clip_line("ab中\u0301", 2, keep="end") == "…"
    assert clip_line("abcde\u0301f", 3, keep="end") == "…e\u0301f"


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=80), width=st.integers(0, 30), keep=st.sampled_from(["start", "end"]))
def test_clip_line_properties(text: str, width: int, keep: str) -> None:
    clipped = clip_line(text, width, keep=keep)
    assert "\n" not in clipped and "\x1b" not in clipped
    assert text_cells(clipped) <= width
    if clipped != clip_line(text, 10_000) and width >= 1:
        assert clipped.endswith("…") if keep == "start" else clipped.startswith("…")


def test_fit_context_keeps_the_match_and_shares_the_room() -> None:
    before, match, after = fit_context("前面的上下文\n很长很长", "数据", "后面的上下文也很长很长", 24)
    assert match == "数据"
    assert before.startswith("…") and after.endswith("…")
    assert "\n" not in before + after
    assert text_cells(before + match + after) <= 24
    assert abs(text_cells(before) - text_cells(after)) <= 2


def test_fit_context_gives_unused_room_to_the_other_side() -> None:
    before, match, after = fit_context("短", "数据", "后面的上下文也很长很长很长很长", 30)
    assert before == "短" and match == "数据"
    assert text_cells(before + match + after) <= 30 and text_cells(after) >= 23
    assert fit_context("前", "数据", "后", 30, cut_before=True, cut_after=True) == ("…前", "数据", "后…")


@settings(max_examples=200, deadline=None)
@given(
    parts=st.tuples(*[st.text(alphabet=st.sampled_from(ALPHABET), max_size=40)] * 3),
    width=st.integers(0, 60),
)
def test_fit_context_properties(parts: tuple[str, str, str], width: int) -> None:
    before, match, after = fit_context(*parts, width)
    assert text_cells(before + match + after) <= width
    if text_cells(clip_line(parts[1], 10_000)) <= width:
        assert match == clip_line(parts[1], 10_000)
