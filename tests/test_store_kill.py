"""kill -9 at random moments during import, tag rename/merge/delete and undo: everything or nothing.

Each round copies a prepared database, starts a real process doing the change, kills it with SIGKILL at a
random moment, then opens the database as the next command would (which finishes or rolls back an
interrupted change) and compares it with the state before and the state after an uninterrupted run.
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import orjson
import pytest

from reader.export import build_export, render_bytes
from reader.store import make_annotation
from reader.workspace import Workspace

pytestmark = pytest.mark.slow

ARTICLES = 60
PER_ARTICLE = 40
ROUNDS = 8

SCRIPT = """
import sys
from pathlib import Path
from reader.workspace import Workspace

articles, db, op = sys.argv[1], sys.argv[2], sys.argv[3]
ws = Workspace(Path(articles), Path(db))
print("ready", flush=True)
if op == "import":
    from reader.importer import import_file
    import_file(ws, Path(sys.argv[4]))
elif op == "rename":
    ws.codebook.rename("框架", "framing")
elif op == "merge":
    ws.codebook.merge("框架/经济", "来源")
elif op == "delete":
    ws.codebook.delete("框架")
elif op == "undo":
    ws.codebook.rename("框架", "framing")
    print("renamed", flush=True)
    ws.codebook.undo()
print("done", flush=True)
"""


def _state(articles: Path, db: Path, *, with_modified: bool = False) -> frozenset:
    """Every annotation as (id, article, note, tags[, modified]), read by a new process's workspace."""
    ws = Workspace(articles, db)
    assert not ws.store.journal.pending(), "an interrupted change was left unfinished"
    assert ws.store.problems() == []
    rows = set()
    for article_id in ws.store.counts():
        for r in ws.store.records(article_id):
            row = (r["id"], r["article_id"], r["note"], tuple(r["tags"]))
            rows.add((*row, r["modified"]) if with_modified else row)
    ws.store.close()
    return frozenset(rows)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Articles and a database of ARTICLES x PER_ARTICLE annotations tagged 框架, 框架/经济 and 来源."""
    root = tmp_path_factory.mktemp("kill")
    articles = root / "articles"
    articles.mkdir()
    rng = random.Random(7)
    chars = "学而时习之不亦说乎有朋自远方来不亦乐乎人不知而不愠不亦君子乎"
    for n in range(ARTICLES):
        text = "".join(rng.choice(chars) for _ in range(1500)) + "。\n"
        (articles / f"{n:03d}.txt").write_text(text, encoding="utf-8")
    db = root / "db"
    ws = Workspace(articles, db)
    for info in ws.articles():
        art = ws.load(info.id)
        made = []
        for i in range(PER_ARTICLE):
            start = rng.randrange(len(art.text) - 10)
            tags = [["框架"], ["框架/经济"], ["来源", "框架"], ["其他"]][i % 4]
            made.append(make_annotation(art, start, start + 4, tags=tags, note=f"n{i}"))
        ws.store.put_many(info.id, made)
    ws.store.close()
    return articles, db


def _export_for_import(corpus: tuple[Path, Path], target: Path) -> Path:
    """An export that edits every annotation, moves every tenth to another article and adds new ones."""
    articles, db = corpus
    ws = Workspace(articles, db)
    path = target / "export.json"
    data = orjson.loads(render_bytes(build_export(ws, "original"), "json"))
    ids = sorted({a["article_id"] for a in data["annotations"]})
    extra = []
    for i, a in enumerate(data["annotations"]):
        a["note"] += " edited"
        a["modified"] = "2031-01-01T00:00:00.000000+00:00"
        if i % 10 == 0:
            a["article_id"] = ids[(ids.index(a["article_id"]) + 1) % len(ids)]
        if i % 5 == 0:
            extra.append({**a, "id": str(uuid.uuid4()), "note": "added"})
    data["annotations"] += extra
    path.write_bytes(orjson.dumps(data))
    return path


def _run(tmp: Path, articles: Path, db: Path, op: str, *extra: str, kill_after: float | None = None) -> float:
    """Run ``op`` in a new process (killed ``kill_after`` s after it is ready); seconds it ran once ready."""
    script = tmp / "change.py"
    if not script.exists():
        script.write_text(SCRIPT, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(articles), str(db), op, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "ready\n", proc.stderr.read() if proc.stderr else ""
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


def _rounds(corpus: tuple[Path, Path], tmp: Path, op: str, *extra: str) -> None:
    """Kill ``op`` at random moments; every outcome must be the state before or after a full run."""
    articles, db = corpus
    before = _state(articles, db)
    full = tmp / "full"
    shutil.copytree(db, full)
    duration = _run(tmp, articles, full, op, *extra)
    outcomes = {before: "before", _state(articles, full): "after"}
    if op == "undo":  # killed between the rename and its undo: the renamed state is whole too
        renamed = tmp / "renamed"
        shutil.copytree(db, renamed)
        _run(tmp, articles, renamed, "rename")
        outcomes[_state(articles, renamed)] = "renamed"
    assert len(outcomes) >= 2, "the change changed nothing: the test would prove nothing"
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    for n in range(ROUNDS):
        copy = tmp / f"round{n}"
        shutil.copytree(db, copy)
        _run(tmp, articles, copy, op, *extra, kill_after=rng.uniform(0, duration))
        got = _state(articles, copy)
        assert got in outcomes, f"seed {seed}, round {n}: a partial {op} ({len(got)} annotations)"


def test_import_killed_at_any_moment_is_all_or_nothing(corpus, tmp_path: Path) -> None:
    path = _export_for_import(corpus, tmp_path)
    _rounds(corpus, tmp_path, "import", str(path))


@pytest.mark.parametrize("op", ["rename", "merge", "delete", "undo"])
def test_tag_changes_killed_at_any_moment_are_all_or_nothing(corpus, tmp_path: Path, op: str) -> None:
    _rounds(corpus, tmp_path, op)
