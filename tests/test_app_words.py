"""Reading aids in the app: word motions and word selection in every view, snapping, segmentation in a
worker (characters until it is ready), user words and codebook tags kept whole, the reading line, the
dictionary popup."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from _app import document, make_app, open_article, show_view
from _pilot import settle, wait_until
from _words import dictionary_index, install_dictionary  # noqa: F401  (fixture)
from reader.convert import VIEWS
from reader.layout import char_width
from reader.screens.dictionary import DictionaryPopup
from reader.settings import load_settings
from reader.words import USER_WORDS_FILE, ArticleWords, ViewWords, Words, words_for

SIZE = (100, 30)
SIMPLIFIED = "001_8eaa32b1d9703bf4.txt"
TRADITIONAL = "002_ced27b30dc7015ea.txt"
CHONGQING = "0_重庆.txt"


@pytest.fixture
def app(seeds_dir: Path, db_dir: Path, dictionary_index: Path):  # noqa: F811
    install_dictionary(dictionary_index, db_dir)
    (seeds_dir / CHONGQING).write_text("0 重庆之行\n\n我们明天去重庆。\n", encoding="utf-8")
    return make_app(seeds_dir, db_dir)


async def words_ready(pilot, screen) -> None:
    doc = document(screen)
    await wait_until(
        pilot,
        lambda: doc.words is not None and doc.words is screen.words.words_in(screen.view_name),
        f"the words of the {screen.view_name} view",
    )


def offset_of(screen, needle: str) -> int:
    """The view offset of `needle` (found in the original text)."""
    return screen.view_text.offsets.to_view(screen.article.text.index(needle))


@pytest.mark.parametrize(
    ("article_id", "needle", "first_word"),
    [
        (SIMPLIFIED, "小红书的下载量更是", {"小红书", "小紅書"}),
        (TRADITIONAL, "熱潮恐曇花一現", {"熱潮", "热潮"}),
    ],
)
async def test_w_b_e_and_shift_w_move_and_select_by_words_in_every_view(
    app, article_id: str, needle: str, first_word: set[str]
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, article_id)
        doc = document(screen)
        for view in VIEWS:
            await show_view(pilot, screen, view)
            await words_ready(pilot, screen)
            # what the words are, asked of the core directly: the keys must walk exactly these
            expected = words_for(screen.workspace).in_view(screen.article, view)
            start = offset_of(screen, needle)
            spans = expected.between(start, start + len(needle))
            assert len(spans) >= 3 and spans[0][0] == start
            doc.cursor = start
            await pilot.press("W")
            assert doc.selected_text in first_word, view
            await pilot.press("W")
            assert doc.selection == (start, spans[1][1])  # grown by one whole word
            await pilot.press("escape")
            doc.cursor = start
            stops = []
            for _ in range(len(spans) - 1):
                await pilot.press("w")
                stops.append(doc.cursor)
            assert stops == [a for a, _ in spans[1:]], view
            await pilot.press("b")
            assert doc.cursor == spans[-2][0]
            await pilot.press("E")  # the last character of that word (of the next if already there: 恐)
            one = spans[-2][1] - spans[-2][0] == 1
            assert doc.cursor == (spans[-1] if one else spans[-2])[1] - 1
            await pilot.press("e")  # e is still Edit: nothing is highlighted here, the cursor stays
            assert doc.cursor == (spans[-1] if one else spans[-2])[1] - 1


async def test_the_article_opens_before_it_is_segmented_and_motions_use_characters_meanwhile(
    app, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    real = Words.for_article

    def slow(self, article, *args):
        release.wait(20)
        return real(self, article, *args)

    monkeypatch.setattr(Words, "for_article", slow)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        from _app import library, row_ids

        table = library(pilot.app).query_one("DataTable")
        table.move_cursor(row=row_ids(pilot.app).index(SIMPLIFIED))
        await pilot.press("enter")
        screen = pilot.app.screen
        await wait_until(pilot, lambda: getattr(screen, "article", None) is not None, "the article")
        doc = document(screen)
        start = offset_of(screen, "小红书的下载量")
        doc.cursor = start
        await pilot.press("w")
        assert doc.words is None and doc.cursor == start + 1  # one character: the words are not known yet
        release.set()
        await words_ready(pilot, screen)
        doc.cursor = start
        await pilot.press("w")
        assert doc.text[doc.cursor] == "的"  # after the whole word 小红书


async def test_a_double_click_selects_the_word_and_snapping_grows_selections_to_words(app, db_dir) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, TRADITIONAL)
        doc = document(screen)
        await words_ready(pilot, screen)
        start = offset_of(screen, "曇花一現")
        doc.cursor = start + 1
        x, y = doc.cursor_point()
        await pilot.click(offset=(x, y), times=2)
        assert doc.selected_text == "曇花一現"
        await pilot.press("escape")
        doc.cursor = start + 1
        screen.action_toggle_snap()  # the palette's "Words: snap selections to whole words"
        await pilot.press("shift+right")
        assert doc.selected_text == "曇花一現"
        await wait_until(
            pilot, lambda: load_settings(db_dir).values.get("snap_words") == "on", "the setting saved"
        )


async def test_plus_adds_the_selection_to_the_user_words_and_the_article_is_segmented_again(
    app, db_dir
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, SIMPLIFIED)
        doc = document(screen)
        await words_ready(pilot, screen)
        start = offset_of(screen, "禁令发布")
        assert doc.words.word_at(start) == (start, start + 2)  # 禁令 / 发布
        doc.cursor = start
        await pilot.press(*["shift+right"] * 4, "plus")
        await wait_until(
            pilot, lambda: doc.words.word_at(start) == (start, start + 4), "禁令发布 as one word"
        )
        assert "禁令发布" in (db_dir / USER_WORDS_FILE).read_text(encoding="utf-8")


async def test_two_checks_of_the_user_words_at_once_run_one_after_the_other(
    app, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Back from the coding review and then its save both ask: the second waits, neither is cancelled (a
    cancelled worker failed the pilot tests' settle under load)."""
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, SIMPLIFIED)
        await words_ready(pilot, screen)
        release = threading.Event()
        calls: list[int] = []
        real = Words.refresh_user_words

        def slow(self):
            calls.append(1)
            release.wait(20)
            return real(self)

        monkeypatch.setattr(Words, "refresh_user_words", slow)
        screen.words.check_user_words()
        screen.words.check_user_words()
        await wait_until(pilot, lambda: len(calls) == 1, "the first check")
        release.set()
        await wait_until(pilot, lambda: len(calls) == 2, "the second check, after the first")
        await settle(pilot)  # raised WorkerCancelled when the second cancelled the first


