"""HTML to paragraphs: the text of each block element, in document order (EPUB chapters, readability)."""

from __future__ import annotations

import re
from typing import Any

BLOCKS = frozenset(
    [
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "blockquote",
        "pre",
        "figcaption",
        "caption",
        "td",
        "th",
        "dt",
        "dd",
        "section",
        "article",
        "header",
        "footer",
        "aside",
        "nav",
        "address",
        "tr",
    ]
)
SKIP = frozenset(["script", "style", "noscript", "template", "head", "svg", "math"])
_SPACE = re.compile(r"[ \t\r\n\f\v\u3000\xa0]+")


def html_to_paragraphs(markup: str | bytes) -> list[str]:
    """The visible text of ``markup`` as paragraphs: one per block element (``<br>`` also breaks)."""
    from lxml import html as lxml_html

    if not markup.strip():
        return []
    root = lxml_html.fromstring(markup)
    paragraphs: list[str] = []
    current: list[str] = []

    def flush() -> None:
        text = _SPACE.sub(" ", "".join(current)).strip()
        if text:
            paragraphs.append(text)
        current.clear()

    def walk(element: Any) -> None:
        tag = getattr(element, "tag", None)
        if not isinstance(tag, str):  # comments, processing instructions
            tail = getattr(element, "tail", None)
            if tail:
                current.append(tail)
            return
        name = tag.rsplit("}", 1)[-1].lower()
        if name in SKIP:
            if element.tail:
                current.append(element.tail)
            return
        block = name in BLOCKS
        if block or name == "br":
            flush()
        if element.text:
            current.append(element.text)
        for child in element:
            walk(child)
        if block:
            flush()
        if element.tail:
            current.append(element.tail)

    walk(root)
    flush()
    return paragraphs
