"""Anki's "Notes in Plain Text" next to its packages (issue 12): every header honoured, the deck
column deciding the deck, media links as for packages; flags and suspended cards across."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from mastery.decks import load_deck
from mastery.decks.check import load_decks
from mastery.decks.csv import _guid_key, read_csv_decks

ANKI = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "anki"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
needs_fixtures = pytest.mark.skipif(not ANKI.is_dir(), reason="shared Anki fixtures absent")

HEADER = "#separator:tab\n#html:true\n#guid column:1\n#notetype column:2\n#deck column:3\n"


def test_the_deck_column_decides_each_rows_deck() -> None:
    text = HEADER + (
        "g1\tBasic\tLang::German\t<b>Haus</b>\thouse\n"
        "g2\tBasic\tLang::Japanese\t家\thouse\n"
        "g3\tBasic (and reversed card)\tLang::German\tKatze\tcat\n"
    )
    decks, problems = read_csv_decks(text, "export.txt")
    assert problems == []
    assert [(d.key, d.name, len(d.cards)) for d in decks] == [
        ("lang-german", "Lang::German", 3),
        ("lang-japanese", "Lang::Japanese", 1),
    ]
    german = decks[0]
    assert [c.key for c in german.cards] == [
        _guid_key("g1"),
        _guid_key("g3"),
        f"{_guid_key('g3')}.reverse",
    ]
    assert [c.position for c in german.cards] == [0, 1, 2]
    assert german.cards[0].note_key == f"lang-german/{_guid_key('g1')}"


def test_a_deck_header_puts_every_row_in_that_deck() -> None:
    decks, _ = read_csv_decks("#separator:tab\n#deck:Verbs::Irregular\nsein\tto be\n", "x.txt")
    assert [(d.key, d.name) for d in decks] == [("verbs-irregular", "Verbs::Irregular")]


def test_without_a_deck_column_the_file_names_the_deck() -> None:
    decks, _ = read_csv_decks("hola\thello\n", "spanish_verbs.tsv")
    assert [(d.key, d.name) for d in decks] == [("spanish-verbs", "Spanish Verbs")]


def test_images_and_sounds_in_html_fields_become_media_links() -> None:
    text = HEADER + 'g1\tBasic\tD\tdot <img src="red_dot.png">\t[sound:say.mp3] ok\n'
    [deck], _ = read_csv_decks(text, "x.txt")
    card = deck.cards[0]
    assert card.front == "dot ![red_dot.png](media/red_dot.png)"
    assert card.back == "[sound: say.mp3](media/say.mp3) ok"


def test_html_becomes_markdown_with_tables_links_and_escapes() -> None:
    text = HEADER + (
        "g1\tBasic\tD\t<style>.c{color:red}</style>5 * 3 <b> x </b>\t"
        '"<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>'
        '<a href=""https://example.org/x"">see</a>"\n'
    )
    [deck], _ = read_csv_decks(text, "x.txt")
    card = deck.cards[0]
    assert card.front == "5 \\* 3 **x**"  # no CSS, the star escaped, the spaces outside
    assert card.back == "| a | b |\n| --- | --- |\n| c | d |\n\n[see](https://example.org/x)"


@needs_fixtures
def test_the_text_export_gives_the_same_decks_and_cards_as_the_package() -> None:
    from_text = {(d.key, c.key) for d in load_decks(ANKI / "anki_notes.txt") for c in d.cards}
    from_package = {(d.key, c.key) for d in load_decks(ANKI / "anki_latest.apkg") for c in d.cards}
    assert len(from_text) == 530
    assert from_text == from_package


@needs_fixtures
def test_importing_a_package_then_its_text_export_adds_no_card(col) -> None:
    col.import_files([ANKI / "anki_latest.apkg"], now=NOW)
    again = col.import_files([ANKI / "anki_notes.txt"], now=NOW)
    assert sorted(r.deck_name for r in again) == ["Heldout", "Heldout::German", "Heldout::Japanese"]
    assert sum(r.added for r in again) == 0
    assert sum(d.total for d in col.decks(now=NOW)) == 530


@needs_fixtures
def test_load_deck_still_reads_a_text_export_as_one_deck() -> None:
    assert len(load_deck(ANKI / "anki_notes.txt").cards) == 530


@needs_fixtures
def test_suspended_and_flagged_cards_come_across(col) -> None:
    col.import_files([ANKI / "anki_latest.apkg"], now=NOW)
    suspended = col.search_cards("is:suspended", now=NOW)
    assert [c.key for c in suspended] == [f"{_guid_key('B,K3WHuclo')}::c1"]
    red = col.search_cards("tag:flag::red", now=NOW)
    assert sorted(c.key for c in red) == sorted([_guid_key("zabi{uaD0:"), _guid_key("x3:<*S>62U")])
    # The learner's own unsuspend holds across a re-import of the same package.
    col.unsuspend([suspended[0].id], now=NOW)
    col.import_files([ANKI / "anki_latest.apkg"], now=NOW)
    assert col.search_cards("is:suspended", now=NOW) == []


def test_columns_header_maps_fields_by_name_and_names_the_tags_column() -> None:
    text = "#separator:tab\n#html:false\n#columns:Back\tFront\tTags\nhouse\tHaus\tde noun\n"
    [deck], problems = read_csv_decks(text, "x.txt")
    assert problems == []
    card = deck.cards[0]
    assert (card.front, card.back, card.tags) == ("Haus", "house", ("de", "noun"))


def test_html_false_keeps_markup_characters_as_typed() -> None:
    [deck], _ = read_csv_decks("#separator:tab\n#html:false\n5 * 3\t<b>x</b>\n", "x.txt")
    assert (deck.cards[0].front, deck.cards[0].back) == ("5 * 3", "<b>x</b>")


@needs_fixtures
async def test_a_flag_shows_in_the_browser_and_card_info(col) -> None:
    from test_tui_browser import search
    from test_tui_helpers import SIZE, make_app, screen_text
    from textual.widgets import DataTable

    from mastery.tui.screens.card_info import CardInfoScreen

    col.import_files([ANKI / "anki_latest.apkg"], now=NOW)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await search(pilot, "tag:flag::red")
        assert len(app.screen.cards) == 2
        table = app.screen.query_one("#cards", DataTable)
        first = str(app.screen.cards[0].id)
        assert any("flag::red" in str(cell) for cell in table.get_row(first))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CardInfoScreen)
        assert "flag::red" in screen_text(app)


@needs_fixtures
def test_a_suspended_card_stays_suspended_after_its_history_is_replayed(col) -> None:
    col.import_files([ANKI / "anki_latest.apkg"], now=NOW, with_history=True)
    assert [c.key for c in col.search_cards("is:suspended", now=NOW)] == [
        f"{_guid_key('B,K3WHuclo')}::c1"
    ]