async def test_a_new_codebook_tag_becomes_a_word_after_the_save(app) -> None:
    from _app import annotate_selection

    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, SIMPLIFIED)
        doc = document(screen)
        await words_ready(pilot, screen)
        start = offset_of(screen, "积极寻找")
        assert doc.words.word_at(start) == (start, start + 2)
        doc.cursor = start
        await pilot.press(*["shift+right"] * 4)
        await annotate_selection(pilot, "积极寻找", "")
        await wait_until(pilot, lambda: doc.words.word_at(start) == (start, start + 4), "the tag as one word")


def _row(doc, y: int) -> str:
    return doc.render_line(y).text


async def test_r_shows_pinyin_over_chongqing_aligned_without_changing_the_wrapping(app, db_dir) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, CHONGQING)
        doc = document(screen)
        await words_ready(pilot, screen)
        lines_before = list(doc.text_layout.starts)
        rows_before = doc.virtual_size.height
        await pilot.press("r")

        def pinyin_row() -> int | None:
            return next((y for y in range(8) if "chóngqìng" in _row(doc, y)), None)

        await wait_until(pilot, lambda: pinyin_row() is not None, "chóngqìng on the reading line")
        assert list(doc.text_layout.starts) == lines_before  # the wrapping is the same
        assert doc.virtual_size.height == 2 * rows_before  # a reading row above every line
        y = pinyin_row()
        text_row = _row(doc, y + 1)
        assert "重庆" in text_row
        cell = sum(char_width(c) for c in text_row[: text_row.index("重庆")])
        reading_row = _row(doc, y)
        assert sum(char_width(c) for c in reading_row[: reading_row.index("chóngqìng")]) == cell
        await show_view(pilot, screen, "traditional")  # 重慶: still chóngqìng (read through 简体)
        await wait_until(pilot, lambda: pinyin_row() is not None, "chóngqìng over 重慶")
        assert "重慶" in _row(doc, pinyin_row() + 1)
        await pilot.press("r")
        await wait_until(pilot, lambda: any("ㄔㄨㄥˊ" in _row(doc, y) for y in range(8)), "zhuyin")
        await pilot.press("r")  # not the 香港 view: no jyutping, off again
        assert doc.reading_line is None and doc.virtual_size.height == rows_before
        await show_view(pilot, screen, "hongkong")
        await pilot.press("r", "r", "r")
        assert doc.reading_line is not None and doc.reading_line.system == "jyutping"
        await wait_until(pilot, lambda: any("cung4hing3" in _row(doc, y) for y in range(8)), "jyutping")
        await wait_until(
            pilot, lambda: load_settings(db_dir).values.get("reading") == "jyutping", "the choice saved"
        )


