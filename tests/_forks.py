"""Recording the processes a test's code forks (``reader.heads``, ``reader.search.shared``)."""

from __future__ import annotations

import os
from types import ModuleType

import pytest


def record_forks(monkeypatch: pytest.MonkeyPatch, module: ModuleType) -> list[int]:
    """The pids of the children ``module`` forks (through its ``os.fork``) from now on, in order."""
    forked: list[int] = []
    real_fork = os.fork

    def fork() -> int:
        pid = real_fork()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(module.os, "fork", fork)
    return forked
