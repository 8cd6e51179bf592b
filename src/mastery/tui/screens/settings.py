"""Settings, built from `mastery.settings.SETTINGS`: the profile's saved through
`Collection.set_setting`, the deck-preset ones (marked †) through `Presets.edit` for the preset
chosen at the top, which is also where presets are added, renamed and removed.

Switches and selects save on change; text boxes save on Enter or when focus leaves them. A value
the domain refuses is reported with the reason, nothing is saved, and the box shows the stored
value again (marked until the next good save), so what is on screen is what is in force.
"""

from __future__ import annotations

from typing import Any, Literal

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Button, Footer, Header, Input, Select, Static, Switch

from mastery.errors import MasteryError, NotFoundError
from mastery.model import PresetView
from mastery.settings import SETTINGS, SettingSpec, as_text
from mastery.srs.presets import DEFAULT_PRESET, PRESET_KEYS
from mastery.tui.dialogs.name import NameScreen
from mastery.tui.dialogs.yes_no import YesNoScreen
from mastery.tui.screens.base import MasteryScreen

PRESET_CHOOSER = "settings-preset"


def _help(spec: SettingSpec) -> str:
    """The setting's help, with what it allows for values typed in a box (numbers, steps)."""
    if spec.kind in (int, float, list, tuple):
        return f"{spec.help} ({spec.allowed})"
    return spec.help


