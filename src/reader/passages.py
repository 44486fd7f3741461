"""An annotation's passage as it reads in a script view, and the corpus's passages by tag.

Annotations are stored against the original text; the reading screen, the passages list and every export
show them in a view (简体, 臺灣, …). :class:`PassageView` is the one place that turns one into the other:
the view's text over the annotation's range (mapped through the view's offset map), or, for an orphan (no
place in the text any more) or an article that cannot be read, its stored quote converted to the view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from reader.errors import ReaderError
from reader.tags import under_any_alike

if TYPE_CHECKING:
    from reader.articles import ArticleInfo
    from reader.convert import Converter, ViewText
    from reader.store import Annotation
    from reader.workspace import Workspace

#: characters of context each side of a passage in the passages list
CONTEXT = 16


class PassageView:
    """The passages of one article's annotations in one view (``view_text``: None if it has no text)."""

    def __init__(self, converter: Converter, view: str, view_text: ViewText | None = None) -> None:
        self.view = view
        self.view_text = view_text
        self._convert = converter.convert
        self._identity = view_text is None or view_text.offsets.identity
        self._text = view_text.text if view_text is not None else ""

    def range(self, start: int, end: int) -> tuple[int, int]:
        """An original range in the view's text (an edge inside a converted phrase takes all of it)."""
        if self._identity:
            return start, end
        assert self.view_text is not None
        return self.view_text.offsets.range_to_view(start, end)

    def text(self, start: int, end: int, quote: str, orphan: bool = False) -> str:
        """The passage of an annotation with these stored fields (export works on stored records)."""
        if self.view_text is None or orphan:
            return self._convert(quote, self.view)
        view_start, view_end = self.range(start, end)
        return self._text[view_start:view_end]  # one-for-one offsets may still change characters: 该 -> 該

    def of(self, annotation: Annotation) -> str:
        return self.text(annotation.start, annotation.end, annotation.quote, annotation.status == "orphan")

    def with_context(self, annotation: Annotation, chars: int = CONTEXT) -> tuple[str, str, str]:
        """(before, passage, after): up to ``chars`` characters each side, within the passage's paragraph."""
        if self.view_text is None or annotation.status == "orphan":
            return "", self.of(annotation), ""
        start, end = self.range(annotation.start, annotation.end)
        text = self._text
        before = text[max(0, start - chars) : start].rsplit("\n", 1)[-1]
        return before, text[start:end], text[end : end + chars].split("\n", 1)[0]


@dataclass(frozen=True)
class PassageEntry:
    """One annotation of the passages list, with its article and its passage in the list's view."""

    info: ArticleInfo
    annotation: Annotation
    before: str
    passage: str
    after: str
    color: str  # hex, as drawn


def corpus_passages(
    workspace: Workspace, tags: tuple[str, ...], articles: tuple[str, ...] = (), view: str = "original"
) -> list[PassageEntry]:
    """Every annotation tagged with one of ``tags`` (or a sub-tag), in library then document order.

    ``articles``, if given, limits the search to those article ids. An article that cannot be read now
    is left out (the library says why).
    """
    counts = workspace.store.counts()
    entries: list[PassageEntry] = []
    for info in workspace.articles():
        if info.error or not counts.get(info.id) or (articles and info.id not in articles):
            continue
        try:
            article = workspace.load(info.id)
            annotations = workspace.annotations(article)
            tagged = [a for a in annotations if any(under_any_alike(t, tags) for t in a.tags)]
            if not tagged:
                continue
            passages = PassageView(workspace.converter, view, workspace.view(article, view))
        except ReaderError:
            continue
        for annotation in tagged:
            before, passage, after = passages.with_context(annotation)
            entries.append(
                PassageEntry(info, annotation, before, passage, after, workspace.color_for(annotation))
            )
    return entries
