"""``reader config``: this clone's own settings for the database (coder name, default view, theme, wrap
width); see :mod:`reader.settings` for where they live and why git never carries them."""

from __future__ import annotations

import argparse
from typing import Any

from reader.cli._common import EXIT_USAGE, info, out, out_json


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    from reader.settings import KEYS

    keys = "\n".join(f"  {setting.name:<11} {setting.meaning}" for setting in KEYS.values())
    p_config = sub.add_parser(
        "config",
        parents=[common],
        help="this clone's own settings: coder name, default view, theme, wrap width",
        description="With no KEY, list every setting; with KEY, print its value; with KEY VALUE, set it. "
        "Settings belong to this clone of the database and are never shared through git.",
        epilog=f"keys:\n{keys}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p_config.add_argument("key", nargs="?", metavar="KEY", help="a setting: " + ", ".join(KEYS))
    p_config.add_argument("value", nargs="?", metavar="VALUE", help="its new value")
    p_config.add_argument("--unset", metavar="KEY", help="remove a setting (its default applies again)")
    p_config.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p_config.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from reader.errors import UsageError
    from reader.settings import KEYS, load_settings, set_setting, unset_setting
    from reader.workspace import Paths

    db = Paths.resolve(args.articles, args.db).db
    if args.unset is not None:
        if args.key is not None:
            raise UsageError("reader config: give either --unset KEY or KEY [VALUE], not both")
        settings = unset_setting(db, args.unset)
        out(f"{_plain(args.unset)} unset in {_plain(settings.path)}\n")
        _report(settings)
        return 0
    if args.key is not None and args.value is not None:
        if args.key == "coder":
            from reader.store.coders import coder_for

            coder_for(args.value)  # a reserved name (the agreed version's) is refused here
        settings = set_setting(db, args.key, args.value)
        out(f"{args.key} = {_plain(settings.get(args.key))} in {_plain(settings.path)}\n")
        if args.key == "coder":
            _adopt(db, settings.coder)
        _report(settings)
        return 0
    settings = load_settings(db)
    if args.key is not None:
        if args.key not in KEYS:
            raise UsageError(f"unknown setting {_plain(args.key)}: use one of {', '.join(KEYS)}")
        out(_plain(settings.get(args.key)) + "\n")
        _report(settings, unknown=False)
        return 0
    _list(settings, as_json=args.json)
    return _report(settings)


def _list(settings: Any, *, as_json: bool) -> None:
    import os

    from reader.sanitise import safe_line
    from reader.settings import CODER_ENV, KEYS

    override = os.environ.get(CODER_ENV, "").strip()
    if as_json:
        rows = {key: {"value": settings.get(key), "default": key not in settings.values} for key in KEYS}
        payload = {
            "file": str(settings.path),
            "settings": rows,
            "unknown": dict(settings.unknown),
            "problems": list(settings.problems),
        }
        out_json(payload)
        return
    for key in KEYS:
        note = "" if key in settings.values else "  (default)"
        if key == "coder" and override:
            note += f"  ({CODER_ENV} overrides it: {safe_line(override, 80)})"
        value = _plain(settings.get(key)) or "-"
        out(f"{key:<11} {value}{note}\n")
    out(f"file: {safe_line(str(settings.path))} (this clone's own; never shared through git)\n")


def _adopt(db: Any, coder: str) -> None:
    """A database coded under the login name (or in the single-coder layout) becomes the named coder's
    now (reader.store.coders); nothing to do for a new one."""
    if not (db / "reader-db.json").exists():
        return
    from reader.store import AnnotationStore

    with AnnotationStore(db, coder=coder) as store:
        if store.read_only:
            return
        before = store.articles_dir
        with store.locked():
            pass  # the first write settles the coder's folder: adopts or moves what they coded before
        if store.articles_dir != before:
            info(f"your earlier annotations are now {_plain(coder)}'s ({_plain(store.articles_dir.parent)})")


def _plain(value: Any) -> str:
    from reader.sanitise import safe_line

    return safe_line(str(value), 200)


def _report(settings: Any, *, unknown: bool = True) -> int:
    """The file's problems (and its unknown keys) on stderr, one line each; exit 2 if it has problems."""
    for line in settings.problems:
        info(f"reader: warning: {line}")
    for line in settings.unknown_notices() if unknown else ():
        info(f"reader: note: {line}")
    return EXIT_USAGE if settings.problems else 0
