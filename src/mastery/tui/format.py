"""How moments, durations and card text read on screen (pure functions, no widgets).

Times are shown in the learner's zone and relative to the learner's day (the collection's
`DayClock`), so "today" on screen means the same thing as "due today" in the domain.
"""

from __future__ import annotations

import re
from datetime import datetime

from mastery.days import DayClock

# Code ticks, bold marks, and heading / quote / list markers at the start of a line.
_MARKDOWN_NOISE = re.compile(r"`|\*\*|__|^\s*(?:#+|>|[-+*]|\d+\.)\s+", re.MULTILINE)
_EMPHASIS = re.compile(r"(?<!\w)[*_](\S(?:[^*_]*\S)?)[*_](?!\w)")


def when(moment: datetime, now: datetime, clock: DayClock) -> str:
    """A moment as a person would say it: "now", "14:20", "tomorrow 09:00", "Mon 24 Nov"."""
    if moment <= now:
        return "now"
    local = moment.astimezone(clock.zone)
    days = (clock.day_of(moment) - clock.day_of(now)).days
    clock_time = local.strftime("%H:%M")
    if days == 0:
        return f"today {clock_time}"
    if days == 1:
        return f"tomorrow {clock_time}"
    if days < 7:
        return f"{local.strftime('%a')} {clock_time}"
    if local.year == now.astimezone(clock.zone).year:
        return local.strftime("%d %b").lstrip("0")
    return local.strftime("%d %b %Y").lstrip("0")


def until(moment: datetime, now: datetime) -> str:
    """How long until a moment: "in 20m", "in 3h", "in 2d"."""
    seconds = (moment - now).total_seconds()
    if seconds <= 0:
        return "now"
    if seconds < 3600:
        return f"in {max(1, round(seconds / 60))}m"
    if seconds < 86400:
        return f"in {round(seconds / 3600)}h"
    return f"in {round(seconds / 86400)}d"


def due_cell(due: datetime | None, now: datetime, clock: DayClock) -> str:
    """A card's due date in a table cell: "today", "in 3d", "-2d" (overdue), or "-" for new."""
    if due is None:
        return "-"
    days = (clock.day_of(due) - clock.day_of(now)).days
    if days == 0:
        return "today"
    if days < 0:
        return f"{days}d"
    return f"in {days}d"


def duration(ms: int) -> str:
    """Time spent: "45s", "4m 12s", "1h 05m"."""
    seconds = round(ms / 1000)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def excerpt(text: str, width: int) -> str:
    """The first words of a card side on one line, without Markdown punctuation."""
    flat = " ".join(_EMPHASIS.sub(r"\1", _MARKDOWN_NOISE.sub("", text)).split())
    return flat if len(flat) <= width else flat[: max(1, width - 1)].rstrip() + "…"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
