"""Shared fixtures: every test runs against a throwaway MASTERY_HOME and a fixed clock."""

from __future__ import annotations

import functools
import gc
import importlib
import os
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

# The real PostgreSQL server of the test run (tests/pg.py), for tests marked `postgres`.
from pg import pg_dsn, postgres_server  # noqa: F401  (fixtures)

from mastery import paths
from mastery.collection import Collection

# In CI the property tests replay the same examples every run (a run either passes or fails
# for a reason that replays); on a developer's machine they explore new ones each time.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
# A fixed moment: Saturday 2026-11-21 10:00 UTC (a learner's day starting 04:00 UTC).
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def mastery_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("MASTERY_HOME", str(home))
    monkeypatch.delenv("EDITOR", raising=False)
    return home


@pytest.fixture(autouse=True)
def stewards_fork_as_the_cli_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """`mastery team aggregate` opens a folder's shares in forked processes when its thread is
    the process's only one; a pytest-xdist worker runs a thread of its own, so a test on the
    main thread forks as the command does, and the app's workers (other threads) do not."""
    monkeypatch.setattr(
        "mastery.team.steward._only_thread",
        lambda: threading.current_thread() is threading.main_thread(),
    )


@pytest.fixture(scope="session")
def empty_profile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The database file of an empty profile (no bundled decks) in UTC, made once per test
    process: creating the schema costs ten times as much as copying the file, and most tests
    start from this profile. Tests of creating a profile open one themselves."""
    home = tmp_path_factory.mktemp("empty-profile")
    with Collection.open(home=home, bundled=False, now=NOW) as c:
        c.set_setting("timezone", "UTC")
    path = paths.database_path(home=home)
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # closed whole
    return path


@pytest.fixture
def col(mastery_home: Path, empty_profile_db: Path) -> Iterator[Collection]:
    """An empty profile (no bundled decks) in UTC, so day boundaries are easy to reason about."""
    target = paths.database_path(home=mastery_home)
    made_elsewhere = target.exists()  # by another fixture: open that one, as before
    if not made_elsewhere:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(empty_profile_db, target)
    c = Collection.open(bundled=False, now=NOW)
    if made_elsewhere:
        c.set_setting("timezone", "UTC")
    yield c
    c.close()


@pytest.fixture
def write_deck(tmp_path: Path):
    """Write a TOML deck file and return its path."""

    def write(text: str, name: str = "deck.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def _app_is_busy(app: Any) -> bool:
    """Whether the app still has work queued that a test would otherwise read the screen
    before: a running or pending worker, a message or `call_next` callback waiting in the app,
    the screen or any widget on it, or a `call_after_refresh` callback waiting for a refresh."""
    from textual.worker import WorkerState

    if any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers):
        return True
    try:
        screen = app.screen
    except Exception:  # no screen yet, or the app is closing: nothing to wait for
        return False
    if getattr(screen, "_callbacks", None):
        return True
    return any(
        pump.message_queue_size or getattr(pump, "_next_callbacks", None)
        for pump in (app, *screen.walk_children(with_self=True))
    )


@pytest.fixture(autouse=True, scope="session")
def patient_pilot() -> Iterator[None]:
    """`pilot.pause()` waits until the process *looks* idle (CPU time not advancing against
    the wall clock), which a loaded machine -- the suite on two workers in CI -- reports
    too early: a screen whose data lands in `call_after_refresh` or in a worker's message was
    read before its second refresh. So a pause pauses again while the app still has work
    running or queued (workers, messages, deferred callbacks), up to ten times. (Pausing a
    fixed three times did the same on a loaded machine, but slept 40 ms or more for nothing
    on every pause of a quiet one.) It never waits for a worker to end: a test may hold a
    worker on purpose, and awaits `app.workers.wait_for_complete()` itself when it must."""
    from textual.pilot import Pilot

    original = Pilot.pause

    async def pause(self: Pilot, delay: float | None = None) -> None:
        await original(self, delay)
        if delay is not None:
            return
        for _ in range(9):  # a worker blocked on purpose (a test holding a lock) ends this
            if not _app_is_busy(self.app):
                return
            await original(self, None)

    patch = pytest.MonkeyPatch()
    patch.setattr(Pilot, "pause", pause)
    yield
    patch.undo()


@pytest.fixture(autouse=True, scope="session")
def one_cli_parser() -> Iterator[None]:
    """Build the CLI's argument parser once per test process, not once per `main([...])` call.

    A real `mastery` run builds it once; the suite calls `main()` in-process thousands of times
    and spent about half of each call's CPU in argparse (`add_parser` and the gettext look-ups
    behind every help string). The parser holds no state between `parse_args` calls, and it
    does not read the environment when built, so reusing it changes nothing a test observes."""
    # `mastery.cli.main` is the function (the package exports it); the module is in sys.modules.
    cli_main = importlib.import_module("mastery.cli.main")
    patch = pytest.MonkeyPatch()
    patch.setattr(cli_main, "build_parser", functools.cache(cli_main.build_parser))
    yield
    patch.undo()


# The garbage collector took a fifth of the suite's CPU: Textual creates objects by the
# million, and each full collection walked every module, class and collected test as well
# (160-230 ms each, about 70 of them per worker for the TUI tests alone). Collecting less
# often and leaving what collection imported out of it cut the TUI tests' CPU by a fifth,
# for about 80 MB more memory per worker. Nothing a test observes depends on when the
# collector runs (`filterwarnings = error` still turns a leaked resource into a failure).
GC_THRESHOLDS = (10_000, 20, 50)


# Tests write thousands of small profiles, and SQLite and `files.write_atomic` fsync them: on
# a disk shared with other work the suite spent more time waiting for fsyncs than computing
# (a dozen database-heavy files: 28 s on disk, 16 s in memory). So `tmp_path` lives in RAM
# (/dev/shm) when the machine has one with room, unless TMPDIR or PYTEST_DEBUG_TEMPROOT
# already says where; passing tests' folders are removed as they pass
# (`tmp_path_retention_policy = "failed"`), so little of it stays in memory.
RAM_TEMP = Path("/dev/shm")
RAM_TEMP_MIN_FREE = 2 * 1024**3


def _ram_temp_root() -> Path | None:
    if os.environ.get("TMPDIR") or os.environ.get("PYTEST_DEBUG_TEMPROOT"):
        return None
    try:
        if os.access(RAM_TEMP, os.W_OK) and shutil.disk_usage(RAM_TEMP).free > RAM_TEMP_MIN_FREE:
            return RAM_TEMP
    except OSError:
        pass
    return None


def pytest_configure(config: pytest.Config) -> None:
    gc.set_threshold(*GC_THRESHOLDS)
    root = _ram_temp_root()
    if root is not None:
        os.environ["PYTEST_DEBUG_TEMPROOT"] = str(root)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Move everything alive after collection into the permanent generation (`gc.freeze`),
    so later collections skip the modules and test items that live until the end anyway."""
    gc.collect()
    gc.freeze()


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test using the PostgreSQL server is marked `postgres` even if its author forgot, so
    `-m "not postgres"` always leaves out every test that needs the server."""
    for item in items:
        if {"pg_dsn", "postgres_server"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)
