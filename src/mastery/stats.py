"""Statistics: the figures of the Stats screen and of `mastery stats --json`.

`insight(col, now=...)` returns one frozen `Insight` with

- a **heatmap**: answers per learner's day over the last 365 days;
- **reviews and time per day** over the last 30 days, split by the card's state before the
  answer (learning, young, mature, relearning);
- **true retention** over the last 7 / 30 / 90 / 365 days, overall and per deck;
- a **due forecast** for the next 30 days;
- **card counts by state** (new, learning, young, mature, suspended);
- the distributions of **stability** and of **retrievability today**.

Which answers count: the heatmap and reviews/time per day count every answer in the review
log, scheduled reviews (`kind = 'review'`) and cram answers (`kind = 'cram'`) alike, since
both are time spent studying. True retention counts scheduled reviews only: a cram answer
does not test memory at the moment FSRS predicted.

True retention is Anki's: among answers to cards that were in review state before the answer
(`state_before = 2`), the share not rated Again. Each figure carries its counts (passed /
total) so a reader can judge it, and is None, not 0, when there were no such answers.

Days are learner's days (`col.clock`: time zone and rollover hour, DST-safe): every range
below is bounded by `DayClock.day_start`, so an answer at 03:30 with the rollover at 04:00
counts for the day before, in any time zone. "The last 7 days" are today and the 6 days
before it.

Performance: nothing counts every answer or every card. Answers come from `reviewhour`
(per UTC hour and deck) and card states from `cardcount`, both kept by triggers as the log
and the cards are written (`storage/counters.py`); the forecast and the stability and
retrievability distributions read `ix_card_queue`, which covers them. The benchmark
`stats_ms` times the whole `insight` at 100,000 to 1,000,000 cards (`--size`).
"""

from __future__ import annotations

import sqlite3
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from mastery import present
from mastery.days import to_ms
from mastery.errors import NotFoundError
from mastery.states import CardState
from mastery.storage.counters import (
    CLASS_BUCKETS,
    HOUR_MS,
    MATURE_CLASS,
    hour_values,
)

# Written as an IN list, not `!=`, so the index can seek on it (`ix_card_queue`).
_STUDIED = f"({CardState.LEARNING}, {CardState.REVIEW}, {CardState.RELEARNING})"

if TYPE_CHECKING:
    from mastery.collection import Collection

HEATMAP_DAYS = 365
ACTIVITY_DAYS = 30
FORECAST_DAYS = 30
RETENTION_PERIODS = (7, 30, 90, 365)

# Stability buckets: below each of STABILITY_EDGES (storage/counters.py), then the rest.
STABILITY_LABELS = (
    "<1d",
    "1-3d",
    "3-7d",
    "7-14d",
    "14-30d",
    "30-90d",
    "90-180d",
    "180-365d",
    "1y+",
)
RETRIEVABILITY_LABELS = tuple(f"{10 * i}-{10 * i + 10}%" for i in range(10))

# FSRS-4.5 and FSRS-5 weights (19 values) have no decay weight: their curve used 0.5.
LEGACY_DECAY = 0.5
_DAY_MS = 86_400_000
_DECKS_PER_QUERY = 500  # decks per retention statement (SQLite caps a statement's length)


# ----------------------------------------------------------------------------- plain data
@dataclass(frozen=True, slots=True)
class DayCount:
    """Answers given on one learner's day (one square of the heatmap)."""

    day: date
    reviews: int

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "reviews": self.reviews}


@dataclass(frozen=True, slots=True)
class DayActivity:
    """One learner's day of study: answers, time spent, and the answers split by the card's
    state before the answer (young/mature: review state below/at `MATURE_DAYS` stability)."""

    day: date
    reviews: int
    duration_ms: int
    learning: int
    young: int
    mature: int
    relearning: int

    @property
    def minutes(self) -> float:
        return self.duration_ms / 60_000

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "reviews": self.reviews,
            "minutes": round(self.minutes, 1),
            "learning": self.learning,
            "young": self.young,
            "mature": self.mature,
            "relearning": self.relearning,
        }


