"""Export annotations: our own JSON (schema in ``schemas/``), W3C Web Annotation, CSV and Markdown.

:func:`build_export` collects the annotations once (filters applied, each re-anchored against its
article as it is now, the passage converted to the chosen view); :func:`render` turns that data into any
of the formats. docs/EXPORT.md documents every format and field.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import operator
import os
import re
import socket
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from reader.articles import ArticleInfo
from reader.convert import check_view
from reader.errors import ArticleError, UsageError
from reader.passages import PassageView
from reader.sanitise import safe_json_bytes, safe_line, safe_xml_bytes
from reader.schema import export_schema as export_schema  # the schema of the "json" format, named here too
from reader.store import Annotation
from reader.tags import normalise_tags, tags_under
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
    While an article is open its views are frozen (``reader.pacing``): then the new objects stay frozen
    with them, as unfreezing would hand those views back to every full collection.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            kept = gc.get_freeze_count()  # an open article's long-lived objects (reader.pacing): kept frozen
            gc.freeze()
            if not kept:
                gc.unfreeze()
            gc.enable()


def build_export(
    workspace: Workspace,
    view: str = "original",
    *,
    tags: Iterable[str] = (),
    article_ids: Iterable[str] = (),
    progress: Callable[[int, int], None] | None = None,
    coders: Iterable[str] | None = None,
) -> dict[str, Any]:
    """Every matching annotation with its article, in article then document order.

    ``tags``, ``article_ids`` and ``coders`` (everyone's when None; ``agreed`` is the agreed version)
    filter (each is OR within itself; together they are AND); a tag keeps
    its sub-tags too, in any script (``来源`` keeps ``來源/官方``: :func:`reader.tags.tags_under`). Each
    article is read once: its annotations are re-anchored if its text changed (as when it is opened) and
    their passage is taken from the view's text. Annotations of an article that can no longer be read
    are still exported, with the stored quote. ``progress(done, total)`` is called after each article.
    """
    with paused_gc():
        chosen = None if coders is None else frozenset(coders)
        return _build_export(workspace, view, tags, article_ids, progress, chosen)


def left_out(workspace: Workspace, article_ids: Iterable[str] = ()) -> list[str]:
    """Why some annotations cannot be exported: one line per unreadable article file (of the wanted
    articles, or of all) and for an unfinished change. The export leaves those out; a caller must say so."""
    store = workspace.store
    wanted = list(article_ids)
    if not wanted:
        return store.problems()
    store.counts()
    lines = [p for a in wanted if (p := store.problem_for(a)) is not None]
    pending = store.pending_problem()
    return lines if pending is None else [*lines, pending]


def _build_export(
    workspace: Workspace,
    view: str,
    tags: Iterable[str],
    article_ids: Iterable[str],
    progress: Callable[[int, int], None] | None,
    coders: frozenset[str] | None = None,
) -> dict[str, Any]:
    check_view(view)
    wanted_tags = set(normalise_tags(tags))
    if wanted_tags:  # the stored tags the filter keeps: each one and its sub-tags, 简 and 繁 alike
        wanted_tags = tags_under(wanted_tags, workspace.store.tags()) or wanted_tags  # none: nothing kept
    ids, infos = _selected_articles(workspace, wanted_tags, article_ids)
    articles_out: list[dict[str, Any]] = []
    annotations_out: list[dict[str, Any]] = []
    colors: dict[tuple[str, str], str] = {}
    for done, article_id in enumerate(ids, 1):
        info = infos.get(article_id)
        title = info.title if info else article_id
        entry, records, passages = _article(workspace, article_id, title, view, wanted_tags, coders)
        if records:
            articles_out.append(entry)
            _add_records(annotations_out, records, passages, title, workspace, colors)
        if progress is not None:
            progress(done, len(ids))
    return {
        "format": FORMAT_NAME,
        "schema_version": EXPORT_SCHEMA_VERSION,
        "exported_at": datetime.now(UTC).isoformat(timespec="microseconds"),
        "view": view,
        "articles": articles_out,
        "annotations": annotations_out,
    }


def _selected_articles(
    workspace: Workspace, wanted_tags: set[str], article_ids: Iterable[str]
) -> tuple[list[str], dict[str, ArticleInfo]]:
    """The ids of the articles with annotations to export (sorted), and the library's articles."""
    store = workspace.store
    counts = store.counts()  # an unreadable article file is left out here; see left_out()
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
    return sorted(a for a in counts if not wanted_articles or a in wanted_articles), infos


def _article(
    workspace: Workspace,
    article_id: str,
    title: str,
    view: str,
    wanted_tags: set[str],
    coders: frozenset[str] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]], PassageView]:
    """The article's entry, its stored records to export (re-anchored if its text changed, as opening
    it would) and its passages in ``view``. Stored records, not Annotation objects: at 100,000
    annotations building objects costs seconds."""
    records = workspace.store.records(article_id, coders=coders)
    if wanted_tags:
        records = [r for r in records if wanted_tags.intersection(r["tags"])]
    entry: dict[str, Any] = {"id": article_id, "title": title, "sha256": None}
    if not records:
        return entry, records, PassageView(workspace.converter, view)
    try:
        article = workspace.load(article_id)
    except (ArticleError, UsageError) as exc:
        entry["error"] = str(exc)
        return entry, records, PassageView(workspace.converter, view)
    entry["sha256"] = sha = article.sha256
    if set(map(_SHA, records)) != {sha} or "orphan" in map(_STATUS, records):
        records = [a.to_dict() for a in workspace.annotations(article, coders=coders)]
        if wanted_tags:
            records = [r for r in records if wanted_tags.intersection(r["tags"])]
    return entry, records, PassageView(workspace.converter, view, workspace.view(article, view))


