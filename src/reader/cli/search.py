"""``reader search``: every article, in any script, streamed.

Hits are printed an article at a time, formatted in bulk: a common word has ~500,000 of them. The context
strings are cut from the article's normalised text (``reader.sanitise.normalise`` made it terminal-safe
when it was read), with newlines as spaces (and, in plain output, tabs too), so they need no escaping
beyond JSON's own; everything else a user or a file controls (article ids, tags) goes through
``safe_line`` / ``safe_json_text`` once per article or tag set. JSON Lines are written by orjson.
"""

from __future__ import annotations

import argparse
import codecs
import json
import sys
from collections.abc import Callable
from contextlib import closing
from itertools import compress, repeat
from typing import TYPE_CHECKING, Any

from reader.cli._common import info, workspace
from reader.errors import UsageError
from reader.sanitise import safe_json_bytes, safe_json_text, safe_line

if TYPE_CHECKING:
    from reader.search import ArticleHits

Converter = Callable[[str, str], str] | None


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    from reader.choices import VIEWS

    p = sub.add_parser(
        "search",
        parents=[common],
        help="search every article, in any script",
        description="Print every match as `ARTICLE:START-END  …before[match]after…` (offsets are code "
        "points into the original text), as it is found. 数据 finds 數據, 软件 finds 軟體 and the reverse. "
        "With --json, one JSON object per line (JSON Lines), also streamed.",
    )
    p.add_argument("query", metavar="QUERY")
    p.add_argument("--json", action="store_true", help="JSON Lines: one object per match")
    p.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="TAG",
        help="only matches inside a passage with this tag or a sub-tag (repeatable: any of them)",
    )
    p.add_argument(
        "--view", default="original", choices=VIEWS, metavar="VIEW", help="script of the printed context"
    )
    p.add_argument(
        "--word",
        action="store_true",
        help="whole words only: 数据 does not match inside 大数据 (words as the app splits them)",
    )
    p.add_argument(
        "--body-only",
        action="store_true",
        help="only matches in the article's body (not in menus, footers, captions or appended articles)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from reader.search import CorpusSearch

    if not args.query.strip():
        raise UsageError("the search query is empty")
    ws = workspace(args)
    search = CorpusSearch(ws)
    keep = _body_filter(args, ws) if args.body_only else None
    convert = ws.converter.convert if args.view != "original" else None
    lines = _JsonLines(args.view, convert) if args.json else _PlainLines(args.view, convert)

    def render(found: ArticleHits) -> tuple[bytes, int] | None:
        if keep is not None:
            found = _kept(found, keep)
            if not found.starts:
                return None
        return lines.of(found), len(found.starts)

    write = _writer()
    matches = articles = 0
    # --body-only is not shared: the analysis it builds is cached by this process
    output = search.search_output(
        args.query, render, tags=args.tag, whole_words=args.word, share=keep is None
    )
    # a closed pipe or Ctrl+C: the search ends here at once (and a forked child with it)
    with closing(output):
        for data, found, count in output:
            if data:
                write(data)  # stream: each article's hits are out before the next article's
            matches += found
            articles += count
    info(f"{matches} match(es) in {articles} article(s)")
    return 0


def _writer() -> Callable[[bytes], None]:
    """Writes UTF-8 output: straight to the binary stream when stdout is UTF-8, else through the text
    stream, whose error handler escapes what its encoding cannot hold (``_common.configure_streams``)."""
    stdout = sys.stdout
    binary = getattr(stdout, "buffer", None)
    encoding = getattr(stdout, "encoding", None) or "ascii"
    try:
        utf8 = codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        utf8 = False
    if binary is not None and utf8:
        stdout.flush()

        def write_bytes(chunk: bytes) -> None:
            binary.write(chunk)
            binary.flush()

        return write_bytes

    def write_text(chunk: bytes) -> None:
        stdout.write(chunk.decode("utf-8"))
        stdout.flush()

    return write_text


class _JsonLines:
    """One JSON object per match; the article's id and title and each tag set serialised once."""

    def __init__(self, view: str, convert: Converter) -> None:
        self.view, self.convert = view, convert
        self._by_id = _ById([], _fragment)  # tagset id -> its tag list (a fragment)
        self._none = _fragment([])
        self._tags_json: dict[str, bytes] = {}

    def _tag_lists(self, found: ArticleHits) -> _ById:
        """The serialised tag list of each tagset id of ``found``, made when first needed."""
        if self._by_id.table is not found.tags:  # another table of tagsets: start again
            self._by_id = _ById(found.tags, lambda tags: _fragment_of(self._tag_list(tags)))
        return self._by_id

    def _tag_list(self, tags: tuple[str, ...]) -> bytes:
        """``json.dumps(list(tags), ensure_ascii=False)``, controls escaped: joined from each tag's JSON,
        made once per tag (thousands of tag sets share a few dozen tags)."""
        pieces = self._tags_json
        for tag in tags:
            if tag not in pieces:
                pieces[tag] = _json(tag)
        return b"[" + b", ".join([pieces[tag] for tag in tags]) + b"]"

    def of(self, found: ArticleHits) -> bytes:
        """The lines of one article's matches."""
        if self.view != "original":
            return self._converted(found, self._tag_lists(found) if found.tagsets is not None else None)
        return self._in_original(found)

    def _converted(self, found: ArticleHits, tags: _ById | None) -> bytes:
        """In another script: the context converted hit by hit (OpenCC's output: escaped anyway)."""
        import orjson

        dumps, newline = orjson.dumps, orjson.OPT_APPEND_NEWLINE
        article_id, title = _fragment(found.article_id), _fragment(found.title)
        none = self._none
        tagsets = found.tagsets or repeat(0)
        hits = found.hits(self.view, self.convert)
        out = [
            dumps(
                {
                    "article_id": article_id,
                    "title": title,
                    "start": hit.start,
                    "end": hit.end,
                    "before": hit.before,
                    "match": hit.match,
                    "after": hit.after,
                    "tags": tags[t] if tags is not None else none,
                },
                option=newline,
            )
            for hit, t in zip(hits, tagsets, strict=False)
        ]
        return safe_json_bytes(b"".join(out))

    def _in_original(self, found: ArticleHits) -> bytes:
        """In the original script: the context sliced from the article's text (the hot path of
        ``reader search --json``: one comprehension, no branch per match)."""
        import orjson

        dumps, newline = orjson.dumps, orjson.OPT_APPEND_NEWLINE
        article_id, title = _fragment(found.article_id), _fragment(found.title)
        line = found.text.replace("\n", " ")
        c = _context()
        tagsets = found.tagsets
        # (two comprehensions, the same line but for "tags": without tags, a search of a common word's
        # ~500,000 matches pays no lookup per match)
        if tagsets is None:
            none = self._none
            lines = [
                dumps(
                    {
                        "article_id": article_id,
                        "title": title,
                        "start": a,
                        "end": b,
                        "before": line[a - c if a > c else 0 : a],
                        "match": line[a:b],
                        "after": line[b : b + c],
                        "tags": none,
                    },
                    option=newline,
                )
                for a, b in zip(found.starts, found.ends, strict=True)
            ]
        else:
            tags = self._tag_lists(found)
            lines = [
                dumps(
                    {
                        "article_id": article_id,
                        "title": title,
                        "start": a,
                        "end": b,
                        "before": line[a - c if a > c else 0 : a],
                        "match": line[a:b],
                        "after": line[b : b + c],
                        "tags": tags[t],
                    },
                    option=newline,
                )
                for a, b, t in zip(found.starts, found.ends, tagsets, strict=True)
            ]
        return b"".join(lines)


class _ById(dict[int, Any]):
    """Tagset id -> ``make(its tags)``, made on first use (a dict lookup per match, a call per tagset)."""

    def __init__(self, table: list[tuple[str, ...]], make: Callable[[tuple[str, ...]], Any]) -> None:
        super().__init__()
        self.table, self.make = table, make

    def __missing__(self, tagset: int) -> Any:
        made = self[tagset] = self.make(self.table[tagset])
        return made


def _json(value: Any) -> bytes:
    """``value`` as JSON, every control escaped (the stdlib writes lone surrogates, which orjson refuses:
    a file name that is not UTF-8)."""
    return safe_json_text(json.dumps(value, ensure_ascii=False)).encode("utf-8")


def _fragment(value: Any) -> Any:
    """``value`` serialised once (:func:`_json`), for orjson to write as it is."""
    return _fragment_of(_json(value))


def _fragment_of(serialised: bytes) -> Any:
    import orjson

    return orjson.Fragment(serialised)


class _PlainLines:
    """``ARTICLE:START-END  …before[match]after…  #tag``: a line per match, everything made one-line safe."""

    def __init__(self, view: str, convert: Converter) -> None:
        self.view, self.convert = view, convert
        self._by_id = _ById([], self._suffix)
        self._hashtags: dict[str, str] = {}

    def _suffixes(self, found: ArticleHits) -> _ById:
        """``  #tag #tag`` for each tagset id of ``found`` (nothing for none), made when first needed."""
        if self._by_id.table is not found.tags:
            self._by_id = _ById(found.tags, self._suffix)
        return self._by_id

    def _suffix(self, tags: tuple[str, ...]) -> str:
        """``  #tag #tag``, each tag made one-line safe once (thousands of tag sets share a few dozen)."""
        made = self._hashtags
        for tag in tags:
            if tag not in made:
                made[tag] = f"#{safe_line(tag)}"
        return "  " + " ".join([made[tag] for tag in tags]) if tags else ""

    def of(self, found: ArticleHits) -> bytes:
        article_id = safe_line(found.article_id)
        suffixes = self._suffixes(found) if found.tagsets is not None else None
        tagsets = found.tagsets or repeat(0)
        if self.view != "original":
            out = [
                f"{article_id}:{hit.start}-{hit.end}  …{safe_line(hit.before)}[{safe_line(hit.match)}]"
                f"{safe_line(hit.after)}…{suffixes[t] if suffixes is not None else ''}\n"
                for hit, t in zip(found.hits(self.view, self.convert), tagsets, strict=False)
            ]
            return "".join(out).encode("utf-8")
        line = found.text.replace("\n", " ").replace("\t", " ")
        c = _context()
        out = [  # (every line as if it had no tags; then the tagged ones, a few in ten, get their tags)
            f"{article_id}:{a}-{b}  …{line[a - c if a > c else 0 : a]}[{line[a:b]}]{line[b : b + c]}…\n"
            for a, b in zip(found.starts, found.ends, strict=True)
        ]
        if suffixes is not None and found.tagsets is not None:
            tagsets = found.tagsets
            for k in compress(range(len(out)), tagsets):
                out[k] = out[k][:-1] + suffixes[tagsets[k]] + "\n"
        return "".join(out).encode("utf-8")


def _context() -> int:
    from reader.search import CONTEXT

    return CONTEXT


def _kept(found: ArticleHits, keep: Callable[[str, int, int], bool]) -> ArticleHits:
    """``found`` with only the matches ``keep(article_id, start, end)`` keeps (``--body-only``)."""
    pairs = enumerate(zip(found.starts, found.ends, strict=True))
    return found.only([k for k, (a, b) in pairs if keep(found.article_id, a, b)])


def _body_filter(args: argparse.Namespace, ws: Any) -> Any:
    from reader.analysis import Analyser, BodyFilter
    from reader.workspace import Paths

    return BodyFilter(Analyser(ws.library, Paths.resolve(args.articles, args.db).db)).keep
