"""Joining fast (issue 14, docs/sync.md "Joining a big profile"): every answer carries the
schedule its sender's replay gave it and the chain of the card's answers before it; a device
whose own history agrees takes it without replaying, any other replays, and every device still
ends with the same schedules, those of a replay of the whole log."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import test_sync
from pydantic import BaseModel
from test_sync import PASS, card_id, read_first, state_of, sync_of

from conftest import NOW
from mastery.collection import Collection
from mastery.days import from_ms, to_ms
from mastery.errors import SyncError
from mastery.scheduler import Scheduler
from mastery.storage import counters
from mastery.sync import chunks, crypto, merge
from mastery.sync.events import answer_of, parse, parse_answer_chunk, parse_chunk

DAY = timedelta(days=1)
# test_sync.py's fixtures: a deck file and profiles (one per device) with it imported.
deck = test_sync.deck
open_profile = test_sync.open_profile


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "target"
    path.mkdir()
    return path


def scheduler_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the scheduler's answers from now on (a replay makes one per answer)."""
    calls: list[int] = []
    real = Scheduler.answer

    def counting(self: Scheduler, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Scheduler, "answer", counting)
    return calls


def assert_replayed_from_scratch(col: Collection) -> None:
    """Every card and every log row as a replay of the card's whole log gives them, and the
    statistics counters as a recount gives them (the join adds rows its own way)."""
    assert counters.differences(col.conn) == 0
    cards = col.conn.execute(
        "SELECT c.id, c.deck_id, c.key, d.key, c.state, c.stability, c.difficulty, c.due, "
        "c.reps, c.lapses FROM card c JOIN deck d ON d.id = c.deck_id"
    ).fetchall()
    for cid, deck_id, key, deck_key, *stored in cards:
        rows = col.conn.execute(
            "SELECT reviewed_at, rating, state_after, stability_after, due_after "
            "FROM reviewlog WHERE card_id = ? AND kind = 'review' "
            "ORDER BY reviewed_at, rating",
            (cid,),
        ).fetchall()
        scheduler = col.scheduler_for(deck_id)
        seed = merge.card_seed(deck_key, key)
        from mastery.scheduler import Memory

        memory = Memory(state=0)
        for at, rating, state, stability, due in rows:
            memory = scheduler.answer(memory, rating, from_ms(at), seed + memory.reps).memory
            assert memory.due is not None
            assert (state, stability, due) == (memory.state, memory.stability, to_ms(memory.due))
        if rows:
            assert memory.due is not None
            assert stored == [
                memory.state,
                memory.stability,
                memory.difficulty,
                to_ms(memory.due),
                memory.reps,
                memory.lapses,
            ]


