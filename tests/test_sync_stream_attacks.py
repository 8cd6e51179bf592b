# ruff: noqa: F811 (open_profile and deck are test_sync.py's fixtures, used by name)
"""The streamed join (`merge.Merge.stream`) played against by a device holding the key:
odd or hostile `answers` chunks, a join killed midway, odd joining devices. Whatever comes,
a refused target is one line with nothing applied, and an accepted one gives the streamed
join what the join without the stream gives, row for row (`join_both_ways`)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import test_sync
from test_sync import PASS, card_id, deck, open_profile, state_of, sync_of  # noqa: F401
from test_sync_join import assert_replayed_from_scratch
from test_sync_stream import folder, indexes, join_both_ways, without_stream  # noqa: F401

from conftest import NOW
from mastery.collection import Collection
from mastery.days import to_ms
from mastery.errors import SyncError
from mastery.storage import counters
from mastery.sync import chunks, crypto, merge

DAY = timedelta(days=1)
KEYS = ("fr", "de", "it")
OTHER = "e" * 32  # a device that writes its own chunks by hand


def key_of(folder: Path) -> bytes:
    header = chunks.read_header(folder)
    assert header is not None
    return crypto.unlock(header, PASS)


def write(folder: Path, *chunk_events: list[Any], device: str = OTHER) -> None:
    """`device`'s chunks 1, 2, ... on the target, sealed with the right key."""
    key = key_of(folder)
    for seq, events in enumerate(chunk_events, 1):
        chunks.write_chunk(folder, device, seq, crypto.seal(key, device, seq, events))


def row(
    n: int, card: str, days: float, rating: int = 3, duration: int = 0, deck_key: str = "capitals"
) -> list[Any]:
    """An answer row without a schedule (the receiver replays it), event id from `n`."""
    at = to_ms(NOW + days * DAY)
    return [f"{n:032x}", deck_key, card, at, rating, duration, None, *(None,) * 8]


def answers(*rows: list[Any]) -> dict[str, Any]:
    return {"kind": "answers", "rows": list(rows)}


def undo(n: int) -> dict[str, Any]:
    return {"kind": "undo", "id": f"{n:032x}"}


def content(card: str, stamp: int = 1) -> dict[str, Any]:
    return {"kind": "content", "deck": "capitals", "card": card, "stamp": stamp,
            "front": f"Capital of {card}?", "back": card.upper(), "note": card}  # fmt: skip


def setup_target(open_profile: Callable[..., Collection], folder: Path) -> Collection:
    a = open_profile("a")
    sync_of(a).setup(str(folder), PASS)
    return a


def refused_both_ways(
    open_profile: Callable[..., Collection],
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    match: str,
) -> None:
    """A device joining with the stream and one without refuse the target in one line,
    with nothing applied (the log's indexes and triggers back)."""
    for name, plain in (("plain", True), ("streamed", False)):
        col = open_profile(name)
        before, shape = state_of(col), indexes(col)
        with monkeypatch.context() as m:
            if plain:
                m.setattr(merge.Merge, "stream", lambda self, scheduler_for: False)
            with pytest.raises(SyncError, match=match) as refused:
                sync_of(col).setup(str(folder), PASS)
        assert "\n" not in str(refused.value)
        assert state_of(col) == before
        assert indexes(col) == shape
        assert counters.differences(col.conn) == 0
        assert col.conn.execute("SELECT count(*) FROM syncevent").fetchone()[0] == 0


TWICE = "came twice as two different answers"


