"""Anki notes as Mastery cards: which card of a note shows which fields.

- Basic: card 1 is field 1 -> field 2; "(and reversed card)" adds card 2, field 2 -> field 1;
- Cloze: the note's text is a Mastery cloze note (one card per ``{{cN::...}}`` number), its
  second field the extra text on the back;
- any other note type: the first field is the front, the other fields the back.

Fields arrive here already as Markdown (`mastery.decks.anki.html`). Card keys come from the
note's guid (and the card's ordinal), so re-importing a package keeps review history.
"""

from __future__ import annotations

from collections.abc import Set

from mastery.decks.cloze import ClozeError
from mastery.decks.spec import CardSpec, note_cards
from mastery.errors import DeckFormatError

__all__ = ["card_text", "cloze_card_key", "cloze_cards"]


def card_text(note_id: str, notetype: str, ord_: int, fields: list[str]) -> tuple[str, str, str]:
    """(card key, front, back) of card `ord_` (0-based) of a note that is not a cloze."""
    if ord_ == 1 and "revers" in notetype.lower() and len(fields) >= 2:
        return f"{note_id}.reverse", fields[1], fields[0]
    key = note_id if ord_ == 0 else f"{note_id}.card{ord_ + 1}"
    return key, fields[0], "\n\n".join(f for f in fields[1:] if f)


def cloze_cards(
    source: str,
    deck_key: str,
    note_id: str,
    fields: list[str],
    tags: tuple[str, ...],
    position: int,
    guid: str,
) -> list[CardSpec]:
    """Every card of a cloze note at once (`source` and `guid` name it in errors)."""
    text, extra = fields[0], "\n\n".join(f for f in fields[1:] if f)
    try:
        return note_cards(
            deck_key=deck_key,
            note_id=note_id,
            front=text,
            back=extra,
            tags=tags,
            position=position,
            line=None,
        )
    except ClozeError as exc:
        raise DeckFormatError(source, None, f"note {guid!r}: {exc}") from None
    except ValueError:  # a cloze note without clozes or extra: the text both sides
        return [CardSpec(note_id, f"{deck_key}/{note_id}", text, text, tags, position)]


def cloze_card_key(note_id: str, ord_: int, made: Set[str]) -> str | None:
    """The key of the card Anki's cloze card `ord_` became among the keys `cloze_cards` made
    (so its review history lands there); None if that cloze made no card."""
    key = f"{note_id}::c{ord_ + 1}"
    if key in made:
        return key
    if ord_ == 0 and note_id in made:
        return note_id
    return None
