"""The library's folded titles (简体, case-folded: its sort and filter) are remembered between runs, so a
start-up whose titles are known builds no converter before its first paint."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from reader.convert import Converter
from reader.title_folds import CACHE_FILE, TitleFolds

TITLES = ["年輕人到底為何熱愛TikTok", "TikTok風波下小紅書", "ABC 新聞"]


class Counting:
    def __init__(self) -> None:
        self.made = 0
        self.converter = Converter()

    def __call__(self) -> Converter:
        self.made += 1
        return self.converter


def test_known_titles_are_folded_from_the_cache_without_a_converter(tmp_path: Path) -> None:
    first = Counting()
    folds = TitleFolds(tmp_path, first)
    want = folds.fold(TITLES)
    assert want == {t: first.converter.convert(t, "simplified").casefold() for t in TITLES}
    assert want["TikTok風波下小紅書"] == "tiktok风波下小红书"
    folds.save()
    again = Counting()
    assert TitleFolds(tmp_path, again).fold(TITLES) == want
    assert again.made == 0
    assert TitleFolds(tmp_path, again).fold([*TITLES, "新標題"])["新標題"] == "新标题"
    assert again.made == 1


def test_a_change_of_the_user_s_corrections_folds_them_again(tmp_path: Path) -> None:
    folds = TitleFolds(tmp_path, Counting())
    folds.fold(TITLES)
    folds.save()
    (tmp_path / "overrides.json").write_text("[]", encoding="utf-8")  # the corrections to the views changed
    again = Counting()
    TitleFolds(tmp_path, again).fold(TITLES)
    assert again.made > 0


def test_a_damaged_cache_is_folded_again_and_only_this_run_s_titles_are_kept(tmp_path: Path) -> None:
    cache = tmp_path / "local" / "cache" / CACHE_FILE
    cache.parent.mkdir(parents=True)
    cache.write_bytes(b"{not json")
    folds = TitleFolds(tmp_path, Counting())
    assert folds.fold(TITLES[:1]) == {TITLES[0]: "年轻人到底为何热爱tiktok"}
    folds.save()
    assert TITLES[0] in cache.read_text(encoding="utf-8") and TITLES[1] not in cache.read_text(
        encoding="utf-8"
    )


SCRIPT = """
import asyncio, os, sys
from pathlib import Path
from reader.app import ReaderApp
from reader.workspace import Workspace

async def main():
    app = ReaderApp(Workspace(Path(sys.argv[1]), Path(sys.argv[2])))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        print("converter before the first paint:", "reader.convert" in sys.modules)
        await asyncio.sleep(float(sys.argv[3]))  # the library's facts worker saves new folds

asyncio.run(main())
"""


def test_a_start_up_with_known_titles_imports_no_converter_before_its_first_paint(
    seeds_dir: Path, db_dir: Path
) -> None:
    env = {**os.environ, "READER_CODER": "tester", "TEXTUAL_ANIMATIONS": "none"}

    def start(wait: float) -> str:
        run = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(seeds_dir), str(db_dir), str(wait)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr[-2000:]
        return run.stdout

    assert "before the first paint: True" in start(3.0)  # the first start folds them (and keeps them)
    assert (db_dir / "local" / "cache" / CACHE_FILE).exists()
    assert "before the first paint: False" in start(0.0)
