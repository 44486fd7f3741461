"""The tags of corpus search hits, looked up by position (reader.search.layouts / tagspans): the same as
checking every annotation, whatever the layout, and cached per article version without going stale."""

from __future__ import annotations

import sys
from array import array
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.search import CorpusSearch, tagdir
from reader.search.layouts import BoundsLayout, build_segments, decode, encode, tagsets_in_masks
from reader.search.tagspans import DIRECTORY, TagSpans
from reader.store import make_annotation
from reader.workspace import Workspace

TAG_NAMES = ["甲", "乙", "丙", "丁/一", "丁/二"]


#: what a stored layout may follow in the cache file: another article's (ids no table here has)
_OTHER_ARTICLE = bytes([0xEE]) * 8


class Table:
    """What TagSpans gives build_segments and the layouts: interned tag tuples."""

    def __init__(self) -> None:
        self.tagsets: list[tuple[str, ...]] = [()]
        self.ids: dict[tuple[str, ...], int] = {(): 0}

    def intern(self, tags: tuple[str, ...]) -> int:
        if tags not in self.ids:
            self.ids[tags] = len(self.tagsets)
            self.tagsets.append(tags)
        return self.ids[tags]

    def join(self, ids) -> int:
        return self.intern(tuple(dict.fromkeys(t for i in ids for t in self.tagsets[i])))


def by_scanning(annotations, a: int, b: int) -> tuple[str, ...]:
    """The definition: tags of every annotation overlapping [a, b), in document order, each once."""
    tags: dict[str, None] = {}
    for start, end, _, ann_tags in sorted(annotations):
        if start < b and a < end and start < end:
            tags.update(dict.fromkeys(ann_tags))
    return tuple(tags)


annotation = st.tuples(
    st.integers(0, 60),
    st.integers(0, 12),
    st.integers(0, 5),
    st.lists(st.sampled_from(TAG_NAMES), max_size=3),
).map(lambda t: (t[0], t[0] + t[1], t[2], tuple(dict.fromkeys(t[3]))))


@st.composite
def matches(draw) -> tuple[list[int], list[int]]:
    """Non-overlapping matches in order, of one length or of several."""
    lengths = draw(st.sampled_from([[1], [2], [3], [1, 2, 4]]))
    starts, ends, at = [], [], 0
    for gap in draw(st.lists(st.integers(0, 6), max_size=12)):
        start = at + gap
        end = start + draw(st.sampled_from(lengths))
        if end > 70:
            break
        starts.append(start)
        ends.append(end)
        at = end
    return starts, ends, lengths[0] if len(lengths) == 1 else 0


@settings(max_examples=300, deadline=None)
@given(st.lists(annotation, max_size=12), matches())
def test_tags_by_position_are_those_of_every_overlapping_annotation(annotations, found):
    starts, ends, length = found
    table = Table()
    ordered = sorted(annotations)  # document order: start, end, created
    segments = build_segments([(s, e, tags) for s, e, _, tags in ordered], table.intern, table.tagsets)
    expected = [by_scanning(annotations, a, b) for a, b in zip(starts, ends, strict=True)]
    if not segments.tagsets:
        assert all(tags == () for tags in expected)
        return
    layouts = [BoundsLayout(*segments)]
    kind, meta, blob = encode(segments, 75)
    layouts += [_decoded(kind, meta, blob), _decoded(kind, meta, blob, after=_OTHER_ARTICLE)]
    assert kind == "w"  # short texts get the mask
    for layout in layouts:
        got = [table.tagsets[t] for t in layout.tagsets_of(starts, ends, length, table.join)]
        assert got == expected, type(layout).__name__
    assert all(segments.tagsets[k] != segments.tagsets[k + 1] for k in range(len(segments.tagsets) - 1))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.lists(annotation, min_size=1, max_size=8), matches()), min_size=1, max_size=4))
