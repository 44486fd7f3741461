"""The codebook: every tag with its colour, description and counts; rename, merge, delete across the corpus.

Tags are hierarchical with ``/``: ``framing/economy`` is a sub-tag of ``framing``. Counts roll up (an
annotation tagged ``framing/economy`` counts for ``framing``, once even if it carries both), and a tag
without a colour of its own takes its nearest ancestor's, else a stable colour from its name.

Tag metadata lives in ``codebook.json`` in the database folder (written like the store's files: temp file,
fsync, ``os.replace``, fsync the folder, under the store's lock). The tags themselves live on the
annotations, so a rename, merge or delete rewrites every article file that uses the tag. To make that
all-or-nothing across files, the operation is first written to ``codebook-journal.json`` as an explicit
mapping ``{old tag: new tag or null}`` (computed so that no new name is also an old one, which makes
applying it twice the same as once); then each article file is rewritten (each atomically), then the
metadata, then the journal is removed. A crash anywhere leaves the journal, and the next ``Codebook``
opened on the folder applies it again, completing the operation.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from typing import Any

import orjson

from reader.colors import check_color, color_for_tag
from reader.errors import StoreCorruptError, UsageError
from reader.store import Annotation, AnnotationStore, _atomic_write, _stat_sig
from reader.tags import ancestors, check_tag, normalise_tags, under

CODEBOOK_NAME = "codebook.json"
JOURNAL_NAME = "codebook-journal.json"
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
    """What :meth:`Codebook.delete` removed, so that :meth:`Codebook.undo_delete` can put it back."""

    name: str
    meta: dict[str, dict[str, str]]  # tag -> {"color", "description"} removed from the codebook
    changes: tuple[tuple[str, str, tuple[str, ...]], ...]  # (article id, annotation id, tags before)

    @property
    def count(self) -> int:
        """Annotations the tag (or a sub-tag) was removed from."""
        return len(self.changes)


class Codebook:
    """Tag metadata and corpus-wide tag operations over an :class:`AnnotationStore`."""

    def __init__(self, store: AnnotationStore) -> None:
        self.store = store
        self.path = store.path / CODEBOOK_NAME
        self.journal_path = store.path / JOURNAL_NAME
        self._meta: dict[str, dict[str, str]] = {}
        self._sig: Any = None
        self._rolled: dict[str, tuple[Any, Counter[str]]] = {}  # article id -> (file signature, counts)
        if self.journal_path.exists():
            self.recover()

    # -- reading

    def meta(self) -> dict[str, dict[str, str]]:
        """tag -> {"color", "description"} from codebook.json (re-read if another process replaced it)."""
        sig = _stat_sig(self.path)
        if sig != self._sig:
            meta: dict[str, dict[str, str]] = {}
            if sig is not None:
                try:
                    data = orjson.loads(self.path.read_bytes())
                    for name, m in data["tags"].items():
                        meta[name] = {
                            "color": str(m.get("color", "")),
                            "description": str(m.get("description", "")),
                        }
                except (OSError, ValueError, TypeError, KeyError, AttributeError) as e:
                    raise StoreCorruptError(f"{self.path}: not a valid codebook ({e})") from e
            self._meta, self._sig = meta, sig
        return self._meta

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
                passages.update(self._rolled_passages(article_id))
            else:
                for tag, n in counts.items():
                    passages[tag] += n
                    for a in ancestors(tag):
                        passages[a] += n
        return own, passages, articles

    def _rolled_passages(self, article_id: str) -> Counter[str]:
        """Per tag, this article's annotations carrying it or a sub-tag; cached per file version."""
        sig = _stat_sig(self.store.file_for(article_id))
        cached = self._rolled.get(article_id)
        if cached is not None and sig is not None and cached[0] == sig:
            return cached[1]
        counter: Counter[str] = Counter()
        for record in self.store.records(article_id):
            rolled: set[str] = set()
            for tag in record["tags"]:
                rolled.add(tag)
                rolled.update(ancestors(tag))
            counter.update(rolled)
        self._rolled[article_id] = (sig, counter)
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
        with self.store._locked():
            if self.exists(tag):
                raise UsageError(f"tag {tag!r} already exists")
            meta = dict(self.meta())
            meta[tag] = {"color": color, "description": description}
            self._write_meta(meta)
        return next(info for info in self.tags() if info.name == tag)

    def set_color(self, name: str, color: str) -> None:
        """Set (or with "" clear) a tag's colour: a name from the palette or #rrggbb."""
        self._set(check_tag(name), "color", check_color(color))

    def set_description(self, name: str, text: str) -> None:
        self._set(check_tag(name), "description", text.strip())

    def _set(self, tag: str, key: str, value: str) -> None:
        with self.store._locked():
            if not self.exists(tag):
                raise UsageError(f"no tag {tag!r}; `reader tags` lists them")
            meta = dict(self.meta())
            entry = dict(meta.get(tag, {"color": "", "description": ""}))
            entry[key] = value
            meta[tag] = entry
            self._write_meta(meta)

    def _write_meta(self, meta: dict[str, dict[str, str]]) -> None:
        """Caller holds the store lock."""
        kept = dict(sorted(meta.items()))  # an entry with neither keeps a created, unused tag listed
        payload = orjson.dumps({"schema": SCHEMA, "tags": kept}, option=orjson.OPT_INDENT_2)
        self._sig = _atomic_write(self.path, payload, replaces=_stat_sig(self.path))
        self._meta = kept

    # -- corpus-wide operations

    def rename(self, old: str, new: str) -> int:
        """Rename a tag everywhere (its sub-tags too: ``old/x`` -> ``new/x``); returns annotations changed."""
        old, new = check_tag(old), check_tag(new)
        with self.store._locked():
            self._require(old)
            if old == new:
                return 0
            if self.exists(new):
                raise UsageError(f"tag {new!r} already exists; to combine the two, use merge")
            return self._move(old, new, "rename")

    def merge(self, source: str, target: str) -> int:
        """Fold ``source`` (and its sub-tags) into ``target`` everywhere; returns annotations changed."""
        source, target = check_tag(source), check_tag(target)
        with self.store._locked():
            self._require(source)
            self._require(target)
            if source == target:
                raise UsageError(f"cannot merge tag {source!r} into itself")
            return self._move(source, target, "merge")

    def delete(self, name: str) -> DeletedTag:
        """Remove a tag (and its sub-tags) from every annotation and the codebook; annotations stay."""
        tag = check_tag(name)
        with self.store._locked():
            self._require(tag)
            domain = sorted(n for n in self.names() if under(n, tag))
            meta = {n: m for n, m in self.meta().items() if under(n, tag)}
            changes = self._apply({"op": "delete", "mapping": {n: None for n in domain}})
        return DeletedTag(tag, meta, tuple(changes))

    def undo_delete(self, deleted: DeletedTag) -> int:
        """Put a deleted tag back on the annotations it was removed from (those that still exist) and its
        codebook entries back; tags added to those annotations since are kept. Returns annotations changed.
        """
        by_article: dict[str, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
        for article_id, annotation_id, old_tags in deleted.changes:
            by_article[article_id].append((annotation_id, old_tags))
        restored = 0
        with self.store._locked():
            for article_id, items in by_article.items():
                records = {r["id"]: r for r in self.store.records(article_id)}
                updated = []
                for annotation_id, old_tags in items:
                    record = records.get(annotation_id)
                    if record is None:
                        continue
                    tags = normalise_tags((*old_tags, *record["tags"]))
                    if tags != tuple(record["tags"]):
                        updated.append(replace(Annotation.from_dict(record), tags=tags))
                if updated:
                    self.store.put_many(article_id, updated)
                    restored += len(updated)
            if deleted.meta:
                meta = dict(self.meta())
                for name, m in deleted.meta.items():
                    meta.setdefault(name, dict(m))
                self._write_meta(meta)
        return restored

    def _require(self, tag: str) -> None:
        if not self.exists(tag):
            raise UsageError(f"no tag {tag!r}; `reader tags` lists them")

    def _move(self, source: str, target: str, op: str) -> int:
        """Rename/merge: caller holds the lock and checked both names."""
        if under(target, source):
            raise UsageError(f"cannot {op} tag {source!r} into its own sub-tag {target!r}")
        domain = sorted(n for n in self.names() if under(n, source))
        mapping = {n: target + n[len(source) :] for n in domain}
        clash = [n for n in domain if mapping[n] in mapping]
        if clash:
            raise UsageError(
                f"cannot {op} {source!r} into {target!r}: {clash[0]!r} would become {mapping[clash[0]]!r}, "
                f"which is renamed too; rename {clash[0]!r} first"
            )
        return len(self._apply({"op": op, "mapping": mapping}))

    def _apply(self, journal: dict[str, Any]) -> list[tuple[str, str, tuple[str, ...]]]:
        """Write the journal, rewrite every article file, the metadata, remove the journal (lock held)."""
        _atomic_write(self.journal_path, orjson.dumps(journal), replaces=_stat_sig(self.journal_path))
        changes = self._replay(journal)
        os.unlink(self.journal_path)
        return changes

    def _replay(self, journal: dict[str, Any]) -> list[tuple[str, str, tuple[str, ...]]]:
        mapping: dict[str, str | None] = journal["mapping"]

        def retag(tags: tuple[str, ...]) -> tuple[str, ...]:
            out = []
            for t in tags:
                if t in mapping:
                    t2 = mapping[t]
                    if t2 is not None:
                        out.append(t2)
                else:
                    out.append(t)
            return tuple(out)

        changes = self.store.retag(retag, only=mapping)
        meta = dict(self.meta())
        before = dict(meta)
        for name, image in mapping.items():
            entry = meta.pop(name, None)
            if entry is None or image is None:
                continue
            mine = meta.get(image, {"color": "", "description": ""})
            meta[image] = {k: mine.get(k) or entry.get(k, "") for k in ("color", "description")}
        if meta != before:
            self._write_meta(meta)
        return changes

    def recover(self) -> bool:
        """Complete an operation interrupted by a crash (a leftover journal); True if there was one."""
        with self.store._locked():
            try:
                journal = orjson.loads(self.journal_path.read_bytes())
                if not isinstance(journal["mapping"], dict):
                    raise TypeError("mapping is not an object")
            except FileNotFoundError:
                return False
            except (OSError, ValueError, TypeError, KeyError) as e:
                raise StoreCorruptError(f"{self.journal_path}: unreadable codebook journal ({e})") from e
            self._replay(journal)
            os.unlink(self.journal_path)
        return True
