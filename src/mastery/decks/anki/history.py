"""Anki's review history, replayed through Mastery's scheduler.

Anki's answers (``revlog`` rows with a button, 1-4) become `AnkiReview`s (`revlog_answers`)
and are replayed through the scheduler of each card's deck (`replay_history`). Skipped: entries
without a button (manual rescheduling, "set due date", resets; a reset also forgets the answers
before it, as the card started over), rescheduling entries, and filtered-deck reviews with
rescheduling off (cram: ``type`` 3 with ``factor`` 0), exactly the entries Anki's own FSRS leaves
out. Filtered-deck reviews that did reschedule count as reviews. Only answers newer than a
card's newest review in the profile are replayed, on top of its schedule: re-importing adds no
history twice and never undoes reviews made in Mastery since. Rows are written through
`mastery.storage` (the one writer of cards' schedules and of review logs).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mastery.states import LogKind, scheduled
from mastery.storage import cards as card_rows
from mastery.storage import reviews as review_log
from mastery.storage.cards import Replayed
from mastery.storage.reviews import LogEntry

if TYPE_CHECKING:
    from mastery.scheduler import Scheduler

__all__ = ["AnkiReview", "replay_history", "revlog_answers"]

# Answers outside these times are skipped (`replay_history`): Anki's first release (2006),
# and a day after the import, for a phone whose clock runs ahead.
_EARLIEST_MS = 1_136_073_600_000  # 2006-01-01 UTC
_SKEW_MS = 86_400_000

# Anki's revlog types.
_FILTERED, _MANUAL, _RESCHEDULED = 3, 4, 5


@dataclass(frozen=True, slots=True)
class AnkiReview:
    """One answer from Anki's review log, as Mastery replays it."""

    reviewed_at: int  # ms UTC (the revlog id)
    rating: int  # 1 Again .. 4 Easy (Anki's ease)
    duration_ms: int


def revlog_answers(
    rows: Iterable[Sequence[Any]], card_keys: Mapping[int, tuple[str, str]]
) -> dict[tuple[str, str], tuple[AnkiReview, ...]]:
    """Each card's answers to replay, from Anki's ``revlog`` rows (id, cid, ease, ivl, factor,
    time, type), ordered by card then time; `card_keys` maps Anki card ids to (deck key, card
    key). Entries of cards not in it, and those listed in the module docstring, are skipped."""
    by_card: dict[int, list[AnkiReview]] = {}
    for rid, cid, ease, ivl, factor, taken, kind in rows:
        if cid not in card_keys:
            continue
        if kind == _MANUAL and not ease and not ivl:
            by_card.pop(cid, None)  # reset to new ("Forget"): the card started over
            continue
        if ease not in (1, 2, 3, 4) or kind in (_MANUAL, _RESCHEDULED):
            continue
        if kind == _FILTERED and not factor:
            continue  # a filtered deck with rescheduling off (cram): no effect on memory
        by_card.setdefault(cid, []).append(AnkiReview(int(rid), int(ease), max(0, int(taken or 0))))
    return {card_keys[cid]: tuple(answers) for cid, answers in by_card.items()}


