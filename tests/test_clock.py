"""One clock per profile: every domain call without `now` asks the time source given at open."""

from __future__ import annotations

from datetime import timedelta

from conftest import NOW
from mastery.collection import Collection
from mastery.days import FixedTime
from mastery.states import Rating


def test_the_collection_answers_by_its_clock_not_the_wall_clock(tmp_path) -> None:
    clock = FixedTime(NOW)
    with Collection.open(home=tmp_path, clock=clock) as col:
        assert col.now() == NOW and col.clock.now() == NOW
        new_today = col.counts().new
        assert new_today > 0
        card = col.next_card()
        assert card is not None
        col.answer(card.id, Rating.GOOD)
        logged = col.conn.execute("SELECT reviewed_at FROM reviewlog").fetchone()
        assert logged["reviewed_at"] == int(NOW.timestamp() * 1000)
        assert col.counts().new == new_today - 1
        # A day later by the clock alone: the day's count starts again.
        clock.advance(timedelta(days=1))
        assert col.counts().new == new_today
        assert col.now() == NOW + timedelta(days=1)
