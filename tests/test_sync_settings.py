"""Sync of settings, presets, the preset each deck uses and decks' own FSRS weights (issue 14,
docs/sync.md, sync/settings.py): the latest change wins per setting, preset and deck, every
device ends the same whatever the order, and a replay uses the settings just received."""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import test_sync
from test_sync import PASS, answers_of, card_id, state_of, sync_of

from conftest import NOW
from mastery.collection import Collection
from mastery.days import utcnow

# The two-device fixtures of test_sync.py (profiles in homes of their own, a target).
deck = test_sync.deck
open_profile = test_sync.open_profile
target = test_sync.target

PARAMS = [
    0.5, 1.4, 3.5, 16.0, 7.1, 0.55, 1.9, 0.01, 1.5, 0.15, 0.95, 1.9, 0.11, 0.3, 2.2,
    0.23, 3.0, 0.5, 0.66, 0.15, 0.2,
]  # fmt: skip


def settings_of(col: Collection) -> tuple[Any, ...]:
    """What must be equal on every device besides cards: settings, presets by name with their
    values and decks, decks' own weights."""
    values = {k: col.setting(k) for k in ("desired_retention", "new_per_day", "timezone")}
    presets = sorted((p.name, sorted(p.values.items()), p.decks) for p in col.presets.presets())
    own = {k: col.fsrs_parameters(k) for k in col.decks_with_own_parameters()}
    return values, presets, own


def everything_of(col: Collection) -> tuple[Any, ...]:
    return state_of(col), settings_of(col)


def later_clock(col: Collection, seconds: int) -> None:
    moment = utcnow() + timedelta(seconds=seconds)
    col.set_clock(lambda: moment)


@pytest.fixture
def folder(tmp_path: Path) -> str:
    path = tmp_path / "synced"
    path.mkdir()
    return str(path)


def test_a_replay_after_new_fsrs_parameters_came_uses_them_on_every_device(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a, b, c = open_profile("a"), open_profile("b"), open_profile("c")
    for col in (a, b, c):
        sync_of(col).setup(folder, PASS)
    a.answer(card_id(a, "fr"), 3, now=NOW)
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)  # b replays fr with FSRS's default weights
    a.set_fsrs_parameters(PARAMS)
    a.answer(card_id(a, "de"), 3, now=NOW + timedelta(minutes=5))
    sync_of(a).run(PASS)
    sync_of(c).run(PASS)  # c gets fr's answer and the weights together
    sync_of(b).run(PASS)
    assert everything_of(a) == everything_of(b) == everything_of(c)


