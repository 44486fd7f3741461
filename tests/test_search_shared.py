"""A big corpus search shared with a forked child (reader.search.shared) prints exactly what one process
prints, in the same order, with the same counts, whatever the articles folder did since it was indexed and
whatever the child does (slow, killed, hung, sending garbage); it forks only when it is allowed and pays, and
the caches it leaves are those one process leaves. In process here (the sizes made small); the real
command, `| head` and Ctrl+C at the end, in subprocesses."""

from __future__ import annotations

import marshal
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path

import pytest

import reader.claims as claims
import reader.search.shared as shared
from _forks import record_forks
from reader.cli.search import _JsonLines, _PlainLines
from reader.search import ArticleHits, CorpusSearch
from reader.search.index import load_index
from reader.search.tagspans import TagSpans
from reader.store import make_annotation
from reader.workspace import Workspace

ZUOZHUAN = Path(__file__).resolve().parent / "data" / "zuozhuan.txt"
READER_BIN = Path(sys.executable).with_name("reader")
ARTICLES = 120  # ~600 characters each: pieces of 4 KB are ~2 articles


def write_corpus(root: Path, count: int = ARTICLES, size: int = 600) -> Path:
    """Slices of zuozhuan, Simplified and Traditional alike, in three folders (library order is by id)."""
    text = ZUOZHUAN.read_text(encoding="utf-8")
    rng = random.Random(4)
    for i in range(count):
        folder = root / f"{i % 3}"
        folder.mkdir(parents=True, exist_ok=True)
        at = rng.randrange(len(text) - size)
        (folder / f"{i:04d}.txt").write_text(f"第{i}篇\n{text[at : at + size]}\n", encoding="utf-8")
    return root


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Searches share from a few KB on, under pytest-xdist too (whose worker runs a thread), the stamp
    of the store given at once; the pids forked are recorded."""
    import reader.heads
    import reader.store.reading

    monkeypatch.setattr(reader.heads, "can_fork", lambda: True)
    monkeypatch.setattr(reader.store.reading, "RACY_NS", 0)
    monkeypatch.setattr(shared, "PIECE_BYTES", 4096)
    monkeypatch.setattr(shared, "ALONE_BYTES", 8192)
    monkeypatch.setattr(shared, "MIN_ARTICLES", 10)
    return record_forks(monkeypatch, shared)


@pytest.fixture
def pieces_sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int, int]]:
    """(pieces claimed here, pieces the child sent whole, pieces) of each shared search."""
    seen: list[tuple[int, int, int]] = []
    real = shared._Shared._gather

    def gather(self: shared._Shared) -> None:
        real(self)
        seen.append((self.mine, sum(s is not None for s in self.sent), self.count))

    monkeypatch.setattr(shared._Shared, "_gather", gather)
    return seen


Renderer = Callable[[ArticleHits], tuple[bytes, int] | None]


def renderer(json: bool = True, view: str = "original", ws: Workspace | None = None) -> Renderer:
    convert = ws.converter.convert if ws is not None and view != "original" else None
    lines = _JsonLines(view, convert) if json else _PlainLines(view, convert)
    return lambda found: (lines.of(found), len(found.starts))


def paced(render: Renderer, seconds: float = 0.003) -> Renderer:
    """``render`` made slower in this process (not in the child): the child, however late it starts on a
    busy machine, then renders a good part of the pieces."""
    parent = os.getpid()

    def rendering(found: ArticleHits) -> tuple[bytes, int] | None:
        if os.getpid() == parent:
            time.sleep(seconds)
        return render(found)

    return rendering


def output(ws: Workspace, query: str, share: bool, render: Renderer | None = None, **options) -> tuple:
    """All a search prints (bytes, matches, articles), as `reader search` makes it."""
    parts, matches, articles = [], 0, 0
    for data, found, count in CorpusSearch(ws).search_output(
        query, render or renderer(), share=share, **options
    ):
        parts.append(data)
        matches, articles = matches + found, articles + count
    return b"".join(parts), matches, articles


def twins(tmp_path: Path) -> tuple[Workspace, Workspace]:
    """Two databases over the same articles, the second a copy of the first (caches included): a search
    in each sees the same state."""
    shutil.copytree(tmp_path / "db", tmp_path / "db2")
    return Workspace(tmp_path / "articles", tmp_path / "db"), Workspace(
        tmp_path / "articles", tmp_path / "db2"
    )


@pytest.fixture
def corpus(tmp_path: Path) -> Workspace:
    ws = Workspace(write_corpus(tmp_path / "articles"), tmp_path / "db")
    output(ws, "之", share=False)  # the index built
    return ws


def test_a_shared_search_prints_exactly_what_one_process_prints(
    corpus: Workspace, tmp_path: Path, forks: list[int], pieces_sent: list
) -> None:
    shared_ws, serial_ws = twins(tmp_path)
    for query, json, view in (("之", True, "original"), ("之", False, "original"), ("公", True, "taiwan")):
        got = output(shared_ws, query, True, paced(renderer(json, view, shared_ws)))
        want = output(serial_ws, query, False, renderer(json, view, serial_ws))
        assert got == want and want[1] > 100
    assert len(forks) == 3
    for here, sent, count in pieces_sent:  # both did some of it, and the pieces came from both
        assert 0 < here < count and sent > 0


def test_a_shared_search_with_tags_prints_them_as_one_process_does(
    corpus: Workspace, tmp_path: Path, forks: list[int], pieces_sent: list
) -> None:
    rng = random.Random(9)
    for article_id in [a for a, _ in corpus.library.names()][::2]:
        article = corpus.load(article_id)
        made = []
        for _ in range(5):
            start = rng.randrange(len(article.text) - 20)
            made.append(make_annotation(article, start, start + rng.randint(1, 20), tags=rng.sample(TAGS, 2)))
        corpus.store.put_many(article_id, made)
    output(corpus, "晋", share=False)  # checks every cached entry: the cache is trusted from now on
    assert TagSpans(CorpusSearch(corpus).cache_dir, corpus.store).loaded_trusted()
    shared_ws, serial_ws = twins(tmp_path)
    for tags in ((), ("框架",), ("来源", "人物")):
        got = output(shared_ws, "之", True, paced(renderer()), tags=tags)
        want = output(serial_ws, "之", False, tags=tags)
        assert got == want and b'"tags":["' in got[0]
    assert len(forks) == 3 and all(sent for _, sent, _ in pieces_sent)


TAGS = ["来源", "框架/经济", "框架/政治", "人物"]


def test_the_layouts_the_child_built_are_kept_in_the_cache(
    corpus: Workspace, tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A trusted cache without the layouts of articles no earlier search had a match in: the child builds
    theirs, and this process saves them as its own; the next search builds none."""
    for article_id in [a for a, _ in corpus.library.names()]:
        corpus.store.put_many(article_id, [make_annotation(corpus.load(article_id), 3, 9, tags=["来源"])])
    output(corpus, "第1", share=False)  # (a few articles: their layouts cached, the cache then trusted)
    assert output(corpus, "之", True)[1] > 100
    assert len(forks) == 1
    built: list[str] = []
    real = TagSpans.layout

    def layout(self: TagSpans, article_id: str, *args) -> object:
        if article_id in self._new or article_id not in self._rows:
            built.append(article_id)
        return real(self, article_id, *args)

    monkeypatch.setattr(TagSpans, "layout", layout)
    output(corpus, "之", False)
    assert built == []


