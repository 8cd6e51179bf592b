"""The review log: the one place that writes `reviewlog` rows (and reads them back for undo
and a card's history).

Every answer is logged the same way, whoever gives it: a review (`srs/answers.py`), a cram or
preview answer (`cram.py`) and an Anki answer replayed by `import --with-history`
(`decks/anki/`) all build a `LogEntry` and hand it to `log_review` / `log_reviews`, so the
columns they fill cannot drift apart. A log row keeps the card's schedule before and after the
answer: undo restores the "before" half, `mastery check` compares a card with the "after"
half of its newest log. Callers own the transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

from mastery.days import from_ms
from mastery.model import ReviewLogView
from mastery.states import LogKind, scheduled

if TYPE_CHECKING:
    from mastery.storage.counters import HourTally


class LogEntry(NamedTuple):
    """One answer as stored: the card's schedule before and after it (times in ms UTC).

    A tuple in the column order of `INSERT` below, so a history import of 100,000 answers
    binds them with `executemany` at tuple speed."""

    card_id: int
    rating: int
    reviewed_at: int
    duration_ms: int
    kind: str
    confidence: int | None
    state_before: int
    state_after: int
    step_before: int | None
    step_after: int | None
    due_before: int | None
    due_after: int
    stability_before: float | None
    stability_after: float | None  # never None after an answer (a NOT NULL column)
    difficulty_before: float | None
    difficulty_after: float | None  # likewise
    last_review_before: int | None
    elapsed_days: int
    scheduled_days: int
    suspended_before: int
    tags_before: str | None = None  # set only when the answer changed the tags (leech)
    # The card's deck, when the writer has it at hand: the row is then written whole, once
    # (left None, `tr_reviewlog_deck` fills it with a second write of the row).
    deck_id: int | None = None


_INSERT = (
    f"INSERT INTO reviewlog ({', '.join(LogEntry._fields)}) "
    f"VALUES ({', '.join('?' * len(LogEntry._fields))})"
)


def log_review(conn: sqlite3.Connection, entry: LogEntry) -> int:
    """Store one answer; returns its log id (undo deletes it by that id)."""
    return int(conn.execute(_INSERT, entry).lastrowid or 0)


def log_reviews(conn: sqlite3.Connection, entries: Sequence[LogEntry]) -> None:
    """Store many answers at once (an imported history)."""
    if entries:
        conn.executemany(_INSERT, entries)


_SYNCED = (
    "INSERT INTO reviewlog (id, card_id, rating, reviewed_at, duration_ms, confidence, "
    "state_before, state_after, step_before, step_after, due_before, due_after, "
    "stability_before, stability_after, difficulty_before, difficulty_after, "
    "last_review_before, elapsed_days, scheduled_days, deck_id, kind, suspended_before) "
    f"VALUES ({', '.join('?' * 20)}, '{LogKind.REVIEW}', 0)"
)


@contextmanager
def rebuilt_after(conn: sqlite3.Connection, *, when: bool) -> Iterator[HourTally | None]:
    """Inside: the review log without its secondary indexes and without the trigger that
    counts each new row into `reviewhour` (`when` true), both back at the end (the indexes
    made again, the rows written meanwhile added to the counters from the `HourTally` this
    yields, which `log_synced` fills), in the caller's transaction. For adding far more
    rows than the log holds (a new device joining a big profile): a million rows go in 4x
    faster this way, one sort per index instead of a million random inserts into each, and
    one tally instead of a million upserts (8 s of a 40 s join). The update and delete
    triggers stay: rows rewritten or removed meanwhile are counted as always. A rollback
    brings everything back. Yields None (nothing dropped) when `when` is false."""
    if not when:
        yield None
        return
    from mastery.storage.counters import HourTally

    dropped = [
        (kind, name, sql)
        for kind, name, sql in conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'reviewlog' AND "
            "sql IS NOT NULL AND (type = 'index' OR (type = 'trigger' AND name = ?))",
            ("tr_reviewhour_insert",),
        )
    ]
    for kind, name, _ in dropped:
        conn.execute(f'DROP {kind.upper()} "{name}"')
    tally = HourTally()
    yield tally
    for _, _, sql in dropped:
        conn.execute(sql)
    tally.write(conn)


def log_synced(
    conn: sqlite3.Connection, rows: Sequence[tuple[Any, ...]], tally: HourTally | None = None
) -> None:
    """Store answers received from other devices, already replayed (`sync/merge.py`): (id,
    card id, rating, moment, duration, confidence, the `ReplayedLog` columns without the
    id, deck id). The merge picks the ids (it links each to its event in the same batch)
    and gives the deck, so the insert trigger has no second write per row to do. `tally`:
    the counters' insert trigger is dropped (`rebuilt_after`), the rows are counted there."""
    if rows:
        conn.executemany(_SYNCED, rows)
    if tally is not None:  # moment, deck, state before, stability before, rating, duration
        tally.add((r[3], r[19], r[6], r[12], r[2], r[4]) for r in rows)