@dataclass(frozen=True, slots=True)
class Retention:
    """True retention over the last `days` days: `passed` of `total` review-state answers
    were not Again."""

    days: int
    passed: int
    total: int

    @property
    def rate(self) -> float | None:
        """passed / total, or None when there was nothing to measure (never a fake 0%)."""
        return self.passed / self.total if self.total else None

    def to_dict(self) -> dict[str, Any]:
        rate = self.rate
        return {
            "days": self.days,
            "passed": self.passed,
            "total": self.total,
            "rate": None if rate is None else round(rate, 4),
        }


@dataclass(frozen=True, slots=True)
class DeckRetention:
    """True retention of one deck (or of every deck: `deck_key` None) for each period."""

    deck_key: str | None
    deck_name: str
    periods: tuple[Retention, ...]

    def period(self, days: int) -> Retention:
        for figure in self.periods:
            if figure.days == days:
                return figure
        raise KeyError(days)

    def to_dict(self) -> dict[str, Any]:
        return {
            "deck": self.deck_key,
            "name": self.deck_name,
            "periods": [p.to_dict() for p in self.periods],
        }


@dataclass(frozen=True, slots=True)
class ForecastDay:
    """Cards due on one learner's day; day 0 (today) also holds every overdue card."""

    day: date
    learning: int
    review: int

    @property
    def total(self) -> int:
        return self.learning + self.review

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "due": self.total,
            "learning": self.learning,
            "review": self.review,
        }


@dataclass(frozen=True, slots=True)
class CardStates:
    """Cards by state; a suspended card counts only as suspended."""

    new: int
    learning: int  # learning and relearning
    young: int  # review state, stability below MATURE_DAYS
    mature: int  # review state, stability at least MATURE_DAYS
    suspended: int

    @property
    def total(self) -> int:
        return self.new + self.learning + self.young + self.mature + self.suspended

    def to_dict(self) -> dict[str, int]:
        return {
            "new": self.new,
            "learning": self.learning,
            "young": self.young,
            "mature": self.mature,
            "suspended": self.suspended,
            "total": self.total,
        }


@dataclass(frozen=True, slots=True)
class Bucket:
    """One bar of a distribution."""

    label: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "cards": self.count}


@dataclass(frozen=True, slots=True)
class Insight:
    """Every figure of the Stats screen, for one deck or for the whole profile."""

    today: date
    deck_key: str | None  # None: every deck
    deck_name: str
    heatmap: tuple[DayCount, ...]
    activity: tuple[DayActivity, ...]
    retention: DeckRetention  # overall (or the one deck's)
    deck_retention: tuple[DeckRetention, ...]  # per deck with answers in the last 365 days
    forecast: tuple[ForecastDay, ...]
    cards: CardStates
    stability: tuple[Bucket, ...]
    retrievability: tuple[Bucket, ...]

    @property
    def reviewed(self) -> bool:
        """Whether there is anything to chart: an answer in the last year or a studied card."""
        return bool(
            any(d.reviews for d in self.heatmap)
            or self.cards.learning + self.cards.young + self.cards.mature
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "deck": self.deck_key,
            "today": self.today.isoformat(),
            "heatmap": [d.to_dict() for d in self.heatmap],
            "reviews_per_day": [d.to_dict() for d in self.activity],
            "retention": {
                "overall": self.retention.to_dict(),
                "decks": [d.to_dict() for d in self.deck_retention],
            },
            "forecast": [d.to_dict() for d in self.forecast],
            "card_states": self.cards.to_dict(),
            "stability": [b.to_dict() for b in self.stability],
            "retrievability": [b.to_dict() for b in self.retrievability],
        }


