"""The app's segmenter cuts in a helper process (reader.wordprocess): the same words as in this process,
the same cache fingerprint, the user's words passed along, and this process as a fallback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from _words import dictionary_index, install_dictionary  # noqa: F401  (fixture)
from reader import wordprocess
from reader.wordprocess import HelperSegmenter, adopt, helper_pid
from reader.words import words_for

SEED = "001_8eaa32b1d9703bf4.txt"


@pytest.fixture
def ws(workspace, db_dir: Path, dictionary_index: Path):  # noqa: F811
    install_dictionary(dictionary_index, db_dir)
    return workspace


def test_the_helper_cuts_exactly_as_this_process_would_and_shares_the_cache_key(ws) -> None:
    words = words_for(ws)
    article = ws.load(SEED)
    text = ws.converter.view(article, "simplified").text
    here = words.segmenter.word_spans(text)
    fingerprint = words.refresh_user_words()
    helper = adopt(words)
    assert adopt(words) is helper and isinstance(words.segmenter, HelperSegmenter)
    assert words.refresh_user_words() == fingerprint  # the disk cache stays valid
    there = helper.word_spans(text)
    assert helper_pid() not in (None, os.getpid())
    assert (list(there[0]), list(there[1])) == (list(here[0]), list(here[1]))


def test_user_words_reach_the_helper(ws) -> None:
    words = words_for(ws)
    adopt(words)
    text = "禁令发布后的一周内"
    assert words.segmenter.cut(text)[0] == "禁令"
    (ws.store.path / "user-words.txt").parent.mkdir(parents=True, exist_ok=True)
    (ws.store.path / "user-words.txt").write_text("禁令发布\n", encoding="utf-8")
    words.refresh_user_words()
    assert words.segmenter.cut(text)[0] == "禁令发布"


def test_without_the_helper_this_process_cuts(ws, monkeypatch: pytest.MonkeyPatch) -> None:
    words = words_for(ws)
    helper = adopt(words)
    monkeypatch.setattr(wordprocess._HELPER, "broken", True)
    assert helper.cut("人工智能时代的大数据") == ["人工智能", "时代", "的", "大数据"]
