"""Sync faults played for real (issue 14): `mastery sync` killed with SIGKILL wherever it is
at the time, and a device that stayed offline for months. Whatever moment the kill lands on,
the next sync finishes the job and every device ends the same, with nothing lost."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from test_sync import PASS, answers_of, bare_repo, state_of, sync_of

from conftest import NOW
from mastery import paths
from mastery.collection import Collection
from mastery.errors import SyncError

CARDS = 120


@pytest.fixture
def many(tmp_path: Path) -> Path:
    """A deck of `CARDS` cards (the capitals deck of test_sync has three)."""
    path = tmp_path / "many.toml"
    cards = "".join(
        f'\n[[cards]]\nid = "c{i}"\nfront = "Question {i}?"\nback = "Answer {i}"\n'
        for i in range(CARDS)
    )
    path.write_text(f'id = "many"\nname = "Many"\n{cards}', encoding="utf-8")
    return path


@pytest.fixture
def device(
    tmp_path: Path, empty_profile_db: Path, many: Path
) -> Iterator[Callable[[str], Collection]]:
    opened: list[Collection] = []

    def make(name: str) -> Collection:
        home = tmp_path / f"home-{name}"
        db = paths.database_path(name, home)
        db.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(empty_profile_db, db)
        col = Collection.open(name, home=home, bundled=False, now=NOW)
        col.set_setting("timezone", "UTC")
        col.import_files([many], now=NOW)
        opened.append(col)
        return col

    yield make
    for col in opened:
        col.close()


def review(col: Collection, rng: random.Random, count: int, start: timedelta) -> None:
    """`count` answers on random cards, a few minutes apart from `NOW + start`."""
    ids = [r[0] for r in col.conn.execute("SELECT id FROM card ORDER BY id")]
    for i in range(count):
        col.answer(
            rng.choice(ids),
            rng.choice((1, 2, 3, 3, 3, 4)),
            now=NOW + start + i * timedelta(minutes=3),
        )


def killed_sync(home: Path, name: str, after: float | None) -> bool:
    """`mastery sync` in a process of its own, sent SIGKILL `after` seconds into its sync
    proper (from when it holds the profile's sync lock: so the kill lands mid-sync whatever
    the machine's speed), or left to finish (`after` None, or if it ends sooner); returns
    whether the kill landed."""
    from filelock import FileLock, Timeout

    env = {**os.environ, "MASTERY_SYNC_PASSPHRASE": PASS}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mastery", "sync", "--home", str(home), "--profile", name],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    lock = FileLock(str(paths.database_path(name, home).parent / "sync" / "sync.lock"))
    while after is not None and proc.poll() is None:
        try:
            lock.acquire(timeout=0)
        except Timeout:  # the sync holds it: it is under way
            time.sleep(after)
            break
        lock.release()
        time.sleep(0.002)
    if after is None:
        proc.wait()
    landed = proc.poll() is None
    if landed:
        proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate()
    if not landed:
        assert proc.returncode == 0, err.decode()
    return landed


@pytest.mark.parametrize("kind", ["folder", "git"])
def test_sync_killed_with_sigkill_anywhere_is_finished_by_the_next(
    device: Callable[[str], Collection], tmp_path: Path, kind: str
) -> None:
    if kind == "git":
        target = bare_repo(tmp_path)
    else:
        (tmp_path / "t").mkdir()
        target = str(tmp_path / "t")
    a, b = device("a"), device("b")
    sync_of(a).setup(target, PASS)
    sync_of(b).setup(target, PASS)
    rng = random.Random(14)
    home = a.db.path.parents[2]
    # Killed at five moments of the sync proper: reading, sealing, the transaction, the
    # push (what lands where depends on the machine; every moment must be safe).
    review(a, rng, 400, timedelta(days=0))
    a.close()
    assert not killed_sync(home, "a", None)
    kills = 0
    for round_, after in enumerate((0.0, 0.01, 0.03, 0.06, 0.1), 1):
        a = Collection.open("a", home=home, bundled=False, now=NOW)
        review(a, rng, 400, timedelta(days=round_))
        a.close()
        kills += killed_sync(home, "a", after)
    a = Collection.open("a", home=home, bundled=False, now=NOW)
    assert kills  # at least one kill landed mid-way
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    assert len(answers_of(b)) == len(answers_of(a)) == 6 * 400
    assert state_of(a) == state_of(b)
    assert sync_of(a).run(PASS).sent == 0  # nothing was left half-sent
    a.close()


def test_a_device_offline_for_months_catches_up_and_everyone_ends_the_same(
    device: Callable[[str], Collection], tmp_path: Path
) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    a, b, c = device("a"), device("b"), device("c")
    for col in (a, b, c):
        sync_of(col).setup(str(folder), PASS)
    rng = random.Random(7)
    # Four months: a and b review and sync every week; c reviews on its own, offline.
    for week in range(17):
        for col in (a, b, c):
            review(col, rng, 15, timedelta(weeks=week, hours=rng.randrange(0, 12)))
        for col in (a, b):
            later = NOW + timedelta(weeks=week, days=1)
            col.set_clock(lambda later=later: later)
            sync_of(col).run(PASS)
    assert len(answers_of(c)) == 17 * 15
    later = NOW + timedelta(weeks=18)
    c.set_clock(lambda: later)
    report = sync_of(c).run(PASS)
    assert report.received == 2 * 17 * 15 and report.sent == 17 * 15
    for col in (a, b):
        col.set_clock(lambda: later)
        sync_of(col).run(PASS)
    assert len(answers_of(a)) == len(answers_of(b)) == len(answers_of(c)) == 3 * 17 * 15
    assert state_of(a) == state_of(b) == state_of(c)


@pytest.mark.parametrize("at", ["add", "commit"])
def test_a_chunk_recorded_but_never_committed_to_git_still_reaches_the_others(
    device: Callable[[str], Collection],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    at: str,
) -> None:
    """Killed after the profile recorded its chunk but before git took it (before `git add`,
    or between `add` and `commit`): the next sync must still push it (it was left out, or it
    made every later `git pull --rebase` refuse with "Your index contains uncommitted
    changes")."""
    from mastery.sync import transport

    remote = bare_repo(tmp_path)
    a, b = device("a"), device("b")
    sync_of(a).setup(remote, PASS)
    sync_of(b).setup(remote, PASS)
    review(a, random.Random(1), 5, timedelta(0))

    def dies(self: transport.GitTarget) -> None:
        if at == "commit":  # staged, not committed
            subprocess.run(["git", "add", "--all"], cwd=self.cache, check=True)
        raise KeyboardInterrupt  # SIGKILL, as far as the clone is concerned

    monkeypatch.setattr(transport.GitTarget, "push", dies)
    with pytest.raises(KeyboardInterrupt):
        sync_of(a).run(PASS)
    monkeypatch.undo()
    assert sync_of(a).run(PASS).sent == 0  # recorded as sent already: only pushed now
    assert sync_of(b).run(PASS).received == 5
    assert state_of(a) == state_of(b)


def test_two_devices_that_set_up_one_synced_folder_at_once_recover_with_rejoin(
    device: Callable[[str], Collection], tmp_path: Path
) -> None:
    """Syncthing: a and b each set up their own copy of one folder before it synced, so each
    made a header; Syncthing then keeps a's header on both copies and brings b's chunks
    (sealed under b's key) to a. a cannot open them, b finds its header replaced: both say
    so in one line. `setup --rejoin` on b starts it over under a's header; afterwards both
    have everything."""
    from mastery.sync import chunks

    fa, fb = tmp_path / "copy-a", tmp_path / "copy-b"
    fa.mkdir()
    fb.mkdir()
    a, b = device("a"), device("b")
    sync_of(a).setup(str(fa), PASS)
    sync_of(b).setup(str(fb), PASS)
    review(a, random.Random(1), 3, timedelta(0))
    review(b, random.Random(2), 4, timedelta(hours=1))
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    dev_a, dev_b = a.meta("sync")["device"], b.meta("sync")["device"]

    def carry(src: Path, dst: Path, name: str) -> None:  # what Syncthing does
        shutil.copytree(src / name, dst / name, dirs_exist_ok=True)

    shutil.copyfile(fa / chunks.HEADER_NAME, fb / chunks.HEADER_NAME)  # a's header won
    carry(fa, fb, dev_a)
    carry(fb, fa, dev_b)

    with pytest.raises(SyncError) as refused:
        sync_of(a).run(PASS)
    assert "\n" not in str(refused.value) and dev_b in str(refused.value)
    with pytest.raises(SyncError, match="--rejoin") as refused:
        sync_of(b).run(PASS)
    assert "\n" not in str(refused.value)

    sync_of(b).setup(str(fb), PASS, rejoin=True)
    new_b = b.meta("sync")["device"]
    assert new_b != dev_b and not (fb / dev_b).exists()  # its unreadable chunks went
    shutil.rmtree(fa / dev_b)  # Syncthing carries the removal and the new folder
    carry(fb, fa, new_b)
    assert sync_of(a).run(PASS).received == 4
    carry(fa, fb, dev_a)
    sync_of(b).run(PASS)
    assert len(answers_of(a)) == len(answers_of(b)) == 7
    assert state_of(a) == state_of(b)
    assert sync_of(a).run(PASS).sent == sync_of(b).run(PASS).sent == 0


def test_rejoin_is_refused_without_the_targets_passphrase(
    device: Callable[[str], Collection], tmp_path: Path
) -> None:
    from mastery.sync import chunks, crypto

    folder = tmp_path / "t"
    folder.mkdir()
    a = device("a")
    sync_of(a).setup(str(folder), PASS)
    review(a, random.Random(3), 2, timedelta(0))
    sync_of(a).run(PASS)
    me = a.meta("sync")["device"]
    sent = chunks.sequences(folder, me)
    chunks.write_header(folder, crypto.new_header("another passphrase", fast=True)[0])
    with pytest.raises(SyncError, match="wrong sync passphrase"):
        sync_of(a).setup(str(folder), PASS, rejoin=True)
    # Nothing changed: same device, its chunk still there, still recorded as sent.
    assert a.meta("sync")["device"] == me and chunks.sequences(folder, me) == sent
    assert a.sync.status().unsent_answers == 0


@pytest.mark.parametrize("kind", ["folder", "git"])
def test_three_devices_syncing_at_the_same_moment_in_processes_of_their_own_lose_nothing(
    device: Callable[[str], Collection], tmp_path: Path, kind: str
) -> None:
    """Really at once: three `mastery sync` processes started together, several rounds, each
    with new answers. Over git two of them lose the push race and pull again; over a folder
    one may list another's chunk while it is being written. Every sync ends well (or, over
    git, says in one line that the next one pushes), and once each has synced again all
    three hold every answer."""
    if kind == "git":
        target = bare_repo(tmp_path)
    else:
        (tmp_path / "t").mkdir()
        target = str(tmp_path / "t")
    names = ("a", "b", "c")
    homes = {}
    for name in names:
        col = device(name)
        sync_of(col).setup(target, PASS)
        homes[name] = col.db.path.parents[2]
        col.close()
    rng = random.Random(5)
    env = {**os.environ, "MASTERY_SYNC_PASSPHRASE": PASS}
    for round_ in range(3):
        for name in names:
            col = Collection.open(name, home=homes[name], bundled=False, now=NOW)
            review(col, rng, 30, timedelta(days=round_, hours=names.index(name)))
            col.close()
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "mastery", "sync", "--home", str(homes[n]), "--profile", n],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env,
            )
            for n in names
        ]
        for proc in procs:
            _, err = proc.communicate(timeout=300)
            text = err.decode()
            assert proc.returncode == 0 or (
                proc.returncode == 2 and text.count("\n") == 1 and "next sync" in text
            ), text
    cols = [Collection.open(n, home=homes[n], bundled=False, now=NOW) for n in names]
    try:
        for col in (*cols, *cols):
            sync_of(col).run(PASS)
        assert [len(answers_of(col)) for col in cols] == [3 * 3 * 30] * 3
        assert state_of(cols[0]) == state_of(cols[1]) == state_of(cols[2])
    finally:
        for col in cols:
            col.close()


