"""Journal entries as Markdown files, in two shapes, both read back by `read_entries`.

* one file for many entries (`export_text`): after a ``<!-- mastery:journal -->`` line and a
  ``# Journal`` heading, each entry starts with a metadata block in an
  HTML comment, then a generated ``## <date> · <title>`` heading (ignored on import), then the
  body. Body lines that would look like the start of a block get one extra backslash, so no body
  can collide with the separator::

      <!-- mastery:entry
      uid: e-7k2m9q4x1b
      date: 2026-11-21
      tags: [fsrs]
      goals: ["Speak German"]
      visibility: private
      -->
      ## 2026-11-21 · What I learned about FSRS

      Body in Markdown...

* one file per entry (`write_files`), named ``YYYY-MM-DD-<slug>-<uid>.md``, with the same keys
  as YAML-like front matter between ``---`` lines (see `meta.py`).

Nothing here touches the database: `Journal` stores what `read_entries` returns.
"""

from __future__ import annotations

import builtins
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from mastery.errors import InputError
from mastery.files import write_atomic
from mastery.journal.fields import JournalFormatError, normalise_body
from mastery.journal.meta import front_matter, parse_meta
from mastery.journal.views import EntryView
from mastery.limits import MAX_TEXT_BYTES, read_text_bounded

HEADER = "<!-- mastery:journal -->"
MARKER = "<!-- mastery:entry"
MARKER_END = "-->"

_ESCAPED_MARKER = re.compile(r"\\*" + re.escape(MARKER))
_GENERATED_HEADING = re.compile(r"## \d{4}-\d{2}-\d{2}\b")
_TRANSLITERATE = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "ø": "o",
        "Ø": "o",
        "œ": "oe",
        "Œ": "oe",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "þ": "th",
    }
)


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """One entry read from Markdown, before it touches the database."""

    source: str
    line: int
    uid: str | None
    day: date
    title: str
    body: str
    tags: tuple[str, ...]
    goals: tuple[str, ...]
    visibility: str
    prompt: str | None


def export_text(entries: Iterable[EntryView]) -> str:
    """Entries, in the order given, as one Markdown file."""
    parts = [f"{HEADER}\n# Journal\n"]
    for entry in entries:
        meta = "\n".join(front_matter(entry))
        heading = f"## {entry.day.isoformat()} · {entry.title}"
        parts.append(f"{MARKER}\n{meta}\n{MARKER_END}\n{heading}\n\n{_escape(entry.body)}\n")
    return "\n".join(parts)


