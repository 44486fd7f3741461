"""Damage left in a text by lossy encoding conversions, and the repairs that are certain.

Scraped Chinese text is often damaged on its way to us, and each kind leaves a recognisable trace:

* ``pinyin``: a converter that could not write a character in its target encoding wrote it followed by
  its reading, ``地區(qū)``. Checked against the character's readings (pypinyin), so ``社交(social)`` is not
  damage. Repair (certain): the character alone.
* ``garbled``: a GBK byte stream read one byte out of step (``當?shù)貢r間`` for 當地時間): a ``?`` where
  a byte was lost, the reading of the character that the shifted bytes formed, then characters made of
  the halves of two real ones, until an ASCII byte puts the reading back in step. The reading pins the
  lost byte; re-reading the bytes in step gives the original. Repaired only when exactly one reading
  fits and the result is all in the article's script; otherwise listed without a repair.
* ``lost``: U+FFFD, or a ``?`` that cannot be a question mark (``??``, ``?、``, or an ASCII ``?`` between
  Han characters in a text punctuated with full-width marks).
* ``mojibake``: UTF-8 read as Latin-1/cp1252 (``ä¸­æ–‡``): what ftfy's encoding fix would change (only
  that fix, none of its other clean-ups). Repair: ftfy's.

Offsets are code points into the article's normalised text and never change: repairs are offered as the
``repaired`` view (:func:`repaired_view`) with an :class:`~reader.convert.OffsetMap` back to the original,
so highlights made there anchor to the original.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from reader.convert import OffsetMap, ViewText

REPAIRED_VIEW = "repaired"
KINDS = ("pinyin", "garbled", "lost", "mojibake")
KIND_LABELS = {"pinyin": "拼音標註", "garbled": "亂碼", "lost": "缺字", "mojibake": "編碼錯誤"}

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_TONED = "a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüêńňǹḿ"
_PINYIN_RUN = re.compile(rf"([{_HAN}])\(([{_TONED}]{{1,7}})\)")
_LOST_READING = re.compile(rf"\?([{_TONED}]{{1,7}})\)")
_BRACKETED_READING = re.compile(rf"\([{_TONED}]{{1,7}}\)")
_HAN_CHAR = re.compile(rf"[{_HAN}]")
#: a ``?`` that is never a question mark: doubled, or followed by a lost reading or by a mark that cannot
#: follow one. :mod:`reader.layout` uses it so that sentence motions step over damage.
LOCAL_DAMAGE_MARK = re.compile(rf"\?(?=[{_TONED}]{{1,7}}\))|\?(?=[?、，,;；:：])|(?<=\?)\?|\ufffd")
_MOJIBAKE_HINT = re.compile(r"[\u00c0-\u00ef][\u0080-\u00bf\u0152-\u0192\u02c6-\u02dc\u2013-\u2122]")
_WINDOW = 8  # characters after a lost reading that may still be out of step


@dataclass(frozen=True)
class Damage:
    kind: str  # one of KINDS
    start: int
    end: int
    repair: str | None  # certain replacement for text[start:end]; None when no repair is certain
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "repair": self.repair,
            "note": self.note,
        }


def find_damage(text: str) -> list[Damage]:
    """Every damage spot in ``text``, in order, none overlapping another."""
    spots = _garbled(text)
    spots += _pinyin(text, spots)
    spots += _lost(text, spots)
    spots += _mojibake(text, spots)
    spots.sort(key=lambda d: (d.start, d.end))
    return spots


def repaired_view(text: str, damage: Iterable[Damage]) -> ViewText:
    """``text`` with every certain repair applied, and the offset map between the two.

    Each repair is one segment of the map, so a position inside a repaired spot snaps to its edges and a
    highlight made in the repaired view is stored against the original, as in the script views.
    """
    parts: list[str] = []
    segments: list[tuple[int, int, int, int]] = []
    cursor = view_pos = 0
    for spot in sorted(damage, key=lambda d: d.start):
        if spot.repair is None or spot.start < cursor or not spot.repair:
            continue
        parts.append(text[cursor : spot.start])
        view_pos += spot.start - cursor
        if spot.repair != text[spot.start : spot.end]:
            segments.append((spot.start, spot.end, view_pos, view_pos + len(spot.repair)))
        parts.append(spot.repair)
        view_pos += len(spot.repair)
        cursor = spot.end
    parts.append(text[cursor:])
    view_pos += len(text) - cursor
    return ViewText(REPAIRED_VIEW, "".join(parts), OffsetMap(len(text), view_pos, segments))


# --------------------------------------------------------------------------------------------- readings


@functools.cache
def readings(char: str) -> frozenset[str]:
    """Every reading of one character, with tone marks (empty when pypinyin knows none)."""
    from reader.readings import load_pypinyin  # lazily: its dictionaries take a moment to load

    pinyin, style = load_pypinyin()
    found = pinyin(char, style=style.TONE, heteronym=True, errors="ignore")
    return frozenset(found[0]) if found else frozenset()


def _free(spots: list[Damage], start: int, end: int) -> bool:
    return all(end <= s.start or start >= s.end for s in spots)


def _pinyin(text: str, taken: list[Damage]) -> list[Damage]:
    found: list[Damage] = []
    for match in _PINYIN_RUN.finditer(text):
        char, reading = match.group(1), match.group(2)
        if reading in readings(char) and _free(taken, match.start(), match.end()):
            found.append(
                Damage("pinyin", match.start(), match.end(), char, f"{char} followed by its reading")
            )
    return found


# --------------------------------------------------------------------------------------------- garbled


def _gbk(text: str) -> bytes | None:
    try:
        return text.encode("gbk")
    except UnicodeEncodeError:
        return None


def _script_of(text: str) -> str:
    """ "simplified", "traditional" or "" (mixed or neither), by the library's own script tables."""
    from reader.scripts import script_counts

    trad, simp = script_counts(text)
    if simp > trad:
        return "simplified"
    return "traditional" if trad > simp else ""


