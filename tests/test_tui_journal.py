"""The journal screens: list and reader, search and filters, the editor, quick capture."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from test_tui_helpers import SIZE, make_app, screen_text
from textual.widgets import Input, Markdown, Switch, TextArea

from conftest import NOW
from mastery.errors import SearchError
from mastery.query import JournalQuery, parse_journal
from mastery.tui.screens.journal import (
    HIGHLIGHT,
    ConfirmScreen,
    EntryEditorScreen,
    EntryScreen,
    JournalScreen,
    PromptScreen,
    QuickCaptureScreen,
)
from mastery.tui.widgets.key_list import KeyList

TODAY = date(2026, 11, 21)


def listed(app) -> list[str]:
    """The titles in the journal list, in order."""
    return [hit.entry.title for hit in app.screen._hits.values()]


def prompt_of(app, index: int):
    return app.screen.query_one("#journal-list", KeyList).get_option_at_index(index).prompt


async def open_journal(app, pilot, **kwargs) -> JournalScreen:
    await app.push_screen(JournalScreen(**kwargs))
    await pilot.pause()
    assert isinstance(app.screen, JournalScreen)
    return app.screen


async def search(pilot, query: str) -> None:
    """`/`, the query, Enter: the keys once, then (fast) what Enter does."""
    await pilot.press("slash")
    pilot.app.screen.query_one("#journal-filter", Input).value = query
    await pilot.press("enter")


async def submit(pilot, query: str) -> None:
    """What Enter in the search box does, without the keys (each key costs a frame)."""
    pilot.app.screen.query_one("#journal-filter", Input).value = query
    await pilot.app.screen.query_one("#journal-filter", Input).action_submit()
    await pilot.pause()


async def test_write_entries_from_a_prompt_or_a_blank_page_and_find_them(col) -> None:
    col.goals.add("Speak German", now=NOW)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await open_journal(app, pilot)
        assert "Your journal is empty" in screen_text(app) and "Press n" in screen_text(app)

        await pilot.press("n")
        assert isinstance(app.screen, PromptScreen)
        text = screen_text(app)
        for name in ("Daily reflection", "After-action review", "Mental-model check", "Blank"):
            assert name in text
        await pilot.press("enter")  # the first: daily reflection
        editor = app.screen
        assert isinstance(editor, EntryEditorScreen)
        text = screen_text(app)
        assert "## What did I learn today?" in text and "## What will I do next?" in text

        await pilot.press("ctrl+s")  # only the questions: refused, the editor stays open
        assert app.screen is editor
        assert any("the entry is empty" in m for s, m in app.notes if s == "error")

        await pilot.press(*"Cramming")  # typed key by key once; other tests set values
        resolved = editor.query_one("#entry-date-resolved")
        assert str(resolved.render()) == "Sat 21 Nov 2026"  # empty box: today, said plainly
        editor.query_one("#entry-date", Input).value = "tomorrow"
        await pilot.pause()
        assert str(resolved.render()) == "in the future" and resolved.has_class("-refused")
        await pilot.press("ctrl+s")
        assert app.screen is editor
        assert any("is in the future" in m for s, m in app.notes if s == "error")

        await pilot.press("escape")  # something typed: ask before discarding it
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")  # no: keep writing
        assert app.screen is editor

        editor.query_one("#entry-date", Input).value = ""
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, JournalScreen)
        [entry] = col.journal.list()
        assert entry.prompt == "daily" and entry.day == TODAY and not entry.shared
        assert entry.body.startswith("## What did I learn today?\nCramming\n")
        assert entry.title == "Cramming"
        assert listed(app) == ["Cramming"]
        assert "Daily reflection" in screen_text(app)  # the reader names the prompt

        # Found again by a word; the match is marked in the list.
        col.journal.add("Nothing about that here.", now=NOW)
        await search(pilot, "cramming")
        assert listed(app) == ["Cramming"]
        assert "1 found" in screen_text(app)
        assert app.screen.focused is app.screen.query_one("#journal-list")
        prompt = prompt_of(app, 0)
        marked = [prompt.plain[s.start : s.end] for s in prompt.spans if s.style == HIGHLIGHT]
        assert marked == ["Cramming", "Cramming"]  # in the title and in the snippet

        # A blank page: untouched, Escape closes it without a question.
        await pilot.press("n", "G", "enter")
        assert app.screen.query_one("#entry-body", TextArea).text == ""
        await pilot.press("escape")
        assert isinstance(app.screen, JournalScreen)
        # Back-dated, and linked to a goal by the start of its title.
        await pilot.press("n", "G", "enter", "W")
        editor = app.screen
        editor.query_one("#entry-date", Input).value = "yesterday"
        await pilot.pause()
        assert "Fri 20 Nov 2026" in screen_text(app)  # the phrase, resolved beside the box
        editor.query_one("#entry-goals", Input).value = "speak"
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, JournalScreen)
        [blank] = [e for e in col.journal.list() if e.body == "W"]
        assert blank.day == TODAY - timedelta(days=1) and blank.goals == ("Speak German",)
        assert blank.prompt is None


async def test_filters_for_tag_goal_visibility_and_dates(col) -> None:
    goal = col.goals.add("Speak German", now=NOW)
    col.journal.add("Old one", tags=["fsrs"], day="2026-10-01", now=NOW)
    col.journal.add("Goal one", goals=[goal.id], tags=["fsrs", "german"], now=NOW)
    col.journal.add("Shared one", visibility="shared", day="yesterday", now=NOW)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await open_journal(app, pilot)
        # Typing searches after a short pause; half a filter says nothing until Enter.
        await pilot.press("slash", "o")
        box = app.screen.query_one("#journal-filter", Input)
        box.value = "on"  # as if typed: each change posts Input.Changed
        await pilot.pause(0.3)
        assert listed(app) == ["Goal one", "Shared one", "Old one"]
        box.value = 'old when:"'
        await pilot.pause(0.3)
        assert listed(app) == ["Goal one", "Shared one", "Old one"]
        assert not [n for n in app.notes if n[0] == "error"] and box.has_class("-invalid")
        await pilot.press("escape")
        assert app.screen.focused is app.screen.query_one("#journal-list")

        await submit(pilot, "tag:fsrs")
        assert listed(app) == ["Goal one", "Old one"]
        await submit(pilot, "tag:fsrs tag:german")
        assert listed(app) == ["Goal one"]
        await submit(pilot, 'goal:"speak german"')
        assert listed(app) == ["Goal one"]
        await submit(pilot, "is:shared")
        assert listed(app) == ["Shared one"]
        await submit(pilot, 'when:"last 7 days"')
        assert listed(app) == ["Goal one", "Shared one"]
        await submit(pilot, "when:october one")
        assert listed(app) == ["Old one"]

        for bad, message in [
            ("is:public", "unknown filter is:public; use is:shared, is:private"),
            ('when:"blursday"', 'can\'t read "blursday" as a date range'),
            ("goal:Zebra", "no goal matches 'Zebra'"),
            ('"open quote', "is not closed"),
        ]:
            await submit(pilot, bad)
            assert any(message in m for s, m in app.notes if s == "error"), bad
            assert listed(app) == ["Old one"]  # the last good search stays
            assert app.screen.query_one("#journal-filter").has_class("-invalid")

        await submit(pilot, "zebra")
        assert listed(app) == [] and "No entries match" in screen_text(app)


async def test_read_edit_share_and_delete_an_entry(col) -> None:
    goal = col.goals.add("Speak German", now=NOW)
    col.journal.add("# Older\n\nSome **bold** [text].", day="yesterday", now=NOW)
    entry = col.journal.add(
        "First draft [v1]", tags=["a", "b"], goals=[goal.id], visibility="shared", now=NOW
    )
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_journal(app, pilot)
        assert listed(app) == ["First draft [v1]", "Older"]  # newest first
        text = screen_text(app)
        assert "shared #a #b ◎ Speak German" in text and "↗ First draft [v1]" in text
        reader = screen.query_one("#reader-body", Markdown)
        assert reader.source == "First draft [v1]"
        await pilot.press("j")
        assert reader.source.startswith("# Older") and "yesterday" in screen_text(app)

        # Stacked at 80 columns; side by side on a wide terminal.
        listing, box = screen.query_one("#journal-list"), screen.query_one("#journal-reader")
        assert listing.region.bottom <= box.region.y
        await pilot.resize_terminal(140, 30)
        assert screen.has_class("-wide")
        assert listing.region.y == box.region.y and listing.region.right <= box.region.x

        await pilot.press("enter")  # the entry on its own screen
        assert isinstance(app.screen, EntryScreen)
        assert "Some bold [text]." in screen_text(app)
        await pilot.press("escape", "k", "e")
        editor = app.screen
        assert isinstance(editor, EntryEditorScreen)
        assert editor.query_one("#entry-body", TextArea).text == "First draft [v1]"
        assert editor.query_one("#entry-goals", Input).value == "Speak German"
        assert editor.query_one("#entry-date", Input).value == "2026-11-21"
        await pilot.press("!")  # the cursor starts at the end
        editor.query_one("#entry-tags", Input).value = "x, y"
        editor.query_one("#entry-title", Input).value = "Second thoughts"
        editor.query_one("#entry-shared", Switch).value = False
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, JournalScreen)
        fresh = col.journal.get(entry.id)
        assert fresh.body == "First draft [v1]!"
        assert (fresh.title, fresh.tags, fresh.goals) == (
            "Second thoughts",
            ("x", "y"),
            ("Speak German",),
        )
        assert not fresh.shared and fresh.day == TODAY
        assert listed(app)[0] == "Second thoughts"

        await pilot.press("v")  # private -> shared
        assert col.journal.get(entry.id).shared
        said = [n.message for n in app._notifications]
        assert any("for your mentor (never to a team)" in m for m in said), said
        assert not any("team can read" in m for m in said)
        assert "↗ Second thoughts" in screen_text(app)
        await pilot.press("v")
        assert not col.journal.get(entry.id).shared
        assert "↗ Second thoughts" not in screen_text(app)

        await pilot.press("delete")
        assert isinstance(app.screen, ConfirmScreen)
        assert "Delete this entry?" in screen_text(app) and "Second thoughts" in screen_text(app)
        assert len(col.journal.list()) == 2
        await pilot.press("y")
        assert [e.title for e in col.journal.list()] == ["Older"]
        assert listed(app) == ["Older"]


async def test_quick_capture_saves_a_private_entry_for_today(col) -> None:
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(QuickCaptureScreen())
        await pilot.press("escape")  # empty: closes at once
        assert not isinstance(app.screen, QuickCaptureScreen)
        await app.push_screen(QuickCaptureScreen())
        await pilot.press("i", "escape")  # something typed: ask first
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        assert not isinstance(app.screen, (QuickCaptureScreen, ConfirmScreen))
        assert col.journal.list() == []

        await app.push_screen(QuickCaptureScreen())
        await pilot.pause()
        await pilot.press("ctrl+s")  # nothing written: refused
        assert isinstance(app.screen, QuickCaptureScreen)
        await pilot.press(*"[it]")
        app.screen.query_one("#capture-tags", Input).value = "learning"
        await pilot.press("ctrl+s")
        assert not isinstance(app.screen, QuickCaptureScreen)
        [entry] = col.journal.list()
        assert entry.body == "[it]"
        assert (entry.day, entry.visibility, entry.tags) == (TODAY, "private", ("learning",))
        assert ("information", "Captured in today's journal.") in app.notes


# ----------------------------------------------------------------------------- the filter
def test_parse_journal_reads_words_phrases_and_filters() -> None:
    got = parse_journal(
        'fsrs "long term" tag:a TAG:b goal:"Speak German" is:Shared when:"last week" http://x.y'
    )
    assert got == JournalQuery(
        words=("fsrs", "long term", "http://x.y"),
        tags=("a", "b"),
        goal="Speak German",
        visibility="shared",
        when="last week",
    )
    assert parse_journal("").empty


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('tag:"x', "not closed"),
        ("tag:", "tag: needs a value"),
        ("goal:a goal:b", "one goal: at a time"),
        ("when:today when:yesterday", "one when: at a time"),
        ("is:everyone", "unknown filter is:everyone; use is:shared, is:private"),
    ],
)
def test_parse_journal_says_what_is_wrong(query: str, message: str) -> None:
    with pytest.raises(SearchError, match=message):
        parse_journal(query)


async def test_a_long_code_line_wraps_instead_of_being_cut_at_80_columns(col) -> None:
    """Textual scrolls code blocks sideways with no scrollbar: the end of a long line was
    out of sight for good (issue 13)."""
    line = "git log --oneline --graph --decorate --all -- src/mastery/tui/screens END-OF-LINE"
    col.journal.add(f"Useful:\n\n```sh\n{line}\n```\n", title="Git", now=NOW)
    app = make_app(col)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("J")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert "END-OF-LINE" in screen_text(app)
