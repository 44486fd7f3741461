"""Article structure: the title, the body, and the regions of a scraped page that are not the article.

Web pages saved as text keep the site's menu, bylines, photo credits, "related" links, footers and even
the next article, appended after a "next article" marker. This module finds them on plain text, line by
line, from cheap signals: known markers (data, in ``data/structure_markers.toml``: new markers need no
code), line length and final punctuation, menu-like lines (many short items split by wide gaps or ``|``),
URLs, and site words repeated between the head and the footer. Lines are folded to Simplified first, so a
marker written in 简体 matches 繁體 too.

Structure is a layer over the text, like highlights: offsets are code points into the normalised original
and never change. :mod:`reader.analysis` caches it per article version and applies the user's corrections.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

KINDS = ("navigation", "metadata", "media", "related", "footer", "comments", "appended", "excluded")
#: how a folded region is named in the app (繁體, like the rest of the UI's Chinese labels)
KIND_LABELS = {
    "navigation": "站點選單",
    "metadata": "文章資訊",
    "media": "圖片說明",
    "related": "相關連結",
    "footer": "頁尾",
    "comments": "讀者評論",
    "appended": "下一篇文章",
    "excluded": "非正文",
}
SCOPES = ("line", "block", "block-up", "rest")
TITLE_LIMIT = 100  # a longer first line is a paragraph, not a title
SHORT_LINE = 30  # a line this short without final punctuation is not prose
MARKED_LINE = 120  # a longer line is a paragraph: markers are not looked for in it
_PROSE_END = tuple("。！？!?…」』”\"'）)")
_MENU_SPLIT = re.compile(r"\s{2,}|\s*[|｜]\s*|\s+[>›»]\s+")
_URL = re.compile(r"https?://|www\.", re.IGNORECASE)
_SENTENCE = re.compile(r"[^。！？!?]*[。！？!?]")


@dataclass(frozen=True)
class Region:
    kind: str  # one of KINDS
    start: int  # first character of its first line
    end: int  # end of its last line (before the "\n")
    lines: int  # non-empty lines in it
    source: str = "heuristic"  # "heuristic" | "correction"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "lines": self.lines,
            "source": self.source,
        }


@dataclass(frozen=True)
class Structure:
    title: str
    title_span: tuple[int, int] | None  # None when the title was made from the first sentence
    body: tuple[int, int]  # from the first to the end of the last article character
    regions: tuple[Region, ...]
    length: int = 0  # of the text it describes
    _starts: tuple[int, ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", tuple(r.start for r in self.regions))

    def region_at(self, pos: int) -> Region | None:
        """The region containing ``pos``, if any."""
        from bisect import bisect_right

        i = bisect_right(self._starts, pos) - 1
        if i >= 0 and self.regions[i].start <= pos < self.regions[i].end:
            return self.regions[i]
        return None

    def in_body(self, start: int, end: int | None = None) -> bool:
        """Whether the passage ``[start, end)`` belongs to the article: inside the body range and mostly
        outside every region (a highlight that strays one character into a caption still counts)."""
        end = start + 1 if end is None or end <= start else end
        body_start, body_end = self.body
        if end <= body_start or start >= body_end:
            return self.title_span is not None and self.title_span[0] <= start < self.title_span[1]
        outside = (
            end
            - start
            - sum(max(0, min(end, r.end) - max(start, r.start)) for r in self.regions if r.start < end)
        )
        return outside * 2 > end - start

    @property
    def body_chars(self) -> int:
        """Characters of the body range that no region covers (what reading time and length count)."""
        start, end = self.body
        covered = sum(max(0, min(end, r.end) - max(start, r.start)) for r in self.regions)
        return max(0, end - start - covered)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "title_span": list(self.title_span) if self.title_span else None,
            "body": {"start": self.body[0], "end": self.body[1], "chars": self.body_chars},
            "regions": [r.to_dict() for r in self.regions],
        }


# --------------------------------------------------------------------------------------------- markers


@dataclass(frozen=True)
class Marker:
    kind: str
    scope: str
    where: str
    pattern: re.Pattern[str]


def parse_markers(data: dict[str, Any]) -> tuple[Marker, ...]:
    """Markers from the TOML document's data; a wrong entry is a ValueError naming it."""
    markers = []
    for i, entry in enumerate(data.get("marker", [])):
        kind, scope, where = entry.get("kind"), entry.get("scope", "line"), entry.get("where", "any")
        if kind not in KINDS or scope not in SCOPES or where not in ("edge", "any"):
            raise ValueError(f"structure marker {i}: bad kind/scope/where {kind!r}/{scope!r}/{where!r}")
        for pattern in entry.get("patterns", []):
            markers.append(Marker(kind, scope, where, re.compile(pattern, re.IGNORECASE)))
    return tuple(markers)


@functools.cache
def default_markers() -> tuple[Marker, ...]:
    raw = resources.files("reader").joinpath("data/structure_markers.toml").read_text(encoding="utf-8")
    return parse_markers(tomllib.loads(raw))


