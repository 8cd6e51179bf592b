"""Fitting FSRS to the learner's own reviews, and the workload simulator.

Both run on fsrs-rs-python, the Rust engine Anki uses: fitting 100,000 reviews takes about a
quarter of a second, where py-fsrs's torch optimiser takes minutes for the same log loss.

How reviews become training data follows fsrs-rs (and Anki): each card's answers of kind
"review" in time order, with `elapsed_days` (learner's days since the previous answer) as the
gap. Every answer given on a later day than the one before it closes one training item: the
history up to it, whose last rating says whether the card was recalled after that gap.
Same-day answers (learning steps) stay in the history but are never a target. Cram answers
(kind "cram") never enter. A negative gap (a hand-edited log, or Anki's learning steps, stored
as negative seconds) counts as the same day; a log whose gap or rating is no number at all is
left out, so such rows never stop a fit.

The fitted weights are kept only if they predict the same reviews better (lower log loss) than
the weights in force; otherwise the result says so and the old weights stay.
"""

from __future__ import annotations

import math
import sqlite3
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from mastery.days import from_ms, to_ms
from mastery.errors import MasteryError
from mastery.srs.balance import Rescheduling
from mastery.states import Rating, scheduled

if TYPE_CHECKING:
    from mastery.collection import Collection
    from mastery.scheduler import Memory, Scheduler

# Below this many training items (answers on a later day than the previous one) a fit mostly
# measures noise: fsrs-rs then only moves the first-answer stabilities, and Anki's manual also
# asks for a few hundred reviews before optimising.
MIN_REVIEWS = 400
# The monthly reminder: this long since the last fit, and this many new reviews since.
REMIND_AFTER = timedelta(days=30)
REMIND_MIN_NEW_REVIEWS = 200
# Desired retentions the workload simulator tries (the setting's own range, 0.70 to 0.97).
WORKLOAD_RETENTIONS: tuple[float, ...] = tuple(round(0.70 + 0.01 * i, 2) for i in range(28))
WORKLOAD_DAYS = 365

_MAX_GAP = 2**32 - 1  # fsrs-rs keeps gaps in days as u32
_LAST_FIT = "last_optimized"  # meta: {"at": ms, "reviews": n}
_REMINDED_DAY = "optimize_reminded_day"

# What the callback returns is ignored (a TUI lambda returns post_message's bool).
Progress = Callable[[float, str], object]


class NotEnoughReviews(MasteryError):
    """Too few reviews to fit FSRS to; the message says how many there are and are needed."""


@dataclass(frozen=True)
class Evaluation:
    """How well a set of weights predicts the reviews: log loss (lower is better) and RMSE over
    bins of predicted recall, as Anki reports them."""

    log_loss: float
    rmse: float

    def to_dict(self) -> dict[str, float]:
        return {"log_loss": round(self.log_loss, 4), "rmse": round(self.rmse, 4)}


@dataclass(frozen=True)
class OptimizeResult:
    deck_key: str | None
    reviews: int  # training items: answers on a later day than the one before
    cards: int
    before: tuple[float, ...]
    after: tuple[float, ...]
    before_eval: Evaluation
    after_eval: Evaluation
    seconds: float

    @property
    def improved(self) -> bool:
        """Whether the fitted weights predict these reviews better than the ones in force."""
        return self.after_eval.log_loss < self.before_eval.log_loss

    @property
    def scope(self) -> str:
        return f"deck {self.deck_key}" if self.deck_key else "profile"

    def to_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "deck": self.deck_key,
            "reviews": self.reviews,
            "cards": self.cards,
            "before": {**self.before_eval.to_dict(), "parameters": _rounded(self.before)},
            "after": {**self.after_eval.to_dict(), "parameters": _rounded(self.after)},
            "improved": self.improved,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class TrainingSet:
    """The reviews of one profile (or deck), ready for fsrs-rs.

    `items` are the training items (history up to and including the target answer);
    `targets` the same answers as (history before it, gap in days, recalled), for measuring.
    """

    items: list[Any] = field(default_factory=list)  # fsrs_rs_python.FSRSItem
    targets: list[tuple[Any, int, bool]] = field(default_factory=list)
    cards: int = 0

    def __len__(self) -> int:
        return len(self.items)


