"""Pilot tests for the document view (reader.widgets.document)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import ClassVar

import pytest
from rich.style import Style
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.pilot import Pilot
from textual.strip import Strip

from _pilot import wait_until
from reader.layout import CLOSING, OPENING, wrap_text
from reader.sentences import sentence_bounds
from reader.widgets import document_wrapping
from reader.widgets.document import DocumentView, Highlight

ROOT = Path(__file__).resolve().parents[1]
SEED = (ROOT / "seeds" / "000_7bd28feb70503cb0.txt").read_text(encoding="utf-8")
ZUOZHUAN = Path(__file__).parent / "data" / "zuozhuan.txt"  # copied from ../shared/corpus

SHORT = "第一段的文字。第二句话！\n\n第二段，很短。\n第三段"


@pytest.fixture(autouse=True)
def _no_animations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")


class DocApp(App[None]):
    """A tiny host: one DocumentView, plus an escape binding to see whether escape bubbles."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "escaped", "Back")]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.animation_level = "none"
        self.text = text
        self.escaped = 0
        self.cursor_messages: list[int] = []
        self.selection_messages: list[tuple[int, int] | None] = []

    def compose(self) -> ComposeResult:
        yield DocumentView()

    def on_mount(self) -> None:
        view = self.query_one(DocumentView)
        view.set_document(self.text)
        view.focus()

    def action_escaped(self) -> None:
        self.escaped += 1

    def on_document_view_cursor_moved(self, message: DocumentView.CursorMoved) -> None:
        self.cursor_messages.append(message.offset)

    def on_document_view_selection_changed(self, message: DocumentView.SelectionChanged) -> None:
        self.selection_messages.append(message.selection)


OpenDoc = Callable[..., AbstractAsyncContextManager[tuple[DocApp, Pilot, DocumentView]]]


@pytest.fixture
def doc_app() -> OpenDoc:
    """``async with doc_app(text, (width, height)) as (app, pilot, view)``: a DocApp showing `text`."""

    @asynccontextmanager
    async def open_doc(text: str, size: tuple[int, int] = (100, 30)):
        app = DocApp(text)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            yield app, pilot, app.query_one(DocumentView)

    return open_doc


def view_of(app: App[None]) -> DocumentView:
    return app.query_one(DocumentView)


def screen_lines(view: DocumentView) -> list[str]:
    return [view.render_line(y).text for y in range(view.size.height)]


def char_styles(view: DocumentView, y: int) -> list[tuple[str, Style]]:
    """(character, style) for each character of the text on row `y` (the margin skipped)."""
    strip: Strip = view.render_line(y)
    result: list[tuple[str, Style]] = []
    skipped = 0
    for segment in strip:
        for char in segment.text:
            if skipped < view._margin:
                skipped += 1
                continue
            result.append((char, segment.style or Style()))
    layout = view.text_layout
    assert layout is not None
    line = round(view.scroll_y) + y
    return result[: layout.ends[line] - layout.starts[line]]


async def test_text_renders_centred(doc_app: OpenDoc) -> None:
    async with doc_app(SHORT, (100, 30)) as (app, _pilot, view):
        lines = screen_lines(view)
        assert lines[0].strip() == "第一段的文字。第二句话！"
        assert lines[1].strip() == ""
        assert lines[2].strip() == "第二段，很短。"
        assert lines[4].strip() == "第三段"
        width = view.scrollable_content_region.width
        assert view._margin == (width - 80) // 2
        assert lines[0].startswith(" " * view._margin + "第")
        assert "一段的文字" in app.export_screenshot()  # the first character carries the cursor


async def test_markup_is_shown_literally(doc_app: OpenDoc) -> None:
    text = "[b]粗体[/b] [@click=app.quit]点我[/] 注意[/]"
    async with doc_app(text, (100, 10)) as (app, pilot, view):
        assert screen_lines(view)[0].strip() == text
        await pilot.click(DocumentView, offset=(view._margin + 12, 0))
        await pilot.pause()
        assert app.is_running


async def test_cursor_keys(doc_app: OpenDoc) -> None:
    text = "一二三四五六七八九十" * 10 + "\n\n" + "第二段"
    async with doc_app(text, (100, 30)) as (app, pilot, view):
        layout = view.text_layout
        assert layout is not None and layout.lines[0] == (0, 40)
        await pilot.press("right", "right", "l")
        assert view.cursor == 3
        await pilot.press("left", "h")
        assert view.cursor == 1
        await pilot.press("down")
        assert view.cursor == 41  # same column, next line
        await pilot.press("j", "k")
        assert view.cursor == 41
        await pilot.press("up")
        assert view.cursor == 1
        await pilot.press("end")
        assert view.cursor == 39
        await pilot.press("home")
        assert view.cursor == 0
        await pilot.press("G")
        assert view.cursor == text.index("第二段")
        await pilot.press("g")
        assert view.cursor == 0
        assert app.cursor_messages and app.cursor_messages[-1] == 0