def test_the_matches_of_many_articles_looked_up_together_get_each_their_own_tags(articles):
    """A search looks up a batch of articles' matches in one pass over the mapped file
    (``tagsets_in_masks``): each match gets the tags of its own article's annotations, whatever sits
    before or after that article's mask in the file."""
    table, blobs, placed, expected = Table(), [], [], []
    for anns, (starts, ends, _) in articles:
        ordered = sorted(anns)
        segments = build_segments([(s, e, tags) for s, e, _, tags in ordered], table.intern, table.tagsets)
        if not segments.tagsets:
            continue
        kind, _, blob = encode(segments, 75)
        assert kind == "w"
        placed.append((sum(map(len, blobs)) // 2, starts, ends))
        blobs.append(blob)
        expected.append([by_scanning(anns, a, b) for a, b in zip(starts, ends, strict=True)])
    lengths = {b - a for _, starts, ends in placed for a, b in zip(starts, ends, strict=True)}
    length = lengths.pop() if len(lengths) == 1 else 0
    masks = memoryview(b"".join(blobs)).cast("H")
    got = tagsets_in_masks(masks, placed, length, table.join)
    assert [[table.tagsets[t] for t in ids] for ids in got] == expected


@pytest.mark.parametrize("after", [b"", _OTHER_ARTICLE], ids=["first in the file", "after another"])
def test_a_match_whose_ends_share_tags_but_not_its_middle_gets_every_tag(after):
    """甲 on the first and third characters, 乙 on the second: a two-character match over the first two, and
    a three-character one over all three (its first and last characters alike), have both tags."""
    table = Table()
    segments = build_segments(
        [(0, 1, ("甲",)), (1, 2, ("乙",)), (2, 3, ("甲",))], table.intern, table.tagsets
    )
    kind, meta, blob = encode(segments, 10)
    layout = _decoded(kind, meta, blob, after=after)
    masks = memoryview(after + blob).cast("H")
    for starts, ends, length in (([0, 4], [2, 6], 2), ([0, 5], [3, 7], 0), ([0], [3], 3)):
        got = [table.tagsets[t] for t in layout.tagsets_of(starts, ends, length, table.join)]
        assert got[0] == ("甲", "乙") and all(tags == () for tags in got[1:])
        (together,) = tagsets_in_masks(masks, [(len(after) // 2, starts, ends)], length, table.join)
        assert [table.tagsets[t] for t in together] == got


def test_a_long_text_with_few_annotations_keeps_bounds_not_a_mask():
    table = Table()
    segments = build_segments([(10, 20, ("甲",)), (500_000, 500_002, ("乙",))], table.intern, table.tagsets)
    kind, meta, blob = encode(segments, 600_000)
    assert kind == "b" and len(blob) < 100
    layout = _decoded(kind, meta, blob)
    tags = layout.tagsets_of([15, 300, 500_001], [16, 301, 500_002], 1, table.join)
    assert [table.tagsets[t] for t in tags] == [("甲",), (), ("乙",)]


def _decoded(kind, meta, blob, after=b""):
    """As the cache reads a stored layout: views of the mapped file, nothing copied. ``after``: what
    comes before it in the file (the first article's layout starts the file)."""
    data = memoryview(after + blob)
    return decode(kind, meta, data.cast("i"), data.cast("H"), len(after))


# -- the cache, through CorpusSearch


def _workspace(tmp_path: Path) -> Workspace:
    articles = tmp_path / "articles"
    articles.mkdir(exist_ok=True)
    (articles / "a.txt").write_text("甲文\n数据和数据库，大数据。数据！\n", encoding="utf-8")
    (articles / "b.txt").write_text("乙文\n没有数据的一篇。\n", encoding="utf-8")
    return Workspace(articles, tmp_path / "db")


def tags_of(workspace: Workspace, query: str = "数据") -> list[tuple[str, int, tuple[str, ...]]]:
    return [(h.article_id, h.start, h.tags) for h in CorpusSearch(workspace).search(query)]


@pytest.mark.parametrize("settled", [False, True], ids=["racy", "trusted"])
def test_tags_are_cached_per_article_version_and_follow_every_change(tmp_path, settled, monkeypatch):
    _settle_at_once(monkeypatch, settled)
    ws = _workspace(tmp_path)
    article = ws.load("a.txt")  # 数据 at 3, 6, 11, 14
    first = ws.annotate(article, 3, 5, tags=["来源"])
    ws.annotate(article, 6, 10, tags=["框架", "来源"])  # 数据库，
    assert tags_of(ws) == [
        ("a.txt", 3, ("来源",)),
        ("a.txt", 6, ("框架", "来源")),
        ("a.txt", 11, ()),
        ("a.txt", 14, ()),
        ("b.txt", 5, ()),
    ]
    cache = CorpusSearch(ws).cache_dir
    assert (cache / DIRECTORY).exists()
    # a new process reads the cache and builds nothing
    fresh = Workspace(ws.library.root, tmp_path / "db")
    spans = TagSpans(cache, fresh.store)
    assert spans.layout("a.txt", article.sha256, len(article.text), _never) is not None
    # an edit, a new annotation and a delete are all seen at the next search
    ws.edit(first, tags=["人物"])
    ws.annotate(article, 10, 13, tags=["大"])  # 大数据: the third match
    assert [t for _, _, t in tags_of(ws)][:3] == [("人物",), ("框架", "来源"), ("大",)]
    ws.delete(first)
    assert [t for _, _, t in tags_of(ws)][:3] == [(), ("框架", "来源"), ("大",)]
    ws.store.compact("a.txt")
    assert [t for _, _, t in tags_of(ws)][:3] == [(), ("框架", "来源"), ("大",)]


def _never(records):
    raise AssertionError("the cached layout should have been used, not built again")


def test_tags_follow_an_article_whose_text_changed_without_saving_anything(tmp_path):
    ws = _workspace(tmp_path)
    article = ws.load("a.txt")
    ws.annotate(article, 6, 9, tags=["框架"])  # 数据库
    assert tags_of(ws)[1] == ("a.txt", 6, ("框架",))
    path = ws.library.root / "a.txt"
    path.write_text("甲文\n新的开头。数据和数据库，大数据。数据！\n", encoding="utf-8")
    before = ws.store.article_version("a.txt")
    hits = tags_of(ws)
    assert (hits[1][1], hits[1][2]) == (11, ("框架",))  # re-anchored in memory: 数据库 moved by 5
    assert ws.store.article_version("a.txt") == before  # and nothing was written by the search


@pytest.mark.parametrize("settled", [False, True], ids=["racy", "trusted"])
def test_a_damaged_tag_cache_is_rebuilt_not_trusted(tmp_path, settled, monkeypatch):
    _settle_at_once(monkeypatch, settled)
    ws = _workspace(tmp_path)
    ws.annotate(ws.load("a.txt"), 3, 5, tags=["来源"])
    expected = tags_of(ws)
    cache = CorpusSearch(ws).cache_dir
    data = next(cache.glob("tagspans-*.bin"))
    data.write_bytes(b"\xff" * len(data.read_bytes()))  # ids past the table of tag tuples
    assert tags_of(ws) == expected
    data = next(cache.glob("tagspans-*.bin"))
    data.write_bytes(data.read_bytes()[:3])  # cut short
    assert tags_of(ws) == expected
    (cache / DIRECTORY).write_text('{"schema": 2, "data": "x", "tagsets": 5}', encoding="utf-8")
    assert tags_of(ws) == expected
    directory = tagdir.decode((cache / DIRECTORY).read_bytes())
    for tagsets in (
        [()],
        [("来源",), ()],
        [(), ("来源",), ("来源",)],
    ):  # too short, no empty first, twice (harmless)
        (cache / DIRECTORY).write_bytes(tagdir.encode(directory._replace(tagsets=tagsets)))
        assert tags_of(ws) == expected
    directory = tagdir.decode((cache / DIRECTORY).read_bytes())
    damaged = [
        {"ints": array("q", directory.ints[:2])},  # too few
        {"shas": directory.shas[1:]},  # one character short
        {"kinds": "z" * len(directory.kinds)},  # a kind no layout has
        {"versions": ""},  # (a search checks each entry's version before it trusts it again)
    ]
    for change in damaged:
        (cache / DIRECTORY).write_bytes(tagdir.encode(directory._replace(**change, stamp=None)))
        assert tags_of(ws) == expected, change
    whole = tagdir.encode(directory)
    elsewhere = "big" if sys.byteorder == "little" else "little"
    for raw in (
        whole[:-1],
        whole + b"\0",
        whole.replace(b'"sizes": [', b'"sizes": [1'),
        whole.replace(f'"byteorder": "{sys.byteorder}"'.encode(), f'"byteorder": "{elsewhere}"'.encode()),
        whole.replace(directory.data.encode(), b"../" + directory.data.encode()),
        tagdir.MAGIC + b"[" * 1000 + b"\n",  # (nested too deep for the JSON parser)
    ):
        (cache / DIRECTORY).write_bytes(raw)
        assert tags_of(ws) == expected, raw
    # an offset before the data file's start, with the stamp kept: never read from elsewhere in the file
    directory = tagdir.decode((cache / DIRECTORY).read_bytes())
    moved = array("q", directory.ints)
    moved[0] = -4
    (cache / DIRECTORY).write_bytes(tagdir.encode(directory._replace(ints=moved)))
    assert tags_of(ws) == expected


def test_a_tag_cache_entry_that_cannot_be_written_is_dropped_not_a_crash(tmp_path):
    """A layout whose sha256 is not hexadecimal (from a damaged search index) cannot go into the cache's
    directory: the search that built it ends as usual, and the entry is simply not kept."""
    ws = _workspace(tmp_path)
    ws.annotate(ws.load("a.txt"), 3, 5, tags=["来源"])
    expected = tags_of(ws)
    cache = CorpusSearch(ws).cache_dir
    spans = TagSpans(cache, ws.store)
    spans.loaded_trusted()
    spans.adopt([("a.txt", "1", "é" * 16, [0, 2], [("来源",)], 4)])
    spans.save()
    assert tags_of(ws) == expected
    assert not list(cache.glob(".*.tmp"))


def test_the_tag_cache_directory_keeps_any_article_id_and_tag():
    """Ids from file names that are not UTF-8 (lone surrogates) and any tag come back as they were."""
    directory = tagdir.Directory(
        data="tagspans-1.bin",
        stamp="1 2",
        tagsets=[(), ("来源",), ("框架", "来源"), ("x\udcff", "框架")],
        ids=["a.txt", "dir/b\udcff.txt", "c d.md"],
        versions="1.2 3.4 5.6",
        shas="0" * 48,
        kinds="wbw",
        ints=array("q", range(9)),
    )
    assert tagdir.decode(tagdir.encode(directory)) == directory
    with pytest.raises(ValueError):
        tagdir.decode(tagdir.encode(directory)[:-3])


def test_a_damaged_annotation_file_gives_its_article_no_tags_and_blocks_no_search(tmp_path):
    import pytest

    from reader.errors import StoreError

    ws = _workspace(tmp_path)
    ws.annotate(ws.load("a.txt"), 3, 5, tags=["来源"])
    ws.annotate(ws.load("b.txt"), 5, 7, tags=["框架"])  # 没有数据: 数据 at 5
    log = next(p for p in ws.store.articles_dir.glob("*.log") if '"a.txt"' in p.read_text(encoding="utf-8"))
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join([lines[0], b"{not json\n", *lines[1:]]))  # a bad line before the last
    fresh = Workspace(ws.library.root, tmp_path / "db")
    with pytest.raises(StoreError):
        fresh.store.records("a.txt")
    assert tags_of(fresh) == [
        ("a.txt", 3, ()),
        ("a.txt", 6, ()),
        ("a.txt", 11, ()),
        ("a.txt", 14, ()),
        ("b.txt", 5, ("框架",)),
    ]


def test_article_version_changes_with_every_save_and_only_then(tmp_path):
    ws = _workspace(tmp_path)
    store = ws.store
    assert store.article_version("a.txt") is None
    article = ws.load("a.txt")
    added = ws.annotate(article, 3, 5, tags=["来源"])
    versions = [store.article_version("a.txt")]
    assert versions[0] is not None and store.article_version("a.txt") == versions[0]
    store.records("a.txt")  # reading changes nothing
    assert store.article_version("a.txt") == versions[0]
    ws.edit(added, note="改")
    versions.append(store.article_version("a.txt"))
    store.compact("a.txt")
    versions.append(store.article_version("a.txt"))
    ws.delete(store.get("a.txt", added.id))
    versions.append(store.article_version("a.txt"))
    assert len(set(versions)) == len(versions)
    assert store.article_version("b.txt") is None


def test_versions_listed_once_per_search_are_each_article_s_version(tmp_path):
    """A search lists the store's folder once (``article_versions``) instead of asking per article: what
    it gives must be exactly ``article_version`` at the time of listing, for every kind of file."""
    ws = _workspace(tmp_path)
    store = ws.store
    assert store.article_versions()("a.txt") is None  # no annotation anywhere
    article = ws.load("a.txt")
    added = ws.annotate(article, 3, 5, tags=["来源"])
    listed = store.article_versions()
    assert listed("a.txt") == store.article_version("a.txt") is not None
    assert listed("b.txt") is None
    before = listed("a.txt")
    ws.edit(added, note="改")  # a file listed is stat-ed when asked: its changes show at once
    assert before != listed("a.txt") == store.article_version("a.txt")
    store.compact("a.txt")  # a snapshot as well as the log
    assert store.article_versions()("a.txt") == store.article_version("a.txt")
    ws.annotate(ws.load("b.txt"), 0, 1, tags=["人物"])  # a file made later: the next listing has it
    assert store.article_versions()("b.txt") == store.article_version("b.txt") is not None


def test_a_store_folder_that_cannot_be_listed_gives_no_tags_and_blocks_no_search(tmp_path, monkeypatch):
    """The store's folder is listed once per search: if that fails (permissions, a network folder
    gone), every match is still found, without tags, and nothing crashes."""
    import os

    ws = _workspace(tmp_path)
    ws.annotate(ws.load("a.txt"), 3, 5, tags=["来源"])
    store_dir = os.fspath(ws.store.articles_dir)
    real = os.scandir

    def refuse(path="."):
        if os.fspath(path) == store_dir:
            raise PermissionError(13, "Permission denied", store_dir)
        return real(path)

    monkeypatch.setattr(os, "scandir", refuse)
    assert [tags for _, _, tags in tags_of(ws)] == [(), (), (), (), ()]
    monkeypatch.undo()
    assert tags_of(ws)[0] == ("a.txt", 3, ("来源",))


@pytest.mark.parametrize("settled", [False, True], ids=["racy", "trusted"])
def test_search_tags_equal_a_scan_of_every_annotation(tmp_path, settled, monkeypatch):
    _settle_at_once(monkeypatch, settled)
    """Many overlapping annotations in one article: the search's tags are those of a full scan."""
    import random

    rng = random.Random(5)
    articles = tmp_path / "articles"
    articles.mkdir()
    text = "".join(rng.choice("数据据数和大") for _ in range(3000))
    (articles / "x.txt").write_text(text, encoding="utf-8")
    ws = Workspace(articles, tmp_path / "db")
    article = ws.load("x.txt")
    made = []
    for _ in range(400):
        start = rng.randrange(len(text) - 30)
        made.append(
            make_annotation(article, start, start + rng.randint(1, 30), tags=rng.sample(TAG_NAMES, 2))
        )
    ws.store.put_many("x.txt", made)
    records = [(a.start, a.end, a.created, a.tags) for a in ws.store.for_article("x.txt")]
    for query in ("数据", "大", "数据据数"):
        hits = list(CorpusSearch(ws).search(query))
        assert hits
        assert [h.tags for h in hits] == [by_scanning(records, h.start, h.end) for h in hits]


def test_a_read_only_database_still_gets_tags(tmp_path):
    import shutil

    from test_cli_store_trust import _remount_read_only, _tmpfs

    ws = _workspace(tmp_path)
    ws.annotate(ws.load("a.txt"), 3, 5, tags=["来源"])
    with _tmpfs(tmp_path / "ro", "16m") as ro:
        shutil.copytree(tmp_path / "db", ro / "db")
        _remount_read_only(ro)
        read_only = Workspace(ws.library.root, ro / "db")
        assert read_only.store.read_only
        assert tags_of(read_only)[0] == ("a.txt", 3, ("来源",))
        assert tags_of(read_only)[0] == ("a.txt", 3, ("来源",))  # (its caches live in a temporary folder)


# -- trusting the cache while the store is unchanged (its changes stamp)


def _settle_at_once(monkeypatch, settled: bool = True) -> None:
    """Folders changed a moment ago count as settled: the stamp is given at once (else a test's searches,
    all within RACY_NS of its writes, would never trust the cache)."""
    import reader.store.reading

    if settled:
        monkeypatch.setattr(reader.store.reading, "RACY_NS", 0)


@pytest.fixture
def trusting(monkeypatch):
    _settle_at_once(monkeypatch)


def _settled_folders(db: Path) -> None:
    """Every folder of the store dated a minute back, so the next change in it moves its mtime (a file
    system's clock ticks every few ms: a change in the same tick would not)."""
    import os
    import time

    past = time.time_ns() - 60 * 10**9
    for folder in [db / "coders", *db.glob("coders/*/articles")]:
        os.utime(folder, ns=(past, past))


def _versions_asked(store, monkeypatch) -> list[str]:
    """The articles whose store version a search asks for (the stats of their files)."""
    asked: list[str] = []
    listing = store.article_versions

    def versions():
        version = listing()
        return lambda article_id: asked.append(article_id) or version(article_id)

    monkeypatch.setattr(store, "article_versions", versions)
    monkeypatch.setattr(store, "article_version", lambda article_id: asked.append(article_id))
    return asked


def test_an_unchanged_store_is_searched_without_a_check_per_article(tmp_path, trusting, monkeypatch):
    import reader.search.tagspans

    monkeypatch.setattr(reader.search.tagspans, "_POPULATE_AFTER", 1)  # (the data file mapped at once)
    ws = _workspace(tmp_path)
    ws.annotate(ws.load("a.txt"), 3, 5, tags=["来源"])
    expected = tags_of(ws)  # builds the layouts, checks every entry, keeps the stamp
    assert expected[0] == ("a.txt", 3, ("来源",))
    fresh = Workspace(ws.library.root, tmp_path / "db")
    asked = _versions_asked(fresh.store, monkeypatch)
    assert tags_of(fresh) == expected
    assert [(h.article_id, h.tags) for h in CorpusSearch(fresh).search("数据库")] == [("a.txt", ())]
    assert "a.txt" not in asked  # (b.txt has no annotation, so no entry: the store's listing says so)


def test_every_change_made_through_the_store_is_seen_by_the_next_search(tmp_path, trusting):
    ws = _workspace(tmp_path)
    article = ws.load("a.txt")
    first = ws.annotate(article, 3, 5, tags=["来源"])
    seen = [[t for _, _, t in tags_of(ws)][:3]]
    ws.edit(first, tags=["人物"])
    seen.append([t for _, _, t in tags_of(ws)][:3])
    ws.annotate(article, 10, 13, tags=["大"])
    seen.append([t for _, _, t in tags_of(ws)][:3])
    ws.store.compact("a.txt")
    seen.append([t for _, _, t in tags_of(ws)][:3])
    ws.delete(first)
    seen.append([t for _, _, t in tags_of(ws)][:3])
    assert seen == [
        [("来源",), (), ()],
        [("人物",), (), ()],
        [("人物",), (), ("大",)],
        [("人物",), (), ("大",)],
        [(), (), ("大",)],
    ]


def test_the_stamp_moves_with_every_writer_and_is_withheld_while_one_writes(tmp_path, trusting):
    """The token is renewed when a writer takes the lock, before it writes: a writer killed with the lock
    held (kill -9) has moved it already, and while the lock is held there is no stamp to trust."""
    import signal
    import subprocess
    import sys

    ws = _workspace(tmp_path)
    ws.annotate(ws.load("a.txt"), 3, 5, tags=["来源"])
    _settled_folders(tmp_path / "db")
    before = ws.store.changes_stamp()
    assert before is not None and before == ws.store.changes_stamp()  # reading moves nothing
    code = (
        "import sys, time\nfrom reader.store.files import lock_file\n"
        "lock_file(sys.argv[1], 5)\nprint('held', flush=True)\ntime.sleep(60)\n"
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", code, str(ws.store.lock_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "held\n"
        assert ws.store.changes_stamp() is None
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
    after = ws.store.changes_stamp()
    assert after is not None and after != before


def test_another_coders_files_brought_by_hand_are_seen(tmp_path, trusting):
    """A `git pull` run by hand (not `reader sync`, which holds the lock) brings new files into another
    coder's folder: the folder's mtime moves, and the next search checks every entry."""
    import shutil

    ws = _workspace(tmp_path)
    ws.annotate(ws.load("a.txt"), 3, 5, tags=["来源"])
    other = Workspace(ws.library.root, tmp_path / "elsewhere", coder="Ann")
    other.annotate(other.load("a.txt"), 6, 9, tags=["框架"])
    assert [t for _, _, t in tags_of(ws)][:2] == [("来源",), ()]
    _settled_folders(tmp_path / "db")
    assert [t for _, _, t in tags_of(ws)][:2] == [("来源",), ()]  # trusted, stamp as before
    theirs = next((tmp_path / "elsewhere" / "coders").glob("*/articles"))
    mine = tmp_path / "db" / "coders" / theirs.parent.name / "articles"
    mine.mkdir(parents=True)
    _settled_folders(tmp_path / "db")
    for f in theirs.iterdir():
        shutil.copy2(f, mine / f.name)
    assert [t for _, _, t in tags_of(ws)][:2] == [("来源",), ("框架",)]


def test_a_racy_folder_gives_no_stamp(tmp_path):
    ws = _workspace(tmp_path)
    ws.annotate(ws.load("a.txt"), 3, 5, tags=["来源"])  # its folder changed just now
    assert ws.store.changes_stamp() is None
    _settled_folders(tmp_path / "db")
    assert ws.store.changes_stamp() is not None


def test_reading_the_store_and_writing_its_index_leave_the_stamp(tmp_path, trusting):
    import shutil

    ws = _workspace(tmp_path)
    ws.annotate(ws.load("a.txt"), 3, 5, tags=["来源"])
    fresh = Workspace(ws.library.root, tmp_path / "db")
    shutil.rmtree(tmp_path / "db" / "local" / "index", ignore_errors=True)  # so that counts() writes it
    before = fresh.store.changes_stamp()
    assert fresh.store.counts() == {"a.txt": 1}  # recounts, and writes the index (under the lock)
    assert next((tmp_path / "db" / "local" / "index").iterdir(), None) is not None
    assert before is not None and fresh.store.changes_stamp() == before
    assert Workspace(ws.library.root, tmp_path / "new").store.changes_stamp() is None  # no writer yet
