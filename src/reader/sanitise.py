"""Normalise article text once, at load, so that every offset is a code point into the result.

Terminal safety (GUIDE.md §4): Rich and Textual strip only a few C0 controls, so ESC sequences, the 8-bit
CSI (U+009B) and bidi overrides in article text would reach the terminal raw. We map each such character
*one-for-one* to a visible symbol, so the text length (and so every offset) is unchanged by the mapping.
Only newline normalisation (CRLF/CR -> LF) and BOM removal change the length, and they happen first.
"""

from __future__ import annotations

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
    return table


CONTROL_TABLE: dict[int, str] = _build_table()


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
    """The one normalisation every article goes through: newlines, BOM, then controls."""
    return sanitise(normalise_newlines(text))


def safe_line(text: str, limit: int = 300) -> str:
    """Make any string (a file name, an error, a tag) safe to show on one terminal line."""
    cleaned = sanitise(text).replace("\n", " ").replace("\t", " ")
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


# ---------------------------------------------------------------------------------- the way out
# Everything a user or a file controls (article text, titles, file names, tags, notes, descriptions,
# queries, error messages, paths) is stored as given and made safe here, on its way to a terminal or a
# JSON consumer. Screens and CLI commands call these; nothing else builds terminal output from user data.

_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in [*range(0x7F, 0xA0), *_BIDI_CONTROLS, 0x2028, 0x2029]}


def safe_json_text(serialised: str) -> str:
    """JSON text with every control character escaped as ``\\uXXXX`` (C1, DEL, bidi, U+2028/2029 too).

    json/orjson escape only C0 controls; the rest would reach a terminal raw through ``--json`` output. Such
    characters can only occur inside JSON strings, so escaping them in the serialised text is exact.
    """
    return serialised.translate(_JSON_ESCAPES)
