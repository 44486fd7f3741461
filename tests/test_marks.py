"""Text marks and folded regions, without a terminal: reader.marks, reader.folding, folds in reader.layout and
reader.caret (the reading screen's layers: test_app_layers.py)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from reader.analysis import Analyser
from reader.caret import Caret
from reader.convert import Converter, OffsetMap
from reader.damage import find_damage, repaired_view
from reader.folding import Fold, body_position, fold_label, folds_in_view, ranges
from reader.layout import wrap_text
from reader.marks import Mark, MarkSet, damage_marks, substitution_marks
from reader.structure import Region, Structure
from reader.workspace import Workspace

SIMPLIFIED = "004_b2f79115014bf41b.txt"
DAMAGED = "003_354cf6c445f5e220.txt"
APPENDED = "000_7bd28feb70503cb0.txt"


# -- marks ------------------------------------------------------------------------------------------------


def test_the_taiwan_view_of_a_simplified_article_marks_each_phrase(workspace: Workspace) -> None:
    article = workspace.load(SIMPLIFIED)
    view = workspace.view(article, "taiwan")
    marks = MarkSet(substitution_marks(view))
    where = view.text.index("選單")
    mark = marks.at(where)
    assert mark is not None and mark.kind == "phrase"
    assert (mark.text, mark.source) == ("選單", "菜单")
    assert article.text[mark.start_original : mark.end_original] == "菜单"
    assert mark.describe() == "選單 ← 菜单 · phrase"
    # every mark's text is what the view shows there, its source what the original has
    for mark in marks.marks:
        assert view.text[mark.start : mark.end] == mark.text
        assert article.text[mark.start_original : mark.end_original] == mark.source
    assert marks.counts()["phrase"] == len(view.phrases)


def test_an_uncertain_character_is_marked_with_the_ways_it_can_be_written(workspace: Workspace) -> None:
    view = workspace.view(workspace.load(SIMPLIFIED), "traditional")
    marks = MarkSet(substitution_marks(view))
    uncertain = [m for m in marks.marks if m.source == "后"]
    assert uncertain and all(m.kind == "uncertain" for m in uncertain)
    assert uncertain[0].choices == ("後", "后")
    assert uncertain[0].describe() == "後 ← 后 · uncertain: 後/后"


def test_the_original_view_has_no_substitution_marks(workspace: Workspace) -> None:
    assert substitution_marks(workspace.view(workspace.load(SIMPLIFIED), "original")) == []


def test_damage_is_marked_in_every_view_and_as_repaired_in_the_repaired_view(workspace: Workspace) -> None:
    article = workspace.load(DAMAGED)
    damage = find_damage(article.text)
    spot = next(d for d in damage if article.text[d.start : d.end].endswith("(qū)"))
    for name in ("original", "simplified", "taiwan"):
        view = workspace.view(article, name)
        marks = MarkSet(damage_marks(damage, article.text, view.offsets, view.text))
        assert len(marks) == len(damage)
        mark = marks.at(view.offsets.to_view(spot.start))
        assert mark is not None and mark.kind == "damage" and "(qū)" in mark.source
    repaired = repaired_view(article.text, damage)
    marks = MarkSet(damage_marks(damage, article.text, repaired.offsets, repaired.text, repaired=True))
    mark = marks.at(repaired.offsets.to_view(spot.start))
    assert mark is not None and mark.kind == "repaired"
    assert mark.text == spot.repair and mark.source == article.text[spot.start : spot.end]
    assert mark.describe().startswith(f"{spot.repair} ← {mark.source}")


def test_a_mark_set_finds_marks_by_range_and_position() -> None:
    marks = MarkSet(
        [Mark(10, 12, "phrase"), Mark(3, 4, "uncertain"), Mark(10, 11, "damage"), Mark(5, 5, "x")]
    )
    assert len(marks) == 3  # the empty one is dropped
    assert sorted(m.start for m in marks.spans(0, 11)) == [3, 10, 10]
    assert marks.at(10) == Mark(10, 11, "damage")  # the shortest
    assert marks.at(11) == Mark(10, 12, "phrase")
    assert marks.at(7) is None
    assert marks.after(3) == Mark(10, 11, "damage") and marks.before(10) == Mark(3, 4, "uncertain")


# -- folds --------------------------------------------------------------------------------------------------

TEXT = "menu | home | news\n\nTitle\n\nBody one.\nphoto: someone\ncredit\nBody two.\nfooter"
#        0                  19 20   25 26        36             51     58        68


def _structure() -> Structure:
    regions = (Region("navigation", 0, 18, 1), Region("media", 37, 58, 2), Region("footer", 69, 75, 1))
    return Structure("Title", (20, 25), (27, 68), regions, len(TEXT))


def test_regions_become_folds_of_whole_lines_in_a_view() -> None:
    folds = folds_in_view(_structure(), OffsetMap.identity_map(len(TEXT)), TEXT)
    expected = [(0, 18, "navigation"), (37, 58, "media"), (69, 75, "footer")]
    assert [(f.start, f.end, f.kind) for f in folds] == expected
    assert folds[1].label == "⋯ 圖片說明 (2 lines) ⋯"
    assert fold_label("navigation", 1) == "⋯ 站點選單 (1 line) ⋯"
    assert ranges(folds, opened={1}) == ((0, 18), (69, 75))


def test_a_folded_range_is_one_display_line_and_a_blank_one() -> None:
    layout = wrap_text(TEXT, 40, folds=((0, 18), (37, 58)))
    assert layout.lines[:2] == [(0, 18), (18, 18)]
    assert layout.folded == {0: 0, layout.line_of_offset(37): 1}
    assert layout.line(layout.line_of_offset(45)) == (37, 58)
    assert layout.fold_at(40) == (37, 58) and layout.fold_at(58) is None
    # the text outside the folds wraps as without them
    plain = wrap_text(TEXT, 40)
    outside = [line for n, line in enumerate(layout.lines) if n not in layout.folded and line[0] >= 58]
    assert outside == [line for line in plain.lines if line[0] >= 58]


@given(st.integers(1, 60), st.integers(0, 80), st.integers(4, 30))
def test_a_layout_wrapped_piece_by_piece_is_the_same_with_folds(upto: int, step: int, width: int) -> None:
    folds = ((0, 18), (37, 58), (69, 75))
    whole = wrap_text(TEXT, width, folds=folds)
    piece = wrap_text(TEXT, width, upto=upto, folds=folds)
    from reader.layout import wrap_more

    while not piece.complete:
        wrap_more(piece, piece.wrapped + step)
    assert piece.lines == whole.lines and piece.folded == whole.folded


def test_motions_into_a_fold_land_after_it_or_before_it() -> None:
    caret = Caret(TEXT)
    caret.layout = wrap_text(TEXT, 40, folds=((0, 18), (37, 58)))
    caret.out_of_folds(0)
    caret.move_to(0, select=False)  # the very top is folded: the cursor lands after it
    assert caret.cursor == 18
    caret.move_to(27, select=False)  # "Body one.", then its blank line, then the folded photo credit
    caret.vertical(2, select=False)  # onto the fold: after it
    assert caret.cursor == 58
    caret.vertical(-1, select=False)  # back up onto it: before it
    assert caret.cursor == 36
    caret.move_to(27, select=False)
    caret.next_paragraph()  # the next paragraph is folded: the one after it
    assert caret.cursor == 59
    caret.prev_sentence()
    assert caret.cursor == 27
    caret.document_start()
    assert caret.cursor == 18


def test_a_selection_may_span_a_fold() -> None:
    caret = Caret(TEXT)
    caret.layout = wrap_text(TEXT, 40, folds=((37, 58),))
    caret.move_to(27, select=False)
    caret.vertical(2, select=True)  # onto the fold: the selection takes all of it
    assert caret.selection == (27, 58)
    assert "photo: someone\ncredit" in caret.selected_text


def test_position_and_length_count_the_body_only() -> None:
    structure = _structure()
    assert structure.body_chars == 68 - 27 - 21
    assert body_position(structure, 0) == (0, 20)  # before the body
    assert body_position(structure, 37) == (10, 20)  # start of the photo credit
    assert body_position(structure, 50) == (10, 20)  # inside it: not counted
    assert body_position(structure, 60) == (12, 20)
    assert body_position(structure, 75) == (20, 20)


def test_the_seeds_appended_article_and_footer_fold_in_every_view(workspace: Workspace, db_dir: Path) -> None:
    article = workspace.load(APPENDED)
    analysis = Analyser(workspace.library, db_dir).analyse(article)
    for name in ("original", "simplified", "taiwan"):
        view = workspace.view(article, name)
        folds = folds_in_view(analysis.structure, view.offsets, view.text)
        kinds = [f.kind for f in folds]
        assert kinds[-2:] == ["appended", "footer"]
        appended = folds[-2]
        assert view.text[appended.start - 1] == "\n" and view.text[appended.end] == "\n"
        assert appended.label == "⋯ 下一篇文章 (32 lines) ⋯"


def test_a_fold_is_identified_by_its_region_in_every_view() -> None:
    converter = Converter()
    text = "软件菜单\n数据\n正文。"
    structure = Structure("", None, (8, 11), (Region("navigation", 0, 7, 2),), len(text))
    taiwan = converter.build_view(text, "taiwan", source="simplified")
    (fold,) = folds_in_view(structure, taiwan.offsets, taiwan.text)
    assert fold == Fold(0, taiwan.text.index("\n正文"), "navigation", 2, 0)


FOLD_SETS = st.lists(st.sampled_from([(0, 18), (37, 58), (69, 75), (20, 25)]), unique=True).map(
    lambda ranges: tuple(sorted(ranges))
)


@given(FOLD_SETS, FOLD_SETS, st.integers(4, 30), st.integers(0, 80))
def test_refolding_in_place_equals_wrapping_with_the_new_folds(before, after, width: int, upto: int) -> None:
    from reader.layout import refold, wrap_more

    layout = wrap_text(TEXT, width, upto=upto, folds=before)
    refold(layout, after)
    wrap_more(layout)
    fresh = wrap_text(TEXT, width, folds=after)
    assert layout.lines == fresh.lines and layout.folded == fresh.folded and layout.complete
