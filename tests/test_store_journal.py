"""Changes to many articles go through the write-ahead journal: all or nothing, crash or full disk."""

from __future__ import annotations

import errno
import os
from dataclasses import replace
from pathlib import Path

import orjson
import pytest

from _fake_article import FakeArticle, fake_article
from reader.errors import StoreCorruptError, StoreError
from reader.store import Annotation, AnnotationStore, Change, make_annotation
from reader.store import journal as journal_module
from reader.store.log import ArticleFile

TEXT = "学而时习之，不亦说乎？有朋自远方来，不亦乐乎？人不知而不愠，不亦君子乎？" * 4


def article(article_id: str) -> FakeArticle:
    return fake_article(article_id, TEXT)


def snapshot(store: AnnotationStore) -> dict[str, set[tuple[str, str]]]:
    """Article id -> {(annotation id, note)} as a fresh process reads it."""
    with AnnotationStore(store.path) as fresh:
        return {
            article_id: {(a.id, a.note) for a in fresh.for_article(article_id)}
            for article_id in sorted(fresh.counts())
        }


@pytest.fixture
def seeded(tmp_path: Path):
    """Three articles with two annotations each."""
    with AnnotationStore(tmp_path / "db") as store:
        made = {}
        for name in ("a.txt", "b.txt", "c.txt"):
            made[name] = [store.add(make_annotation(article(name), i, i + 2, tags=["旧"])) for i in (0, 5)]
        yield store, made


def change_everything(made: dict[str, list[Annotation]]) -> list[Change]:
    """Edit every annotation, and move a.txt's first annotation to c.txt."""
    moved = made["a.txt"][0]
    changes = []
    for name, anns in made.items():
        edits = [replace(a, note=f"new {a.id[:4]}") for a in anns if a is not moved]
        dels = [moved.id] if name == "a.txt" else []
        if name == "c.txt":
            edits.append(replace(moved, article_id="c.txt", note="moved"))
        changes.append(Change.of(name, edits, dels))
    return changes


def test_commit_applies_every_article_and_moves_an_annotation(seeded) -> None:
    store, made = seeded
    assert store.commit(change_everything(made), what="test change") == 7
    after = snapshot(store)
    assert made["a.txt"][0].id not in {i for i, _ in after["a.txt"]}
    assert (made["a.txt"][0].id, "moved") in after["c.txt"]
    assert sum(len(v) for v in after.values()) == 6
    assert not store.journal.pending()


