"""Goals: the list, one goal held in creative tension, and the dialogs that change it.

`GoalsScreen` lists goals with their progress and target (filtered by status); Enter opens a
`GoalScreen`: vision and current reality side by side with the gap between them, milestones to
tick, progress over time, the confidence trend from weekly check-ins, adherence to the cadence,
the linked decks' mastery and the journal entries that mention the goal.
"""

from __future__ import annotations

from datetime import date, timedelta

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Footer, Header, Input, Static
from textual.widgets.option_list import Option

from mastery import present as fmt
from mastery.conflicts import MARK
from mastery.dates import DateParseError, describe_date, parse_cadence, parse_date
from mastery.decks.namespace import deck_label
from mastery.errors import MasteryError
from mastery.goals import DISCIPLINES, STATUSES, GoalDetail, GoalView, RealityVersion
from mastery.journal import EntryView
from mastery.present import percent
from mastery.tui.dialogs.resolve import ResolveScreen
from mastery.tui.dialogs.unsaved import UnsavedChanges
from mastery.tui.screens.base import GOALS_JOURNAL_CSS, MasteryModal, MasteryScreen
from mastery.tui.widgets.feedback import FeedbackList
from mastery.tui.widgets.goal_form import GoalDraft, GoalForm
from mastery.tui.widgets.key_list import EntryList, KeyList, MilestoneList
from mastery.tui.widgets.progress_chart import ProgressChart, bar

FILTERS = (*STATUSES, "all")


# ----------------------------------------------------------------------------- wording
def full_date(day: date) -> str:
    """ "Fri 5 Mar 2027", in `dates`' English names (strftime would follow the locale):
    `describe_date` spells out any day more than a month away."""
    return describe_date(day, day - timedelta(days=365))


def target_text(target: date | None, today: date) -> str:
    """A target date relative to today: "in 12 days", "Fri 5 Mar 2027 (104 days left)",
    "3 days ago"; "no target date" when there is none."""
    if target is None:
        return "no target date"
    said = describe_date(target, today)
    days = (target - today).days
    if days > 31:
        return f"{said} ({days} days left)"
    if days < -31:
        return f"{said} ({-days} days ago)"
    return said


def days_left(days: int | None) -> Content:
    """A short count for the list: "104d", "today", "3d over" (in the error colour)."""
    if days is None:
        return Content("")
    if days == 0:
        return Content.styled("today", "bold $text-warning")
    if days < 0:
        return Content.styled(f"{-days}d over", "$text-error")
    return Content(f"{days}d")


def category_label(category: str) -> str:
    return category.replace("-", " ")


