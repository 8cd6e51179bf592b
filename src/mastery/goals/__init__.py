"""Goals held in creative tension: a vision against an honest current reality.

A goal has a title, a vision, a versioned current reality, a category (one of the five
disciplines or the learner's own word), a target date typed the way people speak, ordered
milestones, a status (active / achieved / dropped), optional linked decks and a practice
cadence. Progress is computed, never typed:

- the share of milestones done (when the goal has milestones), and
- the share of the linked decks' cards that are mature (review state, stability >= 21 days),
  when the goal has linked decks with cards;

overall progress is the mean of whichever of those two parts exist (0 when neither does), and
an achieved goal is 100%. The mean retrievability of the linked decks' studied cards is shown
beside it (how much would be recalled today) but does not count towards the percentage: it
falls and rises with the review calendar, not with the learner's progress.

The history shows the gap closing. Reading never writes: a point (one per goal and learner's
day) is stored by the write that changes the goal's progress, inside that write's transaction
(milestones added or ticked, linked decks changed, done or reopened, and, through
`Collection`, answers that make a linked deck's card mature or no longer mature, undoing one,
imports and rescheduling). The first change also stores the goal's starting point on the day
it was created, the value until then. An active goal's current point is computed on read and
never stored (see `history`). Weekly check-ins (confidence 1-10 and a line of why) give a
confidence trend that warns before the percentage does.

Every method that writes is one transaction; `now` is always a parameter (the profile's clock
when left out).

The package, one idea per module:

* `service.py`: `Goals` (`Collection.goals`), the one writer of goals, milestones and
  check-ins, and the views it returns;
* `progress.py`: `GoalProgress`, progress figures, the stored history (`recording`,
  `after_answer`, `after_undo`) and adherence to the cadence;
* `rows.py`: `GoalRows`, stored goals read back by column name, and goal references;
* `fields.py`: what a title, category, visibility, target and cadence may be;
* `views.py`: the plain dataclasses returned to the CLI, the app and the mentor bundle.
"""

from __future__ import annotations

from mastery.goals.fields import (
    ADHERENCE_WEEKS,
    CHECK_IN_EVERY,
    DISCIPLINES,
    STATUSES,
    VISIBILITIES,
)
from mastery.goals.service import Goals
from mastery.goals.views import (
    CheckInView,
    DeckMastery,
    GoalDetail,
    GoalView,
    MilestoneView,
    Progress,
    ProgressPoint,
    RealityVersion,
    adherence_to_dict,
    confidence_is_falling,
)

__all__ = [
    "ADHERENCE_WEEKS",
    "CHECK_IN_EVERY",
    "DISCIPLINES",
    "STATUSES",
    "VISIBILITIES",
    "CheckInView",
    "DeckMastery",
    "GoalDetail",
    "GoalView",
    "Goals",
    "MilestoneView",
    "Progress",
    "ProgressPoint",
    "RealityVersion",
    "adherence_to_dict",
    "confidence_is_falling",
]