def test_a_full_disk_midway_changes_nothing_and_says_so(seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    store, made = seeded
    before = snapshot(store)
    real_append = ArticleFile.append
    calls = []

    def append(self: ArticleFile, ops: list, **kwargs: bool) -> int:
        calls.append(self.article_id)
        if len(calls) == 2:  # the second article file: no space left
            raise StoreError(f"{self.log_path}: cannot save annotations (No space left on device)")
        return real_append(self, ops, **kwargs)

    monkeypatch.setattr(ArticleFile, "append", append)
    with pytest.raises(StoreError) as exc:
        store.commit(change_everything(made), what="import of x.json")
    monkeypatch.undo()
    assert "nothing was changed" in str(exc.value) and "\n" not in str(exc.value)
    assert snapshot(store) == before
    assert not store.journal.pending()
    assert store.commit(change_everything(made), what="again") == 7  # and the database still works


def test_enospc_from_the_write_itself_rolls_every_log_back(seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    store, made = seeded
    before = snapshot(store)
    real_write = os.write
    writes = []

    def write(fd: int, data) -> int:  # type: ignore[no-untyped-def]
        if b'"seq"' in bytes(data[:20]):
            writes.append(fd)
            if len(writes) == 3:
                raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    with pytest.raises(StoreError, match="nothing was changed"):
        store.commit(change_everything(made), what="import of x.json")
    monkeypatch.undo()
    assert snapshot(store) == before
    assert not store.journal.pending()
    with AnnotationStore(store.path) as fresh:  # the logs hold nothing of it (cut back, then compacted)
        assert all(b"new " not in p.read_bytes() for p in fresh.articles_dir.iterdir())


def test_a_crash_after_the_journal_is_finished_by_the_next_open(
    seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, made = seeded
    real_append = ArticleFile.append

    def append_then_die(self: ArticleFile, ops: list, **kwargs: bool) -> int:
        real_append(self, ops, **kwargs)
        raise KeyboardInterrupt("kill -9 after the first article")

    monkeypatch.setattr(ArticleFile, "append", append_then_die)
    with pytest.raises(KeyboardInterrupt):
        store.commit(change_everything(made), what="test change")
    monkeypatch.undo()
    assert store.journal.pending()
    with AnnotationStore(store.path) as reopened:  # the next command
        assert not reopened.journal.pending()
    after = snapshot(store)
    assert (made["a.txt"][0].id, "moved") in after["c.txt"]
    assert made["a.txt"][0].id not in {i for i, _ in after["a.txt"]}
    assert sum(len(v) for v in after.values()) == 6


def test_a_crash_before_the_journal_is_complete_changes_nothing(
    seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, made = seeded
    before = snapshot(store)

    def die(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt("kill -9 while writing the journal")

    monkeypatch.setattr(journal_module, "atomic_write", die)
    with pytest.raises(KeyboardInterrupt):
        store.commit(change_everything(made), what="test change")
    monkeypatch.undo()
    assert snapshot(store) == before


@pytest.mark.parametrize(
    "content",
    [b"{half", b'{"journal": 1, "what": "x", "articles": [{"article_id": 3}]}', b"[]"],
)
def test_a_damaged_journal_is_one_clear_line_and_nothing_is_rewritten(seeded, content: bytes) -> None:
    store, _ = seeded
    path = store.journal.path
    path.write_bytes(content)
    files = {p: p.read_bytes() for p in store.articles_dir.iterdir()}
    with AnnotationStore(store.path) as other:  # opening and reading still work
        assert sum(other.counts().values()) == 6
        problem = other.pending_problem()
        assert problem is not None and str(path) in problem and "\n" not in problem
        with pytest.raises(StoreCorruptError) as exc:  # writing refuses
            other.add(make_annotation(article("d.txt"), 0, 1, tags=[]))
        assert str(path) in str(exc.value) and "move it aside" in str(exc.value)
    assert path.read_bytes() == content
    assert {p: p.read_bytes() for p in store.articles_dir.iterdir()} == files


def test_journal_records_the_whole_change_before_any_article_is_touched(
    seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, made = seeded
    seen = {}
    real_apply = journal_module.Journal._apply

    def spy(self, work, files):  # type: ignore[no-untyped-def]
        seen["journal"] = orjson.loads(self.path.read_bytes())
        seen["logs"] = {p.name: p.stat().st_size for p in store.articles_dir.iterdir()}
        return real_apply(self, work, files)

    monkeypatch.setattr(journal_module.Journal, "_apply", spy)
    store.commit(change_everything(made), what="test change")
    entries = {a["article_id"]: a for a in seen["journal"]["articles"]}
    assert set(entries) == {"a.txt", "b.txt", "c.txt"}
    assert len(entries["c.txt"]["puts"]) == 3 and entries["a.txt"]["dels"] == [made["a.txt"][0].id]
    assert {store.file_for(k).with_suffix(".log").name: v["size"] for k, v in entries.items()} == seen["logs"]


def test_a_crash_while_creating_new_article_logs_is_finished_too(tmp_path: Path, monkeypatch) -> None:
    """New articles' logs are written in place during the change; a torn one is started again."""
    changes = [
        Change.of(f"new{n}.txt", [make_annotation(article(f"new{n}.txt"), 0, 3, tags=["x"])])
        for n in range(3)
    ]
    with AnnotationStore(tmp_path / "db") as store:
        real_append = ArticleFile.append

        def append_then_die(self: ArticleFile, ops: list, **kwargs: bool) -> int:
            real_append(self, ops, **kwargs)
            raise KeyboardInterrupt("kill -9 after the first new article")

        monkeypatch.setattr(ArticleFile, "append", append_then_die)
        with pytest.raises(KeyboardInterrupt):
            store.commit(changes, what="import of new articles")
        monkeypatch.undo()
        (created,) = [p for p in store.articles_dir.iterdir() if p.suffix == ".log"]
        created.write_bytes(created.read_bytes()[:10])  # and torn by the crash, mid-header
    with AnnotationStore(tmp_path / "db") as reopened:
        assert not reopened.journal.pending() and reopened.problems() == []
        assert reopened.counts() == {f"new{n}.txt": 1 for n in range(3)}


def test_a_full_disk_while_creating_new_logs_removes_them(tmp_path: Path, monkeypatch) -> None:
    changes = [
        Change.of(f"new{n}.txt", [make_annotation(article(f"new{n}.txt"), 0, 3, tags=["x"])])
        for n in range(3)
    ]
    with AnnotationStore(tmp_path / "db") as store:
        real_append = ArticleFile.append
        calls = []

        def append(self: ArticleFile, ops: list, **kwargs: bool) -> int:
            calls.append(1)
            if len(calls) == 3:
                raise StoreError(f"{self.log_path}: cannot save annotations (No space left on device)")
            return real_append(self, ops, **kwargs)

        monkeypatch.setattr(ArticleFile, "append", append)
        with pytest.raises(StoreError, match="nothing was changed"):
            store.commit(changes, what="import of new articles")
        monkeypatch.undo()
        assert [p for p in store.articles_dir.iterdir() if p.suffix == ".log"] == []
        assert store.counts() == {}
