"""Deck specs into the profile: add new cards, update changed text, suspend removed cards.

Review state never lives in deck files, so a re-import only touches content: a card keeps its
schedule and history as long as its key (explicit id or content-derived) stays the same. Cards
that left the file are suspended (marked as having left), never deleted, and come back with
their history if they return. Runs inside the caller's transaction: one run, all or nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from mastery.decks.format import DeckSpec
from mastery.errors import DeckFormatError
from mastery.model import ImportReport
from mastery.states import (
    SUSPENDED_BY_USER,
    SUSPENDED_LEFT_DECK,
    SUSPENDED_NO,
    Flag,
    is_local_tag,
)


def import_specs(
    conn: sqlite3.Connection, specs: Sequence[DeckSpec], now_ms: int
) -> list[ImportReport]:
    seen: dict[str, str] = {}
    for spec in specs:
        if spec.key in seen:
            raise DeckFormatError(
                spec.source, None, f"deck id {spec.key!r} is also used by {seen[spec.key]}"
            )
        seen[spec.key] = spec.source
    return [_import_one(conn, spec, now_ms) for spec in specs]


def _import_one(conn: sqlite3.Connection, spec: DeckSpec, now_ms: int) -> ImportReport:
    tags = " ".join(spec.tags)
    row = conn.execute("SELECT id FROM deck WHERE key = ?", (spec.key,)).fetchone()
    if row is None:
        deck_id = conn.execute(
            "INSERT INTO deck (key, name, description, version, tags, source, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                spec.key,
                spec.name,
                spec.description,
                spec.version,
                tags,
                spec.source,
                now_ms,
                now_ms,
            ),
        ).lastrowid
    else:
        deck_id = row["id"]
        if spec.keeps_meta:  # back from an Anki export: it carried no version or deck tags
            conn.execute(
                "UPDATE deck SET name=?, description=?, source=?, updated_at=? WHERE id=?",
                (spec.name, spec.description, spec.source, now_ms, deck_id),
            )
        else:
            conn.execute(
                "UPDATE deck SET name=?, description=?, version=?, tags=?, source=?, "
                "updated_at=? WHERE id=?",
                (spec.name, spec.description, spec.version, tags, spec.source, now_ms, deck_id),
            )
    existing = {
        r["key"]: r
        for r in conn.execute(
            "SELECT key, id, note_key, front, back, tags, position, in_deck, suspended "
            "FROM card WHERE deck_id = ?",
            (deck_id,),
        )
    }
    inserts: list[tuple] = []
    updates: list[tuple] = []
    restores: list[tuple] = []
    added = updated = unchanged = restored = 0
    for card in spec.cards:
        card_tags = " ".join(card.tags)
        old = existing.get(card.key)
        if old is None:
            inserts.append(
                (
                    deck_id,
                    card.key,
                    card.note_key,
                    card.front,
                    card.back,
                    card_tags,
                    card.position,
                    SUSPENDED_BY_USER if card.suspended else SUSPENDED_NO,
                    now_ms,
                    now_ms,
                )
            )
            added += 1
            continue
        card_id, old_tags = old["id"], old["tags"]
        old_content = (old["front"], old["back"], _user_tags(old_tags))
        content_changed = old_content != (card.front, card.back, _user_tags(card_tags))
        if content_changed or old["note_key"] != card.note_key or old["position"] != card.position:
            updates.append(
                (
                    card.note_key,
                    card.front,
                    card.back,
                    _merge_tags(card_tags, old_tags),
                    card.position,
                    now_ms,
                    card_id,
                )
            )
        if not old["in_deck"]:
            restores.append((now_ms, card_id))
            restored += 1
        elif content_changed:
            updated += 1
        else:
            unchanged += 1
    keys = {c.key for c in spec.cards}
    removed = [
        (now_ms, old["id"]) for k, old in existing.items() if k not in keys and old["in_deck"]
    ]
    if inserts:
        conn.executemany(
            "INSERT INTO card (deck_id, key, note_key, front, back, tags, position, state, reps, "
            "lapses, suspended, in_deck, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, 1, ?, ?)",
            inserts,
        )
    if updates:
        conn.executemany(
            "UPDATE card SET note_key=?, front=?, back=?, tags=?, position=?, updated_at=? "
            "WHERE id=?",
            updates,
        )
    if restores:
        conn.executemany(
            f"UPDATE card SET in_deck=1, suspended = CASE WHEN suspended = {SUSPENDED_LEFT_DECK} "
            "THEN 0 ELSE suspended END, updated_at=? WHERE id=?",
            restores,
        )
    if removed:
        conn.executemany(
            f"UPDATE card SET in_deck=0, suspended = CASE WHEN suspended = 0 "
            f"THEN {SUSPENDED_LEFT_DECK} ELSE suspended END, updated_at=? WHERE id=?",
            removed,
        )
    return ImportReport(
        deck_key=spec.key,
        deck_name=spec.name,
        source=spec.source,
        added=added,
        updated=updated,
        unchanged=unchanged,
        suspended=len(removed),
        restored=restored,
    )


def add_synced_deck(
    conn: sqlite3.Connection,
    key: str,
    name: str,
    description: str,
    version: str,
    tags: str,
    now_ms: int,
) -> int:
    """A deck another device sent (sync): no file here, its cards follow."""
    deck_id = conn.execute(
        "INSERT INTO deck (key, name, description, version, tags, source, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, '', ?, ?)",
        (key, name, description, version, tags, now_ms, now_ms),
    ).lastrowid
    assert deck_id is not None
    return deck_id


def set_deck_meta(
    conn: sqlite3.Connection,
    deck_id: int,
    name: str,
    description: str,
    version: str,
    tags: str,
    now_ms: int,
) -> None:
    """A deck's name, description, version and tags as another device changed them (sync)."""
    conn.execute(
        "UPDATE deck SET name = ?, description = ?, version = ?, tags = ?, updated_at = ? "
        "WHERE id = ?",
        (name, description, version, tags, now_ms, deck_id),
    )


