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


class SyncError(MasteryError):
    """Sync cannot go on: no target set up, a wrong passphrase, a damaged chunk, git failing.
    Nothing has been applied when it is raised."""


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


class DatabaseBusyError(ProfileError):
    """Another Mastery window or command kept the profile's write lock longer than we wait.

    Raised before anything is written: the action can simply be tried again."""

    def __init__(self, path: str | Path, waited: float) -> None:
        self.path = str(path)
        self.waited = waited
        super().__init__(
            f"{self.path}: another Mastery window or command is still writing to this profile "
            f"(waited {waited:.0f} s); nothing was saved, try again when it has finished"
        )


class DiskFullError(MasteryError):
    """The disk (or the database's size limit) is full; the write was undone as a whole."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        super().__init__(
            f"{self.path}: the disk is full; nothing was saved, free some space and try again"
        )


class ReadOnlyError(ProfileError):
    """The profile (its file or its folder) cannot be written; read commands still work."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        super().__init__(f"profile is read-only: {self.path}")


class DatabaseCorruptError(ProfileError):
    """The profile file is damaged, truncated, empty or not a Mastery database at all.

    Nothing is changed: the message says how to find out more (`mastery check`) or to restore
    a backup."""

    def __init__(self, path: str | Path, reason: str, hint: str | None = None) -> None:
        self.path = str(path)
        self.reason = reason
        hint = hint or ("run `mastery check`, or restore a backup with `mastery backup --restore`")
        super().__init__(f"{self.path}: {reason}; {hint}")


class ConflictError(MasteryError):
    """Another window changed something since this one looked: the action is refused whole,
    so the two never leave a card whose schedule contradicts its history."""


class CardEditError(MasteryError):
    """An edited card that cannot be saved (an empty side, a tag set elsewhere, a card that
    left its deck file or is one of a cloze note's cards); nothing was written."""


class InputError(MasteryError):
    """A value read from a file or typed by a person is refused: names where, which field, why.

    The message is one line, "source: field: reason" (or "source: reason" when the whole input
    is at fault), so the CLI can print it as is. `mastery.limits` raises it for oversized files,
    too-deep JSON or TOML, and out-of-range numbers and dates.
    """

    def __init__(self, source: str | Path, field: str | None, reason: str) -> None:
        self.source = str(source)
        self.field = field
        self.reason = reason
        where = f"{self.source}: {field}" if field else self.source
        super().__init__(f"{where}: {reason}")


class StoredValueError(MasteryError):
    """A value stored in the profile cannot be read back (a time past year 9999, a day that is
    not YYYY-MM-DD): the file was edited by hand or by another program. Reading stops with one
    line instead of a traceback; `mastery backup --restore` brings back a good copy."""

    def __init__(self, what: str, value: object) -> None:
        self.what = what
        self.value = value
        shown = repr(value)
        if len(shown) > 40:
            shown = shown[:37] + "..."
        super().__init__(
            f"the profile holds a {what} Mastery cannot read ({shown}); it was changed outside "
            "Mastery: restore a backup with `mastery backup --restore`"
        )


class DamagedCardError(StoredValueError):
    """A card's stored schedule holds a value no answer can start from (a state of 99, text
    where a stability belongs): the file was edited outside Mastery. The answer is refused
    before anything is written; `mastery check` repairs the card."""

    def __init__(self, card_id: int, what: str, value: object) -> None:
        self.card_id = card_id
        self.what = what
        self.value = value
        shown = repr(value)
        if len(shown) > 40:
            shown = shown[:37] + "..."
        MasteryError.__init__(
            self,
            f"card {card_id} has a {what} Mastery cannot use ({shown}); it was changed outside "
            "Mastery: run `mastery check` to repair it",
        )
