"""Issue 15: above `FIT_MAX_ITEMS` answers the optimizer reads the log once into a compact
form, fits on a fixed sample of whole cards and measures both weight sets on every item.

What it reads equals what `training_set` reads; its figures equal fsrs-rs's own `evaluate`
on the items in Anki's order to within f32 rounding (fsrs-rs sums in f32); the health check
is the same call on the same items. The small simulated learner stands in for a large log by
lowering the thresholds."""

from __future__ import annotations

import json
import math

import pytest
from fsrs_rs_python import FSRS
from simulated_learner import simulate_learner, true_parameters
from test_optimize_eval import same_rmse

from conftest import NOW
from mastery import optimize
from mastery.cli import main
from mastery.collection import Collection
from mastery.scheduler import DEFAULT_PARAMETERS


@pytest.fixture
def learner(col: Collection) -> Collection:
    """300 cards answered 8 times each, histories running forward in time (2,100 items)."""
    simulate_learner(col, cards=300, reviews_per_card=8, end=NOW, seed=11, forward=True)
    return col


def in_anki_order(log: optimize.CompactLog) -> list[str]:
    """Every item of the compact log, sorted by its place in Anki's order, as text."""
    review = optimize._review_maker()
    placed = []
    t = 0
    for card in range(len(log.card_ids)):
        for item in log.items_of(card, review):
            placed.append((log.ranks[t], repr(item.reviews)))
            t += 1
    return [text for _, text in sorted(placed)]


def test_the_compact_log_holds_the_training_set_s_items(learner: Collection) -> None:
    data = optimize.training_set(learner)
    log = optimize.compact_log(learner)
    assert len(log) == len(data) == 300 * 7 and log.cards == data.cards == 300
    assert in_anki_order(log) == [repr(i.reviews) for i in data.anki_items]
    # All items (below the budget): the very items the whole fit sees, in the same order.
    items, cards = optimize.fit_sample(log, len(log))
    assert cards == 300
    assert [repr(i.reviews) for i in items] == [repr(i.reviews) for i in data.items]


@pytest.mark.parametrize("cards_per_batch", [7, 20_000])
def test_figures_equal_fsrs_rs_s_to_within_f32_rounding(
    learner: Collection, monkeypatch: pytest.MonkeyPatch, cards_per_batch: int
) -> None:
    monkeypatch.setattr(optimize, "_EVAL_CARDS", cards_per_batch)
    data = optimize.training_set(learner)
    log = optimize.compact_log(learner)
    weight_sets = [list(DEFAULT_PARAMETERS), true_parameters()]
    for weights, ours in zip(weight_sets, optimize.evaluate_log(log, weight_sets), strict=True):
        theirs = optimize.evaluate(data, weights)  # fsrs-rs's own evaluate, Anki's order
        assert ours.log_loss == pytest.approx(theirs.log_loss, rel=1e-5)
        assert ours.rmse_bins == pytest.approx(theirs.rmse_bins, rel=1e-4)
        assert f"{ours.rmse_bins:.2%}" == f"{theirs.rmse_bins:.2%}"  # what Anki shows
        assert ours.log_loss_unweighted == pytest.approx(theirs.log_loss_unweighted, rel=1e-12)
    # The order is what weighs each item: in card order, fsrs-rs gives another figure.
    order = sorted(range(len(data)), key=lambda i: data.card_ids[i])
    by_card = FSRS(weight_sets[0]).evaluate([data.anki_items[i] for i in order])
    assert optimize.evaluate_log(log, weight_sets[:1])[0].log_loss != pytest.approx(
        by_card.log_loss, rel=1e-5
    )


@pytest.mark.parametrize("largest", [100_000, 700])
def test_health_check_is_the_same_call_on_the_same_items(
    learner: Collection, monkeypatch: pytest.MonkeyPatch, largest: int
) -> None:
    """All items, or (above HEALTH_MAX_REVIEWS) the same sample of whole cards."""
    monkeypatch.setattr(optimize, "HEALTH_MAX_REVIEWS", largest)
    ours = optimize.health_check_log(optimize.compact_log(learner))
    theirs = optimize.health_check(optimize.training_set(learner))
    assert ours.passed == theirs.passed and ours.passed is not None
    assert ours.log_loss == theirs.log_loss and ours.retention == theirs.retention
    assert ours.rmse_bins is not None and theirs.rmse_bins is not None
    assert same_rmse(ours.rmse_bins, theirs.rmse_bins)  # fsrs-rs's bins add in random order
    assert ours.reviews == 2100 if largest > 2100 else 700 <= ours.reviews < 707


def test_tampered_times_and_sparse_log_ids_keep_anki_s_order(learner: Collection) -> None:
    """A time that is text sorts first, a real one where it falls, one in the future last; log
    ids far apart (an array per id would not fit) are placed through a dict instead."""
    ids = [
        row[0]
        for row in learner.conn.execute(
            "SELECT id FROM reviewlog WHERE elapsed_days > 0 ORDER BY id LIMIT 3"
        )
    ]
    with learner.db.transaction() as conn:
        conn.execute("UPDATE reviewlog SET reviewed_at = 'soon' WHERE id = ?", (ids[0],))
        conn.execute("UPDATE reviewlog SET reviewed_at = 1.7e12 + 0.5 WHERE id = ?", (ids[1],))
        conn.execute("UPDATE reviewlog SET reviewed_at = 9e15 WHERE id = ?", (ids[2],))
    expected = [repr(i.reviews) for i in optimize.training_set(learner).anki_items]
    assert in_anki_order(optimize.compact_log(learner)) == expected
    with learner.db.transaction() as conn:
        conn.execute("UPDATE reviewlog SET id = id * 1000000007")
    assert in_anki_order(optimize.compact_log(learner)) == expected


