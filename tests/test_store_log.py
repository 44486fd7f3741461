"""The log-structured store: one-line saves, torn tails, incremental reads, layout, schema 1, positions."""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from dataclasses import replace
from pathlib import Path

import orjson
import pytest

from _fake_article import FakeArticle, fake_article
from reader.errors import ConflictError, StoreCorruptError, UsageError
from reader.store import Annotation, AnnotationStore, ArticleState, make_annotation
from reader.store.log import ArticleFile

TEXT = "学而时习之，不亦说乎？有朋自远方来，不亦乐乎？人不知而不愠，不亦君子乎？" * 4


def article(article_id: str = "论语/学而.txt") -> FakeArticle:
    return fake_article(article_id, TEXT)


def log_of(store: AnnotationStore, article_id: str) -> Path:
    return store.file_for(article_id).with_suffix(".log")


@pytest.fixture
def store(tmp_path: Path):
    with AnnotationStore(tmp_path / "db") as s:
        yield s


def fill(store: AnnotationStore, n: int, article_id: str = "论语/学而.txt") -> list[Annotation]:
    made = [make_annotation(article(article_id), i % 60, i % 60 + 2, tags=[f"t{i % 3}"]) for i in range(n)]
    store.put_many(article_id, made)
    store.compact(article_id)
    return made


def test_a_save_appends_one_line_and_leaves_the_snapshot_alone(store: AnnotationStore) -> None:
    """Save cost does not grow with the article: 2,000 annotations stay untouched when one is added."""
    fill(store, 2000)
    snapshot = store.file_for("论语/学而.txt")
    before = snapshot.stat()
    log_before = log_of(store, "论语/学而.txt").read_bytes()
    a = store.add(make_annotation(article(), 3, 9, tags=["新"]))
    after = snapshot.stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (
        before.st_ino,
        before.st_mtime_ns,
        before.st_size,
    )
    log_after = log_of(store, "论语/学而.txt").read_bytes()
    assert log_after.startswith(log_before)
    added = log_after[len(log_before) :]
    assert added.count(b"\n") == 1 and orjson.loads(added)["put"]["id"] == a.id
    assert len(added) < 1000


def test_fresh_add_reads_no_existing_annotation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What `reader annotate` does: append after the version the index knows, without parsing the article."""
    folder = tmp_path / "db"
    with AnnotationStore(folder) as s:
        fill(s, 500)
        s.add(make_annotation(article(), 0, 1, tags=["x"]))  # a log tail after the snapshot
        assert s.counts() == {"论语/学而.txt": 501}

    def no_whole_read(self: ArticleFile) -> None:
        raise AssertionError("read the whole article to add one annotation")

    monkeypatch.setattr(ArticleFile, "_load_whole", no_whole_read)
    with AnnotationStore(folder) as s:
        for i in range(3):
            s.add(make_annotation(article(), i, i + 1, tags=["快"]), fresh=True)
        assert s.counts() == {"论语/学而.txt": 504} and s.tags()["快"] == 3
    monkeypatch.undo()
    with AnnotationStore(folder) as s:
        assert len(s.for_article("论语/学而.txt")) == 504


def test_a_copied_folder_is_slow_to_annotate_once_then_quick_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copied or restored folder (new inodes) makes the index stale: the first fresh add reads the article
    whole; it must leave the index right on disk even though `reader annotate` never closes the store."""
    import shutil

    with AnnotationStore(tmp_path / "db") as s:
        fill(s, 50)
    shutil.copytree(tmp_path / "db", tmp_path / "copy")
    process = AnnotationStore(tmp_path / "copy")  # like `reader annotate`: not closed
    process.add(make_annotation(article(), 0, 1, tags=["x"]), fresh=True)

    def no_whole_read(self: ArticleFile) -> None:
        raise AssertionError("read the whole article to add one annotation")

    monkeypatch.setattr(ArticleFile, "_load_whole", no_whole_read)
    with AnnotationStore(tmp_path / "copy") as s:
        s.add(make_annotation(article(), 1, 2, tags=["x"]), fresh=True)
        assert s.counts() == {"论语/学而.txt": 52}
    monkeypatch.undo()
    with AnnotationStore(tmp_path / "copy") as s:
        assert len(s.for_article("论语/学而.txt")) == 52


