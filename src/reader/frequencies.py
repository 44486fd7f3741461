"""Word frequencies: the most frequent words of the corpus, of one article, or of a tag's passages.

Words come from :mod:`reader.words` (the 简体 view, segmented once per article version), so they are
counted in their Simplified form and 数据 and 數據 are one word; each result also says how the word was
written in the originals. Stop words are left out: the user's list (``<db>/stopwords.txt``) if it exists,
else the one shipped in ``reader/data/stopwords.txt``; ``reader words --write-stopwords`` copies the
shipped list there for editing (the app's word screen edits it with :func:`add_stopword` and
:func:`remove_stopword`). Tokens without an ideograph or a letter (194%, 2025) are not words here.
"""

from __future__ import annotations

import importlib.resources
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reader.errors import ArticleError
from reader.store.files import atomic_write
from reader.tags import normalise_tags, under_any_alike
from reader.words import words_for

if TYPE_CHECKING:
    from reader.articles import Article
    from reader.convert import Converter, ViewText
    from reader.workspace import Workspace

__all__ = [
    "STOPWORDS_FILE",
    "WordCount",
    "add_stopword",
    "default_stopwords",
    "load_stopwords",
    "remove_stopword",
    "word_frequencies",
    "write_stopwords",
]

STOPWORDS_FILE = "stopwords.txt"
# an ideograph, or two Latin letters (AI, TikTok; not 2025, 194%, nor the stray letters of a damaged text)
_COUNTABLE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]|[A-Za-z]{2}")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True)
class WordCount:
    word: str  # the Simplified form (Latin letters lower-cased): what the counts are merged on
    count: int
    articles: int  # how many articles it occurs in
    forms: tuple[tuple[str, int], ...]  # as written in the originals, most frequent first


def _lines(text: str) -> list[str]:
    words = []
    for line in text.splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            words.append(word)
    return list(dict.fromkeys(words))


def default_stopwords() -> str:
    """The shipped stop-word list, as text."""
    return (importlib.resources.files("reader") / "data" / STOPWORDS_FILE).read_text(encoding="utf-8")


def load_stopwords(db: Path | None, converter: Converter, path: Path | None = None) -> set[str]:
    """Stop words folded to Simplified, lower case: ``path``, else ``<db>/stopwords.txt``, else shipped."""
    candidates = [p for p in (path, db / STOPWORDS_FILE if db is not None else None) if p is not None]
    text = None
    for candidate in candidates:
        try:
            text = candidate.read_text(encoding="utf-8")
            break
        except FileNotFoundError:
            if candidate is path:
                from reader.errors import UsageError

                raise UsageError(f"stop-word file not found: {path}") from None
    if text is None:
        text = default_stopwords()
    return {_key(w, converter) for w in _lines(text)}


def write_stopwords(db: Path) -> Path:
    """Copy the shipped list to ``<db>/stopwords.txt`` (unless one is there) for the user to edit."""
    target = db / STOPWORDS_FILE
    if target.exists():
        return target
    db.mkdir(parents=True, exist_ok=True)
    _replace(target, default_stopwords())
    return target


def _replace(target: Path, text: str) -> None:
    """Write the list with the store's one atomic write: a failed write (a full disk) leaves the old list
    and no temporary file; a finished one survives a crash."""
    atomic_write(target, text.encode("utf-8"))


def add_stopword(db: Path, word: str) -> Path:
    """Add `word` to ``<db>/stopwords.txt`` (made from the shipped list first; written atomically)."""
    target = write_stopwords(db)
    text = target.read_text(encoding="utf-8")
    if word not in _lines(text):
        _replace(target, text + ("" if not text or text.endswith("\n") else "\n") + word + "\n")
    return target


def remove_stopword(db: Path, word: str) -> Path:
    """Take `word` out of ``<db>/stopwords.txt`` (every line that is only it); the file."""
    target = write_stopwords(db)
    lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if line.split("#", 1)[0].strip() != word]
    if len(kept) != len(lines):
        _replace(target, "".join(kept))
    return target


