"""Shared by the word, reading and dictionary tests: one CC-CEDICT index per test session.

Building the index costs ~1 s; every test database gets a symlink to the session's copy instead
(``install_dictionary``), which is exactly what a second run of the app finds in ``<db>/cache``.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def dictionary_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from reader.dictionary import Dictionary

    folder = tmp_path_factory.mktemp("cedict")
    Dictionary(folder).prepare()
    (index,) = folder.glob("cedict-*.sqlite")
    return index


def install_dictionary(index: Path, db: Path) -> None:
    target = db / "local" / "cache" / "dictionary"
    target.mkdir(parents=True, exist_ok=True)
    link = target / index.name
    if not link.exists():
        link.symlink_to(index)


def write_articles(folder: Path, articles: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in articles.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder
