"""Reading the journal: one entry, lists, search, the days with entries and an entry's goals.

`JournalReader` is the half of `Journal` that never writes (no transaction is opened here);
`service.py` adds the writes. Rows are read by column name; `now` defaults to the profile's
clock.
"""

from __future__ import annotations

import builtins
import sqlite3
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mastery.dates import parse_range
from mastery.days import from_ms, stored_day, streak
from mastery.errors import MasteryError, NotFoundError
from mastery.journal.fields import check_visibility, display_title
from mastery.journal.prompts import PROMPTS_FILE, PromptBook
from mastery.journal.search import fold, folded_tags, match_entry, one_filter, query_words
from mastery.journal.views import EntryView, Prompt, SearchHit
from mastery.limits import ref_number, shown
from mastery.query import JournalQuery, parse_journal
from mastery.refs import pick_by_title
from mastery.storage.entries import entry_days

if TYPE_CHECKING:
    from mastery.collection import Collection


class JournalReader:
    """The reading half of the journal of one profile (see `Journal`)."""

    def __init__(self, col: Collection) -> None:
        self.col = col
        self._prompts = PromptBook()

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
        return self._prompts.load(self.prompts_path)

    # ------------------------------------------------------------------ reading
    def get(self, ref: str | int) -> EntryView:
        """An entry by number, by uid, or by an unambiguous start of its uid (``e-`` optional)."""
        text = str(ref).strip()
        number = ref_number(text)
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
        goal = one_filter("goal", goal, wanted.goal)
        visibility = one_filter("is", visibility, wanted.visibility)
        when = one_filter("when", when, wanted.when)
        clauses: builtins.list[str] = []
        params: builtins.list[Any] = []
        if visibility is not None:
            clauses.append("e.visibility = ?")
            params.append(check_visibility(visibility))
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
        wanted_tags = folded_tags(tag)
        words = query_words(wanted.words)
        hits: builtins.list[SearchHit] = []
        for entry in entries:
            if wanted_tags and not wanted_tags <= {t.casefold() for t in entry.tags}:
                continue
            if words:
                hit = match_entry(entry, words)
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
        return entry_days(self.col.conn, start, end)

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

    def on_this_day(self, now: datetime | None = None) -> builtins.list[EntryView]:
        """Entries written on this day of the month in earlier months and years (jrnl's "on
        this day", monthly as well as yearly), newest first. On the 31st only the months
        that have one count: nothing is moved to a nearby day."""
        today = self.col.clock.day_of(now or self.col.now())
        return self._entries(
            "WHERE substr(e.day, 9, 2) = ? AND e.day < ? ORDER BY e.day DESC, e.id DESC",
            (f"{today.day:02d}", today.isoformat()),
        )

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
        needle = fold(title.strip())
        return [
            e
            for e in self._entries("ORDER BY e.day DESC, e.created_at DESC, e.id DESC")
            if goal_id in e.goal_ids
            or (needle and (needle in fold(e.body) or needle in fold(e.own_title)))
        ]

    def for_goal_days(self, goal_id: int) -> set[date]:
        """Learner's days with an entry linked to the goal (for cadence adherence)."""
        rows = self.col.conn.execute(
            "SELECT DISTINCT e.day FROM journalentry e JOIN entrygoal g ON g.entry_id = e.id "
            "WHERE g.goal_id = ?",
            (goal_id,),
        )
        return {stored_day(r["day"]) for r in rows}

    # ------------------------------------------------------------------ internals
    def _entries(self, tail: str, params: Sequence[Any] = ()) -> builtins.list[EntryView]:
        rows = self.col.conn.execute(
            "SELECT e.id, e.uid, e.day, e.title, e.body, e.tags, e.prompt, e.visibility, "
            f"e.created_at, e.updated_at, e.conflict_of FROM journalentry e {tail}",
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

    def _range(
        self, when: str | tuple[date | None, date | None], now: datetime
    ) -> tuple[date | None, date | None]:
        if isinstance(when, str):
            return parse_range(when, self.col.clock.day_of(now))
        start, end = when
        return start, end

    def _goal_id(self, ref: str | int) -> int:
        """A goal's id from its number or words of its title, as `Goals` reads goal refs
        (`refs.pick_by_title`). Resolved here with one query because `Goals.get` also records
        a progress point."""
        text = str(ref).strip()
        if not text:
            raise MasteryError("which goal? give its number or words of its title")
        if text.isdigit():
            number = ref_number(text)
            row = (
                None
                if number is None
                else self.col.conn.execute("SELECT id FROM goal WHERE id = ?", (number,)).fetchone()
            )
            if row is None:
                raise NotFoundError(
                    f"no goal {shown(text).strip(chr(39))}; see `mastery goal list`"
                )
            return int(row["id"])
        rows = self.col.conn.execute("SELECT id, title FROM goal ORDER BY id").fetchall()
        return pick_by_title(
            [(int(r["id"]), r["title"]) for r in rows], text, "goal", see="mastery goal list"
        )


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
        conflict_of=r["conflict_of"],
    )


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
