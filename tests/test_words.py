"""Word segmentation and the word motions, in every script view of a Traditional and a Simplified seed."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _words import dictionary_index, install_dictionary  # noqa: F401  (fixture)
from reader.convert import VIEWS, Converter
from reader.words import (
    Segmenter,
    ViewWords,
    Words,
    add_user_words,
    read_user_words,
    tag_words,
    words_for,
)

TRADITIONAL = "002_ced27b30dc7015ea.txt"  # title: …熱潮恐曇花一現
SIMPLIFIED = "004_b2f79115014bf41b.txt"


@pytest.fixture
def ws(workspace, db_dir, dictionary_index):  # noqa: F811
    install_dictionary(dictionary_index, db_dir)
    return workspace


@pytest.fixture(scope="module")
def converter() -> Converter:
    return Converter()


def test_traditional_text_is_cut_as_its_simplified_view_is(ws):
    """The issue's example: 恐曇花/一現 if the Traditional text is segmented, 恐/曇花一現 through 简体."""
    article = ws.load(TRADITIONAL)
    words = words_for(ws)
    assert Segmenter().cut("恐曇花一現") == ["恐曇花", "一現"]  # why we never segment the original
    title = article.text.index("恐曇花一現")
    view = words.in_view(article, "original")
    assert view.word_at(title) == (title, title + 1)
    assert view.word_at(title + 2) == (title + 1, title + 5)
    simplified = ws.view(article, "simplified")
    assert simplified.text[slice(*words.in_view(article, "simplified").word_at(title + 2))] == "昙花一现"


@pytest.mark.parametrize("article_id", [TRADITIONAL, SIMPLIFIED])
@pytest.mark.parametrize("view", VIEWS)
def test_w_b_e_walk_exactly_the_words_of_every_view(ws, article_id, view):
    article = ws.load(article_id)
    text = ws.view(article, view).text
    words = words_for(ws).in_view(article, view)
    spans = words.between(0, len(text))
    assert len(spans) > 500
    assert all(a < b for a, b in spans) and all(b1 <= a2 for (_, b1), (a2, _) in itertools.pairwise(spans))
    assert all(any(ch.isalnum() for ch in text[a:b]) for a, b in spans)  # punctuation is never a word
    starts = [a for a, _ in spans]

    visited, pos = [], -1  # w from before the text
    while (pos := words.next_start(pos)) < len(text):
        visited.append(pos)
    assert visited == starts

    back, pos = [], len(text)
    while pos > 0 and (pos := words.previous_start(pos)) >= 0:
        back.append(pos)
        if pos == 0:
            break
    assert [p for p in back if p in set(starts)] == starts[::-1]

    lasts, pos = [], -1
    while (nxt := words.end_of_word(pos)) != pos:
        lasts.append(nxt)
        pos = nxt
    assert lasts == [b - 1 for _, b in spans if b - 1 > -1]

    for a, b in spans[:200]:
        for p in range(a, b):
            assert words.word_at(p) == (a, b)


@pytest.mark.parametrize("view", VIEWS)
def test_every_word_of_a_view_maps_back_to_word_edges_of_the_original(ws, view):
    """Boundaries come from one segmentation (of 简体) through the offset maps: no view is re-segmented."""
    for article_id in (TRADITIONAL, SIMPLIFIED):
        article = ws.load(article_id)
        words = words_for(ws)
        original = words.for_article(article)
        starts, ends = set(original.starts), set(original.ends)
        vt = ws.view(article, view)
        for c, d in words.in_view(article, view).between(0, len(vt.text)):
            a, b = vt.offsets.range_to_original(c, d)
            assert a in starts and b in ends, (view, vt.text[c:d], article.text[a:b])


