"""The card table: cards read into `CardView`s, and every write to a card's schedule and queue
flags (an answer, its undo, a replayed history, suspend, bury).

Deck content (front, back, tags, position) is written by the importer (`decks/importer.py`);
everything that decides *when* a card is shown is written here, so the rules a card row must
keep (state 0-3, a stability and difficulty in range, a due time once studied) are checked in
one place before an answer starts from them (`memory`). Callers own the transaction.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from mastery.days import from_ms
from mastery.errors import DamagedCardError, NotFoundError
from mastery.model import CardView
from mastery.states import (
    SUSPENDED_BY_USER,
    SUSPENDED_LEFT_DECK,
    SUSPENDED_NO,
    CardState,
    scheduled,
)

if TYPE_CHECKING:
    from mastery.scheduler import Memory

# What a `CardView` is built from, on `card c JOIN deck d` (`FROM_CARDS`).
COLUMNS = (
    "c.id, c.deck_id, d.key AS deck_key, d.name AS deck_name, c.key, c.note_key, c.front, "
    "c.back, c.tags, c.state, c.step, c.stability, c.difficulty, c.due, c.last_review, c.reps, "
    "c.lapses, c.suspended, c.buried_until, c.in_deck, c.position"
)
FROM_CARDS = "FROM card c JOIN deck d ON d.id = c.deck_id"


def select(
    conn: sqlite3.Connection, where: str, params: Sequence[Any] | dict[str, Any] = ()
) -> list[CardView]:
    """The cards `where` (SQL after the FROM, on aliases `c` and `d`) picks, in its order."""
    return [card_view(r) for r in conn.execute(f"SELECT {COLUMNS} {FROM_CARDS} {where}", params)]


def card_view(r: sqlite3.Row) -> CardView:
    """A row of `COLUMNS` as a `CardView`; an unusable stability or difficulty reads as none."""
    return CardView(
        id=r["id"],
        deck_id=r["deck_id"],
        deck_key=r["deck_key"],
        deck_name=r["deck_name"],
        key=r["key"],
        note_key=r["note_key"],
        front=r["front"],
        back=r["back"],
        tags=tuple(r["tags"].split()),
        state=r["state"],
        step=r["step"],
        stability=stored_memory(r["stability"], 0.0, math.inf),
        difficulty=stored_memory(r["difficulty"], 1.0, 10.0),
        due=from_ms(r["due"]) if r["due"] is not None else None,
        last_review=from_ms(r["last_review"]) if r["last_review"] is not None else None,
        reps=r["reps"],
        lapses=r["lapses"],
        suspended=bool(r["suspended"]),
        buried_until=from_ms(r["buried_until"]) if r["buried_until"] is not None else None,
        in_deck=bool(r["in_deck"]),
        position=r["position"],
    )


def stored_memory(value: Any, low: float, high: float) -> float | None:
    """A stored stability or difficulty, or None when it was changed outside Mastery into
    something no arithmetic can use (text, infinity, out of range): such a card reads as one
    without memory until `mastery check` resets it."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or not low <= value <= high or (low == 0.0 and value == 0.0):
        return None
    return float(value)


