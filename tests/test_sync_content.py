"""Sync of card content (edits, flags, marks, leech tags) and of decks without a file of their
own (issue 14, docs/sync.md "Card content and decks"): two profiles, each case of the content
channel; the three-profile random-order test in test_sync.py compares content too."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from test_sync import PASS, card_id, deck, open_profile, state_of, sync_of

from conftest import NOW
from mastery.collection import Collection
from mastery.errors import SyncError
from mastery.sync import chunks
from mastery.sync.content import has_own_file
from mastery.sync.events import ContentEvent, parse

__all__ = ["deck", "open_profile"]  # fixtures, used by name

CSV = "front,back,tags\nHund,dog,noun\nKatze,cat,noun\nMaus,mouse,noun\n"


def at(col: Collection, moment: datetime) -> None:
    """The device's clock from now on (content changes are stamped by their moment)."""
    col.set_clock(lambda: moment)


def own_copy(col: Collection, deck: Path) -> None:
    """The deck imported from a copy of its file of this device's own (two devices each
    have the file; edits write each one's own copy)."""
    copy = deck.parent / f"copy-{col.db.path.parent.name}" / deck.name
    copy.parent.mkdir()
    shutil.copyfile(deck, copy)
    col.import_files([copy], now=NOW)


def content(col: Collection, ref: str) -> tuple[str, str, str]:
    card = col.card(ref)
    return card.front, card.back, " ".join(card.tags)


@pytest.fixture
def folder(tmp_path: Path) -> str:
    path = tmp_path / "t"
    path.mkdir()
    return str(path)


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "animals.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_an_edit_a_flag_and_a_mark_reach_the_other_device(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a, b = open_profile("a"), open_profile("b")
    assert sync_of(a).setup(folder, PASS).sent == 0  # a deck both have from its file: nothing
    assert sync_of(b).setup(folder, PASS).sent == 0
    at(a, NOW + timedelta(hours=1))
    a.edit_card("capitals/fr", "Capital of Zanzibarland (new)?", "Quuxopolis", ["geo"])
    a.set_flag([card_id(a, "de")], 2)
    a.set_marked([card_id(a, "it")], True)
    assert sync_of(a).run(PASS).sent == 3
    sync_of(b).run(PASS)
    assert content(b, "capitals/fr") == ("Capital of Zanzibarland (new)?", "Quuxopolis", "geo")
    assert b.card("capitals/de").tags == ("flag::orange",)
    assert "marked" in b.card("capitals/it").tags
    assert state_of(a) == state_of(b)
    # Taken back on b: reaches a; nothing is sent back and forth after.
    at(b, NOW + timedelta(hours=2))
    b.set_flag([card_id(b, "de")], 0)
    b.set_marked([card_id(b, "it")], False)
    assert sync_of(b).run(PASS).sent == 2
    sync_of(a).run(PASS)
    assert a.card("capitals/de").tags == () and a.card("capitals/it").tags == ()
    assert state_of(a) == state_of(b)
    assert sync_of(a).run(PASS).sent == sync_of(b).run(PASS).sent == 0


