"""Timestamps in exports and imports: RFC 3339 date-times with a time zone, as JSON Schema means them.

One definition for every file reader reads: the JSON export's ``created``/``modified``/``exported_at``
are checked by the schema's ``date-time`` format (jsonschema-rs), W3C annotations' by
:func:`is_date_time`, and import compares times with :func:`parse_date_time`. So these accept exactly
what the schema accepts (a test checks it): ``2026-01-31T12:00:00.5+00:00``, ``…Z``, lower-case ``t``/``z``,
any number of fraction digits, a leap second at 23:59:60 UTC; not ``+0000``, ``,5`` or a space for ``T``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

#: what a date-time in year 0 (RFC 3339 allows 0000; Python's datetime starts at 1) compares as
EARLIEST = datetime.min.replace(tzinfo=UTC)


def parse_date_time(value: str) -> datetime | None:
    """An RFC 3339 date-time with a time zone as an aware datetime, else None.

    ``datetime.fromisoformat`` does the parsing and range checks (fast, in C); it also accepts forms
    RFC 3339 does not (``+0000``, ``,5``, a space for ``T``), which the positional checks here refuse.
    """
    n = len(value)
    if n < 20 or value[4] != "-" or value[7] != "-" or value[10] not in "Tt" or value[13] != ":":
        return None
    if value[16] != ":":
        return None
    if value[-1] in "Zz":
        zone_at = n - 1
    elif n >= 25 and value[-6] in "+-" and value[-3] == ":" and value[-5:-3] < "24" and value[-2:] < "60":
        zone_at = n - 6
    else:
        return None
    if zone_at != 19:
        digits = value[20:zone_at]
        if value[19] != "." or not (digits.isascii() and digits.isdigit()):
            return None
    text = value[:19] + value[19:zone_at][:7] + ("+00:00" if zone_at == n - 1 else value[zone_at:])
    return _parse(text.upper())


def _parse(text: str) -> datetime | None:
    """``YYYY-MM-DDTHH:MM:SS[.ffffff]±HH:MM``, with RFC 3339's year 0000 and leap second (23:59:60 UTC)."""
    leap = text[17:19] == "60"
    if leap:
        text = text[:17] + "59" + text[19:]
    year_zero = text.startswith("0000-")
    try:
        parsed = datetime.fromisoformat("0004" + text[4:] if year_zero else text)  # 0004: a leap year too
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    if leap:  # only at the end of a UTC day; it is the last instant of that day
        offset = parsed.utcoffset() or timedelta(0)
        if (parsed.hour * 60 + parsed.minute - offset // timedelta(minutes=1)) % (24 * 60) != 23 * 60 + 59:
            return None
        parsed = parsed.replace(microsecond=999_999)
    return EARLIEST if year_zero else parsed


_VALID: dict[str, None] = {}  # recently seen valid strings (an annotation's created == modified)


def is_date_time(value: object) -> bool:
    """The ``date-time`` format check: true for non-strings (as in JSON Schema) and valid date-times."""
    if not isinstance(value, str) or value in _VALID:
        return True
    if parse_date_time(value) is None:
        return False
    if len(_VALID) >= 4096:
        _VALID.clear()
    _VALID[value] = None
    return True
