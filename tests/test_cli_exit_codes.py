"""Bad input gets a clear answer: one exit-code rule (0 success, 2 a user or data problem in one line, 1 only
for a bug), output in any encoding, and the app refusing to draw into a file."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import DATA, READER_BIN
from reader.cli import main

SIMP = "001_8eaa32b1d9703bf4.txt"
TRAD = "002_ced27b30dc7015ea.txt"


def one_line(result, code: int = 2) -> str:
    assert result.returncode == code, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


# -- exit codes ------------------------------------------------------------------------------------------


def test_a_damaged_database_file_is_a_data_problem(run_reader, db_dir, tmp_path):
    run_reader("annotate", SIMP, "--quote", "字节跳动", "--occurrence", "1", "--tag", "公司", check=True)
    export = tmp_path / "all.json"
    run_reader("export", "-o", str(export), check=True)
    (damaged,) = [p for p in db_dir.glob("coders/*/articles/*") if p.suffix in (".json", ".log")]
    damaged.write_bytes(b"{not json")
    for args in (
        ("annotate", SIMP, "--quote", "字节跳动", "--occurrence", "2", "--tag", "x"),
        ("export",),
        ("import", str(export)),
    ):
        assert damaged.name in one_line(run_reader(*args)), args
    assert damaged.read_bytes() == b"{not json"


def test_a_database_path_that_is_a_file_is_a_user_problem(run_reader, tmp_path):
    not_a_folder = tmp_path / "afile"
    not_a_folder.write_text("", encoding="utf-8")
    for command in ("list", "tags", "export"):
        assert "afile" in one_line(run_reader(command, "--db", str(not_a_folder))), command


def test_text_that_is_not_utf8_is_refused_not_a_bug(run_reader):
    not_utf8 = "a\udcff"  # the byte 0xFF on the command line, as Python hands it over
    line = one_line(run_reader("tags", "create", not_utf8))
    assert "not valid UTF-8" in line and "tag" in line
    line = one_line(
        run_reader(
            "annotate", SIMP, "--quote", "字节跳动", "--occurrence", "1", "--tag", "x", "--note", not_utf8
        )
    )
    assert "note" in line
    assert json.loads(run_reader("tags", "--json", check=True).stdout) == []  # nothing stored


def test_a_bug_is_exit_1_with_where_to_report_it(seeds_dir, db_dir, monkeypatch, capsys):
    def broken(self):
        raise RuntimeError("boom \x1b]0;pwned\x07")

    monkeypatch.setattr("reader.workspace.Workspace.articles", broken)
    monkeypatch.delenv("READER_DEBUG", raising=False)
    args = ["list", "--articles", str(seeds_dir), "--db", str(db_dir)]
    assert main(args) == 1
    err = capsys.readouterr().err
    (line,) = err.strip().splitlines()
    assert "internal error" in line and "RuntimeError: boom ␛]0;pwned␇" in line
    assert "report it at https://" in line and "READER_DEBUG=1" in line and ".py:" in line
    monkeypatch.setenv("READER_DEBUG", "1")
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "\x1b" not in err


def test_a_missing_dependency_is_the_environments_problem(seeds_dir, db_dir, monkeypatch, capsys):
    def missing(self):
        raise ModuleNotFoundError("No module named 'orjson'", name="orjson")

    monkeypatch.setattr("reader.workspace.Workspace.articles", missing)
    assert main(["list", "--articles", str(seeds_dir), "--db", str(db_dir)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "'orjson'" in line and "pip install" in line


def test_a_closed_pipe_is_not_an_error(seeds_dir, db_dir):
    shutil.copy(DATA / "zuozhuan.txt", seeds_dir / "zuozhuan.txt")
    env = {**os.environ, "READER_ARTICLES": str(seeds_dir), "READER_DB": str(db_dir)}
    proc = subprocess.Popen(
        [str(READER_BIN), "convert", "zuozhuan.txt", "--to", "simplified"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(100)
    proc.stdout.close()  # like `| head -c 100`
    err = proc.stderr.read().decode("utf-8")
    assert proc.wait(timeout=60) == 0
    assert err == ""


# -- encodings ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "big5"])
def test_output_in_an_encoding_without_chinese_is_escaped_not_a_crash(
    run_reader, seeds_dir, db_dir, encoding
):
    run_reader("annotate", SIMP, "--quote", "字节跳动", "--occurrence", "1", "--tag", "公司😀", check=True)
    env = {**os.environ, "READER_ARTICLES": str(seeds_dir), "READER_DB": str(db_dir)}
    env["PYTHONIOENCODING"] = encoding

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([str(READER_BIN), *args], capture_output=True, env=env, timeout=60)
        return subprocess.CompletedProcess(
            args, done.returncode, done.stdout.decode(encoding), done.stderr.decode(encoding)
        )

    for args in (("list",), ("tags",), ("search", "字节跳动"), ("convert", SIMP, "--to", "taiwan")):
        result = run(*args)
        assert result.returncode == 0 and "Traceback" not in result.stderr, (args, result.stderr)
        assert "\\u" in result.stdout
        assert result.stderr.strip().splitlines()[-1].startswith("reader: note: the output encoding")
        assert "LANG=C.UTF-8" in result.stderr
    for args in (("list", "--json"), ("tags", "--json")):
        assert json.loads(run(*args).stdout) == json.loads(run_reader(*args, check=True).stdout)  # exact
    # 简 is not in Big5 either
    assert "\\u7b80.txt" in one_line(run("annotate", "简.txt", "--quote", "x", "--tag", "y"))


# -- the app needs a terminal ----------------------------------------------------------------------------


def run_app(env: dict[str, str], *, stdin: bool, stdout: bool, stderr: bool, timeout: float = 20):
    """`reader` with each standard stream a terminal (a pty) or not; (exit code, terminal text, stderr)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [str(READER_BIN)],
        stdin=slave if stdin else subprocess.DEVNULL,
        stdout=slave if stdout else subprocess.PIPE,
        stderr=slave if stderr else subprocess.PIPE,
        env=env,
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + timeout
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break
        code = proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError(f"reader did not refuse, it ran (screen so far: {seen[-300:]!r})") from None
    finally:
        os.close(master)
    err = proc.stderr.read().decode("utf-8") if proc.stderr else ""
    return code, seen.decode("utf-8", "replace"), err


@pytest.fixture
def app_env(seeds_dir: Path, db_dir: Path) -> dict[str, str]:
    env = {**os.environ, "READER_ARTICLES": str(seeds_dir), "READER_DB": str(db_dir)}
    return {**env, "TERM": "xterm-256color"}


def test_the_app_refuses_to_draw_into_a_file(app_env):
    code, screen, _ = run_app(app_env, stdin=True, stdout=True, stderr=False)
    assert code == 2 and "\x1b[" not in screen
    code, screen, _ = run_app(app_env, stdin=True, stdout=False, stderr=True)
    assert code == 2 and "standard output is not a terminal" in screen and "\x1b[" not in screen
    code, screen, _ = run_app(app_env, stdin=False, stdout=True, stderr=True)
    assert code == 2 and "standard input is not a terminal" in screen
    assert len(screen.strip().splitlines()) == 1


def test_the_app_refuses_a_terminal_that_cannot_show_chinese(app_env):
    code, screen, _ = run_app({**app_env, "PYTHONIOENCODING": "ascii"}, stdin=True, stdout=True, stderr=True)
    assert code == 2 and "cannot show Chinese" in screen and "LANG=C.UTF-8" in screen
