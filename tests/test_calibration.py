"""Calibration figures: recall per confidence level, the over/under-confidence score (overall,
per deck, over time), the cards answered "certain" then failed, and FSRS's own calibration.

Most tests insert review-log rows by hand so every figure is known in advance; a few answer
through `Collection.answer(..., confidence=...)`, the path the review screen uses.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import pytest
from test_tui_helpers import add_deck

from conftest import NOW
from mastery import calibration as cal
from mastery.calibration import calibration, predicted_retrievability, verdict
from mastery.cli import main
from mastery.collection import Collection
from mastery.days import to_ms
from mastery.errors import MasteryError, NotFoundError
from mastery.scheduler import DEFAULT_PARAMETERS, Memory
from mastery.states import Confidence

UNSURE, FAIRLY, CERTAIN = Confidence
AGAIN, GOOD = 1, 3


def card_ids(col: Collection, deck: str) -> list[int]:
    return [
        r[0]
        for r in col.conn.execute(
            "SELECT c.id FROM card c JOIN deck d ON d.id = c.deck_id WHERE d.key = ? "
            "ORDER BY c.position",
            (deck,),
        )
    ]


def log(
    col: Collection,
    card_id: int,
    rating: int,
    *,
    confidence: int | None = None,
    at: datetime | None = None,
    kind: str = "review",
    state_before: int = 2,
    stability: float | None = 10.0,
    elapsed: int = 5,
) -> None:
    """One review-log row, as `Collection.answer` would write it (only the columns the
    calibration reads matter)."""
    if at is None:  # a minute before the previous row: deterministic, and all of it today
        rows = col.conn.execute("SELECT count(*) FROM reviewlog").fetchone()[0]
        at = NOW - timedelta(minutes=rows + 1)
    with col.db.transaction() as conn:
        conn.execute(
            "INSERT INTO reviewlog (card_id, rating, reviewed_at, duration_ms, kind, "
            "confidence, state_before, state_after, due_after, stability_before, "
            "stability_after, difficulty_after, last_review_before, elapsed_days, "
            "scheduled_days, suspended_before) "
            "VALUES (?, ?, ?, 4000, ?, ?, ?, 2, ?, ?, 10.0, 5.0, ?, ?, 10, 0)",
            (
                card_id,
                rating,
                to_ms(at),
                kind,
                confidence,
                state_before,
                to_ms(at),
                stability,
                to_ms(at - timedelta(days=elapsed)),
                elapsed,
            ),
        )


def answers(
    col: Collection, card_id: int, confidence: int, recalled: int, failed: int, **kw: object
) -> None:
    for _ in range(recalled):
        log(col, card_id, GOOD, confidence=confidence, **kw)  # type: ignore[arg-type]
    for _ in range(failed):
        log(col, card_id, AGAIN, confidence=confidence, **kw)  # type: ignore[arg-type]


@pytest.fixture
def deck(col: Collection, write_deck) -> list[int]:
    """A deck `lo` ("Learning org") of six cards; returns their ids."""
    add_deck(col, write_deck, "lo", "Learning org", [(f"Front {n}", f"Back {n}") for n in range(6)])
    return card_ids(col, "lo")


# ----------------------------------------------------------------------------- levels and score
def test_recall_per_level_counts_only_answers_with_a_confidence(col, deck) -> None:
    a, b, c, d = deck[:4]
    answers(col, a, UNSURE, recalled=2, failed=2)
    answers(col, b, FAIRLY, recalled=3, failed=1)
    answers(col, c, CERTAIN, recalled=4, failed=1)
    answers(col, d, None, recalled=7, failed=3)  # type: ignore[arg-type]  # no confidence

    result = calibration(col, now=NOW)

    levels = {lv.name: (lv.answers, lv.recalled, lv.recall_rate) for lv in result.levels}
    assert levels == {
        "unsure": (4, 2, 0.5),
        "fairly sure": (4, 3, 0.75),
        "certain": (5, 4, 0.8),
    }
    assert result.answers == 13
    # Stated probabilities: one table, shown with every level.
    assert [lv.stated for lv in result.levels] == [0.5, 0.75, 0.95]
    # mean(stated - recalled) = (4*.5 - 2 + 4*.75 - 3 + 5*.95 - 4) / 13 = 0.75 / 13
    assert result.score.value == pytest.approx(0.75 / 13)
    assert result.score.verdict == "too few answers to judge (13 of 20)"


def test_a_level_without_answers_has_no_recall_rate(col, deck) -> None:
    answers(col, deck[0], CERTAIN, recalled=1, failed=0)
    levels = {lv.name: lv for lv in calibration(col, now=NOW).levels}
    assert levels["unsure"].answers == 0
    assert levels["unsure"].recall_rate is None
    assert levels["certain"].recall_rate == 1.0


def test_overconfidence_is_positive(col, deck) -> None:
    # "certain" 20 times, recalled only 10: 0.95 - 0.5 = +45 points.
    answers(col, deck[0], CERTAIN, recalled=10, failed=10)
    over = calibration(col, now=NOW).score
    assert over.value == pytest.approx(0.45)
    assert over.points == 45
    assert over.verdict == "overconfident by 45 points"


def test_underconfidence_is_negative_and_cancels_overconfidence(col, deck) -> None:
    # 20 "unsure" answers, all recalled: 0.5 - 1.0 = -50 points.
    answers(col, deck[1], UNSURE, recalled=20, failed=0)
    under = calibration(col, now=NOW).score
    assert under.points == -50
    assert under.verdict == "underconfident by 50 points"
    # With the +45 above, the two nearly cancel: (9 - 10) / 40 = -2.5 points.
    answers(col, deck[0], CERTAIN, recalled=10, failed=10)
    both = calibration(col, now=NOW).score
    assert both.value == pytest.approx(-0.025)
    assert both.verdict == "well calibrated"


def test_a_perfectly_calibrated_learner_scores_zero(col, deck) -> None:
    # Recall rates equal to the stated probabilities: 10/20, 15/20, 19/20.
    answers(col, deck[0], UNSURE, recalled=10, failed=10)
    answers(col, deck[1], FAIRLY, recalled=15, failed=5)
    answers(col, deck[2], CERTAIN, recalled=19, failed=1)
    score = calibration(col, now=NOW).score
    assert score.answers == 60
    assert score.value == pytest.approx(0.0, abs=1e-12)
    assert score.points == 0
    assert score.verdict == "well calibrated"


def test_verdict_bands() -> None:
    assert verdict(None, 0) == "no answers with a confidence"
    assert verdict(0.30, 19) == "too few answers to judge (19 of 20)"
    assert verdict(0.0, 20) == "well calibrated"
    assert verdict(0.049, 100) == "well calibrated"
    assert verdict(-0.05, 100) == "well calibrated"
    assert verdict(0.06, 100) == "overconfident by 6 points"
    assert verdict(0.12, 100) == "overconfident by 12 points"
    assert verdict(-0.08, 100) == "underconfident by 8 points"


def test_scores_per_deck(col, deck, write_deck) -> None:
    add_deck(col, write_deck, "git", "Git", [("init?", "git init"), ("log?", "git log")])
    git = card_ids(col, "git")
    answers(col, deck[0], CERTAIN, recalled=19, failed=1)  # well calibrated
    answers(col, git[0], CERTAIN, recalled=15, failed=5)  # 0.95 - 0.75 = +20
    answers(col, git[1], UNSURE, recalled=1, failed=0)

    result = calibration(col, now=NOW)
    per_deck = {d.deck_key: d for d in result.decks}
    assert per_deck["lo"].score.answers == 20
    assert per_deck["lo"].score.verdict == "well calibrated"
    assert per_deck["lo"].deck_name == "Learning org"
    assert per_deck["git"].score.answers == 21
    assert per_deck["git"].score.value == pytest.approx((20 * 0.95 - 15 + 0.5 - 1) / 21)
    assert per_deck["git"].score.verdict == "overconfident by 17 points"
    # Most answers first.
    assert [d.deck_key for d in result.decks] == ["git", "lo"]

    only_git = calibration(col, now=NOW, deck_key="git")
    assert only_git.answers == 21
    assert [d.deck_key for d in only_git.decks] == ["git"]
    assert only_git.score == per_deck["git"].score


def test_over_time_buckets_by_learners_month(col, deck) -> None:
    card = deck[0]
    # November 2026 (this month): 3 certain answers, 1 failed.
    for day, rating in ((2, GOOD), (10, GOOD), (20, AGAIN)):
        log(col, card, rating, confidence=CERTAIN, at=datetime(2026, 11, day, 12, tzinfo=UTC))
    # 1 November at 02:00 is still 31 October for a learner whose day starts at 04:00.
    log(col, card, AGAIN, confidence=UNSURE, at=datetime(2026, 11, 1, 2, tzinfo=UTC))
    # December 2025 is the oldest month shown; November 2025 is out of the window.
    log(col, card, GOOD, confidence=FAIRLY, at=datetime(2025, 12, 1, 5, tzinfo=UTC))
    log(col, card, GOOD, confidence=FAIRLY, at=datetime(2025, 11, 30, 12, tzinfo=UTC))

    result = calibration(col, now=NOW)
    assert result.period == "month"
    assert len(result.periods) == 12
    assert result.periods[0].label == "Dec 2025"
    assert result.periods[-1].label == "Nov 2026"
    by_label = {p.label: p.score for p in result.periods}
    assert by_label["Nov 2026"].answers == 3
    assert by_label["Nov 2026"].value == pytest.approx(0.95 - 2 / 3)
    assert by_label["Oct 2026"].answers == 1
    assert by_label["Oct 2026"].value == pytest.approx(0.5)
    assert by_label["Dec 2025"].answers == 1
    assert by_label["Dec 2025"].value == pytest.approx(0.75 - 1)
    assert sum(p.score.answers for p in result.periods) == 5
    # The answer before the window still counts overall.
    assert result.answers == 6


def test_over_time_by_week_starts_on_monday(col, deck) -> None:
    # NOW is Saturday 21 November 2026: this week began on Monday 16 November.
    log(col, deck[0], GOOD, confidence=CERTAIN, at=datetime(2026, 11, 16, 5, tzinfo=UTC))
    log(col, deck[0], AGAIN, confidence=CERTAIN, at=datetime(2026, 11, 16, 3, tzinfo=UTC))
    result = calibration(col, now=NOW, period="week")
    assert result.periods[-1].start.isoformat() == "2026-11-16"
    assert result.periods[-2].start.isoformat() == "2026-11-09"
    assert result.periods[0].start.isoformat() == "2026-08-31"
    assert result.periods[-1].score.answers == 1  # Monday 05:00
    assert result.periods[-2].score.answers == 1  # Monday 03:00 is still Sunday


def test_bad_period_and_unknown_deck_are_clear_errors(col, deck) -> None:
    with pytest.raises(MasteryError, match="period must be one of month, week"):
        calibration(col, now=NOW, period="year")
    with pytest.raises(NotFoundError, match="no deck 'nope'"):
        calibration(col, now=NOW, deck_key="nope")


def test_since_leaves_older_answers_out(col, deck) -> None:
    log(col, deck[0], AGAIN, confidence=CERTAIN, at=NOW - timedelta(days=40))
    log(col, deck[0], GOOD, confidence=CERTAIN, at=NOW - timedelta(days=2))
    result = calibration(col, now=NOW, since=NOW - timedelta(days=30))
    assert result.answers == 1
    assert result.certain_misses == ()
    assert calibration(col, now=NOW).answers == 2


# ----------------------------------------------------------------------------- certain, then Again
def test_cards_answered_certain_then_failed_most_misses_first(col, deck) -> None:
    a, b, c, d, e, f = deck
    answers(col, a, CERTAIN, recalled=1, failed=2)  # 2 misses of 3
    answers(col, b, CERTAIN, recalled=0, failed=2)  # 2 misses of 2: a larger share, first
    answers(col, c, CERTAIN, recalled=2, failed=3)  # 3 misses: first of all
    answers(col, d, CERTAIN, recalled=5, failed=0)  # never failed when certain: not listed
    answers(col, e, UNSURE, recalled=0, failed=4)  # failed, but was unsure: not listed
    answers(col, f, CERTAIN, recalled=0, failed=1)

    misses = calibration(col, now=NOW).certain_misses
    assert [(m.card_id, m.failed, m.certain) for m in misses] == [
        (c, 3, 5),
        (b, 2, 2),
        (a, 2, 3),
        (f, 1, 1),
    ]
    first = misses[0]
    assert first.ref == "lo/c3"
    assert first.front == "Front 2"
    assert first.deck_key == "lo"
    assert first.deck_name == "Learning org"


def test_certain_then_failed_keeps_the_top_ten_with_fronts_on_one_line(col, write_deck) -> None:
    long_front = "A very long front\nspread over lines " + "word " * 30
    add_deck(col, write_deck, "big", "Big", [(f"{long_front}{n}", "b") for n in range(12)])
    ids = card_ids(col, "big")
    for n, card in enumerate(ids):
        answers(col, card, CERTAIN, recalled=0, failed=1 + n % 3)
    misses = calibration(col, now=NOW).certain_misses
    assert len(misses) == cal.TOP_MISSES == 10
    assert [m.failed for m in misses] == [3, 3, 3, 3, 2, 2, 2, 2, 1, 1]
    assert all("\n" not in m.front and len(m.front) <= cal.FRONT_CHARS for m in misses)
    assert misses[0].front.endswith("…")


# ----------------------------------------------------------------------------- cram answers
def test_cram_answers_never_change_the_figures(col, deck) -> None:
    answers(col, deck[0], CERTAIN, recalled=15, failed=5)
    answers(col, deck[1], UNSURE, recalled=3, failed=1)
    log(col, deck[2], GOOD, stability=4.0, elapsed=3)
    before = calibration(col, now=NOW).to_dict()
    assert before["fsrs"]["answers"] == 25

    # Cram answers, with confidences and on review cards, some failed "certain" ones.
    answers(col, deck[3], CERTAIN, recalled=0, failed=6, kind="cram")
    answers(col, deck[0], UNSURE, recalled=9, failed=0, kind="cram")
    log(col, deck[2], AGAIN, kind="cram", stability=4.0, elapsed=30)

    after = calibration(col, now=NOW).to_dict()
    assert after == before
    assert [m["card"] for m in after["certain_then_failed"]] == [deck[0]]


# ----------------------------------------------------------------------------- FSRS's calibration
def test_predicted_retrievability_is_fsrs_forgetting_curve(col) -> None:
    decay = DEFAULT_PARAMETERS[20]
    factor = 0.9 ** (1 / -decay) - 1
    assert predicted_retrievability(10.0, 5, DEFAULT_PARAMETERS) == pytest.approx(
        (1 + factor * 5 / 10.0) ** -decay
    )
    # R is 0.9 when t = S, by construction of the factor.
    assert predicted_retrievability(7.0, 7, DEFAULT_PARAMETERS) == pytest.approx(0.9)
    # And the scheduler's own curve (py-fsrs, learner's days) agrees.
    memory = Memory(
        state=2, stability=10.0, difficulty=5.0, last_review=NOW - timedelta(days=5), due=NOW
    )
    assert col.scheduler.retrievability(memory, NOW) == pytest.approx(
        predicted_retrievability(10.0, 5, DEFAULT_PARAMETERS), abs=1e-6
    )
    # FSRS-5 weights (19 values) had a fixed decay of 0.5.
    assert predicted_retrievability(9.0, 9, DEFAULT_PARAMETERS[:19]) == pytest.approx(0.9)


def anki_bin(r: float) -> int:
    """fsrs-rs's `get_bin(r, 20)`, written as fsrs-rs writes it: 20 bins, log-spaced."""
    return min(max(math.floor(math.exp(r * math.log(21))) - 1, 0), 19)


