"""Backups of a profile database: made, rotated, listed and restored.

Three kinds live in the profile's `backups/` folder, told apart by their file names:

- daily (`daily-YYYY-MM-DD.db`): made once a learner's day when the app starts; newest 7 kept;
- manual (`manual-YYYYMMDD-HHMMSS.db`): `mastery backup`; newest 7 kept;
- safety (`safety-YYYYMMDD-HHMMSS.db`): the file a restore replaced; newest 3 kept.

Each kind rotates on its own, so a burst of manual backups never pushes out the daily ones.
Backups made by older versions (`mastery-YYYYMMDD-HHMMSS.db`) are listed and can be restored,
but never deleted automatically.

A backup is written only from a database that passes SQLite's `quick_check` (every page and
record readable; the full `integrity_check` takes ~30 s on a 1,000,000-review profile against
~2 s, so it is left to `mastery check`), into a temp file in the backups folder that is
fsynced and renamed: a reader sees a whole backup or none, and rotation runs only after a
good backup landed, so it never deletes a good one to make room for a bad one. Backups are
self-contained files (rollback-journal mode, no -wal beside them), so copying one is enough.
Media files (`media/`) are not part of a backup.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from mastery.errors import DatabaseCorruptError, MasteryError, NotFoundError, ProfileError
from mastery.limits import ref_number

KEEP = {"daily": 7, "manual": 7, "safety": 3}
"""How many backups of each kind rotation keeps."""

TMP_PREFIX = ".backup-"
RESTORE_PREFIX = ".restore-"
STALE_SECONDS = 60.0
"""A restore temp file untouched this long belongs to a killed run (a live copy writes often)."""

_NAMES = (
    ("daily", re.compile(r"^daily-(\d{4}-\d{2}-\d{2})\.db$"), "%Y-%m-%d"),
    ("manual", re.compile(r"^manual-(\d{8}-\d{6})(?:-\d+)?\.db$"), "%Y%m%d-%H%M%S"),
    ("safety", re.compile(r"^safety-(\d{8}-\d{6})(?:-\d+)?\.db$"), "%Y%m%d-%H%M%S"),
    ("old", re.compile(r"^mastery-(\d{8}-\d{6})\.db$"), "%Y%m%d-%H%M%S"),
)

CHECK_HINT = "run `mastery check`, or `mastery backup --restore` to go back to a backup"


@dataclass(frozen=True, slots=True)
class BackupInfo:
    """One backup file as listed: what kind, when it was made, how big, how many cards."""

    path: Path
    kind: str  # daily / manual / safety / old
    made_at: datetime  # UTC (a daily backup: midnight UTC of its date)
    size: int  # bytes
    cards: int | None  # None when the file cannot be read

    @property
    def name(self) -> str:
        return self.path.name

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "path": str(self.path),
            "kind": self.kind,
            "made_at": self.made_at.isoformat(),
            "size": self.size,
            "cards": self.cards,
        }


@dataclass(frozen=True, slots=True)
class RestoreReport:
    """What `restore` did: the backup now in force and where the replaced file was kept."""

    restored: BackupInfo
    safety: Path | None  # None when there was no current file, or it could not be read


# ----------------------------------------------------------------------------- listing
def _parse(path: Path) -> tuple[str, datetime] | None:
    for kind, pattern, fmt in _NAMES:
        match = pattern.match(path.name)
        if match:
            try:
                return kind, datetime.strptime(match.group(1), fmt).replace(tzinfo=UTC)
            except ValueError:
                return None
    return None


def backup_paths(folder: Path, kind: str | None = None) -> list[Path]:
    """Backup files in `folder` (of one `kind`, or all), oldest first."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob("*.db"):
        parsed = _parse(path)
        if parsed and (kind is None or parsed[0] == kind):
            found.append((parsed[1], path.name, path))
    return [path for _, _, path in sorted(found)]


def list_backups(folder: Path, *, count_cards: bool = True) -> list[BackupInfo]:
    """Every backup in `folder`, newest first (the order `--restore N` counts in)."""
    infos = []
    for path in reversed(backup_paths(folder)):
        parsed = _parse(path)
        assert parsed is not None
        try:
            size = path.stat().st_size
        except OSError:
            continue  # deleted meanwhile (rotation in another process)
        cards = _card_count(path) if count_cards else None
        infos.append(BackupInfo(path, parsed[0], parsed[1], size, cards))
    return infos


