"""AnnotationStore: what a user would notice (saved work survives, files stay readable, errors are clear)."""

from __future__ import annotations

import fcntl
import os
import tempfile
import threading
from dataclasses import replace
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _fake_article import FakeArticle, fake_article
from reader.errors import StoreCorruptError, StoreError, StoreLockedError, UsageError
from reader.store import (
    SCHEMA_VERSION,
    Annotation,
    AnnotationStore,
    ArticleState,
    make_annotation,
)
from reader.tags import normalise_tags

TEXT = "学而时习之，不亦说乎？有朋自远方来，不亦乐乎？人不知而不愠，不亦君子乎？" * 4


def article(article_id: str = "论语/学而.txt", text: str = TEXT) -> FakeArticle:
    return fake_article(article_id, text)


@pytest.fixture
def store(tmp_path: Path):
    with AnnotationStore(tmp_path / "annotations") as s:
        yield s


# ------------------------------------------------------------------------------------ round trips


def test_add_get_round_trip_returns_typed_objects(store: AnnotationStore) -> None:
    a = make_annotation(article(), 5, 10, tags=["孔子", "学习"], note="读书的快乐", color="yellow")
    assert store.add(a) == a
    got = store.get(a.article_id, a.id)
    assert isinstance(got, Annotation)
    assert got == a
    assert isinstance(got.tags, tuple) and got.tags == ("孔子", "学习")
    assert got.quote == TEXT[5:10] and got.status == "anchored"
    assert store.for_article(a.article_id) == [a]
    assert store.get(a.article_id, "no-such-id") is None
    assert store.get("unknown.txt", a.id) is None
    assert store.for_article("unknown.txt") == []


def test_update_stores_the_annotation_as_given(store: AnnotationStore) -> None:
    a = store.add(make_annotation(article(), 0, 2, tags=["a"]))
    changed = replace(a, note="改了", tags=("b",), modified="2030-01-01T00:00:00.000000+00:00")
    assert store.update(changed) == changed
    assert store.get(a.article_id, a.id) == changed
    assert store.update(a) == a  # undo restores the previous version exactly
    assert store.get(a.article_id, a.id) == a


def test_delete_returns_the_removed_annotation(store: AnnotationStore) -> None:
    a = store.add(make_annotation(article(), 0, 2, tags=[]))
    b = store.add(make_annotation(article(), 3, 4, tags=[]))
    assert store.delete(a.article_id, a.id) == a
    assert store.get(a.article_id, a.id) is None
    assert store.for_article(a.article_id) == [b]


def test_impossible_operations_are_usage_errors(store: AnnotationStore) -> None:
    a = store.add(make_annotation(article(), 0, 2, tags=[]))
    with pytest.raises(UsageError, match="already exists"):
        store.add(a)
    ghost = make_annotation(article(), 0, 2, tags=[])
    with pytest.raises(UsageError, match="no annotation"):
        store.update(ghost)
    with pytest.raises(UsageError, match="no annotation"):
        store.delete(ghost.article_id, ghost.id)
    with pytest.raises(UsageError, match="bad range"):
        store.add(replace(ghost, start=5, end=2))
    assert store.for_article(a.article_id) == [a]


def test_for_article_is_in_document_order(store: AnnotationStore) -> None:
    art = article()
    made = [make_annotation(art, s, e, tags=[]) for s, e in [(30, 31), (0, 9), (0, 3), (12, 20), (0, 3)]]
    for a in made:
        store.add(a)
    got = store.for_article(art.info.id)
    assert [(a.start, a.end) for a in got] == [(0, 3), (0, 3), (0, 9), (12, 20), (30, 31)]
    assert got[0].created <= got[1].created
    assert {a.id for a in got} == {a.id for a in made}


