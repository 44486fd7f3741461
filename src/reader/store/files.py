"""File-system plumbing for the store: signatures, the one atomic-write helper, fsync/syncfs, the lock.

Nothing here knows about annotations. Every error a user can cause (permissions, a full disk) leaves as a
:class:`~reader.errors.StoreError` naming the file.
"""

from __future__ import annotations

import errno
import fcntl
import gc
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from functools import cache

from reader.errors import StoreCorruptError, StoreError, StoreLockedError
from reader.logs import logger

# Light imports only (no pathlib, typing, orjson at import time): `reader annotate` saves through this
# module in a process whose imports are most of its cost (reader.store.append).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    StrPath = str | os.PathLike[str]

log = logger(__name__)

Signature = tuple[int, int, int]
TEMP_SUFFIX = ".tmp"
_LOCK_POLL_S = 0.002
_TOKEN_BYTES = 8
#: a folder changed less than this long ago may change again within the same clock tick without its mtime
#: moving (git's "racily clean" entries): it is not trusted yet (temp_files_in, changes_stamp)
RACY_NS = 2_000_000_000


def signature(st: os.stat_result) -> Signature:
    """``(st_mtime_ns, st_size, st_ino)``: a file version (see :func:`atomic_write` for why it is unique)."""
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def stat_signature(path: StrPath) -> Signature | None:
    """The signature of ``path`` now, None if it does not exist."""
    try:
        return signature(os.stat(path))
    except FileNotFoundError:
        return None
    except OSError as e:
        raise cannot(path, "read", e) from e


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


def cannot(path: StrPath, what: str, e: OSError) -> StoreError:
    """One line for an OSError: what could not be done to which file, why, and what to do."""
    hint = "free some space" if e.errno in (errno.ENOSPC, errno.EDQUOT) else "check its permissions"
    return StoreError(f"{path}: cannot {what} ({e.strerror or e}); {hint}")


def dumps(data: Any) -> bytes:
    """Readable JSON: UTF-8 (Chinese stays Chinese, no \\uXXXX escapes), indented."""
    import orjson

    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


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


def fsync_dir(folder: StrPath) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(
    path: StrPath, payload: bytes, *, durable: bool = True, replaces: Signature | None = None
) -> Signature:
    """Write ``payload`` to a temp file beside ``path`` and ``os.replace`` it over ``path``.

    The only way any store file other than a change log is written. With ``durable`` the temp file is
    fsynced before the rename and the folder after it, so the new version survives a crash or power loss
    once this returns; without it a crash leaves the old or the new version (never a mix) but maybe not the
    newest. The new file's mtime is made greater than that of the version it ``replaces``, so two writes
    within one file-system clock tick still give different signatures. Returns the new file's signature;
    an OSError leaves ``path`` as it was and no temp file behind.
    """
    folder, name = os.path.split(os.fspath(path))
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.{os.urandom(4).hex()}{TEMP_SUFFIX}")
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
        fsync_dir(folder or ".")
    return signature(st)


def has_temp_files(folder: StrPath) -> bool:
    """A temp file (``.*.tmp``) in ``folder``: names compared as strings (``glob`` matched each of an
    article folder's 10,000 names by pattern, ~7 ms of every command that opens the store)."""
    try:
        return any(name[0] == "." and name.endswith(TEMP_SUFFIX) for name in os.listdir(folder))
    except OSError:
        return False