def _read_only(path: Path) -> sqlite3.Connection:
    """A connection that never writes, locks or creates -wal/-shm files beside `path`."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)


def _card_count(path: Path) -> int | None:
    try:
        conn = _read_only(path)
        try:
            return int(conn.execute("SELECT count(*) FROM card").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return None


# ----------------------------------------------------------------------------- checking
def quick_check(conn: sqlite3.Connection) -> str | None:
    """None when SQLite's quick_check passes, else its first complaint (one line)."""
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    complaints = [str(row[0]) for row in rows]  # PRAGMA columns have no stable name
    if complaints == ["ok"]:
        return None
    return one_line(complaints[0]) if complaints else "no answer from quick_check"


def one_line(complaint: str) -> str:
    """SQLite's check output on one line, without its "*** in database main ***" banner."""
    lines = [line.strip() for line in complaint.splitlines()]
    return " ".join(line for line in lines if line and not line.startswith("***"))


# ----------------------------------------------------------------------------- making
def make_backup(
    conn: sqlite3.Connection,
    source: Path,
    folder: Path,
    *,
    kind: str = "manual",
    now: datetime,
    day: date | None = None,
    dest: Path | None = None,
) -> Path:
    """Copy the open database `conn` (the file `source`) into `folder` as a backup of `kind`.

    `day` names a daily backup; `dest` writes exactly there instead (no rotation). Refuses with
    `DatabaseCorruptError` when the database fails `quick_check`: a damaged copy would later
    push a good one out of the rotation.
    """
    problem = quick_check(conn)
    if problem:
        raise DatabaseCorruptError(
            source, f"the database looks damaged ({problem})", f"no backup written: {CHECK_HINT}"
        )
    target_dir = dest.parent if dest is not None else folder
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
        with _folder_lock(target_dir):
            _remove_leftovers(target_dir)
            target = dest or _new_name(folder, kind, now, day)
            _write(conn, target)
            if dest is None:
                rotate(folder, kind)
    except OSError as exc:
        raise MasteryError(f"{target_dir}: cannot write a backup ({exc.strerror or exc})") from exc
    return target


def _new_name(folder: Path, kind: str, now: datetime, day: date | None) -> Path:
    if kind == "daily":
        return folder / f"daily-{(day or now.date()).isoformat()}.db"
    stamp = now.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    target = folder / f"{kind}-{stamp}.db"
    n = 2
    while target.exists():  # two in one second: keep both
        target = folder / f"{kind}-{stamp}-{n}.db"
        n += 1
    return target


def _copy_pages(conn: sqlite3.Connection, out: sqlite3.Connection) -> None:
    """SQLite's online backup: a consistent copy even while other connections write."""
    conn.backup(out)


def _write(conn: sqlite3.Connection, target: Path) -> None:
    """Copy into a temp file beside `target`, make it self-contained, fsync and rename.

    The temp file is removed on any failure, so a failed backup leaves nothing behind.
    """
    tmp = target.parent / f"{TMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}.tmp"
    try:
        out = sqlite3.connect(str(tmp), isolation_level=None)
        try:
            _copy_pages(conn, out)
            # The copy inherits WAL mode; a rollback-journal file needs nothing beside it.
            out.execute("PRAGMA journal_mode=DELETE")
        finally:
            out.close()
        _fsync(tmp)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    finally:
        tmp.unlink(missing_ok=True)
        for side in ("-journal", "-wal", "-shm"):
            Path(f"{tmp}{side}").unlink(missing_ok=True)


def rotate(folder: Path, kind: str) -> list[Path]:
    """Delete the oldest backups of `kind` beyond `KEEP[kind]`; other kinds are untouched."""
    keep = KEEP.get(kind)
    if not keep:
        return []
    paths = backup_paths(folder, kind)
    removed = paths[:-keep]
    for old in removed:
        old.unlink(missing_ok=True)
        Path(f"{old}-wal").unlink(missing_ok=True)  # a damaged file's log, kept beside it
    return removed


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """One backup or restore at a time per folder (the app's daily worker and a CLI run)."""
    from filelock import FileLock, Timeout

    try:
        with FileLock(str(folder / ".backup.lock"), timeout=60):
            yield
    except Timeout:
        raise MasteryError(f"{folder}: another backup is still running; try again") from None


def _remove_leftovers(folder: Path) -> None:
    """Temp files of killed or failed runs. Called under the folder lock, so every temp file
    with our prefix is a leftover: a running backup would hold the lock."""
    for leftover in folder.glob(f"{TMP_PREFIX}*.tmp*"):
        leftover.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable (POSIX); Windows cannot open a folder and needs no such step."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ----------------------------------------------------------------------------- restoring
def find_backup(folder: Path, which: str) -> BackupInfo:
    """A backup by its file name (with or without `.db`) or by its number in the list
    (1 = newest)."""
    infos = list_backups(folder, count_cards=False)
    if not infos:
        raise NotFoundError(f"{folder}: no backups yet")
    which = which.strip()
    if which.isdigit():
        n = ref_number(which) or 0  # 5,000 digits or "²": no such backup either
        if 1 <= n <= len(infos):
            return infos[n - 1]
        raise NotFoundError(
            f"no backup number {n}: there are {len(infos)} (see `mastery backup --list`)"
        )
    for info in infos:
        if which in (info.name, info.path.stem):
            return info
    raise NotFoundError(f"no backup named {which!r} (see `mastery backup --list`)")


