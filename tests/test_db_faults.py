"""Database faults a user meets: a busy, full, read-only, damaged, emptied or foreign profile.

Each ends in one typed error (the CLI: one line on stderr, exit 2), never a traceback, and
leaves the profile as it was: an answer is either written whole or not at all.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from conftest import NOW
from mastery import db, paths
from mastery.cli import common as cli_common
from mastery.cli import main
from mastery.collection import Collection
from mastery.errors import (
    DatabaseBusyError,
    DatabaseCorruptError,
    DiskFullError,
    ReadOnlyError,
)
from mastery.files import write_atomic

DECK = """
id = "demo"
name = "Demo"

[[cards]]
id = "one"
front = "One?"
back = "1"

[[cards]]
id = "two"
front = "Two?"
back = "2"
"""


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--no-bundled-decks", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def profile(mastery_home: Path, write_deck) -> Path:
    """A closed profile with one two-card deck; returns its database path."""
    with Collection.open(bundled=False, now=NOW) as col:
        col.import_files([write_deck(DECK)], now=NOW)
        return col.db.path


def log_count(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM reviewlog").fetchone()[0])
    finally:
        conn.close()


def hold_write_lock(path: Path) -> sqlite3.Connection:
    """Another process's connection in the middle of a long write (an import)."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    return other


# ----------------------------------------------------------------------------- busy
def test_answer_waits_for_another_writer_and_lands(profile: Path) -> None:
    col = Collection.open_path(profile)
    told: list[str] = []
    col.db.on_busy = lambda: told.append("waiting")
    col.db.busy_timeout = 0.2  # short attempts, so the retry loop (and on_busy) runs
    card = col.card("demo/one")
    other = hold_write_lock(profile)
    release = threading.Timer(1.0, lambda: other.execute("COMMIT"))
    release.start()
    try:
        answered = col.answer(card.id, 3, now=NOW)
    finally:
        release.join()
        other.close()
    assert told == ["waiting"]  # said once, not once per attempt
    assert col.card_info(card.id).history[-1].id == answered.log_id
    col.close()
    assert log_count(profile) == 1


def test_answer_gives_up_with_a_typed_error_and_writes_nothing(profile: Path) -> None:
    col = Collection.open_path(profile)
    col.db.busy_timeout, col.db.max_wait = 0.1, 0.3
    card = col.card("demo/one")
    other = hold_write_lock(profile)
    try:
        with pytest.raises(DatabaseBusyError, match="another Mastery window"):
            col.answer(card.id, 3, now=NOW)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert col.card(card.id) == card  # not half-written
    assert log_count(profile) == 0
    # The answer was not lost for good: given again, it lands.
    col.answer(card.id, 3, now=NOW)
    col.close()
    assert log_count(profile) == 1


def test_cli_says_once_that_it_waits_then_succeeds(
    profile: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "BUSY_TIMEOUT", 0.2)
    other = hold_write_lock(profile)
    # The other command finishes only once this one has said it waits (no race with the
    # clock on a loaded machine).
    release = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    said = cli_common.say_waiting

    def say_then_release() -> None:
        said()
        release.start()

    monkeypatch.setattr(cli_common, "say_waiting", say_then_release)
    try:
        code, _, err = cli(capsys, "journal", "add", "learnt about locks")
    finally:
        if release.ident is not None:
            release.join()
        else:
            other.execute("ROLLBACK")
        other.close()
    assert code == 0
    assert err.count("waiting for another Mastery window") == 1


def test_cli_busy_for_too_long_is_one_line_and_exit_2(
    profile: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "BUSY_TIMEOUT", 0.1)
    monkeypatch.setattr(db, "MAX_WAIT", 0.3)
    other = hold_write_lock(profile)
    try:
        code, _, err = cli(capsys, "journal", "add", "never written")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert code == 2
    lines = err.strip().splitlines()
    assert "Traceback" not in err
    assert lines[-1].startswith("mastery: error:") and "another Mastery window" in lines[-1]
    conn = sqlite3.connect(profile)
    assert conn.execute("SELECT count(*) FROM journalentry").fetchone()[0] == 0
    conn.close()


