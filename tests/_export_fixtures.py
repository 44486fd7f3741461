"""Annotations with hostile content and every status, shared by the export and import tests."""

from __future__ import annotations

from pathlib import Path

from reader.workspace import Workspace

SIMP = "001_8eaa32b1d9703bf4.txt"  # Simplified
TRAD = "002_ced27b30dc7015ea.txt"  # Traditional
OTHER = "004_b2f79115014bf41b.txt"  # Simplified

#: quotes, commas, semicolons, newlines (LF, CR LF, U+2028), brackets, Markdown and HTML syntax, control
#: characters (ESC sequences, NUL, BEL), bidi overrides, and what closes a CDATA section
HOSTILE_NOTE = (
    'He said "hi", then left; twice.\n'
    "[link](http://example.com) <b>bold</b> *em* _u_ `code` | pipe & amp\n"
    "# not a heading\n> not a quote\n- not a list\n1. not a numbered list\n---\n"
    "CR LF\r\nnext\ttab \x1b[31mred\x1b[0m \x00nul \x07bell \u202eevil\u202c \u2028 ]]> {} \\ end"
)
HOSTILE_TAGS = [
    "来源",
    "a;b",
    "back\\slash",
    "comma, tag",
    '"quoted"',
    "[bracket]",
    "ctl\x1bchar",
    "new\nline",
    "`tick`",
    "#hash",
]


def make_annotations(workspace: Workspace) -> dict[str, object]:
    """Three articles' worth of annotations: hostile ones, colours, a note-less highlight, tag sets."""
    simp = workspace.load(SIMP)
    trad = workspace.load(TRAD)
    other = workspace.load(OTHER)
    made = {}
    (start, end), *_ = workspace.find(trad, "一名接近该公司人士透露")
    made["hostile"] = workspace.annotate(
        trad, start, end, tags=HOSTILE_TAGS, note=HOSTILE_NOTE, color="#336699", view="taiwan"
    )
    start, end = workspace.find(simp, "字节跳动")[0]
    made["blue"] = workspace.annotate(simp, start, end, tags=["公司"], color="blue", view="traditional")
    start, end = workspace.find(simp, "字节跳动")[1]
    made["plain"] = workspace.annotate(simp, start, end, tags=[], note="")
    made["other"] = workspace.annotate(other, 10, 30, tags=["来源", "平台"], note="first line\nsecond line")
    return made


def change_article(articles: Path, article_id: str, *, insert: str = "", remove: str = "") -> None:
    """Edit an article file as a user would: insert text at the top and/or remove a passage."""
    path = articles / article_id
    text = path.read_text(encoding="utf-8")
    if remove:
        assert remove in text
        text = text.replace(remove, "")
    path.write_text(insert + text, encoding="utf-8")
