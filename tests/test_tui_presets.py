"""Deck presets in the app: the dashboard marks the counts a daily limit cut and says which
preset's limit it was; `o` chooses a deck's preset; the Settings screen lists the presets."""

from __future__ import annotations

from test_tui_helpers import SIZE, add_deck, make_app, screen_text

from mastery.tui.dialogs.preset import PresetScreen
from mastery.tui.screens.settings import SettingsScreen

ART = [("Mona Lisa", "da Vinci"), ("The Scream", "Munch"), ("Guernica", "Picasso")]
GEO = [("Capital of France", "Paris"), ("Capital of Peru", "Lima")]


def row_of(text: str, name: str) -> list[str]:
    return next(line for line in text.splitlines() if name in line).split()


async def test_a_decks_own_limit_is_marked_and_named(col, write_deck) -> None:
    add_deck(col, write_deck, "art", "Art", ART)
    add_deck(col, write_deck, "geo", "Geography", GEO)
    col.presets.add("Slow")
    col.presets.edit("Slow", "new_per_day", 1)
    col.presets.use("art", "Slow")
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert row_of(text, "Art")[-4:] == ["1*", "0", "0", "3"]
        assert row_of(text, "Geography")[-4:] == ["2", "0", "0", "2"]
        assert "* limit: Slow 1 new/day (Art)" in text
        assert "3 to review today" in text  # the total agrees with the column


async def test_the_default_presets_limit_across_decks_explains_the_total(col, write_deck) -> None:
    add_deck(col, write_deck, "art", "Art", ART)
    add_deck(col, write_deck, "geo", "Geography", GEO)
    col.set_setting("new_per_day", 2)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert row_of(text, "Art")[-4] == "2*"
        assert row_of(text, "Geography")[-4] == "2"
        assert "2 to review today" in text
        assert "* limit: Default 2 new/day (Art)" in text
        assert "all decks: 2 new (Default)" in text


async def test_o_chooses_the_preset_of_the_deck_under_the_cursor(col, write_deck) -> None:
    add_deck(col, write_deck, "art", "Art", ART)
    col.presets.add("None today")
    col.presets.edit("None today", "new_per_day", 0)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, PresetScreen)
        assert "Preset for Art" in screen_text(app)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert col.presets.preset("None today").decks == ("art",)
        assert row_of(screen_text(app), "Art")[-4] == "0*"
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("escape")  # nothing changes
        await pilot.pause()
        assert col.presets.preset("None today").decks == ("art",)


async def test_the_settings_screen_lists_presets_and_marks_the_default_presets_settings(
    col, write_deck
) -> None:
    add_deck(col, write_deck, "art", "Art", ART)
    col.presets.add("Exam")
    app = make_app(col)
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        text = screen_text(app)
        assert "Deck presets: Default (1 deck: art); Exam (0 decks)" in text
        assert "New cards per day †" in text
        assert "Time zone †" not in text


async def test_the_palette_chooses_a_deck_preset_from_any_screen(col, write_deck) -> None:
    from mastery.tui.app import MasteryCommands

    add_deck(col, write_deck, "art", "Art", ART)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await pilot.pause()
        commands = {t: run for t, run, _ in MasteryCommands(app.screen)._commands()}
        commands["deck: Preset…"]()
        await pilot.pause()
        assert isinstance(app.screen, PresetScreen)
