"""A DataTable with vi keys (j/k, g/G) and no Enter binding of its own.

Leaving Enter to the screen lets the screen's own Enter binding ("Review deck", "Card info")
show in the footer and the help screen; a mouse click on a row still posts `RowSelected`.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.widgets import DataTable


class KeyTable(DataTable, inherit_bindings=False):
    """A row-cursor table that moves with arrows and j/k."""

    BINDINGS = [
        Binding("up,k", "cursor_up", "Up", show=False, id="table-up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="table-down"),
        Binding("pageup", "page_up", "Page up", show=False, id="table-page-up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="table-page-down"),
        Binding("home,g", "scroll_top", "First", show=False, id="table-first"),
        Binding("end,G", "scroll_bottom", "Last", show=False, id="table-last"),
    ]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor, or None when the table is empty."""
        if not self.row_count:
            return None
        row = min(self.cursor_row, self.row_count - 1)
        return self.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value
