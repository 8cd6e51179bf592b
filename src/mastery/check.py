"""`mastery check`: Anki's "Check Database" for a Mastery profile.

What it looks at, in order, and what it does when fixing (all fixes in one transaction):

1. SQLite's full `integrity_check`. Damage confined to indexes is repaired with REINDEX;
   anything else is beyond repair here: `DatabaseCorruptError`, whose message says to restore
   a backup.
2. Orphans: rows whose parent is gone (`PRAGMA foreign_key_check`, so every foreign key the
   schema declares is covered: review logs of deleted cards, cards of deleted decks, milestones
   of deleted goals, ...). They are deleted. Only files edited outside Mastery, or written with
   foreign keys off, have them.
3. Cards against their review history. `answer` writes the card row and a review log holding the
   card's state, step, stability, difficulty and due after the answer, in one transaction, so a
   card's row equals its last "review" log's after-state (and its last review is that log's
   time, its reps and lapses at least the logs' counts). A card that disagrees is set back to
   that after-state. One legitimate exception: the optimizer's `--reschedule` replays the
   history under new weights without logging; a card equal to that replay is left alone (with
   the load balancer on, its due may be another day of the replayed interval's fuzz range).
4. Cards no history can vouch for: an impossible state, a learning or review card without a
   due date, a due date before the last review, a stability or difficulty that is missing,
   not a number or out of range, negative reps or lapses. Fixed the least surprising way
   (due now; reset to new only when the memory itself is unreadable).
5. Review logs filed under another deck than their card's (a copy kept for fast statistics).
6. The statistics' counters (answers per hour and deck, cards per deck and state: kept by
   triggers, `storage/counters.py`) against a recount from the log and the cards; rebuilt
   when they differ (only a file written without the triggers, or edited by hand, can).

There is no media table: media files are only referenced from card text, so nothing is
checked there.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mastery.backup import one_line
from mastery.days import from_ms, to_ms
from mastery.db import sorts_on_disk
from mastery.errors import DatabaseCorruptError
from mastery.states import CardState, Rating, scheduled
from mastery.storage import counters

if TYPE_CHECKING:
    from mastery.collection import Collection

RESTORE_HINT = "restore a backup: `mastery backup --restore` lists them"

# Every problem kind, as the report names it (one name per idea, in report order).
INDEXES = "damaged indexes (rebuilt)"
HISTORY = "cards that disagreed with their review history (set to their last review)"
BAD_STATE = "cards with an impossible state (reset to new)"
NO_DUE = "learning or review cards without a due date (due now)"
NEGATIVE_INTERVAL = "cards due before their last review (due now)"
BAD_MEMORY = "cards with an unreadable stability or difficulty (reset to new)"
BAD_COUNTS = "cards with negative reps or lapses (set to 0)"
LOG_DECK = "review logs filed under another deck (refiled)"
BAD_LOG = "review logs with an impossible rating or state (removed)"
COUNTERS = "statistics counters that disagreed with a recount (rebuilt)"
# A review log Mastery could not have written: such a log vouches for nothing (see _cards),
# and reading it back would name a rating or state that does not exist.
_BAD_LOG_WHERE = (
    "typeof(rating) != 'integer' OR rating NOT BETWEEN 1 AND 4 "
    "OR typeof(state_before) != 'integer' OR state_before NOT BETWEEN 0 AND 3 "
    "OR typeof(state_after) != 'integer' OR state_after NOT BETWEEN 0 AND 3"
)
# A card's schedule, in the order `_repair_alone`, `_same` and the UPDATE in `_cards` use.
_SCHEDULE = ("state", "step", "stability", "difficulty", "due", "last_review")
_ORPHAN_NAMES = {
    ("reviewlog", "card"): "review logs of deleted cards (removed)",
    ("card", "deck"): "cards of deleted decks (removed, with their review logs)",
}


# Words SQLite (and Mastery's own errors) use for a damaged file.
_DAMAGE_WORDS = ("malformed", "not a database", "looks damaged", "is damaged", "corrupt")


def damage_hint(message: str, *, in_app: bool = False) -> str:
    """What to append to an error message that says the file looks damaged ("" otherwise):
    the CLI and the TUI both point the learner at `mastery check` this way, whichever module
    raised the error (only its wording is shared)."""
    text = message.lower()
    if "mastery check" in text or "--restore" in text:
        return ""
    if any(word in text for word in _DAMAGE_WORDS):
        where = "ctrl+p: profile: Check database, or " if in_app else ""
        return f" ({where}run `mastery check`)"
    return ""


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What `check_database` found, per kind; `fixed` False for a dry run."""

    problems: dict[str, int] = field(default_factory=dict)
    fixed: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        """The report as a person reads it: one line per kind, or "no problems found"."""
        if self.ok:
            return ["No problems found."]
        head = "Fixed:" if self.fixed else "Found (dry run, nothing changed):"
        return [head] + [f"  {count:,} {kind}" for kind, count in self.problems.items()]

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "fixed": self.fixed, "problems": dict(self.problems)}


