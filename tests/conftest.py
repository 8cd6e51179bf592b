"""Shared fixtures: every test runs against a throwaway MASTERY_HOME and a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mastery.collection import Collection

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
