"""Deck presets: stored, checked, used by the scheduler and the leech rule, edited from the
command line; a profile from before presets behaves as it did."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from test_db import V2_DUMP, _load

from conftest import NOW
from mastery.cli import main
from mastery.collection import Collection
from mastery.errors import MasteryError, NotFoundError
from mastery.srs.presets import PRESET_KEYS

DECK = """id = "{key}"
name = "{name}"

[[cards]]
id = "a"
front = "A"
back = "1"

[[cards]]
id = "b"
front = "B"
back = "2"
"""


@pytest.fixture
def two_decks(col: Collection, tmp_path: Path) -> Collection:
    files = []
    for key in ("spanish", "german"):
        path = tmp_path / f"{key}.toml"
        path.write_text(DECK.format(key=key, name=key.title()), encoding="utf-8")
        files.append(path)
    col.import_files(files, now=NOW)
    return col


def test_a_profile_from_before_presets_has_one_default_preset_with_its_settings(
    tmp_path: Path,
) -> None:
    """Migration: every deck uses the default preset, which is the profile's settings, so
    counts and scheduling are what they were."""
    with Collection.open_path(_load(V2_DUMP, tmp_path / "v2.db")) as col:
        [default] = col.presets.presets()
        assert (default.id, default.name, default.default) == (1, "Default", True)
        assert default.values == {k: col.setting(k) for k in PRESET_KEYS}
        assert set(default.decks) == {d.key for d in col.decks(now=NOW)}
        new_left, review_left = col.queue.limits_left(NOW)
        counts = col.queue.counts(now=NOW)
        assert counts.new <= new_left and counts.review <= review_left
        assert col.queue.deck_limits(NOW) == {}


def test_a_new_preset_copies_the_default_and_changes_alone(two_decks: Collection) -> None:
    col = two_decks
    col.set_setting("new_per_day", 7)
    light = col.presets.add("Light")
    assert light.values["new_per_day"] == 7 and light.decks == ()
    col.presets.edit("Light", "new_per_day", "2")
    col.presets.edit("Light", "learning_steps", "30m 2h")
    assert col.setting("new_per_day") == 7, "the default preset is untouched"
    view = col.presets.preset("Light")
    assert view.values["new_per_day"] == 2
    assert view.values["learning_steps"] == ["30m", "2h"]
    copy = col.presets.add("Copy", copy_of="Light")
    assert copy.values == view.values


def test_a_deck_on_a_preset_gets_its_limits_and_the_other_keeps_the_default(
    two_decks: Collection,
) -> None:
    col = two_decks
    col.presets.add("One a day")
    col.presets.edit("One a day", "new_per_day", 1)
    col.presets.use("spanish", "One a day")
    summaries = {d.key: d for d in col.decks(now=NOW)}
    assert (summaries["spanish"].new, summaries["german"].new) == (1, 2)
    assert col.queue.counts(now=NOW).new == 3
    assert col.presets.preset("One a day").decks == ("spanish",)


def test_a_decks_preset_sets_its_learning_steps(two_decks: Collection) -> None:
    col = two_decks
    col.presets.add("Slow")
    col.presets.edit("Slow", "learning_steps", "45m")
    col.presets.use("german", "Slow")
    german = col.deck("german").id
    spanish = col.deck("spanish").id
    card_ids = {
        r["deck_id"]: r["id"]
        for r in col.conn.execute("SELECT id, deck_id FROM card WHERE key = 'a'")
    }
    slow = col.answer(card_ids[german], 1, now=NOW)
    usual = col.answer(card_ids[spanish], 1, now=NOW)
    assert slow.due - NOW == timedelta(minutes=45)
    assert usual.due - NOW == timedelta(minutes=1)


def test_removing_a_preset_puts_its_decks_back_on_the_default(two_decks: Collection) -> None:
    col = two_decks
    col.presets.add("Gone")
    col.presets.edit("Gone", "new_per_day", 0)
    col.presets.use("spanish", "Gone")
    assert {d.key: d.new for d in col.decks(now=NOW)}["spanish"] == 0
    removed = col.presets.remove("Gone")
    assert removed.decks == ("spanish",)
    assert {d.key: d.new for d in col.decks(now=NOW)}["spanish"] == 2
    assert [p.name for p in col.presets.presets()] == ["Default"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.presets.add("Default"), "exists already"),
        (lambda c: c.presets.add(""), "preset name"),
        (lambda c: c.presets.add("12"), "needs a letter"),
        (lambda c: c.presets.add("a\x1b[2J"), "printable"),
        (lambda c: c.presets.remove("Default"), "cannot be removed"),
        (lambda c: c.presets.rename("Default", "Other"), "keeps its name"),
        (lambda c: c.presets.edit("Default", "timezone", "UTC"), "not a preset setting"),
        (lambda c: c.presets.edit("Default", "new_per_day", "nan"), "finite"),
        (lambda c: c.presets.use("spanish", "Nope"), "no preset"),
        (lambda c: c.presets.use("nope", "Default"), "no deck"),
    ],
)
def test_bad_preset_requests_are_one_line_errors_and_change_nothing(
    two_decks: Collection, call, message: str
) -> None:
    col = two_decks
    before = col.presets.presets()
    settings = col.settings()
    with pytest.raises((MasteryError, NotFoundError)) as raised:
        call(col)
    assert message in str(raised.value) and "\n" not in str(raised.value)
    assert col.presets.presets() == before and col.settings() == settings


def test_a_tampered_stored_preset_value_falls_back_to_the_default_with_a_warning(
    two_decks: Collection,
) -> None:
    """A value no write could have stored (edited by hand, or by an older version) never
    crashes a review: the default preset's value is used and the warning says which."""
    col = two_decks
    col.presets.add("Odd")
    col.presets.use("spanish", "Odd")
    with col.db.transaction() as conn:
        conn.execute(
            "UPDATE preset SET config = ? WHERE name = 'Odd'",
            (json.dumps({"new_per_day": 10**9, "learning_steps": ["-5m"]}),),
        )
    col.presets.forget()
    assert col.presets.preset("Odd").values["new_per_day"] == col.setting("new_per_day")
    assert any("preset 'Odd'" in w for w in col.settings_warnings)
    card = col.next_card(now=NOW, deck_id=col.deck("spanish").id)
    assert card is not None
    col.answer(card.id, 3, now=NOW)


