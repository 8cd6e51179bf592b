"""Undo: take back this session's answers, cram answers, suspensions, burials, flags and marks,
newest first.

Each action pushes what undoing it needs; `undo` writes the card back in one transaction. An
undone answer restores the card exactly from its review log's "before" columns and deletes
the log; an undone cram answer deletes its "cram" row (the card was never changed). An answer
whose card was answered or rescheduled since (in another window) is refused with
`ConflictError`: restoring it would leave a schedule that contradicts the card's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mastery.errors import ConflictError
from mastery.model import CardView
from mastery.states import MARKED, CardState, Flag, LogKind, Rating, with_flag
from mastery.storage import cards as card_rows
from mastery.storage import reviews

if TYPE_CHECKING:
    from mastery.collection import Collection


@dataclass(frozen=True, slots=True)
class UndoStep:
    """One action to take back."""

    kind: str  # "answer" | "cram" | "suspend" | "bury" | "flag" | "mark"
    card_id: int
    log_id: int | None = None
    # suspend: the card's `suspended` before; bury: its `buried_until` before; flag and
    # mark: its tags before (only the flag or the mark of them is put back).
    before: Any = None
    # An answer's card schedule as the answer left it (`storage.cards.fingerprint`): undo
    # refuses if another window has changed the card since.
    after: tuple[Any, ...] | None = None


class UndoStack:
    """The actions of this session that can still be taken back."""

    def __init__(self, col: Collection) -> None:
        self._col = col
        self._steps: list[UndoStep] = []

    def answered(self, card_id: int, log_id: int, fingerprint: tuple[Any, ...]) -> None:
        self._steps.append(UndoStep("answer", card_id, log_id=log_id, after=fingerprint))

    def crammed(self, card_id: int, log_id: int) -> None:
        self._steps.append(UndoStep("cram", card_id, log_id=log_id))

    def suspended(self, card_id: int, before: int) -> None:
        self._steps.append(UndoStep("suspend", card_id, before=before))

    def buried(self, card_id: int, before: int | None) -> None:
        self._steps.append(UndoStep("bury", card_id, before=before))

    def retagged(self, kind: str, card_id: int, before: str) -> None:
        self._steps.append(UndoStep(kind, card_id, before=before))

    @property
    def can_undo(self) -> bool:
        return bool(self._steps)

    @property
    def kind(self) -> str | None:
        """What `undo` would take back now: "answer", "cram", "suspend", "bury", "flag",
        "mark", or None."""
        return self._steps[-1].kind if self._steps else None

    def undo(self) -> CardView | None:
        """Take back the newest step; returns its card as it is now (None: nothing to undo,
        or the answer's log was already gone)."""
        if not self._steps:
            return None
        step = self._steps[-1]  # kept if the profile is busy: `u` can be pressed again
        try:
            done = self._undo_locked(step)
        except ConflictError:
            self._steps.pop()  # another window's answer came after it: never undoable now
            raise
        self._steps.pop()
        return self._col.card(step.card_id) if done else None

    def _undo_locked(self, step: UndoStep) -> bool:
        """`undo`'s transaction: refuses an answer whose card another window changed since;
        False if the answer's log is already gone."""
        col = self._col
        with col.db.transaction() as conn:
            if step.kind == "answer":
                if step.after is not None and card_rows.fingerprint(conn, step.card_id) != (
                    step.after
                ):
                    raise ConflictError(
                        "the card changed since (answered in another window); not undone"
                    )
                log = reviews.before_answer(conn, step.log_id) if step.log_id else None
                if log is None or step.log_id is None:
                    return False
                lapsed = log["state_before"] == CardState.REVIEW and log["rating"] == Rating.AGAIN
                card_rows.restore(conn, step.card_id, log, lapsed=lapsed)
                col.goals.after_undo(step.log_id)
                reviews.delete(conn, step.log_id)
                col.queue.forget()
            elif step.kind == "cram" and step.log_id is not None:
                reviews.delete(conn, step.log_id, LogKind.CRAM)
            elif step.kind == "suspend":
                card_rows.put_back_suspended(conn, step.card_id, step.before)
            elif step.kind == "bury":
                card_rows.put_back_buried(conn, step.card_id, step.before)
            elif step.kind in ("flag", "mark"):
                now_tags = card_rows.tags_of(conn, [step.card_id])[step.card_id]
                card_rows.put_back_tags(
                    conn, step.card_id, _taken_back(step.kind, now_tags, step.before)
                )
        return True


def _taken_back(kind: str, now: str, before: str) -> str:
    """The card's tags as they are now with only the flag (or the mark) as it was before: a
    re-import or an edit since may have changed its other tags, and undoing a flag must not
    undo those."""
    tags = now.split()
    if kind == "flag":
        return " ".join(with_flag(tags, Flag.of(before.split())))
    rest = [t for t in tags if t != MARKED]
    return " ".join([*rest, MARKED] if MARKED in before.split() else rest)