def _add_records(
    out: list[dict[str, Any]],
    records: list[dict[str, Any]],
    passages: PassageView,
    title: str,
    workspace: Workspace,
    colors: dict[tuple[str, str], str],
) -> None:
    """Each record with its article's title, its passage in the view and the colour it is drawn in."""
    append, passage = out.append, passages.text
    me = workspace.store.coder.name  # this coder's own records keep an empty creator (reader.store)
    for r in records:
        quote, start, end, tags, color = _PASSAGE_FIELDS(r)
        key = (color, tags[0] if tags else "")
        display = colors.get(key)
        if display is None:
            display = colors[key] = workspace.display_color(color, tags)
        text = passage(start, end, quote, r.get("status") == "orphan")
        extra = {
            "tags": list(tags),
            "article_title": title,
            "text": text,
            "display_color": display,
            "creator": r.get("creator") or me,
        }
        if r.keys() == _RECORD_KEYS:  # exactly the stored fields (each checked when the file was read)
            append(r | extra)  # C-level merges: building 100,000 dicts key by key takes seconds
        else:  # an older record without a defaulted field, or unknown extra keys: take ours only
            append({name: r.get(name, default) for name, default in _RECORD_FIELDS} | extra)


def _json(data: Any) -> bytes:
    """Readable JSON: indented, UTF-8 (Chinese stays Chinese), every control character escaped.

    orjson escapes C0 controls; :func:`reader.sanitise.safe_json_bytes` escapes the rest (C1, bidi, …), so
    a note typed with an ESC sequence or a U+009B cannot drive a terminal that shows the file.
    """
    return safe_json_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE))


#: ``--csv-formulas``: neutralise cells a spreadsheet would run as a formula (the default), or keep them
CSV_FORMULAS = ("neutralise", "keep")


def render_bytes(
    data: dict[str, Any],
    fmt: str = "json",
    *,
    workspace: Workspace | None = None,
    csv_formulas: str = "neutralise",
    **options: Any,
) -> bytes:
    """The export ``data`` (from :func:`build_export`) as UTF-8 in ``fmt`` (see docs/EXPORT.md).

    CSV starts with a byte-order mark (so spreadsheet programs read it as UTF-8); with ``csv_formulas``
    "neutralise" a cell starting with ``= + - @``, a tab or a line break gets a leading ``'`` (OWASP). The
    formats in :data:`WORKSPACE_FORMATS` read the articles (or the codebook) again, so they need
    ``workspace``; ``options`` are theirs: ``jsonl_shape``, ``offsets`` (jsonl), ``line_endings`` (qdpx).
    """
    check_format(fmt)
    if csv_formulas not in CSV_FORMULAS:
        raise UsageError(f"unknown --csv-formulas {csv_formulas!r}; choose one of: {', '.join(CSV_FORMULAS)}")
    if fmt in WORKSPACE_FORMATS:
        if workspace is None:
            raise UsageError(f"the {fmt} export reads the articles again: it needs the workspace")
        from reader.formats.exchange import render_exchange

        payload = render_exchange(workspace, data, fmt, **options)
        # the text formats cannot drive a terminal that shows them either (a zip is never shown)
        if fmt == "jsonl":
            return safe_json_bytes(payload)
        return safe_xml_bytes(payload) if fmt == "qdc" else payload
    with paused_gc():
        return _render(data, fmt, csv_formulas == "neutralise")


def _render(data: dict[str, Any], fmt: str, neutralise_formulas: bool) -> bytes:
    if fmt == "json":
        return _json(data)
    if fmt == "w3c":
        from reader.formats.w3c import to_w3c

        return _json(to_w3c(data))
    if fmt == "csv":
        from reader.formats.csvfile import render_csv

        return render_csv(data, neutralise_formulas=neutralise_formulas).encode("utf-8")
    from reader.formats.markdown import render_markdown

    return render_markdown(data).encode("utf-8")


def render(data: dict[str, Any], fmt: str = "json", *, csv_formulas: str = "neutralise") -> str:
    """As :func:`render_bytes`, as text."""
    return render_bytes(data, fmt, csv_formulas=csv_formulas).decode("utf-8")


