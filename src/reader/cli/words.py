"""``reader words``: the most frequent words in the corpus, a tag's passages or an article."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from reader.cli._common import info, out, workspace
from reader.errors import UsageError


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "words",
        parents=[common],
        help="the most frequent words (corpus, tag, article)",
        description="Count the words of every article (or only --article, or only inside passages with "
        "--tag), merged across scripts (数据 and 數據 are one word), stop words left out. The stop words "
        "are <db>/stopwords.txt if it exists (--write-stopwords creates it from the built-in list), else "
        "the built-in list. Words that must stay whole (names, terms) go in <db>/user-words.txt (--add); "
        "codebook tags are always whole words.",
    )
    p.add_argument("--tag", action="append", default=[], metavar="TAG", help="only passages with this tag")
    p.add_argument("--article", action="append", default=[], metavar="ARTICLE", help="only this article")
    p.add_argument("--json", action="store_true", help="print JSON (a list of objects)")
    p.add_argument("--limit", type=int, default=50, metavar="N", help="how many words (default 50; 0 = all)")
    p.add_argument("--all", action="store_true", help="keep the stop words")
    p.add_argument("--stopwords", metavar="FILE", help="use this stop-word list (one word per line)")
    p.add_argument(
        "--write-stopwords", action="store_true", help="copy the built-in stop words to <db>/stopwords.txt"
    )
    p.add_argument(
        "--add", action="append", default=[], metavar="WORD", help="add a word to <db>/user-words.txt"
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from reader.frequencies import load_stopwords, word_frequencies, write_stopwords
    from reader.words import USER_WORDS_FILE, add_user_words

    if args.limit < 0:
        raise UsageError(f"--limit must be 0 or more, not {args.limit}")
    ws = workspace(args)
    db = ws.store.path
    if args.write_stopwords or args.add:
        if args.write_stopwords:
            info(f"stop words: {write_stopwords(db)}")
        if args.add:
            added = add_user_words(db / USER_WORDS_FILE, args.add)
            info(f"{len(added)} word(s) added to {db / USER_WORDS_FILE}")
        return 0
    stop = (
        None
        if args.all
        else load_stopwords(db, ws.converter, Path(args.stopwords) if args.stopwords else None)
    )
    counts = word_frequencies(
        ws, tags=args.tag, article_ids=args.article, stopwords=stop, limit=args.limit or None
    )
    if args.json:
        from reader.sanitise import safe_json_text

        rows = [
            {"word": c.word, "count": c.count, "articles": c.articles, "forms": dict(c.forms)} for c in counts
        ]
        out(safe_json_text(json.dumps(rows, ensure_ascii=False, indent=2)) + "\n")
        return 0
    out(_table(counts))
    return 0


def _table(counts: list[Any]) -> str:
    from rich.cells import cell_len

    from reader.sanitise import safe_line

    if not counts:
        return "no words\n"
    words = [safe_line(c.word, 40) for c in counts]
    width = max(cell_len(w) for w in words)
    lines = []
    for rank, (c, word) in enumerate(zip(counts, words, strict=True), 1):
        forms = " · ".join(f"{safe_line(form, 40)} {n}" for form, n in c.forms) if len(c.forms) > 1 else ""
        pad = " " * (width - cell_len(word))
        lines.append(f"{rank:>4}  {word}{pad}  {c.count:>7}  {c.articles:>4} art.  {forms}".rstrip())
    return "\n".join(lines) + "\n"
