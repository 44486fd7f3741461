"""Regular expressions compiled once a machine instead of once a process: their compiled form is kept on
disk, as ``.pyc`` files keep compiled code.

Script detection (:mod:`reader.scripts`) uses four patterns made of character classes thousands of
characters wide. Python's ``re`` compiler parses them and walks every code point of every class: ~30 ms
that a cold ``reader list`` paid before it could read a file. What the compiler hands CPython's regex
engine (``_sre``) is a list of integers; that list is kept in :func:`user_cache_dir`, with the engine's
version and a checksum of each pattern, and handed straight to the engine next time (~1 ms for all
four). The engine validates any code it is given, so a damaged or foreign file can only be rejected:
anything missing, unreadable or rejected is compiled as usual and kept again. The cache only saves time.

This relies on ``re``'s internals as CPython 3.11 to 3.13 have them (``re._parser.parse``,
``re._compiler._code``, ``_sre.compile``); where they differ or are missing, patterns are compiled the
usual way.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import zlib
from pathlib import Path
from typing import Any

import orjson

#: bumped when what is kept changes shape
_FORMAT = 1


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/reader`` (default ``~/.cache/reader``): caches that belong to no project."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "reader"


def compile_patterns(patterns: dict[str, str], name: str) -> dict[str, re.Pattern[str]]:
    """Each of ``patterns`` (key -> pattern without groups) compiled, from the compiled forms kept in the
    cache file ``name`` where they are those of the same pattern for the same engine."""
    engine = _engine()
    if engine is None:
        return {key: re.compile(pattern) for key, pattern in patterns.items()}
    try:
        path: Path | None = user_cache_dir() / f"{name}-{engine[0]}.json"
    except RuntimeError:  # no home folder to be found
        path = None
    kept = _read(path, engine) if path is not None else {}
    compiled: dict[str, re.Pattern[str]] = {}
    changed = False
    for key, pattern in patterns.items():
        checksum = [zlib.crc32(pattern.encode("utf-8", "surrogatepass")), len(pattern)]
        found = _from_kept(pattern, kept.get(key), checksum)
        if found is None:
            found, form = _compile(pattern)
            if form is not None:
                kept[key] = [*checksum, *form]
                changed = True
        compiled[key] = found
    if changed and path is not None:
        _write(path, engine, kept)
    return compiled


def _engine() -> list[Any] | None:
    """What a compiled form depends on: the interpreter, the engine's version and code unit, the byte
    order, the widest character; None where ``_sre`` is not CPython's."""
    if sys.implementation.name != "cpython":
        return None
    try:
        import _sre  # type: ignore[import-not-found]

        return [
            sys.implementation.cache_tag,
            _sre.MAGIC,
            _sre.CODESIZE,
            sys.byteorder,
            sys.maxunicode,
            _FORMAT,
        ]
    except (ImportError, AttributeError):
        return None


def _compile(pattern: str) -> tuple[re.Pattern[str], list[Any] | None]:
    """``pattern`` compiled as ``re.compile`` does, and the (flags, code) to keep; None for them when
    ``re``'s internals are not as expected (compiled by ``re.compile`` then)."""
    try:
        import _sre
        from re import _compiler, _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(pattern, 0)
        if parsed.state.groups != 1:  # (groups would need their names kept too)
            raise ValueError("a pattern with groups")
        flags, code = parsed.state.flags, _compiler._code(parsed, 0)
        return _sre.compile(pattern, flags, code, 0, {}, (None,)), [flags, code]
    except Exception:  # any difference in re's internals: the public way
        return re.compile(pattern), None


def _from_kept(pattern: str, entry: Any, checksum: list[int]) -> re.Pattern[str] | None:
    """The kept form of ``pattern`` handed to the engine; None if there is none for it or the engine
    refuses it."""
    if type(entry) is not list or len(entry) != 4 or entry[:2] != checksum:
        return None
    flags, code = entry[2:]
    if type(flags) is not int or type(code) is not list:
        return None
    try:
        import _sre

        compiled: re.Pattern[str] = _sre.compile(pattern, flags, code, 0, {}, (None,))
        return compiled
    except (RuntimeError, TypeError, ValueError, OverflowError):  # RuntimeError: "invalid SRE code"
        return None


def _read(path: Path, engine: list[Any]) -> dict[str, Any]:
    with contextlib.suppress(OSError, ValueError):  # (orjson.JSONDecodeError is a ValueError)
        data = orjson.loads(path.read_bytes())
        if type(data) is dict and data.get("engine") == engine and type(data.get("patterns")) is dict:
            patterns: dict[str, Any] = data["patterns"]
            return patterns
    return {}


def _write(path: Path, engine: list[Any], patterns: dict[str, Any]) -> None:
    """Replace the file at once (a reader sees the old one or the new one); a cache: errors are ignored."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(orjson.dumps({"engine": engine, "patterns": patterns}))
        os.replace(tmp, path)
    with contextlib.suppress(OSError):
        tmp.unlink(missing_ok=True)
