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


@pytest.mark.parametrize("seed", [1, 2, 3, 579, 1282, 1587])
def test_three_devices_changing_everything_in_random_orders_end_identical(
    open_profile: Callable[..., Collection],
    tmp_path: Path,
    deck: Path,
    seed: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import secrets

    # Device ids and preset uids decide ties and which of two presets of one name moves
    # aside: drawn from the seed, so a failing seed fails every time.
    ids = random.Random(-seed)
    monkeypatch.setattr(secrets, "token_hex", lambda n=32: ids.randbytes(n).hex())
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
    # Until a whole round moves nothing: a sync can make a change of its own while applying
    # (two presets of one name: one moves aside), which goes out with its next sync.
    for _ in range(5):
        reports = [sync_of(col).run(PASS) for col in rng.sample(devices, k=3)]
        if not any(r.sent or r.changes or r.received for r in reports):
            break
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


def busy(col: Collection, rng: random.Random, moment: datetime, rounds: int) -> datetime:
    """`rounds` of every kind of change on one device; returns the moment after them."""
    for _ in range(rounds):
        moment += timedelta(minutes=rng.randint(1, 300))
        touch_cards(col, rng, moment)
        change_settings(col, rng)
        edit_notes(col, rng, moment)
    return moment


@pytest.mark.parametrize("seed", [1, 2])
def test_rejoin_with_every_channel_sent_and_pending_ends_identical(
    open_profile: Callable[..., Collection], tmp_path: Path, seed: int
) -> None:
    """Two copies of one Syncthing folder each set up by its own device; b rejoins under a's
    header with entries, goals, presets, settings, a CSV deck and card changes, some sent
    under its old id and some not yet."""
    fa, fb = tmp_path / "copy-a", tmp_path / "copy-b"
    fa.mkdir()
    fb.mkdir()
    a, b = open_profile("a"), open_profile("b")
    csv = tmp_path / "animals.csv"
    csv.write_text(CSV, encoding="utf-8")
    b.import_files([csv], now=NOW)
    rng = random.Random(seed)
    sync_of(a).setup(str(fa), PASS)
    sync_of(b).setup(str(fb), PASS)
    moment = busy(a, rng, NOW, 3)
    moment = busy(b, rng, moment, 3)
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    moment = busy(b, rng, moment, 3)  # pending at the rejoin
    moment = busy(a, rng, moment, 2)
    sync_of(a).run(PASS)
    dev_a = a.meta("sync")["device"]
    from mastery.sync import chunks

    shutil.copyfile(fa / chunks.HEADER_NAME, fb / chunks.HEADER_NAME)
    shutil.copytree(fa / dev_a, fb / dev_a, dirs_exist_ok=True)
    sync_of(b).setup(str(fb), PASS, rejoin=True)
    new_b = b.meta("sync")["device"]
    shutil.copytree(fb / new_b, fa / new_b, dirs_exist_ok=True)
    for _ in range(2):
        sync_of(a).run(PASS)
        shutil.copytree(fa / dev_a, fb / dev_a, dirs_exist_ok=True)
        sync_of(b).run(PASS)
        shutil.copytree(fb / new_b, fa / new_b, dirs_exist_ok=True)
    assert everything_of(a) == everything_of(b)
    assert sync_of(a).run(PASS).sent == sync_of(b).run(PASS).sent == 0


@pytest.mark.parametrize("seed", [1, 2])
def test_a_restored_backup_and_lost_chunks_with_every_channel_end_identical(
    open_profile: Callable[..., Collection], tmp_path: Path, seed: int
) -> None:
    """a is restored from a backup older than its last syncs (the target has what it sent
    since); then the host loses all of b's chunks; a new device c joins at the end."""
    folder = tmp_path / "synced"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b")
    csv = tmp_path / "animals.csv"
    csv.write_text(CSV, encoding="utf-8")
    a.import_files([csv], now=NOW)
    rng = random.Random(seed)
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    moment = busy(a, rng, NOW, 2)
    sync_of(a).run(PASS)
    backup = a.backup(now=NOW)
    moment = busy(a, rng, moment, 3)
    sync_of(a).run(PASS)
    moment = busy(b, rng, moment, 3)
    sync_of(b).run(PASS)
    moment = busy(a, rng, moment, 2)
    sync_of(a).run(PASS)
    path = a.db.path
    a.close()
    shutil.copyfile(backup, path)
    a = Collection.open_path(path)
    try:
        sync_of(a).run(PASS)
        busy(a, rng, moment, 1)
        sync_of(a).run(PASS)
        sync_of(b).run(PASS)
        dev_b = b.meta("sync")["device"]
        for chunk in (folder / dev_b).glob("*.chunk"):
            chunk.unlink()
        sync_of(b).run(PASS)
        sync_of(a).run(PASS)
        c = open_profile("c")
        sync_of(c).setup(str(folder), PASS)
        sync_of(b).run(PASS)
        sync_of(a).run(PASS)
        assert everything_of(a) == everything_of(b) == everything_of(c)
    finally:
        a.close()


def test_a_new_device_reading_an_edit_before_the_chunk_that_brings_its_deck_shows_the_edit(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    """Chunks are read device by device: c reads b's edit of a CSV card before a's chunk that
    brings the deck. The edit waited for the deck, then for c's next sync: until then c
    showed the old card, though it held the edit."""
    folder = tmp_path / "synced"
    folder.mkdir()
    a, b, c = open_profile("a"), open_profile("b"), open_profile("c")
    a.set_meta("sync_device", "f" * 32)  # a's chunks are read last
    b.set_meta("sync_device", "0" * 32)
    csv = tmp_path / "animals.csv"
    csv.write_text(CSV, encoding="utf-8")
    a.import_files([csv], now=NOW)
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    hund = b.cards.search("Hund")[0]
    b.edit_card(hund.id, "Hund!", hund.back, ["noun"])
    b.suspend([hund.id], now=NOW)
    sync_of(b).run(PASS)
    sync_of(c).setup(str(folder), PASS)
    assert c.cards.search("Hund!")[0].suspended
    sync_of(a).run(PASS)
    assert everything_of(a) == everything_of(b) == everything_of(c)


@pytest.mark.parametrize("choice", ["this", "other", "both"])
@pytest.mark.parametrize("edits", ["copy", "original"])
def test_a_copy_resolved_on_one_device_while_the_other_edits_it_again_loses_nothing(
    open_profile: Callable[..., Collection], tmp_path: Path, choice: str, edits: str
) -> None:
    from test_sync import notes_of

    folder = tmp_path / "synced"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    hour = timedelta(hours=1)
    entry = a.journal.add("Base", title="Dative", now=NOW)
    goal = a.goals.add("Speak German", milestones=["A1"], now=NOW)
    for col in (a, b):
        sync_of(col).run(PASS)
    a.journal.edit(entry.uid, body="Edited on a", now=NOW + hour)
    b.journal.edit(entry.uid, body="Edited on b", now=NOW + 2 * hour)
    a.goals.edit(goal.uid, vision="a's vision", now=NOW + hour)
    b.goals.edit(goal.uid, vision="b's vision", now=NOW + 2 * hour)
    for col in (a, b, a):
        sync_of(col).run(PASS)
    entry_copy = next(e for e in a.journal.list() if e.conflict_of)
    goal_copy = next(g for g in a.goals.list("all", now=NOW) if g.conflict_of)
    a.journal.resolve(entry_copy.uid, choice)
    a.goals.resolve(goal_copy.uid, choice)
    entry_on_b = entry_copy.uid if edits == "copy" else entry.uid
    goal_on_b = goal_copy.uid if edits == "copy" else goal.uid
    b.journal.edit(entry_on_b, body="Again on b", now=NOW + 3 * hour)
    b.goals.edit(goal_on_b, vision="Again on b", now=NOW + 3 * hour)
    for col in (a, b, a, b):
        sync_of(col).run(PASS)
    assert notes_of(a) == notes_of(b)
    bodies = [e.body for e in a.journal.list()]
    visions = [a.goals.get(g.uid).vision for g in a.goals.list("all", now=NOW)]
    assert "Again on b" in bodies and "Again on b" in visions, (bodies, visions)


def test_a_deck_on_one_device_only_brings_its_flags_presets_and_answers_once_imported(
    open_profile: Callable[..., Collection], tmp_path: Path, deck: Path
) -> None:
    """A deck with a file of its own travels by that file: b gets its cards' changes only
    once it imports the file, and then all of them (and sends none back as its own)."""
    folder = tmp_path / "synced"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b", with_deck=False)
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    fr, de = card_id(a, "fr"), card_id(a, "de")
    a.answer(fr, 3, now=NOW)
    a.answer(de, 1, now=NOW + timedelta(minutes=1))
    a.set_flag([fr], 3, now=NOW)
    a.set_marked([de], True, now=NOW)
    a.suspend([card_id(a, "it")], now=NOW)
    a.presets.add("Exam")
    a.presets.edit("Exam", "desired_retention", 0.97)
    a.presets.use("capitals", "Exam")
    a.set_fsrs_parameters(PARAMS, deck_key="capitals")
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    assert b.decks() == [] and sync_of(b).status().pending_answers == 2
    copy = tmp_path / "b-files" / deck.name
    copy.parent.mkdir()
    shutil.copyfile(deck, copy)
    b.import_files([copy], now=NOW + timedelta(hours=1))
    sync_of(b).run(PASS)
    sync_of(a).run(PASS)
    assert everything_of(a) == everything_of(b)
    assert b.presets.preset("Exam").decks == ("capitals",)
    assert b.card("capitals/fr").reps == 1 and b.card("capitals/it").suspended
    assert sync_of(b).status().pending_answers == 0


@pytest.mark.parametrize("depth", [500, 5000, 200_000])
def test_a_value_nested_past_any_limit_is_one_short_line(depth: int) -> None:
    """A setting or personal value is any JSON: nested deeper than Python's stack, it was a
    RecursionError traceback; a few hundred deep, a line of thousands of characters."""
    import zlib

    from nacl import secret

    from mastery.errors import SyncError
    from mastery.sync import crypto
    from mastery.sync.events import parse

    key, device = b"k" * 32, "f" * 32
    value = "[" * depth + "]" * depth
    plain = (
        f'{{"format":1,"device":"{device}","seq":1,"events":[{{"kind":"setting",'
        f'"what":"setting","key":"x","stamp":1,"value":{value}}}]}}'
    )
    data = bytes(secret.SecretBox(key).encrypt(zlib.compress(plain.encode())))
    with pytest.raises(SyncError, match="nothing was applied") as refused:
        parse(crypto.open_chunk(key, device, 1, data, "w/00000001.chunk"), "w/00000001.chunk")
    assert len(str(refused.value)) < 300 and "\n" not in str(refused.value)


def plant(folder: Path, key: bytes, events: list[Any], seq: int = 1) -> None:
    """A chunk of a device of the person's running a newer Mastery ("e" * 32)."""
    from mastery.sync import chunks, crypto

    other = "e" * 32
    (folder / other).mkdir(exist_ok=True)
    chunks.write_chunk(folder, other, seq, crypto.seal(key, other, seq, events))


def test_a_local_change_after_a_newer_masterys_value_waits_is_sent_and_wins(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    """A newer Mastery widened a range (new_per_day 100000): the value waits here. The person
    then sets 30 on this device: a later change, which every device must get; it was never
    sent while the newer value waited."""
    from mastery.days import to_ms
    from mastery.sync.hlc import stamp_of

    folder = tmp_path / "synced"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    key = sync_of(a).keys.load()
    assert key is not None
    newer = {"kind": "setting", "what": "setting", "key": "new_per_day", "value": 100000}
    plant(folder, key, [{**newer, "stamp": stamp_of(to_ms(NOW))}])
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    assert a.setting("new_per_day") == b.setting("new_per_day") == 20
    a.set_setting("new_per_day", 30)
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    assert b.setting("new_per_day") == 30
    assert everything_of(a) == everything_of(b)


def test_an_edit_of_a_preset_a_newer_mastery_made_waits_without_a_second_preset(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    """A preset this version knows, edited by a newer Mastery with a value it does not: the
    edit waits; the preset stays one preset, here and on every device."""
    from mastery.days import to_ms
    from mastery.sync.hlc import stamp_of

    folder = tmp_path / "synced"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    a.presets.add("Exam")
    a.presets.use("capitals", "Exam")
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    uid = a.conn.execute("SELECT key FROM syncitem WHERE kind = 'preset'").fetchone()[0]
    key = sync_of(a).keys.load()
    assert key is not None
    later_ms = to_ms(NOW) + 10**9
    edit = {"name": "Exam", "config": {"new_per_day": 100000}}
    plant(
        folder,
        key,
        [
            {
                "kind": "setting",
                "what": "preset",
                "key": uid,
                "stamp": stamp_of(later_ms),
                "value": edit,
            }
        ],
    )
    for col in (a, b, a):
        sync_of(col).run(PASS)
    assert [p.name for p in a.presets.presets()] == ["Default", "Exam"]
    a.presets.edit("Exam", "desired_retention", 0.8)
    for col in (a, b, a):
        sync_of(col).run(PASS)
    assert [p.name for p in a.presets.presets()] == ["Default", "Exam"]
    assert b.presets.preset("Exam").values["desired_retention"] == 0.8
    assert everything_of(a) == everything_of(b)


def test_saving_an_entry_that_a_sync_changed_since_it_was_opened_is_refused(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    """The app open on a (its editor holding the entry as it was) while a sync in another
    window brings b's edit: saving overwrote it, and the next sync sent a's text as made
    after b's, so no conflict copy kept b's. Refused; b's text stays everywhere."""
    folder = tmp_path / "synced"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    entry = a.journal.add("Base", now=NOW)
    for col in (a, b):
        sync_of(col).run(PASS)
    opened = a.journal.get(entry.uid)
    b.journal.edit(entry.uid, body="b's words", now=NOW + timedelta(hours=1))
    sync_of(b).run(PASS)
    sync_of(a).run(PASS)  # another window of a
    with pytest.raises(MasteryError, match="changed since the editor opened it"):
        a.journal.edit(entry.uid, body="a's words", now=NOW + timedelta(hours=2), was=opened)
    assert a.journal.get(entry.uid).body == "b's words"
    fresh = a.journal.get(entry.uid)
    a.journal.edit(entry.uid, body="a's words", now=NOW + timedelta(hours=2), was=fresh)
    assert a.journal.get(entry.uid).body == "a's words"


async def test_the_editor_says_so_and_keeps_the_text_when_a_sync_changed_the_entry(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    from test_tui_helpers import SIZE, make_app
    from textual.widgets import TextArea

    from mastery.tui.screens.journal import EntryEditorScreen, JournalScreen

    folder = tmp_path / "synced"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(str(folder), PASS, auto=False)
    sync_of(b).setup(str(folder), PASS)
    entry = a.journal.add("Base", now=NOW)
    for col in (a, b):
        sync_of(col).run(PASS)
    app = make_app(a)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(JournalScreen())
        await pilot.pause()
        await pilot.press("e")
        editor = app.screen
        assert isinstance(editor, EntryEditorScreen)
        await pilot.press("!")
        b.journal.edit(entry.uid, body="b's words", now=NOW + timedelta(hours=1))
        sync_of(b).run(PASS)
        sync_of(a).run(PASS)  # `mastery sync` in another terminal
        await pilot.press("ctrl+s")
        assert app.screen is editor  # still open, the text still there
        assert editor.query_one("#entry-body", TextArea).text == "Base!"
        assert any("changed since the editor opened it" in m for _, m in app.notes)  # type: ignore[attr-defined]
        assert a.journal.get(entry.uid).body == "b's words"


async def test_the_goal_form_says_so_when_a_sync_changed_the_goal_since_it_opened(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    from test_tui_helpers import SIZE, make_app
    from textual.widgets import Input

    from mastery.tui.screens.goals import GoalFormScreen, GoalScreen

    folder = tmp_path / "synced"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(str(folder), PASS, auto=False)
    sync_of(b).setup(str(folder), PASS)
    goal = a.goals.add("Speak German", vision="Talk", now=NOW)
    for col in (a, b):
        sync_of(col).run(PASS)
    app = make_app(a)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(GoalScreen(goal.id))
        await pilot.pause()
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, GoalFormScreen)
        form.query_one("#goal-title", Input).value = "Speak German well"
        b.goals.edit(goal.uid, vision="b's vision", now=NOW + timedelta(hours=1))
        sync_of(b).run(PASS)
        sync_of(a).run(PASS)  # `mastery sync` in another terminal
        await pilot.press("ctrl+s")
        assert app.screen is form
        assert form.query_one("#goal-title", Input).value == "Speak German well"
        assert any("changed since the form opened it" in m for _, m in app.notes)  # type: ignore[attr-defined]
    detail = a.goals.get(goal.uid, now=NOW)
    assert (detail.title, detail.vision) == ("Speak German", "b's vision")


@pytest.mark.parametrize(
    "change", [{"day": "2026-99-99"}, {"read_at": NEVER}, {"received_at": NEVER}]
)
def test_a_mentees_entry_with_a_day_or_moment_no_date_holds_waits_and_is_not_stored(
    open_profile: Callable[..., Collection], change: dict[str, Any]
) -> None:
    """Stored, it made the mentor's screens of that mentee unreadable (a newer or broken
    writer's value waits, as a newer Mastery's does)."""
    from mastery.sync.events import PersonalEvent
    from mastery.sync.personal import personal_channel

    col = open_profile("a")
    entry = {
        "day": "2026-01-02",
        "title": "t",
        "body": "b",
        "tags": "",
        "prompt": None,
        "goal_ids": "",
        "received_at": 1,
        "changed_at": 1,
        "read_at": None,
    }
    mentee = {
        "display_name": "Ana",
        "bundle_created_at": 1,
        "summary_json": "{}",
        "goals_json": "[]",
        "added_at": 1,
        "updated_at": 1,
        "note": "",
        "note_uid": None,
        "note_updated_at": None,
    }
    pairing = "p-" + "a" * 26
    with col.db.transaction() as conn:
        personal_channel().apply(
            conn,
            "f" * 32,
            [
                PersonalEvent(what="mentee", key=pairing, stamp=5, value=mentee),
                PersonalEvent(
                    what="mentee_entry", key=f"{pairing}/e-1", stamp=6, value={**entry, **change}
                ),
            ],
        )
        stored = conn.execute("SELECT count(*) FROM menteeentry").fetchone()[0]
    assert stored == 0