# ----------------------------------------------------------------------------- schedules
def schedule(conn: sqlite3.Connection, card_id: int) -> sqlite3.Row | None:
    """The card's stored schedule, as an answer starts from it (see `memory`)."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT id, deck_id, state, step, stability, difficulty, due, last_review, reps, "
        "lapses, suspended, tags, note_key FROM card WHERE id = ?",
        (card_id,),
    ).fetchone()
    return row


def check_schedule(row: sqlite3.Row) -> None:
    """Refuse a `schedule` row no answer can start from, with `DamagedCardError` (one line,
    before anything is written): a value changed outside Mastery, such as a state of 99 or
    text where a stability belongs. `mastery check` applies the same rules when it repairs."""

    def bad(what: str, value: object) -> DamagedCardError:
        return DamagedCardError(row["id"], what, value)

    state = row["state"]
    if not _is_int(state) or not CardState.has(state):
        raise bad("state", state)
    step = row["step"]
    if step is not None and (not _is_int(step) or step < 0):
        raise bad("learning step", step)
    for column in ("reps", "lapses"):
        if not _is_int(row[column]) or row[column] < 0:
            raise bad(f"{column} count", row[column])
    stability, difficulty = row["stability"], row["difficulty"]
    studied = state != CardState.NEW
    if (studied or stability is not None) and stored_memory(stability, 0.0, math.inf) is None:
        raise bad("stability", stability)
    if (studied or difficulty is not None) and stored_memory(difficulty, 1.0, 10.0) is None:
        raise bad("difficulty", difficulty)
    due, last = row["due"], row["last_review"]
    if (studied or due is not None) and not _is_int(due):
        raise bad("due time", due)
    if last is not None and not _is_int(last):
        raise bad("last review time", last)


def memory(row: sqlite3.Row) -> Memory:
    """The schedule of a `schedule` row for the scheduler, checked by `check_schedule`."""
    from mastery.scheduler import Memory

    check_schedule(row)
    due, last = row["due"], row["last_review"]
    return Memory(
        state=row["state"],
        step=row["step"],
        stability=row["stability"],
        difficulty=row["difficulty"],
        due=from_ms(due) if due is not None else None,
        last_review=from_ms(last) if last is not None else None,
        reps=row["reps"],
        lapses=row["lapses"],
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def write_answer(
    conn: sqlite3.Connection,
    card_id: int,
    after: Memory,
    *,
    reviewed_ms: int,
    due_ms: int,
    suspended: int,
    tags: str,
) -> None:
    """The card after an answer: its new schedule, unburied, maybe suspended as a leech."""
    conn.execute(
        "UPDATE card SET state=?, step=?, stability=?, difficulty=?, due=?, last_review=?, "
        "reps=?, lapses=?, suspended=?, tags=?, buried_until=NULL, updated_at=? WHERE id=?",
        (
            after.state,
            after.step,
            after.stability,
            after.difficulty,
            due_ms,
            reviewed_ms,
            after.reps,
            after.lapses,
            suspended,
            tags,
            reviewed_ms,
            card_id,
        ),
    )


class Replayed(NamedTuple):
    """A card's schedule after an imported history was replayed (`write_replayed`)."""

    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: int | None
    last_review: int | None
    reps: int
    lapses: int
    updated_at: int
    id: int

    @classmethod
    def of(
        cls, card_id: int, memory: Memory, due: int | None, last: int | None, updated_at: int
    ) -> Replayed:
        """A card's row after its history was replayed up to `memory` (import and sync)."""
        return cls(
            state=memory.state,
            step=memory.step,
            stability=memory.stability,
            difficulty=memory.difficulty,
            due=due,
            last_review=last,
            reps=memory.reps,
            lapses=memory.lapses,
            updated_at=updated_at,
            id=card_id,
        )


def write_replayed(conn: sqlite3.Connection, cards: Sequence[Replayed]) -> None:
    """Many cards' new schedules at once (`import --with-history`)."""
    if cards:
        conn.executemany(
            "UPDATE card SET state=?, step=?, stability=?, difficulty=?, due=?, last_review=?, "
            "reps=?, lapses=?, updated_at=? WHERE id=?",
            cards,
        )


def fingerprint(conn: sqlite3.Connection, card_id: int) -> tuple[Any, ...]:
    """What an undo must find unchanged since the answer: the card's schedule and its newest
    scheduled review (another window's answer changes both)."""
    row = conn.execute(
        "SELECT state, step, stability, difficulty, due, last_review, reps, lapses, suspended, "
        f"(SELECT max(id) FROM reviewlog r WHERE r.card_id = c.id AND {scheduled('r')}) "
        "AS newest_log FROM card c WHERE c.id = ?",
        (card_id,),
    ).fetchone()
    return tuple(row) if row is not None else ()


def restore(conn: sqlite3.Connection, card_id: int, log: sqlite3.Row, *, lapsed: bool) -> None:
    """Undo an answer: the schedule, suspension and tags its log kept from before it."""
    conn.execute(
        "UPDATE card SET state=?, step=?, stability=?, difficulty=?, due=?, last_review=?, "
        "suspended=?, tags=coalesce(?, tags), reps=reps-1, lapses=lapses-? WHERE id=?",
        (
            log["state_before"],
            log["step_before"],
            log["stability_before"],
            log["difficulty_before"],
            log["due_before"],
            log["last_review_before"],
            log["suspended_before"],
            log["tags_before"],
            int(lapsed),
            card_id,
        ),
    )


# ----------------------------------------------------------------------------- queue flags
def set_suspended(
    conn: sqlite3.Connection, ids: Sequence[int], on: bool, now_ms: int
) -> tuple[dict[int, int], int]:
    """Suspend (or unsuspend) cards: ({card id: its suspended value before}, cards changed).
    `NotFoundError` when any id names no card."""
    marks = ",".join("?" * len(ids))
    before = {
        r["id"]: r["suspended"]
        for r in conn.execute(f"SELECT id, suspended FROM card WHERE id IN ({marks})", ids)
    }
    if len(before) != len(set(ids)):
        raise NotFoundError("no such card")
    changed = conn.execute(
        f"UPDATE card SET suspended = ?, updated_at = ? WHERE id IN ({marks}) "
        "AND (suspended != 0) != ?",
        [SUSPENDED_BY_USER if on else SUSPENDED_NO, now_ms, *ids, on],
    ).rowcount
    return before, changed


