"""TOML decks as a maintainer writes them: cards, keys, clozes, problems, `fmt` and `dump`."""

from __future__ import annotations

import json
import tomllib
import unicodedata
from pathlib import Path

import pytest

from mastery.decks import (
    CardSpec,
    DeckSpec,
    Problem,
    check_deck,
    dump_deck,
    format_deck,
    load_deck,
    parse_toml_deck,
)
from mastery.errors import DeckFormatError

EXAMPLE = """\
id = "learning-organization"            # the deck's identity
name = "The Learning Organization"
description = "Peter Senge's five disciplines"
version = "1.0.0"
tags = ["senge", "management"]

# --- the disciplines ---
[[cards]]
id = "five-disciplines"
front = "What are the **five disciplines**?"
back = \"\"\"
1. Personal mastery
2. Mental models
3. Shared vision
4. Team learning
5. Systems thinking
\"\"\"
tags = ["disciplines", "senge"]

[[cards]]
front = "Creative tension is the gap between {{c1::vision}} and {{c2::current reality::where you are}}."
back = "Senge, chapter 9"

[[cards]]
front = "What is a *mental model*?"
back = "Deeply ingrained assumptions that shape how we act."
"""


def deck(*cards: str, head: str = 'id = "demo"\nname = "Demo"\n') -> str:
    """A deck text: the head, then each card body under its own [[cards]] header."""
    return head + "".join(f"\n[[cards]]\n{body}\n" for body in cards)


def headers(text: str) -> list[int]:
    """Lines of the [[cards]] headers in a test deck."""
    return [n for n, line in enumerate(text.splitlines(), start=1) if line == "[[cards]]"]


def problems(text: str, name: str = "deck.toml") -> list[Problem]:
    from mastery.decks.format import read_toml_deck

    spec, found = read_toml_deck(text, name)
    assert (spec is None) == bool(found)
    return found


def only_problem(text: str) -> Problem:
    [problem] = problems(text)
    return problem


# --------------------------------------------------------------------------- reading


def test_example_deck_reads_metadata_and_cards_in_order() -> None:
    spec = parse_toml_deck(EXAMPLE, "lo.toml")
    assert (spec.key, spec.name, spec.version, spec.source) == (
        "learning-organization",
        "The Learning Organization",
        "1.0.0",
        "lo.toml",
    )
    assert spec.description == "Peter Senge's five disciplines"
    assert spec.tags == ("senge", "management")
    assert [c.position for c in spec.cards] == [0, 1, 2, 3]
    assert [c.line for c in spec.cards] == [8, 20, 20, 24]
    first = spec.cards[0]
    assert first.key == "five-disciplines"
    assert first.note_key == "learning-organization/five-disciplines"
    assert first.back.startswith("1. Personal mastery\n2.") and first.back.endswith("thinking")


def test_card_tags_start_with_deck_tags_without_repeats() -> None:
    spec = parse_toml_deck(EXAMPLE, "lo.toml")
    assert spec.cards[0].tags == ("senge", "management", "disciplines")
    assert spec.cards[3].tags == ("senge", "management")


def test_card_without_id_gets_a_key_from_its_front() -> None:
    spec = parse_toml_deck(deck('front = "What is FSRS?"\nback = "A scheduler"'), "d.toml")
    [card] = spec.cards
    assert card.key.startswith("h-") and len(card.key) == 14
    assert card.note_key == f"demo/{card.key}"


@pytest.mark.parametrize(
    "edited",
    ["what is fsrs", "What is FSRS", "What  is\nFSRS?", "What is F.S.R.S.?", "  What is FSRS?!  "],
)
def test_small_punctuation_edit_keeps_card_key(edited: str) -> None:
    before = parse_toml_deck(deck('front = "What is FSRS?"\nback = "x"'), "d.toml")
    after = parse_toml_deck(deck(f"front = {json.dumps(edited)}\nback = 'changed'"), "d.toml")
    assert after.cards[0].key == before.cards[0].key


