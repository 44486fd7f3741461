"""REFI-QDA (QDA-XML 1.0) vocabulary shared by the exporter and the importer.

The standard: a project is a zip (``.qdpx``) holding ``project.qde`` (XML in the namespace
``urn:QDA-XML:project:1.0``, schema ``Project-mrt2019.xsd``) and the sources under ``Sources/``; a
codebook alone is ``.qdc`` (namespace ``urn:QDA-XML:codebook:1.0``, schema ``Codebook.xsd``). Both are
MIT-licensed by the Rotterdam Exchange Format Initiative (qdasoftware.org).
"""

from __future__ import annotations

import functools
import re
import uuid
from datetime import UTC, datetime

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_FILE = "project.qde"
SOURCES_DIR = "Sources"
INTERNAL = "internal://"

#: the namespace of reader's stable GUIDs (uuid5 of a code's path, an article, a coder's name)
READER_GUIDS = uuid.UUID("6f1c9a52-3b0e-5d7c-9a4e-2c1d0b8e7f31")
GUID = re.compile(r"\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?")

#: characters XML 1.0 cannot carry at all, mapped to the visible symbols reader.sanitise uses
_XML_ILLEGAL: dict[int | str, str] = {
    code: chr(0x2400 + code) for code in range(0x20) if code not in (0x09, 0x0A, 0x0D)
}
_XML_ILLEGAL.update({0xFFFE: "\ufffd", 0xFFFF: "\ufffd"})
#: a tag's parts nest codes; another tool's code name with "/" becomes one tag part with this instead
SLASH_IN_CODE_NAME = "\uff0f"  # ／ FULLWIDTH SOLIDUS


_ESCAPES: dict[int | str, str] = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_ATTRIBUTE = str.maketrans(
    {**_XML_ILLEGAL, **_ESCAPES, '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
)
#: in element content a raw CR would be read back as LF: a character reference keeps it
_CONTENT = str.maketrans({**_XML_ILLEGAL, **_ESCAPES, "\r": "&#13;"})


def xml_attribute(text: str) -> str:
    """``text`` escaped for a double-quoted attribute (line breaks and tabs as references, so they stay)."""
    return text.translate(_ATTRIBUTE)


def xml_content(text: str) -> str:
    return text.translate(_CONTENT)


@functools.lru_cache(maxsize=65536)
def stable_guid(kind: str, key: str) -> str:
    return str(uuid.uuid5(READER_GUIDS, f"{kind}:{key}"))


@functools.lru_cache(maxsize=65536)
def _guid_int(guid: str) -> int:
    return int(guid.replace("-", ""), 16)


def derived_guid(base: str, kind: str, key: str) -> str:
    """A GUID for ``key`` within the object ``base`` (a GUID): cheap enough for one per coding."""
    h = f"{int(base.replace('-', ''), 16) ^ _guid_int(stable_guid(kind, key)):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def as_guid(value: str, kind: str) -> str:
    """``value`` if it is a GUID (lower case, no braces), else a stable GUID derived from it."""
    match = GUID.fullmatch(value.strip())
    return match.group(1).lower() if match else stable_guid(kind, value)


def xml_text(text: str) -> str:
    """``text`` with the characters XML 1.0 forbids replaced by visible symbols (one for one)."""
    return text.translate(_XML_ILLEGAL)


def xml_time(value: str) -> str | None:
    """An ISO-8601 time as xsd:dateTime in UTC (``…Z``); None if it is not a time."""
    if len(value) == 32 and value.endswith("+00:00") and value[10] == "T":  # as reader stores times
        return value[:-6] + "Z"
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    spec = "microseconds" if moment.microsecond else "seconds"
    return moment.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def reader_time(value: str | None) -> str | None:
    """An xsd:dateTime from another tool as reader stores times (UTC, microseconds); None if not one.

    A time without a zone is taken as UTC.
    """
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
