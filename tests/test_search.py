"""Script-insensitive search: one text (the in-article `/`) and the whole corpus (CorpusSearch)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reader.convert import Converter
from reader.search import CorpusSearch, Match, find_in_text, query_variants
from reader.workspace import Workspace


@pytest.fixture(scope="module")
def converter() -> Converter:
    return Converter()


def spans(text: str, query: str, converter: Converter) -> list[str]:
    return [text[m.start : m.end] for m in find_in_text(text, query, converter)]


def test_simplified_query_finds_traditional_and_the_reverse(converter):
    text = "大數據時代,数据为王。"
    assert spans(text, "数据", converter) == ["數據", "数据"]
    assert spans(text, "數據", converter) == ["數據", "数据"]
    assert find_in_text(text, "数据", converter) == [Match(1, 3), Match(6, 8)]


def test_taiwan_phrase_variants_both_ways(converter):
    text = "這款軟體很好用;那个软件也不错。"
    assert spans(text, "软件", converter) == ["軟體", "软件"]
    assert spans(text, "軟體", converter) == ["軟體", "软件"]
    assert "软体" in query_variants("软件", converter)
    assert "软件" in query_variants("軟體", converter)


def test_offsets_are_in_the_original_text_and_ascii_ignores_case(converter):
    text = "第一行\n「TikTok難民」湧入小紅書\ntiktok 与 小红书"
    found = find_in_text(text, "tiktok", converter)
    assert [text[m.start : m.end] for m in found] == ["TikTok", "tiktok"]
    found = find_in_text(text, "小红书", converter, folded=None)
    assert [(m.start, text[m.start : m.end]) for m in found] == [(16, "小紅書"), (29, "小红书")]


def test_variants_are_deduplicated_longest_first_and_empty_query_finds_nothing(converter):
    variants = query_variants("U盘", converter)
    assert variants == sorted(set(variants), key=len, reverse=True)
    assert "u盘" in variants and "随身碟" in variants
    assert query_variants("   ", converter) == []
    assert find_in_text("abc", "", converter) == []


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Workspace:
    articles = tmp_path / "articles"
    articles.mkdir()
    write(articles, "a.txt", "甲文\n大數據時代的軟體。數據很多。\n")
    write(articles, "b.txt", "乙文\n没有那个词。\n")
    write(articles, "c.txt", "丙文\n数据和软件,数据!\n")
    return Workspace(articles, tmp_path / "db")


def test_corpus_search_streams_every_match_in_library_order_with_context(corpus):
    hits = list(CorpusSearch(corpus).search("数据"))
    assert [(h.article_id, h.start, h.end, h.match) for h in hits] == [
        ("a.txt", 4, 6, "數據"),
        ("a.txt", 12, 14, "數據"),
        ("c.txt", 3, 5, "数据"),
        ("c.txt", 9, 11, "数据"),
    ]
    first = hits[0]
    assert first.title == "甲文"
    assert first.before == "甲文 大"  # newline shown as a space
    assert first.after.startswith("時代的軟體")
    assert all(h.tags == () for h in hits)


def test_corpus_search_taiwan_variant_and_view(corpus):
    search = CorpusSearch(corpus)
    assert [(h.article_id, h.match) for h in search.search("軟體")] == [("a.txt", "軟體"), ("c.txt", "软件")]
    simplified = list(search.search("軟體", view="simplified"))
    assert simplified[0].match == "软体" and simplified[0].after.startswith("。数据")


def test_tag_filter_keeps_matches_inside_tagged_passages_and_sub_tags(corpus):
    article = corpus.load("c.txt")
    corpus.annotate(article, 3, 8, tags=["framing/economy"])  # 数据和软件
    corpus.annotate(article, 9, 12, tags=["other"])  # 数据!
    search = CorpusSearch(corpus)
    everything = list(search.search("数据"))
    assert [h.tags for h in everything] == [(), (), ("framing/economy",), ("other",)]
    framed = list(search.search("数据", tags=["framing"]))
    assert [(h.article_id, h.start, h.tags) for h in framed] == [("c.txt", 3, ("framing/economy",))]
    assert list(search.search("数据", tags=["framing/eco"])) == []
    assert [h.start for h in search.search("数据", tags=["other", "framing"])] == [3, 9]


def test_cache_is_reused_and_refreshed_when_an_article_changes(corpus, tmp_path):
    search = CorpusSearch(corpus)
    assert len(list(search.search("数据"))) == 4
    assert search.last_build == {"read": 3, "copied": 0}
    assert len(list(search.search("数据"))) == 4
    assert search.last_build == {"read": 0, "copied": 0}

    b = tmp_path / "articles" / "b.txt"
    b.write_text("乙文\n现在有数据了。\n", encoding="utf-8")
    st = b.stat()
    os.utime(b, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    hits = list(search.search("数据"))
    assert [h.article_id for h in hits] == ["a.txt", "a.txt", "b.txt", "c.txt", "c.txt"]
    assert search.last_build == {"read": 1, "copied": 2}

    # a second process (a new CorpusSearch) uses the cache on disk as it is
    other = CorpusSearch(corpus)
    assert len(list(other.search("数据"))) == 5
    assert other.last_build == {"read": 0, "copied": 0}

    (tmp_path / "articles" / "a.txt").unlink()
    assert [h.article_id for h in search.search("数据")] == ["b.txt", "c.txt", "c.txt"]
    # only the current generation's folded text: no copy of the originals (context comes from the files)
    assert [p.suffix for p in search.cache_dir.glob("corpus-*")] == [".folded"]


def test_a_search_checks_each_file_as_it_reaches_it_not_the_whole_folder_first(corpus, monkeypatch):
    """The first hits stream out right after start-up: with the index built, a search lists the folder's
    names (no stat of every file) and checks each article when it gets there; new, changed and removed
    files are still found as they are now, in library order, and the index is refreshed after."""
    root = corpus.library.root
    assert len(list(CorpusSearch(corpus).search("数据"))) == 4  # builds the index

    def no_full_listing():
        raise AssertionError("a stat of every file before the search")

    monkeypatch.setattr(corpus.library, "files", no_full_listing)
    search = CorpusSearch(corpus)  # (a new process)
    hits = search.search("数据")
    assert next(hits).article_id == "a.txt"
    assert [h.article_id for h in hits] == ["a.txt", "c.txt", "c.txt"]
    assert search.last_build == {"read": 0, "copied": 0}
    monkeypatch.undo()

    write(root, "a.txt", "甲文新\n大數據時代的軟體。數據很多。\n")  # a new title, the matches moved
    write(root, "ab.txt", "新文\n这里也有数据。\n")  # new, between a.txt and b.txt
    b = write(root, "b.txt", "乙文\n现在有数据了,还有數據。\n")  # had no match when indexed
    st = b.stat()
    os.utime(b, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    (root / "c.txt").unlink()
    search = CorpusSearch(corpus)
    hits = [(h.article_id, h.start, h.title, h.match) for h in search.search("数据")]
    assert hits == [
        ("a.txt", 5, "甲文新", "數據"),
        ("a.txt", 13, "甲文新", "數據"),
        ("ab.txt", 7, "新文", "数据"),
        ("b.txt", 6, "乙文", "数据"),
        ("b.txt", 12, "乙文", "數據"),
    ]
    assert search.last_build == {"read": 3, "copied": 0}  # refreshed after the search
    again = CorpusSearch(corpus)
    assert [h.article_id for h in again.search("数据")] == ["a.txt", "a.txt", "ab.txt", "b.txt", "b.txt"]
    assert again.last_build == {"read": 0, "copied": 0}


def test_search_can_be_cancelled_and_matches_never_span_two_articles(tmp_path):
    articles = tmp_path / "articles"
    articles.mkdir()
    write(articles, "1.txt", "哈")
    write(articles, "2.txt", "哈哈")
    ws = Workspace(articles, tmp_path / "db")
    search = CorpusSearch(ws)
    assert [(h.article_id, h.start) for h in search.search("哈哈")] == [("2.txt", 0)]
    assert list(search.search("哈", cancelled=lambda: True)) == []


def test_convert_config_gives_mainland_forms(converter):
    assert converter.convert_config("軟體", "tw2sp") == "软件"
    assert converter.convert_config("軟件", "hk2s") == "软件"
    from reader.errors import UsageError

    with pytest.raises(UsageError):
        converter.convert_config("x", "no-such-config")


def test_a_damaged_cache_is_rebuilt(corpus):
    search = CorpusSearch(corpus)
    assert len(list(search.search("数据"))) == 4
    for path in search.cache_dir.glob("corpus-*.folded"):
        path.write_bytes(path.read_bytes()[:5])
    again = CorpusSearch(corpus)
    assert len(list(again.search("数据"))) == 4
    assert again.last_build == {"read": 3, "copied": 0}
    (search.cache_dir / "search-index.json").write_text("{not json", encoding="utf-8")
    assert len(list(CorpusSearch(corpus).search("数据"))) == 4


def test_query_is_literal_not_a_pattern(converter):
    text = "a.b (c) [d]* 數據?"
    assert spans(text, "(c)", converter) == ["(c)"]
    assert spans(text, "[d]*", converter) == ["[d]*"]
    assert spans(text, "数据?", converter) == ["數據?"]
    assert spans(text, ".", converter) == ["."]


# -- the index keeps no copy of the originals: context is read from the article files


def test_the_index_is_the_folded_text_only_and_context_comes_from_the_files(corpus):
    search = CorpusSearch(corpus)
    search.refresh()
    folded = next(search.cache_dir.glob("corpus-*.folded")).stat().st_size
    texts = sum(len(p.read_bytes()) for p in corpus.library.root.glob("*.txt"))
    assert folded == texts + 3  # the folded text (same bytes here) and a NUL after each article
    assert [h.after for h in search.search("软件")] == ["。數據很多。 ", ",数据! "]  # (newline: a space)


def test_an_article_changed_after_the_listing_is_searched_as_it_is_now(corpus, monkeypatch):
    """A file that changes between the index check and the read (another program saving it): its hits
    are found in the text as it is now, with offsets and context from that text."""
    search = CorpusSearch(corpus)
    search.refresh()
    listed = corpus.library.files()
    (corpus.library.root / "c.txt").write_text("丙文\n前言。数据和软件,数据!\n", encoding="utf-8")
    monkeypatch.setattr(corpus.library, "files", lambda: listed)  # the check saw the old version
    hits = [(h.article_id, h.start, h.match, h.before) for h in search.search("数据")]
    assert hits[-2:] == [("c.txt", 6, "数据", "丙文 前言。"), ("c.txt", 12, "数据", "丙文 前言。数据和软件,")]
    assert search.last_build == {"read": 0, "copied": 0}  # (the index itself was not touched)


def test_a_file_rewritten_with_the_same_size_and_mtime_is_read_again_and_made_safe(tmp_path, monkeypatch):
    articles = tmp_path / "articles"
    articles.mkdir()
    path = write(articles, "a.txt", "甲文\n数据在这里。\n")
    ws = Workspace(articles, tmp_path / "db")
    search = CorpusSearch(ws)
    assert [h.after for h in search.search("数据")] == ["在这里。 "]

    def rewrite(old: bytes, new: bytes) -> None:  # same size, same mtime: only the ctime tells
        st = path.stat()
        path.write_bytes(path.read_bytes().replace(old, new))
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert path.stat().st_size == st.st_size

    def safe(hit) -> bool:
        text = hit.before + hit.match + hit.after
        return not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text)

    rewrite("在这里".encode(), b"\x1b[2J\x1b]0;x")
    (hit,) = search.search("数据")  # the index check sees the new ctime: read again
    assert hit.after.startswith("␛[2J␛]0;x") and safe(hit)
    listed = ws.library.files()
    rewrite(b"\x1b[2J", "\x9b2J".encode())  # the race: changed between the index check and the read
    monkeypatch.setattr(ws.library, "files", lambda: listed)
    (hit,) = search.search("数据")
    assert hit.after.startswith("\ufffd2J␛]0;x") and safe(hit)


def test_a_repeated_query_loads_no_conversion_until_the_overrides_change(corpus, monkeypatch):
    from reader.convert.overrides import check_override
    from reader.search import variants as variants_module

    assert len(list(CorpusSearch(corpus).search("软件"))) == 2
    calls: list[str] = []
    real = variants_module.query_variants

    def counted(query, converter):
        calls.append(query)
        return real(query, converter)

    monkeypatch.setattr(variants_module, "query_variants", counted)
    again = Workspace(corpus.library.root, corpus.store.path)  # a new process: the cache on disk
    assert len(list(CorpusSearch(again).search("软件"))) == 2
    assert calls == []
    again.converter.overrides.add(check_override("taiwan", "菜单", "功能表"))
    assert len(list(CorpusSearch(again).search("软件"))) == 2
    assert calls == ["软件"]  # worked out again: an override may change what a query finds


def test_the_overrides_file_name_is_the_converters():
    from reader.convert.overrides import OVERRIDES_FILE
    from reader.search.variants import OVERRIDES_FILE as SEARCH_KEYS_ON

    assert SEARCH_KEYS_ON == OVERRIDES_FILE


def test_normalised_files_are_read_through_normalise(tmp_path):
    """CRLF, a BOM, GB18030: the file's bytes are not the text, so the context is the normalised text."""
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "crlf.txt").write_bytes("\ufeff甲文\r\n数据\t在这里。\r\n".encode())
    (articles / "gb.txt").write_bytes("乙文\n數據在那裡。\n".encode("gb18030"))
    ws = Workspace(articles, tmp_path / "db")
    hits = [(h.article_id, h.start, h.before, h.after) for h in CorpusSearch(ws).search("数据")]
    assert hits == [("crlf.txt", 3, "甲文 ", "\t在这里。 "), ("gb.txt", 3, "乙文 ", "在那裡。 ")]


