"""Whole-word find and "code every match" in the app: from the find bar and from the corpus search, the
review list decides exactly what is tagged, and one undo takes all of it back."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Static

from _app import document, make_app, open_article
from _pilot import settle, wait_until
from _words import dictionary_index, install_dictionary  # noqa: F401  (fixture)
from reader.screens.coding import CodeMatchesScreen, HitList
from reader.screens.reading import ReadingScreen
from reader.screens.search import CorpusSearchScreen
from reader.words import words_for

SIZE = (100, 30)
SIMPLIFIED = "001_8eaa32b1d9703bf4.txt"


@pytest.fixture
def app(seeds_dir: Path, db_dir: Path, dictionary_index: Path):  # noqa: F811
    install_dictionary(dictionary_index, db_dir)
    return make_app(seeds_dir, db_dir)


def stored(workspace) -> list[tuple[str, int, int, tuple[str, ...], str]]:
    return sorted((a.article_id, a.start, a.end, a.tags, a.note) for a in workspace.store.all())


def count_text(screen: ReadingScreen) -> str:
    return str(screen.query_one("#reading-search-count", Static).render())


async def review(pilot, tags: str, note: str = "") -> CodeMatchesScreen:
    screen = pilot.app.screen
    assert isinstance(screen, CodeMatchesScreen)
    await wait_until(pilot, lambda: screen.plan is not None, "the hits to review")
    screen.query_one("#coding-note", Input).value = note
    screen.query_one("#coding-tags", Input).focus()
    await pilot.press(*tags)
    typed = tuple(t.strip() for t in tags.split(","))
    await wait_until(pilot, lambda: screen.already_for == typed, "the hits already coded looked up")
    return screen


async def test_whole_words_in_the_find_bar_keeps_only_matches_that_are_words(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, SIMPLIFIED)
        doc = document(screen)
        await wait_until(pilot, lambda: screen.words.article_words is not None, "the words")
        await pilot.press("slash", *"数据")
        await settle(pilot)
        every = list(doc.search_matches)
        await pilot.press("ctrl+o")
        await settle(pilot)
        whole = list(doc.search_matches)
        assert 0 < len(whole) < len(every) and count_text(screen).endswith(f"/{len(whole)}")
        assert all(doc.words.is_boundary(a) and doc.words.is_boundary(b) for a, b in whole)
        inside = set(every) - set(whole)
        assert inside and all(not (doc.words.is_boundary(a) and doc.words.is_boundary(b)) for a, b in inside)
        await pilot.press("ctrl+o")  # off again
        await settle(pilot)
        assert list(doc.search_matches) == every


async def test_code_every_match_from_the_find_bar_tags_the_reviewed_hits_and_u_undoes_all(
    app,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, SIMPLIFIED)
        workspace = screen.workspace
        await wait_until(pilot, lambda: screen.words.article_words is not None, "the words")
        await pilot.press("slash", *"数据", "ctrl+o", "ctrl+l")
        coding = await review(pilot, "数据,分析", note="bulk")
        plan = coding.plan
        assert plan and all(p.article_id == SIMPLIFIED for p in plan)
        words = words_for(workspace).for_article(screen.article)
        assert all(words.is_boundary(p.start) and words.is_boundary(p.end) for p in plan)  # whole words
        hits = coding.query_one(HitList)
        hits.focus()
        await pilot.press("space", "down", "down", "space")  # uncheck the first and the third hit
        kept = [p for i, p in enumerate(plan) if i not in (0, 2)]
        assert sorted(hits.selected) == [i for i in range(len(plan)) if i not in (0, 2)]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert stored(workspace) == sorted(
            (p.article_id, p.start, p.end, ("数据", "分析"), "bulk") for p in kept
        )
        assert len(screen.annotations) == len(kept)  # drawn at once
        await pilot.press("ctrl+l")  # again: the coded hits are listed unchecked
        again = await review(pilot, "数据, 分析")
        await wait_until(
            pilot, lambda: sum(p.already for p in again.plan) == len(kept), "the coded hits marked"
        )
        assert sorted(again.query_one(HitList).selected) == [0, 2]
        await pilot.press("escape")  # cancel: nothing more
        await settle(pilot)
        await pilot.press("escape")  # closes the find bar
        await pilot.press("u")
        await settle(pilot)
        assert stored(workspace) == [] and len(screen.annotations) == 0


async def test_a_late_answer_for_tags_typed_before_does_not_overwrite_the_review(app) -> None:
    from reader.coding import plan_matches

    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, SIMPLIFIED)
        await wait_until(pilot, lambda: screen.words.article_words is not None, "the words")
        await pilot.press("slash", *"数据", "ctrl+l")
        coding = await review(pilot, "数据")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("ctrl+l")
        again = await review(pilot, "数据")
        coded = [i for i, p in enumerate(again.plan) if p.already]
        assert coded and sorted(again.query_one(HitList).selected) == []
        # the look-up for "数" (typed on the way to 数据, under load) finishes last: it is dropped
        late = plan_matches(screen.workspace, "数据", tags=("数",), article_ids=[SIMPLIFIED])
        assert not any(p.already for p in late)
        again._already_for(("数",), late)
        await pilot.pause()
        assert again.already_for == ("数据",) and [i for i, p in enumerate(again.plan) if p.already] == coded
        assert sorted(again.query_one(HitList).selected) == []
        assert coding is not again


async def test_code_every_match_from_the_corpus_search_in_any_script_and_ctrl_z_undoes_it(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f")
        search = pilot.app.screen
        assert isinstance(search, CorpusSearchScreen)
        await pilot.press(*"软件")
        await wait_until(pilot, lambda: search.hits and not search.searching, "the search")
        await pilot.press("ctrl+l")
        coding = await review(pilot, "技术")
        assert {p.quote for p in coding.plan} >= {"软件", "軟體"}  # 软件 codes 軟體 in Traditional text
        assert sorted((p.article_id, p.start, p.end) for p in coding.plan) == sorted(
            (h.article_id, h.start, h.end) for h in search.hits
        )
        await pilot.press("enter")  # Enter in the tags codes them
        await wait_until(pilot, lambda: len(search.codings) == 1, "the coding saved")
        workspace = search.workspace
        assert stored(workspace) == sorted((p.article_id, p.start, p.end, ("技术",), "") for p in coding.plan)
        await wait_until(pilot, lambda: search.hits and all(h.tags == ("技术",) for h in search.hits), "tags")
        await pilot.press("ctrl+z")
        await wait_until(pilot, lambda: stored(workspace) == [], "the coding undone")


async def test_the_word_frequency_screen_merges_scripts_enter_searches_s_stops(app, db_dir) -> None:
    from textual.widgets import Checkbox

    from reader.screens.frequencies import WordFrequencyScreen, WordTable

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("w")  # from the library
        words = pilot.app.screen
        assert isinstance(words, WordFrequencyScreen)
        await wait_until(pilot, lambda: words.words and not words.counting, "the count")
        data = next(w for w in words.words if w.word == "数据")
        forms = dict(data.forms)
        assert forms["数据"] > 0 and forms["數據"] > 0  # one word in both scripts
        assert data.count == sum(forms.values()) and data.articles >= 2
        table = words.query_one(WordTable)
        table.move_cursor(row=[w.word for w in words.words].index("数据"))
        await pilot.press("s")  # a stop word now
        listed = lambda: not words.counting and "数据" in [w.word for w in words.words]  # noqa: E731
        await wait_until(pilot, lambda: not words.counting and not listed(), "数据 left out")
        assert "数据" in (db_dir / "stopwords.txt").read_text(encoding="utf-8")
        await pilot.press("u")  # back again
        await wait_until(pilot, listed, "数据 counted again")
        table.move_cursor(row=[w.word for w in words.words].index("数据"))
        await pilot.press("enter")
        search = pilot.app.screen
        assert isinstance(search, CorpusSearchScreen)
        assert search.query_one("#search-query", Input).value == "数据"
        assert search.query_one("#search-words", Checkbox).value  # whole words
        await wait_until(pilot, lambda: search.hits and not search.searching, "the search")
        found = [h.match for h in search.hits if h.match in forms]  # (and 資料: 数据 in Taiwan's words)
        assert set(found) == {"数据", "數據"} and len(found) == data.count


async def test_t_filters_the_word_frequencies_by_a_tag_in_either_script(app) -> None:
    from reader.screens.frequencies import WordFrequencyScreen, WordTable

    workspace = app.workspace
    article = workspace.load(SIMPLIFIED)
    workspace.annotate(article, *workspace.find(article, "字节跳动")[0], tags=["来源"])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("w")
        words = pilot.app.screen
        assert isinstance(words, WordFrequencyScreen)
        await wait_until(pilot, lambda: words.words and not words.counting, "the count")
        assert len(words.words) > 1
        await pilot.press("t")  # to the tag filter (ctrl+t stays the codebook)
        assert words.focused is words.query_one("#words-tags", Input)
        await pilot.press(*"來源", "enter")  # the Traditional spelling finds 来源
        await wait_until(
            pilot, lambda: not words.counting and [w.word for w in words.words] == ["字节跳动"], "the filter"
        )
        assert words.words[0].count == 1 and words.focused is words.query_one(WordTable)


async def test_the_word_frequencies_of_an_article_find_the_word_in_it(app) -> None:
    from reader.screens.frequencies import WordFrequencyScreen, WordTable

    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, "002_ced27b30dc7015ea.txt")
        screen.action_word_frequencies()  # the palette's "Words: most frequent in this article"
        await settle(pilot)
        words = pilot.app.screen
        assert isinstance(words, WordFrequencyScreen)
        await wait_until(pilot, lambda: words.words and not words.counting, "the count")
        assert all(w.articles == 1 for w in words.words)
        data = next(w for w in words.words if w.word == "数据")
        words.query_one(WordTable).move_cursor(row=words.words.index(data))
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is screen
        doc = document(screen)
        await wait_until(pilot, lambda: screen.words.article_words is not None, "the words")
        await settle(pilot)
        # found as a whole word, as often as it was counted (not inside a longer word)
        assert [doc.text[a:b] for a, b in doc.search_matches] == ["數據"] * data.count


async def test_whole_words_in_the_corpus_search(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f")
        search = pilot.app.screen
        await pilot.press(*"数据")
        await wait_until(pilot, lambda: search.hits and not search.searching, "the search")
        every = {(h.article_id, h.start) for h in search.hits}
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: search.whole_words and search.hits and not search.searching, "whole")
        whole = {(h.article_id, h.start) for h in search.hits}
        assert whole < every  # 数据 inside 大数据 / 数据分析 is left out
        workspace = search.workspace
        for article_id, start in every - whole:
            words = words_for(workspace).for_article(workspace.load(article_id))
            assert not (words.is_boundary(start) and words.is_boundary(start + 2))
