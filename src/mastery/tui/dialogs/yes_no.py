"""A yes/no question, e.g. before deleting a comment or discarding text."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Footer, Static

from mastery.tui.dialogs import MENTOR_CSS
from mastery.tui.screens.base import MasteryModal


class YesNoScreen(MasteryModal):
    """A yes/no question: y or Enter answers yes, n or Escape no. Dismisses with a bool."""

    CSS_PATH = MENTOR_CSS
    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", id="mentor-confirm-yes"),
        Binding("n,escape", "answer(False)", "No", id="mentor-confirm-no"),
    ]

    def __init__(self, question: Content) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="mentor-dialog confirm-box"):
            yield Static(self.question, classes="dialog-title")
            yield Static(
                Content.assemble(
                    ("y", "bold $text-accent"), " yes   ", ("n", "bold $text-accent"), " no"
                )
            )
        yield Footer(compact=True)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