class ReplayedLog(NamedTuple):
    """A log row's schedule columns recomputed by a replay (sync: answers from other devices
    merged into a card's history, `sync/merge.py`); the answer itself is unchanged."""

    state_before: int
    state_after: int
    step_before: int | None
    step_after: int | None
    due_before: int | None
    due_after: int
    stability_before: float | None
    stability_after: float | None
    difficulty_before: float | None
    difficulty_after: float | None
    last_review_before: int | None
    elapsed_days: int
    scheduled_days: int
    id: int


def rewrite_schedules(conn: sqlite3.Connection, rows: Sequence[ReplayedLog]) -> None:
    """Store replayed schedule columns on existing log rows (their ids stay)."""
    if rows:
        conn.executemany(
            f"UPDATE reviewlog SET {', '.join(f'{c}=?' for c in ReplayedLog._fields[:-1])} WHERE id=?",
            rows,
        )


def before_answer(conn: sqlite3.Connection, log_id: int) -> sqlite3.Row | None:
    """What undoing answer `log_id` puts back on its card: the schedule before it, the
    suspension and tags before it, and the rating (a lapse is counted back)."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT state_before, step_before, stability_before, difficulty_before, due_before, "
        "last_review_before, suspended_before, tags_before, rating FROM reviewlog WHERE id = ?",
        (log_id,),
    ).fetchone()
    return row


def delete(conn: sqlite3.Connection, log_id: int, kind: LogKind | None = None) -> None:
    """Remove an undone answer's row (only of `kind`, when given)."""
    if kind is None:
        conn.execute("DELETE FROM reviewlog WHERE id = ?", (log_id,))
    else:
        conn.execute("DELETE FROM reviewlog WHERE id = ? AND kind = ?", (log_id, kind))


def delete_streamed(conn: sqlite3.Connection) -> None:
    """Remove the rows a join streamed for the cards in `temp.syncdemoted` (`sync/merge.py`:
    they go back among the received answers and are replayed)."""
    conn.execute("DELETE FROM reviewlog WHERE card_id IN temp.syncdemoted")


def history(conn: sqlite3.Connection, card_id: int) -> list[ReviewLogView]:
    """A card's scheduled answers, oldest first (cram answers never changed it)."""
    rows = conn.execute(
        "SELECT id, card_id, rating, reviewed_at, duration_ms, state_before, state_after, "
        "elapsed_days, scheduled_days, stability_after, difficulty_after, due_after "
        f"FROM reviewlog WHERE card_id = ? AND {scheduled()} ORDER BY reviewed_at, id",
        (card_id,),
    )
    return [
        ReviewLogView(
            id=r["id"],
            card_id=r["card_id"],
            rating=r["rating"],
            reviewed_at=from_ms(r["reviewed_at"]),
            duration_ms=r["duration_ms"],
            state_before=r["state_before"],
            state_after=r["state_after"],
            elapsed_days=r["elapsed_days"],
            scheduled_days=r["scheduled_days"],
            stability_after=r["stability_after"],
            difficulty_after=r["difficulty_after"],
            due_after=from_ms(r["due_after"]),
        )
        for r in rows
    ]
