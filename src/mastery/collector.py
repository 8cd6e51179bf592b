"""Python's cyclic garbage collector, paused for bulk work.

A sync or a legacy team report makes hundreds of thousands of tuples, dicts and models, none
of them in a cycle: reference counting frees them as usual. The cyclic collector, which runs
as containers are made, would scan every live object again and again meanwhile and find
nothing to free (4.7 s of a 38 s join of 1M answers, a third of a 1,000-member report).
A steward's forked openers turn it off for their short lives (`team.steward._open_part`).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused"]


@contextmanager
def paused() -> Iterator[None]:
    """The collector off for the block and back on as it was afterwards (an error
    included)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