def stability_for(r: float, elapsed: int = 1) -> float:
    """The stability at which FSRS predicts recall `r` after `elapsed` days."""
    decay = DEFAULT_PARAMETERS[20]
    factor = 0.9 ** (1 / -decay) - 1
    return factor * elapsed / (r ** (-1 / decay) - 1)


def test_model_bins_hold_the_predicted_retrievability_of_each_review(col, deck) -> None:
    r_a = predicted_retrievability(10.0, 5, DEFAULT_PARAMETERS)  # 0.940
    r_b = predicted_retrievability(2.0, 30, DEFAULT_PARAMETERS)  # 0.654
    for rating in (GOOD, GOOD, GOOD, AGAIN):
        log(col, deck[0], rating, stability=10.0, elapsed=5)
    for rating in (GOOD, AGAIN):
        log(col, deck[1], rating, stability=2.0, elapsed=30)

    model = calibration(col, now=NOW).model
    assert model.answers == 6
    assert len(model.bins) == 20
    full = [(i, b) for i, b in enumerate(model.bins) if b.count]
    assert [(i, b.count) for i, b in full] == [(anki_bin(r_b), 2), (anki_bin(r_a), 4)]
    (_, low), (_, high) = full
    assert low.low <= r_b < low.high and high.low <= r_a < high.high
    assert low.predicted == pytest.approx(r_b)
    assert low.actual == 0.5
    assert high.predicted == pytest.approx(r_a)
    assert high.actual == 0.75
    assert model.predicted == pytest.approx((4 * r_a + 2 * r_b) / 6)
    assert model.actual == pytest.approx(4 / 6)
    loss = -(3 * math.log(r_a) + math.log(1 - r_a) + math.log(r_b) + math.log(1 - r_b)) / 6
    assert model.log_loss == pytest.approx(loss)
    # The calibration RMSE: each predicted-recall bin's gap, weighted by its reviews.
    rmse = math.sqrt((4 * (r_a - 0.75) ** 2 + 2 * (r_b - 0.5) ** 2) / 6)
    assert model.calibration_rmse == pytest.approx(rmse)


