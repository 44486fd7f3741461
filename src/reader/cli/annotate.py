"""``reader annotate``: highlight and tag a passage from a script.

A process per save, so it is quick in the plain case (``--start``/``--end`` in the original view): it reads
the article file and saves through :mod:`reader.store.append`, importing neither the workspace nor the
whole store; anything else (``--quote``, another view, a folder the store must set up, an article the
library must find, any mistake to explain) takes the ordinary way through the workspace, which says what
is wrong exactly as before.
"""

from __future__ import annotations

import argparse
import os

from reader.cli._common import out, workspace
from reader.errors import ReaderError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    from reader.choices import VIEWS

    p = sub.add_parser("annotate", parents=[common], help="highlight and tag a passage")
    p.add_argument("article", metavar="ARTICLE")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--quote", help="the passage, typed in any script")
    where.add_argument("--start", type=int, help="start offset (code points, in --view's text)")
    p.add_argument("--end", type=int, help="end offset (with --start)")
    p.add_argument("--occurrence", type=int, metavar="N", help="which match of --quote (1 = first)")
    p.add_argument("--tag", action="append", required=True, metavar="TAG", help="a tag (repeatable)")
    p.add_argument("--note", default="", help="a note")
    p.add_argument("--color", default="", help="colour name or #rrggbb (default: the tag's colour)")
    p.add_argument(
        "--view", default="original", choices=VIEWS, metavar="VIEW", help="view the offsets refer to"
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from reader.colors import check_color

    if args.quote is None and args.view == "original" and args.occurrence is None:
        saved = _quick(args)
        if saved is not None:
            out(saved + "\n")
            return 0
    ws = workspace(args)
    article = ws.load(ws.library.resolve(args.article))
    color = check_color(args.color)
    if args.quote is not None:
        if args.end is not None:
            raise UsageError("--end goes with --start, not with --quote")
        matches = ws.find(article, args.quote)
        if not matches:
            raise UsageError(f"quote {args.quote!r} not found in {article.info.id} (in any script)")
        if args.occurrence is None:
            if len(matches) > 1:
                raise UsageError(
                    f"quote {args.quote!r} occurs {len(matches)} times in {article.info.id}; "
                    f"pass --occurrence N (1–{len(matches)})"
                )
            start, end = matches[0]
        else:
            if not 1 <= args.occurrence <= len(matches):
                raise UsageError(
                    f"--occurrence {args.occurrence} is out of range: "
                    f"{args.quote!r} occurs {len(matches)} time(s)"
                )
            start, end = matches[args.occurrence - 1]
    else:
        if args.end is None:
            raise UsageError("--start needs --end")
        if args.occurrence is not None:
            raise UsageError("--occurrence goes with --quote")
        start, end = _offsets(ws, article, args.view, args.start, args.end)
    annotation = ws.annotate(article, start, end, tags=args.tag, note=args.note, color=color, view=args.view)
    out(annotation.id + "\n")
    return 0


def _offsets(ws: Any, article: Any, view_name: str, start: int, end: int) -> tuple[int, int]:
    """``start``..``end`` in ``view_name``'s text as offsets into the original (UsageError if out of it).
    The original view is the article's own text: nothing is converted (nor imported to convert)."""
    view = None if view_name == "original" else ws.view(article, view_name)
    length = len(article.text if view is None else view.text)
    if not 0 <= start < end <= length:
        raise UsageError(
            f"--start {start} --end {end} is not a passage of {article.info.id} "
            f"({length} characters in the {view_name} view)"
        )
    return (start, end) if view is None else view.offsets.range_to_original(start, end)


# -- the quick way (see the module docstring)


def _quick(args: argparse.Namespace) -> str | None:
    """Save the annotation without a workspace if everything is plainly right; its id, else None (nothing
    written: the ordinary way then runs, and explains any mistake)."""
    from reader import choices
    from reader.colors import check_color
    from reader.decoding import MAX_BYTES, article_text
    from reader.store import append
    from reader.store.names import folder_name
    from reader.tags import check_tag

    articles, db = choices.folders(args.articles, args.db)
    coder = _coder(args, db)
    path = _article_file(articles, args.article)
    if coder is None or path is None or args.end is None:
        return None
    try:
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size > MAX_BYTES:
                return None
            text, sha256 = article_text(f.read(), path)
        tags = [check_tag(tag) for tag in args.tag]
        color = check_color(args.color)
        record = append.new_record(
            args.article, sha256, text, args.start, args.end, tags=tags, note=args.note, color=color
        )
    except (OSError, ReaderError):
        return None
    name, explicit = coder
    done = append.append_new(db, name, folder_name(name), explicit, record, timeout=5.0)
    if done == append.COMPACTION_DUE:
        from reader.store import AnnotationStore

        with AnnotationStore(db, coder=name if explicit else None) as store:
            store.compact(args.article)
    return None if done is None else str(record["id"])


def _coder(args: argparse.Namespace, db: str) -> tuple[str, bool] | None:
    """(name, explicit) of who codes (``--coder``, ``READER_CODER``, the setting, the login name, as
    :meth:`reader.settings.Settings.effective_coder`); None if a value is not plainly valid."""
    import json

    from reader.store.names import CODER_ENV, LOCAL_DIR, SETTINGS_FILE, checked_coder_name, coder_name

    named = next(
        (v for v in (getattr(args, "coder", None), os.environ.get(CODER_ENV)) if v and v.strip()), None
    )
    try:
        if named is None:
            with open(os.path.join(db, LOCAL_DIR, SETTINGS_FILE), "rb") as f:
                settings = json.loads(f.read())
            if type(settings) is not dict:
                return None
            named = settings.get("coder")
            if named is not None and type(named) is not str:
                return None
    except FileNotFoundError:
        pass  # no settings: the login name
    except (OSError, ValueError):
        return None
    try:
        return coder_name(None if named is None else checked_coder_name(named))
    except (ValueError, UsageError):
        return None


def _article_file(root: str, article_id: str) -> str | None:
    """The file of ``article_id`` if the library plainly lists it under that id: a ``*.txt`` file reached
    from the articles folder through real folders, no part of it hidden; else None (the library decides)."""
    parts = article_id.split("/")
    if article_id[-4:].lower() != ".txt" or any(not part or part.startswith(".") for part in parts):
        return None
    try:
        path = os.path.join(root, article_id)
        if os.path.realpath(path) != os.path.join(os.path.realpath(root), *parts):
            return None  # through a link: the library lists it under its real path
        return path if os.path.isfile(path) else None
    except (OSError, ValueError):  # ValueError: a NUL in the name
        return None
