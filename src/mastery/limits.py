"""Limits for everything we parse from files and values people give us.

A file someone else wrote (a bundle, a deck, a prompts file, a journal export) or a value stored
by an older version can be hostile or just broken: a 10 GB file, JSON nested 100,000 levels deep
(`json.loads` raises RecursionError), an integer of 5,000 digits (Python refuses to convert more
than 4,300 and raises ValueError), a date in year 0. Each of these would end in a traceback, or
worse, be stored and crash a later command. The helpers here turn every such case into one
`InputError` ("source: field: reason"), which the CLI prints as one line (exit 2) and the TUI
as a notification, before anything is stored.

The API, for every reader of outside input:

* `read_bounded(path, max_bytes)` -> bytes, refused before reading more than `max_bytes`;
  `read_text_bounded(path, max_bytes)` -> str (UTF-8).
* `loads_json(text, source=...)` / `loads_toml(text, source=...)`: parse with a nesting limit
  (`MAX_DEPTH`), integers within `INT_MIN..INT_MAX`, only finite floats.
* `check_int`, `check_float`, `check_date`, `check_datetime`: one value within a range.

Plain Python, no third-party imports, so any layer may use it.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from mastery.errors import InputError
from mastery.files import read_at_most
from mastery.text import safe_line

__all__ = [
    "INT_MAX",
    "INT_MIN",
    "MAX_BUNDLE_BYTES",
    "day_field",
    "describe_validation",
    "MAX_CONFIG_BYTES",
    "MAX_DATE",
    "MAX_DEPTH",
    "MAX_TEXT_BYTES",
    "MIN_DATE",
    "check_date",
    "check_datetime",
    "check_depth",
    "check_float",
    "check_int",
    "loads_json",
    "loads_toml",
    "read_bounded",
    "read_text_bounded",
    "shown",
]

MiB = 1024 * 1024
MAX_CONFIG_BYTES = 1 * MiB
"""Small hand-written files: prompts.toml, team and mentor config, one setting's value."""
MAX_TEXT_BYTES = 16 * MiB
"""Text a person exports and imports: journal Markdown, deck files."""
MAX_BUNDLE_BYTES = 64 * MiB
"""Files that carry many records: mentor bundles and feedback, Anki packages' JSON parts."""

MAX_DEPTH = 64
"""Nesting of JSON/TOML arrays and objects; our own formats need fewer than 10 levels."""
INT_MIN = -(2**63)
INT_MAX = 2**63 - 1
"""Integers fit SQLite's 64-bit INTEGER, so a value that passes can always be stored."""
_INT_DIGITS = len(str(INT_MAX))  # a longer digit string is refused before int() sees it

MIN_DATE = date(1970, 1, 1)
MAX_DATE = date(9998, 12, 31)
"""Dates Mastery accepts: Unix time starts in 1970, and a year of head room before 9999 keeps
date arithmetic (next day, next month, time zones) from overflowing Python's `date`."""

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _human_size(n: int) -> str:
    return f"{n / MiB:g} MiB" if n >= MiB else f"{n / 1024:g} KiB" if n >= 1024 else f"{n} bytes"


