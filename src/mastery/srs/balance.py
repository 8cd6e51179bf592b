"""The load balancer's view of the profile: how many review cards of each deck preset fall due
on each of the next 99 learner's days, and on which of them the answered card's siblings are due.

Anki builds the same counts (`LoadBalancer::new`) with the review queue and updates them as
cards are answered; so do we, because the answer path must stay well under a millisecond: one
query (a count per due moment, from the due-queue index) when the counts are first needed on
a learner's day, then each answer moves its card from one day to the other in memory. The
counts are read again when they may have drifted: a new learner's day, another connection's
commit (`PRAGMA data_version`), or a write on this connection that did not come through
`moved` (`total_changes`: a suspension, an import, a reschedule, an undo). A card's siblings
are looked up when it is answered (the note index: a handful of rows).

As in Anki (`days_by_preset`, `easy_days_percentages_by_preset`), the balancer works per deck
preset: an answer is balanced against the cards of its own deck's preset only, with that
preset's easy days, so an exam deck on its own preset neither crowds nor is crowded by the
rest. Siblings are looked up in every preset (Anki's `calculate_sibling_modifiers` searches
them all: a note's cards may sit in decks of different presets), and kept apart as Anki does
when "bury review siblings" is on, which is what our queue does. Suspended cards are not
counted: they will not be shown on their day. Whether the balancer runs at all stays a
profile setting (`load_balancer`; collection-wide in Anki).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, overload

from mastery.days import from_ms, to_ms
from mastery.load_balance import LOAD_BALANCE_DAYS, DueLoad
from mastery.states import CardState, scheduled

if TYPE_CHECKING:
    from mastery.collection import Collection

_REVIEW = int(CardState.REVIEW)


@dataclass
class _Counts:
    day: date
    version: tuple[int, int]  # (data_version, total_changes) when last in step
    starts: list[int]  # ms at which each of the days today .. today+99 begins
    counts: dict[int, list[int]]  # preset id -> reviews due on each of the 99 days

    def index(self, due_ms: int) -> int | None:
        """The day (from today) a due moment falls in, None outside the 99 days."""
        i = bisect_right(self.starts, due_ms) - 1
        return i if 0 <= i < LOAD_BALANCE_DAYS else None

    def of(self, preset_id: int) -> list[int]:
        """One preset's counts (all zero for a preset with nothing due: Anki has no days
        for it and falls back on plain fuzz, as `DueLoad.find_day` does)."""
        found = self.counts.get(preset_id)
        if found is None:
            found = self.counts[preset_id] = [0] * LOAD_BALANCE_DAYS
        return found


class LoadBalancer:
    """Review counts per coming day for the load balancer, kept in step with answers."""

    def __init__(self, col: Collection) -> None:
        self._col = col
        self._counts: _Counts | None = None

    def forget(self) -> None:
        """Count again on next use."""
        self._counts = None

    def context(self, card_id: int, note_key: str, deck_id: int, now: datetime) -> DueLoad | None:
        """What the scheduler balances this card's answer against: the reviews due of its
        deck's preset and that preset's easy days; None when the load balancer is off (the
        profile setting `load_balancer`)."""
        if not self._col.settings_store.current()["load_balancer"]:
            return None
        presets = self._col.presets
        preset_id = presets.preset_of(deck_id)
        counts = self._current(now)
        rows = self._col.conn.execute(
            "SELECT due FROM card WHERE note_key = ? AND id != ? AND state = ? "
            "AND suspended = 0 AND due >= ? AND due < ?",
            (note_key, card_id, _REVIEW, counts.starts[0], counts.starts[-1]),
        )
        siblings = [i for (due,) in rows if (i := counts.index(due)) is not None]
        easy_days = presets.config(preset_id)["easy_days"]
        return DueLoad(counts.of(preset_id), counts.day.weekday(), easy_days, siblings)

    def moved(
        self,
        before: tuple[int, int, bool],
        after: tuple[int, int, bool],
        deck_id: int,
        now: datetime,
    ) -> None:
        """A card of this deck was just answered (its writes done, inside the answer's
        transaction): move it from its old day to its new one in its preset's counts;
        `before` and `after` are (state, due in ms, suspended). The caller forgets the counts
        if that transaction fails."""
        counts = self._counts
        if counts is None or counts.day != self._col.clock.day_of(now):
            return
        days = counts.of(self._col.presets.preset_of(deck_id))
        for (state, due_ms, suspended), change in ((before, -1), (after, 1)):
            if state == _REVIEW and not suspended:
                index = counts.index(due_ms)
                if index is not None:
                    days[index] = max(0, days[index] + change)
        counts.version = self._version()

    def due_counts(self, preset_id: int, now: datetime) -> list[int]:
        """The reviews of one preset due on each of the next 99 days, as the balancer sees
        them (a copy)."""
        return list(self._current(now).of(preset_id))

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
        counts = _Counts(today, version, starts, {})
        # Grouped by deck here and by preset below: the deck -> preset map is the presets'
        # (one definition of "a deck's preset", default included).
        rows = self._col.conn.execute(
            "SELECT deck_id, due, count(*) FROM card WHERE suspended = 0 AND state = ? "
            "AND due >= ? AND due < ? GROUP BY deck_id, due",
            (_REVIEW, starts[0], starts[-1]),
        )
        preset_of = self._col.presets.preset_of
        for deck_id, due, n in rows:
            index = counts.index(due)
            if index is not None:
                counts.of(preset_of(deck_id))[index] += n
        self._counts = counts
        return counts


class _Shifted(Sequence[int]):
    """Review counts seen from a last review `elapsed` days ago: days up to today carry
    today's workload (due or overdue, plus answered today), later days their due count."""

    def __init__(self, by_day: dict[int, int], today_load: int, elapsed: int, length: int):
        self._by_day, self._today, self._elapsed, self._len = by_day, today_load, elapsed, length

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, i: int) -> int: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[int]: ...
    def __getitem__(self, i: int | slice) -> int | Sequence[int]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._len))]
        if i <= self._elapsed:
            return self._today
        return self._by_day.get(i - self._elapsed, 0)


