"""Two windows (or processes) on one profile: answers, undo, first use, a long import.

Whatever the interleaving, a card's schedule agrees with its newest review, an identity is
made once, and no answer is lost or half-written.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from anki_package import synthetic_package
from test_tui_helpers import SIZE, add_deck, make_app, screen_text

from conftest import NOW
from mastery import db
from mastery.collection import Collection
from mastery.decks import anki
from mastery.decks import library as library_module
from mastery.errors import ConflictError

CARDS = [("Capital of France?", "Paris"), ("Capital of Peru?", "Lima")]


@pytest.fixture
def profile(mastery_home: Path, write_deck) -> Path:
    with Collection.open(bundled=False, now=NOW) as col:
        add_deck(col, write_deck, "geo", "Geography", CARDS)
        return col.db.path


def assert_schedule_matches_history(col: Collection, card_id: int) -> None:
    """The card is where its newest review left it, and counts every review."""
    card = col.card(card_id)
    history = col.card_info(card_id).history
    assert card.reps == len(history)
    if history:
        last = history[-1]
        assert (card.state, card.due) == (last.state_after, last.due_after)
        assert card.stability == pytest.approx(last.stability_after)


def test_undo_is_refused_after_another_window_answered_the_card(profile: Path) -> None:
    a, b = Collection.open_path(profile), Collection.open_path(profile)
    card = a.card("geo/c1")
    a.answer(card.id, 3, now=NOW)
    b.answer(card.id, 1, now=NOW + timedelta(minutes=1))
    with pytest.raises(ConflictError, match="changed since .*another window.*not undone"):
        a.undo()
    assert_schedule_matches_history(a, card.id)
    assert [h.rating for h in a.card_info(card.id).history] == [3, 1]
    assert not a.can_undo  # the refused step is gone, not retried forever
    # The window that answered last can still take its answer back.
    assert b.undo() is not None
    assert_schedule_matches_history(b, card.id)
    assert [h.rating for h in b.card_info(card.id).history] == [3]
    a.close()
    b.close()


def test_undo_in_the_same_window_still_works_after_another_window_read(profile: Path) -> None:
    a, b = Collection.open_path(profile), Collection.open_path(profile)
    card = a.card("geo/c1")
    a.answer(card.id, 3, now=NOW)
    assert b.card(card.id).reps == 1  # reading changes nothing
    b.answer(b.card("geo/c2").id, 3, now=NOW)  # another card: no conflict
    restored = a.undo()
    assert restored is not None and (restored.reps, restored.state) == (0, 0)
    a.close()
    b.close()


def test_answer_reads_the_card_inside_its_transaction(profile: Path) -> None:
    """Window A is in the middle of answering; B answers the same card meanwhile: B waits,
    then builds on A's result instead of overwriting it from the state it saw before."""
    a, b = Collection.open_path(profile), Collection.open_path(profile)
    card = b.card("geo/c1")
    inside, release = threading.Event(), threading.Event()

    def answer_in_a() -> None:
        with a.db.transaction():
            a.answer(card.id, 3, now=NOW)
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=answer_in_a)
    worker.start()
    assert inside.wait(5)
    threading.Timer(0.5, release.set).start()
    b.answer(card.id, 3, now=NOW + timedelta(minutes=10))
    worker.join()
    history = b.card_info(card.id).history
    assert len(history) == 2
    assert history[1].state_before == history[0].state_after
    assert_schedule_matches_history(b, card.id)
    a.close()
    b.close()


def test_twenty_first_uses_at_once_make_one_profile_and_one_identity(
    mastery_home: Path,
) -> None:
    start = threading.Barrier(20)
    found: list[tuple[str, str]] = []
    errors: list[BaseException] = []

    def first_use() -> None:
        try:
            start.wait()
            with Collection.open(bundled=False, now=NOW) as col:
                found.append((col.mentor.pairing_id(), col.team.pseudonym("team-1")))
        except BaseException as exc:  # reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=first_use) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(found) == 20 and len(set(found)) == 1
    with Collection.open(bundled=False) as col:
        assert col.mentor.pairing_id() == found[0][0]
        folder = col.db.path.parent
    assert [p.name for p in folder.iterdir() if p.name.endswith(".new")] == []


