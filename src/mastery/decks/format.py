"""The TOML deck format: read it (`parse_toml_deck`), tidy it (`format_deck`), write it (`dump_deck`).

The format is described for deck maintainers in docs/decks.md. In short::

    id = "learning-organization"        # required, [a-z0-9][a-z0-9-]*
    name = "The Learning Organization"  # required
    description = "..."                 # optional
    version = "1.0.0"                   # optional
    tags = ["senge"]                    # optional, apply to every card

    [[cards]]
    id = "five-disciplines"             # optional, [A-Za-z0-9][A-Za-z0-9_.-]*
    front = "Markdown"                  # required
    back = "Markdown"                   # required (optional extra for cloze notes)
    tags = ["disciplines"]              # optional

Reading collects every problem with its line, so `check` can list them all; tomllib gives no
positions, so lines come from a light scan of the text for ``[[cards]]`` headers and top-level
keys (`_Layout`).
"""

from __future__ import annotations

import bisect
import difflib
import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mastery.decks.cloze import ClozeError, rebuild_cloze
from mastery.decks.spec import (
    CARD_ID,
    DECK_ID,
    CardSpec,
    DeckSpec,
    Problem,
    derive_key,
    describe_card,
    first_problem,
    merge_tags,
    note_cards,
)

DECK_KEYS = ("id", "name", "description", "version", "tags", "cards")
CARD_KEYS = ("id", "front", "back", "tags")

__all__ = ["CardSpec", "DeckSpec", "Problem", "dump_deck", "format_deck", "parse_toml_deck"]


def parse_toml_deck(text: str, path: str) -> DeckSpec:
    """Read a TOML deck; raises `DeckFormatError` for the first problem in the file."""
    spec, problems = read_toml_deck(text, path)
    if problems or spec is None:
        raise first_problem(problems)
    return spec


def read_toml_deck(text: str, path: str) -> tuple[DeckSpec | None, list[Problem]]:
    """Read a TOML deck and every problem in it; the spec is None if there is any problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [_syntax_problem(exc, text, path)]
    except RecursionError:  # arrays nested thousands deep
        return None, [Problem(path, None, "invalid TOML: nested too deeply")]
    except ValueError:  # an integer of more than 4,300 digits (Python's own limit)
        return None, [Problem(path, None, "invalid TOML: a number is too large")]
    return _Reader(path, _Layout.scan(text)).read(data)


# --------------------------------------------------------------------------- reading


def _syntax_problem(exc: tomllib.TOMLDecodeError, text: str, path: str) -> Problem:
    message = str(exc)
    at = re.search(r"\s*\(at line (\d+), column \d+\)$", message)
    if at:
        return Problem(path, int(at.group(1)), f"invalid TOML: {message[: at.start()]}")
    end = re.search(r"\s*\(at end of document\)$", message)
    if end:
        message = message[: end.start()] + " at the end of the file"
        return Problem(path, text.rstrip().count("\n") + 1, f"invalid TOML: {message}")
    return Problem(path, None, f"invalid TOML: {message}")


# Strings and comments, so that a "[[cards]]" line inside a multi-line string is not a header.
_SKIP = re.compile(  # "unrolled loop" patterns: fast on long files
    r'"""[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*"{3,5}'  # multi-line basic string
    r"|'''[^']*(?:'(?!'')[^']*)*'{3,5}"  # multi-line literal string
    r'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"'  # basic string
    r"|'[^'\n]*'"  # literal string
    r"|#[^\n]*"  # comment
)
_HEADER = re.compile(r"^[ \t]*(\[\[?)[ \t]*([^\[\]\n]+?)[ \t]*\]", re.MULTILINE)
_KEY = re.compile(r"^[ \t]*([A-Za-z0-9_-]+|\"[^\"\n]*\"|'[^'\n]*')[ \t]*[=.]", re.MULTILINE)
_CARDS = ("cards", '"cards"', "'cards'")


