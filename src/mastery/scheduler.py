"""FSRS scheduling the way Anki does it, on top of py-fsrs.

This is the only module that imports `fsrs`. py-fsrs supplies the FSRS-6 formulas (initial,
short-term and long-term stability, difficulty, the forgetting curve, the fuzz ranges); this
module supplies what Anki adds around them, because FSRS's default parameters were fitted on
Anki's data and Anki's behaviour is what learners expect:

- Elapsed time is counted in learner's days split at the rollover hour (`DayClock`), not in
  whole 24-hour periods: 21:00 -> 09:00 next morning is one day. py-fsrs would count 0 days
  there and use the same-day (short-term) formula instead of the forgetting curve.
- Review-state cards are due at the start of a learner's day, N days from today; only
  learning and relearning steps are due at `now + step`.
- A passing review never drops below the previous interval while that lies within the new
  interval's fuzz range, and is at least previous + 1 when the interval grew (Anki's
  `minimum_review_fuzz_interval`, with fuzz on or off).
- Review intervals are strictly ordered (Hard >= 1 day, Good >= Hard + 1, Easy >= Good + 1),
  capped at `maximum_interval`, and fuzzed afterwards within the bounds that ordering and cap
  leave, as Anki's `with_review_fuzz` does (rslib/src/scheduler/states/{review,learning,
  relearning,steps,fuzz}.rs).
- Hard on the first (re)learning step waits between Again and Good (the mean of the first two
  steps, or 1.5x a single step), as Anki's `LearningSteps` does.

Everything is pure: a `Memory` in, `Outcome`s out, `now` always passed in. The database lives
elsewhere (`collection.py`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from fsrs import Card, Rating, State
from fsrs import Scheduler as FsrsScheduler
from fsrs.scheduler import FUZZ_RANGES

from mastery.days import DayClock
from mastery.load_balance import DueLoad
from mastery.present import interval_given
from mastery.states import CardState
from mastery.states import Rating as Answer

# Card states, as stored in the database and as Anki numbers its card types (short names for
# the state machine below).
NEW, LEARNING, REVIEW, RELEARNING = CardState
# Answer buttons.
AGAIN, HARD, GOOD, EASY = Answer
RATINGS: tuple[int, ...] = tuple(Answer)

_DAY_SECS = 86_400
# fsrs-rs (and so Anki) clamps stability to [0.001, 36500]; py-fsrs only clamps the bottom.
_STABILITY_MAX = 36_500.0
# A fixed instant for asking py-fsrs about the forgetting curve: only the gap matters.
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_FSRS_RATING = {int(r): r for r in Rating}


@dataclass(frozen=True, slots=True)
class Memory:
    """A card's schedule. Moments are tz-aware UTC datetimes.

    `state` is 0 new, 1 learning, 2 review, 3 relearning (Anki's card types); `step` is the
    index of the current (re)learning step, None otherwise. A new card has no stability,
    difficulty or last review yet.
    """

    state: int
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0


@dataclass(frozen=True)
class SchedulerConfig:
    """The learner's scheduling options (Anki's deck options, FSRS path).

    `parameters` None means py-fsrs's FSRS-6 defaults, which are also Anki's defaults.
    """

    desired_retention: float = 0.9
    learning_steps: tuple[timedelta, ...] = (timedelta(minutes=1), timedelta(minutes=10))
    relearning_steps: tuple[timedelta, ...] = (timedelta(minutes=10),)
    maximum_interval: int = 36500
    enable_fuzz: bool = True
    parameters: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if not 0.0 < self.desired_retention < 1.0:
            raise ValueError(
                f"desired_retention must be between 0 and 1, got {self.desired_retention}"
            )
        if self.maximum_interval < 1:
            raise ValueError(f"maximum_interval must be at least 1, got {self.maximum_interval}")
        for step in (*self.learning_steps, *self.relearning_steps):
            if step.total_seconds() < 1:
                raise ValueError(f"learning steps must be at least 1 second, got {step}")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one answer button does to a card.

    `interval` is `memory.due - now`. `scheduled_days` is the review interval in learner's days
    (0 for a (re)learning step) and `elapsed_days` the learner's days since the previous review
    (0 for a new card): both go into the review log, as in Anki's revlog.
    """

    rating: int
    memory: Memory
    interval: timedelta
    scheduled_days: int
    elapsed_days: int

    @property
    def label(self) -> str:
        """The button label as Anki shows it: days for reviews ("1d" even when due at 04:00
        tomorrow, 18 hours away), the step for learning ("10m")."""
        return interval_given(self.scheduled_days, self.interval)


