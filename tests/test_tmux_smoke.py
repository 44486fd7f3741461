"""The real `reader` in a real terminal (tmux): open, switch scripts, highlight and tag, export.

Keys go in with ``tmux send-keys`` and the screen is read back with ``tmux capture-pane -p`` (GUIDE.md §7),
so this covers what headless Pilot tests cannot: the console script, the Linux driver, and the escape
sequences that actually reach the terminal. An article with an OSC title sequence and a clear-screen
sequence is opened first: the pane title must not become "pwned".
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from _tmux import Tmux
from conftest import READER_BIN, SEEDS

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (needed for this test)"),
]

INJECTED_ID = "0_control.txt"  # its title starts with "0": first in the library's title order
INJECTED = (
    "0 控制字符测试\x1b]0;pwned\x07\n\n"
    "第一段\x1b[2J清屏之后\x1b]0;pwned\x07还有文字。\n\n"
    "第二段：\x1b]2;pwned\x1b\\标题序列\u009b2J八位控制符。\n"
)
TAIWAN_SEED = "002_ced27b30dc7015ea.txt"  # 「TikTok難民」湧入小紅書 (Traditional)
TAG = "难民潮"
LABELS = ("原文", "简体", "繁體", "臺灣", "香港")


def _header(screen: str) -> str:
    """The reading screen's header: its first line with the "  ·  " separators."""
    return next((line for line in screen.splitlines() if "  ·  " in line), "")


def _body(screen: str) -> str:
    """Everything but the header line and the footer (the last line)."""
    lines = screen.rstrip("\n").splitlines()
    return "\n".join(line for line in lines[:-1] if "  ·  " not in line)


def _footer(screen: str) -> str:
    return screen.rstrip("\n").splitlines()[-1]


def _notes_of(title: str, screen: str) -> str | None:
    """The last column (Notes) of the library row whose title contains `title`."""
    for line in screen.splitlines():
        if title in line and "  ·  " not in line:
            return line.split()[-1]
    return None


def _shows_view(label: str) -> Callable[[str], bool]:
    return lambda screen: f"·  {label}  ·" in _header(screen)


def test_reader_in_tmux(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    shutil.copytree(SEEDS, articles)
    (articles / INJECTED_ID).write_text(INJECTED, encoding="utf-8")
    db = tmp_path / "db"
    env = {"READER_ARTICLES": str(articles), "READER_DB": str(db), "TEXTUAL_ANIMATIONS": "none"}
    exit_status = tmp_path / "exit-status"
    tmux = Tmux()
    try:
        tmux.start_reader(READER_BIN, tmp_path, env, exit_status=exit_status)
        title_before = tmux.display("#{pane_title}")

        # The library, the cursor on the injected article (first by title).
        tmux.wait("the library", lambda s: "Title" in s and INJECTED_ID in s and "TikTok" in s)
        tmux.keys("Enter")
        screen = tmux.wait("the injected article", _shows_view("原文"))
        tmux.wait("its text", lambda s: "清屏之后" in s and "标题序列" in s)
        screen = tmux.screen()
        assert "␛]0;pwned␇" in screen, screen  # shown as symbols, not sent to the terminal
        assert "␛[2J" in screen, screen
        title = tmux.display("#{pane_title}")
        assert "pwned" not in title, f"an OSC title sequence leaked: pane title {title!r}"
        tmux.keys("Escape")
        tmux.wait("the library again", lambda s: "Title" in s and "Length" in s)

        # Filter by a Simplified word (the article is Traditional), open it.
        tmux.type("难民")
        tmux.wait("the filtered library", lambda s: TAIWAN_SEED in s and INJECTED_ID not in s)
        tmux.keys("Enter")
        screen = tmux.wait("the Traditional seed", _shows_view("原文"))
        tmux.wait("its text", lambda s: "小紅書" in _body(s))

        # s cycles the script: the text changes script, the header says which view.
        tmux.keys("s")
        screen = tmux.wait("the 简体 view", lambda s: _shows_view("简体")(s) and "小红书" in _body(s))
        assert "小紅書" not in _body(screen), screen
        for label in ("繁體", "臺灣", "香港"):
            tmux.keys("s")
            screen = tmux.wait(f"the {label} view", lambda s, label=label: _shows_view(label)(s))
            tmux.wait(
                f"Traditional text in {label}", lambda s: "小紅書" in _body(s) and "小红书" not in _body(s)
            )

        # Select the sentence under the cursor, highlight it, tag it (in Chinese), save.
        # (the header's "N selected" is cut off after this long title: the footer shows the selection's keys)
        assert "Clear selection" not in _footer(tmux.screen())
        tmux.keys("v")
        tmux.wait("a selection", lambda s: "Clear selection" in _footer(s))
        tmux.keys("a")
        tmux.wait("the tag dialog", lambda s: "Highlight and tag" in s)
        tmux.type(TAG)
        tmux.wait("the typed tag", lambda s: TAG in s)
        tmux.keys("Enter")
        tmux.wait("the saved highlight", lambda s: "Saved" in s and "Highlight and tag" not in s)

        tmux.keys("Escape")
        tmux.wait("the library with the note count", lambda s: _notes_of("TikTok難民", s) == "1")
        # Back from an article opened through the filter, the filter is still applied: Esc clears it.
        tmux.keys("Escape")
        tmux.wait("the whole library", lambda s: "年輕人到底為何熱愛" in s and "TikTok難民" in s)
        tmux.keys("q")
        tmux.wait("the reader to quit", lambda s: tmux.display("#{pane_dead}") == "1", timeout=10)
        status = exit_status.read_text().strip() if exit_status.exists() else "(none)"
        assert status == "0", f"reader exited with {status}:\n{tmux.screen()}"
        title = tmux.display("#{pane_title}")
        assert "pwned" not in title, f"an OSC title sequence leaked: pane title {title!r}"
        assert title == title_before, (title_before, title)
    finally:
        tmux.kill()

    exported = subprocess.run(
        [str(READER_BIN), "export"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, **env},
        cwd=tmp_path,
        timeout=60,
    )
    assert exported.returncode == 0, exported.stderr
    annotations = json.loads(exported.stdout)["annotations"]
    tagged = [a for a in annotations if TAG in a["tags"]]
    assert len(tagged) == 1, annotations
    assert tagged[0]["article_id"] == TAIWAN_SEED
    assert tagged[0]["view"] == "hongkong"
