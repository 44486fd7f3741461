"""The codebook: counts that roll up, colours, and rename / merge / delete across every article file."""

from __future__ import annotations

import orjson
import pytest

from reader.codebook import LEGACY_JOURNAL_NAME, Codebook
from reader.colors import color_for_tag, hex_for
from reader.errors import UsageError
from reader.store import AnnotationStore
from reader.workspace import Workspace

SIMP = "001_8eaa32b1d9703bf4.txt"
RENAMED = sorted([("框架/economy",), ("框架", "框架/economy"), ("来源",), ("框架", "来源")])
TRAD = "002_ced27b30dc7015ea.txt"


@pytest.fixture
def tagged(workspace: Workspace) -> Workspace:
    """Four annotations in two articles: framing, framing/economy (twice, one also framing), 来源."""
    simp, trad = workspace.load(SIMP), workspace.load(TRAD)
    workspace.annotate(simp, 10, 20, tags=["framing/economy"])
    workspace.annotate(simp, 30, 40, tags=["framing", "framing/economy"])
    workspace.annotate(trad, 10, 20, tags=["来源"])
    workspace.annotate(trad, 30, 40, tags=["framing", "来源"])
    return workspace


def by_name(codebook: Codebook) -> dict[str, tuple[int, int, int]]:
    return {t.name: (t.passages, t.articles, t.own_passages) for t in codebook.tags()}


def all_tags(workspace: Workspace) -> list[tuple[str, ...]]:
    return sorted(a.tags for a in workspace.store.all())


def test_counts_roll_up_to_parents_and_count_each_passage_once(tagged):
    counts = by_name(tagged.codebook)
    assert counts == {
        "framing": (3, 2, 2),  # the passage with framing and framing/economy counts once
        "framing/economy": (2, 1, 2),
        "来源": (2, 1, 2),
    }
    assert [t.name for t in tagged.codebook.tags()] == ["framing", "framing/economy", "来源"]


def test_implied_parents_and_codebook_only_tags_are_listed(workspace):
    workspace.annotate(workspace.load(SIMP), 0, 5, tags=["a/b/c"])
    workspace.codebook.create("unused", color="green", description="not yet used")
    tags = {t.name: t for t in workspace.codebook.tags()}
    assert set(tags) == {"a", "a/b", "a/b/c", "unused"}
    assert (tags["a"].passages, tags["a"].own_passages) == (1, 0)
    assert (tags["unused"].passages, tags["unused"].color, tags["unused"].description) == (
        0,
        "green",
        "not yet used",
    )
    with pytest.raises(UsageError, match="already exists"):
        workspace.codebook.create("a/b")


def test_colours_codebook_then_ancestor_then_stable(tagged):
    cb = tagged.codebook
    assert cb.color_of("来源") == color_for_tag("来源")
    cb.set_color("framing", "teal")
    assert cb.color_of("framing") == "teal"
    assert cb.color_of("framing/economy") == "teal"  # inherits its parent's
    cb.set_color("framing/economy", "#123456")
    assert cb.color_of("framing/economy") == "#123456"
    with pytest.raises(UsageError, match="unknown colour"):
        cb.set_color("framing", "mauve")
    # highlights use it: annotation colour first, else the first tag's codebook colour
    simp = tagged.load(SIMP)
    first, second = tagged.annotations(simp)
    assert tagged.color_for(first) == "#123456"
    assert tagged.color_for(second) == hex_for("teal")
    own = tagged.edit(second, color="pink")
    assert tagged.color_for(own) == hex_for("pink")
    # persisted in codebook.json, seen by a new Codebook (another process)
    again = Codebook(AnnotationStore(tagged.store.path))
    assert again.color_of("framing") == "teal"


def test_rename_everywhere_with_sub_tags(tagged):
    cb = tagged.codebook
    cb.set_color("framing", "blue")
    assert cb.rename("framing", "框架") == 3
    assert all_tags(tagged) == RENAMED
    assert cb.color_of("框架") == "blue"
    assert "framing" not in by_name(cb)
    with pytest.raises(UsageError, match="already exists; to combine the two, use merge"):
        cb.rename("框架", "来源")
    with pytest.raises(UsageError, match="no tag 'framing'"):
        cb.rename("framing", "x")
    with pytest.raises(UsageError, match="own sub-tag"):
        cb.rename("框架", "框架/sub")


