"""What a deck file means once read: `DeckSpec`, `CardSpec`, `Problem`, and how cards get keys.

Every deck format (TOML, CSV/TSV, ...) parses into these plain, frozen dataclasses; the importer
turns them into rows. A card's key is its identity across re-imports (review history follows the
key), so the rules that make keys live here, in one place:

- an explicit card id is the key;
- otherwise the key is derived from the front text, normalised so that edits of case, spacing and
  punctuation keep it (`derive_key`);
- each cloze number of a cloze note is its own card: ``f"{note_id}::c{n}"``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from mastery.decks.cloze import ClozeError, cloze_cards, parse_cloze
from mastery.errors import DeckFormatError

DECK_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
CARD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True, slots=True)
class CardSpec:
    """One reviewable card as the deck file describes it (no review state).

    `key` is unique in the deck; `note_key` (``deck/note``) is shared by the cards of one cloze
    note. `tags` are the deck's tags followed by the card's own. `position` is the 0-based order
    in the file; `line` the 1-based line where the card's entry starts (None if unknown; not
    part of equality, so the same card read from another layout compares equal).
    `suspended`: the card arrives suspended (an Anki card suspended there); a new card
    only, since a re-import leaves the learner's own suspend and unsuspend alone.
    """

    key: str
    note_key: str
    front: str
    back: str
    tags: tuple[str, ...]
    position: int
    line: int | None = field(default=None, compare=False)
    suspended: bool = False


@dataclass(frozen=True)
class DeckSpec:
    """A whole deck file: the deck's identity and metadata, and its cards in file order.

    `source` is the path the deck was read from, as given.
    """

    key: str
    name: str
    description: str
    version: str
    tags: tuple[str, ...]
    cards: tuple[CardSpec, ...]
    source: str


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a deck file: where (path, 1-based line if known) and why."""

    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"

    def to_error(self) -> DeckFormatError:
        """The same problem as the exception that import raises."""
        return DeckFormatError(self.path, self.line, self.reason)


def first_problem(problems: list[Problem]) -> DeckFormatError:
    """The error for the earliest problem in the file (file-wide problems come first)."""
    return min(problems, key=lambda p: p.line or 0).to_error()


# Runs of characters that are neither word characters nor whitespace: punctuation, symbols,
# and also marks (accents, vowel signs), which _keep_marks puts back so that "की" and "का" stay
# different while "Hello, world!" and "hello world" become the same.
_NOT_WORD = re.compile(r"[^\w\s]+")


_MARKS_IN: dict[str, str] = {}  # run -> its marks; runs repeat ("?", "—"), so cache them


def _keep_marks(match: re.Match[str]) -> str:
    run = match.group()
    kept = _MARKS_IN.get(run)
    if kept is None:
        kept = "".join(c for c in run if unicodedata.category(c).startswith("M"))
        if len(_MARKS_IN) < 10_000:
            _MARKS_IN[run] = kept
    return kept


def normalize_text(text: str) -> str:
    """Text reduced to what identifies it: casefolded letters, digits and marks, single spaces."""
    if text.isascii():  # the common case, and NFKC cannot change ASCII
        text = _NOT_WORD.sub("", text.lower())
    else:
        text = _NOT_WORD.sub(_keep_marks, unicodedata.normalize("NFKC", text).casefold())
    text = text.replace("_", "")
    return " ".join(text.split())


def derive_key(front: str) -> str:
    """The key of a card without an explicit id: ``h-`` + 12 hex digits of the normalised front.

    A front with no letters or digits at all (say "???") is hashed as written, stripped.
    """
    basis = normalize_text(front) or front.strip()
    return "h-" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:12]


def merge_tags(*groups: Iterable[str]) -> tuple[str, ...]:
    """Tags in order of first appearance, without repeats."""
    return tuple(dict.fromkeys(tag for group in groups for tag in group))


def describe_card(card_id: object, front: object, index: int) -> str:
    """How problems name a card: by its id, else by the first words of its front."""
    if isinstance(card_id, str) and card_id:
        return f"card {card_id!r}"
    if isinstance(front, str) and front.strip():
        words = front.split()
        short = " ".join(words[:6])
        if len(short) > 40:
            short = short[:39].rstrip() + "…"
        elif len(words) > 6:
            short += " …"
        return f"card {short!r}"
    return f"card #{index + 1}"


def note_cards(
    *,
    deck_key: str,
    note_id: str,
    front: str,
    back: str,
    tags: tuple[str, ...],
    position: int,
    line: int | None,
) -> list[CardSpec]:
    """The cards of one note: one card, or one per cloze number if the front has clozes.

    Raises `ClozeError` for broken cloze markup, and `ValueError` if a basic card's back is
    empty (a cloze note's back is an optional extra).
    """
    note_key = f"{deck_key}/{note_id}"
    segments = parse_cloze(front) if "{{" in front else None
    if not segments or all(isinstance(s, str) for s in segments):
        if not back:
            raise ValueError("back is empty")
        return [CardSpec(note_id, note_key, front, back, tags, position, line)]
    return [
        CardSpec(f"{note_id}::c{n}", note_key, card_front, card_back, tags, position + i, line)
        for i, (n, card_front, card_back) in enumerate(cloze_cards(segments, back))
    ]


__all__ = [
    "CARD_ID",
    "DECK_ID",
    "CardSpec",
    "ClozeError",
    "DeckSpec",
    "Problem",
    "derive_key",
    "describe_card",
    "first_problem",
    "merge_tags",
    "normalize_text",
    "note_cards",
]
