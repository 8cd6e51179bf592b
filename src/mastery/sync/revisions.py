"""The revisions channel: journal entries and goals (issue 14).

An entry or a goal is sent whole, as a *revision* stamped by the hybrid logical clock, with a
version vector (`seen`: for each device, the latest of its revisions this one descends from),
so any device can tell whether one revision descends from another without having seen the
ones in between. A profile keeps an item's *heads* (`syncrevision`): the revisions no other
known one descends from; a received revision that a head descends from is old and dropped, one
that descends from heads replaces them. A device's own revisions of one item always descend
from each other, so there is at most one head per device (a copied profile would break this,
so it syncs only once made a device of its own: `place.py`).

One head is the item. Several heads are a conflict (two devices edited it between syncs): the
latest (stamp, device) live head is the item, and every other live head whose content differs
is shown as a *conflict copy*, an entry or goal with a uid derived from the item, the head's
device and stamp, titled "... (conflict copy, <when> UTC)" and flagged (`conflict_of`). What is
shown is a function of the set of heads, so every device shows the same whatever order the
revisions arrive in, and no edit is dropped. A deletion is a head without content (a
tombstone): against an edit made without seeing it, the edit stays.

Copies are derived until the person acts: an edit of the item or of a copy (resolving it is
one) sends a revision of the item that descends from all its heads, and every copy still here
becomes an entry or goal of its own (sent with its derived uid, so two devices resolving at
once agree). Goals' realities and check-ins are add-only parts (`GoalPartEvent`, an id derived
from the content); a part for a goal not here yet waits in `syncpart` and lands with it.

Changes are found by comparing each entry and goal with its head (no hook in every edit path);
references to goals and decks this device does not have are kept, never taken as removed. A
goal's link to a deck not here (an entry's to a goal) is kept waiting (`syncpending`) and made
once it comes, by a later chunk (`settle`) or an import here (the start of `outgoing`).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from mastery.conflicts import copy_title
from mastery.errors import SyncError
from mastery.sync import pending
from mastery.sync.channels import Batch
from mastery.sync.events import (
    CheckInFields,
    EntryFields,
    EntryRevision,
    GoalFields,
    GoalPartEvent,
    GoalRevision,
)
from mastery.sync.hlc import Clock, wall_ms

ENTRY = "entry"
GOAL = "goal"
# Kept in `syncpending` (pending.py): a goal's link to a deck, an entry's to a goal, that
# this device does not have yet.
_DECK_LINK = "goaldeck"
_GOAL_LINK = "entrygoal"
# Per kind of link: the SQL that links an item's row (id) to what a key names, the one that
# reads the keys it is linked to, and the one that links by the item's uid (`_link_waiting`).
_LINK_SQL = {
    _DECK_LINK: (
        "INSERT OR IGNORE INTO goaldeck (goal_id, deck_id) SELECT ?, id FROM deck WHERE key = ?",
        "SELECT d.key FROM goaldeck gd JOIN deck d ON d.id = gd.deck_id WHERE gd.goal_id = ?",
        "INSERT OR IGNORE INTO goaldeck (goal_id, deck_id) SELECT g.id, d.id FROM goal g, "
        "deck d WHERE g.uid = ? AND d.key = ?",
    ),
    _GOAL_LINK: (
        "INSERT OR IGNORE INTO entrygoal (entry_id, goal_id) SELECT ?, id FROM goal WHERE uid = ?",
        "SELECT g.uid FROM entrygoal eg JOIN goal g ON g.id = eg.goal_id WHERE eg.entry_id = ?",
        "INSERT OR IGNORE INTO entrygoal (entry_id, goal_id) SELECT e.id, g.id "
        "FROM journalentry e, goal g WHERE e.uid = ? AND g.uid = ?",
    ),
}


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _digest(*parts: object) -> str:
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def copy_uid(kind: str, uid: str, device: str, stamp: int) -> str:
    """The uid of the conflict copy of `uid` showing `device`'s head at `stamp`: the same on
    every device."""
    return ("e-" if kind == ENTRY else "g-") + _digest(kind, uid, device, stamp)[:16]


@dataclass(frozen=True, slots=True)
class Head:
    device: str
    stamp: int
    seen: dict[str, int]
    payload: str | None  # canonical JSON of the fields; None: deleted


def heads_of(conn: sqlite3.Connection, kind: str, uid: str) -> list[Head]:
    return [
        Head(r["device"], r["stamp"], json.loads(r["seen"]), r["payload"])
        for r in conn.execute(
            "SELECT device, stamp, seen, payload FROM syncrevision WHERE kind = ? AND uid = ?",
            (kind, uid),
        )
    ]


def _put_head(conn: sqlite3.Connection, kind: str, uid: str, head: Head) -> bool:
    """Add a revision to an item's heads; False when a head already descends from it."""
    heads = heads_of(conn, kind, uid)
    if any(h.seen.get(head.device, -1) >= head.stamp for h in heads):
        return False
    for h in heads:
        if head.seen.get(h.device, -1) >= h.stamp:
            conn.execute(
                "DELETE FROM syncrevision WHERE kind = ? AND uid = ? AND device = ?",
                (kind, uid, h.device),
            )
    conn.execute(
        "INSERT OR REPLACE INTO syncrevision (kind, uid, device, stamp, seen, payload) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (kind, uid, head.device, head.stamp, _dumps(head.seen), head.payload),
    )
    return True


