"""A fast checker compiled from a JSON Schema, for validating big files with a precise error place.

``jsonschema`` validates a 100,000-annotation export in ~20 s (it interprets the schema for every value);
importing such a file must take a few seconds. So the shipped schema (the one source of truth) is compiled
once into plain Python closures for the subset of keywords it uses; a keyword outside that subset is
refused at compile time, so extending the schema can never silently weaken the check.
``tests/test_import.py`` checks that this checker and ``jsonschema`` agree.

A check raises :class:`SchemaViolation` at the first problem, with the place as a path
(``annotations[3].start``) and a one-line message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

Check = Callable[[Any, tuple[str | int, ...]], None]

#: keywords that only describe (no effect on validity)
_IGNORED = {"$schema", "$id", "title", "description", "$comment", "examples"}
_SUPPORTED = {
    "type",
    "const",
    "enum",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "minLength",
    "minimum",
    "pattern",
    "uniqueItems",
    "format",
}


class SchemaViolation(ValueError):
    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        super().__init__(f"{format_path(path) or 'top level'}: {message}")
        self.path = path
        self.message = message


def format_path(path: tuple[str | int, ...]) -> str:
    """``("annotations", 3, "start")`` -> ``annotations[3].start``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


# ----------------------------------------------------------------------------------------- date-time


def parse_date_time(value: str) -> datetime | None:
    """An RFC 3339 / xsd:dateTime with a time zone (``2026-01-31T12:00:00.5+00:00``), else None.

    ``datetime.fromisoformat`` does the parsing and range checks (fast, in C); it also accepts forms
    RFC 3339 does not (``+0000``, ``,5``, a space for ``T``), which the positional checks here refuse.
    """
    n = len(value)
    if (
        n < 20
        or value[4] != "-"
        or value[7] != "-"
        or value[10] != "T"
        or value[13] != ":"
        or value[16] != ":"
    ):
        return None
    if value[-1] == "Z":
        zone_at = n - 1
    elif n >= 25 and value[-6] in "+-" and value[-3] == ":":
        zone_at = n - 6
    else:
        return None
    if zone_at != 19:
        digits = value[20:zone_at]
        if value[19] != "." or not (digits.isascii() and digits.isdigit()):
            return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        if zone_at - 20 <= 6:
            return None
        try:  # more than microseconds: keep six digits
            parsed = datetime.fromisoformat(value[:26] + value[zone_at:])
        except ValueError:
            return None
    return parsed if parsed.tzinfo is not None else None


_VALID_DATES: dict[str, None] = {}  # recently seen valid strings (an annotation's created == modified)


def is_date_time(value: object) -> bool:
    """The ``date-time`` format check: true for non-strings (as in JSON Schema) and valid date-times."""
    if not isinstance(value, str) or value in _VALID_DATES:
        return True
    if parse_date_time(value) is None:
        return False
    if len(_VALID_DATES) >= 4096:
        _VALID_DATES.clear()
    _VALID_DATES[value] = None
    return True


FORMATS: dict[str, Callable[[object], bool]] = {"date-time": is_date_time}


# ------------------------------------------------------------------------------------------ compiler

_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    # as jsonschema: 3.0 is an integer
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())
    ),
}
_TYPE_NAMES = {
    "string": "a string",
    "object": "an object",
    "array": "a list",
    "null": "null",
    "boolean": "true or false",
    "number": "a number",
    "integer": "an integer",
}


