"""The library's article table: its columns (which, how wide, their labels, sorting) and its rows.

``LibraryTable`` is the part of the library screen that turns what is known of the articles (their
``ArticleInfo``, the facts ``library_facts`` detects, annotation counts, folded titles) into the table's
rows, filtered by the query and sorted by a column (``o`` or a click on a header).
``reader.screens.library.LibraryScreen`` composes the widgets it fills (the ``DataTable``, the filter box
``#library-filter`` and the detail line ``#library-detail``), lists the articles and opens them.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static
from textual.widgets.data_table import ColumnKey

from reader.articles import ArticleInfo
from reader.sanitise import safe_line
from reader.screens.library_facts import ArticleFacts, matching, reading_time
from reader.shorttext import clip_line
from reader.widgets.toast import notify_replacing
from reader.workspace import Workspace

__all__ = ["COLUMNS", "LibraryTable"]

SCRIPT_LABELS = {"simplified": "简", "traditional": "繁", "mixed": "混", "none": "–", "": ""}
COLUMNS = (
    ("title", "Title"),
    ("script", "Script"),
    ("chars", "Length"),
    ("minutes", "Read"),
    ("notes", "Notes"),
)


TITLE_MIN_CELLS = 16  # 8 Chinese characters: what is left of 60 columns
#: the other columns' widths: room for their label and the sort arrow
COLUMN_CELLS = {"script": 8, "chars": 8, "minutes": 8, "notes": 7}
#: script + length + reading time + notes columns, their padding and the scrollbar
OTHER_COLUMNS_CELLS = sum(COLUMN_CELLS.values()) + 2 * len(COLUMNS) + 2
#: columns sorted large to small first (a length, a time, a count); the title and script A to Z
DESCENDING_FIRST = ("chars", "minutes", "notes")
#: the sorted column's label ends with its direction
ARROWS = {False: " ▲", True: " ▼"}
#: site and date columns (of added articles), with their padding: shown only in a window this wide
WEB_COLUMNS = (("site", "Site", 14), ("date", "Date", 10))
WEB_COLUMNS_CELLS = 28
WEB_COLUMNS_MIN_WIDTH = 110


class LibraryTable(Screen[None]):
    """The article table's columns and rows (the subclass composes the table, the filter and the detail)."""

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self._infos: list[ArticleInfo] = []
        self._folded_titles: dict[str, str] = {}
        self._counts: dict[str, int] = {}
        self._sort_column = "title"
        self._sort_reverse = False
        #: `o` chose the sorted column (pressed again, it reverses it)
        self._sorted_by_o = False
        #: the detected title, body length, damage, site and date of each article (a worker fills it)
        self._facts: dict[str, ArticleFacts] = {}
        self._web_columns = False

    # -- columns --------------------------------------------------------------------------------------
    def _add_columns(self) -> None:
        table = self.query_one(DataTable)
        title_width = self._title_width(self.app.size.width)  # so the first layout needs no second pass
        for key, label in COLUMNS:
            table.add_column(label, key=key, width=title_width if key == "title" else COLUMN_CELLS[key])
        self._label_columns()

    def on_resize(self) -> None:
        """The title column takes what the other columns leave (they are narrow and fixed)."""
        table = self.query_one(DataTable)
        column = table.columns.get(ColumnKey("title")) if table.columns else None
        width = self._title_width(self.size.width)
        if column is not None and column.width != width:
            column.width = width
            table.refresh()

    def _title_width(self, screen_width: int) -> int:
        web = WEB_COLUMNS_CELLS if self._web_columns else 0
        return max(TITLE_MIN_CELLS, screen_width - OTHER_COLUMNS_CELLS - web)

    def _show_web_columns(self) -> None:
        """Site and date columns, once an added article has them and the window is wide enough."""
        if self._web_columns or self.app.size.width < WEB_COLUMNS_MIN_WIDTH:
            return
        if not any(f.site or f.date for f in self._facts.values()):
            return
        self._web_columns = True
        table = self.query_one(DataTable)
        for key, label, width in WEB_COLUMNS:
            table.add_column(label, key=key, width=width, default=Text(""))
        self._label_columns()
        self.on_resize()

    # -- rows ---------------------------------------------------------------------------------------------
    def _visible(self) -> list[ArticleInfo]:
        query = self.query_one("#library-filter", Input).value.strip()
        infos = self._infos
        facts = self._facts
        if query:
            folded = self.workspace.converter.convert(query, "simplified").casefold()
            found = matching(facts, (i.id for i in infos), folded)  # the detected title, site, date
            titles = self._folded_titles  # the file's first line: a detected title may be shorter
            infos = [
                i
                for i in infos
                if i.id in found or folded in titles.get(i.id, "") or folded in i.id.casefold()
            ]
        key = {
            "title": lambda i: facts[i.id].folded if i.id in facts else self._folded_titles.get(i.id, ""),
            "script": lambda i: i.script,
            "chars": lambda i: facts[i.id].body_chars if i.id in facts else i.chars,
            "minutes": lambda i: facts[i.id].reading_minutes if i.id in facts else i.reading_minutes,
            "notes": lambda i: self._counts.get(i.id, 0),
            "site": lambda i: facts[i.id].site if i.id in facts else "",
            "date": lambda i: facts[i.id].date if i.id in facts else "",
        }[self._sort_column]
        return sorted(infos, key=key, reverse=self._sort_reverse)

    def _fill_table(self, keep: str | None = None) -> None:
        table = self.query_one(DataTable)
        table.clear()
        rows = []
        for info in self._visible():
            rows.append(self._row(info))
        keys = [info.id for info in self._visible()]
        for key, row in zip(keys, rows, strict=True):
            table.add_row(*row, key=key)
        if keep and keep in keys:
            table.move_cursor(row=keys.index(keep))
        self._show_detail()

    def _row(self, info: ArticleInfo) -> tuple[Text, ...]:
        """The cells of one article's row (its detected title and body figures once they are known)."""
        style = "dim" if info.error else ""
        facts = self._facts.get(info.id)
        title = Text(no_wrap=True, overflow="ellipsis", style=style)
        if facts is not None and facts.marks:
            title.append(facts.marks + " ", style="bold #d78700")
        title.append(facts.title if facts is not None else safe_line(info.title))
        if info.error:
            title.append("  ⚠ cannot read", style="dim italic")
        elif self.workspace.store.problem_for(info.id):
            title.append("  ⚠ annotations damaged", style="red italic")
        if facts is not None:
            chars, minutes = f"{facts.body_chars:,}", facts.reading_minutes
        else:
            chars, minutes = f"{'' if info.chars_exact else '~'}{info.chars:,}", info.reading_minutes
        cells = (
            title,
            Text(SCRIPT_LABELS.get(info.script, "?"), style=style, justify="center"),
            Text(chars, style=style, justify="right"),
            Text(reading_time(minutes) if not info.error else "", style=style, justify="right"),
            Text(str(self._counts.get(info.id, 0) or ""), style=style, justify="right"),
        )
        if not self._web_columns:
            return cells
        site, date = (facts.site, facts.date) if facts is not None else ("", "")
        return (*cells, Text(site, no_wrap=True, overflow="ellipsis"), Text(date))

    def _current_id(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return row_key.value

    def _show_detail(self) -> None:
        detail = self.query_one("#library-detail", Static)
        article_id = self._current_id()
        info = next((i for i in self._infos if i.id == article_id), None)
        if info is None:
            query = self.query_one("#library-filter", Input).value.strip()
            text = Text(no_wrap=True, overflow="ellipsis")
            if query and not self.query_one(DataTable).row_count:
                text.append("no match", style="bold")
                text.append(f" for {clip_line(query, 24)} · {len(self._infos)} articles · esc clears")
            detail.update(text)
            return
        text = Text(safe_line(info.id), style="bold", no_wrap=True, overflow="ellipsis")
        problem = self.workspace.store.problem_for(info.id)
        if info.error or problem:
            text.append(f"  {safe_line(info.error or problem or '')}", style="red")
        else:
            text.append(f"  {info.paragraphs} paragraphs · {self._counts.get(info.id, 0)} annotations")
            facts = self._facts.get(info.id)
            if facts is not None:
                text.append(f" · {facts.detail(info)}")
        detail.update(text)

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self) -> None:
        self._show_detail()
        self.refresh_bindings()

    # -- sorting ------------------------------------------------------------------------------------------
    @on(DataTable.HeaderSelected)
    def _header_selected(self, event: DataTable.HeaderSelected) -> None:
        self._sort_by(str(event.column_key.value))

    def _sort_by(self, column: str) -> None:
        """A click on a column's header: sort by it; on the sorted column: the other way round."""
        if column == self._sort_column:
            self._sort_reverse = not self._sort_reverse
        else:
            self._sort_column, self._sort_reverse = column, column in DESCENDING_FIRST
        self._sorted_by_o = False
        self._sorted()

    def action_cycle_sort(self) -> None:
        """`o`: sort by the next column; pressed again, that column the other way round; then the next."""
        column = self._sort_column
        if self._sorted_by_o and self._sort_reverse == (column in DESCENDING_FIRST):
            self._sort_reverse = not self._sort_reverse
        else:
            keys = [key for key, _ in COLUMNS]
            column = keys[(keys.index(column) + 1) % len(keys)]
            self._sort_column, self._sort_reverse = column, column in DESCENDING_FIRST
        self._sorted_by_o = True
        self._sorted()

    def _sorted(self) -> None:
        self._fill_table(keep=self._current_id())
        self._label_columns()
        label = self._column_labels()[self._sort_column]
        message = f"Sorted by {label}{' (descending)' if self._sort_reverse else ''}"
        notify_replacing(self, "sort", message, timeout=1.5)

    def _label_columns(self) -> None:
        """Each column's label; the sorted one's ends with ▲ (A to Z, small to large) or ▼."""
        table = self.query_one(DataTable)
        for key, label in self._column_labels().items():
            arrow = ARROWS[self._sort_reverse] if key == self._sort_column else ""
            table.columns[ColumnKey(key)].label = Text(label + arrow)
        table.refresh()

    def _column_labels(self) -> dict[str, str]:
        """The columns shown, by key (site and date only in a wide window, once an article has them)."""
        web = {key: label for key, label, _ in WEB_COLUMNS} if self._web_columns else {}
        return dict(COLUMNS) | web
