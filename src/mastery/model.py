"""The plain results the facade hands out: cards, review logs, deck summaries, counts, reports.

Frozen dataclasses, no database handle inside: the CLI, the TUI and tests get values they can
keep, compare and print, never live rows. Kept apart from `collection.py` so the modules that
build them (the services, the importer) need not import the facade, and the facade's callers
need not import the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mastery.states import MARKED, CardState, Flag, Rating, is_local_tag


@dataclass(frozen=True, slots=True)
class CardView:
    """A card as the learner sees it, with its schedule."""

    id: int
    deck_id: int
    deck_key: str
    deck_name: str
    key: str
    note_key: str
    front: str
    back: str
    tags: tuple[str, ...]
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime | None
    last_review: datetime | None
    reps: int
    lapses: int
    suspended: bool
    buried_until: datetime | None
    in_deck: bool
    position: int

    @property
    def ref(self) -> str:
        """The stable reference `deck-id/card-id` (`team-id/deck-id/card-id` for a team's
        deck)."""
        return f"{self.deck_key}/{self.key}"

    @property
    def deck_label(self) -> str:
        """The card's deck as screens name it: "Name (team-id)" for a team's deck."""
        from mastery.decks.namespace import deck_label

        return deck_label(self.deck_key, self.deck_name)

    @property
    def flag(self) -> Flag:
        """The card's flag (Anki's ctrl+1..7), carried by a `flag::<colour>` tag."""
        return Flag.of(self.tags)

    @property
    def marked(self) -> bool:
        """Whether the card is marked (`*`, Anki's "mark note"): the tag `marked`."""
        return MARKED in self.tags

    @property
    def own_tags(self) -> tuple[str, ...]:
        """The tags the card's deck file gives it: without the leech, flag and mark tags,
        which are set in the profile (what the card editor edits)."""
        return tuple(t for t in self.tags if not is_local_tag(t))

    @property
    def state_name(self) -> str:
        """The state's label; a number changed outside Mastery shows as such, not a traceback
        (`mastery check` resets it)."""
        try:
            return CardState(self.state).label
        except ValueError:
            return f"invalid ({self.state!r})"


@dataclass(frozen=True, slots=True)
class CardEdit:
    """What saving an edited card did: the card as it is now, the deck file written (None:
    the change is in the profile only) and one line saying where it went, for the screen or
    the shell."""

    card: CardView
    file: str | None
    message: str


@dataclass(frozen=True, slots=True)
class ReviewLogView:
    """One scheduled answer in a card's history (`card_info`), as the review log holds it."""

    id: int
    card_id: int
    rating: int
    reviewed_at: datetime
    duration_ms: int
    state_before: int
    state_after: int
    elapsed_days: int
    scheduled_days: int
    stability_after: float
    difficulty_after: float
    due_after: datetime

    @property
    def rating_name(self) -> str:
        """The rating's label; a number changed outside Mastery shows as such (`mastery check`
        removes the log)."""
        try:
            return Rating(self.rating).label
        except ValueError:
            return f"invalid ({self.rating!r})"


@dataclass(frozen=True, slots=True)
class CardInfo:
    """A card, its scheduled answers oldest first, and its recall odds now (None if new)."""

    card: CardView
    history: list[ReviewLogView]
    retrievability: float | None


@dataclass(frozen=True, slots=True)
class DeckSummary:
    """A deck with what is left to do today (limits applied) and its size."""

    id: int
    key: str
    name: str
    description: str
    version: str
    tags: tuple[str, ...]
    source: str
    total: int
    new: int
    learning: int
    due: int
    suspended: int
    preset: str = "Default"
    """The name of the deck's preset (decks/presets: its limits, steps, retention)."""
    new_limit: tuple[str, int] | None = None
    """When a daily limit cut today's New count: (preset, its new cards a day), the deck's
    own preset or the default preset's across every deck (the dashboard says which)."""
    due_limit: tuple[str, int] | None = None
    """The same for the Due count (reviews a day)."""

    @property
    def team(self) -> str | None:
        """The team whose deck this is (its key is ``team-id/deck-id``); None: a personal deck."""
        from mastery.decks.namespace import split_team_deck_key

        split = split_team_deck_key(self.key)
        return split[0] if split else None

    @property
    def label(self) -> str:
        """How lists and pickers name the deck: "Name (team-id)" for a team's deck."""
        from mastery.decks.namespace import deck_label

        return deck_label(self.key, self.name)


@dataclass(frozen=True, slots=True)
class QueueCounts:
    """What is left to review today, daily limits applied (the numbers on the review bar)."""

    new: int
    learning: int
    review: int

    @property
    def total(self) -> int:
        """Every card left today."""
        return self.new + self.learning + self.review


@dataclass(frozen=True, slots=True)
class DueSummary:
    """What `mastery due` prints for a shell prompt: today's counts (limits applied) and
    whether today has a journal entry."""

    counts: QueueCounts
    journal_today: bool

    def to_dict(self) -> dict[str, Any]:
        # "due" as on the dashboard (its Due column): review cards; learning cards apart.
        return {
            "due": self.counts.review,
            "learning": self.counts.learning,
            "new": self.counts.new,
            "journal_today": self.journal_today,
        }


@dataclass(frozen=True, slots=True)
class PresetView:
    """A deck preset: its values of the preset settings and the decks that use it."""

    id: int
    name: str
    default: bool
    values: dict[str, Any]
    decks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Answered:
    """What an answer did: its review log, the card's new due time, and whether it became
    a leech (the TUI says so)."""

    log_id: int
    card_id: int
    rating: int
    due: datetime
    leech: bool


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What one deck file did to the profile."""

    deck_key: str
    deck_name: str
    source: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    suspended: int = 0
    restored: int = 0
    history_cards: int = 0  # cards given Anki review history (import --with-history)
    history_reviews: int = 0  # Anki answers replayed into the review log
    # A team pull moved a deck pulled under its plain id into the team's namespace: that id.
    renamed_from: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of `mastery import --json` (the CLI adds the history counts when there
        are any; a team pull that renamed the deck adds `renamed_from`)."""
        out: dict[str, Any] = {
            "deck": self.deck_key,
            "name": self.deck_name,
            "source": self.source,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "suspended": self.suspended,
            "restored": self.restored,
        }
        if self.renamed_from is not None:
            out["renamed_from"] = self.renamed_from
        return out


@dataclass(frozen=True, slots=True)
class AnkiExportReport:
    """What `mastery deck export --to FILE.apkg` wrote: decks, cards (one note each), review
    log rows (with history) and media files."""

    path: str
    decks: int
    cards: int
    reviews: int
    media: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "decks": self.decks,
            "cards": self.cards,
            "reviews": self.reviews,
            "media": self.media,
        }


