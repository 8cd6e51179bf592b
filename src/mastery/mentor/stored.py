"""What both sides of mentoring keep in the profile: the pairing id and display name (meta
values), stored moments, and the mentor tables' rows read into plain data.

Rows are read by column name. A stored value that cannot be valid (put there by hand, or by
an older Mastery that checked less) must never crash a later command: moments outside 2000 ..
now + `CLOCK_SKEW` read as None (`stored_ms`) or show as 2000-01-01 (`shown`).
"""

from __future__ import annotations

import base64
import re
import secrets
import sqlite3
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from mastery.days import from_ms, to_ms
from mastery.errors import ConflictError, MasteryError
from mastery.goals import MilestoneView
from mastery.limits import ref_number
from mastery.mentor.formats import CLOCK_SKEW, NAME_LENGTH, BundleGoal
from mastery.mentor.views import Comment, MentorNote, SharedEntry, SharedGoal

if TYPE_CHECKING:
    from mastery.collection import Collection

GOAL_ID = re.compile(r"g-([1-9][0-9]{0,17}|[0-9a-f]{16})")  # a goal's uid (formats._GOAL_ID)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


class Pairing:
    """One profile as an end of mentoring pairs: its random pairing id and the display name the
    other side sees. Both sides (`MenteeSide`, `MentorSide`) build on it."""

    def __init__(self, col: Collection) -> None:
        self.col = col

    @property
    def _conn(self) -> sqlite3.Connection:
        return self.col.conn

    def now(self) -> datetime:
        """The profile's clock: what every method uses when it is not given `now`."""
        return self.col.now()

    def pairing_id(self, *, keep: bool = True) -> str:
        """This profile's pairing id: random, made on first use and kept for good. A preview
        passes `keep=False` (looking writes nothing): the id is kept when the file carrying it
        is written (`keep_pairing_id`)."""
        found = self.col.meta("pairing_id")
        if isinstance(found, str) and found:
            return found
        pairing = "p-" + random_id(26)  # 130 random bits
        if not keep:
            return pairing
        # meta_once: twenty first uses at once still agree on one identity.
        return str(self.col.meta_once("pairing_id", pairing))

    def keep_pairing_id(self, pairing_id: str, name: str) -> None:
        """Keep the pairing id and display name a file about to be written carries, in one
        transaction. `ConflictError` when another writer gave this profile its id meanwhile."""
        with self.col.db.transaction():
            kept = self.col.meta_once("pairing_id", pairing_id)
            if kept != pairing_id:  # another file written on this new profile won the race
                raise ConflictError(
                    "another file written just now gave this profile its pairing id; "
                    "nothing written: try again"
                )
            if name != self.display_name():
                self.set_display_name(name)

    def display_name(self) -> str | None:
        """The name mentors (and mentees) see for this profile, once chosen."""
        found = self.col.meta("display_name")
        return found if isinstance(found, str) and found else None

    def set_display_name(self, name: str) -> str:
        """Choose the name mentors and mentees see (remembered in the profile)."""
        clean = clean_name(name)
        self.col.set_meta("display_name", clean)
        return clean


# ----------------------------------------------------------------------------- small helpers
def random_id(length: int) -> str:
    """Lower-case base32 characters from the OS's random source."""
    raw = base64.b32encode(secrets.token_bytes(length)).decode("ascii").lower()
    return raw[:length]


def clean_name(name: str) -> str:
    """A display name on one line, or `MasteryError` when empty or too long."""
    clean = " ".join((name or "").split())
    if not clean:
        raise MasteryError("a display name cannot be empty")
    if len(clean) > NAME_LENGTH:
        raise MasteryError(f"a display name has at most {NAME_LENGTH} characters")
    return clean


def goal_ref(goal: int | str) -> str:
    """A goal as files name it (its uid, g-...), from that form or a number (g-<number>: how
    goals made before schema 9 are named; a mentee's own goals are looked up by number in
    `MenteeSide.comments_for_goal`)."""
    text = str(goal).strip()
    if (number := ref_number(text)) is not None:
        text = f"g-{number}"
    if not GOAL_ID.fullmatch(text):
        raise MasteryError(f"a goal is given by its number or its g- id, not {goal!r}")
    return text


