"""The card-state channel: a card's suspension (by the learner) and burial.

A card whose state differs from what was last synced (`synccard`) is sent with a stamp; a
received state wins when its (stamp, device) is later than the card's last synced one, so
every device keeps the same, latest change. A card that left its deck file stays suspended as
such (`set_synced_state`). A state for a card not here yet is kept until it is (`pending.py`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from pydantic import BaseModel

from mastery.storage import cards as card_rows
from mastery.sync import pending
from mastery.sync.channels import Batch
from mastery.sync.events import CardEvent
from mastery.sync.hlc import Clock, later


def card_of(conn: sqlite3.Connection, deck: str, card: str) -> int | None:
    """A card's local row id from its deck key and card key (None: not on this device)."""
    row = conn.execute(
        "SELECT c.id FROM card c JOIN deck d ON d.id = c.deck_id WHERE d.key = ? AND c.key = ?",
        (deck, card),
    ).fetchone()
    return int(row["id"]) if row else None


def _record(
    conn: sqlite3.Connection, rows: Sequence[tuple[int, int, int | None, int, str]]
) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO synccard (card_id, suspended, buried_until, at, device) "
        "VALUES (?, ?, ?, ?, ?)",
        rows,
    )


class CardStates:
    """Suspension and burial (see the module docstring)."""

    kinds: tuple[type[BaseModel], ...] = (CardEvent,)

    def outgoing(self, conn: sqlite3.Connection, device: str, clock: Clock, now_ms: int) -> Batch:
        # Every sync runs this step: states kept for a card that is here now apply first,
        # each by its own device, before this device's differences are looked for.
        self.settle(conn)
        events: list[BaseModel] = []
        rows: list[tuple[int, int, int | None, int, str]] = []
        for r in conn.execute(
            "SELECT c.id, d.key AS deck_key, c.key AS card_key, c.suspended = 1 AS suspended, "
            "c.buried_until FROM card c JOIN deck d ON d.id = c.deck_id "
            "LEFT JOIN synccard s ON s.card_id = c.id WHERE CASE WHEN s.card_id IS NULL "
            "THEN c.suspended = 1 OR c.buried_until IS NOT NULL "
            "ELSE (c.suspended = 1) != s.suspended OR c.buried_until IS NOT s.buried_until END "
            "ORDER BY c.id"
        ):
            # Dated by this sync: a card keeps no moment of its last suspension or burial.
            stamp = clock.tick(now_ms)
            events.append(
                CardEvent(
                    deck=r["deck_key"],
                    card=r["card_key"],
                    stamp=stamp,
                    suspended=bool(r["suspended"]),
                    buried_until=r["buried_until"],
                )
            )
            rows.append((r["id"], int(r["suspended"]), r["buried_until"], stamp, device))
        return Batch(events, lambda c: _record(c, rows))

    def apply(self, conn: sqlite3.Connection, device: str, events: Sequence[BaseModel]) -> set[int]:
        for e in events:
            assert isinstance(e, CardEvent)
            card_id = card_of(conn, e.deck, e.card)
            if card_id is None:  # not on this device yet: kept until it is (pending.py)
                pending.keep(conn, [(device, e)])
                continue
            last = conn.execute(
                "SELECT at, device FROM synccard WHERE card_id = ?", (card_id,)
            ).fetchone()
            if not later((e.stamp, device), (last["at"], last["device"]) if last else None):
                continue
            suspended = card_rows.set_synced_state(conn, card_id, e.suspended, e.buried_until)
            _record(conn, [(card_id, suspended, e.buried_until, e.stamp, device)])
        return set()

    def settle(self, conn: sqlite3.Connection) -> set[int]:
        for sender, e in pending.take(conn, "card", CardEvent, card_needed=True):
            self.apply(conn, sender, [e])
        return set()

    def resend(self, conn: sqlite3.Connection, device: str) -> list[BaseModel]:
        return [
            CardEvent(
                deck=r["deck_key"],
                card=r["card_key"],
                stamp=r["at"],
                suspended=bool(r["suspended"]),
                buried_until=r["buried_until"],
            )
            for r in conn.execute(
                "SELECT d.key AS deck_key, c.key AS card_key, s.suspended, s.buried_until, s.at "
                "FROM synccard s JOIN card c ON c.id = s.card_id "
                "JOIN deck d ON d.id = c.deck_id WHERE s.device = ? ORDER BY c.id",
                (device,),
            )
        ]

    def rename_device(self, conn: sqlite3.Connection, old: str, new: str) -> None:
        conn.execute("UPDATE synccard SET device = ? WHERE device = ?", (new, old))

    def mark_resent(
        self, conn: sqlite3.Connection, device: str, events: Sequence[BaseModel]
    ) -> None:
        # What was sent, not what the card must become: a change made since (or the state
        # of a restored backup) is then a difference, sent as the newer event.
        for e in events:
            assert isinstance(e, CardEvent)
            card_id = card_of(conn, e.deck, e.card)
            if card_id is not None:
                _record(conn, [(card_id, int(e.suspended), e.buried_until, e.stamp, device)])