def write_files(folder: str | Path, entries: Iterable[EntryView]) -> builtins.list[Path]:
    """Entries as one file each, ``YYYY-MM-DD-<slug>-<uid>.md``.

    An older file of the same entry under another name (its title changed) is removed, so
    re-exporting into a folder never leaves two files for one entry.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for entry in entries:
        name = f"{entry.day.isoformat()}-{_slug(entry.title)}-{entry.uid}.md"
        target = folder / name
        text = "---\n" + "\n".join(front_matter(entry)) + "\n---\n\n" + entry.body + "\n"
        write_atomic(target, text)
        for old in folder.glob(f"*-{entry.uid}.md"):
            if old.name != name:
                old.unlink(missing_ok=True)
        written.append(target)
    return written


def read_entries(source: str | Path | Iterable[str | Path]) -> builtins.list[ParsedEntry]:
    """Every entry of Markdown text (a `str`), files or folders (`Path`s; a folder means its
    ``*.md`` files), checked before any is stored: a malformed file or a uid given twice
    raises `JournalFormatError` naming the file and line."""
    parsed: builtins.list[ParsedEntry] = []
    for name, text in _sources(source):
        parsed.extend(_parse_markdown(text, name))
    seen: dict[str, ParsedEntry] = {}
    for item in parsed:
        if item.uid is None:
            continue
        if item.uid in seen:
            first = seen[item.uid]
            raise JournalFormatError(
                item.source,
                item.line,
                f"entry {item.uid} appears twice (also {first.source}:{first.line})",
            )
        seen[item.uid] = item
    return parsed


def _escape(body: str) -> str:
    """Give lines that look like an entry marker one more backslash (undone on import)."""
    return "\n".join(
        "\\" + line if _ESCAPED_MARKER.match(line) else line for line in body.split("\n")
    )


def _unescape(line: str) -> str:
    return line[1:] if line.startswith("\\") and _ESCAPED_MARKER.match(line) else line


def _slug(title: str) -> str:
    """An ASCII file-name part: 'Meine Überzeugung' -> 'meine-uberzeugung'."""
    title = title.translate(_TRANSLITERATE)
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:40].rstrip("-") or "entry"


def _sources(source: str | Path | Iterable[str | Path]) -> builtins.list[tuple[str, str]]:
    """(name, text) pairs: a str is Markdown text, a Path a file or a folder of .md files."""
    items = [source] if isinstance(source, str | Path) else builtins.list(source)
    out: builtins.list[tuple[str, str]] = []
    for n, item in enumerate(items, 1):
        if isinstance(item, Path):
            files = sorted(item.glob("*.md")) if item.is_dir() else [item]
            for file in files:
                try:
                    text = read_text_bounded(file, MAX_TEXT_BYTES)
                except InputError as exc:
                    raise JournalFormatError(file, None, exc.reason) from None
                out.append((str(file), text))
        else:
            out.append(("<text>" if len(items) == 1 else f"<text {n}>", item))
    return out


def _parse_markdown(text: str, source: str) -> builtins.list[ParsedEntry]:
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[0].rstrip() == "---":
        return [_parse_front_matter_file(lines, source)]
    starts = [i for i, line in enumerate(lines) if line.startswith(MARKER)]
    if not starts:
        if not text.strip() or any(line.strip() == HEADER for line in lines):
            return []
        raise JournalFormatError(
            source,
            1,
            "not a Mastery journal file: expected front matter between '---' lines or "
            f"'{MARKER}' blocks",
        )
    entries = []
    for n, start in enumerate(starts):
        stop = starts[n + 1] if n + 1 < len(starts) else len(lines)
        if lines[start].rstrip() != MARKER:
            raise JournalFormatError(source, start + 1, f"expected '{MARKER}' alone on its line")
        close = next((i for i in range(start + 1, stop) if lines[i].strip() == MARKER_END), None)
        if close is None:
            raise JournalFormatError(
                source, start + 1, f"metadata block is not closed by '{MARKER_END}'"
            )
        meta = parse_meta(lines[start + 1 : close], source, start + 2)
        body_start = close + 1
        if body_start < stop and _GENERATED_HEADING.match(lines[body_start]):
            body_start += 1  # the heading export_markdown writes for readers
        body = normalise_body("\n".join(_unescape(x) for x in lines[body_start:stop]))
        entries.append(_entry_from(meta, body, source, start + 1))
    return entries


def _parse_front_matter_file(lines: Sequence[str], source: str) -> ParsedEntry:
    close = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    if close is None:
        raise JournalFormatError(source, 1, "front matter is not closed by a '---' line")
    meta = parse_meta(lines[1:close], source, 2)
    body = normalise_body("\n".join(lines[close + 1 :]))
    return _entry_from(meta, body, source, 1)


def _entry_from(meta: dict[str, Any], body: str, source: str, line: int) -> ParsedEntry:
    if not body.strip():
        raise JournalFormatError(source, line, "the entry has no body")
    return ParsedEntry(
        source=source,
        line=line,
        uid=meta.get("uid"),
        day=meta["date"],
        title=meta.get("title", ""),
        body=body,
        tags=meta.get("tags", ()),
        goals=meta.get("goals", ()),
        visibility=meta.get("visibility", "private"),
        prompt=meta.get("prompt"),
    )