@dataclass
class _Layout:
    """Where things are in the text: lines of ``[[cards]]`` headers and of top-level keys."""

    card_lines: list[int] = field(default_factory=list)
    key_lines: dict[str, int] = field(default_factory=dict)

    @classmethod
    def scan(cls, text: str) -> _Layout:
        layout = cls()
        spans = [m.span() for m in _SKIP.finditer(text) if "\n" in m.group()]
        starts = [start for start, _ in spans]
        newlines = [m.start() for m in _NEWLINE.finditer(text)]

        def in_string(pos: int) -> bool:
            i = bisect.bisect_right(starts, pos) - 1
            return i >= 0 and pos < spans[i][1]

        def line_of(pos: int) -> int:
            return bisect.bisect_left(newlines, pos) + 1

        first_table = len(text)
        for header in _HEADER.finditer(text):
            if in_string(header.start()):
                continue
            first_table = min(first_table, header.start())
            line = line_of(header.start())
            if header.group(1) == "[[" and header.group(2) in _CARDS:
                layout.card_lines.append(line)
            name = header.group(2).split(".")[0].strip().strip("\"'")
            layout.key_lines.setdefault(name, line)
        for key in _KEY.finditer(text, 0, first_table):
            if not in_string(key.start()):
                layout.key_lines.setdefault(key.group(1).strip("\"'"), line_of(key.start()))
        return layout


_NEWLINE = re.compile("\n")


def _type_name(value: object) -> str:
    names = {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)


def _unknown_key(key: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(allowed)}"
    return f"unknown key {key!r} ({hint})"


