"""``reader sync``: share this coder's work through git, the distributed engine a team already has.

The project (articles, the database with a folder per coder) is a git repository with a remote: a bare
repository on a shared drive, or a hosting service over ssh or https; reader runs the user's own ``git``
(no library, no server). Each coder writes only their own folder (:mod:`reader.store.coders`), so the
merges sync makes never conflict on annotations or codebook operations.

The protocol (docs/TEAMS.md), each step only if needed:

1. **Commit** this coder's folder (and the manifest, and the single-coder ``articles/`` this coder took
   over) under the database lock, so that no save is half-written in the commit. Other changes in the
   work tree are neither committed nor touched.
2. **Fetch** the remote (without the lock: the app keeps saving meanwhile).
3. **Merge** the remote branch, under the lock. First ``git merge-tree`` computes the merge without
   touching anything; if it conflicts, sync stops and says which files and what to do: the work tree,
   the index and HEAD are exactly as they were after step 1. Only a clean merge is made, and if git still
   refuses (an uncommitted file it would overwrite), nothing has changed either.
4. **Apply** others' codebook operations to this coder's annotations (:meth:`Codebook.catch_up`) and commit
   that too.
5. **Push**; if the remote moved meanwhile (another coder pushed), fetch and merge again (a few times).

Nothing here ever resolves a conflict, resets, stashes or force-pushes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from reader.errors import ReaderError, UsageError
from reader.sanitise import safe_line
from reader.store.coders import CODERS_DIR
from reader.store.folder import ARTICLES_DIR, MANIFEST_NAME

if TYPE_CHECKING:
    from reader.workspace import Workspace

PUSH_ATTEMPTS = 5
GIT_TIMEOUT = 600  # seconds: a slow network, never forever
#: what a commit is signed with when the user's git has no name or e-mail (git would refuse to commit)
FALLBACK_EMAIL = "coder@reader.invalid"


class SyncError(ReaderError):
    """Sync stopped (one line: what, where, what to do); the repository is as it was before the step."""


@dataclass
class SyncReport:
    """What a sync did, for the CLI and the app."""

    repository: Path
    branch: str = ""
    remote: str = ""
    committed: list[str] = field(default_factory=list)  # commit ids made here
    merged: list[str] = field(default_factory=list)  # coders whose folders the merge changed
    pushed: bool = False
    codebook_applied: int = 0  # others' codebook operations applied to this coder's annotations
    retagged: int = 0  # annotations they changed
    notices: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # codebook conflicts listed after the sync

    def lines(self) -> list[str]:
        out = [
            f"synced {self.repository} ({self.branch} with {self.remote}): "
            f"{len(self.committed)} commit(s) of yours, "
            + (f"changes of {', '.join(self.merged)} merged" if self.merged else "nothing new from others")
            + (", pushed" if self.pushed else ", not pushed")
        ]
        if self.codebook_applied:
            out.append(
                f"  {self.codebook_applied} codebook change(s) of others applied to your annotations "
                f"({self.retagged} changed)"
            )
        out.extend(f"  note: {n}" for n in self.notices)
        out.extend(f"  codebook conflict {c}" for c in self.conflicts)
        return [safe_line(line, 1000) for line in out]


Progress = Callable[[str], None]


class Git:
    """The user's git, run in the repository ``root``."""

    def __init__(self, root: Path, coder: str) -> None:
        self.root = root
        self.coder = coder
        self._identity: list[str] | None = None

    def __call__(
        self, *args: str, check: bool = True, timeout: float = GIT_TIMEOUT
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
        try:
            done = subprocess.run(
                ["git", *args],
                cwd=self.root,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                env=env,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise SyncError(
                f"git {args[0]} took longer than {timeout:g} s in {self.root}; try again"
            ) from None
        except OSError as e:
            raise SyncError(f"cannot run git ({e.strerror or e}); install git or check PATH") from None
        if check and done.returncode != 0:
            raise SyncError(f"git {' '.join(args[:2])} failed in {self.root}: {_first_line(done)}")
        return done

    def identity(self) -> list[str]:
        """``-c user.name=… -c user.email=…`` for what the user's git does not set (else git refuses)."""
        if self._identity is None:
            extra = []
            if not self("config", "user.name", check=False).stdout.strip():
                extra += ["-c", f"user.name={self.coder}"]
            if not self("config", "user.email", check=False).stdout.strip():
                extra += ["-c", f"user.email={FALLBACK_EMAIL}"]
            self._identity = extra
        return self._identity


def _first_line(done: subprocess.CompletedProcess[str]) -> str:
    text = (done.stderr or done.stdout or "").strip()
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("hint:")]
    return safe_line(lines[0] if lines else f"exit status {done.returncode}", 300)


def find_repository(path: Path) -> Path:
    """The top of the git work tree holding ``path``; SyncError if there is none (or no git)."""
    if shutil.which("git") is None:
        raise SyncError("git is not installed (or not on PATH); reader sync uses your git: install it")
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=path, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SyncError(
            f"{path} is not in a git repository; make the project one (`git init`, commit the articles, "
            "`git remote add origin URL`) or clone the team's (`git clone URL`), then `reader sync`"
        )
    return Path(done.stdout.strip()).resolve()


class Syncer:
    """One ``reader sync`` of a workspace (see the module docstring)."""

    def __init__(self, workspace: Workspace, *, remote: str | None = None, push: bool = True) -> None:
        self.ws = workspace
        self.store = workspace.store
        coder = self.store.coder
        if not coder.explicit:
            raise UsageError(
                f"set your coder name before sharing your work (you code as the login name "
                f"{coder.name!r} until then): `reader config coder NAME`"
            )
        if self.store.read_only:
            raise UsageError(f"{self.store.path}: the database is read-only; sync needs to write it")
        self.root = find_repository(self.store.path)
        self.git = Git(self.root, coder.name)
        self.remote_name = remote
        self.push = push
        self.db = self._relative(self.store.path)

    def _p(self, name: str) -> str:
        """``name`` (relative to the database folder) relative to the repository."""
        return name if self.db == "." else f"{self.db}/{name}"

    def _relative(self, path: Path) -> str:
        try:
            return Path(os.path.relpath(path.resolve(), self.root)).as_posix()
        except ValueError:  # pragma: no cover - another drive (Windows)
            raise SyncError(f"{path} is not inside the repository {self.root}") from None

    # -- the steps

    def run(self, progress: Progress | None = None) -> SyncReport:
        say = progress or (lambda _: None)
        self._check_state()
        branch, remote, upstream = self._branch()
        report = SyncReport(self.root, branch, remote)
        say("committing your changes")
        self._commit(report, "annotations")
        for attempt in range(PUSH_ATTEMPTS):
            say(f"fetching {remote}")
            self.git("fetch", "--quiet", remote)
            remote_exists = (
                self.git("rev-parse", "--verify", "--quiet", upstream, check=False).returncode == 0
            )
            if remote_exists:
                say("merging")
                self._merge(upstream, report)
                caught = self.ws.codebook.catch_up()
                if caught.operations:
                    report.codebook_applied += caught.operations
                    report.retagged += caught.annotations
                    report.notices.extend(caught.notices)
                    self._commit(report, "others' codebook changes applied")
            if not self.push:
                break
            say(f"pushing to {remote}")
            done = self.git("push", "--quiet", remote, f"HEAD:refs/heads/{branch}", check=False)
            if done.returncode == 0:
                report.pushed = True
                if not remote_exists:
                    self.git("branch", "--quiet", f"--set-upstream-to={upstream}", check=False)
                break
            if attempt == PUSH_ATTEMPTS - 1 or "rejected" not in (done.stderr + done.stdout):
                raise SyncError(
                    f"git push to {remote} failed: {_first_line(done)}; your work is committed here, "
                    "run `reader sync` again"
                )
        report.conflicts = [f"{c.key}: {c.describe()}" for c in self.ws.codebook.conflicts()]
        return report

    def _check_state(self) -> None:
        git_dir = Path(self.git("rev-parse", "--absolute-git-dir").stdout.strip())
        for name, what in (
            ("MERGE_HEAD", "a merge"),
            ("rebase-merge", "a rebase"),
            ("rebase-apply", "a rebase"),
            ("CHERRY_PICK_HEAD", "a cherry-pick"),
            ("REVERT_HEAD", "a revert"),
        ):
            if (git_dir / name).exists():
                raise SyncError(
                    f"{self.root}: git is in the middle of {what}; finish or abort it with git first "
                    "(reader sync changes nothing meanwhile)"
                )

    def _branch(self) -> tuple[str, str, str]:
        """(branch, remote, upstream ref) of the current branch."""
        done = self.git("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
        branch = done.stdout.strip()
        if done.returncode != 0 or not branch:
            raise SyncError(f"{self.root}: not on a branch (a detached HEAD); `git switch` to one, then sync")
        remote = self.remote_name
        if remote is None:
            remote = self.git("config", f"branch.{branch}.remote", check=False).stdout.strip()
        if not remote:
            remotes = self.git("remote").stdout.split()
            if not remotes:
                raise SyncError(
                    f"{self.root}: the repository has no remote to share with; add one "
                    "(`git remote add origin URL`: a bare repository on a shared drive, or a hosting "
                    "service over ssh or https), then sync"
                )
            remote = "origin" if "origin" in remotes else remotes[0]
        merge = self.git("config", f"branch.{branch}.merge", check=False).stdout.strip()
        remote_branch = merge.removeprefix("refs/heads/") if merge else branch
        return branch, remote, f"refs/remotes/{remote}/{remote_branch}"

    def _paths(self) -> list[str]:
        """What sync commits: this coder's folder, the manifest, the single-coder folder this coder took."""
        paths = [self._p(self.store.my_folder), self._p(MANIFEST_NAME)]
        legacy = self._p(ARTICLES_DIR)
        tracked = self.git("ls-files", "--", legacy).stdout.strip()
        if tracked or (self.root / legacy).exists():
            paths.append(legacy)
        return [p for p in paths if (self.root / p).exists() or self.git("ls-files", "--", p).stdout.strip()]

    def _commit(self, report: SyncReport, what: str) -> None:
        """Commit this coder's paths only (other staged or changed files stay as they are)."""
        with self.store.locked():
            paths = self._paths()
            if not paths:
                return
            self.git("add", "--all", "--", *paths)
            staged = self.git("diff", "--cached", "--quiet", "--", *paths, check=False)
            if staged.returncode == 0:
                return
            message = f"reader sync: {self.store.coder.name}: {what}"
            self.git(*self.git.identity(), "commit", "--quiet", "--no-verify", "-m", message, "--", *paths)
            report.committed.append(self.git("rev-parse", "--short", "HEAD").stdout.strip())

    def _merge(self, upstream: str, report: SyncReport) -> None:
        """Merge ``upstream`` only if it merges cleanly (checked first without touching anything)."""
        if self.git("merge-base", "--is-ancestor", upstream, "HEAD", check=False).returncode == 0:
            return  # nothing new
        before = self.git("rev-parse", "HEAD").stdout.strip()
        with self.store.locked():
            self._check_clean_merge(upstream)
            message = f"reader sync: {self.store.coder.name}: merge"
            done = self.git(
                *self.git.identity(), "merge", "--no-edit", "--quiet", "-m", message, upstream, check=False
            )
            if done.returncode != 0:
                self._undo_failed_merge(before)
                raise SyncError(
                    f"git could not merge {upstream} here: {_first_line(done)}; nothing was merged (your "
                    "work is committed); commit or move the files it names, then sync again"
                )
        coders = self._p(CODERS_DIR)
        changed = self.git("diff", "--name-only", before, "HEAD", "--", coders).stdout.splitlines()
        depth = len(coders.split("/"))
        folders = sorted({p.split("/")[depth] for p in changed if len(p.split("/")) > depth + 1})
        names = {self.store.coder_folder(name): name for name in self.store.coders()}
        by_folder = {path.name: name for path, name in names.items() if path is not None}
        report.merged.extend(by_folder.get(f, f) for f in folders if f != self.store.coder.folder)

    def _check_clean_merge(self, upstream: str) -> None:
        done = self.git(
            "merge-tree", "--write-tree", "--name-only", "--no-messages", "HEAD", upstream, check=False
        )
        if done.returncode == 0:
            return
        if done.returncode != 1:  # an older git without --write-tree: `git merge` is checked after it
            return
        files = [line for line in done.stdout.splitlines()[1:] if line.strip()]
        raise SyncError(self._conflict_message(upstream, files))

    def _conflict_message(self, upstream: str, files: Sequence[str]) -> str:
        shown = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
        if self._p(MANIFEST_NAME) in files and self._claimed():
            return (
                f"sync stopped: you and another coder both took over the single-coder annotations "
                f"({self._p(ARTICLES_DIR)}) into your own folders ({shown}); nothing was merged. Only the "
                "coder who made them may keep them: the other runs `git reset --hard "
                f"{upstream.removeprefix('refs/remotes/')}` and removes their copy"
            )
        return (
            f"sync stopped: {shown} changed both here and in {upstream.removeprefix('refs/remotes/')} "
            "(each coder should write only their own folder: is the same coder name used in two clones?); "
            "nothing was merged and your work is committed here; resolve it with git (`git merge`), then sync"
        )

    def _claimed(self) -> bool:
        got = self.store.read_file(MANIFEST_NAME)
        return got is not None and b"single_coder_annotations" in got[0]

    def _undo_failed_merge(self, before: str) -> None:
        """An older git's merge that stopped on a conflict: put everything back as it was."""
        git_dir = Path(self.git("rev-parse", "--absolute-git-dir").stdout.strip())
        if (git_dir / "MERGE_HEAD").exists():
            self.git("merge", "--abort", check=False)
        head = self.git("rev-parse", "HEAD").stdout.strip()
        if head != before:  # pragma: no cover - git merges either fully or not at all
            raise SyncError(f"{self.root}: the merge moved HEAD to {head} although it failed; check with git")


def sync(
    workspace: Workspace, *, remote: str | None = None, push: bool = True, progress: Progress | None = None
) -> SyncReport:
    """Commit, fetch, merge (only cleanly), apply others' codebook changes, push: see the module docstring."""
    return Syncer(workspace, remote=remote, push=push).run(progress)


@dataclass(frozen=True)
class SyncState:
    """What the app shows: is this a team project, and how far is it from the remote."""

    shared: bool  # in a git repository with a remote
    changes: int  # files of this coder's not yet committed
    ahead: int  # commits not pushed
    behind: int  # commits fetched but not merged (as of the last fetch)
    problem: str = ""

    def label(self) -> str:
        if not self.shared:
            return ""
        if self.problem:
            return "sync: ?"
        parts = []
        if self.changes:
            parts.append(f"{self.changes} unsynced")
        if self.ahead:
            parts.append(f"↑{self.ahead}")
        if self.behind:
            parts.append(f"↓{self.behind}")
        return "sync: " + (" ".join(parts) if parts else "up to date")


def sync_state(workspace: Workspace) -> SyncState:
    """Cheap (no network): uncommitted files of this coder's, commits ahead and behind the upstream."""
    try:
        root = find_repository(workspace.store.path)
        git = Git(root, workspace.coder)
        if not git("remote").stdout.split():
            return SyncState(False, 0, 0, 0)
        db = Path(os.path.relpath(workspace.store.path.resolve(), root)).as_posix()
        mine = workspace.store.my_folder if db == "." else f"{db}/{workspace.store.my_folder}"
        status = git("status", "--porcelain", "--untracked-files=all", "--", mine, check=False).stdout
        changes = sum(1 for line in status.splitlines() if line.strip())
        counts = git("rev-list", "--left-right", "--count", "HEAD...@{upstream}", check=False)
        ahead = behind = 0
        if counts.returncode == 0 and len(counts.stdout.split()) == 2:
            ahead, behind = (int(n) for n in counts.stdout.split())
        return SyncState(True, changes, ahead, behind)
    except ReaderError as e:
        return SyncState(False, 0, 0, 0, str(e))
