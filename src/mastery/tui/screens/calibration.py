"""The Calibration screen: how well you know what you know, and how well FSRS knows it.

Every figure comes from `mastery.calibration.calibration`; this screen only lays it out:
recall per confidence level, the over/under-confidence score overall, per deck and over time,
the cards answered "certain" and then failed (Enter opens one), and FSRS's predicted recall
against actual recall. The figures are computed in a worker on a connection of its own: on a
profile with a million reviews they take about a second, and the screen must not freeze.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from mastery import present as fmt
from mastery.calibration import Calibration, calibration, deck_choices
from mastery.collection import Collection
from mastery.errors import MasteryError
from mastery.tui.screens.base import MasteryScreen
from mastery.tui.widgets.calibration_chart import (
    card_ref,
    level_rows,
    miss_widths,
    period_rows,
    reliability_rows,
    score_line,
    score_rows,
)
from mastery.tui.widgets.table import KeyTable

EMPTY = (
    "No answers with a confidence yet. Turn on the confidence step in Settings (press s, "
    '"Confidence step"), then before each answer is revealed press j unsure, k fairly sure '
    "or l certain. After a few sessions this screen shows how often each was right."
)
EMPTY_DECK = "No answers with a confidence in this deck yet (d switches deck)."
ALL_DECKS = "All decks"


class CalibrationScreen(MasteryScreen):
    """Calibration of the learner and of FSRS, for all decks or one (`d` switches)."""

    AREA = "calibration"
    SUB_TITLE = "Calibration"
    BINDINGS = [
        Binding("d", "deck(1)", "Deck", id="calibration-next-deck"),
        Binding("D", "deck(-1)", "Previous deck", show=False, id="calibration-previous-deck"),
        Binding("w", "toggle_period", "Weeks/months", id="calibration-period"),
        Binding("enter", "card_info", "Card info", id="calibration-card-info"),
        Binding("s", "settings", "Settings", id="calibration-settings"),
        Binding("r", "refresh", "Refresh", show=False, id="calibration-refresh"),
        Binding("escape", "leave", "Back", id="calibration-leave"),
    ]

    class Computed(Message):
        """The worker's figures for `deck_key` and `period`."""

        def __init__(self, result: Calibration) -> None:
            super().__init__()
            self.result = result

    class Failed(Message):
        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    def __init__(self, deck_key: str | None = None) -> None:
        super().__init__(id="calibration")
        self.deck_key = deck_key
        self.period = "month"
        self.result: Calibration | None = None
        self._decks: list[tuple[str, str]] = []
        self._stale = True  # recompute when the screen is shown next

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="calibration-body"):
            yield Static(id="calibration-title")
            yield Static(id="calibration-empty", classes="calibration-note")
            with Vertical(id="calibration-learner"):
                yield Static(
                    Content.styled("How sure you were, against how often you recalled", "bold"),
                    classes="calibration-head",
                )
                yield Static(id="calibration-levels")
                yield Static(id="calibration-score")
                yield Static(Content.styled("Per deck", "bold"), classes="calibration-head")
                yield Static(id="calibration-decks")
                yield Static(id="calibration-periods-head", classes="calibration-head")
                yield Static(id="calibration-periods")
                yield Static(
                    Content.styled('Answered "certain", then Again', "bold"),
                    classes="calibration-head",
                )
                yield KeyTable(id="calibration-misses")
                yield Static(id="calibration-misses-none", classes="calibration-note")
            yield Static(
                Content.styled("FSRS: predicted recall against your recall", "bold"),
                classes="calibration-head",
            )
            yield Static(id="calibration-model")
            yield Static(id="calibration-model-summary", classes="calibration-note")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#calibration-body").focus()

    def on_resize(self, event: events.Resize) -> None:
        # Card ids are cut to the width: wider, they may now show whole.
        if self.result is not None and self.result.certain_misses:
            self._show_misses(self.result)

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Shown first, or back from Settings (the confidence step may now be on): recompute.
        # Back from a card's info, nothing changed: keep the figures and the table's cursor.
        if self._stale:
            self._stale = False
            self.action_refresh()

    # ------------------------------------------------------------------ data
    def action_refresh(self) -> None:
        """Recompute the figures in a worker; the title says so meanwhile."""
        with self.domain_errors():
            self._decks = deck_choices(self.col)
        if self.deck_key is not None and self.deck_key not in dict(self._decks):
            self.deck_key = None
        self._title(computing=True)
        self._compute(self.col.db.path, self.deck_key, self.period)

    @work(thread=True, exclusive=True, exit_on_error=False, group="calibration")
    def _compute(self, db_path: Path, deck_key: str | None, period: str) -> None:
        """Compute on a connection of its own (SQLite connections stay in their thread)."""
        try:
            with Collection.open_path(db_path) as col:
                result = calibration(col, now=self.now(), deck_key=deck_key, period=period)
        except (MasteryError, OSError) as exc:
            self.post_message(self.Failed(str(exc)))
            return
        self.post_message(self.Computed(result))

    def on_calibration_screen_computed(self, message: Computed) -> None:
        result = message.result
        if result.deck_key != self.deck_key or result.period != self.period:
            return  # the learner switched again meanwhile; that worker's result follows
        self.result = result
        self._show()

    def on_calibration_screen_failed(self, message: Failed) -> None:
        self.notify(message.error, title="Error", severity="error", markup=False)
        self._title()

    # ------------------------------------------------------------------ showing
    def _deck_name(self) -> str:
        return dict(self._decks).get(self.deck_key or "", ALL_DECKS)

    def _title(self, *, computing: bool = False) -> None:
        parts: list[Content | str | tuple[str, str]] = [(self._deck_name(), "bold")]
        if computing:
            parts.append(" · computing…")
        elif self.result is not None:
            parts.append(f" · {fmt.plural(self.result.answers, 'answer')} with a confidence")
        if self._decks:
            parts.append(Content.styled("   d: deck", "dim"))
        self.query_one("#calibration-title", Static).update(Content.assemble(*parts))

    def _show(self) -> None:
        result = self.result
        if result is None:
            return
        self._title()
        has_answers = result.answers > 0
        self.query_one("#calibration-learner").display = has_answers
        empty = self.query_one("#calibration-empty", Static)
        empty.display = not has_answers
        empty.update(Content(EMPTY if self.deck_key is None else EMPTY_DECK))
        if has_answers:
            self._show_learner(result)
        self._show_model(result)
        self.refresh_bindings()

    def _show_learner(self, result: Calibration) -> None:
        self.query_one("#calibration-levels", Static).update(level_rows(result.levels))
        self.query_one("#calibration-score", Static).update(score_line("Overall", result.score))
        self.query_one("#calibration-decks", Static).update(
            score_rows([(d.deck_name, d.score) for d in result.decks])
        )
        unit = "week" if result.period == "week" else "month"
        self.query_one("#calibration-periods-head", Static).update(
            Content.assemble(
                (f"Over time, by {unit}", "bold"),
                (f"   w: by {'month' if unit == 'week' else 'week'}", "dim"),
            )
        )
        self.query_one("#calibration-periods", Static).update(period_rows(result.periods))
        self._show_misses(result)
        none = self.query_one("#calibration-misses-none", Static)
        none.display = not result.certain_misses
        none.update(Content('None: every card you were "certain" of, you recalled.'))

    def _show_misses(self, result: Calibration) -> None:
        """The certain-then-Again table, its columns sized to the terminal: whole card ids
        when they fit beside the fronts, cut where they do not (`chart.miss_widths`)."""
        misses = result.certain_misses
        agains = [f"{miss.failed} of {miss.certain}" for miss in misses]
        # The body's padding and its scrollbar take four cells.
        card, again, front = miss_widths(
            self.app.size.width - 4, [miss.ref for miss in misses], agains
        )
        table = self.query_one("#calibration-misses", KeyTable)
        row = table.cursor_row
        table.clear(columns=True)
        table.add_column("Card", key="card", width=card)
        table.add_column(Text("Again", justify="right"), key="again", width=again)
        table.add_column("Front", key="front", width=front)
        for miss, times in zip(misses, agains, strict=True):
            table.add_row(
                Text(card_ref(miss.deck_key, miss.ref, card)),
                Text(times, justify="right"),
                Text(fmt.excerpt(miss.front, front)),
                key=str(miss.card_id),
            )
        if misses:
            table.move_cursor(row=min(row, len(misses) - 1))
        table.display = bool(misses)

    def _show_model(self, result: Calibration) -> None:
        model = result.model
        chart = self.query_one("#calibration-model", Static)
        chart.display = model.answers > 0
        if model.answers:
            chart.update(reliability_rows(model.bins))
        figures = ""
        if model.log_loss is not None and model.calibration_rmse is not None:
            figures = (
                f"\n{model.answers:,} reviews · log loss {model.log_loss:.3f} · "
                f"calibration RMSE {model.calibration_rmse:.1%} (stored states, every review "
                "the same weight: not Anki's Evaluate, which the Optimize screen shows)"
            )
        self.query_one("#calibration-model-summary", Static).update(
            Content(model.summary + figures)
        )

    # ------------------------------------------------------------------ actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "deck":
            return bool(self._decks)
        if action == "card_info":
            return self.result is not None and bool(self.result.certain_misses)
        if action == "toggle_period":
            return self.result is not None and self.result.answers > 0
        return True

    def action_deck(self, step: int) -> None:
        """Cycle: all decks, then each deck by name, then all decks again."""
        keys: list[str | None] = [None, *(key for key, _ in self._decks)]
        index = keys.index(self.deck_key) if self.deck_key in keys else 0
        self.deck_key = keys[(index + step) % len(keys)]
        self.action_refresh()

    def action_toggle_period(self) -> None:
        self.period = "week" if self.period == "month" else "month"
        self.action_refresh()

    def action_card_info(self) -> None:
        from mastery.tui.screens.card_info import CardInfoScreen

        key = self.query_one("#calibration-misses", KeyTable).cursor_key
        if key is not None:
            self.app.push_screen(CardInfoScreen(int(key)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """A click on a row opens that card, as Enter does."""
        if event.row_key.value is not None:
            from mastery.tui.screens.card_info import CardInfoScreen

            self.app.push_screen(CardInfoScreen(int(event.row_key.value)))

    def action_settings(self) -> None:
        """Settings over this screen; Escape there comes back here, recomputed."""
        from mastery.tui.screens.settings import SettingsScreen

        self._stale = True
        self.app.push_screen(SettingsScreen())

    def action_leave(self) -> None:
        self.app.pop_screen()
