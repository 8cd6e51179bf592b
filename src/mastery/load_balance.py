"""Anki's load balancer and easy days (Anki 24.11+): which day inside a review's fuzz range
to pick so the daily workload stays even, and lighter on the learner's easy days.

A straight port of rslib/src/scheduler/states/load_balancer.rs (`find_interval`,
`calculate_easy_days_modifiers`, `calculate_sibling_modifiers`, `select_weighted_interval`),
because a learner coming from Anki expects the same spread. Each day of the fuzz range gets a
weight, `(1 / reviews due)^2.15 * (1 / interval)^3` times its sibling and easy-day
modifiers (an empty day weighs 1, as in Anki, whatever its modifiers), and one day is drawn
with those weights. Anki draws with a random generator seeded by the card; we draw with the
card's fuzz factor (`u` in [0, 1), the same number fuzz would use), so showing the buttons and
answering pick the same day, and a pick can be checked by hand from the weights.

Pure: the caller (`mastery.srs.balance`) keeps the due counts and passes a `DueLoad`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat

# Anki: cards sent further out than this are not balanced (the need is low), and the counts
# cover 10% more days because a balanced card may land past the interval.
MAX_LOAD_BALANCE_INTERVAL = 90
LOAD_BALANCE_DAYS = int(MAX_LOAD_BALANCE_INTERVAL * 1.1)  # 99

# A day with a sibling (another card of the same note) is almost ruled out, and the days
# around it are damped: 0.2 the day before/after, 0.4 two days away, ... (Anki's values).
_SIBLING_STEPS = (-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5)
_SIBLING_RANGE = (1.0, 0.8, 0.6, 0.4, 0.2, 0.000001, 0.2, 0.4, 0.6, 0.8, 1.0)

# An easy day's share of a normal day's load: 100% normal, 0% (almost) none, anything in
# between "reduced" (Anki's `EasyDay::load_modifier`; a day at 0% keeps a tiny weight so a
# week of 0% days still balances).
_MINIMUM = 0.0001
_REDUCED = 0.5
_NORMAL = 1.0

NORMAL_WEEK: tuple[int, ...] = (100,) * 7
_ONES = repeat(1.0)  # a modifier of 1 for every day (map stops at the shortest input)


def easy_day_load(percent: float) -> float:
    """Anki's `EasyDay::from(f32).load_modifier()` for a percentage 0..100."""
    if percent >= 100:
        return _NORMAL
    if percent <= 0:
        return _MINIMUM
    return _REDUCED


def easy_days_modifiers(
    easy_days: Sequence[float], weekdays: Sequence[int], review_counts: Sequence[int]
) -> list[float]:
    """Anki's `calculate_easy_days_modifiers`: a normal day stays on, a 0% day is (almost)
    off, and a reduced day is on only while its share of the range's reviews stays below
    half of an ordinary day's."""
    if all(percent >= 100 for percent in easy_days):
        return [_NORMAL] * len(weekdays)  # no easy day: every day stays on (the common case)
    loads = [easy_day_load(easy_days[w]) for w in weekdays]
    total_reviews = sum(review_counts)
    total_percents = sum(loads)
    result = []
    for load, count in zip(loads, review_counts, strict=True):
        if load == _REDUCED:
            other_reviews = total_reviews - count
            other_percents = total_percents - _REDUCED
            normalized = count / _REDUCED
            # Anki divides f32s: a lone reduced day (other_percents 0) gives inf or nan, and
            # `normalized > nan` is false there as here.
            threshold = _divide(other_reviews, other_percents)
            load = _MINIMUM if normalized > threshold else _NORMAL
        result.append(load)
    return result