async def test_up_down_keep_cell_column_across_mixed_lines(doc_app: OpenDoc) -> None:
    text = "abcdefgh\n一二三四五"
    async with doc_app(text, (100, 10)) as (_app, pilot, view):
        await pilot.press("right", "right", "right", "right", "right")  # column 5 (f)
        await pilot.press("down", "down")  # via the blank line to the CJK line: column 5 is 三
        assert text[view.cursor] == "三"
        await pilot.press("up", "up")
        assert text[view.cursor] == "f"


async def test_sentence_and_paragraph_keys(doc_app: OpenDoc) -> None:
    async with doc_app(SHORT, (100, 30)) as (_app, pilot, view):
        await pilot.press("right_parenthesis")
        assert view.cursor == SHORT.index("第二句")
        await pilot.press("right_parenthesis")
        assert view.cursor == SHORT.index("第二段")
        await pilot.press("left_parenthesis")
        assert view.cursor == SHORT.index("第二句")
        await pilot.press("right_curly_bracket")
        assert view.cursor == SHORT.index("第二段")
        await pilot.press("right_curly_bracket")
        assert view.cursor == SHORT.index("第三段")
        await pilot.press("left_curly_bracket")
        assert view.cursor == SHORT.index("第二段")


async def test_page_down_scrolls_and_keeps_cursor_visible(doc_app: OpenDoc) -> None:
    async with doc_app(SEED, (100, 30)) as (_app, pilot, view):
        assert view.scroll_y == 0
        await pilot.press("pagedown")
        assert view.scroll_y > 0
        assert view._cursor_row() is not None
        first = view.scroll_y
        await pilot.press("space")
        assert view.scroll_y > first
        assert 0 < view.scroll_percent < 100
        await pilot.press("pageup", "pageup")
        assert view.scroll_y == 0
        await pilot.press("G")
        assert view._cursor_row() is not None
        assert view.scroll_percent == 100


async def test_shift_right_selects(doc_app: OpenDoc) -> None:
    async with doc_app(SHORT, (100, 30)) as (app, pilot, view):
        await pilot.press("right")
        await pilot.press("shift+right", "shift+right", "shift+right")
        assert view.selection == (1, 4)
        assert view.selected_text == SHORT[1:4]
        assert app.selection_messages[-1] == (1, 4)
        await pilot.press("shift+left")
        assert view.selection == (1, 3)
        await pilot.press("right")  # a plain move clears the selection
        assert view.selection is None
        await pilot.press("shift+end")
        layout = view.text_layout
        assert layout is not None
        assert view.selection is not None and view.selection[1] == layout.ends[0]


async def test_v_selects_sentence_and_escape_clears(doc_app: OpenDoc) -> None:
    async with doc_app(SHORT, (100, 30)) as (app, pilot, view):
        view.cursor = SHORT.index("二句")
        await pilot.press("v")
        assert view.selection == sentence_bounds(SHORT, SHORT.index("二句"))
        assert view.selected_text == "第二句话！"
        await pilot.press("v")  # again: extend by the next sentence
        assert view.selected_text == "第二句话！\n\n第二段，很短。"
        await pilot.press("escape")
        assert view.selection is None
        assert app.escaped == 0  # consumed by the view
        await pilot.press("escape")
        assert app.escaped == 1  # nothing to clear: escape reached the app


async def test_v_at_the_end_of_a_paragraph_selects_its_last_sentence_and_on_a_blank_line_nothing(
    doc_app: OpenDoc,
) -> None:
    async with doc_app(SHORT, (100, 30)) as (_app, pilot, view):
        view.cursor = 0
        await pilot.press("end", "v")  # End: on the paragraph's last character
        assert view.selected_text == "第二句话！"
        await pilot.press("escape")  # the cursor is at the sentence's end, drawn on the blank line after it
        assert view.text_layout is not None and view.text_layout.is_blank(1)
        assert view.cursor == SHORT.index("\n")
        await pilot.press("v")
        assert view.selection is None
        await pilot.press("G", "v")  # G: the last line of text (not the blank line after it)
        assert view.selected_text == "第三段"


def _bg(style: Style) -> object:
    return style.bgcolor


