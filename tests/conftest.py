"""Shared fixtures: tests work on copies in temporary folders, never on the repo's seeds/ or annotations/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
DATA = Path(__file__).resolve().parent / "data"
READER_BIN = Path(sys.executable).parent / "reader"

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
# a coder name, as a user who set one: the app asks for it on first start otherwise (tests of the
# default coder and of the question unset it)
os.environ.setdefault("READER_CODER", "tester")


@pytest.fixture
def seeds_dir(tmp_path: Path) -> Path:
    target = tmp_path / "articles"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def db_dir(tmp_path: Path) -> Path:
    return tmp_path / "db"


@pytest.fixture
def workspace(seeds_dir: Path, db_dir: Path):
    from reader.workspace import Workspace

    return Workspace(seeds_dir, db_dir)


@pytest.fixture
def run_reader(seeds_dir: Path, db_dir: Path, tmp_path: Path):
    """Run the real `reader` console script in a subprocess, on the temporary articles and database."""

    def run(*args: str, check: bool = False, env: dict[str, str] | None = None, timeout: float = 60):
        full_env = {**os.environ, "READER_ARTICLES": str(seeds_dir), "READER_DB": str(db_dir), **(env or {})}
        result = subprocess.run(
            [str(READER_BIN), *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=full_env,
            cwd=tmp_path,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"reader {' '.join(args)} failed ({result.returncode}): {result.stderr}")
        return result

    return run