# ----------------------------------------------------------------------------- the list
class GoalsScreen(MasteryScreen):
    """Every goal of one status with its progress bar and days left; Enter opens one."""

    CSS_PATH = GOALS_JOURNAL_CSS

    AREA = "goals"
    SUB_TITLE = "Goals"
    BINDINGS = [
        Binding("a", "add", "Add goal", id="goals-add"),
        Binding("enter", "open", "Open goal", id="goals-open"),
        Binding("f", "filter", "Filter", id="goals-filter"),
        Binding("escape", "leave", "Back", id="goals-leave"),
    ]

    def __init__(self, status: str = "active") -> None:
        super().__init__(id="goals-screen")
        self.status = status if status in FILTERS else "active"
        self._goals: dict[str, GoalView] = {}
        self._first: list[GoalView] | None = None

    def compose(self) -> ComposeResult:
        self._first = self._load()
        if self._first is not None:  # styled once, with the right classes, from the start
            self.set_class(not self._first, "-empty")
        yield Header()
        yield Static(id="goals-filter-line")
        yield KeyList(id="goals-list")
        yield Static(id="goals-empty")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if self._first is not None:
            self._show(self._first)
        self.query_one("#goals-list").focus()

    def on_screen_resume(self) -> None:
        if self._first is not None:
            self._first = None  # the first resume follows on_mount, which just listed them
        elif self.is_mounted:
            self.refresh_data()

    def on_resize(self) -> None:
        self._show(list(self._goals.values()))

    def _load(self) -> list[GoalView] | None:
        """The goals of the chosen status (recording today's progress points)."""
        with self.domain_errors():
            return self.col.goals.list(self.status, now=self.now())
        return None

    def refresh_data(self, keep: str | None = None) -> None:
        goals = self._load()
        if goals is not None:
            self._show(goals, keep)

    def _show(self, goals: list[GoalView], keep: str | None = None) -> None:
        listing = self.query_one("#goals-list", KeyList)
        keep = keep or listing.highlighted_id
        self._goals = {str(g.id): g for g in goals}
        today = self.col.clock.day_of(self.now())
        width = max(40, self.size.width - 6)
        listing.show([Option(self._row(g, today, width), id=str(g.id)) for g in goals], keep)
        self.set_class(not goals, "-empty")
        if goals and self.focused is None:  # the list was hidden while empty
            self.call_after_refresh(listing.focus)

        choices = []
        for status in FILTERS:
            if status == self.status:
                choices.append((f" {status} ", "bold reverse $text-accent"))
            else:
                choices.append((f" {status} ", "dim"))
        count = f"   {fmt.plural(len(goals), 'goal')}" if goals else ""
        self.query_one("#goals-filter-line", Static).update(
            Content.assemble("Show ", *choices, ("  (f)", "dim"), count)
        )
        if self.status == "active":
            empty = Content.assemble(
                ("No active goals yet.", "bold"),
                "\n\nPress ",
                ("a", "bold $text-accent"),
                " to add one: a vision of what you want, an honest current reality, and the "
                "milestones between them.",
            )
        else:
            empty = Content.assemble(
                (f"No {self.status} goals.", "bold"),
                " Press ",
                ("f", "bold $text-accent"),
                " to show the others, or ",
                ("a", "bold $text-accent"),
                " to add a goal.",
            )
        self.query_one("#goals-empty", Static).update(empty)

    @staticmethod
    def _row(goal: GoalView, today: date, width: int) -> Content:
        """Two lines: title, bar, % and target; then category, milestones and warnings."""
        right = 10 + 5 + 9  # bar, " 100%", " 104d" (+ margins)
        title_width = max(12, width - right)
        line1 = Content.assemble(
            Content(goal.title).truncate(title_width - 1, ellipsis=True, pad=True),  # user text
            " ",
            bar(goal.progress, 10),
            f" {percent(goal.progress):>4}",
            " ",
            days_left(goal.days_left if goal.status == "active" else None).truncate(8, pad=True),
        )
        facts: list[Content] = [Content(category_label(goal.category))]
        if goal.conflict_of:
            facts.insert(0, Content.styled(MARK, "bold $text-warning"))
        if goal.status != "active":
            facts.append(Content.styled(goal.status, "bold"))
        if goal.milestones_total:
            facts.append(Content(f"{goal.milestones_done}/{goal.milestones_total} milestones"))
        if goal.confidence_falling:
            facts.append(Content.styled("⚠ confidence falling", "bold $text-warning"))
        if goal.check_in_due:
            facts.append(Content.styled("check-in due", "$text-accent"))
        if goal.target and goal.status == "active":  # last: line 1 has the days left
            facts.append(Content(f"target {describe_date(goal.target, today)}"))
        line2 = Content("  ") + Content(" · ").join(facts).stylize("dim", 0, None)
        return Content("\n").join([line1, line2.truncate(width, ellipsis=True)])

    # ------------------------------------------------------------------ actions
    def action_add(self) -> None:
        def added(goal_id: int | None) -> None:
            if goal_id is not None:
                self.notify("Goal added. Enter opens it.")
                if self.status not in ("active", "all"):
                    self.status = "active"
                self.refresh_data(keep=str(goal_id))

        self.app.push_screen(GoalFormScreen(), added)

    def action_open(self) -> None:
        key = self.query_one("#goals-list", KeyList).highlighted_id
        if key is None:
            self.notify("No goals here: press a to add one.")
            return
        self.app.push_screen(GoalScreen(int(key)))

    def on_option_list_option_selected(self, event: KeyList.OptionSelected) -> None:
        """A click on a goal opens it, as Enter does."""
        event.stop()
        self.action_open()

    def action_filter(self) -> None:
        """Cycle the status shown: active, achieved, dropped, all."""
        self.status = FILTERS[(FILTERS.index(self.status) + 1) % len(FILTERS)]
        self.refresh_data()

    def action_leave(self) -> None:
        self.dismiss()


