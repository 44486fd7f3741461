"""A folder of annotations per coder: each coder writes only their own, everyone reads everyone's; old
databases (the single-coder ``articles/`` folder, a login name's default folder) become a named coder's
safely."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import orjson
import pytest

from reader.errors import UsageError
from reader.store import AnnotationStore, Change, make_annotation
from reader.store.coders import CODERS_DIR, coder_for, default_coder_name, folder_name
from test_cli_store_trust import _remount_read_only, _tmpfs
from test_store import article


def test_each_coder_writes_their_own_folder_and_reads_everyones(tmp_path: Path) -> None:
    db = tmp_path / "db"
    with AnnotationStore(db, coder="Ann Lee") as ann, AnnotationStore(db, coder="Bob") as bob:
        mine = ann.add(make_annotation(article("a.txt"), 0, 2, tags=["来源"]))
        theirs = bob.add(make_annotation(article("a.txt"), 1, 4, tags=["来源", "匿名"]))
        assert ann.articles_dir == db / "coders" / "ann-lee" / "articles"
        assert bob.articles_dir == db / "coders" / "bob" / "articles"
        # each sees both: their own with an empty creator, the other's with the other's name
        seen = {a.id: a.creator for a in ann.for_article(mine.article_id)}
        assert seen == {mine.id: "", theirs.id: "Bob"}
        assert {a.id: a.creator for a in bob.for_article(mine.article_id)} == {
            mine.id: "Ann Lee",
            theirs.id: "",
        }
        assert ann.counts() == {mine.article_id: 2} and ann.counts(own=True) == {mine.article_id: 1}
        assert ann.tags() == {"来源": 2, "匿名": 1} and ann.tags(own=True) == {"来源": 1}
        assert [a.id for a in ann.for_article(mine.article_id, coders=["Bob"])] == [theirs.id]
        assert [a.id for a in ann.for_article(mine.article_id, coders=["Ann Lee"])] == [mine.id]
        assert {r["creator"] for r in bob.records(mine.article_id)} == {"Ann Lee", ""}
        assert ann.coders() == ["Ann Lee", "Bob"] and ann.owns(mine.article_id, mine.id)
        assert not ann.owns(theirs.article_id, theirs.id)
        # another coder's work is read-only: never changed, never deleted
        with pytest.raises(UsageError, match="Bob's: another coder's work is read-only"):
            ann.delete(theirs.article_id, theirs.id)
        with pytest.raises(UsageError, match="read-only"):
            ann.update(theirs)
    assert sorted(os.listdir(db / "coders")) == ["ann-lee", "bob"]
    assert orjson.loads((db / "coders" / "bob" / "coder.json").read_bytes())["coder"] == "Bob"


def test_folder_names_fold_names_every_file_system_accepts() -> None:
    assert folder_name("Ann Lee") == "ann-lee"
    assert folder_name("王小明") == "王小明"
    assert folder_name("../../etc") == "etc"
    assert folder_name("a/b\\c:d") == "a-b-c-d"
    assert folder_name("...") == "coder"
    with pytest.raises(UsageError, match="reserved"):
        coder_for("Agreed")
    with pytest.raises(UsageError, match="reserved"):
        coder_for("CON")


def test_two_names_folding_to_one_folder_are_refused(tmp_path: Path) -> None:
    db = tmp_path / "db"
    with AnnotationStore(db, coder="Ann Lee") as ann:
        ann.add(make_annotation(article("a.txt"), 0, 2, tags=[]))
    with (
        AnnotationStore(db, coder="ann-lee") as other,
        pytest.raises(UsageError, match="holds the annotations of 'Ann Lee'"),
    ):
        other.add(make_annotation(article("a.txt"), 0, 2, tags=[]))


def _single_coder_database(db: Path) -> list[str]:
    """A database of the single-coder layout (schema 2: articles/ at the top)."""
    legacy = db / "articles"
    legacy.mkdir(parents=True)
    ids = []
    with AnnotationStore(db.parent / "scratch", coder="x") as scratch:  # files as schema 2 wrote them
        for i in range(3):
            ids.append(scratch.add(make_annotation(article("a.txt"), i, i + 2, tags=["旧"])).id)
        for path in scratch.articles_dir.iterdir():
            (legacy / path.name).write_bytes(path.read_bytes())
    manifest = {"schema": 2, "format": "reader annotations", "created": "2026-01-01T00:00:00+00:00"}
    (db / "reader-db.json").write_bytes(orjson.dumps(manifest))
    return ids


def test_single_coder_annotations_become_the_coder_s_on_the_first_write(tmp_path: Path) -> None:
    db = tmp_path / "db"
    ids = _single_coder_database(db)
    with AnnotationStore(db, coder="Ann") as store:
        assert sorted(a.id for a in store.for_article("a.txt")) == sorted(ids)  # read where they are
        assert (db / "articles").is_dir(), "reading moves nothing"
        store.add(make_annotation(article("a.txt"), 5, 6, tags=["新"]))
        assert not (db / "articles").exists()
        assert store.articles_dir == db / "coders" / "ann" / "articles"
        assert len(store.for_article("a.txt")) == 4 and all(
            a.creator == "" for a in store.for_article("a.txt")
        )
    manifest = orjson.loads((db / "reader-db.json").read_bytes())
    assert manifest == {
        "schema": 3,
        "format": "reader annotations",
        "created": "2026-01-01T00:00:00+00:00",
        "single_coder_annotations": "Ann",
    }
    with AnnotationStore(db, coder="Bob") as bob:  # everyone else sees them as Ann's
        assert {a.creator for a in bob.for_article("a.txt")} == {"Ann"}


def test_a_move_interrupted_after_the_coder_file_is_finished_by_the_next_write(tmp_path: Path) -> None:
    db = tmp_path / "db"
    ids = _single_coder_database(db)
    (db / "coders" / "ann").mkdir(parents=True)
    (db / "coders" / "ann" / "coder.json").write_bytes(orjson.dumps({"coder": "Ann", "default": False}))
    with AnnotationStore(db, coder="Ann") as store:
        assert sorted(a.id for a in store.for_article("a.txt")) == sorted(ids)
        store.add(make_annotation(article("a.txt"), 5, 6, tags=[]))
        assert not (db / "articles").exists() and len(store.for_article("a.txt")) == 4


def test_a_read_only_single_coder_database_is_read_where_it_is(tmp_path: Path) -> None:
    ids = _single_coder_database(tmp_path / "db")
    with _tmpfs(tmp_path / "ro", "16m") as ro:
        shutil.copytree(tmp_path / "db", ro / "db")
        _remount_read_only(ro)
        with AnnotationStore(ro / "db", coder="Ann") as store:
            assert store.read_only and sorted(a.id for a in store.for_article("a.txt")) == sorted(ids)
            assert store.coders() == ["Ann"]
        assert (ro / "db" / "articles").is_dir()


def test_the_login_name_s_folder_is_adopted_when_a_name_is_set(tmp_path: Path) -> None:
    db = tmp_path / "db"
    with AnnotationStore(db) as store:  # no name set: the login name, a default coder
        assert not store.coder.explicit and store.coder.name == default_coder_name()
        a = store.add(make_annotation(article("a.txt"), 0, 2, tags=[]))
    default = db / CODERS_DIR / folder_name(default_coder_name())
    assert orjson.loads((default / "coder.json").read_bytes())["default"] is True
    with AnnotationStore(db, coder="Ann") as store:
        assert [x.id for x in store.for_article("a.txt")] == [a.id]  # already theirs before any write
        store.add(make_annotation(article("a.txt"), 3, 4, tags=[]))
        assert not default.exists() and store.articles_dir == db / "coders" / "ann" / "articles"
        assert {x.creator for x in store.for_article("a.txt")} == {""}
    assert orjson.loads((db / "coders" / "ann" / "coder.json").read_bytes())["coder"] == "Ann"


def test_a_journal_written_under_another_name_is_finished_in_that_coder_s_folder(tmp_path: Path) -> None:
    db = tmp_path / "db"
    with AnnotationStore(db, coder="Ann") as ann:
        a = ann.add(make_annotation(article("a.txt"), 0, 2, tags=["x"]))
        journal = ann.journal

        def crash(*args, **kwargs):
            raise SystemExit("killed after the journal was written")

        journal._apply = crash  # type: ignore[method-assign]
        with pytest.raises(SystemExit):
            ann.commit(
                [Change.of(a.article_id, [make_annotation(article("a.txt"), 4, 6, tags=["y"])])], what="test"
            )
        assert journal.pending()
    with AnnotationStore(db, coder="Bob") as bob:  # READER_CODER changed since
        bob.add(make_annotation(article("a.txt"), 7, 8, tags=[]))
        assert not bob.journal.pending()
        assert sorted(x.tags for x in bob.for_article("a.txt", coders=["Ann"])) == [("x",), ("y",)]
        assert [x.tags for x in bob.for_article("a.txt", coders=["Bob"])] == [()]


def test_an_article_s_version_changes_when_another_coder_s_annotations_of_it_do(tmp_path: Path) -> None:
    """The corpus search caches tags by position per article version: a sync that brings Bob's
    annotations of an article must make Ann's cached tags of it stale."""
    db = tmp_path / "db"
    with AnnotationStore(db, coder="Ann") as ann, AnnotationStore(db, coder="Bob") as bob:
        assert ann.article_version("a.txt") is None
        ann.add(make_annotation(article("a.txt"), 0, 2, tags=["来源"]))
        mine_only = ann.article_version("a.txt")
        assert mine_only is not None
        bob.add(make_annotation(article("a.txt"), 1, 4, tags=["匿名"]))
        assert ann.article_version("a.txt") != mine_only
        assert ann.article_version("other.txt") is None
        assert ann.article_versions()("a.txt") == ann.article_version("a.txt")  # (listed once per search)