# FSRS-6's default weights (also Anki's), for showing and comparing.
DEFAULT_PARAMETERS: tuple[float, ...] = tuple(FsrsScheduler().parameters)

_DEFAULT_CONFIG = SchedulerConfig()
_DEFAULT_CLOCK = DayClock()


class Scheduler:
    """Answers cards: Anki's state machine and interval rules around py-fsrs's formulas."""

    config: SchedulerConfig
    clock: DayClock

    def __init__(
        self, config: SchedulerConfig = _DEFAULT_CONFIG, clock: DayClock = _DEFAULT_CLOCK
    ) -> None:
        self.config = config
        self.clock = clock
        params = config.parameters
        # py-fsrs validates the parameters (count and bounds) here; its own fuzz stays off
        # because fuzz is applied below, after Anki's ordering rules.
        self._fsrs = FsrsScheduler(
            **({} if params is None else {"parameters": params}),
            desired_retention=config.desired_retention,
            learning_steps=config.learning_steps,
            relearning_steps=config.relearning_steps,
            maximum_interval=config.maximum_interval,
            enable_fuzzing=False,
        )
        # The interval at which recall falls to the desired retention is proportional to
        # stability: py-fsrs's `_next_interval` before its rounding, which Anki does its own way.
        fsrs = self._fsrs
        self._days_per_stability = (
            config.desired_retention ** (1 / fsrs._DECAY) - 1
        ) / fsrs._FACTOR
        # Anki measures steps in whole seconds.
        self._learn_secs = tuple(int(s.total_seconds()) for s in config.learning_steps)
        self._relearn_secs = tuple(int(s.total_seconds()) for s in config.relearning_steps)
        self._max_ivl = max(1, config.maximum_interval)

    # ---------------------------------------------------------------- public
    def outcomes(
        self, memory: Memory, now: datetime, seed: int = 0, load: DueLoad | None = None
    ) -> dict[int, Outcome]:
        """What each of the four ratings would do, computed together because Anki's intervals
        depend on each other (Good is at least Hard + 1, Easy at least Good + 1).

        `seed` makes fuzz deterministic (the collection passes card id and reps, as Anki
        seeds its fuzz); it is ignored when fuzz is off. `load` (the reviews due on each
        coming day) turns on Anki's load balancer: with fuzz on, each review interval is the
        day of its fuzz range the balancer picks (`mastery.load_balance`).
        """
        return self._outcomes(memory, now, seed, RATINGS, load)

    def answer(
        self,
        memory: Memory,
        rating: int,
        now: datetime,
        seed: int = 0,
        load: DueLoad | None = None,
    ) -> Outcome:
        """The card after answering with `rating` (the same as `outcomes(...)[rating]`, but
        only that outcome is built: this runs on every answer)."""
        if rating not in _RATING_SET:
            raise ValueError(f"rating must be 1-4 (Again, Hard, Good, Easy), got {rating!r}")
        return self._outcomes(memory, now, seed, (rating,), load)[rating]

    def replay(self, reviews: Iterable[tuple[datetime, int]], *, seed: int = 0) -> Memory:
        """The memory a new card ends with after these answers (see `memory_from_reviews`);
        used to reschedule cards after their FSRS weights change."""
        memory = Memory(state=NEW)
        for moment, rating in sorted(reviews, key=lambda review: _utc(review[0])):
            memory = self.answer(memory, rating, moment, seed + memory.reps).memory
        return memory

    def retrievability(self, memory: Memory, now: datetime) -> float | None:
        """Predicted probability of recall at `now`, None for a card never reviewed.

        Elapsed time is counted in learner's days, as the scheduler counts it, so the value is
        constant through a learner's day and equals the desired retention on the due day.
        """
        if memory.stability is None or memory.last_review is None:
            return None
        return self._recall(memory.stability, self.clock.elapsed_days(memory.last_review, now))

    # --------------------------------------------------------------- private
    def _outcomes(
        self,
        memory: Memory,
        now: datetime,
        seed: int,
        ratings: tuple[int, ...],
        load: DueLoad | None = None,
    ) -> dict[int, Outcome]:
        """Outcomes for `ratings`; the intervals of all four are planned either way, since
        each depends on the ones below it."""
        now = _utc(now)
        clock = self.clock
        fsrs = self._fsrs
        last = memory.last_review
        elapsed = clock.elapsed_days(last, now) if last is not None else 0

        # Memory after each rating: py-fsrs's formulas, fed Anki's day count.
        s, d = memory.stability, memory.difficulty
        if s is None or d is None:
            stab = [fsrs._initial_stability(rating=r) for r in _RATINGS]
            diff = [fsrs._initial_difficulty(rating=r, clamp=True) for r in _RATINGS]
        else:
            if last is None or elapsed == 0:
                stab = [fsrs._short_term_stability(stability=s, rating=r) for r in _RATINGS]
            else:
                recall = self._recall(s, elapsed)
                stab = [
                    fsrs._next_stability(difficulty=d, stability=s, retrievability=recall, rating=r)
                    for r in _RATINGS
                ]
            diff = [fsrs._next_difficulty(difficulty=d, rating=r) for r in _RATINGS]
        stab = [min(x, _STABILITY_MAX) for x in stab]
        raw = [x * self._days_per_stability for x in stab]
        # Anki keeps a card's memory state rounded (stability to 4 places, difficulty to 3) and
        # schedules the next answer from that; doing the same keeps long histories in step.
        kept_s = [_round(x * 1e4) / 1e4 for x in stab]
        kept_d = [_round(x * 1e3) / 1e3 for x in diff]

        # The load balancer, as in Anki, only moves a fuzzed interval: with fuzz off it is off.
        fuzz = _Fuzz(_fuzz_factor(seed), load) if self.config.enable_fuzz else None
        if memory.state == REVIEW:
            plan = self._plan_review(raw, fuzz, self._previous_interval(memory))
        elif memory.state == RELEARNING:
            plan = self._plan_steps(RELEARNING, self._relearn_secs, memory.step, raw, fuzz)
        else:
            plan = self._plan_steps(LEARNING, self._learn_secs, memory.step, raw, fuzz)

        today = clock.day_of(now)
        reps = memory.reps + 1
        result: dict[int, Outcome] = {}
        for rating in ratings:
            i = rating - 1
            state, step, secs, days = plan[i]
            if days:
                # Reviews are due when the learner's day `days` days from today begins.
                due = clock.day_start(today + timedelta(days=days))
                interval = due - now
            else:
                interval = timedelta(seconds=secs)
                due = now + interval
            lapses = memory.lapses + int(memory.state == REVIEW and rating == AGAIN)
            after = Memory(state, step, kept_s[i], kept_d[i], due, now, reps, lapses)
            result[rating] = Outcome(rating, after, interval, days, elapsed)
        return result

    def _recall(self, stability: float, elapsed_days: int) -> float:
        """py-fsrs's forgetting curve after `elapsed_days` learner's days: its 24-hour count of
        a card reviewed exactly that many days before is the learner's-day count."""
        card = Card(
            card_id=0,
            state=State.Review,
            stability=stability,
            difficulty=5.0,
            due=_EPOCH,
            last_review=_EPOCH,
        )
        return self._fsrs.get_card_retrievability(card, _EPOCH + timedelta(days=elapsed_days))

    def _previous_interval(self, memory: Memory) -> int:
        """The interval the card was given at its last review, in learner's days (Anki's
        `scheduled_days`): from the day of that review to the day it fell due."""
        if memory.due is None or memory.last_review is None:
            return 0
        days = (self.clock.day_of(memory.due) - self.clock.day_of(memory.last_review)).days
        return max(days, 0)

    def _plan_review(self, raw: list[float], fuzz: _Fuzz | None, previous: int) -> list[_Next]:
        """A review card (review.rs `passing_fsrs_review_intervals`): Again lapses into
        relearning; Hard, Good and Easy get intervals from FSRS, each at least a day longer than
        the one before, and none below the previous interval while that lies within the
        interval's fuzz range (nor below previous + 1 when the interval grew)."""
        max_ivl = self._max_ivl

        def at_least(interval: float, floor: int) -> int:
            return max(_minimum_review_fuzz_interval(interval, previous, max_ivl), floor)

        hard = _review_days(raw[1], at_least(raw[1], 1), max_ivl, fuzz)
        good = _review_days(raw[2], at_least(raw[2], hard + 1), max_ivl, fuzz)
        easy = _review_days(raw[3], at_least(raw[3], good + 1), max_ivl, fuzz)
        if self._relearn_secs:
            again = _Next(RELEARNING, 0, self._relearn_secs[0], 0)
        else:
            again = _graduate(_review_days(_round(raw[0]), 1, max_ivl, fuzz))
        return [again, _graduate(hard), _graduate(good), _graduate(easy)]

    def _plan_steps(
        self,
        state: int,
        steps: tuple[int, ...],
        step: int | None,
        raw: list[float],
        fuzz: _Fuzz | None,
    ) -> list[_Next]:
        """A new, learning or relearning card walking through its steps (learning.rs,
        relearning.rs, steps.rs)."""
        max_ivl = self._max_ivl
        # Graduating intervals are rounded first, then fuzzed (learning.rs, relearning.rs).
        days = [_round(x) for x in raw]
        if not steps:
            # No steps: every answer graduates. Anki does not order Hard and Good here; we do,
            # so the buttons never show Good <= Hard.
            again_days = _review_days(days[0], 1, max_ivl, fuzz)
            hard_days = _review_days(days[1], 1, max_ivl, fuzz)
            good_days = _review_days(days[2], hard_days + 1, max_ivl, fuzz)
            easy_days = _review_days(days[3], good_days + 1, max_ivl, fuzz)
            return [_graduate(d) for d in (again_days, hard_days, good_days, easy_days)]
        # Easy always graduates, past what Good would give if it graduated now.
        good_days = _review_days(days[2], 1, max_ivl, fuzz)
        easy = _graduate(_review_days(days[3], good_days + 1, max_ivl, fuzz))
        # A step past the end (the steps were shortened since) counts as the last one.
        idx = min(step or 0, len(steps) - 1)
        again = _Next(state, 0, steps[0], 0)
        hard = _Next(state, idx, _hard_delay(steps, idx), 0)
        if idx + 1 < len(steps):
            good = _Next(state, idx + 1, steps[idx + 1], 0)
        else:
            good = _graduate(good_days)
        return [again, hard, good, easy]


