"""Human date phrases: single dates, date ranges and practice cadences.

Everything here works on calendar dates (`datetime.date`), never on instants, so time zones and
DST cannot move a result: the learner's `today` comes from `days.py` and is always a parameter.

Phrases are read case-insensitively with extra spaces ignored. Anything unreadable or ambiguous
raises `DateParseError` naming what was typed, what was understood and what would work; nothing
is ever guessed silently. Decisions on phrases that could mean more than one thing:

- "friday", "on friday", "next friday": the first Friday strictly after today (so on a Thursday,
  "next friday" is tomorrow). "this friday": the Friday of the current Monday-Sunday week, even
  if it has passed (the UI shows "2 days ago"). "last friday": the last Friday strictly before
  today.
- "next week" / "next month" / "next quarter" / "next year" as a date: the first day of that
  period (Monday for weeks). "this week", "last month" and the like are spans, so `parse_date`
  refuses them and points at "start of ..." / "end of ..."; `parse_range` reads them as spans.
- "march 5" / "5 march" with no year: March 5 of today's year, even if it has passed.
  A month alone ("march") is refused by `parse_date` (which day?); `parse_range` reads "march"
  as March of this year if it has begun, else of last year.
- "in 1 month" from Jan 31 is Feb 28 (or 29): months and years clamp to the month's last day
  (dateutil's relativedelta), so "in 1 year" from 2028-02-29 is 2029-02-28.
- Numeric dates must be year-month-day ("2027-03-05", "2027-3-5", "2027/03/05"); "03/04/2027"
  is refused because the day/month order differs between countries.
- Ranges are inclusive. "before X" ends the day before X; "after X" starts the day after X;
  "since X" / "until X" include X. "last 7 days" / "past 30 days" / "next 7 days" include today;
  "past week" is the last 7 days, whereas "last week" is the previous Monday-Sunday week.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from dateutil import parser as dateutil_parser
from dateutil.relativedelta import relativedelta
from dateutil.rrule import DAILY, WEEKLY, rrule

from mastery.errors import MasteryError
from mastery.limits import MAX_DATE, MIN_DATE

__all__ = [
    "Adherence",
    "Cadence",
    "DateParseError",
    "describe_date",
    "parse_cadence",
    "parse_date",
    "parse_range",
]

DATE_EXAMPLES = ("tomorrow", "in 3 days", "next friday", "end of month", "5 march", "2027-03-05")
RANGE_EXAMPLES = (
    "this week",
    "last month",
    "march",
    "last 7 days",
    "since 2026-10-01",
    "2026-10-01..2026-10-31",
)
CADENCE_EXAMPLES = ("every day", "every weekday", "mon, wed, fri", "every 2 days", "3 times a week")


class DateParseError(MasteryError):
    """A date, range or cadence phrase could not be read: what was typed, what was understood
    (if anything) and examples that would work, in one line."""

    def __init__(
        self,
        text: str,
        reason: str,
        understood: str | None = None,
        *,
        kind: str = "date",
        examples: Iterable[str] = DATE_EXAMPLES,
    ) -> None:
        self.text = text
        self.reason = reason
        self.understood = understood
        self.kind = kind
        self.examples = tuple(examples)
        tries = ", ".join(f'"{e}"' for e in self.examples)
        super().__init__(
            f'can\'t read "{text}" as a {kind}: {reason} '
            f"(understood: {understood or 'nothing'}); try {tries}"
        )


# --- vocabulary ----------------------------------------------------------------------------

_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_MONTH_NUMBER = {name: i + 1 for i, name in enumerate(_MONTHS)}
_MONTH_NUMBER.update({name[:3]: i + 1 for i, name in enumerate(_MONTHS)})
_MONTH_NUMBER["sept"] = 9
_MONTH_RE = "|".join(sorted(_MONTH_NUMBER, key=len, reverse=True))

_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WEEKDAY_NUMBER = {name: i for i, name in enumerate(_WEEKDAYS)}
_WEEKDAY_NUMBER.update({name[:3]: i for i, name in enumerate(_WEEKDAYS)})
_WEEKDAY_NUMBER.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3})
_WEEKDAY_RE = "|".join(sorted(_WEEKDAY_NUMBER, key=len, reverse=True))

_SHORT_DAY = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_SHORT_MONTH = [m[:3].title() for m in _MONTHS]

_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_NUMBER_RE = r"\d+|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_UNITS = ("day", "week", "month", "year")


def _number(token: str) -> int:
    """A count typed in a phrase; more than 18 digits reads as 10**18, past every date range
    (so the caller's range check refuses it) rather than reaching `int()`'s 4,300-digit limit."""
    if token.isdigit():
        return int(token) if len(token) <= 18 else 10**18
    return _NUMBER_WORDS[token]


def _clean(text: str) -> str:
    return " ".join(text.lower().split())


def _check_today(today: date) -> None:
    # A datetime would make results datetimes and smuggle a time zone in; that is a bug.
    if isinstance(today, datetime) or not isinstance(today, date):
        raise TypeError(f"today must be a datetime.date, not {type(today).__name__}")


def _fmt(day: date) -> str:
    """'Fri 5 Mar 2027' (English on purpose: strftime names follow the machine's locale)."""
    return f"{_SHORT_DAY[day.weekday()]} {day.day} {_SHORT_MONTH[day.month - 1]} {day.year}"


def _shift(day: date, n: int, unit: str) -> date:
    try:
        if unit in ("day", "week"):
            return day + timedelta(days=n * (7 if unit == "week" else 1))
        # relativedelta clamps: Jan 31 + 1 month is Feb 28/29.
        return day + (relativedelta(years=n) if unit == "year" else relativedelta(months=n))
    except ValueError as e:  # relativedelta's "year 102025 is out of range"
        raise OverflowError(str(e)) from None


def _span(unit: str, today: date, offset: int) -> tuple[date, date]:
    """The week (Mon-Sun), month, quarter or year containing today, moved by `offset` periods."""
    if unit == "week":
        start = today - timedelta(days=today.weekday()) + timedelta(weeks=offset)
        return start, start + timedelta(days=6)
    if unit == "year":
        return date(today.year + offset, 1, 1), date(today.year + offset, 12, 31)
    months = 3 if unit == "quarter" else 1
    first_month = (today.month - 1) // months * months + 1
    start = date(today.year, first_month, 1) + relativedelta(months=offset * months)
    return start, start + relativedelta(months=months, days=-1)


def _month_name(month: int) -> str:
    return _MONTHS[month - 1].title()


def _make_date(year: int, month: int, day: int, text: str) -> date:
    """date(year, month, day), or an error that says exactly which part is impossible."""
    if not MIN_DATE.year <= year <= MAX_DATE.year:  # year 0 would be a traceback below
        raise DateParseError(
            text, f"years go from {MIN_DATE.year} to {MAX_DATE.year}", f"year {year}"
        )
    if not 1 <= month <= 12:
        raise DateParseError(text, f"there is no month {month}", f"year {year}, month {month}")
    understood = f"{day} {_month_name(month)} {year}"
    if day == 29 and month == 2:
        try:
            return date(year, month, day)
        except ValueError:
            raise DateParseError(text, f"{year} is not a leap year", understood) from None
    try:
        return date(year, month, day)
    except ValueError:
        last = (date(year, month, 1) + relativedelta(months=1, days=-1)).day
        raise DateParseError(
            text, f"{_month_name(month)} {year} has {last} days", understood
        ) from None


def _recognised(text: str) -> str | None:
    """The words of an unreadable phrase that meant something, for the error message."""
    found = []
    for token in re.findall(r"[a-z]+|\d+", text):
        if token in _MONTH_NUMBER:
            found.append(_month_name(_MONTH_NUMBER[token]))
        elif token in _WEEKDAY_NUMBER:
            found.append(_WEEKDAYS[_WEEKDAY_NUMBER[token]].title())
        elif (
            token.isdigit()
            or token.rstrip("s") in _UNITS
            or token in ("today", "tomorrow", "yesterday")
        ):
            found.append(token)
    return ", ".join(found) or None


# --- parse_date ----------------------------------------------------------------------------


def parse_date(text: str, today: date) -> date:
    """Read a date phrase relative to `today` (the learner's day; the clock is never read).

    Accepts ISO dates ("2027-03-05", also "2027-3-5"), "today" / "tomorrow" / "yesterday",
    "in 3 days|weeks|months|years" (number words one..twelve and "a" too), "3 days ago",
    weekdays ("friday", "next friday", "this friday", "last friday"), "next week|month|quarter|
    year" (the period's first day), "start|beginning|end of [this|next|last] week|month|quarter|
    year", and day-month forms ("march 5", "5 march", "5 march 2027", "march 5, 2027",
    "Fri 5 Mar 2027" - the weekday is checked). See the module docstring for the decisions on
    ambiguous phrases. Raises `DateParseError` for anything else.
    """
    _check_today(today)
    s = _clean(text)
    if not s:
        raise DateParseError(text, "nothing was typed")
    try:
        day = _parse_date(s, text, today)
    except OverflowError:
        raise DateParseError(text, "that is too far away", _recognised(s)) from None
    if not MIN_DATE <= day <= MAX_DATE:
        raise DateParseError(
            text, f"dates go from {MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}", _fmt(day)
        )
    return day


def _parse_date(s: str, text: str, today: date) -> date:
    simple = {"today": 0, "now": 0, "tomorrow": 1, "yesterday": -1}
    if s in simple:
        return today + timedelta(days=simple[s])

    if m := re.fullmatch(rf"in ({_NUMBER_RE}) ([a-z]+?)s?", s):
        return _relative(m[1], m[2], 1, s, text, today)
    if m := re.fullmatch(rf"({_NUMBER_RE}) ([a-z]+?)s? (ago|from now|from today)", s):
        return _relative(m[1], m[2], -1 if m[3] == "ago" else 1, s, text, today)

    if m := re.fullmatch(rf"(?:(next|this|last|on) )?({_WEEKDAY_RE})", s):
        weekday = _WEEKDAY_NUMBER[m[2]]
        if m[1] == "this":
            return today - timedelta(days=today.weekday()) + timedelta(days=weekday)
        if m[1] == "last":
            return today - timedelta(days=(today.weekday() - weekday - 1) % 7 + 1)
        return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)

    if m := re.fullmatch(r"(next|this|last|current|previous) (week|month|quarter|year)", s):
        offset = {"next": 1, "last": -1, "previous": -1}.get(m[1], 0)
        start, end = _span(m[2], today, offset)
        if offset == 1:
            return start
        raise DateParseError(
            text,
            "that is a span, not a single day",
            f"{_fmt(start)} to {_fmt(end)}",
            examples=(f"start of {m[1]} {m[2]}", f"end of {m[1]} {m[2]}", *DATE_EXAMPLES[:3]),
        )

    if m := re.fullmatch(
        r"(start|beginning|end) of (?:the )?(?:(this|next|last|current|previous) )?"
        r"(week|month|quarter|year)",
        s,
    ):
        offset = {"next": 1, "last": -1, "previous": -1}.get(m[2] or "", 0)
        start, end = _span(m[3], today, offset)
        return end if m[1] == "end" else start

    if m := re.fullmatch(r"(next|this|last|in|start of|end of|beginning of)", s):
        raise DateParseError(
            text, f'"{m[1]}" what? it needs a weekday, unit or period', f"{m[1]} ..."
        )

    if m := re.fullmatch(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})", s):
        return _make_date(int(m[1]), int(m[3]), int(m[4]), text)
    if m := re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})(?:[-/.](\d{2,4}))?", s):
        return _ambiguous_numeric(int(m[1]), int(m[2]), m[3], text)

    if re.search(rf"\b({_MONTH_RE})\b", s):
        return _month_day(s, text, today)

    raise DateParseError(text, "not a date phrase I know", _recognised(s))


