"""Answering a card: the four buttons' intervals, and recording an answer.

An answer reads the card, asks the scheduler of the card's deck what the rating does, writes
the card (`storage.cards`) and its review log (`storage.reviews`), updates the goals linked to
the deck, and all of that is one transaction: two windows answering the same card each start
from the other's result, never from the same stale schedule. A card whose stored schedule was
changed outside Mastery into something no answer can start from is refused with one line
(`DamagedCardError`) before anything is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from mastery.days import to_ms
from mastery.errors import MasteryError, NotFoundError
from mastery.model import Answered
from mastery.states import SUSPENDED_BY_USER, Confidence, LogKind, Rating, RatingChoice
from mastery.storage import cards as card_rows
from mastery.storage import reviews
from mastery.storage.reviews import LogEntry

if TYPE_CHECKING:
    from mastery.collection import Collection


def check_rating(rating: int, confidence: int | None) -> None:
    """Refuse a rating or confidence no button gives (review and cram alike)."""
    if not Rating.has(rating):
        raise MasteryError(f"rating must be 1-4 (Again, Hard, Good, Easy), got {rating}")
    if confidence is not None and not Confidence.has(confidence):
        raise MasteryError(
            f"confidence must be 1-3 (unsure, fairly sure, certain), got {confidence}"
        )


def is_leech_lapse(lapses: int, threshold: int) -> bool:
    """As Anki: a leech at the threshold, and again every half threshold after it."""
    if lapses < threshold:
        return False
    return (lapses - threshold) % max(1, threshold // 2) == 0


class Answers:
    """Answer buttons and answers for one profile."""

    def __init__(self, col: Collection) -> None:
        self._col = col

    def choices(self, card_id: int, *, now: datetime | None = None) -> list[RatingChoice]:
        """The four answer buttons with the interval each would give."""
        card = self._col.card(card_id)
        row = card_rows.schedule(self._col.conn, card.id)
        if row is None:
            raise NotFoundError(f"no card {card_id}")
        now = now or self._col.now()
        load = self._col.queue.balance.context(card.id, row["note_key"], row["deck_id"], now)
        outcomes = self._col.scheduler_for(card.deck_id).outcomes(
            card_rows.memory(row), now, seed=card.id * 1000 + card.reps, load=load
        )
        return [
            RatingChoice(r, Rating(r).label, o.interval, o.label)
            for r, o in sorted(outcomes.items())
        ]

    def answer(
        self,
        card_id: int,
        rating: int,
        *,
        now: datetime | None = None,
        duration_ms: int = 0,
        confidence: int | None = None,
    ) -> Answered:
        """Record an answer: reschedule the card and log the review, in one transaction."""
        check_rating(rating, confidence)
        now = now or self._col.now()
        col = self._col
        found = col.conn.execute("SELECT deck_id FROM card WHERE id = ?", (card_id,)).fetchone()
        if found is None:
            raise NotFoundError(f"no card {card_id}")
        # Built before the write lock is taken: the first one imports fsrs, which is slow.
        col.scheduler_for(found["deck_id"])
        try:
            with col.db.transaction():
                # Read inside the transaction: two windows answering the same card each start
                # from the other's result, never from the same stale schedule.
                log_id, due, fingerprint, leech = self._answer_locked(
                    card_id, rating, now, duration_ms, confidence
                )
        except BaseException:
            col.queue.forget()  # counted inside a transaction that did not commit
            raise
        col.undo_stack.answered(card_id, log_id, fingerprint)
        return Answered(log_id, card_id, rating, due, leech)

    def _answer_locked(
        self,
        card_id: int,
        rating: int,
        now: datetime,
        duration_ms: int,
        confidence: int | None,
    ) -> tuple[int, datetime, tuple[Any, ...], bool]:
        """`answer`'s read and write, inside its transaction: (log id, due, the card's new
        schedule as `storage.cards.fingerprint` reads it, leech)."""
        col = self._col
        conn = col.conn
        row = card_rows.schedule(conn, card_id)
        if row is None:
            raise NotFoundError(f"no card {card_id}")
        before = card_rows.memory(row)  # DamagedCardError: nothing written
        # The same counts and seed as `choices`: the day shown on the button is the day kept.
        load = col.queue.balance.context(card_id, row["note_key"], row["deck_id"], now)
        outcome = col.scheduler_for(row["deck_id"]).answer(
            before, rating, now, seed=card_id * 1000 + before.reps, load=load
        )
        after = outcome.memory
        assert after.due is not None  # an answer always schedules the card
        tags, suspended = row["tags"], row["suspended"]
        new_tags, new_suspended = tags, suspended
        s = col.presets.config(col.presets.preset_of(row["deck_id"]))  # the deck's preset
        threshold = s["leech_threshold"]
        leech = bool(threshold) and after.lapses > before.lapses
        leech = leech and is_leech_lapse(after.lapses, threshold)
        if leech:
            if "leech" not in tags.split():
                new_tags = (tags + " leech").strip()
            if s["leech_action"] == "suspend":
                new_suspended = SUSPENDED_BY_USER
        now_ms, due_ms = to_ms(now), to_ms(after.due)
        card_rows.write_answer(
            conn,
            card_id,
            after,
            reviewed_ms=now_ms,
            due_ms=due_ms,
            suspended=new_suspended,
            tags=new_tags,
        )
        log_id = reviews.log_review(
            conn,
            LogEntry(
                card_id=card_id,
                rating=rating,
                reviewed_at=now_ms,
                duration_ms=int(duration_ms),
                kind=LogKind.REVIEW,
                confidence=confidence,
                state_before=before.state,
                state_after=after.state,
                step_before=before.step,
                step_after=after.step,
                due_before=row["due"],
                due_after=due_ms,
                stability_before=before.stability,
                stability_after=after.stability,
                difficulty_before=before.difficulty,
                difficulty_after=after.difficulty,
                last_review_before=row["last_review"],
                elapsed_days=outcome.elapsed_days,
                scheduled_days=outcome.scheduled_days,
                suspended_before=suspended,
                tags_before=tags if new_tags != tags else None,
                deck_id=row["deck_id"],
            ),
        )
        col.goals.after_answer(
            row["deck_id"], (before.state, before.stability), (after.state, after.stability), now
        )
        col.queue.count_answer(now, before.state, row["deck_id"])
        col.queue.balance.moved(
            (before.state, row["due"], bool(suspended)),
            (after.state, due_ms, bool(new_suspended)),
            row["deck_id"],
            now,
        )
        # What `storage.cards.fingerprint` would read back now, from the values just written
        # (no query on the answer path); an undo compares it with the card as it is then.
        fingerprint = (
            after.state,
            after.step,
            after.stability,
            after.difficulty,
            due_ms,
            now_ms,
            after.reps,
            after.lapses,
            new_suspended,
            log_id,
        )
        return log_id, after.due, fingerprint, leech