def memory_from_reviews(
    reviews: Iterable[tuple[datetime, int]],
    config: SchedulerConfig = _DEFAULT_CONFIG,
    clock: DayClock = _DEFAULT_CLOCK,
    *,
    seed: int = 0,
) -> Memory:
    """Replay a review history (moment, rating) from a new card, e.g. an Anki import.

    Reviews are replayed in time order. Fuzz for each answer uses `seed + reps`, so passing the
    seed base the collection uses reproduces its due dates too.
    """
    return Scheduler(config, clock).replay(reviews, seed=seed)


def format_interval(interval: timedelta) -> str:
    """A short label for an interval, as on Anki's answer buttons: "1m", "6m", "1h", "3d",
    "1.5mo", "2.1y".

    Seconds to days are whole numbers; months (30 days) and years (365 days) keep one
    decimal, since "1mo" for anything from 30 to 59 days would hide the difference.
    """
    secs = max(0.0, interval.total_seconds())
    for limit, size, suffix, decimals in _UNITS:
        amount = round(secs / size, 1) if decimals else _round(secs / size)
        # Below the next unit after rounding: 59.7 minutes is "1h", not "60m".
        if amount * size < limit:
            text = f"{amount:.1f}".removesuffix(".0") if decimals else str(amount)
            return text + suffix
    raise AssertionError("unreachable: the last unit has no upper limit")


