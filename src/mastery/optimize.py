"""Fitting FSRS to the learner's own reviews, and the workload simulator.

Fitting runs on fsrs-rs-python, the Rust engine Anki uses: fitting 100,000 reviews takes
about a quarter of a second, where py-fsrs's torch optimiser takes minutes for the same log
loss. The workload simulator is our port of fsrs-rs's (`mastery.srs.simulator`), because
fsrs-rs-python cannot balance the intervals it simulates.

How reviews become training data follows fsrs-rs (and Anki): each card's answers of kind
"review" in time order, with `elapsed_days` (learner's days since the previous answer) as the
gap. Every answer given on a later day than the one before it closes one training item: the
history up to it, whose last rating says whether the card was recalled after that gap.
Same-day answers (learning steps) stay in the history but are never a target. Cram answers
(kind "cram") never enter. A negative gap (a hand-edited log, or Anki's learning steps, stored
as negative seconds) counts as the same day; a log whose gap or rating is no number at all is
left out, so such rows never stop a fit.

Figures. `evaluate` reports what Anki's Evaluate button shows for the same weights and
reviews: fsrs-rs's own `evaluate` (log loss and RMSE (bins)) on the items in Anki's order, by
the time of each item's last answer (rslib `fsrs_items_for_training` sorts by revlog id, a
millisecond timestamp). The order matters: fsrs-rs weights each item by its place in the list
(0.25 for the oldest up to 1.0 for the newest) and bins RMSE by gap, review count and lapses,
not by predicted recall. Beside them, `log_loss_unweighted` (Mastery's own figure: every
review counts the same) decides whether the fit is kept: the fitted weights are kept only if
they predict the same reviews better than the weights in force by it; otherwise the result
says so and the old weights stay.

One difference in the items remains: Anki leaves out a card whose history has no learning
answer (its first answers were cut off), while Mastery's log always starts a card's history
at its first answer as a new card (imported Anki histories are replayed from new), so it has
none to leave out.

After a fit, `health_check` runs Anki's health check (rslib `compute_params`): fsrs-rs's
time-series-split evaluation, scaled by how hard the learner's retention makes prediction.

Above `FIT_MAX_ITEMS` answers (a million cards studied for years) the same work runs on a
`CompactLog` instead (`_optimize_large`): the log held as 5 bytes an answer, the fit on a fixed
sample of whole cards, both weight sets measured on every item by `evaluate_log` (Anki's
figures from fsrs-rs's memory states in f64, where fsrs-rs's own f32 sums drift at that size),
so memory is bounded by the sample rather than by the log.
"""

from __future__ import annotations

import math
import sqlite3
import struct
import time
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, overload

from mastery.days import from_ms, to_ms
from mastery.errors import MasteryError
from mastery.srs.balance import Rescheduling
from mastery.srs.presets import DEFAULT_PRESET
from mastery.states import Rating, scheduled

if TYPE_CHECKING:
    from mastery.collection import Collection
    from mastery.model import PresetView
    from mastery.scheduler import Memory, Scheduler

# Anki's health check (rslib scheduler/fsrs/params.rs): run only above this many items, it
# passes when either scaled figure is at or below its threshold.
HEALTH_MIN_REVIEWS = 300
HEALTH_LOG_LOSS_LIMIT = 1.11
HEALTH_RMSE_LIMIT = 1.53
# Above this many items the check runs on a fixed random sample of cards with about this many
# (whole histories): its five fits cost more than the fit itself (18 s beside 14 s at 928,000
# items), and the scaled figures it judges are averages a sample of this size pins down well.
HEALTH_MAX_REVIEWS = 200_000
# Above this many scheduled answers in scope, `optimize` fits FSRS on a fixed random sample of
# whole cards with about FIT_SAMPLE_ITEMS training items and measures both weight sets on every
# item (`CompactLog`): fsrs-rs-python takes its training items only as a list of `FSRSItem`s
# and peaks at 2.9 GB fitting 9,280,000 of them (the whole fit's peak passes 1 GB a little
# above this threshold), while a sample of 1,000,000 predicts all 9,280,000 reviews as well,
# to the fourth decimal of the log loss, in a seventh of the fit's time (benchmarks/README.md,
# "Issue 15: the optimizer at 1M cards"). Below it (every profile up to 100,000 cards of the
# benchmarks) the fit is on all items, as before.
FIT_MAX_ITEMS = 2_000_000
FIT_SAMPLE_ITEMS = 1_000_000
_ANKI_EPOCHS = 8  # the training config Anki passes with the time-series split
# Below this many training items (answers on a later day than the previous one) a fit mostly
# measures noise: fsrs-rs then only moves the first-answer stabilities, and Anki's manual also
# asks for a few hundred reviews before optimizing.
MIN_REVIEWS = 400
# The monthly reminder: this long since the last fit, and this many new reviews since.
REMIND_AFTER = timedelta(days=30)
REMIND_MIN_NEW_REVIEWS = 200
# Desired retentions the workload simulator tries (the setting's own range, 0.70 to 0.97).
WORKLOAD_RETENTIONS: tuple[float, ...] = tuple(round(0.70 + 0.01 * i, 2) for i in range(28))
WORKLOAD_DAYS = 365

_MAX_GAP = 2**32 - 1  # fsrs-rs keeps gaps in days as u32
_PROGRESS_ROWS = 100_000  # reading reports its progress this often
_EVAL_CARDS = 20_000  # cards whose memory states are held at once while evaluating
_KEY_LIMIT = 1 << 62  # times and log ids below this are packed into one sort key
_LAST_FIT = "last_optimized"  # meta: {"at": ms, "reviews": n}
_REMINDED_DAY = "optimize_reminded_day"

# What the callback returns is ignored (a TUI lambda returns post_message's bool).
Progress = Callable[[float, str], object]


class NotEnoughReviews(MasteryError):
    """Too few reviews to fit FSRS to; the message says how many there are and are needed."""


@dataclass(frozen=True)
class Evaluation:
    """How well a set of weights predicts the reviews; lower is better for every figure.

    `log_loss` and `rmse_bins` are Anki's Evaluate figures (fsrs-rs's `evaluate`, recency
    weighted, RMSE over its gap/length/lapse bins); `log_loss_unweighted` is Mastery's own,
    every review counting the same, which decides whether a fit is kept.
    """

    log_loss: float
    rmse_bins: float
    log_loss_unweighted: float

    def to_dict(self) -> dict[str, float | None]:
        return {
            "log_loss": _round(self.log_loss, 4),
            "rmse_bins": _round(self.rmse_bins, 4),
            "log_loss_unweighted": _round(self.log_loss_unweighted, 4),
        }


