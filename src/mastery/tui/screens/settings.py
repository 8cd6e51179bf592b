"""Settings, built from `mastery.settings.SETTINGS` and saved through `Collection.set_setting`.

Switches and selects save on change; text boxes save on Enter or when focus leaves them. A value
the domain refuses is reported and nothing is saved.
"""

from __future__ import annotations

from typing import Any, Literal

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Footer, Header, Input, Select, Static, Switch

from mastery.errors import MasteryError
from mastery.settings import SETTINGS, SettingSpec
from mastery.srs.presets import PRESET_KEYS
from mastery.tui.screens.base import MasteryScreen


def as_text(spec: SettingSpec, value: Any) -> str:
    """A setting's value as typed in a text box ("1m 10m" for steps)."""
    if spec.kind is list:
        return " ".join(value)
    if spec.kind is tuple:
        return " ".join(str(v) if isinstance(v, int) else f"{v:.4f}" for v in value)
    return str(value)


def _help(spec: SettingSpec) -> str:
    """The setting's help, with what it allows for values typed in a box (numbers, steps)."""
    if spec.kind in (int, float, list, tuple):
        return f"{spec.help} ({spec.allowed})"
    return spec.help


class SettingsScreen(MasteryScreen):
    """Every setting with its label and help, edited in place."""

    AREA = "settings"
    SUB_TITLE = "Settings"
    BINDINGS = [
        # ctrl+o: letters would land in the text boxes.
        Binding("ctrl+o", "app.optimize", "Optimise FSRS", id="settings-optimize"),
        Binding("escape", "leave", "Back", id="settings-leave"),
    ]

    def __init__(self) -> None:
        super().__init__(id="settings")
        self._leaving = False

    def compose(self) -> ComposeResult:
        values = self.col.settings()
        yield Header()
        yield Static(
            "Tab moves between settings. Changes save at once; a text box saves on Enter or Tab.",
            id="settings-hint",
        )
        with VerticalScroll(id="settings-list"):
            yield Static(self._presets_text(), id="settings-presets", markup=False)
            for spec in SETTINGS.values():
                with Horizontal(classes="setting"):
                    with Vertical(classes="setting-text"):
                        label = spec.label + (" †" if spec.key in PRESET_KEYS else "")
                        yield Static(label, classes="setting-label", markup=False)
                        yield Static(_help(spec), classes="setting-help", markup=False)
                    yield self._editor(spec, values[spec.key])
                if spec.key == "desired_retention":
                    yield Button(
                        "Help me decide (workload) and optimise FSRS…  ctrl+o",
                        id="settings-optimize-button",
                        compact=True,
                    )
        yield Footer(compact=True)

    def _presets_text(self) -> str:
        """The presets and their decks: the settings marked † below are the default preset's,
        which a deck on another preset does not follow."""
        views = self.col.presets.presets()
        listed = "; ".join(
            f"{v.name} ({len(v.decks)} deck{'s' if len(v.decks) != 1 else ''}"
            + (f": {', '.join(v.decks[:3])}{'…' if len(v.decks) > 3 else ''}" if v.decks else "")
            + ")"
            for v in views
        )
        return (
            f"Deck presets: {listed}.\n"
            "Settings marked † are the Default preset's, used by every deck without a preset "
            "of its own. Choose a deck's preset with o on the dashboard; add one with "
            "`mastery preset add NAME`."
        )

    @staticmethod
    def _editor(spec: SettingSpec, value: Any) -> Widget:
        wid = f"setting-{spec.key}"
        if spec.kind is bool:
            return Switch(bool(value), id=wid, animate=False)
        if spec.choices:
            return Select(
                [(c, c) for c in spec.choices], value=value, allow_blank=False, id=wid, compact=True
            )
        kind: Literal["integer", "number", "text"] = (
            "integer" if spec.kind is int else "number" if spec.kind is float else "text"
        )
        placeholder = "this computer's zone" if spec.key == "timezone" else ""
        return Input(as_text(spec, value), type=kind, id=wid, placeholder=placeholder, compact=True)

    # ------------------------------------------------------------------ saving
    def save(self, key: str, value: Any, widget: Widget) -> bool:
        """Store one value through the domain; on a refusal say why and keep the old value."""
        spec = SETTINGS[key]
        try:
            stored = self.col.set_setting(key, value)
        except MasteryError as exc:
            widget.add_class("-invalid")
            self.notify(str(exc), title=f"{spec.label}: not saved", severity="error", markup=False)
            return False
        widget.remove_class("-invalid")
        if isinstance(widget, Input):
            widget.value = as_text(spec, stored)
        self.notify(
            f"{spec.label}: {as_text(spec, stored) or '(empty)'}",
            title="Saved",
            markup=False,
            timeout=2,
        )
        return True

    def _save_input(self, widget: Input) -> None:
        key = (widget.id or "").removeprefix("setting-")
        if key not in SETTINGS:
            return
        if widget.value.strip() == as_text(SETTINGS[key], self.col.setting(key)):
            widget.remove_class("-invalid")
            return
        self.save(key, widget.value, widget)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._save_input(event.input)

    def on_input_blurred(self, event: Input.Blurred) -> None:
        if not self._leaving:  # leaving saves first; the blur that follows must not repeat it
            self._save_input(event.input)

    def on_switch_changed(self, event: Switch.Changed) -> None:
        key = (event.switch.id or "").removeprefix("setting-")
        if key in SETTINGS and event.value != self.col.setting(key):
            self.save(key, event.value, event.switch)

    def on_select_changed(self, event: Select.Changed) -> None:
        key = (event.select.id or "").removeprefix("setting-")
        if key in SETTINGS and event.value != Select.NULL and event.value != self.col.setting(key):
            self.save(key, event.value, event.select)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "settings-optimize-button":
            event.stop()
            self.app.action_optimize()

    def on_screen_resume(self) -> None:
        """Back from the optimiser: the desired retention may have been set there."""
        self.query_one("#settings-presets", Static).update(self._presets_text())
        box = self.query_one("#setting-desired_retention", Input)
        box.value = as_text(SETTINGS["desired_retention"], self.col.setting("desired_retention"))
        params = self.query_one("#setting-fsrs_parameters", Input)
        params.value = as_text(SETTINGS["fsrs_parameters"], self.col.setting("fsrs_parameters"))

    def action_leave(self) -> None:
        """Escape: save the text box being edited (if its value is good), then go back."""
        if isinstance(self.focused, Input):
            self._save_input(self.focused)
        self._leaving = True
        self.dismiss()
