"""The reading line's core (reader.readingline): blocks read once, placed per display line, never wider."""

from __future__ import annotations

from reader.convert import Converter, OffsetMap
from reader.layout import char_width, wrap_text
from reader.readingline import BLOCK_CHARS, ReadingLine, reading_systems
from reader.segmentation import ArticleWords, Segmenter, ViewWords


def words_for_text(text: str) -> ViewWords:
    starts, ends = Segmenter().word_spans(text)
    return ViewWords(ArticleWords(starts, ends, len(text)), OffsetMap.identity_map(len(text)))


def cells(text: str) -> int:
    return sum(char_width(c) for c in text)


def test_pinyin_of_chongqing_sits_over_its_first_character_phrase_aware() -> None:
    text = "他去了重庆。\n"
    line = ReadingLine(text, "pinyin", words=words_for_text(text))
    assert line.placed(0, 6, 80) is None  # nothing read yet: the row is drawn blank
    assert line.missing(0, 6) == [(0, 6)]
    assert line.compute(0, 6) == 1
    placed = line.placed(0, 6, 80)
    assert placed is not None
    chongqing = next(p for p in placed if text[p.start : p.end] == "重庆")
    assert chongqing.reading == "chóngqìng"  # 重 read chóng in 重庆 (zhòng alone)
    assert chongqing.cell == cells(text[:3])  # over 重
    assert line.compute(0, 6) == 0  # read once


def test_a_traditional_text_is_read_through_its_simplified_form() -> None:
    text = "重慶的銀行"
    line = ReadingLine(text, "pinyin", converter=Converter(), words=words_for_text("重庆的银行"))
    line.compute(0, len(text))
    assert [s.reading for s in line.spans(0, len(text)) or []] == ["chóngqìng", "de", "yínháng"]
    placed = line.placed(0, len(text), 80) or []
    assert placed[0].reading == "chóngqìng"  # wider than 重慶: 的 and 銀行 find no room on this line


def test_zhuyin_and_jyutping() -> None:
    text = "香港"
    zhuyin = ReadingLine(text, "zhuyin", words=words_for_text(text))
    zhuyin.compute(0, 2)
    assert [p.reading for p in zhuyin.placed(0, 2, 80) or []] == ["ㄒㄧㄤㄍㄤˇ"]
    jyutping = ReadingLine(text, "jyutping", words=words_for_text(text))
    jyutping.compute(0, 2)
    assert [p.reading for p in jyutping.placed(0, 2, 80) or []] == ["hoeng1gong2"]
    assert reading_systems("hongkong")[-1] == "jyutping" and "jyutping" not in reading_systems("taiwan")


def test_every_reading_row_fits_its_line_and_readings_never_overlap() -> None:
    text = "人工智能时代的大数据与短视频平台，重庆市的朋友都在小红书上。" * 6 + "\n" + "第二段。"
    layout = wrap_text(text, 40)
    line = ReadingLine(text, "pinyin", words=words_for_text(text))
    line.compute(0, len(text))
    for start, end in layout.lines:
        if start == end:
            continue
        placed = line.placed(start, end, 40)
        assert placed is not None
        used = 0
        for p in placed:
            assert p.cell >= used  # in order, one space apart
            assert cells(text[start:end][: p.start]) <= p.cell < cells(text[start:end][: p.end])
            used = p.cell + cells(p.reading) + 1
            assert used - 1 <= 40


def test_a_long_paragraph_is_read_in_blocks_cut_at_word_starts() -> None:
    sentence = "人工智能时代的大数据平台。"
    text = sentence * (3 * BLOCK_CHARS // len(sentence))
    words = words_for_text(text)
    line = ReadingLine(text, "pinyin", words=words)
    first = line.block_of(0)
    assert first[0] == 0 and first[1] <= BLOCK_CHARS and words.is_boundary(first[1])
    middle = line.block_of(BLOCK_CHARS + 10)
    assert middle[0] == first[1] and words.is_boundary(middle[1])
    line.compute(first[1] - 5, first[1] + 5)  # a line across the cut reads both blocks
    assert line.missing(0, middle[1]) == []
    assert line.missing(0, len(text)) != []
    spans = line.spans(first[1] - 5, first[1] + 5)
    assert spans is not None and all(s.start < first[1] + 5 and s.end > first[1] - 5 for s in spans)


def test_reading_ahead_started_by_a_key_waits_for_the_keys_to_stop_before_its_first_block() -> None:
    """A page-down brings the screens read ahead one nearer, and starts a worker to read one more: it must
    not read a block (holding the interpreter for milliseconds) inside that key's frame, only once the
    keys stop (reader.pacing: the UI quiet for ``quiet`` seconds)."""
    from reader.pacing import Pacer

    text = "人工智能时代的大数据与短视频平台，重庆市的朋友都在小红书上。\n" * 40
    line = ReadingLine(text, "pinyin", words=words_for_text(text))
    now = [0.0]
    read_when_waiting: list[int] = []

    def sleep(seconds: float) -> None:  # the worker waits: how much had it read by then?
        read_when_waiting.append(len(line.missing(0, len(text))))
        now[0] += seconds

    pacer = Pacer(quiet=0.05, clock=lambda: now[0], sleep=sleep)
    pacer.touch()  # the key
    blocks = len(line.missing(0, len(text)))
    assert blocks > 1
    assert line.compute(0, len(text), pause=pacer.hook()) == blocks
    assert read_when_waiting and read_when_waiting[0] == blocks  # it waited before reading anything
    assert line.missing(0, len(text)) == []
