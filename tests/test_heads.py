"""A cold listing of many files shared among several processes (reader.heads) lists exactly what one process
lists, in the same order, each unreadable file with its own error; small folders and threaded processes
never fork, and a child that fails leaves the files it did not send to the parent. The work is balanced as
it goes: a slow child or a slow parent leaves its files to the others. A file given without its stat (a
listing with no cache) and gone by the time it is read is left out, wherever it falls."""

from __future__ import annotations

import codecs
import gc
import marshal
import os
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import pytest
from hypothesis import given, strategies

import reader.claims as claims
import reader.heads as heads
from _forks import record_forks
from reader.articles import HEAD_BYTES, ArticleInfo, head_info
from reader.discovery import discover
from reader.library import Library

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
ZUOZHUAN = Path(__file__).resolve().parent / "data" / "zuozhuan.txt"


def varied_folder(root: Path, copies: int = 6) -> Path:
    """Every kind of file a listing meets, several times over: the seeds (mixed, damaged), long articles
    described from their head, astral characters, legacy encodings, UTF-16, binary, empty, control
    characters, and names that sort in a tricky order."""
    seeds = [p.read_bytes() for p in sorted(SEEDS.glob("*.txt"))]
    zuozhuan = ZUOZHUAN.read_text(encoding="utf-8")
    kinds = {
        "long.txt": zuozhuan[:40_000].encode("utf-8"),  # more than a head: estimated
        "astral.txt": "標題\n𠀀𠀁𪚥 臺灣與台灣 𠮷野家\n".encode(),
        "gb.txt": "标题\n这是一个关于软件的报道。\n".encode("gb18030"),
        "big5.txt": "標題\n這是一個關於軟體的報導。\n".encode("big5"),
        "utf16.txt": codecs.BOM_UTF16_LE + "标题\n数据\n".encode("utf-16-le"),
        "binary.txt": b"\x00\x01\x02" * 100,
        "empty.txt": b"",
        "controls.txt": "\x1b[31m红\x1b[0m\n\u202e反\u202c\r\n正文\x0c\n".encode(),
    }
    for n in range(copies):
        folder = root / f"{n:02d}"
        folder.mkdir(parents=True)
        for i, data in enumerate(seeds):
            (folder / f"seed{i}.txt").write_bytes(data)
        for name, data in kinds.items():
            (folder / name).write_bytes(data)
        (folder / "Z upper.txt").write_bytes(seeds[n % len(seeds)][: HEAD_BYTES + 7])  # cut mid-character
    return root


def sequential(todo: list[tuple[str, str, os.stat_result]]) -> list[ArticleInfo]:
    return [head_info(article_id, Path(path), st.st_size, st.st_mtime_ns) for article_id, path, st in todo]