def test_saved_annotations_survive_a_new_store_instance(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    with AnnotationStore(folder) as s1:
        a = s1.add(make_annotation(article(), 1, 4, tags=["x"]))
        b = s1.add(make_annotation(article("other.txt"), 0, 1, tags=[]))
        s1.set_state(ArticleState(a.article_id, 42, "taiwan"))
    with AnnotationStore(folder) as s2:
        assert s2.for_article(a.article_id) == [a]
        assert s2.for_article(b.article_id) == [b]
        assert s2.get_state(a.article_id).position == 42  # type: ignore[union-attr]
        assert s2.counts() == {a.article_id: 1, b.article_id: 1}


def test_two_instances_see_and_keep_each_others_saves(tmp_path: Path) -> None:
    """Like two copies of the app: each reloads the other's writes and never overwrites them."""
    with AnnotationStore(tmp_path / "db") as s1, AnnotationStore(tmp_path / "db") as s2:
        a = s1.add(make_annotation(article(), 0, 1, tags=[]))
        assert s2.for_article(a.article_id) == [a]
        b = s2.add(make_annotation(article(), 2, 3, tags=[]))
        assert s1.for_article(a.article_id) == [a, b]
        assert s1.counts() == s2.counts() == {a.article_id: 2}
        # rapid alternating edits: every version is seen even within one file-system clock tick
        for i in range(30):
            (s1 if i % 2 else s2).update(replace(a, note=str(i)))
            assert (s2 if i % 2 else s1).get(a.article_id, a.id).note == str(i)  # type: ignore[union-attr]
        assert len(s1.for_article(a.article_id)) == 2


def test_every_save_changes_the_file_signature_even_with_a_skewed_clock(store: AnnotationStore) -> None:
    """Reload-on-change relies on (mtime_ns, size, inode) differing per version; mtimes only go up."""
    a = store.add(make_annotation(article(), 0, 1, tags=[]))
    store.compact(a.article_id)
    path = store.file_for(a.article_id)
    future = path.stat().st_mtime_ns + 3600 * 10**9  # file stamped by a clock an hour ahead
    os.utime(path, ns=(future, future))
    with AnnotationStore(store.path) as other:
        assert other.for_article(a.article_id) == [a]
        store.update(replace(a, note="x"))
        store.compact(a.article_id)
        assert path.stat().st_mtime_ns > future
        assert other.get(a.article_id, a.id).note == "x"  # type: ignore[union-attr]


# ------------------------------------------------------------------------------ on-disk format


def test_file_is_readable_utf8_chinese_with_schema_version(store: AnnotationStore) -> None:
    a = store.add(make_annotation(article(), 0, 5, tags=["儒家"], note="学习的喜悦"))
    log = store.file_for(a.article_id).with_suffix(".log")
    lines = log.read_text(encoding="utf-8").splitlines()  # the change log: JSON lines, UTF-8
    assert orjson.loads(lines[0]) == {"log": 2, "article_id": a.article_id, "after": 0}
    assert orjson.loads(lines[1])["put"]["note"] == "学习的喜悦" and "\\u" not in lines[1]
    store.compact(a.article_id)
    path = store.file_for(a.article_id)
    assert path.parent == store.articles_dir and path.name.endswith(".json")
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    assert "学而时习之" in text and "学习的喜悦" in text and "儒家" in text
    assert "\\u" not in text
    assert "\n" in text  # indented, a person can read it
    data = orjson.loads(raw)
    assert data["meta"]["1"] == {"schema": SCHEMA_VERSION, "article_id": a.article_id, "seq": 1}
    assert data["annotations"][a.id]["quote"] == "学而时习之"
    assert log.read_text(encoding="utf-8").count("\n") == 1  # only a header after the snapshot
    manifest = orjson.loads((store.path / "reader-db.json").read_bytes())
    assert manifest["schema"] == 3 and SCHEMA_VERSION == 2  # a folder per coder; files of schema 2


def test_no_temp_files_left_behind_and_stale_ones_cleaned(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    with AnnotationStore(folder) as s:
        s.add(make_annotation(article(), 0, 1, tags=[]))
        assert not list(folder.rglob("*.tmp"))
    stale = s.articles_dir / ".abc.json.123.deadbeef.tmp"
    stale.write_text("{half", encoding="utf-8")
    with AnnotationStore(folder) as s:
        assert not stale.exists()
        assert sum(s.counts().values()) == 1


def test_folders_known_clean_are_not_listed_again_until_they_change(tmp_path: Path, monkeypatch) -> None:
    """Opening lists each folder for temp files once; a folder whose mtime is unchanged since it was
    listed clean is not listed again (10,000 article files: ~5 ms of every command), and a temp file
    made in it since (which moves its mtime) is found and removed as before."""
    import os
    import time

    import reader.store.files

    folder = tmp_path / "db"
    with AnnotationStore(folder) as s:
        s.add(make_annotation(article(), 0, 1, tags=[]))
    past = time.time_ns() - 60 * 10**9
    for f in (folder, s.articles_dir, s.local_dir, s.positions_dir):
        if f.exists():
            os.utime(f, ns=(past, past))
    listed: list[str] = []
    real = reader.store.files.has_temp_files
    monkeypatch.setattr(reader.store.files, "has_temp_files", lambda f: listed.append(str(f)) or real(f))
    AnnotationStore(folder).close()  # lists them all, remembers them clean
    assert str(s.articles_dir) in listed
    listed.clear()
    AnnotationStore(folder).close()
    assert str(s.articles_dir) not in listed
    stale = s.articles_dir / ".abc.json.123.deadbeef.tmp"
    stale.write_text("{half", encoding="utf-8")  # (moves the folder's mtime)
    with AnnotationStore(folder) as again:
        assert str(s.articles_dir) in listed and not stale.exists()
        assert sum(again.counts().values()) == 1


# ----------------------------------------------------------------------------------------- tags


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["e\u0301", "é"], ("é",)),
        (["  孔子 ", "孔子", "", "   ", "论语"], ("孔子", "论语")),
        (["b", "a", "b"], ("b", "a")),
        ("单个", ("单个",)),
        ([], ()),
    ],
)
def test_normalise_tags(given: list[str] | str, expected: tuple[str, ...]) -> None:
    assert normalise_tags(given) == expected


