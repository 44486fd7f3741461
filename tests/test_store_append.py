"""`reader annotate`'s quick save (reader.store.append): the store's own record, line and index, and the
ordinary way whenever the database is not in the plain case (nothing of anyone's is ever cut or lost)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reader.cli.annotate as annotate_command
from reader.cli import main
from reader.store import AnnotationStore, make_annotation
from reader.store import append as quick
from reader.store.changes import Op, encode
from reader.workspace import Workspace

SEED = "001_8eaa32b1d9703bf4.txt"


@pytest.fixture
def ordinary(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the saves that took the ordinary way (through a workspace)."""
    taken: list[str] = []
    real = annotate_command.workspace

    def spy(args: object) -> Workspace:
        taken.append("workspace")
        return real(args)  # type: ignore[arg-type]

    monkeypatch.setattr(annotate_command, "workspace", spy)
    return taken


def _annotate(seeds: Path, db: Path, start: int, end: int, *tags: str) -> int:
    argv = [
        "--articles",
        str(seeds),
        "--db",
        str(db),
        "annotate",
        SEED,
        "--start",
        str(start),
        "--end",
        str(end),
    ]
    for tag in tags or ("甲",):
        argv += ["--tag", tag]
    return main(argv)


def _log(db: Path, coder: str = "tester") -> Path:
    with AnnotationStore(db, coder=coder) as store:
        return store.file_for(SEED).with_suffix(".log")


def test_a_quick_save_is_the_stores_own_record_line_and_index(seeds_dir, db_dir, ordinary, capsys) -> None:
    assert _annotate(seeds_dir, db_dir, 0, 2) == 0  # a new folder: the ordinary way sets it up
    assert ordinary == ["workspace"]
    assert _annotate(seeds_dir, db_dir, 3, 9, "框架/经济", "  来源 ") == 0
    assert ordinary == ["workspace"]  # the second took the quick way
    quick_id = capsys.readouterr().out.split()[-1]

    ws = Workspace(seeds_dir, db_dir)
    article = ws.load(SEED)
    saved = ws.store.get(SEED, quick_id)
    assert saved is not None
    expected = make_annotation(article, 3, 9, tags=["框架/经济", "来源"])
    differs = {
        name for name, value in vars(saved).items() if value != getattr(expected, name, None)
    }  # what is new each time
    assert differs <= {"id", "created", "modified"} and saved.created == saved.modified
    assert saved.quote == article.text[3:9] and ws.creator_of(saved) == "tester"

    last = _log(db_dir).read_bytes().splitlines(keepends=True)[-1]
    record = json.loads(last)["put"]
    assert last == encode(Op("put", json.loads(last)["seq"], record, record["id"], None))  # orjson's bytes

    with AnnotationStore(db_dir, coder="tester") as fresh:  # counts from the index the quick save wrote
        assert fresh.counts() == {SEED: 2}
        assert fresh.tags() == {"甲": 1, "框架/经济": 1, "来源": 1}
        assert [a.id for a in fresh.for_article(SEED)][-1] == quick_id


def test_another_processs_appends_the_index_has_not_followed_are_kept(seeds_dir, db_dir, ordinary) -> None:
    assert _annotate(seeds_dir, db_dir, 0, 2) == 0
    app = Workspace(seeds_dir, db_dir)  # like the app after reading the article: an append the index (a
    made = app.store.add(make_annotation(app.load(SEED), 5, 8, tags=["乙"]))  # cache) follows at close
    assert _annotate(seeds_dir, db_dir, 10, 12) == 0
    assert ordinary == ["workspace", "workspace"]  # the log has lines the index does not know
    with AnnotationStore(db_dir, coder="tester") as store:
        assert len(store.for_article(SEED)) == 3 and store.get(SEED, made.id) == made
    assert _annotate(seeds_dir, db_dir, 12, 14) == 0
    assert ordinary == ["workspace", "workspace"]  # and the index is right again: quick


def test_a_torn_last_line_is_cut_by_the_ordinary_way(seeds_dir, db_dir, ordinary) -> None:
    assert _annotate(seeds_dir, db_dir, 0, 2) == 0
    with _log(db_dir).open("ab") as log:
        log.write(b'{"seq": 99, "put": {"id": "torn')  # a writer killed mid-line: never acknowledged
    assert _annotate(seeds_dir, db_dir, 3, 5) == 0
    assert ordinary == ["workspace", "workspace"]
    assert b"torn" not in _log(db_dir).read_bytes()
    with AnnotationStore(db_dir, coder="tester") as store:
        assert len(store.for_article(SEED)) == 2


