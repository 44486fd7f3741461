"""JSON Lines for NLP annotation tools: one line per article, in doccano's or Label Studio's shape.

- ``doccano`` (sequence labelling): ``{"text": …, "label": [[start, end, "tag"], …]}`` plus our
  ``id``, ``title`` and ``view`` (doccano keeps unknown keys as metadata). An annotation with several tags
  gives one label per tag; notes have no place in this shape and are left out.
- ``labelstudio``: a task ``{"data": {"text": …}, "annotations": [{"result": […]}]}``, one annotation per
  coder (``data.coders`` names them, in order), each passage a ``labels`` region (``from_name``
  "label", ``to_name`` "text") and its note a per-region ``textarea`` result (``from_name`` "note")
  with the same region id.

Offsets are into the text of the line (the article in the export's view), in Unicode code points or, with
``offsets="utf16"``, in UTF-16 code units: what JavaScript counts, and so what Label Studio and doccano's
web front end use. The two differ after any character beyond U+FFFF (emoji, CJK Extension B).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson

from reader.errors import UsageError
from reader.formats.viewtext import ViewArticle, coder_of, default_coder, utf16_offsets, view_articles

if TYPE_CHECKING:
    from reader.workspace import Workspace

SHAPES = ("doccano", "labelstudio")
OFFSETS = ("codepoints", "utf16")


def check_options(shape: str, offsets: str) -> None:
    if shape not in SHAPES:
        raise UsageError(f"unknown JSON Lines shape {shape!r}; choose one of: {', '.join(SHAPES)}")
    if offsets not in OFFSETS:
        raise UsageError(f"unknown offset unit {offsets!r}; choose one of: {', '.join(OFFSETS)}")


def render_jsonl(
    workspace: Workspace,
    data: dict[str, Any],
    *,
    shape: str = "doccano",
    offsets: str = "codepoints",
    coder: str | None = None,
) -> bytes:
    """The export ``data`` (from :func:`reader.export.build_export`) as JSON Lines, UTF-8."""
    check_options(shape, offsets)
    articles, _ = view_articles(workspace, data)
    default = coder or default_coder()
    line = _doccano_line if shape == "doccano" else _labelstudio_line
    out = bytearray()
    for article in articles:
        measure = utf16_offsets(article.text) if offsets == "utf16" else _same
        out += orjson.dumps(line(article, data["view"], measure, default))
        out += b"\n"
    return bytes(out)


def _same(pos: int) -> int:
    return pos


def _doccano_line(
    article: ViewArticle, view: str, measure: Callable[[int], int], coder: str
) -> dict[str, Any]:
    labels = [[measure(p.start), measure(p.end), tag] for p in article.passages for tag in p.record["tags"]]
    return {"id": article.id, "title": article.title, "view": view, "text": article.text, "label": labels}


def _labelstudio_line(
    article: ViewArticle, view: str, measure: Callable[[int], int], coder: str
) -> dict[str, Any]:
    by_coder: dict[str, list[dict[str, Any]]] = {}
    for p in article.passages:
        record = p.record
        start, end = measure(p.start), measure(p.end)
        text = article.text[p.start : p.end]
        results = by_coder.setdefault(coder_of(record, coder), [])
        results.append(
            {
                "id": record["id"],
                "from_name": "label",
                "to_name": "text",
                "type": "labels",
                "value": {"start": start, "end": end, "text": text, "labels": list(record["tags"])},
            }
        )
        if record["note"]:
            results.append(
                {
                    "id": record["id"],
                    "from_name": "note",
                    "to_name": "text",
                    "type": "textarea",
                    "value": {"start": start, "end": end, "text": [record["note"]]},
                }
            )
    data: dict[str, Any] = {"text": article.text, "article_id": article.id, "title": article.title}
    data["view"] = view
    data["coders"] = list(by_coder)  # the coder of each of "annotations", in order
    return {"data": data, "annotations": [{"result": results} for results in by_coder.values()]}