def test_files_changed_removed_added_or_unreadable_since_indexing(
    corpus: Workspace, tmp_path: Path, forks: list[int]
) -> None:
    """Each change in turn, near the end (the child's part): the same output, and the index refreshed."""
    names = [path for _, path in corpus.library.names()]
    changes = [
        lambda: Path(names[-2]).write_text("变了之后之乎者也\n之\n", encoding="utf-8"),
        lambda: Path(names[-5]).write_bytes(b"\x00\x01\x02" * 100),  # not an article any more
        lambda: Path(names[-7]).unlink(),
        lambda: Path(names[-9]).with_name("zzz-new.txt").write_text("新的\n之之\n", encoding="utf-8"),
    ]
    for change in changes:
        change()
        shared_ws, serial_ws = twins(tmp_path)
        got, want = output(shared_ws, "之", True, paced(renderer())), output(serial_ws, "之", False)
        assert got == want
        index = load_index(CorpusSearch(shared_ws).cache_dir)
        assert index is not None and index.matches(shared_ws.library.files())  # refreshed after the search
        assert output(shared_ws, "之", True, paced(renderer())) == want  # again, on the refreshed index
        shutil.rmtree(tmp_path / "db2")
    assert len(forks) == 6  # the changed and the unreadable file searched shared; removed and new serially


