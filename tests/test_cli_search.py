"""`reader search`: every match in every article, any script, run for real in a subprocess."""

from __future__ import annotations

import json

from test_cli import SIMP_SEED, TRAD_SEED, assert_one_line_error


def annotate(run_reader, article: str, quote: str, *tags: str, occurrence: int = 1) -> None:
    args = ["annotate", article, "--quote", quote, "--occurrence", str(occurrence)]
    for tag in tags:
        args += ["--tag", tag]
    run_reader(*args, check=True)


def test_search_finds_both_scripts_with_offsets_and_context(run_reader):
    result = run_reader("search", "软件", check=True)
    lines = result.stdout.splitlines()
    assert any(line.startswith(f"{TRAD_SEED}:") and "[軟體]" in line for line in lines)
    assert any(line.startswith(f"{SIMP_SEED}:") and "[软件]" in line for line in lines)
    article_id, rest = lines[0].split(":", 1)
    span, context = rest.split("  ", 1)
    start, end = map(int, span.split("-"))
    assert end - start == 2 and context.startswith("…") and context.endswith("…")
    assert "match(es) in" in result.stderr
    converted = run_reader("convert", article_id, "--to", "original", check=True).stdout
    assert converted[start:end] in ("软件", "軟體", "軟件")
    reverse = run_reader("search", "軟體", check=True).stdout
    assert sorted(reverse.splitlines()) == sorted(lines)


def test_search_json_lines_and_tag_filter(run_reader):
    annotate(run_reader, TRAD_SEED, "小紅書", "framing/economy")
    result = run_reader("search", "小红书", "--json", check=True)
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(hits) > 3
    assert {"article_id", "title", "start", "end", "before", "match", "after", "tags"} <= set(hits[0])
    tagged = [h for h in hits if h["tags"]]
    assert [(h["article_id"], h["match"], h["tags"]) for h in tagged] == [
        (TRAD_SEED, "小紅書", ["framing/economy"])
    ]
    only = run_reader("search", "小红书", "--tag", "framing", "--json", check=True).stdout.splitlines()
    assert [json.loads(line) for line in only] == tagged
    text = run_reader("search", "小红书", "--tag", "framing", check=True).stdout
    assert text.endswith("#framing/economy\n")
    assert run_reader("search", "小红书", "--tag", "nothing", check=True).stdout == ""


def test_search_errors(run_reader):
    assert_one_line_error(run_reader("search", "  "), "query is empty")
    assert_one_line_error(run_reader("search", "x", "--view", "klingon"), "invalid choice")


def test_json_lines_are_the_hits_exactly_quotes_backslashes_and_tabs_escaped(run_reader, seeds_dir, db_dir):
    from reader.search import CorpusSearch
    from reader.workspace import Workspace

    (seeds_dir / "q.txt").write_text('引号\n他说："数据\\在\t这里"。\n', encoding="utf-8")
    annotate(run_reader, "q.txt", "数据", "引/语", 'quote"d')
    for view in ("original", "taiwan"):
        out = run_reader("search", "数据", "--json", "--view", view, check=True).stdout
        got = [json.loads(line) for line in out.splitlines()]
        ws = Workspace(seeds_dir, db_dir)
        expected = [{**h._asdict(), "tags": list(h.tags)} for h in CorpusSearch(ws).search("数据", view=view)]
        assert got == expected
    (quoted,) = [h for h in got if h["article_id"] == "q.txt"]
    assert quoted["before"] == '引號 他說："' and quoted["after"].startswith("\\在\t這裡")  # (taiwan)
    assert quoted["tags"] == ["引/语", 'quote"d']
    plain = [line for line in run_reader("search", "数据", check=True).stdout.splitlines() if "q.txt" in line]
    assert plain == ['q.txt:7-9  …引号 他说："[数据]\\在 这里"。 …  #引/语 #quote"d']


def test_output_in_an_encoding_without_chinese_is_escaped_not_a_crash(run_reader):
    result = run_reader("search", "软件", env={"PYTHONIOENCODING": "ascii"}, check=True)
    assert result.stdout.isascii() and "\\u" in result.stdout
    assert "cannot hold some characters" in result.stderr
