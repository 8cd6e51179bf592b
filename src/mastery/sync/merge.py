"""Answers and their undo out of and into the profile database, and each touched card
replayed (every other kind of event is a channel's: channels.py).

`outgoing` lists this device's scheduled answers not sent yet and the sent ones undone since.
A `Merge` adds other devices' answers and undos chunk by chunk (deduplicated by
event id; undone answers removed), then replays every touched card in time order from its first
change with its deck's scheduler, taking a received answer's shipped schedule where the
chains agree (docs/sync.md, "Joining a big profile"), and exports this device's answers with
the schedules the replay gave them. Existing log rows are rewritten in place (their ids
stay, so the `syncevent` map stays right). Fuzz is seeded from the deck and card keys, not
the local row id, so every device computes the same due dates from the same answers.
Callers own the transaction.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import struct
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from pydantic import BaseModel, TypeAdapter, ValidationError

from mastery.days import from_ms, to_ms
from mastery.errors import SyncError
from mastery.states import CardState, Rating, scheduled
from mastery.storage import cards as card_rows
from mastery.storage import counters
from mastery.storage import reviews as review_log
from mastery.storage.cards import Replayed
from mastery.sync.cardstate import card_of
from mastery.sync.events import (
    Answer,
    AnswerEvent,
    AnswerRow,
    AnswersEvent,
    ChunkEvent,
    LogEvent,
    UndoEvent,
    answer_of,
    expand,
    row_of,
    whole_schedules,
)

if TYPE_CHECKING:
    from mastery.scheduler import Scheduler

# A device with many unsent answers (a first sync of a big profile) writes chunks of this
# many events: a joining device opens and applies one at a time.
CHUNK_EVENTS = 50_000
_REVIEW, _AGAIN = int(CardState.REVIEW), int(Rating.AGAIN)
_HOUR_MS, _MATURE = counters.HOUR_MS, counters.MATURE_DAYS


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
    """What this device sends next, and the bookkeeping once it is written. Answers are
    listed by log id only: their events are built after the replay (`Merge.chunks`), with
    the schedules it gives them."""

    sent: list[tuple[str, int, int]]  # answers: (event id, log id, moment), oldest first
    undone: list[str]  # event ids
    cards: set[int]
    events: list[UndoEvent]

    @property
    def size(self) -> int:
        """Events to send in all (0: no chunk is written)."""
        return len(self.sent) + len(self.events)


def last_logged(conn: sqlite3.Connection) -> list[int] | None:
    """The review log's newest row as (id, moment), remembered at the end of a sync
    (`outgoing`'s `after`)."""
    row = conn.execute(
        "SELECT id, reviewed_at FROM reviewlog WHERE id = (SELECT max(id) FROM reviewlog)"
    ).fetchone()
    return [int(row[0]), int(row[1])] if row else None


def outgoing(conn: sqlite3.Connection, device: str, after: Sequence[int] | None = None) -> Outgoing:
    """This device's scheduled answers not sent yet and its sent answers undone since.

    `after` is the log's newest row when the last sync ended (`last_logged`): every answer
    up to it was sent or received then. While that row is still there, rows are only ever
    added after it (SQLite gives a new row the highest id + 1), so only those are read;
    otherwise (it was undone) the whole log is, a second for a million answers."""
    sent: list[tuple[str, int, int]] = []
    cards: set[int] = set()
    since = 0
    if after is not None and len(after) == 2:
        kept = conn.execute(
            "SELECT 1 FROM reviewlog WHERE id = ? AND reviewed_at = ?", (after[0], after[1])
        ).fetchone()
        since = int(after[0]) if kept else 0
    rows = conn.execute(
        f"SELECT r.id, r.card_id, r.reviewed_at FROM reviewlog r WHERE r.id > ? AND "
        f"{scheduled('r')} AND NOT EXISTS (SELECT 1 FROM syncevent s "
        "WHERE s.log_id = r.id AND s.at = r.reviewed_at) ORDER BY r.id",
        (since,),
    )
    for log_id, card, at in rows:
        sent.append((event_id(device, log_id, at), log_id, at))
        cards.add(card)
    undone = [
        r["event_id"]
        for r in conn.execute(
            "SELECT s.event_id FROM syncevent s WHERE s.device = ? AND s.undone = 0 "
            "AND s.log_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM reviewlog r "
            "WHERE r.id = s.log_id AND r.reviewed_at = s.at) ORDER BY s.at, s.event_id",
            (device,),
        )
    ]
    return Outgoing(sent, undone, cards, [UndoEvent(id=eid) for eid in undone])


def mark_sent(conn: sqlite3.Connection, device: str, out: Outgoing) -> None:
    """Record the answers and undos `out` sent (its chunks are written)."""
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
    event id). Answers go without their schedules: the receivers replay them."""
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
    conn: sqlite3.Connection, device: str, events: Iterable[ChunkEvent]
) -> tuple[dict[int, int], list[ChunkEvent]]:
    """Record the events of this device's own chunks found on the target but not in the
    profile: a sync killed after writing one, or a backup restored since. An answer still in
    the review log (same card, moment and rating) is marked sent; the others are returned, to
    be added back as received ones (the target says they happened). Returns (card id ->
    moment of its first answer marked sent: replayed from there, as it was before the chunk
    was written; events to add)."""
    cards: dict[int, int] = {}
    missing: list[ChunkEvent] = []
    for event in expand(events):
        if not isinstance(event, dict):  # an undo (or a kind the merge adds as it comes)
            missing.append(event)
            continue
        eid, at = event["id"], event["at"]
        row = conn.execute(
            "SELECT r.id, r.card_id FROM reviewlog r JOIN card c ON c.id = r.card_id "
            "JOIN deck d ON d.id = c.deck_id WHERE d.key = ? AND c.key = ? "
            f"AND r.reviewed_at = ? AND r.rating = ? AND {scheduled('r')} "
            "AND NOT EXISTS (SELECT 1 FROM syncevent s WHERE s.log_id = r.id "
            "AND s.event_id != ?)",
            (event["deck"], event["card"], at, event["rating"], eid),
        ).fetchone()
        if row is None:
            missing.append(event)
            continue
        conn.execute(
            "INSERT OR IGNORE INTO syncevent (event_id, log_id, device, at, undone) "
            "VALUES (?, ?, ?, ?, 0)",
            (eid, row["id"], device, at),
        )
        cards[row["card_id"]] = min(at, cards.get(row["card_id"], at))
    return cards, missing


def fingerprint(scheduler: Scheduler) -> bytes:
    """What a card's replay depends on besides its answers: the deck's scheduling options
    and the learner's day (time zone, rollover hour). The first link of every chain, so a
    device scheduling a deck otherwise never takes another's schedules for it."""
    text = repr((scheduler.config, scheduler.clock))
    return hashlib.blake2b(text.encode(), digest_size=8).digest()