def test_settings_changed_on_two_devices_keep_both_and_the_later_wins_on_one(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(folder, PASS)
    sync_of(b).setup(folder, PASS)
    a.set_setting("desired_retention", 0.85)
    a.set_setting("new_per_day", 30)
    a.set_setting("auto_backup", False)  # this computer's backups: stays here
    b.set_setting("new_per_day", 40)
    b.set_setting("timezone", "Europe/Paris")
    sync_of(b).run(PASS)
    later_clock(a, 1)  # a's changes are synced later: they are the newer ones
    assert sync_of(a).run(PASS).sent == 2  # retention, new cards; never the backup
    sync_of(b).run(PASS)
    for col in (a, b):
        assert col.setting("desired_retention") == 0.85
        assert col.setting("new_per_day") == 30
        assert col.setting("timezone") == "Europe/Paris"
    assert a.setting("auto_backup") is False and b.setting("auto_backup") is True
    # Back to the default on one device is a change too.
    b.reset_setting("new_per_day")
    later_clock(b, 2)
    sync_of(b).run(PASS)
    sync_of(a).run(PASS)
    assert a.setting("new_per_day") == 20
    assert sync_of(a).run(PASS).sent == sync_of(b).run(PASS).sent == 0


def test_a_preset_added_renamed_and_removed_follows_with_its_decks(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(folder, PASS)
    sync_of(b).setup(folder, PASS)
    a.presets.add("Hard")
    a.presets.edit("Hard", "desired_retention", 0.95)
    a.presets.use("capitals", "Hard")
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    hard = b.presets.preset("Hard")
    assert hard.values["desired_retention"] == 0.95 and hard.decks == ("capitals",)
    assert b.scheduler_for(b.deck("capitals").id).config.desired_retention == 0.95
    # A rename on b is the same preset on a: never two.
    b.presets.rename("Hard", "Harder")
    later_clock(b, 1)
    sync_of(b).run(PASS)
    sync_of(a).run(PASS)
    assert [p.name for p in a.presets.presets()] == ["Default", "Harder"]
    assert a.presets.preset("Harder").decks == ("capitals",)
    assert settings_of(a) == settings_of(b)
    # Removed on a: gone on b, and its deck is back on the default preset.
    a.presets.remove("Harder")
    later_clock(a, 2)
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    assert [p.name for p in b.presets.presets()] == ["Default"]
    assert b.presets.preset("Default").decks == ("capitals",)
    assert settings_of(a) == settings_of(b)
    assert sync_of(a).run(PASS).sent == sync_of(b).run(PASS).sent == 0


def test_two_presets_given_one_name_on_two_devices_are_both_kept_alike(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(folder, PASS)
    sync_of(b).setup(folder, PASS)
    a.presets.add("Exam")
    a.presets.edit("Exam", "new_per_day", 50)
    b.presets.add("Exam")
    b.presets.edit("Exam", "new_per_day", 5)
    for col in (a, b, a, b):
        sync_of(col).run(PASS)
    names = sorted(p.name for p in a.presets.presets())
    assert names[:2] == ["Default", "Exam"] and names[2].startswith("Exam (")
    assert settings_of(a) == settings_of(b)
    assert {p.values["new_per_day"] for p in a.presets.presets()} >= {50, 5}


def test_a_deck_preset_for_a_deck_not_here_yet_waits_for_it(
    open_profile: Callable[..., Collection], folder: str, deck: Path
) -> None:
    a, b = open_profile("a"), open_profile("b", with_deck=False)
    sync_of(a).setup(folder, PASS)
    a.presets.add("Slow")
    a.presets.use("capitals", "Slow")
    a.set_fsrs_parameters(PARAMS, deck_key="capitals")
    sync_of(a).run(PASS)
    sync_of(b).setup(folder, PASS)
    assert [p.name for p in b.presets.presets()] == ["Default", "Slow"]
    b.import_files([deck], now=NOW)
    assert b.presets.preset("Slow").decks == ()
    assert sync_of(b).run(PASS).sent == 0  # the waiting link is applied, not undone
    assert b.presets.preset("Slow").decks == ("capitals",)
    assert b.fsrs_parameters("capitals") == tuple(PARAMS)
    sync_of(a).run(PASS)
    assert settings_of(a) == settings_of(b)


def test_what_a_newer_mastery_sent_waits_and_is_never_sent_back(
    open_profile: Callable[..., Collection],
) -> None:
    from mastery.sync.events import SettingEvent
    from mastery.sync.hlc import Clock
    from mastery.sync.settings import settings_channel

    col = open_profile("a")
    channel = settings_channel()
    future = [
        SettingEvent(what="flashlight", key="x", stamp=5, value={"on": True}),
        SettingEvent(what="setting", key="dark_matter", stamp=6, value=3),
        SettingEvent(what="setting", key="new_per_day", stamp=7, value=100000),  # out of range
        SettingEvent(what="setting", key="new_per_day", stamp=8, value=""),
    ]
    with col.db.transaction() as conn:
        channel.apply(conn, "f" * 32, future)
        waiting = conn.execute(  # a newer kind, and values kept until they can be stored
            "SELECT (SELECT count(*) FROM syncitem WHERE applied = 0) + (SELECT count(*) "
            "FROM syncpending WHERE kind IN ('setting', 'personal'))"
        ).fetchone()[0]
        batch = channel.outgoing(conn, "e" * 32, Clock(), 10)
    assert waiting == 3 and batch.events == []
    assert col.setting("new_per_day") == 20


def test_a_lost_chunk_is_written_again_with_the_settings_in_it(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a = open_profile("a")
    sync_of(a).setup(folder, PASS)
    a.set_setting("desired_retention", 0.8)
    a.presets.add("Light")
    a.presets.use("capitals", "Light")
    sync_of(a).run(PASS)
    device = a.meta("sync")["device"]
    for chunk in (Path(folder) / device).glob("*.chunk"):
        chunk.unlink()
    assert sync_of(a).run(PASS).rewritten >= 1
    c = open_profile("c")
    sync_of(c).setup(folder, PASS)
    assert c.setting("desired_retention") == 0.8
    assert c.presets.preset("Light").decks == ("capitals",)
    assert sync_of(c).run(PASS).sent == 0


def test_a_restored_backup_gets_its_later_preset_back_from_the_target(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a = open_profile("a")
    sync_of(a).setup(folder, PASS)
    backup = a.backup(now=NOW)
    a.presets.add("Light")
    a.presets.edit("Light", "desired_retention", 0.75)
    sync_of(a).run(PASS)
    expected = settings_of(a)
    path = a.db.path
    a.close()
    shutil.copyfile(backup, path)
    restored = Collection.open_path(path)
    try:
        sync_of(restored).run(PASS)
        assert settings_of(restored) == expected
        assert sync_of(restored).run(PASS).sent == 0
    finally:
        restored.close()


def test_three_devices_changing_settings_presets_and_weights_end_identical(
    open_profile: Callable[..., Collection], target: str
) -> None:
    devices = [open_profile(name) for name in ("a", "b", "c")]
    for col in devices:
        sync_of(col).setup(target, PASS)
    rng = random.Random(1410)
    moment = NOW
    rounds = 3 if target.endswith(".git") else 6
    for _ in range(rounds):
        for col in devices:
            for _ in range(rng.randint(0, 3)):
                moment += timedelta(minutes=rng.randint(1, 600))
                col.answer(
                    card_id(col, rng.choice(["fr", "de", "it"])), rng.randint(1, 4), now=moment
                )
            change = rng.random()
            if change < 0.15:
                col.set_fsrs_parameters([w * rng.uniform(0.97, 1.03) for w in PARAMS])
            elif change < 0.3:
                col.set_setting("desired_retention", rng.choice([0.8, 0.85, 0.9, 0.95]))
            elif change < 0.45:
                name = rng.choice(["Hard", "Easy"])
                if name not in [p.name for p in col.presets.presets()]:
                    col.presets.add(name)
                col.presets.edit(name, "maximum_interval", rng.randint(30, 400))
                col.presets.use("capitals", name)
            elif change < 0.55:
                col.presets.use("capitals", "Default")
            elif change < 0.65:
                col.set_setting("learning_steps", rng.choice(["1m 10m", "5m", "2m 20m 1h"]))
        for col in rng.sample(devices, k=rng.randint(1, 3)):
            sync_of(col).run(PASS)
    for _ in range(3):  # full rounds: everyone has everything (a name clash settles in two)
        for col in rng.sample(devices, k=3):
            sync_of(col).run(PASS)
    states = [everything_of(col) for col in devices]
    assert states[0] == states[1] == states[2]
    assert len(states[0][0][1]) == sum(len(answers_of(c)) for c in devices) // 3 > 0


def test_a_backup_from_before_a_presets_first_sync_does_not_make_it_twice(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(folder, PASS)
    sync_of(b).setup(folder, PASS)
    a.presets.add("Light")
    a.presets.use("capitals", "Light")
    backup = a.backup(now=NOW)  # holds the preset, not yet its sync record
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    path = a.db.path
    a.close()
    shutil.copyfile(backup, path)
    restored = Collection.open_path(path)
    try:
        sync_of(restored).run(PASS)
        sync_of(b).run(PASS)
        assert [p.name for p in restored.presets.presets()] == ["Default", "Light"]
        assert settings_of(restored) == settings_of(b)
        assert sync_of(restored).run(PASS).sent == 0
    finally:
        restored.close()


def test_a_preset_removed_on_one_device_and_edited_later_on_the_other_comes_back(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(folder, PASS)
    sync_of(b).setup(folder, PASS)
    a.presets.add("Light")
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    a.presets.remove("Light")
    sync_of(a).run(PASS)
    b.presets.edit("Light", "new_per_day", 7)  # b has not seen the removal: its edit is later
    later_clock(b, 1)
    sync_of(b).run(PASS)
    sync_of(a).run(PASS)
    assert a.presets.preset("Light").values["new_per_day"] == 7
    assert settings_of(a) == settings_of(b)


def test_one_setting_changed_on_two_devices_in_the_same_millisecond_ends_alike(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(folder, PASS)
    sync_of(b).setup(folder, PASS)
    moment = utcnow() + timedelta(seconds=5)
    for col, value in ((a, 11), (b, 12)):
        col.set_setting("new_per_day", value)
        col.set_clock(lambda: moment)
    for col in (a, b, a):
        sync_of(col).run(PASS)
    # Equal stamps: the higher device id wins, on both.
    winner = max((a, b), key=lambda col: col.meta("sync")["device"])
    assert a.setting("new_per_day") == b.setting("new_per_day") == (11 if winner is a else 12)


def test_empty_and_odd_values_from_the_target_are_checked_as_local_edits(
    open_profile: Callable[..., Collection],
) -> None:
    from mastery.sync.events import SettingEvent
    from mastery.sync.settings import settings_channel

    col = open_profile("a")
    uid = "0" * 32
    events = [
        SettingEvent(what="setting", key="timezone", stamp=5, value=""),  # empty: valid
        SettingEvent(what="setting", key="learning_steps", stamp=6, value=[]),  # needs one
        SettingEvent(what="preset", key=uid, stamp=7, value={"name": "", "config": {}}),
        SettingEvent(what="preset", key="1" * 32, stamp=8, value={"name": "x" * 61, "config": {}}),
        SettingEvent(
            what="preset", key="2" * 32, stamp=9, value={"name": "Ok", "config": {"timezone": ""}}
        ),
        SettingEvent(what="deck_parameters", key="capitals", stamp=10, value=[1.0, 2.0]),
    ]
    with col.db.transaction() as conn:
        settings_channel().apply(conn, "f" * 32, events)
        waiting = conn.execute(  # a newer kind, and values kept until they can be stored
            "SELECT (SELECT count(*) FROM syncitem WHERE applied = 0) + (SELECT count(*) "
            "FROM syncpending WHERE kind IN ('setting', 'personal'))"
        ).fetchone()[0]
    col.reload_settings()
    assert waiting == 5
    assert [p.name for p in col.presets.presets()] == ["Default"]
    assert col.setting("learning_steps") == ["1m", "10m"] and col.decks_with_own_parameters() == []


def test_a_sync_killed_after_writing_its_chunk_does_not_send_the_settings_twice(
    open_profile: Callable[..., Collection], folder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mastery.sync import merge

    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(folder, PASS)
    sync_of(b).setup(folder, PASS)
    a.set_setting("maximum_interval", 365)
    a.presets.add("Light")

    def killed(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(merge, "mark_sent", killed)
    with pytest.raises(KeyboardInterrupt):
        sync_of(a).run(PASS)
    monkeypatch.undo()
    assert sync_of(a).run(PASS).sent == 0  # the chunk on the target was recognised
    sync_of(b).run(PASS)
    assert b.setting("maximum_interval") == 365
    assert [p.name for p in b.presets.presets()] == ["Default", "Light"]
    assert settings_of(a) == settings_of(b)


def test_cli_says_how_many_changes_came_besides_answers(
    open_profile: Callable[..., Collection],
    folder: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mastery.cli import main
    from mastery.sync import crypto

    real = crypto.new_header
    monkeypatch.setattr(crypto, "new_header", lambda p, fast=False: real(p, fast=True))
    monkeypatch.setenv("MASTERY_SYNC_PASSPHRASE", PASS)
    a, b = open_profile("a"), open_profile("b")
    a.set_setting("new_per_day", 33)
    a.presets.add("Exam")
    homes = {"a": str(a.db.path.parents[2]), "b": str(b.db.path.parents[2])}
    a.close()
    b.close()
    for name in ("a", "b"):
        assert main(["sync", "setup", folder, "--home", homes[name], "--profile", name]) == 0
    out = capsys.readouterr().out
    assert "Synced: 0 answers and 2 changes received from 1 other device, 0 events sent." in out
    assert main(["sync", "--json", "--home", homes["b"], "--profile", "b"]) == 0
    assert '"changes": 0' in capsys.readouterr().out
    assert main(["config", "new_per_day", "--home", homes["b"], "--profile", "b"]) == 0
    assert "33" in capsys.readouterr().out
