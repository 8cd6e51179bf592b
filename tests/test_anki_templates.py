"""Anki's template language as Mastery renders it (issue 12): one test per feature, each
checked against what Anki's own renderer (rslib template.rs, template_filters.rs, cloze.rs)
shows for the same note, and then what the learner sees once the HTML is Markdown."""

from __future__ import annotations

from pathlib import Path

import pytest
from anki_package import AnkiPackage

from mastery.decks.anki import read_apkg
from mastery.decks.anki.html import field_markdown
from mastery.decks.anki.templates import NoteType, parse_template, render_card
from mastery.decks.csv import _guid_key

ANSWER = "{{FrontSide}}\n\n<hr id=answer>\n\n"


def one(question: str, answer: str, fields: dict[str, str], ord_: int = 0) -> tuple[str, str]:
    """(front, back) as Markdown of card `ord_` of a one-template note type."""
    nt = NoteType.build("Custom", list(fields), [("Recto", question, answer)], False)
    sides = render_card(nt, list(fields.values()), ord_)
    assert sides is not None
    return field_markdown(sides[0]), field_markdown(sides[1])


def test_fields_are_replaced_by_their_html_whitespace_in_the_handle_ignored() -> None:
    assert one(
        "{{Word}} / {{ Gender }}",
        ANSWER + "{{Meaning}}",
        {"Word": "<b>Haus</b>", "Gender": "n", "Meaning": "house"},
    ) == ("**Haus** / n", "house")


def test_front_side_on_the_answer_is_not_repeated_under_the_front() -> None:
    # Mastery shows the front above the back: what precedes <hr id=answer> is dropped...
    assert one("{{A}}", ANSWER + "{{B}}", {"A": "q", "B": "a"}) == ("q", "a")
    # ...and without the rule, what precedes {{FrontSide}}.
    assert one("{{A}}", "{{FrontSide}}<br>{{B}}", {"A": "q", "B": "a"}) == ("q", "a")
    # An answer without FrontSide is the whole answer.
    assert one("{{A}}", "{{B}} ({{A}})", {"A": "q", "B": "a"}) == ("q", "a (q)")


def test_conditionals_show_on_filled_fields_and_negations_on_empty_ones() -> None:
    q = "{{A}}{{#Note}}<br>Note: {{Note}}{{/Note}}{{^Note}}<br>(no note){{/Note}}"
    assert one(q, "{{B}}", {"A": "q", "B": "a", "Note": "careful"})[0] == "q\nNote: careful"
    assert one(q, "{{B}}", {"A": "q", "B": "a", "Note": ""})[0] == "q\n(no note)"
    # Anki's "empty": only whitespace and empty <br>/<div> tags.
    assert one(q, "{{B}}", {"A": "q", "B": "a", "Note": " <div><br></div> "})[0] == "q\n(no note)"
    assert one(q, "{{B}}", {"A": "q", "B": "a", "Note": "&nbsp;"})[0] == "q\nNote:"


def test_sections_nest() -> None:
    q = "{{A}}{{#B}} b{{#C}} c{{/C}}{{^C}} no-c{{/C}}{{/B}}"
    assert one(q, "x", {"A": "a", "B": "1", "C": "1"})[0] == "a b c"
    assert one(q, "x", {"A": "a", "B": "1", "C": ""})[0] == "a b no-c"
    assert one(q, "x", {"A": "a", "B": "", "C": "1"})[0] == "a"


def test_every_template_is_its_own_card_whatever_it_is_named() -> None:
    """The bug of issue 12: a second template not named like "reverse" made a copy of card 1."""
    nt = NoteType.build(
        "Vocab",
        ["Word", "Meaning", "Audio"],
        [
            ("Recognise", "{{Word}}", ANSWER + "{{Meaning}}"),
            ("Produce", "{{Meaning}}", ANSWER + "{{Word}}"),
            ("Listen", "{{#Audio}}listen: {{Audio}}{{/Audio}}", ANSWER + "{{Word}}"),
        ],
        False,
    )
    fields = ["Katze", "cat", ""]
    assert render_card(nt, fields, 0) == ("Katze", "\n\ncat")
    assert render_card(nt, fields, 1) == ("cat", "\n\nKatze")
    assert render_card(nt, fields, 2) is None  # an empty front: Anki makes no such card


def test_text_filter_strips_html() -> None:
    assert one("{{text:A}}", "x", {"A": "<b>bold</b> &amp; <i>it</i>"})[0] == "bold & it"


def test_hint_filter_names_the_field_and_shows_its_text() -> None:
    front, _ = one("{{A}}{{hint:Hint}}", "x", {"A": "q", "Hint": "starts with <i>K</i>"})
    assert front == "q\n*Hint:* starts with *K*"
    assert one("{{A}}{{hint:Hint}}", "x", {"A": "q", "Hint": ""})[0] == "q"


def test_filters_apply_right_to_left() -> None:
    # {{text:hint:F}}: hint first (adding its markup), then text strips all of it.
    assert one("{{text:hint:A}}", "x", {"A": "<b>k</b>"})[0] == "A: k"


def test_unknown_filters_degrade_to_the_field_text() -> None:
    assert one("{{tts en_US:A}} {{myaddon:A}}", "x", {"A": "word"})[0] == "word word"


def test_type_filter_renders_nothing() -> None:
    assert one("{{A}}{{type:B}}", ANSWER + "{{type:B}}{{B}}", {"A": "q", "B": "a"}) == ("q", "a")