@pytest.mark.parametrize(
    ("events", "taken"),
    [
        # the same event id twice in one block, the second another answer
        ([[answers(row(1, "fr", 1), row(1, "fr", 2, rating=1))]], None),
        # the same event id for two cards
        ([[answers(row(1, "fr", 1), row(1, "de", 2))]], None),
        # the same event id, an older answer second (the card is demoted)
        ([[answers(row(1, "fr", 2), row(2, "fr", 3), row(1, "fr", 1, rating=1))]], None),
        # the same event id in two chunks
        ([[answers(row(1, "fr", 1), row(2, "fr", 2))], [answers(row(1, "fr", 3, rating=2))]],
         None),
        # the same rating of the same moment, another duration: the same answer
        ([[answers(row(1, "de", 1)), answers(row(1, "de", 1, duration=5))]], 1),
        # exactly the same row twice (a chunk written again)
        ([[answers(row(1, "fr", 1), row(1, "fr", 1))]], 1),
        # written again in a later chunk, after the card's later answers (demoted)
        ([[answers(row(1, "fr", 1), row(2, "fr", 2))], [answers(row(1, "fr", 1))]], 2),
        # as an `answer` event of an older Mastery in a later chunk
        ([[answers(row(1, "fr", 1))],
          [{"kind": "answer", "id": f"{1:032x}", "deck": "capitals", "card": "fr",
            "at": to_ms(NOW + DAY), "rating": 3}]], 1),
        # written again after a second answer of the same moment (streamed a third time)
        ([[answers(row(3, "fr", 0, 4, 1000))],
          [answers(row(7, "fr", 0, 4, 1000), row(3, "fr", 0, 4, 1000))]], 2),
    ],
    ids=["in a block", "two cards", "older second", "two chunks", "two blocks", "same row",
         "written again", "as an answer event", "after a same-moment answer"],
)  # fmt: skip
def test_an_event_id_given_twice_is_one_answer_or_refused_as_without_the_stream(
    open_profile: Callable[..., Collection],
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    events: list[list[Any]],
    taken: int | None,
) -> None:
    """Before: a joining device took both rows of one id (streamed) or those of two chunks
    (either way), and sent the one its event map did not name on as its own."""
    setup_target(open_profile, folder)
    write(folder, *events)
    if taken is None:
        refused_both_ways(open_profile, folder, monkeypatch, TWICE)
        return
    streamed, _ = join_both_ways(open_profile, folder, monkeypatch)
    assert streamed.conn.execute("SELECT count(*) FROM reviewlog").fetchone()[0] == taken
    assert sync_of(streamed).run(PASS).sent == 0  # nothing of another device's sent as its own


def scheduled_row(n: int, card: str, days: float, **schedule: Any) -> list[Any]:
    """A row with a whole schedule, fields changed by `schedule`."""
    fields = {"state": 2, "step": None, "stability": 3.0, "difficulty": 5.0,
              "due": to_ms(NOW + (days + 3) * DAY), "elapsed_days": 0, "scheduled_days": 3,
              "chain": "0" * 16}  # fmt: skip
    fields.update(schedule)
    return [*row(n, card, days)[:7], *fields.values()]


BAD_ROWS = {
    "14 fields": row(9, "de", 5)[:-1],
    "16 fields": [*row(9, "de", 5), None],
    "moment as text": [*row(9, "de", 5)[:3], "soon", *row(9, "de", 5)[4:]],
    "moment past 9999": [*row(9, "de", 5)[:3], 253_370_764_800_000, *row(9, "de", 5)[4:]],
    "moment with a fraction": [*row(9, "de", 5)[:3], 1.5, *row(9, "de", 5)[4:]],
    "rating 0": row(9, "de", 5, rating=0),
    "negative duration": row(9, "de", 5, duration=-1),
    "stability NaN": scheduled_row(9, "de", 5, stability=float("nan")),
    "stability inf": scheduled_row(9, "de", 5, stability=float("inf")),
    "difficulty 11": scheduled_row(9, "de", 5, difficulty=11.0),
    "state 0": scheduled_row(9, "de", 5, state=0),
    "no chain": scheduled_row(9, "de", 5, chain=None),
    "chain too short": scheduled_row(9, "de", 5, chain="0" * 15),
    "chain not hex": scheduled_row(9, "de", 5, chain="g" * 16),
    "schedule without a state": scheduled_row(9, "de", 5, state=None),
    "event id upper case": ["A" * 32, *row(9, "de", 5)[1:]],
    "empty card key": row(9, "", 5),
    "row as an object": dict(zip(("id", "deck"), row(9, "de", 5), strict=False)),
}


