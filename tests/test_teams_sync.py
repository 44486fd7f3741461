"""`reader sync` against local bare repositories: three coders on three clones annotate and sync at the same
time; nothing is lost, nothing conflicts, and every clone ends in the same state. A real conflict stops
sync with the repository exactly as it was."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import READER_BIN, SEEDS

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

SIMP = "004_b2f79115014bf41b.txt"
TRAD = "002_ced27b30dc7015ea.txt"
CODERS = ("Ann", "Bob", "Cat")


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=setup", "-c", "user.email=setup@example.invalid", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def clean_env() -> dict[str, str]:
    """The environment of a coder at their terminal: no reader variables, no git identity of the tests'."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("READER_", "GIT_"))}
    env["HOME"] = env.get("TEAM_HOME", env.get("HOME", "/tmp"))
    return env


def reader(clone: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """A reader command in a clone, from its folder (default ./seeds and ./annotations)."""
    done = subprocess.run(
        [str(READER_BIN), *args], cwd=clone, capture_output=True, text=True, env=clean_env(), timeout=120
    )
    if check and done.returncode != 0:
        raise AssertionError(f"reader {' '.join(args)} in {clone.name}: {done.returncode}\n{done.stderr}")
    return done


@pytest.fixture
def team(tmp_path: Path) -> dict[str, Path]:
    """A bare repository on a "shared drive", a project pushed to it, and a clone per coder."""
    remote = tmp_path / "shared" / "team.git"
    remote.parent.mkdir()
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    project = tmp_path / "project"
    shutil.copytree(SEEDS, project / "seeds")
    git(project, "init", "--quiet", "--initial-branch=main")
    git(project, "add", "seeds")
    git(project, "commit", "--quiet", "-m", "the articles")
    git(project, "remote", "add", "origin", str(remote))
    git(project, "push", "--quiet", "--set-upstream", "origin", "main")
    clones = {}
    for name in CODERS:
        clone = tmp_path / name.lower()
        git(tmp_path, "clone", "--quiet", str(remote), str(clone))
        reader(clone, "config", "coder", name)
        clones[name] = clone
    return clones


def exported(clone: Path) -> dict[str, tuple[str, str, int, int, tuple[str, ...]]]:
    data = json.loads(reader(clone, "export").stdout)
    return {
        a["id"]: (a["creator"], a["article_id"], a["start"], a["end"], tuple(a["tags"]))
        for a in data["annotations"]
    }


#: each coder's work, run concurrently with the others': annotate a passage, sync, three times
CODER_SCRIPT = """
import subprocess, sys
reader, clone, coder, article = sys.argv[1:5]
for i in range(3):
    start = 100 + 40 * i + 7 * ("Ann", "Bob", "Cat").index(coder)
    subprocess.run([reader, "annotate", article, "--start", str(start), "--end", str(start + 5),
                    "--tag", f"{coder}/{i}", "--tag", "平台"], cwd=clone, check=True, capture_output=True)
    done = subprocess.run([reader, "sync"], cwd=clone, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{coder}: sync {i} failed: {done.stderr}")
"""


def test_three_coders_annotate_and_sync_at_once_and_end_in_the_same_state(team, tmp_path):
    script = tmp_path / "coder.py"
    script.write_text(CODER_SCRIPT, encoding="utf-8")
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(READER_BIN), str(clone), name, SIMP],
            env=clean_env(),
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, clone in team.items()
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    for _ in range(2):  # a final round: everyone has everything
        for clone in team.values():
            reader(clone, "sync")
    states = [exported(clone) for clone in team.values()]
    assert states[0] == states[1] == states[2]
    assert len(states[0]) == 9  # nothing lost: three passages by each of three coders
    by_coder = {c: sorted(t for who, *_, t in states[0].values() if who == c) for c in CODERS}
    assert by_coder == {c: [(f"{c}/{i}", "平台") for i in range(3)] for c in CODERS}
    heads = {git(clone, "rev-parse", "HEAD").strip() for clone in team.values()}
    assert len(heads) == 1, "every clone is at the same commit"
    for clone in team.values():
        assert git(clone, "status", "--porcelain") == ""
        assert not (clone / ".git" / "MERGE_HEAD").exists()
        files = git(clone, "ls-files", "annotations").split()
        assert not [f for f in files if "/local/" in f], "local data never travels"
    # each coder wrote only their own folder: every commit of a coder touches only theirs
    log = git(team["Ann"], "log", "--format=@@%s", "--name-only", "--no-merges", "--", "annotations/coders")
    commits = [block.strip().split("\n") for block in log.split("@@") if block.strip()]
    assert len(commits) >= 9
    for subject, *changed in commits:
        coder = subject.split(": ")[1].lower()
        assert changed and all(f.startswith(f"annotations/coders/{coder}/") for f in changed if f), subject


