"""The real `reader` in a real terminal (tmux), with one hostile string in every field: the file name, the
title, a tag, a note, a tag description and the search results. On every screen (dialogs, help and the
command palette too) the pane title stays what
it was (no OSC title sequence leaked), the text shows its controls as visible symbols, and nothing was
cleared (a leaked ESC [2J would blank what Textual does not repaint).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from _hostile import HOSTILE, HOSTILE_FILE, write_hostile_article
from _tmux import Tmux
from conftest import READER_BIN, SEEDS
from reader.workspace import Workspace

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (needed for this test)"),
]

SIMP = "001_8eaa32b1d9703bf4.txt"
SHORT = "危␛]0;pwned␇␛[2J"
TITLE = "0标题␛]0;pwned␇␛[2J"


def test_hostile_text_on_every_screen_in_tmux(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    shutil.copytree(SEEDS, articles)
    write_hostile_article(articles)
    db = tmp_path / "db"
    ws = Workspace(articles, db)
    ws.annotate(ws.load(HOSTILE_FILE), 0, 4, tags=[HOSTILE], note=HOSTILE)
    simp = ws.load(SIMP)
    ws.annotate(simp, *ws.find(simp, "字节跳动")[0], tags=[HOSTILE], note=HOSTILE)
    ws.codebook.set_description(HOSTILE, HOSTILE)
    env = {"READER_ARTICLES": str(articles), "READER_DB": str(db), "TEXTUAL_ANIMATIONS": "none"}
    exit_status = tmp_path / "exit-status"
    tmux = Tmux()
    try:
        tmux.start_reader(READER_BIN, tmp_path, env, exit_status=exit_status)
        title_before = tmux.display("#{pane_title}")

        def check(where: str, *visible: str, absent: str = "") -> str:
            screen = tmux.wait(where, lambda s: all(v in s for v in visible))
            time.sleep(0.2)  # anything a leak would do to the terminal is done by now
            screen = tmux.screen()
            for fragment in visible:
                assert fragment in screen, f"{where}: {fragment!r} is gone (cleared?):\n{screen}"
            if absent:
                assert absent not in screen, f"{where}:\n{screen}"
            title = tmux.display("#{pane_title}")
            assert title == title_before and "pwned" not in title, f"{where}: pane title {title!r}"
            return screen

        def open_with(key: str, where: str, shown: str) -> None:
            """Press ``key`` until ``shown`` is up (a key pressed while the last screen is still taking the
            focus back can be lost: docs/STATUS.md, typed-ahead keys); then check that screen."""
            for _ in range(3):
                tmux.keys(key)
                try:
                    tmux.wait(where, lambda s: shown in s, timeout=5)
                    break
                except AssertionError:
                    continue
            check(where, shown)

        # the library (the hostile article sorts first): its title and, in the detail line, its file name
        check("the library", "Title", TITLE, "0危␛]0;pwned␇", "TikTok")
        open_with("?", "the help", "What it does")  # not "Keys": the key bar says it too
        tmux.keys("Escape")
        check("the library after help", "Title", TITLE)
        tmux.keys("C-p")
        tmux.type("0标题")
        check("the palette", f"Open: {TITLE}")
        tmux.keys("Escape")
        check("the library after the palette", "Title", TITLE)
        tmux.keys("Enter")
        check("the article", TITLE, "  ·  原文  ·", "正文第一段：␛]0;pwned␇清屏␛[2J之后。")
        tmux.keys("p")
        screen = check("the panel", f"#{SHORT}", "正文第一段", "第二段")
        assert "Annotations (1)" in screen
        open_with("x", "the export dialog", "Export annotations")
        check("the export dialog", TITLE)
        tmux.keys("Escape")  # each Escape waits for its screen: ESC then a key at once reads as alt+key
        check("the panel after the export dialog", f"#{SHORT}", absent="Export annotations")
        open_with("e", "the edit dialog", "Edit highlight")
        tmux.keys("Escape")
        check("the panel after the edit dialog", f"#{SHORT}", absent="Edit highlight")
        tmux.keys("Escape")
        check("the library again", "Title", "Length")

        tmux.keys("C-t")
        check("the codebook", "Tags ·", SHORT, "passage")
        open_with("r", "the rename dialog", "Rename 危␛]0;pwned␇")
        tmux.keys("Escape")
        check("the codebook after renaming nothing", "Tags ·", absent="Rename 危")
        open_with("d", "the delete question", "Delete 危␛]0;pwned␇")
        tmux.keys("Escape")
        check("the codebook after the dialogs", "Tags ·", SHORT)
        tmux.keys("Enter")
        check("the passages", "Passages tagged", TITLE, "字节跳动", f"#{SHORT}")
        tmux.keys("o")
        check("the overview", "Passages per tag", SHORT)
        tmux.keys("Escape")
        check("the codebook again", "Tags ·")
        tmux.keys("Escape")
        check("the library once more", "Title", "Length")

        tmux.keys("C-f")
        check("the search", "Search every article")
        tmux.type("字节跳动")
        check("the search results", "match", TITLE, f"#{SHORT}")
        tmux.keys("Escape")
        check("back in the library", "Title", "Length")
        tmux.keys("q")
        tmux.wait("the reader to quit", lambda s: tmux.display("#{pane_dead}") == "1", timeout=10)
        status = exit_status.read_text().strip() if exit_status.exists() else "(none)"
        assert status == "0", f"reader exited with {status}:\n{tmux.screen()}"
        assert tmux.display("#{pane_title}") == title_before
    finally:
        tmux.kill()
