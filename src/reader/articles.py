"""An article: a ``*.txt`` file decoded, normalised once, and described.

Every offset anywhere refers to :attr:`Article.text`, the text after :func:`reader.sanitise.normalise`.
Listing must stay fast for big folders, so :func:`head_info` describes a file from a small head (the whole
file when it is small); :func:`load_file` reads the whole file and gives exact metadata. The folder of
articles, with its metadata cache, is :class:`reader.library.Library`.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from reader.decoding import MAX_BYTES, article_text, decode_bytes, decode_head
from reader.discovery import id_of
from reader.errors import ArticleError
from reader.sanitise import normalise_lines, safe_line
from reader.scripts import detect_script_and_counts

HEAD_BYTES = 16 * 1024
"""How much of a file a listing reads when it has no cached metadata."""


CHARS_PER_MINUTE = 400  # CJK reading speed
TITLE_LIMIT = 200


@dataclass(frozen=True)
class ArticleInfo:
    """What the library list needs; cheap to compute from a file head (see ``chars_exact``)."""

    id: str  # path relative to the articles root, with "/"
    path: Path
    title: str  # first non-empty line (sanitised, stripped, one line); file stem if none
    script: str  # "simplified" | "traditional" | "mixed" | "none"  ("" if error)
    chars: int  # code points of the normalised text
    chars_exact: bool  # False while estimated from the file head
    paragraphs: int
    reading_minutes: float  # chars / 400 per minute, rounded up to half a minute
    size: int
    mtime_ns: int
    error: str | None = None  # one line; the article is still listed
    #: (traditional-only, simplified-only) characters of the whole text (``reader.scripts.script_counts``),
    #: for a mixed article when its whole text was counted (`reader list` shows each script's share)
    script_counts: tuple[int, int] | None = None


#: :class:`ArticleInfo`'s fields after ``id`` and ``path``, in their order: plain values, which a process
#: describing files for another sends without making an ArticleInfo or a Path (reader.heads)
Facts = tuple[str, str, int, bool, int, float, int, int, str | None, tuple[int, int] | None]


@dataclass(frozen=True)
class Article:
    info: ArticleInfo
    text: str  # normalised original
    sha256: str  # of `text` encoded as UTF-8
    paragraphs: tuple[tuple[int, int], ...]  # (start, end) of each non-empty line in text, without "\n"


# --------------------------------------------------------------------------------------------- metadata


def reading_minutes(chars: int) -> float:
    """Minutes at 400 characters a minute, rounded up to the next half minute (0 for no text)."""
    return math.ceil(chars * 2 / CHARS_PER_MINUTE) / 2


def paragraph_spans(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of every line with something other than whitespace in it."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        if line and not line.isspace():
            spans.append((pos, end))
        pos = end + 1
    return tuple(spans)


def _paragraphs_and_title(text: str, lines: list[str] | None = None) -> tuple[int, str | None]:
    """How many paragraphs :func:`paragraph_spans` finds, and the first one (what a listing needs);
    ``lines``: ``text.split("\n")`` if already made.

    Without building the spans: every step runs over the lines in C, not in a Python loop.
    """
    lines = text.split("\n") if lines is None else lines
    paragraphs = len(lines) - lines.count("") - sum(map(str.isspace, lines))
    first = next(filter(str.strip, lines), None)
    return paragraphs, first


def _title(first: str | None, stem: str) -> str:
    if first is None:
        return safe_line(stem, TITLE_LIMIT)
    title = " ".join(first.split())  # text is already sanitised: only collapse and cut
    return title if len(title) <= TITLE_LIMIT else title[: TITLE_LIMIT - 1] + "…"


def _stem(article_id: str) -> str:
    name = article_id.rsplit("/", 1)[-1]
    stem = name[:-4] if name.lower().endswith(".txt") else Path(name).stem
    return stem  # (an id is valid text: a file name's bytes that are not UTF-8 are written \xff, discovery)


def error_info(article_id: str, path: Path, size: int, mtime_ns: int, error: str) -> ArticleInfo:
    """What the library lists for a file it cannot read: its name, and the one-line error."""
    return ArticleInfo(article_id, path, *_error_facts(article_id, size, mtime_ns, error))


def _error_facts(article_id: str, size: int, mtime_ns: int, error: str) -> Facts:
    title = safe_line(_stem(article_id), TITLE_LIMIT)
    return (title, "", 0, False, 0, 0.0, size, mtime_ns, error, None)


def read_error(path: Path | str, exc: OSError) -> ArticleError:
    reason = exc.strerror or exc.__class__.__name__
    return ArticleError(
        safe_line(f"cannot read {path}: {reason}; check that the file exists and is readable")
    )


def _too_large(path: Path | str, size: int) -> ArticleError:
    return ArticleError(
        safe_line(
            f"{path}: too large for an article ({size / 1024 / 1024:.0f} MiB, the limit is "
            f"{MAX_BYTES // 1024 // 1024} MiB); split it into smaller files"
        )
    )


def read_head(path: Path | str, limit: int) -> bytes:
    """The first ``limit`` bytes of a file. Plain ``os`` calls: a buffered file object costs more to
    make than the read itself, and a listing reads 10,000 heads."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        return os.read(fd, limit)
    finally:
        os.close(fd)


