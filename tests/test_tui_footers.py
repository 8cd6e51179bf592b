"""Every main screen keeps "? Help" in its footer at 80 columns: the footer is how a new user
finds the keys, and a screen that grows a binding pushes it out without anyone noticing."""

from __future__ import annotations

import pytest
from test_tui_helpers import add_deck, make_app, screen_text

GEO = [("Capital of France?", "Paris"), ("Capital of Peru?", "Lima")]


@pytest.mark.parametrize("key", ["", "r", "b", "t", "s", "g", "J", "M", "T"])
async def test_the_footer_keeps_help_at_80_columns(col, write_deck, key: str) -> None:
    add_deck(col, write_deck, "geo", "Geography", GEO)
    app = make_app(col)
    async with app.run_test(size=(80, 24)) as pilot:
        if key:
            await pilot.press(key)
        await pilot.pause()
        await pilot.pause()
        line = screen_text(app).splitlines()[-1]
        assert "? Help" in line or "f1 Help" in line, (key, line)


async def test_f1_opens_help_from_a_text_box_where_question_mark_is_typed(col) -> None:
    from mastery.tui.screens.help import HelpScreen

    app = make_app(col)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")  # Settings starts in its first text box
        await pilot.pause()
        assert "f1 Help" in screen_text(app).splitlines()[-1]
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
