"""The dictionary popup: the word under the cursor in CC-CEDICT, beside the text, without moving it.

``i`` on the reading screen opens it at the cursor: the word's forms (traditional · simplified), its pinyin
and its definitions; ↑/↓ pick a shorter or longer word at that point (``Dictionary.candidates``: at 花 of
昙花一现: 花, 昙花, 昙花一现); it starts on the word the segmenter sees there (else the longest). It is a
transparent modal screen whose box sits below the cursor's line (above it near the bottom), so the
document underneath stays exactly where it was; Esc (or ``i``, ``q``, Enter) closes it.

The index is opened by the reading screen's words worker when the article opens; once it is, the look-up
(a fraction of a millisecond) is made before the popup is first drawn; until then it runs in a thread
worker and the popup says "looking it up…". CC-CEDICT is © MDBG, CC BY-SA 4.0.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Static

from reader.dictionary import Candidate, Dictionary
from reader.errors import ReaderError
from reader.sanitise import safe_line
from reader.screens.handover import show
from reader.shorttext import text_cells, wrap_lines

__all__ = ["DictionaryPopup", "default_candidate"]

#: the box's widest (cells, borders included)
POPUP_WIDTH = 64
#: definitions shown at most per entry (the rest are counted)
MAX_DEFINITIONS = 6


def default_candidate(candidates: list[Candidate], word: tuple[int, int] | None) -> int:
    """The candidate shown first: the segmenter's word at the cursor if the dictionary has it, else the
    longest (candidates are shortest first)."""
    for i, candidate in enumerate(candidates):
        if word is not None and (candidate.start, candidate.end) == word:
            return i
    return len(candidates) - 1


class DictionaryPopup(ModalScreen[None]):
    """The entries of the word at ``pos`` of ``text`` (a view's text), placed beside screen point ``at``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "step(-1)", "Shorter", id="dictionary.shorter", tooltip="A shorter word here"),
        Binding("down,j", "step(1)", "Longer", id="dictionary.longer", tooltip="A longer word here"),
        Binding("escape,i,q,enter", "close", "Close", id="dictionary.close"),
    ]

    DEFAULT_CSS = """
    DictionaryPopup {
        align: left top;
    }
    #dictionary-box {
        border: round $accent;
        background: $panel;
        padding: 0 1;
    }
    """

    def __init__(
        self,
        dictionary: Dictionary,
        text: str,
        pos: int,
        *,
        word: tuple[int, int] | None,
        at: tuple[int, int],
        line_rows: int = 1,
    ) -> None:
        """``word``: the segmenter's word at ``pos`` (or None); ``at``: the cursor's screen cell (x, y);
        ``line_rows``: rows its line takes (2 with the reading line), so the box never covers it."""
        super().__init__()
        self.dictionary = dictionary
        self.text = text
        self.pos = pos
        self.word = word
        self.at = at
        self.line_rows = line_rows
        self.candidates: list[Candidate] | None = None  # None while looking up
        self.index = 0
        self.problem: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("looking it up…", style="dim"), id="dictionary-box")

    def on_mount(self) -> None:
        # inline, so that it wins over app.tcss's `Screen { background: … }`: the text stays in view
        self.styles.background = "transparent"
        if self.dictionary.ready:
            try:
                self._found(self.dictionary.candidates(self.text, self.pos), None)
                return
            except ReaderError as exc:
                self._found([], str(exc))
                return
        self._place(self._lines())
        self.run_worker(self._look_up, thread=True, exit_on_error=False)

    def _look_up(self) -> None:
        try:
            found = self.dictionary.candidates(self.text, self.pos)
            problem = None
        except ReaderError as exc:
            found, problem = [], str(exc)
        show(self, self._found, found, problem)

    def _found(self, candidates: list[Candidate], problem: str | None) -> None:
        self.candidates, self.problem = candidates, problem
        self.index = default_candidate(candidates, self.word) if candidates else 0
        self._show()

    @property
    def current(self) -> Candidate | None:
        """The candidate shown (None while looking up or when there is none)."""
        if not self.candidates:
            return None
        return self.candidates[self.index]

    # -- drawing --------------------------------------------------------------------------------------
    def _inner_width(self) -> int:
        return max(10, min(POPUP_WIDTH, self.app.size.width - 2) - 4)  # border and padding

    def _lines(self) -> list[Text]:
        width = self._inner_width()
        if self.candidates is None:
            return [Text("looking it up…", style="dim")]
        if self.problem is not None:
            return [Text(line, style="bold red") for line in wrap_lines(safe_line(self.problem), width)]
        candidate = self.current
        if candidate is None:
            shown = safe_line(self.text[self.pos : self.pos + 1]) or "this"
            return [Text(f"No dictionary entry for {shown}.", style="dim"), Text("esc closes", style="dim")]
        lines: list[Text] = []
        for entry in candidate.entries:
            head = Text(no_wrap=True, overflow="ellipsis")
            forms = (
                entry.traditional
                if entry.traditional == entry.simplified
                else (f"{entry.traditional} · {entry.simplified}")
            )
            head.append(safe_line(forms), style="bold")
            head.append("  ")
            head.append(safe_line(entry.pinyin_marks), style="bold cyan")
            lines.append(head)
            definitions = [d for d in entry.definitions if d.strip()]
            for n, definition in enumerate(definitions[:MAX_DEFINITIONS], 1):
                wrapped = wrap_lines(safe_line(definition), width, first=f"{n}. ", indent="   ")
                lines.extend(Text(line) for line in wrapped)
            if len(definitions) > MAX_DEFINITIONS:
                lines.append(Text(f"   … {len(definitions) - MAX_DEFINITIONS} more", style="dim"))
        count = len(self.candidates or ())
        foot = f"{self.index + 1}/{count} · ↑ shorter · ↓ longer · esc" if count > 1 else "esc closes"
        lines.append(Text(foot, style="dim"))
        return lines

    def _place(self, lines: list[Text]) -> None:
        """Size the box to its lines and put it below the cursor's line, or above it if there is no room."""
        screen_w, screen_h = self.app.size
        width = min(max(max((text_cells(t.plain) for t in lines), default=10) + 4, 24), screen_w)
        width = min(width, self._inner_width() + 4)
        height = min(len(lines) + 2, max(3, screen_h - 2))
        x, y = self.at
        below = y + 1
        top = below if below + height <= screen_h - 1 else max(0, y - self.line_rows + 1 - height)
        left = max(0, min(x - 2, screen_w - width))
        box = self.query_one("#dictionary-box", Static)
        box.styles.width = width
        box.styles.height = height
        box.styles.offset = (left, top)

    def _show(self) -> None:
        lines = self._lines()
        self._place(lines)
        self.query_one("#dictionary-box", Static).update(Text("\n").join(lines))

    # -- keys -----------------------------------------------------------------------------------------
    def action_step(self, step: int) -> None:
        if self.candidates:
            self.index = max(0, min(len(self.candidates) - 1, self.index + step))
            self._show()

    def action_close(self) -> None:
        self.dismiss(None)

    def on_click(self, event: events.Click) -> None:
        box = self.query_one("#dictionary-box", Static)
        if not box.region.contains(event.screen_x, event.screen_y):
            self.dismiss(None)
