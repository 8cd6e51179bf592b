"""The settings channel: the profile's settings, deck presets, the preset each deck uses and
each deck's own FSRS weights, the latest change winning per setting, preset and deck
(items.py).

What stays on the device (`DEVICE_ONLY`): the daily backup (backups are this computer's
files) and loading the bundled decks (a first run on this computer); the sync settings
themselves and every other internal value are meta values, never settings; config.toml
(theme, keymap) is a file of its own. Everything else is the person's way of learning and
syncs, including the day's rollover hour and the time zone: a replay computes due days with
them, so two devices with different ones would schedule the same answers differently.

Presets have local ids that differ between devices, so each gets a random uid the first time
it syncs (kept in `syncitem.local` beside its id and creation time, so an id reused after a
removal is another preset). A preset arriving under a name another preset here already
holds (both devices added "Hard" between syncs) keeps both: the one with the later uid is
named "Hard (uid)", the same choice on every device. A removed preset takes its decks back
to the default preset, as locally.

Changed settings do not rewrite any schedule (as in Anki, they apply to the next answer),
but the sync's replay of the cards it touched reads them afresh, so every device replays
with the settings it just received.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from typing import Any

from pydantic import BaseModel, JsonValue

from mastery import settings as settings_mod
from mastery.errors import MasteryError
from mastery.settings_store import read_meta, stored_settings, write_meta, write_setting
from mastery.srs.presets import (
    DECK_PARAMETERS,
    DEFAULT_PRESET,
    MAX_NAME_LENGTH,
    PRESET_KEYS,
    delete_preset,
    link_deck,
    rename_preset,
    store_preset,
)
from mastery.sync.events import SettingEvent
from mastery.sync.items import ItemChannel, Local, keys_by_local, local_of

DEVICE_ONLY = frozenset({"auto_backup", "load_bundled_decks"})
SYNCED = tuple(k for k in settings_mod.SETTINGS if k not in DEVICE_ONLY)
# The settings a replay schedules with (`Presets.build` and the day clock): a change to one
# replays the answered cards it applies to on every device, the sender's too, so every device
# ends with the same schedules whatever order the changes and the answers came in.
SCHEDULING = frozenset(
    {
        "desired_retention",
        "learning_steps",
        "relearning_steps",
        "maximum_interval",
        "enable_fuzz",
        "fsrs_parameters",
        "rollover_hour",
        "timezone",
    }
)


def _take(held: JsonValue, incoming: JsonValue, wins: bool) -> JsonValue:
    return incoming if wins else held


class _Settings:
    what = "setting"
    deletable = False
    merge = staticmethod(_take)

    def decks(
        self, conn: sqlite3.Connection, key: str, before: JsonValue, after: JsonValue
    ) -> set[int] | None:
        return None if key in SCHEDULING else set()

    def current(self, conn: sqlite3.Connection, shared: dict[str, Any]) -> dict[str, Local]:
        stored = stored_settings(conn)
        held: dict[str, Local] = {}
        for key in SYNCED:
            try:
                value = settings_mod.decode(key, stored[key]) if key in stored else None
            except MasteryError:
                value = None  # not valid: the default is in force (`SettingsStore.repair`)
            held[key] = Local(value)
        return held

    def write(
        self,
        conn: sqlite3.Connection,
        key: str,
        value: JsonValue,
        record: Local | None,
        at_ms: int,
    ) -> Local | None:
        if key not in settings_mod.SETTINGS or key in DEVICE_ONLY:
            return None  # a newer Mastery's setting (or one it syncs): kept, waiting
        try:
            checked = None if value is None else settings_mod.coerce(key, value)
        except MasteryError:
            return None  # a range a newer Mastery widened: waits for this one to upgrade
        write_setting(conn, key, checked)
        return Local(checked)


def _preset_local(row: sqlite3.Row) -> str:
    return f"{row['id']}:{row['created_at']}"


def _preset_value(config: str, name: str) -> dict[str, JsonValue]:
    try:
        values = json.loads(config)
    except ValueError:
        values = {}
    kept = {k: v for k, v in values.items() if k in PRESET_KEYS} if isinstance(values, dict) else {}
    return {"name": name, "config": kept}


def _named(name: str, uid: str) -> str:
    """The name a preset takes when another holds its own (the same on every device)."""
    tail = f" ({uid[:6]})"
    return name[: MAX_NAME_LENGTH - len(tail)] + tail


def _scheduling(value: JsonValue) -> dict[str, JsonValue] | None:
    config = value.get("config") if isinstance(value, dict) else None
    if not isinstance(config, dict):
        return None
    return {k: v for k, v in config.items() if k in SCHEDULING}


class _Presets:
    what = "preset"
    deletable = True
    merge = staticmethod(_take)

    def decks(
        self, conn: sqlite3.Connection, key: str, before: JsonValue, after: JsonValue
    ) -> set[int] | None:
        # A new preset schedules nothing until a deck uses it (that link is a change of its
        # own); an edited or removed one, its decks, wherever they are now: every deck.
        if before is None or _scheduling(before) == _scheduling(after):
            return set()
        return None

    def current(self, conn: sqlite3.Connection, shared: dict[str, Any]) -> dict[str, Local]:
        uids = keys_by_local(conn, self.what)
        held: dict[str, Local] = {}
        minted: dict[int, str] = {}
        for r in conn.execute(
            "SELECT id, name, config, created_at FROM preset WHERE id != ? ORDER BY id",
            (DEFAULT_PRESET,),
        ):
            local = _preset_local(r)
            uid = uids.get(local) or secrets.token_hex(16)
            minted[r["id"]] = uid
            held[uid] = Local(_preset_value(r["config"], r["name"]), local)
        shared["preset_uids"] = minted
        return held

    def _row(self, conn: sqlite3.Connection, local: str | None) -> sqlite3.Row | None:
        if local is None:
            return None
        preset_id, _, created = local.partition(":")
        return conn.execute(
            "SELECT id, name, created_at FROM preset WHERE id = ? AND created_at = ?",
            (int(preset_id), int(created)),
        ).fetchone()

    def write(
        self,
        conn: sqlite3.Connection,
        key: str,
        value: JsonValue,
        record: Local | None,
        at_ms: int,
    ) -> Local | None:
        row = self._row(conn, record.local if record else None)
        if value is None:
            if row is not None:  # its decks go back to the default preset (cascade)
                delete_preset(conn, row["id"])
            return Local(None)
        checked = _checked_preset(value)
        if checked is None:
            return None  # another version's preset: waits
        name, config = checked
        if row is None:
            # A preset of this name that never synced is this one: a backup restored from
            # before this device's first sync of it (its own chunk brings it back).
            mapped = keys_by_local(conn, self.what)
            same = conn.execute(
                "SELECT id, name, created_at FROM preset WHERE name = ? AND id != ?",
                (name, DEFAULT_PRESET),
            ).fetchone()
            if same is not None and _preset_local(same) not in mapped:
                row = same
        received = name
        clash = conn.execute(
            "SELECT id, created_at FROM preset WHERE name = ? AND id != ?",
            (name, row["id"] if row else -1),
        ).fetchone()
        if clash is not None:
            other = keys_by_local(conn, self.what).get(_preset_local(clash), "")
            if key > other:
                name = _named(name, key)
            else:  # the other one moves aside; its new name is sent as its change
                rename_preset(conn, clash["id"], _named(name, other))
        if row is not None:
            store_preset(conn, row["id"], name, config, at_ms)
            local = _preset_local(row)
        else:
            local = f"{store_preset(conn, None, name, config, at_ms)}:{at_ms}"
        # Recorded as received: a name changed here to stay apart from another preset is this
        # device's change, sent as such; recorded as changed, it was never sent, and a device
        # that never held both presets under one name (one was renamed or removed before it
        # got there) kept the name this one moved away from.
        return Local({"name": received, "config": config}, local)


def _checked_preset(value: JsonValue) -> tuple[str, dict[str, Any]] | None:
    """A received preset's name and values, checked as a local edit is; None: not valid here."""
    if not isinstance(value, dict):
        return None
    name, config = value.get("name"), value.get("config")
    if not isinstance(name, str) or not isinstance(config, dict):
        return None
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH or not name.isprintable() or name.isdigit():
        return None
    checked: dict[str, Any] = {}
    for k, v in config.items():
        if k not in PRESET_KEYS:
            return None
        try:
            checked[k] = settings_mod.coerce(k, v)
        except MasteryError:
            return None
    return name, checked


