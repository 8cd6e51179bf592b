"""Cram and preview sessions: go through any search without touching the schedule.

A session starts from a search (`Cram.start`, i.e. `Collection.start_cram`: a deck, a tag, `due:3`, `is:new`...)
and goes through the matching cards in a fixed order: cards already studied by due time, the
most overdue first, then new cards in deck order. So `due:3` starts with what is most urgent and
`is:new deck:x` previews a deck in the order review would introduce it. Suspended cards are left
out, as in review.

Each answer is logged by `Cram.answer` (`Collection.cram_answer`) with kind "cram" and changes nothing on the
card: the schedule, FSRS, the daily limits, today's counts and the streak only ever read kind
"review". Within the session, Again puts the card back a few cards later; Hard, Good and Easy
take it out. `CramQueue` is that bookkeeping, kept here without a database so it is easy to test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mastery.days import to_ms
from mastery.errors import NotFoundError
from mastery.model import CardView
from mastery.query import CardQuery
from mastery.srs.answers import check_rating
from mastery.states import CardState, LogKind, Rating
from mastery.storage import cards as card_rows
from mastery.storage import reviews
from mastery.storage.reviews import LogEntry

if TYPE_CHECKING:
    from mastery.collection import Collection

AGAIN_GAP = 3
"""An Again card comes back after this many other cards (or at once when fewer are left)."""

SEARCH_HINT = "deck:x  tag:x  is:new  is:due  due:N (due within N days)  words"
"""The search terms a cram session is usually started with, for prompts and empty states."""


def nothing_to_cram(label: str) -> str:
    """The one-line message for a search that matched no card (CLI and TUI alike)."""
    return (
        f'No cards to cram for "{label}" (suspended cards are left out). '
        "Try deck:x, tag:x, is:new or due:7."
    )


@dataclass
class CramQueue:
    """The cards still to go in a cram session, the current one first.

    `label` is how the session is named on screen (the search, or the deck's name); `total`
    is the number of cards the search matched.
    """

    label: str
    card_ids: list[int]
    total: int = field(init=False)
    # One entry per answer, newest last: (card id, index it was put back at, or None).
    _history: list[tuple[int, int | None]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.total = len(self.card_ids)

    @property
    def current(self) -> int | None:
        """The card to show now, or None when the session is finished."""
        return self.card_ids[0] if self.card_ids else None

    @property
    def left(self) -> int:
        """Cards still to answer, counting a card put back by Again once."""
        return len(self.card_ids)

    def answer(self, card_id: int, rating: int) -> None:
        """Move past the current card: Again puts it back `AGAIN_GAP` cards later, any other
        rating takes it out of the session."""
        if card_id != self.current:
            raise ValueError(f"card {card_id} is not the current card of this cram session")
        if not Rating.has(rating):
            raise ValueError(f"rating must be 1-4, got {rating}")
        self.card_ids.pop(0)
        back_at = None
        if rating == Rating.AGAIN:
            back_at = min(AGAIN_GAP, len(self.card_ids))
            self.card_ids.insert(back_at, card_id)
        self._history.append((card_id, back_at))

    def undo(self) -> int | None:
        """Take back the newest answer: its card is current again. Returns that card's id, or
        None when nothing was answered."""
        if not self._history:
            return None
        card_id, back_at = self._history.pop()
        if back_at is not None:
            del self.card_ids[back_at]
        self.card_ids.insert(0, card_id)
        return card_id


class Cram:
    """Cram and preview sessions over one profile's cards: which cards, and their answers."""

    def __init__(self, col: Collection) -> None:
        self._col = col

    def _where(
        self, query: str | CardQuery, deck: str | None, now: datetime | None
    ) -> tuple[str, list[Any]]:
        """A search's conditions without suspended cards, in cram order: studied cards by
        due time, then new cards (no due time) in deck order."""
        clauses, params = self._col.cards.search_clauses(query, deck=deck, now=now)
        clauses.append("c.suspended = 0")
        return (
            "WHERE "
            + " AND ".join(clauses)
            + f" ORDER BY c.state = {CardState.NEW}, c.due, c.deck_id, c.position, c.id",
            params,
        )

    def cards(
        self,
        query: str = "",
        *,
        deck: str | None = None,
        now: datetime | None = None,
        limit: int | None = None,
    ) -> list[CardView]:
        """The cards a session over this search goes through, in session order (for
        `mastery cram --list`). `deck` is a deck key or id, matched exactly."""
        if deck is not None:
            deck = self._col.deck(deck, now=now).key
        where, params = self._where(query, deck, now)
        return self._col.cards.select(
            where + (f" LIMIT {int(limit)}" if limit is not None else ""), params
        )

    def count(self, query: str = "", *, now: datetime | None = None) -> int:
        """How many cards a session over this search would go through (counted without
        ordering them: the Cram dialog asks on every keystroke)."""
        clauses, params = self._col.cards.search_clauses(query, now=now)
        clauses.append("c.suspended = 0")
        row = self._col.conn.execute(
            f"SELECT count(*) AS n {card_rows.FROM_CARDS} WHERE " + " AND ".join(clauses),
            params,
        ).fetchone()
        return int(row["n"])

    def start(
        self, query: str = "", *, deck: str | None = None, now: datetime | None = None
    ) -> CramQueue:
        """A session: the matching cards in session order. Reads only; an empty queue means
        nothing matched. `deck` (a key or id, matched exactly, unlike `deck:x`) names the
        session after the deck."""
        label = query.strip()
        if deck is not None:
            summary = self._col.deck(deck, now=now)
            deck = summary.key
            label = f"{summary.label} {label}".strip()
        where, params = self._where(query, deck, now)
        ids = [
            r["id"]
            for r in self._col.conn.execute(f"SELECT c.id {card_rows.FROM_CARDS} {where}", params)
        ]
        return CramQueue(label or "all cards", ids)

    def answer(
        self,
        card_id: int,
        rating: int,
        *,
        now: datetime | None = None,
        duration_ms: int = 0,
        confidence: int | None = None,
    ) -> int:
        """Log an answer given in a session, in one transaction; the card is not changed.

        The row has kind "cram" and the card's current state in both its before and after
        columns (stability and difficulty 0 and due `now` for a new card, which has none):
        it is not a schedule event, and FSRS, the daily limits, today's counts and the
        streaks read kind "review" only. `undo` deletes it. Returns the log id. A card whose
        schedule was changed outside Mastery is refused (`DamagedCardError`), as in review.
        """
        check_rating(rating, confidence)
        now_ms = to_ms(now or self._col.now())
        with self._col.db.transaction() as conn:
            row = card_rows.schedule(conn, card_id)
            if row is None:
                raise NotFoundError(f"no card {card_id}")
            card_rows.check_schedule(row)
            log_id = reviews.log_review(
                conn,
                LogEntry(
                    card_id=card_id,
                    rating=rating,
                    reviewed_at=now_ms,
                    duration_ms=int(duration_ms),
                    kind=LogKind.CRAM,
                    confidence=confidence,
                    state_before=row["state"],
                    state_after=row["state"],
                    step_before=row["step"],
                    step_after=row["step"],
                    due_before=row["due"],
                    due_after=row["due"] if row["due"] is not None else now_ms,
                    stability_before=row["stability"],
                    stability_after=row["stability"] or 0.0,
                    difficulty_before=row["difficulty"],
                    difficulty_after=row["difficulty"] or 0.0,
                    last_review_before=row["last_review"],
                    elapsed_days=0,
                    scheduled_days=0,
                    suspended_before=row["suspended"],
                    deck_id=row["deck_id"],
                ),
            )
        self._col.undo_stack.crammed(card_id, log_id)
        return log_id
