"""Choosing a card's flag (`f` in review and the browser): Anki's seven colours, 0 for none.

Anki flags with ctrl+1..7; most terminals send ctrl+digit as the digit alone, and 1-4 answer
cards, so here `f` opens this choice and a digit picks (ctrl+1..7 work too where the terminal
tells them apart). `flag_label` is how a flag shows in the review header and the browser.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Footer, Static

from mastery.states import Flag
from mastery.tui.screens.base import MasteryModal

COLOURS = {
    Flag.RED: "#e5484d",
    Flag.ORANGE: "#f76b15",
    Flag.GREEN: "#30a46c",
    Flag.BLUE: "#3e8ef7",
    Flag.PINK: "#e93d82",
    Flag.TURQUOISE: "#12a594",
    Flag.PURPLE: "#8e4ec6",
}
"""Anki's flag colours, readable on dark and light themes."""

MARK = "★"
FLAG = "⚑"


def flag_content(flag: Flag, marked: bool = False) -> Content:
    """ "⚑ red" in its colour, then "★" when marked (the review header: short, so that a
    long deck name, the counts and the progress still fit in 80 columns)."""
    parts: list[str | tuple[str, str]] = []
    if flag:
        parts.append((f"{FLAG} {flag.label}", f"bold {COLOURS[flag]}"))
    if marked:
        parts += [" " if parts else "", (MARK, "bold $text-warning")]
    return Content.assemble(*parts)


def flag_cell(flag: Flag, marked: bool) -> Text:
    """Two cells for a table row: the flag in its colour, then ★ when marked."""
    text = Text(FLAG if flag else " ", style=COLOURS.get(flag, ""))
    text.append(MARK if marked else " ", style="bold yellow")
    return text


class FlagScreen(MasteryModal):
    """Dismisses with the flag chosen (0: none), or None on Escape."""

    BINDINGS = [
        *(
            Binding(str(f.value), f"pick({f.value})", f.label.capitalize(), show=False)
            for f in Flag
        ),
        Binding("escape,f", "cancel", "Cancel", id="flag-cancel"),
    ]

    def __init__(self, current: Flag) -> None:
        super().__init__(id="flag-picker")
        self.current = current

    def compose(self) -> ComposeResult:
        rows: list[Content] = []
        for flag in Flag:
            if flag is Flag.NONE:
                continue
            now = "  (now)" if flag is self.current else ""
            rows.append(
                Content.assemble(
                    (f" {flag.value} ", "bold $text-accent"),
                    (f"{FLAG} {flag.label}", COLOURS[flag]),
                    now,
                )
            )
        rows.append(Content.assemble((" 0 ", "bold $text-accent"), "no flag"))
        with Vertical(id="flag-box"):
            yield Static(Content("Flag the card"), classes="dialog-title")
            yield Static(Content("\n").join(rows))
        yield Footer(compact=True)

    def action_pick(self, flag: int) -> None:
        self.dismiss(flag)

    def action_cancel(self) -> None:
        self.dismiss(None)
