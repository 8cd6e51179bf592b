"""Reviewing cards: front, reveal, answer 1-4; undo, suspend, bury; "done for today" at the end.

Every answer is written by `Collection.answer` the moment it is given, so leaving the screen at
any point keeps the work done. Keys follow Anki: space/Enter shows the answer (and, once shown,
answers Good), 1-4 answer, u undoes, e edits the card, `*` marks it; `f` then a digit flags it
(Anki's ctrl+1..7, which most terminals cannot send). The header shows Anki's three counts. With the `confidence_step` setting, j/k/l say how sure the
learner is and reveal in one press (space/Enter still reveal without saying).

`CramScreen` is the same screen over a cram or preview session (`mastery.cram`): answers go
to `Collection.cram_answer` and never touch the schedule.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from time import monotonic

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Footer, Rule, Static

from mastery import present as fmt
from mastery.cram import CramQueue
from mastery.errors import ConflictError, DatabaseBusyError, MasteryError
from mastery.model import CardView, QueueCounts
from mastery.states import CardState, Confidence, Flag, Rating
from mastery.tui.dialogs.flag import flag_content
from mastery.tui.screens.base import MasteryScreen
from mastery.tui.widgets.card_face import CardFace
from mastery.tui.widgets.rating_bar import RatingBar
from mastery.tui.widgets.sync_header import SyncHeader

# How long an answer waits for another window's write before the screen stops freezing and
# waits in a worker instead (see `ReviewScreen.action_answer`).
QUICK_WAIT = 0.5
WAITING = "Waiting for another Mastery window or command to finish writing…"


@dataclass
class Session:
    """What this sitting has done so far (shown as progress and on the done screen)."""

    deck_key: str | None = None
    deck_id: int | None = None
    deck_name: str | None = None
    answered: int = 0
    ratings: Counter[int] = field(default_factory=Counter)
    time_ms: int = 0
    # What this session may take back with `u`, newest last: ("answer", rating, ms) etc.
    steps: list[tuple[str, int, int]] = field(default_factory=list)
    # A cram or preview session's queue; None for a review of what is due.
    cram: CramQueue | None = None

    def record(self, kind: str, rating: int = 0, ms: int = 0) -> None:
        self.steps.append((kind, rating, ms))
        if kind == "answer":
            self.answered += 1
            self.ratings[rating] += 1
            self.time_ms += ms

    def take_back(self) -> str | None:
        """Forget the newest step (after `Collection.undo`); returns its kind."""
        if not self.steps:
            return None
        kind, rating, ms = self.steps.pop()
        if kind == "answer":
            self.answered -= 1
            self.ratings[rating] -= 1
            self.time_ms -= ms
        return kind

    def summary(self) -> str:
        if not self.answered:
            return "No cards answered in this session."
        parts = ", ".join(
            f"{Rating(r).label} {self.ratings[r]}" for r in sorted(self.ratings) if self.ratings[r]
        )
        return (
            f"{fmt.plural(self.answered, 'card')} answered in {fmt.duration(self.time_ms)}"
            f" ({parts})."
        )


def undo_step(screen: MasteryScreen, session: Session) -> CardView | None:
    """Take back the newest step (review and done screens alike) and say so; returns the
    restored card, or None when there was nothing to undo.

    A cram session only takes back its own answers, flags and marks: an older review answer
    on the undo stack is left alone, since undoing it here would show a scheduled card as if
    it were crammed."""
    if session.cram is not None and (
        not session.steps or screen.col.undo_kind not in ("cram", *RETAGS)
    ):
        screen.notify("Nothing to undo.")
        return None
    restored = None
    with screen.domain_errors():
        try:
            restored = screen.col.undo()
        except ConflictError as exc:
            # Another window answered this card since: the answer stays, its undo is gone.
            screen.notify(str(exc), title="Not undone", severity="error", markup=False)
            if session.steps:
                session.steps.pop()
            return None
    if restored is None:
        screen.notify("Nothing to undo.")
        return None
    kind = session.take_back()
    if session.cram is not None and kind == "answer":
        session.cram.undo()
    if kind in RETAGS:
        screen.notify("Undone: the flag is as it was." if kind == "flag" else "Undone: the mark.")
    else:
        screen.notify("Undone." if restored.suspended else "Undone: the card is back.")
    return restored


RETAGS = ("flag", "mark")
"""Undo steps that change a card's tags only: undoing them leaves the card where it is."""

