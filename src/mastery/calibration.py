"""How well the learner knows what they know, and how well FSRS knows it too.

With the optional confidence step on, the learner says how sure they are before the answer is
revealed (1 unsure, 2 fairly sure, 3 certain; `reviewlog.confidence`, NULL when not given).
This module turns those answers into calibration figures:

- per confidence level, how often the card was actually recalled (rating > 1);
- an over/under-confidence score: the mean of (stated probability - recalled) over answers with
  a confidence, overall, per deck and per month or week, with a verdict in plain words;
- the cards most often answered "certain" and then failed (Again);
- FSRS's own calibration: the retrievability the model predicted at each review against what
  happened, in bins of predicted recall, with its log loss and calibration RMSE. The model is
  well calibrated when it is right about your memory, so this doubles as a check on the
  scheduler. These are not Anki's Evaluate figures (`mastery optimize --evaluate` gives
  those): they use the stability stored with each review, weigh every review the same, and
  bin by predicted recall, where Anki's recompute every state from the history, weigh recent
  reviews more and bin by gap, review count and lapses.

Only answers of kind "review" count: cram and preview answers never move a card, and a cram
session right after a review would otherwise look like a string of effortless recalls.

Everything is three grouped SQL queries over `reviewlog`; Python only sums the few groups that
come back. On the benchmark profile (1,000,000 logs, all of review cards) the figures take
about 0.9 s, 0.7 s of it FSRS's bucketing (SQLite sorts every row to GROUP BY; there is no
cheaper exact way in SQL without an index), and about 0.35 s for one deck. The TUI computes
them in a worker, and `progress` moves a bar. Those sorts spill to temporary files
(`_sorts_on_disk`), and FSRS's bins are grouped a million log ids at a time (`_CHUNK_LOGS`):
at 10,000,000 logs the in-memory sort held 470 MB, now the process peaks near 54 MB.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from mastery.days import from_ms, to_ms
from mastery.db import sorts_on_disk as _sorts_on_disk
from mastery.errors import MasteryError, NotFoundError
from mastery.states import CardState, Confidence, Rating, scheduled

if TYPE_CHECKING:
    from mastery.collection import Collection

# What each confidence level claims, as a probability of recall. The three steps are evenly
# spaced in odds rather than in percent: "unsure" is a coin toss (1:1), "fairly sure" three
# times in four (3:1), "certain" nineteen times in twenty (19:1). "Certain" is not 100%: nobody
# recalls everything they feel sure of, and a claim of 1.0 would make a single slip look like
# gross overconfidence. One table, so the CLI, the TUI and the README agree.
STATED_PROBABILITY: dict[int, float] = {
    Confidence.UNSURE: 0.50,
    Confidence.FAIRLY_SURE: 0.75,
    Confidence.CERTAIN: 0.95,
}
LEVELS: tuple[int, ...] = tuple(sorted(STATED_PROBABILITY))

# A score within +-5 points is "well calibrated": with 100 answers around 80% recall, the
# recall rate itself is uncertain by about 4 points (one standard error), so smaller gaps are
# mostly noise. Below 20 answers no verdict is given at all.
WELL_CALIBRATED_BAND = 0.05
MIN_ANSWERS = 20

PERIODS = ("month", "week")
PERIOD_COUNT = 12  # the over-time view shows the last 12 months (or weeks), this one included
TOP_MISSES = 10
FRONT_CHARS = 80  # card fronts in the certain-then-failed list, on one line

# FSRS's predicted retrievability is bucketed as fsrs-rs buckets predictions to compare two
# models (`get_bin`, behind `universal_metrics`): bin k = floor(21^R) - 1, 20 bins, log-spaced
# so they are narrow near 100% where most reviews fall (bin 19 is 98.4-100%, bin 0 is 0-22.8%).
# The reliability diagram shows the same bins, so the calibration RMSE is exactly the weighted
# gap of the rows on screen; one grouping key instead of two is also 15% faster on 1,000,000
# reviews. (Anki's RMSE (bins) bins by gap, review count and lapses instead: `optimize.py`.)
BINS = 20
# FSRS-4.5 and FSRS-5 weights (19 values) have no decay parameter: their curve used 0.5.
_LEGACY_DECAY = 0.5
# Log loss of a prediction of exactly 0 or 1 that went the other way is infinite; fsrs-rs's
# predictions never reach those ends either.
_EPSILON = 1e-6
# FSRS's calibration groups the log this many log ids at a time (see `_model_calibration`).
_CHUNK_LOGS = 1_000_000


# ----------------------------------------------------------------------------- plain data
@dataclass(frozen=True, slots=True)
class Score:
    """The over/under-confidence score of a set of answers with a confidence.

    `total` is the sum of (stated probability - recalled) over the `answers`; the score is its
    mean: positive means overconfident, negative underconfident, in probability (x100 points).
    """

    answers: int = 0
    total: float = 0.0

    @property
    def value(self) -> float | None:
        return self.total / self.answers if self.answers else None

    @property
    def points(self) -> int | None:
        """The score in percentage points, rounded: +12 is "overconfident by 12 points"."""
        value = self.value
        return None if value is None else round(value * 100)

    @property
    def verdict(self) -> str:
        """The score in plain words; no judgement on fewer than `MIN_ANSWERS` answers."""
        return verdict(self.value, self.answers)

    def in_words(self) -> tuple[str, str]:
        """The score for an "Overall" line, as a headline and its detail in words: a reader
        met "(13 of 20) (+15, 13 answers)" and could not tell what the numbers were.

        ("overconfident by 12 points", "340 answers"); ("well calibrated", "overconfident by
        3 points, 340 answers"); with too few answers to judge,
        ("13 answers, 20 needed to judge", "so far overconfident by 15 points").
        """
        if not self.answers or self.value is None:
            return verdict(None, 0), ""
        answers = f"{self.answers} answer{'' if self.answers == 1 else 's'}"
        points = round(abs(self.value) * 100)
        side = "overconfident" if self.value > 0 else "underconfident"
        if self.answers < MIN_ANSWERS:
            lean = f"{side} by {points} points" if points else "neither over- nor underconfident"
            return f"{answers}, {MIN_ANSWERS} needed to judge", f"so far {lean}"
        if self.verdict == "well calibrated" and points:
            return self.verdict, f"{side} by {points} points, {answers}"
        return self.verdict, answers

    def __add__(self, other: Score) -> Score:
        return Score(self.answers + other.answers, self.total + other.total)

    def to_dict(self) -> dict[str, Any]:
        return {
            "answers": self.answers,
            "score": _round(self.value, 4),
            "points": self.points,
            "verdict": self.verdict,
        }


def verdict(value: float | None, answers: int) -> str:
    """ "well calibrated", "overconfident by 12 points", "underconfident by 8 points"."""
    if not answers or value is None:
        return "no answers with a confidence"
    if answers < MIN_ANSWERS:
        return f"too few answers to judge ({answers} of {MIN_ANSWERS})"
    points = round(abs(value) * 100)
    # Judged on the rounded points the learner sees: "6 points" is never "well calibrated".
    if points <= round(WELL_CALIBRATED_BAND * 100):
        return "well calibrated"
    side = "overconfident" if value > 0 else "underconfident"
    return f"{side} by {points} points"


@dataclass(frozen=True, slots=True)
class LevelFigures:
    """One confidence level: what it claims, and how often such answers were recalled."""

    level: int
    name: str
    stated: float
    answers: int
    recalled: int

    @property
    def recall_rate(self) -> float | None:
        return self.recalled / self.answers if self.answers else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "name": self.name,
            "stated": self.stated,
            "answers": self.answers,
            "recalled": self.recalled,
            "recall_rate": _round(self.recall_rate, 4),
        }


@dataclass(frozen=True, slots=True)
class DeckScore:
    deck_key: str
    deck_name: str
    score: Score

    def to_dict(self) -> dict[str, Any]:
        return {"deck": self.deck_key, "name": self.deck_name, **self.score.to_dict()}


@dataclass(frozen=True, slots=True)
class PeriodScore:
    """One month or week of the over-time view; `start` is its first learner's day."""

    start: date
    label: str
    score: Score

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "label": self.label, **self.score.to_dict()}


