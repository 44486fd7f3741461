"""An annotation's passage in a script view (one core home for export and screens), and passages by tag."""

from __future__ import annotations

from _export_fixtures import OTHER, SIMP, TRAD, change_article, make_annotations
from reader.export import build_export
from reader.passages import PassageView


def test_a_passage_reads_as_the_view_shows_it_and_as_the_export_writes_it(workspace):
    made = make_annotations(workspace)
    article = workspace.load(SIMP)
    blue = made["blue"]
    for view in ("original", "traditional", "taiwan"):
        view_text = workspace.view(article, view)
        passages = PassageView(workspace.converter, view, view_text)
        start, end = view_text.offsets.range_to_view(blue.start, blue.end)
        assert passages.of(blue) == view_text.text[start:end]
        exported = next(a for a in build_export(workspace, view)["annotations"] if a["id"] == blue.id)
        assert exported["text"] == passages.of(blue)
    taiwan = PassageView(workspace.converter, "taiwan", workspace.view(article, "taiwan"))
    assert taiwan.of(blue) == "字節跳動"


def test_an_orphan_reads_as_its_quote_in_the_view(workspace, seeds_dir):
    made = make_annotations(workspace)
    change_article(seeds_dir, TRAD, remove=made["hostile"].quote)
    article = workspace.load(TRAD)
    (orphan,) = [a for a in workspace.annotations(article) if a.status == "orphan"]
    passages = PassageView(workspace.converter, "simplified", workspace.view(article, "simplified"))
    assert passages.of(orphan) == workspace.converter.convert(orphan.quote, "simplified")
    assert passages.with_context(orphan) == ("", passages.of(orphan), "")
    # an article that cannot be read: the stored quote, converted
    assert PassageView(workspace.converter, "simplified").text(0, 3, "來源", orphan=False) == "来源"


def test_passages_by_tag_include_sub_tags_in_library_then_document_order(workspace):
    simp = workspace.load(SIMP)
    first = workspace.annotate(simp, 40, 44, tags=["framing/economy"])
    earlier = workspace.annotate(simp, 10, 12, tags=["framing"])
    other = workspace.annotate(workspace.load(OTHER), 5, 9, tags=["framing/risk", "x"])
    workspace.annotate(simp, 60, 62, tags=["frames"])  # not under "framing"
    entries = workspace.passages(["framing"])
    assert [e.annotation.id for e in entries] == [earlier.id, first.id, other.id]
    assert [e.annotation.id for e in workspace.passages(["framing"], [OTHER])] == [other.id]
    entry = entries[1]
    assert entry.info.id == SIMP and entry.passage == simp.text[40:44]
    assert entry.before == simp.text[24:40].rsplit("\n", 1)[-1]  # this paragraph only
    assert entry.after == simp.text[44:60].split("\n", 1)[0]
    assert entry.color == workspace.color_for(first)
    traditional = workspace.passages(["framing"], view="traditional")
    assert traditional[1].passage == workspace.converter.convert(simp.text[40:44], "traditional")


def test_passages_by_tag_find_its_other_script_spellings_as_export_does(workspace):
    """One rule for every tag filter: 来源 keeps 來源/官方 in passages as it does in export and search."""
    simp = workspace.load(SIMP)
    traditional = workspace.annotate(simp, 10, 12, tags=["來源/官方"])
    simplified = workspace.annotate(simp, 20, 24, tags=["来源"])
    workspace.annotate(simp, 30, 32, tags=["来源地"])  # a different tag, not under 来源
    assert [e.annotation.id for e in workspace.passages(["来源"])] == [traditional.id, simplified.id]
    assert [e.annotation.id for e in workspace.passages(["來源"])] == [traditional.id, simplified.id]