@dataclass(frozen=True, slots=True)
class Today:
    """The dashboard's figures: today's reviews and time, the streak, what is due. Each is an
    index range read (today's logs, one probe per day of the streak), whatever the size of
    the review log, so the first screen draws as fast at 1,000,000 answers as at 1,000."""

    reviews_today: int
    time_today_ms: int
    streak_days: int
    due_today: QueueCounts
    next_due: datetime | None


@dataclass(frozen=True, slots=True)
class Stats:
    """`mastery stats`' summary: `Today`'s figures, the reviews ever made and cards by
    state (counts over every log and card: not for the first screen)."""

    reviews_today: int
    reviews_total: int
    time_today_ms: int
    streak_days: int
    cards_total: int
    cards_new: int
    cards_learning: int
    cards_review: int
    cards_suspended: int
    due_today: QueueCounts
    next_due: datetime | None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of `mastery stats --json`'s summary."""
        return {
            "reviews_today": self.reviews_today,
            "reviews_total": self.reviews_total,
            "time_today_s": round(self.time_today_ms / 1000, 1),
            "streak_days": self.streak_days,
            "cards": {
                "total": self.cards_total,
                "new": self.cards_new,
                "learning": self.cards_learning,
                "review": self.cards_review,
                "suspended": self.cards_suspended,
            },
            "due_today": {
                "new": self.due_today.new,
                "learning": self.due_today.learning,
                "review": self.due_today.review,
            },
            "next_due": self.next_due.isoformat() if self.next_due else None,
        }
