"""Sync dialogs: the passphrase, asked when "Sync now" finds no key remembered on this device;
the setup, when the profile has no sync target yet.

The passphrase box hides what is typed; "Remember the key on this device" (on by default) keeps the key
derived from it, as `mastery sync setup` does, so the next syncs (and the app's own) ask for
nothing. The passphrase is checked by the sync itself, in its worker: deriving the key takes
a moment, and a wrong one is said as the sync's one-line failure.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Input, Static

from mastery import present
from mastery.tui.dialogs import MENTOR_CSS
from mastery.tui.screens.base import MasteryModal
from mastery.tui.widgets.tick_box import TickBox


class PassphraseScreen(MasteryModal):
    """Enter dismisses with (passphrase, remember); Escape with None."""

    CSS_PATH = MENTOR_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="sync-passphrase-cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="mentor-dialog confirm-box", id="sync-passphrase"):
            yield Static("Sync passphrase", classes="dialog-title")
            yield Input(
                id="sync-passphrase-input",
                password=True,
                compact=True,
                placeholder="the passphrase of this profile's sync target",
            )
            yield TickBox("Remember the key on this device", True, id="sync-remember", compact=True)
            yield Static(
                "Enter syncs. The passphrase itself is never stored; a key kept here opens "
                "only the sync target, whose reviews this profile holds already.",
                classes="dialog-hint",
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#sync-passphrase-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value:
            self.notify("Type the passphrase, or Escape to cancel.", severity="warning")
            return
        self.dismiss((event.value, self.query_one("#sync-remember", TickBox).value))

    def action_cancel(self) -> None:
        self.dismiss(None)


class SetupScreen(MasteryModal):
    """The target, the passphrase twice, the plain warning; Enter dismisses with (target,
    passphrase, remember) once both passphrases agree, Escape with None. The setup itself
    (`Sync.setup`, the CLI's `mastery sync setup`) runs in the app's sync worker."""

    CSS_PATH = MENTOR_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="sync-setup-cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="mentor-dialog", id="sync-setup"):
            yield Static("Set up sync with your other devices", classes="dialog-title")
            yield Static(
                "TARGET: a folder another tool syncs (Syncthing, Dropbox) or a git remote. "
                "The first device sets the passphrase; the others join with the same one.",
                classes="dialog-hint",
            )
            yield Input(
                id="sync-target",
                compact=True,
                placeholder="~/Sync/mastery  or  git@example.org:me/mastery-sync.git",
            )
            yield Input(id="sync-phrase", password=True, compact=True, placeholder="passphrase")
            yield Input(
                id="sync-phrase-again",
                password=True,
                compact=True,
                placeholder="the same passphrase again",
            )
            yield TickBox(
                "Remember the key on this device", True, id="sync-setup-remember", compact=True
            )
            yield Static(present.LOST_PASSPHRASE, id="sync-lost")
            yield Static("Tab: next box · Enter: set up · Esc: cancel", classes="dialog-hint")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#sync-target", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        target = self.query_one("#sync-target", Input)
        phrase = self.query_one("#sync-phrase", Input)
        again = self.query_one("#sync-phrase-again", Input)
        for box in (target, phrase, again):
            if not box.value.strip():
                box.focus()  # Enter in a box with one left empty goes on to it
                return
        if phrase.value != again.value:
            self.notify("The two passphrases differ: type them again.", severity="error")
            phrase.value = again.value = ""
            phrase.focus()
            return
        remember = self.query_one("#sync-setup-remember", TickBox).value
        self.dismiss((target.value.strip(), phrase.value, remember))

    def action_cancel(self) -> None:
        self.dismiss(None)
