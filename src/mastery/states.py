"""Card states and ratings: the small shared vocabulary, importable without sqlmodel or fsrs.

States follow FSRS: 0 new, 1 learning, 2 review, 3 relearning. Ratings are Anki's 1-4.
"""

from dataclasses import dataclass
from datetime import timedelta

STATE_NEW = 0
STATE_LEARNING = 1
STATE_REVIEW = 2
STATE_RELEARNING = 3
STATE_NAMES = {0: "new", 1: "learning", 2: "review", 3: "relearning"}

RATING_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}


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

# How sure the learner said they were before revealing (the optional confidence step), as
# stored in `reviewlog.confidence` (NULL when the step was off or skipped).
CONFIDENCE_UNSURE = 1
CONFIDENCE_FAIRLY_SURE = 2
CONFIDENCE_CERTAIN = 3
CONFIDENCE_NAMES = {1: "unsure", 2: "fairly sure", 3: "certain"}

# Review-log kinds: only "review" answers move the schedule and feed FSRS, retention and
# streak figures; "cram" answers (cram and preview sessions) are kept for the session summary
# and the time spent, and never touch a card.
KIND_REVIEW = "review"
KIND_CRAM = "cram"
