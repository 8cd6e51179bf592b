"""A joining device streams answers from chunk to log (`merge.Merge.stream`): each card's
answers taken as they are read while they come in its replay order, the others (a card
answered on two devices, an answer taken back, a deck scheduled otherwise in a later chunk)
demoted and replayed at the end. Whatever happens, the result must be the one a join without
the stream gives, row for row, and that of a replay of every card's whole log."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import test_sync
from test_sync import PASS, card_id, read_first, state_of, sync_of
from test_sync_join import assert_replayed_from_scratch, scheduler_calls

from conftest import NOW
from mastery.collection import Collection
from mastery.storage import counters
from mastery.sync import merge

deck = test_sync.deck
open_profile = test_sync.open_profile
KEYS = ("fr", "de", "it")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "target"
    path.mkdir()
    return path


class Watch:
    """What the merges of a sync did: streams begun, cards demoted."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.streams = 0
        self.demoted: set[int] = set()
        real_stream, real_demote = merge.Merge.stream, merge.Merge._demote

        def stream(m: merge.Merge, scheduler_for: Any) -> bool:
            began = real_stream(m, scheduler_for)
            self.streams += began
            return began

        def demote(m: merge.Merge, card: int) -> None:
            self.demoted.add(card)
            real_demote(m, card)

        monkeypatch.setattr(merge.Merge, "stream", stream)
        monkeypatch.setattr(merge.Merge, "_demote", demote)


@contextmanager
def without_stream(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with monkeypatch.context() as m:
        m.setattr(merge.Merge, "stream", lambda self, scheduler_for: False)
        yield


def indexes(col: Collection) -> list[str]:
    rows = col.conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger') "
        "AND tbl_name IN ('reviewlog', 'syncevent') ORDER BY name"
    )
    return [r[0] for r in rows]


def join_both_ways(
    open_profile: Callable[..., Collection],
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    with_deck: bool = True,
) -> tuple[Collection, Watch]:
    """A device joining with the stream and one without: the same profile, the same log, the
    same counters, and every card as a replay of its whole log gives it."""
    plain = open_profile("plain", with_deck=with_deck)
    with without_stream(monkeypatch):
        plain_report = sync_of(plain).setup(str(folder), PASS)
    watch = Watch(monkeypatch)
    streamed = open_profile("streamed", with_deck=with_deck)
    before = indexes(streamed)
    report = sync_of(streamed).setup(str(folder), PASS)
    assert watch.streams == 1
    assert report.received == plain_report.received
    assert state_of(streamed) == state_of(plain)
    assert indexes(streamed) == before  # the log's indexes and triggers are back
    assert counters.differences(streamed.conn) == 0
    assert_replayed_from_scratch(streamed)
    # Its sync records are the plain join's: the next sync of either sends and takes the same.
    events = "SELECT event_id, device, at, undone, pending IS NULL FROM syncevent ORDER BY 1"
    assert streamed.conn.execute(events).fetchall() == plain.conn.execute(events).fetchall()
    return streamed, watch