def test_merge_combines_and_deduplicates(tagged):
    cb = tagged.codebook
    assert cb.merge("framing/economy", "framing") == 2
    assert all_tags(tagged) == [("framing",), ("framing",), ("framing", "来源"), ("来源",)]
    assert by_name(cb)["framing"] == (3, 2, 3)
    with pytest.raises(UsageError, match="into itself"):
        cb.merge("framing", "framing")


def test_delete_removes_the_tag_keeps_annotations_and_undo_restores(tagged):
    cb = tagged.codebook
    cb.set_color("framing/economy", "red")
    before = all_tags(tagged)
    deleted = cb.delete("framing")
    assert deleted.count == 3
    assert all_tags(tagged) == [(), (), ("来源",), ("来源",)]  # four annotations still there
    assert set(by_name(cb)) == {"来源"}
    undone = cb.undo()
    assert (undone.count, undone.select) == (3, "framing")
    assert all_tags(tagged) == before
    assert cb.color_of("framing/economy") == "red"


def test_an_interrupted_schema_1_tag_journal_is_finished_on_open(tagged):
    """A rename journalled by the schema-1 reader (codebook-journal.json) is completed, then removed."""
    store = tagged.store
    journal = {"op": "rename", "mapping": {"framing": "框架", "framing/economy": "框架/economy"}}
    (store.path / LEGACY_JOURNAL_NAME).write_bytes(orjson.dumps(journal))
    reopened = Workspace(tagged.library.root, store.path)  # a new process opening the folder
    assert not (store.path / LEGACY_JOURNAL_NAME).exists()
    assert all_tags(reopened) == RENAMED
    assert reopened.codebook.rename("框架", "框架") == 0


def test_merge_refuses_a_mapping_that_would_apply_twice(workspace):
    workspace.annotate(workspace.load(SIMP), 0, 5, tags=["a/b/b"])
    workspace.annotate(workspace.load(SIMP), 5, 9, tags=["a/b"])
    with pytest.raises(UsageError, match="rename 'a/b/b' first"):
        workspace.codebook.merge("a/b", "a")


def test_codebook_only_tag_can_be_renamed_described_and_deleted(workspace):
    cb = workspace.codebook
    cb.create("draft", color="orange")
    cb.set_description("draft", "to be sorted")
    assert cb.rename("draft", "sorted") == 0
    info = {t.name: t for t in cb.tags()}["sorted"]
    assert (info.color, info.description, info.passages) == ("orange", "to be sorted", 0)
    deleted = cb.delete("sorted")
    assert deleted.count == 0 and cb.tags() == []
    cb.undo()
    assert [t.name for t in cb.tags()] == ["sorted"]
    with pytest.raises(UsageError, match="empty part"):
        cb.create("a//b")
    with pytest.raises(UsageError, match="no tag"):
        cb.set_color("ghost", "red")


# ------------------------------------------------------------------------------- undo, modified, rules


def test_undo_undoes_the_last_change_whatever_it_was(tagged):
    cb = tagged.codebook
    start = all_tags(tagged)
    cb.delete("来源")
    after_delete = all_tags(tagged)
    cb.merge("framing/economy", "framing")
    assert cb.undo().label == "merge of framing/economy into framing"  # the merge, not the earlier delete
    assert all_tags(tagged) == after_delete
    assert cb.undo().label == "delete of 来源"
    assert all_tags(tagged) == start
    cb.rename("framing", "框架")
    cb.set_color("框架", "red")
    assert cb.undo().label == "colour of 框架"
    assert cb.color_of("框架") != "red"
    undone = cb.undo()
    assert (undone.label, undone.count) == ("rename of framing into 框架", 3)
    assert all_tags(tagged) == start
    assert not cb.can_undo()
    with pytest.raises(UsageError, match="nothing to undo"):
        cb.undo()


