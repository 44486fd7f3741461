"""CSV: one row per annotation, for spreadsheets and data tools.

UTF-8 with a byte-order mark (so Excel and LibreOffice show Chinese correctly), RFC 4180 quoting by
Python's ``csv`` module (commas, quotes and line breaks inside a note stay inside their cell), CRLF
between rows. Tags are joined with ``;``; a ``;`` or ``\\`` inside a tag is escaped with a backslash so
:func:`split_tags` gets the exact tags back.

Two things are not written as stored, both so that opening or printing the file cannot run anything:

* control characters become visible symbols (``reader.sanitise.normalise``: ESC is ``␛``, CR LF is one
  line break), as everywhere else reader shows text;
* CSV injection (OWASP): a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a line break
  would be run as a formula by a spreadsheet, so it gets a leading ``'`` (``neutralise_formulas=False``,
  ``reader export --csv-formulas keep``, writes such cells as they are). :func:`unneutralise` undoes it.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from reader.sanitise import NEEDS_SANITISING, normalise

COLUMNS = (
    "id",
    "article_id",
    "article_title",
    "start",
    "end",
    "quote",
    "text",
    "tags",
    "note",
    "color",
    "created",
    "modified",
    "display_color",
    "view",
    "status",
    "creator",
)
BOM = "\ufeff"
TAG_SEPARATOR = ";"
#: what a spreadsheet takes for the start of a formula (OWASP "CSV Injection"); a line break is there
#: because a cell "\n=1+1" is a formula after some programs trim it
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\n", "\r")
NEUTRALISER = "'"


def cell(value: object, *, neutralise_formulas: bool = True) -> object:
    """One CSV cell: text normalised (controls visible), and a would-be formula made text with a ``'``."""
    if not isinstance(value, str):
        return value
    text = normalise(value) if NEEDS_SANITISING.search(value) else value
    if neutralise_formulas and text.startswith(FORMULA_STARTS):
        return NEUTRALISER + text
    return text


def unneutralise(value: str) -> str:
    """A cell as it was before :func:`cell` neutralised it (for scripts that read the file back)."""
    if value.startswith(NEUTRALISER) and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def join_tags(tags: list[str] | tuple[str, ...]) -> str:
    return TAG_SEPARATOR.join(t.replace("\\", "\\\\").replace(";", "\\;") for t in tags)


def split_tags(cell: str) -> list[str]:
    """The inverse of :func:`join_tags`."""
    tags: list[str] = []
    current: list[str] = []
    chars = iter(cell)
    for ch in chars:
        if ch == "\\":
            current.append(next(chars, "\\"))
        elif ch == TAG_SEPARATOR:
            tags.append("".join(current))
            current = []
        else:
            current.append(ch)
    if current or tags:
        tags.append("".join(current))
    return tags


def render_csv(data: dict[str, Any], *, neutralise_formulas: bool = True) -> str:
    buffer = io.StringIO(newline="")
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(
        [
            cell(value, neutralise_formulas=neutralise_formulas)
            for value in (
                a["id"],
                a["article_id"],
                a["article_title"],
                a["start"],
                a["end"],
                a["quote"],
                a["text"],
                join_tags(a["tags"]),
                a["note"],
                a["color"],
                a["created"],
                a["modified"],
                a["display_color"],
                a["view"],
                a["status"],
                a.get("creator", ""),
            )
        ]
        for a in data["annotations"]
    )
    return buffer.getvalue()