def test_bins_are_fsrs_rs_log_spaced_bins(col, deck) -> None:
    # The bins' bounds are where fsrs-rs's bin number changes.
    bounds = [cal.bin_bounds(i) for i in range(cal.BINS)]
    assert bounds[0][0] == 0.0 and bounds[-1][1] == 1.0
    for i, (low, high) in enumerate(bounds):
        assert anki_bin(low + 1e-9) == i and anki_bin(high - 1e-9) == i
    assert [f"{lo:.1%}" for lo, _ in bounds[-3:]] == ["94.9%", "96.7%", "98.4%"]

    # 0.955 and 0.975 share a tenth and a twentieth but not an fsrs-rs bin: kept apart.
    assert anki_bin(0.955) != anki_bin(0.975)
    log(col, deck[0], GOOD, stability=stability_for(0.955), elapsed=1)
    log(col, deck[1], AGAIN, stability=stability_for(0.975), elapsed=1)
    model = calibration(col, now=NOW).model
    assert model.predicted == pytest.approx((0.955 + 0.975) / 2)
    assert [b.count for b in model.bins if b.count] == [1, 1]
    assert model.calibration_rmse == pytest.approx(math.sqrt(((0.955 - 1) ** 2 + 0.975**2) / 2))

    # 0.935 and 0.945 share an fsrs-rs bin: their errors cancel inside it.
    with col.db.transaction() as conn:
        conn.execute("DELETE FROM reviewlog")
    assert anki_bin(0.935) == anki_bin(0.944)
    log(col, deck[0], GOOD, stability=stability_for(0.935), elapsed=1)
    log(col, deck[1], AGAIN, stability=stability_for(0.944), elapsed=1)
    model = calibration(col, now=NOW).model
    assert [b.count for b in model.bins if b.count] == [2]
    assert model.calibration_rmse == pytest.approx(abs((0.935 + 0.944) / 2 - 0.5))