def test_flags_set_before_the_first_sync_are_sent_with_it(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a, b = open_profile("a"), open_profile("b")
    a.set_flag([card_id(a, "fr")], 1)
    assert sync_of(a).setup(folder, PASS).sent == 1
    sync_of(b).setup(folder, PASS)
    assert b.card("capitals/fr").tags == ("flag::red",)


@pytest.mark.parametrize("first", ["a", "b"])
def test_two_edits_between_syncs_the_later_one_wins_whichever_syncs_first(
    open_profile: Callable[..., Collection], folder: str, first: str, deck: Path
) -> None:
    a, b = open_profile("a", with_deck=False), open_profile("b", with_deck=False)
    own_copy(a, deck)
    own_copy(b, deck)
    sync_of(a).setup(folder, PASS)
    sync_of(b).setup(folder, PASS)
    at(a, NOW + timedelta(hours=1))
    a.edit_card("capitals/fr", "Front by a", "Back by a", [])
    at(b, NOW + timedelta(hours=2))
    b.edit_card("capitals/fr", "Front by b", "Back by b", [])
    # Synced later than both edits, in either order.
    at(a, NOW + timedelta(hours=3))
    at(b, NOW + timedelta(hours=3))
    order = [a, b] if first == "a" else [b, a]
    for col in [*order, *order]:
        sync_of(col).run(PASS)
    assert (
        content(a, "capitals/fr")
        == content(b, "capitals/fr")
        == (
            "Front by b",
            "Back by b",
            "",
        )
    )
    assert state_of(a) == state_of(b)


def test_two_edits_in_one_millisecond_end_the_same_on_both(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(folder, PASS)
    sync_of(b).setup(folder, PASS)
    a.set_flag([card_id(a, "fr")], 3, now=NOW)
    b.set_flag([card_id(b, "fr")], 4, now=NOW)
    for col in (a, b, a, b):
        sync_of(col).run(PASS)
    assert a.card("capitals/fr").tags == b.card("capitals/fr").tags
    assert state_of(a) == state_of(b)


def test_a_csv_deck_reaches_a_new_device_whole_with_its_answers(
    open_profile: Callable[..., Collection], folder: str, csv_file: Path
) -> None:
    """A deck without a file of its own: its row and every card go, positions and note keys
    intact, then the answers given on it apply on the device that lacked it."""
    a = open_profile("a", with_deck=False)
    a.import_files([csv_file], now=NOW)
    hund = a.card("animals/" + a.cards.search("Hund")[0].key)
    a.answer(hund.id, 3, now=NOW)
    a.set_flag([hund.id], 1, now=NOW)
    a.suspend([a.cards.search("Maus")[0].id], now=NOW)
    report = sync_of(a).setup(folder, PASS)
    assert report.sent == 1 + 1 + 3 + 1  # an answer, the deck, its three cards, a suspension
    b = open_profile("b", with_deck=False)
    assert sync_of(b).setup(folder, PASS).received == 1
    assert state_of(a) == state_of(b)
    got = b.cards.search("deck:animals")
    assert [c.front for c in got] == ["Hund", "Katze", "Maus"]
    assert b.card(f"animals/{hund.key}").reps == 1
    assert sync_of(b).status().pending_answers == 0
    # Nothing goes back; a later edit on b reaches a.
    assert sync_of(b).run(PASS).sent == 0
    at(b, NOW + timedelta(hours=1))
    b.edit_card(f"animals/{hund.key}", "Der Hund", "the dog", ["noun"])
    assert sync_of(b).run(PASS).sent == 1
    sync_of(a).run(PASS)
    assert a.card(f"animals/{hund.key}").front == "Der Hund"
    assert state_of(a) == state_of(b)


def test_a_card_that_left_its_deck_on_one_device_leaves_it_on_the_other(
    open_profile: Callable[..., Collection], folder: str, csv_file: Path
) -> None:
    """Removal is a card leaving its deck (suspended as such, never deleted): content like
    any other, so a later edit elsewhere wins over it and the devices still agree."""
    a = open_profile("a", with_deck=False)
    a.import_files([csv_file], now=NOW)
    sync_of(a).setup(folder, PASS)
    b = open_profile("b", with_deck=False)
    sync_of(b).setup(folder, PASS)
    at(a, NOW + timedelta(hours=1))
    csv_file.write_text("front,back,tags\nHund,dog,noun\nKatze,cat,noun\n", encoding="utf-8")
    a.import_files([csv_file])
    maus = a.cards.search("Maus")[0]
    assert not maus.in_deck
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    assert not b.card(f"animals/{maus.key}").in_deck
    assert state_of(a) == state_of(b)
    at(b, NOW + timedelta(hours=2))
    b.edit_card(f"animals/{maus.key}", "Die Maus", "the mouse", [])
    sync_of(b).run(PASS)
    sync_of(a).run(PASS)
    assert a.card(f"animals/{maus.key}").front == "Die Maus"
    assert state_of(a) == state_of(b)


def test_a_change_for_a_deck_not_here_yet_waits_until_it_is_imported(
    open_profile: Callable[..., Collection], folder: str, deck: Path
) -> None:
    a, b = open_profile("a"), open_profile("b", with_deck=False)
    sync_of(a).setup(folder, PASS)
    a.set_marked([card_id(a, "fr")], True, now=NOW)
    a.suspend([card_id(a, "de")], now=NOW)  # a card state waits too (cardstate.py)
    sync_of(a).run(PASS)
    sync_of(b).setup(folder, PASS)
    assert b.conn.execute("SELECT count(*) FROM syncpending").fetchone()[0] == 2
    b.import_files([deck], now=NOW)
    assert sync_of(b).run(PASS).sent == 0
    assert "marked" in b.card("capitals/fr").tags
    assert b.card("capitals/de").suspended
    assert b.conn.execute("SELECT count(*) FROM syncpending").fetchone()[0] == 0
    assert state_of(a) == state_of(b)


def test_a_leech_tag_from_an_answer_reaches_the_other_device(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    """The replay never tags a leech; the answering device does, and its tag is content."""
    a, b = open_profile("a"), open_profile("b")
    a.set_setting("leech_threshold", 1)
    sync_of(a).setup(folder, PASS)
    sync_of(b).setup(folder, PASS)
    fr = card_id(a, "fr")
    a.answer(fr, 4, now=NOW)
    a.answer(fr, 1, now=a.card(fr).due or NOW)
    assert "leech" in a.card(fr).tags
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    assert "leech" in b.card("capitals/fr").tags
    assert state_of(a) == state_of(b)


def test_a_lost_chunk_written_again_still_brings_a_whole_deck(
    open_profile: Callable[..., Collection], folder: str, csv_file: Path
) -> None:
    a = open_profile("a", with_deck=False)
    a.import_files([csv_file], now=NOW)
    a.set_flag([a.cards.search("Katze")[0].id], 5, now=NOW)
    sync_of(a).setup(folder, PASS)
    device = a.meta("sync")["device"]  # type: ignore[index]
    (Path(folder) / device / chunks.chunk_name(1)).unlink()
    assert sync_of(a).run(PASS).rewritten == 1
    c = open_profile("c", with_deck=False)
    sync_of(c).setup(folder, PASS)
    assert state_of(a) == state_of(c)
    assert [x.front for x in c.cards.search("deck:animals")] == ["Hund", "Katze", "Maus"]


def test_a_restored_backup_records_its_own_content_from_the_target(
    open_profile: Callable[..., Collection], folder: str, csv_file: Path
) -> None:
    """A backup taken before the deck came: the target's copy brings it back, recorded as
    sent, so nothing goes twice."""
    a = open_profile("a", with_deck=False)
    sync_of(a).setup(folder, PASS)
    backup = a.backup(now=NOW)
    a.import_files([csv_file], now=NOW)
    a.set_marked([a.cards.search("Hund")[0].id], True, now=NOW)
    sync_of(a).run(PASS)
    before = state_of(a)
    path = a.db.path
    a.close()
    shutil.copyfile(backup, path)
    restored = Collection.open_path(path)
    try:
        assert sync_of(restored).run(PASS).sent == 0
        assert state_of(restored) == before
    finally:
        restored.close()


def test_huge_and_foreign_content_is_one_line(tmp_path: Path) -> None:
    """A side over the limit (a newer Mastery, a broken writer) is refused with the chunk's
    name, not a traceback; empty strings and a big but allowed text pass."""
    big = ContentEvent(
        deck="d", card="c", stamp=1, front="x" * 1_000_000, back="", tags="", note="d/c"
    )
    raw = json.loads(big.model_dump_json())
    assert parse([raw], "x/00000001.chunk")[0] == big
    raw["front"] += "x"
    with pytest.raises(SyncError, match=r"x/00000001.chunk: event 0.content.front"):
        parse([raw], "x/00000001.chunk")
    with pytest.raises(SyncError, match="newer Mastery"):
        parse([{**raw, "kind": "content-v2"}], "x/00000001.chunk")


def test_which_decks_travel_by_their_own_file(tmp_path: Path, deck: Path) -> None:
    profile = tmp_path / "home" / "profile"
    (profile / "decks").mkdir(parents=True)
    (profile / "teams" / "t").mkdir(parents=True)
    own_copy = profile / "decks" / "capitals.toml"
    team = profile / "teams" / "t" / "capitals.toml"
    for path in (own_copy, team):
        path.write_text(deck.read_text(encoding="utf-8"), encoding="utf-8")
    assert has_own_file(str(deck), profile)  # the learner's own file, outside the profile
    assert has_own_file(str(team), profile)  # a team clone: every member pulls it
    assert not has_own_file(str(own_copy), profile)  # only in this profile's folder
    assert not has_own_file(str(tmp_path / "gone.toml"), profile)
    assert not has_own_file(str(tmp_path / "animals.csv"), profile)
    assert not has_own_file("", profile)


def test_a_card_too_big_to_sync_is_one_line_and_nothing_is_sent(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a = open_profile("a")
    sync_of(a).setup(folder, PASS)
    fr = card_id(a, "fr")
    with a.db.transaction() as conn:
        conn.execute("UPDATE card SET back = ? WHERE id = ?", ("x" * 1_000_001, fr))
    with pytest.raises(SyncError, match=r"card capitals/fr: its back cannot be synced"):
        sync_of(a).run(PASS)
    assert sync_of(a).status().chunks_sent == 0


def test_channel_events_apply_in_the_registry_order_whatever_order_chunks_came_in() -> None:
    """A card state read from one device's chunk before the content that creates its card
    (another device's chunk) still finds the card: content is applied first."""
    from mastery.sync import _split
    from mastery.sync.events import CardEvent
    from mastery.sync.registry import CHANNELS

    state = CardEvent(deck="d", card="c", stamp=2, suspended=True)
    made = ContentEvent(deck="d", card="c", stamp=1, front="f", back="b", note="d/c")
    _, groups = _split([("x" * 32, state), ("y" * 32, made)])
    assert [channel for channel, _ in groups] == CHANNELS[:2]
    assert groups[0][1] == [("y" * 32, made)]


def test_an_undone_flag_is_dated_by_the_sync_that_finds_it_not_by_the_flag(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    """An undo puts the old tags back without a new `updated_at`: dated by the card's last
    change, it would lose to a change another device made between the flag and the undo."""
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(folder, PASS)
    sync_of(b).setup(folder, PASS)
    at(a, NOW + timedelta(hours=1))
    a.set_flag([card_id(a, "fr")], 1)
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    at(b, NOW + timedelta(hours=2))
    b.set_marked([card_id(b, "fr")], True)
    sync_of(b).run(PASS)
    at(a, NOW + timedelta(hours=3))
    assert a.undo() is not None  # the flag, taken back after b's mark, unseen by a yet
    for col in (a, b, a):
        sync_of(col).run(PASS)
    assert a.card("capitals/fr").tags == b.card("capitals/fr").tags == ()
    assert state_of(a) == state_of(b)


def test_a_synced_edit_goes_into_the_other_devices_own_deck_file_and_can_be_edited_again(
    open_profile: Callable[..., Collection], folder: str, deck: Path
) -> None:
    """Each device has its own copy of the deck file (outside the profile). An edit made on
    a reaches b's file too: otherwise b's file keeps the old text, b's next edit of the card
    is refused as "changed in the file since it was imported", and a re-import there would
    bring the old text back."""
    a, b = open_profile("a", with_deck=False), open_profile("b", with_deck=False)
    own_copy(a, deck)
    own_copy(b, deck)
    sync_of(a).setup(folder, PASS)
    sync_of(b).setup(folder, PASS)
    at(a, NOW + timedelta(hours=1))
    a.edit_card("capitals/fr", "Capital of Zanzibarland, today?", "Quuxopolis", [])
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    b_file = deck.parent / f"copy-{b.db.path.parent.name}" / deck.name
    assert "Capital of Zanzibarland, today?" in b_file.read_text(encoding="utf-8")
    at(b, NOW + timedelta(hours=2))
    b.edit_card("capitals/fr", "Capital of Zanzibarland, still?", "Quuxopolis", [])
    assert "still?" in b_file.read_text(encoding="utf-8")
    sync_of(b).run(PASS)
    sync_of(a).run(PASS)
    assert content(a, "capitals/fr")[0] == "Capital of Zanzibarland, still?"
    assert state_of(a) == state_of(b)


def test_a_deck_both_devices_imported_alike_is_not_rewritten_by_the_join(
    open_profile: Callable[..., Collection], folder: str, csv_file: Path
) -> None:
    """The same CSV deck imported on both devices: the joining device takes the other's
    (later) cards as its record of what was synced but leaves its own rows alone (a join of
    100,000 such cards skips 100,000 writes); edits still go both ways after."""
    b = open_profile("b", with_deck=False)
    b.import_files([csv_file], now=NOW)
    a = open_profile("a", with_deck=False)
    at(a, NOW + timedelta(hours=1))
    a.import_files([csv_file], now=NOW + timedelta(hours=1))
    sync_of(a).setup(folder, PASS)

    def written(col: Collection) -> list[tuple[str, int]]:
        return col.conn.execute("SELECT key, updated_at FROM card ORDER BY key").fetchall()

    before = written(b)
    at(b, NOW + timedelta(hours=2))
    sync_of(b).setup(folder, PASS)
    assert written(b) == before
    assert state_of(a) == state_of(b)
    at(a, NOW + timedelta(hours=3))
    maus = a.cards.search("Maus")[0]
    a.edit_card(f"animals/{maus.key}", "Die Maus", "the mouse", ["noun"])
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    assert b.card(f"animals/{maus.key}").front == "Die Maus"
    at(b, NOW + timedelta(hours=4))
    b.edit_card(f"animals/{maus.key}", "Die Maus!", "the mouse", ["noun"])
    sync_of(b).run(PASS)
    sync_of(a).run(PASS)
    assert a.card(f"animals/{maus.key}").front == "Die Maus!"
    assert state_of(a) == state_of(b)
