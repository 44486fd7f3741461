"""The reader fills the terminal it runs in, whatever COLUMNS and LINES say (tmux).

GNU readline exports COLUMNS and LINES with the terminal's size when it starts and does not change them
after, so a reader started from a program that uses readline (a Python REPL's ``subprocess.run``,
IPython's ``!reader``, pytest) inherits a size that is out of date as soon as the terminal is resized,
or that belongs to another terminal. Textual takes the size from ``shutil.get_terminal_size()``, which
prefers the variables to the terminal: the reader drew a 200×50 screen into an 80×24 one, and never
followed a resize.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from _tmux import Tmux
from conftest import READER_BIN, SEEDS
from reader.layout import char_width

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (needed for this test)"),
]


def _drawn_to_the_edges(screen: str, width: int, height: int) -> bool:
    """The library's header on the first row, the key bar on the last with its palette key at the right
    edge (its last cell or the one before): the screen the app drew is the pane's size."""
    lines = screen.rstrip("\n").split("\n")
    key_bar = lines[-1].rstrip()
    return (
        len(lines) == height
        and lines[0].lstrip().startswith("reader")
        and key_bar.endswith("palette")
        and width - 2 < sum(char_width(c) for c in key_bar) <= width
    )


def test_the_terminal_size_wins_over_stale_columns_and_lines(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    shutil.copytree(SEEDS, articles)
    env = {
        "READER_ARTICLES": str(articles),
        "READER_DB": str(tmp_path / "db"),
        "TEXTUAL_ANIMATIONS": "none",
        "COLUMNS": "200",  # what readline in a 200×50 terminal exported
        "LINES": "50",
    }
    tmux = Tmux(80, 24)
    try:
        tmux.start_reader(READER_BIN, tmp_path, env)
        tmux.wait("the library at 80×24", lambda s: "Title" in s and _drawn_to_the_edges(s, 80, 24))
        tmux.run("resize-window", "-t", tmux.session, "-x", "100", "-y", "30")
        tmux.wait("the library at 100×30", lambda s: "Title" in s and _drawn_to_the_edges(s, 100, 30))
        tmux.keys("q")
        tmux.wait("the reader to quit", lambda s: tmux.display("#{pane_dead}") == "1", timeout=10)
    finally:
        tmux.kill()
