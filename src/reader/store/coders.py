"""Coders and their folders: who is coding, and one folder of annotations per coder.

Layout (beside ``local/`` in the database folder)::

    coders/<folder>/coder.json          {"coder": "Ann Lee", "default": false, "created": "..."}
    coders/<folder>/articles/           that coder's annotations: snapshot + log per article
    coders/<folder>/codebook.jsonl      that coder's codebook operations (reader.codebook_log)
    coders/<folder>/applied.json        which other coders' codebook operations are applied to them
    coders/<folder>/decisions.jsonl     that coder's merge decisions (reader.merging)
    coders/<folder>/coded.json          articles that coder has finished coding

Each coder writes only their own folder, so two clones of a shared project never change the same file
(``reader sync``). The folder name is the coder's name folded to what every file system accepts
(:func:`folder_name`: case folded, anything but letters, digits, ``.``, ``_`` and ``-`` made a ``-``);
``coder.json`` keeps the name as typed. A record in a coder's folder whose ``creator`` is empty is that
coder's (so renaming a default coder to the name set later touches one file, not every record).

**The default coder.** A user who never sets a name (``reader config coder``, ``READER_CODER``,
``--coder``) codes as their login name (:func:`default_coder_name`), in a folder marked ``"default":
true``; when they set a name, that folder is adopted: renamed to the new name's folder, its annotations
theirs under the new name. ``reader sync`` refuses to share a default coder's work.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from reader.errors import StoreCorruptError, StoreError, UsageError
from reader.store.files import atomic_write, cannot, dumps, read_bytes
from reader.store.index import Index
from reader.store.log import ArticleFile

# defined in reader.store.names (light, for `reader annotate`), re-exported here where they were first
from reader.store.names import AGREED as AGREED
from reader.store.names import ARTICLES as ARTICLES
from reader.store.names import CODER_FILE as CODER_FILE
from reader.store.names import CODERS_DIR as CODERS_DIR
from reader.store.names import FALLBACK_CODER as FALLBACK_CODER
from reader.store.names import FOLDER_CHARS as FOLDER_CHARS
from reader.store.names import RESERVED as RESERVED
from reader.store.names import coder_name
from reader.store.names import default_coder_name as default_coder_name
from reader.store.names import folder_name as folder_name
from reader.store.records import JsonDict, now_iso


@dataclass(frozen=True)
class Coder:
    """Who is coding in this clone."""

    name: str
    explicit: bool  # set by the user; False: the login name, until a name is set

    @property
    def folder(self) -> str:
        return folder_name(self.name)


def coder_for(name: str | None) -> Coder:
    """The coder named (checked), or the default coder when ``name`` is empty or None."""
    named, explicit = coder_name(name)
    return Coder(named, explicit=explicit)


def read_coder_file(folder: Path) -> tuple[str, bool] | None:
    """(name, default) from ``folder/coder.json``; None if it is missing or unreadable."""
    try:
        got = read_bytes(folder / CODER_FILE)
    except StoreError:
        return None
    if got is None:
        return None
    try:
        data = orjson.loads(got[0])
        name = data["coder"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return None
    if not isinstance(name, str) or not name.strip():
        return None
    return name, data.get("default") is True


def write_coder_file(folder: Path, coder: Coder) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    payload = {"coder": coder.name, "default": not coder.explicit, "created": now_iso()}
    try:
        atomic_write(folder / CODER_FILE, dumps(payload))
    except OSError as e:
        raise cannot(folder / CODER_FILE, "save", e) from e


def coder_folders(db: Path) -> dict[str, str]:
    """Folder name -> coder name of every coder folder in ``db/coders`` (the folder name if unnamed)."""
    try:
        entries = list(os.scandir(db / CODERS_DIR))
    except FileNotFoundError:
        return {}
    except OSError as e:
        raise cannot(db / CODERS_DIR, "list", e) from e
    out = {}
    for entry in sorted(entries, key=lambda e: e.name):
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        got = read_coder_file(Path(entry.path))
        out[entry.name] = got[0] if got else entry.name
    return out


def adopt_default_folder(db: Path, coder: Coder) -> bool:
    """When a name is first set: the login name's default folder becomes the named coder's (renamed).
    Under the lock. True if a folder was adopted."""
    if not coder.explicit:
        return False
    mine = db / CODERS_DIR / coder.folder
    if mine.exists():
        return False
    default = db / CODERS_DIR / folder_name(default_coder_name())
    got = read_coder_file(default)
    if got is None or not got[1]:
        return False
    try:
        os.replace(default, mine)
    except OSError as e:
        raise cannot(default, "rename", e) from e
    write_coder_file(mine, coder)
    return True


def claim_legacy_articles(db: Path, coder: Coder) -> bool:
    """Move a single-coder database's ``articles/`` into ``coder``'s folder (under the lock).

    Idempotent and safe at every step: ``coder.json`` is written first, then one rename moves the whole
    folder (atomic); a crash between the two leaves a folder the next call completes. True if moved.
    """
    legacy = db / ARTICLES
    if not legacy.is_dir():
        return False
    mine = db / CODERS_DIR / coder.folder
    target = mine / ARTICLES
    if not any(p for p in legacy.iterdir() if not p.name.startswith(".")):
        if not target.exists():
            ensure_coder_folder(db, coder)
            try:
                os.replace(legacy, target)
            except OSError as e:
                raise cannot(legacy, "move", e) from e
        return False
    if target.exists() and any(target.iterdir()):
        raise StoreCorruptError(
            f"{legacy}: holds annotations of the single-coder layout, and {target} holds yours; "
            "move one of the two folders aside (nothing was changed)"
        )
    ensure_coder_folder(db, coder)
    if target.exists():
        target.rmdir()
    try:
        os.replace(legacy, target)
    except OSError as e:
        raise cannot(legacy, "move", e) from e
    return True


def ensure_coder_folder(db: Path, coder: Coder) -> Path:
    """``coders/<folder>`` with its ``coder.json`` and ``articles/`` (under the lock); refuses a folder
    that belongs to another name folding to the same folder."""
    mine = db / CODERS_DIR / coder.folder
    got = read_coder_file(mine)
    if got is not None and got[0] != coder.name:
        raise UsageError(
            f"the coder name {coder.name!r} takes the folder {mine}, which holds the annotations of "
            f"{got[0]!r}; choose another name with `reader config coder NAME`"
        )
    if got is None or (got[1] and coder.explicit):
        write_coder_file(mine, coder)
    try:
        (mine / ARTICLES).mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise cannot(mine / ARTICLES, "create", e) from e
    return mine


class CoderFolder:
    """One coder's annotations: the article files of one folder, their index and a cache of loaded files.

    Reading needs no lock; only the store's own coder's folder is ever written (by the store)."""

    def __init__(self, name: str, folder: str, articles_dir: Path, index_path: Path, cache_size: int) -> None:
        self.name = name
        self.folder = folder
        self.articles_dir = articles_dir
        self.index = Index(index_path, articles_dir)
        self.files: OrderedDict[str, ArticleFile] = OrderedDict()
        self._cache_size = cache_size

    def article(self, article_id: str, stem: str) -> ArticleFile:
        af = self.files.get(article_id)
        if af is None:
            af = ArticleFile(self.articles_dir, stem, article_id)
            self.files[article_id] = af
            while len(self.files) > self._cache_size:
                self.files.popitem(last=False)
        else:
            self.files.move_to_end(article_id)
        return af

    def cached_by_stem(self, stem: str) -> ArticleFile | None:
        for af in self.files.values():
            if af.stem == stem:
                return af
        return None

    def load(self, article_id: str, stem: str) -> dict[str, JsonDict]:
        af = self.article(article_id, stem)
        unread = af.docs is None
        if unread:
            af.trusted, af.trusted_log, af.trusted_ordered = self.index.checked(af.stem)
        try:
            docs = af.load()
        except StoreError:
            self.files.pop(article_id, None)
            raise
        if unread:
            self.index.learn_text(af)
        return docs

    def fresh(self) -> dict[str, JsonDict]:
        return self.index.fresh(self.cached_by_stem)

    def describe(self) -> dict[str, Any]:
        return {"coder": self.name, "folder": self.folder, "articles": str(self.articles_dir)}
