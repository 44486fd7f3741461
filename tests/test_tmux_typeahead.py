"""Keys typed right after a key that opens a field, in a real terminal: sent in one `tmux send-keys`, they
arrive together, before the first is handled (widgets/typeahead.py)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from _tmux import Tmux
from conftest import READER_BIN, SEEDS
from test_tmux_smoke import _shows_view

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (needed for this test)"),
]


_FIND_COUNT = re.compile(r"\b\d+/\d+\b|no matches")


def _line_with(screen: str, *parts: str) -> str:
    return next((line for line in screen.splitlines() if all(part in line for part in parts)), "")


def test_keys_sent_with_the_key_that_opens_a_field_land_in_it(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    shutil.copytree(SEEDS, articles)
    env = {"READER_ARTICLES": str(articles), "READER_DB": str(tmp_path / "db"), "TEXTUAL_ANIMATIONS": "none"}
    tmux = Tmux()
    try:
        tmux.start_reader(READER_BIN, tmp_path, env)
        tmux.wait("the library", lambda s: "Title" in s and "TikTok" in s)
        tmux.keys("C-f", "數據")  # one send-keys: the search screen and the query typed into it
        tmux.wait("the query in the corpus search", lambda s: bool(_line_with(s, "數據", "tags…")))
        tmux.keys("Escape")
        tmux.wait("the library again", lambda s: "Title" in s and "Length" in s)

        tmux.keys("Enter")
        tmux.wait("an article", _shows_view("原文"))
        tmux.type("/數據")  # one send-keys: `/` opens the find field, the rest is typed into it
        tmux.wait("the query in the find field", lambda s: bool(_FIND_COUNT.search(_line_with(s, "數據"))))

        tmux.keys("Escape")
        tmux.wait("the find field closed", lambda s: "Select sentence" in s)
        tmux.keys("v")
        tmux.wait("a selection", lambda s: "Clear selection" in s)
        tmux.type("a框架ZQ")  # one send-keys: `a` opens the annotate dialog, the tag is typed into it
        tmux.wait("the tag in the annotate dialog", lambda s: "Highlight and tag" in s and "框架ZQ" in s)
    finally:
        tmux.kill()
