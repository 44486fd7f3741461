"""The codebook: every tag with its colour, description and counts; rename, merge, delete across the corpus.

Tags are hierarchical with ``/``: ``framing/economy`` is a sub-tag of ``framing``. Counts roll up (an
annotation tagged ``framing/economy`` counts for ``framing``, once even if it carries both), and a tag
without a colour of its own takes its nearest ancestor's, else a stable colour from its name.

Tag metadata is the replay of every coder's codebook operations (:mod:`reader.codebook_log`: one file per
coder, so a team's clones never conflict; a single-coder ``codebook.json`` is the starting point). The
tags themselves live on the annotations, so a rename, merge or delete changes every article of this
coder's that uses the tag: it is one :meth:`reader.store.AnnotationStore.commit` (the store's write-ahead
journal), together with the operation appended to the coder's file, so it happens all or nothing even
across a kill -9 or a full disk. Other coders' annotations get it when they sync (:meth:`Codebook.catch_up`
applies theirs to mine). Each changed annotation gets a new ``modified``, so the change travels through
export and import.

:meth:`Codebook.undo` undoes the last change made through this Codebook, whatever it was (create,
colour, description, rename, merge, delete), as one more journalled change. A damaged codebook file costs
colours and descriptions only (:attr:`Codebook.problem` says why); this coder's own is never overwritten.
The files are read and replayed by :mod:`reader.codebook_files`; the counts come from
:mod:`reader.codebook_usage`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from reader.codebook_files import CodebookFiles, Meta
from reader.codebook_log import (
    APPLIED_FILE,
    STRUCTURAL,
    CodebookOp,
    Conflict,
    Replay,
    applied_payload,
    new_op,
    pending_for,
    read_applied,
    tag_mapping,
)
from reader.codebook_usage import TagUsage
from reader.colors import check_color, color_for_tag
from reader.errors import StoreCorruptError, UsageError
from reader.store import AnnotationStore, Change, now_iso
from reader.store.coders import CODERS_DIR, coder_folders
from reader.tags import ancestors, check_tag, normalise_tags, under

LEGACY_JOURNAL_NAME = "codebook-journal.json"  # schema 1 journalled tag operations here
SCHEMA = 1


@dataclass(frozen=True)
class TagInfo:
    name: str
    color: str  # the colour highlights use: the codebook's, an ancestor's, or the tag's stable colour
    description: str
    passages: int  # annotations carrying this tag or a sub-tag
    articles: int  # articles with such an annotation
    own_passages: int  # annotations carrying exactly this tag


@dataclass(frozen=True)
class DeletedTag:
    """What :meth:`Codebook.delete` removed (:meth:`Codebook.undo` puts it back)."""

    name: str
    count: int  # annotations the tag (or a sub-tag) was removed from


@dataclass(frozen=True)
class Undone:
    """What :meth:`Codebook.undo` undid: its description, annotations changed back, a tag to select."""

    label: str
    count: int
    select: str | None


@dataclass
class _Step:
    """One codebook change, enough to undo it."""

    label: str
    select: str | None  # the tag to show after undoing it
    meta_before: Meta
    # (article id, annotation id, tags before, tags after)
    changes: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    op_id: str = ""  # the operation written for it (an undo names it)


@dataclass(frozen=True)
class CatchUp:
    """What :meth:`Codebook.catch_up` did: others' operations applied, annotations changed, notices."""

    operations: int
    annotations: int
    notices: tuple[str, ...] = ()


