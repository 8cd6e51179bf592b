"""Every channel at once (issue 14): three devices changing cards, content, settings,
presets, decks without a file, journal entries and goals between syncs in random orders end
the same; faults (a lost chunk, a restored backup, `--rejoin`) with every channel pending."""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import test_sync
import test_sync_settings
from test_sync import PASS, card_id, edit_notes, state_of, sync_of

from conftest import NOW
from mastery.collection import Collection
from mastery.errors import MasteryError

deck = test_sync.deck
open_profile = test_sync.open_profile
target = test_sync.target
PARAMS = test_sync_settings.PARAMS
CSV = "front,back,tags\nHund,dog,noun\nKatze,cat,noun\nMaus,mouse,noun\n"


def everything_of(col: Collection) -> tuple[Any, ...]:
    """Cards, answers, decks, notes, settings and presets (by name, with decks)."""
    values = {
        k: col.setting(k)
        for k in ("desired_retention", "new_per_day", "maximum_interval", "learning_steps")
    }
    presets = sorted((p.name, sorted(p.values.items()), p.decks) for p in col.presets.presets())
    own = {k: col.fsrs_parameters(k) for k in col.decks_with_own_parameters()}
    return state_of(col), values, presets, own


def change_settings(col: Collection, rng: random.Random) -> None:
    """A random settings or presets change, as a person makes it (refusals are theirs)."""
    roll = rng.random()
    names = [p.name for p in col.presets.presets() if not p.default]
    decks = [d.key for d in col.decks()]
    try:
        if roll < 0.2:
            col.set_setting("desired_retention", rng.choice([0.8, 0.85, 0.9, 0.95]))
        elif roll < 0.3:
            col.set_setting("new_per_day", rng.randint(1, 50))
        elif roll < 0.45 or not names:
            col.presets.add(rng.choice(["Hard", "Easy", "Exam"]))
        elif roll < 0.6:
            col.presets.edit(rng.choice(names), "desired_retention", rng.choice([0.8, 0.9, 0.97]))
        elif roll < 0.75:
            col.presets.use(rng.choice(decks), rng.choice([*names, "Default"]))
        elif roll < 0.82:
            col.presets.rename(rng.choice(names), rng.choice(["Hard", "Slow", "Fast"]))
        elif roll < 0.9:
            col.presets.remove(rng.choice(names))
        else:
            col.set_fsrs_parameters(rng.choice([PARAMS, None]), deck_key=rng.choice(decks))
    except MasteryError:
        pass  # a name taken, as a person would be told


def touch_cards(col: Collection, rng: random.Random, moment: datetime) -> None:
    """Answers (with undo), suspension, burial, flags, marks and edits on random cards of
    every deck here."""
    cards = [c.id for d in col.decks() for c in col.deck_cards(d.key)]
    for _ in range(rng.randint(0, 3)):
        col.answer(rng.choice(cards), rng.randint(1, 4), now=moment)
        if rng.random() < 0.2:
            assert col.undo() is not None
    card = rng.choice(cards)
    roll = rng.random()
    if roll < 0.15:
        col.bury(card, now=moment)
    elif roll < 0.3:
        if col.card(card).suspended:
            col.unsuspend([card], now=moment)
        else:
            col.suspend([card], now=moment)
    elif roll < 0.5:
        col.set_flag([card], rng.randint(0, 7), now=moment)
    elif roll < 0.6:
        col.set_marked([card], rng.random() < 0.5, now=moment)
    elif roll < 0.75:
        view = col.card(card)
        col.edit_card(card, f"{view.front} {rng.randint(0, 9)}", view.back, ["x"])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_three_devices_changing_everything_in_random_orders_end_identical(
    open_profile: Callable[..., Collection], tmp_path: Path, deck: Path, seed: int
) -> None:
    folder = tmp_path / "synced"
    folder.mkdir()
    devices = [open_profile(name, with_deck=False) for name in ("a", "b", "c")]
    for col in devices:
        copy = deck.parent / f"copy-{col.db.path.parent.name}" / deck.name
        copy.parent.mkdir()
        shutil.copyfile(deck, copy)
        col.import_files([copy], now=NOW)
    csv = tmp_path / "animals.csv"
    csv.write_text(CSV, encoding="utf-8")
    devices[0].import_files([csv], now=NOW)  # a deck without a file, on one device only
    for col in devices:
        sync_of(col).setup(str(folder), PASS)
    rng = random.Random(seed)
    moment = NOW
    for _ in range(6):
        for col in devices:
            moment += timedelta(minutes=rng.randint(1, 600))
            touch_cards(col, rng, moment)
            if rng.random() < 0.5:
                change_settings(col, rng)
            edit_notes(col, rng, moment)
        for col in rng.sample(devices, k=rng.randint(1, 3)):
            sync_of(col).run(PASS)
    for _ in range(2):
        for col in rng.sample(devices, k=3):
            sync_of(col).run(PASS)
    states = [everything_of(col) for col in devices]
    assert states[0] == states[1]
    assert states[1] == states[2]