# ----------------------------------------------------------------------------- one goal
class GoalScreen(MasteryScreen):
    """One goal: vision and current reality side by side, and everything that closes the gap."""

    CSS_PATH = GOALS_JOURNAL_CSS

    AREA = "goals"
    SUB_TITLE = "Goal"
    BINDINGS = [
        Binding("e", "edit", "Edit", id="goal-edit"),
        Binding("m", "add_milestone", "Add milestone", id="goal-add-milestone"),
        Binding("c", "check_in", "Check in", id="goal-check-in"),
        # Out of the footer to fit 80 columns; the help screen and the palette show them.
        Binding("d", "done", "Mark achieved", show=False, id="goal-done"),
        Binding("x", "drop", "Drop goal", show=False, id="goal-drop"),
        Binding("o", "reopen", "Reopen", id="goal-reopen"),
        Binding("v", "toggle_shared", "Share with mentor", show=False, id="goal-share"),
        Binding("r", "resolve", "Resolve", id="goal-resolve"),  # conflict copies only
        Binding("escape", "leave", "Back", id="goal-leave"),
    ]

    def __init__(self, goal_id: int) -> None:
        super().__init__(id="goal-screen")
        self.goal_id = goal_id
        self.detail: GoalDetail | None = None
        self._entries: dict[str, EntryView] = {}
        self._loaded: tuple[GoalDetail, list[RealityVersion], list[EntryView]] | None = None

    def compose(self) -> ComposeResult:
        self._loaded = self._load()
        if self._loaded is not None:
            self._set_state(*self._loaded)
        yield Header()
        yield Static(id="goal-head")
        yield Static(id="goal-progress")
        with Horizontal(id="tension"):
            yield Static(id="tension-vision", classes="tension-panel")
            yield Static(id="tension-gap")
            yield Static(id="tension-reality", classes="tension-panel")
        with VerticalScroll(id="goal-body"):
            yield Static("Milestones", classes="goal-section", id="goal-milestones-heading")
            yield MilestoneList(id="goal-milestones")
            yield Static(id="goal-no-milestones")
            with Horizontal(id="goal-charts"):
                with Vertical(id="goal-chart-box"):
                    yield Static("Progress over time", classes="goal-section")
                    yield ProgressChart(id="goal-chart")
                with Vertical(id="goal-signals"):
                    yield Static("Confidence", classes="goal-section")
                    yield Static(id="goal-confidence")
                    yield Static("Cadence", classes="goal-section")
                    yield Static(id="goal-cadence")
            yield Static("Linked decks", classes="goal-section")
            yield Static(id="goal-decks")
            yield Static("Journal", classes="goal-section", id="goal-entries-heading")
            yield EntryList(id="goal-entries")
            yield Static(id="goal-no-entries")
            yield Static("Earlier realities", classes="goal-section", id="goal-realities-heading")
            yield Static(id="goal-realities")
            yield FeedbackList(id="goal-feedback", zone=self.col.clock.zone)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if self._loaded is not None:
            self._show(*self._loaded)
        detail = self.detail
        if detail is not None and detail.milestones:
            self.query_one("#goal-milestones").focus()
        elif self._entries:
            self.query_one("#goal-entries").focus()
        else:
            self.query_one("#goal-body").focus()

    def on_screen_resume(self) -> None:
        if self._loaded is not None:
            self._loaded = None  # just shown by on_mount
        elif self.is_mounted:
            self.refresh_data()

    def _load(self) -> tuple[GoalDetail, list[RealityVersion], list[EntryView]] | None:
        """The goal (recording today's progress point), its realities and its entries."""
        with self.domain_errors():
            detail = self.col.goals.get(self.goal_id, now=self.now())
            realities = self.col.goals.realities(self.goal_id)
            entries = self.col.journal.for_goal(detail.id, detail.title)
            return detail, realities, entries
        return None

    def refresh_data(self) -> None:
        """Read the goal again and show it."""
        loaded = self._load()
        if loaded is not None:
            self._show(*loaded)

    # ------------------------------------------------------------------ showing
    def _set_state(
        self, detail: GoalDetail, realities: list[RealityVersion], entries: list[EntryView]
    ) -> None:
        """The modifier classes the stylesheet hides and shows sections by. Set before the
        first compose too, so a new screen is styled once, not twice."""
        self.set_class(detail.status != "active", "-closed")
        self.set_class(not detail.milestones, "-no-milestones")
        self.set_class(not entries, "-no-entries")
        self.set_class(len(realities) < 2, "-no-earlier")

    def _show(
        self, detail: GoalDetail, realities: list[RealityVersion], entries: list[EntryView]
    ) -> None:
        self.detail = detail
        today = self.col.clock.day_of(self.now())
        self.sub_title = f"Goal: {detail.title}"
        comments = self.col.mentor.comments_for_goal(detail.id)
        self.query_one("#goal-feedback", FeedbackList).show(comments)
        unread = [c.uid for c in comments if c.unread]
        if unread:
            self.col.mentor.mark_read(unread, now=self.now())
        self._set_state(detail, realities, entries)

        status_style = {"active": "$text-success", "achieved": "bold $text-success"}.get(
            detail.status, "$text-warning"
        )
        head = [
            Content.styled(detail.title, "bold"),  # user text, styled as a whole
            Content.styled(f"  {category_label(detail.category)}", "dim"),
        ]
        if detail.conflict_of:
            head.insert(0, Content.styled(f"{MARK} (r: resolve)  ", "bold $text-warning"))
        if detail.status != "active":
            head.append(Content.styled(f" · {detail.status}", status_style))
        elif detail.target is not None:  # the days left are in the gap
            head.append(Content.styled(f" · target {full_date(detail.target)}", "dim"))
        if detail.visibility == "shared":
            head.append(Content.styled(" · shared with mentor", "$text-accent"))
        self.query_one("#goal-head", Static).update(Content.assemble(*head))
        self.query_one("#goal-progress", Static).update(self._progress_line(detail))

        vision = self.query_one("#tension-vision", Static)
        vision.border_title = "Vision"
        vision.update(
            Content(detail.vision)
            if detail.vision
            else Content.styled("Where do you want to be? Press e to write your vision.", "dim")
        )
        reality = self.query_one("#tension-reality", Static)
        reality.border_title = "Current reality"
        updates = max(0, len(realities) - 1)
        if updates:
            reality.border_subtitle = (
                f"updated {fmt.plural(updates, 'time')} · {realities[-1].day.isoformat()}"
            )
        elif realities:
            reality.border_subtitle = f"as of {realities[-1].day.isoformat()}"
        else:
            reality.border_subtitle = ""
        reality.update(
            Content(detail.reality)
            if detail.reality
            else Content.styled("Where are you now, honestly? Press e to write it.", "dim")
        )
        self.query_one("#tension-gap", Static).update(self._gap(detail))

        milestones = self.query_one("#goal-milestones", MilestoneList)
        milestones.show_milestones(
            [(m.position, m.title, m.done, m.done_on) for m in detail.milestones]
        )
        done, total = detail.milestones_done, detail.milestones_total
        self.query_one("#goal-milestones-heading", Static).update(
            Content.assemble("Milestones", (f"  {done}/{total} done" if total else "", "dim"))
        )
        self.query_one("#goal-no-milestones", Static).update(
            Content.assemble(
                ("No milestones yet. Press ", "dim"),
                ("m", "bold $text-accent"),
                (" to add the first step between reality and vision.", "dim"),
            )
        )

        self.query_one("#goal-chart", ProgressChart).show(
            [(p.day, p.progress) for p in detail.history], today
        )
        self.query_one("#goal-confidence", Static).update(self._confidence(detail, today))
        self.query_one("#goal-cadence", Static).update(self._cadence(detail))
        self.query_one("#goal-decks", Static).update(self._decks(detail))

        self._entries = {str(e.id): e for e in entries}
        entry_list = self.query_one("#goal-entries", EntryList)
        width = max(30, self.app.size.width - 6)
        entry_list.show(
            [Option(self._entry_row(e, today, width), id=str(e.id)) for e in entries],
            entry_list.highlighted_id,
        )
        self.query_one("#goal-entries-heading", Static).update(self._entries_heading(len(entries)))
        self.query_one("#goal-no-entries", Static).update(
            Content.styled(
                "No journal entries mention this goal yet: name it in an entry, or link it "
                "in the entry's Goals field.",
                "dim",
            )
        )

        earlier = realities[:-1]
        self.query_one("#goal-realities", Static).update(
            Content("\n").join(
                Content.assemble((f"{r.day.isoformat()}  ", "dim"), r.text)  # user text
                for r in reversed(earlier)
            )
        )

    @staticmethod
    def _entries_heading(count: int) -> Content:
        if not count:
            return Content("Journal")
        noun = "entry mentions" if count == 1 else "entries mention"
        return Content.assemble("Journal", (f"  {count} {noun} it · Enter opens", "dim"))

    @staticmethod
    def _progress_line(detail: GoalDetail) -> Content:
        parts: list[str | Content | tuple[str, str]] = [
            ("Progress ", "bold"),
            bar(detail.progress, 20),
            (f" {percent(detail.progress)}", "bold"),
        ]
        facts = []
        if detail.milestones_total:
            facts.append(f"milestones {detail.milestones_done}/{detail.milestones_total}")
        if detail.mature_share is not None:
            facts.append(f"mature cards {percent(detail.mature_share)}")
        if detail.mean_retrievability is not None:
            facts.append(f"recall today {percent(detail.mean_retrievability)}")
        if facts:
            parts.append(("  " + " · ".join(facts), "dim"))
        return Content.assemble(*parts)

    def _gap(self, detail: GoalDetail) -> Content:
        """The gap between reality and vision, called out between the two panels."""
        if detail.status == "achieved":
            return Content.assemble(
                ("closed\n", "bold $text-success"), ("✓ achieved", "$text-success")
            )
        if detail.status == "dropped":
            return Content.assemble(("let go\n", "bold $text-warning"), ("o reopens", "dim"))
        lines = [
            Content.styled("the gap", "bold $text-warning"),
            Content.styled("◀───────", "$text-warning"),
            Content.styled(f"{percent(1 - detail.progress)} to go", "bold"),
        ]
        if detail.days_left is not None:
            if detail.days_left >= 0:
                lines.append(Content.styled(fmt.plural(detail.days_left, "day"), "dim"))
            else:
                lines.append(Content.styled(f"{-detail.days_left}d late", "$text-error"))
        return Content("\n").join(lines)

    @staticmethod
    def _confidence(detail: GoalDetail, today: date) -> Content:
        if not detail.check_ins:
            text = Content.assemble(
                ("No check-ins yet. Press ", "dim"),
                ("c", "bold $text-accent"),
                (" each week: how sure are you (1-10)?", "dim"),
            )
            return text
        trend = [c for _, c in detail.confidence_trend][-6:]
        last = detail.check_ins[-1]
        lines = [
            Content.assemble(
                (" → ".join(str(c) for c in trend), "bold"),
                (f"   latest {last.confidence}/10, {describe_date(last.day, today)}", "dim"),
            )
        ]
        if last.note:
            lines.append(Content.styled(f"“{last.note}”", "italic dim"))  # user text
        if detail.confidence_falling:
            lines.append(
                Content.styled(
                    "⚠ Confidence is falling: look at what changed before the % does.",
                    "bold $text-warning",
                )
            )
        if detail.check_in_due:
            lines.append(
                Content.assemble(("Check-in due: press ", "dim"), ("c", "bold $text-accent"))
            )
        return Content("\n").join(lines)

    @staticmethod
    def _cadence(detail: GoalDetail) -> Content:
        if not detail.cadence:
            return Content.styled("No cadence. Press e to set one (every weekday…).", "dim")
        adherence = detail.adherence
        if adherence is None or not adherence.planned:
            return Content.assemble((detail.cadence, "bold"), ("  nothing planned yet", "dim"))
        rate = adherence.rate or 0.0
        style = (
            "$text-success" if rate >= 0.8 else ("$text-warning" if rate >= 0.5 else "$text-error")
        )
        strip = Content.assemble(
            *[("■", "$text-success") if met else ("□", "dim") for _, met in adherence.days[-24:]]
        )
        return Content("\n").join(
            [
                Content.assemble(
                    (detail.cadence, "bold"),
                    ": ",
                    (f"{adherence.met} of {adherence.planned} kept ({percent(rate)})", style),
                ),
                strip,
            ]
        )

    @staticmethod
    def _decks(detail: GoalDetail) -> Content:
        if not detail.decks:
            return Content.styled(
                "No linked decks. Press e to link decks whose cards measure this goal.", "dim"
            )
        lines = []
        for deck in detail.decks:
            label = deck_label(deck.key, deck.name)  # user text
            name = Content(label).truncate(22, ellipsis=True, pad=True)
            if deck.mature_share is None:
                lines.append(Content.assemble(name, ("  no cards", "dim")))
                continue
            recall = (
                f"recall {percent(deck.mean_retrievability)}"
                if deck.mean_retrievability is not None
                else "not studied yet"
            )
            lines.append(
                Content.assemble(
                    name,
                    " ",
                    bar(deck.mature_share, 10),
                    f" {percent(deck.mature_share):>4} mature",
                    (f" ({deck.mature}/{deck.cards}) · {recall}", "dim"),
                )
            )
        return Content("\n").join(lines)

    @staticmethod
    def _entry_row(entry: EntryView, today: date, width: int) -> Content:
        """One line: when, the title, the tags (cut to `width`)."""
        when = f"{describe_date(entry.day, today):<11} "
        tags = "  " + " ".join(f"#{t}" for t in entry.tags) if entry.tags else ""
        room = max(12, width - len(when) - len(tags))  # the title gives way to the tags
        title = Content.styled(entry.title, "bold")  # user text
        if title.cell_length > room:
            title = title.truncate(room - 1) + Content("…")
        return Content.assemble((when, "dim"), title, (tags, "dim")).truncate(width, ellipsis=True)

    # ------------------------------------------------------------------ actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        detail = self.detail
        if detail is None:
            return True
        if action == "check_in" and detail.conflict_of is not None:
            return False  # a copy is resolved first; and "r Resolve" needs its room at 80 columns
        if action in ("done", "drop", "check_in"):
            return detail.status == "active"
        if action == "reopen":
            return detail.status != "active"
        if action == "resolve":
            return detail.conflict_of is not None
        return True

    def action_resolve(self) -> None:
        detail = self.detail
        if detail is None or detail.conflict_of is None:
            return

        def chosen(keep: str | None) -> None:
            if keep is None:
                return
            with self.domain_errors():
                kept = self.col.goals.resolve(detail.id, keep)
                self.notify(
                    f"Kept: {kept.title}" if kept else "Deleted the conflict copy.", markup=False
                )
                if kept is None or kept.id != detail.id:
                    self.dismiss()  # this copy is gone
                else:
                    self._after(kept)

        self.app.push_screen(ResolveScreen("goal", detail.title), chosen)

    def _after(self, result: object) -> None:
        if result is not None:
            self.refresh_data()
            self.refresh_bindings()

    def action_edit(self) -> None:
        if self.detail is not None:
            self.app.push_screen(GoalFormScreen(self.detail), self._after)

    def action_add_milestone(self) -> None:
        if self.detail is not None:
            self.app.push_screen(MilestoneScreen(self.detail), self._after)

    def action_check_in(self) -> None:
        if self.detail is not None:
            self.app.push_screen(CheckInScreen(self.detail), self._after)

    def _set_status(self, status: str) -> None:
        now = self.now()
        with self.domain_errors():
            goals = self.col.goals
            if status == "achieved":
                goals.done(self.goal_id, now=now)
                self.notify("Achieved: the gap is closed. o reopens it.")
            elif status == "dropped":
                goals.drop(self.goal_id, now=now)
                self.notify("Dropped: it leaves your dashboard, its history stays. o reopens it.")
            else:
                goals.reopen(self.goal_id, now=now)
                self.notify("Reopened: the goal is active again.")
            self._after(True)

    def action_done(self) -> None:
        self._set_status("achieved")

    def action_drop(self) -> None:
        self._set_status("dropped")

    def action_reopen(self) -> None:
        self._set_status("active")

    def action_toggle_shared(self) -> None:
        """Share the goal with a mentor (it goes into the next bundle), or make it private."""
        if self.detail is None:
            return
        shared = self.detail.visibility != "shared"
        with self.domain_errors():
            self.col.goals.edit(
                self.goal_id, visibility="shared" if shared else "private", now=self.now()
            )
            self.notify(
                "Shared: the goal goes into your next mentor bundle."
                if shared
                else "Private: the goal stays in your profile."
            )
            self.refresh_data()

    def on_milestone_list_toggled(self, event: MilestoneList.Toggled) -> None:
        event.stop()
        with self.domain_errors():
            self.col.goals.complete_milestone(
                self.goal_id, event.position, now=self.now(), done=event.done
            )
            self.refresh_data()

    def on_option_list_option_selected(self, event: EntryList.OptionSelected) -> None:
        if event.option_list.id == "goal-entries" and event.option_id is not None:
            event.stop()
            from mastery.tui.screens.journal import EntryScreen

            self.app.push_screen(EntryScreen(int(event.option_id)))

    def action_leave(self) -> None:
        self.dismiss()


