"""Where an export is written, and what a spreadsheet makes of it.

`export -o` writes only a new path or a regular file (atomically), never into the articles or database
folder, onto a folder, a fifo, a device or a link to one; `-o -` is stdout. A killed export's temporary
file is removed by the next export into that folder (only ours). CSV cells that a spreadsheet would run
as a formula are neutralised unless asked otherwise.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reader.errors import UsageError
from reader.export import (
    STALE_SECONDS,
    check_output,
    remove_stale_temporaries,
    render_bytes,
    write_atomically,
)
from reader.formats.csvfile import COLUMNS, cell, unneutralise

SIMP = "001_8eaa32b1d9703bf4.txt"
FORMULAS = ["=1+1", "+SUM(A1)", "-2+3", "@SUM(A1)", "\tx", "\rx", "\nx", '=HYPERLINK("http://x","y")']


def one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def annotated(run_reader):
    run_reader("annotate", SIMP, "--quote", "字节跳动", "--occurrence", "1", "--tag", "来源", check=True)
    return run_reader


# -- where ---------------------------------------------------------------------------------------------


def test_export_refuses_the_articles_and_database_folders(annotated, seeds_dir, db_dir, tmp_path):
    before = sorted(p.name for p in seeds_dir.iterdir())
    one_line_error(annotated("export", "-o", str(seeds_dir / "notes.json")), "inside", str(seeds_dir))
    (mine,) = db_dir.glob("coders/*/articles")
    one_line_error(annotated("export", "-o", str(mine / "x.json")), "inside")
    one_line_error(annotated("export", "-o", str(db_dir)), "folder")  # a folder, and the database's
    # also through a link to the folder
    link = tmp_path / "into-articles"
    link.symlink_to(seeds_dir)
    one_line_error(annotated("export", "-o", str(link / "notes.md"), "--format", "md"), "inside")
    assert sorted(p.name for p in seeds_dir.iterdir()) == before


def test_export_refuses_what_is_not_a_regular_file(annotated, tmp_path):
    folder = tmp_path / "a folder"
    folder.mkdir()
    one_line_error(annotated("export", "-o", str(folder)), "folder")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    one_line_error(annotated("export", "-o", str(fifo), timeout=30), "not a regular file")
    assert fifo.is_fifo()  # not replaced by a file
    to_device = tmp_path / "to-null"
    to_device.symlink_to("/dev/null")
    one_line_error(annotated("export", "-o", str(to_device)), "not a regular file")
    assert to_device.is_symlink() and os.readlink(to_device) == "/dev/null"
    to_fifo = tmp_path / "to-pipe"
    to_fifo.symlink_to(fifo)
    one_line_error(annotated("export", "-o", str(to_fifo), timeout=30), "not a regular file")
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nothing-here")
    one_line_error(annotated("export", "-o", str(dangling)), "link to nothing")
    assert not (tmp_path / "nothing-here").exists()


def test_export_follows_a_link_to_a_regular_file_and_dash_is_stdout(annotated, tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    annotated("export", "-o", str(link), check=True)
    assert link.is_symlink() and real.read_text(encoding="utf-8").startswith("{")
    to_stdout = annotated("export", "-o", "-", "--format", "md", check=True)
    assert to_stdout.stdout.startswith("# Annotations") and not (tmp_path / "-").exists()


def test_check_output_says_what_it_will_write(tmp_path):
    assert check_output(tmp_path / "new.json") == tmp_path.resolve() / "new.json"
    with pytest.raises(UsageError, match="does not exist"):
        check_output(tmp_path / "missing" / "x.json")
    with pytest.raises(UsageError, match="inside"):
        check_output(tmp_path / "x.json", [tmp_path])


# -- temporary files -----------------------------------------------------------------------------------


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_temporaries_are_removed_only_if_ours_and_abandoned(tmp_path):
    from reader.export import _host_tag

    host = _host_tag()
    dead = tmp_path / f".notes.json.{host}-{_dead_pid()}-abcd1234.reader.tmp"
    alive = tmp_path / f".notes.json.{host}-{os.getpid()}-abcd1234.reader.tmp"
    old_alive = tmp_path / f".old.json.{host}-{os.getpid()}-zzzz9999.reader.tmp"
    other_host = tmp_path / f".notes.json.00000000-{_dead_pid()}-abcd1234.reader.tmp"
    not_ours = [tmp_path / "notes.json.tmp", tmp_path / ".notes.json.abc.tmp", tmp_path / "x.reader.tmp"]
    for path in [dead, alive, old_alive, other_host, *not_ours]:
        path.write_text("partial", encoding="utf-8")
    old = time.time() - STALE_SECONDS - 60
    os.utime(old_alive, (old, old))
    removed = remove_stale_temporaries(tmp_path)
    assert sorted(p.name for p in removed) == sorted([dead.name, old_alive.name])
    assert alive.exists() and other_host.exists() and all(p.exists() for p in not_ours)


KILLED_WRITER = """
import os, sys, time
from pathlib import Path
import reader.export as export