def _relative(number: str, unit: str, sign: int, s: str, text: str, today: date) -> date:
    n = _number(number)
    if unit not in _UNITS:
        raise DateParseError(
            text,
            f'"{unit}" is not a unit of days, weeks, months or years',
            f"{'in ' if sign > 0 else ''}{n} {unit}{' ago' if sign < 0 else ''}",
        )
    return _shift(today, sign * n, unit)


def _ambiguous_numeric(a: int, b: int, year_text: str | None, text: str) -> date:
    year = int(year_text) if year_text and len(year_text) == 4 else None
    readings = []  # (day, month) pairs that could be meant
    if 1 <= b <= 12 and 1 <= a <= 31:
        readings.append((a, b))
    if 1 <= a <= 12 and 1 <= b <= 31 and a != b:
        readings.append((b, a))
    suffix = f" {year_text}" if year_text else ""
    examples = []
    for day, month in readings:
        iso = f"{year if year else 'YYYY'}-{month:02d}-{day:02d}"
        examples += [iso, f"{day} {_MONTHS[month - 1]}{f' {year}' if year else ''}"]
    raise DateParseError(
        text,
        "numeric dates must be year-month-day, as the day/month order differs between countries",
        " or ".join(f"{d} {_month_name(m)}{suffix}" for d, m in readings) or None,
        examples=examples or DATE_EXAMPLES,
    )