def test_model_counts_only_review_cards_after_a_day(col, deck) -> None:
    log(col, deck[0], GOOD, state_before=1)  # learning card: no forgetting-curve prediction
    log(col, deck[0], GOOD, state_before=3)  # relearning card
    log(col, deck[0], GOOD, elapsed=0)  # same-day review: FSRS's short-term formula instead
    log(col, deck[0], GOOD, stability=None)
    assert calibration(col, now=NOW).model.answers == 0
    assert calibration(col, now=NOW).model.calibration_rmse is None
    log(col, deck[0], GOOD, elapsed=1)
    assert calibration(col, now=NOW).model.answers == 1


def test_model_calibration_from_real_answers(col, deck) -> None:
    """Through `Collection.answer`: a card learnt, then reviewed 5 days later."""
    card = deck[0]
    col.answer(card, GOOD, now=NOW - timedelta(days=12))
    col.answer(card, GOOD, now=NOW - timedelta(days=12, minutes=-10))
    graduated = col.card(card)
    assert graduated.state == 2
    col.answer(card, AGAIN, now=NOW - timedelta(days=3), confidence=CERTAIN)

    row = col.conn.execute(
        "SELECT stability_before, elapsed_days FROM reviewlog WHERE state_before = 2"
    ).fetchone()
    result = calibration(col, now=NOW)
    assert result.model.answers == 1
    assert result.model.predicted == pytest.approx(
        predicted_retrievability(row[0], row[1], col.fsrs_parameters())
    )
    assert row[1] == 9
    assert result.model.actual == 0.0
    assert [m.card_id for m in result.certain_misses] == [card]
    certain = {lv.name: lv for lv in result.levels}["certain"]
    assert (certain.answers, certain.recalled) == (1, 0)