async def test_highlights_style_exactly_their_cells(doc_app: OpenDoc) -> None:
    text = "零一二三四五六七八九\n\n下一段"
    async with doc_app(text, (100, 10)) as (_app, pilot, view):
        view.cursor = text.index("下")  # keep the cursor off the line we inspect
        view.set_highlights([Highlight(2, 5, "#ff0000", "a")])
        await pilot.pause()
        styles = char_styles(view, 0)
        assert "".join(char for char, _ in styles) == text[:10]
        base = styles[0][1]
        for index, (_, style) in enumerate(styles):
            if 2 <= index < 5:
                assert style.bgcolor is not None and style.bgcolor.triplet == (255, 0, 0)
            else:
                assert style == base


async def test_overlapping_highlights_are_distinct(doc_app: OpenDoc) -> None:
    text = "零一二三四五六七八九\n\n下一段"
    async with doc_app(text, (100, 10)) as (_app, pilot, view):
        view.cursor = text.index("下")
        view.set_highlights([Highlight(1, 5, "#ff0000", "a"), Highlight(3, 8, "#0000ff", "b")])
        await pilot.pause()
        styles = [style for _, style in char_styles(view, 0)]
        only_a, both, only_b = styles[1], styles[3], styles[6]
        assert len({_bg(only_a), _bg(both), _bg(only_b)}) == 3
        assert styles[4] == both and styles[5] == only_b
        # The same colour overlapping itself is still distinguishable.
        view.set_highlights([Highlight(1, 5, "#ff0000", "a"), Highlight(3, 8, "#ff0000", "b")])
        await pilot.pause()
        styles = [style for _, style in char_styles(view, 0)]
        assert _bg(styles[1]) == _bg(styles[6]) != _bg(styles[3])


async def test_selection_keeps_highlight_extents_visible(doc_app: OpenDoc) -> None:
    text = "零一二三四五六七八九\n\n下一段"
    async with doc_app(text, (100, 10)) as (_app, pilot, view):
        view.set_highlights([Highlight(2, 5, "#ff0000", "a")])
        view.selection = (0, 8)  # the setter puts the cursor at the selection's end
        await pilot.pause()
        styles = [style for _, style in char_styles(view, 0)]
        assert styles[3].bgcolor is not None and styles[3].bgcolor.triplet == (255, 0, 0)
        assert styles[3].bold and styles[3].underline
        assert styles[1].bold and styles[1].underline
        assert _bg(styles[1]) != _bg(styles[3])
        assert not styles[9].bold  # outside the selection
        assert view.cursor == 8 and styles[8].reverse


async def test_cursor_is_a_block(doc_app: OpenDoc) -> None:
    async with doc_app(SHORT, (100, 10)) as (_app, pilot, view):
        styles = [style for _, style in char_styles(view, 0)]
        assert styles[0].reverse and not styles[1].reverse
        view.cursor = SHORT.index("\n")  # the blank line: a one-cell block at the margin
        await pilot.pause()
        strip = view.render_line(1)
        reversed_cells = [seg for seg in strip if seg.style and seg.style.reverse]
        assert len(reversed_cells) == 1 and reversed_cells[0].text == " "


async def test_mouse_click_moves_cursor_and_drag_selects(doc_app: OpenDoc) -> None:
    async with doc_app(SHORT, (100, 10)) as (_app, pilot, view):
        margin = view._margin
        await pilot.click(DocumentView, offset=(margin + 2 * 3 + 1, 0))  # the right half of the 4th char
        assert view.cursor == 3
        await pilot.click(DocumentView, offset=(margin, 2))
        assert view.cursor == SHORT.index("第二段")
        # Drag from the 2nd to the 5th character of line 0.
        await pilot.mouse_down(DocumentView, offset=(margin + 2, 0))
        await pilot.hover(DocumentView, offset=(margin + 8, 0))
        await pilot.mouse_up(DocumentView, offset=(margin + 8, 0))
        await pilot.pause()
        assert view.selection == (1, 4)
        await pilot.click(DocumentView, offset=(margin, 0))
        assert view.selection is None and view.cursor == 0


async def test_kinsoku_on_rendered_lines(doc_app: OpenDoc) -> None:
    async with doc_app(SEED, (60, 40)) as (_app, pilot, view):  # narrower than the measure: width - 2
        layout = view.text_layout
        assert layout is not None and layout.width == view.scrollable_content_region.width - 2
        for _ in range(5):
            for line in screen_lines(view):
                stripped = line.strip()
                if stripped:
                    assert stripped[0] not in CLOSING, line
            for index in range(round(view.scroll_y), round(view.scroll_y) + view.size.height):
                if index < len(layout) and not layout.is_blank(index):
                    text = layout.line_text(index)
                    para_end = index + 1 < len(layout) and layout.is_blank(index + 1)
                    assert para_end or text[-1] not in OPENING, text
            await pilot.press("pagedown")


