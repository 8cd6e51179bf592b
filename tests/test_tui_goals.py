"""The goals screens: the list, the form, one goal in creative tension, check-ins."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from test_tui_helpers import SIZE, add_deck, make_app, screen_text
from textual.widgets import Input, Select, SelectionList, Static, TextArea

from conftest import NOW
from mastery.present import percent
from mastery.tui.screens.dashboard import DashboardScreen
from mastery.tui.screens.goals import (
    CheckInScreen,
    GoalFormScreen,
    GoalScreen,
    GoalsScreen,
    MilestoneScreen,
)
from mastery.tui.screens.journal import EntryScreen
from mastery.tui.widgets.progress_chart import bar, chart_rows, daily_series

TODAY = date(2026, 11, 21)


def goal_with_milestones(col, title: str = "Speak German", **kwargs):
    kwargs.setdefault("vision", "I talk with my in-laws for an hour, in German.")
    kwargs.setdefault("reality", "I can order food; talks stall after two minutes.")
    kwargs.setdefault("milestones", ["Finish the A1 course", "Talk 10 minutes with a tutor"])
    return col.goals.add(title, target="in 6 months", now=NOW, **kwargs)


async def open_goal(app, goal_id: int, pilot) -> GoalScreen:
    await app.push_screen(GoalScreen(goal_id))
    await pilot.pause()
    assert isinstance(app.screen, GoalScreen)
    return app.screen


# ----------------------------------------------------------------------------- the list
async def test_add_a_goal_through_the_form_and_see_it_listed(col, write_deck) -> None:
    """The form: what the domain refuses is said (a bad date inline, under its field) and the
    form stays open; the saved goal is listed with its progress."""
    add_deck(col, write_deck, "de", "German words", [("Hund", "dog"), ("Katze", "cat")])
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(GoalsScreen())
        await pilot.pause()
        assert "No active goals yet" in screen_text(app) and "Press a" in screen_text(app)

        await pilot.press("a", "ctrl+s")  # no title: refused, the form stays
        form = app.screen
        assert isinstance(form, GoalFormScreen)
        assert ("error", "a goal needs a title") in app.notes
        await pilot.press(*"Speak")  # typed key by key once; the other fields are set
        assert form.query_one("#goal-title", Input).value == "Speak"
        form.query_one("#goal-title", Input).value = "Speak German"
        form.query_one("#goal-vision", TextArea).load_text("An hour of German [fluently].")
        form.query_one("#goal-reality", TextArea).load_text("Small talk only.")
        form.query_one("#goal-category", Select).value = "shared-vision"
        form.query_one("#goal-decks", SelectionList).select("de")
        form.query_one("#goal-milestones", TextArea).load_text("Finish A1\n\nBook a tutor\n")

        # An invalid target date keeps the form open with the domain's message.
        form.query_one("#goal-target", Input).value = "next blursday"
        await pilot.press("ctrl+s")
        assert app.screen is form
        error = form.query_one("#goal-target-error", Static)
        assert error.has_class("-shown")
        assert 'can\'t read "next blursday" as a date' in screen_text(app)
        assert form.query_one("#goal-target").has_class("-invalid")
        assert form.focused is form.query_one("#goal-target")
        assert col.goals.list("all", now=NOW) == []

        # A cadence the domain cannot read is explained under its own field.
        form.query_one("#goal-target", Input).value = "in 3 weeks"
        form.query_one("#goal-cadence", Input).value = "now and then"
        await pilot.press("ctrl+s")
        assert app.screen is form
        assert not error.has_class("-shown")
        assert "as a cadence" in screen_text(app)
        assert "Sat 12 Dec 2026 (in 21 days)" in screen_text(app)  # the date, as understood

        form.query_one("#goal-cadence", Input).value = "mon wed fri"
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, GoalsScreen)
        text = screen_text(app)
        assert "Speak German" in text and "0%" in text and "21d" in text
        assert "0/2 milestones" in text and "target in 21 days" in text

        [goal] = col.goals.list(now=NOW)
        detail = col.goals.get(goal.id, now=NOW)
        assert detail.vision == "An hour of German [fluently]."
        assert detail.reality == "Small talk only."
        assert detail.category == "shared-vision"
        assert detail.target == TODAY + timedelta(days=21)
        assert detail.cadence == "every mon, wed, fri"
        assert [d.key for d in detail.decks] == ["de"]
        assert [m.title for m in detail.milestones] == ["Finish A1", "Book a tutor"]


async def test_status_filter_navigation_and_closing_a_goal(col) -> None:
    achieved = goal_with_milestones(col, "Speak German")
    col.goals.done(achieved.id, now=NOW)
    active = goal_with_milestones(col, "Run a marathon")
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(GoalsScreen())
        await pilot.press("f")  # achieved
        text = screen_text(app)
        assert "Speak German" in text and "100%" in text and "achieved" in text
        assert "Run a marathon" not in text
        await pilot.press("f")  # dropped
        assert "No dropped goals" in screen_text(app)
        await pilot.press("f")  # all
        await pilot.press("j", "k", "j", "enter")
        screen = app.screen
        assert isinstance(screen, GoalScreen) and screen.goal_id == active.id

        await pilot.press("d")
        assert col.goals.get(active.id, now=NOW).status == "achieved"
        assert "100%" in screen_text(app) and "achieved" in screen_text(app)
        assert screen.check_action("done", ()) is False
        await pilot.press("o")
        assert col.goals.get(active.id, now=NOW).status == "active"
        await pilot.press("x")
        assert col.goals.get(active.id, now=NOW).status == "dropped"
        assert "let go" in screen_text(app)
        await pilot.press("escape")
        assert "dropped" in screen_text(app)  # the list, read again
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


# ----------------------------------------------------------------------------- one goal
async def test_goal_view_holds_the_tension_and_ticks_milestones(col, write_deck) -> None:
    add_deck(col, write_deck, "de", "German words", [("Hund", "dog")])
    goal = goal_with_milestones(col, decks=["de"], cadence="every day")
    col.journal.add("Practised speak german with Anna.", tags=["german"], now=NOW)
    col.journal.add("Flashcards on the train.", goals=[goal.id], day="yesterday", now=NOW)
    col.journal.add("Unrelated thoughts.", now=NOW)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_goal(app, goal.id, pilot)
        vision = screen.query_one("#tension-vision")
        reality = screen.query_one("#tension-reality")
        assert vision.region.y == reality.region.y  # one row: side by side
        assert vision.region.right < reality.region.x
        text = screen_text(app)
        line = next(row for row in text.splitlines() if "Vision" in row)
        assert "Current reality" in line
        assert "I talk with my in-laws" in text and "I can order food" in text
        assert "the gap" in text and "100% to go" in text and "181 days" in text

        # Milestones: space or Enter ticks, m adds. Progress is the mean of the milestones
        # done and the linked deck's mature cards (none yet).
        assert " 0%" in screen_text(app)
        assert screen.focused is screen.query_one("#goal-milestones")

        await pilot.press("space")
        detail = col.goals.get(goal.id, now=NOW)
        assert [m.done for m in detail.milestones] == [True, False]
        assert (detail.milestones_share, detail.progress) == (0.5, 0.25)
        text = screen_text(app)
        assert "25%" in text and "1/2 done" in text and "☑ Finish the A1 course" in text

        await pilot.press("j", "enter")
        assert col.goals.get(goal.id, now=NOW).progress == 0.5
        assert "Progress" in screen_text(app) and "50%" in screen_text(app)

        await pilot.press("space")  # un-tick
        assert [m.done for m in col.goals.get(goal.id, now=NOW).milestones] == [True, False]
        assert "25%" in screen_text(app)

        await pilot.press("m")
        assert isinstance(app.screen, MilestoneScreen)
        await pilot.press("enter")  # empty: refused, stays open
        assert isinstance(app.screen, MilestoneScreen)
        assert ("error", "a milestone needs a title") in app.notes
        app.screen.query_one("#milestone-title", Input).value = "Read a novel"
        await pilot.press("enter")
        assert isinstance(app.screen, GoalScreen)
        detail = col.goals.get(goal.id, now=NOW)
        assert [m.title for m in detail.milestones][-1] == "Read a novel"
        assert detail.progress == pytest.approx(1 / 6)
        assert "☐ Read a novel" in screen_text(app) and "17%" in screen_text(app)

        screen.query_one("#goal-body").scroll_end(animate=False)
        await pilot.pause()
        text = screen_text(app)
        assert "2 entries mention it" in text  # by name, or linked in the entry's Goals
        assert "Practised speak german" in text and "Flashcards on the train" in text
        assert "Unrelated" not in text
        assert "German words" in text and "0% mature" in text and "not studied yet" in text
        # Only linked entries count as practice: none today (the goal was made today).
        cadence = screen.query_one("#goal-cadence", Static).content
        assert "every day: 0 of 1 kept (0%)" in str(cadence)

        screen.query_one("#goal-entries").focus()
        await pilot.press("enter")
        assert isinstance(app.screen, EntryScreen)
        assert "Practised speak german with Anna." in screen_text(app)
        await pilot.press("escape")
        assert app.screen is screen


async def test_check_in_and_edit_with_a_new_reality(col) -> None:
    goal = goal_with_milestones(col)
    col.goals.check_in(goal.id, 8, "good start", now=NOW - timedelta(days=14))
    col.goals.check_in(goal.id, 7, "busy week", now=NOW - timedelta(days=7))
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_goal(app, goal.id, pilot)
        await pilot.press("c")
        assert isinstance(app.screen, CheckInScreen)
        assert "7/10" in screen_text(app)  # last time, for reference
        await pilot.press("1", "1", "enter")
        app.screen.query_one("#check-in-note", Input).value = "no time"
        await pilot.press("enter")
        assert isinstance(app.screen, CheckInScreen)  # 11 is refused by the domain
        assert any("from 1 to 10" in message for _, message in app.notes)

        app.screen.query_one("#check-in-confidence", Input).value = "4"
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, GoalScreen)
        [*_, last] = col.goals.check_ins(goal.id)
        assert (last.day, last.confidence, last.note) == (TODAY, 4, "no time")
        text = screen_text(app)
        assert "8 → 7 → 4" in text and "latest 4/10, today" in text
        assert "Confidence is falling" in text

        # Edit: the form comes prefilled; Escape cancels it; a changed reality becomes a
        # new version.
        await pilot.press("e", "escape")
        assert app.screen is screen
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, GoalFormScreen)
        assert form.query_one("#goal-title", Input).value == "Speak German"
        assert form.query_one("#goal-target", Input).value == "2027-05-21"
        assert not form.query("#goal-milestones")  # milestones are added in the view
        form.query_one("#goal-reality", TextArea).load_text("I follow slow podcasts.")
        await pilot.press("ctrl+s")
        assert app.screen is screen
        versions = col.goals.realities(goal.id)
        assert [v.text for v in versions] == [
            "I can order food; talks stall after two minutes.",
            "I follow slow podcasts.",
        ]
        assert col.goals.get(goal.id, now=NOW).target == date(2027, 5, 21)  # unchanged
        text = screen_text(app)
        assert "I follow slow podcasts." in text and "updated 1 time" in text
        earlier = str(screen.query_one("#goal-realities", Static).content)
        assert "2026-11-21  I can order food; talks stall after two minutes." in earlier


# ----------------------------------------------------------------------------- drawing
def test_bar_fills_in_eighths_and_percent_rounds() -> None:
    assert bar(0.5, 4).plain == "██░░"
    assert bar(0.0, 3).plain == "░░░"
    assert bar(1.0, 3).plain == "███"
    assert bar(0.1, 5).plain == "▌░░░░"
    assert percent(0.456) == "46%" and percent(None) == "—"


def test_daily_series_carries_values_over_days_without_a_point() -> None:
    points = [(date(2026, 11, 1), 0.2), (date(2026, 11, 3), 0.5)]
    assert daily_series(points, date(2026, 11, 4)) == [
        (date(2026, 11, 1), 0.2),
        (date(2026, 11, 2), 0.2),
        (date(2026, 11, 3), 0.5),
        (date(2026, 11, 4), 0.5),
    ]
    assert daily_series([]) == []


@pytest.mark.parametrize(
    ("values", "width", "expected"),
    [
        ([0.0, 0.5, 1.0], 3, ["  █", " ██"]),
        ([1.0], 10, ["███", "███"]),  # few values: wider columns
        ([0.0] * 5 + [1.0] * 5, 5, ["  ███", "  ███"]),  # many values: squeezed
    ],
)
def test_chart_rows_use_a_fixed_scale(values, width, expected) -> None:
    assert chart_rows(values, width, 2) == expected


async def test_v_shares_a_goal_with_the_mentor_and_back(col) -> None:
    from test_tui_helpers import SIZE, make_app, screen_text

    from conftest import NOW
    from mastery.tui.screens.goals import GoalScreen

    goal = col.goals.add("Speak German", now=NOW)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(GoalScreen(goal.id))
        await pilot.pause()
        assert "shared with mentor" not in screen_text(app)
        await pilot.press("v")
        await pilot.pause()
        assert col.goals.get(goal.id, now=NOW).visibility == "shared"
        assert "shared with mentor" in screen_text(app)
        await pilot.press("v")
        await pilot.pause()
        assert col.goals.get(goal.id, now=NOW).visibility == "private"


async def test_the_goal_form_shows_four_lines_of_milestones_at_80x24(col) -> None:
    """The goal view's CSS for its milestone list (same id) squeezed the form's box to one
    line (issue 13)."""

    app = make_app(col)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("g", "a")
        await pilot.pause()
        box = app.screen.query_one("#goal-milestones", TextArea)
        assert box.size.height == 4
        assert box.region.bottom <= 22  # on screen, above the footer, without scrolling


async def test_a_second_check_in_the_same_day_says_it_replaces_the_first(col) -> None:
    """Issue 13: same-day check-ins replaced each other without a word."""
    goal = goal_with_milestones(col)
    col.goals.check_in(goal.id, 7, "fine", now=NOW)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await open_goal(app, goal.id, pilot)
        await pilot.press("c")
        assert isinstance(app.screen, CheckInScreen)
        assert "Saving replaces today's check-in" in screen_text(app)
        await pilot.press("5", "enter", "enter")
        assert isinstance(app.screen, GoalScreen)
        assert any("Checked in: 5/10 (replaces today's 7/10)." in m for _, m in app.notes)
    assert [(c.day, c.confidence) for c in col.goals.check_ins(goal.id)] == [(TODAY, 5)]


async def test_a_first_check_in_of_the_day_does_not_warn(col) -> None:
    goal = goal_with_milestones(col)
    col.goals.check_in(goal.id, 7, "fine", now=NOW - timedelta(days=7))
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await open_goal(app, goal.id, pilot)
        await pilot.press("c")
        assert "replaces" not in screen_text(app)
        await pilot.press("6", "enter", "enter")
        assert any(m == "Checked in: 6/10." for _, m in app.notes)