def default_export_name(fmt: str, now: datetime | None = None) -> str:
    """``reader-export-<UTC time>.<ext>``, e.g. ``reader-export-20261123-152000.json``."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return f"reader-export-{stamp}.{EXTENSIONS[check_format(fmt)]}"


# -- where an export may be written ------------------------------------------------------------------


def protected_folders(workspace: Workspace) -> list[Path]:
    """The folders an export must never write into: the articles and the annotation database."""
    return [workspace.library.root, workspace.store.path]


def check_output(path: Path | str, protected: Iterable[Path] = ()) -> Path:
    """The file an export of ``path`` will replace or create; UsageError (one line) if it must not.

    Refused: a folder; anything that exists and is not a regular file (a fifo, a device, a socket); a
    symbolic link to one of those or to nothing; a path whose folder does not exist; a path inside one of
    the ``protected`` folders (the articles, the database), also through a symbolic link. A symbolic link
    to a regular file is followed: the file it points to is replaced, the link stays.
    """
    path = Path(path).expanduser()
    try:
        return _check_output(path, protected)
    except OSError as exc:  # a name too long, a folder we may not read…
        reason = safe_line(exc.strerror or str(exc))
        raise UsageError(f"cannot write {safe_line(str(path))}: {reason}; choose another path") from exc


def _check_output(path: Path, protected: Iterable[Path]) -> Path:
    shown = safe_line(str(path))
    if path.is_symlink() and not path.exists():
        raise UsageError(f"cannot write {shown}: it is a symbolic link to nothing; give another file name")
    if path.is_dir():
        raise UsageError(f"cannot write {shown}: it is a folder; give a file name")
    if path.exists() and not path.is_file():
        raise UsageError(
            f"cannot write {shown}: it is not a regular file (a fifo, a device or a socket); "
            "give a file name, or `-o -` for standard output"
        )
    target = Path(os.path.realpath(path))
    folder = target.parent
    if not folder.is_dir():
        raise UsageError(f"cannot write {shown}: folder {safe_line(str(path.parent))} does not exist")
    for root in protected:
        real_root = Path(os.path.realpath(root))
        if target == real_root or target.is_relative_to(real_root):
            raise UsageError(
                f"cannot write {shown}: it is inside {safe_line(str(root))}, which reader manages "
                "(the articles or the annotation database); export somewhere else"
            )
    return target


# Temporary files are named `.<name>.<host>-<pid>-<random>.reader.tmp`: only files of exactly this form are
# ever removed by :func:`remove_stale_temporaries` (never a user's own *.tmp).
_TMP_SUFFIX = ".reader.tmp"
_TMP_PATTERN = re.compile(r"^\..*\.(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-[a-z0-9_]{8}\.reader\.tmp$")
#: a temporary file this old is abandoned even if a process with its writer's pid exists (pids are reused)
STALE_SECONDS = 24 * 3600
#: a name part of at most this many bytes keeps the temporary name under the usual 255-byte limit
_TMP_NAME_BYTES = 120


def _host_tag() -> str:
    return hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, owned by someone else
        return True
    return True


def remove_stale_temporaries(folder: Path, *, now: float | None = None) -> list[Path]:
    """Remove temporary files left in ``folder`` by exports that were killed; return what was removed.

    Only files named as ours, and only if their writer is gone (same host, no such pid) or they are older
    than :data:`STALE_SECONDS`: a temporary file of an export running now is never touched.
    """
    removed: list[Path] = []
    host = _host_tag()
    now = time.time() if now is None else now
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TMP_PATTERN.match(entry.name)
        if match is None or not entry.is_file(follow_symlinks=False):
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        gone = match["host"] == host and not _pid_alive(int(match["pid"]))
        if gone or age > STALE_SECONDS:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def write_atomically(
    path: Path, content: str | bytes, *, encoding: str = "utf-8", protected: Iterable[Path] = ()
) -> Path:
    """Write ``content`` to ``path`` so that a reader never sees half a file; one clear error if we can't.

    The path is checked first (:func:`check_output`, with the ``protected`` folders); returns the file
    written (a symbolic link's target). Text is encoded with ``encoding``; bytes are written as they are.
    A new file gets mode 0644 (an existing one keeps its mode). The temporary file is removed on failure,
    and temporary files that killed exports left in the folder are removed first.
    """
    target = check_output(path, protected)
    folder = target.parent
    remove_stale_temporaries(folder)
    tmp: str | None = None
    try:
        try:
            mode = target.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o644
        payload = content.encode(encoding) if isinstance(content, str) else content
        name = target.name.encode("utf-8", "surrogateescape")[:_TMP_NAME_BYTES]
        prefix = f".{name.decode('utf-8', 'ignore')}.{_host_tag()}-{os.getpid()}-"
        fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=_TMP_SUFFIX, dir=folder)
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        tmp = None
        _fsync_folder(folder)
    except OSError as exc:
        reason = safe_line(exc.strerror or str(exc))
        raise UsageError(f"cannot write {safe_line(str(path))}: {reason}; choose another path") from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return target


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable (the file's new name is in the folder's data)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
