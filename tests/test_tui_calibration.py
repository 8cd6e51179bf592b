"""The Calibration screen at 80x24: the figures, the deck selector, periods, the card list,
the empty state that leads to the confidence step, and how the screen is reached."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_calibration import AGAIN, CERTAIN, FAIRLY, UNSURE, answers, card_ids, log
from test_tui_helpers import SIZE, add_deck, make_app, screen_text

from conftest import NOW
from mastery.collection import Collection
from mastery.tui.app import MasteryApp, MasteryCommands
from mastery.tui.screens.base import MasteryScreen
from mastery.tui.screens.calibration import EMPTY_DECK, CalibrationScreen
from mastery.tui.screens.card_info import CardInfoScreen
from mastery.tui.screens.settings import SettingsScreen
from mastery.tui.widgets import calibration_chart as chart
from mastery.tui.widgets.table import KeyTable


@pytest.fixture
def cards(col: Collection, write_deck) -> dict[str, list[int]]:
    """Two decks with known figures.

    Learning org: unsure 12/20, fairly sure 14/20, certain 19/20 recalled -> (20*.5 - 12 +
    20*.75 - 14 + 20*.95 - 19) / 60 = -1/60: well calibrated.
    Git: certain 10 of 20 -> +45, overconfident; its card c2 is the most failed "certain" card.
    200 reviews of review cards with known stabilities feed FSRS's calibration.
    """
    add_deck(
        col, write_deck, "lo", "Learning org", [(f"Systems [b]{n}[/b]?", "B") for n in range(4)]
    )
    add_deck(col, write_deck, "git", "Git", [("init?", "git init"), ("log?", "git log")])
    lo, git = card_ids(col, "lo"), card_ids(col, "git")
    answers(col, lo[0], UNSURE, recalled=12, failed=8)
    answers(col, lo[1], FAIRLY, recalled=14, failed=6)
    answers(col, lo[2], CERTAIN, recalled=19, failed=1)
    answers(col, git[0], CERTAIN, recalled=6, failed=4)
    answers(col, git[1], CERTAIN, recalled=4, failed=6)
    return {"lo": lo, "git": git}


async def open_calibration(app: MasteryApp, pilot) -> CalibrationScreen:  # type: ignore[no-untyped-def]
    app.action_calibration()
    await pilot.pause()
    assert isinstance(app.screen, CalibrationScreen)
    await settle(app, pilot)
    return app.screen


async def settle(app: MasteryApp, pilot) -> None:  # type: ignore[no-untyped-def]
    """Let the figures' worker finish and the screen show its result."""
    await app.workers.wait_for_complete()
    await pilot.pause()


def line_with(text: str, start: str) -> str:
    """The first line of the screen that starts with `start` (stripped)."""
    return next(line.strip() for line in text.splitlines() if line.strip().startswith(start))


async def test_screen_shows_the_figures_at_80x24(col: Collection, cards) -> None:
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_calibration(app, pilot)
        text = screen_text(app)
        assert "All decks · 80 answers with a confidence" in text
        # unsure: 12 of 20 recalled, said 50%; certain: 19 + 6 + 4 = 29 of 40.
        assert line_with(text, "unsure").split()[:6] == [
            "unsure",
            "said",
            "50%",
            "recalled",
            "60%",
            "██████████│█········",
        ]
        assert line_with(text, "certain").endswith(" 40")
        assert "recalled  72%" in line_with(text, "certain")
        # (-1 + 20*.95 - 10) / 80 = +0.1 -> +10 points.
        assert "Overall: overconfident by 10 points (80 answers)" in text
        assert "well calibrated" in line_with(text, "Learning org")
        assert line_with(text, "Git").split()[1] == "+45"
        assert "overconfident" in line_with(text, "Git")

        await pilot.press("end")
        await pilot.pause()
        text = screen_text(app)
        assert "git/c2" in text and "6 of 10" in line_with(text, "git/c2")
        assert "FSRS predicted" in text
        assert "80 reviews · log loss" in text and "calibration RMSE" in text
        assert "RMSE (bins)" not in text and "not Anki's Evaluate" in text
        # The reliability diagram: every review here predicted 94% (S=10, 5 days), which
        # falls in fsrs-rs's bin 93.1%-94.9%.
        assert line_with(text, "93%-95%").split()[:4] == ["93%-95%", "94%", "69%", "80"]
        assert screen.query_one("#calibration-misses", KeyTable).row_count == 3


