"""A command imports only what it needs: its own module, not every command's (``reader annotate`` is a
whole process per save, so its imports are most of its cost)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from reader.cli import COMMAND_MODULES, build_parser, main
from reader.store import AnnotationStore

SIMP_SEED = "001_8eaa32b1d9703bf4.txt"


def _commands(parser: argparse.ArgumentParser) -> list[str]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return list(sub.choices)


def test_the_command_table_names_what_each_module_adds():
    everything = _commands(build_parser())
    assert everything == [command for commands in COMMAND_MODULES.values() for command in commands]
    for commands in COMMAND_MODULES.values():
        for command in commands:
            assert _commands(build_parser([command])) == list(commands)


def test_the_command_is_found_after_the_options_of_reader_itself():
    for argv in (
        ["--db", "annotate", "list"],  # a folder named like a command is the option's value
        ["--db=annotate", "list"],
        ["--art", "export", "--log", "annotate", "list", "--json"],  # abbreviations, as argparse allows
        ["--", "list"],
    ):
        assert _commands(build_parser(argv)) == ["list", "convert"], argv
    assert len(_commands(build_parser(["--help"]))) == len(_commands(build_parser()))


def test_an_unknown_command_is_refused_with_every_command_listed(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["frobnicate"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'frobnicate'" in err and "'annotate'" in err and "'export'" in err


def test_annotate_with_offsets_imports_neither_conversion_nor_other_commands(seeds_dir, db_dir, tmp_path):
    """Nor the codebook (a tag enters it by being used), nor `logging` when no log is asked for; and once the
    folder is set up (the second run), the quick save imports none of the store's heavy modules nor the
    libraries that made `reader annotate` 5x a one-insert SQLite process (reader.store.append, issue 10)."""
    code = (
        "import json, sys; from reader.cli import main; "
        f"code = main(['--articles', {str(seeds_dir)!r}, '--db', {str(db_dir)!r}, 'annotate', {SIMP_SEED!r}, "
        "'--start', '3', '--end', '9', '--tag', 'x']); "
        "print(json.dumps([code, sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('opencc', 'reader', 'logging', 'filelock', 'orjson', 'dataclasses', "
        "'pathlib', 'typing', 'uuid', 'datetime', 'tempfile'))]))"
    )
    runs = []
    for _ in range(2):  # the first one also lists the folder (script detection reads OpenCC's version)
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
        )
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    assert [status for status, _ in runs] == [0, 0]
    loaded = set(runs[1][1])
    assert not {m for m in loaded if m.startswith(("reader.convert", "opencc"))}
    assert not loaded & {"reader.export", "reader.agreement", "reader.cli.exchange", "reader.cli.library"}
    assert "reader.cli.annotate" in loaded and "reader.store" in loaded
    assert not loaded & {"reader.codebook", "logging", "filelock"}
    heavy = {"reader.workspace", "reader.store.store", "reader.store.records", "reader.articles"}
    assert not loaded & heavy
    assert not loaded & {"orjson", "dataclasses", "pathlib", "typing", "uuid", "datetime", "tempfile"}
    with AnnotationStore(db_dir) as store:
        assert store.counts() == {SIMP_SEED: 2}
