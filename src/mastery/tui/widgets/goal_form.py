"""The fields of a goal, for adding one or editing it: the screen around it saves.

`GoalForm` only holds and shows values: `draft()` reads them as a `GoalDraft`, `show_error`
puts a message under a field (and marks it), `set_hint` writes the dim line beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Input, Select, SelectionList, Static, TextArea
from textual.widgets.selection_list import Selection

OWN_CATEGORY = "-own-"
FIELDS = ("title", "vision", "reality", "category", "target", "cadence", "decks", "milestones")


@dataclass(frozen=True)
class GoalDraft:
    """What the form holds, as typed (the domain checks and normalises it)."""

    title: str = ""
    vision: str = ""
    reality: str = ""
    category: str = "personal-mastery"
    target: str = ""
    cadence: str = ""
    decks: tuple[str, ...] = ()
    milestones: tuple[str, ...] = field(default=())


class GoalForm(VerticalScroll):
    """Labelled fields, one row each; `with_milestones=False` leaves the milestones out (an
    existing goal's milestones are added in its view)."""

    DEFAULT_CSS = """
    GoalForm {
        height: auto;
        max-height: 1fr;
    }
    GoalForm .form-row {
        height: auto;
    }
    GoalForm .form-label {
        width: 17;
        padding-right: 1;
        color: $text-muted;
    }
    GoalForm Input, GoalForm TextArea {
        width: 1fr;
        background: $boost;
    }
    GoalForm Input:focus, GoalForm TextArea:focus {
        background: $primary 20%;
    }
    GoalForm TextArea {
        height: 3;
    }
    GoalForm #goal-milestones {
        height: 4;
    }
    GoalForm Select {
        width: 26;
    }
    GoalForm #goal-category-own {
        display: none;
        margin-left: 1;
    }
    GoalForm.-own-category #goal-category-own {
        display: block;
    }
    GoalForm #goal-target, GoalForm #goal-cadence {
        width: 24;
    }
    GoalForm .form-hint {
        width: 1fr;
        padding-left: 1;
        color: $text-muted;
    }
    GoalForm .form-error {
        display: none;
        margin-left: 17;
        color: $text-error;
    }
    GoalForm .form-error.-shown {
        display: block;
    }
    GoalForm .-invalid, GoalForm .-invalid:focus {
        background: $error 30%;
    }
    GoalForm SelectionList {
        width: 1fr;
        height: auto;
        max-height: 4;
        background: $boost;
    }
    """

    def __init__(
        self,
        draft: GoalDraft,
        *,
        categories: Sequence[str],
        decks: Sequence[tuple[str, str]],
        with_milestones: bool = True,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._draft = draft
        self._categories = tuple(categories)
        self._decks = tuple(decks)
        self._with_milestones = with_milestones

    def compose(self) -> ComposeResult:
        d = self._draft
        own = d.category not in self._categories
        with self._row("Title"):
            yield Input(d.title, id="goal-title", placeholder="What you want", compact=True)
        with self._row("Vision"):
            yield TextArea(
                d.vision,
                id="goal-vision",
                compact=True,
                placeholder="Where you want to be, as if it were true",
            )
        with self._row("Current reality"):
            yield TextArea(
                d.reality,
                id="goal-reality",
                compact=True,
                placeholder="Where you are now, honestly",
            )
        with self._row("Category"):
            options = [(c.replace("-", " ").capitalize(), c) for c in self._categories]
            options.append(("Your own word…", OWN_CATEGORY))
            yield Select(
                options,
                value=OWN_CATEGORY if own else d.category,
                allow_blank=False,
                id="goal-category",
                compact=True,
            )
            yield Input(
                d.category if own else "",
                id="goal-category-own",
                compact=True,
                placeholder="e.g. health",
            )
        with self._row("Target date"):
            yield Input(d.target, id="goal-target", compact=True, placeholder="in 3 months")
            yield Static("", id="goal-target-hint", classes="form-hint", markup=False)
        yield Static("", id="goal-target-error", classes="form-error", markup=False)
        with self._row("Cadence"):
            yield Input(d.cadence, id="goal-cadence", compact=True, placeholder="every weekday")
            yield Static("", id="goal-cadence-hint", classes="form-hint", markup=False)
        yield Static("", id="goal-cadence-error", classes="form-error", markup=False)
        with self._row("Linked decks"):
            if self._decks:
                yield SelectionList[str](
                    *[
                        Selection(Content(f"{name} ({key})"), key, key in d.decks)
                        for key, name in self._decks
                    ],
                    id="goal-decks",
                    compact=True,
                )
            else:
                yield Static(
                    "No decks yet (import one with `mastery import FILE`).",
                    classes="form-hint",
                    markup=False,
                )
        if self._with_milestones:
            with self._row("First milestones"):
                yield TextArea(
                    "\n".join(d.milestones),
                    id="goal-milestones",
                    compact=True,
                    placeholder="One per line, in order",
                )

    @staticmethod
    def _row(label: str) -> Horizontal:
        row = Horizontal(classes="form-row")
        row.compose_add_child(Static(label, classes="form-label", markup=False))
        return row

    def on_mount(self) -> None:
        self._sync_own()

    def on_select_changed(self, event: Select.Changed) -> None:
        self._sync_own()

    def _sync_own(self) -> None:
        own = self.query_one("#goal-category", Select).value == OWN_CATEGORY
        self.set_class(own, "-own-category")

    # ------------------------------------------------------------------ reading and showing
    def draft(self) -> GoalDraft:
        """The values as typed."""
        category = self.query_one("#goal-category", Select).value
        if category == OWN_CATEGORY:
            category = self.query_one("#goal-category-own", Input).value
        decks: tuple[str, ...] = ()
        if self._decks:
            decks = tuple(self.query_one("#goal-decks", SelectionList).selected)
        milestones: tuple[str, ...] = ()
        if self._with_milestones:
            text = self.query_one("#goal-milestones", TextArea).text
            milestones = tuple(line.strip() for line in text.splitlines() if line.strip())
        return GoalDraft(
            title=self.query_one("#goal-title", Input).value,
            vision=self.query_one("#goal-vision", TextArea).text,
            reality=self.query_one("#goal-reality", TextArea).text,
            category=str(category),
            target=self.query_one("#goal-target", Input).value,
            cadence=self.query_one("#goal-cadence", Input).value,
            decks=decks,
            milestones=milestones,
        )

    def field_widget(self, name: str) -> Widget:
        """The widget that edits `name` (one of `FIELDS`)."""
        if name == "category" and self.has_class("-own-category"):
            return self.query_one("#goal-category-own")
        return self.query_one(f"#goal-{name}")

    def show_error(self, name: str, message: str) -> None:
        """Say what is wrong under a field that has an error line (target, cadence), mark the
        field, and focus it."""
        widget = self.field_widget(name)
        widget.add_class("-invalid")
        for error in self.query(f"#goal-{name}-error").results(Static):
            error.update(message)
            error.add_class("-shown")
        widget.focus()

    def clear_error(self, name: str) -> None:
        self.field_widget(name).remove_class("-invalid")
        for error in self.query(f"#goal-{name}-error").results(Static):
            error.update("")
            error.remove_class("-shown")

    def set_hint(self, name: str, text: str) -> None:
        """The dim line beside a field (the target date as understood)."""
        for hint in self.query(f"#goal-{name}-hint").results(Static):
            hint.update(text)
