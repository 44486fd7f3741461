"""The codebook as a log of operations, one file per coder, replayed in one order everywhere.

Why. In a team's project (``reader sync``) every coder changes the codebook in their own clone. A shared
``codebook.json`` edited by two clones is a text conflict for git; so each coder appends their
operations to their own file, ``coders/<folder>/codebook.jsonl``, and every clone replays all the files
in the same order. Two coders never write the same file, so git merges without a conflict, and every
clone that has the same files computes the same codebook.

An operation (one JSON line)::

    {"id": "<uuid4>", "op": "rename", "by": "Ann", "time": "2026-12-01T10:00:00+00:00",
     "lamport": 7, "seen": {"bob": 3}, "tag": "来源", "target": "信源"}

``op`` is one of ``create`` (tag, color, description), ``color`` (tag, color), ``describe`` (tag,
description), ``rename`` / ``merge`` (tag -> target, its sub-tags too), ``delete`` (tag and sub-tags),
``undo`` (``of``: an operation of the same coder, which is then skipped) and ``settle`` (``ops``: the two
operations of a conflict the team has decided; ``choice``: what was kept).

**The order.** ``lamport`` is one more than the largest ``lamport`` its author had seen, so an operation
always comes after everything its author knew of; ties are broken by the author's folder name and the
operation's place in its file. ``seen`` counts, per other coder, how many of their operations the author
had when they made it: two operations are *concurrent* when neither author had seen the other's.

**The rule.** Operations are replayed in that order over the single-coder ``codebook.json`` (kept as the
starting point, never written again). A rename or merge moves the tag's colour and description (an
existing target keeps its own where it has them); a delete drops them. An operation on a tag that a
*concurrent* rename, merge or delete (earlier in the order) moved is applied where the tag went (Ann
colours 来源 while Bob renames 来源 to 信源: 信源 gets the colour, in every order).

**Conflicts.** Two concurrent operations of two coders conflict when their order matters although the rule
above is applied: (1) two renames, merges or deletes whose tags overlap (the same tag, or one inside the
other), unless they are the same operation (both renamed 来源 to 信源); (2) two settings of the same colour
or description of the same tag to different values. Each conflict is listed with both operations, who made
them and when (``reader tags conflicts``, the codebook screen, ``reader sync``), until someone settles it
(``reader tags settle KEY [--keep VALUE]``): keeping one value writes the operations that make every clone
agree on it (for a rename/rename conflict, a merge of the other name into the kept one) and a ``settle``.
Nothing is resolved silently: meanwhile the replay's result (the later operation applied after the earlier)
is what everyone sees, and the conflict stays listed.

**Annotations.** Tags live on annotations, and each coder writes only their own. An operation is applied to
its author's annotations when it is made; others' operations are applied to mine when I sync (and when the
app starts, :meth:`reader.codebook.Codebook.catch_up`), in the order above, and ``applied.json`` in my
folder records how many of each coder's operations my annotations have had.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import orjson

from reader.tags import under

OPS_FILE = "codebook.jsonl"
APPLIED_FILE = "applied.json"
KINDS = frozenset({"create", "color", "describe", "rename", "merge", "delete", "undo", "settle"})
STRUCTURAL = frozenset({"rename", "merge", "delete"})
ATTRIBUTE_KINDS = frozenset({"create", "color", "describe"})

Meta = dict[str, dict[str, str]]


@dataclass(frozen=True)
class CodebookOp:
    """One codebook operation (see the module docstring); ``folder`` and ``index`` say where it is read."""

    id: str
    kind: str
    by: str
    time: str
    lamport: int
    seen: Mapping[str, int] = field(default_factory=dict)
    tag: str = ""
    target: str = ""
    color: str | None = None
    description: str | None = None
    of: str = ""
    ops: tuple[str, ...] = ()
    choice: str = ""
    folder: str = ""
    index: int = 0

    @property
    def order(self) -> tuple[int, str, int]:
        return (self.lamport, self.folder, self.index)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "op": self.kind, "by": self.by, "time": self.time}
        out["lamport"] = self.lamport
        out["seen"] = dict(self.seen)
        for key in ("tag", "target", "of", "choice"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        for key in ("color", "description"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.ops:
            out["ops"] = list(self.ops)
        return out

    def line(self) -> bytes:
        return orjson.dumps(self.to_json(), option=orjson.OPT_APPEND_NEWLINE)

    def image(self, tag: str) -> str | None:
        """What a structural operation makes of ``tag``: renamed, None (deleted), or unchanged."""
        if self.kind not in STRUCTURAL or not under(tag, self.tag):
            return tag
        if self.kind == "delete":
            return None
        return self.target + tag[len(self.tag) :]

    def names(self) -> tuple[str, ...]:
        """The tags a structural operation touches (its tag and its target)."""
        return (self.tag, self.target) if self.target else (self.tag,)

    def sets(self, attribute: str) -> str | None:
        """The value this operation gives the tag's ``attribute`` ("color" / "description"), if any."""
        if self.kind == "create":
            value = getattr(self, attribute)
            return value or None
        if (self.kind, attribute) in (("color", "color"), ("describe", "description")):
            return getattr(self, attribute) or ""
        return None

    def describe(self) -> str:
        """One line: who did what, when."""
        when = self.time[:16].replace("T", " ")
        what = {
            "create": f"created {self.tag}",
            "color": f"coloured {self.tag} {self.color or '(none)'}",
            "describe": f"described {self.tag} as {self.description!r}",
            "rename": f"renamed {self.tag} to {self.target}",
            "merge": f"merged {self.tag} into {self.target}",
            "delete": f"deleted {self.tag}",
            "undo": "undid a change",
            "settle": f"settled a conflict ({self.choice or 'as it stands'})",
        }[self.kind]
        return f"{self.by} {what} ({when})"


