"""Counts drawn with Unicode blocks: columns over days (forecast, reviews per day) and a list
of horizontal bars (card states, distributions).

Both scale to the largest value they are given, and a nonzero value is never drawn as
nothing: the smallest count still shows one eighth of a cell.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widget import Widget

_EIGHTHS = " ▁▂▃▄▅▆▇█"  # vertical: 0 to 8 eighths of a cell
_PARTIAL = " ▏▎▍▌▋▊▉"  # horizontal: 0 to 7 eighths of a cell


def eighths(value: float, peak: float, cells: int) -> int:
    """How many eighths of `cells` cells `value` fills (at least 1 when nonzero)."""
    if value <= 0 or peak <= 0:
        return 0
    return max(1, round(min(1.0, value / peak) * cells * 8))


def column_rows(values: Sequence[float], height: int, cell: int = 1) -> list[str]:
    """`height` rows of block characters, one column `cell` wide per value, top row first."""
    peak = max(values, default=0)
    filled = [eighths(v, peak, height) for v in values]
    rows = []
    for row in range(height):
        floor = (height - 1 - row) * 8  # eighths below this row
        rows.append("".join(_EIGHTHS[min(8, max(0, f - floor))] * cell for f in filled))
    return rows


def hbar(value: float, peak: float, width: int) -> str:
    """A horizontal bar `width` cells wide at most, in eighths of a cell."""
    full, part = divmod(eighths(value, peak, width), 8)
    return "█" * full + (_PARTIAL[part] if part else "")


class ColumnChart(Widget):
    """One column per value (a day), the largest value written at the top left, and labels
    for the first and last column below."""

    DEFAULT_CSS = """
    ColumnChart {
        height: 6;
        width: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._values: list[float] = []
        self._first = self._last = ""

    def show(self, values: Sequence[float], first: str = "", last: str = "") -> None:
        """Draw `values` left to right; `first` and `last` label the two ends of the axis."""
        self._values = list(values)
        self._first, self._last = first, last
        self.refresh()

    def render(self) -> Content:
        height = max(1, self.size.height - 1)
        peak = max(self._values, default=0)
        label = f"{peak:g}" if peak else "0"
        gutter = len(label) + 1
        width = max(1, self.size.width - gutter)
        n = max(1, len(self._values))
        cell = max(1, min(3, width // n))
        values = (
            self._values[-(width // cell) :] if len(self._values) * cell > width else (self._values)
        )
        rows = column_rows(values, height, cell)
        lines = []
        for i, row in enumerate(rows):
            left = label if i == 0 else ("0" if i == height - 1 else "")
            lines.append(
                Content.assemble(
                    (left.rjust(gutter - 1) + " ", "$text-muted"),
                    (row, "$text-success"),
                )
            )
        used = len(values) * cell
        gap = max(1, used - len(self._first) - len(self._last))
        axis = self._first + " " * gap + self._last if self._last else self._first
        lines.append(Content.styled(" " * gutter + axis, "$text-muted"))
        return Content("\n").join(lines)


class BarList(Widget):
    """One labelled horizontal bar per row, with its count after it."""

    DEFAULT_CSS = """
    BarList {
        height: auto;
        width: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows: list[tuple[str, int]] = []

    def show(self, rows: Sequence[tuple[str, int]]) -> None:
        """(label, count) pairs, top to bottom."""
        self._rows = list(rows)
        self.refresh(layout=True)

    def render(self) -> Content:
        if not self._rows:
            return Content("")
        label_width = max(len(label) for label, _ in self._rows)
        count_width = max(len(f"{n:,}") for _, n in self._rows)
        bar_width = max(4, min(40, self.size.width - label_width - count_width - 3))
        peak = max(n for _, n in self._rows)
        lines = []
        for label, count in self._rows:
            bar = hbar(count, peak, bar_width)
            lines.append(
                Content.assemble(
                    (label.rjust(label_width), "$text-muted"),
                    " ",
                    (bar, "$text-success"),
                    " " * (bar_width - len(bar) + 1),
                    f"{count:,}".rjust(count_width),
                )
            )
        return Content("\n").join(lines)
