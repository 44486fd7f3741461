"""Tag names: how they are normalised, which are valid, how ``a/b`` nests under ``a``, and when two
spellings are the same tag (简 and 繁 alike, for finding; see :func:`fold_key`).

The one home of these rules: the store, the codebook, search, export and the screens all use them.
Structure (rename, merge, the tree) is exact (:func:`under`); every filter a user types (export, search,
passages, frequencies, agreement ``--tag``) finds spellings alike (:func:`under_any_alike`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from reader.errors import UsageError

TYPE_CHECKING = False  # typing is not imported at run time: `reader annotate` (reader.store.append)
if TYPE_CHECKING:
    from typing import Any


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


# --- 简 and 繁 alike ---------------------------------------------------------------------------------
# The product's rule is that a Simplified and a Traditional spelling are the same word: search, quotes and
# the library filter already fold text to Simplified. Tags and titles follow the same rule wherever the
# user *finds* something (a tag filter, a title search, "does this tag exist already?"); tags are still
# stored, shown and renamed exactly as typed (来源 and 來源 stay two spellings until merged).


@lru_cache(maxsize=65536)
def fold_key(text: str) -> str:
    """The form under which two spellings are alike: compatibility forms unified (NFKC: ＡＢ → AB, ／ → /),
    OpenCC's t2s (來源 → 来源, as :func:`reader.anchoring.fold` folds article text; the user's own view
    corrections do not change it), then case folded. For comparing only, never for storing."""
    text = unicodedata.normalize("NFKC", str(text))
    return _t2s(text).casefold()


def _t2s(text: str) -> str:
    global _converter
    if _converter is None:
        from reader.convert import Converter  # not at import: the store imports this module

        _converter = Converter()
    return _converter.convert_config(text, "t2s")


_converter: Any = None


def same_tag(a: str, b: str) -> bool:
    """`a` and `b` are the same tag but for script (or case): 来源 and 來源."""
    return fold_key(a) == fold_key(b)


def under_alike(tag: str, root: str) -> bool:
    """:func:`under`, with 简 and 繁 alike: ``框架/經濟`` is under ``框架``, ``來源/官方`` under ``来源``."""
    key, root_key = fold_key(tag), fold_key(root)
    return key == root_key or key.startswith(root_key + "/")


def under_any_alike(tag: str, roots: Iterable[str]) -> bool:
    """``tag`` is under one of ``roots`` (简 and 繁 alike): what a tag filter of several tags keeps."""
    return any(under_alike(tag, root) for root in roots)


def tags_under(roots: Iterable[str], names: Iterable[str]) -> set[str]:
    """The tags among ``names`` (e.g. every tag in use) that a filter of ``roots`` keeps: each root, its
    sub-tags, in any script. An annotation passes the filter if it carries one of them."""
    roots = normalise_tags(roots)
    return {name for name in names if under_any_alike(name, roots)}


def unmatched_filters(roots: Iterable[str], names: Iterable[str]) -> list[str]:
    """The filter tags (``roots``, in order) that keep none of ``names``: what to warn about."""
    names = list(names)
    return [root for root in normalise_tags(roots) if not any(under_alike(name, root) for name in names)]


def contains_alike(text: str, query: str) -> bool:
    """``query`` occurs in ``text`` with 简 and 繁 (and case) alike: a typed filter of titles or tags
    (小红书 finds 小紅書, 社會 finds 框架/社会)."""
    return fold_key(query.strip()) in fold_key(text)


def find_equivalent_tag(name: str, existing: Iterable[str]) -> str | None:
    """The spelling to offer instead of a new tag ``name`` that differs from one in use only by script or
    case: 来源 for 來源; for 來源/官方 when 来源 exists, 来源/官方 (the new tag under the parent as it is
    spelt). None if ``name`` is spelt as in use, or nothing is alike. ``existing``: the tags in use, most
    used first (of several alike, the first wins)."""
    name = unicodedata.normalize("NFC", str(name).strip())
    spelt: dict[str, str] = {}  # fold key -> the spelling in use (tags and their parents)
    exact: set[str] = set()
    for tag in existing:
        for known in (tag, *ancestors(tag)):
            exact.add(known)
            spelt.setdefault(fold_key(known), known)
    parts = name.split("/")
    for cut in range(len(parts), 0, -1):  # the whole name, then its parents, longest first
        typed = "/".join(parts[:cut])
        if typed in exact:
            return None
        in_use = spelt.get(fold_key(typed))
        if in_use is not None:
            return "/".join([in_use, *parts[cut:]])
    return None
