"""Issue 15: the optimizer reads the log once, card by card, into compact training data. The
results equal what the earlier, item-per-target code computed on the same small logs."""

from __future__ import annotations

import math
from typing import Any

import pytest
from fsrs_rs_python import FSRS, FSRSItem, FSRSReview, TrainingConfig
from fsrs_rs_python import evaluate_with_time_series_splits as time_series_splits
from simulated_learner import simulate_learner, true_parameters
from test_optimize_eval import anki_items

from conftest import NOW
from mastery import optimize
from mastery.collection import Collection
from mastery.scheduler import DEFAULT_PARAMETERS


@pytest.fixture
def learner(col: Collection) -> Collection:
    """300 cards answered 8 times each, histories running forward in time (2,100 items)."""
    simulate_learner(col, cards=300, reviews_per_card=8, end=NOW, seed=11, forward=True)
    return col


def unweighted_log_loss_item_per_target(col: Collection, parameters: list[float]) -> float:
    """Mastery's unweighted log loss as it was computed before issue 15: an item of its own
    for the history before each target, and fsrs-rs's `memory_state_batch` on those."""
    rows = col.conn.execute(
        "SELECT card_id, rating, elapsed_days FROM reviewlog WHERE kind = 'review' "
        "ORDER BY card_id, reviewed_at, id"
    ).fetchall()
    targets: list[tuple[Any, int, bool]] = []
    card, history = None, []
    for card_id, rating, gap in rows:
        if card_id != card:
            card, history = card_id, []
        gap = max(0, gap) if history else 0
        if gap > 0:
            targets.append((FSRSItem(list(history)), gap, rating != 1))
        history.append(FSRSReview(rating, gap))
    states = FSRS(parameters).memory_state_batch([t[0] for t in targets])
    decay = -parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    loss = 0.0
    for state, (_, gap, recalled) in zip(states, targets, strict=True):
        p = min(max((1 + factor * gap / state.stability) ** decay, 1e-6), 1 - 1e-6)
        loss -= math.log(p if recalled else 1 - p)
    return loss / len(targets)


@pytest.mark.parametrize("cards_per_batch", [7, 20_000])
def test_unweighted_log_loss_equals_the_item_per_target_figure(
    learner: Collection, monkeypatch: pytest.MonkeyPatch, cards_per_batch: int
) -> None:
    """States are read from each card's longest item, a batch of cards at a time (a batch
    boundary inside the cards, too): the same figure as a state per target item."""
    monkeypatch.setattr(optimize, "_EVAL_CARDS", cards_per_batch)
    data = optimize.training_set(learner)
    for weights in (list(DEFAULT_PARAMETERS), true_parameters()):
        ours = optimize.evaluate(data, weights).log_loss_unweighted
        assert ours == pytest.approx(unweighted_log_loss_item_per_target(learner, weights), 1e-12)


def test_each_item_exists_once_in_both_orders(learner: Collection) -> None:
    data = optimize.training_set(learner)
    assert {id(i) for i in data.items} == {id(i) for i in data.anki_items}
    assert len(data.card_items) == data.cards == 300
    items, card_ids = anki_items(learner)
    assert list(data.card_ids) == card_ids
    assert [repr(i.reviews) for i in data.anki_items] == [repr(i.reviews) for i in items]
    assert sum(data.targets.recalled) == sum(t[2] for t in data.targets)
    assert list(data.anki_recalled) == [repr(i.reviews[-1]).find("rating: 1,") < 0 for i in items]
    assert data.targets[-2:] == [data.targets[len(data.targets) - 2], data.targets[-1]]


def test_a_time_that_is_no_whole_number_sorts_as_before(learner: Collection) -> None:
    """Packed sort keys need whole-number times; one fractional or text time switches every
    key back to (time, log id) tuples: the same order as before issue 15 (no number first)."""
    with learner.db.transaction() as conn:
        conn.execute(
            "UPDATE reviewlog SET reviewed_at = reviewed_at + 0.5 WHERE id IN "
            "(SELECT id FROM reviewlog WHERE elapsed_days > 0 ORDER BY id DESC LIMIT 3)"
        )
        conn.execute(
            "UPDATE reviewlog SET reviewed_at = 'soon' WHERE id = "
            "(SELECT max(id) FROM reviewlog WHERE elapsed_days > 0)"
        )
    data = optimize.training_set(learner)
    rows = learner.conn.execute(
        "SELECT id, card_id, reviewed_at FROM reviewlog WHERE kind = 'review' AND elapsed_days > 0"
    ).fetchall()
    expected = sorted(
        rows,
        key=lambda r: (r[2] if isinstance(r[2], int | float) else -1, r[0]),
    )
    assert list(data.card_ids) == [r[1] for r in expected]
    figures = optimize.evaluate(data, DEFAULT_PARAMETERS)
    assert math.isfinite(figures.log_loss)


def test_a_large_health_check_runs_on_a_sample_of_whole_cards(
    learner: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above HEALTH_MAX_REVIEWS items, Anki's health check runs on every item of a fixed
    random sample of cards, in Anki's order; r and the review count are the sample's."""
    monkeypatch.setattr(optimize, "HEALTH_MAX_REVIEWS", 700)
    data = optimize.training_set(learner)
    items, card_ids, recalled = optimize._health_sample(data)
    assert 700 <= len(items) < 700 + 7 and len(set(card_ids)) == 100
    # Whole cards: each sampled card keeps all 7 of its items, in the order of anki_items.
    keep = set(card_ids)
    assert items == [i for i, c in zip(data.anki_items, data.card_ids, strict=True) if c in keep]
    health = optimize.health_check(data)
    expected = time_series_splits(items, card_ids, True, 1, TrainingConfig(num_epochs=8))
    assert health.reviews == len(items)
    assert health.log_loss == expected.log_loss
    assert recalled == sum("rating: 1," not in repr(i.reviews[-1]) for i in items)
    assert health.retention == recalled / len(items)
    assert optimize._health_sample(data) == (
        items,
        card_ids,
        recalled,
    )  # the same sample every time


def test_progress_moves_forward_through_reading_and_measuring(
    learner: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 10,000,000 reviews reading takes minutes: it reports as it goes, and so does each
    measurement, batch by batch; the bar never goes back."""
    monkeypatch.setattr(optimize, "_PROGRESS_ROWS", 100)
    monkeypatch.setattr(optimize, "_EVAL_CARDS", 50)
    seen: list[tuple[float, str]] = []
    optimize.optimize(learner, progress=lambda f, what: seen.append((f, what)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    reading = [f for f, what in seen if what.startswith("Reading reviews (")]
    assert len(reading) == 2400 // 100 and 0 < reading[0] < reading[-1] <= 0.15
    measuring = [f for f, what in seen if what == "Measuring the weights in force"]
    assert len(measuring) == 1 + 300 // 50 and measuring[-1] == pytest.approx(0.3)
