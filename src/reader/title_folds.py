"""Titles folded for the library's sort and filter (简体, case-folded), remembered between runs.

The library sorts and filters titles regardless of script, so before its first paint every title was
converted to Simplified: that imported the OpenCC binding and built its t2s chain, ~20-45 ms and ~750 page
faults of a ~300 ms start-up. The folds are kept in ``<db>/local/cache/folded-titles.json`` with what they
depend on (the binding's file, the user's view corrections and reader's own recipes, by signature): a
start-up whose titles are all known neither imports nor builds the converter; a new title is folded then,
and remembered.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from reader.logs import logger
from reader.store.files import atomic_write

if TYPE_CHECKING:
    from reader.convert import Converter

__all__ = ["CACHE_FILE", "TitleFolds"]

log = logger(__name__)

CACHE_FILE = "folded-titles.json"
_RECIPES = Path(__file__).resolve().parent / "convert" / "recipes.py"
OVERRIDES_FILE = "overrides.json"  # reader.convert.overrides.OVERRIDES_FILE (not imported: see above)


def _signature(path: str | None) -> list[int] | None:
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_size, st.st_ino]


class TitleFolds:
    """``fold(titles)``: title -> its Simplified, case-folded form, from the cache where known."""

    def __init__(self, db_path: Path, converter: Callable[[], Converter]) -> None:
        self._path = db_path / "local" / "cache" / CACHE_FILE
        self._converter = converter
        spec = importlib.util.find_spec("opencc")  # where the binding is, without importing it
        self._key = [
            _signature(spec.origin if spec is not None else None),
            _signature(os.fspath(db_path / OVERRIDES_FILE)),
            _signature(os.fspath(_RECIPES)),  # which OpenCC configs a view chains (a reader upgrade)
        ]
        self._known: dict[str, str] | None = None
        self._seen: set[str] = set()  # what is written: the titles of this run (renamed ones drop out)
        self._new = False
        self._lock = threading.Lock()  # the library folds on the UI thread or in its listing worker

    def _load(self) -> dict[str, str]:
        if self._known is None:
            self._known = {}
            try:
                data = orjson.loads(self._path.read_bytes())
                if data.get("key") == self._key and type(data.get("titles")) is dict:
                    self._known = {k: v for k, v in data["titles"].items() if type(v) is str}
            except (OSError, orjson.JSONDecodeError, AttributeError) as e:
                log.debug("folded titles not read from %s: %s", self._path, e)
        return self._known

    def fold(self, titles: Iterable[str]) -> dict[str, str]:
        with self._lock:
            known = self._load()
            folded = {}
            for title in titles:
                found = known.get(title)
                if found is None:
                    found = known[title] = self._converter().convert(title, "simplified").casefold()
                    self._new = True
                folded[title] = found
            self._seen.update(folded)
            return folded

    def save(self) -> None:
        """Write the folds of this run's titles if new ones were made (a cache: failing is no error)."""
        with self._lock:
            if not self._new or self._known is None:
                return
            titles = {title: self._known[title] for title in self._seen}
            self._new = False
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self._path, orjson.dumps({"key": self._key, "titles": titles}), durable=False)
        except OSError as e:
            log.debug("folded titles not written to %s: %s", self._path, e)
