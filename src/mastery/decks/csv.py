"""CSV and TSV decks: one card per row, columns front, back and optional space-separated tags.

Also reads Anki's "Notes in Plain Text" export (``.txt``), whose ``#key:value`` header lines
say the separator, whether fields are HTML, and which columns hold the guid, note type, deck and
tags. Anki's guid, when present, becomes the note's identity; otherwise keys come from the
front text like any deck without ids (see `mastery.decks.spec.derive_key`).
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import PurePath

from mastery.decks.cloze import ClozeError
from mastery.decks.markup import html_to_markdown
from mastery.decks.spec import (
    CardSpec,
    DeckSpec,
    Problem,
    derive_key,
    describe_card,
    first_problem,
    merge_tags,
    note_cards,
)

__all__ = [
    "deck_key_from_stem",
    "deck_name_from_stem",
    "html_to_markdown",
    "parse_csv_deck",
    "read_csv_deck",
    "read_csv_decks",
]

_SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "space": " ", "pipe": "|", "colon": ":"}
_SEPARATOR_NAMES = {v: k for k, v in _SEPARATORS.items()}


def parse_csv_deck(text: str, path: str) -> DeckSpec:
    """Read a CSV/TSV deck; raises `DeckFormatError` for the first problem in the file."""
    spec, problems = read_csv_deck(text, path)
    if problems or spec is None:
        raise first_problem(problems)
    return spec


@dataclass
class _Header:
    """What Anki's ``#key:value`` lines at the top of the file say."""

    separator: str | None = None
    html: bool = False
    columns: list[str] = field(default_factory=list)  # from "#columns:", lowercased
    guid: int | None = None  # 0-based column indexes
    notetype: int | None = None
    deck: int | None = None
    tags: int | None = None
    notetype_name: str = ""  # "#notetype:" applies to every row
    deck_name: str = ""  # "#deck:" applies to every row
    deck_tags: tuple[str, ...] = ()  # "#tags:" applies to every row
    lines: int = 0  # how many lines the header takes

    @property
    def from_anki(self) -> bool:
        return any(x is not None for x in (self.guid, self.notetype, self.deck, self.tags)) or bool(
            self.columns
        )


# "#key:value" lines Anki writes at the top of a "Notes in Plain Text" export.
_HEADER_LINE = re.compile(
    r"#(separator|html|tags|columns|notetype|deck|(?:guid|notetype|deck|tags) column|"
    r"if matches|match scope):(.*)",
    re.IGNORECASE,
)


def _read_header(lines: list[str]) -> _Header:
    """Read the ``#key:value`` lines (and ``# comments``) at the top; a row such as
    "#1 rule,..." is a card, not a header."""
    header = _Header()
    for line in lines:
        match = _HEADER_LINE.fullmatch(line)
        if match is None:
            if line.startswith("# ") or line.rstrip() == "#":
                header.lines += 1
                continue
            break
        header.lines += 1
        key, value = match.group(1).lower(), match.group(2).strip()
        if key == "separator":
            raw = match.group(2)  # "#separator:\t" names the tab itself
            header.separator = _SEPARATORS.get(value.lower(), value[:1] or raw[:1] or None)
        elif key == "html":
            header.html = value.lower() == "true"
        elif key.endswith(" column") and value.isdigit() and int(value) >= 1:
            name = key.removesuffix(" column")
            if name in ("guid", "notetype", "deck", "tags"):
                setattr(header, name, int(value) - 1)
        elif key == "notetype":
            header.notetype_name = value
        elif key == "deck":
            header.deck_name = value
        elif key == "tags":
            header.deck_tags = tuple(value.split())
        elif key == "columns":
            header.columns = [c.strip().lower() for c in re.split(r"[\t,;|]", value)]
    return header


def _sniff(sample: str, path: str) -> str:
    if PurePath(path).suffix.lower() == ".tsv":
        return "\t"
    try:
        return csv.Sniffer().sniff(sample, delimiters="\t,;").delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        counts = {d: first.count(d) for d in "\t,;"}
        best = max(counts, key=counts.__getitem__)
        return best if counts[best] else ","


def read_csv_deck(text: str, path: str) -> tuple[DeckSpec | None, list[Problem]]:
    """Read a CSV/TSV deck and every problem in it; the spec is None if there is any problem.

    All rows make one deck named after the file (`read_csv_decks` follows a deck column)."""
    rows, header, stem = _parse(text, path)
    if rows.problems:
        return None, rows.problems
    name = deck_name_from_stem(stem)
    return DeckSpec(rows.deck_key, name, "", "", header.deck_tags, tuple(rows.cards), path), []


