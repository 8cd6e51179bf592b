"""Received changes for a card this device does not have yet, kept until it does.

A change can arrive before its card: a flag or a suspension of a card of a deck this device
has not imported yet (a team deck, a file not copied here), or a chunk read before the one
that brings the card. Dropping it would leave the devices different for good once the deck
is imported, so the channel keeps it (`syncpending`) and takes it back at the start of every
sync, once the deck (content: it creates the card) or the card (state) is here. Answers keep
theirs in `syncevent` (merge.py). The item channels (items.py) keep here a value that cannot
be stored yet (a deck's preset before the deck, a range a newer Mastery widened), by kind of
event, what and key, so their record keeps what was last stored: a change made here since is
still a change, and is sent. The revisions channel keeps here an entry's or a goal's link to a
goal or deck not here yet (`keep_links`), made once it comes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import TypeVar

from pydantic import BaseModel, TypeAdapter

from mastery.sync.events import CardEvent, ContentEvent

E = TypeVar("E", bound=BaseModel)


def keep(conn: sqlite3.Connection, changes: Iterable[tuple[str, CardEvent | ContentEvent]]) -> None:
    """Changes ((device, event)) kept for later; an event names its kind, deck and card."""
    conn.executemany(
        "INSERT INTO syncpending (kind, deck, card, device, event) VALUES (?, ?, ?, ?, ?)",
        [(e.kind, e.deck, e.card, device, e.model_dump_json()) for device, e in changes],
    )


def take(
    conn: sqlite3.Connection, kind: str, model: type[E], *, card_needed: bool
) -> list[tuple[str, E]]:
    """The kept changes of `kind` whose deck (or, `card_needed`, whose card) is here now, as
    (device, event) in the order received; they leave the table (the channel applies them,
    and keeps again any that still cannot apply)."""
    here = (
        "EXISTS (SELECT 1 FROM card c JOIN deck d ON d.id = c.deck_id "
        "WHERE d.key = p.deck AND c.key = p.card)"
        if card_needed
        else "EXISTS (SELECT 1 FROM deck d WHERE d.key = p.deck)"
    )
    rows = conn.execute(
        f"SELECT p.id, p.device, p.event FROM syncpending p WHERE p.kind = ? AND {here} "
        "ORDER BY p.id",
        (kind,),
    ).fetchall()
    if not rows:
        return []
    conn.executemany("DELETE FROM syncpending WHERE id = ?", [(r["id"],) for r in rows])
    adapter = TypeAdapter(model)
    return [(r["device"], adapter.validate_json(r["event"])) for r in rows]


def keep_items(conn: sqlite3.Connection, changes: Iterable[tuple[str, BaseModel]]) -> None:
    """Item values ((device, event) with `what` and `key`) kept until they can be stored."""
    conn.executemany(
        "INSERT INTO syncpending (kind, deck, card, device, event) VALUES (?, ?, ?, ?, ?)",
        [
            (e.kind, e.what, e.key, device, e.model_dump_json())  # type: ignore[attr-defined]
            for device, e in changes
        ],
    )


def take_items(conn: sqlite3.Connection, model: type[E]) -> list[tuple[str, E]]:
    """Every kept item value of `model`'s kind, in the order received; they leave the table
    (the channel keeps again those that still cannot be stored)."""
    kind = model.model_fields["kind"].default
    rows = conn.execute(
        "SELECT id, device, event FROM syncpending WHERE kind = ? ORDER BY id", (kind,)
    ).fetchall()
    if not rows:
        return []
    conn.executemany("DELETE FROM syncpending WHERE id = ?", [(r["id"],) for r in rows])
    adapter = TypeAdapter(model)
    return [(r["device"], adapter.validate_json(r["event"])) for r in rows]


# Links kept waiting (`keep_links`): the kind, and how to tell that what a link names is here.
_LINKED = {
    "goaldeck": "SELECT 1 FROM deck t WHERE t.key = p.card",  # a goal's deck, by key
    "entrygoal": "SELECT 1 FROM goal t WHERE t.uid = p.card",  # an entry's goal, by uid
}


def keep_links(conn: sqlite3.Connection, kind: str, uid: str, keys: Iterable[str]) -> None:
    """The links of item `uid` (a goal's decks, an entry's goals) to things this device does
    not have yet, in place of any kept for it before (the item as now written is what
    counts). Kept as (kind, item uid in `deck`, what it names in `card`): the table's index
    finds an item's links at once, and every entry and goal is written on a first sync."""
    assert kind in _LINKED
    conn.execute("DELETE FROM syncpending WHERE deck = ? AND kind = ?", (uid, kind))
    conn.executemany(
        "INSERT INTO syncpending (kind, deck, card, device, event) VALUES (?, ?, ?, '', '')",
        [(kind, uid, key) for key in keys],
    )


def take_links(conn: sqlite3.Connection, kind: str) -> list[tuple[str, str]]:
    """The kept links of `kind` whose target is here now, as (item uid, key of what it
    names); they leave the table."""
    rows = conn.execute(
        f"SELECT p.id, p.deck, p.card FROM syncpending p WHERE p.kind = ? "
        f"AND EXISTS ({_LINKED[kind]}) ORDER BY p.id",
        (kind,),
    ).fetchall()
    conn.executemany("DELETE FROM syncpending WHERE id = ?", [(r["id"],) for r in rows])
    return [(r["deck"], r["card"]) for r in rows]
