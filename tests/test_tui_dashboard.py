"""The dashboard, the global keys, help, the command palette and the daily backup."""

from __future__ import annotations

from test_tui_helpers import SIZE, add_deck, make_app, review_count, screen_text
from textual.command import CommandInput
from textual.widgets import Input

from conftest import NOW
from mastery.tui.app import MasteryCommands
from mastery.tui.screens.browser import BrowserScreen
from mastery.tui.screens.dashboard import DashboardScreen
from mastery.tui.screens.done import DoneScreen
from mastery.tui.screens.help import HelpScreen
from mastery.tui.screens.review import ReviewScreen
from mastery.tui.screens.settings import SettingsScreen

GEO = [("Capital of France?", "Paris"), ("Capital of Peru?", "Lima")]
ART = [
    ("Who painted Guernica?", "Picasso"),
    ("Who painted the Mona Lisa?", "Leonardo"),
    ("Who sculpted David?", "Michelangelo"),
]


def row_of(text: str, name: str) -> list[str]:
    return next(line for line in text.splitlines() if name in line).split()


async def test_dashboard_shows_each_deck_with_new_learning_due(col, write_deck) -> None:
    add_deck(col, write_deck, "geo", "Geography", GEO)
    add_deck(col, write_deck, "art", "Art", ART)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "New" in text and "Learning" in text and "Due" in text
        assert row_of(text, "Art")[-4:] == ["3", "0", "0", "3"]
        assert row_of(text, "Geography")[-4:] == ["2", "0", "0", "2"]
        assert "Today 0 answers" in text and "Streak 0 days" in text
        assert "5 to review today" in text
        # footer key hints
        assert "Review all" in text and "Help" in text and "Quit" in text

        await pilot.press("r", "space", "1")  # new cards come in import order: Geography
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        text = screen_text(app)
        assert row_of(text, "Geography")[-4:] == ["1", "1", "0", "2"]
        assert row_of(text, "Art")[-4:] == ["3", "0", "0", "3"]
        assert "Today 1 answer " in text and "Streak 1 day" in text


async def test_enter_on_a_deck_reviews_only_that_deck(col, write_deck) -> None:
    add_deck(col, write_deck, "geo", "Geography", GEO)
    add_deck(col, write_deck, "art", "Art", ART)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "enter")  # second row: Geography
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert "Capital of France?" in screen_text(app)
        assert "0 / 2" in screen_text(app)
        await pilot.press("space", "4", "space", "4")
        await pilot.pause()
        assert isinstance(app.screen, DoneScreen)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("k", "down", "up", "enter")  # arrows and j/k both move
        await pilot.pause()
        assert "Who painted Guernica?" in screen_text(app)
    assert [c.reps for c in col.search_cards("deck:art")] == [0, 0, 0]
    assert [c.reps for c in col.search_cards("deck:geo")] == [1, 1]


async def test_empty_dashboard_says_how_to_import(col) -> None:
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "No decks yet" in text and "mastery import FILE" in text
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)


async def test_nothing_due_shows_when_the_next_review_is(col, write_deck) -> None:
    add_deck(col, write_deck, "geo", "Geography", GEO[:1])
    col.answer(col.card("geo/c1").id, 4, now=NOW)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "All done for today." in text and "Next review:" in text


async def test_help_lists_the_keys_of_the_current_screen(col, write_deck) -> None:
    add_deck(col, write_deck, "geo", "Geography", GEO)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert "Review all" in text and "Review deck" in text and "Browse" in text
        assert "Quit" in text
        await pilot.press("escape", "r", "question_mark")
        await pilot.pause()
        text = screen_text(app)
        for words in ("Show answer", "Again", "Hard", "Good", "Easy", "Undo", "Suspend", "Bury"):
            assert words in text
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)


async def test_q_quits_but_types_in_a_search_box(col, write_deck) -> None:
    add_deck(col, write_deck, "geo", "Geography", GEO)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "slash", "q")
        await pilot.pause()
        assert isinstance(app.screen, BrowserScreen)
        assert app.screen.query_one("#search", Input).value == "q"
        await pilot.press("escape", "q")
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running


async def test_palette_has_area_commands_for_screens_and_actions(col, write_deck) -> None:
    add_deck(col, write_deck, "geo", "Geography", GEO)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        titles = [t for t, _, _ in MasteryCommands(app.screen)._commands()]
        for title in (
            "dashboard: Open",
            "review: Start",
            "browse: Cards",
            "settings: Open",
            "review: Deck Geography",
        ):
            assert title in titles
        # The dashboard's `r` does what "review: Start" does: listed once (issue 13).
        assert "dashboard: Review all" not in titles
        await pilot.press("r")
        await pilot.pause()
        titles = [t for t, _, _ in MasteryCommands(app.screen)._commands()]
        assert {"review: Show answer", "review: Undo", "review: Suspend", "review: Bury"} <= set(
            titles
        )
        assert "review: Again" not in titles  # not before the answer is shown

        await pilot.press("ctrl+p")
        await pilot.pause()
        app.screen.query_one(CommandInput).value = "settings"  # as typed, in one go
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        # Opened over the review, which is kept for when settings close (issue 13; it was
        # closed before).
        assert isinstance(app.screen_stack[-2], ReviewScreen) and len(app.screen_stack) == 3


