"""An entry's metadata in Markdown: the ``key: value`` lines of front matter or of a
``<!-- mastery:entry`` block, written and read back.

Read by hand (no YAML dependency): values plain or double-quoted (JSON escapes), lists as
``[a, "b c"]`` or as ``- item`` lines. `EntryMeta` (pydantic) is the one place that says what
each key may hold, so an import either gets checked values or names the file, line and field.
"""

from __future__ import annotations

import builtins
import json
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from mastery.errors import InputError
from mastery.journal.fields import VISIBILITIES, JournalFormatError, clean_tags, clean_title
from mastery.journal.prompts import PROMPT_KEY
from mastery.journal.views import EntryView
from mastery.limits import check_date, shown

KEYS = ("uid", "date", "title", "tags", "goals", "visibility", "prompt")
MAX_TITLE_LENGTH = 500  # an imported title; longer is a body pasted into the wrong place
MAX_LIST_ITEMS = 100  # tags or goals of one imported entry

_UID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_PLAIN = re.compile(r"[\w][\w.+/:@-]*")  # list items and values written without quotes


def front_matter(entry: EntryView) -> builtins.list[str]:
    """The metadata lines of an entry, in the same order every time."""
    lines = [f"uid: {entry.uid}", f"date: {entry.day.isoformat()}"]
    if entry.own_title:
        lines.append(f"title: {_quote(entry.own_title)}")
    lines.append("tags: [" + ", ".join(_scalar(t) for t in entry.tags) + "]")
    lines.append("goals: [" + ", ".join(_quote(g) for g in entry.goals) + "]")
    lines.append(f"visibility: {entry.visibility}")
    if entry.prompt:
        lines.append(f"prompt: {_scalar(entry.prompt)}")
    return lines


def _quote(text: str) -> str:
    # JSON strings are valid YAML double-quoted scalars; '>' is escaped so that a title can
    # never close the HTML comment the single-file format keeps metadata in.
    return json.dumps(text, ensure_ascii=False).replace("-->", "--\\u003e")


def _scalar(text: str) -> str:
    return text if _PLAIN.fullmatch(text) else _quote(text)


def parse_meta(lines: Sequence[str], source: str, first_line: int) -> dict[str, Any]:
    """Read ``key: value`` lines (and ``- item`` lists) into checked values."""
    raw: dict[str, tuple[int, Any]] = {}
    current: str | None = None
    for offset, line in enumerate(lines):
        number = first_line + offset
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("- ") or stripped == "-":
            if current is None or not isinstance(raw[current][1], builtins.list):
                raise JournalFormatError(source, number, "a '- item' line outside a list")
            raw[current][1].append(_parse_scalar(stripped[1:].strip(), source, number))
            continue
        if ":" not in stripped or line[:1].isspace():
            raise JournalFormatError(source, number, f"expected 'key: value', got {stripped!r}")
        key, _, value = stripped.partition(":")
        key = key.strip()
        if key not in KEYS:
            raise JournalFormatError(
                source, number, f"unknown key {key!r} (known: {', '.join(KEYS)})"
            )
        if key in raw:
            raise JournalFormatError(source, number, f"{key!r} is given twice")
        value = value.strip()
        if not value:
            raw[key] = (number, [] if key in ("tags", "goals") else None)
        elif value.startswith("["):
            raw[key] = (number, _parse_list(value, source, number))
        else:
            raw[key] = (number, _parse_scalar(value, source, number))
        current = key
    return _check_meta(raw, source, first_line)


def _meta_error(message: str) -> PydanticCustomError:
    return PydanticCustomError("journal", message)


def _meta_uid(value: str) -> str:
    if not _UID.fullmatch(value):
        raise _meta_error(f"{shown(value)} is not a valid uid")
    return value


def _meta_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    text = value.strip() if isinstance(value, str) else ""
    try:
        day = date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:  # 2026-13-02, 0000-01-01
        day = None
    if day is None:
        raise _meta_error(f"date must be YYYY-MM-DD, not {shown(value)}")
    try:
        return check_date(day, source="")
    except InputError as exc:
        raise _meta_error(exc.reason) from None


def _meta_visibility(value: str) -> str:
    if value not in VISIBILITIES:
        raise _meta_error(f"visibility must be private or shared, not {shown(value)}")
    return value


def _meta_prompt(value: str | None) -> str | None:
    if value and (len(value) > 64 or not PROMPT_KEY.fullmatch(value)):
        raise _meta_error(f"prompt {shown(value)} is not a prompt key (a-z, 0-9 and '-')")
    return value or None


def _meta_goals(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(" ".join(g.split()) for g in value if g.strip()))


def _meta_list(value: Any) -> Any:
    return [] if value is None else [value] if isinstance(value, str) else value


def _meta_limit(name: str, count: int) -> Callable[[tuple[str, ...]], tuple[str, ...]]:
    def check(value: tuple[str, ...]) -> tuple[str, ...]:
        if len(value) > count:
            raise _meta_error(f"{name}: at most {count}, got {len(value)}")
        return value

    return check


