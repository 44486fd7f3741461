"""Listing many articles stays linear: what a listing learnt is kept, and opening many articles in a row
does not rewrite the metadata cache after each one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

import reader.articles as articles
import reader.library as library_module
from reader.library import Library
from reader.scripts import script_counts

SIMPLIFIED = "这是一个关于数据和软件的报道，我们发现问题很多。"
TRADITIONAL = "這是一個關於資料與軟體的報導，我們發現問題很多。"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reads: list[str] = []
    head, whole = articles.read_head, articles.read_all

    def read_head(path: Path, limit: int) -> bytes:
        reads.append(Path(path).name)
        return head(path, limit)

    def read_all(path: Path):  # type: ignore[no-untyped-def]
        reads.append(Path(path).name)
        return whole(path)

    monkeypatch.setattr(articles, "read_head", read_head)
    monkeypatch.setattr(library_module, "read_all", read_all)
    return reads


def test_a_mixed_article_listed_whole_keeps_its_exact_script_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, cache = tmp_path / "articles", tmp_path / "cache"
    text = f"标题\n{SIMPLIFIED * 3}\n{TRADITIONAL * 3}\n"
    write(root / "mixed.txt", text)
    write(root / "simple.txt", f"标题\n{SIMPLIFIED * 5}\n")
    infos = {info.id: info for info in Library(root, cache).list()}
    assert infos["mixed.txt"].script == "mixed"
    assert infos["mixed.txt"].script_counts == script_counts(text)
    assert infos["simple.txt"].script_counts is None  # one script won: nothing to show a share of
    reads = count_reads(monkeypatch)
    again = Library(root, cache)  # a new process: from the metadata cache, no file read
    assert {info.id: info for info in again.list()} == infos and reads == []
    assert again.load("mixed.txt").info == infos["mixed.txt"]  # opening keeps them


def test_a_big_mixed_article_has_no_counts_from_its_head(tmp_path: Path) -> None:
    root = tmp_path / "articles"
    write(root / "big.txt", "标题\n" + f"{SIMPLIFIED * 3}\n{TRADITIONAL * 3}\n" * 100)
    [info] = Library(root).list()
    assert info.script == "mixed" and not info.chars_exact and info.script_counts is None


def test_opening_many_articles_writes_the_cache_at_most_once_a_second(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, cache = tmp_path / "articles", tmp_path / "cache"
    for n in range(40):
        write(root / f"{n:02d}.txt", f"第{n}篇\n{SIMPLIFIED}\n")
    library = Library(root, cache)
    library.list()
    writes: list[int] = []
    save = library._save_cache
    monkeypatch.setattr(library, "_save_cache", lambda: (writes.append(1), save())[1])
    monkeypatch.setattr(library_module.time, "monotonic", lambda: 1000.0)  # all within the same second
    for n in range(40):
        write(root / f"{n:02d}.txt", f"第{n}篇\n{SIMPLIFIED}{n}\n")  # changed: each load learns something
        library.load(f"{n:02d}.txt")
    assert len(writes) <= 1


def test_what_opening_learnt_is_written_when_the_process_ends(tmp_path: Path) -> None:
    root, cache = tmp_path / "articles", tmp_path / "cache"
    for n in range(5):
        write(root / f"{n}.txt", "标题\n" + ("一段中文。" * 40 + "\n") * 200)  # bigger than a head
    code = (
        "import sys; from pathlib import Path; from reader.library import Library; "
        "lib = Library(Path(sys.argv[1]), Path(sys.argv[2])); lib.list(); "
        "[lib.load(f'{n}.txt') for n in range(5)]"
    )
    subprocess.run([sys.executable, "-c", code, str(root), str(cache)], check=True)
    infos = Library(root, cache).list()
    assert [info.chars_exact for info in infos] == [True] * 5


def test_the_table_of_reader_list_reads_only_heads_and_json_adds_the_shares(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A big mixed article's shares need its whole text: only `reader list --json` shows them, so only it
    reads the whole file (the table read every big mixed article whole for a column it does not have)."""
    from reader.cli import main

    root, db = tmp_path / "articles", tmp_path / "db"
    write(root / "big.txt", "标题\n" + f"{SIMPLIFIED * 3}\n{TRADITIONAL * 3}\n" * 100)
    reads = count_reads(monkeypatch)
    assert main(["list", "--articles", str(root), "--db", str(db)]) == 0
    assert "big.txt" in capsys.readouterr().out and reads == ["big.txt"]  # its head
    assert main(["list", "--json", "--articles", str(root), "--db", str(db)]) == 0
    [row] = orjson.loads(capsys.readouterr().out)
    assert reads == ["big.txt", "big.txt"] and set(row["shares"]) == {"traditional", "simplified"}


def test_a_cold_listing_leaves_out_a_file_removed_after_the_walk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no cache, a file is stat'ed when it is read (reader.heads), not in the walk: one removed in
    between is not listed (as one removed before the walk), nothing fails, and a later listing agrees."""
    root = tmp_path / "articles"
    for name in ("a", "b", "c"):
        write(root / f"{name}.txt", f"{name}\n{SIMPLIFIED}\n")
    real = library_module.describe_heads

    def remove_b_first(todo):  # type: ignore[no-untyped-def]
        (root / "b.txt").unlink()
        return real(todo)

    monkeypatch.setattr(library_module, "describe_heads", remove_b_first)
    library = Library(root, tmp_path / "cache")
    listed = library.list()
    assert [(info.id, info.error) for info in listed] == [("a.txt", None), ("c.txt", None)]
    monkeypatch.setattr(library_module, "describe_heads", real)
    assert Library(root, tmp_path / "cache").list() == listed
