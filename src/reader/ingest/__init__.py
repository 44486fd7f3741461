"""``reader add``: bring saved web pages, EPUB, DOCX and PDF files in as clean ``.txt`` articles.

Each source becomes ``NAME.txt`` (the title, a blank line, the body paragraphs) in the articles folder,
with ``NAME.meta.json`` (source, URL, site, author, date, extraction tool, the source's sha256) and the
original kept beside it as ``NAME.source.EXT``. Nothing existing is ever overwritten (new files are
linked into place, which fails if the name is taken), and adding a source whose bytes were added before is
a no-op. The ``.txt`` is written last, so an interrupted add never shows a half article in the library.

The extractors are well-kept libraries (see ``html.py`` and ``documents.py``); what they leave of the
page's boilerplate (a byline, a photo credit, "责任编辑") is taken out by :mod:`reader.structure`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reader.discovery import id_of
from reader.errors import ArticleError, UsageError
from reader.sanitise import safe_line

SUFFIXES = (".html", ".htm", ".xhtml", ".mhtml", ".mht", ".epub", ".docx", ".pdf")
META_SUFFIX = ".meta.json"
SOURCE_INFIX = ".source"
MAX_SOURCE_BYTES = 200 * 1024 * 1024
#: what an article's file name must not have (a byte that is not UTF-8 arrives as a lone surrogate)
_BAD_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|\ud800-\udfff]+")


@dataclass
class Extracted:
    """What an extractor found: the title, the body paragraphs in order, and what is known about it."""

    title: str
    paragraphs: list[str]
    tool: str
    url: str | None = None
    site: str | None = None
    author: str | None = None
    date: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AddResult:
    source: Path
    status: str  # "added" | "unchanged" | "error"
    article_id: str | None = None
    message: str = ""


def extract(path: Path, data: bytes) -> Extracted:
    """Dispatch on the file's suffix; raises ArticleError with one line when the file can't be read."""
    suffix = path.suffix.lower()
    where = safe_line(str(path))
    try:
        if suffix in (".html", ".htm", ".xhtml"):
            from reader.ingest.html import extract_html

            return extract_html(data, where)
        if suffix in (".mhtml", ".mht"):
            from reader.ingest.html import extract_mhtml

            return extract_mhtml(data, where)
        from reader.ingest import documents

        if suffix == ".epub":
            return documents.extract_epub(data, where)
        if suffix == ".docx":
            return documents.extract_docx(data, where)
        if suffix == ".pdf":
            return documents.extract_pdf(data, where)
    except ArticleError:
        raise
    except Exception as exc:  # a broken file must not stop the other files: one line, and go on
        raise ArticleError(f"{where}: cannot extract the text ({type(exc).__name__}: {exc})") from exc
    raise UsageError(f"{where}: unsupported file type {suffix or '(none)'}; use {', '.join(SUFFIXES)}")


def sources(paths: list[Path]) -> list[Path]:
    """The files to add: each file named, and every supported file under each folder (sorted)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES))
        elif path.is_file():
            found.append(path)
        else:
            raise UsageError(f"no such file or folder: {safe_line(str(path))}")
    return found


def add_paths(paths: list[Path], root: Path) -> list[AddResult]:
    """Add every source under ``paths`` to the articles folder ``root``; one result per source."""
    if not root.is_dir():
        raise UsageError(f"articles folder not found: {safe_line(str(root))}")
    known = _known_sources(root)
    results = []
    for source in sources(paths):
        try:
            results.append(_add_one(source, root, known))
        except (ArticleError, UsageError) as exc:
            results.append(AddResult(source, "error", None, str(exc)))
    return results


def read_metadata(root: Path, article_id: str) -> dict[str, Any] | None:
    """The sidecar of an added article (by article id), or None if it has none or it is unreadable."""
    if not article_id.endswith(".txt"):
        return None
    path = root / (article_id[: -len(".txt")] + META_SUFFIX)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


# --------------------------------------------------------------------------------------------- writing


def _known_sources(root: Path) -> dict[str, str]:
    """source sha256 -> article id, from the sidecars in ``root``."""
    known = {}
    for meta in root.glob("*" + META_SUFFIX):
        article_id = meta.name[: -len(META_SUFFIX)] + ".txt"
        data = read_metadata(root, article_id)
        if data and isinstance(data.get("source_sha256"), str) and (root / article_id).exists():
            known[data["source_sha256"]] = article_id
    return known


def _add_one(source: Path, root: Path, known: dict[str, str]) -> AddResult:
    try:
        size = source.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise ArticleError(f"{safe_line(str(source))}: too large ({size // 2**20} MiB) for an article")
        data = source.read_bytes()
    except OSError as exc:
        raise ArticleError(f"{safe_line(str(source))}: cannot read it ({exc.strerror or exc})") from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest in known:
        return AddResult(source, "unchanged", known[digest], "already added")
    extracted = clean(extract(source, data))
    text = article_text(extracted)
    if not text.strip():
        raise ArticleError(f"{safe_line(str(source))}: no text found (a scanned PDF or an empty page?)")
    name = _free_name(root, _stem(source))
    meta = _metadata(source, digest, extracted, name)
    original = root / f"{name}{SOURCE_INFIX}{source.suffix.lower()}"
    _create(original, data)
    _create(root / f"{name}{META_SUFFIX}", json.dumps(meta, ensure_ascii=False, indent=2).encode() + b"\n")
    _create(root / f"{name}.txt", text.encode("utf-8"))
    known[digest] = f"{name}.txt"
    return AddResult(source, "added", f"{name}.txt", extracted.tool)


_AUTHOR = re.compile(r"(?:作者|記者|记者|撰文|文)\s*[:：/／|]\s*([^\s　/／|,，:：]{2,12})")
_AUTHOR_TRIM = re.compile(r"^(?:記者|记者|作者|文)\s*|[/／|｜].*$|\s+(?:台北|北京|上海|香港)?(?:報導|报道)$")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def clean(extracted: Extracted) -> Extracted:
    """Take out what the extractor left of the page's boilerplate (bylines, photo credits, editors,
    share lines), found by :mod:`reader.structure`; the author and date come from those lines when the
    extractor did not find them."""
    from reader.structure import detect

    title = extracted.title.strip()
    paragraphs = [_one_line(p) for p in extracted.paragraphs]
    paragraphs = [p for p in paragraphs if p]
    if paragraphs and title and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    text = "\n\n".join([title or "", *paragraphs]) if title else "\n\n".join(paragraphs)
    structure = detect(text)
    kept: list[str] = []
    dropped: list[str] = []
    pos = len(title) + 2 if title else 0
    for paragraph in paragraphs:
        (dropped if structure.region_at(pos) else kept).append(paragraph)
        pos += len(paragraph) + 2
    if not title and structure.title_span is not None:
        title = structure.title
        kept = [p for p in kept if p != title]
    author, date = extracted.author, extracted.date
    for line in dropped:
        found = _AUTHOR.search(line)
        if author is None and found:
            author = found.group(1)
        found = _DATE.search(line)
        if date is None and found:
            date = f"{found.group(1)}-{int(found.group(2)):02d}-{int(found.group(3)):02d}"
    if author:
        author = _AUTHOR_TRIM.sub("", author.strip()).strip() or author.strip()
    return Extracted(
        title, kept, extracted.tool, extracted.url, extracted.site, author, date, dict(extracted.extra)
    )


def _one_line(paragraph: str) -> str:
    return re.sub(r"[ \t\r\n\f\v\u3000\xa0]+", " ", paragraph).strip()


def article_text(extracted: Extracted) -> str:
    """The ``.txt``: the title, a blank line, then the paragraphs separated by blank lines."""
    paragraphs = [p.strip() for p in extracted.paragraphs if p.strip()]
    title = extracted.title.strip()
    if paragraphs and title and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    parts = ([title] if title else []) + paragraphs
    return "\n\n".join(parts) + "\n" if parts else ""


def _metadata(source: Path, digest: str, extracted: Extracted, name: str) -> dict[str, Any]:
    """The sidecar; every text from the page is one safe line (no control or bidi characters)."""

    def text(value: str | None) -> str | None:
        return safe_line(value, 1000) if value else None

    return {
        "title": text(extracted.title),
        "source": id_of(str(source.resolve())),  # a name that is not UTF-8 written as x\xff
        "source_sha256": digest,
        "original": f"{name}{SOURCE_INFIX}{source.suffix.lower()}",
        "format": source.suffix.lower().lstrip("."),
        "url": text(extracted.url),
        "site": text(extracted.site),
        "author": text(extracted.author),
        "date": text(extracted.date),
        "tool": extracted.tool,
        "added": datetime.now(UTC).isoformat(timespec="seconds"),
        **extracted.extra,
    }


def _stem(source: Path) -> str:
    stem = _BAD_NAME.sub("_", source.stem).strip(" ._") or "article"
    return stem[:80]


def _free_name(root: Path, stem: str) -> str:
    """``stem``, else ``stem-2``, ``stem-3``…: the first name none of whose three files exists."""
    for n in range(1, 10_000):
        name = stem if n == 1 else f"{stem}-{n}"
        if not any(root.glob(glob_escape(name) + ".*")):
            return name
    raise UsageError(f"no free file name for {stem!r} in {safe_line(str(root))}")


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def _create(path: Path, payload: bytes) -> None:
    """Write a new file durably; never replace an existing one (``os.link`` fails if the name is taken)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.link(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except FileExistsError as exc:
        raise UsageError(f"{safe_line(str(path))} already exists; it was left as it is") from exc
    except OSError as exc:
        raise UsageError(f"cannot write {safe_line(str(path))}: {exc.strerror or exc}") from exc
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
