"""REFI-QDA: exports valid against the official schemas, round trips through an empty database, imports
from other tools' dialects (no namespace, sources/, CRLF counted twice, UTF-16 positions), and errors."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from _export_fixtures import make_annotations
from conftest import DATA
from reader.convert import VIEWS
from reader.errors import UsageError
from reader.export import build_export, render_bytes
from reader.importer import import_file
from reader.sentences import sentence_spans
from reader.workspace import Workspace

etree = pytest.importorskip("lxml.etree")

PROJECT_XSD = DATA / "Project-mrt2019.xsd"
CODEBOOK_XSD = DATA / "Codebook.xsd"
NS = {"q": "urn:QDA-XML:project:1.0"}


def schema(path: Path) -> Any:
    return etree.XMLSchema(etree.parse(str(path)))


def assert_valid(xsd: Path, xml: bytes) -> Any:
    checker = schema(xsd)
    doc = etree.fromstring(xml)
    assert checker.validate(doc), checker.error_log
    return doc


def export(workspace: Workspace, fmt: str, view: str = "original", **options: Any) -> bytes:
    data = build_export(workspace, view, tags=options.get("tags", ()))
    return render_bytes(data, fmt, workspace=workspace, **options)


def members(qdpx: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(qdpx)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def annotate_seeds(workspace: Workspace) -> int:
    """Passages in every seed, made in every view: sentences, one across a line break, nested tags."""
    count = 0
    for n, info in enumerate(workspace.articles()):
        article = workspace.load(info.id)
        spans = sentence_spans(article.text)
        picks = [spans[2], spans[len(spans) // 2], spans[-3]]
        start, _ = spans[5]
        _, end = spans[7]
        picks.append((start, end))  # across sentences and, in these articles, a line break
        for i, (s, e) in enumerate(picks):
            view = VIEWS[(n + i) % len(VIEWS)]
            tags = [["framing/economy"], ["来源", "framing/moral"], ["a/b/c"], []][i]
            workspace.annotate(
                article, s, e, tags=tags, note=f"note {n}.{i}\nline two" if i % 2 else "", view=view
            )
            count += 1
    return count


def passages(workspace: Workspace) -> dict[str, tuple[Any, ...]]:
    return {
        a["id"]: (
            a["article_id"],
            a["start"],
            a["end"],
            a["quote"],
            a["tags"],
            a["note"],
            a["created"],
            a["modified"],
        )
        for a in build_export(workspace)["annotations"]
    }


# -------------------------------------------------------------------------------------------- export


@pytest.mark.parametrize("view", ["original", "taiwan"])
def test_project_validates_against_the_official_schema(workspace, view):
    make_annotations(workspace)  # hostile tags and notes: control characters, newlines, markup
    files = members(export(workspace, "qdpx", view))
    doc = assert_valid(PROJECT_XSD, files["project.qde"])
    sources = doc.findall("q:Sources/q:TextSource", NS)
    assert len(sources) == 3
    for source in sources:
        assert f"Sources/{source.get('guid')}.txt" in files
        assert source.get("plainTextPath") == f"internal://{source.get('guid')}.txt"


def test_codebook_validates_and_nests_a_b_tags_with_colours_and_descriptions(workspace):
    article = workspace.load(workspace.articles()[0].id)
    workspace.annotate(article, 0, 4, tags=["framing/economy", "来源"])
    workspace.codebook.set_color("framing", "#123abc")
    workspace.codebook.set_description("framing/economy", "money & trade <b>")
    doc = assert_valid(CODEBOOK_XSD, export(workspace, "qdc"))
    q = {"c": "urn:QDA-XML:codebook:1.0"}
    framing = doc.find("c:Codes/c:Code[@name='framing']", q)
    economy = framing.find("c:Code[@name='economy']", q)
    assert framing.get("color") == "#123abc"
    assert economy.get("color") == "#123abc"  # a sub-tag without a colour takes its parent's
    assert economy.findtext("c:Description", namespaces=q) == "money & trade <b>"
    assert doc.find("c:Codes/c:Code[@name='来源']", q) is not None
    # the project carries the same codebook
    project = assert_valid(PROJECT_XSD, members(export(workspace, "qdpx"))["project.qde"])
    assert project.find("q:CodeBook/q:Codes/q:Code[@name='framing']/q:Code[@name='economy']", NS) is not None


def test_an_empty_codebook_is_a_clear_error(workspace):
    with pytest.raises(UsageError, match="codebook is empty"):
        export(workspace, "qdc")


@pytest.mark.parametrize("line_endings", ["crlf", "lf"])
def test_positions_are_code_points_counting_a_line_break_once(workspace, line_endings):
    article = workspace.load("002_ced27b30dc7015ea.txt")
    first_break = article.text.index("\n", 100)
    start, end = first_break - 3, first_break + 4  # a passage across a line break
    made = workspace.annotate(article, start, end, tags=["x"], note="across")
    files = members(export(workspace, "qdpx", line_endings=line_endings))
    doc = assert_valid(PROJECT_XSD, files["project.qde"])
    source = doc.find("q:Sources/q:TextSource", NS)
    raw = files[f"Sources/{source.get('guid')}.txt"].decode("utf-8")
    assert not raw.startswith("\ufeff")
    if line_endings == "crlf":
        assert "\r\n" in raw and "\n" not in raw.replace("\r\n", "")
    else:
        assert "\r" not in raw
    selection = source.find("q:PlainTextSelection", NS)
    assert selection.get("guid") == made.id
    s, e = int(selection.get("startPosition")), int(selection.get("endPosition"))
    assert raw.replace("\r\n", "\n")[s:e] == article.text[start:end]
    assert selection.findtext("q:Description", namespaces=NS) == "across"
    user = doc.find("q:Users/q:User", NS)
    assert selection.get("creatingUser") == user.get("guid")
    code_guid = selection.find("q:Coding/q:CodeRef", NS).get("targetGUID")
    assert doc.find(f"q:CodeBook/q:Codes/q:Code[@guid='{code_guid}']", NS).get("name") == "x"


def test_exporting_twice_gives_the_same_guids(workspace):
    make_annotations(workspace)
    first, second = export(workspace, "qdpx"), export(workspace, "qdpx")
    assert set(members(first)) == set(members(second))


# ---------------------------------------------------------------------------------------- round trips


@pytest.fixture
def fresh(seeds_dir, tmp_path) -> Workspace:
    return Workspace(seeds_dir, tmp_path / "db-fresh")


@pytest.mark.parametrize(
    ("view", "line_endings"),
    [
        ("original", "crlf"),
        ("simplified", "lf"),
        ("traditional", "crlf"),
        ("taiwan", "crlf"),
        ("hongkong", "lf"),
    ],
)
def test_round_trip_over_the_seeds_puts_every_passage_back(workspace, fresh, tmp_path, view, line_endings):
    count = annotate_seeds(workspace)
    path = tmp_path / "project.qdpx"
    path.write_bytes(export(workspace, "qdpx", view, line_endings=line_endings))
    report = import_file(fresh, path)
    assert (report.added, report.orphaned, report.reanchored) == (count, 0, 0)
    assert report.articles_added == []  # every source is one of the articles (in that view)
    assert passages(fresh) == passages(workspace)
    again = import_file(fresh, path)  # idempotent
    assert (again.added, again.updated, again.unchanged) == (0, 0, count)


def test_import_into_an_empty_folder_adds_the_articles(workspace, tmp_path):
    count = annotate_seeds(workspace)
    path = tmp_path / "project.qdpx"
    path.write_bytes(export(workspace, "qdpx"))
    empty = tmp_path / "empty"
    empty.mkdir()
    fresh = Workspace(empty, tmp_path / "db-empty")
    report = import_file(fresh, path)
    assert sorted(report.articles_added) == sorted(i.id for i in workspace.articles())
    for info in workspace.articles():  # the same text under the same name
        assert fresh.load(info.id).text == workspace.load(info.id).text
    assert passages(fresh) == passages(workspace)
    assert report.added == count
    again = import_file(fresh, path)
    assert again.articles_added == [] and again.unchanged == count


def test_a_new_article_never_overwrites_a_file(workspace, tmp_path):
    article = workspace.load("002_ced27b30dc7015ea.txt")
    workspace.annotate(article, 10, 20, tags=["x"])
    path = tmp_path / "p.qdpx"
    path.write_bytes(export(workspace, "qdpx"))
    other = tmp_path / "other"
    other.mkdir()
    (other / "002_ced27b30dc7015ea.txt").write_text("一篇完全不同的文章。", encoding="utf-8")
    fresh = Workspace(other, tmp_path / "db-other")
    report = import_file(fresh, path)
    # same name, other text: taken as that article changed; the passage is not in it, so it is kept as an
    # orphan there, and the file is left as it was
    assert (other / "002_ced27b30dc7015ea.txt").read_text(encoding="utf-8") == "一篇完全不同的文章。"
    assert (report.orphaned, report.articles_added) == (1, [])
    assert sorted(p.name for p in other.iterdir()) == ["002_ced27b30dc7015ea.txt"]


def test_two_new_sources_with_one_name_become_two_files(empty_workspace, tmp_path):
    sources = "".join(
        f'<TextSource guid="{d * 8}-3333-3333-3333-333333333333" name="notes.txt">'
        f"<PlainTextContent>{text}</PlainTextContent></TextSource>"
        for d, text in (("a", "第一篇。"), ("b", "第二篇。"))
    )
    path = tmp_path / "two.qde"
    path.write_bytes(project_xml("", source=sources))
    report = import_file(empty_workspace, path)
    assert report.articles_added == ["notes (2).txt", "notes.txt"]
    assert (empty_workspace.library.root / "notes (2).txt").read_text(encoding="utf-8") == "第二篇。"


def test_an_article_that_changed_since_the_export_gets_its_passages_found_again(workspace, fresh, tmp_path):
    article = workspace.load("001_8eaa32b1d9703bf4.txt")
    start = article.text.index("字节跳动")
    made = workspace.annotate(article, start, start + 4, tags=["公司"])
    path = tmp_path / "p.qdpx"
    path.write_bytes(export(workspace, "qdpx", "taiwan"))  # the passage travels in Taiwan script: 字節跳動
    file = fresh.library.root / "001_8eaa32b1d9703bf4.txt"
    file.write_text("新加的一段。\n" + file.read_text(encoding="utf-8"), encoding="utf-8")
    report = import_file(fresh, path)
    assert report.orphaned == 0 and report.reanchored == 1 and report.articles_added == []
    (imported,) = fresh.annotations(fresh.load("001_8eaa32b1d9703bf4.txt"))
    assert (imported.id, imported.start, imported.quote) == (made.id, start + 7, "字节跳动")


def test_codebook_import_adds_codes_and_keeps_existing_colours(workspace, fresh, tmp_path):
    article = workspace.load(workspace.articles()[0].id)
    workspace.annotate(article, 0, 4, tags=["framing/economy"])
    workspace.codebook.set_color("framing", "#123abc")
    workspace.codebook.create("unused/child", "#00ff00", "a code nobody used")
    path = tmp_path / "codes.qdc"
    path.write_bytes(export(workspace, "qdc"))
    fresh.codebook.create("framing", "red")
    report = import_file(fresh, path)
    assert report.codes_added == 3  # framing/economy, unused, unused/child (framing was there)
    assert fresh.codebook.color_of("framing") == "red"  # kept
    assert fresh.codebook.color_of("unused/child") == "#00ff00"
    descriptions = {t.name: t.description for t in fresh.codebook.tags()}
    assert descriptions["unused/child"] == "a code nobody used"


# --------------------------------------------------------------------------------- other tools' files

ARTICLE = "第一行😀文字。\n第二行𠀀有一个关键的句子。\n第三行。"


def project_xml(selections: str, *, namespace: bool = True, origin: str = "Other", source: str = "") -> bytes:
    xmlns = ' xmlns="urn:QDA-XML:project:1.0"' if namespace else ""
    codes = (
        '<CodeBook><Codes><Code guid="11111111-1111-1111-1111-111111111111" name="key/sentence" '
        'isCodable="true" color="#ABC"><Code guid="22222222-2222-2222-2222-222222222222" name="inner" '
        'isCodable="true"/></Code></Codes></CodeBook>'
    )
    body = source or (
        '<TextSource guid="33333333-3333-3333-3333-333333333333" name="notes.txt" '
        f'plainTextPath="internal://33333333-3333-3333-3333-333333333333.txt">{selections}</TextSource>'
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><Project name="x" origin="{origin}"{xmlns}>'
        '<Users><User guid="44444444-4444-4444-4444-444444444444" name="Mei"/></Users>'
        f"{codes}<Sources>{body}</Sources></Project>"
    ).encode()


def selection(start: int, end: int, name: str, code: str = "1111", guid: str = "5") -> str:
    return (
        f'<PlainTextSelection guid="{guid * 8}-5555-5555-5555-555555555555" name="{name}" '
        f'startPosition="{start}" endPosition="{end}" creatingUser="44444444-4444-4444-4444-444444444444" '
        'creationDateTime="2024-05-01T10:00:00Z"><Description>from elsewhere</Description>'
        f'<Coding guid="66666666-6666-6666-6666-666666666666"><CodeRef targetGUID="{code * 2}-{code}-{code}-'
        f'{code}-{code * 3}"/></Coding></PlainTextSelection>'
    )


def qdpx(tmp_path: Path, xml: bytes, text: bytes, folder: str = "Sources") -> Path:
    path = tmp_path / "other.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", xml)
        archive.writestr(f"{folder}/33333333-3333-3333-3333-333333333333.txt", text)
    return path


@pytest.fixture
def empty_workspace(tmp_path) -> Workspace:
    folder = tmp_path / "arts"
    folder.mkdir()
    return Workspace(folder, tmp_path / "db-x")


def only_annotation(ws: Workspace) -> Any:
    (annotation,) = ws.annotations(ws.load("notes.txt"))
    return annotation


@pytest.mark.parametrize("namespace", [True, False])
@pytest.mark.parametrize("folder", ["Sources", "sources"])
def test_plain_dialects_namespace_or_not_sources_folder_either_case(
    empty_workspace, tmp_path, namespace, folder
):
    key = ARTICLE.index("关键")
    xml = project_xml(selection(key, key + 5, "关键的句子"), namespace=namespace)
    report = import_file(empty_workspace, qdpx(tmp_path, xml, ARTICLE.encode(), folder))
    assert report.articles_added == ["notes.txt"] and report.added == 1
    a = only_annotation(empty_workspace)
    assert (a.quote, a.tags, a.note) == ("关键的句子", ("key／sentence",), "from elsewhere")
    assert a.created == "2024-05-01T10:00:00.000000+00:00"
    assert report.coders == ["Mei"]


def test_crlf_counted_twice_and_utf16_positions_are_recognised_by_the_selection_names(
    empty_workspace, tmp_path
):
    windows = ARTICLE.replace("\n", "\r\n")
    key = windows.index("关键")
    utf16 = len(windows[:key].encode("utf-16-le")) // 2  # two astral characters and one CRLF before it
    xml = project_xml(selection(utf16, utf16 + 5, "关键的句子"))
    import_file(empty_workspace, qdpx(tmp_path, xml, b"\xef\xbb\xbf" + windows.encode()))
    assert only_annotation(empty_workspace).quote == "关键的句子"


def test_atlas_style_crlf_counted_once(empty_workspace, tmp_path):
    key = ARTICLE.index("关键")
    xml = project_xml(selection(key, key + 5, ""), origin="ATLAS.ti Windows 23")  # no names to go by
    import_file(empty_workspace, qdpx(tmp_path, xml, ARTICLE.replace("\n", "\r\n").encode()))
    assert only_annotation(empty_workspace).quote == "关键的句子"


def test_a_bare_qde_with_the_text_inside(empty_workspace, tmp_path):
    source = (
        '<TextSource guid="33333333-3333-3333-3333-333333333333" name="notes">'
        f"<PlainTextContent>{ARTICLE}</PlainTextContent>{selection(0, 3, '第一行')}</TextSource>"
        '<PictureSource guid="77777777-7777-7777-7777-777777777777" path="internal://x.png"/>'
    )
    path = tmp_path / "project.qde"
    path.write_bytes(project_xml("", source=source))
    report = import_file(empty_workspace, path)
    assert only_annotation(empty_workspace).quote == "第一行"
    assert report.skipped == {"PictureSource (not text)": 1}


def test_taguette_codebook_without_namespace(empty_workspace, tmp_path):
    path = tmp_path / "codebook.qdc"
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<CodeBook origin="Taguette 1.4"><Codes>'
        '<Code guid="0D62985D-B147-5D01-A9B5-CAE5DCD98342" name="interesting" isCodable="true"/>'
        '<Code guid="725F0645-9CD3-598A-8D2B-EC3D39AB3C3F" name="interesting.places" isCodable="true">'
        "<Description>where</Description></Code></Codes></CodeBook>",
        encoding="utf-8",
    )
    report = import_file(empty_workspace, path)
    assert report.codes_added == 2
    tags = {t.name: t.description for t in empty_workspace.codebook.tags()}
    assert tags == {"interesting": "", "interesting.places": "where"}


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><Project name="x"/>', "document type declaration"),
        (b'<Project xmlns="urn:other" name="x"/>', "unknown namespace"),
        (b"<Project name='x'><unclosed></Project>", "not well-formed"),
        (project_xml(selection(0, 3, "x", code="9999")), "names no code"),
        (project_xml(selection(5, 3, "x")), "is before startPosition"),
        (project_xml(selection(0, 999, "x")), "outside its source"),
    ],
)
def test_bad_files_are_one_clear_error_and_nothing_is_written(empty_workspace, tmp_path, xml, message):
    path = qdpx(tmp_path, xml, ARTICLE.encode())
    with pytest.raises(UsageError, match=message):
        import_file(empty_workspace, path)
    assert list(empty_workspace.library.root.iterdir()) == []
    assert not list(empty_workspace.store.path.glob("coders/*/articles/*"))


def test_a_missing_source_file_and_a_non_refi_zip_are_errors(empty_workspace, tmp_path):
    path = tmp_path / "x.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", project_xml(selection(0, 3, "x")))
    with pytest.raises(UsageError, match="not in the archive"):
        import_file(empty_workspace, path)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(UsageError, match=r"no project\.qde"):
        import_file(empty_workspace, path)


# ------------------------------------------------------------------------------------------------- CLI


def test_cli_export_and_import(run_reader, workspace, tmp_path):
    make_annotations(workspace)
    result = run_reader("export", "--format", "qdpx", "--view", "hongkong", "-o", "p.qdpx")
    assert result.returncode == 0, result.stderr
    assert_valid(PROJECT_XSD, members((tmp_path / "p.qdpx").read_bytes())["project.qde"])
    result = run_reader("--db", str(tmp_path / "db2"), "import", "p.qdpx")
    assert result.returncode == 0, result.stderr
    assert "REFI-QDA project): 4 added" in result.stdout
    result = run_reader("export", "--format", "qdc", "--tag", "来源")
    assert result.returncode == 0 and 'name="来源"' in result.stdout and "公司" not in result.stdout
    bad = run_reader("export", "--format", "csv", "--line-endings", "lf")
    assert bad.returncode == 2 and "--line-endings applies to --format qdpx only" in bad.stderr


async def test_the_export_dialog_writes_a_project(seeds_dir, db_dir, tmp_path, monkeypatch):
    from textual.widgets import Input, Select

    from _pilot import settle
    from reader.app import ReaderApp
    from reader.screens.export import ExportDialog

    monkeypatch.chdir(tmp_path)
    workspace = Workspace(seeds_dir, db_dir)
    make_annotations(workspace)
    app = ReaderApp(workspace)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one("#export-format", Select).value = "qdpx"
        await pilot.pause()
        assert dialog.query_one("#export-path", Input).value.endswith(".qdpx")
        await pilot.click("#export-run")
        await settle(pilot)
    (written,) = tmp_path.glob("reader-export-*.qdpx")
    doc = assert_valid(PROJECT_XSD, members(written.read_bytes())["project.qde"])
    assert len(doc.findall("q:Sources/q:TextSource/q:PlainTextSelection", NS)) == 4
