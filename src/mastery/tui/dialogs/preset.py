"""Choosing a deck's preset (Anki's deck options): the presets with their daily limits, the
deck's own marked; Enter picks one, Escape keeps the deck as it is."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from mastery.model import PresetView
from mastery.tui.dialogs import MENTOR_CSS
from mastery.tui.screens.base import MasteryModal


class PresetScreen(MasteryModal):
    """Pick a preset for one deck; dismisses with the preset's id, or None."""

    CSS_PATH = MENTOR_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="preset-cancel")]

    def __init__(self, deck_name: str, presets: list[PresetView], current: int) -> None:
        super().__init__()
        self.deck_name = deck_name
        self.presets = presets
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="mentor-dialog"):
            yield Static(
                Content.assemble("Preset for ", (self.deck_name, "bold")),
                classes="dialog-title",
            )
            yield OptionList(
                *(
                    Option(
                        Content.assemble(
                            ("● " if p.id == self.current else "  ", "$text-accent"),
                            p.name,
                            (
                                f"  {p.values['new_per_day']} new, "
                                f"{p.values['reviews_per_day']} reviews a day, "
                                f"retention {p.values['desired_retention']:.2f}",
                                "$text-muted",
                            ),
                        ),
                        id=f"preset-{p.id}",
                    )
                    for p in self.presets
                ),
                id="preset-list",
            )
            yield Static(
                "Enter chooses. Presets are added, renamed and edited on the Settings screen (s).",
                classes="dialog-hint",
                markup=False,
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        options = self.query_one("#preset-list", OptionList)
        ids = [p.id for p in self.presets]
        options.highlighted = ids.index(self.current) if self.current in ids else 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int((event.option.id or "preset-1").removeprefix("preset-")))

    def action_cancel(self) -> None:
        self.dismiss(None)
