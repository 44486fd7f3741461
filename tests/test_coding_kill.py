"""kill -9 at random moments while "code every match" saves or undoes: every hit or none of them.

Like tests/test_store_kill.py: each round copies a prepared database, a real process plans the hits of a
query across 40 articles (before it says "ready"), then saves the reviewed ones (or saves them, says
"ready", and undoes them); it is killed at a random moment; the next workspace opened on the copy (which
finishes or rolls back an interrupted change) must hold exactly the state before or the state after.
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reader.workspace import Workspace

pytestmark = pytest.mark.slow

ARTICLES = 40
ROUNDS = 8

SCRIPT = """
import sys
from pathlib import Path
from reader.coding import apply_plan, plan_matches, undo_applied
from reader.workspace import Workspace

articles, db, op = sys.argv[1], sys.argv[2], sys.argv[3]
ws = Workspace(Path(articles), Path(db))
plan = plan_matches(ws, "君子", tags=["君子"])
kept = [p for i, p in enumerate(plan) if i % 3]  # the review unchecked every third hit
if op == "undo":
    applied = apply_plan(ws, kept, tags=["君子"], note="bulk")
print("ready", len(kept), flush=True)
if op == "save":
    apply_plan(ws, kept, tags=["君子"], note="bulk")
else:
    undo_applied(ws, applied)
print("done", flush=True)
"""


def _state(articles: Path, db: Path) -> frozenset:
    ws = Workspace(articles, db)
    assert not ws.store.journal.pending(), "an interrupted change was left unfinished"
    assert ws.store.problems() == []
    rows = frozenset(
        (r["article_id"], r["start"], r["end"], tuple(r["tags"]), r["note"])
        for article_id in ws.store.counts()
        for r in ws.store.records(article_id)
    )
    ws.store.close()
    return rows


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("coding-kill")
    articles = root / "articles"
    articles.mkdir()
    rng = random.Random(11)
    chars = "学而时习之不亦说乎有朋自远方来不亦乐乎人不知而不愠不亦君子乎"
    for n in range(ARTICLES):
        text = "".join(rng.choice(chars) for _ in range(3000)) + "君子。\n"
        (articles / f"{n:03d}.txt").write_text(text, encoding="utf-8")
    db = root / "db"
    Workspace(articles, db).store.close()
    return articles, db


def _run(tmp: Path, articles: Path, db: Path, op: str, kill_after: float | None = None) -> float:
    script = tmp / "code.py"
    script.write_text(SCRIPT, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(articles), str(db), op],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    ready = proc.stdout.readline()
    assert ready.startswith("ready"), proc.stderr.read() if proc.stderr else ""
    assert int(ready.split()[1]) > 100  # enough hits in enough articles to be killed among them
    t0 = time.monotonic()
    if kill_after is not None:
        time.sleep(kill_after)
        proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    if kill_after is None:
        assert proc.returncode == 0, err
    else:
        assert proc.returncode in (0, -signal.SIGKILL), err
    return time.monotonic() - t0


@pytest.mark.parametrize("op", ["save", "undo"])
def test_code_every_match_killed_at_any_moment_is_all_or_nothing(corpus, tmp_path: Path, op: str) -> None:
    articles, db = corpus
    before = _state(articles, db)
    full = tmp_path / "full"
    shutil.copytree(db, full)
    duration = _run(tmp_path, articles, full, op)
    after = _state(articles, full)
    if op == "save":
        assert len(after) > 100 and len({row[0] for row in after}) > ARTICLES // 2
        outcomes = {before: "before", after: "after"}
    else:  # the saved state (reached before "ready") or everything undone
        saved = tmp_path / "saved"
        shutil.copytree(db, saved)
        _run(tmp_path, articles, saved, "save")
        coded = _state(articles, saved)
        assert after == before and len(coded) > 100
        outcomes = {coded: "saved", after: "undone"}
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    seen = set()
    for n in range(ROUNDS):
        copy = tmp_path / f"round{n}"
        shutil.copytree(db, copy)
        _run(tmp_path, articles, copy, op, kill_after=rng.uniform(0, duration))
        got = _state(articles, copy)
        assert got in outcomes, f"seed {seed}, round {n}: a partial {op} ({len(got)} annotations)"
        seen.add(outcomes[got])