def temp_files_in(folders: Iterable[StrPath], memo: StrPath) -> bool:
    """Whether one of ``folders`` holds a temp file (``.*.tmp``, left by a killed writer).

    A folder listed clean is remembered in ``memo`` (a cache) with its mtime: while its mtime is the same,
    nothing was made in it since, and it is not listed again (a coder folder of 10,000 files took ~5 ms of
    every command). Only a folder changed more than 2 s before it was listed is remembered: a file made
    later in the same clock tick would leave its mtime as it was."""
    import json

    try:
        with open(memo, "rb") as f:
            known = json.loads(f.read())
        known = known if type(known) is dict else {}
    except (OSError, ValueError):
        known = {}
    settled, clean, found = time.time_ns() - RACY_NS, {}, False
    for path in folders:
        folder = os.fspath(path)
        try:
            mtime = os.stat(folder).st_mtime_ns
        except OSError:
            continue
        if known.get(folder) != mtime:
            if has_temp_files(folder):
                found = True
                continue
            if mtime >= settled:
                continue
        clean[folder] = mtime
    if clean != known:
        with suppress(OSError):  # a cache (a read-only folder: listed each time)
            os.makedirs(os.path.dirname(memo), exist_ok=True)
            atomic_write(memo, json.dumps(clean).encode("utf-8"), durable=False)
    return found


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
    """The database's one write lock: ``flock(2)`` on a file in the local folder, plus a thread mutex.

    Re-entrant within a thread; the file lock is taken when the outermost holder enters and released when
    it leaves. The kernel releases it when the holding process dies (kill -9 included), so a crashed
    writer never leaves the database locked. Not the ``filelock`` package: importing it cost ~50 ms, half
    of `reader annotate` (README, "Dependencies"); this is the same flock on the same file, polled the same
    way, in a few lines.
    """

    def __init__(self, path: Path, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        import threading  # here: `reader annotate` saves through this module without a DatabaseLock

        self.mutex = threading.RLock()
        self._depth = 0
        self._fd: int | None = None
        self._marked = False  # the change token was renewed by this holding

    @property
    def held(self) -> bool:
        return self._depth > 0

    @contextmanager
    def hold(self, timeout: float | None = None, *, changes: bool = True) -> Iterator[None]:
        """Hold the lock; StoreLockedError if another process keeps it longer than ``timeout`` seconds.
        ``changes``: annotations may change under it (the change token is renewed, see :func:`lock_file`);
        False only for what leaves them as they are (writing the index, a cache)."""
        with self.mutex:
            if self._depth == 0:
                self._fd = lock_file(self.path, self.timeout if timeout is None else timeout, changes=changes)
                self._marked = changes
            elif changes and not self._marked and self._fd is not None:
                mark_changes(self._fd, self.path)
                self._marked = True
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    fd, self._fd = self._fd, None
                    if fd is not None:
                        unlock_file(fd)


def lock_file(path: StrPath, timeout: float, *, changes: bool = True) -> int:
    """An open descriptor of ``path`` (created if missing) holding an exclusive ``flock``, taken within
    ``timeout`` seconds (polled, so the wait can end); StoreLockedError if another process holds it longer,
    StoreError if it cannot be opened or the file system has no ``flock``. With ``changes``, the change
    token is renewed at once (:func:`mark_changes`), before the holder writes anything."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as e:
        raise cannot(path, "lock", e) from e
    deadline = time.monotonic() + timeout
    try:
        while not _try_flock(fd, path):
            if time.monotonic() >= deadline:
                raise StoreLockedError(
                    f"{path}: another reader process is writing the annotations "
                    f"(still locked after {timeout:g} s); try again"
                )
            time.sleep(_LOCK_POLL_S)
        if changes:
            mark_changes(fd, path)
    except BaseException:
        os.close(fd)
        raise
    return fd


def mark_changes(fd: int, path: StrPath) -> None:
    """Renew the change token: new random bytes at the start of the lock file (``fd``, held exclusively).

    Every writer does this when it takes the lock, before it writes, so a token read while the lock is
    free (:func:`change_token`) was written before every change made since it was read began, even by a
    writer killed before it let go. Caches of what the annotations are (the corpus search's tags by
    position) record the token and trust themselves while it is the same, instead of a stat per file. Not
    fsynced: after a crash of the machine the boot id differs (see ``AnnotationReader.changes_stamp``).
    If the token cannot be renewed it is removed (no token is trusted), else the write is refused."""
    try:
        os.pwrite(fd, os.urandom(_TOKEN_BYTES), 0)
    except OSError as e:
        try:
            os.ftruncate(fd, 0)
        except OSError:
            raise cannot(path, "lock", e) from e


def change_token(path: StrPath) -> bytes | None:
    """The change token in the lock file ``path``, or None where there is none (no writer yet, or it could
    not be renewed), while a writer holds the lock, or if it cannot be read: then nothing may be trusted
    to be as it was."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # (a writer polls: it waits a few ms at most)
        try:
            token = os.pread(fd, _TOKEN_BYTES, 0)
            return token if len(token) == _TOKEN_BYTES else None
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    except OSError:
        return None
    finally:
        os.close(fd)


def _try_flock(fd: int, path: StrPath) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as e:
        if e.errno in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES):
            return False  # another process holds it
        if e.errno in (errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOLCK):
            raise StoreError(
                f"{path}: this file system does not support file locks ({e.strerror}); "
                "keep the annotation folder on a local disk"
            ) from e
        raise cannot(path, "lock", e) from e
    return True


def unlock_file(fd: int) -> None:
    """Release a lock taken by :func:`lock_file` and close its descriptor (unlocked first: a forked child
    sharing the descriptor must not keep the lock)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