@dataclass(frozen=True)
class HealthCheck:
    """Anki's health check after a fit: does FSRS, fitted to earlier reviews, predict later
    ones it was not fitted to? `passed` is None when the check was not done (`reason` says
    why). The figures are fsrs-rs's time-series-split evaluation (five fits, each tested on the
    next slice of reviews in time), then divided by what the learner's retention makes typical.
    """

    passed: bool | None
    reviews: int
    reason: str = ""
    log_loss: float | None = None
    rmse_bins: float | None = None
    retention: float | None = None  # share of the items answered Hard, Good or Easy
    scaled_log_loss: float | None = None
    scaled_rmse: float | None = None

    @property
    def message(self) -> str:
        """Anki's verdict in plain words, its advice included when the check fails."""
        if self.passed is None:
            return f"Health check not done: {self.reason}."
        if self.passed:
            return (
                "Health check passed: FSRS can adapt to your memory well (fitted to earlier "
                "reviews, it predicts later ones)."
            )
        return (
            "Health check failed: your memory is difficult for FSRS to predict. Suspend or "
            "reword the cards you keep forgetting; use the answer buttons consistently "
            "(Hard is a passing grade: press Again when you forgot); understand before you "
            "memorise. Following these usually improves the fit over the next few months."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "checked": self.passed is not None,
            "passed": self.passed,
            "reviews": self.reviews,
            "log_loss": _round(self.log_loss, 4),
            "rmse_bins": _round(self.rmse_bins, 4),
            "retention": _round(self.retention, 4),
            "scaled_log_loss": _round(self.scaled_log_loss, 4),
            "scaled_rmse": _round(self.scaled_rmse, 4),
            "message": self.message,
        }


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
    health: HealthCheck | None = None
    preset: str | None = None  # fitted on a preset's decks, for that preset
    # Above FIT_MAX_ITEMS: the (reviews, cards) of the sample the weights were fitted on; the
    # figures are still measured on every review.
    sample: tuple[int, int] | None = None

    @property
    def fitted_on(self) -> str:
        """What the weights were fitted on, in words."""
        if self.sample is None:
            return f"{self.reviews:,} reviews of {self.cards:,} cards"
        reviews, cards = self.sample
        return (
            f"a sample of {cards:,} of {self.cards:,} cards ({reviews:,} of {self.reviews:,} "
            "reviews; measured on all)"
        )

    @property
    def improved(self) -> bool:
        """Whether the fitted weights predict these reviews better than the ones in force
        (by Mastery's unweighted log loss, see the module docstring)."""
        return self.after_eval.log_loss_unweighted < self.before_eval.log_loss_unweighted

    @property
    def scope(self) -> str:
        if self.preset is not None:
            return f"preset {self.preset}"
        return f"deck {self.deck_key}" if self.deck_key else "profile"

    def to_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "deck": self.deck_key,
            "preset": self.preset,
            "reviews": self.reviews,
            "cards": self.cards,
            "before": {**self.before_eval.to_dict(), "parameters": _rounded(self.before)},
            "after": {**self.after_eval.to_dict(), "parameters": _rounded(self.after)},
            "improved": self.improved,
            "sample": None
            if self.sample is None
            else {"reviews": self.sample[0], "cards": self.sample[1]},
            "health_check": self.health.to_dict() if self.health else None,
            "seconds": round(self.seconds, 3),
        }