@pytest.mark.parametrize("where", ["first chunk", "after a streamed chunk"])
@pytest.mark.parametrize("bad", list(BAD_ROWS), ids=list(BAD_ROWS))
def test_a_bad_row_refuses_the_target_in_one_line_even_after_rows_were_streamed(
    open_profile: Callable[..., Collection],
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    bad: str,
    where: str,
) -> None:
    """Refused after the stream wrote rows (and dropped the log's indexes and counting
    trigger): the transaction takes all of it back."""
    monkeypatch.setattr(merge, "_BATCH", 2)  # rows flushed to the log before the refusal
    setup_target(open_profile, folder)
    good = answers(*(row(i, ("fr", "it")[i % 2], i) for i in range(1, 6)))
    broken = answers(row(7, "de", 4), BAD_ROWS[bad])
    if where == "first chunk":
        write(folder, [good, broken])
    else:
        write(folder, [good], [broken])
    refused_both_ways(open_profile, folder, monkeypatch, r"0000000[12]\.chunk: ")


@pytest.mark.parametrize(
    "events",
    [
        [[undo(1), answers(row(1, "fr", 1), row(2, "fr", 2))]],  # its undo first
        [[answers(row(1, "fr", 1), row(2, "fr", 2)), undo(1)]],  # after, in the chunk
        [[answers(row(1, "fr", 1), row(2, "fr", 2))], [undo(2)]],  # the newest, later
        [[answers(row(1, "fr", 1), row(2, "fr", 2))], [undo(1), answers(row(3, "fr", 3))]],
        [[answers(row(1, "fr", 1))], [undo(1)], [answers(row(1, "fr", 1))]],  # back again
        [[undo(5)], [answers(row(1, "de", 1))]],  # an answer never seen
        [[answers(row(1, "fr", 1), row(2, "de", 1))], [undo(2), undo(2), undo(1)]],
        [[answers(row(1, "fr", 1), row(1, "fr", 1))], [undo(1)]],  # of a row read twice
        [[answers(row(1, "it", 1), row(2, "it", 3)), answers(row(1, "it", 1))],
         [undo(1)]],  # of a row read twice, the copy after a newer one
        [[answers(row(1, "es", 1), row(2, "es", 2))], [undo(1)], [content("es")]],
        [[answers(row(1, "es", 1), row(2, "fr", 2))], [content("es"), undo(1),
          answers(row(1, "es", 1), row(3, "es", 3))]],
    ],
    ids=["undo first", "undo after", "newest later", "oldest later", "again after undo",
         "unknown", "twice", "of a row twice", "of a row twice apart", "of a waiting row",
         "waiting row, then its card"],
)  # fmt: skip
def test_undos_in_any_order_give_the_join_without_the_stream(
    open_profile: Callable[..., Collection],
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    events: list[list[Any]],
) -> None:
    setup_target(open_profile, folder)
    write(folder, *events)
    undone = {e["id"] for chunk in events for e in chunk if e["kind"] == "undo"}
    kept = {r[0] for chunk in events for e in chunk if e["kind"] == "answers" for r in e["rows"]}
    streamed, _ = join_both_ways(open_profile, folder, monkeypatch)
    assert len(test_sync.answers_of(streamed)) == len(kept - undone)