@functools.cache
def _converter() -> Any:
    from reader.convert import Converter

    return Converter()


def _plausible(candidate: str, script: str) -> bool:
    """Every Han character of ``candidate`` is a common one (GB2312 level 1, or the traditional form of
    one) and none belongs only to the other script: shifted bytes re-read wrongly give rare or
    other-script characters."""
    converter = _converter()
    own = converter.convert(candidate, script) if script else candidate
    simplified = converter.convert(candidate, "simplified")
    for ch, mine, simple in zip(candidate, own, simplified, strict=False):
        if not _HAN_CHAR.match(ch):
            continue
        if ch != mine or not _level_one(simple):
            return False
    return True


def _level_one(char: str) -> bool:
    """One of GB2312's 3,755 level-1 (most frequent) characters."""
    try:
        data = char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(data) == 2 and 0xB0 <= data[0] <= 0xD7


def _realigned(lead: int, reading: str, shifted: str, script: str) -> str | None:
    """The text ``shifted`` stood for, if exactly one lost byte fits ``reading`` and gives clean text.

    ``lead`` is the last byte of the character before the ``?``: with the lost byte it formed the
    character whose reading was written. The lost byte followed by the shifted characters' bytes must
    then decode in step, into Han characters (and ASCII) of the article's script.
    """
    found: set[str] = set()
    for lost in range(0x81, 0xFF):
        try:
            formed = bytes((lead, lost)).decode("gbk")
        except UnicodeDecodeError:
            continue
        if reading not in readings(formed):
            continue
        for k in range(1, len(shifted) + 1):
            data = _gbk(shifted[:k])
            if data is None:
                break
            if data[-1] >= 0x80:  # still out of step: only an ASCII byte ends the shift
                continue
            try:
                candidate = (bytes((lost,)) + data).decode("gbk")
            except UnicodeDecodeError:
                continue
            if _HAN_CHAR.match(candidate[0]) and _plausible(candidate, script):
                found.add(candidate + "\0" + str(k))
            break
    if len(found) != 1:
        return None
    return found.pop()


def _garbled(text: str) -> list[Damage]:
    spots: list[Damage] = []
    matches = list(_LOST_READING.finditer(text))
    if not matches:
        return spots
    script = _script_of(text)
    for match in matches:
        start, reading = match.start(), match.group(1)
        if spots and start < spots[-1].end:
            continue
        prev = _gbk(text[start - 1]) if start > 0 else None
        shifted = _shifted_run(text, match.end())
        repair = None
        end = match.end()
        if prev is not None and len(prev) == 2:
            result = _realigned(prev[-1], reading, shifted, script)
            if result is not None:
                repair, used = result.split("\0")
                end = match.end() + int(used)
        if repair is None:
            end = _garbled_end(text, match.end(), shifted)
        note = f"bytes out of step; the lost character was read {reading}"
        spots.append(Damage("garbled", start, end, repair, note))
    return spots


def _shifted_run(text: str, pos: int) -> str:
    """The characters after a lost reading that may still be out of step (up to a line or a ``?``)."""
    run = []
    for ch in text[pos : pos + _WINDOW]:
        if ch in "\n?" or (ch.isspace()):
            break
        run.append(ch)
    return "".join(run)