def _month_day(s: str, text: str, today: date) -> date:
    """Day-month phrases: our own patterns first, dateutil's parser as a validated backstop."""
    tokens = re.sub(r"[,./-]", " ", s)
    tokens = re.sub(r"\b(\d{1,2})(?:st|nd|rd|th)\b", r"\1", tokens)
    tokens = " ".join(t for t in tokens.split() if t not in ("the", "of", "on"))
    wd = rf"(?:({_WEEKDAY_RE}) )?"
    if m := re.fullmatch(rf"{wd}(\d{{1,2}}) ({_MONTH_RE})(?: (\d{{4}}))?", tokens):
        weekday, day, month, year = m[1], m[2], m[3], m[4]
    elif m := re.fullmatch(rf"{wd}({_MONTH_RE}) (\d{{1,2}})(?: (\d{{4}}))?", tokens):
        weekday, month, day, year = m[1], m[2], m[3], m[4]
    elif m := re.fullmatch(rf"(?:in )?({_MONTH_RE})(?: (\d{{4}}))?", tokens):
        month_name = _month_name(_MONTH_NUMBER[m[1]])
        label = f"{month_name} {m[2]}" if m[2] else month_name
        raise DateParseError(
            text,
            "a month needs a day",
            f"{label}, no day",
            examples=(f"5 {m[1]}", f"{m[1]} 5", f"5 {m[1]} {m[2] or today.year}"),
        )
    else:
        return _backstop(s, text, today)
    result = _make_date(int(year) if year else today.year, _MONTH_NUMBER[month], int(day), text)
    _check_weekday(result, weekday, text)
    return result


