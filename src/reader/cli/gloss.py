"""``reader gloss TEXT``: the words of a phrase or passage with readings and CC-CEDICT definitions."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from reader.cli._common import out
from reader.errors import UsageError

MAX_GLOSS_CHARS = 200_000


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    from reader.readings import SYSTEMS

    p = sub.add_parser(
        "gloss",
        parents=[common],
        help="words, readings and definitions of a phrase or passage",
        description="Split TEXT (any script; `-` reads standard input) into words as the reader does and "
        "print each word with its reading and its CC-CEDICT entries (traditional and simplified forms, "
        "pinyin, definitions). A word CC-CEDICT does not list is glossed character by character. "
        "Dictionary: CC-CEDICT (MDBG, CC BY-SA 4.0).",
    )
    p.add_argument("text", metavar="TEXT", help="the text, or - for standard input")
    p.add_argument("--json", action="store_true", help="one JSON document: the text and its words")
    p.add_argument(
        "--reading", default="pinyin", choices=SYSTEMS, metavar="SYSTEM", help=f"one of {', '.join(SYSTEMS)}"
    )
    p.set_defaults(run=run)


def _input(text: str) -> str:
    from reader.sanitise import normalise

    if text == "-":
        text = sys.stdin.read(MAX_GLOSS_CHARS + 1)
    if len(text) > MAX_GLOSS_CHARS:
        raise UsageError(f"the text is too long to gloss ({MAX_GLOSS_CHARS:,} characters at most)")
    text = normalise(text)
    if not text.strip():
        raise UsageError("nothing to gloss: the text is empty")
    return text


def run(args: argparse.Namespace) -> int:
    from reader.cli._wordtools import word_services
    from reader.gloss import gloss_text

    text = _input(args.text)
    words, dictionary = word_services(args)
    glossed = gloss_text(text, words, dictionary, args.reading)
    if args.json:
        from reader.sanitise import safe_json_text

        payload = {"text": text, "reading": args.reading, "words": [g.as_json() for g in glossed]}
        out(safe_json_text(json.dumps(payload, ensure_ascii=False, indent=2)) + "\n")
        return 0
    out("".join(_format(g) for g in glossed))
    return 0


def _format(g: Any) -> str:
    from reader.sanitise import safe_line

    lines = [f"{safe_line(g.word)}  {safe_line(g.reading)}".rstrip()]
    if not g.entries and not g.parts:
        lines.append("    (not in CC-CEDICT)")
    for e in g.entries:
        forms = e.traditional if e.traditional == e.simplified else f"{e.traditional} / {e.simplified}"
        meaning = safe_line("; ".join(e.definitions), 2000)
        lines.append(f"    {safe_line(forms)}  [{safe_line(e.pinyin_marks)}]  {meaning}")
    for part in g.parts:
        for e in part.entries:
            lines.append(
                f"    {safe_line(part.word)}: [{safe_line(e.pinyin_marks)}]  "
                f"{safe_line('; '.join(e.definitions), 2000)}"
            )
    return "\n".join(lines) + "\n"