@dataclass(frozen=True, slots=True)
class CertainMiss:
    """A card answered "certain" and then failed (Again), `failed` times out of `certain`."""

    card_id: int
    ref: str
    front: str
    deck_key: str
    deck_name: str
    failed: int
    certain: int
    last_failed: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "card": self.card_id,
            "ref": self.ref,
            "front": self.front,
            "deck": self.deck_key,
            "certain_then_again": self.failed,
            "certain": self.certain,
            "last_failed": self.last_failed.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class RetrievabilityBin:
    """Reviews whose predicted retrievability fell in [low, high)."""

    low: float
    high: float
    count: int
    predicted_sum: float
    recalled: int

    @property
    def predicted(self) -> float | None:
        """Mean predicted retrievability in this bin."""
        return self.predicted_sum / self.count if self.count else None

    @property
    def actual(self) -> float | None:
        """Share of these reviews actually recalled."""
        return self.recalled / self.count if self.count else None

    @property
    def label(self) -> str:
        return f"{self.low:.0%}-{self.high:.0%}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "low": self.low,
            "high": self.high,
            "count": self.count,
            "predicted": _round(self.predicted, 4),
            "actual": _round(self.actual, 4),
        }


@dataclass(frozen=True, slots=True)
class ModelCalibration:
    """FSRS's predicted retrievability at answer time against actual recall.

    Counts reviews of cards in the review state with at least one learner's day since their
    previous review: same-day answers are scheduled by FSRS's short-term formula, not by the
    forgetting curve, so the curve makes no prediction for them.
    """

    bins: tuple[RetrievabilityBin, ...] = ()  # all `BINS` of them, empty ones included
    answers: int = 0
    predicted_sum: float = 0.0
    recalled: int = 0
    log_loss: float | None = None
    calibration_rmse: float | None = None  # over the predicted-recall bins, not Anki's

    @property
    def predicted(self) -> float | None:
        return self.predicted_sum / self.answers if self.answers else None

    @property
    def actual(self) -> float | None:
        return self.recalled / self.answers if self.answers else None

    @property
    def summary(self) -> str:
        """A sentence on whether FSRS's predictions match the learner's recall."""
        predicted, actual = self.predicted, self.actual
        if predicted is None or actual is None:
            return "No reviews of review cards yet: FSRS's predictions show here after some."
        if self.answers < MIN_ANSWERS:
            return (
                f"Too few reviews to judge FSRS yet: {self.answers} so far, {MIN_ANSWERS} needed."
            )
        gap = round((predicted - actual) * 100)
        said = f"FSRS predicted {predicted:.0%} recall; you recalled {actual:.0%}"
        if abs(gap) <= round(WELL_CALIBRATED_BAND * 100):
            return f"{said}: its predictions match your memory."
        if gap > 0:
            return (
                f"{said}: it overrates your memory by {gap} points, so you forget more "
                "than your desired retention: `mastery optimize` fits it to your reviews."
            )
        return (
            f"{said}: it underrates your memory by {-gap} points, so you review more "
            "often than needed: `mastery optimize` fits it to your reviews."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "answers": self.answers,
            "predicted": _round(self.predicted, 4),
            "actual": _round(self.actual, 4),
            "log_loss": _round(self.log_loss, 4),
            "calibration_rmse": _round(self.calibration_rmse, 4),
            "summary": self.summary,
            "bins": [b.to_dict() for b in self.bins],
        }


