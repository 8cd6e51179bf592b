"""Things that sync as whole values, the latest change winning: the machinery under the
settings channel (`settings.py`) and the personal one (`personal.py`).

Each kind of thing (a setting, a preset, a mentor's comment...) says what the profile holds
now (`Kind.current`: key -> device-independent JSON value) and how to store another device's
value (`Kind.write`). The `syncitem` table keeps each thing as last sent or received, with its
(stamp, device): a thing whose value differs from that record was changed here since and is
sent, stamped; a received value is stored when its (stamp, device) is later than the
record's, so every device keeps the same, latest value whatever order the chunks come in.

A received value that needs something this device does not have yet (a deck's preset for a
deck not imported here, a mentee's entry before the mentee, a range a newer Mastery widened)
is kept (`pending.py`) and stored once it can be: at the end of each apply and at the start
of each outgoing. Its record keeps what was last stored, so a change made here meanwhile (a
setting set again) is still sent, and the kept value, when it is stored at last, wins only if
it is the later one. A thing of a kind only a newer Mastery knows is recorded as waiting
(`applied` 0), and never sent from here.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, Protocol

from pydantic import BaseModel, JsonValue

from mastery.states import scheduled
from mastery.sync import pending
from mastery.sync.channels import Batch
from mastery.sync.hlc import Clock, later, wall_ms

MAX_VALUE_CHARS = 4_000_000  # one thing's JSON: twice the longest text a row may hold (personal.py)


class Local(NamedTuple):
    """A thing as the profile holds it: its value, and the local row it names (presets)."""

    value: JsonValue
    local: str | None = None


class Kind(Protocol):
    """One kind of thing in an item channel."""

    what: str
    # A key missing from `current` was removed here (presets, comments); otherwise the key
    # names something this device does not have (a deck), and nothing is sent for it.
    deletable: bool

    def current(self, conn: sqlite3.Connection, shared: dict[str, Any]) -> dict[str, Local]:
        """Every thing of this kind the profile holds, by key (`shared`: what earlier kinds
        of the same channel worked out in this call, e.g. the uids given to new presets)."""
        ...

    def write(
        self,
        conn: sqlite3.Connection,
        key: str,
        value: JsonValue,
        record: Local | None,
        at_ms: int,
    ) -> Local | None:
        """Store another device's value (None: remove it / back to the default); returns it
        as now held, or None when it must wait (`record`: the thing as last synced)."""
        ...

    def merge(self, held: JsonValue, incoming: JsonValue, wins: bool) -> JsonValue:
        """The value to hold when `incoming` arrives (`wins`: its stamp is the later one)."""
        ...

    def decks(
        self, conn: sqlite3.Connection, key: str, before: JsonValue, after: JsonValue
    ) -> set[int] | None:
        """The decks whose cards schedule differently after this change (None: every deck),
        so the sync replays their answered cards on every device alike."""
        ...


def cards_of(conn: sqlite3.Connection, decks: set[int] | None) -> frozenset[int]:
    """The cards with scheduled answers in `decks` (None: in every deck)."""
    if decks is not None and not decks:
        return frozenset()
    sql = f"SELECT DISTINCT card_id FROM reviewlog WHERE {scheduled()}"
    if decks is None:
        return frozenset(r[0] for r in conn.execute(sql))
    found: set[int] = set()
    for deck_id in sorted(decks):
        found |= {r[0] for r in conn.execute(sql + " AND deck_id = ?", (deck_id,))}
    return frozenset(found)


class _Decks:
    """The decks touched by the changes of one outgoing or apply (None: every deck)."""

    def __init__(self) -> None:
        self.ids: set[int] | None = set()

    def add(self, found: set[int] | None) -> None:
        if self.ids is None:
            return
        if found is None:
            self.ids = None
        else:
            self.ids |= found


def canonical(value: JsonValue) -> str | None:
    """One text per value, so a difference is a change (None: removed or default)."""
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _loads(text: str | None) -> JsonValue:
    return None if text is None else json.loads(text)


class _Record(NamedTuple):
    value: str | None
    at: int
    device: str
    local: str | None
    applied: bool


def _records(conn: sqlite3.Connection, what: str) -> dict[str, _Record]:
    return {
        r["key"]: _Record(r["value"], r["at"], r["device"], r["local"], bool(r["applied"]))
        for r in conn.execute(
            'SELECT "key", value, at, device, local, applied FROM syncitem WHERE kind = ?', (what,)
        )
    }


def _record(conn: sqlite3.Connection, what: str, key: str) -> _Record | None:
    r = conn.execute(
        'SELECT value, at, device, local, applied FROM syncitem WHERE kind = ? AND "key" = ?',
        (what, key),
    ).fetchone()
    return _Record(r["value"], r["at"], r["device"], r["local"], bool(r["applied"])) if r else None


Row = tuple[str, str, str | None, int, str, str | None, int]  # kind, key, value, at, device...


def _save(conn: sqlite3.Connection, rows: Sequence[Row]) -> None:
    conn.executemany(
        'INSERT OR REPLACE INTO syncitem (kind, "key", value, at, device, local, applied) '
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def local_of(conn: sqlite3.Connection, what: str, key: str) -> str | None:
    """The local row a synced thing names (a preset's), or None."""
    found = _record(conn, what, key)
    return found.local if found else None


def keys_by_local(conn: sqlite3.Connection, what: str) -> dict[str, str]:
    """{local row: key} for the things of one kind that name a local row."""
    return {
        r["local"]: r["key"]
        for r in conn.execute(
            'SELECT "key", local FROM syncitem WHERE kind = ? AND local IS NOT NULL', (what,)
        )
    }


class ItemChannel:
    """A channel (channels.py) of whole values, one kind after another in `order`."""

    def __init__(
        self,
        event: type[BaseModel],
        make: Callable[[str, str, int, JsonValue], BaseModel],
        order: Sequence[Kind],
    ) -> None:
        self.kinds: tuple[type[BaseModel], ...] = (event,)
        self._make = make  # (what, key, stamp, value) -> the channel's event
        self._order = list(order)
        self._by_what = {kind.what: kind for kind in order}

    # ------------------------------------------------------------------ waiting values
    def _settle(self, conn: sqlite3.Connection, touched: _Decks) -> None:
        """Store the received values that waited for something this device now has."""
        rows: list[Row] = []
        for r in conn.execute(
            'SELECT kind, "key", value, at, device, local FROM syncitem WHERE applied = 0 '
            "ORDER BY at, device"
        ).fetchall():
            kind = self._by_what.get(r["kind"])
            if kind is None:
                continue  # a newer Mastery's kind, or another channel's
            held = kind.write(
                conn, r["key"], _loads(r["value"]), Local(None, r["local"]), wall_ms(r["at"])
            )
            if held is not None:
                rows.append(
                    (
                        r["kind"],
                        r["key"],
                        canonical(held.value),
                        r["at"],
                        r["device"],
                        held.local,
                        1,
                    )
                )
                touched.add(kind.decks(conn, r["key"], None, held.value))
        _save(conn, rows)
        event = self.kinds[0]
        kept = pending.take_items(conn, event)
        if kept:
            self._apply_pairs(conn, kept, touched)

    # ------------------------------------------------------------------ the channel
    def outgoing(self, conn: sqlite3.Connection, device: str, clock: Clock, now_ms: int) -> Batch:
        touched = _Decks()
        self._settle(conn, touched)
        events: list[BaseModel] = []
        rows: list[Row] = []
        shared: dict[str, Any] = {}
        for kind in self._order:
            records = _records(conn, kind.what)
            held = kind.current(conn, shared)
            keys = set(held)
            if kind.deletable:
                keys |= {k for k, r in records.items() if r.applied and r.value is not None}
            for key in sorted(keys):
                record = records.get(key)
                if record is not None and not record.applied:
                    continue  # waiting: what it names is not here (`_settle`)
                now = held.get(key)
                text = canonical(now.value) if now else None
                if text == (record.value if record else None):
                    continue
                if text is not None and len(text) > MAX_VALUE_CHARS:
                    continue  # cannot be valid anywhere; stays on this device
                # Dated by this sync: the profile keeps no moment of most of these changes.
                stamp = clock.tick(now_ms)
                events.append(self._make(kind.what, key, stamp, _loads(text)))
                rows.append((kind.what, key, text, stamp, device, now.local if now else None, 1))
                before = _loads(record.value) if record else None
                touched.add(kind.decks(conn, key, before, _loads(text)))
        return Batch(events, lambda c: _save(c, rows), cards_of(conn, touched.ids))

    def apply(self, conn: sqlite3.Connection, device: str, events: Sequence[BaseModel]) -> set[int]:
        touched = _Decks()
        self._apply_pairs(conn, [(device, e) for e in events], touched)
        self._settle(conn, touched)
        return set(cards_of(conn, touched.ids))

    def _apply_pairs(
        self, conn: sqlite3.Connection, pairs: Sequence[tuple[str, BaseModel]], touched: _Decks
    ) -> None:
        """Received values ((device, event)); those that cannot be stored yet are kept."""
        held_now: dict[str, dict[str, Local]] = {}
        waiting: list[tuple[str, BaseModel]] = []
        for device, event in pairs:
            what: str = getattr(event, "what")  # noqa: B009 (the channel's own event model)
            key: str = getattr(event, "key")  # noqa: B009
            stamp: int = getattr(event, "stamp")  # noqa: B009
            value: JsonValue = getattr(event, "value")  # noqa: B009
            record = _record(conn, what, key)
            wins = later((stamp, device), (record.at, record.device) if record else None)
            kind = self._by_what.get(what)
            if kind is None:  # a newer Mastery's: kept, waiting for this device to upgrade
                if wins:
                    _save(conn, [(what, key, canonical(value), stamp, device, None, 0)])
                continue
            if kind.deletable and what not in held_now:
                held_now[what] = kind.current(conn, {})
            before = held_now.get(what, {}).get(key)
            merged = kind.merge(before.value if before else None, value, wins)
            if not wins and (before is None or canonical(merged) == canonical(before.value)):
                continue
            previous = Local(_loads(record.value), record.local) if record else None
            held = kind.write(conn, key, merged, previous, wall_ms(stamp))
            if held is None:
                if wins:
                    waiting.append((device, event))
                continue
            if what in held_now:
                held_now[what][key] = held
            if wins:
                _save(conn, [(what, key, canonical(held.value), stamp, device, held.local, 1)])
                if previous is None or canonical(previous.value) != canonical(held.value):
                    touched.add(
                        kind.decks(conn, key, previous.value if previous else None, held.value)
                    )
            elif record is not None:
                # A later value lost only its read moment (merge): what is held is synced.
                _save(
                    conn,
                    [(what, key, canonical(held.value), record.at, record.device, held.local, 1)],
                )
        self._keep(conn, waiting)

    def _keep(self, conn: sqlite3.Connection, waiting: Sequence[tuple[str, BaseModel]]) -> None:
        """Keep the values that must wait: the latest per thing, with any kept before."""
        if not waiting:
            return
        latest: dict[tuple[str, str], tuple[str, BaseModel]] = {}
        for device, event in [*pending.take_items(conn, self.kinds[0]), *waiting]:
            thing = (getattr(event, "what"), getattr(event, "key"))  # noqa: B009
            best = latest.get(thing)
            stamp: int = getattr(event, "stamp")  # noqa: B009
            if best is None or later((stamp, device), (getattr(best[1], "stamp"), best[0])):  # noqa: B009
                latest[thing] = (device, event)
        pending.keep_items(conn, list(latest.values()))

    def settle(self, conn: sqlite3.Connection) -> set[int]:
        touched = _Decks()
        self._settle(conn, touched)
        return set(cards_of(conn, touched.ids))

    def resend(self, conn: sqlite3.Connection, device: str) -> list[BaseModel]:
        return [
            self._make(r["kind"], r["key"], r["at"], _loads(r["value"]))
            for r in conn.execute(
                'SELECT kind, "key", value, at FROM syncitem WHERE device = ? AND applied = 1 '
                "ORDER BY at",
                (device,),
            )
            if r["kind"] in self._by_what
        ]

    def rename_device(self, conn: sqlite3.Connection, old: str, new: str) -> None:
        conn.execute("UPDATE syncitem SET device = ? WHERE device = ?", (new, old))

    def mark_resent(
        self, conn: sqlite3.Connection, device: str, events: Sequence[BaseModel]
    ) -> None:
        # What was sent, not what the profile must become (as card states): a change made
        # since is then a difference, sent as the newer value. But a thing the profile lost
        # (a backup older than it) is stored again: the target says it was made.
        held: dict[str, dict[str, Local]] = {}
        for event in events:
            what: str = getattr(event, "what")  # noqa: B009
            key: str = getattr(event, "key")  # noqa: B009
            stamp: int = getattr(event, "stamp")  # noqa: B009
            value: JsonValue = getattr(event, "value")  # noqa: B009
            kind = self._by_what.get(what)
            record = _record(conn, what, key)
            if kind is None or not later(
                (stamp, device), (record.at, record.device) if record else None
            ):
                continue
            if what not in held:
                held[what] = kind.current(conn, {})
            now = held[what].get(key)
            local = now.local if now else (record.local if record else None)
            if now is None and value is not None and kind.deletable:
                again = kind.write(conn, key, value, None, wall_ms(stamp))
                if again is not None:
                    held[what][key] = again
                    local = again.local
            _save(conn, [(what, key, canonical(value), stamp, device, local, 1)])
