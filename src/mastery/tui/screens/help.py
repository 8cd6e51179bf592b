"""The keys of the screen underneath, read from its bindings (so keymaps and the footer agree),
with each binding's id: what a keymap in config.toml names."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from mastery.tui.screens.base import MasteryModal


def screen_keys(screen: Screen) -> list[tuple[str, str, bool, str]]:
    """(keys, description, enabled now, binding ids) for Mastery's own bindings active on
    `screen`: the screen's first, then the focused widget's, then the app's. The ids are what
    a keymap in config.toml names (tui/config.py).

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
    ids: dict[tuple[int, str, str], list[str]] = {}
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
        if binding.id and binding.id not in ids.setdefault(group, []):
            ids[group].append(binding.id)
    rows = [
        (" ".join(keys), desc, on, " ".join(ids[group]))
        for group, (keys, desc, on) in sorted(groups.items(), key=lambda item: item[0][0])
    ]
    palette = app.get_key_display(Binding(app.COMMAND_PALETTE_BINDING, ""))
    rows.append((palette, "Command palette: every action, themes", True, ""))
    return rows


class HelpScreen(MasteryModal):
    """`?` over any screen; Escape or `?` closes it."""

    BINDINGS = [Binding("escape,question_mark,q", "close", "Close", id="help-close")]

    def __init__(self, under: Screen) -> None:
        super().__init__(id="help")
        self.under = under

    def compose(self) -> ComposeResult:
        rows = screen_keys(self.under)
        width = max(len(keys) for keys, _, _, _ in rows) + 2
        desc_width = max(len(desc) for _, desc, _, ids in rows if ids) + 2

        def line(keys: str, desc: str, on: bool, ids: str | None) -> Content:
            """One key's row; `ids` None leaves the keymap ids out (two columns in 80)."""
            return Content.assemble(
                (keys.ljust(width), "bold $text-accent" if on else "dim"),
                (desc if ids is None else desc.ljust(desc_width), "" if on else "dim"),
                (ids or "", "dim"),
            )

        lines = [line(keys, desc, on, ids) for keys, desc, on, ids in rows]
        short = [line(keys, desc, on, None) for keys, desc, on, _ in rows]
        self.ids_shown = True
        self._box_width: int | None = None
        area = getattr(self.under, "AREA", "") or "mastery"
        about = getattr(self.under, "HELP_TEXT", None)  # a screen's own notes (filters...)
        with VerticalScroll(id="help-box"):
            yield Static(Content.assemble(("Keys: ", "bold"), (area, "bold")), id="help-title")
            if about:
                yield Static(
                    about if isinstance(about, Content) else Content(about), id="help-about"
                )
            # Two columns when one would not fit the terminal (the dashboard at 80x24), so
            # every key stays in sight without scrolling; the keymap ids go where they fit.
            room = self.app.size.height - 9 - (3 if about else 0)
            if len(lines) > room and self.app.size.width >= 78:
                wide = 2 * max(line.cell_length for line in lines) + 12 <= self.app.size.width
                shown = lines if wide else short
                self.ids_shown = wide
                self.add_class("-two-columns")
                if wide:
                    self._box_width = 2 * max(line.cell_length for line in lines) + 10
                half = (len(shown) + 1) // 2
                with Horizontal(id="help-columns"):
                    yield Static(Content("\n").join(shown[:half]), id="help-keys")
                    yield Static(Content("\n").join(shown[half:]), id="help-keys-2")
            else:
                yield Static(Content("\n").join(lines), id="help-keys")
            dimmed = any(not on for _, _, on, _ in rows)
            hint = "Dimmed keys are not available right now.  " if dimmed else ""
            ids = (
                "On the right: the ids a keymap names."
                if self.ids_shown
                else "The ids a keymap names show in a wider terminal (README: Theme and keymap)."
            )
            yield Static(Content(f"{hint}Esc closes this. {ids}"), id="help-hint")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if self._box_width is not None:
            self.query_one("#help-box").styles.width = self._box_width

    def action_close(self) -> None:
        self.dismiss()