def test_a_presets_leech_threshold_applies_to_its_decks(two_decks: Collection) -> None:
    col = two_decks
    col.presets.add("Strict")
    col.presets.edit("Strict", "leech_threshold", 1)
    col.presets.edit("Strict", "leech_action", "tag")
    col.presets.use("german", "Strict")
    card_id = col.conn.execute(
        "SELECT id FROM card WHERE key = 'a' AND deck_id = ?", (col.deck("german").id,)
    ).fetchone()["id"]
    now = NOW
    col.answer(card_id, 4, now=now)  # easy: a review card
    now += timedelta(days=30)
    answered = col.answer(card_id, 1, now=now)  # the first lapse
    assert answered.leech
    info = col.card_info(card_id, now=now)
    assert "leech" in info.card.tags and not info.card.suspended


def test_mastery_config_edits_the_default_preset(two_decks: Collection, capsys) -> None:
    two_decks.close()
    assert main(["config", "new_per_day", "9"]) == 0
    capsys.readouterr()
    assert main(["preset", "show", "Default", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["values"]["new_per_day"] == 9


def test_preset_commands_round_trip(two_decks: Collection, capsys) -> None:
    two_decks.close()
    assert main(["preset", "add", "Exam"]) == 0
    assert main(["preset", "edit", "Exam", "reviews_per_day", "50"]) == 0
    assert main(["preset", "use", "spanish", "Exam"]) == 0
    assert main(["preset", "rename", "Exam", "Exams"]) == 0
    capsys.readouterr()
    assert main(["preset", "list", "--json"]) == 0
    listed = {p["name"]: p for p in json.loads(capsys.readouterr().out)}
    assert listed["Exams"]["values"]["reviews_per_day"] == 50
    assert listed["Exams"]["decks"] == ["spanish"]
    assert listed["Default"]["decks"] == ["german"]
    assert main(["preset", "remove", "Exams"]) == 0
    assert "1 deck back on the default" in capsys.readouterr().out
    assert main(["preset", "list"]) == 0
    assert "Exams" not in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["preset", "edit", "Default", "desired_retention", "2"],
        ["preset", "edit", "Nope", "new_per_day", "2"],
        ["preset", "use", "spanish", "Nope"],
        ["preset", "remove", "Default"],
        ["preset", "add", "Default"],
        ["preset", "show", "Nope"],
    ],
)
def test_preset_command_errors_are_one_line_with_exit_2(
    two_decks: Collection, capsys, argv: list[str]
) -> None:
    two_decks.close()
    capsys.readouterr()
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("mastery: error: ") and captured.err.count("\n") == 1
    assert "Traceback" not in captured.err


