"""The mentee's side of mentoring: share entries and goals, receive feedback, close the loop.

* `preview_bundle` shows exactly what a bundle holds (the journal entries and goals marked
  shared, and a learning summary), writing nothing; `write_bundle` writes that preview and
  keeps the pairing id and display name it carries; `export_bundle` does both.
* `import_feedback` takes a mentor's feedback file: their comments land under this profile's
  entries and goals (unread until read), their note becomes the newest one (`latest_note`).
* `comments_for_entry` / `comments_for_goal` show the feedback next to the entries and goals.

Private entries, private goals and card text never go into a bundle; an entry's links to
private goals are left out too. The file format itself lives in `formats.py`.
"""

from __future__ import annotations

import builtins
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from mastery.dates import parse_date
from mastery.days import from_ms, to_ms
from mastery.errors import BundleError, MasteryError, NotFoundError
from mastery.limits import ref_number
from mastery.mentor import formats
from mastery.mentor.formats import FEEDBACK_FORMAT
from mastery.mentor.peers import Peers
from mastery.mentor.stored import (
    NOTE_COLUMNS,
    RECEIVED_COLUMNS,
    clean_name,
    goal_ref,
    received_comment,
    received_note,
)
from mastery.mentor.views import (
    BundlePreview,
    Comment,
    DeckMaturity,
    FeedbackReport,
    LearningSummary,
    MentorNote,
)
from mastery.states import MATURE_DAYS, CardState, Rating, scheduled

SUMMARY_DAYS = 30  # reviews and retention are counted over this many learner's days


