"""A/B of the page-down frames on zuozhuan between two checkouts, in the same minutes.

``python benchmarks/ab_zuozhuan.py OLD_TREE NEW_TREE [SESSIONS]`` alternates ``_ui_session.py zuozhuan``
sessions of each tree (each on a copy of a database primed by that tree, as ``run.py ui`` does) and prints,
per tree, the slowest frame of each session right after opening and while the other views are prepared,
with the medians. A full run's frame rows move with the VM's speed from one run to the next; alternating
the two trees is how a change to them is judged (the tenth session: da3451b against 0302ead).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_ui import BENCH_CODER, _env

HERE = Path(__file__).resolve().parent


def _session(tree: Path, articles: Path, db: Path, work: Path) -> dict:
    env = _env(work / f"pyc-{tree.name}", PYTHONPATH=str(tree / "src"), READER_CODER=BENCH_CODER)
    script = tree / "benchmarks" / "_ui_session.py"
    proc = subprocess.run(
        [sys.executable, str(script), "zuozhuan", str(articles), str(db)],
        capture_output=True,
        text=True,
        env=env,
        cwd=work,
        check=True,
    )
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def main() -> None:
    old, new = (Path(p).resolve() for p in sys.argv[1:3])
    sessions = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    work = Path(tempfile.mkdtemp(prefix="ab-zuozhuan-"))
    articles = work / "articles"
    shutil.copytree(HERE.parent / "seeds", articles)
    shutil.copy(HERE.parent / "tests" / "data" / "zuozhuan.txt", articles / "zuozhuan.txt")
    primed = {}
    for tree in (old, new):
        primed[tree] = work / f"primed-{tree.name}"
        prime = f"import sys; sys.path.insert(0, {str(tree / 'benchmarks')!r}); from pathlib import Path; "
        prime += f"import bench_ui; bench_ui._prime(Path({str(articles)!r}), Path({str(primed[tree])!r}))"
        env = {**os.environ, "PYTHONPATH": str(tree / "src"), "READER_CODER": BENCH_CODER}
        subprocess.run([sys.executable, "-c", prime], env=env, check=True)
    results: dict[Path, list[dict]] = {old: [], new: []}
    for n in range(sessions):
        for tree in (old, new):
            db = work / f"db-{tree.name}-{n}"
            shutil.copytree(primed[tree], db)
            results[tree].append(_session(tree, articles, db, work))
    for tree in (old, new):
        for key, label in (
            ("frames_after_open_ms", "after opening"),
            ("frames_during_preparation_ms", "while prepared"),
        ):
            worst = [round(max(r[key]), 1) for r in results[tree]]
            median = statistics.median(f for r in results[tree] for f in r[key])
            print(f"{tree}: {label}: slowest per session {worst}, median {median:.1f} ms", flush=True)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
