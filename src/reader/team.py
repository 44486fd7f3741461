"""Team work beyond the store: which articles each coder has finished, and an overview of the coders.

``coders/<folder>/coded.json`` (each coder's own, shared through ``reader sync``) lists the articles that
coder has finished coding, with when. Blind coding shows other coders' work in an article only once I have
marked it coded (so what I code is not led by theirs), and agreement compares the articles every compared
coder marked coded, when there are marks (otherwise every article any of them annotated).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from reader.errors import ArticleError, StoreError, UsageError
from reader.store import AnnotationStore, now_iso
from reader.store.coders import AGREED

if TYPE_CHECKING:
    from reader.workspace import Workspace

CODED_FILE = "coded.json"


class CodedMarks:
    """Every coder's "I have finished this article" marks; this coder's are written."""

    def __init__(self, store: AnnotationStore) -> None:
        self.store = store

    def _read(self, folder: str) -> dict[str, str]:
        try:
            got = self.store.read_file(f"{folder}/{CODED_FILE}")
        except StoreError:
            return {}
        if got is None:
            return {}
        try:
            data = orjson.loads(got[0]).get("coded", {})
        except (orjson.JSONDecodeError, AttributeError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}

    def of(self, coder: str) -> set[str]:
        """The articles ``coder`` marked coded."""
        folder = self.store.coder_folder(coder)
        if folder is None:
            return set()
        return set(self._read(folder.relative_to(self.store.path).as_posix()))

    def everyone(self) -> dict[str, set[str]]:
        return {name: self.of(name) for name in self.store.coders() if name != AGREED}

    def mark(self, article_ids: Iterable[str], *, done: bool = True) -> None:
        """Mark (or unmark) articles as coded by this coder."""
        with self.store.locked():
            mine = self._read(self.store.my_folder)
            for article_id in article_ids:
                if done:
                    mine.setdefault(article_id, now_iso())
                else:
                    mine.pop(article_id, None)
            payload = orjson.dumps({"coded": dict(sorted(mine.items()))}, option=orjson.OPT_INDENT_2)
            self.store.write_file(f"{self.store.my_folder}/{CODED_FILE}", payload)

    def is_coded(self, article_id: str) -> bool:
        """This coder has finished ``article_id`` (blind coding shows others' work then)."""
        return article_id in self._read(self.store.my_folder)


def coders_overview(ws: Workspace) -> list[dict[str, Any]]:
    """One row per coder (this clone's first): annotations, articles, coded articles."""
    counts = ws.store.counts_by_coder()
    marks = CodedMarks(ws.store)
    rows = []
    for name, per_article in counts.items():
        rows.append(
            {
                "coder": name,
                "you": name == ws.coder,
                "annotations": sum(per_article.values()),
                "articles": len(per_article),
                "coded": sorted(marks.of(name)),
            }
        )
    return rows


def working_coders(ws: Workspace) -> list[str]:
    """The coders with work here: an annotation or an article marked coded (``agreed`` aside). A coder
    whose folder came with a sync but who has coded nothing yet is not compared nor merged by default:
    they would count as "nothing here" in every unit."""
    counts = ws.store.counts_by_coder()
    marks = CodedMarks(ws.store).everyone()
    return [c for c in ws.store.coders() if c != AGREED and (counts.get(c) or marks.get(c))]


@dataclass
class CodersWork:
    """What agreement compares: per coder, article -> spans; the articles' texts; how they were chosen."""

    spans: dict[str, dict[str, list[tuple[int, int, tuple[str, ...]]]]]
    texts: dict[str, str]
    orphans: int
    rule: str  # "coded" (every coder marked them coded) | "annotated" (any coder annotated them)
    lagging: dict[str, int]  # coder -> others' renames/merges/deletes not yet applied to their annotations


def coders_work(
    ws: Workspace, coders: Sequence[str] | None = None, articles: Sequence[str] = ()
) -> CodersWork:
    """The annotations of ``coders`` (default: every coder but ``agreed``) for agreement.

    The articles compared: those every one of them marked coded (``reader coded``), when each has marked
    some; else those any of them annotated. ``articles`` narrows either. Annotations are re-anchored if
    their article changed; orphans are left out (and counted).
    """
    known = [c for c in ws.store.coders() if c != AGREED]
    names = list(dict.fromkeys(coders)) if coders else sorted(working_coders(ws), key=str.casefold)
    unknown = [c for c in names if c not in ws.store.coders()]
    if unknown:
        raise UsageError(f"no coder {unknown[0]!r} here; `reader coders` lists them ({', '.join(known)})")
    if len(names) < 2:
        raise UsageError(
            f"agreement needs two or more coders; this database has {', '.join(names) or 'none'} "
            "(others' work arrives with `reader sync`; or compare exports with --from-exports)"
        )
    marks = CodedMarks(ws.store)
    coded = [marks.of(c) for c in names]
    if all(coded):
        ids, rule = set.intersection(*coded), "coded"
    else:  # every annotated article; those none of them annotated are dropped below
        ids, rule = set(ws.store.counts()), "annotated"
    wanted = {ws.library.resolve(a) for a in articles}
    if wanted:
        ids &= wanted
    spans: dict[str, dict[str, list[tuple[int, int, tuple[str, ...]]]]] = {c: {} for c in names}
    texts: dict[str, str] = {}
    orphans = 0
    for article_id in sorted(ids):
        try:
            article = ws.load(article_id)
        except (ArticleError, UsageError):
            continue
        texts[article_id] = article.text
        for a in ws.annotations(article):
            coder = ws.creator_of(a)
            if coder not in spans:
                continue
            if a.status == "orphan":
                orphans += 1
                continue
            spans[coder].setdefault(article_id, []).append((a.start, a.end, a.tags))
        if rule == "annotated" and not any(article_id in s for s in spans.values()):
            del texts[article_id]
    lagging = {c: n for c, n in ws.codebook.lagging().items() if c in names and n}
    return CodersWork(spans, texts, orphans, rule, lagging)


# ------------------------------------------------------------------------------------------ coder views

#: what each coder's highlights get in the "everyone" view, beside their colour: a terminal can show
#: these on any highlight (Rich styles); two coders' overlapping highlights show both
DECORATIONS = ("underline", "overline", "italic", "underline2", "strike")
#: the highlight colour of each coder in the "everyone" view (reader.colors names, in this order)
CODER_COLORS = ("blue", "orange", "green", "purple", "pink", "teal", "red", "yellow")
EVERYONE, MINE = "everyone", "mine"
#: a highlight colour carries its coder's decoration after this separator (widgets/document_style.py)
DECORATION_MARK = "|"


class CoderView:
    """Whose annotations the reading screen shows: everyone's (each coder in a colour and a decoration),
    only mine, or one coder's; blind coding hides others' until I have marked the article coded."""

    def __init__(self, ws: Workspace, *, blind: bool = False) -> None:
        self.ws = ws
        self.blind = blind
        self.mode = MINE if blind else EVERYONE
        self._coded: dict[str, bool] = {}

    def coders(self, annotations: Iterable[Any]) -> list[str]:
        """Everyone whose annotations are here, this coder first, then by name (``agreed`` last)."""
        me = self.ws.coder
        names = {a.creator or me for a in annotations}
        others = sorted((n for n in names if n not in (me, AGREED)), key=str.casefold)
        return [me, *others, *([AGREED] if AGREED in names else [])]

    def hidden(self, article_id: str) -> bool:
        """Blind coding and this article is not marked coded by me: others' work stays hidden."""
        if not self.blind:
            return False
        if article_id not in self._coded:
            self._coded[article_id] = CodedMarks(self.ws.store).is_coded(article_id)
        return not self._coded[article_id]

    def forget(self, article_id: str) -> None:
        self._coded.pop(article_id, None)

    def shows_all(self, article_id: str) -> bool:
        """This view shows every annotation of the article (:meth:`visible` keeps them all)."""
        return self.mode == EVERYONE and not self.hidden(article_id)

    def visible(self, annotations: Sequence[Any], article_id: str) -> list[Any]:
        """The annotations this view shows."""
        me = self.ws.coder
        if self.mode == MINE or self.hidden(article_id):
            return [a for a in annotations if not a.creator or a.creator == me]
        if self.mode == EVERYONE:
            return list(annotations)
        return [a for a in annotations if (a.creator or me) == self.mode]

    def cycle(self, annotations: Sequence[Any], article_id: str) -> str:
        """The next view: everyone → mine → each other coder → everyone. Returns a message for the user."""
        if self.hidden(article_id):
            self.mode = MINE
            return "blind coding: others' work shows once you mark this article coded"
        order = [EVERYONE, MINE, *self.coders(annotations)[1:]]
        at = order.index(self.mode) if self.mode in order else 0
        self.mode = order[(at + 1) % len(order)]
        return f"showing {self.label()}"

    def label(self) -> str:
        if self.mode == EVERYONE:
            return "everyone's"
        if self.mode == MINE:
            return "mine (blind)" if self.blind else "mine"
        return f"{self.mode}'s"

    @property
    def by_coder(self) -> bool:
        """Highlights coloured (and decorated) by coder, not by tag."""
        return self.mode == EVERYONE

    def paint(self, coder: str, order: Sequence[str]) -> str:
        """A coder's highlight colour (hex) with their decoration, for the "everyone" view."""
        from reader.colors import hex_for

        i = order.index(coder) if coder in order else len(order)
        color = hex_for(CODER_COLORS[i % len(CODER_COLORS)])
        return f"{color}{DECORATION_MARK}{DECORATIONS[i % len(DECORATIONS)]}"
