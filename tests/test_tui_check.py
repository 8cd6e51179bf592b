"""profile: Check database from the command palette, and the hint on damage notifications."""

from __future__ import annotations

from test_tui_helpers import SIZE, add_deck, make_app, screen_text
from textual.command import CommandInput

from conftest import NOW
from mastery.tui.screens.check import CheckScreen

GEO = [("Capital of France?", "Paris"), ("Capital of Peru?", "Lima")]


async def open_check(app, pilot) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause()
    app.screen.query_one(CommandInput).value = "check database"
    await pilot.pause(0.3)
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, CheckScreen)
    for _ in range(100):  # the report arrives as a message once the worker is done
        await app.workers.wait_for_complete()
        await pilot.pause(0.05)
        if "Checking" not in screen_text(app) and "..." not in screen_text(app):
            break


async def test_palette_check_fixes_a_card_and_shows_the_report(col, write_deck) -> None:
    add_deck(col, write_deck, "geo", "Geography", GEO)
    card = col.card("geo/c1").id
    col.answer(card, 3, now=NOW)
    good = col.conn.execute("SELECT state, due FROM card WHERE id = ?", (card,)).fetchone()
    col.conn.execute("UPDATE card SET state = 0, due = NULL WHERE id = ?", (card,))
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await open_check(app, pilot)
        text = screen_text(app)
        assert "Fixed:" in text and "disagreed with their review history" in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CheckScreen)
    assert col.conn.execute("SELECT state, due FROM card WHERE id = ?", (card,)).fetchone() == good


async def test_palette_check_on_a_clean_profile_says_no_problems(col, write_deck) -> None:
    add_deck(col, write_deck, "geo", "Geography", GEO)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await open_check(app, pilot)
        assert "No problems found." in screen_text(app)


async def test_a_damage_notification_suggests_the_check(col) -> None:
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.notify("database disk image is malformed", severity="error", markup=False)
        app.notify("no card 7", severity="error")
        await pilot.pause()
        shown = [n.message for n in app._notifications]
        assert any("malformed" in m and "mastery check" in m for m in shown)
        assert "no card 7" in shown


async def test_palette_check_of_a_damaged_file_says_to_restore(col, monkeypatch) -> None:
    from mastery.errors import DatabaseCorruptError

    def broken(*args: object, **kwargs: object) -> None:
        raise DatabaseCorruptError("x.db", "cannot open profile database (disk image is malformed)")

    monkeypatch.setattr("mastery.collection.Collection.check", broken)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await open_check(app, pilot)
        text = screen_text(app)
        assert "malformed" in text and "--restore" in text
