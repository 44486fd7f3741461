"""The codebook as one operation log per coder: every clone replays them in the same order; concurrent
changes merge by the rule (docs/TEAMS.md), a real conflict is listed until someone settles it, and others'
renames reach my annotations when I catch up."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reader.codebook_log import CodebookOp, concurrent, replay
from reader.errors import UsageError
from reader.workspace import Workspace

SIMP = "004_b2f79115014bf41b.txt"


def clone(origin: Path, target: Path) -> Path:
    """A copy of a project's database without its local folder: what `git clone` gives another coder."""
    shutil.copytree(origin, target, ignore=shutil.ignore_patterns("local"))
    return target


def share(source: Path, target: Path, coder_folder: str) -> None:
    """Bring one coder's folder from ``source`` to ``target`` (what a sync carries)."""
    shutil.rmtree(target / "coders" / coder_folder, ignore_errors=True)
    shutil.copytree(
        source / "coders" / coder_folder,
        target / "coders" / coder_folder,
        ignore=shutil.ignore_patterns("local"),
    )


@pytest.fixture
def pair(seeds_dir: Path, tmp_path: Path) -> tuple[Workspace, Workspace]:
    """Ann and Bob in two clones of one project, each with 来源 on the first 小红书 of the article."""
    ann = Workspace(seeds_dir, tmp_path / "ann", coder="Ann")
    article = ann.load(SIMP)
    start = article.text.index("小红书")
    ann.annotate(article, start, start + 3, tags=["来源", "来源/官方"])
    ann.codebook.create("框架", color="blue")
    bob_db = clone(tmp_path / "ann", tmp_path / "bob")
    bob = Workspace(seeds_dir, bob_db, coder="Bob")
    bob.annotate(article, start + 10, start + 14, tags=["来源"])
    share(bob_db, tmp_path / "ann", "bob")
    return ann, Workspace(seeds_dir, bob_db, coder="Bob")


def exchange(ann: Workspace, bob: Workspace) -> tuple[Workspace, Workspace]:
    """Both sync: each gets the other's folder; fresh workspaces (new processes)."""
    share(ann.store.path, bob.store.path, "ann")
    share(bob.store.path, ann.store.path, "bob")
    return (
        Workspace(ann.library.root, ann.store.path, coder="Ann"),
        Workspace(bob.library.root, bob.store.path, coder="Bob"),
    )


def tags_of(ws: Workspace) -> dict[str, tuple[str, ...]]:
    return {ws.creator_of(a): a.tags for a in ws.annotations(ws.load(SIMP)) if a.tags}


def test_two_renames_of_one_tag_are_a_conflict_shown_until_settled(pair):
    ann, bob = pair
    ann.codebook.rename("来源", "信源")
    bob.codebook.rename("来源", "出处")
    ann, bob = exchange(ann, bob)
    for ws in (ann, bob):
        (conflict,) = ws.codebook.conflicts()
        assert conflict.kind == "structural" and set(conflict.choices()) == {"信源", "出处"}
        assert "renamed 来源 to" in conflict.describe() and "while" in conflict.describe()
    # the same replay everywhere: the same codebook and the same conflict key in both clones
    assert ann.codebook.conflicts()[0].key == bob.codebook.conflicts()[0].key
    assert ann.codebook.meta() == bob.codebook.meta()
    ann.codebook.catch_up()
    bob.codebook.catch_up()
    # nothing resolved silently: each coder's annotations still carry their own rename
    assert tags_of(ann)["Ann"][0].startswith("信源") and tags_of(bob)["Bob"] == ("出处",)
    ann.codebook.settle(ann.codebook.conflicts()[0].key, keep="信源")
    assert ann.codebook.conflicts() == []
    ann, bob = exchange(ann, bob)
    bob.codebook.catch_up()
    assert bob.codebook.conflicts() == []
    ann, bob = exchange(ann, bob)
    for ws in (ann, bob):
        ws.codebook.catch_up()
    ann, bob = exchange(ann, bob)
    assert tags_of(ann) == tags_of(bob) == {"Ann": ("信源", "信源/官方"), "Bob": ("信源",)}


def test_a_colour_set_while_another_renames_follows_the_tag_without_a_conflict(pair):
    ann, bob = pair
    ann.codebook.rename("来源", "信源")
    bob.codebook.set_color("来源", "red")
    ann, bob = exchange(ann, bob)
    for ws in (ann, bob):
        assert ws.codebook.conflicts() == []
        assert ws.codebook.color_of("信源") == "red"
        assert "来源" not in ws.codebook.meta()
    bob.codebook.catch_up()
    assert tags_of(bob)["Bob"] == ("信源",)  # Ann's rename reached Bob's annotation
    assert bob.codebook.pending() == 0 and bob.codebook.catch_up().operations == 0


