"""Names: of the database folder's files and subfolders, of coders and their folders. No file access.

The one place each name is defined (the modules that use them import them from here). Kept light
(``re``, ``unicodedata``; ``hashlib`` only when a name is first made): `reader annotate` finds the files it
appends to without importing the whole store (:mod:`reader.store.append`). The layout itself is described
in :mod:`reader.store`.
"""

from __future__ import annotations

import os
import re
import unicodedata

from reader.errors import UsageError
from reader.sanitise import safe_line

MANIFEST_NAME = "reader-db.json"
#: the manifest's schema: 3 has a folder per coder (reader.store.coders); the files inside are schema 2
MANIFEST_SCHEMA = 3
ARTICLES_DIR = "articles"  # the single-coder layout (schema 2 and before); moved into a coder's folder
LOCAL_DIR = "local"
LOCK_NAME = "lock"  # local/lock: every write holds its flock (reader.store.files.lock_file)
TIDY_MEMO = "cache/tidy.json"  # in local/: folders listed clean of temp files (files.temp_files_in)
JOURNAL_NAME = "journal.json"  # local/journal.json: a multi-article change under way (reader.store.journal)
INDEX_DIR = "index"  # local/index/<coder folder>.json
INDEX_SCHEMA = 3  # 3: entries say the text their records were made on ("on": reader.store.window)
SNAPSHOT_SUFFIX = ".json"
LOG_SUFFIX = ".log"
#: a log longer than this and than its snapshot is compacted (reader.store.log)
MIN_COMPACT_BYTES = 256 * 1024

CODERS_DIR = "coders"
CODER_FILE = "coder.json"
ARTICLES = "articles"
#: the coder whose annotations are the team's agreed version (``reader merge``); nobody codes as it
AGREED = "agreed"
#: what a login name becomes when there is none (a container without a passwd entry)
FALLBACK_CODER = "reader"
#: folder names no coder may take (the agreed version; names Windows reserves)
RESERVED = frozenset(
    {AGREED, "con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)
_UNSAFE = re.compile(r"[^\w.-]+")
FOLDER_CHARS = 60


def article_stem(article_id: str) -> str:
    """The name (without suffix) of an article's files in every coder's folder: a hash, so that any id
    makes a safe, short file name."""
    import hashlib  # (here: a listing of a library with no annotations never loads OpenSSL)

    return hashlib.sha1(article_id.encode("utf-8"), usedforsecurity=False).hexdigest()[:20]


def default_coder_name() -> str:
    """The login name, else "reader": who codes until a name is set."""
    # getpass.getuser()'s order; getpass itself (it imports termios) only for the password database
    given = (os.environ.get(key) for key in ("LOGNAME", "USER", "LNAME", "USERNAME"))
    name = next((value for value in given if value), "")
    if not name:
        import getpass

        try:
            name = getpass.getuser()
        except (KeyError, OSError):  # no user name in this environment
            return FALLBACK_CODER
    name = " ".join(name.split())
    return name or FALLBACK_CODER


def folder_name(coder: str) -> str:
    """The folder of ``coder``'s annotations: ``Ann Lee`` -> ``ann-lee``, ``王小明`` -> ``王小明``."""
    folded = unicodedata.normalize("NFKC", coder).casefold()
    name = _UNSAFE.sub("-", folded).strip(".-")[:FOLDER_CHARS].strip(".-")
    return name or "coder"


SETTINGS_FILE = "settings.json"  # local/settings.json: this clone's settings (reader.settings)
CODER_ENV = "READER_CODER"  # names the coder for one person or one command (before the settings)


def coder_name(name: str | None) -> tuple[str, bool]:
    """(name, explicit) of the coder named ``name`` (normalised), or of the default coder (the login name,
    not explicit) when it is empty or None. UsageError for a name no coder may take."""
    if name is None or not name.strip():
        return default_coder_name(), False
    name = unicodedata.normalize("NFC", " ".join(name.split()))
    if folder_name(name) in RESERVED:
        raise UsageError(
            f"the coder name {name!r} is reserved ({AGREED!r} is the team's agreed version made by "
            "`reader merge`); choose another name with `reader config coder NAME`"
        )
    return name, True


#: the longest coder name (``reader config coder``, ``--coder``, ``READER_CODER``)
CODER_MAX = 80


def checked_coder_name(value: object) -> str:
    """``value`` as a coder name (NFC, trimmed); ValueError unless it is one line of at most
    :data:`CODER_MAX` characters with nothing a terminal would act on."""
    if not isinstance(value, str):
        raise ValueError("not a string")
    name = unicodedata.normalize("NFC", value.strip())
    if not name or len(name) > CODER_MAX or safe_line(name, CODER_MAX + 1) != name:
        raise ValueError("not a coder name")
    return name