class Targets(Sequence[tuple[int, int, bool]]):
    """The training items' target answers, compactly: for each, where its card's states are
    (`card`: index into `TrainingSet.card_items`; `position`: the answer's place in that
    card's history), the gap in days and whether it was recalled. Read as
    (card, gap, recalled) tuples; kept in typed arrays, 11 bytes a target, because a profile
    of 10,000,000 reviews has about as many targets."""

    def __init__(self) -> None:
        self.card = array("I")
        self.position = array("I")
        self.gap = array("I")
        self.recalled = bytearray()

    def append(self, card: int, position: int, gap: int, recalled: bool) -> None:
        self.card.append(card)
        self.position.append(position)
        self.gap.append(gap)
        self.recalled.append(recalled)

    def __len__(self) -> int:
        return len(self.gap)

    @overload
    def __getitem__(self, index: int) -> tuple[int, int, bool]: ...
    @overload
    def __getitem__(self, index: slice) -> list[tuple[int, int, bool]]: ...
    def __getitem__(
        self, index: int | slice
    ) -> tuple[int, int, bool] | list[tuple[int, int, bool]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self.card[index], self.gap[index], bool(self.recalled[index])


@dataclass
class TrainingSet:
    """The reviews of one profile (or deck), ready for fsrs-rs.

    `items` are the training items (history up to and including the target answer), shuffled
    for the fit; `anki_items` the same item objects in Anki's order (by the target answer's
    time, then its log id), with `card_ids` beside them; `targets` the same answers, for
    Mastery's unweighted log loss, which reads the memory state before each from its card's
    longest item (`card_items`, one per card with a target), not from an item of its own: at
    10,000,000 reviews a second item per answer cost gigabytes.
    """

    items: list[Any] = field(default_factory=list)  # fsrs_rs_python.FSRSItem
    targets: Targets = field(default_factory=Targets)
    anki_items: list[Any] = field(default_factory=list)
    card_ids: array[int] = field(default_factory=lambda: array("q"))
    card_items: list[Any] = field(default_factory=list)
    anki_recalled: bytearray = field(default_factory=bytearray)  # per item, Anki's order
    cards: int = 0

    def __len__(self) -> int:
        return len(self.items)


def scope_decks(
    col: Collection, deck_key: str | None = None, preset: str | int | None = None
) -> list[int] | None:
    """The ids of the decks a fit reads: one deck, a preset's decks, or None for all."""
    if preset is not None:
        view = col.presets.preset(preset)
        return [col.deck(key).id for key in view.decks]
    if deck_key is not None:
        return [col.deck(deck_key).id]
    return None


def scope_preset(
    col: Collection, deck_key: str | None = None, preset: str | int | None = None
) -> PresetView:
    """The preset whose settings govern a scope: the named preset, the deck's preset, or
    the default preset (the profile's settings) for the whole profile. Its relearning steps
    shape the health check, and its desired retention is the one the workload table marks."""
    if preset is not None:
        return col.presets.preset(preset)
    if deck_key is not None:
        return col.presets.preset(col.presets.preset_of(col.deck(deck_key).id))
    return col.presets.preset(DEFAULT_PRESET)


def _deck_filter(decks: list[int] | None) -> str:
    if decks is None:
        return ""
    return f" AND c.deck_id IN ({','.join(str(int(d)) for d in decks)})"


def training_set(
    col: Collection,
    deck_key: str | None = None,
    *,
    preset: str | int | None = None,
    progress: Callable[[float], object] | None = None,
) -> TrainingSet:
    """Every card's review history as fsrs-rs training items (see the module docstring).

    Items go to the fit in a fixed shuffled order: fed in time order, fsrs-rs-python 0.9 fit
    measurably worse weights on a simulated learner whose histories were anchored at their end
    (so their times depended on their outcomes); shuffled, the fit recovers a simulated
    learner's true weights. `anki_items` keeps Anki's order for Anki's figures, which depend
    on it (fsrs-rs weighs each item by its place).

    The log is read once, card by card, through a cursor: no list of its rows is ever held,
    and each item exists once (both orders hold the same objects). `progress(fraction)` is
    told how far the reading got (by card id, as the rows come in card order): at 10,000,000
    reviews it takes minutes.
    """
    import random

    sql = (
        "SELECT r.id, r.card_id, r.rating, r.elapsed_days, r.reviewed_at FROM reviewlog r "
        f"WHERE {scheduled('r')} ORDER BY r.card_id, r.reviewed_at, r.id"
    )
    decks = scope_decks(col, deck_key, preset)
    if decks is not None:
        sql = sql.replace(
            "WHERE r.kind",
            f"JOIN card c ON c.id = r.card_id WHERE 1{_deck_filter(decks)} AND r.kind",
        )
    data = TrainingSet()
    cursor = col.conn.cursor()
    cursor.row_factory = None  # plain tuples: a name lookup per column costs per review
    rows: Iterable[tuple[Any, ...]] = cursor.execute(sql)
    if progress is not None:
        last = col.conn.execute("SELECT max(id) FROM card").fetchone()[0] or 1
        rows = _reporting(rows, last, progress)
    keys = _read_items(rows, data)
    order = _anki_order(keys)
    items = data.items
    data.anki_items = [items[i] for i in order]
    data.card_ids = array("q", (data.card_ids[i] for i in order))
    recalled = data.targets.recalled  # one target per item, in reading order
    data.anki_recalled = bytearray(recalled[i] for i in order)
    del order
    data.items = items[:]
    random.Random(2023).shuffle(data.items)
    return data


def _reporting(
    rows: Iterable[tuple[Any, ...]], last_card: int, progress: Callable[[float], object]
) -> Iterator[tuple[Any, ...]]:
    """The rows, telling `progress` the share of card ids read every `_PROGRESS_ROWS` rows."""
    for n, row in enumerate(rows, 1):
        if n % _PROGRESS_ROWS == 0:
            progress(min(1.0, max(0.0, row[1] / last_card)))
        yield row


def _read_items(rows: Iterable[tuple[Any, ...]], data: TrainingSet) -> list[Any]:
    """Each card's answers (rows of (id, card id, rating, gap, time) by card, then time) into
    `data`'s items (in reading order, with their card ids) and targets; returns each item's
    sort key for Anki's order, the answer's (time, log id), packed into one integer
    (time << 62 | log id) while every time and id is a whole number below 2**62 (every log
    Mastery writes): a tuple per item cost 1.2 GB at 10,000,000 items.

    The loop runs once per review (10,000,000 at the largest benchmark), so it is kept lean:
    plain tuples, one `FSRSReview` per (rating, gap) pair shared by every history (fsrs-rs
    copies the values into each item), and the checks of `_gap` and `_is_rating` only for
    values that are not plain small integers."""
    from fsrs_rs_python import FSRSItem, FSRSReview

    current = None
    history: list[Any] = []
    item = None
    keys: list[Any] = []
    packed = True
    reviews: dict[tuple[int, int], Any] = {}
    items, card_ids, targets, card_items = data.items, data.card_ids, data.targets, data.card_items
    again = Rating.AGAIN
    for log_id, card_id, rating, elapsed, when in rows:
        if card_id != current:
            if item is not None:
                card_items.append(item)
            current, history, item = card_id, [], None
            data.cards += 1
        if not history:
            elapsed = 0  # a first answer has no gap
        elif type(elapsed) is not int or not 0 <= elapsed <= _MAX_GAP:
            elapsed = _gap(elapsed)
            if elapsed is None:
                continue  # a log no one could have written (`mastery check` names those)
        if type(rating) is not int or not 1 <= rating <= 4:
            continue
        review = reviews.get((rating, elapsed))
        if review is None:
            review = reviews[rating, elapsed] = FSRSReview(rating, elapsed)
        history.append(review)
        if elapsed > 0:
            targets.append(len(card_items), len(history) - 1, elapsed, rating != again)
            item = FSRSItem(history)
            items.append(item)
            card_ids.append(card_id)
            if packed and type(when) is int and 0 <= when < _KEY_LIMIT and 0 <= log_id < _KEY_LIMIT:
                keys.append(when << 62 | log_id)
            else:
                if packed:  # a time no whole number of ms: every key as a tuple instead
                    keys[:] = [(key >> 62, key & (_KEY_LIMIT - 1)) for key in keys]
                    packed = False
                keys.append((_when(when), log_id))
    if item is not None:
        card_items.append(item)
    return keys


def _anki_order(keys: list[Any]) -> list[int]:
    """The places of the items sorted by (time, log id), as Anki sorts by revlog id; `keys`
    (from `_read_items`, packed integers or tuples) is used up. Log ids are unique, so no two
    keys tie. Packed keys get their place in their low bits and are sorted in place."""
    n = len(keys)
    if not keys or isinstance(keys[0], tuple):
        return sorted(range(n), key=keys.__getitem__)
    shift = max(n - 1, 1).bit_length()
    for i in range(n):
        keys[i] = keys[i] << shift | i
    keys.sort()
    mask = (1 << shift) - 1
    for i in range(n):  # in place: each large key is freed as its place replaces it
        keys[i] &= mask
    return keys


def _when(reviewed_at: object) -> float:
    """An answer's time as a sort key: a hand-edited value that is no number sorts first
    rather than stopping the fit."""
    if type(reviewed_at) is int or (type(reviewed_at) is float and math.isfinite(reviewed_at)):
        return reviewed_at
    return -1


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


def evaluate(
    data: TrainingSet,
    parameters: Sequence[float],
    progress: Callable[[float], object] | None = None,
) -> Evaluation:
    """The figures Anki's Evaluate button shows for these weights and reviews, and Mastery's
    unweighted log loss (see the module docstring and `Evaluation`).

    Anki's figures come from fsrs-rs-python's own `evaluate` on `anki_items`, the same call on
    the same items in the same order as Anki's `evaluate_params_legacy`, so they are equal to
    Anki's, not merely close. The unweighted log loss is computed here from fsrs-rs's memory
    states (predictions kept within 1e-6 of 0 and 1), `_EVAL_CARDS` cards at a time, each
    batch told to `progress` (the share of cards done; fsrs-rs's own call reports nothing).
    """
    from fsrs_rs_python import FSRS

    nan = float("nan")
    if not data.targets:
        return Evaluation(nan, nan, nan)
    model = FSRS(list(parameters))
    try:
        anki = model.evaluate(data.anki_items)
        log_loss, rmse_bins = float(anki.log_loss), float(anki.rmse_bins)
    except ValueError:  # fsrs-rs refuses weights whose predictions are no numbers
        log_loss = rmse_bins = nan
    decay = -parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    loss = 0.0
    targets = data.targets
    log = math.log
    at = 0  # targets are stored card by card, in the order of `card_items`
    for start in range(0, len(data.card_items), _EVAL_CARDS):
        # Each card's states after each of its answers, a batch of cards at a time: the
        # state before a target is the one after the answer before it.
        batch = model.historical_memory_state_batch(data.card_items[start : start + _EVAL_CARDS])
        stop = bisect_left(targets.card, start + len(batch), at)
        for card, position, gap, recalled in zip(
            targets.card[at:stop],
            targets.position[at:stop],
            targets.gap[at:stop],
            targets.recalled[at:stop],
            strict=True,
        ):
            p = (1 + factor * gap / batch[card - start][position - 1].stability) ** decay
            p = min(max(p, 1e-6), 1 - 1e-6)
            loss -= log(p if recalled else 1 - p)
        at = stop
        if progress is not None:
            progress((start + len(batch)) / len(data.card_items))
    return Evaluation(log_loss, rmse_bins, loss / len(data.targets))


def evaluate_in_force(
    col: Collection, deck_key: str | None = None, *, preset: str | int | None = None
) -> tuple[int, Evaluation]:
    """Anki's Evaluate button: how well the weights in force predict the scope's reviews (the
    profile, one deck, or a preset's decks with the preset's weights, as Anki evaluates per
    preset), as (training items, figures); nothing is fitted or stored. Above `FIT_MAX_ITEMS`
    answers the log is read compactly (`evaluate_log`), so memory stays bounded."""
    large = scope_reviews(col, deck_key, preset=preset) > FIT_MAX_ITEMS
    data: TrainingSet | CompactLog = (
        compact_log(col, deck_key, preset=preset)
        if large
        else training_set(col, deck_key, preset=preset)
    )
    if not len(data):
        where = f" in deck {deck_key}" if deck_key else ""
        if preset is not None:
            where = f" in preset {col.presets.preset(preset).name}'s decks"
        raise NotEnoughReviews(
            f"no reviews on a later day than the one before{where} yet: nothing to evaluate"
        )
    parameters = (
        col.presets.parameters(deck_key, preset=preset)
        if preset is not None
        else col.fsrs_parameters(deck_key)
    )
    if isinstance(data, CompactLog):  # above FIT_MAX_ITEMS: every item, a batch at a time
        return len(data), evaluate_log(data, [parameters])[0]
    return len(data), evaluate(data, parameters)


def relearning_steps_in_a_day(
    col: Collection, deck_key: str | None = None, *, preset: str | int | None = None
) -> int:
    """How many of the scope's relearning steps (its preset's, as Anki reads them from the
    preset being optimized) fall within a day, counted as Anki's deck options do before a
    fit (steps are added up until they reach 24 hours)."""
    from mastery.settings import step_to_timedelta

    count, total = 0, timedelta(0)
    for step in scope_preset(col, deck_key, preset).values["relearning_steps"]:
        total += step_to_timedelta(step)
        if total >= timedelta(days=1):
            break
        count += 1
    return count


def health_check(data: TrainingSet, relearning_steps: int = 1) -> HealthCheck:
    """Anki's health check (rslib `compute_params`), on the same items in the same order.

    Above `HEALTH_MIN_REVIEWS` items, fsrs-rs's `evaluate_with_time_series_splits` (with the
    card ids, short-term memory on, `relearning_steps` and 8 epochs, as Anki calls it) gives
    log loss and RMSE (bins) on reviews the fits did not see. Each is divided by what is typical
    at the learner's retention r (the share of items recalled) and review count c:
    log loss / (0.623 (4 r (1 - r))^0.738), RMSE / (0.0135 / (r^0.504 - 1.14) +
    0.176 / ((c / 1000)^0.825 + 2.22) + 0.101). The check passes when the scaled log loss is at
    most 1.11 or the scaled RMSE at most 1.53. Above `HEALTH_MAX_REVIEWS` items it runs on the
    items of a fixed sample of cards (`_health_sample`), and r and c are the sample's.
    """
    n = len(data.anki_items)
    if n <= HEALTH_MIN_REVIEWS:
        return _too_few_to_check(n)
    items: list[Any] = data.anki_items
    card_ids: Sequence[int] = data.card_ids
    if n > HEALTH_MAX_REVIEWS:
        items, card_ids, recalled = _health_sample(data)
    else:
        recalled = sum(data.targets.recalled)  # the same answers, one per item
    return _health(items, card_ids, recalled, relearning_steps)


def _too_few_to_check(n: int) -> HealthCheck:
    return HealthCheck(
        None,
        n,
        f"it needs more than {HEALTH_MIN_REVIEWS} reviews on a later day than the one "
        f"before, and there are {n}",
    )


def _health(
    items: list[Any], card_ids: Sequence[int], recalled: int, relearning_steps: int
) -> HealthCheck:
    """Anki's call and rule on these items (in Anki's order), `recalled` of them recalled."""
    from fsrs_rs_python import TrainingConfig, evaluate_with_time_series_splits

    n = len(items)
    try:
        result = evaluate_with_time_series_splits(
            items,
            list(card_ids),
            True,
            relearning_steps,
            TrainingConfig(num_epochs=_ANKI_EPOCHS),
        )
    except ValueError:
        return HealthCheck(None, n, "fsrs-rs could not evaluate these reviews")
    r = recalled / n
    log_loss, rmse = float(result.log_loss), float(result.rmse_bins)
    # In f32 as Anki computes them, so a figure right at a threshold falls the same way.
    scaled_log_loss = _divide(log_loss, _f32(0.623 * _f32(4 * r * (1 - r)) ** 0.738))
    rmse_typical = _f32(0.0135 / (r**0.504 - 1.14) + 0.176 / ((n / 1000) ** 0.825 + 2.22) + 0.101)
    scaled_rmse = _divide(rmse, rmse_typical)
    return HealthCheck(
        passed=scaled_log_loss <= HEALTH_LOG_LOSS_LIMIT or scaled_rmse <= HEALTH_RMSE_LIMIT,
        reviews=n,
        log_loss=log_loss,
        rmse_bins=rmse,
        retention=r,
        scaled_log_loss=scaled_log_loss,
        scaled_rmse=scaled_rmse,
    )


def _health_sample(data: TrainingSet) -> tuple[list[Any], list[int], int]:
    """About `HEALTH_MAX_REVIEWS` items for the health check: every item of a fixed random
    sample of cards (whole histories, so each card's reviews still run in time order), in
    Anki's order, with their card ids and how many of them were recalled."""
    import random
    from collections import Counter

    per_card = Counter(data.card_ids)
    cards = sorted(per_card)
    random.Random(2023).shuffle(cards)
    chosen: set[int] = set()
    total = 0
    for card in cards:
        if total >= HEALTH_MAX_REVIEWS:
            break
        chosen.add(card)
        total += per_card[card]
    picked = [
        (item, card, recalled)
        for item, card, recalled in zip(
            data.anki_items, data.card_ids, data.anki_recalled, strict=True
        )
        if card in chosen
    ]
    return [p[0] for p in picked], [p[1] for p in picked], sum(p[2] for p in picked)


def _divide(a: float, b: float) -> float:
    """a / b in f32 as Rust divides: by zero gives infinity (or NaN for 0 / 0), which then
    fails its threshold, as in Anki (every review recalled makes the log loss scale zero)."""
    if b == 0:
        return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a)
    return _f32(a / b)


