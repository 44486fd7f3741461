"""Reading W3C Web Annotation JSON-LD back (the format :mod:`reader.formats.w3c` writes) for import.

:func:`parse` accepts that collection, a bare ``AnnotationPage``, one ``Annotation`` or a JSON
list of annotations, and turns each annotation into a record with the field names of our JSON export.
Anything it cannot represent faithfully is an error naming the place (``first.items[3].target``), never
silently dropped.

Kept apart from the export: reading must refuse everything it cannot represent (every field checked, with
its place), writing only builds; they share the format's constants and IRIs.
"""

from __future__ import annotations

import re
import uuid
from typing import Any, cast
from urllib.parse import unquote

from reader.colors import check_color, hex_for
from reader.convert import VIEWS
from reader.errors import UsageError
from reader.formats.w3c import (
    ANNO_CONTEXT,
    ARTICLE_IRI_PREFIX,
    CODER_IRI_PREFIX,
    MOTIVATIONS,
    SCHEMA_VERSION,
    STATUSES,
    STYLE_PREFIX,
)
from reader.schema import SchemaViolation
from reader.timestamps import is_date_time

Path = tuple[str | int, ...]  # where in the document: ("first", "items", 3, "target")


def _fail(path: Path, message: str) -> SchemaViolation:
    return SchemaViolation(path, message)


