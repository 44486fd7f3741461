"""What a view is: its text, its offset map, and what it substituted (for the UI to show)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from reader.choices import VIEW_LABELS, VIEWS, check_view
from reader.convert.offsets import OffsetMap

__all__ = ["VIEWS", "VIEW_LABELS", "Substitution", "SupportsText", "ViewText", "check_view"]


@dataclass(frozen=True)
class Substitution:
    """A place where the view does more than write the same characters in another script.

    ``kind``: "phrase" (a word localised: 菜单 -> 選單), "uncertain" (a character OpenCC converts one to
    many, decided by its default: 后 -> 後), "repair" (a Simplified leftover in Traditional text: 于 -> 於),
    "override" (a user correction). Ranges are in the original and in the view; ``choices`` are the other
    ways an uncertain character can be written.
    """

    kind: str
    start: int
    end: int
    view_start: int
    view_end: int
    source: str
    text: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class ViewText:
    view: str
    text: str
    offsets: OffsetMap
    source: str = "original"  # the source script as converted: auto, simplified, traditional, ...
    script: str = ""  # the article's detected script ("auto" decided runs from it)
    phrases_on: bool = False  # phrase localisation applied to some of the text
    _details: _Details | None = field(default=None, repr=False, compare=False)

    def _get(self) -> dict[str, tuple[Substitution, ...]]:
        return self._details.get() if self._details is not None else {}

    @property
    def phrases(self) -> tuple[Substitution, ...]:
        """Localised phrases, in order (computed on first use: a worker can ask for them)."""
        return self._get().get("phrase", ())

    @property
    def uncertain(self) -> tuple[Substitution, ...]:
        return self._get().get("uncertain", ())

    @property
    def repairs(self) -> tuple[Substitution, ...]:
        return self._get().get("repair", ())

    @property
    def overridden(self) -> tuple[Substitution, ...]:
        return self._get().get("override", ())

    def substitutions(self) -> tuple[Substitution, ...]:
        """Every substitution of every kind, in view order."""
        found = [s for group in self._get().values() for s in group]
        return tuple(sorted(found, key=lambda s: (s.view_start, s.view_end, s.kind)))


class SupportsText(Protocol):
    """What :meth:`Converter.view` needs of an article: ``reader.articles.Article`` fits."""

    @property
    def text(self) -> str: ...

    @property
    def sha256(self) -> str: ...


class _Details:
    """Computes a view's substitutions on first use, once (thread-safe)."""

    def __init__(self, compute: Callable[[], dict[str, tuple[Substitution, ...]]]) -> None:
        self._compute: Callable[[], dict[str, tuple[Substitution, ...]]] | None = compute
        self._value: dict[str, tuple[Substitution, ...]] | None = None
        self._lock = threading.Lock()

    def get(self) -> dict[str, tuple[Substitution, ...]]:
        with self._lock:
            if self._value is None:
                assert self._compute is not None
                self._value = self._compute()
                self._compute = None
            return self._value
