"""AnnotationStore.put_many (one save for many annotations) and records() (bulk reading, no objects)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from reader.errors import UsageError
from reader.store import AnnotationStore, make_annotation

TEXT = "学而时习之，不亦说乎？有朋自远方来，不亦乐乎？人不知而不愠，不亦君子乎？"


def article(article_id: str = "论语.txt") -> SimpleNamespace:
    return SimpleNamespace(text=TEXT, sha256="0" * 64, info=SimpleNamespace(id=article_id))


@pytest.fixture
def store(tmp_path: Path):
    with AnnotationStore(tmp_path / "db") as s:
        yield s


def writes(store: AnnotationStore, article_id: str) -> int:
    """A stand-in for "how many saves": the change log's size grows by a line or more on every save."""
    log = store.file_for(article_id).with_suffix(".log")
    return log.stat().st_size if log.exists() else 0


def test_put_many_adds_replaces_and_removes_in_one_save(store):
    art = article()
    first = [make_annotation(art, i, i + 2, tags=[f"t{i}"]) for i in range(0, 20, 4)]
    stored = store.put_many(art.info.id, first)
    assert [a.id for a in stored] == [a.id for a in first]
    assert [a.id for a in store.for_article(art.info.id)] == [a.id for a in first]
    assert sum(1 for p in store.articles_dir.iterdir() if p.suffix in (".json", ".log")) == 1

    changed = replace(first[0], note="改了", tags=(" 新 ", "新"))
    extra = make_annotation(art, 1, 3, tags=["x"])
    before = writes(store, art.info.id)
    stored = store.put_many(art.info.id, [changed, extra], remove=[first[1].id, "not-there"])
    assert writes(store, art.info.id) > before
    assert stored[0].tags == ("新",)  # normalised like add()
    now = {a.id: a for a in store.for_article(art.info.id)}
    assert set(now) == {changed.id, extra.id, first[2].id, first[3].id, first[4].id}
    assert now[changed.id].note == "改了"
    assert store.counts() == {art.info.id: 5}
    assert store.tags()["新"] == 1 and "t4" not in store.tags()


def test_put_many_with_nothing_to_do_writes_nothing(store):
    art = article()
    assert store.put_many(art.info.id, []) == []
    assert writes(store, art.info.id) == 0
    store.put_many(art.info.id, [make_annotation(art, 0, 2, tags=[])])
    before = writes(store, art.info.id)
    assert store.put_many(art.info.id, remove=["unknown"]) == []
    assert writes(store, art.info.id) == before


def test_put_many_refuses_annotations_of_another_article(store):
    a = make_annotation(article("a.txt"), 0, 2, tags=[])
    with pytest.raises(UsageError, match="belongs to"):
        store.put_many("b.txt", [a])
    assert not store.file_for("b.txt").exists()


def test_put_many_keeps_what_another_process_saved_meanwhile(tmp_path):
    art = article()
    mine = AnnotationStore(tmp_path / "db")
    other = AnnotationStore(tmp_path / "db")
    try:
        mine.put_many(art.info.id, [make_annotation(art, 0, 2, tags=[])])
        theirs = other.add(make_annotation(art, 4, 6, tags=["theirs"]))  # mine has the old version cached
        mine.put_many(art.info.id, [make_annotation(art, 8, 10, tags=["mine"])])
        assert theirs.id in {a.id for a in mine.for_article(art.info.id)}
        assert len(other.for_article(art.info.id)) == 3
    finally:
        mine.close()
        other.close()


def test_records_are_the_stored_dicts_in_document_order(store):
    art = article()
    made = [make_annotation(art, s, s + 2, tags=["t"]) for s in (9, 3, 3, 0)]
    store.put_many(art.info.id, made)
    records = store.records(art.info.id)
    assert [(r["start"], r["end"]) for r in records] == [(0, 2), (3, 5), (3, 5), (9, 11)]
    assert [r["id"] for r in records] == [a.id for a in store.for_article(art.info.id)]
    # the stored fields, tags a tuple as in Annotation (an Annotation of for_article wraps the same dict)
    assert records[0]["tags"] == ("t",)
    assert {**records[0], "tags": ["t"]} == store.for_article(art.info.id)[0].to_dict()
    assert store.records("nothing here") == []