def test_two_answers_in_one_millisecond_then_one_undone_stay_one_everywhere(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    folder = tmp_path / "synced"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    fr = card_id(a, "fr")
    a.answer(fr, 3, now=NOW)
    a.answer(fr, 3, now=NOW)  # a double press the clock could not tell apart
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    assert len(test_sync.answers_of(b)) == 2
    assert a.undo() is not None
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    assert len(test_sync.answers_of(a)) == len(test_sync.answers_of(b)) == 1
    assert state_of(a) == state_of(b)


ENTRY = {
    "day": "2026-11-21",
    "title": "t",
    "body": "b",
    "tags": [],
    "goals": [],
    "visibility": "private",
    "created_at": 0,
}
GOAL = {
    "title": "g",
    "vision": "",
    "category": "",
    "status": "active",
    "visibility": "private",
    "created_at": 0,
    "milestones": [],
    "decks": [],
}
NEVER = 2**53 - 1  # ms: the year 287,396


@pytest.mark.parametrize(
    "event",
    [
        {"kind": "entry", "uid": "e-1", "stamp": 1, "seen": {}, "entry": {**ENTRY, "day": "2026-99-99"}},
        {"kind": "entry", "uid": "e-1", "stamp": 1, "seen": {}, "entry": {**ENTRY, "created_at": NEVER}},
        {"kind": "goal", "uid": "g-1", "stamp": 1, "seen": {}, "goal": {**GOAL, "target_date": "2026-02-30"}},
        {"kind": "goal", "uid": "g-1", "stamp": 1, "seen": {}, "goal": {**GOAL, "closed_at": NEVER}},
        {"kind": "goal", "uid": "g-1", "stamp": 1, "seen": {}, "goal": {**GOAL, "milestones": [{"title": "m", "done_at": NEVER}]}},
        {"kind": "goalpart", "id": "0" * 32, "goal": "g-1", "recorded_at": 0, "checkin": {"day": "2026-13-01", "confidence": 5, "note": ""}},
        {"kind": "card", "deck": "capitals", "card": "fr", "stamp": 5, "suspended": False, "buried_until": NEVER},
        {"kind": "answer", "id": "0" * 32, "deck": "capitals", "card": "fr", "at": NEVER, "rating": 3},
    ],
)  # fmt: skip
def test_a_sealed_event_with_a_day_or_moment_no_date_holds_is_refused_before_anything_is_applied(
    open_profile: Callable[..., Collection], tmp_path: Path, event: dict[str, Any]
) -> None:
    """From the person's own devices, but a broken or much newer writer: stored, it would make
    the journal, the goals or the card unreadable on every device that took it."""
    from mastery.errors import SyncError
    from mastery.sync import chunks, crypto

    folder = tmp_path / "synced"
    folder.mkdir()
    a = open_profile("a")
    sync = sync_of(a)
    sync.setup(str(folder), PASS)
    key = sync.keys.load()
    assert key is not None
    other = "f" * 32
    (folder / other).mkdir()
    chunks.write_chunk(folder, other, 1, crypto.seal(key, other, 1, [event]))
    with pytest.raises(SyncError, match="nothing was applied"):
        sync.run()
    assert a.journal.list() == [] and a.goals.list("all", now=NOW) == []
    assert a.card("capitals/fr").reps == 0


def test_a_device_whose_clock_says_2300_sends_changes_the_others_can_read(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    """A hybrid-logical-clock stamp of the year 2300 is past what a JSON number keeps exact,
    which every reader refuses: the target would be stuck for every other device."""
    folder = tmp_path / "synced"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    future = datetime(2300, 1, 1, tzinfo=NOW.tzinfo)
    a.set_clock(lambda: future)
    a.set_setting("new_per_day", 7)
    a.set_flag([card_id(a, "fr")], 2, now=future)
    a.journal.add("from the future", now=future)
    sync_of(a).run(PASS)
    a.set_setting("new_per_day", 8)  # and a second change after it still wins
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    assert b.setting("new_per_day") == 8
    assert everything_of(a) == everything_of(b)