# Keys kept out of the footer while the confidence question shows, so that j/k/l, Undo, Back
# and Help fit in 80 columns (they still work; `?` lists them).
_SECONDARY = ("edit", "flag", "mark", "suspend", "bury")
_QUEUES = (("new", "$text-primary"), ("learning", "$text-error"), ("review", "$text-success"))


class ReviewFooter(Footer):
    """The footer, leaving out the keys of `hidden` actions (which keep working), also when
    Textual rebuilds it on its own."""

    def __init__(self) -> None:
        super().__init__(compact=True)
        self.hidden: frozenset[str] = frozenset()

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if getattr(widget, "action", "") in self.hidden:
                widget.display = False
            yield widget


_KEY = "bold $text-accent"
_CONFIDENCE_HINT = Content.assemble(
    "How sure are you?  ",
    ("j", _KEY),
    " unsure · ",
    ("k", _KEY),
    " fairly sure · ",
    ("l", _KEY),
    " certain  (",
    ("space", _KEY),
    " skips)",
)


class ReviewScreen(MasteryScreen):
    """One card at a time until the queue is empty."""

    CSS_PATH = None  # the first frame's: in the app's own stylesheet (mastery.tcss)

    AREA = "review"
    SUB_TITLE = "Review"
    BINDINGS = [
        # Not in the footer: the answer area says "Press space..." and then shows the four
        # choices. Keeping the footer unchanged from card to card also spares a footer rebuild
        # (about half the work of showing a card).
        Binding("space,enter", "reveal", "Show answer", show=False, id="review-reveal"),
        Binding("space,enter", "answer(3)", "Good", show=False, id="review-good-default"),
        Binding("1", "answer(1)", "Again", show=False, id="review-again"),
        Binding("2", "answer(2)", "Hard", show=False, id="review-hard"),
        Binding("3", "answer(3)", "Good", show=False, id="review-good"),
        Binding("4", "answer(4)", "Easy", show=False, id="review-easy"),
        # The confidence step (setting `confidence_step`): first in the footer, and only while
        # the question shows (see `_show_confidence_keys`); never there with the setting off.
        Binding("j", "confide(1)", "Unsure", id="review-unsure"),
        Binding("k", "confide(2)", "Fairly sure", id="review-fairly-sure"),
        Binding("l", "confide(3)", "Certain", id="review-certain"),
        Binding("e", "edit", "Edit", id="review-edit"),
        Binding("f", "flag", "Flag", id="review-flag"),
        Binding("asterisk", "mark", "Mark", id="review-mark"),
        Binding("u", "undo", "Undo", id="review-undo"),
        Binding("s", "suspend", "Suspend", id="review-suspend"),
        Binding("b", "bury", "Bury", id="review-bury"),
        Binding("escape", "leave", "Back", id="review-leave"),
        # Anki's flag keys, for terminals that tell ctrl+digit from the digit.
        *(
            Binding(
                f"ctrl+{n}",
                f"set_flag({n})",
                "",  # one row in help and the palette: f
                show=False,
                id=f"review-flag-{n}",
            )
            for n in range(1, 8)
        ),
    ]

    def __init__(self, first: CardView, session: Session) -> None:
        super().__init__(id="review")
        self.session = session
        self.card = first
        self.revealed = False
        self.confidence_step = False  # the setting, read once when the screen opens
        self.confidence: int | None = None  # said for the card showing (None: not said)
        self._shown_at = 0.0  # set when the card is shown
        self._saving = False  # an answer is waiting for another window's write to end
        self._footer = ReviewFooter()

    def compose(self) -> ComposeResult:
        yield SyncHeader()
        with Horizontal(id="status"):
            yield Static(id="deck-name", markup=False)
            yield Static(id="card-flag", markup=False)
            yield Static(id="card-state", markup=False)
            yield Static(id="counts", markup=False)
            yield Static(id="progress", markup=False)
        with VerticalScroll(id="card"):
            yield CardFace(id="front")
            yield Rule(id="divider")
            yield CardFace(id="back")
        with Vertical(id="answer-area"):
            yield Center(Static("Press space or enter to show the answer", id="reveal-hint"))
            yield RatingBar(id="ratings")
        yield self._footer

    def on_mount(self) -> None:
        with self.domain_errors():
            self.confidence_step = bool(self.col.setting("confidence_step"))
        if self.confidence_step:
            self.query_one("#reveal-hint", Static).update(_CONFIDENCE_HINT)
            self._footer.hidden = frozenset(_SECONDARY)
            self.refresh_bindings()
        self.show_card(self.card)

    # ------------------------------------------------------------------ showing
    def show_card(self, card: CardView) -> None:
        """Show a card's front (the back hidden) and start timing the answer."""
        self.card = card
        self.confidence = None
        self._set_revealed(False)
        self.query_one("#front", CardFace).show(card.front)
        self.query_one("#back", CardFace).show(card.back)
        self.query_one("#card", VerticalScroll).scroll_home(animate=False)
        self.query_one("#deck-name", Static).update(self._title(card))
        self.query_one("#card-state", Static).update(self._state_label(card))
        self._show_flag(card)
        self._update_progress()
        self._shown_at = monotonic()

    def _show_flag(self, card: CardView) -> None:
        self.query_one("#card-flag", Static).update(flag_content(card.flag, card.marked))

    def _set_revealed(self, revealed: bool) -> None:
        # On the two parts that change rather than the screen, so the header and footer are
        # not restyled on every card.
        changed = revealed != self.revealed
        self.revealed = revealed
        for part in self.query("#card, #answer-area"):
            part.set_class(revealed, "-revealed")
        if changed and self.confidence_step:
            self._show_confidence_keys(not revealed)

    def _show_confidence_keys(self, shown: bool) -> None:
        """j/k/l in the footer while the question shows, by hiding or showing their three keys.

        `refresh_bindings()` on every reveal and every card rebuilds the whole footer twice a
        card, which about doubled the CPU time of a card (measured under Pilot: ~65 -> ~130
        ms); toggling three keys costs next to nothing. `check_action` agrees with what is
        shown, so a footer Textual rebuilds on its own is right too; if one was rebuilt while
        the answer showed (without the keys), it is rebuilt once more here."""
        found = False
        self._footer.hidden = frozenset(_SECONDARY) if shown else frozenset()
        for key in self._footer.children:  # FooterKey widgets carry their action
            action = getattr(key, "action", "")
            if action.startswith("confide("):
                key.display = shown
                found = True
            elif action in _SECONDARY:
                key.display = not shown
        if shown and not found:
            self.refresh_bindings()

    def _title(self, card: CardView) -> Content:
        """The left of the status line: the card's deck (and its team, for a team's)."""
        return Content(card.deck_label)

    def _state_label(self, card: CardView, confidence: int | None = None) -> Content:
        label = card.state_name
        if card.lapses:
            label += f" · {fmt.plural(card.lapses, 'lapse')}"
        if confidence is not None:
            label += f" · {Confidence(confidence).label}"
        return Content(label)

    def refresh_data(self) -> None:
        """Cards due changed elsewhere (a sync, another window): the counts again; the card
        showing stays until it is answered."""
        self._update_progress()

    def _update_progress(self) -> None:
        with self.domain_errors():
            left = self.col.counts(now=self.now(), deck_id=self.session.deck_id)
            done = self.session.answered
            self.query_one("#counts", Static).update(self._counts(left))
            self.query_one("#progress", Static).update(
                Content.assemble((f"{done} / {done + left.total}", "bold"))
            )

    def _counts(self, left: QueueCounts) -> Content:
        """Anki's three numbers: new, learning and review cards left today (the dashboard's
        figures, limits applied), the current card's queue underlined."""
        state = self.card.state
        current = (
            "new"
            if state == CardState.NEW
            else "review"
            if state == CardState.REVIEW
            else "learning"
        )
        parts: list[str | tuple[str, str]] = []
        for name, colour in _QUEUES:
            if parts:
                parts.append(" + ")
            style = f"{colour} bold underline" if name == current else colour
            parts.append((str(getattr(left, name)), style))
        return Content.assemble(*parts)

    def next_card(self) -> None:
        """Show the next card due, or the done screen when there is none."""
        card = None
        with self.domain_errors():
            card = self.col.next_card(now=self.now(), deck_id=self.session.deck_id)
        if card is None:
            from mastery.tui.screens.done import DoneScreen

            self.app.switch_screen(DoneScreen(self.session))
        else:
            self.show_card(card)

    # ------------------------------------------------------------------ actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self._saving and action in (
            *("answer", "confide", "undo", "suspend", "bury"),
            *("edit", "flag", "set_flag", "mark"),
        ):
            return None  # one write at a time: the waiting answer lands first
        if action == "reveal":
            return not self.revealed  # once shown, space/Enter fall through to "Good"
        if action == "answer":
            return True if self.revealed else None  # None: listed (dimmed) but inactive
        if action == "confide":
            return self.confidence_step and not self.revealed  # False: hidden
        return True

    # ------------------------------------------------------------------ edit, flag, mark
    def action_edit(self) -> None:
        """Edit the card's front, back and tags (`CardEditorScreen`); the answer stays as it
        was shown, the timer keeps running."""
        from mastery.tui.dialogs.card_editor import CardEditorScreen

        def saved(card: CardView | None) -> None:
            if card is not None and self.is_attached:
                self.card = card
                self.query_one("#front", CardFace).show(card.front)
                self.query_one("#back", CardFace).show(card.back)
                self._show_flag(card)

        self.app.push_screen(CardEditorScreen(self.card), saved)

    def action_flag(self) -> None:
        """Choose the card's flag (`FlagScreen`: 1-7, 0 for none)."""
        from mastery.tui.dialogs.flag import FlagScreen

        def chosen(flag: int | None) -> None:
            if flag is not None:
                self.action_set_flag(flag)

        self.app.push_screen(FlagScreen(self.card.flag), chosen)

    def action_set_flag(self, flag: int) -> None:
        """Flag the card (Anki's ctrl+1..7; again on the same flag takes it off, as in Anki)."""
        wanted = Flag.NONE if self.card.flag == flag else Flag(flag)
        with self.domain_errors():
            if self.col.set_flag([self.card.id], wanted, now=self.now()):
                self.session.record("flag")
            self._refresh_card()
            said = f"Flagged {wanted.label} (u to undo)." if wanted else "Flag taken off."
            self.notify(said)

    def action_mark(self) -> None:
        """Mark or unmark the card (Anki's `*`: the tag `marked`)."""
        on = not self.card.marked
        with self.domain_errors():
            if self.col.set_marked([self.card.id], on, now=self.now()):
                self.session.record("mark")
            self._refresh_card()
            self.notify("Marked (u to undo)." if on else "Mark taken off.")

    def _refresh_card(self) -> None:
        """The card read again after a change that leaves it on screen (a flag, the mark)."""
        self.card = self.col.card(self.card.id)
        self._show_flag(self.card)

    def action_reveal(self) -> None:
        if self.revealed:
            return
        self._show_choices()
        if self.confidence is not None:
            self.query_one("#card-state", Static).update(
                self._state_label(self.card, self.confidence)
            )
        self._set_revealed(True)

    def _show_choices(self) -> None:
        """Label the four buttons with the interval each answer would give."""
        choices = []
        with self.domain_errors():
            choices = self.col.choices(self.card.id, now=self.now())
        self.query_one(RatingBar).show_choices(choices)

    def action_confide(self, confidence: int) -> None:
        """Say how sure you are, and see the answer."""
        if self.revealed or not self.confidence_step:
            return
        self.confidence = confidence
        self.action_reveal()

    def action_answer(self, rating: int) -> None:
        if not self.revealed:
            return
        ms = int((monotonic() - self._shown_at) * 1000)
        with self.domain_errors():
            try:
                with self.col.db.waiting(QUICK_WAIT):
                    self._answer(rating, ms)
            except DatabaseBusyError:
                # Another window or an import holds the profile: wait in a worker, with the
                # card (and the answer given) kept on screen until it lands.
                self._saving = True
                self.refresh_bindings()
                self.notify(WAITING, title="Busy", markup=False)
                self._answer_when_free(rating, ms)
                return
            self._answered(rating, ms)

    def _answered(self, rating: int, ms: int) -> None:
        """The answer is written: count it and move on."""
        self.session.record("answer", rating, ms)
        self.next_card()

    @work(thread=True, exclusive=True, exit_on_error=False, group="answer")
    def _answer_when_free(self, rating: int, ms: int) -> None:
        """Retry the answer for as long as `Database.max_wait` allows (a long import commits
        in chunks, so it gets in between); on failure the card stays, answer not taken."""
        from mastery.db import MAX_WAIT

        try:
            with self.col.db.waiting(MAX_WAIT):
                self._answer(rating, ms)
        except MasteryError as exc:
            self.app.call_from_thread(self._answer_failed, exc)
        else:
            self.app.call_from_thread(self._answer_landed, rating, ms)

    def _answer_landed(self, rating: int, ms: int) -> None:
        self._saving = False
        self.refresh_bindings()
        if self.is_attached:
            self._answered(rating, ms)

    def _answer_failed(self, error: MasteryError) -> None:
        self._saving = False
        self.refresh_bindings()
        self.notify(
            f"{error}. The card is still here: answer it again.",
            title="Not saved",
            severity="error",
            markup=False,
        )

    def _answer(self, rating: int, ms: int) -> None:
        """Write the answer to the collection (it reschedules the card)."""
        answered = self.col.answer(
            self.card.id, rating, now=self.now(), duration_ms=ms, confidence=self.confidence
        )
        if answered.leech:
            self.notify(
                "This card keeps slipping: it is now tagged 'leech'.",
                title="Leech",
                severity="warning",
            )

    def on_rating_bar_rated(self, message: RatingBar.Rated) -> None:
        self.action_answer(message.rating)

    def action_undo(self) -> None:
        kind = self.col.undo_kind
        restored = undo_step(self, self.session)
        if restored is None:
            return
        if kind in RETAGS and restored.id == self.card.id:
            self.card = restored
            self._show_flag(restored)
        elif restored.suspended:
            self.next_card()
        else:
            self.show_card(restored)

    def action_suspend(self) -> None:
        with self.domain_errors():
            self.col.suspend([self.card.id], now=self.now())
            self.session.record("suspend")
            self.notify("Card suspended (u to undo).")
            self.next_card()

    def action_bury(self) -> None:
        with self.domain_errors():
            until = self.col.bury(self.card.id, now=self.now())
            self.session.record("bury")
            self.notify(
                f"Card buried until {fmt.when(until, self.now(), self.col.clock)} (u to undo)."
            )
            self.next_card()

    def action_leave(self) -> None:
        if self.session.answered:
            self.app.after_review_session()
        self.dismiss()


