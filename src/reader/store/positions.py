"""Reading positions: where the user was in each article, one small file per article in the local folder.

Local data (never shared): ``local/positions/<stem>.json``. No lock and no fsync: saving a position must
never make the UI wait, and the last writer winning is right for "where was I". A schema-1 database kept
the position in the article file (a ``state`` table); that is read when no local file exists yet.
"""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path

import orjson

from reader.errors import StoreError
from reader.store.files import atomic_write, cannot, read_bytes
from reader.store.records import ArticleState, JsonDict


class Positions:
    """The positions folder of one database."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, stem: str) -> Path:
        return self.folder / f"{stem}.json"

    def exists(self, stem: str) -> bool:
        return self.path(stem).exists()

    def read(self, stem: str) -> ArticleState | bool | None:
        """The saved position; None if the file is unreadable; False if there is none."""
        got = None
        with suppress(StoreError):
            got = read_bytes(self.path(stem))
        if got is None:
            return False
        with suppress(orjson.JSONDecodeError, ValueError, TypeError):
            return ArticleState.from_dict(orjson.loads(got[0]))
        return None

    def write(self, stem: str, state: JsonDict) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path(stem), orjson.dumps(state), durable=False)
        except OSError as e:
            raise cannot(self.path(stem), "save the reading position", e) from e