class MenteeSide(Peers):
    """Bundles out and feedback in, for one profile."""

    # ------------------------------------------------------------------ bundles
    def learning_summary(
        self, decks: Iterable[str] = (), now: datetime | None = None
    ) -> LearningSummary:
        """Streaks, reviews and retention over the last 30 days, and for each deck key in
        `decks` its cards, studied and mature counts (no card text)."""
        now = now or self.now()
        clock = self.col.clock
        today = clock.day_of(now)
        start = to_ms(clock.day_start(today - timedelta(days=SUMMARY_DAYS - 1)))
        end = to_ms(clock.day_start(today + timedelta(days=1)))
        answers = self._conn.execute(
            "SELECT count(*) AS reviews, coalesce(sum(state_before = ?), 0) AS in_review, "
            "coalesce(sum(state_before = ? AND rating != ?), 0) AS recalled FROM reviewlog "
            f"WHERE {scheduled()} AND reviewed_at >= ? AND reviewed_at < ?",
            (CardState.REVIEW, CardState.REVIEW, Rating.AGAIN, start, end),
        ).fetchone()
        maturity = []
        for deck_id, key, name in self._decks(decks):
            counts = self._conn.execute(
                "SELECT count(*) AS cards, coalesce(sum(state != ?), 0) AS studied, "
                "coalesce(sum(state = ? AND stability >= ?), 0) AS mature FROM card "
                "WHERE deck_id = ? AND in_deck = 1",
                (CardState.NEW, CardState.REVIEW, MATURE_DAYS, deck_id),
            ).fetchone()
            maturity.append(
                DeckMaturity(key, name, counts["cards"], counts["studied"], counts["mature"])
            )
        in_review = answers["in_review"]
        return LearningSummary(
            review_streak=self.col.review_streak(now=now),
            journal_streak=self.col.journal.streak(now=now),
            reviews_30d=answers["reviews"],
            retention_30d=round(answers["recalled"] / in_review, 4) if in_review else None,
            decks=tuple(maturity),
        )

    def preview_bundle(
        self,
        *,
        since: date | str | None = None,
        name: str | None = None,
        decks: Iterable[str] = (),
        mentor: str | None = None,
        now: datetime | None = None,
    ) -> BundlePreview:
        """The bundle `export_bundle` would write with the same arguments: the shared entries
        (from `since`, a date or phrase, when given), the shared goals, the learning summary
        with `decks`' maturity, and the exact text sealed for the paired mentor (`mentor`, by
        name; the only one when not given). Without any paired mentor the preview has no
        sealed file and cannot be written.

        `name` is the display name for this bundle (else the remembered one; a first bundle
        needs one). Nothing is written, not even the pairing id on first use (the export keeps
        the one its file carries) but, as on any read of a goal, today's progress point of each
        shared goal.
        """
        now = formats.ms_precision(now or self.now())
        today = self.col.clock.day_of(now)
        chosen = clean_name(name) if name is not None else self.display_name()
        if not chosen:
            raise MasteryError(
                "choose the name your mentor will see (--name NAME); it is remembered"
            )
        since_day = _since(since, today)
        paired = any(p.role == "mentor" for p in self._peers())
        peer = self.mentor_peer(mentor) if (mentor is not None or paired) else None
        sequence = self.next_sequence(peer, now) if peer else max(1, to_ms(now))
        shared_goal_ids = [
            row["id"]
            for row in self._conn.execute(
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
            row["uid"]
            for row in self._conn.execute(
                "SELECT uid FROM journalentry WHERE visibility = 'shared'"
            )
        )
        summary = self.learning_summary(decks, now)
        pairing_id = self.pairing_id(keep=False)  # a preview keeps nothing
        document = formats.bundle_document(
            sequence=sequence,
            created=now,
            pairing_id=pairing_id,
            name=chosen,
            since=since_day,
            entries=entries,
            shared_entry_uids=shared_uids,
            goals=goals,
            summary=summary.to_dict(),
        )
        text = formats.checked_text(document, now)
        return BundlePreview(
            name=chosen,
            pairing_id=pairing_id,
            created=now,
            since=since_day,
            entries=entries,
            goals=goals,
            summary=summary,
            text=text,
            mentor=peer.name if peer else None,
            sequence=sequence,
            sealed=formats.seal_text(self.identity, text, peer.identity) if peer else None,
            mentor_key=peer.signing_key if peer else None,
        )

    def write_bundle(self, path: str | Path, preview: BundlePreview) -> Path:
        """Write a previewed bundle exactly as previewed (temp file, fsync, rename), keeping
        the pairing id it carries, its display name and its sequence number in one
        transaction first (a file written twice from one preview is refused)."""
        if preview.sealed is None or preview.mentor_key is None:
            raise MasteryError(
                "pair with your mentor first: `mastery mentor invite --as mentee --to FILE`, "
                "send it, and pair with the invitation they send back (`mastery mentor pair`)"
            )
        peer = self._find(preview.mentor_key, "mentor")
        if peer is None:
            raise MasteryError(f"{preview.mentor} was unpaired meanwhile; nothing written")
        with self.col.db.transaction():
            self.keep_pairing_id(preview.pairing_id, preview.name)
            self.sent(peer, preview.sequence)
            # Inside the transaction: a file that cannot be written keeps no number.
            return formats.write_file(path, preview.sealed)

    def export_bundle(
        self,
        path: str | Path,
        *,
        since: date | str | None = None,
        name: str | None = None,
        decks: Iterable[str] = (),
        mentor: str | None = None,
        now: datetime | None = None,
    ) -> BundlePreview:
        """Write the bundle `preview_bundle` describes to `path`; returns that preview."""
        preview = self.preview_bundle(since=since, name=name, decks=decks, mentor=mentor, now=now)
        self.write_bundle(path, preview)
        return preview

    # ------------------------------------------------------------------ feedback
    def import_feedback(self, path: str | Path, *, now: datetime | None = None) -> FeedbackReport:
        """Import a mentor's feedback file: their comments land under this profile's entries
        and goals (unread), their note becomes the newest one. Importing the same file again
        changes nothing; comments the mentor deleted are withdrawn. All or nothing."""
        now = now or self.now()
        source = Path(path)
        signer, doc = formats.open_file(source, self.identity, FEEDBACK_FORMAT)
        peer = self.sender(signer, "mentor", source)  # before a field of it is trusted
        feedback = formats.parse_opened_feedback(source, doc, now)
        self.check_sequence(peer, feedback.sequence, source)
        # The pairing id names this mentor's comments here; the first sealed file links it.
        mentor_id = peer.pairing_id or feedback.mentor.pairing_id
        if peer.pairing_id is None and self.linked_to_other(peer, mentor_id):
            raise BundleError(
                source, "this feedback names another mentor's comments as its own; nothing imported"
            )
        mentor_name = feedback.mentor.name
        for item in feedback.comments:
            if not self._target_exists(item.target_kind, item.target_id):
                raise BundleError(
                    source,
                    f"comment {item.uid} points at {item.target_kind} "
                    f"{item.target_id}, which this profile does not have; nothing imported",
                )
        existing = {
            row["comment_uid"]: row
            for row in self._conn.execute(
                "SELECT comment_uid, mentor_id, body, updated_at, target_kind, target_uid "
                "FROM feedbackcomment"
            )
        }
        for item in feedback.comments:
            owner = existing.get(item.uid)
            if owner is not None and owner["mentor_id"] != mentor_id:
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
                elif (old["body"], old["target_kind"], old["target_uid"]) != (
                    item.body,
                    item.target_kind,
                    item.target_id,
                ):
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
                        formats.ms_precision(note.updated_at),
                        from_ms(stamp),
                        True,
                    )
            self.applied(peer, feedback.sequence, mentor_id, source)
        return FeedbackReport(mentor_name, added, updated, unchanged, withdrawn, new_note)

    def comments_for_entry(self, uid: str) -> list[Comment]:
        """Mentors' comments on one of this profile's entries, oldest first."""
        return self._received("WHERE target_kind = 'entry' AND target_uid = ?", (uid,))

    def comments_for_goal(self, goal_id: int | str) -> list[Comment]:
        """Mentors' comments on one of this profile's goals (its number or its uid, g-...)."""
        text = str(goal_id).strip()
        row = (
            self._conn.execute("SELECT uid FROM goal WHERE id = ?", (number,)).fetchone()
            if (number := ref_number(text)) is not None
            else None
        )
        uid = row["uid"] if row is not None else goal_ref(text)
        return self._received("WHERE target_kind = 'goal' AND target_uid = ?", (uid,))

    def received_comments(self, *, unread_only: bool = False) -> list[Comment]:
        """Every comment received from mentors, oldest first (only unread ones if asked)."""
        return self._received("WHERE read_at IS NULL" if unread_only else "")

    def mark_read(self, uids: str | Iterable[str], *, now: datetime | None = None) -> int:
        """Mark received comments and notes (by uid: c-... or n-...) read; returns how many
        were unread."""
        items = [uids] if isinstance(uids, str) else builtins.list(uids)
        if not items:
            return 0
        stamp = to_ms(now or self.now())
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
        row = self._conn.execute(
            "SELECT count(*) AS unread FROM feedbackcomment WHERE read_at IS NULL"
        ).fetchone()
        return int(row["unread"])

    def latest_note(self) -> MentorNote | None:
        """The newest overall note from a mentor (for the dashboard), or None."""
        notes = self.notes()
        return notes[0] if notes else None

    def notes(self) -> list[MentorNote]:
        """Every note received, newest first."""
        return [
            received_note(row)
            for row in self._conn.execute(
                f"SELECT {NOTE_COLUMNS} FROM feedbacknote "
                "ORDER BY created_at DESC, received_at DESC, id DESC"
            )
        ]

    # ------------------------------------------------------------------ internals
    def _decks(self, keys: Iterable[str]) -> builtins.list[tuple[int, str, str]]:
        """(id, key, name) of each deck key, once each, in the order given."""
        if isinstance(keys, str):
            keys = [keys]
        out: builtins.list[tuple[int, str, str]] = []
        for key in keys:
            row = self._conn.execute(
                "SELECT id, key, name FROM deck WHERE key = ?", (key.strip(),)
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no deck {key!r}; see `mastery decks`")
            deck = (row["id"], row["key"], row["name"])
            if deck not in out:
                out.append(deck)
        return out

    def _target_exists(self, kind: str, target: str) -> bool:
        param: str | int
        if kind == "entry":
            sql, param = "SELECT 1 FROM journalentry WHERE uid = ?", target
        else:
            sql, param = "SELECT 1 FROM goal WHERE uid = ?", target
        return self._conn.execute(sql, (param,)).fetchone() is not None

    def _received(self, where: str, params: Sequence[Any] = ()) -> builtins.list[Comment]:
        return [
            received_comment(row)
            for row in self._conn.execute(
                f"SELECT {RECEIVED_COLUMNS} FROM feedbackcomment {where} ORDER BY created_at, id",
                params,
            )
        ]


def _since(since: date | str | None, today: date) -> date | None:
    if since is None or isinstance(since, date):
        return since
    return parse_date(since, today) if since.strip() else None


# ---------------------------------------------------------------------- rows as synced
# Another device of the same person received feedback; the personal channel
# (sync/personal.py) checks its rows and stores them whole through these, so the feedback
# tables keep one writer. The columns besides the uid, in the channel's models' order.
FEEDBACK_COMMENT_FIELDS = (
    "mentor_id",
    "mentor_name",
    "target_kind",
    "target_uid",
    "body",
    "created_at",
    "updated_at",
    "received_at",
    "read_at",
)
FEEDBACK_NOTE_FIELDS = (
    "mentor_id",
    "mentor_name",
    "body",
    "created_at",
    "received_at",
    "read_at",
)


def store_feedback_comment(conn: sqlite3.Connection, uid: str, row: Mapping[str, Any]) -> None:
    """A received comment as another device of this person holds it (new or changed)."""
    conn.execute(
        "INSERT INTO feedbackcomment (comment_uid, mentor_id, mentor_name, target_kind, "
        "target_uid, body, created_at, updated_at, received_at, read_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(comment_uid) DO UPDATE SET "
        "mentor_id = excluded.mentor_id, mentor_name = excluded.mentor_name, "
        "target_kind = excluded.target_kind, target_uid = excluded.target_uid, "
        "body = excluded.body, created_at = excluded.created_at, "
        "updated_at = excluded.updated_at, received_at = excluded.received_at, "
        "read_at = excluded.read_at",
        (uid, *(row[f] for f in FEEDBACK_COMMENT_FIELDS)),
    )


def remove_feedback_comment(conn: sqlite3.Connection, uid: str) -> None:
    """A comment withdrawn on another device of this person."""
    conn.execute("DELETE FROM feedbackcomment WHERE comment_uid = ?", (uid,))


def store_feedback_note(conn: sqlite3.Connection, uid: str, row: Mapping[str, Any]) -> None:
    """A received overall note as another device of this person holds it."""
    conn.execute(
        "INSERT INTO feedbacknote (note_uid, mentor_id, mentor_name, body, created_at, "
        "received_at, read_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(note_uid) DO UPDATE "
        "SET mentor_id = excluded.mentor_id, mentor_name = excluded.mentor_name, "
        "body = excluded.body, created_at = excluded.created_at, "
        "received_at = excluded.received_at, read_at = excluded.read_at",
        (uid, *(row[f] for f in FEEDBACK_NOTE_FIELDS)),
    )


def remove_feedback_note(conn: sqlite3.Connection, uid: str) -> None:
    """A note gone on another device of this person."""
    conn.execute("DELETE FROM feedbacknote WHERE note_uid = ?", (uid,))
