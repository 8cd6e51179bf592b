"""The learning journal: entries, prompts, search, streaks and Markdown export/import.

An entry has a stable `uid` (``e-`` and ten base32 characters) that survives export and import,
so a mentor's feedback can point at it. Its `day` is a learner's date (see `days.py`): today by
default, earlier days through human phrases (`dates.parse_date`), never a future day.

Prompts are data: `prompts.toml` in this package, plus a team's own `prompts.toml` in the profile
folder (same format; a prompt with the same key replaces the bundled one).

Markdown comes in two shapes, both read back by `Journal.import_markdown`:

* one file for many entries (`export_markdown`): after a ``<!-- mastery:journal -->`` line and a
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

* one file per entry (`export_files`), named ``YYYY-MM-DD-<slug>-<uid>.md``, with the same keys as
  YAML-like front matter between ``---`` lines. The front matter is read by hand (no YAML
  dependency): ``key: value`` lines, values plain or double-quoted (JSON escapes), lists as
  ``[a, "b c"]`` or as ``- item`` lines.
"""

from __future__ import annotations

import base64
import builtins
import json
import re
import secrets
import sqlite3
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from mastery.dates import parse_date, parse_range
from mastery.days import from_ms, stored_day, streak, to_ms
from mastery.errors import InputError, MasteryError, NotFoundError, SearchError
from mastery.files import write_atomic
from mastery.limits import (
    MAX_CONFIG_BYTES,
    MAX_TEXT_BYTES,
    check_date,
    loads_toml,
    read_text_bounded,
    shown,
)
from mastery.query import JournalQuery, parse_journal

if TYPE_CHECKING:
    from mastery.collection import Collection

VISIBILITIES = ("private", "shared")
PROMPTS_FILE = "prompts.toml"
KEYS = ("uid", "date", "title", "tags", "goals", "visibility", "prompt")
HEADER = "<!-- mastery:journal -->"
MARKER = "<!-- mastery:entry"
MARKER_END = "-->"
SNIPPET_RADIUS = 40  # characters of context either side of a match
MAX_HIGHLIGHTS = 5
TITLE_LENGTH = 60
MAX_TITLE_LENGTH = 500  # an imported title; longer is a body pasted into the wrong place
MAX_LIST_ITEMS = 100  # tags or goals of one imported entry

_UID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_PROMPT_KEY = re.compile(r"[a-z0-9][a-z0-9-]*")
_PLAIN = re.compile(r"[\w][\w.+/:@-]*")  # list items and values written without quotes
_ESCAPED_MARKER = re.compile(r"\\*" + re.escape(MARKER))
_HEADING = re.compile(r"#{1,6}\s+(.*?)\s*#*\s*$")
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


class JournalFormatError(MasteryError):
    """A journal Markdown file (or a prompts file) is malformed: names the file, line and why."""

    def __init__(self, path: str | Path, line: int | None, reason: str) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {reason}")


# ----------------------------------------------------------------------------- plain data
@dataclass(frozen=True, slots=True)
class Prompt:
    """A prompt to start an entry from: its template has one ``## `` heading per question."""

    key: str
    name: str
    description: str
    template: str
    source: str = "bundled"  # "bundled" or the path of the profile's prompts file

    @property
    def questions(self) -> tuple[str, ...]:
        """The questions, in order: the text of the template's ``## `` headings."""
        return tuple(
            line[3:].strip() for line in self.template.splitlines() if line.startswith("## ")
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "description": self.description,
            "questions": list(self.questions),
            "template": self.template,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class EntryView:
    """A journal entry as plain data.

    `title` is for display: the entry's own title, or one derived from the body when it has
    none (`own_title` is then ""). `goals` are goal titles, `goal_ids` the same goals' ids.
    """

    id: int
    uid: str
    day: date
    title: str
    own_title: str
    body: str
    tags: tuple[str, ...]
    goals: tuple[str, ...]
    goal_ids: tuple[int, ...]
    prompt: str | None
    visibility: str
    created: datetime
    updated: datetime

    @property
    def shared(self) -> bool:
        return self.visibility == "shared"

    @property
    def preview(self) -> str:
        """The body on one line, shortened, for lists."""
        text = " ".join(self.body.split())
        return text if len(text) <= 100 else text[:99] + "…"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uid": self.uid,
            "day": self.day.isoformat(),
            "title": self.title,
            "own_title": self.own_title,
            "body": self.body,
            "tags": list(self.tags),
            "goals": list(self.goals),
            "goal_ids": list(self.goal_ids),
            "prompt": self.prompt,
            "visibility": self.visibility,
            "created": self.created.isoformat(),
            "updated": self.updated.isoformat(),
        }


# Lists return whole entries (a journal is small); the second name reads better in list code.
EntrySummary = EntryView


