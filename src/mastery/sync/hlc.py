"""A hybrid logical clock: the order of changes that two devices made to one thing.

Wall clocks disagree (a laptop minutes ahead, a phone set by hand), so "the latest change
wins" by wall time lets a device whose clock runs ahead win every tie, even against a change
made after it had seen that device's one. A hybrid logical clock (Kulkarni et al., 2014)
stays close to wall time but never goes back, and a device that has seen a stamp only ever
stamps later ones: a change made after a sync that brought another device's change is later
than it, whatever the two wall clocks say.

A stamp is one integer, `ms * 1000 + counter` (ms UTC; the counter orders changes within one
millisecond), so it fits a JSON number and an SQLite integer until the year 2255. Ties
between two devices' equal stamps are broken by device id, so every device picks the same
winner. The clock's state is the last stamp it gave or saw, kept in the profile's sync meta.
"""

from __future__ import annotations

from dataclasses import dataclass

from mastery.errors import SyncError

_SPAN = 1000  # counter values per millisecond
MAX_STAMP = 2**53 - 1  # a JSON number every reader keeps exact
# The latest wall time a stamp takes (2200-01-01 UTC): a clock set past it (a dead battery, a
# typo) stamps as if it were then, counting up, so its stamps stay below MAX_STAMP (which every
# other device's reader refuses to pass) for 55 years of counter.
MAX_WALL_MS = 7_258_118_400_000


def stamp_of(ms: int, counter: int = 0) -> int:
    return ms * _SPAN + counter


def wall_ms(stamp: int) -> int:
    """The stamp's wall-clock part (ms UTC), for showing when a change was made."""
    return stamp // _SPAN


@dataclass(slots=True)
class Clock:
    """One device's clock; `last` is the highest stamp given or seen (0: none yet)."""

    last: int = 0

    def tick(self, wall: int) -> int:
        """The stamp of a change made on this device at wall time `wall` (ms UTC): after
        everything this device has stamped or seen, and at its wall time when that is later."""
        stamp = max(self.last + 1, stamp_of(min(wall, MAX_WALL_MS)))
        if stamp > MAX_STAMP:  # only after seeing a stamp no Mastery gives (a broken writer)
            raise SyncError(
                "the sync clock is at its end (another device sent a change dated past the "
                "year 2255); nothing was sent"
            )
        self.last = stamp
        return self.last

    def observe(self, stamp: int) -> None:
        """Another device's stamp, read: every stamp given from now on is later than it."""
        if stamp > self.last:
            self.last = stamp


def later(a: tuple[int, str], b: tuple[int, str] | None) -> bool:
    """Whether change `a` ((stamp, device)) wins over `b` (None: nothing yet)."""
    return b is None or a > b
