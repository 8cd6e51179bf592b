"""How figures read, for the CLI and the TUI alike: moments and intervals, counts, percents,
bars and plain-text tables (pure functions; no textual or rich, so the CLI can use them).

One function per idea, so a card due "in 7d" on the browser is due "in 7d" on the done
screen, the dashboard, card info and `mastery card show`: days ahead are counted in the
learner's days (`DayClock`, with its rollover hour), never as rounded 24-hour spans. Intervals
on the answer buttons keep Anki's short form ("10m", "3d", "2.1mo", "1.2y").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from mastery.days import DayClock

if TYPE_CHECKING:
    from mastery.model import DueSummary

NONE = "—"
"""How a figure that could not be measured (a rate over no answers) is shown."""

SHARED_MARK = "↗"
"""Marks what goes out to your mentor (a shared entry); one mark, one meaning on every screen."""
UNREAD_MARK = "●"
"""Marks what you have not read yet (a mentee's entry, a mentor's comment or note)."""

_MARKDOWN_NOISE = re.compile(r"`|\*\*|__|^\s*(?:#+|>|[-+*]|\d+\.)\s+", re.MULTILINE)
_EMPHASIS = re.compile(r"(?<!\w)[*_](\S(?:[^*_]*\S)?)[*_](?!\w)")
_EIGHTHS = " ▏▎▍▌▋▊▉"
_SPARKS = "▁▂▃▄▅▆▇█"


# ----------------------------------------------------------------------------- time
def days_ahead(moment: datetime, now: datetime, clock: DayClock) -> int:
    """How many of the learner's days from now until `moment` (0: today; negative: overdue).

    A card answered at 21:00 and due six days and ten hours later is due on the seventh
    learner's day, so this says 7 where the wall clock says 6.4."""
    return (clock.day_of(moment) - clock.day_of(now)).days


def due_in(moment: datetime, now: datetime, clock: DayClock) -> str:
    """How long until a moment: "now", "in 20m" (within the hour, even across the rollover:
    a learning step at 03:55), "in 3h" (later today), "in 7d" (learner's days, as on the
    answer buttons: a review due at tomorrow's rollover is "in 1d" at 21:00)."""
    seconds = (moment - now).total_seconds()
    if seconds <= 0:
        return "now"
    if seconds < 3600:
        return f"in {max(1, round(seconds / 60))}m"
    days = days_ahead(moment, now, clock)
    if days >= 1:
        return f"in {days}d"
    return f"in {round(seconds / 3600)}h"


def due_cell(due: datetime | None, now: datetime, clock: DayClock) -> str:
    """A card's due date in a table cell: "today", "in 3d", "-2d" (overdue), or "-" for new."""
    if due is None:
        return "-"
    days = days_ahead(due, now, clock)
    if days == 0:
        return "today"
    if days < 0:
        return f"{days}d"
    return f"in {days}d"


def when(moment: datetime, now: datetime, clock: DayClock) -> str:
    """A moment as a person would say it: "now", "14:20", "tomorrow 09:00", "Mon 24 Nov"."""
    if moment <= now:
        return "now"
    local = moment.astimezone(clock.zone)
    days = days_ahead(moment, now, clock)
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


def months_ago(day: date, today: date) -> str:
    """How long ago an "on this day" entry was: "1 month ago", "3 months ago", "2 years ago"
    (whole years when the month is the same, months otherwise)."""
    months = (today.year - day.year) * 12 + today.month - day.month
    if months % 12 == 0:
        return f"{plural(months // 12, 'year')} ago"
    return f"{plural(months, 'month')} ago"


def ago(moment: datetime, now: datetime) -> str:
    """How long ago, short enough for a status line: "just now", "5 min ago", "3 h ago",
    "2 days ago" (the app's sync status)."""
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return f"{plural(int(seconds // 86400), 'day')} ago"


LOST_PASSPHRASE = (
    "Keep the passphrase safe: it is the only key to what is on the target. Nobody can recover "
    "it, and a lost passphrase means setting up a new target (each device keeps its own data)."
)
"""Said wherever a sync passphrase is chosen: `mastery sync setup` and the app's setup."""


def synced(received: int, devices: int, sent: int, changes: int = 0) -> str:
    """What a sync did, as `mastery sync` and the app's "Sync now" say it: answers, and the
    other changes (settings, card states, entries...) when there were any."""
    also = f" and {plural(changes, 'change')}" if changes else ""
    return (
        f"Synced: {plural(received, 'answer')}{also} received from "
        f"{plural(devices, 'other device')}, {plural(sent, 'event')} sent."
    )


def interval(span: timedelta) -> str:
    """An interval as on the answer buttons (Anki's form): "1m", "10m", "3d", "2.1mo", "1.2y".

    The scheduler labels its buttons with the same function; imported here on use so the CLI
    does not load FSRS to print a table."""
    from mastery.scheduler import format_interval

    return format_interval(span)


