"""Input safety (issue 13): keys typed in a burst land where the user meant them, unsaved work
is never lost without asking, the command palette, the remembered theme and the user keymap."""

from __future__ import annotations

import re

import pytest
from test_tui_helpers import SIZE, add_deck, burst, make_app, review_count, screen_text
from textual.command import CommandInput, CommandList
from textual.widgets import Input, TextArea

from conftest import NOW
from mastery.tui.app import MasteryCommands
from mastery.tui.dialogs.unsaved import DiscardScreen, QuitScreen
from mastery.tui.screens.browser import BrowserScreen
from mastery.tui.screens.dashboard import DashboardScreen
from mastery.tui.screens.goals import CheckInScreen, GoalFormScreen, GoalsScreen, MilestoneScreen
from mastery.tui.screens.journal import (
    EntryEditorScreen,
    JournalScreen,
    PromptScreen,
    QuickCaptureScreen,
)
from mastery.tui.screens.review import ReviewScreen

GEO = [("Capital of France?", "Paris"), ("Capital of Peru?", "Lima")]


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


async def test_keys_typed_right_after_opening_an_editor_go_into_it(col) -> None:
    """`e` then text in one burst: the text lands in the editor `e` opened (`q` does not
    quit from the screen on its way up)."""
    col.journal.add("Shared thoughts", visibility="shared", now=NOW)
    app = make_app(col)
    exits = record_exit(app)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(JournalScreen())
        await pilot.pause()
        await burst(pilot, "e", "q", "u", "i", "t")
        assert isinstance(app.screen, EntryEditorScreen) and exits == []
        assert app.screen.query_one("#entry-body", TextArea).text == "Shared thoughtsquit"


async def test_text_pasted_right_after_slash_goes_to_the_search_box(col) -> None:
    from textual import events

    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(JournalScreen())
        await pilot.pause()
        app._driver.send_message(events.Key("slash", "/"))
        app._driver.send_message(events.Paste("vim"))
        await pilot.pause()
        assert app.screen.query_one("#journal-filter", Input).value == "vim"


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


async def test_held_keys_go_on_when_the_key_before_never_reports_back(col, monkeypatch) -> None:
    """Were a key's `KeyHandled` lost, the keys held behind it still arrive, in order, after
    `STUCK_AFTER` seconds: the keyboard never locks up."""
    from mastery.tui import key_order

    monkeypatch.setattr(key_order, "STUCK_AFTER", 0.05)
    monkeypatch.setattr(key_order.OrderedKeysApp, "on_key_handled", lambda self, message: None)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(JournalScreen())
        await pilot.pause()
        await burst(pilot, "slash", "a", "b")
        for _ in range(20):
            await pilot.pause(0.05)
        assert app.screen.query_one("#journal-filter", Input).value == "ab"


# ----------------------------------------------------------------------------- unsaved changes
def record_exit(app) -> list[bool]:
    """Calls to `app.exit` (the app stays open, so the test can go on)."""
    calls: list[bool] = []
    app.exit = lambda *args, **kwargs: calls.append(True)  # type: ignore[method-assign]
    return calls


async def test_escape_in_the_goal_form_asks_only_when_something_was_typed(col) -> None:
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(GoalsScreen())
        await pilot.pause()
        await pilot.press("a")
        assert isinstance(app.screen, GoalFormScreen)
        await pilot.press("escape")  # nothing typed: closes at once
        assert isinstance(app.screen, GoalsScreen)

        await pilot.press("a", *"Run")
        form = app.screen
        await pilot.press("escape")
        assert isinstance(app.screen, DiscardScreen)
        assert "Discard your changes?" in screen_text(app)
        await pilot.press("escape")  # keep editing
        assert app.screen is form
        assert form.query_one("#goal-title", Input).value == "Run"
        await pilot.press("escape", "y")
        assert isinstance(app.screen, GoalsScreen)
        assert col.goals.list() == []


async def test_every_goal_dialog_asks_before_discarding(col) -> None:
    goal = col.goals.get(col.goals.add("Speak German", now=NOW).id, now=NOW)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        editors = [
            (lambda: CheckInScreen(goal), "#check-in-note"),
            (lambda: MilestoneScreen(goal), "#milestone-title"),
            (lambda: GoalFormScreen(goal), "#goal-title"),  # an edit: starts from the goal
            (QuickCaptureScreen, "#capture-tags"),
        ]
        for make, box in editors:
            dialog = make()
            await app.push_screen(dialog)
            await pilot.pause()
            await pilot.press("escape")  # unchanged: closes at once
            assert app.screen is not dialog and not isinstance(app.screen, DiscardScreen)
            dialog = make()
            await app.push_screen(dialog)
            await pilot.pause()
            dialog.query_one(box, Input).value += " more"
            await pilot.press("escape")
            assert isinstance(app.screen, DiscardScreen), box
            await pilot.press("d")
            assert app.screen is not dialog
        assert col.goals.check_ins(goal.id) == []
        assert col.goals.get(goal.id, now=NOW).title == "Speak German"


