"""Sync in the app (issue 14): on its own when the app opens and after a review session, in a
worker; "Sync now" from the palette and `y`; the passphrase asked in a dialog (and the key
remembered) when this device keeps none; the status in the header; a failing sync is one
line and the app goes on."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import test_sync
from test_sync import PASS, card_id, sync_of
from test_tui_helpers import make_app as make_any_app
from test_tui_helpers import screen_text

from conftest import NOW
from mastery.collection import Collection
from mastery.sync import Sync
from mastery.tui.app import MasteryCommands
from mastery.tui.widgets.sync_header import SyncStatusLabel

open_profile = test_sync.open_profile
deck = test_sync.deck


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "synced-folder"
    path.mkdir()
    return path


@pytest.fixture
def devices(open_profile: Callable[..., Collection], folder: Path) -> tuple[Collection, Collection]:
    """This device (the app's) and another one that answered a card and synced it: set up
    against one folder, this one with its key remembered."""
    me, other = open_profile("me"), open_profile("other")
    sync_of(other).setup(str(folder), PASS)
    sync_of(me).setup(str(folder), PASS)
    other.answer(card_id(other, "fr"), 3, now=NOW)
    assert sync_of(other).run().sent == 1
    return me, other


def make_app(col: Collection, **kwargs: Any) -> Any:
    """The app, with its first sync right after the first frame (a second later in use)."""
    app = make_any_app(col, **kwargs)
    app.BACKGROUND_DELAY = 0.01
    return app


def header_line(app: Any) -> str:
    return screen_text(app).splitlines()[0]


def new_count(app: Any) -> str:
    """The dashboard's New cell of the deck."""
    return str(app.screen.query_one("#decks").get_row("capitals")[1]).strip()


async def settle(app: Any, pilot: Any) -> None:
    """Let the sync begin (it waits for the first frame), end, and be shown."""
    await pilot.pause(0.05)
    for _ in range(100):  # a worker started meanwhile is waited for too
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not app.sync_runner.running:
            break
    await pilot.pause()  # the header redrawn with the outcome


async def test_the_app_syncs_when_it_opens_and_shows_what_came(
    devices: tuple[Collection, Collection],
) -> None:
    me, _ = devices
    app = make_app(me)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert me.card("capitals/fr").reps == 1  # the other device's answer is here
        assert new_count(app) == "2"  # and the dashboard shows it
        line = header_line(app)
        assert "Mastery" in line and "synced just now" in line
        assert ("information", "Sync: 1 answer from your other devices.") in app.notes
        # On the review screen too, at 80 columns.
        await pilot.press("r")
        await pilot.pause()
        assert "synced just now" in header_line(app)


async def test_no_auto_sync_without_the_key_or_with_auto_off(
    devices: tuple[Collection, Collection],
) -> None:
    me, _ = devices
    sync_of(me).set_auto(False)
    app = make_app(me)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert me.card("capitals/fr").reps == 0
        assert "synced just now" in header_line(app)  # the setup's own sync
    sync_of(me).set_auto(True)
    sync_of(me).forget_key()
    app = make_app(me)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert me.card("capitals/fr").reps == 0  # never a passphrase asked unprompted
        assert app.screen.id == "dashboard"


async def test_a_failing_sync_is_one_line_and_the_app_keeps_working(
    devices: tuple[Collection, Collection], folder: Path
) -> None:
    me, _ = devices
    shutil.rmtree(folder)  # the synced folder is gone (unmounted)
    app = make_app(me)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        errors = [text for severity, text in app.notes if severity == "error"]
        assert len(errors) == 1 and "\n" not in errors[0]
        assert errors[0].startswith("Sync failed: ") and "the sync folder is not there" in errors[0]
        assert "sync failed" in header_line(app)
        # The palette's "Sync now" says why; the app goes on: review a card.
        commands = {t: h for t, _, h in MasteryCommands(app.screen)._commands()}
        assert commands["sync: Sync now"].startswith("Last sync failed: ")
        await pilot.click("#sync-status")  # so does a click on the status
        assert app.notes[-1][1] == commands["sync: Sync now"]
        await pilot.press("r", "space", "3")
        await pilot.pause()
        assert me.conn.execute("SELECT count(*) FROM reviewlog").fetchone()[0] == 1
        assert app.is_running


async def test_a_copied_profile_is_a_failed_sync_that_says_what_to_run(
    devices: tuple[Collection, Collection], monkeypatch: pytest.MonkeyPatch
) -> None:
    me, _ = devices
    monkeypatch.setenv("MASTERY_MACHINE_ID", "the machine it was copied to")
    app = make_app(me)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        errors = [text for severity, text in app.notes if severity == "error"]
        assert len(errors) == 1 and "\n" not in errors[0]
        assert errors[0].startswith("Sync failed: this profile's sync was set up at ")
        assert "--moved" in errors[0] and "--new-device" in errors[0]
        assert "sync failed" in header_line(app)
        assert me.card("capitals/fr").reps == 0  # nothing received


async def test_sync_now_from_the_palette(devices: tuple[Collection, Collection]) -> None:
    from textual.command import CommandInput

    me, other = devices
    sync_of(me).set_auto(False)
    app = make_app(me)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert me.card("capitals/fr").reps == 0
        await pilot.press("ctrl+p")
        await pilot.pause()
        app.screen.query_one(CommandInput).value = "sync now"
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(app, pilot)
        assert me.card("capitals/fr").reps == 1
        assert new_count(app) == "2"
        said = "Synced: 1 answer received from 1 other device, 0 events sent."
        assert ("information", said) in app.notes


async def test_y_asks_for_the_passphrase_and_remembers_the_key(
    devices: tuple[Collection, Collection],
) -> None:
    from mastery.tui.dialogs.sync import PassphraseScreen

    me, other = devices
    sync_of(me).forget_key()
    app = make_app(me)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, PassphraseScreen)
        await pilot.press(*"wrong", "enter")
        await settle(app, pilot)
        assert ("error", "Sync failed: wrong sync passphrase for this target") in app.notes
        assert not sync_of(me).status().key_remembered and "sync failed" in header_line(app)

        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, PassphraseScreen)
        app.screen.query_one("#sync-passphrase-input").value = PASS
        await pilot.press("enter")
        await settle(app, pilot)
        assert me.card("capitals/fr").reps == 1
        assert sync_of(me).status().key_remembered
        assert "synced just now" in header_line(app)
    # Remembered: the next app syncs on its own.
    other.answer(card_id(other, "de"), 3, now=NOW)
    sync_of(other).run()
    app = make_app(me)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert me.card("capitals/de").reps == 1


