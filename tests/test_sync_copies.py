# ruff: noqa: F811 (open_profile, deck and target are test_sync.py's fixtures, used by name)
"""A copied profile does not sync as the device it was copied from (issue 14, docs/sync.md
"A copied or moved profile"). Two live copies under one device id write the same chunk
numbers (a synced folder makes conflict files, git a rebase conflict: stuck) and stamp their
revisions as one device, so an entry edited on both loses an edit. The place a device was set
up at is recorded and checked at each sync: a copy is refused in one line until it says
whether it moved (`--moved`) or is a device of its own (`--new-device`)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from test_sync import (  # noqa: F401 (fixtures)
    PASS,
    card_id,
    deck,
    notes_of,
    open_profile,
    state_of,
    sync_of,
    target,
)

from conftest import NOW
from mastery.collection import Collection
from mastery.errors import SyncError
from mastery.sync.transport import GitTarget

HOUR = timedelta(hours=1)
both = pytest.mark.parametrize("target", ["folder", "git"], indirect=True)


@pytest.fixture
def copy_of(tmp_path: Path) -> Iterator[Callable[[Collection, str], tuple[Collection, Collection]]]:
    """Copy a profile's whole home (database, remembered key, git clone) as a person copies
    the folder to a new machine: closed first, then both opened again."""
    opened: list[Collection] = []

    def copy(col: Collection, name: str) -> tuple[Collection, Collection]:
        profile, home = col.db.path.parent.name, col.db.path.parents[2]
        col.close()
        shutil.copytree(home, tmp_path / f"home-{name}")
        again = Collection.open(profile, home=home, bundled=False, now=NOW)
        other = Collection.open(profile, home=tmp_path / f"home-{name}", bundled=False, now=NOW)
        opened.extend((again, other))
        return again, other

    yield copy
    for col in opened:
        col.close()


def sync(col: Collection, target: str) -> None:
    """A sync as the person runs it: a copy is refused until it is set up as a new device."""
    try:
        sync_of(col).run(PASS)
    except SyncError as exc:
        assert "--new-device" in str(exc), exc
        sync_of(col).setup(target, PASS, new_device=True)


def answers(col: Collection) -> list[tuple[Any, ...]]:
    return [
        tuple(r)
        for r in col.conn.execute(
            "SELECT c.key, r.reviewed_at, r.rating FROM reviewlog r JOIN card c "
            "ON c.id = r.card_id WHERE r.kind = 'review' ORDER BY r.reviewed_at"
        )
    ]


def bodies(col: Collection, uid: str) -> list[tuple[str, bool]]:
    """The entry's versions: (body, is a conflict copy of it)."""
    return sorted(
        (e.body, e.conflict_of == uid)
        for e in col.journal.list()
        if e.uid == uid or e.conflict_of == uid
    )


def files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }


def two_copies(
    open_profile: Callable[..., Collection],
    copy_of: Callable[[Collection, str], tuple[Collection, Collection]],
    target: str,
) -> tuple[Collection, Collection, Collection, str]:
    """a (answered, wrote an entry, synced), c (joined), and b, a copy of a's folder; then
    both copies answer a card of their own and edit the entry."""
    a = open_profile("a")
    entry = a.journal.add("First draft", title="Dative", now=NOW)
    a.answer(card_id(a, "fr"), 3, now=NOW)
    sync_of(a).setup(target, PASS)
    c = open_profile("c")
    sync_of(c).setup(target, PASS)
    a, b = copy_of(a, "b")
    a.answer(card_id(a, "de"), 3, now=NOW + HOUR)
    a.journal.edit(entry.uid, body="Edited on a", now=NOW + HOUR)
    b.answer(card_id(b, "it"), 2, now=NOW + 2 * HOUR)
    b.journal.edit(entry.uid, body="Edited on b", now=NOW + 2 * HOUR)
    # Settings and card changes, one on each copy, go along with the rest.
    a.set_setting("new_per_day", 7)
    b.set_setting("desired_retention", 0.85)
    b.suspend([card_id(b, "fr")], now=NOW + 2 * HOUR)
    return a, b, c, entry.uid