def stuck(src, dst):  # the process is killed here: the temporary file is complete but not renamed
    Path(sys.argv[2]).write_text("ready")
    time.sleep(600)

export.os.replace = stuck
export.write_atomically(Path(sys.argv[1]), b"x" * 100000)
"""


def test_a_killed_export_leaves_no_temporary_file_for_good(annotated, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    ready = tmp_path / "ready"
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(out / "notes.json"), str(ready)])
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert writer.poll() is None and time.monotonic() < deadline, "the writer never got to the rename"
            time.sleep(0.02)
        leftovers = [p.name for p in out.iterdir()]
        assert len(leftovers) == 1 and leftovers[0].endswith(".reader.tmp"), leftovers
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
    finally:
        if writer.poll() is None:
            writer.kill()
    (out / "mine.tmp").write_text("the user's own", encoding="utf-8")
    annotated("export", "-o", str(out / "other.json"), check=True)
    assert sorted(p.name for p in out.iterdir()) == ["mine.tmp", "other.json"]


def test_write_atomically_names_its_temporary_file_recognisably(tmp_path, monkeypatch):
    seen: list[str] = []
    real_replace = os.replace

    def replace(src, dst):
        seen.append(Path(src).name)
        real_replace(src, dst)

    monkeypatch.setattr("reader.export.os.replace", replace)
    long_name = "很长的名字" * 16 + ".json"  # 245 bytes: a valid name, too long with a suffix added
    write_atomically(tmp_path / long_name, b"{}")
    (name,) = seen
    assert name.endswith(".reader.tmp") and len(name.encode()) < 255
    assert (tmp_path / long_name).read_bytes() == b"{}"
    with pytest.raises(UsageError, match="too long"):
        write_atomically(tmp_path / ("名" * 100 + ".json"), b"{}")


# -- CSV formulas --------------------------------------------------------------------------------------


def _data(note: str, tags: list[str]) -> dict:
    annotation = {column: "" for column in COLUMNS} | {"start": 1, "end": 2, "note": note, "tags": tags}
    return {"annotations": [annotation], "articles": [], "view": "original"}


def _row(payload: bytes) -> dict[str, str]:
    (row,) = csv.DictReader(io.StringIO(payload.decode("utf-8-sig"), newline=""))
    return row


@pytest.mark.parametrize("value", FORMULAS)
def test_csv_neutralises_formulas_by_default(value):
    row = _row(render_bytes(_data(value, [value]), "csv"))
    assert row["note"].startswith("'") and row["tags"].startswith("'")
    assert unneutralise(row["note"]) == cell(value, neutralise_formulas=False)
    kept = _row(render_bytes(_data(value, [value]), "csv", csv_formulas="keep"))
    assert kept["note"] == cell(value, neutralise_formulas=False) and not kept["note"].startswith("'")
    assert kept["start"] == "1"  # numbers are numbers either way


def test_csv_leaves_ordinary_text_alone():
    for value in ["plain", "'quoted", "1-2", "中文 = 文字", "a@b.c", ""]:
        assert _row(render_bytes(_data(value, []), "csv"))["note"] == value


def test_cli_csv_formulas_option(annotated, run_reader):
    run_reader("annotate", SIMP, "--quote", "字节跳动", "--occurrence", "2", "--tag", "=cmd|' /C calc'!A0")
    rows = list(csv.DictReader(io.StringIO(run_reader("export", "--format", "csv").stdout.lstrip("\ufeff"))))
    assert "'=cmd|' /C calc'!A0" in {r["tags"] for r in rows}
    kept = run_reader("export", "--format", "csv", "--csv-formulas", "keep").stdout.lstrip("\ufeff")
    assert "=cmd|' /C calc'!A0" in {r["tags"] for r in csv.DictReader(io.StringIO(kept))}
    one_line_error(run_reader("export", "--csv-formulas", "sometimes"), "--csv-formulas")
