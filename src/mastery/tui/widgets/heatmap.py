"""A year (or any span) of daily counts as a calendar heatmap: weeks as columns, Monday to
Sunday as rows, month names above, shades for how much was done.

Used by the Stats screen (your answers per day) and the Team screen (the team's activity).
The widget only draws the (day, count) pairs it is given; `message` replaces the grid with a
line of text (an empty profile, a suppressed team figure).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from textual.content import Content
from textual.widget import Widget

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SHADES = "·░▒▓█"  # no answers, then four levels up to the busiest day
_LABEL = 4  # "Mon " before each row


def level(count: int | None, peak: int) -> int:
    """0 for a day without answers, else 1-4 by its share of the busiest day."""
    if not count or not peak:
        return 0
    return min(4, 1 + int(3 * count / peak))


def grid(days: Sequence[tuple[date, int | None]]) -> tuple[date, list[list[int | None]]]:
    """The Monday of the first column and, per weekday row, one cell per week: the day's
    count, or None for a day outside `days` (before the first, after the last)."""
    if not days:
        return date.min, [[] for _ in DAYS]
    counts = dict(days)
    first = min(counts)
    last = max(counts)
    monday = first - timedelta(days=first.weekday())
    weeks = (last - monday).days // 7 + 1
    rows: list[list[int | None]] = [[] for _ in DAYS]
    for week in range(weeks):
        for weekday in range(7):
            day = monday + timedelta(days=week * 7 + weekday)
            rows[weekday].append(counts.get(day) if day in counts else None)
    return monday, rows


def month_line(monday: date, weeks: int) -> str:
    """Month names above the first column of each month, when they fit without overlap."""
    labels: list[tuple[int, str]] = []  # (week, month name) where a month's 1st falls
    for week in range(weeks):
        start = monday + timedelta(days=7 * week)
        end = start + timedelta(days=6)
        if start.day == 1 or end.month != start.month:
            labels.append((week, (start if start.day == 1 else end).strftime("%b")))
    if not labels or labels[0][0] >= 4:  # room for the first, partial month's name
        labels.insert(0, (0, monday.strftime("%b")))
    line = [" "] * weeks
    free = 0
    for week, name in labels:
        if week >= free and week + len(name) <= weeks:
            line[week : week + len(name)] = list(name)
            free = week + len(name) + 1
    return "".join(line).rstrip()


class Heatmap(Widget):
    """Daily counts as shaded cells, one column per week (a year is 57 columns wide)."""

    DEFAULT_CSS = """
    Heatmap {
        height: auto;
        width: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._days: list[tuple[date, int | None]] = []
        self._message: str | None = None

    def show(self, days: Sequence[tuple[date, int | None]]) -> None:
        """Draw these days (in any order); a None count shows as a blank cell."""
        self._days = list(days)
        self._message = None
        self.refresh(layout=True)

    def message(self, text: str) -> None:
        """A line of text instead of the grid."""
        self._days = []
        self._message = text
        self.refresh(layout=True)

    def render(self) -> Content:
        if self._message is not None or not self._days:
            return Content(self._message or "")
        monday, rows = grid(self._days)
        peak = max((n or 0 for _, n in self._days), default=0)
        weeks = len(rows[0])
        lines = [Content.styled(" " * _LABEL + month_line(monday, weeks), "$text-muted")]
        for name, cells in zip(DAYS, rows, strict=True):
            parts: list[tuple[str, str] | str] = [(f"{name} ", "$text-muted")]
            for count in cells:
                if count is None:
                    parts.append(" ")
                    continue
                shade = level(count, peak)
                parts.append((SHADES[shade], "$text-success" if shade else "$text-disabled"))
            lines.append(Content.assemble(*parts))
        return Content("\n").join(lines)
