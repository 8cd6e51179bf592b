"""Issue 12: the figures `mastery optimize` labels as Anki's are the ones Anki's Evaluate shows
for the same weights and reviews, and Anki's health check follows a fit.

The oracle is fsrs-rs-python's own `evaluate` (the fsrs-rs call behind Anki's Evaluate button)
on items built here independently, the way rslib's `fsrs_items_for_training` builds them: each
card's answers of kind "review" in time order, one item per answer on a later day than the one
before, all items then sorted by the time of their last answer. Log loss is equal, not close.
RMSE (bins) is equal up to the order fsrs-rs adds its bins in: it keeps them in a Rust
HashMap, whose iteration order is random per map, so the very same call on the very same items
varies in the last bits of an f32 (`test_fsrs_rs_itself_varies_in_the_last_bits`), in Anki
too; the percentage with two decimals that Anki shows never does.
"""

from __future__ import annotations

import json
import math
import random
from typing import Any

import pytest
from fsrs_rs_python import (
    FSRS,
    FSRSItem,
    FSRSReview,
    TrainingConfig,
    evaluate_with_time_series_splits,
)
from simulated_learner import simulate_learner, true_parameters

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


def same_rmse(ours: float, theirs: float) -> bool:
    """Equal but for the order of an f32 sum of at most a few hundred bins (a few ulps)."""
    return abs(ours - theirs) <= 8 * math.ulp(theirs) * 2.0**29  # f64 has 29 more bits


def anki_items(col: Collection) -> tuple[list[Any], list[int]]:
    """The items and card ids as Anki hands them to fsrs-rs, built from the raw log."""
    rows = col.conn.execute(
        "SELECT id, card_id, rating, elapsed_days, reviewed_at FROM reviewlog "
        "WHERE kind = 'review' ORDER BY card_id, reviewed_at, id"
    ).fetchall()
    found: list[tuple[int, int, int, Any]] = []
    card, history = None, []
    for log_id, card_id, rating, gap, at in rows:
        if card_id != card:
            card, history = card_id, []
        gap = max(0, gap) if history else 0
        history.append(FSRSReview(rating, gap))
        if gap > 0:
            found.append((at, log_id, card_id, FSRSItem(list(history))))
    found.sort(key=lambda f: (f[0], f[1]))  # Anki: by revlog id, the answer's time in ms
    return [f[3] for f in found], [f[2] for f in found]


def test_figures_equal_fsrs_rs_evaluate_on_items_in_ankis_order(learner: Collection) -> None:
    items, _ = anki_items(learner)
    data = optimize.training_set(learner)
    assert len(items) == len(data) == 300 * 7
    for weights in (list(DEFAULT_PARAMETERS), true_parameters()):
        ours = optimize.evaluate(data, weights)
        theirs = FSRS(weights).evaluate(items)
        assert ours.log_loss == theirs.log_loss
        assert same_rmse(ours.rmse_bins, theirs.rmse_bins)
        assert f"{ours.rmse_bins:.2%}" == f"{theirs.rmse_bins:.2%}"  # what Anki shows


def test_fsrs_rs_itself_varies_in_the_last_bits(learner: Collection) -> None:
    items, _ = anki_items(learner)
    model = FSRS(list(DEFAULT_PARAMETERS))
    runs = [model.evaluate(items) for _ in range(20)]
    assert len({r.log_loss for r in runs}) == 1
    rmses = [r.rmse_bins for r in runs]
    assert all(same_rmse(r, rmses[0]) for r in rmses)


def test_the_order_is_what_makes_the_figures_anki_s(learner: Collection) -> None:
    """fsrs-rs weighs an item by its place in the list: the same items by card (as they are
    read) or shuffled (as they are fitted) give other figures, which is why Mastery's figures
    differed from Anki's before."""
    items, card_ids = anki_items(learner)
    by_card = [items[i] for i in sorted(range(len(items)), key=lambda i: card_ids[i])]
    data = optimize.training_set(learner)
    model = FSRS(list(DEFAULT_PARAMETERS))
    ours = optimize.evaluate(data, DEFAULT_PARAMETERS)
    assert ours.log_loss == model.evaluate(items).log_loss
    assert ours.log_loss != model.evaluate(by_card).log_loss
    assert ours.log_loss != model.evaluate(data.items).log_loss


def test_answers_at_the_same_moment_sort_by_log_id(learner: Collection) -> None:
    """Anki's revlog ids are unique times; two of Mastery's answers can share a millisecond
    (an import, a hand-edited log): the older log row then comes first, every time."""
    with learner.db.transaction() as conn:
        conn.execute("UPDATE reviewlog SET reviewed_at = 1700000000000 WHERE elapsed_days > 30")
    items, _ = anki_items(learner)
    data = optimize.training_set(learner)
    assert optimize.evaluate(data, DEFAULT_PARAMETERS).log_loss == (
        FSRS(list(DEFAULT_PARAMETERS)).evaluate(items).log_loss
    )


