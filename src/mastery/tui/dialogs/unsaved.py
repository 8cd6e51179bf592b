"""Unsaved changes: one rule for every editor (issue 13).

Escape in an editor (journal entry, quick capture, goal form, check-in, milestone, mentor
comment and note) closes it at once when nothing was changed, and asks first when
something was: `DiscardScreen` (y or d discards, n or Escape keeps editing). ctrl+q and q quit
at once unless an open editor holds unsaved changes; then `QuitScreen` asks (q or ctrl+q quits
anyway, Escape stays).

An editor is a screen with the `UnsavedChanges` mixin. What counts as a change is worked out
here, once, for every editor: the values of its text boxes, text areas, switches, selects and
selection lists compared with what they held when the editor opened (or was last saved), so a
new editor needs no code of its own to be safe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Input, Select, SelectionList, Static, Switch, TextArea

from mastery.tui.screens.base import MasteryMixin, MasteryModal

if TYPE_CHECKING:
    from textual.app import App

_KEY = "bold $text-accent"


def form_values(screen: Screen) -> tuple[tuple[str, object], ...]:
    """What the user can change on `screen`: every text box, text area, switch, select and
    selection list, by id (or place), with its value."""
    values: list[tuple[str, object]] = []
    for n, widget in enumerate(screen.query(Widget)):
        value: object
        if isinstance(widget, Input | Switch | Select):
            value = widget.value
        elif isinstance(widget, TextArea):
            value = widget.text
        elif isinstance(widget, SelectionList):
            value = tuple(widget.selected)
        else:
            continue
        values.append((widget.id or f"#{n}", value))
    return tuple(values)


class UnsavedChanges(MasteryMixin):
    """An editor: Escape (`action_cancel`) asks before discarding changes; `MasteryApp`'s quit
    asks before quitting while one is open with changes. Dismisses with None when cancelled.

    Mix in before `MasteryScreen` or `MasteryModal`."""

    _saved_values: tuple[tuple[str, object], ...] | None = None

    def on_mount(self) -> None:
        # Textual calls every class's `on_mount` along the MRO, the editor's own first: what
        # it fills in when mounted is part of the starting point, not a change.
        self.mark_saved()

    def mark_saved(self) -> None:
        """What the editor holds now is the starting point (opened, saved, or an earlier text
        loaded to be edited)."""
        self._saved_values = form_values(cast(Screen, self))

    def has_unsaved_changes(self) -> bool:
        """Whether closing the editor now would lose something the user changed."""
        if self._saved_values is None:  # not mounted yet: nothing typed
            return False
        return form_values(cast(Screen, self)) != self._saved_values

    def action_cancel(self) -> None:
        """Close the editor; with unsaved changes, only once the user says to discard them."""
        screen = cast(Screen[Any], self)
        if not self.has_unsaved_changes():
            screen.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                screen.dismiss(None)

        self.app.push_screen(DiscardScreen(), answered)


def screens_with_unsaved_changes(app: App[Any]) -> list[Screen]:
    """The open editors (anywhere on the screen stack) that hold unsaved changes."""
    return [
        screen
        for screen in app.screen_stack
        if isinstance(screen, UnsavedChanges) and screen.has_unsaved_changes()
    ]


class _Question(MasteryModal):
    """A question with two answers, the safe one on Escape."""

    QUESTION = ""
    DETAIL = ""
    YES = ("", "")  # key shown, label
    NO = ("", "")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog unsaved-box"):
            yield Static(Content.styled(self.QUESTION, "bold"), classes="dialog-title")
            yield Static(
                Content.assemble(
                    (f"{self.DETAIL}  ", "dim"),
                    (self.YES[0], _KEY),
                    f" {self.YES[1]}   ",
                    (self.NO[0], _KEY),
                    f" {self.NO[1]}",
                )
            )
        yield Footer(compact=True)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class DiscardScreen(_Question):
    """Escape in an editor with unsaved changes. Dismisses with True to discard them."""

    QUESTION = "Discard your changes?"
    DETAIL = "They are not saved."
    YES = ("y", "discard")
    NO = ("n", "keep editing")
    BINDINGS = [
        Binding("y,d", "answer(True)", "Discard", id="unsaved-discard"),
        Binding("n,escape,enter", "answer(False)", "Keep editing", id="unsaved-keep-editing"),
    ]


class QuitScreen(_Question):
    """Quitting while an editor holds unsaved changes. Dismisses with True to quit anyway."""

    QUESTION = "Quit without saving?"
    DETAIL = "An editor has unsaved changes."
    YES = ("q", "quit anyway")
    NO = ("esc", "stay")
    BINDINGS = [
        # ctrl+q again quits too (the app's own binding, see `MasteryApp.action_quit`).
        Binding("q", "answer(True)", "Quit anyway", id="unsaved-quit"),
        Binding("escape,s,enter", "answer(False)", "Stay", id="unsaved-stay"),
    ]
