"""Article structure (reader.structure), the user's corrections (reader.corrections) and the cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _structure_eval import evaluate
from conftest import DATA, SEEDS
from reader.analysis import Analyser
from reader.errors import StoreCorruptError
from reader.library import Library
from reader.sanitise import normalise
from reader.structure import detect, parse_markers


def seed(name: str) -> str:
    return normalise((SEEDS / name).read_text(encoding="utf-8"))


def kinds_of(text: str) -> list[tuple[str, str]]:
    structure = detect(text)
    return [(r.kind, text[r.start : r.end].split("\n", 1)[0]) for r in structure.regions]


def test_001_title_is_the_headline_not_the_site_menu() -> None:
    text = seed("001_8eaa32b1d9703bf4.txt")
    structure = detect(text)
    assert structure.title == "TikTok海外关停:危机背后的深层剖析与未来走向"
    regions = kinds_of(text)
    assert regions[0][0] == "navigation" and regions[0][1].startswith("推广 热搜")
    assert regions[-1][0] == "footer" and regions[-1][1].startswith("本文地址")
    assert "鄂ICP备" in text[detect(text).regions[-1].start :]
    assert text[structure.body[0] :].startswith("一、事件突发")


@pytest.mark.parametrize(
    ("name", "marker_offset", "body_end_text"),
    [("000_7bd28feb70503cb0.txt", 4967, "關鍵字"), ("002_ced27b30dc7015ea.txt", 2199, "本文授權轉載自")],
)
def test_appended_articles_are_regions_not_body(name: str, marker_offset: int, body_end_text: str) -> None:
    text = seed(name)
    structure = detect(text)
    appended = [r for r in structure.regions if r.kind == "appended"]
    assert len(appended) == 1
    assert abs(appended[0].start - marker_offset) < 40
    assert text[appended[0].start :].startswith("往下滑看下一篇文章")
    assert structure.body[1] < appended[0].start
    assert not structure.in_body(appended[0].start + 100, appended[0].start + 110)
    # reading time counts the body only: 000 was 22 minutes with the appended article
    assert structure.body_chars < 0.6 * len(text)
    # all of 000's 資料 (found for 数据) are in the appended article
    if name.startswith("000"):
        hits = [i for i in range(len(text)) if text.startswith("資料", i)]
        assert len(hits) == 15 and not any(structure.in_body(i, i + 2) for i in hits)


def test_003_title_is_a_short_first_sentence_not_the_whole_paragraph() -> None:
    structure = detect(seed("003_354cf6c445f5e220.txt"))
    assert structure.title_span is None
    assert structure.title.startswith("近期,大量美國TikTok用戶") and len(structure.title) <= 40


def test_004_metadata_lines_and_closing_marker_are_regions() -> None:
    text = seed("004_b2f79115014bf41b.txt")
    regions = detect(text).regions
    found = {text[r.start : r.end] for r in regions}
    assert "19次阅读\n\n共计 3382 个字符,预计需要花费 9 分钟才能阅读完成。" in found
    assert any(piece.startswith("正文完") for piece in found)
    assert detect(text).title == "TikTok风波下小红书靠创新爆火,全球化浪潮中的启示"


@pytest.mark.parametrize(
    ("folder", "labels"),
    [(SEEDS, DATA / "structure_labels.json"), (DATA / "web", DATA / "web" / "structure_labels.json")],
    ids=["seeds", "scraped-fixtures"],
)
def test_precision_and_recall_on_labelled_articles(folder: Path, labels: Path) -> None:
    """The figures `python benchmarks/run.py structure` prints; the issue asks for at least 0.9 each."""
    scores = evaluate(folder, labels)
    for key in ("lines", "chars", "damage"):
        assert scores[key].precision >= 0.9 and scores[key].recall >= 0.9, key
    right, total = scores["titles"]
    assert right == total


def test_new_markers_are_data() -> None:
    text = "标题\n\n正文第一段，说了一件事。\n\n正文第二段。\n\n本站特供：欢迎光临小店\n\n正文第三段。\n"
    assert detect(text).regions == ()
    markers = parse_markers(
        {"marker": [{"kind": "related", "scope": "line", "where": "any", "patterns": ["^本站特供"]}]}
    )
    assert [(r.kind, text[r.start : r.end]) for r in detect(text, markers).regions] == [
        ("related", "本站特供：欢迎光临小店")
    ]
    with pytest.raises(ValueError, match="bad kind"):
        parse_markers({"marker": [{"kind": "banner", "patterns": ["x"]}]})


def test_a_traditional_marker_matches_through_folding() -> None:
    text = "標題\n\n正文，說了一件事。\n\n延伸閱讀：另一篇文章\n\n正文第二段。\n"
    assert [r.kind for r in detect(text).regions] == ["related"]


# --------------------------------------------------------------------------------------------- corrections


def analyser_for(seeds_dir: Path, db_dir: Path) -> tuple[Library, Analyser]:
    library = Library(seeds_dir, cache_dir=db_dir / "cache")
    return library, Analyser(library, db_dir)


def test_a_correction_beats_the_heuristics_and_survives_a_restart(seeds_dir: Path, db_dir: Path) -> None:
    library, analyser = analyser_for(seeds_dir, db_dir)
    article = library.load("002_ced27b30dc7015ea.txt")
    before = analyser.analyse(article)
    paragraph = "來自美國的「TikTok難民」是為了抗議TikTok的可能禁令而加入RedNote。"
    start = article.text.index(paragraph)
    assert before.structure.in_body(start, start + 5)
    analyser.correct(article, start + 3, start + 8, "not-article", "related")
    related = article.text.index("延伸閱讀")
    analyser.correct(article, related, related + 4, "article")

    # a new process: nothing kept in memory
    library, analyser = analyser_for(seeds_dir, db_dir)
    after = analyser.analyse(library.load("002_ced27b30dc7015ea.txt"))
    region = after.structure.region_at(start + 10)
    assert region is not None and region.source == "correction" and region.kind == "related"
    assert (region.start, region.end) == (start, start + len(paragraph))  # widened to the whole line
    assert after.structure.in_body(related, related + 4)  # the user's "article" wins
    assert after.detected == before.detected  # the heuristics' own answer is kept beside
    # the paragraph no longer counts; the related line (and the blank line before it) now does
    related_line = article.text[related:].split("\n", 1)[0]
    assert after.structure.body_chars == before.structure.body_chars - len(paragraph) + len(related_line) + 2


def test_a_correction_follows_its_passage_when_the_article_changes(seeds_dir: Path, db_dir: Path) -> None:
    library, analyser = analyser_for(seeds_dir, db_dir)
    article = library.load("004_b2f79115014bf41b.txt")
    passage = "此前,中美的社交网络经历了跌宕起伏的一周。"
    start = article.text.index(passage)
    analyser.correct(article, start, start + len(passage), "not-article")
    path = seeds_dir / "004_b2f79115014bf41b.txt"
    path.write_text("新的第一行\n\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    library, analyser = analyser_for(seeds_dir, db_dir)
    changed = library.load("004_b2f79115014bf41b.txt")
    analysis = analyser.analyse(changed)
    new_start = changed.text.index(passage)
    assert analysis.corrections[0].status == "reanchored"
    assert analysis.corrections[0].start == new_start
    assert not analysis.structure.in_body(new_start, new_start + 5)


def test_a_damaged_corrections_file_is_reported_and_kept(seeds_dir: Path, db_dir: Path) -> None:
    library, analyser = analyser_for(seeds_dir, db_dir)
    article = library.load("004_b2f79115014bf41b.txt")
    analyser.correct(article, 0, 5, "not-article")
    path = analyser.corrections.path_for(article.info.id)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(StoreCorruptError, match="corrections file is damaged"):
        analyser.analyse(article)
    assert path.read_text(encoding="utf-8") == "{not json"


def test_structure_is_cached_per_article_version(seeds_dir: Path, db_dir: Path, monkeypatch) -> None:
    library, analyser = analyser_for(seeds_dir, db_dir)
    infos = library.list()
    first = analyser.summaries(infos)
    assert first["000_7bd28feb70503cb0.txt"]["appended"] is True
    assert first["003_354cf6c445f5e220.txt"]["damage"] == 209
    calls = []
    import reader.analysis as analysis_module

    monkeypatch.setattr(analysis_module, "detect", lambda text: calls.append(text) or detect(text))
    library, analyser = analyser_for(seeds_dir, db_dir)
    assert analyser.summaries(library.list()) == first
    assert calls == []  # nothing recomputed: every article is unchanged
    path = seeds_dir / "001_8eaa32b1d9703bf4.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("事件突发", "事件突然爆发"), encoding="utf-8")
    library, analyser = analyser_for(seeds_dir, db_dir)
    again = analyser.summaries(library.list())
    assert len(calls) == 1  # only the changed article
    assert (
        again["001_8eaa32b1d9703bf4.txt"]["body_chars"] == first["001_8eaa32b1d9703bf4.txt"]["body_chars"] + 2
    )
    index = json.loads((db_dir / "local" / "cache" / "structure-index.json").read_text(encoding="utf-8"))
    assert set(index["entries"]) == set(first)


_LINES = st.lists(
    st.sampled_from(
        [
            "",
            "标题在这里",
            "首页  |  新闻  |  国际  |  财经  |  科技",
            "正文说了一件重要的事情，大家都很关心这件事的后续发展。",
            "图/ 新华社",
            "延伸阅读：另一篇文章",
            "往下滑看下一篇文章",
            "© 2025 某网站 版权所有",
            "责任编辑：某某",
            "短句",
            "19次阅读",
        ]
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(_LINES)
def test_regions_are_ordered_disjoint_whole_lines_inside_the_text(lines: list[str]) -> None:
    text = "\n".join(lines)
    structure = detect(text)
    previous_end = -1
    for region in structure.regions:
        assert 0 <= region.start < region.end <= len(text)
        assert region.start > previous_end
        assert region.start == 0 or text[region.start - 1] == "\n"  # whole lines
        assert region.end == len(text) or text[region.end] == "\n"
        previous_end = region.end
    body_start, body_end = structure.body
    assert 0 <= body_start <= body_end <= len(text)
    assert structure.body_chars <= body_end - body_start
    for region in structure.regions:
        assert not structure.in_body(region.start, region.end)