def interval_given(scheduled_days: int, span: timedelta) -> str:
    """The interval an answer gave, as its button said it: the learner's days for a review
    ("1d" for a card due at tomorrow's rollover, though 7 hours away at 21:00), else the
    learning step ("10m"). The buttons (`Outcome.label`), card info's history and `mastery
    card show` all say it with this."""
    if scheduled_days > 0:
        return interval(timedelta(days=scheduled_days))
    return interval(span)


def new_cards_tomorrow(count: int | None) -> str:
    """What tomorrow brings when nothing is scheduled (`Queue.new_tomorrow`): never "more new
    cards" under a limit of 0; "" when no new card is left."""
    if count:
        return f"{plural(count, 'new card')} tomorrow."
    if count == 0:
        return (
            "No new cards tomorrow: the daily limit of new cards is 0 "
            "(Settings, or the deck's preset: o on the dashboard)."
        )
    return ""


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


# ----------------------------------------------------------------------------- numbers
def plural(count: int, noun: str, many: str | None = None) -> str:
    """How many of something: "1 card", "2 cards", "1,234 answers"; `many` for irregular
    plurals ("1 entry", "3 entries")."""
    return f"{count:,} {noun if count == 1 else (many or noun + 's')}"


def short_count(n: int) -> str:
    """A count in at most four characters or so: "950", "895k", "1.2M"."""
    if n < 10_000:
        return str(n)
    if n < 1_000_000:
        return f"{n // 1000}k"
    return f"{n / 1_000_000:.1f}M"


def percent(share: float | None) -> str:
    """0.456 -> "46%"; None (nothing to measure) -> "—". The one rounding rule: Python's
    percent format, to the nearest whole point."""
    return NONE if share is None else f"{share:.0%}"


def signed(points: int | None) -> str:
    """A change in points: "+3", "-2", "0"; None -> "—"."""
    return NONE if points is None else f"{points:+d}"


# ----------------------------------------------------------------------------- pictures
def bar_parts(share: float | None, width: int) -> tuple[str, str]:
    """A bar `width` cells wide filled to `share` (0..1) in eighths of a cell: the filled
    part and the rest, for a caller that colours them apart."""
    eighths = round(max(0.0, min(1.0, share or 0.0)) * width * 8)
    full, part = divmod(eighths, 8)
    filled = "█" * full + (_EIGHTHS[part] if part and full < width else "")
    return filled, " " * (width - len(filled))


def bar(share: float | None, width: int = 10, empty: str = "░") -> str:
    """A unicode block bar: `bar(0.5, 10)` is "█████░░░░░"."""
    filled, rest = bar_parts(share, width)
    return filled + empty * len(rest)


def spark(values: Sequence[float], top: float | None = 1.0) -> str:
    """One tick per value, "▁▃▅█": shares on an absolute 0..1 scale (so 40-45% looks flat),
    or with `top=None` counts scaled to the largest (a zero stays the lowest tick)."""
    peak = max(values, default=0) if top is None else top
    if not peak:
        return _SPARKS[0] * len(values)
    last = len(_SPARKS) - 1
    return "".join(_SPARKS[max(0, min(last, round(last * v / peak)))] for v in values)


# ----------------------------------------------------------------------------- text
def excerpt(text: str, width: int) -> str:
    """The first words of a card side on one line, without Markdown punctuation."""
    flat = " ".join(_EMPHASIS.sub(r"\1", _MARKDOWN_NOISE.sub("", text)).split())
    return flat if len(flat) <= width else flat[: max(1, width - 1)].rstrip() + "…"


_NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?%?\Z")


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table for the terminal: a header, a rule, then the rows. A column of
    numbers (whole or not; an unmeasured "—" or an empty cell among them) is right-aligned,
    except the first; any other column is left-aligned, so a column mixing numbers and text
    (`mastery config`'s values) lines up on its left edge."""
    cells = [list(headers)] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    right = [
        i > 0
        and any(_NUMBER.match(r[i]) for r in cells[1:])
        and all(_NUMBER.match(r[i]) or r[i] in ("", NONE) for r in cells[1:])
        for i in range(len(headers))
    ]
    lines = []
    for n, row in enumerate(cells):
        lines.append(
            "  ".join(
                c.rjust(w) if right[i] and n > 0 else c.ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def due_line(summary: DueSummary, *, ascii_only: bool = False) -> str:
    """`0 due · 2 learning · 18 new · journal ✓` for `mastery due`: the dashboard's words
    (Due: review cards), learning only when some are waiting, for a prompt that stays short."""
    counts = summary.counts
    parts = [f"{counts.review} due"]
    if counts.learning:
        parts.append(f"{counts.learning} learning")
    parts.append(f"{counts.new} new")
    if ascii_only:
        parts.append(f"journal {'yes' if summary.journal_today else 'no'}")
        return ", ".join(parts)
    parts.append(f"journal {'✓' if summary.journal_today else '✗'}")
    return " · ".join(parts)