def _check_weekday(day: date, weekday: str | None, text: str) -> None:
    if weekday is not None and _WEEKDAY_NUMBER[weekday] != day.weekday():
        raise DateParseError(
            text,
            f"{_fmt(day)} is a {_WEEKDAYS[day.weekday()].title()}, "
            f"not a {_WEEKDAYS[_WEEKDAY_NUMBER[weekday]].title()}",
            _fmt(day),
        )


def _backstop(s: str, text: str, today: date) -> date:
    """dateutil's parser for the odd layout ("2027 march 5"), checked so it cannot guess.

    The parser fills missing parts from a default and skips words like "and", so "march 5 and 6"
    reads as 5 March 2006. Parsing with two different defaults shows which parts were really
    typed; every number typed must then be the day or a four-digit year, and no time is allowed.
    """
    defaults = (datetime(2000, 1, 1), datetime(2004, 3, 2, 1, 1, 1, 1))
    results = []
    for default in defaults:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                results.append(dateutil_parser.parse(s, default=default))
        except (ValueError, OverflowError):
            raise DateParseError(text, "not a date phrase I know", _recognised(s)) from None
        if caught:  # e.g. a time zone name it half understood
            raise DateParseError(text, "not a date phrase I know", _recognised(s))
    a, b = results
    understood = _recognised(s)
    if a.hour == b.hour or a.minute == b.minute or a.second == b.second:
        raise DateParseError(text, "dates only, without a time", understood)
    if a.month != b.month or a.day != b.day:
        raise DateParseError(text, "it needs a day and a month", understood)
    day = a.day
    year = a.year if a.year == b.year else None
    allowed = [day]
    if year is not None and re.search(rf"\b{year}\b", s):
        allowed.append(year)
    for n in (int(n) for n in re.findall(r"\d+", s)):
        if n not in allowed:
            raise DateParseError(
                text, f"the number {n} is neither the day nor a four-digit year", understood
            )
        allowed.remove(n)
    if year is not None and year in allowed:  # a year the parser made up
        raise DateParseError(text, "a year must have four digits", understood)
    result = _make_date(year if year is not None else today.year, a.month, day, text)
    weekday = re.search(rf"\b({_WEEKDAY_RE})\b", s)
    _check_weekday(result, weekday[1] if weekday else None, text)
    return result