def _deck_ids(conn: sqlite3.Connection) -> dict[str, int]:
    return {r["key"]: r["id"] for r in conn.execute('SELECT id, "key" FROM deck')}


class _PerDeck:
    """A kind keyed by deck key, one value per deck (never deleted): a change replays that
    deck's answered cards."""

    deletable = False
    merge = staticmethod(_take)

    def decks(
        self, conn: sqlite3.Connection, key: str, before: JsonValue, after: JsonValue
    ) -> set[int] | None:
        deck = _deck_ids(conn).get(key)
        return set() if deck is None else {deck}


class _DeckPresets(_PerDeck):
    what = "deck_preset"

    def current(self, conn: sqlite3.Connection, shared: dict[str, Any]) -> dict[str, Local]:
        uids: dict[int, str] = dict(shared.get("preset_uids", {}))
        if not uids:
            by_local = keys_by_local(conn, _Presets.what)
            uids = {
                r["id"]: by_local[_preset_local(r)]
                for r in conn.execute("SELECT id, created_at FROM preset")
                if _preset_local(r) in by_local
            }
        links = {
            r["deck_id"]: r["preset_id"]
            for r in conn.execute("SELECT deck_id, preset_id FROM deckpreset")
        }
        return {
            key: Local(uids.get(links[deck_id]) if deck_id in links else None)
            for key, deck_id in _deck_ids(conn).items()
        }

    def write(
        self,
        conn: sqlite3.Connection,
        key: str,
        value: JsonValue,
        record: Local | None,
        at_ms: int,
    ) -> Local | None:
        deck = conn.execute('SELECT id FROM deck WHERE "key" = ?', (key,)).fetchone()
        if deck is None:
            return None  # its deck is not here yet
        if value is not None and not isinstance(value, str):
            return None
        preset: sqlite3.Row | None = None
        if value is not None:
            local = local_of(conn, _Presets.what, value)
            known = conn.execute(
                'SELECT 1 FROM syncitem WHERE kind = ? AND "key" = ?', (_Presets.what, value)
            ).fetchone()
            if known is None:
                return None  # the preset comes in another device's chunk: waits for it
            preset = _Presets()._row(conn, local)
        link_deck(conn, deck["id"], preset["id"] if preset is not None else None)
        # A preset removed here: the deck is on the default preset, and the record keeps the
        # received link, so the default is sent as the newer change and every device agrees.
        return Local(value)