def scrollbar_rows(view: DocumentView) -> list[list[tuple[str, Style | None]]]:
    """What the document's scrollbar paints, row by row (text and style of each segment)."""
    bar = view.vertical_scrollbar
    return [[(seg.text, seg.style) for seg in strip] for strip in bar.render_lines(bar.size.region)]


async def test_scrollbar_after_paging_is_what_a_full_repaint_draws(doc_app: OpenDoc) -> None:
    # paging repaints only the scrollbar rows whose look changes (widgets/scrollbar_rows.py): the rows kept
    # from before must be what the bar now draws, the thumb where the scroll is, through a page-down, a jump
    # back up, several pages at once and the end
    text = ZUOZHUAN.read_text(encoding="utf-8")[:60_000]  # a thumb a few cells tall: its ends move
    async with doc_app("", (100, 30)) as (_app, pilot, view):
        view.set_document(text)
        await wait_until(pilot, lambda: bool(view.text_layout and view.text_layout.complete), "wrapped")
        bar = view.vertical_scrollbar
        seen = set()
        for keys in [["pagedown"]] * 6 + [["pageup"] * 2, ["pagedown"] * 3, ["G"], ["g"]]:
            await pilot.press(*keys)
            shown = scrollbar_rows(view)
            seen.add(repr(shown))
            bar.refresh()  # the whole bar drawn afresh at the same position
            assert scrollbar_rows(view) == shown, (keys, view.scroll_y)
        assert len(seen) >= 8  # the thumb did move between the steps


async def test_paging_repaints_only_the_scrollbar_rows_that_change(doc_app: OpenDoc) -> None:
    # a page-down of zuozhuan moves the thumb by about an eighth of a cell: a row or two to repaint, not 29
    async with doc_app("", (100, 30)) as (_app, pilot, view):
        view.set_document(ZUOZHUAN.read_text(encoding="utf-8"))
        await wait_until(pilot, lambda: bool(view.text_layout and view.text_layout.complete), "wrapped")
        bar = view.vertical_scrollbar
        repainted: list[tuple[int, ...]] = []
        full_refresh = bar.refresh

        def refresh(*regions: Region, **kwargs: bool) -> DocumentView:
            repainted.append(tuple(y for region in regions for y in region.line_range) or (-1,))
            return full_refresh(*regions, **kwargs)

        bar.refresh = refresh  # type: ignore[method-assign]
        for _ in range(8):
            await pilot.press("pagedown")
        assert repainted, "the thumb never moved"
        assert all(-1 not in rows and len(rows) <= 2 for rows in repainted), repainted


