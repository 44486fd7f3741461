"""Describing many article files from their heads at once: a cold listing of a big folder, over every core.

A first ``reader list`` of 10,000 articles spends ~0.1 ms of CPU per file (read, decode, normalise, detect
the script); on one core that is most of a second. :func:`describe_heads` shares such a batch between this
process and forked copies of it (one per further core), describing each file with
:func:`reader.articles.head_info`, so the result is exactly the sequential one, in the same order, with a
file that cannot be read listed with its error like any other. A file given without its stat (a listing
with no cache walks the folder without one) is stat'ed by the process that describes it, and left out if it
is gone by then, as the walk leaves out a file gone before its stat.

The work is balanced as it goes, not split in advance: the files are cut into one contiguous part per child,
and each part into chunks of :data:`CHUNK` files. A child claims chunks from the back of its part, this
process from the front of every part in turn; each tells the other how far it has claimed (the child in the
frames it sends its rows in, this process through a second pipe the child reads without waiting) and takes
a next chunk only while it has not reached the other's last claim it knows of. So both end within about a
chunk of each other whatever each core's speed (this VM's drifts 1.5× within an hour; a core busy with
another program ruined the fixed split that was here before). What one knows of the other's claim is at
worst out of date, which can only make both describe the same chunk (this process keeps its own rows
then), never leave one out. A child's frames are taken in between this process's chunks: a pipe holds
64 KB, so a child that wrote everything at the end, or faster than this process reads, would wait for it.
A child sends each file's facts (:func:`reader.articles.head_facts`), and this process makes every
ArticleInfo, each Path from its folder's (:class:`_Paths`, ~4× cheaper than parsing the whole path).

Plain ``os.fork`` and a pipe each way per child rather than ``concurrent.futures.ProcessPoolExecutor``: the
pool costs ~30 ms of CPU and ~65 ms of wall time to import, start and stop (measured on the 2-core machine),
8% of the 0.8 s a cold listing of 10,000 articles may take; a fork of this process costs under 1 ms of
its CPU, and this process describes files itself instead of waiting. Only where forking is safe: a POSIX
system other than macOS, and a process with no other thread (a thread holding a lock at the fork would
leave it held in the child: the app lists in a worker thread, so it lists sequentially and shows the first
rows meanwhile).
Anything that goes wrong in a child (it cannot be forked, it dies, a bug raises) makes this process
describe what that child did not send in whole frames: the same result, or the same exception as without
children.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import os
import select
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from reader.articles import ArticleInfo, Facts, head_facts
from reader.claims import latest_claim, read_ready, send_frame, take_frames, tell_claim
from reader.scripts import warm_up

#: files to describe before a listing forks: below it (~0.1 s of work) a fork is not worth its cost, and a
#: small folder never starts a process
MIN_PARALLEL = 1_000

#: files a process claims at a time (~3.5 ms of work): the two sharing a part end within about this of each
#: other; each chunk costs a frame, a claim message and a look at the other side's claim (~10 µs in all)
CHUNK = 32

#: (article id, path, stat) of a file to describe, as :func:`reader.discovery.discover` finds it; stat
#: None: taken when the file is described (a file gone by then is left out)
Todo = tuple[str, str, os.stat_result | None]
#: a file's facts as a child sends them (an ArticleInfo without the id and path this process knows): made
#: without the ArticleInfo and Path the child would only unpack (~3 µs a file); None: the file is gone
_Row = Facts | None
#: what a child sends before each chunk it describes: how far it has claimed (it describes chunks
#: [claim, count) of its part), and the chunk it has just described with its rows (-1 and None at first)
_Frame = tuple[int, int, list[_Row] | None]


def describe_heads(todo: Sequence[Todo]) -> list[ArticleInfo]:
    """``head_info`` of every file in ``todo``, in order (less any file given without its stat that is
    gone); over several processes when there are many."""
    workers = _workers(len(todo))
    paths = _Paths()
    if workers < 2:
        return _present([_describe(item, paths) for item in todo])
    warm_up()  # the script tables and regexes, built once here and shared by every child
    bounds = [len(todo) * k // (workers - 1) for k in range(workers)]  # one part per child
    shares = [_Share(todo[start:end], paths) for start, end in itertools.pairwise(bounds)]
    # No cycle can form among what a listing makes, and the collector's passes over 10,000 new infos cost
    # 20-40 ms; paused here only, where no other thread runs that could pause or resume it too.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for share in shares:
            share.fork(shares)
        _describe_mine(shares)
        _gather(shares)
        infos = [info for share in shares for info in share.result()]
    finally:
        for share in shares:
            share.reap()
        if collecting:
            gc.enable()
    return _present(infos)


def can_fork() -> bool:
    """Whether this process may fork copies of itself to describe files (see the module's docstring)."""
    return hasattr(os, "fork") and sys.platform != "darwin" and threading.active_count() == 1


def _workers(count: int) -> int:
    if count < MIN_PARALLEL or not can_fork():
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, count // (MIN_PARALLEL // 2)))


def _describe(item: Todo, paths: _Paths) -> ArticleInfo | None:
    """:func:`reader.articles.head_info` of a file (None: it is gone)."""
    return _info(item, _row(item), paths)


def _row(item: Todo) -> _Row:
    """A file's facts: what a child sends, and this process makes its ArticleInfo from (see :func:`_info`)."""
    article_id, path, st = item
    st = st or _stat(path)
    if st is None:
        return None
    return head_facts(article_id, path if _as_printed(path) else str(Path(path)), st.st_size, st.st_mtime_ns)


def _stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:  # gone since the walk (or no longer reachable): not listable, as in the walk
        return None


def _as_printed(path: str) -> bool:
    """Whether ``Path(path)`` prints as ``path`` (what the walk finds, unless its root was "." or "./…"), so
    that an error message can name the string as it is: a cheap check, in doubt False."""
    return not (
        path.startswith("./") or "//" in path or "/./" in path or path.endswith(("/", "/.")) or not path
    )


def _describe_mine(shares: list[_Share]) -> None:
    """Chunks from the front of every part in turn, taking in what the children sent before each round,
    until each part's next chunk is one its child has claimed."""
    going = shares
    while going:
        for share in shares:
            share.drain()
        going = [share for share in going if share.describe_next()]


def _present(infos: list[ArticleInfo | None]) -> list[ArticleInfo]:
    return [info for info in infos if info is not None]


# ------------------------------------------------------------------------------------------ the children


class _Share:
    """A contiguous part of the files, described a chunk at a time by this process from the front and by a
    forked child from the back (by this process alone if no child could be forked), and what each did."""

    def __init__(self, part: Sequence[Todo], paths: _Paths) -> None:
        self.part, self.paths = part, paths
        self.count = -(-len(part) // CHUNK)  # chunks
        self.mine = 0  # this process has claimed chunks [0, mine)
        self.theirs = self.count  # the child has claimed chunks [theirs, count), as far as it has said
        self.own: list[list[ArticleInfo | None] | None] = [None] * self.count  # described here
        self.sent: list[list[ArticleInfo | None] | None] = [None] * self.count  # from whole frames
        self.pid: int | None = None
        self.from_child = self.to_child = -1  # this process's ends of the two pipes
        self.ended = True  # no child sends anything (none forked, or it closed its pipe, or it broke)
        self.reaped = False
        self._pending = bytearray()  # the start of a frame not yet whole

    def files(self, chunk: int) -> Sequence[Todo]:
        return self.part[chunk * CHUNK : (chunk + 1) * CHUNK]

    def describe_next(self) -> bool:
        """Claim and describe the next chunk from the front, unless the child has claimed it (as far as
        this process knows): whether there was one."""
        chunk = self.mine
        if chunk >= self.theirs:
            return False
        self.mine = chunk + 1
        if not self.ended:
            tell_claim(self.to_child, self.mine)
        self.own[chunk] = [_describe(item, self.paths) for item in self.files(chunk)]
        return True

    def result(self) -> list[ArticleInfo | None]:
        """Every file of the part in order: this process's rows where both described a chunk, the child's
        from whole frames, and described here whatever the child claimed but did not send (it died)."""
        infos: list[ArticleInfo | None] = []
        for chunk, (own, sent) in enumerate(zip(self.own, self.sent, strict=True)):
            rows = own if own is not None else sent
            infos += rows if rows is not None else [_describe(item, self.paths) for item in self.files(chunk)]
        return infos

    def fork(self, shares: list[_Share]) -> None:
        """Start a child describing chunks from the back (none if it cannot be forked)."""
        try:
            from_child, to_parent = os.pipe()
        except OSError:
            return
        try:
            from_parent, to_child = os.pipe()
        except OSError:
            os.close(from_child)
            os.close(to_parent)
            return
        try:
            pid = os.fork()
        except OSError:
            for end in (from_child, to_parent, from_parent, to_child):
                os.close(end)
            return
        if pid == 0:  # the child: describe, send, and leave without running the parent's exit hooks
            status = 1
            try:
                for end in [from_child, to_child, *(e for s in shares for e in (s.from_child, s.to_child))]:
                    if end >= 0:  # this process's ends of every child's pipes are the parent's
                        os.close(end)
                self._describe_back(to_parent, from_parent)
                status = 0
            finally:
                os._exit(status)
        os.close(to_parent)
        os.close(from_parent)
        self.pid, self.from_child, self.to_child, self.ended = pid, from_child, to_child, False
        os.set_blocking(from_child, False)
        os.set_blocking(to_child, False)

    def _describe_back(self, to_parent: int, from_parent: int) -> None:
        """In the child: claim chunks from the back while the parent has not claimed them, saying so before
        describing each, and send each chunk's rows with the next claim."""
        os.set_blocking(from_parent, False)
        low, parents, done = self.count, 0, -1
        rows: list[_Row] | None = None
        with open(to_parent, "wb") as pipe:
            while True:
                parents = latest_claim(from_parent, parents)
                claim = low - 1 if low - 1 >= parents else low
                said: _Frame = (claim, done, rows)
                send_frame(pipe, said)
                if claim == low:
                    return
                rows = [_row(item) for item in self.files(claim)]
                done = low = claim

    def drain(self) -> None:
        """Take in what the child has sent so far, without waiting (it waits once the pipe is full)."""
        while not self.ended:
            data = read_ready(self.from_child)
            if data is None:
                return
            if not data:
                self.ended = True
            self._pending += data
            try:
                self._unpack()
            except (ValueError, EOFError, TypeError):  # not what a child sends: trust nothing it sent
                self.sent, self.ended = [None] * self.count, True

    def _unpack(self) -> None:
        for frame in take_frames(self._pending):
            claim, done, rows = frame
            if not (type(claim) is int and 0 <= claim <= self.theirs and type(done) is int):
                raise ValueError("not a claim")
            if done >= 0:
                if not (claim <= done < self.count and isinstance(rows, list)):
                    raise ValueError("not a chunk")
                files = self.files(done)
                self.sent[done] = [
                    _info(item, row, self.paths) for item, row in zip(files, rows, strict=True)
                ]
            self.theirs = claim

    def reap(self) -> None:
        """Close the pipes and make sure the child is gone (killed if it still runs: after an error in this
        process, or garbage on its pipe); once."""
        if self.reaped or self.pid is None:
            return
        self.reaped = True
        for end in (self.from_child, self.to_child):
            with contextlib.suppress(OSError):
                os.close(end)
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def _gather(shares: list[_Share]) -> None:
    """Take in everything the children send, from whichever is ready, until each has closed its pipe."""
    poller = select.poll()
    waiting = {share.from_child: share for share in shares if not share.ended}
    for read_end in waiting:
        poller.register(read_end, select.POLLIN)
    while waiting:
        for read_end, _ in poller.poll():
            share = waiting[read_end]
            share.drain()
            if share.ended:
                poller.unregister(read_end)
                del waiting[read_end]


def _info(item: Todo, row: _Row, paths: _Paths) -> ArticleInfo | None:
    """The ArticleInfo of a file from its facts (None: it is gone). Made by the dataclass's own
    ``__init__``: setting its fields at once through ``__dict__`` was ~0.7 µs cheaper here, but the
    objects it gave were slower to read afterwards (the cache and the table, ~+5 ms in the serial part)."""
    if row is None:
        return None
    return ArticleInfo(item[0], paths(item[1]), *row)


class _Paths:
    """``Path(path)`` for many paths in few folders, ~4× cheaper (~0.45 µs instead of ~1.9 on Python 3.11;
    ~15 ms of a listing of 10,000 files, all made by this process): each folder's Path is made once and a
    file's from it, with the walk's own shortcut (``Path._make_child_relpath``, private: ``/`` where it is
    gone), for a name that ``Path`` keeps as it is."""

    _child = getattr(Path, "_make_child_relpath", Path.__truediv__)

    def __init__(self) -> None:
        self._folders: dict[str, Path] = {}

    def __call__(self, path: str) -> Path:
        folder, _, name = path.rpartition("/")
        if name in ("", ".", "..") or not folder.strip("/"):  # spelt otherwise by Path (or at the root)
            return Path(path)
        parent = self._folders.get(folder)
        if parent is None:
            parent = self._folders[folder] = Path(folder)
        return _Paths._child(parent, name)
