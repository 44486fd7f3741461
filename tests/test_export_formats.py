"""Every export format from the same annotations: JSON (schema), W3C (the model's MUST rules), CSV, Markdown.

Hostile content (quotes, commas, semicolons, newlines, brackets, Markdown, control characters, bidi
overrides) in notes and tags must come out intact where the format can carry it (JSON, W3C, CSV) and
harmless and readable in Markdown.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import jsonschema
import orjson
import pytest

from _export_fixtures import HOSTILE_NOTE, HOSTILE_TAGS, OTHER, SIMP, TRAD, change_article, make_annotations
from reader.errors import UsageError
from reader.export import (
    build_export,
    default_export_name,
    export_schema,
    left_out,
    render,
    render_bytes,
    write_atomically,
)
from reader.formats.csvfile import COLUMNS, join_tags, split_tags
from reader.formats.markdown import code, escape
from reader.formats.w3c import ANNO_CONTEXT, MOTIVATIONS
from reader.sanitise import normalise
from reader.timestamps import is_date_time

# -- W3C Web Annotation Data Model: the MUST rules, as explicit assertions --------------------------------

#: xsd:dateTime (the model: created/modified "MUST be expressed in the xsd:dateTime format")
XSD_DATE_TIME = re.compile(r"-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")
IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+")


def _values(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def assert_context(node: dict[str, Any]) -> None:
    """1 or more @context values, anno.jsonld one of them; a single value MUST be a string."""
    context = node["@context"]
    if isinstance(context, list):
        assert len(context) > 1 and ANNO_CONTEXT in context
    else:
        assert context == ANNO_CONTEXT


def assert_w3c_annotation(a: dict[str, Any], *, standalone: bool = True) -> None:
    if standalone:
        assert_context(a)
    assert isinstance(a["id"], str) and IRI.fullmatch(a["id"]), a["id"]  # exactly 1 IRI
    assert "Annotation" in _values(a["type"])  # 1 or more types, Annotation one of them
    for motivation in _values(a.get("motivation", [])):
        assert motivation in MOTIVATIONS
    for key in ("created", "modified"):
        if key in a:
            assert isinstance(a[key], str) and XSD_DATE_TIME.fullmatch(a[key]), a[key]  # 0 or 1, xsd:dateTime
    for body in _values(a.get("body", [])):
        if "TextualBody" in _values(body.get("type", [])):
            assert isinstance(body["value"], str)  # an embedded textual body has exactly 1 value
        else:
            assert isinstance(body.get("id"), str) and IRI.fullmatch(body["id"])
        for purpose in _values(body.get("purpose", [])):
            assert purpose in MOTIVATIONS
        if "format" in body:
            assert isinstance(body["format"], str)
    targets = _values(a["target"])  # 1 or more targets
    assert targets
    style_classes = []
    for target in targets:
        if isinstance(target, str):
            assert IRI.fullmatch(target)
            continue
        source = target["source"]  # a Specific Resource has exactly 1 source
        assert isinstance(source, str) and IRI.fullmatch(source), source
        for selector in _values(target.get("selector", [])):
            kinds = _values(selector["type"])
            if "TextQuoteSelector" in kinds:
                assert isinstance(selector["exact"], str)  # exactly 1 exact
                for key in ("prefix", "suffix"):  # 0 or 1
                    assert key not in selector or isinstance(selector[key], str)
            if "TextPositionSelector" in kinds:
                for key in ("start", "end"):  # exactly 1 non-negative integer each
                    assert type(selector[key]) is int and selector[key] >= 0
        style_classes += _values(target.get("styleClass", []))
    if style_classes:  # a styleClass needs exactly 1 stylesheet on the annotation
        sheet = a["stylesheet"]
        assert not isinstance(sheet, list)
        if isinstance(sheet, dict):
            assert "CssStylesheet" in _values(sheet["type"]) and isinstance(sheet["value"], str)
            for name in style_classes:
                assert f".{name} " in sheet["value"]


def assert_w3c_collection(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Collection MUSTs (5.1, 5.2); returns the annotations."""
    assert_context(doc)
    assert IRI.fullmatch(doc["id"])
    assert "AnnotationCollection" in _values(doc["type"])
    assert type(doc["total"]) is int and doc["total"] >= 0
    items: list[dict[str, Any]] = []
    page = doc.get("first")
    while page is not None:
        assert IRI.fullmatch(page["id"])
        assert "AnnotationPage" in _values(page["type"])
        assert isinstance(page["items"], list) and page["items"]  # a page has 1 or more items
        assert page.get("partOf", doc["id"]) == doc["id"]
        for a in page["items"]:
            assert_w3c_annotation(a)
        items += page["items"]
        page = page.get("next")
    assert len(items) == doc["total"]
    return items


