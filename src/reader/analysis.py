"""An article's layers beyond its text: structure (corrections applied), damage, metadata; cached.

:class:`Analyser` is what the CLI (and later the app) asks: :meth:`Analyser.analyse` for one article,
:meth:`Analyser.summaries` for the library list. Detection runs once per article version: the result is
cached in ``<db>/local/cache/structure/<sha256>.json`` (keyed also by the detector and marker versions), and
the list's figures in ``<db>/local/cache/structure-index.json`` by ``(size, mtime_ns)`` of the file and the
article's corrections stamp, so ``reader list --json`` reads no article twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from reader.corrections import Correction, CorrectionStore, apply
from reader.damage import Damage, find_damage, repaired_view
from reader.errors import ArticleError, UsageError
from reader.logs import logger
from reader.store.files import atomic_write
from reader.structure import Region, Structure, detect, markers_version

log = logger(__name__)

if TYPE_CHECKING:
    from reader.articles import Article, ArticleInfo
    from reader.convert import ViewText
    from reader.library import Library

#: bump when detection changes in a way the markers' hash does not show
DETECTOR_VERSION = 1
INDEX_FILE = "structure-index.json"
DETAIL_FOLDER = "structure"
#: an article this long has its detection kept by the library's pass too (detection cannot pause: ~0.5 µs a
#: character, so opening one unkept would stall the reading screen's frames after its first paint)
KEEP_DETAIL_CHARS = 20_000


@dataclass(frozen=True)
class Analysis:
    article_id: str
    sha256: str
    structure: Structure  # corrections applied
    detected: Structure  # the heuristics alone
    damage: tuple[Damage, ...]
    corrections: tuple[Correction, ...]
    metadata: dict[str, Any] | None

    def summary(self) -> dict[str, Any]:
        return {
            "title": self.structure.title,
            "body_chars": self.structure.body_chars,
            "regions": len(self.structure.regions),
            "damage": len(self.damage),
            "appended": any(r.kind == "appended" for r in self.structure.regions),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.article_id,
            "sha256": self.sha256,
            "metadata": self.metadata,
            **self.structure.to_dict(),
            "damage": [d.to_dict() for d in self.damage],
            "corrections": [c.to_dict() for c in self.corrections],
        }

    def repaired(self, text: str) -> ViewText:
        """The "repaired" view of the article's text (certain repairs applied, with an offset map)."""
        return repaired_view(text, self.damage)


