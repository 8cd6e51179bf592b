"""FSRS optimization, per-deck weights, rescheduling, the monthly reminder and the workload
simulator, on a simulated learner whose memory is unlike FSRS's defaults."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from simulated_learner import simulate_learner, true_parameters
from test_tui_helpers import add_deck

from conftest import NOW
from mastery import optimize
from mastery.cli import main
from mastery.collection import Collection
from mastery.days import from_ms, to_ms
from mastery.errors import MasteryError, SettingError
from mastery.scheduler import DEFAULT_PARAMETERS


@pytest.fixture
def learner(col: Collection) -> Collection:
    """200 cards answered 8 times each: 1,400 training answers."""
    simulate_learner(col, cards=200, reviews_per_card=8, end=NOW, seed=3)
    return col


def test_training_set_targets_only_answers_on_a_later_day(learner: Collection) -> None:
    data = optimize.training_set(learner)
    # 8 answers per card, the first has no gap: 7 targets each.
    assert len(data) == 200 * 7
    assert len(data.targets) == len(data.items)
    assert data.cards == 200


def test_cram_answers_never_train_fsrs(learner: Collection) -> None:
    before = len(optimize.training_set(learner))
    card_id, at = learner.conn.execute(
        "SELECT card_id, max(reviewed_at) FROM reviewlog GROUP BY card_id LIMIT 1"
    ).fetchone()
    with learner.db.transaction() as conn:
        conn.execute(
            "INSERT INTO reviewlog (card_id, rating, reviewed_at, duration_ms, kind, state_before, "
            "state_after, due_after, stability_after, difficulty_after, elapsed_days, "
            "scheduled_days, suspended_before) "
            "VALUES (?, 1, ?, 0, 'cram', 2, 2, ?, 5, 5, 3, 0, 0)",
            (card_id, at + 3 * 86_400_000, at),
        )
    assert len(optimize.training_set(learner)) == before


def test_negative_or_unreadable_gaps_do_not_stop_the_fit(learner: Collection) -> None:
    """A negative `elapsed_days` (a tampered log, or Anki's learning steps, which it stores as
    negative seconds) is a same-day answer: kept in the history, never a target. A gap or a
    rating that is no number at all leaves that answer out. The fit is still computed."""
    before = len(optimize.training_set(learner))
    ids = [
        row["id"]
        for row in learner.conn.execute(
            "SELECT id FROM reviewlog WHERE elapsed_days > 0 ORDER BY id LIMIT 13"
        )
    ]
    with learner.db.transaction() as conn:
        for log_id, bad in zip(ids, [-600, -1, "soon", 2**40] * 3, strict=False):
            conn.execute("UPDATE reviewlog SET elapsed_days = ? WHERE id = ?", (bad, log_id))
        conn.execute("UPDATE reviewlog SET rating = 9 WHERE id = ?", (ids[-1],))
    data = optimize.training_set(learner)
    assert len(data) == before - 13 and data.cards == 200
    result = optimize.optimize(learner)
    assert result.reviews == before - 13 and result.improved
    assert result.after_eval.log_loss_unweighted < result.before_eval.log_loss_unweighted
    assert optimize.apply(learner, result, reschedule=True, now=NOW) == 200
    assert main(["--no-bundled-decks", "optimize"]) == 0


def test_fitting_lowers_log_loss_and_moves_towards_the_truth(learner: Collection) -> None:
    result = optimize.optimize(learner)
    assert result.improved
    # The figure that decides (Mastery's unweighted log loss), and Anki's RMSE (bins).
    assert result.after_eval.log_loss_unweighted < result.before_eval.log_loss_unweighted
    assert result.after_eval.rmse_bins < result.before_eval.rmse_bins
    assert result.before == DEFAULT_PARAMETERS
    truth = true_parameters()
    # The simulated learner's first-answer stabilities are 1.5-3x the defaults: the fit finds
    # them larger too.
    for i in range(4):
        assert abs(result.after[i] - truth[i]) < abs(DEFAULT_PARAMETERS[i] - truth[i])
    # Nothing is stored by fitting alone.
    assert learner.setting("fsrs_parameters") == []


def test_refuses_politely_below_the_minimum(col: Collection) -> None:
    simulate_learner(col, cards=20, reviews_per_card=5, end=NOW)  # 80 targets
    with pytest.raises(optimize.NotEnoughReviews, match="at least 400 reviews.*there are 80"):
        optimize.optimize(col)


def test_apply_to_profile_and_reschedule(learner: Collection) -> None:
    result = optimize.optimize(learner)
    card_id = learner.conn.execute("SELECT min(id) FROM card").fetchone()[0]
    due_before = learner.card(card_id).due
    n = optimize.apply(learner, result, reschedule=True, now=NOW)
    assert n == 200
    assert tuple(learner.setting("fsrs_parameters")) == pytest.approx(result.after, abs=1e-6)
    assert learner.fsrs_parameters() == pytest.approx(result.after, abs=1e-6)
    # The card's schedule is what replaying its answers under the new weights gives.
    reviews = [
        (from_ms(at), r)
        for at, r in learner.conn.execute(
            "SELECT reviewed_at, rating FROM reviewlog WHERE card_id = ? ORDER BY reviewed_at",
            (card_id,),
        )
    ]
    memory = learner.scheduler.replay(reviews, seed=card_id * 1000)
    card = learner.card(card_id)
    assert card.stability == pytest.approx(memory.stability)
    assert card.due == memory.due
    assert card.due != due_before  # larger first stabilities: a different schedule
    assert learner.meta("last_optimized")["at"] == to_ms(NOW)


def test_apply_without_reschedule_keeps_due_dates(learner: Collection) -> None:
    dues = learner.conn.execute("SELECT id, due FROM card ORDER BY id").fetchall()
    optimize.apply(learner, optimize.optimize(learner), now=NOW)
    assert learner.conn.execute("SELECT id, due FROM card ORDER BY id").fetchall() == dues


def test_a_deck_can_have_its_own_weights(learner: Collection, write_deck) -> None:
    add_deck(learner, write_deck, "other", "Other", [("q", "a")])
    result = optimize.optimize(learner, "sim")
    assert result.scope == "deck sim"
    optimize.apply(learner, result, now=NOW)
    assert learner.fsrs_parameters("sim") == pytest.approx(result.after, abs=1e-6)
    assert learner.fsrs_parameters("other") == DEFAULT_PARAMETERS
    assert learner.fsrs_parameters() == DEFAULT_PARAMETERS
    assert learner.decks_with_own_parameters() == ["sim"]
    # The answer path uses a deck's own weights: a new card in each of two decks, the same
    # answer, and the simulated learner's larger Easy stability gives a longer interval.
    add_deck(learner, write_deck, "mine", "Mine", [("q", "a")])
    learner.set_fsrs_parameters(result.after, deck_key="mine")
    cards = dict(
        learner.conn.execute(
            "SELECT d.key, c.id FROM card c JOIN deck d ON d.id = c.deck_id "
            "WHERE d.key IN ('mine', 'other')"
        )
    )
    ours = learner.answer(cards["mine"], 4, now=NOW)
    theirs = learner.answer(cards["other"], 4, now=NOW)
    assert ours.due - NOW > theirs.due - NOW
    learner.set_fsrs_parameters(None, deck_key="mine")
    # Back to the profile's weights for the deck.
    learner.set_fsrs_parameters(None, deck_key="sim")
    assert learner.fsrs_parameters("sim") == DEFAULT_PARAMETERS
    assert learner.decks_with_own_parameters() == []


def test_out_of_bounds_weights_are_refused_in_one_line(col: Collection) -> None:
    with pytest.raises(SettingError) as err:
        col.set_setting("fsrs_parameters", [100.0] * 21)
    assert "\n" not in str(err.value) and "parameters[4]" in str(err.value)
    with pytest.raises(SettingError, match="expected 21 numbers, got 3"):
        col.set_setting("fsrs_parameters", "1 2 3")
    assert col.setting("fsrs_parameters") == []


def test_reminder_once_a_month_with_enough_new_reviews(learner: Collection) -> None:
    # Never fitted, 1,600 reviews, the first over a month ago: suggest a first fit.
    assert "FSRS can now be fitted" in optimize.reminder(learner, now=NOW)
    optimize.apply(learner, optimize.optimize(learner), now=NOW)
    assert optimize.reminder(learner, now=NOW + timedelta(days=40)) is None  # no new reviews
    simulate_learner(
        learner, cards=40, reviews_per_card=6, end=NOW + timedelta(days=35), deck_key="more", seed=9
    )
    assert optimize.reminder(learner, now=NOW + timedelta(days=20)) is None  # too soon
    text = optimize.reminder(learner, now=NOW + timedelta(days=40))
    assert text is not None and "240 reviews since FSRS was last fitted" in text
    assert optimize.reminder_once_a_day(learner, now=NOW + timedelta(days=40)) == text
    assert optimize.reminder_once_a_day(learner, now=NOW + timedelta(days=40, hours=2)) is None
    learner.set_setting("optimize_reminder", False)
    assert optimize.reminder(learner, now=NOW + timedelta(days=41)) is None


def test_no_reminder_for_a_new_profile(col: Collection) -> None:
    assert optimize.reminder(col, now=NOW) is None


def test_workload_costs_more_at_higher_retention(learner: Collection) -> None:
    points = optimize.workload(learner, retentions=(0.7, 0.85, 0.97))
    assert [p.retention for p in points] == [0.7, 0.85, 0.97]
    assert points[0].reviews_per_day < points[1].reviews_per_day < points[2].reviews_per_day
    assert all(0 < p.knowledge <= 200 for p in points)


# ----------------------------------------------------------------------------- CLI
def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--no-bundled-decks", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_optimize_reports_and_applies(capsys: pytest.CaptureFixture[str]) -> None:
    with Collection.open() as col:
        col.set_setting("timezone", "UTC")
        simulate_learner(col, cards=200, reviews_per_card=8, end=NOW, seed=3)
    code, out, _ = _cli(capsys, "optimize")
    assert code == 0
    assert "FSRS fitted to 1,400 reviews of 200 cards (profile)" in out
    assert "weights in force" in out and "fitted weights" in out
    assert "--apply" in out
    with Collection.open() as col:
        assert col.setting("fsrs_parameters") == []
    code, out, _ = _cli(capsys, "optimize", "--apply", "--json")
    data = json.loads(out)
    assert data["applied"] and data["improved"]
    assert data["after"]["log_loss_unweighted"] < data["before"]["log_loss_unweighted"]
    with Collection.open() as col:
        assert col.setting("fsrs_parameters") == pytest.approx(
            data["after"]["parameters"], abs=1e-4
        )
    code, out, _ = _cli(capsys, "optimize", "--reset")
    assert code == 0 and "default weights" in out
    code, out, _ = _cli(capsys, "workload", "--json")
    assert code == 0 and len(json.loads(out)) == len(optimize.WORKLOAD_RETENTIONS)


def test_cli_optimize_refuses_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(capsys, "optimize")
    assert code != 0 and out == ""
    assert err.count("\n") == 1 and "at least 400 reviews" in err
    code, _, err = _cli(capsys, "optimize", "--deck", "nope")
    assert code != 0 and "nope" in err


def test_applying_is_one_transaction_the_weights_stay_when_a_later_step_fails(
    learner: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Weights, the date of the fit and the new schedules are stored together or not at all."""
    result = optimize.optimize(learner)
    before_weights = learner.fsrs_parameters()
    before_cards = learner.conn.execute("SELECT id, stability, due FROM card").fetchall()

    def fail(key: str, value: object) -> None:
        raise MasteryError("disk full")

    monkeypatch.setattr(learner, "set_meta", fail)
    with pytest.raises(MasteryError, match="disk full"):
        optimize.apply(learner, result, reschedule=True, now=NOW)
    learner.reload_settings()
    assert learner.fsrs_parameters() == before_weights
    assert learner.conn.execute("SELECT id, stability, due FROM card").fetchall() == before_cards
