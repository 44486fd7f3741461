"""The corpus index: the folded text of every article in one memory-mapped file, kept fresh by a stat.

Kept in ``<db>/local/cache/search/``:

* ``corpus-<gen>.folded``: the folded text (:func:`reader.search.text.fold`) of every article, UTF-8, in
  library order, each followed by a NUL byte so that no byte match spans two articles;
* ``search-index.json``: the generation and, one column each, every article's id, file key (size,
  mtime_ns, ctime_ns, inode), title, sha256, end of its folded bytes, and whether the file's bytes are
  exactly the UTF-8 of its normalised text ("exact").

There is no second copy of the originals: a search reads the article files that have a hit (the context
is cut from the file's text). For an *exact* file whose key is unchanged, that text is the file's bytes
decoded: the key includes the ctime, which no user can set, so an unchanged key after the read means the
bytes are those that were checked to be normalised (hence terminal-safe) when the index was built.
Anything else goes through :func:`reader.sanitise.normalise` again. Folding is one-for-one in length, so an
offset into the folded text is the same offset into the original.

Freshness: a search does not check the whole folder before it starts (``reader.search.corpus._Scan``): it
lists the folder's names (no ``stat``) and checks each article when the scan reaches it (the key taken
after reading a file with a match, a ``stat`` of one without); a changed or new file is read and searched
as it is now, and the index is refreshed after the search. A refresh (:meth:`CorpusIndex.matches`)
compares the ids and keys with the folder's listing (one ``stat`` per file, no read): articles whose key
changed, new ones and removed ones are re-read; unchanged ones are copied byte for byte from the previous
generation. A new generation is written to fresh files and published
by replacing ``search-index.json`` atomically, so another process searching meanwhile keeps its mapped
file intact.
"""

from __future__ import annotations

import mmap
import os
import secrets
from bisect import bisect_right
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from reader.errors import ArticleError, StoreError
from reader.logs import logger

log = logger(__name__)

INDEX_SCHEMA = 2
INDEX_NAME = "search-index.json"
CHUNK_BYTES = 4 << 20  # scan this much of the folded corpus before handling its articles
_COLUMNS = ("ids", "sizes", "mtimes", "ctimes", "inodes", "titles", "shas", "ends", "exact")

FileKey = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode
Found = list[tuple[str, str, os.stat_result]]  # (article id, path, stat), as Library.files() lists them


def file_key(st: os.stat_result) -> FileKey:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


