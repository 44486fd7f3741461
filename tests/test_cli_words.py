"""`reader gloss`, `reader words` and `reader search --word`, through the real console script."""

from __future__ import annotations

import json

import pytest

from _words import dictionary_index, install_dictionary, write_articles  # noqa: F401  (fixture)


@pytest.fixture
def reader(run_reader, db_dir, dictionary_index):  # noqa: F811
    install_dictionary(dictionary_index, db_dir)
    return run_reader


def test_gloss_prints_words_readings_and_definitions(reader):
    result = reader("gloss", "熱潮恐曇花一現，重庆", check=True)
    lines = result.stdout.splitlines()
    assert lines[0] == "熱潮  rè cháo"
    assert "曇花一現  tán huā yī xiàn" in lines
    assert any(
        "曇花一現 / 昙花一现  [tán huā yī xiàn]" in line and "flash in the pan" in line for line in lines
    )
    assert "重庆  chóng qìng" in lines


def test_gloss_json_for_scripts(reader):
    result = reader("gloss", "--json", "昙花一现了", check=True)
    data = json.loads(result.stdout)
    assert [w["word"] for w in data["words"]] == ["昙花一现", "了"]
    first = data["words"][0]
    assert first["reading"] == "tán huā yī xiàn"
    assert first["entries"][0]["traditional"] == "曇花一現"
    assert first["entries"][0]["pinyin_numbered"] == "tan2 hua1 yi1 xian4"
    assert {e["pinyin"] for e in data["words"][1]["entries"]} >= {"le", "liǎo"}


def test_gloss_jyutping_and_a_word_not_in_the_dictionary(reader):
    result = reader("gloss", "--json", "--reading", "jyutping", "香港", check=True)
    assert json.loads(result.stdout)["words"][0]["reading"] == "hoeng1 gong2"
    unknown = json.loads(reader("gloss", "--json", "美国用户", check=True).stdout)["words"]
    assert [w["word"] for w in unknown] == ["美国", "用户"]


def test_gloss_never_writes_control_sequences(reader):
    result = reader("gloss", "数据\x1b]0;pwned\x07\x1b[2J", check=True)
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    data = reader("gloss", "--json", "数据\x9b31m", check=True).stdout
    assert "\x9b" not in data and json.loads(data)["text"] == "数据\ufffd31m"  # normalised like an article


def test_gloss_outside_a_project_keeps_its_index_in_the_user_cache(reader, tmp_path, dictionary_index):  # noqa: F811
    cache = tmp_path / "xdg"
    (cache / "reader" / "dictionary").mkdir(parents=True, exist_ok=True)
    link = cache / "reader" / "dictionary" / dictionary_index.name
    if not link.exists():
        link.symlink_to(dictionary_index)
    result = reader(
        "gloss", "数据", env={"READER_ARTICLES": str(tmp_path / "nowhere"), "XDG_CACHE_HOME": str(cache)}
    )
    assert result.returncode == 0, result.stderr
    assert "shù jù" in result.stdout
    assert not (tmp_path / "nowhere").exists()


def test_gloss_mistakes_are_one_line(reader):
    result = reader("gloss", "  ")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "nothing to gloss" in result.stderr


def test_words_merges_scripts_and_prints_json(reader, seeds_dir):
    result = reader("words", "--json", "--limit", "0", check=True)
    rows = {r["word"]: r for r in json.loads(result.stdout)}
    assert set(rows["数据"]["forms"]) == {"数据", "數據"}
    assert rows["数据"]["count"] == sum(rows["数据"]["forms"].values())
    assert "的" not in rows
    table = reader("words", "--limit", "3", check=True).stdout.splitlines()
    assert len(table) == 3 and table[0].split()[1] == "tiktok"


def test_words_for_an_article_a_tag_and_user_words(reader, seeds_dir, db_dir):
    one = json.loads(
        reader("words", "--json", "--limit", "0", "--article", "002_ced27b30dc7015ea.txt", check=True).stdout
    )
    assert {"曇花一現"} <= {form for row in one for form in row["forms"]}
    quote = ("--quote", "恐曇花一現", "--occurrence", "1")
    reader("annotate", "002_ced27b30dc7015ea.txt", *quote, "--tag", "趋势", check=True)
    tagged = json.loads(reader("words", "--json", "--all", "--tag", "趋势", check=True).stdout)
    assert {r["word"]: r["count"] for r in tagged} == {"恐": 1, "昙花一现": 1}
    assert reader("words", "--add", "小红书", check=True).stderr.startswith("1 word(s) added")
    assert (db_dir / "user-words.txt").read_text(encoding="utf-8").splitlines()[-1] == "小红书"
    result = reader("words", "--limit", "-1")
    assert result.returncode == 2 and "--limit" in result.stderr and result.stderr.count("\n") == 1


def test_search_word_matches_whole_words_only(run_reader, tmp_path, dictionary_index):  # noqa: F811
    articles = write_articles(
        tmp_path / "corpus", {"s.txt": "大数据时代，数据很重要。", "t.txt": "大數據時代，數據很重要。"}
    )
    db = tmp_path / "db2"
    install_dictionary(dictionary_index, db)
    env = {"READER_ARTICLES": str(articles), "READER_DB": str(db)}
    every = run_reader("search", "--json", "数据", env=env, check=True).stdout.splitlines()
    whole = run_reader("search", "--json", "--word", "数据", env=env, check=True).stdout.splitlines()
    assert len(every) == 4
    assert [(h["article_id"], h["start"]) for h in map(json.loads, whole)] == [("s.txt", 6), ("t.txt", 6)]
