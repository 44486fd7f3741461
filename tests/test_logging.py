"""Logging: what reader recovers from is logged at debug level, only when asked (`--log FILE`, READER_LOG)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reader.errors import StoreError
from reader.search import CorpusSearch
from test_cli import TRAD_SEED, assert_one_line_error


def _block_the_metadata_cache(db_dir: Path) -> None:
    (db_dir / "local").mkdir(parents=True, exist_ok=True)
    (db_dir / "local" / "cache").write_text("a file where the cache folder should be", encoding="utf-8")


def test_a_swallowed_failure_is_logged_only_when_asked(run_reader, db_dir, tmp_path):
    _block_the_metadata_cache(db_dir)
    quiet = run_reader("list", check=True)
    assert quiet.stderr == ""  # the listing works; nothing about the cache on the terminal
    log = tmp_path / "reader.log"
    run_reader("--log", str(log), "list", check=True)
    text = log.read_text(encoding="utf-8")
    assert "reader.library DEBUG" in text and "cannot write the metadata cache" in text
    assert str(db_dir) in text


def test_the_log_can_be_asked_for_after_the_command_or_in_the_environment(run_reader, db_dir, tmp_path):
    _block_the_metadata_cache(db_dir)
    after = tmp_path / "after.log"
    run_reader("list", "--log", str(after), check=True)
    assert "cannot write the metadata cache" in after.read_text(encoding="utf-8")
    env_log = tmp_path / "env.log"
    run_reader("list", check=True, env={"READER_LOG": str(env_log)})
    assert "cannot write the metadata cache" in env_log.read_text(encoding="utf-8")


def test_a_log_file_that_cannot_be_written_is_one_line(run_reader, tmp_path):
    result = run_reader("--log", str(tmp_path), "list")  # a folder
    assert_one_line_error(result, "cannot write the log file", str(tmp_path))


def test_log_records_carry_no_control_sequences(run_reader, seeds_dir, tmp_path):
    db = tmp_path / "db\x1b]0;pwned\x07"
    _block_the_metadata_cache(db)
    log = tmp_path / "reader.log"
    run_reader("--db", str(db), "--log", str(log), "list", check=True)
    text = log.read_text(encoding="utf-8")
    assert "cannot write the metadata cache" in text
    assert "\x1b" not in text and "\x07" not in text and "␛]0;pwned␇" in text


def test_a_search_cache_that_cannot_be_written_is_a_store_error(run_reader, workspace, db_dir):
    (db_dir / "local" / "cache").mkdir(parents=True)
    (db_dir / "local" / "cache" / "search").write_text("not a folder", encoding="utf-8")
    with pytest.raises(
        StoreError, match="cannot create the search cache"
    ):  # the database's, not a usage error
        list(CorpusSearch(workspace).search("字节"))
    result = run_reader("search", "字节")
    assert result.returncode == 2 and "cannot create the search cache" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_store_logs_an_index_it_cannot_write_and_works_without_it(run_reader, db_dir, tmp_path):
    from reader.store.coders import folder_name

    # a folder where the store's index of the CLI coder's annotations goes (local/index/<coder folder>.json)
    index = db_dir / "local" / "index" / f"{folder_name(os.environ['READER_CODER'])}.json"
    index.mkdir(parents=True)
    run_reader("annotate", TRAD_SEED, "--quote", "小红书", "--occurrence", "1", "--tag", "x", check=True)
    log = tmp_path / "reader.log"
    listed = run_reader("--log", str(log), "list", check=True)
    assert listed.stderr == ""
    text = log.read_text(encoding="utf-8")
    assert "reader.store.index DEBUG cannot write" in text and str(index) in text
    assert run_reader("export", "--format", "json", "-o", "-", check=True).stdout.count('"x"') == 1


def test_an_analysis_cache_that_cannot_be_written_is_logged_and_the_answer_still_comes(
    run_reader, db_dir, tmp_path
):
    _block_the_metadata_cache(db_dir)  # the analysis cache lives in the same folder
    log = tmp_path / "reader.log"
    shown = run_reader("--log", str(log), "show", TRAD_SEED, "--json", check=True)
    assert '"title"' in shown.stdout and shown.stderr == ""
    text = log.read_text(encoding="utf-8")
    assert "reader.analysis DEBUG cannot write the analysis cache" in text