class CorpusIndex:
    """One generation of the index: its columns, and the folded text memory-mapped."""

    def __init__(self, folder: Path, generation: str, columns: dict[str, list[Any]]) -> None:
        self.folder = folder
        self.generation = generation
        self.ids: list[str] = columns["ids"]
        self.keys: list[FileKey] = list(
            zip(columns["sizes"], columns["mtimes"], columns["ctimes"], columns["inodes"], strict=True)
        )
        self.titles: list[str] = columns["titles"]
        self.shas: list[str] = columns["shas"]
        self.exact: list[bool] = columns["exact"]
        self.ends: list[int] = columns["ends"]
        self.starts = [0, *(end + 1 for end in self.ends[:-1])]
        self.folded = _map(folder / f"corpus-{generation}.folded")

    def __len__(self) -> int:
        return len(self.ids)

    def matches(self, found: Found) -> bool:
        """The listing has exactly these articles, none changed since they were indexed."""
        return len(found) == len(self.ids) and all(
            article_id == known_id and file_key(st) == known_key
            for (article_id, _, st), known_id, known_key in zip(found, self.ids, self.keys, strict=True)
        )

    def folded_text(self, i: int) -> str:
        return self.folded[self.starts[i] : self.ends[i]].decode("utf-8", "surrogatepass")

    def chunks(
        self, byte_patterns: list[Any], cancelled: Callable[[], bool]
    ) -> Iterator[tuple[range, set[int]]]:
        """The articles in order, a chunk of whole articles (~4 MB of folded text) at a time, each with the
        indexes of those whose folded text has a match of one of ``byte_patterns`` (:meth:`hits`); so the
        first articles come at once."""
        for k, j in self.pieces(CHUNK_BYTES):
            if cancelled():
                return
            yield range(k, j), self.hits(byte_patterns, k, j)

    def pieces(self, size: int) -> list[tuple[int, int]]:
        """The articles cut into runs ``[k, j)`` of whole articles, each ~``size`` bytes of folded text (one
        article at least), in order."""
        starts, n = self.starts, len(self.ends)
        pieces, k = [], 0
        while k < n:
            j = bisect_right(starts, starts[k] + size, lo=k + 1)
            pieces.append((k, j))
            k = j
        return pieces

    def hits(self, byte_patterns: list[Any], k: int, j: int) -> set[int]:
        """The indexes of articles ``[k, j)`` whose folded text has a match of one of ``byte_patterns``: one
        pass per pattern (a literal is found much faster than an alternation), each going on to the next
        article after its first match there."""
        starts, ends, folded = self.starts, self.ends, self.folded
        pos, end = starts[k], ends[j - 1]
        hit: set[int] = set()
        for pattern in byte_patterns:
            at = pos
            while (m := pattern.search(folded, at, end)) is not None:
                a = bisect_right(starts, m.start(), k, j) - 1
                hit.add(a)
                at = ends[a] + 1  # one match is enough: on to the next article
        return hit

    def original(self, i: int, path: str) -> tuple[str, bool] | None:
        """Article ``i``'s normalised text read from its file (``path``) now, and whether it is the indexed
        version; None if it cannot be read any more."""
        try:
            raw, key = read_file(path, self.keys[i][0])
        except OSError as e:
            log.debug("search: cannot read %s: %s", path, e)
            return None
        same = key == self.keys[i]
        if same and self.exact[i]:
            with suppress(UnicodeDecodeError):  # (cannot fail: these bytes were decoded when indexed)
                return raw.decode("utf-8"), True
        try:
            return article_text(raw, path), same
        except ArticleError as e:
            log.debug("search: %s", e)
            return None

    def close(self) -> None:
        with suppress(BufferError, ValueError):
            self.folded.close()


class _Empty:
    """Stands in for an mmap of an empty file (mmap cannot map zero bytes)."""

    def __getitem__(self, key: slice) -> bytes:
        return b""

    def close(self) -> None:
        pass


def _map(path: Path) -> Any:
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return _Empty()
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def read_file(path: str, expected_size: int) -> tuple[bytes, FileKey]:
    """A whole file and its key taken *after* the read (an unchanged key means these are its bytes).

    Plain ``os`` calls (open, read, fstat, close): a search reads one file per article with a hit.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        want = expected_size + 4096
        data = os.read(fd, want)
        if len(data) == want:  # it grew: read the rest
            parts = [data]
            while chunk := os.read(fd, 1 << 20):
                parts.append(chunk)
            data = b"".join(parts)
        return data, file_key(os.fstat(fd))
    finally:
        os.close(fd)


def article_text(raw: bytes, path: str) -> str:
    """The normalised text of an article file's bytes, as the library reads it (ArticleError if not)."""
    from reader.articles import MAX_BYTES
    from reader.decoding import decode_bytes
    from reader.sanitise import normalise

    if len(raw) > MAX_BYTES:
        raise ArticleError(f"{path}: too large for an article")
    return normalise(decode_bytes(raw, path))


def load_index(folder: Path) -> CorpusIndex | None:
    """The generation ``search-index.json`` names; None if there is none or it is damaged."""
    try:
        data = orjson.loads((folder / INDEX_NAME).read_bytes())
        if data.get("schema") != INDEX_SCHEMA:
            return None
        columns = {name: data[name] for name in _COLUMNS}
        if len({len(column) for column in columns.values()}) != 1:
            return None
        generation = str(data["generation"])
        size = (folder / f"corpus-{generation}.folded").stat().st_size
        ends = columns["ends"]
        if size != (ends[-1] + 1 if ends else 0):
            return None  # damaged or half-written: rebuild
        return CorpusIndex(folder, generation, columns)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError, orjson.JSONDecodeError) as e:
        log.debug("rebuilding the search index in %s: %s", folder, e)
        return None


