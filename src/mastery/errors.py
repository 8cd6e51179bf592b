"""Typed errors that carry what a person needs to fix the problem.

The CLI prints any `MasteryError` as one line on stderr and exits 2; the TUI shows it with
`notify(..., severity="error")`. Anything else is a bug and may show a traceback.
"""

from __future__ import annotations

from pathlib import Path


class MasteryError(Exception):
    """Base of every error a user can cause (bad input, missing profile, ...)."""

    exit_code: int = 2


class ProfileError(MasteryError):
    """The profile cannot be opened: unknown schema, locked, unreadable."""


class DeckFormatError(MasteryError):
    """A deck or card file is malformed; names the file, the line (when known) and why."""

    def __init__(self, path: str | Path, line: int | None, reason: str) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {reason}")


class NotFoundError(MasteryError):
    """A deck, card or other named thing does not exist."""


class SettingError(MasteryError):
    """A setting was given a value it cannot take."""


class BundleError(MasteryError):
    """A mentor bundle or feedback file is refused: names the file and what is wrong with it.

    Raised before anything is written, so a refused file changes nothing.
    """

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class SearchError(MasteryError):
    """A card search has a term it cannot read (e.g. `due:soon`); says how to write it."""


class DatabaseCorruptError(MasteryError):
    """The profile database (or a backup of it) fails SQLite's integrity check.

    Nothing is written from or over a damaged file; the message says what to do next
    (`mastery check`, or restoring a backup).
    """