class CramScreen(ReviewScreen):
    """A cram or preview session: the review screen over `session.cram`, off the schedule.

    Answers are logged as "cram" (`Collection.cram_answer`) and change no card; Again puts the
    card back a few cards later, any other answer takes it out of the session. Suspend and bury
    are off here: they would change the schedule.
    """

    SUB_TITLE = "Cram"

    def __init__(self, first: CardView, session: Session) -> None:
        if session.cram is None:
            raise ValueError("a cram screen needs a session with a cram queue")
        super().__init__(first, session)
        self.queue: CramQueue = session.cram

    def on_mount(self) -> None:
        self.query_one(RatingBar).show_cram()
        super().on_mount()

    def _title(self, card: CardView) -> Content:
        where = self.queue.label
        if card.deck_label != where:
            where += f" · {card.deck_label}"
        return Content.assemble(("Cram", "$text-warning"), " · ", where)

    def _update_progress(self) -> None:
        done = self.session.answered
        self.query_one("#progress", Static).update(
            Content.assemble((f"{done} / {done + self.queue.left}", "bold"))
        )

    def next_card(self) -> None:
        """Show the session's next card, or the done screen when it is finished."""
        card_id = self.queue.current
        if card_id is None:
            from mastery.tui.screens.done import DoneScreen

            self.app.switch_screen(DoneScreen(self.session))
            return
        with self.domain_errors():
            self.show_card(self.col.card(card_id))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("suspend", "bury"):
            return False
        return super().check_action(action, parameters)

    def _show_choices(self) -> None:
        """Nothing to compute: the buttons say "soon" and "done" for the whole session."""

    def _answer(self, rating: int, ms: int) -> None:
        self.col.cram_answer(
            self.card.id, rating, now=self.now(), duration_ms=ms, confidence=self.confidence
        )
        self.queue.answer(self.card.id, rating)

    def action_leave(self) -> None:
        self.dismiss()  # nothing for a team to sync: cram answers are not reviews