def _equal(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1, 1.0 is 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b


def _unique(items: list[Any]) -> bool:
    try:
        if all(isinstance(i, str) for i in items):
            return len(set(items)) == len(items)
    except TypeError:  # pragma: no cover
        pass
    return not any(_equal(a, b) for i, a in enumerate(items) for b in items[i + 1 :])


def _show(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def compile_schema(schema: dict[str, Any]) -> Callable[..., None]:
    """Compile ``schema`` into ``check(instance, path=())`` raising :class:`SchemaViolation`.

    Two forms are compiled: a fast predicate (no paths, no messages) that runs on every value, and a
    detailed check that runs only when the predicate says no, to find and describe the first problem.
    """
    fast = _predicate(schema)
    detailed = _detailed(schema)

    def check(v: Any, path: tuple[str | int, ...] = ()) -> None:
        if not fast(v):
            detailed(v, path)
            raise SchemaViolation(path, "invalid")  # pragma: no cover - the two forms agree (tested)

    return check


def _check_keywords(schema: dict[str, Any]) -> None:
    unknown = set(schema) - _SUPPORTED - _IGNORED
    if unknown:
        raise ValueError(f"schema keyword(s) not supported by the fast checker: {', '.join(sorted(unknown))}")
    if schema.get("additionalProperties", True) not in (True, False):
        raise ValueError("additionalProperties: only true or false is supported")


class _Generator:
    """Writes the fast predicate as Python source: one function per object or list schema, leaf checks
    inlined as expressions (no call per value). Constants (patterns, enums, formats) are passed in a
    namespace, never spliced into the source, so nothing from the schema is executed as code."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"_equal": _equal, "_unique": _unique, "_MISSING": object()}
        self.functions: list[str] = []

    def constant(self, value: Any) -> str:
        name = f"c{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def expression(self, schema: dict[str, Any], x: str) -> str:
        """A boolean expression over the variable ``x`` that is true iff ``schema`` accepts it."""
        _check_keywords(schema)
        parts: list[str] = []
        names = schema.get("type")
        names = names if isinstance(names, list) else [names] if names else []
        only = names[0] if len(names) == 1 else None
        if names:
            tests = {
                "string": f"isinstance({x}, str)",
                "object": f"isinstance({x}, dict)",
                "array": f"isinstance({x}, list)",
                "null": f"{x} is None",
                "boolean": f"isinstance({x}, bool)",
                "number": f"(isinstance({x}, (int, float)) and not isinstance({x}, bool))",
                "integer": f"(type({x}) is int or (type({x}) is float and {x}.is_integer()))",
            }
            parts.append("(" + " or ".join(tests[n] for n in names) + ")")

        def when(kind: str, test: str) -> str:  # keywords apply only to values of their own type
            if only == kind or (kind == "number" and only == "integer"):
                return test
            guard = {
                "string": f"isinstance({x}, str)",
                "number": f"(isinstance({x}, (int, float)) and not isinstance({x}, bool))",
            }[kind]
            return f"(not {guard} or {test})"

        if "const" in schema:
            parts.append(f"_equal({x}, {self.constant(schema['const'])})")
        if "enum" in schema:
            options = schema["enum"]
            if all(isinstance(o, str) for o in options):
                parts.append(f"(isinstance({x}, str) and {x} in {self.constant(frozenset(options))})")
            else:
                parts.append(f"any(_equal({x}, o) for o in {self.constant(tuple(options))})")
        if "minLength" in schema:
            parts.append(when("string", f"len({x}) >= {int(schema['minLength'])}"))
        if "pattern" in schema:
            search = self.constant(re.compile(schema["pattern"]).search)
            parts.append(when("string", f"{search}({x}) is not None"))
        if "format" in schema and schema["format"] in FORMATS:
            parts.append(f"{self.constant(FORMATS[schema['format']])}({x})")
        if "minimum" in schema:
            parts.append(when("number", f"{x} >= {self.constant(schema['minimum'])}"))
        if {"required", "properties", "additionalProperties", "items", "uniqueItems"} & set(schema):
            parts.append(f"{self.function(schema)}({x})")
        return " and ".join(parts) if parts else "True"

    def function(self, schema: dict[str, Any]) -> str:
        """A function for the object and list keywords of ``schema`` (values of other types pass)."""
        name = f"f{len(self.functions)}"
        self.functions.append("")  # reserve the name: nested schemas add their functions meanwhile
        lines = [f"def {name}(v):"]
        if {"required", "properties", "additionalProperties"} & set(schema):
            lines.append("    if isinstance(v, dict):")
            lines.append("        keys = v.keys()")
            required = frozenset(schema.get("required", ()))
            if required:
                lines.append(f"        if not keys >= {self.constant(required)}: return False")
            properties = schema.get("properties", {})
            if schema.get("additionalProperties", True) is False:
                lines.append(f"        if not keys <= {self.constant(frozenset(properties))}: return False")
            for i, (prop, sub) in enumerate(properties.items()):
                x, key, test = f"x{i}", self.constant(prop), self.expression(sub, f"x{i}")
                if prop in required:  # present: checked above
                    lines.append(f"        {x} = v[{key}]")
                    lines.append(f"        if not ({test}): return False")
                else:
                    lines.append(f"        {x} = v.get({key}, _MISSING)")
                    lines.append(f"        if {x} is not _MISSING and not ({test}): return False")
        if "items" in schema or "uniqueItems" in schema:
            lines.append("    if isinstance(v, list):")
            if "items" in schema:
                lines.append("        for item in v:")
                lines.append(f"            if not ({self.expression(schema['items'], 'item')}): return False")
            if schema.get("uniqueItems"):
                lines.append("        if not _unique(v): return False")
        lines.append("    return True")
        self.functions[int(name[1:])] = "\n".join(lines)
        return name


def _predicate(schema: dict[str, Any]) -> Callable[[Any], bool]:
    """True if ``schema`` accepts the value (the fast form, generated Python; see :class:`_Generator`)."""
    gen = _Generator()
    body = gen.expression(schema, "v")
    source = "\n\n".join([*gen.functions, f"def check(v):\n    return {body}"])
    exec(compile(source, "<reader.schemacheck>", "exec"), gen.namespace)  # constants stay in the namespace
    return gen.namespace["check"]


def _detailed(schema: dict[str, Any]) -> Check:
    """The slow form: raises SchemaViolation with the path and a message at the first problem."""
    _check_keywords(schema)
    checks: list[Check] = []
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        tests = [_TYPES[n] for n in names]
        expected = " or ".join(_TYPE_NAMES[n] for n in names)

        def check_type(v: Any, path: tuple[str | int, ...]) -> None:
            if not any(t(v) for t in tests):
                raise SchemaViolation(path, f"expected {expected}, found {_show(v)}")

        checks.append(check_type)

    if "const" in schema:
        const = schema["const"]

        def check_const(v: Any, path: tuple[str | int, ...]) -> None:
            if not _equal(v, const):
                raise SchemaViolation(path, f"must be {_show(const)}, found {_show(v)}")

        checks.append(check_const)

    if "enum" in schema:
        options = schema["enum"]

        def check_enum(v: Any, path: tuple[str | int, ...]) -> None:
            if not any(_equal(v, o) for o in options):
                raise SchemaViolation(
                    path, f"must be one of {', '.join(map(str, options))}; found {_show(v)}"
                )

        checks.append(check_enum)

    if "minLength" in schema:
        min_length = schema["minLength"]

        def check_min_length(v: Any, path: tuple[str | int, ...]) -> None:
            if isinstance(v, str) and len(v) < min_length:
                raise SchemaViolation(path, "must not be empty" if min_length == 1 else "too short")

        checks.append(check_min_length)

    if "pattern" in schema:
        pattern = re.compile(schema["pattern"])

        def check_pattern(v: Any, path: tuple[str | int, ...]) -> None:
            if isinstance(v, str) and pattern.search(v) is None:
                raise SchemaViolation(path, f"{_show(v)} does not match {schema['pattern']}")

        checks.append(check_pattern)

    if "format" in schema and schema["format"] in FORMATS:
        fmt_name, fmt = schema["format"], FORMATS[schema["format"]]

        def check_format(v: Any, path: tuple[str | int, ...]) -> None:
            if not fmt(v):
                example = (
                    " with a time zone, e.g. 2026-01-31T12:00:00+00:00" if fmt_name == "date-time" else ""
                )
                raise SchemaViolation(path, f"{_show(v)} is not a valid {fmt_name}{example}")

        checks.append(check_format)

    if "minimum" in schema:
        minimum = schema["minimum"]

        def check_minimum(v: Any, path: tuple[str | int, ...]) -> None:
            if isinstance(v, int | float) and not isinstance(v, bool) and v < minimum:
                raise SchemaViolation(path, f"{_show(v)} is less than the minimum {minimum}")

        checks.append(check_minimum)

    if "required" in schema or "properties" in schema or "additionalProperties" in schema:
        required = list(schema.get("required", ()))
        properties = {name: _detailed(sub) for name, sub in schema.get("properties", {}).items()}
        closed = schema.get("additionalProperties", True) is False
        known = set(properties)

        def check_object(v: Any, path: tuple[str | int, ...]) -> None:
            if not isinstance(v, dict):
                return
            for name in required:
                if name not in v:
                    raise SchemaViolation(path, f"the field {name!r} is missing")
            if closed and not known.issuperset(v):
                extra = sorted(set(v) - known)[0]
                raise SchemaViolation((*path, extra), "unexpected field")
            for name, value in v.items():
                sub = properties.get(name)
                if sub is not None:
                    sub(value, (*path, name))

        checks.append(check_object)

    if "items" in schema or "uniqueItems" in schema:
        item_check = _detailed(schema["items"]) if "items" in schema else None
        unique = schema.get("uniqueItems", False)

        def check_array(v: Any, path: tuple[str | int, ...]) -> None:
            if not isinstance(v, list):
                return
            if item_check is not None:
                for i, item in enumerate(v):
                    item_check(item, (*path, i))
            if unique and not _unique(v):
                raise SchemaViolation(path, "has duplicate entries")

        checks.append(check_array)

    def check(v: Any, path: tuple[str | int, ...] = ()) -> None:
        for c in checks:
            c(v, path)

    return check
