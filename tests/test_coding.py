"""Code every match: the plan lists the hits, only the reviewed ones are saved, and undo takes them back."""

from __future__ import annotations

import pytest

from _words import dictionary_index, install_dictionary  # noqa: F401  (fixture)
from reader.coding import apply_plan, plan_matches, undo_applied
from reader.errors import StoreError, UsageError


@pytest.fixture
def ws(workspace, db_dir, dictionary_index):  # noqa: F811
    install_dictionary(dictionary_index, db_dir)
    return workspace


def _stored(ws):
    return sorted((a.article_id, a.start, a.end, a.tags) for a in ws.store.all())


def test_code_every_match_saves_exactly_the_reviewed_hits_and_undoes_as_one(ws):
    plan = plan_matches(ws, "软件", tags=["技术"])
    by_article = {p.article_id for p in plan}
    assert {"000_7bd28feb70503cb0.txt", "002_ced27b30dc7015ea.txt"} <= by_article  # 軟體 in Traditional text
    assert {p.quote for p in plan} >= {"軟體", "软件"}
    assert all(p.before or p.after for p in plan)
    kept = [p for i, p in enumerate(plan) if i % 2 == 0]  # the user unchecks every other hit
    applied = apply_plan(ws, kept, tags=["技术"], note="bulk")
    assert _stored(ws) == sorted((p.article_id, p.start, p.end, ("技术",)) for p in kept)
    assert all(a.note == "bulk" for a in ws.store.all())
    again = plan_matches(ws, "软件", tags=["技术"])
    assert [p.already for p in again] == [i % 2 == 0 for i in range(len(plan))]
    assert undo_applied(ws, applied) == len(kept)
    assert _stored(ws) == []


def test_whole_words_only_and_one_article(ws):
    article = ws.load("001_8eaa32b1d9703bf4.txt")
    every = plan_matches(ws, "数据", article_ids=[article.info.id])
    whole = plan_matches(ws, "数据", article_ids=[article.info.id], whole_words=True)
    assert 0 < len(whole) < len(every)
    inside = {(p.start, p.end) for p in every} - {(p.start, p.end) for p in whole}
    from reader.words import words_for

    words = words_for(ws).for_article(article)
    assert all(not (words.is_boundary(a) and words.is_boundary(b)) for a, b in inside)


def test_a_full_disk_in_the_middle_of_the_save_leaves_nothing(ws, monkeypatch):
    from reader.store.log import ArticleFile

    plan = plan_matches(ws, "软件", tags=["技术"])
    assert len({p.article_id for p in plan}) >= 2  # the failure comes after one article was written
    real_append = ArticleFile.append
    calls = []

    def append(self, ops, **kwargs):
        calls.append(self.article_id)
        if len(calls) == 2:
            raise StoreError(f"{self.log_path}: cannot save annotations (No space left on device)")
        return real_append(self, ops, **kwargs)

    monkeypatch.setattr(ArticleFile, "append", append)
    with pytest.raises(StoreError, match="nothing was changed"):
        apply_plan(ws, plan, tags=["技术"])
    monkeypatch.undo()
    assert _stored(ws) == []
    assert not ws.store.journal.pending()


def test_the_save_and_its_undo_are_one_journalled_change_each(ws, monkeypatch):
    plan = plan_matches(ws, "软件", tags=["技术"])
    commits = []
    real_commit = ws.store.commit

    def commit(changes, **kwargs):
        changes = list(changes)
        commits.append((sorted(c.article_id for c in changes), kwargs["what"]))
        return real_commit(changes, **kwargs)

    monkeypatch.setattr(ws.store, "commit", commit)
    applied = apply_plan(ws, plan, tags=["技术"])
    undo_applied(ws, applied)
    articles = sorted({p.article_id for p in plan})
    assert commits == [
        (articles, f"code every match ({len(plan)} passages)"),
        (articles, f"undo of code every match ({len(plan)} passages)"),
    ]
    assert _stored(ws) == []


def test_a_changed_article_or_no_tag_is_refused(ws, seeds_dir):
    plan = plan_matches(ws, "数据", article_ids=["001_8eaa32b1d9703bf4.txt"])
    with pytest.raises(UsageError, match="at least one tag"):
        apply_plan(ws, plan, tags=[" "])
    path = seeds_dir / "001_8eaa32b1d9703bf4.txt"
    path.write_text("数据" + path.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(UsageError, match="changed since the search"):
        apply_plan(ws, plan, tags=["数据"])
    assert _stored(ws) == []
