"""FSRS optimisation and the workload simulator ("help me decide"), reached from Settings.

Fitting and simulating run in worker threads on connections of their own (SQLite connections
belong to one thread), reporting progress to the bar; applying the weights happens here, on the
app's connection, except a reschedule, which can take seconds on a big profile.
"""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Checkbox, Footer, Header, ProgressBar, Select, Static

from mastery import optimize
from mastery.collection import Collection
from mastery.errors import MasteryError
from mastery.optimize import Evaluation, OptimizeResult, WorkloadPoint
from mastery.tui.screens.base import MasteryScreen
from mastery.tui.widgets.table import KeyTable

PROFILE = "__profile__"  # the scope selector's value for the whole profile
INTRO = (
    "FSRS predicts when you will forget a card from 21 weights. Fitting them to your own "
    f"reviews (at least {optimize.MIN_REVIEWS}) makes the predictions, and so your intervals, "
    "yours. Both weight sets are measured on the same reviews as Anki's Evaluate measures "
    "them (lower is better), then Anki's health check runs."
)
WORKLOAD_INTRO = (
    "A simulated year at each desired retention, with the weights in force: answers per day, "
    "minutes per day and the cards you would know at the end. Enter uses the highlighted "
    "retention."
)


class OptimizeScreen(MasteryScreen):
    """Fit FSRS to the learner's reviews, apply the weights, and weigh desired retentions."""

    AREA = "optimize"
    SUB_TITLE = "Optimise FSRS"
    AUTO_FOCUS = "#workload"
    DEFAULT_CSS = """
    OptimizeScreen #opt-body { height: 1fr; padding: 0 1; }
    OptimizeScreen .opt-head { text-style: bold; margin-top: 1; color: $text-accent; }
    OptimizeScreen .opt-intro { color: $text-muted; }
    OptimizeScreen #opt-controls { height: auto; margin-top: 1; }
    OptimizeScreen #opt-scope { width: 40; }
    OptimizeScreen #opt-reschedule { margin-left: 2; }
    OptimizeScreen #opt-progress-row { height: 1; margin-top: 1; }
    OptimizeScreen #opt-status { width: 1fr; margin-left: 1; }
    OptimizeScreen #opt-result { height: auto; margin-top: 1; }
    OptimizeScreen #workload { height: auto; max-height: 14; }
    """
    BINDINGS = [
        Binding("o", "optimize", "Optimise", id="optimize-run"),
        Binding("a", "apply", "Apply", id="optimize-apply"),
        Binding("e", "evaluate", "Evaluate", id="optimize-evaluate"),
        Binding("enter", "use_retention", "Use retention", id="optimize-use-retention"),
        Binding("d", "defaults", "Default weights", id="optimize-defaults"),
        Binding("escape", "leave", "Back", id="optimize-leave"),
    ]

    class Progress(Message):
        def __init__(self, fraction: float, what: str) -> None:
            super().__init__()
            self.fraction, self.what = fraction, what

    class Fitted(Message):
        def __init__(self, result: OptimizeResult | None, error: str | None) -> None:
            super().__init__()
            self.result, self.error = result, error

    class Evaluated(Message):
        def __init__(self, reviews: int, figures: Evaluation | None, error: str | None) -> None:
            super().__init__()
            self.reviews, self.figures, self.error = reviews, figures, error

    class Applied(Message):
        def __init__(self, rescheduled: int, error: str | None) -> None:
            super().__init__()
            self.rescheduled, self.error = rescheduled, error

    class Simulated(Message):
        def __init__(self, points: list[WorkloadPoint], error: str | None) -> None:
            super().__init__()
            self.points, self.error = points, error

    def __init__(self) -> None:
        super().__init__(id="optimize")
        self.result: OptimizeResult | None = None
        self.busy = False
        self.points: list[WorkloadPoint] = []

    def compose(self) -> ComposeResult:
        decks = []
        with self.domain_errors():
            decks = self.col.decks(now=self.now())
        yield Header()
        with VerticalScroll(id="opt-body"):
            yield Static("Fit FSRS to your reviews", classes="opt-head")
            yield Static(INTRO, classes="opt-intro")
            with Horizontal(id="opt-controls"):
                yield Select(
                    [("Whole profile", PROFILE)] + [(f"Deck: {d.label}", d.key) for d in decks],
                    value=PROFILE,
                    allow_blank=False,
                    id="opt-scope",
                    compact=True,
                )
                yield Checkbox("Reschedule cards when applying", id="opt-reschedule", compact=True)
            with Horizontal(id="opt-progress-row"):
                yield ProgressBar(total=1.0, show_eta=False, id="opt-progress")
                yield Static(id="opt-status", markup=False)
            yield Static(id="opt-result")
            yield Static("Help me decide: desired retention", classes="opt-head")
            yield Static(WORKLOAD_INTRO, classes="opt-intro")
            yield KeyTable(id="workload")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#workload", KeyTable)
        table.add_columns("retention", "answers/day", "min/day", "cards known", "answers/day")
        self._show_weights()
        self._simulate_now()

    # ------------------------------------------------------------------ helpers
    @property
    def scope(self) -> str | None:
        value = self.query_one("#opt-scope", Select).value
        return None if value in (PROFILE, Select.NULL) else str(value)

    def _status(self, text: str, fraction: float | None = None) -> None:
        self.query_one("#opt-status", Static).update(text)
        if fraction is not None:
            self.query_one("#opt-progress", ProgressBar).update(progress=fraction)

    def _show_weights(self) -> None:
        """Before a fit: which weights are in force for the chosen scope."""
        scope = self.scope
        if scope is not None and scope in self.col.decks_with_own_parameters():
            text = f"Deck {scope} has weights of its own, fitted to its reviews."
        elif self.col.setting("fsrs_parameters"):
            text = "The profile uses weights fitted to your reviews."
        else:
            text = "The profile uses FSRS's default weights."
        self.query_one("#opt-result", Static).update(
            Content(text + "  Press o to optimise, e to evaluate them as Anki does.")
        )

    def _show_result(self, result: OptimizeResult) -> None:
        b, a = result.before_eval, result.after_eval
        verdict = (
            Content.styled(f"Better: press a to apply to the {result.scope}.", "bold $success")
            if result.improved
            else Content.styled("No better than the weights in force: they stay.", "$warning")
        )
        self.query_one("#opt-result", Static).update(
            Content.assemble(
                f"{result.reviews:,} reviews of {result.cards:,} cards ({result.scope}), "
                f"{result.seconds:.2f} s\n",
                *_figures([("weights in force", b), ("fitted weights", a)]),
                verdict,
                *self._health(result),
            )
        )

    @staticmethod
    def _health(result: OptimizeResult) -> list[Content]:
        """Anki's health check in plain words, coloured by its verdict."""
        health = result.health
        if health is None:
            return []
        style = {True: "$success", False: "$warning", None: "$text-muted"}[health.passed]
        return [Content("\n"), Content.styled(health.message, style)]

    def _show_evaluation(self, reviews: int, figures: Evaluation) -> None:
        scope = f"deck {self.scope}" if self.scope else "profile"
        self.query_one("#opt-result", Static).update(
            Content.assemble(
                f"The weights in force, measured on {reviews:,} reviews ({scope}):\n",
                *_figures([("weights in force", figures)]),
            )
        )

    def _show_workload(self) -> None:
        table = self.query_one("#workload", KeyTable)
        table.clear()
        current = float(self.col.setting("desired_retention"))
        top = max((p.reviews_per_day for p in self.points), default=1.0) or 1.0
        nearest = optimize.nearest(self.points, current)
        for p in self.points:
            bar = "█" * max(1, round(p.reviews_per_day / top * 16))
            label = f"{p.retention:.2f}" + (" ◀ now" if p is nearest else "")
            table.add_row(
                label,
                f"{p.reviews_per_day:.0f}",
                f"{p.minutes_per_day:.0f}",
                f"{p.knowledge:,.0f}",
                bar,
                key=f"{p.retention:.2f}",
            )
        if nearest is not None:
            table.move_cursor(row=self.points.index(nearest))

    # ------------------------------------------------------------------ actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "apply":
            return bool(self.result and self.result.improved and not self.busy) or None
        if action in ("optimize", "evaluate"):
            return not self.busy or None
        if action == "use_retention":
            return bool(self.points) or None
        return True

    def action_optimize(self) -> None:
        if self.busy:
            return
        self.busy = True
        self.result = None
        self.refresh_bindings()
        self._status("Starting…", 0.0)
        self._fit(self.col.db.path, self.scope)

    @work(thread=True, exclusive=True, exit_on_error=False, group="optimize")
    def _fit(self, db_path: Path, scope: str | None) -> None:
        try:
            with Collection.open_path(db_path) as col:
                result = optimize.optimize(
                    col, scope, progress=lambda f, w: self.post_message(self.Progress(f, w))
                )
        except (MasteryError, OSError) as exc:
            self.post_message(self.Fitted(None, str(exc)))
            return
        self.post_message(self.Fitted(result, None))

    def action_evaluate(self) -> None:
        """Anki's Evaluate button: the weights in force measured, nothing fitted."""
        if self.busy:
            return
        self.busy = True
        self.result = None
        self.refresh_bindings()
        self._status("Evaluating the weights in force…", 0.0)
        self._evaluate(self.col.db.path, self.scope)

    @work(thread=True, exclusive=True, exit_on_error=False, group="optimize")
    def _evaluate(self, db_path: Path, scope: str | None) -> None:
        try:
            with Collection.open_path(db_path) as col:
                reviews, figures = optimize.evaluate_in_force(col, scope)
        except (MasteryError, OSError) as exc:
            self.post_message(self.Evaluated(0, None, str(exc)))
            return
        self.post_message(self.Evaluated(reviews, figures, None))

    def on_optimize_screen_evaluated(self, message: Evaluated) -> None:
        self.busy = False
        self.refresh_bindings()
        if message.error or message.figures is None:
            self._status("Not evaluated.", 0.0)
            self.query_one("#opt-result", Static).update(Content(message.error or ""))
            self.notify(message.error or "", title="Evaluate", severity="warning", markup=False)
            return
        self._status("Evaluated.", 1.0)
        self._show_evaluation(message.reviews, message.figures)

    def on_optimize_screen_progress(self, message: Progress) -> None:
        self._status(message.what, message.fraction)

    def on_optimize_screen_fitted(self, message: Fitted) -> None:
        self.busy = False
        self.result = message.result
        self.refresh_bindings()
        if message.error or message.result is None:
            self._status("Not fitted.", 0.0)
            self.query_one("#opt-result", Static).update(Content(message.error or ""))
            self.notify(message.error or "", title="Optimise", severity="warning", markup=False)
            return
        self._status("Fitted.", 1.0)
        self._show_result(message.result)

    def action_apply(self) -> None:
        result = self.result
        if result is None or not result.improved or self.busy:
            return
        reschedule = self.query_one("#opt-reschedule", Checkbox).value
        if not reschedule:
            with self.domain_errors():
                optimize.apply(self.col, result, now=self.now())
                self._applied(result, 0)
            return
        self.busy = True
        self.refresh_bindings()
        self._reschedule(self.col.db.path, result)

    @work(thread=True, exclusive=True, exit_on_error=False, group="optimize")
    def _reschedule(self, db_path: Path, result: OptimizeResult) -> None:
        try:
            with Collection.open_path(db_path) as col:
                n = optimize.apply(
                    col,
                    result,
                    reschedule=True,
                    now=self.now(),
                    progress=lambda f, w: self.post_message(self.Progress(f, w)),
                )
        except (MasteryError, OSError) as exc:
            self.post_message(self.Applied(0, str(exc)))
            return
        self.post_message(self.Applied(n, None))

    def on_optimize_screen_applied(self, message: Applied) -> None:
        self.busy = False
        if message.error:
            self.refresh_bindings()
            self.notify(message.error, title="Not applied", severity="error", markup=False)
            return
        assert self.result is not None
        self.col.reload_settings()
        self._applied(self.result, message.rescheduled)

    def _applied(self, result: OptimizeResult, rescheduled: int) -> None:
        self.result = None
        self.refresh_bindings()
        extra = (
            f"; {rescheduled:,} cards rescheduled"
            if rescheduled
            else ("; cards move to the new weights at their next answer")
        )
        self.notify(
            f"Fitted weights now used for the {result.scope}{extra}.", title="Applied", markup=False
        )
        self._status("Applied.", 1.0)
        self._show_weights()
        self._simulate_now()

    def action_defaults(self) -> None:
        scope = self.scope
        with self.domain_errors():
            self.col.set_fsrs_parameters(None, deck_key=scope)
            self.result = None
            self.refresh_bindings()
            self.notify(
                f"Deck {scope} now uses the profile's weights."
                if scope
                else "The profile now uses FSRS's default weights.",
                markup=False,
            )
            self._show_weights()
            self._simulate_now()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "opt-scope":
            self.result = None
            self.refresh_bindings()
            self._show_weights()
            self._simulate_now()

    # ------------------------------------------------------------------ workload
    def _simulate_now(self) -> None:
        self.query_one("#workload", KeyTable).loading = True
        self._simulate(self.col.db.path, self.scope)

    @work(thread=True, exclusive=True, exit_on_error=False, group="workload")
    def _simulate(self, db_path: Path, scope: str | None) -> None:
        try:
            with Collection.open_path(db_path) as col:
                # Every third retention (0.70, 0.73 … 0.97): ten rows fit on the screen.
                points = optimize.workload(col, scope, retentions=optimize.WORKLOAD_RETENTIONS[::3])
        except (MasteryError, OSError) as exc:
            self.post_message(self.Simulated([], str(exc)))
            return
        self.post_message(self.Simulated(points, None))

    def on_optimize_screen_simulated(self, message: Simulated) -> None:
        table = self.query_one("#workload", KeyTable)
        table.loading = False
        if message.error:
            self.notify(message.error, title="Simulation", severity="error", markup=False)
            return
        self.points = message.points
        self._show_workload()
        self.refresh_bindings()

    def action_use_retention(self) -> None:
        table = self.query_one("#workload", KeyTable)
        key = table.cursor_key
        if key is None:
            return
        with self.domain_errors():
            value = self.col.set_setting("desired_retention", float(key))
            self.notify(f"Desired retention: {value:.2f}", title="Saved", markup=False)
            self._show_workload()

    def action_leave(self) -> None:
        self.dismiss()


def _figures(rows: list[tuple[str, Evaluation]]) -> list[Content | str]:
    """Anki's two figures, then Mastery's own, with a line saying which is which."""
    lines: list[Content | str] = [f"{'':18}{'log loss':>10}{'RMSE (bins)':>13}{'unweighted':>12}\n"]
    for name, e in rows:
        lines.append(
            f"{name:18}{e.log_loss:>10.4f}{e.rmse_bins:>13.2%}{e.log_loss_unweighted:>12.4f}\n"
        )
    lines.append(
        Content.styled(
            "Log loss and RMSE (bins) as Anki's Evaluate shows them; unweighted: "
            "Mastery's log loss, every review counting the same.\n",
            "$text-muted",
        )
    )
    return lines