def test_changing_a_word_of_the_front_changes_the_key() -> None:
    a = parse_toml_deck(deck('front = "What is FSRS?"\nback = "x"'), "d.toml")
    b = parse_toml_deck(deck('front = "What was FSRS?"\nback = "x"'), "d.toml")
    assert a.cards[0].key != b.cards[0].key


def test_non_ascii_fronts_keep_their_letters_and_marks() -> None:
    spec = parse_toml_deck(
        deck(
            'front = "की"\nback = "of (f.)"',
            'front = "का"\nback = "of (m.)"',
            'front = "日本語"\nback = "Japanese"',
            'front = "die Größe"\nback = "size"',
        ),
        "d.toml",
    )
    assert len({c.key for c in spec.cards}) == 4
    assert spec.cards[2].front == "日本語" and spec.cards[3].front == "die Größe"


def test_composed_and_decomposed_accents_give_the_same_key() -> None:
    composed = unicodedata.normalize("NFC", "café")
    decomposed = unicodedata.normalize("NFD", "café")
    a = parse_toml_deck(deck(f'front = "{composed}"\nback = "x"'), "d.toml")
    b = parse_toml_deck(deck(f'front = "{decomposed}"\nback = "x"'), "d.toml")
    assert a.cards[0].key == b.cards[0].key


def test_explicit_id_keeps_the_key_when_the_front_is_rewritten() -> None:
    a = parse_toml_deck(deck('id = "q1"\nfront = "Old question"\nback = "x"'), "d.toml")
    b = parse_toml_deck(deck('id = "q1"\nfront = "New wording entirely"\nback = "x"'), "d.toml")
    assert a.cards[0].key == b.cards[0].key == "q1"


def test_sides_are_stored_without_surrounding_blank_lines() -> None:
    spec = parse_toml_deck(deck('front = """\n  Question\n"""\nback = "  Answer  "'), "d.toml")
    assert (spec.cards[0].front, spec.cards[0].back) == ("Question", "Answer")


# --------------------------------------------------------------------------- cloze


def test_cloze_note_makes_one_card_per_number() -> None:
    spec = parse_toml_deck(EXAMPLE, "lo.toml")
    c1, c2 = spec.cards[1], spec.cards[2]
    note = c1.key.removesuffix("::c1")
    assert (c1.key, c2.key) == (f"{note}::c1", f"{note}::c2")
    assert c1.note_key == c2.note_key == f"learning-organization/{note}"
    assert c1.front == "Creative tension is the gap between [...] and current reality."
    assert c1.back == (
        "Creative tension is the gap between **vision** and current reality.\n\nSenge, chapter 9"
    )
    assert c2.front == "Creative tension is the gap between vision and [where you are]."
    assert c2.back.startswith("Creative tension is the gap between vision and **current reality**.")


def test_cloze_number_repeated_hides_every_occurrence_on_one_card() -> None:
    spec = parse_toml_deck(
        deck('front = "{{c1::Berlin::city}} ist groß, {{c1::wirklich}}; {{c3::ja}}"'), "d.toml"
    )
    assert [c.key[-4:] for c in spec.cards] == ["::c1", "::c3"]
    assert spec.cards[0].front == "[city] ist groß, [...]; ja"
    assert spec.cards[0].back == "**Berlin** ist groß, **wirklich**; ja"


def test_cloze_back_is_an_optional_extra() -> None:
    spec = parse_toml_deck(deck('front = "The capital of France is {{c1::Paris}}."'), "d.toml")
    [card] = spec.cards
    assert card.back == "The capital of France is **Paris**."


def test_cloze_already_in_bold_is_not_bolded_twice() -> None:
    spec = parse_toml_deck(deck('front = "It is **{{c1::Tokyo}}**."'), "d.toml")
    assert spec.cards[0].back == "It is **Tokyo**."


def test_cloze_note_key_is_the_explicit_id() -> None:
    spec = parse_toml_deck(deck('id = "gap"\nfront = "{{c1::a}} {{c2::b}}"'), "d.toml")
    assert [c.key for c in spec.cards] == ["gap::c1", "gap::c2"]
    assert {c.note_key for c in spec.cards} == {"demo/gap"}


