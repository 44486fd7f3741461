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
