"""The reading line and the dictionary popup in a real terminal at 80×24 (tmux).

The real ``reader`` is started in a detached tmux session on its own server socket; keys go in with
``send-keys`` and the screen is read back with ``capture-pane``. What Pilot cannot show: that the readings
reach a real terminal aligned over their characters (cells, not characters: a CJK character is two), and
that the popup covers no line of text it is about.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from _tmux import Tmux
from _words import dictionary_index, install_dictionary  # noqa: F401  (fixture)
from conftest import READER_BIN, SEEDS
from reader.layout import char_width

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (needed for this test)"),
]

ARTICLE = "0_重庆.txt"  # first by title: the library's cursor starts on it
TEXT = "0 重庆之行\n\n我们明天去重庆，看看长江。\n"


def cell(line: str, index: int) -> int:
    """The terminal column of line[index] (a CJK character takes two)."""
    return sum(char_width(c) for c in line[:index])


def reading_over(screen: str, reading: str, word: str) -> tuple[int, int] | None:
    """(row, column) of `reading` on a row whose next row has `word` starting at the same column."""
    lines = screen.splitlines()
    for row, line in enumerate(lines[:-1]):
        if reading in line and word in lines[row + 1]:
            below = lines[row + 1]
            if cell(line, line.index(reading)) == cell(below, below.index(word)):
                return row, cell(line, line.index(reading))
    return None


def test_reading_line_and_dictionary_popup_at_80x24(tmp_path: Path, dictionary_index: Path) -> None:  # noqa: F811
    articles = tmp_path / "articles"
    shutil.copytree(SEEDS, articles)
    (articles / ARTICLE).write_text(TEXT, encoding="utf-8")
    db = tmp_path / "db"
    install_dictionary(dictionary_index, db)
    env = {"READER_ARTICLES": str(articles), "READER_DB": str(db), "TEXTUAL_ANIMATIONS": "none"}
    tmux = Tmux(80, 24, timeout=20.0)
    try:
        tmux.start_reader(READER_BIN, tmp_path, env)
        tmux.wait("the library", lambda s: "Title" in s and "重庆之行" in s)
        tmux.keys("Enter")
        tmux.wait("the article", lambda s: "我们明天去重庆" in s)
        tmux.keys("r")
        screen = tmux.wait("pinyin over 重庆", lambda s: reading_over(s, "chóngqìng", "重庆之行") is not None)
        assert reading_over(screen, "wǒmen", "我们明天") is not None, screen  # the body's first word too
        text_rows = [row for row, line in enumerate(screen.splitlines()) if "我们明天去重庆" in line]

        tmux.keys("j", "j")  # down to the body's line (a blank line between), on 我
        tmux.keys("w", "w", "w")  # 我们 → 明天 → 去 → 重庆
        tmux.keys("i")
        screen = tmux.wait("the popup", lambda s: "Chóng qìng" in s and "Chongqing" in s)
        assert [
            row for row, line in enumerate(screen.splitlines()) if "我们明天去重庆" in line
        ] == text_rows, screen
        assert "重慶 · 重庆" in screen
        tmux.keys("Escape")
        tmux.wait("the popup closed", lambda s: "Chongqing" not in s)
        tmux.keys("r", "r")  # zhuyin, then off
        tmux.wait("no reading line", lambda s: "chóngqìng" not in s and "ㄔㄨㄥˊ" not in s)

        # select by word, then code every match of a search: the review list, a tag, Enter saves
        tmux.keys("W")  # the word under the cursor (重庆)
        tmux.keys("a")  # annotate the selection: the dialog quotes exactly the word
        screen = tmux.wait("the annotate dialog", lambda s: "Highlight and tag" in s)
        assert any(line.strip(" █") == "重庆" for line in screen.splitlines()), screen
        tmux.keys("Escape")
        tmux.wait("the dialog closed", lambda s: "Highlight and tag" not in s)
        tmux.keys("Escape")
        tmux.keys("/")
        tmux.wait("the find field", lambda s: "whole words" in s)
        tmux.type("重庆")
        tmux.wait("two matches", lambda s: "/2" in s)
        tmux.keys("C-l")
        tmux.wait("the review list", lambda s: "Code every match of 重庆" in s and "2 of 2 checked" in s)
        tmux.type("地点")
        tmux.keys("Enter")
        tmux.wait("both coded", lambda s: "2 annotations" in s)
        tmux.keys("C-q")
    finally:
        tmux.kill()
