"""The one search syntax (`mastery.query`): the tokenizer, the typed queries, and the same bad
search refused with the same line everywhere a search is typed (CLI cram, CLI journal search,
the browser, the cram dialog, the journal screen)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_tui_helpers import SIZE, add_deck, make_app
from textual.widgets import Input, Static

from conftest import NOW
from mastery.cli import main
from mastery.errors import SearchError
from mastery.query import CardQuery, JournalQuery, Token, parse_cards, parse_journal, tokenize
from mastery.tui.screens.browser import BrowserScreen
from mastery.tui.screens.cram import CramPromptScreen
from mastery.tui.screens.journal import JournalScreen


def refusal(parse, line: str) -> str:
    with pytest.raises(SearchError) as caught:
        parse(line)
    return str(caught.value)


# ----------------------------------------------------------------------------- parsing
def test_tokenize_reads_words_phrases_and_filters_with_quoted_values() -> None:
    assert tokenize('Paris "long  term" TAG:x when:"last week" https://a.b 10:30') == [
        Token("Paris"),
        Token("long term", phrase=True),
        Token("x", "tag"),
        Token("last week", "when"),
        Token("https://a.b"),
        Token("10:30"),
    ]
    assert tokenize('""  ') == []


def test_card_queries_are_typed() -> None:
    assert parse_cards('peru tag:capitals Deck:geo IS:New due:3 "of p"') == CardQuery(
        words=("peru", "of p"),
        tags=("capitals",),
        decks=("geo",),
        states=("new",),
        due_within=3,
    )
    assert parse_cards("due:99999999").due_within == 36500
    assert parse_cards("   ").empty


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "is:foo",
            "unknown filter is:foo; use is:new, is:learning, is:review, is:due, is:suspended, "
            "is:leech",
        ),
        ("colour:red", "unknown filter colour:red; use tag:, deck:, is:, due:"),
        ("goal:x", "unknown filter goal:x; use tag:, deck:, is:, due:"),
        ("tag:", "tag: needs a value, e.g. tag:verbs"),
        ("due:soon", "due:soon: give a whole number of days"),
        ('peru "open', 'a double quote (") is not closed'),
    ],
)
def test_bad_card_searches_say_what_to_write(line: str, message: str) -> None:
    assert refusal(parse_cards, line).startswith(message)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("is:foo", "unknown filter is:foo; use is:shared, is:private"),
        ("deck:geo", "unknown filter deck:geo; use tag:, goal:, is:, when:"),
        ("is:shared is:private", "one is: at a time"),
    ],
)
def test_bad_journal_searches_say_what_to_write(line: str, message: str) -> None:
    assert refusal(parse_journal, line).startswith(message)


@given(st.text(alphabet='ab :"\\%_-x', max_size=20))
def test_any_line_parses_or_is_one_search_error(line: str) -> None:
    for parse in (parse_cards, parse_journal):
        try:
            parse(line)
        except SearchError as exc:
            assert "\n" not in str(exc)


def test_journal_query_keeps_phrases_whole() -> None:
    assert parse_journal('"long term" memory is:SHARED') == JournalQuery(
        words=("long term", "memory"), visibility="shared"
    )


# ----------------------------------------------------------------------------- the domain
@pytest.fixture
def two_decks(col, write_deck):
    add_deck(col, write_deck, "geo", "Geography", [("Capital of Peru?", "Lima")], tags="capitals")
    add_deck(col, write_deck, "art", "Art", [("Who painted Guernica?", "Picasso")])
    return col


def test_an_unknown_deck_is_refused_naming_the_decks(two_decks) -> None:
    message = refusal(two_decks.search_cards, "deck:nosuch")
    assert message == "unknown deck deck:nosuch; use deck:art, deck:geo"
    with pytest.raises(SearchError):
        two_decks.cram_count("deck:nosuch", now=NOW)
    assert [c.front for c in two_decks.search_cards("deck:Geog", now=NOW)] == ["Capital of Peru?"]


def test_words_with_quotes_match_as_a_phrase(two_decks) -> None:
    assert [c.front for c in two_decks.search_cards('"of peru"', now=NOW)] == ["Capital of Peru?"]
    assert two_decks.search_cards('"peru of"', now=NOW) == []


def test_the_journal_reads_filters_typed_in_the_search_line(col) -> None:
    col.journal.add("Dative case drills", tags=["german"], visibility="shared", now=NOW)
    col.journal.add("Dative again, privately", now=NOW)
    assert [h.entry.title for h in col.journal.search("dative is:shared", now=NOW)] == [
        "Dative case drills"
    ]
    assert [h.entry.title for h in col.journal.search("tag:german", now=NOW)] == [
        "Dative case drills"
    ]
    with pytest.raises(SearchError, match="one is: at a time"):
        col.journal.search("is:shared", visibility="private", now=NOW)


# ----------------------------------------------------------------------------- every surface
def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["--no-bundled-decks", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("line", ["is:foo", "colour:x", "deck:nosuch"])
def test_the_cli_refuses_a_bad_card_search_in_one_line(two_decks, capsys, line: str) -> None:
    try:
        two_decks.search_cards(line, now=NOW)
    except SearchError as exc:
        expected = f"mastery: error: {exc}\n"
    for args in (["cram", "--list", line], ["cram", "--json", line], ["cram", line]):
        assert cli(capsys, *args) == (2, "", expected), args


def test_the_cli_journal_search_refuses_a_bad_filter(col, capsys) -> None:
    col.journal.add("is:foo is only text here", now=NOW)
    expected = refusal(parse_journal, "is:foo")
    assert cli(capsys, "journal", "search", "is:foo") == (2, "", f"mastery: error: {expected}\n")
    code, out, _ = cli(capsys, "journal", "search", '"is:foo"')  # quoted: the words
    # The match (marked in reverse video on a terminal only: issue 13).
    assert code == 0 and "is:foo is only text here" in out


async def test_the_browser_shows_why_a_search_cannot_be_read(two_decks) -> None:
    expected = refusal(parse_cards, "is:foo")
    app = make_app(two_decks)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BrowserScreen) and len(screen.cards) == 2
        await pilot.press("slash", *"is:foo")
        await pilot.pause(0.4)  # the search runs as you type
        box = screen.query_one("#search", Input)
        assert str(screen.query_one("#found", Static).content) == expected
        assert box.has_class("-invalid") and len(screen.cards) == 2  # the list stays
        await pilot.press("enter")
        await pilot.pause()
        assert ("error", expected) in app.notes
        assert screen.focused is box

        box.value = "deck:nosuch"
        await box.action_submit()
        await pilot.pause()
        assert ("error", "unknown deck deck:nosuch; use deck:art, deck:geo") in app.notes

        box.value = "is:new deck:art"
        await box.action_submit()
        await pilot.pause()
        assert not box.has_class("-invalid")
        assert [c.front for c in screen.cards] == ["Who painted Guernica?"]


async def test_the_cram_dialog_counts_nothing_and_says_why(two_decks) -> None:
    expected = refusal(parse_cards, "is:foo")
    app = make_app(two_decks)
    async with app.run_test(size=SIZE) as pilot:
        app.action_cram()
        await pilot.pause()
        assert isinstance(app.screen, CramPromptScreen)
        app.screen.query_one(Input).value = "is:foo"
        await pilot.pause(0.3)
        assert str(app.screen.query_one("#cram-count", Static).content) == expected
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CramPromptScreen)  # no session on a bad search


async def test_the_journal_screen_refuses_the_same_line_as_the_cli(col) -> None:
    col.journal.add("A first entry", now=NOW)
    expected = refusal(parse_journal, "is:foo")
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        app.action_journal()
        await pilot.pause()
        assert isinstance(app.screen, JournalScreen)
        box = app.screen.query_one("#journal-filter", Input)
        box.value = "is:foo"
        await box.action_submit()
        await pilot.pause()
        assert ("error", expected) in app.notes and box.has_class("-invalid")
