"""The Stats screen: a year of reviews as a heatmap, true retention per period and deck, the
cards due in the next 30 days, reviews and time per day, card states, and the distributions
of stability and of retrievability today, for every deck or one.

Every figure comes from `mastery.stats.insight`, computed in a worker on a connection of its
own (a big profile takes a few hundred milliseconds); the screen only draws it. `ctrl+s`
saves the screen as an SVG file in the profile's folder.
"""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Footer, Header, Select, Static

from mastery import present as fmt
from mastery.collection import Collection
from mastery.decks.namespace import deck_label
from mastery.errors import MasteryError
from mastery.stats import RETENTION_PERIODS, DeckRetention, Insight, insight, percent
from mastery.tui.screens.base import MasteryScreen
from mastery.tui.widgets.bar_chart import BarList, ColumnChart
from mastery.tui.widgets.heatmap import Heatmap

ALL = ""  # the deck selector's value for every deck (deck keys are never empty)
ALL_LABEL = "All decks"
NAME_WIDTH = 16  # the retention table's deck column: 16 + 4 x 15 columns fit in 80
CELL_WIDTH = 15

EMPTY = (
    "No reviews yet. As you review, this screen fills in: a calendar of your answers over "
    "the last year, your true retention, the cards due in the next 30 days, the time you "
    "spend each day, and how stable your memories are.\n"
    "Press Escape, then r on the dashboard to review (no decks? import one from your "
    "shell: mastery import FILE)."
)
EMPTY_DECK = (
    "No reviews in this deck yet: its figures appear once you review it (Escape, then Enter "
    "on the deck in the dashboard). Press d to pick another deck."
)


def retention_table(rows: list[DeckRetention]) -> Content:
    """Periods as columns, "All decks" then each deck as rows: rate and passed/total."""
    head = "".ljust(NAME_WIDTH) + "".join(f"{n} days".ljust(CELL_WIDTH) for n in RETENTION_PERIODS)
    lines = [Content.styled(head.rstrip(), "$text-muted")]
    for n, row in enumerate(rows):
        name = deck_label(row.deck_key, row.deck_name) if row.deck_key else row.deck_name
        if len(name) > NAME_WIDTH - 1:
            name = name[: NAME_WIDTH - 2] + "…"
        cells = "".join(percent(p).ljust(CELL_WIDTH) for p in row.periods).rstrip()
        lines.append(Content.assemble((name.ljust(NAME_WIDTH), "bold" if n == 0 else ""), cells))
    return Content("\n").join(lines)