# ----------------------------------------------------------------------------- long imports
@pytest.fixture
def big_package(tmp_path: Path) -> Path:
    return synthetic_package(60, history_every=2).write_latest(tmp_path / "big.apkg")


def reviews(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT c.key, r.rating, r.reviewed_at, r.state_after, r.due_after FROM reviewlog r "
            "JOIN card c ON c.id = r.card_id ORDER BY c.key, r.reviewed_at"
        ).fetchall()
    finally:
        conn.close()


def test_history_import_commits_in_chunks_so_others_get_in(
    profile: Path, big_package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(library_module, "HISTORY_CHUNK_CARDS", 5)
    # Longer than SQLite's 100 ms between polls of a waiting writer: it surely gets in.
    monkeypatch.setattr(library_module, "HISTORY_CHUNK_PAUSE", 0.3)
    other = Collection.open_path(profile)
    card = other.card("geo/c1")
    real = anki.replay_history
    calls: list[int] = []
    landed: list[int] = []

    def answer() -> None:
        with other.db.waiting(2.0):  # far less than the whole import would take
            other.answer(card.id, 3, now=NOW)
        landed.append(len(calls))

    waiter = threading.Thread(target=answer)

    def replay(conn, history, *args):  # type: ignore[no-untyped-def]
        calls.append(len(history))
        if len(calls) == 2:
            waiter.start()  # another window answers while this chunk holds the lock
        return real(conn, history, *args)

    monkeypatch.setattr(anki, "replay_history", replay)
    col = Collection.open_path(profile)
    reports = col.import_files([big_package], now=NOW, with_history=True)
    waiter.join()
    assert max(calls) <= 5 and len(calls) > 3
    assert landed and landed[0] < len(calls)  # it got in between chunks, not at the end
    assert sum(r.history_cards for r in reports) == sum(calls)
    assert other.card(card.id).reps == 1
    col.close()
    other.close()


def test_killed_history_import_is_completed_by_importing_again(
    profile: Path, big_package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The reference: the same package imported whole into a copy of the profile (the same
    # card ids, so the same fuzz).
    fresh = tmp_path / "fresh.db"
    shutil.copyfile(profile, fresh)
    with Collection.open_path(fresh) as col:
        col.import_files([big_package], now=NOW, with_history=True)
    monkeypatch.setattr(library_module, "HISTORY_CHUNK_CARDS", 5)
    real = anki.replay_history
    calls: list[int] = []

    def dies_in_the_third_chunk(conn, history, *args):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 3:
            real(conn, history, *args)
            raise KeyboardInterrupt  # killed mid-chunk: this chunk must vanish whole
        return real(conn, history, *args)

    monkeypatch.setattr(anki, "replay_history", dies_in_the_third_chunk)
    with Collection.open_path(profile) as col, pytest.raises(KeyboardInterrupt):
        col.import_files([big_package], now=NOW, with_history=True)
    partial = reviews(profile)
    assert 0 < len(partial) < len(reviews(fresh))
    with Collection.open_path(profile) as col:
        for card in col.search_cards(""):
            assert_schedule_matches_history(col, card.id)  # each card whole or untouched
    monkeypatch.setattr(anki, "replay_history", real)
    with Collection.open_path(profile) as col:
        col.import_files([big_package], now=NOW, with_history=True)
        for card in col.search_cards(""):
            assert_schedule_matches_history(col, card.id)
    assert reviews(profile) == reviews(fresh)  # nothing missing, nothing twice


# ----------------------------------------------------------------------------- the TUI
async def test_tui_answer_waits_for_another_window_then_lands(
    profile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "BUSY_TIMEOUT", 0.2)
    col = Collection.open_path(profile)
    app = make_app(col)
    other = sqlite3.connect(profile, isolation_level=None, check_same_thread=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "space")
        await pilot.pause()
        other.execute("BEGIN IMMEDIATE")  # another window starts a long write
        await pilot.press("3")
        await pilot.pause()
        assert any("Waiting for another Mastery window" in m for _, m in app.notes)
        assert "Capital of France?" in screen_text(app)  # kept on screen while it waits
        other.execute("COMMIT")  # the other window finishes: the waiting answer goes in
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Capital of Peru?" in screen_text(app)  # the answer landed: next card
        assert not any(sev == "error" for sev, _ in app.notes)
    other.close()
    assert col.card("geo/c1").reps == 1
    col.close()


async def test_tui_answer_that_cannot_land_keeps_the_card_and_says_so(
    profile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "BUSY_TIMEOUT", 0.1)
    monkeypatch.setattr(db, "MAX_WAIT", 0.5)
    col = Collection.open_path(profile)
    app = make_app(col)
    other = sqlite3.connect(profile, isolation_level=None, check_same_thread=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "space")
        await pilot.pause()
        other.execute("BEGIN IMMEDIATE")
        await pilot.press("3")
        await app.workers.wait_for_complete()
        await pilot.pause()
        other.execute("ROLLBACK")
        assert "Capital of France?" in screen_text(app)
        assert any(sev == "error" and "answer it again" in m for sev, m in app.notes), app.notes
        await pilot.press("3")  # the lock is gone: the same answer now lands
        await pilot.pause()
        assert "Capital of Peru?" in screen_text(app)
    other.close()
    assert col.card("geo/c1").reps == 1
    col.close()


async def test_tui_undo_refused_after_another_window_answered(profile: Path) -> None:
    col = Collection.open_path(profile)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "space", "3")
        await pilot.pause()
        with Collection.open_path(profile) as other:
            other.answer(other.card("geo/c1").id, 1, now=NOW + timedelta(minutes=1))
        await pilot.press("u")
        await pilot.pause()
        assert any(sev == "error" and "not undone" in m for sev, m in app.notes)
        assert "Capital of Peru?" in screen_text(app)  # the screen stays where it was
    assert [h.rating for h in col.card_info(col.card("geo/c1").id).history] == [3, 1]
    assert_schedule_matches_history(col, col.card("geo/c1").id)
    col.close()


async def test_tui_ends_with_one_line_and_exit_2_on_an_uncaught_fault(
    profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A database fault no screen caught (here raised from a timer) ends the app with exit
    code 2 and the CLI's one line; before, a traceback and exit code 0 from `mastery`."""
    col = Collection.open_path(profile)
    app = make_app(col)

    def damaged_read() -> None:
        exc = sqlite3.DatabaseError("database disk image is malformed")
        exc.sqlite_errorcode = 11  # type: ignore[attr-defined]  # SQLITE_CORRUPT
        raise exc

    async with app.run_test(size=SIZE):
        app.call_later(damaged_read)
    assert app.return_code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "".join(err.split()) == "".join(  # one line, wrapped to the terminal's width
        f"mastery: error: {profile}: the profile database is damaged (malformed); "
        "run `mastery check`, or restore a backup with `mastery backup --restore`".split()
    )
    col.close()


def test_a_second_collection_in_the_app_process_keeps_the_apps_writes_safe_from_other_windows(
    col: Collection,
) -> None:
    """The app opens a second collection in its own process for the daily backup and each
    sync. Opening read the file's header with a plain open() and close(): closing any handle
    of a file drops every POSIX lock the process holds on it, the app's connection's too. The
    next `mastery` command in another window then took itself for the last one, folded the
    write-ahead log into the file and deleted it, and every later write of the app went into
    the deleted log: lost, though the app said "Saved"."""
    import subprocess
    import sys

    path = col.db.path
    entry = col.journal.add("before", now=NOW)
    with Collection.open_path(path):  # the worker's (backup, sync)
        pass
    other = (
        "import sys; from mastery.collection import Collection; "
        "Collection.open_path(sys.argv[1]).close()"
    )
    subprocess.run([sys.executable, "-c", other, str(path)], check=True)  # another window
    col.journal.edit(entry.uid, body="after", now=NOW)
    seen = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("
            "'SELECT body FROM journalentry').fetchone()[0])",
            str(path),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert seen == "after"
