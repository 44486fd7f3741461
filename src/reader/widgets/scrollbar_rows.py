"""Move a vertical scrollbar's thumb, repainting only the rows whose look changes.

Textual repaints the whole scrollbar whenever its position changes (a reactive with ``repaint=True``), and
the scrollbar's rows go through the same per-line styling as any widget's: on a 37-row document that was
~1.2–1.7 ms of a 6–7 ms page-down frame, a quarter of the render, for a thumb that moves by an eighth of a
cell (zuozhuan: ~23,600 rows). Here the bar is drawn twice in the abstract (``ScrollBarRender.render_bar``
returns one segment per row, cheap) for the old and the new position, and only the rows that differ are
marked dirty; the others keep their painted lines, which are the same. Anything else that changes the bar's
look (its sizes, hover, a drag, the theme, a resize) still repaints all of it through Textual's own
reactives, so this only ever leaves out rows that would have been painted identically.
"""

from __future__ import annotations

from math import ceil

from rich.segment import Segment
from textual.geometry import Region
from textual.scrollbar import ScrollBar, ScrollBarRender

__all__ = ["move_thumb"]


def move_thumb(bar: ScrollBar, position: float) -> None:
    """Set the vertical `bar`'s position (what ``ScrollView.watch_scroll_y`` does), repainting only the rows
    that change; the whole bar when the rows cannot be compared (another renderer, a hidden bar colour)."""
    new = bar.validate_position(position)
    old = bar.position
    if new == old:
        return
    before, after = _rows(bar, old), _rows(bar, new)
    bar.set_reactive(ScrollBar.position, new)  # no repaint of the whole bar: done below, by rows
    if before is None or after is None or len(before) != len(after):
        bar.refresh()
        return
    width = bar.size.width
    changed = [y for y, (was, now) in enumerate(zip(before, after, strict=True)) if was != now]
    for first, last in _runs(changed):
        bar.refresh(Region(0, first, width, last - first + 1))


def _rows(bar: ScrollBar, position: float) -> list[Segment] | None:
    """The segment of each row of `bar` at `position`, as ``ScrollBar._render_bar`` would draw it (in
    fixed colours: only the shape is compared, the colours are the same for both positions)."""
    if not bar.vertical or bar.renderer is not ScrollBarRender or not bar.size:
        return None
    if bar.screen.styles.scrollbar_color.a == 0:  # Textual draws a blank bar then: not this shape
        return None
    window_size = bar.window_size if bar.window_size < bar.window_virtual_size else 0
    bar_segments = ScrollBarRender.render_bar(
        size=bar.size.height,
        virtual_size=ceil(bar.window_virtual_size),
        window_size=ceil(window_size),
        position=position,
        thickness=bar.size.width,
        vertical=True,
    )
    return list(bar_segments.segments)


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted row numbers as (first, last) runs of consecutive rows."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs
