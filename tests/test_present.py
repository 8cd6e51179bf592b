"""present.py: one way to say "in N days", counts, percents, bars and tables, and the due-in
figure agreeing on every surface that shows it (buttons, done screen, dashboard, card info,
browser, `mastery card show` and `mastery stats`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from test_tui_helpers import SIZE, add_deck, screen_text
from textual.widgets import DataTable

from mastery import present
from mastery.cli import main
from mastery.days import DayClock, to_ms
from mastery.tui.app import MasteryApp
from mastery.tui.screens.browser import BrowserScreen
from mastery.tui.screens.card_info import CardInfoScreen
from mastery.tui.screens.dashboard import DashboardScreen
from mastery.tui.screens.done import DoneScreen

CLOCK = DayClock(UTC, 4)
# 21:00 on Saturday: the learner's day ends at 04:00, seven hours later.
EVENING = datetime(2026, 11, 21, 21, 0, tzinfo=UTC)


def test_due_in_counts_learner_days_not_24_hour_spans() -> None:
    due = CLOCK.day_start(CLOCK.day_of(EVENING) + timedelta(days=7))  # 04:00, 6d 7h away
    assert (due - EVENING) < timedelta(days=6.5)  # the wall clock would say "in 6d"
    assert present.due_in(due, EVENING, CLOCK) == "in 7d"
    assert present.due_cell(due, EVENING, CLOCK) == "in 7d"
    assert present.days_ahead(due, EVENING, CLOCK) == 7
    assert present.due_in(EVENING + timedelta(hours=6), EVENING, CLOCK) == "in 6h"  # 03:00
    assert present.due_in(EVENING + timedelta(hours=8), EVENING, CLOCK) == "in 1d"  # 05:00
    assert present.due_in(EVENING - timedelta(hours=1), EVENING, CLOCK) == "now"
    late = EVENING.replace(day=22, hour=3, minute=55)  # a learning step over the rollover
    assert present.due_in(late + timedelta(minutes=10), late, CLOCK) == "in 10m"


def test_counts_percents_and_signs_read_one_way() -> None:
    assert present.plural(1, "card") == "1 card"
    assert present.plural(2, "card") == "2 cards"
    assert present.plural(0, "entry", "entries") == "0 entries"
    assert present.plural(1234, "answer") == "1,234 answers"
    assert present.percent(0.456) == "46%" and present.percent(1.0) == "100%"
    assert present.percent(None) == "—" and present.signed(None) == "—"
    assert present.signed(3) == "+3" and present.signed(-2) == "-2"
    assert present.short_count(895_281) == "895k" and present.short_count(950) == "950"


def test_intervals_keep_the_button_form() -> None:
    assert present.interval(timedelta(minutes=10)) == "10m"
    assert present.interval(timedelta(days=3)) == "3d"
    assert present.interval(timedelta(days=63)) == "2.1mo"
    assert present.interval(timedelta(days=438)) == "1.2y"


def test_bars_spark_and_tables() -> None:
    assert present.bar(0.5, 10) == "█████░░░░░"
    assert present.bar(0.3125, 4, "·") == "█▎··"
    assert present.bar(None, 3) == "░░░" and present.bar(2.0, 3) == "███"
    assert present.spark([0.0, 0.5, 1.0]) == "▁▅█"
    assert present.table(["deck", "cards"], [["geo", 12], ["art", 3]]).splitlines() == [
        "deck  cards",
        "----  -----",
        "geo      12",
        "art       3",
    ]


@pytest.fixture
def one_review(col, write_deck):
    """One review card due now, last seen five days ago (stability 5), the app at 21:00."""
    add_deck(col, write_deck, "geo", "Geography", [("Capital of Peru?", "Lima")])
    card = col.card("geo/c1")
    with col.db.transaction() as conn:
        conn.execute(
            "UPDATE card SET state = 2, due = ?, stability = 5.0, difficulty = 5.0, "
            "last_review = ?, reps = 3, step = NULL WHERE id = ?",
            (to_ms(EVENING - timedelta(hours=1)), to_ms(EVENING - timedelta(days=5)), card.id),
        )
    return col


def days_in(text: str, pattern: str) -> int:
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not in:\n{text}"
    return int(found.group(1))


async def test_the_due_in_figure_agrees_on_every_surface_across_the_rollover(
    one_review, capsys, monkeypatch
) -> None:
    col = one_review
    card_id = col.card("geo/c1").id
    app = MasteryApp(col, clock=lambda: EVENING)
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "space")
        await pilot.pause()
        button = days_in(screen_text(app), r"3 Good (\d+)d")
        await pilot.press("3")
        await pilot.pause()
        assert isinstance(app.screen, DoneScreen)
        done = days_in(screen_text(app), r"Next review: .*\(in (\d+)d\)")

        due = col.card(card_id).due
        assert due is not None
        # The case this test is about: counted in 24-hour spans the figure would be one less.
        assert round((due - EVENING) / timedelta(days=1)) == button - 1

        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        dashboard = days_in(screen_text(app), r"Next review: .*\(in (\d+)d\)")

        app.push_screen(CardInfoScreen(card_id))
        await pilot.pause()
        info = days_in(screen_text(app), r"\(in (\d+)d\)")
        app.pop_screen()

        app.push_screen(BrowserScreen())
        await pilot.pause()
        cell = app.screen.query_one("#cards", DataTable).get_row(str(card_id))[4]
        browser = days_in(str(cell), r"in (\d+)d")

    monkeypatch.setattr("mastery.days.utcnow", lambda: EVENING)
    assert main(["--no-bundled-decks", "card", "show", "geo/c1"]) == 0
    shown = days_in(capsys.readouterr().out, r"due: \S+ \(in (\d+)d\)")
    assert main(["--no-bundled-decks", "stats"]) == 0
    stats = days_in(capsys.readouterr().out, r"Next due: \S+ \(in (\d+)d\)")

    assert button >= 2
    assert [done, dashboard, info, browser, shown, stats] == [button] * 6


def test_a_column_mixing_numbers_and_text_lines_up_on_the_left() -> None:
    lines = present.table(["k", "value"], [["a", 0.9], ["bb", 36500], ["c", "on"]])
    assert lines.splitlines()[2:] == ["a   0.9", "bb  36500", "c   on"]
    decimals = present.table(["p", "retention"], [["x", "0.9"], ["y", "0.85"], ["z", "—"]])
    values = ("0.9", "0.85", "—")
    assert decimals.splitlines()[2:] == [f"{p}  {v:>9}" for p, v in zip("xyz", values, strict=True)]
