"""The article library: discovery, decoding, normalisation, metadata and the metadata cache."""

from __future__ import annotations

import codecs
import hashlib
import os
import threading
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reader.articles as articles
import reader.library as library_module
import reader.scripts as scripts
from reader.articles import HEAD_BYTES, Article, ArticleInfo, load_file
from reader.decoding import decode_bytes
from reader.errors import ArticleError, UsageError
from reader.library import CACHE_FILE, Library
from reader.sanitise import normalise, normalise_newlines, sanitise
from reader.scripts import detect_script, script_counts, script_of_counts

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_SCRIPTS = {
    "000_7bd28feb70503cb0.txt": "traditional",
    "001_8eaa32b1d9703bf4.txt": "simplified",
    "002_ced27b30dc7015ea.txt": "traditional",
    "003_354cf6c445f5e220.txt": "traditional",  # carries encoding damage such as 地區(qū)
    "004_b2f79115014bf41b.txt": "simplified",
}


def seed_text(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


def seed_paragraphs(name: str, count: int = 2, encoding: str | None = None) -> str:
    """The first ``count`` non-empty lines of a seed (that ``encoding`` can represent), joined by \\n."""
    picked: list[str] = []
    for line in seed_text(name).split("\n"):
        if not line.strip():
            continue
        if encoding is not None:
            try:
                line.encode(encoding)
            except UnicodeEncodeError:
                continue
        picked.append(line)
        if len(picked) == count:
            break
    assert len(picked) == count
    return "\n".join(picked) + "\n"


def one_line(text: str) -> str:
    """What a title looks like: whitespace runs (including NBSP and U+3000) collapsed to one space."""
    return " ".join(text.split())


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def ids(library: Library) -> list[str]:
    return [info.id for info in library.list()]


class ReadCounter:
    """Counts file reads made by the library (head reads for listing, whole reads for loading)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.paths: list[str] = []
        head, whole = articles.read_head, articles.read_all

        def read_head(path: Path, limit: int) -> bytes:
            self.paths.append(Path(path).name)
            return head(path, limit)

        def read_all(path: Path):  # type: ignore[no-untyped-def]
            self.paths.append(Path(path).name)
            return whole(path)

        monkeypatch.setattr(articles, "read_head", read_head)
        monkeypatch.setattr(library_module, "read_all", read_all)


# --------------------------------------------------------------------------------------------- discovery


def test_discovery_is_recursive_sorted_with_slash_ids_and_skips_hidden(tmp_path: Path) -> None:
    root = tmp_path / "articles"
    for rel in ["b.txt", "a/z.txt", "a/b/c.txt", "A.txt", "x/y/z/deep.txt", "upper.TXT"]:
        write(root / rel, f"{rel}\n正文\n")
    for rel in [".hidden.txt", ".git/notes.txt", "a/.cache/x.txt", "notes.md", "a/readme"]:
        write(root / rel, "不应出现\n")

    infos = Library(root).list()

    assert [i.id for i in infos] == sorted(
        ["A.txt", "a/b/c.txt", "a/z.txt", "b.txt", "upper.TXT", "x/y/z/deep.txt"]
    )
    by_id = {i.id: i for i in infos}
    assert by_id["a/b/c.txt"].path == root / "a" / "b" / "c.txt"
    assert by_id["a/b/c.txt"].title == "a/b/c.txt"


def test_empty_root_lists_nothing(tmp_path: Path) -> None:
    assert Library(tmp_path).list() == []


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_missing_or_non_directory_root_is_a_usage_error(tmp_path: Path, kind: str) -> None:
    root = tmp_path / "nope"
    if kind == "file":
        write(root, "not a folder")
    with pytest.raises(UsageError) as caught:
        Library(root).list()
    message = str(caught.value)
    assert "articles folder not found" in message
    assert str(root) in message
    assert "--articles" in message
    assert "\n" not in message


def test_symlink_loops_do_not_hang_and_each_file_is_listed_once(tmp_path: Path) -> None:
    root = tmp_path / "articles"
    outside = tmp_path / "outside"
    write(root / "a" / "x.txt", "甲\n")
    write(outside / "y.txt", "乙\n")
    (root / "a" / "loop").symlink_to(root, target_is_directory=True)  # back to the root
    (root / "a" / "self").symlink_to(root / "a", target_is_directory=True)  # to itself
    (root / "link").symlink_to(root / "a", target_is_directory=True)  # a folder already walked
    (root / "ext").symlink_to(outside, target_is_directory=True)  # a folder outside the root
    (root / "ext2").symlink_to(outside, target_is_directory=True)  # the same folder again
    (outside / "back").symlink_to(root, target_is_directory=True)  # and from there back in
    (root / "alias.txt").symlink_to(root / "a" / "x.txt")  # a symlinked file is an article
    (root / "broken.txt").symlink_to(tmp_path / "missing.txt")  # a dangling link is not

    result: list[list[str]] = []
    worker = threading.Thread(target=lambda: result.append(ids(Library(root))), daemon=True)
    worker.start()
    worker.join(timeout=20)

    assert not worker.is_alive(), "listing a folder with symlink loops did not finish"
    assert result == [["a/x.txt", "alias.txt", "ext/y.txt"]]


def test_new_and_deleted_files_show_up_on_the_next_listing(tmp_path: Path) -> None:
    library = Library(tmp_path)
    write(tmp_path / "one.txt", "一\n")
    assert ids(library) == ["one.txt"]
    write(tmp_path / "two.txt", "二\n")
    assert library.info("two.txt").title == "二"  # found without a new list()
    (tmp_path / "one.txt").unlink()
    assert ids(library) == ["two.txt"]


# --------------------------------------------------------------------------------------------- decoding


def _with_bom(bom: bytes, codec: str) -> object:
    return lambda text: bom + text.encode(codec)


ENCODINGS = {
    "utf-8": lambda text: text.encode("utf-8"),
    "utf-8-sig": lambda text: text.encode("utf-8-sig"),
    "utf-16-le+bom": _with_bom(codecs.BOM_UTF16_LE, "utf-16-le"),
    "utf-16-be+bom": _with_bom(codecs.BOM_UTF16_BE, "utf-16-be"),
    "utf-32-le+bom": _with_bom(codecs.BOM_UTF32_LE, "utf-32-le"),
    "utf-32-be+bom": _with_bom(codecs.BOM_UTF32_BE, "utf-32-be"),
    "gb18030": lambda text: text.encode("gb18030"),
    "big5": lambda text: text.encode("big5"),
}


@pytest.mark.parametrize(
    ("encoding", "seed"),
    [
        (encoding, seed)
        for encoding in sorted(ENCODINGS)
        for seed, script in sorted(SEED_SCRIPTS.items())
        if encoding != "big5" or script == "traditional"  # Big5 has no Simplified characters
    ],
)
def test_each_encoding_decodes_to_the_utf8_text(tmp_path: Path, seed: str, encoding: str) -> None:
    # Big5 cannot represent Simplified characters: take the first paragraphs it can represent.
    text = seed_paragraphs(seed, 2, "big5" if encoding == "big5" else None)
    data = ENCODINGS[encoding](text)  # type: ignore[operator]
    write(tmp_path / "art.txt", data)

    assert load_file(tmp_path / "art.txt").text == normalise(text)
    [info] = Library(tmp_path).list()
    assert info.error is None
    assert info.title == one_line(text.split("\n", 1)[0])


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        # charset-normalizer alone calls these GBK samples Big5
        ("中文\n", "gb18030"),
        ("说明\n", "gb18030"),
        ("19次阅读\n", "gb18030"),
        ("臺灣\n", "gb18030"),
        ("你好世界\n", "big5"),
        ("年輕人\n", "big5"),
        ("中文\n", "big5"),
    ],
)
def test_short_gbk_and_big5_files_decode(text: str, encoding: str) -> None:
    assert decode_bytes(text.encode(encoding), "short.txt") == text


@pytest.mark.parametrize("encoding", ["gb18030", "big5"])
def test_big_non_utf8_file_lists_from_its_head_and_loads_exactly(tmp_path: Path, encoding: str) -> None:
    paragraphs = [line for line in seed_text("000_7bd28feb70503cb0.txt").split("\n") if line.strip()]
    fitting = [line for line in paragraphs if _encodes(line, encoding)]
    text = "\n\n".join(fitting * 3) + "\n"
    data = text.encode(encoding)
    assert len(data) > 2 * HEAD_BYTES
    write(tmp_path / "big.txt", data)
    library = Library(tmp_path)

    [listed] = library.list()
    assert listed.error is None
    assert listed.title == one_line(fitting[0])
    assert listed.script == "traditional"
    assert not listed.chars_exact
    assert abs(listed.chars - len(text)) < 0.1 * len(text)

    article = library.load("big.txt")
    assert article.text == text
    assert article.info.chars == len(text)
    assert article.info.chars_exact
    assert library.info("big.txt").chars_exact  # the listing now has the exact figures


def _encodes(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def test_head_cut_inside_a_multibyte_character_is_fine(tmp_path: Path) -> None:
    # 3-byte UTF-8 characters with a 1-byte prefix: the head ends in the middle of a character.
    text = "标题\n" + "中" * (HEAD_BYTES // 3 + 100) + "\n"
    write(tmp_path / "cut.txt", "x" + text)
    [info] = Library(tmp_path).list()
    assert info.error is None
    assert not info.chars_exact
    assert info.title == "x标题"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
        b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)),
        "正文".encode() + b"\x00" * 9 + "更多".encode(),
        "正文".encode("gb18030") + b"\x00" + "更多".encode("gb18030"),
        "正文\n".encode("utf-16-le"),
    ],
    ids=["png", "elf", "many-nuls-in-text", "nul-in-gb18030", "utf16-without-bom"],
)
def test_binary_file_is_listed_with_an_error_and_load_names_it(tmp_path: Path, data: bytes) -> None:
    write(tmp_path / "good.txt", "好\n")
    write(tmp_path / "sub" / "pic.txt", data)
    library = Library(tmp_path)

    infos = {info.id: info for info in library.list()}

    assert set(infos) == {"good.txt", "sub/pic.txt"}
    bad = infos["sub/pic.txt"]
    assert bad.error is not None
    assert "pic.txt" in bad.error
    assert "UTF-8" in bad.error
    assert "\n" not in bad.error
    assert bad.title == "pic"
    assert bad.script == ""
    assert infos["good.txt"].error is None
    with pytest.raises(ArticleError) as caught:
        library.load("sub/pic.txt")
    assert str(tmp_path / "sub" / "pic.txt") in str(caught.value)
    assert "re-save it as UTF-8" in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("nuls", [1, 2, 8])
def test_a_text_with_a_stray_nul_opens_with_the_nul_shown(tmp_path: Path, nuls: int) -> None:
    body = "正文第一段\n第二段"
    write(tmp_path / "a.txt", ("标题\n" + body[:3]).encode() + b"\x00" * nuls + body[3:].encode())
    library = Library(tmp_path)
    [info] = library.list()
    assert info.error is None and info.title == "标题"
    article = library.load("a.txt")
    assert article.text == "标题\n正文第" + "\u2400" * nuls + "一段\n第二段"


def test_a_big_text_may_carry_one_nul_per_thousand_bytes(tmp_path: Path) -> None:
    line = ("中文" * 500 + "\n").encode()  # 3,001 bytes
    write(tmp_path / "a.txt", (line + b"\x00") * 20)  # 20 NULs in ~60 kB
    assert load_file(tmp_path / "a.txt").text.count("\u2400") == 20
    write(tmp_path / "b.txt", (line[:900] + b"\x00") * 20)  # 20 NULs in ~18 kB: too many
    with pytest.raises(ArticleError, match="binary"):
        load_file(tmp_path / "b.txt")


def test_invalid_utf16_after_a_bom_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "bad16.txt", codecs.BOM_UTF16_LE + b"\x00\xd8a\x00")  # a lone surrogate
    with pytest.raises(ArticleError, match=r"bad16\.txt.*UTF-16.*re-save it as UTF-8"):
        load_file(tmp_path / "bad16.txt")


def test_a_file_that_turns_bad_after_listing_fails_to_load_and_is_then_listed_with_its_error(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "a.txt", "好\n")
    library = Library(tmp_path)
    assert library.list()[0].error is None
    write(path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10binary")
    with pytest.raises(ArticleError, match=r"a\.txt"):
        library.load("a.txt")
    assert library.info("a.txt").error is not None


# --------------------------------------------------------------------------------------------- normalisation


def test_crlf_and_cr_newlines_become_lf(tmp_path: Path) -> None:
    write(tmp_path / "nl.txt", "标题\r\n\r\n第一段\r第二段\r\n")
    article = load_file(tmp_path / "nl.txt")
    assert article.text == "标题\n\n第一段\n第二段\n"
    assert [article.text[s:e] for s, e in article.paragraphs] == ["标题", "第一段", "第二段"]


def test_terminal_escapes_and_bidi_overrides_become_visible_symbols(tmp_path: Path) -> None:
    body = "标题\n前文\x1b]0;pwned\x07后文\u202e反转\u2066\x9b2J\n"
    write(tmp_path / "evil.txt", "\ufeff" + body.replace("\n", "\r\n"))

    article = load_file(tmp_path / "evil.txt")

    assert len(article.text) == len(body)  # only the BOM and CRLF -> LF changed the length
    for raw in ("\x1b", "\x07", "\u202e", "\u2066", "\x9b", "\r", "\ufeff"):
        assert raw not in article.text
    assert "␛]0;pwned␇" in article.text
    assert article.text.index("后文") == body.index("后文")  # offsets line up with the original


def test_escape_in_the_title_is_made_visible(tmp_path: Path) -> None:
    write(tmp_path / "t.txt", "\x1b[31m红色标题\n正文\n")
    [info] = Library(tmp_path).list()
    assert info.title == "␛[31m红色标题"


@given(
    st.text(alphabet=st.sampled_from("ab中\r\n\t \x00\x1b\x07\x7f\x85\x9b\u202e\u2028\ufeff"), max_size=40)
)
def test_normalise_is_newlines_then_controls(text: str) -> None:
    """normalise() skips the translate when nothing would change: never a different result."""
    assert normalise(text) == sanitise(normalise_newlines(text))


# --------------------------------------------------------------------------------------------- metadata


@given(st.text(alphabet=st.sampled_from("a 中\n\t\u3000\u2400"), max_size=60))
def test_a_listing_counts_paragraphs_and_takes_the_title_as_loading_does(text: str) -> None:
    """A listing counts paragraphs without making their spans: the same figures as a load."""
    listed, spans = articles._describe("a.txt", Path("a.txt"), text, 1, 1, spans_needed=False)
    loaded, _ = articles._describe("a.txt", Path("a.txt"), text, 1, 1)
    assert listed == loaded and spans == ()


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from("a 中這这\n\r\t\u3000\x0b\x0c\x1b\x1f\x85\u2028\u202e\ufeff\u2400"),
        max_size=60,
    )
)
def test_a_listed_file_has_the_metadata_of_its_loaded_text(tmp_path_factory, text: str) -> None:
    """A listing reads the head, normalises its newlines and makes its controls visible only when a line is
    not printable: the figures of a load of the same file (title, paragraphs, characters, script)."""
    path = tmp_path_factory.mktemp("listed") / "a.txt"
    path.write_bytes(text.encode("utf-8"))
    st_ = path.stat()
    listed = articles.head_info("a.txt", path, st_.st_size, st_.st_mtime_ns)
    loaded = load_file(path, "a.txt").info
    assert (listed.title, listed.paragraphs, listed.chars, listed.script) == (
        loaded.title,
        loaded.paragraphs,
        loaded.chars,
        loaded.script,
    )


def test_title_is_the_first_non_empty_line_collapsed(tmp_path: Path) -> None:
    write(tmp_path / "t.txt", "\n   \n\u3000\u3000 标题\t 第二部分 \n正文\n")
    [info] = Library(tmp_path).list()
    assert info.title == "标题 第二部分"


def test_empty_file_is_an_article_titled_by_its_stem(tmp_path: Path) -> None:
    write(tmp_path / "空白.txt", "")
    write(tmp_path / "blank.txt", "\n \n\t\n")
    library = Library(tmp_path)
    infos = {info.id: info for info in library.list()}
    assert infos["空白.txt"].title == "空白"
    assert infos["blank.txt"].title == "blank"
    empty = library.load("空白.txt")
    assert empty.text == ""
    assert empty.paragraphs == ()
    assert (empty.info.chars, empty.info.paragraphs, empty.info.reading_minutes) == (0, 0, 0.0)
    assert empty.info.script == "none"
    assert empty.info.error is None


def test_metadata_counts(tmp_path: Path) -> None:
    text = "标题\n\n" + "字" * 399 + "\n  \n" + "\u3000\u3000第二段\n"
    write(tmp_path / "m.txt", text)
    article = Library(tmp_path).load("m.txt")
    info = article.info
    assert info.chars == len(text) == 413
    assert info.chars_exact
    assert info.paragraphs == 3
    assert info.reading_minutes == 1.5  # 413 / 400 minutes, rounded up to the half minute
    assert article.sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert [article.text[s:e] for s, e in article.paragraphs] == ["标题", "字" * 399, "\u3000\u3000第二段"]
    assert info.size == len(text.encode("utf-8"))


@pytest.mark.parametrize(
    ("chars", "minutes"), [(0, 0.0), (1, 0.5), (200, 0.5), (201, 1.0), (400, 1.0), (401, 1.5)]
)
def test_reading_minutes_round_up_to_half_minutes(chars: int, minutes: float) -> None:
    assert articles.reading_minutes(chars) == minutes


@pytest.mark.parametrize(("name", "script"), sorted(SEED_SCRIPTS.items()))
def test_script_of_the_seeds(name: str, script: str) -> None:
    article = load_file(SEEDS / name)
    assert article.info.script == script
    assert article.info.title == one_line(seed_text(name).split("\n")[0])


def test_listing_the_seeds_gives_their_scripts(seeds_dir: Path, tmp_path: Path) -> None:
    infos = Library(seeds_dir, cache_dir=tmp_path / "cache").list()
    assert {info.id: info.script for info in infos} == SEED_SCRIPTS
    assert all(info.error is None for info in infos)


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("Hello, world. 123\n", "none"),
        ("中文人口大山\n", "none"),  # characters shared by both scripts
        ("這個國家的經濟發展\n", "traditional"),
        ("这个国家的经济发展\n", "simplified"),
        ("這個國家的經濟發展\n这个国家的经济发展\n", "mixed"),
    ],
)
def test_script_detection(text: str, script: str) -> None:
    assert detect_script(text) == script


# Traditional-only, Simplified-only and shared characters, in and beyond the BMP (\U0002005e, \U0002003e).
_SCRIPT_SAMPLE = (
    "這個國家經濟發展臺灣这个国家经济发展台湾中文人口大山的了是 a1\n。\U00020000\U0002005e\U0002003e"
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(_SCRIPT_SAMPLE), max_size=400))
def test_script_detection_is_that_of_the_full_counts(text: str) -> None:
    """detect_script() stops counting once the answer is decided: never a different answer."""
    assert detect_script(text) == script_of_counts(*script_counts(text))


@pytest.mark.parametrize("name", sorted(SEED_SCRIPTS))
def test_seed_scripts_from_the_full_counts(name: str) -> None:
    text = normalise(seed_text(name))
    assert script_of_counts(*script_counts(text)) == detect_script(text) == SEED_SCRIPTS[name]


def test_shipped_script_tables_are_what_the_installed_opencc_says() -> None:
    """The tables read at start-up (shipped, built with one OpenCC version) equal the ones built now.

    If this fails after an OpenCC upgrade, regenerate them: see scripts.SCRIPT_TABLES."""
    scripts._script_chars.cache_clear()
    try:
        traditional, simplified = scripts._script_chars()
        assert (traditional, simplified) == scripts.build_script_chars()
        assert "經" in traditional and "经" in simplified and "中" not in traditional | simplified
    finally:
        scripts._script_chars.cache_clear()
        scripts._scripts.cache_clear()


@pytest.mark.parametrize(
    "content", ['{"opencc": "0.0.1", "traditional": "中", "simplified": "文"}', "{not json"]
)
def test_script_tables_from_another_opencc_or_damaged_are_rebuilt(
    content: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = tmp_path / "script_chars.json"
    stale.write_text(content, encoding="utf-8")
    monkeypatch.setattr(scripts, "SCRIPT_TABLES", stale)
    scripts._script_chars.cache_clear()
    scripts._scripts.cache_clear()
    try:
        assert detect_script("这个国家的经济发展\n") == "simplified"
        assert detect_script("中文人口大山\n") == "none"
    finally:
        scripts._script_chars.cache_clear()
        scripts._scripts.cache_clear()


# --------------------------------------------------------------------------------------------- cache


def _make_folder(root: Path, count: int = 5) -> None:
    for i in range(count):
        write(root / f"d{i % 2}" / f"a{i}.txt", f"第{i}篇\n正文\n")


def test_second_listing_reads_no_file_in_memory_or_from_the_cache_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, cache_dir = tmp_path / "articles", tmp_path / "cache"
    _make_folder(root)
    first = Library(root, cache_dir).list()
    assert (cache_dir / CACHE_FILE).is_file()

    reads = ReadCounter(monkeypatch)
    library = Library(root, cache_dir)  # as in a new run of the program
    assert library.list() == first
    assert library.list() == first
    assert reads.paths == []


def test_a_quick_listing_only_when_few_files_are_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before the first paint, the app lists a folder only if that reads few files; else no file is read."""
    root, cache_dir = tmp_path / "articles", tmp_path / "cache"
    _make_folder(root, count=5)
    reads = ReadCounter(monkeypatch)
    assert Library(root, cache_dir).list_if_quick(max_unread=4) is None
    assert reads.paths == []

    listed = Library(root, cache_dir).list_if_quick(max_unread=5)
    assert listed is not None and [info.title for info in listed] == [f"第{i}篇" for i in (0, 2, 4, 1, 3)]
    assert len(reads.paths) == 5

    write(root / "d0" / "a0.txt", "改过的标题\n正文\n")  # one changed file, one new one: two to read
    write(root / "new.txt", "新文章\n正文\n")
    reads.paths.clear()
    assert Library(root, cache_dir).list_if_quick(max_unread=1) is None
    relisted = Library(root, cache_dir).list_if_quick(max_unread=2)
    assert relisted is not None and {"改过的标题", "新文章"} <= {info.title for info in relisted}
    assert sorted(reads.paths) == ["a0.txt", "new.txt"]


def test_in_memory_cache_without_a_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _make_folder(tmp_path)
    library = Library(tmp_path)
    first = library.list()
    reads = ReadCounter(monkeypatch)
    assert library.list() == first
    assert reads.paths == []
    assert list(tmp_path.rglob(CACHE_FILE)) == []


def test_a_modified_file_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, cache_dir = tmp_path / "articles", tmp_path / "cache"
    _make_folder(root)
    Library(root, cache_dir).list()
    reads = ReadCounter(monkeypatch)

    write(root / "d0" / "a0.txt", "新的标题，长一些\n正文\n")  # size changes
    infos = {i.id: i for i in Library(root, cache_dir).list()}
    assert reads.paths == ["a0.txt"]
    assert infos["d0/a0.txt"].title == "新的标题，长一些"

    reads.paths.clear()
    path = root / "d1" / "a1.txt"
    write(path, "第8篇\n正文\n")  # same size as "第1篇"...
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))  # ...new mtime
    infos = {i.id: i for i in Library(root, cache_dir).list()}
    assert reads.paths == ["a1.txt"]
    assert infos["d1/a1.txt"].title == "第8篇"


