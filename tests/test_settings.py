"""Settings: this clone's own file in the database folder (coder, view, theme, wrap width), `reader config`.

Unknown keys are kept and reported, bad values are one clear line (file, key, what is allowed), saving is
atomic and locked, and git never carries the file.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reader.errors import UsageError
from reader.settings import (
    KEYS,
    THEMES,
    load_settings,
    set_setting,
    settings_path,
    unset_setting,
)


def one_line(message: str, *fragments: str) -> None:
    assert "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, message


def test_defaults_without_a_file_and_nothing_written(db_dir: Path) -> None:
    settings = load_settings(db_dir)
    assert (settings.coder, settings.view, settings.theme, settings.wrap_width) == (
        "",
        "original",
        "textual-dark",
        0,
    )
    assert settings.problems == () and settings.unknown == {}
    assert not db_dir.exists()  # reading never creates anything (a read-only database stays untouched)


def test_set_get_unset_round_trip(db_dir: Path) -> None:
    set_setting(db_dir, "coder", "  Alice Wang ")
    set_setting(db_dir, "view", "Simplified")
    set_setting(db_dir, "theme", "textual-light")
    settings = set_setting(db_dir, "wrap_width", "80")
    assert (settings.coder, settings.view, settings.theme, settings.wrap_width) == (
        "Alice Wang",
        "simplified",
        "textual-light",
        80,
    )
    assert json.loads(settings_path(db_dir).read_text(encoding="utf-8")) == {
        "coder": "Alice Wang",
        "theme": "textual-light",
        "view": "simplified",
        "wrap_width": 80,
    }
    assert set_setting(db_dir, "wrap_width", 0).wrap_width == 0  # a screen passes numbers
    settings = unset_setting(db_dir, "view")
    assert settings.view == "original" and "view" not in settings.values
    assert unset_setting(db_dir, "view").view == "original"  # unsetting twice is fine


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("view", "klingon", "one of original, simplified"),
        ("theme", "neon", "one of textual-dark, textual-light"),
        ("wrap_width", "5", "from 20 to 400, or 0"),
        ("wrap_width", "wide", "a whole number"),
        ("coder", "   ", "a name on one line"),
        ("coder", "Alice\nBob", "a name on one line"),
        ("coder", "x" * 81, "at most 80 characters"),
    ],
)
def test_a_bad_value_is_one_clear_line_and_changes_nothing(db_dir: Path, key: str, value: str, allowed: str):
    set_setting(db_dir, "coder", "Alice")
    before = settings_path(db_dir).read_bytes()
    with pytest.raises(UsageError) as caught:
        set_setting(db_dir, key, value)
    one_line(str(caught.value), str(settings_path(db_dir)), key, allowed, "nothing changed")
    assert settings_path(db_dir).read_bytes() == before


def test_an_unknown_key_to_set_names_the_known_ones(db_dir: Path) -> None:
    with pytest.raises(UsageError) as caught:
        set_setting(db_dir, "colour", "red")
    one_line(str(caught.value), "colour", ", ".join(KEYS))


def test_unknown_keys_and_bad_values_in_the_file_are_kept_and_reported(db_dir: Path) -> None:
    path = settings_path(db_dir)
    path.parent.mkdir(parents=True)
    path.write_text('{"coder": "Ann", "view": "klingon", "font": {"size": 12}, "wrap_width": true}', "utf-8")
    settings = load_settings(db_dir)
    assert settings.coder == "Ann" and settings.view == "original" and settings.wrap_width == 0  # defaults
    assert settings.unknown == {"font": {"size": 12}}
    assert len(settings.problems) == 2
    for problem, key in zip(settings.problems, ("view", "wrap_width"), strict=True):
        one_line(problem, str(path), key, KEYS[key].allowed, "the default applies")
    (notice,) = settings.unknown_notices()
    one_line(notice, str(path), '"font"', "kept")
    # changing another key keeps the unknown key and the bad value as they were (nothing is dropped)
    set_setting(db_dir, "theme", "nord")
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "coder": "Ann",
        "font": {"size": 12},
        "theme": "nord",
        "view": "klingon",
        "wrap_width": True,
    }
    assert unset_setting(db_dir, "font").unknown == {}  # an unknown key can be removed on purpose


def test_an_unreadable_file_still_loads_and_is_never_overwritten(db_dir: Path) -> None:
    path = settings_path(db_dir)
    path.parent.mkdir(parents=True)
    path.write_text('{"coder": "Ann",', encoding="utf-8")
    settings = load_settings(db_dir)
    assert settings.coder == "" and len(settings.problems) == 1
    one_line(settings.problems[0], str(path), "not a valid settings file", "fix it or remove it")
    with pytest.raises(UsageError) as caught:
        set_setting(db_dir, "coder", "Bob")
    one_line(str(caught.value), str(path), "nothing changed")
    assert path.read_text(encoding="utf-8") == '{"coder": "Ann",'
    path.write_text("[1, 2]", encoding="utf-8")
    one_line(load_settings(db_dir).problems[0], "a JSON object is expected")


def test_coder_flag_then_environment_then_setting(db_dir: Path) -> None:
    settings = set_setting(db_dir, "coder", "Alice")
    assert settings.effective_coder(environ={}) == "Alice"
    assert settings.effective_coder(environ={"READER_CODER": " Bob "}) == "Bob"
    assert settings.effective_coder("Carol", environ={"READER_CODER": "Bob"}) == "Carol"
    assert settings.effective_coder("  ", environ={"READER_CODER": ""}) == "Alice"
    with pytest.raises(UsageError) as caught:
        settings.effective_coder(environ={"READER_CODER": "a\x1bb"})
    one_line(str(caught.value), "READER_CODER", "a name on one line")


def test_themes_are_textual_themes() -> None:
    from textual.theme import BUILTIN_THEMES

    assert set(THEMES) <= set(BUILTIN_THEMES)
    assert {"textual-dark", "textual-light"} <= set(THEMES) and KEYS["theme"].default in THEMES


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_never_carries_the_settings_of_a_clone(tmp_path: Path) -> None:
    """A team's project (articles, codebook, annotations) in git: `git add -A` takes the shared files but
    not this clone's settings, so a pull never signs a colleague's work with my name."""
    project = tmp_path / "project"
    db = project / "annotations"
    (db / "articles").mkdir(parents=True)
    (db / "codebook.json").write_text("{}", encoding="utf-8")
    set_setting(db, "coder", "Alice")

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, check=True).stdout

    git("init", "-q")
    git("add", "-A")
    staged = git("diff", "--cached", "--name-only").split()
    assert "annotations/codebook.json" in staged
    assert not [name for name in staged if name.startswith("annotations/local/")], staged


SETTER = """
import sys
from pathlib import Path
from reader.settings import set_setting
db, key, values = Path(sys.argv[1]), sys.argv[2], sys.argv[3].split(",")
for i in range(int(sys.argv[4])):
    set_setting(db, key, values[i % len(values)])
