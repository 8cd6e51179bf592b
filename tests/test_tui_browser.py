"""The card browser: search syntax, suspend toggle, card info."""

from __future__ import annotations

import pytest
from test_tui_helpers import SIZE, add_deck, make_app, screen_text
from textual.widgets import DataTable, Input

from conftest import NOW
from mastery.tui.screens.browser import BrowserScreen
from mastery.tui.screens.card_info import CardInfoScreen
from mastery.tui.screens.dashboard import DashboardScreen


@pytest.fixture
def two_decks(col, write_deck):
    add_deck(
        col,
        write_deck,
        "geo",
        "Geography",
        [("Capital of France?", "Paris"), ("Capital of Peru?", "Lima")],
        tags="capitals",
    )
    add_deck(col, write_deck, "art", "Art", [("Who painted Guernica?", "Picasso [1937]")])
    return col


def rows(app) -> list[str]:
    """The fronts of the cards listed (the table shows them shortened to fit)."""
    assert app.screen.query_one("#cards", DataTable).row_count == len(app.screen.cards)
    return [card.front for card in app.screen.cards]


def shown_state(app, card_id: int) -> str:
    return str(app.screen.query_one("#cards", DataTable).get_row(str(card_id))[3])


async def search(pilot, query: str) -> None:
    """`/`, the query (set in one go: typing key by key is tested once, and slow), Enter."""
    app = pilot.app
    await pilot.press("slash")
    app.screen.query_one("#search", Input).value = query
    await pilot.press("enter")  # searches at once and moves to the results
    await pilot.pause()
    assert app.screen.focused is app.screen.query_one("#cards")


async def test_search_words_tags_decks_and_states(two_decks) -> None:
    app = make_app(two_decks)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, BrowserScreen)
        assert len(rows(app)) == 3 and "3 cards" in screen_text(app)

        await search(pilot, "peru")  # by keys once; the syntax below straight through search()
        assert rows(app) == ["Capital of Peru?"]
        screen = app.screen
        expected = {
            "picasso": ["Who painted Guernica?"],  # words match the back too
            "tag:capitals": ["Capital of France?", "Capital of Peru?"],
            "deck:art": ["Who painted Guernica?"],
            "is:new deck:geo": ["Capital of France?", "Capital of Peru?"],
            "zebra": [],
        }
        for query, fronts in expected.items():
            screen.search(query)
            assert rows(app) == fronts, query
        await pilot.pause()
        assert "No cards match" in screen_text(app)


async def test_typing_searches_without_enter(two_decks) -> None:
    app = make_app(two_decks)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "slash", *"lima")
        await pilot.pause(0.4)
        assert rows(app) == ["Capital of Peru?"]
        await pilot.press("escape", "escape")  # out of the box, then out of the browser
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)


async def test_s_toggles_suspend_on_the_selected_card(two_decks) -> None:
    app = make_app(two_decks)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await search(pilot, "deck:geo")
        await pilot.press("j", "s")
        await pilot.pause()
        assert two_decks.card("geo/c2").suspended
        assert not two_decks.card("geo/c1").suspended
        assert shown_state(app, two_decks.card("geo/c2").id) == "suspended"
        await search(pilot, "is:suspended")
        assert rows(app) == ["Capital of Peru?"]

        await pilot.press("s")
        await pilot.pause()
        assert not two_decks.card("geo/c2").suspended
        assert shown_state(app, two_decks.card("geo/c2").id) == "new"
        assert two_decks.counts(now=NOW).new == 3


async def test_enter_shows_card_info_with_history(two_decks) -> None:
    card = two_decks.card("art/c1")
    two_decks.answer(card.id, 3, now=NOW, duration_ms=4200)
    app = make_app(two_decks)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await search(pilot, "guernica")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CardInfoScreen)
        text = screen_text(app)
        assert "Who painted Guernica?" in text and "Picasso [1937]" in text
        for label in ("Stability", "Difficulty", "Retrievability now", "Next due"):
            assert label in text
        assert "learning" in text
        history = app.screen.query_one("#info-history", DataTable)
        assert history.row_count == 1
        assert [str(c) for c in history.get_row_at(0)][1:2] == ["Good"]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BrowserScreen)


async def test_card_info_of_a_new_card_says_no_reviews_yet(two_decks) -> None:
    app = make_app(two_decks)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "enter")
        await pilot.pause()
        text = screen_text(app)
        assert "No reviews yet." in text and "not yet studied" in text
