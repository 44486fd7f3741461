"""`reader add`: saved pages, EPUB, DOCX and PDF become clean articles with metadata (run for real)."""

from __future__ import annotations

import json
import zipfile
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import pytest

from conftest import DATA
from reader.ingest.documents import join_pdf_lines

WEB = DATA / "web"

SIMPLIFIED_BODY = [
    "本报讯 1月13日以来，大批自称“TikTok难民”的美国用户涌入小红书",
    "据第三方机构统计，短短三天内，小红书新增的美国用户超过七十万人。",
    "不少中国用户在评论区热情欢迎新朋友",
    "业内人士分析认为，这一现象短期内为小红书带来了可观的流量",
    "专家提醒，用户迁移往往具有偶然性",
]
SIMPLIFIED_BOILERPLATE = [
    "当前位置",
    "下载客户端",
    "字号",
    "来源：环球观察网",
    "图片来源",
    "资料图",
    "责任编辑",
    "分享到",
    "相关新闻",
    "九十天宽限期",
    "网友评论",
    "欢迎美国朋友",
    "关于我们",
    "京ICP备",
    "Copyright",
]
TRADITIONAL_BODY = [
    "台灣即將邁入超高齡社會，外送平台也看準銀髮族商機。",
    "業者表示，過去不少長輩因為看不清楚手機上的小字",
    "消費者保護團體則提醒",
    "學者分析指出，高齡消費市場潛力龐大",
]
TRADITIONAL_BOILERPLATE = [
    "會員登入",
    "首頁 ›",
    "記者陳怡君",
    "圖／",
    "#外送",
    "延伸閱讀",
    "長照2.0",
    "熱門新聞",
    "讀者留言",
    "我爸媽",
    "關於我們",
    "All Rights Reserved",
]


def assert_clean_article(text: str, title: str, body: list[str], boilerplate: list[str]) -> None:
    lines = [line for line in text.split("\n") if line.strip()]
    assert lines[0] == title
    positions = [text.find(piece) for piece in body]
    assert all(p > 0 for p in positions), positions
    assert positions == sorted(positions)  # in the page's order
    assert len(lines) == 1 + len(body)  # each paragraph on its own line, nothing else
    for piece in boilerplate:
        assert piece not in text, piece


def add(run_reader, *paths: Path | str) -> tuple[list[dict], object]:
    result = run_reader("add", "--json", *map(str, paths))
    return [json.loads(line) for line in result.stdout.splitlines()], result


def test_simplified_and_traditional_news_pages(run_reader, seeds_dir: Path) -> None:
    records, result = add(run_reader, WEB / "xinwen_simplified.html", WEB / "xinwen_traditional.html")
    assert result.returncode == 0, result.stderr
    assert [r["status"] for r in records] == ["added", "added"]
    simplified = (seeds_dir / records[0]["article"]).read_text(encoding="utf-8")
    assert_clean_article(
        simplified, "小红书迎来大批美国用户 平台连夜上线翻译功能", SIMPLIFIED_BODY, SIMPLIFIED_BOILERPLATE
    )
    traditional = (seeds_dir / records[1]["article"]).read_text(encoding="utf-8")
    assert_clean_article(
        traditional, "外送平台搶攻銀髮族市場 業者推出大字版介面", TRADITIONAL_BODY, TRADITIONAL_BOILERPLATE
    )
    meta = json.loads((seeds_dir / "xinwen_simplified.meta.json").read_text(encoding="utf-8"))
    assert meta["url"] == "https://news.example-cn.com/world/2025-01/20/c_1.htm"
    assert (meta["site"], meta["author"], meta["date"]) == ("环球观察网", "李明", "2025-01-20")
    assert meta["tool"].startswith("trafilatura") and meta["source"].endswith("xinwen_simplified.html")
    assert (seeds_dir / meta["original"]).read_bytes() == (WEB / "xinwen_simplified.html").read_bytes()
    meta = json.loads((seeds_dir / "xinwen_traditional.meta.json").read_text(encoding="utf-8"))
    assert (meta["site"], meta["author"], meta["date"]) == ("台灣日報網", "陳怡君", "2025-03-05")
    # the library lists them with their metadata; `show` has it too
    rows = {r["id"]: r for r in json.loads(run_reader("list", "--json", check=True).stdout)}
    assert rows["xinwen_traditional.txt"]["site"] == "台灣日報網"
    assert rows["xinwen_traditional.txt"]["date"] == "2025-03-05"
    shown = json.loads(run_reader("show", "xinwen_simplified.txt", "--json", check=True).stdout)
    assert shown["metadata"]["author"] == "李明" and shown["regions"] == []


