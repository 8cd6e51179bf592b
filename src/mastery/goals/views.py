"""Goals' plain data: goals, milestones, check-ins, progress and its history.

Frozen dataclasses with `to_dict`, returned to the CLI, the app and the mentor bundle; nothing
here reads the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from mastery.dates import Adherence


def iso_day(day: date | None) -> str | None:
    """A day in ISO form, or None (for `to_dict`)."""
    return day.isoformat() if day is not None else None


@dataclass(frozen=True, slots=True)
class MilestoneView:
    """One milestone: its 1-based position in the goal, and the learner's day it was done."""

    position: int
    title: str
    done: bool
    done_on: date | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "title": self.title,
            "done": self.done,
            "done_on": iso_day(self.done_on),
        }


@dataclass(frozen=True, slots=True)
class DeckMastery:
    """How far a linked deck is learned: mature cards and today's mean retrievability.

    `mature_share` is None for a deck without cards, `mean_retrievability` None when no card
    has been studied yet.
    """

    key: str
    name: str
    cards: int
    studied: int
    mature: int
    mature_share: float | None
    mean_retrievability: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "cards": self.cards,
            "studied": self.studied,
            "mature": self.mature,
            "mature_share": self.mature_share,
            "mean_retrievability": self.mean_retrievability,
        }


@dataclass(frozen=True, slots=True)
class Progress:
    """A goal's progress today and the parts it is made of.

    `value` is the mean of `milestones` and `mastery` (those that are not None; 0 when both
    are), or 1.0 for an achieved goal. `retrievability` is shown, not counted.
    """

    value: float
    milestones: float | None  # share of milestones done; None without milestones
    mastery: float | None  # share of linked decks' cards that are mature; None without cards
    retrievability: float | None  # mean over linked decks' studied cards; None if none studied
    milestones_done: int
    milestones_total: int
    decks: tuple[DeckMastery, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "milestones": self.milestones,
            "mastery": self.mastery,
            "retrievability": self.retrievability,
            "milestones_done": self.milestones_done,
            "milestones_total": self.milestones_total,
            "decks": [d.to_dict() for d in self.decks],
        }


@dataclass(frozen=True, slots=True)
class ProgressPoint:
    """One day of a goal's progress history: as it stood after that day's last change, or
    computed live for an active goal's current point."""

    day: date
    progress: float
    milestones: float | None
    mastery: float | None
    retrievability: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "progress": self.progress,
            "milestones": self.milestones,
            "mastery": self.mastery,
            "retrievability": self.retrievability,
        }


@dataclass(frozen=True, slots=True)
class RealityVersion:
    """One version of a goal's current reality; the newest is the current one."""

    text: str
    recorded_at: datetime
    day: date

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "recorded_at": self.recorded_at.isoformat(),
            "day": self.day.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class CheckInView:
    """A weekly check-in: confidence 1-10 that the goal will be met, and why. There is one
    per day; `replaced` is the confidence of the same day's earlier check-in that this one
    replaced (only on the check-in just recorded), so the learner can be told."""

    day: date
    confidence: int
    note: str
    replaced: int | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "day": self.day.isoformat(),
            "confidence": self.confidence,
            "note": self.note,
        }
        if self.replaced is not None:
            data["replaced"] = self.replaced
        return data


@dataclass(frozen=True, slots=True)
class GoalView:
    """A goal as a list or dashboard row shows it.

    `days_left` is negative when the target date has passed; `check_in_due` is only ever true
    for an active goal. `confidence` is the latest check-in's, `confidence_falling` the early
    warning (see `confidence_is_falling`).
    """

    id: int
    title: str
    category: str
    status: str
    target: date | None
    days_left: int | None
    progress: float
    milestones_done: int
    milestones_total: int
    visibility: str
    check_in_due: bool
    confidence: int | None
    confidence_falling: bool
    uid: str  # the same on every device and in mentor files (g-...)
    conflict_of: str | None  # a conflict copy made by sync: the uid of the original

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uid": self.uid,
            "conflict_of": self.conflict_of,
            "title": self.title,
            "category": self.category,
            "status": self.status,
            "target": iso_day(self.target),
            "days_left": self.days_left,
            "progress": self.progress,
            "milestones_done": self.milestones_done,
            "milestones_total": self.milestones_total,
            "visibility": self.visibility,
            "check_in_due": self.check_in_due,
            "confidence": self.confidence,
            "confidence_falling": self.confidence_falling,
        }


@dataclass(frozen=True, slots=True)
class GoalDetail(GoalView):
    """Everything about one goal: the row fields plus vision, reality, milestones, decks,
    adherence to the cadence, check-ins and the progress history."""

    vision: str
    reality: str
    created: date
    closed: date | None
    milestones: tuple[MilestoneView, ...]
    decks: tuple[DeckMastery, ...]
    milestones_share: float | None
    mature_share: float | None
    mean_retrievability: float | None
    cadence: str | None
    adherence: Adherence | None

    def form(self) -> tuple[object, ...]:
        """What the goal form changes: equal before and after, nobody changed the goal."""
        return (
            self.title,
            self.vision,
            self.reality,
            self.category,
            self.target,
            self.cadence,
            tuple(d.key for d in self.decks),
            self.status,
            self.visibility,
            self.conflict_of,
        )

    check_ins: tuple[CheckInView, ...]
    confidence_trend: tuple[tuple[date, int], ...]
    history: tuple[ProgressPoint, ...]

    def to_dict(self) -> dict[str, Any]:
        out = GoalView.to_dict(self)
        out.update(
            {
                "vision": self.vision,
                "reality": self.reality,
                "created": self.created.isoformat(),
                "closed": iso_day(self.closed),
                "milestones": [m.to_dict() for m in self.milestones],
                "decks": [d.to_dict() for d in self.decks],
                "milestones_share": self.milestones_share,
                "mature_share": self.mature_share,
                "mean_retrievability": self.mean_retrievability,
                "cadence": self.cadence,
                "adherence": adherence_to_dict(self.adherence),
                "check_ins": [c.to_dict() for c in self.check_ins],
                "confidence_trend": [[d.isoformat(), c] for d, c in self.confidence_trend],
                "history": [p.to_dict() for p in self.history],
            }
        )
        return out


def adherence_to_dict(adherence: Adherence | None) -> dict[str, Any] | None:
    """`dates.Adherence` in JSON-ready form (dates ISO)."""
    if adherence is None:
        return None
    return {
        "planned": adherence.planned,
        "met": adherence.met,
        "rate": adherence.rate,
        "days": [[d.isoformat(), bool(hit)] for d, hit in adherence.days],
    }


def confidence_is_falling(confidences: Sequence[int]) -> bool:
    """The early warning: the latest check-in is 2+ points below the one before, or each of
    the last two check-ins fell. Falling confidence warns earlier than a percentage does."""
    if len(confidences) >= 2 and confidences[-1] - confidences[-2] <= -2:
        return True
    return len(confidences) >= 3 and confidences[-3] > confidences[-2] > confidences[-1]
