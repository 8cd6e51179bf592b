"""The journal of one profile (`Collection.journal`): writing entries and their links to goals,
sharing them (visibility), and Markdown export and import.

The one module that writes the `journalentry` table (tests/test_architecture.py holds it to
that); every method that writes is one transaction, and `now` defaults to the profile's clock.
Reading is inherited from `JournalReader`.
"""

from __future__ import annotations

import base64
import builtins
import secrets
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from mastery.conflicts import KEEP, original_title
from mastery.dates import parse_date
from mastery.days import to_ms
from mastery.errors import MasteryError
from mastery.journal import markdown
from mastery.journal.fields import (
    check_body,
    check_visibility,
    clean_tags,
    clean_title,
    inline_tags,
)
from mastery.journal.reading import JournalReader
from mastery.journal.search import fold
from mastery.journal.views import EntryView, ImportSummary


class Journal(JournalReader):
    """The journal of one profile; reached as `Collection.journal`."""

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
        body, or one that is only the prompt's questions, is refused. `#tags` in the body are
        added to `tags` (`fields.inline_tags`).
        """
        now = now or self.col.now()
        template = self.prompt(prompt).template if prompt else ""
        body = check_body(body, template)
        entry_day = self._day(day, now)
        title = clean_title(title)
        tag_list = clean_tags([*clean_tags(tags), *inline_tags(body)])
        goal_ids = self._goal_ids(goals)
        visibility = check_visibility(visibility)
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
        was: EntryView | None = None,
    ) -> EntryView:
        """Change the given fields of an entry (None leaves a field as it is; `title=""`
        returns to a title derived from the body; `tags=()` / `goals=()` clear them). A new
        body's `#tags` are added to the tags, as `add` adds them.

        `was`: the entry as an editor opened it. If a sync (or another window) changed it
        since, saving would overwrite that change, and the next sync would send it as made
        after it, so no conflict copy could keep it: refused, nothing written."""
        now = now or self.col.now()
        entry = self.get(ref)
        if was is not None and _edited(was) != _edited(entry):
            raise MasteryError(
                "this entry changed since the editor opened it (a sync, or another window); "
                "nothing was saved: copy your text, then open the entry again"
            )
        changes: dict[str, Any] = {}
        if body is not None:
            template = self._template_of(entry.prompt)
            changes["body"] = check_body(body, template)
        if title is not None:
            changes["title"] = clean_title(title)
        if tags is not None or (body is not None and inline_tags(body)):
            kept = entry.tags if tags is None else clean_tags(tags)
            written = inline_tags(body) if body is not None else ()
            changes["tags"] = " ".join(clean_tags([*kept, *written]))
        if visibility is not None:
            changes["visibility"] = check_visibility(visibility)
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

    def resolve(self, ref: str | int, keep: str) -> EntryView | None:
        """Settle a conflict copy (an entry sync kept because two devices edited one entry
        between syncs): `keep="this"` makes the copy's text the entry's and deletes the copy,
        `"other"` deletes the copy, `"both"` keeps it as an entry of its own (the flag goes).
        Returns the entry that stays (None when the original is gone and "other" is kept)."""
        entry = self.get(ref)
        if entry.conflict_of is None:
            raise MasteryError(f"entry {entry.uid} is not a conflict copy; nothing to resolve")
        if keep not in KEEP:
            raise MasteryError(f"keep this, other or both, not {keep!r}")
        original = self._entries("WHERE e.uid = ?", (entry.conflict_of,))
        with self.col.db.transaction() as conn:
            if keep == "both" or (keep == "this" and not original):
                title = original_title(entry.own_title) if keep == "this" else entry.own_title
                conn.execute(
                    "UPDATE journalentry SET conflict_of = NULL, title = ? WHERE id = ?",
                    (title, entry.id),
                )
                return self.get(entry.id)
            conn.execute("DELETE FROM entrygoal WHERE entry_id = ?", (entry.id,))
            conn.execute("DELETE FROM journalentry WHERE id = ?", (entry.id,))
            if not original:
                return None
            if keep == "this":
                conn.execute(
                    "UPDATE journalentry SET day = ?, title = ?, body = ?, prompt = ?, tags = ?, "
                    "visibility = ?, updated_at = ? WHERE id = ?",
                    (
                        entry.day.isoformat(),
                        original_title(entry.own_title),
                        entry.body,
                        entry.prompt,
                        " ".join(entry.tags),
                        entry.visibility,
                        to_ms(self.col.now()),
                        original[0].id,
                    ),
                )
                conn.execute("DELETE FROM entrygoal WHERE entry_id = ?", (original[0].id,))
                self._link_goals(original[0].id, entry.goal_ids)
        return self.get(original[0].id)

    # ------------------------------------------------------------------ Markdown out
    def export_markdown(self, entries: Iterable[EntryView] | None = None) -> str:
        """Entries (all when None) as one Markdown file, oldest first."""
        return markdown.export_text(self._export_order(entries))

    def export_files(
        self, folder: str | Path, entries: Iterable[EntryView] | None = None
    ) -> builtins.list[Path]:
        """Entries (all when None) as one file each, ``YYYY-MM-DD-<slug>-<uid>.md``; an older
        file of the same entry under another name is removed (see `markdown.write_files`)."""
        return markdown.write_files(folder, self._export_order(entries))

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
        parsed = markdown.read_entries(source)

        notes: builtins.list[str] = []
        goal_titles = self._goal_titles()
        missing: dict[str, int] = {}
        added = updated = unchanged = 0
        stamp = to_ms(now)
        with self.col.db.transaction() as conn:
            for item in parsed:
                goal_ids = []
                for title in item.goals:
                    gid = goal_titles.get(fold(title))
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

    def resolve_day(self, day: date | str | None, now: datetime | None = None) -> date:
        """The day an entry dated `day` ("yesterday", "last friday", 2026-12-01) would get:
        the editor shows it as the learner types. `MasteryError` for a phrase not understood
        or a day in the future."""
        return self._day(day, now or self.col.now())

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

    def _goal_titles(self) -> dict[str, int]:
        """Folded goal title -> id (the oldest goal wins when titles repeat)."""
        titles: dict[str, int] = {}
        for goal in self.col.conn.execute("SELECT id, title FROM goal ORDER BY id"):
            titles.setdefault(fold(goal["title"].strip()), goal["id"])
        return titles


def _edited(entry: EntryView) -> tuple[object, ...]:
    """What an edit of an entry can change, and when it was last changed."""
    return (
        entry.updated,
        entry.day,
        entry.own_title,
        entry.body,
        entry.tags,
        entry.goal_ids,
        entry.visibility,
        entry.conflict_of,
    )
