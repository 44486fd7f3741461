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
    derived_guid,
    stable_guid,
    xml_attribute,
    xml_content,
    xml_time,
)
from reader.formats.viewtext import Passage, ViewArticle, coder_of, default_coder, view_articles
from reader.tags import ancestors, normalise_tags, under_any_alike

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

    ``tags`` (the export's tag filter) keeps only those tags and their sub-tags, 简 and 繁 alike, as the
    export's filter does (and their parents).
    """
    roots = normalise_tags(tags)
    infos = {info.name: info for info in workspace.codebook.tags()}
    names = set(infos)
    for record in data["annotations"]:
        names.update(record["tags"])
    if roots:
        names = {t for t in names if under_any_alike(t, roots)}
    for name in list(names):
        names.update(ancestors(name))
    out = {}
    for name in sorted(names, key=lambda n: n.split("/")):
        info = infos.get(name)
        color = info.color if info else workspace.codebook.color_of(name)
        out[name] = (hex_for(color), info.description if info else "")
    return out


def _attrs(values: dict[str, str]) -> str:
    return "".join(f' {name}="{xml_attribute(value)}"' for name, value in values.items())


def _codes_xml(entries: dict[str, tuple[str, str]]) -> str:
    """Nested Code elements (entries are sorted by path, so a parent comes right before its subtree)."""
    out: list[str] = []
    open_paths: list[str] = []
    for name, (color, description) in entries.items():
        while open_paths and not name.startswith(open_paths[-1] + "/"):
            out.append("</Code>")
            open_paths.pop()
        attrs = {"guid": stable_guid("code", name), "name": name.rsplit("/", 1)[-1]}
        out.append(f'<Code{_attrs(attrs)} isCodable="true" color="{color}">')
        if description:
            out.append(f"<Description>{xml_content(description)}</Description>")
        open_paths.append(name)
    out.extend("</Code>" for _ in open_paths)
    return "".join(out)


def _document(root: str, attrs: dict[str, str], body: Iterable[str]) -> bytes:
    head = f'<?xml version="1.0" encoding="utf-8"?>\n<{root}{_attrs(attrs)}>'
    return "".join([head, *body, f"</{root}>\n"]).encode("utf-8")


def render_qdc(workspace: Workspace, data: dict[str, Any], *, tags: Sequence[str] = ()) -> bytes:
    """The codebook alone (``.qdc``, namespace urn:QDA-XML:codebook:1.0)."""
    entries = codebook_entries(workspace, data, tags)
    if not entries:
        raise UsageError("the codebook is empty (or no tag matches): a REFI-QDA codebook needs a code")
    attrs = {"xmlns": CODEBOOK_NS, "origin": ORIGIN}
    return _document("CodeBook", attrs, ["<Codes>", _codes_xml(entries), "</Codes>"])


# ----------------------------------------------------------------------------------------------- project


def _selection(article: ViewArticle, p: Passage, user: str) -> str:
    r = p.record
    guid = as_guid(r["id"], "selection")
    quote = article.text[p.start : p.end]
    attrs = {
        "guid": guid,
        "name": quote if len(quote) <= NAME_CHARS else quote[: NAME_CHARS - 1] + "…",
        "startPosition": str(p.start),
        "endPosition": str(p.end),
        "creatingUser": user,
    }
    created, modified = xml_time(r["created"]), xml_time(r["modified"])
    if created:
        attrs["creationDateTime"] = created
    attrs["modifyingUser"] = user
    if modified:
        attrs["modifiedDateTime"] = modified
    parts = [f"<PlainTextSelection{_attrs(attrs)}>"]
    if r["note"]:
        parts.append(f"<Description>{xml_content(r['note'])}</Description>")
    stamp = f' creationDateTime="{modified}"' if modified else ""
    for tag in r["tags"]:
        coding = derived_guid(guid, "coding", tag)
        parts.append(
            f'<Coding guid="{coding}" creatingUser="{user}"{stamp}>'
            f'<CodeRef targetGUID="{stable_guid("code", tag)}"/></Coding>'
        )
    parts.append("</PlainTextSelection>")
    return "".join(parts)


def _source(article: ViewArticle, view: str, users: dict[str, str], coder: str) -> tuple[str, str]:
    """(GUID naming its text file, the TextSource element with its selections)."""
    guid = stable_guid("source", f"{article.id}\n{view}\n{article.sha256}")
    attrs = {"guid": guid, "name": article.id, "plainTextPath": f"{INTERNAL}{guid}.txt"}
    parts = [f"<TextSource{_attrs(attrs)}>"]
    if article.title:
        parts.append(f"<Description>{xml_content(article.title)}</Description>")
    parts.extend(_selection(article, p, users[coder_of(p.record, coder)]) for p in article.passages)
    parts.append("</TextSource>")
    return guid, "".join(parts)


def build_project(
    workspace: Workspace, data: dict[str, Any], tags: Sequence[str] = ()
) -> tuple[bytes, dict[str, str]]:
    """``project.qde`` and the plain text of each source (GUID -> text with ``\\n`` line breaks)."""
    articles, _ = view_articles(workspace, data)
    coder = workspace.coder or default_coder()
    coders = dict.fromkeys([coder] + [coder_of(p.record, coder) for a in articles for p in a.passages])
    users = {name: stable_guid("user", name) for name in coders}
    attrs = {"xmlns": PROJECT_NS, "name": f"reader: {workspace.library.root.name}", "origin": ORIGIN}
    attrs["creatingUserGUID"] = users[coder]
    if stamp := xml_time(data["exported_at"]):
        attrs["creationDateTime"] = stamp
    body = ["<Users>"]
    body += [f"<User{_attrs({'guid': guid, 'name': name})}/>" for name, guid in users.items()]
    body.append("</Users>")
    entries = codebook_entries(workspace, data, tags)
    if entries:
        body += ["<CodeBook><Codes>", _codes_xml(entries), "</Codes></CodeBook>"]
    texts: dict[str, str] = {}
    if articles:
        body.append("<Sources>")
        for article in articles:
            guid, element = _source(article, data["view"], users, coder)
            texts[guid] = article.text
            body.append(element)
        body.append("</Sources>")
    description = (
        f"Exported by {ORIGIN} in the {data['view']} view. Positions are Unicode code points into each "
        "source's plain text, a line break counting as one character."
    )
    body.append(f"<Description>{xml_content(description)}</Description>")
    return _document("Project", attrs, body), texts


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
