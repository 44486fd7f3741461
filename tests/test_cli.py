"""The `reader` command, run for real in a subprocess: what a scripting user sees."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import jsonschema

from reader.export import export_schema

TRAD_SEED = "002_ced27b30dc7015ea.txt"  # Traditional
SIMP_SEED = "001_8eaa32b1d9703bf4.txt"  # Simplified


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_list_shows_every_seed_with_script_and_counts(run_reader):
    result = run_reader("list", "--json", check=True)
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == sorted(
        p.name for p in (Path(__file__).parents[1] / "seeds").glob("*.txt")
    )
    scripts = {r["id"]: r["script"] for r in rows}
    assert scripts[TRAD_SEED] == "traditional"
    assert scripts[SIMP_SEED] == "simplified"
    assert all(r["annotations"] == 0 and r["error"] is None and r["chars"] > 1000 for r in rows)
    table = run_reader("list", check=True).stdout
    assert "TikTok難民" in table and TRAD_SEED in table


def test_convert_article_to_traditional_and_taiwan(run_reader):
    traditional = run_reader("convert", SIMP_SEED, "--to", "traditional", check=True).stdout
    assert "字節跳動" in traditional and "字节跳动" not in traditional
    simplified = run_reader("convert", TRAD_SEED, "--to", "simplified", check=True).stdout
    assert "小红书" in simplified and "小紅書" not in simplified


def test_convert_a_file_outside_the_library(run_reader, tmp_path):
    path = tmp_path / "outside.txt"
    path.write_text("鼠标和软件\n", encoding="utf-8")
    out = run_reader("convert", str(path), "--to", "taiwan", check=True).stdout
    assert out == "滑鼠和軟體\n"


def test_annotate_with_a_simplified_quote_finds_the_traditional_passage(run_reader):
    result = run_reader(
        "annotate",
        TRAD_SEED,
        "--quote",
        "一名接近该公司人士透露",
        "--tag",
        "来源",
        "--tag",
        "匿名",
        "--note",
        "unnamed source",
        check=True,
    )
    annotation_id = result.stdout.strip()
    assert uuid.UUID(annotation_id).version == 4
    export = json.loads(run_reader("export", "--view", "simplified", check=True).stdout)
    (item,) = export["annotations"]
    assert item["id"] == annotation_id
    assert item["quote"] == "一名接近該公司人士透露"
    assert item["text"] == "一名接近该公司人士透露"
    assert item["tags"] == ["来源", "匿名"] and item["note"] == "unnamed source"
    assert item["article_title"].startswith("「TikTok難民」")
    listed = json.loads(run_reader("list", "--json", check=True).stdout)
    assert {r["id"]: r["annotations"] for r in listed}[TRAD_SEED] == 1


def test_ambiguous_quote_needs_occurrence(run_reader):
    ambiguous = run_reader("annotate", TRAD_SEED, "--quote", "小红书", "--tag", "x")
    assert_one_line_error(ambiguous, "occurs", "--occurrence")
    second = run_reader(
        "annotate", TRAD_SEED, "--quote", "小红书", "--occurrence", "2", "--tag", "x", check=True
    )
    export = json.loads(run_reader("export", check=True).stdout)
    (item,) = export["annotations"]
    assert item["id"] == second.stdout.strip() and item["quote"] == "小紅書"
    assert (
        run_reader("annotate", TRAD_SEED, "--quote", "小红书", "--occurrence", "999", "--tag", "x").returncode
        == 2
    )


def test_quote_not_found_is_one_clear_line(run_reader):
    assert_one_line_error(
        run_reader("annotate", TRAD_SEED, "--quote", "不存在的句子", "--tag", "x"), "not found"
    )


def test_offsets_in_a_view_are_stored_against_the_original(run_reader, seeds_dir):
    path = seeds_dir / "usb.txt"
    path.write_text("我买了一个U盘。\n", encoding="utf-8")
    # In the Taiwan view the text reads 我買了一個隨身碟。: select 隨身碟 there.
    run_reader(
        "annotate", "usb.txt", "--start", "5", "--end", "8", "--view", "taiwan", "--tag", "硬件", check=True
    )
    export = json.loads(run_reader("export", "--view", "taiwan", check=True).stdout)
    (item,) = export["annotations"]
    assert (item["start"], item["end"], item["quote"], item["text"]) == (5, 7, "U盘", "隨身碟")


def test_export_validates_against_the_shipped_schema(run_reader, tmp_path):
    run_reader(
        "annotate",
        SIMP_SEED,
        "--quote",
        "字节跳动",
        "--occurrence",
        "1",
        "--tag",
        "公司",
        "--color",
        "blue",
        check=True,
    )
    out = tmp_path / "export.json"
    result = run_reader("export", "-o", str(out), "--view", "hongkong", check=True)
    assert "exported 1 annotations" in result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.validate(data, export_schema(), format_checker=jsonschema.FormatChecker())
    assert data["view"] == "hongkong" and data["annotations"][0]["text"] == "字節跳動"
    assert "字节跳动" in out.read_text(encoding="utf-8")  # readable UTF-8, not \\u escapes


def test_user_mistakes_exit_2_with_one_line(run_reader, tmp_path):
    assert_one_line_error(run_reader("convert", "nope.txt", "--to", "simplified"), "nope.txt")
    assert_one_line_error(run_reader("convert", SIMP_SEED, "--to", "klingon"), "--to")
    assert_one_line_error(run_reader("frobnicate"), "frobnicate")
    assert_one_line_error(run_reader("annotate", "missing.txt", "--quote", "x", "--tag", "t"), "missing.txt")
    assert_one_line_error(
        run_reader("annotate", SIMP_SEED, "--quote", "字节跳动", "--tag", "t", "--color", "mauve-ish"),
        "colour",
    )
    assert_one_line_error(
        run_reader("export", "-o", str(tmp_path / "no" / "such" / "dir.json")), "does not exist"
    )
    assert_one_line_error(run_reader("list", "--articles", str(tmp_path / "nowhere")), "nowhere")


def test_unreadable_database_file_is_reported_not_overwritten(run_reader, db_dir):
    run_reader("annotate", SIMP_SEED, "--quote", "字节跳动", "--occurrence", "1", "--tag", "公司", check=True)
    files = [p for p in db_dir.rglob("*") if "articles" in p.parts and p.suffix in (".json", ".log")]
    assert files
    files[0].write_bytes(b"{not json")
    result = run_reader("annotate", SIMP_SEED, "--quote", "字节跳动", "--occurrence", "2", "--tag", "公司")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert files[0].name in result.stderr
    assert files[0].read_bytes() == b"{not json"
    # other articles still work
    run_reader("annotate", TRAD_SEED, "--quote", "一名接近该公司人士透露", "--tag", "x", check=True)


def test_shadowed_opencc_is_refused_with_a_fix(run_reader, tmp_path):
    fake = tmp_path / "fake" / "opencc"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("from .opencc import OpenCC\n")
    (fake / "opencc.py").write_text(
        "class OpenCC:\n    def __init__(self, c='t2s'): pass\n    def convert(self, t): return t\n"
    )
    result = run_reader("list", env={"PYTHONPATH": str(tmp_path / "fake")})
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "pip install OpenCC" in result.stderr


def test_list_lines_up_its_columns_after_wide_and_plain_ids(run_reader, tmp_path: Path):
    """Ids in CJK take two cells a character: the SCRIPT column starts in the same cell on every row."""
    from rich.cells import cell_len

    articles = tmp_path / "wide"
    articles.mkdir()
    for name in ("新闻报道.txt", "a.txt", "long-plain-name.txt"):
        (articles / name).write_text("标题\n这是一个关于软件的报道。\n", encoding="utf-8")
    table = run_reader("list", "--articles", str(articles), "--db", str(tmp_path / "db"), check=True).stdout
    lines = table.splitlines()
    assert len(lines) == 4
    starts = {cell_len(line[: line.index("simplified" if i else "SCRIPT")]) for i, line in enumerate(lines)}
    assert starts == {cell_len("long-plain-name.txt") + 2}  # the widest id, then two spaces
