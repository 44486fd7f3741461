"""Helpers of the Pilot tests of the whole app (test_app.py, test_app_reading.py): the seeds' articles and
passages the tests use, and what a user would do or see (open an article, select a passage, the colour of a
cell).
"""

from __future__ import annotations

from pathlib import Path

from rich.color import Color
from rich.style import Style
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static, TextArea

from _pilot import settle
from reader.app import ReaderApp
from reader.convert import VIEWS
from reader.screens.annotate import AnnotateDialog
from reader.screens.library import LibraryScreen
from reader.screens.reading import ReadingScreen
from reader.store import Annotation
from reader.widgets.document import DocumentView
from reader.widgets.panel import AnnotationList
from reader.workspace import Workspace

SIZE = (120, 36)
ARTICLE = "002_ced27b30dc7015ea.txt"  # Traditional, 4,564 characters
#: a whole one-sentence paragraph of ARTICLE, phrase-aligned in every view. ARTICLE is Taiwanese, so since
#: views follow the source's script its Taiwan view is the original (it used to turn 用戶 into 使用者, and
#: the view offsets were 252–287); the 繁體 view writes OpenCC's standard forms (平台 -> 平臺)
PASSAGE = (251, 285)
#: `}` pressed this many times from the top lands on PASSAGE[0] (the byline under the title is folded)
PASSAGE_PARAGRAPH = 3
#: another phrase-aligned sentence, further down (Taiwan offsets were +17 here; now +0)
LATER = (2159, 2184)
#: "X平台" of ARTICLE in each view (the 繁體 view writes the OpenCC standard 臺)
X_PLATFORM = {
    "original": "X平台",
    "simplified": "X平台",
    "traditional": "X平臺",
    "taiwan": "X平台",
    "hongkong": "X平台",
}
LONG_ARTICLE = "000_7bd28feb70503cb0.txt"

SCRIPTS = {
    "000_7bd28feb70503cb0.txt": "繁",
    "001_8eaa32b1d9703bf4.txt": "简",
    "002_ced27b30dc7015ea.txt": "繁",
    "003_354cf6c445f5e220.txt": "繁",
    "004_b2f79115014bf41b.txt": "简",
}


# -- helpers ------------------------------------------------------------------------------------------


def make_app(seeds_dir: Path, db_dir: Path) -> ReaderApp:
    return ReaderApp(Workspace(seeds_dir, db_dir))


def library(app: ReaderApp) -> LibraryScreen:
    assert isinstance(app.screen, LibraryScreen)
    return app.screen


def row_ids(app: ReaderApp) -> list[str]:
    table = library(app).query_one(DataTable)
    return [str(row.key.value) for row in table.ordered_rows]


def row_cells(app: ReaderApp) -> dict[str, list[str]]:
    table = library(app).query_one(DataTable)
    return {str(row.key.value): [str(cell) for cell in table.get_row(row.key)] for row in table.ordered_rows}


def table_lines(table: DataTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


def filter_value(app: ReaderApp) -> str:
    return library(app).query_one("#library-filter", Input).value


async def open_article(pilot: Pilot, article_id: str = ARTICLE) -> ReadingScreen:
    """From the library: put the row cursor on the article and press Enter."""
    await settle(pilot)
    table = library(pilot.app).query_one(DataTable)
    table.focus()
    table.move_cursor(row=row_ids(pilot.app).index(article_id))  # as if by arrow keys
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReadingScreen)
    assert screen.article is not None and screen.info.id == article_id
    return screen


def document(screen: ReadingScreen) -> DocumentView:
    return screen.query_one(DocumentView)


def header(screen: ReadingScreen) -> str:
    return str(screen.query_one("#reading-header", Static).render())


def highlighted_texts(doc: DocumentView) -> list[str]:
    return [doc.text[h.start : h.end] for h in doc.highlights]


def cell_styles(doc: DocumentView) -> dict[int, Style]:
    """The rendered style of every character on screen, by its offset in the view text."""
    layout = doc.text_layout
    assert layout is not None
    top = round(doc.scroll_y)
    styles: dict[int, Style] = {}
    for y in range(doc.scrollable_content_region.height):
        line = top + y
        if line >= len(layout):
            break
        chars = [segment.style or Style() for segment in doc.render_line(y) for _ in segment.text]
        start, end = layout.starts[line], layout.ends[line]
        for offset, style in zip(range(start, end), chars[doc._margin :], strict=False):
            styles[offset] = style
    return styles


def colour_of(workspace: Workspace, annotation: Annotation) -> Color:
    """The colour the annotation is drawn in: its own, else its first tag's in the codebook."""
    return Color.parse(workspace.color_for(annotation))


def painted(style: Style, colour: Color) -> bool:
    return style.bgcolor is not None and style.bgcolor.get_truecolor() == colour.get_truecolor()


async def type_text(pilot: Pilot, text: str) -> None:
    await pilot.press(*text)


async def go_to_passage(pilot: Pilot, screen: ReadingScreen) -> None:
    """`g`, then `}` paragraph by paragraph down to PASSAGE."""
    await pilot.press("g", *["right_curly_bracket"] * PASSAGE_PARAGRAPH)
    doc = document(screen)
    assert screen.view_text is not None
    assert doc.cursor == screen.view_text.offsets.to_view(PASSAGE[0])


async def annotate_selection(pilot: Pilot, tags: str, note: str) -> None:
    """`a`, fill in the tags and the note, Enter; wait for the save.

    Typing them instead: test_v_selects_the_sentence_and_a_tags_and_saves_it."""
    await pilot.press("a")
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, AnnotateDialog)
    dialog.query_one("#annotate-tags", Input).value = tags
    dialog.query_one("#annotate-note", TextArea).load_text(note)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ReadingScreen)


async def highlight_passage(
    pilot: Pilot, screen: ReadingScreen, tags: str = "難民, 平台", note: str = "a note"
) -> Annotation:
    """Select PASSAGE with `v` and annotate it; the one annotation of the article."""
    assert screen.view_text is not None
    document(screen).cursor = screen.view_text.offsets.to_view(
        PASSAGE[0]
    )  # the keys: test_v_selects_the_sentence_and_a_tags_and_saves_it
    await pilot.press("v")
    assert document(screen).selection == screen.view_text.offsets.range_to_view(*PASSAGE)
    await annotate_selection(pilot, tags, note)
    (annotation,) = screen.workspace.store.for_article(screen.info.id)
    return annotation


async def show_view(pilot: Pilot, screen: ReadingScreen, view: str) -> None:
    """Switch straight to `view`, as the palette's "View: …" does (`s` is pressed in the view tests)."""
    screen.switch_view(view)
    await settle(pilot)
    assert screen.view_name == view


async def cycle_view(pilot: Pilot, screen: ReadingScreen) -> str:
    before = screen.view_name
    await pilot.press("s")
    await settle(pilot)
    assert screen.view_name == VIEWS[(VIEWS.index(before) + 1) % len(VIEWS)]
    return screen.view_name


def panel_lines(entries: AnnotationList) -> list[str]:
    return [entries.render_line(y).text for y in range(entries.scrollable_content_region.height)]