def test_answers_from_a_clock_days_ahead_and_one_reset_to_1971_are_all_kept_everywhere(
    device: Callable[[str], Collection], tmp_path: Path
) -> None:
    """Clock skew on answers: a's clock runs three days ahead, c's was reset to 1971 (a dead
    battery); b answers
    the same card after seeing a's answer, at an earlier moment by the clocks. Every answer
    stays, ordered by its moment, and every device computes the same schedule (a card
    answered "in the future" is replayed, not refused)."""
    folder = tmp_path / "t"
    folder.mkdir()
    a, b, c = device("a"), device("b"), device("c")
    for col in (a, b, c):
        sync_of(col).setup(str(folder), PASS)
    ahead, behind = NOW + timedelta(days=3), NOW - timedelta(days=365 * 55)  # 1971
    a.set_clock(lambda: ahead)
    c.set_clock(lambda: behind)
    card = "many/c1"
    a.answer(a.card(card).id, 3)
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    b.answer(b.card(card).id, 1, now=NOW)
    c.answer(c.card(card).id, 4)
    for col in (b, c, a, b, c):
        sync_of(col).run(PASS)
    moments = [at for key, at, _ in answers_of(a) if key == "c1"]
    assert len(moments) == 3 and moments == sorted(moments)
    assert state_of(a) == state_of(b) == state_of(c)
    assert a.card(card).reps == 3


def test_a_target_full_mid_sync_is_one_line_and_the_next_sync_finishes(
    device: Callable[[str], Collection], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The synced folder's disk fills while this device writes its chunk: one line saying
    so, nothing recorded as sent, no half-written file left for the others to trip on; with
    room again, the next sync sends it all."""
    from mastery.errors import MasteryError

    folder = tmp_path / "t"
    folder.mkdir()
    a, b = device("a"), device("b")
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    review(a, random.Random(3), 20, timedelta(0))
    before = dict(a.meta("sync"))

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(MasteryError) as caught:
        sync_of(a).run(PASS)
    monkeypatch.undo()
    assert "\n" not in str(caught.value) and "space" in str(caught.value).lower()
    assert a.meta("sync")["next_seq"] == before["next_seq"]
    assert [p.name for p in folder.rglob("*") if p.is_file() and p.name.endswith(".tmp")] == []
    assert sync_of(b).run(PASS).received == 0
    assert sync_of(a).run(PASS).sent == 20
    assert sync_of(b).run(PASS).received == 20
    assert state_of(a) == state_of(b)
