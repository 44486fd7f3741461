"""The house rules that keep the code easy to change: no module over 500 lines, no function over 60.

Both limits are the engineering standard (docs/ARCHITECTURE.md, issue 9). A module that grows past its
limit is split along a seam (as the reading screen is a chain: ArticleScreen -> LayeredScreen ->
CorrectingScreen -> AnnotatingScreen -> ReadingScreen); a long function is split into steps with names.
Measured with ``ast`` on the source, so a failure lists every offender as ``file:line name length``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import reader

PACKAGE = Path(reader.__file__).parent
MODULE_LINES = 500
FUNCTION_LINES = 60
#: functions allowed to be longer, with why: only declarative tables (none today)
LONG_TABLES: dict[str, str] = {}


def _where(path: Path, package: Path) -> str:
    return f"src/reader/{path.relative_to(package).as_posix()}"


def long_modules(package: Path = PACKAGE, limit: int = MODULE_LINES) -> list[str]:
    """``file:1 <module> N`` for every module over `limit` lines."""
    found = []
    for path in sorted(package.rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > limit:
            found.append(f"{_where(path, package)}:1 <module> {lines}")
    return found


def long_functions(package: Path = PACKAGE, limit: int = FUNCTION_LINES) -> list[str]:
    """``file:line name N`` for every function (nested ones too) over `limit` lines, `def` to last line."""
    found = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            assert node.end_lineno is not None
            length = node.end_lineno - node.lineno + 1
            where = _where(path, package)
            if length > limit and f"{where}::{node.name}" not in LONG_TABLES:
                found.append(f"{where}:{node.lineno} {node.name} {length}")
    return found


def test_every_module_is_at_most_500_lines():
    offenders = long_modules()
    assert not offenders, "modules over 500 lines (split them along a seam):\n" + "\n".join(offenders)


def test_every_function_is_at_most_60_lines():
    offenders = long_functions()
    assert not offenders, "functions over 60 lines (split them into named steps):\n" + "\n".join(offenders)


def _write(path: Path, lines: list[str], total: int) -> None:
    path.write_text("".join(line + "\n" for line in lines + [""] * (total - len(lines))), encoding="utf-8")


def test_the_checks_report_each_offender_with_its_place(tmp_path: Path):
    """The measure itself: a 61-line method and a 501-line module are reported with file, line, name and
    length; a 60-line function in a 500-line module is not."""
    (tmp_path / "sub").mkdir()
    over = ["class Holder:", "    def too_long(self):", *[f"        x{i} = {i}" for i in range(60)]]
    _write(tmp_path / "sub" / "long.py", over, 501)
    at_limit = ["def fine():", *[f"    x{i} = {i}" for i in range(58)], "    return 0"]
    _write(tmp_path / "fine.py", at_limit, 500)
    assert long_functions(tmp_path) == ["src/reader/sub/long.py:2 too_long 61"]
    assert long_modules(tmp_path) == ["src/reader/sub/long.py:1 <module> 501"]
