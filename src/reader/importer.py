"""Import annotations from a ``reader export`` file: our JSON or W3C Web Annotation JSON-LD.

All or nothing, in three steps:

1. **Read and validate** the whole file: our JSON against the shipped JSON Schema
   (:func:`reader.schema.check_export`: jsonschema-rs, ~0.1 s for 100,000 annotations), W3C structurally
   (:func:`reader.formats.w3c_read.parse`); then the rules a schema cannot say (start ≤ end, one id once, a
   colour reader knows). The first problem is one :class:`~reader.errors.UsageError` naming the file and
   the place in it (``annotations[3].start``, ``first.items[3].target.selector[1].start``).
2. **Plan** in memory: an annotation whose id is unknown is added; a known one is updated only if its
   ``modified`` is newer than the stored one's (so importing the same file twice changes nothing); each
   added or updated annotation is anchored against its article *as it is now*: kept where it is if the
   quote still matches there, else moved to the exact quote nearest the old position, else to a fuzzy
   match (:func:`reader.anchoring.reanchor`), else kept as an orphan, as is one whose article is not in
   the library (or cannot be read). Nothing is dropped; every orphan is reported.
3. **Write** everything as one journalled change (:meth:`reader.store.AnnotationStore.commit`): all or
   nothing even across a kill -9 or a full disk. Nothing is written if steps 1–2 found a problem.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from reader.anchoring import anchored_to
from reader.articles import Article
from reader.colors import check_color
from reader.errors import ArticleError, StoreCorruptError, UsageError
from reader.sanitise import safe_line
from reader.schema import SchemaViolation, check_export, format_path
from reader.store import Annotation, AnnotationStore, Change
from reader.tags import check_tag
from reader.timestamps import EARLIEST, parse_date_time
from reader.workspace import Workspace

FORMAT_NAMES = {
    "json": "reader JSON",
    "w3c": "W3C Web Annotation",
    "qdpx": "REFI-QDA project",
    "qde": "REFI-QDA project",
    "qdc": "REFI-QDA codebook",
}
_W3C_TYPES = {"Annotation", "AnnotationPage", "AnnotationCollection"}
Place = tuple[str | int, ...]


@dataclass(frozen=True)
class Orphan:
    article_id: str
    annotation_id: str
    quote: str
    reason: str


@dataclass
class ImportReport:
    path: Path
    format: str  # "json" | "w3c"
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    reanchored: int = 0
    orphaned: int = 0
    others: int = 0  # annotations already in another coder's folder (read-only here): left as they are
    orphans: list[Orphan] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged

    def summary(self) -> str:
        others = f"; {self.others} already another coder's, left as they are" if self.others else ""
        return (
            f"imported {self.path} ({FORMAT_NAMES[self.format]}): {self.added} added, "
            f"{self.updated} updated, {self.unchanged} unchanged; "
            f"{self.reanchored} re-anchored, {self.orphaned} orphaned{others}"
        )

    def lines(self, limit: int = 20) -> list[str]:
        """The summary, then one line per orphan (the first ``limit``), each safe for a terminal."""
        out = [safe_line(self.summary(), 1000)]
        for o in self.orphans[:limit]:
            quote = o.quote if len(o.quote) <= 30 else o.quote[:29] + "…"
            out.append(safe_line(f"  orphan {o.annotation_id} in {o.article_id} «{quote}»: {o.reason}", 1000))
        if len(self.orphans) > limit:
            out.append(
                f"  … and {len(self.orphans) - limit} more orphans (kept with status orphan; "
                "`reader export` lists them all)"
            )
        return out


# ---------------------------------------------------------------------------------------- 1. reading


def _problem(path: Path, place: Place, message: str) -> UsageError:
    where = f" at {format_path(place)}" if place else ""
    return UsageError(safe_line(f"{path}{where}: {message}; nothing was imported", 1000))


def read_file(path: Path) -> tuple[str, list[tuple[Place, Annotation]]]:
    """The format (``json`` or ``w3c``) and every annotation of the file with its place in it.

    REFI-QDA files (zip or XML) are not read here: their import also adds articles and codes
    (:func:`import_file` hands them to :mod:`reader.formats.refi_import`).
    """
    path = Path(path)
    from reader.formats.refi_read import is_refi

    if is_refi(path):
        raise _problem(path, (), "a REFI-QDA file (zip or XML), not a reader JSON or W3C export")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if raw.startswith((b"id,article_id,", b"# Annotations")):
            message = "a CSV or Markdown export cannot be imported; export with --format json or w3c"
        else:
            message = f"not valid JSON ({exc})"
        raise _problem(path, (), message) from None
    fmt = detect(doc)
    if fmt is None:
        raise _problem(
            path,
            (),
            'neither a reader JSON export ("format": "reader-export") nor W3C Web Annotation JSON-LD '
            '(an "@context" with http://www.w3.org/ns/anno.jsonld)',
        )
    try:
        if fmt == "json":
            records = _json_records(doc)
        else:
            from reader.formats import w3c_read

            records, _ = w3c_read.parse(doc)
        annotations = _annotations(records)
    except SchemaViolation as exc:
        raise _problem(path, exc.path, exc.message) from None
    return fmt, annotations


def detect(doc: Any) -> str | None:
    if isinstance(doc, list):
        return "w3c"
    if not isinstance(doc, dict):
        return None
    kinds = doc.get("type")
    kinds = set(kinds) if isinstance(kinds, list) else {kinds}
    if "@context" in doc or kinds & _W3C_TYPES:
        return "w3c"
    if "format" in doc or "schema_version" in doc:
        return "json"
    return None


def _json_records(doc: dict[str, Any]) -> list[tuple[Place, dict[str, Any]]]:
    from reader.export import EXPORT_SCHEMA_VERSION, FORMAT_NAME

    if doc.get("format") != FORMAT_NAME:
        raise SchemaViolation(("format",), f"expected {FORMAT_NAME!r}, found {doc.get('format')!r}")
    version = doc.get("schema_version")
    if not (isinstance(version, int) and not isinstance(version, bool) and version == EXPORT_SCHEMA_VERSION):
        raise SchemaViolation(
            ("schema_version",),
            f"unknown schema version {version!r}: this reader reads version {EXPORT_SCHEMA_VERSION}; "
            "upgrade reader to import it",
        )
    check_export(doc)
    return [(("annotations", i), record) for i, record in enumerate(doc["annotations"])]


def _annotations(records: list[tuple[Place, dict[str, Any]]]) -> list[tuple[Place, Annotation]]:
    """Records (field names of our JSON) as Annotations, with the checks a schema cannot express.

    Tags are normalised by the store when it saves (strip, NFC, no duplicates), as for any annotation.
    """
    seen: dict[str, Place] = {}
    out: list[tuple[Place, Annotation]] = []
    colors: dict[str, bool] = {}
    for place, r in records:
        start, end = r["start"], r["end"]
        if type(start) is not int or type(end) is not int:  # the schema allows 3.0 for 3
            start, end = int(start), int(end)
        if end < start:
            raise SchemaViolation((*place, "end"), f"end {end} is before start {start}")
        color = r["color"]
        ok = colors.get(color)
        if ok is None:
            try:
                ok = colors[color] = check_color(color) == color
            except UsageError:
                ok = colors[color] = False
        if not ok:
            raise SchemaViolation((*place, "color"), f"unknown colour {color!r}: a colour name or #rrggbb")
        annotation_id = r["id"]
        if annotation_id in seen:
            other = format_path(seen[annotation_id])
            raise SchemaViolation((*place, "id"), f"annotation {annotation_id} is also at {other}")
        seen[annotation_id] = place
        annotation = Annotation(
            annotation_id,
            r["article_id"],
            r["article_sha256"],
            start,
            end,
            r["quote"],
            r["prefix"],
            r["suffix"],
            tuple(r["tags"]),
            r["note"],
            color,
            r["created"],
            r["modified"],
            r["view"],
            r["status"],
            r.get("creator", ""),
        )
        out.append((place, annotation))
    return out


# ----------------------------------------------------------------------------------------- 2. planning


@dataclass
class Plan:
    report: ImportReport
    upserts: dict[str, list[Annotation]] = field(default_factory=dict)  # article id -> annotations
    removals: dict[str, set[str]] = field(default_factory=dict)  # article id -> ids moved elsewhere


def _time(value: str) -> datetime:
    return parse_date_time(value) or EARLIEST


def place(annotation: Annotation, article: Article) -> tuple[Annotation, str]:
    """``annotation`` anchored in ``article`` as it is now: ("kept" | "reanchored" | "orphan").

    The same rules as :meth:`reader.workspace.Workspace.annotations` applies when an article changed.
    """
    text = article.text
    a = annotation
    if (
        a.status != "orphan"
        and a.article_sha256 == article.sha256
        and 0 <= a.start < a.end <= len(text)
        and text[a.start : a.end] == a.quote
    ):
        return a, "kept"
    placed = anchored_to(a, text, article.sha256)
    if placed.status == "orphan":
        return placed, "orphan"
    return placed, ("kept" if placed.status == "anchored" else "reanchored")


def _stored_ids(store: AnnotationStore) -> tuple[dict[str, tuple[str, str]], set[str]]:
    """id -> (article id, modified) of this coder's stored annotations (records: no objects built); the
    ids of other coders' (their folders are read-only here: a newer copy of one is left out, counted)."""
    existing = {
        r["id"]: (article_id, r["modified"])
        for article_id in store.counts(own=True)
        for r in store.records(article_id, own=True)
    }
    others = {
        r["id"]
        for article_id in store.counts()
        for r in store.records(article_id)
        if r["id"] not in existing and r.get("creator")
    }
    return existing, others


