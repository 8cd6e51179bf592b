# ruff: noqa: F811 (open_profile and deck are test_sync.py's fixtures, used by name)
"""The streamed join (`merge.Merge.stream`) played against by a device holding the key:
odd or hostile `answers` chunks, a join killed midway, odd joining devices. Whatever comes,
a refused target is one line with nothing applied, and an accepted one gives the streamed
join what the join without the stream gives, row for row (`join_both_ways`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from test_sync import PASS, card_id, deck, open_profile, state_of, sync_of  # noqa: F401
from test_sync_stream import folder, indexes, join_both_ways, without_stream  # noqa: F401

from conftest import NOW
from mastery.collection import Collection
from mastery.days import to_ms
from mastery.errors import SyncError
from mastery.storage import counters
from mastery.sync import chunks, crypto, merge

DAY = timedelta(days=1)
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
    ],
    ids=["in a block", "two cards", "older second", "two chunks", "two blocks", "same row",
         "written again", "as an answer event"],
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
