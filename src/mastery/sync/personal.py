"""The personal channel: the mentor and team state that is the person's, not a device's
(items.py; the reasons are in docs/sync.md, "Mentor and team state").

The person's, and synced (the latest change wins per thing):
- feedback received from mentors: each comment and note, and whether it was read;
- a mentor's mentees: their copy (name, summary, shared goals, the mentor's overall note),
  each shared entry and whether the mentor read it, and every comment the mentor wrote;
- the teams joined: name, location and the stewards and privacy terms accepted.

Once read stays read: two devices that read the same comment or entry keep the earlier
moment, whichever change wins; a comment or entry whose text changed is news again (unread),
as when a newer file brings it.

The device's, never synced: the identity (keys, pairing id, paired people and the sequence
numbers of files written and read: two devices sealing files as one person would reuse
sequence numbers, which the other side refuses as replays), the team pseudonym secret,
whether this device contributes to a team (`sync`, `auto`: two contributing devices would
count one person twice) and its partial sums, and every mentor or team file.
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError

from mastery.mentor import mentee, mentoring
from mastery.settings_store import read_meta, write_meta
from mastery.sync.events import Day, Moment, PersonalEvent
from mastery.sync.items import ItemChannel, Local
from mastery.team.config import same_store
from mastery.team.peers import end_membership

_Ms = Moment  # a moment a date can show: a later one made the mentor's screens unreadable
_Text = Annotated[str, Field(max_length=2_000_000)]
_Short = Annotated[str, Field(max_length=1000)]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _FeedbackComment(_Row):
    mentor_id: _Short
    mentor_name: _Short
    target_kind: _Short
    target_uid: _Short
    body: _Text
    created_at: _Ms
    updated_at: _Ms
    received_at: _Ms
    read_at: _Ms | None = None


class _FeedbackNote(_Row):
    mentor_id: _Short
    mentor_name: _Short
    body: _Text
    created_at: _Ms
    received_at: _Ms
    read_at: _Ms | None = None


class _Mentee(_Row):
    display_name: _Short
    bundle_created_at: _Ms
    summary_json: _Text
    goals_json: _Text
    added_at: _Ms
    updated_at: _Ms
    note: _Text = ""
    note_uid: _Short | None = None
    note_updated_at: _Ms | None = None


class _MenteeEntry(_Row):
    day: Day
    title: _Text
    body: _Text
    tags: _Text = ""
    prompt: _Short | None = None
    goal_ids: _Text = ""
    received_at: _Ms
    changed_at: _Ms
    read_at: _Ms | None = None


class _MentorComment(_Row):
    target_kind: _Short
    target_uid: _Short
    body: _Text
    created_at: _Ms
    updated_at: _Ms
    deleted_at: _Ms | None = None


class _Team(_Row):
    name: _Short
    folder: _Text
    store_url: _Text | None = None
    terms: dict[str, JsonValue] | None = None


def _checked(model: type[_Row], value: JsonValue) -> dict[str, Any] | None:
    """A received row, typed; None when it is not one this version can store (it waits)."""
    try:
        return model.model_validate(value).model_dump()
    except ValidationError:
        return None


def _take(held: JsonValue, incoming: JsonValue, wins: bool) -> JsonValue:
    return incoming if wins else held


def _read_once(held: JsonValue, incoming: JsonValue, wins: bool) -> JsonValue:
    """The winner's value, but the same text read on either device stays read, from the
    earlier moment."""
    base = incoming if wins else held
    if not isinstance(held, dict) or not isinstance(incoming, dict):
        return base
    if {k: v for k, v in held.items() if k != "read_at"} != {
        k: v for k, v in incoming.items() if k != "read_at"
    }:
        return base
    reads = [r for r in (held.get("read_at"), incoming.get("read_at")) if isinstance(r, int)]
    assert isinstance(base, dict)
    return {**base, "read_at": min(reads) if reads else None}


def _rows(conn: sqlite3.Connection, sql: str, key: str, fields: Sequence[str]) -> dict[str, Local]:
    return {str(r[key]): Local({f: r[f] for f in fields}) for r in conn.execute(sql).fetchall()}


class _Table(ABC):
    """A table whose rows are things of one kind, keyed by a uid column: read here, stored
    and removed by the mentor side that owns the table (one writer per table)."""

    what: str
    table: str
    uid: str
    model: type[_Row]
    deletable = True
    merge = staticmethod(_take)

    def current(self, conn: sqlite3.Connection, shared: dict[str, Any]) -> dict[str, Local]:
        fields = list(self.model.model_fields)
        return _rows(
            conn, f"SELECT {self.uid}, {', '.join(fields)} FROM {self.table}", self.uid, fields
        )

    def decks(
        self, conn: sqlite3.Connection, key: str, before: JsonValue, after: JsonValue
    ) -> set[int] | None:
        return set()

    def checked(self, value: JsonValue) -> dict[str, Any] | None:
        """A received value as the row `store` takes; None when this version cannot store
        it (it waits)."""
        return _checked(self.model, value)

    @abstractmethod
    def store(self, conn: sqlite3.Connection, key: str, row: dict[str, Any]) -> bool:
        """Store a checked row; False when it must wait (what it names is not here)."""

    @abstractmethod
    def remove(self, conn: sqlite3.Connection, key: str) -> None:
        """The row gone on another device."""

    def write(
        self,
        conn: sqlite3.Connection,
        key: str,
        value: JsonValue,
        record: Local | None,
        at_ms: int,
    ) -> Local | None:
        if value is None:
            self.remove(conn, key)
            return Local(None)
        row = self.checked(value)
        if row is None or not self.store(conn, key, row):
            return None
        return Local(row)


class _FeedbackComments(_Table):
    what, table, uid, model = "feedback_comment", "feedbackcomment", "comment_uid", _FeedbackComment
    merge = staticmethod(_read_once)

    def store(self, conn: sqlite3.Connection, key: str, row: dict[str, Any]) -> bool:
        mentee.store_feedback_comment(conn, key, row)
        return True

    def remove(self, conn: sqlite3.Connection, key: str) -> None:
        mentee.remove_feedback_comment(conn, key)


class _FeedbackNotes(_Table):
    what, table, uid, model = "feedback_note", "feedbacknote", "note_uid", _FeedbackNote
    merge = staticmethod(_read_once)

    def store(self, conn: sqlite3.Connection, key: str, row: dict[str, Any]) -> bool:
        mentee.store_feedback_note(conn, key, row)
        return True

    def remove(self, conn: sqlite3.Connection, key: str) -> None:
        mentee.remove_feedback_note(conn, key)


class _Mentees(_Table):
    what, table, uid, model = "mentee", "mentee", "pairing_id", _Mentee

    def store(self, conn: sqlite3.Connection, key: str, row: dict[str, Any]) -> bool:
        mentoring.store_mentee(conn, key, row)
        return True

    def remove(self, conn: sqlite3.Connection, key: str) -> None:
        mentoring.forget_mentee(conn, key)  # their entries and the comments on them go too


class _MenteeEntries(_Table):
    """A mentee's entry, keyed by the mentee's pairing id and the entry's uid; waits for its
    mentee."""

    what, table, uid, model = "mentee_entry", "menteeentry", "uid", _MenteeEntry
    merge = staticmethod(_read_once)

    def current(self, conn: sqlite3.Connection, shared: dict[str, Any]) -> dict[str, Local]:
        fields = list(self.model.model_fields)
        cols = ", ".join(f"e.{f}" for f in fields)
        return {
            f"{r['pairing_id']}/{r['uid']}": Local({f: r[f] for f in fields})
            for r in conn.execute(
                f"SELECT m.pairing_id, e.uid, {cols} FROM menteeentry e "
                "JOIN mentee m ON m.id = e.mentee_id"
            ).fetchall()
        }

    def store(self, conn: sqlite3.Connection, key: str, row: dict[str, Any]) -> bool:
        pairing, _, uid = key.partition("/")
        # Its mentee comes in another chunk (or never: a newer version's key).
        return bool(uid) and mentoring.store_mentee_entry(conn, pairing, uid, row)

    def remove(self, conn: sqlite3.Connection, key: str) -> None:
        pairing, _, uid = key.partition("/")
        mentoring.remove_mentee_entry(conn, pairing, uid)


class _MentorComments(_Table):
    """A mentor's comment, keyed by its uid; its value names its mentee (`mentee`, a pairing
    id), and it waits for them."""

    what, table, uid, model = "mentor_comment", "mentorcomment", "comment_uid", _MentorComment

    def current(self, conn: sqlite3.Connection, shared: dict[str, Any]) -> dict[str, Local]:
        fields = list(self.model.model_fields)
        cols = ", ".join(f"c.{f}" for f in fields)
        return {
            r["comment_uid"]: Local({"mentee": r["pairing_id"], **{f: r[f] for f in fields}})
            for r in conn.execute(
                f"SELECT c.comment_uid, m.pairing_id, {cols} FROM mentorcomment c "
                "JOIN mentee m ON m.id = c.mentee_id"
            ).fetchall()
        }

    def checked(self, value: JsonValue) -> dict[str, Any] | None:
        if not isinstance(value, dict) or not isinstance(value.get("mentee"), str):
            return None
        row = _checked(self.model, {k: v for k, v in value.items() if k != "mentee"})
        return None if row is None else {"mentee": str(value["mentee"]), **row}

    def store(self, conn: sqlite3.Connection, key: str, row: dict[str, Any]) -> bool:
        body = {k: v for k, v in row.items() if k != "mentee"}
        return mentoring.store_mentor_comment(conn, key, row["mentee"], body)

    def remove(self, conn: sqlite3.Connection, key: str) -> None:
        mentoring.remove_mentor_comment(conn, key)


_TEAMS = "teams"  # meta: {team id: {...}} (team/service.py)
_TEAM_FIELDS = ("name", "folder", "store_url", "terms")


def _joined(conn: sqlite3.Connection) -> dict[str, Any]:
    try:
        joined = read_meta(conn, _TEAMS)
    except ValueError:
        return {}
    return dict(joined) if isinstance(joined, dict) else {}


def _team_value(info: Any) -> dict[str, JsonValue] | None:
    if not isinstance(info, dict):
        return None
    return {k: info[k] for k in _TEAM_FIELDS if info.get(k) is not None}


class _Teams:
    """The teams joined. A device that has the team keeps its own folder (a shared folder
    sits at another path on each computer); one that has not starts from the sender's."""

    what = "team"
    deletable = True
    merge = staticmethod(_take)

    def current(self, conn: sqlite3.Connection, shared: dict[str, Any]) -> dict[str, Local]:
        held: dict[str, Local] = {}
        for team_id, info in _joined(conn).items():
            value = _team_value(info)
            if value is not None:
                held[team_id] = Local(value)
        return held

    def decks(
        self, conn: sqlite3.Connection, key: str, before: JsonValue, after: JsonValue
    ) -> set[int] | None:
        return set()

    def write(
        self,
        conn: sqlite3.Connection,
        key: str,
        value: JsonValue,
        record: Local | None,
        at_ms: int,
    ) -> Local | None:
        joined = _joined(conn)
        if value is None:
            left = joined.pop(key, None)
            if isinstance(left, dict):
                end_membership(conn, left)
            write_meta(conn, _TEAMS, joined)
            return Local(None)
        row = _checked(_Team, value)
        if row is None:
            return None
        here = joined.get(key)
        entry: dict[str, Any] = dict(here) if isinstance(here, dict) else {"sync": False}
        if isinstance(here, dict) and not same_store(here.get("store_url"), row.get("store_url")):
            # the team moved to another database (or between one and a folder): as a join
            # there would, a steward starts afresh: not the old store's sums, nor its keys
            # (the same database spelled otherwise, another password, say, is no move)
            end_membership(conn, entry)
        for field in _TEAM_FIELDS:
            if field == "folder" and entry.get("folder"):
                continue
            if row.get(field) is None:
                entry.pop(field, None)
            else:
                entry[field] = row[field]
        joined[key] = entry
        write_meta(conn, _TEAMS, joined)
        return Local(_team_value(entry))


def _event(what: str, key: str, stamp: int, value: JsonValue) -> BaseModel:
    return PersonalEvent(what=what, key=key, stamp=stamp, value=value)


def personal_channel() -> ItemChannel:
    """Feedback received, mentees (before their entries and comments), teams joined."""
    return ItemChannel(
        PersonalEvent,
        _event,
        [
            _FeedbackComments(),
            _FeedbackNotes(),
            _Mentees(),
            _MenteeEntries(),
            _MentorComments(),
            _Teams(),
        ],
    )
