"""The dashboard's figures at a glance: today's reviews and time, the review streak, cards by
state, what is due. (The Stats screen's full figures are `mastery.stats.insight`.)

Days are learner's days (`Collection.clock`), and only scheduled reviews count: a cram
session alone neither adds to today's reviews nor keeps a streak alive.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from mastery.days import streak, to_ms
from mastery.model import DueSummary, Stats, Today
from mastery.states import IN_LEARNING, CardState, scheduled
from mastery.storage.entries import entry_days

if TYPE_CHECKING:
    from mastery.collection import Collection


class Overview:
    """Summary figures of one profile."""

    def __init__(self, col: Collection) -> None:
        self._col = col

    def today(self, *, now: datetime | None = None) -> Today:
        """Today's work and what is due, as the dashboard and the done screen show them:
        nothing here counts the whole review log or every card."""
        col = self._col
        now = now or col.now()
        clock = col.clock
        today = clock.day_of(now)
        start = to_ms(clock.day_start(today))
        end = to_ms(clock.day_start(today + timedelta(days=1)))
        done = col.conn.execute(
            "SELECT count(*) AS reviews, coalesce(sum(duration_ms), 0) AS ms FROM reviewlog "
            f"WHERE reviewed_at >= ? AND reviewed_at < ? AND {scheduled()}",
            (start, end),
        ).fetchone()
        return Today(
            reviews_today=done["reviews"],
            time_today_ms=done["ms"],
            streak_days=self.review_streak(now=now),
            due_today=col.queue.counts(now=now),
            next_due=col.queue.next_due(now=now),
        )

    def stats(self, *, now: datetime | None = None) -> Stats:
        """`Today`'s figures, the scheduled reviews ever made and the cards by state: from
        the counters kept as answers and cards are written (`storage/counters.py`), so the
        dashboard never counts the whole review log or every card."""
        col = self._col
        day = self.today(now=now)
        total = col.conn.execute(
            "SELECT (SELECT coalesce(sum(scheduled), 0) FROM reviewhour) + (SELECT count(*) "
            f"FROM reviewlog WHERE deck_id IS NULL AND {scheduled()}) AS n"
        ).fetchone()["n"]
        cards = col.conn.execute(
            "SELECT coalesce(sum(cards), 0) AS total, "
            f"coalesce(sum(cards) FILTER (WHERE state = {CardState.NEW}), 0) AS new, "
            f"coalesce(sum(cards) FILTER (WHERE state {IN_LEARNING}), 0) AS learning, "
            f"coalesce(sum(cards) FILTER (WHERE state = {CardState.REVIEW}), 0) AS review, "
            "coalesce(sum(cards) FILTER (WHERE suspended), 0) AS suspended FROM cardcount"
        ).fetchone()
        return Stats(
            reviews_today=day.reviews_today,
            reviews_total=total,
            time_today_ms=day.time_today_ms,
            streak_days=day.streak_days,
            cards_total=cards["total"],
            cards_new=cards["new"],
            cards_learning=cards["learning"],
            cards_review=cards["review"],
            cards_suspended=cards["suspended"],
            due_today=day.due_today,
            next_due=day.next_due,
        )

    def due(self, *, now: datetime | None = None) -> DueSummary:
        """Today's counts and whether today has a journal entry (`mastery due`): two quick
        queries, nothing that imports FSRS or the journal's file formats."""
        col = self._col
        now = now or col.now()
        today = col.clock.day_of(now)
        return DueSummary(col.queue.counts(now=now), bool(entry_days(col.conn, today, today)))

    def review_streak(self, *, now: datetime | None = None) -> int:
        """Consecutive learner's days with at least one review, up to today (or yesterday).

        Only scheduled reviews count: a cram session alone does not keep a streak alive."""
        col = self._col
        now = now or col.now()
        clock = col.clock
        today = clock.day_of(now)
        active: set[date] = set()
        day = today
        while True:
            hit = col.conn.execute(
                "SELECT 1 FROM reviewlog WHERE reviewed_at >= ? AND reviewed_at < ? "
                f"AND {scheduled()} LIMIT 1",
                (
                    to_ms(clock.day_start(day)),
                    to_ms(clock.day_start(day + timedelta(days=1))),
                ),
            ).fetchone()
            if hit:
                active.add(day)
            elif day != today:
                break
            day -= timedelta(days=1)
        return streak(active, today)
