"""The plain data the mentor code returns to the CLI and the TUI (both sides).

Frozen dataclasses with `to_dict` for `--json`; no storage, no file formats (a summary is made
from the bundle's model with `LearningSummary.from_model`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from mastery.goals import GoalDetail, MilestoneView
from mastery.journal import EntryView
from mastery.mentor.formats import BundleSummary

__all__ = [
    "AddReport",
    "BundlePreview",
    "Comment",
    "DeckMaturity",
    "FeedbackPreview",
    "FeedbackReport",
    "InvitationView",
    "LearningSummary",
    "MenteeSummary",
    "MentorNote",
    "PeerView",
    "SharedEntry",
    "SharedGoal",
]


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
    """What a bundle holds, and `text`: exactly the JSON that is sealed into the file.

    `mentor` is the paired mentor it is sealed to and `sealed` the file's bytes (signed by
    this profile, readable only by that mentor); both None when no mentor is paired yet (a
    preview can still be read, not written). `sequence` is its number for that mentor."""

    name: str
    pairing_id: str
    created: datetime
    since: date | None
    entries: tuple[EntryView, ...]
    goals: tuple[GoalDetail, ...]
    summary: LearningSummary
    text: str
    mentor: str | None = None
    sequence: int = 0
    sealed: bytes | None = None
    mentor_key: str | None = None  # the mentor's signing key: whose counter the write moves

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
            "goals": [g.uid for g in self.goals],
            "entry_count": self.entry_count,
            "goal_count": self.goal_count,
            "summary": self.summary.to_dict(),
            "mentor": self.mentor,
            "sequence": self.sequence,
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
    relinked: bool = False  # a copy from before files were signed now belongs to this key

    def to_dict(self) -> dict[str, Any]:
        return {
            "mentee": self.mentee.to_dict(),
            "new_mentee": self.new_mentee,
            "relinked": self.relinked,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
        }


@dataclass(frozen=True, slots=True)
class FeedbackPreview:
    """What a feedback file holds, and `text`: exactly the JSON sealed into it (`sealed`,
    readable only by the mentee, signed by this profile).

    `pairing_id` is the mentor's (this profile's) pairing id the file carries; writing the file
    keeps it, as a bundle's export does. `sequence` is its number for that mentee."""

    mentee: MenteeSummary
    mentor_name: str
    pairing_id: str
    created: datetime
    comments: tuple[Comment, ...]
    withdrawn: tuple[str, ...]
    note: str | None
    text: str
    sequence: int
    sealed: bytes

    def to_dict(self) -> dict[str, Any]:
        return {
            "mentee": self.mentee.name,
            "mentor_name": self.mentor_name,
            "created": self.created.isoformat(),
            "comments": len(self.comments),
            "withdrawn": len(self.withdrawn),
            "note": self.note,
            "sequence": self.sequence,
        }


@dataclass(frozen=True, slots=True)
class InvitationView:
    """An invitation: who wrote it, as what (`role`: the writer's, mentee or mentor), their
    public identity as one line, its fingerprint, and (for someone else's) the safety number
    of the pair, which both people compare on a call before trusting it."""

    name: str
    role: str
    identity: str  # the `mastery-id1:...` line
    fingerprint: str
    safety_number: str  # "" for this profile's own invitation
    created: datetime
    already_paired: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "identity": self.identity,
            "fingerprint": self.fingerprint,
            "safety_number": self.safety_number,
            "created": self.created.isoformat(),
            "already_paired": self.already_paired,
        }


@dataclass(frozen=True, slots=True)
class PeerView:
    """A paired person: `role` is what they are to this profile (mentor or mentee); `linked`
    once a sealed file from them was applied."""

    name: str
    role: str
    fingerprint: str
    safety_number: str
    paired: datetime
    linked: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "fingerprint": self.fingerprint,
            "safety_number": self.safety_number,
            "paired": self.paired.isoformat(),
            "linked": self.linked,
        }
