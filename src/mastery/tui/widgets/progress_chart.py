"""Progress drawn with block characters: a one-line bar, and a small chart over time.

The chart's scale is absolute (0 to 100%), unlike textual's `Sparkline`, which stretches
whatever range the data has: a goal at 40-45% should look nearly flat, not like a climb.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from textual.content import Content
from textual.widget import Widget

from mastery import present

_EIGHTHS = " ▁▂▃▄▅▆▇█"  # vertical: 0 to 8 eighths of a cell


def bar(value: float | None, width: int, style: str = "$text-success") -> Content:
    """A horizontal bar `width` cells wide, filled to `value` (0..1) in eighths of a cell
    (`present.bar`, coloured)."""
    filled, rest = present.bar_parts(value, width)
    return Content.assemble((filled, style), ("░" * len(rest), "dim"))


def daily_series(
    points: Sequence[tuple[date, float]], end: date | None = None
) -> list[tuple[date, float]]:
    """One value per calendar day from the first point to `end` (or the last point): a day
    without a point keeps the value before it (progress is read, not sampled, each day)."""
    if not points:
        return []
    ordered = sorted(points)
    by_day = dict(ordered)
    last = max(ordered[-1][0], end or ordered[-1][0])
    series: list[tuple[date, float]] = []
    value = ordered[0][1]
    day = ordered[0][0]
    while day <= last:
        value = by_day.get(day, value)
        series.append((day, value))
        day += timedelta(days=1)
    return series


def chart_rows(values: Sequence[float], width: int, height: int) -> list[str]:
    """Columns of blocks, `height` rows tall, one column per value (the latest `width` values,
    or each value `width // len(values)` columns wide, at most 3, when there are few)."""
    if not values or width < 1 or height < 1:
        return [""] * max(height, 0)
    if len(values) > width:
        # Squeeze: the last value of each of `width` equal buckets.
        step = len(values) / width
        values = [values[min(len(values) - 1, int((i + 1) * step) - 1)] for i in range(width)]
    cell = max(1, min(3, width // len(values)))
    rows = []
    for row in range(height):
        floor = (height - 1 - row) * 8  # eighths below this row
        line = []
        for value in values:
            eighths = round(min(1.0, max(0.0, value)) * height * 8)
            line.append(_EIGHTHS[min(8, max(0, eighths - floor))] * cell)
        rows.append("".join(line))
    return rows


class ProgressChart(Widget):
    """Progress over time on a fixed 0-100% scale, with the first and last day below.

    The screen gives it (day, value) points with `show`; days without a point carry the
    value before them.
    """

    DEFAULT_CSS = """
    ProgressChart {
        height: 6;
        width: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._series: list[tuple[date, float]] = []

    def show(self, points: Sequence[tuple[date, float]], end: date | None = None) -> None:
        self._series = daily_series(points, end)
        self.refresh()

    def render(self) -> Content:
        height = max(1, self.size.height - 1)
        label_width = 5
        width = max(1, self.size.width - label_width)
        if not self._series:
            return Content.styled("No progress recorded yet.", "dim")
        values = [v for _, v in self._series]
        rows = chart_rows(values, width, height)
        lines = []
        for n, row in enumerate(rows):
            label = "100% " if n == 0 else ("  0% " if n == height - 1 else "     ")
            lines.append(Content.assemble((label, "dim"), (row, "$text-success")))
        first, last = self._series[0][0].isoformat(), self._series[-1][0].isoformat()
        used = min(width, len(rows[0]))
        gap = max(1, used - len(first) - len(last))
        axis = first if first == last else first + " " * gap + last
        lines.append(Content.styled(" " * label_width + axis, "dim"))
        return Content("\n").join(lines)
