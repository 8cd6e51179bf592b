"""Mentors: share chosen journal entries and goals, receive feedback, close the loop.

Two profiles, two files (formats field by field in docs/mentors.md):

* The **mentee** writes a *bundle* (`export_bundle`): a display name, the profile's pairing id,
  the journal entries and goals marked shared, and a learning summary (streaks, reviews and
  retention over the last 30 days, maturity of the decks they choose). Private entries, private
  goals and card text never go into it; an entry's links to private goals are left out too.
* The **mentor** stores it (`add_bundle`) in their own profile, reads it, comments on entries
  and goals, writes an overall note, and answers with a *feedback* file (`reply`).
* The mentee imports the feedback (`import_feedback`): comments appear under their entries and
  goals, unread until read; the newest note is for the dashboard (`latest_note`).

Both files are versioned JSON with a SHA-256 checksum over their canonical form (sorted keys,
no insignificant whitespace, UTF-8; the `checksum` field left out). A file that is not JSON,
has the wrong `format`, a newer `version`, a failing checksum, missing fields, another
mentee's pairing id or ids this profile does not have is refused with one `BundleError` line,
and nothing is changed. A newer bundle of the same mentee updates the mentor's copy (entries by
uid; entries no longer shared leave it, the mentor's comments stay); an older one is refused.

Ids that travel: entries by their uid (`e-...`), goals as `g-<id>`, comments `c-...`, notes
`n-...`, profiles by a random pairing id (`p-...`) made once per profile and kept in its meta
values, never derived from a name, user or host.

Every method that writes is one transaction; `now` is always a parameter.
"""

from __future__ import annotations

import base64
import builtins
import hashlib
import json
import os
import re
import secrets
import sqlite3
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mastery.dates import parse_date, parse_range
from mastery.days import from_ms, to_ms, utcnow
from mastery.errors import BundleError, ConflictError, InputError, MasteryError, NotFoundError
from mastery.files import write_atomic
from mastery.goals import GoalDetail, MilestoneView
from mastery.journal import EntryView
from mastery.limits import loads_json, ref_number
from mastery.mentor_formats import (
    BUNDLE_FORMAT,
    CLOCK_SKEW,
    FEEDBACK_FORMAT,
    FORMAT_VERSION,
    NAME_LENGTH,
    Bundle,
    BundleGoal,
    BundleSummary,
    Feedback,
    FormatProblem,
    parse_bundle,
    parse_feedback,
    stored_goals,
    stored_summary,
)
from mastery.states import MATURE_DAYS, CardState, Rating, scheduled

if TYPE_CHECKING:
    from mastery.collection import Collection

__all__ = [
    "AddReport",
    "BundleError",
    "BundlePreview",
    "Comment",
    "DeckMaturity",
    "FeedbackPreview",
    "FeedbackReport",
    "LearningSummary",
    "MenteeSummary",
    "Mentor",
    "MentorNote",
    "SharedEntry",
    "SharedGoal",
]

TARGET_KINDS = ("entry", "goal")
SUMMARY_DAYS = 30  # reviews and retention are counted over this many learner's days

_CHECKSUM = re.compile(r"sha256:[0-9a-f]{64}")
_GOAL_ID = re.compile(r"g-([1-9][0-9]{0,17})")


# ----------------------------------------------------------------------------- plain data
@dataclass(frozen=True, slots=True)
class DeckMaturity:
    """How far one deck the mentee chose is learned: counts only, never card text."""

    key: str
    name: str
    cards: int
    studied: int
    mature: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "cards": self.cards,
            "studied": self.studied,
            "mature": self.mature,
        }


@dataclass(frozen=True, slots=True)
class LearningSummary:
    """The learning summary of a bundle.

    `retention_30d` is the share of answers to cards in review state, over the last 30 learner's
    days, that were not Again; None when there were none.
    """

    review_streak: int
    journal_streak: int
    reviews_30d: int
    retention_30d: float | None
    decks: tuple[DeckMaturity, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "review_streak": self.review_streak,
            "journal_streak": self.journal_streak,
            "reviews_30d": self.reviews_30d,
            "retention_30d": self.retention_30d,
            "decks": [d.to_dict() for d in self.decks],
        }

    @classmethod
    def from_model(cls, data: BundleSummary) -> LearningSummary:
        return cls(
            review_streak=data.review_streak,
            journal_streak=data.journal_streak,
            reviews_30d=data.reviews_30d,
            retention_30d=data.retention_30d,
            decks=tuple(
                DeckMaturity(d.key, d.name, d.cards, d.studied, d.mature) for d in data.decks
            ),
        )


@dataclass(frozen=True, slots=True)
class BundlePreview:
    """What a bundle holds, and `text`: exactly the bytes (UTF-8) that will be written."""

    name: str
    pairing_id: str
    created: datetime
    since: date | None
    entries: tuple[EntryView, ...]
    goals: tuple[GoalDetail, ...]
    summary: LearningSummary
    text: str
    checksum: str

    @property
    def entry_count(self) -> int:
        return len(self.entries)

    @property
    def goal_count(self) -> int:
        return len(self.goals)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "created": self.created.isoformat(),
            "since": self.since.isoformat() if self.since else None,
            "entries": [e.uid for e in self.entries],
            "goals": [f"g-{g.id}" for g in self.goals],
            "entry_count": self.entry_count,
            "goal_count": self.goal_count,
            "summary": self.summary.to_dict(),
            "checksum": self.checksum,
        }


@dataclass(frozen=True, slots=True)
class Comment:
    """A mentor's comment on an entry (`target_id` e-...) or a goal (g-<id>).

    On the mentee's side `mentor_name`, `received` and `unread` say who wrote it, when it came
    and whether it was read; on the mentor's own side `unread` is always False.
    """

    uid: str
    target_kind: str
    target_id: str
    body: str
    created: datetime
    updated: datetime
    mentor_name: str = ""
    received: datetime | None = None
    unread: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "target_kind": self.target_kind,
            "target_id": self.target_id,
            "body": self.body,
            "created": self.created.isoformat(),
            "updated": self.updated.isoformat(),
            "mentor_name": self.mentor_name,
            "received": self.received.isoformat() if self.received else None,
            "unread": self.unread,
        }


@dataclass(frozen=True, slots=True)
class MentorNote:
    """A mentor's overall note, as the mentee received it."""

    uid: str
    mentor_name: str
    body: str
    created: datetime
    received: datetime
    unread: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "mentor_name": self.mentor_name,
            "body": self.body,
            "created": self.created.isoformat(),
            "received": self.received.isoformat(),
            "unread": self.unread,
        }


@dataclass(frozen=True, slots=True)
class FeedbackReport:
    """What importing one feedback file did."""

    mentor_name: str
    added: int
    updated: int
    unchanged: int
    withdrawn: int
    note: MentorNote | None  # a note new to this profile, if the file brought one

    def to_dict(self) -> dict[str, Any]:
        return {
            "mentor_name": self.mentor_name,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "withdrawn": self.withdrawn,
            "note": self.note.to_dict() if self.note else None,
        }


