"""The user's corrections of the structure ("this is not the article" / "this is the article").

A correction is kept like an annotation: offsets into the normalised original plus the quote and ~32
characters of context each side and the article's sha256, so that it is re-anchored (by
:func:`reader.anchoring.reanchor`, the annotations' own code) when the article file changes, and kept as
an orphan, never dropped, when its passage is gone. It wins over the heuristics: :func:`apply` lays the
corrections over the detected structure, later ones over earlier ones.

Storage: one small JSON file per article in ``<db>/corrections/`` (named by a hash of the article id),
written atomically (temporary file, fsync, rename, fsync of the folder) under a file lock, so two copies
of the reader never lose each other's corrections. This sits beside the annotation store rather than in
it while the store is being rebuilt; the record shape is the annotation's, so moving corrections into
the store later is a copy (see docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from reader.errors import StoreCorruptError, StoreLockedError, UsageError
from reader.sanitise import safe_line
from reader.structure import KINDS, Region, Structure

if TYPE_CHECKING:
    from reader.articles import Article
    from reader.store import Annotation

VERDICTS = ("not-article", "article")
CONTEXT_CHARS = 32
FOLDER = "corrections"


@dataclass(frozen=True)
class Correction:
    id: str
    article_id: str
    article_sha256: str
    start: int
    end: int
    quote: str
    prefix: str
    suffix: str
    verdict: str  # "not-article" | "article"
    kind: str  # the region kind for "not-article" (default "excluded"); "" for "article"
    note: str
    created: str
    modified: str
    status: str = "anchored"  # "anchored" | "reanchored" | "orphan", as for annotations

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Correction:
        return cls(**{name: raw[name] for name in cls.__dataclass_fields__ if name in raw})


def make_correction(
    article: Article, start: int, end: int, verdict: str, kind: str = "", note: str = ""
) -> Correction:
    """A new correction of ``[start, end)`` of ``article`` (offsets into its original text)."""
    text = article.text
    if verdict not in VERDICTS:
        raise UsageError(f"unknown verdict {verdict!r}; use one of {', '.join(VERDICTS)}")
    if not 0 <= start < end <= len(text):
        raise UsageError(f"bad range {start}-{end} for an article of {len(text)} characters")
    if verdict == "not-article":
        kind = kind or "excluded"
        if kind not in KINDS:
            raise UsageError(f"unknown region kind {kind!r}; use one of {', '.join(KINDS)}")
    else:
        kind = ""
    now = datetime.now(UTC).isoformat(timespec="microseconds")
    return Correction(
        id=uuid.uuid4().hex,
        article_id=article.info.id,
        article_sha256=article.sha256,
        start=start,
        end=end,
        quote=text[start:end],
        prefix=text[max(0, start - CONTEXT_CHARS) : start],
        suffix=text[end : end + CONTEXT_CHARS],
        verdict=verdict,
        kind=kind,
        note=note,
        created=now,
        modified=now,
    )


class CorrectionStore:
    """Corrections per article in ``<db>/corrections/``; see the module docstring."""

    def __init__(self, db_path: Path, lock_timeout: float = 5.0) -> None:
        self.folder = Path(db_path) / FOLDER
        self.lock_timeout = lock_timeout

    def path_for(self, article_id: str) -> Path:
        return self.folder / (hashlib.sha1(article_id.encode("utf-8")).hexdigest()[:20] + ".json")

    def stamp(self, article_id: str) -> int:
        """Changes whenever this article's corrections change (0 when it has none)."""
        try:
            return os.stat(self.path_for(article_id)).st_mtime_ns
        except OSError:
            return 0

    def for_article(self, article_id: str) -> list[Correction]:
        """This article's corrections, oldest first."""
        path = self.path_for(article_id)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            records = raw["corrections"]
            return sorted((Correction.from_dict(r) for r in records), key=lambda c: c.created)
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StoreCorruptError(
                f"{safe_line(str(path))}: corrections file is damaged ({exc}); it was left as it is"
            ) from exc

    def add(self, correction: Correction) -> Correction:
        with self._locked():
            current = [c for c in self.for_article(correction.article_id) if c.id != correction.id]
            self._write(correction.article_id, [*current, correction])
        return correction

    def remove(self, article_id: str, correction_id: str) -> Correction | None:
        with self._locked():
            current = self.for_article(article_id)
            gone = next((c for c in current if c.id == correction_id), None)
            if gone is not None:
                self._write(article_id, [c for c in current if c.id != correction_id])
        return gone

    def anchored(self, article: Article) -> list[Correction]:
        """The corrections placed in the article as it is now (re-anchored and saved if it changed)."""
        from reader.anchoring import anchored_to

        corrections = self.for_article(article.info.id)
        placed = []
        for c in corrections:
            if c.article_sha256 != article.sha256 or c.status == "orphan":
                moved = anchored_to(cast("Annotation", c), article.text, article.sha256)
                c = cast(Correction, moved)
            placed.append(c)
        if placed != corrections:
            with self._locked():
                self._write(article.info.id, placed)
        return placed

    # -- files
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        import time

        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / ".lock", "a+b") as lock:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError as exc:
                    if time.monotonic() > deadline:
                        raise StoreLockedError(
                            f"{safe_line(str(self.folder))} is locked by another reader; try again"
                        ) from exc
                    time.sleep(0.02)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _write(self, article_id: str, corrections: list[Correction]) -> None:
        path = self.path_for(article_id)
        payload = {"article_id": article_id, "corrections": [c.to_dict() for c in corrections]}
        data = json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
            dir_fd = os.open(self.folder, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


# --------------------------------------------------------------------------------------------- applying


def apply(structure: Structure, text: str, corrections: list[Correction]) -> Structure:
    """``structure`` with ``corrections`` laid over it, widened to whole lines, later ones winning."""
    regions = list(structure.regions)
    for c in corrections:
        if c.status == "orphan":
            continue
        start, end = _line_range(text, c.start, c.end)
        regions = [piece for r in regions for piece in _cut(text, r, start, end)]
        if c.verdict == "not-article":
            regions.append(
                Region(c.kind or "excluded", start, end, _count_lines(text, start, end), "correction")
            )
        regions.sort(key=lambda r: r.start)
    title_span = structure.title_span
    if title_span is not None and any(r.start <= title_span[0] < r.end for r in regions):
        title_span = None  # the user took the title line out
    body = _body_range(text, regions, title_span)
    return Structure(structure.title, title_span, body, tuple(regions), len(text))


def _line_range(text: str, start: int, end: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", max(start, end - 1))
    return line_start, len(text) if line_end < 0 else line_end


def _cut(text: str, region: Region, start: int, end: int) -> list[Region]:
    if end <= region.start or start >= region.end:
        return [region]
    pieces = []
    if region.start < start:
        a, b = region.start, start
        while b > a and text[b - 1] in "\n \t\u3000":
            b -= 1
        if b > a:
            pieces.append(Region(region.kind, a, b, _count_lines(text, a, b), region.source))
    if end < region.end:
        a = end
        while a < region.end and text[a] in "\n \t\u3000":
            a += 1
        if a < region.end:
            pieces.append(
                Region(region.kind, a, region.end, _count_lines(text, a, region.end), region.source)
            )
    return pieces


def _count_lines(text: str, start: int, end: int) -> int:
    return sum(1 for line in text[start:end].split("\n") if line.strip())


def _body_range(text: str, regions: list[Region], title_span: tuple[int, int] | None) -> tuple[int, int]:
    first = last = None
    pos = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            start = pos + len(raw) - len(raw.lstrip())
            stop = start + len(stripped)
            covered = any(r.start <= start < r.end for r in regions)
            is_title = title_span is not None and title_span[0] <= start < title_span[1]
            if not covered and not is_title:
                first = start if first is None else first
                last = stop
        pos += len(raw) + 1
    if first is None or last is None:
        return len(text), len(text)
    return first, last
