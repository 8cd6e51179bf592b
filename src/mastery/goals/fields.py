"""What a goal's fields may hold: title, category, visibility, target date and cadence, each
cleaned or refused with one line before anything is stored; and the goals' fixed rules."""

from __future__ import annotations

from datetime import date

from mastery.dates import DateParseError, parse_cadence, parse_date
from mastery.errors import MasteryError

DISCIPLINES: tuple[str, ...] = (
    "personal-mastery",
    "mental-models",
    "shared-vision",
    "team-learning",
    "systems-thinking",
)
STATUSES: tuple[str, ...] = ("active", "achieved", "dropped")
VISIBILITIES: tuple[str, ...] = ("private", "shared")
CHECK_IN_EVERY = 7  # days between check-ins before one is due again
ADHERENCE_WEEKS = 8  # the longest adherence window, counted back from today


def clean_title(text: str, what: str = "goal") -> str:
    title = " ".join((text or "").split())
    if not title:
        raise MasteryError(f"a {what} needs a title")
    return title


def clean_category(text: str) -> str:
    """One of the five disciplines, or the learner's own word, as a lower-case slug
    ("Systems thinking" -> "systems-thinking")."""
    category = "-".join((text or "").lower().split())
    if not category:
        raise MasteryError(
            f"a goal needs a category: one of {', '.join(DISCIPLINES)} or your own word"
        )
    return category


def clean_visibility(text: str) -> str:
    visibility = (text or "").strip().lower()
    if visibility not in VISIBILITIES:
        raise MasteryError(f"visibility must be private or shared, got {text!r}")
    return visibility


def parse_target(target: str | date | None, today: date) -> date | None:
    """A target date from a phrase read against the learner's today; "" or None is none.

    A target before today is refused, saying which date was understood: "march 5" typed in
    December reads as this year's March (see dates.py), and a goal whose target has already
    passed was never what was meant."""
    if target is None:
        return None
    if isinstance(target, date):
        day = target
    elif not target.strip():
        return None
    else:
        day = parse_date(target.strip(), today)
    if day < today:
        try:
            later = day.replace(year=today.year + 1)
        except ValueError:  # Feb 29
            later = day.replace(year=today.year + 1, day=28)
        raise DateParseError(
            str(target),
            "a target must be today or later",
            day.isoformat(),
            kind="target date",
            examples=(later.isoformat(), "in 3 months", "end of quarter"),
        )
    return day


def clean_cadence(text: str | None) -> str | None:
    """The cadence in `dates`' normalised words ("mon,wed,fri" -> "every mon, wed, fri"),
    which parse back to the same rule; "" or None is none."""
    if text is None or not text.strip():
        return None
    return parse_cadence(text).text