class SettingsScreen(MasteryScreen):
    """Every setting with its label and help, edited in place; the † ones for one preset."""

    AREA = "settings"
    SUB_TITLE = "Settings"
    BINDINGS = [
        # ctrl+ keys: letters would land in the text boxes.
        Binding("ctrl+o", "app.optimize", "Optimize FSRS", id="settings-optimize"),
        Binding("ctrl+t", "new_preset", "New preset…", show=False, id="settings-preset-new"),
        Binding(
            "ctrl+r", "rename_preset", "Rename preset…", show=False, id="settings-preset-rename"
        ),
        Binding(
            "ctrl+g", "remove_preset", "Remove preset…", show=False, id="settings-preset-remove"
        ),
        Binding("escape", "leave", "Back", id="settings-leave"),
    ]

    def __init__(self) -> None:
        super().__init__(id="settings")
        self._leaving = False
        self.preset_id = DEFAULT_PRESET
        """The preset whose values the † settings show and edit."""
        self._in_chooser: list[tuple[str, int]] = []
        """The presets the chooser lists (names and ids), to redraw it only when they change."""
        self._given: dict[str, str] = {}
        """Each text box's text as this screen last put it there: a box still holding it was
        not typed in, so leaving it saves nothing (another window may have changed the
        value since)."""

    def compose(self) -> ComposeResult:
        values = {**self.col.settings(), **self._preset().values}
        yield Header()
        yield Static(
            "Tab moves between settings. Changes save at once; a text box saves on Enter or Tab.",
            id="settings-hint",
        )
        with VerticalScroll(id="settings-list"):
            yield Static(self._presets_text(), id="settings-presets", markup=False)
            with Horizontal(classes="setting"):
                with Vertical(classes="setting-text"):
                    yield Static("Preset †", classes="setting-label", markup=False)
                    yield Static(
                        "The preset whose settings (marked †) are shown and edited below.",
                        classes="setting-help",
                        markup=False,
                    )
                yield Select(
                    self._preset_options(),
                    value=self.preset_id,
                    allow_blank=False,
                    id=PRESET_CHOOSER,
                    compact=True,
                )
            with Horizontal(id="settings-preset-actions"):
                yield Button("New preset…  ctrl+t", id="settings-preset-new", compact=True)
                yield Button("Rename…  ctrl+r", id="settings-preset-rename", compact=True)
                yield Button("Remove…  ctrl+g", id="settings-preset-remove", compact=True)
            for spec in SETTINGS.values():
                with Horizontal(classes="setting"):
                    with Vertical(classes="setting-text"):
                        label = spec.label + (" †" if spec.key in PRESET_KEYS else "")
                        yield Static(label, classes="setting-label", markup=False)
                        yield Static(_help(spec), classes="setting-help", markup=False)
                    yield self._editor(spec, values[spec.key])
                if spec.key == "desired_retention":
                    yield Button(
                        "Help me decide (workload) and optimize FSRS…  ctrl+o",
                        id="settings-optimize-button",
                        compact=True,
                    )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._in_chooser = self._listed()
        for box in self.query(Input):
            if box.id and box.id.removeprefix("setting-") in SETTINGS:
                self._given[box.id] = box.value
        # Start in the first setting's box: the screen is for typing values.
        self.query_one("#setting-desired_retention", Input).focus()

    def refresh_data(self) -> None:
        """Settings or presets changed in another window or from the CLI (the app's poll):
        show them as stored now. A box being typed in keeps its text."""
        preset = self._preset()  # Default, said, if it was removed
        chooser = self.query_one(f"#{PRESET_CHOOSER}", Select)
        if self._listed() != self._in_chooser and not chooser.expanded:
            self._refresh_presets(preset.id, keep_typing=True)  # added, renamed or removed
        else:  # an open list is left alone: resetting it lost the user's place in it
            self.query_one("#settings-presets", Static).update(self._presets_text())
            self._refresh_preset_values(keep_typing=True)
        for key in SETTINGS:
            if key not in PRESET_KEYS:
                widget = self.query_one(f"#setting-{key}")
                self._show(widget, self.col.setting(key), keep_typing=True)

    def _preset(self) -> PresetView:
        """The chosen preset; the Default one (said, and shown) if another window removed it."""
        try:
            return self.col.presets.preset(self.preset_id)
        except NotFoundError:
            self.notify(
                "The preset shown was removed in another window; showing Default.",
                severity="warning",
            )
            self._refresh_presets(DEFAULT_PRESET)
            return self.col.presets.preset(DEFAULT_PRESET)

    def _listed(self) -> list[tuple[str, int]]:
        return [(view.name, view.id) for view in self.col.presets.presets()]

    def _preset_options(self) -> list[tuple[Content, int]]:
        # Content, not str: a str prompt is read as markup, and preset names are user text.
        return [(Content(view.name), view.id) for view in self.col.presets.presets()]

    def _presets_text(self) -> str:
        """The presets and their decks, and what the † marks mean."""
        views = self.col.presets.presets()
        listed = "; ".join(
            f"{v.name} ({len(v.decks)} deck{'s' if len(v.decks) != 1 else ''}"
            + (f": {', '.join(v.decks[:3])}{'…' if len(v.decks) > 3 else ''}" if v.decks else "")
            + ")"
            for v in views
        )
        return (
            f"Deck presets: {listed}.\n"
            "Settings marked † belong to the preset chosen below (Default: every deck without "
            "a preset of its own); the others to the whole profile. Choose a deck's preset with "
            "o on the dashboard."
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
        return Input(as_text(value), type=kind, id=wid, placeholder=placeholder, compact=True)

    # ------------------------------------------------------------------ saving
    def _current(self, key: str) -> Any:
        """The value in force for this box: the chosen preset's for a † setting."""
        if key in PRESET_KEYS:
            return self._preset().values[key]
        return self.col.setting(key)

    def save(self, key: str, value: Any, widget: Widget) -> bool:
        """Store one value through the domain; on a refusal say why and show the stored one."""
        spec = SETTINGS[key]
        chosen = self.preset_id
        preset = self._preset() if key in PRESET_KEYS else None
        if preset is not None and preset.id != chosen:
            return False  # meant for a preset that is gone: never into another one
        try:
            if preset is not None:
                stored = self.col.presets.edit(preset.id, key, value)
            else:
                stored = self.col.set_setting(key, value)
        except MasteryError as exc:
            kept = self._current(key)
            self._show(widget, kept)
            widget.add_class("-invalid")
            self.notify(
                f"{exc}. Kept {as_text(kept) or '(empty)'}.",
                title=f"{spec.label}: not saved",
                severity="error",
                markup=False,
            )
            return False
        widget.remove_class("-invalid")
        self._show(widget, stored)
        where = f" (preset {preset.name})" if preset is not None and not preset.default else ""
        self.notify(
            f"{spec.label}{where}: {as_text(stored) or '(empty)'}",
            title="Saved",
            markup=False,
            timeout=2,
        )
        return True

    def _show(self, widget: Widget, value: Any, *, keep_typing: bool = False) -> None:
        """Put a value in its editor (a Switch or Select changed here saves nothing: it holds
        the value in force, which the change handlers compare with); with `keep_typing`, a
        text box being typed in is left as it is."""
        if isinstance(widget, Input):
            given = self._given.get(widget.id or "")
            if keep_typing and widget.has_focus and given is not None and widget.value != given:
                return  # typed and not saved yet: Enter or Tab will save it
            widget.value = self._given[widget.id or ""] = as_text(value)
            widget.cursor_position = len(widget.value)  # typing goes on from the end
        elif isinstance(widget, Switch):
            widget.value = bool(value)
        elif isinstance(widget, Select):
            widget.value = value

    def _save_input(self, widget: Input) -> None:
        key = (widget.id or "").removeprefix("setting-")
        if key not in SETTINGS:
            return
        typed, chosen = widget.value, self.preset_id
        if typed == self._given.get(widget.id or ""):
            return  # not typed in: what it holds may be older than another window's change
        if typed.strip() == as_text(self._current(key)) or self.preset_id != chosen:
            return  # unchanged, or meant for a preset removed meanwhile
        self.save(key, typed, widget)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._save_input(event.input)

    def on_input_blurred(self, event: Input.Blurred) -> None:
        if not self._leaving:  # leaving saves first; the blur that follows must not repeat it
            self._save_input(event.input)

    def on_switch_changed(self, event: Switch.Changed) -> None:
        key = (event.switch.id or "").removeprefix("setting-")
        chosen = self.preset_id
        if key in SETTINGS and event.value != self._current(key) and self.preset_id == chosen:
            self.save(key, event.value, event.switch)

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == PRESET_CHOOSER:
            if isinstance(event.value, int) and event.value != self.preset_id:
                self._choose(event.value)
            return
        key = (event.select.id or "").removeprefix("setting-")
        if key not in SETTINGS or event.value == Select.NULL:
            return
        chosen = self.preset_id
        if event.value != self._current(key) and self.preset_id == chosen:
            self.save(key, event.value, event.select)

    # ------------------------------------------------------------------ presets
    def _choose(self, preset_id: int) -> None:
        """Show (and from now on edit) this preset's values in the † boxes."""
        self.preset_id = preset_id
        self._refresh_preset_values()

    def _refresh_preset_values(self, *, keep_typing: bool = False) -> None:
        values = self._preset().values
        for key in PRESET_KEYS:
            widget = self.query_one(f"#setting-{key}")
            widget.remove_class("-invalid")
            self._show(widget, values[key], keep_typing=keep_typing)

    def _refresh_presets(self, chosen: int, *, keep_typing: bool = False) -> None:
        """After an add, rename or remove: the list, the chooser and the † values."""
        self.preset_id = chosen
        self.query_one("#settings-presets", Static).update(self._presets_text())
        chooser = self.query_one(f"#{PRESET_CHOOSER}", Select)
        with chooser.prevent(Select.Changed):
            chooser.set_options(self._preset_options())
            self._in_chooser = self._listed()
            chooser.value = chosen
        self._refresh_preset_values(keep_typing=keep_typing)

    def action_new_preset(self) -> None:
        """A new preset, a copy of the one shown; it is then the one edited."""
        source = self._preset()

        def added(view: PresetView | None) -> None:
            if view is not None:
                self._refresh_presets(view.id)
                self.notify(
                    f"Preset {view.name} added, a copy of {source.name}. Give a deck this "
                    "preset with o on the dashboard.",
                    title="Saved",
                    markup=False,
                )

        self.app.push_screen(
            NameScreen(
                f"New preset (a copy of {source.name})",
                "Enter adds it; Escape cancels.",
                lambda name: self.col.presets.add(name, copy_of=source.id),
            ),
            added,
        )

    def action_rename_preset(self) -> None:
        preset = self._preset()
        if preset.default:
            self.notify("The Default preset keeps its name.", severity="warning")
            return

        def renamed(view: PresetView | None) -> None:
            if view is not None:
                self._refresh_presets(view.id)
                self.notify(f"Renamed to {view.name}.", title="Saved", markup=False)

        self.app.push_screen(
            NameScreen(
                f"Rename preset {preset.name}",
                "Enter renames it; Escape cancels.",
                lambda name: self.col.presets.rename(preset.id, name),
                value=preset.name,
            ),
            renamed,
        )

    def action_remove_preset(self) -> None:
        preset = self._preset()
        if preset.default:
            self.notify("The Default preset cannot be removed.", severity="warning")
            return
        decks = len(preset.decks)
        moved = (
            f" Its {decks} deck{'s go' if decks != 1 else ' goes'} back to Default."
            if decks
            else ""
        )

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            with self.domain_errors():
                self.col.presets.remove(preset.id)
                self._refresh_presets(DEFAULT_PRESET)
                self.notify(f"Preset {preset.name} removed.{moved}", markup=False)

        self.app.push_screen(
            YesNoScreen(Content.assemble("Remove preset ", (preset.name, "bold"), f"?{moved}")),
            answered,
        )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {
            "settings-optimize-button": self.app.action_optimize,
            "settings-preset-new": self.action_new_preset,
            "settings-preset-rename": self.action_rename_preset,
            "settings-preset-remove": self.action_remove_preset,
        }
        action = actions.get(event.button.id or "")
        if action is not None:
            event.stop()
            action()

    def on_screen_resume(self) -> None:
        """Back from the Optimize screen (it may set the desired retention or weights) or a dialog:
        show what is stored."""
        self.query_one("#settings-presets", Static).update(self._presets_text())
        self._refresh_preset_values()

    def action_leave(self) -> None:
        """Escape: save the text box being edited (if its value is good), then go back."""
        if isinstance(self.focused, Input):
            self._save_input(self.focused)
        self._leaving = True
        self.dismiss()
