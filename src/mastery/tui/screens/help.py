"""The keys of the screen underneath, read from its bindings (so keymaps and the footer agree)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from mastery.tui.screens.base import MasteryModal


def screen_keys(screen: Screen) -> list[tuple[str, str, bool]]:
    """(keys, description, enabled now) for Mastery's own bindings active on `screen`: the
    screen's first, then the focused widget's, then the app's.

    Textual's built-in bindings (focus cycling, scrolling, copy) are left out: they work as
    everywhere else and would bury the keys that matter here."""
    app = screen.app
    ours = {
        binding.id
        for node in (screen, screen.focused, app)
        if node is not None
        for binding in Binding.make_bindings(getattr(type(node), "BINDINGS", []))
        if binding.id
    }
    groups: dict[tuple[int, str, str], tuple[list[str], str, bool]] = {}
    for active in screen.active_bindings.values():
        binding, node = active.binding, active.node
        if binding.id not in ours or not binding.description:
            continue
        rank = 0 if node is screen else 2 if isinstance(node, App) else 1
        group = (rank, binding.action, binding.description)  # q and ^q: one row
        keys, _, enabled = groups.get(group, ([], binding.description, False))
        display = app.get_key_display(binding)
        if display not in keys:
            keys.append(display)
        groups[group] = (keys, binding.description, enabled or active.enabled)
    rows = [
        (" ".join(keys), desc, on)
        for _, (keys, desc, on) in sorted(groups.items(), key=lambda item: item[0][0])
    ]
    palette = app.get_key_display(Binding(app.COMMAND_PALETTE_BINDING, ""))
    rows.append((palette, "Command palette: every action, themes", True))
    return rows


class HelpScreen(MasteryModal):
    """`?` over any screen; Escape or `?` closes it."""

    BINDINGS = [Binding("escape,question_mark,q", "close", "Close", id="help-close")]

    def __init__(self, under: Screen) -> None:
        super().__init__(id="help")
        self.under = under

    def compose(self) -> ComposeResult:
        rows = screen_keys(self.under)
        width = max(len(keys) for keys, _, _ in rows) + 2
        lines = [
            Content.assemble(
                (keys.ljust(width), "bold $text-accent" if on else "dim"),
                (desc, "" if on else "dim"),
            )
            for keys, desc, on in rows
        ]
        area = getattr(self.under, "AREA", "") or "mastery"
        about = getattr(self.under, "HELP_TEXT", None)  # a screen's own notes (filters...)
        with VerticalScroll(id="help-box"):
            yield Static(Content.assemble(("Keys: ", "bold"), (area, "bold")), id="help-title")
            if about:
                yield Static(
                    about if isinstance(about, Content) else Content(about), id="help-about"
                )
            # Two columns when one would not fit the terminal (the dashboard at 80x24): every
            # key stays in sight without scrolling.
            room = self.app.size.height - 9 - (3 if about else 0)
            if len(lines) > room and self.app.size.width >= 78:
                half = (len(lines) + 1) // 2
                self.add_class("-two-columns")
                with Horizontal(id="help-columns"):
                    yield Static(Content("\n").join(lines[:half]), id="help-keys")
                    yield Static(Content("\n").join(lines[half:]), id="help-keys-2")
            else:
                yield Static(Content("\n").join(lines), id="help-keys")
            dimmed = any(not on for _, _, on in rows)
            hint = "Dimmed keys are not available right now.  " if dimmed else ""
            yield Static(Content(hint + "Esc closes this."), id="help-hint")
        yield Footer(compact=True)

    def action_close(self) -> None:
        self.dismiss()