# --- parse_range ---------------------------------------------------------------------------


def parse_range(text: str, today: date) -> tuple[date | None, date | None]:
    """Read a date range as an inclusive (start, end); None is an open end.

    Accepts "this|last|next week|month|quarter|year" (calendar periods, weeks Monday-Sunday),
    "march" / "in march" (this year's March if it has begun, else last year's), "march 2026",
    "2026", "last|past|next N days|weeks|months|years" and "past week|month|year" (trailing
    windows that include today), "since|from|after X" and "until|till|through|before X" (after
    and before are exclusive), "X..Y", "from X to Y", "between X and Y", and any single
    `parse_date` phrase (that day only). A start after the end is an error.
    """
    _check_today(today)
    s = _clean(text)
    if not s:
        raise DateParseError(text, "nothing was typed", kind="date range", examples=RANGE_EXAMPLES)
    try:
        start, end = _parse_range(s, text, today)
    except OverflowError:
        raise DateParseError(
            text, "that is too far away", _recognised(s), kind="date range", examples=RANGE_EXAMPLES
        ) from None
    if start is not None and end is not None and start > end:
        raise DateParseError(
            text,
            "the start is after the end",
            f"from {_fmt(start)} to {_fmt(end)}",
            kind="date range",
            examples=RANGE_EXAMPLES,
        )
    return start, end


def _parse_range(s: str, text: str, today: date) -> tuple[date | None, date | None]:
    if m := re.fullmatch(r"(this|last|next|current|previous) (week|month|quarter|year)", s):
        return _span(m[2], today, {"next": 1, "last": -1, "previous": -1}.get(m[1], 0))

    if m := re.fullmatch(rf"(?:in |during )?({_MONTH_RE})(?:,? (\d{{4}}))?", s):
        month = _MONTH_NUMBER[m[1]]
        if m[2]:
            year = int(m[2])
        else:
            year = today.year if date(today.year, month, 1) <= today else today.year - 1
        return _span("month", date(year, month, 1), 0)
    if m := re.fullmatch(r"(?:in |during )?(\d{4})", s):
        return date(int(m[1]), 1, 1), date(int(m[1]), 12, 31)

    if m := re.fullmatch(rf"(last|past|next) ({_NUMBER_RE}) ([a-z]+?)s?", s):
        n, unit = _number(m[2]), m[3]
        if unit not in _UNITS or n < 1:
            raise DateParseError(
                text,
                "it needs a positive number of days, weeks, months or years",
                f"{m[1]} {n} {unit}",
                kind="date range",
                examples=RANGE_EXAMPLES,
            )
        return _trailing(m[1], n, unit, today)
    if m := re.fullmatch(r"past (day|week|month|year)", s):
        return _trailing("past", 1, m[1], today)

    if m := re.fullmatch(r"(until|till|til|through|thru|to|up to|by|before) (.+)", s):
        day = _endpoint(m[2], text, today, f"{m[1]} ...")
        return None, (day - timedelta(days=1) if m[1] == "before" else day)
    if (
        (m := re.fullmatch(r"(.+?) ?\.\. ?(.+)", s))
        or (m := re.fullmatch(r"(?:from )?(.+?) (?:to|until|till|through) (.+)", s))
        or (m := re.fullmatch(r"between (.+?) and (.+)", s))
    ):
        start = _endpoint(m[1], text, today, "a range")
        end = _endpoint(m[2], text, today, f"a range from {_fmt(start)}")
        return start, end
    if m := re.fullmatch(r"(since|from|starting|starting from|after) (.+)", s):
        day = _endpoint(m[2], text, today, f"{m[1]} ...")
        return (day + timedelta(days=1) if m[1] == "after" else day), None

    try:
        day = parse_date(s, today)
    except DateParseError as e:
        raise DateParseError(
            text, e.reason, e.understood, kind="date range", examples=RANGE_EXAMPLES
        ) from None
    return day, day