def read_csv_decks(text: str, path: str) -> tuple[list[DeckSpec], list[Problem]]:
    """Like `read_csv_deck`, but an Anki export's ``#deck column`` (or ``#deck:``) decides
    each row's deck, as importing the package it came from would: ``Lang::German`` rows go
    to the deck ``Lang::German``, with the same deck and card keys, so importing a package
    and then its text export gives the same cards, not twice as many."""
    rows, header, stem = _parse(text, path)
    if rows.problems:
        return [], rows.problems
    if not any(rows.deck_names):
        name = deck_name_from_stem(stem)
        spec = DeckSpec(rows.deck_key, name, "", "", header.deck_tags, tuple(rows.cards), path)
        return [spec], []
    by_deck: dict[str, list[CardSpec]] = {}
    for card, deck_name in zip(rows.cards, rows.deck_names, strict=True):
        cards = by_deck.setdefault(deck_name or deck_name_from_stem(stem), [])
        cards.append(replace(card, position=len(cards)))
    return [
        DeckSpec(deck_key_from_stem(name), name, "", "", header.deck_tags, tuple(cards), path)
        for name, cards in sorted(by_deck.items())
    ], []


def _parse(text: str, path: str) -> tuple[_Rows, _Header, str]:
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    header = _read_header(lines)
    body = lines[header.lines :]
    delimiter = header.separator or _sniff("\n".join(body[:50])[:8192], path)
    stem = PurePath(path).stem
    rows = _Rows(path, deck_key_from_stem(stem), header, delimiter)
    reader = csv.reader((line + "\n" for line in body), delimiter=delimiter, strict=True)
    end_line = header.lines
    while True:
        try:
            for row in reader:
                line = end_line + 1  # where this record starts (quoted fields span lines)
                end_line = header.lines + reader.line_num
                if row and (len(row) > 1 or row[0].strip()):
                    rows.add(line, row)
            break
        except csv.Error as exc:
            rows.problem(end_line + 1, _quoting(str(exc)))
            end_line = header.lines + reader.line_num
            if "end of data" in str(exc):
                break
    if not rows.cards and not rows.problems:
        rows.problem(None, "the file has no cards (one row per card: front, back, tags)")
    return rows, header, stem


class _Rows:
    """Turns rows into cards, collecting problems."""

    def __init__(self, path: str, deck_key: str, header: _Header, delimiter: str) -> None:
        self.path = path
        self.deck_key = deck_key
        self.header = header
        self.delimiter = delimiter
        self.cards: list[CardSpec] = []
        self.deck_names: list[str] = []  # each card's deck from the deck column, "" if none
        self.problems: list[Problem] = []
        self.seen: dict[str, tuple[int, str, str]] = {}  # note id -> (line, front, back)
        self.tags_column = header.tags
        if self.tags_column is None and "tags" in header.columns:
            self.tags_column = header.columns.index("tags")
        # Front and back are the first two columns that are not guid/notetype/deck/tags.
        self.fields: tuple[int, int] | None = None
        if header.from_anki:
            special = {header.guid, header.notetype, header.deck, self.tags_column}
            first, second = [i for i in range(len(special) + 2) if i not in special][:2]
            # "#columns:" labels map fields by name, as Anki does (the stock note types'
            # field names: Front/Back, Text/Back Extra); unnamed fields stay in order.
            labels = [(i, c) for i, c in enumerate(header.columns) if i not in special]
            front = next((i for i, c in labels if c in ("front", "text")), None)
            back = next((i for i, c in labels if c in ("back", "back extra")), None)
            if front is not None or back is not None:
                rest = [i for i in range(len(special) + 3) if i not in special]
                first = front if front is not None else next(i for i in rest if i != back)
                second = back if back is not None else next(i for i in rest if i != first)
            self.fields = (first, second)
        self.maybe_header_row = self.fields is None

    def problem(self, line: int | None, reason: str) -> None:
        self.problems.append(Problem(self.path, line, reason))

    def add(self, line: int, row: list[str]) -> None:
        header = self.header
        if self.fields is None:
            if self.maybe_header_row:  # "front,back[,tags]" on the first row names the columns
                self.maybe_header_row = False
                if [c.strip().lower() for c in row] in (
                    ["front", "back"],
                    ["front", "back", "tags"],
                ):
                    return
            if len(row) < 2:
                return self.problem(line, _too_few(row, self.delimiter))
            if len(row) > 3 and any(c.strip() for c in row[3:]):
                return self.problem(line, _too_many(row, self.delimiter))
            front, back = row[0], row[1]
            raw_tags = row[2] if len(row) > 2 else ""
        else:
            if len(row) <= self.fields[1]:
                return self.problem(line, _too_few(row, self.delimiter))
            front, back = row[self.fields[0]], row[self.fields[1]]
            column = self.tags_column
            raw_tags = row[column] if column is not None and column < len(row) else ""
        if header.html:
            front, back = _html_field(front), _html_field(back)
        front, back = front.strip(), back.strip()
        if not front:
            return self.problem(line, f"row {line}: front is empty")
        guid = row[header.guid] if header.guid is not None and header.guid < len(row) else ""
        note_id = _guid_key(guid) if guid else derive_key(front)
        if note_id in self.seen and not guid:
            # Same front apart from case and punctuation ("die Größe #0", "die Größe [0]"):
            # a CSV has no ids to tell such rows apart, so the back does.
            first_id = note_id
            _, other_front, other_back = self.seen[first_id]
            note_id = derive_key(f"{front}\n\n{back}")
            if note_id == derive_key(f"{other_front}\n\n{other_back}"):
                note_id = first_id  # the same card again
        if note_id in self.seen:
            return self.problem(
                line,
                f"{describe_card(None, front, 0)}: duplicate of the row at line {self.seen[note_id][0]}",
            )
        self.seen[note_id] = (line, front, back)
        deck_name = header.deck_name
        if header.deck is not None and header.deck < len(row) and row[header.deck].strip():
            deck_name = row[header.deck].strip()
        deck_key = deck_key_from_stem(deck_name) if deck_name else self.deck_key
        tags = (
            merge_tags(header.deck_tags, raw_tags.split()) if raw_tags or header.deck_tags else ()
        )
        try:
            new = note_cards(
                deck_key=deck_key,
                note_id=note_id,
                front=front,
                back=back,
                tags=tags,
                position=len(self.cards),
                line=line,
            )
        except ClozeError as exc:
            return self.problem(line, f"{describe_card(None, front, 0)}: {exc}")
        except ValueError:
            return self.problem(line, f"{describe_card(None, front, 0)}: back is empty")
        self.cards.extend(new)
        self.deck_names.extend([deck_name] * len(new))
        notetype = header.notetype_name
        if header.notetype is not None and header.notetype < len(row):
            notetype = row[header.notetype]
        if notetype and len(new) == 1 and _reversed(notetype, row, self.fields):
            self.cards.append(
                CardSpec(
                    f"{note_id}.reverse", new[0].note_key, back, front, tags, len(self.cards), line
                )
            )
            self.deck_names.append(deck_name)
        return None