def test_a_fit_on_a_learner_fsrs_can_model_improves_anki_s_figures(learner: Collection) -> None:
    result = optimize.optimize(learner)
    assert result.improved
    b, a = result.before_eval, result.after_eval
    assert a.log_loss < b.log_loss and a.rmse_bins < b.rmse_bins
    assert a.log_loss_unweighted < b.log_loss_unweighted
    items, _ = anki_items(learner)
    assert a.log_loss == FSRS(list(result.after)).evaluate(items).log_loss


def test_evaluate_in_force_measures_without_fitting(learner: Collection) -> None:
    reviews, figures = optimize.evaluate_in_force(learner)
    items, _ = anki_items(learner)
    assert reviews == len(items)
    assert same_rmse(figures.rmse_bins, FSRS(list(DEFAULT_PARAMETERS)).evaluate(items).rmse_bins)
    assert learner.setting("fsrs_parameters") == []


def test_evaluate_with_no_reviews_says_so(col: Collection) -> None:
    with pytest.raises(optimize.NotEnoughReviews, match="nothing to evaluate"):
        optimize.evaluate_in_force(col)


# ----------------------------------------------------------------------------- health check
def test_health_check_is_anki_s_rule_on_anki_s_call(learner: Collection) -> None:
    """The same fsrs-rs call as rslib's compute_params (card ids, short-term on, the relearning
    steps within a day, 8 epochs), and the same scaled thresholds."""
    data = optimize.training_set(learner)
    health = optimize.health_check(data, relearning_steps=1)
    items, card_ids = anki_items(learner)
    expected = evaluate_with_time_series_splits(
        items, card_ids, True, 1, TrainingConfig(num_epochs=8)
    )
    assert health.log_loss == expected.log_loss
    assert health.rmse_bins is not None and same_rmse(health.rmse_bins, expected.rmse_bins)
    r = sum(t[2] for t in data.targets) / len(items)
    assert health.retention == r
    scaled_ll = expected.log_loss / (0.623 * (4 * r * (1 - r)) ** 0.738)
    typical = 0.0135 / (r**0.504 - 1.14) + 0.176 / ((len(items) / 1000) ** 0.825 + 2.22) + 0.101
    assert health.scaled_log_loss == pytest.approx(scaled_ll, rel=1e-5)
    assert health.scaled_rmse == pytest.approx(expected.rmse_bins / typical, rel=1e-5)
    assert health.passed is (scaled_ll <= 1.11 or expected.rmse_bins / typical <= 1.53)


def test_a_learner_fsrs_can_model_passes(learner: Collection) -> None:
    result = optimize.optimize(learner)
    assert result.health is not None and result.health.passed is True
    assert "FSRS can adapt to your memory well" in result.health.message


