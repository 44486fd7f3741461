"""Nothing saved is lost: real `reader annotate` processes killed with SIGKILL, and two saving at once."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

READER_BIN = Path(sys.executable).parent / "reader"

pytestmark = pytest.mark.slow

SEED = "001_8eaa32b1d9703bf4.txt"


def _env(seeds_dir, db_dir):
    return {**os.environ, "READER_ARTICLES": str(seeds_dir), "READER_DB": str(db_dir)}


def _annotate_cmd(n: int) -> list[str]:
    return [
        str(READER_BIN),
        "annotate",
        SEED,
        "--start",
        str(10 + n),
        "--end",
        str(20 + n),
        "--tag",
        f"t{n % 7}",
    ]


def _exported_ids(run_reader) -> set[str]:
    result = run_reader("export", check=True)
    return {a["id"] for a in json.loads(result.stdout)["annotations"]}


def test_sigkill_during_saves_loses_nothing_that_was_reported_saved(run_reader, seeds_dir, db_dir):
    rng = random.Random(1234)
    saved: set[str] = set()
    killed = 0
    for n in range(14):
        proc = subprocess.Popen(
            _annotate_cmd(n),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(seeds_dir, db_dir),
        )
        if n % 2:
            # kill at a random moment: during start-up, during the save, or after it
            time.sleep(rng.uniform(0.05, 0.9))
            proc.send_signal(signal.SIGKILL)
            killed += 1
        out, err = proc.communicate(timeout=60)
        if proc.returncode == 0:
            saved.add(out.strip())
        else:
            assert proc.returncode == -signal.SIGKILL, err
    assert killed == 7 and len(saved) >= 7
    assert saved <= _exported_ids(run_reader)
    # the database is still writable afterwards
    run_reader("annotate", SEED, "--start", "1", "--end", "5", "--tag", "after", check=True)


def test_two_processes_saving_at_once_keep_every_annotation(run_reader, seeds_dir, db_dir):
    script = "; ".join(" ".join(_annotate_cmd(n)) for n in range(8))
    procs = [
        subprocess.Popen(
            ["bash", "-c", script],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(seeds_dir, db_dir),
        )
        for _ in range(2)
    ]
    ids: set[str] = set()
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        ids.update(out.split())
    assert len(ids) == 16
    assert _exported_ids(run_reader) == ids