def training_set(col: Collection, deck_key: str | None = None) -> TrainingSet:
    """Every card's review history as fsrs-rs training items (see the module docstring).

    Items go to fsrs-rs in a fixed shuffled order: fed in time order, fsrs-rs-python 0.9 fits
    measurably worse weights (worse than the defaults on a simulated learner), and its own
    `evaluate` gives different figures for the same items in different orders; shuffled,
    by card or by length, the fit recovers a simulated learner's true weights.
    """
    import random

    from fsrs_rs_python import FSRSItem, FSRSReview

    sql = (
        "SELECT r.card_id, r.rating, r.elapsed_days FROM reviewlog r "
        f"WHERE {scheduled('r')} ORDER BY r.card_id, r.reviewed_at, r.id"
    )
    params: tuple[Any, ...] = ()
    if deck_key is not None:
        deck = col.deck(deck_key)
        sql = sql.replace(
            "WHERE r.kind", "JOIN card c ON c.id = r.card_id WHERE c.deck_id = ? AND r.kind"
        )
        params = (deck.id,)
    data = TrainingSet()
    current = None
    history: list[Any] = []
    for row in col.conn.execute(sql, params):
        if row["card_id"] != current:
            current, history = row["card_id"], []
            data.cards += 1
        rating = row["rating"]
        elapsed = _gap(row["elapsed_days"]) if history else 0  # a first answer has no gap
        if elapsed is None or not _is_rating(rating):
            continue  # a log no one could have written (`mastery check` names those)
        if elapsed > 0:
            data.targets.append((FSRSItem(list(history)), elapsed, rating != Rating.AGAIN))
        history.append(FSRSReview(rating, elapsed))
        if elapsed > 0:
            data.items.append(FSRSItem(list(history)))
    random.Random(2023).shuffle(data.items)
    return data


def _gap(elapsed: object) -> int | None:
    """A stored `elapsed_days` as fsrs-rs takes it: a negative gap is read as 0, the same day
    (Anki stores a learning step's interval as negative seconds, and fsrs-rs refuses negative
    gaps with an OverflowError); None for a value that is no whole number (the answer is then
    left out rather than given a made-up gap)."""
    if isinstance(elapsed, float) and elapsed.is_integer():
        elapsed = int(elapsed)
    if isinstance(elapsed, bool) or not isinstance(elapsed, int) or elapsed > _MAX_GAP:
        return None
    return max(0, elapsed)


def _is_rating(rating: object) -> bool:
    return isinstance(rating, int) and not isinstance(rating, bool) and 1 <= rating <= 4


def evaluate(data: TrainingSet, parameters: Sequence[float]) -> Evaluation:
    """Log loss and RMSE of the predicted recall of every target answer, computed here from
    fsrs-rs's memory states (its `evaluate` depends on the items' order, see above).

    RMSE is over fsrs-rs's 20 bins of predicted recall (bin floor(21^R) - 1: log-spaced,
    narrow near 100% where most answers fall), each weighted by its answers: how far "FSRS
    said 85%" is from the share actually recalled. The calibration view uses the same bins.
    """
    from fsrs_rs_python import FSRS

    if not data.targets:
        return Evaluation(float("nan"), float("nan"))
    states = FSRS(list(parameters)).memory_state_batch([t[0] for t in data.targets])
    decay = -parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    loss = 0.0
    bins: dict[int, list[float]] = {}
    for state, (_, gap, recalled) in zip(states, data.targets, strict=True):
        p = (1 + factor * gap / state.stability) ** decay
        p = min(max(p, 1e-6), 1 - 1e-6)
        loss -= math.log(p if recalled else 1 - p)
        b = bins.setdefault(min(19, max(0, math.floor(21**p) - 1)), [0, 0.0, 0])
        b[0] += 1
        b[1] += p
        b[2] += recalled
    n = len(data.targets)
    rmse = math.sqrt(sum((b[1] - b[2]) ** 2 / b[0] for b in bins.values()) / n)
    return Evaluation(loss / n, rmse)