def test_torn_final_line_is_ignored_then_cut_by_the_next_save(store: AnnotationStore) -> None:
    a = store.add(make_annotation(article(), 0, 2, tags=["甲"]))
    log = log_of(store, a.article_id)
    good = log.read_bytes()
    with open(log, "ab") as f:
        f.write(b'{"seq": 2, "put": {"id": "half')  # kill -9 in the middle of an append
    with AnnotationStore(store.path) as other:
        assert other.for_article(a.article_id) == [a]
        assert other.counts() == {a.article_id: 1}
        b = other.add(make_annotation(article(), 4, 6, tags=["乙"]))
    assert log.read_bytes().startswith(good)
    lines = log.read_bytes().splitlines()
    assert len(lines) == 3 and orjson.loads(lines[-1])["put"]["id"] == b.id
    assert {x.id for x in store.for_article(a.article_id)} == {a.id, b.id}


def test_a_bad_line_before_the_last_is_corruption_never_overwritten(store: AnnotationStore) -> None:
    a = store.add(make_annotation(article(), 0, 2, tags=[]))
    store.add(make_annotation(article(), 2, 4, tags=[]))
    log = log_of(store, a.article_id)
    lines = log.read_bytes().split(b"\n")
    lines[1] = b'{"seq": 1, "put": {"id": 5}}'  # valid JSON, not a record
    damaged = b"\n".join(lines)
    log.write_bytes(damaged)
    with AnnotationStore(store.path) as other:
        with pytest.raises(StoreCorruptError) as exc:
            other.for_article(a.article_id)
        assert str(log) in str(exc.value) and "\n" not in str(exc.value)
        with pytest.raises(StoreCorruptError):
            other.add(make_annotation(article(), 5, 6, tags=[]), fresh=True)
        assert other.counts() == {}
        assert any(str(log) in p for p in other.problems())
    assert log.read_bytes() == damaged