class _DeckParameters(_PerDeck):
    what = "deck_parameters"

    def current(self, conn: sqlite3.Connection, shared: dict[str, Any]) -> dict[str, Local]:
        own = _own(conn)
        return {key: Local(own.get(key)) for key in _deck_ids(conn)}

    def write(
        self,
        conn: sqlite3.Connection,
        key: str,
        value: JsonValue,
        record: Local | None,
        at_ms: int,
    ) -> Local | None:
        if key not in _deck_ids(conn):
            return None
        own = _own(conn)
        if value is None:
            own.pop(key, None)
        else:
            try:
                checked = settings_mod.parse_parameters(value)  # type: ignore[arg-type]
            except MasteryError:
                return None
            if not checked:
                own.pop(key, None)
            else:
                own[key] = checked
        write_meta(conn, DECK_PARAMETERS, own)
        return Local(own.get(key))


def _own(conn: sqlite3.Connection) -> dict[str, Any]:
    try:
        own = read_meta(conn, DECK_PARAMETERS)
    except ValueError:
        return {}
    return dict(own) if isinstance(own, dict) else {}


def _event(what: str, key: str, stamp: int, value: JsonValue) -> BaseModel:
    return SettingEvent(what=what, key=key, stamp=stamp, value=value)


def settings_channel() -> ItemChannel:
    """Settings, presets (before the links that name them), decks' presets and weights."""
    return ItemChannel(
        SettingEvent, _event, [_Settings(), _Presets(), _DeckPresets(), _DeckParameters()]
    )
