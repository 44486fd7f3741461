"""REFI-QDA export: a project (``.qdpx``) or the codebook alone (``.qdc``). See docs/EXPORT.md.

The project holds the coders as Users, the codebook as nested Codes (``a/b`` is the Code ``b`` inside
``a``) with their colours and descriptions, each exported article as a TextSource whose plain text (the
article in the export's view) is ``Sources/<GUID>.txt``, and each annotation as a PlainTextSelection with
its coder, times, note (Description) and one Coding per tag.

**Offsets** (``startPosition``/``endPosition``) are Unicode code points into that plain text, a line break
counting as one character. With ``line_endings="crlf"`` (the default) the text files have Windows line
breaks, as MAXQDA and ATLAS.ti expect, and positions still count each line break once: ATLAS.ti reads them
that way (QualCoder's importer notes it), and QualCoder's own "line ending for MAXQDA" export writes CRLF
without moving positions. ``line_endings="lf"`` writes ``\\n`` (QualCoder, Taguette and most tools on
Linux and macOS). Text files are UTF-8 without a byte-order mark, which some tools would count as a
character.

GUIDs are stable: a selection's is the annotation's id, a code's is derived from its path, a source's from
the article and the view, a user's from the name; exporting twice gives the same GUIDs, and importing the
project back updates annotations instead of duplicating them.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from reader import __version__
from reader.colors import hex_for
from reader.errors import UsageError
from reader.formats.refi import (
    CODEBOOK_NS,
    INTERNAL,
    PROJECT_FILE,
    PROJECT_NS,
    SOURCES_DIR,
    as_guid,
    stable_guid,
    xml_text,
    xml_time,
)
from reader.formats.viewtext import ViewArticle, coder_of, default_coder, view_articles
from reader.tags import ancestors, normalise_tags, under_any

if TYPE_CHECKING:
    from reader.workspace import Workspace

LINE_ENDINGS = ("crlf", "lf")
ORIGIN = f"reader {__version__}"
#: a selection's name is the passage (for people and for the importer's check of offsets), cut to this
NAME_CHARS = 200


def check_line_endings(value: str) -> str:
    if value not in LINE_ENDINGS:
        raise UsageError(f"unknown line endings {value!r}; choose one of: {', '.join(LINE_ENDINGS)}")
    return value


# ---------------------------------------------------------------------------------------------- codebook


def codebook_entries(
    workspace: Workspace, data: dict[str, Any], tags: Sequence[str] = ()
) -> dict[str, tuple[str, str]]:
    """tag -> (colour #rrggbb, description): the codebook's tags and those the export uses, with parents.

    ``tags`` (the export's tag filter) keeps only those tags and their sub-tags (and their parents).
    """
    roots = normalise_tags(tags)
    infos = {info.name: info for info in workspace.codebook.tags()}
    names = set(infos)
    for record in data["annotations"]:
        names.update(record["tags"])
    if roots:
        names = {t for t in names if under_any(t, roots)}
    for name in list(names):
        names.update(ancestors(name))
    out = {}
    for name in sorted(names, key=lambda n: n.split("/")):
        info = infos.get(name)
        color = info.color if info else workspace.codebook.color_of(name)
        out[name] = (hex_for(color), info.description if info else "")
    return out


def _code_elements(parent: ET.Element, entries: dict[str, tuple[str, str]]) -> None:
    """Nested Code elements under ``parent`` (entries are sorted, so parents come before children)."""
    elements: dict[str, ET.Element] = {}
    for name, (color, description) in entries.items():
        *path, leaf = name.split("/")
        container = elements.get("/".join(path), parent) if path else parent
        code = ET.SubElement(
            container,
            "Code",
            {
                "guid": stable_guid("code", name),
                "name": xml_text(leaf),
                "isCodable": "true",
                "color": color,
            },
        )
        if description:
            ET.SubElement(code, "Description").text = xml_text(description)
        elements[name] = code


def _serialise(root: ET.Element, ns: str) -> bytes:
    """The document with ``ns`` as its default namespace (elements are built unqualified).

    ElementTree's own ``default_namespace`` refuses unqualified attributes, which the schema requires.
    """
    root.set("xmlns", ns)
    xml = ET.tostring(root, encoding="unicode")
    # ElementTree writes a carriage return in element text raw, and XML parsers turn it into a line feed;
    # a character reference keeps it (attributes are already escaped this way, so any raw one is text)
    xml = xml.replace("\r", "&#13;")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + xml.encode("utf-8") + b"\n"


def render_qdc(workspace: Workspace, data: dict[str, Any], *, tags: Sequence[str] = ()) -> bytes:
    """The codebook alone (``.qdc``, namespace urn:QDA-XML:codebook:1.0)."""
    entries = codebook_entries(workspace, data, tags)
    if not entries:
        raise UsageError("the codebook is empty (or no tag matches): a REFI-QDA codebook needs a code")
    root = ET.Element("CodeBook", {"origin": ORIGIN})
    _code_elements(ET.SubElement(root, "Codes"), entries)
    return _serialise(root, CODEBOOK_NS)


# ----------------------------------------------------------------------------------------------- project


def _q(name: str) -> str:
    return name  # unqualified: the root's xmlns puts every element in the project namespace


def _times(element: dict[str, str], user: str, created: str, modified: str) -> dict[str, str]:
    element["creatingUser"] = user
    if stamp := xml_time(created):
        element["creationDateTime"] = stamp
    element["modifyingUser"] = user
    if stamp := xml_time(modified):
        element["modifiedDateTime"] = stamp
    return element


def _source(parent: ET.Element, article: ViewArticle, view: str, users: dict[str, str], coder: str) -> str:
    """The TextSource of one article with its selections; returns the GUID naming its text file."""
    guid = stable_guid("source", f"{article.id}\n{view}\n{article.sha256}")
    source = ET.SubElement(
        parent,
        _q("TextSource"),
        {"guid": guid, "name": xml_text(article.id), "plainTextPath": f"{INTERNAL}{guid}.txt"},
    )
    if article.title:
        ET.SubElement(source, _q("Description")).text = xml_text(article.title)
    for p in article.passages:
        r = p.record
        user = users[coder_of(r, coder)]
        quote = article.text[p.start : p.end]
        attrs = {
            "guid": as_guid(r["id"], "selection"),
            "name": xml_text(quote if len(quote) <= NAME_CHARS else quote[: NAME_CHARS - 1] + "…"),
            "startPosition": str(p.start),
            "endPosition": str(p.end),
        }
        _times(attrs, user, r["created"], r["modified"])
        selection = ET.SubElement(source, _q("PlainTextSelection"), attrs)
        if r["note"]:
            ET.SubElement(selection, _q("Description")).text = xml_text(r["note"])
        for tag in r["tags"]:
            coding_attrs = {"guid": stable_guid("coding", f"{attrs['guid']}\n{tag}"), "creatingUser": user}
            if stamp := xml_time(r["modified"]):
                coding_attrs["creationDateTime"] = stamp
            coding = ET.SubElement(selection, _q("Coding"), coding_attrs)
            ET.SubElement(coding, _q("CodeRef"), {"targetGUID": stable_guid("code", tag)})
    return guid


def _users(parent: ET.Element, names: Iterable[str]) -> dict[str, str]:
    users = {}
    element = ET.SubElement(parent, _q("Users"))
    for name in names:
        users[name] = stable_guid("user", name)
        ET.SubElement(element, _q("User"), {"guid": users[name], "name": xml_text(name)})
    return users


def build_project(
    workspace: Workspace, data: dict[str, Any], tags: Sequence[str] = ()
) -> tuple[bytes, dict[str, str]]:
    """``project.qde`` and the plain text of each source (GUID -> text with ``\\n`` line breaks)."""
    articles, _ = view_articles(workspace, data)
    coder = default_coder()
    coders = dict.fromkeys([coder] + [coder_of(p.record, coder) for a in articles for p in a.passages])
    name = xml_text(f"reader: {workspace.library.root.name}")
    root = ET.Element(_q("Project"), {"name": name, "origin": ORIGIN})
    users = _users(root, coders)
    root.set("creatingUserGUID", users[coder])
    if stamp := xml_time(data["exported_at"]):
        root.set("creationDateTime", stamp)
    entries = codebook_entries(workspace, data, tags)
    if entries:
        _code_elements(ET.SubElement(ET.SubElement(root, _q("CodeBook")), _q("Codes")), entries)
    texts: dict[str, str] = {}
    if articles:
        sources = ET.SubElement(root, _q("Sources"))
        for article in articles:
            texts[_source(sources, article, data["view"], users, coder)] = article.text
    ET.SubElement(root, _q("Description")).text = (
        f"Exported by {ORIGIN} in the {data['view']} view. Positions are Unicode code points into each "
        "source's plain text, a line break counting as one character."
    )
    return _serialise(root, PROJECT_NS), texts


def render_qdpx(
    workspace: Workspace, data: dict[str, Any], *, line_endings: str = "crlf", tags: Sequence[str] = ()
) -> bytes:
    """The project as a ``.qdpx`` zip: ``project.qde`` and ``Sources/<GUID>.txt``."""
    check_line_endings(line_endings)
    project, texts = build_project(workspace, data, tags)
    stamp = datetime.fromisoformat(data["exported_at"]).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(PROJECT_FILE, date_time=stamp), project, zipfile.ZIP_DEFLATED)
        for guid, text in texts.items():
            if line_endings == "crlf":
                text = text.replace("\n", "\r\n")
            info = zipfile.ZipInfo(f"{SOURCES_DIR}/{guid}.txt", date_time=stamp)
            archive.writestr(info, text.encode("utf-8"), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