# -- fixtures ------------------------------------------------------------------------------------------


@pytest.fixture
def made(workspace):
    return make_annotations(workspace)


def validate_json(data: dict[str, Any]) -> None:
    checker = jsonschema.FormatChecker()
    checker.checks("date-time")(is_date_time)
    jsonschema.validate(data, export_schema(), format_checker=checker)


# -- JSON ----------------------------------------------------------------------------------------------


def test_json_export_validates_and_carries_what_the_issue_asks(workspace, made):
    data = build_export(workspace, "traditional")
    validate_json(data)
    assert data["schema_version"] == 1 and data["view"] == "traditional"
    assert {a["id"] for a in data["articles"]} == {SIMP, TRAD, OTHER}
    assert all(len(a["sha256"]) == 64 and a["title"] for a in data["articles"])
    by_id = {a["id"]: a for a in data["annotations"]}
    hostile = by_id[made["hostile"].id]
    assert hostile["note"] == HOSTILE_NOTE and hostile["tags"] == HOSTILE_TAGS
    assert (hostile["color"], hostile["display_color"], hostile["view"]) == ("#336699", "#336699", "taiwan")
    assert by_id[made["blue"].id]["text"] == "字節跳動" and by_id[made["blue"].id]["quote"] == "字节跳动"
    # article then document order
    order = [(a["article_id"], a["start"]) for a in data["annotations"]]
    assert order == sorted(order)
    text = render(data, "json")
    assert "字节跳动" in text and "\x1b" not in text and "\\u001b" in text  # UTF-8; controls escaped
    assert orjson.loads(text) == data


def test_filters_tags_or_articles_or_both_and(workspace, made):
    def ids(**kwargs):
        return {a["id"] for a in build_export(workspace, **kwargs)["annotations"]}

    assert ids(tags=["来源"]) == {made["hostile"].id, made["other"].id}
    assert ids(tags=["公司", "平台"]) == {made["blue"].id, made["other"].id}  # OR
    assert ids(article_ids=[SIMP, OTHER]) == {made["blue"].id, made["plain"].id, made["other"].id}  # OR
    assert ids(tags=["来源"], article_ids=[SIMP, OTHER]) == {made["other"].id}  # AND
    assert ids(tags=["  来源 "]) == ids(tags=["来源"])  # typed tags are normalised like stored ones
    assert ids(tags=["nobody uses this"]) == set()
    filtered = build_export(workspace, tags=["公司"])
    assert [a["id"] for a in filtered["articles"]] == [SIMP]  # only the articles referenced
    with pytest.raises(UsageError, match=re.escape("no-such.txt")):
        build_export(workspace, article_ids=["no-such.txt"])
    with pytest.raises(UsageError, match="klingon"):
        build_export(workspace, "klingon")


def test_export_reanchors_changed_articles_and_keeps_orphans(workspace, made, seeds_dir):
    change_article(seeds_dir, OTHER, insert="编者按：本文有改动。\n")
    change_article(seeds_dir, TRAD, remove=made["hostile"].quote)
    data = build_export(workspace)
    validate_json(data)
    by_id = {a["id"]: a for a in data["annotations"]}
    moved = by_id[made["other"].id]
    assert moved["status"] == "reanchored" and moved["start"] == made["other"].start + len(
        "编者按：本文有改动。\n"
    )
    orphan = by_id[made["hostile"].id]
    assert orphan["status"] == "orphan" and orphan["text"] == made["hostile"].quote
    assert by_id[made["blue"].id]["status"] == "anchored"


def test_annotations_of_a_missing_article_are_exported_with_the_error(workspace, made, seeds_dir):
    (seeds_dir / OTHER).unlink()
    data = build_export(workspace)
    validate_json(data)
    entry = next(a for a in data["articles"] if a["id"] == OTHER)
    assert entry["sha256"] is None and OTHER in entry["error"]
    assert {a["id"] for a in data["annotations"]} >= {made["other"].id}


def test_a_damaged_database_file_is_left_out_and_named(workspace, made, db_dir):
    workspace.store.compact(SIMP)
    workspace.store.file_for(SIMP).write_bytes(b"{broken")
    data = build_export(workspace)  # everything else is exported ...
    assert data["annotations"] and SIMP not in {a["article_id"] for a in data["annotations"]}
    (missing,) = left_out(workspace)  # ... and what was left out is named (the CLI exits 2)
    assert workspace.store.file_for(SIMP).name in missing
    assert left_out(workspace, [TRAD]) == []


