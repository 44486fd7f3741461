"""JSON Lines for doccano and Label Studio (offsets right after astral characters), and the agreement CLI."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from reader.errors import UsageError
from reader.export import build_export, render_bytes
from reader.workspace import Workspace

#: an emoji and a CJK Extension B character (both beyond U+FFFF: two UTF-16 units each) before the passage
ASTRAL = "開頭😀一段話,𠀀字在這裡。\n關鍵的句子在第二行。\n"


@pytest.fixture
def astral_workspace(tmp_path) -> Workspace:
    folder = tmp_path / "arts"
    folder.mkdir()
    (folder / "astral.txt").write_text(ASTRAL, encoding="utf-8")
    return Workspace(folder, tmp_path / "db")


def jsonl(workspace: Workspace, view: str = "original", **options: str) -> list[dict]:
    payload = render_bytes(build_export(workspace, view), "jsonl", workspace=workspace, **options)
    assert payload.endswith(b"\n")
    return [orjson.loads(line) for line in payload.splitlines()]


def utf16_slice(text: str, start: int, end: int) -> str:
    return text.encode("utf-16-le")[2 * start : 2 * end].decode("utf-16-le")


def test_doccano_shape_with_code_point_and_utf16_offsets(astral_workspace):
    ws = astral_workspace
    article = ws.load("astral.txt")
    start = ASTRAL.index("關鍵")
    ws.annotate(article, start, start + 5, tags=["来源", "key"], note="a note")
    (line,) = jsonl(ws)
    assert line["text"] == ASTRAL and line["id"] == "astral.txt"
    assert line["label"] == [[start, start + 5, "来源"], [start, start + 5, "key"]]
    (wide,) = jsonl(ws, offsets="utf16")
    s, e, _ = wide["label"][0]
    assert (s, e) == (start + 2, start + 7)  # two astral characters before it
    assert utf16_slice(wide["text"], s, e) == "關鍵的句子"  # what JavaScript's text.slice(s, e) gives


def test_label_studio_shape_with_notes_as_per_region_text_areas(astral_workspace):
    ws = astral_workspace
    article = ws.load("astral.txt")
    emoji = ASTRAL.index("😀")
    ws.annotate(article, emoji, emoji + 4, tags=["x"], note="the emoji")
    (task,) = jsonl(ws, jsonl_shape="labelstudio", offsets="utf16")
    assert task["data"]["text"] == ASTRAL and task["data"]["article_id"] == "astral.txt"
    (annotation,) = task["annotations"]
    labels, note = annotation["result"]
    assert labels["type"] == "labels" and labels["from_name"] == "label" and labels["to_name"] == "text"
    value = labels["value"]
    assert (value["start"], value["end"]) == (emoji, emoji + 5)  # the emoji itself is two units
    assert utf16_slice(ASTRAL, value["start"], value["end"]) == value["text"] == "😀一段話"
    assert value["labels"] == ["x"]
    assert note["type"] == "textarea" and note["id"] == labels["id"]
    assert note["value"]["text"] == ["the emoji"]
    assert task["data"]["coders"] and len(task["data"]["coders"]) == 1


def test_offsets_follow_the_export_view(workspace):
    article = workspace.load("001_8eaa32b1d9703bf4.txt")
    start = article.text.index("字节跳动")
    workspace.annotate(article, start, start + 4, tags=["公司"])
    (line,) = jsonl(workspace, "taiwan")
    s, e, tag = line["label"][0]
    assert line["text"][s:e] == "字節跳動" and tag == "公司"


def test_unknown_shape_or_unit_is_a_clear_error(astral_workspace):
    with pytest.raises(UsageError, match="shape"):
        jsonl(astral_workspace, jsonl_shape="brat")
    with pytest.raises(UsageError, match="offset unit"):
        jsonl(astral_workspace, offsets="bytes")
    with pytest.raises(UsageError, match="needs the workspace"):
        render_bytes(build_export(astral_workspace), "jsonl")


def test_cli_jsonl(run_reader, workspace):
    article = workspace.load("002_ced27b30dc7015ea.txt")
    workspace.annotate(article, 10, 20, tags=["x"])
    result = run_reader("export", "--format", "jsonl", "--jsonl-shape", "labelstudio", "--offsets", "utf16")
    assert result.returncode == 0, result.stderr
    (task,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert task["annotations"][0]["result"][0]["value"]["labels"] == ["x"]
    bad = run_reader("export", "--format", "csv", "--offsets", "utf16")
    assert bad.returncode == 2 and "--offsets applies to --format jsonl only" in bad.stderr


# -------------------------------------------------------------------------------------- agreement CLI


def two_coders(run_reader, tmp_path: Path) -> None:
    """ann and bob code two seeds; they agree on one passage and differ on a tag and a passage."""
    for db, args in (
        ("ann", [("002_ced27b30dc7015ea.txt", "一名接近该公司人士透露", ["来源"])]),
        ("ann", [("001_8eaa32b1d9703bf4.txt", "字节跳动", ["公司"])]),
        ("bob", [("002_ced27b30dc7015ea.txt", "一名接近该公司人士透露", ["来源", "匿名"])]),
    ):
        for article, quote, tags in args:
            flags = [x for t in tags for x in ("--tag", t)]
            extra = ["--occurrence", "1"] if quote == "字节跳动" else []
            run_reader(
                "--db", str(tmp_path / db), "annotate", article, "--quote", quote, *extra, *flags, check=True
            )
    for db in ("ann", "bob"):
        run_reader("--db", str(tmp_path / db), "export", "-o", f"{db}.json", check=True)


def test_agreement_from_two_exports(run_reader, tmp_path):
    two_coders(run_reader, tmp_path)
    result = run_reader("agreement", "--from-exports", "ann.json", "bob.json")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("agreement of ann, bob over 2 articles, ")
    assert any(line.endswith("  来源") and "100.0%" in line and "1.000" in line for line in lines)
    assert "disagreements: 2" in result.stdout
    assert "ann: 来源 | bob: 匿名, 来源" in result.stdout

    as_json = run_reader("agreement", "--from-exports", "ann.json", "bob.json", "--json", "--tag", "来源")
    data = json.loads(as_json.stdout)
    assert data["coders"] == ["ann", "bob"] and data["unit"] == "sentence"
    assert set(data["tags"]) == {"来源"} and data["tags"]["来源"]["cohen_kappa"] == 1.0
    assert data["disagreements"] == []

    chars = json.loads(
        run_reader(
            "agreement", "--from-exports", "ann.json", "bob.json", "--json", "--unit", "character"
        ).stdout
    )
    (first, *_) = chars["disagreements"]
    assert first["text"] == "字节跳动" and first["tags"] == {"ann": ["公司"], "bob": []}


def test_agreement_misuse(run_reader, tmp_path):
    two_coders(run_reader, tmp_path)
    one = run_reader("agreement", "--from-exports", "ann.json")
    assert one.returncode == 2 and "two or more exports" in one.stderr
    missing = run_reader("agreement", "--from-exports", "ann.json", "nope.json")
    assert missing.returncode == 2 and "nope.json" in missing.stderr
