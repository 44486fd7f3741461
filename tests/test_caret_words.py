"""Word motions, word selection and snapping of the caret (reader.caret with a word provider), no terminal."""

from __future__ import annotations

from array import array

from hypothesis import given
from hypothesis import strategies as st

from reader.caret import Caret
from reader.convert import OffsetMap
from reader.layout import wrap_text
from reader.segmentation import ArticleWords, ViewWords

#            0 1 2 3 4 5 6 7 8 9 10
TEXT = "热潮恐昙花一现，重庆大数据。\n\n第二段"
#  words: 热潮 [0,2) 恐 [2,3) 昙花一现 [3,7) ， 重庆 [8,10) 大数据 [10,13) 。 \n\n 第二段 [16,19)
SPANS = [(0, 2), (2, 3), (3, 7), (8, 10), (10, 13), (16, 19)]


def words_of(text: str, spans: list[tuple[int, int]]) -> ViewWords:
    article = ArticleWords(array("i", [a for a, _ in spans]), array("i", [b for _, b in spans]), len(text))
    return ViewWords(article, OffsetMap.identity_map(len(text)))


def caret(cursor: int = 0, *, words: bool = True) -> Caret:
    c = Caret(TEXT, wrap_text(TEXT, 80))
    c.cursor = cursor
    if words:
        c.words = words_of(TEXT, SPANS)
    return c


def test_w_b_and_e_move_by_words_and_skip_punctuation_and_blank_lines() -> None:
    c = caret()
    stops = []
    for _ in range(5):
        c.next_word()
        stops.append(c.cursor)
    assert stops == [2, 3, 8, 10, 16]  # the comma, the full stop and the blank line are skipped
    c.previous_word()
    assert c.cursor == 10
    c.cursor = 5  # inside 昙花一现: b goes to its start, then to the word before
    c.previous_word()
    assert c.cursor == 3
    c.previous_word()
    assert c.cursor == 2
    c.cursor = 3
    c.word_end()
    assert c.cursor == 6  # the last character of 昙花一现
    c.word_end()
    assert c.cursor == 9  # of 重庆 (the comma is not a word)


def test_without_words_the_motions_move_by_characters() -> None:
    c = caret(3, words=False)
    c.next_word()
    assert c.cursor == 4
    c.previous_word()
    c.previous_word()
    assert c.cursor == 2
    c.word_end()
    assert c.cursor == 3
    assert c.select_word() and c.selection == (3, 4)
    assert c.select_word() and c.selection == (3, 5)


def test_shift_w_selects_the_word_under_the_cursor_then_grows_by_whole_words() -> None:
    c = caret(4)  # on 花
    assert c.select_word()
    assert c.selection == (3, 7) and c.selected_text == "昙花一现"
    assert c.select_word()
    assert c.selected_text == "昙花一现，重庆"
    assert c.select_word()
    assert c.selected_text == "昙花一现，重庆大数据"
    c.clear_selection()
    c.cursor = 7  # on the comma: no word to select
    assert not c.select_word() and c.selection is None


def test_a_selection_made_by_characters_is_extended_to_the_end_of_its_word() -> None:
    c = caret(8)
    c.right(True)  # 重
    assert c.selection == (8, 9)
    c.select_word()
    assert c.selection == (8, 10)


def test_snapping_grows_keyboard_and_mouse_selections_to_whole_words() -> None:
    c = caret(4)
    c.snap_words = True
    c.right(True)
    assert c.selection == (3, 7)  # 花 alone -> 昙花一现
    c.clear_selection()
    c.press(9)  # 庆
    c.drag(11)  # into 大数据
    assert c.selection == (8, 13)
    c.release()
    c.snap_words = False
    c.press(9)
    c.drag(11)
    assert c.selection == (9, 11)


def test_the_word_under_a_double_click() -> None:
    c = caret()
    assert c.word_under(11) == (10, 13)
    assert c.word_under(7) is None
    assert caret(words=False).word_under(11) is None


@given(st.lists(st.integers(0, 6), min_size=1, max_size=40), st.integers(0, 18))
def test_motions_always_land_on_a_word_start_or_the_ends(moves: list[int], start: int) -> None:
    c = caret(start)
    starts = {a for a, _ in SPANS}
    for move in moves:
        before = c.cursor
        if move < 3:
            c.next_word()
            assert c.cursor >= before
            assert c.cursor in starts or c.cursor == c.clamp(len(TEXT))
        elif move < 5:
            c.previous_word()
            assert c.cursor <= before
            assert c.cursor in starts or c.cursor == 0
        else:
            c.word_end()
            assert c.cursor >= before
