"""The four answer buttons, each labelled with the interval it would give ("3 Good 3d"), or in
a cram session with what it does there ("1 Again soon", "3 Good done")."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widgets import Button

from mastery.states import Rating, RatingChoice

_NAMES = {r.value: r.label for r in Rating}


class RatingButton(Button, can_focus=False):
    """Keys 1-4 answer; the buttons only show the choice (and take mouse clicks)."""


class RatingBar(Horizontal):
    """Shows the four choices; posts `RatingBar.Rated` when one is clicked."""

    class Rated(Message):
        def __init__(self, rating: int) -> None:
            super().__init__()
            self.rating = rating

    def compose(self) -> ComposeResult:
        for rating, name in _NAMES.items():
            yield RatingButton(
                self._label(rating, name, ""),
                id=f"rating-{rating}",
                classes=f"rating-{rating}",
                compact=True,
            )

    def show_choices(self, choices: Sequence[RatingChoice]) -> None:
        for choice in choices:
            button = self.query_one(f"#rating-{choice.rating}", RatingButton)
            button.label = self._label(choice.rating, choice.name, choice.label)

    def show_cram(self) -> None:
        """No intervals in a cram session: Again brings the card back soon, the rest are done
        with it for this session."""
        for rating, name in _NAMES.items():
            button = self.query_one(f"#rating-{rating}", RatingButton)
            button.label = self._label(rating, name, "soon" if rating == Rating.AGAIN else "done")

    @staticmethod
    def _label(rating: int, name: str, interval: str) -> Content:
        return Content.assemble((f"{rating} ", "dim"), (name, "bold"), f" {interval}".rstrip())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id and event.button.id.startswith("rating-"):
            self.post_message(self.Rated(int(event.button.id.removeprefix("rating-"))))
