"""Editing a card (its deck file gets a one-card change), flags and the mark (Anki's), in the
domain: what the review screen's and the browser's `e`, `f` and `*` call."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import NOW
from mastery.collection import Collection
from mastery.errors import CardEditError, ConflictError, SearchError
from mastery.query import parse_cards
from mastery.states import Flag

DECK = """\
id = "geo"
name = "Geography"
tags = ["geo"]

# ---------------------------------------------------------------- capitals

[[cards]]
id = "france"
front = "Capital of France?"
back = "Paris"
tags = ["capitals"]

[[cards]]
front = "Capital of Peru?"
back = '''
Lima
(on the coast)
'''

[[cards]]
id = "kenya"
front = "Capital of Kenya?"
back = "Nairobi"
"""


@pytest.fixture
def geo(col: Collection, write_deck) -> tuple[Collection, Path]:
    path = write_deck(DECK, name="geo.toml")
    col.import_files([path], now=NOW)
    return col, path


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def test_edit_writes_one_card_into_its_deck_file_and_keeps_its_history(geo) -> None:
    col, path = geo
    before = path.read_text()
    card = col.card("geo/france")
    col.answer(card.id, 3, now=NOW)
    state = col.card(card.id)

    edit = col.edit_card(
        card.id, "Capital of **France**?", "Paris\n\nsince 508", ["capitals", "eu"]
    )

    after = path.read_text()
    assert changed_lines(before, after) == [
        '-front = "Capital of France?"',
        '-back = "Paris"',
        '-tags = ["capitals"]',
        '+front = "Capital of **France**?"',
        "+back = '''",
        "+Paris",
        "+",
        "+since 508",
        "+'''",
        '+tags = ["capitals", "eu"]',
    ]
    assert edit.file == str(path) and edit.message == f"Saved to {path}."
    fresh = col.card(card.id)
    assert (fresh.front, fresh.back) == ("Capital of **France**?", "Paris\n\nsince 508")
    assert fresh.tags == ("geo", "capitals", "eu")
    assert (fresh.state, fresh.due, fresh.reps) == (state.state, state.due, state.reps)
    assert len(col.card_info(card.id).history) == 1
    # The file and the profile agree: importing it again changes nothing.
    report = col.import_files([path], now=NOW)[0]
    assert (report.added, report.updated, report.unchanged) == (0, 0, 3)


def test_a_card_without_an_id_gets_its_key_written_so_a_new_front_keeps_it(geo) -> None:
    col, path = geo
    card = col.search_cards("peru", now=NOW)[0]
    assert card.key.startswith("h-")
    col.answer(card.id, 3, now=NOW)

    col.edit_card(card.id, "What is the capital of Peru?", card.back, card.own_tags)

    text = path.read_text()
    assert f'id = "{card.key}"\nfront = "What is the capital of Peru?"' in text
    assert "Lima\n(on the coast)" in text  # the block kept as a block
    report = col.import_files([path], now=NOW)[0]
    assert report.unchanged == 3
    assert col.card(card.id).reps == 1  # same card, history kept


def test_flags_and_the_mark_stay_out_of_the_file_and_survive_the_edit(geo) -> None:
    col, path = geo
    card = col.card("geo/kenya")
    col.set_flag([card.id], Flag.RED, now=NOW)
    col.set_marked([card.id], True, now=NOW)

    col.edit_card(card.id, card.front, "Nairobi!", ())

    assert "flag" not in path.read_text() and "marked" not in path.read_text()
    fresh = col.card(card.id)
    assert fresh.flag is Flag.RED and fresh.marked and fresh.back == "Nairobi!"


@pytest.mark.parametrize(
    ("front", "back", "tags", "message"),
    [
        ("  ", "Paris", (), "the front is empty"),
        ("Capital?", "", (), "the back is empty"),
        ("Capital?", "Paris", ("flag::red",), "'flag::red' is set from review"),
        ("Capital?", "Paris", ("marked",), "'marked' is set from review"),
        ("{{c1::Paris}} is the capital", "", (), "the back is empty"),
        ("{{c1::Paris}} is the capital", "France", (), "would make this card a cloze note"),
    ],
)
def test_refused_edits_change_neither_file_nor_profile(geo, front, back, tags, message) -> None:
    col, path = geo
    before = path.read_text()
    card = col.card("geo/france")
    with pytest.raises(CardEditError, match=message):
        col.edit_card(card.id, front, back, tags)
    assert path.read_text() == before
    assert col.card(card.id) == card


def test_a_card_gone_from_its_file_is_not_edited(geo) -> None:
    col, path = geo
    card = col.card("geo/kenya")
    path.write_text(DECK.split('[[cards]]\nid = "kenya"')[0])
    with pytest.raises(CardEditError, match="no longer in the file; re-import it"):
        col.edit_card(card.id, "New?", "New", ())
    assert col.card(card.id).front == "Capital of Kenya?"


def test_a_cloze_card_is_edited_in_its_file(col: Collection, write_deck) -> None:
    text = 'id = "c"\nname = "C"\n\n[[cards]]\nid = "n"\nfront = "{{c1::a}} {{c2::b}}"\n'
    path = write_deck(text, name="c.toml")
    col.import_files([path], now=NOW)
    card = col.card("c/n::c1")
    with pytest.raises(CardEditError, match="a cloze note makes several cards"):
        col.edit_card(card.id, "x", "y", ())
    assert path.read_text() == text


def test_a_csv_card_is_edited_in_the_profile_only(col: Collection, tmp_path: Path) -> None:
    path = tmp_path / "words.csv"
    path.write_text("front,back\nhund,dog\n")
    col.import_files([path], now=NOW)
    card = col.search_cards("hund", now=NOW)[0]

    edit = col.edit_card(card.id, "der Hund", "the dog", ())

    assert edit.file is None
    assert edit.message.startswith("Saved in your profile only: words.csv is not")
    assert path.read_text() == "front,back\nhund,dog\n"
    assert col.card(card.id).front == "der Hund"


def test_a_bundled_deck_is_copied_on_the_first_edit_and_then_kept(mastery_home: Path) -> None:
    with Collection.open(now=NOW) as col:
        card = col.card("git-essentials/git-init")
        bundled = Path(col.deck("git-essentials").source)
        original = bundled.read_text()

        edit = col.edit_card(card.id, "How do you start a repository?", card.back, ())

        assert bundled.read_text() == original  # the installed file is never written
        copy = col.db.path.parent / "decks" / "git-essentials.toml"
        assert edit.file == str(copy) and "your own copy of the bundled deck" in edit.message
        assert 'front = "How do you start a repository?"' in copy.read_text()
        assert col.deck("git-essentials").source == str(copy)
        # The next edit goes to the copy; a newer bundled version no longer replaces it.
        col.edit_card(card.id, "How do you start a new repository?", card.back, ())
        assert 'front = "How do you start a new repository?"' in copy.read_text()
        col.set_meta("bundled_versions", {})  # as if every bundled deck had a new version
        col.sync_bundled_decks(now=NOW)
        assert col.card(card.id).front == "How do you start a new repository?"
        assert col.import_files([copy], now=NOW)[0].unchanged > 0


# ----------------------------------------------------------------------------- flags, mark
def test_one_flag_per_card_searchable_by_number_or_colour_and_undone(geo) -> None:
    col, _ = geo
    france, kenya = col.card("geo/france"), col.card("geo/kenya")
    assert col.set_flag([france.id], Flag.RED, now=NOW) == 1
    col.set_flag([france.id], Flag.BLUE, now=NOW)
    assert col.card(france.id).tags == ("geo", "capitals", "flag::blue")
    col.set_flag([kenya.id], 1, now=NOW)

    def fronts(query: str) -> list[str]:
        return [c.front for c in col.search_cards(query, now=NOW)]

    assert fronts("flag:4") == fronts("flag:blue") == ["Capital of France?"]
    assert fronts("flag:1") == ["Capital of Kenya?"]
    assert fronts("flag:0") == ["Capital of Peru?"]
    assert [c.front for c in col.cram_cards("flag:1", now=NOW)] == ["Capital of Kenya?"]

    assert col.undo_kind == "flag"
    col.undo()  # Kenya unflagged
    col.undo()  # France red again
    assert col.card(kenya.id).flag is Flag.NONE
    assert col.card(france.id).flag is Flag.RED
    assert col.set_flag([france.id], 0, now=NOW) == 1
    assert col.card(france.id).tags == ("geo", "capitals")
    with pytest.raises(ValueError, match="flag must be 0-7"):
        col.set_flag([france.id], 8, now=NOW)


def test_the_mark_is_the_tag_marked_and_a_reimport_keeps_flag_and_mark(geo) -> None:
    col, path = geo
    card = col.card("geo/kenya")
    col.set_marked([card.id], True, now=NOW)
    col.set_flag([card.id], Flag.GREEN, now=NOW)
    assert [c.front for c in col.search_cards("tag:marked", now=NOW)] == ["Capital of Kenya?"]

    col.import_files([path], now=NOW)

    fresh = col.card(card.id)
    assert fresh.marked and fresh.flag is Flag.GREEN
    assert "marked" not in col.export_deck("geo") and "flag::" not in col.export_deck("geo")
    col.undo()  # the flag
    col.undo()  # the mark
    assert col.card(card.id).tags == ("geo",)


@pytest.mark.parametrize("line", ["flag:8", "flag:pinkish", "flag:-1"])
def test_an_unknown_flag_is_refused(line: str) -> None:
    with pytest.raises(SearchError, match=r"unknown flag .*flag:0 \(none\) to flag:7 \(1 red"):
        parse_cards(line)


def test_tag_search_takes_underscores_literally(geo) -> None:
    col, path = geo
    card = col.card("geo/kenya")
    col.edit_card(card.id, card.front, card.back, ["snake_case"])
    assert [c.key for c in col.search_cards("tag:snake_case", now=NOW)] == ["kenya"]
    assert col.search_cards("tag:snakeXcase", now=NOW) == []


def test_a_card_changed_in_the_file_since_its_import_is_not_overwritten(geo) -> None:
    col, path = geo
    changed = DECK.replace('back = "Nairobi"', 'back = "Nairobi (Kenya)"')
    path.write_text(changed)
    card = col.card("geo/kenya")
    with pytest.raises(CardEditError, match=r"geo.toml \(line \d+\): the card was changed in"):
        col.edit_card(card.id, card.front, "Nairobi!", ())
    assert path.read_text() == changed and col.card(card.id).back == "Nairobi"


def test_a_deck_file_gone_from_its_place_keeps_the_edit_in_the_profile(geo) -> None:
    col, path = geo
    path.unlink()
    card = col.card("geo/kenya")
    edit = col.edit_card(card.id, card.front, "Nairobi!", ())
    assert edit.file is None and "geo.toml is not found from here" in edit.message
    assert col.card(card.id).back == "Nairobi!" and not path.exists()


_SIDE = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="{"), max_size=60
).filter(lambda s: s.strip() and s.strip() == s)


@given(front=_SIDE, back=_SIDE)
@settings(max_examples=150, deadline=None)
def test_any_text_goes_into_the_deck_file_and_reads_back_the_same(front: str, back: str) -> None:
    """Quotes, backslashes, ''' and \"\"\", control characters, newlines: what the editor saves
    is what the file gives back, and the other cards do not move."""
    from mastery.decks import parse_toml_deck
    from mastery.decks.edit import edit_card_text

    text = edit_card_text(DECK, "geo.toml", "kenya", front, back, ("x",))
    spec = parse_toml_deck(text, "geo.toml")
    kenya = next(c for c in spec.cards if c.key == "kenya")
    assert (kenya.front, kenya.back, kenya.tags) == (front, back, ("geo", "x"))
    assert text.startswith(DECK.split('[[cards]]\nid = "kenya"')[0])


def test_an_edit_over_another_windows_edit_is_refused(geo) -> None:
    col, path = geo
    opened = col.card("geo/kenya")
    col.edit_card(opened.id, opened.front, "Nairobi (other window)", ())
    with pytest.raises(ConflictError, match="changed in another window since you opened it"):
        col.edit_card(opened.id, opened.front, "Nairobi!", (), opened=opened)
    assert 'back = "Nairobi (other window)"' in path.read_text()


def test_a_deck_file_reached_through_a_symlink_is_edited_where_it_lives(
    col: Collection, tmp_path: Path
) -> None:
    """A deck kept in a git repository and linked from elsewhere: the edit goes into the
    repository's file, and the link stays a link (renaming over it made it a copy that git
    never saw)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    real = repo / "geo.toml"
    real.write_text(DECK, encoding="utf-8")
    link = tmp_path / "geo.toml"
    link.symlink_to(real)
    col.import_files([link], now=NOW)
    card = col.card("geo/kenya")

    col.edit_card(card.id, card.front, "Nairobi!", ())

    assert link.is_symlink() and link.resolve() == real.resolve()
    assert 'back = "Nairobi!"' in real.read_text(encoding="utf-8")


def test_a_deck_file_saved_with_a_byte_order_mark_is_edited_and_keeps_it(
    col: Collection, tmp_path: Path
) -> None:
    """Windows editors (Notepad) save UTF-8 with a BOM; the import reads such a file, so the
    editor must too (it refused it as 'invalid TOML' on line 1), and the file keeps its BOM:
    a one-card diff."""
    path = tmp_path / "geo.toml"
    path.write_bytes(b"\xef\xbb\xbf" + DECK.encode())
    col.import_files([path], now=NOW)
    card = col.card("geo/kenya")

    col.edit_card(card.id, card.front, "Nairobi!", ())

    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\xef\xbb\xbf") == 1
    assert changed_lines(DECK, data[3:].decode()) == ['-back = "Nairobi"', '+back = "Nairobi!"']


def test_undoing_a_flag_or_mark_takes_back_only_that(geo) -> None:
    """`u` after a re-import (which gave the card a tag from its file) or an edit (new tags)
    takes back the flag or the mark alone: it used to put back every tag the card had before
    the flag, dropping the file's and the editor's tags."""
    col, path = geo
    card = col.card("geo/kenya")
    col.set_marked([card.id], True, now=NOW)
    col.set_flag([card.id], Flag.ORANGE, now=NOW)
    path.write_text(DECK.replace('back = "Nairobi"', 'back = "Nairobi"\ntags = ["africa"]'))
    col.import_files([path], now=NOW)
    assert col.card(card.id).tags == ("geo", "africa", "marked", "flag::orange")

    col.undo()  # the flag
    assert col.card(card.id).tags == ("geo", "africa", "marked")
    col.edit_card(card.id, card.front, card.back, ["africa", "east"])
    col.undo()  # the mark
    assert col.card(card.id).tags == ("geo", "africa", "east")
    assert "east" in path.read_text()


def test_a_card_in_a_big_deck_file_is_edited_without_parsing_the_whole_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 20,000-card file (1 MB) took 15 s to save, the editor frozen meanwhile: tomlkit
    parsed and wrote the whole file. Only the card's own lines go through it now (what is
    asserted here, rather than a time: speed belongs to benchmarks); the deck reader still
    checks the result."""
    import tomlkit

    from mastery.decks.edit import edit_card_text

    parsed: list[int] = []
    real_parse = tomlkit.parse

    def parse(text: str):  # type: ignore[no-untyped-def]
        parsed.append(len(text))
        return real_parse(text)

    monkeypatch.setattr(tomlkit, "parse", parse)
    big = DECK + "".join(
        f'\n[[cards]]\nid = "c{i}"\nfront = "q{i}"\nback = "a{i}"\n' for i in range(4000)
    )
    text = edit_card_text(big, "big.toml", "c2000", "q2000", "edited", ())
    assert changed_lines(big, text) == ['-back = "a2000"', '+back = "edited"']
    assert parsed and max(parsed) < 200, parsed  # the card's lines, never the 200 kB file


def test_only_the_cards_lines_change_whatever_surrounds_them() -> None:
    """The card's lines are found by the deck reader's scan: a '[[cards]]' inside a
    multi-line string, comments between cards and the last card all stay as they are."""
    from mastery.decks.edit import edit_card_text

    deck = (
        DECK.replace('back = "Nairobi"\n', 'back = "Nairobi"\n# after kenya\n\n')
        + "\n[[cards]]\nid = \"trick\"\nfront = '''\n[[cards]]\nid = \"kenya\"\n'''\n"
        + 'back = "not a header"\n# the end\n'
    )
    text = edit_card_text(deck, "geo.toml", "kenya", "Capital of Kenya?", "Nairobi!", ())
    assert changed_lines(deck, text) == ['-back = "Nairobi"', '+back = "Nairobi!"']
    last = edit_card_text(deck, "geo.toml", "trick", "[[cards]]", "a header", ())
    assert changed_lines(deck, last) == [
        "-front = '''",
        "-[[cards]]",
        '-id = "kenya"',
        "-'''",
        '-back = "not a header"',
        '+front = "[[cards]]"',
        '+back = "a header"',
    ]