def test_a_deck_with_its_own_weights_uses_its_own_curve(col, deck, write_deck) -> None:
    add_deck(col, write_deck, "git", "Git", [("init?", "git init")])
    git = card_ids(col, "git")[0]
    own = list(DEFAULT_PARAMETERS)
    own[20] = 0.5  # a different decay
    col.set_fsrs_parameters(own, deck_key="git")
    log(col, deck[0], GOOD, stability=10.0, elapsed=20)
    log(col, git, GOOD, stability=10.0, elapsed=20)

    default_r = predicted_retrievability(10.0, 20, DEFAULT_PARAMETERS)
    own_r = predicted_retrievability(10.0, 20, own)
    assert abs(default_r - own_r) > 0.005

    assert calibration(col, now=NOW, deck_key="git").model.predicted == pytest.approx(own_r)
    assert calibration(col, now=NOW, deck_key="lo").model.predicted == pytest.approx(default_r)
    both = calibration(col, now=NOW).model
    assert both.predicted == pytest.approx((own_r + default_r) / 2)


def test_python_math_functions_give_the_same_figures(col, deck) -> None:
    """The fallback for an SQLite built without math functions computes the same thing."""
    for stability, elapsed, rating in ((10.0, 5, GOOD), (2.0, 30, AGAIN), (3.0, 3, GOOD)):
        log(col, deck[0], rating, stability=stability, elapsed=elapsed)

    def figures() -> list[float]:
        m = calibration(col, now=NOW).model
        return [
            m.answers,
            m.predicted,
            m.actual,
            m.log_loss,
            m.calibration_rmse,
            *(b.predicted or 0.0 for b in m.bins),
            *(b.count for b in m.bins),
        ]

    builtin = figures()
    cal.register_math(col.conn)
    assert figures() == pytest.approx(builtin, rel=1e-12)