def _text(obj: dict[str, Any], key: str, default: str = "") -> str:
    value = obj.get(key, default)
    if not isinstance(value, str):
        raise ValueError(f"{key!r} must be a string")
    return value


def decode(obj: Any, folder: str, index: int) -> CodebookOp:
    """An operation from its JSON object; ValueError if it is not one."""
    if not isinstance(obj, dict):
        raise ValueError("not an object")
    kind = obj.get("op")
    if kind not in KINDS:
        raise ValueError(f"unknown operation {kind!r}")
    lamport, seen = obj.get("lamport"), obj.get("seen", {})
    if type(lamport) is not int or lamport < 1:
        raise ValueError("'lamport' must be a positive integer")
    if not isinstance(seen, dict) or not all(isinstance(k, str) and type(v) is int for k, v in seen.items()):
        raise ValueError("'seen' must map folders to counts")
    ops = obj.get("ops", [])
    if not isinstance(ops, list) or not all(isinstance(o, str) for o in ops):
        raise ValueError("'ops' must be a list of ids")
    op = CodebookOp(
        id=_text(obj, "id"),
        kind=kind,
        by=_text(obj, "by"),
        time=_text(obj, "time"),
        lamport=lamport,
        seen=dict(seen),
        tag=_text(obj, "tag"),
        target=_text(obj, "target"),
        color=obj["color"] if isinstance(obj.get("color"), str) else None,
        description=obj["description"] if isinstance(obj.get("description"), str) else None,
        of=_text(obj, "of"),
        ops=tuple(ops),
        choice=_text(obj, "choice"),
        folder=folder,
        index=index,
    )
    if not op.id:
        raise ValueError("an operation needs an id")
    if kind not in ("undo", "settle") and not op.tag:
        raise ValueError(f"a {kind} needs a tag")
    if kind in ("rename", "merge") and not op.target:
        raise ValueError(f"a {kind} needs a target")
    return op


def parse_ops(path: Path, data: bytes, folder: str) -> tuple[list[CodebookOp], str | None]:
    """The operations of one coder's file, and a one-line problem if a line is bad (the operations
    before it are kept: the file is written whole and atomically, so a bad line is damage, not a crash)."""
    ops: list[CodebookOp] = []
    for n, line in enumerate(data.split(b"\n")):
        if not line.strip():
            continue
        try:
            ops.append(decode(orjson.loads(line), folder, len(ops)))
        except ValueError as e:  # orjson.JSONDecodeError is a ValueError
            problem = (
                f"{path}: line {n + 1} is not a codebook operation ({e}); the operations after it are "
                "left out; restore the file from git or a backup"
            )
            return ops, " ".join(problem.split())
    return ops, None


def saw(a: CodebookOp, b: CodebookOp) -> bool:
    """``a``'s author had ``b`` when making ``a``."""
    if a.folder == b.folder:
        return a.index > b.index
    return a.seen.get(b.folder, 0) > b.index


