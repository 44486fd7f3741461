"""Which script an article is written in: Simplified, Traditional, a mix, or no Chinese at all.

The script is told by the characters OpenCC would change: those t2s changes are Traditional-only, those s2t
changes are Simplified-only. Both sets ship in ``data/script_chars.json`` for the OpenCC version they were
built with (building them costs ~0.2 s) and are rebuilt at run time for any other version; regenerate with
:func:`write_script_tables` after an upgrade.

The OpenCC binding is imported only when first needed, and checked then to be the official one
(:func:`check_opencc`): a command that never converts does not pay for importing it.

Listing 10,000 articles detects the script of every file head, so :func:`detect_script` avoids counting
what does not decide the answer: it counts the script that is rarer in the text exactly, and the other
one only until it is three times as many (see :func:`detect_script`).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.machinery
import importlib.util
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from reader.errors import EnvironmentProblem

SCRIPTS = ("simplified", "traditional", "mixed", "none")

#: The two character sets for the OpenCC version they were built with. Regenerate after an OpenCC upgrade:
#: ``python -c "from reader.scripts import write_script_tables; write_script_tables()"``
SCRIPT_TABLES = Path(__file__).with_name("data") / "script_chars.json"

# CJK blocks where OpenCC has character mappings: Ext A, URO, compatibility ideographs, Ext B and later.
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F))

#: a script wins when it has this many times as many distinctive characters as the other
DOMINANCE = 3


# ------------------------------------------------------------------------------------------ the binding

_FIX = "run `pip uninstall -y opencc-python-reimplemented opencc && pip install OpenCC`"


def check_opencc() -> None:
    """Raise :class:`EnvironmentProblem` (one line) unless ``opencc`` is the official OpenCC binding.

    The official wheels (``pip install OpenCC``) contain ``opencc/clib/opencc_clib*.so``. The pure-Python
    opencc-python-reimplemented installs the same module name (``opencc/opencc.py`` and
    ``opencc/config/*.json``) and converts differently (恢複相關, 演演算法), so it must not be used.
    """
    try:
        module = importlib.import_module("opencc")
    except Exception as exc:  # ImportError, or a half-uninstalled package failing inside its __init__
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise _not_importable(reason) from exc
    if _is_official(module):
        return
    where = _module_dir(module)
    raise _reimplemented() if _is_reimplemented(module, where) else _not_official(where)


def _reimplemented() -> EnvironmentProblem:
    return EnvironmentProblem(
        "the installed `opencc` module is opencc-python-reimplemented, not the official OpenCC binding: "
        + _FIX
    )


def _not_importable(reason: object) -> EnvironmentProblem:
    return EnvironmentProblem(f"the official OpenCC binding is not importable ({reason}): {_FIX}")


def _not_official(where: Path | None) -> EnvironmentProblem:
    return EnvironmentProblem(
        f"the installed `opencc` module ({where or 'unknown location'}) is not the official OpenCC binding "
        f"(no opencc.clib): {_FIX}"
    )


def check_opencc_files() -> None:
    """:func:`check_opencc` from the package's files, without importing the binding (~13 ms and its C++
    library loaded, before the app's first paint; the module is checked again when first imported).

    Its ``__init__.py`` tells which package ``import opencc`` would load, whatever else is on disk: the
    official one loads ``clib/opencc_clib``; opencc-python-reimplemented's imports its own ``opencc.py``.
    """
    if sys.modules.get("opencc") is not None:
        return check_opencc()  # imported already: the module in use
    try:
        spec = importlib.util.find_spec("opencc")
    except (ImportError, ValueError) as exc:
        raise _not_importable(exc) from exc
    if spec is None or not spec.origin or not spec.origin.endswith("__init__.py"):
        raise _not_importable("no package 'opencc'")
    where = Path(spec.origin).parent
    try:
        init = Path(spec.origin).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise _not_importable(exc) from exc
    if (
        "from .opencc import" not in init
        and "opencc_clib" in init
        and any(_loadable(p) for p in (where / "clib").glob("opencc_clib*"))
    ):
        return
    raise (
        _reimplemented()
        if "from .opencc import" in init or (where / "opencc.py").is_file()
        else _not_official(where)
    )


def _loadable(path: Path) -> bool:
    """A non-empty extension module of a kind this Python loads (not a build for another Python)."""
    if path.name not in {f"opencc_clib{suffix}" for suffix in importlib.machinery.EXTENSION_SUFFIXES}:
        return False
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


def _module_dir(module: Any) -> Path | None:
    file = getattr(module, "__file__", None)
    return Path(file).resolve().parent if file else None


def _is_official(module: Any) -> bool:
    """The module in use (not merely files on disk: installs overwrite each other) wraps the C++ library."""
    clib = getattr(module, "opencc_clib", None)  # set by the official __init__ (1.1.x to 1.4.x)
    base = getattr(clib, "_OpenCC", None)
    engine = getattr(module, "OpenCC", None)
    return isinstance(base, type) and isinstance(engine, type) and issubclass(engine, base)


def _is_reimplemented(module: Any, where: Path | None) -> bool:
    if getattr(module, "opencc", None) is not None:
        return True  # `from .opencc import OpenCC` in its __init__
    return where is not None and (where / "opencc.py").is_file()


@functools.cache
def opencc_converter(config: str) -> Any:
    """An OpenCC converter (the official binding, imported lazily: importing this module stays cheap)."""
    check_opencc()
    import opencc

    return opencc.OpenCC(config)


def _opencc_version() -> str:
    check_opencc()
    import opencc

    return str(getattr(opencc, "__version__", ""))


def _installed_opencc_version() -> str:
    """The version of the installed OpenCC distribution, named by its ``.dist-info`` folder beside the
    ``opencc`` package, else that of the binding (imported and checked).

    Without importing it: a listing only detects scripts, and importing the binding (its C++ library)
    costs 13-40 ms of a cold ``reader list`` before any file is read. A command that converts still
    imports and checks it first (:func:`opencc_converter`).
    """
    spec = importlib.util.find_spec("opencc")
    if spec is not None and spec.origin:
        prefix, suffix = "opencc-", ".dist-info"
        with contextlib.suppress(OSError), os.scandir(Path(spec.origin).parent.parent) as entries:
            found = {
                entry.name[len(prefix) : -len(suffix)]
                for entry in entries
                if entry.name.lower().startswith(prefix) and entry.name.endswith(suffix)
            }
            if len(found) == 1:
                return found.pop()
    return _opencc_version()


@functools.cache
def _script_chars() -> tuple[frozenset[str], frozenset[str]]:
    """(traditional-only, simplified-only) characters: those OpenCC t2s (resp. s2t) changes.

    Read from SCRIPT_TABLES when they were built with the installed OpenCC, else built here.
    """
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        shipped = orjson.loads(SCRIPT_TABLES.read_bytes())
        if shipped["opencc"] and shipped["opencc"] == _installed_opencc_version():
            return frozenset(shipped["traditional"]), frozenset(shipped["simplified"])
    return build_script_chars()


def build_script_chars() -> tuple[frozenset[str], frozenset[str]]:
    """The sets of :func:`_script_chars`, from the installed OpenCC.

    Converts every CJK code point on a line of its own. Characters both configs change (compatibility
    ideographs such as U+F901 更) say nothing about the script and are left out of both sets.
    """
    chars = [chr(code) for start, end in _CJK_RANGES for code in range(start, end + 1)]
    joined = "\n".join(chars)
    to_simp = opencc_converter("t2s").convert(joined).split("\n")
    to_trad = opencc_converter("s2t").convert(joined).split("\n")
    if len(to_simp) != len(chars) or len(to_trad) != len(chars):  # pragma: no cover - OpenCC invariant
        raise RuntimeError("OpenCC changed the number of lines while converting single characters")
    trad = {ch for ch, out in zip(chars, to_simp, strict=True) if out != ch}
    simp = {ch for ch, out in zip(chars, to_trad, strict=True) if out != ch}
    both = trad & simp
    return frozenset(trad - both), frozenset(simp - both)


def write_script_tables(path: Path = SCRIPT_TABLES) -> None:
    """Write the sets built from the installed OpenCC to ``path`` (a file shipped in the package)."""
    trad, simp = build_script_chars()
    record = {
        "opencc": _opencc_version(),
        "traditional": "".join(sorted(trad)),
        "simplified": "".join(sorted(simp)),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(record, option=orjson.OPT_INDENT_2) + b"\n")


# ------------------------------------------------------------------------------------------ counting


def _ranges(chars: Iterable[str]) -> str:
    """The inside of a regex character class matching any of ``chars``, as runs of consecutive code
    points (a BMP-only class compiles to a fast bitmap)."""
    return _in_class(_runs(chars))


def _in_class(runs: list[tuple[int, int]]) -> str:
    """:func:`_ranges` of the characters in ``runs`` (:func:`_runs`)."""
    return "".join(_class_range(first, last) for first, last in runs)


def _others_in_class(runs: list[tuple[int, int]]) -> str:
    """The inside of a regex character class matching every code point but those in ``runs``
    (:func:`_runs`): ``[^...]`` written as the positive class of its complement (see :class:`_Script`)."""
    parts: list[str] = []
    start = 0
    for first, last in runs:
        if first > start:
            parts.append(_class_range(start, first - 1))
        start = last + 1
    if start <= sys.maxunicode:
        parts.append(_class_range(start, sys.maxunicode))
    return "".join(parts)


def _runs(chars: Iterable[str]) -> list[tuple[int, int]]:
    """The code points of ``chars`` as runs of consecutive ones: (first, last) in order."""
    runs: list[tuple[int, int]] = []
    codes = sorted(map(ord, chars))
    if not codes:
        return runs
    first = last = codes[0]
    for code in codes[1:]:
        if code != last + 1:
            runs.append((first, last))
            first = code
        last = code
    runs.append((first, last))
    return runs


def _class_range(first: int, last: int) -> str:
    """``first-last`` inside a regex class: characters as they are (cheaper to parse than escapes), but
    ASCII ones escaped (``]``, ``\\``, ``-`` and ``^`` mean something there)."""
    ends = [chr(code) if code > 0x7F else f"\\x{code:02x}" for code in (first, last)]
    return ends[0] if first == last else f"{ends[0]}-{ends[1]}"


_ASTRAL_CHARS = re.compile("[\U00010000-\U0010ffff]")
#: characters of a script counted per regex match (see :class:`_Script`)
_BLOCK = 32
#: size in bytes of a 4-byte-per-character string of length 0 as CPython lays it out (PEP 393), or None
#: where strings are not laid out so
_WIDE_BASE = sys.getsizeof("\U00010000") - 8 if sys.implementation.name == "cpython" else None


def _astral_chars(text: str) -> list[str]:
    """The characters of ``text`` beyond the BMP (few texts have any).

    Finding them costs a scan of the text (~2.5 ns a character, a quarter of counting a script), so
    CPython's layout answers first: a string takes 4 bytes a character only when it holds one of them.
    """
    if _WIDE_BASE is not None and sys.getsizeof(text) < _WIDE_BASE + 4 * (len(text) + 1):
        return []
    return _ASTRAL_CHARS.findall(text)


class _Script:
    """Counting one script's characters in a text, at the speed of the regex engine.

    A regex match costs far more than a character scanned (~80 ns against ~3 ns), so the characters are
    counted in blocks: one match of ``blocks`` takes up to 32 of them (and what lies between them), and
    only the last, shorter block is counted character by character. ``blocks`` starts with the class
    itself, outside any group, so that the regex engine finds where a match starts with its fast scan
    for a class. The class holds the script's BMP characters only: a BMP-only class compiles to a fast
    bitmap, and characters beyond the BMP are rare (see :func:`_astral_chars`). What lies between two of
    them, where nearly all the time goes, is matched by the positive class of every other code point
    rather than by ``[^...]``: the engine tests a character against it in one step instead of three
    (negate, bitmap, end), ~20% faster for the same matches.
    """

    def __init__(self, chars: frozenset[str], blocks: re.Pattern[str], single: re.Pattern[str]) -> None:
        """``blocks`` and ``single``: the patterns of :meth:`patterns`, compiled."""
        self.blocks, self.single = blocks, single
        self.astral = frozenset(ch for ch in chars if ch >= "\U00010000")

    @staticmethod
    def patterns(chars: frozenset[str]) -> tuple[str, str]:
        """The ``blocks`` and ``single`` patterns counting ``chars``."""
        bmp_chars = [ch for ch in chars if ch < "\U00010000"]
        if not bmp_chars:
            return "(?!)", "(?!)"
        runs = _runs(bmp_chars)
        bmp = _in_class(runs)
        one = f"[{bmp}][{_others_in_class(runs)}]*+"
        return f"{one}(?:{one}){{0,{_BLOCK - 1}}}+", f"[{bmp}]"

    def astral_count(self, astral: list[str]) -> int:
        return sum(ch in self.astral for ch in astral)

    def bmp_count(self, text: str, start: int = 0, end: int | None = None) -> int:
        """Its BMP characters in ``text[start:end]``."""
        blocks = self.blocks.findall(text, start, len(text) if end is None else end)
        return _BLOCK * (len(blocks) - 1) + len(self.single.findall(blocks[-1])) if blocks else 0

    def count_until(self, text: str, wanted: int, density: float) -> int:
        """Its BMP characters in a prefix of ``text`` holding ``wanted`` of them, else in all of it.

        Counts a prefix that should hold them at ``density`` (characters of this script per character),
        doubling it until enough are found or the text ends: a result below ``wanted`` is exact.
        """
        if wanted <= 0:
            return 0
        end = min(len(text), int(wanted / max(density, 1e-3) * 1.25) + 64)
        found = self.bmp_count(text, 0, end)
        while found < wanted and end < len(text):
            start, end = end, min(len(text), 2 * end)
            found += self.bmp_count(text, start, end)
        return found


@functools.cache
def _scripts() -> tuple[_Script, _Script]:
    """The two scripts' counters; their patterns compiled once a machine (:mod:`reader.kept_patterns`:
    compiling them costs ~30 ms, loading their compiled form ~1 ms; imported here: the app's start-up
    imports this module but detects no script)."""
    from reader.kept_patterns import compile_patterns

    tables = dict(zip(("traditional", "simplified"), _script_chars(), strict=True))
    sources = {}
    for name, chars in tables.items():
        sources[f"{name} blocks"], sources[f"{name} single"] = _Script.patterns(chars)
    compiled = compile_patterns(sources, "script-patterns")
    trad, simp = (
        _Script(chars, compiled[f"{name} blocks"], compiled[f"{name} single"])
        for name, chars in tables.items()
    )
    return trad, simp


def warm_up() -> None:
    """Build the tables and compile every regex now (once a process): before forking processes that
    detect scripts (``reader.heads``), so that they share them instead of each building its own."""
    _scripts()


def script_counts(text: str) -> tuple[int, int]:
    """(traditional-only, simplified-only) code points in ``text``, by OpenCC's character tables.

    Character by character rather than converting each text with OpenCC's phrase tables and comparing:
    that was five to ten times slower, too slow for listing 10,000 files, and on the seeds the counts
    agree within a few characters (e.g. 1873/41 vs 1875/44 for seed 000).
    """
    trad, simp = _scripts()
    astral = _astral_chars(text)
    return (
        trad.bmp_count(text) + trad.astral_count(astral),
        simp.bmp_count(text) + simp.astral_count(astral),
    )


def script_of_counts(trad: int, simp: int) -> str:
    """ "traditional" / "simplified" / "mixed" / "none" for the counts of :func:`script_counts`."""
    if trad == 0 and simp == 0:
        return "none"
    # A little of the other script is normal (台, 群, 里 in Traditional text; names, quotes, encoding
    # damage), so a script needs three times as many distinctive characters as the other to win.
    if trad >= DOMINANCE * simp:
        return "traditional"
    if simp >= DOMINANCE * trad:
        return "simplified"
    return "mixed"


#: where a text is sampled to guess which script is common in it: this many stretches, evenly spread
#: (an article may open with a quote, a name or boilerplate in the other script) ...
_GUESS_STRETCHES = 4
#: ... of this many characters each
_GUESS_CHARS = 64


def _sample(text: str) -> str:
    if len(text) <= _GUESS_STRETCHES * _GUESS_CHARS:
        return text
    step = (len(text) - _GUESS_CHARS) // (_GUESS_STRETCHES - 1)
    return "".join(text[i * step : i * step + _GUESS_CHARS] for i in range(_GUESS_STRETCHES))


def detect_script(text: str) -> str:
    """:func:`script_of_counts` of :func:`script_counts`, counting only what decides it.

    Counting costs time per character found, and in a text of one script the other is rare. So the
    script that is rarer in a sample of the text is counted exactly (``m``), and the common one only
    until there are ``3m`` of them: then it wins whatever the rest of the text holds. Only a text near
    the threshold (or whose sample misleads) is counted in full. The answer is always that of the full
    counts.
    """
    return detect_script_and_counts(text)[0]


def detect_script_and_counts(text: str) -> tuple[str, tuple[int, int] | None]:
    """:func:`detect_script`, and :func:`script_counts` when they were counted in full to decide (always
    for a "mixed" text; None when one script won early)."""
    trad, simp = _scripts()
    sample = _sample(text)
    sample_trad, sample_simp = trad.bmp_count(sample), simp.bmp_count(sample)
    common, rare = (trad, simp) if sample_trad >= sample_simp else (simp, trad)
    astral = _astral_chars(text)
    rare_count = rare.bmp_count(text) + rare.astral_count(astral)
    common_astral = common.astral_count(astral)
    wanted = max(DOMINANCE * rare_count, 1)
    density = max(sample_trad, sample_simp) / max(len(sample), 1)
    common_count = common_astral + common.count_until(text, wanted - common_astral, density)
    if common_count >= wanted:
        return ("traditional" if common is trad else "simplified"), None
    counts = (common_count, rare_count) if common is trad else (rare_count, common_count)
    return script_of_counts(*counts), counts
