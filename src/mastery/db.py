"""The profile database: one SQLite file, opened with the pragmas Mastery relies on.

Hot paths (the review queue, answers, bulk imports, stats) use the plain `sqlite3` connection;
the schema itself is declared once with SQLModel in `models.py` and is only imported when a
database must be created or migrated, which keeps `sqlmodel`'s 0.4 s import off start-up.

Transactions are explicit: the connection runs in autocommit mode and `transaction()` issues
`BEGIN IMMEDIATE` ... `COMMIT`, rolling back on any error, so one user action is one write.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mastery.errors import ProfileError

# Forward migrations: MIGRATIONS[n] upgrades a database from version n - 1 to n, inside the
# opening transaction.
from mastery.migrations import MIGRATIONS

# The schema version this code writes; kept equal to models.SCHEMA_VERSION (a test checks it)
# so opening an up-to-date profile never imports models.py.
SCHEMA_VERSION = 4


class Database:
    """An open profile database."""

    def __init__(self, path: Path | str, conn: sqlite3.Connection) -> None:
        self.path = Path(path)
        self.conn = conn
        self._depth = 0

    @classmethod
    def open(cls, path: Path | str) -> Database:
        """Open (creating if needed) and bring the schema up to date."""
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(
                str(path), isolation_level=None, check_same_thread=False, timeout=10.0
            )
            conn.execute("PRAGMA journal_mode=WAL")
        except sqlite3.DatabaseError as exc:
            raise ProfileError(f"{path}: cannot open profile database ({exc})") from exc
        conn.execute("PRAGMA foreign_keys=ON")
        # NORMAL is durable enough in WAL mode (a power cut may lose the last answer, never
        # corrupt the file) and avoids an fsync per answer.
        conn.execute("PRAGMA synchronous=NORMAL")
        # Checkpoints run at close and on demand, not in the middle of a review session, where
        # they would make every ~100th answer stall (Anki's p99).
        conn.execute("PRAGMA wal_autocheckpoint=0")
        conn.execute("PRAGMA temp_store=MEMORY")
        conn.execute("PRAGMA cache_size=-16000")
        db = cls(path, conn)
        try:
            db._ensure_schema()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise ProfileError(f"{path}: not a Mastery profile database ({exc})") from exc
        return db

    @property
    def version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _ensure_schema(self) -> None:
        version = self.version
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise ProfileError(
                f"{self.path}: made by a newer Mastery (schema {version}, this one knows "
                f"{SCHEMA_VERSION}); please upgrade Mastery"
            )
        with self.transaction():
            if version == 0:
                has_tables = self.conn.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type='table'"
                ).fetchone()[0]
                if has_tables:
                    raise ProfileError(f"{self.path}: not a Mastery profile database")
                create_schema(self.conn)
            else:
                for target in range(version + 1, SCHEMA_VERSION + 1):
                    MIGRATIONS[target](self.conn)
            self.conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write. Nested use joins the outer transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self.conn
        except BaseException:
            self._depth = 0
            self.conn.execute("ROLLBACK")
            raise
        self._depth = 0
        self.conn.execute("COMMIT")

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the main file (at quiet moments and on close)."""
        self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def close(self) -> None:
        try:
            self.checkpoint()
        finally:
            self.conn.close()


def create_schema(conn: sqlite3.Connection) -> None:
    """Create every table, index and trigger declared in models.py."""
    from sqlalchemy.dialects import sqlite as sqlite_dialect
    from sqlalchemy.schema import CreateIndex, CreateTable

    from mastery import models

    dialect = sqlite_dialect.dialect()
    for table in models.SQLModel.metadata.sorted_tables:
        conn.execute(str(CreateTable(table).compile(dialect=dialect)))
        for index in table.indexes:
            conn.execute(str(CreateIndex(index).compile(dialect=dialect)))
    for trigger in models.TRIGGERS:
        conn.execute(trigger)
