"""Sync of settings, presets, the preset each deck uses and decks' own FSRS weights (issue 14,
docs/sync.md, sync/settings.py): the latest change wins per setting, preset and deck, every
device ends the same whatever the order, and a replay uses the settings just received."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import test_sync
from test_sync import PASS, card_id, state_of, sync_of

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
    presets = [(p.name, sorted(p.values.items()), p.decks) for p in col.presets.presets()]
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
