"""CSV, TSV and Anki "Notes in Plain Text" files as decks: columns, keys, problems, speed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import SHARED
from mastery.decks import Problem, check_deck, load_deck, parse_csv_deck
from mastery.decks.csv import deck_key_from_stem, deck_name_from_stem, html_to_markdown
from mastery.errors import DeckFormatError

ANKI = SHARED / "fixtures" / "anki"
needs_anki_fixtures = pytest.mark.skipif(not ANKI.is_dir(), reason="shared Anki fixtures absent")


def problems(text: str, name: str = "cards.csv") -> list[Problem]:
    from mastery.decks.csv import read_csv_deck

    spec, found = read_csv_deck(text, name)
    assert (spec is None) == bool(found)
    return found


def only_problem(text: str, name: str = "cards.csv") -> Problem:
    [problem] = problems(text, name)
    return problem


# --------------------------------------------------------------------------- reading


def test_rows_become_cards_with_space_separated_tags() -> None:
    spec = parse_csv_deck("Hund,dog,de noun\nKatze,cat\n", "german-animals.csv")
    assert [(c.front, c.back, c.tags) for c in spec.cards] == [
        ("Hund", "dog", ("de", "noun")),
        ("Katze", "cat", ()),
    ]
    assert [(c.position, c.line) for c in spec.cards] == [(0, 1), (1, 2)]


def test_deck_id_and_name_come_from_the_file_name() -> None:
    spec = parse_csv_deck("Q,A\n", "decks/spanish_verbs-of-the-day.csv")
    assert (spec.key, spec.name, spec.source) == (
        "spanish-verbs-of-the-day",
        "Spanish Verbs of the Day",
        "decks/spanish_verbs-of-the-day.csv",
    )
    assert (spec.description, spec.version, spec.tags) == ("", "", ())


@pytest.mark.parametrize(
    ("stem", "key", "name"),
    [
        ("GRE-words", "gre-words", "GRE Words"),
        ("Größe Wörter (A1)", "grosse-worter-a1", "Größe Wörter (A1)"),
        ("日本語", None, "日本語"),
    ],
)
def test_file_names_in_any_script_give_a_valid_deck_id(
    stem: str, key: str | None, name: str
) -> None:
    assert deck_name_from_stem(stem) == name
    derived = deck_key_from_stem(stem)
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", derived)
    if key:
        assert derived == key


@pytest.mark.parametrize("header", ["front,back,tags", "Front,Back,Tags", "FRONT , back"])
def test_header_row_is_recognised_and_skipped(header: str) -> None:
    spec = parse_csv_deck(f"{header}\nQ,A\n", "d.csv")
    assert [(c.front, c.line) for c in spec.cards] == [("Q", 2)]


def test_quoted_field_with_newlines_and_separators_is_one_field() -> None:
    text = 'front,back\n"Two\nlines, with comma","He said ""hi"""\nNext,card\n'
    spec = parse_csv_deck(text, "d.csv")
    assert spec.cards[0].front == "Two\nlines, with comma"
    assert spec.cards[0].back == 'He said "hi"'
    assert [c.line for c in spec.cards] == [2, 4]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Frage;Antwort\nQ2;A2\n", "d.csv"),
        ("Frage\tAntwort\nQ2\tA2\n", "d.csv"),
        ("Frage,Antwort\nQ2,A2\n", "d.txt"),
        ("Frage, mit Komma\tAntwort\nQ2\tA2\n", "d.tsv"),
    ],
)
def test_separator_is_sniffed_or_taken_from_the_extension(text: str, name: str) -> None:
    spec = parse_csv_deck(text, name)
    assert [c.back for c in spec.cards] == ["Antwort", "A2"]


def test_tsv_extension_means_tab_even_when_fields_have_commas() -> None:
    spec = parse_csv_deck("a, b, c\td, e\n", "d.tsv")
    assert (spec.cards[0].front, spec.cards[0].back) == ("a, b, c", "d, e")


