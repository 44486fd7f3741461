"""User corrections to the views (reader.convert.overrides) and the commands around views.

An override changes the view, search and export consistently, survives a restart, can be undone, and
keeps the offset maps exact. `reader convert --from/--phrases` runs OpenCC's reference cases per config.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from reader.cli import main
from reader.convert import Converter, OverrideList, check_override
from reader.errors import UsageError
from reader.export import build_export
from reader.search import CorpusSearch, find_in_text
from reader.workspace import Workspace

DATA = Path(__file__).resolve().parent / "data"
A004 = "004_b2f79115014bf41b.txt"  # Simplified: its 菜单 reads 選單 in 臺灣
A002 = "002_ced27b30dc7015ea.txt"  # Taiwanese: 過度干預


def test_an_override_changes_view_search_and_export_survives_a_restart_and_can_be_undone(
    seeds_dir: Path, db_dir: Path
) -> None:
    ws = Workspace(seeds_dir, db_dir)
    article = ws.load(A004)
    before = ws.view(article, "taiwan")
    assert "選單" in before.text and "功能表" not in before.text
    ws.converter.overrides.add(check_override("taiwan", "菜单", "功能表"))

    after = ws.view(article, "taiwan")
    at = article.text.index("菜单")
    vs, ve = after.offsets.range_to_view(at, at + 2)
    assert after.text[vs:ve] == "功能表"  # one longer: the map knows
    assert after.offsets.range_to_original(vs, ve) == (at, at + 2)
    assert ("菜单", "功能表") in {(s.source, s.text) for s in after.overridden}
    assert "選單" not in {s.text for s in after.phrases}

    # search: the view's word finds the article; export's Taiwan text has it
    assert find_in_text(article.text, "功能表", ws.converter)
    hits = list(CorpusSearch(ws).search("功能表"))
    assert any(h.article_id == A004 for h in hits)
    ws.annotate(article, at, at + 2, tags=["菜单"])
    exported = build_export(ws, view="taiwan")
    (record,) = exported["annotations"]
    assert record["text"] == "功能表" and record["quote"] == "菜单"

    # a restart (a new workspace on the same folder) still applies it; removing it undoes it
    again = Workspace(seeds_dir, db_dir)
    assert "功能表" in again.view(again.load(A004), "taiwan").text
    again.converter.overrides.remove("taiwan", "菜单")
    assert again.view(again.load(A004), "taiwan").text == before.text
    assert ws.view(article, "taiwan").text == before.text  # the other copy sees the file change


def test_an_article_override_wins_over_the_corpus_one(tmp_path: Path) -> None:
    overrides = OverrideList(tmp_path)
    overrides.add(check_override("taiwan", "干預", "幹預"))
    overrides.add(check_override("taiwan", "干預", "干預", article=A002))
    assert [o.target for o in overrides.for_view("taiwan", A002)] == ["干預"]
    assert [o.target for o in overrides.for_view("taiwan", "other.txt")] == ["幹預"]
    assert overrides.for_view("hongkong", A002) == ()


def test_override_input_is_checked(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="view"):
        check_override("original", "a", "b")
    with pytest.raises(UsageError, match="space"):
        check_override("taiwan", "a b", "c")
    with pytest.raises(UsageError, match="empty"):
        check_override("taiwan", " ", "c")
    with pytest.raises(UsageError, match="no override"):
        OverrideList(tmp_path).remove("taiwan", "菜单")


def test_a_broken_override_file_is_reported_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "overrides.json").write_text("{not json", encoding="utf-8")
    converter = Converter(overrides=OverrideList(tmp_path))
    with pytest.raises(Exception, match=r"overrides.json: not a readable override list"):
        converter.convert("菜单", "taiwan")
    assert (tmp_path / "overrides.json").read_text(encoding="utf-8") == "{not json"


def test_overrides_command(run_reader, seeds_dir: Path) -> None:
    assert "過度干預" in run_reader("convert", A002, "--to", "taiwan", check=True).stdout
    added = run_reader("overrides", "add", "干預", "幹預", "--view", "taiwan", check=True)
    assert "干預 -> 幹預" in added.stdout
    assert "過度幹預" in run_reader("convert", A002, "--to", "taiwan", check=True).stdout
    listed = json.loads(run_reader("overrides", "list", "--json", check=True).stdout)
    assert listed == [{"view": "taiwan", "source": "干預", "target": "幹預", "article": ""}]
    assert "干預" in run_reader("overrides", check=True).stdout
    run_reader("overrides", "remove", "干預", "--view", "taiwan", check=True)
    assert "過度干預" in run_reader("convert", A002, "--to", "taiwan", check=True).stdout
    bad = run_reader("overrides", "add", "干預", "x\x1b[2J", "--view", "taiwan")
    assert bad.returncode == 2 and "\x1b" not in bad.stderr and bad.stderr.count("\n") == 1


def test_list_json_gives_the_script_shares_of_mixed_articles(run_reader, seeds_dir: Path) -> None:
    (seeds_dir / "mixed.txt").write_text(
        "這款軟體的用戶數據很多。\n这个软件的用户数据很多。\n", encoding="utf-8"
    )
    rows = {row["id"]: row for row in json.loads(run_reader("list", "--json", check=True).stdout)}
    assert rows["mixed.txt"]["script"] == "mixed"
    shares = rows["mixed.txt"]["shares"]
    assert set(shares) == {"traditional", "simplified"} and abs(sum(shares.values()) - 1) < 0.01
    assert "shares" not in rows[A002]


# ------------------------------------------------------------------------------------------ reference cases

#: the OpenCC configs and how `reader convert` names them
CLI_REQUESTS = {
    "t2s": ("traditional", "simplified", None),
    "t2tw": ("traditional", "taiwan", None),
    "t2hk": ("traditional", "hongkong", None),
    "tw2s": ("taiwan", "simplified", "off"),
    "tw2sp": ("taiwan", "simplified", "on"),
    "hk2s": ("hongkong", "simplified", None),
}


def _cases_by_config() -> dict[str, list[tuple[str, str]]]:
    data = json.loads((DATA / "opencc-testcases.json").read_text(encoding="utf-8"))
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for case in data["cases"]:
        for config, expected in case["expected"].items():
            if config in CLI_REQUESTS:
                found[config].append((case["input"], expected))
    return found


@pytest.mark.parametrize("config", sorted(CLI_REQUESTS))
def test_reader_convert_passes_opencc_reference_cases(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = _cases_by_config()[config]
    assert cases
    source, view, phrases = CLI_REQUESTS[config]
    # one case per line: OpenCC never matches across a newline, so this is each case on its own
    path = tmp_path / f"{config}.txt"
    path.write_text("\n".join(text for text, _ in cases) + "\n", encoding="utf-8")
    argv = ["--articles", str(tmp_path / "none"), "--db", str(tmp_path / "db"), "convert", str(path)]
    argv += ["--from", source, "--to", view] + (["--phrases", phrases] if phrases else [])
    assert main(argv) == 0
    got = capsys.readouterr().out.split("\n")
    for (text, expected), line in zip(cases, got, strict=False):
        assert line == expected, text
    assert len(got) == len(cases) + 1


def test_an_override_of_the_simplified_view_does_not_change_what_search_matches(
    seeds_dir: Path, db_dir: Path
) -> None:
    # Folding for search is OpenCC's t2s itself: an override made after the corpus index was built must
    # not make the index (folded without it) and the query (folded with it) disagree.
    (seeds_dir / "praise.txt").write_text("這款軟體很好用\n", encoding="utf-8")
    ws = Workspace(seeds_dir, db_dir)
    assert [h.article_id for h in CorpusSearch(ws).search("好用")] == ["praise.txt"]
    ws.converter.overrides.add(check_override("simplified", "好用", "难用"))
    assert ws.view(ws.load("praise.txt"), "simplified").text == "这款软体很难用\n"
    assert [h.article_id for h in CorpusSearch(ws).search("好用")] == ["praise.txt"]
    text = "這款軟體很好用"
    assert [text[m.start : m.end] for m in find_in_text(text, "好用", ws.converter)] == ["好用"]