async def test_scrollbar_follows_the_height_while_a_long_text_is_wrapped(
    doc_app: OpenDoc, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the rest of zuozhuan is wrapped between frames and the height estimated again each time, without a
    # layout pass of the screen (document_wrapping._set_virtual_height): the thumb must still be sized to
    # the height of the moment, and the end reachable
    monkeypatch.setattr(document_wrapping, "WRAP_STEP_PAUSE", 3600)  # wrapped only as the pages ask
    async with doc_app("", (100, 30)) as (_app, pilot, view):
        view.set_document(ZUOZHUAN.read_text(encoding="utf-8"))
        await pilot.pause()
        layout = view.text_layout
        assert layout is not None
        bar = view.vertical_scrollbar
        heights = set()
        while not layout.complete and len(heights) < 4:
            await pilot.press("pagedown")
            heights.add(view.virtual_size.height)
            assert bar.window_virtual_size == view.virtual_size.height
            shown = scrollbar_rows(view)
            bar.refresh()
            assert scrollbar_rows(view) == shown
        assert len(heights) == 4  # the estimate changed while the text was wrapped
        view._wrap_through(None)  # the rest at once: the height is now exact (smaller than estimated)
        await pilot.pause()
        assert view.virtual_size.height == len(layout) == bar.window_virtual_size
        await pilot.press("G")
        assert view.scroll_percent == 100 and view.scroll_y == view.max_scroll_y
        assert view._cursor_row() is not None


async def test_resize_rewraps_and_keeps_cursor_on_screen(doc_app: OpenDoc) -> None:
    async with doc_app(SEED, (100, 30)) as (_app, pilot, view):
        for _ in range(4):
            await pilot.press("pagedown")
        cursor = view.cursor
        await pilot.resize_terminal(50, 30)
        await pilot.pause()
        layout = view.text_layout
        assert layout is not None and layout.width == view.scrollable_content_region.width - 2
        assert view.cursor == cursor
        assert view._cursor_row() is not None


async def test_set_document_keep_offset(doc_app: OpenDoc) -> None:
    # like the reading screen: an empty view first, the article once it has loaded
    async with doc_app("", (100, 30)) as (_app, pilot, view):
        view.set_document(SEED, keep_offset=5000)
        await pilot.pause()
        assert view.cursor == 5000
        assert view._cursor_row() is not None
        # Switching to another text of the same length (a script view) keeps the cursor's screen row.
        row = view._cursor_row()
        view.set_document(SEED.replace("的", "地"), keep_offset=5000)
        await pilot.pause()
        assert view.cursor == 5000 and view._cursor_row() == row


async def test_large_document_opens_and_pages(doc_app: OpenDoc) -> None:
    text = ZUOZHUAN.read_text(encoding="utf-8")
    async with doc_app("", (100, 30)) as (_app, pilot, view):
        view.set_document(text)  # its speed: `python benchmarks/run.py ui`
        await pilot.pause()
        assert "左传" in screen_lines(view)[0]
        for _ in range(3):
            await pilot.press("pagedown")
        assert view.scroll_y >= 3 * (view.size.height - 1) - 1
        view._strip_cache.clear()
        lines = screen_lines(view)
        assert any(line.strip() for line in lines)
        await pilot.press("G")
        assert view.scroll_percent == 100


async def test_move_cursor_with_selection_and_clear(doc_app: OpenDoc) -> None:
    async with doc_app(SEED, (100, 30)) as (_app, pilot, view):
        view.move_cursor(6000, selection=(6000, 6010), center=True)
        await pilot.pause()
        assert view.cursor == 6000 and view.selection == (6000, 6010)
        row = view._cursor_row()
        assert row is not None and abs(row - view.size.height // 2) <= 1
        await pilot.press("shift+right")  # the anchor is the far end: the selection shrinks
        assert view.selection == (6001, 6010)
        view.clear_selection()
        assert view.selection is None and view.cursor == 6001


async def test_document_set_before_the_view_has_a_size() -> None:
    class EarlyApp(App[None]):
        def compose(self) -> ComposeResult:
            view = DocumentView()
            view.set_document(SEED, keep_offset=7000)  # before mount: wrapped on the first resize
            yield view

    app = EarlyApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        view = view_of(app)
        assert view.text_layout is not None
        assert view.cursor == 7000 and view._cursor_row() is not None
        assert any(line.strip() for line in screen_lines(view))


async def test_a_long_text_shows_at_once_and_is_wrapped_between_frames(doc_app: OpenDoc) -> None:
    """Only the part around the cursor is wrapped before the text is shown; the rest follows a few
    thousand characters at a time, without a key, and ends exactly as wrapping it at once would."""
    text = ZUOZHUAN.read_text(encoding="utf-8")
    async with doc_app("", (100, 30)) as (_app, pilot, view):
        view.set_document(text, keep_offset=300_000)
        layout = view.text_layout
        assert layout is not None and not layout.complete
        assert view.cursor == 300_000 and view._cursor_row() is not None
        assert view.virtual_size.height > len(layout)  # the scrollbar estimates the whole
        await wait_until(pilot, lambda: layout.complete, "the rest of the text to be wrapped")
        whole = wrap_text(text, layout.width)
        assert (layout.starts, layout.ends) == (whole.starts, whole.ends)
        assert view.virtual_size.height == len(whole)
        assert view.cursor == 300_000 and view._cursor_row() is not None


async def test_keys_wrap_as_far_as_they_go_before_the_rest_is_wrapped(doc_app: OpenDoc) -> None:
    text = ZUOZHUAN.read_text(encoding="utf-8")
    async with doc_app("", (100, 30)) as (_app, pilot, view):
        view.set_document(text)
        layout = view.text_layout
        assert layout is not None and not layout.complete
        first_part = len(layout)
        for _ in range(first_part // 28 + 2):  # page past the first part
            view.action_page_down()
        assert layout.line_of_offset(view.cursor) > first_part
        assert view._cursor_row() is not None
        assert any(line.strip() for line in screen_lines(view))
        await pilot.press("G")  # the real end, not the end of what was wrapped so far
        assert layout.complete
        assert view.scroll_percent == 100
        assert layout.line_of_offset(view.cursor) == len(layout) - 2  # the last line before the final blank
        assert text[view.cursor :].rstrip("\n") == layout.line_text(len(layout) - 2)