@dataclass(frozen=True, slots=True)
class MenteeSummary:
    """A mentee as the mentor's list shows them.

    `last_activity` is the day of their newest shared entry, or the bundle's day when they
    share none; `unread` counts entries the mentor has not opened (again since they changed).
    `problem` says what is invalid in the stored copy (see `Mentor.remove_mentee`).
    """

    id: int
    pairing_id: str
    name: str
    bundle_created: datetime
    last_activity: date
    entries: int
    unread: int
    goals: int
    comments: int
    note: str
    note_updated: datetime | None
    summary: LearningSummary
    problem: str | None = None  # what is wrong with the stored copy, when something is

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "pairing_id": self.pairing_id,
            "name": self.name,
            "bundle_created": self.bundle_created.isoformat(),
            "last_activity": self.last_activity.isoformat(),
            "entries": self.entries,
            "unread": self.unread,
            "goals": self.goals,
            "comments": self.comments,
            "note": self.note,
            "note_updated": self.note_updated.isoformat() if self.note_updated else None,
            "summary": self.summary.to_dict(),
            "problem": self.problem,
        }


@dataclass(frozen=True, slots=True)
class SharedEntry:
    """An entry a mentee shared, in the mentor's copy, with the mentor's comments on it.

    `goal_ids` are the mentee's shared goals it is linked to (g-<id>), `goals` their titles.
    """

    uid: str
    day: date
    title: str
    body: str
    tags: tuple[str, ...]
    prompt: str | None
    goal_ids: tuple[str, ...]
    goals: tuple[str, ...]
    unread: bool
    received: datetime
    changed: datetime
    comments: tuple[Comment, ...]

    @property
    def preview(self) -> str:
        """The body on one line, shortened, for lists."""
        text = " ".join(self.body.split())
        return text if len(text) <= 100 else text[:99] + "…"

    def to_dict(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "day": self.day.isoformat(),
            "title": self.title,
            "body": self.body,
            "tags": list(self.tags),
            "prompt": self.prompt,
            "goal_ids": list(self.goal_ids),
            "goals": list(self.goals),
            "unread": self.unread,
            "received": self.received.isoformat(),
            "changed": self.changed.isoformat(),
            "comments": [c.to_dict() for c in self.comments],
        }


@dataclass(frozen=True, slots=True)
class SharedGoal:
    """A goal a mentee shared (as of their newest bundle), with the mentor's comments on it."""

    id: str  # g-<id>
    title: str
    vision: str
    reality: str
    category: str
    status: str
    target: date | None
    progress: float
    milestones: tuple[MilestoneView, ...]
    confidence_trend: tuple[tuple[date, int], ...]
    comments: tuple[Comment, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "vision": self.vision,
            "reality": self.reality,
            "category": self.category,
            "status": self.status,
            "target": self.target.isoformat() if self.target else None,
            "progress": self.progress,
            "milestones": [m.to_dict() for m in self.milestones],
            "confidence_trend": [[d.isoformat(), c] for d, c in self.confidence_trend],
            "comments": [c.to_dict() for c in self.comments],
        }


@dataclass(frozen=True, slots=True)
class AddReport:
    """What storing one bundle did to the mentor's copy."""

    mentee: MenteeSummary
    new_mentee: bool
    added: int
    updated: int
    unchanged: int
    removed: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "mentee": self.mentee.to_dict(),
            "new_mentee": self.new_mentee,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
        }


@dataclass(frozen=True, slots=True)
class FeedbackPreview:
    """What a feedback file holds, and `text`: exactly what will be written."""

    mentee: MenteeSummary
    mentor_name: str
    created: datetime
    comments: tuple[Comment, ...]
    withdrawn: tuple[str, ...]
    note: str | None
    text: str
    checksum: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "mentee": self.mentee.name,
            "mentor_name": self.mentor_name,
            "created": self.created.isoformat(),
            "comments": len(self.comments),
            "withdrawn": len(self.withdrawn),
            "note": self.note,
            "checksum": self.checksum,
        }