def check_database(
    col: Collection, *, fix: bool = True, now: datetime | None = None
) -> CheckReport:
    """Check the open profile and, unless `fix` is False, repair what can be repaired safely.

    Raises `DatabaseCorruptError` when the file is damaged beyond repair (restore a backup).
    """
    now = now or col.now()
    conn = col.conn
    path = col.db.path
    problems: dict[str, int] = {}
    try:
        damage = _integrity(conn)
        if damage:
            if not all(_index_only(line) for line in damage):
                raise DatabaseCorruptError(
                    path, f"the database is damaged beyond repair ({damage[0]})", RESTORE_HINT
                )
            problems[INDEXES] = len(damage)
            if fix:
                conn.execute("REINDEX")
                still = _integrity(conn)
                if still:
                    raise DatabaseCorruptError(
                        path, f"the database is damaged beyond repair ({still[0]})", RESTORE_HINT
                    )
        # The whole log is sorted (last answers, the counters' recount): on disk, not in
        # memory, switched before the transaction (SQLite refuses it inside one).
        with sorts_on_disk(conn):
            if fix:
                with col.db.transaction():
                    _check_rows(col, conn, problems, fix=True, now=now)
            else:
                _check_rows(col, conn, problems, fix=False, now=now)
    except sqlite3.DatabaseError as exc:
        raise DatabaseCorruptError(
            path, f"the database is damaged beyond repair ({exc})", RESTORE_HINT
        ) from exc
    return CheckReport(problems, fixed=fix and bool(problems))


def check_profile(
    path: Path, profile: str, *, fix: bool = True, now: datetime | None = None
) -> CheckReport:
    """`check_database` on the profile file at `path`, opened on its own: without the
    bundled decks' sync or the settings repair, so nothing else writes, and a file SQLite
    cannot open at all is reported as damaged beyond repair (the check cannot help it)."""
    from mastery.collection import Collection
    from mastery.db import Database
    from mastery.errors import NotFoundError, ProfileError

    if not path.exists():
        raise NotFoundError(f"no profile {profile!r} at {path}")
    try:
        db = Database.open(path)
    except ProfileError as exc:
        if isinstance(exc.__cause__, sqlite3.DatabaseError):
            raise DatabaseCorruptError(
                path, f"the database is damaged beyond repair ({exc.__cause__})", RESTORE_HINT
            ) from exc
        raise
    with Collection(db, profile) as col:
        return check_database(col, fix=fix, now=now)


def _integrity(conn: sqlite3.Connection) -> list[str]:
    """SQLite's complaints (empty when the file is sound)."""
    rows = conn.execute("PRAGMA integrity_check").fetchall()
    complaints = [str(row[0]) for row in rows]  # PRAGMA columns have no stable name
    if complaints == ["ok"]:
        return []
    return [one_line(line) for line in complaints]


def _index_only(line: str) -> bool:
    """A complaint about an index's entries only: REINDEX rebuilds indexes from the tables."""
    return (
        "missing from index" in line
        or "wrong # of entries in index" in line
        or "non-unique entry in index" in line
    )


