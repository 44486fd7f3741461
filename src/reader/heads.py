"""Describing many article files from their heads at once: a cold listing of a big folder, over every core.

A first ``reader list`` of 10,000 articles spends ~0.1 ms of CPU per file (read, decode, normalise, detect
the script); on one core that is most of a second. :func:`describe_heads` splits such a batch between this
process and forked copies of it (one per further core), each describing a contiguous slice with
:func:`reader.articles.head_info`, so the result is exactly the sequential one, in the same order, with a
file that cannot be read listed with its error like any other. A file given without its stat (a listing
with no cache walks the folder without one) is stat'ed by the process that describes it, and left out if it
is gone by then, as the walk leaves out a file gone before its stat.

A child sends its rows in frames as it goes, and this process takes them in between its own files: a pipe
holds 64 KB, so a child that wrote everything at the end, or faster than this process reads, would wait
for it; and what arrives is unpacked while the child still works, so this process's share is made smaller
by what merging the children's rows costs it (:data:`MERGE_COST`).

Plain ``os.fork`` and a pipe per child rather than ``concurrent.futures.ProcessPoolExecutor``: the pool
costs ~30 ms of CPU and ~65 ms of wall time to import, start and stop (measured on the 2-core machine),
8% of the 0.8 s a cold listing of 10,000 articles may take; a fork of this process costs under 1 ms of
its CPU, and this process describes a slice itself instead of waiting. Only where forking is safe: a POSIX
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
import marshal
import os
import select
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from reader.articles import ArticleInfo, Facts, head_facts, head_info
from reader.scripts import warm_up

#: files to describe before a listing forks: below it (~0.1 s of work) a fork is not worth its cost, and a
#: small folder never starts a process
MIN_PARALLEL = 1_000

#: merging a row a child sent (unmarshal it, make its Path and ArticleInfo), and making them for its own
#: files (which a child does not), cost this process about this share of describing a file itself: its own
#: slice is that much smaller. Measured, not derived: the two end within ~10 ms of each other at 0.09-0.12
#: on the mixed corpus (10,000 files, 2 cores), the child ~40 ms first at 0.04.
MERGE_COST = 0.10
#: rows a child sends at a time (~25 KB, well within a pipe's 64 KB)
FRAME_ROWS = 256
#: this process takes in what its children sent after describing this many files of its own (~5 ms)
DRAIN_EVERY = 64

#: (article id, path, stat) of a file to describe, as :func:`reader.discovery.discover` finds it; stat
#: None: taken when the file is described (a file gone by then is left out)
Todo = tuple[str, str, os.stat_result | None]
#: a file's facts as a child sends them (an ArticleInfo without the id and path this process knows): made
#: without the ArticleInfo and Path the child would only unpack (~3 µs a file); None: the file is gone
_Row = Facts | None


def describe_heads(todo: Sequence[Todo]) -> list[ArticleInfo]:
    """``head_info`` of every file in ``todo``, in order (less any file given without its stat that is
    gone); over several processes when there are many."""
    workers = _workers(len(todo))
    if workers < 2:
        return _present([_describe(item) for item in todo])
    warm_up()  # the script tables and regexes, built once here and shared by every child
    slices = [todo[start:end] for start, end in itertools.pairwise(_bounds(len(todo), workers))]
    # No cycle can form among what a listing makes, and the collector's passes over 10,000 new infos cost
    # 20-40 ms; paused here only, where no other thread runs that could pause or resume it too.
    collecting = gc.isenabled()
    gc.disable()
    children = [_fork(part) for part in slices[1:]]
    try:
        forked = [child for child in children if child is not None]
        infos = _describe_mine(slices[0], forked)
        _gather(forked)
        for part, child in zip(slices[1:], children, strict=True):
            infos += _collect(part, child)
    finally:
        for child in children:
            if child is not None:
                child.reap()
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


def _bounds(count: int, workers: int) -> list[int]:
    """Where each slice starts (and the last ends): this process's first slice smaller than a child's by
    what merging the children's rows costs it, so that all finish together."""
    children = workers - 1
    mine = round(count * (1 - MERGE_COST * children) / (workers - MERGE_COST * children))
    return [0] + [mine + (count - mine) * k // children for k in range(children + 1)]


def _describe(item: Todo) -> ArticleInfo | None:
    article_id, path, st = item
    st = st or _stat(path)
    return None if st is None else head_info(article_id, Path(path), st.st_size, st.st_mtime_ns)


def _row(item: Todo) -> _Row:
    """What a child sends for a file: as :func:`_describe`, without making the ArticleInfo and Path."""
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


def _describe_mine(part: Sequence[Todo], children: list[_Child]) -> list[ArticleInfo | None]:
    """This process's own slice, taking in what the children sent every DRAIN_EVERY files."""
    infos: list[ArticleInfo | None] = []
    for start in range(0, len(part), DRAIN_EVERY):
        infos += [_describe(item) for item in part[start : start + DRAIN_EVERY]]
        for child in children:
            child.drain()
    return infos


def _present(infos: list[ArticleInfo | None]) -> list[ArticleInfo]:
    return [info for info in infos if info is not None]


# ------------------------------------------------------------------------------------------ the children


class _Child:
    """A forked child describing a slice, the read end of the pipe it answers through, and what it sent."""

    def __init__(self, pid: int, read_end: int, part: Sequence[Todo]) -> None:
        self.pid, self.read_end, self.part, self.reaped = pid, read_end, part, False
        self.infos: list[ArticleInfo | None] = []  # of the first files of ``part``, from whole frames
        self._pending = bytearray()  # the start of a frame not yet whole
        self.ended = False  # it closed the pipe (or it broke)
        os.set_blocking(read_end, False)

    def drain(self) -> None:
        """Take in what it has sent so far, without waiting (it waits once the pipe is full)."""
        while not self.ended:
            try:
                data = os.read(self.read_end, 1 << 16)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self.ended = True
            self._pending += data
            try:
                self._unpack()
            except (ValueError, EOFError, TypeError):  # not what a child sends: trust nothing it sent
                self.infos, self.ended = [], True

    def _unpack(self) -> None:
        pending, start = self._pending, 0
        while len(pending) - start >= 4:
            size = int.from_bytes(pending[start : start + 4], "little")
            if len(pending) - start - 4 < size:
                break
            rows = marshal.loads(pending[start + 4 : start + 4 + size])
            done = len(self.infos)
            files = self.part[done : done + len(rows)]
            self.infos += [_info(item, row) for item, row in zip(files, rows, strict=True)]
            start += 4 + size
        del pending[:start]

    def reap(self) -> None:
        """Close the pipe and make sure the child is gone (killed if it still runs: after an error in this
        process, or garbage on its pipe); once."""
        if self.reaped:
            return
        self.reaped = True
        with contextlib.suppress(OSError):
            os.close(self.read_end)
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def _fork(part: Sequence[Todo]) -> _Child | None:
    """A child describing ``part``, or None if none could be forked."""
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the child: describe, send, and leave without running the parent's exit hooks
        status = 1
        try:
            os.close(read_end)
            with open(write_end, "wb") as pipe:
                for start in range(0, len(part), FRAME_ROWS):
                    rows = [_row(item) for item in part[start : start + FRAME_ROWS]]
                    frame = marshal.dumps(rows)
                    pipe.write(len(frame).to_bytes(4, "little") + frame)
                    pipe.flush()
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return _Child(pid, read_end, part)


def _gather(children: list[_Child]) -> None:
    """Take in everything the children send, from whichever is ready, until each has closed its pipe."""
    poller = select.poll()
    waiting = {child.read_end: child for child in children if not child.ended}
    for read_end in waiting:
        poller.register(read_end, select.POLLIN)
    while waiting:
        for read_end, _ in poller.poll():
            child = waiting[read_end]
            child.drain()
            if child.ended:
                poller.unregister(read_end)
                del waiting[read_end]


def _collect(part: Sequence[Todo], child: _Child | None) -> list[ArticleInfo | None]:
    """What a child sent for ``part``; this process describes what it did not send whole (all of it if
    the child could not be forked, the rest if it died midway)."""
    infos: list[ArticleInfo | None] = []
    if child is not None:
        child.reap()  # it has closed its pipe: whatever came whole is right, even if it died after
        infos = child.infos
    return infos + [_describe(item) for item in part[len(infos) :]]


def _info(item: Todo, row: _Row) -> ArticleInfo | None:
    if row is None:
        return None
    return ArticleInfo(item[0], Path(item[1]), *row)