def test_make_annotation_normalises_tags_and_takes_context() -> None:
    art = article()
    a = make_annotation(art, 40, 45, tags=[" e\u0301 ", "é", "x"], view="traditional")
    assert a.tags == ("é", "x")
    assert a.quote == TEXT[40:45]
    assert a.prefix == TEXT[8:40] and len(a.prefix) == 32
    assert a.suffix == TEXT[45:77]
    assert a.article_id == art.info.id and a.article_sha256 == art.sha256
    assert a.created == a.modified and a.created.endswith("+00:00")
    assert a.view == "traditional" and a.status == "anchored"
    assert make_annotation(art, 0, 1, tags=[]).prefix == ""
    b = make_annotation(art, 0, 1, tags=[])
    assert a.id != b.id


@pytest.mark.parametrize(("start", "end"), [(-1, 3), (3, 3), (5, 2), (0, len(TEXT) + 1)])
def test_make_annotation_rejects_bad_ranges(start: int, end: int) -> None:
    with pytest.raises(UsageError, match=r"论语/学而\.txt"):
        make_annotation(article(), start, end, tags=[])


def test_to_dict_from_dict_round_trip() -> None:
    a = make_annotation(article(), 0, 3, tags=["甲", "乙"])
    d = a.to_dict()
    assert d["tags"] == ["甲", "乙"]
    assert Annotation.from_dict(orjson.loads(orjson.dumps(d))) == a
    del d["status"]
    assert Annotation.from_dict(d).status == "anchored"


