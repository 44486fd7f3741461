"""``reader import`` of a REFI-QDA project (``.qdpx``, ``.qde``) or codebook (``.qdc``). See docs/EXPORT.md.

1. **Read** the whole file (:mod:`reader.formats.refi_read`); any problem stops the import.
2. **Positions.** Tools count positions differently: a Windows line break as one character or two, code
   points or UTF-16 units, a byte-order mark or not. Where a source's text makes those readings differ,
   each is tried and the one under which the selections' ``name`` (the passage, or its beginning, as
   most tools write it) matches the text wins; without names, the exporting tool decides (ATLAS.ti,
   MAXQDA and reader count a line break once; NVivo twice, as QualCoder's importer found).
3. **Articles.** Each text source is matched to an article: the same text (or the same text in one of
   the script views, so a project exported in 臺灣 view maps back exactly), else an article of the same
   name whose text has changed (each passage is then found again through :mod:`reader.anchoring`: in any
   script, else by the importer's re-anchoring), else it becomes a new article: a ``.txt`` file written
   into the articles folder, never over an existing file.
4. **Plan and apply** through :mod:`reader.importer` (known ids are updated only if newer, so importing
   the same project twice changes nothing), then the codebook: codes that are new get their colour and
   description; a tag that already has a colour or description keeps it.

New article files are written before the annotations; if the import stops after that, running it again
finds them (same text) and completes it.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from reader.articles import Article
from reader.colors import check_color, hex_for
from reader.convert import VIEWS
from reader.decoding import decode_bytes
from reader.errors import ArticleError, UsageError
from reader.formats.refi_read import RefiDocument, Selection, Source, read_refi
from reader.formats.refi_read import _problem as problem
from reader.importer import ImportReport, apply, plan_import
from reader.sanitise import normalise, safe_line
from reader.store import CONTEXT_CHARS, Annotation, now_iso
from reader.tags import check_tag, normalise_tags

if TYPE_CHECKING:
    from reader.workspace import Workspace


@dataclass
class RefiImportReport(ImportReport):
    articles_added: list[str] = field(default_factory=list)
    articles_matched: int = 0
    codes_added: int = 0
    coders: list[str] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    def lines(self, limit: int = 20) -> list[str]:
        out = super().lines(limit)
        extra = (
            f"  {self.articles_matched} sources matched to articles, {len(self.articles_added)} added as new "
            f"articles; {self.codes_added} new codes"
        )
        news = [safe_line(f"  new article {article_id}", 1000) for article_id in self.articles_added[:limit]]
        out[1:1] = [extra, *news]
        if self.coders:
            out.append(safe_line(f"  coders in the file: {', '.join(self.coders)}", 1000))
        for reason, count in sorted(self.skipped.items()):
            out.append(safe_line(f"  skipped {count}: {reason}", 1000))
        return out


# ------------------------------------------------------------------------------------------- positions


@dataclass(frozen=True)
class _Reading:
    line_break_units: int  # 1 or 2: how a CRLF of the text file is counted
    utf16: bool  # positions in UTF-16 units
    bom: bool  # a byte-order mark counted as the first character


class _SourceText:
    """A source's text as reader normalises it, with every way another tool may have counted positions."""

    def __init__(self, raw: str, bom: bool) -> None:
        self.raw, self.bom = raw, bom
        self.text = normalise(raw)
        self.crlf = [m.start() - i for i, m in enumerate(re.finditer("\r\n", raw))]
        self.astral = [i for i, ch in enumerate(self.text) if ord(ch) > 0xFFFF]

    def readings(self, origin: str) -> list[_Reading]:
        breaks = [1, 2] if self.crlf else [1]
        if "nvivo" in origin.lower() and self.crlf:
            breaks = [2, 1]
        return [
            _Reading(b, u, m)
            for m in ([False, True] if self.bom else [False])
            for u in ([False, True] if self.astral else [False])
            for b in breaks
        ]

    def mapper(self, reading: _Reading) -> Callable[[int, bool], int | None]:
        """Position in the tool's units -> code point in ``self.text`` (None if past the end)."""
        wide = sorted(
            (self.crlf if reading.line_break_units == 2 else []) + (self.astral if reading.utf16 else [])
        )
        size = len(self.text)
        if not wide and not reading.bom:

            def same(pos: int, is_end: bool) -> int | None:
                return pos if pos <= size else None

            return same

        def units_before(i: int) -> int:
            return i + bisect.bisect_left(wide, i)

        def to_text(pos: int, is_end: bool) -> int | None:
            pos -= reading.bom
            if pos > units_before(size) or pos < 0:
                return None
            lo, hi = 0, size
            while lo < hi:  # the last character starting at or before pos
                mid = (lo + hi + 1) // 2
                if units_before(mid) <= pos:
                    lo = mid
                else:
                    hi = mid - 1
            if is_end and lo < size and units_before(lo) < pos:
                lo += 1  # inside a two-unit character: an end snaps outward
            return lo

        return to_text

    def best_mapper(self, selections: list[Selection], origin: str) -> Callable[[int, bool], int | None]:
        options = [self.mapper(r) for r in self.readings(origin)]
        if len(options) == 1:
            return options[0]
        sample = [s for s in selections if s.name][:NAME_SAMPLE]  # enough to tell the readings apart
        scores = [sum(_name_matches(s, self.text, m) for s in sample) for m in options]
        return options[scores.index(max(scores))]