class _Reader:
    """Validates parsed TOML into a DeckSpec, collecting problems instead of stopping."""

    def __init__(self, path: str, layout: _Layout) -> None:
        self.path = path
        self.layout = layout
        self.problems: list[Problem] = []

    def problem(self, line: int | None, reason: str) -> None:
        self.problems.append(Problem(self.path, line, reason))

    def key_line(self, key: str) -> int:
        return self.layout.key_lines.get(key, 1)

    def read(self, data: dict[str, Any]) -> tuple[DeckSpec | None, list[Problem]]:
        for key in data:
            if key not in DECK_KEYS:
                self.problem(self.key_line(key), _unknown_key(key, DECK_KEYS))
        deck_key = self.deck_id(data.get("id"))
        name = self.text(data, "name", required=True)
        description = self.text(data, "description")
        version = self.text(data, "version")
        tags = self.tags(data.get("tags"), self.key_line("tags"), "deck")
        cards = self.cards(data.get("cards"), deck_key or "deck", tags)
        if self.problems:
            return None, self.problems
        spec = DeckSpec(deck_key, name, description, version, tags, tuple(cards), self.path)
        return spec, []

    def deck_id(self, value: object) -> str:
        line = self.key_line("id")
        if value is None:
            self.problem(1, 'missing the deck\'s id (add a line like id = "my-deck")')
        elif not isinstance(value, str):
            self.problem(line, f"deck id must be a string, not {_type_name(value)}")
        elif not DECK_ID.fullmatch(value):
            self.problem(
                line,
                f"deck id {value!r} must be lowercase letters, digits and dashes, "
                "starting with a letter or digit",
            )
        else:
            return value
        return ""

    def text(self, data: dict[str, Any], key: str, *, required: bool = False) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(1, f'missing the deck\'s {key} (add a line like {key} = "...")')
            return ""
        if not isinstance(value, str):
            self.problem(
                self.key_line(key),
                f"deck {key} must be a string, not {_type_name(value)} (put it in quotes)",
            )
            return ""
        if required and not value.strip():
            self.problem(self.key_line(key), f"deck {key} is empty")
        return value.strip()

    def tags(self, value: object, line: int | None, owner: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            self.problem(line, f'{owner}: tags must be a list of strings, like tags = ["a", "b"]')
            return ()
        for tag in value:
            if not tag.strip() or tag.strip() != tag or len(tag.split()) != 1:
                self.problem(
                    line,
                    f"{owner}: tag {tag!r} must be one word without spaces "
                    "(use - or :: to join words)",
                )
        return tuple(dict.fromkeys(value))

    def cards(self, value: object, deck_key: str, deck_tags: tuple[str, ...]) -> list[CardSpec]:
        if value is None or value == []:
            self.problem(
                self.layout.key_lines.get("cards", 1),
                "the deck has no cards (add [[cards]] entries)",
            )
            return []
        if not isinstance(value, list):
            self.problem(
                self.key_line("cards"), f"cards must be [[cards]] tables, not {_type_name(value)}"
            )
            return []
        lines: list[int | None]
        if len(self.layout.card_lines) == len(value):
            lines = list(self.layout.card_lines)
        else:  # cards = [{...}, ...] written inline: only the start of the array is known
            lines = [self.layout.key_lines.get("cards")] * len(value)
        cards: list[CardSpec] = []
        seen: dict[str, tuple[int | None, str]] = {}
        for index, (entry, line) in enumerate(zip(value, lines, strict=True)):
            cards.extend(self.card(entry, index, line, deck_key, deck_tags, len(cards), seen))
        return cards

    def card(
        self,
        entry: object,
        index: int,
        line: int | None,
        deck_key: str,
        deck_tags: tuple[str, ...],
        position: int,
        seen: dict[str, tuple[int | None, str]],
    ) -> list[CardSpec]:
        if not isinstance(entry, dict):
            self.problem(line, f"card #{index + 1} must be a table, not {_type_name(entry)}")
            return []
        card_id, front, back = entry.get("id"), entry.get("front"), entry.get("back")
        name = describe_card(card_id, front, index)
        before = len(self.problems)
        for key in entry:
            if key not in CARD_KEYS:
                self.problem(line, f"{name}: {_unknown_key(key, CARD_KEYS)}")
        if card_id is not None and not isinstance(card_id, str):
            self.problem(line, f"{name}: id must be a string, not {_type_name(card_id)}")
        elif isinstance(card_id, str) and not CARD_ID.fullmatch(card_id):
            self.problem(
                line,
                f"{name}: id must be letters, digits and _ . - (starting with a letter or digit)",
            )
        for side, value in (("front", front), ("back", back)):
            if value is None and side == "front":
                self.problem(line, f"{name}: missing front")
            elif value is not None and not isinstance(value, str):
                self.problem(
                    line,
                    f"{name}: {side} must be a string, not {_type_name(value)} (put it in quotes)",
                )
        tags = self.tags(entry.get("tags"), line, name)
        if len(self.problems) > before or not isinstance(front, str):
            return []
        front = front.strip()
        back = back.strip() if isinstance(back, str) else ""
        if not front:
            self.problem(line, f"{name}: front is empty")
            return []
        note_id = card_id if isinstance(card_id, str) else derive_key(front)
        try:
            cards = note_cards(
                deck_key=deck_key,
                note_id=note_id,
                front=front,
                back=back,
                tags=merge_tags(deck_tags, tags),
                position=position,
                line=line,
            )
        except ClozeError as exc:
            self.problem(line, f"{name}: {exc}")
            return []
        except ValueError:
            self.problem(line, f"{name}: {'back is empty' if 'back' in entry else 'missing back'}")
            return []
        if note_id in seen:
            other_line, other = seen[note_id]
            at = f" at line {other_line}" if other_line else ""
            if isinstance(card_id, str):
                self.problem(line, f"{name}: id {note_id!r} is already used by the card{at}")
            else:
                self.problem(
                    line,
                    f"{name}: same front as {other}{at} (apart from case, "
                    "spacing and punctuation); give one of them an id",
                )
            return []
        seen[note_id] = (line, name)
        return cards


# --------------------------------------------------------------------------- fmt


def format_deck(text: str, path: str) -> str:
    """The deck with an explicit ``id = "..."`` in every ``[[cards]]`` entry lacking one.

    The id written is the key the card has now (for a cloze note, the note's id), so review
    history is kept; comments, order and layout stay as they are. Text that already has all
    ids comes back unchanged. Raises `DeckFormatError` if the deck has problems.
    """
    spec = parse_toml_deck(text, path)
    data = tomllib.loads(text)
    if all("id" in card for card in data["cards"]):
        return text
    import tomlkit  # only `fmt` needs it; keep imports of decks quick

    doc = tomlkit.parse(text)
    newline = "\r\n" if "\r\n" in text else "\n"
    for card in doc["cards"]:
        if "id" in card:
            continue
        note_id = derive_key(str(card["front"]).strip())
        _insert_first(card, "id", note_id, newline)
    result = tomlkit.dumps(doc)
    if [c.key for c in parse_toml_deck(result, path).cards] != [c.key for c in spec.cards]:
        raise AssertionError(f"{path}: fmt would change card keys")  # a bug, never user error
    return result


def _insert_first(table: Any, key: str, value: str, newline: str) -> None:
    """Put key = value before the table's first key, indented like it."""
    import tomlkit

    item = tomlkit.item(value)
    container = getattr(table, "value", None)
    body = getattr(container, "body", None)
    insert_at = getattr(container, "_insert_at", None)
    if body is None or insert_at is None or isinstance(table, tomlkit.items.InlineTable):
        table[key] = item  # inline tables and unexpected tomlkit versions: append
        return
    first = next(((i, v) for i, (k, v) in enumerate(body) if k is not None), None)
    if first is None:
        table[key] = item
        return
    index, first_item = first
    item.trivia.indent = first_item.trivia.indent
    item.trivia.trail = newline
    insert_at(index, key, item)


# --------------------------------------------------------------------------- dump


def dump_deck(
    spec: DeckSpec, cards: Iterable[tuple[str, str, str, tuple[str, ...]]] | None = None
) -> str:
    """Write a deck in the TOML format, every card with an explicit id, readable in git.

    `cards` are (key, front, back, tags) and default to the spec's cards. Tags the deck applies
    to every card are written once, on the deck. Cloze cards (keys ``note::cN``) are written
    back as one cloze note when their rendered sides allow it; keys that cannot be card ids are
    written with a comment naming the original key. ``load(dump(spec))`` gives ``spec`` back.
    """
    if cards is None:
        rows = [(c.key, c.front, c.back, c.tags) for c in spec.cards]
    else:
        rows = [(key, front, back, tuple(tags)) for key, front, back, tags in cards]
    lines = [f"id = {_string(spec.key)}", f"name = {_string(spec.name)}"]
    if spec.description:
        lines.append(f"description = {_string(spec.description)}")
    if spec.version:
        lines.append(f"version = {_string(spec.version)}")
    if spec.tags:
        lines.append(f"tags = {_tag_list(spec.tags)}")
    for entry in _notes(rows):
        card_id, front, back, tags, original = entry
        lines.append("")
        if original is not None:
            lines.append(f"# card key was {original!r}; ids allow only letters, digits and _ . -")
        lines.append("[[cards]]")
        lines.append(f"id = {_string(card_id)}")
        lines.append(f"front = {_string(front)}")
        if back:
            lines.append(f"back = {_string(back)}")
        own = tuple(t for t in tags if t not in spec.tags)
        if own:
            lines.append(f"tags = {_tag_list(own)}")
    return "\n".join(lines) + "\n"


_CLOZE_KEY = re.compile(r"(.+)::c([0-9]+)")


def _notes(
    rows: list[tuple[str, str, str, tuple[str, ...]]],
) -> list[tuple[str, str, str, tuple[str, ...], str | None]]:
    """Rows as [[cards]] entries: (id, front, back, tags, original key if it had to change)."""
    siblings: dict[str, list[tuple[int, str, str]]] = {}
    for key, front, back, _ in rows:
        if match := _CLOZE_KEY.fullmatch(key):
            siblings.setdefault(match.group(1), []).append((int(match.group(2)), front, back))
    notes = {note: rebuild_cloze(cards) for note, cards in siblings.items()}
    entries: list[tuple[str, str, str, tuple[str, ...], str | None]] = []
    written: set[str] = set()
    for key, front, back, tags in rows:
        match = _CLOZE_KEY.fullmatch(key)
        note = match.group(1) if match else None
        rebuilt = notes.get(note) if note is not None else None
        if note is not None and rebuilt is not None and CARD_ID.fullmatch(note):
            if note not in written:
                written.add(note)
                text, extra = rebuilt
                entries.append((note, text, extra, tags, None))
            continue
        if CARD_ID.fullmatch(key):
            entries.append((key, front, back, tags, None))
        else:
            safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", key).strip("-_.") or "card"
            entries.append((safe, front, back, tags, key))
    return entries


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _string(value: str) -> str:
    """A TOML string for value: multi-line text as a block, one line as a quoted string."""
    if "\n" not in value:
        if "'" not in value and ('"' in value or "\\" in value) and not _CONTROL.search(value):
            return f"'{value}'"
        return _basic(value)
    if "'''" not in value and not _CONTROL.search(value):
        return f"'''\n{value}'''" if value.endswith("\n") else f"'''\n{value}\n'''"
    body = value.replace("\\", "\\\\").replace('"', '\\"')
    body = _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", body)
    return f'"""\n{body}\n"""'


def _basic(value: str) -> str:
    # JSON string escapes are valid TOML basic-string escapes; DEL must be escaped too.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _tag_list(tags: Iterable[str]) -> str:
    return "[" + ", ".join(_string(t) for t in tags) + "]"