def concurrent(a: CodebookOp, b: CodebookOp) -> bool:
    return a.folder != b.folder and not saw(a, b) and not saw(b, a)


def new_op(
    kind: str, by: str, time: str, by_folder: Mapping[str, list[CodebookOp]], mine: str, **fields: Any
) -> CodebookOp:
    """A new operation of the coder whose folder is ``mine``, after everything in ``by_folder``."""
    lamport = 1 + max((op.lamport for ops in by_folder.values() for op in ops), default=0)
    seen = {folder: len(ops) for folder, ops in by_folder.items() if folder != mine and ops}
    index = len(by_folder.get(mine, []))
    return CodebookOp(str(uuid.uuid4()), kind, by, time, lamport, seen, folder=mine, index=index, **fields)


# ------------------------------------------------------------------------------------------ conflicts


@dataclass(frozen=True)
class Conflict:
    """Two concurrent operations whose order matters (see the module docstring)."""

    key: str  # 8 hex digits, the same in every clone
    kind: str  # "structural" | "color" | "description"
    first: CodebookOp  # earlier in the order
    second: CodebookOp

    def describe(self) -> str:
        return f"{self.first.describe()}, while {self.second.describe()}"

    def choices(self) -> list[str]:
        """What ``settle --keep`` can keep: two targets, or two values; [] when it must be fixed by hand."""
        a, b = self.first, self.second
        if self.kind == "structural":
            if a.kind in ("rename", "merge") and b.kind in ("rename", "merge") and a.tag == b.tag:
                return [a.target, b.target]
            return []
        return [a.sets(self.kind) or "", b.sets(self.kind) or ""]


def _conflict_kind(a: CodebookOp, b: CodebookOp) -> str | None:
    if a.kind in STRUCTURAL and b.kind in STRUCTURAL:
        if (a.kind, a.tag, a.target) == (b.kind, b.tag, b.target):
            return None
        overlap = any(under(x, y) or under(y, x) for x in a.names() for y in b.names())
        return "structural" if overlap else None
    if a.kind in ATTRIBUTE_KINDS and b.kind in ATTRIBUTE_KINDS and a.tag == b.tag:
        for attribute in ("color", "description"):
            va, vb = a.sets(attribute), b.sets(attribute)
            if va is not None and vb is not None and va != vb:
                return attribute
    return None


def _roots(op: CodebookOp) -> set[str]:
    return {name.split("/", 1)[0] for name in (op.tag, op.target) if name}


def find_conflicts(ordered: list[CodebookOp], skipped: set[str]) -> list[Conflict]:
    """Every unsettled conflict among ``ordered`` (the total order), first by the order of its first."""
    settled = {frozenset(op.ops) for op in ordered if op.kind == "settle" and op.id not in skipped}
    buckets: dict[str, list[CodebookOp]] = defaultdict(list)
    for op in ordered:
        if op.id in skipped or op.kind in ("undo", "settle"):
            continue
        for root in _roots(op):  # overlapping tags share their first part: compare within a bucket
            buckets[root].append(op)
    found: dict[frozenset[str], Conflict] = {}
    for ops in buckets.values():
        for i, a in enumerate(ops):
            for b in ops[i + 1 :]:
                pair = frozenset((a.id, b.id))
                if pair in found or pair in settled or not concurrent(a, b):
                    continue
                kind = _conflict_kind(a, b)
                if kind is not None:
                    key = hashlib.sha1("\n".join(sorted(pair)).encode(), usedforsecurity=False).hexdigest()[
                        :8
                    ]
                    found[pair] = Conflict(key, kind, a, b)
    return sorted(found.values(), key=lambda c: (c.first.order, c.second.order))


# --------------------------------------------------------------------------------------------- replay


@dataclass
class Replay:
    """The codebook every clone with the same files computes."""

    meta: Meta
    ordered: list[CodebookOp]  # every operation, in the order
    by_folder: dict[str, list[CodebookOp]]
    skipped: set[str]  # undone operations and the undos themselves
    conflicts: list[Conflict]

    def find(self, key: str) -> Conflict | None:
        key = key.strip().lower()
        return next((c for c in self.conflicts if c.key == key), None)


def _move(meta: Meta, op: CodebookOp) -> None:
    """A structural operation on the metadata: entries under the tag move (or go)."""
    for name in sorted(n for n in meta if under(n, op.tag)):
        entry = meta.pop(name)
        image = op.image(name)
        if image is None:
            continue
        mine = meta.get(image, {"color": "", "description": ""})
        meta[image] = {k: mine.get(k) or entry.get(k, "") for k in ("color", "description")}


