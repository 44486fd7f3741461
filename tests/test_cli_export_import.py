"""`reader export --format …` and `reader import`, run for real in a subprocess."""

from __future__ import annotations

import csv
import io
import json

import orjson

from _export_fixtures import HOSTILE_NOTE
from reader.formats.csvfile import split_tags
from reader.sanitise import normalise

TRAD = "002_ced27b30dc7015ea.txt"
SIMP = "001_8eaa32b1d9703bf4.txt"
NOTE = HOSTILE_NOTE.replace("\x00", "")  # a command line cannot carry NUL


def assert_one_line_error(result, *fragments: str) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def annotate(run_reader) -> None:
    quote = ("--quote", "一名接近该公司人士透露")
    run_reader("annotate", TRAD, *quote, "--tag", "来源", "--tag", "a;b", "--note", NOTE, check=True)
    run_reader("annotate", SIMP, "--quote", "字节跳动", "--occurrence", "1", "--tag", "公司", check=True)


def test_every_format_to_stdout_and_to_a_file(run_reader, tmp_path):
    annotate(run_reader)
    out = run_reader("export", "--format", "csv", "--view", "taiwan", check=True)
    raw = out.stdout.encode("utf-8")
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM, on stdout too
    rows = list(csv.DictReader(io.StringIO(out.stdout.lstrip("\ufeff"), newline="")))
    # control characters are shown as symbols (␛), CR LF is one line break: as the note looks in the app
    assert {r["note"] for r in rows} == {"", normalise(NOTE)}
    assert ["来源", "a;b"] in [split_tags(r["tags"]) for r in rows]
    w3c = json.loads(run_reader("export", "--format", "w3c", check=True).stdout)
    assert w3c["type"] == "AnnotationCollection" and w3c["total"] == 2
    md = run_reader("export", "--format", "md", "--tag", "公司", check=True).stdout
    assert md.startswith("# Annotations") and "> 字节跳动" in md and "一名接近" not in md
    target = tmp_path / "out.csv"
    result = run_reader("export", "--format", "csv", "-o", str(target), check=True)
    assert "exported 2 annotations" in result.stderr
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(target.read_bytes().decode("utf-8-sig"), newline="")))
    assert normalise(NOTE) in {r["note"] for r in rows}  # the same from the file


def test_filters_combine_on_the_command_line(run_reader):
    annotate(run_reader)

    def count(*args: str) -> int:
        return len(json.loads(run_reader("export", *args, check=True).stdout)["annotations"])

    assert count("--tag", "来源", "--tag", "公司") == 2
    assert count("--article", TRAD) == 1
    assert count("--tag", "公司", "--article", TRAD) == 0


def test_import_round_trip_and_summary(run_reader, tmp_path):
    annotate(run_reader)
    for fmt in ("json", "w3c"):
        path = tmp_path / f"export.{fmt}"
        run_reader("export", "--format", fmt, "-o", str(path), check=True)
        other_db = tmp_path / f"db-{fmt}"
        first = run_reader("import", str(path), env={"READER_DB": str(other_db)}, check=True)
        assert "2 added, 0 updated, 0 unchanged; 0 re-anchored, 0 orphaned" in first.stdout
        again = run_reader("import", str(path), "--db", str(other_db), check=True)
        assert "0 added, 0 updated, 2 unchanged" in again.stdout
        before = json.loads(run_reader("export", check=True).stdout)
        after = json.loads(run_reader("export", "--db", str(other_db), check=True).stdout)
        assert before["annotations"] == after["annotations"]


def test_import_mistakes_are_one_line_and_exit_2(run_reader, tmp_path, db_dir):
    annotate(run_reader)
    path = tmp_path / "export.json"
    run_reader("export", "-o", str(path), check=True)
    data = orjson.loads(path.read_bytes())
    data["annotations"][1]["start"] = "12"
    bad = tmp_path / "bad.json"
    bad.write_bytes(orjson.dumps(data))
    fresh = tmp_path / "fresh-db"
    result = run_reader("import", str(bad), "--db", str(fresh))
    line = assert_one_line_error(result, str(bad), "annotations[1].start", "nothing was imported")
    assert line.startswith("reader: error: ")
    assert not list(fresh.glob("coders/*/articles/*.json"))
    missing = run_reader("import", str(tmp_path / "missing.json"))
    assert_one_line_error(missing, "missing.json", "no such file")
    assert_one_line_error(run_reader("import", str(tmp_path)), "folder")
    data["schema_version"] = 7
    bad.write_bytes(orjson.dumps(data))
    assert_one_line_error(run_reader("import", str(bad)), "schema_version", "unknown schema version 7")
    assert_one_line_error(run_reader("import"), "FILE")
    assert_one_line_error(run_reader("export", "--format", "xml"), "--format")
