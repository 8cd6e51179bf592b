"""The end of a review session: what was done, and what comes next (for a cram session: that
it is finished and the schedule was not changed)."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.content import Content
from textual.widgets import Footer, Static

from mastery import present as fmt
from mastery.tui.screens.base import MasteryScreen
from mastery.tui.screens.review import RETAGS, CramScreen, ReviewScreen, Session, undo_step
from mastery.tui.widgets.sync_header import SyncHeader


class DoneScreen(MasteryScreen):
    """Shown when the queue is empty; Enter or Escape goes back to the dashboard."""

    CSS_PATH = None  # the first frame's: in the app's own stylesheet (mastery.tcss)

    AREA = "review"
    SUB_TITLE = "Review"
    BINDINGS = [
        Binding("enter,escape", "leave", "Back", id="done-leave"),
        Binding("u", "undo", "Undo", id="done-undo"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__(id="done")
        self.session = session

    def compose(self) -> ComposeResult:
        yield SyncHeader()
        with Center(), Vertical(id="done-box"):
            yield Static(id="done-title")
            yield Static(id="done-session", markup=False)
            yield Static(id="done-next", markup=False)
            yield Static(id="done-today", markup=False)
            yield Static(id="done-hint")
        yield Footer(compact=True)

    def _show_hint(self) -> None:
        """Enter to go back, and `u` only while this session has something to take back."""
        back = " to go back" if self.session.cram else " to go back to your decks"
        undo = (
            (" or ", ("u", "bold $text-accent"), f" to undo the last {self._last_step()}.")
            if self.can_undo
            else (".",)
        )
        self.query_one("#done-hint", Static).update(
            Content.assemble("Press ", ("enter", "bold $text-accent"), back, *undo)
        )
        self.refresh_bindings()

    @property
    def can_undo(self) -> bool:
        """This session's steps can still be taken back (not an older one on the stack)."""
        return bool(self.session.steps) and self.col.can_undo

    def _last_step(self) -> str:
        kind = self.session.steps[-1][0] if self.session.steps else "answer"
        return {"suspend": "suspension", "bury": "burial", "mark": "mark"}.get(kind, kind)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "undo":
            return self.can_undo  # False: out of the footer as well
        return True

    def on_mount(self) -> None:
        self._show_hint()
        if self.session.cram is not None:
            self._show_cram_done()
            return
        now = self.now()
        session = self.session
        if session.answered:
            self.app.after_review_session()
        where = f" in {session.deck_name}" if session.deck_name else ""
        title = ("Done for today!" if session.answered else "Nothing due right now") + where
        self.query_one("#done-title", Static).update(Content(title))
        self.query_one("#done-session", Static).update(session.summary())
        with self.domain_errors():
            left = self.col.counts(now=now, deck_id=session.deck_id)
            next_due = self.col.next_due(now=now, deck_id=session.deck_id)
            stats = self.col.today(now=now)
            clock = self.col.clock
            if left.total and next_due is not None:
                what = fmt.plural(left.total, "card")
                text = (
                    f"{what} still to learn today; the next comes back "
                    f"{fmt.when(next_due, now, clock)} ({fmt.due_in(next_due, now, clock)})."
                )
            elif left.total:
                text = (
                    f"{fmt.plural(left.total, 'card')} left today, held back by a "
                    "sibling reviewed today or by the daily limits."
                )
            elif next_due is not None:
                text = f"Next review: {fmt.when(next_due, now, clock)} ({fmt.due_in(next_due, now, clock)})."
            else:
                text = self._tomorrow(now)
            self.query_one("#done-next", Static).update(text)
            self.query_one("#done-today", Static).update(
                f"Today: {fmt.plural(stats.reviews_today, 'answer')} in "
                f"{fmt.duration(stats.time_today_ms)} · streak {fmt.plural(stats.streak_days, 'day')}."
            )

    def _tomorrow(self, now: datetime) -> str:
        """Nothing is scheduled: whether new cards come tomorrow, by tomorrow's limits."""
        new = self.col.new_tomorrow(now=now, deck_id=self.session.deck_id)
        if new is None:
            return "Nothing scheduled. Import a deck from your shell: mastery import FILE"
        return "No reviews scheduled. " + fmt.new_cards_tomorrow(new)

    def _show_cram_done(self) -> None:
        """A finished cram session: what was done, and that nothing was rescheduled."""
        session = self.session
        assert session.cram is not None
        self.sub_title = "Cram"
        self.query_one("#done-title", Static).update(
            Content(f"Cram finished: {session.cram.label}")
        )
        self.query_one("#done-session", Static).update(session.summary())
        self.query_one("#done-next", Static).update(
            "The schedule was not changed: cram answers are not reviews, so due dates, "
            "today's counts and your streak are as they were."
        )
        with self.domain_errors():
            stats = self.col.today(now=self.now())
            self.query_one("#done-today", Static).update(
                f"Today: {fmt.plural(stats.reviews_today, 'answer')} · "
                f"{fmt.plural(stats.due_today.total, 'card')} left to review."
            )

    def action_leave(self) -> None:
        self.dismiss()

    def action_undo(self) -> None:
        if not self.can_undo:
            return
        kind = self.col.undo_kind
        restored = undo_step(self, self.session)
        if restored is None:
            return
        if kind in RETAGS:  # the flag or mark is back; the session stays done
            self._show_hint()
        elif self.session.cram is not None:
            self.app.switch_screen(CramScreen(restored, self.session))
        elif restored.suspended:
            self.app.start_review(self.session.deck_key, session=self.session, replace=True)
        else:
            self.app.switch_screen(ReviewScreen(restored, self.session))