def test_load_records_exact_metadata_for_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, cache_dir = tmp_path / "articles", tmp_path / "cache"
    big = "标题\n" + ("一段中文。" * 40 + "\n") * 200
    write(root / "big.txt", big)
    assert not Library(root, cache_dir).list()[0].chars_exact
    Library(root, cache_dir).load("big.txt")

    reads = ReadCounter(monkeypatch)
    [info] = Library(root, cache_dir).list()
    assert reads.paths == []
    assert info.chars_exact
    assert info.chars == len(big)
    assert info.paragraphs == 201


@pytest.mark.parametrize(
    "content",
    [
        b"\x00garbage{{{",
        b"",
        b"[1, 2, 3]",
        b'{"version": 1, "roots": []}',
        b'{"version": 1, "roots": {"ROOT": {"d0/a0.txt": {"title": 5}, "d1/a1.txt": [], "x": null}}}',
        b'{"version": 999}',
    ],
)
def test_a_corrupt_cache_file_is_ignored_and_rebuilt(tmp_path: Path, content: bytes) -> None:
    root, cache_dir = tmp_path / "articles", tmp_path / "cache"
    _make_folder(root)
    expected = Library(root).list()
    write(cache_dir / CACHE_FILE, content.replace(b"ROOT", str(root.resolve()).encode()))

    assert Library(root, cache_dir).list() == expected
    rebuilt = orjson.loads((cache_dir / CACHE_FILE).read_bytes())
    assert rebuilt["version"] == library_module.CACHE_VERSION
    assert [p.name for p in cache_dir.iterdir()] == [CACHE_FILE]  # no temporary files left behind