class Codebook:
    """Tag metadata and corpus-wide tag operations over an :class:`AnnotationStore`."""

    def __init__(self, store: AnnotationStore) -> None:
        self.store = store
        self._files = CodebookFiles(store)
        self.path = self._files.path  # the single-coder codebook: where the replay starts
        self._usage = TagUsage(store)
        self._undo: list[_Step] = []
        if not store.read_only and (store.path / LEGACY_JOURNAL_NAME).exists():
            self._recover_legacy()

    @property
    def file(self) -> str:
        """This coder's operations file, relative to the database folder."""
        return self._files.my_file

    @property
    def problem(self) -> str | None:
        """Why a codebook file cannot be read, if one cannot (as of the last :meth:`state`)."""
        return self._files.problem

    # -- reading

    def meta(self) -> Meta:
        """tag -> {"color", "description"}: every coder's operations replayed (re-read when a file changed).

        A damaged file sets :attr:`problem` and costs what it holds: colours and descriptions, nothing else.
        """
        return self.state().meta

    def state(self) -> Replay:
        """The replay of every coder's operations (cached while no file changed)."""
        return self._files.state()

    def conflicts(self) -> list[Conflict]:
        """Concurrent codebook changes of two coders whose order matters, not yet settled."""
        return self.state().conflicts

    def _writable_meta(self) -> Meta:
        """The metadata to change (lock held); refuses while this coder's operations file is damaged
        (it is never overwritten). Others' operations are applied to this coder's annotations first, so
        that the new operation comes after everything this clone knows."""
        self.catch_up()
        meta = self.meta()
        if self._files.my_problem is not None:
            raise StoreCorruptError(self._files.my_problem)
        return dict(meta)

    def names(self) -> set[str]:
        """Every tag: used on an annotation, in the codebook, or a parent of one of those."""
        names = set(self.store.tags()) | set(self.meta())
        for name in list(names):
            names.update(ancestors(name))
        return names

    def tags(self) -> list[TagInfo]:
        """Every tag with its colour, description and counts, sorted by name (parents before children)."""
        own, passages, articles = self._usage.counts()
        meta = self.meta()
        names = set(own) | set(meta)
        for name in list(names):
            names.update(ancestors(name))
        return [
            TagInfo(
                name=name,
                color=self.color_of(name),
                description=meta.get(name, {}).get("description", ""),
                passages=passages[name],
                articles=articles[name],
                own_passages=own[name],
            )
            for name in sorted(names, key=lambda n: n.split("/"))
        ]

    def color_of(self, tag: str) -> str:
        """The tag's colour: its codebook colour, else its nearest ancestor's, else a stable one by name."""
        meta = self.meta()
        for name in [tag, *reversed(ancestors(tag))]:
            color = meta.get(name, {}).get("color", "")
            if color:
                return color
        return color_for_tag(tag)

    def exists(self, tag: str) -> bool:
        return any(under(name, tag) for name in self.names())

    # -- metadata

    def create(self, name: str, color: str = "", description: str = "") -> TagInfo:
        tag = check_tag(name)
        color = check_color(color)
        with self.store.locked():
            if self.exists(tag):
                raise UsageError(f"tag {tag!r} already exists")
            meta = self._writable_meta()
            op = self._op("create", tag=tag, color=color, description=description)
            self._commit(_Step(f"create {tag}", None, meta), [], op)
        return next(info for info in self.tags() if info.name == tag)

    def set_color(self, name: str, color: str) -> None:
        """Set (or with "" clear) a tag's colour: a name from the palette or #rrggbb."""
        self._set(_existing(name), "color", check_color(color), "colour")

    def set_description(self, name: str, text: str) -> None:
        self._set(_existing(name), "description", text.strip(), "description")

    def _set(self, tag: str, key: str, value: str, what: str) -> None:
        with self.store.locked():
            self._require(tag)
            meta = self._writable_meta()
            if key == "color":
                op = self._op("color", tag=tag, color=value)
            else:
                op = self._op("describe", tag=tag, description=value)
            self._commit(_Step(f"{what} of {tag}", tag, meta), [], op)

    def _op(self, kind: str, **fields: Any) -> CodebookOp:
        """A new operation of this coder, after every operation this clone has."""
        folder = self.store.coder.folder
        return new_op(kind, self.store.coder.name, now_iso(), self.state().by_folder, folder, **fields)

    # -- corpus-wide operations

    def rename(self, old: str, new: str) -> int:
        """Rename a tag everywhere (its sub-tags too: ``old/x`` -> ``new/x``); returns annotations changed.

        ``old`` may be a badly formed tag already in use (so it can be fixed); ``new`` must be valid.
        """
        old, new = _existing(old), check_tag(new)
        with self.store.locked():
            self._require(old)
            if old == new:
                return 0
            if self.exists(new):
                raise UsageError(f"tag {new!r} already exists; to combine the two, use merge")
            return self._move(old, new, "rename")

    def merge(self, source: str, target: str) -> int:
        """Fold ``source`` (and its sub-tags) into ``target`` everywhere; returns annotations changed."""
        source, target = _existing(source), check_tag(target)
        with self.store.locked():
            self._require(source)
            self._require(target)
            if source == target:
                raise UsageError(f"cannot merge tag {source!r} into itself")
            return self._move(source, target, "merge")

    def delete(self, name: str) -> DeletedTag:
        """Remove a tag (and its sub-tags) from every annotation and the codebook; annotations stay."""
        tag = _existing(name)
        with self.store.locked():
            self._require(tag)
            domain = sorted(n for n in self.names() if under(n, tag))
            op = self._op("delete", tag=tag)
            count = self._retag({n: None for n in domain}, _Step(f"delete of {tag}", tag, {}), op)
        return DeletedTag(tag, count)

    def _require(self, tag: str) -> None:
        if not self.exists(tag):
            raise UsageError(f"no tag {tag!r}; `reader tags` lists them")

    def _move(self, source: str, target: str, op: str) -> int:
        """Rename/merge: caller holds the lock and checked both names."""
        if under(target, source):
            raise UsageError(f"cannot {op} tag {source!r} into its own sub-tag {target!r}")
        domain = sorted(n for n in self.names() if under(n, source))
        mapping: dict[str, str | None] = {n: target + n[len(source) :] for n in domain}
        clash = [n for n in domain if mapping[n] in mapping]
        if clash:
            raise UsageError(
                f"cannot {op} {source!r} into {target!r}: {clash[0]!r} would become {mapping[clash[0]]!r}, "
                f"which is renamed too; rename {clash[0]!r} first"
            )
        kind = "rename" if op == "rename" else "merge"
        step = _Step(f"{op} of {source} into {target}", source, {})
        return self._retag(mapping, step, self._op(kind, tag=source, target=target))

    def _retag(self, mapping: dict[str, str | None], step: _Step, op: CodebookOp | None) -> int:
        """Apply ``mapping`` (old tag -> new tag, None to remove) to this coder's annotations, with the
        operation ``op`` that does the same to the metadata (and, when they sync, to others'), as one
        journalled change (lock held). Returns annotations changed."""
        problems = self.store.problems()
        if problems:  # a file we cannot read may hold the tag: a partial rename is worse than none
            raise StoreCorruptError(f"{problems[0]} (nothing was changed; set that file aside first)")
        step.meta_before = self._writable_meta()
        step.changes = self._edits(mapping)
        return self._commit(step, step.changes, op)

    def _edits(
        self, mapping: dict[str, str | None]
    ) -> list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]:
        """(article, annotation, tags before, after) of each annotation of this coder's that ``mapping``
        changes."""
        edits = []
        for article_id, counts in sorted(self.store.article_tags(own=True).items()):
            if mapping.keys().isdisjoint(counts):
                continue
            for record in self._own_records(article_id):
                old = tuple(record["tags"])
                new = normalise_tags(image for t in old if (image := mapping.get(t, t)) is not None)
                if new != old:
                    edits.append((article_id, record["id"], old, new))
        return edits

    def _own_records(self, article_id: str) -> list[dict[str, Any]]:
        return self.store.records(article_id, own=True)

    def _commit(
        self,
        step: _Step | None,
        edits: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]],
        op: CodebookOp | list[CodebookOp] | None,
        applied: dict[str, int] | None = None,
    ) -> int:
        """Write ``edits`` (new tags, ``modified`` stamped), the operation(s) ``op`` and the ``applied``
        counts as one change; remember ``step``."""
        ops = [] if op is None else op if isinstance(op, list) else [op]
        now = now_iso()
        by_article: dict[str, Change] = {}
        records: dict[str, dict[str, dict[str, Any]]] = {}
        for article_id, annotation_id, _, new in edits:
            if article_id not in records:
                records[article_id] = {r["id"]: r for r in self._own_records(article_id)}
            record = records[article_id].get(annotation_id)
            if record is None:
                continue
            change = by_article.setdefault(article_id, Change(article_id))
            change.puts.append({**record, "tags": list(new), "modified": now})
        files = {}
        if ops:
            written = self._files.raw.get(self.store.coder.folder, b"")
            files[self.file] = written + b"".join(o.line() for o in ops)
        if applied is not None:
            files[f"{self.store.my_folder}/{APPLIED_FILE}"] = applied_payload(applied)
        label = step.label if step is not None else "codebook change"
        self.store.commit(by_article.values(), files=files, what=label)
        if step is not None:
            step.op_id = ops[0].id if len(ops) == 1 else ""
            self._undo.append(step)
        return len(edits)

    # -- others' operations

    def _applied(self) -> dict[str, int]:
        got = self.store.read_file(f"{self.store.my_folder}/{APPLIED_FILE}")
        return read_applied(got[0] if got else None)

    def pending(self) -> int:
        """How many of other coders' operations this coder's annotations have not had yet."""
        state, applied, mine = self.state(), self._applied(), self.store.coder.folder
        return sum(
            max(0, len(ops) - applied.get(folder, 0))
            for folder, ops in state.by_folder.items()
            if folder != mine
        )

    def lagging(self) -> dict[str, int]:
        """Coder -> renames, merges and deletes of other coders not yet applied to their annotations (they
        are applied when that coder next syncs): until then their tags may still have the old names."""
        state = self.state()
        out = {}
        for folder, name in coder_folders(self.store.path).items():
            got = self.store.read_file(f"{CODERS_DIR}/{folder}/{APPLIED_FILE}")
            applied = read_applied(got[0] if got else None)
            out[name] = sum(
                1
                for other, ops in state.by_folder.items()
                if other != folder
                for op in ops[applied.get(other, 0) :]
                if op.kind in STRUCTURAL and op.id not in state.skipped
            )
        return out

    def catch_up(self) -> CatchUp:
        """Apply other coders' renames, merges and deletes to this coder's annotations, in the order, as
        one journalled change with ``applied.json`` (see :mod:`reader.codebook_log`)."""
        if self.store.read_only or self.pending() == 0:
            return CatchUp(0, 0)
        with self.store.locked():
            state, applied = self.state(), self._applied()
            todo = pending_for(self.store.coder.folder, applied, state)
            if todo.applied == applied:
                return CatchUp(0, 0)
            names = set(self.store.tags(own=True))
            notices = list(todo.notices)
            for op in todo.ops:
                if op.kind in ("rename", "merge") and any(under(n, op.target) for n in names):
                    notices.append(
                        f"{op.describe()}: {op.target} was already in your annotations; they are one tag now"
                    )
            mapping = tag_mapping(todo.ops, names)
            edits = self._edits(mapping) if mapping else []
            if edits:
                problems = self.store.problems()
                if problems:
                    raise StoreCorruptError(f"{problems[0]} (others' codebook changes were not applied)")
            count = self._commit(None, edits, None, todo.applied)
            done = sum(todo.applied.values()) - sum(applied.get(f, 0) for f in todo.applied)
        return CatchUp(done, count, tuple(notices))

    def settle(self, key: str, keep: str | None = None) -> Conflict:
        """Settle a conflict: ``keep`` one of its :meth:`Conflict.choices` (the operations that make every
        clone agree are written), or nothing (after fixing it by hand). Returns the conflict settled."""
        with self.store.locked():
            self._writable_meta()
            conflict = self.state().find(key)
            if conflict is None:
                raise UsageError(f"no codebook conflict {key!r}; `reader tags conflicts` lists them")
            choices = conflict.choices()
            if keep is not None and keep not in choices:
                allowed = (
                    ", ".join(repr(c) for c in choices)
                    or "nothing: fix it by hand, then settle without --keep"
                )
                raise UsageError(f"conflict {conflict.key} can keep {allowed}; not {keep!r}")
            if keep is not None and conflict.kind == "structural":
                other = next((c for c in choices if c != keep), keep)
                if other != keep and self.exists(other):
                    self._move(other, keep, "merge" if self.exists(keep) else "rename")
            elif keep is not None:
                self._set(conflict.first.tag, conflict.kind, keep, conflict.kind)
            op = self._op("settle", ops=(conflict.first.id, conflict.second.id), choice=keep or "")
            self._commit(None, [], op)
        return conflict

    # -- undo

    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo(self) -> Undone:
        """Undo the last change made through this Codebook (UsageError if there is none).

        Annotations changed by it get back their tags from before it; tags added to them since are kept.
        The metadata (colours, descriptions) goes back to what it was before it.
        """
        if not self._undo:
            raise UsageError("nothing to undo")
        step = self._undo[-1]
        with self.store.locked():
            self._writable_meta()
            edits = []
            for article_id, annotation_id, before, after in step.changes:
                current = self.store.get(article_id, annotation_id)
                if current is None or not self.store.owns(article_id, annotation_id):
                    continue
                now = current.tags
                if now == after:
                    back = before
                else:  # changed since: put back what the change removed, keep what was added since
                    back = normalise_tags((*before, *(t for t in now if t not in after)))
                if back != now:
                    edits.append((article_id, annotation_id, now, back))
            op = self._op("undo", of=step.op_id) if step.op_id else None
            count = self._commit(None, edits, op)
        self._undo.pop()
        return Undone(step.label, count, step.select)

    # -- schema 1

    def _recover_legacy(self) -> None:
        """Finish a tag operation that a schema-1 reader journalled in codebook-journal.json."""
        path = self.store.path / LEGACY_JOURNAL_NAME
        try:
            journal = orjson.loads(path.read_bytes())
            mapping = journal["mapping"]
            if not isinstance(mapping, dict) or not all(
                isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in mapping.items()
            ):
                raise TypeError("mapping is not an object of tag names")
        except FileNotFoundError:
            return
        except (OSError, ValueError, TypeError, KeyError) as e:
            raise StoreCorruptError(
                f"{path}: unreadable journal of an interrupted tag change ({e}); move it aside"
            ) from e
        with self.store.locked():
            ops: list[CodebookOp] = []
            for name, image in sorted(mapping.items()):
                fields = {"tag": name, "target": image} if image is not None else {"tag": name}
                op = self._op("delete" if image is None else "merge", **fields)
                ops.append(replace(op, lamport=op.lamport + len(ops), index=op.index + len(ops)))
            step = _Step("interrupted tag change", None, {})
            self._retag(mapping, step, None)
            if ops:
                self._commit(None, [], ops)
            self._undo.clear()
            path.unlink()


def _existing(name: str) -> str:
    """A tag name as given for a tag that exists (normalised, not checked: a bad one can be fixed)."""
    tags = normalise_tags([name])
    if not tags:
        raise UsageError("a tag name cannot be empty")
    return tags[0]
