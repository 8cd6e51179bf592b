"""Counters kept as the review log and the cards are written, so statistics never count
every answer or every card (issue 15).

Two tables, each kept by triggers on the table it counts (`TRIGGERS`, created with the schema
in models.py), so every writer keeps them without knowing: answers, cram, undo, imported
histories, sync's replay (which rewrites log rows in place), `mastery check`'s repairs, a
deck removed with its cards:

- `reviewhour`: per UTC hour and deck, the answers, their time, their split by the card's
  state before the answer (learning, relearning, mature; the rest are young), the scheduled
  reviews among them, and the review-state scheduled answers passed and failed (true
  retention). Logs without a deck (`deck_id` NULL: only a writer with foreign keys off
  leaves one) are not counted here; readers add them from the log.
- `cardcount`: cards per deck, suspended or not, state and stability class (the stats'
  stability buckets, with the mature threshold as one more edge).

Why UTC hours and not learner's days: a learner's day depends on the time zone (the
machine's when none is set, so it can change without any setting changing) and on the
rollover hour; hours do not. A day is the sum of its whole hours; when a day's bound falls
inside an hour (a zone 30 or 45 minutes off UTC), that hour's answers on each side of the
bound are counted from the log (`ix_revlog_time`: one hour of answers per day). So
every figure is exact in every zone, and nothing is rebuilt when a setting changes.

The rules of what counts where are written once, here (`hour_values`, `card_key`): the
triggers, the recount (`RECOUNT_HOURS`, `RECOUNT_CARDS`) and the migration that filled
the tables (a frozen copy) use them.
`mastery check` compares the tables with a recount from scratch and rebuilds them when they
differ (`differences`, `rebuild`).
"""

from __future__ import annotations

import sqlite3
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable

from mastery.db import sorts_on_disk
from mastery.states import MATURE_DAYS, CardState, Rating, scheduled

HOUR_MS = 3_600_000

# reviewhour's counted columns, in the order of `hour_values`.
HOUR_COLUMNS = (
    "reviews",
    "duration_ms",
    "learning",
    "relearning",
    "mature",
    "scheduled",
    "passed",
    "again",
)
CARD_KEY = ("deck_id", "suspended", "state", "stability_class")
# The Stats screen's stability buckets, in days: [0, 1), [1, 3), ... [365, inf).
STABILITY_EDGES = (1, 3, 7, 14, 30, 90, 180, 365)
# A card's stability class: -1 without a stability above 0, else its place among these
# edges: the buckets' own, and MATURE_DAYS, so maturity is "class >= MATURE_CLASS".
CLASS_EDGES = tuple(sorted({*STABILITY_EDGES, MATURE_DAYS}))
MATURE_CLASS = CLASS_EDGES.index(MATURE_DAYS) + 1
# The stability bucket (its index in the stats) of each class >= 0: where its lower bound falls.
CLASS_BUCKETS = tuple(bisect_right(STABILITY_EDGES, low) for low in (0, *CLASS_EDGES))


def hour_of(prefix: str = "") -> str:
    """The UTC hour of a log row's answer (`prefix` "NEW." / "OLD." in a trigger): floor
    division, so an answer before 1970 falls in its own hour too."""
    at = f"{prefix}reviewed_at"
    return f"({at} - ({at} < 0) * {HOUR_MS - 1}) / {HOUR_MS}"


def hour_values(prefix: str = "") -> tuple[str, ...]:
    """What one log row adds to each of `HOUR_COLUMNS`, as SQL on its columns.

    The split is `stats`'s: state before new or learning, relearning, otherwise mature at
    `MATURE_DAYS` stability before (young below it or without one); true retention counts
    scheduled answers to cards in review state, Again failed, Hard/Good/Easy passed."""
    p = prefix
    review = f"{scheduled(p.rstrip('.'))} AND {p}state_before = {CardState.REVIEW}"
    return (
        "1",
        f"{p}duration_ms",
        f"{p}state_before IN ({CardState.NEW}, {CardState.LEARNING})",
        f"{p}state_before = {CardState.RELEARNING}",
        f"coalesce({p}state_before NOT IN ({CardState.NEW}, {CardState.LEARNING}, "
        f"{CardState.RELEARNING}) AND {p}stability_before >= {MATURE_DAYS}, 0)",
        scheduled(p.rstrip(".")),
        f"{review} AND {p}rating IN ({Rating.HARD}, {Rating.GOOD}, {Rating.EASY})",
        f"{review} AND {p}rating = {Rating.AGAIN}",
    )


def card_key(prefix: str = "") -> tuple[str, ...]:
    """The cardcount key of a card row, in `CARD_KEY` order: its deck, suspended (0/1), its
    state as stored, and its stability class (`CLASS_EDGES`)."""
    p = prefix
    classes = " ".join(f"WHEN {p}stability < {edge} THEN {i}" for i, edge in enumerate(CLASS_EDGES))
    return (
        f"{p}deck_id",
        f"{p}suspended != 0",
        f"{p}state",
        f"CASE WHEN {p}stability > 0 THEN CASE {classes} ELSE {len(CLASS_EDGES)} END ELSE -1 END",
    )


