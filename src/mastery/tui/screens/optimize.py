"""Optimize FSRS and the workload simulator ("help me decide"), reached from Settings.

The scope selector picks what is fitted, evaluated, applied, reset and simulated: the whole
profile, one preset's decks (Anki optimizes per preset) or one deck. Fitting and simulating run
in worker threads on connections of their own (SQLite connections belong to one thread),
reporting progress to the bar; applying the weights happens here, on the app's connection,
except a reschedule, which can take seconds on a big profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Footer, Header, ProgressBar, Select, Static

from mastery import optimize
from mastery import present as fmt
from mastery.collection import Collection
from mastery.errors import MasteryError
from mastery.model import PresetView
from mastery.optimize import Evaluation, OptimizeResult, WorkloadPoint
from mastery.tui.screens.base import MasteryScreen
from mastery.tui.widgets.table import KeyTable
from mastery.tui.widgets.tick_box import TickBox


@dataclass(frozen=True)
class Scope:
    """What the screen fits, evaluates, applies, resets and simulates: the whole profile (both
    None), one preset's decks (`preset`, its id) or one deck (`deck`, its key)."""

    deck: str | None = None
    preset: int | None = None


PROFILE = Scope()
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
    SUB_TITLE = "Optimize FSRS"
    AUTO_FOCUS = "#workload"
    DEFAULT_CSS = """
    OptimizeScreen #opt-body { height: 1fr; padding: 0 1; }
    OptimizeScreen .opt-head { text-style: bold; margin-top: 1; color: $text-accent; }
    OptimizeScreen .opt-intro { color: $text-muted; }
    OptimizeScreen #opt-controls { height: auto; margin-top: 1; }
    OptimizeScreen #opt-scope { width: 38; }
    OptimizeScreen #opt-reschedule { margin-left: 2; }
    OptimizeScreen #opt-progress-row { height: 1; margin-top: 1; }
    OptimizeScreen #opt-status { width: 1fr; margin-left: 1; }
    OptimizeScreen #opt-result { height: auto; margin-top: 1; }
    OptimizeScreen #workload { height: auto; max-height: 14; }
    """
    BINDINGS = [
        Binding("o", "optimize", "Optimize", id="optimize-run"),
        Binding("a", "apply", "Apply", id="optimize-apply"),
        Binding("e", "evaluate", "Evaluate", id="optimize-evaluate"),
        Binding("w", "workload", "Workload", show=False, id="optimize-workload"),
        # Enter is explained beside the workload table and w in the weights line: the footer
        # keeps the keys that fit 80 columns.
        Binding("enter", "use_retention", "Use retention", show=False, id="optimize-use-retention"),
        Binding("d", "defaults", "Defaults", id="optimize-defaults"),
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
        self._busy = False
        self.points: list[WorkloadPoint] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="opt-body"):
            yield Static("Fit FSRS to your reviews", classes="opt-head")
            yield Static(INTRO, classes="opt-intro")
            with Horizontal(id="opt-controls"):
                yield Select(
                    self._scopes(), value=PROFILE, allow_blank=False, id="opt-scope", compact=True
                )
                # Off by default, as `mastery optimize` without --reschedule.
                yield TickBox("Reschedule cards when applying", id="opt-reschedule", compact=True)
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
    def busy(self) -> bool:
        """A fit, an evaluation or a reschedule is running: the scope stays as it was
        started, so the result shown is always the scope's shown."""
        return self._busy

    @busy.setter
    def busy(self, value: bool) -> None:
        self._busy = value
        self.query_one("#opt-scope", Select).disabled = value

    def _scopes(self) -> list[tuple[str, Scope]]:
        """The profile, then each preset with its number of decks, then each deck."""
        decks, presets = [], []
        with self.domain_errors():
            decks = self.col.decks(now=self.now())
            presets = self.col.presets.presets()
        return (
            [("Whole profile: every deck", PROFILE)]
            + [
                (f"Preset: {p.name} ({fmt.plural(len(p.decks), 'deck')})", Scope(preset=p.id))
                for p in presets
            ]
            + [(f"Deck: {d.label}", Scope(deck=d.key)) for d in decks]
        )

    @property
    def scope(self) -> Scope:
        value = self.query_one("#opt-scope", Select).value
        return value if isinstance(value, Scope) else PROFILE

    def _scope_name(self) -> str:
        """The scope as results and toasts name it ("preset Languages", "deck git")."""
        scope = self.scope
        if scope.preset is not None:
            return f"preset {self._preset().name}"
        return f"deck {scope.deck}" if scope.deck else "profile"

    def _preset(self) -> PresetView:
        """The preset whose settings govern the scope (see `optimize.scope_preset`)."""
        return optimize.scope_preset(self.col, self.scope.deck, self.scope.preset)

    def _status(self, text: str, fraction: float | None = None) -> None:
        self.query_one("#opt-status", Static).update(text)
        if fraction is not None:
            self.query_one("#opt-progress", ProgressBar).update(progress=fraction)

    def _show_weights(self) -> None:
        """Before a fit: what the chosen scope reads and which weights are in force for it."""
        text = ""
        with self.domain_errors():
            text = self._weights_in_force()
        self.query_one("#opt-result", Static).update(
            Content(
                text + "  Press o to optimize, e to evaluate them as Anki does, w for the "
                "workload at each desired retention."
            )
        )

    def _weights_in_force(self) -> str:
        scope, preset = self.scope, self._preset()
        fitted = bool(preset.values["fsrs_parameters"])
        if scope.deck is not None:
            if scope.deck in self.col.decks_with_own_parameters():
                return f"Deck {scope.deck} has weights of its own, fitted to its reviews."
            kind = "weights fitted to its decks' reviews" if fitted else "FSRS's default weights"
            return f"Deck {scope.deck} uses its preset's weights (preset {preset.name}: {kind})."
        if scope.preset is not None:
            decks = (
                f"Its decks: {', '.join(preset.decks)}."
                if preset.decks
                else "No deck uses it yet (o on the dashboard chooses a deck's preset)."
            )
            kind = "weights fitted to its decks' reviews" if fitted else "FSRS's default weights"
            return f"Preset {preset.name} uses {kind}. {decks}"
        kind = "weights fitted to your reviews" if fitted else "FSRS's default weights"
        return (
            f"The profile uses {kind}. A fit reads every deck and gives its weights to the "
            "Default preset; decks on other presets or with weights of their own keep theirs."
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
                f"Fitted to {result.fitted_on} ({result.scope}), {result.seconds:.2f} s\n",
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
        self.query_one("#opt-result", Static).update(
            Content.assemble(
                f"The weights in force, measured on {reviews:,} reviews ({self._scope_name()}):\n",
                *_figures([("weights in force", figures)]),
            )
        )

    def _show_workload(self) -> None:
        table = self.query_one("#workload", KeyTable)
        table.clear()
        current = float(self._preset().values["desired_retention"])
        top = max((p.reviews_per_day for p in self.points), default=1.0) or 1.0
        nearest = optimize.nearest(self.points, current)
        for p in self.points:
            # At least one block for any work, none for none (limits of 0).
            bar = "█" * (max(1, round(p.reviews_per_day / top * 16)) if p.reviews_per_day else 0)
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
        if action in ("optimize", "evaluate", "apply"):
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
    def _fit(self, db_path: Path, scope: Scope) -> None:
        try:
            with Collection.open_path(db_path) as col:
                result = optimize.optimize(
                    col,
                    scope.deck,
                    preset=scope.preset,
                    progress=lambda f, w: self.post_message(self.Progress(f, w)),
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
    def _evaluate(self, db_path: Path, scope: Scope) -> None:
        try:
            with Collection.open_path(db_path) as col:
                reviews, figures = optimize.evaluate_in_force(col, scope.deck, preset=scope.preset)
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
            self.notify(message.error or "", title="Optimize", severity="warning", markup=False)
            return
        self._status("Fitted.", 1.0)
        self._show_result(message.result)

    def action_apply(self) -> None:
        result = self.result
        if self.busy:
            return
        if result is None:
            self.notify(
                "Nothing fitted yet: press o to fit FSRS to your reviews, then a to apply.",
                title="Nothing to apply",
                severity="warning",
            )
            return
        if not result.improved:
            self.notify(
                "The fitted weights predict your reviews no better than the ones in force: "
                "they stay.",
                title="Nothing to apply",
                severity="warning",
            )
            return
        reschedule = self.query_one("#opt-reschedule", TickBox).value
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
        """Back to the defaults: FSRS's for the profile or a preset, its preset's for a deck.
        Weights already there are left alone, and the toast says so."""
        with self.domain_errors():
            scope, preset = self.scope, self._preset()
            if scope.deck is not None:
                theirs = "the profile's weights" if preset.default else None
                who, what = f"Deck {scope.deck}", theirs or f"the weights of preset {preset.name}"
                changed = scope.deck in self.col.decks_with_own_parameters()
            else:
                who = f"Preset {preset.name}" if scope.preset is not None else "The profile"
                what = "FSRS's default weights"
                changed = bool(preset.values["fsrs_parameters"])
            if not changed:
                self.notify(f"{who} already uses {what}: nothing changed.", markup=False)
                return
            if scope.deck is not None:
                self.col.set_fsrs_parameters(None, deck_key=scope.deck)
            else:
                self.col.presets.set_parameters(None, preset=preset.id)
            self.result = None
            self.refresh_bindings()
            self.notify(f"{who} now uses {what}.", markup=False)
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
    def _simulate(self, db_path: Path, scope: Scope) -> None:
        try:
            with Collection.open_path(db_path) as col:
                # Every third retention (0.70, 0.73 … 0.97): ten rows fit on the screen.
                points = optimize.workload(
                    col,
                    scope.deck,
                    preset=scope.preset,
                    retentions=optimize.WORKLOAD_RETENTIONS[::3],
                )
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
        """The highlighted retention becomes the desired retention of the scope's preset (the
        profile's setting for the whole profile and for decks on the Default preset)."""
        table = self.query_one("#workload", KeyTable)
        key = table.cursor_key
        if key is None:
            return
        with self.domain_errors():
            preset = self._preset()
            value = self.col.presets.edit(preset.id, "desired_retention", float(key))
            where = "" if preset.default else f" (preset {preset.name})"
            self.notify(f"Desired retention{where}: {value:.2f}", title="Saved", markup=False)
            self._show_workload()

    def action_workload(self) -> None:
        """Jump to the workload table (below the fold on a small terminal)."""
        table = self.query_one("#workload", KeyTable)
        table.focus()
        table.scroll_visible(animate=False)

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
