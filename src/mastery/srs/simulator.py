"""The workload simulator: a stretch of study at one desired retention, card by card.

A port of fsrs-rs's `simulate` (src/simulation.rs in fsrs 6.6.1, the version inside
fsrs-rs-python 0.9.3), the simulator behind Anki's "help me decide". We port it because
fsrs-rs-python exposes no post-scheduling hook, and Anki's simulator needs one: with the load
balancer on, Anki passes `apply_load_balance_and_easy_days` (rslib scheduler/fsrs/simulator.rs)
to fsrs-rs, which moves each new interval to a day of its fuzz range picked by the balancer
and the easy days. Here that step is `_Balancer`, built on our own load balancer
(`mastery.load_balance.DueLoad`) and fuzz bounds (`scheduler._constrained_fuzz_bounds`), so
the simulator balances with the same code as answering and rescheduling (without the answer
path's 90-day limit and siblings, as Anki's simulator).

The model is fsrs-rs's: `deck_size` unseen cards, `learn_limit` of them due each day; each
day the due reviews are shown first (lowest difficulty first when a limit stops some of
them), up to `review_limit`, then new cards, up to `learn_limit` (and, unless
`new_cards_ignore_review_limit`, within `review_limit` together with the reviews); what does
not fit moves to the next day. A new card's first rating is drawn from `first_rating_prob`; a
review is recalled with the card's retrievability, and then rated Hard/Good/Easy by
`review_rating_prob`; (re)learning steps follow the step-transition tables, each answer
costing `state_rating_costs` seconds. Each card is then scheduled at the desired retention,
rounded and capped at `max_ivl`. A card lapsed `suspend_after_lapses` times is suspended.

Event-driven, in pure Python: each day holds the list of cards due on it, so a day costs its
own answers, not a scan of the deck. fsrs-rs sums every card's retrievability on every day
(`memorized_cnt_per_day`); the only figure Mastery shows is the last day's, so `memorized` is
that sum, computed once at the end. fsrs-rs draws from ChaCha (StdRng) and works in f32; this
port draws from Python's `random.Random(seed)` in f64, so the two agree statistically, not
draw for draw (tests/test_simulator.py holds them together).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import overload

from mastery.load_balance import NORMAL_WEEK, DueLoad

# fsrs-rs's bounds on memory states.
S_MIN = 0.001
S_MAX = 36500.0
D_MIN = 1.0
D_MAX = 10.0
_MAX_STEPS = 5  # fsrs-rs: at most five same-day steps after the first answer
_LEARNING, _REVIEW, _RELEARNING = 0, 1, 2

Table = tuple[tuple[float, float, float, float], ...]


@dataclass(frozen=True)
class SimulatorConfig:
    """fsrs-rs's `SimulatorConfig` (same names, same defaults except `max_cost_perday`), plus
    the post-scheduling step: `load_balancer` on balances every new interval with the
    week's `easy_days` (percentages Monday..Sunday), day 0 falling on `weekday` (0 Monday).

    `max_cost_perday` (seconds) is unlimited, as Anki passes it: fsrs-rs's default of
    1,800 s stops each day after half an hour, which no setting of ours asks for.
    """

    deck_size: int = 10_000
    learn_span: int = 365
    max_cost_perday: float = math.inf
    max_ivl: float = 36_500.0
    first_rating_prob: tuple[float, float, float, float] = (0.24, 0.094, 0.495, 0.171)
    review_rating_prob: tuple[float, float, float] = (0.224, 0.631, 0.145)
    learn_limit: int = 2**63
    review_limit: int = 2**63
    new_cards_ignore_review_limit: bool = True
    suspend_after_lapses: int | None = None
    learning_step_transitions: Table = (
        (0.3686, 0.0628, 0.5108, 0.0577),
        (0.0442, 0.4553, 0.4457, 0.0549),
        (0.0519, 0.047, 0.8462, 0.055),
    )
    relearning_step_transitions: Table = (
        (0.2157, 0.0643, 0.6595, 0.0604),
        (0.05, 0.4638, 0.4475, 0.0387),
        (0.1057, 0.1434, 0.7266, 0.0244),
    )
    state_rating_costs: Table = (
        (19.58, 18.79, 13.78, 10.71),
        (19.38, 17.59, 12.38, 8.94),
        (16.44, 15.25, 12.32, 8.03),
    )
    learning_step_count: int = 2
    relearning_step_count: int = 1
    load_balancer: bool = False
    easy_days: Sequence[float] = NORMAL_WEEK
    weekday: int = 0


@dataclass(frozen=True)
class SimulationResult:
    """Per simulated day: reviews, new cards learnt, seconds spent; and `memorized`, the
    cards remembered on the last day (the sum of every learnt card's retrievability)."""

    review_cnt_per_day: list[int]
    learn_cnt_per_day: list[int]
    cost_per_day: list[float]
    memorized: float


def simulate(
    parameters: Sequence[float],
    desired_retention: float,
    config: SimulatorConfig,
    seed: int = 42,
) -> SimulationResult:
    """Simulate `config.learn_span` days of study at `desired_retention` with FSRS-6's 21
    weights; the same seed gives the same result."""
    if config.deck_size < 1:
        raise ValueError("the simulated deck needs at least one card")
    if config.learn_span < 1:
        raise ValueError("the simulation needs at least one day")
    if not 0 < desired_retention < 1:
        raise ValueError(f"desired retention must be between 0 and 1, not {desired_retention}")
    if len(parameters) != 21:
        raise ValueError(f"FSRS-6 has 21 weights, not {len(parameters)}")
    if not all(math.isfinite(w) for w in parameters):
        raise ValueError("FSRS weights must be finite numbers")
    return _Simulation(list(parameters), desired_retention, config, seed).run()


class _Simulation:
    """One run's state: cards as parallel lists (stability, difficulty, last day, lapses),
    and for each day the cards due on it."""

    def __init__(
        self, w: list[float], desired_retention: float, config: SimulatorConfig, seed: int
    ) -> None:
        self.w = w
        self.config = config
        self.rng = random.Random(seed)
        span = config.learn_span
        self.decay = decay = -w[20]
        self.factor = factor = 0.9 ** (1 / decay) - 1
        # next_interval(s) = s / factor * (retention^(1/decay) - 1)
        self.interval_per_stability = (desired_retention ** (1 / decay) - 1) / factor
        self.stability: list[float] = []
        self.difficulty: list[float] = []
        self.last: list[int] = []
        self.lapses: list[int] = []
        self.due_on: list[list[int]] = [[] for _ in range(span)]
        self.review_cnt = [0] * span
        self.learn_cnt = [0] * span
        self.cost = [0.0] * span
        self.due_cnt = [0] * (span + span // 2)
        self.max_lapses = (
            config.suspend_after_lapses if config.suspend_after_lapses is not None else 2**32
        )
        self.max_ivl = max(1, int(config.max_ivl))  # whole days: intervals are rounded
        self.balancer = _Balancer(config, self.due_cnt) if config.load_balancer else None
        # Drawn by cumulative weights, as rand's WeightedIndex does.
        self.first_cum = _cumulative(config.first_rating_prob)
        self.review_cum = _cumulative(config.review_rating_prob)
        self.learning_steps = _Steps(w, config.learning_step_transitions)
        self.relearning_steps = _Steps(w, config.relearning_step_transitions)
        # next_d's constants: the step for each rating, and the mean reversion to Easy's
        # first difficulty (w7 * init_d(4) + (1 - w7) * d).
        self.d_step = [0.0] + [-w[6] * (rating - 3) for rating in (1, 2, 3, 4)]
        self.reversion_base = w[7] * (w[4] - math.exp(w[5] * 3) + 1)
        self.keep = 1 - w[7]
        self.exp_w8 = math.exp(w[8])

    # ------------------------------------------------------------------ the days
    def run(self) -> SimulationResult:
        config = self.config
        span = config.learn_span
        learn_limit = config.learn_limit
        review_limit = config.review_limit
        max_cost = config.max_cost_perday
        new_total = config.deck_size if learn_limit > 0 else 0
        learnt = 0
        for day in range(span):
            todays = self.due_on[day]
            self.due_on[day] = []
            reviews = 0
            if todays:
                if len(todays) > review_limit or max_cost != math.inf:
                    difficulty = self.difficulty
                    todays.sort(key=lambda c: int(difficulty[c] * 100))
                for n, card in enumerate(todays):
                    if reviews >= review_limit or self.cost[day] > max_cost:
                        self._postpone(todays[n:], day)
                        break
                    self._review(card, day)
                    reviews += 1
            # New cards: those whose first day has come (card i's is i // learn_limit).
            waiting = min(new_total, (day + 1) * learn_limit) - learnt if learn_limit else 0
            learns = 0
            room = learn_limit
            if not config.new_cards_ignore_review_limit:
                room = min(room, review_limit - reviews)
            for _ in range(min(waiting, room)):
                if self.cost[day] > max_cost:
                    break
                self._learn(day)
                learns += 1
            learnt += learns
        return SimulationResult(
            review_cnt_per_day=self.review_cnt,
            learn_cnt_per_day=self.learn_cnt,
            cost_per_day=self.cost,
            memorized=self._memorized(span - 1),
        )

    def _postpone(self, cards: list[int], day: int) -> None:
        """fsrs-rs moves a card over a limit to the next day, and its count with it."""
        due_cnt = self.due_cnt
        due_cnt[day] -= len(cards)
        if day + 1 < len(due_cnt):
            due_cnt[day + 1] += len(cards)
        if day + 1 < len(self.due_on):
            self.due_on[day + 1].extend(cards)

    # ------------------------------------------------------------------ answers
    def _learn(self, day: int) -> None:
        w = self.w
        rng = self.rng.random
        rating = _draw(self.first_cum, rng()) + 1
        s = w[rating - 1]
        d = min(max(w[4] - math.exp(w[5] * (rating - 1)) + 1, D_MIN), D_MAX)
        costs = self.config.state_rating_costs[_LEARNING]
        s, d, cost = self.learning_steps.run(
            s, d, rating, costs, self.config.learning_step_count, rng, self._next_d
        )
        card = len(self.stability)
        self.stability.append(s)
        self.difficulty.append(d)
        self.last.append(day)
        self.lapses.append(0)
        self.learn_cnt[day] += 1
        self.cost[day] += cost
        self._schedule(card, day, s)

    def _review(self, card: int, day: int) -> None:
        w = self.w
        config = self.config
        rng = self.rng.random
        s = self.stability[card]
        d = self.difficulty[card]
        r = (1 + self.factor * (day - self.last[card]) / s) ** self.decay
        if rng() < r:
            rating = _draw(self.review_cum, rng()) + 2
            bonus = w[15] if rating == 2 else w[16] if rating == 4 else 1.0
            grow = self.exp_w8 * (11 - d) * s ** -w[9] * (math.exp((1 - r) * w[10]) - 1)
            new_s = s * (grow * bonus + 1)
            new_s = S_MIN if new_s < S_MIN else S_MAX if new_s > S_MAX else new_s
            new_d = self._next_d(d, rating)
            cost = config.state_rating_costs[_REVIEW][rating - 1]
        else:
            self.lapses[card] += 1
            after = w[11] * d ** -w[12] * ((s + 1) ** w[13] - 1) * math.exp((1 - r) * w[14])
            post_s = min(max(min(after, s / math.exp(w[17] * w[18])), S_MIN), S_MAX)
            new_s, new_d, cost = self.relearning_steps.run(
                post_s,
                self._next_d(d, 1),
                None,
                config.state_rating_costs[_RELEARNING],
                config.relearning_step_count,
                rng,
                self._next_d,
            )
            cost += config.state_rating_costs[_REVIEW][0]
        self.review_cnt[day] += 1
        self.cost[day] += cost
        self.stability[card] = new_s
        self.difficulty[card] = new_d
        self.last[card] = day
        self._schedule(card, day, new_s)

    def _next_d(self, d: float, rating: int) -> float:
        """fsrs-rs's `next_d`: linear damping, then mean reversion to Easy's first value."""
        new_d = d + (10 - d) / 9 * self.d_step[rating]
        new_d = self.reversion_base + self.keep * new_d
        return D_MIN if new_d < D_MIN else D_MAX if new_d > D_MAX else new_d

    def _schedule(self, card: int, day: int, stability: float) -> None:
        """The next interval at the desired retention, rounded half up (Rust's `round`) and
        capped, then balanced when the load balancer is on."""
        interval = int(stability * self.interval_per_stability + 0.5)  # positive: floor
        interval = 1 if interval < 1 else self.max_ivl if interval > self.max_ivl else interval
        if self.balancer is not None:
            interval = self.balancer.day(interval, day, self.rng.random())
        due = day + interval
        if due < len(self.due_cnt):
            self.due_cnt[due] += 1
        # A card due after the last day, or suspended by its lapses, is never shown again.
        if due < len(self.due_on) and self.lapses[card] < self.max_lapses:
            self.due_on[due].append(card)

    def _memorized(self, day: int) -> float:
        decay, factor = self.decay, self.factor
        return math.fsum(
            (1 + factor * (day - last) / s) ** decay
            for s, last in zip(self.stability, self.last, strict=True)
        )


class _Steps:
    """fsrs-rs's `memory_state_short_term`: the same-day (re)learning answers after a first
    answer (or a lapse), drawn from a step-transition table, each one moving stability by
    the short-term formula and difficulty as any answer does."""

    def __init__(self, w: list[float], transitions: Table) -> None:
        self.cumulative = [_cumulative(row) for row in transitions]
        self.w19 = w[19]
        # exp(w17 * (rating - 3 + w18)) for ratings 1..4
        self.boost = [math.exp(w[17] * (rating - 3 + w[18])) for rating in (1, 2, 3, 4)]

    def run(
        self,
        s: float,
        d: float,
        first: int | None,
        costs: Sequence[float],
        step_count: int,
        rng: Callable[[], float],
        next_d: Callable[[float, int], float],
    ) -> tuple[float, float, float]:
        """(stability, difficulty, seconds) after the steps; `first` is the first answer's
        rating (new cards, whose cost it adds) or None (a lapse: the steps start from Again).
        """
        rating = first if first is not None else 1
        cost = costs[rating - 1] if first is not None else 0.0
        needed = max(step_count - 1, 0) if rating > 2 else step_count
        good_in_a_row = 0
        for _ in range(_MAX_STEPS):
            if good_in_a_row >= needed or rating >= 4:
                break
            rating = _draw(self.cumulative[rating - 1], rng()) + 1
            sinc = self.boost[rating - 1] * s**-self.w19
            s = min(max(s * (max(sinc, 1.0) if rating >= 3 else sinc), S_MIN), S_MAX)
            d = next_d(d, rating)
            cost += costs[rating - 1]
            if rating > 2:
                good_in_a_row += 1
            elif rating == 1:
                good_in_a_row = 0
        return min(max(s, S_MIN), S_MAX), min(max(d, D_MIN), D_MAX), cost


class _Balancer:
    """Anki's `apply_load_balance_and_easy_days`: the day of the interval's fuzz range
    (`constrained_fuzz_bounds(interval, 1, max_ivl)`) that our load balancer picks against
    the cards due on each day, with the easy days; no 90-day cut-off, no siblings."""

    def __init__(self, config: SimulatorConfig, due_cnt: list[int]) -> None:
        from mastery.scheduler import _constrained_fuzz_bounds

        self.bounds = _constrained_fuzz_bounds
        self.maximum = max(1, int(config.max_ivl))
        self.easy_days = tuple(config.easy_days)
        self.weekday = config.weekday
        self.due_cnt = due_cnt
        self._bounds: dict[int, tuple[int, int]] = {}
        self._today = -1
        self._load = DueLoad((), 0)

    def _load_on(self, today: int) -> DueLoad:
        """What the cards scheduled on `today` are balanced against (one per day)."""
        self._today = today
        weekday = (self.weekday + today) % 7
        return DueLoad(_FromDay(self.due_cnt, today), weekday, self.easy_days, capped=False)

    def day(self, interval: int, today: int, u: float) -> int:
        """The balanced interval for `interval` (days) scheduled on day `today`."""
        bounds = self._bounds.get(interval)
        if bounds is None:  # the same few hundred whole intervals come back all year
            bounds = self._bounds[interval] = self.bounds(interval, 1, self.maximum)
        lower, upper = bounds
        if upper == lower:
            return lower
        if today != self._today:
            self._load = self._load_on(today)
        picked = self._load.find_day(interval, 1, bounds, u)
        return lower if picked is None else picked


class _FromDay(Sequence[int]):
    """The cards due on each simulated day, seen from day `start`: [i] is day start + i. A
    view, so one `DueLoad` serves a whole day while each card scheduled adds to the counts."""

    __slots__ = ("counts", "start")

    def __init__(self, counts: list[int], start: int) -> None:
        self.counts = counts
        self.start = start

    def __len__(self) -> int:
        return max(0, len(self.counts) - self.start)

    @overload
    def __getitem__(self, i: int) -> int: ...
    @overload
    def __getitem__(self, i: slice) -> list[int]: ...
    def __getitem__(self, i: int | slice) -> int | list[int]:
        if isinstance(i, slice):
            begin, end, step = i.indices(max(0, len(self.counts) - self.start))
            return self.counts[self.start + begin : self.start + end : step]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        return self.counts[self.start + i % len(self)]


def _cumulative(weights: Sequence[float]) -> list[float]:
    total = sum(weights)
    running = 0.0
    out = []
    for weight in weights:
        running += weight
        out.append(running / total)
    return out


def _draw(cumulative: list[float], u: float) -> int:
    """The index `u` in [0, 1) falls on."""
    for index, edge in enumerate(cumulative):
        if u < edge:
            return index
    return len(cumulative) - 1
