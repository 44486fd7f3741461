"""Logging: the core logs what it recovers from; the command line (and so the app) turns it on.

Failures reader works around (a metadata cache it cannot write, a folder it cannot list, a stale temporary
file it cannot remove) are logged at debug level by the module that meets them (``logging.getLogger
(__name__)``), and nothing is written anywhere unless asked: ``reader --log FILE`` or ``READER_LOG=FILE``
appends every record of the ``reader`` loggers to FILE. Records are sanitised like any other output: a file
name cannot put a control sequence into the log.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from reader.errors import UsageError
from reader.sanitise import sanitise

LOG_ENV = "READER_LOG"
FORMAT = "%(asctime)s %(process)d %(name)s %(levelname)s %(message)s"


class _SafeFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return sanitise(super().format(record))


_handler: logging.Handler | None = None  # the one this module added (configure() may run again)


def configure(path: str | None = None) -> Path | None:
    """Log ``reader.*`` records, debug level and up, to ``path`` (else ``$READER_LOG``; else nowhere).

    Returns the log file, or None. UsageError if it cannot be opened for appending.
    """
    global _handler
    logger = logging.getLogger("reader")
    if _handler is not None:
        logger.removeHandler(_handler)
        _handler.close()
        _handler = None
    target = path or os.environ.get(LOG_ENV)
    if not target:
        return None
    try:
        handler = logging.FileHandler(target, encoding="utf-8")
    except OSError as exc:
        reason = exc.strerror or exc
        raise UsageError(f"cannot write the log file {target}: {reason}; choose another path") from exc
    handler.setFormatter(_SafeFormatter(FORMAT))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    _handler = handler
    return Path(target)