def _retarget(op: CodebookOp, structural: list[CodebookOp]) -> CodebookOp | None:
    """An attribute operation moved by the concurrent structural operations before it (None: deleted)."""
    tag: str | None = op.tag
    for s in structural:
        if tag is None:
            return None
        if concurrent(op, s):
            tag = s.image(tag)
    if tag is None:
        return None
    return op if tag == op.tag else replace(op, tag=tag)


def _set(meta: Meta, op: CodebookOp) -> None:
    entry = dict(meta.get(op.tag, {"color": "", "description": ""}))
    for attribute in ("color", "description"):
        value = op.sets(attribute)
        if value is not None:
            entry[attribute] = value
    meta[op.tag] = entry


def replay(baseline: Meta, by_folder: Mapping[str, list[CodebookOp]]) -> Replay:
    """Every folder's operations over ``baseline`` in the order (see the module docstring)."""
    ordered = sorted((op for ops in by_folder.values() for op in ops), key=lambda op: op.order)
    skipped = {op.of for op in ordered if op.kind == "undo"} | {op.id for op in ordered if op.kind == "undo"}
    meta: Meta = {name: dict(entry) for name, entry in baseline.items()}
    structural: list[CodebookOp] = []
    for op in ordered:
        if op.id in skipped or op.kind == "settle":
            continue
        if op.kind in STRUCTURAL:
            _move(meta, op)
            structural.append(op)
            continue
        moved = _retarget(op, structural)
        if moved is not None:
            _set(meta, moved)
    return Replay(meta, ordered, dict(by_folder), skipped, find_conflicts(ordered, skipped))


# --------------------------------------------------------------------------- applying to annotations


@dataclass
class Pending:
    """Others' operations not yet applied to a coder's annotations, and how to apply them."""

    ops: list[CodebookOp]  # structural operations to apply, in the order (inverses of undone renames too)
    applied: dict[str, int]  # the new applied counts per folder, once these are applied
    notices: list[str]  # what could not be undone in these annotations


def pending_for(mine: str, applied: Mapping[str, int], state: Replay) -> Pending:
    """What of other coders' operations the annotations of folder ``mine`` still need."""
    new_ids = {
        op.id
        for folder, ops in state.by_folder.items()
        if folder != mine
        for op in ops[applied.get(folder, 0) :]
    }
    out: list[CodebookOp] = []
    notices: list[str] = []
    undone_now = {op.of for op in state.ordered if op.kind == "undo" and op.id in new_ids}
    by_id = {op.id: op for op in state.ordered}
    for op in state.ordered:
        if op.id not in new_ids:
            continue
        if op.kind in STRUCTURAL and op.id not in undone_now:
            out.append(op)
        elif op.kind == "undo" and op.of not in new_ids:  # it undoes what these annotations already had
            target = by_id.get(op.of)
            if target is None or target.kind not in STRUCTURAL:
                continue
            if target.kind == "rename":
                out.append(replace(op, kind="rename", tag=target.target, target=target.tag))
            else:
                notices.append(f"{op.by} undid a {target.kind} of {target.tag}, which cannot be undone here")
    counts = {folder: len(ops) for folder, ops in state.by_folder.items() if folder != mine}
    return Pending(out, counts, notices)


def tag_mapping(ops: Iterable[CodebookOp], names: Iterable[str]) -> dict[str, str | None]:
    """Each of ``names`` after the structural ``ops`` in turn (only those that change)."""
    current: dict[str, str | None] = {name: name for name in names}
    for op in ops:
        for name, now in current.items():
            if now is not None:
                current[name] = op.image(now)
    return {name: now for name, now in current.items() if now != name}


def read_applied(data: bytes | None) -> dict[str, int]:
    if not data:
        return {}
    try:
        obj = orjson.loads(data).get("applied", {})
    except (orjson.JSONDecodeError, AttributeError):
        return {}
    if not isinstance(obj, dict):
        return {}
    return {k: v for k, v in obj.items() if isinstance(k, str) and type(v) is int and v >= 0}


def applied_payload(applied: Mapping[str, int]) -> bytes:
    return orjson.dumps({"applied": dict(sorted(applied.items()))}, option=orjson.OPT_INDENT_2)
