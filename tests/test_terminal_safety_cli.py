"""Nothing the user wrote reaches the terminal raw: every `reader` command, fed one hostile string in every
field (file name, title, tag, note, description, query), run for real; stdout and stderr read as bytes.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from _hostile import HOSTILE, HOSTILE_FILE, HOSTILE_FILE_VISIBLE, VISIBLE, raw_controls, write_hostile_article
from conftest import READER_BIN
from reader.sanitise import safe_json_text, safe_line
from reader.workspace import Workspace

SIMP = "001_8eaa32b1d9703bf4.txt"


class Result:
    def __init__(self, args: tuple[str, ...], done: subprocess.CompletedProcess[bytes]) -> None:
        self.args = args
        self.returncode = done.returncode
        self.stdout = done.stdout.decode("utf-8")
        self.stderr = done.stderr.decode("utf-8")


@pytest.fixture
def hostile(seeds_dir: Path, db_dir: Path, tmp_path: Path):
    """A library with the hostile article, and annotations, tags and a description made of HOSTILE."""
    article_id = write_hostile_article(seeds_dir)
    ws = Workspace(seeds_dir, db_dir)
    ws.annotate(ws.load(article_id), 0, 4, tags=[HOSTILE, "plain"], note=HOSTILE)
    simp = ws.load(SIMP)
    start, end = ws.find(simp, "字节跳动")[0]
    ws.annotate(simp, start, end, tags=[HOSTILE], note=HOSTILE)
    ws.codebook.set_description(HOSTILE, HOSTILE)

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        full_env = {**os.environ, "READER_ARTICLES": str(seeds_dir), "READER_DB": str(db_dir), **(env or {})}
        done = subprocess.run(
            [str(READER_BIN), *args], capture_output=True, env=full_env, cwd=tmp_path, timeout=120
        )
        return Result(args, done)

    return run


def assert_safe(result: Result) -> None:
    for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        leaks = raw_controls(text)
        assert not leaks, f"reader {result.args!r} wrote raw {leaks!r} to {name}:\n{text}"
    assert "Traceback" not in result.stderr, result.stderr


def test_list_shows_the_hostile_file_name_and_title_as_symbols(hostile):
    result = hostile("list")
    assert_safe(result)
    assert result.returncode == 0
    row = next(line for line in result.stdout.splitlines() if HOSTILE_FILE_VISIBLE in line)
    assert "0标题␛]0;pwned␇␛[2J" in row  # the title, on the same single line
    listed = hostile("list", "--json")
    assert_safe(listed)
    rows = json.loads(listed.stdout)  # escapes, not raw characters, and still the exact values
    assert HOSTILE_FILE in {r["id"] for r in rows}
    assert "\\u009b" in listed.stdout and "\\u202e" in listed.stdout


def test_tags_and_every_tags_action(hostile):
    table = hostile("tags")
    assert_safe(table)
    assert f"{VISIBLE}" in table.stdout  # the tag, and its description
    assert table.stdout.count(VISIBLE) == 2
    as_json = hostile("tags", "--json")
    assert_safe(as_json)
    assert {t["name"] for t in json.loads(as_json.stdout)} == {HOSTILE, "plain"}
    for args in (
        ("tags", "describe", HOSTILE, HOSTILE),
        ("tags", "color", HOSTILE, "red"),
        ("tags", "create", HOSTILE + "2", "--description", HOSTILE),
        ("tags", "rename", HOSTILE + "2", HOSTILE + "3"),
        ("tags", "merge", HOSTILE + "3", HOSTILE),
        ("tags", "rename", HOSTILE, HOSTILE + "/sub"),  # refused: into its own sub-tag
        ("tags", "delete", "plain"),
        ("tags", "delete", HOSTILE),
    ):
        result = hostile(*args)
        assert_safe(result)
        assert result.returncode in (0, 2), (args, result.stderr)
    refused = hostile("tags", "rename", "nothing" + HOSTILE, "x")
    assert refused.returncode == 2 and "nothing危" in refused.stderr


def test_tags_rename_message_shows_both_names_as_symbols(hostile):
    result = hostile("tags", "rename", HOSTILE, "新" + HOSTILE)
    assert_safe(result)
    assert result.returncode == 0
    assert result.stdout.startswith(f"renamed {VISIBLE} to 新{VISIBLE}: ")


def test_search_plain_and_json(hostile):
    result = hostile("search", "字节跳动")
    assert_safe(result)
    assert result.returncode == 0
    assert f"#{VISIBLE}" in result.stdout  # the tag of the passage the match is in
    assert any(line.startswith(HOSTILE_FILE_VISIBLE + ":") for line in result.stdout.splitlines())
    as_json = hostile("search", "字节跳动", "--json")
    assert_safe(as_json)
    hits = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert HOSTILE_FILE in {hit["article_id"] for hit in hits}
    for query in (HOSTILE, "清屏", "  \x1b  "):
        assert_safe(hostile("search", query))
        assert_safe(hostile("search", query, "--json", "--tag", HOSTILE))


def test_export_every_format_to_stdout(hostile):
    for fmt in ("json", "w3c", "csv", "md", "jsonl", "qdc"):
        result = hostile("export", "--format", fmt)
        assert_safe(result)
        assert result.returncode == 0, result.stderr
    exported = json.loads(hostile("export").stdout)
    assert {a["note"] for a in exported["annotations"]} == {HOSTILE}  # lossless: escapes, not symbols
    filtered = hostile("export", "--tag", HOSTILE, "--article", HOSTILE_FILE, "--format", "md")
    assert_safe(filtered)
    assert f"`{VISIBLE.replace('⏎', '↵')}`" in filtered.stdout  # the tag, as a Markdown code span


def test_annotate_convert_import_and_their_errors(hostile, seeds_dir, tmp_path):
    for args in (
        ("annotate", HOSTILE_FILE, "--quote", "字节跳动", "--tag", HOSTILE, "--note", HOSTILE),
        ("annotate", HOSTILE_FILE, "--quote", HOSTILE, "--tag", "x"),  # not found: the quote in the error
        ("annotate", "missing" + HOSTILE, "--quote", "x", "--tag", "x"),
        ("annotate", SIMP, "--quote", "字节跳动", "--occurrence", "1", "--tag", "a//" + HOSTILE),
        ("convert", HOSTILE_FILE, "--to", "simplified"),
        ("convert", str(seeds_dir / HOSTILE_FILE), "--to", "taiwan"),
        ("convert", "nothing" + HOSTILE, "--to", "taiwan"),
        ("import", str(tmp_path / ("no" + HOSTILE + ".json"))),
        ("export", "-o", str(tmp_path / ("no" + HOSTILE) / "x.json")),
        ("list", "--articles", str(tmp_path / ("no" + HOSTILE))),
        ("frobnicate" + HOSTILE,),
        ("export", "--format", HOSTILE),
    ):
        result = hostile(*args)
        assert_safe(result)
        assert result.returncode in (0, 2), (args, result.stderr)
        if result.returncode == 2:
            assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    converted = hostile("convert", HOSTILE_FILE, "--to", "simplified")
    assert "␛]0;pwned␇" in converted.stdout


def test_word_commands(hostile):
    for args in (
        ("gloss", HOSTILE),
        ("gloss", HOSTILE, "--json"),
        ("words", "--add", HOSTILE),
        ("words", "--tag", HOSTILE),
        ("words", "--article", HOSTILE_FILE, "--json"),
        ("words", "--article", HOSTILE_FILE),
        ("search", "字节跳动", "--word"),
    ):
        result = hostile(*args)
        assert_safe(result)
        assert result.returncode in (0, 2), (args, result.stderr)


def test_override_commands(hostile):
    for args in (
        ("overrides", "add", HOSTILE, "x", "--view", "taiwan"),  # refused: a control in the phrase
        ("overrides", "add", "字节", "字節", "--view", "taiwan", "--article", HOSTILE_FILE),
        ("overrides", "list"),
        ("overrides", "list", "--json"),
        ("overrides", "--json"),
        ("overrides", "remove", HOSTILE, "--view", "taiwan"),  # refused: no such override
        ("overrides", "remove", "字节", "--view", "taiwan", "--article", HOSTILE_FILE),
        ("convert", HOSTILE_FILE, "--to", "taiwan", "--from", "traditional", "--phrases", "on"),
    ):
        result = hostile(*args)
        assert_safe(result)
        assert result.returncode in (0, 2), (args, result.stderr)
    assert hostile("overrides", "add", HOSTILE, "x", "--view", "taiwan").returncode == 2


def test_agreement(hostile, tmp_path):
    exports = []
    for coder in ("甲" + HOSTILE.replace("/", ""), "乙"):
        path = tmp_path / f"{coder}.json"
        path.write_text(hostile("export").stdout, encoding="utf-8")
        exports.append(str(path))
    for extra in ((), ("--json",)):
        result = hostile("agreement", *extra, "--from-exports", *exports)
        assert_safe(result)
        assert result.returncode == 0, result.stderr


def test_import_summary_and_orphans_are_safe(hostile, tmp_path):
    export = tmp_path / ("export" + HOSTILE.replace("\n", "").replace("/", "") + ".json")
    data = json.loads(hostile("export").stdout)
    for annotation in data["annotations"]:  # moved to an article that does not exist: orphans, listed
        annotation["article_id"] = "gone" + HOSTILE
        annotation["modified"] = "2999-01-01T00:00:00+00:00"
    export.write_text(safe_json_text(json.dumps(data, ensure_ascii=False)), encoding="utf-8")
    result = hostile("import", str(export))
    assert_safe(result)
    assert result.returncode == 0, result.stderr
    assert "orphan" in result.stdout and safe_line("gone" + HOSTILE) in result.stdout


def test_web_article_commands(hostile, tmp_path):
    page = tmp_path / ("页" + HOSTILE.replace("/", "").replace("\n", "") + ".html")
    page.write_text(
        f"<html><head><title>{HOSTILE}</title><meta name='author' content='{HOSTILE}'></head><body>"
        f"<article><h1>{HOSTILE}</h1>"
        + "<p>第一段正文，字节跳动宣布恢复服务。</p>" * 8
        + "</article></body></html>",
        encoding="utf-8",
    )
    for args in (
        ("show", HOSTILE_FILE),
        ("show", HOSTILE_FILE, "--json"),
        ("show", HOSTILE_FILE, "--repaired"),
        ("correct", HOSTILE_FILE, "--not-article", "--quote", "第二段", "--note", HOSTILE),
        ("correct", HOSTILE_FILE),
        ("show", "missing" + HOSTILE),
        ("add", str(page)),
        ("add", str(page), "--json"),
        ("add", str(tmp_path / ("nothing" + HOSTILE))),
    ):
        result = hostile(*args)
        assert_safe(result)
        assert result.returncode in (0, 2), (args, result.stderr)


def test_config(hostile, db_dir):
    """Settings hold user text too: a coder name, and whatever keys and values the file was given."""
    from reader.settings import settings_path

    path = settings_path(db_dir)
    path.parent.mkdir(parents=True, exist_ok=True)  # the database's local folder may exist already
    path.write_text(json.dumps({HOSTILE: HOSTILE, "theme": HOSTILE, "coder": "甲"}), encoding="utf-8")
    for args in (
        ("config",),
        ("config", "--json"),
        ("config", "theme"),
        ("config", "coder", HOSTILE),  # refused: not one line
        ("config", HOSTILE, "x"),
        ("config", HOSTILE),
        ("config", "--unset", HOSTILE),
        ("config", "view", HOSTILE),
    ):
        result = hostile(*args)
        assert_safe(result)
        assert result.returncode in (0, 2), (args, result.stderr)
    assert_safe(hostile("config", env={"READER_CODER": HOSTILE}))


def test_every_command_is_fed_the_hostile_string():
    """A new sub-command must be added to the checks above (its output is user data too)."""
    import argparse

    from reader.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    source = Path(__file__).read_text(encoding="utf-8")
    untested = [
        name for name in sub.choices if f'("{name}"' not in source and f'hostile("{name}"' not in source
    ]
    assert untested == []


def test_team_commands(hostile, seeds_dir, db_dir):
    """Another coder's hostile tags and notes, shown by the team commands; a hostile key or remote name."""
    from _hostile import write_hostile_article

    article_id = write_hostile_article(seeds_dir)
    other = Workspace(seeds_dir, db_dir, coder="乙")
    other.annotate(other.load(article_id), 1, 5, tags=[HOSTILE], note=HOSTILE)
    other.store.close()
    for args in (
        ("coders",),
        ("coders", "--json"),
        ("coded", article_id),
        ("coded", "--json"),
        ("coded", "missing" + HOSTILE),
        ("merge",),
        ("merge", "--json"),
        ("merge", "decide", HOSTILE, "--all"),
        ("merge", "decide", "deadbeef", "--take", HOSTILE),
        ("sync",),
        ("sync", "--remote", HOSTILE),
    ):
        result = hostile(*args)
        assert_safe(result)
        assert result.returncode in (0, 2), (args, result.stderr)
