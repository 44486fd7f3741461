"""The database's write lock across real processes: flock on ``local/lock`` (reader.store.files.lock_file).

Another process holding the lock makes a save wait, then fail with one clear line once the timeout passes;
a holder that is killed (kill -9) frees it at once; a file system without locks is one line, not a traceback.
"""

from __future__ import annotations

import errno
import fcntl
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reader.errors import StoreError, StoreLockedError
from reader.store import AnnotationStore, make_annotation
from test_store import article

#: a separate process that takes the same flock a reader process takes, says so, and holds it
_HOLDER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


def _hold(lock_path: Path, seconds: float) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(lock_path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


def test_a_save_while_another_process_holds_the_lock_fails_in_one_line_reads_go_on(tmp_path: Path) -> None:
    with AnnotationStore(tmp_path / "db", lock_timeout=0.3) as store:
        first = store.add(make_annotation(article(), 0, 1, tags=["甲"]))
        holder = _hold(store.lock_path, 60)
        try:
            with pytest.raises(StoreLockedError) as exc:
                store.add(make_annotation(article(), 1, 2, tags=["乙"]))
            message = str(exc.value)
            assert "\n" not in message and str(store.lock_path) in message and "try again" in message
            assert store.for_article(first.article_id) == [first]
        finally:
            holder.kill()
            holder.wait()
        second = store.add(make_annotation(article(), 1, 2, tags=["乙"]))  # freed by the kill -9
        assert store.for_article(first.article_id) == [first, second]


def test_a_save_waits_for_a_process_that_lets_go_in_time(tmp_path: Path) -> None:
    with AnnotationStore(tmp_path / "db", lock_timeout=30) as store:
        store.add(make_annotation(article(), 0, 1, tags=[]))
        holder = _hold(store.lock_path, 0.5)
        try:
            t0 = time.monotonic()
            saved = store.add(make_annotation(article(), 1, 2, tags=[]))
            waited = time.monotonic() - t0
        finally:
            holder.wait()
        assert holder.returncode == 0  # it let go by itself: the save waited for it, it did not break it
        assert waited > 0.1 and store.get(saved.article_id, saved.id) == saved


def test_a_process_killed_while_holding_the_lock_leaves_the_database_writable(tmp_path: Path) -> None:
    db = tmp_path / "db"
    with AnnotationStore(db) as store:
        store.add(make_annotation(article(), 0, 1, tags=[]))
        lock_path = store.lock_path
    holder = _hold(lock_path, 60)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with AnnotationStore(db, lock_timeout=0.5) as store:
        store.add(make_annotation(article(), 2, 3, tags=[]))
        assert len(store.for_article(article().info.id)) == 2


def test_the_lock_is_released_after_each_write_so_another_process_can_take_it(tmp_path: Path) -> None:
    with AnnotationStore(tmp_path / "db") as store:
        store.add(make_annotation(article(), 0, 1, tags=[]))
        probe = subprocess.run(
            [
                sys.executable,
                "-c",
                "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR); "
                "fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)",
                str(store.lock_path),
            ],
            check=False,
        )
        assert probe.returncode == 0


def test_a_file_system_without_locks_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_flock(fd: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    with AnnotationStore(tmp_path / "db") as store:
        monkeypatch.setattr(fcntl, "flock", no_flock)
        with pytest.raises(StoreError) as exc:
            store.add(make_annotation(article(), 0, 1, tags=[]))
        message = str(exc.value)
        assert "\n" not in message and "does not support file locks" in message
        assert str(store.lock_path) in message
