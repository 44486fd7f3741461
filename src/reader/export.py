"""Export annotations (JSON, the project's own format; its JSON Schema ships in ``schemas/``)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from reader.convert import VIEWS
from reader.errors import ArticleError, UsageError
from reader.palette import effective_color, hex_for
from reader.workspace import Workspace

FORMAT_NAME = "reader-export"
EXPORT_SCHEMA_VERSION = 1
FORMATS = ("json",)


def export_schema() -> dict[str, Any]:
    """The JSON Schema every ``reader export --format json`` file validates against."""
    text = resources.files("reader").joinpath("schemas/export.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def build_export(
    workspace: Workspace,
    view: str = "original",
    *,
    tags: Iterable[str] = (),
    article_ids: Iterable[str] = (),
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Every matching annotation with its article, in article then document order.

    ``tags`` and ``article_ids`` filter (each is OR within itself; the two together are AND).
    Annotations of an article that can no longer be read are still exported, with the stored quote.
    """
    if view not in VIEWS:
        raise UsageError(f"unknown view {view!r}; choose one of: {', '.join(VIEWS)}")
    wanted_tags = set(tags)
    wanted_articles = set(article_ids)
    infos = {info.id: info for info in workspace.articles()}
    for article_id in wanted_articles:
        if article_id not in infos:
            raise UsageError(
                f"no article {article_id!r} in {workspace.library.root}; `reader list` shows the ids"
            )
    by_article: dict[str, list] = {}
    for annotation in workspace.store.all():
        if wanted_articles and annotation.article_id not in wanted_articles:
            continue
        if wanted_tags and not wanted_tags.intersection(annotation.tags):
            continue
        by_article.setdefault(annotation.article_id, []).append(annotation)

    articles_out: list[dict[str, Any]] = []
    annotations_out: list[dict[str, Any]] = []
    total = len(by_article)
    for done, article_id in enumerate(sorted(by_article), 1):
        info = infos.get(article_id)
        entry: dict[str, Any] = {
            "id": article_id,
            "title": info.title if info else article_id,
            "sha256": None,
        }
        try:
            article = workspace.load(article_id)
        except (ArticleError, UsageError) as exc:
            article = None
            entry["error"] = str(exc)
            annotations = sorted(by_article[article_id], key=lambda a: (a.start, a.end, a.created))
        else:
            entry["sha256"] = article.sha256
            annotations = workspace.annotations(article)
            if wanted_tags:
                annotations = [a for a in annotations if wanted_tags.intersection(a.tags)]
        articles_out.append(entry)
        view_text = workspace.view(article, view) if article is not None else None
        for annotation in annotations:
            if view_text is not None and annotation.status != "orphan":
                vs, ve = view_text.offsets.range_to_view(annotation.start, annotation.end)
                text = view_text.text[vs:ve]
            else:
                text = workspace.converter.convert(annotation.quote, view)
            annotations_out.append(
                {
                    "id": annotation.id,
                    "article_id": annotation.article_id,
                    "article_title": entry["title"],
                    "article_sha256": annotation.article_sha256,
                    "start": annotation.start,
                    "end": annotation.end,
                    "quote": annotation.quote,
                    "prefix": annotation.prefix,
                    "suffix": annotation.suffix,
                    "text": text,
                    "tags": list(annotation.tags),
                    "note": annotation.note,
                    "color": annotation.color,
                    "display_color": hex_for(effective_color(annotation.color, annotation.tags)),
                    "created": annotation.created,
                    "modified": annotation.modified,
                    "view": annotation.view,
                    "status": annotation.status,
                }
            )
        if progress is not None:
            progress(done, total)
    return {
        "format": FORMAT_NAME,
        "schema_version": EXPORT_SCHEMA_VERSION,
        "exported_at": datetime.now(UTC).isoformat(),
        "view": view,
        "articles": articles_out,
        "annotations": annotations_out,
    }


def render(data: dict[str, Any], fmt: str = "json") -> str:
    if fmt != "json":
        raise UsageError(f"unknown export format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def write_atomically(path: Path, text: str, *, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` so that a reader never sees half a file; one clear error if we can't."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"cannot write {path}: folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w", encoding=encoding, newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}; choose another path with -o") from exc