# ----------------------------------------------------------------------------- the domain
class Mentor:
    """Both sides of mentoring for one profile; reached as `Collection.mentor`."""

    def __init__(self, col: Collection) -> None:
        self.col = col

    @property
    def _conn(self) -> sqlite3.Connection:
        return self.col.conn

    # ------------------------------------------------------------------ identity
    def pairing_id(self, *, keep: bool = True) -> str:
        """This profile's pairing id: random, made on first use and kept for good. A preview
        passes `keep=False` (looking writes nothing): the id is kept when the file carrying it
        is written."""
        found = self.col.meta("pairing_id")
        if isinstance(found, str) and found:
            return found
        pairing = "p-" + _random(26)  # 130 random bits
        if not keep:
            return pairing
        # meta_once: twenty first uses at once still agree on one identity.
        return str(self.col.meta_once("pairing_id", pairing))

    def display_name(self) -> str | None:
        """The name mentors (and mentees) see for this profile, once chosen."""
        found = self.col.meta("display_name")
        return found if isinstance(found, str) and found else None

    def set_display_name(self, name: str) -> str:
        """Choose the name mentors and mentees see (remembered in the profile)."""
        clean = _clean_name(name)
        self.col.set_meta("display_name", clean)
        return clean

    # ------------------------------------------------------------------ mentee: bundles
    def learning_summary(
        self, decks: Iterable[str] = (), now: datetime | None = None
    ) -> LearningSummary:
        """Streaks, reviews and retention over the last 30 days, and for each deck key in
        `decks` its cards, studied and mature counts (no card text)."""
        now = now or utcnow()
        clock = self.col.clock
        today = clock.day_of(now)
        start = to_ms(clock.day_start(today - timedelta(days=SUMMARY_DAYS - 1)))
        end = to_ms(clock.day_start(today + timedelta(days=1)))
        reviews, in_review, recalled = self._conn.execute(
            "SELECT count(*), coalesce(sum(state_before = ?), 0), "
            "coalesce(sum(state_before = ? AND rating != ?), 0) FROM reviewlog "
            f"WHERE {scheduled()} AND reviewed_at >= ? AND reviewed_at < ?",
            (CardState.REVIEW, CardState.REVIEW, Rating.AGAIN, start, end),
        ).fetchone()
        maturity = []
        for deck_id, key, name in self._decks(decks):
            cards, studied, mature = self._conn.execute(
                "SELECT count(*), coalesce(sum(state != ?), 0), "
                "coalesce(sum(state = ? AND stability >= ?), 0) FROM card "
                "WHERE deck_id = ? AND in_deck = 1",
                (CardState.NEW, CardState.REVIEW, MATURE_DAYS, deck_id),
            ).fetchone()
            maturity.append(DeckMaturity(key, name, cards, studied, mature))
        return LearningSummary(
            review_streak=self.col.review_streak(now=now),
            journal_streak=self.col.journal.streak(now=now),
            reviews_30d=reviews,
            retention_30d=round(recalled / in_review, 4) if in_review else None,
            decks=tuple(maturity),
        )

    def preview_bundle(
        self,
        *,
        since: date | str | None = None,
        name: str | None = None,
        decks: Iterable[str] = (),
        now: datetime | None = None,
    ) -> BundlePreview:
        """The bundle `export_bundle` would write with the same arguments: the shared entries
        (from `since`, a date or phrase, when given), the shared goals, the learning summary
        with `decks`' maturity, and the exact text.

        `name` is the display name for this bundle (else the remembered one; a first bundle
        needs one). Nothing is written but the pairing id on first use and, as on any read of
        a goal, today's progress point of each shared goal.
        """
        now = _ms_precision(now or utcnow())
        today = self.col.clock.day_of(now)
        chosen = _clean_name(name) if name is not None else self.display_name()
        if not chosen:
            raise MasteryError(
                "choose the name your mentor will see (--name NAME); it is remembered"
            )
        since_day = _since(since, today)
        shared_goal_ids = [
            r[0]
            for r in self._conn.execute(
                "SELECT id FROM goal WHERE visibility = 'shared' ORDER BY id"
            )
        ]
        goals = tuple(self.col.goals.get(gid, now=now) for gid in shared_goal_ids)
        entries = tuple(
            reversed(
                self.col.journal.list(
                    visibility="shared",
                    when=(since_day, None) if since_day else None,
                    now=now,
                )
            )
        )
        shared_uids = sorted(
            r[0]
            for r in self._conn.execute("SELECT uid FROM journalentry WHERE visibility = 'shared'")
        )
        summary = self.learning_summary(decks, now)
        shared = set(shared_goal_ids)
        pairing_id = self.pairing_id(keep=False)  # a preview keeps nothing
        document = {
            "format": BUNDLE_FORMAT,
            "version": FORMAT_VERSION,
            "created_at": _iso(now),
            "app": _app(),
            "mentee": {"pairing_id": pairing_id, "name": chosen},
            "since": since_day.isoformat() if since_day else None,
            "entries": [_entry_out(e, shared) for e in entries],
            "shared_entry_uids": shared_uids,
            "goals": [_goal_out(g) for g in goals],
            "summary": summary.to_dict(),
        }
        _check_own(document, now)
        text, checksum = _seal(document)
        return BundlePreview(
            name=chosen,
            pairing_id=pairing_id,
            created=now,
            since=since_day,
            entries=entries,
            goals=goals,
            summary=summary,
            text=text,
            checksum=checksum,
        )

    def write_bundle(self, path: str | Path, preview: BundlePreview) -> Path:
        """Write a previewed bundle exactly as previewed (temp file, fsync, rename) and
        remember its display name."""
        target = Path(path)
        with self.col.db.transaction():  # the name and the pairing id the file carries
            kept = self.col.meta_once("pairing_id", preview.pairing_id)
            if kept != preview.pairing_id:  # another export on this new profile won the race
                raise ConflictError(
                    "another export gave this profile its pairing id just now; export again"
                )
            if preview.name != self.display_name():
                self.set_display_name(preview.name)
        write_atomic(target, preview.text)
        return target

    def export_bundle(
        self,
        path: str | Path,
        *,
        since: date | str | None = None,
        name: str | None = None,
        decks: Iterable[str] = (),
        now: datetime | None = None,
    ) -> BundlePreview:
        """Write the bundle `preview_bundle` describes to `path`; returns that preview."""
        preview = self.preview_bundle(since=since, name=name, decks=decks, now=now)
        self.write_bundle(path, preview)
        return preview

    # ------------------------------------------------------------------ mentee: feedback
    def import_feedback(self, path: str | Path, *, now: datetime | None = None) -> FeedbackReport:
        """Import a mentor's feedback file: their comments land under this profile's entries
        and goals (unread), their note becomes the newest one. Importing the same file again
        changes nothing; comments the mentor deleted are withdrawn. All or nothing."""
        now = now or utcnow()
        source = Path(path)
        doc = _read_document(source, FEEDBACK_FORMAT)
        feedback = _check_feedback(source, doc, now)
        mine = self.col.meta("pairing_id")
        mentee_name = feedback.mentee.name
        if feedback.mentee.pairing_id != mine:
            raise BundleError(
                source,
                f"this feedback is meant for another mentee "
                f"({mentee_name!r}, another pairing id); nothing imported",
            )
        mentor_id, mentor_name = feedback.mentor.pairing_id, feedback.mentor.name
        created = to_ms(feedback.created_at)
        seen = _received_times(self.col.meta("feedback_received"))
        last = seen.get(mentor_id)
        if last is not None and last > to_ms(now + CLOCK_SKEW):
            last = None  # a time from the future (an older Mastery let it in) locks nobody out
        if last is not None and created < last:
            raise BundleError(
                source,
                f"older than the feedback from {mentor_name} already imported "
                f"(written {_when(created)}, the newer one "
                f"{_when(last)}); nothing imported",
            )
        for item in feedback.comments:
            if not self._target_exists(item.target_kind, item.target_id):
                raise BundleError(
                    source,
                    f"comment {item.uid} points at {item.target_kind} "
                    f"{item.target_id}, which this profile does not have; nothing imported",
                )
        existing = {
            r[0]: r[1:]
            for r in self._conn.execute(
                "SELECT comment_uid, mentor_id, body, updated_at, target_kind, target_uid "
                "FROM feedbackcomment"
            )
        }
        for item in feedback.comments:
            owner = existing.get(item.uid)
            if owner is not None and owner[0] != mentor_id:
                raise BundleError(
                    source, f"comment {item.uid} was written by another mentor; nothing imported"
                )
        stamp = to_ms(now)
        added = updated = unchanged = withdrawn = 0
        new_note: MentorNote | None = None
        with self.col.db.transaction() as conn:
            for item in feedback.comments:
                old = existing.get(item.uid)
                if old is None:
                    conn.execute(
                        "INSERT INTO feedbackcomment (comment_uid, mentor_id, mentor_name, "
                        "target_kind, target_uid, body, created_at, updated_at, received_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            item.uid,
                            mentor_id,
                            mentor_name,
                            item.target_kind,
                            item.target_id,
                            item.body,
                            to_ms(item.created_at),
                            to_ms(item.updated_at),
                            stamp,
                        ),
                    )
                    added += 1
                elif (old[1], old[3], old[4]) != (item.body, item.target_kind, item.target_id):
                    # The mentor changed it: it is news again.
                    conn.execute(
                        "UPDATE feedbackcomment SET mentor_name = ?, target_kind = ?, "
                        "target_uid = ?, body = ?, updated_at = ?, received_at = ?, "
                        "read_at = NULL WHERE comment_uid = ?",
                        (
                            mentor_name,
                            item.target_kind,
                            item.target_id,
                            item.body,
                            to_ms(item.updated_at),
                            stamp,
                            item.uid,
                        ),
                    )
                    updated += 1
                else:
                    unchanged += 1
            conn.execute(  # a mentor who changed their name shows the new one everywhere
                "UPDATE feedbackcomment SET mentor_name = ? WHERE mentor_id = ?",
                (mentor_name, mentor_id),
            )
            for uid in feedback.withdrawn:
                withdrawn += conn.execute(
                    "DELETE FROM feedbackcomment WHERE comment_uid = ? AND mentor_id = ?",
                    (uid, mentor_id),
                ).rowcount
            note = feedback.note
            if note is not None:
                known = conn.execute(
                    "SELECT 1 FROM feedbacknote WHERE note_uid = ?", (note.uid,)
                ).fetchone()
                if not known:
                    conn.execute(
                        "INSERT INTO feedbacknote (note_uid, mentor_id, mentor_name, body, "
                        "created_at, received_at) VALUES (?, ?, ?, ?, ?, ?)",
                        (
                            note.uid,
                            mentor_id,
                            mentor_name,
                            note.body,
                            to_ms(note.updated_at),
                            stamp,
                        ),
                    )
                    new_note = MentorNote(
                        note.uid,
                        mentor_name,
                        note.body,
                        _ms_precision(note.updated_at),
                        from_ms(stamp),
                        True,
                    )
            seen[mentor_id] = max(created, last or 0)
            self.col.set_meta("feedback_received", seen)
        return FeedbackReport(mentor_name, added, updated, unchanged, withdrawn, new_note)

    def comments_for_entry(self, uid: str) -> list[Comment]:
        """Mentors' comments on one of this profile's entries, oldest first."""
        return self._received("WHERE target_kind = 'entry' AND target_uid = ?", (uid,))

    def comments_for_goal(self, goal_id: int | str) -> list[Comment]:
        """Mentors' comments on one of this profile's goals (its number or g-<id>)."""
        return self._received(
            "WHERE target_kind = 'goal' AND target_uid = ?", (_goal_ref(goal_id),)
        )

    def received_comments(self, *, unread_only: bool = False) -> list[Comment]:
        """Every comment received from mentors, oldest first (only unread ones if asked)."""
        return self._received("WHERE read_at IS NULL" if unread_only else "")

    def mark_read(self, uids: str | Iterable[str], *, now: datetime | None = None) -> int:
        """Mark received comments and notes (by uid: c-... or n-...) read; returns how many
        were unread."""
        items = [uids] if isinstance(uids, str) else builtins.list(uids)
        if not items:
            return 0
        stamp = to_ms(now or utcnow())
        changed = 0
        with self.col.db.transaction() as conn:
            for table, column in (("feedbackcomment", "comment_uid"), ("feedbacknote", "note_uid")):
                for chunk in range(0, len(items), 500):
                    part = items[chunk : chunk + 500]
                    marks = ",".join("?" * len(part))
                    changed += conn.execute(
                        f"UPDATE {table} SET read_at = ? WHERE read_at IS NULL "
                        f"AND {column} IN ({marks})",
                        (stamp, *part),
                    ).rowcount
        return changed

    def unread_count(self) -> int:
        """Comments received and not read yet (the note's own flag is `latest_note().unread`)."""
        return int(
            self._conn.execute(
                "SELECT count(*) FROM feedbackcomment WHERE read_at IS NULL"
            ).fetchone()[0]
        )

    def latest_note(self) -> MentorNote | None:
        """The newest overall note from a mentor (for the dashboard), or None."""
        notes = self.notes()
        return notes[0] if notes else None

    def notes(self) -> list[MentorNote]:
        """Every note received, newest first."""
        return [
            MentorNote(r[0], r[1], r[2], _shown(r[3]), _shown(r[4]), r[5] is None)
            for r in self._conn.execute(
                "SELECT note_uid, mentor_name, body, created_at, received_at, read_at "
                "FROM feedbacknote ORDER BY created_at DESC, received_at DESC, id DESC"
            )
        ]

    # ------------------------------------------------------------------ mentor: mentees
    def add_bundle(self, path: str | Path, *, now: datetime | None = None) -> AddReport:
        """Store a mentee's bundle, or update the copy of the same mentee (same pairing id)
        from a newer one: entries upserted by uid (a changed entry is unread again), entries
        no longer shared removed, the mentor's comments kept. An older bundle is refused."""
        now = now or utcnow()
        source = Path(path)
        doc = _read_document(source, BUNDLE_FORMAT)
        bundle = _check_bundle(source, doc, now)
        pairing, name = bundle.mentee.pairing_id, bundle.mentee.name
        created = to_ms(bundle.created_at)
        if pairing == self.col.meta("pairing_id"):
            raise BundleError(
                source, "this is this profile's own bundle: give it to your mentor; nothing changed"
            )
        row = self._conn.execute(
            "SELECT id, bundle_created_at, display_name FROM mentee WHERE pairing_id = ?",
            (pairing,),
        ).fetchone()
        held_created = _stored_ms(row[1], now) if row is not None else None
        # A stored time that cannot be valid (from the future, not a number) locks nobody out:
        # the genuine bundle replaces it.
        if held_created is not None and created < held_created:
            raise BundleError(
                source,
                f"this bundle of {name} (written {_when(created)}) is "
                f"older than the one you have ({_when(held_created)}); nothing changed",
            )
        stamp = to_ms(now)
        summary_json = json.dumps(
            bundle.summary.model_dump(mode="json"), ensure_ascii=False, sort_keys=True
        )
        goals_json = json.dumps(
            [g.model_dump(mode="json") for g in bundle.goals], ensure_ascii=False, sort_keys=True
        )
        added = updated = unchanged = removed = 0
        with self.col.db.transaction() as conn:
            if row is None:
                cur = conn.execute(
                    "INSERT INTO mentee (pairing_id, display_name, bundle_created_at, "
                    "summary_json, goals_json, added_at, updated_at, note) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, '')",
                    (pairing, name, created, summary_json, goals_json, stamp, stamp),
                )
                mentee_id = int(cur.lastrowid or 0)
            else:
                mentee_id = int(row[0])
                conn.execute(
                    "UPDATE mentee SET display_name = ?, bundle_created_at = ?, "
                    "summary_json = ?, goals_json = ?, updated_at = ? WHERE id = ?",
                    (name, created, summary_json, goals_json, stamp, mentee_id),
                )
            held = {
                r[0]: r[1:]
                for r in conn.execute(
                    "SELECT uid, day, title, body, tags, prompt, goal_ids FROM menteeentry "
                    "WHERE mentee_id = ?",
                    (mentee_id,),
                )
            }
            for entry in bundle.entries:
                values = (
                    entry.day.isoformat(),
                    entry.title,
                    entry.body,
                    " ".join(t for t in entry.tags if t),
                    entry.prompt,
                    " ".join(entry.goals),
                )
                old = held.get(entry.uid)
                if old is None:
                    conn.execute(
                        "INSERT INTO menteeentry (mentee_id, uid, day, title, body, tags, "
                        "prompt, goal_ids, received_at, changed_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (mentee_id, entry.uid, *values, stamp, stamp),
                    )
                    added += 1
                elif tuple(old) != values:
                    conn.execute(
                        "UPDATE menteeentry SET day = ?, title = ?, body = ?, tags = ?, "
                        "prompt = ?, goal_ids = ?, changed_at = ?, read_at = NULL "
                        "WHERE mentee_id = ? AND uid = ?",
                        (*values, stamp, mentee_id, entry.uid),
                    )
                    updated += 1
                else:
                    unchanged += 1
            still_shared = set(bundle.shared_entry_uids)
            for uid in held:
                if uid not in still_shared:
                    conn.execute(
                        "DELETE FROM menteeentry WHERE mentee_id = ? AND uid = ?", (mentee_id, uid)
                    )
                    removed += 1
        return AddReport(self.mentee(mentee_id), row is None, added, updated, unchanged, removed)

    def mentees(self) -> list[MenteeSummary]:
        """Every mentee this profile holds a bundle of, by name."""
        return [
            self._summary(r)
            for r in self._conn.execute(
                f"SELECT {_MENTEE_COLUMNS} FROM mentee ORDER BY display_name COLLATE NOCASE, id"
            )
        ]

    def mentee(self, ref: MenteeSummary | int | str) -> MenteeSummary:
        """A mentee by number, pairing id, or name (case-insensitive; a unique start will do)."""
        if isinstance(ref, MenteeSummary):
            ref = ref.id
        text = str(ref).strip()
        if not text:
            raise MasteryError("which mentee? give their name (see `mastery mentor list`)")
        rows = self._conn.execute(f"SELECT {_MENTEE_COLUMNS} FROM mentee ORDER BY id").fetchall()
        found = [r for r in rows if r[0] == ref_number(text)]
        if not found and not isinstance(ref, int):
            wanted = text.casefold()
            found = [r for r in rows if r[1] == text]
            found = found or [r for r in rows if str(r[2] or "").casefold() == wanted]
            found = found or [r for r in rows if str(r[2] or "").casefold().startswith(wanted)]
        if not found:
            raise NotFoundError(f"no mentee {text!r}; see `mastery mentor list`")
        if len(found) > 1:
            names = "; ".join(f"{r[0]} {r[2]}" for r in found[:5])
            raise MasteryError(f"{text!r} matches {len(found)} mentees ({names}): use the number")
        return self._summary(found[0])

    def remove_mentee(self, ref: MenteeSummary | int | str) -> MenteeSummary:
        """Forget a mentee: their copy, their entries and your comments on them, in one
        transaction. Works whatever the stored copy holds, so an invalid one can be cleared."""
        info = self.mentee(ref)
        with self.col.db.transaction() as conn:
            conn.execute("DELETE FROM mentorcomment WHERE mentee_id = ?", (info.id,))
            conn.execute("DELETE FROM menteeentry WHERE mentee_id = ?", (info.id,))
            conn.execute("DELETE FROM mentee WHERE id = ?", (info.id,))
        return info

    def mentee_entries(
        self,
        mentee: MenteeSummary | int | str,
        tag: str | Sequence[str] | None = None,
        goal: str | int | None = None,
        when: str | tuple[date | None, date | None] | None = None,
        now: datetime | None = None,
    ) -> list[SharedEntry]:
        """A mentee's shared entries, newest first, with the mentor's comments and an unread
        flag. Filters as in the journal: `tag` (all required), `goal` (g-<id>, its number or
        the start of its title), `when` (a range phrase or a (start, end) pair)."""
        info = self.mentee(mentee)
        clauses: builtins.list[str] = ["mentee_id = ?"]
        params: builtins.list[int | str] = [info.id]
        if when is not None:
            if isinstance(when, str):
                start, end = parse_range(when, self.col.clock.day_of(now or utcnow()))
            else:
                start, end = when
            if start is not None:
                clauses.append("day >= ?")
                params.append(start.isoformat())
            if end is not None:
                clauses.append("day <= ?")
                params.append(end.isoformat())
        goals = self._goal_titles(info.id)
        wanted_goal = self._goal_filter(goals, goal) if goal is not None else None
        wanted_tags = _tags(tag)
        comments = self._comments_by_target(info.id)
        out = []
        for row in self._conn.execute(
            f"SELECT {_ENTRY_COLUMNS} FROM menteeentry WHERE {' AND '.join(clauses)} "
            "ORDER BY day DESC, received_at DESC, id DESC",
            params,
        ):
            try:
                entry = _shared_entry(row, goals, comments)
            except (TypeError, ValueError, AttributeError):
                continue  # a row written by hand that cannot be valid: listed as skipped
            if wanted_tags and not wanted_tags <= {t.casefold() for t in entry.tags}:
                continue
            if wanted_goal is not None and wanted_goal not in entry.goal_ids:
                continue
            out.append(entry)
        return out

    def mentee_entry(self, mentee: MenteeSummary | int | str, uid: str) -> SharedEntry:
        """One shared entry (by uid, or an unambiguous start of it), without marking it read."""
        info = self.mentee(mentee)
        return self._entry(info.id, self._entry_uid(info.id, uid))

    def open_entry(
        self, mentee: MenteeSummary | int | str, uid: str, *, now: datetime | None = None
    ) -> SharedEntry:
        """Open a shared entry: mark it read and return it."""
        info = self.mentee(mentee)
        full = self._entry_uid(info.id, uid)
        with self.col.db.transaction() as conn:
            conn.execute(
                "UPDATE menteeentry SET read_at = ? WHERE mentee_id = ? AND uid = ? "
                "AND read_at IS NULL",
                (to_ms(now or utcnow()), info.id, full),
            )
        return self._entry(info.id, full)

    def mark_entries_read(
        self,
        mentee: MenteeSummary | int | str,
        uids: Iterable[str] | None = None,
        *,
        now: datetime | None = None,
    ) -> int:
        """Mark a mentee's entries read (all of them when `uids` is None); returns how many
        were unread."""
        info = self.mentee(mentee)
        stamp = to_ms(now or utcnow())
        with self.col.db.transaction() as conn:
            if uids is None:
                return conn.execute(
                    "UPDATE menteeentry SET read_at = ? WHERE mentee_id = ? AND read_at IS NULL",
                    (stamp, info.id),
                ).rowcount
            full = {self._entry_uid(info.id, uid) for uid in uids}
            return sum(
                conn.execute(
                    "UPDATE menteeentry SET read_at = ? WHERE mentee_id = ? AND uid = ? "
                    "AND read_at IS NULL",
                    (stamp, info.id, uid),
                ).rowcount
                for uid in sorted(full)
            )

    def mentee_goals(self, mentee: MenteeSummary | int | str) -> list[SharedGoal]:
        """A mentee's shared goals as of their newest bundle, with the mentor's comments."""
        info = self.mentee(mentee)
        comments = self._comments_by_target(info.id)
        return [
            _shared_goal(g, comments.get(("goal", g.id), ())) for g in self._goals_json(info.id)
        ]

    def mentee_comments(self, mentee: MenteeSummary | int | str) -> list[Comment]:
        """Every comment the mentor has written for a mentee, oldest first, including those on
        entries the mentee no longer shares (kept, but not sent in replies)."""
        info = self.mentee(mentee)
        return [
            _written(r)
            for r in self._conn.execute(
                f"SELECT {_WRITTEN_COLUMNS} FROM mentorcomment WHERE mentee_id = ? "
                "AND deleted_at IS NULL ORDER BY created_at, id",
                (info.id,),
            )
        ]

    def resolve_target(self, mentee: MenteeSummary | int | str, ref: str) -> tuple[str, str]:
        """(kind, id) of what a comment is about: g-<id> is a goal; otherwise an entry uid
        (or an unambiguous start of it, `e-` optional)."""
        info = self.mentee(mentee)
        text = ref.strip()
        if _GOAL_ID.fullmatch(text):
            if text not in {g.id for g in self._goals_json(info.id)}:
                raise NotFoundError(
                    f"{info.name} shares no goal {text}; see `mastery mentor show {info.name}`"
                )
            return "goal", text
        return "entry", self._entry_uid(info.id, text)

    def comment(
        self,
        mentee: MenteeSummary | int | str,
        target_kind: str,
        target_id: str,
        body: str,
        now: datetime | None = None,
    ) -> Comment:
        """Write a comment on one of the mentee's shared entries or goals."""
        now = now or utcnow()
        info = self.mentee(mentee)
        if target_kind not in TARGET_KINDS:
            raise MasteryError(f"a comment is on an entry or a goal, not {target_kind!r}")
        if target_kind == "goal":
            target_id = _goal_ref(target_id)
            if target_id not in {g.id for g in self._goals_json(info.id)}:
                raise NotFoundError(f"{info.name} shares no goal {target_id}")
        else:
            target_id = self._entry_uid(info.id, target_id)
        text = _clean_body(body)
        stamp = to_ms(now)
        with self.col.db.transaction() as conn:
            uid = self._new_uid("c", "mentorcomment", "comment_uid")
            conn.execute(
                "INSERT INTO mentorcomment (comment_uid, mentee_id, target_kind, target_uid, "
                "body, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (uid, info.id, target_kind, target_id, text, stamp, stamp),
            )
        return self._written_comment(uid)

    def edit_comment(self, comment_uid: str, body: str, now: datetime | None = None) -> Comment:
        """Change the text of a comment the mentor wrote."""
        current = self._written_comment(comment_uid)
        text = _clean_body(body)
        if text != current.body:
            with self.col.db.transaction() as conn:
                conn.execute(
                    "UPDATE mentorcomment SET body = ?, updated_at = ? WHERE comment_uid = ?",
                    (text, to_ms(now or utcnow()), current.uid),
                )
        return self._written_comment(current.uid)

    def delete_comment(self, comment_uid: str, now: datetime | None = None) -> Comment:
        """Delete a comment; the next reply withdraws it from the mentee's profile too.
        Returns what was deleted."""
        current = self._written_comment(comment_uid)
        with self.col.db.transaction() as conn:
            # The row stays, emptied, as a tombstone so the next reply can withdraw it.
            conn.execute(
                "UPDATE mentorcomment SET body = '', deleted_at = ? WHERE comment_uid = ?",
                (to_ms(now or utcnow()), current.uid),
            )
        return current

    def set_note(
        self, mentee: MenteeSummary | int | str, body: str, now: datetime | None = None
    ) -> MenteeSummary:
        """Write the overall note for a mentee ("" clears it); a changed note reaches them as a
        new one in the next reply."""
        info = self.mentee(mentee)
        text = "\n".join(line.rstrip() for line in (body or "").strip().splitlines())
        if text == info.note:
            return info
        stamp = to_ms(now or utcnow())
        with self.col.db.transaction() as conn:
            uid = self._new_uid("n", "mentee", "note_uid") if text else None
            conn.execute(
                "UPDATE mentee SET note = ?, note_uid = ?, note_updated_at = ? WHERE id = ?",
                (text, uid, stamp if text else None, info.id),
            )
        return self.mentee(info.id)

    # ------------------------------------------------------------------ mentor: replies
    def preview_reply(
        self,
        mentee: MenteeSummary | int | str,
        *,
        name: str | None = None,
        now: datetime | None = None,
    ) -> FeedbackPreview:
        """The feedback file `reply` would write: the mentor's comments on what the mentee
        shares now, the comments deleted since (withdrawn), and the note."""
        now = _ms_precision(now or utcnow())
        info = self.mentee(mentee)
        chosen = _clean_name(name) if name is not None else self.display_name()
        if not chosen:
            raise MasteryError(
                "choose the name your mentee will see (--name NAME); it is remembered"
            )
        entries = {
            r[0]
            for r in self._conn.execute(
                "SELECT uid FROM menteeentry WHERE mentee_id = ?", (info.id,)
            )
        }
        goals = {g.id for g in self._goals_json(info.id)}
        held = {"entry": entries, "goal": goals}
        comments, withdrawn = [], []
        for row in self._conn.execute(
            f"SELECT {_WRITTEN_COLUMNS}, deleted_at FROM mentorcomment WHERE mentee_id = ? "
            "ORDER BY created_at, id",
            (info.id,),
        ):
            if row[-1] is not None:
                withdrawn.append(row[0])
            elif row[2] in held[row[1]]:
                comments.append(_written(row[:-1]))
        row = self._conn.execute(
            "SELECT bundle_created_at, note_uid, note_updated_at FROM mentee WHERE id = ?",
            (info.id,),
        ).fetchone()
        note = None
        if info.note and row[1]:
            note = {"uid": row[1], "body": info.note, "updated_at": _iso(_shown(row[2]))}
        document = {
            "format": FEEDBACK_FORMAT,
            "version": FORMAT_VERSION,
            "created_at": _iso(now),
            "app": _app(),
            "mentor": {"pairing_id": self.pairing_id(), "name": chosen},
            "mentee": {"pairing_id": info.pairing_id, "name": info.name},
            "bundle_created_at": _iso(info.bundle_created),
            "comments": [
                {
                    "uid": c.uid,
                    "target_kind": c.target_kind,
                    "target_id": c.target_id,
                    "body": c.body,
                    "created_at": _iso(c.created),
                    "updated_at": _iso(c.updated),
                }
                for c in comments
            ],
            "withdrawn": withdrawn,
            "note": note,
        }
        _check_own(document, now)
        text, checksum = _seal(document)
        return FeedbackPreview(
            info,
            chosen,
            now,
            tuple(comments),
            tuple(withdrawn),
            note["body"] if note else None,
            text,
            checksum,
        )

    def write_reply(self, path: str | Path, preview: FeedbackPreview) -> Path:
        """Write a previewed feedback file exactly as previewed and remember the name."""
        target = Path(path)
        write_atomic(target, preview.text)
        if preview.mentor_name != self.display_name():
            self.set_display_name(preview.mentor_name)
        return target

    def reply(
        self,
        mentee: MenteeSummary | int | str,
        path: str | Path,
        *,
        name: str | None = None,
        now: datetime | None = None,
    ) -> FeedbackPreview:
        """Write the feedback file for a mentee (see `preview_reply`); returns what it holds."""
        preview = self.preview_reply(mentee, name=name, now=now)
        self.write_reply(path, preview)
        return preview

    # ------------------------------------------------------------------ internals
    def _decks(self, keys: Iterable[str]) -> builtins.list[tuple[int, str, str]]:
        if isinstance(keys, str):
            keys = [keys]
        out: builtins.list[tuple[int, str, str]] = []
        for key in keys:
            row = self._conn.execute(
                "SELECT id, key, name FROM deck WHERE key = ?", (key.strip(),)
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no deck {key!r}; see `mastery decks`")
            if row not in out:
                out.append(row)
        return out

    def _target_exists(self, kind: str, target: str) -> bool:
        param: str | int
        if kind == "entry":
            sql, param = "SELECT 1 FROM journalentry WHERE uid = ?", target
        else:
            sql, param = "SELECT 1 FROM goal WHERE id = ?", int(target[2:])
        return self._conn.execute(sql, (param,)).fetchone() is not None

    def _received(self, where: str, params: Sequence[Any] = ()) -> builtins.list[Comment]:
        return [
            Comment(
                uid=r[0],
                target_kind=r[1],
                target_id=r[2],
                body=r[3],
                created=_shown(r[4]),
                updated=_shown(r[5]),
                mentor_name=r[6],
                received=_shown(r[7]),
                unread=r[8] is None,
            )
            for r in self._conn.execute(
                "SELECT comment_uid, target_kind, target_uid, body, created_at, updated_at, "
                f"mentor_name, received_at, read_at FROM feedbackcomment {where} "
                "ORDER BY created_at, id",
                params,
            )
        ]

    def _summary(self, r: Sequence[Any]) -> MenteeSummary:
        """A mentee row as a summary. Stored values that cannot be valid (put there by hand or
        by an older Mastery that checked less) never raise: the summary says what is wrong in
        `problem`, so lists still show, and `remove_mentee` can clear it."""
        mentee_id = r[0]
        entries, unread, newest = self._conn.execute(
            "SELECT count(*), coalesce(sum(read_at IS NULL), 0), max(day) FROM menteeentry "
            "WHERE mentee_id = ?",
            (mentee_id,),
        ).fetchone()
        comments = self._conn.execute(
            "SELECT count(*) FROM mentorcomment WHERE mentee_id = ? AND deleted_at IS NULL",
            (mentee_id,),
        ).fetchone()[0]
        problems = []
        created_ms = _stored_ms(r[3])
        if created_ms is None:
            problems.append(f"stored bundle time {str(r[3])[:40]!r} is not a valid moment")
        created = from_ms(created_ms) if created_ms is not None else _EARLIEST
        try:
            summary = LearningSummary.from_model(stored_summary(r[4]))
        except FormatProblem as exc:
            problems.append(str(exc))
            summary = LearningSummary(0, 0, 0, None)
        try:
            goals = len(stored_goals(r[5]))
        except FormatProblem as exc:
            problems.append(str(exc))
            goals = 0
        try:
            last_activity = date.fromisoformat(newest) if newest else self.col.clock.day_of(created)
        except (TypeError, ValueError):
            problems.append(f"a stored entry day {str(newest)[:20]!r} is not a date")
            last_activity = self.col.clock.day_of(created)
        return MenteeSummary(
            id=mentee_id,
            pairing_id=str(r[1]),
            name=str(r[2] or ""),
            bundle_created=created,
            last_activity=last_activity,
            entries=entries,
            unread=unread,
            goals=goals,
            comments=comments,
            note=str(r[6] or ""),
            note_updated=_shown(r[7]) if r[7] is not None else None,
            summary=summary,
            problem="; ".join(problems) or None,
        )

    def _goals_json(self, mentee_id: int) -> builtins.list[BundleGoal]:
        """The mentee's shared goals as stored; none when the stored value is invalid (the
        mentee's summary says so)."""
        row = self._conn.execute(
            "SELECT goals_json FROM mentee WHERE id = ?", (mentee_id,)
        ).fetchone()
        if row is None:
            return []
        try:
            return stored_goals(row[0])
        except FormatProblem:
            return []

    def _goal_titles(self, mentee_id: int) -> dict[str, str]:
        return {g.id: g.title for g in self._goals_json(mentee_id)}

    def _goal_filter(self, goals: dict[str, str], ref: str | int) -> str:
        text = str(ref).strip()
        if text.isdigit():
            text = f"g-{text}"
        if text in goals:
            return text
        wanted = text.casefold()
        exact = [g for g, title in goals.items() if title.casefold() == wanted]
        found = exact or [g for g, title in goals.items() if title.casefold().startswith(wanted)]
        if not found:
            raise NotFoundError(f"no shared goal {text!r} for this mentee")
        if len(found) > 1:
            names = "; ".join(f"{g} {goals[g]}" for g in found[:5])
            raise MasteryError(f"{text!r} matches {len(found)} goals ({names}): use the g- id")
        return found[0]

    def _comments_by_target(self, mentee_id: int) -> dict[tuple[str, str], tuple[Comment, ...]]:
        grouped: dict[tuple[str, str], builtins.list[Comment]] = {}
        for r in self._conn.execute(
            f"SELECT {_WRITTEN_COLUMNS} FROM mentorcomment WHERE mentee_id = ? "
            "AND deleted_at IS NULL ORDER BY created_at, id",
            (mentee_id,),
        ):
            grouped.setdefault((r[1], r[2]), []).append(_written(r))
        return {k: tuple(v) for k, v in grouped.items()}

    def _entry_uid(self, mentee_id: int, ref: str) -> str:
        text = str(ref).strip()
        uids = [
            r[0]
            for r in self._conn.execute(
                "SELECT uid FROM menteeentry WHERE mentee_id = ? ORDER BY uid", (mentee_id,)
            )
        ]
        if text in uids:
            return text
        starts = (text,) if text.startswith("e-") else (text, "e-" + text)
        found = [u for u in uids if text and u.startswith(starts)]
        if not found:
            raise NotFoundError(
                f"no shared entry {text!r} for this mentee; see `mastery mentor show NAME`"
            )
        if len(found) > 1:
            raise MasteryError(
                f"{text!r} matches {len(found)} entries "
                f"({', '.join(found[:5])}); give more of the id"
            )
        return found[0]

    def _entry(self, mentee_id: int, uid: str) -> SharedEntry:
        row = self._conn.execute(
            f"SELECT {_ENTRY_COLUMNS} FROM menteeentry WHERE mentee_id = ? AND uid = ?",
            (mentee_id, uid),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no shared entry {uid!r} for this mentee")
        try:
            return _shared_entry(
                row, self._goal_titles(mentee_id), self._comments_by_target(mentee_id)
            )
        except (TypeError, ValueError, AttributeError):
            raise MasteryError(
                f"the stored entry {uid!r} is invalid; a newer bundle of this mentee replaces it"
            ) from None

    def _written_comment(self, uid: str) -> Comment:
        row = self._conn.execute(
            f"SELECT {_WRITTEN_COLUMNS} FROM mentorcomment WHERE comment_uid = ? "
            "AND deleted_at IS NULL",
            (str(uid).strip(),),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no comment {uid!r}")
        return _written(row)

    def _new_uid(self, prefix: str, table: str, column: str) -> str:
        while True:
            uid = f"{prefix}-{_random(10)}"
            if not self._conn.execute(
                f"SELECT 1 FROM {table} WHERE {column} = ?", (uid,)
            ).fetchone():
                return uid


_MENTEE_COLUMNS = (
    "id, pairing_id, display_name, bundle_created_at, summary_json, goals_json, note, "
    "note_updated_at"
)
_ENTRY_COLUMNS = "uid, day, title, body, tags, prompt, goal_ids, read_at, received_at, changed_at"
_WRITTEN_COLUMNS = "comment_uid, target_kind, target_uid, body, created_at, updated_at"


def _written(r: Sequence[Any]) -> Comment:
    return Comment(
        uid=r[0],
        target_kind=r[1],
        target_id=r[2],
        body=r[3],
        created=_shown(r[4]),
        updated=_shown(r[5]),
    )


def _shared_entry(
    r: Sequence[Any], goals: dict[str, str], comments: dict[tuple[str, str], tuple[Comment, ...]]
) -> SharedEntry:
    goal_ids = tuple(r[6].split())
    return SharedEntry(
        uid=r[0],
        day=date.fromisoformat(r[1]),
        title=r[2],
        body=r[3],
        tags=tuple(r[4].split()),
        prompt=r[5],
        goal_ids=goal_ids,
        goals=tuple(goals.get(g, g) for g in goal_ids),
        unread=r[7] is None,
        received=_shown(r[8]),
        changed=_shown(r[9]),
        comments=comments.get(("entry", r[0]), ()),
    )


def _shared_goal(g: BundleGoal, comments: tuple[Comment, ...]) -> SharedGoal:
    return SharedGoal(
        id=g.id,
        title=g.title,
        vision=g.vision,
        reality=g.reality,
        category=g.category,
        status=g.status,
        target=g.target,
        progress=float(g.progress),
        milestones=tuple(
            MilestoneView(m.position, m.title, m.done, m.done_on) for m in g.milestones
        ),
        confidence_trend=tuple(g.confidence_trend),
        comments=comments,
    )


# ----------------------------------------------------------------------------- writing files
def _entry_out(entry: EntryView, shared_goals: set[int]) -> dict[str, Any]:
    """An entry as a bundle carries it; links to private goals are left out."""
    return {
        "uid": entry.uid,
        "day": entry.day.isoformat(),
        "title": entry.title,
        "body": entry.body,
        "tags": list(entry.tags),
        "prompt": entry.prompt,
        "goals": [f"g-{gid}" for gid in entry.goal_ids if gid in shared_goals],
    }


def _goal_out(goal: GoalDetail) -> dict[str, Any]:
    """A shared goal as a bundle carries it (no cadence, check-in notes or linked decks)."""
    return {
        "id": f"g-{goal.id}",
        "title": goal.title,
        "vision": goal.vision,
        "reality": goal.reality,
        "category": goal.category,
        "status": goal.status,
        "target": goal.target.isoformat() if goal.target else None,
        "progress": round(goal.progress, 4),
        "milestones": [
            {
                "position": m.position,
                "title": m.title,
                "done": m.done,
                "done_on": m.done_on.isoformat() if m.done_on else None,
            }
            for m in goal.milestones
        ],
        "confidence_trend": [[d.isoformat(), c] for d, c in goal.confidence_trend],
    }


def canonical_json(document: dict[str, Any]) -> bytes:
    """The bytes a checksum is taken over: sorted keys, no insignificant whitespace, UTF-8,
    and the `checksum` field left out."""
    content = {k: v for k, v in document.items() if k != "checksum"}
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def checksum_of(document: dict[str, Any]) -> str:
    """`sha256:<hex>` over `canonical_json(document)`."""
    return "sha256:" + hashlib.sha256(canonical_json(document)).hexdigest()


def _check_own(document: dict[str, Any], now: datetime) -> None:
    """Check a file this profile is about to write with the reader's own model, so what we
    write is never refused on arrival (e.g. a journal entry dated before 2000)."""
    bundle = document["format"] == BUNDLE_FORMAT
    try:
        (parse_bundle if bundle else parse_feedback)(document, now)
    except FormatProblem as exc:
        what = "bundle" if bundle else "feedback"
        raise MasteryError(
            f"this {what} would be refused when read ({exc}): fix that value and try again"
        ) from None


def _seal(document: dict[str, Any]) -> tuple[str, str]:
    """The file text (readable JSON, the checksum last) and the checksum."""
    checksum = checksum_of(document)
    text = (
        json.dumps(
            {**document, "checksum": checksum}, indent=2, ensure_ascii=False, allow_nan=False
        )
        + "\n"
    )
    return text, checksum


# ----------------------------------------------------------------------------- reading files
MAX_FILE_BYTES = 64 * 1024 * 1024  # far above a real bundle; a crafted one stops here


def _read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of a regular file, at most `limit` of them.

    Opened without blocking (a FIFO named x.json must not hang us) and checked to be a
    regular file before reading. Local until the shared limits helper (mastery.limits) lands.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise BundleError(path, "not a regular file; nothing imported")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise BundleError(path, f"larger than {limit // (1024 * 1024)} MB; nothing imported")
    return data


def _read_document(path: Path, expected: str) -> dict[str, Any]:
    """A mentor file's JSON object, after the format, version and checksum checks."""
    try:
        raw = _read_bounded(path, MAX_FILE_BYTES)
    except OSError as exc:
        raise BundleError(path, f"cannot read it ({exc.strerror or exc})") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BundleError(path, "not a Mastery mentor file (not UTF-8 text)") from None
    try:
        # Bounded: depth, 64-bit integers, no NaN/Infinity (json.loads would take them all).
        doc = loads_json(text, source=path, max_int_digits=100)  # the models name the field
    except InputError as exc:
        reason = f"{exc.field}: {exc.reason}" if exc.field else exc.reason
        raise BundleError(
            path, f"{reason}: cut short or not a Mastery mentor file; nothing imported"
        ) from None
    what = {BUNDLE_FORMAT: "bundle", FEEDBACK_FORMAT: "feedback"}
    if not isinstance(doc, dict) or "format" not in doc:
        raise BundleError(path, f"not a Mastery mentor {what[expected]} (no format field)")
    if doc["format"] != expected:
        if doc["format"] == BUNDLE_FORMAT:
            hint = (
                "this is a mentee's bundle, not feedback: a mentor adds it with "
                "`mastery mentor add`"
            )
        elif doc["format"] == FEEDBACK_FORMAT:
            hint = (
                "this is a mentor's feedback, not a bundle: the mentee imports it with "
                "`mastery mentor feedback`"
            )
        else:
            hint = f"not a Mastery mentor {what[expected]} (format {str(doc['format'])[:40]!r})"
        raise BundleError(path, f"{hint}; nothing imported")
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise BundleError(path, f"the {what[expected]} has no valid format version")
    if version > FORMAT_VERSION:
        raise BundleError(
            path,
            f"written by a newer Mastery ({what[expected]} format version {version}; "
            f"this one reads up to {FORMAT_VERSION}): please upgrade Mastery",
        )
    checksum = doc.get("checksum")
    if not isinstance(checksum, str) or not _CHECKSUM.fullmatch(checksum):
        raise BundleError(path, "no valid checksum (sha256:...); nothing imported")
    try:
        expected_sum = checksum_of(doc)
    except ValueError:  # NaN or Infinity, which JSON does not allow
        raise BundleError(path, "holds a number JSON does not allow; nothing imported") from None
    if checksum != expected_sum:
        raise BundleError(
            path,
            "checksum does not match the content: the file was changed or damaged "
            "after it was written; nothing imported",
        )
    return doc


def _check_bundle(path: Path, doc: dict[str, Any], now: datetime) -> Bundle:
    try:
        return parse_bundle(doc, now)
    except FormatProblem as exc:
        raise BundleError(path, f"{exc}; nothing changed") from None


def _check_feedback(path: Path, doc: dict[str, Any], now: datetime) -> Feedback:
    try:
        return parse_feedback(doc, now)
    except FormatProblem as exc:
        raise BundleError(path, f"{exc}; nothing imported") from None


# ----------------------------------------------------------------------------- small helpers
def _random(length: int) -> str:
    """Lower-case base32 characters from the OS's random source."""
    raw = base64.b32encode(secrets.token_bytes(length)).decode("ascii").lower()
    return raw[:length]


def _clean_name(name: str) -> str:
    clean = " ".join((name or "").split())
    if not clean:
        raise MasteryError("a display name cannot be empty")
    if len(clean) > NAME_LENGTH:
        raise MasteryError(f"a display name has at most {NAME_LENGTH} characters")
    return clean


def _clean_body(body: str) -> str:
    text = "\n".join(line.rstrip() for line in (body or "").strip().splitlines())
    if not text:
        raise MasteryError("a comment cannot be empty")
    return text


def _goal_ref(goal: int | str) -> str:
    text = str(goal).strip()
    if (number := ref_number(text)) is not None:
        text = f"g-{number}"
    if not _GOAL_ID.fullmatch(text):
        raise MasteryError(f"a goal is given by its number or as g-<number>, not {goal!r}")
    return text


def _tags(tag: str | Sequence[str] | None) -> set[str]:
    if tag is None:
        return set()
    items = [tag] if isinstance(tag, str) else tag
    return {t.strip().lstrip("#").casefold() for t in items if t.strip()}


def _since(since: date | str | None, today: date) -> date | None:
    if since is None or isinstance(since, date):
        return since
    return parse_date(since, today) if since.strip() else None


_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def _stored_ms(value: Any, now: datetime | None = None) -> int | None:
    """A stored moment (ms) when it can be valid: an integer from 2000 on and, given `now`, not
    beyond the clock skew; else None. Rows written by hand must not crash a later command."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    latest = now + CLOCK_SKEW if now is not None else _LATEST
    if not to_ms(_EARLIEST) <= value <= to_ms(latest):
        return None
    return value


def _shown(value: Any) -> datetime:
    """A stored moment for display; one that cannot be valid shows as 2000-01-01."""
    ms = _stored_ms(value)
    return from_ms(ms) if ms is not None else _EARLIEST


def _received_times(value: Any) -> dict[str, int]:
    """The meta value `feedback_received` (mentor pairing id -> ms), keeping valid items only."""
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and _stored_ms(v) is not None}


def _ms_precision(moment: datetime) -> datetime:
    """The moment as files carry it: UTC, whole milliseconds (so it reads back equal)."""
    return from_ms(to_ms(moment))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _when(ms: int) -> str:
    return from_ms(ms).strftime("%Y-%m-%d %H:%M UTC")


def _app() -> str:
    from mastery import __version__

    return f"mastery {__version__}"