def test_optimize_per_preset_fits_its_decks_and_stores_the_weights_in_it(
    col: Collection, write_deck
) -> None:
    """Anki optimizes per preset: the reviews of the preset's decks, the weights kept in the
    preset, so its decks' cards are scheduled with them and the other decks keep theirs."""
    from simulated_learner import simulate_learner
    from test_tui_helpers import add_deck

    from mastery import optimize
    from mastery.scheduler import DEFAULT_PARAMETERS

    simulate_learner(col, cards=200, reviews_per_card=8, end=NOW, seed=3)
    add_deck(col, write_deck, "other", "Other", [("q", "a")])
    col.presets.add("Fitted")
    col.presets.use("sim", "Fitted")
    result = optimize.optimize(col, preset="Fitted")
    assert result.scope == "preset Fitted" and result.reviews > 1000
    assert result.to_dict()["preset"] == "Fitted"
    optimize.apply(col, result, reschedule=True, now=NOW)
    assert col.presets.preset("Fitted").values["fsrs_parameters"] == pytest.approx(
        result.after, abs=1e-6
    )
    assert col.fsrs_parameters("sim") == pytest.approx(result.after, abs=1e-6)
    assert col.fsrs_parameters("other") == DEFAULT_PARAMETERS
    assert col.fsrs_parameters() == DEFAULT_PARAMETERS, "the default preset is untouched"
    with pytest.raises(MasteryError, match="preset Default's decks"):
        optimize.optimize(col, preset="Default")
    # Anki's Evaluate per preset: the preset's decks, measured with the preset's weights
    reviews, fitted = optimize.evaluate_in_force(col, preset="Fitted")
    assert reviews == result.reviews
    assert fitted.log_loss_unweighted == pytest.approx(result.after_eval.log_loss_unweighted)
    with pytest.raises(MasteryError, match="preset Default's decks"):
        optimize.evaluate_in_force(col, preset="Default")


def test_cli_optimize_preset_refuses_deck_and_preset_together(
    two_decks: Collection, capsys
) -> None:
    two_decks.close()
    capsys.readouterr()
    assert main(["optimize", "--deck", "spanish", "--preset", "Default"]) == 2
    assert "not both" in capsys.readouterr().err
    assert main(["optimize", "--preset", "Nope"]) == 2
    assert "no preset" in capsys.readouterr().err


def test_per_deck_counts_kept_by_answers_equal_counts_read_afresh(two_decks: Collection) -> None:
    """The hot path keeps each deck's answers of the day in step instead of re-reading them:
    after answers in both decks the cached limits are the ones a fresh read gives."""
    col = two_decks
    col.presets.add("Two")
    col.presets.edit("Two", "new_per_day", 2)
    col.presets.use("spanish", "Two")
    assert col.queue.deck_limits(NOW)[col.deck("spanish").id].new == 2
    for _ in range(3):
        card = col.next_card(now=NOW)
        assert card is not None
        col.answer(card.id, 3, now=NOW)
    kept = col.queue.deck_limits(NOW)
    col.queue.forget()
    assert col.queue.deck_limits(NOW) == kept


