"""Passages are found in any script, and annotations follow their text when an article changes."""

from __future__ import annotations

import string
from dataclasses import replace

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from reader.anchoring import find_quote, reanchor
from reader.articles import load_file
from reader.convert import Converter
from reader.store import make_annotation

CONVERTER = Converter()


def article_from(tmp_path, text: str, name: str = "a.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_file(path, name)


def test_simplified_quote_finds_traditional_passage(tmp_path):
    article = article_from(tmp_path, "美國用戶湧入小紅書。\n資深中國用戶表達歡迎。\n")
    assert find_quote(article, "涌入小红书", CONVERTER) == [(4, 9)]
    assert article.text[4:9] == "湧入小紅書"


def test_taiwan_phrasing_finds_simplified_passage(tmp_path):
    article = article_from(tmp_path, "这个软件的算法很好。\n")
    ((start, end),) = find_quote(article, "軟體", CONVERTER)
    assert article.text[start:end] == "软件"


def test_mixed_script_quote_and_repeated_matches(tmp_path):
    article = article_from(tmp_path, "小紅書，小红书，小紅書。")
    assert find_quote(article, "小紅书", CONVERTER) == [(0, 3), (4, 7), (8, 11)]


def test_nothing_found_is_empty(tmp_path):
    article = article_from(tmp_path, "小紅書")
    assert find_quote(article, "抖音", CONVERTER) == []
    assert find_quote(article, "   ", CONVERTER) == []


def _annotation(tmp_path, text: str, start: int, end: int):
    return make_annotation(article_from(tmp_path, text), start, end, tags=["t"])


def test_unchanged_position_is_trusted(tmp_path):
    text = "甲乙丙丁。甲乙丙丁。"
    annotation = _annotation(tmp_path, text, 5, 9)
    anchor = reanchor(annotation, text)
    assert (anchor.start, anchor.end, anchor.status) == (5, 9, "anchored")


def test_text_inserted_before_moves_the_annotation(tmp_path):
    text = "第一段。\n重要的句子在這裡。\n"
    annotation = _annotation(tmp_path, text, 5, 10)
    changed = "新加的開頭段落。\n" + text
    anchor = reanchor(annotation, changed)
    assert anchor.status == "reanchored"
    assert changed[anchor.start : anchor.end] == "重要的句子"


def test_nearest_copy_of_a_repeated_quote_wins(tmp_path):
    text = "小紅書" + "。" * 50 + "小紅書" + "。" * 50 + "小紅書"
    annotation = _annotation(tmp_path, text, 53, 56)
    changed = "前言" + text
    anchor = reanchor(annotation, changed)
    assert (anchor.start, anchor.end) == (55, 58)


def test_slightly_edited_passage_is_found_fuzzily(tmp_path):
    text = "開頭。TikTok用戶大量湧入小紅書國際版RedNote另尋新天地。結尾。"
    start = text.index("TikTok")
    end = text.index("。", start)
    annotation = _annotation(tmp_path, text, start, end)
    changed = text.replace("大量", "大批")
    anchor = reanchor(annotation, changed)
    assert anchor.status == "reanchored"
    assert "湧入小紅書國際版RedNote" in changed[anchor.start : anchor.end]


def test_vanished_passage_becomes_an_orphan_not_dropped(tmp_path):
    text = "保留的段落。\n這一段將被刪除掉了。\n"
    annotation = _annotation(tmp_path, text, 7, 16)
    anchor = reanchor(annotation, "保留的段落。\n完全不同的內容。\n")
    assert anchor.status == "orphan"
    assert (anchor.start, anchor.end) == (7, 16)


CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.text(CJK | st.sampled_from("，。\n" + string.ascii_letters), min_size=8, max_size=200),
    data=st.data(),
)
def test_property_an_edit_elsewhere_never_loses_the_passage(tmp_path, body, data):
    start = data.draw(st.integers(0, len(body) - 4))
    end = data.draw(st.integers(start + 4, min(len(body), start + 40)))
    annotation = _annotation(tmp_path, body, start, end)
    insert_at = data.draw(st.sampled_from([0, start, end, len(body)]))
    inserted = data.draw(st.text(CJK, min_size=1, max_size=30))
    changed = body[:insert_at] + inserted + body[insert_at:]
    assume(changed.count(annotation.quote) >= 1)
    anchor = reanchor(annotation, changed)
    assert anchor.status in ("anchored", "reanchored")
    assert changed[anchor.start : anchor.end] == annotation.quote


def test_workspace_reanchors_and_persists_when_the_file_changes(workspace, seeds_dir):
    article_id = "002_ced27b30dc7015ea.txt"
    article = workspace.load(article_id)
    start = article.text.index("一名接近該公司人士透露")
    made = workspace.annotate(article, start, start + 11, tags=["來源"])
    path = seeds_dir / article_id
    path.write_text("編者按：本文有更新。\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    changed = workspace.load(article_id)
    (moved,) = workspace.annotations(changed)
    assert moved.id == made.id and moved.status == "reanchored"
    assert changed.text[moved.start : moved.end] == "一名接近該公司人士透露"
    assert moved.article_sha256 == changed.sha256
    # persisted: a fresh read of the store has the new position
    assert workspace.store.get(article_id, made.id).start == moved.start


def test_workspace_keeps_orphans(workspace, seeds_dir):
    article_id = "004_b2f79115014bf41b.txt"
    article = workspace.load(article_id)
    made = workspace.annotate(article, 0, 10, tags=["標題"], note="headline")
    (seeds_dir / article_id).write_text("完全不同的文章。\n", encoding="utf-8")
    (orphan,) = workspace.annotations(workspace.load(article_id))
    assert orphan.id == made.id and orphan.status == "orphan" and orphan.note == "headline"
    assert replace(orphan, status="anchored") == made  # everything else exactly as saved
