"""Cram and preview sessions in the TUI: from the dashboard, the browser, the command palette
and `mastery cram`; answers that leave the schedule alone, Again, undo, the done screen."""

from __future__ import annotations

import pytest
from test_tui_helpers import SIZE, add_deck, make_app, screen_text
from textual.widgets import Input

from conftest import NOW
from mastery.tui.screens.browser import BrowserScreen
from mastery.tui.screens.cram import CramPromptScreen
from mastery.tui.screens.dashboard import DashboardScreen
from mastery.tui.screens.done import DoneScreen
from mastery.tui.screens.review import CramScreen
from mastery.tui.widgets.rating_bar import RatingButton

CARDS = [
    ("Capital of France?", "Paris"),
    ("Capital of Peru?", "Lima"),
    ("Capital of Kenya?", "Nairobi"),
    ("Capital of Chile?", "Santiago"),
    ("Capital of Japan?", "Tokyo"),
]


@pytest.fixture
def geo(col, write_deck):
    add_deck(col, write_deck, "geo", "Geography", CARDS)
    add_deck(col, write_deck, "art", "Art", [("Who painted Guernica?", "Picasso")], tags="spain")
    return col


def cards(col) -> list[tuple]:
    return [tuple(row) for row in col.conn.execute("SELECT * FROM card ORDER BY id")]


def logged(col) -> list[tuple]:
    return [
        tuple(row)
        for row in col.conn.execute(
            "SELECT c.front, r.kind, r.rating, r.confidence FROM reviewlog r "
            "JOIN card c ON c.id = r.card_id ORDER BY r.id"
        ).fetchall()
    ]


def front(app) -> str:
    """The question on screen (the third line, under the status line)."""
    return screen_text(app).splitlines()[3].strip()


async def cram_from_dashboard(pilot) -> None:
    """The deck table starts on Art (decks are sorted by name): move to Geography, press c."""
    await pilot.press("down", "c")
    await pilot.pause()


async def test_cramming_a_deck_changes_no_card_and_logs_cram_answers(geo) -> None:
    before = cards(geo)
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await cram_from_dashboard(pilot)
        assert isinstance(app.screen, CramScreen)
        status = screen_text(app).splitlines()[1]
        assert "Cram · Geography" in status and "0 / 5" in status
        assert front(app) == "Capital of France?"

        await pilot.press("space")
        await pilot.pause()
        labels = [str(b.label) for b in app.screen.query(RatingButton)]
        assert labels == ["1 Again soon", "2 Hard done", "3 Good done", "4 Easy done"]
        await pilot.press("3")
        await pilot.pause()
        assert front(app) == "Capital of Peru?" and "1 / 5" in screen_text(app)
        await pilot.press("space", "4", "space", "2")
        await pilot.pause()
    assert cards(geo) == before
    assert logged(geo) == [
        ("Capital of France?", "cram", 3, None),
        ("Capital of Peru?", "cram", 4, None),
        ("Capital of Kenya?", "cram", 2, None),
    ]
    assert geo.stats(now=app.now()).reviews_today == 0


async def test_again_brings_the_card_back_three_cards_later(geo) -> None:
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await cram_from_dashboard(pilot)
        await pilot.press("space", "1")
        await pilot.pause()
        assert "1 / 6" in screen_text(app)  # France is still to come
        seen = []
        for _ in range(4):
            seen.append(front(app))
            await pilot.press("space", "3")
            await pilot.pause()
        assert seen == [
            "Capital of Peru?",
            "Capital of Kenya?",
            "Capital of Chile?",
            "Capital of France?",
        ]
        assert front(app) == "Capital of Japan?"


async def test_the_done_screen_says_the_cram_is_over_and_the_schedule_unchanged(geo) -> None:
    counts = geo.counts(now=NOW)
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await cram_from_dashboard(pilot)
        for _ in CARDS:
            await pilot.press("space", "4")
        await pilot.pause()
        assert isinstance(app.screen, DoneScreen)
        text = screen_text(app)
        assert "Cram finished: Geography" in text
        assert "5 cards answered" in text and "Easy 5" in text
        assert "The schedule was not changed" in text
        assert "Today: 0 answers · 6 cards left to review." in text
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert "Today 0 answers" in screen_text(app)
    assert geo.counts(now=NOW) == counts


