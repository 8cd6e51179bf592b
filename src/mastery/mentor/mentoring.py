"""The mentor's side of mentoring: store mentees' bundles, read them, comment, answer.

* `add_bundle` stores a mentee's bundle in this profile, or updates the copy of the same mentee
  (same pairing id) from a newer one: entries by uid; entries no longer shared leave it, the
  mentor's comments stay; an older bundle is refused.
* `mentees`, `mentee`, `mentee_entries`, `mentee_goals` read the stored copies; `open_entry`
  marks an entry read; `remove_mentee` forgets one.
* `comment`, `edit_comment`, `delete_comment` and `set_note` write the mentor's side;
  `preview_reply` shows the feedback file they make, writing nothing, and `write_reply` /
  `reply` write it.

Stored values that cannot be valid (put there by hand, or by an older Mastery that checked
less) never raise where a list is shown: the mentee's summary says what is wrong (`problem`).
"""

from __future__ import annotations

import builtins
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from mastery.dates import parse_range
from mastery.days import from_ms, to_ms
from mastery.errors import BundleError, MasteryError, NotFoundError
from mastery.limits import ref_number
from mastery.mentor import formats
from mastery.mentor.formats import (
    BUNDLE_FORMAT,
    BundleGoal,
    FormatProblem,
    stored_goals,
    stored_summary,
)
from mastery.mentor.peers import Peers
from mastery.mentor.stored import (
    EARLIEST,
    ENTRY_COLUMNS,
    GOAL_ID,
    MENTEE_COLUMNS,
    WRITTEN_COLUMNS,
    clean_name,
    goal_ref,
    random_id,
    shared_entry,
    shared_goal,
    shown,
    stored_ms,
    written_comment,
)
from mastery.mentor.views import (
    AddReport,
    Comment,
    FeedbackPreview,
    LearningSummary,
    MenteeSummary,
    SharedEntry,
    SharedGoal,
)
from mastery.refs import pick_by_title

TARGET_KINDS = ("entry", "goal")
_ENTRY_VALUES = ("day", "title", "body", "tags", "prompt", "goal_ids")
"""The columns of a stored entry a newer bundle may change."""

MenteeRef = MenteeSummary | int | str
"""A mentee by summary, number, pairing id or name (see `MentorSide.mentee`)."""


