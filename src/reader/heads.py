"""Describing many article files from their heads at once: a cold listing of a big folder, over every core.

A first ``reader list`` of 10,000 articles spends ~0.1 ms of CPU per file (read, decode, normalise, detect
the script); on one core that is most of a second. :func:`describe_heads` splits such a batch between this
process and forked copies of it (one per further core), each describing a contiguous slice with
:func:`reader.articles.head_info`, so the result is exactly the sequential one, in the same order, with a
file that cannot be read listed with its error like any other.

Plain ``os.fork`` and a pipe per child rather than ``concurrent.futures.ProcessPoolExecutor``: the pool
costs ~30 ms of CPU and ~65 ms of wall time to import, start and stop (measured on the 2-core machine),
8% of the 0.8 s a cold listing of 10,000 articles may take; a fork of this process costs under 1 ms of
its CPU, and this process describes a slice itself instead of waiting. Only where forking is safe: a POSIX
system other than macOS, and a process with no other thread (a thread holding a lock at the fork would
leave it held in the child: the app lists in a worker thread, so it lists sequentially and shows the first
rows meanwhile).
Anything that goes wrong in a child (it cannot be forked, it dies, a bug raises) makes this process
describe that slice itself: the same result, or the same exception as without children.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import marshal
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from reader.articles import ArticleInfo, head_info
from reader.scripts import warm_up

#: files to describe before a listing forks: below it (~0.1 s of work) a fork is not worth its cost, and a
#: small folder never starts a process
MIN_PARALLEL = 1_000

#: (article id, path, stat) of a file to describe, as :func:`reader.discovery.discover` finds it
Todo = tuple[str, str, os.stat_result]
#: an ArticleInfo without what the parent already knows (id, path, size, mtime), for the pipe
_Row = tuple[str, str, int, bool, int, float, str | None, tuple[int, int] | None]


def describe_heads(todo: Sequence[Todo]) -> list[ArticleInfo]:
    """``head_info`` of every file in ``todo``, in order; over several processes when there are many."""
    workers = _workers(len(todo))
    if workers < 2:
        return [_describe(item) for item in todo]
    warm_up()  # the script tables and regexes, built once here and shared by every child
    bounds = [len(todo) * k // workers for k in range(workers + 1)]
    slices = [todo[start:end] for start, end in itertools.pairwise(bounds)]
    # No cycle can form among what a listing makes, and the collector's passes over 10,000 new infos cost
    # 20-40 ms; paused here only, where no other thread runs that could pause or resume it too.
    collecting = gc.isenabled()
    gc.disable()
    children = [_fork(part) for part in slices[1:]]
    try:
        infos = [_describe(item) for item in slices[0]]
        for part, child in zip(slices[1:], children, strict=True):
            infos += _collect(part, child)
    finally:
        for child in children:
            if child is not None:
                child.reap()
        if collecting:
            gc.enable()
    return infos


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


def _describe(item: Todo) -> ArticleInfo:
    article_id, path, st = item
    return head_info(article_id, Path(path), st.st_size, st.st_mtime_ns)


# ------------------------------------------------------------------------------------------ the children


class _Child:
    """A forked child describing a slice, and the read end of the pipe it answers through."""

    def __init__(self, pid: int, read_end: int) -> None:
        self.pid, self.read_end, self.reaped = pid, read_end, False

    def answer(self) -> bytes:
        """Everything it sent (until it closed the pipe)."""
        with open(self.read_end, "rb", closefd=False) as pipe:
            return pipe.read()

    def exited_well(self) -> bool:
        """Wait for it to end: whether it exited with status 0."""
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:
            return False
        finally:
            self.reaped = True
        return os.waitstatus_to_exitcode(status) == 0

    def reap(self) -> None:
        """Close the pipe and make sure the child is gone (after an error in this process: killed)."""
        with contextlib.suppress(OSError):
            os.close(self.read_end)
        if not self.reaped:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            self.exited_well()


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
            payload = marshal.dumps([_row(_describe(item)) for item in part])
            with open(write_end, "wb") as pipe:
                pipe.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return _Child(pid, read_end)


def _collect(part: Sequence[Todo], child: _Child | None) -> list[ArticleInfo]:
    """What a child sent for ``part``; if it sent nothing whole, this process describes ``part`` itself."""
    if child is not None:
        payload = child.answer()
        well = child.exited_well()
        rows = None
        with contextlib.suppress(ValueError, EOFError, TypeError):
            rows = marshal.loads(payload)
        if well and isinstance(rows, list) and len(rows) == len(part):
            return [_info(item, row) for item, row in zip(part, rows, strict=True)]
    return [_describe(item) for item in part]


def _row(info: ArticleInfo) -> _Row:
    return (
        info.title,
        info.script,
        info.chars,
        info.chars_exact,
        info.paragraphs,
        info.reading_minutes,
        info.error,
        info.script_counts,
    )


def _info(item: Todo, row: _Row) -> ArticleInfo:
    article_id, path, st = item
    title, script, chars, chars_exact, paragraphs, minutes, error, counts = row
    return ArticleInfo(
        id=article_id,
        path=Path(path),
        title=title,
        script=script,
        chars=chars,
        chars_exact=chars_exact,
        paragraphs=paragraphs,
        reading_minutes=minutes,
        size=st.st_size,
        mtime_ns=st.st_mtime_ns,
        error=error,
        script_counts=counts,
    )
