"""Sync between devices (issue 14, docs/sync.md): two and three profiles over a plain folder
and a local bare git repository; answers kept from every device, the same state everywhere
whatever the order, nothing readable on the host, and damaged files or killed syncs refused or
finished without losing anything."""

from __future__ import annotations

import io
import json
import random
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import NOW
from mastery import paths
from mastery.collection import Collection
from mastery.days import utcnow
from mastery.errors import SyncError
from mastery.sync import Sync, chunks, merge

PASS = "correct horse battery staple"
DECK = """
id = "capitals"
name = "Capitals"

[[cards]]
id = "fr"
front = "Capital of Zanzibarland?"
back = "Quuxopolis"

[[cards]]
id = "de"
front = "Capital of Frobnitzia?"
back = "Bazingrad"

[[cards]]
id = "it"
front = "Capital of Wombatia?"
back = "Plughaven"
"""
SECRETS = (b"Zanzibarland", b"Quuxopolis", b"Frobnitzia", b"Bazingrad", b"capitals")


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    path = tmp_path / "capitals.toml"
    path.write_text(DECK, encoding="utf-8")
    return path


@pytest.fixture
def open_profile(
    tmp_path: Path, empty_profile_db: Path, deck: Path
) -> Iterator[Callable[..., Collection]]:
    """A profile in a home of its own (one device), with the deck imported unless told not."""
    opened: list[Collection] = []

    def make(name: str, *, with_deck: bool = True) -> Collection:
        home = tmp_path / f"home-{name}"
        db = paths.database_path(name, home)
        db.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(empty_profile_db, db)
        col = Collection.open(name, home=home, bundled=False, now=NOW)
        # Every setting at its default, the time zone too (the computer's, one for every
        # device here): settings sync, and a set one would be one more event in every
        # device's first chunk. Tests of settings set their own.
        col.reset_setting("timezone")
        if with_deck:
            col.import_files([deck], now=NOW)
        opened.append(col)
        return col

    yield make
    for col in opened:
        col.close()


def sync_of(col: Collection) -> Sync:
    return Sync(col, fast_kdf=True)


def bare_repo(tmp_path: Path) -> str:
    repo = tmp_path / "remote.git"
    subprocess.run(
        ["git", "init", "--quiet", "--bare", "--initial-branch=main", str(repo)], check=True
    )
    return str(repo)


def read_first(monkeypatch: pytest.MonkeyPatch, col: Collection) -> None:
    """Joining devices read `col`'s chunks before the other devices'."""
    first = sync_of(col).status().device
    real = chunks.devices
    monkeypatch.setattr(
        chunks, "devices", lambda where: sorted(real(where), key=lambda d: d != first)
    )


def card_id(col: Collection, key: str) -> int:
    return col.card(f"capitals/{key}").id


def state_of(col: Collection) -> tuple[Any, ...]:
    """What must be equal on every device: cards' schedules and content, the review log and
    the decks, by keys."""
    cards = col.conn.execute(
        "SELECT d.key, c.key, c.state, c.step, c.stability, c.difficulty, c.due, "
        "c.last_review, c.reps, c.lapses, c.suspended, c.buried_until, c.front, c.back, "
        "c.tags, c.note_key, c.position, c.in_deck FROM card c JOIN deck d ON d.id = c.deck_id "
        "ORDER BY d.key, c.key"
    ).fetchall()
    decks = col.conn.execute(
        "SELECT key, name, description, tags, version FROM deck ORDER BY key"
    ).fetchall()
    logs = col.conn.execute(
        "SELECT d.key, c.key, r.reviewed_at, r.rating, r.duration_ms, r.state_before, "
        "r.state_after, r.due_before, r.due_after, r.stability_after, r.difficulty_after, "
        "r.elapsed_days, r.scheduled_days FROM reviewlog r JOIN card c ON c.id = r.card_id "
        "JOIN deck d ON d.id = c.deck_id WHERE r.kind = 'review' "
        "ORDER BY d.key, c.key, r.reviewed_at, r.rating"
    ).fetchall()
    return (
        tuple(tuple(r) for r in cards),
        tuple(tuple(r) for r in logs),
        tuple(tuple(r) for r in decks),
        notes_of(col),
    )


def notes_of(col: Collection) -> tuple[Any, ...]:
    """Journal entries and goals by uid, with their goal links, milestones, decks, realities
    and check-ins (local row ids differ between devices)."""
    conn = col.conn

    def rows(sql: str, *params: Any) -> tuple[tuple[Any, ...], ...]:
        return tuple(tuple(r) for r in conn.execute(sql, params))

    entries = tuple(
        (
            *e[1:],
            rows(
                "SELECT g.uid FROM entrygoal eg JOIN goal g ON g.id = eg.goal_id "
                "WHERE eg.entry_id = ? ORDER BY g.uid",
                e[0],
            ),
        )
        for e in rows(
            "SELECT id, uid, day, title, body, prompt, tags, visibility, created_at, "
            "conflict_of FROM journalentry ORDER BY uid"
        )
    )
    goals = tuple(
        (
            *g[1:],
            rows(
                "SELECT position, title, done_at FROM milestone WHERE goal_id = ? "
                "ORDER BY position",
                g[0],
            ),
            rows(
                "SELECT d.key FROM goaldeck gd JOIN deck d ON d.id = gd.deck_id "
                "WHERE gd.goal_id = ? ORDER BY d.key",
                g[0],
            ),
            rows(
                "SELECT text, recorded_at FROM goalreality WHERE goal_id = ? "
                "ORDER BY recorded_at, text",
                g[0],
            ),
            rows(
                "SELECT day, confidence, note, recorded_at FROM checkin WHERE goal_id = ? "
                "ORDER BY day",
                g[0],
            ),
        )
        for g in rows(
            "SELECT id, uid, title, vision, category, target_date, status, cadence, "
            "visibility, created_at, closed_at, conflict_of FROM goal ORDER BY uid"
        )
    )
    return entries, goals


def answers_of(col: Collection) -> list[tuple[str, int, int]]:
    rows = col.conn.execute(
        "SELECT c.key, r.reviewed_at, r.rating FROM reviewlog r JOIN card c ON c.id = r.card_id "
        "WHERE r.kind = 'review' ORDER BY r.reviewed_at, c.key"
    )
    return [tuple(r) for r in rows]


