"""The exported articles' full text in the export's view, with each passage's offsets in that text.

The JSON, W3C, CSV and Markdown exports carry passages only; JSON Lines (doccano, Label Studio) and
REFI-QDA carry whole documents, so they read every exported article again, convert it to the export's
view and map each annotation's offsets (code points into the original) into the view's text. Orphans
(no passage any more) and annotations of articles that cannot be read are left out and counted.
"""

from __future__ import annotations

import bisect
import getpass
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reader.errors import ArticleError, UsageError

if TYPE_CHECKING:
    from reader.workspace import Workspace

#: the coder named when a record has no ``creator`` (the field comes with team work)
FALLBACK_CODER = "reader"


@dataclass
class Passage:
    record: dict[str, Any]  # the exported annotation (our JSON export's fields)
    start: int  # code points into ViewArticle.text
    end: int


@dataclass
class ViewArticle:
    id: str
    title: str
    text: str  # the whole article in the export's view
    sha256: str  # of the original text
    passages: list[Passage] = field(default_factory=list)


@dataclass
class Skipped:
    orphans: int = 0  # annotations whose passage is gone
    unreadable: int = 0  # annotations of articles that are missing or cannot be read


def default_coder() -> str:
    """The coder for records without ``creator``: the login name, else "reader"."""
    try:
        return getpass.getuser() or FALLBACK_CODER
    except (KeyError, OSError):  # no user name in this environment (a container without passwd entry)
        return FALLBACK_CODER


def coder_of(record: dict[str, Any], default: str) -> str:
    creator = record.get("creator")
    return creator if isinstance(creator, str) and creator.strip() else default


def view_articles(workspace: Workspace, data: dict[str, Any]) -> tuple[list[ViewArticle], Skipped]:
    """Every article of the export ``data`` with its passages, in the export's order."""
    view = data["view"]
    skipped = Skipped()
    by_article: dict[str, list[dict[str, Any]]] = {}
    for record in data["annotations"]:
        by_article.setdefault(record["article_id"], []).append(record)
    out: list[ViewArticle] = []
    for entry in data["articles"]:
        records = by_article.get(entry["id"], [])
        try:
            article = workspace.load(entry["id"])
        except (ArticleError, UsageError):
            skipped.unreadable += len(records)
            continue
        view_text = workspace.view(article, view)
        item = ViewArticle(entry["id"], entry["title"], view_text.text, article.sha256)
        for record in records:
            if record.get("status") == "orphan" or record["article_sha256"] != article.sha256:
                skipped.orphans += 1
                continue
            start, end = record["start"], record["end"]
            if not view_text.offsets.identity:
                start, end = view_text.offsets.range_to_view(start, end)
            item.passages.append(Passage(record, start, end))
        out.append(item)
    return out, skipped


def utf16_offsets(text: str) -> Callable[[int], int]:
    """A function from a code point offset in ``text`` to the same place in UTF-16 code units.

    Characters beyond U+FFFF (emoji, CJK Extension B and later) are two UTF-16 units (a surrogate pair),
    which is how JavaScript tools such as Label Studio and doccano's web front end count.
    """
    astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]
    if not astral:
        return lambda pos: pos
    return lambda pos: pos + bisect.bisect_left(astral, pos)


def iter_passages(articles: list[ViewArticle]) -> Iterator[tuple[ViewArticle, Passage]]:
    for article in articles:
        for passage in article.passages:
            yield article, passage
