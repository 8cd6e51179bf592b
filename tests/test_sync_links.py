"""Links between things of different channels (issue 14): a goal names decks, an entry names
goals, a deck's preset names a deck. A device can read the thing that links before the thing
it links to (another device's chunk read first, or a deck imported here only later); the
link must be in place on every device once both are here, and never be sent back as removed."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import test_sync
from test_sync import PASS, notes_of, sync_of

from conftest import NOW
from mastery.collection import Collection

deck = test_sync.deck
open_profile = test_sync.open_profile
HOUR = timedelta(hours=1)
CSV = "front,back,tags\nHund,dog,noun\nKatze,cat,noun\n"


def decks_of_goal(col: Collection, uid: str) -> tuple[str, ...]:
    return tuple(
        r[0]
        for r in col.conn.execute(
            "SELECT d.key FROM goaldeck gd JOIN deck d ON d.id = gd.deck_id "
            "JOIN goal g ON g.id = gd.goal_id WHERE g.uid = ? ORDER BY d.key",
            (uid,),
        )
    )


def animals(col: Collection, tmp_path: Path) -> str:
    """A CSV deck (no file of its own: its content travels in the chunks); its key."""
    csv = tmp_path / f"animals-{col.profile}.csv"
    csv.write_text(CSV, encoding="utf-8")
    col.import_files([csv], now=NOW)
    return next(d.key for d in col.decks() if d.key != "capitals")


def test_a_goal_read_before_the_chunk_that_brings_its_deck_is_linked_to_it(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    """c reads b's goal (linked to a's CSV deck) before a's chunk that brings the deck."""
    folder = tmp_path / "synced"
    folder.mkdir()
    a = open_profile("a", with_deck=False)
    b = open_profile("b", with_deck=False)
    c = open_profile("c", with_deck=False)
    a.set_meta("sync_device", "f" * 32)  # a's chunks are read last
    b.set_meta("sync_device", "0" * 32)
    key = animals(a, tmp_path)
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    goal = b.goals.add("Speak German", decks=[key], now=NOW + HOUR)
    sync_of(b).run(PASS)
    sync_of(c).setup(str(folder), PASS)
    assert decks_of_goal(c, goal.uid) == (key,)
    for col in (a, b, c, a, b):
        sync_of(col).run(PASS)
    assert notes_of(a) == notes_of(b) == notes_of(c)
    assert decks_of_goal(a, goal.uid) == (key,)


def test_a_goal_whose_deck_is_imported_here_later_is_linked_and_keeps_its_link_everywhere(
    open_profile: Callable[..., Collection], tmp_path: Path, deck: Path
) -> None:
    """A deck with a file of its own travels by that file: b has the goal before the deck.
    Once b imports the file, its goal shows the link, and b's next sync does not send the
    goal as changed (it would remove the link on a: b never removed it)."""
    folder = tmp_path / "synced"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b", with_deck=False)
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    goal = a.goals.add("Know the capitals", decks=["capitals"], now=NOW)
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    assert decks_of_goal(b, goal.uid) == ()  # no deck here yet
    copy = tmp_path / "b-files" / deck.name
    copy.parent.mkdir()
    shutil.copyfile(deck, copy)
    b.import_files([copy], now=NOW + HOUR)
    sync_of(b).run(PASS)
    sync_of(a).run(PASS)
    assert decks_of_goal(a, goal.uid) == ("capitals",)
    assert decks_of_goal(b, goal.uid) == ("capitals",)
    assert notes_of(a) == notes_of(b)