@dataclass(frozen=True, slots=True)
class Calibration:
    """Every calibration figure of a profile (or one deck), as of `now`."""

    levels: tuple[LevelFigures, ...]
    score: Score
    decks: tuple[DeckScore, ...]
    period: str
    periods: tuple[PeriodScore, ...]
    certain_misses: tuple[CertainMiss, ...]
    model: ModelCalibration
    deck_key: str | None = None
    since: datetime | None = None
    stated: dict[int, float] = field(default_factory=lambda: dict(STATED_PROBABILITY))

    @property
    def answers(self) -> int:
        """Answers with a confidence (counted ones: kind "review", within the filters)."""
        return self.score.answers

    def to_dict(self) -> dict[str, Any]:
        return {
            "deck": self.deck_key,
            "since": self.since.isoformat() if self.since else None,
            "answers_with_confidence": self.answers,
            "stated_probability": {Confidence(k).label: v for k, v in self.stated.items()},
            "well_calibrated_band": WELL_CALIBRATED_BAND,
            "min_answers": MIN_ANSWERS,
            "levels": [lv.to_dict() for lv in self.levels],
            "score": self.score.to_dict(),
            "decks": [d.to_dict() for d in self.decks],
            "period": self.period,
            "over_time": [p.to_dict() for p in self.periods],
            "certain_then_failed": [m.to_dict() for m in self.certain_misses],
            "fsrs": self.model.to_dict(),
        }