def test_selection_snaps_to_words_and_shift_w_extends_by_a_word(ws):
    article = ws.load(TRADITIONAL)
    title = article.text.index("恐曇花一現")
    for view in VIEWS:
        words = words_for(ws).in_view(article, view)
        assert words.snap(title + 2, title + 3) == (title + 1, title + 5)  # 花 -> 曇花一現
        assert words.snap(title, title + 2) == (title, title + 5)  # 恐曇 -> 恐曇花一現
        assert words.snap(title + 3, title + 3) == (title + 1, title + 5)  # a caret: the word under it
        assert words.extend(title, title + 1) == (title, title + 5)  # 恐 + next word
        assert words.extend(title + 1, title + 3) == (title + 1, title + 5)  # inside a word: its end
        assert words.is_boundary(title + 1) and not words.is_boundary(title + 2)


def test_motions_through_a_view_that_changed_length():
    """s2twp rewrote a phrase (方便面 -> 泡麵): words inside it snap to it, motions still progress."""
    converter = Converter()
    text = "我买了方便面，然后回家。"
    from types import SimpleNamespace

    article = SimpleNamespace(text=text, sha256="0" * 64)
    words = Words(converter).for_article(article)
    taiwan = converter.view(article, "taiwan")
    assert len(taiwan.text) != len(text)
    view = ViewWords(words, taiwan.offsets)
    spans = view.between(0, len(taiwan.text))
    assert [taiwan.text[a:b] for a, b in spans][:4] == ["我", "買", "了", "泡麵"]
    pos, seen = -1, []
    while (pos := view.next_start(pos)) < len(taiwan.text):
        seen.append(pos)
    assert seen == [a for a, _ in spans]


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="数据大中心软件方便面U盘，。 \n重庆银行行长ab12", min_size=0, max_size=40))
def test_view_words_are_ordered_disjoint_and_motions_terminate(text):
    converter = _CONVERTER
    from types import SimpleNamespace

    article = SimpleNamespace(text=text, sha256=str(abs(hash(text))).rjust(16, "0"))
    words = _WORDS.for_article(article)
    for view in ("original", "taiwan"):
        vt = converter.view(article, view)
        vw = ViewWords(words, vt.offsets)
        spans = vw.between(0, len(vt.text))
        assert all(0 <= a < b <= len(vt.text) for a, b in spans)
        assert all(b1 <= a2 for (_, b1), (a2, _) in itertools.pairwise(spans))
        pos, steps = -1, 0
        while (pos := vw.next_start(pos)) < len(vt.text):
            steps += 1
            assert steps <= len(vt.text)
        for p in range(len(vt.text)):
            span = vw.word_at(p)
            assert span is None or span[0] <= p < span[1]


_CONVERTER = Converter()
_WORDS = Words(_CONVERTER)


def test_codebook_tags_and_user_words_are_words(ws, db_dir, monkeypatch):
    # The user's words are trusted for USER_WORDS_TTL seconds after a read. The default (2 s) is shorter
    # than the first segmentation on a busy machine (it loads the dictionary: 8 s seen at load average 7),
    # so the test sets the trusted time itself instead of hoping the calls come within 2 s.
    monkeypatch.setattr("reader.words.USER_WORDS_TTL", 600.0)
    text = "小红书上的美国用户很多。"
    article = _article(ws, "tags.txt", text)
    words = words_for(ws)
    before = [text[a:b] for a, b in words.for_article(article).spans()]
    assert "美国用户" not in before
    ws.codebook.create("受众/美國用戶")  # a tag in Traditional still makes the Simplified word whole
    assert "美国用户" not in [
        text[a:b] for a, b in words.for_article(article).spans()
    ]  # read less than USER_WORDS_TTL ago: not read again
    monkeypatch.setattr("reader.words.USER_WORDS_TTL", 0.0)  # ... so once that is over:
    assert "美国用户" in [text[a:b] for a, b in words.for_article(article).spans()]
    assert "小红书" not in [text[a:b] for a, b in words.for_article(article).spans()]  # 小红/书上
    monkeypatch.setattr("reader.words.USER_WORDS_TTL", 60.0)
    add_user_words(db_dir / "user-words.txt", ["小紅書"])
    words.refresh_user_words()  # what the app does after adding a word: no waiting
    assert [text[a:b] for a, b in words.for_article(article).spans()][:2] == ["小红书", "上"]
    assert read_user_words(db_dir / "user-words.txt") == ["小紅書"]