def test_a_link_removed_here_after_the_deck_came_is_sent_as_removed(
    open_profile: Callable[..., Collection], tmp_path: Path, deck: Path
) -> None:
    """The other side of the previous test: once the deck is here and linked, a person who
    unlinks it changes the goal, and that change reaches the other device."""
    folder = tmp_path / "synced"
    folder.mkdir()
    a, b = open_profile("a"), open_profile("b", with_deck=False)
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    goal = a.goals.add("Know the capitals", decks=["capitals"], now=NOW)
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    copy = tmp_path / "b-files" / deck.name
    copy.parent.mkdir()
    shutil.copyfile(deck, copy)
    b.import_files([copy], now=NOW + HOUR)
    sync_of(b).run(PASS)
    b.goals.edit(goal.uid, decks=[], now=NOW + 2 * HOUR)
    sync_of(b).run(PASS)
    sync_of(a).run(PASS)
    assert decks_of_goal(a, goal.uid) == decks_of_goal(b, goal.uid) == ()
    assert notes_of(a) == notes_of(b)


def test_a_deck_preset_read_before_the_chunk_that_brings_its_deck_applies(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    """c reads b's preset for a's CSV deck before a's chunk that brings the deck."""
    folder = tmp_path / "synced"
    folder.mkdir()
    a = open_profile("a", with_deck=False)
    b = open_profile("b", with_deck=False)
    c = open_profile("c", with_deck=False)
    a.set_meta("sync_device", "f" * 32)
    b.set_meta("sync_device", "0" * 32)
    key = animals(a, tmp_path)
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    b.presets.add("Exam")
    b.presets.use(key, "Exam")
    sync_of(b).run(PASS)
    sync_of(c).setup(str(folder), PASS)
    assert c.presets.preset("Exam").decks == (key,)
    for col in (a, b, c):
        sync_of(col).run(PASS)
    assert a.presets.preset("Exam").decks == (key,)


def test_an_entry_read_before_the_chunk_that_brings_its_goal_is_linked_to_it(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    """c reads b's entry (linked to a's goal) before a's chunk that brings the goal."""
    folder = tmp_path / "synced"
    folder.mkdir()
    a = open_profile("a", with_deck=False)
    b = open_profile("b", with_deck=False)
    c = open_profile("c", with_deck=False)
    a.set_meta("sync_device", "f" * 32)
    b.set_meta("sync_device", "0" * 32)
    goal = a.goals.add("From a", now=NOW)
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    entry = b.journal.add("Linked on b", goals=[b.goals.get(goal.uid).id], now=NOW + HOUR)
    sync_of(b).run(PASS)
    sync_of(c).setup(str(folder), PASS)
    assert c.journal.get(entry.uid).goals == ("From a",)
    for col in (a, b, c):
        sync_of(col).run(PASS)
    assert notes_of(a) == notes_of(b) == notes_of(c)


def test_a_conflict_copy_read_before_the_chunk_that_brings_its_goal_is_linked_to_it(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    """Two devices edit one entry between syncs, each linking it to d's goal: a new device
    reads both edits (the entry and its conflict copy) before d's chunk with the goal. The
    copy must end linked as everywhere else, not only the entry."""
    folder = tmp_path / "synced"
    folder.mkdir()
    ids = {"a": "1" * 32, "b": "2" * 32, "c": "3" * 32, "d": "f" * 32}
    cols = {}
    for name, device in ids.items():
        cols[name] = open_profile(name, with_deck=False)
        cols[name].set_meta("sync_device", device)
    a, b, c, d = (cols[n] for n in "abcd")
    for col in (a, b, d):
        sync_of(col).setup(str(folder), PASS)
    entry = a.journal.add("First draft", title="Plan", now=NOW)
    goal = d.goals.add("Speak German", now=NOW)
    for col in (a, b, d, a, b):
        sync_of(col).run(PASS)
    a.journal.edit(entry.uid, body="On a", goals=[a.goals.get(goal.uid).id], now=NOW + HOUR)
    b.journal.edit(entry.uid, body="On b", goals=[b.goals.get(goal.uid).id], now=NOW + 2 * HOUR)
    for col in (a, b, a):
        sync_of(col).run(PASS)
    assert len(a.journal.list()) == 2  # the entry and its conflict copy
    sync_of(c).setup(str(folder), PASS)
    assert notes_of(c) == notes_of(a) == notes_of(b)
