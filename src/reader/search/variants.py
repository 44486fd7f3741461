"""A query's variants (:func:`reader.search.text.query_variants`) cached on disk: ``variants.json`` in the
search cache folder, keyed by the query, the user's overrides file and the installed OpenCC, so a repeated
query loads no OpenCC dictionary."""

from __future__ import annotations

import os
import threading
from functools import cache
from typing import TYPE_CHECKING, Any

import orjson

from reader.logs import logger
from reader.search.text import query_variants

if TYPE_CHECKING:
    from reader.search.corpus import CorpusSearch

log = logger(__name__)

VARIANTS_NAME = "variants.json"
#: reader.convert.overrides.OVERRIDES_FILE (not imported: that imports the whole converter)
OVERRIDES_FILE = "overrides.json"
_VARIANTS_KEPT = 256
_VARIANTS_SCHEMA = 1


class VariantCache:
    """``variants.json``: recent queries' variants, valid while the overrides file and OpenCC are the same."""

    def __init__(self, search: CorpusSearch) -> None:
        self.search = search
        self.path = search.cache_dir / VARIANTS_NAME
        overrides = search.workspace.store.file_version(OVERRIDES_FILE)
        self.fingerprint = orjson.dumps([overrides, _opencc_fingerprint()])

    def get(self, query: str) -> list[str]:
        fingerprint = orjson.loads(self.fingerprint)  # as it reads back from the file
        queries: dict[str, list[str]] = {}
        try:
            data = orjson.loads(self.path.read_bytes())
            if data.get("schema") == _VARIANTS_SCHEMA and data.get("fingerprint") == fingerprint:
                queries = data["queries"]
                found = queries.get(query)
                if type(found) is list and found and all(type(v) is str and v for v in found):
                    return found
        except (OSError, ValueError, TypeError, AttributeError, KeyError, orjson.JSONDecodeError) as e:
            if not isinstance(e, FileNotFoundError):
                log.debug("ignoring the search's query cache %s: %s", self.path, e)
        variants = query_variants(query, self.search.converter)
        if type(queries) is not dict:
            queries = {}
        queries = dict(list(queries.items())[-(_VARIANTS_KEPT - 1) :])
        queries[query] = variants
        payload = {"schema": _VARIANTS_SCHEMA, "fingerprint": fingerprint, "queries": queries}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{VARIANTS_NAME}.{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_bytes(orjson.dumps(payload))
            os.replace(tmp, self.path)
        except (OSError, TypeError) as e:  # a cache; (TypeError: a query orjson cannot write)
            log.debug("cannot write the search's query cache %s: %s", self.path, e)
        return variants


@cache
def _opencc_fingerprint() -> list[Any]:
    """The installed OpenCC binding, without importing it: its module file's path, mtime and size."""
    from importlib.util import find_spec

    spec = find_spec("opencc")
    origin = spec.origin if spec is not None else None
    if not origin:
        return []
    try:
        st = os.stat(origin)
    except OSError:
        return [origin]
    return [origin, st.st_mtime_ns, st.st_size]
