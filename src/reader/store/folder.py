"""The database folder itself: can it be written, its manifest (schema), its subfolders, the upgrade.

See the package docstring for the layout. Kept apart from :mod:`reader.store.store` so that the store
deals with annotations and this module with the folder they live in.
"""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path

import orjson

from reader.errors import StoreCorruptError, StoreError
from reader.store.changes import SCHEMA
from reader.store.files import atomic_write, cannot, dumps, read_bytes
from reader.store.log import LEGACY_SCHEMA
from reader.store.records import now_iso

MANIFEST_NAME = "reader-db.json"
ARTICLES_DIR = "articles"
LOCAL_DIR = "local"
LEGACY_LOCAL_FILES = ("reader-db.lock", "index.json")  # schema 1 kept these at the top
_GITIGNORE = "# local to this computer: never shared\n*\n"


def open_folder(path: Path) -> bool:
    """Create the folder if it is missing; True if it cannot be written (reading still works)."""
    try:
        path.mkdir(parents=True, exist_ok=True)  # exist_ok: another process may create it at this moment
    except FileExistsError:
        pass  # a file of that name: said below
    except OSError:
        if not path.is_dir():
            return True  # cannot be created (a read-only parent): an empty database, read-only
    if not path.is_dir():
        raise StoreError(f"{path}: a file, not an annotation folder; pass --db with a folder")
    folders = [p for p in (path, path / ARTICLES_DIR, path / LOCAL_DIR) if p.exists()]
    return not all(os.access(p, os.W_OK | os.X_OK) for p in folders)


def manifest_schema(path: Path) -> int | None:
    """The schema of the database at ``path`` (None: no manifest yet); refuses one it does not know."""
    manifest = path / MANIFEST_NAME
    got = read_bytes(manifest)
    if got is None:
        return None
    try:
        schema = orjson.loads(got[0]).get("schema")
    except (orjson.JSONDecodeError, AttributeError) as e:
        raise StoreCorruptError(
            f"{manifest}: not a valid reader database manifest; move it aside or restore it"
        ) from e
    if schema not in (SCHEMA, LEGACY_SCHEMA):
        raise StoreCorruptError(
            f"{manifest}: written with schema version {schema!r} but this reader understands "
            f"{SCHEMA}; upgrade reader (the file is left untouched)"
        )
    return int(schema)


def make_folders(path: Path) -> None:
    """The subfolders a write needs; the local one with a .gitignore that keeps it out of any sharing."""
    local = path / LOCAL_DIR
    try:
        (path / ARTICLES_DIR).mkdir(parents=True, exist_ok=True)
        local.mkdir(exist_ok=True)
        ignore = local / ".gitignore"
        if not ignore.exists():
            ignore.write_text(_GITIGNORE, encoding="utf-8")
    except OSError as e:
        raise cannot(local, "create", e) from e


def upgrade(path: Path) -> None:
    """Write the schema-2 manifest (a schema-1 database is upgraded: its files are valid snapshots) and
    remove what schema 1 kept at the top that now lives in the local folder. Under the lock."""
    manifest = {"schema": SCHEMA, "format": "reader annotations", "created": now_iso()}
    try:  # not fsynced: it only marks the schema; a lost one is written again by the next save
        atomic_write(path / MANIFEST_NAME, dumps(manifest), durable=False)
    except OSError as e:
        raise cannot(path / MANIFEST_NAME, "save", e) from e
    for name in LEGACY_LOCAL_FILES:
        with suppress(OSError):
            (path / name).unlink()
