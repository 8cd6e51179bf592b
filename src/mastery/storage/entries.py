"""Which learner's days have journal entries: the one query the journal's streak and "written
today", the dashboard and `mastery due` share.

Here rather than in the journal package, whose import brings its file formats (pydantic):
`mastery due` answers a shell prompt and must stay quick.
"""

from __future__ import annotations

import sqlite3
from datetime import date

from mastery.days import stored_day


def entry_days(conn: sqlite3.Connection, start: date, end: date) -> set[date]:
    """Learner's days from `start` to `end` (inclusive) with at least one entry."""
    rows = conn.execute(
        "SELECT DISTINCT day FROM journalentry WHERE day >= ? AND day <= ?",
        (start.isoformat(), end.isoformat()),
    )
    return {stored_day(r["day"]) for r in rows}