def test_double_braces_that_are_not_clozes_stay_as_written() -> None:
    spec = parse_toml_deck(
        deck('front = "What does {{ name }} print in Jinja?"\nback = "x"'), "d.toml"
    )
    [card] = spec.cards
    assert card.front == "What does {{ name }} print in Jinja?" and "::" not in card.key


# --------------------------------------------------------------------------- problems


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ('id = "x"\nname = "X"\n\n[[cards]]\nfront = "Q\nback = "A"\n', 5, "invalid TOML"),
        ('id = "x"\nname = "X"\n[[cards]]\nfront = """Q\n', 4, "end of the file"),
        ('name = "X"\n[[cards]]\nfront = "Q"\nback = "A"\n', 1, "missing the deck's id"),
        (
            'id = "My Deck"\nname = "X"\n[[cards]]\nfront = "Q"\nback = "A"\n',
            1,
            "deck id 'My Deck' must be lowercase",
        ),
        ('name = "X"\nid = 7\n[[cards]]\nfront = "Q"\nback = "A"\n', 2, "deck id must be a string"),
        ('id = "x"\n[[cards]]\nfront = "Q"\nback = "A"\n', 1, "missing the deck's name"),
        ('id = "x"\nname = "  "\n[[cards]]\nfront = "Q"\nback = "A"\n', 2, "deck name is empty"),
        (
            'id = "x"\nname = "X"\nversion = 1.0\n[[cards]]\nfront = "Q"\nback = "A"\n',
            3,
            "deck version must be a string, not a number",
        ),
        (
            'id = "x"\nname = "X"\nnmae = "y"\n[[cards]]\nfront = "Q"\nback = "A"\n',
            3,
            "unknown key 'nmae' (did you mean 'name'?)",
        ),
        (
            'id = "x"\nname = "X"\n[meta]\nx = 1\n[[cards]]\nfront = "Q"\nback = "A"\n',
            3,
            "unknown key 'meta'",
        ),
        (
            'id = "x"\nname = "X"\ntags = "a b"\n[[cards]]\nfront = "Q"\nback = "A"\n',
            3,
            "tags must be a list of strings",
        ),
        (
            'id = "x"\nname = "X"\ntags = ["two words"]\n[[cards]]\nfront = "Q"\nback = "A"\n',
            3,
            "tag 'two words' must be one word",
        ),
        ('id = "x"\nname = "X"\n', 1, "the deck has no cards"),
        ('id = "x"\nname = "X"\n[cards]\nfront = "Q"\n', 3, "cards must be [[cards]] tables"),
    ],
    ids=[
        "syntax",
        "unterminated",
        "no-id",
        "bad-id",
        "id-type",
        "no-name",
        "empty-name",
        "version-type",
        "unknown-key",
        "unknown-table",
        "tags-type",
        "tag-space",
        "no-cards",
        "cards-table",
    ],
)
def test_deck_level_problem_names_line_and_reason(text: str, line: int, reason: str) -> None:
    problem = only_problem(text)
    assert problem.line == line
    assert reason in problem.reason


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('front = "Q"\nback = "A"\nanswer = "x"', "card 'Q': unknown key 'answer'"),
        ('back = "A"', "card #2: missing front"),
        ('front = "   "\nback = "A"', "card #2: front is empty"),
        ('front = "Q"', "card 'Q': missing back"),
        ('front = "Q"\nback = ""', "card 'Q': back is empty"),
        ('front = 42\nback = "A"', "card #2: front must be a string, not a number"),
        ('front = "Q"\nback = true', "card 'Q': back must be a string, not a boolean"),
        ('id = 3\nfront = "Q"\nback = "A"', "id must be a string"),
        ('id = "no spaces"\nfront = "Q"\nback = "A"', "card 'no spaces': id must be letters"),
        ('id = "-x"\nfront = "Q"\nback = "A"', "starting with a letter or digit"),
        ('front = "Q"\nback = "A"\ntags = "t"', "card 'Q': tags must be a list of strings"),
        ('front = "Q"\nback = "A"\ntags = [""]', "tag '' must be one word"),
        ('front = "x {{c1::a"', "unclosed cloze '{{c1::a'"),
        ('front = "x {{c0::a}}"', "cloze number must be 1 or more, not '0'"),
        ('front = "x {{cx::a}}"', "cloze number must be 1 or more, not 'x'"),
        ('front = "x {{c1::}}"', "cloze with an empty answer"),
        ('front = "x {{c1::  ::hint}}"', "cloze with an empty answer"),
        ('front = "x {{c1::a {{c2::b}} c}}"', "cloze inside a cloze"),
        ('front = "x {{c1:a}}"\nback = "A"', "malformed cloze"),
        ('front = "x {{ y"\nback = "A"', "unclosed '{{'"),
    ],
    ids=[
        "unknown-key",
        "no-front",
        "empty-front",
        "no-back",
        "empty-back",
        "front-type",
        "back-type",
        "id-type",
        "id-spaces",
        "id-start",
        "tags-type",
        "tag-empty",
        "cloze-unclosed",
        "cloze-zero",
        "cloze-x",
        "cloze-empty",
        "cloze-blank",
        "cloze-nested",
        "cloze-one-colon",
        "unclosed-braces",
    ],
)
def test_card_problem_is_at_its_cards_header_and_names_it(body: str, reason: str) -> None:
    text = deck('id = "fine"\nfront = "Fine"\nback = "ok"', body)
    problem = only_problem(text)
    assert problem.line == headers(text)[1]
    assert reason in problem.reason


