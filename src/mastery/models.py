"""Every table of a profile database, in one place, readable top to bottom.

Moments are stored as integer milliseconds since the Unix epoch in UTC (see `days.to_ms`):
the domain converts to tz-aware datetimes at its edges. Booleans are 0/1 integers.

Card states follow FSRS: 0 new, 1 learning, 2 review, 3 relearning.
"""


from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

SCHEMA_VERSION = 1

from mastery.states import STATE_NEW


class Deck(SQLModel, table=True):
    """A deck as imported from a file; `key` is the deck id written in that file."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    name: str
    description: str = ""
    version: str = ""
    tags: str = ""  # space separated
    source: str = ""  # path of the file it was last imported from
    created_at: int
    updated_at: int


class Card(SQLModel, table=True):
    """One reviewable card: content from the deck file, schedule from FSRS.

    `key` is the card id inside its deck (explicit in the file, or derived from content);
    cloze cards of one note share `note_key` and are siblings.
    """

    __table_args__ = (
        UniqueConstraint("deck_id", "key"),
        # The due queue: learning/review cards by due time.
        Index("ix_card_queue", "suspended", "state", "due"),
        # New cards in deck order; partial, so the planner never takes it for due queries.
        Index("ix_card_new", "suspended", "deck_id", "position", sqlite_where=text("state = 0")),
        # Per-deck totals, suspended and state counts, answered from the index alone.
        Index("ix_card_deck", "deck_id", "suspended", "state"),
        Index("ix_card_note", "note_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    deck_id: int = Field(foreign_key="deck.id", ondelete="CASCADE")
    key: str
    note_key: str
    front: str
    back: str
    tags: str = ""  # space separated
    position: int = 0  # order in the deck file; new cards are introduced in this order
    state: int = STATE_NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: int | None = None  # ms UTC; None for new cards
    last_review: int | None = None  # ms UTC
    reps: int = 0
    lapses: int = 0
    suspended: int = 0
    buried_until: int | None = None  # ms UTC: hidden from the queue until then
    in_deck: int = 1  # 0 once the card left its deck file (it is then suspended, never deleted)
    created_at: int
    updated_at: int


class ReviewLog(SQLModel, table=True):
    """Every answer, with enough to undo it, recompute memory states and optimise FSRS.

    `kind` is "review" for scheduled reviews; later kinds (cram, preview) are kept apart so the
    optimiser learns only from real reviews.
    """

    __table_args__ = (
        Index("ix_revlog_card", "card_id", "reviewed_at"),
        Index("ix_revlog_time", "reviewed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    card_id: int = Field(foreign_key="card.id", ondelete="CASCADE")
    rating: int  # 1 Again, 2 Hard, 3 Good, 4 Easy
    reviewed_at: int  # ms UTC
    duration_ms: int = 0
    kind: str = "review"
    confidence: int | None = None
    state_before: int
    state_after: int
    step_before: int | None = None
    step_after: int | None = None
    due_before: int | None = None
    due_after: int
    stability_before: float | None = None
    stability_after: float
    difficulty_before: float | None = None
    difficulty_after: float
    last_review_before: int | None = None
    elapsed_days: int = 0  # learner's days since the previous review
    scheduled_days: int = 0  # interval given, in days (0 for learning steps)
    suspended_before: int = 0  # leech handling may suspend; undo restores
    tags_before: str | None = None  # set only when the answer changed the tags (leech)


class Setting(SQLModel, table=True):
    """Per-profile settings as JSON values; `settings.py` owns names, defaults and validation."""

    key: str = Field(primary_key=True)
    value: str