def _f32(value: float) -> float:
    return float(struct.unpack("f", struct.pack("f", value))[0])


def optimize(
    col: Collection,
    deck_key: str | None = None,
    *,
    preset: str | int | None = None,
    progress: Progress | None = None,
) -> OptimizeResult:
    """Fit FSRS weights to the reviews of the profile (or one deck, or the decks of one
    preset, as Anki optimizes per preset); nothing is stored.

    Raises `NotEnoughReviews` below `MIN_REVIEWS` training items. `progress(fraction, what)`
    is told each stage (fsrs-rs reports nothing while it fits, so the fit is one stage).
    """
    from fsrs_rs_python import FSRS

    report = progress or (lambda fraction, what: None)
    started = time.perf_counter()
    report(0.0, "Reading reviews")
    if scope_reviews(col, deck_key, preset=preset) > FIT_MAX_ITEMS:
        return _optimize_large(col, deck_key, preset, report, started)
    data = training_set(
        col,
        deck_key,
        preset=preset,
        progress=lambda f: report(0.15 * f, f"Reading reviews ({f:.0%})"),
    )
    if len(data) < MIN_REVIEWS:
        raise _not_enough(col, deck_key, preset, len(data))
    before = col.presets.parameters(deck_key, preset=preset)
    report(0.15, "Measuring the weights in force")
    before_eval = evaluate(
        data, before, lambda f: report(0.15 + 0.15 * f, "Measuring the weights in force")
    )
    report(0.3, f"Fitting FSRS to {len(data):,} reviews")
    fitted = tuple(float(w) for w in FSRS(list(before)).compute_parameters(data.items))
    report(0.7, "Measuring the fitted weights")
    after_eval = evaluate(
        data, fitted, lambda f: report(0.7 + 0.05 * f, "Measuring the fitted weights")
    )
    report(0.75, "Running Anki's health check")
    health = health_check(data, relearning_steps_in_a_day(col, deck_key, preset=preset))
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
        health=health,
        preset=None if preset is None else col.presets.preset(preset).name,
    )