def _article_or_reason(workspace: Workspace, article_id: str, listed: set[str]) -> Article | str:
    """The article an imported annotation belongs to, or why it cannot be used (it becomes an orphan)."""
    if article_id not in listed:
        return "its article is not in the library"
    try:
        return workspace.load(article_id)
    except (ArticleError, UsageError) as exc:
        return f"its article cannot be read ({exc})"


def plan_import(
    workspace: Workspace, path: Path, fmt: str, annotations: list[tuple[Place, Annotation]]
) -> Plan:
    """Step 2 (module docstring): what importing ``annotations`` puts, updates and removes, each anchored
    against its article as it is now, and the report's counts; nothing is written (:func:`apply` does)."""
    plan = Plan(ImportReport(Path(path), fmt))
    report = plan.report
    problems = workspace.store.problems()
    if problems:  # it could hold some of these annotations: refuse rather than guess
        raise StoreCorruptError(problems[0])
    existing, others = _stored_ids(workspace.store)
    listed = {info.id for info in workspace.articles()}
    articles: dict[str, Article | str] = {}  # article id -> the article, or why it cannot be used

    for where, a in annotations:
        for tag in a.tags:
            try:
                check_tag(tag)
            except UsageError as exc:
                raise _problem(Path(path), (*where, "tags"), str(exc)) from None
        if a.id in others:
            report.others += 1
            continue
        old = existing.get(a.id)
        if old is not None:
            old_article, old_modified = old
            if _time(a.modified) <= _time(old_modified):
                report.unchanged += 1
                continue
            report.updated += 1
            if old_article != a.article_id:
                plan.removals.setdefault(old_article, set()).add(a.id)
        else:
            report.added += 1
        article = articles.get(a.article_id)
        if article is None:
            article = articles[a.article_id] = _article_or_reason(workspace, a.article_id, listed)
        if isinstance(article, str):
            placed, how, reason = replace(a, status="orphan"), "orphan", article
        else:
            placed, how = place(a, article)
            reason = "its passage is no longer in the article"
        if how == "reanchored":
            report.reanchored += 1
        elif how == "orphan":
            report.orphaned += 1
            report.orphans.append(Orphan(a.article_id, a.id, a.quote, reason))
        plan.upserts.setdefault(a.article_id, []).append(placed)
    return plan


