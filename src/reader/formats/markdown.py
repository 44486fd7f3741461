"""Markdown: grouped by article, each passage a block quote in the export's view, then its tags and note.

Readable as plain text and as rendered Markdown. Everything from the user or the article is data: Markdown
syntax in it is escaped (so a note saying ``# heading`` or ``[x](y)`` stays a note), control characters
are shown as visible symbols (a ``cat`` of the file cannot drive the terminal), and tags are code spans.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from reader.convert import VIEW_LABELS
from reader.sanitise import normalise_newlines, sanitise

#: characters that mean something inline anywhere in a line
_INLINE = re.compile(r"([\\`*_\[\]<>&~|])")
#: what means something at the start of a line: headings, list items, rules, setext underlines, quotes
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")


def escape(text: str) -> str:
    """One line of data as Markdown text that renders as itself."""
    return _LINE_START.sub(_escape_start, _INLINE.sub(r"\\\1", sanitise(text)))


def _escape_start(m: re.Match[str]) -> str:
    lead, marker = m[1], m[2]
    if marker[0].isdigit():  # "1." starts a list; "1\." does not
        return lead + marker[:-1] + "\\" + marker[-1]
    return lead + "\\" + marker


def _lines(text: str) -> list[str]:
    return [escape(line.strip(" \t")) for line in normalise_newlines(text).split("\n")]


@functools.lru_cache(maxsize=4096)
def code(text: str) -> str:
    """A code span holding ``text`` (one line; backticks inside handled by a longer fence)."""
    text = sanitise(text).replace("\n", "↵").replace("\t", " ")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip(" ") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def render_markdown(data: dict[str, Any]) -> str:
    annotations = data["annotations"]
    by_article: dict[str, list[dict[str, Any]]] = {}
    for a in annotations:
        by_article.setdefault(a["article_id"], []).append(a)
    titles = {article["id"]: article["title"] for article in data["articles"]}
    view = data["view"]
    out = [
        "# Annotations",
        "",
        f"{_count(len(annotations), 'passage')} in {_count(len(by_article), 'article')} · "
        f"script: {VIEW_LABELS[view]} ({view}) · "
        f"exported {escape(data['exported_at'])}",
    ]
    for article_id, items in by_article.items():
        out += ["", f"## {escape(titles.get(article_id, article_id))}", "", code(article_id)]
        for a in items:
            out.append("")
            out += [f"> {line}" if line else ">" for line in _lines(a["text"])]
            out.append("")
            details = []
            if a["tags"]:
                details.append("Tags: " + ", ".join(code(t) for t in a["tags"]))
            details.append(f"characters {a['start']}–{a['end']}")
            if a.get("creator"):
                details.append(f"by {escape(a['creator'])}")
            if a["status"] == "orphan":
                details.append("**orphan**: not found in the article as it is now")
            elif a["status"] == "reanchored":
                details.append("moved when the article changed")
            out.append(" · ".join(details))
            if a["note"]:
                note = _lines(a["note"])
                out.append("")
                # a backslash at the end of a line is a hard line break: the note keeps its lines
                out.append("Note: " + "\\\n".join(note))
    out.append("")
    return "\n".join(out)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