# ----------------------------------------------------------------------------- large logs
@dataclass
class CompactLog:
    """The reviews of a large scope, read once and kept compactly: each card's answers as a
    rating (1 byte) and a gap in days (4 bytes), no fsrs-rs object per answer. Items for the
    fit, the figures and the health check are built from it a batch of cards at a time, so at
    10,000,000 answers nothing holds 9,000,000 `FSRSItem`s (1.2 GB) at once.

    `card_ids` are the cards with at least one target, in card id order (the order
    `training_set` reads them); card c's answers are `ratings[starts[c]:starts[c + 1]]` (and
    `gaps`). `ranks` holds, for each target in that same card order, its place in Anki's order
    (by the answer's time, then its log id), which fsrs-rs's figures weigh it by.
    """

    card_ids: array[int] = field(default_factory=lambda: array("q"))
    starts: array[int] = field(default_factory=lambda: array("Q", [0]))
    ratings: bytearray = field(default_factory=bytearray)
    gaps: array[int] = field(default_factory=lambda: array("I"))
    targets: array[int] = field(default_factory=lambda: array("I"))  # per card
    ranks: array[int] = field(default_factory=lambda: array("I"))
    cards: int = 0  # every card read, as `TrainingSet.cards`

    def __len__(self) -> int:
        return len(self.ranks)

    def items_of(self, card: int, review: Callable[[int, int], Any]) -> Iterator[Any]:
        """The training items of card `card` (an index into `card_ids`), its history up to
        each target, as `training_set` builds them."""
        from fsrs_rs_python import FSRSItem

        start, stop = self.starts[card], self.starts[card + 1]
        history = [review(self.ratings[i], self.gaps[i]) for i in range(start, stop)]
        for i in range(1, stop - start):
            if self.gaps[start + i]:
                yield FSRSItem(history[: i + 1])


def scope_reviews(
    col: Collection, deck_key: str | None = None, *, preset: str | int | None = None
) -> int:
    """About how many scheduled answers a fit of this scope reads, from the counters kept as
    answers are written (by the deck each answer was given in): enough to choose between the
    whole fit and a sample, without counting the log."""
    decks = scope_decks(col, deck_key, preset)
    where = "" if decks is None else f" WHERE deck_id IN ({','.join(map(str, decks)) or 'NULL'})"
    row = col.conn.execute(f"SELECT coalesce(sum(scheduled), 0) FROM reviewhour{where}").fetchone()
    return int(row[0])


_UNMARKED = 2**32 - 1


def compact_log(
    col: Collection,
    deck_key: str | None = None,
    *,
    preset: str | int | None = None,
    progress: Callable[[float], object] | None = None,
) -> CompactLog:
    """Every card's scheduled answers, read as `training_set` reads them (the same answers
    left out, the same gaps), into a `CompactLog`; then each target's place in Anki's order,
    read from SQLite in time order (a Python sort of 9,000,000 keys cost a gigabyte).

    The loop runs once per answer (10,000,000 at the largest benchmark): rows come in chunks
    of `_PROGRESS_ROWS` (the progress is told after each), and each costs a few appends."""
    sql = (
        "SELECT r.id, r.card_id, r.rating, r.elapsed_days FROM reviewlog r "
        f"WHERE {scheduled('r')} ORDER BY r.card_id, r.reviewed_at, r.id"
    )
    decks = scope_decks(col, deck_key, preset)
    if decks is not None:
        sql = sql.replace(
            "WHERE r.kind",
            f"JOIN card c ON c.id = r.card_id WHERE 1{_deck_filter(decks)} AND r.kind",
        )
    low, high, count = col.conn.execute(
        "SELECT min(id), max(id), count(*) FROM reviewlog"
    ).fetchone()
    # Each target's log id marks its place: an array indexed by log id while ids are dense
    # (Mastery numbers its answers 1, 2, 3...), a dict otherwise.
    dense = low is not None and low >= 0 and high < 2 * count + 1_000_000
    place: Any = array("I", [_UNMARKED]) * (high + 1) if dense else _Marks()
    log = CompactLog()
    target_ids = array("q")
    last = (col.conn.execute("SELECT max(id) FROM card").fetchone()[0] or 1) if progress else 1
    cursor = col.conn.cursor()
    cursor.row_factory = None
    cursor.execute(sql)
    ratings, gaps, starts, targets = log.ratings, log.gaps, log.starts, log.targets
    add_rating, add_gap, add_id = ratings.append, gaps.append, target_ids.append
    card_ids = log.card_ids
    current: Any = None
    start = 0  # where the current card's answers begin
    found = 0  # the current card's targets
    fresh = True  # no answer of the current card kept yet: the next one has no gap
    cards = 0
    max_gap = _MAX_GAP
    while chunk := cursor.fetchmany(_PROGRESS_ROWS):
        for log_id, card_id, rating, elapsed in chunk:
            if card_id != current:
                if found:
                    card_ids.append(current)
                    starts.append(len(gaps))
                    targets.append(found)
                elif not fresh:  # answers but no target: dropped
                    del ratings[start:], gaps[start:]
                current, start, found, fresh = card_id, len(gaps), 0, True
                cards += 1
            if fresh:
                elapsed = 0
            elif type(elapsed) is not int or not 0 <= elapsed <= max_gap:
                elapsed = _gap(elapsed)
                if elapsed is None:
                    continue  # a log no one could have written (`mastery check` names those)
            if type(rating) is not int or not 1 <= rating <= 4:
                continue
            add_rating(rating)
            add_gap(elapsed)
            fresh = False
            if elapsed:
                found += 1
                add_id(log_id)
                place[log_id] = 0
        if progress is not None:
            progress(0.9 * min(1.0, max(0.0, chunk[-1][1] / last)))
    if found:
        card_ids.append(current)
        starts.append(len(gaps))
        targets.append(found)
    elif not fresh:
        del ratings[start:], gaps[start:]
    log.cards = cards
    log.ranks = _anki_places(
        col,
        place,
        target_ids,
        None if progress is None else lambda f: progress(0.9 + 0.1 * f),
    )
    return log


