"""Statistics on hand-built histories with known answers: heatmap days (rollover, time zones,
DST), true retention per period and deck, the due forecast, card states, distributions."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from conftest import NOW, ROOT
from mastery import stats
from mastery.cli import main
from mastery.collection import Collection
from mastery.days import to_ms, utcnow
from mastery.errors import NotFoundError
from mastery.scheduler import DEFAULT_PARAMETERS

TODAY = date(2026, 11, 21)  # NOW is 10:00 UTC; the learner's day began at 04:00 UTC
DAY_MS = 86_400_000


def deck_file(key: str, name: str, n: int) -> str:
    cards = "".join(
        f'\n[[cards]]\nid = "{key[0]}{i}"\nfront = "{name} {i}?"\nback = "{i}"\n'
        for i in range(1, n + 1)
    )
    return f'id = "{key}"\nname = "{name}"\n{cards}'


@pytest.fixture
def decks(col: Collection, write_deck) -> Collection:
    """Alpha (a1..a6), Beta (b1..b3) and Gamma (g1, never answered), all new."""
    col.import_files(
        [
            write_deck(deck_file("alpha", "Alpha", 6), "alpha.toml"),
            write_deck(deck_file("beta", "Beta", 3), "beta.toml"),
            write_deck(deck_file("gamma", "Gamma", 1), "gamma.toml"),
        ],
        now=NOW,
    )
    return col


def card_id(col: Collection, ref: str) -> int:
    return col.card(ref).id


def at(days_ago: int, hour: int = 12, minute: int = 0) -> datetime:
    """A moment on the learner's day `days_ago` days before today (UTC, rollover 04:00)."""
    day = TODAY - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def log(
    col: Collection,
    ref: str,
    moment: datetime,
    rating: int = 3,
    *,
    state_before: int = 2,
    kind: str = "review",
    duration_ms: int = 0,
    stability_before: float | None = 5.0,
) -> None:
    """One review-log row written directly, as an answer at `moment` would leave it."""
    ms = to_ms(moment)
    col.conn.execute(
        "INSERT INTO reviewlog (card_id, rating, reviewed_at, duration_ms, kind, state_before, "
        "state_after, due_after, stability_before, stability_after, difficulty_after, "
        "elapsed_days, scheduled_days, suspended_before) "
        "VALUES (?, ?, ?, ?, ?, ?, 2, ?, ?, 5.0, 5.0, 0, 0, 0)",
        (
            card_id(col, ref),
            rating,
            ms,
            duration_ms,
            kind,
            state_before,
            ms + DAY_MS,
            stability_before,
        ),
    )


def set_card(
    col: Collection,
    ref: str,
    *,
    state: int,
    due: datetime | None = None,
    stability: float | None = None,
    last_review: datetime | None = None,
    suspended: int = 0,
    buried_until: datetime | None = None,
) -> None:
    col.conn.execute(
        "UPDATE card SET state = ?, due = ?, stability = ?, difficulty = ?, last_review = ?, "
        "suspended = ?, buried_until = ? WHERE id = ?",
        (
            state,
            to_ms(due) if due else None,
            stability,
            5.0 if stability else None,
            to_ms(last_review) if last_review else None,
            suspended,
            to_ms(buried_until) if buried_until else None,
            card_id(col, ref),
        ),
    )


def rates(figure: stats.DeckRetention) -> dict[int, tuple[int, int]]:
    return {p.days: (p.passed, p.total) for p in figure.periods}


