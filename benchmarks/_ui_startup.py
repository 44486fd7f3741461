"""Start-up to a painted screen in a real terminal, measured from outside (used by bench_ui.py).

Each app is started in a new window of a tmux server of our own (``-L``, no user configuration), 120×40.
One tmux client in control mode (``tmux -C``) receives the pane's output as it arrives (``%output``); after
each piece of output it asks for the pane's contents (``capture-pane``), and the start-up time is from the
command that opened the window until the output after which the pane first shows the whole painted
screen (every "needle" text on it: the last list row and a footer key). No hook inside either app: what
is timed is what a user would see. The apps are alternated, so both see the same load on the machine.
"""

from __future__ import annotations

import os
import select
import shlex
import subprocess
import time
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

WIDTH, HEIGHT = 120, 40

#: the reference: a bare Textual app, a five-row ListView and a Footer with one key
BARE_APP = """
from textual.app import App
from textual.binding import Binding
from textual.widgets import Footer, Label, ListItem, ListView


class Bare(App):
    BINDINGS = [Binding("q", "quit", "Quit")]

    def compose(self):
        yield ListView(*(ListItem(Label(f"第{n}篇文章的标题")) for n in range(5)))
        yield Footer()


Bare().run()
"""
BARE_NEEDLES = ("第4篇文章的标题", "Quit")


class TmuxTimer:
    """A tmux server with one control-mode client, timing commands until their pane shows some texts."""

    def __init__(self, env: dict[str, str]) -> None:
        self.socket = f"bench-ui-{uuid.uuid4().hex[:10]}"
        self._buffer = b""
        self._count = 0
        self._pending: deque[str] = deque()  # our commands whose replies have not come yet
        self._run(
            "-f", "/dev/null", "new-session", "-d", "-s", "base", "-x", str(WIDTH), "-y", str(HEIGHT), env=env
        )
        self._client = subprocess.Popen(
            ["tmux", "-L", self.socket, "-C", "attach", "-t", "base"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
        )

    def _run(self, *args: str, env: dict[str, str] | None = None) -> None:
        subprocess.run(
            ["tmux", "-L", self.socket, *args], check=True, env=env, capture_output=True, timeout=10
        )

    def close(self) -> None:
        try:
            self._client.stdin.close()  # type: ignore[union-attr]
            self._client.wait(timeout=5)
        finally:
            subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10)

    def _send(self, command: str) -> None:
        self._pending.append(command)
        self._client.stdin.write((command + "\n").encode())  # type: ignore[union-attr]

    def _read_line(self, deadline: float) -> tuple[float, str]:
        stdout = self._client.stdout
        assert stdout is not None
        while b"\n" not in self._buffer:
            ready, _, _ = select.select([stdout], [], [], max(0.0, deadline - time.perf_counter()))
            if not ready:
                raise TimeoutError("the pane never showed the painted screen")
            data = os.read(stdout.fileno(), 1 << 20)
            if not data:
                raise EOFError("the tmux client ended")
            self._buffer += data
        line, self._buffer = self._buffer.split(b"\n", 1)
        return time.perf_counter(), line.decode("utf-8", "replace")

    def _events(self, deadline: float) -> Iterator[tuple[float, str, str | list[str]]]:
        """("output", pane) for each piece of pane output; ("reply", command) with the reply's lines."""
        reply: list[str] | None = None
        while True:
            arrived, line = self._read_line(deadline)
            if reply is not None:
                if line.startswith(("%end ", "%error ")) and line.endswith(" 1"):
                    command = self._pending.popleft()
                    yield arrived, command, reply if line.startswith("%end") else ["%error", *reply]
                    reply = None
                else:
                    reply.append(line)
            elif line.startswith("%begin ") and line.endswith(" 1"):  # a reply to one of our commands
                reply = []
            elif line.startswith("%output "):
                yield arrived, "%output", [line.split(" ", 2)[1]]

    def time_until_painted(
        self,
        command: Sequence[str],
        needles: Sequence[str],
        env: dict[str, str],
        timeout: float = 60,
        refuse: Sequence[str] = (),
    ) -> Startup:
        """From opening a window running `command` until its pane shows every one of `needles`; a pane
        showing any of `refuse` (a dialog over the screen being timed) stops the run with an error."""
        self._count += 1
        name = f"run{self._count}"
        exports = " ".join(f"-e {shlex.quote(f'{key}={value}')}" for key, value in env.items())
        shell = shlex.quote(shlex.join(command))
        started = time.perf_counter()
        self._send(f"new-window -d -P -F 'PANE #{{pane_id}} #{{pane_pid}}' -n {name} {exports} {shell}")
        pane, pid, last_output = None, 0, started
        for arrived, what, lines in self._events(started + timeout):
            if what == "%output":
                if lines[0] == pane:
                    last_output = arrived
                    self._send(f"capture-pane -p -t {pane}")
            elif what.startswith("new-window") and lines and lines[0].startswith("PANE "):
                _, pane, number = lines[0].split()
                pid = int(number)
            elif what == f"capture-pane -p -t {pane}":
                screen = "\n".join(lines)
                if any(text in screen for text in refuse):
                    self._close_window(name, pid)
                    raise RuntimeError(f"{command[0]} showed {refuse} instead of the painted screen")
                if not all(needle in screen for needle in needles):
                    continue
                cpu = _cpu_seconds(pid)
                self._close_window(name, pid)
                return Startup(last_output - started, cpu)
        raise AssertionError("unreachable")

    def _close_window(self, name: str, pid: int) -> None:
        """Kill the window and wait until its process has gone (it must not compete with the next run)."""
        self._send(f"kill-window -t :{name}")
        deadline = time.perf_counter() + 10
        while Path(f"/proc/{pid}").exists() and "zombie" not in _state(pid):
            if time.perf_counter() > deadline:
                raise TimeoutError(f"process {pid} did not end after its window was killed")
            time.sleep(0.01)


class Startup(NamedTuple):
    wall: float
    """seconds until the pane showed the painted screen"""
    cpu: float
    """CPU seconds the app had used by then (all its threads; less sensitive to other load than `wall`)"""


def _cpu_seconds(pid: int) -> float:
    """CPU time of every thread of `pid` so far (/proc/PID/task/*/schedstat: nanoseconds on a CPU)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            total += int(task.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return total / 1e9


def _state(pid: int) -> str:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return "zombie"
    return next((line for line in status.splitlines() if line.startswith("State:")), "").lower()


def bare_command(workdir: Path, python: str) -> list[str]:
    script = workdir / "bare_app.py"
    script.write_text(BARE_APP, encoding="utf-8")
    return [python, str(script)]
