"""What a process and the child it forked say to each other while they share a job from both ends (a cold
listing, :mod:`reader.heads`; a big search, :mod:`reader.search.shared`).

This process claims work from the front and tells the child how far with a 4-byte number on a pipe the
child reads without waiting; the child claims from the back and sends length-prefixed ``marshal`` frames
(what each job puts in them is its own), which this process takes in between its own pieces of work.
"""

from __future__ import annotations

import contextlib
import marshal
import os
from typing import Any, BinaryIO

#: bytes this process reads from a child's pipe at a time
_READ = 1 << 16


def tell_claim(to_child: int, claim: int) -> None:
    """Tell the child how far this process has claimed (a child gone: OSError, ignored, as SIGPIPE is; a
    full pipe: the child keeps an older claim, which can only make both do the same work)."""
    with contextlib.suppress(OSError):
        os.write(to_child, claim.to_bytes(4, "little"))


def latest_claim(from_parent: int, known: int) -> int:
    """The parent's latest claim on its pipe (each a 4-byte write, so every read holds whole ones), or
    ``known`` if it sent none since (or is gone)."""
    while True:
        try:
            data = os.read(from_parent, 4096)
        except BlockingIOError:
            return known
        if not data:
            return known
        known = int.from_bytes(data[-4:], "little")


def send_frame(pipe: BinaryIO, frame: Any) -> None:
    """One frame from the child: its length, then ``frame`` marshalled."""
    data = marshal.dumps(frame)
    pipe.write(len(data).to_bytes(4, "little") + data)
    pipe.flush()


def read_ready(from_child: int) -> bytes | None:
    """What the child has sent so far and this process has not read: None if nothing yet, ``b""`` once the
    child has closed its pipe (or the pipe broke)."""
    try:
        return os.read(from_child, _READ)
    except BlockingIOError:
        return None
    except OSError:
        return b""


def take_frames(pending: bytearray) -> list[Any]:
    """The whole frames at the start of ``pending``, unmarshalled and removed from it (a frame cut short
    stays for the next read). ValueError, EOFError or TypeError: not what a child sends."""
    frames, start = [], 0
    while len(pending) - start >= 4:
        size = int.from_bytes(pending[start : start + 4], "little")
        if len(pending) - start - 4 < size:
            break
        frames.append(marshal.loads(pending[start + 4 : start + 4 + size]))
        start += 4 + size
    del pending[:start]
    return frames