def sibling_modifiers(sibling_days: Sequence[int], before: int, after: int) -> list[float]:
    """Anki's `calculate_sibling_modifiers`: for the range `before..=after` (days from
    today), each sibling's day damps itself and its five neighbours either side."""
    modifiers = [1.0] * (after - before + 1)
    if not sibling_days:
        return modifiers
    for day in set(sibling_days):
        for step, value in zip(_SIBLING_STEPS, _SIBLING_RANGE, strict=True):
            target = day + step - before
            if 0 <= target < len(modifiers):
                modifiers[target] *= value
    return modifiers


def day_weight(review_count: int, interval: int, sibling: float, easy: float) -> float:
    """Anki's weight of one candidate day (`select_weighted_interval`)."""
    if review_count == 0:
        return 1.0
    return (1.0 / review_count) ** 2.15 * (1.0 / interval) ** 3 * sibling * easy


def pick(weights: Sequence[float], u: float) -> int | None:
    """The index drawn by `u` in [0, 1) with these weights, as rand's `WeightedIndex` does
    with its uniform sample: the first index whose running total exceeds `u * total`. None
    when no weight is positive (Anki's `WeightedIndex::new` error)."""
    total = sum(weights)
    if not total > 0 or min(weights) < 0:
        return None
    chosen = u * total
    running = 0.0
    for index, weight in enumerate(weights):
        running += weight
        if chosen < running:
            return index
    return len(weights) - 1  # u * total rounding up to total


def _divide(a: float, b: float) -> float:
    if b:
        return a / b
    if a > 0:
        return float("inf")
    return float("nan") if a == 0 else float("-inf")


@dataclass(frozen=True, slots=True)
class DueLoad:
    """What the load balancer knows when one card is answered.

    `counts[i]` is the number of review cards due on the learner's day today + i (Anki keeps
    99 days); `weekday` is today's weekday (0 Monday); `easy_days` the seven percentages
    Monday..Sunday; `sibling_days` the days (from today) on which another card of the same
    note is due, empty when siblings are not kept apart.
    """

    counts: Sequence[int]
    weekday: int
    easy_days: Sequence[float] = NORMAL_WEEK
    sibling_days: Sequence[int] = field(default=())
    earliest: int = 0
    """No day before this one (rescheduling: today, counted from the last review)."""
    capped: bool = True
    """Anki's answer path: no balancing past 90 days or with no review due at all. Its
    rescheduler has neither rule (`Rescheduler::find_interval`)."""

    def find_day(
        self, interval: float, minimum: int, bounds: tuple[int, int], u: float
    ) -> int | None:
        """Anki's `LoadBalancer::find_interval` over the fuzz range `bounds` (Anki's
        `constrained_fuzz_bounds(interval, minimum, maximum)`): the day (from today) to
        schedule in, or None to fall back on plain fuzz (interval or minimum past 90 days,
        or no review due in the next 99 days at all: Anki has no counts for the preset then).
        """
        if self.capped:
            # Anki truncates the f32 interval (`interval as usize`): 90.7 days is balanced.
            if int(interval) > MAX_LOAD_BALANCE_INTERVAL or minimum > MAX_LOAD_BALANCE_INTERVAL:
                return None
            if not any(self.counts):
                return None
        before, after = bounds
        if after < self.earliest:
            return None  # Anki's rescheduler leaves an overdue card to plain fuzz
        before = max(before, self.earliest)
        days = range(before, after + 1)
        # Days past the counts have none due (a slice, not an index per day: the workload
        # simulator balances every card it schedules).
        counts = list(self.counts[before : after + 1])
        counts += [0] * (len(days) - len(counts))
        # Without easy days or siblings every modifier is 1 (the common case: skip them).
        easy: Iterable[float] = _ONES
        if min(self.easy_days) < 100:
            weekdays = [(self.weekday + d) % 7 for d in days]
            easy = easy_days_modifiers(self.easy_days, weekdays, counts)
        siblings: Iterable[float] = _ONES
        if self.sibling_days:
            siblings = sibling_modifiers(self.sibling_days, before, after)
        weights = list(map(day_weight, counts, days, siblings, easy))
        index = pick(weights, u)
        return None if index is None else before + index