class Highlight(NamedTuple):
    """A piece of text around matches; `spans` are (start, end) offsets into `snippet`."""

    snippet: str
    spans: list[tuple[int, int]]


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One entry found by `Journal.search`, with where the words matched.

    `highlights` are snippets of the body; `title_spans` are matches in `entry.title`. Offsets
    are plain (start, end) pairs so the CLI and TUI can style them without markup.
    """

    entry: EntryView
    highlights: list[Highlight] = field(default_factory=builtins.list)
    title_spans: list[tuple[int, int]] = field(default_factory=builtins.list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "entry": self.entry.to_dict(),
            "title_spans": [builtins.list(s) for s in self.title_spans],
            "highlights": [
                {"snippet": h.snippet, "spans": [builtins.list(s) for s in h.spans]}
                for h in self.highlights
            ],
        }


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What one import did; `notes` say what was skipped (unknown goals, new uids)."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "notes": builtins.list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class _Parsed:
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


# ----------------------------------------------------------------------------- the journal
class Journal:
    """The journal of one profile; reached as `Collection.journal`."""

    def __init__(self, col: Collection) -> None:
        self.col = col
        self._prompts: tuple[Any, dict[str, Prompt]] | None = None

    # ------------------------------------------------------------------ prompts
    @property
    def prompts_path(self) -> Path:
        """The profile's own prompts file (it may not exist)."""
        return self.col.db.path.parent / PROMPTS_FILE

    def prompts(self) -> list[Prompt]:
        """Every prompt: the bundled ones, then the profile's (replacing by key, or added)."""
        return builtins.list(self._prompt_map().values())

    def prompt(self, key: str) -> Prompt:
        """One prompt by key; an unknown key names the known ones."""
        found = self._prompt_map().get(key)
        if found is None:
            known = ", ".join(self._prompt_map())
            raise NotFoundError(f"no prompt {key!r}; known prompts: {known}")
        return found

    def template(self, prompt_key: str) -> str:
        """The Markdown to start an entry from (for the editor)."""
        return self.prompt(prompt_key).template

    def _prompt_map(self) -> dict[str, Prompt]:
        path = self.prompts_path
        try:
            info = path.stat()
            stamp: Any = (info.st_mtime_ns, info.st_size)
        except OSError:
            stamp = None
        if self._prompts is None or self._prompts[0] != stamp:
            bundled = resources.files("mastery").joinpath(PROMPTS_FILE).read_text("utf-8")
            prompts = _read_prompts(bundled, "bundled", PROMPTS_FILE)
            if stamp is not None:
                try:
                    text = read_text_bounded(path, MAX_CONFIG_BYTES)
                except InputError as exc:
                    raise JournalFormatError(path, None, exc.reason) from None
                prompts.update(_read_prompts(text, str(path), str(path)))
            self._prompts = (stamp, prompts)
        return self._prompts[1]

    # ------------------------------------------------------------------ writing
    def add(
        self,
        body: str,
        *,
        day: date | str | None = None,
        title: str = "",
        tags: Iterable[str] = (),
        goals: Iterable[str | int] = (),
        prompt: str | None = None,
        visibility: str = "private",
        now: datetime | None = None,
    ) -> EntryView:
        """Write a new entry (one transaction) and return it.

        `day` is a date or a phrase ("yesterday", "last friday"); today when omitted. An empty
        body, or one that is only the prompt's questions, is refused.
        """
        now = now or self.col.now()
        template = self.prompt(prompt).template if prompt else ""
        body = _check_body(body, template)
        entry_day = self._day(day, now)
        title = _clean_title(title)
        tag_list = _clean_tags(tags)
        goal_ids = self._goal_ids(goals)
        visibility = _check_visibility(visibility)
        stamp = to_ms(now)
        with self.col.db.transaction() as conn:
            uid = self._new_uid()
            cur = conn.execute(
                "INSERT INTO journalentry (uid, day, title, body, prompt, tags, visibility, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    uid,
                    entry_day.isoformat(),
                    title,
                    body,
                    prompt,
                    " ".join(tag_list),
                    visibility,
                    stamp,
                    stamp,
                ),
            )
            entry_id = int(cur.lastrowid or 0)
            self._link_goals(entry_id, goal_ids)
        return self.get(entry_id)

    def edit(
        self,
        ref: str | int,
        *,
        body: str | None = None,
        title: str | None = None,
        tags: Iterable[str] | None = None,
        goals: Iterable[str | int] | None = None,
        visibility: str | None = None,
        day: date | str | None = None,
        now: datetime | None = None,
    ) -> EntryView:
        """Change the given fields of an entry (None leaves a field as it is; `title=""`
        returns to a title derived from the body; `tags=()` / `goals=()` clear them)."""
        now = now or self.col.now()
        entry = self.get(ref)
        changes: dict[str, Any] = {}
        if body is not None:
            template = self._template_of(entry.prompt)
            changes["body"] = _check_body(body, template)
        if title is not None:
            changes["title"] = _clean_title(title)
        if tags is not None:
            changes["tags"] = " ".join(_clean_tags(tags))
        if visibility is not None:
            changes["visibility"] = _check_visibility(visibility)
        if day is not None:
            changes["day"] = self._day(day, now).isoformat()
        goal_ids = self._goal_ids(goals) if goals is not None else None
        with self.col.db.transaction() as conn:
            if changes:
                sets = ", ".join(f"{column} = ?" for column in changes)
                conn.execute(
                    f"UPDATE journalentry SET {sets}, updated_at = ? WHERE id = ?",
                    (*changes.values(), to_ms(now), entry.id),
                )
            if goal_ids is not None:
                conn.execute("DELETE FROM entrygoal WHERE entry_id = ?", (entry.id,))
                self._link_goals(entry.id, goal_ids)
                if not changes:
                    conn.execute(
                        "UPDATE journalentry SET updated_at = ? WHERE id = ?",
                        (to_ms(now), entry.id),
                    )
        return self.get(entry.id)

    def delete(self, ref: str | int) -> EntryView:
        """Delete an entry (its goal links go with it); returns what was deleted."""
        entry = self.get(ref)
        with self.col.db.transaction() as conn:
            conn.execute("DELETE FROM entrygoal WHERE entry_id = ?", (entry.id,))
            conn.execute("DELETE FROM journalentry WHERE id = ?", (entry.id,))
        return entry

    # ------------------------------------------------------------------ reading
    def get(self, ref: str | int) -> EntryView:
        """An entry by number, by uid, or by an unambiguous start of its uid (``e-`` optional)."""
        text = str(ref).strip()
        number = _ref_number(text)
        if number is not None:
            found = self._entries("WHERE e.id = ?", (number,))
        elif text.isdigit():
            found = []  # too long for an id (or not ASCII digits): no such entry
        else:
            found = self._entries("WHERE e.uid = ?", (text,))
            if not found and text:
                # A start of the uid; "e-" may be left out.
                starts = [text] if text.startswith("e-") else [text, "e-" + text]
                found = self._entries(
                    "WHERE "
                    + " OR ".join(["e.uid LIKE ? ESCAPE '\\'"] * len(starts))
                    + " ORDER BY e.uid",
                    [_like(s) + "%" for s in starts],
                )
                if len(found) > 1:
                    some = ", ".join(e.uid for e in found[:5])
                    raise MasteryError(
                        f"{text!r} matches {len(found)} entries ({some}); give more of the id"
                    )
        if not found:
            raise NotFoundError(f"no journal entry {shown(text)}: use its number or its id (e-...)")
        return found[0]

    def list(
        self,
        *,
        limit: int | None = None,
        tag: str | Sequence[str] | None = None,
        goal: str | int | None = None,
        visibility: str | None = None,
        when: str | tuple[date | None, date | None] | None = None,
        now: datetime | None = None,
    ) -> builtins.list[EntryView]:
        """Entries newest first, optionally filtered as in `search` (without text)."""
        return [
            hit.entry
            for hit in self.search(
                None,
                tag=tag,
                goal=goal,
                visibility=visibility,
                when=when,
                now=now,
                limit=limit,
            )
        ]

    def search(
        self,
        text: str | JournalQuery | None = None,
        *,
        tag: str | Sequence[str] | None = None,
        goal: str | int | None = None,
        visibility: str | None = None,
        when: str | tuple[date | None, date | None] | None = None,
        now: datetime | None = None,
        limit: int | None = None,
    ) -> builtins.list[SearchHit]:
        """Entries matching every filter, newest first.

        `text` is a search line in the one syntax (`mastery.query.parse_journal`), or one
        already parsed: every word must appear in the title or body (case-insensitive, Unicode
        case folding; ``"two words"`` in double quotes match as a phrase), and it may hold the
        filters `tag:x`, `goal:x`, `is:shared|private` and `when:"last week"`; an unknown
        filter raises `SearchError`. The keyword arguments are the same filters (the CLI's options): `tag`: a
        tag or several, all required. `goal`: linked to that goal (id or title prefix).
        `visibility`: private or shared. `when`: a range phrase ("last week", "since
        2026-10-01", "in march") or a (start, end) pair of dates, inclusive.
        """
        wanted = text if isinstance(text, JournalQuery) else parse_journal(text or "")
        if wanted.tags:
            extra = [tag] if isinstance(tag, str) else list(tag or ())
            tag = [*extra, *wanted.tags]
        goal = _one("goal", goal, wanted.goal)
        visibility = _one("is", visibility, wanted.visibility)
        when = _one("when", when, wanted.when)
        clauses: builtins.list[str] = []
        params: builtins.list[Any] = []
        if visibility is not None:
            clauses.append("e.visibility = ?")
            params.append(_check_visibility(visibility))
        if goal is not None:
            clauses.append("e.id IN (SELECT entry_id FROM entrygoal WHERE goal_id = ?)")
            params.append(self._goal_id(goal))
        if when is not None:
            start, end = self._range(when, now or self.col.now())
            if start is not None:
                clauses.append("e.day >= ?")
                params.append(start.isoformat())
            if end is not None:
                clauses.append("e.day <= ?")
                params.append(end.isoformat())
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        entries = self._entries(
            f"{where} ORDER BY e.day DESC, e.created_at DESC, e.id DESC", params
        )
        wanted_tags = _wanted_tags(tag)
        words = _query_words(wanted.words)
        hits: builtins.list[SearchHit] = []
        for entry in entries:
            if wanted_tags and not wanted_tags <= {t.casefold() for t in entry.tags}:
                continue
            if words:
                hit = _match(entry, words)
                if hit is None:
                    continue
            else:
                hit = SearchHit(entry)
            hits.append(hit)
            if limit is not None and len(hits) >= limit:
                break
        return hits

    # ------------------------------------------------------------------ dashboard helpers
    def days_with_entries(self, start: date, end: date) -> set[date]:
        """Learner's days from `start` to `end` (inclusive) that have at least one entry."""
        rows = self.col.conn.execute(
            "SELECT DISTINCT day FROM journalentry WHERE day >= ? AND day <= ?",
            (start.isoformat(), end.isoformat()),
        )
        return {stored_day(r["day"]) for r in rows}

    def streak(self, now: datetime | None = None) -> int:
        """Consecutive learner's days with an entry, up to today (or yesterday)."""
        today = self.col.clock.day_of(now or self.col.now())
        days = {
            stored_day(r["day"])
            for r in self.col.conn.execute(
                "SELECT DISTINCT day FROM journalentry WHERE day <= ?", (today.isoformat(),)
            )
        }
        return streak(days, today)

    def has_entry_today(self, now: datetime | None = None) -> bool:
        today = self.col.clock.day_of(now or self.col.now())
        return bool(self.days_with_entries(today, today))

    def for_goal(self, goal_id: int, title: str | None = None) -> builtins.list[EntryView]:
        """Entries linked to a goal, or whose title or body mentions the goal's title
        (case-insensitive), newest first."""
        if title is None:
            row = self.col.conn.execute(
                "SELECT title FROM goal WHERE id = ?", (goal_id,)
            ).fetchone()
            title = row["title"] if row else ""
        needle = _fold(title.strip())
        return [
            e
            for e in self._entries("ORDER BY e.day DESC, e.created_at DESC, e.id DESC")
            if goal_id in e.goal_ids
            or (needle and (needle in _fold(e.body) or needle in _fold(e.own_title)))
        ]

    def for_goal_days(self, goal_id: int) -> set[date]:
        """Learner's days with an entry linked to the goal (for cadence adherence)."""
        rows = self.col.conn.execute(
            "SELECT DISTINCT e.day FROM journalentry e JOIN entrygoal g ON g.entry_id = e.id "
            "WHERE g.goal_id = ?",
            (goal_id,),
        )
        return {stored_day(r["day"]) for r in rows}

    # ------------------------------------------------------------------ Markdown out
    def export_markdown(self, entries: Iterable[EntryView] | None = None) -> str:
        """Entries (all when None) as one Markdown file, oldest first."""
        parts = [f"{HEADER}\n# Journal\n"]
        for entry in self._export_order(entries):
            meta = "\n".join(_front_matter(entry))
            heading = f"## {entry.day.isoformat()} · {entry.title}"
            parts.append(f"{MARKER}\n{meta}\n{MARKER_END}\n{heading}\n\n{_escape(entry.body)}\n")
        return "\n".join(parts)

    def export_files(
        self, folder: str | Path, entries: Iterable[EntryView] | None = None
    ) -> builtins.list[Path]:
        """Entries (all when None) as one file each, ``YYYY-MM-DD-<slug>-<uid>.md``.

        An older file of the same entry under another name (its title changed) is removed, so
        re-exporting into a folder never leaves two files for one entry.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for entry in self._export_order(entries):
            name = f"{entry.day.isoformat()}-{_slug(entry.title)}-{entry.uid}.md"
            target = folder / name
            text = "---\n" + "\n".join(_front_matter(entry)) + "\n---\n\n" + entry.body + "\n"
            write_atomic(target, text)
            for old in folder.glob(f"*-{entry.uid}.md"):
                if old.name != name:
                    old.unlink(missing_ok=True)
            written.append(target)
        return written

    def _export_order(self, entries: Iterable[EntryView] | None) -> builtins.list[EntryView]:
        chosen = self._entries("") if entries is None else builtins.list(entries)
        return sorted(chosen, key=lambda e: (e.day, e.id))

    # ------------------------------------------------------------------ Markdown in
    def import_markdown(
        self,
        source: str | Path | Iterable[str | Path],
        *,
        now: datetime | None = None,
    ) -> ImportSummary:
        """Read entries from Markdown text (a `str`), files or folders (`Path`s; a folder means
        its ``*.md`` files) and add them, or update the entries with the same uid.

        Either everything is imported or, at the first malformed file, nothing (the error names
        the file and line). Goals are matched by title; unknown ones are left out with a note.
        """
        now = now or self.col.now()
        parsed: builtins.list[_Parsed] = []
        for name, text in _sources(source):
            parsed.extend(_parse_markdown(text, name))
        seen: dict[str, _Parsed] = {}
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

        notes: builtins.list[str] = []
        goal_titles = self._goal_titles()
        missing: dict[str, int] = {}
        added = updated = unchanged = 0
        stamp = to_ms(now)
        with self.col.db.transaction() as conn:
            for item in parsed:
                goal_ids = []
                for title in item.goals:
                    gid = goal_titles.get(_fold(title))
                    if gid is None:
                        missing[title] = missing.get(title, 0) + 1
                    elif gid not in goal_ids:
                        goal_ids.append(gid)
                existing = self._entries("WHERE e.uid = ?", (item.uid,)) if item.uid else []
                if not existing:
                    uid = item.uid or self._new_uid()
                    if item.uid is None:
                        notes.append(f"{item.source}:{item.line}: no uid; added as {uid}")
                    cur = conn.execute(
                        "INSERT INTO journalentry (uid, day, title, body, prompt, tags, "
                        "visibility, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            uid,
                            item.day.isoformat(),
                            item.title,
                            item.body,
                            item.prompt,
                            " ".join(item.tags),
                            item.visibility,
                            stamp,
                            stamp,
                        ),
                    )
                    self._link_goals(int(cur.lastrowid or 0), goal_ids)
                    added += 1
                    continue
                old = existing[0]
                same = (
                    old.day == item.day
                    and old.own_title == item.title
                    and old.body == item.body
                    and old.tags == item.tags
                    and old.visibility == item.visibility
                    and old.prompt == item.prompt
                    and set(old.goal_ids) == set(goal_ids)
                )
                if same:
                    unchanged += 1
                    continue
                conn.execute(
                    "UPDATE journalentry SET day = ?, title = ?, body = ?, prompt = ?, tags = ?, "
                    "visibility = ?, updated_at = ? WHERE id = ?",
                    (
                        item.day.isoformat(),
                        item.title,
                        item.body,
                        item.prompt,
                        " ".join(item.tags),
                        item.visibility,
                        stamp,
                        old.id,
                    ),
                )
                conn.execute("DELETE FROM entrygoal WHERE entry_id = ?", (old.id,))
                self._link_goals(old.id, goal_ids)
                updated += 1
        for title, count in missing.items():
            times = f" ({count} entries)" if count > 1 else ""
            notes.append(f"goal {title!r} not found; left out{times}")
        return ImportSummary(added, updated, unchanged, tuple(notes))

    # ------------------------------------------------------------------ internals
    def _entries(self, tail: str, params: Sequence[Any] = ()) -> builtins.list[EntryView]:
        rows = self.col.conn.execute(
            "SELECT e.id, e.uid, e.day, e.title, e.body, e.tags, e.prompt, e.visibility, "
            f"e.created_at, e.updated_at FROM journalentry e {tail}",
            params,
        ).fetchall()
        if not rows:
            return []
        links: dict[int, builtins.list[tuple[int, str]]] = {}
        ids = [r["id"] for r in rows]
        for chunk in range(0, len(ids), 500):
            part = ids[chunk : chunk + 500]
            marks = ",".join("?" * len(part))
            for link in self.col.conn.execute(
                "SELECT eg.entry_id, g.id AS goal_id, g.title FROM entrygoal eg JOIN goal g "
                f"ON g.id = eg.goal_id WHERE eg.entry_id IN ({marks}) ORDER BY g.id",
                part,
            ):
                links.setdefault(link["entry_id"], []).append((link["goal_id"], link["title"]))
        prompts = self._prompt_map()
        return [_view(r, links.get(r["id"], []), prompts) for r in rows]

    def _template_of(self, key: str | None) -> str:
        found = self._prompt_map().get(key) if key else None
        return found.template if found else ""

    def _new_uid(self) -> str:
        while True:
            uid = "e-" + base64.b32encode(secrets.token_bytes(7)).decode("ascii").lower()[:10]
            taken = self.col.conn.execute(
                "SELECT 1 FROM journalentry WHERE uid = ?", (uid,)
            ).fetchone()
            if not taken:
                return uid

    def _day(self, day: date | str | None, now: datetime) -> date:
        today = self.col.clock.day_of(now)
        if day is None:
            return today
        if isinstance(day, datetime):
            chosen = self.col.clock.day_of(day)
        elif isinstance(day, date):
            chosen = day
        else:
            chosen = parse_date(str(day), today)
        if chosen > today:
            raise MasteryError(
                f"{chosen.isoformat()} is in the future; an entry is for today or an earlier day"
            )
        return chosen

    def _range(
        self, when: str | tuple[date | None, date | None], now: datetime
    ) -> tuple[date | None, date | None]:
        if isinstance(when, str):
            return parse_range(when, self.col.clock.day_of(now))
        start, end = when
        return start, end

    def _link_goals(self, entry_id: int, goal_ids: Iterable[int]) -> None:
        self.col.conn.executemany(
            "INSERT OR IGNORE INTO entrygoal (entry_id, goal_id) VALUES (?, ?)",
            [(entry_id, gid) for gid in goal_ids],
        )

    def _goal_ids(self, refs: Iterable[str | int]) -> builtins.list[int]:
        if isinstance(refs, str | int):
            refs = [refs]
        ids: builtins.list[int] = []
        for ref in refs:
            gid = self._goal_id(ref)
            if gid not in ids:
                ids.append(gid)
        return ids

    def _goal_id(self, ref: str | int) -> int:
        """A goal's id from its number or a unique case-insensitive start of its title (an
        exact title wins), as `goals.py` reads goal refs. Resolved here with one query because
        `Goals.get` also records a progress point."""
        text = str(ref).strip()
        if not text:
            raise MasteryError("which goal? give its number or the start of its title")
        if text.isdigit():
            number = _ref_number(text)
            row = (
                None
                if number is None
                else self.col.conn.execute("SELECT id FROM goal WHERE id = ?", (number,)).fetchone()
            )
            if row is None:
                raise NotFoundError(f"no goal {shown(text).strip(chr(39))}; see `mastery goals`")
            return int(row["id"])
        rows = self.col.conn.execute("SELECT id, title FROM goal ORDER BY id").fetchall()
        wanted = text.casefold()
        exact = [r for r in rows if r["title"].casefold() == wanted]
        found = (
            exact
            if len(exact) == 1
            else [r for r in rows if r["title"].casefold().startswith(wanted)]
        )
        if not found:
            raise NotFoundError(f"no goal starts with {text!r}; see `mastery goals`")
        if len(found) > 1:
            names = "; ".join(f"{r['id']} {r['title']}" for r in found[:5])
            raise MasteryError(f"{text!r} matches {len(found)} goals ({names}): use the number")
        return int(found[0]["id"])

    def _goal_titles(self) -> dict[str, int]:
        """Folded goal title -> id (the oldest goal wins when titles repeat)."""
        titles: dict[str, int] = {}
        for goal in self.col.conn.execute("SELECT id, title FROM goal ORDER BY id"):
            titles.setdefault(_fold(goal["title"].strip()), goal["id"])
        return titles


# ----------------------------------------------------------------------------- entries
def _view(
    r: sqlite3.Row, goals: builtins.list[tuple[int, str]], prompts: dict[str, Prompt]
) -> EntryView:
    prompt = prompts.get(r["prompt"]) if r["prompt"] else None
    return EntryView(
        id=r["id"],
        uid=r["uid"],
        day=stored_day(r["day"]),
        title=r["title"] or display_title(r["body"], prompt),
        own_title=r["title"],
        body=r["body"],
        tags=tuple(r["tags"].split()),
        goals=tuple(t for _, t in goals),
        goal_ids=tuple(g for g, _ in goals),
        prompt=r["prompt"],
        visibility=r["visibility"],
        created=from_ms(r["created_at"]),
        updated=from_ms(r["updated_at"]),
    )


def display_title(body: str, prompt: Prompt | None = None) -> str:
    """A title for an entry that has none: its first line that is not one of the prompt's
    questions (heading marks removed), else the prompt's name."""
    questions = set(prompt.questions) if prompt else set()
    for raw in body.splitlines():
        line = raw.strip()
        if not line:
            continue
        if set(line) <= set("-*_= "):
            continue  # a thematic break or setext underline
        heading = _HEADING.fullmatch(line)
        if heading:
            line = heading.group(1)
            if line in questions:
                continue
        line = line.lstrip(">*-+ ").strip() or line
        if len(line) > TITLE_LENGTH:
            line = line[: TITLE_LENGTH - 1].rstrip() + "…"
        return line
    return prompt.name if prompt else "Untitled"


