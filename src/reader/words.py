"""The words of a workspace's articles: segmented once per version, cached; the user's words.

:mod:`reader.segmentation` cuts text and maps boundaries between views; this module decides when to cut:
the result is kept in memory (LRU) and on disk (``<db>/local/cache/words/<sha256>.words``: the gaps between
boundaries, zlib), keyed by a fingerprint of the segmenter and the user's words (codebook tags and
``<db>/user-words.txt``), so an article is segmented again only when its text or those words change.
Segmenting zuozhuan (624k chars) takes ~0.2 s plus the segmenter's one-off load (~0.2 s); reading it back
from the disk cache ~35 ms.

The names of :mod:`reader.segmentation` are re-exported here: ``from reader.words import ViewWords``.
"""

from __future__ import annotations

import hashlib
import itertools
import operator
import os
import re
import secrets
import threading
import time
import weakref
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reader.convert import Converter, SupportsText
from reader.segmentation import (
    CEDICT_WORD_FREQ,
    ArticleWords,
    Segmenter,
    Span,
    ViewWords,
    is_word_token,
    segment_article,
)

if TYPE_CHECKING:
    from reader.dictionary import Dictionary
    from reader.workspace import Workspace

__all__ = [
    "CEDICT_WORD_FREQ",
    "ArticleWords",
    "Segmenter",
    "Span",
    "ViewWords",
    "Words",
    "add_user_words",
    "dictionary_for",
    "is_word_token",
    "read_user_words",
    "segment_article",
    "tag_words",
    "words_for",
]

CACHE_SCHEMA = 1
USER_WORDS_FILE = "user-words.txt"
#: seconds a read of the user's words (codebook tags, user-words file) is trusted by ``Words.for_article``
USER_WORDS_TTL = 2.0
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


# --------------------------------------------------------------------------------------------- cache


#: boundaries per C-level pass of :func:`_encode` / :func:`_decode` (well under 1 ms each): one pass over
#: all of zuozhuan's 616,000 held the GIL for ~40 ms, a stalled frame for a page-down right after opening
_PASS = 1 << 13


def _encode(words: ArticleWords) -> bytes:
    """Boundaries as gaps (start - previous end, end - start): small numbers that compress well."""
    flat: array[int] = array("i", bytes(8 * len(words)))
    flat[0::2] = words.starts
    flat[1::2] = words.ends
    gaps = array("I", flat[:1])
    for at in range(1, len(flat), _PASS):  # the UI thread gets the GIL between passes
        gaps.extend(map(operator.sub, flat[at : at + _PASS], flat[at - 1 : at - 1 + _PASS]))
    return zlib.compress(gaps.tobytes(), 1)


def _decode(payload: bytes, length: int) -> ArticleWords:
    gaps: array[int] = array("I")
    gaps.frombytes(zlib.decompress(payload))
    flat: array[int] = array("i")
    total = 0
    for at in range(0, len(gaps), _PASS):  # as in _encode: the UI thread gets the GIL between passes
        sums = array("i", itertools.accumulate(gaps[at : at + _PASS], initial=total))
        flat.extend(sums[1:])
        total = sums[-1]
    if len(flat) % 2 or (flat and flat[-1] > length):
        raise ValueError("word cache does not fit the text")
    return ArticleWords(flat[0::2], flat[1::2], length)


