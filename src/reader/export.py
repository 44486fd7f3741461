"""Export annotations: our own JSON (schema in ``schemas/``), W3C Web Annotation, CSV and Markdown.

:func:`build_export` collects the annotations once (filters applied, each re-anchored against its
article as it is now, the passage converted to the chosen view); :func:`render` turns that data into any
of the formats. docs/EXPORT.md documents every format and field.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json
import operator
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import orjson

from reader.articles import Article
from reader.convert import check_view
from reader.errors import ArticleError, StoreCorruptError, UsageError
from reader.store import Annotation
from reader.tags import normalise_tags
from reader.workspace import Workspace

FORMAT_NAME = "reader-export"
EXPORT_SCHEMA_VERSION = 1
FORMATS = ("json", "w3c", "csv", "md", "jsonl", "qdpx", "qdc")
#: file name extension per format (the in-app dialog's default path)
EXTENSIONS = {
    "json": "json",
    "w3c": "jsonld",
    "csv": "csv",
    "md": "md",
    "jsonl": "jsonl",
    "qdpx": "qdpx",
    "qdc": "qdc",
}
FORMAT_LABELS = {
    "json": "JSON (lossless)",
    "w3c": "W3C Web Annotation",
    "csv": "CSV (spreadsheets)",
    "md": "Markdown (reading)",
    "jsonl": "JSON Lines (doccano, Label Studio)",
    "qdpx": "REFI-QDA project (NVivo, MAXQDA, ATLAS.ti, QualCoder)",
    "qdc": "REFI-QDA codebook",
}
#: formats that carry whole articles or the codebook: rendering them needs the workspace
WORKSPACE_FORMATS = frozenset({"jsonl", "qdpx", "qdc"})
#: formats that are not text (never written to a terminal)
BINARY_FORMATS = frozenset({"qdpx"})


#: the fields of a stored annotation record, with their defaults (None: required)
_RECORD_FIELDS = tuple(
    (f.name, f.default if f.default is not dataclasses.MISSING else None)
    for f in dataclasses.fields(Annotation)
)
_RECORD_KEYS = frozenset(name for name, _ in _RECORD_FIELDS)
_SHA = operator.itemgetter("article_sha256")
_PASSAGE_FIELDS: Callable[[dict[str, Any]], tuple[str, int, int, list[str], str]] = operator.itemgetter(
    "quote", "start", "end", "tags", "color"
)
_STATUS = operator.methodcaller("get", "status", "anchored")


def export_schema() -> dict[str, Any]:
    """The JSON Schema every ``reader export --format json`` file validates against."""
    text = resources.files("reader").joinpath("schemas/export.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    return fmt


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cycle collector while building or reading 100,000 records (none has cycles).

    Every few hundred allocations the collector runs, and now and then it scans the whole heap: with
    millions of new objects that is a third of the time of an export or an import. Merely re-enabling it
    afterwards would make its next run scan every object made meanwhile (0.3 s at 100,000 records), so
    they are first moved to the oldest generation (``freeze`` then ``unfreeze``), which is scanned only
    rarely; by then the records are usually gone (they are freed by reference counting, not by it).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def build_export(
    workspace: Workspace,
    view: str = "original",
    *,
    tags: Iterable[str] = (),
    article_ids: Iterable[str] = (),
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Every matching annotation with its article, in article then document order.

    ``tags`` and ``article_ids`` filter (each is OR within itself; the two together are AND). Each
    article is read once: its annotations are re-anchored if its text changed (as when it is opened) and
    their passage is taken from the view's text. Annotations of an article that can no longer be read
    are still exported, with the stored quote. ``progress(done, total)`` is called after each article.
    """
    with paused_gc():
        return _build_export(workspace, view, tags, article_ids, progress)