def _add_hour(prefix: str, sign: str, guard: str | None) -> str:
    """An upsert adding (`sign` "") or removing ("-") one log row in reviewhour."""
    values = [f"{sign}({v})" for v in hour_values(prefix)]
    columns = ", ".join(("hour", "deck_id", *HOUR_COLUMNS))
    sums = ", ".join(f"{c} = {c} + excluded.{c}" for c in HOUR_COLUMNS)
    row = f"{hour_of(prefix)}, {prefix}deck_id, {', '.join(values)}"
    source = f"SELECT {row} WHERE {guard}" if guard else f"VALUES ({row})"
    return (
        f"INSERT INTO reviewhour ({columns}) {source} "
        f"ON CONFLICT (hour, deck_id) DO UPDATE SET {sums}"
    )


def _add_card(prefix: str, sign: int) -> str:
    """An upsert adding (+1) or removing (-1) one card in cardcount."""
    return (
        f"INSERT INTO cardcount ({', '.join(CARD_KEY)}, cards) "
        f"VALUES ({', '.join(card_key(prefix))}, {sign}) "
        f"ON CONFLICT ({', '.join(CARD_KEY)}) DO UPDATE SET cards = cards + excluded.cards"
    )


def _changed(old: tuple[str, ...], new: tuple[str, ...]) -> str:
    return " OR ".join(f"({a}) IS NOT ({b})" for a, b in zip(old, new, strict=True))


# Only what changes a counted value fires the update triggers' bodies: sync's replay
# rewrites stabilities and states before in place, which mostly moves no answer to another
# column, and an answer rewrites a card's schedule, which mostly leaves its key alone.
_LOG_COLUMNS = "reviewed_at, duration_ms, kind, state_before, stability_before, rating, deck_id"
_LOG_CHANGED = _changed(
    (hour_of("OLD."), "OLD.deck_id", *hour_values("OLD.")),
    (hour_of("NEW."), "NEW.deck_id", *hour_values("NEW.")),
)
TRIGGERS: tuple[str, ...] = (
    "CREATE TRIGGER tr_reviewhour_insert AFTER INSERT ON reviewlog "
    f"WHEN NEW.deck_id IS NOT NULL BEGIN {_add_hour('NEW.', '', None)}; END",
    "CREATE TRIGGER tr_reviewhour_delete AFTER DELETE ON reviewlog "
    f"WHEN OLD.deck_id IS NOT NULL BEGIN {_add_hour('OLD.', '-', None)}; END",
    f"CREATE TRIGGER tr_reviewhour_update AFTER UPDATE OF {_LOG_COLUMNS} ON reviewlog "
    f"WHEN {_LOG_CHANGED} BEGIN "
    f"{_add_hour('OLD.', '-', 'OLD.deck_id IS NOT NULL')}; "
    f"{_add_hour('NEW.', '', 'NEW.deck_id IS NOT NULL')}; END",
    f"CREATE TRIGGER tr_cardcount_insert AFTER INSERT ON card BEGIN {_add_card('NEW.', 1)}; END",
    f"CREATE TRIGGER tr_cardcount_delete AFTER DELETE ON card BEGIN {_add_card('OLD.', -1)}; END",
    "CREATE TRIGGER tr_cardcount_update AFTER UPDATE OF deck_id, suspended, state, stability "
    f"ON card WHEN {_changed(card_key('OLD.'), card_key('NEW.'))} BEGIN "
    f"{_add_card('OLD.', -1)}; {_add_card('NEW.', 1)}; END",
)

# The counters from scratch, row for row as the tables hold them (less rows that count 0).
RECOUNT_HOURS = (
    f"SELECT {hour_of()} AS hour, deck_id, "
    + ", ".join(f"sum({v}) AS {c}" for v, c in zip(hour_values(), HOUR_COLUMNS, strict=True))
    + " FROM reviewlog WHERE deck_id IS NOT NULL GROUP BY 1, 2"
)
RECOUNT_CARDS = (
    "SELECT "
    + ", ".join(f"{v} AS {c}" for v, c in zip(card_key(), CARD_KEY, strict=True))
    + ", count(*) AS cards FROM card GROUP BY 1, 2, 3, 4"
)
_STORED_HOURS = (
    f"SELECT hour, deck_id, {', '.join(HOUR_COLUMNS)} FROM reviewhour "
    f"WHERE {' OR '.join(f'{c} != 0' for c in HOUR_COLUMNS)}"
)
_STORED_CARDS = f"SELECT {', '.join(CARD_KEY)}, cards FROM cardcount WHERE cards != 0"