def layout(kind: str, uid: str, heads: Sequence[Head]) -> tuple[str | None, dict[str, str]]:
    """What an item's heads show: the item's content (None: deleted or unknown) and its
    conflict copies (uid -> content)."""
    live = [h for h in heads if h.payload is not None]
    if not live:
        return None, {}
    winner = max(live, key=lambda h: (h.stamp, h.device))
    copies: dict[str, str] = {}
    for h in live:
        if h is winner or h.payload == winner.payload:
            continue
        assert h.payload is not None
        fields = json.loads(h.payload)
        fields["title"] = copy_title(fields["title"], wall_ms(h.stamp))
        fields["conflict_of"] = uid
        copies[copy_uid(kind, uid, h.device, h.stamp)] = _dumps(fields)
    return winner.payload, copies


# ---------------------------------------------------------------------- local rows as payloads
def _entry_rows(conn: sqlite3.Connection) -> dict[str, tuple[str | None, dict[str, Any]]]:
    """uid -> (conflict_of, fields) of every entry here."""
    links: dict[int, list[str]] = {}
    for r in conn.execute(
        "SELECT eg.entry_id, g.uid FROM entrygoal eg JOIN goal g ON g.id = eg.goal_id"
    ):
        links.setdefault(r["entry_id"], []).append(r["uid"])
    return {
        r["uid"]: (
            r["conflict_of"],
            {
                "day": r["day"],
                "title": r["title"],
                "body": r["body"],
                "prompt": r["prompt"],
                "tags": r["tags"].split(),
                "visibility": r["visibility"],
                "goals": sorted(links.get(r["id"], [])),
                "created_at": r["created_at"],
                "conflict_of": r["conflict_of"],
            },
        )
        for r in conn.execute(
            "SELECT id, uid, day, title, body, prompt, tags, visibility, created_at, "
            "conflict_of FROM journalentry"
        )
    }


