"""The README says why each dependency earns its place and credits CC-CEDICT (its licence asks for it).

A merge once dropped half of the dependency table, the credits and the development notes without a test
noticing: this one would have.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: tools that only check the code (their role is in "Development"), not libraries the reader uses
CHECKERS = {"ruff", "mypy", "import-linter"}


def _section(title: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n## {title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[ ;]", r, maxsplit=1)[0] for r in requirements}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_dependency_has_a_row_that_says_why() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = _names(project["dependencies"]) | (_names(project["optional-dependencies"]["test"]) - CHECKERS)
    table = _normal(_section("Dependencies, and why"))
    missing = sorted(name for name in wanted if _normal(name) not in table)
    assert not missing, f"README 'Dependencies, and why' does not mention: {', '.join(missing)}"


def test_cc_cedict_is_credited_with_its_licence() -> None:
    credits = _section("Credits")
    assert "CC-CEDICT" in credits and "CC BY-SA" in credits


def test_the_readme_keeps_its_benchmarks_and_development_notes() -> None:
    assert "python benchmarks/run.py" in _section("Benchmarks")
    assert "ruff check" in _section("Development")