def assert_all_kept(devices: tuple[Collection, ...], uid: str) -> None:
    """Both edits (one a conflict copy) and each answer once, the same on every device."""
    expected = [
        ("fr", int(NOW.timestamp() * 1000), 3),
        ("de", int((NOW + HOUR).timestamp() * 1000), 3),
        ("it", int((NOW + 2 * HOUR).timestamp() * 1000), 2),
    ]
    for col in devices:
        assert answers(col) == expected
        # One edit is the entry, the other its conflict copy (which, the clock decides).
        versions = bodies(col, uid)
        assert [body for body, _ in versions] == ["Edited on a", "Edited on b"]
        assert sorted(copy for _, copy in versions) == [False, True]
        assert (col.setting("new_per_day"), col.setting("desired_retention")) == (7, 0.85)
        assert col.card("capitals/fr").suspended
    first = devices[0]
    for col in devices[1:]:
        assert state_of(col) == state_of(first)
        assert notes_of(col) == notes_of(first)


@both
def test_two_live_copies_synced_in_turns_keep_both_edits_and_every_answer_once(
    open_profile: Callable[..., Collection],
    copy_of: Callable[[Collection, str], tuple[Collection, Collection]],
    target: str,
) -> None:
    a, b, c, uid = two_copies(open_profile, copy_of, target)
    for col in (b, a, c, b, a, c):
        sync(col, target)
    assert_all_kept((a, b, c), uid)
    assert sync_of(b).status().device != sync_of(a).status().device
    for col in (a, b, c):  # settled: nothing more to send, nothing counted twice
        report = sync_of(col).run(PASS)
        assert (report.sent, report.received) == (0, 0)
    assert_all_kept((a, b, c), uid)


def carry(one: Path, other: Path) -> list[str]:
    """What Syncthing does between two machines' copies of a synced folder: a file on one
    side only is copied across; one path written differently on both sides is a conflict,
    kept beside as `NAME.sync-conflict`. Returns the conflicts."""
    conflicts = []
    for name in sorted(set(files(one)) | set(files(other))):
        here, there = one / name, other / name
        if not here.exists():
            here.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(there, here)
        elif not there.exists():
            there.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(here, there)
        elif here.read_bytes() != there.read_bytes():
            conflicts.append(name)
            shutil.copyfile(there, here.with_name(here.name + ".sync-conflict"))
            shutil.copyfile(here, there.with_name(there.name + ".sync-conflict"))
            shutil.copyfile(here, there)
    return conflicts


def test_two_live_copies_syncing_at_once_through_a_synced_folder_make_no_conflict_files(
    open_profile: Callable[..., Collection],
    copy_of: Callable[[Collection, str], tuple[Collection, Collection]],
    tmp_path: Path,
) -> None:
    """a and c sync through one machine's copy of the synced folder, b through its own
    machine's copy (the same folder before Syncthing carried the files across): a and b
    sync at the same moment, then the folders meet."""
    here, there = tmp_path / "synced-here", tmp_path / "synced-there"
    here.mkdir()
    a, b, c, uid = two_copies(open_profile, copy_of, str(here))
    shutil.copytree(here, there)
    state = b.meta("sync")
    assert isinstance(state, dict)
    b.set_meta("sync", {**state, "target": str(there)})  # the same folder on b's machine
    conflicts: list[str] = []
    for _ in range(2):
        sync(a, str(here))
        sync(b, str(there))
        conflicts += carry(here, there)
        sync(c, str(here))
        conflicts += carry(here, there)
    assert conflicts == []
    assert_all_kept((a, b, c), uid)


