"""The profile database: one SQLite file, opened with the pragmas Mastery relies on.

Hot paths (the review queue, answers, bulk imports, stats) use the plain `sqlite3` connection;
the schema itself is declared once with SQLModel in `models.py`, and a new profile is created
from the SQL generated from it (`storage/ddl.py`), which keeps `sqlmodel`'s import off every
start-up, the first one included.

Transactions are explicit: the connection runs in autocommit mode and `transaction()` issues
`BEGIN IMMEDIATE` ... `COMMIT`, rolling back on any error, so one user action is one write.

Faults become typed errors here, in one place (`translate`): a busy profile (another window or
command writing), a full disk, a read-only or damaged file. `transaction()` waits for a busy
profile in short attempts for up to `max_wait` seconds (telling `on_busy` once, so a screen can
say why it waits) instead of failing after SQLite's single timeout. A profile that cannot be
written is opened read-only: reading works, writing says so in one line.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from mastery.errors import (
    DatabaseBusyError,
    DatabaseCorruptError,
    DiskFullError,
    MasteryError,
    ProfileError,
    ReadOnlyError,
)

# Forward migrations: MIGRATIONS[n] upgrades a database from version n - 1 to n, inside the
# opening transaction.
from mastery.migrations import MIGRATIONS

# The schema version this code writes; kept equal to models.SCHEMA_VERSION (a test checks it)
# so opening an up-to-date profile never imports models.py.
SCHEMA_VERSION = 11


# How long one attempt to take the write lock waits inside SQLite, and how long `transaction()`
# keeps trying in all: a long import elsewhere commits in chunks, so a writer gets in between.
BUSY_TIMEOUT = 2.0
MAX_WAIT = 120.0

# SQLite's primary result codes (the low byte of `sqlite_errorcode`).
_SQLITE_PERM = 3
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26

_MAGIC = b"SQLite format 3\x00"
# Profiles this process has open, by real path, with how many connections. Reading one's
# header with open() and close() while a connection holds it would drop that connection's
# locks: POSIX releases every lock a process holds on a file when it closes any handle of it
# (SQLite works around this for its own handles only). Another process's SQLite then takes
# itself for the last one, folds the write-ahead log in and deletes it, and this process
# writes on into the deleted log: lost. A profile open here was checked when it was opened.
_OPEN_HERE: dict[str, int] = {}
_OPEN_LOCK = threading.Lock()
_EMPTY_HINT = "restore a backup with `mastery backup --restore`"


def translate(exc: BaseException, path: Path | str) -> MasteryError | None:
    """The typed error for a database fault (busy, full, read-only, damaged, unreadable), or
    None for anything else (a constraint or a bug), which callers re-raise unchanged."""
    if isinstance(exc, MasteryError):
        return exc
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return DiskFullError(getattr(exc, "filename", None) or path)
    if not isinstance(exc, sqlite3.Error):
        return None
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return DatabaseBusyError(path, 0)
    if code == _SQLITE_FULL:
        return DiskFullError(path)
    if code in (_SQLITE_READONLY, _SQLITE_PERM):
        return ReadOnlyError(path)
    if code == _SQLITE_CORRUPT:
        return DatabaseCorruptError(path, "the profile database is damaged (malformed)")
    if code == _SQLITE_NOTADB:
        return DatabaseCorruptError(path, "not a Mastery profile (not an SQLite database)")
    if code == _SQLITE_IOERR:
        return ProfileError(
            f"{path}: the profile file cannot be read or written (disk error: "
            f"{exc}); run `mastery check`"
        )
    if code == _SQLITE_CANTOPEN:
        return ProfileError(f"{path}: cannot open the profile database ({exc})")
    return None


def check_file(path: Path) -> None:
    """Refuse, before SQLite sees it, a file that cannot be a whole Mastery profile: empty,
    too short, not SQLite at all, or shorter than its own header says (truncated).

    SQLite would silently make an empty file a new, empty profile, and would only stumble on
    a truncated one in the middle of some later command."""
    size = path.stat().st_size
    wal = path.with_name(path.name + "-wal")
    wal_size = wal.stat().st_size if wal.exists() else 0
    if size == 0:
        if wal_size:
            return  # everything is still in the write-ahead log; SQLite recovers it
        raise DatabaseCorruptError(path, "empty file, not a Mastery profile", _EMPTY_HINT)
    with path.open("rb") as fh:
        header = fh.read(100)
    if len(header) < 100:
        raise DatabaseCorruptError(path, f"truncated ({size} bytes), not a whole profile")
    if not header.startswith(_MAGIC):
        raise DatabaseCorruptError(path, "not a Mastery profile (not an SQLite database)")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    header_valid = header[24:28] == header[92:96]
    # The in-header size is trusted by SQLite only when valid; pages still in a non-empty
    # write-ahead log may legitimately lie beyond the main file's end.
    if header_valid and pages and not wal_size and size < pages * page_size:
        raise DatabaseCorruptError(
            path, f"truncated ({size} of {pages * page_size} bytes), not a whole profile"
        )


def writable(path: Path) -> bool:
    """Whether this process may write the profile: its file and its folder (for the journal
    files SQLite creates beside it). A seam for tests, which run as root, whom chmod never
    stops."""
    folder = path.parent
    return os.access(folder, os.W_OK) and (not path.exists() or os.access(path, os.W_OK))


class Database:
    """An open profile database.

    `busy_timeout`, `max_wait` and `on_busy` say how `transaction()` waits for another writer;
    `read_only` is set when the profile could only be opened for reading."""

    def __init__(self, path: Path | str, conn: sqlite3.Connection, read_only: bool = False) -> None:
        self.path = Path(path)
        self.conn = conn
        self.read_only = read_only
        self.busy_timeout = BUSY_TIMEOUT
        self.max_wait = MAX_WAIT
        self.on_busy: Callable[[], None] | None = None
        self._timeout_set = BUSY_TIMEOUT
        self._depth = 0
        self._counted = False  # in `_OPEN_HERE`

    @classmethod
    def open(
        cls, path: Path | str, *, read_only: bool | None = None, _fresh: bool = False
    ) -> Database:
        """Open (creating if needed) and bring the schema up to date.

        A profile this process cannot write is opened read-only (unless `read_only` says
        otherwise); an empty, truncated or foreign file is refused with a
        `DatabaseCorruptError`, never turned into a new empty profile. (`_fresh`: the
        temporary file `_create` fills, opened as it is.)"""
        path = Path(path)
        memory = str(path) == ":memory:"
        if not memory and not _fresh:
            try:
                if path.exists():
                    if not _open_here(path):
                        check_file(path)
                else:
                    _create(path)
            except OSError as exc:
                raise translate(exc, path) or ProfileError(
                    f"{path}: cannot open the profile ({exc.strerror or exc})"
                ) from exc
        if read_only is None:
            read_only = not memory and not writable(path)
        conn: sqlite3.Connection | None = None
        try:
            conn = _connect(path, read_only)
            # Reads the schema now, so a damaged file fails here, in one place, and another
            # program's database is refused before anything (the journal mode) is changed.
            tables = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type='table'"
            ).fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if tables and not version:
                raise DatabaseCorruptError(
                    path,
                    "not a Mastery profile database (an SQLite file of another program)",
                    "check the path, or restore a backup with `mastery backup --restore`",
                )
            if not read_only:
                conn.execute("PRAGMA journal_mode=WAL")
        except (sqlite3.DatabaseError, MasteryError) as exc:
            if conn is not None:
                conn.close()
            if isinstance(exc, MasteryError):
                raise
            raise translate(exc, path) or ProfileError(
                f"{path}: cannot open profile database ({exc})"
            ) from exc
        conn.execute("PRAGMA foreign_keys=ON")
        # A REPLACE that removes a row fires its delete triggers only with this on, so the
        # statistics' counters (storage/counters.py) see every row that goes.
        conn.execute("PRAGMA recursive_triggers=ON")
        # NORMAL is durable enough in WAL mode (a power cut may lose the last answer, never
        # corrupt the file) and avoids an fsync per answer.
        conn.execute("PRAGMA synchronous=NORMAL")
        # Checkpoints run at close and on demand, not in the middle of a review session, where
        # they would make every ~100th answer stall (Anki's p99).
        conn.execute("PRAGMA wal_autocheckpoint=0")
        conn.execute("PRAGMA temp_store=MEMORY")
        conn.execute("PRAGMA cache_size=-16000")
        db = cls(path, conn, read_only)
        try:
            db._ensure_schema()
        except MasteryError:
            conn.close()
            raise
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise translate(exc, path) or DatabaseCorruptError(
                path, f"not a Mastery profile database ({exc})"
            ) from exc
        if not memory:
            db._counted = True
            _count(path, 1)
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
        if self.read_only:
            raise ReadOnlyError(self.path)  # it would need creating or upgrading first
        with self.transaction():
            if version == 0:
                create_schema(self.conn)
            else:
                for target in range(version + 1, SCHEMA_VERSION + 1):
                    MIGRATIONS[target](self.conn)
            self.conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @contextmanager
    def waiting(self, max_wait: float, on_busy: Callable[[], None] | None = None) -> Iterator[None]:
        """Wait at most `max_wait` seconds for the write lock inside this block (the TUI's
        first, quick attempt at an answer), telling `on_busy` instead of the usual listener."""
        saved = self.max_wait, self.on_busy
        self.max_wait, self.on_busy = max_wait, on_busy
        try:
            yield
        finally:
            self.max_wait, self.on_busy = saved

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write. Nested use joins the outer transaction.

        Waits for another writer (see `_begin`); a fault inside (full disk, damaged file)
        rolls back and becomes a typed error; other errors roll back and pass unchanged."""
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        if self.read_only:
            raise ReadOnlyError(self.path)
        self._begin()
        self._depth = 1
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException as exc:
            self._rollback()
            typed = translate(exc, self.path)
            if typed is None or typed is exc:
                raise
            raise typed from exc
        finally:
            self._depth = 0

    def _rollback(self) -> None:
        """Undo an unfinished transaction; SQLite may already have (after a full disk)."""
        if self.conn.in_transaction:
            # A failing rollback is not worth reporting: the original error is.
            with suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")

    def _begin(self) -> None:
        """Take the write lock: attempts of `busy_timeout` seconds (SQLite's own wait) with
        short pauses between them, for up to `max_wait` in all; `on_busy` is told once when
        the first attempt fails. Raises `DatabaseBusyError` if the other writer never ends."""
        start = time.monotonic()
        told = False
        pause = 0.02
        while True:
            left = self.max_wait - (time.monotonic() - start)
            self._set_timeout(max(0.0, min(self.busy_timeout, left)))
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.Error as exc:
                typed = translate(exc, self.path)
                if not isinstance(typed, DatabaseBusyError):
                    if typed is None:
                        raise
                    raise typed from exc
            waited = time.monotonic() - start
            if waited >= self.max_wait:
                raise DatabaseBusyError(self.path, waited)
            if not told and self.on_busy is not None:
                told = True
                self.on_busy()
            time.sleep(min(pause, max(0.0, self.max_wait - waited)))
            pause = min(pause * 2, 0.1)

    def _set_timeout(self, seconds: float) -> None:
        if seconds != self._timeout_set:
            self.conn.execute(f"PRAGMA busy_timeout={int(seconds * 1000)}")
            self._timeout_set = seconds

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the main file (at quiet moments and on close)."""
        if not self.read_only:
            self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def close(self) -> None:
        try:
            self.checkpoint()
        except sqlite3.Error:
            pass  # busy or full: the log stays and is folded in next time; closing matters
        finally:
            self.conn.close()
            if self._counted:
                self._counted = False
                _count(self.path, -1)


@contextmanager
def sorts_on_disk(conn: sqlite3.Connection) -> Iterator[None]:
    """Within the block, SQLite's sorts spill to temporary files instead of memory.

    A profile opens with `temp_store=MEMORY` (small sorts stay fast), but a GROUP BY over
    the whole review log (calibration, `mastery check`'s recount of the counters) sorts every
    answer it groups: at 10,000,000 answers those "files" held 470 MB in the process. On
    disk (the OS caches them) a sort keeps `cache_size` pages in memory and merges the rest.
    No temporary tables live on a profile's connection, so switching loses none. Within a
    transaction that has used temporary storage SQLite refuses the switch: the sorts then
    stay in memory (switch before the transaction, as `mastery check` does)."""
    (mode,) = conn.execute("PRAGMA temp_store").fetchone()
    try:
        conn.execute("PRAGMA temp_store=FILE")
        switched = True
    except sqlite3.OperationalError:
        switched = False
    try:
        yield
    finally:
        if switched:
            conn.execute(f"PRAGMA temp_store={int(mode)}")


def _connect(path: Path, read_only: bool) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), usable from a worker,
    whose rows are `sqlite3.Row`: code reads columns by name (`row["due"]`), never by position.

    Read-only: `mode=ro`, plus `immutable=1` when the folder is read-only too and no
    write-ahead log is left, since SQLite could then not create the shared-memory file
    a WAL database needs (nobody can write such a profile, so nothing changes under us)."""
    conn = _open_connection(path, read_only)
    conn.row_factory = sqlite3.Row
    return conn


def _open_connection(path: Path, read_only: bool) -> sqlite3.Connection:
    if not read_only:
        return sqlite3.connect(
            str(path), isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT
        )
    from urllib.parse import quote

    query = "mode=ro"
    wal = path.with_name(path.name + "-wal")
    if not os.access(path.parent, os.W_OK) and not wal.exists():
        query += "&immutable=1"
    uri = f"file:{quote(str(path.resolve()))}?{query}"
    return sqlite3.connect(
        uri, uri=True, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT
    )


def _create(path: Path) -> None:
    """Make a new profile database whole under a temporary name and link it into place, so
    a killed first run leaves no empty file and twenty simultaneous first runs make one
    profile (the link fails for all but the first)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.urandom(4).hex()}.new")
    try:
        Database.open(tmp, read_only=False, _fresh=True).close()
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        except OSError:
            # No hard links here (some network or FAT file systems): a rename is close enough.
            if not path.exists():
                os.replace(tmp, path)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
            leftover.unlink(missing_ok=True)


def create_schema(conn: sqlite3.Connection) -> None:
    """Create every table, index and trigger declared in models.py, from the SQL generated
    from it (`mastery.storage.ddl`), so a first run does not import SQLModel."""
    from mastery.storage.ddl import STATEMENTS

    for statement in STATEMENTS:
        conn.execute(statement)


def _real(path: Path) -> str:
    return os.path.realpath(path)


def _open_here(path: Path) -> bool:
    """Whether this process has a connection to the profile at `path` (see `_OPEN_HERE`)."""
    with _OPEN_LOCK:
        return _OPEN_HERE.get(_real(path), 0) > 0


def _count(path: Path, step: int) -> None:
    key = _real(path)
    with _OPEN_LOCK:
        left = _OPEN_HERE.get(key, 0) + step
        if left > 0:
            _OPEN_HERE[key] = left
        else:
            _OPEN_HERE.pop(key, None)
