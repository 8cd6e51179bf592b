"""The content channel: card edits, flags and marks, and decks without a file of their own.

A card's content is its front, back and tags (its flag and mark are tags, and so is a leech:
the answering device tags it, a replay never does, so the tag travels here and devices stay
equal), with its note key, position and whether it is still in its deck. What was last synced
of each card is kept as a hash (`synccontent`); a card whose hash differs is sent, and a
received change wins when its (stamp, device) is later than the card's last synced one.

Decks come two ways. A deck with a file of its own (`has_own_file`: a bundled deck, a team
deck's clone under `PROFILE/teams/`, a TOML file outside the profile folder that is there)
reaches every device by that file, so its cards are not sent one by one: on first sight each
card's hash is recorded as a baseline without sending, and only its changes go (and, at once,
a flag, mark or leech it already has). A deck without one (an Anki package, a CSV file, a
TOML copy in the profile folder such as an edited bundled deck's, a file that is gone) is sent
whole: its row (`deck` event, `syncdeck`) and every card, so a new device gets the whole
profile. The receiver creates what it lacks, positions and note keys intact, and then the
answers kept pending for those cards apply (channel events are applied before answers).

A change received for a card whose deck file this device can write changes the profile, not
the file: the file has its own sync (git, Syncthing), and importing an older copy of it later
is a newer local change, which then goes to the others. A change for a deck this device does
not have yet waits (`pending.py`) until the deck is imported or arrives. Decks are never
removed (Mastery has no removal), so there is no tombstone.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import Path

from pydantic import BaseModel, ValidationError

from mastery import paths
from mastery.decks.importer import add_synced_deck, set_deck_meta
from mastery.errors import SyncError
from mastery.states import SUSPENDED_LEFT_DECK, SUSPENDED_NO, is_local_tag
from mastery.storage import cards as card_rows
from mastery.sync import pending
from mastery.sync.channels import Batch
from mastery.sync.events import ContentEvent, DeckEvent
from mastery.sync.hlc import Clock, later, wall_ms

BASELINE = ""  # the device of a hash recorded without sending (see the module docstring)
_CARDS = (
    "SELECT c.id, c.deck_id, d.key AS deck_key, c.key AS card_key, c.front, c.back, c.tags, "
    "c.note_key, c.position, c.in_deck, c.updated_at, s.hash AS synced, s.at, s.device "
    "FROM card c JOIN deck d ON d.id = c.deck_id LEFT JOIN synccontent s ON s.card_id = c.id"
)


def _digest(text: str) -> int:
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def card_hash(front: str, back: str, tags: str, note: str, position: int, in_deck: int) -> int:
    """What was synced of a card, as one integer (stored in `synccontent`; SQL calls it as
    `mastery_card_hash`)."""
    return _digest(f"{front}\x1f{back}\x1f{tags}\x1f{note}\x1f{position}\x1f{int(in_deck)}")


def deck_hash(name: str, description: str, tags: str, version: str) -> int:
    return _digest(f"{name}\x1f{description}\x1f{tags}\x1f{version}")


def _event_hash(e: ContentEvent) -> int:
    return card_hash(e.front, e.back, e.tags, e.note, e.position, e.in_deck)


def _changed_at(updated_at: int | None, synced: int | None, now_ms: int) -> int:
    """The wall time of a change found at this sync: the card's `updated_at` when it is
    after the last synced stamp (an edit, a flag), this sync's moment otherwise (an undo puts
    the old tags back without touching `updated_at`), never later than this sync."""
    if updated_at and (synced is None or updated_at > wall_ms(synced)):
        return min(updated_at, now_ms)
    return now_ms


def _has_local_tag(tags: str) -> bool:
    """A tag the profile sets (flag, mark, leech): such a card is sent at first sight even
    from a deck with a file of its own, since no file holds these."""
    return any(is_local_tag(t) for t in tags.split())


def _profile_folder(conn: sqlite3.Connection) -> Path | None:
    row = conn.execute("PRAGMA database_list").fetchone()
    return Path(row["file"]).parent if row and row["file"] else None


def has_own_file(source: str, profile: Path | None) -> bool:
    """Whether every device can have this deck from the same file, so its cards need not be
    sent one by one: a TOML file that is there and is bundled, a team clone's, or outside the
    profile folder (the learner's own, kept in step by git or a synced folder). Checked by
    path, a few stat calls per sync."""
    if not source or Path(source).suffix.lower() != ".toml":
        return False
    path = Path(source)
    if not path.is_file():
        return False
    if paths.is_bundled(path) or profile is None:
        return True
    try:
        resolved = path.resolve()
        home = profile.resolve()
    except (OSError, RuntimeError):
        return True
    return resolved.is_relative_to(home / "teams") or not resolved.is_relative_to(home)


def _fileless(conn: sqlite3.Connection) -> set[int]:
    profile = _profile_folder(conn)
    return {
        int(r["id"])
        for r in conn.execute("SELECT id, source FROM deck")
        if not has_own_file(r["source"], profile)
    }


def _content(r: sqlite3.Row, stamp: int) -> ContentEvent:
    try:
        return ContentEvent(
            deck=r["deck_key"],
            card=r["card_key"],
            stamp=stamp,
            front=r["front"],
            back=r["back"],
            tags=r["tags"],
            note=r["note_key"],
            position=r["position"],
            in_deck=bool(r["in_deck"]),
        )
    except ValidationError as exc:
        # A card no other device could read (a side of over a million characters): said
        # before anything is written, never sent half.
        first = exc.errors(include_url=False)[0]
        raise SyncError(
            f"card {r['deck_key']}/{r['card_key']}: its {first['loc'][0]} cannot be synced "
            f"({first['msg'].lower()}); shorten it (e in the browser) and sync again"
        ) from exc


def _deck_event(r: sqlite3.Row, stamp: int) -> DeckEvent:
    return DeckEvent(
        deck=r["key"],
        stamp=stamp,
        name=r["name"],
        description=r["description"],
        tags=r["tags"],
        version=r["version"],
    )


def _record_cards(conn: sqlite3.Connection, rows: Sequence[tuple[int, int, int, str]]) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO synccontent (card_id, hash, at, device) VALUES (?, ?, ?, ?)",
        rows,
    )


def _record_decks(conn: sqlite3.Connection, rows: Sequence[tuple[int, int, int, str]]) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO syncdeck (deck_id, hash, at, device) VALUES (?, ?, ?, ?)", rows
    )


class _Known:
    """The cards of the decks some events name: {deck key: (deck id, {card key: (card id,
    stamp, device) or (card id, None, None)})}, one query per deck."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._decks: dict[str, tuple[int, dict[str, tuple[int, int | None, str | None]]] | None]
        self._decks = {}

    def deck(self, key: str) -> tuple[int, dict[str, tuple[int, int | None, str | None]]] | None:
        if key not in self._decks:
            row = self._conn.execute("SELECT id FROM deck WHERE key = ?", (key,)).fetchone()
            if row is None:
                self._decks[key] = None
            else:
                cards = {
                    r["key"]: (int(r["id"]), r["at"], r["device"])
                    for r in self._conn.execute(
                        "SELECT c.id, c.key, s.at, s.device FROM card c "
                        "LEFT JOIN synccontent s ON s.card_id = c.id WHERE c.deck_id = ?",
                        (row["id"],),
                    )
                }
                self._decks[key] = (int(row["id"]), cards)
        return self._decks[key]

    def forget(self, key: str) -> None:
        self._decks.pop(key, None)


def _apply_decks(conn: sqlite3.Connection, device: str, events: Iterable[DeckEvent]) -> None:
    for e in events:
        row = conn.execute(
            "SELECT d.id, s.at, s.device FROM deck d LEFT JOIN syncdeck s ON s.deck_id = d.id "
            "WHERE d.key = ?",
            (e.deck,),
        ).fetchone()
        now = wall_ms(e.stamp)
        if row is None:
            # Brought by sync: no file here (its cards come as `content` events).
            deck_id = add_synced_deck(conn, e.deck, e.name, e.description, e.version, e.tags, now)
        else:
            deck_id = int(row["id"])
            last = (row["at"], row["device"]) if row["at"] is not None else None
            if not later((e.stamp, device), last):
                continue
            set_deck_meta(conn, deck_id, e.name, e.description, e.version, e.tags, now)
        _record_decks(
            conn, [(deck_id, deck_hash(e.name, e.description, e.tags, e.version), e.stamp, device)]
        )


def _apply_cards(conn: sqlite3.Connection, received: Sequence[tuple[str, ContentEvent]]) -> None:
    """Content events ((device, event)), in bulk: the latest per card, then one UPDATE or
    INSERT each by `executemany`; events for decks not here are kept (`pending.py`)."""
    known = _Known(conn)
    winners: dict[tuple[str, str], tuple[str, ContentEvent]] = {}
    waiting: list[tuple[str, ContentEvent]] = []
    for device, e in received:
        deck = known.deck(e.deck)
        if deck is None:
            waiting.append((device, e))
            continue
        have = deck[1].get(e.card)
        best = winners.get((e.deck, e.card))
        last: tuple[int, str] | None = None
        if best is not None:
            last = (best[1].stamp, best[0])
        elif have is not None and have[1] is not None and have[2] is not None:
            last = (have[1], have[2])
        if later((e.stamp, device), last):
            winners[(e.deck, e.card)] = (device, e)
    pending.keep(conn, waiting)
    updates: list[tuple[object, ...]] = []
    inserts: list[tuple[object, ...]] = []
    for (deck_key, card_key), (_, e) in winners.items():
        deck = known.deck(deck_key)
        assert deck is not None
        at = wall_ms(e.stamp)
        have = deck[1].get(card_key)
        if have is None:
            inserts.append(
                (
                    deck[0],
                    e.card,
                    e.note,
                    e.front,
                    e.back,
                    e.tags,
                    e.position,
                    SUSPENDED_NO if e.in_deck else SUSPENDED_LEFT_DECK,
                    int(e.in_deck),
                    at,
                    at,
                )
            )
        else:
            updates.append(
                (
                    e.note,
                    e.front,
                    e.back,
                    e.tags,
                    e.position,
                    int(e.in_deck),
                    int(e.in_deck),
                    at,
                    have[0],
                )
            )
    edited = _texts_before(conn, [int(str(u[-1])) for u in updates])
    # A change that changes nothing here (the same deck imported on both devices, a new
    # device's cards sent whole): only its record is kept, the card row is not written.
    updates = [u for u in updates if not _same(u, edited[int(str(u[-1]))])]
    card_rows.write_synced_content(conn, updates)
    _into_files(conn, edited)
    if inserts:
        card_rows.insert_synced(conn, inserts)
        for deck_key in {k for k, _ in winners}:
            known.forget(deck_key)
    rows: list[tuple[int, int, int, str]] = []
    for (deck_key, card_key), (device, e) in winners.items():
        deck = known.deck(deck_key)
        assert deck is not None
        rows.append((deck[1][card_key][0], _event_hash(e), e.stamp, device))
    _record_cards(conn, rows)


# A synced edit is written into the card's deck file when the file is this device's to write
# (a TOML file outside the profile: the learner's own deck, in git or a synced folder): else
# the file keeps the old text, and the next edit here is refused as "changed in the file
# since it was imported". Past this many cards of one file in one sync, the change is a new
# version of the file, which reaches the device through the file itself.
_FILE_EDITS = 50


# A card as `_texts_before` reads it: front, back, tags, deck id, then what else synced
# content writes (note key, position, in deck, suspended).
_Before = tuple[str, str, str, int, str, int, int, int]


def _texts_before(conn: sqlite3.Connection, card_ids: Sequence[int]) -> dict[int, _Before]:
    """Cards about to get synced content, as they are (`_Before`)."""
    found: dict[int, _Before] = {}
    for start in range(0, len(card_ids), 500):
        part = card_ids[start : start + 500]
        marks = ",".join("?" * len(part))
        for r in conn.execute(
            "SELECT id, front, back, tags, deck_id, note_key, position, in_deck, suspended "
            f"FROM card WHERE id IN ({marks})",
            part,
        ):
            found[int(r[0])] = (r[1], r[2], r[3], int(r[4]), r[5], r[6], r[7], r[8])
    return found


def _same(update: tuple[object, ...], card: _Before) -> bool:
    """Whether an update (`write_synced_content`'s row) would leave the card as it is: the
    same content, and a suspension that agrees with whether it is in its deck."""
    note, front, back, tags, position, in_deck = update[:6]
    suspended = card[7]
    kept = suspended != SUSPENDED_LEFT_DECK if in_deck else suspended != SUSPENDED_NO
    return kept and (front, back, tags, note, position, in_deck) == (
        card[0], card[1], card[2], card[4], card[5], card[6]
    )  # fmt: skip


def _into_files(conn: sqlite3.Connection, before: dict[int, _Before]) -> None:
    """Write synced edits of cards whose deck has a file of the learner's own into that file
    (one card's lines, as the card editor does). A file that cannot take it (changed since
    its import, a cloze note, unwritable, gone) is left alone: the profile has the edit."""
    from mastery.decks.edit import edit_card_text
    from mastery.errors import MasteryError
    from mastery.files import rewrite

    by_deck: dict[int, list[int]] = {}
    for card_id, (_, _, _, deck_id, *_) in before.items():
        by_deck.setdefault(deck_id, []).append(card_id)
    profile = _profile_folder(conn)
    for deck_id, ids in by_deck.items():
        deck = conn.execute("SELECT source, tags FROM deck WHERE id = ?", (deck_id,)).fetchone()
        if deck is None or len(ids) > _FILE_EDITS:
            continue
        source = str(deck["source"] or "")
        if not has_own_file(source, profile) or paths.is_bundled(Path(source)):
            continue
        if profile is not None and Path(source).resolve().is_relative_to(profile.resolve()):
            continue  # a team clone's: the team's repository carries its changes
        deck_tags = set(str(deck["tags"] or "").split())
        for card_id in ids:
            now = conn.execute(
                "SELECT key, front, back, tags FROM card WHERE id = ?", (card_id,)
            ).fetchone()
            front, back = before[card_id][:2]
            if now is None or (now["front"], now["back"]) == (front, back):
                continue
            own = tuple(
                t for t in now["tags"].split() if t not in deck_tags and not is_local_tag(t)
            )

            change = partial(
                edit_card_text,
                path=source,
                card_key=now["key"],
                front=now["front"],
                back=now["back"],
                own_tags=own,
                was=(front, back),
            )
            try:
                rewrite(source, change)
            except (MasteryError, OSError):
                continue


def _retry_pending(conn: sqlite3.Connection) -> None:
    """Changes kept for decks not here then: those whose deck is here now are applied."""
    kept = pending.take(conn, "content", ContentEvent, card_needed=False)
    if kept:
        _apply_cards(conn, kept)


class Contents:
    """Card content and decks without a file of their own (see the module docstring)."""

    kinds: tuple[type[BaseModel], ...] = (DeckEvent, ContentEvent)

    def outgoing(self, conn: sqlite3.Connection, device: str, clock: Clock, now_ms: int) -> Batch:
        # Every sync runs this step, so changes waiting for a deck imported since apply here,
        # before this device's own changes are looked for.
        _retry_pending(conn)
        fileless = _fileless(conn)
        events: list[BaseModel] = []
        decks: list[tuple[int, int, int, str]] = []
        for r in conn.execute(
            "SELECT d.id, d.key, d.name, d.description, d.tags, d.version, d.updated_at, "
            "s.hash AS synced, s.at FROM deck d LEFT JOIN syncdeck s ON s.deck_id = d.id "
            "ORDER BY d.id"
        ):
            if r["id"] not in fileless:
                continue
            digest = deck_hash(r["name"], r["description"], r["tags"], r["version"])
            if digest == r["synced"]:
                continue
            stamp = clock.tick(_changed_at(r["updated_at"], r["at"], now_ms))
            events.append(_deck_event(r, stamp))
            decks.append((r["id"], digest, stamp, device))
        cards: list[tuple[int, int, int, str]] = []
        baseline: list[tuple[int, int, int, str]] = []
        # Compared in SQL, so a sync with nothing changed reads no card into Python.
        conn.create_function("mastery_card_hash", 6, card_hash, deterministic=True)
        whole = ",".join(str(i) for i in sorted(fileless)) or "NULL"  # ids: ints, not text
        for r in conn.execute(
            f"SELECT * FROM (SELECT c.id, c.deck_id, d.key AS deck_key, c.key AS card_key, "
            "c.front, c.back, c.tags, c.note_key, c.position, c.in_deck, c.updated_at, "
            "s.hash AS synced, s.device, s.at, mastery_card_hash(c.front, c.back, c.tags, "
            "c.note_key, c.position, c.in_deck) AS digest FROM card c "
            "JOIN deck d ON d.id = c.deck_id LEFT JOIN synccontent s ON s.card_id = c.id "
            f"WHERE s.card_id IS NULL OR (s.device = '{BASELINE}' AND c.deck_id IN ({whole})) "
            "OR s.hash != "
            "mastery_card_hash(c.front, c.back, c.tags, c.note_key, c.position, c.in_deck)) "
            f"ORDER BY deck_id, position, id"
        ):
            digest = r["digest"]
            whole_deck = r["deck_id"] in fileless
            if r["synced"] is None:
                if not whole_deck and not _has_local_tag(r["tags"]):
                    baseline.append((r["id"], digest, 0, BASELINE))
                    continue
            elif digest == r["synced"] and not (r["device"] == BASELINE and whole_deck):
                continue
            stamp = clock.tick(_changed_at(r["updated_at"], r["at"], now_ms))
            events.append(_content(r, stamp))
            cards.append((r["id"], digest, stamp, device))
        # A baseline is no event: recorded now, whether or not a chunk is written.
        _record_cards(conn, baseline)

        def mark(c: sqlite3.Connection) -> None:
            _record_decks(c, decks)
            _record_cards(c, cards)

        return Batch(events, mark)

    def apply(self, conn: sqlite3.Connection, device: str, events: Sequence[BaseModel]) -> set[int]:
        _apply_decks(conn, device, (e for e in events if isinstance(e, DeckEvent)))
        _apply_cards(conn, [(device, e) for e in events if isinstance(e, ContentEvent)])
        # A device read before the one whose chunk brings the deck: its changes waited, and
        # apply now (else shown only from this device's next sync on).
        _retry_pending(conn)
        return set()

    def settle(self, conn: sqlite3.Connection) -> set[int]:
        _retry_pending(conn)
        return set()

    def resend(self, conn: sqlite3.Connection, device: str) -> list[BaseModel]:
        # What was sent and is still so; a card changed since goes as a new event anyway.
        events: list[BaseModel] = []
        for r in conn.execute(
            "SELECT d.key, d.name, d.description, d.tags, d.version, s.hash, s.at FROM syncdeck s "
            "JOIN deck d ON d.id = s.deck_id WHERE s.device = ? ORDER BY d.id",
            (device,),
        ):
            if deck_hash(r["name"], r["description"], r["tags"], r["version"]) == r["hash"]:
                events.append(_deck_event(r, r["at"]))
        for r in conn.execute(
            f"{_CARDS} WHERE s.device = ? ORDER BY c.deck_id, c.position, c.id", (device,)
        ):
            digest = card_hash(
                r["front"], r["back"], r["tags"], r["note_key"], r["position"], r["in_deck"]
            )
            if digest == r["synced"]:
                events.append(_content(r, r["at"]))
        return events

    def rename_device(self, conn: sqlite3.Connection, old: str, new: str) -> None:
        conn.execute("UPDATE synccontent SET device = ? WHERE device = ?", (new, old))
        conn.execute("UPDATE syncdeck SET device = ? WHERE device = ?", (new, old))

    def mark_resent(
        self, conn: sqlite3.Connection, device: str, events: Sequence[BaseModel]
    ) -> None:
        # Recorded as sent (a change made since is then a difference, sent as newer); what
        # this profile lacks (a backup older than the deck) is taken back from the target.
        known = _Known(conn)
        missing: list[BaseModel] = []
        decks: list[tuple[int, int, int, str]] = []
        cards: list[tuple[int, int, int, str]] = []
        for e in events:
            if isinstance(e, DeckEvent):
                row = conn.execute("SELECT id FROM deck WHERE key = ?", (e.deck,)).fetchone()
                if row is None:
                    missing.append(e)
                else:
                    digest = deck_hash(e.name, e.description, e.tags, e.version)
                    decks.append((int(row["id"]), digest, e.stamp, device))
            elif isinstance(e, ContentEvent):
                deck = known.deck(e.deck)
                have = deck[1].get(e.card) if deck is not None else None
                if have is None:
                    missing.append(e)
                else:
                    cards.append((have[0], _event_hash(e), e.stamp, device))
        _record_decks(conn, decks)
        _record_cards(conn, cards)
        if missing:
            self.apply(conn, device, missing)
