"""Backups: daily and manual rotate apart, damaged databases are refused, temp files never
linger, and a restore brings back exactly the backed-up profile (keeping a safety copy)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from conftest import NOW
from mastery import backup, paths
from mastery.cli import main
from mastery.collection import Collection
from mastery.errors import DatabaseCorruptError, NotFoundError, ProfileError

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


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def damage(path: Path) -> None:
    """Write garbage over a page in the middle of the journal table (a bad disk, a bad copy):
    the schema stays readable, so only a check can tell."""
    conn = sqlite3.connect(path)
    try:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        leaves = [
            r[0]
            for r in conn.execute(
                "SELECT pageno FROM dbstat WHERE name = 'journalentry' AND pagetype = 'leaf' "
                "ORDER BY pageno"
            )
        ]
    finally:
        conn.close()
    assert len(leaves) > 4, "not enough pages to damage one in the middle"
    with path.open("r+b") as fh:
        fh.seek((leaves[len(leaves) // 2] - 1) * page_size + 8)
        fh.write(os.urandom(page_size - 16))


def new_profile() -> Collection:
    """A profile the test closes itself (the `col` fixture would close it a second time)."""
    c = Collection.open(bundled=False, now=NOW)
    c.set_setting("timezone", "UTC")
    return c


def big_enough(col: Collection) -> None:
    """Enough rows that the middle of the file is table and index pages, not free space."""
    with col.db.transaction() as conn:
        conn.executemany(
            "INSERT INTO journalentry (uid, day, title, body, tags, visibility, created_at, updated_at) "
            "VALUES (?, '2026-11-21', 't', ?, '', 'private', 0, 0)",
            [(f"e-{i}", "x" * 300) for i in range(400)],
        )


# ----------------------------------------------------------------------------- rotation
def test_seven_manual_backups_keep_every_daily_one(col: Collection) -> None:
    dailies = [col.auto_backup(now=NOW + timedelta(days=i)) for i in range(3)]
    manuals = [col.backup(now=NOW + timedelta(days=3, minutes=i)) for i in range(9)]
    kept = {p.name for p in col.backups()}
    assert all(p is not None and p.name in kept for p in dailies)
    assert {p.name for p in manuals[-7:]} <= kept
    assert not {p.name for p in manuals[:2]} & kept  # the oldest manual ones went
    assert dailies[0] is not None and dailies[0].name == "daily-2026-11-21.db"
    assert manuals[0].name == "manual-20261124-100000.db"


def test_daily_backups_keep_the_newest_seven_days(col: Collection) -> None:
    made = [col.auto_backup(now=NOW + timedelta(days=i)) for i in range(9)]
    assert [p.name for p in col.backups()] == [p.name for p in made[-7:] if p]


def test_old_named_backups_are_listed_and_never_rotated_away(col: Collection) -> None:
    folder = col.backup_dir
    folder.mkdir(parents=True, exist_ok=True)
    col.backup(dest=folder / "mastery-20260101-120000.db", now=NOW)
    for i in range(8):
        col.backup(now=NOW + timedelta(minutes=i))
    listed = backup.list_backups(folder)
    assert listed[-1].name == "mastery-20260101-120000.db" and listed[-1].kind == "old"
    assert listed[-1].cards == 0
    assert [i.kind for i in listed].count("manual") == 7


# ----------------------------------------------------------------------------- damage
def test_a_damaged_database_is_not_backed_up_and_no_good_backup_is_lost(write_deck) -> None:
    col = new_profile()
    col.import_files([write_deck(DECK)], now=NOW)
    big_enough(col)
    good = [col.backup(now=NOW + timedelta(minutes=i)) for i in range(7)]  # a full rotation
    good.append(col.auto_backup(now=NOW))
    col.close()
    path = paths.database_path()
    damage(path)
    damaged = Collection.open_path(path)
    try:
        with pytest.raises(DatabaseCorruptError, match="looks damaged.*mastery check"):
            damaged.backup(now=NOW + timedelta(hours=1))
        with pytest.raises(DatabaseCorruptError):
            damaged.auto_backup(now=NOW + timedelta(days=1))
    finally:
        damaged.conn.close()
    assert [n for n in names(paths.backup_dir()) if n != ".backup.lock"] == sorted(
        p.name for p in good if p
    )


def test_cli_backup_of_a_damaged_database_is_one_line_and_exit_2(capsys) -> None:
    col = new_profile()
    big_enough(col)
    col.close()
    damage(paths.database_path())
    code = main(["--no-bundled-decks", "backup"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "looks damaged" in err and "mastery check" in err
    assert not any(p.suffix == ".db" for p in paths.backup_dir().glob("*"))


# ----------------------------------------------------------------------------- temp files
def test_leftover_temp_files_of_killed_backups_are_removed(col: Collection) -> None:
    folder = col.backup_dir
    folder.mkdir(parents=True)
    leftovers = [folder / ".backup-999-dead.tmp", folder / ".backup-998-beef.tmp-journal"]
    for leftover in leftovers:
        leftover.write_bytes(b"\0" * 100_000)
    other = folder / "notes.tmp"  # not ours: left alone
    other.write_text("mine")
    col.backup(now=NOW)
    assert not any(p.exists() for p in leftovers)
    assert other.exists()


def test_a_backup_failing_mid_copy_leaves_no_temp_file(
    col: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    def half_then_fail(conn: sqlite3.Connection, out: sqlite3.Connection) -> None:
        out.execute("CREATE TABLE partial (x)")
        out.execute("INSERT INTO partial VALUES (zeroblob(50000))")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup, "_copy_pages", half_then_fail)
    with pytest.raises(Exception, match="No space left on device"):
        col.backup(now=NOW)
    assert [n for n in names(col.backup_dir) if n != ".backup.lock"] == []


def test_a_killed_backup_process_leaves_a_temp_file_the_next_backup_removes() -> None:
    """A real kill: a child process starts a backup and dies (os._exit) in the middle."""
    col = new_profile()
    col.close()
    script = (
        "import os, sys\n"
        "from mastery import backup\n"
        "from mastery.collection import Collection\n"
        "def die(conn, out):\n"
        "    out.execute('CREATE TABLE t (x)')\n"
        "    out.execute('INSERT INTO t VALUES (zeroblob(100000))')\n"
        "    os._exit(9)\n"
        "backup._copy_pages = die\n"
        "Collection.open_path(sys.argv[1]).backup()\n"
    )
    path = paths.database_path()
    subprocess.run([sys.executable, "-c", script, str(path)], check=False)
    folder = paths.backup_dir()
    assert any(n.startswith(".backup-") for n in names(folder))  # the kill left it
    with Collection.open_path(path) as again:
        again.backup(now=NOW)
    assert not any(n.startswith(".backup-") and "tmp" in n for n in names(folder))


# ----------------------------------------------------------------------------- restore
def answer(path: Path, when: int) -> None:
    with Collection.open_path(path) as c:
        c.answer(c.card("demo/one").id, 3, now=NOW + timedelta(days=when))


def review_count(path: Path) -> int:
    with Collection.open_path(path) as c:
        return int(c.conn.execute("SELECT count(*) FROM reviewlog").fetchone()[0])


def test_restore_round_trip_keeps_a_safety_backup(write_deck, capsys) -> None:
    col = new_profile()
    col.import_files([write_deck(DECK)], now=NOW)
    path = col.db.path
    col.close()
    answer(path, 0)
    assert main(["--no-bundled-decks", "backup"]) == 0
    answer(path, 3)
    assert review_count(path) == 2
    capsys.readouterr()

    assert main(["--no-bundled-decks", "backup", "--restore", "1"]) == 0
    out = capsys.readouterr().out
    assert "Restored manual-" in out and "kept as" in out
    assert review_count(path) == 1  # the later answer is gone
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    safety = [p for p in backup.list_backups(paths.backup_dir()) if p.kind == "safety"]
    assert len(safety) == 1 and safety[0].cards == 2
    with Collection.open_path(safety[0].path) as kept:
        assert kept.conn.execute("SELECT count(*) FROM reviewlog").fetchone()[0] == 2


def test_restore_by_name_and_listing(write_deck, capsys) -> None:
    col = new_profile()
    col.import_files([write_deck(DECK)], now=NOW)
    first = col.backup(now=NOW)
    col.auto_backup(now=NOW + timedelta(days=1))
    col.close()
    assert main(["--no-bundled-decks", "backup", "--restore"]) == 0  # no name: the list
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "daily" in lines[2] and "2026-11-22" in lines[2]  # newest first, after the header
    assert "manual" in lines[3] and first.name in lines[3] and " 2 " in lines[3]
    assert main(["--no-bundled-decks", "backup", "--list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [b["kind"] for b in listed] == ["daily", "manual"]
    assert listed[1]["cards"] == 2 and listed[1]["size"] > 0
    assert main(["--no-bundled-decks", "backup", "--restore", first.stem]) == 0
    assert first.name in capsys.readouterr().out


def test_restore_of_an_unknown_backup_is_one_line(capsys) -> None:
    col = new_profile()
    col.backup(now=NOW)
    col.close()
    for which in ("7", "nope"):
        assert main(["--no-bundled-decks", "backup", "--restore", which]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "--list" in err


def test_restore_refuses_a_damaged_backup_and_changes_nothing(write_deck) -> None:
    col = new_profile()
    col.import_files([write_deck(DECK)], now=NOW)
    big_enough(col)
    made = col.backup(now=NOW)
    col.close()
    damage(made)
    before = paths.database_path().read_bytes()
    with pytest.raises(DatabaseCorruptError, match="damaged"):
        backup.restore(paths.database_path(), paths.backup_dir(), "1", now=NOW)
    assert paths.database_path().read_bytes() == before
    assert [i.kind for i in backup.list_backups(paths.backup_dir())] == ["manual"]


def test_restore_refuses_while_the_profile_is_open(col: Collection) -> None:
    col.backup(now=NOW)
    # `col` stays open, as a running app would hold it.
    with pytest.raises(ProfileError, match="open in another Mastery"):
        backup.restore(col.db.path, col.backup_dir, "1", now=NOW)
    assert col.conn.execute("SELECT count(*) FROM card").fetchone()[0] == 0  # still usable


def test_restore_over_a_damaged_profile_keeps_its_bytes(write_deck) -> None:
    col = new_profile()
    col.import_files([write_deck(DECK)], now=NOW)
    big_enough(col)
    col.backup(now=NOW)
    path = col.db.path
    col.close()
    damage(path)
    damaged = path.read_bytes()
    report = backup.restore(path, paths.backup_dir(), "1", now=NOW + timedelta(hours=1))
    # Byte for byte past the header (leaving WAL mode rewrote the header's mode bytes).
    assert report.safety is not None and report.safety.read_bytes()[100:] == damaged[100:]
    with Collection.open_path(path) as restored:
        assert restored.conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        assert restored.card("demo/one").front == "One?"


def test_stale_restore_temp_files_are_removed() -> None:
    col = new_profile()
    col.backup(now=NOW)
    path = col.db.path
    col.close()
    stale = path.parent / ".restore-1-dead.tmp"
    stale.write_bytes(b"\0" * 1000)
    old = time.time() - 3600
    os.utime(stale, (old, old))
    fresh = path.parent / ".restore-2-live.tmp"  # maybe another restore at work: kept
    fresh.write_bytes(b"\0")
    backup.restore(path, paths.backup_dir(), "1", now=NOW)
    assert not stale.exists() and fresh.exists()


def test_find_backup_without_backups() -> None:
    with pytest.raises(NotFoundError, match="no backups yet"):
        backup.find_backup(paths.backup_dir(), "1")