class Words:
    """Word boundaries for a workspace's articles: segmented in a worker, cached in memory and on disk.

    ``user_words``: called before each segmentation for the words that must stay whole (simplified or
    not: they are folded to 简体 here).
    """

    def __init__(
        self,
        converter: Converter,
        *,
        dictionary: Dictionary | None = None,
        cache_dir: Path | None = None,
        user_words: Callable[[], Iterable[str]] = tuple,
        memory_words: int = 4_000_000,
    ) -> None:
        self.converter = converter
        self.dictionary = dictionary
        self.cache_dir = cache_dir
        self._user_words = user_words
        self.segmenter = Segmenter(dictionary.headwords if dictionary is not None else None)
        self._memory: OrderedDict[tuple[str, str], ArticleWords] = OrderedDict()
        self._memory_words = memory_words
        self._held = 0
        self._lock = threading.Lock()
        self._fingerprint: str | None = None
        self._refreshed = 0.0

    def refresh_user_words(self) -> str:
        """Reload the user's words into the segmenter; the segmenter fingerprint that results.

        Call it after the codebook or the user-words file changed; otherwise :meth:`for_article` does
        it at most every :data:`USER_WORDS_TTL` seconds (reading the codebook stats every article's
        annotation file: once per article of a 10,000-article corpus would be quadratic).
        """
        fold = self.converter.convert
        words = {fold(w, "simplified") for w in self._user_words()}
        self.segmenter.use_user_words(words)
        self._fingerprint = self.segmenter.fingerprint()
        self._refreshed = time.monotonic()
        return self._fingerprint

    def _current_fingerprint(self) -> str:
        if self._fingerprint is None or time.monotonic() - self._refreshed > USER_WORDS_TTL:
            return self.refresh_user_words()
        return self._fingerprint

    def cached(self, article: SupportsText) -> ArticleWords | None:
        """The words if they are already in memory (never segments: safe on the UI thread)."""
        if self._fingerprint is None:
            return None
        with self._lock:
            hit = self._memory.get((article.sha256, self._fingerprint))
            if hit is not None:
                self._memory.move_to_end((article.sha256, self._fingerprint))
            return hit

    def stored(self, article: SupportsText) -> ArticleWords | None:
        """The words if memory or the disk cache has them (never segments: a worker asks this first, to
        skip preparing what segmenting needs)."""
        fingerprint = self._current_fingerprint()
        key = (article.sha256, fingerprint)
        with self._lock:
            hit = self._memory.get(key)
            if hit is not None:
                self._memory.move_to_end(key)
                return hit
        words = self._read(article, fingerprint)
        if words is not None:
            self._remember(key, words)
        return words

    def for_article(self, article: SupportsText, pause: Callable[[], None] | None = None) -> ArticleWords:
        """The article's words (segments it if needed: call from a worker; ``pause``: its pause hook)."""
        fingerprint = self._current_fingerprint()
        key = (article.sha256, fingerprint)
        with self._lock:
            hit = self._memory.get(key)
            if hit is not None:
                self._memory.move_to_end(key)
                return hit
        words = self._read(article, fingerprint)
        if words is None:
            words = segment_article(article, self.converter, self.segmenter, pause)
            self._write(article, fingerprint, words)
        self._remember(key, words)
        return words

    def in_view(self, article: SupportsText, view: str) -> ViewWords:
        """The article's words in ``view``'s coordinates (segments it if needed)."""
        return ViewWords(self.for_article(article), self.converter.view(article, view).offsets)

    def for_text(self, text: str, sha256: str) -> ArticleWords:
        """:meth:`for_article` for a text known by its sha256 (the corpus index's copy of an article)."""
        return self.for_article(_Text(text, sha256))

    def for_passage(self, text: str) -> ArticleWords:
        """The words of any text (a typed phrase, a selection), not cached."""
        self._current_fingerprint()
        sha = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        return segment_article(_Text(text, sha), self.converter, self.segmenter)

    def _remember(self, key: tuple[str, str], words: ArticleWords) -> None:
        with self._lock:
            if key not in self._memory:
                self._memory[key] = words
                self._held += len(words)
            while len(self._memory) > 1 and self._held > self._memory_words:
                _, old = self._memory.popitem(last=False)
                self._held -= len(old)

    def _path(self, sha256: str) -> Path | None:
        if self.cache_dir is None or not re.fullmatch(r"[0-9a-f]{16,128}", sha256):
            return None
        return self.cache_dir / f"{sha256}.words"

    def _read(self, article: SupportsText, fingerprint: str) -> ArticleWords | None:
        path = self._path(article.sha256)
        if path is None:
            return None
        try:
            data = path.read_bytes()
            header, _, payload = data.partition(b"\n")
            schema, stored, length = header.decode("ascii").split(" ")
            if int(schema) != CACHE_SCHEMA or stored != fingerprint or int(length) != len(article.text):
                return None
            return _decode(payload, len(article.text))
        except (OSError, ValueError, zlib.error, UnicodeDecodeError):
            return None

    def _write(self, article: SupportsText, fingerprint: str, words: ArticleWords) -> None:
        """A cache: written atomically (never half a file), not fsynced; failures are ignored."""
        path = self._path(article.sha256)
        if path is None:
            return
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            header = f"{CACHE_SCHEMA} {fingerprint} {len(article.text)}\n".encode("ascii")
            tmp.write_bytes(header + _encode(words))
            os.replace(tmp, path)
        except OSError:
            with suppress(OSError):
                tmp.unlink()


