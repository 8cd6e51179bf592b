"""Text from files (decks, journal entries, mentor bundles, team.toml) never reaches the
terminal raw: every screen that shows it draws ESC, C1 controls and bidi overrides as visible
characters (ESC as U+241B, the others as U+FFFD), never as the characters themselves."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from mentor_files import pair
from rich.text import Text
from test_team import STEWARDS, make_team, member
from test_tui_helpers import SIZE, make_app, screen_text
from textual.content import Content

from conftest import NOW
from mastery.collection import Collection
from mastery.text import safe_text, visible_controls
from mastery.tui.screens.browser import BrowserScreen
from mastery.tui.screens.card_info import CardInfoScreen
from mastery.tui.screens.journal import EntryScreen, JournalScreen
from mastery.tui.screens.mentees import MenteeScreen, SharedEntryScreen
from mastery.tui.screens.review import ReviewScreen
from mastery.tui.screens.team import TeamScreen

# Retitle the window, clear the screen, a C1 CSI (set red), a right-to-left override.
EVIL = "\x1b]0;pwned\x07\x1b[2J\x9b31m\u202e"
RAW = ("\x1b", "\x07", "\x9b", "\u202e")


def assert_neutralised(app, *words: str) -> None:  # type: ignore[no-untyped-def]
    """No raw control reaches the rendered strips, and each word shows with the visible form."""
    text = screen_text(app)
    for char in RAW:
        assert char not in text, (char, text)
    for word in words:
        assert visible_controls(word + EVIL) in text, (word, text)


def toml_str(text: str) -> str:
    """A TOML basic string: JSON's escapes (\\u001b, ...) are TOML's too."""
    return json.dumps(text)


def evil_deck(col: Collection, write_deck) -> None:  # type: ignore[no-untyped-def]
    deck = "\n".join(
        [
            'id = "evil"',
            f"name = {toml_str('Evil' + EVIL)}",
            "[[cards]]",
            'id = "c1"',
            f"front = {toml_str('Front' + EVIL)}",
            f"back = {toml_str('Back' + EVIL + chr(10) + 'second line')}",
            f"tags = [{toml_str('tag' + EVIL)}]",
        ]
    )
    col.import_files([write_deck(deck, name="evil.toml")], now=NOW)


async def test_deck_text_is_neutralised_on_dashboard_review_browser_and_card_info(
    col: Collection, write_deck
) -> None:
    evil_deck(col, write_deck)
    assert col.deck_cards("evil")[0].front == "Front" + EVIL  # stored as written
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert_neutralised(app, "Evil")  # the dashboard's deck table

        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert_neutralised(app, "Front")
        await pilot.press("space")  # reveal
        await pilot.pause()
        assert_neutralised(app, "Back")
        assert "second line" in screen_text(app)  # newlines in a body are kept
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, BrowserScreen)
        assert_neutralised(app)  # the table's cells are cut short: their start shows
        assert "Evil␛]0" in screen_text(app) and "Front␛]0;pwned␇" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CardInfoScreen)
        assert_neutralised(app, "Front", "Back")
        assert "tag␛]0;pwned␇" in screen_text(app)


async def test_journal_entries_are_neutralised_in_list_and_reader(col: Collection) -> None:
    # A fenced block is highlighted through its own path (styled spans over the code).
    body = "Body" + EVIL + "\n\n```python\ncode = 1" + EVIL + "\n```\n"
    entry = col.journal.add(body, title="Title" + EVIL, now=NOW)
    app = make_app(col)
    async with app.run_test(size=(130, 40)) as pilot:
        await app.push_screen(JournalScreen())
        await pilot.pause()
        assert_neutralised(app, "Title", "Body")
        await app.push_screen(EntryScreen(entry.id))
        await pilot.pause()
        assert_neutralised(app, "Title", "Body", "code = 1")
        await pilot.press("e")  # the editor's text box and title field draw it safely too
        await pilot.pause()
        assert app.screen.sub_title == "Edit entry"
        assert_neutralised(app, "Body")


async def test_mentor_bundle_text_is_neutralised_in_the_mentees_reader(
    mastery_home: Path, tmp_path: Path
) -> None:
    mentee = Collection.open("mentee", bundled=False, now=NOW)
    mentor = Collection.open("mentor", bundled=False, now=NOW)
    for c in (mentee, mentor):
        c.set_setting("timezone", "UTC")
    try:
        mentee.journal.add("Body" + EVIL, title="Title" + EVIL, visibility="shared", now=NOW)
        bundle = tmp_path / "ana.json"
        pair(mentee, mentor)
        mentee.mentor.export_bundle(bundle, name="Ana" + EVIL, decks=[], now=NOW)
        mentor.mentor.add_bundle(bundle, now=NOW)
        [who] = mentor.mentor.mentees()
        app = make_app(mentor)
        async with app.run_test(size=SIZE) as pilot:
            app.action_mentees()
            await pilot.pause()
            assert_neutralised(app, "Ana")
            await app.push_screen(MenteeScreen(who.id))
            await pilot.pause()
            assert_neutralised(app, "Title")
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, SharedEntryScreen)
            assert_neutralised(app, "Title", "Body")
    finally:
        mentee.close()
        mentor.close()


async def test_team_toml_text_is_neutralised_on_the_team_screen(
    col: Collection, mastery_home: Path, tmp_path: Path
) -> None:
    goals = (
        f'[[goals]]\nid = "basics"\ntitle = {toml_str("Goal" + EVIL)}\n'
        'decks = ["team-deck"]\ntarget = 2027-06-30\n'
    )
    folder = make_team(tmp_path / "t", goals=goals)
    (folder / "team.toml").write_text(
        f'id = "crew"\nname = {toml_str("Crew" + EVIL)}\n'
        f"vision = {toml_str('Vision' + EVIL)}\nk = 3\n{goals}"
        f"[[stewards]]\nname = {toml_str('Steward' + EVIL)}\n"
        f'identity = "{STEWARDS[0].public.to_text()}"\n',
        encoding="utf-8",
    )
    for n in range(3):
        other = member(mastery_home, f"m{n}", folder, reviews=2)
        other.team.sync(now=NOW)
        other.close()
    col.team.join(folder)
    app = make_app(col)
    async with app.run_test(size=(100, 40)) as pilot:
        app.action_team()
        await pilot.pause()
        assert isinstance(app.screen, TeamScreen)
        await pilot.pause()
        assert_neutralised(app, "Vision")
        assert "Crew␛]0;pwned␇" in screen_text(app) and "Goal␛]0;pwned␇" in screen_text(app)


@given(st.text())
def test_visible_controls_keeps_length_lines_and_leaves_nothing_unsafe(text: str) -> None:
    shown = visible_controls(text)
    assert len(shown) == len(text)  # styled spans laid over the text stay aligned
    assert safe_text(shown) == shown  # nothing left that safe_text would escape
    assert [i for i, c in enumerate(shown) if c in "\t\n"] == [
        i for i, c in enumerate(text) if c in "\t\n"
    ]


def test_the_app_installs_the_filter_textual_and_rich_draw_through(col: Collection) -> None:
    make_app(col)
    assert Content("a\x1bb\u202e").plain == "a␛b�"
    assert Text("x\x9by\x07").plain == "x�y␇"