def without_stats(todo: list[tuple[str, str, os.stat_result]]) -> list[heads.Todo]:
    return [(article_id, path, None) for article_id, path, _ in todo]


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Listings fork here even under pytest-xdist (whose worker runs a thread), from 24 files on, with
    three workers, each claiming a few files at a time; the pids forked are recorded."""
    monkeypatch.setattr(heads, "can_fork", lambda: True)
    monkeypatch.setattr(heads, "MIN_PARALLEL", 24)
    monkeypatch.setattr(heads, "CHUNK", 4)
    monkeypatch.setattr(heads.os, "sched_getaffinity", lambda _pid: {0, 1, 2}, raising=False)
    return record_forks(monkeypatch, heads)


def test_a_split_listing_is_exactly_the_sequential_one(tmp_path: Path, forks: list[int]) -> None:
    todo = discover(varied_folder(tmp_path / "articles"))
    gone = (str(tmp_path / "gone.txt"), os.stat(todo[0][1]))  # removed between the walk and the read
    todo.insert(len(todo) * 2 // 3, ("zz/gone.txt", *gone))  # in the last child's slice
    split = heads.describe_heads(todo)
    assert len(forks) == 2  # two children and this process: three slices
    assert gc.isenabled()  # paused for the listing only
    assert split == sequential(todo)
    assert [info.id for info in split] == [item[0] for item in todo]
    errors = {info.id.split("/")[-1]: info.error for info in split if info.error}
    assert set(errors) == {"binary.txt", "gone.txt"}
    assert "gone.txt" in errors["gone.txt"] and "binary" in errors["binary.txt"]


def test_a_child_that_dies_leaves_its_files_to_this_process(tmp_path: Path, forks: list[int]) -> None:
    todo = discover(varied_folder(tmp_path / "articles"))
    parent, real_row = os.getpid(), heads._row

    def die(item: heads.Todo) -> heads._Row:
        if os.getpid() != parent:
            os._exit(3)
        return real_row(item)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(heads, "_row", die)
        split = heads.describe_heads(todo)
    assert len(forks) == 2
    assert split == sequential(todo)
    for pid in forks:  # every child was reaped
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def wait_until_gone(pids: list[int]) -> None:
    """Wait (up to 30 s) until every child has exited, without reaping it (``describe_heads`` does)."""
    deadline = time.monotonic() + 30
    for pid in pids:
        while os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT | os.WNOHANG) is None:
            assert time.monotonic() < deadline, "a child did not exit"
            time.sleep(0.005)


def test_a_child_that_dies_midway_leaves_only_what_it_did_not_send(tmp_path: Path, forks: list[int]) -> None:
    todo = discover(varied_folder(tmp_path / "articles"))
    parent, sent = os.getpid(), [0]
    real_row, real_head_facts = heads._row, heads.head_facts
    described_here: list[str] = []
    part = len(todo) // 2  # each child's part (84 files: 42 each)
    last_two_chunks = part - heads.CHUNK * (-(-part // heads.CHUNK) - 2)  # the last one is shorter

    def dies_after_two_chunks(item: heads.Todo) -> heads._Row:
        if os.getpid() != parent:
            sent[0] += 1  # this child's own count
            if sent[0] > last_two_chunks:
                os._exit(3)
        return real_row(item)

    def head_facts_once_children_died(article_id: str, *args):  # type: ignore[no-untyped-def]
        if os.getpid() == parent:
            if not described_here:  # the children's two chunks each are all sent by then
                wait_until_gone(forks)
            described_here.append(article_id)
        return real_head_facts(article_id, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(heads, "head_facts", head_facts_once_children_died)
        patch.setattr(heads, "_row", dies_after_two_chunks)
        split = heads.describe_heads(todo)
    assert len(forks) == 2 and len(todo) % 2 == 0
    assert split == sequential(todo)
    # each child sent its first two chunks before dying: those rows are kept, the rest described here
    # (the third chunk it had claimed too)
    assert len(described_here) == len(todo) - 2 * last_two_chunks


def described_by_each(todo: list, slow_parent: float = 0, slow_child: float = 0) -> tuple[list, int, int]:
    """The listing of ``todo``, and how many files this process and the children described, each taking
    that many seconds a file longer."""
    parent, real_head_facts = os.getpid(), heads.head_facts
    here, read, tell = [0], *os.pipe()  # each child tells how many it described, a byte a file

    def slowed(*args):  # type: ignore[no-untyped-def]
        if os.getpid() == parent:
            here[0] += 1
            time.sleep(slow_parent)
        else:
            os.write(tell, b"x")
            time.sleep(slow_child)
        return real_head_facts(*args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(heads, "head_facts", slowed)
        split = heads.describe_heads(todo)
    os.close(tell)
    with os.fdopen(read, "rb") as told:
        return split, here[0], len(told.read())


def test_a_slow_child_leaves_its_files_to_the_others(tmp_path: Path, forks: list[int]) -> None:
    """Before the work was balanced as it went, this process described its third and no more."""
    todo = discover(varied_folder(tmp_path / "articles"))
    split, here, children = described_by_each(todo, slow_child=0.05)
    assert split == sequential(todo)
    assert len(forks) == 2
    assert children <= 2 * heads.CHUNK  # each child's first chunk took longer than all the rest here
    assert here + children >= len(todo)


def test_a_slow_parent_leaves_its_files_to_the_children(tmp_path: Path, forks: list[int]) -> None:
    todo = discover(varied_folder(tmp_path / "articles"))
    split, here, children = described_by_each(todo, slow_parent=0.05)
    assert split == sequential(todo)
    assert len(forks) == 2
    assert here <= 2 * heads.CHUNK  # the children did all the rest while this process did one chunk each
    assert here + children >= len(todo)


def test_a_child_that_never_hears_the_parent_only_doubles_work(tmp_path: Path, forks: list[int]) -> None:
    """Out of date claims make both describe the same files (this process keeps its own), never skip any."""
    todo = discover(varied_folder(tmp_path / "articles"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(heads, "latest_claim", lambda _from_parent, known: 0)
        split, here, children = described_by_each(todo)
    assert split == sequential(todo)
    assert here + children >= len(todo)


@pytest.mark.parametrize("garbage", ["rows of another length", "a claim beyond its part", "not a frame"])
def test_a_child_that_sends_garbage_is_not_trusted(tmp_path: Path, forks: list[int], garbage: str) -> None:
    todo = discover(varied_folder(tmp_path / "articles"))
    parent, real_row, real_dumps = os.getpid(), heads._row, marshal.dumps

    def row(item: heads.Todo) -> object:
        return real_row(item) if os.getpid() == parent else ("title", "simplified")

    def dumps(frame: tuple) -> bytes:  # only children send frames
        if garbage == "a claim beyond its part":
            return real_dumps((len(todo), -1, None))
        return real_dumps("not a frame") if frame[1] >= 0 else real_dumps(frame)

    with pytest.MonkeyPatch.context() as patch:
        if garbage == "rows of another length":
            patch.setattr(heads, "_row", row)
        else:
            patch.setattr(claims, "marshal", types.SimpleNamespace(dumps=dumps, loads=marshal.loads))
        split = heads.describe_heads(todo)
    assert split == sequential(todo)
    assert len(forks) == 2


def test_a_file_gone_before_its_stat_is_left_out_wherever_it_falls(tmp_path: Path, forks: list[int]) -> None:
    todo = discover(varied_folder(tmp_path / "articles"))
    gone = [(f"{name}/gone.txt", str(tmp_path / f"{name}.txt"), None) for name in ("a", "b", "c")]
    unstatted = without_stats(todo)
    for at, item in zip((len(todo) - 1, len(todo) // 2, 0), gone, strict=True):  # every part, front and back
        unstatted.insert(at, item)
    split = heads.describe_heads(unstatted)
    assert len(forks) == 2
    assert split == sequential(todo)
    alone = [heads._describe(item, heads._Paths()) for item in unstatted]
    assert [info for info in alone if info is not None] == sequential(todo)


def test_errors_name_files_as_one_process_does_from_a_folder_given_as_dot(
    tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A child names a file in an error message without making its Path when the path prints as it is;
    from `--articles .` the walk's paths start with "./", which Path drops, and so must the message."""
    root = varied_folder(tmp_path / "articles")
    monkeypatch.chdir(root)
    todo = discover(Path("."))
    assert todo[-1][1].startswith("./")
    todo.append(("zz/gone.txt", "./zz/gone.txt", todo[0][2]))  # in the last child's slice: cannot be read
    split = heads.describe_heads(todo)
    assert len(forks) == 2
    assert split == sequential(todo)
    errors = [info.error for info in split if info.error]
    assert errors and not any("./" in error for error in errors)