@dataclass(frozen=True)
class _Text:
    text: str
    sha256: str


# --------------------------------------------------------------------------------------------- user words


def read_user_words(path: Path) -> list[str]:
    """The words in a user-words file: one per line, ``#`` starts a comment; a missing file is empty."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError):
        return []
    words = []
    for line in lines:
        word = line.split("#", 1)[0].strip()
        if word and not any(c.isspace() for c in word):
            words.append(word)
    return words


def add_user_words(path: Path, words: Iterable[str]) -> list[str]:
    """Append ``words`` that are not there yet (written atomically); the words added."""
    have = set(read_user_words(path))
    new = [w.strip() for w in words if w.strip() and w.strip() not in have]
    new = [w for w in dict.fromkeys(new) if not any(c.isspace() for c in w)]
    if not new:
        return []
    try:
        old = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        old = "# words the segmenter must keep whole, one per line (any script)\n"
    if old and not old.endswith("\n"):
        old += "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.write_text(old + "".join(w + "\n" for w in new), encoding="utf-8")
    os.replace(tmp, path)
    return new


def tag_words(tag_names: Iterable[str]) -> set[str]:
    """The words a codebook gives: each part of a tag path with an ideograph, 2–16 characters long."""
    found: set[str] = set()
    for name in tag_names:
        for part in name.split("/"):
            part = part.strip()
            if 2 <= len(part) <= 16 and _HAN.search(part) and not any(c.isspace() for c in part):
                found.add(part)
    return found


# --------------------------------------------------------------------------------------------- per workspace

_WORDS: weakref.WeakKeyDictionary[Any, Words] = weakref.WeakKeyDictionary()
_DICTIONARIES: weakref.WeakKeyDictionary[Any, Dictionary] = weakref.WeakKeyDictionary()
_SHARED_LOCK = threading.Lock()


def dictionary_for(workspace: Workspace) -> Dictionary:
    """The workspace's CC-CEDICT (index in ``<db>/local/cache/dictionary``), one per workspace."""
    from reader.dictionary import Dictionary

    with _SHARED_LOCK:
        found = _DICTIONARIES.get(workspace)
        if found is None:
            converter = workspace.converter
            found = Dictionary(
                workspace.store.local_dir / "cache" / "dictionary",  # local data, never shared
                fold=lambda w: converter.convert(w, "simplified"),
            )
            _DICTIONARIES[workspace] = found
        return found


def words_for(workspace: Workspace) -> Words:
    """The workspace's :class:`Words`: CC-CEDICT words, codebook tags and ``<db>/user-words.txt``.

    Kept beside the workspace (not in it) until the Workspace owns one; see docs/WORDS.md.
    """
    dictionary = dictionary_for(workspace)
    with _SHARED_LOCK:
        found = _WORDS.get(workspace)
        if found is None:
            db = workspace.store.path
            owner = weakref.ref(workspace)  # a strong reference here would keep the workspace alive forever

            def user_words() -> set[str]:
                ws = owner()
                tags = tag_words(ws.codebook.names()) if ws is not None else set()
                return tags | set(read_user_words(db / USER_WORDS_FILE))

            found = Words(
                workspace.converter,
                dictionary=dictionary,
                cache_dir=workspace.store.local_dir / "cache" / "words",
                user_words=user_words,
            )
            _WORDS[workspace] = found
        return found