def _garbled_end(text: str, pos: int, shifted: str) -> int:
    """Where an unrepaired garbled spot ends: after the first ASCII letter glued into the run (the byte
    that put the reading back in step) and its bracketed reading if one follows; else after a ``?`` that
    closes the run nearby; else right after the lost reading."""
    for i, ch in enumerate(shifted):
        glued = i + 1 >= len(shifted) or not shifted[i + 1].isascii() or shifted[i + 1] == "("
        if ch.isascii() and ch.isalpha() and glued and (i == 0 or _HAN_CHAR.match(shifted[i - 1])):
            end = pos + i + 1
            bracket = _BRACKETED_READING.match(text, end)
            return bracket.end() if bracket else end
    nearby = text.find("?", pos, pos + 5)
    if nearby >= 0 and "\n" not in text[pos:nearby]:
        return nearby + 1
    return pos


# --------------------------------------------------------------------------------------------- lost


def _fullwidth_style(text: str) -> bool:
    """True when the text punctuates with full-width marks (then an ASCII ``?`` among Han is damage)."""
    return text.count("，") + text.count("。") > text.count(",") + text.count("?")


def _lost(text: str, taken: list[Damage]) -> list[Damage]:
    found: list[Damage] = []
    fullwidth: bool | None = None
    script: str | None = None
    for match in re.finditer(r"\?+|\ufffd+", text):
        start, end = match.span()
        if not _free(taken, start, end):
            continue
        mark = match.group()
        damaged = mark[0] == "\ufffd" or len(mark) > 1 or LOCAL_DAMAGE_MARK.match(text, start) is not None
        garbled_end = None
        if not damaged and start > 0 and _HAN_CHAR.match(text[start - 1]):
            script = _script_of(text) if script is None else script
            garbled_end = _odd_run_end(text, end, script)
            damaged = garbled_end is not None
        if not damaged and _between_han(text, start, end):
            fullwidth = _fullwidth_style(text) if fullwidth is None else fullwidth
            damaged = fullwidth
        if damaged:
            end = garbled_end or _glued_run_end(text, end)
            if _free(taken, start, end):
                found.append(Damage("lost", start, end, None, "a character was lost here"))
    return found


def _odd_run_end(text: str, pos: int, script: str) -> int | None:
    """After a ``?``: if the next few characters are mostly rare or of the other script (``?!保劳袊鴥``,
    the halves of real characters read together), where that garbled run ends; else None."""
    if text.startswith("!", pos):
        pos += 1
    odd, last = 0, None
    for i in range(pos, min(len(text), pos + 6)):
        ch = text[i]
        if not _HAN_CHAR.match(ch):
            break
        if not _plausible(ch, script):
            odd += 1
            last = i + 1
    return last if odd >= 2 else None


def _between_han(text: str, start: int, end: int) -> bool:
    return (
        start > 0
        and end < len(text)
        and bool(_HAN_CHAR.match(text[start - 1]))
        and bool(_HAN_CHAR.match(text[end]))
    )


def _glued_run_end(text: str, pos: int) -> int:
    """After a lost ``?``: a Han character with one ASCII letter glued to it (``傮w``) is still out of
    step; include it."""
    match = re.compile(rf"[{_HAN}]{{1,2}}[A-Za-z](?=[{_HAN}])").match(text, pos)
    return match.end() if match else pos


# --------------------------------------------------------------------------------------------- mojibake


def _mojibake(text: str, taken: list[Damage]) -> list[Damage]:
    if not _MOJIBAKE_HINT.search(text):
        return []
    import ftfy  # lazily: most articles have no Latin-1 look-alikes at all

    found: list[Damage] = []
    pos = 0
    for line in text.split("\n"):
        if _MOJIBAKE_HINT.search(line):
            fixed = ftfy.fix_encoding(line)
            if fixed != line:
                spot = _changed_span(line, fixed)
                start, end = pos + spot[0], pos + spot[1]
                if _free(taken, start, end):
                    found.append(Damage("mojibake", start, end, spot[2], "UTF-8 read as Latin-1 (ftfy)"))
        pos += len(line) + 1
    return found


def _changed_span(old: str, new: str) -> tuple[int, int, str]:
    """The differing middle of two strings: ``(start, end)`` in ``old`` and its replacement (non-empty)."""
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < min(len(old), len(new)) - prefix and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]
    ):
        suffix += 1
    start, end = prefix, len(old) - suffix
    replacement = new[prefix : len(new) - suffix]
    if not replacement or start == end:  # keep both sides non-empty for the offset map
        start = max(0, start - 1)
        replacement = new[start : len(new) - suffix]
    return start, end, replacement