def check_backup(path: Path, schema_version: int) -> None:
    """Refuse a backup that is damaged, not a profile, or made by a newer Mastery."""
    try:
        conn = _read_only(path)
        try:
            problem = quick_check(conn)
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            has_cards = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='card'"
            ).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        problem = str(exc)
    if problem:
        raise DatabaseCorruptError(path, f"this backup is damaged ({problem})", "pick another")
    if not has_cards or version < 1:
        raise DatabaseCorruptError(path, "not a Mastery profile database", "pick another")
    if version > schema_version:
        raise ProfileError(f"{path}: made by a newer Mastery (schema {version}); please upgrade")


def restore(db_path: Path, folder: Path, which: str, *, now: datetime) -> RestoreReport:
    """Replace the profile database `db_path` with a backup, after checking the backup and
    keeping the current file as a safety backup.

    Refuses while another process has the profile open (SQLite will not leave WAL mode then):
    replacing a file under a running app would lose its next answers or mix two files.
    The replacement is a rename, so a crash leaves the old file or the restored one; the old
    file's -wal/-shm are folded in or removed first, so they can never be applied to the
    restored file.
    """
    from mastery.db import SCHEMA_VERSION

    info = find_backup(folder, which)
    check_backup(info.path, SCHEMA_VERSION)
    profile = db_path.parent
    safety: Path | None = None
    try:
        with _folder_lock(folder):
            _remove_stale(profile, RESTORE_PREFIX)
            if db_path.exists():
                safety = _set_aside(db_path, folder, now)
            for side in ("-wal", "-shm", "-journal"):
                Path(f"{db_path}{side}").unlink(missing_ok=True)
            tmp = profile / f"{RESTORE_PREFIX}{os.getpid()}-{secrets.token_hex(4)}.tmp"
            try:
                shutil.copyfile(info.path, tmp)
                _fsync(tmp)
                os.replace(tmp, db_path)
                _fsync_dir(profile)
            finally:
                tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise MasteryError(f"{db_path}: cannot restore ({exc.strerror or exc})") from exc
    return RestoreReport(info, safety)


def _set_aside(db_path: Path, folder: Path, now: datetime) -> Path | None:
    """Take the live file out of use and copy it into a safety backup.

    A healthy file is switched out of WAL mode first (this folds its log in, and fails when
    another process has it open: the restore is then refused) and copied with the online
    backup. A damaged file is copied byte for byte, with its -wal, so nothing is lost; no
    safety copy is made when the file cannot be read at all.
    """
    try:
        conn = sqlite3.connect(str(db_path), isolation_level=None, timeout=0.5)
    except sqlite3.Error:
        return _raw_copy(db_path, folder, now)
    try:
        try:
            mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise _in_use(db_path) from None
            mode = None
        except sqlite3.DatabaseError:
            mode = None
        if mode is not None and str(mode).lower() != "delete":
            raise _in_use(db_path)
        if mode is not None and quick_check(conn) is None:
            folder.mkdir(parents=True, exist_ok=True)
            target = _new_name(folder, "safety", now, None)
            _write(conn, target)
            rotate(folder, "safety")
            return target
    finally:
        conn.close()
    return _raw_copy(db_path, folder, now)


def _in_use(db_path: Path) -> ProfileError:
    return ProfileError(
        f"{db_path}: the profile is open in another Mastery (app or command); "
        "close it, then restore"
    )


def _raw_copy(db_path: Path, folder: Path, now: datetime) -> Path | None:
    folder.mkdir(parents=True, exist_ok=True)
    target = _new_name(folder, "safety", now, None)
    tmp = folder / f"{TMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}.tmp"
    try:
        shutil.copyfile(db_path, tmp)
        _fsync(tmp)
        wal = Path(f"{db_path}-wal")
        if wal.exists():
            shutil.copyfile(wal, Path(f"{target}-wal"))
        os.replace(tmp, target)
    except OSError:
        return None  # unreadable: nothing to keep
    finally:
        tmp.unlink(missing_ok=True)
    rotate(folder, "safety")
    return target


def _remove_stale(folder: Path, prefix: str) -> None:
    """Temp files of killed runs: ours by their prefix, and untouched for a minute."""
    import time

    cutoff = time.time() - STALE_SECONDS
    for leftover in folder.glob(f"{prefix}*.tmp"):
        with contextlib.suppress(OSError):
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
