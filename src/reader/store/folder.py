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
from reader.store.names import ARTICLES_DIR as ARTICLES_DIR
from reader.store.names import LOCAL_DIR as LOCAL_DIR
from reader.store.names import MANIFEST_NAME as MANIFEST_NAME
from reader.store.names import MANIFEST_SCHEMA as MANIFEST_SCHEMA

AGREED_DIR = "agreed"  # local/agreed: the agreed version, made from the shared decisions (reader.merging)
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
    folders = [p for p in (path, path / LOCAL_DIR) if p.exists()]
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
    if schema not in (MANIFEST_SCHEMA, SCHEMA, LEGACY_SCHEMA):
        raise StoreCorruptError(
            f"{manifest}: written with schema version {schema!r} but this reader understands "
            f"{MANIFEST_SCHEMA}; upgrade reader (the file is left untouched)"
        )
    return int(schema)


def make_folders(path: Path) -> None:
    """The subfolders a write needs; the local one with a .gitignore that keeps it out of any sharing."""
    local = path / LOCAL_DIR
    try:
        path.mkdir(parents=True, exist_ok=True)
        local.mkdir(exist_ok=True)
        ignore = local / ".gitignore"
        if not ignore.exists():
            ignore.write_text(_GITIGNORE, encoding="utf-8")
    except OSError as e:
        raise cannot(local, "create", e) from e


def upgrade(path: Path, *, claimed_by: str | None = None) -> None:
    """Write the schema-3 manifest (older databases are upgraded: their files are valid snapshots, and the
    single-coder ``articles/`` has just been moved into a coder's folder) and remove what schema 1 kept at
    the top that now lives in the local folder. Under the lock.

    The manifest is shared: two clones that upgrade the same database write the same bytes (the old
    ``created`` is kept), so git merges them; ``claimed_by`` names the coder who took the single-coder
    annotations, so that two coders who both did would conflict there (``reader sync`` stops and says so).
    """
    old: dict[str, object] = {}
    got = read_bytes(path / MANIFEST_NAME)
    if got is not None:
        with suppress(orjson.JSONDecodeError, AttributeError, TypeError):
            old = dict(orjson.loads(got[0]))
    if old.get("schema") == MANIFEST_SCHEMA and claimed_by is None:
        return
    manifest: dict[str, object] = {"schema": MANIFEST_SCHEMA, "format": "reader annotations"}
    if old.get("created"):  # a new database's manifest has no time: clones that each made one agree
        manifest["created"] = old["created"]
    if claimed_by is not None or old.get("single_coder_annotations"):
        manifest["single_coder_annotations"] = claimed_by or old.get("single_coder_annotations")
    try:  # not fsynced: it only marks the schema; a lost one is written again by the next save
        atomic_write(path / MANIFEST_NAME, dumps(manifest), durable=False)
    except OSError as e:
        raise cannot(path / MANIFEST_NAME, "save", e) from e
    for name in LEGACY_LOCAL_FILES:
        with suppress(OSError):
            (path / name).unlink()
