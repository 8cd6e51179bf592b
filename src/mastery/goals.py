"""Goals held in creative tension: a vision against an honest current reality.

A goal has a title, a vision, a versioned current reality, a category (one of the five
disciplines or the learner's own word), a target date typed the way people speak, ordered
milestones, a status (active / achieved / dropped), optional linked decks and a practice
cadence. Progress is computed, never typed:

- the share of milestones done (when the goal has milestones), and
- the share of the linked decks' cards that are mature (review state, stability >= 21 days),
  when the goal has linked decks with cards;

overall progress is the mean of whichever of those two parts exist (0 when neither does), and
an achieved goal is 100%. The mean retrievability of the linked decks' studied cards is shown
beside it (how much would be recalled today) but does not count towards the percentage: it
falls and rises with the review calendar, not with the learner's progress.

The history shows the gap closing. Reading never writes: a point (one per goal and learner's
day) is stored by the write that changes the goal's progress, inside that write's transaction
(milestones added or ticked, linked decks changed, done or reopened, and, through
`Collection`, answers that make a linked deck's card mature or no longer mature, undoing one,
imports and rescheduling). The first change also stores the goal's starting point on the day
it was created, the value until then. An active goal's current point is computed on read and
never stored (see `history`). Weekly check-ins (confidence 1-10 and a line of why) give a
confidence trend that warns before the percentage does.

Every method that writes is one transaction; `now` is always a parameter.
"""

from __future__ import annotations

import bisect
import builtins
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from mastery.dates import Adherence, DateParseError, parse_cadence, parse_date
from mastery.days import from_ms, stored_day, to_ms
from mastery.errors import MasteryError, NotFoundError
from mastery.limits import ref_number
from mastery.states import MATURE_DAYS, CardState, is_mature, scheduled

if TYPE_CHECKING:
    from mastery.collection import Collection

DISCIPLINES: tuple[str, ...] = (
    "personal-mastery",
    "mental-models",
    "shared-vision",
    "team-learning",
    "systems-thinking",
)
STATUSES: tuple[str, ...] = ("active", "achieved", "dropped")
VISIBILITIES: tuple[str, ...] = ("private", "shared")
CHECK_IN_EVERY = 7  # days between check-ins before one is due again
ADHERENCE_WEEKS = 8  # the longest adherence window, counted back from today

_GOAL_COLUMNS = (
    "id, title, vision, category, target_date, status, cadence, visibility, created_at, "
    "updated_at, closed_at"
)


# ----------------------------------------------------------------------------- plain data
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
            "done_on": _iso(self.done_on),
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
    """A weekly check-in: confidence 1-10 that the goal will be met, and why."""

    day: date
    confidence: int
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "confidence": self.confidence, "note": self.note}


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "category": self.category,
            "status": self.status,
            "target": _iso(self.target),
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
                "closed": _iso(self.closed),
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


# ----------------------------------------------------------------------------- the domain
@dataclass(frozen=True, slots=True)
class _Goal:
    """A goal row, decoded."""

    id: int
    title: str
    vision: str
    category: str
    target: date | None
    status: str
    cadence: str | None
    visibility: str
    created_at: datetime
    closed_at: datetime | None