_SPACE = re.compile(r"\s+")
#: how many named selections of a source are compared to pick how its positions are counted
NAME_SAMPLE = 50


def _name_matches(selection: Selection, text: str, to_text: Callable[[int, bool], int | None]) -> bool:
    name = _SPACE.sub("", selection.name).removesuffix("…").removesuffix("...")[:40]
    start, end = to_text(selection.start, False), to_text(selection.end, True)
    if not name or start is None or end is None:
        return False
    return _SPACE.sub("", text[start:end]).startswith(name)


def _decode(source: Source, path: Path) -> _SourceText:
    raw = source.raw
    bom = raw.startswith(b"\xef\xbb\xbf")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = decode_bytes(raw, f"{path} {source.place}")
        except ArticleError as exc:
            raise problem(path, source.place, str(exc)) from None
    return _SourceText(text, bom)


# -------------------------------------------------------------------------------------------- articles


@dataclass
class _Target:
    article_id: str
    article: Article | None  # None: a new article (written before planning)
    view: str = "original"  # the view whose text is the source's
    exact: bool = True  # the source's text is the article's as it is now (in that view)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Matcher:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.infos = {info.id: info for info in workspace.articles()}
        self.by_sha: dict[str, _Target] = {}
        self.new_ids: set[str] = set()

    def _load(self, article_id: str) -> Article | None:
        try:
            return self.workspace.load(article_id)
        except (ArticleError, UsageError):
            return None

    def _named(self, name: str) -> list[str]:
        if not name:
            return []
        base = PurePosixPath(name.replace("\\", "/")).name
        stem = base[:-4] if base.lower().endswith(".txt") else base
        exact = [i for i in (name, f"{name}.txt") if i in self.infos]
        return exact or sorted(i for i in self.infos if PurePosixPath(i).name in (base, f"{stem}.txt"))

    def _same_text(self, article: Article, text: str, sha: str) -> str | None:
        if article.sha256 == sha:
            return "original"
        for view in VIEWS[1:]:
            if self.workspace.view(article, view).text == text:
                return view
        return None

    def match(self, source: Source, text: str) -> _Target:
        sha = _sha(text)
        if sha in self.by_sha:
            return self.by_sha[sha]
        named = self._named(source.name)
        loaded = [(i, a) for i in named if (a := self._load(i)) is not None]
        target = None
        for article_id, article in loaded:
            if (view := self._same_text(article, text, sha)) is not None:
                target = _Target(article_id, article, view)
                break
        if target is None:
            target = self._by_length(text, sha, set(named))
        if target is None and loaded:
            target = _Target(loaded[0][0], loaded[0][1], exact=False)
        if target is None:
            target = _Target(self._new_id(source.name or source.guid), None)
            self.new_ids.add(target.article_id)
        self.by_sha[sha] = target
        return target

    def _by_length(self, text: str, sha: str, checked: set[str]) -> _Target | None:
        for article_id, info in self.infos.items():
            if article_id in checked or (info.chars_exact and info.chars != len(text)):
                continue
            article = self._load(article_id)
            if article is not None and article.sha256 == sha:
                return _Target(article_id, article)
        return None

    def _new_id(self, name: str) -> str:
        pieces = name.replace("\\", "/").split("/")
        parts = [_safe_part(p) for p in pieces if p.strip() not in ("", ".", "..")]
        parts = [p for p in parts if p] or ["imported"]
        stem = "/".join(parts)
        stem = stem[:-4] if stem.lower().endswith(".txt") else stem
        candidate, n = f"{stem}.txt", 1
        root = self.workspace.library.root
        while candidate in self.infos or candidate in self.new_ids or (root / candidate).exists():
            n += 1
            candidate = f"{stem} ({n}).txt"
        return candidate


_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')


def _safe_part(part: str) -> str:
    return _UNSAFE.sub("_", safe_line(part.strip(), 120)).lstrip(".").strip()


def _write_new_article(root: Path, article_id: str, text: str) -> None:
    """The file, complete and fsynced, or nothing; never replaces an existing file (link, not rename)."""
    path = root / article_id
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".import-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, path)
    except FileExistsError:
        raise UsageError(f"cannot add article {path}: the file appeared meanwhile; import again") from None
    except OSError as exc:
        raise UsageError(f"cannot write article {path}: {exc.strerror or exc}") from exc
    finally:
        os.unlink(tmp)


# ------------------------------------------------------------------------------------------ annotations


