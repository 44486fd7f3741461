"""The index's entry for one article file: its shape and its tag counts, shared by the index
(:mod:`.index`) and the quick save (:mod:`.append`), so both read and follow an entry the same way.

Light on purpose (standard library only): `reader annotate` imports it (see :mod:`.append`).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any


def valid_entry(e: Any) -> bool:
    """``e`` has the shape :func:`reader.store.index.entry_from` writes (a garbled cache is recounted)."""
    return (
        type(e) is dict
        and type(e.get("article_id")) is str
        and type(e.get("count")) is int
        and type(e.get("tags")) is dict
        and all(type(n) is int for n in e["tags"].values())
        and (e.get("snap") is None or (type(e["snap"]) is list and len(e["snap"]) == 3))
        and (e.get("ino") is None or type(e["ino"]) is int)
        and type(e.get("off")) is int
        and type(e.get("crc")) is int
        and type(e.get("seq")) is int
        and type(e.get("ordered", False)) is bool
        and (e.get("on") is None or type(e["on"]) is str)
    )


def text_of(records: Iterable[dict[str, Any]]) -> str | None:
    """The ``article_sha256`` every one of ``records`` was made on if it is one and none is an orphan,
    else None: the entry's ``on``, which lets an article's first annotations be read alone
    (:mod:`reader.store.window`): none of the others can be re-anchored into them."""
    shas = set()
    for record in records:
        if record.get("status") == "orphan":
            return None
        shas.add(record["article_sha256"])
    return shas.pop() if len(shas) == 1 else None


def follow_text(entry: dict[str, Any], record: dict[str, Any]) -> None:
    """The entry's ``on`` after a put of ``record`` (before its count follows it); a delete keeps it."""
    if entry["count"] == 0:
        entry["on"] = text_of([record])
    elif entry.get("on") is not None and text_of([record]) != entry["on"]:
        entry["on"] = None


def count_tags(tags: dict[str, int], added: Iterable[str] = (), removed: Iterable[str] = ()) -> None:
    """Tag counts after a change that replaced a record tagged ``removed`` by one tagged ``added``."""
    for t in removed:
        left = tags.get(t, 0) - 1
        if left > 0:
            tags[t] = left
        else:
            tags.pop(t, None)
    for t in added:
        tags[t] = tags.get(t, 0) + 1
