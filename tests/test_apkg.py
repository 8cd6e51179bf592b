"""Anki packages: the real fixtures made by Anki 26.9.3 and genanki, and broken files.

Packages built in the tests themselves (both formats, media, history, errors) are tested in
test_apkg_*.py.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from conftest import NOW, SHARED
from mastery.decks.anki import read_apkg, read_apkg_media
from mastery.decks.check import check_deck, load_decks
from mastery.decks.csv import _guid_key
from mastery.errors import DeckFormatError

ANKI = SHARED / "fixtures" / "anki"
# Every test here reads the real Anki-made packages; without them (a checkout without shared/)
# they skip. tests/anki_package.py builds packages for the tests that must always run.
pytestmark = pytest.mark.skipif(not ANKI.is_dir(), reason="shared Anki fixtures absent")
MANIFEST = (
    json.loads((ANKI / "anki_fixtures_manifest.json").read_text(encoding="utf-8"))
    if ANKI.is_dir()
    else {}
)


def _cards(path: Path) -> dict[str, object]:
    return {c.key: (d, c) for d in read_apkg(path) for c in d.cards}


@pytest.mark.parametrize("name", ["anki_latest.apkg", "anki_legacy.apkg"])
def test_anki_packages_have_every_card_in_sub_decks(name: str) -> None:
    decks = read_apkg(ANKI / name)
    assert [(d.key, d.name, len(d.cards)) for d in decks] == [
        ("heldout", "Heldout", 125),
        ("heldout-german", "Heldout::German", 202),
        ("heldout-japanese", "Heldout::Japanese", 203),
    ]
    assert len({c.note_key.split("/")[1] for d in decks for c in d.cards}) == 300
    assert sum(len(d.cards) for d in decks) == 530


def test_latest_and_legacy_packages_read_the_same() -> None:
    assert read_apkg(ANKI / "anki_latest.apkg") == [
        d.__class__(
            d.key, d.name, d.description, d.version, d.tags, d.cards, str(ANKI / "anki_latest.apkg")
        )
        for d in read_apkg(ANKI / "anki_legacy.apkg")
    ]


def test_genanki_package() -> None:
    decks = read_apkg(ANKI / "genanki.apkg")
    assert sum(len(d.cards) for d in decks) == 46
    assert len({c.note_key.split("/")[1] for d in decks for c in d.cards}) == 31
    assert all(d.name.startswith("GenankiDeck") for d in decks)


def test_manifest_samples() -> None:
    cards = _cards(ANKI / "anki_latest.apkg")
    samples = {(s["note_guid"], s["ord"]): s for s in MANIFEST["samples"]}

    deck, basic = cards[_guid_key("zabi{uaD0:")]
    assert deck.name == "Heldout::German"
    assert basic.front == "**die Größe** #0"
    assert basic.back == "size\nBeispiel 0: *Das ist die Größe.*"
    # Anki 26.9.3 flagged this card red: the flag comes across as a tag (issue 12).
    assert basic.tags == ("flag::red", "lang::de", "vocab::noun")

    key = _guid_key("Ef=._mi+Ca")
    assert (cards[key][1].front, cards[key][1].back) == ("die Größe [0]", "**size**")
    reverse = cards[f"{key}.reverse"][1]
    assert (reverse.front, reverse.back) == ("**size**", "die Größe [0]")
    assert reverse.tags == tuple(samples[("Ef=._mi+Ca", 1)]["tags"])

    deck, cloze = cards[f"{_guid_key('E]3Ndaz;~N')}::c1"]
    assert deck.name == "Heldout"
    assert cloze.front == "Note 0: [Hauptstadt] ist groß, [...]"
    assert cloze.back.startswith("Note 0: **Berlin** ist groß, **wirklich**")
    assert cloze.back.endswith("Back extra 0 – Größe")
    assert cloze.tags == ("cloze", "topic::cloze::level1")

    deck, japanese = cards[_guid_key("j&_E`vzgim")]
    assert deck.name == "Heldout::Japanese"
    assert (japanese.front, japanese.back) == ("日本語 (50)", "Japanese language\n読み方 🎉")


def test_media_is_listed() -> None:
    assert read_apkg_media(ANKI / "anki_latest.apkg") == {"0": "red_dot.png"}
    assert read_apkg_media(ANKI / "anki_legacy.apkg") == {"0": "red_dot.png"}
    assert read_apkg_media(ANKI / "genanki.apkg") == {"0": "genanki_dot.png"}


def test_broken_packages_are_one_error(tmp_path: Path) -> None:
    not_zip = tmp_path / "not_zip.apkg"
    not_zip.write_text("hello", encoding="utf-8")
    empty = tmp_path / "empty.apkg"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("media", "{}")
    bad_sqlite = tmp_path / "bad.apkg"
    with zipfile.ZipFile(bad_sqlite, "w") as zf:
        zf.writestr("collection.anki21", b"SQLite format 3\x00" + b"\x00" * 200)
    bad_zstd = tmp_path / "bad_zstd.apkg"
    with zipfile.ZipFile(bad_zstd, "w") as zf:
        zf.writestr("collection.anki21b", b"\x28\xb5\x2f\xfd garbage")
    for path, words in [
        (not_zip, "not a zip"),
        (empty, "no collection"),
        (bad_sqlite, "cannot read the Anki collection"),
        (bad_zstd, "decompress"),
        (tmp_path / "missing.apkg", "no such file"),
    ]:
        with pytest.raises(DeckFormatError, match=words) as info:
            read_apkg(path)
        assert "\n" not in str(info.value)
        assert info.value.path == str(path)
        assert len(check_deck(path)) == 1
    assert check_deck(ANKI / "genanki.apkg") == []


def test_load_decks_reads_packages_and_other_decks(write_deck) -> None:
    assert len(load_decks(ANKI / "anki_legacy.apkg")) == 3
    toml = write_deck('id = "d"\nname = "D"\n\n[[cards]]\nfront = "a"\nback = "b"\n')
    assert [d.key for d in load_decks(toml)] == ["d"]


def test_import_files_end_to_end_and_reimport_unchanged(col) -> None:
    reports = col.import_files([ANKI / "anki_latest.apkg"], now=NOW)
    assert [(r.deck_name, r.added) for r in reports] == [
        ("Heldout", 125),
        ("Heldout::German", 202),
        ("Heldout::Japanese", 203),
    ]
    assert sum(d.total for d in col.decks(now=NOW)) == 530
    # The legacy package holds the same notes: every card is the same card, unchanged.
    again = col.import_files([ANKI / "anki_legacy.apkg"], now=NOW)
    assert [(r.added, r.updated, r.unchanged, r.suspended) for r in again] == [
        (0, 0, 125, 0),
        (0, 0, 202, 0),
        (0, 0, 203, 0),
    ]


def test_broken_package_imports_nothing(col, tmp_path: Path) -> None:
    bad = tmp_path / "bad.apkg"
    bad.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(DeckFormatError):
        col.import_files([ANKI / "genanki.apkg", bad], now=NOW)
    assert col.decks(now=NOW) == []


def test_with_history_gives_the_reviewed_cards_their_history(col) -> None:
    counts = MANIFEST["source_collection_counts"]
    reports = col.import_files([ANKI / "anki_latest.apkg"], now=NOW, with_history=True)
    assert sum(r.history_cards for r in reports) == counts["cards_with_revlog"] == 73
    assert sum(r.history_reviews for r in reports) == counts["revlog_entries"] == 584
    with_logs = col.conn.execute("SELECT count(DISTINCT card_id) FROM reviewlog").fetchone()[0]
    assert with_logs == 73
    # Replayed through Mastery's scheduler (same learning steps as Anki's defaults), the cards
    # end in the same states as in Anki: new, learning, review, relearning.
    by_state = dict(col.conn.execute("SELECT state, count(*) FROM card GROUP BY state"))
    assert {str(k): v for k, v in by_state.items()} == counts["cards_by_type"]
    # The legacy package holds the same history: nothing is added twice.
    again = col.import_files([ANKI / "anki_legacy.apkg"], now=NOW, with_history=True)
    assert sum(r.history_reviews for r in again) == 0
    assert col.conn.execute("SELECT count(*) FROM reviewlog").fetchone()[0] == 584


def test_real_package_media_is_copied_and_linked(col) -> None:
    col.import_files([ANKI / "anki_latest.apkg"], now=NOW)
    copied = col.media_dir / "red_dot.png"
    assert copied.read_bytes()[:4] == b"\x89PNG"
    [card] = col.search_cards("red_dot")
    assert "![red_dot.png](media/red_dot.png)" in card.front + card.back
