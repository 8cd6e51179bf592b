"""The parts of the Anki importer (`mastery.decks.anki`), each on its own and without a package:
which revlog entries are replayed, which fields a card shows, how Anki's card ordinals map to
our keys, and the protobuf Anki's newer packages use. The whole-package behaviour is in
test_apkg_*.py."""

from __future__ import annotations

import pytest

from mastery.decks.anki.history import AnkiReview, revlog_answers
from mastery.decks.anki.protobuf import proto_field, proto_fields
from mastery.decks.anki.templates import NoteType, card_key, render_card
from mastery.decks.cloze import ClozeError

KEYS = {1: ("deck", "a"), 2: ("deck", "b"), 3: ("deck", "c")}


def revlog(
    rid: int, cid: int, ease: int, *, ivl: int = 1, factor: int = 2500, kind: int = 1
) -> tuple[int, ...]:
    """A revlog row as the reader selects it: id, cid, ease, ivl, factor, time, type."""
    return (rid, cid, ease, ivl, factor, 4000, kind)


def test_revlog_answers_keep_answers_and_skip_what_anki_fsrs_skips() -> None:
    rows = [
        revlog(10, 1, 3, kind=0),  # learning answer: kept
        revlog(11, 1, 0, kind=4, ivl=5),  # "set due date" (manual, no button): skipped
        revlog(12, 1, 3, kind=5),  # rescheduled by Anki: skipped
        revlog(13, 1, 1, kind=3, factor=0),  # filtered deck, rescheduling off (cram): skipped
        revlog(14, 1, 4, kind=3, factor=2500),  # filtered deck that rescheduled: a review
        revlog(20, 2, 2, kind=1),  # forgotten by the reset below
        revlog(21, 2, 0, kind=4, ivl=0),  # reset ("Forget"): the card starts over
        revlog(22, 2, 3, kind=0),
        revlog(30, 9, 3),  # a card the import did not make: skipped
        revlog(40, 3, 7),  # no such button: skipped
    ]
    assert revlog_answers(rows, KEYS) == {
        ("deck", "a"): (AnkiReview(10, 3, 4000), AnkiReview(14, 4, 4000)),
        ("deck", "b"): (AnkiReview(22, 3, 4000),),
    }


def test_revlog_answers_never_give_a_negative_duration() -> None:
    assert revlog_answers([(10, 1, 3, 1, 2500, -50, 1), (11, 1, 3, 1, 2500, None, 1)], KEYS) == {
        ("deck", "a"): (AnkiReview(10, 3, 0), AnkiReview(11, 3, 0))
    }


def _notetype(name: str, templates: int, *, cloze: bool = False) -> NoteType:
    fields = ["Front", "Back", "Add Reverse", "More"]
    return NoteType.build(
        name, fields, [(f"Card {i + 1}", "{{Front}}", "{{Back}}") for i in range(templates)], cloze
    )


@pytest.mark.parametrize(
    ("notetype", "ord_", "expected"),
    [
        ("Basic", 0, "n"),
        ("Basic (and reversed card)", 1, "n.reverse"),
        ("Basic (optional reversed card)", 1, "n.reverse"),
        ("Vocabulary", 1, "n.card2"),
        ("Vocabulary", 2, "n.card3"),
    ],
)
def test_card_keys_follow_the_ordinal_as_before(notetype: str, ord_: int, expected: str) -> None:
    """Keys are what re-imports match review history by: they must not change (issue 12
    changed what a card shows, not its key)."""
    assert card_key("n", _notetype(notetype, 3), ord_) == expected


def test_a_cloze_card_becomes_the_card_of_its_number() -> None:
    cloze = NoteType.build("Cloze", ["Text", "Extra"], [("Cloze", "{{cloze:Text}}", "")], True)
    fields = ["{{c1::A}} {{c3::B}}", ""]
    assert card_key("n", cloze, 0) == "n::c1"
    assert card_key("n", cloze, 2) == "n::c3"
    assert render_card(cloze, fields, 0) is not None
    assert render_card(cloze, fields, 2) is not None
    assert render_card(cloze, fields, 1) is None  # Anki's c2 card has no cloze left: no card
    assert card_key("n", cloze, 0, clozes=False) == "n"  # a cloze note without any cloze


def test_broken_cloze_markup_is_refused() -> None:
    cloze = NoteType.build("Cloze", ["Text"], [("Cloze", "{{cloze:Text}}", "")], True)
    with pytest.raises(ClozeError, match="unclosed cloze"):
        render_card(cloze, ["{{c1::open"], 0)


def test_proto_fields_read_varints_nested_messages_and_skip_fixed_widths() -> None:
    nested = b"\x0a\x02hi"  # field 1, length 2: "hi"
    message = (
        b"\x08\x96\x01"  # field 1, varint 150
        + b"\x11"
        + b"\x00" * 8  # field 2, fixed64: skipped
        + b"\x1d"
        + b"\x00" * 4  # field 3, fixed32: skipped
        + b"\x22"
        + bytes([len(nested)])
        + nested  # field 4, a nested message
    )
    assert proto_fields(message) == [(1, 150), (4, nested)]
    assert proto_field(proto_field(message, 4), 1) == b"hi"
    assert proto_field(message, 9) is None
    assert proto_field(150, 1) is None  # a varint is no message


def test_proto_fields_keep_what_comes_before_damage() -> None:
    assert proto_fields(b"\x08\x01\x10") == [(1, 1)]  # cut inside the second field
    assert proto_fields(b"\x08\x02\x0b\x08\x03") == [(1, 2)]  # wire type 3: not Anki's
