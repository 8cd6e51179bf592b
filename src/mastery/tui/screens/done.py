"""The end of a review session: what was done, and what comes next (for a cram session: that
it is finished and the schedule was not changed)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.content import Content
from textual.widgets import Footer, Header, Static

from mastery import present as fmt
from mastery.tui.screens.base import MasteryScreen
from mastery.tui.screens.review import CramScreen, ReviewScreen, Session, undo_step


class DoneScreen(MasteryScreen):
    """Shown when the queue is empty; Enter or Escape goes back to the dashboard."""

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
        yield Header()
        with Center(), Vertical(id="done-box"):
            yield Static(id="done-title")
            yield Static(id="done-session", markup=False)
            yield Static(id="done-next", markup=False)
            yield Static(id="done-today", markup=False)
            yield Static(
                Content.assemble(
                    "Press ",
                    ("enter", "bold $text-accent"),
                    " to go back" if self.session.cram else " to go back to your decks",
                    " or ",
                    ("u", "bold $text-accent"),
                    " to undo the last answer.",
                ),
                id="done-hint",
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
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
            stats = self.col.stats(now=now)
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
            elif stats.cards_new:
                text = "No reviews scheduled; more new cards tomorrow (see the daily limit in settings)."
            else:
                text = "Nothing scheduled. Import a deck from your shell: mastery import FILE"
            self.query_one("#done-next", Static).update(text)
            self.query_one("#done-today", Static).update(
                f"Today: {fmt.plural(stats.reviews_today, 'answer')} in "
                f"{fmt.duration(stats.time_today_ms)} · streak {fmt.plural(stats.streak_days, 'day')}."
            )

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
            stats = self.col.stats(now=self.now())
            self.query_one("#done-today", Static).update(
                f"Today: {fmt.plural(stats.reviews_today, 'answer')} · "
                f"{fmt.plural(stats.due_today.total, 'card')} left to review."
            )

    def action_leave(self) -> None:
        self.dismiss()

    def action_undo(self) -> None:
        restored = undo_step(self, self.session)
        if restored is None:
            return
        if self.session.cram is not None:
            self.app.switch_screen(CramScreen(restored, self.session))
        elif restored.suspended:
            self.app.start_review(self.session.deck_key, session=self.session, replace=True)
        else:
            self.app.switch_screen(ReviewScreen(restored, self.session))
