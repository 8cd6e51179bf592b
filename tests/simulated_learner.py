"""A simulated learner whose memory follows FSRS with weights unlike the defaults.

The app schedules with the default weights; the learner recalls with probability given by the
"true" weights. Fitting FSRS to such a history must move the weights towards the truth and
lower the log loss: the test of the optimizer and the data of `optimize_100k_s`. Writes
straight into the profile with executemany (the benchmark needs 100,000 answers).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS

from mastery.collection import Collection
from mastery.days import to_ms

DAY_MS = 86_400_000
_PICK = {1: "again", 2: "hard", 3: "good", 4: "easy"}


def true_parameters() -> list[float]:
    """A learner who remembers new cards much longer than FSRS's defaults assume."""
    w = list(DEFAULT_PARAMETERS)
    w[0] *= 3
    w[1] *= 2
    w[2] *= 2
    w[3] *= 1.5
    w[8] *= 1.3
    w[20] = 0.3
    return w


def simulate_learner(
    col: Collection,
    *,
    cards: int,
    reviews_per_card: int,
    end: datetime,
    seed: int = 1,
    deck_key: str = "sim",
    true: list[float] | None = None,
    maximum_interval: int = 365,
    forward: bool = False,
) -> int:
    """Add a deck of `cards` cards, each answered `reviews_per_card` times on separate days,
    the last answers before `end`; returns the number of answers logged.

    Intervals are capped at `maximum_interval` days as the learner's setting would: without a
    cap ten Good answers in a row reach gaps of a century, which no real history has.

    By default each card's history is shifted so its last answer falls in the last 30 days:
    the times of its early answers then depend on how its later answers went (a card forgotten
    often has a short history, so all of it is recent). With `forward`, each card starts on a
    random day far enough back for any history to end before `end`, so an answer's time
    depends only on the answers before it, as in real life: what recency-weighted figures
    (Anki's Evaluate, its health check) need to mean anything."""
    rng = random.Random(seed)
    w = true or true_parameters()
    truth, app = FSRS(w), FSRS(list(DEFAULT_PARAMETERS))
    decay = -w[20]
    factor = 0.9 ** (1 / decay) - 1
    end_ms = to_ms(end.astimezone(UTC))
    conn = col.conn
    with col.db.transaction():
        cur = conn.execute(
            "INSERT INTO deck (key, name, description, version, tags, source, created_at, "
            "updated_at) VALUES (?, ?, '', '1', '', '', ?, ?)",
            (deck_key, f"Simulated {deck_key}", end_ms, end_ms),
        )
        deck_id = cur.lastrowid
        first_id = (conn.execute("SELECT coalesce(max(id), 0) FROM card").fetchone()[0]) + 1
        card_rows, log_rows = [], []
        for n in range(cards):
            card_id = first_id + n
            histories: list[tuple[int, int, int, float, float, int]] = []
            day = 0
            rating = rng.choices((1, 2, 3, 4), (20, 10, 60, 10))[0]
            true_mem = getattr(truth.next_states(None, 0.9, 0), _PICK[rating]).memory
            state = getattr(app.next_states(None, 0.9, 0), _PICK[rating])
            histories.append(
                (
                    day,
                    rating,
                    0,
                    state.memory.stability,
                    state.memory.difficulty,
                    min(maximum_interval, max(1, round(state.interval))),
                )
            )
            for _ in range(reviews_per_card - 1):
                interval = histories[-1][5]
                gap = interval + rng.randint(0, max(0, interval // 5))
                day += gap
                recall = (1 + factor * gap / true_mem.stability) ** decay
                rating = rng.choices((2, 3, 4), (10, 80, 10))[0] if rng.random() < recall else 1
                true_mem = getattr(truth.next_states(true_mem, 0.9, gap), _PICK[rating]).memory
                state = getattr(app.next_states(_memory(histories[-1]), 0.9, gap), _PICK[rating])
                histories.append(
                    (
                        day,
                        rating,
                        gap,
                        state.memory.stability,
                        state.memory.difficulty,
                        min(maximum_interval, max(1, round(state.interval))),
                    )
                )
            # Shift the history so its last answer falls in the last 30 days before `end`.
            if forward:
                longest = (reviews_per_card - 1) * (maximum_interval + maximum_interval // 5)
                offset = end_ms - (longest + 31 - rng.randint(0, 30)) * DAY_MS
                offset += rng.randint(0, DAY_MS // 2)
            else:
                offset = end_ms - (day + 1 + rng.randint(0, 30)) * DAY_MS
                offset += rng.randint(0, DAY_MS // 2)
            last_s, last_d = histories[-1][3], histories[-1][4]
            last_at = offset + day * DAY_MS
            card_rows.append(
                (
                    card_id,
                    deck_id,
                    f"c{n}",
                    f"{deck_key}/c{n}",
                    f"Front {n}",
                    f"Back {n}",
                    n,
                    last_s,
                    last_d,
                    last_at + histories[-1][5] * DAY_MS,
                    last_at,
                    len(histories),
                    end_ms,
                    end_ms,
                )
            )
            prev = None
            for day_n, rating, gap, s, d, interval in histories:
                at = offset + day_n * DAY_MS
                log_rows.append(
                    (
                        card_id,
                        rating,
                        at,
                        0 if prev is None else 2,
                        s,
                        d,
                        at + interval * DAY_MS,
                        gap,
                        interval,
                        prev[0] if prev else None,
                        prev[1] if prev else None,
                        prev[2] if prev else None,
                    )
                )
                prev = (s, d, at)
        conn.executemany(
            "INSERT INTO card (id, deck_id, key, note_key, front, back, tags, position, state, "
            "step, stability, difficulty, due, last_review, reps, lapses, suspended, in_deck, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, '', ?, 2, NULL, ?, ?, ?, ?, ?, "
            "0, 0, 1, ?, ?)",
            card_rows,
        )
        conn.executemany(
            "INSERT INTO reviewlog (card_id, rating, reviewed_at, duration_ms, kind, "
            "state_before, state_after, stability_after, difficulty_after, due_after, "
            "elapsed_days, scheduled_days, stability_before, difficulty_before, "
            "last_review_before, suspended_before) "
            "VALUES (?, ?, ?, 8000, 'review', ?, 2, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            log_rows,
        )
    return len(log_rows)


def _memory(history: tuple[int, int, int, float, float, int]):  # type: ignore[no-untyped-def]
    from fsrs_rs_python import MemoryState

    return MemoryState(history[3], history[4])
