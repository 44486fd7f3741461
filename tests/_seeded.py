"""What the UI tests of the codebook, passages, search and palette share: a seeded app and ways into it.

Each test runs the real app on a temporary copy of the seeds (fixtures in conftest.py) at 120×36, with a few
annotations made through the Workspace first. Actions that start thread workers are followed by `settle`.
"""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import DataTable, OptionList, Tree

from _pilot import settle
from reader.app import ReaderApp
from reader.screens.dialogs import ChoiceDialog
from reader.screens.library import LibraryScreen
from reader.screens.reading import ReadingScreen
from reader.screens.tags import TagsScreen
from reader.store import Annotation
from reader.widgets.document import DocumentView
from reader.workspace import Workspace

SIZE = (120, 36)
TRADITIONAL = "002_ced27b30dc7015ea.txt"  # 數據 twice; the passage below
SIMPLIFIED = "004_b2f79115014bf41b.txt"
PASSAGE = (251, 285)  # a one-sentence paragraph of TRADITIONAL
LATER = (2159, 2184)


def seeded(seeds_dir: Path, db_dir: Path) -> tuple[ReaderApp, list[Annotation]]:
    """The app on a workspace with four annotations in two articles (in reading order)."""
    workspace = Workspace(seeds_dir, db_dir)
    simplified = workspace.load(SIMPLIFIED)
    traditional = workspace.load(TRADITIONAL)
    annotations = [
        workspace.annotate(traditional, *PASSAGE, tags=["難民", "平台/小红书"], note="匿名来源"),
        workspace.annotate(traditional, *LATER, tags=["来源"], note="[b]not markup[/b]"),
        workspace.annotate(simplified, 10, 20, tags=["難民"]),
        workspace.annotate(simplified, 40, 52, tags=["難民", "来源"]),
    ]
    return ReaderApp(workspace), sorted(annotations, key=lambda a: (a.article_id, a.start))


def tree_lines(screen: TagsScreen) -> list[str]:
    tree = screen.query_one(Tree)
    return [
        tree.render_line(y).text.rstrip() for y in range(tree.size.height) if tree.render_line(y).text.strip()
    ]


def tag_line(screen: TagsScreen, leaf: str) -> str:
    (line,) = [line for line in tree_lines(screen) if f" {leaf}  " in line]
    return line


async def open_tags(pilot: Pilot) -> TagsScreen:
    await settle(pilot)
    await pilot.press("ctrl+t")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, TagsScreen)
    return screen


async def cursor_on(pilot: Pilot, screen: TagsScreen, tag: str) -> None:
    tree = screen.query_one(Tree)
    node = next(n for n in _nodes(tree.root) if n.data is not None and n.data.name == tag)
    tree.move_cursor(node)
    await pilot.pause()
    assert screen.current_name() == tag


def _nodes(node):
    for child in node.children:
        yield child
        yield from _nodes(child)


async def choose(pilot: Pilot, value: str) -> None:
    """In an open ChoiceDialog: highlight `value`, Enter."""
    dialog = pilot.app.screen
    assert isinstance(dialog, ChoiceDialog)
    values = [v for _, v in dialog._choices]
    dialog.query_one(OptionList).highlighted = values.index(value)
    await pilot.press("enter")
    await settle(pilot)


async def open_from_library(pilot: Pilot, article_id: str) -> ReadingScreen:
    await settle(pilot)
    library = pilot.app.screen
    assert isinstance(library, LibraryScreen)
    table = library.query_one(DataTable)
    table.move_cursor(row=[str(row.key.value) for row in table.ordered_rows].index(article_id))
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReadingScreen) and screen.article is not None
    return screen


def on_screen(document: DocumentView, offset: int) -> bool:
    layout = document.text_layout
    assert layout is not None
    row = layout.line_of_offset(offset) - round(document.scroll_y)
    return 0 <= row < document.scrollable_content_region.height


def style_at(document: DocumentView, offset: int):
    """The rendered style of the character at `offset` (on screen)."""
    layout = document.text_layout
    assert layout is not None
    line = layout.line_of_offset(offset)
    chars = [
        segment.style
        for segment in document.render_line(line - round(document.scroll_y))
        for _ in segment.text
    ]
    return chars[document._margin + offset - layout.starts[line]]


def current_match_colour(document: DocumentView, offset: int):
    style = style_at(document, offset)
    return style.bgcolor.get_truecolor() if style.bgcolor is not None else None