def _key(word: str, converter: Converter) -> str:
    folded = converter.convert(word, "simplified")
    return folded.translate(_ASCII_LOWER)


def _merge(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _tagged_ranges(workspace: Workspace, article: Article, tags: Sequence[str]) -> list[tuple[int, int]]:
    return _merge(
        (a.start, a.end)
        for a in workspace.annotations(article)
        if a.status != "orphan" and any(under_any_alike(t, tags) for t in a.tags)
    )


def _article_ids(workspace: Workspace, article_ids: Sequence[str], tags: Sequence[str]) -> list[str]:
    if article_ids:
        return [workspace.library.resolve(a) for a in article_ids]
    ids = [info.id for info in workspace.articles() if not info.error]
    if tags:  # only articles with a passage under one of the tags (from the store's index)
        tagged = {
            article_id
            for article_id, counts in workspace.store.article_tags().items()
            if any(under_any_alike(t, tags) for t in counts)
        }
        ids = [i for i in ids if i in tagged]
    return ids


def _count_article(
    article: Article,
    spans: Iterable[tuple[int, int]],
    simplified: ViewText,
    ranges: list[tuple[int, int]] | None,
    stop: set[str],
    counts: Counter[str],
    forms: defaultdict[str, Counter[str]],
) -> set[str]:
    """Count one article's words (`spans`, original offsets; only those wholly in `ranges` unless None)
    into `counts` by their folded 简体 form and `forms` by how they are written; the folded words seen."""
    to_view = simplified.offsets.to_view
    identity = simplified.offsets.identity
    here: set[str] = set()
    k = 0
    for a, b in spans:
        if ranges is not None:
            while k < len(ranges) and ranges[k][1] <= a:
                k += 1
            if k == len(ranges):
                break
            if not (ranges[k][0] <= a and b <= ranges[k][1]):
                continue
        key = simplified.text[a:b] if identity else simplified.text[to_view(a, "start") : to_view(b, "end")]
        key = key.translate(_ASCII_LOWER)
        if key in stop or not _COUNTABLE.search(key):
            continue
        counts[key] += 1
        forms[key][article.text[a:b]] += 1
        here.add(key)
    return here


def word_frequencies(
    workspace: Workspace,
    *,
    tags: Iterable[str] = (),
    article_ids: Sequence[str] = (),
    stopwords: set[str] | None = None,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[WordCount]:
    """The words of the chosen articles (all by default), most frequent first (ties: the word itself).

    ``tags``: count only words wholly inside passages carrying one of them (or a sub-tag). ``stopwords``:
    folded words to leave out (see :func:`load_stopwords`); None leaves nothing out. ``progress(done,
    total)`` is called after each article (for a worker's progress bar). Unreadable articles are skipped.
    """
    wanted = normalise_tags(tags)
    converter = workspace.converter
    words = words_for(workspace)
    stop = stopwords or set()
    counts: Counter[str] = Counter()
    forms: defaultdict[str, Counter[str]] = defaultdict(Counter)
    seen_in: Counter[str] = Counter()
    ids = _article_ids(workspace, article_ids, wanted)
    for done, article_id in enumerate(ids, 1):
        try:
            article = workspace.load(article_id)
        except ArticleError:
            continue
        ranges = _tagged_ranges(workspace, article, wanted) if wanted else None
        if ranges == []:
            continue
        spans = words.for_article(article).spans()
        simplified = converter.view(article, "simplified")
        seen_in.update(_count_article(article, spans, simplified, ranges, stop, counts, forms))
        if progress is not None:
            progress(done, len(ids))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if limit is not None:
        ranked = ranked[:limit]
    return [WordCount(w, n, seen_in[w], tuple(forms[w].most_common())) for w, n in ranked]