"""


def test_two_processes_setting_at_once_lose_nothing(db_dir: Path) -> None:
    runs = [
        subprocess.Popen([sys.executable, "-c", SETTER, str(db_dir), key, values, "40"])
        for key, values in (("theme", "nord,dracula"), ("wrap_width", "60,80"))
    ]
    assert [run.wait(timeout=60) for run in runs] == [0, 0]
    settings = load_settings(db_dir)
    assert (settings.theme, settings.wrap_width) == ("dracula", 80)
    assert settings.problems == ()


def test_kill_9_while_saving_leaves_a_whole_file(db_dir: Path) -> None:
    set_setting(db_dir, "coder", "Alice")
    run = subprocess.Popen([sys.executable, "-c", SETTER, str(db_dir), "theme", "nord,dracula", "100000"])
    deadline = time.monotonic() + 30
    while load_settings(db_dir).theme == "textual-dark" and time.monotonic() < deadline:
        time.sleep(0.01)  # wait until it is saving in a loop
    time.sleep(0.2)
    os.kill(run.pid, signal.SIGKILL)
    run.wait(timeout=10)
    settings = load_settings(db_dir)
    assert settings.problems == () and settings.coder == "Alice" and settings.theme in ("nord", "dracula")
    leftovers = [p.name for p in settings_path(db_dir).parent.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) <= 1  # at most the one being written when killed (never read as settings)


# --- reader config ---------------------------------------------------------------------------------------


def test_reader_config_lists_sets_and_unsets(run_reader, db_dir: Path) -> None:
    listed = run_reader("config", check=True).stdout
    assert "coder       -  (default)" in listed and "view        original  (default)" in listed
    assert "never shared through git" in listed
    result = run_reader("config", "coder", "Alice Wang", check=True)
    assert result.stdout.startswith("coder = Alice Wang in ")
    run_reader("config", "view", "taiwan", check=True)
    assert run_reader("config", "view", check=True).stdout == "taiwan\n"
    listed = run_reader("config", check=True, env={"READER_CODER": "Bob"}).stdout
    assert "coder       Alice Wang  (READER_CODER overrides it: Bob)" in listed
    data = json.loads(run_reader("config", "--json", check=True).stdout)
    assert data["settings"]["view"] == {"value": "taiwan", "default": False}
    assert data["settings"]["theme"] == {"value": "textual-dark", "default": True}
    run_reader("config", "--unset", "view", check=True)
    assert run_reader("config", "view", check=True).stdout == "original\n"


def test_reader_config_mistakes_are_one_line_and_exit_2(run_reader, db_dir: Path) -> None:
    for args, fragment in (
        (("config", "view", "klingon"), "one of original, simplified"),
        (("config", "colour", "red"), "unknown setting"),
        (("config", "--unset", "colour"), "no setting"),
        (("config", "--unset", "view", "theme"), "not both"),
    ):
        result = run_reader(*args)
        assert result.returncode == 2, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in result.stderr, result.stderr


def test_reader_config_reports_unknown_keys_and_bad_values(run_reader, db_dir: Path) -> None:
    path = settings_path(db_dir)
    path.parent.mkdir(parents=True)
    path.write_text('{"font": "big", "theme": "neon"}', encoding="utf-8")
    result = run_reader("config")
    assert result.returncode == 2 and "theme       textual-dark  (default)" in result.stdout
    warning, note = result.stderr.strip().splitlines()
    assert (
        warning.startswith("reader: warning: ") and '"neon"' in warning and "one of textual-dark" in warning
    )
    assert note.startswith("reader: note: ") and '"font"' in note and "kept" in note
    assert run_reader("config", "theme", "nord").returncode == 0  # fixing it works, and keeps "font"
    assert json.loads(path.read_text(encoding="utf-8")) == {"font": "big", "theme": "nord"}
    assert run_reader("config").returncode == 0