@pytest.mark.parametrize("who", ["child", "parent"])
def test_a_slow_side_leaves_its_pieces_to_the_other(
    corpus: Workspace, tmp_path: Path, forks: list[int], pieces_sent: list, who: str
) -> None:
    shared_ws, serial_ws = twins(tmp_path)
    parent, render = os.getpid(), renderer()

    def slow(found: ArticleHits) -> tuple[bytes, int] | None:
        if (os.getpid() == parent) == (who == "parent"):
            time.sleep(0.05)
        return render(found)

    assert output(shared_ws, "之", True, slow) == output(serial_ws, "之", False)
    ((here, sent, count),) = pieces_sent
    if who == "child":
        assert sent <= 2 and here >= count - 2
    else:
        assert here <= 3 and sent >= count - 3


def in_child(action: Callable[[], None], after: int = 2) -> Renderer:
    """A renderer that does ``action`` in the child after its first ``after`` articles (paced here)."""
    parent, render, done = os.getpid(), paced(renderer()), [0]

    def rendering(found: ArticleHits) -> tuple[bytes, int] | None:
        if os.getpid() != parent:
            done[0] += 1
            if done[0] > after:
                action()
        return render(found)

    return rendering


def test_a_child_killed_midway_loses_and_doubles_nothing(
    corpus: Workspace, tmp_path: Path, forks: list[int], pieces_sent: list
) -> None:
    shared_ws, serial_ws = twins(tmp_path)
    killed = in_child(lambda: os.kill(os.getpid(), signal.SIGKILL), after=5)
    assert output(shared_ws, "之", True, killed) == output(serial_ws, "之", False)
    ((here, sent, count),) = pieces_sent
    assert 0 < sent < count - here  # some of its pieces came whole, the rest were done here


def test_a_child_that_hangs_is_killed_and_its_pieces_done_here(
    corpus: Workspace, tmp_path: Path, forks: list[int], pieces_sent: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shared, "STALL", 0.3)
    shared_ws, serial_ws = twins(tmp_path)
    started = time.monotonic()
    assert output(shared_ws, "之", True, in_child(lambda: time.sleep(600), after=5)) == output(
        serial_ws, "之", False
    )
    assert time.monotonic() - started < 30
    ((here, sent, count),) = pieces_sent
    assert sent < count - here
    with pytest.raises(ChildProcessError):
        os.waitpid(forks[0], os.WNOHANG)  # reaped


def test_an_error_here_kills_the_child_at_once(corpus: Workspace, forks: list[int]) -> None:
    """A closed pipe or a bug in this process ends the search there: the child, busy or not, goes with it."""
    parent, render, here = os.getpid(), in_child(lambda: time.sleep(5), after=1), [0]

    def failing(found: ArticleHits) -> tuple[bytes, int] | None:
        if os.getpid() == parent and forks:
            here[0] += 1
            if here[0] > 3:
                raise BrokenPipeError("the reader of the output has gone")
        return render(found)

    started = time.monotonic()
    with pytest.raises(BrokenPipeError):
        output(corpus, "之", True, failing)
    assert time.monotonic() - started < 4
    with pytest.raises(ChildProcessError):
        os.waitpid(forks[0], os.WNOHANG)  # reaped


@pytest.mark.parametrize("garbage", ["not a frame", "a claim beyond the pieces", "a place beyond the file"])
def test_a_child_that_sends_garbage_is_not_trusted(
    corpus: Workspace, tmp_path: Path, forks: list[int], garbage: str
) -> None:
    shared_ws, serial_ws = twins(tmp_path)
    real_dumps = marshal.dumps

    def dumps(value: object) -> bytes:  # frames are 5-tuples; the layouts built, a list
        if not (type(value) is tuple and len(value) == 5) or value[1] < 0:
            return real_dumps(value)
        claim, done, where, stale, extras = value
        if garbage == "not a frame":
            return real_dumps("not a frame")
        if garbage == "a claim beyond the pieces":
            return real_dumps((10**6, done, where, stale, extras))
        return real_dumps((claim, done, (10**9, 5, 1, 1), stale, extras))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(claims, "marshal", types.SimpleNamespace(dumps=dumps, loads=marshal.loads))
        got = output(shared_ws, "之", True, paced(renderer()))
    assert got == output(serial_ws, "之", False)
    assert len(forks) == 1


def test_a_rare_word_or_a_search_not_allowed_to_share_never_forks(
    corpus: Workspace, forks: list[int]
) -> None:
    output(corpus, "第11", True)
    output(corpus, "之", False)
    output(corpus, "之", True, whole_words=True)  # (the child's segmentation cache would be lost)
    assert forks == []
    output(corpus, "之", True)
    assert len(forks) == 1


