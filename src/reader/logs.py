"""Logging: the core logs what it recovers from; the command line (and so the app) turns it on.

Failures reader works around (a metadata cache it cannot write, a folder it cannot list, a stale temporary
file it cannot remove) are logged at debug level by the module that meets them (``log =
reader.logs.logger(__name__)``), and nothing is written anywhere unless asked: ``reader --log FILE`` or
``READER_LOG=FILE`` appends every record of the ``reader`` loggers to FILE. Records are sanitised like any
other output: a file name cannot put a control sequence into the log.

The ``logging`` module is imported only when a log is asked for, or once something else has imported it
(Textual, pytest): `reader annotate` is a whole process per save, and importing ``logging`` was ~7 ms of it
(issue 10). Until then a record has nowhere to go (no handler can exist), so :class:`Logger` drops it, as the
``NullHandler`` on the ``reader`` logger does once ``logging`` is in use (so that nothing of ours ever
reaches the terminal through ``logging.lastResort``).
"""

from __future__ import annotations

import os
import sys

from reader.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import logging
    from pathlib import Path

LOG_ENV = "READER_LOG"
FORMAT = "%(asctime)s %(process)d %(name)s %(levelname)s %(message)s"
_DEBUG, _WARNING = 10, 30  # logging.DEBUG, logging.WARNING

_handler: logging.Handler | None = None  # the one this module added (configure() may run again)
_quietened = False  # the NullHandler is on the ``reader`` logger


class Logger:
    """A module's logger: forwards to ``logging.getLogger(name)`` once ``logging`` is in use, else drops
    the record (nothing could receive it). Only what reader's modules call: ``debug`` and ``warning``."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def debug(self, message: str, *args: object) -> None:
        self._log(_DEBUG, message, args)

    def warning(self, message: str, *args: object) -> None:
        self._log(_WARNING, message, args)

    def _log(self, level: int, message: str, args: tuple[object, ...]) -> None:
        logging = sys.modules.get("logging")
        if logging is None:
            return
        quieten()
        logging.getLogger(self.name).log(level, message, *args)


def logger(name: str) -> Logger:
    """The logger of the module ``name`` (``__name__``)."""
    return Logger(name)


def quieten() -> None:
    """Put the ``NullHandler`` on the ``reader`` logger (imports ``logging``): records nobody asked for go
    nowhere, never to the terminal. The app calls it before Textual runs; :class:`Logger` before it logs."""
    global _quietened
    if not _quietened:
        import logging

        logging.getLogger("reader").addHandler(logging.NullHandler())
        _quietened = True


def configure(path: str | None = None) -> Path | None:
    """Log ``reader.*`` records, debug level and up, to ``path`` (else ``$READER_LOG``; else nowhere).

    Returns the log file, or None. UsageError if it cannot be opened for appending.
    """
    global _handler
    target = path or os.environ.get(LOG_ENV)
    if not target and _handler is None:
        return None  # nothing to log to, nothing to undo: ``logging`` is not imported for nothing
    import logging
    from pathlib import Path

    from reader.sanitise import sanitise

    quieten()
    logger = logging.getLogger("reader")
    if _handler is not None:
        logger.removeHandler(_handler)
        _handler.close()
        _handler = None
    if not target:
        return None
    try:
        handler = logging.FileHandler(target, encoding="utf-8")
    except OSError as exc:
        reason = exc.strerror or exc
        raise UsageError(f"cannot write the log file {target}: {reason}; choose another path") from exc

    class SafeFormatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return sanitise(super().format(record))

    handler.setFormatter(SafeFormatter(FORMAT))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    _handler = handler
    return Path(target)