def _check_rows(
    col: Collection,
    conn: sqlite3.Connection,
    problems: dict[str, int],
    *,
    fix: bool,
    now: datetime,
) -> None:
    _orphans(conn, problems, fix)
    bad_logs = conn.execute(
        f"SELECT count(*) AS n FROM reviewlog WHERE {_BAD_LOG_WHERE}"
    ).fetchone()["n"]
    if bad_logs:
        problems[BAD_LOG] = bad_logs
        if fix:
            conn.execute(f"DELETE FROM reviewlog WHERE {_BAD_LOG_WHERE}")
    _cards(col, conn, problems, fix, now)
    stray = conn.execute(
        "SELECT count(*) AS n FROM reviewlog r JOIN card c ON c.id = r.card_id "
        "WHERE r.deck_id IS NOT c.deck_id"
    ).fetchone()["n"]
    if stray:
        problems[LOG_DECK] = stray
        if fix:
            conn.execute(
                "UPDATE reviewlog SET deck_id = (SELECT deck_id FROM card WHERE card.id = "
                "reviewlog.card_id) WHERE deck_id IS NOT (SELECT deck_id FROM card WHERE "
                "card.id = reviewlog.card_id) AND card_id IN (SELECT id FROM card)"
            )
    # Last: the repairs above keep the counters through their triggers.
    wrong = counters.differences(conn)
    if wrong:
        problems[COUNTERS] = wrong
        if fix:
            counters.rebuild(conn)


def _orphans(conn: sqlite3.Connection, problems: dict[str, int], fix: bool) -> None:
    found = conn.execute("PRAGMA foreign_key_check").fetchall()
    by_kind: dict[tuple[str, str], list[int]] = {}
    for row in found:
        by_kind.setdefault((row["table"], row["parent"]), []).append(row["rowid"])
    for (table, parent), rowids in by_kind.items():
        name = _ORPHAN_NAMES.get((table, parent), f"{table} rows of a deleted {parent} (removed)")
        problems[name] = len(set(rowids))
        if fix:
            # Table names come from the schema itself (foreign_key_check), never from input.
            conn.executemany(f'DELETE FROM "{table}" WHERE rowid = ?', [(r,) for r in rowids])


def _cards(
    col: Collection,
    conn: sqlite3.Connection,
    problems: dict[str, int],
    fix: bool,
    now: datetime,
) -> None:
    # The last scheduled answer of each card, its columns named as the card's (_SCHEDULE).
    last_logs = {
        row["card_id"]: row
        for row in conn.execute(
            "SELECT card_id, state_after AS state, step_after AS step, "
            "stability_after AS stability, difficulty_after AS difficulty, due_after AS due, "
            "reviewed_at AS last_review, n, lapses FROM ("
            " SELECT card_id, state_after, step_after, stability_after, difficulty_after,"
            " due_after, reviewed_at,"
            " row_number() OVER (PARTITION BY card_id ORDER BY reviewed_at DESC, id DESC) AS rn,"
            " count(*) OVER (PARTITION BY card_id) AS n,"
            f" sum(state_before = {CardState.REVIEW} AND rating = {Rating.AGAIN})"
            " OVER (PARTITION BY card_id) AS lapses"
            f" FROM reviewlog WHERE {scheduled()} AND NOT ({_BAD_LOG_WHERE})) WHERE rn = 1"
        )
    }
    now_ms = to_ms(now)
    updates: list[tuple[Any, ...]] = []  # full schedule rows to write back
    counts: dict[str, int] = {}
    rows = conn.execute(
        "SELECT id, deck_id, state, step, stability, difficulty, due, last_review, reps, lapses "
        "FROM card"
    ).fetchall()
    for card in rows:
        card_id, deck_id, reps, lapses = card["id"], card["deck_id"], card["reps"], card["lapses"]
        actual = tuple(card[column] for column in _SCHEDULE)
        log = last_logs.get(card_id)
        if log is not None:
            expected = tuple(log[column] for column in _SCHEDULE)
            n, n_lapses = log["n"], log["lapses"] or 0
            if _same(actual, expected) and reps >= n and lapses >= n_lapses:
                continue
            # A reschedule keeps the last review's time and counts one rep per log: only
            # then is the (slow) replay worth trying.
            if (
                card["last_review"] == log["last_review"]
                and reps == n
                and _same_as_replay(col, conn, card_id, deck_id, actual, reps, lapses)
            ):
                continue
            counts[HISTORY] = counts.get(HISTORY, 0) + 1
            updates.append((*expected, max(reps, n), max(lapses, n_lapses), now_ms, card_id))
            continue
        kind, fixed = _repair_alone(actual, reps, lapses, now_ms)
        if kind:
            counts[kind] = counts.get(kind, 0) + 1
            updates.append((*fixed, now_ms, card_id))
    order = (HISTORY, BAD_STATE, NO_DUE, NEGATIVE_INTERVAL, BAD_MEMORY, BAD_COUNTS)
    problems.update({kind: counts[kind] for kind in order if kind in counts})
    if fix and updates:
        conn.executemany(
            "UPDATE card SET state=?, step=?, stability=?, difficulty=?, due=?, last_review=?, "
            "reps=?, lapses=?, updated_at=? WHERE id=?",
            updates,
        )