def test_the_cache_file_is_written_once_per_call_and_only_when_something_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, cache_dir = tmp_path / "articles", tmp_path / "cache"
    _make_folder(root, 20)
    writes: list[str] = []
    replace = os.replace
    monkeypatch.setattr(library_module.os, "replace", lambda a, b: (writes.append(str(b)), replace(a, b)))
    library = Library(root, cache_dir)

    library.list()
    assert len(writes) == 1
    library.list()
    assert len(writes) == 1
    library.load("d0/a0.txt")  # small files are listed exactly, so loading changes nothing
    assert len(writes) == 1


def test_an_unwritable_cache_dir_is_not_fatal(tmp_path: Path) -> None:
    _make_folder(tmp_path / "articles")
    write(tmp_path / "cache", "a file where the cache folder should be")
    assert len(Library(tmp_path / "articles", tmp_path / "cache").list()) == 5


def test_two_roots_can_share_a_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache_dir = tmp_path / "cache"
    write(tmp_path / "one" / "a.txt", "一\n")
    write(tmp_path / "two" / "a.txt", "二\n")
    Library(tmp_path / "one", cache_dir).list()
    Library(tmp_path / "two", cache_dir).list()
    reads = ReadCounter(monkeypatch)
    assert Library(tmp_path / "one", cache_dir).list()[0].title == "一"
    assert Library(tmp_path / "two", cache_dir).list()[0].title == "二"
    assert reads.paths == []


