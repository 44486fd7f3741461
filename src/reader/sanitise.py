"""The one place that makes text safe for a terminal: article text at load, everything else on its way out.

Terminal safety (GUIDE.md §4): Rich and Textual strip only a few C0 controls, so ESC sequences, the 8-bit
CSI (U+009B) and bidi overrides would reach the terminal raw. We map each such character *one-for-one* to a
visible symbol, so the text length (and so every offset) is unchanged by the mapping. Only newline
normalisation (CRLF/CR -> LF) and BOM removal change the length, and they happen first (article text only).

What the user typed (tags, notes, descriptions, queries) and what the file system says (file and folder
names) is *stored as given* and made safe here on its way out:

=====================  ==================================================================================
``normalise(text)``    article text, once at load: newlines, BOM, then ``sanitise`` (offsets are into this)
``sanitise(text)``     multi-line text (an article, a note shown whole): controls -> visible symbols,
                       newlines and tabs kept
``safe_line(text)``    one line (a title, tag, file name, error, table cell): as ``sanitise``, and a newline
                       becomes a visible ``⏎``, a tab a space
``safe_text(text)``    a Rich ``Text`` built by a caller, made one-line safe with its styles kept
``safe_json_text(s)``  serialised JSON: every control still raw in it (C1, DEL, bidi, U+2028/9, lone
                       surrogates; json escapes only C0) becomes a ``\\uXXXX`` escape
``safe_json_bytes(b)`` the same for UTF-8 JSON bytes (exports): one scan, a rewrite only if needed
``safe_xml_bytes(b)``  the same for UTF-8 XML, as character references (``&#x9b;``)
``terminal_guard(s)``  the last line of defence for text painted by the UI (``widgets/terminal_guard.py``):
                       drops what ``sanitise`` would have replaced, keeping the width in cells
``UNSAFE``             a regex matching any character that must never reach a terminal raw (tests use it)
``NEEDS_SANITISING``   a regex matching what ``sanitise`` would change (skip the work when it does not)
=====================  ==================================================================================
"""

from __future__ import annotations

import functools
import re

TYPE_CHECKING = False  # typing is not imported at run time (every command imports this module)

if TYPE_CHECKING:
    from rich.text import Text

_BIDI_CONTROLS = [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x20):
        if code in (0x0A, 0x09):  # newline and tab are text
            continue
        table[code] = chr(0x2400 + code)  # ␀ ␁ … ␛ … (Control Pictures block)
    table[0x7F] = "\u2421"  # ␡
    for code in range(0x80, 0xA0):  # C1 controls, including the 8-bit CSI U+009B
        table[code] = "\ufffd"
    for code in _BIDI_CONTROLS:
        table[code] = "\ufffd"
    # Line/paragraph separators would break lines behind our back: keep them visible instead.
    table[0x2028] = "\u21b5"
    table[0x2029] = "\u00b6"
    table[0xFEFF] = "\u2060"  # a BOM inside text: WORD JOINER has the same meaning without BOM semantics
    # Lone surrogates come from file names that are not valid UTF-8 (os.fsdecode's surrogateescape): written
    # back with surrogateescape they would be raw bytes again (0x9B is the 8-bit CSI); strict, they crash.
    for code in range(0xD800, 0xE000):
        table[code] = "\ufffd"
    return table


CONTROL_TABLE: dict[int, str] = _build_table()
#: matches any character :func:`sanitise` would replace (a string without one is already safe: skip the work)
NEEDS_SANITISING = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff\ufeff]"
)


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF; a leading BOM is removed."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def sanitise(text: str) -> str:
    """Map control and bidi characters one-for-one to visible, harmless symbols (length is preserved)."""
    return text.translate(CONTROL_TABLE)


def normalise(text: str) -> str:
    """The one normalisation every article goes through: newlines, BOM, then controls.

    Equal to ``sanitise(normalise_newlines(text))``; the (slow) translate is skipped when there is nothing
    to map, which is nearly always.
    """
    text = normalise_newlines(text)
    return sanitise(text) if NEEDS_SANITISING.search(text) else text


def normalise_lines(text: str) -> tuple[str, list[str]]:
    """:func:`normalise` of ``text``, and its lines (``split("\n")``: a listing counts paragraphs on them).

    The controls are looked for only in a line that is not printable (``str.isprintable``, a table lookup
    a character, ~5× cheaper than the search; every character :func:`sanitise` maps is not printable).
    """
    text = normalise_newlines(text)
    lines = text.split("\n")
    if not all(map(str.isprintable, lines)) and NEEDS_SANITISING.search(text):
        text = sanitise(text)
        lines = text.split("\n")
    return text, lines


# ---------------------------------------------------------------------------------- the way out
# Everything a user or a file controls (article text, titles, file names, tags, notes, descriptions,
# queries, error messages, paths) is stored as given and made safe here, on its way to a terminal or a
# JSON consumer. Screens and CLI commands call these; nothing else builds terminal output from user data.

