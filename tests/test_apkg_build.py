"""Anki packages built in the test (tests/anki_package.py), in every layout Anki writes:
note types, sub-decks, tags, HTML to Markdown and deck descriptions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from anki_package import AnkiPackage

from conftest import NOW
from mastery.decks.anki import field_markdown, read_apkg, read_apkg_contents
from mastery.decks.check import check_deck
from mastery.decks.csv import _guid_key

Writer = Callable[[AnkiPackage, Path], Path]

WRITERS: dict[str, Writer] = {
    "schema18-anki21b": lambda pkg, path: pkg.write_latest(path),
    "schema11-anki21": lambda pkg, path: pkg.write_legacy(path),
    "schema11-anki2-no-meta": lambda pkg, path: pkg.write_legacy(
        path, member="collection.anki2", meta=False
    ),
}


@pytest.fixture(params=list(WRITERS))
def write(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[AnkiPackage], Path]:
    """Write a package in one of the layouts (each test runs once per layout)."""

    def write_package(pkg: AnkiPackage, name: str = "deck.apkg") -> Path:
        return WRITERS[request.param](pkg, tmp_path / name)

    return write_package


def languages() -> AnkiPackage:
    """A small collection with every note type Mastery treats differently."""
    pkg = AnkiPackage()
    pkg.add_deck("Languages", description="All my <b>languages</b>")
    pkg.add_deck("Languages::German", description="Nouns with <i>articles</i><br>and plurals")
    pkg.add_deck("Languages::Japanese::Kana", description="# Kana\n\n- hiragana", markdown=True)
    pkg.add_note(
        "Basic",
        ["<b>das Haus</b>", "house"],
        deck="Languages::German",
        tags=["lang::de", "vocab::noun"],
        guid="haus",
    )
    pkg.add_note(
        "Basic", ["der Hund", "dog"], deck="Languages::German", tags=["lang::de"], guid="hund"
    )
    pkg.add_note(
        "Basic (and reversed card)",
        ["あ", "a"],
        deck="Languages::Japanese::Kana",
        tags=["lang::ja::kana"],
        guid="a-kana",
    )
    pkg.add_note(
        "Basic (optional reversed card)",
        ["い", "i", "y"],
        deck="Languages::Japanese::Kana",
        guid="i-kana",
    )
    pkg.add_note(
        "Basic (optional reversed card)",
        ["う", "u", ""],
        deck="Languages::Japanese::Kana",
        guid="u-kana",
    )
    pkg.add_note(
        "Cloze",
        ["{{c1::Berlin}} is the capital of {{c2::Germany}}", "<i>since 1990</i>"],
        deck="Languages",
        tags=["geo"],
        guid="berlin",
    )
    pkg.add_notetype("Vocab", ["Word", "Meaning", "Example"])
    pkg.add_note(
        "Vocab",
        ["Katze", "cat", "Die <b>Katze</b> schläft."],
        deck="Languages::German",
        guid="katze",
    )
    return pkg


def test_every_layout_gives_the_same_decks_and_card_counts(write) -> None:
    path = write(languages())
    decks = read_apkg(path)
    assert [(d.key, d.name, len(d.cards)) for d in decks] == [
        ("languages", "Languages", 2),
        ("languages-german", "Languages::German", 3),
        ("languages-japanese-kana", "Languages::Japanese::Kana", 5),
    ]
    # The parent deck "Languages::Japanese" has no cards of its own: it is no deck here.
    assert all(d.source == str(path) for d in decks)
    assert check_deck(path) == []


def test_note_types_become_cards(write) -> None:
    cards = {c.key: c for d in read_apkg(write(languages())) for c in d.cards}
    haus = cards[_guid_key("haus")]
    assert (haus.front, haus.back) == ("**das Haus**", "house")
    assert haus.note_key == f"languages-german/{_guid_key('haus')}"

    a = _guid_key("a-kana")
    assert (cards[a].front, cards[a].back) == ("あ", "a")
    assert (cards[f"{a}.reverse"].front, cards[f"{a}.reverse"].back) == ("a", "あ")
    # "optional reversed": the reverse card exists only when "Add Reverse" is filled in.
    assert f"{_guid_key('i-kana')}.reverse" in cards
    assert f"{_guid_key('u-kana')}.reverse" not in cards

    berlin = _guid_key("berlin")
    c1, c2 = cards[f"{berlin}::c1"], cards[f"{berlin}::c2"]
    assert c1.front == "[...] is the capital of Germany"
    assert c2.front == "Berlin is the capital of [...]"
    assert c1.back == "**Berlin** is the capital of Germany\n\n*since 1990*"
    assert c1.note_key == c2.note_key == f"languages/{berlin}"

    # Any other note type: its templates decide (issue 12). "Vocab"'s one template shows
    # {{Word}}, then {{FrontSide}}<hr id=answer>{{Example}}: "Meaning" is on neither side.
    katze = cards[_guid_key("katze")]
    assert (katze.front, katze.back) == ("Katze", "Die **Katze** schläft.")


def test_hierarchical_tags_are_kept(write) -> None:
    cards = {c.key: c for d in read_apkg(write(languages())) for c in d.cards}
    assert cards[_guid_key("haus")].tags == ("lang::de", "vocab::noun")
    assert cards[f"{_guid_key('a-kana')}.reverse"].tags == ("lang::ja::kana",)
    assert cards[_guid_key("katze")].tags == ()


def test_deck_descriptions_become_markdown(write) -> None:
    decks = {d.name: d.description for d in read_apkg(write(languages()))}
    assert decks["Languages"] == "All my **languages**"
    assert decks["Languages::German"] == "Nouns with *articles*\nand plurals"
    # A description Anki keeps as Markdown ("markdown_description") is taken as it is.
    assert decks["Languages::Japanese::Kana"] == "# Kana\n\n- hiragana"


@pytest.mark.parametrize(
    ("html", "markdown"),
    [
        ("<b>bold</b> and <strong>strong</strong>", "**bold** and **strong**"),
        ("<i>it</i> and <em>em</em>", "*it* and *em*"),
        ("<b>bold <i>and italic</i></b>", "**bold *and italic***"),
        ("one<br>two<br/>three", "one\ntwo\nthree"),
        ("<div>first line</div><div>second line</div>", "first line\nsecond line"),
        ("Tom &amp; Jerry &lt;3&nbsp;cheese &eacute;", "Tom & Jerry <3 cheese é"),
        ("<ul><li>apple</li><li>pear</li></ul>", "- apple\n- pear"),
        ("<ol><li>first</li><li>second</li></ol>", "1. first\n2. second"),
        (
            "Fruit:<ul><li>apple<ul><li>red</li><li>green</li></ul></li><li>pear</li></ul>",
            "Fruit:\n\n- apple\n  - red\n  - green\n- pear",
        ),
        ("<ol><li>step<ol><li>sub</li></ol></li></ol>", "1. step\n   1. sub"),
        ('<span style="color: red">red</span> text', "red text"),
        ("<p>para one</p><p>para two</p>", "para one\n\npara two"),
    ],
)
def test_html_to_markdown(html: str, markdown: str) -> None:
    assert field_markdown(html) == markdown


def test_html_in_a_package_is_converted(write) -> None:
    pkg = AnkiPackage()
    pkg.add_note("Basic", ["Lists", "<ul><li>one</li><li><b>two</b></li></ul>"], guid="l")
    [deck] = read_apkg(write(pkg))
    assert deck.cards[0].back == "- one\n- **two**"


def test_card_in_a_filtered_deck_belongs_to_its_home_deck(write) -> None:
    pkg = AnkiPackage()
    cards = pkg.add_note("Basic", ["Q", "A"], deck="Home", guid="q")
    pkg.move_to_filtered(cards, "Filtered Deck 1")
    assert [(d.name, len(d.cards)) for d in read_apkg(write(pkg))] == [("Home", 1)]


def test_import_puts_decks_and_descriptions_in_the_profile(col, write) -> None:
    reports = col.import_files([write(languages())], now=NOW)
    assert [(r.deck_key, r.added) for r in reports] == [
        ("languages", 2),
        ("languages-german", 3),
        ("languages-japanese-kana", 5),
    ]
    german = col.deck("languages-german", now=NOW)
    assert (german.name, german.total, german.new) == ("Languages::German", 3, 3)
    assert german.description == "Nouns with *articles*\nand plurals"
    again = col.import_files([write(languages(), "again.apkg")], now=NOW)
    assert [(r.added, r.unchanged) for r in again] == [(0, 2), (0, 3), (0, 5)]


def test_reading_gives_history_only_for_answered_cards(write) -> None:
    pkg = languages()
    first = pkg.cards[0]
    pkg.add_review(first, NOW.replace(year=2026, month=1), 3)
    contents = read_apkg_contents(write(pkg))
    assert list(contents.history) == [("languages-german", _guid_key("haus"))]
