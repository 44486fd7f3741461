"""The codebook: every tag as a tree (``a/b`` is a child of ``a``) with its colour, counts and description.

Create, rename, merge, recolour, describe and delete tags (`u` undoes the last change); Enter lists the
passages of the tag (and of every tag marked with space) across the corpus.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from reader.codebook import TagInfo
from reader.colors import COLORS, hex_for
from reader.errors import ReaderError
from reader.sanitise import safe_line
from reader.screens.dialogs import ChoiceDialog, InputDialog, confirm_choices
from reader.screens.handover import show, tell
from reader.tags import check_tag, find_equivalent_tag, under
from reader.widgets.header import HeaderLine, Part
from reader.widgets.keybar import KeyBar
from reader.workspace import Workspace


class TagTree(Tree[TagInfo]):
    """The tag tree; space marks a tag (for a passages list of several tags) instead of folding."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "screen.mark", "Mark", id="tags.mark", tooltip="Mark/unmark the tag for Enter"),
    ]


class TagsScreen(Screen[None]):
    """The codebook. Every change is saved at once; counts are passages (with sub-tags) and articles."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "create", "New", id="tags.create", tooltip="Create a tag (a/b: a child of a)"),
        Binding("r", "rename", "Rename", id="tags.rename", tooltip="Rename the tag on every passage"),
        Binding("m", "merge", "Merge", id="tags.merge", tooltip="Merge the tag into another one"),
        Binding("k", "color", "Colour", id="tags.color", tooltip="Choose the tag's highlight colour"),
        Binding("i", "describe", "Describe", id="tags.describe", tooltip="Edit the tag's description"),
        Binding("d", "delete", "Delete", id="tags.delete", tooltip="Delete the tag from every passage"),
        Binding("u", "undo", "Undo", id="tags.undo", tooltip="Undo the last change to the codebook"),
        Binding("escape", "back", "Back", id="tags.back", tooltip="Close the codebook"),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.infos: list[TagInfo] = []
        self.marked: set[str] = set()
        self._conflicts = 0  # codebook conflicts between coders (reader.codebook_log), shown in the header
        #: set when a passages list is opened from here: coming back, the counts are re-read
        self._reload_on_resume = False

    def compose(self) -> ComposeResult:
        yield HeaderLine(id="tags-header")
        tree: TagTree = TagTree(Text("tags"), id="tags-tree")
        tree.show_root = False
        tree.auto_expand = False
        yield tree
        yield Static(Text(""), id="tags-detail")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(TagTree).focus()
        self.reload()

    def on_screen_resume(self) -> None:
        if self._reload_on_resume:  # back from a passages list, where tags may have been edited
            self._reload_on_resume = False
            self.reload(keep=self.current_name())

    # -- loading and drawing --------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="tags-load", exit_on_error=False)
    def reload(self, keep: str | None = None) -> None:
        infos = self.workspace.codebook.tags()
        try:
            self._conflicts = len(self.workspace.codebook.conflicts())  # coders' concurrent changes
        except ReaderError:  # a damaged operation log: the tags above already say what they can
            self._conflicts = 0
        show(self, self._fill, infos, keep)

    def _swatch(self, info: TagInfo) -> str:
        return hex_for(info.color)

    def _label(self, info: TagInfo) -> Text:
        leaf = info.name.rsplit("/", 1)[-1]
        label = Text(no_wrap=True, overflow="ellipsis")
        label.append("✓ " if info.name in self.marked else "  ", style="bold green")
        label.append("██", style=self._swatch(info))
        label.append(" ")
        label.append(safe_line(leaf), style="bold")
        label.append(f"  {info.passages} passage{'s' if info.passages != 1 else ''}", style="cyan")
        label.append(f" · {info.articles} article{'s' if info.articles != 1 else ''}", style="cyan")
        if info.description:
            label.append(f"  {safe_line(info.description)}", style="italic dim")
        return label

    def _fill(self, infos: list[TagInfo], keep: str | None = None) -> None:
        self.infos = sorted(infos, key=lambda i: i.name.casefold())
        names = {info.name for info in self.infos}
        self.marked &= names
        tree = self.query_one(TagTree)
        tree.clear()
        nodes: dict[str, TreeNode[TagInfo]] = {}
        parents = {name.rsplit("/", 1)[0] for name in names if "/" in name}
        for info in self.infos:
            parent = nodes.get(info.name.rsplit("/", 1)[0], tree.root) if "/" in info.name else tree.root
            node = parent.add(self._label(info), data=info, expand=True, allow_expand=info.name in parents)
            nodes[info.name] = node
        tree.root.expand_all()
        # after the tree has laid out its new lines (a node's line is known only then)
        self.call_after_refresh(self._restore_cursor, nodes.get(keep) if keep else None)
        self._show_detail()
        total = len(self.infos)
        parts = [Part(f"Tags · {total} in the codebook", style="bold")]
        if self._conflicts:  # never resolved silently: listed until settled (docs/TEAMS.md)
            conflicts = f"{self._conflicts} conflict(s) between coders: reader tags conflicts"
            parts.append(Part(conflicts, style="bold yellow"))
        parts.append(Part("enter: passages · space: mark", style="dim", shrink=True))
        self.query_one(HeaderLine).show(*parts)

    def _node(self, name: str) -> TreeNode[TagInfo] | None:
        """The tree's node of the tag `name`, if it has one."""

        def walk(node: TreeNode[TagInfo]) -> TreeNode[TagInfo] | None:
            if node.data is not None and node.data.name == name:
                return node
            return next((found for child in node.children if (found := walk(child)) is not None), None)

        return walk(self.query_one(TagTree).root)

    def _restore_cursor(self, node: TreeNode[TagInfo] | None) -> None:
        tree = self.query_one(TagTree)
        if node is not None and node.tree is tree and node.line >= 0:
            tree.move_cursor(node)
        elif tree.cursor_line < 0 and self.infos:
            tree.move_cursor_to_line(0)
        self._show_detail()

    def _show_detail(self) -> None:
        info = self.current()
        detail = Text(no_wrap=True, overflow="ellipsis")
        if info is None:
            detail.append("No tags yet: c creates one, or tag passages with a in an article.", style="dim")
        else:
            detail.append(safe_line(info.name), style="bold")
            detail.append(f"  {info.own_passages} passage(s) tagged exactly this")
            if self.marked:
                marked = ", ".join(safe_line(name) for name in sorted(self.marked))
                detail.append(f"  ·  marked: {marked}", style="green")
        self.query_one("#tags-detail", Static).update(detail)

    @on(Tree.NodeHighlighted)
    def _highlighted(self) -> None:
        self._show_detail()

    def current(self) -> TagInfo | None:
        node = self.query_one(TagTree).cursor_node
        return node.data if node is not None else None

    def current_name(self) -> str | None:
        info = self.current()
        return info.name if info else None

    # -- changes ---------------------------------------------------------------------------------------
    def _change(self, change: Callable[[], str], keep: str | None) -> None:
        """Run one codebook change off the UI thread, then reload the tree and say what happened (also
        if the user has closed the codebook meanwhile: the app is taken here, screens/handover.py)."""
        self._apply_change(self.app, change, keep)

    @work(thread=True, group="tags-change", exit_on_error=False)
    def _apply_change(self, app: App[object], change: Callable[[], str], keep: str | None) -> None:
        try:
            message = change()
        except ReaderError as exc:
            tell(app, safe_line(str(exc)), title="Not done", severity="error")
            return
        infos = self.workspace.codebook.tags()
        try:
            self._conflicts = len(self.workspace.codebook.conflicts())  # coders' concurrent changes
        except ReaderError:  # a damaged operation log: the tags above already say what they can
            self._conflicts = 0
        show(self, self._fill, infos, keep)
        tell(app, safe_line(message), timeout=2.5)

    def _in_use(self, leaving: str = "") -> list[str]:
        """The tags in the codebook, most passages first (without `leaving`: the one being renamed)."""
        infos = sorted(self.infos, key=lambda info: -info.passages)
        return [info.name for info in infos if not (leaving and under(info.name, leaving))]

    def action_create(self) -> None:
        codebook = self.workspace.codebook
        current = self.current_name()

        def create(name: str | None) -> None:
            if name in self._in_use():  # the tag in use was chosen over a spelling of it: go there
                self._restore_cursor(self._node(name))
                self.notify(f"{name} is in the codebook already", timeout=2.5, markup=False)
            elif name:

                def run() -> str:
                    codebook.create(name)
                    return f"Created {name}"

                self._change(run, name)

        # empty, not "current/": a full path typed over a prefix made 框架/框架/經濟
        example = f"{current}/…" if current else "framing/economy"
        dialog = InputDialog(
            "New tag (a/b is a child of a)",
            placeholder=f"e.g. {example}",
            check=check_tag,
            offer=lambda name: find_equivalent_tag(name, self._in_use()),
        )
        self.app.push_screen(dialog, create)

    def action_rename(self) -> None:
        info = self.current()
        if info is None:
            return
        codebook = self.workspace.codebook
        others = self._in_use(leaving=info.name)
        offered: set[str] = set()

        def offer(name: str) -> str | None:
            """A tag in use spelt like `name` in the other script: renaming to it merges the two."""
            alike = find_equivalent_tag(name, others)
            if alike is not None:
                offered.add(alike)
            return alike

        def rename(new: str | None) -> None:
            if not new or new == info.name:
                return
            if new in offered and new in others:  # the spelling in use was chosen: the two become one

                def run() -> str:
                    count = codebook.merge(info.name, new)
                    return f"Merged {info.name} into {new}: {count} passage(s)"

            else:

                def run() -> str:
                    count = codebook.rename(info.name, new)
                    return f"Renamed {info.name} → {new} on {count} passage(s)"

            self._change(run, new)

        dialog = InputDialog(
            f"Rename {info.name}",
            value=info.name,
            check=check_tag,
            offer=offer,
        )
        self.app.push_screen(dialog, rename)

    def action_merge(self) -> None:
        info = self.current()
        if info is None:
            return
        targets = [other for other in self.infos if other.name != info.name]
        if not targets:
            self.notify("No other tag to merge into.", markup=False)
            return
        codebook = self.workspace.codebook
        choices = [(self._choice_label(other), other.name) for other in targets]

        def merge(target: str | None) -> None:
            if target:

                def run() -> str:
                    count = codebook.merge(info.name, target)
                    return f"Merged {info.name} into {target}: {count} passage(s)"

                self._change(run, target)

        self.app.push_screen(ChoiceDialog(f"Merge {info.name} into…", choices), merge)

    def _choice_label(self, info: TagInfo) -> Text:
        label = Text()
        label.append("██", style=self._swatch(info))
        label.append(f" {safe_line(info.name)}")
        label.append(f"  {info.passages}", style="dim")
        return label

    def action_color(self) -> None:
        info = self.current()
        if info is None:
            return
        codebook = self.workspace.codebook
        choices = [(Text.assemble(("██", hex_), f" {name}"), name) for name, hex_ in COLORS.items()]

        def recolour(color: str | None) -> None:
            if color:

                def run() -> str:
                    codebook.set_color(info.name, color)
                    return f"{info.name} is now {color}"

                self._change(run, info.name)

        self.app.push_screen(ChoiceDialog(f"Colour of {info.name}", choices, current=info.color), recolour)

    def action_describe(self) -> None:
        info = self.current()
        if info is None:
            return
        codebook = self.workspace.codebook

        def describe(text: str | None) -> None:
            if text is not None:

                def run() -> str:
                    codebook.set_description(info.name, text)
                    return "Description saved"

                self._change(run, info.name)

        dialog = InputDialog(
            f"Description of {info.name}", value=info.description, placeholder="what this code means"
        )
        self.app.push_screen(dialog, describe)

    def action_delete(self) -> None:
        info = self.current()
        if info is None:
            return
        codebook = self.workspace.codebook
        title = Text(
            f"Delete {safe_line(info.name)}? "
            f"It is on {info.passages} passage(s) in {info.articles} article(s).",
            style="bold",
        )

        def delete(answer: str | None) -> None:
            if answer == "yes":

                def run() -> str:
                    deleted = codebook.delete(info.name)
                    return f"Deleted {info.name} from {deleted.count} passage(s) · u undoes"

                self._change(run, None)

        self.app.push_screen(ChoiceDialog(title, confirm_choices(f"Delete {info.name}")), delete)

    def action_undo(self) -> None:
        codebook = self.workspace.codebook
        if not codebook.can_undo():
            self.notify("Nothing to undo.", markup=False)
            return

        def run() -> str:
            undone = codebook.undo()
            return f"Undid {undone.label} ({undone.count} passage(s))"

        self._change(run, None)

    def action_mark(self) -> None:
        info = self.current()
        if info is None:
            return
        self.marked ^= {info.name}
        node = self.query_one(TagTree).cursor_node
        if node is not None:
            node.set_label(self._label(info))
        self._show_detail()

    # -- passages ----------------------------------------------------------------------------------------
    @on(Tree.NodeSelected)
    def _selected(self, event: Tree.NodeSelected) -> None:
        event.stop()
        info = event.node.data
        if info is None:
            return
        from reader.screens.passages import PassagesScreen

        tags = sorted(self.marked | {info.name})
        self._reload_on_resume = True
        self.app.push_screen(PassagesScreen(self.workspace, tuple(tags)))

    def action_back(self) -> None:
        self.dismiss()