async def test_quit_asks_while_an_editor_holds_unsaved_changes(col) -> None:
    app = make_app(col)
    exits = record_exit(app)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(JournalScreen())
        await pilot.pause()
        await pilot.press("n", "enter")  # the first prompt
        editor = app.screen
        assert isinstance(editor, EntryEditorScreen)
        await pilot.press("ctrl+q")  # nothing typed yet: quits at once
        assert exits == [True]

        await pilot.press(*"Today")
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, QuitScreen) and exits == [True]
        assert "Quit without saving?" in screen_text(app)
        await pilot.press("escape")  # stay
        assert app.screen is editor and exits == [True]
        await pilot.press("ctrl+n")  # a quick capture over the editor: the editor still counts
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, QuitScreen)
        await pilot.press("q")
        assert exits == [True, True]
        await pilot.press("ctrl+q")  # asked again, and ctrl+q on the question quits
        await pilot.press("ctrl+q")
        assert exits == [True, True, True]
        assert col.journal.list() == []


# ----------------------------------------------------------------------------- the palette
async def palette_titles(app, pilot) -> list[str]:
    """What the command palette lists when opened with nothing typed."""
    await pilot.press("ctrl+p")
    await pilot.pause(0.3)
    options = app.screen.query_one(CommandList)
    titles = [
        options.get_option_at_index(n).prompt.plain.split("\n")[0]
        for n in range(options.option_count)
    ]
    await pilot.press("escape")
    await pilot.pause()
    return titles


async def test_the_palette_lists_each_command_once_without_noise(col, write_deck) -> None:
    add_deck(col, write_deck, "geo", "Geography", [("Capital of France?", "Paris")])
    col.goals.add("Speak German", now=NOW)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        for key in ("", "g", "b", "t", "J"):  # the dashboard, then goals, browse, stats, journal
            if key:
                await pilot.press("escape")  # back to the dashboard (a list's own keys aside)
                await pilot.pause()
                await pilot.press(key)
                await pilot.pause()
            titles = await palette_titles(app, pilot)
            area = app.screen.AREA
            assert len(titles) == len({t.rstrip("…").casefold() for t in titles}), area
            assert all(": " in t for t in titles), area  # "area: Action", Textual's too
            assert not [t for t in titles if t.endswith((": Back", ": Cancel"))], area
            assert "app: Theme…" in titles and "app: Quit" in titles
            assert "Keys" not in titles and "Maximize" not in titles  # help: Keys; noise
        assert isinstance(app.screen, JournalScreen)


async def test_a_screen_opened_from_the_palette_during_review_keeps_the_session(
    col, write_deck
) -> None:
    add_deck(col, write_deck, "geo", "Geography", GEO)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "space", "3")  # the first card answered
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen) and review.session.answered == 1
        card = review.card
        for command in ("stats: Open", "journal: Open"):  # one, then another over it
            await pilot.press("ctrl+p")
            await pilot.pause()
            app.screen.query_one(CommandInput).value = command
            await pilot.pause(0.3)
            await pilot.press("enter")
            await pilot.pause()
        assert isinstance(app.screen, JournalScreen)
        assert app.screen_stack[-2] is review  # the stats screen closed, the review kept
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is review and review.card == card and review.session.answered == 1
        assert card.front in screen_text(app)
        await pilot.press("u")  # undo still takes back the answer of this session
        await pilot.pause()
        assert review.session.answered == 0 and review_count(col) == 0
        assert "Capital of France?" in screen_text(app)


# ----------------------------------------------------------------------------- theme and keymap
async def test_a_theme_picked_in_the_palette_is_used_next_start(col, mastery_home) -> None:
    config = mastery_home / "config" / "config.toml"
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+p")
        await pilot.pause()
        app.screen.query_one(CommandInput).value = "app: theme"
        await pilot.pause(0.3)
        await pilot.press("enter")  # Textual's theme list
        await pilot.pause()
        app.screen.query_one(CommandInput).value = "nord"
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == "nord"
    assert 'theme = "nord"' in config.read_text()

    config.write_text('# mine\ntheme = "nord"\n\n[keymap]\njournal-search = "f"\n')
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        assert app.theme == "nord" and not app.notes
        app.theme = "gruvbox"  # the rest of the file is kept, comments included
    assert config.read_text() == '# mine\ntheme = "gruvbox"\n\n[keymap]\njournal-search = "f"\n'


async def test_the_keymap_file_rebinds_keys_and_a_bad_entry_is_one_warning(
    col, mastery_home
) -> None:
    config = mastery_home / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        'theme = "no-such-theme"\ncolour = 3\n\n[keymap]\njournal-search = "f"\n'
        'journal-share = "ctrl+v"\nno-such-binding = "x"\nreview-again = ["a"]\n'
    )
    entry = col.journal.add("Shared thoughts", visibility="shared", now=NOW)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()  # the ids are checked in a worker
        warnings = [m for s, m in app.notes if s == "warning"]
        assert len(warnings) == 4 and all("\n" not in m for m in warnings)
        assert any("'no-such-binding'" in m for m in warnings)
        assert any("review-again" in m for m in warnings)
        assert any("'no-such-theme'" in m for m in warnings)
        assert any("'colour'" in m for m in warnings)
        assert app.theme == "textual-dark"
        await app.push_screen(JournalScreen())
        await pilot.pause()
        await pilot.press("v")  # no longer Share
        assert col.journal.get(entry.id).shared
        await pilot.press("ctrl+v")
        assert not col.journal.get(entry.id).shared
        await pilot.press("f", "x")
        assert app.screen.query_one("#journal-filter", Input).value == "x"