def test_an_untrusted_tag_cache_searches_in_one_process_and_makes_the_next_shared(
    corpus: Workspace, forks: list[int]
) -> None:
    first = next(iter(CorpusSearch(corpus).search("之"))).article_id
    corpus.store.put_many(first, [make_annotation(corpus.load(first), 3, 9, tags=["来源"])])
    output(corpus, "之", True)  # the store changed since the cache was checked: one process, and it saves
    assert forks == []
    output(corpus, "之", True)
    assert len(forks) == 1


def test_a_first_search_that_builds_no_layout_leaves_a_trusted_cache(corpus: Workspace) -> None:
    """It wrote a directory naming no data file, which no search could load: none trusted it, none shared."""
    import reader.store.reading

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reader.store.reading, "RACY_NS", 0)
        corpus.store.put_many("0/0000.txt", [make_annotation(corpus.load("0/0000.txt"), 3, 9, tags=["来源"])])
        assert [hit.article_id for hit in CorpusSearch(corpus).search("第1篇")] == ["1/0001.txt"]
        assert TagSpans(CorpusSearch(corpus).cache_dir, corpus.store).loaded_trusted()


# ------------------------------------------------------------------------------------ the real command

BIG = 900  # articles of 2,000 characters (~25 之 each): past ALONE_BYTES, with enough matches to go to fork


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("big")
    articles = write_corpus(root / "articles", BIG, 2000)
    output(Workspace(articles, root / "db"), "之", False)  # the index built
    return articles, root / "db"


def run(big: tuple[Path, Path], *args: str, **popen) -> subprocess.Popen:
    articles, db = big
    env = {**os.environ, "READER_ARTICLES": str(articles), "READER_DB": str(db)}
    return subprocess.Popen([str(READER_BIN), "search", *args], env=env, **popen)


def child_of(log: Path) -> int:
    (line,) = [line for line in log.read_text().splitlines() if "shared with child" in line]
    return int(line.split("shared with child ")[1].split(",")[0])


def gone(pid: int) -> bool:
    return not Path(f"/proc/{pid}").exists()


def test_reader_search_shared_prints_what_one_process_prints(big: tuple[Path, Path], tmp_path: Path) -> None:
    for args, json in ((("之", "--json"), True), (("之",), False)):
        log = tmp_path / f"{json}.log"
        done = run(big, *args, "--log", str(log), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        stdout, stderr = done.communicate(timeout=120)
        want, matches, articles = output(Workspace(*big), "之", False, renderer(json))
        assert stdout == want
        assert stderr.decode().strip() == f"{matches} match(es) in {articles} article(s)"
        assert gone(child_of(log))


def test_a_closed_pipe_ends_both_processes_cleanly(big: tuple[Path, Path], tmp_path: Path) -> None:
    log = tmp_path / "search.log"
    search = run(big, "之", "--log", str(log), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert search.stdout is not None
    for _ in range(10_000):  # past what this process searches alone: the child is forked by then
        assert search.stdout.readline()
    pid = child_of(log)
    search.stdout.close()
    assert search.wait(timeout=60) == 0
    assert search.stderr is not None and search.stderr.read() == b""
    assert gone(pid)
    head = subprocess.run(
        ["bash", "-o", "pipefail", "-c", f"'{READER_BIN}' search 之 | head -1"],
        capture_output=True,
        timeout=60,
        env=run_env(big),
    )
    assert head.returncode == 0 and head.stdout.count(b"\n") == 1 and head.stderr == b""


def run_env(big: tuple[Path, Path]) -> dict[str, str]:
    return {**os.environ, "READER_ARTICLES": str(big[0]), "READER_DB": str(big[1])}


def test_ctrl_c_ends_both_processes_at_once_without_a_traceback(
    big: tuple[Path, Path], tmp_path: Path
) -> None:
    log = tmp_path / "search.log"
    search = run(
        big, "之", "--log", str(log), stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    assert search.stdout is not None
    for _ in range(10_000):  # (the pipe then fills: both wait, the parent to write, the child to be read)
        assert search.stdout.readline()
    pid = child_of(log)
    os.killpg(search.pid, signal.SIGINT)
    assert search.wait(timeout=10) == 130
    assert search.stderr is not None and b"Traceback" not in search.stderr.read()
    assert gone(pid)
