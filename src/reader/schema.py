"""The JSON Schema of ``reader export --format json`` (``schemas/export.schema.json``) and its check.

Validation is jsonschema-rs's (Rust: ~0.1 s for a 100,000-annotation export; ``jsonschema`` in Python
takes ~10 s). What is ours is the message: the library's first error becomes one line naming the place
in the file, ``annotations[3].created: 'yesterday' is not a valid date-time …``, raised as
:class:`SchemaViolation` (the W3C reader raises it too, for what a schema does not say).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jsonschema_rs

Place = tuple[str | int, ...]


class SchemaViolation(ValueError):
    """A document is not what it must be, at ``path`` (``("annotations", 3, "start")``)."""

    def __init__(self, path: Place, message: str) -> None:
        super().__init__(f"{format_path(path) or 'top level'}: {message}")
        self.path = path
        self.message = message


def format_path(path: Place) -> str:
    """``("annotations", 3, "start")`` -> ``annotations[3].start``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def export_schema() -> dict[str, Any]:
    """The JSON Schema every ``reader export --format json`` file validates against."""
    text = resources.files("reader").joinpath("schemas/export.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


@cache
def _validator() -> Any:
    import jsonschema_rs  # lazily: only an import needs it, and every command imports this module

    # Formats are checked by the library: its date-time is RFC 3339, as reader.timestamps (tested).
    return jsonschema_rs.validator_for(export_schema(), validate_formats=True)


def check_export(doc: Any) -> None:
    """Raise :class:`SchemaViolation` at the first place ``doc`` breaks the export schema."""
    import jsonschema_rs

    try:
        _validator().validate(doc)
    except jsonschema_rs.ValidationError as error:
        raise SchemaViolation(*_described(error)) from None


_TYPE_NAMES = {
    "string": "a string",
    "object": "an object",
    "array": "a list",
    "null": "null",
    "boolean": "true or false",
    "number": "a number",
    "integer": "an integer",
}
_DATE_TIME_EXAMPLE = " with a time zone, e.g. 2026-01-31T12:00:00+00:00"


def _show(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _described(error: jsonschema_rs.ValidationError) -> tuple[Place, str]:
    """The place and our one-line message for the library's error (its own message for the rare rest)."""
    import jsonschema_rs

    place: Place = tuple(error.instance_path)
    kind, value, kinds = error.kind, error.instance, jsonschema_rs.ValidationErrorKind
    if isinstance(kind, kinds.Required):
        return place, f"the field {kind.property!r} is missing"
    if isinstance(kind, kinds.AdditionalProperties):
        return (*place, sorted(kind.unexpected)[0]), "unexpected field"
    if isinstance(kind, kinds.Type):
        expected = " or ".join(_TYPE_NAMES.get(name, name) for name in kind.types)
        return place, f"expected {expected}, found {_show(value)}"
    if isinstance(kind, kinds.Minimum):
        return place, f"{_show(value)} is less than the minimum {kind.limit}"
    if isinstance(kind, kinds.MinLength):
        return place, "must not be empty" if kind.limit == 1 else "too short"
    if isinstance(kind, kinds.UniqueItems):
        return place, "has duplicate entries"
    if isinstance(kind, kinds.Format):
        example = _DATE_TIME_EXAMPLE if kind.format == "date-time" else ""
        return place, f"{_show(value)} is not a valid {kind.format}{example}"
    if isinstance(kind, kinds.Enum):
        return place, f"must be one of {', '.join(map(str, kind.options))}; found {_show(value)}"
    if isinstance(kind, kinds.Constant):
        return place, f"must be {_show(kind.expected_value)}, found {_show(value)}"
    if isinstance(kind, kinds.Pattern):
        return place, f"{_show(value)} does not match {kind.pattern}"
    return place, error.message