def _anki_places(
    col: Collection,
    place: Any,
    target_ids: array[int],
    progress: Callable[[float], object] | None,
) -> array[int]:
    """Each target's place in Anki's order (by time, then log id), in the order of
    `target_ids`; `place` has the targets' log ids marked. SQLite reads the log ids by time
    from the time index, and answers of the same millisecond are put in log id order here
    (SQLite sorting every time's answers by id took twice as long); where a time is no number,
    or an infinite one (a hand-edited log: `_when` sorts those first), SQLite sorts by that
    rule instead, which is slower."""
    odd = col.conn.execute(
        "SELECT EXISTS (SELECT 1 FROM reviewlog WHERE reviewed_at >= '') "
        "OR EXISTS (SELECT 1 FROM reviewlog WHERE reviewed_at >= 9e999 OR reviewed_at <= -9e999)"
    ).fetchone()[0]
    when = (
        "CASE WHEN typeof(reviewed_at) IN ('integer', 'real') AND abs(reviewed_at) < 9e999 "
        "THEN reviewed_at ELSE -1 END"
        if odd
        else "reviewed_at"
    )
    cursor = col.conn.cursor()
    cursor.row_factory = None
    if odd:
        cursor.execute(f"SELECT {when}, id FROM reviewlog WHERE {scheduled()} ORDER BY {when}, id")
    else:  # the time index alone, without SQLite sorting answers of the same time by id
        cursor.execute(f"SELECT reviewed_at, id FROM reviewlog WHERE {scheduled()} ORDER BY 1")
    n = 0
    previous: Any = None
    previous_id = 0
    run: list[int] = []  # the targets of one time, while more than one has it
    while chunk := cursor.fetchmany(_PROGRESS_ROWS):
        for when, log_id in chunk:
            if place[log_id] == _UNMARKED:
                continue
            if when == previous:  # rare: answers of the same millisecond
                if not run:
                    run.append(previous_id)
                run.append(log_id)
            elif run:
                _by_id(place, run)
                run = []
            place[log_id] = n
            n += 1
            previous, previous_id = when, log_id
        if progress is not None:
            progress(n / max(len(target_ids), 1))
    if run:
        _by_id(place, run)
    # From an iterator: a list of 9,000,000 Python integers first cost 330 MB.
    return array("I", map(place.__getitem__, target_ids))


class _Marks(dict[int, int]):
    """Targets' places by log id where ids are too far apart for an array: an id not marked
    reads as `_UNMARKED`, as in the array."""

    def __missing__(self, log_id: int) -> int:
        return _UNMARKED


def _by_id(place: Any, run: list[int]) -> None:
    """Answers of the same time take their places in the order of their log ids."""
    for log_id, where in zip(sorted(run), sorted(place[i] for i in run), strict=True):
        place[log_id] = where


def _cards_sample(card_ids: Sequence[int], counts: Sequence[int], budget: int) -> set[int]:
    """The places (in `card_ids`) of a fixed random sample of cards whose items add up to
    about `budget`: the cards shuffled by a fixed seed, taken until the budget is reached."""
    import random

    order = sorted(range(len(card_ids)), key=card_ids.__getitem__)
    random.Random(2023).shuffle(order)
    chosen: set[int] = set()
    total = 0
    for card in order:
        if total >= budget:
            break
        chosen.add(card)
        total += counts[card]
    return chosen


def _review_maker() -> Callable[[int, int], Any]:
    """One `FSRSReview` per (rating, gap), shared by every history (fsrs-rs copies values)."""
    from fsrs_rs_python import FSRSReview

    made: dict[tuple[int, int], Any] = {}

    def review(rating: int, gap: int) -> Any:
        value = made.get((rating, gap))
        if value is None:
            value = made[rating, gap] = FSRSReview(rating, gap)
        return value

    return review


def fit_sample(log: CompactLog, budget: int) -> tuple[list[Any], int]:
    """The items the fit sees when the scope holds more than `budget`: every item of a fixed
    random sample of whole cards (about `budget` items), in a fixed shuffled order as
    `training_set` gives them; with the number of cards. All items when there are fewer."""
    import random

    review = _review_maker()
    chosen: Sequence[int] = range(len(log.card_ids))
    if len(log) > budget:
        chosen = sorted(_cards_sample(log.card_ids, log.targets, budget))
    items = [item for card in chosen for item in log.items_of(card, review)]
    random.Random(2023).shuffle(items)
    return items, len(chosen)


def evaluate_log(
    log: CompactLog,
    weight_sets: Sequence[Sequence[float]],
    progress: Callable[[float], object] | None = None,
) -> list[Evaluation]:
    """`evaluate` for each set of weights, on every item of a `CompactLog`, in one pass over
    its cards, `_EVAL_CARDS` at a time.

    Anki's figures are computed here the way fsrs-rs's `evaluate` computes them, from
    fsrs-rs's own memory states: the recall predicted for each target, each weighed by its
    place in Anki's order (0.25 + 0.75 (place / (n - 1))^3), log loss over all, RMSE over the
    gap/length/lapse bins. fsrs-rs sums in f32 and Python in f64, so the figures agree to
    within f32 rounding, not to the last bit (at 10,000,000 items fsrs-rs's f32 sums are the
    less exact of the two).
    """
    from fsrs_rs_python import FSRS, FSRSItem, FSRSReview

    nan = float("nan")
    n = len(log)
    if not n:
        return [Evaluation(nan, nan, nan) for _ in weight_sets]
    models = [FSRS(list(w)) for w in weight_sets]
    k = len(models)
    made: dict[int, Any] = {}  # one FSRSReview per (rating, gap), by rating | gap << 3

    def review(rating: int, gap: int) -> Any:
        made[rating | gap << 3] = value = FSRSReview(rating, gap)
        return value

    weighted = [0.0] * k  # Anki's log loss, times the sum of the weights
    plain = [0.0] * k
    failed = [False] * k
    weight_sum = 0.0
    # Per bin: recalled, count, weight, then each set's predicted recall summed.
    bins: dict[tuple[int, int, int], list[float]] = {}
    cells: dict[Any, list[float]] = {}  # per (gap, length, lapses): its bin's sums
    scale = 1 / max(n - 1, 1)
    ranks, ratings, gaps, starts = log.ranks, log.ratings, log.gaps, log.starts
    log_ = math.log
    low, high = 1e-6, 1 - 1e-6
    t = 0
    cards = len(log.card_ids)
    curves = [(-w[20], 0.9 ** (1 / -w[20]) - 1) for w in weight_sets]
    for first in range(0, cards, _EVAL_CARDS):
        batch = range(first, min(cards, first + _EVAL_CARDS))
        base = starts[first]
        items = [
            FSRSItem(
                [
                    made.get(r | g << 3) or review(r, g)
                    for r, g in zip(
                        ratings[starts[c] : starts[c + 1]],
                        gaps[starts[c] : starts[c + 1]],
                        strict=True,
                    )
                ]
            )
            for c in batch
        ]
        # Each set's stabilities after each answer of the batch, in one flat list: the state
        # before a target is the one after the answer before it.
        sets = []
        for m, model in enumerate(models):
            states = model.historical_memory_state_batch(items)
            sets.append(([s.stability for card in states for s in card], *curves[m], m))
        del items, states
        for c in batch:
            start, stop = starts[c], starts[c + 1]
            lapses = length = 0
            for i in range(start + 1, stop):
                gap = gaps[i]
                if not gap:
                    continue
                length += 1
                raw: Any = (
                    gap << 24 | length << 12 | lapses
                    if length < 4096 and lapses < 4096
                    else (gap, length, lapses)
                )
                cell = cells.get(raw)
                if cell is None:
                    key = _r_matrix_index(gap, length, lapses)
                    cell = bins.get(key)
                    if cell is None:
                        cell = bins[key] = [0.0] * (3 + k)
                    cells[raw] = cell
                x = ranks[t] * scale
                w = 0.25 + 0.75 * x * x * x
                t += 1
                recalled = ratings[i] != 1
                cell[0] += recalled
                cell[1] += 1
                cell[2] += w
                weight_sum += w
                at = i - base - 1
                for stability, decay, factor, m in sets:
                    p = (1 + factor * gap / stability[at]) ** decay
                    cell[3 + m] += p
                    if low <= p <= high:
                        loss = log_(p if recalled else 1 - p)
                        weighted[m] -= w * loss
                        plain[m] -= loss
                        continue
                    try:
                        weighted[m] -= w * log_(p if recalled else 1 - p)
                    except ValueError:  # a prediction of exactly 0 or 1, and wrong: as fsrs-rs
                        failed[m] = True
                    p = min(max(p, low), high)
                    plain[m] -= log_(p if recalled else 1 - p)
                if not recalled:
                    lapses += 1
        if progress is not None:
            progress(batch.stop / cards)
    figures = []
    for m in range(k):
        squares = sum(
            (cell[3 + m] / cell[1] - cell[0] / cell[1]) ** 2 * cell[2] for cell in bins.values()
        )
        anki_loss, rmse = weighted[m] / weight_sum, math.sqrt(squares / weight_sum)
        if failed[m] or not (math.isfinite(anki_loss) and math.isfinite(rmse)):
            anki_loss = rmse = nan  # fsrs-rs refuses such weights (`evaluate`'s ValueError)
        figures.append(Evaluation(anki_loss, rmse, plain[m] / n))
    return figures


