"""The write-ahead journal: a change to many article files (and the codebook) is all or nothing.

``local/journal.json`` holds the whole change before any article file is touched::

    {"journal": 1, "what": "import of export.json",
     "articles": [{"article_id": "...", "ino": 123, "size": 4567, "puts": [{...}], "dels": ["<id>"]}],
     "files": {"codebook.json": "<the new file's text>"}}

Under the database lock: every article's log is prepared (read, torn tail cut, created if missing) and
its inode and size noted (a log that does not exist yet is noted as new, and written whole when the
change is applied); the journal is written atomically and fsynced (the commit point); the puts and
dels are appended to each log without an fsync each; one ``syncfs`` makes them all durable; the files are
replaced; the journal is removed (and that removal made durable, so a stale journal can never be replayed
over later saves). A failure before the commit changes nothing; a failure after it (a full disk) cuts every
log back to its noted size and removes the journal, so nothing is changed either.

A journal found later (its writer was killed) is finished by whoever takes the lock next: puts and dels
are idempotent (a put of the record already there, a del of an id already gone, are skipped), so appending
what is not yet true completes it; if that fails it is rolled back as above.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from reader.errors import StoreCorruptError, StoreError, UsageError
from reader.store.changes import Op
from reader.store.files import atomic_write, cannot, corrupt, fsync_dir, sync_files
from reader.store.log import ArticleFile
from reader.store.names import JOURNAL_NAME as JOURNAL_NAME
from reader.store.records import Annotation, JsonDict, check_annotation, checked

JOURNAL_SCHEMA = 1
#: files of the database folder a journal may replace (names relative to it): the single-coder codebook,
#: and a coder's own codebook operations, what of others' they applied, merge decisions, coded articles
JOURNALLED_FILES = re.compile(
    r"codebook\.json|coders/[^/\\]+/(codebook\.jsonl|applied\.json|decisions\.jsonl|coded\.json)"
)


def journalled_file(name: str) -> bool:
    return bool(JOURNALLED_FILES.fullmatch(name)) and ".." not in name.split("/")


@dataclass
class Change:
    """What one article's annotations should become: records stored as given, ids removed."""

    article_id: str
    puts: list[JsonDict] = field(default_factory=list)
    dels: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, article_id: str, annotations: Iterable[Annotation] = (), dels: Iterable[str] = ()) -> Change:
        """From Annotation objects (checked and tags normalised, as every save does)."""
        records = []
        for a in annotations:
            a = checked(a)
            if a.article_id != article_id:
                raise UsageError(f"annotation {a.id} belongs to {a.article_id!r}, not {article_id!r}")
            records.append(a.to_dict())
        return cls(article_id, records, list(dels))


ArticleFor = Callable[[str], ArticleFile]


def _validate(
    path: Path, data: Any
) -> tuple[str, list[tuple[Change, int | None, int]], dict[str, bytes], str | None]:
    """The journal's parts, checked; StoreCorruptError naming the file on any problem."""
    try:
        if type(data) is not dict or data.get("journal") != JOURNAL_SCHEMA:
            raise ValueError("not a reader journal of schema 1")
        what = data["what"]
        parts = []
        for a in data["articles"]:
            article_id, ino, size, puts, dels = a["article_id"], a["ino"], a["size"], a["puts"], a["dels"]
            if (
                type(article_id) is not str
                or (ino is not None and type(ino) is not int)
                or type(size) is not int
            ):
                raise ValueError("an article entry has a wrong type")
            if type(puts) is not list or type(dels) is not list or not all(type(d) is str for d in dels):
                raise ValueError(f"the changes of {article_id!r} are not lists")
            for rec in puts:
                check_annotation(rec)
                if rec["article_id"] != article_id:
                    raise ValueError(f"annotation {rec['id']} is filed under {article_id!r}")
            parts.append((Change(article_id, puts, dels), ino, size))
        files = data.get("files", {})
        if type(files) is not dict or not all(
            type(name) is str and journalled_file(name) and type(text) is str for name, text in files.items()
        ):
            raise ValueError("'files' names a file a journal may not replace")
        if type(what) is not str:
            raise ValueError("'what' is not a string")
        folder = data.get("folder")
        if folder is not None and (type(folder) is not str or ".." in folder.split("/")):
            raise ValueError("'folder' is not a folder of the database")
    except (KeyError, TypeError, ValueError) as e:
        raise corrupt(path, f"unreadable journal of an interrupted change ({e})") from e
    return what, parts, {name: text.encode("utf-8") for name, text in files.items()}, folder