def test_adding_again_changes_nothing_and_nothing_is_overwritten(run_reader, seeds_dir: Path) -> None:
    mine = seeds_dir / "xinwen_simplified.txt"
    mine.write_text("我自己的文章\n", encoding="utf-8")  # the user's own file with the same name
    records, _ = add(run_reader, WEB / "xinwen_simplified.html")
    assert records[0]["status"] == "added" and records[0]["article"] == "xinwen_simplified-2.txt"
    assert mine.read_text(encoding="utf-8") == "我自己的文章\n"
    before = {p.name: p.read_bytes() for p in seeds_dir.iterdir()}
    records, result = add(run_reader, WEB)  # the folder: the same page again, plus the traditional one
    by_source = {Path(r["source"]).name: r for r in records}
    assert by_source["xinwen_simplified.html"]["status"] == "unchanged"
    assert by_source["xinwen_simplified.html"]["article"] == "xinwen_simplified-2.txt"
    assert by_source["xinwen_traditional.html"]["status"] == "added"
    after = {p.name: p.read_bytes() for p in seeds_dir.iterdir()}
    assert {name: after[name] for name in before} == before
    assert "1 added, 1 already there, 0 failed" in result.stderr


def test_a_bad_file_is_one_clear_line_and_the_others_are_added(run_reader, tmp_path: Path, seeds_dir: Path):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 this is not really a pdf")
    result = run_reader("add", str(bad), str(WEB / "xinwen_traditional.html"))
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("reader: error:")]
    assert len(errors) == 1 and "broken.pdf" in errors[0] and "Traceback" not in result.stderr
    assert (seeds_dir / "xinwen_traditional.txt").exists()
    assert not list(seeds_dir.glob("broken*"))
    missing = run_reader("add", str(tmp_path / "nope.html"))
    assert missing.returncode == 2 and "no such file or folder" in missing.stderr


def test_mhtml_web_archive(run_reader, tmp_path: Path, seeds_dir: Path) -> None:
    archive = MIMEMultipart("related")
    archive["Snapshot-Content-Location"] = "https://news.example-cn.com/world/2025-01/20/c_1.htm"
    page = MIMEText((WEB / "xinwen_simplified.html").read_text(encoding="utf-8"), "html", "utf-8")
    page["Content-Location"] = "https://news.example-cn.com/world/2025-01/20/c_1.htm"
    archive.attach(page)
    path = tmp_path / "saved.mhtml"
    path.write_bytes(archive.as_bytes())
    records, _ = add(run_reader, path)
    text = (seeds_dir / records[0]["article"]).read_text(encoding="utf-8")
    assert_clean_article(
        text, "小红书迎来大批美国用户 平台连夜上线翻译功能", SIMPLIFIED_BODY, SIMPLIFIED_BOILERPLATE
    )


EPUB_CHAPTERS = [
    ("第一章 出海", ["小红书在二〇二一年启动了出海战略。", "平台在多个国家推出本地化服务。"]),
    ("第二章 挑战", ["跨文化的内容管理并不容易。", "平台需要更多懂得多种语言的审核人员。"]),
]


def make_epub(path: Path) -> None:
    opf = """<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
 <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
  <dc:identifier id="id">urn:uuid:12345</dc:identifier><dc:title>出海简史</dc:title>
  <dc:creator>张三</dc:creator><dc:date>2024-06-01</dc:date><dc:publisher>示例出版社</dc:publisher>
  <dc:language>zh-CN</dc:language>
 </metadata>
 <manifest>
  <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
  <item id="c2" href="text/c2.xhtml" media-type="application/xhtml+xml"/>
  <item id="c1" href="text/c1.xhtml" media-type="application/xhtml+xml"/>
  <item id="css" href="style.css" media-type="text/css"/>
 </manifest>
 <spine><itemref idref="c1"/><itemref idref="c2"/></spine>
</package>"""
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        book.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?><container version="1.0" '
            'xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
            '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
            "</rootfiles></container>",
        )
        book.writestr("OEBPS/content.opf", opf)
        book.writestr("OEBPS/nav.xhtml", "<html><body><nav><ol><li>目录</li></ol></nav></body></html>")
        book.writestr("OEBPS/style.css", "p { margin: 0 }")
        for n, (heading, paragraphs) in enumerate(EPUB_CHAPTERS, 1):
            body = "".join(f"<p>{p}</p>" for p in paragraphs)
            book.writestr(
                f"OEBPS/text/c{n}.xhtml",
                f'<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml">'
                f"<head><title>{heading}</title><style>p{{}}</style></head><body><h2>{heading}</h2>{body}</body></html>",
            )