# --------------------------------------------------------------------------------------------- ids


def test_unknown_id_is_a_usage_error(tmp_path: Path) -> None:
    _make_folder(tmp_path)
    library = Library(tmp_path)
    for call in (library.info, library.load, library.resolve):
        with pytest.raises(UsageError) as caught:
            call("nope.txt")
        assert "no article 'nope.txt'" in str(caught.value)
        assert "reader list" in str(caught.value)
    with pytest.raises(UsageError):
        library.load("../articles/d0/a0.txt")


def test_resolve_accepts_ids_and_paths_inside_the_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "articles"
    _make_folder(root)
    write(tmp_path / "elsewhere.txt", "外面\n")
    write(root / "notes.md", "不是文章\n")
    (tmp_path / "rootlink").symlink_to(root, target_is_directory=True)
    library = Library(root)

    assert library.resolve("d0/a0.txt") == "d0/a0.txt"
    assert library.resolve(str(root / "d1" / "a1.txt")) == "d1/a1.txt"
    assert library.resolve(str(tmp_path / "rootlink" / "d0" / "a2.txt")) == "d0/a2.txt"
    monkeypatch.chdir(tmp_path)
    assert library.resolve("articles/d0/a4.txt") == "d0/a4.txt"
    assert library.resolve("articles/../articles/d1/a3.txt") == "d1/a3.txt"
    with pytest.raises(UsageError, match="not an article"):
        library.resolve(str(tmp_path / "elsewhere.txt"))
    with pytest.raises(UsageError, match="not an article"):
        library.resolve(str(root / "notes.md"))
    with pytest.raises(UsageError, match="no article"):
        library.resolve(str(root / "missing.txt"))


