"""`reader import`: round trips, idempotence, "newer wins", re-anchoring, orphans, all-or-nothing errors."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _export_fixtures import HOSTILE_NOTE, HOSTILE_TAGS, OTHER, SIMP, TRAD, change_article, make_annotations
from reader.errors import UsageError
from reader.export import build_export, render_bytes
from reader.importer import detect, import_file
from reader.schema import SchemaViolation, check_export, export_schema
from reader.timestamps import EARLIEST, is_date_time, parse_date_time
from reader.workspace import Workspace


def export_file(workspace: Workspace, path: Path, fmt: str, view: str = "original") -> dict[str, Any]:
    data = build_export(workspace, view)
    path.write_bytes(render_bytes(data, fmt))
    return data


def comparable(data: dict[str, Any]) -> dict[str, Any]:
    """An export without its timestamp."""
    return {k: v for k, v in data.items() if k != "exported_at"}


def db_bytes(folder: Path) -> dict[str, bytes]:
    """Every article file (snapshots and change logs) of a database, by name."""
    articles = folder / "articles"
    if not articles.is_dir():
        return {}
    return {p.name: p.read_bytes() for p in sorted(articles.iterdir()) if p.suffix in (".json", ".log")}


@pytest.fixture
def made(workspace):
    return make_annotations(workspace)


@pytest.fixture
def fresh(seeds_dir, tmp_path) -> Workspace:
    """The same articles, an empty database."""
    return Workspace(seeds_dir, tmp_path / "db-fresh")


# -- round trips -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "w3c"])
@pytest.mark.parametrize("view", ["original", "taiwan"])
def test_round_trip_through_an_empty_database(workspace, made, fresh, tmp_path, fmt, view):
    before = export_file(workspace, tmp_path / f"out.{fmt}", fmt, view)
    report = import_file(fresh, tmp_path / f"out.{fmt}")
    assert (report.added, report.updated, report.unchanged, report.reanchored, report.orphaned) == (
        4,
        0,
        0,
        0,
        0,
    )
    after = build_export(fresh, view)
    assert comparable(after) == comparable(before)
    hostile = next(a for a in after["annotations"] if a["id"] == made["hostile"].id)
    assert hostile["note"] == HOSTILE_NOTE and hostile["tags"] == HOSTILE_TAGS


def test_w3c_round_trip_gives_the_same_w3c(workspace, made, fresh, tmp_path):
    export_file(workspace, tmp_path / "a.jsonld", "w3c")
    import_file(fresh, tmp_path / "a.jsonld")
    export_file(fresh, tmp_path / "b.jsonld", "w3c")
    a, b = (orjson.loads((tmp_path / name).read_bytes()) for name in ("a.jsonld", "b.jsonld"))
    assert a["first"]["items"] == b["first"]["items"]
    assert a["reader:articles"] == b["reader:articles"]


def test_round_trip_keeps_reanchored_and_orphaned_annotations(workspace, made, fresh, seeds_dir, tmp_path):
    change_article(seeds_dir, OTHER, insert="编者按：本文有改动。\n")
    change_article(seeds_dir, TRAD, remove=made["hostile"].quote)
    before = export_file(workspace, tmp_path / "out.json", "json")
    statuses = {a["id"]: a["status"] for a in before["annotations"]}
    assert statuses[made["other"].id] == "reanchored" and statuses[made["hostile"].id] == "orphan"
    report = import_file(fresh, tmp_path / "out.json")
    assert (report.added, report.reanchored, report.orphaned) == (4, 0, 1)
    assert [o.annotation_id for o in report.orphans] == [made["hostile"].id]
    assert comparable(build_export(fresh)) == comparable(before)


# -- idempotence and "newer wins" ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "w3c"])
def test_importing_twice_changes_nothing(workspace, made, fresh, tmp_path, fmt):
    export_file(workspace, tmp_path / "out", fmt)
    import_file(fresh, tmp_path / "out")
    files = db_bytes(fresh.store.path)
    report = import_file(fresh, tmp_path / "out")
    assert (report.added, report.updated, report.unchanged) == (0, 0, 4)
    assert db_bytes(fresh.store.path) == files
    # and into the database it came from
    report = import_file(workspace, tmp_path / "out")
    assert (report.added, report.updated, report.unchanged) == (0, 0, 4)


def test_a_known_annotation_is_updated_only_if_newer(workspace, made, tmp_path):
    data = export_file(workspace, tmp_path / "out.json", "json")
    newer = copy.deepcopy(data)
    by_id = {a["id"]: a for a in newer["annotations"]}
    by_id[made["blue"].id].update(note="edited elsewhere", modified="2099-01-01T00:00:00+00:00", tags=["改"])
    by_id[made["plain"].id].update(note="stale edit", modified="2000-01-01T00:00:00+00:00")
    by_id[made["other"].id].update(note="same time, different note")
    (tmp_path / "newer.json").write_bytes(orjson.dumps(newer))
    report = import_file(workspace, tmp_path / "newer.json")
    assert (report.added, report.updated, report.unchanged) == (0, 1, 3)
    assert workspace.store.get(SIMP, made["blue"].id).note == "edited elsewhere"
    assert workspace.store.get(SIMP, made["blue"].id).tags == ("改",)
    assert workspace.store.get(SIMP, made["plain"].id).note == ""
    assert workspace.store.get(OTHER, made["other"].id).note == made["other"].note


def test_timestamps_are_compared_as_times_not_strings(workspace, made, tmp_path):
    data = export_file(workspace, tmp_path / "out.json", "json")
    item = next(a for a in data["annotations"] if a["id"] == made["blue"].id)
    stored = parse_date_time(item["modified"])
    # one hour later, written in another time zone (lexically smaller than the stored string)
    later = stored.astimezone(timezone(timedelta(hours=-5))) + timedelta(hours=1)
    item["modified"] = later.isoformat()
    assert item["modified"] < made["blue"].modified  # as strings it looks older
    item["note"] = "later"
    (tmp_path / "tz.json").write_bytes(orjson.dumps(data))
    report = import_file(workspace, tmp_path / "tz.json")
    assert report.updated == 1 and workspace.store.get(SIMP, made["blue"].id).note == "later"


def test_an_annotation_moved_to_another_article_leaves_the_old_one(workspace, made, tmp_path):
    data = export_file(workspace, tmp_path / "out.json", "json")
    item = next(a for a in data["annotations"] if a["id"] == made["plain"].id)
    item.update(article_id=OTHER, modified="2099-01-01T00:00:00+00:00")
    (tmp_path / "moved.json").write_bytes(orjson.dumps(data))
    report = import_file(workspace, tmp_path / "moved.json")
    assert report.updated == 1
    assert workspace.store.get(SIMP, made["plain"].id) is None
    moved = workspace.store.get(OTHER, made["plain"].id)
    assert moved is not None and moved.status in ("reanchored", "orphan")  # anchored in its new article
    assert sum(workspace.store.counts().values()) == 4


# -- anchoring against the article as it is now ------------------------------------------------------------


def test_import_reanchors_against_the_current_text(workspace, made, fresh, seeds_dir, tmp_path):
    export_file(workspace, tmp_path / "out.json", "json")
    shift = "编者按：本文有改动。\n"
    change_article(seeds_dir, OTHER, insert=shift)
    change_article(seeds_dir, TRAD, remove=made["hostile"].quote)
    report = import_file(fresh, tmp_path / "out.json")
    assert (report.added, report.reanchored, report.orphaned) == (4, 1, 1)
    moved = fresh.store.get(OTHER, made["other"].id)
    assert (moved.start, moved.end, moved.status) == (
        made["other"].start + len(shift),
        made["other"].end + len(shift),
        "reanchored",
    )
    assert moved.quote == made["other"].quote and moved.article_sha256 == fresh.load(OTHER).sha256
    orphan = fresh.store.get(TRAD, made["hostile"].id)
    assert orphan.status == "orphan" and orphan.note == HOSTILE_NOTE  # kept, not dropped
    (o,) = report.orphans
    assert (o.article_id, o.annotation_id, o.reason) == (
        TRAD,
        made["hostile"].id,
        "its passage is no longer in the article",
    )
    lines = report.lines()
    assert "4 added, 0 updated, 0 unchanged; 1 re-anchored, 1 orphaned" in lines[0]
    assert made["hostile"].id in lines[1] and "\n" not in "".join(lines)


def test_annotations_of_an_article_not_in_the_library_are_kept_as_orphans(
    workspace, made, fresh, seeds_dir, tmp_path
):
    export_file(workspace, tmp_path / "out.json", "json")
    (seeds_dir / OTHER).unlink()
    report = import_file(fresh, tmp_path / "out.json")
    assert report.orphaned == 1 and report.orphans[0].reason == "its article is not in the library"
    assert fresh.store.get(OTHER, made["other"].id).status == "orphan"


def test_many_orphans_are_summarised(workspace, made, fresh, tmp_path):
    data = export_file(workspace, tmp_path / "out.json", "json")
    template = data["annotations"][0]
    data["annotations"] = [
        {**template, "id": f"00000000-0000-4000-8000-{i:012d}", "article_id": "gone.txt"} for i in range(30)
    ]
    (tmp_path / "many.json").write_bytes(orjson.dumps(data))
    report = import_file(fresh, tmp_path / "many.json")
    lines = report.lines(limit=5)
    assert report.orphaned == 30 and len(lines) == 1 + 5 + 1 and "25 more" in lines[-1]


# -- all or nothing ---------------------------------------------------------------------------------------


def _set(path: list[Any], value: Any):
    def mutate(doc):
        node = doc
        for key in path[:-1]:
            node = node[key]
        if value is KeyError:
            del node[path[-1]]
        else:
            node[path[-1]] = value
        return doc

    return mutate


def _duplicate_first(doc):
    doc["annotations"][1]["id"] = doc["annotations"][0]["id"]
    return doc


JSON_PROBLEMS = [
    (_set(["schema_version"], 2), "at schema_version: unknown schema version 2"),
    (_set(["format"], "something-else"), "at format:"),
    (_set(["annotations", 1, "start"], -1), "at annotations[1].start: -1 is less than the minimum 0"),
    (_set(["annotations", 2, "end"], 0), "at annotations[2].end"),
    (_set(["annotations", 0, "tags"], "x"), "at annotations[0].tags: expected a list"),
    (_set(["annotations", 0, "tags"], ["a", "a"]), "at annotations[0].tags: has duplicate entries"),
    (
        _set(["annotations", 3, "created"], "yesterday"),
        "at annotations[3].created: 'yesterday' is not a valid date-time",
    ),
    (
        _set(["annotations", 3, "modified"], "2026-01-01T00:00:00"),
        "at annotations[3].modified",
    ),  # no time zone
    (_set(["annotations", 0, "bogus"], 1), "at annotations[0].bogus: unexpected field"),
    (_set(["annotations", 0, "quote"], KeyError), "at annotations[0]: the field 'quote' is missing"),
    (_set(["annotations", 0, "id"], "not-a-uuid"), "at annotations[0].id"),
    (_set(["annotations", 0, "status"], "lost"), "at annotations[0].status"),
    (_set(["annotations", 1, "color"], "mauve"), "at annotations[1].color: unknown colour 'mauve'"),
    (_duplicate_first, "at annotations[1].id: annotation"),
    (_set(["view"], "klingon"), "at view"),
]


@pytest.mark.parametrize(("mutate", "expected"), JSON_PROBLEMS)
def test_a_bad_json_file_is_one_clear_error_and_nothing_is_written(
    workspace, made, fresh, tmp_path, mutate, expected
):
    data = export_file(workspace, tmp_path / "out.json", "json")
    data["annotations"].sort(key=lambda a: a["start"])  # end of [2] made smaller than its start
    bad = tmp_path / "bad.json"
    bad.write_bytes(orjson.dumps(mutate(data)))
    with pytest.raises(UsageError) as info:
        import_file(fresh, bad)
    message = str(info.value)
    assert (
        message.startswith(f"{bad} at ") and expected in message and message.endswith("nothing was imported")
    )
    assert "\n" not in message
    assert db_bytes(fresh.store.path) == {}


def _w3c_first_item(fn):
    def mutate(doc):
        fn(doc["first"]["items"][0])
        return doc

    return mutate


ITEM = ["first", "items", 0]
W3C_PROBLEMS = [
    (
        _set(["first", "items", 0, "target", "selector", 1, "start"], -5),
        "at first.items[0].target.selector[1].start",
    ),
    (
        _set(["first", "items", 0, "target", "selector", 1, "end"], True),
        "at first.items[0].target.selector[1].end",
    ),
    (
        _w3c_first_item(lambda a: a["target"]["selector"].pop(0)),
        "at first.items[0].target.selector: needs both",
    ),
    (_set(["first", "items", 1, "id"], ""), "at first.items[1].id: an annotation needs an IRI"),
    (_set(["first", "items", 1, "id"], 7), "at first.items[1].id: expected a string"),
    (
        _set(["first", "items", 0, "target", "reader:sourceSha256"], "abc"),
        "at first.items[0].target.reader:sourceSha256",
    ),
    (_set(["first", "items", 0, "body", 0, "purpose"], "describing"), "at first.items[0].body[0].purpose"),
    (_set(["first", "items", 0, "body", 0, "type"], "Image"), "at first.items[0].body[0]: only TextualBody"),
    (
        _set(["first", "items", 0, "target", "source"], "https://example.com/a.html"),
        "at first.items[0].target.source",
    ),
    (_set(["first", "items", 0, "@context"], "http://example.com/ctx"), "at first.items[0].@context"),
    (_set(["first", "items", 0, "type"], "Note"), "at first.items[0].type"),
    (_set(["first", "items", 0, "created"], "2026-13-01T00:00:00Z"), "at first.items[0].created"),
    (_set(["first", "items", 0, "reader:color"], "Blue "), "at first.items[0].reader:color"),
    (_set(["first", "items", 0, "reader:status"], "lost"), "at first.items[0].reader:status"),
    (_set(["first", "items", 0, "motivation"], "liking"), "at first.items[0].motivation"),
    (_set(["reader:schemaVersion"], 9), "at reader:schemaVersion: unknown schema version 9"),
    (_set(["first"], "urn:uuid:00000000-0000-4000-8000-000000000000"), "at first: pages linked by IRI"),
]


@pytest.mark.parametrize(("mutate", "expected"), W3C_PROBLEMS)
def test_a_bad_w3c_file_is_one_clear_error_and_nothing_is_written(
    workspace, made, fresh, tmp_path, mutate, expected
):
    export_file(workspace, tmp_path / "out.jsonld", "w3c")
    doc = orjson.loads((tmp_path / "out.jsonld").read_bytes())
    bad = tmp_path / "bad.jsonld"
    bad.write_bytes(orjson.dumps(mutate(doc)))
    with pytest.raises(UsageError) as info:
        import_file(fresh, bad)
    message = str(info.value)
    assert message.startswith(f"{bad} ") and expected in message and message.endswith("nothing was imported")
    assert db_bytes(fresh.store.path) == {}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"format": "reader-export", "annotations": [', "not valid JSON"),
        (b"", "not valid JSON"),
        (b"\xff\xfe{}", "not valid JSON"),
        (b'{"hello": "world"}', "neither a reader JSON export"),
        (b'"just a string"', "neither a reader JSON export"),
        (b'{"a": "\\udcff"}', "not valid JSON"),  # a lone surrogate
        (b"\xef\xbb\xbfid,article_id,article_title\r\n", "a CSV or Markdown export cannot be imported"),
        (b"# Annotations\n\n0 passages", "a CSV or Markdown export cannot be imported"),
    ],
)
def test_files_that_are_not_exports(fresh, tmp_path, content, expected):
    path = tmp_path / "x.json"
    path.write_bytes(content)
    with pytest.raises(UsageError, match=expected):
        import_file(fresh, path)
    assert db_bytes(fresh.store.path) == {}


def test_other_w3c_shapes_are_read(workspace, made, fresh, tmp_path):
    export_file(workspace, tmp_path / "out.jsonld", "w3c")
    doc = orjson.loads((tmp_path / "out.jsonld").read_bytes())
    items = doc["first"]["items"]
    (tmp_path / "list.jsonld").write_bytes(orjson.dumps(items))
    assert import_file(fresh, tmp_path / "list.jsonld").added == 4
    page = {
        **doc["first"],
        "@context": doc["@context"],
        "items": [{k: v for k, v in items[0].items() if k != "@context"}],
    }
    (tmp_path / "page.jsonld").write_bytes(orjson.dumps(page))
    assert import_file(fresh, tmp_path / "page.jsonld").unchanged == 1
    (tmp_path / "one.jsonld").write_bytes(orjson.dumps(items[1]))
    assert import_file(fresh, tmp_path / "one.jsonld").unchanged == 1
    assert detect(items) == "w3c" and detect({"format": "reader-export"}) == "json" and detect(3) is None


def test_a_minimal_w3c_annotation_gets_defaults(workspace, fresh, tmp_path):
    article = fresh.load(SIMP)
    start = article.text.index("字节跳动")
    doc = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": "urn:uuid:6A1C2F6E-52C1-4A39-9F7B-2A0C3D4E5F60",
        "type": "Annotation",
        "created": "2026-01-31T12:00:00Z",
        "modified": "2026-01-31T12:00:00Z",
        "body": {"type": "TextualBody", "purpose": "tagging", "value": "公司"},
        "target": {
            "source": f"urn:reader:article:{SIMP}",
            "selector": [
                {"type": "TextPositionSelector", "start": start, "end": start + 4},
                {"type": "TextQuoteSelector", "exact": "字节跳动"},
                {"type": "FragmentSelector", "value": "ignored alternative"},
            ],
            "styleClass": "reader-color-2a4f8a",
        },
    }
    (tmp_path / "min.jsonld").write_bytes(orjson.dumps(doc))
    report = import_file(fresh, tmp_path / "min.jsonld")
    assert report.added == 1 and report.orphaned == 0
    (stored,) = fresh.store.for_article(SIMP)
    assert stored.id == "6a1c2f6e-52c1-4a39-9f7b-2a0c3d4e5f60"
    assert (stored.tags, stored.color, stored.view, stored.status) == (
        ("公司",),
        "#2a4f8a",
        "original",
        "anchored",
    )
    assert stored.article_sha256 == article.sha256  # anchored against the current text


def test_a_damaged_database_file_stops_the_import_before_writing(workspace, made, fresh, tmp_path):
    from reader.errors import StoreCorruptError

    export_file(workspace, tmp_path / "out.json", "json")
    import_file(fresh, tmp_path / "out.json")
    damaged = fresh.store.file_for(SIMP)
    damaged.write_bytes(b"{broken")
    before = db_bytes(fresh.store.path)
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    for a in data["annotations"]:
        a["modified"] = "2099-01-01T00:00:00+00:00"
    (tmp_path / "newer.json").write_bytes(orjson.dumps(data))
    with pytest.raises(StoreCorruptError, match=damaged.name):
        import_file(fresh, tmp_path / "newer.json")
    assert db_bytes(fresh.store.path) == before


# -- the schema check (jsonschema-rs) agrees with jsonschema -------------------------------------------

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)
_interesting = st.sampled_from(
    [
        "",
        "original",
        "orphan",
        "#8a7a1a",
        "0" * 64,
        "2026-01-31T12:00:00Z",
        "2026-01-31T12:00:00",
        "2026-02-30T12:00:00+00:00",
        "6a1c2f6e-52c1-4a39-9f7b-2a0c3d4e5f60",
        "6a1c2f6e-52c1-1a39-9f7b-2a0c3d4e5f60",
        ["a", "a"],
        ["a", ""],
        [],
        3.0,
        -1,
        0,
        True,
    ]
)


def _validator():
    checker = jsonschema.FormatChecker()
    checker.checks("date-time")(is_date_time)
    schema = export_schema()
    return jsonschema.validators.validator_for(schema)(schema, format_checker=checker)


_VALIDATOR = _validator()
_VALID_DOC = {
    "format": "reader-export",
    "schema_version": 1,
    "exported_at": "2026-01-31T12:00:00+00:00",
    "view": "original",
    "articles": [{"id": "a.txt", "title": "t", "sha256": None}],
    "annotations": [
        {
            "id": "6a1c2f6e-52c1-4a39-9f7b-2a0c3d4e5f60",
            "article_id": "a.txt",
            "article_title": "t",
            "article_sha256": "0" * 64,
            "start": 0,
            "end": 2,
            "quote": "ab",
            "prefix": "",
            "suffix": "",
            "text": "ab",
            "tags": ["x"],
            "note": "",
            "color": "",
            "display_color": "#8a7a1a",
            "created": "2026-01-31T12:00:00+00:00",
            "modified": "2026-01-31T12:00:00+00:00",
            "view": "original",
            "status": "anchored",
        }
    ],
}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    where=st.sampled_from(["doc", "article", "annotation"]),
    key=st.sampled_from([*_VALID_DOC["annotations"][0], *_VALID_DOC, "title", "sha256", "error", "extra"]),
    value=_json_values | _interesting,
    delete=st.booleans(),
)
def test_the_schema_check_agrees_with_jsonschema(where, key, value, delete):
    """jsonschema-rs with its own date-time check says what the reference implementation says with ours."""
    doc = copy.deepcopy(_VALID_DOC)
    node = {"doc": doc, "article": doc["articles"][0], "annotation": doc["annotations"][0]}[where]
    if delete:
        node.pop(key, None)
    else:
        node[key] = value
    expected_ok = _VALIDATOR.is_valid(doc)
    try:
        check_export(doc)
        ok = True
    except SchemaViolation as exc:
        ok = False
        assert "\n" not in str(exc)
    assert ok == expected_ok, (where, key, value, delete, list(_VALIDATOR.iter_errors(doc))[:1])


_date_time_like = st.builds(
    "{}-{}-{}{}{}:{}:{}{}{}".format,
    st.sampled_from(["2026", "2024", "0000", "9999", "0001", "２０２６"]),
    st.sampled_from(["01", "02", "12", "13", "00", "1"]),
    st.sampled_from(["01", "28", "29", "30", "31", "32"]),
    st.sampled_from(["T", "t", " ", "x"]),
    st.sampled_from(["00", "23", "24", "15", "2"]),
    st.sampled_from(["00", "59", "60", "5"]),
    st.sampled_from(["00", "59", "60", "61"]),
    st.sampled_from(["", ".5", ".123456", ".1234567891", ".", ",5"]),
    st.sampled_from(
        ["Z", "z", "+00:00", "-00:00", "+05:30", "-01:00", "+23:59", "+24:00", "+0000", "+05:60", ""]
    ),
)


@settings(max_examples=1000, deadline=None)
@given(_date_time_like | st.text(max_size=30))
def test_our_date_times_are_the_schemas(value):
    """W3C import checks times with is_date_time, JSON import with the schema: the same rule."""
    import jsonschema_rs

    schema = jsonschema_rs.validator_for({"format": "date-time"}, validate_formats=True)
    assert is_date_time(value) == schema.is_valid(value), value


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2026-11-23T15:20:00.123456+00:00", True),
        ("2026-11-23T15:20:00Z", True),
        ("2026-11-23T15:20:00.123456789-05:30", True),
        ("2026-11-23T15:20:00", False),
        ("2026-11-23 15:20:00Z", False),
        ("2026-11-23T15:20:00+0000", False),
        ("2026-11-23T15:20:00,5Z", False),
        ("2026-02-30T15:20:00Z", False),
        ("2026-11-23T24:00:00Z", False),
        ("2026-11-23T15:20:00.Z", False),
        ("yesterday", False),
        ("2026-11-23t15:20:00z", True),
        ("2026-12-31T23:59:60Z", True),  # a leap second
        ("2026-12-31T22:59:60-01:00", True),
        ("2026-12-31T22:59:60Z", False),
        ("2026-11-23T15:20:00+05:60", False),
    ],
)
def test_date_times(value, ok):
    assert (parse_date_time(value) is not None) is ok


def test_times_compare_as_instants():
    assert parse_date_time("2026-12-31T23:59:60Z") > parse_date_time("2026-12-31T23:59:59.5Z")
    assert parse_date_time("2027-01-01T00:00:00Z") > parse_date_time("2026-12-31T23:59:60Z")
    assert parse_date_time("2026-01-01T00:00:00+01:00") < parse_date_time("2025-12-31T23:30:00Z")
    assert parse_date_time("0000-06-01T00:00:00Z") == EARLIEST


# -- whatever import accepts, a backup of it imports again --------------------------------------------

_ARTICLE_IDS = st.sampled_from([SIMP, TRAD, OTHER, "gone.txt", "a folder/名字 %.txt"])
_w3c_ids = st.one_of(
    st.uuids().map(lambda u: f"urn:uuid:{u}"),
    st.uuids(version=1).map(lambda u: f"URN:UUID:{str(u).upper()}"),
    st.uuids().map(lambda u: f"urn:uuid:{{{u.hex}}}"),
    st.text(min_size=1, max_size=12).map(lambda t: f"http://example.com/notes/{t}"),
    st.text(min_size=1, max_size=12),
)
_valid_times = st.sampled_from(
    [
        "2026-01-31T12:00:00Z",
        "2026-01-31t12:00:00.5z",
        "2016-12-31T23:59:60Z",
        "2026-06-01T08:00:00.123456789+08:00",
        "0000-01-01T00:00:00-00:00",
    ]
)


@st.composite
def _w3c_annotation(draw):
    start = draw(st.integers(0, 400))
    note = draw(st.none() | st.text(max_size=12))
    bodies = [
        {"type": "TextualBody", "purpose": "tagging", "value": t} for t in draw(st.lists(st.text(max_size=6)))
    ]
    if note is not None:
        bodies.append({"type": "TextualBody", "purpose": "commenting", "value": note})
    target = {
        "source": f"urn:reader:article:{quote(draw(_ARTICLE_IDS))}",
        "selector": [
            {"type": "TextPositionSelector", "start": start, "end": start + draw(st.integers(0, 20))},
            {
                "type": "TextQuoteSelector",
                "exact": draw(st.text(max_size=10)),
                "prefix": draw(st.text(max_size=4)),
            },
        ],
    }
    if draw(st.booleans()):
        target["reader:sourceSha256"] = draw(st.text("0123456789abcdefABCDEF", min_size=64, max_size=64))
    annotation = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": draw(_w3c_ids),
        "type": "Annotation",
        "created": draw(_valid_times),
        "modified": draw(_valid_times),
        "body": bodies,
        "target": target,
    }
    for key, values in (
        ("reader:color", ["", "blue", "#336699"]),
        ("reader:view", ["original", "taiwan"]),
        ("reader:status", ["anchored", "orphan"]),
    ):
        if draw(st.booleans()):
            annotation[key] = draw(st.sampled_from(values))
    return annotation


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(_w3c_annotation(), min_size=1, max_size=4))
def test_whatever_import_accepts_its_json_export_imports_again(seeds_dir, items):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "in.jsonld").write_bytes(orjson.dumps(items))
        first = Workspace(seeds_dir, folder / "db1")
        try:
            import_file(first, folder / "in.jsonld")
        except UsageError as exc:  # refused as a whole: fine, as long as it is for a reason the file has
            message = str(exc)
            # the same id twice (two IRIs can name one annotation), or a malformed tag ('', 'a//b', ...)
            assert "is also at" in message or (".tags" in message and "empty" in message), message
            return
        backup = export_file(first, folder / "backup.json", "json")
        second = Workspace(seeds_dir, folder / "db2")
        report = import_file(second, folder / "backup.json")
        assert report.added == len(backup["annotations"])
        assert comparable(build_export(second)) == comparable(backup)
        export_file(first, folder / "backup.jsonld", "w3c")
        assert (
            import_file(Workspace(seeds_dir, folder / "db3"), folder / "backup.jsonld").added == report.added
        )


def test_w3c_ids_of_any_kind_are_kept_as_stable_uuids(workspace, made, fresh, tmp_path):
    export_file(workspace, tmp_path / "out.jsonld", "w3c")
    doc = orjson.loads((tmp_path / "out.jsonld").read_bytes())
    items = doc["first"]["items"]
    items[0]["id"] = "URN:UUID:6A1C2F6E-52C1-1A39-9F7B-2A0C3D4E5F60"  # version 1, upper case
    items[1]["id"] = "https://example.com/annotations/17"
    items[2]["id"] = "tag:example.com,2026:note-3"
    (tmp_path / "ids.jsonld").write_bytes(orjson.dumps(doc))
    assert import_file(fresh, tmp_path / "ids.jsonld").added == 4
    ids = {a.id for a in fresh.store.all()}
    assert "6a1c2f6e-52c1-1a39-9f7b-2a0c3d4e5f60" in ids
    assert str(uuid.uuid5(uuid.NAMESPACE_URL, "https://example.com/annotations/17")) in ids
    assert import_file(fresh, tmp_path / "ids.jsonld").unchanged == 4  # the same ids again
    export_file(fresh, tmp_path / "backup.json", "json")
    assert import_file(Workspace(fresh.library.root, tmp_path / "db-3"), tmp_path / "backup.json").added == 4