def test_others_work_shows_in_the_reading_counts_and_agreement_after_a_sync(team):
    ann, bob = team["Ann"], team["Bob"]
    reader(ann, "annotate", SIMP, "--start", "100", "--end", "110", "--tag", "平台")
    reader(bob, "annotate", SIMP, "--start", "100", "--end", "110", "--tag", "平台")
    reader(ann, "sync")
    reader(bob, "sync")
    reader(ann, "sync")
    coders = json.loads(reader(ann, "coders", "--json").stdout)
    assert {c["coder"]: c["annotations"] for c in coders["coders"]} == {"Ann": 1, "Bob": 1}
    assert coders["you"] == "Ann"
    figures = json.loads(reader(ann, "agreement", "--json").stdout)
    assert figures["coders"] == ["Ann", "Bob"] and figures["overall"]["percent_agreement"] == 1.0


def test_a_real_conflict_stops_sync_and_leaves_the_repository_as_it_was(team, tmp_path):
    ann = team["Ann"]
    twin = tmp_path / "ann-laptop"  # the same coder name in a second clone: both write Ann's folder
    git(tmp_path, "clone", "--quiet", str(tmp_path / "shared" / "team.git"), str(twin))
    reader(twin, "config", "coder", "Ann")
    reader(ann, "annotate", SIMP, "--start", "100", "--end", "110", "--tag", "a")
    reader(twin, "annotate", SIMP, "--start", "200", "--end", "210", "--tag", "b")
    reader(ann, "sync")
    old_head = git(twin, "rev-parse", "HEAD").strip()

    def shared_files() -> dict[Path, bytes]:
        return {
            p: p.read_bytes()
            for p in (twin / "annotations").rglob("*")
            if p.is_file() and "local" not in p.parts
        }

    def repository() -> tuple[str, str, str]:
        return git(twin, "rev-parse", "HEAD"), git(twin, "status", "--porcelain"), git(twin, "ls-files", "-s")

    files = shared_files()
    for attempt in range(2):
        state = repository()
        failed = reader(twin, "sync", check=False)
        assert failed.returncode == 2
        message = failed.stderr.strip().splitlines()[-1]
        assert message.startswith("reader: error: sync stopped:") and "annotations/coders/ann/" in message
        assert "nothing was merged" in message
        assert not (twin / ".git" / "MERGE_HEAD").exists() and git(twin, "status", "--porcelain") == ""
        assert shared_files() == files, "the work tree is as it was"
        if attempt:  # the second time there is nothing of ours to commit: nothing at all changes
            assert repository() == state
    # the one thing sync did: commit the twin's own work on top of where it was (nothing merged)
    assert git(twin, "rev-parse", "HEAD~1").strip() == old_head
    assert git(twin, "rev-list", "--count", "HEAD").strip() == "2"


def test_sync_needs_a_name_a_repository_and_a_remote(tmp_path):
    project = tmp_path / "solo"
    shutil.copytree(SEEDS, project / "seeds")
    nameless = reader(project, "sync", check=False)
    assert nameless.returncode == 2 and "reader config coder NAME" in nameless.stderr
    reader(project, "config", "coder", "Ann")
    no_repo = reader(project, "sync", check=False)
    assert no_repo.returncode == 2 and "not in a git repository" in no_repo.stderr
    git(project, "init", "--quiet", "--initial-branch=main")
    no_remote = reader(project, "sync", check=False)
    assert no_remote.returncode == 2 and "no remote" in no_remote.stderr
    assert len(no_remote.stderr.strip().splitlines()) == 1


def test_a_sync_after_the_first_save_commits_it_with_the_app_s_own_store(team):
    """The order of events of the tmux test, without a terminal, in one Workspace as the app holds it: a
    first sync (before Ann ever saved: it makes her folder, with an empty articles/), a save, a second
    sync. The second commit holds the save, the clone has nothing of Ann's left over, Bob gets it."""
    from reader.settings import load_settings
    from reader.sync import sync
    from reader.workspace import Workspace

    ann, bob = team["Ann"], team["Bob"]
    reader(bob, "annotate", SIMP, "--start", "100", "--end", "110", "--tag", "平台")
    reader(bob, "sync")
    assert load_settings(ann / "annotations").get("coder") == "Ann"
    ws = Workspace(ann / "seeds", ann / "annotations", coder="Ann")
    try:
        first = sync(ws)
        assert len(first.committed) == 1 and first.merged == ["Bob"] and first.pushed
        assert git(ann, "status", "--porcelain", "--untracked-files=all") == ""
        ws.annotate(ws.load(SIMP), 0, 10, tags=["平台"])
        second = sync(ws)
        assert len(second.committed) == 1 and second.merged == [] and second.pushed
        changed = git(ann, "show", "--name-only", "--format=", "HEAD").split()
        assert changed and all(f.startswith("annotations/coders/ann/articles/") for f in changed)
        assert git(ann, "status", "--porcelain", "--untracked-files=all") == ""
    finally:
        ws.store.close()
    reader(bob, "sync")
    coders = json.loads(reader(bob, "coders", "--json").stdout)
    assert {c["coder"]: c["annotations"] for c in coders["coders"]} == {"Ann": 1, "Bob": 1}