async def test_deck_selector_cycles_all_and_each_deck(col: Collection, cards) -> None:
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await open_calibration(app, pilot)
        await pilot.press("d")  # decks by name: Git, then Learning org
        await settle(app, pilot)
        text = screen_text(app)
        assert "Git · 20 answers with a confidence" in text
        assert "Overall: overconfident by 45 points" in text
        assert "Learning org" not in text
        await pilot.press("d")
        await settle(app, pilot)
        text = screen_text(app)
        assert "Learning org · 60 answers with a confidence" in text
        assert "Overall: well calibrated (underconfident by 2 points, 60 answers)" in text
        await pilot.press("d")
        await settle(app, pilot)
        assert "All decks · 80 answers" in screen_text(app)
        await pilot.press("D")  # and backwards
        await settle(app, pilot)
        assert "Learning org · 60 answers" in screen_text(app)


async def test_a_deck_without_confidences_says_so(col: Collection, cards, write_deck) -> None:
    add_deck(col, write_deck, "aa", "Astronomy", [("Sun?", "A star")])
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await open_calibration(app, pilot)
        await pilot.press("d")  # Astronomy comes first by name
        await settle(app, pilot)
        text = screen_text(app)
        assert "Astronomy · 0 answers with a confidence" in text
        assert EMPTY_DECK in " ".join(text.split())
        assert "How sure you were" not in text


async def test_w_switches_the_over_time_view_to_weeks(col: Collection, cards) -> None:
    log(col, cards["git"][0], AGAIN, confidence=CERTAIN, at=NOW - timedelta(days=30))
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_calibration(app, pilot)
        await pilot.press("pagedown")
        await pilot.pause()
        text = screen_text(app)
        assert "Over time, by month" in text
        assert line_with(text, "Oct 2026").split()[2] == "+95"  # one "certain", then Again
        assert "Nov 2026" in text
        await pilot.press("w")
        await settle(app, pilot)
        text = screen_text(app)
        assert "Over time, by week" in text
        assert screen.result is not None and screen.result.period == "week"
        assert "wk 2026-11-16" in text  # this week, Monday to Sunday
        assert "wk 2026-10-19" in text  # the week of the answer 30 days ago


async def test_enter_opens_the_card_answered_certain_then_failed(col: Collection, cards) -> None:
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_calibration(app, pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CardInfoScreen)
        assert app.screen.card_id == cards["git"][1]  # most often certain, then Again
        assert "git/c2" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert "All decks · 80 answers" in screen_text(app)


async def test_empty_state_leads_to_the_confidence_step(col: Collection, write_deck) -> None:
    add_deck(col, write_deck, "lo", "Learning org", [("Q", "A")])
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_calibration(app, pilot)
        text = " ".join(screen_text(app).split())
        assert (
            "No answers with a confidence yet. Turn on the confidence step in Settings "
            '(press s, "Confidence step"), then before each answer is revealed press j '
            "unsure, k fairly sure or l certain." in text
        )
        assert "No reviews of review cards yet" in text
        assert "Weeks/months" not in text  # nothing to switch yet
        assert "Card info" not in text

        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        # Meanwhile, answers with a confidence arrive (as after a review session).
        card = card_ids(col, "lo")[0]
        answers(col, card, CERTAIN, recalled=1, failed=1)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        await settle(app, pilot)
        text = screen_text(app)
        assert "All decks · 2 answers with a confidence" in text
        assert "Overall: 2 answers, 20 needed to judge (so far overconfident by 45 points)" in text