def optimize(
    col: Collection,
    deck_key: str | None = None,
    *,
    progress: Progress | None = None,
) -> OptimizeResult:
    """Fit FSRS weights to the reviews of the profile (or one deck); nothing is stored.

    Raises `NotEnoughReviews` below `MIN_REVIEWS` training items. `progress(fraction, what)`
    is told each stage (fsrs-rs reports nothing while it fits, so the fit is one stage).
    """
    from fsrs_rs_python import FSRS

    report = progress or (lambda fraction, what: None)
    started = time.perf_counter()
    report(0.0, "Reading reviews")
    data = training_set(col, deck_key)
    if len(data) < MIN_REVIEWS:
        where = f" in deck {deck_key}" if deck_key else ""
        raise NotEnoughReviews(
            f"FSRS needs at least {MIN_REVIEWS} reviews on a later day than the one before to "
            f"learn from; there are {len(data)}{where} so far. Keep reviewing and try again."
        )
    before = col.fsrs_parameters(deck_key)
    report(0.15, "Measuring the weights in force")
    before_eval = evaluate(data, before)
    report(0.3, f"Fitting FSRS to {len(data):,} reviews")
    fitted = tuple(float(w) for w in FSRS(list(before)).compute_parameters(data.items))
    report(0.85, "Measuring the fitted weights")
    after_eval = evaluate(data, fitted)
    report(1.0, "Done")
    return OptimizeResult(
        deck_key=deck_key,
        reviews=len(data),
        cards=data.cards,
        before=tuple(before),
        after=fitted,
        before_eval=before_eval,
        after_eval=after_eval,
        seconds=time.perf_counter() - started,
    )