def _goal_rows(conn: sqlite3.Connection) -> dict[str, tuple[str | None, dict[str, Any]]]:
    """uid -> (conflict_of, fields) of every goal here."""
    milestones: dict[int, list[dict[str, Any]]] = {}
    for r in conn.execute("SELECT goal_id, title, done_at FROM milestone ORDER BY position, id"):
        milestones.setdefault(r["goal_id"], []).append(
            {"title": r["title"], "done_at": r["done_at"]}
        )
    decks: dict[int, list[str]] = {}
    for r in conn.execute(
        "SELECT gd.goal_id, d.key FROM goaldeck gd JOIN deck d ON d.id = gd.deck_id"
    ):
        decks.setdefault(r["goal_id"], []).append(r["key"])
    return {
        r["uid"]: (
            r["conflict_of"],
            {
                "title": r["title"],
                "vision": r["vision"],
                "category": r["category"],
                "target_date": r["target_date"],
                "status": r["status"],
                "cadence": r["cadence"],
                "visibility": r["visibility"],
                "created_at": r["created_at"],
                "closed_at": r["closed_at"],
                "milestones": milestones.get(r["id"], []),
                "decks": sorted(decks.get(r["id"], [])),
                "conflict_of": r["conflict_of"],
            },
        )
        for r in conn.execute(
            "SELECT id, uid, title, vision, category, target_date, status, cadence, visibility, "
            "created_at, closed_at, conflict_of FROM goal"
        )
    }


def _keep_unknown(
    fields: dict[str, Any], shown: str | None, name: str, known: set[str]
) -> dict[str, Any]:
    """Links (goals of an entry, decks of a goal) this device cannot show because it does not
    have their referent stay in the fields: they were not removed here."""
    if shown is None:
        return fields
    missing = [x for x in json.loads(shown).get(name, []) if x not in known]
    if missing:
        fields = {**fields, name: sorted({*fields[name], *missing})}
    return fields


# ---------------------------------------------------------------------- writing rows
def _entry_write(conn: sqlite3.Connection, uid: str, payload: str | None, stamp: int) -> None:
    if payload is None:
        conn.execute("DELETE FROM journalentry WHERE uid = ?", (uid,))
        pending.keep_links(conn, _GOAL_LINK, uid, ())
        return
    f = json.loads(payload)
    values = (
        f["day"],
        f["title"],
        f["body"],
        f["prompt"],
        " ".join(f["tags"]),
        f["visibility"],
        f["created_at"],
        wall_ms(stamp),
        f["conflict_of"],
    )
    row = conn.execute("SELECT id FROM journalentry WHERE uid = ?", (uid,)).fetchone()
    if row is None:
        entry_id = conn.execute(
            "INSERT INTO journalentry (day, title, body, prompt, tags, visibility, created_at, "
            "updated_at, conflict_of, uid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*values, uid),
        ).lastrowid
    else:
        entry_id = row["id"]
        conn.execute(
            "UPDATE journalentry SET day = ?, title = ?, body = ?, prompt = ?, tags = ?, "
            "visibility = ?, created_at = ?, updated_at = ?, conflict_of = ? WHERE id = ?",
            (*values, entry_id),
        )
        conn.execute("DELETE FROM entrygoal WHERE entry_id = ?", (entry_id,))
    _link(conn, _GOAL_LINK, uid, int(entry_id or 0), f["goals"], existed=row is not None)


def _link(
    conn: sqlite3.Connection, kind: str, uid: str, row_id: int, keys: list[str], *, existed: bool
) -> None:
    """Link item `uid` (its row `row_id`) to what `keys` name: those here now at once, the
    others kept waiting until they come (`_link_waiting`); an item that had links waiting
    and names none now has them dropped."""
    make, made, _ = _LINK_SQL[kind]
    conn.executemany(make, [(row_id, key) for key in keys])
    if keys:
        here = {r[0] for r in conn.execute(made, (row_id,))}
        pending.keep_links(conn, kind, uid, sorted(set(keys) - here))
    elif existed:
        pending.keep_links(conn, kind, uid, ())