# ------------------------------------------------------------------------------------------- 3. writing


def apply(workspace: Workspace, plan: Plan, progress: Callable[[int, int], None] | None = None) -> None:
    """Write the plan as one change (:meth:`reader.store.AnnotationStore.commit`): all of it or, after a
    crash or a full disk, none of it; an annotation moved to another article is never missing."""
    changes = [
        Change.of(article_id, plan.upserts.get(article_id, ()), sorted(plan.removals.get(article_id, ())))
        for article_id in sorted(set(plan.upserts) | set(plan.removals))
    ]
    if progress is not None:
        progress(0, 1)
    workspace.store.commit(changes, what=f"import of {plan.report.path}")
    if progress is not None:
        progress(1, 1)


def import_file(
    workspace: Workspace, path: Path, progress: Callable[[int, int], None] | None = None
) -> ImportReport:
    """Read, check, plan and write (see the module docstring); returns what happened.

    A REFI-QDA project or codebook (sniffed from its first bytes) goes to
    :func:`reader.formats.refi_import.import_refi`, which plans and applies through this module.
    """
    from reader.export import paused_gc
    from reader.formats.refi_read import is_refi

    if is_refi(Path(path)):
        from reader.formats.refi_import import import_refi

        return import_refi(workspace, Path(path), progress)

    with paused_gc():
        fmt, annotations = read_file(Path(path))
        plan = plan_import(workspace, Path(path), fmt, annotations)
        apply(workspace, plan, progress)
    return plan.report
