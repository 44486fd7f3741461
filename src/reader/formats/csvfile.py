"""CSV: one row per annotation, for spreadsheets and data tools.

UTF-8 with a byte-order mark (so Excel and LibreOffice show Chinese correctly), RFC 4180 quoting by
Python's ``csv`` module (commas, quotes and line breaks inside a note stay inside their cell), CRLF
between rows. Tags are joined with ``;``; a ``;`` or ``\\`` inside a tag is escaped with a backslash so
:func:`split_tags` gets the exact tags back. Values are written exactly as stored: a cell that starts with
``=``, ``+``, ``-`` or ``@`` is not altered, so open untrusted exports with formulas disabled.
"""

from __future__ import annotations

import csv
import io
from typing import Any

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
)
BOM = "\ufeff"
TAG_SEPARATOR = ";"


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


def render_csv(data: dict[str, Any]) -> str:
    buffer = io.StringIO(newline="")
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(
        (
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
        )
        for a in data["annotations"]
    )
    return buffer.getvalue()