class Analyser:
    def __init__(self, library: Library, db_path: Path) -> None:
        self.library = library
        self.cache_dir = Path(db_path) / "local" / "cache"  # local data, never shared (reader.store)
        self.corrections = CorrectionStore(db_path)
        self._key = f"{DETECTOR_VERSION}-{markers_version()}"

    # -- one article
    @overload
    def analyse(self, article: Article) -> Analysis: ...
    @overload
    def analyse(self, article: Article, *, compute: bool) -> Analysis | None: ...

    def analyse(self, article: Article, *, compute: bool = True) -> Analysis | None:
        """The article's analysis; with ``compute`` False only if detection is cached (else None: a
        reading screen shows the article at once and analyses it after the first paint)."""
        found = self._detected(article, compute=compute)
        if found is None:
            return None
        detected, damage = found
        corrections = self.corrections.anchored(article) if self.corrections.stamp(article.info.id) else []
        structure = apply(detected, article.text, corrections) if corrections else detected
        from reader.ingest import read_metadata

        return Analysis(
            article.info.id,
            article.sha256,
            structure,
            detected,
            tuple(damage),
            tuple(corrections),
            read_metadata(self.library.root, article.info.id),
        )

    def correct(
        self, article: Article, start: int, end: int, verdict: str, kind: str = "", note: str = ""
    ) -> Correction:
        """Store the user's verdict on ``[start, end)``; it wins over the heuristics from now on."""
        from reader.corrections import make_correction

        return self.corrections.add(make_correction(article, start, end, verdict, kind, note))

    def _detected(self, article: Article, *, compute: bool = True) -> tuple[Structure, list[Damage]] | None:
        path = self.cache_dir / DETAIL_FOLDER / f"{article.sha256}.json"
        cached = _read_json(path)
        if cached is not None and cached.get("key") == self._key:
            try:
                structure = _structure_from(cached["structure"], len(article.text))
                return structure, [Damage(**d) for d in cached["damage"]]
            except (KeyError, TypeError):
                pass
        if not compute:
            return None
        structure, damage = detect(article.text), find_damage(article.text)
        payload = {
            "key": self._key,
            "structure": structure.to_dict(),
            "damage": [d.to_dict() for d in damage],
        }
        _write_json(path, payload)
        return structure, damage

    def load(self, article_id: str, path: Path | None = None) -> Article:
        """The article, read without touching the library's metadata cache (which
        :meth:`Library.load` rewrites whenever an article's figures become exact: at 10,000 articles,
        once per article, that is quadratic)."""
        from reader.articles import load_file

        return load_file(path or self.library.info(article_id).path, article_id)

    # -- the library list
    def summaries(
        self, infos: Iterable[ArticleInfo], progress: Callable[[int], None] | None = None
    ) -> dict[str, dict[str, Any]]:
        """Figures per article id for the list (title, body_chars, regions, damage, appended).

        An article whose file, corrections and detector are unchanged since the last call is not read.
        One that cannot be read is left out (the list shows its error).
        """
        index_path = self.cache_dir / INDEX_FILE
        entries = self._cached_entries()
        result: dict[str, dict[str, Any]] = {}
        changed = False
        for n, info in enumerate(infos, 1):
            if info.error:
                continue
            stamp = self._stamp(info)
            entry = entries.get(info.id)
            if entry is None or entry.get("stamp") != stamp:
                try:
                    article = self.load(info.id, info.path)
                except (ArticleError, UsageError):
                    continue
                entry = {"stamp": stamp, **self._summary_of(article)}
                entries[info.id] = entry
                changed = True
            result[info.id] = {k: v for k, v in entry.items() if k != "stamp"}
            if progress is not None:
                progress(n)
        if changed:
            _write_json(index_path, {"key": self._key, "entries": entries})
        return result

    def known_titles(self, infos: Iterable[ArticleInfo]) -> dict[str, str]:
        """The detected title of each article whose figures :meth:`summaries` has cached for its file as it
        is now (nothing is read or detected): what a list of hits calls an article, as the library does."""
        entries = self._cached_entries()
        titles: dict[str, str] = {}
        for info in infos:
            entry = entries.get(info.id)
            if entry is None or info.error:
                continue
            title = entry.get("title")
            if title and isinstance(title, str) and entry.get("stamp") == self._stamp(info):
                titles[info.id] = title
        return titles

    def _cached_entries(self) -> dict[str, Any]:
        """The cached figures per article id (none if the cache is of another detector or damaged)."""
        index = _read_json(self.cache_dir / INDEX_FILE) or {}
        return index.get("entries", {}) if index.get("key") == self._key else {}

    def _stamp(self, info: ArticleInfo) -> list[Any]:
        """What a cached entry was made from: the file's size and mtime, and its corrections'."""
        return [info.size, info.mtime_ns, self.corrections.stamp(info.id)]

    def _summary_of(self, article: Article) -> dict[str, Any]:
        if self.corrections.stamp(article.info.id):
            return self.analyse(article).summary()
        kept = self._detected(article) if len(article.text) >= KEEP_DETAIL_CHARS else None
        structure, damage = kept or (detect(article.text), find_damage(article.text))
        return {
            "title": structure.title,
            "body_chars": structure.body_chars,
            "regions": len(structure.regions),
            "damage": len(damage),
            "appended": any(r.kind == "appended" for r in structure.regions),
        }


# --------------------------------------------------------------------------------------------- body filter


def in_body(analysis: Analysis, start: int, end: int) -> bool:
    """Whether a passage of the article belongs to its body (not a menu, footer, appended article…)."""
    return analysis.structure.in_body(start, end)


class BodyFilter:
    """``keep(article_id, start, end)`` for search hits and exported passages: body only.

    Each article is analysed once (from the cache when it is unchanged). An article that cannot be read
    keeps its passages: nothing is hidden for a reason the user cannot see.
    """

    def __init__(self, analyser: Analyser) -> None:
        self.analyser = analyser
        self._analyses: dict[str, Analysis | None] = {}

    def keep(self, article_id: str, start: int, end: int) -> bool:
        if article_id not in self._analyses:
            try:
                article = self.analyser.load(article_id)
                self._analyses[article_id] = self.analyser.analyse(article)
            except (ArticleError, UsageError):
                self._analyses[article_id] = None
        analysis = self._analyses[article_id]
        return analysis is None or in_body(analysis, start, end)


def body_only_export(data: dict[str, Any], analyser: Analyser) -> dict[str, Any]:
    """An export (from :func:`reader.export.build_export`) limited to passages in their article's body.

    Orphans (their place is unknown) are kept; articles left without passages are dropped.
    """
    keep = BodyFilter(analyser).keep
    annotations = [
        a
        for a in data["annotations"]
        if a.get("status") == "orphan" or keep(a["article_id"], a["start"], a["end"])
    ]
    remaining = {a["article_id"] for a in annotations}
    articles = [entry for entry in data["articles"] if entry["id"] in remaining]
    return {**data, "articles": articles, "annotations": annotations}


# --------------------------------------------------------------------------------------------- files


def _structure_from(raw: dict[str, Any], length: int) -> Structure:
    span = raw["title_span"]
    return Structure(
        raw["title"],
        (span[0], span[1]) if span else None,
        (raw["body"]["start"], raw["body"]["end"]),
        tuple(Region(**r) for r in raw["regions"]),
        length,
    )


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # a cache: missing or damaged means "compute again"
    return data if isinstance(data, dict) else None


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    """Best effort (it is a cache): atomic replace, no fsync; a failure is logged (debug) and skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        atomic_write(path, data, durable=False)
    except OSError as e:
        log.debug("cannot write the analysis cache %s: %s", path, e)