def test_empty_export(workspace):
    data = build_export(workspace)
    validate_json(data)
    assert data["annotations"] == [] and data["articles"] == []
    doc = orjson.loads(render(data, "w3c"))
    assert assert_w3c_collection(doc) == [] and "first" not in doc
    assert render_bytes(data, "csv").decode("utf-8-sig").splitlines() == [",".join(COLUMNS)]
    assert "0 passages" in render(data, "md")


# -- W3C -----------------------------------------------------------------------------------------------


def test_w3c_export_meets_the_models_musts_and_maps_every_field(workspace, made):
    data = build_export(workspace, "simplified")
    doc = orjson.loads(render(data, "w3c"))
    items = assert_w3c_collection(doc)
    assert doc["reader:view"] == "simplified" and doc["reader:schemaVersion"] == 1
    assert [i["id"] for i in items] == [f"urn:uuid:{a['id']}" for a in data["annotations"]]
    by_id = {i["id"].removeprefix("urn:uuid:"): i for i in items}

    hostile = by_id[made["hostile"].id]
    assert hostile["motivation"] == "commenting"
    tags = [b["value"] for b in hostile["body"] if b["purpose"] == "tagging"]
    notes = [b for b in hostile["body"] if b["purpose"] == "commenting"]
    assert tags == HOSTILE_TAGS
    assert notes == [
        {"type": "TextualBody", "purpose": "commenting", "value": HOSTILE_NOTE, "format": "text/plain"}
    ]
    target = hostile["target"]
    assert target["source"] == f"urn:reader:article:{TRAD}"
    quote, position = target["selector"]
    assert quote["type"] == "TextQuoteSelector" and quote["exact"] == made["hostile"].quote
    assert (quote["prefix"], quote["suffix"]) == (made["hostile"].prefix, made["hostile"].suffix)
    assert position == {
        "type": "TextPositionSelector",
        "start": made["hostile"].start,
        "end": made["hostile"].end,
    }
    assert target["styleClass"] == "reader-color-336699"
    assert hostile["stylesheet"] == {
        "type": "CssStylesheet",
        "value": ".reader-color-336699 { background-color: #336699; }",
    }
    assert (hostile["reader:color"], hostile["reader:view"], hostile["reader:status"]) == (
        "#336699",
        "taiwan",
        "anchored",
    )
    assert target["reader:sourceSha256"] == made["hostile"].article_sha256
    assert (hostile["created"], hostile["modified"]) == (made["hostile"].created, made["hostile"].modified)

    plain = by_id[made["plain"].id]
    assert plain["motivation"] == "highlighting" and "body" not in plain  # no tags, no note: no body
    assert plain["reader:color"] == "" and plain["target"]["styleClass"].startswith("reader-color-")
    blue = by_id[made["blue"].id]
    assert blue["reader:text"] == "字节跳动"


def test_w3c_source_iri_is_percent_encoded(workspace, seeds_dir):
    (seeds_dir / "子 目录").mkdir()
    (seeds_dir / "子 目录" / "a#b?.txt").write_text("第一句。第二句。\n", encoding="utf-8")
    workspace.articles()
    article = workspace.load("子 目录/a#b?.txt")
    workspace.annotate(article, 0, 3, tags=["x"])
    doc = orjson.loads(render(build_export(workspace), "w3c"))
    (item,) = assert_w3c_collection(doc)
    assert item["target"]["source"] == "urn:reader:article:%E5%AD%90%20%E7%9B%AE%E5%BD%95/a%23b%3F.txt"


# -- CSV -----------------------------------------------------------------------------------------------


def read_csv(payload: bytes) -> list[dict[str, str]]:
    assert payload.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for spreadsheet programs
    return list(csv.DictReader(io.StringIO(payload.decode("utf-8-sig"), newline="")))


def test_csv_read_back_equals_the_source(workspace, made):
    data = build_export(workspace, "hongkong")
    rows = read_csv(render_bytes(data, "csv"))
    assert list(rows[0]) == list(COLUMNS)
    assert len(rows) == len(data["annotations"])
    for row, a in zip(rows, data["annotations"], strict=True):
        for column in COLUMNS:
            if column == "tags":
                assert split_tags(row["tags"]) == [normalise(tag) for tag in a["tags"]]
            else:
                assert row[column] == normalise(str(a[column])), column
    hostile = next(r for r in rows if r["id"] == made["hostile"].id)
    # quotes, commas, line breaks... all inside one cell; controls shown as symbols (␛, ␀), CR LF one break
    assert hostile["note"] == normalise(HOSTILE_NOTE)


