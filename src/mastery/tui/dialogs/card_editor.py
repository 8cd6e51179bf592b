"""The card editor (`e` in review and in the browser): front, back and tags of one card.

Saving goes through `Collection.edit_card`, which writes the card into its deck file when it
has one (see `Cards.edit`); the notification says where it went. Escape with changes asks
before discarding them; with nothing changed it just closes.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Footer, Input, Static, TextArea

from mastery.errors import MasteryError
from mastery.model import CardView
from mastery.tui.dialogs.yes_no import YesNoScreen
from mastery.tui.screens.base import MasteryModal


class CardEditorScreen(MasteryModal):
    """Edit a card; dismisses with the card as saved, or None when nothing was saved."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="card-edit-save"),
        Binding("escape", "cancel", "Cancel", id="card-edit-cancel"),
    ]

    def __init__(self, card: CardView) -> None:
        super().__init__(id="card-editor")
        self.card = card

    def compose(self) -> ComposeResult:
        card = self.card
        with Vertical(id="card-edit-box"):
            yield Static(
                Content.assemble(
                    ("Edit card ", "bold"), (card.ref, "bold"), f"  {card.deck_label}"
                ),
                classes="dialog-title",
            )
            yield Static("Front", classes="edit-label")
            yield TextArea(
                card.front, id="edit-front", soft_wrap=True, tab_behavior="focus", compact=True
            )
            yield Static("Back", classes="edit-label")
            yield TextArea(
                card.back, id="edit-back", soft_wrap=True, tab_behavior="focus", compact=True
            )
            yield Static("Tags (space separated)", classes="edit-label")
            yield Input(" ".join(card.own_tags), id="edit-tags", compact=True)
            yield Static(
                Content.assemble(
                    ("ctrl+s", "bold $text-accent"),
                    " saves (to the deck file too) · ",
                    ("tab", "bold $text-accent"),
                    " next box · ",
                    ("esc", "bold $text-accent"),
                    " cancels",
                ),
                classes="dialog-hint",
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#edit-front", TextArea).focus()

    def _values(self) -> tuple[str, str, list[str]]:
        return (
            self.query_one("#edit-front", TextArea).text,
            self.query_one("#edit-back", TextArea).text,
            self.query_one("#edit-tags", Input).value.split(),
        )

    @property
    def changed(self) -> bool:
        """Whether anything differs from the card as it opened (spaces at the ends aside)."""
        front, back, tags = self._values()
        card = self.card
        return (front.strip(), back.strip(), tags) != (card.front, card.back, list(card.own_tags))

    def action_save(self) -> None:
        front, back, tags = self._values()
        if not self.changed:
            self.dismiss(None)
            return
        try:
            edit = self.col.edit_card(
                self.card.id, front, back, tags, opened=self.card, now=self.now()
            )
        except MasteryError as exc:
            self.notify(str(exc), title="Not saved", severity="error", markup=False)
            return
        self.notify(edit.message, title="Card saved", markup=False)
        self.dismiss(edit.card)

    def action_cancel(self) -> None:
        if not self.changed:
            self.dismiss(None)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)

        self.app.push_screen(YesNoScreen(Content("Discard your changes to the card?")), answered)
