"""The cursor and selection state machine (reader.caret), without a terminal."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reader.caret import Caret
from reader.layout import wrap_text
from reader.sentences import sentence_bounds

SHORT = "第一段的文字。第二句话！\n\n第二段，很短。\n第三段"
TEN = "一二三四五六七八九十"


def caret_on(text: str, width: int = 80, cursor: int = 0) -> Caret:
    caret = Caret(text, wrap_text(text, width))
    caret.cursor = cursor
    return caret


def test_right_and_left_step_through_characters_and_over_line_ends() -> None:
    caret = caret_on(TEN * 10 + "\n\n第二段")  # 40 characters a line at 80 cells
    caret.right(False)
    caret.right(False)
    assert caret.cursor == 2
    caret.cursor = 39  # the last character of the first display line
    caret.right(False)
    assert caret.cursor == 40  # the start of the next one
    caret.left(False)
    assert caret.cursor == 39
    caret.cursor = 0
    caret.left(False)
    assert caret.cursor == 0


def test_up_and_down_keep_the_cell_column_across_mixed_widths() -> None:
    text = "abcdefgh\n一二三四五"
    caret = caret_on(text)
    caret.cursor = 5  # f, cell 5
    caret.vertical(1, False)  # the blank line after the paragraph
    caret.vertical(1, False)
    assert text[caret.cursor] == "三"  # cells 4-5
    caret.vertical(-2, False)
    assert text[caret.cursor] == "f"


def test_down_past_the_last_line_stays_and_up_comes_back_to_the_column() -> None:
    caret = caret_on("第一行", cursor=1)
    caret.vertical(1, False)  # the blank line that ends every paragraph
    assert caret.cursor == 3
    caret.vertical(1, False)
    assert caret.cursor == 3
    caret.vertical(-1, False)
    assert caret.cursor == 1


def test_shift_moves_extend_from_the_anchor_and_a_plain_move_clears() -> None:
    caret = caret_on(SHORT)
    caret.right(False)
    for _ in range(3):
        caret.right(True)
    assert caret.selection == (1, 4) and caret.anchor == 1
    assert caret.selected_text == SHORT[1:4]
    caret.left(True)
    assert caret.selection == (1, 3)
    caret.left(True)
    caret.left(True)
    assert caret.selection is None  # back at the anchor: nothing selected
    caret.right(True)
    caret.right(False)
    assert caret.selection is None and caret.anchor is None


def test_shift_end_selects_to_the_end_of_the_display_line() -> None:
    caret = caret_on(SHORT)
    caret.line_end(True)
    assert caret.selection == (0, SHORT.index("\n"))
    caret.cursor = 5
    caret.line_start(False)
    assert caret.cursor == 0 and caret.selection is None
    caret.line_end(False)
    assert caret.cursor == SHORT.index("\n") - 1  # the block sits on the last character


def test_sentence_and_paragraph_moves() -> None:
    caret = caret_on(SHORT)
    caret.next_sentence()
    assert caret.cursor == SHORT.index("第二句")
    caret.next_sentence()
    assert caret.cursor == SHORT.index("第二段")
    caret.prev_sentence()
    assert caret.cursor == SHORT.index("第二句")
    caret.next_paragraph()
    assert caret.cursor == SHORT.index("第二段")
    caret.next_paragraph()
    assert caret.cursor == SHORT.index("第三段")
    caret.prev_paragraph()
    assert caret.cursor == SHORT.index("第二段")


def test_document_end_is_the_last_non_blank_line() -> None:
    caret = caret_on(SHORT + "\n\n")
    caret.document_end()
    assert caret.cursor == SHORT.index("第三段")
    caret.document_start()
    assert caret.cursor == 0


def test_v_selects_the_sentence_and_again_extends_it() -> None:
    caret = caret_on(SHORT, cursor=SHORT.index("二句"))
    assert caret.select_sentence()
    assert caret.selection == sentence_bounds(SHORT, SHORT.index("二句"))
    assert caret.selected_text == "第二句话！"
    assert caret.select_sentence()
    assert caret.selected_text == "第二句话！\n\n第二段，很短。"


def test_v_after_another_selection_starts_afresh() -> None:
    caret = caret_on(SHORT, cursor=SHORT.index("二句"))
    caret.select_sentence()
    caret.right(True)  # the selection is no longer the one "v" made
    caret.cursor = SHORT.index("第二段")
    caret.clear_selection()
    assert caret.select_sentence()
    assert caret.selected_text == "第二段，很短。"


def test_v_on_a_blank_line_selects_nothing_not_the_sentence_before() -> None:
    """The cursor on a paragraph's end is drawn on the blank line after it: `v` there selects nothing (it
    used to select the sentence before, which the cursor was not seen on)."""
    caret = caret_on(SHORT, cursor=SHORT.index("\n"))
    assert caret.layout is not None and caret.layout.is_blank(caret.layout.line_of_offset(caret.cursor))
    assert not caret.select_sentence()
    assert caret.selection is None
    blank = caret_on("甲。\n\n\n乙。", cursor=4)  # on an empty line
    assert not blank.select_sentence()
    assert blank.selection is None


def test_place_puts_the_anchor_at_the_far_end() -> None:
    caret = caret_on(SHORT)
    caret.place(2, (2, 6))
    assert caret.cursor == 2 and caret.selection == (2, 6) and caret.anchor == 6
    caret.right(True)  # the anchor is the far end: the selection shrinks
    assert caret.selection == (3, 6)
    caret.place(5, (5, 5))  # an empty range selects nothing
    assert caret.selection is None and caret.cursor == 5


def test_select_sets_the_cursor_at_the_end_and_none_clears() -> None:
    caret = caret_on(SHORT)
    caret.select((6, 2))
    assert caret.selection == (2, 6) and caret.cursor == 6
    caret.select(None)
    assert caret.selection is None and caret.cursor == 6


def test_a_drag_selects_from_where_the_button_went_down() -> None:
    caret = caret_on(SHORT)
    caret.press(1)
    caret.drag(4)
    assert caret.selection == (1, 4) and caret.cursor == 4
    caret.drag(0)
    assert caret.selection == (0, 1)
    caret.release()
    assert caret.anchor == 1
    caret.press(3)
    caret.release()  # a click that selected nothing leaves no anchor
    assert caret.anchor is None and caret.selection is None


def test_without_a_layout_moves_that_need_lines_do_nothing() -> None:
    caret = Caret(SHORT)
    caret.cursor = 3
    for move in (caret.left, caret.right, caret.line_start, caret.line_end):
        move(False)
    caret.vertical(1, False)
    caret.document_end()
    assert caret.cursor == 3


def test_reset_clears_the_selection_and_clamps_the_cursor() -> None:
    caret = caret_on(SHORT)
    caret.select((0, 3))
    caret.reset("短", cursor=99)
    assert caret.text == "短" and caret.cursor == 1 and caret.selection is None and caret.anchor is None


@given(
    st.text(alphabet="一二三。！\n ab", min_size=1, max_size=60),
    st.integers(min_value=2, max_value=12),
    st.lists(st.sampled_from(["l", "h", "j", "k", "L", "H", "J", "K", "e", "E", "0"]), max_size=30),
)
def test_any_sequence_of_moves_keeps_cursor_and_selection_consistent(text, width, keys) -> None:
    """Whatever is pressed, the cursor stays in the text and the selection is a proper range with the
    cursor at one of its ends."""
    caret = caret_on(text, width)
    moves = {
        "l": caret.right,
        "h": caret.left,
        "j": lambda s: caret.vertical(1, s),
        "k": lambda s: caret.vertical(-1, s),
        "e": caret.line_end,
        "0": caret.line_start,
    }
    for key in keys:
        moves[key.lower()](key.isupper())
        assert 0 <= caret.cursor <= len(text)
        if caret.selection is not None:
            start, end = caret.selection
            assert 0 <= start < end <= len(text)
            assert caret.cursor in (start, end) or caret.clamp(start) == caret.cursor
            assert caret.anchor in (start, end)