def _build_export(
    workspace: Workspace,
    view: str,
    tags: Iterable[str],
    article_ids: Iterable[str],
    progress: Callable[[int, int], None] | None,
) -> dict[str, Any]:
    check_view(view)
    wanted_tags = set(normalise_tags(tags))
    store = workspace.store
    counts = store.counts()
    problems = store.problems()
    if problems:  # an export must not silently miss annotations
        raise StoreCorruptError(problems[0])
    infos = {info.id: info for info in workspace.articles()}
    wanted_articles: set[str] = set()
    for article_id in article_ids:
        if article_id not in infos and article_id not in counts:
            article_id = workspace.library.resolve(article_id)  # a path, or a clear error
        wanted_articles.add(article_id)
    if wanted_tags:
        tag_counts = store.tags()
        if not any(tag in tag_counts for tag in wanted_tags):
            counts = {}
    ids = sorted(a for a in counts if not wanted_articles or a in wanted_articles)

    articles_out: list[dict[str, Any]] = []
    annotations_out: list[dict[str, Any]] = []
    append = annotations_out.append
    colors: dict[tuple[str, str], str] = {}
    total = len(ids)
    convert = workspace.converter.convert
    for done, article_id in enumerate(ids, 1):
        # Stored records, not Annotation objects: at 100,000 annotations building objects costs seconds.
        records = store.records(article_id)
        if wanted_tags:
            records = [r for r in records if wanted_tags.intersection(r["tags"])]
        if not records:
            if progress is not None:
                progress(done, total)
            continue
        info = infos.get(article_id)
        title = info.title if info else article_id
        entry: dict[str, Any] = {"id": article_id, "title": title, "sha256": None}
        article: Article | None
        try:
            article = workspace.load(article_id)
        except (ArticleError, UsageError) as exc:
            article = None
            entry["error"] = str(exc)
        else:
            entry["sha256"] = sha = article.sha256
            shas = set(map(_SHA, records))
            if shas != {sha} or "orphan" in map(_STATUS, records):
                # the text changed since some were made: re-anchor them, as opening the article would
                records = [a.to_dict() for a in workspace.annotations(article)]
                if wanted_tags:
                    records = [r for r in records if wanted_tags.intersection(r["tags"])]
        articles_out.append(entry)
        view_text = workspace.view(article, view) if article is not None else None
        identity = view_text is None or view_text.offsets.identity
        view_chars = view_text.text if view_text is not None else ""
        for r in records:
            quote, start, end, tags, color = _PASSAGE_FIELDS(r)
            if view_text is None or r.get("status") == "orphan":
                text = convert(quote, view)
            elif identity:
                # one-for-one offsets (the characters may still differ: 该 -> 該)
                text = view_chars[start:end]
            else:
                vs, ve = view_text.offsets.range_to_view(start, end)
                text = view_chars[vs:ve]
            key = (color, tags[0] if tags else "")
            display = colors.get(key)
            if display is None:
                display = colors[key] = workspace.display_color(color, tags)
            extra = {"tags": list(tags), "article_title": title, "text": text, "display_color": display}
            if r.keys() == _RECORD_KEYS:  # exactly the stored fields (each checked when the file was read)
                append(r | extra)  # C-level merges: building 100,000 dicts key by key takes seconds
            else:  # an older record without a defaulted field, or unknown extra keys: take ours only
                append({name: r.get(name, default) for name, default in _RECORD_FIELDS} | extra)
        if progress is not None:
            progress(done, total)
    return {
        "format": FORMAT_NAME,
        "schema_version": EXPORT_SCHEMA_VERSION,
        "exported_at": datetime.now(UTC).isoformat(timespec="microseconds"),
        "view": view,
        "articles": articles_out,
        "annotations": annotations_out,
    }


def _json(data: Any) -> bytes:
    """Readable JSON: indented, UTF-8 (Chinese stays Chinese), control characters escaped."""
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


def render_bytes(
    data: dict[str, Any], fmt: str = "json", *, workspace: Workspace | None = None, **options: Any
) -> bytes:
    """The export ``data`` (from :func:`build_export`) as UTF-8 in ``fmt`` (see docs/EXPORT.md).

    CSV starts with a byte-order mark (so spreadsheet programs read it as UTF-8). The formats in
    :data:`WORKSPACE_FORMATS` read the articles (or the codebook) again, so they need ``workspace``;
    ``options`` are theirs: ``jsonl_shape``, ``offsets`` (jsonl), ``line_endings`` (qdpx).
    """
    check_format(fmt)
    if fmt in WORKSPACE_FORMATS:
        if workspace is None:
            raise UsageError(f"the {fmt} export reads the articles again: it needs the workspace")
        from reader.formats.exchange import render_exchange

        return render_exchange(workspace, data, fmt, **options)
    with paused_gc():
        return _render(data, fmt)


def _render(data: dict[str, Any], fmt: str) -> bytes:
    if fmt == "json":
        return _json(data)
    if fmt == "w3c":
        from reader.formats.w3c import to_w3c

        return _json(to_w3c(data))
    if fmt == "csv":
        from reader.formats.csvfile import render_csv

        return render_csv(data).encode("utf-8")
    from reader.formats.markdown import render_markdown

    return render_markdown(data).encode("utf-8")


def render(data: dict[str, Any], fmt: str = "json") -> str:
    """As :func:`render_bytes`, as text."""
    return render_bytes(data, fmt).decode("utf-8")


def default_export_name(fmt: str, now: datetime | None = None) -> str:
    """``reader-export-<UTC time>.<ext>``, e.g. ``reader-export-20261123-152000.json``."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return f"reader-export-{stamp}.{EXTENSIONS[check_format(fmt)]}"


def write_atomically(path: Path, content: str | bytes, *, encoding: str = "utf-8") -> None:
    """Write ``content`` to ``path`` so that a reader never sees half a file; one clear error if we can't.

    Text is encoded with ``encoding``; bytes are written as they are.

    A new file gets mode 0644 (an existing one keeps its mode); the temporary file is removed on failure.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise UsageError(f"cannot write {path}: it is a folder; give a file name")
    if not folder.is_dir():
        raise UsageError(f"cannot write {path}: folder {folder} does not exist")
    tmp: str | None = None
    try:
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o644
        payload = content.encode(encoding) if isinstance(content, str) else content
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}; choose another path") from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