def shown(value: object, limit: int = 40) -> str:
    """A value for an error message: its repr, cut short (5,000 digits must not be echoed)."""
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**limit else "a huge number"
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ----------------------------------------------------------------------------- files
def read_bounded(path: str | Path, max_bytes: int, *, source: str | Path | None = None) -> bytes:
    """The bytes of `path`, refused with `InputError` when the file is larger than `max_bytes`.

    The size is checked before reading, and at most `max_bytes + 1` bytes are ever read, so a
    file that grows while we read (or a device such as /dev/zero) cannot exhaust memory. OS
    errors (missing file, no permission) become `InputError` too.
    """
    where = source if source is not None else path
    try:
        # Without blocking: a FIFO named like the file we expect must not hang us.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISDIR(mode):
                raise InputError(where, None, "not a regular file")
            size = os.fstat(handle.fileno()).st_size if stat.S_ISREG(mode) else 0
            if size > max_bytes:
                raise InputError(
                    where,
                    None,
                    f"file is too large ({_human_size(size)}; at most {_human_size(max_bytes)})",
                )
            data = read_at_most(handle, max_bytes)
    except OSError as exc:
        raise InputError(where, None, f"cannot read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise InputError(where, None, f"file is too large (at most {_human_size(max_bytes)})")
    return data


def read_text_bounded(path: str | Path, max_bytes: int, *, source: str | Path | None = None) -> str:
    """`read_bounded`, decoded as UTF-8 (a leading byte order mark is dropped)."""
    data = read_bounded(path, max_bytes, source=source)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = source if source is not None else path
        raise InputError(where, None, f"not UTF-8 text (byte {exc.start})") from None


# ----------------------------------------------------------------------------- JSON and TOML
def check_depth(
    value: Any, *, source: str | Path, max_depth: int = MAX_DEPTH, field: str | None = None
) -> None:
    """Refuse lists/dicts nested deeper than `max_depth` (walked without recursion)."""
    if not isinstance(value, dict | list | tuple):
        return
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            raise InputError(source, field, f"nested more than {max_depth} levels deep")
        children = item.values() if isinstance(item, dict) else item
        # Only containers go on the stack: most children of real files are scalars.
        stack.extend(
            (child, depth + 1) for child in children if isinstance(child, dict | list | tuple)
        )


# A digit run of 19 or more (beyond 64 bits, or a float of absurd precision) or an exponent of
# three digits or more (1e999 overflows to inf) is what the number hooks exist for. Found by
# mapping every digit to "0" (C speed; a regular expression costs 0.7 ms on a 10 KB file).
_DIGITS_TO_ZERO = str.maketrans("123456789E", "000000000e")


_SAFE_DIGITS = 18  # a digit run this long passes every check when no caller asks for fewer


def _risky_numbers(text: str) -> bool:
    mapped = _outside_strings(text).translate(_DIGITS_TO_ZERO)
    return "0" * 19 in mapped or "e000" in mapped or "e+000" in mapped or "e-000" in mapped


def _outside_strings(text: str) -> str:
    """The JSON text without the contents of its strings, where numbers cannot be (a hex id
    such as "9e1234..." is not an exponent), or the whole text when a string holds an escaped
    quote: then the split below would misplace string boundaries, and looking at more text only
    makes the check stricter. Splitting on quotes runs at C speed."""
    if '\\"' in text:
        return text
    return "".join(text.split('"')[0::2])


def _may_be_deep(text: str, max_depth: int) -> bool:
    """False when the text has too few brackets to nest deeper than `max_depth` (brackets in
    strings are counted too: that only sends a few more texts to the walk)."""
    return text.count("[") + text.count("{") > max_depth


def _too_deep(source: str | Path, max_depth: int) -> InputError:
    return InputError(source, None, f"nested more than {max_depth} levels deep")


def loads_json(
    text: str | bytes,
    *,
    source: str | Path,
    max_depth: int = MAX_DEPTH,
    max_int_digits: int | None = None,
) -> Any:
    """Parse JSON that came from outside, or raise one-line `InputError`s.

    `max_int_digits` lets a caller whose schema checks every field (and names it in its error)
    take integers of up to that many digits, leaving their range to the schema.

    Refuses: invalid JSON (with line and column), nesting deeper than `max_depth` (even 100,000
    levels, which make `json.loads` raise RecursionError), integers outside `INT_MIN..INT_MAX`
    (without ever converting thousands of digits), and NaN, Infinity or floats that overflow
    (1e999), which JSON does not have but Python's parser accepts.
    """

    def parse_int(digits: str) -> int:
        if len(digits.lstrip("-")) > (max_int_digits or _INT_DIGITS):
            raise InputError(source, None, f"number {shown(digits)} is too large")
        if max_int_digits is not None:
            return int(digits)
        return check_int(int(digits), source=source)

    def parse_float(text: str) -> float:
        number = float(text)
        if not math.isfinite(number):
            raise InputError(source, None, f"number {shown(text)} is too large")
        return number

    def parse_constant(name: str) -> float:
        raise InputError(source, None, f"{name} is not a JSON number")

    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(source, None, "not UTF-8 text") from None
    # The number hooks cost a Python call per number; only text with a long digit run or a
    # big exponent can hold a number they would refuse, so other text skips them (C speed).
    # A caller's digit limit below 18 is beyond what the digit-run check looks for.
    risky = (max_int_digits is not None and max_int_digits < _SAFE_DIGITS) or _risky_numbers(text)
    try:
        if risky:
            value = json.loads(
                text, parse_int=parse_int, parse_float=parse_float, parse_constant=parse_constant
            )
        else:
            value = json.loads(text, parse_constant=parse_constant)
    except RecursionError:
        raise _too_deep(source, max_depth) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            source, None, f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except UnicodeDecodeError:
        raise InputError(source, None, "not UTF-8 text") from None
    if _may_be_deep(text, max_depth):
        check_depth(value, source=source, max_depth=max_depth)
    return value


def loads_toml(text: str, *, source: str | Path, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """Parse TOML that came from outside, with the same limits as `loads_json`.

    `tomllib` raises RecursionError on deep arrays and ValueError on integers of more than 4,300
    digits; both become `InputError`. Floats must be finite (TOML's inf and nan are refused).
    """
    import tomllib  # here, not at the top: off the first frame's path (issue 15), 2 ms

    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise _too_deep(source, max_depth) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(source, None, f"not valid TOML ({exc})") from None
    except ValueError:
        raise InputError(source, None, "a number is too large") from None
    check_depth(data, source=source, max_depth=max_depth)
    stack: list[Any] = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int):
            check_int(item, source=source)
        elif isinstance(item, float) and not math.isfinite(item):
            raise InputError(source, None, f"number {item} is not finite")
    return data


# ----------------------------------------------------------------------------- single values
def ref_number(text: str) -> int | None:
    """`text` as a row id when it can be one, else None: ASCII digits only ("²" passes
    `str.isdigit` but `int()` refuses it) and at most 18 of them, so 5,000 digits never reach
    `int()` (ValueError) and 20 digits never reach SQLite (OverflowError). A caller treats None
    as "no such row" and says so in one line."""
    if not re.fullmatch(r"[0-9]{1,18}", text):
        return None
    return int(text)


def check_int(
    value: Any,
    *,
    source: str | Path,
    field: str | None = None,
    lo: int = INT_MIN,
    hi: int = INT_MAX,
) -> int:
    """`value` as an int within `lo..hi`: an int (never a bool) or a string of digits.

    A digit string longer than `hi`/`lo` could be is refused before conversion, so 5,000 digits
    give a one-line error rather than Python's ValueError.
    """
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"[+-]?\d+", text):
            raise InputError(source, field, f"expected a whole number, got {shown(value)}")
        if len(text.lstrip("+-")) > max(len(str(abs(lo))), len(str(abs(hi)))):
            raise InputError(source, field, f"must be from {lo} to {hi} (got a longer number)")
        value = int(text)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(source, field, f"expected a whole number, got {shown(value)}")
    if not lo <= value <= hi:
        raise InputError(source, field, f"must be from {lo} to {hi}, got {shown(value)}")
    return value


