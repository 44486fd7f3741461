"""An article as the store needs it (``reader.store.records.ArticleLike``: an id, its text and the text's
sha256), for the store's tests, which need no file of it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Info:
    id: str


@dataclass(frozen=True)
class FakeArticle:
    info: Info
    text: str
    sha256: str


def fake_article(article_id: str, text: str) -> FakeArticle:
    return FakeArticle(Info(article_id), text, hashlib.sha256(text.encode()).hexdigest())