# (below this many seconds, unit size in seconds, suffix, keep a decimal)
_UNITS: tuple[tuple[float, float, str, bool], ...] = (
    (60, 1, "s", False),
    (3_600, 60, "m", False),
    (86_400, 3_600, "h", False),
    (30 * 86_400, 86_400, "d", False),
    (365 * 86_400, 30 * 86_400, "mo", True),
    (math.inf, 365 * 86_400, "y", True),
)

_RATINGS = tuple(_FSRS_RATING[r] for r in RATINGS)
_RATING_SET = frozenset(RATINGS)


class _Next(NamedTuple):
    """Where one rating sends a card: a (re)learning step of `secs`, or a review in `days`."""

    state: int
    step: int | None
    secs: int
    days: int


class _Fuzz(NamedTuple):
    """Fuzz for one answer: the card's factor in [0, 1) and the due counts to balance
    against (None: plain fuzz)."""

    factor: float
    load: DueLoad | None


def _graduate(days: int) -> _Next:
    return _Next(REVIEW, None, 0, days)


def _utc(moment: datetime) -> datetime:
    """Moments are UTC; naive ones are taken as UTC (that is how the database returns them)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


def _round(x: float) -> int:
    """Round half away from zero, as Rust's `f32::round` in Anki (Python rounds half to even)."""
    return math.floor(x + 0.5)