def replay_history(
    conn: sqlite3.Connection,
    history: Mapping[tuple[str, str], Sequence[AnkiReview]],
    scheduler_for: Callable[[int], Scheduler],
    now_ms: int,
) -> dict[str, tuple[int, int]]:
    """Replay Anki answers through the scheduler of each card's deck (`scheduler_for(deck id)`,
    as `Collection.answer` picks it): new review log rows and recomputed schedules.

    For each card, only the answers later than its newest review in this profile (imported
    before, or made in Mastery) are replayed, on top of its current schedule. So importing
    the same package again adds nothing, and a card reviewed in Mastery since keeps its
    schedule; answers made in Anki after the last import are added. Answers dated before 2006
    or more than a day after `now_ms` are skipped (forged, or a broken clock). Fuzz is seeded as
    `Collection.answer` seeds it (card id * 1000 + reps), so a new card ends where
    `memory_from_reviews(..., seed=card_id * 1000)` ends. Writes with `executemany` in the
    caller's transaction; returns {deck key: (cards given history, answers replayed)}.
    """
    from mastery.days import from_ms, to_ms

    # Only the cards `history` names (a chunk of a big package, see Collection.import_files),
    # looked up by their unique (deck, key), so a chunk costs its own size, not the deck's.
    by_deck: dict[str, list[str]] = {}
    for deck_key, card_key in history:
        by_deck.setdefault(deck_key, []).append(card_key)
    rows: list[sqlite3.Row] = []
    for deck_key, card_keys in sorted(by_deck.items()):
        for at in range(0, len(card_keys), 500):
            part = card_keys[at : at + 500]
            rows += conn.execute(
                "SELECT c.id, c.deck_id, d.key AS deck_key, c.key, c.state, c.step, "
                "c.stability, c.difficulty, c.due, c.last_review, c.reps, c.lapses, "
                "c.suspended, (SELECT max(r.reviewed_at) FROM reviewlog r "
                f"WHERE r.card_id = c.id AND {scheduled('r')}) AS newest "
                "FROM card c JOIN deck d ON d.id = c.deck_id "
                f"WHERE d.key = ? AND c.key IN ({', '.join('?' * len(part))}) ORDER BY c.id",
                [deck_key, *part],
            ).fetchall()
    logs: list[LogEntry] = []
    cards: list[Replayed] = []
    counts: dict[str, list[int]] = {}
    for row in rows:  # our profile's rows (sqlite3.Row): read by name
        card_id, deck_key, due, last = row["id"], row["deck_key"], row["due"], row["last_review"]
        newest = row["newest"]
        answers = history.get((deck_key, row["key"]))
        if not answers:
            continue
        # Answers dated before Anki existed or in the future (beyond a day: a phone's clock
        # may be off) are forged or broken: skipped, so none can block later answers.
        answers = [a for a in answers if _EARLIEST_MS <= a.reviewed_at <= now_ms + _SKEW_MS]
        if newest is not None:
            answers = [a for a in answers if a.reviewed_at > newest]
        if not answers:
            continue
        memory = card_rows.memory(row)  # a card changed outside Mastery: one line, not a crash
        seed = card_id * 1000
        answer = scheduler_for(row["deck_id"]).answer
        for a in answers:
            outcome = answer(memory, a.rating, from_ms(a.reviewed_at), seed + memory.reps)
            after = outcome.memory
            assert after.due is not None  # an answer always schedules the card
            due_after = to_ms(after.due)
            logs.append(
                LogEntry(
                    card_id=card_id,
                    rating=a.rating,
                    reviewed_at=a.reviewed_at,
                    duration_ms=a.duration_ms,
                    kind=LogKind.REVIEW,
                    confidence=None,
                    state_before=memory.state,
                    state_after=after.state,
                    step_before=memory.step,
                    step_after=after.step,
                    due_before=due,
                    due_after=due_after,
                    stability_before=memory.stability,
                    stability_after=after.stability,
                    difficulty_before=memory.difficulty,
                    difficulty_after=after.difficulty,
                    last_review_before=last,
                    elapsed_days=outcome.elapsed_days,
                    scheduled_days=outcome.scheduled_days,
                    suspended_before=row["suspended"],
                    deck_id=row["deck_id"],
                )
            )
            memory, due, last = after, due_after, a.reviewed_at
        cards.append(Replayed.of(card_id, memory, due, last, now_ms))
        count = counts.setdefault(deck_key, [0, 0])
        count[0] += 1
        count[1] += len(answers)
    review_log.log_reviews(conn, logs)
    card_rows.write_replayed(conn, cards)
    return {deck: (c[0], c[1]) for deck, c in counts.items()}
