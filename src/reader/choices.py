"""The names of the script views and source scripts, and the check of a view name.

A module of its own, with no imports but :mod:`reader.errors`, so that building a command's parser
(``choices=VIEWS``) or a workspace does not import the conversion engine: `reader annotate` never
converts, and importing :mod:`reader.convert` costs more than its whole save. :mod:`reader.convert`
re-exports these names.
"""

from __future__ import annotations

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