class Goals:
    """Goals of one profile: reached as `Collection.goals`."""

    def __init__(self, col: Collection) -> None:
        self.col = col
        # Per linked deck, [cards, mature] kept up to date by the answers that change them, so
        # an answer stores a point without counting the deck's cards (see `after_answer`);
        # dropped whenever another connection commits (`PRAGMA data_version`) or a write that
        # changes cards otherwise (imports, rescheduling, undo) runs here.
        self._counts: dict[int, builtins.list[int]] = {}
        self._counts_version: int | None = None

    @property
    def _conn(self) -> sqlite3.Connection:
        return self.col.conn

    # ------------------------------------------------------------------ writing
    def add(
        self,
        title: str,
        *,
        vision: str = "",
        reality: str = "",
        category: str = "personal-mastery",
        target: str | date | None = None,
        cadence: str | None = None,
        decks: Iterable[str] = (),
        milestones: Iterable[str] = (),
        visibility: str = "private",
        now: datetime | None = None,
    ) -> GoalView:
        """Add an active goal. `target` is a phrase ("in 3 months", "2027-03-01", "end of
        quarter") read against the learner's today, `cadence` a practice rule ("every
        weekday"), `decks` deck keys whose cards measure progress, `milestones` titles in
        order."""
        now = now or self.col.now()
        today = self.col.clock.day_of(now)
        title = _title(title)
        category = _category(category)
        visibility = _visibility(visibility)
        target_day = _target(target, today)
        cadence_text = _cadence(cadence)
        deck_ids = self._deck_ids(decks)
        milestone_titles = [_title(m, "milestone") for m in milestones]
        now_ms = to_ms(now)
        with self.col.db.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO goal (title, vision, category, target_date, status, cadence, "
                "visibility, created_at, updated_at) VALUES (?, ?, ?, ?, 'active', ?, ?, ?, ?)",
                (
                    title,
                    vision.strip(),
                    category,
                    _iso(target_day),
                    cadence_text,
                    visibility,
                    now_ms,
                    now_ms,
                ),
            )
            goal_id = int(cur.lastrowid or 0)
            if reality.strip():
                conn.execute(
                    "INSERT INTO goalreality (goal_id, text, recorded_at) VALUES (?, ?, ?)",
                    (goal_id, reality.strip(), now_ms),
                )
            conn.executemany(
                "INSERT INTO milestone (goal_id, position, title) VALUES (?, ?, ?)",
                [(goal_id, i, m) for i, m in enumerate(milestone_titles, start=1)],
            )
            conn.executemany(
                "INSERT INTO goaldeck (goal_id, deck_id) VALUES (?, ?)",
                [(goal_id, d) for d in deck_ids],
            )
        return self._view(self._goal(goal_id), now)

    def edit(
        self,
        ref: int | str,
        *,
        title: str | None = None,
        vision: str | None = None,
        reality: str | None = None,
        category: str | None = None,
        target: str | date | None = None,
        cadence: str | None = None,
        decks: Iterable[str] | None = None,
        visibility: str | None = None,
        now: datetime | None = None,
    ) -> GoalView:
        """Change what is given (None leaves a field alone). `target=""` and `cadence=""`
        clear them; `decks` replaces the linked decks. A new `reality` becomes a new version,
        the earlier ones are kept (see `realities`)."""
        now = now or self.col.now()
        goal = self._goal(self._resolve(ref))
        today = self.col.clock.day_of(now)
        fields: dict[str, Any] = {}
        if title is not None:
            fields["title"] = _title(title)
        if vision is not None:
            fields["vision"] = vision.strip()
        if category is not None:
            fields["category"] = _category(category)
        if visibility is not None:
            fields["visibility"] = _visibility(visibility)
        if target is not None:
            fields["target_date"] = _iso(_target(target, today))
        if cadence is not None:
            fields["cadence"] = _cadence(cadence)
        deck_ids = self._deck_ids(decks) if decks is not None else None
        new_reality = reality.strip() if reality is not None else None
        if new_reality is not None and new_reality == self._reality(goal.id):
            new_reality = None  # unchanged: no new version
        now_ms = to_ms(now)
        progress_changes = [goal.id] if deck_ids is not None else []
        with self.col.db.transaction() as conn, self.recording(now, goals=progress_changes):
            if fields:
                sets = ", ".join(f"{name} = ?" for name in fields)
                conn.execute(
                    f"UPDATE goal SET {sets}, updated_at = ? WHERE id = ?",
                    (*fields.values(), now_ms, goal.id),
                )
            if new_reality is not None:
                conn.execute(
                    "INSERT INTO goalreality (goal_id, text, recorded_at) VALUES (?, ?, ?)",
                    (goal.id, new_reality, now_ms),
                )
            if deck_ids is not None:
                conn.execute("DELETE FROM goaldeck WHERE goal_id = ?", (goal.id,))
                conn.executemany(
                    "INSERT INTO goaldeck (goal_id, deck_id) VALUES (?, ?)",
                    [(goal.id, d) for d in deck_ids],
                )
            if new_reality is not None or deck_ids is not None:
                conn.execute("UPDATE goal SET updated_at = ? WHERE id = ?", (now_ms, goal.id))
        return self._view(self._goal(goal.id), now)

    def done(self, ref: int | str, now: datetime | None = None) -> GoalView:
        """Mark a goal achieved (100% from now on); today's history point says so too."""
        now = now or self.col.now()
        goal_id = self._resolve(ref)
        with self.col.db.transaction(), self.recording(now, goals=[goal_id]):
            self._set_status(goal_id, "achieved", now)
        return self._view(self._goal(goal_id), now)

    def drop(self, ref: int | str, now: datetime | None = None) -> GoalView:
        """Let a goal go: it leaves the dashboard, its history is kept (its progress does not
        change, so no point is stored)."""
        now = now or self.col.now()
        goal_id = self._resolve(ref)
        with self.col.db.transaction():
            self._set_status(goal_id, "dropped", now)
        return self._view(self._goal(goal_id), now)

    def reopen(self, ref: int | str, now: datetime | None = None) -> GoalView:
        """Make an achieved or dropped goal active again (an achieved one falls back from 100%
        to what its parts say)."""
        now = now or self.col.now()
        goal_id = self._resolve(ref)
        with self.col.db.transaction(), self.recording(now, goals=[goal_id]):
            self._set_status(goal_id, "active", now)
        return self._view(self._goal(goal_id), now)

    def add_milestone(
        self, ref: int | str, title: str, now: datetime | None = None
    ) -> MilestoneView:
        """Append a milestone after the goal's last one."""
        now = now or self.col.now()
        goal_id = self._resolve(ref)
        title = _title(title, "milestone")
        with self.col.db.transaction() as conn, self.recording(now, goals=[goal_id]):
            position = conn.execute(
                "SELECT coalesce(max(position), 0) + 1 AS next FROM milestone WHERE goal_id = ?",
                (goal_id,),
            ).fetchone()["next"]
            conn.execute(
                "INSERT INTO milestone (goal_id, position, title) VALUES (?, ?, ?)",
                (goal_id, position, title),
            )
            conn.execute("UPDATE goal SET updated_at = ? WHERE id = ?", (to_ms(now), goal_id))
        return MilestoneView(position, title, False, None)

    def complete_milestone(
        self,
        ref: int | str,
        milestone: int | str,
        now: datetime | None = None,
        *,
        done: bool = True,
    ) -> MilestoneView:
        """Tick a milestone (by 1-based position or title prefix) done today, or un-tick it
        with `done=False`."""
        now = now or self.col.now()
        goal_id = self._resolve(ref)
        milestone_id, position, title = self._resolve_milestone(goal_id, milestone)
        done_at = to_ms(now) if done else None
        with self.col.db.transaction() as conn, self.recording(now, goals=[goal_id]):
            conn.execute("UPDATE milestone SET done_at = ? WHERE id = ?", (done_at, milestone_id))
            conn.execute("UPDATE goal SET updated_at = ? WHERE id = ?", (to_ms(now), goal_id))
        return MilestoneView(position, title, done, self.col.clock.day_of(now) if done else None)

    def check_in(
        self, ref: int | str, confidence: int, note: str = "", now: datetime | None = None
    ) -> CheckInView:
        """Record how confident (1-10) the learner is that the goal will be met, and why.

        One check-in per learner's day: checking in again the same day replaces it.
        """
        now = now or self.col.now()
        goal_id = self._resolve(ref)
        if (
            isinstance(confidence, bool)
            or not isinstance(confidence, int)
            or not (1 <= confidence <= 10)
        ):
            raise MasteryError(
                f"confidence must be a whole number from 1 to 10, got {confidence!r}"
            )
        note = " ".join(note.split())  # one line of why
        day = self.col.clock.day_of(now)
        with self.col.db.transaction() as conn:
            conn.execute(
                "DELETE FROM checkin WHERE goal_id = ? AND day = ?", (goal_id, day.isoformat())
            )
            conn.execute(
                "INSERT INTO checkin (goal_id, day, confidence, note, recorded_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (goal_id, day.isoformat(), confidence, note, to_ms(now)),
            )
        return CheckInView(day, confidence, note)

    def record_progress(self, now: datetime | None = None) -> int:
        """Store today's history point for every active goal; returns how many. Not needed
        for the history to be right (writes that change progress store their points); kept
        for scripts that want a point on a given day."""
        now = now or self.col.now()
        goals = self._goals("WHERE status = 'active'")
        with self.col.db.transaction():
            for goal in goals:
                self._record(goal, self._progress(goal, now), now)
        return len(goals)

    # ------------------------------------------------------------------ recording history
    @contextmanager
    def recording(
        self,
        now: datetime,
        *,
        goals: Iterable[int] | None = None,
        decks: Iterable[int] | None = None,
        deck_keys: Iterable[str] | None = None,
    ) -> Iterator[None]:
        """Wrap a write that may change goals' progress, inside its transaction: the `goals`
        given by id, or the active goals linked to `decks` (deck ids) or `deck_keys`, or, with
        none of them, every active goal.

        Before the change, a goal with no stored point gets its starting point on the day it
        was created (nothing changed since, so its progress now is the value it had all
        along); after the change, today's point is stored for each of them that is not
        dropped. Nothing is stored when the body raises (the transaction rolls back anyway).
        """
        if deck_keys is not None:
            keys = builtins.list(deck_keys)
            marks = ",".join("?" * len(keys))
            rows = self._conn.execute(f"SELECT id FROM deck WHERE key IN ({marks})", keys)
            decks = [*(decks or ()), *(int(r["id"]) for r in rows)]
        ids = self._affected(goals, decks)
        self._counts.clear()  # cards may change: count them again when an answer needs them
        for goal in self._goals_by_id(ids):
            self._keep_start(goal, now)
        yield
        self._counts.clear()
        for goal in self._goals_by_id(ids):
            if goal.status != "dropped":
                self._record(goal, self._progress(goal, now), now)

    def after_answer(
        self,
        deck_id: int,
        before: tuple[int, float | None],
        after: tuple[int, float | None],
        now: datetime,
    ) -> None:
        """Called by `Collection.answer` inside its transaction, after the card changed, with
        the card's (state, stability) before and after.

        A goal's progress counts mature cards only, so an answer changes it only when the
        card becomes mature or stops being mature: every other answer returns at once. Then
        today's point is stored for the active goals linked to the deck (and their starting
        point, with the card as it was), from card counts kept per deck rather than counted
        again, so the answer path stays fast on big decks; such a point leaves the mean
        retrievability empty (it would need every card's memory).
        """
        became = is_mature(*after)
        if is_mature(*before) == became:
            return
        ids = self._affected(None, [deck_id])
        if not ids:
            return
        delta = 1 if became else -1
        version = self._conn.execute("PRAGMA data_version").fetchone()["data_version"]
        if version != self._counts_version:
            self._counts.clear()
            self._counts_version = version
        counts = self._counts.get(deck_id)
        if counts is None:
            self._counts[deck_id] = self._count_cards(deck_id)  # this answer included
        else:
            counts[1] += delta
        for goal in self._goals_by_id(ids):
            start = self._start_day(goal, now)
            if start is not None:
                self._record(goal, self._counted(goal, {deck_id: -delta}), now, start, counted=True)
            self._record(goal, self._counted(goal), now, counted=True)

    def after_undo(self, log_id: int) -> None:
        """Called by `Collection.undo` inside its transaction, after the card was restored and
        before review log `log_id` is deleted: when the undone answer had made the card mature
        or not, the point it stored for the answer's day is stored again as things now are."""
        row = self._conn.execute(
            "SELECT r.reviewed_at, r.state_before, r.stability_before, r.state_after, "
            "r.stability_after, c.deck_id FROM reviewlog r JOIN card c ON c.id = r.card_id "
            "WHERE r.id = ?",
            (log_id,),
        ).fetchone()
        if row is None or is_mature(row["state_before"], row["stability_before"]) == is_mature(
            row["state_after"], row["stability_after"]
        ):
            return
        self._counts.clear()
        at = from_ms(row["reviewed_at"])
        rows = self._conn.execute(
            "SELECT DISTINCT g.goal_id FROM goaldeck g JOIN goal ON goal.id = g.goal_id "
            "JOIN goalprogress p ON p.goal_id = g.goal_id AND p.day = ? "
            "WHERE goal.status = 'active' AND g.deck_id = ?",
            (self.col.clock.day_of(at).isoformat(), row["deck_id"]),
        ).fetchall()
        for goal in self._goals_by_id([r["goal_id"] for r in rows]):
            self._record(goal, self._progress(goal, at), at)

    # ------------------------------------------------------------------ reading
    # Reading never writes: none of these methods opens a transaction.
    def get(self, ref: int | str, now: datetime | None = None) -> GoalDetail:
        """One goal in full, by number or by a unique, case-insensitive start of its title;
        its history ends with today's point, computed live, when the goal is active."""
        now = now or self.col.now()
        goal = self._goal(self._resolve(ref))
        progress = self._progress(goal, now)
        view = self._view(goal, now, progress)
        check_ins = self._check_ins(goal.id)
        return GoalDetail(
            **{name: getattr(view, name) for name in GoalView.__dataclass_fields__},
            vision=goal.vision,
            reality=self._reality(goal.id),
            created=self.col.clock.day_of(goal.created_at),
            closed=self.col.clock.day_of(goal.closed_at) if goal.closed_at else None,
            milestones=tuple(self._milestones(goal.id)),
            decks=progress.decks,
            milestones_share=progress.milestones,
            mature_share=progress.mastery,
            mean_retrievability=progress.retrievability,
            cadence=goal.cadence,
            adherence=self._adherence(goal, now, ADHERENCE_WEEKS),
            check_ins=tuple(check_ins),
            confidence_trend=tuple((c.day, c.confidence) for c in check_ins),
            history=tuple(self._history(goal, now, progress)),
        )

    def list(self, status: str = "active", now: datetime | None = None) -> builtins.list[GoalView]:
        """Goals with `status` ("active", "achieved", "dropped" or "all"), oldest first."""
        now = now or self.col.now()
        status = status.strip().lower()
        if status == "all":
            goals = self._goals("ORDER BY id")
        elif status in STATUSES:
            goals = self._goals("WHERE status = ? ORDER BY id", (status,))
        else:
            raise MasteryError(f"unknown status {status!r}: use {', '.join(STATUSES)} or all")
        return [self._view(g, now) for g in goals]

    def dashboard(self, now: datetime | None = None) -> builtins.list[GoalView]:
        """Active goals, the soonest target first (goals without a target last)."""
        now = now or self.col.now()
        goals = self._goals("WHERE status = 'active' ORDER BY target_date IS NULL, target_date, id")
        return [self._view(g, now) for g in goals]

    def progress(self, ref: int | str, now: datetime | None = None) -> Progress:
        """A goal's progress today."""
        now = now or self.col.now()
        return self._progress(self._goal(self._resolve(ref)), now)

    def history(self, ref: int | str, now: datetime | None = None) -> builtins.list[ProgressPoint]:
        """A goal's progress points, oldest first: one per learner's day its progress changed
        (as it stood after that day's last change).

        An active goal's current point is computed, never stored: with `now`, today's point
        (replacing a stored one of the same day); an active goal with no stored point yet
        (nothing changed since it was created) starts with its creation day's point.
        """
        goal = self._goal(self._resolve(ref))
        return self._history(goal, now)

    def realities(self, ref: int | str) -> builtins.list[RealityVersion]:
        """Every version of the goal's current reality, oldest first (the last is current)."""
        goal_id = self._resolve(ref)
        clock = self.col.clock
        return [
            RealityVersion(text, from_ms(ms), clock.day_of(from_ms(ms)))
            for text, ms in self._conn.execute(
                "SELECT text, recorded_at FROM goalreality WHERE goal_id = ? "
                "ORDER BY recorded_at, id",
                (goal_id,),
            )
        ]

    def check_ins(self, ref: int | str) -> builtins.list[CheckInView]:
        """Every check-in of a goal, oldest first."""
        return self._check_ins(self._resolve(ref))

    def adherence(
        self, ref: int | str, now: datetime | None = None, weeks: int = ADHERENCE_WEEKS
    ) -> Adherence | None:
        """How well practice kept to the goal's cadence: planned days on which cards of its
        linked decks were reviewed or a journal entry linked to it was written. The window
        runs from the day the goal was created, at most `weeks` weeks back, up to today.
        None when the goal has no cadence."""
        if weeks < 1:
            raise MasteryError(f"weeks must be at least 1, got {weeks}")
        return self._adherence(self._goal(self._resolve(ref)), now or self.col.now(), weeks)

    # ------------------------------------------------------------------ internals
    def _resolve(self, ref: int | str) -> int:
        """A goal id from a number or a case-insensitive title prefix (an exact title wins)."""
        text = str(ref).strip()
        if not text:
            raise MasteryError("which goal? give its number or the start of its title")
        if text.isdigit():
            number = ref_number(text)  # None: too long or not ASCII, so no goal has it
            row = (
                None
                if number is None
                else self._conn.execute("SELECT id FROM goal WHERE id = ?", (number,)).fetchone()
            )
            if row is None:
                raise NotFoundError(f"no goal {text}; see `mastery goals`")
            return int(row["id"])
        rows = self._conn.execute("SELECT id, title FROM goal ORDER BY id").fetchall()
        wanted = text.casefold()
        exact = [r for r in rows if r["title"].casefold() == wanted]
        if len(exact) == 1:
            return int(exact[0]["id"])
        found = [r for r in rows if r["title"].casefold().startswith(wanted)]
        if not found:
            raise NotFoundError(f"no goal starts with {text!r}; see `mastery goals`")
        if len(found) > 1:
            names = "; ".join(f"{r['id']} {r['title']}" for r in found)
            raise MasteryError(f"{text!r} matches {len(found)} goals ({names}): use the number")
        return int(found[0]["id"])

    def _resolve_milestone(self, goal_id: int, ref: int | str) -> tuple[int, int, str]:
        rows = self._conn.execute(
            "SELECT id, position, title FROM milestone WHERE goal_id = ? ORDER BY position",
            (goal_id,),
        ).fetchall()
        text = str(ref).strip()
        if text.isdigit():
            found = [r for r in rows if r["position"] == ref_number(text)]
            if not found:
                raise NotFoundError(
                    f"no milestone {text}: this goal has {len(rows)} (numbered from 1)"
                )
        else:
            wanted = text.casefold()
            if not wanted:
                raise MasteryError("which milestone? give its number or the start of its title")
            exact = [r for r in rows if r["title"].casefold() == wanted]
            found = exact or [r for r in rows if r["title"].casefold().startswith(wanted)]
            if not found:
                raise NotFoundError(f"no milestone starts with {text!r}")
            if len(found) > 1:
                names = "; ".join(f"{r['position']} {r['title']}" for r in found)
                raise MasteryError(
                    f"{text!r} matches {len(found)} milestones ({names}): use the number"
                )
        return int(found[0]["id"]), int(found[0]["position"]), found[0]["title"]

    def _goal(self, goal_id: int) -> _Goal:
        goals = self._goals("WHERE id = ?", (goal_id,))
        if not goals:
            raise NotFoundError(f"no goal {goal_id}; see `mastery goals`")
        return goals[0]

    def _goals(self, where: str, params: Sequence[Any] = ()) -> builtins.list[_Goal]:
        return [
            _Goal(
                id=r["id"],
                title=r["title"],
                vision=r["vision"],
                category=r["category"],
                target=stored_day(r["target_date"]) if r["target_date"] else None,
                status=r["status"],
                cadence=r["cadence"],
                visibility=r["visibility"],
                created_at=from_ms(r["created_at"]),
                closed_at=from_ms(r["closed_at"]) if r["closed_at"] is not None else None,
            )
            for r in self._conn.execute(f"SELECT {_GOAL_COLUMNS} FROM goal {where}", params)
        ]

    def _deck_ids(self, keys: Iterable[str]) -> builtins.list[int]:
        if isinstance(keys, str):
            keys = [keys]
        ids: builtins.list[int] = []
        for key in keys:
            row = self._conn.execute("SELECT id FROM deck WHERE key = ?", (key.strip(),)).fetchone()
            if row is None:
                raise NotFoundError(f"no deck {key!r}; see `mastery decks`")
            if row["id"] not in ids:
                ids.append(int(row["id"]))
        return ids

    def _set_status(self, goal_id: int, status: str, now: datetime) -> None:
        now_ms = to_ms(now)
        closed = None if status == "active" else now_ms
        self._conn.execute(
            "UPDATE goal SET status = ?, closed_at = ?, updated_at = ? WHERE id = ?",
            (status, closed, now_ms, goal_id),
        )

    def _reality(self, goal_id: int) -> str:
        row = self._conn.execute(
            "SELECT text FROM goalreality WHERE goal_id = ? ORDER BY recorded_at DESC, id DESC "
            "LIMIT 1",
            (goal_id,),
        ).fetchone()
        return row["text"] if row else ""

    def _milestones(self, goal_id: int) -> builtins.list[MilestoneView]:
        clock = self.col.clock
        return [
            MilestoneView(
                position,
                title,
                done_at is not None,
                clock.day_of(from_ms(done_at)) if done_at is not None else None,
            )
            for position, title, done_at in self._conn.execute(
                "SELECT position, title, done_at FROM milestone WHERE goal_id = ? "
                "ORDER BY position",
                (goal_id,),
            )
        ]

    def _check_ins(self, goal_id: int) -> builtins.list[CheckInView]:
        return [
            CheckInView(stored_day(day), confidence, note)
            for day, confidence, note in self._conn.execute(
                "SELECT day, confidence, note FROM checkin WHERE goal_id = ? "
                "ORDER BY day, recorded_at, id",
                (goal_id,),
            )
        ]

    def _deck_mastery(self, goal_id: int, now: datetime) -> builtins.list[DeckMastery]:
        """Per linked deck: its cards (those still in the deck file), how many were studied and
        are mature, and the mean retrievability today of the studied ones."""
        from mastery.scheduler import Memory

        out = []
        decks = self._conn.execute(
            "SELECT d.id, d.key, d.name FROM goaldeck g JOIN deck d ON d.id = g.deck_id "
            "WHERE g.goal_id = ? ORDER BY d.name COLLATE NOCASE, d.key",
            (goal_id,),
        ).fetchall()
        for deck in decks:
            deck_id = deck["id"]
            recall = self.col.scheduler_for(deck_id).retrievability
            cards, mature = self._count_cards(deck_id)
            studied, total_r = 0, 0.0
            for card in self._conn.execute(
                "SELECT stability, last_review FROM card WHERE deck_id = ? AND in_deck = 1 "
                "AND state != ? AND typeof(stability) = 'real' AND stability > 0 "
                "AND stability < 1e300 AND last_review IS NOT NULL",  # skip values changed
                # outside Mastery (text, negative, infinite): `mastery check` resets those
                (deck_id, CardState.NEW),
            ):
                memory = Memory(
                    state=CardState.REVIEW,
                    stability=card["stability"],
                    last_review=from_ms(card["last_review"]),
                )
                studied += 1
                total_r += recall(memory, now) or 0.0
            out.append(
                DeckMastery(
                    key=deck["key"],
                    name=deck["name"],
                    cards=cards,
                    studied=studied,
                    mature=mature,
                    mature_share=mature / cards if cards else None,
                    mean_retrievability=total_r / studied if studied else None,
                )
            )
        return out

    def _progress(self, goal: _Goal, now: datetime) -> Progress:
        decks = tuple(self._deck_mastery(goal.id, now))
        studied = sum(d.studied for d in decks)
        retrievability = (
            sum((d.mean_retrievability or 0.0) * d.studied for d in decks) / studied
            if studied
            else None
        )
        cards, mature = sum(d.cards for d in decks), sum(d.mature for d in decks)
        return self._combine(goal, cards, mature, retrievability, decks)

    def _combine(
        self,
        goal: _Goal,
        cards: int,
        mature: int,
        retrievability: float | None,
        decks: tuple[DeckMastery, ...] = (),
    ) -> Progress:
        """Progress from the linked decks' card counts and the goal's milestones."""
        row = self._conn.execute(
            "SELECT coalesce(sum(done_at IS NOT NULL), 0) AS done, count(*) AS total "
            "FROM milestone WHERE goal_id = ?",
            (goal.id,),
        ).fetchone()
        done, total = int(row["done"]), int(row["total"])
        milestones = done / total if total else None
        mastery = mature / cards if cards else None
        parts = [p for p in (milestones, mastery) if p is not None]
        value = 1.0 if goal.status == "achieved" else (sum(parts) / len(parts) if parts else 0.0)
        return Progress(value, milestones, mastery, retrievability, done, total, decks)

    def _count_cards(self, deck_id: int) -> builtins.list[int]:
        """[cards, mature] of a deck (its cards still in the deck file)."""
        row = self._conn.execute(
            "SELECT count(*) AS cards, coalesce(sum(state = ? AND typeof(stability) = 'real' "
            "AND stability >= ?), 0) AS mature FROM card "
            "WHERE deck_id = ? AND in_deck = 1",
            (CardState.REVIEW, MATURE_DAYS, deck_id),
        ).fetchone()
        return [int(row["cards"]), int(row["mature"])]

    def _counted(self, goal: _Goal, correction: Mapping[int, int] | None = None) -> Progress:
        """Progress from the kept card counts (`after_answer`), `correction` (deck id ->
        mature cards) added; without the mean retrievability."""
        cards = mature = 0
        for link in self._conn.execute(
            "SELECT deck_id FROM goaldeck WHERE goal_id = ?", (goal.id,)
        ).fetchall():
            deck_id = link["deck_id"]
            counts = self._counts.get(deck_id)
            if counts is None:
                counts = self._counts[deck_id] = self._count_cards(deck_id)
            cards += counts[0]
            mature += counts[1] + (correction or {}).get(deck_id, 0)
        return self._combine(goal, cards, mature, None)

    def _record(
        self,
        goal: _Goal,
        progress: Progress,
        now: datetime,
        day: date | None = None,
        *,
        counted: bool = False,
    ) -> None:
        """Upsert today's (or `day`'s) history point, inside the caller's transaction. A
        `counted` point (from `_counted`, without a retrievability) keeps the one that day's
        point already has."""
        day_text = (day or self.col.clock.day_of(now)).isoformat()
        recall = "excluded.retrievability"
        if counted:
            recall = f"coalesce({recall}, retrievability)"
        self._conn.execute(
            "INSERT INTO goalprogress (goal_id, day, progress, milestones, mastery, "
            "retrievability) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(goal_id, day) DO UPDATE SET "
            "progress = excluded.progress, milestones = excluded.milestones, "
            f"mastery = excluded.mastery, retrievability = {recall}",
            (
                goal.id,
                day_text,
                progress.value,
                progress.milestones,
                progress.mastery,
                progress.retrievability,
            ),
        )

    def _view(self, goal: _Goal, now: datetime, progress: Progress | None = None) -> GoalView:
        progress = progress or self._progress(goal, now)
        today = self.col.clock.day_of(now)
        check_ins = self._check_ins(goal.id)
        confidences = [c.confidence for c in check_ins]
        due = goal.status == "active" and (
            not check_ins or (today - check_ins[-1].day).days >= CHECK_IN_EVERY
        )
        return GoalView(
            id=goal.id,
            title=goal.title,
            category=goal.category,
            status=goal.status,
            target=goal.target,
            days_left=(goal.target - today).days if goal.target else None,
            progress=progress.value,
            milestones_done=progress.milestones_done,
            milestones_total=progress.milestones_total,
            visibility=goal.visibility,
            check_in_due=due,
            confidence=confidences[-1] if confidences else None,
            confidence_falling=confidence_is_falling(confidences),
        )

    def _keep_start(self, goal: _Goal, now: datetime) -> None:
        """Before a change: store the goal's starting point when it needs one (`_start_day`),
        inside the caller's transaction."""
        start = self._start_day(goal, now)
        if start is not None:
            self._record(goal, self._progress(goal, now), now, start)

    def _start_day(self, goal: _Goal, now: datetime) -> date | None:
        """The day the goal was created, when a change on a later day is its first: the
        starting point (the value until now) must be stored before the change's own."""
        created = self.col.clock.day_of(goal.created_at)
        if created >= self.col.clock.day_of(now):
            return None  # the change's own point, the same day, supersedes it
        stored = self._conn.execute(
            "SELECT 1 FROM goalprogress WHERE goal_id = ? LIMIT 1", (goal.id,)
        ).fetchone()
        return created if stored is None else None

    def _affected(
        self, goals: Iterable[int] | None, decks: Iterable[int] | None
    ) -> builtins.list[int]:
        """Goal ids a change touches: `goals` as given, or the active goals linked to `decks`,
        or every active goal."""
        if goals is not None:
            return builtins.list(goals)
        if decks is None:
            rows = self._conn.execute("SELECT id FROM goal WHERE status = 'active' ORDER BY id")
        else:
            wanted = builtins.list(decks)
            marks = ",".join("?" * len(wanted))
            rows = self._conn.execute(
                "SELECT DISTINCT g.goal_id AS id FROM goaldeck g JOIN goal ON goal.id = g.goal_id "
                f"WHERE goal.status = 'active' AND g.deck_id IN ({marks}) ORDER BY g.goal_id",
                wanted,
            )
        return [int(r["id"]) for r in rows]

    def _goals_by_id(self, ids: Sequence[int]) -> builtins.list[_Goal]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        return self._goals(f"WHERE id IN ({marks}) ORDER BY id", ids)

    def _history(
        self, goal: _Goal, now: datetime | None, progress: Progress | None = None
    ) -> builtins.list[ProgressPoint]:
        """Stored points plus, for an active goal, its current point computed live (see
        `history`); reads only."""
        points = [
            ProgressPoint(
                stored_day(r["day"]),
                r["progress"],
                r["milestones"],
                r["mastery"],
                r["retrievability"],
            )
            for r in self._conn.execute(
                "SELECT day, progress, milestones, mastery, retrievability FROM goalprogress "
                "WHERE goal_id = ? ORDER BY day",
                (goal.id,),
            )
        ]
        if goal.status != "active" or (points and now is None):
            return points
        current = progress or self._progress(goal, now or self.col.now())
        days = [self.col.clock.day_of(goal.created_at)] if not points else []
        if now is not None:
            days.append(self.col.clock.day_of(now))
        for day in days:
            point = ProgressPoint(
                day, current.value, current.milestones, current.mastery, current.retrievability
            )
            points = [p for p in points if p.day != day]
            bisect.insort(points, point, key=lambda p: p.day)
        return points

    def _adherence(self, goal: _Goal, now: datetime, weeks: int) -> Adherence | None:
        if not goal.cadence:
            return None
        clock = self.col.clock
        today = clock.day_of(now)
        start = max(clock.day_of(goal.created_at), today - timedelta(days=7 * weeks - 1))
        if start > today:
            start = today
        try:
            cadence = parse_cadence(goal.cadence)
        except DateParseError:
            # A stored cadence this version cannot read (an older phrase, a hand edit) must
            # not make the goal unshowable: it is shown without a practice line.
            return None
        active = self._practice_days(goal.id, start, today)
        return cadence.adherence(active, start, today)

    def _practice_days(self, goal_id: int, start: date, end: date) -> set[date]:
        """Learner's days in [start, end] with a review of a linked deck's card or a journal
        entry linked to the goal."""
        clock = self.col.clock
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        bounds = [to_ms(clock.day_start(d)) for d in days]
        end_ms = to_ms(clock.day_start(end + timedelta(days=1)))
        active: set[date] = set()
        for review in self._conn.execute(
            "SELECT DISTINCT r.reviewed_at FROM reviewlog r JOIN card c ON c.id = r.card_id "
            "JOIN goaldeck g ON g.deck_id = c.deck_id "
            "WHERE g.goal_id = ? AND r.reviewed_at >= ? AND r.reviewed_at < ? "
            f"AND {scheduled('r')}",  # cram answers are not practice on the schedule
            (goal_id, bounds[0], end_ms),
        ):
            active.add(days[bisect.bisect_right(bounds, review["reviewed_at"]) - 1])
        for entry in self._conn.execute(
            "SELECT DISTINCT j.day FROM journalentry j JOIN entrygoal e ON e.entry_id = j.id "
            "WHERE e.goal_id = ? AND j.day >= ? AND j.day <= ?",
            (goal_id, start.isoformat(), end.isoformat()),
        ):
            active.add(stored_day(entry["day"]))
        return active