def _types(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _has_context(value: Any) -> bool:
    return value == ANNO_CONTEXT or (isinstance(value, list) and ANNO_CONTEXT in value)


def _check_context(node: dict[str, Any], path: Path, inherited: bool) -> bool:
    if "@context" in node:
        if not _has_context(node["@context"]):
            raise _fail((*path, "@context"), f"must be or include {ANNO_CONTEXT}")
        return True
    if not inherited:
        raise _fail(path, f"no @context (it must be or include {ANNO_CONTEXT})")
    return inherited


def _string(node: dict[str, Any], key: str, path: Path, *, required: bool = True, default: str = "") -> str:
    if key not in node:
        if required:
            raise _fail(path, f"the field {key!r} is missing")
        return default
    value = node[key]
    if not isinstance(value, str):
        raise _fail((*path, key), f"expected a string, found {type(value).__name__}")
    return value


def _offset(node: dict[str, Any], key: str, path: Path) -> int:
    if key not in node:
        raise _fail(path, f"the field {key!r} is missing")
    value = node[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _fail((*path, key), f"expected a non-negative integer (code points), found {value!r}")
    return value


def _date_time(node: dict[str, Any], key: str, path: Path) -> str:
    value = _string(node, key, path)
    if not is_date_time(value):
        raise _fail(
            (*path, key), f"{value!r} is not an xsd:dateTime with a time zone, e.g. 2026-01-31T12:00:00Z"
        )
    return value


def parse(doc: Any) -> tuple[list[tuple[Path, dict[str, Any]]], dict[str, Any]]:
    """Records (our JSON field names) with the place each came from, and what the container said.

    Raises SchemaViolation at the first thing that is not a W3C annotation reader can keep faithfully.
    """
    info: dict[str, Any] = {}
    if isinstance(doc, list):
        return [(p, annotation_from_w3c(item, p, inherited=False)) for p, item in _enumerate(doc, ())], info
    if not isinstance(doc, dict):
        raise _fail((), "expected a JSON object or list")
    types = _types(doc.get("type"))
    if "Annotation" in types:
        return [((), annotation_from_w3c(doc, (), inherited=False))], info
    if "AnnotationCollection" in types:
        _check_context(doc, (), inherited=False)
        version = doc.get("reader:schemaVersion", SCHEMA_VERSION)
        if not _equal_int(version, SCHEMA_VERSION):
            raise _fail(
                ("reader:schemaVersion",),
                f"unknown schema version {version!r}: this reader reads version {SCHEMA_VERSION}; "
                "upgrade reader to import it",
            )
        if "reader:view" in doc:
            info["view"] = doc["reader:view"]
        records: list[tuple[Path, dict[str, Any]]] = []
        page = doc.get("first")
        path: Path = ("first",)
        if page is None:
            total = doc.get("total", 0)
            if total not in (0, None):
                raise _fail((), f"total is {total!r} but there is no first page")
            return records, info
        while page is not None:
            if isinstance(page, str):
                raise _fail(path, "pages linked by IRI are not supported: embed every page in the file")
            records.extend(_page(page, path, inherited=True))
            page, path = page.get("next"), (*path, "next")
        return records, info
    if "AnnotationPage" in types:
        inherited = _check_context(doc, (), inherited=False)
        return _page(doc, (), inherited=inherited), info
    raise _fail(("type",), "expected Annotation, AnnotationPage or AnnotationCollection")


def _equal_int(value: Any, expected: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value == expected


def _enumerate(items: Any, path: Path) -> list[tuple[Path, Any]]:
    if not isinstance(items, list):
        raise _fail(path, "expected a list")
    return [((*path, i), item) for i, item in enumerate(items)]


def _page(page: Any, path: Path, inherited: bool) -> list[tuple[Path, dict[str, Any]]]:
    if not isinstance(page, dict):
        raise _fail(path, "expected an AnnotationPage object")
    if "AnnotationPage" not in _types(page.get("type")):
        raise _fail((*path, "type"), "expected AnnotationPage")
    inherited = _check_context(page, path, inherited)
    if "items" not in page:
        raise _fail(path, "the field 'items' is missing")
    return [
        (p, annotation_from_w3c(item, p, inherited=inherited))
        for p, item in _enumerate(page["items"], (*path, "items"))
    ]


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_COLORS_OK: dict[str, str | None] = {}  # colour -> None if valid as stored, else the problem


def _color_problem(color: str) -> str | None:
    problem = _COLORS_OK.get(color, "")
    if problem == "":
        try:
            problem = None if check_color(color) == color else f"{color!r} is not a colour as stored"
        except UsageError as exc:
            problem = str(exc)
        _COLORS_OK[color] = problem
    return problem


def annotation_id(iri: str) -> str:
    """Our id for an annotation's IRI: its UUID for ``urn:uuid:…`` (any version, any case), else a UUID
    derived from the IRI (uuid5), so the same annotation imported twice is the same annotation."""
    if iri[:9].lower() == "urn:uuid:":
        value = iri[9:]
        if _UUID.fullmatch(value):  # the usual, canonical form
            return value
        try:
            return str(uuid.UUID(value))
        except ValueError:
            pass
    return str(uuid.uuid5(uuid.NAMESPACE_URL, iri))


def annotation_from_w3c(node: Any, path: Path, *, inherited: bool) -> dict[str, Any]:
    """One W3C annotation as a record with our JSON export's field names.

    Runs for every annotation of a file (100,000 in the benchmark): paths are built only for errors.
    """
    if not isinstance(node, dict):
        raise _fail(path, "expected an Annotation object")
    _check_context(node, path, inherited)
    if "Annotation" not in _types(node.get("type")):
        raise _fail((*path, "type"), "expected Annotation")
    iri = _string(node, "id", path)
    if not iri:
        raise _fail((*path, "id"), "an annotation needs an IRI (e.g. urn:uuid:…)")
    motivation = node.get("motivation")
    if motivation is not None:
        for m in _types(motivation):
            if m not in MOTIVATIONS:
                raise _fail((*path, "motivation"), f"{m!r} is not a motivation of the model")
    tags, note = _bodies(node, path)
    created = _date_time(node, "created", path)
    modified = _date_time(node, "modified", path)
    target, target_path = _target(node, path)
    article_id = _article_id(target, target_path)
    passage = _selectors(target, target_path)
    record = {
        "id": annotation_id(iri),
        "article_id": article_id,
        **passage,
        "tags": tags,
        "note": note,
        "created": created,
        "modified": modified,
        **_extensions(node, target, path, target_path),
    }
    if "creator" in node:
        record["creator"] = _creator(node["creator"], (*path, "creator"))
    return record


def _creator(value: Any, path: Path) -> str:
    """The coder's name from a W3C ``creator``: an Agent (its name, else nickname) or an IRI (ours gives
    the name back; another is kept as the name). reader keeps one creator per annotation."""
    if isinstance(value, list):
        if len(value) != 1:
            raise _fail(path, "reader keeps one creator per annotation")
        value, path = value[0], (*path, 0)
    if isinstance(value, str):
        iri = value
    elif isinstance(value, dict):
        for key in ("name", "nickname"):
            name = value.get(key)
            if isinstance(name, list) and len(name) == 1:
                name = name[0]
            if isinstance(name, str) and name.strip():
                return " ".join(name.split())
        found = value.get("id")
        if not isinstance(found, str):
            raise _fail(path, "a creator needs a name, a nickname or an id")
        iri = found
    else:
        raise _fail(path, "expected an Agent (an object with a name) or an IRI")
    if iri.startswith(CODER_IRI_PREFIX):
        iri = unquote(iri[len(CODER_IRI_PREFIX) :])
    if not iri.strip():
        raise _fail(path, "an empty creator")
    return " ".join(iri.split())


def _bodies(node: dict[str, Any], path: Path) -> tuple[list[str], str]:
    """The tags (``tagging`` bodies, in order) and the note (the one ``commenting`` body)."""
    tags: list[str] = []
    note: str | None = None
    bodies = node.get("body")
    if bodies is None:
        return tags, ""
    single = not isinstance(bodies, list)
    for i, body in enumerate([bodies] if single else bodies):
        if type(body) is dict and type(body.get("value")) is str:
            kind, purpose, value = body.get("type"), body.get("purpose"), body["value"]
        else:
            kind = purpose = value = None
        body_path = (*path, "body") if single else (*path, "body", i)
        if kind != "TextualBody" or purpose not in ("tagging", "commenting"):  # the slow path
            if not isinstance(body, dict) or "TextualBody" not in _types(body.get("type")):
                raise _fail(body_path, "only TextualBody bodies (tags and a note) can be imported")
            value = _string(body, "value", body_path)
            purposes = _types(body.get("purpose"))
            if purposes not in (["tagging"], ["commenting"]):
                raise _fail((*body_path, "purpose"), "expected 'tagging' (a tag) or 'commenting' (the note)")
            purpose = purposes[0]
        if purpose == "tagging":
            tags.append(value)
        elif note is not None:
            raise _fail(body_path, "a second commenting body: reader keeps one note per annotation")
        else:
            note = value
    return tags, note or ""


def _target(node: dict[str, Any], path: Path) -> tuple[dict[str, Any], Path]:
    """The one target, a SpecificResource, and its place."""
    target, target_path = node.get("target"), (*path, "target")
    if isinstance(target, list):
        if len(target) != 1:
            raise _fail(target_path, "reader annotations have exactly one target")
        target, target_path = target[0], (*target_path, 0)
    if not isinstance(target, dict):
        raise _fail(target_path, "expected a SpecificResource with a source and selectors")
    return target, target_path


def _article_id(target: dict[str, Any], target_path: Path) -> str:
    """The article of the target's ``source``: ``urn:reader:article:<percent-encoded id>``."""
    source = target.get("source")
    source_path = (*target_path, "source")
    if isinstance(source, dict):
        source, source_path = source.get("id"), (*source_path, "id")
    if not isinstance(source, str) or not source.startswith(ARTICLE_IRI_PREFIX):
        raise _fail(
            source_path, f"expected an article IRI {ARTICLE_IRI_PREFIX}<article id>, found {source!r}"
        )
    raw_id = source[len(ARTICLE_IRI_PREFIX) :]
    article_id = raw_id
    if "%" in raw_id:
        try:
            article_id = unquote(raw_id, errors="strict")
        except UnicodeDecodeError:
            raise _fail(source_path, "the article id is not valid percent-encoded UTF-8") from None
    if not article_id:
        raise _fail(source_path, "the article id is empty")
    return article_id


def _selectors(target: dict[str, Any], target_path: Path) -> dict[str, Any]:
    """Quote, prefix, suffix, start and end from the TextQuoteSelector and the TextPositionSelector.

    Other selector types are alternatives for the same passage: ours are enough, the rest is ignored.
    """
    selectors = target.get("selector")
    single = not isinstance(selectors, list)
    quote_sel: dict[str, Any] | None = None
    position: dict[str, int] | None = None
    for i, sel in enumerate([selectors] if single else cast(list[Any], selectors)):
        sel_path = (*target_path, "selector") if single else (*target_path, "selector", i)
        if not isinstance(sel, dict):
            raise _fail(sel_path, "expected a selector object")
        kind = sel.get("type")
        kinds = kind if isinstance(kind, list) else (kind,)
        if "TextQuoteSelector" in kinds:
            quote_sel = {
                "quote": _string(sel, "exact", sel_path),
                "prefix": _string(sel, "prefix", sel_path, required=False),
                "suffix": _string(sel, "suffix", sel_path, required=False),
            }
        elif "TextPositionSelector" in kinds:
            start, end = _offset(sel, "start", sel_path), _offset(sel, "end", sel_path)
            if end < start:
                raise _fail((*sel_path, "end"), f"end {end} is before start {start}")
            position = {"start": start, "end": end}
        elif not kinds or kinds == (None,):
            raise _fail(sel_path, "a selector without a type")
    if quote_sel is None or position is None:
        raise _fail((*target_path, "selector"), "needs both a TextQuoteSelector and a TextPositionSelector")
    return {**position, **quote_sel}


_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


def _extensions(
    node: dict[str, Any], target: dict[str, Any], path: Path, target_path: Path
) -> dict[str, Any]:
    """Our extension properties (docs/EXPORT.md), with their defaults for files made elsewhere."""
    sha = _string(target, "reader:sourceSha256", target_path, required=False)
    if sha and not _SHA256.fullmatch(sha):
        raise _fail((*target_path, "reader:sourceSha256"), f"{sha!r} is not a SHA-256 (64 hex digits)")
    # without reader:color (a file from elsewhere), the colour of a reader-color-… style class
    color = _string(node, "reader:color", path) if "reader:color" in node else _color_from_style(target)
    problem = _color_problem(color)
    if problem is not None:
        raise _fail((*path, "reader:color"), problem)
    view = _string(node, "reader:view", path, required=False, default="original")
    if view not in VIEWS:
        raise _fail((*path, "reader:view"), f"must be one of {', '.join(VIEWS)}; found {view!r}")
    status = _string(node, "reader:status", path, required=False, default="anchored")
    if status not in STATUSES:
        raise _fail((*path, "reader:status"), f"must be one of {', '.join(STATUSES)}; found {status!r}")
    return {"article_sha256": sha.lower(), "color": color, "view": view, "status": status}


def _color_from_style(target: dict[str, Any]) -> str:
    """A colour from a ``reader-color-…`` styleClass (files without ``reader:color``), else ""."""
    for name in _types(target.get("styleClass", [])):
        if isinstance(name, str) and name.startswith(STYLE_PREFIX):
            code = name[len(STYLE_PREFIX) :]
            candidate = f"#{code}"
            try:
                return check_color(candidate) if hex_for(candidate) == candidate else ""
            except UsageError:
                return ""
    return ""
