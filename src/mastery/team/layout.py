"""What one member's contribution to a round says: a fixed-length vector of small integers.

Every figure a team sees is a sum over members, and every coordinate of one member's vector
is 0 or 1, so one member can move each sum by at most one and the whole vector by at most
`Layout.bound` ones. That bound is what the noise is calibrated to (`noise.py`); keeping it
small keeps the noise small. So the figures are counts of *members*, never totals of reviews:

- ``days``: 7 coordinates, one per day of the round (an ISO week): 1 if the member reviewed a
  card of the team's decks that day. Summed: members active per day (the heatmap).
- per deck ``coverage`` and ``maturity``: 5 buckets each (0-20%, ..., 80-100% of the deck's
  cards studied / mature), exactly one of them 1. Summed: how many members are in each bucket.
- per deck ``retention``: 6 buckets, at most one of them 1: "active, no review-state answers",
  then below 70%, 70-80%, 80-90%, 90-95%, 95% and up of the round's review-state answers
  passed. All 0 when the member did not study the deck in the round.
- per card ``again``: 1 if the member pressed Again on it in the round, for at most
  `AGAIN_CLIP` cards (those with the most Again presses). Summed: members who pressed Again.
- ``review_streak`` and ``journal_streak``: 5 buckets each (0, 1-6, 7-29, 30-99, 100+ days).
- per team goal ``progress``: 5 buckets of the share of its decks' cards that are mature.

The layout is derived from team.toml and the deck files, which every member and steward reads,
and travels inside each steward's partial sum, so a round stays readable after the decks
change. Members and stewards check they used the same layout through its digest.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import nacl.encoding
import nacl.hash

from mastery.errors import MasteryError

__all__ = [
    "AGAIN_CLIP",
    "BUCKETS",
    "RETENTION_BUCKETS",
    "STREAK_BUCKETS",
    "Layout",
    "bucket",
    "layout_of",
]

AGAIN_CLIP = 5
BUCKETS = ("0-20%", "20-40%", "40-60%", "60-80%", "80-100%")
SHARE_EDGES = (0.2, 0.4, 0.6, 0.8)
RETENTION_BUCKETS = ("no review answers", "<70%", "70-80%", "80-90%", "90-95%", "95%+")
RETENTION_EDGES = (0.7, 0.8, 0.9, 0.95)
STREAK_BUCKETS = ("0", "1-6", "7-29", "30-99", "100+")
STREAK_EDGES = (1, 7, 30, 100)
BUCKET_MIDPOINTS = (0.1, 0.3, 0.5, 0.7, 0.9)
RETENTION_MIDPOINTS = (0.6, 0.75, 0.85, 0.925, 0.975)  # of the five answered buckets
DAYS = 7
MAX_LAYOUT_CARDS = 20_000


def bucket(value: float, edges: tuple[float, ...]) -> int:
    """The index of the bucket `value` falls in: below the first edge is 0."""
    return sum(1 for edge in edges if value >= edge)


@dataclass(frozen=True)
class Layout:
    """The coordinates of a contribution: the team's decks with their card ids, and goals."""

    decks: tuple[tuple[str, tuple[str, ...]], ...]
    goals: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"decks": [[d, list(cards)] for d, cards in self.decks], "goals": list(self.goals)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Layout:
        """From a checked partial sum (`wire.LayoutData`)."""
        return cls(
            tuple((str(d), tuple(str(c) for c in cards)) for d, cards in data["decks"]),
            tuple(str(g) for g in data["goals"]),
        )

    @cached_property
    def digest(self) -> str:
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return nacl.hash.blake2b(
            text.encode("utf-8"), digest_size=16, encoder=nacl.encoding.HexEncoder
        ).decode("ascii")

    # -------------------------------------------------------------- coordinates
    @cached_property
    def _offsets(self) -> dict[str, int]:
        at = DAYS
        offsets: dict[str, int] = {}
        for deck, _ in self.decks:
            offsets[f"coverage:{deck}"] = at
            offsets[f"maturity:{deck}"] = at + len(BUCKETS)
            offsets[f"retention:{deck}"] = at + 2 * len(BUCKETS)
            at += 2 * len(BUCKETS) + len(RETENTION_BUCKETS)
        for deck, cards in self.decks:
            offsets[f"again:{deck}"] = at
            at += len(cards)
        offsets["review_streak"] = at
        offsets["journal_streak"] = at + len(STREAK_BUCKETS)
        at += 2 * len(STREAK_BUCKETS)
        for goal in self.goals:
            offsets[f"progress:{goal}"] = at
            at += len(BUCKETS)
        offsets["size"] = at
        return offsets

    @property
    def size(self) -> int:
        return self._offsets["size"]

    def at(self, section: str) -> int:
        """Where a section starts: `days` (0), `coverage:DECK`, `again:DECK`, `progress:GOAL`..."""
        return 0 if section == "days" else self._offsets[section]

    def slice(self, vector: list[int], section: str, length: int) -> list[int]:
        start = self.at(section)
        return vector[start : start + length]

    @property
    def cards(self) -> int:
        return sum(len(cards) for _, cards in self.decks)

    @property
    def bound(self) -> int:
        """The most ones a valid contribution holds: its squared L2 norm, at most."""
        return DAYS + 3 * len(self.decks) + min(AGAIN_CLIP, self.cards) + 2 + len(self.goals)

    @property
    def sensitivity(self) -> int:
        """The L2 norm of one member's contribution, at most (rounded up to a whole number,
        which OpenDP's integer measurements take)."""
        return math.isqrt(self.bound - 1) + 1 if self.bound > 1 else 1


def layout_of(decks: list[tuple[str, list[str]]], goals: list[str]) -> Layout:
    """The layout of a team from its decks (id and card ids, in file order) and goal ids."""
    total = sum(len(cards) for _, cards in decks)
    if total > MAX_LAYOUT_CARDS:
        raise MasteryError(
            f"the team's decks hold {total} cards; a contribution covers at most "
            f"{MAX_LAYOUT_CARDS}: split the team or its decks"
        )
    return Layout(tuple((d, tuple(cards)) for d, cards in decks), tuple(goals))


def deck_cards(files: list[Path]) -> list[tuple[str, list[str]]]:
    """Deck ids and card ids of the team's deck files, as `load_deck` reads them."""
    from mastery.decks import load_deck

    out = []
    for path in files:
        spec = load_deck(path)
        out.append((spec.key, [card.key for card in spec.cards]))
    return out
