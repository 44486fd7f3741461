"""The merge decisions of every coder: their file format, reading and replay (see :mod:`reader.merging`).

Kept apart from the merge itself: reading the decisions is what every clone does to rebuild the agreed
version (:func:`reader.merging.refresh_agreed`), while making items and deciding is the merge's.
Each coder appends to ``coders/<folder>/decisions.jsonl``; a bad line is reported and the decisions
before it kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from reader.errors import StoreError
from reader.store import Annotation
from reader.store.coders import CODERS_DIR

if TYPE_CHECKING:
    from reader.workspace import Workspace

DECISIONS_FILE = "decisions.jsonl"


@dataclass(frozen=True)
class Decision:
    """One decision of one item (see the module docstring)."""

    id: str
    by: str
    time: str
    lamport: int
    seen: Mapping[str, int]
    item: str
    article_id: str
    fingerprint: str
    choice: str
    coders: tuple[str, ...]
    sources: tuple[tuple[str, str], ...]  # (coder, annotation id) of the item
    annotations: tuple[dict[str, Any], ...]  # the agreed version's records for this item
    note: str = ""
    folder: str = ""
    index: int = 0

    @property
    def order(self) -> tuple[int, str, int]:
        return (self.lamport, self.folder, self.index)

    def describe(self) -> str:
        what = {"identical": "identical codings merged", "all": "everyone's kept", "none": "nothing kept"}
        label = what.get(self.choice) or f"{self.choice.removeprefix('take:')}'s kept"
        return f"{label}, decided by {self.by} ({self.time[:16].replace('T', ' ')})"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "by": self.by,
            "time": self.time,
            "lamport": self.lamport,
            "seen": dict(self.seen),
            "item": self.item,
            "article_id": self.article_id,
            "fingerprint": self.fingerprint,
            "choice": self.choice,
            "coders": list(self.coders),
            "sources": [list(s) for s in self.sources],
            "annotations": list(self.annotations),
            "note": self.note,
        }


def _decision(obj: Any, folder: str, index: int) -> Decision:
    if not isinstance(obj, dict):
        raise ValueError("not an object")
    texts = ("id", "by", "time", "item", "article_id", "fingerprint", "choice", "note")
    if not all(isinstance(obj.get(k, ""), str) for k in texts) or type(obj.get("lamport")) is not int:
        raise ValueError("a field has the wrong type")
    annotations = obj.get("annotations", [])
    if not isinstance(annotations, list) or not all(isinstance(a, dict) for a in annotations):
        raise ValueError("'annotations' must be a list of records")
    for record in annotations:
        Annotation.from_dict(record)  # checks it
    seen = obj.get("seen", {})
    return Decision(
        id=obj["id"],
        by=obj["by"],
        time=obj["time"],
        lamport=obj["lamport"],
        seen=seen if isinstance(seen, dict) else {},
        item=obj["item"],
        article_id=obj["article_id"],
        fingerprint=obj["fingerprint"],
        choice=obj["choice"],
        coders=tuple(str(c) for c in obj.get("coders", [])),
        sources=tuple(
            (str(s[0]), str(s[1])) for s in obj.get("sources", []) if isinstance(s, list) and len(s) == 2
        ),
        annotations=tuple(annotations),
        note=obj.get("note", ""),
        folder=folder,
        index=index,
    )


def _saw(a: Decision, b: Decision) -> bool:
    return a.index > b.index if a.folder == b.folder else a.seen.get(b.folder, 0) > b.index


@dataclass
class Decisions:
    """Every coder's decisions, replayed: the one in force per item, and the disputed items."""

    by_folder: dict[str, list[Decision]]
    problems: list[str]
    current: dict[str, Decision] = field(default_factory=dict)
    disputed: dict[str, list[Decision]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        ordered = sorted((d for ds in self.by_folder.values() for d in ds), key=lambda d: d.order)
        latest: dict[str, list[Decision]] = {}
        for d in ordered:
            # the decisions of this item that d's author had not seen, and that differ from d, stay with it
            kept = [o for o in latest.get(d.item, []) if not _saw(d, o) and o.choice != d.choice]
            latest[d.item] = [*kept, d]
            self.current[d.item] = d
        self.disputed = {item: ds for item, ds in latest.items() if len(ds) > 1}


def read_decisions(ws: Workspace) -> Decisions:
    """Every coder's decisions file (a bad line is reported, the decisions before it kept)."""
    store = ws.store
    by_folder: dict[str, list[Decision]] = {}
    problems: list[str] = []
    try:
        folders = sorted(p.name for p in (store.path / CODERS_DIR).iterdir() if p.is_dir())
    except OSError:
        folders = []
    for folder in folders:
        name = f"{CODERS_DIR}/{folder}/{DECISIONS_FILE}"
        try:
            got = store.read_file(name)
        except StoreError as e:
            problems.append(str(e))
            continue
        if got is None:
            continue
        decisions: list[Decision] = []
        for n, line in enumerate(got[0].split(b"\n")):
            if not line.strip():
                continue
            try:
                decisions.append(_decision(orjson.loads(line), folder, len(decisions)))
            except (ValueError, TypeError) as e:
                problems.append(
                    f"{store.path / name}: line {n + 1} is not a merge decision ({e}); later ones left out"
                )
                break
        by_folder[folder] = decisions
    return Decisions(by_folder, problems)


def decisions_version(ws: Workspace) -> list[Any]:
    """What the agreed version is made from (every decisions file's signature)."""
    store = ws.store
    try:
        folders = sorted(p.name for p in (store.path / CODERS_DIR).iterdir() if p.is_dir())
    except OSError:
        folders = []
    return [[f, store.file_version(f"{CODERS_DIR}/{f}/{DECISIONS_FILE}")] for f in folders]