@pytest.mark.parametrize("stored", ["not json", "[1, 2]", '{"new_per_day": ' + "9" * 5000 + "}"])
def test_an_unreadable_stored_preset_uses_the_default_presets_values(
    two_decks: Collection, stored: str
) -> None:
    col = two_decks
    col.presets.add("Broken")
    col.presets.use("spanish", "Broken")
    with col.db.transaction() as conn:
        conn.execute("UPDATE preset SET config = ? WHERE name = 'Broken'", (stored,))
    col.presets.forget()
    col.queue.forget()
    assert col.presets.preset("Broken").values == col.presets.preset("Default").values
    card = col.next_card(now=NOW, deck_id=col.deck("spanish").id)
    assert card is not None
    col.answer(card.id, 3, now=NOW)


def test_mastery_decks_json_names_each_decks_preset_and_the_limit_that_bit(
    two_decks: Collection, capsys
) -> None:
    col = two_decks
    col.presets.add("One")
    col.presets.edit("One", "new_per_day", 1)
    col.presets.use("german", "One")
    col.close()
    capsys.readouterr()
    assert main(["decks", "--json"]) == 0
    decks = {d["id"]: d for d in json.loads(capsys.readouterr().out)}
    assert (decks["german"]["preset"], decks["german"]["new"]) == ("One", 1)
    assert decks["german"]["new_limit"] == ["One", 1]
    assert (decks["spanish"]["preset"], decks["spanish"]["new_limit"]) == ("Default", None)


def test_cli_evaluate_per_preset(col: Collection, capsys) -> None:  # type: ignore[no-untyped-def]
    """`mastery optimize --evaluate --preset P`: Anki's Evaluate for one preset's decks."""
    from simulated_learner import simulate_learner

    from mastery.cli import main

    simulate_learner(col, cards=60, reviews_per_card=6, end=NOW, seed=5)
    col.presets.add("Mine")
    col.presets.use("sim", "Mine")
    col.close()
    code = main(["--no-bundled-decks", "optimize", "--evaluate", "--preset", "Mine", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["scope"] == "preset Mine" and out["reviews"] > 100
    assert 0 < out["log_loss"] < 1


def test_workload_per_preset_uses_its_limits_and_weights(col: Collection, capsys) -> None:  # type: ignore[no-untyped-def]
    """`mastery workload --preset P`: the preset's decks, simulated at the preset's daily
    limits (here one new card and one review a day) with its weights."""
    from simulated_learner import simulate_learner

    from mastery import optimize
    from mastery.cli import main

    simulate_learner(col, cards=60, reviews_per_card=3, end=NOW, seed=7)
    col.presets.add("Tiny")
    col.presets.edit("Tiny", "new_per_day", "1")
    col.presets.edit("Tiny", "reviews_per_day", "1")
    col.presets.use("sim", "Tiny")
    tiny = optimize.workload(col, preset="Tiny", retentions=(0.9,), days=60)
    whole = optimize.workload(col, retentions=(0.9,), days=60)
    assert tiny[0].reviews_per_day <= 2.0 < whole[0].reviews_per_day
    # One deck of the preset is simulated at the preset's limits too (the Optimize screen's
    # deck scope), with the weights in force for it.
    deck = optimize.workload(col, "sim", retentions=(0.9,), days=60)
    assert deck == tiny
    col.close()
    code = main(["--no-bundled-decks", "workload", "--preset", "Tiny"])
    out = capsys.readouterr().out
    assert code == 0 and "(preset Tiny)" in out
    with pytest.raises(SystemExit) as exit_info:  # one scope at a time
        main(["--no-bundled-decks", "workload", "--preset", "Tiny", "--deck", "sim"])
    assert exit_info.value.code == 2


def test_the_command_suggested_after_add_can_be_pasted_into_a_shell(
    two_decks: Collection, capsys
) -> None:
    """A preset named `Exam $HOME [b]` : the suggested `mastery preset use DECK NAME` quotes
    the name (pasted as it was, the shell split it and expanded $HOME)."""
    import shlex

    two_decks.close()
    capsys.readouterr()
    assert main(["preset", "add", "Exam $HOME [b]"]) == 0
    hint = capsys.readouterr().out.split("`")[1]
    assert shlex.split(hint) == ["mastery", "preset", "use", "DECK", "Exam $HOME [b]"]
