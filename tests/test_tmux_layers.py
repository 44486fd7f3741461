"""The reading layers in a real terminal at 80×24 (tmux): folded page parts and the underlined phrases.

A Pilot test cannot see what reaches the terminal: here the escape sequences are read back with
``capture-pane -e`` to check that a substituted phrase is underlined (SGR 4), and the folded lines and the
status line are read as a person sees them at the smallest size the reader supports.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from _tmux import Tmux
from conftest import READER_BIN, SEEDS

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (needed for this test)"),
]

_SGR = re.compile(r"\x1b\[([0-9;]*)m")


def _underlined(line: str, char: str) -> bool:
    """Whether `char` on this captured line (with escapes) is drawn with underline on."""
    underline = False
    pos = 0
    for match in _SGR.finditer(line):
        if char in line[pos : match.start()]:
            return underline
        params = [p for p in match.group(1).split(";") if p] or ["0"]
        for param in params:
            if param == "0":
                underline = False
            elif param == "4":
                underline = True
            elif param == "24":
                underline = False
        pos = match.end()
    return underline and char in line[pos:]


def test_folds_and_marks_at_80_by_24(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    shutil.copytree(SEEDS, articles)
    env = {"READER_ARTICLES": str(articles), "READER_DB": str(tmp_path / "db"), "TEXTUAL_ANIMATIONS": "none"}
    tmux = Tmux()
    try:
        tmux.start_reader(READER_BIN, tmp_path, env)
        tmux.run("resize-window", "-t", tmux.session, "-x", "80", "-y", "24")
        tmux.wait("the library with its detected titles", lambda s: "TikTok海外关停" in s and "⚠ " in s)

        # 000: the next article and the footer appended to the page are one dim line each
        tmux.type("年輕人")
        tmux.wait("the filtered library", lambda s: "+ 年輕人到底為何熱愛" in s)
        tmux.keys("Enter")
        tmux.wait("the article", lambda s: "folded · z shows" in s)
        tmux.keys("G")
        screen = tmux.wait("the folded end", lambda s: "⋯ 下一篇文章 (32 lines) ⋯" in s)
        assert "⋯ 頁尾 (17 lines) ⋯" in screen, screen
        assert "往下滑看下一篇文章" not in screen, screen
        tmux.keys("z")
        screen = tmux.wait("the page parts shown", lambda s: "z folds" in s and "⋯ 下一篇文章" not in s)
        tmux.keys("G")
        tmux.wait("the footer's text at the end", lambda s: "⋯ 頁尾" not in s and "z folds" in s)
        tmux.keys("z")
        tmux.wait("folded again", lambda s: "⋯ 頁尾 (17 lines) ⋯" in s)
        tmux.keys("Escape")
        tmux.wait("the library", lambda s: "Length" in s)
        tmux.keys("Escape")
        tmux.wait("the filter cleared", lambda s: "Type to filter" in s)

        # 004 in 臺灣: 菜单 is written 選單, underlined; on it, the status line says what the source has
        tmux.type("风波")
        tmux.wait("the filtered library", lambda s: "TikTok风波下小红书" in s)
        tmux.keys("Enter")
        tmux.wait("the article", lambda s: "原文" in s)
        tmux.keys("s", "s", "s")
        tmux.wait("the 臺灣 view with phrases", lambda s: "臺灣 +phrases" in s)
        tmux.keys("/")
        tmux.wait("the find bar", lambda s: "Find" in s or "find" in s)
        tmux.type("選單")
        tmux.wait("one match", lambda s: "1/1" in s)
        tmux.keys("Enter")
        tmux.wait("the status line on the phrase", lambda s: "選單 ← 菜单 · phrase" in s)
        # the bar's own label gone, not only its count (which can leave the screen before Escape is handled:
        # the next key then came with the Escape and was typed into the field)
        tmux.keys("Escape")
        tmux.wait("the find bar closed", lambda s: "whole words" not in s and "選單 ← 菜单 · phrase" in s)
        colours = tmux.run("capture-pane", "-p", "-e", "-t", tmux.session)
        line = next(line for line in colours.splitlines() if "單" in line and "已經" in line)  # 的選單已經
        assert _underlined(line, "單"), repr(line)
        assert not _underlined(line, "已"), repr(line)  # 已經 after it is not marked (the same in 简 and 繁)
        tmux.keys("P")
        tmux.wait("phrases off", lambda s: "臺灣 +phrases" not in s and "菜單" in s)
        tmux.keys("Escape")
        tmux.wait("the library", lambda s: "Length" in s)
        tmux.keys("Escape")
        tmux.wait("the filter cleared", lambda s: "Type to filter" in s)
        tmux.keys("q")
        tmux.wait("the reader to quit", lambda s: tmux.display("#{pane_dead}") == "1", timeout=10)
    finally:
        tmux.kill()