def test_a_crlf_deck_file_stays_crlf_when_a_side_becomes_several_lines() -> None:
    """A Windows deck file (CRLF): a multi-line front or back was written with bare LFs
    inside it, a file of mixed line ends (git shows every such line as changed on Windows)."""
    from mastery.decks import parse_toml_deck
    from mastery.decks.edit import edit_card_text

    crlf = DECK.replace("\n", "\r\n")
    text = edit_card_text(crlf, "geo.toml", "kenya", "Capital of\nKenya?", "Nairobi\n\nEast", ())
    assert "\n" not in text.replace("\r\n", "")
    kenya = next(c for c in parse_toml_deck(text, "geo.toml").cards if c.key == "kenya")
    assert (kenya.front, kenya.back) == ("Capital of\nKenya?", "Nairobi\n\nEast")
    assert text.startswith(crlf.split('id = "kenya"')[0])


@given(front=_SIDE, back=_SIDE)
@settings(max_examples=100, deadline=None)
def test_any_text_goes_into_a_crlf_deck_file_and_reads_back_the_same(front: str, back: str) -> None:
    from mastery.decks import parse_toml_deck
    from mastery.decks.edit import edit_card_text

    text = edit_card_text(DECK.replace("\n", "\r\n"), "geo.toml", "kenya", front, back, ("x",))
    kenya = next(c for c in parse_toml_deck(text, "geo.toml").cards if c.key == "kenya")
    assert (kenya.front, kenya.back) == (front, back)
    assert "\n" not in text.replace("\r\n", "")


@pytest.mark.parametrize("mode", [0o600, 0o664, 0o640])
def test_an_edited_deck_file_keeps_its_permissions(geo, mode: int) -> None:
    """A private deck (0600) stayed private and a group-writable one (0664, a shared checkout)
    group-writable: the edit's new file took the umask's 0644 instead."""
    import stat

    col, path = geo
    path.chmod(mode)
    card = col.card("geo/kenya")
    col.edit_card(card.id, card.front, "Nairobi!", ())
    assert 'back = "Nairobi!"' in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_two_flags_put_in_by_hand_are_found_under_the_one_shown(geo) -> None:
    """A card holds one flag; tags edited by hand (or an old import) may hold two. The card
    shows the lowest (red), and `flag:7` no longer finds it under the other."""
    col, _ = geo
    france = col.card("geo/france")
    with col.db.transaction() as conn:
        conn.execute(
            "UPDATE card SET tags = ? WHERE id = ?", ("geo flag::purple flag::red", france.id)
        )
    assert col.card(france.id).flag is Flag.RED
    assert [c.front for c in col.search_cards("flag:1", now=NOW)] == ["Capital of France?"]
    assert col.search_cards("flag:7", now=NOW) == []