# ----------------------------------------------------------------------------- retention
def test_true_retention_per_period_and_deck_has_exact_fractions(decks: Collection) -> None:
    col = decks
    # Alpha: review-state answers spread over the periods (Again = 1).
    for days_ago, rating in [
        (1, 3),
        (2, 1),
        (6, 3),
        (7, 3),
        (20, 1),
        (29, 2),
        (30, 3),
        (89, 1),
        (200, 4),
        (364, 1),
        (365, 3),
    ]:
        log(col, "alpha/a1", at(days_ago), rating)
    # Not true retention: answers to new, learning and relearning cards, and cram answers.
    log(col, "alpha/a2", at(0), 1, state_before=0)
    log(col, "alpha/a2", at(0, 13), 1, state_before=1)
    log(col, "alpha/a3", at(0), 1, state_before=3)
    log(col, "alpha/a4", at(0), 1, kind="cram")
    # Beta: today, 3 and 100 days ago.
    log(col, "beta/b1", at(0, 9), 3)
    log(col, "beta/b2", at(3), 3)
    log(col, "beta/b3", at(100), 1)

    result = stats.insight(col, now=NOW)

    assert rates(result.retention) == {7: (4, 5), 30: (6, 8), 90: (7, 10), 365: (8, 13)}
    by_deck = {d.deck_key: d for d in result.deck_retention}
    assert list(by_deck) == ["alpha", "beta"]  # Gamma has no answers: no row
    assert rates(by_deck["alpha"]) == {7: (2, 3), 30: (4, 6), 90: (5, 8), 365: (6, 10)}
    assert rates(by_deck["beta"]) == {7: (2, 2), 30: (2, 2), 90: (2, 2), 365: (2, 3)}
    assert by_deck["alpha"].period(30).rate == pytest.approx(4 / 6)
    assert result.retention.period(365).rate == pytest.approx(8 / 13)