def _annotation(
    selection: Selection, target: _Target, text: str, start: int, end: int, workspace: Workspace
) -> tuple[Annotation, bool]:
    """The selection as an annotation of its target article; True if it was found again by its quote."""
    found = False
    sha = ""  # of the source's text, when the offsets stay in it (computed only then)
    article = target.article
    if article is not None and target.exact and target.view != "original":
        start, end = workspace.view(article, target.view).offsets.range_to_original(start, end)
        text, sha = article.text, article.sha256
    elif article is not None and target.exact:
        text, sha = article.text, article.sha256
    elif article is not None:  # the article changed since: find the passage, in any script, near its place
        hits = workspace.find(article, text[start:end])
        if hits:
            scale = len(article.text) / max(1, len(text))
            start, end = min(hits, key=lambda h: abs(h[0] - start * scale))
            text, sha, found = article.text, article.sha256, True
    sha = sha or _sha(text)
    created = _time(selection.created) or _time(selection.modified) or now_iso()
    return (
        Annotation(
            id=selection.guid,
            article_id=target.article_id,
            article_sha256=sha,
            start=start,
            end=end,
            quote=text[start:end],
            prefix=text[max(0, start - CONTEXT_CHARS) : start],
            suffix=text[end : end + CONTEXT_CHARS],
            tags=normalise_tags(selection.tags),
            note=selection.note,
            color="",
            created=created,
            modified=_time(selection.modified) or created,
            view=target.view,
            creator=selection.creator,  # the selection's creatingUser: that coder's, wherever it is stored
        ),
        found,
    )


def _time(value: str | None) -> str | None:
    from reader.formats.refi import reader_time

    return reader_time(value)


@dataclass
class _Prepared:
    annotations: list[tuple[tuple[str | int, ...], Annotation]] = field(default_factory=list)
    new_articles: dict[str, str] = field(default_factory=dict)  # article id -> text to write
    matched: int = 0
    found_again: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


def _prepare(workspace: Workspace, document: RefiDocument, path: Path) -> _Prepared:
    """Every selection as an annotation of its article (new articles are only planned, not written)."""
    prepared = _Prepared(skipped=Counter(document.skipped))
    matcher = _Matcher(workspace)
    seen: dict[str, str] = {}
    for source in document.sources:
        source_text = _decode(source, path)
        text = source_text.text
        target = matcher.match(source, text)
        if target.article is None:
            prepared.new_articles.setdefault(target.article_id, text)
        else:
            prepared.matched += 1
        to_text = source_text.best_mapper(source.selections, document.origin)
        for selection in source.selections:
            if selection.guid in seen:
                other = seen[selection.guid]
                raise problem(path, selection.place, f"selection {selection.guid} is also at {other}")
            seen[selection.guid] = selection.place
            start, end = to_text(selection.start, False), to_text(selection.end, True)
            if start is None or end is None:
                raise problem(
                    path,
                    selection.place,
                    f"positions {selection.start}..{selection.end} are outside its source's text",
                )
            if start >= end:
                prepared.skipped["empty selections"] += 1
                continue
            annotation, found = _annotation(selection, target, text, start, end, workspace)
            prepared.found_again += found
            prepared.annotations.append(((selection.place,), annotation))
    return prepared


# ---------------------------------------------------------------------------------------------- codebook


def _apply_codebook(workspace: Workspace, document: RefiDocument, known: set[str]) -> int:
    """Codes into the codebook; a tag's existing colour or description is kept. Returns new codes."""
    codebook = workspace.codebook
    added = 0
    done: set[str] = set()
    for code in document.codes:
        try:
            tag = check_tag(code.tag)
            color = check_color(code.color) if code.color else ""
        except UsageError:
            continue
        if tag in done:
            continue
        done.add(tag)
        added += tag not in known
        if not codebook.exists(tag):
            codebook.create(tag, color, code.description)
            continue
        meta = codebook.meta().get(tag, {})
        if color and not meta.get("color") and hex_for(codebook.color_of(tag)) != color:
            codebook.set_color(tag, color)
        if code.description and not meta.get("description"):
            codebook.set_description(tag, code.description)
    return added


# ------------------------------------------------------------------------------------------------ import


def import_refi(
    workspace: Workspace, path: Path, progress: Callable[[int, int], None] | None = None
) -> RefiImportReport:
    """Read, match, plan and write (see the module docstring); returns what happened."""
    path = Path(path)
    document = read_refi(path)
    prepared = _prepare(workspace, document, path)
    known = set(workspace.codebook.names())
    for article_id, text in prepared.new_articles.items():
        _write_new_article(workspace.library.root, article_id, text)
    plan = plan_import(workspace, path, document.kind, prepared.annotations)
    apply(workspace, plan, progress)
    base = {f.name: getattr(plan.report, f.name) for f in fields(ImportReport)}
    report = RefiImportReport(**base)
    report.reanchored += prepared.found_again
    report.articles_added = sorted(prepared.new_articles)
    report.articles_matched = prepared.matched
    report.codes_added = _apply_codebook(workspace, document, known)
    report.coders = sorted({s.creator for src in document.sources for s in src.selections if s.creator})
    report.skipped = prepared.skipped
    return report
