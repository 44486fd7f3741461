"""Tag names: how they are normalised, which are valid, and how ``a/b`` nests under ``a``.

The one home of these rules: the store, the codebook, search, export and the screens all use them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from reader.errors import UsageError


def normalise_tags(tags: Iterable[str] | str) -> tuple[str, ...]:
    """Strip, NFC-normalise, drop empty tags and duplicates (first one wins). A bare string is one tag."""
    if isinstance(tags, str):
        tags = (tags,)
    out: dict[str, None] = {}
    for tag in tags:
        t = unicodedata.normalize("NFC", str(tag).strip())
        if t:
            out.setdefault(t, None)
    return tuple(out)


def check_tag(name: str) -> str:
    """A tag name as stored (stripped, NFC); UsageError if empty or with an empty ``/`` part."""
    tag = unicodedata.normalize("NFC", str(name).strip())
    if not tag:
        raise UsageError("a tag name cannot be empty")
    if any(not part.strip() for part in tag.split("/")):
        raise UsageError(f"tag {tag!r} has an empty part between '/' separators")
    return tag


@lru_cache(maxsize=4096)
def ancestors(tag: str) -> tuple[str, ...]:
    """``a/b/c`` -> ``("a", "a/b")``."""
    parts = tag.split("/")
    return tuple("/".join(parts[:i]) for i in range(1, len(parts)))


def under(tag: str, root: str) -> bool:
    """``tag`` is ``root`` or below it: ``framing/economy`` is under ``framing``; ``framings`` is not."""
    return tag == root or tag.startswith(root + "/")


def under_any(tag: str, roots: Iterable[str]) -> bool:
    """``tag`` is under one of ``roots``."""
    return any(under(tag, root) for root in roots)