def test_duplicate_explicit_id_points_at_both_cards() -> None:
    text = deck('id = "a"\nfront = "One"\nback = "1"', 'id = "a"\nfront = "Two"\nback = "2"')
    problem = only_problem(text)
    first, second = headers(text)
    assert problem.line == second
    assert f"id 'a' is already used by the card at line {first}" in problem.reason


def test_fronts_equal_apart_from_punctuation_are_duplicates() -> None:
    text = deck('front = "Hello, world!"\nback = "1"', 'front = "hello world"\nback = "2"')
    problem = only_problem(text)
    first, second = headers(text)
    assert problem.line == second
    assert f"same front as card 'Hello, world!' at line {first}" in problem.reason
    assert "give one of them an id" in problem.reason


def test_explicit_id_equal_to_another_cards_derived_key_is_a_duplicate() -> None:
    derived = parse_toml_deck(deck('front = "Q"\nback = "A"'), "d.toml").cards[0].key
    text = deck('front = "Q"\nback = "A"', f'id = "{derived}"\nfront = "Other"\nback = "B"')
    assert "already used" in only_problem(text).reason


def test_card_header_inside_a_multiline_string_does_not_shift_lines() -> None:
    text = deck(
        'front = "About decks"\nback = """\n[[cards]]\nis a header\n"""', 'front = "Q"\nback = ""'
    )
    assert headers(text) == [4, 7, 11]  # the one at line 7 is inside the back's string
    assert only_problem(text).line == 11


def test_inline_cards_array_reports_the_line_of_the_array() -> None:
    text = 'id = "x"\nname = "X"\n\ncards = [\n  {front = "Q", back = "A"},\n  {front = "R"},\n]\n'
    problem = only_problem(text)
    assert (problem.line, problem.reason) == (4, "card 'R': missing back")


def test_check_lists_every_problem_in_file_order(tmp_path: Path) -> None:
    path = tmp_path / "many.toml"
    path.write_text(
        'id = "x"\nname = "X"\nextra = 1\n'
        + "".join(
            f"\n[[cards]]\nfront = {f!r}\nback = {b!r}\n"
            for f, b in [("ok", "1"), ("no back", ""), ("{{c1::x", ""), ("ok", "dup")]
        ),
        encoding="utf-8",
    )
    found = check_deck(path)
    assert [(p.line, p.reason.split(":")[0]) for p in found] == [
        (3, "unknown key 'extra' (allowed"),
        (9, "card 'no back'"),
        (13, "card '{{c1"),
        (17, "card 'ok'"),
    ]
    assert all(p.path == str(path) for p in found)


