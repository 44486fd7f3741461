"""Articles whose file name is not valid UTF-8 (POSIX allows any bytes; Python hands the stray bytes over as
lone surrogates, ``x\\udcff.txt``): every command works with them and beside them, their id is the name
with each such byte written ``\\xff`` (reader.discovery.id_of), and their annotations are stored, survive a
restart and go through every export and back.
"""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import given
from hypothesis import strategies as st

from _app import SIZE, annotate_selection, document, make_app, row_ids
from _pilot import settle
from reader.cli import main
from reader.discovery import discover, id_of
from reader.library import Library
from reader.screens.reading import ReadingScreen
from reader.store.names import article_stem
from reader.workspace import Workspace

ODD = "x\udcff.txt"  # the file name b"x\xff.txt", as Python gives it
ODD_ID = "x\\xff.txt"  # its article id: what `reader list` shows, what exports and the store say
TEXT = "标题\n数据和数据库\n数据很多\n"


def name(folder: Path, raw: bytes) -> Path:
    return Path(os.fsdecode(os.fsencode(folder) + b"/" + raw))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The odd-named article beside a normal one."""
    root = tmp_path / "articles"
    root.mkdir()
    name(root, b"x\xff.txt").write_text(TEXT, encoding="utf-8")
    (root / "normal.txt").write_text("正常\n正常的数据\n", encoding="utf-8")
    return root


@pytest.fixture
def cli(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """`reader ARGS` in this process on ``folder``: (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--articles", str(folder), "--db", str(tmp_path / "db"), *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_the_id_is_the_name_with_each_stray_byte_written_as_an_escape() -> None:
    assert id_of(ODD) == ODD_ID
    assert id_of("目录\udce4/文章.txt") == "目录\\xe4/文章.txt"  # a folder's name too
    assert id_of("数据.txt") == "数据.txt"  # a valid name is its own id, as before
    assert id_of("a\ud800.txt") == "a\\ud800.txt"  # a surrogate surrogateescape does not make


@given(st.binary(min_size=1, max_size=12).filter(lambda b: b"/" not in b and b"\x00" not in b))
def test_every_file_name_has_an_id_that_is_text_and_a_valid_name_keeps_its_own(raw: bytes) -> None:
    decoded = os.fsdecode(raw)
    article_id = id_of(decoded)
    article_id.encode("utf-8")  # no lone surrogate: JSON, XML, CSV and the store can hold it
    try:
        assert article_id == raw.decode("utf-8")
    except UnicodeDecodeError:
        assert article_id == raw.decode("utf-8", "backslashreplace")


def test_reader_list_json_lists_both_articles(cli) -> None:
    code, out, err = cli("list", "--json")
    assert code == 0, err
    assert [row["id"] for row in json.loads(out)] == ["normal.txt", ODD_ID]
    code, out, _ = cli("list")
    assert code == 0 and ODD_ID in out and "normal.txt" in out


@pytest.mark.parametrize("given_as", ["raw name", "id", "path"])
def test_the_article_is_annotated_shown_and_converted_however_it_is_named(
    cli, folder: Path, given_as: str
) -> None:
    argument = {"raw name": ODD, "id": ODD_ID, "path": str(folder / ODD)}[given_as]
    code, out, err = cli("annotate", argument, "--quote", "数据库", "--tag", "主题", "--note", "注")
    assert code == 0, err
    code, out, err = cli("show", argument, "--json")
    assert code == 0, err
    assert json.loads(out)["id"] == ODD_ID
    code, out, err = cli("convert", argument, "--to", "traditional")
    assert code == 0 and "數據庫" in out, err
    code, out, _ = cli("export")
    [exported] = json.loads(out)["annotations"]
    assert (exported["article_id"], exported["quote"]) == (ODD_ID, "数据库")


def test_annotations_are_stored_under_the_id_and_survive_a_restart(cli, folder: Path, tmp_path: Path) -> None:
    assert cli("annotate", ODD, "--quote", "数据很多", "--tag", "其他")[0] == 0
    assert cli("correct", ODD, "--not-article", "--quote", "标题")[0] == 0
    assert cli("coded", ODD)[0] == 0
    logs = list((tmp_path / "db").glob("coders/*/articles/*.log"))
    assert [log.name for log in logs] == [article_stem(ODD_ID) + ".log"]
    assert f'"article_id":{json.dumps(ODD_ID)}' in logs[0].read_text(encoding="utf-8")

    workspace = Workspace(folder, tmp_path / "db")  # a new process, as after a restart
    [annotation] = workspace.store.for_article(ODD_ID)
    assert annotation.quote == "数据很多" and annotation.tags == ("其他",)
    code, out, _ = cli("show", ODD_ID, "--json")
    assert code == 0 and [c["kind"] for c in json.loads(out)["corrections"]] == ["excluded"]
    code, out, _ = cli("coded", "--json")
    assert json.loads(out)["coded"] == [ODD_ID]


def test_search_finds_matches_in_both_articles(cli) -> None:
    code, out, err = cli("search", "数据", "--json")
    assert code == 0, err
    assert {json.loads(line)["article_id"] for line in out.splitlines() if line} == {"normal.txt", ODD_ID}
    code, out, err = cli("search", "数据")
    assert code == 0 and f"{ODD_ID}:3-5" in out, err


def test_every_export_is_valid_and_json_w3c_and_refi_qda_import_onto_the_same_file(
    cli, folder: Path, tmp_path: Path
) -> None:
    assert cli("annotate", ODD, "--quote", "数据库", "--tag", "主题")[0] == 0
    assert cli("annotate", "normal.txt", "--quote", "数据", "--tag", "主题")[0] == 0
    out = tmp_path / "out"
    out.mkdir()
    for fmt in ("json", "w3c", "csv", "md", "jsonl", "qdpx", "qdc"):
        code, _, err = cli("export", "--format", fmt, "-o", str(out / f"e.{fmt}"))
        assert code == 0, err
    rows = list(csv.DictReader(io.StringIO((out / "e.csv").read_text(encoding="utf-8-sig"), newline="")))
    assert sorted(row["article_id"] for row in rows) == ["normal.txt", ODD_ID]
    assert f"`{ODD_ID}`" in (out / "e.md").read_text(encoding="utf-8")
    jsonl = (out / "e.jsonl").read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line)["id"] for line in jsonl) == ["normal.txt", ODD_ID]
    with zipfile.ZipFile(out / "e.qdpx") as archive:
        project = ElementTree.fromstring(archive.read("project.qde"))
    assert ODD_ID in {source.get("name") for source in project.iter("{urn:QDA-XML:project:1.0}TextSource")}
    ElementTree.parse(out / "e.qdc")

    for fmt in ("json", "w3c", "qdpx"):
        db = tmp_path / f"db-{fmt}"
        code = main(["--articles", str(folder), "--db", str(db), "import", str(out / f"e.{fmt}")])
        assert code == 0, fmt
        assert [a.quote for a in Workspace(folder, db).store.for_article(ODD_ID)] == ["数据库"], fmt


