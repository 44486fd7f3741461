"""Word frequencies merged across scripts, stop words, and counts inside a tag's passages."""

from __future__ import annotations

import pytest

from _words import dictionary_index, install_dictionary, write_articles  # noqa: F401  (fixture)
from reader.errors import UsageError
from reader.frequencies import load_stopwords, word_frequencies, write_stopwords
from reader.workspace import Workspace

ARTICLES = {
    "a.txt": "大数据时代，数据很重要。我们的数据在云端。数据安全呢？",
    "b.txt": "數據很重要。我們的數據在雲端。",
}


@pytest.fixture
def ws(tmp_path, dictionary_index):  # noqa: F811
    db = tmp_path / "db"
    install_dictionary(dictionary_index, db)
    return Workspace(write_articles(tmp_path / "articles", ARTICLES), db)


def _count(counts, word):
    return next((c for c in counts if c.word == word), None)


def test_simplified_and_traditional_forms_are_one_word(ws):
    counts = word_frequencies(ws, stopwords=load_stopwords(ws.store.path, ws.converter))
    data = _count(counts, "数据")
    assert data.count == 4 and data.articles == 2  # 大数据 and 数据安全 are words of their own
    assert dict(data.forms) == {"数据": 2, "數據": 2}
    assert counts[0] == data  # the most frequent word comes first
    assert _count(counts, "大数据").count == 1
    assert _count(counts, "我们") is None and _count(counts, "的") is None  # stop words


def test_stop_words_are_the_users_list_once_written(ws):
    db = ws.store.path
    path = write_stopwords(db)
    path.write_text("数据\n# a comment\n很\n", encoding="utf-8")
    counts = word_frequencies(ws, stopwords=load_stopwords(db, ws.converter))
    assert _count(counts, "数据") is None and _count(counts, "我们").count == 2
    assert _count(word_frequencies(ws, stopwords=None), "的").count == 2  # --all
    with pytest.raises(UsageError, match="not found"):
        load_stopwords(db, ws.converter, db / "missing.txt")


def test_counts_in_one_article_and_in_a_tags_passages(ws):
    only_b = word_frequencies(ws, article_ids=["b.txt"], stopwords=set())
    assert _count(only_b, "数据").count == 2 and _count(only_b, "大数据") is None
    article = ws.load("a.txt")
    start = article.text.index("我们的数据")
    ws.annotate(article, start, start + len("我们的数据在云端"), tags=["来源/云"])
    tagged = word_frequencies(ws, tags=["来源"], stopwords=set())
    assert {c.word: c.count for c in tagged} == {"我们": 1, "的": 1, "数据": 1, "在": 1, "云端": 1}


def test_limit_and_progress(ws):
    seen = []
    counts = word_frequencies(ws, limit=2, progress=lambda done, total: seen.append((done, total)))
    assert len(counts) == 2 and seen == [(1, 2), (2, 2)]


def test_a_stop_word_write_that_fails_keeps_the_old_list_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    """A full disk while `x` (the words screen) adds a stop word: the error reaches the caller (the screen
    says it), the list is as it was, and no half-written temporary file is left beside it."""
    import errno
    import os

    from reader.frequencies import add_stopword, remove_stopword

    db = tmp_path / "db"
    path = add_stopword(db, "数据")
    before = path.read_bytes()

    def disk_full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError, match="No space left"):
        add_stopword(db, "云端")
    with pytest.raises(OSError, match="No space left"):
        remove_stopword(db, "数据")
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in db.iterdir()) == ["stopwords.txt"]
    assert "云端" in add_stopword(db, "云端").read_text(encoding="utf-8").splitlines()