@given(strategies.text(alphabet="/.ab", max_size=12))
def test_a_path_taken_as_printed_is_printed_so_by_path(path: str) -> None:
    if heads._as_printed(path):
        assert str(Path(path)) == path


@given(strategies.lists(strategies.text(alphabet="/.ab", max_size=12), max_size=6))
def test_paths_made_from_their_folder_are_the_paths_path_makes(paths: list[str]) -> None:
    make = heads._Paths()
    for path in paths:
        made = make(path)
        assert made == Path(path) and str(made) == str(Path(path)) and made.parts == Path(path).parts
        assert type(made) is type(Path(path)) and hash(made) == hash(Path(path))


def test_an_info_made_from_facts_is_the_one_head_info_makes(tmp_path: Path) -> None:
    todo = discover(varied_folder(tmp_path / "articles", copies=1))
    paths = heads._Paths()
    for article_id, path, st in todo:
        info = heads._info((article_id, path, st), heads._row((article_id, path, st)), paths)
        assert info == head_info(article_id, Path(path), st.st_size, st.st_mtime_ns)
        assert type(info.path) is type(Path(path)) and str(info.path) == str(Path(path))
    with pytest.raises(TypeError):  # a row of another length (garbage from a child) is refused
        heads._info(todo[0], ("title",), paths)  # type: ignore[arg-type]