def _goal_write(conn: sqlite3.Connection, uid: str, payload: str | None, stamp: int) -> bool:
    """Write (or delete) a goal's rows; whether the goal is new here."""
    if payload is None:
        conn.execute("DELETE FROM goal WHERE uid = ?", (uid,))
        pending.keep_links(conn, _DECK_LINK, uid, ())
        return False
    f = json.loads(payload)
    values = (
        f["title"],
        f["vision"],
        f["category"],
        f["target_date"],
        f["status"],
        f["cadence"],
        f["visibility"],
        f["created_at"],
        wall_ms(stamp),
        f["closed_at"],
        f["conflict_of"],
    )
    row = conn.execute("SELECT id FROM goal WHERE uid = ?", (uid,)).fetchone()
    if row is None:
        goal_id = int(
            conn.execute(
                "INSERT INTO goal (title, vision, category, target_date, status, cadence, "
                "visibility, created_at, updated_at, closed_at, conflict_of, uid) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*values, uid),
            ).lastrowid
            or 0
        )
        for part in conn.execute(
            "SELECT id, payload FROM syncpart WHERE goal_uid = ?", (uid,)
        ).fetchall():
            _land_part(conn, goal_id, GoalPartEvent.model_validate_json(part["payload"]))
    else:
        goal_id = row["id"]
        conn.execute(
            "UPDATE goal SET title = ?, vision = ?, category = ?, target_date = ?, status = ?, "
            "cadence = ?, visibility = ?, created_at = ?, updated_at = ?, closed_at = ?, "
            "conflict_of = ? WHERE id = ?",
            (*values, goal_id),
        )
        conn.execute("DELETE FROM milestone WHERE goal_id = ?", (goal_id,))
        conn.execute("DELETE FROM goaldeck WHERE goal_id = ?", (goal_id,))
    conn.executemany(
        "INSERT INTO milestone (goal_id, position, title, done_at) VALUES (?, ?, ?, ?)",
        [(goal_id, i, m["title"], m["done_at"]) for i, m in enumerate(f["milestones"], 1)],
    )
    _link(conn, _DECK_LINK, uid, goal_id, f["decks"], existed=row is not None)
    return row is None


def _link_waiting(conn: sqlite3.Connection) -> None:
    """Make the links kept waiting whose goal or deck has come since the entry or goal was
    written: read in a later chunk (another device's), or, for a deck, imported here since.
    Before anything is compared for sending: a link missing here would otherwise read as
    removed by this device (or a conflict copy differ from what its heads show), and be sent
    as such."""
    for kind in (_DECK_LINK, _GOAL_LINK):
        conn.executemany(_LINK_SQL[kind][2], pending.take_links(conn, kind))


def _show_all(conn: sqlite3.Connection, items: Iterable[tuple[str, str]]) -> None:
    """Make the rows of items ((kind, uid)) and their conflict copies what their heads show:
    goals first, so an entry links to the goals that are here (a link to one that is not
    waits, `_link_waiting`)."""
    items = sorted(set(items), key=lambda t: (t[0] != GOAL, t[1]))
    derived: dict[str, dict[str, list[str]]] = {ENTRY: {}, GOAL: {}}
    for kind, table in ((ENTRY, "journalentry"), (GOAL, "goal")):
        for r in conn.execute(
            f"SELECT uid, conflict_of FROM {table} t WHERE conflict_of IS NOT NULL AND NOT "
            "EXISTS (SELECT 1 FROM syncrevision s WHERE s.kind = ? AND s.uid = t.uid)",
            (kind,),
        ):
            derived[kind].setdefault(r["conflict_of"], []).append(r["uid"])
    for kind, uid in items:
        heads = heads_of(conn, kind, uid)
        shown, copies = layout(kind, uid, heads)
        newest = max((h.stamp for h in heads), default=0)
        write = _entry_write if kind == ENTRY else _goal_write
        write(conn, uid, shown, newest)
        for old in derived[kind].get(uid, []):
            if old not in copies:
                write(conn, old, None, 0)
        for copy, payload in copies.items():
            write(conn, copy, payload, newest)


