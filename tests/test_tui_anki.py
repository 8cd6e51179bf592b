"""What Anki users expect in review and the browser (issue 13): `e` edits the card (into its
deck file), `f` + a digit and ctrl+1..7 flag it, `*` marks it, `u` takes both back; the review
header's three counts; "in N days" alike on every surface; the done screen's promises."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_cli import run
from test_tui_helpers import SIZE, add_deck, make_app, screen_text
from textual.widgets import DataTable, Input, Static, TextArea

from mastery.collection import Collection
from mastery.states import Flag
from mastery.tui.dialogs.card_editor import CardEditorScreen
from mastery.tui.dialogs.flag import FlagScreen
from mastery.tui.dialogs.yes_no import YesNoScreen
from mastery.tui.screens.browser import BrowserScreen
from mastery.tui.screens.card_info import CardInfoScreen
from mastery.tui.screens.dashboard import DashboardScreen
from mastery.tui.screens.done import DoneScreen
from mastery.tui.screens.review import CramScreen, ReviewScreen
from mastery.tui.widgets.rating_bar import RatingButton

CARDS = [
    ("Capital of France?", "Paris"),
    ("Capital of Peru?", "Lima"),
    ("Capital of Kenya?", "Nairobi"),
]


@pytest.fixture
def geo(col: Collection, write_deck) -> Collection:
    add_deck(col, write_deck, "geo", "Geography", CARDS)
    return col


def deck_file(col: Collection) -> Path:
    return Path(col.deck("geo").source)


def header(app) -> str:
    return screen_text(app).splitlines()[1]


def flat(app) -> str:
    """The screen's words on one line (the done screen wraps its sentences)."""
    return " ".join(screen_text(app).replace("│", " ").split())


def footer(app) -> str:
    return screen_text(app).splitlines()[-1]


# ----------------------------------------------------------------------------- edit
async def test_e_in_review_edits_the_card_into_its_deck_file(geo) -> None:
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "space", "e")
        await pilot.pause()
        assert isinstance(app.screen, CardEditorScreen)
        assert app.screen.focused is app.screen.query_one("#edit-front", TextArea)
        await pilot.press("end", "space", "(", "E", "U", ")", "tab", "end", "!")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        text = screen_text(app)
        assert "Capital of France? (EU)" in text and "Paris!" in text  # the answer still shows
        assert any("Saved to" in note for _, note in app.notes)
        await pilot.press("3")
        await pilot.pause()
    card = geo.card("geo/c1")
    assert (card.front, card.back, card.reps) == ("Capital of France? (EU)", "Paris!", 1)
    assert "front = '''Capital of France? (EU)'''" not in deck_file(geo).read_text()
    assert 'front = "Capital of France? (EU)"' in deck_file(geo).read_text()
    assert "Capital of Peru?" in deck_file(geo).read_text()


async def test_escape_in_the_editor_asks_before_dropping_changes(geo) -> None:
    before = deck_file(geo).read_text()
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "e", "escape")  # nothing changed: closes without asking
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("e", "X", "escape")
        await pilot.pause()
        assert isinstance(app.screen, YesNoScreen)
        await pilot.press("n")  # keep editing
        await pilot.pause()
        assert isinstance(app.screen, CardEditorScreen)
        assert app.screen.query_one("#edit-front", TextArea).text.startswith("X")
        await pilot.press("escape", "y")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert "XCapital" not in screen_text(app)
    assert deck_file(geo).read_text() == before
    assert geo.card("geo/c1").front == "Capital of France?"


async def test_a_refused_edit_says_why_and_keeps_the_editor_open(geo) -> None:
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#edit-back", TextArea).text = "   "
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CardEditorScreen)
        assert ("error", "the back is empty: a card needs an answer") in app.notes
    assert geo.card("geo/c1").back == "Paris"


async def test_e_in_the_browser_edits_the_selected_card_and_its_row(geo) -> None:
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "j")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        tags = app.screen.query_one("#edit-tags", Input)
        tags.focus()
        await pilot.press("s", "a")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, BrowserScreen)
        row = [
            str(c)
            for c in app.screen.query_one("#cards", DataTable).get_row(str(geo.card("geo/c2").id))
        ]
        assert "sa" in row[-1]
    assert geo.card("geo/c2").tags == ("sa",)
    assert 'tags = ["sa"]' in deck_file(geo).read_text()