def _r_matrix_index(gap: int, length: int, lapses: int) -> tuple[int, int, int]:
    """fsrs-rs's bin of a target (`FSRSItem::r_matrix_index`): its gap, its count of answers
    on a later day than the one before (plus one) and its lapses before, each on a log scale;
    Rust's `round` rounds halves away from zero."""
    gap_bin = math.floor(2.48 * 3.62 ** math.floor(math.log(gap) / math.log(3.62)) * 100 + 0.5)
    n = length + 1
    length_bin = math.floor(1.99 * 1.89 ** math.floor(math.log(n) / math.log(1.89)) + 0.5)
    if not lapses:
        return gap_bin, length_bin, 0
    lapse_bin = math.floor(1.65 * 1.73 ** math.floor(math.log(lapses) / math.log(1.73)) + 0.5)
    return gap_bin, length_bin, lapse_bin


def health_check_log(log: CompactLog, relearning_steps: int = 1) -> HealthCheck:
    """`health_check` on a `CompactLog`: the same sample of whole cards (above
    `HEALTH_MAX_REVIEWS` items), its items in Anki's order, the same call and rule."""
    n = len(log)
    if n <= HEALTH_MIN_REVIEWS:
        return _too_few_to_check(n)
    chosen: Iterable[int]
    if n <= HEALTH_MAX_REVIEWS:
        chosen = range(len(log.card_ids))
    else:
        chosen = sorted(_cards_sample(log.card_ids, log.targets, HEALTH_MAX_REVIEWS))
    review = _review_maker()
    picked: list[tuple[int, Any, int]] = []
    t = 0
    firsts = array("Q", [0])  # where each card's targets begin among all targets
    for count in log.targets:
        t += count
        firsts.append(t)
    recalled = 0
    for card in chosen:
        first, start = firsts[card], log.starts[card]
        recalled += sum(
            log.ratings[i] != Rating.AGAIN
            for i in range(start + 1, log.starts[card + 1])
            if log.gaps[i]
        )
        for offset, item in enumerate(log.items_of(card, review)):
            picked.append((log.ranks[first + offset], item, log.card_ids[card]))
    picked.sort(key=lambda p: p[0])
    return _health([p[1] for p in picked], [p[2] for p in picked], recalled, relearning_steps)


def _not_enough(
    col: Collection, deck_key: str | None, preset: str | int | None, items: int
) -> NotEnoughReviews:
    where = f" in deck {deck_key}" if deck_key else ""
    if preset is not None:
        where = f" in preset {col.presets.preset(preset).name}'s decks"
    return NotEnoughReviews(
        f"FSRS needs at least {MIN_REVIEWS} reviews on a later day than the one before to "
        f"learn from; there are {items}{where} so far. Keep reviewing and try again."
    )


def _optimize_large(
    col: Collection,
    deck_key: str | None,
    preset: str | int | None,
    report: Progress,
    started: float,
) -> OptimizeResult:
    """`optimize` above `FIT_MAX_ITEMS` answers: the log read once into a `CompactLog`, the fit
    on a sample of whole cards, both weight sets measured on every item in one pass, the
    health check on its own sample. Memory stays bounded by the sample, not the log."""
    from fsrs_rs_python import FSRS

    log = compact_log(
        col,
        deck_key,
        preset=preset,
        progress=lambda f: report(0.25 * f, f"Reading reviews ({f:.0%})"),
    )
    if len(log) < MIN_REVIEWS:  # answers in scope, but few on a later day than the one before
        raise _not_enough(col, deck_key, preset, len(log))
    before = col.presets.parameters(deck_key, preset=preset)
    items, cards = fit_sample(log, FIT_SAMPLE_ITEMS)
    sample = None if len(items) == len(log) else (len(items), cards)
    what = f"{len(items):,} reviews" if sample is None else f"a sample of {cards:,} cards"
    report(0.25, f"Fitting FSRS to {what}")
    fitted = tuple(float(w) for w in FSRS(list(before)).compute_parameters(items))
    del items
    report(0.5, "Measuring the weights in force and the fitted weights")
    before_eval, after_eval = evaluate_log(
        log,
        [before, fitted],
        lambda f: report(0.5 + 0.3 * f, "Measuring the weights in force and the fitted weights"),
    )
    report(0.8, "Running Anki's health check")
    health = health_check_log(log, relearning_steps_in_a_day(col, deck_key, preset=preset))
    report(1.0, "Done")
    return OptimizeResult(
        deck_key=deck_key,
        reviews=len(log),
        cards=log.cards,
        before=tuple(before),
        after=fitted,
        before_eval=before_eval,
        after_eval=after_eval,
        seconds=time.perf_counter() - started,
        health=health,
        preset=None if preset is None else col.presets.preset(preset).name,
        sample=sample,
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
    decks = scope_decks(col, result.deck_key, result.preset)
    updates = _replay(col, decks, result.after, report, now) if reschedule else []
    keys = None
    if decks is not None:
        keys = [d.key for d in col.decks(now=now) if d.id in decks]
    goals = col.goals.recording(now, deck_keys=keys) if reschedule else nullcontext()
    with col.db.transaction() as conn, goals:
        if result.preset is not None:
            col.presets.set_parameters(result.after, preset=result.preset)
        else:
            col.set_fsrs_parameters(result.after, deck_key=result.deck_key)
        if result.deck_key is None and result.preset is None:
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
    updates = _replay(col, scope_decks(col, deck_key), None, report, now)
    # New stabilities can make cards mature or not: the goals' history records it.
    keys = None if deck_key is None else [deck_key]
    with col.db.transaction() as conn, col.goals.recording(now, deck_keys=keys):
        _store_schedules(conn, updates)
    report(1.0, f"Rescheduled {len(updates):,} cards")
    return len(updates)


def _replay(
    col: Collection,
    decks: list[int] | None,
    weights: Sequence[float] | None,
    report: Progress,
    now: datetime,
) -> list[tuple[Any, ...]]:
    """Each studied card's memory and due date from its reviews: under `weights` for the
    cards of the scope (decks with weights of their own keep theirs when the scope is the
    profile, and so do decks on a preset other than the default), or under the weights in
    force when None. Reads only.

    With the load balancer on, each card's last answer is balanced against the reviews due
    on the days its new interval may end on, as Anki's rescheduler does, and the counts
    follow each card moved."""
    deck_sql = _deck_filter(decks)
    params: tuple[int, ...] = ()
    fresh = col._build_scheduler(weights) if weights is not None else None
    own: set[int] = set()
    if fresh is not None and decks is None:
        own = {col.deck(key).id for key in col.decks_with_own_parameters()}
        own |= set(col.presets.deck_presets())
    elif fresh is not None and decks:
        # A preset's (or a deck's) other settings stay: only its weights are new.
        preset = col.presets.preset_of(decks[0])
        if preset != 1:
            fresh = col.presets.build(weights or (), col.presets.config(preset))
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
            memory = _balanced_replay(scheduler, reviews, card_id * 1000, rescheduling, deck_id)
            before = (card["state"], card["due"], bool(card["suspended"]))
            after = (memory.state, to_ms(memory.due) if memory.due else None)
            rescheduling.moved(before, after, deck_id)
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
    scheduler: Scheduler,
    reviews: list[tuple[datetime, int]],
    seed: int,
    balance: Rescheduling,
    deck_id: int,
) -> Memory:
    """`Scheduler.replay`, with the last answer's interval picked by the load balancer among
    the cards of the deck's preset (the same seed: with nothing to balance against, the same
    day as the plain replay)."""
    ordered = sorted(reviews, key=lambda review: review[0])
    *earlier, (moment, rating) = ordered
    before = scheduler.replay(earlier, seed=seed)
    load = balance.load(moment, deck_id)
    return scheduler.answer(before, rating, moment, seed + before.reps, load=load).memory