class Journal:
    """The journal file of one database; all methods run under the database lock."""

    def __init__(self, path: Path, db_path: Path, articles_dir: Path) -> None:
        self.path = path
        self.db_path = db_path
        self.articles_dir = articles_dir

    def pending(self) -> bool:
        return self.path.exists()

    def commit(
        self, article_for: ArticleFor, changes: Iterable[Change], files: dict[str, bytes], what: str
    ) -> list[tuple[ArticleFile, list[Op], int]]:
        """Apply ``changes`` and replace ``files`` all or nothing; returns, per article changed, its file,
        the ops appended and the log size before them."""
        prepared = [p for p in self._prepare(article_for, changes) if p[1]]
        if not prepared and not files:
            return []
        record = {
            "journal": JOURNAL_SCHEMA,
            "what": what,
            "folder": self.articles_dir.relative_to(self.db_path).as_posix(),
            "articles": [
                {
                    "article_id": c.article_id,
                    "ino": af.log_ino,
                    "size": af.log_off,
                    "puts": c.puts,
                    "dels": c.dels,
                }
                for c, _, af in prepared
            ],
            "files": {name: payload.decode("utf-8") for name, payload in files.items()},
        }
        try:
            atomic_write(self.path, orjson.dumps(record))
        except OSError as e:
            raise StoreError(f"{cannot(self.path, 'record the change', e)}; nothing was changed") from e
        sizes = [(af, af.log_off) for _, _, af in prepared]
        try:
            self._apply([(af, ops) for _, ops, af in prepared], files)
        except (OSError, StoreError) as e:
            self._roll_back(sizes)
            raise StoreError(f"{what} was not done: {_detail(e)}; nothing was changed") from e
        return [(af, ops, size) for (_, ops, af), (_, size) in zip(prepared, sizes, strict=True)]

    def _prepare(
        self, article_for: ArticleFor, changes: Iterable[Change]
    ) -> list[tuple[Change, list[Op], ArticleFile]]:
        out = []
        for change in changes:
            af = article_for(change.article_id)
            af.prepare()  # a new article's log is written whole when the change is applied
            out.append((change, af.ops_for(change.puts, change.dels), af))
        return out

    def _apply(self, work: list[tuple[ArticleFile, list[Op]]], files: dict[str, bytes]) -> None:
        touched = []
        for af, ops in work:
            if ops:
                af.append(ops, sync=False, fresh_log=True)  # made durable below, all at once
                touched.append(af.log_path)
        sync_files(touched[0].parent if touched else self.db_path, touched)
        for name, payload in files.items():
            target = self.db_path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(target, payload)
        self._remove()

    def _remove(self) -> None:
        os.unlink(self.path)
        fsync_dir(self.path.parent)  # a journal that came back after a power cut would be replayed

    def _roll_back(self, sizes: list[tuple[ArticleFile, int]]) -> None:
        """Cut every log back to where it was before the change; then the journal goes."""
        for af, size in sizes:
            af.roll_back(size)  # size 0: a log this change created (removed)
            if size:
                with contextlib.suppress(StoreError, OSError):
                    af.load()
                    af.compact()  # a new inode, so that another process re-reads the log whole
        try:
            self._remove()
        except FileNotFoundError:
            pass
        except OSError as e:
            raise cannot(self.path, "remove", e) from e

    def recover(
        self, article_for: ArticleFor, article_in: Callable[[str], ArticleFor] | None = None
    ) -> str | None:
        """Finish (or, failing that, roll back) an interrupted change; returns what it was, or None.

        ``article_in(folder)`` gives the article files of another folder: a journal written by this clone
        under another coder name is finished in that coder's folder."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as e:
            raise cannot(self.path, "read", e) from e
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as e:
            raise corrupt(self.path, f"unreadable journal of an interrupted change ({e})") from e
        what, parts, files, folder = _validate(self.path, data)
        here = self.articles_dir.relative_to(self.db_path).as_posix()
        if folder is not None and folder != here and article_in is not None:
            article_for = article_in(folder)
        work = []
        sizes = []
        for change, ino, size in parts:
            af = article_for(change.article_id)
            if ino is None:  # the interrupted change was creating this log: start it again
                af.roll_back(0)
                sizes.append((af, 0))
            af.prepare()
            if ino is not None and af.log_ino == ino and af.log_off >= size:
                sizes.append((af, size))
            work.append((af, af.ops_for(change.puts, change.dels)))
        try:
            self._apply(work, files)
        except (OSError, StoreError) as e:
            self._roll_back(sizes)
            raise StoreError(
                f"{self.path}: an interrupted change ({what}) could not be finished ({_detail(e)}) "
                "and was rolled back; nothing of it remains"
            ) from e
        return what


def _detail(e: Exception) -> str:
    if isinstance(e, OSError):
        where = f"{e.filename}: " if e.filename else ""
        return f"{where}{e.strerror or e}; free some space or check permissions"
    return str(e)


def check_readable(path: Path) -> None:
    """StoreCorruptError if the journal at ``path`` exists and is not valid (for read-only databases)."""
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return
    except (OSError, orjson.JSONDecodeError) as e:
        raise StoreCorruptError(f"{path}: unreadable journal of an interrupted change ({e})") from e
    _validate(path, data)
