"""Character facts taken from OpenCC's own dictionaries, for deciding and explaining a conversion.

* :func:`one_to_many`: Simplified characters that OpenCC's STCharacters maps to several Traditional ones
  (后 -> 後 后, 干 -> 幹 乾 干 榦, 发 -> 發 髮). Where no phrase decides, OpenCC takes the first: that choice
  is *uncertain* and the reader marks it. The binding cannot list a dictionary, so the table is dumped
  with the ``opencc_dict`` tool the wheel ships and kept in ``data/one_to_many.json`` for the OpenCC
  version it was made from; :func:`write_one_to_many` regenerates it after an upgrade (until then the
  shipped table is used, and a test says it is old).
* :func:`variant_pairs`: pairs of characters that are regional *variants* of one another rather than
  different scripts (臺/台, 羣/群, 纔/才, 裏/裡, 爲/為): what t2tw, t2hk, tw2t and hk2t change, one
  character at a time. A Traditional text that writes 台 or 群 is not damaged by a Simplified conversion.
"""

from __future__ import annotations

import functools
import re
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from reader.convert.engine import opencc_version, share_dir

__all__ = [
    "ONE_TO_MANY_TABLE",
    "PHRASE_DICTIONARIES",
    "length_changing",
    "one_to_many",
    "simplified_chars",
    "variant_pairs",
    "write_one_to_many",
]

#: ``python -c "from reader.convert.tables import write_one_to_many; write_one_to_many()"``
ONE_TO_MANY_TABLE = Path(__file__).resolve().parent.parent / "data" / "one_to_many.json"

# BMP CJK blocks (Ext A, URO): every variant pair and one-to-many character the views meet lives here.
_CJK_BMP = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF))


def _dump_dictionary(name: str) -> dict[str, tuple[str, ...]]:
    """An .ocd2 dictionary of the installed OpenCC as {key: candidates}, via its ``opencc_dict`` tool."""
    tool = share_dir().parent.parent / "bin" / "opencc_dict"
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / f"{name}.txt"
        subprocess.run(
            [
                str(tool),
                "-i",
                str(share_dir() / f"{name}.ocd2"),
                "-o",
                str(target),
                "-f",
                "ocd2",
                "-t",
                "text",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        table = {}
        for line in target.read_text(encoding="utf-8").splitlines():
            key, _, values = line.partition("\t")
            if key and values:
                table[key] = tuple(values.split(" "))
    return table


#: an alternative counts if OpenCC's phrases choose it this often (share of the character's uses in
#: STPhrases) and at least ``_MIN_PHRASES`` times: 个 -> 箇 (4%), 了 -> 瞭 (2%) would only be noise
_MIN_SHARE = 0.08
_MIN_PHRASES = 10


def build_one_to_many() -> dict[str, tuple[str, ...]]:
    """STCharacters' one-to-many entries whose alternatives OpenCC's own phrases really use.

    Candidates in OpenCC's order (the default first), keeping the default and every alternative that
    STPhrases chooses often enough (后: 後 896, 后 89 phrases; 个: 個 463, 箇 19, left out).
    """
    characters = {k: v for k, v in _dump_dictionary("STCharacters").items() if len(v) > 1}
    uses: dict[str, dict[str, int]] = {k: {} for k in characters}
    for key, values in _dump_dictionary("STPhrases").items():
        value = values[0]
        if len(key) == len(value):
            for a, b in zip(key, value, strict=True):
                if a in uses:
                    uses[a][b] = uses[a].get(b, 0) + 1
    table = {}
    for char, candidates in characters.items():
        total = sum(uses[char].values()) or 1
        kept = [c for c in candidates[1:] if uses[char].get(c, 0) >= max(_MIN_PHRASES, _MIN_SHARE * total)]
        if kept:
            table[char] = (candidates[0], *kept)
    return table


#: the only dictionaries whose entries change a text's length (checked by tests/test_convert.py)
PHRASE_DICTIONARIES = ("TWPhrases", "TWPhrasesRev", "HKPhrases", "HKPhrasesRev")


def build_length_changing() -> dict[str, list[str]]:
    """Per phrase dictionary, the values of its entries whose length differs from their key's."""
    found = {}
    for name in PHRASE_DICTIONARIES:
        values = {v for key, vs in _dump_dictionary(name).items() for v in vs if len(v) != len(key)}
        found[name] = sorted(values)
    return found


def write_one_to_many(path: Path = ONE_TO_MANY_TABLE) -> None:
    record = {
        "opencc": opencc_version(),
        "s2t": {k: list(v) for k, v in sorted(build_one_to_many().items())},
        "length_changing": build_length_changing(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(record, option=orjson.OPT_INDENT_2) + b"\n")


@functools.cache
def _shipped() -> dict[str, Any]:
    try:
        shipped: dict[str, Any] = orjson.loads(ONE_TO_MANY_TABLE.read_bytes())
    except (OSError, ValueError):
        shipped = {"opencc": ""}
    if shipped.get("opencc") != opencc_version():
        try:
            return {"s2t": build_one_to_many(), "length_changing": build_length_changing()}
        except (OSError, subprocess.SubprocessError, UnicodeDecodeError):
            pass  # no tool in this build of the binding: the shipped tables are close enough
    return shipped


def one_to_many() -> dict[str, tuple[str, ...]]:
    """{Simplified character: its Traditional candidates, OpenCC's default first}."""
    return {key: tuple(values) for key, values in _shipped().get("s2t", {}).items()}


@functools.cache
def length_changing(name: str) -> tuple[str, ...]:
    """Values of the phrase dictionary ``name`` that are longer or shorter than their key."""
    return tuple(_shipped().get("length_changing", {}).get(name, ()))


def simplified_chars(convert: Callable[[str, str], str]) -> re.Pattern[str]:
    """A character class of the CJK characters that s2t changes when converted on their own."""
    chars = [chr(code) for start, end in _CJK_BMP for code in range(start, end + 1)]
    converted = convert("\n".join(chars), "s2t").split("\n")
    if len(converted) != len(chars):  # pragma: no cover - OpenCC invariant
        converted = [convert(ch, "s2t") for ch in chars]
    changed = "".join(re.escape(a) for a, b in zip(chars, converted, strict=True) if a != b)
    return re.compile(f"[{changed}]" if changed else "(?!)")


def variant_pairs(convert: Callable[[str, str], str]) -> frozenset[tuple[str, str]]:
    """Every (a, b) with a != b that a regional-variant config turns into each other, both directions.

    ``convert(text, config)`` is an OpenCC conversion by config name; cached per callable by the caller.
    """
    chars = [chr(code) for start, end in _CJK_BMP for code in range(start, end + 1)]
    joined = "\n".join(chars)
    pairs: set[tuple[str, str]] = set()
    for config in ("t2tw", "t2hk", "tw2t", "hk2t"):
        converted = convert(joined, config).split("\n")
        if len(converted) != len(chars):  # pragma: no cover - OpenCC invariant
            continue
        for a, b in zip(chars, converted, strict=True):
            if a != b and len(b) == 1:
                pairs.add((a, b))
                pairs.add((b, a))
    return frozenset(pairs)