@pytest.mark.parametrize("one_chunk", [True, False], ids=["one chunk", "a chunk an article"])
def test_hits_come_out_while_the_search_goes_on(tmp_path, monkeypatch, one_chunk):
    """Tags are looked up a few articles at a time (reader.search.corpus.TAG_BATCH), and at the end of every
    chunk of the index: the first article's hits come out long before the last article is read."""
    import reader.search.corpus as corpus_module
    import reader.search.index as index_module

    articles = tmp_path / "articles"
    articles.mkdir()
    for k in range(8):
        write(articles, f"{k}.txt", f"第{k}篇\n这里有数据。\n")
    ws = Workspace(articles, tmp_path / "db")
    assert len(list(CorpusSearch(ws).search("数据"))) == 8  # builds the index
    monkeypatch.setattr(corpus_module, "TAG_BATCH", 2)
    monkeypatch.setattr(index_module, "CHUNK_BYTES", 1 << 20 if one_chunk else 1)
    read: list[str] = []
    original = index_module.CorpusIndex.original

    def reading(index, i, path):
        read.append(Path(path).name)
        return original(index, i, path)

    monkeypatch.setattr(index_module.CorpusIndex, "original", reading)
    found = CorpusSearch(ws).search_articles("数据")
    assert next(found).article_id == "0.txt"
    assert read == (["0.txt", "1.txt"] if one_chunk else ["0.txt"])
    assert [f.article_id for f in found] == [f"{k}.txt" for k in range(1, 8)]
