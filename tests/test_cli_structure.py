"""`reader show`, `reader correct`, `reader list --json` figures and `--body-only`, run for real."""

from __future__ import annotations

import json

from conftest import SEEDS
from reader.sanitise import normalise

APPENDED_000 = "000_7bd28feb70503cb0.txt"
DAMAGED_003 = "003_354cf6c445f5e220.txt"


def test_show_json_has_title_body_regions_damage_and_repairs(run_reader) -> None:
    shown = json.loads(run_reader("show", DAMAGED_003, "--json", check=True).stdout)
    assert shown["id"] == DAMAGED_003 and shown["chars"] == 5017
    assert shown["title_span"] is None and shown["title"].startswith("近期")
    assert shown["body"] == {"start": 0, "end": 4940, "chars": 4940}
    assert [r["kind"] for r in shown["regions"]] == ["metadata"]
    text = normalise((SEEDS / DAMAGED_003).read_text(encoding="utf-8"))
    damage = shown["damage"]
    assert len(damage) == 209 and {d["kind"] for d in damage} == {"pinyin", "garbled", "lost"}
    first = damage[0]
    assert text[first["start"] : first["end"]] == "區(qū)" and first["repair"] == "區"
    assert any(d["repair"] == "地時" and text[d["start"] : d["end"]] == "?shù)貢r" for d in damage)
    repaired = run_reader("show", DAMAGED_003, "--repaired", check=True).stdout
    assert "地區App Store" in repaired and "當地時間1月21日" in repaired
    human = run_reader("show", APPENDED_000, check=True).stdout
    assert "region    appended" in human and "title     年輕人到底為何熱愛TikTok" in human


def test_list_json_counts_body_damage_and_regions(run_reader) -> None:
    rows = {r["id"]: r for r in json.loads(run_reader("list", "--json", check=True).stdout)}
    assert rows[DAMAGED_003]["damage"] == 209 and rows[DAMAGED_003]["appended"] is False
    assert rows[APPENDED_000]["appended"] is True and rows[APPENDED_000]["regions"] == 15
    assert rows[APPENDED_000]["body_chars"] < rows[APPENDED_000]["chars"] * 0.6
    assert rows["001_8eaa32b1d9703bf4.txt"]["detected_title"] == "TikTok海外关停:危机背后的深层剖析与未来走向"
    assert rows["001_8eaa32b1d9703bf4.txt"]["title"].startswith("推广")  # the first line, as before
    assert all(r["damage"] == 0 for key, r in rows.items() if key != DAMAGED_003)


def test_search_body_only_leaves_out_the_appended_article(run_reader) -> None:
    every = run_reader("search", "数据", "--json", check=True).stdout.splitlines()
    body = run_reader("search", "数据", "--json", "--body-only", check=True).stdout.splitlines()
    in_000 = [json.loads(line) for line in every if json.loads(line)["article_id"] == APPENDED_000]
    body_000 = [json.loads(line) for line in body if json.loads(line)["article_id"] == APPENDED_000]
    assert sum(hit["match"] == "資料" for hit in in_000) == 15
    assert not any(hit["match"] == "資料" for hit in body_000)
    assert 0 < len(body) < len(every)
    # what is left out can still be found when asked: without --body-only
    assert len(in_000) > len(body_000)


def test_export_body_only_and_a_correction_that_survives_restarts(run_reader) -> None:
    run_reader("annotate", APPENDED_000, "--quote", "往下滑看下一篇文章", "--tag", "噪音", check=True)
    run_reader("annotate", APPENDED_000, "--quote", "俘獲Z世代", "--tag", "正文", check=True)
    data = json.loads(run_reader("export", "--body-only", check=True).stdout)
    assert [a["tags"] for a in data["annotations"]] == [["正文"]]
    everything = json.loads(run_reader("export", check=True).stdout)
    assert len(everything["annotations"]) == 2
    # the user says the 俘獲Z世代 heading is not the article: a later process still knows it
    correction = run_reader(
        "correct", APPENDED_000, "--not-article", "--quote", "俘獲Z世代", "--kind", "related", check=True
    ).stdout.strip()
    assert len(correction) == 32
    data = json.loads(run_reader("export", "--body-only", check=True).stdout)
    assert data["annotations"] == [] and data["articles"] == []
    shown = json.loads(run_reader("show", APPENDED_000, "--json", check=True).stdout)
    assert any(r["source"] == "correction" and r["kind"] == "related" for r in shown["regions"])
    assert run_reader("correct", APPENDED_000, check=True).stdout.startswith(correction)
    assert run_reader("correct", APPENDED_000, "--remove", correction, check=True).stdout.strip() == (
        f"removed {correction}"
    )
    data = json.loads(run_reader("export", "--body-only", check=True).stdout)
    assert [a["tags"] for a in data["annotations"]] == [["正文"]]


def test_correct_mistakes_are_one_line(run_reader) -> None:
    result = run_reader("correct", APPENDED_000, "--not-article", "--quote", "不存在的句子")
    assert result.returncode == 2 and "not found" in result.stderr and "Traceback" not in result.stderr
    result = run_reader("correct", APPENDED_000, "--not-article", "--start", "5", "--end", "999999")
    assert result.returncode == 2 and "not a passage" in result.stderr
    result = run_reader("show", "no-such.txt")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
