"""The core bundled: articles, conversion and the annotation store, as one object passed into the App.

Everything the UI and the CLI do to data goes through here, so both faces behave the same and the UI
stays a thin layer (tests construct a Workspace on temporary folders).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING

from reader import choices
from reader.anchoring import anchored_to, find_quote
from reader.articles import Article, ArticleInfo
from reader.choices import check_view
from reader.colors import COLORS, DEFAULT_COLOR, hex_for
from reader.errors import ConflictError
from reader.library import Library
from reader.passages import PassageEntry, corpus_passages
from reader.store import (
    Annotation,
    AnnotationStore,
    ArticleState,
    make_annotation,
    now_iso,
)
from reader.tags import check_tag, normalise_tags
from reader.title_folds import TitleFolds

if TYPE_CHECKING:
    from reader.analysis import Analyser
    from reader.codebook import Codebook
    from reader.convert import Converter, ViewText

DEFAULT_ARTICLES = Path(choices.DEFAULT_ARTICLES)
DEFAULT_DB = Path(choices.DEFAULT_DB)
#: reader.codebook.LEGACY_JOURNAL_NAME (not imported from there: that would import the codebook)
_LEGACY_CODEBOOK_JOURNAL = "codebook-journal.json"
_SHA256, _STATUS = attrgetter("article_sha256"), attrgetter("status")


@dataclass(frozen=True)
class Paths:
    articles: Path
    db: Path

    @classmethod
    def resolve(cls, articles: str | None = None, db: str | None = None) -> Paths:
        """Command-line option, else environment variable, else the default folder."""
        articles_dir, db_dir = choices.folders(articles, db)
        return cls(articles=Path(articles_dir), db=Path(db_dir))


class Workspace:
    def __init__(
        self,
        articles_root: Path,
        db_path: Path,
        converter: Converter | None = None,
        *,
        coder: str | None = None,
    ) -> None:
        """``coder``: the ``--coder`` option; else ``READER_CODER``, else the clone's setting, else the
        login name (:meth:`reader.settings.Settings.effective_coder`, :mod:`reader.store.coders`)."""
        from reader.settings import load_settings

        self.settings = load_settings(db_path)
        self.store = AnnotationStore(db_path, coder=self.settings.effective_coder(coder) or None)
        # caches are local data: never synced with the annotations (see reader.store)
        self.library = Library(articles_root, cache_dir=self.store.local_dir / "cache")
        self._db_path = db_path
        self._converter = converter
        self._converter_lock = threading.Lock()
        self._title_folds: TitleFolds | None = None
        self._codebook: Codebook | None = None
        self._codebook_lock = threading.Lock()
        self.db_path = Path(db_path)
        self._analyser: Analyser | None = None
        self._analyser_lock = threading.Lock()
        if not self.read_only and (self.db_path / _LEGACY_CODEBOOK_JOURNAL).exists():
            _ = self.codebook  # a tag change of the schema-1 reader was interrupted: opening it finishes it

    @property
    def analyser(self) -> Analyser:
        """Structure, damage and corrections of articles (``reader.analysis``), made on first use (from any
        thread: the library's and the reading screen's workers ask for it)."""
        if self._analyser is None:
            with self._analyser_lock:
                if self._analyser is None:
                    from reader.analysis import Analyser

                    self._analyser = Analyser(self.library, self.db_path)
        return self._analyser

    @property
    def codebook(self) -> Codebook:
        """The codebook (tags, colours, descriptions), made on first use: saving an annotation does not read
        it (a new tag is in the codebook by being used; its colour comes from its name), so `reader
        annotate` does not import it."""
        if self._codebook is None:
            with self._codebook_lock:
                if self._codebook is None:
                    from reader.codebook import Codebook

                    self._codebook = Codebook(self.store)
        return self._codebook

    @property
    def converter(self) -> Converter:
        """The script views' converter, made on first use: a command that never converts (`reader
        annotate` with offsets) does not pay for importing the conversion engine."""
        if self._converter is None:
            with self._converter_lock:
                if self._converter is None:
                    from reader.convert import Converter, OverrideList

                    # the user's corrections to the views live in the database folder (convert.overrides)
                    self._converter = Converter(overrides=OverrideList(self._db_path))
        return self._converter

    @property
    def title_folds(self) -> TitleFolds:
        """The library's titles folded for sorting and filtering, remembered between runs."""
        if self._title_folds is None:
            self._title_folds = TitleFolds(self._db_path, lambda: self.converter)
        return self._title_folds

    @property
    def read_only(self) -> bool:
        """The database folder cannot be written: everything can be read, nothing saved."""
        return self.store.read_only

    @property
    def coder(self) -> str:
        """Who is coding here (their annotations are the ones this clone writes)."""
        return self.store.coder.name

    def set_coder(self, name: str) -> None:
        """Set this clone's coder name (``reader config coder``) and code as them from now on; their
        earlier annotations under the login name become theirs (reader.store.coders)."""
        from reader.settings import set_setting
        from reader.store.coders import coder_for

        coder_for(name)  # refuses a reserved name
        self.settings = set_setting(self.store.path, "coder", name)
        old = self.store
        self.store = AnnotationStore(old.path, coder=self.settings.effective_coder() or None)
        old.close()
        self._codebook = None  # the new coder's
        if not self.read_only:
            with self.store.locked():
                pass  # the first write settles the coder's folder (adopts what the login name coded)

    def creator_of(self, annotation: Annotation) -> str:
        """Who made ``annotation`` (this coder's own carry an empty creator in memory)."""
        return annotation.creator or self.store.coder.name

    def is_mine(self, annotation: Annotation) -> bool:
        """Only this coder's annotations can be changed here; others' are read-only."""
        return self.store.owns(annotation.article_id, annotation.id)

    # -- articles -----------------------------------------------------------------------------------
    def articles(self, on_batch: Callable[[list[ArticleInfo]], None] | None = None) -> list[ArticleInfo]:
        """Every article (``on_batch``: see :meth:`Library.list`)."""
        return self.library.list(on_batch)

    def load(self, article_id: str) -> Article:
        return self.library.load(article_id)

    def view(self, article: Article, view: str) -> ViewText:
        check_view(view)
        return self.converter.view(article, view)

    # -- annotations --------------------------------------------------------------------------------
    def annotations(self, article: Article, *, coders: Collection[str] | None = None) -> list[Annotation]:
        """This article's annotations (everyone's, or those of ``coders``), re-anchored if the article's
        text changed since they were made.

        A re-anchored annotation of this coder's is saved with its new position (and the new text's
        sha256); another coder's is re-anchored in memory only (their clone saves it); an orphan is kept as
        it was, with status "orphan", so nothing the user made is ever dropped.
        """
        result = self.store.for_article(article.info.id, coders=coders)  # in document order
        if set(map(_SHA256, result)) <= {article.sha256} and "orphan" not in map(_STATUS, result):
            return result  # all made on this text (C-level passes: the loop below is ~20 ms at 100,000)
        moved = False
        for n, annotation in enumerate(result):
            if annotation.article_sha256 != article.sha256 or annotation.status == "orphan":
                result[n] = placed = self._reanchored(annotation, article)
                moved = moved or (placed.start, placed.end) != (annotation.start, annotation.end)
        if moved:  # else the order is the store's (re-sorting 100,000 took ~100 ms of opening)
            result.sort(key=lambda a: (a.start, a.end, a.created))
        return result

    def first_annotations(self, article: Article, until: int) -> tuple[list[Annotation], int] | None:
        """This article's annotations that start before ``until`` (everyone's, as :meth:`annotations`
        gives them) and how many it has in all, read without the rest; None if they cannot be read
        alone exactly (see ``reader.store.window``): then :meth:`annotations` reads them all."""
        return self.store.first_annotations(article.info.id, until, article.sha256)

    def _reanchored(self, annotation: Annotation, article: Article) -> Annotation:
        placed = anchored_to(annotation, article.text, article.sha256)
        if placed != annotation and not self.read_only and self.store.owns(article.info.id, annotation.id):
            self.store.update(placed)
        return placed

    def annotate(
        self,
        article: Article,
        start: int,
        end: int,
        *,
        tags: list[str] | tuple[str, ...],
        note: str = "",
        color: str = "",
        view: str = "original",
    ) -> Annotation:
        tags = [check_tag(t) for t in tags]
        annotation = make_annotation(article, start, end, tags=tags, note=note, color=color, view=view)
        return self.store.add(annotation, fresh=True)  # a new uuid: the article's others are not read

    def edit(
        self,
        annotation: Annotation,
        *,
        tags: list[str] | tuple[str, ...] | None = None,
        note: str | None = None,
        color: str | None = None,
    ) -> Annotation:
        """Save an edit of ``annotation`` (as the editor opened it). ConflictError (with both versions)
        if another copy of reader changed or deleted it since; :meth:`resolve` then does what the user
        chose."""
        if tags is not None:
            for tag in tags:
                if normalise_tags(tag) != (tag,) or tag not in annotation.tags:
                    check_tag(tag)  # a badly formed old tag may stay; a new one must be valid
        changed = replace(
            annotation,
            tags=normalise_tags(tags) if tags is not None else annotation.tags,
            note=note if note is not None else annotation.note,
            color=color if color is not None else annotation.color,
            modified=now_iso(),
        )
        return self.store.update(changed, expected=annotation)

    def resolve(self, conflict: ConflictError, choice: str) -> Annotation | None:
        """Settle a conflict from :meth:`edit`: ``mine`` saves this edit over theirs, ``theirs`` keeps the
        stored version (returned; None if it was deleted), ``both`` keeps theirs and saves mine as a new
        annotation."""
        mine = conflict.mine
        assert isinstance(mine, Annotation)
        if choice == "theirs":
            return conflict.theirs if isinstance(conflict.theirs, Annotation) else None
        if choice == "mine":
            stamped = replace(mine, modified=now_iso())
            if self.store.get(mine.article_id, mine.id) is None:
                return self.store.add(stamped)
            return self.store.update(stamped)
        if choice == "both":
            now = now_iso()
            return self.store.add(replace(mine, id=str(uuid.uuid4()), created=now, modified=now), fresh=True)
        raise ValueError(f"unknown choice {choice!r}")

    def delete(self, annotation: Annotation) -> Annotation:
        return self.store.delete(annotation.article_id, annotation.id)

    def restore(self, annotation: Annotation) -> Annotation:
        """Put back an annotation exactly as it was (undo of a delete or an edit)."""
        if self.store.get(annotation.article_id, annotation.id) is None:
            return self.store.add(annotation)
        return self.store.update(annotation)

    def color_for(self, annotation: Annotation) -> str:
        """The highlight colour (#rrggbb): the annotation's own, else its first tag's codebook colour."""
        return self.display_color(annotation.color, annotation.tags)

    def display_color(self, color: str, tags: Sequence[str]) -> str:
        """:meth:`color_for` from the stored fields (export works on stored records, not objects)."""
        if color and (color in COLORS or color.startswith("#")):
            return hex_for(color)
        if tags:
            return hex_for(self.codebook.color_of(tags[0]))
        return hex_for(DEFAULT_COLOR)

    def known_tags(self) -> list[str]:
        """Every tag in use, most used first (what the tag field completes from)."""
        return [tag for tag, _ in self.store.tags().most_common()]

    def find(self, article: Article, quote: str) -> list[tuple[int, int]]:
        return find_quote(article, quote, self.converter)

    def passages(
        self, tags: Sequence[str], articles: Sequence[str] = (), view: str = "original"
    ) -> list[PassageEntry]:
        """Every passage tagged with one of ``tags`` (sub-tags included), across the corpus or ``articles``,
        in library then document order, as it reads in ``view``."""
        check_view(view)
        return corpus_passages(self, tuple(tags), tuple(articles), view)

    # -- reading state --------------------------------------------------------------------------------
    def reading_state(self, article_id: str) -> ArticleState | None:
        return self.store.get_state(article_id)

    def remember_position(self, article_id: str, position: int, view: str) -> None:
        self.store.set_state(
            ArticleState(article_id=article_id, position=position, view=view, updated=now_iso())
        )
