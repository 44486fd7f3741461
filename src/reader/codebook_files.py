"""The codebook's files, read and replayed: the single-coder ``codebook.json`` (where the replay starts)
and each coder's operations file (:mod:`reader.codebook_log`).

Kept apart from :class:`reader.codebook.Codebook`, which changes tags: the replay is cached by the files'
signatures (a stat each), so that a colour asked for on every repaint reads nothing, and a damaged file
costs only what it holds (colours and descriptions), never this coder's own file (it is never overwritten).
"""

from __future__ import annotations

from typing import Any

import orjson

from reader.codebook_log import OPS_FILE, CodebookOp, Replay, parse_ops, replay
from reader.errors import StoreError
from reader.store import AnnotationStore
from reader.store.coders import CODERS_DIR

CODEBOOK_NAME = "codebook.json"

Meta = dict[str, dict[str, str]]


class CodebookFiles:
    """Every coder's codebook operations replayed over the single-coder codebook, re-read when one changed."""

    def __init__(self, store: AnnotationStore) -> None:
        self.store = store
        self.path = store.path / CODEBOOK_NAME  # the single-coder codebook: where the replay starts
        self.problem: str | None = None  # why a codebook file cannot be read, if one cannot
        self.raw: dict[str, bytes] = {}  # folder -> its operations file as read
        self.my_problem: str | None = None  # why this coder's own operations file cannot be read
        self._state: Replay = replay({}, {})
        self._version: Any = None

    @property
    def my_file(self) -> str:
        """This coder's operations file, relative to the database folder."""
        return f"{self.store.my_folder}/{OPS_FILE}"

    def state(self) -> Replay:
        """The replay of every coder's operations (cached while no file changed)."""
        try:
            files = self._files()
            version = tuple((name, self.store.file_version(name)) for name in files)
        except StoreError as e:
            self.problem = str(e)
            return self._state
        if version != self._version:
            self._state, self.problem = self._replay(files)
            self._version = version
        return self._state

    def _files(self) -> list[str]:
        """The codebook files of the database folder: the single-coder codebook, each coder's operations."""
        names = [CODEBOOK_NAME]
        try:
            folders = sorted(p.name for p in (self.store.path / CODERS_DIR).iterdir() if p.is_dir())
        except FileNotFoundError:
            folders = []
        except OSError as e:
            raise StoreError(f"{self.store.path / CODERS_DIR}: cannot list ({e.strerror or e})") from e
        return names + [f"{CODERS_DIR}/{folder}/{OPS_FILE}" for folder in folders]

    def _replay(self, files: list[str]) -> tuple[Replay, str | None]:
        problems = []
        baseline, problem = self._read_meta()
        if problem:
            problems.append(problem)
        by_folder: dict[str, list[CodebookOp]] = {}
        self.raw, self.my_problem = {}, None
        for name in files[1:]:
            folder = name.split("/")[1]
            try:
                got = self.store.read_file(name)
            except StoreError as e:
                problems.append(str(e))
                continue
            if got is None:
                continue
            self.raw[folder] = got[0]
            ops, problem = parse_ops(self.store.path / name, got[0], folder)
            by_folder[folder] = ops
            if problem:
                problems.append(problem)
                if name == self.my_file:
                    self.my_problem = problem
        return replay(baseline, by_folder), (problems[0] if problems else None)

    def _read_meta(self) -> tuple[Meta, str | None]:
        try:
            got = self.store.read_file(CODEBOOK_NAME)
            data = orjson.loads(got[0]) if got is not None else {"tags": {}}
            meta: Meta = {}
            for name, m in data["tags"].items():
                if not isinstance(name, str) or not isinstance(m, dict):
                    raise TypeError(f"entry {name!r} is not an object")
                meta[name] = {"color": str(m.get("color", "")), "description": str(m.get("description", ""))}
            return meta, None
        except StoreError as e:
            return {}, str(e)
        except (ValueError, TypeError, KeyError, AttributeError) as e:
            message = " ".join(
                f"{self.path}: not a valid codebook ({e}); tag colours and descriptions are "
                "not shown; move it aside or restore it from a backup".split()
            )
            return {}, message
