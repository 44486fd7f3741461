"""File-system plumbing for the store: signatures, the one atomic-write helper, fsync/syncfs, the lock.

Nothing here knows about annotations. Every error a user can cause (permissions, a full disk) leaves as a
:class:`~reader.errors.StoreError` naming the file.
"""

from __future__ import annotations

import errno
import gc
import logging
import os
import secrets
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from reader.errors import StoreCorruptError, StoreError, StoreLockedError

log = logging.getLogger(__name__)

Signature = tuple[int, int, int]
TEMP_SUFFIX = ".tmp"
_LOCK_POLL_S = 0.002
_DUMP_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE


def signature(st: os.stat_result) -> Signature:
    """``(st_mtime_ns, st_size, st_ino)``: a file version (see :func:`atomic_write` for why it is unique)."""
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def stat_signature(path: str | os.PathLike[str]) -> Signature | None:
    """The signature of ``path`` now, None if it does not exist."""
    try:
        return signature(os.stat(path))
    except FileNotFoundError:
        return None
    except OSError as e:
        raise cannot(Path(path), "read", e) from e


def read_bytes(path: Path) -> tuple[bytes, Signature] | None:
    """The file's bytes and the signature of exactly that version (fstat of the same open file)."""
    try:
        got = read_whole(path)
    except OSError as e:
        raise cannot(path, "read", e) from e
    return None if got is None else (got[0], signature(got[1]))


def read_whole(path: Path) -> tuple[bytes, os.stat_result] | None:
    """The file's bytes and its fstat after reading them, None if it does not exist; OSError else.

    Plain ``os`` calls: an export reads 1,000 article files, and a buffered file object costs more to make
    than reading one of them."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        size = os.fstat(fd).st_size
        data = os.read(fd, size + 1)  # one byte more: a file that grew is read on to its end
        if len(data) > size:
            parts = [data]
            while parts[-1]:
                parts.append(os.read(fd, 1 << 20))
            data = b"".join(parts)
        return data, os.fstat(fd)
    finally:
        os.close(fd)


def cannot(path: Path, what: str, e: OSError) -> StoreError:
    """One line for an OSError: what could not be done to which file, why, and what to do."""
    hint = "free some space" if e.errno in (errno.ENOSPC, errno.EDQUOT) else "check its permissions"
    return StoreError(f"{path}: cannot {what} ({e.strerror or e}); {hint}")


def dumps(data: Any) -> bytes:
    """Readable JSON: UTF-8 (Chinese stays Chinese, no \\uXXXX escapes), indented."""
    return orjson.dumps(data, option=_DUMP_OPTIONS)


def corrupt(path: Path, what: str) -> StoreCorruptError:
    """A file that exists but is not valid: named, never overwritten, and what the user can do."""
    what = " ".join(what.split())  # one line
    return StoreCorruptError(
        f"{path}: {what}; reader will not overwrite it: move it aside or restore it from a backup"
    )


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while building many objects that hold no cycles (100,000 records):
    the collector would otherwise walk them again and again, doubling the time."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def write_all(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view) :]


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(
    path: Path, payload: bytes, *, durable: bool = True, replaces: Signature | None = None
) -> Signature:
    """Write ``payload`` to a temp file beside ``path`` and ``os.replace`` it over ``path``.

    The only way any store file other than a change log is written. With ``durable`` the temp file is
    fsynced before the rename and the folder after it, so the new version survives a crash or power loss
    once this returns; without it a crash leaves the old or the new version (never a mix) but maybe not the
    newest. The new file's mtime is made greater than that of the version it ``replaces``, so two writes
    within one file-system clock tick still give different signatures. Returns the new file's signature;
    an OSError leaves ``path`` as it was and no temp file behind.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        try:
            write_all(fd, payload)
            st = os.fstat(fd)
            if replaces is not None and st.st_mtime_ns <= replaces[0]:
                os.utime(fd, ns=(st.st_atime_ns, replaces[0] + 1))
                st = os.fstat(fd)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    if durable:
        fsync_dir(path.parent)
    return signature(st)


def remove_temp_files(folders: Iterable[Path]) -> None:
    """Temp files left by a killed writer. Call only with the lock held: then every one is stale."""
    for folder in folders:
        with suppress(OSError):
            for p in folder.glob(f".*{TEMP_SUFFIX}"):
                try:
                    p.unlink()
                except OSError as e:
                    log.debug("cannot remove the stale temporary file %s: %s", p, e)


@cache
def _syncfs() -> Any:
    """libc's ``syncfs`` (Linux), or None where it does not exist. (ctypes is imported only here.)"""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        fn = libc.syncfs
    except (OSError, AttributeError, TypeError):
        return None
    fn.argtypes = [ctypes.c_int]
    fn.restype = ctypes.c_int
    return fn


def sync_files(folder: Path, files: Iterable[Path]) -> None:
    """Make ``files`` (and the renames and creations in ``folder``) durable, in as few calls as possible.

    ``syncfs`` flushes the whole file system in one call (1,000 appended files in ~6 ms, against ~0.2 ms
    per fsync); where it is missing, each file and the folder are fsynced. Raises OSError.
    """
    fn = _syncfs()
    if fn is not None:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            if fn(fd) == 0:
                return
        finally:
            os.close(fd)
    for path in files:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    fsync_dir(folder)


class DatabaseLock:
    """The database's one write lock: a ``filelock`` on a file in the local folder, plus a thread mutex.

    Re-entrant within a thread; the file lock is taken when the outermost holder enters and released when
    it leaves. ``filelock`` is imported by :meth:`prepare` (a writable database) or the first write: a
    read-only database never pays for it.
    """

    def __init__(self, path: Path, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self.mutex = threading.RLock()
        self._depth = 0
        self._lock: Any = None

    @property
    def held(self) -> bool:
        return self._depth > 0

    @contextmanager
    def hold(self, timeout: float | None = None) -> Iterator[None]:
        """Hold the lock; StoreLockedError if another process keeps it longer than ``timeout`` seconds."""
        with self.mutex:
            if self._depth == 0:
                self._acquire(self.timeout if timeout is None else timeout)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._lock.release()

    def prepare(self) -> None:
        """Import ``filelock`` now (15-40 ms), so that the first save does not pay for it."""
        import filelock

        if self._lock is None:
            self._lock = filelock.FileLock(self.path, poll_interval=_LOCK_POLL_S, thread_local=False)

    def _acquire(self, timeout: float) -> None:
        import filelock

        self.prepare()
        try:
            self._lock.acquire(timeout=timeout)
        except filelock.Timeout:
            raise StoreLockedError(
                f"{self.path}: another reader process is writing the annotations "
                f"(still locked after {timeout:g} s); try again"
            ) from None
        except OSError as e:
            raise cannot(self.path, "lock", e) from e