def read_all(path: Path) -> tuple[bytes, os.stat_result]:
    """The whole file and its stat, taken from the same open file."""
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        if st.st_size > MAX_BYTES:
            raise _too_large(path, st.st_size)
        return f.read(), st


def _describe(
    article_id: str,
    path: Path,
    text: str,
    size: int,
    mtime_ns: int,
    scale: float | None = None,
    known_script: str | None = None,
    *,
    spans_needed: bool = True,
    known_counts: tuple[int, int] | None = None,
) -> tuple[ArticleInfo, tuple[tuple[int, int], ...]]:
    """Metadata of normalised ``text``; with ``scale`` (file size / head size) ``text`` is only a head.

    ``known_script``: the script already detected for this same file version (from the listing), which
    spares opening a large article the one-off cost of building the script tables (``known_counts``: the
    script counts found with it, if any). Without
    ``spans_needed`` (a listing), the paragraph spans are counted, not made, and () is returned for them.
    """
    if spans_needed:
        spans = paragraph_spans(text)
        paragraphs = len(spans)
        first = text[spans[0][0] : spans[0][1]] if spans else None
    else:
        spans = ()
        paragraphs, first = _paragraphs_and_title(text)
    facts = _facts(article_id, text, size, mtime_ns, scale, paragraphs, first, known_script, known_counts)
    return ArticleInfo(article_id, path, *facts), spans


def _facts(
    article_id: str,
    text: str,
    size: int,
    mtime_ns: int,
    scale: float | None,
    paragraphs: int,
    first: str | None,
    known_script: str | None = None,
    known_counts: tuple[int, int] | None = None,
) -> Facts:
    """The facts of :func:`_describe`, once the paragraphs are counted and the first one found."""
    chars = len(text)
    if scale is not None:
        chars = max(chars, round(chars * scale))
        paragraphs = max(paragraphs, round(paragraphs * scale))
    if known_script:
        script, counts = known_script, known_counts
    else:
        script, counts = detect_script_and_counts(text)
    return (
        _title(first, _stem(article_id)),
        script,
        chars,
        scale is None,
        paragraphs,
        reading_minutes(chars),
        size,
        mtime_ns,
        None,
        counts if script == "mixed" and scale is None else None,
    )


def build_article(
    article_id: str,
    path: Path,
    data: bytes,
    size: int,
    mtime_ns: int,
    known_script: str | None = None,
    known_counts: tuple[int, int] | None = None,
) -> Article:
    """The article in a file's bytes (ArticleError if they cannot be decoded)."""
    text, sha = article_text(data, str(path))
    info, spans = _describe(
        article_id, path, text, size, mtime_ns, known_script=known_script, known_counts=known_counts
    )
    return Article(info=info, text=text, sha256=sha, paragraphs=spans)


def head_info(article_id: str, path: Path, size: int, mtime_ns: int) -> ArticleInfo:
    """Metadata from the head of a file: exact when the head is the whole file, estimated otherwise."""
    return ArticleInfo(article_id, path, *head_facts(article_id, str(path), size, mtime_ns))


def head_facts(article_id: str, path: str, size: int, mtime_ns: int) -> Facts:
    """:func:`head_info` as plain values (``path``: the file, named so in an error message)."""
    if size > MAX_BYTES:
        return _error_facts(article_id, size, mtime_ns, str(_too_large(path, size)))
    try:
        data = read_head(path, HEAD_BYTES)
        whole = len(data) < HEAD_BYTES or len(data) >= size
        text, lines = normalise_lines((decode_bytes if whole else decode_head)(data, path))
    except OSError as exc:
        return _error_facts(article_id, size, mtime_ns, str(read_error(path, exc)))
    except ArticleError as exc:
        return _error_facts(article_id, size, mtime_ns, str(exc))
    scale = None if whole else size / len(data)
    paragraphs, first = _paragraphs_and_title(text, lines)
    return _facts(article_id, text, size, mtime_ns, scale, paragraphs, first)


def load_file(path: Path, article_id: str | None = None) -> Article:
    """Load any file (not necessarily in a library); the id defaults to the file name."""
    path = Path(path)
    try:
        data, st = read_all(path)
    except OSError as exc:
        raise read_error(path, exc) from exc
    return build_article(article_id or id_of(path.name), path, data, st.st_size, st.st_mtime_ns)