# ----------------------------------------------------------------------------- validation
def _title(text: str, what: str = "goal") -> str:
    title = " ".join((text or "").split())
    if not title:
        raise MasteryError(f"a {what} needs a title")
    return title


def _category(text: str) -> str:
    """One of the five disciplines, or the learner's own word, as a lower-case slug
    ("Systems thinking" -> "systems-thinking")."""
    category = "-".join((text or "").lower().split())
    if not category:
        raise MasteryError(
            f"a goal needs a category: one of {', '.join(DISCIPLINES)} or your own word"
        )
    return category


def _visibility(text: str) -> str:
    visibility = (text or "").strip().lower()
    if visibility not in VISIBILITIES:
        raise MasteryError(f"visibility must be private or shared, got {text!r}")
    return visibility


def _target(target: str | date | None, today: date) -> date | None:
    """A target date from a phrase read against the learner's today; "" or None is none."""
    if target is None:
        return None
    if isinstance(target, date):
        return target
    if not target.strip():
        return None
    return parse_date(target.strip(), today)


def _cadence(text: str | None) -> str | None:
    """The cadence in `dates`' normalised words ("mon,wed,fri" -> "every mon, wed, fri"),
    which parse back to the same rule; "" or None is none."""
    if text is None or not text.strip():
        return None
    return parse_cadence(text).text


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None