def _trailing(direction: str, n: int, unit: str, today: date) -> tuple[date, date]:
    if direction == "next":
        return today, _shift(today, n, unit) - timedelta(days=1)
    return _shift(today, -n, unit) + timedelta(days=1), today


def _endpoint(phrase: str, text: str, today: date, context: str) -> date:
    try:
        return parse_date(phrase, today)
    except DateParseError as e:
        understood = f'{context}, then {e.understood or "nothing"} from "{phrase}"'
        raise DateParseError(
            text, e.reason, understood, kind="date range", examples=RANGE_EXAMPLES
        ) from None


# --- describe_date -------------------------------------------------------------------------


def describe_date(day: date, today: date) -> str:
    """A label for the UI: "today", "tomorrow", "yesterday", "in 12 days", "3 days ago" within
    31 days either way, else the full date, "Fri 5 Mar 2027"."""
    _check_today(today)
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    if 1 < delta <= 31:
        return f"in {delta} days"
    if -31 <= delta < -1:
        return f"{-delta} days ago"
    return _fmt(day)


# --- cadences ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Adherence:
    """How well activity matched a cadence over [start, end]."""

    planned: int
    met: int
    days: tuple[tuple[date, bool], ...]

    @property
    def rate(self) -> float | None:
        """met / planned, or None when nothing was planned."""
        return self.met / self.planned if self.planned else None


_PER_WEEK_WORDS = {"once": 1, "twice": 2, "thrice": 3}


@dataclass(frozen=True)
class Cadence:
    """How often a goal is practised. Build with `parse_cadence`; `text` is the normalised
    phrase (`parse_cadence(c.text) == c`), so store `text` and parse it back.

    Three kinds:
    - fixed weekdays ("every weekday", "mon, wed, fri", "weekly on tue"): planned days are those
      weekdays; a planned day is met if it had activity.
    - every N days ("every 2 days"): planned days are start, start + N, ... (anchored on the
      `start` passed in); a planned day is met if there was activity on it or on the N - 1 days
      after it (its turn), since the point is the gap between sessions.
    - N times a week ("3 times a week", "weekly"): no fixed days. Each ISO week (Mon-Sun) that
      overlaps [start, end] plans min(N, days of that week inside [start, end]) occasions, so a
      partial week at either end plans less; met is min(planned that week, active days).
    """

    text: str
    weekdays: tuple[int, ...] = field(default=(), compare=False)  # Monday = 0
    interval: int = field(default=0, compare=False)  # every N days
    per_week: int = field(default=0, compare=False)  # N times a week

    def __post_init__(self) -> None:
        # Cadence("weekdays") works too: read and normalise the text when no rule was given.
        if not (self.weekdays or self.interval or self.per_week):
            parsed = parse_cadence(self.text)
            for name in ("text", "weekdays", "interval", "per_week"):
                object.__setattr__(self, name, getattr(parsed, name))

    def planned_days(self, start: date, end: date) -> list[date]:
        """The fixed practice days in [start, end]; [] for "N times a week"."""
        if start > end or self.per_week:
            return []
        first, until = (
            datetime.combine(start, datetime.min.time()),
            datetime.combine(end, datetime.min.time()),
        )
        if self.interval:
            rule = rrule(DAILY, interval=self.interval, dtstart=first, until=until)
        else:
            rule = rrule(WEEKLY, byweekday=self.weekdays, dtstart=first, until=until)
        return [moment.date() for moment in rule]

    def adherence(self, active_days: set[date], start: date, end: date) -> Adherence:
        """Planned occasions in [start, end] and how many had activity (see the class doc)."""
        if self.per_week:
            return self._weekly_adherence(active_days, start, end)
        days = []
        for day in self.planned_days(start, end):
            turn = min(self.interval or 1, (end - day).days + 1)
            met = any(day + timedelta(days=i) in active_days for i in range(turn))
            days.append((day, met))
        return Adherence(len(days), sum(met for _, met in days), tuple(days))

    def _weekly_adherence(self, active_days: set[date], start: date, end: date) -> Adherence:
        planned = met = 0
        weeks = []
        monday = start - timedelta(days=start.weekday())
        while monday <= end:
            first, last = max(monday, start), min(monday + timedelta(days=6), end)
            quota = min(self.per_week, (last - first).days + 1)
            active = sum(1 for d in active_days if first <= d <= last)
            planned += quota
            met += min(quota, active)
            weeks.append((monday, active >= quota))
            monday += timedelta(weeks=1)
        return Adherence(planned, met, tuple(weeks))


