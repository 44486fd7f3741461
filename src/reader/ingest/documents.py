"""EPUB (stdlib zip + lxml), DOCX (python-docx, MIT) and PDF (pypdfium2: PDFium, BSD/Apache) to text.

No EPUB library: ebooklib is AGPL, and an EPUB is a zip of XHTML files listed in order by its OPF
package file, which the standard library and lxml read well enough.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from importlib.metadata import version
from typing import Any

from reader.errors import ArticleError
from reader.ingest import Extracted
from reader.ingest.htmltext import html_to_paragraphs

_OPF_NS = {
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
}
_SENTENCE_END = tuple("。！？!?…」』”：:；;")


# --------------------------------------------------------------------------------------------- EPUB


def extract_epub(data: bytes, where: str) -> Extracted:
    from lxml import etree

    try:
        book = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ArticleError(f"{where}: not an EPUB (not a zip archive)") from exc
    with book:
        try:
            container = etree.fromstring(book.read("META-INF/container.xml"))
            opf_path = container.find(".//c:rootfile", _OPF_NS).get("full-path")
            opf = etree.fromstring(book.read(opf_path))
        except (KeyError, AttributeError, etree.XMLSyntaxError) as exc:
            raise ArticleError(f"{where}: not a readable EPUB (no package file)") from exc
        base = posixpath.dirname(opf_path)
        items = {
            item.get("id"): item.get("href")
            for item in opf.iterfind(".//opf:manifest/opf:item", _OPF_NS)
            if item.get("href")
        }
        paragraphs: list[str] = []
        for ref in opf.iterfind(".//opf:spine/opf:itemref", _OPF_NS):
            href = items.get(ref.get("idref"))
            if href is None:
                continue
            name = posixpath.normpath(posixpath.join(base, href.split("#")[0]))
            try:
                paragraphs.extend(html_to_paragraphs(book.read(name)))
            except KeyError:
                continue

    def dc(tag: str) -> str | None:
        element = opf.find(f".//dc:{tag}", _OPF_NS)
        return element.text.strip() if element is not None and element.text else None

    return Extracted(
        title=dc("title") or "",
        paragraphs=paragraphs,
        tool=f"epub (zipfile + lxml {version('lxml')})",
        site=dc("publisher"),
        author=dc("creator"),
        date=dc("date"),
        url=_url(dc("source") or dc("identifier")),
    )


def _url(value: str | None) -> str | None:
    return value if value and re.match(r"https?://", value) else None


# --------------------------------------------------------------------------------------------- DOCX


def extract_docx(data: bytes, where: str) -> Extracted:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ArticleError(f"{where}: not a readable DOCX file") from exc
    paragraphs: list[str] = []
    title = ""
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if not title and not paragraphs and style in ("Title", "Heading 1"):
            title = text
            continue
        paragraphs.append(text)
    for table in document.tables:  # tables after the text: their cells, row by row
        for row in table.rows:
            cells = [cell.text.strip() for cell in row.cells if cell.text.strip()]
            if cells:
                paragraphs.append(" | ".join(cells))
    core = document.core_properties
    created = core.created.date().isoformat() if core.created else None
    core_title = (core.title or "").strip()
    if core_title and title and title != core_title:
        paragraphs.insert(0, title)  # the document's own heading is text the core title does not repeat
    return Extracted(
        title=core_title or title,
        paragraphs=paragraphs,
        tool=f"python-docx {version('python-docx')}",
        author=(core.author or "").strip() or None,
        date=created,
    )


# --------------------------------------------------------------------------------------------- PDF


def extract_pdf(data: bytes, where: str) -> Extracted:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ArticleError(f"{where}: not a readable PDF ({exc})") from exc
    try:
        lines: list[str] = []
        for page in pdf:
            text = page.get_textpage().get_text_range()
            lines.extend(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
            lines.append("")  # a page break ends a paragraph only if the text says so
        meta: dict[str, Any] = pdf.get_metadata_dict()
    finally:
        pdf.close()
    return Extracted(
        title=(meta.get("Title") or "").strip(),
        paragraphs=join_pdf_lines(lines),
        tool=f"pypdfium2 {version('pypdfium2')}",
        author=(meta.get("Author") or "").strip() or None,
        date=_pdf_date(meta.get("CreationDate") or ""),
    )


def join_pdf_lines(lines: list[str]) -> list[str]:
    """Paragraphs from a PDF's visual lines: a line that does not end a sentence and is about as long as
    the longest lines continues on the next one (Chinese is joined without a space)."""
    stripped = [line.strip() for line in lines]
    full = max((len(line) for line in stripped), default=0)
    paragraphs: list[str] = []
    current = ""
    for line in stripped:
        if not line:
            if current and (current.endswith(_SENTENCE_END) or len(current) < 0.8 * full):
                paragraphs.append(current)
                current = ""
            continue
        current = _join(current, line)
        if line.endswith(_SENTENCE_END) or len(line) < 0.8 * full:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs


def _join(left: str, right: str) -> str:
    if not left:
        return right
    if left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum():
        return left + " " + right
    return left + right


def _pdf_date(value: str) -> str | None:
    found = re.match(r"D:(\d{4})(\d{2})(\d{2})", value)
    return f"{found.group(1)}-{found.group(2)}-{found.group(3)}" if found else None