def test_a_learner_who_starts_answering_at_random_fails(col: Collection) -> None:
    """Half way through their history the learner's answers stop following their memory
    (buttons pressed at random): fits to the earlier reviews cannot predict the later ones."""
    simulate_learner(col, cards=1500, reviews_per_card=8, end=NOW, seed=5, forward=True)
    rng = random.Random(1)
    with col.db.transaction() as conn:
        rows = conn.execute(
            "SELECT id FROM reviewlog WHERE elapsed_days > 0 ORDER BY reviewed_at"
        ).fetchall()
        conn.executemany(
            "UPDATE reviewlog SET rating = ? WHERE id = ?",
            [(rng.choice([1, 3]), row[0]) for row in rows[len(rows) // 2 :]],
        )
    health = optimize.health_check(optimize.training_set(col))
    assert health.passed is False
    assert health.scaled_log_loss is not None and health.scaled_log_loss > 1.11
    assert health.scaled_rmse is not None and health.scaled_rmse > 1.53
    assert "difficult for FSRS to predict" in health.message
    assert "Hard is a passing grade" in health.message


def test_too_few_reviews_are_not_checked(col: Collection) -> None:
    simulate_learner(col, cards=40, reviews_per_card=8, end=NOW, forward=True)  # 280 items
    health = optimize.health_check(optimize.training_set(col))
    assert health.passed is None and health.reviews == 280
    assert health.message == (
        "Health check not done: it needs more than 300 reviews on a later day than the one "
        "before, and there are 280."
    )
    assert health.to_dict()["checked"] is False


def test_every_review_recalled_fails_the_log_loss_test_as_in_anki(col: Collection) -> None:
    """At 100% retention the log loss scale is zero: Anki's f32 division gives infinity (or
    NaN), which fails its threshold, so only the RMSE test can pass. No crash."""
    simulate_learner(col, cards=60, reviews_per_card=8, end=NOW, forward=True)
    with col.db.transaction() as conn:
        conn.execute("UPDATE reviewlog SET rating = 3 WHERE rating = 1")
    health = optimize.health_check(optimize.training_set(col))
    assert health.retention == 1.0
    assert health.scaled_log_loss is not None and not health.scaled_log_loss <= 1.11
    assert health.passed is (health.scaled_rmse is not None and health.scaled_rmse <= 1.53)
    assert json.dumps(health.to_dict())  # no NaN in JSON


@pytest.mark.parametrize(
    ("steps", "count"),
    [
        (["10m"], 1),
        ([], 0),
        (["1d"], 0),
        (["10m", "1d"], 1),
        (["10m", "20h", "5h"], 2),
        (["1h", "23h"], 1),  # reaching 24 hours exactly stops the count, as in Anki
    ],
)
def test_relearning_steps_within_a_day_are_counted_as_anki_does(
    col: Collection, steps: list[str], count: int
) -> None:
    col.set_setting("relearning_steps", steps)
    assert optimize.relearning_steps_in_a_day(col) == count


# ----------------------------------------------------------------------------- CLI
def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--no-bundled-decks", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_optimize_names_each_figure_and_says_the_health(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with Collection.open() as col:
        col.set_setting("timezone", "UTC")
        simulate_learner(col, cards=300, reviews_per_card=8, end=NOW, seed=11, forward=True)
        items, _ = anki_items(col)
    code, out, _ = _cli(capsys, "optimize")
    assert code == 0
    assert "log loss" in out and "RMSE (bins)" in out and "log loss, unweighted" in out
    assert "Anki's Evaluate figures" in out
    assert "Health check passed" in out
    code, out, _ = _cli(capsys, "optimize", "--json")
    data = json.loads(out)
    before = FSRS(list(DEFAULT_PARAMETERS)).evaluate(items)
    assert data["before"]["log_loss"] == round(before.log_loss, 4)
    assert data["before"]["rmse_bins"] == pytest.approx(before.rmse_bins, abs=1e-4)
    assert set(data["before"]) == {"log_loss", "rmse_bins", "log_loss_unweighted", "parameters"}
    health = data["health_check"]
    assert health["checked"] and health["passed"] and health["reviews"] == 2100
    assert set(health) >= {"log_loss", "rmse_bins", "retention", "scaled_log_loss", "message"}


def test_cli_evaluate_is_anki_s_evaluate_button(capsys: pytest.CaptureFixture[str]) -> None:
    with Collection.open() as col:
        simulate_learner(col, cards=100, reviews_per_card=5, end=NOW, forward=True)
        items, _ = anki_items(col)
    expected = FSRS(list(DEFAULT_PARAMETERS)).evaluate(items)
    code, out, _ = _cli(capsys, "optimize", "--evaluate")
    assert code == 0
    assert "measured on 400 reviews (profile)" in out
    assert f"{expected.log_loss:.4f}" in out and f"{expected.rmse_bins:.2%}" in out
    code, out, _ = _cli(capsys, "optimize", "--evaluate", "--json")
    data = json.loads(out)
    assert data["reviews"] == 400 and data["log_loss"] == round(expected.log_loss, 4)
    with Collection.open() as col:
        assert col.setting("fsrs_parameters") == []


def test_cli_evaluate_without_reviews_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(capsys, "optimize", "--evaluate")
    assert code == 2 and out == ""
    assert err.startswith("mastery: error:") and "nothing to evaluate" in err
    assert len(err.strip().splitlines()) == 1


def test_tampered_answer_times_neither_stop_nor_skew_the_order(learner: Collection) -> None:
    """A log edited by hand: a time that is text sorts first, a time stored as a real number
    sorts where it falls, a time in the future sorts last (as Anki would sort a revlog id from
    the future). The fit runs and the figures are still fsrs-rs's on that order."""
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
    data = optimize.training_set(learner)
    assert len(data) == 300 * 7
    card_of = dict(learner.conn.execute("SELECT id, card_id FROM reviewlog").fetchall())
    assert data.card_ids[0] == card_of[ids[0]]  # the text time first
    assert data.card_ids[-1] == card_of[ids[2]]  # the future time last
    weights = list(DEFAULT_PARAMETERS)
    assert (
        optimize.evaluate(data, weights).log_loss
        == FSRS(weights).evaluate(data.anki_items).log_loss
    )
    result = optimize.optimize(learner)
    assert result.health is not None and result.health.passed is not None
    assert json.dumps(result.to_dict())


def test_relearning_steps_are_the_scope_s_preset_s(col: Collection, monkeypatch) -> None:
    """Anki counts the relearning steps of the preset it optimizes: a preset's fit (or a fit
    of one of its decks) runs the health check with that preset's steps, not the profile's."""
    simulate_learner(col, cards=60, reviews_per_card=8, end=NOW, seed=3)
    col.set_setting("relearning_steps", ["1d"])
    col.presets.add("Short")
    col.presets.edit("Short", "relearning_steps", ["10m", "20m"])
    col.presets.use("sim", "Short")
    assert optimize.relearning_steps_in_a_day(col) == 0
    assert optimize.relearning_steps_in_a_day(col, preset="Short") == 2
    assert optimize.relearning_steps_in_a_day(col, "sim") == 2
    assert optimize.scope_preset(col, "sim").name == "Short"
    assert optimize.scope_preset(col).default
    seen: list[int] = []

    def spy(data: optimize.TrainingSet, steps: int = 1) -> optimize.HealthCheck:
        seen.append(steps)
        return optimize.HealthCheck(None, len(data), "spied")

    monkeypatch.setattr(optimize, "health_check", spy)
    optimize.optimize(col, preset="Short")
    optimize.optimize(col)
    assert seen == [2, 0]
