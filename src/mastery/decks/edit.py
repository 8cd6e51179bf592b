"""One card edited inside its TOML deck file, so that git shows a one-card change.

The file is parsed with tomlkit, which keeps comments, order and layout; only the card's
`front`, `back` and `tags` are replaced (each written the way `dump_deck` writes strings), and
a card without an explicit id gets its current key as `id`, so the edit cannot change its key
(and with it the review history a re-import keeps). The result is read back with the deck
reader and must give the same card keys, with the edited card as asked, before anyone writes
it.
"""

from __future__ import annotations

import re
from typing import Any

from mastery.decks.format import _insert_first, _string, _tag_list, parse_toml_deck
from mastery.decks.spec import derive_key
from mastery.errors import CardEditError

BOM = "\ufeff"


def edit_card_text(
    text: str,
    path: str,
    card_key: str,
    front: str,
    back: str,
    own_tags: tuple[str, ...],
    was: tuple[str, str] | None = None,
) -> str:
    """The deck file's text with card `card_key` given `front`, `back` and its own tags (those
    the deck's `tags` do not already give every card). `was` is the card's (front, back) as the
    profile holds it: a file whose card differs was changed since its import, and is refused
    rather than overwritten. Raises `DeckFormatError` when the file has problems now,
    `CardEditError` when the card cannot be edited there."""
    import tomlkit

    if text.startswith(BOM):  # Notepad's UTF-8: the import reads past it, the file keeps it
        return BOM + edit_card_text(text[1:], path, card_key, front, back, own_tags, was)
    before = parse_toml_deck(text, path)
    keys = [c.key for c in before.cards]
    if card_key not in keys:
        raise CardEditError(
            f"{path}: card {card_key!r} is no longer in the file; re-import it "
            "(mastery import FILE) and edit it again"
        )
    mine = next(c for c in before.cards if c.key == card_key)
    if "::c" in card_key or sum(c.note_key == mine.note_key for c in before.cards) > 1:
        where = f" (line {mine.line})" if mine.line else ""
        raise CardEditError(
            f"{path}{where}: a cloze note makes several cards; edit the note in the file"
        )
    if was is not None and (mine.front, mine.back) != was:
        where = f" (line {mine.line})" if mine.line else ""
        raise CardEditError(
            f"{path}{where}: the card was changed in the file since it was imported; import "
            "the file again (mastery import FILE), then edit it"
        )
    # tomlkit reads a 1 MB file in seconds: it is given the card's own lines only (from its
    # [[cards]] header to the next card's, as the deck reader's scan found them), or the
    # whole file when the cards are written inline.
    start, end = _span(text, mine.line, [c.line for c in before.cards])
    doc = tomlkit.parse(text[start:end])
    entry = _entry(doc["cards"], card_key)
    if "id" not in entry:
        _insert_first(entry, "id", card_key, "\r\n" if "\r\n" in text else "\n")
    entry["front"] = _item(_string(front))
    entry["back"] = _item(_string(back))
    tags = tuple(t for t in own_tags if t not in before.tags)
    if tags:
        entry["tags"] = _item(_tag_list(tags))
    elif "tags" in entry:
        del entry["tags"]
    card = tomlkit.dumps(doc)
    if "\r\n" in text and "\n" not in text.replace("\r\n", ""):
        # A CRLF file stays one: a multi-line side's lines end in CRLF too (TOML reads
        # either as a newline; a CR in the text itself is written as an escape).
        card = re.sub(r"(?<!\r)\n", "\r\n", card)
    result = text[:start] + card + text[end:]
    after = parse_toml_deck(result, path)
    if [c.key for c in after.cards] != keys:
        raise CardEditError(
            f"{path}: the new front would make this card a cloze note (several cards); "
            "edit it in the file"
        )
    edited = next(c for c in after.cards if c.key == card_key)
    if (edited.front, edited.back) != (front, back):  # a bug, never the learner's input
        raise AssertionError(f"{path}: card {card_key!r} was not written as edited")
    return result


def _span(text: str, line: int | None, lines: list[int | None]) -> tuple[int, int]:
    """Where the card whose ``[[cards]]`` header is on `line` starts and ends in `text` (up to
    the next card's header); the whole text when the cards have no headers of their own."""
    headers = sorted({n for n in lines if n is not None})
    if line is None or len(headers) != len(lines) or line not in headers:
        return 0, len(text)
    starts = [0, *(m.end() for m in re.finditer("\n", text))]  # where each line starts
    following = headers.index(line) + 1
    end = starts[headers[following] - 1] if following < len(headers) else len(text)
    return starts[line - 1], end


def _entry(cards: Any, card_key: str) -> Any:
    """The ``[[cards]]`` table whose id (explicit, or derived from its front) is `card_key`."""
    for entry in cards:
        given = entry.get("id")
        note_id = str(given) if given is not None else derive_key(str(entry["front"]).strip())
        if note_id == card_key:
            return entry
    raise AssertionError(f"card {card_key!r} parsed but not found")  # parse_toml_deck found it


def _item(toml_value: str) -> Any:
    """A tomlkit value written exactly as `toml_value` (a multi-line string stays a block)."""
    import tomlkit

    return tomlkit.parse(f"v = {toml_value}\n")["v"]