def _repair_alone(
    actual: tuple[Any, ...], reps: int, lapses: int, now_ms: int
) -> tuple[str | None, tuple[Any, ...]]:
    """A card without review history: the first problem found and the row that fixes it."""
    state, step, stab, diff, due, last = actual
    new = (CardState.NEW, None, None, None, None, None, max(reps, 0), max(lapses, 0))
    if state not in (0, 1, 2, 3):
        return BAD_STATE, new
    if state != CardState.NEW:
        if not _valid_stability(stab) or not _valid_difficulty(diff):
            return BAD_MEMORY, new
        if due is None:
            return NO_DUE, (state, step, stab, diff, now_ms, last, max(reps, 0), max(lapses, 0))
        if state == CardState.REVIEW and last is not None and due < last:
            return NEGATIVE_INTERVAL, (
                state,
                step,
                stab,
                diff,
                now_ms,
                last,
                max(reps, 0),
                max(lapses, 0),
            )
    elif (stab is not None and not _valid_stability(stab)) or (
        diff is not None and not _valid_difficulty(diff)
    ):
        return BAD_MEMORY, new  # a new card has none; text or a negative one was written outside
    if reps < 0 or lapses < 0:
        return BAD_COUNTS, (*actual, max(reps, 0), max(lapses, 0))
    return None, ()


def _valid_stability(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


def _valid_difficulty(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and 1.0 <= value <= 10.0


def _same(actual: tuple[Any, ...], expected: tuple[Any, ...]) -> bool:
    for a, b in zip(actual, expected, strict=True):
        if isinstance(a, str | bytes) or isinstance(b, str | bytes):
            if a != b:
                return False  # text where a number belongs (changed outside Mastery)
        elif isinstance(a, float) or isinstance(b, float):
            if a is None or b is None or not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
                return False
        elif a != b:
            return False
    return True


def _same_as_replay(
    col: Collection,
    conn: sqlite3.Connection,
    card_id: int,
    deck_id: int,
    actual: tuple[Any, ...],
    reps: int,
    lapses: int,
) -> bool:
    """Whether the card is what the optimizer's reschedule makes of its history (see
    optimize.reschedule_cards: same replay, same seed)."""
    reviews = [
        (from_ms(review["reviewed_at"]), review["rating"])
        for review in conn.execute(
            f"SELECT reviewed_at, rating FROM reviewlog WHERE card_id = ? AND {scheduled()} "
            "ORDER BY reviewed_at, id",
            (card_id,),
        )
    ]
    try:
        memory = col.scheduler_for(deck_id).replay(reviews, seed=card_id * 1000)
    except (ValueError, OverflowError):
        return False  # a history the scheduler cannot replay vouches for nothing
    replayed = (
        memory.state,
        memory.step,
        memory.stability,
        memory.difficulty,
        to_ms(memory.due) if memory.due else None,
        to_ms(memory.last_review) if memory.last_review else None,
    )
    if reps != memory.reps or lapses != memory.lapses:
        return False
    if _same(actual, replayed):
        return True
    # With the load balancer on, a reschedule moves a review card's due to another day of
    # its fuzz range (the counts it balanced against are gone): the same memory, due at the
    # start of a day in that range, is still the reschedule's work.
    from mastery.scheduler import fuzz_range

    due_index = _SCHEDULE.index("due")
    if memory.state != CardState.REVIEW or memory.due is None or memory.last_review is None:
        return False
    if not _same(
        actual[:due_index] + actual[due_index + 1 :],
        replayed[:due_index] + replayed[due_index + 1 :],
    ):
        return False
    due = actual[due_index]
    if not isinstance(due, int) or isinstance(due, bool):
        return False
    clock = col.clock
    last_day = clock.day_of(memory.last_review)
    day = clock.day_of(from_ms(due))
    if to_ms(clock.day_start(day)) != due:
        return False
    planned = (clock.day_of(memory.due) - last_day).days
    # The card's preset's maximum interval: the reschedule fuzzed (and balanced) with it.
    preset = col.presets.config(col.presets.preset_of(deck_id))
    lower, upper = fuzz_range(planned, int(preset["maximum_interval"]))
    width = upper - lower
    return abs((day - last_day).days - planned) <= width and (day - last_day).days >= 1