def test_store_normalises_tags_it_is_given(store: AnnotationStore) -> None:
    a = store.add(make_annotation(article(), 0, 1, tags=[]))
    saved = store.update(replace(a, tags=(" e\u0301", "é", "", "孔子 ")))
    assert saved.tags == ("é", "孔子")
    assert store.get(a.article_id, a.id).tags == ("é", "孔子")  # type: ignore[union-attr]


def test_tags_counter(store: AnnotationStore) -> None:
    store.add(make_annotation(article(), 0, 1, tags=["孔子", "学习"]))
    store.add(make_annotation(article(), 1, 2, tags=["孔子"]))
    store.add(make_annotation(article("b.txt"), 0, 1, tags=["e\u0301"]))
    assert store.tags() == {"孔子": 2, "学习": 1, "é": 1}


# ------------------------------------------------------------------------------------ corruption


def test_corrupt_file_is_reported_never_overwritten_and_others_still_work(store: AnnotationStore) -> None:
    bad = store.add(make_annotation(article("bad.txt"), 0, 1, tags=[]))
    good = store.add(make_annotation(article("good.txt"), 0, 1, tags=[]))
    store.compact(bad.article_id)
    path = store.file_for(bad.article_id)
    garbage = b'{"annotations": {"x": '  # e.g. truncated by another tool
    path.write_bytes(garbage)

    for op in (
        lambda: store.for_article(bad.article_id),
        lambda: store.get(bad.article_id, bad.id),
        lambda: store.add(make_annotation(article("bad.txt"), 1, 2, tags=[])),
        lambda: store.delete(bad.article_id, bad.id),
        lambda: list(store.all()),  # an export must not silently miss annotations
    ):
        with pytest.raises(StoreCorruptError) as exc:
            op()
        message = str(exc.value)
        assert str(path) in message and "\n" not in message
        assert "move it aside" in message
    assert path.read_bytes() == garbage

    # the other article keeps working, also from a fresh instance
    assert store.for_article(good.article_id) == [good]
    c = store.add(make_annotation(article("good.txt"), 2, 3, tags=[]))
    assert store.counts() == {good.article_id: 2}
    assert any(str(path) in p for p in store.problems())
    with AnnotationStore(store.path) as fresh:
        assert fresh.for_article(good.article_id) == [good, c]
    assert path.read_bytes() == garbage


@pytest.mark.parametrize("counted_first", [False, True])
def test_a_record_changed_by_another_tool_is_caught_by_bulk_reads(
    tmp_path: Path, counted_first: bool
) -> None:
    """records() (export's bulk read) skips re-checking only the file version the index was made from."""
    folder = tmp_path / "db"
    with AnnotationStore(folder) as store:
        a = store.add(make_annotation(article(), 0, 1, tags=["x"]))
        store.compact(a.article_id)
        assert store.counts() == {a.article_id: 1}  # the index now holds this version's signature
        path = store.file_for(a.article_id)
    data = orjson.loads(path.read_bytes())
    data["annotations"][a.id]["start"] = "0"  # valid JSON, wrong type
    path.write_bytes(orjson.dumps(data))

    with AnnotationStore(folder) as fresh:
        if counted_first:
            assert fresh.counts() == {}
        with pytest.raises(StoreCorruptError) as exc:
            fresh.records(a.article_id)
        assert str(path) in str(exc.value) and "start" in str(exc.value)


def test_unknown_schema_version_is_refused_untouched(store: AnnotationStore) -> None:
    a = store.add(make_annotation(article(), 0, 1, tags=[]))
    store.compact(a.article_id)
    path = store.file_for(a.article_id)
    data = orjson.loads(path.read_bytes())
    data["meta"]["1"]["schema"] = SCHEMA_VERSION + 1
    path.write_bytes(orjson.dumps(data))
    before = path.read_bytes()
    with pytest.raises(StoreCorruptError, match="schema version 3"):
        store.for_article(a.article_id)
    with pytest.raises(StoreCorruptError):
        store.add(make_annotation(article(), 1, 2, tags=[]))
    assert path.read_bytes() == before