# ----------------------------------------------------------------------------- flag, mark
async def test_flag_and_mark_in_review_show_in_the_header_and_undo(geo) -> None:
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "f")
        await pilot.pause()
        assert isinstance(app.screen, FlagScreen)
        await pilot.press("1")
        await pilot.pause()
        assert "⚑ red" in header(app)
        assert geo.card("geo/c1").flag is Flag.RED
        await pilot.press("asterisk")
        await pilot.pause()
        assert "⚑ red ★" in header(app) and geo.card("geo/c1").marked
        await pilot.press("ctrl+4")  # Anki's key, where the terminal sends it
        await pilot.pause()
        assert "⚑ blue" in header(app) and geo.card("geo/c1").flag is Flag.BLUE

        await pilot.press("u")
        await pilot.pause()
        assert "⚑ red" in header(app) and geo.card("geo/c1").flag is Flag.RED
        await pilot.press("u", "u")
        await pilot.pause()
        assert "⚑" not in header(app) and "★" not in header(app)
        assert "Capital of France?" in screen_text(app)  # still the same card, question side
    assert geo.card("geo/c1").tags == ()
    assert geo.conn.execute("SELECT count(*) FROM reviewlog").fetchone()[0] == 0


async def test_flag_mark_and_search_in_the_browser_then_cram_the_flagged(geo) -> None:
    from test_tui_browser import search

    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "j", "f", "2")
        await pilot.pause()
        peru = geo.card("geo/c2")
        assert peru.flag is Flag.ORANGE
        table = app.screen.query_one("#cards", DataTable)
        assert str(table.get_row(str(peru.id))[2]).startswith("⚑")
        await pilot.press("j", "asterisk")
        await pilot.pause()
        assert geo.card("geo/c3").marked
        assert str(table.get_row(str(geo.card("geo/c3").id))[2]).startswith(" ★")

        await search(pilot, "flag:2")
        assert [c.key for c in app.screen.cards] == ["c2"]
        await search(pilot, "tag:marked")
        assert [c.key for c in app.screen.cards] == ["c3"]
        await pilot.press("u")  # the mark
        await pilot.pause()
        assert not geo.card("geo/c3").marked

        await search(pilot, "flag:orange")
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CramScreen)
        assert "Capital of Peru?" in screen_text(app)
        assert "1" in screen_text(app).splitlines()[1].split()[-1]  # 0 / 1


# ----------------------------------------------------------------------------- header, footer
async def test_the_header_has_ankis_three_counts_as_the_dashboard_has_them(geo) -> None:
    geo.set_setting("new_per_day", 2)  # the limit cuts 3 new cards to 2
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        row = [str(c).strip() for c in app.screen.query_one("#decks", DataTable).get_row("geo")]
        assert row[1:4] == ["2*", "0", "0"]  # new (cut by the limit), learning, due
        await pilot.press("enter")  # review the deck
        await pilot.pause()
        counts = app.screen.query_one("#counts", Static)
        assert str(counts.render()) == "2 + 0 + 0"
        new_part = counts.render().spans[0]
        assert "underline" in str(new_part.style)  # the current card is new
        await pilot.press("space", "1")  # Again: into learning
        await pilot.pause()
        assert str(app.screen.query_one("#counts", Static).render()) == "1 + 1 + 0"
        assert "1 + 1 + 0" in header(app)
        await pilot.press("escape")  # the dashboard's line for everything, then review all
        await pilot.pause()
        assert "2 to review today: 1 new, 1 learning, 0 due" in flat(app)
        await pilot.press("r")
        await pilot.pause()
        assert str(app.screen.query_one("#counts", Static).render()) == "1 + 1 + 0"


@pytest.mark.parametrize("confidence", [False, True])
async def test_the_footer_keeps_help_in_80_columns(geo, confidence) -> None:
    geo.set_setting("confidence_step", confidence)
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert "? Help" in footer(app) and "u Undo" in footer(app)
        await pilot.press("space")
        await pilot.pause()
        assert "? Help" in footer(app) and "e Edit" in footer(app) and "f Flag" in footer(app)
        await pilot.press("escape", "b")
        await pilot.pause()
        assert "? Help" in footer(app) and "e Edit" in footer(app)


async def test_the_browser_gives_the_front_most_of_80_and_120_columns(geo) -> None:
    for size, front in (((80, 24), 24), ((120, 35), 41)):
        app = make_app(geo)
        async with app.run_test(size=size) as pilot:
            await pilot.press("b")
            await pilot.pause()
            table = app.screen.query_one("#cards", DataTable)
            widths = {str(k.value): c.width for k, c in table.columns.items()}
            assert widths["front"] == front
            assert widths["state"] >= len("relearning") and widths["due"] >= len("in 30d")
            assert sum(widths.values()) + 2 * len(widths) + 4 <= size[0]


# ----------------------------------------------------------------------------- in N days
EVENING = datetime(2026, 11, 21, 21, 0, tzinfo=UTC)  # the card comes due at 04:00 tomorrow


