"""Human date phrases: parse_date, parse_range, describe_date and cadences."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from mastery.dates import (
    Adherence,
    Cadence,
    DateParseError,
    describe_date,
    parse_cadence,
    parse_date,
    parse_range,
)
from mastery.errors import MasteryError

# Saturday 21 November 2026, the day of the shared test clock.
SAT = date(2026, 11, 21)
D = date


# --- parse_date ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-03-01", D(2027, 3, 1)),
        ("2027-3-5", D(2027, 3, 5)),
        ("2027/03/05", D(2027, 3, 5)),
        ("today", SAT),
        ("  ToDay ", SAT),
        ("tomorrow", D(2026, 11, 22)),
        ("yesterday", D(2026, 11, 20)),
        ("in 3 days", D(2026, 11, 24)),
        ("in   3   DAYS", D(2026, 11, 24)),
        ("in 1 day", D(2026, 11, 22)),
        ("in 2 weeks", D(2026, 12, 5)),
        ("in a week", D(2026, 11, 28)),
        ("in two weeks", D(2026, 12, 5)),
        ("in twelve days", D(2026, 12, 3)),
        ("in 3 months", D(2027, 2, 21)),
        ("in an year", D(2027, 11, 21)),
        ("in 2 years", D(2028, 11, 21)),
        ("3 days ago", D(2026, 11, 18)),
        ("a week ago", D(2026, 11, 14)),
        ("2 months ago", D(2026, 9, 21)),
        ("3 days from now", D(2026, 11, 24)),
        ("next week", D(2026, 11, 23)),
        ("next month", D(2026, 12, 1)),
        ("next quarter", D(2027, 1, 1)),
        ("next year", D(2027, 1, 1)),
        ("end of week", D(2026, 11, 22)),
        ("end of month", D(2026, 11, 30)),
        ("end of the month", D(2026, 11, 30)),
        ("end of quarter", D(2026, 12, 31)),
        ("end of year", D(2026, 12, 31)),
        ("end of next month", D(2026, 12, 31)),
        ("end of last month", D(2026, 10, 31)),
        ("start of this week", D(2026, 11, 16)),
        ("start of next month", D(2026, 12, 1)),
        ("beginning of next month", D(2026, 12, 1)),
        ("start of next quarter", D(2027, 1, 1)),
        ("start of next year", D(2027, 1, 1)),
        ("march 5", D(2026, 3, 5)),
        ("5 march", D(2026, 3, 5)),
        ("5th of March", D(2026, 3, 5)),
        ("mar 5th", D(2026, 3, 5)),
        ("5 march 2027", D(2027, 3, 5)),
        ("march 5, 2027", D(2027, 3, 5)),
        ("5-mar-2027", D(2027, 3, 5)),
        ("Fri 5 Mar 2027", D(2027, 3, 5)),  # describe_date's own format reads back
        ("sept 9", D(2026, 9, 9)),
        ("2027 march 5", D(2027, 3, 5)),  # dateutil's parser as the backstop
    ],
)
def test_parse_date_reads_phrase(text: str, expected: date) -> None:
    assert parse_date(text, SAT) == expected


@pytest.mark.parametrize(
    ("today", "text", "expected"),
    [
        # "friday" / "next friday": the first Friday strictly after today.
        (D(2026, 11, 19), "next friday", D(2026, 11, 20)),  # Thursday -> tomorrow
        (D(2026, 11, 20), "next friday", D(2026, 11, 27)),  # Friday -> a week later
        (D(2026, 11, 21), "next friday", D(2026, 11, 27)),
        (D(2026, 11, 19), "friday", D(2026, 11, 20)),
        (D(2026, 11, 19), "on fri", D(2026, 11, 20)),
        (D(2026, 11, 22), "next monday", D(2026, 11, 23)),  # Sunday -> tomorrow
        # "this friday": the Friday of the current Monday-Sunday week, even if it has passed.
        (D(2026, 11, 16), "this friday", D(2026, 11, 20)),
        (D(2026, 11, 21), "this friday", D(2026, 11, 20)),
        (D(2026, 11, 20), "this friday", D(2026, 11, 20)),
        # "last friday": the last Friday strictly before today.
        (D(2026, 11, 21), "last friday", D(2026, 11, 20)),
        (D(2026, 11, 20), "last friday", D(2026, 11, 13)),
        (D(2026, 11, 19), "last thurs", D(2026, 11, 12)),
    ],
)
def test_weekday_phrases(today: date, text: str, expected: date) -> None:
    assert parse_date(text, today) == expected


@pytest.mark.parametrize(
    ("today", "text", "expected"),
    [
        (D(2027, 1, 31), "in 1 month", D(2027, 2, 28)),  # clamps to the month's last day
        (D(2028, 1, 31), "in 1 month", D(2028, 2, 29)),
        (D(2026, 3, 31), "in 1 month", D(2026, 4, 30)),
        (D(2026, 3, 31), "1 month ago", D(2026, 2, 28)),
        (D(2028, 2, 29), "in 1 year", D(2029, 2, 28)),
        (D(2028, 2, 29), "in 4 years", D(2032, 2, 29)),
        (SAT, "2028-02-29", D(2028, 2, 29)),
        (D(2028, 1, 10), "feb 29", D(2028, 2, 29)),
        (D(2026, 12, 29), "next week", D(2027, 1, 4)),  # across the year boundary
        (D(2026, 12, 29), "next month", D(2027, 1, 1)),
        (D(2026, 12, 31), "tomorrow", D(2027, 1, 1)),
        (D(2027, 1, 1), "yesterday", D(2026, 12, 31)),
        (D(2027, 1, 1), "last friday", D(2026, 12, 25)),
        (D(2026, 12, 31), "in 1 day", D(2027, 1, 1)),
    ],
)
def test_month_ends_leap_days_and_year_boundaries(today: date, text: str, expected: date) -> None:
    assert parse_date(text, today) == expected


@pytest.mark.parametrize(
    ("today", "end"),
    [
        (D(2027, 1, 1), D(2027, 3, 31)),
        (D(2027, 3, 31), D(2027, 3, 31)),
        (D(2027, 4, 1), D(2027, 6, 30)),
        (D(2027, 8, 15), D(2027, 9, 30)),
        (D(2027, 10, 1), D(2027, 12, 31)),
        (D(2027, 12, 31), D(2027, 12, 31)),
    ],
)
def test_end_of_quarter_in_each_quarter(today: date, end: date) -> None:
    assert parse_date("end of quarter", today) == end


@pytest.mark.parametrize(
    ("text", "understood", "reason"),
    [
        ("", "nothing", "nothing was typed"),
        ("   ", "nothing", "nothing was typed"),
        ("soon", "nothing", "not a date phrase I know"),
        ("next", "next ...", "what?"),
        ("march", "March, no day", "a month needs a day"),
        ("in march", "March, no day", "a month needs a day"),
        ("march 2027", "March 2027, no day", "a month needs a day"),
        ("2027-02-29", "29 February 2027", "2027 is not a leap year"),
        ("feb 29 2027", "29 February 2027", "2027 is not a leap year"),
        ("feb 30", "30 February 2026", "February 2026 has 28 days"),
        ("april 31 2027", "31 April 2027", "April 2027 has 30 days"),
        ("2027-13-01", "year 2027, month 13", "there is no month 13"),
        ("03/04/2027", "3 April 2027 or 4 March 2027", "year-month-day"),
        ("13/04/2027", "13 April 2027", "year-month-day"),
        ("5/3", "5 March or 3 May", "year-month-day"),
        ("in 3 fortnights", "in 3 fortnight", '"fortnight" is not a unit'),
        ("in 2 hours", "in 2 hour", '"hour" is not a unit'),
        ("this week", "Mon 16 Nov 2026 to Sun 22 Nov 2026", "a span, not a single day"),
        ("last month", "Thu 1 Oct 2026 to Sat 31 Oct 2026", "a span, not a single day"),
        ("mon 5 mar 2027", "Fri 5 Mar 2027", "is a Friday, not a Monday"),
        # dateutil's parser would read these as 5 March 2006, 5 March 2027 and 2pm.
        ("march 5 and 6", "March, 5, 6", "the number 6 is neither the day"),
        ("5 march 27", "5, March, 27", "the number 27 is neither the day"),
        ("march 5 2pm", "March, 5, 2", "without a time"),
        ("frday 5", "5", "not a date phrase I know"),
        ("in 99999 years", "99999, years", "too far"),
    ],
)
def test_parse_date_rejects_with_what_was_understood(
    text: str, understood: str, reason: str
) -> None:
    with pytest.raises(DateParseError) as caught:
        parse_date(text, SAT)
    message = str(caught.value)
    assert f'"{text}"' in message
    assert f"(understood: {understood})" in message
    assert reason in message
    assert "try " in message
    assert "\n" not in message


def test_date_parse_error_is_a_mastery_error_with_fields() -> None:
    with pytest.raises(MasteryError) as caught:
        parse_date("03/04/2027", SAT)
    error = caught.value
    assert isinstance(error, DateParseError)
    assert error.text == "03/04/2027"
    assert error.understood == "3 April 2027 or 4 March 2027"
    assert "2027-04-03" in error.examples and "2027-03-04" in error.examples
    assert error.exit_code == 2


def test_today_must_be_a_date_not_a_datetime() -> None:
    with pytest.raises(TypeError):
        parse_date("today", datetime(2026, 11, 21, 10, 0))


# --- DST: calendar dates flow through untouched ---------------------------------------------


@pytest.mark.parametrize(
    ("today", "text", "expected"),
    [
        # Europe's clocks change on Sun 28 Mar 2027 and Sun 31 Oct 2027; the US on 14 Mar / 7 Nov.
        (D(2027, 3, 27), "in 2 days", D(2027, 3, 29)),
        (D(2027, 3, 28), "tomorrow", D(2027, 3, 29)),
        (D(2027, 10, 30), "in 1 day", D(2027, 10, 31)),
        (D(2027, 10, 31), "in 1 week", D(2027, 11, 7)),
        (D(2027, 3, 29), "last sunday", D(2027, 3, 28)),
    ],
)
def test_dst_changes_do_not_move_dates(today: date, text: str, expected: date) -> None:
    result = parse_date(text, today)
    assert result == expected
    assert type(result) is date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("march 2027", (D(2027, 3, 1), D(2027, 3, 31))),
        ("october 2027", (D(2027, 10, 1), D(2027, 10, 31))),
        ("2027-03-27..2027-03-29", (D(2027, 3, 27), D(2027, 3, 29))),
        ("2027-10-30..2027-11-01", (D(2027, 10, 30), D(2027, 11, 1))),
    ],
)
def test_dst_ranges_are_whole_calendar_days(text: str, expected: tuple[date, date]) -> None:
    start, end = parse_range(text, SAT)
    assert (start, end) == expected
    assert type(start) is date and type(end) is date
    assert parse_cadence("every day").planned_days(start, end) == [
        start + timedelta(days=i) for i in range((end - start).days + 1)
    ]


# --- parse_range ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", (SAT, SAT)),
        ("yesterday", (D(2026, 11, 20), D(2026, 11, 20))),
        ("this week", (D(2026, 11, 16), D(2026, 11, 22))),
        ("last week", (D(2026, 11, 9), D(2026, 11, 15))),
        ("next week", (D(2026, 11, 23), D(2026, 11, 29))),
        ("this month", (D(2026, 11, 1), D(2026, 11, 30))),
        ("last month", (D(2026, 10, 1), D(2026, 10, 31))),
        ("this quarter", (D(2026, 10, 1), D(2026, 12, 31))),
        ("last quarter", (D(2026, 7, 1), D(2026, 9, 30))),
        ("this year", (D(2026, 1, 1), D(2026, 12, 31))),
        ("last year", (D(2025, 1, 1), D(2025, 12, 31))),
        ("in march", (D(2026, 3, 1), D(2026, 3, 31))),
        ("march", (D(2026, 3, 1), D(2026, 3, 31))),
        ("november", (D(2026, 11, 1), D(2026, 11, 30))),  # begun: this year
        ("december", (D(2025, 12, 1), D(2025, 12, 31))),  # not begun: last year
        ("february 2028", (D(2028, 2, 1), D(2028, 2, 29))),
        ("march 2026", (D(2026, 3, 1), D(2026, 3, 31))),
        ("2025", (D(2025, 1, 1), D(2025, 12, 31))),
        ("since 2026-10-01", (D(2026, 10, 1), None)),
        ("from 2026-10-01", (D(2026, 10, 1), None)),
        ("after 2026-10-01", (D(2026, 10, 2), None)),
        ("until 2026-10-01", (None, D(2026, 10, 1))),
        ("up to 2026-10-01", (None, D(2026, 10, 1))),
        ("before 2026-10-01", (None, D(2026, 9, 30))),
        ("before 2028-03-01", (None, D(2028, 2, 29))),
        ("2026-10-01..2026-10-31", (D(2026, 10, 1), D(2026, 10, 31))),
        ("2026-10-01 .. 2026-10-31", (D(2026, 10, 1), D(2026, 10, 31))),
        ("from 2026-10-01 to 2026-10-31", (D(2026, 10, 1), D(2026, 10, 31))),
        ("from 1 oct to end of month", (D(2026, 10, 1), D(2026, 11, 30))),
        ("from yesterday to next friday", (D(2026, 11, 20), D(2026, 11, 27))),
        ("between oct 1 and oct 5", (D(2026, 10, 1), D(2026, 10, 5))),
        ("last 7 days", (D(2026, 11, 15), SAT)),
        ("past 30 days", (D(2026, 10, 23), SAT)),
        ("last 1 day", (SAT, SAT)),
        ("past week", (D(2026, 11, 15), SAT)),
        ("last two weeks", (D(2026, 11, 8), SAT)),
        ("next 7 days", (SAT, D(2026, 11, 27))),
        ("5 march", (D(2026, 3, 5), D(2026, 3, 5))),
        ("next friday", (D(2026, 11, 27), D(2026, 11, 27))),
        ("2026-11-21..2026-11-21", (SAT, SAT)),
    ],
)
def test_parse_range_reads_phrase(text: str, expected: tuple[date | None, date | None]) -> None:
    assert parse_range(text, SAT) == expected


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2027, 1, 3), (D(2026, 12, 21), D(2026, 12, 27))),  # Sunday: last week spans years
        (D(2027, 1, 4), (D(2026, 12, 28), D(2027, 1, 3))),
    ],
)
def test_last_week_across_year_boundary(today: date, expected: tuple[date, date]) -> None:
    assert parse_range("last week", today) == expected


@pytest.mark.parametrize(
    ("text", "understood", "reason"),
    [
        ("", "nothing", "nothing was typed"),
        ("2026-10-31..2026-10-01", "from Sat 31 Oct 2026 to Thu 1 Oct 2026", "start is after"),
        ("from tomorrow to yesterday", "from Sun 22 Nov 2026 to Fri 20 Nov 2026", "after the end"),
        ("since soon", 'since ..., then nothing from "soon"', "not a date phrase"),
        ("2026-10-01..03/04/2027", "a range from Thu 1 Oct 2026, then 3 April 2027 or", "order"),
        ("last 0 days", "last 0 day", "positive number"),
        ("last 3 fortnights", "last 3 fortnight", "positive number"),
        ("whenever", "nothing", "not a date phrase I know"),
    ],
)
def test_parse_range_rejects_with_what_was_understood(
    text: str, understood: str, reason: str
) -> None:
    with pytest.raises(DateParseError) as caught:
        parse_range(text, SAT)
    message = str(caught.value)
    assert f'can\'t read "{text}" as a date range' in message
    assert f"(understood: {understood}" in message
    assert reason in message
    assert '"last 7 days"' in message


# --- describe_date -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (SAT, "today"),
        (D(2026, 11, 22), "tomorrow"),
        (D(2026, 11, 20), "yesterday"),
        (D(2026, 11, 23), "in 2 days"),
        (D(2026, 12, 3), "in 12 days"),
        (D(2026, 11, 18), "3 days ago"),
        (D(2026, 12, 22), "in 31 days"),
        (D(2026, 12, 23), "Wed 23 Dec 2026"),
        (D(2026, 10, 21), "31 days ago"),
        (D(2026, 10, 20), "Tue 20 Oct 2026"),
        (D(2027, 3, 5), "Fri 5 Mar 2027"),
    ],
)
def test_describe_date_labels(day: date, label: str) -> None:
    assert describe_date(day, SAT) == label


def test_describe_date_far_dates_read_back() -> None:
    day = D(2027, 3, 5)
    assert parse_date(describe_date(day, SAT), SAT) == day


# --- cadences ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("every day", "every day"),
        ("daily", "every day"),
        ("Every  Day", "every day"),
        ("every 1 day", "every day"),
        ("every weekday", "every weekday"),
        ("weekdays", "every weekday"),
        ("mon tue wed thu fri", "every weekday"),
        ("weekends", "weekends"),
        ("sat, sun", "weekends"),
        ("mon,wed,fri", "every mon, wed, fri"),
        ("mon wed fri", "every mon, wed, fri"),
        ("monday, wednesday and friday", "every mon, wed, fri"),
        ("fri, mon, wed", "every mon, wed, fri"),
        ("every monday", "every monday"),
        ("mondays", "every monday"),
        ("weekly on tue", "every tuesday"),
        ("weekly on tuesdays and thursdays", "every tue, thu"),
        ("weekly", "once a week"),
        ("once a week", "once a week"),
        ("1 time a week", "once a week"),
        ("every 2 days", "every 2 days"),
        ("every other day", "every 2 days"),
        ("every three days", "every 3 days"),
        ("3 times a week", "3 times a week"),
        ("3x a week", "3 times a week"),
        ("3 x per week", "3 times a week"),
        ("three times a week", "3 times a week"),
        ("3 days a week", "3 times a week"),
        ("twice a week", "twice a week"),
        ("2 times a week", "twice a week"),
    ],
)
def test_parse_cadence_normalises(text: str, normalised: str) -> None:
    cadence = parse_cadence(text)
    assert cadence.text == normalised
    assert parse_cadence(cadence.text) == cadence  # the text is what to store
    assert Cadence(text) == cadence


@pytest.mark.parametrize(
    ("text", "understood", "reason"),
    [
        ("", "nothing", "nothing was typed"),
        ("sometimes", "nothing", '"sometimes" is not a weekday'),
        ("mon, funday", "Mon", '"funday" is not a weekday'),
        ("every fortnight", "nothing", '"fortnight" is not a weekday'),
        ("every 2 weeks", "every 2 week", 'only "every N days"'),
        ("every 0 days", "every 0 days", "at least 1"),
        ("8 times a week", "8 times a week", "a week has 7 days"),
        ("0 times a week", "0 times a week", "a week has 7 days"),
    ],
)
def test_parse_cadence_rejects_with_examples(text: str, understood: str, reason: str) -> None:
    with pytest.raises(DateParseError) as caught:
        parse_cadence(text)
    message = str(caught.value)
    assert f'can\'t read "{text}" as a cadence' in message
    assert f"(understood: {understood})" in message
    assert reason in message
    assert '"3 times a week"' in message


# Two weeks: Monday 2 Nov 2026 to Sunday 15 Nov 2026.
MON, SUN2 = D(2026, 11, 2), D(2026, 11, 15)


@pytest.mark.parametrize(
    ("text", "start", "end", "expected"),
    [
        (
            "every weekday",
            MON,
            SUN2,
            [D(2026, 11, d) for d in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13)],
        ),
        ("weekends", MON, SUN2, [D(2026, 11, d) for d in (7, 8, 14, 15)]),
        ("mon, wed, fri", MON, D(2026, 11, 9), [D(2026, 11, d) for d in (2, 4, 6, 9)]),
        ("every tuesday", D(2026, 11, 4), SUN2, [D(2026, 11, 10)]),
        ("every 2 days", D(2026, 11, 3), D(2026, 11, 10), [D(2026, 11, d) for d in (3, 5, 7, 9)]),
        ("every 3 days", MON, MON, [MON]),
        (
            "every day",
            D(2026, 12, 30),
            D(2027, 1, 2),
            [D(2026, 12, 30), D(2026, 12, 31), D(2027, 1, 1), D(2027, 1, 2)],
        ),
        ("every day", SUN2, MON, []),  # start after end
        ("3 times a week", MON, SUN2, []),  # no fixed days
    ],
)
def test_planned_days(text: str, start: date, end: date, expected: list[date]) -> None:
    assert parse_cadence(text).planned_days(start, end) == expected


def test_every_weekday_adherence_over_two_weeks() -> None:
    active = {D(2026, 11, d) for d in (2, 3, 7, 9, 10, 11, 12, 13)} | {D(2026, 10, 30)}
    result = parse_cadence("every weekday").adherence(active, MON, SUN2)
    assert result.planned == 10
    assert result.met == 7  # Sat 7th is not planned; 30 Oct is outside the window
    assert result.rate == pytest.approx(0.7)
    assert result.days[:3] == (
        (D(2026, 11, 2), True),
        (D(2026, 11, 3), True),
        (D(2026, 11, 4), False),
    )
    assert [d for d, met in result.days if not met] == [D(2026, 11, d) for d in (4, 5, 6)]


def test_every_n_days_is_met_by_activity_within_its_turn() -> None:
    # Planned on the 3rd, 5th, 7th and 9th; each turn is that day or the next.
    active = {D(2026, 11, 4), D(2026, 11, 7), D(2026, 11, 10)}
    result = parse_cadence("every 2 days").adherence(active, D(2026, 11, 3), D(2026, 11, 10))
    assert result.days == (
        (D(2026, 11, 3), True),
        (D(2026, 11, 5), False),
        (D(2026, 11, 7), True),
        (D(2026, 11, 9), True),
    )
    assert (result.planned, result.met) == (4, 3)


def test_times_a_week_counts_full_weeks_and_partial_weeks() -> None:
    # Thu 5 Nov to Wed 18 Nov 2026: 4 days of the first week, a full week, 3 days of the last.
    start, end = D(2026, 11, 5), D(2026, 11, 18)
    active = {
        D(2026, 11, 5),  # week 1 (quota min(3, 4) = 3): 1 active
        D(2026, 11, 9),
        D(2026, 11, 10),
        D(2026, 11, 11),
        D(2026, 11, 12),  # week 2: 4 active, 3 count
        D(2026, 11, 16),
        D(2026, 11, 17),
        D(2026, 11, 18),  # week 3 (quota 3): 3 active
        D(2026, 11, 2),
        D(2026, 11, 19),  # outside [start, end]
    }
    result = parse_cadence("3 times a week").adherence(active, start, end)
    assert result.planned == 3 + 3 + 3
    assert result.met == 1 + 3 + 3
    assert result.days == (
        (D(2026, 11, 2), False),  # each week's Monday, even before start
        (D(2026, 11, 9), True),
        (D(2026, 11, 16), True),
    )


def test_times_a_week_partial_week_quota_is_the_days_left() -> None:
    # Sat 21 to Sun 22 Nov: 2 days left, so "3 times a week" plans 2 occasions.
    result = parse_cadence("3x a week").adherence({SAT, D(2026, 11, 22)}, SAT, D(2026, 11, 22))
    assert (result.planned, result.met, result.rate) == (2, 2, 1.0)
    assert result.days == ((D(2026, 11, 16), True),)


def test_weekly_counts_once_per_week() -> None:
    result = parse_cadence("weekly").adherence({D(2026, 11, 3), D(2026, 11, 4)}, MON, SUN2)
    assert (result.planned, result.met) == (2, 1)
    assert result.days == ((MON, True), (D(2026, 11, 9), False))


def test_adherence_rate_is_none_when_nothing_is_planned() -> None:
    empty = parse_cadence("every monday").adherence(set(), D(2026, 11, 3), D(2026, 11, 8))
    assert empty == Adherence(planned=0, met=0, days=())
    assert empty.rate is None
    assert parse_cadence("twice a week").adherence(set(), SUN2, MON).rate is None
