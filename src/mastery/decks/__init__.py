"""Deck files without the database: read, check, tidy and write decks.

- `load_deck(path)`: a `DeckSpec` from a ``.toml`` deck or a ``.csv``/``.tsv``/``.txt`` file,
  or `DeckFormatError` for the first problem;
- `check_deck(path)`: every `Problem` in a file, for maintainers' CI;
- `format_deck(text, path)`: the TOML with explicit card ids written in, and
  `format_deck_file(path, write=...)` the same on a file (``mastery deck fmt``);
- `dump_deck(spec, cards)`: a deck as TOML (``mastery deck export``).

The importer (`mastery.decks.importer`) turns specs into cards in a profile.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mastery.decks.check import check_deck, format_deck_file, load_deck
    from mastery.decks.csv import parse_csv_deck
    from mastery.decks.format import dump_deck, format_deck, parse_toml_deck
    from mastery.decks.spec import CardSpec, DeckSpec, Problem, derive_key

# Imported when first used: a screen that only needs `mastery.decks.namespace` (the review
# screen's deck label) must not pay for the checker's HTML and Anki imports (~0.1 s).
_HOMES = {
    "check_deck": "check",
    "format_deck_file": "check",
    "load_deck": "check",
    "parse_csv_deck": "csv",
    "dump_deck": "format",
    "format_deck": "format",
    "parse_toml_deck": "format",
    "CardSpec": "spec",
    "DeckSpec": "spec",
    "Problem": "spec",
    "derive_key": "spec",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)


__all__ = [
    "CardSpec",
    "DeckSpec",
    "Problem",
    "check_deck",
    "derive_key",
    "dump_deck",
    "format_deck",
    "format_deck_file",
    "load_deck",
    "parse_csv_deck",
    "parse_toml_deck",
]