def set_source(conn: sqlite3.Connection, deck_id: int, source: str, now_ms: int) -> None:
    """The file a deck comes from now (a bundled deck's own copy, made by its first edit)."""
    conn.execute(
        "UPDATE deck SET source = ?, updated_at = ? WHERE id = ?", (source, now_ms, deck_id)
    )


def rename_deck(conn: sqlite3.Connection, deck_id: int, old_key: str, new_key: str) -> None:
    """Give a deck a new key in place: the same row, so its cards, schedules, review history
    and the goals linked to it (by row) stay with it. The cards' note keys, which start with
    the deck key, follow, so siblings stay siblings of their own deck's cards only. Runs inside
    the caller's transaction (a team pull moving a deck into its team's namespace)."""
    conn.execute("UPDATE deck SET key = ? WHERE id = ?", (new_key, deck_id))
    conn.execute(
        "UPDATE card SET note_key = :new || substr(note_key, length(:old) + 1) "
        "WHERE deck_id = :deck AND substr(note_key, 1, length(:old) + 1) = :old || '/'",
        {"new": new_key, "old": old_key, "deck": deck_id},
    )


def _user_tags(tags: str) -> str:
    """The tags a deck file decides (leech, flag and mark are the profile's: `is_local_tag`)."""
    return " ".join(t for t in tags.split() if not is_local_tag(t))


def _merge_tags(file_tags: str, old_tags: str) -> str:
    """The file's tags plus the card's local ones (leech, flag, mark). A flag set here wins
    over one the file brings (an Anki package's), so a card keeps one flag."""
    file = file_tags.split()
    local = [t for t in old_tags.split() if is_local_tag(t) and t not in file]
    if Flag.of(local) is not Flag.NONE:
        file = [t for t in file if Flag.of((t,)) is Flag.NONE]
    return " ".join([*file, *local])