# ----------------------------------------------------------------------------- damaged files
def test_emptied_profile_is_refused_not_recreated(
    profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile.write_bytes(b"")
    code, _, err = cli(capsys, "decks")
    assert code == 2
    assert err.strip().endswith(
        "empty file, not a Mastery profile; restore a backup with `mastery backup --restore`"
    )
    assert profile.stat().st_size == 0  # still empty: no new profile made over it


def test_truncated_profile_is_refused(profile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = profile.read_bytes()
    assert len(data) > 8192
    profile.write_bytes(data[: len(data) // 2])
    with pytest.raises(DatabaseCorruptError, match="truncated"):
        Collection.open_path(profile)
    code, _, err = cli(capsys, "stats")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "truncated" in err and "mastery check" in err


def test_random_bytes_are_refused(profile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile.write_bytes(os.urandom(20_000))
    before = profile.read_bytes()
    code, _, err = cli(capsys, "decks")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "not a Mastery profile" in err
    assert profile.read_bytes() == before


def test_a_short_fragment_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "short.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 20)
    with pytest.raises(DatabaseCorruptError, match="truncated"):
        db.Database.open(path)


def test_foreign_sqlite_database_is_refused_untouched(
    mastery_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = paths.database_path()
    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    code, _, err = cli(capsys, "decks")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "not a Mastery profile" in err
    assert path.read_bytes() == before


def test_damage_met_by_a_read_is_one_line_with_mastery_check(
    profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A page damaged in the middle of the file: opening works, the read that hits it fails."""
    conn = sqlite3.connect(profile)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name='card'").fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with profile.open("r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(b"\xff" * page_size)
    code, _, err = cli(capsys, "card", "show", "demo/one")
    assert code == 2
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "damaged" in err and "mastery check" in err


# ----------------------------------------------------------------------------- full disk
def test_full_database_rolls_back_the_whole_answer(profile: Path) -> None:
    col = Collection.open_path(profile)
    card = col.card("demo/one")
    pages = col.conn.execute("PRAGMA page_count").fetchone()[0]
    col.conn.execute(f"PRAGMA max_page_count={pages}")
    # Fill what is left of the last pages so the answer's log row needs a new one.
    with pytest.raises(DiskFullError, match="disk is full"), col.db.transaction() as conn:
        conn.execute("CREATE TABLE filler (x BLOB)")
        conn.execute("INSERT INTO filler VALUES (zeroblob(100000))")
    with pytest.raises(DiskFullError, match="disk is full"):
        for _ in range(50):  # each log row takes room; one of them no longer fits
            col.answer(card.id, 3, now=NOW)
    count = col.conn.execute("SELECT count(*) FROM reviewlog").fetchone()[0]
    reps = col.card(card.id).reps
    assert reps == count  # the failed answer left neither its log row nor its schedule
    col.close()


def test_cli_journal_add_on_a_full_disk_is_one_line(
    profile: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = db.Database.open

    def open_full(*args, **kwargs):  # type: ignore[no-untyped-def]
        database = real_open(*args, **kwargs)
        pages = database.conn.execute("PRAGMA page_count").fetchone()[0]
        database.conn.execute(f"PRAGMA max_page_count={pages}")
        return database

    monkeypatch.setattr(db.Database, "open", open_full)
    code, _, err = cli(capsys, "journal", "add", "x" * 200_000)
    assert code == 2 and "Traceback" not in err
    assert err.strip().splitlines() == [f"mastery: error: {DiskFullError(profile)}"]


def test_file_write_on_a_full_disk_is_a_disk_full_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    target = tmp_path / "export.toml"
    with pytest.raises(DiskFullError):
        write_atomic(target, "text")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind


# ----------------------------------------------------------------------------- read-only
@pytest.fixture
def read_only(profile: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The profile as a user without write permission sees it. Tests run as root, whom chmod
    never stops, so the permission check itself is replaced; SQLite's read-only mode is real."""
    monkeypatch.setattr(db, "writable", lambda path: False)
    return profile


def test_read_only_profile_opens_for_reading(
    read_only: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = read_only.read_bytes()
    code, out, err = cli(capsys, "decks")
    assert (code, err) == (0, "")
    assert "demo" in out
    code, out, _ = cli(capsys, "card", "show", "demo/one")
    assert code == 0 and "One?" in out
    code, out, _ = cli(capsys, "stats")
    assert code == 0
    assert read_only.read_bytes() == before


def test_read_only_profile_refuses_writes_in_one_line(
    read_only: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(capsys, "journal", "add", "cannot be saved")
    assert code == 2
    assert err.strip().splitlines() == [f"mastery: error: profile is read-only: {read_only}"]


def test_read_only_connection_really_cannot_write(read_only: Path) -> None:
    col = Collection.open_path(read_only)
    assert col.db.read_only
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        col.conn.execute("DELETE FROM card")  # even bypassing `transaction()`
    with pytest.raises(ReadOnlyError):
        col.answer(col.card("demo/one").id, 3, now=NOW)
    col.close()


def test_read_only_folder_without_write_ahead_log_opens_immutable(
    read_only: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only folder: SQLite could not create the WAL's shared-memory file, so the
    file is opened immutable (there can be no writer)."""
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode: False if Path(p) == read_only.parent else real_access(p, mode)
    )
    col = Collection.open_path(read_only)
    assert col.card("demo/one").front == "One?"
    col.close()
    assert not read_only.with_name("mastery.db-shm").exists()


# ----------------------------------------------------------------------------- creation
def test_first_open_leaves_no_temporary_files(mastery_home: Path) -> None:
    Collection.open(bundled=False).close()
    folder = paths.profile_dir()
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []
    assert paths.database_path().stat().st_size > 0


def test_open_with_busy_sleeps_no_longer_than_needed(profile: Path) -> None:
    """Reads are not blocked by another window's write (WAL)."""
    other = hold_write_lock(profile)
    try:
        started = time.monotonic()
        col = Collection.open_path(profile)
        assert col.card("demo/one").front == "One?"
        col.close()
        assert time.monotonic() - started < 1.5
    finally:
        other.execute("ROLLBACK")
        other.close()