def test_rows_for_a_card_brought_by_a_later_chunk_wait_then_join_its_own_rows(
    open_profile: Callable[..., Collection], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Answers for "es" before the card exists (kept pending), then its content and newer
    answers in one chunk (streamed at once), then older ones: as without the stream."""
    setup_target(open_profile, folder)
    write(
        folder,
        [answers(row(1, "es", 1), row(2, "fr", 1))],
        [content("es"), answers(row(3, "es", 5), row(4, "es", 6))],
        [answers(row(5, "es", 2, rating=1))],
    )
    streamed, _ = join_both_ways(open_profile, folder, monkeypatch)
    assert streamed.card("capitals/es").reps == 4
    assert sync_of(streamed).status().pending_answers == 0


def test_a_refused_join_leaves_no_setting_of_its_chunks_in_use(
    open_profile: Callable[..., Collection], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stream reloads settings after each chunk's channel events (they schedule what
    comes next); a later chunk refused rolls them back, and the profile must not go on
    scheduling with them."""
    from test_sync import read_first

    a = setup_target(open_profile, folder)
    a.set_setting("desired_retention", 0.8)
    a.answer(card_id(a, "fr"), 3, now=NOW)
    sync_of(a).run(PASS)
    write(folder, [answers(BAD_ROWS["rating 0"])])
    read_first(monkeypatch, a)
    b = open_profile("b")
    default = b.setting("desired_retention")
    with pytest.raises(SyncError):
        sync_of(b).setup(str(folder), PASS)
    assert b.conn.execute("SELECT count(*) FROM reviewlog").fetchone()[0] == 0
    assert b.setting("desired_retention") == default != 0.8


@pytest.mark.parametrize("at", ["_stream_flush", "_finish_stream", "_move_demoted", "replay"])
def test_a_join_killed_midway_leaves_nothing_and_the_next_sync_does_it_all(
    open_profile: Callable[..., Collection],
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    at: str,
) -> None:
    monkeypatch.setattr(merge, "_BATCH", 3)
    a = setup_target(open_profile, folder)
    for i in range(12):
        a.answer(card_id(a, ("fr", "de", "it")[i % 3]), 1 + i % 4, now=NOW + i * DAY)
    sync_of(a).run(PASS)
    a.answer(card_id(a, "fr"), 2, now=NOW + DAY / 2)  # older: "fr" is demoted
    sync_of(a).run(PASS)
    b = open_profile("b")
    before, shape = state_of(b), indexes(b)

    class Killed(Exception):
        pass

    calls = [0]
    real = getattr(merge.Merge, at)

    def dying(self: merge.Merge, *args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == 2 or at != "_stream_flush":
            raise Killed
        return real(self, *args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(merge.Merge, at, dying)
        with pytest.raises(Killed):
            sync_of(b).setup(str(folder), PASS)
    assert state_of(b) == before
    assert indexes(b) == shape
    assert counters.differences(b.conn) == 0
    assert b.conn.execute("SELECT count(*) FROM syncevent").fetchone()[0] == 0
    sync_of(b).setup(str(folder), PASS)
    assert state_of(b) == state_of(a)
    assert_replayed_from_scratch(b)


SECOND = "d" * 32


def random_target(
    rng: random.Random, first: Callable[[list[Any]], list[Any]] | None = None
) -> dict[str, list[list[Any]]]:
    """Two hand-written devices' chunks: answers in blocks, each device's clock mostly going
    forward, sometimes back; the same answer on both devices; a row written again; undos of
    earlier, later and unknown answers; the content of a card after answers for it; the
    desired retention changed between answers; cards suspended and buried; empty chunks.
    `first` gives a row the schedule of a card's first answer under the default options
    (taken as shipped where it is one, replayed elsewhere)."""
    devices: dict[str, list[list[Any]]] = {OTHER: [], SECOND: []}
    given: dict[str, list[list[Any]]] = {OTHER: [], SECOND: []}
    clock = {OTHER: 0.0, SECOND: 0.0}
    n = 0
    stamp = 10
    for _ in range(rng.randint(2, 6)):
        device = rng.choice(list(devices))
        other = SECOND if device == OTHER else OTHER
        chunk: list[Any] = []
        for _ in range(rng.randint(0, 4)):
            roll = rng.random()
            if roll < 0.6:
                rows = []
                for _ in range(rng.randint(1, 6)):
                    pick = rng.random()
                    if pick < 0.15 and given[other]:  # the same answer on both devices
                        n += 1
                        rows.append([f"{n:032x}", *rng.choice(given[other])[1:]])
                    elif pick < 0.22 and given[device]:  # a row written again
                        rows.append(list(rng.choice(given[device])))
                    else:
                        n += 1
                        clock[device] += (
                            rng.choice([0, 0.5, 1, 2, 3, -4]) if rng.random() < 0.9 else 0
                        )
                        new = row(n, rng.choice(("fr", "de", "it", "es")),
                                  max(clock[device], 0), rng.randint(1, 4),
                                  rng.choice([0, 0, 1000, 5000]))  # fmt: skip
                        rows.append(first(new) if first and rng.random() < 0.4 else new)
                given[device] += rows
                chunk.append(answers(*rows))
            elif roll < 0.8:
                mine = [r[0] for r in given[device]]
                target = rng.choice(mine) if mine and rng.random() < 0.8 else f"{n + 1:032x}"
                chunk.append({"kind": "undo", "id": target})
            elif roll < 0.85:
                stamp += 1
                chunk.append(content("es", stamp))
            elif roll < 0.9:  # a card suspended or not, buried or not
                stamp += 1
                chunk.append({"kind": "card", "deck": "capitals", "stamp": stamp,
                              "card": rng.choice(("fr", "de", "it", "es")),
                              "suspended": rng.random() < 0.5,
                              "buried_until": rng.choice([None, to_ms(NOW + 2 * DAY)])})  # fmt: skip
            else:
                stamp += 1
                chunk.append({"kind": "setting", "what": "setting", "key": "desired_retention",
                              "stamp": stamp, "value": rng.choice([0.8, 0.85, 0.9])})  # fmt: skip
        devices[device].append(chunk)
    return devices


@pytest.mark.parametrize("seed", range(40))
def test_a_random_target_joins_the_same_with_and_without_the_stream(
    open_profile: Callable[..., Collection],
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
) -> None:
    from mastery.days import from_ms
    from mastery.scheduler import Memory

    a = setup_target(open_profile, folder)
    scheduler = a.scheduler_for(a.card("capitals/fr").deck_id)
    chain = merge.fingerprint(scheduler).hex()

    def first(given: list[Any]) -> list[Any]:
        seed = merge.card_seed("capitals", given[2])
        outcome = scheduler.answer(Memory(state=0), given[4], from_ms(given[3]), seed)
        m = outcome.memory
        assert m.due is not None and m.stability is not None and m.difficulty is not None
        return [*given[:7], m.state, m.step, m.stability, m.difficulty, to_ms(m.due),
                outcome.elapsed_days, outcome.scheduled_days, chain]  # fmt: skip

    for device, written in random_target(random.Random(seed), first).items():
        write(folder, *written, device=device)
    join_both_ways(open_profile, folder, monkeypatch)


def test_a_demoted_cards_rows_go_back_in_the_order_they_were_read(
    open_profile: Callable[..., Collection], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Which of equal answers is "the same answer" as which depends on the order they were
    read (`_replay_card`): a demoted card's streamed rows went back after the rows that
    waited, and two of OTHER's same-moment answers were linked to one of SECOND's in one
    join and kept in the other."""
    setup_target(open_profile, folder)
    write(folder, [answers(row(6, "fr", 0, 4, 1000))], device=SECOND)
    write(
        folder,
        [answers(row(8, "fr", 3)), answers(row(11, "fr", 0, 4, 1000), row(13, "fr", 0, 4, 1000))],
    )
    join_both_ways(open_profile, folder, monkeypatch)


def test_a_device_with_only_cram_answers_joins_without_the_stream_and_keeps_them(
    open_profile: Callable[..., Collection], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stream needs an empty log: cram answers (never sent) are rows of it."""
    from test_sync_stream import Watch

    a = setup_target(open_profile, folder)
    for i in range(5):
        a.answer(card_id(a, ("fr", "de")[i % 2]), 1 + i % 4, now=NOW + i * DAY)
    sync_of(a).run(PASS)
    b = open_profile("b")
    b.cram_answer(card_id(b, "fr"), 3, now=NOW + DAY / 3)
    watch = Watch(monkeypatch)
    assert sync_of(b).setup(str(folder), PASS).received == 5
    assert watch.streams == 0
    assert test_sync.answers_of(b) == test_sync.answers_of(a)
    assert b.conn.execute("SELECT count(*) FROM reviewlog WHERE kind != 'review'").fetchone()[0]
    assert_replayed_from_scratch(b)
    assert sync_of(b).run(PASS).sent == 0


def test_durations_whose_hour_sum_overflows_64_bits_join_as_without_the_stream(
    open_profile: Callable[..., Collection], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each duration is checked (under 8,000 years), not their sum: 36,500 of the longest
    in one hour pass 2**63 ms. The insert trigger's `+` then gives a float; the stream's
    tally (Python integers) failed to write with a traceback."""
    setup_target(open_profile, folder)
    longest = 253_370_764_799_999
    rows = [[f"{i + 1:032x}", "capitals", KEYS[i % 3], to_ms(NOW) + i, 3, longest, None,
             *(None,) * 8] for i in range(36_500)]  # fmt: skip
    write(folder, [answers(*rows)])
    joined = []
    for name, plain in (("plain", True), ("streamed", False)):
        col = open_profile(name)
        with monkeypatch.context() as m:
            if plain:
                m.setattr(merge.Merge, "stream", lambda self, scheduler_for: False)
            assert sync_of(col).setup(str(folder), PASS).received == len(rows)
        joined.append(col)
    plain_col, streamed = joined
    assert state_of(streamed) == state_of(plain_col)
    hours = "SELECT hour, deck_id, reviews, duration_ms FROM reviewhour ORDER BY 1, 2"
    got, want = (c.conn.execute(hours).fetchall() for c in (streamed, plain_col))
    assert [tuple(r)[:3] for r in got] == [tuple(r)[:3] for r in want]
    assert [r[3] for r in got] == pytest.approx([r[3] for r in want], rel=1e-12)
    assert sum(r[3] for r in got) > 2**63


@pytest.mark.parametrize(
    "place", [{"seq": "1"}, {"device": OTHER.upper()}], ids=["seq as text", "device in capitals"]
)
@pytest.mark.parametrize("kind", ["answers", "answer"])
def test_a_chunk_whose_place_is_not_exactly_its_own_is_refused_by_the_fast_read_too(
    open_profile: Callable[..., Collection],
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    place: dict[str, Any],
    kind: str,
) -> None:
    """`crypto.events_of` refuses a chunk whose device and sequence are not its own; the
    fast reads of answer chunks validated them lax, and took "1" for 1."""
    import json
    import zlib

    from nacl import secret

    setup_target(open_profile, folder)
    event = answers(row(1, "fr", 1)) if kind == "answers" else {
        "kind": "answer", "id": f"{1:032x}", "deck": "capitals", "card": "fr",
        "at": to_ms(NOW), "rating": 3}  # fmt: skip
    body = {"format": 1, "device": OTHER, "seq": 1, "events": [event]}
    body.update(place)
    plain = json.dumps(body, separators=(",", ":")).encode()
    sealed = bytes(secret.SecretBox(key_of(folder)).encrypt(zlib.compress(plain, 6)))
    chunks.write_chunk(folder, OTHER, 1, sealed)
    refused_both_ways(open_profile, folder, monkeypatch, "belongs to another place")


@pytest.mark.parametrize(
    "schedule",
    [
        {"state": 1, "step": 999},
        {"state": 3, "step": 999},
        {"state": 2, "step": 5},
        {"state": 2, "stability": 5e-324},
        {"state": 3, "step": 0, "stability": 5e-324, "difficulty": 1.0},
        {"state": 2, "stability": 36500.0, "difficulty": 10.0, "due": 253_370_764_799_999},
    ],
)
def test_an_odd_schedule_with_the_right_chain_is_taken_and_answers_replay_from_it(
    open_profile: Callable[..., Collection],
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    schedule: dict[str, Any],
) -> None:
    """A schedule in range but one no scheduler gives (a learning step past the steps, the
    smallest stability, a due date in 9998), shipped with the chain a new device has: taken
    as it is (the chain vouches for it), and the answers after it are replayed from it, in
    both joins alike, without a crash."""
    a = setup_target(open_profile, folder)
    chain = merge.fingerprint(a.scheduler_for(a.card("capitals/fr").deck_id)).hex()
    first = scheduled_row(1, "fr", 1, chain=chain, **schedule)
    write(folder, [answers(first, row(2, "fr", 2), row(3, "fr", 3, rating=1), row(4, "fr", 4, 4))])
    joined = []
    for name, plain in (("plain", True), ("streamed", False)):
        col = open_profile(name)
        with monkeypatch.context() as m:
            if plain:
                m.setattr(merge.Merge, "stream", lambda self, scheduler_for: False)
            assert sync_of(col).setup(str(folder), PASS).received == 4
        assert counters.differences(col.conn) == 0
        joined.append(state_of(col))
    assert joined[0] == joined[1]
