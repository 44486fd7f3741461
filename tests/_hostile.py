"""One hostile string for every field a user or a file controls, and how to look for leaks of it.

``HOSTILE`` sets the terminal title (OSC 0 … BEL), clears the screen (CSI 2J), carries the 8-bit CSI
(U+009B), a bidi override and a newline. Shown safely it is ``VISIBLE``: every control a visible symbol,
the newline a ⏎ (``reader.sanitise.safe_line``).
"""

from __future__ import annotations

import re
from pathlib import Path

HOSTILE = "危\x1b]0;pwned\x07\x1b[2J\x9b1m\u202e险\n尾"
VISIBLE = "危␛]0;pwned␇␛[2J\ufffd1m\ufffd险⏎尾"
#: a file name with ESC, BEL, a C1 control, a bidi override and a newline
HOSTILE_FILE = "0危\x1b]0;pwned\x07\x9b\u202e名\n.txt"
HOSTILE_FILE_VISIBLE = "0危␛]0;pwned␇\ufffd\ufffd名⏎.txt"
#: its first line (the title) and text
HOSTILE_TITLE_LINE = "0标题\x1b]0;pwned\x07\x1b[2J\x9b"
HOSTILE_BODY = "正文第一段：\x1b]0;pwned\x07清屏\x1b[2J之后。\n\n第二段，常见字词：字节跳动。\n"
#: characters that must never reach a terminal raw (newline, tab and CR LF are checked apart)
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")


def raw_controls(text: str) -> list[str]:
    """The raw control characters in ``text`` (a CSV's CR LF row ends are not controls)."""
    return RAW.findall(text.replace("\r\n", "\n"))


def write_hostile_article(folder: Path) -> str:
    """The hostile article (hostile name, title and text) in ``folder``; returns its id."""
    (folder / HOSTILE_FILE).write_text(f"{HOSTILE_TITLE_LINE}\n\n{HOSTILE_BODY}", encoding="utf-8")
    return HOSTILE_FILE
