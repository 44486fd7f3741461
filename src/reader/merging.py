"""``reader merge``: the team's agreed version, made from several coders' annotations one decision at a time.

**Items.** In each article, the chosen coders' annotations that overlap (directly or through a chain) form
one *item*: the passage the team must agree on. An item whose coders (every chosen coder who annotated the
article or marked it coded) each made exactly one annotation, all with the same range and tags, is
*identical*: ``reader merge`` merges it at once. Every other item is a *difference* the team decides: one
coder's annotations (``take:<coder>``), all of them, or none. An item's key (8 hex digits) is the same in
every clone: it is made from the article and the annotations' ids.

**Decisions.** Each decision is appended to the deciding coder's own ``coders/<folder>/decisions.jsonl``
(so two coders deciding at once never conflict in git), with who decided, when, from which coders'
annotations (their ids), the annotations the agreed version gets (whole, so that later edits by a coder do
not change what was agreed) and a fingerprint of the item's annotations: if a coder changes them later,
the item is listed again as changed since it was decided. Decisions of all coders are replayed in one order
(a Lamport clock, as the codebook's operations: :mod:`reader.codebook_log`); the latest decision of an
item wins; two concurrent decisions of one item that differ are listed until someone decides it again
(:mod:`reader.merge_decisions` reads and replays them).

**The agreed version** is a read-only coder named ``agreed`` (:data:`reader.store.coders.AGREED`), made
from the decisions in every clone alike: it is written to ``local/agreed/`` (a cache, never shared: the
decisions are what travels) whenever the decisions change, and the store reads it like any coder's folder,
so the app shows it, export exports it (``--coders agreed``) and agreement can compare with it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import orjson

from reader.errors import ArticleError, UsageError
from reader.merge_decisions import DECISIONS_FILE, Decision, Decisions, decisions_version, read_decisions
from reader.store import Annotation, now_iso
from reader.store.coders import AGREED
from reader.team import CodedMarks, working_coders

if TYPE_CHECKING:
    from reader.workspace import Workspace

CHOICES = ("identical", "all", "none")  # and "take:<coder>"
_AGREED_NAMESPACE = uuid.UUID("6f1d2c36-9c1e-4a55-9a3a-0c6d2b7e4f01")


@dataclass
class Item:
    """Overlapping annotations of the chosen coders in one article."""

    article_id: str
    key: str
    start: int
    end: int
    coders: tuple[str, ...]  # who is compared in this article
    members: list[tuple[str, Annotation]]  # (coder, annotation), in document order
    fingerprint: str

    def by_coder(self) -> dict[str, list[Annotation]]:
        out: dict[str, list[Annotation]] = {c: [] for c in self.coders}
        for coder, a in self.members:
            out.setdefault(coder, []).append(a)
        return out

    @property
    def identical(self) -> bool:
        groups = self.by_coder()
        if len(self.coders) < 2 or any(len(groups.get(c, [])) != 1 for c in self.coders):
            return False
        shapes = {(a.start, a.end, a.tags) for (a,) in (groups[c] for c in self.coders)}
        return len(shapes) == 1


def refresh_agreed(ws: Workspace, *, force: bool = False) -> bool:
    """Rebuild ``local/agreed`` if the decisions changed since it was made; True if it was rebuilt."""
    if ws.read_only:
        return False
    version = orjson.loads(orjson.dumps(decisions_version(ws)))
    if not force and ws.store.agreed_stamp() == version:
        return False
    decisions = read_decisions(ws)
    by_article: dict[str, list[dict[str, Any]]] = {}
    for d in decisions.current.values():
        by_article.setdefault(d.article_id, []).extend(d.annotations)
    if not by_article and ws.store.agreed_stamp() is None:
        return False  # no decisions, and no agreed version to remove
    ws.store.replace_agreed(by_article, version)
    return True


# ----------------------------------------------------------------------------------------------- items


def _fingerprint(members: Iterable[tuple[str, Annotation]]) -> str:
    shape = sorted((c, a.id, a.start, a.end, list(a.tags), a.note) for c, a in members)
    return hashlib.sha1(orjson.dumps(shape), usedforsecurity=False).hexdigest()[:16]


def _key(article_id: str, members: Iterable[tuple[str, Annotation]]) -> str:
    ids = "\n".join(sorted(a.id for _, a in members))
    return hashlib.sha1(f"{article_id}\n{ids}".encode(), usedforsecurity=False).hexdigest()[:8]


def clusters(article_id: str, coders: Sequence[str], members: list[tuple[str, Annotation]]) -> list[Item]:
    """The items of one article: annotations that overlap, directly or through a chain."""
    items: list[Item] = []
    group: list[tuple[str, Annotation]] = []
    end = -1
    for coder, a in sorted(members, key=lambda m: (m[1].start, m[1].end, m[0])):
        if group and a.start >= end:
            items.append(_item(article_id, coders, group))
            group = []
        group.append((coder, a))
        end = max(end, a.end) if len(group) > 1 else a.end
    if group:
        items.append(_item(article_id, coders, group))
    return items


def _item(article_id: str, coders: Sequence[str], group: list[tuple[str, Annotation]]) -> Item:
    start = min(a.start for _, a in group)
    end = max(a.end for _, a in group)
    return Item(
        article_id, _key(article_id, group), start, end, tuple(coders), list(group), _fingerprint(group)
    )


# ------------------------------------------------------------------------------------------- the merge


@dataclass
class MergeResult:
    coders: tuple[str, ...]
    items: int = 0
    merged_now: int = 0  # identical items merged by this run
    decided: int = 0  # items with a decision in force (this run's included)
    open: list[Item] = field(default_factory=list)  # differences without a decision
    changed: list[tuple[Item, Decision]] = field(default_factory=list)  # decided, then changed by a coder
    disputed: list[tuple[Item | None, list[Decision]]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # article id -> text (for the passages)

    def passage(self, item: Item, chars: int = 30) -> str:
        text = self.texts.get(item.article_id, "")[item.start : item.end]
        return text if len(text) <= chars else text[: chars - 1] + "…"

    def item_line(self, item: Item) -> str:
        groups = item.by_coder()
        who = " | ".join(
            f"{c}: " + ("; ".join(", ".join(a.tags) or "(no tag)" for a in groups.get(c, [])) or "—")
            for c in item.coders
        )
        return f"  {item.key}  {item.article_id} {item.start}–{item.end} «{self.passage(item)}»  {who}"

    def lines(self) -> list[str]:
        out = [
            f"merge of {', '.join(self.coders)}: {self.items} passages, {self.decided} agreed "
            f"({self.merged_now} identical merged now), {len(self.open)} to decide"
            + (f", {len(self.changed)} changed since decided" if self.changed else "")
            + (f", {len(self.disputed)} decided differently at once" if self.disputed else "")
        ]
        if self.open:
            out.append("to decide (reader merge decide KEY --take CODER | --all | --none):")
            out.extend(self.item_line(item) for item in self.open)
        if self.changed:
            out.append("changed since decided (decide again):")
            out.extend(f"{self.item_line(item)}  [was: {d.describe()}]" for item, d in self.changed)
        for item, ds in self.disputed:
            where = self.item_line(item) if item else f"  {ds[0].item}  {ds[0].article_id}"
            out.append(f"{where}  [decided differently: " + "; ".join(d.describe() for d in ds) + "]")
        out.extend(f"problem: {p}" for p in self.problems)
        return out

    def to_dict(self) -> dict[str, Any]:
        def item_dict(item: Item) -> dict[str, Any]:
            groups = item.by_coder()
            return {
                "key": item.key,
                "article_id": item.article_id,
                "start": item.start,
                "end": item.end,
                "text": self.texts.get(item.article_id, "")[item.start : item.end],
                "coders": {
                    c: [
                        {"id": a.id, "start": a.start, "end": a.end, "tags": list(a.tags), "note": a.note}
                        for a in groups.get(c, [])
                    ]
                    for c in item.coders
                },
            }

        return {
            "coders": list(self.coders),
            "passages": self.items,
            "agreed": self.decided,
            "merged_now": self.merged_now,
            "open": [item_dict(i) for i in self.open],
            "changed": [item_dict(i) | {"decision": d.to_json()} for i, d in self.changed],
            "disputed": [
                {"item": ds[0].item, "decisions": [d.to_json() for d in ds]} for _, ds in self.disputed
            ],
            "problems": self.problems,
        }


class Merger:
    """The merge of one workspace's coders (all but ``agreed``, or ``coders``)."""

    def __init__(self, ws: Workspace, coders: Sequence[str] | None = None) -> None:
        self.ws = ws
        known = [c for c in ws.store.coders() if c != AGREED]
        if coders:
            unknown = [c for c in coders if c not in known]
            if unknown:
                raise UsageError(
                    f"no coder {unknown[0]!r} here; `reader coders` lists them ({', '.join(known)})"
                )
            known = list(dict.fromkeys(coders))
        else:
            known = working_coders(ws)
        if len(known) < 2:
            raise UsageError(
                f"a merge needs two or more coders; this database has {', '.join(known) or 'none'} "
                "(others' work arrives with `reader sync`)"
            )
        self.coders = tuple(known)
        self.marks = CodedMarks(ws.store).everyone()

    def items(self, articles: Sequence[str] | None = None, texts: dict[str, str] | None = None) -> list[Item]:
        """Every item of the chosen coders, by article then position (orphans left out)."""
        ws = self.ws
        counts = ws.store.counts()
        ids = sorted(set(articles) if articles else set(counts))
        out: list[Item] = []
        for article_id in ids:
            try:
                article = ws.load(article_id)
            except (ArticleError, UsageError):
                continue
            if texts is not None:
                texts[article_id] = article.text
            members = []
            present = set()
            for a in ws.annotations(article):
                coder = ws.creator_of(a)
                if coder in self.coders and a.status != "orphan":
                    members.append((coder, a))
                    present.add(coder)
            here = [c for c in self.coders if c in present or article_id in self.marks.get(c, set())]
            out.extend(clusters(article_id, here, members))
        return out

    def merge(self, articles: Sequence[str] | None = None) -> MergeResult:
        """Merge identical items (decisions of this coder), then list what is left to decide."""
        result = MergeResult(self.coders)
        items = self.items(articles, result.texts)
        decisions = read_decisions(self.ws)
        result.problems = list(decisions.problems)
        result.items = len(items)
        new: list[Decision] = []
        by_key = {item.key: item for item in items}
        for item in items:
            current = decisions.current.get(item.key)
            if current is not None:
                result.decided += 1
                if current.fingerprint != item.fingerprint:
                    result.changed.append((item, current))
            elif item.identical:
                new.append(self._decision(item, "identical", "", decisions, len(new)))
                result.merged_now += 1
                result.decided += 1
            else:
                result.open.append(item)
        result.disputed = [(by_key.get(key), ds) for key, ds in decisions.disputed.items()]
        if new:
            self._write(new, decisions)
        refresh_agreed(self.ws, force=bool(new))
        return result

    def decide(self, key: str, choice: str, *, note: str = "") -> Decision:
        """Record the team's decision of item ``key`` (``take:<coder>``, ``all``, ``none``)."""
        key = key.strip().lower()
        item = next((i for i in self.items() if i.key == key), None)
        if item is None:
            raise UsageError(
                f"no passage {key!r} to decide among {', '.join(self.coders)}; `reader merge` lists them"
            )
        if choice.startswith("take:"):
            coder = choice[5:]
            if coder not in item.coders:
                raise UsageError(f"{coder!r} is not one of this passage's coders ({', '.join(item.coders)})")
        elif choice not in ("all", "none"):
            raise UsageError(f"unknown choice {choice!r}: take:CODER, all or none")
        decisions = read_decisions(self.ws)
        decision = self._decision(item, choice, note, decisions, 0)
        self._write([decision], decisions)
        refresh_agreed(self.ws, force=True)
        return decision

    def _decision(self, item: Item, choice: str, note: str, decisions: Decisions, offset: int) -> Decision:
        store = self.ws.store
        mine = store.coder.folder
        lamport = 1 + max((d.lamport for ds in decisions.by_folder.values() for d in ds), default=0) + offset
        seen = {f: len(ds) for f, ds in decisions.by_folder.items() if f != mine and ds}
        index = len(decisions.by_folder.get(mine, [])) + offset
        now = now_iso()
        return Decision(
            id=str(uuid.uuid4()),
            by=store.coder.name,
            time=now,
            lamport=lamport,
            seen=seen,
            item=item.key,
            article_id=item.article_id,
            fingerprint=item.fingerprint,
            choice=choice,
            coders=item.coders,
            sources=tuple((c, a.id) for c, a in item.members),
            annotations=tuple(r.to_dict() for r in agreed_annotations(item, choice, now)),
            note=note,
            folder=mine,
            index=index,
        )

    def _write(self, new: list[Decision], decisions: Decisions) -> None:
        store = self.ws.store
        name = f"{store.my_folder}/{DECISIONS_FILE}"
        with store.locked():
            got = store.read_file(name)
            old = got[0] if got else b""
            if old and not old.endswith(b"\n"):
                old += b"\n"
            lines = b"".join(orjson.dumps(d.to_json(), option=orjson.OPT_APPEND_NEWLINE) for d in new)
            store.write_file(name, old + lines)


def agreed_annotations(item: Item, choice: str, now: str) -> list[Annotation]:
    """The agreed version's annotations of ``item`` for ``choice`` (stable ids, creator left empty)."""
    groups = item.by_coder()
    if choice == "none":
        chosen: list[Annotation] = []
    elif choice == "identical":
        first = groups[item.coders[0]][0]
        notes = [a.note for c in item.coders for a in groups[c] if a.note]
        chosen = [replace(first, note="\n".join(dict.fromkeys(notes)))]
    elif choice == "all":
        seen: dict[tuple[int, int, tuple[str, ...]], Annotation] = {}
        for _, a in item.members:
            seen.setdefault((a.start, a.end, a.tags), a)
        chosen = list(seen.values())
    else:
        chosen = list(groups.get(choice.removeprefix("take:"), []))
    out = []
    for a in chosen:
        agreed_id = str(uuid.uuid5(_AGREED_NAMESPACE, f"{item.key}\n{a.id}"))
        out.append(replace(a, id=agreed_id, creator="", modified=now, color=a.color))
    return out
