"""The review queue: what is left to do today and which card comes next.

Anki's order: due learning cards, then due reviews by due time, then new cards in deck order
up to the daily limit, then learning cards due within `LEARN_AHEAD`. A card buried today and
a card whose sibling (same note) was reviewed today wait. The daily limits count the
scheduled answers of the learner's day (`reviewlog` kind "review"); that count is cached for
the hot path and kept up to date by `count_answer`, and dropped by `forget` whenever a write
it cannot follow (an import, an undo, a settings change) happens.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from mastery.days import from_ms, to_ms
from mastery.model import CardView, QueueCounts
from mastery.srs.balance import LoadBalancer
from mastery.srs.limits import Remaining, remaining
from mastery.states import IN_LEARNING, CardState, scheduled
from mastery.storage import cards as card_rows

if TYPE_CHECKING:
    from mastery.collection import Collection

LEARN_AHEAD = timedelta(minutes=20)  # as Anki: learning cards this close are shown early


class Queue:
    """Today's review queue of one profile."""

    def __init__(self, col: Collection) -> None:
        self._col = col
        self._done: tuple[date, int, int] | None = None  # (day, new done, reviews done)
        # The same per deck, read only while some deck uses a preset of its own.
        self._deck_done: tuple[date, dict[int, tuple[int, int]]] | None = None
        # The reviews due on each coming day, for the load balancer (Anki keeps its load
        # balancer in its card queues too: both are built from the same cards).
        self.balance = LoadBalancer(col)

    def forget(self) -> None:
        """Count today's answers, and the reviews due on each coming day, again on next use."""
        self._done = None
        self._deck_done = None
        self.balance.forget()

    def count_answer(self, now: datetime, state_before: int, deck_id: int | None = None) -> None:
        """An answer was just written (inside its transaction): keep the cached counts in step
        without a query. `forget` must follow if that transaction does not commit."""
        today = self._col.clock.day_of(now)
        if self._deck_done is not None and self._deck_done[0] == today and deck_id is not None:
            new_done, rev_done = self._deck_done[1].get(deck_id, (0, 0))
            self._deck_done[1][deck_id] = (
                new_done + (state_before == CardState.NEW),
                rev_done + (state_before == CardState.REVIEW),
            )
        elif deck_id is None:
            self._deck_done = None
        if self._done is not None and self._done[0] == today:
            day, new_done, rev_done = self._done
            self._done = (
                day,
                new_done + (state_before == CardState.NEW),
                rev_done + (state_before == CardState.REVIEW),
            )

    def _done_today(self, now: datetime) -> tuple[int, int]:
        """(new cards introduced, review cards answered) today."""
        clock = self._col.clock
        today = clock.day_of(now)
        if self._done is None or self._done[0] != today:
            row = self._col.conn.execute(
                f"SELECT coalesce(sum(state_before = {CardState.NEW}), 0) AS new, "
                f"coalesce(sum(state_before = {CardState.REVIEW}), 0) AS review "
                f"FROM reviewlog WHERE reviewed_at >= ? AND reviewed_at < ? AND {scheduled()}",
                (
                    to_ms(clock.day_start(today)),
                    to_ms(clock.day_start(today + timedelta(days=1))),
                ),
            ).fetchone()
            self._done = (today, row["new"], row["review"])
        return self._done[1], self._done[2]

    def limits_left(self, now: datetime) -> tuple[int, int]:
        """(new cards, review cards) the default preset's daily limits still allow today over
        every deck ("review all", Anki's collection root)."""
        new_done, rev_done = self._done_today(now)
        s = self._col.settings_store.current()
        left = remaining(
            s["new_per_day"],
            s["reviews_per_day"],
            new_done,
            rev_done,
            new_ignores_review_limit=s["new_cards_ignore_review_limit"],
        )
        return left.new, left.review

    def deck_limits(self, now: datetime) -> dict[int, Remaining]:
        """What each deck on a preset other than the default may still take today, within
        the root's limits (a deck on the default preset is never tighter than the root)."""
        links = self._col.presets.deck_presets()
        if not links:
            return {}
        done = self._deck_done_today(now)
        root = Remaining(*self.limits_left(now))
        ignore = self._col.settings_store.current()["new_cards_ignore_review_limit"]
        limits = {}
        for deck_id, preset_id in links.items():
            config = self._col.presets.config(preset_id)
            new_done, rev_done = done.get(deck_id, (0, 0))
            own = remaining(
                config["new_per_day"],
                config["reviews_per_day"],
                new_done,
                rev_done,
                new_ignores_review_limit=ignore,
            )
            limits[deck_id] = own.capped(root)
        return limits

    def _deck_done_today(self, now: datetime) -> dict[int, tuple[int, int]]:
        """{deck id: (new cards introduced, review cards answered)} today."""
        clock = self._col.clock
        today = clock.day_of(now)
        if self._deck_done is None or self._deck_done[0] != today:
            rows = self._col.conn.execute(
                f"SELECT deck_id, coalesce(sum(state_before = {CardState.NEW}), 0) AS new, "
                f"coalesce(sum(state_before = {CardState.REVIEW}), 0) AS review "
                f"FROM reviewlog WHERE reviewed_at >= ? AND reviewed_at < ? AND {scheduled()} "
                "GROUP BY deck_id",
                (
                    to_ms(clock.day_start(today)),
                    to_ms(clock.day_start(today + timedelta(days=1))),
                ),
            )
            self._deck_done = (today, {r["deck_id"]: (r["new"], r["review"]) for r in rows})
        return self._deck_done[1]

    def _left(self, now: datetime, deck_id: int | None) -> tuple[int, int, dict[int, Remaining]]:
        """(new, review) left for this selection before the per-deck limits of decks on other
        presets, and those limits (empty when studying one deck: they are folded in)."""
        new_left, review_left = self.limits_left(now)
        limits = self.deck_limits(now)
        if deck_id is None:
            return new_left, review_left, limits
        own = limits.get(deck_id)
        if own is not None:
            return own.new, own.review, {}
        return new_left, review_left, {}

    def new_tomorrow(
        self, *, now: datetime | None = None, deck_id: int | None = None
    ) -> int | None:
        """How many new cards tomorrow's limits let in (0 with a limit of 0), or None when
        there is no unsuspended new card left to introduce: what "more new cards tomorrow"
        may promise."""
        now = now or self._col.now()
        new = self.counts(now=self._col.clock.next_day_start(now), deck_id=deck_id).new
        if new:
            return new
        deck_sql = " AND deck_id = ?" if deck_id is not None else ""
        left = self._col.conn.execute(
            f"SELECT 1 FROM card WHERE suspended = 0 AND state = {CardState.NEW}{deck_sql} LIMIT 1",
            () if deck_id is None else (deck_id,),
        ).fetchone()
        return 0 if left is not None else None

    def counts(self, *, now: datetime | None = None, deck_id: int | None = None) -> QueueCounts:
        """What is left to review today (daily limits applied)."""
        now = now or self._col.now()
        new_left, review_left, limits = self._left(now, deck_id)
        deck_sql = " AND deck_id = :deck" if deck_id is not None else ""
        if limits:
            own = ",".join(str(int(d)) for d in limits)
            deck_sql = f" AND deck_id NOT IN ({own})"
        params = {
            "now": to_ms(now),
            "end": to_ms(self._col.clock.next_day_start(now)),
            "deck": deck_id,
            "new_left": new_left,
            "review_left": review_left,
        }
        visible = "(buried_until IS NULL OR buried_until <= :now)"
        conn = self._col.conn
        learning = conn.execute(
            "SELECT count(*) AS n FROM card WHERE suspended = 0 "
            f"AND state {IN_LEARNING} AND due < :end{deck_sql}",
            params,
        ).fetchone()["n"]
        review = conn.execute(
            "SELECT count(*) AS n FROM (SELECT 1 FROM card WHERE suspended = 0 "
            f"AND state = {CardState.REVIEW} AND due < :end AND {visible}{deck_sql} "
            "LIMIT :review_left)",
            params,
        ).fetchone()["n"]
        own_new = 0
        if limits:  # "review all" with decks on other presets: each within its own limits
            learning = conn.execute(
                f"SELECT count(*) AS n FROM card WHERE suspended = 0 AND state {IN_LEARNING} "
                "AND due < :end",
                params,
            ).fetchone()["n"]
            for deck in limits:
                one = self.counts(now=now, deck_id=deck)
                review += one.review
                own_new += one.new
            review = min(review, review_left)
        if not self._col.settings_store.current()["new_cards_ignore_review_limit"]:
            # Anki: each review taken lowers the review limit, which caps the new limit.
            new_left = params["new_left"] = max(0, min(new_left, review_left - review))
        new = conn.execute(
            "SELECT count(*) AS n FROM (SELECT 1 FROM card WHERE suspended = 0 "
            f"AND state = {CardState.NEW} AND {visible}{deck_sql} LIMIT :new_left)",
            params,
        ).fetchone()["n"]
        new = min(new + own_new, new_left)
        return QueueCounts(new=new, learning=learning, review=review)

    def next_card(
        self, *, now: datetime | None = None, deck_id: int | None = None
    ) -> CardView | None:
        """The card to show next: due learning cards, then due reviews by due time, then new
        cards in deck order up to the daily limit; siblings of a card reviewed today wait."""
        now = now or self._col.now()
        clock = self._col.clock
        new_left, review_left, limits = self._left(now, deck_id)
        deck_sql = " AND c.deck_id = :deck" if deck_id is not None else ""
        # Decks on other presets whose own limit is reached give no more of that kind.
        no_review = ",".join(str(int(d)) for d, left in limits.items() if left.review <= 0)
        no_new = ",".join(str(int(d)) for d, left in limits.items() if left.new <= 0)
        review_sql = f" AND c.deck_id NOT IN ({no_review})" if no_review else ""
        new_sql = f" AND c.deck_id NOT IN ({no_new})" if no_new else ""
        p = {
            "now": to_ms(now),
            "end": to_ms(clock.next_day_start(now)),
            "day": to_ms(clock.day_start(clock.day_of(now))),
            "deck": deck_id,
            "ahead": to_ms(now + LEARN_AHEAD),
        }
        visible = "(c.buried_until IS NULL OR c.buried_until <= :now)"
        no_sibling = (
            "NOT EXISTS (SELECT 1 FROM card s WHERE s.note_key = c.note_key AND s.id != c.id "
            "AND s.last_review >= :day)"
        )
        queries = [
            f"c.suspended = 0 AND c.state {IN_LEARNING} AND c.due <= :now AND {visible}{deck_sql} "
            "ORDER BY c.due LIMIT 1"
        ]
        if review_left > 0:
            queries.append(
                f"c.suspended = 0 AND c.state = {CardState.REVIEW} AND c.due < :end "
                f"AND {visible} AND {no_sibling}{deck_sql}{review_sql} ORDER BY c.due LIMIT 1"
            )
        if new_left > 0:
            queries.append(
                f"c.suspended = 0 AND c.state = {CardState.NEW} AND {visible} "
                f"AND {no_sibling}{deck_sql}{new_sql} ORDER BY c.deck_id, c.position LIMIT 1"
            )
        queries.append(
            f"c.suspended = 0 AND c.state {IN_LEARNING} AND c.due <= :ahead "
            f"AND {visible}{deck_sql} ORDER BY c.due LIMIT 1"
        )
        for where in queries:
            found = card_rows.select(self._col.conn, "WHERE " + where, p)
            if found:
                return found[0]
        return None

    def waiting(self, *, now: datetime | None = None) -> int:
        """Scheduled cards already due at `now` (overdue learning steps and reviews), whatever
        today's limits: when there are some, the next card is due now, not at `next_due`."""
        now = now or self._col.now()
        row = self._col.conn.execute(
            "SELECT count(*) AS n FROM card WHERE suspended = 0 "
            f"AND state != {CardState.NEW} AND due <= :now "
            "AND (buried_until IS NULL OR buried_until <= :now)",
            {"now": to_ms(now)},
        ).fetchone()
        return int(row["n"])

    def next_due(
        self, *, now: datetime | None = None, deck_id: int | None = None
    ) -> datetime | None:
        """When the next card comes due after today's work is done (for "nothing due" screens)."""
        now = now or self._col.now()
        deck_sql = " AND deck_id = ?" if deck_id is not None else ""
        params: list[Any] = [to_ms(now)] + ([deck_id] if deck_id is not None else [])
        # One seek per scheduled state on `ix_card_queue` (suspended, state, due): with
        # `state != NEW` SQLite read every card due later (140 ms at 1M cards, on the
        # dashboard's first frame) instead of the first one of each state.
        per_state = [
            f"SELECT min(due) AS due FROM card WHERE suspended = 0 AND state = {state} "
            f"AND due > ?{deck_sql}"
            for state in CardState
            if state != CardState.NEW
        ]
        row = self._col.conn.execute(
            f"SELECT min(due) AS due FROM ({' UNION ALL '.join(per_state)})",
            params * len(per_state),
        ).fetchone()
        return from_ms(row["due"]) if row["due"] is not None else None
