"""Settling a conflict copy sync kept (two devices edited one entry or goal between syncs):
keep this copy, the other version, or both."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Footer, Static

from mastery.tui.dialogs import MENTOR_CSS
from mastery.tui.screens.base import MasteryModal


class ResolveScreen(MasteryModal):
    """t keeps this copy (the other version is deleted), o keeps the other (this copy is
    deleted), b keeps both (the copy stays as an entry or goal of its own); Escape decides
    nothing. Dismisses with "this", "other", "both" or None."""

    CSS_PATH = MENTOR_CSS
    BINDINGS = [
        Binding("t", "keep('this')", "Keep this", id="resolve-this"),
        Binding("o", "keep('other')", "Keep other", id="resolve-other"),
        Binding("b", "keep('both')", "Keep both", id="resolve-both"),
        Binding("escape", "keep('')", "Cancel", id="resolve-cancel"),
    ]

    def __init__(self, what: str, title: str) -> None:
        """`what` names the thing ("entry", "goal"), `title` the copy's title."""
        super().__init__()
        self.what = what
        self.copy_title = title

    def compose(self) -> ComposeResult:
        key = "bold $text-accent"
        with Vertical(classes="mentor-dialog confirm-box"):
            yield Static(
                Content.assemble(("⚠ Conflict copy: ", "bold"), self.copy_title),  # user text
                classes="dialog-title",
            )
            yield Static(
                f"This {self.what} was edited on two devices between syncs; sync kept both "
                "versions. Which stays?"
            )
            yield Static(
                Content.assemble(
                    ("t", key),
                    " keep this one   ",
                    ("o", key),
                    " keep the other   ",
                    ("b", key),
                    " keep both",
                )
            )
        yield Footer(compact=True)

    def action_keep(self, choice: str) -> None:
        self.dismiss(choice or None)
