"""Card states, ratings, confidence levels and review-log kinds: the shared vocabulary.

Importable without sqlmodel or fsrs. The values are the integers and strings stored in the
database (`card.state`, `reviewlog.rating`, `reviewlog.confidence`, `reviewlog.kind`), so a
member can be bound as an SQL parameter or written into SQL text (`f"state = {CardState.NEW}"`
gives `state = 0`) and compares equal to what a row holds. States follow FSRS (and Anki's card
types); ratings are Anki's 1-4 answer buttons.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import IntEnum, StrEnum


class _Vocabulary(IntEnum):
    """An integer vocabulary stored in the database, with a display name per member."""

    @property
    def label(self) -> str:
        """The name people see ("review", "Again", "fairly sure")."""
        return self.name.lower().replace("_", " ")

    @classmethod
    def has(cls, value: object) -> bool:
        """Whether `value` is one of the stored integers (checks input before `cls(value)`)."""
        return value in cls._value2member_map_


class CardState(_Vocabulary):
    """Where a card is in its life: stored in `card.state` and `reviewlog.state_before/after`."""

    NEW = 0
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3


class Rating(_Vocabulary):
    """The answer buttons, stored in `reviewlog.rating`."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4

    @property
    def label(self) -> str:
        return self.name.capitalize()


class Confidence(_Vocabulary):
    """How sure the learner said they were before revealing (the optional confidence step), as
    stored in `reviewlog.confidence` (NULL when the step was off or skipped)."""

    UNSURE = 1
    FAIRLY_SURE = 2
    CERTAIN = 3


class LogKind(StrEnum):
    """Review-log kinds: only `REVIEW` answers move the schedule and feed FSRS, retention and
    streak figures; `CRAM` answers (cram and preview sessions) are kept for the session summary
    and the time spent, and never touch a card."""

    REVIEW = "review"
    CRAM = "cram"


def scheduled(alias: str = "") -> str:
    """THE rule for which review-log rows count as scheduled reviews (for FSRS, optimization,
    retention, calibration, streaks, daily limits and practice days), as an SQL condition on
    `reviewlog` (optionally through the table alias `alias`): cram and preview answers are
    logged but never count. A literal, not a parameter, so the planner can use the indexes that
    lead with `kind`."""
    column = f"{alias}.kind" if alias else "kind"
    return f"{column} = '{LogKind.REVIEW}'"


@dataclass(frozen=True, slots=True)
class RatingChoice:
    """One answer button: its key, name and the interval it would give ("10m", "3d").

    Here rather than in `collection.py` so the rating bar widget can take it without
    importing the facade (an import-linter contract).
    """

    rating: int
    name: str
    interval: timedelta
    label: str


# A review-state card is mature from this stability on, in days (Anki's 21-day threshold);
# below it, young. Goals, teams, mentors and stats all use this one rule.
MATURE_DAYS = 21.0


def is_mature(state: int | None, stability: float | None) -> bool:
    """A card in review state with a stability of at least `MATURE_DAYS`."""
    return state == CardState.REVIEW and stability is not None and stability >= MATURE_DAYS


# `card.suspended`: why a card is out of the queue (0: it is not).
SUSPENDED_NO = 0
SUSPENDED_BY_USER = 1  # by the learner or as a leech
SUSPENDED_LEFT_DECK = 2  # its card left the deck file; comes back if the card returns

# SQL for "being learned, the first time or again after a lapse": `f"state {IN_LEARNING}"`.
IN_LEARNING = f"IN ({CardState.LEARNING}, {CardState.RELEARNING})"


class Flag(_Vocabulary):
    """Anki's seven card flags (ctrl+1..7 there), as numbered in Anki's `flag:N` search.

    A flag is kept as one tag, `flag::<colour>` (the form the Anki import already writes), so
    one representation serves the browser, search, cram, card info and exports; a card has
    at most one."""

    NONE = 0
    RED = 1
    ORANGE = 2
    GREEN = 3
    BLUE = 4
    PINK = 5
    TURQUOISE = 6
    PURPLE = 7

    @property
    def tag(self) -> str | None:
        """The tag that carries the flag (None for no flag)."""
        return None if self is Flag.NONE else FLAG_PREFIX + self.label

    @classmethod
    def of(cls, tags: Iterable[str]) -> "Flag":
        """The flag a card's tags carry (the lowest, should a hand-edited card hold two)."""
        found = [_FLAG_BY_TAG[t] for t in tags if t in _FLAG_BY_TAG]
        return min(found, default=cls.NONE)


FLAG_PREFIX = "flag::"
MARKED = "marked"
"""The tag `*` toggles (Anki's "mark note" adds the same tag)."""
LEECH = "leech"
"""The tag a leech gets (`leech_threshold`)."""
_FLAG_BY_TAG = {f.tag: f for f in Flag if f.tag is not None}


def is_local_tag(tag: str) -> bool:
    """Tags set in the profile rather than in a deck file (a leech, a flag, the mark): a
    re-import keeps them, and a card written back to its deck file leaves them out, since a
    deck file holds content only and a flag is the learner's own."""
    return tag in (LEECH, MARKED) or tag in _FLAG_BY_TAG


def with_flag(tags: Iterable[str], flag: Flag) -> tuple[str, ...]:
    """`tags` with `flag` in place of any flag they held (kept where the old one was)."""
    out: list[str] = []
    placed = False
    for t in tags:
        if t in _FLAG_BY_TAG:
            if not placed and flag.tag is not None:
                out.append(flag.tag)
            placed = True
        elif t not in out:
            out.append(t)
    if not placed and flag.tag is not None:
        out.append(flag.tag)
    return tuple(out)
