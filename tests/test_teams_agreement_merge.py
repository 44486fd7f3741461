"""Agreement of the coders in the database, checked against figures computed by hand; the merge into an
agreed version, decision by decision, with who decided; REFI-QDA carries the coders both ways."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from reader.errors import UsageError
from reader.merge_decisions import read_decisions
from reader.merging import Merger
from reader.team import CodedMarks
from reader.workspace import Workspace

ARTICLE = "ten.txt"
TEXT = "".join(f"第{i}句话说了一件事。" for i in range(10))  # ten sentences of ten characters


def sentence(i: int) -> tuple[int, int]:
    return 10 * i, 10 * i + 10


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / ARTICLE).write_text(TEXT, encoding="utf-8")
    return folder


def coder(articles: Path, db: Path, name: str, sentences: dict[int, list[str]]) -> Workspace:
    ws = Workspace(articles, db, coder=name)
    article = ws.load(ARTICLE)
    for i, tags in sentences.items():
        start, end = sentence(i)
        ws.annotate(article, start + 1, end - 2, tags=tags)  # inside the sentence: the unit is the sentence
    return ws


def test_agreement_of_the_coders_matches_the_figures_worked_by_hand(articles, tmp_path, run_reader):
    db = tmp_path / "db"
    coder(articles, db, "Ann", {0: ["X"], 1: ["X"], 2: ["X"], 3: ["X"]})
    coder(articles, db, "Bob", {0: ["X"], 1: ["X"], 4: ["X"]})
    env = {"READER_ARTICLES": str(articles), "READER_DB": str(db)}
    two = json.loads(run_reader("agreement", "--coders", "Ann", "Bob", "--json", env=env, check=True).stdout)
    x = two["tags"]["X"]
    # by hand: 7 of 10 sentences agree; Ann says X 4 times, Bob 3 times
    assert x["units"] == 10 and x["coded"] == 5
    assert x["percent_agreement"] == pytest.approx(0.7)
    assert x["cohen_kappa"] == pytest.approx((0.7 - 0.54) / (1 - 0.54))  # pe = .4 × .3 + .6 × .7
    assert x["fleiss_kappa"] == pytest.approx((0.7 - 0.545) / (1 - 0.545))  # Scott's pi: pooled .35 / .65
    assert x["krippendorff_alpha"] == pytest.approx(1 - 19 * 6 / (2 * 7 * 13))  # n = 20, 6 disagreeing pairs
    assert {(d["start"], d["end"]) for d in two["disagreements"]} == {sentence(2), sentence(3), sentence(4)}
    coder(articles, db, "Cat", {0: ["X"], 5: ["X"]})
    three = json.loads(run_reader("agreement", "--json", env=env, check=True).stdout)
    assert three["coders"] == ["Ann", "Bob", "Cat"]
    # by hand: P̄ = (1 + 5 × 2/6 + 4) / 10, p(X) = 9/30
    mean = (1 + 5 * 2 / 6 + 4) / 10
    assert three["tags"]["X"]["percent_agreement"] == pytest.approx(mean)
    assert three["tags"]["X"]["fleiss_kappa"] == pytest.approx((mean - 0.58) / (1 - 0.58))
    assert three["tags"]["X"]["cohen_kappa"] is None  # two coders only
    table = run_reader("agreement", "--coders", "Ann", "Bob", env=env, check=True).stdout
    assert "agreement of Ann, Bob over 1 articles, 10 sentences" in table and "0.348" in table


def test_agreement_compares_the_articles_every_coder_marked_coded(articles, tmp_path):
    (articles / "other.txt").write_text("另一篇文章。只有一句话。", encoding="utf-8")
    db = tmp_path / "db"
    ann = coder(articles, db, "Ann", {0: ["X"]})
    bob = coder(articles, db, "Bob", {1: ["X"]})
    ann.annotate(ann.load("other.txt"), 0, 3, tags=["Y"])
    from reader.team import coders_work

    assert sorted(coders_work(ann).texts) == ["other.txt", ARTICLE]
    CodedMarks(ann.store).mark([ARTICLE])
    CodedMarks(bob.store).mark([ARTICLE])
    work = coders_work(ann)
    assert work.rule == "coded" and list(work.texts) == [ARTICLE]
    with pytest.raises(UsageError, match="two or more coders"):
        coders_work(ann, ["Ann"])


def test_merge_takes_identical_codings_and_lists_differences_to_decide(articles, tmp_path, run_reader):
    db = tmp_path / "db"
    ann = coder(articles, db, "Ann", {0: ["X"], 2: ["X"], 5: ["Y"]})
    coder(articles, db, "Bob", {0: ["X"], 2: ["X", "Z"]})
    result = Merger(ann).merge()
    assert result.merged_now == 1 and result.decided == 1  # sentence 0: the same passage and tags
    keys = {(i.start, i.end): i.key for i in result.open}
    assert set(keys) == {(21, 28), (51, 58)}  # sentence 2 (tags differ), sentence 5 (only Ann)
    assert "to decide" in "\n".join(result.lines())
    # the team decides: Bob's coding of sentence 2, nothing for sentence 5
    env = {"READER_ARTICLES": str(articles), "READER_DB": str(db), "READER_CODER": "Cat"}
    decided = run_reader(
        "merge", "decide", keys[(21, 28)], "--take", "Bob", "--note", "Z fits", env=env, check=True
    )
    assert "Bob's kept, decided by Cat" in decided.stderr
    run_reader("merge", "decide", keys[(51, 58)], "--none", env=env, check=True)
    again = json.loads(run_reader("merge", "--json", env=env, check=True).stdout)
    assert again["open"] == [] and again["agreed"] == 3
    # who decided what, from which coders' annotations: in the decider's own folder
    decisions = read_decisions(ann)
    mine = {d.item: d for d in decisions.by_folder["cat"]}
    take = mine[keys[(21, 28)]]
    assert (take.by, take.choice, take.note) == ("Cat", "take:Bob", "Z fits")
    assert {c for c, _ in take.sources} == {"Ann", "Bob"} and take.coders == ("Ann", "Bob")
    # the agreed version is a read-only coder: exported, shown, compared
    agreed = json.loads(run_reader("export", "--coders", "agreed", env=env, check=True).stdout)
    assert sorted((a["start"], tuple(a["tags"]), a["creator"]) for a in agreed["annotations"]) == [
        (1, ("X",), "agreed"),
        (21, ("X", "Z"), "agreed"),
    ]
    # a coder changes a decided passage: it is listed again, the decision stays until decided anew
    bob = Workspace(articles, db, coder="Bob")
    (z,) = [a for a in bob.annotations(bob.load(ARTICLE)) if "Z" in a.tags and not a.creator]
    bob.edit(z, tags=["X"])
    changed = Merger(bob).merge()
    assert [i.start for i, _ in changed.changed] == [21] and changed.open == []
    with pytest.raises(UsageError, match="no passage"):
        Merger(bob).decide("deadbeef", "all")


def test_refi_qda_carries_coders_both_ways_and_validates(articles, tmp_path, run_reader):
    etree = pytest.importorskip("lxml.etree")
    db = tmp_path / "db"
    coder(articles, db, "Ann", {0: ["X"], 3: ["Y"]})
    coder(articles, db, "Bob", {1: ["X"]})
    env = {"READER_ARTICLES": str(articles), "READER_DB": str(db), "READER_CODER": "Ann"}
    project = tmp_path / "team.qdpx"
    run_reader("export", "--format", "qdpx", "-o", str(project), env=env, check=True)
    with zipfile.ZipFile(project) as archive:
        xml = archive.read("project.qde")
    schema = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "data" / "Project-mrt2019.xsd")))
    document = etree.fromstring(xml)
    schema.assertValid(document)
    ns = {"q": "urn:QDA-XML:project:1.0"}
    users = {u.get("guid"): u.get("name") for u in document.findall(".//q:User", ns)}
    assert sorted(users.values()) == ["Ann", "Bob"]
    made = sorted(
        (int(s.get("startPosition")), users[s.get("creatingUser")])
        for s in document.findall(".//q:PlainTextSelection", ns)
    )
    assert made == [(1, "Ann"), (11, "Bob"), (31, "Ann")]
    # into an empty database: every passage in place, each with its coder
    empty_articles = tmp_path / "empty-articles"
    empty_articles.mkdir()
    fresh = {
        "READER_ARTICLES": str(empty_articles),
        "READER_DB": str(tmp_path / "fresh"),
        "READER_CODER": "Dee",
    }
    run_reader("import", str(project), env=fresh, check=True)
    back = json.loads(run_reader("export", env=fresh, check=True).stdout)
    text = (empty_articles / ARTICLE).read_text(encoding="utf-8")
    got = sorted((a["start"], a["end"], a["creator"], a["tags"][0]) for a in back["annotations"])
    assert got == [(1, 8, "Ann", "X"), (11, 18, "Bob", "X"), (31, 38, "Ann", "Y")]
    assert all(text[a["start"] : a["end"]] == a["quote"] for a in back["annotations"])
    # and W3C carries the coder as an Agent, both ways
    w3c = json.loads(run_reader("export", "--format", "w3c", env=env, check=True).stdout)
    agents = {item["creator"]["name"] for item in w3c["first"]["items"]}
    assert agents == {"Ann", "Bob"} and all(i["creator"]["type"] == "Person" for i in w3c["first"]["items"])


def test_a_coder_who_has_coded_nothing_yet_is_neither_compared_nor_merged(articles, tmp_path, run_reader):
    db = tmp_path / "db"
    coder(articles, db, "Ann", {0: ["X"], 1: ["X"], 2: ["X"], 3: ["X"]})
    coder(articles, db, "Bob", {0: ["X"], 1: ["X"], 4: ["X"]})
    cat = Workspace(articles, db, coder="Cat")
    with cat.store.locked():
        pass  # Cat's folder exists (as after a sync), with nothing coded in it
    assert "Cat" in cat.store.coders()
    env = {"READER_ARTICLES": str(articles), "READER_DB": str(db), "READER_CODER": "Cat"}
    figures = json.loads(run_reader("agreement", "--json", env=env, check=True).stdout)
    assert figures["coders"] == ["Ann", "Bob"]
    assert figures["tags"]["X"]["cohen_kappa"] == pytest.approx((0.7 - 0.54) / (1 - 0.54))
    assert Merger(cat).coders == ("Ann", "Bob")
    CodedMarks(cat.store).mark([ARTICLE])  # Cat has read it and found nothing: now Cat counts
    assert "Cat" in Merger(cat).coders


def test_csv_and_markdown_name_each_annotation_s_coder(articles, tmp_path, run_reader):
    import csv
    import io

    db = tmp_path / "db"
    coder(articles, db, "Ann", {0: ["X"]})
    coder(articles, db, "Bob", {1: ["Y"]})
    env = {"READER_ARTICLES": str(articles), "READER_DB": str(db), "READER_CODER": "Ann"}
    table = run_reader("export", "--format", "csv", env=env, check=True).stdout.lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(table)))
    assert sorted((r["start"], r["creator"]) for r in rows) == [("1", "Ann"), ("11", "Bob")]
    markdown = run_reader("export", "--format", "md", env=env, check=True).stdout
    assert "by Ann" in markdown and "by Bob" in markdown
