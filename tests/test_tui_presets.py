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


async def choose_preset(pilot, name: str) -> None:
    """Open the preset chooser at the top of Settings and pick `name` with the arrow keys."""
    from textual.widgets import Select

    screen = pilot.app.screen
    chooser = screen.query_one("#settings-preset", Select)
    chooser.focus()
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    presets = pilot.app.collection.presets.presets()
    ids = [p.id for p in presets]
    steps = ids.index(pilot.app.collection.presets.preset(name).id) - ids.index(chooser.value)
    await pilot.press(*(["down"] * steps if steps > 0 else ["up"] * -steps), "enter")
    await pilot.pause()
    assert chosen(screen) == name


def chosen(screen) -> str:
    """The name of the preset the Settings screen edits, read from its chooser."""
    from textual.widgets import Select

    value = screen.query_one("#settings-preset", Select).value
    return screen.app.collection.presets.preset(value).name


async def test_settings_edits_the_chosen_presets_values_and_the_profiles_others(
    col, write_deck
) -> None:
    from textual.widgets import Input

    add_deck(col, write_deck, "art", "Art", ART)
    col.presets.add("Exam")
    col.presets.use("art", "Exam")
    app = make_app(col)
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        screen = app.screen
        await choose_preset(pilot, "Exam")
        new = screen.query_one("#setting-new_per_day", Input)
        assert new.value == "20"
        new.focus()
        await pilot.press("ctrl+u", "5", "enter")
        await pilot.pause()
        easy = screen.query_one("#setting-easy_days", Input)
        easy.focus()
        await pilot.press("ctrl+u", *"100 100 100 100 100 0 0", "enter")
        await pilot.pause()
        rollover = screen.query_one("#setting-rollover_hour", Input)  # not a preset's
        rollover.focus()
        await pilot.press("ctrl+u", "6", "enter")
        await pilot.pause()
        assert ("information", "New cards per day (preset Exam): 5") in app.notes
        # back on Default: its own values
        await choose_preset(pilot, "Default")
        assert new.value == "20" and easy.value == "100 100 100 100 100 100 100"
        await choose_preset(pilot, "Exam")
        assert new.value == "5" and easy.value == "100 100 100 100 100 0 0"
    exam = col.presets.preset("Exam").values
    assert exam["new_per_day"] == 5 and exam["easy_days"] == [100] * 5 + [0, 0]
    assert col.setting("new_per_day") == 20 and col.setting("easy_days") == [100] * 7
    assert col.setting("rollover_hour") == 6


async def test_a_preset_is_added_renamed_and_removed_from_settings(col, write_deck) -> None:
    from textual.widgets import Input

    from mastery.tui.dialogs.name import NameScreen
    from mastery.tui.dialogs.yes_no import YesNoScreen

    add_deck(col, write_deck, "art", "Art", ART)
    col.set_setting("desired_retention", 0.85)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await pilot.pause()
        screen = app.screen
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert isinstance(app.screen, NameScreen)
        await pilot.press(*"Default", "enter")  # taken: said, and the box stays open
        await pilot.pause()
        assert isinstance(app.screen, NameScreen)
        assert app.notes[-1] == ("error", "a preset named 'Default' exists already")
        await pilot.press("ctrl+u", *"Exam", "enter")
        await pilot.pause()
        assert app.screen is screen
        assert chosen(screen) == "Exam"
        assert col.presets.preset("Exam").values["desired_retention"] == 0.85  # a copy
        assert "Exam (0 decks)" in screen_text(app)
        box = screen.query_one("#setting-desired_retention", Input)
        box.focus()
        await pilot.press("ctrl+u", *"0.95", "enter")
        await pilot.pause()
        assert col.presets.preset("Exam").values["desired_retention"] == 0.95
        assert col.setting("desired_retention") == 0.85
        col.presets.use("art", "Exam")

        await pilot.press("ctrl+r")
        await pilot.pause()
        assert app.screen.query_one("#name-input", Input).value == "Exam"
        await pilot.press("ctrl+u", *"Finals", "enter")
        await pilot.pause()
        assert [p.name for p in col.presets.presets()] == ["Default", "Finals"]
        assert chosen(screen) == "Finals"

        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, YesNoScreen)
        assert "Its 1 deck goes back to Default" in screen_text(app)
        await pilot.press("n")  # kept
        await pilot.pause()
        assert [p.name for p in col.presets.presets()] == ["Default", "Finals"]
        await pilot.press("ctrl+g")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert [p.name for p in col.presets.presets()] == ["Default"]
        assert col.presets.preset("Default").decks == ("art",)
        assert chosen(screen) == "Default"
        assert box.value == "0.85"  # the Default preset's again
        assert "Finals" not in screen_text(app)


async def test_the_default_preset_keeps_its_name_and_cannot_be_removed(col) -> None:
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await pilot.pause()
        screen = app.screen
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert app.screen is screen
    assert [sev for sev, _ in app.notes] == ["warning", "warning"]
    assert [p.name for p in col.presets.presets()] == ["Default"]


async def test_the_palette_offers_the_preset_actions_on_settings(col) -> None:
    from mastery.tui.app import MasteryCommands

    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await pilot.pause()
        titles = {t for t, _, _ in MasteryCommands(app.screen)._commands()}
    assert {
        "settings: New preset…",
        "settings: Rename preset…",
        "settings: Remove preset…",
    } <= titles


async def test_a_preset_removed_in_another_window_is_not_written_to(col) -> None:
    from textual.widgets import Input

    col.presets.add("[b]Exam[/b]")
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await pilot.pause()
        screen = app.screen
        await choose_preset(pilot, "[b]Exam[/b]")
        await pilot.press("enter")  # the name shows as typed, not as markup
        await pilot.pause()
        assert "[b]Exam[/b]" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        col.presets.remove("[b]Exam[/b]")  # as another window would
        box = screen.query_one("#setting-desired_retention", Input)
        box.focus()
        await pilot.press("ctrl+u", *"0.8", "enter")
        await pilot.pause()
        assert chosen(screen) == "Default" and box.value == "0.9"
        assert app.notes == [
            ("warning", "The preset shown was removed in another window; showing Default.")
        ]
    assert col.setting("desired_retention") == 0.9
