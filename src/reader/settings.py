"""This clone's own settings for one database: coder name, default view, theme, wrap width.

Where they live, and why there
------------------------------
``<db>/local/settings.json``, beside a ``<db>/local/.gitignore`` holding ``*``. A team shares a project
(articles, codebook, annotations) through git, and every coder works in a clone of it. What a clone needs
of its own is exactly these settings: above all the *coder name*, which stamps every annotation made in
that clone; were it committed, the next ``git pull`` would make a colleague's clone sign its work with the
wrong name. So the file lives in the database folder (it moves, and is removed, with the clone; each
database has its own) but in a folder git never carries: the ``.gitignore`` inside it ignores the folder's
every file (itself included) in any repository, even after a careless ``git add -A``. Nothing else syncs
the folder. Two people sharing one clone share its settings; ``READER_CODER`` (or ``--coder``) overrides
the coder name for one person or one command.

The file
--------
A JSON object, UTF-8, written atomically (temporary file, fsync, rename, fsync of the folder) under a file
lock, so two ``reader config`` at once never lose each other's change. Keys this version does not know are
kept as they are and reported (a newer version may have written them); a bad value is reported in one line
naming the file, the key and what is allowed, and its default is used meanwhile (the value stays in the
file until it is changed, never silently dropped). Loading never fails: the app must start whatever the
file holds; changing refuses to overwrite a file it cannot read.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reader.errors import UsageError
from reader.sanitise import safe_line
from reader.store.names import CODER_ENV as CODER_ENV
from reader.store.names import CODER_MAX as CODER_MAX
from reader.store.names import LOCAL_DIR, checked_coder_name
from reader.store.names import SETTINGS_FILE as SETTINGS_FILE

__all__ = [
    "CODER_ENV",
    "DEFAULT_MEASURE",
    "KEYS",
    "SETTINGS_FILE",
    "THEMES",
    "Setting",
    "Settings",
    "load_settings",
    "set_setting",
    "settings_path",
    "unset_setting",
]

SETTINGS_FOLDER = LOCAL_DIR
_GITIGNORE = "# reader: this clone's own settings (coder name, theme, ...): never shared through git\n*\n"

#: Textual's built-in themes (the core never imports textual; a test checks these are Textual's)
THEMES = (
    "textual-dark",
    "textual-light",
    "nord",
    "gruvbox",
    "catppuccin-mocha",
    "catppuccin-latte",
    "catppuccin-frappe",
    "catppuccin-macchiato",
    "dracula",
    "tokyo-night",
    "monokai",
    "flexoki",
    "solarized-light",
    "solarized-dark",
    "rose-pine",
    "rose-pine-moon",
    "rose-pine-dawn",
    "atom-one-dark",
    "atom-one-light",
    "ansi-dark",
    "ansi-light",
)
WRAP_MIN, WRAP_MAX = 20, 400
#: what wrap_width 0 means: the reading measure of 80 columns (40 Chinese characters); a value at least the
#: window's width gives lines as wide as the window
DEFAULT_MEASURE = 80


class _Invalid(ValueError):
    """A value that is not allowed (the message says what is)."""


@dataclass(frozen=True)
class Setting:
    """One key: what it means, its default, what is allowed, and how a value is checked."""

    name: str
    meaning: str
    default: Any
    allowed: str  # for messages: "one of …", "a whole number …"
    check: Callable[[Any], Any]  # a value (from the file, the command line or a screen) -> as stored


def _coder(value: Any) -> str:
    try:
        return checked_coder_name(value)
    except ValueError:
        raise _Invalid from None


def _one_of(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or value.strip().lower() not in choices:
            raise _Invalid
        return value.strip().lower()

    return check


def _on_off(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("on", "off", "true", "false", "yes", "no"):
        return value.strip().lower() in ("on", "true", "yes")
    raise _Invalid


def _wrap_width(value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid
    if value != 0 and not WRAP_MIN <= value <= WRAP_MAX:
        raise _Invalid
    return value


def _views() -> tuple[str, ...]:
    from reader.choices import VIEWS

    return tuple(VIEWS)


KEYS: dict[str, Setting] = {
    setting.name: setting
    for setting in (
        Setting(
            "coder",
            "your name on the annotations you make here (READER_CODER or --coder override it)",
            "",
            f"a name on one line, at most {CODER_MAX} characters",
            _coder,
        ),
        Setting(
            "view",
            "the script an article opens in the first time",
            "original",
            "one of " + ", ".join(_views()),
            _one_of(_views()),
        ),
        Setting("theme", "the app's colours", "textual-dark", "one of " + ", ".join(THEMES), _one_of(THEMES)),
        Setting(
            "wrap_width",
            f"the widest a line of text is drawn, in columns (0: the default, {DEFAULT_MEASURE})",
            0,
            f"a whole number of columns from {WRAP_MIN} to {WRAP_MAX}, or 0 for the default "
            f"({DEFAULT_MEASURE})",
            _wrap_width,
        ),
        Setting(
            "blind",
            "blind coding: others' annotations stay hidden in an article until you mark it coded",
            False,
            "on or off",
            _on_off,
        ),
        Setting(
            "reading",
            "the reading line shown above the text (r in an article; jyutping in the 香港 view only)",
            "off",
            "one of off, pinyin, zhuyin, jyutping",
            _one_of(("off", "pinyin", "zhuyin", "jyutping")),
        ),
        Setting(
            "snap_words",
            "selections made with shift+arrows or the mouse grow to whole words",
            "off",
            "on or off",
            _one_of(("on", "off")),
        ),
    )
}


def settings_path(db: Path) -> Path:
    """The settings file of the database folder `db` (see the module docstring for why there)."""
    return Path(db) / SETTINGS_FOLDER / SETTINGS_FILE


@dataclass(frozen=True)
class Settings:
    """The settings of one database as the file holds them (defaults for what it does not)."""

    path: Path
    #: the known settings the file sets, each valid
    values: Mapping[str, Any] = field(default_factory=dict)
    #: keys this version does not know, as they are in the file (kept when it is written)
    unknown: Mapping[str, Any] = field(default_factory=dict)
    #: one line each: an unreadable file, a bad value (whose default applies)
    problems: tuple[str, ...] = ()

    def get(self, key: str) -> Any:
        """A setting's value: the file's, else its default."""
        return self.values.get(key, _known(key).default)

    @property
    def coder(self) -> str:
        return str(self.get("coder"))

    @property
    def view(self) -> str:
        return str(self.get("view"))

    @property
    def theme(self) -> str:
        return str(self.get("theme"))

    @property
    def wrap_width(self) -> int:
        return int(self.get("wrap_width"))

    def effective_coder(self, flag: str | None = None, environ: Mapping[str, str] | None = None) -> str:
        """Who is coding: ``--coder``, else ``READER_CODER``, else the setting ("" if none); each checked."""
        environ = os.environ if environ is None else environ
        for value, where in ((flag, "--coder"), (environ.get(CODER_ENV), CODER_ENV)):
            if value is not None and value.strip():
                try:
                    return _coder(value)
                except _Invalid:
                    raise UsageError(
                        f"{where}: {_shown(value)} is not allowed: {KEYS['coder'].allowed}"
                    ) from None
        return self.coder

    def unknown_notices(self) -> list[str]:
        """One line per key this version does not know (kept in the file as it is)."""
        where = safe_line(str(self.path))
        known = ", ".join(KEYS)
        return [
            f"{where}: unknown setting {_shown(key)} kept as it is (known: {known})" for key in self.unknown
        ]

    def notices(self) -> list[str]:
        """What to tell the user about the file (a screen, a start-up notice): problems, then unknown keys."""
        return [*self.problems, *self.unknown_notices()]


def load_settings(db: Path) -> Settings:
    """The settings of the database folder `db`; never raises for what the file holds (see `problems`)."""
    path = settings_path(db)
    try:
        data = _read(path)
    except FileNotFoundError:
        return Settings(path)
    except _Unreadable as exc:
        return Settings(path, problems=(str(exc),))
    return _parse(path, data)


def set_setting(db: Path, key: str, value: Any) -> Settings:
    """Set `key` to `value` (a string from the command line, or a value from a screen) and save."""
    setting = _known(key)
    path = settings_path(db)
    try:
        checked = setting.check(value)
    except _Invalid:
        where = safe_line(str(path))
        raise UsageError(
            f"{where}: {key} {_shown(value)} is not allowed: {setting.allowed}; nothing changed"
        ) from None
    with _changing(path) as data:
        data[key] = checked
    return load_settings(db)


def unset_setting(db: Path, key: str) -> Settings:
    """Remove `key` from the file (its default applies again); an unknown key the file has can go too."""
    path = settings_path(db)
    with _changing(path) as data:
        if key not in data:
            if key not in KEYS:
                raise UsageError(
                    f"{safe_line(str(path))}: no setting {_shown(key)} to unset (known: {', '.join(KEYS)})"
                )
            return load_settings(db)
        del data[key]
    return load_settings(db)


# --- reading and writing --------------------------------------------------------------------------------


class _Unreadable(Exception):
    """The file exists but cannot be used (the message is the one line to show)."""


def _known(key: str) -> Setting:
    setting = KEYS.get(key)
    if setting is None:
        raise UsageError(f"unknown setting {_shown(key)}: use one of {', '.join(KEYS)}")
    return setting


def _shown(value: Any) -> str:
    """A value as it appears in a message: JSON, one safe line."""
    return safe_line(json.dumps(value, ensure_ascii=False), 80)


def _read(path: Path) -> dict[str, Any]:
    where = safe_line(str(path))
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise _Unreadable(
            f"{where}: cannot read the settings ({exc.strerror or exc}); defaults apply"
        ) from exc
    try:
        data = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except (UnicodeDecodeError, ValueError) as exc:
        raise _Unreadable(
            f"{where}: not a valid settings file ({safe_line(str(exc), 120)}); fix it or remove it "
            "(defaults apply meanwhile)"
        ) from exc
    if not isinstance(data, dict):
        raise _Unreadable(
            f"{where}: not a valid settings file (a JSON object is expected); fix it or remove it"
        )
    return data


def _parse(path: Path, data: dict[str, Any]) -> Settings:
    values: dict[str, Any] = {}
    unknown: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in data.items():
        setting = KEYS.get(key)
        if setting is None:
            unknown[key] = value
            continue
        try:
            values[key] = setting.check(value)
        except _Invalid:
            problems.append(
                f"{safe_line(str(path))}: {key} {_shown(value)} is not allowed: {setting.allowed} "
                f"(the default applies; set it with `reader config {key} VALUE` or `--unset {key}`)"
            )
    return Settings(path, values, unknown, tuple(problems))


@contextlib.contextmanager
def _changing(path: Path) -> Iterator[dict[str, Any]]:
    """Read-modify-write of the file under its lock; the dict the caller changes is written atomically."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        gitignore = path.parent / ".gitignore"
        if not gitignore.exists():
            _write_atomically(gitignore, _GITIGNORE.encode("utf-8"))
        with _locked(path.parent / ".settings.lock"):
            try:
                data = _read(path)
            except FileNotFoundError:
                data = {}
            except _Unreadable as exc:
                raise UsageError(f"{exc}; nothing changed") from None
            before = dict(data)
            yield data
            if data != before:
                payload = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
                _write_atomically(path, payload.encode("utf-8"))
    except OSError as exc:
        raise UsageError(
            f"{safe_line(str(path))}: cannot save the settings ({exc.strerror or exc}); nothing changed"
        ) from exc


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    import fcntl

    with open(lock_path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _write_atomically(path: Path, payload: bytes) -> None:
    """Temporary file in the same folder, fsync, rename over `path`, fsync the folder."""
    import tempfile  # here: most commands read the settings and write none (import: ~4 ms)

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