def stored_ms(value: Any, now: datetime | None = None) -> int | None:
    """A stored moment (ms) when it can be valid: an integer from 2000 on and, given `now`, not
    beyond the clock skew; else None. Rows written by hand must not crash a later command."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    latest = now + CLOCK_SKEW if now is not None else LATEST
    if not to_ms(EARLIEST) <= value <= to_ms(latest):
        return None
    return value


def shown(value: Any) -> datetime:
    """A stored moment for display; one that cannot be valid shows as 2000-01-01."""
    ms = stored_ms(value)
    return from_ms(ms) if ms is not None else EARLIEST


def when(ms: int) -> str:
    """A stored moment in a refusal message."""
    return from_ms(ms).strftime("%Y-%m-%d %H:%M UTC")


# ----------------------------------------------------------------------------- rows
RECEIVED_COLUMNS = (
    "comment_uid, target_kind, target_uid, body, created_at, updated_at, mentor_name, "
    "received_at, read_at"
)
"""A `feedbackcomment` row (mentee side) as `received_comment` reads it."""

NOTE_COLUMNS = "note_uid, mentor_name, body, created_at, received_at, read_at"
"""A `feedbacknote` row (mentee side) as `received_note` reads it."""

WRITTEN_COLUMNS = "comment_uid, target_kind, target_uid, body, created_at, updated_at"
"""A `mentorcomment` row (mentor side) as `written_comment` reads it."""

ENTRY_COLUMNS = "uid, day, title, body, tags, prompt, goal_ids, read_at, received_at, changed_at"
"""A `menteeentry` row (mentor side) as `shared_entry` reads it."""

MENTEE_COLUMNS = (
    "id, pairing_id, display_name, bundle_created_at, summary_json, goals_json, note, "
    "note_updated_at"
)
"""A `mentee` row (mentor side) as `MentorSide` summarises it."""


def received_comment(row: sqlite3.Row) -> Comment:
    """A mentor's comment as this (mentee) profile received it."""
    return Comment(
        uid=row["comment_uid"],
        target_kind=row["target_kind"],
        target_id=row["target_uid"],
        body=row["body"],
        created=shown(row["created_at"]),
        updated=shown(row["updated_at"]),
        mentor_name=row["mentor_name"],
        received=shown(row["received_at"]),
        unread=row["read_at"] is None,
    )


def received_note(row: sqlite3.Row) -> MentorNote:
    """A mentor's overall note as this (mentee) profile received it."""
    return MentorNote(
        uid=row["note_uid"],
        mentor_name=row["mentor_name"],
        body=row["body"],
        created=shown(row["created_at"]),
        received=shown(row["received_at"]),
        unread=row["read_at"] is None,
    )


def written_comment(row: sqlite3.Row) -> Comment:
    """A comment this (mentor) profile wrote."""
    return Comment(
        uid=row["comment_uid"],
        target_kind=row["target_kind"],
        target_id=row["target_uid"],
        body=row["body"],
        created=shown(row["created_at"]),
        updated=shown(row["updated_at"]),
    )


def shared_entry(
    row: sqlite3.Row,
    goals: dict[str, str],
    comments: dict[tuple[str, str], tuple[Comment, ...]],
) -> SharedEntry:
    """A mentee's shared entry from the mentor's copy, with `goals` (g-<id> -> title) and the
    mentor's `comments` by target. Raises TypeError/ValueError/AttributeError on a row that
    cannot be valid; callers skip or report it."""
    goal_ids = tuple(row["goal_ids"].split())
    return SharedEntry(
        uid=row["uid"],
        day=date.fromisoformat(row["day"]),
        title=row["title"],
        body=row["body"],
        tags=tuple(row["tags"].split()),
        prompt=row["prompt"],
        goal_ids=goal_ids,
        goals=tuple(goals.get(g, g) for g in goal_ids),
        unread=row["read_at"] is None,
        received=shown(row["received_at"]),
        changed=shown(row["changed_at"]),
        comments=comments.get(("entry", row["uid"]), ()),
    )


def shared_goal(goal: BundleGoal, comments: Sequence[Comment]) -> SharedGoal:
    """A mentee's shared goal as their newest bundle carried it, with the mentor's comments."""
    return SharedGoal(
        id=goal.id,
        title=goal.title,
        vision=goal.vision,
        reality=goal.reality,
        category=goal.category,
        status=goal.status,
        target=goal.target,
        progress=float(goal.progress),
        milestones=tuple(
            MilestoneView(m.position, m.title, m.done, m.done_on) for m in goal.milestones
        ),
        confidence_trend=tuple(goal.confidence_trend),
        comments=tuple(comments),
    )
