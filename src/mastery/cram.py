"""Cram and preview sessions: go through any search without touching the schedule.

A session starts from a search (`Collection.start_cram`: a deck, a tag, `due:3`, `is:new`...)
and goes through the matching cards in a fixed order: cards already studied by due time, the
most overdue first, then new cards in deck order. So `due:3` starts with what is most urgent and
`is:new deck:x` previews a deck in the order review would introduce it. Suspended cards are left
out, as in review.

Each answer is logged by `Collection.cram_answer` with kind "cram" and changes nothing on the
card: the schedule, FSRS, the daily limits, today's counts and the streak only ever read kind
"review". Within the session, Again puts the card back a few cards later; Hard, Good and Easy
take it out. `CramQueue` is that bookkeeping, kept here without a database so it is easy to test.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mastery.states import Rating

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
