"""Reading an article's annotations fast: snapshots in document order, records wrapped, not copied.

Whatever the shortcut, an article's annotations come back exactly as stored and in document order
(start, end, created): after other saves, edits that move an annotation, deletions, another process's
changes, a snapshot written by an older version (any order) or edited by hand.
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from _fake_article import fake_article
from reader.store import Annotation, AnnotationStore, make_annotation
from reader.store.records import DOCUMENT_ORDER
from reader.store.snapshot import in_document_order

TEXT = "学而时习之，不亦说乎？有朋自远方来，不亦乐乎？人不知而不愠，不亦君子乎？" * 4
ARTICLE_ID = "论语/学而.txt"


ART = fake_article(ARTICLE_ID, TEXT)


def made(rng: random.Random, n: int) -> list[Annotation]:
    out = []
    for _ in range(n):
        start = rng.randrange(len(TEXT) - 5)
        out.append(make_annotation(ART, start, start + rng.randint(1, 4), tags=[rng.choice("甲乙丙")]))
    return out


def in_order(annotations: list[Annotation]) -> bool:
    keys = [(a.start, a.end, a.created) for a in annotations]
    return keys == sorted(keys)


def as_stored(annotations: list[Annotation]) -> set[Annotation]:
    return set(annotations)


def test_a_compacted_snapshot_is_written_in_document_order(tmp_path: Path) -> None:
    rng = random.Random(1)
    with AnnotationStore(tmp_path / "db") as store:
        store.put_many(ARTICLE_ID, made(rng, 300))
        store.compact(ARTICLE_ID)
        records = orjson.loads(store.file_for(ARTICLE_ID).read_bytes())["annotations"]
    keys = [(r["start"], r["end"], r["created"]) for r in records.values()]
    assert keys == sorted(keys) and len(keys) == 300


def test_a_compacted_snapshot_holds_one_annotation_per_line(tmp_path: Path) -> None:
    """A snapshot synced through git (a coder's folder): a changed annotation is one changed line, and a
    note with JSON-like text or a line break stays inside its own line."""
    rng = random.Random(6)
    tricky = replace(made(rng, 1)[0], note='第一行\n},\n"x":{')
    with AnnotationStore(tmp_path / "db") as store:
        store.put_many(ARTICLE_ID, [*made(rng, 20), tricky])
        store.compact(ARTICLE_ID)
        path = store.file_for(ARTICLE_ID)
        before = path.read_text(encoding="utf-8").splitlines()
        edited = replace(store.for_article(ARTICLE_ID)[7], note="改了")
        store.put_many(ARTICLE_ID, [edited])
        store.compact(ARTICLE_ID)
        after = path.read_text(encoding="utf-8").splitlines()
        got = {a.id: a for a in store.for_article(ARTICLE_ID)}
    assert len(before) == len(after) == 21 + 2  # a line per annotation, the header and the closing line
    changed = [n for n, (old, new) in enumerate(zip(before, after, strict=True)) if old != new]
    assert changed == [0, 8]  # the header's change count, and the annotation edited
    assert orjson.loads(after[8].rstrip(",").split(":", 1)[1])["note"] == "改了"
    assert got[tricky.id].note == tricky.note and got[edited.id] == edited


def test_a_new_process_gets_document_order_after_moves_adds_and_deletes(tmp_path: Path) -> None:
    rng = random.Random(2)
    folder = tmp_path / "db"
    with AnnotationStore(folder) as store:
        store.put_many(ARTICLE_ID, made(rng, 400))
        store.compact(ARTICLE_ID)
        store.counts()  # the index remembers the snapshot as checked (and in order)
    with AnnotationStore(folder) as other:  # another copy of reader edits without compacting
        stored = other.for_article(ARTICLE_ID)
        moved = [replace(a, start=(a.start + 37) % 100, end=(a.start + 37) % 100 + 2) for a in stored[:40]]
        other.put_many(ARTICLE_ID, [*moved, *made(rng, 30)], remove=[a.id for a in stored[200:220]])
        expected = as_stored(other.for_article(ARTICLE_ID))
    with AnnotationStore(folder) as fresh:
        got = fresh.for_article(ARTICLE_ID)
        assert in_order(got) and as_stored(got) == expected and len(got) == 410
        assert [r["id"] for r in fresh.records(ARTICLE_ID)] == [a.id for a in got]


def test_a_snapshot_in_any_order_is_still_read_in_document_order(tmp_path: Path) -> None:
    """A snapshot written by an older version (in the order annotations were made), or edited by hand."""
    rng = random.Random(3)
    folder = tmp_path / "db"
    with AnnotationStore(folder) as store:
        store.put_many(ARTICLE_ID, made(rng, 200))
        store.compact(ARTICLE_ID)
        expected = as_stored(store.for_article(ARTICLE_ID))
        path = store.file_for(ARTICLE_ID)
    data = orjson.loads(path.read_bytes())
    shuffled = list(data["annotations"].items())
    rng.shuffle(shuffled)
    data["annotations"] = dict(shuffled)
    path.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))
    for _ in range(2):  # checked the first time, trusted (same file) the second
        with AnnotationStore(folder) as fresh:
            got = fresh.for_article(ARTICLE_ID)
            fresh.counts()
        assert in_order(got) and as_stored(got) == expected


def test_annotations_read_are_the_stored_ones_with_their_defaults(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    original = made(random.Random(4), 3)
    with AnnotationStore(folder) as store:
        store.put_many(ARTICLE_ID, original)
        store.compact(ARTICLE_ID)
        path = store.file_for(ARTICLE_ID)
    data = orjson.loads(path.read_bytes())
    for record in data["annotations"].values():
        del record["status"]  # written before the field existed
    path.write_bytes(orjson.dumps(data))
    with AnnotationStore(folder) as fresh:
        got = fresh.for_article(ARTICLE_ID)
        assert sorted(got, key=lambda a: a.id) == sorted(original, key=lambda a: a.id)
        assert all(a.status == "anchored" and isinstance(a.tags, tuple) for a in got)
        assert len({hash(a) for a in got}) == 3  # hashable, as frozen dataclasses are
        assert got[0].to_dict()["tags"] == list(got[0].tags)


def test_saving_annotations_unchanged_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    with AnnotationStore(folder) as store:
        store.put_many(ARTICLE_ID, made(random.Random(5), 50))
        store.compact(ARTICLE_ID)
        log = store.file_for(ARTICLE_ID).with_suffix(".log")
        size = log.stat().st_size
    with AnnotationStore(folder) as fresh:
        got = fresh.for_article(ARTICLE_ID)
        assert fresh.put_many(ARTICLE_ID, got) == got
        fresh.put_many(ARTICLE_ID, [replace(a, tags=list(a.tags)) for a in got])  # type: ignore[arg-type]
    assert log.stat().st_size == size


positions = st.tuples(st.integers(0, 30), st.integers(0, 5), st.sampled_from(["a", "b", "c"]))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(positions, max_size=60),
    st.lists(st.tuples(st.integers(0, 80), positions | st.none()), max_size=30),
)
def test_merging_the_changed_records_gives_what_a_full_sort_gives(base, changes) -> None:
    def record(key: str, pos: tuple[int, int, str]) -> dict:
        return {"id": key, "start": pos[0], "end": pos[0] + pos[1], "created": pos[2]}

    docs = {f"r{n}": record(f"r{n}", pos) for n, pos in enumerate(sorted(base))}
    changed = set()
    for n, pos in changes:  # a put (of an existing or a new id) or a delete
        key = f"r{n}"
        if pos is None:
            docs.pop(key, None)
        else:
            docs[key] = record(key, pos)
            changed.add(key)
    got = in_document_order(docs, True, changed)
    assert [DOCUMENT_ORDER(r) for r in got] == sorted(map(DOCUMENT_ORDER, docs.values()))
    assert sorted(r["id"] for r in got) == sorted(docs)


# -- a big snapshot is parsed a piece at a time (the UI thread runs between pieces) ---------------------


def _records(rng: random.Random, n: int) -> dict[str, dict]:
    article = fake_article(ARTICLE_ID, TEXT)
    made = []
    for _ in range(n):
        start = rng.randrange(len(TEXT) - 5)
        made.append(
            make_annotation(article, start, start + rng.randint(1, 4), tags=["一", "二"][: rng.randint(0, 2)])
        )
    return {a.id: a.to_dict() for a in made}


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    n=st.integers(0, 40),
    piece=st.integers(1, 3000),
    damage=st.integers(-1, 10**6),
)
def test_a_snapshot_read_in_pieces_is_read_exactly_as_whole(
    seed: int, n: int, piece: int, damage: int
) -> None:
    import reader.store.snapshot as snapshot

    raw = snapshot.snapshot_bytes(ARTICLE_ID, 7, _records(random.Random(seed), n))[0]
    if damage >= 0:  # one byte gone: a comma, a quote, a brace, a newline...
        at = damage % len(raw)
        raw = raw[:at] + raw[at + 1 :]
    old = snapshot.PIECE_BYTES
    snapshot.PIECE_BYTES = piece  # small pieces: many boundaries (and the size check lets them all in)
    try:
        try:
            whole = orjson.loads(raw)
        except orjson.JSONDecodeError:
            whole = None
        try:
            pieces = snapshot._loads(raw)
        except orjson.JSONDecodeError:
            pieces = None
    finally:
        snapshot.PIECE_BYTES = old
    assert pieces == whole


def test_a_hand_edited_snapshot_read_in_pieces_gives_the_whole_s_result_or_error() -> None:
    """A record over two lines (valid JSON, not the compact layout) and a damaged record far down: the
    pieces' reading falls back to the whole, so the file is read, or refused naming the right place."""
    import reader.store.snapshot as snapshot

    raw = snapshot.snapshot_bytes(ARTICLE_ID, 7, _records(random.Random(5), 30))[0]
    lines = raw.split(b"\n")
    two_lines = b"\n".join([*lines[:10], lines[10].replace(b',"end":', b',\n"end":'), *lines[11:]])
    damaged = b"\n".join([*lines[:25], lines[25].replace(b'"end":', b'"end":,'), *lines[26:]])
    old = snapshot.PIECE_BYTES
    snapshot.PIECE_BYTES = 200
    try:
        assert snapshot._loads(two_lines) == orjson.loads(two_lines)
        try:
            orjson.loads(damaged)
        except orjson.JSONDecodeError as whole:
            expected = str(whole)
        try:
            snapshot._loads(damaged)
        except orjson.JSONDecodeError as pieces:
            assert str(pieces) == expected
        else:
            raise AssertionError("a damaged snapshot was read")
    finally:
        snapshot.PIECE_BYTES = old