def test_newer_database_manifest_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    (folder / "reader-db.json").write_text('{"schema": 99}', encoding="utf-8")
    with pytest.raises(StoreCorruptError, match=r"reader-db\.json"):
        AnnotationStore(folder)


def test_unusable_folder_is_a_clear_store_error(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x", encoding="utf-8")
    with pytest.raises(StoreError, match="annotation folder"):
        AnnotationStore(not_a_folder)


def test_creates_missing_folder_and_its_subfolders_on_the_first_save(tmp_path: Path) -> None:
    with AnnotationStore(tmp_path / "a" / "b" / "annotations") as s:
        assert s.path.is_dir() and not s.read_only
        s.add(make_annotation(article(), 0, 1, tags=[]))
        assert s.articles_dir.is_dir() and (s.local_dir / ".gitignore").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------- locking


def test_lock_timeout_is_a_clear_error_and_reads_still_work(tmp_path: Path) -> None:
    with AnnotationStore(tmp_path / "db", lock_timeout=0.2) as store:
        a = store.add(make_annotation(article(), 0, 1, tags=[]))
        held, release = threading.Event(), threading.Event()

        def other_process() -> None:  # a separate open file description conflicts like another process
            with open(store.lock_path, "rb") as f:
                fcntl.flock(f, fcntl.LOCK_EX)
                held.set()
                release.wait(10)

        t = threading.Thread(target=other_process)
        t.start()
        try:
            assert held.wait(5)
            with pytest.raises(StoreLockedError) as exc:
                store.add(make_annotation(article(), 1, 2, tags=[]))
            message = str(exc.value)
            assert str(store.lock_path) in message and "another reader process" in message
            assert "try again" in message
            assert store.for_article(a.article_id) == [a]  # reading needs no lock
        finally:
            release.set()
            t.join()
        b = store.add(make_annotation(article(), 1, 2, tags=[]))
        assert store.for_article(a.article_id) == [a, b]


def test_threads_sharing_a_store_lose_nothing(store: AnnotationStore) -> None:
    def worker(n: int) -> None:
        for i in range(10):
            store.add(make_annotation(article(f"t{n}.txt"), i, i + 1, tags=[f"t{n}"]))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.counts() == {f"t{n}.txt": 10 for n in range(4)}


# ----------------------------------------------------------------------------------------- counts


def test_counts_and_stale_index(store: AnnotationStore) -> None:
    for n, k in [("a.txt", 3), ("b.txt", 1), ("c.txt", 2)]:
        for i in range(k):
            store.add(make_annotation(article(n), i, i + 1, tags=[]))
    expected = {"a.txt": 3, "b.txt": 1, "c.txt": 2}
    assert store.counts() == expected

    # crash between saving the article file and the index: the index still has the old entry
    index_path = store.index_path
    old_index = index_path.read_bytes()
    x = store.add(make_annotation(article("a.txt"), 9, 10, tags=[]))
    index_path.write_bytes(old_index)
    expected["a.txt"] = 4
    with AnnotationStore(store.path) as fresh:
        assert fresh.counts() == expected
    assert store.counts() == expected

    store.delete("a.txt", x.id)
    expected["a.txt"] = 3
    index_path.unlink()  # index lost
    assert store.counts() == expected
    index_path.write_bytes(b"\x00garbage")  # index garbled
    with AnnotationStore(store.path) as fresh:
        assert fresh.counts() == expected
        assert fresh.tags() == {}
    # the rebuilt index was saved: a fresh instance finds every entry valid
    data = orjson.loads(index_path.read_bytes())
    assert {e["article_id"]: e["count"] for e in data["files"].values()} == expected


def test_counts_leave_out_articles_with_only_a_reading_position(store: AnnotationStore) -> None:
    store.set_state(ArticleState("read-only.txt", 10))
    a = store.add(make_annotation(article(), 0, 1, tags=[]))
    store.delete(a.article_id, a.id)
    assert store.counts() == {}


def test_all_iterates_every_annotation(store: AnnotationStore) -> None:
    made = [store.add(make_annotation(article(f"{n}.txt"), i, i + 2, tags=[])) for n in "cab" for i in (4, 1)]
    got = list(store.all())
    assert sorted(a.id for a in got) == sorted(a.id for a in made)
    assert [(a.article_id, a.start) for a in got] == [
        (n, s) for n in ("a.txt", "b.txt", "c.txt") for s in (1, 4)
    ]


# ------------------------------------------------------------------------------------------ state


def test_reading_state_get_set(store: AnnotationStore) -> None:
    assert store.get_state("x.txt") is None
    saved = store.set_state(ArticleState("x.txt", 120, "hongkong"))
    assert saved.updated.endswith("+00:00")  # stamped when left empty
    assert store.get_state("x.txt") == saved
    again = store.set_state(ArticleState("x.txt", 7, "original", "2030-01-01T00:00:00.000000+00:00"))
    assert store.get_state("x.txt") == again and again.position == 7
    assert again.updated.startswith("2030")
    assert store.get_state("y.txt") is None
    with pytest.raises(UsageError):
        store.set_state(ArticleState("x.txt", -1))


# -------------------------------------------------------------------------------- model property

ARTICLES = ("甲.txt", "乙.txt")
operation = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(ARTICLES), st.integers(0, 20), st.integers(1, 5)),
    st.tuples(st.just("update"), st.integers(0, 30), st.text("笔记ab ", max_size=5)),
    st.tuples(st.just("delete"), st.integers(0, 30)),
    st.tuples(st.just("state"), st.sampled_from(ARTICLES), st.integers(0, 100)),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, max_size=12))