def _hard_delay(steps: tuple[int, ...], idx: int) -> int:
    """Anki's Hard delay: the current step, but on the first step something between Again and
    Good (the mean of the first two steps, or 1.5x a single step but at most a day more)."""
    if idx > 0:
        return steps[idx]
    first = steps[0]
    secs = (first + steps[1]) // 2 if len(steps) > 1 else min(first * 3 // 2, first + _DAY_SECS)
    # Past a day, whole days, so the answer is the same early and late in the day.
    return _round(secs / _DAY_SECS) * _DAY_SECS if secs > _DAY_SECS else secs


def _review_days(interval: float, minimum: int, maximum: int, fuzz: _Fuzz | None) -> int:
    """Anki's `with_review_fuzz`: the interval in days, at least `minimum`, at most `maximum`,
    and fuzzed with the fuzz factor in [0, 1) within py-fsrs's fuzz ranges when fuzz is on:
    the day the load balancer picks in that range when it is on, else the plain fuzzed day.

    Fuzz comes after the ordering rules and is clamped by them, so Good stays above Hard.
    """
    minimum = min(max(minimum, 1), maximum)
    if fuzz is None:
        return min(max(_round(interval), minimum), maximum)
    lower, upper = bounds = _constrained_fuzz_bounds(interval, minimum, maximum)
    if fuzz.load is not None:
        day = fuzz.load.find_day(interval, minimum, bounds, fuzz.factor)
        if day is not None:
            return day
    return math.floor(lower + fuzz.factor * (1 + upper - lower))


def fuzz_range(days: int, maximum: int) -> tuple[int, int]:
    """The days a review interval of `days` may be fuzzed or balanced to (`mastery check`
    accepts a rescheduled card moved within it)."""
    return _constrained_fuzz_bounds(days, 1, maximum)


def _constrained_fuzz_bounds(interval: float, minimum: int, maximum: int) -> tuple[int, int]:
    """Anki's `constrained_fuzz_bounds`: the fuzz range of `interval` within [minimum,
    maximum], at least two days wide when there is room (fuzz.rs)."""
    minimum = min(minimum, maximum)
    interval = min(max(interval, minimum), maximum)
    delta = _fuzz_delta(interval)
    lower = min(max(_round(interval - delta), minimum), maximum)
    upper = min(max(_round(interval + delta), minimum), maximum)
    if upper == lower and 2 < upper < maximum:
        upper = lower + 1
    return lower, upper


def _minimum_review_fuzz_interval(interval: float, previous: int, maximum: int) -> int:
    """Anki's `minimum_review_fuzz_interval` (fuzz.rs), applied with fuzz on or off: an
    interval that grew past the previous one is at least previous + 1; one that did not grow
    but whose fuzz range still reaches the previous interval keeps at least that (fuzz must
    not shorten it); one that shrank further (new weights, a lower retention) is free."""
    _, upper = _constrained_fuzz_bounds(interval, 1, maximum)
    if _round(interval) > previous:
        return previous + 1
    if previous <= upper:
        return previous
    return 0


def _fuzz_delta(interval: float) -> float:
    """How far fuzz may move an interval either way: a day plus a share of each range."""
    if interval < 2.5:
        return 0.0
    delta = 1.0
    for r in FUZZ_RANGES:
        delta += r["factor"] * max(min(interval, r["end"]) - r["start"], 0.0)
    return delta


def _fuzz_factor(seed: int) -> float:
    """A number in [0, 1) fixed by `seed` (splitmix64), so showing the buttons and answering
    give the same fuzzed interval, and a card's fuzz changes with each review (seed + reps)."""
    z = (seed + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    z ^= z >> 31
    return (z >> 11) / float(1 << 53)
