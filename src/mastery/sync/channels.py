"""What syncs besides answers: each kind of thing is a channel with the same four steps.

Answers and their undo are the review log's own path (`merge.py`: union, then replay). Every
other kind of thing a person keeps (a card's suspension and burial, its content, journal
entries, goals, settings) is a channel: it says what changed on this device since its last
sync (`outgoing`), applies another device's change (`apply`), and, for the faults in
docs/sync.md, rebuilds everything it ever sent (`resend`) and records its own changes found on
the target but not in the profile (`mark_resent`). Changes carry a hybrid-logical-clock stamp
(`hlc.py`); a channel decides with it which change wins, so every device ends the same
whatever order the chunks arrive in.

A channel is registered in `registry.CHANNELS`; the sync service applies each chunk's channel
events before its answers (an answer can need the card a content event brings), and lets every
channel `settle` what waited once all the chunks are read.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import NamedTuple, Protocol

from pydantic import BaseModel

from mastery.sync.hlc import Clock


class Batch(NamedTuple):
    """A channel's outgoing events, what to record once they are written to a chunk, and the
    cards whose schedule the sync must replay because of them (settings that schedule: every
    device replays them with the same settings, sync/settings.py)."""

    events: list[BaseModel]
    mark: Callable[[sqlite3.Connection], None]
    cards: frozenset[int] = frozenset()


class Channel(Protocol):
    """One kind of thing that syncs (see the module docstring)."""

    kinds: tuple[type[BaseModel], ...]  # the event models this channel reads and writes

    def outgoing(self, conn: sqlite3.Connection, device: str, clock: Clock, now_ms: int) -> Batch:
        """This device's changes since its last sync, stamped with `clock` (edits keep their
        own wall time where the profile has it; `now_ms` otherwise)."""
        ...

    def apply(self, conn: sqlite3.Connection, device: str, events: Sequence[BaseModel]) -> set[int]:
        """Another device's events (of this channel's kinds, in chunk order); returns the
        ids of cards whose schedule must be replayed (usually none)."""
        ...

    def settle(self, conn: sqlite3.Connection) -> set[int]:
        """Apply the received changes kept waiting for something this device lacked (a card,
        a deck) and has now. Called once every chunk of a sync is read: chunks are applied
        one at a time, and one read early can need what a later one brings (another
        device's content). Returns the cards whose schedule must be replayed, as `apply`."""
        ...

    def resend(self, conn: sqlite3.Connection, device: str) -> list[BaseModel]:
        """Everything this device has put on the target through this channel."""
        ...

    def rename_device(self, conn: sqlite3.Connection, old: str, new: str) -> None:
        """This device rejoined the target under a new id (`Sync.setup(rejoin=True)`): what
        its records say it sent as `old`, it sent as `new`."""
        ...

    def mark_resent(
        self, conn: sqlite3.Connection, device: str, events: Sequence[BaseModel]
    ) -> None:
        """This device's own events found on the target beyond what the profile recorded (a
        sync killed after writing its chunk, a restored backup): recorded as sent, so only
        a change made since is sent again."""
        ...