def parse_cadence(text: str) -> Cadence:
    """Read how often something is practised.

    Accepts "every day" / "daily", "every weekday" / "weekdays" (Mon-Fri), "weekends",
    weekday lists ("mon,wed,fri", "mon wed fri", "monday, wednesday and friday", "every
    monday", "weekly on tue"), "every N days" / "every other day", and "N times a week" /
    "Nx a week" / "once|twice a week" / "weekly" (= once a week). Raises `DateParseError`.
    """
    s = _clean(text).rstrip(".")

    def fail(reason: str, understood: str | None = None) -> DateParseError:
        return DateParseError(text, reason, understood, kind="cadence", examples=CADENCE_EXAMPLES)

    if not s:
        raise fail("nothing was typed")
    if s in ("daily", "every day", "everyday", "each day"):
        return _fixed(range(7))
    if s in ("weekdays", "every weekday", "on weekdays", "each weekday"):
        return _fixed(range(5))
    if s in ("weekends", "every weekend", "on weekends", "every weekend day"):
        return _fixed((5, 6))
    if s in ("weekly", "every week", "each week", "once weekly"):
        return _per_week(1)
    if s == "every other day":
        return _every(2)

    if m := re.fullmatch(rf"every ({_NUMBER_RE}) ([a-z]+?)s?", s):
        n = _number(m[1])
        if m[2] != "day":
            raise fail(
                'only "every N days" repeats by count; for weeks use "N times a week" or weekdays',
                f"every {n} {m[2]}",
            )
        if n < 1:
            raise fail("the number of days must be at least 1", f"every {n} days")
        return _every(n)

    per_week = re.fullmatch(
        rf"({_NUMBER_RE}|once|twice|thrice) ?(?:times?|x|days?)? (?:a|per|each|every) week", s
    ) or re.fullmatch(r"(\d+) ?x ?/ ?week", s)
    if per_week:
        word = per_week[1]
        n = _PER_WEEK_WORDS.get(word) or _number(word)
        if not 1 <= n <= 7:
            raise fail("a week has 7 days, so 1 to 7 times", f"{n} times a week")
        return _per_week(n)

    words = re.sub(r"^(?:weekly on|every|each|on)\s+", "", s)
    tokens = [t for t in re.split(r"[,\s/&+]+|\band\b", words) if t and t != "and"]
    if not tokens:
        raise fail("it needs a day, an interval or a count", _recognised(s))
    weekdays: list[int] = []
    for token in tokens:
        name = token[:-1] if token.endswith("s") and token[:-1] in _WEEKDAY_NUMBER else token
        if name not in _WEEKDAY_NUMBER:
            understood = ", ".join(_SHORT_DAY[d] for d in weekdays) or _recognised(s)
            raise fail(f'"{token}" is not a weekday or a cadence I know', understood)
        weekdays.append(_WEEKDAY_NUMBER[name])
    return _fixed(weekdays)


def _fixed(weekdays: Iterable[int]) -> Cadence:
    days = tuple(sorted(set(weekdays)))
    if days == tuple(range(7)):
        text = "every day"
    elif days == tuple(range(5)):
        text = "every weekday"
    elif days == (5, 6):
        text = "weekends"
    elif len(days) == 1:
        text = f"every {_WEEKDAYS[days[0]]}"
    else:
        text = "every " + ", ".join(_SHORT_DAY[d].lower() for d in days)
    return Cadence(text, weekdays=days)


def _every(n: int) -> Cadence:
    return _fixed(range(7)) if n == 1 else Cadence(f"every {n} days", interval=n)


def _per_week(n: int) -> Cadence:
    text = {1: "once a week", 2: "twice a week"}.get(n, f"{n} times a week")
    return Cadence(text, per_week=n)