# ----------------------------------------------------------------------------- the figures
def insight(
    col: Collection,
    *,
    now: datetime | None = None,
    deck_key: str | None = None,
    days: int = HEATMAP_DAYS,
) -> Insight:
    """Every statistic for the whole profile, or for the deck `deck_key` (NotFoundError if
    there is none); `days` is the heatmap's length. Reads only: a handful of SQL passes."""
    now = now or col.now()
    days = max(1, days)
    conn = col.conn
    deck_id, deck_name = _deck(conn, deck_key)
    clock = col.clock
    today = clock.day_of(now)
    span = max(days, max(RETENTION_PERIODS))
    first = today - timedelta(days=span - 1)
    # bounds[i] is when day first + i begins; the last one ends today (DST-safe: each bound
    # is built from the local wall-clock time of the rollover).
    bounds = [to_ms(clock.day_start(first + timedelta(days=n))) for n in range(span + 1)]
    params: dict[str, Any] = {"deck": deck_id}
    heatmap, activity = _daily(conn, bounds, first, days, params)
    retention, per_deck = _retention(conn, bounds, params, deck_key, deck_name)
    forecast = _forecast(col, today, params)
    cards, stability, retrievability = _cards(col, to_ms(now), params)
    return Insight(
        today=today,
        deck_key=deck_key,
        deck_name=deck_name,
        heatmap=heatmap,
        activity=activity,
        retention=retention,
        deck_retention=per_deck,
        forecast=forecast,
        cards=cards,
        stability=stability,
        retrievability=retrievability,
    )


def _deck(conn: sqlite3.Connection, deck_key: str | None) -> tuple[int | None, str]:
    if deck_key is None:
        return None, "All decks"
    row = conn.execute("SELECT id, name FROM deck WHERE key = ?", (deck_key,)).fetchone()
    if row is None:
        raise NotFoundError(f"no deck {deck_key!r}; see `mastery decks`")
    return row["id"], row["name"]