async def test_daily_backup_runs_in_a_worker(col, write_deck) -> None:
    add_deck(col, write_deck, "geo", "Geography", GEO)
    app = make_app(col)
    app.BACKGROUND_DELAY = 0.01  # after the first frame (1 s in use)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.05)
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert len(col.backups()) == 1


async def test_palette_undo_from_the_dashboard_brings_the_last_card_back(col, write_deck) -> None:
    add_deck(col, write_deck, "geo", "Geography", GEO)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "space", "4")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        commands = {t: run for t, run, _ in MasteryCommands(app.screen)._commands()}
        commands["review: Undo"]()
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert "Capital of France?" in screen_text(app)
    assert review_count(col) == 0


async def test_palette_shows_deck_names_with_brackets_literally(col, write_deck) -> None:
    add_deck(col, write_deck, "odd", "Odd [/] [bold]deck", GEO)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        provider = MasteryCommands(app.screen)
        found = [hit async for hit in provider.search("odd deck")]
        assert any(hit.prompt.plain == "review: Deck Odd [/] [bold]deck" for hit in found)
        shown = [hit async for hit in provider.discover()]
        assert any(hit.prompt.plain == "review: Deck Odd [/] [bold]deck" for hit in shown)
        await pilot.press("ctrl+p")
        await pilot.pause()
        app.screen.query_one(CommandInput).value = "odd"
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert "Odd [/] [bold]deck" in screen_text(app)


async def test_dashboard_shows_active_goals_and_todays_journal(col, write_deck) -> None:
    add_deck(col, write_deck, "geo", "Geography", GEO)
    col.goals.add("Learn the capitals", target="in 30 days", milestones=["Europe", "Asia"], now=NOW)
    col.goals.complete_milestone("learn", 1, now=NOW)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "Learn the capitals" in text and "50%" in text and "30d left" in text
        assert "no entry yet today" in text and "Journal streak 0 days" in text
    col.journal.add("Asia is harder than I thought", now=NOW)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "Journal written today" in text and "Journal streak 1 day" in text


async def test_dashboard_without_goals_says_how_to_add_one(col, write_deck) -> None:
    add_deck(col, write_deck, "geo", "Geography", GEO)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "Goals none yet" in screen_text(app)


async def test_a_setting_changed_from_the_cli_shows_without_a_restart(
    col, write_deck, monkeypatch
) -> None:
    """`mastery config set new_per_day 1` in another terminal: the open dashboard follows
    within a poll, as a user expects (it used to keep the old limit until restart)."""
    from mastery.collection import Collection
    from mastery.tui.app import MasteryApp

    monkeypatch.setattr(MasteryApp, "POLL_SECONDS", 0.05)
    add_deck(col, write_deck, "art", "Art", ART)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert row_of(screen_text(app), "Art")[-4:] == ["3", "0", "0", "3"]
        with Collection.open_path(col.db.path) as other:  # the CLI's own connection
            other.set_setting("new_per_day", 1)
        await pilot.pause(0.3)
        assert row_of(screen_text(app), "Art")[-4:] == ["1*", "0", "0", "3"]  # * : the limit bites
        assert col.setting("new_per_day") == 1


async def test_the_hint_line_fits_80_columns_and_names_quick_capture(col, write_deck) -> None:
    """It wrapped at 80 columns and called quick capture a "quick note" (issue 13)."""
    add_deck(col, write_deck, "geo", "Geography", GEO)
    app = make_app(col)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        line = next(x for x in screen_text(app).splitlines() if "Goals none yet" in x)
        assert line.rstrip().endswith("ctrl+n quick capture")
        assert "quick note" not in screen_text(app)


async def test_no_promise_of_new_cards_tomorrow_with_a_limit_of_0(col, write_deck) -> None:
    add_deck(col, write_deck, "geo", "Geography", GEO)
    col.set_setting("new_per_day", 0)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "No new cards tomorrow: the daily limit of new cards is 0" in text
        assert "More new cards tomorrow" not in text
    col.set_setting("new_per_day", 5)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "2 to review today: 2 new, 0 learning, 0 due" in screen_text(app)


async def test_dashboard_shows_entries_written_on_this_day_earlier(col, write_deck) -> None:
    """jrnl's "on this day": entries from this date in earlier months and years."""
    add_deck(col, write_deck, "geo", "Geography", GEO[:1])
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "On this day" not in screen_text(app)  # nothing to show: no line at all
    col.journal.add("Ladder of inference at work", day="2025-11-21", now=NOW)
    col.journal.add("Retro with the team", day="2026-10-21", now=NOW)
    col.journal.add("Not this day", day="2026-10-20", now=NOW)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "On this day 1 month ago: Retro with the team  +1 more (J)" in text
        assert "Not this day" not in text