class StatsScreen(MasteryScreen):
    """Statistics for every deck (or the deck picked with `d`, `[` and `]`)."""

    AREA = "stats"
    SUB_TITLE = "Statistics"
    AUTO_FOCUS = "#stats-body"  # arrows and page keys scroll; d opens the deck list
    DEFAULT_CSS = """
    StatsScreen #stats-top { height: 1; padding: 0 1; }
    StatsScreen #stats-top Static { width: auto; }
    StatsScreen #stats-deck { width: 40; }
    StatsScreen #stats-body { height: 1fr; padding: 0 1; }
    StatsScreen .stats-section { height: auto; }
    StatsScreen .stats-head { text-style: bold; margin-top: 1; }
    StatsScreen #stats-empty { margin-top: 1; }
    StatsScreen #stats-forecast, StatsScreen #stats-daily { height: 6; }
    """
    BINDINGS = [
        Binding("escape", "leave", "Back", id="stats-leave"),
        Binding("d", "pick_deck", "Deck", id="stats-deck"),
        Binding(
            "left_square_bracket", "switch(-1)", "Previous deck", show=False, id="stats-previous"
        ),
        Binding("right_square_bracket", "switch(1)", "Next deck", show=False, id="stats-next"),
        Binding("ctrl+s", "save_svg", "Save SVG", id="stats-save"),
        Binding("S", "save_svg", "Save SVG", show=False, id="stats-save-shift"),
        Binding("c", "calibration", "Calibration", id="stats-calibration"),
        Binding("r", "refresh", "Refresh", show=False, id="stats-refresh"),
    ]

    class Loaded(Message):
        """The worker computed the figures."""

        def __init__(self, figures: Insight) -> None:
            super().__init__()
            self.figures = figures

    class Failed(Message):
        """The worker hit a domain or file error."""

        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    def __init__(self, deck_key: str | None = None) -> None:
        super().__init__(id="stats")
        self._deck_key = deck_key
        self._options: list[tuple[str, str]] = [(ALL_LABEL, ALL)]
        self.figures: Insight | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="stats-top"):
            yield Static(Content.styled("Deck ", "bold"))
            yield Select(self._options, value=ALL, allow_blank=False, compact=True, id="stats-deck")
        with VerticalScroll(id="stats-body"):
            yield Static(id="stats-empty")
            with Vertical(classes="stats-section", id="stats-activity"):
                yield Static(classes="stats-head", id="stats-heat-head")
                yield Heatmap(id="stats-heatmap")
                yield Static(classes="stats-head", id="stats-retention-head")
                yield Static(id="stats-retention")
                yield Static(classes="stats-head", id="stats-daily-head")
                yield ColumnChart(id="stats-daily")
                yield Static(id="stats-daily-split")
            with Vertical(classes="stats-section", id="stats-cards-section"):
                yield Static(classes="stats-head", id="stats-forecast-head")
                yield ColumnChart(id="stats-forecast")
                yield Static(classes="stats-head", id="stats-cards-head")
                yield BarList(id="stats-cards")
            with Vertical(classes="stats-section", id="stats-memory"):
                yield Static(
                    Content.styled("Stability (days a memory lasts at 90% recall)", "bold"),
                    classes="stats-head",
                )
                yield BarList(id="stats-stability")
                yield Static(
                    Content.styled("Retrievability today (chance of recall now)", "bold"),
                    classes="stats-head",
                )
                yield BarList(id="stats-retrievability")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        with self.domain_errors():
            decks = self.col.decks(now=self.now())
            self._options = [(ALL_LABEL, ALL)] + [(d.label, d.key) for d in decks]
        keys = [key for _, key in self._options]
        if self._deck_key not in keys:
            self._deck_key = None
        select = self.query_one("#stats-deck", Select)
        select.set_options(self._options)
        select.value = self._deck_key or ALL
        self.action_refresh()

    # ------------------------------------------------------------------ data
    def action_refresh(self) -> None:
        """Compute the figures again, in a worker (the screen shows a spinner meanwhile)."""
        self.query_one("#stats-body").loading = True
        self._load(self.col.db.path, self._deck_key)

    @work(thread=True, exclusive=True, exit_on_error=False, group="stats-load")
    def _load(self, db_path: Path, deck_key: str | None) -> None:
        """On a connection of its own: SQLite connections belong to one thread at a time."""
        try:
            with Collection.open_path(db_path) as col:
                figures = insight(col, now=self.now(), deck_key=deck_key)
        except (MasteryError, OSError) as exc:
            self.post_message(self.Failed(str(exc)))
            return
        self.post_message(self.Loaded(figures))

    def on_stats_screen_loaded(self, message: Loaded) -> None:
        if message.figures.deck_key != self._deck_key:
            return  # an older deck's figures, arriving after the learner moved on
        self.figures = message.figures
        body = self.query_one("#stats-body")
        body.loading = False
        self._show(message.figures)
        if self.focused is None:
            body.focus()  # arrows and page keys scroll the figures

    def on_stats_screen_failed(self, message: Failed) -> None:
        self.query_one("#stats-body").loading = False
        self.notify(message.error, title="Error", severity="error", markup=False)

    def _show(self, figures: Insight) -> None:
        empty = self.query_one("#stats-empty", Static)
        empty.display = not figures.reviewed
        empty.update(EMPTY if figures.deck_key is None else EMPTY_DECK)
        self.query_one("#stats-activity").display = figures.reviewed
        self.query_one("#stats-memory").display = figures.reviewed
        self.query_one("#stats-forecast-head").display = figures.reviewed
        self.query_one("#stats-forecast").display = figures.reviewed

        heat = figures.heatmap
        answers = sum(d.reviews for d in heat)
        days = sum(1 for d in heat if d.reviews)
        self._head(
            "#stats-heat-head",
            f"Answers, last {len(heat)} days",
            f"{fmt.plural(answers, 'answer')} on {fmt.plural(days, 'day')}",
        )
        self.query_one("#stats-heatmap", Heatmap).show([(d.day, d.reviews) for d in heat])

        self._head(
            "#stats-retention-head",
            "True retention",
            "share of answers to review cards not rated Again",
        )
        rows = [figures.retention]
        if figures.deck_key is None:  # all decks first, then each deck
            rows += figures.deck_retention
        self.query_one("#stats-retention", Static).update(retention_table(rows))

        recent = figures.activity
        ms = sum(d.duration_ms for d in recent)
        self._head(
            "#stats-daily-head",
            f"Answers per day, last {len(recent)} days",
            f"{fmt.plural(sum(d.reviews for d in recent), 'answer')} in {fmt.duration(ms)}",
        )
        self.query_one("#stats-daily", ColumnChart).show(
            [d.reviews for d in recent],
            recent[0].day.strftime("%d %b") if recent else "",
            "today",
        )
        split = {
            k: sum(getattr(d, k) for d in recent)
            for k in ("learning", "young", "mature", "relearning")
        }
        self.query_one("#stats-daily-split", Static).update(
            Content.styled(" · ".join(f"{k} {n:,}" for k, n in split.items()), "$text-muted")
        )

        due = figures.forecast
        self._head(
            "#stats-forecast-head",
            f"Due in the next {len(due)} days",
            f"{fmt.plural(sum(f.total for f in due), 'card')}, {due[0].total:,} today"
            if due
            else "",
        )
        self.query_one("#stats-forecast", ColumnChart).show(
            [f.total for f in due],
            "today",
            due[-1].day.strftime("%d %b") if due else "",
        )

        cards = figures.cards
        self._head("#stats-cards-head", "Cards", f"{cards.total:,}")
        self.query_one("#stats-cards", BarList).show(
            [
                ("new", cards.new),
                ("learning", cards.learning),
                ("young", cards.young),
                ("mature", cards.mature),
                ("suspended", cards.suspended),
            ]
        )
        self.query_one("#stats-stability", BarList).show(
            [(b.label, b.count) for b in figures.stability]
        )
        self.query_one("#stats-retrievability", BarList).show(
            [(b.label, b.count) for b in figures.retrievability]
        )

    def _head(self, selector: str, title: str, detail: str) -> None:
        self.query_one(selector, Static).update(
            Content.assemble((title, "bold"), (f"  {detail}" if detail else "", "$text-muted"))
        )

    # ------------------------------------------------------------------ the deck
    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        key = None if event.value in (ALL, Select.BLANK) else str(event.value)
        if key != self._deck_key:
            self._deck_key = key
            self.action_refresh()

    def action_pick_deck(self) -> None:
        """Open the deck list (Enter picks, Escape closes it)."""
        select = self.query_one("#stats-deck", Select)
        select.focus()
        select.action_show_overlay()

    def action_switch(self, step: int) -> None:
        keys = [key for _, key in self._options]
        current = keys.index(self._deck_key or ALL)
        self.query_one("#stats-deck", Select).value = keys[(current + step) % len(keys)]

    # ------------------------------------------------------------------ other actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "calibration":
            return hasattr(self.app, "action_calibration")
        if action == "switch":
            return len(self._options) > 1
        return True

    def action_calibration(self) -> None:
        calibration = getattr(self.app, "action_calibration", None)
        if calibration is not None:
            calibration()

    def action_save_svg(self) -> None:
        """The screen as an SVG file in the profile's folder (a screenshot to share)."""
        stamp = self.now().astimezone(self.col.clock.zone).strftime("%Y%m%d-%H%M%S")
        folder = self.col.db.path.parent
        try:
            path = self.app.save_screenshot(f"mastery-stats-{stamp}.svg", str(folder))
        except OSError as exc:
            self.notify(
                f"Could not save the SVG: {exc}", title="Error", severity="error", markup=False
            )
            return
        self.notify(f"Saved the screen as {path}", title="SVG saved", markup=False)

    def action_leave(self) -> None:
        self.app.pop_screen()
