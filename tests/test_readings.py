"""Readings: pinyin (phrase-aware), zhuyin, jyutping, grouped by word and placed above a line in cells."""

from __future__ import annotations

import itertools
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.convert import Converter
from reader.errors import UsageError
from reader.layout import char_width
from reader.readings import (
    ReadingSpan,
    char_readings,
    place_readings,
    reading_line,
    reading_spans,
    view_readings,
)
from reader.words import ViewWords, Words


@pytest.fixture(scope="module")
def converter() -> Converter:
    return Converter()


def test_pinyin_reads_phrases_not_characters(converter):
    assert char_readings("重庆") == ["chóng", "qìng"]  # 重 alone would be zhòng
    assert char_readings("银行行长") == ["yín", "háng", "háng", "zhǎng"]
    assert char_readings("重慶的銀行", converter=converter) == ["chóng", "qìng", "de", "yín", "háng"]


def test_characters_without_a_reading_keep_their_place():
    assert char_readings("TikTok，重庆 2025") == [""] * 7 + ["chóng", "qìng"] + [""] * 5


def test_zhuyin_and_jyutping():
    assert char_readings("重庆", "zhuyin") == ["ㄔㄨㄥˊ", "ㄑㄧㄥˋ"]
    assert char_readings("香港人", "jyutping") == ["hoeng1", "gong2", "jan4"]
    with pytest.raises(UsageError, match="unknown reading"):
        char_readings("香港", "wadegiles")


def test_readings_are_grouped_by_word():
    text = "我们去重庆，吃火锅。"
    spans = reading_spans(text, char_readings(text), [(0, 2), (2, 3), (3, 5), (6, 7), (7, 9)])
    assert [(s.start, s.end, s.reading) for s in spans] == [
        (0, 2, "wǒmen"),
        (2, 3, "qù"),
        (3, 5, "chóngqìng"),
        (6, 7, "chī"),
        (7, 9, "huǒguō"),
    ]


def test_reading_line_starts_each_reading_over_its_word_and_never_overlaps():
    text = "我们去重庆，吃火锅。"
    spans = reading_spans(text, char_readings(text), [(0, 2), (2, 3), (3, 5), (6, 7), (7, 9)])
    line = reading_line(text, spans, width=40)
    assert line == "wǒmen chóngqìng huǒguō"  # 去 and 吃 have no room left: they are left out, not squeezed
    assert line.index("chóngqìng") == 6  # 重 is at cell 6
    assert reading_line(text, spans) == "wǒmen chóngqìng"  # without a width: the line's own 20 cells


def test_view_readings_of_a_traditional_view_use_its_words(converter):
    from types import SimpleNamespace

    text = "熱潮恐曇花一現，重慶的銀行。"
    article = SimpleNamespace(text=text, sha256="1" * 64)
    words = ViewWords(Words(converter).for_article(article), converter.view(article, "original").offsets)
    spans = view_readings(text, 2, 9, words=words, converter=converter)
    assert [(text[s.start : s.end], s.reading) for s in spans] == [
        ("恐", "kǒng"),
        ("曇花一現", "tánhuāyīxiàn"),
        ("重慶", "chóngqìng"),
    ]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 4), st.text("abcdefghijklmnopqrstuvwxyzǎ", min_size=1, max_size=12)),
        max_size=20,
    ),
    st.integers(10, 60),
)
def test_placed_readings_fit_the_width_start_inside_their_word_and_do_not_touch(words, width):
    line = "".join("字" * n for n, _ in words)
    spans, pos = [], 0
    for n, reading in words:
        spans.append(ReadingSpan(pos, pos + n, reading, (reading,)))
        pos += n
    cells = [0]
    for ch in line:
        cells.append(cells[-1] + char_width(ch))
    placed = place_readings(line, spans, width=width)
    for p in placed:
        assert cells[p.start] <= p.cell < cells[p.end]
        assert p.cell + len(p.reading) <= width
    for a, b in itertools.pairwise(placed):
        assert a.cell + len(a.reading) < b.cell


@pytest.mark.parametrize(
    "first_reader",
    [
        "from reader.readings import char_readings as read; assert read('重庆') == ['chóng', 'qìng']",
        "from reader.readings import char_readings as read; assert read('香港', 'jyutping')[0] == 'hoeng1'",
        "from reader.damage import readings as read; assert 'háng' in read('行')",  # the damage scan
        "from reader.dictionary import marked_pinyin as read; assert read('lu:4') == 'lǜ'",  # the popup
    ],
)
def test_the_reading_tables_are_kept_out_of_the_cycle_collectors_way(first_reader):
    """pypinyin's and ToJyutping's tables (~470,000 objects) live as long as the process: were the cycle
    collector to walk them at each full collection, page-down frames would stall for 35-60 ms (issue 14),
    whichever part of the app loaded them first. A fresh interpreter: this one may have loaded them."""
    script = f"""
import gc
walked, frozen = len(gc.get_objects()), gc.get_freeze_count()
{first_reader}
print(len(gc.get_objects()) - walked, gc.get_freeze_count() - frozen)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    walked, frozen = map(int, done.stdout.split())
    assert frozen > 150_000  # the tables were loaded ...
    assert walked < 20_000  # ... and the collector does not walk them