def test_an_interrupted_change_is_left_to_the_store(seeds_dir, db_dir, ordinary, capsys) -> None:
    assert _annotate(seeds_dir, db_dir, 0, 2) == 0
    before = _log(db_dir).read_bytes()
    (db_dir / "local" / "journal.json").write_text("{}", encoding="utf-8")  # damaged: the store says so
    assert _annotate(seeds_dir, db_dir, 3, 5) == 2
    assert ordinary == ["workspace", "workspace"] and "journal" in capsys.readouterr().err
    assert _log(db_dir).read_bytes() == before


def test_the_coder_comes_from_the_option_the_environment_or_the_setting(
    seeds_dir, db_dir, ordinary, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _annotate(seeds_dir, db_dir, 0, 2) == 0
    monkeypatch.setenv("READER_CODER", "Ann Lee")  # a coder without a folder yet: the store claims one
    assert _annotate(seeds_dir, db_dir, 2, 4) == 0
    assert _annotate(seeds_dir, db_dir, 4, 6) == 0
    assert ordinary == ["workspace", "workspace"]
    monkeypatch.delenv("READER_CODER")
    assert main(["--db", str(db_dir), "config", "coder", "Ann Lee"]) == 0
    assert _annotate(seeds_dir, db_dir, 6, 8) == 0  # the setting: the same folder, quick
    assert ordinary == ["workspace", "workspace"]
    settings_file = db_dir / "local" / "settings.json"
    settings_file.write_text('{"coder": "\\u001b[31m"}', encoding="utf-8")  # not a name: the store decides
    assert _annotate(seeds_dir, db_dir, 8, 10) == 0
    assert ordinary == ["workspace", "workspace", "workspace"]
    with AnnotationStore(db_dir) as store:
        mine = {a.start: a.creator or "tester" for a in store.for_article(SEED)}
    assert mine[0] == "tester" and mine[2] == mine[4] == mine[6] == "Ann Lee"


def test_a_quick_save_that_makes_the_log_outgrow_its_snapshot_compacts_it(
    seeds_dir, db_dir, ordinary, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _annotate(seeds_dir, db_dir, 0, 2) == 0
    monkeypatch.setattr(quick, "MIN_COMPACT_BYTES", 1)
    assert _annotate(seeds_dir, db_dir, 3, 5) == 0
    assert ordinary == ["workspace"]
    assert len(_log(db_dir).read_bytes().splitlines()) == 1  # only the header after a new snapshot
    with AnnotationStore(db_dir, coder="tester") as store:
        assert [a.start for a in store.for_article(SEED)] == [0, 3] and store.counts() == {SEED: 2}


def test_mistakes_take_the_ordinary_way_and_say_what_is_wrong(seeds_dir, db_dir, ordinary, capsys) -> None:
    assert _annotate(seeds_dir, db_dir, 0, 2) == 0
    assert _annotate(seeds_dir, db_dir, 9, 3) == 2
    assert "is not a passage" in capsys.readouterr().err
    assert _annotate(seeds_dir, db_dir, 1, 2, "a//b") == 2
    assert "empty part" in capsys.readouterr().err
    assert ordinary == ["workspace"] * 3


# -- the pieces


_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


@settings(max_examples=200, deadline=None)
@given(
    seq=st.integers(1, 2**53),
    fields=st.fixed_dictionaries({"quote": _text, "note": _text, "article_id": _text}),
    tags=st.lists(_text, max_size=4),
)
def test_the_quick_line_is_the_stores_line_byte_for_byte(seq: int, fields: dict, tags: list[str]) -> None:
    record = {"id": quick.new_id(), **fields, "start": 0, "end": 1, "tags": tags}
    assert quick.put_line(seq, record) == encode(Op("put", seq, record, record["id"], None))


def test_ids_are_uuid4_and_times_are_utc_iso_with_microseconds() -> None:
    ids = {quick.new_id() for _ in range(200)}
    assert len(ids) == 200
    for made in ids:
        assert uuid.UUID(made).version == 4 and str(uuid.UUID(made)) == made
    stamp = quick.now_iso()
    parsed = datetime.fromisoformat(stamp)
    assert parsed.tzinfo == UTC and abs((datetime.now(UTC) - parsed).total_seconds()) < 5
    assert stamp == parsed.isoformat(timespec="microseconds")
