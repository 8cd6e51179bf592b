"""The profile's stored settings and meta values: the `setting` table behind `Collection`.

`settings.py` says what each setting may hold; this service reads and writes them for one
open profile. Settings are read on the review hot path, so they are cached until something
changes them (`Collection.reload_settings` forgets every cache built from them: schedulers,
the day clock, today's counts). Meta values are internal values kept in the same table under
a leading "_" (bundled deck versions, pairing ids), never shown as settings.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from typing import TYPE_CHECKING, Any

from mastery import settings as settings_mod
from mastery.errors import StoredValueError

if TYPE_CHECKING:
    from mastery.collection import Collection


class SettingsStore:
    """One profile's settings, validated on every write, cached for reads."""

    def __init__(self, col: Collection) -> None:
        self._col = col
        self._values: dict[str, Any] | None = None
        # One line per stored setting found invalid (and replaced by its default) since the
        # profile was opened, for the CLI (stderr) and the TUI (a notification) to show once.
        self.warnings: list[str] = []

    def current(self) -> dict[str, Any]:
        """The cached settings themselves: read on the review hot path, so never copied."""
        if self._values is None:
            values, problems = settings_mod.load(self._rows())
            for problem in problems:
                self.warn(problem.message)
            self._values = values
        return self._values

    def _rows(self) -> list[tuple[str, str]]:
        rows = self._col.conn.execute("SELECT key, value FROM setting")
        return [(r["key"], r["value"]) for r in rows]

    def forget(self) -> None:
        """Read the settings again on next use (another connection may have changed them)."""
        self._values = None

    def warn(self, message: str) -> None:
        """Keep a warning about a stored value, once."""
        if message not in self.warnings:
            self.warnings.append(message)

    def get(self, key: str) -> Any:
        """One setting's value; `SettingError` for a name that is not a setting."""
        if key not in settings_mod.SETTINGS:
            raise settings_mod.SettingError(f"unknown setting {key!r}")
        return self.current()[key]

    def set(self, key: str, value: Any) -> Any:
        """Validate and store one setting; returns the stored value."""
        value = settings_mod.coerce(key, value)
        if key == "fsrs_parameters":
            self._col.presets.check(value)
        with self._col.db.transaction() as conn:
            _put(conn, key, settings_mod.encode(value))
        self._col.reload_settings()
        return value

    def reset(self, key: str) -> Any:
        """Back to the default (the stored value is removed); returns the default."""
        if key not in settings_mod.SETTINGS:
            raise settings_mod.SettingError(f"unknown setting {key!r}")
        with self._col.db.transaction() as conn:
            conn.execute("DELETE FROM setting WHERE key = ?", (key,))
        self._col.reload_settings()
        return settings_mod.SETTINGS[key].default

    def repair(self) -> list[str]:
        """Put back the default for every stored setting that is not valid; returns warnings.

        Values stored by older versions (before ranges were checked, e.g. `nan` or `999999999d`)
        would crash every review. `Collection.open` calls this once, in its own transaction, so
        the fix lasts and the warning is shown once; reads never write. If the database cannot
        be written (read-only, busy), the defaults are still used in memory.
        """
        self._values = None
        rows = self._rows()
        values, problems = settings_mod.load(rows)
        if values["fsrs_parameters"]:  # py-fsrs's own bounds (loads fsrs: only for custom ones)
            try:
                self._col.presets.check(values["fsrs_parameters"])
            except settings_mod.SettingValueError as exc:
                raw = dict(rows)["fsrs_parameters"]
                problems.append(settings_mod.StoredProblem("fsrs_parameters", raw, exc.reason))
        if problems:
            try:
                with self._col.db.transaction() as conn:
                    conn.executemany(
                        "DELETE FROM setting WHERE key = ? AND value = ?",
                        [(p.key, p.raw) for p in problems],
                    )
            except sqlite3.Error:
                pass  # read from memory below, with the same warnings
            for problem in problems:
                self.warn(problem.message)
        self._col.reload_settings()
        return [p.message for p in problems]

    # ------------------------------------------------------------------ meta values
    def meta(self, key: str) -> Any:
        """An internal value (not user-editable), e.g. the bundled decks' versions; None if
        there is none."""
        return read_meta(self._col.conn, key)

    def set_meta(self, key: str, value: Any) -> None:
        """Store an internal value (in its own transaction, or the caller's); None removes
        it (a secret dropped is gone, not kept as `null`)."""
        with self._col.db.transaction() as conn:
            write_meta(conn, key, value)

    def meta_under(self, prefix: str) -> dict[str, Any]:
        """The internal values whose names start with `prefix`, by name (one that is no
        JSON left out): what a feature kept under keys it made up as it went."""
        rows = self._col.conn.execute(
            "SELECT key, value FROM setting WHERE substr(key, 1, ?) = ?",
            (len(prefix) + 1, f"_{prefix}"),
        )
        found = {}
        for row in rows:
            with contextlib.suppress(StoredMetaError):
                found[row["key"][1:]] = _decoded(row["key"][1:], row["value"])
        return found

    def meta_once(self, key: str, value: Any) -> Any:
        """The meta value `key`, storing `value` first if there is none yet: made once for
        good (an identity, a secret), race-free, since the insert is ignored when another
        process got there first and everyone reads back the one stored value."""
        found = self.meta(key)
        if found is not None:
            return found
        with self._col.db.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO setting(key, value) VALUES (?, ?)",
                (f"_{key}", json.dumps(value)),
            )
            row = conn.execute("SELECT value FROM setting WHERE key = ?", (f"_{key}",)).fetchone()
        return _decoded(key, row["value"])