#: how a newline inside a one-line field (a table cell, a tag, a title, a message) is shown
NEWLINE_MARK = "\u23ce"  # ⏎
_LINE_TABLE: dict[int, str] = {**CONTROL_TABLE, 0x0A: NEWLINE_MARK, 0x09: " "}


def safe_line(text: str, limit: int | None = None) -> str:
    """Any string (a file name, an error, a tag, a note in a list) safe to show on one terminal line.

    Controls become visible symbols (as :func:`sanitise`), a newline becomes ``⏎``, a tab a space. With
    ``limit``, a longer result is cut to ``limit`` characters ending in "…".
    """
    text = str(text)
    # Every character the table maps is one str.isprintable() rejects (a test checks it), and that scan is
    # ~30x cheaper than translate: most lines are clean (`reader list` makes 20,000 of them)
    cleaned = text if text.isprintable() else text.translate(_LINE_TABLE)
    if limit is not None and len(cleaned) > limit:
        return cleaned[: limit - 1] + "…"
    return cleaned


def safe_text(text: Text) -> Text:
    """A Rich ``Text`` (built by a caller, say a dialog title) made one-line safe, its styles kept.

    :func:`safe_line` maps one character to one, so every span still covers the same characters.
    """
    plain = text.plain
    cleaned = plain.translate(_LINE_TABLE)
    if cleaned == plain:
        return text
    copy = text.copy()
    copy.plain = cleaned
    return copy


_SURROGATES = range(0xD800, 0xE000)


@functools.cache
def _json_escapes() -> dict[int, str]:
    """Made on first use (every command imports this module; few write JSON): ~0.4 ms."""
    return {
        code: f"\\u{code:04x}" for code in [*range(0x7F, 0xA0), *_BIDI_CONTROLS, 0x2028, 0x2029, *_SURROGATES]
    }


def safe_json_text(serialised: str) -> str:
    """JSON text with every control character escaped as ``\\uXXXX`` (C1, DEL, bidi, U+2028/2029 too).

    json/orjson escape only C0 controls; the rest would reach a terminal raw through ``--json`` output. Such
    characters can only occur inside JSON strings, so escaping them in the serialised text is exact. (A
    lone surrogate, from a file name that is not UTF-8, becomes its escape too, as ``json.dumps`` would
    write it with ``ensure_ascii``.)
    """
    return serialised.translate(_json_escapes())


# The same characters as UTF-8 bytes. In valid UTF-8 these lead bytes (0xC2, 0xD8, 0xE2) start a
# character, never continue one, so a match is always exactly one of those characters.
@functools.cache
def _json_unsafe_utf8() -> re.Pattern[bytes]:
    return re.compile(rb"\x7f|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]")


def _json_escape_utf8(match: re.Match[bytes]) -> bytes:
    return b"\\u%04x" % ord(match[0].decode("utf-8"))


def _xml_reference_utf8(match: re.Match[bytes]) -> bytes:
    return b"&#x%x;" % ord(match[0].decode("utf-8"))


def safe_xml_bytes(payload: bytes) -> bytes:
    """UTF-8 XML with the same characters as character references (``&#x9b;``): exact in XML 1.0."""
    if _json_unsafe_utf8().search(payload) is None:
        return payload
    return _json_unsafe_utf8().sub(_xml_reference_utf8, payload)


def safe_json_bytes(payload: bytes) -> bytes:
    """:func:`safe_json_text` for UTF-8 JSON (an export): a quick scan, and a rewrite only if needed.

    (UTF-8 cannot hold lone surrogates, so there are none to escape here.)
    """
    if _json_unsafe_utf8().search(payload) is None:
        return payload
    return _json_unsafe_utf8().sub(_json_escape_utf8, payload)


# ---------------------------------------------------------------------------------- the last line
#: every character that must never reach a terminal raw: what ``sanitise`` replaces (but a BOM, which is
#: harmless), plus newline and tab, which move the cursor when painted inside a line
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")


#: drops the zero-width ones (Rich counts them 0 cells) and keeps the width of the others (1 cell each)
@functools.cache
def _guard_table() -> dict[int, str | None]:
    return {
        **{code: None for code in [*range(0x20), *range(0x7F, 0xA0), *_BIDI_CONTROLS, 0x2028, 0x2029]},
        **{code: "\ufffd" for code in _SURROGATES},
    }


def terminal_guard(text: str) -> str:
    """``text`` with nothing a terminal would obey: for text already laid out in cells (a painted line).

    Unlike :func:`sanitise` this keeps each line's width in cells (what Rich measured when it laid the
    line out), so it drops the zero-width controls instead of showing them. It is the safety net behind
    :func:`sanitise`/:func:`safe_line`, never a replacement: they show the user *that* something was there.
    """
    return text.translate(_guard_table()) if UNSAFE.search(text) else text
