"""The reading screen's UI-free parts: edits with undo, finding in an article, views prepared ahead."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from reader.convert import Converter
from reader.edits import Edits
from reader.finding import Finder
from reader.layout import wrap_text
from reader.pacing import WorkCancelled
from reader.viewcache import PreparedViews
from reader.workspace import Workspace

ARTICLE = "002_ced27b30dc7015ea.txt"
ZUOZHUAN = Path(__file__).parent / "data" / "zuozhuan.txt"


def test_each_edit_returns_what_undoes_it(workspace: Workspace) -> None:
    article = workspace.load(ARTICLE)
    edits = Edits(workspace)
    store = workspace.store
    added = edits.add(article, 10, 20, tags=["平台"], note="first", color="", view="taiwan")
    (saved,) = store.for_article(ARTICLE)
    assert (added.kind, added.after) == ("add", saved) and saved.view == "taiwan"
    edited = edits.edit(saved, tags=["平台", "難民"], note="second", color="green")
    assert store.get(ARTICLE, saved.id).note == "second"
    deleted = edits.delete(edited.after)
    assert store.for_article(ARTICLE) == []
    edits.undo(deleted)
    assert store.get(ARTICLE, saved.id).note == "second"
    edits.undo(edited)
    assert store.get(ARTICLE, saved.id) == saved  # exactly as it was
    edits.undo(added)
    assert store.for_article(ARTICLE) == []
    assert [step.undone for step in (added, edited, deleted)] == [
        "Undid highlight",
        "Undid edit",
        "Restored highlight",
    ]


def test_finder_starts_at_the_cursor_and_steps_round(workspace: Workspace) -> None:
    article = workspace.load(ARTICLE)
    finder = Finder(article.text, workspace.converter)
    assert finder.search("数据", here=0) == 0  # Simplified query, Traditional article
    assert [article.text[m.start : m.end] for m in finder.matches] == ["數據", "數據"]
    second = finder.matches[1].start
    assert finder.search("数据", here=second) == 1
    assert finder.search("数据", here=len(article.text)) == 0  # past the last: the first
    assert finder.step(1) == 1 and finder.step(1) == 0 and finder.step(-1) == 1
    assert finder.search("沒有這個詞", here=0) is None and finder.step(1) is None
    finder.search("数据", here=0)
    finder.clear()
    assert finder.matches == [] and finder.current is None


def test_prepared_views_are_the_views_wrapped_whole() -> None:
    text = ZUOZHUAN.read_text(encoding="utf-8")[:60_000]
    article = type("Text", (), {"text": text, "sha256": "z" * 64})()  # all a view needs
    converter = Converter()
    views = PreparedViews(converter)
    pauses: list[int] = []
    views.prepare(article, ["simplified", "taiwan"], lambda: 80, lambda: pauses.append(1))
    for view in ("simplified", "taiwan"):
        layout = views.layout(view, 80)
        assert layout is not None and layout.complete
        whole = wrap_text(converter.view(article, view).text, 80)
        assert (layout.starts, layout.ends) == (whole.starts, whole.ends)
    assert len(pauses) > 10
    first = views.first_part(converter.view(article, "hongkong"), 80, around=0)
    assert not first.complete  # not prepared: a first part
    assert views.first_part(converter.view(article, "taiwan"), 80, around=0) is views.layout("taiwan", 80)


def test_a_switch_waits_for_the_view_being_prepared_instead_of_building_it_again() -> None:
    text = ZUOZHUAN.read_text(encoding="utf-8")[:30_000]
    article = type("Text", (), {"text": text, "sha256": "y" * 64})()
    views = PreparedViews(Converter())
    started, release = threading.Event(), threading.Event()

    def pause() -> None:
        started.set()
        release.wait(5)

    worker = threading.Thread(target=views.prepare, args=(article, ["traditional"], lambda: 80, pause))
    worker.start()
    assert started.wait(5) and views.preparing == "traditional"
    waited = threading.Thread(target=views.wait_for, args=("traditional",))
    waited.start()
    waited.join(0.2)
    assert waited.is_alive()  # still waiting for the preparation
    release.set()
    waited.join(5)
    worker.join(5)
    assert not waited.is_alive() and views.layout("traditional", 80) is not None
    views.wait_for("simplified")  # not being prepared: returns at once


def test_a_cancelled_preparation_stops_and_keeps_nothing_half_done() -> None:
    text = ZUOZHUAN.read_text(encoding="utf-8")[:30_000]
    article = type("Text", (), {"text": text, "sha256": "x" * 64})()
    views = PreparedViews(Converter())

    def cancelled() -> None:
        raise WorkCancelled

    with pytest.raises(WorkCancelled):
        views.prepare(article, ["taiwan"], lambda: 80, cancelled)
    assert views.layout("taiwan", 80) is None
    views.wait_for("taiwan")  # its event was set on the way out: nobody waits forever
