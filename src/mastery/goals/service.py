"""The goals of one profile (`Collection.goals`): adding and editing goals, milestones, status,
weekly check-ins, and reading them back as views.

The one module that writes the `goal`, `milestone` and `checkin` tables
(tests/test_architecture.py holds it to that). Every method that writes is one transaction;
`now` defaults to the profile's clock. Progress and history come from `GoalProgress`.
"""

from __future__ import annotations

import builtins
import secrets
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from mastery.conflicts import KEEP, original_title
from mastery.dates import Adherence
from mastery.days import from_ms, to_ms
from mastery.errors import MasteryError
from mastery.goals.fields import (
    ADHERENCE_WEEKS,
    CHECK_IN_EVERY,
    STATUSES,
    clean_cadence,
    clean_category,
    clean_title,
    clean_visibility,
    parse_target,
)
from mastery.goals.progress import GoalProgress
from mastery.goals.rows import GoalRow
from mastery.goals.views import (
    CheckInView,
    GoalDetail,
    GoalView,
    MilestoneView,
    Progress,
    ProgressPoint,
    RealityVersion,
    confidence_is_falling,
    iso_day,
)


class Goals(GoalProgress):
    """Goals of one profile: reached as `Collection.goals`."""

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
        title = clean_title(title)
        category = clean_category(category)
        visibility = clean_visibility(visibility)
        target_day = parse_target(target, today)
        cadence_text = clean_cadence(cadence)
        deck_ids = self._deck_ids(decks)
        milestone_titles = [clean_title(m, "milestone") for m in milestones]
        now_ms = to_ms(now)
        with self.col.db.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO goal (title, vision, category, target_date, status, cadence, "
                "visibility, created_at, updated_at, uid) "
                "VALUES (?, ?, ?, ?, 'active', ?, ?, ?, ?, ?)",
                (
                    title,
                    vision.strip(),
                    category,
                    iso_day(target_day),
                    cadence_text,
                    visibility,
                    now_ms,
                    now_ms,
                    self._new_uid(),
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
        was: GoalDetail | None = None,
    ) -> GoalView:
        """Change what is given (None leaves a field alone). `target=""` and `cadence=""`
        clear them; `decks` replaces the linked decks. A new `reality` becomes a new version,
        the earlier ones are kept (see `realities`).

        `was`: the goal as a form opened it: changed since (a sync), saving is refused."""
        now = now or self.col.now()
        goal = self._goal(self._resolve(ref))
        if was is not None and was.form() != self.get(goal.id, now=now).form():
            raise MasteryError(
                "this goal changed since the form opened it (a sync, or another window); "
                "nothing was saved: note your changes, then open the goal again"
            )
        today = self.col.clock.day_of(now)
        fields: dict[str, Any] = {}
        if title is not None:
            fields["title"] = clean_title(title)
        if vision is not None:
            fields["vision"] = vision.strip()
        if category is not None:
            fields["category"] = clean_category(category)
        if visibility is not None:
            fields["visibility"] = clean_visibility(visibility)
        if target is not None:
            fields["target_date"] = iso_day(parse_target(target, today))
        if cadence is not None:
            fields["cadence"] = clean_cadence(cadence)
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
        title = clean_title(title, "milestone")
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

        One check-in per learner's day: checking in again the same day replaces it, and the
        result says so (`replaced`: the earlier confidence).
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
            earlier = conn.execute(
                "SELECT confidence FROM checkin WHERE goal_id = ? AND day = ? "
                "ORDER BY recorded_at DESC LIMIT 1",
                (goal_id, day.isoformat()),
            ).fetchone()
            conn.execute(
                "DELETE FROM checkin WHERE goal_id = ? AND day = ?", (goal_id, day.isoformat())
            )
            conn.execute(
                "INSERT INTO checkin (goal_id, day, confidence, note, recorded_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (goal_id, day.isoformat(), confidence, note, to_ms(now)),
            )
        replaced = int(earlier["confidence"]) if earlier is not None else None
        return CheckInView(day, confidence, note, replaced)

    def resolve(self, ref: int | str, keep: str) -> GoalView | None:
        """Settle a conflict copy (a goal sync kept because two devices edited one goal
        between syncs): `keep="this"` makes the copy's fields, milestones and decks the
        goal's and deletes the copy, `"other"` deletes the copy, `"both"` keeps it as a goal
        of its own. Returns the goal that stays (None: the original is gone, "other" kept)."""
        copy = self._goal(self._resolve(ref))
        if copy.conflict_of is None:
            raise MasteryError(f"goal {copy.id} is not a conflict copy; nothing to resolve")
        if keep not in KEEP:
            raise MasteryError(f"keep this, other or both, not {keep!r}")
        row = self._conn.execute("SELECT id FROM goal WHERE uid = ?", (copy.conflict_of,))
        found = row.fetchone()
        now = self.col.now()
        with self.col.db.transaction() as conn:
            if keep == "both" or (keep == "this" and found is None):
                title = original_title(copy.title) if keep == "this" else copy.title
                conn.execute(
                    "UPDATE goal SET conflict_of = NULL, title = ? WHERE id = ?", (title, copy.id)
                )
                return self._view(self._goal(copy.id), now)
            if keep == "this" and found is not None:
                conn.execute(
                    "UPDATE goal SET (title, vision, category, target_date, status, cadence, "
                    "visibility, closed_at, updated_at) = (SELECT ?, vision, category, "
                    "target_date, status, cadence, visibility, closed_at, ? FROM goal "
                    "WHERE id = ?) WHERE id = ?",
                    (original_title(copy.title), to_ms(now), copy.id, found["id"]),
                )
                for table in ("milestone", "goaldeck"):  # the copy's move to the goal
                    conn.execute(f"DELETE FROM {table} WHERE goal_id = ?", (found["id"],))
                    conn.execute(
                        f"UPDATE {table} SET goal_id = ? WHERE goal_id = ?",
                        (found["id"], copy.id),
                    )
            conn.execute("DELETE FROM goal WHERE id = ?", (copy.id,))
        return None if found is None else self._view(self._goal(found["id"]), now)

    def _new_uid(self) -> str:
        """A random uid (g-<16 hex>), so two devices never give one uid to two goals (goals
        from before schema 9 keep `g-<id>`, the name mentor files know them by)."""
        while True:
            uid = "g-" + secrets.token_hex(8)
            if not self._conn.execute("SELECT 1 FROM goal WHERE uid = ?", (uid,)).fetchone():
                return uid

    def _set_status(self, goal_id: int, status: str, now: datetime) -> None:
        now_ms = to_ms(now)
        closed = None if status == "active" else now_ms
        self._conn.execute(
            "UPDATE goal SET status = ?, closed_at = ?, updated_at = ? WHERE id = ?",
            (status, closed, now_ms, goal_id),
        )

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
            RealityVersion(
                r["text"], from_ms(r["recorded_at"]), clock.day_of(from_ms(r["recorded_at"]))
            )
            for r in self._conn.execute(
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

    def _view(self, goal: GoalRow, now: datetime, progress: Progress | None = None) -> GoalView:
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
            uid=goal.uid,
            conflict_of=goal.conflict_of,
        )