def test_unknown_fields_render_as_nothing() -> None:
    assert one("{{A}} {{Missing}}", "{{B}}", {"A": "q", "B": "a"}) == ("q", "a")


def test_cloze_shows_the_cards_own_number_hidden_on_the_front_and_bold_on_the_back() -> None:
    nt = NoteType.build(
        "Cloze",
        ["Text", "Back Extra"],
        [("Cloze", "{{cloze:Text}}", "{{cloze:Text}}<br>\n{{Back Extra}}")],
        True,
    )
    fields = ["{{c1::Berlin::city}} is the capital of {{c2::Germany}}", "since 1990"]
    c1, c2 = render_card(nt, fields, 0), render_card(nt, fields, 1)
    assert c1 is not None and c2 is not None
    assert field_markdown(c1[0]) == "[city] is the capital of Germany"
    # (the template's "<br>" and its line break after it: a blank line, as Mastery's own
    # cloze notes put the extra text)
    assert field_markdown(c1[1]) == "**Berlin** is the capital of Germany\n\nsince 1990"
    assert field_markdown(c2[0]) == "Berlin is the capital of [...]"
    assert field_markdown(c2[1]) == "Berlin is the capital of **Germany**\n\nsince 1990"


def test_nested_and_shared_clozes() -> None:
    nt = NoteType.build("Cloze", ["Text"], [("Cloze", "{{cloze:Text}}", "{{cloze:Text}}")], True)
    text = "{{c1::outer {{c2::inner}}}} and {{c1,3::both}}"
    q1, a1 = render_card(nt, [text], 0) or ("", "")
    assert field_markdown(q1) == "[...] and [...]"
    assert field_markdown(a1) == "**outer inner** and **both**"
    q2, _ = render_card(nt, [text], 1) or ("", "")
    assert field_markdown(q2) == "outer [...] and both"
    q3, _ = render_card(nt, [text], 2) or ("", "")
    assert field_markdown(q3) == "outer inner and [...]"


def test_special_fields() -> None:
    nt = NoteType.build(
        "Words",
        ["A"],
        [("Recto", "{{A}} {{Deck}} {{Subdeck}} {{Card}} {{Type}} {{Tags}}", "x")],
        False,
    )
    sides = render_card(nt, ["q"], 0, tags="t1 t2", deck="Lang::German")
    assert sides is not None
    assert field_markdown(sides[0]) == "q Lang::German German Recto Words t1 t2"


def test_legacy_alternative_delimiters() -> None:
    assert one("{{=<% %>=}}<%A%> {{A}}", "x", {"A": "q"})[0] == "q {{A}}"


def test_an_unclosed_section_runs_to_the_end_and_a_stray_close_is_ignored() -> None:
    assert parse_template("{{/X}}a{{#B}}b") == ("a", parse_template("{{#B}}b{{/B}}")[0])


def test_a_package_with_a_custom_note_type_renders_each_template(tmp_path: Path) -> None:
    pkg = AnkiPackage()
    pkg.add_notetype(
        "Vocab 3",
        ["Word", "Meaning", "Example"],
        templates=[
            ("Recognise", "{{Word}}", ANSWER + "{{Meaning}}<br>{{Example}}"),
            (
                "Produce",
                "{{Meaning}}{{#Example}}<br><i>e.g.</i> {{cloze:Example}}{{/Example}}",
                ANSWER + "{{Word}}",
            ),
        ],
    )
    pkg.add_note("Vocab 3", ["Katze", "cat", "the <b>cat</b> sleeps"], guid="katze")
    decks = read_apkg(pkg.write_latest(tmp_path / "v.apkg"))
    cards = {c.key: c for d in decks for c in d.cards}
    key = _guid_key("katze")
    assert (cards[key].front, cards[key].back) == ("Katze", "cat\nthe **cat** sleeps")
    # card 2 is its own template, not a copy of card 1 (cloze: on a field without clozes
    # renders nothing, as in Anki)
    assert (cards[f"{key}.card2"].front, cards[f"{key}.card2"].back) == ("cat\n*e.g.*", "Katze")


@pytest.mark.parametrize("fixture", ["anki_latest.apkg", "anki_legacy.apkg"])
def test_real_packages_keep_their_suspended_state(fixture: str) -> None:
    path = Path("/work/shared/fixtures/anki") / fixture
    if not path.exists():
        pytest.skip("Anki fixtures not on this machine")
    cards = {c.key: c for d in read_apkg(path) for c in d.cards}
    assert [k for k, c in cards.items() if c.suspended] == [f"{_guid_key('B,K3WHuclo')}::c1"]
    assert [k for k, c in cards.items() if "flag::red" in c.tags] == [
        _guid_key("zabi{uaD0:"),
        _guid_key("x3:<*S>62U"),
    ]


def test_a_hostile_template_renders_without_a_traceback() -> None:
    deep = "{{#A}}" * 5000 + "{{A}}" + "{{/A}}" * 5000
    assert one(deep, "{{A}}", {"A": "x"})[0] == "x"
    many_clozes = "{{c1::" * 50 + "x" + "}}" * 50
    nt = NoteType.build("Cloze", ["Text"], [("Cloze", "{{cloze:Text}}", "{{cloze:Text}}")], True)
    assert render_card(nt, [many_clozes], 0) is not None


def test_ruby_filters() -> None:
    front, _ = one("{{kana:E}}|{{kanji:E}}|{{furigana:E}}", "x", {"E": "日本[にほん] 語[ご]"})
    assert front == "にほんご|日本語|日本(にほん)語(ご)"
