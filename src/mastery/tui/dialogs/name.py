"""A name asked for in one box (a new preset, a preset's new name). The caller's `apply` runs
the domain call on Enter: a refused name is said in a notification and the box stays open
with it, so the learner corrects it instead of starting over."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Input, Static

from mastery.errors import MasteryError
from mastery.tui.dialogs import MENTOR_CSS
from mastery.tui.screens.base import MasteryModal


class NameScreen(MasteryModal):
    """Enter runs `apply(name)` and dismisses with its result; Escape dismisses with None."""

    CSS_PATH = MENTOR_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="name-cancel")]

    def __init__(
        self, title: str, hint: str, apply: Callable[[str], object], value: str = ""
    ) -> None:
        super().__init__()
        self.title_text = title
        self.hint = hint
        self.apply = apply
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="mentor-dialog confirm-box"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Input(self.value, id="name-input", compact=True)
            yield Static(self.hint, classes="dialog-hint", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#name-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            result = self.apply(event.value)
        except MasteryError as exc:
            self.notify(str(exc), title="Not saved", severity="error", markup=False)
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)