# ---------------------------------------------------------------------- goal parts
def _part_events(conn: sqlite3.Connection) -> list[GoalPartEvent]:
    """Every reality version and check-in here, as parts."""
    parts: list[GoalPartEvent] = []
    for r in conn.execute(
        "SELECT g.uid, r.text, r.recorded_at FROM goalreality r JOIN goal g ON g.id = r.goal_id"
    ):
        parts.append(
            GoalPartEvent(
                id=_digest("reality", r["uid"], r["recorded_at"], r["text"]),
                goal=r["uid"],
                recorded_at=r["recorded_at"],
                reality=r["text"],
            )
        )
    for r in conn.execute(
        "SELECT g.uid, c.day, c.confidence, c.note, c.recorded_at FROM checkin c "
        "JOIN goal g ON g.id = c.goal_id"
    ):
        parts.append(
            _checkin_part(r["uid"], r["day"], r["confidence"], r["note"], r["recorded_at"])
        )
    return parts


def _checkin_part(goal: str, day: str, confidence: int, note: str, at: int) -> GoalPartEvent:
    return GoalPartEvent(
        id=_digest("checkin", goal, day, confidence, note, at),
        goal=goal,
        recorded_at=at,
        checkin=CheckInFields(day=day, confidence=confidence, note=note),
    )


def _land_part(conn: sqlite3.Connection, goal_id: int, part: GoalPartEvent) -> None:
    if part.reality is not None:
        if not conn.execute(
            "SELECT 1 FROM goalreality WHERE goal_id = ? AND recorded_at = ? AND text = ?",
            (goal_id, part.recorded_at, part.reality),
        ).fetchone():
            conn.execute(
                "INSERT INTO goalreality (goal_id, text, recorded_at) VALUES (?, ?, ?)",
                (goal_id, part.reality, part.recorded_at),
            )
        return
    c = part.checkin
    assert c is not None
    # One check-in per goal and day: the latest (moment, id) stays on every device.
    for r in conn.execute(
        "SELECT g.uid, c.confidence, c.note, c.recorded_at FROM checkin c "
        "JOIN goal g ON g.id = c.goal_id WHERE c.goal_id = ? AND c.day = ?",
        (goal_id, c.day),
    ).fetchall():
        there = _checkin_part(r["uid"], c.day, r["confidence"], r["note"], r["recorded_at"])
        if (there.recorded_at, there.id) >= (part.recorded_at, part.id):
            return
    conn.execute("DELETE FROM checkin WHERE goal_id = ? AND day = ?", (goal_id, c.day))
    conn.execute(
        "INSERT INTO checkin (goal_id, day, confidence, note, recorded_at) VALUES (?, ?, ?, ?, ?)",
        (goal_id, c.day, c.confidence, c.note, part.recorded_at),
    )


def _record_parts(
    conn: sqlite3.Connection, device: str, parts: Sequence[GoalPartEvent]
) -> list[GoalPartEvent]:
    """Parts not seen before, recorded; returns them."""
    new: list[GoalPartEvent] = []
    for part in parts:
        cur = conn.execute(
            "INSERT OR IGNORE INTO syncpart (id, goal_uid, device, payload) VALUES (?, ?, ?, ?)",
            (part.id, part.goal, device, part.model_dump_json()),
        )
        if cur.rowcount:
            new.append(part)
    return new


def _land_parts(conn: sqlite3.Connection, device: str, parts: Sequence[GoalPartEvent]) -> None:
    """Parts not seen before: recorded, and added to their goal when it is here."""
    for part in _record_parts(conn, device, parts):
        row = conn.execute("SELECT id FROM goal WHERE uid = ?", (part.goal,)).fetchone()
        if row is not None:
            _land_part(conn, row["id"], part)


# ---------------------------------------------------------------------- the channel
def _event(kind: str, uid: str, head: Head) -> BaseModel:
    """The revision as an event, checked as a receiver checks it: an entry too big for the
    others to accept is refused here, in one line, before any chunk is written."""
    try:
        if kind == ENTRY:
            entry = EntryFields.model_validate_json(head.payload) if head.payload else None
            return EntryRevision(uid=uid, stamp=head.stamp, seen=head.seen, entry=entry)
        goal = GoalFields.model_validate_json(head.payload) if head.payload else None
        return GoalRevision(uid=uid, stamp=head.stamp, seen=head.seen, goal=goal)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"])
        raise SyncError(
            f"{kind} {uid} cannot sync: {field}: {first['msg']}; shorten it and sync again "
            "(nothing was sent)"
        ) from exc