def test_a_new_device_takes_the_shipped_schedules_without_replaying(
    open_profile: Callable[..., Collection], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = open_profile("a"), open_profile("b")
    for i, (key, rating) in enumerate([("fr", 3), ("de", 1), ("fr", 3), ("it", 4), ("de", 3)]):
        a.answer(card_id(a, key), rating, now=NOW + i * DAY)
    sync_of(a).setup(str(folder), PASS)
    calls = scheduler_calls(monkeypatch)
    steps: list[tuple[float, str]] = []
    report = sync_of(b).setup(str(folder), PASS, progress=lambda f, what: steps.append((f, what)))
    assert report.received == 5
    assert calls == []  # every schedule taken as shipped
    assert state_of(a) == state_of(b)
    assert_replayed_from_scratch(b)
    # The bar moves while chunks are read (a joining device replays as it reads: nearly
    # all of the bar), says when the cards are replayed, and ends full.
    fractions = [f for f, _ in steps]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any("reading chunk" in what for _, what in steps)
    assert any("cards replayed" in what and f >= 0.9 for f, what in steps)


def test_an_everyday_sync_replays_only_the_new_answers(
    open_profile: Callable[..., Collection], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = open_profile("a"), open_profile("b")
    for i in range(4):
        a.answer(card_id(a, "fr"), 3, now=NOW + i * DAY)
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    a.answer(card_id(a, "fr"), 3, now=NOW + 10 * DAY)
    calls = scheduler_calls(monkeypatch)
    sync_of(a).run(PASS)
    assert len(calls) == 1  # the new answer, from the schedule before it; not all five
    sync_of(b).run(PASS)
    assert len(calls) == 1  # taken as shipped
    assert state_of(a) == state_of(b)
    assert_replayed_from_scratch(b)


def test_interleaved_answers_on_one_card_give_the_replayed_result_on_all_three_devices(
    open_profile: Callable[..., Collection], folder: Path
) -> None:
    a, b, c = open_profile("a"), open_profile("b"), open_profile("c")
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    # Each device's schedules for "fr" come from its own history; merged, neither holds.
    a.answer(card_id(a, "fr"), 3, now=NOW)
    a.answer(card_id(a, "fr"), 3, now=NOW + 2 * DAY)
    b.answer(card_id(b, "fr"), 1, now=NOW + DAY)
    b.answer(card_id(b, "fr"), 3, now=NOW + 3 * DAY)
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)  # replays a's answers and its own: their chains differ here
    sync_of(a).run(PASS)
    sync_of(c).setup(str(folder), PASS)
    assert state_of(a) == state_of(b) == state_of(c)
    assert len(state_of(c)[1]) == 4
    for col in (a, b, c):
        assert_replayed_from_scratch(col)


def test_a_chunk_of_an_older_mastery_without_schedules_is_replayed(
    open_profile: Callable[..., Collection], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(str(folder), PASS)
    header = chunks.read_header(folder)
    assert header is not None
    key = crypto.unlock(header, PASS)
    old_device = "0" * 32
    events = [
        {"kind": "answer", "id": f"{i:032x}", "deck": "capitals", "card": "fr",
         "at": to_ms(NOW + i * DAY), "rating": 3, "duration_ms": 0}
        for i in range(3)
    ]  # fmt: skip
    chunks.write_chunk(folder, old_device, 1, crypto.seal(key, old_device, 1, events))
    calls = scheduler_calls(monkeypatch)
    assert sync_of(b).setup(str(folder), PASS).received == 3
    assert len(calls) == 3
    assert_replayed_from_scratch(b)
    sync_of(a).run(PASS)
    assert state_of(a) == state_of(b)


@pytest.mark.parametrize("rows", [True, False], ids=["answer rows", "answer events"])
def test_a_schedule_missing_a_field_refuses_the_chunk_with_nothing_applied(
    open_profile: Callable[..., Collection], folder: Path, rows: bool
) -> None:
    a, b = open_profile("a"), open_profile("b")
    a.answer(card_id(a, "fr"), 3, now=NOW)
    sync_of(a).setup(str(folder), PASS)
    header = chunks.read_header(folder)
    assert header is not None
    key = crypto.unlock(header, PASS)
    device = a.meta("sync")["device"]
    path = folder / device / chunks.chunk_name(1)
    events = crypto.open_chunk(key, device, 1, path.read_bytes(), "x")
    assert events[0]["kind"] == "answers"  # how a device writes its answers: rows
    if rows:
        events[0]["rows"][0][-1] = None  # the chain: part of a schedule
        refused = r"00000001.chunk: event 0.answers: .*part of a schedule \(all of it or none\)"
    else:  # a chunk of answer events (an earlier Mastery's)
        events[0] = answer_of(tuple(events[0]["rows"][0]))  # type: ignore[arg-type]
        del events[0]["replayed"]["chain"]
        refused = r"00000001.chunk: event 0.answer.replayed.chain: "
    path.write_bytes(crypto.seal(key, device, 1, events))
    before = state_of(b)
    with pytest.raises(SyncError, match=refused):
        sync_of(b).setup(str(folder), PASS)
    assert state_of(b) == before


@pytest.mark.parametrize(
    "bad",
    [
        {"rating": 5},
        {"replayed": {"state": 2}},
        {"replayed": {"state": 2, "stability": -1.0, "difficulty": 5.0, "due": 0,
                      "elapsed_days": 0, "scheduled_days": 0, "chain": "0" * 16}},
        {"replayed": {"state": 2, "stability": 1.0, "difficulty": 5.0, "due": 0,
                      "elapsed_days": 0, "scheduled_days": 0, "chain": "zz"}},
        {"surprise": 1},
    ],
)  # fmt: skip
def test_the_fast_parse_refuses_what_the_models_refuse_in_the_same_words(
    bad: dict[str, Any],
) -> None:
    good = {"kind": "answer", "id": "a" * 32, "deck": "d", "card": "c", "at": 1, "rating": 3}
    raw = [{"kind": "undo", "id": "b" * 32}, good, {**good, **bad}]
    with pytest.raises(SyncError) as slow:
        parse(raw, "dev/00000001.chunk")
    with pytest.raises(SyncError) as fast:
        parse_chunk(raw, "dev/00000001.chunk")
    assert str(fast.value) == str(slow.value)
    assert "event 2.answer." in str(fast.value)
    assert len(parse_chunk(raw[:2], "x")) == 2


@pytest.mark.parametrize(
    "odd",
    [
        {},
        {"confidence": 2, "duration_ms": 0},
        {"confidence": None, "replayed": None},
        {"rating": "3"},  # pydantic's lax mode converts these: the shortcut leaves them to it
        {"rating": True},
        {"at": 5.0},
        {"deck": "déck"},
        {"replayed": {"state": 2, "stability": 3, "difficulty": 5.0, "due": 0,
                      "elapsed_days": 0, "scheduled_days": 0, "chain": "0" * 16}},
        {"replayed": {"state": 2, "step": None, "stability": 1.5, "difficulty": 5.0,
                      "due": 0, "elapsed_days": 0, "scheduled_days": 0, "chain": "0" * 16}},
    ],
)  # fmt: skip
def test_answers_read_by_the_shortcut_are_what_pydantic_gives(odd: dict[str, Any]) -> None:
    """Plain answers skip pydantic (`events._plain_answer`); any other is validated as
    before, so a chunk reads the same either way, mixed with other events or not."""
    from mastery.sync.events import _ANSWERS

    good = {"kind": "answer", "id": "a" * 32, "deck": "d", "card": "c", "at": 1, "rating": 3}
    raw = [good, {**good, **odd, "id": "c" * 32}]

    def text(events: list[Any]) -> str:  # types too: True == 1 and 5.0 == 5 in Python
        return json.dumps(events, sort_keys=True)

    expected = text(_ANSWERS.validate_python(raw))
    assert text(parse_chunk(json.loads(json.dumps(raw)), "x")) == expected
    mixed = parse_chunk([{"kind": "undo", "id": "b" * 32}, *raw], "x")
    assert text(mixed[1:]) == expected


@pytest.mark.parametrize("rows", [True, False], ids=["answer rows", "answer events"])
def test_a_chunk_of_answers_read_from_its_json_in_one_step_reads_as_the_general_path(
    open_profile: Callable[..., Collection], folder: Path, rows: bool
) -> None:
    """`parse_answer_chunk` (pydantic straight from the JSON) gives what `events_of` and
    `parse_chunk` give, and leaves every other chunk to them: one with another kind of
    event, one moved to another place, one with an answer they refuse (in their words).
    Both shapes: answer rows (how a device writes them) and answer events (an earlier
    Mastery's)."""
    a = open_profile("a")
    for i, key in enumerate(("fr", "de", "fr")):
        a.answer(card_id(a, key), 3 - i % 2, now=NOW + i * DAY)
    sync_of(a).setup(str(folder), PASS)
    header = chunks.read_header(folder)
    assert header is not None
    key = crypto.unlock(header, PASS)
    device = a.meta("sync")["device"]
    sealed = (folder / device / chunks.chunk_name(1)).read_bytes()
    written = json.loads(crypto.open_plain(key, sealed, "x"))["events"]
    assert [e["kind"] for e in written] == ["answers"] and len(written[0]["rows"]) == 3
    events = written if rows else [answer_of(tuple(row)) for row in written[0]["rows"]]

    def body(events: list[Any], seq: int = 1) -> bytes:
        chunk = {"format": 1, "device": device, "seq": seq, "events": events}
        return json.dumps(chunk, separators=(",", ":")).encode()  # as `crypto.seal` writes

    def plain(found: list[Any]) -> str:
        return json.dumps(
            [e.model_dump(mode="json") if isinstance(e, BaseModel) else e for e in found],
            sort_keys=True,
        )

    fast = parse_answer_chunk(body(events), device, 1)
    assert fast is not None and len(fast) == len(events)
    slow = parse_chunk(crypto.events_of(body(events), device, 1, "x"), "x")
    assert plain(fast) == plain(slow)
    assert parse_answer_chunk(body(events), device, 2) is None  # moved: the general path
    with pytest.raises(SyncError, match="another place"):
        crypto.events_of(body(events), device, 2, "x")
    undo = {"kind": "undo", "id": "b" * 32}
    assert parse_answer_chunk(body([*events, undo]), device, 1) is None
    assert len(parse_chunk([*events, undo], "x")) == len(events) + 1
    if rows:
        bad = [{"kind": "answers", "rows": [*events[0]["rows"][:2], [*events[0]["rows"][2]]]}]
        bad[0]["rows"][2][4] = 5
        refused = r"x: event 0.answers.rows.2.4: "
    else:
        bad = [*events[:2], {**events[2], "rating": 5}]
        refused = r"x: event 2.answer.rating: "
    assert parse_answer_chunk(body(bad), device, 1) is None
    with pytest.raises(SyncError, match=refused):
        parse_chunk(bad, "x")


def test_many_unsent_answers_are_written_as_several_chunks(
    open_profile: Callable[..., Collection], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(merge, "CHUNK_EVENTS", 2)
    a, b = open_profile("a"), open_profile("b")
    for i in range(5):
        a.answer(card_id(a, ("fr", "de", "it")[i % 3]), 3, now=NOW + i * DAY)
    a.suspend([card_id(a, "it")], now=NOW + 5 * DAY)
    report = sync_of(a).setup(str(folder), PASS)
    assert report.sent == 6
    assert chunks.sequences(folder, a.meta("sync")["device"]) == [1, 2, 3]
    assert sync_of(a).status().chunks_sent == 3
    assert sync_of(b).setup(str(folder), PASS).received == 5
    assert state_of(a) == state_of(b)


def test_a_deck_whose_options_changed_is_replayed_from_its_first_answer(
    open_profile: Callable[..., Collection], folder: Path
) -> None:
    a, b = open_profile("a"), open_profile("b")
    for i in range(3):
        a.answer(card_id(a, "fr"), 3, now=NOW + i * DAY)
    sync_of(a).setup(str(folder), PASS)
    sync_of(b).setup(str(folder), PASS)
    for col in (a, b):  # options are the same everywhere (synced as settings later)
        col.set_setting("desired_retention", 0.8)
    a.answer(card_id(a, "fr"), 3, now=NOW + 20 * DAY)
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    assert state_of(a) == state_of(b)
    for col in (a, b):
        assert_replayed_from_scratch(col)


def test_an_answer_in_the_place_of_an_undone_newest_one_is_still_sent(
    open_profile: Callable[..., Collection], folder: Path
) -> None:
    # A sync reads only the log rows after the newest one it saw, while that one is there.
    a, b = open_profile("a"), open_profile("b")
    a.answer(card_id(a, "fr"), 3, now=NOW)
    sync_of(a).setup(str(folder), PASS)
    assert a.undo() is not None  # the newest row goes; the next answer takes its id
    a.answer(card_id(a, "de"), 1, now=NOW + DAY)
    assert sync_of(a).status().unsent_answers == 1
    assert sync_of(a).run(PASS).sent == 2  # the undo and the new answer
    sync_of(b).setup(str(folder), PASS)
    assert [key for key, _, _ in test_sync.answers_of(b)] == ["de"]
    assert state_of(a) == state_of(b)


def test_an_answer_and_its_undo_read_in_one_sync_never_reach_the_log(
    open_profile: Callable[..., Collection], folder: Path
) -> None:
    a, b = open_profile("a"), open_profile("b")
    a.answer(card_id(a, "fr"), 3, now=NOW)
    a.answer(card_id(a, "de"), 3, now=NOW + DAY)
    sync_of(a).setup(str(folder), PASS)
    assert a.undo() is not None  # "de", sent: its undo goes in the next chunk
    sync_of(a).run(PASS)
    assert sync_of(b).setup(str(folder), PASS).chunks_read == 2
    assert [key for key, _, _ in test_sync.answers_of(b)] == ["fr"]
    assert b.card("capitals/de").reps == 0
    assert state_of(a) == state_of(b)


def test_a_join_adding_more_than_the_log_holds_rebuilds_its_indexes_and_counters(
    open_profile: Callable[..., Collection], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(merge, "_BULK", 0)  # the path of a million answers, on a few
    a, b = open_profile("a"), open_profile("b")
    for i in range(4):
        a.answer(card_id(a, ("fr", "de")[i % 2]), 3, now=NOW + i * DAY)
    b.answer(card_id(b, "fr"), 1, now=NOW + DAY / 2)  # a row of its own, interleaved

    def indexes(col: Collection) -> list[str]:
        """The log's and the event map's indexes and the log's triggers (the counters'),
        some dropped during the join."""
        rows = col.conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger') "
            "AND tbl_name IN ('reviewlog', 'syncevent') ORDER BY name"
        )
        return [r[0] for r in rows]

    before = indexes(b)
    assert {"tr_reviewhour_insert", "ix_syncevent_log", "ix_revlog_card"} <= set(before)
    sync_of(a).setup(str(folder), PASS)
    assert sync_of(b).setup(str(folder), PASS).received == 4
    sync_of(a).run(PASS)
    assert indexes(b) == before
    assert state_of(a) == state_of(b)
    assert_replayed_from_scratch(b)


def test_an_answer_given_to_the_merge_as_a_model_is_added_like_a_read_one(
    open_profile: Callable[..., Collection],
) -> None:
    from mastery.sync.events import AnswerEvent

    a = open_profile("a")
    model = AnswerEvent(id="c" * 32, deck="capitals", card="fr", at=to_ms(NOW), rating=3)
    with a.db.transaction() as conn:
        m = merge.Merge(conn, merge.outgoing(conn, "e" * 32))
        m.add("d" * 32, [model, model.model_dump(mode="json", exclude_none=True)])
        m.replay(a.scheduler_for, to_ms(NOW))
        m.close()
    assert m.added == 1  # the second is the same event
    assert a.card("capitals/fr").reps == 1
    assert_replayed_from_scratch(a)


def test_answers_and_a_card_state_read_before_the_chunk_that_brings_their_card_apply(
    open_profile: Callable[..., Collection], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks are applied one at a time: b's answer and suspension for a card of a deck
    without a file (a's chunk brings it) are read first by a new device c, and still apply
    in the same sync, not one sync later."""
    csv = folder.parent / "animals.csv"
    csv.write_text("front,back,tags\nHund,dog,noun\nKatze,cat,noun\n", encoding="utf-8")
    a = open_profile("a", with_deck=False)
    a.import_files([csv], now=NOW)
    sync_of(a).setup(str(folder), PASS)
    b = open_profile("b", with_deck=False)
    sync_of(b).setup(str(folder), PASS)
    hund, katze = (b.cards.search(word)[0] for word in ("Hund", "Katze"))
    b.answer(hund.id, 3, now=NOW + DAY)
    b.suspend([katze.id], now=NOW + DAY)
    sync_of(b).run(PASS)
    read_first(monkeypatch, b)
    c = open_profile("c", with_deck=False)
    assert sync_of(c).setup(str(folder), PASS).received == 1
    assert c.card(f"animals/{hund.key}").reps == 1
    assert c.card(f"animals/{katze.key}").suspended
    assert sync_of(c).status().pending_answers == 0
    assert state_of(c) == state_of(b)
    assert_replayed_from_scratch(c)


def test_events_go_into_a_chunk_as_their_json_says() -> None:
    """`merge.dumps` (pydantic's JSON mode, no round trip) gives what reading back
    `model_dump_json` gives, for every kind of value an event carries."""

    from mastery.sync.events import ContentEvent, EntryFields, EntryRevision, SettingEvent

    events: list[BaseModel] = [
        ContentEvent(deck="d", card="c", stamp=5, front="f\x00é\u2028", back="", note="n"),
        SettingEvent(what="x", key="k", stamp=3, value={"a": None, "b": [1, 2.5, None, -0.0]}),
        SettingEvent(what="x", key="k", stamp=3),
        EntryRevision(
            uid="u",
            stamp=1,
            seen={"a" * 32: 1},
            entry=EntryFields(
                day="2026-01-01",
                title="t",
                body="b",
                tags=("x",),
                visibility="private",
                goals=(),
                created_at=1,
            ),
        ),  # fmt: skip
    ]
    expected = [json.loads(e.model_dump_json(exclude_none=True)) for e in events]
    assert json.dumps(merge.dumps(events)) == json.dumps(expected)


def test_the_garbage_collector_is_back_on_after_a_sync_done_or_refused(
    open_profile: Callable[..., Collection], folder: Path
) -> None:
    """A sync pauses Python's cyclic collector (a join makes millions of objects without
    cycles); it is on again afterwards, also after a chunk is refused."""
    import gc

    a, b = open_profile("a"), open_profile("b")
    a.answer(card_id(a, "fr"), 3, now=NOW)
    seen: list[bool] = []
    sync_of(a).setup(str(folder), PASS, progress=lambda f, what: seen.append(gc.isenabled()))
    assert gc.isenabled() and seen and not any(seen)  # off during, on after
    device = a.meta("sync")["device"]
    (folder / device / chunks.chunk_name(1)).write_bytes(b"not a chunk")
    with pytest.raises(SyncError, match="cannot be opened"):
        sync_of(b).setup(str(folder), PASS)
    assert gc.isenabled()
