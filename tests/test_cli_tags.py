"""`reader tags`: the codebook from the command line, run for real in a subprocess."""

from __future__ import annotations

import json

from test_cli import SIMP_SEED, TRAD_SEED, assert_one_line_error


def annotate(run_reader, article: str, quote: str, *tags: str, occurrence: int = 1) -> None:
    args = ["annotate", article, "--quote", quote, "--occurrence", str(occurrence)]
    for tag in tags:
        args += ["--tag", tag]
    run_reader(*args, check=True)


def tag_rows(run_reader) -> dict[str, dict]:
    return {row["name"]: row for row in json.loads(run_reader("tags", "--json", check=True).stdout)}


def test_tags_table_and_json_with_rolled_up_counts(run_reader):
    assert run_reader("tags", check=True).stdout == "no tags yet\n"
    annotate(run_reader, TRAD_SEED, "小紅書", "framing/economy")
    annotate(run_reader, TRAD_SEED, "小紅書", "framing", "来源", occurrence=2)
    annotate(run_reader, SIMP_SEED, "小红书", "来源")
    rows = tag_rows(run_reader)
    assert {n: (r["passages"], r["articles"], r["own_passages"]) for n, r in rows.items()} == {
        "framing": (2, 1, 1),
        "framing/economy": (1, 1, 1),
        "来源": (2, 2, 2),
    }
    run_reader("tags", "color", "framing", "teal", check=True)
    run_reader("tags", "describe", "framing", "how the story is framed", check=True)
    table = run_reader("tags", check=True).stdout.splitlines()
    assert table[0].split() == ["TAG", "COLOUR", "PASSAGES", "ARTICLES", "DESCRIPTION"]
    assert table[1].split() == ["framing", "teal", "2", "1", "how", "the", "story", "is", "framed"]
    assert table[2].startswith("  economy ") and table[2].split()[1:] == ["teal", "1", "1"]
    assert table[3].split()[0] == "来源"


def test_tags_rename_merge_delete_from_the_command_line(run_reader):
    annotate(run_reader, TRAD_SEED, "小紅書", "framing/economy")
    annotate(run_reader, SIMP_SEED, "小红书", "framing", "来源")
    out = run_reader("tags", "rename", "framing", "框架", check=True).stdout
    assert out == "renamed framing to 框架: 2 annotation(s) changed\n"
    assert set(tag_rows(run_reader)) == {"框架", "框架/economy", "来源"}
    out = run_reader("tags", "merge", "框架/economy", "框架", check=True).stdout
    assert "1 annotation(s) changed" in out
    assert tag_rows(run_reader)["框架"]["own_passages"] == 2
    out = run_reader("tags", "delete", "框架", check=True).stdout
    assert "removed from 2 annotation(s)" in out
    assert set(tag_rows(run_reader)) == {"来源"}
    notes = json.loads(run_reader("export", check=True).stdout)["annotations"]
    assert len(notes) == 2  # the annotations stay


def test_tags_errors_are_one_line_exit_2(run_reader):
    annotate(run_reader, TRAD_SEED, "小紅書", "a")
    annotate(run_reader, SIMP_SEED, "小红书", "b")
    assert_one_line_error(run_reader("tags", "rename", "nope", "x"), "no tag 'nope'")
    assert_one_line_error(run_reader("tags", "rename", "a", "b"), "already exists", "merge")
    assert_one_line_error(run_reader("tags", "color", "a", "mauve"), "unknown colour")
    assert_one_line_error(run_reader("tags", "frobnicate"), "invalid choice")
    assert_one_line_error(run_reader("tags", "create", "a"), "already exists")
    run_reader("tags", "create", "a/new", check=True)
    assert tag_rows(run_reader)["a/new"]["passages"] == 0


def test_tags_create_describe_and_reset_colour(run_reader):
    run_reader("tags", "create", "待定", "--color", "#123456", "--description", "later", check=True)
    row = tag_rows(run_reader)["待定"]
    assert (row["color"], row["description"], row["passages"]) == ("#123456", "later", 0)
    run_reader("tags", "color", "待定", "", check=True)
    run_reader("tags", "describe", "待定", "sorted later", check=True)
    row = tag_rows(run_reader)["待定"]
    assert row["color"] != "#123456" and row["description"] == "sorted later"