async def test_a_card_due_tomorrow_morning_is_in_1d_on_every_surface(
    col: Collection, write_deck, capsys, monkeypatch
) -> None:
    add_deck(col, write_deck, "one", "One", [("Capital of Chile?", "Santiago")])
    col.set_setting("maximum_interval", 1)  # every review interval is one day
    app = make_app(col, now=EVENING)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "space")
        await pilot.pause()
        easy = [str(b.label) for b in app.screen.query(RatingButton)][3]
        assert easy == "4 Easy 1d"  # the answer button
        await pilot.press("4")
        await pilot.pause()
        assert isinstance(app.screen, DoneScreen)
        assert "Next review: tomorrow 04:00 (in 1d)." in flat(app)  # done screen
        await pilot.press("enter")
        await pilot.pause()
        assert "Next review: tomorrow 04:00 (in 1d)." in flat(app)  # dashboard
        await pilot.press("b")
        await pilot.pause()
        row = app.screen.query_one("#cards", DataTable).get_row_at(0)
        assert str(row[4]) == "in 1d"  # browser
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CardInfoScreen)
        assert "tomorrow 04:00 (in 1d)" in screen_text(app)  # card info: next due
        history = app.screen.query_one("#info-history", DataTable)
        assert str(history.get_row_at(0)[2]) == "1d"  # card info: the history (was "7h")
    card = col.search_cards("chile", now=EVENING)[0]
    assert (card.due - EVENING).total_seconds() == 7 * 3600

    col.close()
    monkeypatch.setattr("mastery.days.utcnow", lambda: EVENING)
    code, out, _ = run(capsys, "card", "show", card.ref)
    assert code == 0 and "(in 1d)" in out  # CLI: next due
    assert out.splitlines()[-1].split()[4] == "1d"  # CLI: the history's interval


# ----------------------------------------------------------------------------- done screen
async def test_the_done_screen_promises_no_new_cards_under_a_limit_of_0(geo) -> None:
    geo.set_setting("new_per_day", 0)
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "No new cards tomorrow: the daily limit of new cards is 0" in flat(app)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, DoneScreen)
        text = flat(app)
        assert "more new cards" not in text.lower()
        assert "No new cards tomorrow: the daily limit of new cards is 0" in text
        assert "undo" not in text.lower() and "u Undo" not in footer(app)  # nothing to undo
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, DoneScreen) and not app.notes


async def test_the_done_screen_says_how_many_new_cards_come_tomorrow(geo) -> None:
    geo.set_setting("new_per_day", 2)
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        for _ in range(2):
            await pilot.press("space", "4")
        await pilot.pause()
        assert isinstance(app.screen, DoneScreen)
        text = flat(app)
        assert "Next review:" in text and "u to undo the last answer" in text
        assert "u Undo" in footer(app)


async def test_undo_of_a_flag_on_the_done_screen_stays_there(geo) -> None:
    geo.set_setting("new_per_day", 1)
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "f", "3", "space", "4")
        await pilot.pause()
        assert isinstance(app.screen, DoneScreen)
        await pilot.press("u")  # the answer
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("space", "4")
        await pilot.pause()
        await pilot.press("u", "u")  # the answer, then the flag
        await pilot.pause()
    assert geo.card("geo/c1").flag is Flag.NONE


async def test_in_cram_a_flag_is_undone_without_taking_back_an_answer(geo) -> None:
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        app.start_cram("deck:geo")
        await pilot.pause()
        assert isinstance(app.screen, CramScreen)
        await pilot.press("space", "3")  # France done for this session
        await pilot.pause()
        await pilot.press("f", "5")
        await pilot.pause()
        assert "⚑ pink" in header(app) and geo.card("geo/c2").flag is Flag.PINK
        await pilot.press("u")  # the flag only: Peru stays on screen
        await pilot.pause()
        assert geo.card("geo/c2").flag is Flag.NONE
        assert "Capital of Peru?" in screen_text(app) and "1 / 3" in header(app)
        await pilot.press("u")  # then the cram answer: France is back
        await pilot.pause()
        assert "Capital of France?" in screen_text(app)
    assert geo.conn.execute("SELECT count(*) FROM reviewlog").fetchone()[0] == 0


async def test_the_header_fits_80_columns_with_a_long_deck_a_flag_and_a_mark(
    col: Collection, write_deck
) -> None:
    add_deck(col, write_deck, "long", "The Geography of Every Capital City in the World", CARDS)
    card = col.card("long/c1")
    col.set_flag([card.id], Flag.TURQUOISE)
    col.set_marked([card.id], True)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        line = header(app)
        assert "⚑ turquoise ★" in line and "3 + 0 + 0" in line and line.rstrip().endswith("0 / 3")
        assert line.lstrip().startswith("The Geography")
