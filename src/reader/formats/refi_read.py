"""Reading a REFI-QDA file (``.qdpx`` project, bare ``project.qde``, ``.qdc`` codebook) into plain data.

Tolerant where tools differ, strict where data could be lost:

- elements in the project or the codebook namespace, or in none (Taguette writes ``.qdc`` without one);
- a project's sources under ``Sources/`` or ``sources/`` (MAXQDA), in the text itself
  (``PlainTextContent``) or ``internal://`` files; external files (``relative://``, ``absolute://``) are
  never opened, and such sources are skipped and counted, as are picture, PDF, audio and video sources;
- a document type declaration is refused (entities are the XML way to a "billion laughs"), and archive
  members are read with a size limit.

Every problem is one :class:`~reader.errors.UsageError` naming the file and the element
(``project.qde at Sources/TextSource[2]/PlainTextSelection[5]``); nothing is written before it is read.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from reader.errors import UsageError
from reader.formats.refi import CODEBOOK_NS, GUID, INTERNAL, PROJECT_FILE, PROJECT_NS, SLASH_IN_CODE_NAME
from reader.sanitise import safe_line

#: the largest archive member read (a 600,000-character article is ~2 MB; a big project.qde ~100 MB)
MAX_MEMBER_BYTES = 1 << 30
_KNOWN = (PROJECT_NS, CODEBOOK_NS, "")
_OTHER_SOURCES = ("PictureSource", "PDFSource", "AudioSource", "VideoSource")


@dataclass(frozen=True)
class Code:
    guid: str
    tag: str  # the path of names, "/"-joined: nested codes become a/b
    color: str  # "#rrggbb" or ""
    description: str


@dataclass(frozen=True)
class Selection:
    place: str  # where in the file, for messages
    guid: str
    name: str
    start: int
    end: int
    tags: tuple[str, ...]
    note: str
    creator: str  # the user's name ("" if unknown)
    created: str | None  # as written in the file
    modified: str | None


@dataclass
class Source:
    place: str
    guid: str
    name: str
    raw: bytes  # the plain text file's bytes (or PlainTextContent encoded as UTF-8)
    selections: list[Selection] = field(default_factory=list)


@dataclass
class RefiDocument:
    kind: str  # "qdpx" | "qde" | "qdc"
    origin: str  # the exporting software, as it says (Project/@origin, CodeBook/@origin)
    codes: list[Code] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=dict)  # guid -> name
    sources: list[Source] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> how many


def _problem(path: Path, place: str, message: str) -> UsageError:
    where = f" at {place}" if place else ""
    return UsageError(safe_line(f"{path}{where}: {message}; nothing was imported", 1000))


def is_refi(path: Path) -> bool:
    """A zip (``.qdpx``) or an XML document (``.qdc``, ``.qde``): sniffed from the first bytes."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(256)
    except OSError:
        return False
    if head.startswith(b"PK\x03\x04"):
        return True
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        head = head.removeprefix(bom)
    stripped = head.replace(b"\x00", b"").lstrip()
    return stripped.startswith(b"<")


# ------------------------------------------------------------------------------------------------ files


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> bytes:
    if info.file_size > MAX_MEMBER_BYTES:
        raise _problem(path, info.filename, f"{info.file_size} bytes is more than reader reads from a member")
    with archive.open(info) as handle:
        data = handle.read(MAX_MEMBER_BYTES + 1)
    if len(data) > MAX_MEMBER_BYTES:
        raise _problem(path, info.filename, "larger than its directory says")
    return data


def _parse_xml(raw: bytes, path: Path, place: str) -> ET.Element:
    for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
        if "<!DOCTYPE".encode(encoding) in raw:
            raise _problem(path, place, "a document type declaration is not allowed in REFI-QDA XML")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise _problem(path, place, f"not well-formed XML ({exc})") from None
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if namespace not in _KNOWN:
        raise _problem(path, place, f"unknown namespace {namespace!r}: not REFI-QDA")
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith("{"):
            ns, _, local = element.tag[1:].partition("}")
            element.tag = local if ns in _KNOWN else f"{{{ns}}}{local}"
    return root


def read_refi(path: Path) -> RefiDocument:
    """The codes, users and text sources of a REFI-QDA file; sources' text files are read too."""
    path = Path(path)
    try:
        if zipfile.is_zipfile(path):
            return _read_archive(path)
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    root = _parse_xml(raw, path, "")
    if root.tag == "CodeBook":
        document = RefiDocument("qdc", root.get("origin", ""))
        document.codes = _codes(root.find("Codes"), path, "Codes")
        return document
    if root.tag != "Project":
        raise _problem(path, "", f"the root element is {root.tag!r}: not a REFI-QDA Project or CodeBook")
    return _project(root, path, "qde", lambda name: None)


def _read_archive(path: Path) -> RefiDocument:
    try:
        with zipfile.ZipFile(path) as archive:
            members = {info.filename: info for info in archive.infolist() if not info.is_dir()}
            projects = [n for n in members if PurePosixPath(n).name.lower() == PROJECT_FILE]
            if not projects:
                raise _problem(path, "", f"no {PROJECT_FILE} in the archive: not a REFI-QDA project")
            project = min(projects, key=lambda n: n.count("/"))
            folder = str(PurePosixPath(project).parent)
            prefix = "" if folder == "." else folder + "/"
            by_lower = {n.lower(): info for n, info in members.items()}

            def source_file(name: str) -> bytes | None:
                # Sources/ (NVivo, QualCoder, reader) or sources/ (MAXQDA): looked up case-insensitively
                info = by_lower.get(f"{prefix}sources/{name}".lower())
                return None if info is None else _read_member(archive, info, path)

            root = _parse_xml(_read_member(archive, members[project], path), path, project)
            if root.tag != "Project":
                raise _problem(path, project, f"the root element is {root.tag!r}, not Project")
            return _project(root, path, "qdpx", source_file)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise _problem(path, "", f"a damaged zip archive ({exc})") from None