def test_model_summary_speaks_plainly(col, deck) -> None:
    assert "No reviews of review cards yet" in calibration(col, now=NOW).model.summary
    r = predicted_retrievability(10.0, 5, DEFAULT_PARAMETERS)  # 0.94
    for _ in range(20):
        log(col, deck[0], GOOD, stability=10.0, elapsed=5)
    summary = calibration(col, now=NOW).model.summary
    assert summary.startswith(f"FSRS predicted {r:.0%} recall; you recalled 100%: ")
    assert f"underrates your memory by {round((1 - r) * 100)} points" in summary
    for _ in range(20):
        log(col, deck[0], AGAIN, stability=10.0, elapsed=5)
    summary = calibration(col, now=NOW).model.summary
    assert f"overrates your memory by {round((r - 0.5) * 100)} points" in summary
    with col.db.transaction() as conn:
        conn.execute("DELETE FROM reviewlog")
    for n in range(50):
        log(col, deck[0], AGAIN if n < 3 else GOOD, stability=10.0, elapsed=5)  # 94% recalled
    assert calibration(col, now=NOW).model.summary.endswith("its predictions match your memory.")


# ----------------------------------------------------------------------------- plain data
def test_to_dict_is_plain_json(col, deck) -> None:
    answers(col, deck[0], CERTAIN, recalled=3, failed=1)
    data = json.loads(json.dumps(calibration(col, now=NOW).to_dict()))
    assert data["stated_probability"] == {"unsure": 0.5, "fairly sure": 0.75, "certain": 0.95}
    assert data["levels"][2] == {
        "level": 3,
        "name": "certain",
        "stated": 0.95,
        "answers": 4,
        "recalled": 3,
        "recall_rate": 0.75,
    }
    assert data["score"]["score"] == pytest.approx(0.2)
    assert data["score"]["points"] == 20
    assert len(data["over_time"]) == 12
    assert data["certain_then_failed"][0]["certain_then_again"] == 1
    assert len(data["fsrs"]["bins"]) == 20


