"""Code every match: turn the hits of a search into annotations in one step, after a review.

:func:`plan_matches` finds every hit of a query (in one article or the corpus; any script, so 软件 finds
軟體; optionally whole words only) and returns them as :class:`PlannedCode` candidates, each with its
context for a review list. A hit already coded exactly so (same range, every tag already on an
annotation there) is marked ``already`` so the review can leave it unchecked. :func:`apply_plan` saves
exactly the candidates the user kept; :func:`undo_applied` takes them all back.

Both are one change of the store's journal (``AnnotationStore.commit``), however many articles the hits
are in: a failure (a full disk) or a kill -9 in the middle leaves all of it or none of it, and an undo is
one change too (``tests/test_coding_kill.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reader.errors import ArticleError, UsageError
from reader.search import CONTEXT, CorpusSearch, find_in_text
from reader.store import Change, make_annotation
from reader.tags import check_tag, normalise_tags
from reader.words import words_for

if TYPE_CHECKING:
    from reader.articles import Article
    from reader.store import Annotation
    from reader.workspace import Workspace

__all__ = ["AppliedCoding", "PlannedCode", "apply_plan", "plan_matches", "undo_applied"]


@dataclass(frozen=True)
class PlannedCode:
    """One hit, as a candidate annotation (offsets into the original text of the article version
    ``article_sha256``)."""

    article_id: str
    article_sha256: str
    title: str
    start: int
    end: int
    quote: str
    before: str  # ~CONTEXT characters each side, newlines as spaces, for the review list
    after: str
    already: bool  # an annotation on exactly this range already carries every tag


@dataclass(frozen=True)
class AppliedCoding:
    """What :func:`apply_plan` saved: what :func:`undo_applied` takes back."""

    annotations: tuple[Annotation, ...]
    tags: tuple[str, ...]


def _context(text: str, start: int, end: int) -> tuple[str, str]:
    before = text[max(0, start - CONTEXT) : start].replace("\n", " ")
    return before, text[end : end + CONTEXT].replace("\n", " ")


def _already(existing: Sequence[Annotation], start: int, end: int, tags: Sequence[str]) -> bool:
    have: set[str] = set()
    for a in existing:
        if a.start == start and a.end == end and a.status != "orphan":
            have.update(a.tags)
    return bool(tags) and all(t in have for t in tags)


def _plan_article(
    workspace: Workspace, article: Article, query: str, whole_words: bool, tags: Sequence[str]
) -> list[PlannedCode]:
    words = words_for(workspace).for_article(article) if whole_words else None
    matches = find_in_text(article.text, query, workspace.converter, words=words)
    if not matches:
        return []
    existing = workspace.annotations(article)
    plans = []
    for m in matches:
        before, after = _context(article.text, m.start, m.end)
        plans.append(
            PlannedCode(
                article.info.id, article.sha256, article.info.title, m.start, m.end,
                article.text[m.start : m.end], before, after, _already(existing, m.start, m.end, tags),
            )
        )  # fmt: skip
    return plans


def plan_matches(
    workspace: Workspace,
    query: str,
    *,
    tags: Iterable[str] = (),
    article_ids: Sequence[str] | None = None,
    whole_words: bool = False,
) -> list[PlannedCode]:
    """Every hit of ``query`` as a candidate annotation, in article order then document order.

    ``article_ids``: the articles to search (None: the whole corpus, through the corpus index).
    ``tags``: the tags the hits will get (used only to mark hits that already have them).
    """
    wanted = normalise_tags(tags)
    if not query.strip():
        raise UsageError("the search query is empty")
    if article_ids is not None:
        plans: list[PlannedCode] = []
        for article_id in article_ids:
            article = workspace.load(workspace.library.resolve(article_id))
            plans.extend(_plan_article(workspace, article, query, whole_words, wanted))
        return plans
    hit_articles: list[str] = []
    for hit in CorpusSearch(workspace).search(query, whole_words=whole_words):
        if not hit_articles or hit_articles[-1] != hit.article_id:
            hit_articles.append(hit.article_id)
    plans = []
    for article_id in hit_articles:  # the same hits, with the article loaded once for context and status
        try:
            article = workspace.load(article_id)
        except ArticleError:
            continue
        plans.extend(_plan_article(workspace, article, query, whole_words, wanted))
    return plans


def apply_plan(
    workspace: Workspace,
    plan: Sequence[PlannedCode],
    *,
    tags: Iterable[str],
    note: str = "",
    color: str = "",
    view: str = "original",
) -> AppliedCoding:
    """Save one annotation per candidate in ``plan`` (the reviewed subset), as one change.

    Each article must still be the version that was planned on (else UsageError: search again).
    """
    wanted = tuple(check_tag(t) for t in normalise_tags(tags))
    if not wanted:
        raise UsageError("code every match needs at least one tag")
    articles: dict[str, Article] = {}
    for code in plan:
        if code.article_id not in articles:
            articles[code.article_id] = workspace.load(code.article_id)
        if articles[code.article_id].sha256 != code.article_sha256:
            raise UsageError(f"{code.article_id} changed since the search; search again before coding")
    return AppliedCoding(_save(workspace, plan, articles, wanted, note, color, view), wanted)


def _save(
    workspace: Workspace,
    plan: Sequence[PlannedCode],
    articles: dict[str, Article],
    tags: tuple[str, ...],
    note: str,
    color: str,
    view: str,
) -> tuple[Annotation, ...]:
    """One annotation per candidate, saved as one journalled change (all or nothing)."""
    made: dict[str, list[Annotation]] = {}
    for code in plan:
        article = articles[code.article_id]
        annotation = make_annotation(
            article, code.start, code.end, tags=list(tags), note=note, color=color, view=view
        )
        made.setdefault(code.article_id, []).append(annotation)
    if made:
        count = sum(map(len, made.values()))
        workspace.store.commit(
            [Change.of(article_id, annotations) for article_id, annotations in made.items()],
            what=f"code every match ({count} passage{'s' if count != 1 else ''})",
        )
    return tuple(a for annotations in made.values() for a in annotations)


def undo_applied(workspace: Workspace, applied: AppliedCoding) -> int:
    """Delete every annotation that :func:`apply_plan` saved (those still there), as one change; how many."""
    store = workspace.store
    gone: dict[str, list[str]] = {}
    for annotation in applied.annotations:
        if store.get(annotation.article_id, annotation.id) is not None:
            gone.setdefault(annotation.article_id, []).append(annotation.id)
    if not gone:
        return 0
    count = sum(map(len, gone.values()))
    store.commit(
        [Change.of(article_id, dels=ids) for article_id, ids in gone.items()],
        what=f"undo of code every match ({count} passage{'s' if count != 1 else ''})",
    )
    return count