def test_when_no_process_can_be_forked_one_process_lists_everything(
    tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    todo = discover(varied_folder(tmp_path / "articles"))

    def no_fork() -> int:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(heads.os, "fork", no_fork)
    assert heads.describe_heads(todo) == sequential(todo)


def test_a_small_folder_never_forks(
    tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(heads, "MIN_PARALLEL", 1_000)
    root = varied_folder(tmp_path / "articles")
    infos = Library(root, tmp_path / "cache").list()
    assert forks == [] and len(infos) == len(discover(root))


def test_a_process_with_another_thread_does_not_fork() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not heads.can_fork()
    finally:
        stop.set()
        thread.join()


def test_a_folder_listed_again_reads_only_what_changed(tmp_path: Path, forks: list[int]) -> None:
    root = varied_folder(tmp_path / "articles")
    cache = tmp_path / "cache"
    first = Library(root, cache).list()
    assert len(forks) == 2
    changed = root / "03" / "gb.txt"
    changed.write_text("新标题\n内容\n", encoding="utf-8")
    again = {info.id: info for info in Library(root, cache).list()}
    assert len(forks) == 2  # one file to read: no fork
    assert again["03/gb.txt"].title == "新标题"
    del again["03/gb.txt"]
    assert {info.id: info for info in first if info.id != "03/gb.txt"} == again


_IN_A_FRESH_PROCESS = """
import os, sys
from pathlib import Path
import reader.heads as heads
from reader.articles import head_info
from reader.discovery import discover
forked = []
real_fork = os.fork
def fork():
    pid = real_fork()
    if pid:
        forked.append(pid)
    return pid
os.fork = fork
todo = discover(Path(sys.argv[1]))
split = heads.describe_heads(todo)
alone = [head_info(i, Path(p), st.st_size, st.st_mtime_ns) for i, p, st in todo]
print(len(todo), len(forked), split == alone)
"""


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin", reason="lists in one process there")
def test_a_cold_listing_of_a_thousand_files_forks_on_its_own_and_lists_the_same(tmp_path: Path) -> None:
    """No test seam: a fresh single-threaded process with the real threshold and its real cores."""
    root = varied_folder(tmp_path / "articles", copies=heads.MIN_PARALLEL // 14 + 1)
    run = subprocess.run(
        [sys.executable, "-c", _IN_A_FRESH_PROCESS, str(root)], capture_output=True, text=True, check=True
    )
    files, forked, same = run.stdout.split()
    cores = len(os.sched_getaffinity(0))
    assert int(files) >= heads.MIN_PARALLEL
    assert int(forked) == min(cores, int(files) // (heads.MIN_PARALLEL // 2)) - 1
    assert same == "True"


def test_an_error_in_this_process_leaves_no_child_behind(tmp_path: Path, forks: list[int]) -> None:
    todo = discover(varied_folder(tmp_path / "articles"))
    parent = os.getpid()
    real = heads.head_facts

    def fails_here(*args):  # type: ignore[no-untyped-def]
        if os.getpid() == parent:
            raise RuntimeError("a bug in describing")
        time.sleep(0.002)  # the children slowed: under load they could claim every file before this process
        return real(*args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(heads, "head_facts", fails_here)
        with pytest.raises(RuntimeError, match="a bug in describing"):
            heads.describe_heads(todo)
    assert len(forks) == 2 and gc.isenabled()
    for pid in forks:  # killed or finished, and reaped either way
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