def test_one_devices_answers_in_order_are_taken_as_shipped_without_a_replay(
    open_profile: Callable[..., Collection], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = open_profile("a")
    rng = random.Random(5)
    for i in range(40):
        a.answer(card_id(a, rng.choice(KEYS)), rng.randint(1, 4), now=NOW + i * timedelta(hours=9))
        if i % 10 == 9:
            sync_of(a).run(PASS) if i > 9 else sync_of(a).setup(str(folder), PASS)
    sync_of(a).run(PASS)
    calls = scheduler_calls(monkeypatch)
    streamed, watch = join_both_ways(open_profile, folder, monkeypatch)
    assert not watch.demoted
    assert state_of(streamed) == state_of(a)
    del calls[:]
    b = open_profile("b")
    watch.streams = 0
    sync_of(b).setup(str(folder), PASS)
    assert watch.streams == 1 and calls == []  # every schedule taken as it came


def test_answers_of_one_card_from_two_devices_demote_it_and_agree(
    open_profile: Callable[..., Collection], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = open_profile("a"), open_profile("b")
    a.answer(card_id(a, "fr"), 3, now=NOW + 2 * timedelta(days=1))
    a.answer(card_id(a, "de"), 3, now=NOW + 2 * timedelta(days=1))
    b.answer(card_id(b, "fr"), 1, now=NOW + timedelta(days=1))  # older: read after a's
    b.answer(card_id(b, "fr"), 3, now=NOW + 5 * timedelta(days=1))
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    sync_of(a).run(PASS)
    streamed, watch = join_both_ways(open_profile, folder, monkeypatch)
    assert state_of(streamed) == state_of(a) == state_of(b)
    fr = card_id(streamed, "fr")
    if fr in watch.demoted:  # the order the devices are read in decides
        assert card_id(streamed, "de") not in watch.demoted


def test_an_answer_older_than_the_last_one_of_its_device_demotes_its_card(
    open_profile: Callable[..., Collection], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clock set back between two syncs: the second chunk has an answer older than the
    first chunk's."""
    a = open_profile("a")
    a.answer(card_id(a, "fr"), 3, now=NOW + 10 * timedelta(days=1))
    a.answer(card_id(a, "de"), 3, now=NOW + 10 * timedelta(days=1))
    sync_of(a).setup(str(folder), PASS)
    a.answer(card_id(a, "fr"), 1, now=NOW + 3 * timedelta(days=1))
    a.answer(card_id(a, "de"), 3, now=NOW + 12 * timedelta(days=1))
    sync_of(a).run(PASS)
    streamed, watch = join_both_ways(open_profile, folder, monkeypatch)
    assert watch.demoted == {card_id(streamed, "fr")}
    assert state_of(streamed) == state_of(a)


def test_an_answer_taken_back_in_a_later_chunk_leaves_the_log_and_its_card_is_replayed(
    open_profile: Callable[..., Collection], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = open_profile("a")
    for i in range(3):
        a.answer(card_id(a, "fr"), 3, now=NOW + i * timedelta(days=1))
    a.answer(card_id(a, "de"), 4, now=NOW + 3 * timedelta(days=1))
    sync_of(a).setup(str(folder), PASS)
    assert a.undo() is not None  # "de", sent: its undo goes in the next chunk
    a.answer(card_id(a, "fr"), 2, now=NOW + 4 * timedelta(days=1))
    sync_of(a).run(PASS)
    streamed, watch = join_both_ways(open_profile, folder, monkeypatch)
    assert streamed.card("capitals/de").reps == 0
    assert watch.demoted == {card_id(streamed, "de")}
    assert state_of(streamed) == state_of(a)


def test_the_same_answer_on_two_devices_stays_one(
    open_profile: Callable[..., Collection], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One Anki history imported on two devices: an answer of both is one answer."""
    a, b = open_profile("a"), open_profile("b")
    for col in (a, b):
        col.answer(card_id(col, "fr"), 3, now=NOW)
        col.answer(card_id(col, "de"), 3, now=NOW + timedelta(minutes=1))
    b.answer(card_id(b, "de"), 1, now=NOW + timedelta(days=3))
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    sync_of(a).run(PASS)
    streamed, _ = join_both_ways(open_profile, folder, monkeypatch)
    assert len(test_sync.answers_of(streamed)) == 3
    assert state_of(streamed) == state_of(a) == state_of(b)


def test_options_changed_in_a_later_chunk_replay_the_deck_with_them(
    open_profile: Callable[..., Collection], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = open_profile("a")
    for i in range(4):
        a.answer(card_id(a, KEYS[i % 3]), 3, now=NOW + i * timedelta(days=2))
    sync_of(a).setup(str(folder), PASS)
    a.set_setting("desired_retention", 0.8)  # syncs, and schedules every card anew
    a.answer(card_id(a, "fr"), 3, now=NOW + 20 * timedelta(days=1))
    sync_of(a).run(PASS)
    streamed, watch = join_both_ways(open_profile, folder, monkeypatch)
    answered = {card_id(streamed, k) for k in KEYS}
    assert watch.demoted == answered
    assert state_of(streamed) == state_of(a)


def test_answers_read_before_the_content_of_their_card_wait_and_are_streamed(
    open_profile: Callable[..., Collection], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    csv = folder.parent / "animals.csv"
    csv.write_text("front,back,tags\nHund,dog,noun\nKatze,cat,noun\n", encoding="utf-8")
    a = open_profile("a", with_deck=False)
    a.import_files([csv], now=NOW)
    sync_of(a).setup(str(folder), PASS)
    b = open_profile("b", with_deck=False)
    sync_of(b).setup(str(folder), PASS)
    hund = b.cards.search("Hund")[0]
    for i in range(3):
        b.answer(hund.id, 3, now=NOW + i * timedelta(days=1))
    sync_of(b).run(PASS)
    read_first(monkeypatch, b)
    streamed, _ = join_both_ways(open_profile, folder, monkeypatch, with_deck=False)
    assert streamed.card(f"animals/{hund.key}").reps == 3
    assert sync_of(streamed).status().pending_answers == 0
    assert state_of(streamed) == state_of(b)


@pytest.mark.parametrize("seed", range(6))
def test_a_join_streamed_equals_one_replayed_whatever_the_devices_did(
    open_profile: Callable[..., Collection],
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
) -> None:
    """Three devices answering (their clocks sometimes set back), taking answers back,
    answering the same card at the same moment, changing options, syncing in random
    orders; then two devices join, one with the stream and one without."""
    rng = random.Random(seed)
    devices = [open_profile(name) for name in ("a", "b", "c")]
    for col in devices:
        sync_of(col).setup(str(folder), PASS)
    moment = NOW
    shared = False
    for _ in range(5):
        for col in devices:
            for _ in range(rng.randint(0, 4)):
                step = timedelta(minutes=rng.randint(-3000 if rng.random() < 0.15 else 1, 900))
                moment += step
                key, rating = rng.choice(KEYS), rng.randint(1, 4)
                col.answer(card_id(col, key), rating, now=moment)
                if rng.random() < 0.1:  # the same answer on another device
                    other = rng.choice([d for d in devices if d is not col])
                    other.answer(card_id(other, key), rating, now=moment)
                    shared = True
                if rng.random() < 0.15:
                    assert col.undo() is not None
            if rng.random() < 0.1:
                col.set_setting("desired_retention", rng.choice([0.8, 0.85, 0.9]))
        for col in rng.sample(devices, k=rng.randint(1, 3)):
            sync_of(col).run(PASS)
    for _ in range(2):
        for col in devices:
            sync_of(col).run(PASS)
    streamed, _ = join_both_ways(open_profile, folder, monkeypatch)
    if not shared:
        # One answer on two devices then taken back on one ends differently on the devices
        # that merged it before the undo and on one joining after (as before the stream; an
        # Anki history imported twice is the only way to such an answer).
        assert state_of(streamed) == state_of(devices[0])


def test_a_demoted_card_judges_its_same_answers_again(
    open_profile: Callable[..., Collection], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An answer linked as the same answer to a streamed row goes back with that row when
    its card is demoted (b's clock set back after a shared answer)."""
    a, b = open_profile("a"), open_profile("b")
    for col in (a, b):
        col.answer(card_id(col, "fr"), 3, now=NOW + 5 * timedelta(days=1))
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    b.answer(card_id(b, "fr"), 1, now=NOW + timedelta(days=1))
    sync_of(b).run(PASS)
    sync_of(a).run(PASS)
    read_first(monkeypatch, a)  # a's answer streamed, b's linked to it, then b's older one
    streamed, watch = join_both_ways(open_profile, folder, monkeypatch)
    assert card_id(streamed, "fr") in watch.demoted
    assert len(test_sync.answers_of(streamed)) == 2
    assert state_of(streamed) == state_of(a) == state_of(b)


def test_an_answer_taken_back_after_another_device_gave_the_same_leaves_that_one(
    open_profile: Callable[..., Collection], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """a's answer is streamed, b's same answer linked to it, then a's undo is read: the row
    goes and b's answer is an answer of its own again, as a join without the stream has it."""
    a, b = open_profile("a"), open_profile("b")
    for col in (a, b):
        col.answer(card_id(col, "de"), 3, now=NOW + timedelta(days=1))
    sync_of(a).setup(str(folder), PASS)
    assert a.undo() is not None
    sync_of(a).run(PASS)
    sync_of(b).setup(str(folder), PASS)
    read_first(monkeypatch, a)
    streamed, _ = join_both_ways(open_profile, folder, monkeypatch)
    assert streamed.card("capitals/de").reps == 1  # b's answer
    assert len(test_sync.answers_of(streamed)) == 1


def test_a_row_whose_schedule_receivers_would_refuse_goes_without_it() -> None:
    """A schedule out of the range every reader checks (a row changed outside Mastery, a
    stability past 100 years) is left out of its row, so the receivers replay that answer
    instead of refusing the whole chunk; the other rows keep theirs."""
    good = ("a" * 32, "d", "c", 1, 3, 0, None, 2, None, 5.0, 5.0, 2, 1, 1, "0" * 16)
    far = ("b" * 32, "d", "c", 2, 3, 0, None, 2, None, 40_000.0, 5.0, 3, 1, 1, "1" * 16)
    half = ("c" * 32, "d", "c", 3, 3, 0, None, 2, None, 5.0, 5.0, 4, 1, 1, None)
    rows = merge._checked_rows([good, far, half])
    assert rows[0] == good
    assert rows[1] == (*far[:7], *(None,) * 8) and rows[2] == (*half[:7], *(None,) * 8)
    assert merge._checked_rows([good]) == [good]