def put_back_suspended(conn: sqlite3.Connection, card_id: int, suspended: int) -> None:
    """Undo a suspension: the value the card had before."""
    conn.execute("UPDATE card SET suspended=? WHERE id=?", (suspended, card_id))


def bury(conn: sqlite3.Connection, card_id: int, until_ms: int) -> int | None:
    """Hide a card until `until_ms`; returns what it was buried until before (for undo)."""
    row = conn.execute("SELECT buried_until FROM card WHERE id = ?", (card_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no card {card_id}")
    conn.execute("UPDATE card SET buried_until = ? WHERE id = ?", (until_ms, card_id))
    before: int | None = row["buried_until"]
    return before


def put_back_buried(conn: sqlite3.Connection, card_id: int, buried_until: int | None) -> None:
    """Undo a burial: the time the card was buried until before (None: not buried)."""
    conn.execute("UPDATE card SET buried_until=? WHERE id=?", (buried_until, card_id))


def set_synced_state(
    conn: sqlite3.Connection, card_id: int, suspended: bool, buried_until: int | None
) -> int:
    """Another device's suspension and burial of a card (sync): a card that left its deck
    file stays suspended as such. Returns the learner's suspension (0/1) the card now has."""
    conn.execute(
        "UPDATE card SET suspended = CASE WHEN suspended = ? THEN suspended ELSE ? END, "
        "buried_until = ? WHERE id = ?",
        (
            SUSPENDED_LEFT_DECK,
            SUSPENDED_BY_USER if suspended else SUSPENDED_NO,
            buried_until,
            card_id,
        ),
    )
    row = conn.execute("SELECT suspended FROM card WHERE id = ?", (card_id,)).fetchone()
    return 1 if row and row["suspended"] == SUSPENDED_BY_USER else 0


# ----------------------------------------------------------------------------- tags
def tags_of(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, str]:
    """{card id: its tags}; `NotFoundError` when any id names no card."""
    marks = ",".join("?" * len(ids))
    found = {
        r["id"]: r["tags"]
        for r in conn.execute(f"SELECT id, tags FROM card WHERE id IN ({marks})", list(ids))
    }
    if len(found) != len(set(ids)):
        raise NotFoundError("no such card")
    return found


def set_tags(conn: sqlite3.Connection, tags: dict[int, str], now_ms: int) -> None:
    """Give cards new tags (a flag, the mark, or their undo)."""
    conn.executemany(
        "UPDATE card SET tags = ?, updated_at = ? WHERE id = ?",
        [(t, now_ms, i) for i, t in tags.items()],
    )


def put_back_tags(conn: sqlite3.Connection, card_id: int, tags: str) -> None:
    """Undo a flag or mark: the tags the card had before."""
    conn.execute("UPDATE card SET tags = ? WHERE id = ?", (tags, card_id))


def write_content(
    conn: sqlite3.Connection, card_id: int, front: str, back: str, tags: str, now_ms: int
) -> None:
    """An edited card's sides and tags (its schedule and history stay as they are)."""
    conn.execute(
        "UPDATE card SET front = ?, back = ?, tags = ?, updated_at = ? WHERE id = ?",
        (front, back, tags, now_ms, card_id),
    )


def write_synced_content(conn: sqlite3.Connection, rows: Sequence[tuple[object, ...]]) -> None:
    """Cards' content as another device changed it (sync): (note key, front, back, tags,
    position, in deck 0/1, in deck again, updated at, card id). A card that left its deck is
    suspended as such and back in it no longer, as an import of its deck file does; the
    learner's own suspension stays."""
    conn.executemany(
        "UPDATE card SET note_key = ?, front = ?, back = ?, tags = ?, position = ?, "
        "in_deck = ?, suspended = CASE WHEN ? THEN (CASE WHEN suspended = "
        f"{SUSPENDED_LEFT_DECK} THEN {SUSPENDED_NO} ELSE suspended END) ELSE (CASE WHEN "
        f"suspended = {SUSPENDED_NO} THEN {SUSPENDED_LEFT_DECK} ELSE suspended END) END, "
        "updated_at = ? WHERE id = ?",
        rows,
    )


def insert_synced(conn: sqlite3.Connection, rows: Sequence[tuple[object, ...]]) -> None:
    """New cards another device sent (sync), as new cards: (deck id, key, note key, front,
    back, tags, position, suspended, in deck, created at, updated at)."""
    conn.executemany(
        "INSERT INTO card (deck_id, key, note_key, front, back, tags, position, state, "
        "reps, lapses, suspended, in_deck, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, ?, ?, ?)",
        rows,
    )
