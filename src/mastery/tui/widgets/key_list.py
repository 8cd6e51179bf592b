"""Option lists with vi keys: a plain one, one for entries, and one of milestones to tick.

Like `KeyTable`, `KeyList` has no Enter binding of its own, so the screen's Enter binding shows
in the footer; a mouse click still posts `OptionList.OptionSelected`. The subclasses bind Enter
(and space) with a description, for lists whose Enter means one thing wherever they sit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option


class KeyList(OptionList, inherit_bindings=False):
    """An option list that moves with arrows and j/k (g/G for first and last)."""

    BINDINGS = [
        Binding("up,k", "cursor_up", "Up", show=False, id="list-up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="list-down"),
        Binding("pageup", "page_up", "Page up", show=False, id="list-page-up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="list-page-down"),
        Binding("home,g", "first", "First", show=False, id="list-first"),
        Binding("end,G", "last", "Last", show=False, id="list-last"),
    ]

    @property
    def highlighted_id(self) -> str | None:
        """The id of the highlighted option, or None when the list is empty."""
        option = self.highlighted_option
        return option.id if option is not None else None

    def show(self, options: Sequence[Option], keep: str | None = None) -> None:
        """Replace the options, keeping the highlight on option `keep` when it is still there."""
        self.set_options(options)
        if not options:
            return
        ids = [o.id for o in options]
        self.highlighted = ids.index(keep) if keep in ids else 0


class EntryList(KeyList):
    """A list of journal entries; Enter opens the one highlighted (`OptionSelected`)."""

    BINDINGS = [Binding("enter", "select", "Open", id="entry-list-open")]


class MilestoneList(KeyList):
    """Milestones with a tick box; space or Enter posts `MilestoneList.Toggled`."""

    BINDINGS = [Binding("space,enter", "tick", "Tick", id="milestone-toggle")]

    class Toggled(Message):
        """The learner wants milestone `position` (1-based) to be `done` (or not)."""

        def __init__(self, position: int, done: bool) -> None:
            super().__init__()
            self.position = position
            self.done = done

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._done: dict[str, bool] = {}

    def show_milestones(self, milestones: Sequence[tuple[int, str, bool, date | None]]) -> None:
        """(position, title, done, done_on) rows, in order."""
        self._done = {str(position): done for position, _, done, _ in milestones}
        keep = self.highlighted_id
        self.show([self._option(*m) for m in milestones], keep)

    @staticmethod
    def _option(position: int, title: str, done: bool, done_on: date | None) -> Option:
        box = ("☑ ", "bold $text-success") if done else ("☐ ", "bold")
        when = f"  done {done_on.isoformat()}" if done_on else ""
        return Option(
            Content.assemble(box, (title, "dim" if done else ""), (when, "dim")),  # user text
            id=str(position),
        )

    def action_tick(self) -> None:
        """Named `tick`, not `toggle`: Textual's DOMNode already has `action_toggle(attribute)`."""
        key = self.highlighted_id
        if key is not None:
            self.post_message(self.Toggled(int(key), not self._done.get(key, False)))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """A mouse click ticks too."""
        if event.option_list is self:
            event.stop()
            self.action_tick()