def test_bom_and_windows_line_endings_are_read(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufefffront,back\r\nÄpfel,apples\r\n".encode())
    spec = load_deck(path)
    assert [(c.front, c.line) for c in spec.cards] == [("Äpfel", 2)]


def test_non_ascii_rows_keep_their_text() -> None:
    spec = parse_csv_deck("日本語\tJapanese 🎉\nकि\tthat\n", "d.tsv")
    assert [c.front for c in spec.cards] == ["日本語", "कि"]
    assert spec.cards[0].back == "Japanese 🎉"


def test_keys_come_from_the_front_like_toml_decks() -> None:
    a = parse_csv_deck("What is FSRS?,a scheduler\n", "d.csv")
    b = parse_csv_deck("what is fsrs,a better answer\n", "d.csv")
    assert a.cards[0].key == b.cards[0].key
    assert a.cards[0].note_key == f"d/{a.cards[0].key}"


def test_same_front_with_different_backs_are_two_cards() -> None:
    spec = parse_csv_deck("bank,river side\nBank!,money place\n", "d.csv")
    assert len({c.key for c in spec.cards}) == 2


def test_cloze_rows_make_one_card_per_number() -> None:
    spec = parse_csv_deck("{{c1::Berlin}} is in {{c2::Germany}},\n", "d.csv")
    assert [c.front for c in spec.cards] == ["[...] is in Germany", "Berlin is in [...]"]
    assert len({c.note_key for c in spec.cards}) == 1


# --------------------------------------------------------------------------- problems


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (
            "Q1,A1\nonly a front\n",
            2,
            "row has 1 column; expected front and back separated by a comma",
        ),
        ("Q1,A1\n,A2\n", 2, "row 2: front is empty"),
        ("Q1,A1\nQ2,  \n", 2, "card 'Q2': back is empty"),
        ("Q1,A1\na,b,c,d\n", 2, "row has 4 columns; expected front, back and tags (put quotes"),
        ('Q1,A1\n"never closed,A2\nQ3,A3\n', 2, "a quoted field is never closed"),
        ('Q1,A1\n"x"y,A2\n', 2, "bad quoting"),
        (
            "Hello world,A\nQ,B\nhello world!,A\n",
            3,
            "card 'hello world!': duplicate of the row at line 1",
        ),
        ("Q1,A1\nx {{c1::y,\n", 2, "unclosed cloze"),
        ("Q1,A1\nx {{c0::y}},\n", 2, "cloze number must be 1 or more"),
        ("\n\n", None, "the file has no cards"),
    ],
    ids=[
        "one-column",
        "empty-front",
        "empty-back",
        "too-many-columns",
        "unclosed-quote",
        "bad-quote",
        "duplicate",
        "broken-cloze",
        "cloze-zero",
        "empty-file",
    ],
)
def test_bad_row_is_a_problem_with_its_line(text: str, line: int | None, reason: str) -> None:
    problem = only_problem(text)
    assert problem.line == line
    assert reason in problem.reason


def test_line_numbers_count_lines_inside_quoted_fields() -> None:
    problem = only_problem('"a\nb\nc",answer\nno back here\n')
    assert problem.line == 4


def test_check_lists_every_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "d.tsv"
    path.write_text("Q1\tA1\nbad\nQ3\t\n\tA4\nQ5\tA5\n", encoding="utf-8")
    assert [p.line for p in check_deck(path)] == [2, 3, 4]
    with pytest.raises(
        DeckFormatError,
        match=r"d\.tsv:2: row has 1 column; expected front and "
        r"back separated by a tab",
    ):
        load_deck(path)


# --------------------------------------------------------------------------- Anki


def test_anki_headers_pick_separator_html_and_tags() -> None:
    text = (
        "#separator:Pipe\n#html:true\n#tags column:3\n#tags:imported\n"
        "Q <b>bold</b>|A&amp;B<br>next<div>line</div>|t1 t2\n"
    )
    spec = parse_csv_deck(text, "export.txt")
    [card] = spec.cards
    assert (card.front, card.back, card.line) == ("Q **bold**", "A&B\nnext\nline", 5)
    assert card.tags == ("imported", "t1", "t2") and spec.tags == ("imported",)


def test_row_starting_with_hash_is_a_card_not_a_header() -> None:
    spec = parse_csv_deck("# exported from my sheet\n#1 rule,never stop learning\n", "d.csv")
    assert [(c.front, c.line) for c in spec.cards] == [("#1 rule", 2)]