def _meta_title(value: str) -> str:
    title = clean_title(value)
    if len(title) > MAX_TITLE_LENGTH:
        raise _meta_error(f"title: at most {MAX_TITLE_LENGTH} characters, got {len(title)}")
    return title


class EntryMeta(BaseModel):
    """The metadata of one entry in a Markdown file (front matter or `<!-- mastery:entry`).

    Parsed from the ``key: value`` lines by `parse_meta`; this model is the one place that
    says what each key may hold, so an import either gets checked values or names the field.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    uid: Annotated[str, AfterValidator(_meta_uid)] | None = None
    day: Annotated[date, BeforeValidator(_meta_date)] = Field(alias="date")
    title: Annotated[str, AfterValidator(_meta_title)] = ""
    tags: Annotated[
        tuple[str, ...],
        BeforeValidator(_meta_list),
        AfterValidator(clean_tags),
        AfterValidator(_meta_limit("tags", MAX_LIST_ITEMS)),
    ] = ()
    goals: Annotated[
        tuple[str, ...],
        BeforeValidator(_meta_list),
        AfterValidator(_meta_goals),
        AfterValidator(_meta_limit("goals", MAX_LIST_ITEMS)),
    ] = ()
    visibility: Annotated[str, AfterValidator(_meta_visibility)] = "private"
    prompt: Annotated[str | None, AfterValidator(_meta_prompt)] = None


def _check_meta(raw: dict[str, tuple[int, Any]], source: str, first_line: int) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, (number, value) in raw.items():
        if key not in ("tags", "goals") and isinstance(value, builtins.list):
            raise JournalFormatError(source, number, f"{key!r} takes one value, not a list")
        if value is not None or key in ("tags", "goals"):
            values[key] = value
    try:
        meta = EntryMeta.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = str(error["loc"][0]) if error["loc"] else ""
        if error["type"] == "missing" and key == "date":
            # Named at the line that opens the block (just above the first metadata line).
            raise JournalFormatError(source, first_line - 1, "the entry has no date") from None
        number = raw[key][0] if key in raw else first_line - 1
        reason = error["msg"] if error["type"] == "journal" else f"{key}: {error['msg'].lower()}"
        raise JournalFormatError(source, number, reason) from None
    return {k: getattr(meta, "day" if k == "date" else k) for k in values.keys() | {"date"}}


def _check_unicode(text: object, source: str, number: int) -> None:
    """A JSON escape can make a lone surrogate ("\\ud800"), which no database can store."""
    if isinstance(text, str):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise JournalFormatError(source, number, "quoted text is not valid Unicode") from None


def _parse_scalar(value: str, source: str, number: int) -> str:
    if value.startswith('"'):
        try:
            text, end = json.JSONDecoder().raw_decode(value)
        except json.JSONDecodeError as exc:
            raise JournalFormatError(source, number, f"bad quoted text ({exc.msg})") from None
        _check_unicode(text, source, number)
        if value[end:].strip() or not isinstance(text, str):
            raise JournalFormatError(source, number, f"unexpected text after {value[:end]}")
        return text
    if value.startswith("'"):
        if len(value) < 2 or not value.endswith("'"):
            raise JournalFormatError(source, number, "unclosed ' quote")
        return value[1:-1].replace("''", "'")
    return value


def _parse_list(value: str, source: str, number: int) -> builtins.list[str]:
    """A flow list: ``[a, "b, c", 'd']``."""
    if not value.endswith("]"):
        raise JournalFormatError(source, number, "a list must end with ']' on the same line")
    inner = value[1:-1].strip()
    items: builtins.list[str] = []
    pos = 0
    while pos < len(inner):
        rest = inner[pos:].lstrip()
        pos = len(inner) - len(rest)
        if not rest:
            break
        if rest[0] == '"':
            try:
                text, end = json.JSONDecoder().raw_decode(rest)
            except json.JSONDecodeError as exc:
                raise JournalFormatError(source, number, f"bad quoted text ({exc.msg})") from None
            if not isinstance(text, str):
                raise JournalFormatError(source, number, "list items are text")
            _check_unicode(text, source, number)
        elif rest[0] == "'":
            m = re.match(r"'((?:[^']|'')*)'", rest)
            if not m:
                raise JournalFormatError(source, number, "unclosed ' quote")
            text, end = m.group(1).replace("''", "'"), m.end()
        else:
            end = rest.find(",")
            end = len(rest) if end == -1 else end
            text = rest[:end].strip()
        items.append(text)
        pos += end
        rest = inner[pos:].lstrip()
        pos = len(inner) - len(rest)
        if rest.startswith(","):
            pos += 1
        elif rest:
            raise JournalFormatError(source, number, f"expected ',' in list, got {rest[:10]!r}")
    return items
