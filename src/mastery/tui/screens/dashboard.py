"""The first screen: every deck with today's New / Learning / Due counts, and today's work."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Footer, Static

from mastery import present as fmt
from mastery.model import DeckSummary, Today
from mastery.tui.screens.base import MasteryScreen
from mastery.tui.widgets.feedback import MentorLine
from mastery.tui.widgets.sync_header import SyncHeader
from mastery.tui.widgets.table import KeyTable

if TYPE_CHECKING:
    from datetime import date

    from mastery.goals import GoalView
    from mastery.journal import EntryView


class DashboardScreen(MasteryScreen):
    """Decks and counts; `r` reviews everything due, Enter reviews the deck under the cursor."""

    CSS_PATH = None  # the first frame's: in the app's own stylesheet (mastery.tcss)

    AREA = "dashboard"
    SUB_TITLE = "Decks"
    BINDINGS = [
        Binding("r", "app.review", "Review all", id="dashboard-review-all"),
        Binding("enter", "review_deck", "Review deck", id="dashboard-review-deck"),
        # priority: the deck table would take g (first row) otherwise.
        Binding("g", "app.goals", "Goals", priority=True, id="dashboard-goals"),
        Binding("J", "app.journal", "Journal", priority=True, id="dashboard-journal"),
        Binding("w", "app.write", "Write", show=False, id="dashboard-write"),
        Binding("b", "app.browse", "Browse", id="dashboard-browse"),
        # t: Anki's key for Stats; not in the footer (full at 80 columns), but in help (?).
        Binding("t", "app.stats", "Stats", show=False, id="dashboard-stats"),
        Binding("s", "app.settings", "Settings", show=False, id="dashboard-settings"),
        # Not in the footer (80 columns are full): the mentor line says "(m)" itself.
        Binding("m", "mentor_note", "Mentor note", show=False, id="dashboard-mentor-note"),
        Binding("c", "cram_deck", "Cram deck", show=False, id="dashboard-cram-deck"),
        # o: Anki's key for a deck's options.
        Binding("o", "app.deck_preset", "Deck preset", show=False, id="dashboard-deck-preset"),
        # Shift: the lower-case keys are taken (m mentor note, t stats); in help (?) too.
        Binding("M", "app.mentees", "Mentees", show=False, id="dashboard-mentees"),
        Binding("T", "app.team", "Team", show=False, id="dashboard-team"),
        # y: Anki's key for Sync. The header shows how the last one went.
        Binding("y", "app.sync_now", "Sync now", show=False, id="dashboard-sync"),
    ]

    def __init__(self, *, deferred: bool = False) -> None:
        """`deferred`: the app starts on another screen over this one (`mastery review`), so
        nothing is built or read until the learner first comes back here; the first card
        is drawn sooner, and the counts shown are those of that moment."""
        super().__init__(id="dashboard")
        self._decks: dict[str, DeckSummary] = {}
        self._has_note = False  # a mentor's note to read: shows the `m` key
        self._deferred = deferred
        # Built once its deck table has columns: a refresh before that (a sync ending early,
        # another window's change) has nothing to draw into and waits for the first showing.
        self._built = False
        self._building = False
        self._skip_resume = deferred
        self._when_built: list[Callable[[], object]] = []

    def compose(self) -> ComposeResult:
        if not self._deferred:
            yield from self._parts()

    def _parts(self) -> list[Widget]:
        return [
            SyncHeader(),
            Static(id="today", markup=False),
            Static(id="next", markup=False),
            KeyTable(id="decks"),
            Static(id="limits", markup=False),
            Static(id="empty", markup=False),
            Static(id="goals", markup=False),
            MentorLine(id="mentor-line"),
            Footer(compact=True),
        ]

    def on_mount(self) -> None:
        if not self._deferred:
            self._set_up()
            self._built = True

    def _set_up(self) -> None:
        table = self.query_one("#decks", KeyTable)
        table.add_column("Deck", key="deck")
        for label in ("New", "Learning", "Due", "Total"):
            table.add_column(Text(label, justify="right"), key=label.lower())
        table.focus()

    async def on_screen_resume(self) -> None:
        """The one refresh of each showing: Textual sends a resume when the app starts, so
        `on_mount` reads nothing. A deferred dashboard skips that first one: the app's start
        screen is pushed over it (or `MasteryApp.on_mount` calls `show` when it is not)."""
        if self._skip_resume:
            self._skip_resume = False
            return
        if self.is_current:
            await self.show()

    async def show(self) -> None:
        """Build the screen if it was deferred, then read and draw the counts."""
        if self._deferred and not self._built and not self._building:
            self._building = True
            await self.mount_all(self._parts())
            self._set_up()
            self._built = True
        self.refresh_data()
        waiting, self._when_built = self._when_built, []
        for then in waiting:
            then()

    @property
    def is_built(self) -> bool:
        return self._built

    @property
    def is_waiting(self) -> bool:
        """Deferred and not shown yet: waiting for the start screen to close."""
        return self._deferred and not self._built and not self._building

    def when_built(self, then: Callable[[], object]) -> None:
        """Run `then` (an action on the deck table) now, or once the deferred screen is built
        (the palette's "deck: Preset…" from a review that `mastery review` started)."""
        if self._built:
            then()
        else:
            self._when_built.append(then)

    def refresh_data(self) -> None:
        """Reload the decks and today's numbers (after a review, an import, a settings change)."""
        if not self._built:
            return  # read when first shown
        now = self.now()
        with self.domain_errors():
            decks = self.col.decks(now=now)
            today = self.col.today(now=now)
            self._show(decks, today)
        # Goals and the journal are drawn after the decks, so the first paint never waits.
        self.call_after_refresh(self._show_goals)
        self.call_after_refresh(self._show_mentor)

    def _show_mentor(self) -> None:
        """The mentor's newest note (marked new until read) and unread comments, if any."""
        with self.domain_errors():
            mentor = self.col.mentor
            note = mentor.latest_note()
            self._has_note = note is not None
            self.query_one("#mentor-line", MentorLine).show(
                note, mentor.unread_count(), unread_from_mentees=mentor.unread_by_mentee()
            )
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "mentor_note":
            return self._has_note  # hidden until a mentor sent a note
        return True

    def action_mentor_note(self) -> None:
        self.app.action_mentor_note()

    def _show_goals(self) -> None:
        """Active goals with progress, and whether today has a journal entry."""
        now = self.now()
        with self.domain_errors():
            goals = self.col.goals.dashboard(now=now)
            journal = self.col.journal
            wrote_today = journal.has_entry_today(now=now)
            journal_streak = journal.streak(now=now)
            earlier = _on_this_day(journal.on_this_day(now=now), self.col.clock.day_of(now))
            self.query_one("#goals", Static).update(
                _goals_block(goals, wrote_today, journal_streak, earlier)
            )

    def _show(self, decks: list[DeckSummary], today: Today) -> None:
        table = self.query_one("#decks", KeyTable)
        previous = table.cursor_key
        table.clear()
        self._decks = {d.key: d for d in decks}
        for deck in decks:
            table.add_row(
                # User text: never markup. A team's deck shows its team, dimmed.
                Text.assemble(deck.name, (f"  {deck.team}", "dim") if deck.team else ""),
                _count(deck.new, "bold blue", limited=deck.new_limit is not None),
                _count(deck.learning, "bold red"),
                _count(deck.due, "bold green", limited=deck.due_limit is not None),
                Text(str(deck.total), style="dim", justify="right"),
                key=deck.key,
            )
        if previous in self._decks:
            table.move_cursor(row=list(self._decks).index(previous))
        self.set_class(not decks, "-empty")

        self.query_one("#limits", Static).update(_limits_line(decks, today))
        self.query_one("#today", Static).update(self._today_line(today))
        self.query_one("#empty", Static).update(
            "No decks yet.\n\nImport one from your shell:\n\n"
            "    mastery import FILE\n\n"
            "FILE is a deck file: .toml, .csv, .tsv, an Anki .txt export or an Anki "
            "package (.apkg). "
            "Then run mastery again to review it."
        )
        self.query_one("#next", Static).update(self._next_line(today) if decks else "")

    def _today_line(self, today: Today) -> Content:
        streak = fmt.plural(today.streak_days, "day")
        return Content.assemble(
            ("Today ", "bold"),
            # "answers": every press of 1-4; "due"/"review" are the review cards (one name each).
            f"{fmt.plural(today.reviews_today, 'answer')} in {fmt.duration(today.time_today_ms)}",
            "  ·  ",
            ("Streak ", "bold"),
            streak,
        )

    def _next_line(self, today: Today) -> Content:
        due = today.due_today
        if due.total:
            return Content.assemble(
                (f"{due.total} to review today", "bold"),
                f": {due.new} new, {due.learning} learning, {due.review} due. Press ",
                ("r", "bold $text-accent"),
                " to start.",
            )
        if today.next_due is not None:
            now = self.now()
            return Content.assemble(
                ("All done for today.", "bold $text-success"),
                f" Next review: {fmt.when(today.next_due, now, self.col.clock)}"
                f" ({fmt.due_in(today.next_due, now, self.col.clock)}).",
            )
        tomorrow = self.col.new_tomorrow(now=self.now())
        if tomorrow is not None:
            return Content.assemble(
                ("Nothing due now.", "bold"), " " + fmt.new_cards_tomorrow(tomorrow)
            )
        return Content.assemble(
            ("Nothing to review:", "bold"), " every card is suspended (press b to browse them)."
        )

    # ------------------------------------------------------------------ actions
    def action_review_deck(self) -> None:
        key = self.query_one("#decks", KeyTable).cursor_key
        if key is None:
            self.notify("No decks yet: import one with `mastery import FILE`.", markup=False)
            return
        self.app.start_review(key)

    def action_cram_deck(self) -> None:
        """Cram the deck under the cursor: every card, off the schedule."""
        key = self.query_one("#decks", KeyTable).cursor_key
        if key is None:
            self.notify("No decks yet: import one with `mastery import FILE`.", markup=False)
            return
        self.app.start_cram(deck_key=key)

    def action_deck_preset(self) -> None:
        """Choose the preset of the deck under the cursor (its limits, steps, retention)."""
        from mastery.tui.dialogs.preset import PresetScreen

        key = self.query_one("#decks", KeyTable).cursor_key
        if key is None:
            self.notify("No decks yet: import one with `mastery import FILE`.", markup=False)
            return
        deck = self._decks[key]
        with self.domain_errors():
            presets = self.col.presets.presets()
            current = self.col.presets.preset_of(deck.id)

            def chosen(preset_id: int | None) -> None:
                if preset_id is None or preset_id == current:
                    return
                with self.domain_errors():
                    view = self.col.presets.use(key, preset_id)
                    self.notify(f"{deck.label}: preset {view.name}", title="Saved", markup=False)
                    self.refresh_data()

            self.app.push_screen(PresetScreen(deck.label, presets, current), chosen)

    def on_data_table_row_selected(self, event: KeyTable.RowSelected) -> None:
        """A click on the highlighted row reviews that deck, as Enter does."""
        event.stop()
        if event.row_key.value is not None:
            self.app.start_review(event.row_key.value)


def _on_this_day(entries: list[EntryView], today: date) -> Content | None:
    """ "On this day" (jrnl's habit): the latest entry written on this day of an earlier
    month or year, to read again, and how many more (one line at 80 columns; J lists them)."""
    if not entries:
        return None
    latest = entries[0]
    more = f"  +{len(entries) - 1} more" if len(entries) > 1 else ""
    return Content.assemble(
        ("On this day ", "bold"),
        (fmt.months_ago(latest.day, today) + ": ", "$text-muted"),
        fmt.excerpt(latest.title, 36),
        (f"{more} (J)", "$text-muted"),
    )


def _goals_block(
    goals: list[GoalView],
    wrote_today: bool,
    journal_streak: int,
    on_this_day: Content | None = None,
) -> Content:
    """The dashboard's personal-mastery lines: journal today and streak, what was written on
    this day earlier, then active goals."""
    if wrote_today:
        journal = Content.assemble(("Journal ", "bold"), ("written today", "$text-success"))
    else:
        journal = Content.assemble(
            ("Journal ", "bold"),
            "no entry yet today (press ",
            ("w", "bold $text-accent"),
            " to write one)",
        )
    parts: list[str | Content | tuple[str, str]] = [
        journal,
        "  ·  ",
        ("Journal streak ", "bold"),
        fmt.plural(journal_streak, "day"),
        "\n",
    ]
    if on_this_day is not None:
        parts += [on_this_day, "\n"]
    if not goals:
        parts += [
            # One line at 80 columns (it used to wrap).
            ("Goals ", "bold"),
            "none yet (",
            ("g", "bold $text-accent"),
            ", then ",
            ("a", "bold $text-accent"),
            " to add one) · ",
            ("J", "bold $text-accent"),
            " journal · ",
            ("ctrl+n", "bold $text-accent"),
            " quick capture",
        ]
        return Content.assemble(*parts)
    parts.append(("Goals", "bold"))
    for goal in goals[:5]:
        filled = round(goal.progress * 10)
        left = (
            ""
            if goal.days_left is None
            else (
                f"  {goal.days_left}d left" if goal.days_left >= 0 else f"  {-goal.days_left}d late"
            )
        )
        parts += [
            "\n  ",
            ("█" * filled, "$success"),
            ("░" * (10 - filled), "$text-disabled"),
            f" {goal.progress:4.0%}  ",
            goal.title,
            (left, "$text-muted"),
        ]
        if goal.confidence_falling:
            parts.append(("  confidence falling", "bold $text-warning"))
        elif goal.check_in_due:
            parts.append(("  check-in due", "$text-warning"))
    if len(goals) > 5:
        parts.append((f"\n  … and {len(goals) - 5} more (press g)", "$text-muted"))
    return Content.assemble(*parts)


def _count(n: int, style: str, *, limited: bool = False) -> Text:
    """A count; one a daily limit cut is marked with a dimmed * (the line below says which)."""
    return Text.assemble(
        (str(n), style if n else "dim"), ("*" if limited else " ", "dim"), justify="right"
    )


def _limits_line(decks: list[DeckSummary], today: Today) -> Content:
    """Which daily limit cut the counts marked *: a deck's own preset, or the default
    preset's limit across every deck, which also makes the total less than the column's sum
    (limits as Anki applies them: docs/decks.md)."""
    bites: dict[tuple[str, str, int], list[str]] = {}
    for deck in decks:
        for kind, limit in (("new", deck.new_limit), ("reviews", deck.due_limit)):
            if limit is not None:
                bites.setdefault((kind, *limit), []).append(deck.name)
    due = today.due_today
    new_sum, due_sum = sum(d.new for d in decks), sum(d.due for d in decks)
    if not bites and new_sum == due.new and due_sum == due.review:
        return Content("")
    parts = []
    for (kind, preset, per_day), names in bites.items():
        where = "each deck" if len(names) == len(decks) > 1 else ", ".join(names)
        parts.append(f"{preset} {per_day} {kind}/day ({where})")
    totals = []
    if new_sum != due.new:
        totals.append(f"{due.new} new")
    if due_sum != due.review:
        totals.append(f"{due.review} reviews")
    if totals:
        parts.append(f"all decks: {' and '.join(totals)} (Default)")
    return Content.assemble(("* limit: ", "dim bold"), ("; ".join(parts), "dim"))
