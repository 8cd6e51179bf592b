"""Shared fixtures: every test runs against a throwaway MASTERY_HOME and a fixed clock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

# The real PostgreSQL server of the test run (tests/pg.py), for tests marked `postgres`.
from pg import pg_dsn, postgres_server  # noqa: F401  (fixtures)

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


@pytest.fixture
def col(mastery_home: Path) -> Iterator[Collection]:
    """An empty profile (no bundled decks) in UTC, so day boundaries are easy to reason about."""
    c = Collection.open(bundled=False, now=NOW)
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


@pytest.fixture(autouse=True)
def patient_pilot(monkeypatch: pytest.MonkeyPatch) -> None:
    """`pilot.pause()` waits until the process *looks* idle (CPU time not advancing against
    the wall clock), which a loaded machine -- the suite on two workers in CI -- reports
    too early: a screen whose data lands in `call_after_refresh` was read before its second
    refresh. Pausing three times lets those deferred refreshes land on any machine."""
    from textual.pilot import Pilot

    original = Pilot.pause

    async def pause(self: Pilot, delay: float | None = None) -> None:
        for _ in range(1 if delay is not None else 3):
            await original(self, delay)

    monkeypatch.setattr(Pilot, "pause", pause)


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test using the PostgreSQL server is marked `postgres` even if its author forgot, so
    `-m "not postgres"` always leaves out every test that needs the server."""
    for item in items:
        if {"pg_dsn", "postgres_server"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)
