"""Annotation records: the dataclasses, their checks (every record read from disk passes through here), and
:func:`make_annotation`. No file access: see :mod:`reader.store.files` for that.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from dataclasses import MISSING, asdict, dataclass, fields, replace
from operator import itemgetter
from typing import Any, Protocol

from reader.errors import UsageError
from reader.store.append import CONTEXT_CHARS as CONTEXT_CHARS
from reader.store.append import new_record
from reader.store.append import now_iso as now_iso
from reader.tags import normalise_tags

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class Annotation:
    id: str
    article_id: str
    article_sha256: str
    start: int  # code points into the normalised original
    end: int
    quote: str
    prefix: str  # ~32 chars of context each side
    suffix: str
    tags: tuple[str, ...]
    note: str
    color: str
    created: str  # ISO-8601 UTC
    modified: str
    view: str  # the view it was made in
    status: str = "anchored"  # "anchored" | "reanchored" | "orphan"
    creator: str = ""  # the coder who made it; "" in a record: the coder whose folder holds it

    def to_dict(self) -> JsonDict:
        d = {name: getattr(self, name) for name, _, _ in _spec(Annotation)}  # asdict() deep-copies: slow
        d["tags"] = list(self.tags)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Annotation:
        """Build from a stored record; raises ValueError if a field is missing or has the wrong type."""
        return cls(**typed_fields(cls, d))


@dataclass(frozen=True)
class ArticleState:
    """Where the user was in an article. :meth:`AnnotationStore.set_state` stamps an empty ``updated``."""

    article_id: str
    position: int  # code point into the normalised original
    view: str = "original"
    updated: str = ""  # ISO-8601 UTC

    def to_dict(self) -> JsonDict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ArticleState:
        return cls(**typed_fields(cls, d))


_INT_FIELDS = {"start", "end", "position"}
_SPECS: dict[type, tuple[tuple[str, str, bool], ...]] = {}


def _spec(cls: type) -> tuple[tuple[str, str, bool], ...]:
    """(name, kind, has_default) per field; computed once per class because ``fields()`` is slow."""
    spec = _SPECS.get(cls)
    if spec is None:
        spec = tuple(
            (
                f.name,
                "tags" if f.name == "tags" else "int" if f.name in _INT_FIELDS else "str",
                f.default is not MISSING,
            )
            for f in fields(cls)
        )
        _SPECS[cls] = spec
    return spec


def typed_fields(cls: type, d: dict[str, Any]) -> dict[str, Any]:
    """The dataclass fields of ``cls`` taken from ``d`` with their types checked (unknown keys ignored).

    Runs for every record loaded from disk, so it is written for speed.
    """
    if not isinstance(d, dict):
        raise ValueError(f"expected an object, got {type(d).__name__}")
    kwargs: dict[str, Any] = {}
    for name, kind, has_default in _spec(cls):
        try:
            v = d[name]
        except KeyError:
            if has_default:
                continue
            raise ValueError(f"field {name!r} is missing") from None
        if kind == "str":
            if type(v) is not str:
                raise ValueError(f"field {name!r} must be a string")
        elif kind == "int":
            if type(v) is not int:
                raise ValueError(f"field {name!r} must be an integer")
        else:
            if type(v) not in (list, tuple) or not all(type(t) is str for t in v):
                raise ValueError(f"field {name!r} must be a list of strings")
            v = tuple(v)
        kwargs[name] = v
    return kwargs


_ANNOTATION_STRS = itemgetter(
    "id",
    "article_id",
    "article_sha256",
    "quote",
    "prefix",
    "suffix",
    "note",
    "color",
    "created",
    "modified",
    "view",
)
_ANNOTATION_INTS = itemgetter("start", "end")
_ONLY_STR = {str}


def check_annotation(d: dict[str, Any]) -> None:
    """Raise ValueError unless ``d`` is a valid Annotation record (what :func:`typed_fields` checks).

    Exporting 100,000 annotations checks every record, so the common case is a few C-level calls;
    anything odd falls back to :func:`typed_fields` for a precise message.
    """
    try:
        start, end = _ANNOTATION_INTS(d)
        tags = d["tags"]
        ok = (
            type(start) is int
            and type(end) is int
            and set(map(type, _ANNOTATION_STRS(d))) == _ONLY_STR
            and type(tags) in (list, tuple)
            and (not tags or set(map(type, tags)) == _ONLY_STR)
            and type(d.get("status", "")) is str
            and type(d.get("creator", "")) is str
        )
    except (KeyError, TypeError):
        ok = False
    if not ok:
        typed_fields(Annotation, d)  # raises the precise error
        raise ValueError("invalid annotation record")  # pragma: no cover


class _InfoLike(Protocol):
    @property
    def id(self) -> str: ...


class ArticleLike(Protocol):
    """What :func:`make_annotation` needs of an article (``reader.articles.Article`` fits)."""

    @property
    def text(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def info(self) -> _InfoLike: ...


def make_annotation(
    article: ArticleLike,
    start: int,
    end: int,
    *,
    tags: Iterable[str],
    note: str = "",
    color: str = "",
    view: str = "original",
) -> Annotation:
    """A new annotation of ``article.text[start:end]`` (code points into the normalised original); its
    record is :func:`reader.store.append.new_record`'s (the one way a new record is made)."""
    record = new_record(
        article.info.id,
        article.sha256,
        article.text,
        start,
        end,
        tags=tags,
        note=note,
        color=color,
        view=view,
    )
    return Annotation(**(record | {"tags": tuple(record["tags"])}))


def checked(annotation: Annotation) -> Annotation:
    """The annotation with its tags normalised; UsageError if it cannot be stored."""
    if not isinstance(annotation, Annotation):
        raise UsageError(f"expected an Annotation, got {type(annotation).__name__}")
    if not annotation.id or not annotation.article_id:
        raise UsageError("an annotation needs an id and an article id")
    if not (0 <= annotation.start <= annotation.end):
        raise UsageError(
            f"annotation {annotation.id}: bad range {annotation.start}..{annotation.end} "
            "(need 0 <= start <= end)"
        )
    tags = normalise_tags(annotation.tags)
    return annotation if tags == annotation.tags else replace(annotation, tags=tags)


DOCUMENT_ORDER = operator.itemgetter("start", "end", "created")


def annotations_of(records: Iterable[JsonDict]) -> list[Annotation]:
    """Annotation objects of stored records, in the order given, each wrapping its record's dict.

    Only for records the store read and checked, whose ``tags`` it made a tuple (see
    :mod:`reader.store.snapshot`): nothing is checked or copied. Each Annotation's attributes are its
    record (its instance ``__dict__``, as a frozen dataclass's ``__init__`` would fill it; a default field
    missing from an older record falls back to the class's default), so neither may be modified:
    records are replaced, never changed, by the store. At 100,000 annotations this is ~20 ms, where
    copying each record into a new instance took ~250 ms.
    """
    new = Annotation.__new__
    set_dict = object.__setattr__  # a frozen dataclass refuses plain attribute assignment
    out: list[Annotation] = []
    append = out.append
    for record in records:
        annotation = new(Annotation)
        set_dict(annotation, "__dict__", record)
        append(annotation)
    return out