# ----------------------------------------------------------------------------- dialogs
class GoalFormScreen(UnsavedChanges, MasteryModal):
    """Add a goal, or edit one (`goal` given): ctrl+s saves through the domain, Escape
    cancels. A target date or cadence the domain cannot read is explained under its field and
    the form stays open. Dismisses with the goal's id, or None."""

    CSS_PATH = GOALS_JOURNAL_CSS

    AREA = "goals"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="goal-form-save"),
        Binding("escape", "cancel", "Cancel", id="goal-form-cancel"),
    ]

    def __init__(self, goal: GoalDetail | None = None) -> None:
        super().__init__(id="goal-form-screen")
        self.goal = goal

    def compose(self) -> ComposeResult:
        goal = self.goal
        if goal is None:
            draft = GoalDraft()
        else:
            draft = GoalDraft(
                title=goal.title,
                vision=goal.vision,
                reality=goal.reality,
                category=goal.category,
                target=goal.target.isoformat() if goal.target else "",
                cadence=goal.cadence or "",
                decks=tuple(d.key for d in goal.decks),
            )
        decks: list[tuple[str, str]] = []
        with self.domain_errors():
            decks = [(d.key, d.label) for d in self.col.decks(now=self.now())]
        with Vertical(id="goal-form-box", classes="dialog"):
            yield Static(
                Content.styled("New goal" if goal is None else "Edit goal", "bold"),
                classes="dialog-title",
            )
            yield GoalForm(
                draft,
                categories=DISCIPLINES,
                decks=decks,
                with_milestones=goal is None,
                id="goal-form-fields",
            )
            if goal is not None:
                yield Static(
                    "A changed current reality is kept as a new version; the old one stays "
                    "in the goal's history.",
                    classes="dialog-hint",
                    markup=False,
                )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#goal-title").focus()
        form = self.query_one(GoalForm)
        self._preview_target(form.draft().target)
        self._preview_cadence(form.draft().cadence)

    def on_input_changed(self, event: Input.Changed) -> None:
        form = self.query_one(GoalForm)
        if event.input.id == "goal-target":
            form.clear_error("target")
            self._preview_target(event.value)
        elif event.input.id == "goal-cadence":
            form.clear_error("cadence")
            self._preview_cadence(event.value)

    def _preview_target(self, text: str) -> None:
        """The target date as understood, while typing (the domain reads it again on save)."""
        form = self.query_one(GoalForm)
        if not text.strip():
            form.set_hint("target", "optional")
            return
        today = self.col.clock.day_of(self.now())
        try:
            day = parse_date(text, today)
        except DateParseError:
            form.set_hint("target", "not a date yet")
            return
        said = target_text(day, today)
        near = abs((day - today).days) <= 31  # describe_date said it relatively
        form.set_hint("target", f"{full_date(day)} ({said})" if near else said)

    def _preview_cadence(self, text: str) -> None:
        form = self.query_one(GoalForm)
        if not text.strip():
            form.set_hint("cadence", "optional: how often you practise")
            return
        try:
            form.set_hint("cadence", parse_cadence(text).text)
        except DateParseError:
            form.set_hint("cadence", "not a cadence yet")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter moves on to the next field (the text areas take Enter as a new line, so
        saving is ctrl+s everywhere)."""
        event.stop()
        self.focus_next()

    def action_save(self) -> None:
        form = self.query_one(GoalForm)
        draft = form.draft()
        goals, now = self.col.goals, self.now()
        for name in ("target", "cadence"):
            form.clear_error(name)
        try:
            if self.goal is None:
                view = goals.add(
                    draft.title,
                    vision=draft.vision,
                    reality=draft.reality,
                    category=draft.category,
                    target=draft.target or None,
                    cadence=draft.cadence or None,
                    decks=draft.decks,
                    milestones=draft.milestones,
                    now=now,
                )
            else:
                view = goals.edit(
                    self.goal.id,
                    title=draft.title,
                    vision=draft.vision,
                    reality=draft.reality,
                    category=draft.category,
                    target=draft.target,
                    cadence=draft.cadence,
                    decks=draft.decks,
                    now=now,
                    was=self.goal,
                )
        except DateParseError as exc:
            form.show_error("cadence" if exc.kind == "cadence" else "target", str(exc))
            return
        except MasteryError as exc:
            self.notify(str(exc), title="Not saved", severity="error", markup=False)
            for name in ("title", "category"):
                if name in str(exc):
                    form.field_widget(name).focus()
            return
        self.dismiss(view.id)


class CheckInScreen(UnsavedChanges, MasteryModal):
    """The weekly check-in: how sure (1-10) the learner is that the goal will be met, and why."""

    CSS_PATH = GOALS_JOURNAL_CSS

    AREA = "goals"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="check-in-save"),
        Binding("escape", "cancel", "Cancel", id="check-in-cancel"),
    ]

    def __init__(self, goal: GoalDetail) -> None:
        super().__init__(id="check-in-screen")
        self.goal = goal

    def compose(self) -> ComposeResult:
        goal = self.goal
        with Vertical(id="check-in-box", classes="dialog"):
            yield Static(
                Content.assemble(("Check in: ", "bold"), goal.title), classes="dialog-title"
            )
            yield Static(
                "How sure are you that you will reach it? 1 (not at all) to 10 (certain).",
                markup=False,
            )
            with Horizontal(classes="form-row"):
                yield Static("Confidence", classes="form-label", markup=False)
                yield Input(
                    id="check-in-confidence",
                    type="integer",
                    max_length=2,
                    placeholder="1-10",
                    compact=True,
                )
            with Horizontal(classes="form-row"):
                yield Static("Why", classes="form-label", markup=False)
                yield Input(id="check-in-note", placeholder="one line", compact=True)
            if goal.check_ins:
                last = goal.check_ins[-1]
                today = last.day == self.col.clock.day_of(self.now())
                yield Static(
                    Content.assemble(
                        ("Last time: ", "dim"),
                        f"{last.confidence}/10 on {last.day.isoformat()}",
                        (f" — {last.note}" if last.note else "", "dim"),
                        ("\nSaving replaces today's check-in (one a day).", "$text-warning")
                        if today
                        else "",
                    ),
                    classes="dialog-hint",
                    id="check-in-last",
                )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#check-in-confidence").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "check-in-confidence":
            self.query_one("#check-in-note").focus()
        else:
            self.action_save()

    def action_save(self) -> None:
        text = self.query_one("#check-in-confidence", Input).value.strip()
        note = self.query_one("#check-in-note", Input).value
        # The domain says what a confidence must be; a number is passed as one.
        confidence: int | str = int(text) if text.lstrip("-").isdigit() else text
        try:
            result = self.col.goals.check_in(self.goal.id, confidence, note, now=self.now())  # type: ignore[arg-type]
        except MasteryError as exc:
            self.notify(str(exc), title="Not saved", severity="error", markup=False)
            self.query_one("#check-in-confidence").focus()
            return
        replaced = (
            f" (replaces today's {result.replaced}/10)" if result.replaced is not None else ""
        )
        self.notify(f"Checked in: {confidence}/10{replaced}.")
        self.dismiss(confidence)


class MilestoneScreen(UnsavedChanges, MasteryModal):
    """Add a milestone after the goal's last one."""

    CSS_PATH = GOALS_JOURNAL_CSS

    AREA = "goals"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="milestone-cancel")]

    def __init__(self, goal: GoalDetail) -> None:
        super().__init__(id="milestone-screen")
        self.goal = goal

    def compose(self) -> ComposeResult:
        with Vertical(id="milestone-box", classes="dialog"):
            yield Static(
                Content.assemble(("Add a milestone to ", "bold"), self.goal.title),
                classes="dialog-title",
            )
            yield Input(id="milestone-title", placeholder="The next step", compact=True)
            yield Static("Enter adds it; Escape cancels.", classes="dialog-hint", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#milestone-title").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            milestone = self.col.goals.add_milestone(self.goal.id, event.value, now=self.now())
        except MasteryError as exc:
            self.notify(str(exc), title="Not added", severity="error", markup=False)
            return
        self.dismiss(milestone.position)