def _ref_number(text: str) -> int | None:
    """A number typed as a reference (entry or goal), or None when it cannot be an id: not
    ASCII digits ("²" passes `isdigit`) or more digits than a 64-bit id has (5,000 digits
    would make `int()` raise)."""
    if not re.fullmatch(r"[0-9]{1,18}", text):
        return None
    return int(text)


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _normalise_body(body: str) -> str:
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines).rstrip()


def _check_body(body: str, template: str = "") -> str:
    body = _normalise_body(body)
    questions = {line.strip() for line in template.splitlines() if line.strip()}
    if not any(line.strip() and line.strip() not in questions for line in body.splitlines()):
        raise MasteryError("the entry is empty: write something (or answer a question)")
    return body


def _clean_title(title: str) -> str:
    return " ".join(title.split())


def _clean_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags as given, split on spaces and commas, without a leading '#', first spelling kept."""
    if isinstance(tags, str):
        tags = [tags]
    seen: dict[str, str] = {}
    for raw in tags:
        for tag in re.split(r"[\s,]+", raw):
            tag = tag.lstrip("#")
            if tag:
                seen.setdefault(tag.casefold(), tag)
    return tuple(seen.values())


def _check_visibility(visibility: str) -> str:
    value = visibility.strip().lower()
    if value not in VISIBILITIES:
        raise MasteryError(f"visibility must be private or shared, not {visibility!r}")
    return value


def _wanted_tags(tag: str | Sequence[str] | None) -> set[str]:
    if tag is None:
        return set()
    return {t.casefold() for t in _clean_tags([tag] if isinstance(tag, str) else tag)}


# ----------------------------------------------------------------------------- search
def _fold(text: str) -> str:
    """Caseless, canonically decomposed text: 'Ü' and 'U' + combining diaeresis compare equal."""
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", text).casefold())


def _fold_map(text: str) -> tuple[str, builtins.list[int]]:
    """`_fold` per character, with the index in `text` that each folded character came from."""
    out: builtins.list[str] = []
    index: builtins.list[int] = []
    for i, ch in enumerate(text):
        folded = _fold(ch)
        out.append(folded)
        index.extend([i] * len(folded))
    return "".join(out), index


def _query_words(terms: Sequence[str]) -> builtins.list[str]:
    """The words and phrases of a search, folded for matching, each once."""
    words = []
    for term in terms:
        word = _fold(term.strip())
        if word and word not in words:
            words.append(word)
    return words


def _one(key: str, given: Any, typed: str | None) -> Any:
    """A filter given both as an option and in the search line must agree."""
    if typed is None:
        return given
    if given is not None and str(given).casefold() != typed.casefold():
        raise SearchError(f"one {key}: at a time")
    return typed


def _find(text: str, words: Sequence[str]) -> tuple[set[str], builtins.list[tuple[int, int]]]:
    """Which words occur in `text`, and every occurrence as merged (start, end) spans."""
    folded, index = _fold_map(text)
    found: set[str] = set()
    spans = []
    for word in words:
        start = folded.find(word)
        while start != -1:
            found.add(word)
            end = start + len(word)
            spans.append((index[start], index[end - 1] + 1))
            start = folded.find(word, end)
    spans.sort()
    merged: builtins.list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return found, merged


def _match(entry: EntryView, words: Sequence[str]) -> SearchHit | None:
    in_body, body_spans = _find(entry.body, words)
    in_title, _ = _find(entry.own_title, words)
    if len(in_body | in_title) < len(words):
        return None
    _, title_spans = _find(entry.title, words)
    return SearchHit(entry, _snippets(entry.body, body_spans), title_spans)


def _snippets(text: str, spans: Sequence[tuple[int, int]]) -> builtins.list[Highlight]:
    """Group nearby matches into snippets of about a line, cut at spaces, marked with '…'."""
    groups: builtins.list[builtins.list[tuple[int, int]]] = []
    for span in spans:
        if groups and span[0] - groups[-1][-1][1] <= 2 * SNIPPET_RADIUS:
            groups[-1].append(span)
        else:
            groups.append([span])
    out = []
    for group in groups[:MAX_HIGHLIGHTS]:
        first, last = group[0][0], group[-1][1]
        a = max(0, first - SNIPPET_RADIUS)
        b = min(len(text), last + SNIPPET_RADIUS)
        if a > 0:
            cut = _first_space(text, a, first)
            a = cut + 1 if cut is not None else a
        if b < len(text):
            cut = _last_space(text, last, b)
            b = cut if cut is not None else b
        while a < first and text[a].isspace():
            a += 1
        while b > last and text[b - 1].isspace():
            b -= 1
        # Newlines become spaces one for one, so offsets stay valid.
        piece = "".join(" " if ch in "\n\r\t" else ch for ch in text[a:b])
        prefix = "…" if a > 0 else ""
        suffix = "…" if b < len(text) else ""
        shift = len(prefix) - a
        out.append(Highlight(prefix + piece + suffix, [(s + shift, e + shift) for s, e in group]))
    return out


def _first_space(text: str, start: int, stop: int) -> int | None:
    for i in range(start, stop):
        if text[i].isspace():
            return i
    return None


def _last_space(text: str, start: int, stop: int) -> int | None:
    for i in range(stop - 1, start - 1, -1):
        if text[i].isspace():
            return i
    return None


# ----------------------------------------------------------------------------- prompts
def _required(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("missing", "is required")
    return value


class PromptModel(BaseModel):
    """One ``[[prompt]]`` table of a prompts file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: Annotated[str, Field(pattern=f"^{_PROMPT_KEY.pattern}$", max_length=64)]
    name: Annotated[str, AfterValidator(_required), Field(max_length=200)]
    description: Annotated[str, Field(max_length=1000)] = ""
    template: Annotated[str, AfterValidator(_required), Field(max_length=100_000)]