async def test_undo_in_cram_takes_back_the_answer_and_only_this_sessions(geo) -> None:
    geo.answer(geo.card("art/c1").id, 3, now=NOW)  # an earlier review
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await cram_from_dashboard(pilot)
        await pilot.press("space", "1", "space", "3")
        await pilot.pause()
        assert front(app) == "Capital of Kenya?"

        await pilot.press("u")
        await pilot.pause()
        assert front(app) == "Capital of Peru?" and "Lima" not in screen_text(app)
        assert "1 / 6" in screen_text(app)
        await pilot.press("u")
        await pilot.pause()
        assert front(app) == "Capital of France?" and "0 / 5" in screen_text(app)
        assert [kind for _, kind, _, _ in logged(geo)] == ["review"]

        await pilot.press("u")  # the review before the session stays
        await pilot.pause()
        assert ("information", "Nothing to undo.") in app.notes
    assert [kind for _, kind, _, _ in logged(geo)] == ["review"]


async def test_undo_from_the_cram_done_screen_goes_back_into_the_cram(geo) -> None:
    app = make_app(geo, cram_query="Guernica")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CramScreen)
        await pilot.press("space", "3")
        await pilot.pause()
        assert isinstance(app.screen, DoneScreen)
        assert "Cram finished: Guernica" in screen_text(app)
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, CramScreen)
        assert front(app) == "Who painted Guernica?" and "0 / 1" in screen_text(app)
    assert logged(geo) == []


async def test_suspend_and_bury_are_off_in_cram(geo) -> None:
    app = make_app(geo, cram_query="deck:geo")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert "Suspend" not in footer and "Bury" not in footer and "u Undo" in footer
        await pilot.press("s", "b")
        await pilot.pause()
        assert front(app) == "Capital of France?"
    assert not geo.card("geo/c1").suspended and geo.card("geo/c1").buried_until is None


async def test_the_confidence_step_works_in_cram(geo) -> None:
    geo.set_setting("confidence_step", True)
    app = make_app(geo, cram_query="deck:geo")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "How sure are you?" in screen_text(app)
        await pilot.press("l")
        await pilot.pause()
        assert "certain" in screen_text(app).splitlines()[1]
        await pilot.press("3", "space", "1")
        await pilot.pause()
    assert logged(geo) == [
        ("Capital of France?", "cram", 3, 3),
        ("Capital of Peru?", "cram", 1, None),
    ]


async def test_palette_cram_asks_for_a_search_and_counts_the_matches(geo) -> None:
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"review: cram")
        await pilot.pause(0.3)
        assert "review: Cram…" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CramPromptScreen)
        assert "6 cards to cram (every card)" in screen_text(app)

        await pilot.press(*"tag:nothing")
        await pilot.pause(0.3)
        assert 'No cards to cram for "tag:nothing"' in screen_text(app)
        await pilot.press("enter")  # nothing to cram: the dialog stays, saying why
        await pilot.pause()
        assert isinstance(app.screen, CramPromptScreen)

        box = app.screen.query_one(Input)
        box.value = "due:x"
        await pilot.pause(0.3)
        assert "due:x: give a whole number of days" in screen_text(app)

        box.value = "tag:spain"
        await pilot.pause(0.3)
        assert "1 card to cram (this search)" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CramScreen)
        assert "Cram · tag:spain · Art" in screen_text(app)
        assert front(app) == "Who painted Guernica?"

        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)


async def test_escape_closes_the_cram_dialog_without_a_session(geo) -> None:
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        app.action_cram()
        await pilot.pause()
        assert isinstance(app.screen, CramPromptScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)


async def test_browser_c_crams_the_search_and_escape_comes_back(geo) -> None:
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await pilot.pause()
        assert "c Cram" in screen_text(app).splitlines()[-1]
        await pilot.press("slash", *"Kenya", "enter")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CramScreen)
        assert "Cram · Kenya · Geography" in screen_text(app)
        assert front(app) == "Capital of Kenya?" and "0 / 1" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BrowserScreen)
        assert app.screen.query_one("#search", Input).value == "Kenya"


async def test_an_empty_search_is_a_message_not_an_empty_screen(geo) -> None:
    app = make_app(geo, cram_query="tag:nothing")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert any(
            sev == "warning" and 'No cards to cram for "tag:nothing"' in msg
            for sev, msg in app.notes
        )


async def test_a_bad_search_from_the_command_line_is_an_error_notification(geo) -> None:
    app = make_app(geo, cram_query="due:soon")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert any(sev == "error" and "due:soon" in msg for sev, msg in app.notes)


async def test_undo_from_another_screen_takes_back_a_cram_answer_without_a_review(geo) -> None:
    app = make_app(geo, cram_query="deck:geo")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("space", "3", "escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        app.action_undo()
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert any("cram answer is deleted" in msg for _, msg in app.notes)
    assert logged(geo) == []
