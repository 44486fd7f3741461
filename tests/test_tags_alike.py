"""Every script: tags and titles honour the product's rule that 简 and 繁 are alike, and a tag filter keeps
sub-tags (the core side of the palette, panel, search and export filters, and of creating a tag)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from reader.export import build_export, render_bytes
from reader.search import CorpusSearch
from reader.tags import (
    contains_alike,
    find_equivalent_tag,
    fold_key,
    same_tag,
    tags_under,
    under,
    under_alike,
    unmatched_filters,
)
from reader.workspace import Workspace

TRAD = "002_ced27b30dc7015ea.txt"
SIMP = "001_8eaa32b1d9703bf4.txt"
NS = {"q": "urn:QDA-XML:project:1.0"}


# --- the matcher ---------------------------------------------------------------------------------


def test_fold_key_makes_scripts_case_and_full_width_forms_alike() -> None:
    assert fold_key("來源/官方") == fold_key("来源/官方") == "来源/官方"
    assert fold_key("小紅書") == fold_key("小红书")
    assert fold_key("TikTok") == fold_key("tiktok") == fold_key("ＴｉｋＴｏｋ")
    assert same_tag("框架/經濟", "框架/经济") and not same_tag("来源", "来源/官方")


def test_under_alike_keeps_sub_tags_in_any_script_and_nothing_else() -> None:
    assert under_alike("来源/官方", "來源") and under_alike("來源", "来源")
    assert under_alike("框架/社会", "框架") and under_alike("框架/經濟/贸易", "框架/经济")
    assert not under_alike("来源x", "来源") and not under_alike("来源", "来源/官方")
    # the exact rule used for renames, merges and deletes is untouched: a twin spelling is another tag
    assert not under("來源/官方", "来源")


def test_contains_alike_for_typed_filters_of_titles_and_tags() -> None:
    assert contains_alike("「TikTok難民」湧入小紅書", "小红书")  # the palette's "open article"
    assert contains_alike("框架/社会", "社會")  # the panel's tag filter
    assert contains_alike("框架/社会", "  ")  # an empty filter keeps everything
    assert not contains_alike("框架/经济", "社會")


def test_tags_under_and_unmatched_filters() -> None:
    in_use = ["来源", "来源/官方", "來源x", "框架/经济", "框架/社会"]
    assert tags_under(["來源"], in_use) == {"来源", "来源/官方"}
    assert tags_under(["框架"], in_use) == {"框架/经济", "框架/社会"}
    assert tags_under([" 來源/官方 "], in_use) == {"来源/官方"}
    assert unmatched_filters(["來源/官方", "無此", "框架"], in_use) == ["無此"]


def test_find_equivalent_tag_offers_the_spelling_in_use() -> None:
    in_use = ["来源", "框架/经济", "Framing"]
    assert find_equivalent_tag("來源", in_use) == "来源"
    assert find_equivalent_tag("  來源 ", in_use) == "来源"
    assert find_equivalent_tag("框架", in_use) is None  # a parent spelt as in use
    assert find_equivalent_tag("框架/經濟", in_use) == "框架/经济"
    assert find_equivalent_tag("來源/官方", in_use) == "来源/官方"  # under the parent as it is spelt
    assert find_equivalent_tag("框架/經濟/贸易", in_use) == "框架/经济/贸易"
    assert find_equivalent_tag("framing", in_use) == "Framing"
    assert find_equivalent_tag("来源", in_use) is None
    assert find_equivalent_tag("来源/官方", in_use) is None  # a new sub-tag of a tag spelt the same
    assert find_equivalent_tag("難民", in_use) is None
    # several alike in use: the first (most used) wins
    assert find_equivalent_tag("来源", ["來源", "来源"]) is None
    assert find_equivalent_tag("來源", ["来源", "來源"]) is None
    assert find_equivalent_tag("來源", ["來源/甲", "来源"]) is None


# --- export: the core filter -----------------------------------------------------------------------


@pytest.fixture
def tagged(workspace: Workspace) -> dict[str, str]:
    trad, simp = workspace.load(TRAD), workspace.load(SIMP)
    made = {
        "official": workspace.annotate(trad, 0, 5, tags=["来源/官方"]),
        "source": workspace.annotate(trad, 10, 15, tags=["來源"]),
        "economy": workspace.annotate(simp, 0, 5, tags=["框架/经济"]),
        "frame": workspace.annotate(simp, 10, 15, tags=["框架"]),
        "social": workspace.annotate(simp, 20, 25, tags=["框架/社會", "难民"]),
    }
    return {name: annotation.id for name, annotation in made.items()}


def exported(workspace: Workspace, *tags: str) -> set[str]:
    return {a["id"] for a in build_export(workspace, tags=tags)["annotations"]}


def test_export_tag_filter_keeps_sub_tags_and_ignores_script(workspace, tagged) -> None:
    assert exported(workspace, "來源/官方") == {tagged["official"]}
    assert exported(workspace, "来源") == {tagged["official"], tagged["source"]}
    assert exported(workspace, "框架") == {tagged["economy"], tagged["frame"], tagged["social"]}
    assert exported(workspace, "框架/社会") == {tagged["social"]}
    assert exported(workspace, "框架/經濟", "難民") == {tagged["economy"], tagged["social"]}
    assert exported(workspace, "框架/经") == set()  # a tag is a whole path part, not a prefix
    assert exported(workspace, "無此") == set()  # matching nothing exports nothing (never everything)


def test_qdpx_codebook_follows_the_same_filter(workspace, tagged) -> None:
    data = build_export(workspace, tags=["來源"])
    archive = zipfile.ZipFile(io.BytesIO(render_bytes(data, "qdpx", workspace=workspace, tags=["來源"])))
    etree = pytest.importorskip("lxml.etree")
    doc = etree.fromstring(archive.read("project.qde"))
    codes = {code.get("guid"): code.get("name") for code in doc.iter("{urn:QDA-XML:project:1.0}Code")}
    refs = [ref.get("targetGUID") for ref in doc.iter("{urn:QDA-XML:project:1.0}CodeRef")]
    assert len(refs) == 2 and all(ref in codes for ref in refs)  # every coding points at a listed code
    assert {"来源", "官方", "來源"} <= set(codes.values())


def test_cli_export_tag_in_the_other_script_and_a_filter_that_matches_nothing(run_reader, workspace, tagged):
    result = run_reader("export", "--tag", "來源/官方", check=True)
    assert [a["id"] for a in json.loads(result.stdout)["annotations"]] == [tagged["official"]]
    assert result.stderr == ""
    result = run_reader("export", "--tag", "框架", check=True)
    assert {a["id"] for a in json.loads(result.stdout)["annotations"]} == {
        tagged["economy"],
        tagged["frame"],
        tagged["social"],
    }
    result = run_reader("export", "--tag", "來源/官方", "--tag", "無此", "--format", "csv")
    assert result.returncode == 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "無此" in lines[0] and "no passage" in lines[0], result.stderr
    result = run_reader("export", "--tag", "框架", "--article", TRAD)
    assert json.loads(result.stdout)["annotations"] == []
    assert "--tag 框架: no passage in the chosen articles" in result.stderr


# --- corpus search's tag filter --------------------------------------------------------------------


def test_corpus_search_tag_filter_ignores_script(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "a.txt").write_text("甲文\n数据和软件,数据!\n", encoding="utf-8")
    workspace = Workspace(articles, tmp_path / "db")
    article = workspace.load("a.txt")
    workspace.annotate(article, 3, 8, tags=["来源/官方"])
    workspace.annotate(article, 9, 12, tags=["框架"])
    search = CorpusSearch(workspace)
    assert [h.start for h in search.search("数据", tags=["來源"])] == [3]
    assert [h.start for h in search.search("數據", tags=["來源/官方", "框架"])] == [3, 9]
    assert list(search.search("数据", tags=["來源/民間"])) == []
