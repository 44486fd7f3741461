"""One bad file never blocks the rest; read-only and full disks: real `reader` commands on such databases."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

TRAD_SEED = "002_ced27b30dc7015ea.txt"
SIMP_SEED = "001_8eaa32b1d9703bf4.txt"


def _annotate_two(run_reader) -> None:
    run_reader("annotate", SIMP_SEED, "--quote", "字节跳动", "--occurrence", "1", "--tag", "公司", check=True)
    run_reader("annotate", TRAD_SEED, "--quote", "一名接近该公司人士透露", "--tag", "来源", check=True)


def _article_files(db_dir: Path, article_id: str) -> list[Path]:
    from reader.store import AnnotationStore

    with AnnotationStore(db_dir, coder=os.environ.get("READER_CODER")) as store:  # the CLI's coder
        snapshot = store.file_for(article_id)
    return [p for p in (snapshot, snapshot.with_suffix(".log")) if p.exists()]


def _one_line(stderr: str, *fragments: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr
    assert any(all(f in line for f in fragments) for line in lines), stderr


@pytest.mark.parametrize("damage", ["garbage", "unreadable"])
def test_a_damaged_annotation_file_is_named_and_blocks_nothing_else(run_reader, db_dir, damage) -> None:
    _annotate_two(run_reader)
    (log,) = _article_files(db_dir, SIMP_SEED)
    if damage == "garbage":
        log.write_bytes(b"not a change log\nat all\n")
    else:  # unreadable even for root: the file is now a folder
        log.unlink()
        log.mkdir()

    listed = run_reader("list", "--json", check=True)
    rows = {r["id"]: r for r in json.loads(listed.stdout)}
    assert str(log) in rows[SIMP_SEED]["error"] and rows[TRAD_SEED]["error"] is None
    assert rows[TRAD_SEED]["annotations"] == 1
    table = run_reader("list", check=True).stdout
    assert str(log) in next(line for line in table.splitlines() if line.startswith(SIMP_SEED))

    exported = run_reader("export")
    assert exported.returncode == 2
    assert [a["article_id"] for a in json.loads(exported.stdout)["annotations"]] == [TRAD_SEED]
    _one_line(exported.stderr, "left out of the export", str(log))
    other = run_reader("export", "--article", TRAD_SEED)
    assert other.returncode == 0 and len(json.loads(other.stdout)["annotations"]) == 1

    assert run_reader("search", "公司", check=True).stdout
    tags = run_reader("tags", check=True)
    assert "来源" in tags.stdout
    _one_line(tags.stderr, "warning", str(log))
    if damage == "garbage":
        assert log.read_bytes() == b"not a change log\nat all\n"


def test_a_damaged_codebook_blocks_neither_export_nor_tags(run_reader, db_dir) -> None:
    _annotate_two(run_reader)
    run_reader("tags", "color", "来源", "red", check=True)
    (db_dir / "codebook.json").write_bytes(b"{broken")
    assert len(json.loads(run_reader("export", check=True).stdout)["annotations"]) == 2
    tags = run_reader("tags", check=True)
    assert "来源" in tags.stdout
    _one_line(tags.stderr, "codebook.json")
    assert (db_dir / "codebook.json").read_bytes() == b"{broken"


# --------------------------------------------------------------------- read-only and full file systems


@contextmanager
def _tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode(errors='replace').strip()})")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _remount_read_only(where: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)


@pytest.mark.slow
def test_read_only_database_and_articles_still_list_export_search_and_convert(
    run_reader, seeds_dir, db_dir, tmp_path
):
    _annotate_two(run_reader)
    run_reader("tags", "color", "来源", "red", check=True)
    with _tmpfs(tmp_path / "ro", "64m") as ro:
        shutil.copytree(db_dir, ro / "db")
        shutil.copytree(seeds_dir, ro / "articles")
        _remount_read_only(ro)
        env = {"READER_DB": str(ro / "db"), "READER_ARTICLES": str(ro / "articles")}
        listed = json.loads(run_reader("list", "--json", env=env, check=True).stdout)
        assert {r["id"]: r["annotations"] for r in listed}[TRAD_SEED] == 1
        assert len(json.loads(run_reader("export", env=env, check=True).stdout)["annotations"]) == 2
        assert run_reader("search", "公司", env=env, check=True).stdout
        assert "来源" in run_reader("tags", env=env, check=True).stdout
        assert run_reader("convert", SIMP_SEED, "--to", "traditional", env=env, check=True).stdout
        refused = run_reader("annotate", SIMP_SEED, "--start", "1", "--end", "3", "--tag", "x", env=env)
        assert refused.returncode != 0
        _one_line(refused.stderr, "read-only")


def _filled(where: Path) -> Path:
    """Fill the file system at ``where`` to the last byte; returns the filler file."""
    filler = where / "filler"
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
        try:
            while True:
                f.write(b"\0")
                f.flush()
        except OSError:
            pass
    return filler


@pytest.mark.slow
def test_a_full_disk_during_import_and_rename_changes_nothing_and_says_so(run_reader, seeds_dir, tmp_path):
    with _tmpfs(tmp_path / "small", "4m") as small:
        db = small / "db"
        env = {"READER_DB": str(db)}
        run_reader(
            "annotate",
            SIMP_SEED,
            "--quote",
            "字节跳动",
            "--occurrence",
            "1",
            "--tag",
            "公司",
            env=env,
            check=True,
        )
        run_reader(
            "annotate", TRAD_SEED, "--quote", "一名接近该公司人士透露", "--tag", "公司", env=env, check=True
        )
        data = json.loads(run_reader("export", env=env, check=True).stdout)
        before = data["annotations"]
        big = [
            {**a, "id": str(uuid.uuid4()), "note": "长" * 2000}
            for a in data["annotations"]
            for _ in range(400)
        ]
        data["annotations"] = before + big
        (tmp_path / "big.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        filler = _filled(small)
        os.truncate(filler, max(0, filler.stat().st_size - 900_000))  # room for a part of the import only

        failed = run_reader("import", str(tmp_path / "big.json"), env=env)
        assert failed.returncode != 0
        _one_line(failed.stderr, "nothing was changed")
        assert json.loads(run_reader("export", env=env, check=True).stdout)["annotations"] == before

        filler.unlink()
        filler = _filled(small)
        renamed = run_reader("tags", "rename", "公司", "company", env=env)
        assert renamed.returncode != 0
        _one_line(renamed.stderr, "nothing was changed")
        assert json.loads(run_reader("export", env=env, check=True).stdout)["annotations"] == before
        assert run_reader("list", env=env).returncode == 0  # still usable while the disk is full

        filler.unlink()
        run_reader("tags", "rename", "公司", "company", env=env, check=True)
        after = json.loads(run_reader("export", env=env, check=True).stdout)
        assert {tuple(a["tags"]) for a in after["annotations"]} == {("company",)}


@pytest.mark.parametrize("bad", ["a//b", "/lead", "trail/", "/"])
def test_malformed_tags_are_refused_by_the_command_line(run_reader, bad) -> None:
    refused = run_reader("annotate", SIMP_SEED, "--start", "1", "--end", "4", "--tag", bad)
    assert refused.returncode == 2
    _one_line(refused.stderr, "empty part")
    for args in (("tags", "create", bad), ("tags", "rename", "公司", bad)):
        result = run_reader(*args)
        assert result.returncode == 2, args
        _one_line(result.stderr, "empty part")
