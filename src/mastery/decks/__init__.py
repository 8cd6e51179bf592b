"""Deck files without the database: read, check, tidy and write decks.

- `load_deck(path)`: a `DeckSpec` from a ``.toml`` deck or a ``.csv``/``.tsv``/``.txt`` file,
  or `DeckFormatError` for the first problem;
- `check_deck(path)`: every `Problem` in a file, for maintainers' CI;
- `format_deck(text, path)`: the TOML with explicit card ids written in, and
  `format_deck_file(path, write=...)` the same on a file (``mastery deck fmt``);
- `dump_deck(spec, cards)`: a deck as TOML (``mastery deck export``).

The importer (`mastery.decks.importer`) turns specs into cards in a profile.
"""

from mastery.decks.check import check_deck, format_deck_file, load_deck
from mastery.decks.csv import parse_csv_deck
from mastery.decks.format import dump_deck, format_deck, parse_toml_deck
from mastery.decks.spec import CardSpec, DeckSpec, Problem, derive_key

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