def test_another_processs_appends_and_compaction_are_seen(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    with AnnotationStore(folder) as mine, AnnotationStore(folder) as theirs:
        a = mine.add(make_annotation(article(), 0, 2, tags=["甲"]))
        assert theirs.for_article(a.article_id) == [a]
        b = mine.add(make_annotation(article(), 2, 4, tags=["乙"]))
        c = mine.update(replace(a, note="改"))
        assert theirs.for_article(a.article_id) == [c, b]  # read from the log's new tail
        assert theirs.tags() == {"甲": 1, "乙": 1}
        mine.compact(a.article_id)  # new snapshot and log (new inodes): read whole
        d = mine.add(make_annotation(article(), 6, 8, tags=["丙"]))
        assert theirs.for_article(a.article_id) == [c, b, d]
        mine.delete(a.article_id, b.id)
        assert theirs.counts() == {a.article_id: 2} and theirs.tags() == {"甲": 1, "丙": 1}


def test_counts_follow_other_processes_by_reading_log_tails_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "db"
    with AnnotationStore(folder) as reader_, AnnotationStore(folder) as writer:
        fill(writer, 300)
        assert reader_.counts() == {"论语/学而.txt": 300}
        whole_reads = []
        real = ArticleFile._load_whole

        def counted(self: ArticleFile) -> None:
            whole_reads.append(self.stem)
            real(self)

        monkeypatch.setattr(ArticleFile, "_load_whole", counted)
        made = [writer.add(make_annotation(article(), i, i + 1, tags=["新"]), fresh=True) for i in range(5)]
        writer.delete("论语/学而.txt", made[0].id)
        assert reader_.counts() == {"论语/学而.txt": 304}
        assert reader_.tags()["新"] == 4 and reader_.tags()["t0"] == 100
        assert whole_reads == []


def test_compaction_happens_by_itself_when_the_log_outgrows_the_snapshot(store: AnnotationStore) -> None:
    a = store.add(make_annotation(article(), 0, 2, tags=[], note="长" * 3000))
    for i in range(40):
        a = store.update(replace(a, note=f"{i}" + "长" * 3000))
    log = log_of(store, a.article_id)
    assert log.stat().st_size < 300 * 1024  # compacted at least once (minimum 256 KiB)
    assert store.file_for(a.article_id).exists()
    with AnnotationStore(store.path) as other:
        assert other.for_article(a.article_id) == [a]


def test_update_with_what_the_editor_started_from_detects_a_conflict(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    with AnnotationStore(folder) as one, AnnotationStore(folder) as two:
        a = one.add(make_annotation(article(), 0, 2, tags=["甲"]))
        opened = two.get(a.article_id, a.id)
        assert opened == a
        theirs = one.update(replace(a, note="theirs", modified="2030-01-01T00:00:00.000000+00:00"))
        mine = replace(opened, note="mine")
        with pytest.raises(ConflictError) as exc:
            two.update(mine, expected=opened)
        assert exc.value.mine == mine and exc.value.theirs == theirs
        assert two.get(a.article_id, a.id) == theirs  # nothing overwritten
        one.delete(a.article_id, a.id)
        with pytest.raises(ConflictError) as exc:
            two.update(mine, expected=theirs)
        assert exc.value.theirs is None


# ------------------------------------------------------------------------------------- layout


def test_local_data_is_in_one_ignorable_folder(store: AnnotationStore) -> None:
    a = store.add(make_annotation(article(), 0, 2, tags=[]))
    store.set_state(ArticleState(a.article_id, 12))
    store.counts()
    store.close()
    assert (store.local_dir / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    local = {p.relative_to(store.local_dir).as_posix() for p in store.local_dir.rglob("*")}
    mine = store.my_folder  # coders/<this coder's folder>
    assert {"lock", f"index/{mine.split('/')[1]}.json", "positions"} <= local
    shared = {p.relative_to(store.path).as_posix() for p in store.path.rglob("*") if "local" not in p.parts}
    log = f"{mine}/articles/{store.file_for(a.article_id).stem}.log"
    assert shared == {"reader-db.json", "coders", mine, f"{mine}/coder.json", f"{mine}/articles", log}


def test_reading_positions_never_wait_for_the_lock_and_never_touch_annotation_files(tmp_path: Path) -> None:
    with AnnotationStore(tmp_path / "db", lock_timeout=0.2) as store:
        a = store.add(make_annotation(article(), 0, 2, tags=[]))
        files = {p: p.stat().st_mtime_ns for p in store.articles_dir.iterdir()}
        held, release = threading.Event(), threading.Event()

        def other_process() -> None:
            with open(store.lock_path, "rb") as f:
                fcntl.flock(f, fcntl.LOCK_EX)
                held.set()
                release.wait(10)

        t = threading.Thread(target=other_process)
        t.start()
        try:
            assert held.wait(5)
            saved = store.set_state(ArticleState(a.article_id, 42, "taiwan"))  # no StoreLockedError
        finally:
            release.set()
            t.join()
        assert store.get_state(a.article_id) == saved
        assert {p: p.stat().st_mtime_ns for p in store.articles_dir.iterdir()} == files


# ---------------------------------------------------------------------------------- schema 1


def _schema_1_database(folder: Path) -> tuple[list[dict], dict]:
    """A database as the schema-1 store wrote it: indented article file with meta/annotations/state."""
    art = article("旧.txt")
    records = [make_annotation(art, i, i + 3, tags=["旧", f"t{i}"]).to_dict() for i in range(5)]
    state = {
        "article_id": "旧.txt",
        "position": 77,
        "view": "hongkong",
        "updated": "2026-01-01T00:00:00+00:00",
    }
    stem = hashlib.sha1(b"\xe6\x97\xa7.txt", usedforsecurity=False).hexdigest()[:20]
    (folder / "articles").mkdir(parents=True)
    data = {
        "meta": {"1": {"schema": 1, "article_id": "旧.txt"}},
        "annotations": {r["id"]: r for r in records},
        "state": {"1": state},
    }
    (folder / "articles" / f"{stem}.json").write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))
    (folder / "reader-db.json").write_bytes(orjson.dumps({"schema": 1, "format": "reader annotations"}))
    (folder / "reader-db.lock").write_bytes(b"")
    (folder / "index.json").write_bytes(orjson.dumps({"schema": 1, "files": {}}))
    return records, state


def test_a_schema_1_database_opens_and_is_upgraded_on_the_first_write(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    records, state = _schema_1_database(folder)
    with AnnotationStore(folder) as store:
        assert sorted(r.to_dict()["id"] for r in store.for_article("旧.txt")) == sorted(
            r["id"] for r in records
        )
        assert store.counts() == {"旧.txt": 5} and store.tags()["旧"] == 5
        assert store.get_state("旧.txt") == ArticleState.from_dict(state)
        assert (
            orjson.loads((folder / "reader-db.json").read_bytes())["schema"] == 1
        )  # reading changes nothing
        new = store.add(make_annotation(article("旧.txt"), 9, 12, tags=["新"]))
        assert orjson.loads((folder / "reader-db.json").read_bytes())["schema"] == 3
        assert not (folder / "reader-db.lock").exists() and not (folder / "index.json").exists()
        # the single-coder folder became this coder's (one rename): nothing is left behind
        assert (
            not (folder / "articles").exists() and store.articles_dir == folder / store.my_folder / "articles"
        )
        store.compact("旧.txt")  # the reading position moves to local data before the file loses it
    with AnnotationStore(folder) as store:
        assert len(store.for_article("旧.txt")) == 6 and store.get("旧.txt", new.id) == new
        assert store.get_state("旧.txt") == ArticleState.from_dict(state)
        assert "state" not in orjson.loads(store.file_for("旧.txt").read_bytes())


# ------------------------------------------------------------------------------------ set aside


def test_set_aside_moves_a_damaged_article_away_so_it_starts_afresh(store: AnnotationStore) -> None:
    a = store.add(make_annotation(article(), 0, 2, tags=[]))
    log = log_of(store, a.article_id)
    log.write_bytes(b"garbage\nmore garbage\n")
    assert store.counts() == {} and store.problem_for(a.article_id)
    moved = store.set_aside(a.article_id)
    assert [p.read_bytes() for p in moved] == [b"garbage\nmore garbage\n"]
    assert moved[0].name.startswith(log.name + ".set-aside-")
    assert store.problems() == [] and store.for_article(a.article_id) == []
    store.add(make_annotation(article(), 1, 3, tags=[]))
    assert store.counts() == {a.article_id: 1}


def test_add_refuses_an_existing_id_unless_fresh_is_vouched(store: AnnotationStore) -> None:
    a = store.add(make_annotation(article(), 0, 2, tags=[]))
    with pytest.raises(UsageError, match="already exists"):
        store.add(a)
    assert os.path.exists(log_of(store, a.article_id))


def test_a_line_holding_two_values_is_corruption_not_two_changes(store: AnnotationStore) -> None:
    a = store.add(make_annotation(article(), 0, 2, tags=[]))
    b = store.add(make_annotation(article(), 2, 4, tags=[]))
    log = log_of(store, a.article_id)
    head, first, second, _ = log.read_bytes().split(b"\n")
    log.write_bytes(b"\n".join([head, first + b"," + second, second, b""]))
    with AnnotationStore(store.path) as other, pytest.raises(StoreCorruptError, match="line 1"):
        other.for_article(b.article_id)


def test_a_record_missing_a_default_field_is_no_conflict(store: AnnotationStore) -> None:
    a = store.add(make_annotation(article(), 0, 2, tags=[]))
    store.compact(a.article_id)
    path = store.file_for(a.article_id)
    data = orjson.loads(path.read_bytes())
    del data["annotations"][a.id]["status"]  # as an older version wrote it
    path.write_bytes(orjson.dumps(data))
    with AnnotationStore(store.path) as other:
        opened = other.get(a.article_id, a.id)
        assert opened == a
        assert other.update(replace(opened, note="edited"), expected=opened).note == "edited"


def test_a_record_edited_in_place_in_an_already_checked_log_is_still_caught(store: AnnotationStore) -> None:
    """Reads skip re-checking a log prefix only while its CRC-32 matches the index's: an edit in place
    (same inode, same length) by another tool is found."""
    a = store.add(make_annotation(article(), 0, 2, tags=["x"]))
    store.add(make_annotation(article(), 2, 4, tags=["y"]))
    store.counts()
    store.close()  # the index (with the log's CRC) is on disk
    log = log_of(store, a.article_id)
    raw = log.read_bytes()
    edited = raw.replace(b'"note":""', b'"note":0 ', 1)  # a wrong type, the same length
    assert len(edited) == len(raw) and edited != raw
    with open(log, "r+b") as f:  # in place: the inode stays
        f.write(edited)
    with AnnotationStore(store.path) as other, pytest.raises(StoreCorruptError, match="note"):
        other.records(a.article_id)


def test_two_stores_creating_the_folder_at_once_are_both_writable(tmp_path: Path, monkeypatch) -> None:
    """Another process creates the folder between our check and our mkdir: we are not read-only."""
    folder = tmp_path / "db"
    real_mkdir = Path.mkdir

    def racing_mkdir(self: Path, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if self == folder and not folder.exists():
            real_mkdir(self)  # the other process wins the race
        real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", racing_mkdir)
    with AnnotationStore(folder) as store:
        assert not store.read_only
        store.add(make_annotation(article(), 0, 2, tags=[]))