class Rescheduling:
    """Anki's `Rescheduler`: the load balancer for cards rescheduled after a fit. A card's
    new interval counts from its last review, so its candidate days are seen from there; it
    is never put in the past, and each card moved updates the counts for the next one. As
    there, each card is balanced against the cards of its own deck's preset, with that
    preset's easy days and maximum interval; all future days are counted (no 90-day
    cut-off, as in Anki's rescheduler); siblings are not considered (as there)."""

    def __init__(self, col: Collection, now: datetime) -> None:
        clock = col.clock
        self._col = col
        self._today = today = clock.day_of(now)
        preset_of = col.presets.preset_of
        self._by_day: dict[int, dict[int, int]] = {}  # preset -> day from today -> due
        rows = col.conn.execute(
            "SELECT deck_id, due, count(*) FROM card WHERE suspended = 0 AND state = ? "
            "AND due IS NOT NULL GROUP BY deck_id, due",
            (_REVIEW,),
        )
        for deck_id, due, n in rows:
            days = self._by_day.setdefault(preset_of(deck_id), {})
            day = self._day(due)
            days[day] = days.get(day, 0) + n
        self._due_today = {
            preset: sum(n for day, n in days.items() if day <= 0)
            for preset, days in self._by_day.items()
        }
        start = to_ms(clock.day_start(today))
        self._reviewed_today: dict[int, int] = {}
        for deck_id, n in col.conn.execute(
            "SELECT c.deck_id, count(*) FROM reviewlog r JOIN card c ON c.id = r.card_id "
            f"WHERE r.reviewed_at >= ? AND {scheduled('r')} GROUP BY c.deck_id",
            (start,),
        ):
            preset = preset_of(deck_id)
            self._reviewed_today[preset] = self._reviewed_today.get(preset, 0) + n

    def _day(self, due_ms: int) -> int:
        return (self._col.clock.day_of(from_ms(due_ms)) - self._today).days

    def load(self, last_review: datetime, deck_id: int) -> DueLoad:
        """What the last answer of a replayed history of this deck's card is balanced
        against."""
        preset = self._col.presets.preset_of(deck_id)
        config = self._col.presets.config(preset)
        last_day = self._col.clock.day_of(last_review)
        elapsed = max(0, (self._today - last_day).days)
        today_load = self._due_today.get(preset, 0) + self._reviewed_today.get(preset, 0)
        counts = _Shifted(
            self._by_day.get(preset, {}),
            today_load,
            elapsed,
            int(config["maximum_interval"]) + 1,
        )
        return DueLoad(
            counts, last_day.weekday(), config["easy_days"], earliest=elapsed, capped=False
        )

    def moved(
        self, before: tuple[int, int | None, bool], after: tuple[int, int | None], deck_id: int
    ) -> None:
        """One card of this deck rescheduled: (state, due ms, suspended) before, (state, due
        ms) after."""
        preset = self._col.presets.preset_of(deck_id)
        days = self._by_day.setdefault(preset, {})
        state, due, suspended = before
        if state == _REVIEW and due is not None and not suspended:
            day = self._day(due)
            days[day] = max(0, days.get(day, 0) - 1)
            if day <= 0:
                self._due_today[preset] = max(0, self._due_today.get(preset, 0) - 1)
        state, due = after
        if state == _REVIEW and due is not None and not suspended:
            day = self._day(due)
            days[day] = days.get(day, 0) + 1
            if day <= 0:
                self._due_today[preset] = self._due_today.get(preset, 0) + 1