async def test_sync_now_without_a_target_offers_the_setup(
    open_profile: Callable[..., Collection], folder: Path
) -> None:
    from mastery.tui.dialogs.sync import SetupScreen

    me, other = open_profile("me"), open_profile("other")
    sync_of(other).setup(str(folder), PASS)
    other.answer(card_id(other, "fr"), 3, now=NOW)
    sync_of(other).run()
    app = make_app(me)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert not app.screen.query_one(SyncStatusLabel).display  # nothing to say
        commands = {t: h for t, _, h in MasteryCommands(app.screen)._commands()}
        assert commands["sync: Sync now"].startswith("Not set up yet")
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        assert "Nobody can recover it" in " ".join(screen_text(app).split())
        await pilot.press("enter")  # nothing typed: nothing happens
        assert isinstance(app.screen, SetupScreen)
        app.screen.query_one("#sync-target").value = str(folder)
        app.screen.query_one("#sync-phrase").value = PASS
        app.screen.query_one("#sync-phrase-again").value = PASS + "!"
        await pilot.press("enter")
        await pilot.pause()
        assert ("error", "The two passphrases differ: type them again.") in app.notes
        assert app.focused.id == "sync-phrase" and not app.focused.value
        app.screen.query_one("#sync-phrase").value = PASS
        app.screen.query_one("#sync-phrase-again").value = PASS
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.id == "dashboard"
        joined = (
            f"Joined sync with {folder.resolve()}. "
            "Synced: 1 answer received from 1 other device, 0 events sent."
        )
        assert ("information", joined) in app.notes
        assert me.card("capitals/fr").reps == 1 and new_count(app) == "2"
        assert sync_of(me).status().key_remembered
        assert "synced just now" in header_line(app)


async def test_a_setup_that_fails_is_one_line(col: Collection, tmp_path: Path) -> None:
    app = make_app(col)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("y")
        await pilot.pause()
        app.screen.query_one("#sync-target").value = str(tmp_path / "nowhere")
        app.screen.query_one("#sync-phrase").value = PASS
        app.screen.query_one("#sync-phrase-again").value = PASS
        await pilot.press("enter")
        await settle(app, pilot)
        errors = [text for severity, text in app.notes if severity == "error"]
        assert errors == [
            f"Sync setup failed: {tmp_path / 'nowhere'}: no such folder (make it first, or "
            "give a git URL)"
        ]
        assert col.sync.status().target is None
        assert not app.screen.query_one(SyncStatusLabel).display