def test_empty_profile_has_empty_figures(col) -> None:
    result = calibration(col, now=NOW)
    assert result.answers == 0
    assert result.score.value is None
    assert result.decks == ()
    assert result.certain_misses == ()
    assert all(p.score.answers == 0 for p in result.periods)
    assert result.model.answers == 0
    assert result.model.log_loss is None


# ----------------------------------------------------------------------------- the CLI
def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--no-bundled-decks", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_on_an_empty_profile_says_how_to_get_data(capsys) -> None:
    code, out, _ = run(capsys, "calibration")
    assert code == 0
    assert out.startswith("No answers with a confidence yet: turn on the confidence step")
    assert "mastery config confidence_step true" in out
    assert "No reviews of review cards yet" in out


def test_cli_prints_tables_and_json(capsys, mastery_home, write_deck) -> None:
    with Collection.open(bundled=False) as c:
        add_deck(c, write_deck, "lo", "Learning org", [("Front one", "Back"), ("Two", "B")])
        a, b = card_ids(c, "lo")
        now = datetime.now(UTC)
        for n in range(20):
            log(c, a, AGAIN if n < 8 else GOOD, confidence=CERTAIN, at=now - timedelta(hours=n + 1))
        log(c, b, GOOD, confidence=UNSURE, at=now - timedelta(hours=30))

    code, out, _ = run(capsys, "calibration")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "How sure you were, against how often you recalled (21 answers):"
    certain = next(line for line in lines if line.startswith("certain"))
    assert certain.split()[:4] == ["certain", "95%", "60%", "20"]
    # (0.5 - 1 + 20 * 0.95 - 12) / 21 = 0.3095...
    assert "Overall: overconfident by 31 points (21 answers)\n" in out
    assert 'Answered "certain", then Again:' in out
    assert any(line.startswith("lo/c1") and " 8 " in line for line in lines)
    assert "FSRS's own calibration (21 reviews of review cards):" in out
    assert "Log loss" in out and "calibration RMSE" in out and "RMSE (bins)" not in out
    assert "mastery optimize --evaluate" in out

    code, out, _ = run(capsys, "calibration", "--json", "--by", "week")
    data = json.loads(out)
    assert data["answers_with_confidence"] == 21
    assert data["score"]["points"] == 31
    assert data["period"] == "week"
    assert data["decks"][0]["deck"] == "lo"
    assert data["certain_then_failed"][0]["ref"] == "lo/c1"
    assert data["fsrs"]["answers"] == 21

    code, out, _ = run(capsys, "calibration", "--deck", "lo", "--json")
    assert json.loads(out)["deck"] == "lo"


def test_cli_unknown_deck_is_one_line_and_exit_2(capsys) -> None:
    code, out, err = run(capsys, "calibration", "--deck", "nope")
    assert code == 2
    assert out == ""
    assert err.strip() == "mastery: error: no deck 'nope'; see `mastery decks`"