def _put(conn: sqlite3.Connection, key: str, encoded: str) -> None:
    conn.execute(
        "INSERT INTO setting(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
        (key, encoded),
    )


# Connection-level access for code that holds a transaction but no Collection (the Anki
# importer's pending-media list): still this module, the one writer of the `setting` table.
def read_meta(conn: sqlite3.Connection, name: str) -> Any:
    """The meta value `name`, or None; a stored value that is no JSON raises
    `StoredMetaError` (one line for the CLI, and still a ValueError for callers that
    fall back to nothing)."""
    row = conn.execute("SELECT value FROM setting WHERE key = ?", (f"_{name}",)).fetchone()
    return _decoded(name, row["value"]) if row else None


class StoredMetaError(StoredValueError, ValueError):
    """A meta value edited outside Mastery into text that is no JSON (or JSON that
    `json.loads` cannot take: 100,000 levels deep, 5,000 digits, a number instead of text).
    Without it the raw JSONDecodeError, RecursionError or TypeError reached the CLI as a
    traceback (`mastery id` on a hand-edited identity record)."""


def _decoded(name: str, raw: Any) -> Any:
    try:
        return json.loads(raw)
    except (TypeError, ValueError, RecursionError):
        raise StoredMetaError(f"stored {name} value", raw) from None


def write_meta(conn: sqlite3.Connection, name: str, value: Any) -> None:
    """Store the meta value `name` in the caller's transaction; None removes it."""
    if value is None:
        conn.execute("DELETE FROM setting WHERE key = ?", (f"_{name}",))
        return
    conn.execute(
        "INSERT INTO setting(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (f"_{name}", json.dumps(value)),
    )


def stored_settings(conn: sqlite3.Connection) -> dict[str, str]:
    """The settings stored in the caller's transaction, by name (JSON text; meta values,
    under a leading "_", left out). For sync, which holds a transaction and no Collection."""
    return {
        r["key"]: r["value"]
        for r in conn.execute(
            "SELECT key, value FROM setting WHERE key NOT LIKE '\\_%' ESCAPE '\\'"
        )
    }


def write_setting(conn: sqlite3.Connection, key: str, value: Any) -> None:
    """Store a setting's checked value in the caller's transaction (None: back to the default);
    the caller forgets the caches (`Collection.reload_settings`)."""
    if value is None:
        conn.execute("DELETE FROM setting WHERE key = ?", (key,))
    else:
        _put(conn, key, settings_mod.encode(value))