class PromptsFile(BaseModel):
    """A prompts file: the bundled one, or a team's `prompts.toml` in the profile folder."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prompt: Annotated[builtins.list[PromptModel], Field(max_length=500)] = []


_PROMPT_REASONS = {
    "missing": "{field} is required",
    "string_type": "{field} must be text",
    "string_too_long": "{field} is too long (at most {max_length} characters)",
    "string_pattern_mismatch": "{field} must be lowercase letters, digits and '-'",
    "extra_forbidden": "unknown field {field!r}",
    "model_type": "is not a table",
    "too_long": "too many prompts (at most {max_length})",
    "list_type": "prompts are [[prompt]] tables",
}


def _prompts_error(path: str, data: Any, error: Any) -> JournalFormatError:
    """One line naming the file, the prompt and the field of the first problem."""
    loc = error["loc"]
    template = _PROMPT_REASONS.get(error["type"], "{field}: " + str(error["msg"]).lower())
    if loc[:1] != ("prompt",):
        return JournalFormatError(path, None, f"unknown table {str(loc[0])!r} (use [[prompt]])")
    if len(loc) < 2:
        return JournalFormatError(
            path, None, template.format(field="prompt", **error.get("ctx", {}))
        )
    n = int(loc[1])
    item = data["prompt"][n]
    key = item.get("key") if isinstance(item, dict) else None
    where = (
        f"prompt {key!r}"
        if isinstance(key, str) and _PROMPT_KEY.fullmatch(key)
        else (f"prompt {n + 1}")
    )
    field = str(loc[2]) if len(loc) > 2 else ""
    reason = template.format(field=field, **error.get("ctx", {})).strip()
    return JournalFormatError(path, None, f"{where}{' ' if field == '' else ': '}{reason}")


def _read_prompts(text: str, source: str, path: str) -> dict[str, Prompt]:
    """The prompts of one file, checked by `PromptsFile`; errors name the file and the field."""
    try:
        data = loads_toml(text, source=path, max_depth=8)
    except InputError as exc:
        raise JournalFormatError(path, None, exc.reason) from None
    try:
        parsed = PromptsFile.model_validate(data)
    except ValidationError as exc:
        raise _prompts_error(path, data, exc.errors()[0]) from None
    prompts: dict[str, Prompt] = {}
    for item in parsed.prompt:
        template = item.template.strip("\n") + "\n"
        prompts[item.key] = Prompt(
            item.key, item.name.strip(), item.description.strip(), template, source
        )
    return prompts


# ----------------------------------------------------------------------------- Markdown
def _front_matter(entry: EntryView) -> builtins.list[str]:
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


def _parse_markdown(text: str, source: str) -> builtins.list[_Parsed]:
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
        meta = _parse_meta(lines[start + 1 : close], source, start + 2)
        body_start = close + 1
        if body_start < stop and _GENERATED_HEADING.match(lines[body_start]):
            body_start += 1  # the heading export_markdown writes for readers
        body = _normalise_body("\n".join(_unescape(x) for x in lines[body_start:stop]))
        entries.append(_entry_from(meta, body, source, start + 1))
    return entries


def _parse_front_matter_file(lines: Sequence[str], source: str) -> _Parsed:
    close = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    if close is None:
        raise JournalFormatError(source, 1, "front matter is not closed by a '---' line")
    meta = _parse_meta(lines[1:close], source, 2)
    body = _normalise_body("\n".join(lines[close + 1 :]))
    return _entry_from(meta, body, source, 1)


def _entry_from(meta: dict[str, Any], body: str, source: str, line: int) -> _Parsed:
    if not body.strip():
        raise JournalFormatError(source, line, "the entry has no body")
    return _Parsed(
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


def _parse_meta(lines: Sequence[str], source: str, first_line: int) -> dict[str, Any]:
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
    if value and (len(value) > 64 or not _PROMPT_KEY.fullmatch(value)):
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
    title = _clean_title(value)
    if len(title) > MAX_TITLE_LENGTH:
        raise _meta_error(f"title: at most {MAX_TITLE_LENGTH} characters, got {len(title)}")
    return title


class EntryMeta(BaseModel):
    """The metadata of one entry in a Markdown file (front matter or `<!-- mastery:entry`).

    Parsed from the ``key: value`` lines by `_parse_meta`; this model is the one place that
    says what each key may hold, so an import either gets checked values or names the field.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    uid: Annotated[str, AfterValidator(_meta_uid)] | None = None
    day: Annotated[date, BeforeValidator(_meta_date)] = Field(alias="date")
    title: Annotated[str, AfterValidator(_meta_title)] = ""
    tags: Annotated[
        tuple[str, ...],
        BeforeValidator(_meta_list),
        AfterValidator(_clean_tags),
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
