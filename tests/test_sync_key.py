"""The sync key remembered on this device (issue 14): `sync setup` keeps the derived key (never
the passphrase) in PROFILE/sync/key with mode 0600, so `mastery sync` and the app sync without
asking; a stale or damaged key is one line; `forget-key` and `--no-remember` remove it; the
app's own syncs can be switched off."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
import test_sync
from test_sync import PASS, _cli, card_id, sync_of

from conftest import NOW
from mastery.collection import Collection
from mastery.errors import SyncError
from mastery.sync import crypto
from mastery.sync.keystore import KeyStore

# test_sync's profiles (one home each, the deck imported), shared as fixtures here.
open_profile = test_sync.open_profile
deck = test_sync.deck


@pytest.fixture
def folder(tmp_path: Path) -> str:
    path = tmp_path / "synced-folder"
    path.mkdir()
    return str(path)


@pytest.fixture
def fast_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI makes headers with the real Argon2id limits: the smallest ones in tests."""
    real = crypto.new_header
    monkeypatch.setattr(crypto, "new_header", lambda p, fast=False: real(p, fast=True))


def key_file(col: Collection) -> Path:
    return col.db.path.parent / "sync" / "key"


def test_setup_remembers_the_key_not_the_passphrase_readable_by_its_owner_only(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(folder, PASS)
    sync_of(b).setup(folder, PASS)
    path = key_file(b)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="ascii")
    assert len(text.strip()) == 64 and PASS not in text
    assert not list(path.parent.glob(".key.*.tmp"))  # written atomically, nothing left
    # The key is the target's: a sync without the passphrase brings the other's answers.
    a.answer(card_id(a, "fr"), 3, now=NOW)
    assert sync_of(a).run().sent == 1
    assert sync_of(b).run().received == 1
    assert sync_of(b).status().key_remembered


def test_no_remember_keeps_no_key_and_removes_one_kept_before(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a = open_profile("a")
    sync_of(a).setup(folder, PASS)
    assert key_file(a).exists()
    sync_of(a).setup(folder, PASS, remember=False)
    assert not key_file(a).exists() and not sync_of(a).status().key_remembered
    with pytest.raises(SyncError, match="does not remember the sync key"):
        sync_of(a).run()
    assert sync_of(a).run(PASS).received == 0  # the passphrase still works


def test_a_stale_remembered_key_is_refused_in_one_line_and_seals_nothing(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a = open_profile("a")
    sync_of(a).setup(folder, PASS)
    a.answer(card_id(a, "fr"), 3, now=NOW)
    KeyStore(key_file(a).parent).save(bytes(32))  # the key of another passphrase
    with pytest.raises(SyncError) as caught:
        sync_of(a).run()
    assert str(caught.value) == (
        "the remembered key no longer opens the target (its passphrase changed?): "
        f"run `mastery sync setup {Path(folder).resolve()}` again"
    )
    assert sync_of(a).status().unsent_answers == 1  # nothing was sealed with it
    assert sync_of(a).run(PASS).sent == 1  # the passphrase given still works


@pytest.mark.parametrize("content", ["", "not hex", "ab" * 16, "ab" * 33])
def test_a_damaged_key_file_is_one_line(
    open_profile: Callable[..., Collection], folder: str, content: str
) -> None:
    a = open_profile("a")
    sync_of(a).setup(folder, PASS)
    key_file(a).write_text(content, encoding="ascii")
    with pytest.raises(SyncError, match="not a sync key .*forget-key"):
        sync_of(a).run()
    assert sync_of(a).forget_key() and not sync_of(a).forget_key()


def test_auto_is_on_by_default_and_kept_across_setups(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a = open_profile("a")
    assert sync_of(a).status().auto  # no target: nothing to say, but not "off"
    with pytest.raises(SyncError, match="no sync target yet"):
        sync_of(a).set_auto(False)
    sync_of(a).setup(folder, PASS, auto=False)
    assert not sync_of(a).status().auto
    sync_of(a).setup(folder, PASS)  # set up again (a new passphrase...): still off
    assert not sync_of(a).status().auto
    sync_of(a).set_auto(True)
    assert sync_of(a).status().auto


def test_cli_remembered_key_forget_key_and_auto(
    open_profile: Callable[..., Collection],
    folder: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fast_headers: None,
) -> None:
    a = open_profile("a")
    a.answer(card_id(a, "fr"), 3, now=NOW)
    home = str(a.db.path.parents[2])
    a.close()
    where = ("--home", home, "--profile", "a")
    monkeypatch.setenv("MASTERY_SYNC_PASSPHRASE", PASS)
    code, out, err = _cli(capsys, "sync", "setup", folder, "--no-auto", *where)
    assert code == 0, err
    assert "The key is remembered on this device" in out and "1 event sent" in out
    monkeypatch.delenv("MASTERY_SYNC_PASSPHRASE")
    code, out, err = _cli(capsys, "sync", *where)  # no terminal, no passphrase: the key
    assert code == 0 and "0 answers received" in out, err
    code, out, _ = _cli(capsys, "sync", "status", *where)
    assert "Key:         remembered on this device" in out
    assert "Automatic:   off" in out
    code, out, _ = _cli(capsys, "sync", "auto", "on", *where)
    assert code == 0 and "syncs on its own" in out
    code, out, _ = _cli(capsys, "sync", "status", "--json", *where)
    status = json.loads(out)
    assert status["auto"] is True and status["key_remembered"] is True

    # A stale key: one line, exit 2; the passphrase given on purpose still syncs.
    KeyStore(Path(home) / "profiles" / "a" / "sync").save(bytes(32))
    code, out, err = _cli(capsys, "sync", *where)
    assert code == 2 and err.count("\n") == 1
    assert "the remembered key no longer opens the target" in err
    monkeypatch.setenv("MASTERY_SYNC_PASSPHRASE", PASS)
    code, out, err = _cli(capsys, "sync", *where)
    assert code == 0, err
    monkeypatch.delenv("MASTERY_SYNC_PASSPHRASE")

    code, out, _ = _cli(capsys, "sync", "forget-key", *where)
    assert code == 0 and "Forgot the sync key" in out
    code, out, _ = _cli(capsys, "sync", "forget-key", *where)
    assert code == 0 and "No sync key was remembered" in out
    code, out, err = _cli(capsys, "sync", *where)
    assert code == 2 and "MASTERY_SYNC_PASSPHRASE" in err

    monkeypatch.setenv("MASTERY_SYNC_PASSPHRASE", PASS)
    code, out, err = _cli(capsys, "sync", "setup", folder, "--no-remember", *where)
    assert code == 0 and "The key is not remembered" in out, err
    assert not (Path(home) / "profiles" / "a" / "sync" / "key").exists()


def test_cli_auto_before_setup_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(capsys, "sync", "auto", "off")
    assert code == 2 and err == (
        "mastery: error: no sync target yet: run `mastery sync setup TARGET` first\n"
    )
    with pytest.raises(SystemExit) as exited:
        _cli(capsys, "sync", "auto", "maybe")
    assert exited.value.code == 2 and "invalid choice: 'maybe'" in capsys.readouterr().err
