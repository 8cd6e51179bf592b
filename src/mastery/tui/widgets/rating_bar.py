"""The four answer buttons, each labelled with the interval it would give ("3 Good 3d"), or in
a cram session with what it does there ("1 Again soon", "3 Good done")."""

from __future__ import annotations

from collections.abc import Sequence

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from mastery.states import Rating, RatingChoice

_NAMES = {r.value: r.label for r in Rating}
ACTIVE_EFFECT = 0.2  # seconds a clicked choice shows pressed, as Textual's `Button` does


class RatingButton(Static, can_focus=False):
    """Keys 1-4 answer; the buttons only show the choice (and take mouse clicks).

    A `Static` drawn as Textual's compact `Button` is, not a `Button`: the review screen is
    the first frame of `mastery review`, and `Button`'s stylesheet (7 KB of variants this bar
    never uses) was parsed and matched on every start (benchmarks/README.md, "Issue 15: the
    first frame")."""

    DEFAULT_CSS = """
    RatingButton {
        width: 1fr;
        height: 1;
        content-align: center middle;
        text-align: center;
        line-pad: 1;
        text-style: bold;
        color: $button-foreground;
        background: $surface;
        pointer: pointer;
        &.-active {
            tint: $background 30%;
        }
    }
    """

    class Pressed(Message):
        """A choice was clicked."""

        def __init__(self, button: RatingButton) -> None:
            super().__init__()
            self.button = button

    def __init__(self, label: Content, *, id: str, classes: str) -> None:
        super().__init__(label, id=id, classes=classes, markup=False)

    @property
    def label(self) -> Content:
        """The choice shown (`Button`'s name for it): the `Static`'s own content."""
        assert isinstance(self.content, Content)
        return self.content

    @label.setter
    def label(self, label: Content) -> None:
        self.update(label)

    def on_click(self, event: events.Click) -> None:
        event.stop()
        if self.has_class("-active"):
            return  # still showing the last click: a double click answers once
        self.add_class("-active")
        self.set_timer(ACTIVE_EFFECT, lambda: self.remove_class("-active"))
        self.post_message(self.Pressed(self))


class RatingBar(Horizontal):
    """Shows the four choices; posts `RatingBar.Rated` when one is clicked."""

    class Rated(Message):
        def __init__(self, rating: int) -> None:
            super().__init__()
            self.rating = rating

    def compose(self) -> ComposeResult:
        for rating, name in _NAMES.items():
            yield RatingButton(
                self._label(rating, name, ""), id=f"rating-{rating}", classes=f"rating-{rating}"
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

    def on_rating_button_pressed(self, event: RatingButton.Pressed) -> None:
        event.stop()
        if event.button.id and event.button.id.startswith("rating-"):
            self.post_message(self.Rated(int(event.button.id.removeprefix("rating-"))))