def _store_schedules(conn: sqlite3.Connection, updates: list[tuple[Any, ...]]) -> None:
    conn.executemany(
        "UPDATE card SET state=?, step=?, stability=?, difficulty=?, due=?, last_review=?, "
        "reps=?, lapses=? WHERE id=?",
        updates,
    )


# ----------------------------------------------------------------------------- reminder
def reminder(col: Collection, *, now: datetime | None = None) -> str | None:
    """The monthly "re-optimize" suggestion, or None: the setting is on, a month has passed
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
            "optimize again to keep its predictions close (Settings, or `mastery optimize`)."
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


# What the simulator reads from the settings in force: the profile's, or a preset's where it
# holds them (a preset may hold "easy_days" too; fuzz and the load balancer are the profile's).
_WORKLOAD_SETTINGS = (
    "new_per_day",
    "reviews_per_day",
    "maximum_interval",
    "desired_retention",
    "new_cards_ignore_review_limit",
    "learning_steps",
    "relearning_steps",
    "leech_threshold",
    "leech_action",
    "load_balancer",
    "enable_fuzz",
    "easy_days",
)


def workload(
    col: Collection,
    deck_key: str | None = None,
    *,
    preset: str | int | None = None,
    retentions: Sequence[float] = WORKLOAD_RETENTIONS,
    days: int = WORKLOAD_DAYS,
    progress: Progress | None = None,
) -> list[WorkloadPoint]:
    """Simulate a year of study at each desired retention with the weights in force.

    The simulated collection is the scope's size (at least 100 cards), learnt at the
    new-cards-per-day limit and capped at the reviews-per-day limit in force (the profile's,
    with `preset` that preset's, for one deck its preset's), with as many (re)learning steps
    as the settings have and leeches suspended when the leech action says so, as fsrs-rs's
    simulator (the one behind Anki's "help me decide") models a learner. With the load
    balancer on (and fuzz), every interval is balanced and the easy days kept, as Anki's
    simulator does (`mastery.srs.simulator`). Each point is seeded: the same settings give
    the same figures.
    """
    from mastery.srs.simulator import SimulatorConfig, simulate

    report = progress or (lambda fraction, what: None)
    values: dict[str, Any] = {k: col.setting(k) for k in _WORKLOAD_SETTINGS}
    deck_sql = ""
    args: tuple[int, ...] = ()
    if preset is not None:
        view = col.presets.preset(preset)
        values |= {k: view.values[k] for k in _WORKLOAD_SETTINGS if k in view.values}
        params = list(col.presets.parameters(preset=preset))
        ids = [col.deck(key).id for key in view.decks]
        deck_sql = f" WHERE deck_id IN ({','.join('?' * len(ids)) or 'NULL'})"
        args = tuple(ids)
    else:
        params = list(col.fsrs_parameters(deck_key))
        if deck_key is not None:
            deck_sql, args = " WHERE deck_id = ?", (col.deck(deck_key).id,)
            # A deck is studied at its preset's limits (the Default preset's: the profile's).
            view = scope_preset(col, deck_key)
            values |= {k: view.values[k] for k in _WORKLOAD_SETTINGS if k in view.values}
    size = col.conn.execute("SELECT count(*) AS n FROM card" + deck_sql, args).fetchone()["n"]
    leeches_suspended = values["leech_action"] == "suspend" and int(values["leech_threshold"]) > 0
    config = SimulatorConfig(
        deck_size=max(100, int(size)),
        learn_span=days,
        learn_limit=int(values["new_per_day"]),
        review_limit=int(values["reviews_per_day"]),
        new_cards_ignore_review_limit=bool(values["new_cards_ignore_review_limit"]),
        max_ivl=float(values["maximum_interval"]),
        learning_step_count=len(values["learning_steps"]),
        relearning_step_count=len(values["relearning_steps"]),
        suspend_after_lapses=int(values["leech_threshold"]) if leeches_suspended else None,
        load_balancer=bool(values["load_balancer"] and values["enable_fuzz"]),
        easy_days=tuple(values["easy_days"]),
        weekday=col.clock.day_of(col.now()).weekday(),
    )
    points = []
    for n, retention in enumerate(retentions):
        report(n / len(retentions), f"Simulating retention {retention:.2f}")
        result = simulate(params, float(retention), config, seed=42)
        answers = sum(result.review_cnt_per_day) + sum(result.learn_cnt_per_day)
        points.append(
            WorkloadPoint(
                retention=float(retention),
                reviews_per_day=answers / days,
                minutes_per_day=sum(result.cost_per_day) / days / 60,
                knowledge=result.memorized,
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


def _round(value: float | None, digits: int) -> float | None:
    """Rounded for JSON; None for no figure (NaN is not JSON)."""
    return None if value is None or not math.isfinite(value) else round(value, digits)