# A card's chain: its deck's `fingerprint`, then for each answer in replay order
# blake2b-64(chain + moment (8 bytes, big-endian) + rating (1 byte)) -- a digest of exactly
# what a replay reads. Equal chains, equal schedules (`Merge._replay_card`).
_LINK_PACK = struct.Struct(">QB").pack


# Temp tables of one sync (this connection only, emptied at the end): the answers received
# (with their shipped schedule; they reach the review log once replayed, in card order), the
# cards touched, and this device's answers to send (with the chain the replay gives them).
_TEMP = (
    "CREATE TEMP TABLE IF NOT EXISTS syncincoming (id INTEGER PRIMARY KEY, "
    "event_id TEXT, device TEXT, card_id INTEGER, at INTEGER, rating INTEGER, "
    "duration_ms INTEGER, confidence INTEGER, state INTEGER, step INTEGER, stability REAL, "
    "difficulty REAL, due INTEGER, elapsed_days INTEGER, scheduled_days INTEGER, chain BLOB)",
    "CREATE TEMP TABLE IF NOT EXISTS synctouched (card_id INTEGER PRIMARY KEY)",
    "CREATE TEMP TABLE IF NOT EXISTS syncout (log_id INTEGER PRIMARY KEY, chain BLOB)",
    "CREATE TEMP TABLE IF NOT EXISTS synclink (event_id TEXT, log_id INTEGER, device TEXT, "
    "at INTEGER, chain BLOB, seq INTEGER)",
)
_TEMP_TABLES = ("syncincoming", "synctouched", "syncout", "synclink")
# Received answers past this many, and past half the log, are added with its indexes
# rebuilt afterwards (`reviews.rebuilt_after`).
_BULK = 50_000
_INCOMING = "INSERT INTO temp.syncincoming VALUES (" + ", ".join("?" * 16) + ")"
_SYNCLINK = "INSERT INTO temp.synclink (event_id, log_id, device, at) VALUES (?, ?, ?, ?)"
_LINK = (
    "INSERT OR REPLACE INTO syncevent (event_id, log_id, device, at, undone, pending) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_UNREPLAYED = (None,) * 8  # an answer from an older Mastery: no schedule, replayed here
_BATCH = 20_000  # rows written per executemany
_LOOKUP = 500  # event ids per `IN (...)` lookup
_LOOKUPS = 2_000  # cards looked up one by one before all are read
_PENDING: TypeAdapter[Answer] = TypeAdapter(Answer)


class _Known(NamedTuple):
    """What this device has of an event id: its log row (None: received earlier in this
    sync, or not taken), undone, kept pending (its card is not here)."""

    log_id: int | None
    undone: int
    pending: str | None


_UNDONE = _Known(None, 1, None)


class Merge:
    """One sync's merge, in the caller's transaction: other devices' events added chunk by
    chunk (`add`), so a joining device never holds more than one chunk of them, then every
    touched card replayed once (`replay`) and this device's answers exported with the
    schedules the replay gave them (`chunks`).

    No query per answer: cards are looked up in a dict, event ids in batches, received
    answers wait in a temp table and reach the review log with their final schedule, in
    card order, with `executemany`."""

    def __init__(self, conn: sqlite3.Connection, out: Outgoing, device: str = "") -> None:
        """`out` is what this device sends, read before anything received is added;
        `device` is this device's id (its answers in `out` are its own)."""
        self.conn = conn
        self.device = device
        self.touched: set[int] = set()
        self.added = 0
        # Per card, the earliest moment from which its stored rows may be stale (an answer
        # removed there); rows of new answers mark themselves.
        self._changed: dict[int, int] = {}
        self._cards: dict[tuple[str, str], int] | None = None
        self._lookups = 0
        self._had_events = conn.execute("SELECT 1 FROM syncevent LIMIT 1").fetchone() is not None
        # Events this sync wrote to `syncevent` (kept pending, undone): `_known` sees them
        # without a query. Received answers reach it only after the replay; one received
        # twice is dropped there as the same answer, one undone is left out (`_undone`).
        self._written: dict[str, _Known] = {}
        self._undone: set[str] = set()
        self._streaming = False  # `stream`
        self._runs: dict[int, list[Any]] = {}
        self._demoted: set[int] = set()
        self._later: dict[int, int] = {}
        self._late: list[str] = []
        self._stream_cards: dict[tuple[str, str], tuple[int, int]] | None = None
        for sql in _TEMP:
            conn.execute(sql)
        self.close()
        # This device's answers to send: their cards are replayed from them (their rows
        # hold this device's own schedules until then), and exported afterwards.
        conn.executemany(
            "INSERT OR IGNORE INTO temp.syncout (log_id) VALUES (?)",
            ((log_id,) for _, log_id, _ in out.sent),
        )
        self.touched |= out.cards
        self.retry_pending()

    def changed(self, cards: dict[int, int]) -> None:
        """Cards whose rows from a moment on must be replayed (card id -> moment)."""
        if self._streaming:
            # A streamed card has its rows in the log: it is replayed as any other. One
            # with no row yet waits: rows that come for it are streamed as they would be
            # replayed, and one that gets none is replayed (as a new card) at the end.
            for card_id, at in cards.items():
                if card_id in self._runs or card_id in self._demoted:
                    self._demote(card_id)
                else:
                    self._later[card_id] = min(at, self._later.get(card_id, at))
            return
        for card_id, at in cards.items():
            self.touched.add(card_id)
            self._changed[card_id] = min(at, self._changed.get(card_id, at))

    def close(self) -> None:
        """Empty the temp tables (they stay for this connection's next sync)."""
        for table in _TEMP_TABLES:
            self.conn.execute(f"DELETE FROM temp.{table}")
        self.conn.execute("DROP TABLE IF EXISTS temp.syncrows")
        self.conn.execute("DROP TABLE IF EXISTS temp.synctwice")
        self.conn.execute("DROP INDEX IF EXISTS temp.ix_synclink_log")

    # ------------------------------------------------------------------ add
    def _card(self, deck: str, card: str) -> int | None:
        """A card's id by its keys: looked up one by one for an everyday sync, all read
        into a dict at once past a few thousand (a device joining a big profile)."""
        if self._cards is None and self._lookups < _LOOKUPS:
            self._lookups += 1
            return card_of(self.conn, deck, card)
        if self._cards is None:
            self._cards = {
                (r[0], r[1]): r[2]
                for r in self.conn.execute(
                    "SELECT d.key, c.key, c.id FROM card c JOIN deck d ON d.id = c.deck_id"
                )
            }
        return self._cards.get((deck, card))

    def _known(self, ids: list[str]) -> dict[str, _Known]:
        """What this device has of these event ids. A device whose sync log was empty
        when this sync began (a new device joining) has nothing but what this sync wrote."""
        found: dict[str, _Known] = {}
        for i in range(0, len(ids) if self._had_events else 0, _LOOKUP):
            part = ids[i : i + _LOOKUP]
            for r in self.conn.execute(
                "SELECT event_id, log_id, undone, pending FROM syncevent "
                f"WHERE event_id IN ({', '.join('?' * len(part))})",
                part,
            ):
                found[r[0]] = _Known(r[1], r[2], r[3])
        if self._written:
            found.update((eid, self._written[eid]) for eid in ids if eid in self._written)
        return found

    def retry_pending(self) -> None:
        """Answers kept because their card was not here: added now if it is. Run when the
        merge starts, and again once every chunk is read: a card can come in a chunk read
        after the one with its answers (another device's content)."""
        rows = self.conn.execute(
            "SELECT s.device, s.pending FROM syncevent s WHERE s.pending IS NOT NULL AND "
            "EXISTS (SELECT 1 FROM card c JOIN deck d ON d.id = c.deck_id "
            "WHERE d.key = json_extract(s.pending, '$.deck') "
            "AND c.key = json_extract(s.pending, '$.card'))"
        ).fetchall()
        if rows:  # their cards came after the maps were read (a later chunk, `settle`)
            self._cards = self._stream_cards = None
        for device, pending in ((r[0], r[1]) for r in rows):
            self.add(device, [_PENDING.validate_json(pending)])

    def add(self, device: str, events: Sequence[ChunkEvent]) -> None:
        """Another device's events, in chunk order. An answer is new unless its event id is
        known (sent or received before, or undone); an undo removes its answer, or keeps the
        answer from ever being taken when it comes first. The loop over answers is the hot
        path of a join (a million of them): plain dicts, local names, one tuple each."""
        conn = self.conn
        if self._streaming:
            self._stream_add(device, events)
            return
        if any(isinstance(e, AnswersEvent) for e in events):
            events = expand(events)  # as dicts for the path below
        if self._had_events or self._written:
            known = self._known(
                [e["id"] if type(e) is dict else getattr(e, "id", "") for e in events]
            )
        else:
            known = {}  # a new device: nothing known but what this chunk says
        rows: list[tuple[object, ...]] = []
        links: list[tuple[object, ...]] = []
        append, touch, was_known = rows.append, self.touched.add, known.get

        def flush() -> None:
            self.added += len(rows)
            conn.executemany(_INCOMING, rows)
            conn.executemany(_LINK, links)
            rows.clear()
            links.clear()

        for item in events:
            if type(item) is dict:
                event = item
            elif isinstance(item, AnswerEvent):  # a model (built here, not read): as a dict
                event = cast(Answer, item.model_dump(mode="json", exclude_none=True))
            else:
                flush()
                if isinstance(item, UndoEvent):
                    self._undo(device, item.id, was_known(item.id))
                    known[item.id] = _UNDONE
                continue
            eid = event["id"]
            was = was_known(eid)
            if was is not None and was.pending is None:
                continue  # had already (sent or received), or undone
            cards = self._cards
            card_id = (
                cards.get((event["deck"], event["card"]))
                if cards is not None
                else self._card(event["deck"], event["card"])
            )
            if card_id is None:
                if was is None:  # kept until the deck is imported here
                    links.append((eid, None, device, event["at"], 0, json.dumps(event)))
                    known[eid] = self._written[eid] = _Known(None, 0, "pending")
                continue
            r = event.get("replayed")
            if r is None:
                append(
                    (None, eid, device, card_id, event["at"], event["rating"],
                     event.get("duration_ms", 0), event.get("confidence"), *_UNREPLAYED)
                )  # fmt: skip
            else:
                append(
                    (None, eid, device, card_id, event["at"], event["rating"],
                     event.get("duration_ms", 0), event.get("confidence"), r["state"],
                     r.get("step"), r["stability"], r["difficulty"], r["due"],
                     r["elapsed_days"], r["scheduled_days"], bytes.fromhex(r["chain"]))
                )  # fmt: skip
            # A second row of this id in the sync is added too: `_check_ids` judges it.
            touch(card_id)
            if len(rows) >= _BATCH:
                flush()
        flush()

    def _undo(self, device: str, event_id: str, known: _Known | None) -> None:
        """Take an answer back. One received earlier in this sync is left out of the replay
        (`_undone`); one in the log is removed and its card replayed from there; one not
        here yet is never taken (its event is marked undone first)."""
        conn = self.conn
        self._undone.add(event_id)
        if self._streaming and (known is None or known.log_id is None):
            self._late.append(event_id)  # streamed earlier in this sync: `_finish_stream`
        at = 0
        if known is not None and known.log_id is not None:
            row = conn.execute(
                "SELECT card_id, reviewed_at FROM reviewlog WHERE id = ?", (known.log_id,)
            ).fetchone()
            if row:
                card_id, at = row[0], row[1]
                self.touched.add(card_id)
                self._changed[card_id] = min(at, self._changed.get(card_id, at))
                review_log.delete(conn, known.log_id)
        conn.execute(
            "INSERT INTO syncevent (event_id, log_id, device, at, undone) "
            "VALUES (?, NULL, ?, ?, 1) ON CONFLICT (event_id) DO UPDATE SET undone = 1, "
            "log_id = NULL, pending = NULL",
            (event_id, device, at),
        )
        self._written[event_id] = _UNDONE

    # ------------------------------------------------------------------ stream
    def stream(self, scheduler_for: Callable[[int], Scheduler]) -> bool:
        """Stream the answers of this sync into the log as they are read (True), instead of
        keeping them aside for `replay`: a device joining with an empty log. Each card's
        answers come in its replay order as a rule (every device writes its answers oldest
        first), so each is taken with its shipped schedule (or replayed) the moment it is
        read, with the card's running state kept in a dict: the million answers of a big
        join go from chunk to log once, not through a temp table, a sort and back (a fifth
        of a join). A card for which that is not so (an answer older than its last one,
        one taken back, a change of its deck's scheduling options in a later chunk) is
        demoted: its streamed rows go back among the received answers (`_move_demoted`)
        and `replay` replays it as it replays any card, so the result is the same either
        way. `scheduler_for` gives the scheduler of a deck as the settings stand; call
        `reschedule` after a chunk's channel events."""
        conn = self.conn
        if (
            self._streaming
            or self.touched
            or self._had_events
            or self._written
            or conn.execute("SELECT 1 FROM reviewlog LIMIT 1").fetchone() is not None
        ):
            return False
        self._streaming = True
        self._scheduler_for = scheduler_for
        # deck id -> (its scheduler's `answer`, its fingerprint, its key), as read
        self._decks: dict[int, tuple[Callable[..., Any], bytes, str]] = {}
        self._dups: dict[int, list[tuple[object, ...]]] = {}  # log id -> answers linked to it
        self._stack = ExitStack()
        tally = self._stack.enter_context(review_log.rebuilt_after(conn, when=True))
        assert tally is not None
        self._tally = tally
        self._stream_next = 1  # the log is empty: its ids are 1, 2, ...
        self._read = 0  # answers read for cards here (`syncincoming` is empty)
        self._stream_rows: list[tuple[object, ...]] = []
        self._stream_links: list[tuple[object, ...]] = []
        return True

    def reschedule(self) -> None:
        """Settings (and cards) may have changed with a chunk's channel events (the caller
        reloaded them): a deck whose scheduling changed has its streamed cards demoted
        (replayed from their first answer at the end), and the maps are read again."""
        if not self._streaming:
            return
        self._cards = self._stream_cards = None
        for deck_id, (_, old, key) in list(self._decks.items()):
            scheduler = self._scheduler_for(deck_id)
            now = fingerprint(scheduler)
            if now != old:
                self._demote_deck(deck_id)
                del self._decks[deck_id]
            else:
                self._decks[deck_id] = (scheduler.answer, now, key)

    def _deck(self, deck_id: int, key: str) -> tuple[Callable[..., Any], bytes, str]:
        scheduler = self._scheduler_for(deck_id)
        self._decks[deck_id] = found = (scheduler.answer, fingerprint(scheduler), key)
        return found

    def _demote(self, card_id: int) -> None:
        """Replay this card at the end as `replay` replays any, from its first answer: its
        rows streamed so far go back to the received answers (`_finish_stream`), with the
        chains they were taken with, so the replay takes them again where they agree."""
        self._runs.pop(card_id, None)
        self._demoted.add(card_id)
        self.touched.add(card_id)

    def _demote_deck(self, deck_id: int) -> None:
        for card_id in [c for c, run in self._runs.items() if run[0] == deck_id]:
            self._demote(card_id)

    def _stream_flush(self) -> None:
        """The rows read since the last flush into the log (counted by the stream itself:
        `HourTally.cells`), their links aside (`replay` writes them in event-id order)."""
        review_log.log_synced(self.conn, self._stream_rows)
        self.conn.executemany(
            "INSERT INTO temp.synclink VALUES (?, ?, ?, ?, ?, ?)", self._stream_links
        )
        self._stream_rows.clear()
        self._stream_links.clear()

    def _stream_add(self, device: str, events: Sequence[ChunkEvent]) -> None:
        """`add` while streaming: answers in order, as rows (`_stream_rows`), undos between
        them where they come."""
        rows: list[AnswerRow] = []
        for item in events:
            if isinstance(item, AnswersEvent):
                self._stream_rows_of(device, rows)
                rows = []
                self._stream_rows_of(device, item.rows)
            elif type(item) is dict:
                rows.append(row_of(item))
            elif isinstance(item, AnswerEvent):  # a model (built here, not read)
                rows.append(row_of(cast(Answer, item.model_dump(mode="json"))))
            elif isinstance(item, UndoEvent):
                self._stream_rows_of(device, rows)
                rows = []
                self._stream_flush()
                self._undo(device, item.id, self._written.get(item.id))
        self._stream_rows_of(device, rows)

    def _stream_rows_of(self, device: str, rows: Sequence[AnswerRow]) -> None:
        """The stream's hot loop (a million answers): each answer to the log at once with
        its card's running state (`stream`). An answer this sync already took back or kept
        waiting for its card is known by `_written`; answers of a demoted card wait in the
        temp table, as every answer does otherwise."""
        if not rows:
            return
        conn = self.conn
        if self._stream_cards is None:
            self._stream_cards = {
                (r[0], r[1]): (r[2], r[3])
                for r in conn.execute(
                    "SELECT d.key, c.key, c.id, c.deck_id FROM card c "
                    "JOIN deck d ON d.id = c.deck_id"
                )
            }
        cards, runs, demoted, decks = self._stream_cards, self._runs, self._demoted, self._decks
        inserts, links, written = self._stream_rows, self._stream_links, self._written
        # The counters' cells, filled here: a million rows counted in the loop that reads
        # them, not in a second pass over them.
        answered, durations = self._tally.cells()
        count, spent = answered.get, durations.get
        waiting: list[tuple[object, ...]] = []  # answers of demoted cards (the temp table)
        pending: list[tuple[object, ...]] = []
        blake2b, pack, fromhex = hashlib.blake2b, _LINK_PACK, bytes.fromhex
        seq = self._read

        def flush() -> None:
            self.added += len(waiting)
            conn.executemany(_INCOMING, waiting)
            conn.executemany(_LINK, pending)
            waiting.clear()
            pending.clear()
            self._stream_flush()

        for row in rows:
            (eid, deck_key, card_key, at, rating, duration, confidence, r_state, r_step,
             r_stability, r_difficulty, r_due, r_elapsed, r_scheduled, r_chain) = row  # fmt: skip
            was = written.get(eid) if written else None
            if was is not None and was.pending is None:
                continue  # taken back earlier in this sync
            found = cards.get((deck_key, card_key))
            if found is None:
                if was is None:  # kept until the deck is imported here
                    pending.append((eid, None, device, at, 0, json.dumps(answer_of(row))))
                    written[eid] = _Known(None, 0, "pending")
                continue
            card_id, deck_id = found
            # Its place among the received answers, as a join without the stream gives it
            # (`syncincoming`'s ids): a demoted card's rows go back there in read order.
            seq += 1
            run = runs.get(card_id)
            if run is None and card_id not in demoted:
                deck = decks.get(deck_id) or self._deck(deck_id, deck_key)
                seed = card_seed(deck_key, card_key)
                run = [deck_id, seed, deck[1], -1, -1, -1, 0, None, None, 0, None, None, None,
                       None, None, 0, 0]  # fmt: skip
            elif run is not None and (
                at < run[3]
                or (at == run[3] and (rating < run[4] or (rating == run[4] and duration < run[5])))
            ):
                self._demote(card_id)  # older than its last one: replayed at the end
                run = None
            if run is None:
                waiting.append(
                    (seq, eid, device, card_id, at, rating, duration, confidence, r_state,
                     r_step, r_stability, r_difficulty, r_due, r_elapsed, r_scheduled,
                     None if r_chain is None else fromhex(r_chain))
                )  # fmt: skip
                if len(waiting) >= _BATCH:
                    flush()
                continue
            (_, seed, link, p_at, p_rating, _, p_id, p_device, p_eid, state, step, stability,
             difficulty, due, last, reps, lapses) = run  # fmt: skip
            if at == p_at and rating == p_rating and eid == p_eid:
                continue  # the row before read again (a chunk written again): one event
            if at == p_at and rating == p_rating and device != p_device:
                # The same answer again (see `_replay_card`): linked to the row before.
                links.append((eid, p_id, device, at, None, seq))
                self._dups.setdefault(p_id, []).append(
                    (seq, eid, device, card_id, at, rating, duration, confidence, *_UNREPLAYED)
                )
                continue
            if r_chain is not None and fromhex(r_chain) == link:
                after_state, after_step, after_stability, after_difficulty, after_due = (
                    r_state, r_step, r_stability, r_difficulty, r_due
                )  # fmt: skip
                elapsed, scheduled_days = r_elapsed, r_scheduled
            else:
                (after_state, after_step, after_stability, after_difficulty, after_due, elapsed,
                 scheduled_days) = _replayed(
                    decks[deck_id][0], (state, step, stability, difficulty, due, last, reps,
                    lapses), rating, at, seed,
                )  # fmt: skip
            log_id = self._stream_next
            self._stream_next += 1
            inserts.append(
                (log_id, card_id, rating, at, duration, confidence, state, after_state,
                 step, after_step, due, after_due, stability, after_stability, difficulty,
                 after_difficulty, last, elapsed, scheduled_days, deck_id)
            )  # fmt: skip
            links.append((eid, log_id, device, at, link, seq))
            hour = at // _HOUR_MS
            key = (hour, deck_id, state, stability is not None and stability >= _MATURE, rating)
            answered[key] = count(key, 0) + 1
            cell = (hour, deck_id)
            durations[cell] = spent(cell, 0) + duration
            self.added += 1
            if rating == _AGAIN and state == _REVIEW:
                lapses += 1
            runs[card_id] = [
                deck_id, seed, blake2b(link + pack(at, rating), digest_size=8).digest(), at,
                rating, duration, log_id, device, eid, after_state, after_step,
                after_stability, after_difficulty, after_due, at, reps + 1, lapses,
            ]  # fmt: skip
            if len(inserts) >= _BATCH:
                flush()
        self._read = seq
        flush()

    def _finish_stream(
        self, scheduler_for: Callable[[int], Scheduler], old: dict[str, str], now_ms: int
    ) -> dict[str, str]:
        """The end of `stream`: answers taken back after they were streamed removed (their
        cards demoted), cards of a deck scheduled otherwise now demoted, and every other
        streamed card's schedule written. Returns the fingerprints used, as `replay`."""
        conn = self.conn
        self._stream_flush()
        self._streaming = False
        twice = self._check_ids(streamed=True)
        for i in range(0, len(self._late), _LOOKUP):
            part = self._late[i : i + _LOOKUP]
            marks = ", ".join("?" * len(part))
            # A link without a chain is one to the row of the same answer read before.
            found = conn.execute(
                "SELECT log_id FROM temp.synclink WHERE chain IS NOT NULL "
                f"AND event_id IN ({marks})",
                part,
            ).fetchall()
            conn.execute(f"DELETE FROM temp.synclink WHERE event_id IN ({marks})", part)
            for (log_id,) in found:
                row = conn.execute(
                    "SELECT card_id, reviewed_at FROM reviewlog WHERE id = ?", (log_id,)
                ).fetchone()
                if row is None:
                    continue
                self._demote(row[0])
                review_log.delete(conn, log_id)
                self.added -= 1
                for eid in self._unlink_same(log_id):
                    conn.execute("DELETE FROM temp.synclink WHERE event_id = ?", (eid,))
        used: dict[str, str] = {}
        for deck_id, (_, streamed, key) in list(self._decks.items()):
            now = fingerprint(scheduler_for(deck_id))
            if now != streamed or old.get(key, now.hex()) != now.hex():
                self._demote_deck(deck_id)
            used[key] = now.hex()
        # A card changed before any answer of it came, and none came: as `replay` leaves it.
        for card_id, at in self._later.items():
            if card_id not in self._runs:
                self.touched.add(card_id)
                self._changed[card_id] = min(at, self._changed.get(card_id, at))
        cards = [
            Replayed(run[9], run[10], run[11], run[12], run[13], run[14], run[15], run[16],
                     now_ms, card_id)
            for card_id, run in self._runs.items()
        ]  # fmt: skip
        for i in range(0, len(cards), _BATCH):
            card_rows.write_replayed(conn, cards[i : i + _BATCH])
        self._runs.clear()
        if self._demoted:
            self._move_demoted()
        if twice:
            self._one_of_each()
        return used

    def _move_demoted(self) -> None:
        """The demoted cards' streamed rows back among the received answers, each with the
        chain it was taken with (answers linked to one as the same answer too, to be
        judged again), and out of the log: `replay` replays these cards from nothing, as it
        would have without the stream."""
        conn = self.conn
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS syncdemoted (card_id INTEGER PRIMARY KEY)")
        conn.execute("DELETE FROM temp.syncdemoted")
        conn.executemany("INSERT INTO temp.syncdemoted VALUES (?)", ((c,) for c in self._demoted))
        conn.execute("CREATE INDEX IF NOT EXISTS temp.ix_synclink_log ON synclink (log_id)")
        # The log has no index on cards while streaming: read once, cards looked up.
        rows = "FROM reviewlog r CROSS JOIN temp.syncdemoted d ON d.card_id = r.card_id"
        moved = {r[0] for r in conn.execute(f"SELECT r.id {rows}")}
        conn.execute(
            "INSERT INTO temp.syncincoming (id, event_id, device, card_id, at, rating, "
            "duration_ms, confidence, state, step, stability, difficulty, due, elapsed_days, "
            "scheduled_days, chain) SELECT l.seq, l.event_id, l.device, r.card_id, r.reviewed_at, "
            "r.rating, r.duration_ms, r.confidence, r.state_after, r.step_after, "
            "r.stability_after, r.difficulty_after, r.due_after, r.elapsed_days, "
            f"r.scheduled_days, l.chain {rows} JOIN temp.synclink l ON l.log_id = r.id "
            "AND l.chain IS NOT NULL ORDER BY r.id"
        )
        for log_id in moved & self._dups.keys():
            self._unlink_same(log_id)
        conn.execute(f"DELETE FROM temp.synclink WHERE log_id IN (SELECT r.id {rows})")
        review_log.delete_streamed(conn)

    def _unlink_same(self, log_id: int) -> list[str]:
        """The answers linked to streamed row `log_id` as the same answer, back among the
        received answers (its row left the log, or goes back there too): the replay judges
        them again, and counts them again if they are answers of their own. Returns their
        event ids."""
        again = [w for w in self._dups.pop(log_id, []) if w[1] not in self._undone]
        self.conn.executemany(_INCOMING, again)
        self.added += len(again)
        return [str(w[1]) for w in again]

    def _check_ids(self, *, streamed: bool) -> bool:
        """An event id names one answer. The same id twice in one sync (an honest device's
        chunk written again, `resend`) is one answer if both say the same card, moment and
        rating; saying two answers, it is a broken or forged chunk, refused whole: taking
        either would make this device differ from one that read the other first (and the
        one left unlinked be sent on as this device's own). One sort of the sync's event
        ids (0.6 s for a million), the answers compared only for ids that come twice.
        Whether any did: they wait in `temp.synctwice`, and `_one_of_each` keeps the first
        read of each (a streamed join demotes their cards first)."""
        conn = self.conn
        ids = "SELECT event_id FROM temp.syncincoming"
        answers = "SELECT event_id, card_id, at, rating FROM temp.syncincoming"
        if streamed:  # the streamed rows are in the log, their ids in `synclink`
            ids += " UNION ALL SELECT event_id FROM temp.synclink"
            answers += (
                " UNION ALL SELECT l.event_id, r.card_id, r.reviewed_at, r.rating "
                "FROM temp.synclink l JOIN reviewlog r ON r.id = l.log_id"
            )
        conn.execute("DROP TABLE IF EXISTS temp.synctwice")
        conn.execute(
            "CREATE TEMP TABLE synctwice AS SELECT event_id FROM "
            f"({ids}) GROUP BY event_id HAVING count(*) > 1"
        )
        if conn.execute("SELECT 1 FROM temp.synctwice LIMIT 1").fetchone() is None:
            conn.execute("DROP TABLE temp.synctwice")
            return False  # the rule: the answers below are not read at all
        bad = conn.execute(
            f"SELECT event_id FROM ({answers}) WHERE event_id IN temp.synctwice "
            "GROUP BY event_id HAVING count(DISTINCT card_id) > 1 OR count(DISTINCT at) > 1 "
            "OR count(DISTINCT rating) > 1 ORDER BY event_id LIMIT 1"
        ).fetchone()
        if bad is not None:
            raise SyncError(
                f"answer event {bad[0]} came twice as two different answers (a broken or "
                "forged chunk); nothing was applied"
            )
        if streamed:  # their cards replayed, every copy among the received answers
            for (card_id,) in conn.execute(
                "SELECT DISTINCT r.card_id FROM temp.synclink l JOIN reviewlog r "
                "ON r.id = l.log_id WHERE l.event_id IN temp.synctwice"
            ).fetchall():
                self._demote(card_id)
        return True

    def _one_of_each(self) -> None:
        """The first read of each answer that came twice (`_check_ids`), the copies dropped:
        the replay links a copy to its first only when nothing sorts between them."""
        self.added -= self.conn.execute(
            "DELETE FROM temp.syncincoming WHERE event_id IN temp.synctwice AND id NOT IN "
            "(SELECT min(id) FROM temp.syncincoming WHERE event_id IN temp.synctwice "
            "GROUP BY event_id)"
        ).rowcount
        self.conn.execute("DROP TABLE temp.synctwice")

    # ------------------------------------------------------------------ replay
    def replay(
        self,
        scheduler_for: Callable[[int], Scheduler],
        now_ms: int,
        *,
        replayed_with: dict[str, str] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> dict[str, str]:
        """Bring every touched card's review-log rows and schedule up to date, in replay
        order (moment, rating, then duration and id):

        - rows before the first change (a new answer, sent or received, or one removed) keep
          the schedule they have: every sync leaves them replayed;
        - from there, an answer received with a schedule whose chain equals this device's
          chain at that point is taken as it is (the sender replayed the same answers);
        - any other row is replayed with the scheduler from the row before it, fuzz seeded
          from the deck and card keys.

        A received answer with the same moment and rating as one before it is the same answer
        (one Anki history imported on two devices): linked to it, not added. A deck whose
        scheduling options changed since its cards were last replayed here
        (`replayed_with`: deck key -> fingerprint) has its touched cards replayed from their
        first answer. Returns the fingerprints used, to remember for the next sync."""
        from mastery.scheduler import Memory

        conn = self.conn
        old = replayed_with or {}
        streamed = self._streaming
        if not streamed and self._check_ids(streamed=False):
            self._one_of_each()
        used: dict[str, str] = self._finish_stream(scheduler_for, old, now_ms) if streamed else {}
        conn.executemany(
            "INSERT OR IGNORE INTO temp.synctouched VALUES (?)", ((c,) for c in self.touched)
        )
        info = {
            r[0]: (r[1], r[2], r[3])
            for r in conn.execute(
                "SELECT c.id, c.deck_id, c.key, d.key FROM temp.synctouched t "
                "JOIN card c ON c.id = t.card_id JOIN deck d ON d.id = c.deck_id"
            )
        }
        prints: dict[int, bytes] = {}
        answers: dict[int, Callable[..., Any]] = {}
        for deck_id in {v[0] for v in info.values()}:
            scheduler = scheduler_for(deck_id)
            prints[deck_id] = fingerprint(scheduler)
            answers[deck_id] = scheduler.answer
        for deck_id, _card_key, deck_key in info.values():
            used[deck_key] = prints[deck_id].hex()
        stale = {key for key, fp in used.items() if old.get(key, fp) != fp}

        row = conn.execute("SELECT max(id) FROM reviewlog").fetchone()
        self._next_id = int(row[0] or 0) + 1
        self._inserts: list[tuple[object, ...]] = []
        self._updates: list[review_log.ReplayedLog] = []
        self._chains: list[tuple[bytes, int]] = []
        self._links: list[tuple[object, ...]] = []
        cards: list[Replayed] = []

        def flush() -> None:
            review_log.log_synced(conn, self._inserts, tally)
            review_log.rewrite_schedules(conn, self._updates)
            conn.executemany("UPDATE temp.syncout SET chain = ? WHERE log_id = ?", self._chains)
            conn.executemany(_SYNCLINK, self._links)
            card_rows.write_replayed(conn, cards)
            for batch in (self._inserts, self._updates, self._chains, self._links, cards):
                batch.clear()

        total = len(info)
        incoming = conn.execute("SELECT count(*) FROM temp.syncincoming").fetchone()[0]
        bulk = (
            incoming > _BULK
            and incoming > conn.execute("SELECT count(*) FROM reviewlog").fetchone()[0] // 2
        )
        # The touched cards' rows in the log, copied aside first (while the log has its
        # indexes): the loop below writes to the log, which a live cursor must not read.
        # Received rows are read from where they wait; neither table is written meanwhile.
        conn.execute("DROP TABLE IF EXISTS temp.syncrows")
        # After a stream no touched card has a row in the log (`_move_demoted`), which
        # has no index on cards then: nothing is read.
        conn.execute(
            "CREATE TEMP TABLE syncrows AS SELECT r.card_id, r.id, r.reviewed_at, "
            "r.rating, r.duration_ms, r.confidence, r.state_after, r.step_after, "
            "r.stability_after, r.difficulty_after, r.due_after, r.elapsed_days, "
            "r.scheduled_days, o.log_id IS NOT NULL AS sent, CASE WHEN o.log_id IS NOT NULL "
            "THEN ? ELSE (SELECT s.device FROM syncevent s WHERE s.log_id = r.id LIMIT 1) "
            "END AS device "
            "FROM temp.synctouched t CROSS JOIN reviewlog r ON r.card_id = t.card_id "
            f"LEFT JOIN temp.syncout o ON o.log_id = r.id WHERE {scheduled('r')} AND ?",
            (self.device, not streamed),
        )
        stack = self._stack if streamed else ExitStack()
        with stack:
            tally = (
                self._tally
                if streamed
                else stack.enter_context(review_log.rebuilt_after(conn, when=bulk))
            )
            rows = conn.execute(
                "SELECT card_id, id, reviewed_at, rating, duration_ms, confidence, state_after, "
                "step_after, stability_after, difficulty_after, due_after, elapsed_days, "
                "scheduled_days, NULL, 0, sent, NULL, device FROM temp.syncrows UNION ALL "
                "SELECT card_id, id, at, rating, duration_ms, confidence, state, step, "
                "stability, difficulty, due, elapsed_days, scheduled_days, chain, 1, 0, "
                "event_id, device FROM temp.syncincoming ORDER BY 1, 3, 4, 15, 5, 2"
            )
            seen: set[int] = set()
            for done, (card_id, group) in enumerate(groupby(rows, key=itemgetter(0)), 1):
                seen.add(card_id)
                deck_id, card_key, deck_key = info[card_id]
                cards.append(
                    self._replay_card(
                        card_id,
                        deck_id,
                        group,
                        answers[deck_id],
                        card_seed(deck_key, card_key),
                        prints[deck_id],
                        -1 if deck_key in stale else self._changed.get(card_id, 2**63),
                        now_ms,
                    )
                )
                if len(self._inserts) + len(self._updates) >= _BATCH or len(cards) >= _BATCH:
                    flush()
                    if progress:
                        progress(done, total)
            for card_id in set(info) - seen:  # every answer undone: a new card again
                cards.append(Replayed.of(card_id, Memory(state=0), None, None, now_ms))
            flush()
        # Each received answer's event, linked to its log row: inserted in event-id order,
        # so the table's key index is written in order rather than at random; at a join,
        # its log-id index is made again afterwards (one sort, not a million random inserts).
        index = (
            conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'ix_syncevent_log'"
            ).fetchone()
            if bulk or streamed
            else None
        )
        if index is not None:
            conn.execute("DROP INDEX ix_syncevent_log")
        conn.execute(
            "INSERT OR REPLACE INTO syncevent (event_id, log_id, device, at, undone, pending) "
            "SELECT event_id, log_id, device, at, 0, NULL FROM temp.synclink ORDER BY event_id"
        )
        if index is not None:
            conn.execute(index[0])
        if progress:
            progress(total, total)
        return used

    def _replay_card(
        self,
        card_id: int,
        deck_id: int,
        rows: Iterable[tuple[Any, ...]],
        answer: Callable[..., Any],
        seed: int,
        link: bytes,
        from_moment: int,
        now_ms: int,
    ) -> Replayed:
        """One card's rows in replay order (see `replay`); returns its schedule."""
        inserts, updates, chains, links = self._inserts, self._updates, self._chains, self._links
        undone, blake2b, pack = self._undone, hashlib.blake2b, _LINK_PACK
        dirty = False
        # The card after the row before (a new card before the first).
        state, step, stability, difficulty, due, last = 0, None, None, None, None, None
        reps = lapses = 0
        prev_at = prev_rating = prev_id = -1
        prev_device: str | None = None
        prev_eid: str | None = None
        for (
            _,
            log_id,
            at,
            rating,
            duration,
            confidence,
            s_state,
            s_step,
            s_stability,
            s_difficulty,
            s_due,
            s_elapsed,
            s_scheduled,
            s_chain,
            new,
            out,
            eid,
            device,
        ) in rows:
            if new:
                if eid in undone:
                    self.added -= 1  # taken back later in the chunks of this sync
                    continue
                # The same answer again (one Anki history imported on two devices), unless
                # the row before is this device's own: one device sends one event per
                # answer, so that is its second answer of the same moment (and an undo of
                # one must not take both).
                if (
                    at == prev_at
                    and rating == prev_rating
                    and (device != prev_device or eid == prev_eid)
                ):
                    links.append((eid, prev_id, device, at))
                    self.added -= 1
                    continue
                dirty = True
            elif out or at >= from_moment:
                dirty = True
            if not dirty or (new and s_chain == link):
                after_state, after_step, after_stability, after_difficulty, after_due = (
                    s_state,
                    s_step,
                    s_stability,
                    s_difficulty,
                    s_due,
                )
                elapsed, scheduled_days = s_elapsed, s_scheduled
            else:
                (after_state, after_step, after_stability, after_difficulty, after_due, elapsed,
                 scheduled_days) = _replayed(
                    answer, (state, step, stability, difficulty, due, last, reps, lapses),
                    rating, at, seed,
                )  # fmt: skip
            if new:
                # Log ids in replay order: the rows are appended to the log, not scattered.
                log_id = self._next_id
                self._next_id += 1
                inserts.append(
                    (log_id, card_id, rating, at, duration, confidence, state, after_state,
                     step, after_step, due, after_due, stability, after_stability, difficulty,
                     after_difficulty, last, elapsed, scheduled_days, deck_id)
                )  # fmt: skip
                links.append((eid, log_id, device, at))
            elif dirty:
                updates.append(
                    review_log.ReplayedLog(
                        state, after_state, step, after_step, due, after_due, stability,
                        after_stability, difficulty, after_difficulty, last, elapsed,
                        scheduled_days, log_id,
                    )
                )  # fmt: skip
            if out:
                chains.append((link, log_id))
            if rating == _AGAIN and state == _REVIEW:
                lapses += 1
            reps += 1
            state, step, stability, difficulty, due = (
                after_state,
                after_step,
                after_stability,
                after_difficulty,
                after_due,
            )
            last = at
            link = blake2b(link + pack(at, rating), digest_size=8).digest()
            prev_at, prev_rating, prev_id = at, rating, log_id
            prev_device, prev_eid = device, eid
        return Replayed(
            state, step, stability, difficulty, due, last, reps, lapses, now_ms, card_id
        )

    # ------------------------------------------------------------------ export
    def chunks(
        self,
        device: str,
        out: Outgoing,
        first: Sequence[BaseModel] = (),
        size: int | None = None,
    ) -> Iterator[list[dict[str, object]]]:
        """This device's events as chunks of at most `size` events (a device with a million
        unsent answers writes twenty chunks, not one that every joining device must hold at
        once): `first`, the channels' events (a receiver applies a chunk's channel events
        before its answers, and the content that creates a card must not come in a chunk
        after its answers), then the answers of `out` card by card, each card's in replay
        order (a joining device streams them into its log as they come, `stream`, and its
        inserts then look their cards up in order), each with the schedule the replay gave
        it and the chain before it, as rows (`AnswersEvent`), then its undos."""
        size = size or CHUNK_EVENTS
        batch: list[dict[str, object]] = []
        for item in dumps(first):
            batch.append(item)
            if len(batch) >= size:
                yield batch
                batch = []
        rows = self.conn.execute(
            "SELECT r.id, r.reviewed_at, r.rating, r.duration_ms, r.confidence, d.key, c.key, "
            "r.state_after, r.step_after, r.stability_after, r.difficulty_after, r.due_after, "
            "r.elapsed_days, r.scheduled_days, o.chain FROM temp.syncout o "
            # The answers to send first (a few hundred), sorted after: by the log's card
            # index, SQLite would walk every row of the log.
            "CROSS JOIN reviewlog r ON r.id = o.log_id JOIN card c ON c.id = r.card_id "
            "JOIN deck d ON d.id = c.deck_id "
            "ORDER BY r.card_id, r.reviewed_at, r.rating, r.duration_ms, o.log_id"
        )
        answers: list[tuple[Any, ...]] = []

        def block() -> dict[str, object]:
            return {"kind": "answers", "rows": _checked_rows(answers)}

        for r in rows:
            answers.append(
                (event_id(device, r[0], r[1]), r[5], r[6], r[1], r[2], max(0, r[3] or 0), r[4],
                 r[7], r[8], r[9], r[10], r[11], r[12], r[13],
                 r[14].hex() if r[14] is not None else None)
            )  # fmt: skip
            if len(batch) + len(answers) >= size:
                yield [*batch, block()]
                batch, answers = [], []
        held = len(answers)  # the block's answers count one event each
        if answers:
            batch.append(block())
        for other in out.events:
            batch.append(other.model_dump(mode="json", exclude_none=True))
            if len(batch) + held >= size:
                yield batch
                batch, held = [], 0
        if batch:
            yield batch


def _replayed(
    answer: Callable[..., Any],
    before: tuple[Any, ...],
    rating: int,
    at: int,
    seed: int,
) -> tuple[Any, ...]:
    """One answer replayed with the scheduler (`answer`), from the card as the row before
    left it (`before`: state, step, stability, difficulty, due, last review, reps, lapses;
    moments in ms): the row's schedule columns after it (state, step, stability,
    difficulty, due, elapsed and scheduled days). Fuzz is seeded from the card and the
    number of answers before, as on every device."""
    from mastery.scheduler import Memory

    state, step, stability, difficulty, due, last, reps, lapses = before
    outcome = answer(
        Memory(
            state,
            step,
            stability,
            difficulty,
            None if due is None else from_ms(due),
            None if last is None else from_ms(last),
            reps,
            lapses,
        ),
        rating,
        from_ms(at),
        seed + reps,
    )
    m = outcome.memory
    return (m.state, m.step, m.stability, m.difficulty, to_ms(m.due), outcome.elapsed_days,
            outcome.scheduled_days)  # fmt: skip


_ROWS: TypeAdapter[list[AnswerRow]] = TypeAdapter(list[AnswerRow])
_ROW: TypeAdapter[AnswerRow] = TypeAdapter(AnswerRow)


def _checked_rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Answer rows as every receiver will check them (`AnswersEvent`): a schedule they would
    refuse (a row changed outside Mastery) is left out, and they replay that answer."""
    try:
        _ROWS.validate_python(rows)
    except ValidationError:
        pass
    else:
        if whole_schedules(rows) is None:
            return rows
    kept = []
    for row in rows:
        try:
            _ROW.validate_python(row)
            if whole_schedules([row]) is not None:
                raise ValueError(row)
        except (ValidationError, ValueError):
            row = (*row[:7], *(None,) * 8)
        kept.append(row)
    return kept


def dumps(events: Iterable[BaseModel]) -> list[dict[str, object]]:
    """Events as JSON-ready dicts for a chunk (None fields left out: smaller chunks), as
    `model_dump_json` writes them (pydantic's JSON mode, without a JSON round trip: 4x
    faster on the 100,000 content events of a big profile's first sync)."""
    return [e.model_dump(mode="json", exclude_none=True) for e in events]