def check_float(
    value: Any,
    *,
    source: str | Path,
    field: str | None = None,
    lo: float | None = None,
    hi: float | None = None,
) -> float:
    """`value` as a finite float within `lo..hi` (either may be None): NaN and ±inf refused."""
    if isinstance(value, bool):
        raise InputError(source, field, f"expected a number, got {shown(value)}")
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError):
        raise InputError(source, field, f"expected a number, got {shown(value)}") from None
    if not math.isfinite(number):
        raise InputError(source, field, f"must be a finite number, got {shown(value)}")
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        span = (
            f"from {lo:g} to {hi:g}"
            if lo is not None and hi is not None
            else (f"at least {lo:g}" if lo is not None else f"at most {hi:g}")
        )
        raise InputError(source, field, f"must be {span}, got {shown(number)}")
    return number


def check_date(
    value: Any,
    *,
    source: str | Path,
    field: str | None = None,
    lo: date = MIN_DATE,
    hi: date = MAX_DATE,
) -> date:
    """`value` as a date within `lo..hi`: a `date` or exactly "YYYY-MM-DD".

    "0000-01-01", "2026-02-30" and "99999-01-01" give one line naming the field, never a
    traceback; so do dates outside `MIN_DATE..MAX_DATE`.
    """
    if isinstance(value, datetime):
        raise InputError(source, field, f"expected a date (YYYY-MM-DD), got {shown(value)}")
    if isinstance(value, str):
        text = value.strip()
        if not _ISO_DATE.fullmatch(text):
            raise InputError(source, field, f"date must be YYYY-MM-DD, not {shown(value)}")
        try:
            value = date.fromisoformat(text)
        except ValueError:
            raise InputError(source, field, f"{shown(text)} is not a valid date") from None
    if not isinstance(value, date):
        raise InputError(source, field, f"expected a date (YYYY-MM-DD), got {shown(value)}")
    if not lo <= value <= hi:
        raise InputError(
            source,
            field,
            f"date must be from {lo.isoformat()} to {hi.isoformat()}, not {value.isoformat()}",
        )
    return value


