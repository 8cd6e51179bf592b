"""The settings screen: built from SETTINGS, saved through Collection.set_setting."""

from __future__ import annotations

from test_tui_helpers import SIZE, make_app, screen_text
from textual.widgets import Input, Select, Switch

from mastery.settings import SETTINGS
from mastery.tui.screens.dashboard import DashboardScreen
from mastery.tui.screens.settings import SettingsScreen


async def open_settings(pilot) -> SettingsScreen:
    await pilot.press("s")
    await pilot.pause()
    assert isinstance(pilot.app.screen, SettingsScreen)
    return pilot.app.screen


async def type_into(pilot, widget: Input, text: str, then: str = "enter") -> None:
    """Focus a box, put `text` in it (in one go: typing key by key is slow), press `then`."""
    widget.focus()
    await pilot.pause()
    widget.value = text
    await pilot.press(then)
    await pilot.pause()


async def test_every_setting_is_listed_with_its_label_help_and_editor(col) -> None:
    app = make_app(col)
    async with app.run_test(size=(100, 200)) as pilot:
        screen = await open_settings(pilot)
        text = screen_text(app)
        for spec in SETTINGS.values():
            assert spec.label in text
            assert spec.help.split()[0] in text
            editor = screen.query_one(f"#setting-{spec.key}")
            expected = Switch if spec.kind is bool else Select if spec.choices else Input
            assert isinstance(editor, expected)
        assert screen.query_one("#setting-learning_steps", Input).value == "1m 10m"


async def test_a_valid_value_is_saved(col) -> None:
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        box = screen.query_one("#setting-new_per_day", Input)
        box.focus()
        await pilot.press("ctrl+u", "3", "5", "enter")  # typed for real once
        await pilot.pause()
        assert col.setting("new_per_day") == 35
        steps = screen.query_one("#setting-learning_steps", Input)
        await type_into(pilot, steps, "2m,15m", then="tab")  # leaving the box saves it too
        assert col.setting("learning_steps") == ["2m", "15m"]
        assert steps.value == "2m 15m"
        assert ("information", "New cards per day: 35") in app.notes


async def test_an_invalid_value_is_refused_and_nothing_is_saved(col) -> None:
    before = col.settings()
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        box = screen.query_one("#setting-desired_retention", Input)
        await type_into(pilot, box, "1.5")
        assert col.setting("desired_retention") == 0.9
        assert box.has_class("-invalid")
        assert any(sev == "error" and "at most 0.99" in msg for sev, msg in app.notes)

        steps = screen.query_one("#setting-learning_steps", Input)
        await type_into(pilot, steps, "soon")
        assert col.setting("learning_steps") == ["1m", "10m"]
        assert any(sev == "error" and "invalid step 'soon'" in msg for sev, msg in app.notes)

        await type_into(pilot, box, "0.85")
        assert col.setting("desired_retention") == 0.85
        assert not box.has_class("-invalid")

        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
    after = col.settings()
    assert {key for key in before if before[key] != after[key]} == {"desired_retention"}


async def test_switches_and_selects_save_on_change(col) -> None:
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        screen.query_one("#setting-enable_fuzz", Switch).toggle()
        await pilot.pause()
        assert col.setting("enable_fuzz") is False
        screen.query_one("#setting-leech_action", Select).value = "tag"
        await pilot.pause()
        assert col.setting("leech_action") == "tag"


async def test_escape_saves_the_box_being_edited(col) -> None:
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        await type_into(
            pilot, screen.query_one("#setting-reviews_per_day", Input), "120", then="escape"
        )
        assert isinstance(app.screen, DashboardScreen)
    assert col.setting("reviews_per_day") == 120


async def test_escape_with_a_bad_value_reports_it_once_and_saves_nothing(col) -> None:
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        await type_into(pilot, screen.query_one("#setting-rollover_hour", Input), "25", "escape")
        assert isinstance(app.screen, DashboardScreen)
    assert [sev for sev, _ in app.notes] == ["error"]
    assert col.setting("rollover_hour") == 4


async def test_easy_days_and_the_load_balancer_are_edited_in_place(col) -> None:
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        box = screen.query_one("#setting-easy_days", Input)
        assert box.value == "100 100 100 100 100 100 100"
        await type_into(pilot, box, "100 100 100 100 100 50 0")
        assert col.setting("easy_days") == [100, 100, 100, 100, 100, 50, 0]
        assert box.value == "100 100 100 100 100 50 0"
        await type_into(pilot, box, "100 100 100")
        assert col.setting("easy_days") == [100, 100, 100, 100, 100, 50, 0]
        assert box.has_class("-invalid")
        assert any(sev == "error" and "expected 7 percentages" in msg for sev, msg in app.notes)
        screen.query_one("#setting-load_balancer", Switch).toggle()
        await pilot.pause()
        assert col.setting("load_balancer") is False


async def test_settings_opens_in_the_first_settings_box(col) -> None:
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        assert screen.focused is screen.query_one("#setting-desired_retention", Input)
        await pilot.press("ctrl+u", "0", ".", "8", "enter")  # typing goes straight in
        await pilot.pause()
    assert col.setting("desired_retention") == 0.8


