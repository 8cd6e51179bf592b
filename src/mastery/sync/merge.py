"""Events out of and into the profile database, and each touched card replayed.

Export reads this device's scheduled answers not sent yet and the sent ones undone since.
Import adds other devices' answers (deduplicated by event id), removes undone ones, and then
every touched card is replayed from a new card in time order with its deck's scheduler, its
review-log rows rewritten in place (their ids stay, so the `syncevent` map stays right) and
its schedule stored. Fuzz is seeded from the deck and card keys, not the local row id, so every
device computes the same due dates from the same answers. Callers own the transaction.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, NamedTuple

from pydantic import BaseModel

from mastery.days import from_ms, to_ms
from mastery.states import LogKind, scheduled
from mastery.storage import cards as card_rows
from mastery.storage import reviews as review_log
from mastery.storage.cards import Replayed
from mastery.storage.reviews import LogEntry
from mastery.sync.cardstate import card_of
from mastery.sync.events import AnswerEvent, LogEvent, UndoEvent

if TYPE_CHECKING:
    from mastery.scheduler import Scheduler


def event_id(device: str, log_id: int, at: int) -> str:
    """An answer's event id: derived, so a chunk written again after a crash carries the
    same ids as the copy another device may already have read."""
    return hashlib.blake2b(f"{device}:{log_id}:{at}".encode(), digest_size=16).hexdigest()


def card_seed(deck_key: str, card_key: str) -> int:
    """The fuzz seed base of a card on every device (`Collection.answer` uses card id * 1000
    locally; a replay after sync uses this)."""
    digest = hashlib.blake2b(f"{deck_key}\x1f{card_key}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") * 1000


class Outgoing(NamedTuple):
    """What this device sends next: events, and the bookkeeping once they are written."""

    events: list[LogEvent]
    sent: list[tuple[str, int, int]]  # (event id, log id, moment)
    undone: list[str]  # event ids
    cards: set[int]


def outgoing(conn: sqlite3.Connection, device: str, now_ms: int) -> Outgoing:
    """This device's scheduled answers not sent yet, its sent answers undone since, and the
    cards whose suspension or burial differs from what was last synced (dated `now_ms`)."""
    events: list[LogEvent] = []
    sent: list[tuple[str, int, int]] = []
    cards: set[int] = set()
    rows = conn.execute(
        "SELECT r.id, r.card_id, r.reviewed_at, r.rating, r.duration_ms, r.confidence, "
        "d.key AS deck_key, c.key AS card_key FROM reviewlog r "
        "JOIN card c ON c.id = r.card_id JOIN deck d ON d.id = c.deck_id "
        f"WHERE {scheduled('r')} AND NOT EXISTS (SELECT 1 FROM syncevent s "
        "WHERE s.log_id = r.id AND s.at = r.reviewed_at) ORDER BY r.id"
    )
    for r in rows:
        eid = event_id(device, r["id"], r["reviewed_at"])
        events.append(
            AnswerEvent(
                id=eid,
                deck=r["deck_key"],
                card=r["card_key"],
                at=r["reviewed_at"],
                rating=r["rating"],
                duration_ms=max(0, r["duration_ms"] or 0),
                confidence=r["confidence"],
            )
        )
        sent.append((eid, r["id"], r["reviewed_at"]))
        cards.add(r["card_id"])
    undone = [
        r["event_id"]
        for r in conn.execute(
            "SELECT s.event_id FROM syncevent s WHERE s.device = ? AND s.undone = 0 "
            "AND s.log_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM reviewlog r "
            "WHERE r.id = s.log_id AND r.reviewed_at = s.at) ORDER BY s.at, s.event_id",
            (device,),
        )
    ]
    events += [UndoEvent(id=eid) for eid in undone]
    return Outgoing(events, sent, undone, cards)


def mark_sent(conn: sqlite3.Connection, device: str, out: Outgoing) -> None:
    """Record what `out` sent (its chunk is written)."""
    conn.executemany(
        "INSERT OR IGNORE INTO syncevent (event_id, log_id, device, at, undone) "
        "VALUES (?, ?, ?, ?, 0)",
        [(eid, log_id, device, at) for eid, log_id, at in out.sent],
    )
    conn.executemany(
        "UPDATE syncevent SET undone = 1, log_id = NULL WHERE event_id = ?",
        [(eid,) for eid in out.undone],
    )


def resend(conn: sqlite3.Connection, device: str) -> list[LogEvent]:
    """Every event this device has put on the target, rebuilt from the profile, for chunks
    the target lost (deleted by the host, a force-pushed remote). Which events were in which
    chunk is not kept, so all of them go again; the others drop what they already have (by
    event id, and a card change by its (moment, device))."""
    events: list[LogEvent] = [
        AnswerEvent(
            id=r["event_id"],
            deck=r["deck_key"],
            card=r["card_key"],
            at=r["reviewed_at"],
            rating=r["rating"],
            duration_ms=max(0, r["duration_ms"] or 0),
            confidence=r["confidence"],
        )
        for r in conn.execute(
            "SELECT s.event_id, r.reviewed_at, r.rating, r.duration_ms, r.confidence, "
            "d.key AS deck_key, c.key AS card_key FROM syncevent s "
            "JOIN reviewlog r ON r.id = s.log_id AND r.reviewed_at = s.at "
            "JOIN card c ON c.id = r.card_id JOIN deck d ON d.id = c.deck_id "
            "WHERE s.device = ? AND s.undone = 0 AND s.pending IS NULL "
            "ORDER BY s.at, s.event_id",
            (device,),
        )
    ]
    events += [
        UndoEvent(id=r["event_id"])
        for r in conn.execute(
            "SELECT event_id FROM syncevent WHERE device = ? AND undone = 1 ORDER BY event_id",
            (device,),
        )
    ]
    return events


def rename_device(conn: sqlite3.Connection, old: str, new: str) -> None:
    """This device rejoined the target under a new id: the answers it sent as `old` it sent
    as `new` (their event ids stay: they are only names)."""
    conn.execute("UPDATE syncevent SET device = ? WHERE device = ?", (new, old))


def mark_resent(
    conn: sqlite3.Connection, device: str, events: Iterable[LogEvent]
) -> tuple[set[int], list[LogEvent]]:
    """Record the events of this device's own chunks found on the target but not in the
    profile: a sync killed after writing one, or a backup restored since. An answer still in
    the review log (same card, moment and rating) is marked sent; the others are returned, to
    be added back as received ones (the target says they happened). Returns (cards touched,
    events to add)."""
    cards: set[int] = set()
    missing: list[LogEvent] = []
    for event in events:
        if isinstance(event, UndoEvent):
            missing.append(event)
            continue
        row = conn.execute(
            "SELECT r.id, r.card_id FROM reviewlog r JOIN card c ON c.id = r.card_id "
            "JOIN deck d ON d.id = c.deck_id WHERE d.key = ? AND c.key = ? "
            f"AND r.reviewed_at = ? AND r.rating = ? AND {scheduled('r')} "
            "AND NOT EXISTS (SELECT 1 FROM syncevent s WHERE s.log_id = r.id "
            "AND s.event_id != ?)",
            (event.deck, event.card, event.at, event.rating, event.id),
        ).fetchone()
        if row is None:
            missing.append(event)
            continue
        conn.execute(
            "INSERT OR IGNORE INTO syncevent (event_id, log_id, device, at, undone) "
            "VALUES (?, ?, ?, ?, 0)",
            (event.id, row["id"], device, event.at),
        )
        cards.add(row["card_id"])
    return cards, missing


def _add_answer(conn: sqlite3.Connection, card_id: int, e: AnswerEvent) -> int:
    """A received answer as a log row; its schedule columns are filled by the replay."""
    return review_log.log_review(
        conn,
        LogEntry(
            card_id=card_id,
            rating=e.rating,
            reviewed_at=e.at,
            duration_ms=e.duration_ms,
            kind=LogKind.REVIEW,
            confidence=e.confidence,
            state_before=0,
            state_after=0,
            step_before=None,
            step_after=None,
            due_before=None,
            due_after=e.at,
            stability_before=None,
            stability_after=0.0,
            difficulty_before=None,
            difficulty_after=0.0,
            last_review_before=None,
            elapsed_days=0,
            scheduled_days=0,
            suspended_before=0,
        ),
    )


def apply(
    conn: sqlite3.Connection, received: Iterable[tuple[str, LogEvent]]
) -> tuple[set[int], int]:
    """Add other devices' events ((device, event) in chunk order), and retry answers kept
    pending because their card was not here. An answer is new unless its event id is known
    or this card has an answer of the same moment and rating (the same history imported on
    two devices). Returns (cards touched, answers added)."""
    cards: set[int] = set()
    added = 0
    pending = [
        (r["device"], AnswerEvent.model_validate_json(r["pending"]))
        for r in conn.execute("SELECT device, pending FROM syncevent WHERE pending IS NOT NULL")
    ]
    for device, event in [*pending, *received]:
        known = conn.execute(
            "SELECT log_id, undone, pending FROM syncevent WHERE event_id = ?", (event.id,)
        ).fetchone()
        if isinstance(event, UndoEvent):
            if known is None:  # the undo came first: the answer is never taken
                conn.execute(
                    "INSERT INTO syncevent (event_id, log_id, device, at, undone) "
                    "VALUES (?, NULL, ?, 0, 1)",
                    (event.id, device),
                )
                continue
            if known["log_id"] is not None:
                row = conn.execute(
                    "SELECT card_id FROM reviewlog WHERE id = ?", (known["log_id"],)
                ).fetchone()
                if row:
                    cards.add(row["card_id"])
                    review_log.delete(conn, known["log_id"])
            conn.execute(
                "UPDATE syncevent SET undone = 1, log_id = NULL, pending = NULL WHERE event_id = ?",
                (event.id,),
            )
            continue
        if known is not None and known["pending"] is None:
            continue  # had already (sent or received), or undone
        card_id = card_of(conn, event.deck, event.card)
        if card_id is None:
            if known is None:  # kept until the deck is imported here
                conn.execute(
                    "INSERT INTO syncevent (event_id, log_id, device, at, undone, pending) "
                    "VALUES (?, NULL, ?, ?, 0, ?)",
                    (event.id, device, event.at, event.model_dump_json()),
                )
            continue
        # The same answer already here under another id (both devices imported one Anki
        # history): linked to it, not counted twice. Never to a row that another event of
        # the same device names: one device sends one event per answer, so that is a second
        # answer of the same moment (and an undo of one must not take both).
        same = conn.execute(
            "SELECT r.id FROM reviewlog r WHERE r.card_id = ? AND r.reviewed_at = ? "
            f"AND r.rating = ? AND {scheduled('r')} AND NOT EXISTS (SELECT 1 FROM syncevent s "
            "WHERE s.log_id = r.id AND s.device = ?) ORDER BY r.id LIMIT 1",
            (card_id, event.at, event.rating, device),
        ).fetchone()
        log_id = same["id"] if same else _add_answer(conn, card_id, event)
        conn.execute(
            "INSERT OR REPLACE INTO syncevent (event_id, log_id, device, at, undone, pending) "
            "VALUES (?, ?, ?, ?, 0, NULL)",
            (event.id, log_id, device, event.at),
        )
        cards.add(card_id)
        added += 0 if same else 1
    return cards, added


def replay(
    conn: sqlite3.Connection,
    card_ids: Iterable[int],
    scheduler_for: Callable[[int], Scheduler],
    now_ms: int,
) -> None:
    """Recompute each card's review-log rows and schedule from all its scheduled answers,
    from a new card, in time order (ties by rating, then duration, as every device sees
    them)."""
    from mastery.scheduler import Memory

    replayed: list[Replayed] = []
    for card_id in sorted(card_ids):
        card = conn.execute(
            "SELECT c.deck_id, c.key, d.key AS deck_key FROM card c "
            "JOIN deck d ON d.id = c.deck_id WHERE c.id = ?",
            (card_id,),
        ).fetchone()
        if card is None:
            continue
        seed = card_seed(card["deck_key"], card["key"])
        answer = scheduler_for(card["deck_id"]).answer
        memory = Memory(state=0)
        due: int | None = None
        last: int | None = None
        updates: list[review_log.ReplayedLog] = []
        for r in conn.execute(
            "SELECT id, rating, reviewed_at FROM reviewlog "
            f"WHERE card_id = ? AND {scheduled()} "
            "ORDER BY reviewed_at, rating, duration_ms, id",
            (card_id,),
        ).fetchall():
            outcome = answer(memory, r["rating"], from_ms(r["reviewed_at"]), seed + memory.reps)
            after = outcome.memory
            assert after.due is not None  # an answer always schedules the card
            due_after = to_ms(after.due)
            updates.append(
                review_log.ReplayedLog(
                    memory.state,
                    after.state,
                    memory.step,
                    after.step,
                    due,
                    due_after,
                    memory.stability,
                    after.stability,
                    memory.difficulty,
                    after.difficulty,
                    last,
                    outcome.elapsed_days,
                    outcome.scheduled_days,
                    r["id"],
                )
            )
            memory, due, last = after, due_after, r["reviewed_at"]
        review_log.rewrite_schedules(conn, updates)
        replayed.append(Replayed.of(card_id, memory, due, last, now_ms))
    card_rows.write_replayed(conn, replayed)


def dumps(events: Iterable[BaseModel]) -> list[dict[str, object]]:
    """Events as JSON-ready dicts for a chunk (None fields left out: smaller chunks)."""
    return [json.loads(e.model_dump_json(exclude_none=True)) for e in events]