def check_datetime(
    value: Any,
    *,
    source: str | Path,
    field: str | None = None,
    lo: date = MIN_DATE,
    hi: date = MAX_DATE,
) -> datetime:
    """`value` as a time-zone-aware datetime (converted to UTC) whose UTC date is in `lo..hi`.

    Accepts a `datetime` or an ISO 8601 string with an offset ("2026-12-07T10:00:00+01:00",
    "...Z"). A naive time is refused: we could not tell which instant it means.
    """
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 40:
            raise InputError(source, field, f"not an ISO 8601 time: {shown(value)}")
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise InputError(source, field, f"not an ISO 8601 time: {shown(value)}") from None
    if not isinstance(value, datetime):
        raise InputError(source, field, f"expected a time, got {shown(value)}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InputError(source, field, f"time {value.isoformat()} has no time zone offset")
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise InputError(source, field, f"time {value.isoformat()} is out of range") from None
    check_date(utc.date(), source=source, field=field, lo=lo, hi=hi)
    return utc


def describe_validation(error: Any, missing: str = "missing (no {name!r} field)") -> str:
    """The first problem of a pydantic `ValidationError` as one line naming the field
    (`field entries[3].day: ...`), for every file format's error message. `missing` words a
    missing field, given its `name`."""
    first = error.errors(include_url=False)[0]
    where = ""
    for part in first["loc"]:
        if isinstance(part, int):
            where += f"[{part}]"
        elif not str(part).startswith(("function-", "constrained-", "union[", "tagged-union")):
            where += f".{part}" if where else str(part)
    if first["type"] == "missing":
        reason = missing.format(name=str(first["loc"][-1]))
    else:
        reason = str(first["msg"]).removeprefix("Value error, ")
    reason = " ".join(reason.split())[:300]
    # A key is text from the file: `{"\n": 1}` must not break the one line (nor an ESC in
    # it reach the terminal through a caller that prints without `safe_line`).
    where = safe_line(where)[:300]
    return f"field {where}: {reason}" if where else reason


def day_field(value: Any, lo: date, hi: date) -> date:
    """A file format's day field, "YYYY-MM-DD" text within `lo..hi`, for a pydantic validator:
    raises ValueError (which pydantic turns into a field error), unlike `check_date`."""
    if not isinstance(value, str) or len(value) > 10:
        raise ValueError("must be a day as text (YYYY-MM-DD)")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None
    if not lo <= day <= hi:
        raise ValueError(f"{value} is outside {lo.year}-{hi.year}")
    return day
