"""W3C Web Annotation Data Model (https://www.w3.org/TR/annotation-model/) as JSON-LD: the export.

Export: one ``AnnotationCollection`` whose ``first`` is one embedded ``AnnotationPage`` holding every
annotation in ``items`` (no page when there are none: a page MUST have at least one item). Each
annotation carries its own ``@context`` too, so it is valid on its own when taken out of the collection.

Per annotation (docs/EXPORT.md has the full table):

* ``id`` ``urn:uuid:<our uuid>``; ``type`` ``Annotation``; ``motivation`` ``highlighting``, or
  ``commenting`` when there is a note; ``created`` / ``modified`` as stored (xsd:dateTime, UTC);
  ``creator``, the coder, as an Agent: ``{"id": "urn:reader:coder:<name>", "type": "Person", "name"}``.
* ``body``: one ``TextualBody`` with purpose ``tagging`` per tag (in order), then the note as a
  ``TextualBody`` with purpose ``commenting`` and format ``text/plain``.
* ``target``: a ``SpecificResource`` whose ``source`` is ``urn:reader:article:<percent-encoded id>``, with
  two alternative selectors: ``TextQuoteSelector`` (exact, prefix, suffix) and ``TextPositionSelector``
  (start, end: code points of the normalised original text); ``styleClass`` names the colour, defined by
  the annotation's embedded ``CssStylesheet``.
* Extension properties, in our own namespace (prefix ``reader:``, declared in the ``@context``), for a
  lossless round trip: ``reader:color`` (as stored: empty = the tag's colour), ``reader:view``,
  ``reader:status``, ``reader:text`` (the passage in the export's view) on the annotation, and
  ``reader:sourceSha256`` (sha256 of the article text the selectors refer to) on the target.

Import: :mod:`reader.formats.w3c_read` reads this format back.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from reader import __version__

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
READER_NS = "https://github.com/reader/reader/ns#"
CONTEXT: list[Any] = [ANNO_CONTEXT, {"reader": READER_NS}]
ARTICLE_IRI_PREFIX = "urn:reader:article:"
CODER_IRI_PREFIX = "urn:reader:coder:"
STYLE_PREFIX = "reader-color-"
SCHEMA_VERSION = 1
STATUSES = ("anchored", "reanchored", "orphan")
#: the motivations defined by the model (section 3.3.5)
MOTIVATIONS = frozenset(
    {
        "assessing",
        "bookmarking",
        "classifying",
        "commenting",
        "describing",
        "editing",
        "highlighting",
        "identifying",
        "linking",
        "moderating",
        "questioning",
        "replying",
        "tagging",
    }
)


def article_iri(article_id: str) -> str:
    return ARTICLE_IRI_PREFIX + quote(article_id, safe="/")


def coder_agent(name: str) -> dict[str, Any]:
    """The W3C Agent for a coder (section 3.3.1: ``creator``), a Person with a stable IRI."""
    return {"id": CODER_IRI_PREFIX + quote(name, safe=""), "type": "Person", "name": name}


def style_class(display_color: str) -> str:
    """CSS class for a colour as drawn (#rrggbb): ``reader-color-8a7a1a``."""
    return STYLE_PREFIX + display_color.lstrip("#").lower()


def _collection_ids(exported_at: str) -> tuple[str, str]:
    """Ids for the collection and its page, derived from the export time (same input, same output)."""
    base = uuid.uuid5(uuid.NAMESPACE_URL, f"urn:reader:export:{exported_at}")
    return f"urn:uuid:{base}", f"urn:uuid:{uuid.uuid5(base, 'page-1')}"


def to_w3c(data: dict[str, Any]) -> dict[str, Any]:
    """The JSON export's data as an AnnotationCollection (see the module docstring)."""
    to_annotation = _Converter()
    items = [to_annotation(a) for a in data["annotations"]]
    collection_id, page_id = _collection_ids(data["exported_at"])
    collection: dict[str, Any] = {
        "@context": CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": f"reader export: {len(items)} annotations",
        "total": len(items),
        "generated": data["exported_at"],
        "generator": {
            "id": "https://github.com/reader/reader",
            "type": "Software",
            "name": f"reader {__version__}",
        },
        "reader:schemaVersion": SCHEMA_VERSION,
        "reader:view": data["view"],
        "reader:articles": [
            {"id": article_iri(a["id"]), **{f"reader:{k}": v for k, v in a.items() if k != "id"}}
            for a in data["articles"]
        ],
    }
    if items:
        collection["first"] = {
            "id": page_id,
            "type": "AnnotationPage",
            "partOf": collection_id,
            "startIndex": 0,
            "items": items,
        }
    return collection


class _Converter:
    """Builds W3C annotations, sharing the parts that repeat (tag bodies, stylesheets, source IRIs).

    Shared dicts are fine: the result is serialised, never modified (and 100,000 annotations convert in
    a fraction of the time).
    """

    def __init__(self) -> None:
        self._tags: dict[str, dict[str, Any]] = {}
        self._styles: dict[str, tuple[str, dict[str, Any]]] = {}
        self._sources: dict[str, str] = {}
        self._agents: dict[str, dict[str, Any]] = {}

    def __call__(self, a: dict[str, Any]) -> dict[str, Any]:
        tag_bodies = self._tags
        bodies: list[dict[str, Any]] = []
        for tag in a["tags"]:
            body = tag_bodies.get(tag)
            if body is None:
                body = tag_bodies[tag] = {"type": "TextualBody", "purpose": "tagging", "value": tag}
            bodies.append(body)
        note = a["note"]
        if note:
            bodies.append(
                {"type": "TextualBody", "purpose": "commenting", "value": note, "format": "text/plain"}
            )
        quote_selector: dict[str, Any] = {"type": "TextQuoteSelector", "exact": a["quote"]}
        if a["prefix"]:
            quote_selector["prefix"] = a["prefix"]
        if a["suffix"]:
            quote_selector["suffix"] = a["suffix"]
        display = a["display_color"]
        style = self._styles.get(display)
        if style is None:
            css_class = style_class(display)
            sheet = {"type": "CssStylesheet", "value": f".{css_class} {{ background-color: {display}; }}"}
            style = self._styles[display] = (css_class, sheet)
        source = self._sources.get(a["article_id"])
        if source is None:
            source = self._sources[a["article_id"]] = article_iri(a["article_id"])
        out: dict[str, Any] = {
            "@context": CONTEXT,
            "id": f"urn:uuid:{a['id']}",
            "type": "Annotation",
            "motivation": "commenting" if note else "highlighting",
            "created": a["created"],
            "modified": a["modified"],
        }
        creator = a.get("creator")
        if creator:
            agent = self._agents.get(creator)
            if agent is None:
                agent = self._agents[creator] = coder_agent(creator)
            out["creator"] = agent
        if bodies:
            out["body"] = bodies
        out["target"] = {
            "type": "SpecificResource",
            "source": source,
            "selector": [
                quote_selector,
                {"type": "TextPositionSelector", "start": a["start"], "end": a["end"]},
            ],
            "styleClass": style[0],
            "reader:sourceSha256": a["article_sha256"],
        }
        out["stylesheet"] = style[1]
        out["reader:color"] = a["color"]
        out["reader:view"] = a["view"]
        out["reader:status"] = a["status"]
        out["reader:text"] = a["text"]
        return out
