# ruff: noqa: F811 (open_profile and deck are test_sync.py's fixtures, used by name)
"""The host of the sync target plays the attacker (issue 14, docs/sync.md "Faults"): it
controls every byte of the target, and over git it can commit what no synced folder holds
(a symbolic link to a device file, or to a folder outside the target). Whatever it puts
there, a device answers with one line and a non-zero exit, reads nothing outside the
target, writes and removes nothing outside it, and never hangs."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from test_sync import PASS, bare_repo, card_id, deck, open_profile, state_of, sync_of  # noqa: F401

from conftest import NOW
from mastery.collection import Collection
from mastery.errors import SyncError

OTHER = "f" * 32  # a device folder the host made up


def _sync_process(col: Collection) -> tuple[int | str, str]:
    """`mastery sync` for `col`'s profile in a process of its own, with the key its setup
    remembered, capped at 2 GiB of memory and 60 s (a read of /dev/zero must not take the
    machine down, nor a FIFO hang the test): (exit code or "hung", stderr)."""
    home = col.db.path.parents[2]

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    env = {k: v for k, v in os.environ.items() if k != "MASTERY_SYNC_PASSPHRASE"}
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "mastery",
                "sync",
                "--home",
                str(home),
                "--profile",
                col.profile,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            preexec_fn=cap,
            stdin=subprocess.DEVNULL,
            env=env,
        )
    except subprocess.TimeoutExpired:
        return "hung", ""
    return done.returncode, done.stderr


@pytest.mark.parametrize("trap", ["chunk -> /dev/zero", "chunk is a FIFO", "header -> /dev/zero"])
def test_a_device_file_or_a_fifo_in_the_folder_is_one_line_not_a_hang_or_a_crash(
    open_profile: Callable[..., Collection], tmp_path: Path, trap: str
) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    a = open_profile("a")
    sync_of(a).setup(str(folder), PASS)
    (folder / OTHER).mkdir()
    chunk = folder / OTHER / "00000001.chunk"
    if trap == "chunk -> /dev/zero":
        chunk.symlink_to("/dev/zero")
    elif trap == "chunk is a FIFO":
        os.mkfifo(chunk)
    else:
        (folder / "mastery-sync.json").unlink()
        (folder / "mastery-sync.json").symlink_to("/dev/zero")
    before = state_of(a)
    code, err = _sync_process(a)
    assert code == 2, (code, err[-500:])
    assert err.startswith("mastery: error: ") and err.count("\n") == 1, err
    assert ("00000001.chunk" if "chunk" in trap else "mastery-sync.json") in err
    assert "remove it from the target" in err
    assert state_of(a) == before


def test_a_link_the_git_host_commits_in_place_of_a_chunk_is_never_followed(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    """Over git the host can commit a symbolic link: to this device's files (read, then
    shown in an error?) or to /dev/zero. Neither is read."""
    remote = bare_repo(tmp_path)
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(remote, PASS)
    sync_of(b).setup(remote, PASS)
    secret = tmp_path / "secret.txt"
    secret.write_text("the learner's private notes")
    host = tmp_path / "host-clone"
    subprocess.run(["git", "clone", "-q", remote, str(host)], check=True)
    (host / OTHER).mkdir()
    (host / OTHER / "00000001.chunk").symlink_to(secret)
    git = ["git", "-C", str(host), "-c", "user.name=h", "-c", "user.email=h@h"]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    subprocess.run([*git, "push", "-q", "origin", "HEAD:main"], check=True)
    a.answer(card_id(a, "fr"), 3, now=NOW)
    with pytest.raises(SyncError) as caught:
        sync_of(a).run(PASS)
    message = str(caught.value)
    assert "\n" not in message and "00000001.chunk" in message and "link" in message
    assert sync_of(b).status().unsent_answers == 0 and b.card("capitals/fr").reps == 0


def test_this_devices_folder_made_a_link_out_of_the_target_is_refused_and_nothing_leaves(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    """The host replaces this device's folder with a link to a folder outside the target:
    the sync would write its chunks there, and clear what it takes for its own temp files
    (`.*.tmp`) there. Refused in one line; nothing is written or removed outside."""
    folder = tmp_path / "t"
    folder.mkdir()
    a = open_profile("a")
    sync_of(a).setup(str(folder), PASS)
    a.answer(card_id(a, "fr"), 3, now=NOW)
    sync_of(a).run(PASS)
    me = a.meta("sync")["device"]
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / ".draft.tmp").write_text("someone's unsaved work")
    for chunk in (folder / me).iterdir():
        chunk.unlink()
    (folder / me).rmdir()
    (folder / me).symlink_to(outside)
    a.answer(card_id(a, "de"), 3, now=NOW)
    with pytest.raises(SyncError) as caught:
        sync_of(a).run(PASS)
    assert "\n" not in str(caught.value) and me in str(caught.value)
    assert sorted(p.name for p in outside.iterdir()) == [".draft.tmp"]
    # The host's link removed (a person who reads the line): the next sync writes this
    # device's chunks again where they belong.
    (folder / me).unlink()
    sync_of(a).run(PASS)
    assert (folder / me).is_dir() and not (folder / me).is_symlink()
    b = open_profile("b")
    sync_of(b).setup(str(folder), PASS)
    assert state_of(b) == state_of(a)
