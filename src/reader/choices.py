"""The names of the script views and source scripts, the check of a view name, and which folders to use.

A module of its own, with no imports but :mod:`reader.errors`, so that building a command's parser
(``choices=VIEWS``) or a workspace does not import the conversion engine: `reader annotate` never
converts, and importing :mod:`reader.convert` costs more than its whole save. :mod:`reader.convert`
re-exports these names.
"""

from __future__ import annotations

import os

from reader.errors import UsageError

VIEWS = ("original", "simplified", "traditional", "taiwan", "hongkong")
VIEW_LABELS = {
    "original": "原文",
    "simplified": "简体",
    "traditional": "繁體",
    "taiwan": "臺灣",
    "hongkong": "香港",
}
#: what ``--from`` accepts: "auto" decides per run of text from the characters it uses
SOURCES = ("auto", "simplified", "traditional", "taiwan", "hongkong")


def check_view(view: str) -> str:
    """``view`` if it names a view; else a UsageError listing the views (the one place that says so)."""
    if view not in VIEWS:
        raise UsageError(f"unknown view {view!r}; choose one of: {', '.join(VIEWS)}")
    return view


#: the articles and annotation folders when neither an option nor the environment names them
DEFAULT_ARTICLES, DEFAULT_DB = "seeds", "annotations"
ARTICLES_ENV, DB_ENV = "READER_ARTICLES", "READER_DB"


def folders(articles: str | None = None, db: str | None = None) -> tuple[str, str]:
    """The articles and annotation folders: the command-line option, else the environment, else the
    default (:class:`reader.workspace.Paths`, and `reader annotate` before it builds a workspace)."""
    return (
        articles or os.environ.get(ARTICLES_ENV) or DEFAULT_ARTICLES,
        db or os.environ.get(DB_ENV) or DEFAULT_DB,
    )
