"""Rules that must hold for every input, checked with Hypothesis: date phrases, the deck and
journal round trips, and the scheduler's interval invariants.

Examples are kept modest (`max_examples` 100-200, no deadline) so the file stays fast on the
shared CI machine; Hypothesis's database remembers any failure found, so it is retried first.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mastery.collection import Collection
from mastery.dates import DateParseError, describe_date, parse_cadence, parse_date, parse_range
from mastery.days import DayClock
from mastery.decks.format import dump_deck, parse_toml_deck
from mastery.decks.spec import CardSpec, DeckSpec, merge_tags
from mastery.errors import MasteryError
from mastery.journal import ImportSummary
from mastery.limits import MAX_DATE, MIN_DATE
from mastery.scheduler import (
    EASY,
    GOOD,
    HARD,
    NEW,
    RATINGS,
    REVIEW,
    Memory,
    Scheduler,
    SchedulerConfig,
)

FAST = settings(max_examples=150, deadline=None)
SLOW = settings(max_examples=100, deadline=None)  # examples that parse or write whole files
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)

# Any character a UTF-8 file can hold (lone surrogates cannot be encoded).
CHARS = st.characters(codec="utf-8")
TEXT = st.text(CHARS, max_size=60)
# Dates Mastery reads go from 1970 to 9998 (mastery.limits); a learner's today lies inside.
TODAY = st.dates(min_value=MIN_DATE, max_value=date(2200, 12, 31))

# ----------------------------------------------------------------------------- date phrases

# Words the phrase parsers know, mixed with numbers and noise, so examples reach deep branches.
_WORDS = """
today tomorrow yesterday now in ago from to until till through before after since between and
next this last past current previous start beginning end of the on day days week weeks month
months year years quarter a an one two twelve monday fri sat weds march mar sept december every
each daily weekly weekday weekdays weekends once twice times x per other .. , / - :
""".split()  # noqa: SIM905 (a word list reads better as text)
_TOKEN = st.one_of(
    st.sampled_from(_WORDS),
    st.integers(min_value=0, max_value=10**12).map(str),
    st.integers(min_value=1, max_value=31).map(str),
    st.integers(min_value=1, max_value=9999).map(lambda y: f"{y:04d}"),
    st.text(CHARS, min_size=1, max_size=4),
)
PHRASE = st.one_of(
    st.lists(_TOKEN, min_size=1, max_size=6).map(" ".join),
    st.builds(lambda *parts: "-".join(parts), *[st.integers(0, 10**5).map(str)] * 3),
    TEXT,
)


@FAST
@given(PHRASE, TODAY)
def test_date_phrases_give_a_date_or_a_date_parse_error(text: str, today: date) -> None:
    """Whatever is typed, the parsers answer or raise their one typed error (which the CLI and
    TUI show as one line); a range never ends before it starts."""
    try:
        day = parse_date(text, today)
    except DateParseError:
        pass
    else:
        assert type(day) is date
    try:
        start, end = parse_range(text, today)
    except DateParseError:
        pass
    else:
        assert start is None or end is None or start <= end
    try:
        cadence = parse_cadence(text)
    except DateParseError:
        pass
    else:
        again = parse_cadence(cadence.text)  # `text` is what goals store
        assert (again.text, again.weekdays, again.interval, again.per_week) == (
            cadence.text,
            cadence.weekdays,
            cadence.interval,
            cadence.per_week,
        )


@FAST
@given(TODAY, st.integers(0, 400), st.integers(0, 400), st.sampled_from(("day", "week", "month")))
def test_relative_dates_are_ordered_around_today(today: date, a: int, b: int, unit: str) -> None:
    """'N units ago' <= today <= 'in N units', and more units reach further either way."""
    a, b = min(a, b), max(a, b)
    try:
        back_a, back_b = (parse_date(f"{n} {unit}s ago", today) for n in (a, b))
        ahead_a, ahead_b = (parse_date(f"in {n} {unit}s", today) for n in (a, b))
    except DateParseError as exc:  # only outside the years Mastery reads (1970..9998)
        assert "too far away" in str(exc) or "dates go from" in str(exc)
        return
    assert back_b <= back_a <= today <= ahead_a <= ahead_b
    if unit == "day":
        assert (ahead_a - today).days == a and (today - back_b).days == b


@FAST
@given(TODAY, st.integers(-2000, 2000))
def test_described_dates_read_back_as_the_same_day(today: date, offset: int) -> None:
    """Every label `describe_date` shows ("in 12 days", "Fri 5 Mar 2027") is a phrase the
    learner can type back."""
    day = today + timedelta(days=offset)
    if not MIN_DATE <= day <= MAX_DATE:
        return  # refused in one line, as test_relative_dates_are_ordered_around_today checks
    assert parse_date(describe_date(day, today), today) == day


@FAST
@given(TODAY, st.sampled_from(("week", "month", "quarter", "year")), st.integers(1, 60))
def test_calendar_spans_and_trailing_windows_contain_what_they_name(
    today: date, unit: str, n: int
) -> None:
    """'this <unit>' contains today and sits between 'last' and 'next'; 'last N days' ends
    today and 'next N days' starts today, N days long."""
    start, end = parse_range(f"this {unit}", today)
    assert start is not None and end is not None and start <= today <= end
    last_start, last_end = parse_range(f"last {unit}", today)
    next_start, next_end = parse_range(f"next {unit}", today)
    assert last_end == start - timedelta(days=1) and next_start == end + timedelta(days=1)
    assert last_start is not None and next_end is not None
    assert parse_range(f"last {n} days", today) == (today - timedelta(days=n - 1), today)
    assert parse_range(f"next {n} days", today) == (today, today + timedelta(days=n - 1))


# ----------------------------------------------------------------------------- deck TOML

_DECK_ID = st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True)
_CARD_ID = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,20}", fullmatch=True)
# Tags are one word: no whitespace (as str.split sees it) anywhere.
_TAG = st.text(CHARS, min_size=1, max_size=12).filter(
    lambda t: len(t.split()) == 1 and t.strip() == t
)
# Sides keep quotes, backslashes, brackets, newlines and control characters; the reader strips
# them, and a front with "{{" would be a cloze note (its own round trip below).
_SIDE = st.text(CHARS, min_size=1, max_size=80).filter(lambda t: t.strip() and "{{" not in t)
_META = st.text(CHARS, max_size=40)


@st.composite
def decks(draw: st.DrawFn) -> tuple[DeckSpec, DeckSpec]:
    """(a deck as a program might hold it, the same deck as reading its file gives it)."""
    key = draw(_DECK_ID)
    name = draw(_META.filter(str.strip))
    description, version = draw(_META), draw(_META)
    deck_tags = tuple(draw(st.lists(_TAG, max_size=3, unique=True)))
    ids = draw(st.lists(_CARD_ID, min_size=1, max_size=6, unique=True))
    raw: list[tuple[str, str, str, tuple[str, ...]]] = []
    for card_id in ids:
        own = draw(st.lists(_TAG, max_size=3, unique=True))
        raw.append((card_id, draw(_SIDE), draw(_SIDE), merge_tags(deck_tags, own)))

    def spec(clean: bool) -> DeckSpec:
        def c(text: str) -> str:
            return text.strip() if clean else text

        cards = tuple(
            CardSpec(cid, f"{key}/{cid}", c(front), c(back), tags, i)
            for i, (cid, front, back, tags) in enumerate(raw)
        )
        return DeckSpec(key, c(name), c(description), c(version), deck_tags, cards, "deck.toml")

    return spec(False), spec(True)


@SLOW
@given(decks())
def test_deck_files_read_back_as_the_deck_written(deck: tuple[DeckSpec, DeckSpec]) -> None:
    """`dump_deck` then `parse_toml_deck` gives the same cards, ids, tags and text (as the
    reader normalises it: sides and metadata stripped of outer whitespace)."""
    written, expected = deck
    text = dump_deck(written)
    assert parse_toml_deck(text, "deck.toml") == expected
    assert parse_toml_deck(dump_deck(expected), "deck.toml") == expected


_CLOZE_TEXT = st.text(CHARS, max_size=20).filter(lambda t: "{" not in t and "}" not in t)


@st.composite
def cloze_fronts(draw: st.DrawFn) -> str:
    """A front with one or more clozes ({{cN::answer}} / {{cN::answer::hint}}) between text."""
    parts = [draw(_CLOZE_TEXT)]
    for _ in range(draw(st.integers(1, 4))):
        n = draw(st.integers(1, 3))
        # Hints may hold "]" and answers "*" ("**kwargs"): both once broke the rebuild.
        # An answer ending in ":" (once trimmed) runs into the "::" of a hint: "{{c1:::::0}}" is
        # refused in one line as an empty answer, which is right, but not this property's case.
        answer = draw(
            _CLOZE_TEXT.filter(
                lambda t: t.strip() and "::" not in t and not t.rstrip().endswith(":")
            )
        )
        hint = draw(st.none() | _CLOZE_TEXT.filter(lambda t: "::" not in t))
        parts.append(f"{{{{c{n}::{answer}{'' if hint is None else '::' + hint}}}}}")
        parts.append(draw(_CLOZE_TEXT))
    return "".join(parts)


@SLOW
@given(_CARD_ID, cloze_fronts(), _META)
# A hint holding "][" rendered as "[][]": read as an empty hint and a second cloze, the note
# could not be rebuilt and went out as a plain card under another key (Hypothesis found it).
@example("n", "{{c1::0::][}}", "")
@example("n", "a{{c1::b::][}}c{{c2::d::]]}}e", "")
def test_cloze_notes_read_back_as_the_same_cards(note: str, front: str, extra: str) -> None:
    """A cloze note's cards, written back by `dump_deck` (which rebuilds the note from the
    rendered cards), read as the same cards."""
    text = (
        'id = "d"\nname = "D"\n\n[[cards]]\n'
        f"id = {_toml(note)}\nfront = {_toml(front)}\nback = {_toml(extra)}\n"
    )
    first = parse_toml_deck(text, "deck.toml")
    assert parse_toml_deck(dump_deck(first), "deck.toml") == first


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


# ----------------------------------------------------------------------------- journal

_BODY = st.text(CHARS, min_size=1, max_size=200).filter(lambda t: t.strip())
_TITLE = st.text(CHARS, max_size=40)
_JOURNAL_TAG = st.text(CHARS, min_size=1, max_size=10)
# Goal titles with the characters that Markdown front matter has to quote.
GOAL_TITLES = ('Speak "German"', "[x], y: z", "#1 - café ✓", "back\\slash")


@pytest.fixture(scope="module")
def journal_profile() -> Iterator[Collection]:
    """One profile for every example (each adds its own entry), with goals to link to."""
    with tempfile.TemporaryDirectory() as home:
        col = Collection.open(home=home, bundled=False, now=NOW)
        col.set_setting("timezone", "UTC")  # so NOW's day is today wherever the tests run
        for goal in GOAL_TITLES:
            col.goals.add(goal, now=NOW)
        yield col
        col.close()


@SLOW
@given(
    body=_BODY,
    title=_TITLE,
    tags=st.lists(_JOURNAL_TAG, max_size=4),
    goals=st.lists(st.sampled_from(GOAL_TITLES), max_size=2, unique=True),
    prompt=st.sampled_from((None, "daily")),
    visibility=st.sampled_from(("private", "shared")),
    age=st.integers(0, 3000),
)
def test_journal_entries_read_back_from_markdown_unchanged(
    journal_profile: Collection,
    body: str,
    title: str,
    tags: list[str],
    goals: list[str],
    prompt: str | None,
    visibility: str,
    age: int,
) -> None:
    """An entry exported to Markdown (one file for many, or one file each) and imported again
    is the same entry: importing it changes nothing."""
    col = journal_profile
    day = NOW.date() - timedelta(days=age)
    try:
        entry = col.journal.add(
            body,
            day=day,
            title=title,
            tags=tags,
            goals=goals,
            prompt=prompt,
            visibility=visibility,
            now=NOW,
        )
    except MasteryError as exc:  # a body that is only the prompt's questions is refused
        assert "the entry is empty" in str(exc)
        return
    text = col.journal.export_markdown([entry])
    assert col.journal.import_markdown(text, now=NOW) == ImportSummary(unchanged=1)
    with tempfile.TemporaryDirectory() as folder:
        col.journal.export_files(folder, [entry])
        assert col.journal.import_markdown(Path(folder), now=NOW) == ImportSummary(unchanged=1)
    assert col.journal.get(entry.uid) == entry


# ----------------------------------------------------------------------------- scheduler

_STEPS = st.lists(st.integers(1, 3 * 86_400), max_size=3).map(
    lambda secs: tuple(timedelta(seconds=s) for s in sorted(secs))
)
CONFIGS = st.builds(
    SchedulerConfig,
    desired_retention=st.floats(0.70, 0.99),
    learning_steps=_STEPS,
    relearning_steps=_STEPS,
    maximum_interval=st.one_of(st.integers(1, 10), st.integers(1, 36_500), st.just(36_500)),
    enable_fuzz=st.booleans(),
)
CLOCKS = st.builds(
    DayClock,
    zone=st.sampled_from((UTC, ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"))),
    rollover_hour=st.integers(0, 23),
)
# Gaps between answers: same minute, hours, days, years.
GAPS = st.one_of(
    st.integers(0, 3600), st.integers(0, 3 * 86_400), st.integers(0, 5 * 365 * 86_400)
).map(lambda s: timedelta(seconds=s))
HISTORIES = st.lists(st.tuples(st.sampled_from(RATINGS), GAPS), max_size=12)


@settings(max_examples=200, deadline=None)
@given(CONFIGS, CLOCKS, HISTORIES, GAPS, st.integers(0, 2**31))
def test_scheduler_outcomes_keep_their_invariants(
    config: SchedulerConfig,
    clock: DayClock,
    history: list[tuple[int, timedelta]],
    gap: timedelta,
    seed: int,
) -> None:
    """For any card a history of answers can reach, answered any time later: every outcome is
    due after now with 0 < stability and 1 <= difficulty <= 10; for a review card Hard is at
    least a day, Good beyond Hard and Easy beyond Good (unless the maximum interval caps
    them), and the review intervals are whole learner's days."""
    scheduler = Scheduler(config, clock)
    now = datetime(2020, 1, 1, 12, tzinfo=UTC)
    memory = Memory(state=NEW)
    for rating, wait in history:
        now += wait
        memory = scheduler.answer(memory, rating, now, seed + memory.reps).memory
    now += gap
    outcomes = scheduler.outcomes(memory, now, seed)
    assert sorted(outcomes) == list(RATINGS)
    for outcome in outcomes.values():
        after = outcome.memory
        assert after.due is not None and after.due > now
        assert after.due - now == outcome.interval
        assert after.stability is not None and after.stability > 0
        assert after.difficulty is not None and 1 <= after.difficulty <= 10
        assert after.last_review == now and after.reps == memory.reps + 1
        if outcome.scheduled_days:
            assert after.state == REVIEW
            assert 1 <= outcome.scheduled_days <= config.maximum_interval
            assert clock.day_of(after.due) == clock.day_of(now) + timedelta(
                days=outcome.scheduled_days
            )
    if memory.state == REVIEW:
        hard, good, easy = (outcomes[r].scheduled_days for r in (HARD, GOOD, EASY))
        cap = config.maximum_interval
        assert 1 <= hard <= good <= easy <= cap
        assert good > hard or good == cap
        assert easy > good or easy == cap