# ---------------------------------------------------------------------------------------------- content


def _guid(element: ET.Element, path: Path, place: str, attribute: str = "guid") -> str:
    value = element.get(attribute, "")
    match = GUID.fullmatch(value.strip())
    if not match:
        raise _problem(path, place, f"{attribute} {value!r} is not a GUID")
    return match.group(1).lower()


def _codes(codes: ET.Element | None, path: Path, place: str, parent: str = "") -> list[Code]:
    out: list[Code] = []
    if codes is None:
        return out
    for i, element in enumerate(codes.findall("Code"), 1):
        here = f"{place}/Code[{i}]"
        name = element.get("name", "").replace("/", SLASH_IN_CODE_NAME).strip()
        if not name:
            raise _problem(path, here, "a code without a name")
        tag = f"{parent}/{name}" if parent else name
        color = element.get("color", "").strip().lower()
        if len(color) == 4 and color.startswith("#"):  # #abc -> #aabbcc
            color = "#" + "".join(c * 2 for c in color[1:])
        description = (element.findtext("Description") or "").strip()
        out.append(Code(_guid(element, path, here), tag, color, description))
        out.extend(_codes(element, path, here, tag))
    return out


SourceFile = Callable[[str], bytes | None]  # a name under Sources/ -> its bytes (None: not there)


def _project(root: ET.Element, path: Path, kind: str, source_file: SourceFile) -> RefiDocument:
    document = RefiDocument(kind, root.get("origin", ""))
    codebook = root.find("CodeBook")
    document.codes = _codes(codebook.find("Codes") if codebook is not None else None, path, "CodeBook/Codes")
    for i, user in enumerate(root.findall("Users/User"), 1):
        document.users[_guid(user, path, f"Users/User[{i}]")] = user.get("name", "")
    code_tags = {code.guid: code.tag for code in document.codes}
    sources = root.find("Sources")
    if sources is None:
        return document
    index = Counter[str]()
    for element in sources:
        index[element.tag] += 1
        here = f"Sources/{element.tag}[{index[element.tag]}]"
        if element.tag in _OTHER_SOURCES:
            document.skipped[f"{element.tag} (not text)"] += 1
            continue
        if element.tag != "TextSource":
            continue
        raw = _source_text(element, source_file, path, here, document)
        if raw is None:
            continue
        source = Source(here, _guid(element, path, here), element.get("name", ""), raw)
        source.selections = _selections(element, path, here, code_tags, document)
        if element.find("Coding") is not None:
            document.skipped["codings of a whole source"] += len(element.findall("Coding"))
        document.sources.append(source)
    return document


def _source_text(
    element: ET.Element, source_file: SourceFile, path: Path, place: str, document: RefiDocument
) -> bytes | None:
    content = element.find("PlainTextContent")
    if content is not None:
        return (content.text or "").encode("utf-8")
    plain = element.get("plainTextPath", "")
    if not plain.startswith(INTERNAL):
        document.skipped["sources without a plain text inside the file"] += 1
        return None
    name = plain[len(INTERNAL) :].lstrip("/")
    data = source_file(name)
    if data is None:
        raise _problem(path, place, f"its plain text {plain!r} is not in the archive")
    return data


def _position(element: ET.Element, attribute: str, path: Path, place: str) -> int:
    value = element.get(attribute, "")
    try:
        number = int(value.strip())
    except ValueError:
        raise _problem(path, place, f"{attribute} {value!r} is not a whole number") from None
    if number < 0:
        raise _problem(path, place, f"{attribute} {number} is negative")
    return number


def _selections(
    source: ET.Element, path: Path, place: str, code_tags: dict[str, str], document: RefiDocument
) -> list[Selection]:
    out = []
    for i, element in enumerate(source.findall("PlainTextSelection"), 1):
        here = f"{place}/PlainTextSelection[{i}]"
        start = _position(element, "startPosition", path, here)
        end = _position(element, "endPosition", path, here)
        if end < start:
            raise _problem(path, here, f"endPosition {end} is before startPosition {start}")
        tags = []
        for j, coding in enumerate(element.findall("Coding"), 1):
            ref = coding.find("CodeRef")
            if ref is None:
                raise _problem(path, f"{here}/Coding[{j}]", "a Coding without a CodeRef")
            target = _guid(ref, path, f"{here}/Coding[{j}]/CodeRef", "targetGUID")
            if target not in code_tags:
                raise _problem(path, f"{here}/Coding[{j}]/CodeRef", f"{target} names no code of the codebook")
            tags.append(code_tags[target])
        user = element.get("creatingUser") or element.get("modifyingUser") or ""
        match = GUID.fullmatch(user.strip())
        out.append(
            Selection(
                place=here,
                guid=_guid(element, path, here),
                name=element.get("name", ""),
                start=start,
                end=end,
                tags=tuple(tags),
                note=element.findtext("Description") or "",
                creator=document.users.get(match.group(1).lower(), "") if match else "",
                created=element.get("creationDateTime"),
                modified=element.get("modifiedDateTime"),
            )
        )
    return out
