"""The codebook: every tag with its colour, description and counts; rename, merge, delete across the corpus.

Tags are hierarchical with ``/``: ``framing/economy`` is a sub-tag of ``framing``. Counts roll up (an
annotation tagged ``framing/economy`` counts for ``framing``, once even if it carries both), and a tag
without a colour of its own takes its nearest ancestor's, else a stable colour from its name.

Tag metadata lives in ``codebook.json`` in the database folder (shared, like the annotations). The tags
themselves live on the annotations, so a rename, merge or delete changes every article that uses the tag:
it is one :meth:`reader.store.AnnotationStore.commit` (the store's write-ahead journal), together with the
new ``codebook.json``, so it happens all or nothing even across a kill -9 or a full disk. Each changed
annotation gets a new ``modified``, so the change travels through export and import.

:meth:`Codebook.undo` undoes the last change made through this Codebook, whatever it was (create,
colour, description, rename, merge, delete), as one more journalled change. A damaged ``codebook.json``
costs colours and descriptions only (:attr:`Codebook.problem` says why); it is never overwritten.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson

from reader.colors import check_color, color_for_tag
from reader.errors import StoreCorruptError, StoreError, UsageError
from reader.store import AnnotationStore, Change, now_iso
from reader.tags import ancestors, check_tag, normalise_tags, under

CODEBOOK_NAME = "codebook.json"
LEGACY_JOURNAL_NAME = "codebook-journal.json"  # schema 1 journalled tag operations here
SCHEMA = 1

Meta = dict[str, dict[str, str]]


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


class Codebook:
    """Tag metadata and corpus-wide tag operations over an :class:`AnnotationStore`."""

    def __init__(self, store: AnnotationStore) -> None:
        self.store = store
        self.path = store.path / CODEBOOK_NAME
        self.problem: str | None = None  # why codebook.json cannot be read, if it cannot
        self._meta: Meta = {}
        self._version: Any = None
        self._rolled: dict[str, tuple[Any, Counter[str]]] = {}  # article id -> (its counts, rolled up)
        self._undo: list[_Step] = []
        if not store.read_only and (store.path / LEGACY_JOURNAL_NAME).exists():
            self._recover_legacy()

    # -- reading

    def meta(self) -> Meta:
        """tag -> {"color", "description"} from codebook.json (re-read if another process replaced it).

        A damaged file reads as empty and sets :attr:`problem`: colours and descriptions are lost from
        view, nothing else.
        """
        try:
            version = self.store.file_version(CODEBOOK_NAME)
        except StoreError as e:
            self.problem, self._meta, self._version = str(e), {}, None
            return self._meta
        if version != self._version or version is None:
            self._meta, self.problem = self._read_meta() if version is not None else ({}, None)
            self._version = version
        return self._meta

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

    def _writable_meta(self) -> Meta:
        """The metadata to change (lock held); refuses while codebook.json is damaged."""
        meta = self.meta()
        if self.problem is not None:
            raise StoreCorruptError(self.problem)
        return dict(meta)

    def _usage(self) -> tuple[Counter[str], Counter[str], Counter[str]]:
        """(own passages, rolled-up passages, rolled-up articles) per tag.

        From the store's per-article tag counts (no annotation is read), except in articles where one tag
        and one of its sub-tags both occur: only there can an annotation carry both, and it must count once
        for the parent, so those articles' annotations are read.
        """
        own: Counter[str] = Counter()
        passages: Counter[str] = Counter()
        articles: Counter[str] = Counter()
        for article_id, counts in self.store.article_tags().items():
            own.update(counts)
            rolled_here = {a for tag in counts for a in ancestors(tag)} | set(counts)
            articles.update(rolled_here)
            if any(a in counts for tag in counts for a in ancestors(tag)):
                passages.update(self._rolled_passages(article_id, counts))
            else:
                for tag, n in counts.items():
                    passages[tag] += n
                    for a in ancestors(tag):
                        passages[a] += n
        return own, passages, articles

    def _rolled_passages(self, article_id: str, counts: dict[str, int]) -> Counter[str]:
        """Per tag, this article's annotations carrying it or a sub-tag; cached while its counts hold."""
        cached = self._rolled.get(article_id)
        if cached is not None and cached[0] == counts:
            return cached[1]
        counter: Counter[str] = Counter()
        for record in self.store.records(article_id):
            rolled: set[str] = set()
            for tag in record["tags"]:
                rolled.add(tag)
                rolled.update(ancestors(tag))
            counter.update(rolled)
        self._rolled[article_id] = (dict(counts), counter)
        return counter

    def names(self) -> set[str]:
        """Every tag: used on an annotation, in the codebook, or a parent of one of those."""
        names = set(self.store.tags()) | set(self.meta())
        for name in list(names):
            names.update(ancestors(name))
        return names

    def tags(self) -> list[TagInfo]:
        """Every tag with its colour, description and counts, sorted by name (parents before children)."""
        own, passages, articles = self._usage()
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
            before = dict(meta)
            meta[tag] = {"color": color, "description": description}
            self._commit(_Step(f"create {tag}", None, before), [], meta)
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
            before = dict(meta)
            entry = dict(meta.get(tag, {"color": "", "description": ""}))
            entry[key] = value
            meta[tag] = entry
            self._commit(_Step(f"{what} of {tag}", tag, before), [], meta)

    @staticmethod
    def _payload(meta: Meta) -> bytes:
        kept = dict(sorted(meta.items()))  # an entry with neither keeps a created, unused tag listed
        return orjson.dumps({"schema": SCHEMA, "tags": kept}, option=orjson.OPT_INDENT_2)

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
            count = self._retag({n: None for n in domain}, _Step(f"delete of {tag}", tag, {}))
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
        return self._retag(mapping, _Step(f"{op} of {source} into {target}", source, {}))

    def _retag(self, mapping: dict[str, str | None], step: _Step) -> int:
        """Apply ``mapping`` (old tag -> new tag, None to remove) to every annotation and the metadata,
        as one journalled change (lock held). Returns annotations changed."""
        problems = self.store.problems()
        if problems:  # a file we cannot read may hold the tag: a partial rename is worse than none
            raise StoreCorruptError(f"{problems[0]} (nothing was changed; set that file aside first)")
        meta = self._writable_meta()
        step.meta_before = dict(meta)
        edits = []
        for article_id, counts in sorted(self.store.article_tags().items()):
            if mapping.keys().isdisjoint(counts):
                continue
            for record in self.store.records(article_id):
                old = tuple(record["tags"])
                new = normalise_tags(image for t in old if (image := mapping.get(t, t)) is not None)
                if new != old:
                    edits.append((article_id, record["id"], old, new))
        for name, image in mapping.items():
            entry = meta.pop(name, None)
            if entry is None or image is None:
                continue
            mine = meta.get(image, {"color": "", "description": ""})
            meta[image] = {k: mine.get(k) or entry.get(k, "") for k in ("color", "description")}
        step.changes = edits
        return self._commit(step, edits, meta)

    def _commit(
        self,
        step: _Step | None,
        edits: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]],
        meta: Meta,
    ) -> int:
        """Write ``edits`` (new tags, ``modified`` stamped) and ``meta`` as one change; remember ``step``."""
        now = now_iso()
        by_article: dict[str, Change] = {}
        records: dict[str, dict[str, dict[str, Any]]] = {}
        for article_id, annotation_id, _, new in edits:
            if article_id not in records:
                records[article_id] = {r["id"]: r for r in self.store.records(article_id)}
            record = records[article_id].get(annotation_id)
            if record is None:
                continue
            change = by_article.setdefault(article_id, Change(article_id))
            change.puts.append({**record, "tags": list(new), "modified": now})
        files = {CODEBOOK_NAME: self._payload(meta)} if meta != self.meta() else {}
        label = step.label if step is not None else "codebook change"
        self.store.commit(by_article.values(), files=files, what=label)
        self._meta, self._version = meta, self.store.file_version(CODEBOOK_NAME)
        if step is not None:
            self._undo.append(step)
        return len(edits)

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
                if current is None:
                    continue
                now = current.tags
                if now == after:
                    back = before
                else:  # changed since: put back what the change removed, keep what was added since
                    back = normalise_tags((*before, *(t for t in now if t not in after)))
                if back != now:
                    edits.append((article_id, annotation_id, now, back))
            count = self._commit(None, edits, dict(step.meta_before))
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
            self._retag(mapping, _Step("interrupted tag change", None, {}))
            self._undo.clear()
            path.unlink()


def _existing(name: str) -> str:
    """A tag name as given for a tag that exists (normalised, not checked: a bad one can be fixed)."""
    tags = normalise_tags([name])
    if not tags:
        raise UsageError("a tag name cannot be empty")
    return tags[0]
