"""Daily limits as Anki's v3 scheduler applies them (rslib/src/decks/limits.rs), pure.

Each deck's limits come from its preset, less what was done in that deck today; with
`new_ignores_review_limit` off, new cards also count against the review limit and the new
limit never exceeds what the review limit leaves. Mastery's decks are flat: "review all" is
Anki's collection root, a parent of every deck whose limits are the default preset's (the
profile's), and, as with Anki's "apply all parent limits", that root caps a deck studied
alone too. So while every deck uses the default preset the root's limits are the only ones
that bite, exactly as before presets.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Remaining:
    """What a deck's (or the root's) limits still allow today."""

    new: int
    review: int

    def capped(self, other: Remaining) -> Remaining:
        """These limits within a parent's (Anki's `cap_to`)."""
        return Remaining(min(self.new, other.new), min(self.review, other.review))


def remaining(
    new_per_day: int,
    reviews_per_day: int,
    new_done: int,
    reviews_done: int,
    *,
    new_ignores_review_limit: bool = True,
) -> Remaining:
    """Anki's `RemainingLimits::new_for_normal_deck_v3`."""
    review = reviews_per_day - reviews_done
    new = new_per_day - new_done
    if not new_ignores_review_limit:
        review -= new_done
        new = min(new, review)
    return Remaining(new=max(0, new), review=max(0, review))


def take(
    limits: Remaining,
    reviews_due: int,
    new_available: int,
    *,
    new_ignores_review_limit: bool = True,
) -> tuple[int, int]:
    """(reviews, new cards) a queue built under `limits` holds: reviews first, each one
    lowering the review limit, which caps the new limit unless new cards ignore it."""
    reviews = min(reviews_due, limits.review)
    new_limit = limits.new
    if not new_ignores_review_limit:
        new_limit = min(new_limit, limits.review - reviews)
    return reviews, min(new_available, new_limit)
