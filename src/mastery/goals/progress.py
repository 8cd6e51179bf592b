"""A goal's progress and its stored history.

Progress is computed, never typed: the share of milestones done and the share of the linked
decks' cards that are mature, averaged over whichever exist (an achieved goal is 100%); the
mean retrievability of the studied cards is shown beside it, not counted.

The history (`goalprogress`, one point per goal and learner's day) is written only here, by
the writes that change a goal's progress, inside their transaction (`recording`), and by
answers and undo through `after_answer` / `after_undo`. Adherence to the practice cadence is
read here too (reviews of linked decks and linked journal entries).
"""

from __future__ import annotations

import bisect
import builtins
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from mastery.dates import Adherence, DateParseError, parse_cadence
from mastery.days import from_ms, stored_day, to_ms
from mastery.goals.rows import GoalRow, GoalRows
from mastery.goals.views import DeckMastery, Progress, ProgressPoint
from mastery.states import MATURE_DAYS, CardState, is_mature, scheduled

if TYPE_CHECKING:
    from mastery.collection import Collection


class GoalProgress(GoalRows):
    """Progress figures and the stored history of a profile's goals (the base of `Goals`)."""

    def __init__(self, col: Collection) -> None:
        super().__init__(col)
        # Per linked deck, [cards, mature] kept up to date by the answers that change them, so
        # an answer stores a point without counting the deck's cards (see `after_answer`);
        # dropped whenever another connection commits (`PRAGMA data_version`) or a write that
        # changes cards otherwise (imports, rescheduling, undo) runs here.
        self._counts: dict[int, builtins.list[int]] = {}
        self._counts_version: int | None = None

    # ------------------------------------------------------------------ writing history
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

    # ------------------------------------------------------------------ progress figures
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

    def _progress(self, goal: GoalRow, now: datetime) -> Progress:
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
        goal: GoalRow,
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

    def _counted(self, goal: GoalRow, correction: Mapping[int, int] | None = None) -> Progress:
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
        goal: GoalRow,
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

    def _keep_start(self, goal: GoalRow, now: datetime) -> None:
        """Before a change: store the goal's starting point when it needs one (`_start_day`),
        inside the caller's transaction."""
        start = self._start_day(goal, now)
        if start is not None:
            self._record(goal, self._progress(goal, now), now, start)

    def _start_day(self, goal: GoalRow, now: datetime) -> date | None:
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

    # ------------------------------------------------------------------ history and adherence
    def _history(
        self, goal: GoalRow, now: datetime | None, progress: Progress | None = None
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

    def _adherence(self, goal: GoalRow, now: datetime, weeks: int) -> Adherence | None:
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