def test_anki_separator_header_wins_over_sniffing() -> None:
    spec = parse_csv_deck("#separator:Semicolon\n#html:false\na,b;c,d\n", "d.txt")
    assert (spec.cards[0].front, spec.cards[0].back) == ("a,b", "c,d")


def test_anki_reversed_note_type_adds_the_reverse_card() -> None:
    text = (
        "#separator:tab\n#notetype column:1\n"
        "Basic (and reversed card)\tHund\tdog\n"
        "Basic (optional reversed card)\tKatze\tcat\t\n"
        "Basic (optional reversed card)\tMaus\tmouse\ty\n"
    )
    spec = parse_csv_deck(text, "d.txt")
    assert [(c.front, c.back) for c in spec.cards] == [
        ("Hund", "dog"),
        ("dog", "Hund"),
        ("Katze", "cat"),
        ("Maus", "mouse"),
        ("mouse", "Maus"),
    ]
    assert spec.cards[1].key == spec.cards[0].key + ".reverse"
    assert spec.cards[0].note_key == spec.cards[1].note_key


@pytest.mark.parametrize(
    ("html", "markdown"),
    [
        ("<b>die Größe</b>&nbsp;#0", "**die Größe** #0"),
        ("<strong>a</strong> <em>b</em> <i>c</i>", "**a** *b* *c*"),
        ("one<br>two<br/>three", "one\ntwo\nthree"),
        ('<span style="color:red">読み方</span> 🎉', "読み方 🎉"),
        ("<p>para</p><p>two</p>", "para\n\ntwo"),
        ("&lt;b&gt; is a tag", "<b> is a tag"),
    ],
)
def test_anki_html_becomes_markdown(html: str, markdown: str) -> None:
    assert html_to_markdown(html) == markdown


def _manifest() -> dict:
    return json.loads((ANKI / "anki_fixtures_manifest.json").read_text(encoding="utf-8"))


def _plain(markdown: str) -> str:
    return markdown.replace("**", "").replace("*", "")


@needs_anki_fixtures
def test_anki_export_with_guid_and_note_types_imports_like_anki() -> None:
    spec = load_deck(ANKI / "anki_notes.txt")
    counts = _manifest()["source_collection_counts"]
    assert len({c.note_key for c in spec.cards}) == counts["notes"] == 300
    assert len(spec.cards) == counts["cards"] == 530
    fronts = {_plain(c.front) for c in spec.cards}
    for sample in _manifest()["samples"]:
        assert sample["question_text"] in fronts, sample["question_text"]
    first = spec.cards[0]
    assert first.tags == ("lang::de", "vocab::noun")
    assert first.back == "size\nBeispiel 0: *Das ist die Größe.*"


@needs_anki_fixtures
def test_anki_plain_export_imports_every_note() -> None:
    spec = load_deck(ANKI / "anki_notes_plain.txt")
    assert len({c.note_key for c in spec.cards}) == 300
    fronts = {c.front for c in spec.cards}
    for sample in _manifest()["samples"]:
        if sample["template"] != "Card 2":  # the plain export has no note types: no reverses
            assert sample["question_text"] in fronts, sample["question_text"]


@needs_anki_fixtures
def test_anki_guid_keeps_keys_when_the_front_changes(tmp_path: Path) -> None:
    text = (ANKI / "anki_notes.txt").read_text(encoding="utf-8")
    edited = text.replace("die Größe</b>&nbsp;#0", "die Größe (edited)</b>&nbsp;#0", 1)
    before = parse_csv_deck(text, "anki_notes.txt").cards[0]
    after = parse_csv_deck(edited, "anki_notes.txt").cards[0]
    assert after.front != before.front and after.key == before.key


# --------------------------------------------------------------------------- size
# Speed is measured by benchmarks/run.py (import_10k_s), not by timed tests.


def test_ten_thousand_row_tsv_gives_ten_thousand_distinct_cards() -> None:
    text = "".join(
        f"Frage {i} — die Größe?\tAnswer {i}, with words\ttag{i % 7} common\n"
        for i in range(10_000)
    )
    deck = parse_csv_deck(text, "big.tsv")
    assert len(deck.cards) == 10_000
    assert len({c.key for c in deck.cards}) == 10_000
    assert deck.cards[-1].front == "Frage 9999 — die Größe?"
    assert deck.cards[-1].tags == ("tag3", "common")  # 9999 % 7 == 3