def _received(event: BaseModel, device: str) -> tuple[str, str, Head]:
    fields: EntryFields | GoalFields | None
    if isinstance(event, EntryRevision):
        kind, fields = ENTRY, event.entry
    else:
        assert isinstance(event, GoalRevision)
        kind, fields = GOAL, event.goal
    seen = dict(event.seen)
    seen[device] = max(seen.get(device, -1), event.stamp)
    payload = _dumps(fields.model_dump(mode="json")) if fields is not None else None
    return kind, event.uid, Head(device, event.stamp, seen, payload)


class Revisions:
    """Journal entries and goals (see the module docstring)."""

    kinds: tuple[type[BaseModel], ...] = (EntryRevision, GoalRevision, GoalPartEvent)

    def outgoing(self, conn: sqlite3.Connection, device: str, clock: Clock, now_ms: int) -> Batch:
        _link_waiting(conn)
        # Goals first: an entry revision names goals, and a receiver links what it has.
        revisions: list[tuple[str, str, Head]] = []
        for kind, rows in ((GOAL, _goal_rows(conn)), (ENTRY, _entry_rows(conn))):
            revisions += self._changes(conn, kind, rows, device, clock, now_ms)
        known_parts = {r["id"] for r in conn.execute("SELECT id FROM syncpart")}
        parts = [p for p in _part_events(conn) if p.id not in known_parts]
        events: list[BaseModel] = [_event(k, u, h) for k, u, h in revisions]
        events += parts

        def mark(c: sqlite3.Connection) -> None:
            for kind, uid, head in revisions:
                _put_head(c, kind, uid, head)
            _record_parts(c, device, parts)

        return Batch(events, mark)

    def _changes(
        self,
        conn: sqlite3.Connection,
        kind: str,
        rows: dict[str, tuple[str | None, dict[str, Any]]],
        device: str,
        clock: Clock,
        now_ms: int,
    ) -> list[tuple[str, str, Head]]:
        all_heads: dict[str, list[Head]] = {}
        for r in conn.execute(
            "SELECT uid, device, stamp, seen, payload FROM syncrevision WHERE kind = ?", (kind,)
        ):
            all_heads.setdefault(r["uid"], []).append(
                Head(r["device"], r["stamp"], json.loads(r["seen"]), r["payload"])
            )
        known = (
            {r["uid"] for r in conn.execute("SELECT uid FROM goal")}
            if kind == ENTRY
            else {r["key"] for r in conn.execute("SELECT key FROM deck")}
        )
        links = "goals" if kind == ENTRY else "decks"
        table = "journalentry" if kind == ENTRY else "goal"
        updated = {
            r["uid"]: r["updated_at"] for r in conn.execute(f"SELECT uid, updated_at FROM {table}")
        }
        derived = {u for u, (of, _) in rows.items() if of is not None and u not in all_heads}
        out: list[tuple[str, str, Head]] = []
        detached: list[str] = []
        for uid, heads in all_heads.items():
            shown, copies = layout(kind, uid, heads)
            here = rows.get(uid)
            local = (
                _dumps(_keep_unknown(here[1], shown, links, known)) if here is not None else None
            )
            local_copies = {u: _dumps(rows[u][1]) for u in derived if rows[u][0] == uid}
            if local == shown and local_copies == copies:
                continue
            seen: dict[str, int] = {}
            for h in heads:
                for d, s in h.seen.items():
                    seen[d] = max(seen.get(d, -1), s)
            stamp = clock.tick(updated.get(uid, now_ms) if local is not None else now_ms)
            seen[device] = stamp
            out.append((kind, uid, Head(device, stamp, seen, local)))
            detached += local_copies  # copies still here become entries / goals of their own
        for uid, (_, fields) in rows.items():
            if uid in all_heads or (uid in derived and uid not in detached):
                continue
            stamp = clock.tick(updated.get(uid, now_ms))
            out.append((kind, uid, Head(device, stamp, {device: stamp}, _dumps(fields))))
        return out

    def apply(self, conn: sqlite3.Connection, device: str, events: Sequence[BaseModel]) -> set[int]:
        touched: dict[tuple[str, str], None] = {}
        parts: list[GoalPartEvent] = []
        for event in events:
            if isinstance(event, GoalPartEvent):
                parts.append(event)
                continue
            kind, uid, head = _received(event, device)
            if _put_head(conn, kind, uid, head):
                touched[(kind, uid)] = None
        _show_all(conn, touched)
        _land_parts(conn, device, parts)
        return set()

    def settle(self, conn: sqlite3.Connection) -> set[int]:
        # A goal's link to a deck, an entry's to a goal, that a later chunk brought (another
        # device's). A part for a goal not here yet lands with the goal's revision.
        _link_waiting(conn)
        return set()

    def resend(self, conn: sqlite3.Connection, device: str) -> list[BaseModel]:
        events: list[BaseModel] = [
            _event(
                r["kind"], r["uid"], Head(device, r["stamp"], json.loads(r["seen"]), r["payload"])
            )
            for r in conn.execute(
                "SELECT kind, uid, stamp, seen, payload FROM syncrevision WHERE device = ? "
                "ORDER BY kind = 'entry', uid",
                (device,),
            )
        ]
        events += [
            GoalPartEvent.model_validate_json(r["payload"])
            for r in conn.execute(
                "SELECT payload FROM syncpart WHERE device = ? ORDER BY id", (device,)
            )
        ]
        return events

    def rename_device(self, conn: sqlite3.Connection, old: str, new: str) -> None:
        # Its revisions, and every version vector that names it: the devices that could not
        # open its old chunks never knew the old id, so the renamed history is the one they
        # get (through the chunk written again) and the one this device goes on from.
        conn.execute("UPDATE syncrevision SET device = ? WHERE device = ?", (new, old))
        conn.execute("UPDATE syncpart SET device = ? WHERE device = ?", (new, old))
        rows = conn.execute(
            "SELECT kind, uid, device, seen FROM syncrevision WHERE seen LIKE ?", (f"%{old}%",)
        ).fetchall()
        for r in rows:
            seen = json.loads(r["seen"])
            if old in seen:
                stamp = seen.pop(old)
                seen[new] = max(stamp, seen.get(new, 0))
                conn.execute(
                    "UPDATE syncrevision SET seen = ? WHERE kind = ? AND uid = ? AND device = ?",
                    (_dumps(seen), r["kind"], r["uid"], r["device"]),
                )

    def mark_resent(
        self, conn: sqlite3.Connection, device: str, events: Sequence[BaseModel]
    ) -> None:
        # This device's own revisions are heads like anyone's (a restored backup catches up
        # with what it had sent), but an edit made here after the revision was written (a
        # sync killed after its chunk, then an edit) stays, to be sent as the next one.
        parts: list[GoalPartEvent] = []
        shown: list[tuple[str, str]] = []
        for event in events:
            if isinstance(event, GoalPartEvent):
                parts.append(event)
                continue
            kind, uid, head = _received(event, device)
            if not _put_head(conn, kind, uid, head):
                continue
            table = "journalentry" if kind == ENTRY else "goal"
            row = conn.execute(f"SELECT updated_at FROM {table} WHERE uid = ?", (uid,)).fetchone()
            if row is None or row["updated_at"] <= wall_ms(head.stamp):
                shown.append((kind, uid))
        _show_all(conn, shown)
        _land_parts(conn, device, parts)