def test_two_colours_for_one_tag_are_a_conflict_and_keep_writes_the_choice(pair):
    ann, bob = pair
    ann.codebook.set_color("框架", "green")
    bob.codebook.set_color("框架", "pink")
    ann, bob = exchange(ann, bob)
    (conflict,) = bob.codebook.conflicts()
    assert conflict.kind == "color" and set(conflict.choices()) == {"green", "pink"}
    with pytest.raises(UsageError, match="can keep"):
        bob.codebook.settle(conflict.key, keep="purple")
    bob.codebook.settle(conflict.key, keep="green")
    ann, bob = exchange(ann, bob)
    for ws in (ann, bob):
        assert ws.codebook.conflicts() == [] and ws.codebook.color_of("框架") == "green"


def test_the_same_rename_made_twice_is_no_conflict(pair):
    ann, bob = pair
    ann.codebook.rename("来源", "信源")
    bob.codebook.rename("来源", "信源")
    ann, bob = exchange(ann, bob)
    assert ann.codebook.conflicts() == [] and bob.codebook.conflicts() == []
    assert "信源" in ann.codebook.names() and "来源" not in ann.codebook.meta()


def test_an_undone_rename_never_reaches_the_others(pair):
    ann, bob = pair
    ann.codebook.rename("来源", "信源")
    ann.codebook.undo()
    assert tags_of(ann)["Ann"] == ("来源", "来源/官方")
    ann, bob = exchange(ann, bob)
    assert bob.codebook.catch_up().annotations == 0
    assert tags_of(bob)["Bob"] == ("来源",) and bob.codebook.conflicts() == []


def test_others_operations_are_applied_once_and_counted_in_applied_json(pair):
    ann, bob = pair
    ann.codebook.merge("来源/官方", "框架")
    ann, bob = exchange(ann, bob)
    assert bob.codebook.pending() == 2  # Ann's create of 框架 and her merge
    assert ann.codebook.lagging()["Bob"] == 1  # the merge is not yet in Bob's annotations
    done = bob.codebook.catch_up()
    assert done.operations == 2 and bob.codebook.pending() == 0
    assert (bob.store.path / "coders" / "bob" / "applied.json").exists()
    again = Workspace(bob.library.root, bob.store.path, coder="Bob")
    assert again.codebook.catch_up().operations == 0


def _op(kind: str, folder: str, index: int, lamport: int, seen: dict[str, int], **fields: str) -> CodebookOp:
    return CodebookOp(
        f"{folder}{index}",
        kind,
        folder,
        "2026-12-01T10:00:00+00:00",
        lamport,
        seen,
        folder=folder,
        index=index,
        **fields,
    )


def test_replay_is_the_same_whatever_order_the_files_are_read_in():
    a1 = _op("create", "ann", 0, 1, {}, tag="a", color="red")
    b1 = _op("rename", "bob", 0, 1, {}, tag="a", target="b")
    a2 = _op("describe", "ann", 1, 2, {}, tag="a", description="what a means")
    b2 = _op("color", "bob", 1, 3, {"ann": 2}, tag="b", color="blue")
    assert concurrent(a1, b1) and concurrent(a2, b1) and not concurrent(b2, a2)
    one = replay({}, {"ann": [a1, a2], "bob": [b1, b2]})
    two = replay({}, {"bob": [b1, b2], "ann": [a1, a2]})
    assert one.meta == two.meta == {"b": {"color": "blue", "description": "what a means"}}
    assert one.conflicts == two.conflicts == []


async def test_the_codebook_screen_says_there_is_a_conflict_until_it_is_settled(pair):
    from textual.widgets import Static

    from _pilot import settle, wait_until
    from reader.app import ReaderApp
    from reader.screens.tags import TagsScreen

    ann, bob = pair
    ann.codebook.set_color("框架", "green")
    bob.codebook.set_color("框架", "pink")
    ann, bob = exchange(ann, bob)
    app = ReaderApp(bob)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: isinstance(app.screen, TagsScreen), "the codebook")
        header = app.screen.query_one("#tags-header", Static)
        await wait_until(
            pilot, lambda: "1 conflict(s) between coders" in str(header.render()), "the conflict"
        )
        bob.codebook.settle(bob.codebook.conflicts()[0].key, keep="green")
        app.screen.reload()
        await wait_until(pilot, lambda: "conflict" not in str(header.render()), "no conflict once settled")
