"""The load balancer's view of the profile: how many review cards fall due on each of the
next 99 learner's days, and on which of them the answered card's siblings are due.

Anki builds the same counts (`LoadBalancer::new`) with the review queue and updates them as
cards are answered; so do we, because the answer path must stay well under a millisecond: one
query (a count per due moment, from the due-queue index) when the counts are first needed on
a learner's day, then each answer moves its card from one day to the other in memory. The
counts are read again when they may have drifted: a new learner's day, another connection's
commit (`PRAGMA data_version`), or a write on this connection that did not come through
`moved` (`total_changes`: a suspension, an import, a reschedule, an undo). A card's siblings
are looked up when it is answered (the note index: a handful of rows).

The whole profile is one preset here (Anki balances per deck-options preset): our scheduling
settings are the profile's. Siblings are kept apart, as Anki does when "bury review
siblings" is on, which is what our queue does. Suspended cards are not counted: they will
not be shown on their day.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from mastery.days import to_ms
from mastery.load_balance import LOAD_BALANCE_DAYS, DueLoad
from mastery.states import CardState

if TYPE_CHECKING:
    from mastery.collection import Collection

_REVIEW = int(CardState.REVIEW)


@dataclass
class _Counts:
    day: date
    version: tuple[int, int]  # (data_version, total_changes) when last in step
    starts: list[int]  # ms at which each of the days today .. today+99 begins
    counts: list[int]

    def index(self, due_ms: int) -> int | None:
        """The day (from today) a due moment falls in, None outside the 99 days."""
        i = bisect_right(self.starts, due_ms) - 1
        return i if 0 <= i < LOAD_BALANCE_DAYS else None


class LoadBalancer:
    """Review counts per coming day for the load balancer, kept in step with answers."""

    def __init__(self, col: Collection) -> None:
        self._col = col
        self._counts: _Counts | None = None

    def forget(self) -> None:
        """Count again on next use."""
        self._counts = None

    def context(self, card_id: int, note_key: str, now: datetime) -> DueLoad | None:
        """What the scheduler balances this card's answer against; None when the load
        balancer is off (the setting `load_balancer`)."""
        s = self._col.settings_store.current()
        if not s["load_balancer"]:
            return None
        counts = self._current(now)
        rows = self._col.conn.execute(
            "SELECT due FROM card WHERE note_key = ? AND id != ? AND state = ? "
            "AND suspended = 0 AND due >= ? AND due < ?",
            (note_key, card_id, _REVIEW, counts.starts[0], counts.starts[-1]),
        )
        siblings = [i for (due,) in rows if (i := counts.index(due)) is not None]
        return DueLoad(counts.counts, counts.day.weekday(), s["easy_days"], siblings)

    def moved(
        self, before: tuple[int, int, bool], after: tuple[int, int, bool], now: datetime
    ) -> None:
        """A card was just answered (its writes done, inside the answer's transaction): move
        it from its old day to its new one; `before` and `after` are (state, due in ms,
        suspended). The caller forgets the counts if that transaction fails."""
        counts = self._counts
        if counts is None or counts.day != self._col.clock.day_of(now):
            return
        for (state, due_ms, suspended), change in ((before, -1), (after, 1)):
            if state == _REVIEW and not suspended:
                index = counts.index(due_ms)
                if index is not None:
                    counts.counts[index] = max(0, counts.counts[index] + change)
        counts.version = self._version()

    def _version(self) -> tuple[int, int]:
        conn = self._col.conn
        return conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes

    def _current(self, now: datetime) -> _Counts:
        clock = self._col.clock
        today = clock.day_of(now)
        version = self._version()
        counts = self._counts
        if counts is not None and counts.day == today and counts.version == version:
            return counts
        starts = [
            to_ms(clock.day_start(today + timedelta(days=i))) for i in range(LOAD_BALANCE_DAYS + 1)
        ]
        counts = _Counts(today, version, starts, [0] * LOAD_BALANCE_DAYS)
        rows = self._col.conn.execute(
            "SELECT due, count(*) FROM card WHERE suspended = 0 AND state = ? "
            "AND due >= ? AND due < ? GROUP BY due",
            (_REVIEW, starts[0], starts[-1]),
        )
        for due, n in rows:
            index = counts.index(due)
            if index is not None:
                counts.counts[index] += n
        self._counts = counts
        return counts