def test_undo_keeps_tags_added_since_the_change(tagged):
    cb = tagged.codebook
    cb.rename("来源", "source")
    a = next(a for a in tagged.store.all() if a.tags == ("source",))
    tagged.edit(a, tags=["source", "later"])
    cb.undo()
    assert tagged.store.get(a.article_id, a.id).tags == ("来源", "later")  # type: ignore[union-attr]


def test_rename_merge_delete_stamp_modified_so_the_change_travels_by_import(tagged, seeds_dir, tmp_path):
    from reader.export import build_export, render_bytes
    from reader.importer import import_file

    def export(ws: Workspace) -> object:
        path = tmp_path / "out.json"
        path.write_bytes(render_bytes(build_export(ws, "original"), "json"))
        return path

    other = Workspace(seeds_dir, tmp_path / "other-db")
    import_file(other, export(tagged))
    before = {a.id: a.modified for a in tagged.store.all()}
    assert tagged.codebook.rename("framing", "框架") == 3
    changed = {a.id for a in tagged.store.all() if a.modified != before[a.id]}
    assert len(changed) == 3
    report = import_file(other, export(tagged))
    assert (report.updated, report.unchanged) == (3, 1)
    assert all_tags(other) == RENAMED


@pytest.mark.parametrize("bad", ["", "/", "a//b", "/lead", "trail/", " / "])
def test_tags_with_an_empty_part_are_refused_at_every_entry_point(workspace, bad, tmp_path):
    from reader.store import make_annotation

    simp = workspace.load(SIMP)
    rule = r"empty"
    with pytest.raises(UsageError, match=rule):
        workspace.annotate(simp, 0, 5, tags=["ok", bad])
    a = workspace.annotate(simp, 0, 5, tags=["ok"])
    with pytest.raises(UsageError, match=rule):
        workspace.edit(a, tags=["ok", bad])
    with pytest.raises(UsageError, match=rule):
        workspace.codebook.create(bad)
    with pytest.raises(UsageError, match=rule):
        workspace.codebook.rename("ok", bad)
    assert all_tags(workspace) == [("ok",)]
    if bad.strip():  # an old, badly formed tag (stored before the rule) can still be fixed or removed
        old = workspace.store.add(make_annotation(simp, 6, 9, tags=[bad]))
        assert workspace.edit(old, note="still editable").tags == old.tags
        assert workspace.codebook.rename(bad, "fixed") == 1
        workspace.store.add(make_annotation(simp, 9, 12, tags=[bad]))
        assert workspace.codebook.delete(bad).count == 1


def test_import_refuses_a_malformed_tag_and_names_where(tagged, tmp_path):
    from reader.export import build_export, render_bytes
    from reader.importer import import_file

    data = orjson.loads(render_bytes(build_export(tagged, "original"), "json"))
    data["annotations"][2]["tags"] = ["good", "a//b"]
    path = tmp_path / "bad.json"
    path.write_bytes(orjson.dumps(data))
    with pytest.raises(UsageError, match=r"annotations\[2\]\.tags.*empty part.*nothing was imported"):
        import_file(tagged, path)


def test_a_damaged_codebook_costs_colours_and_descriptions_only(tagged):
    from reader.errors import StoreCorruptError
    from reader.export import build_export

    tagged.codebook.set_color("framing", "red")
    path = tagged.store.path / tagged.codebook.file  # this coder's codebook operations
    path.write_bytes(b'{"tags": ["not", "an", "object"]}\n')
    fresh = Workspace(tagged.library.root, tagged.store.path)
    infos = {t.name: t for t in fresh.codebook.tags()}
    assert infos["framing"].passages == 3 and infos["framing"].color == color_for_tag("framing")
    assert str(path) in (fresh.codebook.problem or "") and "\n" not in (fresh.codebook.problem or "")
    assert len(build_export(fresh, "original")["annotations"]) == 4
    with pytest.raises(StoreCorruptError, match="codebook"):
        fresh.codebook.set_color("framing", "blue")
    assert path.read_bytes() == b'{"tags": ["not", "an", "object"]}\n'