def test_epub_chapters_in_spine_order(run_reader, tmp_path: Path, seeds_dir: Path) -> None:
    path = tmp_path / "book.epub"
    make_epub(path)
    records, result = add(run_reader, path)
    assert records[0]["status"] == "added", result.stderr
    text = (seeds_dir / "book.txt").read_text(encoding="utf-8")
    expected = ["出海简史"] + [
        line for heading, paragraphs in EPUB_CHAPTERS for line in (heading, *paragraphs)
    ]
    assert [line for line in text.split("\n") if line] == expected
    meta = json.loads((seeds_dir / "book.meta.json").read_text(encoding="utf-8"))
    assert (meta["author"], meta["date"], meta["site"]) == ("张三", "2024-06-01", "示例出版社")
    assert meta["tool"].startswith("epub")


def test_docx_paragraphs_and_properties(run_reader, tmp_path: Path, seeds_dir: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("平台治理的三个难题", level=0)
    paragraphs = [
        "第一，内容审核需要懂得当地语言的人。",
        "第二，数据安全规则各国不同。",
        "第三，商业化要尊重用户。",
    ]
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.core_properties.author = "王五"
    path = tmp_path / "report.docx"
    document.save(str(path))
    records, result = add(run_reader, path)
    assert records[0]["status"] == "added", result.stderr
    text = (seeds_dir / "report.txt").read_text(encoding="utf-8")
    assert [line for line in text.split("\n") if line] == ["平台治理的三个难题", *paragraphs]
    meta = json.loads((seeds_dir / "report.meta.json").read_text(encoding="utf-8"))
    assert meta["author"] == "王五" and meta["tool"].startswith("python-docx") and meta["date"]


PDF_PARAGRAPHS = [
    "美国联邦最高法院裁定该法律不违宪，禁令按原计划生效。此后，大量美国用户开始寻找替代平台，其中不少人选择了"
    "小红书，并在上面分享自己的日常生活，与中国网友交流。",
    "分析人士认为，这种跨平台迁移往往是短暂的，但它让两国普通人有机会直接对话，这在过去并不多见。",
]


def test_pdf_with_chinese_text(run_reader, tmp_path: Path, seeds_dir: Path) -> None:
    pytest.importorskip("reportlab")
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))  # a CJK font every PDF reader knows
    style = ParagraphStyle("zh", fontName="STSong-Light", fontSize=12, leading=18, wordWrap="CJK")
    path = tmp_path / "brief.pdf"
    doc = SimpleDocTemplate(str(path), pagesize=A4, title="用户迁移简报", author="研究组")
    doc.build([Paragraph(p, style) for p in PDF_PARAGRAPHS])
    records, result = add(run_reader, path)
    assert records[0]["status"] == "added", result.stderr
    text = (seeds_dir / "brief.txt").read_text(encoding="utf-8")
    assert [line for line in text.split("\n") if line] == ["用户迁移简报", *PDF_PARAGRAPHS]
    meta = json.loads((seeds_dir / "brief.meta.json").read_text(encoding="utf-8"))
    assert meta["author"] == "研究组" and meta["tool"].startswith("pypdfium2")


def test_pdf_lines_join_into_paragraphs() -> None:
    lines = [
        "这是一段很长的文字，它在页面上",
        "被折成了两行，到这里结束。",
        "",
        "第二段很短。",
        "Hello",
        "world",
    ]
    assert join_pdf_lines(lines) == [
        "这是一段很长的文字，它在页面上被折成了两行，到这里结束。",
        "第二段很短。",
        "Hello",
        "world",
    ]


def test_page_metadata_with_control_characters_is_stored_as_safe_text(run_reader, tmp_path, seeds_dir):
    page = (WEB / "xinwen_traditional.html").read_text(encoding="utf-8")
    page = page.replace('content="台灣日報網"', 'content="台灣\x1b]0;pwned\x07日報網\u202e"')
    path = tmp_path / "evil.html"
    path.write_text(page, encoding="utf-8")
    records, _ = add(run_reader, path)
    meta = json.loads((seeds_dir / "evil.meta.json").read_text(encoding="utf-8"))
    assert "\x1b" not in meta["site"] and "\x07" not in meta["site"] and "\u202e" not in meta["site"]
    assert meta["site"].startswith("台灣") and records[0]["status"] == "added"