async def test_a_review_session_syncs_when_it_ends(
    devices: tuple[Collection, Collection],
) -> None:
    me, other = devices
    app = make_app(me)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("r", "space", "3", "escape")
        await settle(app, pilot)
        assert app.screen.id == "dashboard"
    assert sync_of(other).run().received == 1  # this session's answer went out


async def test_a_sync_asked_while_one_runs_follows_it_never_alongside(
    devices: tuple[Collection, Collection], monkeypatch: pytest.MonkeyPatch
) -> None:
    me, _ = devices
    sync_of(me).set_auto(False)
    release = threading.Event()
    running = []
    overlapped = []
    real = Sync.run

    def slow_run(self: Sync, *args: Any, **kwargs: Any) -> Any:
        overlapped.append(bool(running))
        running.append(1)
        try:
            release.wait(10)
            return real(self, *args, **kwargs)
        finally:
            running.pop()

    monkeypatch.setattr(Sync, "run", slow_run)
    app = make_app(me)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("y")
        await pilot.pause()
        assert "syncing…" in header_line(app)
        await pilot.press("y")  # asked again while it runs: queued
        await pilot.pause()
        assert ("information", "A sync is running: another follows it.") in app.notes
        release.set()
        await settle(app, pilot)
        await settle(app, pilot)
    assert overlapped == [False, False]  # two syncs, one after the other


def test_the_status_says_how_long_ago_in_few_columns() -> None:
    from datetime import timedelta

    from mastery import present

    assert present.ago(NOW, NOW + timedelta(seconds=59)) == "just now"
    assert present.ago(NOW, NOW - timedelta(minutes=5)) == "just now"  # a clock behind
    assert present.ago(NOW, NOW + timedelta(minutes=2, seconds=5)) == "2 min ago"
    assert present.ago(NOW, NOW + timedelta(hours=3, minutes=59)) == "3 h ago"
    assert present.ago(NOW, NOW + timedelta(days=1)) == "1 day ago"
    assert present.ago(NOW, NOW + timedelta(days=40)) == "40 days ago"


async def test_the_passphrase_dialog_can_sync_without_remembering(
    devices: tuple[Collection, Collection],
) -> None:
    me, _ = devices
    sync_of(me).forget_key()
    app = make_app(me)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("y")
        await pilot.pause()
        app.screen.query_one("#sync-passphrase-input").value = PASS
        await pilot.press("tab", "space")  # untick "Remember the key on this device"
        assert not app.screen.query_one("#sync-remember").value
        await pilot.press("shift+tab", "enter")
        await settle(app, pilot)
        assert me.card("capitals/fr").reps == 1
        assert not sync_of(me).status().key_remembered
        await pilot.press("y")  # asks again
        await pilot.pause()
        await pilot.press("escape")  # and Escape asks nothing more
        await pilot.pause()
        assert app.screen.id == "dashboard"


def test_the_apps_git_never_asks_on_the_terminal(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """ssh asks for a key's passphrase or a new host on the terminal, which the app draws on:
    the app's git runs in a session of its own with no input, so it fails in one line."""
    import subprocess

    from mastery.sync import transport

    seen: list[dict[str, Any]] = []

    def run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        seen.append(kwargs)
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setattr(transport.subprocess, "run", run)
    transport.GitTarget("git@example.org:me/s.git", tmp_path / "r", batch=True)._git("status")
    transport.GitTarget("git@example.org:me/s.git", tmp_path / "r")._git("status")
    assert seen[0]["start_new_session"] and seen[0]["stdin"] == subprocess.DEVNULL
    assert not seen[1]["start_new_session"] and seen[1]["stdin"] is None  # the CLI may ask


async def test_a_long_sync_shows_how_far_it_got(
    devices: tuple[Collection, Collection], monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from mastery.tui.sync_runner import SyncRunner

    me, other = devices
    for n in range(11):  # eleven more chunks: twelve to read
        other.answer(card_id(other, "de"), 3, now=NOW + timedelta(days=n + 1))
        sync_of(other).run()
    shown: list[str] = []
    real = SyncRunner._progress

    def progress(self: SyncRunner, percent: int) -> None:
        real(self, percent)
        shown.append(self.line()[0])

    monkeypatch.setattr(SyncRunner, "_progress", progress)
    app = make_app(me)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        # This device has no answers yet, so it replays them as it reads (`Merge.stream`):
        # reading is the bar's first 95%, and one chunk of twelve read is 8%.
        assert shown[0] == "syncing… 8%" and shown[-1] == "syncing… 100%"
        figures = [int(line.removeprefix("syncing… ").rstrip("%")) for line in shown]
        assert figures == sorted(set(figures))
        assert "synced just now" in header_line(app)