@pytest.mark.parametrize(("view", "word"), [("original", "曇花一現"), ("simplified", "昙花一现")])
async def test_i_shows_the_word_in_the_dictionary_and_up_down_pick_shorter_or_longer(
    app, view: str, word: str
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, TRADITIONAL)
        await show_view(pilot, screen, view)
        doc = document(screen)
        await words_ready(pilot, screen)
        doc.cursor = offset_of(screen, "曇花一現") + 1  # on 花
        top, cursor = doc.scroll_y, doc.cursor
        await pilot.press("i")
        popup = pilot.app.screen
        assert isinstance(popup, DictionaryPopup)
        await wait_until(pilot, lambda: popup.candidates is not None, "the look-up")

        def shown() -> str:
            return str(popup.query_one("#dictionary-box").render())

        assert popup.current.word == word  # the segmenter's word, not the longest nor the shortest
        assert "曇花一現 · 昙花一现" in shown() and "tán huā yī xiàn" in shown()
        await pilot.press("up")
        assert popup.current.word == word[:2] and "tán huā" in shown()
        await pilot.press("up")
        assert popup.current.word == word[1] and "huā" in shown()
        await pilot.press("up")  # the shortest stays
        assert popup.current.word == word[1]
        await pilot.press("down", "down")
        assert popup.current.word == word
        assert (doc.scroll_y, doc.cursor) == (top, cursor)  # the text did not move
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is screen


async def test_help_and_the_key_bar_list_the_reading_aids(app) -> None:
    from textual.widgets import DataTable

    from reader.screens.help import HelpScreen
    from reader.widgets.keybar import KeyBar

    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_article(pilot, TRADITIONAL)
        bar = str(screen.query_one(KeyBar).render())
        assert "r Reading" in bar and "i Dict" in bar
        await pilot.press("question_mark")
        help_screen = pilot.app.screen
        assert isinstance(help_screen, HelpScreen)
        table = help_screen.query_one(DataTable)
        rows = {str(table.get_row_at(i)[0]): str(table.get_row_at(i)[1]) for i in range(table.row_count)}
        assert rows["w"] == "Next word" and rows["b"] == "Previous word"
        assert rows["E"].startswith("End of word") and rows["W"].startswith("Select word")
        assert rows["r"].startswith("Reading line") and "CC-CEDICT" in rows["i"]
        assert rows["+"] == "Add the selection to your words"
        assert rows["e"] == "Edit the highlight under the cursor"  # e is still Edit


async def test_a_view_mapped_with_words_segmented_again_meanwhile_gets_the_new_words(app) -> None:
    """A view's words were being mapped when the article was segmented again (the user's words changed)
    and the user is on that view: the stale mapping is dropped and the new words are mapped, not left
    unknown (word motions stuck on characters until the next view switch)."""
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, SIMPLIFIED)
        await show_view(pilot, screen, "taiwan")
        await words_ready(pilot, screen)
        aids, view_text = screen.words, screen.view_text
        assert not view_text.offsets.identity  # its words are mapped in a worker
        stale = aids.article_words
        aids.article_words = ArticleWords(stale.starts, stale.ends, stale.length)  # segmented again
        aids._view_words.clear()
        document(screen).set_words(None)
        aids._mapped(stale, view_text, ViewWords(stale, view_text.offsets))
        await words_ready(pilot, screen)