def build_index(
    folder: Path, found: Found, old: CorpusIndex | None, fold: Callable[[str], str]
) -> tuple[CorpusIndex, dict[str, int]]:
    """A new generation for the listing ``found``, reusing ``old``'s folded text of unchanged articles.

    Returns it and what was done: ``{"read": n, "copied": n}``.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StoreError(f"{folder}: cannot create the search cache ({e.strerror})") from e
    generation = secrets.token_hex(6)
    folded_path = folder / f"corpus-{generation}.folded"
    columns: dict[str, list[Any]] = {name: [] for name in _COLUMNS}
    previous = {article_id: i for i, article_id in enumerate(old.ids)} if old is not None else {}
    read = copied = 0
    pos = 0
    try:
        with open(folded_path, "wb") as out:
            for article_id, path, st in found:
                i = previous.get(article_id)
                if old is not None and i is not None and old.keys[i] == file_key(st):
                    folded = old.folded[old.starts[i] : old.ends[i]]
                    key, title, sha, exact = old.keys[i], old.titles[i], old.shas[i], old.exact[i]
                    copied += 1
                else:
                    folded, key, title, sha, exact = _read_article(article_id, path, st, fold)
                    read += 1
                out.write(folded)
                out.write(b"\0")
                for name, value in zip(
                    _COLUMNS, (article_id, *key, title, sha, pos + len(folded), exact), strict=True
                ):
                    columns[name].append(value)
                pos += len(folded) + 1
        payload = orjson.dumps({"schema": INDEX_SCHEMA, "generation": generation, **columns})
        tmp = folder / f".{INDEX_NAME}.{generation}.tmp"
        tmp.write_bytes(payload)
        os.replace(tmp, folder / INDEX_NAME)
    except OSError as e:
        with suppress(OSError):
            folded_path.unlink()
        raise StoreError(f"{folder}: cannot write the search cache ({e.strerror})") from e
    _remove_other_generations(folder, generation)
    return CorpusIndex(folder, generation, columns), {"read": read, "copied": copied}


class Fresh(NamedTuple):
    """An article file as it is now: what the index keeps of it, and its text."""

    text: str  # normalised ("" if it cannot be read)
    folded: str
    key: FileKey
    title: str
    sha256: str  # "" if it cannot be read
    exact: bool  # the file's bytes are the UTF-8 of ``text``


def read_article(article_id: str, path: str, st: os.stat_result, fold: Callable[[str], str]) -> Fresh:
    """One article file read now (``st``: a stat of it, for the title of one that cannot be read)."""
    from reader.articles import build_article, error_info, read_all, read_error

    try:
        try:
            raw, st = read_all(Path(path))  # the key is taken before the read: a later write changes it
        except OSError as exc:
            raise read_error(Path(path), exc) from exc
        article = build_article(article_id, Path(path), raw, st.st_size, st.st_mtime_ns, known_script="-")
    except ArticleError as e:
        log.debug("not searchable: %s", e)
        title = error_info(article_id, Path(path), st.st_size, st.st_mtime_ns, str(e)).title
        return Fresh("", "", file_key(st), title, "", False)
    text = article.text
    exact = text.encode("utf-8", "surrogatepass") == raw
    return Fresh(text, fold(text), file_key(st), article.info.title, article.sha256, exact)


def _read_article(
    article_id: str, path: str, st: os.stat_result, fold: Callable[[str], str]
) -> tuple[bytes, FileKey, str, str, bool]:
    """(folded UTF-8, key, title, sha256, exact) of one article file; an unreadable one has no text."""
    got = read_article(article_id, path, st, fold)
    return got.folded.encode("utf-8", "surrogatepass"), got.key, got.title, got.sha256, got.exact


def _remove_other_generations(folder: Path, generation: str) -> None:
    """Older generations: nobody opens them again (a process that mapped one keeps its pages)."""
    for p in folder.glob("corpus-*"):
        if generation not in p.name:
            try:
                p.unlink()
            except OSError as e:
                log.debug("cannot remove the old search index file %s: %s", p, e)