def test_csv_columns_are_the_issues_first():
    assert COLUMNS[:12] == (
        "id",
        "article_id",
        "article_title",
        "start",
        "end",
        "quote",
        "text",
        "tags",
        "note",
        "color",
        "created",
        "modified",
    )


@pytest.mark.parametrize(
    "tags", [[], [""], ["a"], ["a;b", "c"], ["\\", ";", "\\;"], ["a\\", "b"], ["x;", ";y"], HOSTILE_TAGS]
)
def test_tags_cell_round_trips(tags):
    assert split_tags(join_tags(tags)) == tags or (tags == [""] and split_tags(join_tags(tags)) == [])


# -- Markdown ------------------------------------------------------------------------------------------


def test_markdown_is_grouped_readable_and_harmless(workspace, made):
    data = build_export(workspace, "traditional")
    md = render(data, "md")
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]", md)
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert len(headings) == len(data["articles"]) == 3
    assert md.count(f"`{TRAD}`") == 1
    blocks = re.findall(r"(?:^>.*\n)+", md, flags=re.M)
    assert len(blocks) == len(data["annotations"])
    assert "> 字節跳動" in md  # the passage in the chosen view
    # the hostile note stays a note: its Markdown is escaped, it opens no heading, list or quote
    assert "\\# not a heading" in md and "\\> not a quote" in md and "\\- not a list" in md
    assert "1\\. not a numbered list" in md and "\\[link\\](http://example.com)" in md
    assert "\\<b\\>bold\\</b\\>" in md and "␛\\[31mred" in md
    assert not re.search(
        r"^(#{1,6} |[-+] |\d+\. )", "\n".join(md.splitlines()[1:]).replace("## ", "", 3), re.M
    )
    assert "Tags: `来源`, `a;b`" in md and "`` `tick` ``" in md
    assert "second line" in md


def test_markdown_escapes():
    assert escape("*a* _b_ [c](d) <e> `f` & | ~") == "\\*a\\* \\_b\\_ \\[c\\](d) \\<e\\> \\`f\\` \\& \\| \\~"
    assert escape("# h") == "\\# h" and escape("10. x") == "10\\. x" and escape("2025年") == "2025年"
    assert code("plain") == "`plain`" and code("a`b") == "``a`b``" and code("`x`") == "`` `x` ``"
    assert code("two\nlines") == "`two↵lines`"


# -- writing -------------------------------------------------------------------------------------------


def test_write_atomically_writes_whole_files_with_normal_permissions(tmp_path):
    target = tmp_path / "out.csv"
    write_atomically(target, "\ufeffa,b\r\n")
    assert target.read_bytes() == b"\xef\xbb\xbfa,b\r\n"
    assert target.stat().st_mode & 0o777 == 0o644
    write_atomically(target, b"bytes")
    assert target.read_bytes() == b"bytes"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # no temporary file left
    with pytest.raises(UsageError, match="does not exist"):
        write_atomically(tmp_path / "missing" / "x.json", "x")
    with pytest.raises(UsageError, match="folder"):
        write_atomically(tmp_path, "x")


def test_default_export_name_has_the_formats_extension():
    assert re.fullmatch(r"reader-export-\d{8}-\d{6}\.jsonld", default_export_name("w3c"))
    assert default_export_name("csv").endswith(".csv") and default_export_name("md").endswith(".md")
    with pytest.raises(UsageError, match="unknown export format"):
        render({"annotations": []}, "xml")


def test_export_and_import_never_load_textual():
    import subprocess
    import sys

    code = (
        "import sys, reader.export, reader.importer, reader.schema, reader.formats.w3c, "
        "reader.formats.csvfile, reader.formats.markdown; "
        "assert not any(m == 'textual' or m.startswith('textual.') for m in sys.modules), 'textual loaded'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_records_without_status_or_with_unknown_keys_still_export_valid_json(workspace, made):
    workspace.store.compact(SIMP)  # every annotation in the snapshot file, none in its change log
    path = workspace.store.file_for(SIMP)
    stored = orjson.loads(path.read_bytes())
    for doc in stored["annotations"].values():
        del doc["status"]  # written by an older version: the field has a default
        doc["from_the_future"] = True  # unknown keys are ignored by the store
    path.write_bytes(orjson.dumps(stored))
    data = build_export(workspace)
    validate_json(data)
    simp = [a for a in data["annotations"] if a["article_id"] == SIMP]
    assert len(simp) == 2 and {a["status"] for a in simp} == {"anchored"}
