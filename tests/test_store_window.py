"""An article's first annotations read alone (reader.store.window): exactly those of the full read that
start before the first screen's end, or nothing (None: the caller reads them all)."""

from __future__ import annotations

import hashlib
import random
import shutil
from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _fake_article import FakeArticle, fake_article
from reader.store import AnnotationStore, make_annotation

TEXT = "学而时习之，不亦说乎？有朋自远方来，不亦乐乎？人不知而不愠，不亦君子乎？" * 40
SHA = hashlib.sha256(TEXT.encode()).hexdigest()
ARTICLE = "论语/学而.txt"


def article(text: str = TEXT) -> FakeArticle:
    return fake_article(ARTICLE, text)


def made(rng: random.Random, n: int, text: str = TEXT) -> list:
    out = []
    for _ in range(n):
        start = rng.randrange(len(text) - 10)
        out.append(
            make_annotation(article(text), start, start + rng.randint(1, 9), tags=[f"t{rng.randrange(4)}"])
        )
    return out


def reopened(path: Path) -> AnnotationStore:
    """A new process's store on `path` that has listed the library (its index trusts the files)."""
    store = AnnotationStore(path)
    store.counts()
    return store


def expected(store: AnnotationStore, until: int) -> tuple[list, int]:
    everything = store.for_article(ARTICLE)
    return [a for a in everything if a.start < until], len(everything)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 10**6),
    until=st.integers(0, len(TEXT) + 5),
    logged=st.integers(0, 12),
    deleted=st.integers(0, 5),
)
def test_the_first_annotations_are_those_of_the_full_read_that_start_before_the_end(
    tmp_path_factory, seed: int, until: int, logged: int, deleted: int
) -> None:
    rng = random.Random(seed)
    path = tmp_path_factory.mktemp("db")
    with AnnotationStore(path) as store:
        kept = made(rng, 60)
        store.put_many(ARTICLE, kept)
        store.compact(ARTICLE)  # a snapshot in document order
        for annotation in made(rng, logged):  # changes after it, in the log
            store.add(annotation)
        for annotation in rng.sample(kept, min(deleted, len(kept))):
            store.delete(ARTICLE, annotation.id)
        moved = kept[-1]
        if moved.id in {a.id for a in store.for_article(ARTICLE)}:  # an edit moves one across the end
            store.update(replace(moved, start=max(0, until - 1), end=max(1, until)))
    with reopened(path) as store:
        got = store.first_annotations(ARTICLE, until, SHA)
        assert got is not None  # the usual case is read alone, not by falling back
        want = expected(store, until)
        assert (got[0], got[1]) == want


def test_only_the_lines_before_the_end_are_parsed(tmp_path: Path, monkeypatch) -> None:
    import reader.store.window as window

    with AnnotationStore(tmp_path) as store:
        store.put_many(ARTICLE, made(random.Random(1), 400))
        store.compact(ARTICLE)
    parsed: list[int] = []
    real_loads = window.orjson.loads

    class Spy:
        JSONDecodeError = window.orjson.JSONDecodeError

        @staticmethod
        def loads(data):
            parsed.append(len(data))
            return real_loads(data)

    monkeypatch.setattr(window, "orjson", Spy)
    with reopened(tmp_path) as store:
        got = store.first_annotations(ARTICLE, 100, SHA)
        assert got is not None and 0 < len(got[0]) < got[1] == 400
        assert sum(parsed) < store.file_for(ARTICLE).stat().st_size / 5


def test_records_made_on_another_text_are_read_all_since_re_anchoring_may_move_them(tmp_path: Path) -> None:
    old_text = "前言。" * 50 + TEXT
    with AnnotationStore(tmp_path) as store:
        store.put_many(ARTICLE, made(random.Random(2), 40, old_text))
        store.compact(ARTICLE)
    with reopened(tmp_path) as store:
        assert store.first_annotations(ARTICLE, 100, SHA) is None


def test_an_orphan_anywhere_means_reading_them_all(tmp_path: Path) -> None:
    with AnnotationStore(tmp_path) as store:
        annotations = made(random.Random(3), 40)
        annotations[-1] = replace(annotations[-1], status="orphan")
        store.put_many(ARTICLE, annotations)
        store.compact(ARTICLE)
    with reopened(tmp_path) as store:
        assert store.first_annotations(ARTICLE, 100, SHA) is None


def test_a_file_changed_behind_the_index_is_read_whole(tmp_path: Path) -> None:
    with AnnotationStore(tmp_path) as store:
        store.put_many(ARTICLE, made(random.Random(4), 40))
        store.compact(ARTICLE)
    reader = reopened(tmp_path)
    with AnnotationStore(tmp_path) as other:  # another process saves: this one's index is behind
        other.add(made(random.Random(5), 1)[0])
    with reader:
        assert reader.first_annotations(ARTICLE, 100, SHA) is None
        assert len(reader.for_article(ARTICLE)) == 41


def test_an_article_annotated_by_two_coders_is_read_whole(tmp_path: Path) -> None:
    for coder in ("ana", "ben"):
        with AnnotationStore(tmp_path, coder=coder) as store:
            store.put_many(ARTICLE, made(random.Random(len(coder) + ord(coder[0])), 30))
            store.compact(ARTICLE)
    with AnnotationStore(tmp_path, coder="ana") as store:
        store.counts()
        assert store.first_annotations(ARTICLE, 100, SHA) is None


def test_an_index_from_before_learns_the_text_on_the_first_full_read(tmp_path: Path) -> None:
    with AnnotationStore(tmp_path) as store:
        store.put_many(ARTICLE, made(random.Random(6), 40))
        store.compact(ARTICLE)
        index_path = store.index_path
    old = index_path.read_text()
    assert '"on":' in old
    index_path.write_text(old.replace(f'"on":"{SHA}",', "").replace(f',"on":"{SHA}"', ""))
    with AnnotationStore(tmp_path) as store:
        store.counts()
        assert store.first_annotations(ARTICLE, 100, SHA) is None  # the old entry says nothing of it
        store.for_article(ARTICLE)  # an open reads it whole once
        assert store.first_annotations(ARTICLE, 100, SHA) is None  # loaded: a full read costs a stat
    with reopened(tmp_path) as store:
        assert store.first_annotations(ARTICLE, 100, SHA) is not None


def test_opening_reads_no_annotation_to_find_a_reading_position(tmp_path: Path) -> None:
    with AnnotationStore(tmp_path) as store:
        store.put_many(ARTICLE, made(random.Random(7), 40))
        store.compact(ARTICLE)
    with reopened(tmp_path) as store:
        assert store.get_state(ARTICLE) is None
        assert store.first_annotations(ARTICLE, 100, SHA) is not None  # nothing was loaded whole


def test_a_copied_database_reads_the_first_annotations_alone_once_listed(tmp_path: Path) -> None:
    with AnnotationStore(tmp_path / "a") as store:
        store.put_many(ARTICLE, made(random.Random(8), 40))
        store.compact(ARTICLE)
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    with AnnotationStore(tmp_path / "b") as store:
        assert store.first_annotations(ARTICLE, 100, SHA) is None  # another inode: not trusted yet
    with reopened(tmp_path / "b") as store:
        assert store.first_annotations(ARTICLE, 100, SHA) is not None