class MentorSide(Peers):
    """Mentees' bundles in, comments and feedback files out, for one profile."""

    # ------------------------------------------------------------------ mentees
    def add_bundle(self, path: str | Path, *, now: datetime | None = None) -> AddReport:
        """Store a paired mentee's bundle, or update their copy from a newer one: entries
        upserted by uid (a changed entry is unread again), entries no longer shared removed,
        the mentor's comments kept. A bundle not signed by a paired mentee, or not newer (by
        its sequence number) than the last one applied, is refused. The first sealed bundle
        of a mentee links their copy from before files were signed (same pairing id)."""
        now = now or self.now()
        source = Path(path)
        signer, doc = formats.open_file(source, self.identity, BUNDLE_FORMAT)
        peer = self.sender(signer, "mentee", source)  # before a field of it is trusted
        bundle = formats.parse_opened_bundle(source, doc, now)
        self.check_sequence(peer, bundle.sequence, source)
        pairing, name = peer.pairing_id or bundle.mentee.pairing_id, bundle.mentee.name
        created = to_ms(bundle.created_at)
        if pairing == self.col.meta("pairing_id") or (
            peer.pairing_id is None and self.linked_to_other(peer, pairing)
        ):
            raise BundleError(
                source, "this bundle names another mentee's copy as its own; nothing changed"
            )
        row = self._conn.execute(
            "SELECT id, bundle_created_at, display_name FROM mentee WHERE pairing_id = ?",
            (pairing,),
        ).fetchone()
        relinked = row is not None and peer.pairing_id is None
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
                mentee_id = int(row["id"])
                conn.execute(
                    "UPDATE mentee SET display_name = ?, bundle_created_at = ?, "
                    "summary_json = ?, goals_json = ?, updated_at = ? WHERE id = ?",
                    (name, created, summary_json, goals_json, stamp, mentee_id),
                )
            held = {
                old["uid"]: tuple(old[column] for column in _ENTRY_VALUES)
                for old in conn.execute(
                    f"SELECT uid, {', '.join(_ENTRY_VALUES)} FROM menteeentry WHERE mentee_id = ?",
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
                old_values = held.get(entry.uid)
                if old_values is None:
                    conn.execute(
                        "INSERT INTO menteeentry (mentee_id, uid, day, title, body, tags, "
                        "prompt, goal_ids, received_at, changed_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (mentee_id, entry.uid, *values, stamp, stamp),
                    )
                    added += 1
                elif old_values != values:
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
            self.applied(peer, bundle.sequence, pairing, source)
        return AddReport(
            self.mentee(mentee_id), row is None, added, updated, unchanged, removed, relinked
        )

    def mentees(self) -> list[MenteeSummary]:
        """Every mentee this profile holds a bundle of, by name."""
        return [
            self._summary(row)
            for row in self._conn.execute(
                f"SELECT {MENTEE_COLUMNS} FROM mentee ORDER BY display_name COLLATE NOCASE, id"
            )
        ]

    def unread_by_mentee(self) -> list[tuple[str, int]]:
        """(name, unread shared entries) of each mentee with any, by name: the dashboard's
        line for a mentor. One query, so the first screen never waits on summaries."""
        rows = self._conn.execute(
            "SELECT m.display_name AS name, count(*) AS unread FROM menteeentry e "
            "JOIN mentee m ON m.id = e.mentee_id WHERE e.read_at IS NULL "
            "GROUP BY m.id ORDER BY m.display_name COLLATE NOCASE, m.id"
        )
        return [(str(r["name"] or "?"), int(r["unread"])) for r in rows]

    def mentee(self, ref: MenteeRef) -> MenteeSummary:
        """A mentee by number, pairing id, or name (case-insensitive; a unique start will do)."""
        if isinstance(ref, MenteeSummary):
            ref = ref.id
        text = str(ref).strip()
        if not text:
            raise MasteryError("which mentee? give their name (see `mastery mentor list`)")
        rows = self._conn.execute(f"SELECT {MENTEE_COLUMNS} FROM mentee ORDER BY id").fetchall()
        found = [r for r in rows if r["id"] == ref_number(text)]
        if not found and not isinstance(ref, int):
            wanted = text.casefold()
            found = [r for r in rows if r["pairing_id"] == text]
            found = found or [r for r in rows if _name(r).casefold() == wanted]
            found = found or [r for r in rows if _name(r).casefold().startswith(wanted)]
        if not found:
            raise NotFoundError(f"no mentee {text!r}; see `mastery mentor list`")
        if len(found) > 1:
            names = "; ".join(f"{r['id']} {r['display_name']}" for r in found[:5])
            raise MasteryError(f"{text!r} matches {len(found)} mentees ({names}): use the number")
        return self._summary(found[0])

    def remove_mentee(self, ref: MenteeRef) -> MenteeSummary:
        """Forget a mentee: their copy, their entries and your comments on them, in one
        transaction. Works whatever the stored copy holds, so an invalid one can be cleared."""
        info = self.mentee(ref)
        with self.col.db.transaction() as conn:
            _forget(conn, info.id)
        return info

    # ------------------------------------------------------------------ reading a mentee
    def mentee_entries(
        self,
        mentee: MenteeRef,
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
                start, end = parse_range(when, self.col.clock.day_of(now or self.now()))
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
            f"SELECT {ENTRY_COLUMNS} FROM menteeentry WHERE {' AND '.join(clauses)} "
            "ORDER BY day DESC, received_at DESC, id DESC",
            params,
        ):
            try:
                entry = shared_entry(row, goals, comments)
            except (TypeError, ValueError, AttributeError):
                continue  # a row written by hand that cannot be valid: listed as skipped
            if wanted_tags and not wanted_tags <= {t.casefold() for t in entry.tags}:
                continue
            if wanted_goal is not None and wanted_goal not in entry.goal_ids:
                continue
            out.append(entry)
        return out

    def mentee_entry(self, mentee: MenteeRef, uid: str) -> SharedEntry:
        """One shared entry (by uid, or an unambiguous start of it), without marking it read."""
        info = self.mentee(mentee)
        return self._entry(info.id, self._entry_uid(info.id, uid))

    def open_entry(
        self, mentee: MenteeRef, uid: str, *, now: datetime | None = None
    ) -> SharedEntry:
        """Open a shared entry: mark it read and return it."""
        info = self.mentee(mentee)
        full = self._entry_uid(info.id, uid)
        with self.col.db.transaction() as conn:
            conn.execute(
                "UPDATE menteeentry SET read_at = ? WHERE mentee_id = ? AND uid = ? "
                "AND read_at IS NULL",
                (to_ms(now or self.now()), info.id, full),
            )
        return self._entry(info.id, full)

    def mark_entries_read(
        self,
        mentee: MenteeRef,
        uids: Iterable[str] | None = None,
        *,
        now: datetime | None = None,
    ) -> int:
        """Mark a mentee's entries read (all of them when `uids` is None); returns how many
        were unread."""
        info = self.mentee(mentee)
        stamp = to_ms(now or self.now())
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

    def mentee_goals(self, mentee: MenteeRef) -> list[SharedGoal]:
        """A mentee's shared goals as of their newest bundle, with the mentor's comments."""
        info = self.mentee(mentee)
        comments = self._comments_by_target(info.id)
        return [shared_goal(g, comments.get(("goal", g.id), ())) for g in self._goals_json(info.id)]

    # ------------------------------------------------------------------ comments and note
    def mentee_comments(self, mentee: MenteeRef) -> list[Comment]:
        """Every comment the mentor has written for a mentee, oldest first, including those on
        entries the mentee no longer shares (kept, but not sent in replies)."""
        info = self.mentee(mentee)
        return [
            written_comment(row)
            for row in self._conn.execute(
                f"SELECT {WRITTEN_COLUMNS} FROM mentorcomment WHERE mentee_id = ? "
                "AND deleted_at IS NULL ORDER BY created_at, id",
                (info.id,),
            )
        ]

    def resolve_target(self, mentee: MenteeRef, ref: str) -> tuple[str, str]:
        """(kind, id) of what a comment is about: g-<id> is a goal; otherwise an entry uid
        (or an unambiguous start of it, `e-` optional)."""
        info = self.mentee(mentee)
        text = ref.strip()
        if GOAL_ID.fullmatch(text):
            if text not in {g.id for g in self._goals_json(info.id)}:
                raise NotFoundError(
                    f"{info.name} shares no goal {text}; see `mastery mentor show {info.name}`"
                )
            return "goal", text
        return "entry", self._entry_uid(info.id, text)

    def comment(
        self,
        mentee: MenteeRef,
        target_kind: str,
        target_id: str,
        body: str,
        now: datetime | None = None,
    ) -> Comment:
        """Write a comment on one of the mentee's shared entries or goals."""
        now = now or self.now()
        info = self.mentee(mentee)
        if target_kind not in TARGET_KINDS:
            raise MasteryError(f"a comment is on an entry or a goal, not {target_kind!r}")
        if target_kind == "goal":
            target_id = goal_ref(target_id)
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
                    (text, to_ms(now or self.now()), current.uid),
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
                (to_ms(now or self.now()), current.uid),
            )
        return current

    def set_note(self, mentee: MenteeRef, body: str, now: datetime | None = None) -> MenteeSummary:
        """Write the overall note for a mentee ("" clears it); a changed note reaches them as a
        new one in the next reply."""
        info = self.mentee(mentee)
        text = "\n".join(line.rstrip() for line in (body or "").strip().splitlines())
        if text == info.note:
            return info
        stamp = to_ms(now or self.now())
        with self.col.db.transaction() as conn:
            uid = self._new_uid("n", "mentee", "note_uid") if text else None
            conn.execute(
                "UPDATE mentee SET note = ?, note_uid = ?, note_updated_at = ? WHERE id = ?",
                (text, uid, stamp if text else None, info.id),
            )
        return self.mentee(info.id)

    # ------------------------------------------------------------------ replies
    def preview_reply(
        self,
        mentee: MenteeRef,
        *,
        name: str | None = None,
        now: datetime | None = None,
    ) -> FeedbackPreview:
        """The feedback file `reply` would write: the mentor's comments on what the mentee
        shares now, the comments deleted since (withdrawn), and the note. Writes nothing, not
        even this profile's pairing id on first use (`write_reply` keeps the one it carries)."""
        now = formats.ms_precision(now or self.now())
        info = self.mentee(mentee)
        chosen = clean_name(name) if name is not None else self.display_name()
        if not chosen:
            raise MasteryError(
                "choose the name your mentee will see (--name NAME); it is remembered"
            )
        peer = self.mentee_peer(info.pairing_id, info.name)
        sequence = self.next_sequence(peer, now)
        entries = {
            row["uid"]
            for row in self._conn.execute(
                "SELECT uid FROM menteeentry WHERE mentee_id = ?", (info.id,)
            )
        }
        goals = {g.id for g in self._goals_json(info.id)}
        held = {"entry": entries, "goal": goals}
        comments, withdrawn = [], []
        for row in self._conn.execute(
            f"SELECT {WRITTEN_COLUMNS}, deleted_at FROM mentorcomment WHERE mentee_id = ? "
            "ORDER BY created_at, id",
            (info.id,),
        ):
            if row["deleted_at"] is not None:
                withdrawn.append(row["comment_uid"])
            elif row["target_uid"] in held[row["target_kind"]]:
                comments.append(written_comment(row))
        stored_note = self._conn.execute(
            "SELECT note_uid, note_updated_at FROM mentee WHERE id = ?", (info.id,)
        ).fetchone()
        note = None
        if info.note and stored_note["note_uid"]:
            note = (stored_note["note_uid"], info.note, shown(stored_note["note_updated_at"]))
        pairing_id = self.pairing_id(keep=False)  # a preview keeps nothing
        document = formats.feedback_document(
            sequence=sequence,
            created=now,
            mentor=(pairing_id, chosen),
            mentee=(info.pairing_id, info.name),
            bundle_created=info.bundle_created,
            comments=comments,
            withdrawn=withdrawn,
            note=note,
        )
        text = formats.checked_text(document, now)
        return FeedbackPreview(
            info,
            chosen,
            pairing_id,
            now,
            tuple(comments),
            tuple(withdrawn),
            info.note if note else None,
            text,
            sequence,
            formats.seal_text(self.identity, text, peer.identity),
        )

    def write_reply(self, path: str | Path, preview: FeedbackPreview) -> Path:
        """Write a previewed feedback file exactly as previewed, keeping the pairing id it
        carries, the name and its sequence number in one transaction first."""
        peer = self.mentee_peer(preview.mentee.pairing_id, preview.mentee.name)
        with self.col.db.transaction():
            self.keep_pairing_id(preview.pairing_id, preview.mentor_name)
            self.sent(peer, preview.sequence)
            # Inside the transaction: a file that cannot be written keeps no number.
            return formats.write_file(path, preview.sealed)

    def reply(
        self,
        mentee: MenteeRef,
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
    def _summary(self, row: sqlite3.Row) -> MenteeSummary:
        """A mentee row (`MENTEE_COLUMNS`) as a summary. Stored values that cannot be valid
        (put there by hand or by an older Mastery that checked less) never raise: the summary
        says what is wrong in `problem`, so lists still show, and `remove_mentee` can clear
        it."""
        mentee_id = row["id"]
        counts = self._conn.execute(
            "SELECT count(*) AS entries, coalesce(sum(read_at IS NULL), 0) AS unread, "
            "max(day) AS newest FROM menteeentry WHERE mentee_id = ?",
            (mentee_id,),
        ).fetchone()
        comments = self._conn.execute(
            "SELECT count(*) AS comments FROM mentorcomment "
            "WHERE mentee_id = ? AND deleted_at IS NULL",
            (mentee_id,),
        ).fetchone()["comments"]
        problems = []
        created_ms = stored_ms(row["bundle_created_at"])
        if created_ms is None:
            problems.append(
                f"stored bundle time {str(row['bundle_created_at'])[:40]!r} is not a valid moment"
            )
        created = from_ms(created_ms) if created_ms is not None else EARLIEST
        try:
            summary = LearningSummary.from_model(stored_summary(row["summary_json"]))
        except FormatProblem as exc:
            problems.append(str(exc))
            summary = LearningSummary(0, 0, 0, None)
        try:
            goals = len(stored_goals(row["goals_json"]))
        except FormatProblem as exc:
            problems.append(str(exc))
            goals = 0
        newest = counts["newest"]
        try:
            last_activity = date.fromisoformat(newest) if newest else self.col.clock.day_of(created)
        except (TypeError, ValueError):
            problems.append(f"a stored entry day {str(newest)[:20]!r} is not a date")
            last_activity = self.col.clock.day_of(created)
        note_updated = row["note_updated_at"]
        return MenteeSummary(
            id=mentee_id,
            pairing_id=str(row["pairing_id"]),
            name=_name(row),
            bundle_created=created,
            last_activity=last_activity,
            entries=counts["entries"],
            unread=counts["unread"],
            goals=goals,
            comments=comments,
            note=str(row["note"] or ""),
            note_updated=shown(note_updated) if note_updated is not None else None,
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
            return stored_goals(row["goals_json"])
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
        if not text:
            raise MasteryError("which goal? give its g- id or words of its title")
        return pick_by_title(list(goals.items()), text, "shared goal", give="the g- id")

    def _comments_by_target(self, mentee_id: int) -> dict[tuple[str, str], tuple[Comment, ...]]:
        grouped: dict[tuple[str, str], builtins.list[Comment]] = {}
        for row in self._conn.execute(
            f"SELECT {WRITTEN_COLUMNS} FROM mentorcomment WHERE mentee_id = ? "
            "AND deleted_at IS NULL ORDER BY created_at, id",
            (mentee_id,),
        ):
            grouped.setdefault((row["target_kind"], row["target_uid"]), []).append(
                written_comment(row)
            )
        return {k: tuple(v) for k, v in grouped.items()}

    def _entry_uid(self, mentee_id: int, ref: str) -> str:
        text = str(ref).strip()
        uids = [
            row["uid"]
            for row in self._conn.execute(
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
            f"SELECT {ENTRY_COLUMNS} FROM menteeentry WHERE mentee_id = ? AND uid = ?",
            (mentee_id, uid),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no shared entry {uid!r} for this mentee")
        try:
            return shared_entry(
                row, self._goal_titles(mentee_id), self._comments_by_target(mentee_id)
            )
        except (TypeError, ValueError, AttributeError):
            raise MasteryError(
                f"the stored entry {uid!r} is invalid; a newer bundle of this mentee replaces it"
            ) from None

    def _written_comment(self, uid: str) -> Comment:
        row = self._conn.execute(
            f"SELECT {WRITTEN_COLUMNS} FROM mentorcomment WHERE comment_uid = ? "
            "AND deleted_at IS NULL",
            (str(uid).strip(),),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no comment {uid!r}")
        return written_comment(row)

    def _new_uid(self, prefix: str, table: str, column: str) -> str:
        while True:
            uid = f"{prefix}-{random_id(10)}"
            if not self._conn.execute(
                f"SELECT 1 FROM {table} WHERE {column} = ?", (uid,)
            ).fetchone():
                return uid


def _name(row: sqlite3.Row) -> str:
    """A mentee row's display name ("" when none is stored)."""
    return str(row["display_name"] or "")


def _clean_body(body: str) -> str:
    text = "\n".join(line.rstrip() for line in (body or "").strip().splitlines())
    if not text:
        raise MasteryError("a comment cannot be empty")
    return text


def _tags(tag: str | Sequence[str] | None) -> set[str]:
    if tag is None:
        return set()
    items = [tag] if isinstance(tag, str) else tag
    return {t.strip().lstrip("#").casefold() for t in items if t.strip()}


# ---------------------------------------------------------------------- rows as synced
# Another device of the same person stored a mentee's bundle or wrote a comment; the personal
# channel (sync/personal.py) checks its rows and stores them whole through these, so the
# mentor's tables keep one writer. The columns besides the keys, in the channel's models'
# order.
MENTEE_FIELDS = (
    "display_name",
    "bundle_created_at",
    "summary_json",
    "goals_json",
    "added_at",
    "updated_at",
    "note",
    "note_uid",
    "note_updated_at",
)
MENTEE_ENTRY_FIELDS = (
    "day",
    "title",
    "body",
    "tags",
    "prompt",
    "goal_ids",
    "received_at",
    "changed_at",
    "read_at",
)
MENTOR_COMMENT_FIELDS = (
    "target_kind",
    "target_uid",
    "body",
    "created_at",
    "updated_at",
    "deleted_at",
)


def _mentee_id(conn: sqlite3.Connection, pairing: str) -> int | None:
    row = conn.execute("SELECT id FROM mentee WHERE pairing_id = ?", (pairing,)).fetchone()
    return int(row["id"]) if row else None


def _forget(conn: sqlite3.Connection, mentee_id: int) -> None:
    """A mentee, their entries and the mentor's comments on them."""
    conn.execute("DELETE FROM mentorcomment WHERE mentee_id = ?", (mentee_id,))
    conn.execute("DELETE FROM menteeentry WHERE mentee_id = ?", (mentee_id,))
    conn.execute("DELETE FROM mentee WHERE id = ?", (mentee_id,))


def store_mentee(conn: sqlite3.Connection, pairing: str, row: Mapping[str, Any]) -> None:
    """A mentee's copy as another device of this person holds it (new or updated)."""
    conn.execute(
        "INSERT INTO mentee (pairing_id, display_name, bundle_created_at, summary_json, "
        "goals_json, added_at, updated_at, note, note_uid, note_updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(pairing_id) DO UPDATE SET "
        "display_name = excluded.display_name, bundle_created_at = excluded.bundle_created_at, "
        "summary_json = excluded.summary_json, goals_json = excluded.goals_json, "
        "added_at = excluded.added_at, updated_at = excluded.updated_at, "
        "note = excluded.note, note_uid = excluded.note_uid, "
        "note_updated_at = excluded.note_updated_at",
        (pairing, *(row[f] for f in MENTEE_FIELDS)),
    )


def forget_mentee(conn: sqlite3.Connection, pairing: str) -> None:
    """A mentee forgotten on another device of this person: as `remove_mentee` here."""
    mentee_id = _mentee_id(conn, pairing)
    if mentee_id is not None:
        _forget(conn, mentee_id)


def store_mentee_entry(
    conn: sqlite3.Connection, pairing: str, uid: str, row: Mapping[str, Any]
) -> bool:
    """A mentee's entry as another device of this person holds it; False when the mentee is
    not here (yet): it comes in another chunk."""
    mentee_id = _mentee_id(conn, pairing)
    if mentee_id is None:
        return False
    conn.execute(
        "INSERT INTO menteeentry (mentee_id, uid, day, title, body, tags, prompt, goal_ids, "
        "received_at, changed_at, read_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(mentee_id, uid) DO UPDATE SET day = excluded.day, "
        "title = excluded.title, body = excluded.body, tags = excluded.tags, "
        "prompt = excluded.prompt, goal_ids = excluded.goal_ids, "
        "received_at = excluded.received_at, changed_at = excluded.changed_at, "
        "read_at = excluded.read_at",
        (mentee_id, uid, *(row[f] for f in MENTEE_ENTRY_FIELDS)),
    )
    return True


def remove_mentee_entry(conn: sqlite3.Connection, pairing: str, uid: str) -> None:
    """A mentee's entry gone on another device of this person (no longer shared)."""
    mentee_id = _mentee_id(conn, pairing)
    if mentee_id is not None:
        conn.execute("DELETE FROM menteeentry WHERE mentee_id = ? AND uid = ?", (mentee_id, uid))


def store_mentor_comment(
    conn: sqlite3.Connection, uid: str, pairing: str, row: Mapping[str, Any]
) -> bool:
    """A comment the mentor wrote on another device; False when its mentee is not here
    (yet)."""
    mentee_id = _mentee_id(conn, pairing)
    if mentee_id is None:
        return False
    conn.execute(
        "INSERT INTO mentorcomment (comment_uid, mentee_id, target_kind, target_uid, body, "
        "created_at, updated_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(comment_uid) DO UPDATE SET mentee_id = excluded.mentee_id, "
        "target_kind = excluded.target_kind, target_uid = excluded.target_uid, "
        "body = excluded.body, created_at = excluded.created_at, "
        "updated_at = excluded.updated_at, deleted_at = excluded.deleted_at",
        (uid, mentee_id, *(row[f] for f in MENTOR_COMMENT_FIELDS)),
    )
    return True


def remove_mentor_comment(conn: sqlite3.Connection, uid: str) -> None:
    """A comment row gone on another device (its mentee forgotten there)."""
    conn.execute("DELETE FROM mentorcomment WHERE comment_uid = ?", (uid,))