def test_two_live_copies_pushing_at_once_to_git_are_never_stuck(
    open_profile: Callable[..., Collection],
    copy_of: Callable[[Collection, str], tuple[Collection, Collection]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """a pushes while b is between writing its chunk and pushing it: b's push is refused,
    it pulls a's commit and rebases its own onto it."""
    from test_sync import bare_repo

    remote = bare_repo(tmp_path)
    a, b, c, uid = two_copies(open_profile, copy_of, remote)
    clone_b = b.db.path.parent / "sync" / "repo"
    real_push = GitTarget.push

    def push(self: GitTarget) -> None:
        if self.cache == clone_b:
            sync(a, remote)  # at the same moment
        real_push(self)

    monkeypatch.setattr(GitTarget, "push", push)
    sync(b, remote)
    sync(b, remote)
    monkeypatch.setattr(GitTarget, "push", real_push)
    for col in (c, a, b, c):
        sync(col, remote)
    assert_all_kept((a, b, c), uid)


@both
def test_a_copy_is_refused_in_one_line_and_nothing_is_written(
    open_profile: Callable[..., Collection],
    copy_of: Callable[[Collection, str], tuple[Collection, Collection]],
    target: str,
) -> None:
    a, b, _, _ = two_copies(open_profile, copy_of, target)
    folder = Path(target) if Path(target, "mastery-sync.json").exists() else None
    before = files(folder) if folder else None
    state, log = b.meta("sync"), answers(b)
    for attempt in (lambda: sync_of(b).run(PASS), lambda: sync_of(b).setup(target, PASS)):
        with pytest.raises(SyncError) as caught:
            attempt()
        line = str(caught.value)
        assert "\n" not in line
        assert f"set up at {a.db.path.resolve()}," in line  # the place it was copied from
        assert f"`mastery sync setup {target} --moved`" in line
        assert f"`mastery sync setup {target} --new-device`" in line
    assert b.meta("sync") == state and answers(b) == log
    if folder:
        assert files(folder) == before
    sync_of(a).run(PASS)  # the original, where it was set up, syncs as ever


def test_another_machine_at_the_same_path_is_refused_until_moved(
    open_profile: Callable[..., Collection],
    target: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, c = open_profile("a"), open_profile("c")
    sync_of(a).setup(target, PASS)
    sync_of(c).setup(target, PASS)
    device = sync_of(a).status().device
    monkeypatch.setenv("MASTERY_MACHINE_ID", "the new laptop")
    with pytest.raises(SyncError, match="on another machine, so this is a copy or a move"):
        sync_of(a).run(PASS)
    a.answer(card_id(a, "fr"), 3, now=NOW)
    report = sync_of(a).setup(target, PASS, moved=True)
    assert report.sent == 1 and sync_of(a).status().device == device
    assert sync_of(a).run(PASS).sent == 0  # the new place is the place now
    monkeypatch.delenv("MASTERY_MACHINE_ID")  # c, on the old machine
    sync_of(c).run(PASS)
    assert answers(c) == answers(a) and len(answers(c)) == 1


def test_a_moved_profile_goes_on_as_the_same_device(
    open_profile: Callable[..., Collection],
    tmp_path: Path,
    target: str,
) -> None:
    a = open_profile("a")
    a.answer(card_id(a, "fr"), 3, now=NOW)
    sync_of(a).setup(target, PASS)
    state = a.meta("sync")
    assert isinstance(state, dict)
    home = a.db.path.parents[2]
    a.close()
    moved = tmp_path / "new-disk" / "mastery"
    shutil.move(home, moved)
    a = Collection.open("a", home=moved, bundled=False, now=NOW)
    try:
        with pytest.raises(SyncError, match="--moved"):
            sync_of(a).run(PASS)
        a.answer(card_id(a, "de"), 3, now=NOW + HOUR)
        assert sync_of(a).setup(target, PASS, moved=True).sent == 1
        after = a.meta("sync")
        assert isinstance(after, dict)
        assert after["device"] == state["device"] and after["next_seq"] == state["next_seq"] + 1
        c = open_profile("c")
        sync_of(c).setup(target, PASS)
        assert answers(c) == answers(a) and len(answers(c)) == 2
    finally:
        a.close()


def test_a_profile_set_up_before_places_records_its_place_at_the_next_sync(
    open_profile: Callable[..., Collection],
    copy_of: Callable[[Collection, str], tuple[Collection, Collection]],
    target: str,
) -> None:
    a = open_profile("a")
    sync_of(a).setup(target, PASS)
    state = a.meta("sync")
    assert isinstance(state, dict)
    del state["place"]
    a.set_meta("sync", state)
    sync_of(a).run(PASS)  # no complaint
    recorded = a.meta("sync")
    assert isinstance(recorded, dict)
    assert recorded["place"]["profile"] == str(a.db.path.resolve())
    _, b = copy_of(a, "b")
    with pytest.raises(SyncError, match="--new-device"):
        sync_of(b).run(PASS)


def test_moved_and_new_device_refuse_what_they_cannot_mean(
    open_profile: Callable[..., Collection], target: str
) -> None:
    a = open_profile("a")
    with pytest.raises(SyncError, match="does not sync yet"):
        sync_of(a).setup(target, PASS, new_device=True)
    with pytest.raises(SyncError, match="not both"):
        sync_of(a).setup(target, PASS, moved=True, new_device=True)


def test_the_machine_comes_from_the_variable_or_the_system(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mastery.sync.place import machine_id

    monkeypatch.setenv("MASTERY_MACHINE_ID", "box-1")
    one = machine_id()
    monkeypatch.setenv("MASTERY_MACHINE_ID", "box-2")
    assert machine_id() != one and "box" not in one  # a digest, never the raw id
    monkeypatch.delenv("MASTERY_MACHINE_ID")
    assert machine_id() == machine_id() != one


def test_a_mac_is_known_by_its_hardware_uuid_not_its_hostname(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A Mac has no /etc/machine-id, and its hostname changes with the network it joins:
    falling back to the hostname would refuse every sync after a move between networks."""
    import subprocess
    import sys

    from mastery.sync import place

    monkeypatch.delenv("MASTERY_MACHINE_ID", raising=False)
    monkeypatch.setattr(place, "_SOURCES", (tmp_path / "no-machine-id",))
    monkeypatch.setattr(sys, "platform", "darwin")
    uuid = "0F5A1B2C-3D4E-5F60-7182-93A4B5C6D7E8"

    def ioreg(*args: object, **kwargs: object) -> subprocess.CompletedProcess[str]:
        out = f'  | {{\n  |   "IOPlatformUUID" = "{uuid}"\n  |   "serial" = <00>\n'
        return subprocess.CompletedProcess(args, 0, stdout=out, stderr="")

    monkeypatch.setattr(place.subprocess, "run", ioreg)
    monkeypatch.setattr(place.socket, "gethostname", lambda: "cafe-wifi.local")
    at_cafe = place.machine_id()
    monkeypatch.setattr(place.socket, "gethostname", lambda: "home.lan")
    assert place.machine_id() == at_cafe
    monkeypatch.setattr(place, "_MAC_UUID", place.re.compile("nothing matches"))
    assert place.machine_id() != at_cafe  # without the uuid, the hostname decides


def test_cli_refuses_a_copy_in_one_line_and_new_device_sets_it_up(
    open_profile: Callable[..., Collection],
    copy_of: Callable[[Collection, str], tuple[Collection, Collection]],
    target: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mastery.cli import main

    a, b, c, uid = two_copies(open_profile, copy_of, target)
    home_b = str(b.db.path.parents[2])
    b.close()
    monkeypatch.setenv("MASTERY_SYNC_PASSPHRASE", PASS)
    capsys.readouterr()
    assert main(["sync", "--home", home_b, "--profile", "a"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "--new-device" in err and "--moved" in err
    args = ["sync", "setup", target, "--new-device", "--home", home_b, "--profile", "a"]
    assert main(args) == 0
    assert "from 1 other device, 4 events sent" in capsys.readouterr().out
    with pytest.raises(SystemExit) as usage:
        main(["sync", "setup", target, "--moved", "--new-device"])
    assert usage.value.code == 2 and "not allowed with" in capsys.readouterr().err