async def test_a_config_file_that_is_not_toml_is_a_warning_not_a_crash(col, mastery_home) -> None:
    config = mastery_home / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("[keymap\njournal-search = f\n")
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        [(severity, message)] = app.notes
        assert severity == "warning" and "not valid TOML" in message and str(config) in message
        await pilot.press("J", "slash", "x")
        assert app.screen.query_one("#journal-filter", Input).value == "x"
        app.theme = "nord"  # not remembered: the user's broken file is left alone
        await pilot.pause()
        assert "theme not remembered" in app.notes[-1][1]
    assert config.read_text() == "[keymap\njournal-search = f\n"


async def test_ctrl_a_selects_all_in_a_text_box_and_is_free_elsewhere(col) -> None:
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(QuickCaptureScreen())
        await pilot.pause()
        await pilot.press(*"one two", "ctrl+a", "x")  # the selection is replaced
        assert app.screen.query_one("#capture-body", TextArea).text == "x"
        await pilot.press("tab", *"tag", "ctrl+a", "y")
        assert app.screen.query_one("#capture-tags", Input).value == "y"
        await pilot.press("escape", "y")  # discard
        await pilot.pause()
        assert app.check_action("select_all", ()) is False  # the dashboard's table has focus


def test_the_readme_keymap_example_and_ids_are_real(tmp_path) -> None:
    from conftest import ROOT
    from mastery.tui import config

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Theme and keymap") :]
    example = section[section.index("```toml") + 7 : section.index("```\n", 10)]
    path = tmp_path / "config.toml"
    path.write_text(example)
    loaded = config.load(path, themes={"nord"})
    assert loaded.warnings == [] and config.unknown_ids(loaded) == []
    assert len(loaded.keymap) == 6
    listed = section[section.index("the common ones:") : section.index("A file that cannot")]
    ids = set(re.findall(r"`([a-z]+(?:-[a-z]+)+)`", listed))
    assert len(ids) > 20 and ids <= config.binding_ids()


async def test_help_shows_the_binding_ids_a_keymap_names(col, write_deck) -> None:
    add_deck(col, write_deck, "geo", "Geography", GEO)
    app = make_app(col)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.press("r", "question_mark")
        await pilot.pause()
        text = screen_text(app)
        assert re.search(r"Again +review-again", text) and "app-quit" in text
    # At 80x24 every key stays in sight in two columns; the ids need the width, and the
    # help says where they are.
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "question_mark")
        await pilot.pause()
        text = screen_text(app)
        assert "Again" in text and "Quit" in text
        assert "keymap names show in a wider terminal" in text


@pytest.mark.parametrize(
    ("content", "said"),
    [(b"theme = 'nord'\n" + b"#" * (2 << 20), "too large"), (b"theme = '\xff'\n", "UTF-8")],
)
async def test_a_config_file_too_big_or_not_text_is_a_warning(
    col, mastery_home, content: bytes, said: str
) -> None:
    config = mastery_home / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_bytes(content)
    app = make_app(col)
    async with app.run_test(size=SIZE):
        [(severity, message)] = app.notes
        assert severity == "warning" and said in message and app.theme == "textual-dark"


def test_config_toml_is_per_user_and_moves_with_the_home(monkeypatch, tmp_path) -> None:
    from mastery import paths
    from mastery.tui.config import config_path

    moved = tmp_path / "elsewhere"
    assert config_path(paths.database_path(home=moved)) == moved / "config" / "config.toml"
    home = paths.home_dir()  # MASTERY_HOME: a database opened by path uses the home in force
    assert config_path(tmp_path / "copy.db") == home / "config" / "config.toml"
    monkeypatch.delenv("MASTERY_HOME")
    assert config_path(tmp_path / "copy.db") == paths.user_config_dir() / "config.toml"
    default = paths.database_path()  # the platform's data folder
    assert config_path(default) == paths.user_config_dir() / "config.toml"
    assert config_path(paths.database_path("other")) == config_path(default)  # every profile
    assert config_path(paths.database_path(home=moved)) == moved / "config" / "config.toml"


async def test_leaving_an_editor_through_the_palette_asks_too(col) -> None:
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("J", "n", "enter", *"Today")
        editor = app.screen
        assert isinstance(editor, EntryEditorScreen)
        commands = {t: run for t, run, _ in MasteryCommands(app.screen)._commands()}
        commands["goals: Open"]()
        await pilot.pause()
        assert isinstance(app.screen, DiscardScreen)
        await pilot.press("n")  # keep editing
        assert app.screen is editor
        commands["dashboard: Open"]()
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen) and col.journal.list() == []