def apply(
    col: Collection,
    result: OptimizeResult,
    *,
    reschedule: bool = False,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> int:
    """Use the fitted weights for the result's scope (profile or deck) and remember when;
    weights that predict no better than the ones in force are refused.

    With `reschedule`, every studied card of that scope gets the memory state and due date its
    history gives under the new weights; returns how many cards were rescheduled.
    """
    if not result.improved:
        raise MasteryError(
            "the fitted weights predict your reviews no better than the ones in force: "
            "they were not applied"
        )
    now = now or col.now()
    report = progress or (lambda fraction, what: None)
    # The new schedules are worked out first, under the new weights, so that the weights, the
    # date of the fit and the schedules are then stored in one short transaction: all or none.
    updates = _replay(col, result.deck_key, result.after, report, now) if reschedule else []
    keys = None if result.deck_key is None else [result.deck_key]
    goals = col.goals.recording(now, deck_keys=keys) if reschedule else nullcontext()
    with col.db.transaction() as conn, goals:
        col.set_fsrs_parameters(result.after, deck_key=result.deck_key)
        if result.deck_key is None:
            col.set_meta(_LAST_FIT, {"at": to_ms(now), "reviews": _review_count(col)})
        _store_schedules(conn, updates)
    if reschedule:
        report(1.0, f"Rescheduled {len(updates):,} cards")
    return len(updates)


def reschedule_cards(
    col: Collection,
    deck_key: str | None = None,
    *,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> int:
    """Replay each studied card's reviews under the weights now in force, in one transaction.

    Decks with weights of their own keep them when the whole profile is rescheduled.
    """
    report = progress or (lambda fraction, what: None)
    now = now or col.now()
    updates = _replay(col, deck_key, None, report, now)
    # New stabilities can make cards mature or not: the goals' history records it.
    keys = None if deck_key is None else [deck_key]
    with col.db.transaction() as conn, col.goals.recording(now, deck_keys=keys):
        _store_schedules(conn, updates)
    report(1.0, f"Rescheduled {len(updates):,} cards")
    return len(updates)


def _replay(
    col: Collection,
    deck_key: str | None,
    weights: Sequence[float] | None,
    report: Progress,
    now: datetime,
) -> list[tuple[Any, ...]]:
    """Each studied card's memory and due date from its reviews: under `weights` for the
    cards of the scope (decks with weights of their own keep theirs when the scope is the
    profile), or under the weights in force when None. Reads only.

    With the load balancer on, each card's last answer is balanced against the reviews due
    on the days its new interval may end on, as Anki's rescheduler does, and the counts
    follow each card moved."""
    deck_sql = ""
    params: tuple[int, ...] = ()
    if deck_key is not None:
        deck_sql, params = " AND c.deck_id = ?", (col.deck(deck_key).id,)
    fresh = col._build_scheduler(weights) if weights is not None else None
    own: set[int] = set()
    if fresh is not None and deck_key is None:
        own = {col.deck(key).id for key in col.decks_with_own_parameters()}
    rows = col.conn.execute(
        "SELECT r.card_id, c.deck_id, c.state, c.due, c.suspended, r.reviewed_at, r.rating "
        "FROM reviewlog r "
        f"JOIN card c ON c.id = r.card_id WHERE {scheduled('r')}"
        + deck_sql
        + " ORDER BY r.card_id, r.reviewed_at, r.id",
        params,
    ).fetchall()
    histories: dict[int, tuple[sqlite3.Row, list[tuple[datetime, int]]]] = {}
    for row in rows:
        if not _is_rating(row["rating"]):
            continue  # as in `training_set`: a log no one could have written is left out
        history = histories.setdefault(row["card_id"], (row, []))[1]
        history.append((from_ms(row["reviewed_at"]), row["rating"]))
    balancing = col.setting("load_balancer") and col.setting("enable_fuzz")
    rescheduling = Rescheduling(col, now) if balancing and histories else None
    updates = []
    total = len(histories) or 1
    for n, (card_id, (card, reviews)) in enumerate(histories.items()):
        deck_id = card["deck_id"]
        scheduler = col.scheduler_for(deck_id) if fresh is None or deck_id in own else fresh
        if rescheduling is None:
            memory = scheduler.replay(reviews, seed=card_id * 1000)
        else:
            memory = _balanced_replay(scheduler, reviews, card_id * 1000, rescheduling)
            before = (card["state"], card["due"], bool(card["suspended"]))
            rescheduling.moved(before, (memory.state, to_ms(memory.due) if memory.due else None))
        updates.append(
            (
                memory.state,
                memory.step,
                memory.stability,
                memory.difficulty,
                to_ms(memory.due) if memory.due else None,
                to_ms(memory.last_review) if memory.last_review else None,
                memory.reps,
                memory.lapses,
                card_id,
            )
        )
        if n % 2000 == 0:
            report(n / total, f"Rescheduling cards ({n:,} of {len(histories):,})")
    return updates


def _balanced_replay(
    scheduler: Scheduler, reviews: list[tuple[datetime, int]], seed: int, balance: Rescheduling
) -> Memory:
    """`Scheduler.replay`, with the last answer's interval picked by the load balancer (the
    same seed: with nothing to balance against, the same day as the plain replay)."""
    ordered = sorted(reviews, key=lambda review: review[0])
    *earlier, (moment, rating) = ordered
    before = scheduler.replay(earlier, seed=seed)
    load = balance.load(moment)
    return scheduler.answer(before, rating, moment, seed + before.reps, load=load).memory


def _store_schedules(conn: sqlite3.Connection, updates: list[tuple[Any, ...]]) -> None:
    conn.executemany(
        "UPDATE card SET state=?, step=?, stability=?, difficulty=?, due=?, last_review=?, "
        "reps=?, lapses=? WHERE id=?",
        updates,
    )


# ----------------------------------------------------------------------------- reminder
def reminder(col: Collection, *, now: datetime | None = None) -> str | None:
    """The monthly "re-optimise" suggestion, or None: the setting is on, a month has passed
    since the last fit (or since the first review), and enough reviews came in since."""
    if not col.setting("optimize_reminder"):
        return None
    now = now or col.now()
    last = col.meta(_LAST_FIT) or {}
    reviews = _review_count(col)
    if last:
        since = now - from_ms(int(last["at"]))
        new = reviews - int(last.get("reviews", 0))
        if since < REMIND_AFTER or new < REMIND_MIN_NEW_REVIEWS:
            return None
        return (
            f"{new:,} reviews since FSRS was last fitted to yours ({since.days} days ago): "
            "optimise again to keep its predictions close (Settings, or `mastery optimize`)."
        )
    first = col.conn.execute(
        f"SELECT min(reviewed_at) AS first FROM reviewlog WHERE {scheduled()}"
    ).fetchone()["first"]
    if first is None or now - from_ms(first) < REMIND_AFTER or reviews < MIN_REVIEWS:
        return None
    return (
        f"You have {reviews:,} reviews: FSRS can now be fitted to your own memory "
        "(Settings, or `mastery optimize`)."
    )


def reminder_once_a_day(col: Collection, *, now: datetime | None = None) -> str | None:
    """`reminder`, at most once per learner's day (the app calls this when it opens)."""
    now = now or col.now()
    today = col.clock.day_of(now).isoformat()
    if col.meta(_REMINDED_DAY) == today:
        return None
    text = reminder(col, now=now)
    if text:
        col.set_meta(_REMINDED_DAY, today)
    return text


# ----------------------------------------------------------------------------- workload
@dataclass(frozen=True)
class WorkloadPoint:
    """What a desired retention costs and gives over the simulated year."""

    retention: float
    reviews_per_day: float  # mean answers per day (reviews and new cards)
    minutes_per_day: float
    knowledge: float  # cards remembered at the end: the sum of their retrievabilities

    def to_dict(self) -> dict[str, float]:
        return {
            "retention": self.retention,
            "reviews_per_day": round(self.reviews_per_day, 1),
            "minutes_per_day": round(self.minutes_per_day, 1),
            "knowledge": round(self.knowledge, 1),
        }


def workload(
    col: Collection,
    deck_key: str | None = None,
    *,
    retentions: Sequence[float] = WORKLOAD_RETENTIONS,
    days: int = WORKLOAD_DAYS,
    progress: Progress | None = None,
) -> list[WorkloadPoint]:
    """Simulate a year of study at each desired retention with the weights in force.

    The simulated collection is the scope's size (at least 100 cards), learnt at the
    profile's new-cards-per-day limit and capped at its reviews-per-day limit, as fsrs-rs's
    simulator (the one behind Anki's "help me decide") models a learner.
    """
    from fsrs_rs_python import default_simulator_config, simulate

    report = progress or (lambda fraction, what: None)
    params = list(col.fsrs_parameters(deck_key))
    deck_sql = ""
    args: tuple[int, ...] = ()
    if deck_key is not None:
        deck_sql, args = " WHERE deck_id = ?", (col.deck(deck_key).id,)
    size = col.conn.execute("SELECT count(*) AS n FROM card" + deck_sql, args).fetchone()["n"]
    config = default_simulator_config()
    config.deck_size = max(100, int(size))
    config.learn_span = days
    config.learn_limit = max(1, int(col.setting("new_per_day")))
    config.review_limit = max(1, int(col.setting("reviews_per_day")))
    config.max_ivl = float(col.setting("maximum_interval"))
    points = []
    for n, retention in enumerate(retentions):
        report(n / len(retentions), f"Simulating retention {retention:.2f}")
        result = simulate(params, float(retention), config, 42)
        per_day = [
            r + lrn
            for r, lrn in zip(result.review_cnt_per_day, result.learn_cnt_per_day, strict=False)
        ]
        points.append(
            WorkloadPoint(
                retention=float(retention),
                reviews_per_day=sum(per_day) / len(per_day),
                minutes_per_day=sum(result.cost_per_day) / len(result.cost_per_day) / 60,
                knowledge=float(result.memorized_cnt_per_day[-1]),
            )
        )
    report(1.0, "Done")
    return points


def nearest(points: Sequence[WorkloadPoint], retention: float) -> WorkloadPoint | None:
    """The simulated point closest to a desired retention: the row marked "now"."""
    return min(points, key=lambda p: abs(p.retention - retention), default=None)


# ----------------------------------------------------------------------------- helpers
def _review_count(col: Collection) -> int:
    return int(
        col.conn.execute(f"SELECT count(*) AS n FROM reviewlog WHERE {scheduled()}").fetchone()["n"]
    )


def _rounded(parameters: Sequence[float]) -> list[float]:
    return [round(w, 4) if math.isfinite(w) else w for w in parameters]
