"""AnnotationStore across real processes: two writers at once, and a writer killed with SIGKILL."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reader.store import AnnotationStore

pytestmark = pytest.mark.slow

WRITER = """
import sys, time
from pathlib import Path
from types import SimpleNamespace
from reader.store import AnnotationStore, make_annotation

folder, article_id, count, tag, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
art = SimpleNamespace(text="学而时习之，不亦说乎？有朋自远方来，不亦乐乎？" * 3, sha256="0" * 64,
                      info=SimpleNamespace(id=article_id))
with AnnotationStore(folder, lock_timeout=30) as store:
    print("ready", flush=True)
    while not Path(go).exists():
        time.sleep(0.001)
    i = 0
    while count < 0 or i < count:
        a = store.add(make_annotation(art, i % 60, i % 60 + 1, tags=[tag], note=f"{tag} {i}"))
        print(a.id, flush=True)  # printed only once add() has returned: the user was told it is saved
        i += 1
"""


def _start(tmp_path: Path, folder: Path, article_id: str, count: int, tag: str) -> subprocess.Popen[str]:
    script = tmp_path / "writer.py"
    if not script.exists():
        script.write_text(WRITER, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(folder), article_id, str(count), tag, str(tmp_path / "go")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "ready\n", proc.stderr.read() if proc.stderr else ""
    return proc


def _valid_file(store: AnnotationStore, article_id: str) -> dict:
    """The article's stored annotations as ``{"annotations": {id: record}}``, read through the store:
    ``records()`` raises StoreCorruptError if any file of the article is not valid."""
    records = store.records(article_id)
    assert all(r["article_id"] == article_id for r in records)
    return {"annotations": {r["id"]: r for r in records}}


def test_two_processes_adding_to_the_same_article_lose_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    procs = [_start(tmp_path, folder, "同一篇.txt", 100, tag) for tag in ("甲", "乙")]
    (tmp_path / "go").touch()
    printed: list[str] = []
    for p in procs:
        out, err = p.communicate(timeout=50)
        assert p.returncode == 0, err
        printed += out.split()
    assert len(printed) == 200

    with AnnotationStore(folder) as store:
        data = _valid_file(store, "同一篇.txt")
        assert sorted(data["annotations"]) == sorted(printed)
        assert {a.id for a in store.for_article("同一篇.txt")} == set(printed)
        assert store.counts() == {"同一篇.txt": 200}
        assert store.tags() == {"甲": 100, "乙": 100}


def test_sigkill_mid_run_never_loses_a_reported_save_or_breaks_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    (tmp_path / "go").touch()
    saved: set[str] = set()
    for round_ in range(6):
        proc = _start(tmp_path, folder, "被杀.txt", -1, f"r{round_}")
        time.sleep(rng.uniform(0.02, 0.3))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=10)
        assert proc.returncode == -signal.SIGKILL
        # only whole lines were reported; a line cut by the kill does not count as a report
        lines = out.split("\n")
        saved.update(line for line in lines[:-1] if line)

        with AnnotationStore(folder) as store:
            data = _valid_file(store, "被杀.txt")
            missing = saved - set(data["annotations"])
            assert not missing, f"seed {seed}: {len(missing)} reported saves lost"
            assert store.counts()["被杀.txt"] == len(data["annotations"])
            assert {a.id for a in store.all()} == set(data["annotations"])
        assert not list(folder.rglob("*.tmp"))  # leftovers from the kill are cleaned up on open
    assert len(saved) > 6, f"seed {seed}: the writer hardly ran"