def _html_field(text: str) -> str:
    """An HTML field as Markdown, ``<img>`` and ``[sound:]`` as media links as for packages.

    (Imported here, not at the top: the Anki package reader imports this module.)"""
    from mastery.decks.anki.html import field_markdown

    return field_markdown(text)


def _quoting(message: str) -> str:
    if "end of data" in message:
        return 'a quoted field is never closed (a " at the start of a field needs a closing ")'
    if "field larger than field limit" in message:  # the csv module's bound on one field
        return (
            f"a field is longer than {csv.field_size_limit()} characters, the most one may hold "
            '(a " at the start of a field that is never closed makes one long field)'
        )
    return f'bad quoting: {message} (write a " inside a quoted field as "")'


def _too_many(row: list[str], delimiter: str) -> str:
    sep = _SEPARATOR_NAMES.get(delimiter, repr(delimiter))
    return (
        f"row has {len(row)} columns; expected front, back and tags (put quotes around a "
        f"field that contains a {sep})"
    )


def _too_few(row: list[str], delimiter: str) -> str:
    sep = _SEPARATOR_NAMES.get(delimiter, repr(delimiter))
    return (
        f"row has {len(row)} column{'s' if len(row) != 1 else ''}; expected front and back "
        f"separated by a {sep}"
    )


def _guid_key(guid: str) -> str:
    # Anki guids use punctuation that card ids cannot; hash them into a stable id.
    return "g-" + hashlib.sha256(guid.encode("utf-8")).hexdigest()[:12]


def _reversed(notetype: str, row: list[str], fields: tuple[int, int] | None) -> bool:
    """Anki's "Basic (and reversed card)" makes a second card, back to front; "Basic (optional
    reversed card)" only when its third field ("Add Reverse") is filled in."""
    kind = notetype.lower()
    if "reverse" not in kind:
        return False
    if "optional" in kind:
        special = fields or (0, 1)
        third = next((i for i in range(special[1] + 1, len(row)) if i not in special), None)
        return third is not None and bool(row[third].strip())
    return True


# --------------------------------------------------------------------------- names

_SMALL_WORDS = {
    "a",
    "an",
    "and",
    "as",
    "at",
    "by",
    "for",
    "in",
    "of",
    "on",
    "or",
    "the",
    "to",
    "vs",
    "with",
}


def deck_key_from_stem(stem: str) -> str:
    """A deck id from a file name: "Spanish Verbs (A1)" -> "spanish-verbs-a1"."""
    ascii_text = unicodedata.normalize("NFKD", stem.casefold()).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if slug:
        return slug
    # A name in another script ("日本語.csv"): nothing ASCII is left, so use a short hash.
    return "deck-" + hashlib.sha256(stem.encode("utf-8")).hexdigest()[:8]


def deck_name_from_stem(stem: str) -> str:
    """A deck name from a file name: "spanish_verbs-of-the-day" -> "Spanish Verbs of the Day".

    Words already written with capitals ("GRE", "iOS") are kept as they are.
    """
    words = stem.replace("_", " ").replace("-", " ").split()
    out = []
    for i, word in enumerate(words):
        if word != word.lower() or i and word in _SMALL_WORDS:
            out.append(word)
        else:
            out.append(word[:1].upper() + word[1:])
    return " ".join(out) or stem
