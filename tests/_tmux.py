"""One real terminal for the tmux tests: a detached tmux session on its own, isolated server.

Keys go in with ``send-keys`` and the screen is read back with ``capture-pane -p`` (GUIDE.md §7).

The server is fully specified so that the test sees the same terminal wherever pytest runs (a plain
shell, a tmux pane, CI): its own socket (never the user's server), no configuration file (``-f
/dev/null``), UTF-8 (``-u``), a fixed ``default-terminal``, and an environment cleaned of the caller's
terminal. The server copies its first client's environment into every pane, and that environment is
not only ``os.environ``: pytest imports ``readline`` (``_pytest.capture._readline_workaround``) and GNU
readline exports ``COLUMNS``/``LINES`` with the size of the terminal pytest runs in, at C level, so
``os.environ`` does not show them but a child inherits them. Textual sizes the screen with
``shutil.get_terminal_size()``, which prefers those variables: the reader drew a 200×50 screen into the
80×24 pane (the seventh session's "half-drawn screen" when pytest ran inside a tmux pane). Every tmux
command therefore runs with an explicit environment (``env=``) and no terminal on standard input (a
client with a terminal hands it to the server).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

WIDTH, HEIGHT = 120, 36
TIMEOUT = 15.0
PANE_TERM = "tmux-256color"

# what describes the caller's terminal, not the one the test makes: never passed on to the server
_CALLERS_TERMINAL = frozenset(
    {"TMUX", "TMUX_PANE", "COLUMNS", "LINES", "TERM_PROGRAM", "TERM_PROGRAM_VERSION", "COLORTERM"}
)


def isolated_environment() -> dict[str, str]:
    """The environment for every tmux command: the caller's, less what describes the caller's terminal."""
    env = {key: value for key, value in os.environ.items() if key not in _CALLERS_TERMINAL}
    env["TERM"] = PANE_TERM
    return env


class Tmux:
    """One detached tmux session on its own server socket (never the user's tmux server)."""

    def __init__(self, width: int = WIDTH, height: int = HEIGHT, timeout: float = TIMEOUT) -> None:
        unique = uuid.uuid4().hex[:12]
        self.socket, self.session = f"reader-test-{unique}", f"reader-{unique}"
        self.width, self.height, self.timeout = width, height, timeout
        self._env = isolated_environment()

    def run(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(
            ["tmux", "-u", "-L", self.socket, *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=self._env,
            timeout=10,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def start(self, command: str) -> None:
        """Start `command` in a new server; remain-on-exit keeps a crashed app's last screen readable."""
        size = ["-x", str(self.width), "-y", str(self.height)]
        terminal = ["set-option", "-g", "default-terminal", PANE_TERM, ";"]  # the panes' TERM
        self.run("-f", "/dev/null", *terminal, "new-session", "-d", "-s", self.session, *size, command)
        self.run("set-option", "-t", self.session, "remain-on-exit", "on", check=False)

    def start_reader(
        self, reader: Path, cwd: Path, env: Mapping[str, str], exit_status: Path | None = None
    ) -> None:
        """Start the real `reader` in `cwd` with `env` added to the pane's environment.

        The app draws on stderr: neither stdout nor stderr is redirected. With `exit_status` the shell
        writes the app's exit status there (tmux 3.3 does not always set #{pane_dead_status}).
        """
        assignments = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())
        command = f"cd {shlex.quote(str(cwd))} && {assignments} {shlex.quote(str(reader))}"
        if exit_status is not None:
            command += f"; echo $? > {shlex.quote(str(exit_status))}"
        self.start(command)

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.session, *keys)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", self.session, "-l", text)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.session)

    def display(self, fmt: str) -> str:
        return self.run("display-message", "-p", "-t", self.session, fmt).strip()

    def wait(self, what: str, predicate: Callable[[str], bool], timeout: float | None = None) -> str:
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            if self.display("#{pane_dead}") == "1":
                screen = self.screen()
                if predicate(screen):
                    return screen
                break
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; the screen was:\n{screen}")

    def kill(self) -> None:
        """Stop this test's server and remove its socket file (tmux 3.3 leaves it in /tmp/tmux-UID)."""
        socket_path = self.run("display-message", "-p", "#{socket_path}", check=False).strip()
        self.run("kill-server", check=False)
        if socket_path.endswith(self.socket):
            Path(socket_path).unlink(missing_ok=True)
