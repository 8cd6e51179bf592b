"""The learner's day.

Mastery stores every moment as a tz-aware UTC datetime; "today", "due today", streaks and
elapsed days are computed here, in the learner's time zone, with the day rolling over at a
configurable hour (04:00 by default, as in Anki). Keeping this in one place is what makes the
scheduler agree with Anki across midnight and DST changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from mastery.errors import StoredValueError

UTC = UTC


def utcnow() -> datetime:
    """The wall clock. Only the default time source and the edges (CLI/TUI) read it; the domain
    asks the profile's clock (`Collection.now()`), so a test or a replay sets time in one place."""
    return datetime.now(UTC)


TimeSource = Callable[[], datetime]
"""Where "now" comes from: `utcnow` in real use, a `FixedTime` in tests and replays."""


class FixedTime:
    """A time source that stands still until moved: give it to `Collection.open(clock=...)`."""

    def __init__(self, moment: datetime) -> None:
        self.moment = _aware(moment)

    def __call__(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = _aware(moment)

    def advance(self, delta: timedelta) -> datetime:
        self.moment += delta
        return self.moment


def local_zone(name: str | None = None) -> tzinfo:
    """The named IANA zone, or the machine's local zone when no name is set."""
    if name:
        return ZoneInfo(name)
    local = datetime.now().astimezone().tzinfo
    assert local is not None
    return local


@dataclass(frozen=True)
class DayClock:
    """Maps UTC instants to learner's days and back.

    A learner's day `d` runs from `d` at `rollover_hour` local time to `d + 1` at the same hour.
    Elapsed days are counted in such days (Anki's way), not in 24-hour periods.
    """

    zone: tzinfo = UTC
    rollover_hour: int = 4
    source: TimeSource = field(default=utcnow, compare=False, repr=False)

    def now(self) -> datetime:
        """The current moment from the profile's time source (the one clock of issue 10)."""
        return self.source()

    def __post_init__(self) -> None:
        if not 0 <= self.rollover_hour <= 23:
            raise ValueError("rollover_hour must be between 0 and 23")

    def day_of(self, moment: datetime) -> date:
        """The learner's day a moment falls in."""
        local = _aware(moment).astimezone(self.zone)
        return (local - timedelta(hours=self.rollover_hour)).date()

    def day_start(self, day: date) -> datetime:
        """The UTC instant the learner's day `day` begins (DST-safe: built from local wall time)."""
        local = datetime.combine(day, time(self.rollover_hour), tzinfo=self.zone)
        # A rollover hour inside a DST gap does not exist; fold=0 resolves it forward consistently.
        return local.astimezone(UTC)

    def next_day_start(self, moment: datetime) -> datetime:
        """When the day containing `moment` ends (the start of the next learner's day)."""
        return self.day_start(self.day_of(moment) + timedelta(days=1))

    def elapsed_days(self, earlier: datetime, later: datetime) -> int:
        """Whole learner's days between two moments: 21:00 -> 09:00 next morning is 1 day."""
        return max(0, (self.day_of(later) - self.day_of(earlier)).days)

    def today(self, now: datetime) -> date:
        return self.day_of(now)


def _aware(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC (that is how the database returns them)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def streak(days_with_activity: set[date], today: date) -> int:
    """Consecutive days with activity ending today, or ending yesterday if today has none yet.

    A streak is not broken until the day is over, so a learner who has not reviewed yet this
    morning still sees yesterday's streak.
    """
    day = today if today in days_with_activity else today - timedelta(days=1)
    count = 0
    while day in days_with_activity:
        count += 1
        day -= timedelta(days=1)
    return count


def to_ms(moment: datetime) -> int:
    """Database form of a moment: integer milliseconds since the Unix epoch, UTC.

    Integers keep the due index small and let stats bucket 1,000,000 review logs by day in SQL.
    """
    return int(_aware(moment).timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    """Back from the database form to a tz-aware UTC datetime.

    A stored value no datetime can hold (year 3,000,000, a string) is a `StoredValueError`,
    one line, rather than a traceback from every later read of that row."""
    try:
        return datetime.fromtimestamp(ms / 1000, UTC)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise StoredValueError("time", ms) from exc


def stored_day(text: str) -> date:
    """A day stored as YYYY-MM-DD, back as a `date`; anything else is a `StoredValueError`."""
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError) as exc:
        raise StoredValueError("day", text) from exc