def test_any_sequence_of_operations_matches_a_dict_model(ops: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as tmp, AnnotationStore(Path(tmp) / "db") as store:
        model: dict[str, Annotation] = {}
        states: dict[str, int] = {}
        for op in ops:
            ids = sorted(model)
            if op[0] == "add":
                _, art_id, start, length = op
                a = store.add(make_annotation(article(art_id), start, start + length, tags=[art_id]))
                model[a.id] = a
            elif op[0] == "update" and ids:
                a = model[ids[op[1] % len(ids)]]
                edited = replace(a, note=op[2], tags=normalise_tags([op[2], "x"]), modified=f"m{len(model)}")
                model[a.id] = store.update(edited)
                assert model[a.id] == edited
            elif op[0] == "delete" and ids:
                a = model.pop(ids[op[1] % len(ids)])
                assert store.delete(a.article_id, a.id) == a
            elif op[0] == "state":
                states[op[1]] = store.set_state(ArticleState(op[1], op[2])).position

        def check(s: AnnotationStore) -> None:
            for art_id in ARTICLES:
                want = sorted(
                    (a for a in model.values() if a.article_id == art_id),
                    key=lambda a: (a.start, a.end, a.created),
                )
                assert s.for_article(art_id) == want
                got_state = s.get_state(art_id)
                assert (got_state and got_state.position) == states.get(art_id)
            assert sorted(s.all(), key=lambda a: a.id) == sorted(model.values(), key=lambda a: a.id)
            counts: dict[str, int] = {}
            for a in model.values():
                counts[a.article_id] = counts.get(a.article_id, 0) + 1
            assert s.counts() == counts
            assert s.tags() == {t: n for t, n in _tag_counts(model).items()}

        check(store)
        with AnnotationStore(store.path) as reopened:
            check(reopened)


def _tag_counts(model: dict[str, Annotation]) -> dict[str, int]:
    out: dict[str, int] = {}
    for a in model.values():
        for t in a.tags:
            out[t] = out.get(t, 0) + 1
    return out