@functools.cache
def markers_version() -> str:
    """Changes whenever the shipped markers change (part of the structure cache key)."""
    import hashlib

    raw = resources.files("reader").joinpath("data/structure_markers.toml").read_bytes()
    return hashlib.sha256(raw).hexdigest()[:12]


# --------------------------------------------------------------------------------------------- lines


@dataclass
class _Line:
    start: int
    end: int
    text: str  # stripped original
    folded: str  # stripped, folded to Simplified (only for lines short enough to carry a marker)
    block: int  # lines of one block have no blank line between them
    kind: str | None = None
    marker: Marker | None = None

    @property
    def prose(self) -> bool:
        """Reads as a paragraph of the article: ends a sentence, or is too long to be a label."""
        return self.text.endswith(_PROSE_END) or len(self.text) > 60

    @property
    def short(self) -> bool:
        return len(self.text) <= SHORT_LINE and not self.text.endswith(_PROSE_END)

    @property
    def label_like(self) -> bool:
        """Very short and not a statement: a link, a button, a heading of the footer."""
        return len(self.text) <= 16 and not self.text.endswith("。")

    @property
    def menu_like(self) -> bool:
        """Many short items split by wide gaps, bars or arrows: a menu, a breadcrumb, footer links."""
        parts = [p for p in _MENU_SPLIT.split(self.text) if p]
        return len(parts) >= 4 and sum(map(len, parts)) / len(parts) <= 8 and not self.text.endswith("。")

    @property
    def url_line(self) -> bool:
        return bool(_URL.search(self.text)) and len(self.text) < 160


def _lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    block = 0
    pos = 0
    blank = True
    for raw in text.split("\n"):
        end = pos + len(raw)
        stripped = raw.strip()
        if stripped:
            if blank:
                block += 1
            lead = len(raw) - len(raw.lstrip())
            start = pos + lead
            stop = start + len(stripped)
            lines.append(_Line(start, stop, stripped, "", block))
            blank = False
        else:
            blank = True
        pos = end + 1
    return lines


@functools.lru_cache(maxsize=8)
def _any_marker(markers: tuple[Marker, ...]) -> re.Pattern[str]:
    """One pattern for all markers: most lines match none, and one search is cheaper than sixty."""
    if not markers:
        return re.compile(r"(?!)")
    return re.compile("|".join(f"(?:{m.pattern.pattern})" for m in markers), re.IGNORECASE)


def _fold(text: str) -> str:
    folded = _converter().convert(text, "simplified")
    return folded if len(folded) == len(text) else text


@functools.cache
def _converter() -> Any:
    from reader.convert import Converter

    return Converter()


# --------------------------------------------------------------------------------------------- detection


def detect(text: str, markers: tuple[Marker, ...] | None = None) -> Structure:
    """The structure of ``text`` (see the module docstring)."""
    markers = default_markers() if markers is None else markers
    lines = _lines(text)
    if not lines:
        return Structure("", None, (0, 0), (), len(text))
    short = [line for line in lines if len(line.text) <= MARKED_LINE]  # longer ones are paragraphs
    any_marker = _any_marker(markers)
    for line, folded in zip(short, _fold("\n".join(line.text for line in short)).split("\n"), strict=True):
        line.folded = folded
        if any_marker.search(folded):
            line.marker = next(m for m in markers if m.pattern.search(folded))
    kinds: list[str | None] = [None] * len(lines)
    footer_from = _site_footer(lines, kinds)
    head_end, title_index = _head(lines, kinds, footer_from)
    article_end = _rest_markers(lines, kinds, head_end, footer_from)
    _article_tail(lines, kinds, head_end, article_end)
    _inline(lines, kinds, head_end, article_end)
    return _assemble(text, lines, kinds, title_index)


def _marked(line: _Line, *, edge: bool) -> str | None:
    marker = line.marker
    if marker is None or marker.scope == "rest" or (marker.where == "edge" and not edge):
        return None
    if len(line.text) > 80 and marker.kind != "related":
        return None  # a paragraph that happens to start like a byline is still a paragraph
    return marker.kind


def _site_footer(lines: list[_Line], kinds: list[str | None]) -> int:
    """Mark the site's footer at the very end; return its first line's index."""
    i = len(lines)
    while i > 0:
        line = lines[i - 1]
        kind = _marked(line, edge=True)
        if kind is None and not (line.menu_like or line.url_line or line.short or line.label_like):
            break
        i -= 1
    # a short unmarked line right after prose ends the content above it ("(完)", a call to action)
    while i < len(lines) and i > 0 and _marked(lines[i], edge=True) is None and lines[i - 1].prose:
        if lines[i].menu_like:
            break
        i += 1
    if len(lines) - i == 1 and _marked(lines[i], edge=True) is None and not lines[i].menu_like:
        return len(lines)  # one short last line is more likely the article's own
    for j in range(i, len(lines)):
        kind = _marked(lines[j], edge=True)
        kinds[j] = "metadata" if kind == "metadata" else "footer"
    return i


