"""Input safety (issue 13): keys typed in a burst land where the user meant them, unsaved work
is never lost without asking, the command palette, the remembered theme and the user keymap."""

from __future__ import annotations

from test_tui_helpers import SIZE, add_deck, burst, make_app
from textual.widgets import Input

from conftest import NOW
from mastery.tui.screens.browser import BrowserScreen
from mastery.tui.screens.journal import JournalScreen, PromptScreen


# ----------------------------------------------------------------------------- keys in a burst
async def test_keys_typed_right_after_slash_go_to_the_journal_search_box(col) -> None:
    entry = col.journal.add("Shared thoughts", visibility="shared", now=NOW)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(JournalScreen())
        await pilot.pause()
        await burst(pilot, "slash", "v", "i", "m")  # `v` on the list shares or unshares
        assert app.screen.query_one("#journal-filter", Input).value == "vim"
        assert app.focused is app.screen.query_one("#journal-filter")
        assert col.journal.get(entry.id).shared


async def test_keys_typed_right_after_slash_go_to_the_browser_search_box(col, write_deck) -> None:
    add_deck(col, write_deck, "geo", "Geography", [("Capital of France?", "Paris")])
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(BrowserScreen())
        await pilot.pause()
        await burst(pilot, "slash", "s", "t", "a", "s", "h")  # `s` on the list suspends
        assert app.screen.query_one("#search", Input).value == "stash"
        assert not col.card("geo/c1").suspended
        assert not col.can_undo  # nothing was suspended and unsuspended on the way
        assert not [m for _, m in app.notes if "suspended" in m]


async def test_a_burst_goes_on_after_a_key_that_closes_a_dialog(col) -> None:
    """The key that closed the dialog went to a widget that is gone: the keys behind it are
    not stuck, and go to the screen below."""
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(JournalScreen())
        await pilot.pause()
        await pilot.press("n")
        assert isinstance(app.screen, PromptScreen)
        await burst(pilot, "escape", "slash", "a", "b")
        assert isinstance(app.screen, JournalScreen)
        assert app.screen.query_one("#journal-filter", Input).value == "ab"