def test_an_article_in_a_folder_whose_name_is_not_utf8(tmp_path: Path, capsys) -> None:
    root = tmp_path / "articles"
    sub = name(root, b"d\xe4")
    sub.mkdir(parents=True)
    (sub / "y.txt").write_text("丙\n", encoding="utf-8")
    args = ["--articles", str(root), "--db", str(tmp_path / "db")]
    assert main([*args, "list", "--json"]) == 0
    assert [row["id"] for row in json.loads(capsys.readouterr().out)] == ["d\\xe4/y.txt"]
    for given_as in ("d\\xe4/y.txt", "d\udce4/y.txt", str(sub / "y.txt")):
        assert main([*args, "convert", given_as, "--to", "original"]) == 0
        assert capsys.readouterr().out == "丙\n"


def test_a_file_named_as_another_files_id_keeps_its_own_article(tmp_path: Path, capsys) -> None:
    """``x\\xff.txt`` (those eight characters) beside ``x<0xFF>.txt``: two articles, each with its own text
    under its own id; the odd one's id is then written ``\\udcff``."""
    root = tmp_path / "articles"
    root.mkdir()
    name(root, b"x\xff.txt").write_text("甲\n", encoding="utf-8")
    (root / ODD_ID).write_text("乙\n", encoding="utf-8")
    assert [found[0] for found in discover(root)] == ["x\\udcff.txt", ODD_ID]
    args = ["--articles", str(root), "--db", str(tmp_path / "db")]
    for given_as, text in ((ODD_ID, "乙"), ("x\\udcff.txt", "甲"), (ODD, "甲"), (str(root / ODD), "甲")):
        assert main([*args, "convert", given_as, "--to", "original"]) == 0
        assert capsys.readouterr().out == f"{text}\n", given_as
    for _ in range(2):  # a cold listing, then one from the cache
        library = Library(root, tmp_path / "cache")
        assert {info.id: library.load(info.id).text for info in library.list()} == {
            "x\\udcff.txt": "甲\n",
            ODD_ID: "乙\n",
        }


def test_reader_add_of_a_source_whose_name_is_not_utf8(tmp_path: Path, capsys) -> None:
    root = tmp_path / "articles"
    root.mkdir()
    source = name(tmp_path, b"p\xff.html")
    paragraph = "这是一个很长的段落，讲述了数据和数据库的故事。" * 3
    source.write_text(f"<html><body><p>{paragraph}</p></body></html>", encoding="utf-8")
    args = ["--articles", str(root), "--db", str(tmp_path / "db")]
    assert main([*args, "add", "--json", str(source)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["status"] == "added" and record["article"] == "p.txt"
    meta = json.loads((root / "p.meta.json").read_text(encoding="utf-8"))
    assert meta["source"] == str(tmp_path / "p\\xff.html")


async def test_the_app_opens_highlights_and_exports_the_article(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # where `x` writes its export
    app = make_app(folder, tmp_path / "db")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert sorted(row_ids(app)) == ["normal.txt", ODD_ID]
        library_table = app.screen.query_one("DataTable")
        library_table.move_cursor(row=row_ids(app).index(ODD_ID))
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReadingScreen) and screen.info.id == ODD_ID
        document(screen).cursor = TEXT.index("数据库")
        await pilot.press("v")
        await annotate_selection(pilot, "主题", "")
        [annotation] = screen.workspace.store.for_article(ODD_ID)
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
    [written] = tmp_path.glob("reader-export-*.json")
    [exported] = json.loads(written.read_text(encoding="utf-8"))["annotations"]
    assert (exported["article_id"], exported["quote"]) == (ODD_ID, annotation.quote)
    after_restart = Workspace(folder, tmp_path / "db").store.for_article(ODD_ID)
    assert [a.quote for a in after_restart] == [annotation.quote]