class HourTally:
    """`reviewhour`'s counts of the scheduled answers a writer adds with the insert trigger
    dropped (`reviews.rebuilt_after`: a device joining a big profile adds a million rows),
    kept in Python as the rows are written and added once at the end: a recount of the
    whole log sorts every answer (3.5 s of a 40 s join), the tally counts keys with
    `Counter` (C) and sums durations per hour. The rules are `hour_values`' for a row of
    kind review (the only kind sync writes); `test_counters` holds the two to each other."""

    def __init__(self) -> None:
        # (hour, deck, state before, mature before, rating) -> answers
        self._answers: Counter[tuple[int, int, int, bool, int]] = Counter()
        self._durations: dict[tuple[int, int], int] = {}  # (hour, deck) -> their time

    def add(self, rows: Iterable[tuple[int, int, int, float | None, int, int]]) -> None:
        """Scheduled answers written to the log (not counted by a trigger): (moment, deck,
        state before, stability before, rating, duration)."""
        rows = list(rows)
        self._answers.update(
            (at // HOUR_MS, deck, state, stability is not None and stability >= MATURE_DAYS, rating)
            for at, deck, state, stability, rating, _ in rows
        )
        durations = self._durations
        for at, deck, _, _, _, duration in rows:
            key = (at // HOUR_MS, deck)
            durations[key] = durations.get(key, 0) + duration

    def cells(
        self,
    ) -> tuple[dict[tuple[int, int, int, bool, int], int], dict[tuple[int, int], int]]:
        """The tally's two maps, for a loop that counts its rows as it makes them (a join's
        stream, `sync/merge.py`), as `add` would: answers per (hour, deck, state before,
        mature before, rating), time spent per (hour, deck)."""
        return self._answers, self._durations

    def write(self, conn: sqlite3.Connection) -> None:
        """Add the tallied answers to `reviewhour` (the caller's transaction)."""
        sums = {key: [0, duration] + [0] * (len(HOUR_COLUMNS) - 2)
                for key, duration in self._durations.items()}  # fmt: skip
        learning = (CardState.NEW, CardState.LEARNING)
        passed = (Rating.HARD, Rating.GOOD, Rating.EASY)
        for (hour, deck_id, state, mature, rating), n in self._answers.items():
            row = sums[(hour, deck_id)]
            review = state == CardState.REVIEW
            counted = (
                n,
                0,  # duration: summed per hour above
                n if state in learning else 0,
                n if state == CardState.RELEARNING else 0,
                n if mature and state not in (*learning, CardState.RELEARNING) else 0,
                n,
                n if review and rating in passed else 0,
                n if review and rating == Rating.AGAIN else 0,
            )
            for i, value in enumerate(counted):
                row[i] += value
        columns = ", ".join(("hour", "deck_id", *HOUR_COLUMNS))
        adds = ", ".join(f"{c} = {c} + excluded.{c}" for c in HOUR_COLUMNS)
        marks = ", ".join("?" * (2 + len(HOUR_COLUMNS)))
        conn.executemany(
            f"INSERT INTO reviewhour ({columns}) VALUES ({marks}) "
            f"ON CONFLICT (hour, deck_id) DO UPDATE SET {adds}",
            [(hour, deck_id, *map(_sqlite_number, row)) for (hour, deck_id), row in sums.items()],
        )
        self._answers.clear()
        self._durations.clear()


_INT64 = 2**63


def _sqlite_number(value: int) -> int | float:
    """A sum as SQLite's `+` leaves it (the insert trigger's way): past a 64-bit integer,
    a float. Durations are checked one by one (under 8,000 years each), not their sum: a
    few tens of thousands of the longest in one hour overflow it, and the tally of a join
    then failed with a traceback where the trigger gave a float."""
    return value if -_INT64 <= value < _INT64 else float(value)


def differences(conn: sqlite3.Connection) -> int:
    """How many counter rows differ from a recount from scratch (0 when they agree): a key
    whose stored counts are not the recounted ones, or that only one side has, counts once.
    One pass over the log (its sort on disk); the rows compared here are per hour, a few
    hundred thousand at most."""
    found = 0
    for stored, recount, width in (
        (_STORED_HOURS, RECOUNT_HOURS, 2),
        (_STORED_CARDS, RECOUNT_CARDS, len(CARD_KEY)),
    ):
        with sorts_on_disk(conn):
            fresh = {tuple(row[:width]): tuple(row[width:]) for row in conn.execute(recount)}
        kept = {tuple(row[:width]): tuple(row[width:]) for row in conn.execute(stored)}
        found += sum(1 for key in fresh.keys() | kept.keys() if fresh.get(key) != kept.get(key))
    return found


def rebuild(conn: sqlite3.Connection) -> None:
    """Fill both tables again from the review log and the cards (the caller's transaction)."""
    conn.execute("DELETE FROM reviewhour")
    with sorts_on_disk(conn):
        conn.execute(
            f"INSERT INTO reviewhour (hour, deck_id, {', '.join(HOUR_COLUMNS)}) {RECOUNT_HOURS}"
        )
    conn.execute("DELETE FROM cardcount")
    conn.execute(f"INSERT INTO cardcount ({', '.join(CARD_KEY)}, cards) {RECOUNT_CARDS}")
