"""A big corpus search shared between this process and one forked copy of it (``reader search``).

``reader search 之`` over 10,000 articles is ~1 s of CPU in one process: reading each article with a match,
finding its matches, their tags, and formatting them. :func:`shared_output` shares that work with one forked
child, the way :mod:`reader.heads` shares a cold listing (read its docstring): the articles are cut into
pieces of :data:`PIECE_BYTES` of folded text; this process renders pieces from the front and prints each at
once (so the first result comes as early as in one process), the child renders pieces from the back; each
tells the other how far it has claimed (the child in its frames, this process through a second pipe the
child reads without waiting) and takes a next piece only while it has not reached the other's last claim it
knows of, so both end within about a piece of each other whatever each core's speed. What one knows of the
other's claim is at worst out of date: then both render the same piece, and this process prints its own.

The child never writes to this process's output: it writes each piece's output into an anonymous file
(``memfd``) and sends only ``(claim, piece, (offset, length, matches, articles), stale, extras)`` frames
(:data:`_Frame`), a few dozen bytes each, so it never waits on a full pipe while this process is busy.
When this process has claimed its last piece it takes the child's frames until the child closes its pipe,
then prints the child's pieces in order from the file. Whatever did not arrive in whole frames (the child
died, hung for :data:`STALL` seconds, or sent garbage) it renders itself: the output is that of one
process, byte for byte. The child's last frame says whether it met a changed or removed file (the index is
refreshed after the search) and points to the tag layouts it built (:meth:`TagSpans.built`), which this
process keeps (:meth:`TagSpans.adopt`) so that its cache is saved as one process would have saved it.

Shared only when it is safe and pays: a POSIX system other than macOS and no other thread
(:func:`reader.heads.can_fork`); the index has every file of the folder (no new file to search in its
place); no ``--word`` (the segmentation cache of the articles searched belongs to this process); the
tag-span cache trusted (:attr:`TagSpans.trusted`: the child looks layouts up as they are) or no annotation
in the store (:meth:`AnnotationReader.unannotated`: nothing to look up or build); and, from the
first :data:`ALONE_BYTES` this process searches alone, at least :data:`MIN_ARTICLES` articles with matches
estimated to go (a rare word's search never forks). Otherwise the search runs in this process as before.
Ctrl+C kills the child at once (it takes the default action for SIGINT); anything that ends this process's
search (a closed pipe, an error) kills and reaps the child.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import select
import signal
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from reader.claims import latest_claim, read_ready, send_frame, take_frames, tell_claim
from reader.logs import logger

if TYPE_CHECKING:
    from reader.search.corpus import Render, Rendered, _Scan

log = logger(__name__)

#: folded bytes of the articles a process claims at a time (~35 articles of 5,000 characters, ~5 ms of
#: `之`): the two end within about this of each other; each piece costs a frame and a claim (~20 µs)
PIECE_BYTES = 512 << 10
#: folded bytes this process searches alone before it decides whether to share the rest
ALONE_BYTES = 1 << 20
#: articles with matches estimated to go for a fork to pay (~0.1 ms each for `之`; a fork costs a few ms)
MIN_ARTICLES = 400
#: seconds without a frame from the child, once this process has nothing left to claim, before it kills
#: the child and renders the rest itself (or 20× the slowest piece it rendered, if longer)
STALL = 1.0

#: what the child sends: how far it has claimed (it renders pieces [claim, count)), the piece it has just
#: rendered (-1 at first) with (offset, length, matches, articles) of its output in the file, whether it met
#: a changed or removed file so far, and, in its last frame, (offset, length) of the layouts it built
_Frame = tuple[int, int, tuple[int, int, int, int] | None, bool, tuple[int, int] | None]


def shared_output(scan: _Scan, render: Render, share: bool) -> Iterator[Rendered]:
    """The rendered output of every article with a match, in order; the search shared with a forked child
    when it is allowed (``share``), safe and pays (see the module docstring)."""
    pieces = scan.index.pieces(PIECE_BYTES)
    if not share or scan.new or scan.stale or scan.whole_words or not pieces:
        for found in scan.articles(lambda: False):
            out = render(found)
            if out is not None:
                yield out[0], out[1], 1
        return
    alone = articles = 0
    ends = scan.index.ends
    while alone < len(pieces) and ends[pieces[alone][0]] < ALONE_BYTES:  # each article printed as found
        for rendered in _each(scan, render, *pieces[alone]):
            articles += 1
            yield rendered
        alone += 1
    rest = pieces[alone:]
    if rest and _pays(articles, pieces[alone][0], len(ends) - pieces[alone][0]) and _safe(scan):
        yield from _Shared(scan, render, rest).output()
    else:
        for k, j in rest:
            yield from _each(scan, render, k, j)


def _each(scan: _Scan, render: Render, k: int, j: int) -> Iterator[Rendered]:
    """The output of each article ``[k, j)`` of the index with a match, as it is rendered."""
    for found in scan.piece(k, j):
        out = render(found)
        if out is not None:
            yield out[0], out[1], 1


def _pays(articles: int, searched: int, left: int) -> bool:
    """Whether the articles still to search should hold :data:`MIN_ARTICLES` with matches, at the rate of
    those searched so far."""
    return articles * left >= MIN_ARTICLES * max(1, searched)


def _safe(scan: _Scan) -> bool:
    from reader.heads import can_fork

    spans = scan.spans
    return can_fork() and (spans.loaded_trusted() or spans.store.unannotated())


def _render(scan: _Scan, render: Render, k: int, j: int) -> Rendered:
    """The output of articles ``[k, j)`` of the index, its matches and its articles."""
    parts: list[bytes] = []
    matches = articles = 0
    for found in scan.piece(k, j):
        out = render(found)
        if out is not None:
            parts.append(out[0])
            matches += out[1]
            articles += 1
    return b"".join(parts), matches, articles


class _Shared:
    """The pieces left after this process searched alone, rendered from the front here and from the back by
    a forked child (here alone if no child could be forked), and what the child sent."""

    def __init__(self, scan: _Scan, render: Render, pieces: list[tuple[int, int]]) -> None:
        self.scan, self.render, self.pieces = scan, render, pieces
        self.count = len(pieces)
        self.mine = 0  # this process has claimed pieces [0, mine)
        self.theirs = self.count  # the child has claimed pieces [theirs, count), as far as it has said
        self.sent: list[tuple[int, int, int, int] | None] = [None] * self.count  # from whole frames
        self.extras: tuple[int, int] | None = None
        self.stale = False  # the child met a changed or removed file
        self.pid: int | None = None
        self.file = self.from_child = self.to_child = -1  # the output file; this process's pipe ends
        self.ended = True  # the child sends nothing more (none forked, it closed its pipe, or it broke)
        self.slowest = 0.0  # seconds: the longest piece this process rendered
        self._pending = bytearray()  # the start of a frame not yet whole

    def output(self) -> Iterator[Rendered]:
        """Every piece's output in order: this process's as it renders them, then the child's."""
        try:
            self._fork()
            while self._next_is_mine():
                started = time.perf_counter()
                rendered = _render(self.scan, self.render, *self.pieces[self.mine - 1])
                self.slowest = max(self.slowest, time.perf_counter() - started)
                yield rendered
            self._gather()
            for piece in range(self.mine, self.count):
                yield self._theirs(piece)
            self._adopt()
            self.scan.stale |= self.stale
        finally:
            self._reap()

    def _next_is_mine(self) -> bool:
        """Claim the next piece from the front, unless the child has claimed it (as far as this process
        knows), taking in the child's frames first: whether there was one."""
        self._drain()
        if self.mine >= self.theirs:
            return False
        self.mine += 1
        if not self.ended:
            tell_claim(self.to_child, self.mine)
        return True

    def _theirs(self, piece: int) -> Rendered:
        """A piece the child claimed: its output from the file if it arrived whole, else rendered here."""
        sent = self.sent[piece]
        if sent is not None:
            offset, length, matches, articles = sent
            data = _read(self.file, offset, length)
            if data is not None:
                return data, matches, articles
        return _render(self.scan, self.render, *self.pieces[piece])

    def _adopt(self) -> None:
        """Keep the tag layouts the child built, as if built here (the cache is saved by this process)."""
        if self.extras is None:
            return
        data = _read(self.file, *self.extras)
        try:
            built = marshal.loads(data) if data is not None else []
            self.scan.spans.adopt(built)
        except (ValueError, EOFError, TypeError) as e:
            log.debug("search: the tag layouts of the forked search were not whole: %s", e)

    # -- the child

    def _fork(self) -> None:
        """Start a child rendering pieces from the back (none if it cannot be forked)."""
        opened: list[int] = []
        try:
            opened.append(_anonymous_file())
            opened.extend(os.pipe())
            opened.extend(os.pipe())
            file, from_child, to_parent, from_parent, to_child = opened
            pid = os.fork()
        except OSError as e:
            log.debug("search: not shared: %s", e)
            for end in opened:
                os.close(end)
            return
        if pid == 0:  # the child: render, send, and leave without running the parent's exit hooks
            status = 1
            try:
                signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl+C: gone at once, no traceback
                os.close(from_child)
                os.close(to_child)
                self.file = file
                self._render_back(to_parent, from_parent)
                status = 0
            except BaseException:  # nothing to report from here: this process does the rest
                pass
            finally:
                os._exit(status)
        os.close(to_parent)
        os.close(from_parent)
        self.file, self.pid, self.from_child, self.to_child, self.ended = (
            file,
            pid,
            from_child,
            to_child,
            False,
        )
        os.set_blocking(from_child, False)
        os.set_blocking(to_child, False)
        log.debug("search: shared with child %d, %d pieces", pid, self.count)

    def _render_back(self, to_parent: int, from_parent: int) -> None:
        """In the child: claim pieces from the back while the parent has not claimed them, saying so before
        rendering each, and send where each piece's output is with the next claim."""
        os.set_blocking(from_parent, False)
        low, parents, done, offset = self.count, 0, -1, 0
        where: tuple[int, int, int, int] | None = None
        with open(to_parent, "wb") as pipe:
            while True:
                parents = latest_claim(from_parent, parents)
                claim = low - 1 if low - 1 >= parents else low
                extras = None
                if claim == low:  # the last frame: with the layouts built here
                    built = marshal.dumps(self.scan.spans.built())
                    _write(self.file, built, offset)
                    extras = (offset, len(built))
                said: _Frame = (claim, done, where, self.scan.stale, extras)
                send_frame(pipe, said)
                if claim == low:
                    return
                data, matches, articles = _render(self.scan, self.render, *self.pieces[claim])
                _write(self.file, data, offset)
                where, offset = (offset, len(data), matches, articles), offset + len(data)
                done = low = claim

    def _drain(self) -> None:
        """Take in what the child has sent so far, without waiting."""
        while not self.ended:
            data = read_ready(self.from_child)
            if data is None:
                return
            if not data:
                self.ended = True
            self._pending += data
            try:
                self._unpack()
            except (ValueError, EOFError, TypeError) as e:  # not what a child sends: trust nothing it sent
                log.debug("search: the forked search sent garbage (%s): this process does its part", e)
                self.sent, self.extras, self.ended = [None] * self.count, None, True
                self._kill()

    def _unpack(self) -> None:
        for frame in take_frames(self._pending):
            claim, done, where, stale, extras = frame
            if not (type(claim) is int and 0 <= claim <= self.theirs and type(done) is int):
                raise ValueError("not a claim")
            if done >= 0:
                if not (claim <= done < self.count and _numbers(where, 4)):
                    raise ValueError("not a piece")
                self.sent[done] = where
            if extras is not None:
                if not _numbers(extras, 2):
                    raise ValueError("not a place in the file")
                self.extras = extras
            self.stale |= stale is True
            self.theirs = claim

    def _gather(self) -> None:
        """Take in the child's frames until it closes its pipe, or kill it once it has sent nothing for
        :data:`STALL` seconds (or 20× the slowest piece here)."""
        patience, started = max(STALL, 20 * self.slowest), time.monotonic()
        poller = select.poll()
        if not self.ended:
            poller.register(self.from_child, select.POLLIN)
        last = time.monotonic()
        while not self.ended:
            if poller.poll(100):
                self._drain()
                last = time.monotonic()
            elif time.monotonic() - last > patience:
                log.debug(
                    "search: the forked search sent nothing for %.1f s: this process does the rest", patience
                )
                self.ended = True
                self._kill()
        waited = time.monotonic() - started
        log.debug("search: %d of %d pieces here, %.3f s waited for the child", self.mine, self.count, waited)

    def _kill(self) -> None:
        if self.pid is not None:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)

    def _reap(self) -> None:
        """Close the pipes and the file, and make sure the child is gone (killed if it still runs)."""
        for end in (self.from_child, self.to_child, self.file):
            if end >= 0:
                with contextlib.suppress(OSError):
                    os.close(end)
        self.from_child = self.to_child = self.file = -1
        if self.pid is not None:
            self._kill()
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = None


def _numbers(value: Any, count: int) -> bool:
    """``value`` is a tuple of ``count`` ints none negative (where something is in the file)."""
    return type(value) is tuple and len(value) == count and all(type(v) is int and v >= 0 for v in value)


def _anonymous_file() -> int:
    """A file in memory (or, where there is no ``memfd``, a temporary file already unlinked): written by
    the child at given offsets, read by this process at them (no shared position is used)."""
    if hasattr(os, "memfd_create"):
        return os.memfd_create("reader-search", os.MFD_CLOEXEC)
    import tempfile  # (here: importing it costs a few ms, and Linux has memfd)

    file, path = tempfile.mkstemp(prefix="reader-search-")
    os.unlink(path)
    return file


def _write(file: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(file, view, offset)
        view, offset = view[written:], offset + written


def _read(file: int, offset: int, length: int) -> bytes | None:
    """``length`` bytes at ``offset``; None if the file does not hold them all."""
    try:
        data = os.pread(file, length, offset)
    except (OSError, OverflowError):
        return None
    return data if len(data) == length else None