def test_retention_is_the_same_counted_a_few_decks_at_a_time(
    decks: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Profiles with thousands of decks are counted in several statements."""
    log(decks, "alpha/a1", at(1), 1)
    log(decks, "beta/b1", at(40), 3)
    log(decks, "gamma/g1", at(2), 3)
    whole = stats.insight(decks, now=NOW)
    monkeypatch.setattr(stats, "_DECKS_PER_QUERY", 1)
    assert stats.insight(decks, now=NOW) == whole
    assert rates(whole.retention) == {7: (1, 2), 30: (1, 2), 90: (2, 3), 365: (2, 3)}


def test_last_seven_days_start_at_the_rollover_six_days_ago(decks: Collection) -> None:
    start = datetime(2026, 11, 15, 4, 0, tzinfo=UTC)  # the learner's day 2026-11-15 begins
    log(decks, "alpha/a1", start, 3)
    log(decks, "alpha/a2", start - timedelta(milliseconds=1), 1)
    week, month = stats.insight(decks, now=NOW).retention.periods[:2]
    assert (week.passed, week.total) == (1, 1)
    assert (month.passed, month.total) == (1, 2)


def test_no_reviews_means_no_retention_not_zero(decks: Collection) -> None:
    log(decks, "alpha/a1", at(2), 1, state_before=0)  # a new card's first answer only
    result = stats.insight(decks, now=NOW)
    assert [p.rate for p in result.retention.periods] == [None, None, None, None]
    assert [p.total for p in result.retention.periods] == [0, 0, 0, 0]
    assert result.deck_retention == ()
    assert result.to_dict()["retention"]["overall"]["periods"][0] == {
        "days": 7,
        "passed": 0,
        "total": 0,
        "rate": None,
    }


# ----------------------------------------------------------------------------- days
def test_answer_at_0330_counts_for_the_day_before(decks: Collection) -> None:
    log(decks, "alpha/a1", at(1, 3, 30))  # 2026-11-20 03:30: still the learner's 19th
    log(decks, "alpha/a1", at(1, 4, 0))  # 04:00: the 20th
    heat = {d.day: d.reviews for d in stats.insight(decks, now=NOW).heatmap}
    assert heat[date(2026, 11, 19)] == 1
    assert heat[date(2026, 11, 20)] == 1


def test_days_follow_the_learners_time_zone_and_dst(decks: Collection) -> None:
    decks.set_setting("timezone", "America/New_York")
    # 2026-11-20 03:30 EST (08:30 UTC) is before the 04:00 rollover: the 19th.
    log(decks, "alpha/a1", datetime(2026, 11, 20, 8, 30, tzinfo=UTC))
    # 2026-10-31 08:30 UTC is 04:30 EDT (summer time): the 31st, though at today's offset
    # (EST, UTC-5) it would read 03:30 and fall on the 30th.
    log(decks, "alpha/a1", datetime(2026, 10, 31, 8, 30, tzinfo=UTC))
    heat = {d.day: d.reviews for d in stats.insight(decks, now=NOW).heatmap}
    assert heat[date(2026, 11, 19)] == 1 and heat[date(2026, 11, 20)] == 0
    assert heat[date(2026, 10, 31)] == 1 and heat[date(2026, 10, 30)] == 0


@pytest.mark.parametrize("zone", ["Europe/Paris", "Asia/Kathmandu", "Australia/Lord_Howe"])
def test_heatmap_days_agree_with_the_day_clock_all_year(decks: Collection, zone: str) -> None:
    """Answers every 7h13m for 400 days land on the day DayClock gives them (DST changes,
    a +05:45 zone and a half-hour DST shift included)."""
    decks.set_setting("timezone", zone)
    clock = decks.clock
    moments = []
    moment = NOW - timedelta(days=400)
    while moment < NOW:
        moments.append(moment)
        log(decks, "alpha/a1", moment)
        moment += timedelta(hours=7, minutes=13)
    expected = Counter(clock.day_of(m) for m in moments)
    result = stats.insight(decks, now=NOW)
    assert len(result.heatmap) == 365
    assert result.heatmap[-1].day == clock.day_of(NOW)
    assert {d.day: d.reviews for d in result.heatmap} == {
        d.day: expected.get(d.day, 0) for d in result.heatmap
    }


def test_reviews_and_minutes_per_day_split_by_state_before(decks: Collection) -> None:
    log(decks, "alpha/a1", at(0), state_before=0, duration_ms=30_000)  # learning
    log(decks, "alpha/a2", at(0), stability_before=5.0, duration_ms=60_000)  # young
    log(decks, "alpha/a3", at(0), stability_before=21.0, duration_ms=90_000)  # mature
    log(decks, "alpha/a4", at(0), state_before=3, duration_ms=30_000)  # relearning
    log(decks, "alpha/a5", at(0), kind="cram", duration_ms=60_000)  # cram counts too
    log(decks, "alpha/a1", at(2), duration_ms=6_000)
    result = stats.insight(decks, now=NOW)
    assert len(result.activity) == 30
    today, two_ago = result.activity[-1], result.activity[-3]
    assert today.day == TODAY and two_ago.day == TODAY - timedelta(days=2)
    assert (today.reviews, today.learning, today.young, today.mature, today.relearning) == (
        5,
        1,
        2,
        1,
        1,
    )
    assert today.minutes == 4.5
    assert (two_ago.reviews, two_ago.to_dict()["minutes"]) == (1, 0.1)
    assert result.heatmap[-1].reviews == 5  # the heatmap counts cram answers too


# ----------------------------------------------------------------------------- forecast
def test_forecast_counts_overdue_today_and_skips_suspended(decks: Collection) -> None:
    col = decks
    set_card(col, "alpha/a1", state=2, due=at(3), stability=5)  # overdue: today
    set_card(col, "alpha/a2", state=1, due=at(0, 20), stability=1)  # learning later today
    set_card(col, "alpha/a3", state=2, due=datetime(2026, 11, 22, 3, tzinfo=UTC), stability=5)
    set_card(col, "alpha/a4", state=2, due=datetime(2026, 11, 22, 5, tzinfo=UTC), stability=5)
    set_card(col, "alpha/a5", state=2, due=at(-5), stability=5)
    set_card(col, "alpha/a6", state=2, due=at(-40), stability=5)  # beyond 30 days
    set_card(col, "beta/b1", state=2, due=at(0), stability=5, suspended=1)
    set_card(
        col,
        "beta/b2",
        state=2,
        due=at(0),
        stability=5,
        buried_until=datetime(2026, 11, 22, 4, tzinfo=UTC),
    )  # back tomorrow
    set_card(col, "beta/b3", state=3, due=at(-2), stability=2)  # relearning
    forecast = stats.insight(col, now=NOW).forecast
    assert len(forecast) == 30 and forecast[0].day == TODAY
    got = {n: (f.learning, f.review) for n, f in enumerate(forecast) if f.total}
    assert got == {0: (1, 2), 1: (0, 2), 2: (1, 0), 5: (0, 1)}


# ----------------------------------------------------------------------------- cards
def test_card_states_split_young_and_mature_at_21_days(decks: Collection) -> None:
    col = decks
    set_card(col, "alpha/a1", state=2, due=at(-3), stability=20.99)  # young
    set_card(col, "alpha/a2", state=2, due=at(-3), stability=21.0)  # mature
    set_card(col, "alpha/a3", state=2, due=at(-3), stability=100.0)  # mature
    set_card(col, "alpha/a4", state=1, due=at(0), stability=1.0)  # learning
    set_card(col, "alpha/a5", state=3, due=at(0), stability=3.0)  # relearning
    set_card(col, "alpha/a6", state=2, due=at(-3), stability=50.0, suspended=1)
    set_card(col, "beta/b1", state=0, suspended=1)  # a suspended new card
    # beta/b2, beta/b3, gamma/g1 stay new
    cards = stats.insight(col, now=NOW).cards
    assert (cards.new, cards.learning, cards.young, cards.mature, cards.suspended) == (
        3,
        2,
        1,
        2,
        2,
    )
    assert cards.total == 10
    assert stats.insight(col, now=NOW, deck_key="beta").cards.to_dict() == {
        "new": 2,
        "learning": 0,
        "young": 0,
        "mature": 0,
        "suspended": 1,
        "total": 3,
    }


def test_stability_buckets(decks: Collection) -> None:
    col = decks
    for ref, stability in [
        ("alpha/a1", 0.5),
        ("alpha/a2", 1.0),
        ("alpha/a3", 2.9),
        ("alpha/a4", 3.0),
        ("alpha/a5", 13.9),
        ("alpha/a6", 14.0),
        ("beta/b1", 365.0),
        ("beta/b2", 1000.0),
    ]:
        set_card(col, ref, state=2, due=at(-1), stability=stability, last_review=at(1))
    set_card(
        col, "beta/b3", state=2, due=at(-1), stability=50.0, last_review=at(1), suspended=1
    )  # suspended: not in the distribution
    buckets = {b.label: b.count for b in stats.insight(col, now=NOW).stability}
    assert buckets == {
        "<1d": 1,
        "1-3d": 2,
        "3-7d": 1,
        "7-14d": 1,
        "14-30d": 1,
        "30-90d": 0,
        "90-180d": 0,
        "180-365d": 0,
        "1y+": 2,
    }


CASES = [  # (ref, stability, days since the last review)
    ("alpha/a1", 10.0, 1),
    ("alpha/a2", 10.0, 30),
    ("alpha/a3", 10.0, 100),
    ("alpha/a4", 1.0, 50),
    ("alpha/a5", 100.0, 5),
    ("alpha/a6", 2.0, 40),
]


def test_retrievability_buckets_follow_the_fsrs6_curve(decks: Collection) -> None:
    for ref, stability, elapsed in CASES:
        set_card(
            decks,
            ref,
            state=2,
            due=at(-1),
            stability=stability,
            last_review=NOW - timedelta(days=elapsed),
        )
    buckets = {b.label: b.count for b in stats.insight(decks, now=NOW).retrievability}
    # R with the default weights: 0.986, 0.809, 0.693, 0.547, 0.993, 0.627
    assert buckets == {
        "0-10%": 0,
        "10-20%": 0,
        "20-30%": 0,
        "30-40%": 0,
        "40-50%": 0,
        "50-60%": 1,
        "60-70%": 2,
        "70-80%": 0,
        "80-90%": 1,
        "90-100%": 2,
    }


def test_retrievability_uses_each_decks_own_weights(decks: Collection) -> None:
    own = list(DEFAULT_PARAMETERS)
    own[20] = 0.8  # a steeper forgetting curve for Alpha only
    decks.set_fsrs_parameters(own, deck_key="alpha")
    for ref, stability, elapsed in CASES:
        set_card(
            decks,
            ref,
            state=2,
            due=at(-1),
            stability=stability,
            last_review=NOW - timedelta(days=elapsed),
        )
    set_card(
        decks, "beta/b1", state=2, due=at(-1), stability=1.0, last_review=NOW - timedelta(days=50)
    )  # profile weights: R 0.547
    expected = Counter(min(9, int(10 * stats.retrievability(s, t, own))) for _, s, t in CASES)
    expected[5] += 1
    got = [b.count for b in stats.insight(decks, now=NOW).retrievability]
    assert got == [expected.get(i, 0) for i in range(10)]
    assert got[1] == 1  # Alpha's (S=1, 50 days) is now 19%, not 55%


def test_empty_profile_has_empty_figures(col: Collection) -> None:
    result = stats.insight(col, now=NOW)
    assert not result.reviewed
    assert len(result.heatmap) == 365 and not any(d.reviews for d in result.heatmap)
    assert len(result.activity) == 30 and not any(d.reviews for d in result.activity)
    assert [p.rate for p in result.retention.periods] == [None] * 4
    assert len(result.forecast) == 30 and not any(f.total for f in result.forecast)
    assert result.cards.total == 0
    assert sum(b.count for b in result.stability + result.retrievability) == 0


def test_one_deck_limits_every_figure(decks: Collection) -> None:
    log(decks, "alpha/a1", at(1), 1)
    log(decks, "beta/b1", at(1), 3)
    log(decks, "beta/b1", at(0), 3, kind="cram")
    set_card(decks, "alpha/a1", state=2, due=at(0), stability=5)
    set_card(decks, "beta/b1", state=2, due=at(-1), stability=30)
    beta = stats.insight(decks, now=NOW, deck_key="beta")
    assert (beta.deck_key, beta.deck_name) == ("beta", "Beta")
    assert rates(beta.retention)[7] == (1, 1)
    assert [d.deck_key for d in beta.deck_retention] == ["beta"]
    assert sum(d.reviews for d in beta.heatmap) == 2
    assert [(f.day, f.review) for f in beta.forecast if f.total] == [(TODAY + timedelta(days=1), 1)]
    assert (beta.cards.mature, beta.cards.young) == (1, 0)
    everything = stats.insight(decks, now=NOW)
    assert rates(everything.retention)[7] == (1, 2)
    assert sum(d.reviews for d in everything.heatmap) == 3
    with pytest.raises(NotFoundError, match="no deck 'nope'"):
        stats.insight(decks, now=NOW, deck_key="nope")


def test_answers_through_the_collection_count(decks: Collection) -> None:
    """The real answer path (and its trigger-filled deck) feeds the same figures."""
    card = card_id(decks, "alpha/a1")
    decks.answer(card, 3, now=at(5), duration_ms=4000)  # new -> learning
    decks.answer(card, 3, now=at(5, 12, 10), duration_ms=4000)  # learning -> review
    decks.answer(card, 1, now=at(1), duration_ms=4000)  # review: Again
    result = stats.insight(decks, now=NOW)
    assert rates(result.retention)[7] == (0, 1)
    assert [d.deck_key for d in result.deck_retention] == ["alpha"]
    assert sum(d.reviews for d in result.heatmap) == 3
    assert result.cards.learning == 1  # relearning after the lapse


def test_percent_reads_short_and_says_when_there_is_nothing() -> None:
    assert stats.percent(stats.Retention(7, 46, 50)) == "92% 46/50"
    assert stats.percent(stats.Retention(365, 895_281, 995_246)) == "90% 895k/995k"
    assert stats.percent(stats.Retention(365, 0, 0)) == "—"
    assert stats.sparkline([0, 4, 8]) == "▁▅█" and stats.sparkline([0, 0]) == "▁▁"


def test_to_dict_is_json_with_every_figure(decks: Collection) -> None:
    log(decks, "alpha/a1", at(1), 3)
    data = json.loads(json.dumps(stats.insight(decks, now=NOW).to_dict()))
    assert set(data) == {
        "deck",
        "today",
        "heatmap",
        "reviews_per_day",
        "retention",
        "forecast",
        "card_states",
        "stability",
        "retrievability",
    }
    assert data["today"] == "2026-11-21" and data["deck"] is None
    assert data["heatmap"][-2] == {"day": "2026-11-20", "reviews": 1}
    assert data["retention"]["decks"][0]["periods"][0] == {
        "days": 7,
        "passed": 1,
        "total": 1,
        "rate": 1.0,
    }
    assert data["stability"][0] == {"label": "<1d", "cards": 0}


# ----------------------------------------------------------------------------- schema
def test_logs_carry_their_cards_deck_whoever_writes_them(decks: Collection) -> None:
    log(decks, "beta/b2", at(1))  # inserted without deck_id: the trigger fills it
    deck_of = dict(decks.conn.execute("SELECT key, id FROM deck"))
    assert [row["deck_id"] for row in decks.conn.execute("SELECT deck_id FROM reviewlog")] == [
        deck_of["beta"]
    ]


def test_older_profile_gets_decks_on_its_logs(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "v2.db"
    conn = sqlite3.connect(path)
    conn.executescript((ROOT / "tests" / "data" / "profile_v2.sql").read_text("utf-8"))
    conn.close()
    with Collection.open_path(path) as col:
        rows = col.conn.execute(
            "SELECT r.deck_id, c.deck_id FROM reviewlog r JOIN card c ON c.id = r.card_id"
        ).fetchall()
        assert rows and all(mine == theirs for mine, theirs in rows)
        assert stats.insight(col, now=NOW).cards.total > 0


# ----------------------------------------------------------------------------- CLI
def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--no-bundled-decks", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli_profile(write_deck) -> None:
    """The CLI's default profile with Alpha and Beta and answers two days ago (the CLI runs
    on the wall clock, so the history is placed relative to it)."""
    with Collection.open(bundled=False) as col:
        col.import_files(
            [
                write_deck(deck_file("alpha", "Alpha", 2), "alpha.toml"),
                write_deck(deck_file("beta", "Beta", 2), "beta.toml"),
            ]
        )
        moment = utcnow() - timedelta(days=2)
        log(col, "alpha/a1", moment, 3)
        log(col, "alpha/a2", moment, 1)
        log(col, "beta/b1", moment, 3)


def test_cli_stats_json_keeps_old_keys_and_adds_the_figures(capsys, cli_profile) -> None:
    code, out, _ = run(capsys, "stats", "--json")
    data = json.loads(out)
    assert code == 0
    assert {"reviews_today", "reviews_total", "streak_days", "cards", "due_today"} <= set(data)
    assert {
        "heatmap",
        "reviews_per_day",
        "retention",
        "forecast",
        "card_states",
        "stability",
        "retrievability",
    } <= set(data)
    week = data["retention"]["overall"]["periods"][0]
    assert (week["days"], week["passed"], week["total"]) == (7, 2, 3)
    assert [d["deck"] for d in data["retention"]["decks"]] == ["alpha", "beta"]
    assert len(data["heatmap"]) == 365 and sum(d["reviews"] for d in data["heatmap"]) == 3


def test_cli_stats_for_one_deck(capsys, cli_profile) -> None:
    code, out, _ = run(capsys, "stats", "--json", "--deck", "alpha")
    data = json.loads(out)
    assert code == 0 and data["deck"] == "alpha"
    assert data["retention"]["overall"]["periods"][0]["total"] == 2
    assert sum(d["reviews"] for d in data["heatmap"]) == 2
    code, out, _ = run(capsys, "stats", "--deck", "beta")
    assert code == 0 and "Statistics: Beta" in out
    assert len(re.findall(r"^  Beta +100% 1/1", out, re.MULTILINE)) == 1 and "Alpha" not in out
    code, _, err = run(capsys, "stats", "--deck", "nope")
    assert code == 2 and err.strip() == "mastery: error: no deck 'nope'; see `mastery decks`"


def test_cli_stats_prints_the_figures(capsys, cli_profile) -> None:
    code, out, _ = run(capsys, "stats")
    assert code == 0
    assert "Reviews today:" in out  # the old summary stays
    assert "True retention" in out and "67% 2/3" in out
    assert "Due in the next 30 days" in out
    assert "Stability" in out and "Retrievability" in out


def test_cli_stats_on_an_empty_profile_says_what_will_appear(capsys) -> None:
    code, out, _ = run(capsys, "stats")
    assert code == 0
    assert "True retention" in out and "-" in out
    assert "No reviews yet" in out