@pytest.fixture(params=["folder", "git"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "git":
        return bare_repo(tmp_path)
    folder = tmp_path / "synced-folder"
    folder.mkdir()
    return str(folder)


def test_answers_on_two_devices_the_same_day_are_all_kept(
    open_profile: Callable[..., Collection], target: str
) -> None:
    laptop, desktop = open_profile("laptop"), open_profile("desktop")
    laptop.answer(card_id(laptop, "fr"), 3, now=NOW)
    laptop.answer(card_id(laptop, "de"), 1, now=NOW + timedelta(minutes=1))
    desktop.answer(card_id(desktop, "fr"), 1, now=NOW + timedelta(hours=2))
    desktop.answer(card_id(desktop, "it"), 4, now=NOW + timedelta(hours=2, minutes=1))

    first = sync_of(laptop).setup(target, PASS)
    assert not first.joined and first.sent == 2 and first.received == 0
    joined = sync_of(desktop).setup(target, PASS)
    assert joined.joined and joined.received == 2 and joined.sent == 2
    again = sync_of(laptop).run(PASS)
    assert again.received == 2 and again.sent == 0

    assert len(answers_of(laptop)) == 4
    assert state_of(laptop) == state_of(desktop)
    fr = laptop.card("capitals/fr")
    assert fr.reps == 2  # both answers of the same day count
    # A sync with nothing new changes nothing and writes no chunk.
    assert sync_of(desktop).run(PASS).sent == 0
    assert sync_of(laptop).status().chunks_sent == 1


def test_three_devices_syncing_in_random_orders_end_identical(
    open_profile: Callable[..., Collection], target: str, deck: Path
) -> None:
    devices = [open_profile(name, with_deck=False) for name in ("a", "b", "c")]
    for col in devices:  # each its own copy of the file, which its edits write
        copy = deck.parent / f"copy-{col.db.path.parent.name}" / deck.name
        copy.parent.mkdir()
        shutil.copyfile(deck, copy)
        col.import_files([copy], now=NOW)
    for col in devices:
        sync_of(col).setup(target, PASS)
    rng = random.Random(14)
    moment = NOW
    rounds = 3 if target.endswith(".git") else 6
    for _ in range(rounds):
        for col in devices:
            for _ in range(rng.randint(0, 3)):
                moment += timedelta(minutes=rng.randint(1, 600))
                col.answer(
                    card_id(col, rng.choice(["fr", "de", "it"])), rng.randint(1, 4), now=moment
                )
                if rng.random() < 0.2:
                    assert col.undo() is not None  # undo is an event too
            if rng.random() < 0.3:  # suspension and burial: the latest change wins
                card = card_id(col, rng.choice(["fr", "de", "it"]))
                if rng.random() < 0.5:
                    col.bury(card, now=moment)
                elif col.card(card).suspended:
                    col.unsuspend([card], now=moment)
                else:
                    col.suspend([card], now=moment)
            if rng.random() < 0.4:  # flags, marks and edits: the latest change wins
                card = card_id(col, rng.choice(["fr", "de", "it"]))
                what = rng.random()
                if what < 0.4:
                    col.set_flag([card], rng.randint(0, 7), now=moment)
                elif what < 0.7:
                    col.set_marked([card], rng.random() < 0.5, now=moment)
                else:
                    view = col.card(card)
                    col.edit_card(card, f"{view.front} {rng.randint(0, 9)}", view.back, ["x"])
            edit_notes(col, rng, moment)
        for col in rng.sample(devices, k=rng.randint(1, 3)):
            sync_of(col).run(PASS)
    for _ in range(2):  # two full rounds: everyone has everything
        for col in rng.sample(devices, k=3):
            sync_of(col).run(PASS)
    states = [state_of(col) for col in devices]
    assert states[0] == states[1] == states[2]
    assert len(states[0][1]) == sum(len(answers_of(c)) for c in devices) // 3 > 0
    entries, goals = states[0][3]
    assert entries and goals  # journal entries and goals were compared too


def edit_notes(col: Collection, rng: random.Random, moment: datetime) -> None:
    """A random journal or goal change: add, edit (often the same entry or goal as another
    device, so conflicts happen), delete, resolve a conflict copy, a milestone or check-in."""
    listed = col.journal.list()
    goals = col.goals.list("all", now=moment)
    roll = rng.random()
    if roll < 0.25 or not listed:
        col.journal.add(f"entry {rng.random():.6f}", now=moment)
    elif roll < 0.45:
        entry = rng.choice(listed)
        if entry.conflict_of:
            col.journal.resolve(entry.uid, rng.choice(["this", "other", "both"]))
        else:
            col.journal.edit(entry.uid, body=f"edit {rng.random():.6f}", now=moment)
    elif roll < 0.5:
        col.journal.delete(rng.choice(listed).uid)
    elif roll < 0.6 or not goals:
        col.goals.add(f"goal {rng.random():.6f}", milestones=["one"], now=moment)
    elif roll < 0.75:
        goal = rng.choice(goals)
        if goal.conflict_of:
            col.goals.resolve(goal.uid, rng.choice(["this", "other", "both"]))
        else:
            col.goals.edit(goal.uid, title=f"goal {rng.random():.6f}", now=moment)
    elif roll < 0.85:
        goal = rng.choice(goals)
        col.goals.check_in(goal.uid, rng.randint(1, 10), "why", now=moment)
        col.goals.edit(goal.uid, reality=f"reality {rng.random():.6f}", now=moment)
    else:
        col.goals.complete_milestone(rng.choice(goals).uid, 1, now=moment)


def test_undo_is_an_event_that_reaches_the_other_device(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    a.answer(card_id(a, "fr"), 3, now=NOW)
    a.answer(card_id(a, "de"), 3, now=NOW + timedelta(minutes=1))
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    assert len(answers_of(b)) == 2
    assert a.undo() is not None  # the answer on "de", already sent
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    assert [key for key, _, _ in answers_of(b)] == ["fr"]
    assert b.card("capitals/de").reps == 0
    assert state_of(a) == state_of(b)


def test_cram_answers_stay_on_the_device(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    a.cram_answer(card_id(a, "fr"), 3, now=NOW)
    assert sync_of(a).run(PASS).sent == 0
    sync_of(b).run(PASS)
    assert b.conn.execute("SELECT count(*) FROM reviewlog").fetchone()[0] == 0


def test_answers_for_a_deck_not_here_yet_wait_until_it_is_imported(
    open_profile: Callable[..., Collection], tmp_path: Path, deck: Path
) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b", with_deck=False)
    a.answer(card_id(a, "fr"), 3, now=NOW)
    sync_of(a).setup(str(folder), PASS)
    assert sync_of(b).setup(str(folder), PASS).received == 0
    assert sync_of(b).status().pending_answers == 1
    b.import_files([deck], now=NOW)
    assert sync_of(b).run(PASS).received == 1
    assert sync_of(b).status().pending_answers == 0
    assert state_of(a) == state_of(b)


def test_the_host_sees_no_card_text_and_no_answers(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    remote = bare_repo(tmp_path)
    folder = tmp_path / "t"
    folder.mkdir()
    for where in (remote, str(folder)):
        col = open_profile(f"p{len(where)}")
        col.answer(card_id(col, "fr"), 3, now=NOW)
        col.answer(card_id(col, "de"), 1, now=NOW + timedelta(minutes=5))
        sync_of(col).setup(where, PASS)
    seen = b""
    for path in [*Path(remote).rglob("*"), *folder.rglob("*")]:
        if path.is_file():
            seen += path.read_bytes()
            assert not any(word in path.name.encode() for word in SECRETS)
    objects = subprocess.run(
        ["git", "-C", remote, "cat-file", "--batch-all-objects", "--batch"],
        capture_output=True,
        check=True,
    ).stdout
    seen += objects
    assert b"chunk" in objects  # the blobs and trees were read, not just compressed files
    for word in (*SECRETS, PASS.encode(), b'"rating"', b'"answer"'):
        assert word not in seen


def test_a_wrong_passphrase_is_one_line_and_nothing_is_stored(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    sync_of(open_profile("a")).setup(str(folder), PASS)
    b = open_profile("b")
    with pytest.raises(SyncError, match="wrong sync passphrase"):
        sync_of(b).setup(str(folder), "not it")
    assert sync_of(b).status().target is None


@pytest.mark.parametrize("damage", ["tampered", "truncated", "foreign", "moved"])
def test_a_damaged_or_foreign_chunk_is_refused_with_nothing_applied(
    open_profile: Callable[..., Collection], tmp_path: Path, damage: str
) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    a.answer(card_id(a, "fr"), 3, now=NOW)
    sync_of(a).run(PASS)
    a.answer(card_id(a, "de"), 3, now=NOW + timedelta(minutes=1))
    sync_of(a).run(PASS)
    device = a.meta("sync")["device"]
    first, second = folder / device / "00000001.chunk", folder / device / "00000002.chunk"
    data = second.read_bytes()
    if damage == "tampered":
        second.write_bytes(data[:40] + bytes([data[40] ^ 1]) + data[41:])
    elif damage == "truncated":
        second.write_bytes(data[: len(data) // 2])
    elif damage == "foreign":  # sealed with another passphrase, in the right place
        from mastery.sync import crypto

        _, other_key = crypto.new_header("another one", fast=True)
        second.write_bytes(crypto.seal(other_key, device, 2, []))
    else:  # chunk 1 copied over chunk 2: authentic, but not in its place
        second.write_bytes(first.read_bytes())
    before = state_of(b)
    with pytest.raises(SyncError) as caught:
        sync_of(b).run(PASS)
    message = str(caught.value)
    assert "\n" not in message and "00000002.chunk" in message
    assert state_of(b) == before  # nothing applied, not even the good chunk 1
    assert b.meta("sync")["seen"] == {}
    second.write_bytes(data)  # the real chunk comes back (synced again): the next sync finishes
    assert sync_of(b).run(PASS).received == 2
    assert state_of(a) == state_of(b)


def test_a_chunk_damaged_for_good_is_mended_as_its_line_says(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    """Bit rot on the host, a bad copy by the synced-folder tool: the damaged chunk would stop
    every other device's sync for ever (b's own answers included). The line says what to do;
    done, the device that wrote it writes it again, and everyone ends the same."""
    folder = tmp_path / "t"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    for minute, key in enumerate(("fr", "de", "it")):
        a.answer(card_id(a, key), 3, now=NOW + timedelta(minutes=minute))
        sync_of(a).run(PASS)
    b.answer(card_id(b, "fr"), 1, now=NOW + timedelta(hours=1))
    device = a.meta("sync")["device"]
    damaged = folder / device / "00000002.chunk"
    data = bytearray(damaged.read_bytes())
    data[60] ^= 0x10
    damaged.write_bytes(bytes(data))
    for _ in range(2):  # the next sync does not mend it by itself
        with pytest.raises(SyncError) as caught:
            sync_of(b).run(PASS)
    message = str(caught.value)
    assert "\n" not in message and "00000002.chunk" in message
    assert "remove it from the target" in message and "writes it again" in message
    damaged.unlink()  # as the line says
    assert sync_of(a).run(PASS).rewritten == 1
    sync_of(b).run(PASS)
    sync_of(a).run(PASS)
    assert len(answers_of(a)) == len(answers_of(b)) == 4
    assert state_of(a) == state_of(b)


def test_files_that_are_not_ours_are_passed_over(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b")
    a.answer(card_id(a, "fr"), 3, now=NOW)
    sync_of(a).setup(str(folder), PASS)
    (folder / "README.md").write_text("notes")
    (folder / ".DS_Store").write_bytes(b"\0\1")
    (folder / "not-a-device").mkdir()
    device = a.meta("sync")["device"]
    (folder / device / "notes.txt").write_text("x")
    assert sync_of(b).setup(str(folder), PASS).received == 1


def test_a_sync_killed_mid_way_is_finished_by_the_next(
    open_profile: Callable[..., Collection], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    device = a.meta("sync")["device"]
    # kill -9 while writing: a partial temp file beside where the chunk goes.
    (folder / device).mkdir()
    (folder / device / ".00000001.chunk.1f2e3d4c.tmp").write_bytes(b"\x00half a chunk")
    a.answer(card_id(a, "fr"), 3, now=NOW)

    # kill -9 after the chunk was written, before the profile recorded it.
    def killed(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(merge, "mark_sent", killed)
    with pytest.raises(KeyboardInterrupt):
        sync_of(a).run(PASS)
    monkeypatch.undo()
    assert (folder / device / "00000001.chunk").exists()
    assert a.meta("sync")["next_seq"] == 1  # the profile never recorded it
    # Meanwhile another device already read the chunk; then a second answer.
    assert sync_of(b).run(PASS).received == 1
    a.answer(card_id(a, "de"), 2, now=NOW + timedelta(minutes=3))
    report = sync_of(a).run(PASS)
    assert report.sent == 1  # only the new answer: chunk 1 was recognised, not rewritten
    assert chunks.sequences(folder, device) == [1, 2]
    assert not list((folder / device).glob("*.tmp"))
    assert sync_of(b).run(PASS).received == 1
    assert len(answers_of(b)) == 2
    assert state_of(a) == state_of(b)


def test_git_push_race_between_two_devices_retries(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    remote = bare_repo(tmp_path)
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(remote, PASS)
    sync_of(b).setup(remote, PASS)
    a.answer(card_id(a, "fr"), 3, now=NOW)
    b.answer(card_id(b, "de"), 3, now=NOW + timedelta(minutes=1))
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)  # b's clone is behind: its first push is refused, then rebased
    sync_of(a).run(PASS)
    assert state_of(a) == state_of(b)
    assert len(answers_of(a)) == 2


def test_sync_without_setup_says_what_to_do(open_profile: Callable[..., Collection]) -> None:
    with pytest.raises(SyncError, match="sync setup"):
        sync_of(open_profile("a")).run(PASS)


# ----------------------------------------------------------------------------- the command line
def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from mastery.cli import main

    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_setup_sync_and_status_on_two_devices(
    open_profile: Callable[..., Collection],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mastery.sync import crypto

    real = crypto.new_header
    monkeypatch.setattr(crypto, "new_header", lambda p, fast=False: real(p, fast=True))
    remote = bare_repo(tmp_path)
    phrase = tmp_path / "phrase"
    phrase.write_text(PASS + "\n", encoding="utf-8")
    a, b = open_profile("a"), open_profile("b")
    a.answer(card_id(a, "fr"), 3, now=NOW)
    home_a, home_b = str(a.db.path.parents[2]), str(b.db.path.parents[2])
    a.close()
    b.close()

    code, out, err = _cli(
        capsys,
        "sync",
        "setup",
        remote,
        "--passphrase-file",
        str(phrase),
        "--home",
        home_a,
        "--profile",
        "a",
    )
    assert code == 0, err
    assert "Nobody can recover it" in " ".join(out.split()) and "Set up sync with" in out
    assert "1 event sent" in out
    monkeypatch.setenv("MASTERY_SYNC_PASSPHRASE", PASS)
    code, out, err = _cli(capsys, "sync", "setup", remote, "--home", home_b, "--profile", "b")
    assert code == 0, err
    assert "Joined sync" in out and "1 answer received from 1 other device" in out
    code, out, _ = _cli(capsys, "sync", "status", "--json", "--home", home_b, "--profile", "b")
    status = json.loads(out)
    assert status["kind"] == "git" and status["chunks_sent"] == 0 and status["unsent_answers"] == 0
    code, out, _ = _cli(capsys, "sync", "--home", home_b, "--profile", "b")
    assert code == 0 and "0 answers received" in out

    monkeypatch.setenv("MASTERY_SYNC_PASSPHRASE", "guess")
    code, out, err = _cli(capsys, "sync", "--home", home_a, "--profile", "a")
    assert code == 2 and err == "mastery: error: wrong sync passphrase for this target\n"
    monkeypatch.delenv("MASTERY_SYNC_PASSPHRASE")
    # Setup remembered the key: no passphrase needed; once forgotten, one line, no prompt.
    code, out, err = _cli(capsys, "sync", "--home", home_a, "--profile", "a")
    assert code == 0 and "0 answers received" in out, err
    code, out, _ = _cli(capsys, "sync", "forget-key", "--home", home_a, "--profile", "a")
    assert code == 0 and "Forgot the sync key" in out
    code, out, err = _cli(capsys, "sync", "--home", home_a, "--profile", "a")
    assert code == 2 and "--passphrase-file F or set MASTERY_SYNC_PASSPHRASE" in err
    assert err.count("\n") == 1


def test_cli_sync_before_setup_and_a_missing_folder_are_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, col: Collection
) -> None:
    code, out, err = _cli(capsys, "sync", "status")
    assert code == 0 and "Not set up" in out
    code, out, err = _cli(capsys, "sync")
    assert code == 2 and "sync setup TARGET" in err and err.count("\n") == 1
    code, out, err = _cli(
        capsys, "sync", "setup", str(tmp_path / "nowhere"), "--passphrase-file", __file__
    )
    assert code == 2 and "no such folder" in err and err.count("\n") == 1


def test_cli_setup_from_a_script_without_a_passphrase_is_one_line_and_sets_nothing_up(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    col: Collection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """cron, a script: no terminal, no --passphrase-file, no MASTERY_SYNC_PASSPHRASE (or an
    empty one). One line saying how to give it, never a prompt that waits; then the file
    and the variable each set it up without asking."""
    from mastery.sync import crypto

    real = crypto.new_header
    monkeypatch.setattr(crypto, "new_header", lambda p, fast=False: real(p, fast=True))
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal; a prompt would fail
    folder = tmp_path / "t"
    folder.mkdir()
    for value in (None, ""):
        if value is None:
            monkeypatch.delenv("MASTERY_SYNC_PASSPHRASE", raising=False)
        else:
            monkeypatch.setenv("MASTERY_SYNC_PASSPHRASE", value)
        code, _, err = _cli(capsys, "sync", "setup", str(folder))
        assert code == 2 and err.count("\n") == 1, err
        assert "--passphrase-file F or set MASTERY_SYNC_PASSPHRASE" in err
        assert col.sync.status().target is None and list(folder.iterdir()) == []
    phrase = tmp_path / "phrase"
    phrase.write_text(PASS + "\n", encoding="utf-8")
    code, out, err = _cli(capsys, "sync", "setup", str(folder), "--passphrase-file", str(phrase))
    assert code == 0 and "Set up sync" in out, err
    monkeypatch.setenv("MASTERY_SYNC_PASSPHRASE", PASS)
    col.sync.forget_key()
    code, out, err = _cli(capsys, "sync")
    assert code == 0 and "Synced" in out, err


def test_a_restored_backup_gets_its_later_answers_back_from_the_target(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    a = open_profile("a")
    sync_of(a).setup(str(folder), PASS)
    backup = a.backup(now=NOW)
    a.answer(card_id(a, "fr"), 3, now=NOW + timedelta(minutes=1))
    a.answer(card_id(a, "de"), 1, now=NOW + timedelta(minutes=2))
    sync_of(a).run(PASS)
    a.undo()  # the answer on "de", sent; its undo is sent next
    sync_of(a).run(PASS)
    expected = state_of(a)
    path = a.db.path
    a.close()
    shutil.copyfile(backup, path)  # the day's work lost on this device, not on the target
    restored = Collection.open_path(path)
    try:
        assert answers_of(restored) == []
        sync_of(restored).run(PASS)
        assert [key for key, _, _ in answers_of(restored)] == ["fr"]
        assert state_of(restored) == expected
        assert sync_of(restored).run(PASS).sent == 0  # nothing sent twice
    finally:
        restored.close()


def test_a_git_target_starting_with_a_dash_is_a_path_and_one_line(
    open_profile: Callable[..., Collection], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    a = open_profile("a")
    with pytest.raises(SyncError) as caught:
        sync_of(a).setup("--upload-pack=touch pwned.git", PASS)
    assert "\n" not in str(caught.value)
    assert "git clone" in str(caught.value)
    assert not (tmp_path / "pwned.git").exists()


def test_setting_up_another_git_remote_before_anything_was_sent_clones_it(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    first, second = bare_repo(tmp_path), str(tmp_path / "other.git")
    subprocess.run(["git", "init", "-q", "--bare", "--initial-branch=main", second], check=True)
    a = open_profile("a")
    sync_of(a).setup(first, PASS)
    sync_of(a).setup(second, PASS)
    a.answer(card_id(a, "fr"), 3, now=NOW)
    sync_of(a).run(PASS)
    log = subprocess.run(["git", "-C", second, "log", "--oneline"], capture_output=True, text=True)
    assert log.stdout.count("sync") == 2  # the header, then the chunk


def test_the_same_history_on_two_devices_is_not_counted_twice(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    """Both devices imported the same Anki package with its history: the same answers (card,
    moment, rating) under two devices' ids are one answer."""
    folder = tmp_path / "t"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b")
    for col in (a, b):
        col.answer(card_id(col, "fr"), 3, now=NOW)
        col.answer(card_id(col, "de"), 1, now=NOW + timedelta(minutes=1))
    b.answer(card_id(b, "it"), 4, now=NOW + timedelta(minutes=2))
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    sync_of(a).run(PASS)
    assert len(answers_of(a)) == len(answers_of(b)) == 3
    assert state_of(a) == state_of(b)
    assert sync_of(a).run(PASS).sent == sync_of(b).run(PASS).sent == 0


def test_a_push_refused_mid_way_is_finished_by_the_next_sync(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    """The remote refuses the push (offline, a hook, a full disk on the server): one line,
    the chunk stays committed in the local clone, and the next sync pushes it."""
    remote = bare_repo(tmp_path)
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(remote, PASS)
    sync_of(b).setup(remote, PASS)
    marker = tmp_path / "refuse"
    hook = Path(remote) / "hooks" / "pre-receive"
    hook.write_text(f"#!/bin/sh\n[ -e '{marker}' ] && exit 1\nexit 0\n", encoding="utf-8")
    hook.chmod(0o755)
    marker.touch()
    a.answer(card_id(a, "fr"), 3, now=NOW)
    with pytest.raises(SyncError) as caught:
        sync_of(a).run(PASS)
    assert "\n" not in str(caught.value) and "the next sync pushes it" in str(caught.value)
    assert sync_of(b).run(PASS).received == 0
    marker.unlink()
    assert sync_of(a).run(PASS).sent == 0  # nothing new: the kept chunk is pushed
    assert sync_of(b).run(PASS).received == 1
    assert state_of(a) == state_of(b)


def test_suspending_and_burying_reach_the_other_device_and_the_latest_change_wins(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    a.suspend([card_id(a, "fr")], now=NOW)
    until = b.bury(card_id(b, "de"), now=NOW)
    assert sync_of(a).run(PASS).sent == 1
    sync_of(b).run(PASS)
    sync_of(a).run(PASS)
    assert b.card("capitals/fr").suspended and a.card("capitals/de").buried_until == until
    assert state_of(a) == state_of(b)
    # Both change "fr" between syncs: b first, a later; a's change is the newer one.
    b.bury(card_id(b, "fr"), now=NOW)
    a.unsuspend([card_id(a, "fr")], now=NOW)
    sync_of(b).run(PASS)
    # A card change is stamped when it is synced, to the millisecond: a's sync comes a
    # second later here, so two syncs in one millisecond (a tie, decided by the random
    # device ids: docs/sync.md) cannot make this test flaky.
    later = utcnow() + timedelta(seconds=1)
    a.set_clock(lambda: later)
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    assert state_of(a) == state_of(b)
    fr = b.card("capitals/fr")
    assert not fr.suspended and fr.buried_until is None
    # Nothing left to send on either side.
    assert sync_of(a).run(PASS).sent == sync_of(b).run(PASS).sent == 0


def test_two_syncs_of_one_profile_at_once_take_turns(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    """The app and a cron job sync the same profile at the same moment: one waits for the
    other, and the answers go out once."""
    import threading

    folder = tmp_path / "t"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    for i, key in enumerate(("fr", "de", "it")):
        a.answer(card_id(a, key), 3, now=NOW + timedelta(minutes=i))
    errors: list[BaseException] = []

    def sync_in_a_thread() -> None:
        try:
            with Collection.open_path(a.db.path) as col:
                sync_of(col).run(PASS)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=sync_in_a_thread) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    device = a.meta("sync")["device"]
    assert chunks.sequences(folder, device) == [1]
    assert sync_of(b).run(PASS).received == 3
    assert state_of(a) == state_of(b)


def test_a_replaced_header_is_refused_before_anything_is_sealed_with_its_key(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    """The host (or a device setting the target up again) puts another header in place, made
    with the same passphrase: the key it gives would seal chunks nobody else can open, and the
    chunks already there could no longer be read. One line; nothing is written or applied."""
    from mastery.sync import crypto

    folder = tmp_path / "t"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    original = (folder / chunks.HEADER_NAME).read_bytes()
    chunks.write_header(folder, crypto.new_header(PASS, fast=True)[0])
    a.answer(card_id(a, "fr"), 3, now=NOW)
    with pytest.raises(SyncError, match="header changed") as caught:
        sync_of(a).run(PASS)
    assert "\n" not in str(caught.value)
    assert chunks.sequences(folder, a.meta("sync")["device"]) == []
    with pytest.raises(SyncError, match="header changed"):
        sync_of(b).setup(str(folder), PASS)
    (folder / chunks.HEADER_NAME).write_bytes(original)  # the real header comes back
    assert sync_of(a).run(PASS).sent == 1
    assert sync_of(b).run(PASS).received == 1


def test_a_target_with_chunks_but_no_header_is_not_given_a_new_one(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    """The header was deleted (or has not arrived yet on this device's copy of the folder):
    a new header would make every chunk already there unreadable."""
    folder = tmp_path / "t"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b")
    a.answer(card_id(a, "fr"), 3, now=NOW)
    sync_of(a).setup(str(folder), PASS)
    (folder / chunks.HEADER_NAME).unlink()
    with pytest.raises(SyncError, match="no sync header"):
        sync_of(b).setup(str(folder), PASS)
    assert not (folder / chunks.HEADER_NAME).exists()
    assert sync_of(b).status().target is None


def test_two_devices_setting_up_one_git_remote_at_once_both_end_joined(
    open_profile: Callable[..., Collection], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """B reads the empty remote, A sets it up and pushes, then B pushes its own header: B's
    push is refused. One line, no half-made rebase left in B's clone; B's next setup joins."""
    from mastery.sync.transport import GitTarget

    url = bare_repo(tmp_path)
    a, b = open_profile("a"), open_profile("b")
    a.answer(card_id(a, "fr"), 3, now=NOW)
    b.answer(card_id(b, "de"), 3, now=NOW)
    real_pull = GitTarget.pull
    raced: list[bool] = []

    def pull_then_a_sets_up(self: GitTarget) -> None:
        real_pull(self)
        if not raced:
            raced.append(True)
            sync_of(a).setup(url, PASS)

    monkeypatch.setattr(GitTarget, "pull", pull_then_a_sets_up)
    with pytest.raises(SyncError) as caught:
        sync_of(b).setup(url, PASS)
    assert "\n" not in str(caught.value) and "setup again" in str(caught.value)
    assert sync_of(b).status().target is None
    monkeypatch.setattr(GitTarget, "pull", real_pull)
    assert sync_of(b).setup(url, PASS).joined
    sync_of(a).run(PASS)
    assert state_of(a) == state_of(b)
    assert len(answers_of(a)) == 2


def test_git_history_on_the_host_does_not_tell_the_devices_time_zone(
    open_profile: Callable[..., Collection], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A commit records its author's UTC offset: over months of syncs, where the learner
    lives (and travels). Every sync commit says +0000."""
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    url = bare_repo(tmp_path)
    a = open_profile("a")
    a.answer(card_id(a, "fr"), 3, now=NOW)
    sync_of(a).setup(url, PASS)
    log = subprocess.run(
        ["git", "--git-dir", url, "log", "--format=%an %ae %ad|%cd"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert log and all(line.startswith("mastery mastery@invalid") for line in log)
    assert all(line.count("+0000") == 2 for line in log), log


def test_git_history_on_the_host_does_not_tell_when_the_learner_studied(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    """The app syncs after every review session, so commit dates would be a diary of the
    learner's study times for anyone who reads the repository (its host, a clone, a copy
    left somewhere). The host sees sizes only: every sync commit carries one fixed date."""
    url = bare_repo(tmp_path)
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(url, PASS)
    sync_of(b).setup(url, PASS)
    for minute in range(3):
        a.answer(card_id(a, "fr"), 3, now=NOW + timedelta(minutes=minute))
        b.answer(card_id(b, "de"), 3, now=NOW + timedelta(minutes=minute))
        time.sleep(1.1)  # git dates have seconds: a real date would differ
        sync_of(a).run(PASS)
        sync_of(b).run(PASS)  # its push loses the race: pulled, rebased, pushed again
    dates = subprocess.run(
        ["git", "--git-dir", url, "log", "--format=%ad|%cd"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert len(dates) == 7 and len(set(dates)) == 1, dates  # the header, six chunks


@pytest.mark.parametrize("how", ["deleted", "force-pushed"])
def test_chunks_the_target_lost_are_written_again_by_their_device(
    open_profile: Callable[..., Collection], tmp_path: Path, how: str
) -> None:
    """The host deletes a device's chunk, or the git remote is force-pushed back to an older
    history: a device joining later would wait at the gap for ever and never get that
    device's answers. The device that wrote the chunk notices at its next sync and writes it
    again (with all its events: which ones were in it is not kept), and the newcomer gets all."""
    a, b, c = open_profile("a"), open_profile("b"), open_profile("c")
    if how == "deleted":
        folder = tmp_path / "t"
        folder.mkdir()
        target = str(folder)
    else:
        target = bare_repo(tmp_path)
    sync_of(a).setup(target, PASS)
    sync_of(b).setup(target, PASS)
    before = subprocess.run(
        ["git", "--git-dir", target, "rev-parse", "main"], capture_output=True, text=True
    ).stdout.strip()
    a.answer(card_id(a, "fr"), 3, now=NOW)
    a.answer(card_id(a, "it"), 4, now=NOW + timedelta(minutes=1))
    sync_of(a).run(PASS)
    a.suspend([card_id(a, "it")], now=NOW + timedelta(minutes=1))
    sync_of(a).run(PASS)
    assert sync_of(b).run(PASS).received == 2
    device = a.meta("sync")["device"]
    if how == "deleted":
        (folder / device / chunks.chunk_name(1)).unlink()
    else:
        subprocess.run(
            ["git", "--git-dir", target, "update-ref", "refs/heads/main", before], check=True
        )
    a.answer(card_id(a, "de"), 1, now=NOW + timedelta(minutes=2))
    assert sync_of(a).run(PASS).rewritten == (1 if how == "deleted" else 2)
    assert sync_of(a).run(PASS).rewritten == 0
    assert sync_of(b).run(PASS).received == 1  # b had read the lost chunks: nothing twice
    assert sync_of(c).setup(target, PASS).received == 3
    assert state_of(c) == state_of(a) == state_of(b)


def test_a_passphrase_file_from_windows_or_a_mac_opens_the_same_target(
    open_profile: Callable[..., Collection],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Notepad's UTF-8 (a byte-order mark, CRLF) and a decomposed "é" (macOS file names and
    some editors) are the same passphrase the learner typed on the other device."""
    import unicodedata

    from mastery.sync import crypto

    real = crypto.new_header
    monkeypatch.setattr(crypto, "new_header", lambda p, fast=False: real(p, fast=True))
    folder = tmp_path / "t"
    folder.mkdir()
    phrase = "café au lait, très chaud"
    a, b = open_profile("a"), open_profile("b")
    home_a, home_b = str(a.db.path.parents[2]), str(b.db.path.parents[2])
    a.close()
    b.close()
    linux, windows = tmp_path / "linux", tmp_path / "windows"
    linux.write_text(unicodedata.normalize("NFC", phrase) + "\n", encoding="utf-8")
    windows.write_bytes(
        b"\xef\xbb\xbf" + unicodedata.normalize("NFD", phrase).encode() + b"\r\nsecond line\r\n"
    )
    for home, name, file in ((home_a, "a", linux), (home_b, "b", windows)):
        code, out, err = _cli(
            capsys, "sync", "setup", str(folder), "--passphrase-file", str(file),
            "--home", home, "--profile", name,
        )  # fmt: skip
        assert code == 0, err


@pytest.mark.parametrize(
    "damage",
    [{"salt": "zz"}, {"salt": "00"}, {"check": "not hex"}, {"memlimit": -1}, {"opslimit": 10**30}],
)
def test_a_damaged_header_is_one_line_not_a_traceback(
    open_profile: Callable[..., Collection], tmp_path: Path, damage: dict[str, Any]
) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    a = open_profile("a")
    sync_of(a).setup(str(folder), PASS)
    path = folder / chunks.HEADER_NAME
    path.write_text(json.dumps({**json.loads(path.read_text()), **damage}), encoding="utf-8")
    with pytest.raises(SyncError) as caught:
        sync_of(open_profile("b")).setup(str(folder), PASS)
    assert "\n" not in str(caught.value) and "wrong sync passphrase" not in str(caught.value)


@pytest.mark.parametrize("kind", ["folder", "git"])
def test_a_header_deleted_from_the_target_is_put_back_by_a_device_that_joined(
    open_profile: Callable[..., Collection], tmp_path: Path, kind: str
) -> None:
    """Without the header nobody could open the chunks, and a new device would be refused;
    every device that joined remembers it, so the next sync of any of them puts it back."""
    a, b, c = open_profile("a"), open_profile("b"), open_profile("c")
    if kind == "folder":
        target = str(tmp_path / "t")
        Path(target).mkdir()
    else:
        target = bare_repo(tmp_path)
    a.answer(card_id(a, "fr"), 3, now=NOW)
    sync_of(a).setup(target, PASS)
    sync_of(b).setup(target, PASS)
    if kind == "folder":
        (Path(target) / chunks.HEADER_NAME).unlink()
    else:
        work = tmp_path / "work"
        subprocess.run(["git", "clone", "-q", target, str(work)], check=True)
        subprocess.run(["git", "-C", str(work), "rm", "-q", chunks.HEADER_NAME], check=True)
        subprocess.run(
            ["git", "-C", str(work), "-c", "user.name=x", "-c", "user.email=x@x",
             "commit", "-qm", "oops"], check=True,
        )  # fmt: skip
        subprocess.run(["git", "-C", str(work), "push", "-q", "origin", "main"], check=True)
    with pytest.raises(SyncError, match="no sync header"):
        sync_of(c).setup(target, PASS)
    with pytest.raises(SyncError, match="wrong sync passphrase"):
        sync_of(b).run("not it")  # a wrong passphrase puts nothing back
    b.answer(card_id(b, "de"), 3, now=NOW + timedelta(minutes=1))
    assert sync_of(b).run(PASS).sent == 1
    assert sync_of(c).setup(target, PASS).received == 2
    assert sync_of(a).run(PASS).received == 1
    assert state_of(a) == state_of(b) == state_of(c)


def test_a_target_that_is_a_file_says_so(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    file = tmp_path / "notes.txt"
    file.write_text("x", encoding="utf-8")
    with pytest.raises(SyncError, match="is a file, not a folder"):
        sync_of(open_profile("a")).setup(str(file), PASS)


def test_a_rebase_left_by_a_killed_git_sync_is_cleared_by_the_next(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    """kill -9 during `git pull --rebase` leaves the clone mid-rebase; the next sync clears
    it and finishes, rather than failing on it."""
    from mastery.sync.transport import GitTarget

    url = bare_repo(tmp_path)
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(url, PASS)
    sync_of(b).setup(url, PASS)
    a.answer(card_id(a, "fr"), 3, now=NOW)
    sync_of(a).run(PASS)
    b.answer(card_id(b, "de"), 3, now=NOW + timedelta(minutes=1))
    with pytest.MonkeyPatch.context() as patch:  # b's chunk is committed, not pushed
        patch.setattr(GitTarget, "push", lambda self: None)
        sync_of(b).run(PASS)
    clone = b.db.path.parent / "sync" / "repo"
    git = ["git", "-C", str(clone), "-c", "user.name=x", "-c", "user.email=x@x"]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "sync"], check=True)
    subprocess.run([*git, "fetch", "-q", "origin"], check=True)
    stopped = subprocess.run(
        [*git, "rebase", "-q", "--exec", "false", "origin/main"], capture_output=True
    )
    assert stopped.returncode and (clone / ".git" / "rebase-merge").is_dir()
    assert sync_of(b).run(PASS).received == 0
    assert sync_of(a).run(PASS).received == 1
    assert state_of(a) == state_of(b)


def test_a_header_with_weaker_key_settings_is_not_a_downgrade(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    """The host keeps the salt and the sealed check but lowers Argon2id's limits (a cheaper
    key to guess): the check no longer opens, so nothing is ever sealed with that key; a
    device that joined sees another header, a newcomer a wrong passphrase."""
    from nacl import pwhash

    folder = tmp_path / "t"
    folder.mkdir()
    a = open_profile("a")
    sync_of(a).setup(str(folder), PASS)
    path = folder / chunks.HEADER_NAME
    header = json.loads(path.read_text())
    assert header["opslimit"] == pwhash.argon2id.OPSLIMIT_MIN  # fast_kdf: make it differ
    header["opslimit"] += 1
    path.write_text(json.dumps(header), encoding="utf-8")
    a.answer(card_id(a, "fr"), 3, now=NOW)
    with pytest.raises(SyncError, match="header changed"):
        sync_of(a).run(PASS)
    with pytest.raises(SyncError, match="wrong sync passphrase"):
        sync_of(open_profile("b")).setup(str(folder), PASS)
    assert chunks.sequences(folder, a.meta("sync")["device"]) == []


def test_cli_says_when_chunks_the_target_lost_were_written_again(
    open_profile: Callable[..., Collection],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    a = open_profile("a")
    a.answer(card_id(a, "fr"), 3, now=NOW)
    sync_of(a).setup(str(folder), PASS)
    device = a.meta("sync")["device"]
    (folder / device / chunks.chunk_name(1)).unlink()
    home = str(a.db.path.parents[2])
    a.close()
    from mastery.sync import crypto

    real = crypto.new_header
    monkeypatch.setattr(crypto, "new_header", lambda p, fast=False: real(p, fast=True))
    monkeypatch.setenv("MASTERY_SYNC_PASSPHRASE", PASS)
    code, out, err = _cli(capsys, "sync", "--home", home, "--profile", "a")
    assert code == 0, err
    assert "Wrote 1 chunk of this device again: the target had lost it" in out
    code, out, err = _cli(capsys, "sync", "--json", "--home", home, "--profile", "a")
    assert json.loads(out)["rewritten"] == 0
    assert (folder / device / chunks.chunk_name(1)).exists()


def test_two_devices_setting_up_one_empty_folder_at_once_share_one_header(
    open_profile: Callable[..., Collection], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """B looks, finds no header, A writes one, then B writes its own: B's must not replace
    A's (A would be refused for good); B joins A's instead."""
    folder = tmp_path / "t"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b")
    real = chunks.read_header
    looks: list[Path] = []

    def a_sets_up_after_b_looked(where: Path) -> Any:
        header = real(where)
        if not looks:
            looks.append(where)
            sync_of(a).setup(str(folder), PASS)
        return header

    monkeypatch.setattr(chunks, "read_header", a_sets_up_after_b_looked)
    assert sync_of(b).setup(str(folder), PASS).joined
    monkeypatch.setattr(chunks, "read_header", real)
    a.answer(card_id(a, "fr"), 3, now=NOW)
    assert sync_of(a).run(PASS).sent == 1
    assert sync_of(b).run(PASS).received == 1


def test_a_restored_backup_never_writes_over_its_own_chunk_beyond_a_lost_one(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    """A device restored from a backup finds its chunks 1 and 3 on the target (2 lost): it
    must read 3 back too and carry on after it, not write a new chunk 3 over it (a device
    that had read the old 3 would never see the new one's answers)."""
    folder = tmp_path / "t"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    backup = a.backup(now=NOW)
    for minute, key in enumerate(("fr", "de", "it"), 1):
        a.answer(card_id(a, key), 3, now=NOW + timedelta(minutes=minute))
        sync_of(a).run(PASS)
    assert sync_of(b).run(PASS).received == 3
    device = a.meta("sync")["device"]
    (folder / device / chunks.chunk_name(2)).unlink()
    path = a.db.path
    a.close()
    shutil.copyfile(backup, path)
    restored = Collection.open_path(path)
    try:
        sync_of(restored).run(PASS)
        restored.answer(card_id(restored, "fr"), 1, now=NOW + timedelta(hours=1))
        sync_of(restored).run(PASS)
        assert sync_of(b).run(PASS).received == 1
        # The answer of the lost chunk 2 is now only on b (it was neither in the backup nor
        # on the target); everything else is everywhere.
        assert [k for k, _, _ in answers_of(restored)] == ["fr", "it", "fr"]
        assert [k for k, _, _ in answers_of(b)] == ["fr", "de", "it", "fr"]
        c = open_profile("c")
        assert sync_of(c).setup(str(folder), PASS).received == 3
        assert state_of(c) == state_of(restored)
    finally:
        restored.close()


def test_a_change_made_after_seeing_a_fast_clocks_change_wins_over_it(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    """b's clock runs an hour ahead. a receives b's suspension, then takes it back a minute
    later by the real time: by wall clocks b's older change (stamped an hour ahead) would win
    for ever; by the hybrid logical clock a's change, made after seeing b's, wins on both."""
    folder = tmp_path / "t"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b")
    now = utcnow()
    b.set_clock(lambda: now + timedelta(hours=1))
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    b.suspend([card_id(b, "fr")])
    sync_of(b).run(PASS)
    sync_of(a).run(PASS)
    assert a.card("capitals/fr").suspended
    a.set_clock(lambda: now + timedelta(minutes=1))
    a.unsuspend([card_id(a, "fr")])
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    assert not b.card("capitals/fr").suspended and not a.card("capitals/fr").suspended
    assert state_of(a) == state_of(b)


def test_the_hybrid_logical_clock_never_goes_back_and_orders_what_it_has_seen() -> None:
    from mastery.sync.hlc import Clock, stamp_of, wall_ms

    clock = Clock()
    first = clock.tick(1_000)
    assert wall_ms(first) == 1_000
    assert clock.tick(1_000) > first  # two changes in one millisecond stay ordered
    assert clock.tick(500) > first  # a wall clock set back: still later
    clock.observe(stamp_of(9_000, 7))
    assert clock.tick(2_000) > stamp_of(9_000, 7)  # after what it has seen
    assert wall_ms(clock.tick(20_000)) == 20_000  # and back on wall time once it is later
