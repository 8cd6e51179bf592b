"""Read any deck file by its extension, and check deck files for their maintainers' CI.

`load_deck` is what import uses: it refuses (raises `DeckFormatError` for) any file that
`check_deck` would report, so a deck that passes CI imports, and one that does not, does not.

Run ``python -m mastery.decks.check decks/*.toml`` (or ``mastery deck check``) in CI: one line
per problem as ``path:line: reason``, exit status 1 if there are any.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from mastery.decks.anki import APKG_SUFFIXES, read_apkg
from mastery.decks.csv import read_csv_deck, read_csv_decks
from mastery.decks.format import format_deck, read_toml_deck
from mastery.decks.spec import DeckSpec, Problem, first_problem
from mastery.errors import DeckFormatError, MasteryError
from mastery.files import read_at_most, write_atomic
from mastery.limits import read_text_bounded
from mastery.present import plural

TOML_SUFFIXES = (".toml",)
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
# Every kind of deck file, as messages list them.
KNOWN = ", ".join(TOML_SUFFIXES + CSV_SUFFIXES + APKG_SUFFIXES)
# A deck file is read whole and parsed in memory (several times its size): refuse one beyond
# this before reading it. Far more than any real deck (100,000 cards of 1 KiB is 100 MiB).
MAX_DECK_FILE_BYTES = 256 * 1024 * 1024

__all__ = ["check_deck", "format_deck_file", "load_deck", "load_decks", "main"]


def load_deck(path: Path | str) -> DeckSpec:
    """Read a deck file: ``.toml`` in the deck format, ``.csv``/``.tsv``/``.txt`` as rows.

    Raises `DeckFormatError` for the first problem (an unreadable file, bad syntax, a broken
    card...).
    """
    specs, problems = _read(Path(path))
    if problems or not specs:
        raise first_problem(problems)
    return specs[0]


def load_decks(path: Path | str) -> list[DeckSpec]:
    """Every deck in a file: the decks of an Anki package (``.apkg``/``.colpkg``), else the one
    deck `load_deck` reads. Raises `DeckFormatError` like `load_deck`."""
    path = Path(path)
    if path.suffix.lower() in APKG_SUFFIXES:
        return read_apkg(path)
    if path.suffix.lower() in CSV_SUFFIXES:  # an Anki text export's deck column: many decks
        specs, problems = _read(path, many=True)
        if problems or not specs:
            raise first_problem(problems)
        return specs
    return [load_deck(path)]


def check_deck(path: Path | str) -> list[Problem]:
    """Every problem in a deck file, in file order; an empty list means it imports cleanly.

    Never raises for the file's content; a file that cannot be read is one problem.
    """
    if Path(path).suffix.lower() in APKG_SUFFIXES:
        try:
            read_apkg(path)
        except DeckFormatError as exc:
            return [Problem(exc.path, exc.line, exc.reason)]
        return []
    _, problems = _read(Path(path))
    return sorted(problems, key=lambda p: p.line or 0)


def format_deck_file(path: Path | str, *, write: bool) -> bool:
    """Whether a ``.toml`` deck file lacks explicit card ids (``mastery deck fmt``); with
    `write`, they are written in (atomically, so an interrupted run leaves the old file).

    The file is read like any outside input (bounded, UTF-8), so a huge or binary file is one
    `InputError` line; a deck with problems is a `DeckFormatError` (see `format_deck`).
    """
    path = Path(path)
    if path.suffix.lower() not in TOML_SUFFIXES:
        raise MasteryError(f"{path}: deck fmt works on .toml deck files only")
    text = read_text_bounded(path, MAX_DECK_FILE_BYTES)
    new = format_deck(text, str(path))
    if new == text:
        return False
    if write:
        write_atomic(path, new)
    return True


def _read(path: Path, *, many: bool = False) -> tuple[list[DeckSpec], list[Problem]]:
    """The file's decks (one unless `many` and a text file with a deck column)."""
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in TOML_SUFFIXES + CSV_SUFFIXES:
        if not path.exists():  # a mistyped path is missing, whatever its name ends with
            return [], [Problem(name, None, "no such file")]
        return [], [
            Problem(name, None, f"unknown deck file type {suffix or '(none)'!r} (expected {KNOWN})")
        ]
    try:
        with open(path, "rb") as fh:
            data = read_at_most(fh, MAX_DECK_FILE_BYTES)  # bounded even if the size is unknown
    except FileNotFoundError:
        return [], [Problem(name, None, "no such file")]
    except IsADirectoryError:
        return [], [Problem(name, None, "is a directory, not a deck file")]
    except OSError as exc:
        return [], [Problem(name, None, f"cannot read the file: {exc.strerror or exc}")]
    if len(data) > MAX_DECK_FILE_BYTES:
        return [], [Problem(name, None, f"larger than {_mib(MAX_DECK_FILE_BYTES)}; not imported")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return [], [Problem(name, line, "not UTF-8 text (save the file as UTF-8)")]
    if suffix in TOML_SUFFIXES:
        spec, problems = read_toml_deck(text, name)
    elif many:
        return read_csv_decks(text, name)
    else:
        spec, problems = read_csv_deck(text, name)
    return ([spec] if spec is not None else []), problems


def _mib(size: int) -> str:
    return f"{size // (1 << 20)} MiB" if size >= 1 << 20 else f"{size} bytes"


def main(argv: Sequence[str] | None = None) -> int:
    """Check deck files given on the command line; 0 if all are clean, 1 otherwise."""
    files = list(sys.argv[1:] if argv is None else argv)
    if not files:
        print("usage: python -m mastery.decks.check DECK_FILE...", file=sys.stderr)
        return 2
    problems = [p for f in files for p in check_deck(Path(f))]
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{plural(len(files), 'deck file')} OK")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
