"""The core never imports textual: it must stay usable (and testable) without the UI."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import reader

PACKAGE = Path(reader.__file__).parent
# cli imports the app lazily, only to run it
UI_PARTS = {
    "app.py",
    "__main__.py",
    "cli",
    "screens",
    "widgets",
}  # cli imports the app lazily, only to run it


def core_modules() -> list[Path]:
    """Every module of the package, sub-packages included, except the UI and the command line."""
    return sorted(p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).parts[0] not in UI_PARTS)


def imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_modules_exist():
    names = {p.relative_to(PACKAGE).with_suffix("").as_posix() for p in core_modules()}
    assert {
        "articles",
        "convert/views",
        "anchoring",
        "store/store",
        "export",
        "workspace",
        "formats/w3c",
    } <= names


def test_no_core_module_imports_textual_or_the_ui():
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(
            n
            for n in imported_names(path)
            if n.split(".")[0] == "textual"
            or n.startswith(("reader.screens", "reader.widgets", "reader.app"))
        )
        for path in core_modules()
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_cli_core_commands_run_without_loading_textual():
    code = (
        "import sys; from reader import cli, workspace, export, articles, convert, store, anchoring; "
        "cli.build_parser(); print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
