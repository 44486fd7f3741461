"""Errors a user can cause or fix. Each carries one clear line: what went wrong, where, what to do."""

from __future__ import annotations


class ReaderError(Exception):
    """Base for every error shown to a user as one line (never a traceback)."""


class UsageError(ReaderError):
    """The user asked for something that cannot be done as asked (CLI exit code 2)."""


class ArticleError(ReaderError):
    """An article file could not be read or decoded."""


class StoreError(ReaderError):
    """The annotation database could not be read or written."""


class StoreLockedError(StoreError):
    """Another process holds the database lock for longer than we are willing to wait."""


class StoreCorruptError(StoreError):
    """A database file exists but is not valid; it is never overwritten."""


class EnvironmentProblem(ReaderError):
    """The Python environment is broken in a way the user must fix (e.g. the wrong ``opencc``)."""


class StoreReadOnlyError(StoreError):
    """The database folder cannot be written: reading works, saving does not."""


class ConflictError(StoreError):
    """An annotation changed on disk (another copy of reader saved it) since the editor opened it.

    ``mine`` is what this editor wants to save; ``theirs`` what is stored now (None: it was deleted).
    """

    def __init__(self, message: str, mine: object, theirs: object) -> None:
        super().__init__(message)
        self.mine = mine
        self.theirs = theirs