def _hours(bounds: Sequence[int]) -> tuple[list[int], list[int], list[tuple[int, int, int]]]:
    """How to count the consecutive ranges [bounds[i], bounds[i + 1]) (ms, each longer than
    an hour) from `reviewhour`: range i holds the whole UTC hours starts[i] <= hour <
    ends[i]; an hour cut by a bound (a zone 30 or 45 minutes off UTC) is counted from the
    log instead, as pieces (i, lo, hi), one each side of the bound."""
    starts = [-(-b // HOUR_MS) for b in bounds[:-1]]
    ends = [b // HOUR_MS for b in bounds[1:]]
    pieces = []
    for i, bound in enumerate(bounds):
        cut = bound % HOUR_MS
        if cut:
            if i > 0:
                pieces.append((i - 1, bound - cut, bound))
            if i < len(bounds) - 1:
                pieces.append((i, bound, bound - cut + HOUR_MS))
    return starts, ends, pieces


def _pieces(pieces: Sequence[tuple[int, int, int]]) -> str:
    return ", ".join(f"({i}, {int(lo)}, {int(hi)})" for i, lo, hi in pieces)


def _daily(
    conn: sqlite3.Connection,
    bounds: Sequence[int],
    first: date,
    days: int,
    params: dict[str, Any],
) -> tuple[tuple[DayCount, ...], tuple[DayActivity, ...]]:
    """Answers per day (heatmap) and, for the last ACTIVITY_DAYS, time and the state split.

    Summed from `reviewhour`: each day's whole hours are a range of its key (one statement,
    a few sums per day), plus what it does not hold, read from the log: the hours a day's
    bound cuts (`_hours`) and, for every deck, answers without a deck (none unless written
    with foreign keys off). The bounds come from `DayClock`, so days are exact in every
    time zone.
    """
    span = len(bounds) - 1
    deck = params["deck"]
    starts, ends, pieces = _hours(bounds)
    # Per day: answers, time, learning, relearning, mature (the rest are young).
    sums = [[0] * 5 for _ in range(span)]

    def add(i: int, row: Sequence[int]) -> None:
        figures = sums[i]
        for k in range(5):
            figures[k] += row[k + 1]

    # Each day's whole hours, as ranges of reviewhour's key; for recent days two more
    # ranges: the state split (21-bit fields of one sum) and the time.
    on_deck = " AND deck_id = :deck" if deck is not None else ""
    values = ", ".join(
        f"({i}, {starts[i]}, {ends[i]}, {int(i >= span - ACTIVITY_DAYS)})"
        for i in range(span - days, span)
    )
    in_day = f"FROM reviewhour WHERE hour >= d.a AND hour < d.b{on_deck}"
    for i, count, packed, duration in conn.execute(
        f"WITH d(i, a, b, recent) AS (VALUES {values}) "
        f"SELECT d.i, (SELECT sum(reviews) {in_day}), "
        "CASE WHEN d.recent THEN "
        f"(SELECT sum(learning + (relearning << 21) + (mature << 42)) {in_day}) END, "
        f"CASE WHEN d.recent THEN (SELECT sum(duration_ms) {in_day}) END FROM d",
        params,
    ):
        packed = packed or 0
        mask = (1 << 21) - 1
        add(i, (i, count or 0, duration or 0, packed & mask, (packed >> 21) & mask, packed >> 42))
    counted = ", ".join(f"sum({v})" for v in hour_values()[:5])
    if pieces:
        where = "deck_id = :deck" if deck is not None else "deck_id IS NOT NULL"
        for row in conn.execute(
            f"WITH p(i, lo, hi) AS (VALUES {_pieces(pieces)}) SELECT p.i, {counted} "
            "FROM p JOIN reviewlog ON reviewed_at >= p.lo AND reviewed_at < p.hi "
            f"WHERE {where} GROUP BY p.i",
            params,
        ):
            add(row[0], row)
    if deck is None:
        values = ", ".join(hour_values()[:5])
        for row in conn.execute(
            # `+`: found through `ix_revlog_deck` (none, or a few), not a year of the log.
            f"SELECT reviewed_at, {values} FROM reviewlog WHERE deck_id IS NULL "
            "AND +reviewed_at >= ? AND +reviewed_at < ?",
            (bounds[0], bounds[-1]),
        ):
            add(bisect_right(bounds, row[0]) - 1, row)
    heatmap: list[DayCount] = []
    activity: list[DayActivity] = []
    for i in range(span - days, span):
        day = first + timedelta(days=i)
        count, duration, learning, relearning, mature = sums[i]
        heatmap.append(DayCount(day, count))
        if i >= span - ACTIVITY_DAYS:
            young = count - learning - relearning - mature
            activity.append(
                DayActivity(day, count, int(duration), learning, young, mature, relearning)
            )
    return tuple(heatmap), tuple(activity)


def _retention(
    conn: sqlite3.Connection,
    bounds: Sequence[int],
    params: dict[str, Any],
    deck_key: str | None,
    deck_name: str,
) -> tuple[DeckRetention, tuple[DeckRetention, ...]]:
    """True retention per deck and period, summed into the overall figure.

    For each deck and each disjoint band of days (the oldest from 365 to 90 days ago, then
    90-30, 30-7, the last 7), the passed and failed answers summed from `reviewhour`
    through `ix_reviewhour_deck` (plus the hours a band's bound cuts, from the log: `_hours`).
    """
    span = len(bounds) - 1
    periods = sorted(RETENTION_PERIODS, reverse=True)  # 365, 90, 30, 7: oldest band first
    edges = [bounds[span - n] for n in periods] + [bounds[-1]]
    where = "WHERE id = :deck" if params["deck"] is not None else ""
    decks = conn.execute(f"SELECT id, key, name FROM deck {where}", params).fetchall()
    if not decks:
        empty = tuple((0, 0) for _ in periods)
        return DeckRetention(deck_key, deck_name, _periods(periods, empty)), ()
    starts, ends, pieces = _hours(edges)
    passed, again = hour_values()[-2:]
    found: dict[int, list[tuple[int, int]]] = {d["id"]: [(0, 0)] * len(periods) for d in decks}
    for chunk in range(0, len(decks), _DECKS_PER_QUERY):  # keeps each statement short
        part = decks[chunk : chunk + _DECKS_PER_QUERY]
        values = ", ".join(
            f"({int(deck['id'])}, {i}, {starts[i]}, {ends[i]})"
            for deck in part
            for i in range(len(periods))
        )
        ids = ", ".join(str(int(deck["id"])) for deck in part)
        # A band's whole hours of a deck are one range of `ix_reviewhour_deck`; passed and
        # failed as two 32-bit fields of one sum.
        rows = [
            (deck_id, i, packed >> 32, packed & 0xFFFFFFFF)
            for deck_id, i, packed in conn.execute(
                f"WITH b(deck, i, a, z) AS (VALUES {values}) SELECT b.deck, b.i, "
                "(SELECT coalesce(sum((passed << 32) + again), 0) FROM reviewhour "
                "WHERE deck_id = b.deck AND hour >= b.a AND hour < b.z) FROM b"
            )
        ]
        if pieces:
            rows += conn.execute(
                f"WITH p(i, lo, hi) AS (VALUES {_pieces(pieces)}) SELECT deck_id, p.i, "
                f"sum({passed}), sum({again}) FROM p JOIN reviewlog "
                f"ON reviewed_at >= p.lo AND reviewed_at < p.hi WHERE deck_id IN ({ids}) "
                "GROUP BY deck_id, p.i"
            ).fetchall()
        for deck_id, i, ok, failed in rows:
            seen, missed = found[deck_id][i]
            found[deck_id][i] = (seen + ok + failed, missed + failed)
    band_totals = [(0, 0)] * len(periods)
    per_deck = []
    for deck in decks:
        bands = found[deck["id"]]
        if not any(total for total, _ in bands):
            continue
        band_totals = [(a + n, b + f) for (a, b), (n, f) in zip(band_totals, bands, strict=True)]
        per_deck.append(DeckRetention(deck["key"], deck["name"], _periods(periods, bands)))
    per_deck.sort(key=lambda d: (d.deck_name.casefold(), d.deck_key or ""))
    return DeckRetention(deck_key, deck_name, _periods(periods, band_totals)), tuple(per_deck)


def _periods(periods: Sequence[int], bands: Sequence[tuple[int, int]]) -> tuple[Retention, ...]:
    """Periods from disjoint bands: (answers, again) per band, oldest first; the period
    `periods[i]` is band i and every newer band. Returned in RETENTION_PERIODS order."""
    figures: dict[int, Retention] = {}
    seen = missed = 0
    for i in reversed(range(len(periods))):
        seen += bands[i][0]
        missed += bands[i][1]
        figures[periods[i]] = Retention(periods[i], seen - missed, seen)
    return tuple(figures[n] for n in RETENTION_PERIODS)


def _forecast(col: Collection, today: date, params: dict[str, Any]) -> tuple[ForecastDay, ...]:
    """Cards due per day for the next FORECAST_DAYS days, today first with the overdue ones.

    Learning cards due later today count today. Suspended cards are left out; a buried card
    counts on the day it comes back.
    """
    clock = col.clock
    days = [today + timedelta(days=n) for n in range(FORECAST_DAYS + 1)]
    starts = [to_ms(clock.day_start(d)) for d in days]
    deck = " AND deck_id = :deck" if params["deck"] is not None else ""
    p = {**params, "end": starts[-1]}
    # Cards not buried past their due date: counts of day ranges of `ix_card_queue` (it
    # covers them); day 0 reaches back to every overdue card.
    ranges = ", ".join(
        f"({i}, {starts[i] if i else -(2**63)}, {starts[i + 1]})" for i in range(FORECAST_DAYS)
    )
    waiting = f"due >= d.lo AND due < d.hi AND (buried_until IS NULL OR buried_until <= due){deck}"
    learning = [0] * FORECAST_DAYS
    review = [0] * FORECAST_DAYS
    for i, n_learning, n_review in col.conn.execute(
        f"WITH d(i, lo, hi) AS (VALUES {ranges}) SELECT d.i, "
        f"(SELECT count(*) FROM card WHERE suspended = 0 AND state IN "
        f"({CardState.LEARNING}, {CardState.RELEARNING}) AND {waiting}), "
        f"(SELECT count(*) FROM card WHERE suspended = 0 AND state = {CardState.REVIEW} "
        f"AND {waiting}) FROM d",
        p,
    ):
        learning[i] += n_learning
        review[i] += n_review
    # Buried past their due date: they count on the day they come back.
    for card in col.conn.execute(
        "SELECT state, due, buried_until FROM card "
        f"WHERE suspended = 0 AND state IN {_STUDIED} AND due < :end "
        f"AND buried_until > due{deck}",
        p,
    ):
        i = max(0, bisect_right(starts, card["buried_until"]) - 1)
        if i < FORECAST_DAYS:
            if card["state"] == CardState.REVIEW:
                review[i] += 1
            else:
                learning[i] += 1
    return tuple(ForecastDay(days[i], learning[i], review[i]) for i in range(FORECAST_DAYS))


def forgetting_curve(parameters: Sequence[float]) -> tuple[float, float]:
    """(decay, factor) of FSRS-6's forgetting curve R = (1 + factor * t / S) ** -decay.

    decay is weight 20 (LEGACY_DECAY for 19-weight sets); factor makes R = 0.9 at t = S.
    """
    decay = float(parameters[20]) if len(parameters) > 20 else LEGACY_DECAY
    return decay, 0.9 ** (1 / -decay) - 1


def retrievability(stability: float, elapsed_days: float, parameters: Sequence[float]) -> float:
    """The FSRS-6 recall probability after `elapsed_days` (fractional) at this stability."""
    decay, factor = forgetting_curve(parameters)
    return (1 + factor * max(0.0, elapsed_days) / stability) ** -decay


def _cards(
    col: Collection, now_ms: int, params: dict[str, Any]
) -> tuple[CardStates, tuple[Bucket, ...], tuple[Bucket, ...]]:
    """Card counts by state and the stability distribution of the studied, unsuspended
    cards, from `cardcount` (kept by triggers); the retrievability distribution, which
    changes by the minute, in one scan of `ix_card_queue` (it covers what is read).

    Retrievability is FSRS-6's forgetting curve at this moment, with the time since the last
    review in fractional days (as Anki's stats count it; card info counts whole learner's
    days, so a card can differ there by a few percent), with each deck's own FSRS weights.

    No pow() and no sort per card: R >= k/10 exactly when the elapsed time is at most the
    stability times a limit that depends only on the weights, so a card's bucket is a CASE
    of nine comparisons. The inner query has a LIMIT so SQLite runs it as a co-routine and
    each bucket is computed once per card, not once per count.
    """
    conn = col.conn
    p: dict[str, Any] = {**params, "now": now_ms}
    curves = {0: forgetting_curve(col.fsrs_parameters())}  # 0: the profile's weights
    own = col.decks_with_own_parameters()
    if own:
        ids = {row["key"]: row["id"] for row in conn.execute("SELECT key, id FROM deck")}
        for key in own:
            if key in ids:
                curves[int(ids[key])] = forgetting_curve(col.fsrs_parameters(key))
    levels = range(len(RETRIEVABILITY_LABELS) - 1, 0, -1)  # R >= 0.9, 0.8, ... 0.1
    whens = []
    for k in levels:
        for deck_id, (decay, factor) in curves.items():
            # (1 + factor * t / S) ** -decay >= k / 10  <=>  t <= S * limit   (t in ms)
            p[f"x{k}_{deck_id}"] = ((k / 10) ** (-1 / decay) - 1) / factor * _DAY_MS
        own_limits = " ".join(f"WHEN {d} THEN :x{k}_{d}" for d in curves if d)
        limit = f"CASE deck_id {own_limits} ELSE :x{k}_0 END" if own_limits else f":x{k}_0"
        whens.append(f"WHEN :now - last_review <= stability * {limit} THEN {k}")
    r_bucket = f"CASE {' '.join(whens)} ELSE 0 END"
    # The studied cards (`state != 0` as two ranges of the index: the same rows).
    studied = "suspended = 0 AND (state > 0 OR state < 0) AND stability > 0"
    deck = " AND deck_id = :deck" if params["deck"] is not None else ""
    inner = (
        f"SELECT {r_bucket} AS rb FROM card "
        f"WHERE {studied}{deck} AND last_review IS NOT NULL LIMIT -1"
    )
    counts = ", ".join(
        f"count(*) FILTER (WHERE rb = {i})" for i in range(len(RETRIEVABILITY_LABELS))
    )
    r_counts = list(conn.execute(f"SELECT {counts} FROM ({inner})", p).fetchone())
    on_deck = "WHERE deck_id = :deck" if params["deck"] is not None else ""
    states = dict.fromkeys(("new", "learning", "review", "mature", "suspended"), 0)
    s_counts = [0] * len(STABILITY_LABELS)
    for suspended, state, stability_class, cards in conn.execute(
        "SELECT suspended, state, stability_class, sum(cards) FROM cardcount "
        f"{on_deck} GROUP BY 1, 2, 3",
        params,
    ):
        if suspended:
            states["suspended"] += cards
            continue
        if state == CardState.NEW:
            states["new"] += cards
        elif state in (CardState.LEARNING, CardState.RELEARNING):
            states["learning"] += cards
        elif state == CardState.REVIEW:
            states["review"] += cards
            states["mature"] += cards if stability_class >= MATURE_CLASS else 0
        if state != CardState.NEW and stability_class >= 0:
            s_counts[CLASS_BUCKETS[stability_class]] += cards
    return (
        CardStates(
            states["new"],
            states["learning"],
            states["review"] - states["mature"],
            states["mature"],
            states["suspended"],
        ),
        tuple(Bucket(label, n) for label, n in zip(STABILITY_LABELS, s_counts, strict=True)),
        tuple(Bucket(label, n) for label, n in zip(RETRIEVABILITY_LABELS, r_counts, strict=True)),
    )


# ----------------------------------------------------------------------------- as text


def sparkline(values: Sequence[float]) -> str:
    """One character per value, scaled to the largest (a zero stays the lowest tick)."""
    return present.spark(values, top=None)


def percent(figure: Retention) -> str:
    """ "92% 46/50" (counts over 9,999 in thousands: "90% 895k/995k", so a table of four
    periods fits 80 columns), or "-" when there was nothing to measure."""
    rate = figure.rate
    if rate is None:
        return present.NONE
    passed, total = present.short_count(figure.passed), present.short_count(figure.total)
    return f"{present.percent(rate)} {passed}/{total}"


def render_text(figures: Insight) -> str:
    """The figures as plain text for `mastery stats` (fits 80 columns; pure function)."""
    out = [f"Statistics: {figures.deck_name} (today {figures.today.isoformat()})", ""]
    heat = [d.reviews for d in figures.heatmap]
    studied = sum(1 for n in heat if n)
    if not figures.reviewed:
        out += [
            "No reviews yet. The heatmap, answers per day, true retention and the",
            "distributions fill in as you review (`mastery review`, or `mastery` for the app).",
            "",
        ]
    weeks = [sum(heat[max(0, i - 7) : i]) for i in range(len(heat), 0, -7)][::-1]
    out.append(
        f"Answers, last {len(heat)} days: {present.plural(sum(heat), 'answer')} on {present.plural(studied, 'day')}"
    )
    out.append(f"  by week  {sparkline(weeks)}")
    recent = figures.activity
    minutes = sum(d.minutes for d in recent)
    out.append(
        f"Answers per day, last {len(recent)} days: "
        f"{present.plural(sum(d.reviews for d in recent), 'answer')} in {minutes:.0f} min"
    )
    out.append(f"  per day  {sparkline([d.reviews for d in recent])}")
    out.append(
        "  learning {} · young {} · mature {} · relearning {}".format(
            *(
                sum(getattr(d, k) for d in recent)
                for k in ("learning", "young", "mature", "relearning")
            )
        )
    )
    out += ["", "True retention (review-state answers not rated Again)"]
    rows = [("", *[f"{n}d" for n in RETENTION_PERIODS])]
    shown = [figures.retention]
    if figures.deck_key is None:  # all decks first, then each deck
        shown += figures.deck_retention
    for row in shown:
        name = row.deck_name if len(row.deck_name) <= 16 else row.deck_name[:15] + "…"
        rows.append((name, *[percent(p) for p in row.periods]))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        out.append("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    due = [f.total for f in figures.forecast]
    out += [
        "",
        f"Due in the next {len(due)} days: {sum(due)} (today {due[0] if due else 0}, "
        f"next 7 days {sum(due[:7])})",
        f"  per day  {sparkline(due)}",
        "",
    ]
    c = figures.cards
    out.append(
        f"Card states: {c.new} new · {c.learning} learning · {c.young} young · "
        f"{c.mature} mature · {c.suspended} suspended"
    )
    out.append(_buckets("Stability", figures.stability))
    out.append(_buckets("Retrievability today", figures.retrievability))
    return "\n".join(out)


def _buckets(title: str, buckets: Sequence[Bucket]) -> str:
    """ "Title: a 1 · b 2 ..." wrapped at 80 columns with an indent."""
    lines, line = [], f"{title}:"
    for b in buckets:
        part = f" {b.label} {b.count}"
        if len(line) + len(part) + 2 > 80:
            lines.append(line)
            line = "   " + part
        else:
            line += (" ·" if not line.endswith(":") and line.strip() else "") + part
    lines.append(line)
    return "\n".join(lines)