async def test_screen_is_in_the_palette_and_opens_over_stats(col: Collection, cards) -> None:
    class StatsStandIn(MasteryScreen):
        """Stands in for the Stats screen, whose `c` key calls `app.action_calibration`."""

        AREA = "stats"

    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        commands = {t: run for t, run, _ in MasteryCommands(app.screen)._commands()}
        commands["stats: Calibration"]()
        await pilot.pause()
        assert isinstance(app.screen, CalibrationScreen)
        assert len(app.screen_stack) == 2
        await settle(app, pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert len(app.screen_stack) == 1

        stats = StatsStandIn()
        app.push_screen(stats)
        await pilot.pause()
        app.action_calibration()
        await settle(app, pilot)
        assert isinstance(app.screen, CalibrationScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is stats  # Escape goes back to the Stats screen


async def test_card_text_with_brackets_is_shown_literally(col: Collection, cards) -> None:
    lo = cards["lo"]
    answers(col, lo[3], CERTAIN, recalled=0, failed=9)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await open_calibration(app, pilot)
        await pilot.press("end")
        await pilot.pause()
        assert "Systems [b]3[/b]?" in screen_text(app)


# ----------------------------------------------------------------------------- chart helpers
def test_bars_use_eighth_blocks_and_mark_the_claim() -> None:
    assert chart.bar(0.5, 10) == "█████·····"
    assert chart.bar(0.0, 4) == "····"
    assert chart.bar(1.2, 4) == "████"
    assert chart.bar(0.3125, 4) == "█▎··"  # 1.25 cells
    assert chart.marked_bar(0.6, 0.5, 10) == "█████│····"
    assert chart.marked_bar(0.3, 0.5, 10) == "███··│····"
    assert chart.marked_bar(0.6, 0.95, 20).endswith("│")


def test_diverging_bars_grow_right_for_over_and_left_for_under() -> None:
    assert chart.diverging_bar(None, 3) == "···│···"
    assert chart.diverging_bar(0.25, 4) == "    │██  "
    assert chart.diverging_bar(-0.25, 4) == "  ██│    "
    assert chart.diverging_bar(0.9, 4) == "    │████"  # capped at 50 points
    assert chart.diverging_bar(-0.0625, 4) == "   ▌│    "


def test_a_verdict_in_a_row_leaves_the_points_to_the_row() -> None:
    from mastery.calibration import Score

    assert chart.short_verdict(Score(40, 40 * 0.12)) == "overconfident"
    assert chart.short_verdict(Score(40, -40 * 0.12)) == "underconfident"
    assert chart.short_verdict(Score(40, 0.0)) == "well calibrated"
    assert chart.short_verdict(Score(5, 4.0)) == "too few to judge"


def test_over_time_rows_start_at_the_first_period_with_answers() -> None:
    from datetime import date

    from mastery.calibration import PeriodScore, Score

    periods = [
        PeriodScore(date(2026, m, 1), f"m{m}", Score(n, n * 0.1))
        for m, n in ((8, 0), (9, 0), (10, 25), (11, 0))
    ]
    lines = chart.period_rows(periods).plain.splitlines()
    assert [line.split()[0] for line in lines] == ["m10", "m11"]
    assert lines[0].split()[1] == "+10"
    assert lines[1].endswith("no answers")
    assert chart.period_rows(periods[:2]).plain.split()[0] == "m9"  # none: the current one


async def test_card_ids_show_whole_at_120_columns_and_cut_sensibly_at_80(
    col: Collection, write_deck
) -> None:
    """Issue 13: ids were cut to the deck prefix even at 120 columns. The Card column now
    takes what fits: whole ids at 120; at 80 the deck key is cut before the card's own key."""
    deck = (
        "id = 'learning-organization'\nname = 'The Learning Organization'\n\n"
        "[[cards]]\nid = 'systems-thinking'\nfront = 'What is systems thinking?'\nback = 'B'\n\n"
        "[[cards]]\nid = 'the-fifth-discipline-and-the-other-four'\n"
        "front = 'Which discipline integrates the other four?'\nback = 'B'\n"
    )
    col.import_files([write_deck(deck, name="lo.toml")], now=NOW)
    short, long = card_ids(col, "learning-organization")
    answers(col, short, CERTAIN, recalled=0, failed=2)
    answers(col, long, CERTAIN, recalled=0, failed=1)
    app = make_app(col)
    async with app.run_test(size=(120, 35)) as pilot:
        await open_calibration(app, pilot)
        text = screen_text(app)
        assert "learning-organization/systems-thinking " in text
        assert "learning-organization/the-fifth-discipline-and-the-other-four " in text
        assert "Which discipline integrates the other four?" in text
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.press("end")
        await pilot.pause()
        text = screen_text(app)
        assert "learning-organiz…/systems-thinking " in text
        assert "the-fifth-discipline-and-the-othe… " in text
        assert "learning-organization/" not in text
        assert max(len(line) for line in text.splitlines()) <= 80


def test_card_ids_are_cut_in_the_deck_key_first() -> None:
    assert chart.card_ref("git", "git/init", 20) == "git/init"
    assert chart.card_ref("learning-organization", "learning-organization/x", 12) == "learning-…/x"
    assert chart.card_ref("deck", "deck/a-very-long-card-key", 10) == "a-very-lo…"
    assert chart.miss_widths(116, ["d" * 62], ["1 of 1"]) == (62, 6, 42)
    assert chart.miss_widths(76, ["d" * 62], ["10 of 12"]) == (32, 8, 30)
    assert chart.miss_widths(40, ["d" * 62], ["1 of 1"]) == (16, 6, 15)


def test_the_overall_line_says_its_numbers_in_words() -> None:
    """Issue 13: "(13 of 20) (+15, 13 answers)" was unreadable."""
    from mastery.calibration import Score

    def line(score: Score) -> str:
        return str(chart.score_line("Overall", score))

    assert line(Score(13, 13 * 0.15)) == (
        "Overall: 13 answers, 20 needed to judge (so far overconfident by 15 points)"
    )
    assert line(Score(1, 0.0)) == (
        "Overall: 1 answer, 20 needed to judge (so far neither over- nor underconfident)"
    )
    assert line(Score(340, 340 * 0.12)) == "Overall: overconfident by 12 points (340 answers)"
    assert line(Score(60, -60 * 0.02)) == (
        "Overall: well calibrated (underconfident by 2 points, 60 answers)"
    )
    assert line(Score(60, 0.0)) == "Overall: well calibrated (60 answers)"
    assert line(Score()) == "Overall: no answers with a confidence"