async def test_a_refused_value_gives_way_to_the_stored_one_and_says_why(col) -> None:
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        box = screen.query_one("#setting-desired_retention", Input)
        await pilot.press("ctrl+u", "1", ".", "5", "enter")
        await pilot.pause()
        assert box.value == "0.9" and box.has_class("-invalid")
        [(severity, message)] = app.notes
        assert severity == "error"
        assert message == (
            "desired_retention: must be at most 0.99, got '1.5' "
            "(allowed: a number from 0.7 to 0.99). Kept 0.9."
        )
        await pilot.press("ctrl+u", "0", ".", "8", "5", "enter")  # typing goes on at once
        await pilot.pause()
        assert box.value == "0.85" and not box.has_class("-invalid")
        steps = screen.query_one("#setting-learning_steps", Input)
        await type_into(pilot, steps, "")
        assert steps.value == "1m 10m"
        assert app.notes[-1] == (
            "error",
            "learning_steps: needs at least one step (allowed: 1 to 20 durations from 1s to "
            "30d, e.g. '1m 10m'). Kept 1m 10m.",
        )
    assert col.setting("desired_retention") == 0.85
    assert col.setting("learning_steps") == ["1m", "10m"]


async def test_saved_values_read_as_typed_not_as_python(col) -> None:
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        screen.query_one("#setting-enable_fuzz", Switch).toggle()
        await pilot.pause()
        await type_into(pilot, screen.query_one("#setting-learning_steps", Input), "2m 20m")
        await type_into(pilot, screen.query_one("#setting-timezone", Input), "Europe/Paris")
        await type_into(pilot, screen.query_one("#setting-timezone", Input), "")
    messages = [message for _, message in app.notes]
    assert messages == [
        "Fuzz intervals: off",
        "Learning steps: 2m 20m",
        "Time zone: Europe/Paris",
        "Time zone: (empty)",
    ]
    assert not any("True" in m or "False" in m or "[" in m for m in messages)


async def test_tabbing_through_never_writes_back_over_another_windows_change(
    col, monkeypatch
) -> None:
    """Settings open here, `mastery config new_per_day 5` in another terminal: the box shows
    5 within a poll, and tabbing through boxes the user never typed in saves nothing (it
    wrote the old 20 back over the other window's 5). A box being typed in keeps its text."""
    from mastery.collection import Collection
    from mastery.tui.app import MasteryApp

    monkeypatch.setattr(MasteryApp, "POLL_SECONDS", 0.05)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        new = screen.query_one("#setting-new_per_day", Input)
        steps = screen.query_one("#setting-learning_steps", Input)
        new.focus()
        await pilot.pause()
        with Collection.open_path(col.db.path) as other:  # the CLI's own connection
            other.set_setting("new_per_day", 5)
        await pilot.press("tab")  # before the poll: the box still shows what it was given
        await pilot.pause()
        assert col.setting("new_per_day") == 5
        await pilot.pause(0.3)
        assert new.value == "5"

        steps.focus()
        await pilot.press("end", "space", "2", "h")  # typing, not saved yet
        with Collection.open_path(col.db.path) as other:
            other.set_setting("reviews_per_day", 90)
        await pilot.pause(0.3)
        assert steps.value == "1m 10m 2h"
        assert screen.query_one("#setting-reviews_per_day", Input).value == "90"
        await pilot.press("enter")
        await pilot.pause()
        assert col.setting("learning_steps") == ["1m", "10m", "2h"]
        assert col.setting("reviews_per_day") == 90


async def test_the_preset_chooser_open_during_a_poll_still_chooses(col, monkeypatch) -> None:
    """Another window changes a setting while the preset list is open here: the redraw
    leaves the open list alone, so down + enter still picks the next preset."""
    from mastery.collection import Collection
    from mastery.tui.app import MasteryApp
    from mastery.tui.screens.settings import PRESET_CHOOSER

    monkeypatch.setattr(MasteryApp, "POLL_SECONDS", 0.05)
    col.presets.add("Exam")
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        chooser = screen.query_one(f"#{PRESET_CHOOSER}", Select)
        chooser.focus()
        await pilot.press("enter")
        await pilot.pause()
        with Collection.open_path(col.db.path) as other:
            other.set_setting("rollover_hour", 5)
        await pilot.pause(0.3)
        assert screen.query_one("#setting-rollover_hour", Input).value == "5"
        await pilot.press("down", "enter")
        await pilot.pause()
        assert screen.preset_id == col.presets.preset("Exam").id


async def test_a_preset_renamed_in_another_window_is_listed_by_its_new_name(
    col, monkeypatch
) -> None:
    from mastery.collection import Collection
    from mastery.tui.app import MasteryApp

    monkeypatch.setattr(MasteryApp, "POLL_SECONDS", 0.05)
    col.presets.add("Exam")
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await open_settings(pilot)
        with Collection.open_path(col.db.path) as other:
            other.presets.rename("Exam", "Finals")
        await pilot.pause(0.3)
        text = screen_text(app)
        assert "Finals (0 decks)" in text and "Exam" not in text