def test_a_large_scope_is_fitted_on_a_sample_and_measured_on_all(
    learner: Collection, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Above FIT_MAX_ITEMS answers (2,400 here), the fit sees about FIT_SAMPLE_ITEMS items."""
    monkeypatch.setattr(optimize, "FIT_MAX_ITEMS", 2000)
    monkeypatch.setattr(optimize, "FIT_SAMPLE_ITEMS", 700)
    monkeypatch.setattr(optimize, "_PROGRESS_ROWS", 100)
    monkeypatch.setattr(optimize, "_EVAL_CARDS", 50)
    seen: list[float] = []
    result = optimize.optimize(learner, progress=lambda f, what: seen.append(f))
    assert seen == sorted(seen) and seen[0] == 0.0 and seen[-1] == 1.0 and len(seen) > 24 + 6
    assert result.reviews == 2100 and result.cards == 300
    assert result.sample == (700, 100)  # whole cards: 7 items each
    assert "a sample of 100 of 300 cards (700 of 2,100 reviews" in result.fitted_on
    monkeypatch.setattr(optimize, "FIT_MAX_ITEMS", 2400)  # not above: the whole fit
    whole = optimize.optimize(learner)
    assert whole.sample is None and whole.after != result.after
    # Measured on every item: the figures are those of `evaluate` with the fitted weights.
    data = optimize.training_set(learner)
    again = optimize.evaluate(data, result.after)
    assert result.after_eval.log_loss == pytest.approx(again.log_loss, rel=1e-5)
    assert result.after_eval.log_loss_unweighted == pytest.approx(again.log_loss_unweighted)
    assert result.before_eval.log_loss == pytest.approx(whole.before_eval.log_loss, rel=1e-5)
    assert result.improved and result.health is not None and result.health.passed
    assert json.loads(json.dumps(result.to_dict()))["sample"] == {"reviews": 700, "cards": 100}
    monkeypatch.setattr(optimize, "FIT_MAX_ITEMS", 2000)
    assert main(["--no-bundled-decks", "optimize"]) == 0
    assert "FSRS fitted to a sample of 100 of 300 cards" in capsys.readouterr().out


def test_a_large_scope_with_few_later_day_answers_says_so(
    col: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The counters said there are many answers, but few on a later day than the one before."""
    monkeypatch.setattr(optimize, "FIT_MAX_ITEMS", 10)
    simulate_learner(col, cards=20, reviews_per_card=4, end=NOW, seed=3, forward=True)
    with pytest.raises(optimize.NotEnoughReviews, match="at least 400 reviews"):
        optimize.optimize(col)


def test_r_matrix_bins_are_fsrs_rs_s() -> None:
    """fsrs-rs's bins on a log scale: gap 1 → 248, gap 4 → 2.48 * 3.62 * 100 = 897.76 → 898;
    one answer on a later day (length 2) → 3.761 → 4; lapses 1 → 1.65 → 2, 2 → 2.85 → 3."""
    assert optimize._r_matrix_index(1, 1, 0) == (248, 4, 0)
    assert optimize._r_matrix_index(1, 1, 1) == (248, 4, 2)
    assert optimize._r_matrix_index(4, 3, 2) == (898, 7, 3)
    assert math.isfinite(optimize._r_matrix_index(2**32 - 1, 300, 250)[0])


def test_evaluate_in_force_reads_a_large_scope_compactly(
    learner: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    reviews, whole = optimize.evaluate_in_force(learner)
    monkeypatch.setattr(optimize, "FIT_MAX_ITEMS", 700)
    monkeypatch.setattr(optimize, "training_set", None)  # never built above the budget
    assert optimize.evaluate_in_force(learner)[0] == reviews == 2100
    large = optimize.evaluate_in_force(learner)[1]
    assert large.log_loss == pytest.approx(whole.log_loss, rel=1e-5)
    assert large.log_loss_unweighted == pytest.approx(whole.log_loss_unweighted, rel=1e-12)


def test_answers_of_the_same_millisecond_take_log_id_order(learner: Collection) -> None:
    """The time index orders answers of one time by other columns (here their duration, the
    later answer's shorter): they still take their places by log id, as Anki's revlog ids."""
    ids = [
        row[0]
        for row in learner.conn.execute(
            "SELECT id FROM reviewlog WHERE elapsed_days > 0 ORDER BY id LIMIT 3"
        )
    ]
    with learner.db.transaction() as conn:
        for n, log_id in enumerate(ids):
            conn.execute(
                "UPDATE reviewlog SET reviewed_at = 1700000000000, state_before = 2, "
                "stability_before = 1.0, duration_ms = ? WHERE id = ?",
                (9000 - n, log_id),
            )
    by_index = [
        row[0]
        for row in learner.conn.execute(
            "SELECT id FROM reviewlog WHERE reviewed_at = 1700000000000 ORDER BY reviewed_at"
        )
    ]
    assert by_index == ids[::-1]  # what SQLite reads first is not what Anki puts first
    expected = [repr(i.reviews) for i in optimize.training_set(learner).anki_items]
    assert in_anki_order(optimize.compact_log(learner)) == expected
