"""A checkbox whose box is empty when off.

Textual's `Checkbox` draws an X in both states and tells them apart by colour alone, so an
off box reads as ticked in a terminal with few colours (issue 13: "Reschedule" looked ticked
by default). This one draws the X only when the box is on.
"""

from __future__ import annotations

from textual.widgets import Checkbox


class TickBox(Checkbox):
    """A `Checkbox` showing X when on and a blank when off."""

    def __init__(
        self, label: str = "", value: bool = False, *, id: str | None = None, compact: bool = False
    ) -> None:
        super().__init__(label, value, id=id, compact=compact)
        self._draw()

    def watch_value(self) -> None:
        self._draw()
        super().watch_value()

    def _draw(self) -> None:
        # Textual reads BUTTON_INNER when it renders; an instance value overrides the class's.
        self.BUTTON_INNER = "X" if self.value else " "