# ----------------------------------------------------------------------------- the figures
def calibration(
    col: Collection,
    *,
    now: datetime,
    deck_key: str | None = None,
    since: datetime | None = None,
    period: str = "month",
    progress: Callable[[float, str], object] | None = None,
) -> Calibration:
    """The calibration figures for answers up to `now` (of one deck, and from `since`, if
    given). `period` ("month" or "week") sizes the over-time view, in learner's days.
    `progress(fraction, what)` is told each step (14 s at 10,000,000 logs)."""
    report = progress or (lambda fraction, what: None)
    if period not in PERIODS:
        raise MasteryError(f"period must be one of {', '.join(PERIODS)}, got {period!r}")
    conn = col.conn
    deck_id = _deck_id(conn, deck_key) if deck_key is not None else None
    filters = _Filters(deck_id, to_ms(since) if since is not None else None, to_ms(now))
    starts = _period_starts(col, now, period)
    with _sorts_on_disk(conn):
        report(0.0, "Confidence levels")
        levels, score, decks, periods = _confidence_figures(col, filters, starts, period)
        report(0.1, "Cards answered certain, then failed")
        misses = _certain_misses(conn, filters)
        report(0.2, "FSRS's calibration")
        model = _model_calibration(
            col, filters, deck_key, lambda f: report(0.2 + 0.8 * f, "FSRS's calibration")
        )
    report(1.0, "Done")
    return Calibration(
        levels=levels,
        score=score,
        decks=decks,
        period=period,
        periods=periods,
        certain_misses=misses,
        model=model,
        deck_key=deck_key,
        since=since,
    )


def deck_choices(col: Collection) -> list[tuple[str, str]]:
    """(key, name) of every deck, by name: what a deck selector offers besides "all" (a
    team's deck named with its team, "Name (team-id)")."""
    from mastery.decks.namespace import deck_label

    return [
        (deck["key"], deck_label(deck["key"], deck["name"]))
        for deck in col.conn.execute("SELECT key, name FROM deck ORDER BY name, key")
    ]


def predicted_retrievability(
    stability: float, elapsed_days: int, parameters: Sequence[float]
) -> float:
    """FSRS's forgetting curve, R = (1 + factor * t / S) ** -decay with factor chosen so that
    R = 0.9 when t = S (decay is weight 20; 0.5 for FSRS-5 weights). The SQL below computes the
    same thing per review; this is the reference the tests check it against."""
    decay, factor = _curve(parameters)
    return (1 + factor * elapsed_days / stability) ** -decay


# ----------------------------------------------------------------------------- internals
@dataclass(frozen=True, slots=True)
class _Filters:
    """The answers counted: kind "review", up to `until`, from `since`, in one deck.

    The queries read `reviewlog` as `table()` says: these figures read most of the log, and
    walking `ix_revlog_time` or `ix_revlog_card` (which SQLite picks for the time range or to
    group by card) then fetching each row is 3-20x slower than one plain scan of the table.
    One deck's answers are the exception: `ix_revlog_card` finds them without the scan.
    """

    deck_id: int | None
    since: int | None
    until: int

    def where(self) -> tuple[str, dict[str, Any]]:
        """The SQL condition on `reviewlog l`, and its parameters (the unary `+` keeps the
        time index out, see above)."""
        sql = f"{scheduled('l')} AND +l.reviewed_at <= :until"
        params: dict[str, Any] = {"until": self.until}
        if self.since is not None:
            sql += " AND +l.reviewed_at >= :since"
            params["since"] = self.since
        if self.deck_id is not None:
            sql += " AND l.card_id IN (SELECT id FROM card WHERE deck_id = :deck)"
            params["deck"] = self.deck_id
        return sql, params

    def table(self) -> str:
        """`reviewlog l`, scanned whole unless one deck's answers are wanted."""
        return "reviewlog l" if self.deck_id is not None else "reviewlog l NOT INDEXED"