def test_load_raises_the_first_problem_as_path_line_reason(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(deck('front = "Q"\nback = "A"', 'front = "R"'), encoding="utf-8")
    with pytest.raises(DeckFormatError) as error:
        load_deck(path)
    assert str(error.value) == f"{path}:8: card 'R': missing back"
    assert (error.value.line, error.value.path) == (8, str(path))


def test_problem_prints_like_a_compiler_error() -> None:
    assert str(Problem("d.toml", 3, "bad")) == "d.toml:3: bad"
    assert str(Problem("d.toml", None, "bad")) == "d.toml: bad"


def test_missing_file_is_one_problem_not_an_exception(tmp_path: Path) -> None:
    [problem] = check_deck(tmp_path / "nope.toml")
    assert (problem.line, problem.reason) == (None, "no such file")
    with pytest.raises(DeckFormatError, match="nope.toml: no such file"):
        load_deck(tmp_path / "nope.toml")


def test_directory_and_unknown_extension_are_problems(tmp_path: Path) -> None:
    folder = tmp_path / "decks.toml"
    folder.mkdir()
    assert "is a directory" in check_deck(folder)[0].reason
    other = tmp_path / "deck.json"
    other.write_text("{}", encoding="utf-8")
    assert "unknown deck file type '.json'" in check_deck(other)[0].reason


def test_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('id = "x"\nname = "Größe"\n'.encode("latin-1"))
    [problem] = check_deck(path)
    assert (problem.line, problem.reason) == (2, "not UTF-8 text (save the file as UTF-8)")


def test_utf8_bom_and_windows_line_endings_are_read(tmp_path: Path) -> None:
    path = tmp_path / "win.toml"
    path.write_bytes(
        b"\xef\xbb\xbf" + deck('front = "Q"\nback = "A"').replace("\n", "\r\n").encode()
    )
    assert load_deck(path).cards[0].front == "Q"


# --------------------------------------------------------------------------- fmt


def test_fmt_writes_the_current_keys_as_ids() -> None:
    before = parse_toml_deck(EXAMPLE, "lo.toml")
    out = format_deck(EXAMPLE, "lo.toml")
    after = parse_toml_deck(out, "lo.toml")
    assert [c.key for c in after.cards] == [c.key for c in before.cards]
    assert after == before
    ids = [card["id"] for card in tomllib.loads(out)["cards"]]
    note = before.cards[1].key.removesuffix("::c1")
    assert ids == ["five-disciplines", note, before.cards[3].key]


def test_fmt_keeps_comments_order_and_layout() -> None:
    out = format_deck(EXAMPLE, "lo.toml")
    assert "# the deck's identity" in out and "# --- the disciplines ---" in out
    # Only lines were added: removing the new id lines gives the original text back.
    kept = [line for line in out.splitlines() if not line.startswith('id = "h-')]
    assert kept == EXAMPLE.splitlines()
    lines = out.splitlines()
    header = lines.index("[[cards]]", lines.index("[[cards]]") + 1)
    assert lines[header + 1].startswith('id = "h-')


def test_fmt_is_idempotent() -> None:
    once = format_deck(EXAMPLE, "lo.toml")
    assert format_deck(once, "lo.toml") == once


def test_fmt_matches_the_indentation_of_the_card() -> None:
    text = deck('    front = "Q"  # asked first\n    back = "A"')
    out = format_deck(text, "d.toml")
    assert '\n    id = "h-' in out and '    front = "Q"  # asked first' in out


def test_fmt_refuses_a_deck_with_problems() -> None:
    with pytest.raises(DeckFormatError, match=r"d\.toml:4: card 'Q': missing back"):
        format_deck(deck('front = "Q"'), "d.toml")


# --------------------------------------------------------------------------- dump


TRICKY = [
    ("plain", "Plain question", "Plain answer"),
    ("quotes", 'He said "hi"', "It's a 'test'"),
    ("backslash", r"C:\path\to", "both ' and \" and \\"),
    ("multi", "Line one\nLine two", "```\ncode ''' block\n```"),
    ("control", "bell\x07 and\ttab", 'ends with quote\'\nand """ triple'),
    ("non-ascii", "日本語 — die Größe", "कि 🎉"),
]


def tricky_spec() -> DeckSpec:
    cards = tuple(
        CardSpec(key, f"demo/{key}", front, back, ("shared", f"t{i}"), i, None)
        for i, (key, front, back) in enumerate(TRICKY)
    )
    return DeckSpec("demo", 'Demo "deck"', "About\nthings", "2.0", ("shared",), cards, "d.toml")


def test_dump_then_load_gives_the_same_deck() -> None:
    spec = tricky_spec()
    text = dump_deck(spec)
    assert parse_toml_deck(text, "d.toml") == spec


def test_dump_writes_multiline_text_as_blocks_readable_in_git() -> None:
    text = dump_deck(tricky_spec())
    assert "front = '''\nLine one\nLine two\n'''" in text
    assert 'tags = ["shared"]' in text and 'tags = ["t0"]' in text


def test_dump_writes_cloze_cards_back_as_one_cloze_note() -> None:
    spec = parse_toml_deck(EXAMPLE, "lo.toml")
    text = dump_deck(spec)
    assert text.count("{{c1::vision}}") == 1 and "{{c2::current reality::where you are}}" in text
    assert parse_toml_deck(text, "lo.toml") == spec


def test_dump_from_stored_cards_keeps_keys() -> None:
    spec = parse_toml_deck(EXAMPLE, "lo.toml")
    rows = [(c.key, c.front, c.back, c.tags) for c in spec.cards]
    again = parse_toml_deck(dump_deck(spec, rows), "lo.toml")
    assert [c.key for c in again.cards] == [c.key for c in spec.cards]


def test_dump_keeps_a_key_that_is_not_a_valid_id_in_a_comment() -> None:
    spec = DeckSpec("demo", "Demo", "", "", (), (), "d.toml")
    text = dump_deck(spec, [("g-1::odd key", "Q", "A", ())])
    assert "# card key was 'g-1::odd key'" in text
    assert parse_toml_deck(text, "d.toml").cards[0].key == "g-1-odd-key"


def test_the_example_in_the_docs_is_a_valid_deck() -> None:
    from conftest import ROOT

    docs = (ROOT / "docs" / "decks.md").read_text(encoding="utf-8")
    example = docs.split("```toml\n", 1)[1].split("```", 1)[0]
    spec = parse_toml_deck(example, "docs/decks.md")
    assert spec.key == "learning-organization"
    assert [c.key for c in spec.cards][:3] == [
        "five-disciplines",
        "creative-tension::c1",
        "creative-tension::c2",
    ]


def test_spaces_around_a_cloze_answer_stay_outside_it_and_survive_export() -> None:
    """Found by the round-trip property: "{{c1::Paris }}" bolded as "**Paris** " on the back
    only, so `dump_deck` could not rebuild the note and re-keyed the card ("n-c1")."""
    spec = parse_toml_deck(
        deck('id = "n"\nfront = "The capital is{{c1:: Paris }}, of {{c2::France\\r}}"'), "d.toml"
    )
    c1, c2 = spec.cards
    assert (c1.front, c1.back) == (
        "The capital is [...] , of France",
        "The capital is **Paris** , of France",
    )
    assert c2.back == "The capital is Paris , of **France**"
    again = parse_toml_deck(dump_deck(spec), "d.toml")
    assert again == spec and [c.key for c in again.cards] == ["n::c1", "n::c2"]


def test_cloze_answers_with_asterisks_and_hints_with_brackets_survive_export() -> None:
    """Found by the round-trip property: "**kwargs" as an answer or "]" in a hint made
    `dump_deck` give up on the note and re-key its cards."""
    spec = parse_toml_deck(
        deck('id = "n"\nfront = "def f({{c1::**kwargs}}): {{c2::x::a [b] c}}"'), "d.toml"
    )
    assert [c.back for c in spec.cards] == ["def f(****kwargs**): x", "def f(**kwargs): **x**"]
    again = parse_toml_deck(dump_deck(spec), "d.toml")
    assert again == spec and [c.key for c in again.cards] == ["n::c1", "n::c2"]
