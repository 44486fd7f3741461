"""Saved web pages (``.html``, ``.mhtml``): trafilatura, with its readability fork as a fallback.

trafilatura (Apache-2.0) finds the main text and the page's metadata (title, author, date, site, URL).
Its thresholds are tuned for languages written with spaces; on some Chinese pages (a body of ``<br>``
lines in one ``<div>``, short paragraphs) it keeps too little, so the page is also read with the
readability algorithm that trafilatura ships (``trafilatura.readability_lxml``, a fork of
readability-lxml without its LGPL ``chardet`` dependency) and the longer body wins when trafilatura's
is much shorter.
"""

from __future__ import annotations

import email
import email.policy
import re
from email.message import Message
from typing import Any

from reader.errors import ArticleError
from reader.ingest import Extracted
from reader.ingest.htmltext import html_to_paragraphs

_SAVED_FROM = re.compile(rb"<!--\s*saved from url=\(\d+\)(\S+?)\s*-->", re.IGNORECASE)
_HAN = re.compile(r"[\u3400-\u9fff]")
#: readability's body is taken when trafilatura's has less than this share of its Han characters
FALLBACK_RATIO = 0.6


def _tool(name: str) -> str:
    from importlib.metadata import version

    return f"{name} {version('trafilatura')}"


def decode_html(data: bytes) -> str:
    """The page's text: UTF-8 if it is valid UTF-8 (a wrong declaration is common), else its declared
    charset, else what charset-normalizer finds."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    head = data[:4096].decode("ascii", "replace")
    declared = re.search(r"charset=[\"']?([A-Za-z0-9_-]+)", head)
    if declared:
        codec = declared.group(1).lower()
        try:
            return data.decode("gb18030" if codec in ("gb2312", "gbk") else codec)
        except (LookupError, UnicodeDecodeError):
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return str(best) if best is not None else data.decode("utf-8", "replace")


def extract_html(data: bytes, where: str) -> Extracted:
    saved_from = _SAVED_FROM.search(data[:2048])
    url = saved_from.group(1).decode("ascii", "replace") if saved_from else None
    return extract_markup(decode_html(data), where, url)


def extract_markup(markup: str, where: str, url: str | None = None) -> Extracted:
    import trafilatura

    if not markup.strip():
        raise ArticleError(f"{where}: the page is empty")
    document = trafilatura.bare_extraction(
        markup, url=url, with_metadata=True, include_comments=False, include_tables=True, include_images=False
    )
    found: dict[str, Any] = {}
    if document is not None:
        found = document if isinstance(document, dict) else document.as_dict()
    paragraphs = [line for line in (found.get("text") or "").split("\n") if line.strip()]
    tool = _tool("trafilatura")
    fallback = _readability(markup)
    if _han(fallback) and _han(paragraphs) < FALLBACK_RATIO * _han(fallback):
        paragraphs, tool = fallback, _tool("readability (trafilatura fork)")
    title = found.get("title") or (paragraphs[0] if paragraphs else "")
    return Extracted(
        title=title.strip(),
        paragraphs=paragraphs,
        tool=tool,
        url=found.get("url") or url,
        site=found.get("sitename") or found.get("hostname"),
        author=found.get("author"),
        date=found.get("date"),
    )


def _readability(markup: str) -> list[str]:
    from trafilatura.readability_lxml import Document

    try:
        summary = Document(markup).summary()
    except Exception:  # the fallback is optional: trafilatura's answer stands
        return []
    return html_to_paragraphs(summary)


def _han(paragraphs: list[str]) -> int:
    return sum(len(_HAN.findall(p)) for p in paragraphs)


def extract_mhtml(data: bytes, where: str) -> Extracted:
    """A web archive (MIME multipart): its first ``text/html`` part, with ``Content-Location`` as URL."""
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    part = _html_part(message)
    if part is None:
        raise ArticleError(f"{where}: no HTML page inside this web archive")
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        raise ArticleError(f"{where}: the web archive's page cannot be decoded")
    markup = None
    charset = part.get_content_charset()
    if charset:
        try:
            markup = payload.decode("gb18030" if charset.lower() in ("gb2312", "gbk") else charset)
        except (LookupError, UnicodeDecodeError):
            markup = None
    url = part.get("Content-Location") or message.get("Snapshot-Content-Location")
    return extract_markup(markup if markup is not None else decode_html(payload), where, url)


def _html_part(message: Message) -> Message | None:
    for part in message.walk():
        if part.get_content_type() == "text/html":
            return part
    return None