def _head(lines: list[_Line], kinds: list[str | None], limit: int) -> tuple[int, int | None]:
    """Mark menus and metadata before the first paragraph and find the title line.

    Returns the index of the first body line and the title line's index (None if there is none).
    """
    footer_text = " ".join(line.folded for line in lines[limit:])
    title: int | None = None
    i = 0
    while i < limit:
        line = lines[i]
        kind = _marked(line, edge=True)
        if kind == "footer":
            kind = "navigation"  # "log in", "subscribe" above the article belong to the site's menu
        if kind is None and (line.menu_like or (line.url_line and not line.prose)):
            kind = "navigation" if title is None else "metadata"
        if kind is None and title is None and _menu_run(lines, i, limit) >= 3:
            kind = "navigation"  # a menu written one item per line
        site_word = line.short and len(line.folded) >= 2 and line.folded in footer_text
        if kind is None and title is None and site_word and i + 1 < limit:
            kind = "navigation"  # the site's name, repeated in its footer
        if kind is not None:
            kinds[i] = kind
            i += 1
            continue
        if title is None and _title_like(line) and i + 1 < limit:
            title = i
            i += 1
            continue
        if title is not None and line.folded == lines[title].folded:
            kinds[i] = "metadata"  # the title again
            i += 1
            continue
        break
    return i, title


def _menu_run(lines: list[_Line], i: int, limit: int) -> int:
    """How many very short lines (menu items) run from line ``i`` on, counting those before it too."""

    def item(k: int) -> bool:
        return 0 <= k < limit and len(lines[k].text) <= 5 and not lines[k].prose

    if not item(i):
        return 0
    start, end = i, i
    while item(start - 1):
        start -= 1
    while item(end + 1):
        end += 1
    return end - start + 1


def _title_like(line: _Line) -> bool:
    return len(line.text) <= TITLE_LIMIT and not line.text.endswith(("。", "，", ",", "：", ":"))


def _rest_markers(lines: list[_Line], kinds: list[str | None], head_end: int, footer_from: int) -> int:
    """Mark everything from a "next article" / comments / end-of-article marker to the footer."""
    for i in range(head_end, footer_from):
        marker = lines[i].marker
        if marker is not None and marker.scope == "rest":
            for j in range(i, footer_from):
                kinds[j] = marker.kind
            return i
    return footer_from


def _article_tail(lines: list[_Line], kinds: list[str | None], head_end: int, article_end: int) -> None:
    """Credits, editors, tags and related links after the last paragraph."""
    i = article_end
    while i > head_end:
        line = lines[i - 1]
        kind = _marked(line, edge=True)
        if kind is None and (line.menu_like or (line.url_line and not line.prose)):
            kind = "footer"
        if kind is None:
            break
        _apply(lines, kinds, i - 1, kind, head_end, article_end)
        i -= 1
        while i > head_end and kinds[i - 1] is not None:
            i -= 1


def _inline(lines: list[_Line], kinds: list[str | None], head_end: int, article_end: int) -> None:
    for i in range(head_end, article_end):
        if kinds[i] is None:
            kind = _marked(lines[i], edge=False)
            if kind is not None:
                _apply(lines, kinds, i, kind, head_end, article_end)


def _apply(lines: list[_Line], kinds: list[str | None], i: int, kind: str, lo: int, hi: int) -> None:
    """Mark line ``i`` and, for block scopes, the short lines it carries with it."""
    kinds[i] = kind
    marker = lines[i].marker
    scope = marker.scope if marker is not None else "line"
    step = 1 if scope == "block" else -1 if scope == "block-up" else 0
    j = i + step
    while step and lo <= j < hi and lines[j].block == lines[i].block and kinds[j] is None:
        if len(lines[j].text) > 80 or lines[j].text.endswith("。"):
            break  # a paragraph: the list or the caption ended
        if scope == "block-up" and (abs(j - i) > 2 or len(lines[j].text) > 40):
            break  # a caption is a line or two above its credit
        kinds[j] = kind
        j += step


def _assemble(text: str, lines: list[_Line], kinds: list[str | None], title_index: int | None) -> Structure:
    regions: list[Region] = []
    body_since_last = True  # a body line lies between the last region line and this one
    for line, kind in zip(lines, kinds, strict=True):
        if kind is None:
            body_since_last = True
            continue
        last = regions[-1] if regions else None
        if last is not None and last.kind == kind and not body_since_last:
            regions[-1] = Region(kind, last.start, line.end, last.lines + 1)
        else:
            regions.append(Region(kind, line.start, line.end, 1))
        body_since_last = False
    body_lines = [
        line
        for i, (line, kind) in enumerate(zip(lines, kinds, strict=True))
        if kind is None and i != title_index
    ]
    if title_index is not None:
        title_line = lines[title_index]
        title, title_span = title_line.text, (title_line.start, title_line.end)
    else:
        title, title_span = _first_sentence(body_lines[0].text if body_lines else ""), None
    body = (body_lines[0].start, body_lines[-1].end) if body_lines else (len(text), len(text))
    return Structure(title, title_span, body, tuple(regions), len(text))


def _first_sentence(paragraph: str, limit: int = 40) -> str:
    """A title for an article without one: its first sentence, shortened."""
    match = _SENTENCE.match(paragraph)
    sentence = (match.group() if match else paragraph).strip()
    return sentence if len(sentence) <= limit else sentence[: limit - 1] + "…"
