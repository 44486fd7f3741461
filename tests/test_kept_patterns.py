"""Regexes whose compiled form is kept on disk (reader.kept_patterns): they match exactly as ``re.compile``'s,
the second process compiles nothing, and a damaged, foreign or stale file is never trusted."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader import kept_patterns
from reader.kept_patterns import compile_patterns
from reader.scripts import _Script, _script_chars

TRAD, SIMP = _script_chars()
SOURCES = dict(zip(("trad blocks", "trad single"), _Script.patterns(TRAD), strict=True))
SOURCES["simp blocks"], SOURCES["simp single"] = _Script.patterns(SIMP)
SOURCES["plain"] = r"[a-c\]\\-]+x?"


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "reader"


def _no_compiling(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(pattern: str) -> object:
        raise AssertionError(f"compiled again: {pattern[:20]!r}")

    monkeypatch.setattr(kept_patterns, "_compile", refuse)


def _kept_file(cache_home: Path) -> Path:
    (found,) = cache_home.glob("test-patterns-*.json")
    return found


# the scripts' characters, others, astral ones, ASCII the classes escape
_CHARS = st.sampled_from(sorted(TRAD)[:300] + sorted(SIMP)[:300] + list("的是了之。a]\\-^\n𠀀🙂"))


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(st.text(_CHARS, max_size=400), min_size=1, max_size=5))
def test_kept_patterns_match_exactly_as_re_compiles_them(
    tmp_path_factory: pytest.TempPathFactory, texts: list[str]
) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        compile_patterns(SOURCES, "test-patterns")  # compiles and keeps
        mp.setattr(kept_patterns, "_compile", _refuse)
        kept = compile_patterns(SOURCES, "test-patterns")  # only loads
    for key, source in SOURCES.items():
        expected = re.compile(source)
        assert (kept[key].pattern, kept[key].flags) == (expected.pattern, expected.flags)
        for text in texts:
            assert kept[key].findall(text) == expected.findall(text), key


def _refuse(pattern: str) -> object:
    raise AssertionError("compiled again")


def test_the_second_process_compiles_nothing(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compile_patterns(SOURCES, "test-patterns")
    assert _kept_file(cache_home).stat().st_size > 0
    _no_compiling(monkeypatch)
    assert compile_patterns(SOURCES, "test-patterns")["simp single"].findall("说說") == ["说"]


def test_a_changed_pattern_is_compiled_again_not_taken_from_the_file(cache_home: Path) -> None:
    compile_patterns({"p": "[ab]"}, "test-patterns")
    assert compile_patterns({"p": "[xy]"}, "test-patterns")["p"].findall("abxy") == ["x", "y"]
    # and the same length with other characters
    compile_patterns({"q": "[ab]+"}, "test-patterns")
    assert compile_patterns({"q": "[cd]+"}, "test-patterns")["q"].findall("abcd") == ["cd"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"{not json",
        lambda data: data[: len(data) // 2],
        lambda data: json.dumps({"engine": "other", "patterns": {}}).encode(),
        # the engine's own check: code it cannot run
        lambda data: _with_code(data, lambda code: [999_999, *code[1:]]),
        lambda data: _with_code(data, lambda code: code[: len(code) // 2]),
        lambda data: _with_code(data, lambda code: ["x", *code[1:]]),
        lambda data: _with_code(data, lambda code: [2**40, *code[1:]]),
    ],
    ids=["garbage", "cut", "foreign engine", "bad opcode", "cut code", "not ints", "too large"],
)
def test_a_damaged_or_foreign_file_is_never_trusted(cache_home: Path, damage) -> None:
    sources = {"p": "[ab]+", "s": SOURCES["simp single"]}
    compile_patterns(sources, "test-patterns")
    path = _kept_file(cache_home)
    path.write_bytes(damage(path.read_bytes()))
    again = compile_patterns(sources, "test-patterns")
    assert again["p"].findall("xaby") == ["ab"]
    assert again["s"].findall("说說") == ["说"]


def _with_code(data: bytes, change) -> bytes:
    raw = json.loads(data)
    for entry in raw["patterns"].values():
        entry[3] = change(entry[3])
    return json.dumps(raw).encode()


def test_no_writable_cache_folder_still_compiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert compile_patterns({"p": "[ab]+"}, "test-patterns")["p"].findall("xaby") == ["ab"]