def test_load_file_reads_any_file(tmp_path: Path) -> None:
    path = write(tmp_path / "somewhere" / "文章.txt", "標題\n內容\n".encode("big5"))
    article = load_file(path)
    assert isinstance(article, Article)
    assert isinstance(article.info, ArticleInfo)
    assert article.info.id == "文章.txt"
    assert article.info.title == "標題"
    assert article.info.script == "traditional"
    assert load_file(path, "custom/id.txt").info.id == "custom/id.txt"


def test_load_file_of_a_missing_file_is_an_article_error(tmp_path: Path) -> None:
    with pytest.raises(ArticleError) as caught:
        load_file(tmp_path / "missing.txt")
    assert "missing.txt" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_file_name_that_is_not_utf8_is_listed_with_a_printable_title(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "articles", tmp_path / "cache"
    root.mkdir()
    (Path(os.fsdecode(os.fsencode(root) + b"/bad\xff.txt"))).write_bytes(b"")
    [info] = Library(root, cache_dir).list()
    assert (info.id, info.title) == ("bad\\xff.txt", "bad\\xff")  # the id's escape (more: test_fs_names.py)
    assert Library(root, cache_dir).load(info.id).text == ""
    assert (cache_dir / CACHE_FILE).is_file()


def test_remembered_listing_comes_from_the_cache_without_reading_files(tmp_path, seeds_dir):
    """The library screen paints this at once; the worker's list() then shows the folder as it is."""
    from reader.library import Library

    cache = tmp_path / "cache"
    assert Library(seeds_dir, cache_dir=cache).remembered() == []
    listed = Library(seeds_dir, cache_dir=cache).list()
    gone = seeds_dir / listed[0].id
    gone.unlink()
    fresh = Library(seeds_dir, cache_dir=cache)
    assert [i.id for i in fresh.remembered()] == [i.id for i in listed]  # stale, but instant
    assert [i.title for i in fresh.remembered()] == [i.title for i in listed]
    assert listed[0].id not in [i.id for i in fresh.list()]