def _deck_id(conn: sqlite3.Connection, deck_key: str) -> int:
    row = conn.execute("SELECT id FROM deck WHERE key = ?", (deck_key,)).fetchone()
    if row is None:
        raise NotFoundError(f"no deck {deck_key!r}; see `mastery decks`")
    return int(row["id"])


def _period_starts(col: Collection, now: datetime, period: str) -> list[date]:
    """The first learner's day of each of the last `PERIOD_COUNT` months or weeks (Monday),
    oldest first, the current one last."""
    today = col.clock.day_of(now)
    if period == "week":
        monday = today - timedelta(days=today.weekday())
        return [monday - timedelta(weeks=n) for n in range(PERIOD_COUNT - 1, -1, -1)]
    this_month = today.year * 12 + today.month - 1  # months since year 0, January = 0
    months = [this_month - n for n in range(PERIOD_COUNT - 1, -1, -1)]
    return [date(m // 12, m % 12 + 1, 1) for m in months]


def _period_label(start: date, period: str) -> str:
    return start.strftime("%b %Y") if period == "month" else f"wk {start.isoformat()}"


def _confidence_figures(
    col: Collection, filters: _Filters, starts: list[date], period: str
) -> tuple[tuple[LevelFigures, ...], Score, tuple[DeckScore, ...], tuple[PeriodScore, ...]]:
    """Per level, per deck and per period in one pass: answers with a confidence grouped by
    (deck, period, level); each group gives its count and its recalls, and every figure is a
    sum of groups, since the score is additive: sum(stated - recalled) = n * stated - recalls.
    """
    conn = col.conn
    where, params = filters.where()
    # The period an answer falls in: the last period start at or before it (NULL before the
    # window). Starts are learner's days, so DST and the rollover hour are respected.
    bounds = [to_ms(col.clock.day_start(d)) for d in starts]
    case = " ".join(f"WHEN l.reviewed_at >= :p{i} THEN {i}" for i in range(len(bounds) - 1, -1, -1))
    params.update({f"p{i}": b for i, b in enumerate(bounds)})
    answers = (
        f"FROM {filters.table()} WHERE {where} AND l.confidence IN ({', '.join(map(str, LEVELS))})"
    )
    if filters.deck_id is not None:
        rows = conn.execute(
            f"SELECT :deck AS deck_id, CASE {case} END AS period, l.confidence AS level, "
            f"count(*) AS n, sum(l.rating != {Rating.AGAIN}) AS recalled {answers} GROUP BY 2, 3",
            params,
        ).fetchall()
    else:
        # Grouped per card first, then joined to `card` for the deck: one lookup per group
        # instead of one per answer (card rows are wide; 1.6x faster on 500,000 answers).
        rows = conn.execute(
            "SELECT c.deck_id, g.period, g.level, sum(g.n) AS n, sum(g.k) AS recalled FROM ("
            f"SELECT l.card_id, CASE {case} END AS period, l.confidence AS level, "
            f"count(*) AS n, sum(l.rating != {Rating.AGAIN}) AS k {answers} GROUP BY 1, 2, 3"
            ") g JOIN card c ON c.id = g.card_id GROUP BY 1, 2, 3",
            params,
        ).fetchall()

    per_level = {lv: [0, 0] for lv in LEVELS}
    per_deck: dict[int, Score] = {}
    per_period = [Score() for _ in starts]
    for row in rows:
        deck_id, period_index, level = row["deck_id"], row["period"], row["level"]
        count, recalled = row["n"], row["recalled"]
        per_level[level][0] += count
        per_level[level][1] += recalled
        group = Score(count, count * STATED_PROBABILITY[level] - recalled)
        per_deck[deck_id] = per_deck.get(deck_id, Score()) + group
        if period_index is not None:
            per_period[period_index] = per_period[period_index] + group

    levels = tuple(
        LevelFigures(lv, Confidence(lv).label, STATED_PROBABILITY[lv], n, r)
        for lv, (n, r) in per_level.items()
    )
    score = sum(per_deck.values(), Score())
    names = {
        row["id"]: (row["key"], row["name"])
        for row in conn.execute("SELECT id, key, name FROM deck").fetchall()
    }
    decks = tuple(
        sorted(
            (
                DeckScore(*names.get(deck_id, (str(deck_id), str(deck_id))), s)
                for deck_id, s in per_deck.items()
            ),
            key=lambda d: (-d.score.answers, d.deck_key),
        )
    )
    periods = tuple(
        PeriodScore(start, _period_label(start, period), s)
        for start, s in zip(starts, per_period, strict=True)
    )
    return levels, score, decks, periods


def _certain_misses(conn: sqlite3.Connection, filters: _Filters) -> tuple[CertainMiss, ...]:
    """The cards most often answered "certain" and then Again: most such misses first, then
    the larger share of misses among the certain answers, then the most recent miss."""
    where, params = filters.where()
    rows = conn.execute(
        "SELECT m.card_id, m.failed, m.certain, m.last_failed, c.key AS card_key, c.front, "
        "d.key AS deck_key, d.name AS deck_name "
        f"FROM (SELECT l.card_id, sum(l.rating = {Rating.AGAIN}) AS failed, count(*) AS certain, "
        f"max(CASE WHEN l.rating = {Rating.AGAIN} THEN l.reviewed_at END) AS last_failed "
        f"FROM {filters.table()} WHERE {where} AND l.confidence = {Confidence.CERTAIN} "
        "GROUP BY l.card_id HAVING failed > 0 "
        "ORDER BY failed DESC, certain ASC, last_failed DESC, l.card_id LIMIT :top) m "
        "JOIN card c ON c.id = m.card_id JOIN deck d ON d.id = c.deck_id "
        "ORDER BY m.failed DESC, m.certain ASC, m.last_failed DESC, m.card_id",
        {**params, "top": TOP_MISSES},
    ).fetchall()
    return tuple(
        CertainMiss(
            card_id=row["card_id"],
            ref=f"{row['deck_key']}/{row['card_key']}",
            front=_one_line(row["front"], FRONT_CHARS),
            deck_key=row["deck_key"],
            deck_name=row["deck_name"],
            failed=row["failed"],
            certain=row["certain"],
            last_failed=from_ms(row["last_failed"]),
        )
        for row in rows
    )


def _curve(parameters: Sequence[float]) -> tuple[float, float]:
    """(decay, factor) of FSRS's forgetting curve for a set of weights."""
    decay = float(parameters[20]) if len(parameters) > 20 else _LEGACY_DECAY
    return decay, 0.9 ** (1 / -decay) - 1


def _model_calibration(
    col: Collection,
    filters: _Filters,
    deck_key: str | None,
    progress: Callable[[float], object] = lambda fraction: None,
) -> ModelCalibration:
    """Predicted retrievability against recall, bucketed in SQL.

    t is the log's `elapsed_days`: the learner's days between the previous review and this one,
    the count Anki and our scheduler feed the forgetting curve (not 24-hour periods). S is the
    stability before the answer, as stored with the review (computed by the weights in force
    then; `mastery optimize` instead recomputes every state from the history). The curve's
    decay is today's, from each deck's own FSRS weights when it has them.
    """
    conn = col.conn
    _ensure_math(conn)
    where, params = filters.where()
    decay, factor = _curve(col.fsrs_parameters(deck_key))
    params.update(decay=decay, factor=factor, state=CardState.REVIEW, eps=_EPSILON)
    join = ""
    decay_sql, factor_sql = ":decay", ":factor"
    if deck_key is None:
        # Decks whose own weights bend the curve differently get a CASE of their own; the
        # join to `card` is only paid when there are such decks.
        own: dict[int, tuple[float, float]] = {}
        for key in col.decks_with_own_parameters():
            curve = _curve(col.fsrs_parameters(key))
            row = conn.execute("SELECT id FROM deck WHERE key = ?", (key,)).fetchone()
            if row is not None and curve != (decay, factor):
                own[int(row["id"])] = curve
        if own:
            join = "JOIN card c ON c.id = l.card_id "
            decay_sql = (
                "CASE c.deck_id "
                + " ".join(f"WHEN {i} THEN :d{i}" for i in own)
                + " ELSE :decay END"
            )
            factor_sql = (
                "CASE c.deck_id "
                + " ".join(f"WHEN {i} THEN :f{i}" for i in own)
                + " ELSE :factor END"
            )
            for i, (d, f) in own.items():
                params[f"d{i}"], params[f"f{i}"] = d, f
    # The inner query computes R once per review (LIMIT -1 keeps SQLite from flattening it
    # into the outer one, which would evaluate pow() once per use); the outer one buckets it.
    # Bin numbers are clamped in Python, where it costs nothing (R = 1.0 exactly gives 20).
    sql = (
        "SELECT CAST(pow(:bins + 1, r) AS INTEGER) - 1 AS b, count(*) AS n, "
        "sum(r) AS predicted, sum(y) AS recalled, "
        "-sum(ln(CASE WHEN y THEN max(r, :eps) ELSE max(1 - r, :eps) END)) AS loss "
        f"FROM (SELECT pow(1 + {factor_sql} * l.elapsed_days / l.stability_before, "
        f"-{decay_sql}) AS r, l.rating != {Rating.AGAIN} AS y FROM {filters.table()} {join}"
        f"WHERE {where} AND l.state_before = :state AND l.elapsed_days > 0 "
        "AND l.stability_before > 0 AND l.id >= :lo AND l.id < :hi LIMIT -1) GROUP BY b"
    )
    # The log is grouped a slice of ids at a time (each slice's sort is small, and the bar
    # moves); the bins of every slice add up, as they hold counts and sums.
    first, last = conn.execute("SELECT min(id), max(id) FROM reviewlog").fetchone()
    rows: list[sqlite3.Row] = []
    if first is not None:
        for lo in range(first, last + 1, _CHUNK_LOGS):
            rows += conn.execute(
                sql, {**params, "bins": BINS, "lo": lo, "hi": lo + _CHUNK_LOGS}
            ).fetchall()
            progress((min(lo + _CHUNK_LOGS, last + 1) - first) / (last + 1 - first))
    counts = [0] * BINS
    sums = [0.0] * BINS
    recalls = [0] * BINS
    loss = 0.0
    for row in rows:
        b = min(max(row["b"], 0), BINS - 1)
        counts[b] += row["n"]
        sums[b] += row["predicted"]
        recalls[b] += row["recalled"]
        loss += row["loss"]
    bins = tuple(
        RetrievabilityBin(*bin_bounds(i), counts[i], sums[i], recalls[i]) for i in range(BINS)
    )
    total = sum(counts)
    if not total:
        return ModelCalibration(bins=bins)
    # The calibration RMSE: the squared gap between mean prediction and mean recall in each
    # predicted-recall bin, weighted by the bin's reviews, averaged, square-rooted.
    # n * (predicted/n - recalled/n)^2 = (predicted - recalled)^2 / n
    rmse = math.sqrt(
        sum((sums[i] - recalls[i]) ** 2 / counts[i] for i in range(BINS) if counts[i]) / total
    )
    return ModelCalibration(
        bins=bins,
        answers=total,
        predicted_sum=sum(sums),
        recalled=sum(recalls),
        log_loss=loss / total,
        calibration_rmse=rmse,
    )


def bin_bounds(index: int) -> tuple[float, float]:
    """The predicted-recall range [low, high) of fsrs-rs bin `index` (floor(21^R) - 1)."""
    low = 0.0 if index == 0 else math.log(index + 1) / math.log(BINS + 1)
    high = 1.0 if index == BINS - 1 else math.log(index + 2) / math.log(BINS + 1)
    return low, high


def _ensure_math(conn: sqlite3.Connection) -> None:
    """SQLite's math functions (pow, ln) exist only when it was built with them (3.35+,
    SQLITE_ENABLE_MATH_FUNCTIONS); otherwise register Python ones, slower but right."""
    try:
        conn.execute("SELECT pow(2, 0.5), ln(2)").fetchone()
    except sqlite3.OperationalError:
        register_math(conn)


def register_math(conn: sqlite3.Connection) -> None:
    """Python versions of the math functions the bucketing query needs (a fallback)."""
    conn.create_function("pow", 2, math.pow, deterministic=True)
    conn.create_function("ln", 1, math.log, deterministic=True)


def _one_line(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1].rstrip() + "…"


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
