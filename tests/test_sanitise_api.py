"""reader.sanitise, the one choke point: what each function promises, over every code point."""

from __future__ import annotations

import json

import orjson
from rich.cells import cell_len
from rich.text import Text

from _hostile import HOSTILE, VISIBLE, raw_controls
from reader.sanitise import (
    _LINE_TABLE,
    NEEDS_SANITISING,
    UNSAFE,
    safe_json_bytes,
    safe_json_text,
    safe_line,
    safe_text,
    sanitise,
    terminal_guard,
)

EVERY_CHARACTER = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code < 0xE000)


def test_safe_line_is_one_visible_line_of_the_same_length():
    assert safe_line(HOSTILE) == VISIBLE
    assert safe_line("a\tb\r\nc") == "a b␍⏎c"
    assert len(safe_line(EVERY_CHARACTER)) == len(EVERY_CHARACTER)  # one for one: offsets still hold
    assert not raw_controls(safe_line(EVERY_CHARACTER)) and "\n" not in safe_line(EVERY_CHARACTER)
    assert safe_line("名\udcff") == "名\ufffd"  # a file name that is not UTF-8
    assert safe_line("x" * 10, 5) == "xxxx…" and safe_line("x" * 5, 5) == "xxxxx"


def test_safe_line_maps_each_control_inside_an_otherwise_clean_title():
    # safe_line skips the translation of a line str.isprintable() passes: no mapped character may pass it
    for code, shown in _LINE_TABLE.items():
        assert safe_line(f"标题 {chr(code)}x") == f"标题 {shown}x", hex(code)
    assert safe_line("標題 title, 100% clean") == "標題 title, 100% clean"


def test_sanitise_keeps_lines_and_tabs_and_nothing_else_raw():
    cleaned = sanitise(EVERY_CHARACTER)
    assert len(cleaned) == len(EVERY_CHARACTER)
    assert raw_controls(cleaned) == []  # newline and tab are kept: raw_controls allows them
    assert "\n" in cleaned and "\t" in cleaned
    assert {c for c in EVERY_CHARACTER if NEEDS_SANITISING.match(c)} == {
        c for c in EVERY_CHARACTER if sanitise(c) != c
    }


def test_json_escapes_are_exact_and_leave_nothing_raw():
    for serialised in (
        safe_json_text(json.dumps(EVERY_CHARACTER, ensure_ascii=False)),
        safe_json_bytes(orjson.dumps(EVERY_CHARACTER)).decode("utf-8"),
    ):
        assert json.loads(serialised) == EVERY_CHARACTER
        assert not UNSAFE.search(serialised), UNSAFE.search(serialised)
    plain = orjson.dumps({"标题": "“引号”…—·"})
    assert safe_json_bytes(plain) is plain  # nothing to escape: the same bytes, not a copy
    assert safe_json_text(json.dumps("\udcff")) == '"\\udcff"'


def test_safe_text_keeps_styles_and_terminal_guard_keeps_widths():
    text = Text.assemble(("标签 ", "bold"), (HOSTILE, "red"))
    assert "\x1b" in text.plain and "\x07" not in text.plain  # Rich itself strips only BEL, BS, VT, FF, CR
    safe = safe_text(text)
    assert safe.plain == "标签 " + VISIBLE.replace("␇", "")
    assert [(span.start, span.end, span.style) for span in safe.spans] == [
        (span.start, span.end, span.style) for span in text.spans
    ]
    guarded = terminal_guard(HOSTILE + "\udcff")
    assert not UNSAFE.search(guarded) and cell_len(guarded) == cell_len(HOSTILE + "\udcff")
    assert terminal_guard("普通文字") == "普通文字"