def test_tag_words_take_each_part_with_an_ideograph():
    assert tag_words(["来源/匿名", "framing/经济 发展", "x", "框架"]) == {"来源", "匿名", "框架"}


def test_segmented_once_per_version_then_read_from_the_cache(ws, db_dir, monkeypatch):
    article = ws.load(SIMPLIFIED)
    first = words_for(ws).for_article(article)
    assert list((db_dir / "local" / "cache" / "words").glob(f"{article.sha256}.words"))
    fresh = Words(
        ws.converter, cache_dir=db_dir / "local" / "cache" / "words", dictionary=words_for(ws).dictionary
    )

    def no_segmenting(text):
        raise AssertionError("segmented again")

    monkeypatch.setattr(fresh.segmenter, "word_spans", no_segmenting)
    again = fresh.for_article(article)
    assert list(again.starts) == list(first.starts) and list(again.ends) == list(first.ends)
    assert fresh.cached(article) is again


def test_a_damaged_cache_file_is_segmented_again(ws, db_dir):
    article = ws.load(SIMPLIFIED)
    first = words_for(ws).for_article(article)
    (db_dir / "local" / "cache" / "words" / f"{article.sha256}.words").write_bytes(b"garbage\n\x00\x01")
    fresh = Words(
        ws.converter, cache_dir=db_dir / "local" / "cache" / "words", dictionary=words_for(ws).dictionary
    )
    assert list(fresh.for_article(article).starts) == list(first.starts)


def test_surrogates_and_empty_text_do_not_break_offsets():
    seg = Segmenter()
    starts, ends = seg.word_spans("数据\ud800数据")
    assert next(zip(starts, ends, strict=True)) == (0, 2) and ends[-1] == 5
    assert list(seg.word_spans("")[0]) == []


def _article(ws, name: str, text: str):
    path: Path = ws.library.root / name
    path.write_text(text, encoding="utf-8")
    return ws.load(name)


def test_stored_words_come_from_memory_or_the_disk_cache_and_never_segment(tmp_path, monkeypatch):
    from types import SimpleNamespace

    article = SimpleNamespace(text="人工智能时代的大数据平台。", sha256="ab" * 32)
    words = Words(Converter(), cache_dir=tmp_path)
    assert words.stored(article) is None  # nothing yet, and nothing segmented to find out
    first = words.for_article(article)
    again = Words(Converter(), cache_dir=tmp_path)  # a new process: the disk cache
    monkeypatch.setattr("reader.words.segment_article", lambda *a: (_ for _ in ()).throw(AssertionError))
    stored = again.stored(article)
    assert stored is not None and list(stored.spans()) == list(first.spans())
    assert again.stored(article) is stored  # then from memory


def test_a_long_articles_words_come_back_from_the_disk_cache_whole(tmp_path, monkeypatch):
    """The cache is encoded and decoded a slice at a time (the UI thread gets the GIL between slices):
    every boundary of a zuozhuan-sized article comes back, in the format caches were written in before."""
    import itertools
    import operator
    import random
    import zlib
    from array import array
    from types import SimpleNamespace

    from reader.segmentation import ArticleWords

    rng = random.Random(7)
    bounds = list(itertools.accumulate(rng.randint(1, 4) for _ in range(2 * 50_001)))
    made = ArticleWords(array("i", bounds[0::2]), array("i", bounds[1::2]), bounds[-1] + 3)
    article = SimpleNamespace(text="字" * made.length, sha256="cd" * 32)
    monkeypatch.setattr("reader.words.segment_article", lambda *a: made)
    Words(Converter(), cache_dir=tmp_path).for_article(article)
    stored = Words(Converter(), cache_dir=tmp_path).stored(article)
    assert stored is not None and list(stored.spans()) == list(made.spans())
    gaps = array("I", bounds[:1])
    gaps.extend(map(operator.sub, bounds[1:], bounds[:-1]))  # the one-pass encoding of before
    payload = next(tmp_path.rglob("*.words")).read_bytes().partition(b"\n")[2]
    assert zlib.decompress(payload) == gaps.tobytes()
